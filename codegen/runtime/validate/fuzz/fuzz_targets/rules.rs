//! Every rule on arbitrary input: none may panic, and their answers must agree with each other.
#![no_main]

use cloudflare_cni_validate::rules::{parse_cidr, validate_md5_key, validate_same_prefix};
use cloudflare_cni_validate::{Path, Report};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (left, right) = text.split_at(text.char_indices().nth(text.chars().count() / 2).map_or(0, |(i, _)| i));

    if let Ok(net) = parse_cidr(text) {
        // Whatever parses prints back to exactly the input: the grammar has one spelling.
        assert_eq!(net.to_string(), text);
    }
    // An address is always in its own prefix; same_prefix only refuses it as the same address.
    if parse_cidr(left).is_ok() {
        assert!(validate_same_prefix(left, left).is_err());
    }
    let _ = validate_same_prefix(left, right);
    match validate_md5_key(text) {
        Ok(()) => assert!(!text.is_empty() && text.bytes().all(|b| (0x20..=0x7e).contains(&b) && b != b'"' && b != b'?')),
        Err(e) => {
            let _ = e.to_string();
        }
    }
    let mut report = Report::with_cap(4);
    let root = Path::Root;
    cloudflare_cni_validate::rules::check_cidr(text, &root.field("a"), &mut report);
    cloudflare_cni_validate::rules::check_md5_key(text, &root.field("b"), &mut report);
    cloudflare_cni_validate::rules::check_same_prefix(left, right, "c", &root.field("d"), &mut report);
    let _ = report.finish();
});
