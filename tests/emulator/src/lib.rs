//! A stateful, in-memory emulator of Cloudflare's Network Interconnects API, built on the
//! generated server trait (`cloudflare_cni_server::CniApi`), so that interconnect automation
//! can be tried without real ports.
//!
//! What it emulates:
//! - a catalogue of slots (facility, site, speed) from a seed file; a slot is a physical port,
//!   so its occupancy is shared by all accounts, but only its holder sees its `account`;
//! - per-account interconnects, CNIs and settings: one account never sees or changes another's;
//! - creating a direct interconnect claims its slot (once, also under concurrent requests);
//!   deleting it frees the slot; an interconnect that still hosts CNIs cannot be deleted;
//! - creating a CNI assigns `p2p_ip`/`cust_ip`, the lowest free /31 of the account's pool
//!   (`link_pool`, 100.64.0.0/16 by default), so deleted CNIs give their link back; a full
//!   pool answers 409; a second CNI with the same `magic.conduit_name` answers 409;
//! - a PUT may move a CNI to another /31 of the pool, but not outside it nor onto another
//!   CNI's link (400 naming `/p2p_ip`);
//! - every write costs O(log n) in the account's size (see `BENCHMARKS.md`, "Emulator writes");
//! - an interconnect's status is `Pending` until `status_delay` has passed on the emulator's
//!   clock, then `Healthy` (or, in the manual lifecycle, `Pending` until a test sets it); see
//!   [`lifecycle`];
//! - the LOA of a direct interconnect is a one-page PDF naming it, its facility and slot;
//! - every listing paginates in creation order with keyset cursors (see [`cursor`]): a walk
//!   returns every object that exists throughout it exactly once, whatever is created or
//!   deleted meanwhile. `limit` absent or 0 means 50 items; above 1000 it is 1000. A cursor
//!   this listing did not issue (or one older than the account's last 65,536) answers 400.
//!   All filters apply.
//!
//! Reads never create state: an account comes to exist on its first write.
//!
//! Tests drive it through a control plane under `/__emulator/` (not part of the API, see
//! [`control`]) or, in the same process, through the same methods on [`Emulator`]: set an
//! interconnect's status, advance the clock, inject faults ([`faults`]), reset, dump, save
//! and load the state ([`state`]).
//!
//! Credentials are checked against configured [`Grant`]s, each an API token or an email/key
//! pair, optionally bound to accounts (401 when they do not match or the account is not
//! granted); with none configured, any credentials act on any account. A CNI's tunnel id, for
//! the `tunnel_id` filter, is its id.

// The README's example is compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

pub mod access;
pub mod control;
pub mod cursor;
pub mod faults;
pub mod lifecycle;
pub mod pdf;
pub mod pool;
pub mod seed;
pub mod state;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use cloudflare_cni_server::types::*;
use cloudflare_cni_server::{
    ApiError, Binary, CniApi, Credentials, ListCnisQuery, ListInterconnectsQuery, ListSlotsQuery,
    Operation, RequestContext,
};
use ipnet::Ipv4Net;
use uuid::Uuid;

pub use access::{AccountScope, Grant};
pub use control::ControlError;
use cursor::{Cursors, Listing};
pub use faults::{ActiveFault, FaultSpec};
pub use lifecycle::LifecycleMode;
use lifecycle::{Clock, Lifecycle};
pub use seed::{load_slots, SlotSeed};
pub use state::{StateError, StateFile};

/// Where the emulator serves the API, like Cloudflare's base URL.
pub const API_PREFIX: &str = "/client/v4";
/// Where it serves its control plane; no API path starts with it.
pub const CONTROL_PREFIX: &str = "/__emulator";

/// How the emulator behaves: `EmulatorConfig::default()` and the methods below (settings are
/// added in minor releases, so it is not built as a struct literal).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct EmulatorConfig {
    /// The slot catalogue.
    pub slots: Vec<SlotSeed>,
    /// How long a new interconnect stays `Pending` before it is `Healthy`.
    pub status_delay: Duration,
    /// The account's `default_asn` before any update.
    pub default_asn: u32,
    /// The credentials accepted, each with the accounts it may act on; with none, any
    /// credentials act on any account.
    pub grants: Vec<Grant>,
    /// Where each account's CNI links (/31s) come from.
    pub link_pool: Ipv4Net,
    /// Whether statuses follow `status_delay` or wait for a test to set them.
    pub lifecycle: LifecycleMode,
    /// The seed of the generator that decides faults injected with a probability.
    pub fault_seed: u64,
    /// Where `POST /__emulator/state/save` writes the state (`--state`); none: it answers 409.
    pub state_file: Option<PathBuf>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            slots: seed::load_slots(None).unwrap_or_default(),
            status_delay: Duration::from_secs(5),
            default_asn: 65000,
            grants: Vec::new(),
            link_pool: Ipv4Net::new(std::net::Ipv4Addr::new(100, 64, 0, 0), 16).unwrap_or_default(),
            lifecycle: LifecycleMode::Automatic,
            fault_seed: 0,
            state_file: None,
        }
    }
}

