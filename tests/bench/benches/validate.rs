//! Validating a full valid `Cni` (bgp, 8 extra prefixes): the derived `Validate` against a
//! hand-written function doing the same checks. Run: `cargo bench -p cloudflare-cni-bench
//! --bench validate`. A counting allocator proves valid input allocates nothing.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use cloudflare_cni_types as types;
use cloudflare_cni_validate::rules::{
    check_cidr, check_maximum, check_md5_key, check_minimum, check_same_prefix,
};
use cloudflare_cni_validate::{Path, Report, Validate, ValidationErrors};
use criterion::{criterion_group, criterion_main, Criterion};

struct CountingAllocator;
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

fn cni() -> types::Cni {
    serde_json::from_value(serde_json::json!({
        "id": "8d3a4f3e-2c1b-4f5e-9a7b-1c2d3e4f5a6b",
        "account": "023e105f4ecef8ad9ca31a8372d0c353",
        "interconnect": "icon-dfw-1",
        "p2p_ip": "192.168.3.4/31",
        "cust_ip": "192.168.3.5/31",
        "magic": {"conduit_name": "dfw", "description": "primary", "mtu": 1500},
        "bgp": {
            "customer_asn": 4200000000u32,
            "extra_prefixes": ["10.0.0.0/8", "10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16",
                               "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "198.18.0.0/15"],
            "md5_key": "s3cr<e>t`key"
        }
    }))
    .unwrap()
}

/// The same checks, written by hand against the same rule functions.
fn hand_written(cni: &types::Cni) -> Result<(), ValidationErrors> {
    let mut report = Report::new();
    let root = Path::Root;
    if let Some(bgp) = &cni.bgp {
        let at = root.field("bgp");
        check_minimum(
            i128::from(bgp.customer_asn),
            0,
            &at.field("customer_asn"),
            &mut report,
        );
        check_maximum(
            i128::from(bgp.customer_asn),
            4294967295,
            &at.field("customer_asn"),
            &mut report,
        );
        let prefixes = at.field("extra_prefixes");
        for (i, prefix) in bgp.extra_prefixes.iter().enumerate() {
            check_cidr(prefix, &prefixes.index(i), &mut report);
        }
        if let Some(key) = &bgp.md5_key {
            check_md5_key(key, &at.field("md5_key"), &mut report);
        }
    }
    check_cidr(&cni.cust_ip, &root.field("cust_ip"), &mut report);
    check_same_prefix(
        &cni.cust_ip,
        &cni.p2p_ip,
        "p2p_ip",
        &root.field("cust_ip"),
        &mut report,
    );
    check_minimum(
        i128::from(cni.magic.mtu),
        0,
        &root.field("magic").field("mtu"),
        &mut report,
    );
    check_cidr(&cni.p2p_ip, &root.field("p2p_ip"), &mut report);
    report.finish()
}

/// The closest equivalent with the `validator` crate: its derive cannot express a CIDR, a
/// per-item rule or a cross-field rule, so those are custom functions over the same rule code.
mod with_validator {
    use cloudflare_cni_validate::rules::{parse_cidr, validate_md5_key, validate_same_prefix};
    use validator::{Validate, ValidationError};

    fn cidr(value: &str) -> Result<(), ValidationError> {
        parse_cidr(value)
            .map(|_| ())
            .map_err(|_| ValidationError::new("cidr"))
    }

    fn each_cidr(values: &[String]) -> Result<(), ValidationError> {
        values.iter().try_for_each(|v| cidr(v))
    }

    fn md5(key: &str) -> Result<(), ValidationError> {
        validate_md5_key(key).map_err(|_| ValidationError::new("md5_key_charset"))
    }

    fn same_prefix(cni: &Cni) -> Result<(), ValidationError> {
        validate_same_prefix(&cni.cust_ip, &cni.p2p_ip)
            .map_err(|_| ValidationError::new("same_prefix"))
    }

    #[derive(Validate)]
    pub struct Bgp {
        #[validate(range(min = 0, max = 4294967295i64))]
        pub customer_asn: i64,
        #[validate(custom(function = "each_cidr"))]
        pub extra_prefixes: Vec<String>,
        #[validate(custom(function = "md5"))]
        pub md5_key: Option<String>,
    }

    #[derive(Validate)]
    pub struct Magic {
        #[validate(range(min = 0))]
        pub mtu: i32,
    }

    #[derive(Validate)]
    #[validate(schema(function = "same_prefix"))]
    pub struct Cni {
        #[validate(custom(function = "cidr"))]
        pub p2p_ip: String,
        #[validate(custom(function = "cidr"))]
        pub cust_ip: String,
        #[validate(nested)]
        pub magic: Magic,
        #[validate(nested)]
        pub bgp: Option<Bgp>,
    }

    pub fn from(cni: &super::types::Cni) -> Cni {
        let bgp = cni.bgp.as_ref().map(|b| Bgp {
            customer_asn: i64::from(b.customer_asn),
            extra_prefixes: b.extra_prefixes.clone(),
            md5_key: b.md5_key.clone(),
        });
        Cni {
            p2p_ip: cni.p2p_ip.clone(),
            cust_ip: cni.cust_ip.clone(),
            magic: Magic {
                mtu: i32::from(cni.magic.mtu),
            },
            bgp,
        }
    }
}

fn bench(c: &mut Criterion) {
    let cni = cni();
    assert!(cni.validate().is_ok() && hand_written(&cni).is_ok());

    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for _ in 0..1000 {
        black_box(black_box(&cni).validate()).ok();
    }
    let per_call = (ALLOCATIONS.load(Ordering::Relaxed) - before) as f64 / 1000.0;
    println!("allocations per derived validate() of a valid Cni: {per_call}");
    assert_eq!(per_call, 0.0, "validating valid input must not allocate");

    let mut group = c.benchmark_group("validate_cni");
    group.bench_function("derived", |b| b.iter(|| black_box(&cni).validate()));
    group.bench_function("hand_written", |b| b.iter(|| hand_written(black_box(&cni))));
    let mirrored = with_validator::from(&cni);
    assert!(validator::Validate::validate(&mirrored).is_ok());
    group.bench_function("validator_crate", |b| {
        b.iter(|| validator::Validate::validate(black_box(&mirrored)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
