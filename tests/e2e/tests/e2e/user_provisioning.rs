//! The provisioning example of `tests/user-client` (a crate that depends on the client and
//! tokio only) run against the emulator: the example is compiled there, and run here.

use std::time::Duration;

use cloudflare_cni_client::{types, Client};
use cloudflare_cni_emulator::EmulatorConfig;

#[path = "../../../user-client/examples/provision.rs"]
mod provision;

#[tokio::test]
async fn the_provisioning_example_runs_against_the_emulator() {
    let base_url = crate::emulator_e2e::start(
        EmulatorConfig::default().status_delay(Duration::from_millis(300)),
    )
    .await;
    let client = Client::builder()
        .base_url(base_url)
        .api_token("emulator-token")
        .build()
        .unwrap();
    let folder = tempfile::tempdir().unwrap();
    let loa = folder.path().join("loa.pdf");

    let done = provision::provision(&client, "account-p", &loa)
        .await
        .unwrap();

    let pdf = std::fs::read(&loa).unwrap();
    assert!(pdf.starts_with(b"%PDF-"), "an LOA is a PDF");
    assert_eq!(done.loa_bytes, pdf.len() as u64);
    assert_eq!(done.listed, 1, "the one CNI it made");
    // It cleaned up: nothing of it is left on the account.
    let account = client.account("account-p");
    let cnis: Vec<types::Cni> = account.list_cnis().stream().try_collect().await.unwrap();
    let icons: Vec<types::Interconnect> = account
        .list_interconnects()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(cnis.is_empty() && icons.is_empty(), "{cnis:?} {icons:?}");
    let gone = account.get_cni().cni(done.cni).send().await.unwrap_err();
    assert!(gone.is_not_found(), "{gone}");
}