impl EmulatorConfig {
    /// The slot catalogue (default: the shipped one, `seed/slots.json`).
    pub fn slots(mut self, slots: Vec<SlotSeed>) -> Self {
        self.slots = slots;
        self
    }

    /// How long a new interconnect stays `Pending` before it is `Healthy` (default 5 s).
    pub fn status_delay(mut self, delay: Duration) -> Self {
        self.status_delay = delay;
        self
    }

    /// The `default_asn` of an account that never set one (default 65000).
    pub fn default_asn(mut self, asn: u32) -> Self {
        self.default_asn = asn;
        self
    }

    /// The credentials accepted, each with the accounts it may act on (default none: any
    /// credentials act on any account).
    pub fn grants(mut self, grants: impl IntoIterator<Item = Grant>) -> Self {
        self.grants = grants.into_iter().collect();
        self
    }

    /// One more accepted credential.
    pub fn grant(mut self, grant: Grant) -> Self {
        self.grants.push(grant);
        self
    }

    /// Where each account's CNI links (/31s) come from (default 100.64.0.0/16).
    pub fn link_pool(mut self, pool: Ipv4Net) -> Self {
        self.link_pool = pool;
        self
    }

    /// Whether statuses follow `status_delay` or wait for a test to set them (default
    /// automatic).
    pub fn lifecycle(mut self, mode: LifecycleMode) -> Self {
        self.lifecycle = mode;
        self
    }

    /// The seed of the generator that decides faults injected with a probability (default 0).
    pub fn fault_seed(mut self, seed: u64) -> Self {
        self.fault_seed = seed;
        self
    }

    /// Where `POST /__emulator/state/save` writes the state (`--state`; default none).
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }
}

const DEFAULT_PAGE: usize = 50;
const MAX_PAGE: usize = 1000;

struct StoredInterconnect {
    value: Interconnect,
    lifecycle: Lifecycle,
}

/// An account's objects, each kept under its creation sequence number (the listing order and
/// what cursors refer to), with the indexes every write needs (ids, names, conduit names,
/// links, CNIs per interconnect), so that a write costs O(log n) in the account's size.
#[derive(Default)]
struct Account {
    cnis: BTreeMap<u64, Cni>,
    cni_seq: HashMap<Uuid, u64>,
    /// `magic.conduit_name` → the CNI using it.
    conduits: HashMap<String, Uuid>,
    links: pool::Links,
    /// Interconnect name → how many CNIs it hosts.
    hosted: HashMap<String, usize>,
    /// The cursors its listings handed out.
    cursors: Cursors,
    interconnects: BTreeMap<u64, StoredInterconnect>,
    interconnect_seq: HashMap<String, u64>,
    default_asn: Option<u32>,
    /// The last sequence number given out (CNIs and interconnects share the counter).
    last_seq: u64,
    /// Serial for generated interconnect names.
    next_name: u32,
}

impl Account {
    fn next_seq(&mut self) -> Result<u64, ApiError> {
        // A u64 counter: cursors map to it through the account's table, so it has no cap the
        // API could reach.
        self.last_seq = self.last_seq.checked_add(1).ok_or_else(|| {
            ApiError::conflict("this emulated account has used every sequence number")
        })?;
        Ok(self.last_seq)
    }

    /// The next generated interconnect name no interconnect of the account has: the serial
    /// moves on past names a loaded state or an earlier create already holds.
    fn fresh_name(&mut self, name: impl Fn(u32) -> String) -> Result<String, ApiError> {
        loop {
            let Some(serial) = self.next_name.checked_add(1) else {
                return Err(ApiError::conflict(
                    "this emulated account has used every interconnect name serial",
                ));
            };
            self.next_name = serial;
            let candidate = name(serial);
            if !self.interconnect_seq.contains_key(&candidate) {
                return Ok(candidate);
            }
        }
    }

    /// Stores `cni` under `seq`, holding link `link` of the pool, and indexes it. The caller
    /// has checked that its id, conduit name and link are free.
    fn insert_cni(&mut self, seq: u64, link: u32, cni: Cni) {
        self.cni_seq.insert(cni.id, seq);
        self.conduits.insert(cni.magic.conduit_name.clone(), cni.id);
        *self.hosted.entry(cni.interconnect.clone()).or_default() += 1;
        // Free, as the caller checked: a refusal cannot happen.
        let _ = self.links.take(link, cni.id);
        self.cnis.insert(seq, cni);
    }

