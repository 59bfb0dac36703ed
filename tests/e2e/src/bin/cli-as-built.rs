//! The command-line tool as its generated `main` builds it (the same one line), so the tests
//! can run it as a process: pipes closed by their reader, signals, real standard streams.
//! A binary of this package because Cargo hands a test only its own package's binaries.

fn main() -> std::process::ExitCode {
    cloudflare_cni_cli_runtime::main(&cloudflare_cni::APP)
}
