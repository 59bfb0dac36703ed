//! Provisioning end to end, as a user of the client writes it, with nothing but
//! `cloudflare-cni-client` and tokio: find a free slot, create a direct interconnect on it, wait
//! until it is `Healthy`, fetch its Letter of Authorization, create a CNI with BGP on it, list
//! the account's CNIs, and delete both.
//!
//! Against the emulator (`cargo run -p cloudflare-cni-emulator -- --listen 127.0.0.1:8787`):
//!
//! ```text
//! cargo run -p cloudflare-cni-user-client --example provision -- http://127.0.0.1:8787/client/v4 <token> <account>
//! ```
//!
//! `tests/e2e` runs [`provision`] against an emulator it starts, so this file is both a user's
//! crate (it compiles with only the client) and a test.

use std::time::Duration;

use cloudflare_cni_client::{types, Client, CniError, Wait};

/// What can stop a run: the API's errors, and the ones this flow defines for itself.
#[derive(Debug)]
pub enum ProvisionError {
    /// Every slot of the account's sites is taken.
    NoFreeSlot,
    /// The interconnect came back without a name to address it by.
    Unnamed(Box<types::Interconnect>),
    /// A call failed.
    Api(CniError),
}

impl std::fmt::Display for ProvisionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProvisionError::NoFreeSlot => write!(f, "no free slot"),
            ProvisionError::Unnamed(icon) => write!(f, "no name: {icon:?}"),
            ProvisionError::Api(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for ProvisionError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ProvisionError::Api(error) => Some(error),
            _ => None,
        }
    }
}

impl From<CniError> for ProvisionError {
    fn from(error: CniError) -> Self {
        ProvisionError::Api(error)
    }
}

/// What a run made and saw.
#[derive(Debug)]
pub struct Provisioned {
    pub interconnect: String,
    pub loa_bytes: u64,
    pub cni: cloudflare_cni_client::Uuid,
    pub listed: usize,
}

/// Runs the whole flow for `account`, writing the LOA to `loa_path`, and cleans up after itself.
pub async fn provision(
    client: &Client,
    account: &str,
    loa_path: &std::path::Path,
) -> Result<Provisioned, ProvisionError> {
    let account = client.account(account);

    // A free slot: the first item of a filtered listing, fetched page by page.
    let mut free = account.list_slots().occupied(false).stream();
    let slot = match free.next().await {
        Some(slot) => slot?,
        None => return Err(ProvisionError::NoFreeSlot),
    };

    // A direct interconnect on it: `body_direct` starts the member's builder with the
    // account's id as its `account`.
    let created = account
        .create_interconnect()
        .body_direct(|direct| direct.slot_id(slot.id))
        .send()
        .await?
        .into_inner();
    // Every kind of interconnect has a name: the union answers it whichever it is.
    let name = match created.name() {
        Some(name) => name.to_string(),
        None => return Err(ProvisionError::Unnamed(Box::new(created))),
    };

    // Until it is healthy, on a task of its own while the slot is looked at again: a request
    // owns its client, so it can move to a task. A `Down` answer ends the wait at once
    // (`CniError::WaitFailed`, with the answer) instead of polling until the timeout.
    let wait = Wait::default()
        .timeout(Duration::from_secs(60))
        .interval(Duration::from_millis(100), Duration::from_secs(2));
    let healthy = tokio::spawn(
        account
            .get_interconnect_status()
            .icon(&name)
            .wait_until_healthy(wait),
    );
    let _slot_now = account.get_slot().slot(slot.id).send().await?;
    match healthy.await {
        Ok(result) => result?,
        Err(panicked) => std::panic::resume_unwind(panicked.into_panic()),
    };

    // The Letter of Authorization, written to a file atomically.
    let loa_bytes = account
        .get_interconnect_loa()
        .icon(&name)
        .save_to(loa_path)
        .await?;

    // A CNI with BGP on it. The handle fills the body's `account` from its path, also for a
    // body given whole with `.body(..)`; a required field left unset is named by `send()`
    // (`CniError::InvalidBody`) before anything is sent.
    let bgp = types::BgpControl::builder()
        .customer_asn(4_200_000_001u32)
        .extra_prefixes(["192.0.2.0/24"])
        .md5_key("a-shared-secret");
    let magic = types::MagicSettings::builder()
        .conduit_name("provisioned")
        .description("made by the provisioning example")
        .mtu(1476);
    let cni = account
        .create_cni()
        .body_map(|body| body.interconnect(&name).magic(magic).bgp(bgp))
        .send()
        .await?
        .into_inner();

    // Every CNI of the account.
    let listed = account.list_cnis().stream().try_collect().await?.len();

    account.delete_cni().cni(cni.id).send().await?;
    account.delete_interconnect().icon(&name).send().await?;
    Ok(Provisioned {
        interconnect: name,
        loa_bytes,
        cni: cni.id,
        listed,
    })
}

#[tokio::main(flavor = "current_thread")]
#[allow(dead_code)] // `tests/e2e` includes this file and calls `provision` only.
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(base_url), Some(token), Some(account)) = (args.next(), args.next(), args.next())
    else {
        return Err("usage: provision BASE_URL API_TOKEN ACCOUNT_ID".into());
    };
    let client = Client::builder()
        .base_url(base_url)
        .api_token(token)
        .build()?;
    let loa = std::env::temp_dir().join("provisioned-loa.pdf");
    let done = provision(&client, &account, &loa).await?;
    println!(
        "interconnect {} healthy; LOA {} bytes at {}; CNI {} created; {} CNI(s) listed; both deleted",
        done.interconnect,
        done.loa_bytes,
        loa.display(),
        done.cni,
        done.listed
    );
    Ok(())
}