    /// Removes the CNI stored under `seq` and its index entries.
    fn remove_cni(&mut self, seq: u64, pool: &Ipv4Net) -> Option<Cni> {
        let cni = self.cnis.remove(&seq)?;
        self.cni_seq.remove(&cni.id);
        if self.conduits.get(&cni.magic.conduit_name) == Some(&cni.id) {
            self.conduits.remove(&cni.magic.conduit_name);
        }
        if let Some(count) = self.hosted.get_mut(&cni.interconnect) {
            *count -= 1;
            if *count == 0 {
                self.hosted.remove(&cni.interconnect);
            }
        }
        if let Ok(link) = state::link_in_pool(&cni.p2p_ip, pool) {
            self.links.release(pool::number(pool, &link));
        }
        Some(cni)
    }

    fn cni(&self, id: &Uuid) -> Option<&Cni> {
        self.cni_seq.get(id).and_then(|seq| self.cnis.get(seq))
    }

    fn interconnect(&self, name: &str) -> Option<&StoredInterconnect> {
        self.interconnect_seq
            .get(name)
            .and_then(|seq| self.interconnects.get(seq))
    }
}

struct World {
    slots: Vec<SlotSeed>,
    /// Slot id → the account holding it.
    occupied: BTreeMap<Uuid, String>,
    accounts: BTreeMap<String, Account>,
    clock: Clock,
    lifecycle: LifecycleMode,
    status_delay: Duration,
}

impl World {
    fn new(config: &EmulatorConfig) -> Self {
        World {
            slots: config.slots.clone(),
            occupied: BTreeMap::new(),
            accounts: BTreeMap::new(),
            clock: Clock::new(),
            lifecycle: config.lifecycle,
            status_delay: config.status_delay,
        }
    }
}

/// The emulator, and the typed handle tests drive it with; cheap to clone (shared state).
#[derive(Clone)]
pub struct Emulator {
    world: Arc<Mutex<World>>,
    faults: Arc<Mutex<faults::Faults>>,
    config: Arc<EmulatorConfig>,
}

impl Emulator {
    pub fn new(config: EmulatorConfig) -> Self {
        Emulator {
            world: Arc::new(Mutex::new(World::new(&config))),
            faults: Arc::new(Mutex::new(faults::Faults::new(config.fault_seed))),
            config: Arc::new(config),
        }
    }

    /// Checks the request's credentials against the configured grants for `account` (401 when
    /// they do not match or do not cover it), then locks the world.
    fn authorized(
        &self,
        credentials: &Credentials,
        account: &str,
    ) -> Result<MutexGuard<'_, World>, ApiError> {
        access::authorize(&self.config.grants, credentials, account)?;
        Ok(self.world())
    }

    /// How many accounts hold state (an account exists from its first write).
    pub fn account_count(&self) -> usize {
        self.world().accounts.len()
    }

    /// How many slots the catalogue has.
    pub fn slot_count(&self) -> usize {
        self.world().slots.len()
    }

    fn world(&self) -> MutexGuard<'_, World> {
        // A panic while holding the lock cannot leave the maps half-updated: each change is
        // a single insert or remove, so a poisoned lock is still consistent.
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn faults(&self) -> MutexGuard<'_, faults::Faults> {
        self.faults.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Serves the emulator on a free port of 127.0.0.1 in a background task of the current
    /// tokio runtime (for a test: it stops with the runtime) and returns the API's base URL,
    /// `http://127.0.0.1:PORT/client/v4`.
    pub async fn spawn(self) -> std::io::Result<String> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let router = self.router();
        tokio::spawn(async move {
            let forever = std::future::pending::<()>();
            if let Err(error) =
                cloudflare_cni_server::serve(listener, router, Default::default(), forever).await
            {
                tracing::error!(%error, "the emulator stopped serving");
            }
        });
        Ok(format!("http://{address}{API_PREFIX}"))
    }

    /// The emulator's router: the API under `/client/v4` like Cloudflare's, behind the fault
    /// layer, and the control plane under `/__emulator`.
    pub fn router(self) -> axum::Router {
        let api = cloudflare_cni_server::router(self.clone()).layer(
            axum::middleware::from_fn_with_state(self.clone(), faults::inject_faults),
        );
        axum::Router::new()
            .nest(API_PREFIX, api)
            .nest(CONTROL_PREFIX, control::router(self))
            .fallback(outside_the_api)
    }
}

/// A path under neither prefix (`GET /`, a client missing `/client/v4`): 404 in the envelope,
/// saying where the API is.
async fn outside_the_api(request: axum::extract::Request) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        cloudflare_cni_server::codes::NO_ROUTE,
        format!(
            "no endpoint {} {}: the API is under {API_PREFIX}, the control plane under {CONTROL_PREFIX}",
            request.method(),
            request.uri().path()
        ),
    )
}

/// One page of a listing: the first `limit` of `items` (those after the cursor, in sequence
/// order), and the sequence number of the last one when more follow (what the next cursor
/// stands for).
fn page<T>(items: impl Iterator<Item = (u64, T)>, limit: Option<i64>) -> (Vec<T>, Option<u64>) {
    // The router refuses a negative limit; 0 or none means the default page.
    let size = match limit {
        Some(n) if n > 0 => usize::try_from(n).unwrap_or(MAX_PAGE).min(MAX_PAGE),
        _ => DEFAULT_PAGE,
    };
    let mut rest = items.peekable();
    let mut page = Vec::new();
    let mut last = 0;
    while page.len() < size {
        let Some((seq, item)) = rest.next() else {
            break;
        };
        last = seq;
        page.push(item);
    }
    (page, rest.peek().map(|_| last))
}

impl World {
    /// Where a listing of `account` resumes: after the sequence number `cursor` stands for.
    fn resume(&self, listing: Listing, account: &str, cursor: Option<i32>) -> R<u64> {
        match cursor {
            None => Ok(0),
            Some(cursor) => match self.account(account) {
                Some(a) => a.cursors.resolve(listing, account, cursor),
                // An account never written was never given a cursor.
                None => Cursors::default().resolve(listing, account, cursor),
            },
        }
    }

    /// The cursor for the page after sequence number `last`, when more follow.
    fn next_cursor(&mut self, listing: Listing, account: &str, last: Option<u64>) -> Option<i32> {
        let last = last?;
        // Only an account that holds objects has a next page, so it exists.
        self.accounts
            .get_mut(account)
            .and_then(|a| a.cursors.issue(listing, account, last))
    }
}

/// Finishes one of the types' builders; a missing field is the emulator's own bug (500).
fn built<T, B>(builder: B) -> Result<T, ApiError>
where
    B: TryInto<T>,
    B::Error: std::fmt::Display,
{
    builder
        .try_into()
        .map_err(|e| ApiError::internal(format!("the emulator built an incomplete value: {e}")))
}

fn facility(seed: &seed::FacilitySeed) -> R<FacilityInfo> {
    built(
        FacilityInfo::builder()
            .name(seed.name.clone())
            .address(seed.address.clone()),
    )
}

fn slot_view(seed: &SlotSeed, holder: Option<&String>, account: &str) -> R<Slot> {
    built(
        Slot::builder()
            .id(seed.id)
            .occupied(holder.is_some())
            .site(seed.site.clone())
            .speed(seed.speed.clone())
            .facility(facility(&seed.facility)?)
            .set_ccr_device_name(seed.ccr_device_name.clone())
            // Only the holder learns who holds a slot.
            .set_account(holder.filter(|h| *h == account).cloned()),
    )
}

/// The customer name an LOA prints when the request names none. Cloudflare prints the
/// account's name; the emulator knows accounts by their tag only.
fn default_loa_name(account_id: &str) -> String {
    format!("Account {account_id}")
}

fn physical_slot(interconnect: &Interconnect) -> Option<Uuid> {
    match interconnect {
        Interconnect::Direct(p) => Some(p.slot_id),
        _ => None,
    }
}

/// The `type` tag of an interconnect the emulator stores (it only makes the kinds it knows).
fn interconnect_type(interconnect: &Interconnect) -> &str {
    match interconnect {
        Interconnect::Direct(_) => "direct",
        Interconnect::GcpPartner(_) => "gcp_partner",
        Interconnect::Unknown(unknown) => unknown.tag(),
        _ => "",
    }
}

pub(crate) fn interconnect_name(interconnect: &Interconnect) -> &str {
    match interconnect {
        Interconnect::Direct(p) => &p.name,
        Interconnect::GcpPartner(g) => &g.name,
        _ => "",
    }
}

fn check_account(path_account: &str, body_account: &str) -> Result<(), ApiError> {
    if path_account == body_account {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "the body's account {body_account:?} is not the account of the path, {path_account:?}"
        ))
        .at("/account"))
    }
}

impl World {
    /// The account for a write: it comes to exist now if it did not.
    fn account_mut(&mut self, id: &str) -> &mut Account {
        self.accounts.entry(id.to_string()).or_default()
    }

    /// The account for a read, or `None` when it was never written: reads create nothing.
    fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.get(id)
    }
}

type R<T> = Result<T, ApiError>;

impl CniApi for Emulator {
    const IMPLEMENTED: &'static [Operation] = &[
        Operation::CREATE_CNI,
        Operation::CREATE_INTERCONNECT,
        Operation::DELETE_CNI,
        Operation::DELETE_INTERCONNECT,
        Operation::GET_CNI,
        Operation::GET_INTERCONNECT,
        Operation::GET_INTERCONNECT_LOA,
        Operation::GET_INTERCONNECT_LOA_DEFAULT_NAME,
        Operation::GET_INTERCONNECT_STATUS,
        Operation::GET_SETTINGS,
        Operation::GET_SLOT,
        Operation::LIST_CNIS,
        Operation::LIST_INTERCONNECTS,
        Operation::LIST_SLOTS,
        Operation::UPDATE_CNI,
        Operation::UPDATE_SETTINGS,
    ];

    async fn list_cnis(
        &self,
        request: RequestContext,
        account_id: String,
        query: ListCnisQuery,
    ) -> R<CniList> {
        let mut world = self.authorized(request.credentials(), &account_id)?;
        let after = world.resume(Listing::Cnis, &account_id, query.cursor)?;
        let empty = Account::default();
        let account = world.account(&account_id).unwrap_or(&empty);
        let on_slot = |cni: &Cni| match &query.slot {
            None => true,
            Some(slot) => account
                .interconnect(&cni.interconnect)
                .and_then(|i| physical_slot(&i.value))
                .is_some_and(|id| id.to_string() == *slot),
        };
        let items = account
            .cnis
            .range(after.saturating_add(1)..)
            .filter(|(_, c)| on_slot(c))
            .filter(|(_, c)| {
                query
                    .tunnel_id
                    .as_ref()
                    .is_none_or(|t| c.id.to_string() == *t)
            })
            .map(|(seq, c)| (*seq, c.clone()));
        let (items, last) = page(items, query.limit);
        let next = world.next_cursor(Listing::Cnis, &account_id, last);
        built(CniList::builder().items(items).set_next(next))
    }

    async fn create_cni(
        &self,
        request: RequestContext,
        account_id: String,
        _query: cloudflare_cni_server::CreateCniQuery,
        body: CniCreateRequest,
    ) -> R<Cni> {
        let mut world = self.authorized(request.credentials(), &account_id)?;
        check_account(&account_id, &body.account)?;
        let empty = Account::default();
        let existing = world.account(&account_id).unwrap_or(&empty);
        if existing.interconnect(&body.interconnect).is_none() {
            return Err(ApiError::bad_request(format!(
                "no interconnect named {:?} in this account",
                body.interconnect
            ))
            .at("/interconnect"));
        }
        if existing.conduits.contains_key(&body.magic.conduit_name) {
            return Err(ApiError::conflict(format!(
                "Name Conflict: a CNI with conduit_name {:?} already exists",
                body.magic.conduit_name
            ))
            .at("/magic/conduit_name"));
        }
        let pool = self.config.link_pool;
        let Some(link) = existing.links.lowest_free(&pool) else {
            return Err(ApiError::conflict(format!(
                "the account's point-to-point pool {pool} is exhausted: delete a CNI to free its link"
            )));
        };
        let (p2p_ip, cust_ip) = pool::addresses(&pool, link);
        let account = world.account_mut(&account_id);
        let seq = account.next_seq()?;
        let cni: Cni = built(
            Cni::builder()
                .id(Uuid::new_v4())
                .account(account_id.clone())
                .interconnect(body.interconnect)
                .p2p_ip(p2p_ip)
                .cust_ip(cust_ip)
                .magic(body.magic)
                .set_bgp(body.bgp),
        )?;
        account.insert_cni(seq, link, cni.clone());
        Ok(cni)
    }

    async fn get_cni(
        &self,
        request: RequestContext,
        account_id: String,
        cni: Uuid,
        _query: cloudflare_cni_server::GetCniQuery,
    ) -> R<Cni> {
        let world = self.authorized(request.credentials(), &account_id)?;
        world
            .account(&account_id)
            .and_then(|a| a.cni(&cni))
            .cloned()
            .ok_or_else(|| ApiError::not_found("CNI not found"))
    }

    async fn update_cni(
        &self,
        request: RequestContext,
        account_id: String,
        cni: Uuid,
        _query: cloudflare_cni_server::UpdateCniQuery,
        body: Cni,
    ) -> R<Cni> {
        let mut world = self.authorized(request.credentials(), &account_id)?;
        check_account(&account_id, &body.account)?;
        let Some(account) = world.accounts.get_mut(&account_id) else {
            return Err(ApiError::not_found("CNI not found"));
        };
        let Some(seq) = account.cni_seq.get(&cni).copied() else {
            return Err(ApiError::not_found("CNI not found"));
        };
        if body.id != cni {
            return Err(ApiError::bad_request(format!(
                "the body's id {} is not the CNI of the path, {cni}",
                body.id
            ))
            .at("/id"));
        }
        if account.interconnect(&body.interconnect).is_none() {
            return Err(ApiError::bad_request(format!(
                "no interconnect named {:?} in this account",
                body.interconnect
            ))
            .at("/interconnect"));
        }
        // What the PUT keeps needs no index lookup: its own conduit name and link are its own.
        let Some(stored) = account.cnis.get(&seq) else {
            return Err(ApiError::not_found("CNI not found"));
        };
        let same_conduit = stored.magic.conduit_name == body.magic.conduit_name;
        let same_link = stored.p2p_ip == body.p2p_ip;
        let same_interconnect = stored.interconnect == body.interconnect;
        if !same_conduit {
            if let Some(other) = account.conduits.get(&body.magic.conduit_name) {
                return Err(ApiError::bad_request(format!(
                    "CNI {other} already uses conduit_name {:?}",
                    body.magic.conduit_name
                ))
                .at("/magic/conduit_name"));
            }
        }
        // The addresses were validated (CIDR, same prefix) by the router; here the link must
        // be one the emulator could have handed out, and no other CNI's.
        let pool = self.config.link_pool;
        let link = state::link_in_pool(&body.p2p_ip, &pool)
            .map_err(|why| ApiError::bad_request(format!("p2p_ip: {why}")).at("/p2p_ip"))?;
        let number = pool::number(&pool, &link);
        if !same_link {
            if let Some(other) = account.links.holder(number).filter(|other| *other != cni) {
                return Err(ApiError::bad_request(format!(
                    "p2p_ip {} is the link {link} of CNI {other}",
                    body.p2p_ip
                ))
                .at("/p2p_ip"));
            }
        }
        // Most PUTs change neither the conduit name, the interconnect nor the link: then the
        // indexes stand, and only the value is replaced.
        if same_conduit && same_link && same_interconnect {
            if let Some(stored) = account.cnis.get_mut(&seq) {
                *stored = body.clone();
            }
            return Ok(body);
        }
        account.remove_cni(seq, &pool);
        account.insert_cni(seq, number, body.clone());
        Ok(body)
    }

    async fn delete_cni(
        &self,
        request: RequestContext,
        account_id: String,
        cni: Uuid,
        _query: cloudflare_cni_server::DeleteCniQuery,
    ) -> R<()> {
        let mut world = self.authorized(request.credentials(), &account_id)?;
        let pool = self.config.link_pool;
        let account = world.accounts.get_mut(&account_id);
        match account.and_then(|a| a.cni_seq.get(&cni).copied().map(|seq| (a, seq))) {
            Some((account, seq)) => {
                account.remove_cni(seq, &pool);
                Ok(())
            }
            None => Err(ApiError::not_found("CNI not found")),
        }
    }

    async fn list_interconnects(
        &self,
        request: RequestContext,
        account_id: String,
        query: ListInterconnectsQuery,
    ) -> R<InterconnectList> {
        let mut world = self.authorized(request.credentials(), &account_id)?;
        let after = world.resume(Listing::Interconnects, &account_id, query.cursor)?;
        let empty = Account::default();
        let account = world.account(&account_id).unwrap_or(&empty);
        let items = account
            .interconnects
            .range(after.saturating_add(1)..)
            .map(|(seq, i)| (*seq, &i.value))
            .filter(|(_, i)| {
                query
                    .type_
                    .as_ref()
                    .is_none_or(|t| interconnect_type(i) == t)
            })
            .filter(|(_, i)| match (&query.site, i) {
                (None, _) => true,
                (Some(site), Interconnect::Direct(p)) => p.site == *site,
                (Some(_), _) => false,
            })
            .map(|(seq, i)| (seq, i.clone()));
        let (items, last) = page(items, query.limit);
        let next = world.next_cursor(Listing::Interconnects, &account_id, last);
        built(InterconnectList::builder().items(items).set_next(next))
    }

    async fn create_interconnect(
        &self,
        request: RequestContext,
        account_id: String,
        _query: cloudflare_cni_server::CreateInterconnectQuery,
        body: InterconnectCreateRequest,
    ) -> R<Interconnect> {
        let mut world = self.authorized(request.credentials(), &account_id)?;
        let value = match body {
            InterconnectCreateRequest::Direct(request) => {
                check_account(&account_id, &request.account)?;
                let Some(slot) = world
                    .slots
                    .iter()
                    .find(|s| s.id == request.slot_id)
                    .cloned()
                else {
                    return Err(
                        ApiError::bad_request(format!("no slot {}", request.slot_id))
                            .at("/slot_id"),
                    );
                };
                if world.occupied.contains_key(&slot.id) {
                    return Err(ApiError::bad_request(format!(
                        "slot {} is already occupied",
                        slot.id
                    ))
                    .at("/slot_id"));
                }
                let account = world.account_mut(&account_id);
                let site = slot.site.to_ascii_lowercase();
                let name = account.fresh_name(|serial| format!("{site}-direct-{serial}"))?;
                Interconnect::Direct(built(
                    InterconnectDirect::builder()
                        .account(account_id.clone())
                        .name(name)
                        .slot_id(slot.id)
                        .facility(facility(&slot.facility)?)
                        .set_ccr_device_name(slot.ccr_device_name)
                        .virtual_port_reservation_id(Uuid::new_v4())
                        .site(slot.site)
                        .speed(request.speed.unwrap_or(slot.speed)),
                )?)
            }
            InterconnectCreateRequest::GcpPartner(request) => {
                check_account(&account_id, &request.account)?;
                // GCP pairing keys look like `<uuid>/<region>/<n>`.
                let region = request
                    .pairing_key
                    .split('/')
                    .nth(1)
                    .filter(|r| !r.is_empty())
                    .unwrap_or("us-central1")
                    .to_string();
                let account = world.account_mut(&account_id);
                let name = account.fresh_name(|serial| format!("gcp-{region}-{serial}"))?;
                Interconnect::GcpPartner(built(
                    InterconnectGcpPartner::builder()
                        .account(account_id.clone())
                        .name(name)
                        .region(region)
                        .virtual_port_reservation_id(Uuid::new_v4())
                        .speed(request.bandwidth),
                )?)
            }
            // The router's validation refuses a kind the spec does not list.
            other => {
                return Err(ApiError::bad_request(format!(
                    "unknown interconnect type in {other:?}"
                ))
                .at("/type"))
            }
        };
        let name = interconnect_name(&value).to_string();
        let lifecycle = Lifecycle::start(world.clock.now(), world.lifecycle);
        let account = world.account_mut(&account_id);
        let seq = account.next_seq()?;
        account.interconnect_seq.insert(name, seq);
        account.interconnects.insert(
            seq,
            StoredInterconnect {
                value: value.clone(),
                lifecycle,
            },
        );
        if let Some(slot) = physical_slot(&value) {
            world.occupied.insert(slot, account_id);
        }
        Ok(value)
    }

    async fn get_interconnect(
        &self,
        request: RequestContext,
        account_id: String,
        icon: String,
        _query: cloudflare_cni_server::GetInterconnectQuery,
    ) -> R<Interconnect> {
        let world = self.authorized(request.credentials(), &account_id)?;
        world
            .account(&account_id)
            .and_then(|a| a.interconnect(&icon))
            .map(|i| i.value.clone())
            .ok_or_else(|| ApiError::not_found("Interconnect not found"))
    }

    async fn delete_interconnect(
        &self,
        request: RequestContext,
        account_id: String,
        icon: String,
        _query: cloudflare_cni_server::DeleteInterconnectQuery,
    ) -> R<()> {
        let mut world = self.authorized(request.credentials(), &account_id)?;
        let Some(account) = world.accounts.get_mut(&account_id) else {
            return Err(ApiError::not_found("Interconnect not found"));
        };
        let Some(seq) = account.interconnect_seq.get(&icon).copied() else {
            return Err(ApiError::not_found("Interconnect not found"));
        };
        let hosted = account.hosted.get(&icon).copied().unwrap_or(0);
        if hosted > 0 {
            return Err(ApiError::bad_request(format!(
                "interconnect {icon:?} still hosts {hosted} CNI(s); delete them first"
            )));
        }
        account.interconnect_seq.remove(&icon);
        let removed = account.interconnects.remove(&seq);
        if let Some(slot) = removed.and_then(|i| physical_slot(&i.value)) {
            world.occupied.remove(&slot);
        }
        Ok(())
    }

    async fn get_interconnect_loa(
        &self,
        request: RequestContext,
        account_id: String,
        icon: String,
        query: cloudflare_cni_server::GetInterconnectLoaQuery,
    ) -> R<Binary> {
        let world = self.authorized(request.credentials(), &account_id)?;
        // The router has checked the 200-character limit.
        let customer = query.name.unwrap_or_else(|| default_loa_name(&account_id));
        let stored = world
            .account(&account_id)
            .and_then(|a| a.interconnect(&icon))
            .map(|i| i.value.clone());
        match stored {
            None => Err(ApiError::not_found("Interconnect not found")),
            Some(Interconnect::Direct(p)) => {
                let mut lines = vec![
                    format!("Interconnect: {}", p.name),
                    format!("Customer: {customer}"),
                    format!("Account: {}", p.account),
                    format!("Facility: {}", p.facility.name),
                ];
                lines.extend(p.facility.address.iter().map(|a| format!("    {a}")));
                lines.push(format!("Site: {}", p.site));
                lines.push(format!("Slot: {}", p.slot_id));
                lines.push(format!("Port speed: {}", p.speed));
                lines
                    .push("Cloudflare authorizes the cross-connect to the port above.".to_string());
                Ok(Binary::new(
                    "application/pdf",
                    pdf::document("Letter of Authorization", &lines),
                ))
            }
            Some(_) => Err(ApiError::bad_request(
                "a Letter of Authorization exists for direct interconnects only",
            )),
        }
    }

    async fn get_interconnect_loa_default_name(
        &self,
        request: RequestContext,
        account_id: String,
        icon: String,
        _query: cloudflare_cni_server::GetInterconnectLoaDefaultNameQuery,
    ) -> R<DefaultNameResponse> {
        let world = self.authorized(request.credentials(), &account_id)?;
        if world
            .account(&account_id)
            .and_then(|a| a.interconnect(&icon))
            .is_none()
        {
            return Err(ApiError::not_found("Interconnect not found"));
        }
        built(DefaultNameResponse::builder().name(default_loa_name(&account_id)))
    }

    async fn get_interconnect_status(
        &self,
        request: RequestContext,
        account_id: String,
        icon: String,
        _query: cloudflare_cni_server::GetInterconnectStatusQuery,
    ) -> R<InterconnectStatus> {
        let world = self.authorized(request.credentials(), &account_id)?;
        world
            .account(&account_id)
            .and_then(|a| a.interconnect(&icon))
            .map(|i| i.lifecycle.status(world.clock.now(), world.status_delay))
            .ok_or_else(|| ApiError::not_found("Interconnect not found"))
    }

    async fn get_settings(
        &self,
        request: RequestContext,
        account_id: String,
        _query: cloudflare_cni_server::GetSettingsQuery,
    ) -> R<Settings> {
        let world = self.authorized(request.credentials(), &account_id)?;
        let asn = world
            .account(&account_id)
            .and_then(|a| a.default_asn)
            .unwrap_or(self.config.default_asn);
        built(Settings::builder().default_asn(asn))
    }

    async fn update_settings(
        &self,
        request: RequestContext,
        account_id: String,
        _query: cloudflare_cni_server::UpdateSettingsQuery,
        body: SettingsUpdateRequest,
    ) -> R<Settings> {
        let mut world = self.authorized(request.credentials(), &account_id)?;
        let account = world.account_mut(&account_id);
        if let Some(asn) = body.default_asn {
            account.default_asn = Some(asn);
        }
        let asn = account.default_asn.unwrap_or(self.config.default_asn);
        built(Settings::builder().default_asn(asn))
    }

    async fn list_slots(
        &self,
        request: RequestContext,
        account_id: String,
        query: ListSlotsQuery,
    ) -> R<SlotList> {
        let world = self.authorized(request.credentials(), &account_id)?;
        let after = match query.cursor {
            Some(cursor) => cursor::decode_slot(&account_id, cursor, world.slots.len() as u64)?,
            None => 0,
        };
        let needle = query.address_contains.as_ref().map(|n| n.to_lowercase());
        // The catalogue is fixed: a slot's sequence number is its place in it, from 1.
        let views = world
            .slots
            .iter()
            .zip(1u64..)
            .map(|(s, seq)| Ok((seq, slot_view(s, world.occupied.get(&s.id), &account_id)?)))
            .collect::<R<Vec<(u64, Slot)>>>()?;
        let items = views
            .into_iter()
            .filter(|(seq, _)| *seq > after)
            .filter(|(_, s)| query.site.as_ref().is_none_or(|site| s.site == *site))
            .filter(|(_, s)| query.speed.as_ref().is_none_or(|speed| s.speed == *speed))
            .filter(|(_, s)| query.occupied.is_none_or(|o| s.occupied == o))
            .filter(|(_, s)| {
                needle.as_ref().is_none_or(|n| {
                    s.facility
                        .address
                        .iter()
                        .any(|line| line.to_lowercase().contains(n))
                })
            });
        let (items, last) = page(items, query.limit);
        let next = last.and_then(|last| cursor::encode_slot(&account_id, last));
        built(SlotList::builder().items(items).set_next(next))
    }

    async fn get_slot(
        &self,
        request: RequestContext,
        account_id: String,
        slot: Uuid,
        _query: cloudflare_cni_server::GetSlotQuery,
    ) -> R<Slot> {
        let world = self.authorized(request.credentials(), &account_id)?;
        world
            .slots
            .iter()
            .find(|s| s.id == slot)
            .map(|s| slot_view(s, world.occupied.get(&s.id), &account_id))
            .ok_or_else(|| ApiError::not_found("Slot not found"))?
    }
}
