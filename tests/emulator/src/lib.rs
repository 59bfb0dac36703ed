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
//! - creating a CNI assigns `p2p_ip`/`cust_ip` from a /31 pool (100.64.0.0/16, one pool per
//!   account); a second CNI with the same `magic.conduit_name` answers 409;
//! - an interconnect's status is `Pending` until `status_delay` has passed, then `Healthy`;
//! - the LOA of a direct interconnect is a one-page PDF naming it, its facility and slot;
//! - every listing paginates: `cursor` is the offset of the page, `limit` its size (default 50),
//!   `next` the following offset, absent on the last page; all filters apply.
//!
//! Credentials are checked against configured API tokens and email/key pairs (401 when they do
//! not match); with none configured, any are accepted. A CNI's tunnel id, for the `tunnel_id`
//! filter, is its id.

pub mod pdf;
pub mod seed;

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use cloudflare_cni_server::types::*;
use cloudflare_cni_server::{
    ApiError, Binary, CniApi, Credentials, ListCnisQuery, ListInterconnectsQuery, ListSlotsQuery,
};
use tokio::time::Instant;
use uuid::Uuid;

pub use seed::{load_slots, SlotSeed};

/// How the emulator behaves.
#[derive(Clone, Debug)]
pub struct EmulatorConfig {
    /// The slot catalogue.
    pub slots: Vec<SlotSeed>,
    /// How long a new interconnect stays `Pending` before it is `Healthy`.
    pub status_delay: Duration,
    /// The account's `default_asn` before any update.
    pub default_asn: i64,
    /// API tokens accepted as `Authorization: Bearer`; with no tokens and no keys, any
    /// credentials are accepted.
    pub api_tokens: Vec<String>,
    /// (email, global API key) pairs accepted as `X-Auth-Email` + `X-Auth-Key`.
    pub api_keys: Vec<(String, String)>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            slots: seed::load_slots(None).unwrap_or_default(),
            status_delay: Duration::from_secs(5),
            default_asn: 65000,
            api_tokens: Vec::new(),
            api_keys: Vec::new(),
        }
    }
}

const DEFAULT_PAGE: usize = 50;

struct StoredInterconnect {
    value: Interconnect,
    created: Instant,
}

#[derive(Default)]
struct Account {
    cnis: BTreeMap<Uuid, Cni>,
    interconnects: BTreeMap<String, StoredInterconnect>,
    default_asn: Option<i64>,
    /// Next /31 of the account's pool to hand out.
    next_link: u32,
    /// Serial for generated interconnect names.
    next_name: u32,
}

struct World {
    slots: Vec<SlotSeed>,
    /// Slot id → the account holding it.
    occupied: BTreeMap<Uuid, String>,
    accounts: BTreeMap<String, Account>,
}

/// The emulator; cheap to clone (shared state).
#[derive(Clone)]
pub struct Emulator {
    world: Arc<Mutex<World>>,
    config: Arc<EmulatorConfig>,
}

impl Emulator {
    pub fn new(config: EmulatorConfig) -> Self {
        Emulator {
            world: Arc::new(Mutex::new(World {
                slots: config.slots.clone(),
                occupied: BTreeMap::new(),
                accounts: BTreeMap::new(),
            })),
            config: Arc::new(config),
        }
    }

    /// Checks the request's credentials against the configured ones (401 when they do not
    /// match), then locks the world.
    fn authorized(&self, credentials: &Credentials) -> Result<MutexGuard<'_, World>, ApiError> {
        let config = &self.config;
        let open = config.api_tokens.is_empty() && config.api_keys.is_empty();
        let accepted = open
            || match credentials {
                Credentials::ApiToken(token) => {
                    config.api_tokens.iter().any(|t| t == token.expose())
                }
                Credentials::ApiKey { email, key } => config
                    .api_keys
                    .iter()
                    .any(|(e, k)| e == email && k == key.expose()),
            };
        if accepted {
            Ok(self.world())
        } else {
            Err(ApiError::new(
                axum::http::StatusCode::UNAUTHORIZED,
                cloudflare_cni_server::codes::AUTHENTICATION,
                "Invalid credentials: the API token or the email and API key are not recognised",
            ))
        }
    }

    fn world(&self) -> MutexGuard<'_, World> {
        // A panic while holding the lock cannot leave the maps half-updated: each change is
        // a single insert or remove, so a poisoned lock is still consistent.
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The emulator's router, served under `/client/v4` like Cloudflare's API.
    pub fn router(self) -> axum::Router {
        axum::Router::new().nest("/client/v4", cloudflare_cni_server::router(self))
    }
}

fn page<T: Clone>(items: Vec<T>, cursor: Option<i32>, limit: Option<i64>) -> (Vec<T>, Option<i32>) {
    // The cursor is an offset; one this API never returns (negative) reads from the start.
    let start = cursor.map_or(0, |c| usize::try_from(c).unwrap_or(0));
    // The router refuses a negative limit; 0 or none means the default page.
    let size = match limit {
        Some(n) if n > 0 => n.min(1000) as usize,
        _ => DEFAULT_PAGE,
    };
    let end = start.saturating_add(size).min(items.len());
    let slice = items
        .get(start.min(items.len())..end)
        .unwrap_or_default()
        .to_vec();
    let next = (end < items.len()).then(|| i32::try_from(end).unwrap_or(i32::MAX));
    (slice, next)
}

fn slot_view(seed: &SlotSeed, holder: Option<&String>, account: &str) -> Slot {
    Slot {
        id: seed.id,
        occupied: holder.is_some(),
        site: seed.site.clone(),
        speed: seed.speed.clone(),
        facility: FacilityInfo {
            name: seed.facility.name.clone(),
            address: seed.facility.address.clone(),
        },
        // Only the holder learns who holds a slot.
        account: holder.filter(|h| *h == account).cloned(),
    }
}

fn physical_slot(interconnect: &Interconnect) -> Option<Uuid> {
    match interconnect {
        Interconnect::Physical(p) => Some(p.slot_id),
        Interconnect::GcpPartner(_) => None,
    }
}

fn interconnect_type(interconnect: &Interconnect) -> &'static str {
    match interconnect {
        Interconnect::Physical(_) => "direct",
        Interconnect::GcpPartner(_) => "gcp_partner",
    }
}

fn interconnect_name(interconnect: &Interconnect) -> &str {
    match interconnect {
        Interconnect::Physical(p) => &p.name,
        Interconnect::GcpPartner(g) => &g.name,
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
    fn account(&mut self, id: &str) -> &mut Account {
        self.accounts.entry(id.to_string()).or_default()
    }
}

type R<T> = Result<T, ApiError>;

impl CniApi for Emulator {
    async fn list_cnis(
        &self,
        credentials: Credentials,
        account_id: String,
        query: ListCnisQuery,
    ) -> R<CniList> {
        let mut world = self.authorized(&credentials)?;
        let slot_filter = query.slot.clone();
        let account = world.account(&account_id);
        let on_slot = |cni: &Cni| match &slot_filter {
            None => true,
            Some(slot) => account
                .interconnects
                .get(&cni.interconnect)
                .and_then(|i| physical_slot(&i.value))
                .is_some_and(|id| id.to_string() == *slot),
        };
        let items: Vec<Cni> = account
            .cnis
            .values()
            .filter(|c| on_slot(c))
            .filter(|c| {
                query
                    .tunnel_id
                    .as_ref()
                    .is_none_or(|t| c.id.to_string() == *t)
            })
            .cloned()
            .collect();
        let (items, next) = page(items, query.cursor, query.limit);
        Ok(CniList { items, next })
    }

    async fn create_cni(
        &self,
        credentials: Credentials,
        account_id: String,
        body: CniCreateRequest,
    ) -> R<Cni> {
        let mut world = self.authorized(&credentials)?;
        check_account(&account_id, &body.account)?;
        let account = world.account(&account_id);
        if !account.interconnects.contains_key(&body.interconnect) {
            return Err(ApiError::bad_request(format!(
                "no interconnect named {:?} in this account",
                body.interconnect
            ))
            .at("/interconnect"));
        }
        if account
            .cnis
            .values()
            .any(|c| c.magic.conduit_name == body.magic.conduit_name)
        {
            return Err(ApiError::conflict(format!(
                "Name Conflict: a CNI with conduit_name {:?} already exists",
                body.magic.conduit_name
            ))
            .at("/magic/conduit_name"));
        }
        if account.next_link >= 32768 {
            return Err(ApiError::internal(
                "the account's /31 pool (100.64.0.0/16) is exhausted",
            ));
        }
        let base = u32::from(Ipv4Addr::new(100, 64, 0, 0)) + 2 * account.next_link;
        account.next_link += 1;
        let cni = Cni {
            id: Uuid::new_v4(),
            account: account_id.clone(),
            interconnect: body.interconnect,
            p2p_ip: format!("{}/31", Ipv4Addr::from(base)),
            cust_ip: format!("{}/31", Ipv4Addr::from(base + 1)),
            magic: body.magic,
            bgp: body.bgp,
        };
        account.cnis.insert(cni.id, cni.clone());
        Ok(cni)
    }

    async fn get_cni(&self, credentials: Credentials, account_id: String, cni: Uuid) -> R<Cni> {
        let mut world = self.authorized(&credentials)?;
        world
            .account(&account_id)
            .cnis
            .get(&cni)
            .cloned()
            .ok_or_else(|| ApiError::not_found("CNI not found"))
    }

    async fn update_cni(
        &self,
        credentials: Credentials,
        account_id: String,
        cni: Uuid,
        body: Cni,
    ) -> R<Cni> {
        let mut world = self.authorized(&credentials)?;
        check_account(&account_id, &body.account)?;
        let account = world.account(&account_id);
        if !account.cnis.contains_key(&cni) {
            return Err(ApiError::not_found("CNI not found"));
        }
        if body.id != cni {
            return Err(ApiError::bad_request(format!(
                "the body's id {} is not the CNI of the path, {cni}",
                body.id
            ))
            .at("/id"));
        }
        if !account.interconnects.contains_key(&body.interconnect) {
            return Err(ApiError::bad_request(format!(
                "no interconnect named {:?} in this account",
                body.interconnect
            ))
            .at("/interconnect"));
        }
        if account
            .cnis
            .values()
            .any(|c| c.id != cni && c.magic.conduit_name == body.magic.conduit_name)
        {
            return Err(ApiError::bad_request(format!(
                "another CNI already uses conduit_name {:?}",
                body.magic.conduit_name
            ))
            .at("/magic/conduit_name"));
        }
        account.cnis.insert(cni, body.clone());
        Ok(body)
    }

    async fn delete_cni(&self, credentials: Credentials, account_id: String, cni: Uuid) -> R<()> {
        let mut world = self.authorized(&credentials)?;
        match world.account(&account_id).cnis.remove(&cni) {
            Some(_) => Ok(()),
            None => Err(ApiError::not_found("CNI not found")),
        }
    }

    async fn list_interconnects(
        &self,
        credentials: Credentials,
        account_id: String,
        query: ListInterconnectsQuery,
    ) -> R<InterconnectList> {
        let mut world = self.authorized(&credentials)?;
        let items: Vec<Interconnect> = world
            .account(&account_id)
            .interconnects
            .values()
            .map(|i| &i.value)
            .filter(|i| {
                query
                    .type_
                    .as_ref()
                    .is_none_or(|t| interconnect_type(i) == t)
            })
            .filter(|i| match (&query.site, i) {
                (None, _) => true,
                (Some(site), Interconnect::Physical(p)) => p.site == *site,
                (Some(_), Interconnect::GcpPartner(_)) => false,
            })
            .cloned()
            .collect();
        let (items, next) = page(items, query.cursor, query.limit);
        Ok(InterconnectList { items, next })
    }

    async fn create_interconnect(
        &self,
        credentials: Credentials,
        account_id: String,
        body: InterconnectCreateRequest,
    ) -> R<Interconnect> {
        let mut world = self.authorized(&credentials)?;
        let value = match body {
            InterconnectCreateRequest::Physical(request) => {
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
                world.occupied.insert(slot.id, account_id.clone());
                let account = world.account(&account_id);
                account.next_name += 1;
                Interconnect::Physical(InterconnectPhysical {
                    type_: InterconnectPhysicalType::Direct,
                    account: account_id.clone(),
                    name: format!(
                        "{}-direct-{}",
                        slot.site.to_ascii_lowercase(),
                        account.next_name
                    ),
                    owner: None,
                    slot_id: slot.id,
                    site: slot.site,
                    speed: request.speed.unwrap_or(slot.speed),
                    facility: FacilityInfo {
                        name: slot.facility.name,
                        address: slot.facility.address,
                    },
                })
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
                let account = world.account(&account_id);
                account.next_name += 1;
                Interconnect::GcpPartner(InterconnectGcpPartner {
                    type_: InterconnectGcpPartnerType::GcpPartner,
                    account: account_id.clone(),
                    name: format!("gcp-{}-{}", region, account.next_name),
                    owner: None,
                    region,
                    speed: Some(request.bandwidth),
                })
            }
        };
        let name = interconnect_name(&value).to_string();
        world.account(&account_id).interconnects.insert(
            name,
            StoredInterconnect {
                value: value.clone(),
                created: Instant::now(),
            },
        );
        Ok(value)
    }

    async fn get_interconnect(
        &self,
        credentials: Credentials,
        account_id: String,
        icon: String,
    ) -> R<Interconnect> {
        let mut world = self.authorized(&credentials)?;
        world
            .account(&account_id)
            .interconnects
            .get(&icon)
            .map(|i| i.value.clone())
            .ok_or_else(|| ApiError::not_found("Interconnect not found"))
    }

    async fn delete_interconnect(
        &self,
        credentials: Credentials,
        account_id: String,
        icon: String,
    ) -> R<()> {
        let mut world = self.authorized(&credentials)?;
        let account = world.account(&account_id);
        if !account.interconnects.contains_key(&icon) {
            return Err(ApiError::not_found("Interconnect not found"));
        }
        let hosted = account
            .cnis
            .values()
            .filter(|c| c.interconnect == icon)
            .count();
        if hosted > 0 {
            return Err(ApiError::bad_request(format!(
                "interconnect {icon:?} still hosts {hosted} CNI(s); delete them first"
            )));
        }
        let removed = account.interconnects.remove(&icon);
        if let Some(slot) = removed.and_then(|i| physical_slot(&i.value)) {
            world.occupied.remove(&slot);
        }
        Ok(())
    }

    async fn get_interconnect_loa(
        &self,
        credentials: Credentials,
        account_id: String,
        icon: String,
    ) -> R<Binary> {
        let mut world = self.authorized(&credentials)?;
        let stored = world
            .account(&account_id)
            .interconnects
            .get(&icon)
            .map(|i| i.value.clone());
        match stored {
            None => Err(ApiError::not_found("Interconnect not found")),
            Some(Interconnect::GcpPartner(_)) => Err(ApiError::bad_request(
                "a Letter of Authorization exists for direct interconnects only",
            )),
            Some(Interconnect::Physical(p)) => {
                let mut lines = vec![
                    format!("Interconnect: {}", p.name),
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
        }
    }

    async fn get_interconnect_status(
        &self,
        credentials: Credentials,
        account_id: String,
        icon: String,
    ) -> R<InterconnectStatus> {
        let mut world = self.authorized(&credentials)?;
        let created = world
            .account(&account_id)
            .interconnects
            .get(&icon)
            .map(|i| i.created)
            .ok_or_else(|| ApiError::not_found("Interconnect not found"))?;
        let status = if created.elapsed() >= self.config.status_delay {
            InterconnectStatus::Healthy(InterconnectStatusHealthy {
                state: InterconnectStatusHealthyState::Healthy,
            })
        } else {
            InterconnectStatus::Pending(InterconnectStatusPending {
                state: InterconnectStatusPendingState::Pending,
            })
        };
        Ok(status)
    }

    async fn get_settings(&self, credentials: Credentials, account_id: String) -> R<Settings> {
        let mut world = self.authorized(&credentials)?;
        let asn = world
            .account(&account_id)
            .default_asn
            .unwrap_or(self.config.default_asn);
        Ok(Settings { default_asn: asn })
    }

    async fn update_settings(
        &self,
        credentials: Credentials,
        account_id: String,
        body: SettingsUpdateRequest,
    ) -> R<Settings> {
        let mut world = self.authorized(&credentials)?;
        let account = world.account(&account_id);
        if let Some(asn) = body.default_asn {
            account.default_asn = Some(asn);
        }
        Ok(Settings {
            default_asn: account.default_asn.unwrap_or(self.config.default_asn),
        })
    }

    async fn list_slots(
        &self,
        credentials: Credentials,
        account_id: String,
        query: ListSlotsQuery,
    ) -> R<SlotList> {
        let world = self.authorized(&credentials)?;
        let needle = query.address_contains.as_ref().map(|n| n.to_lowercase());
        let items: Vec<Slot> = world
            .slots
            .iter()
            .map(|s| slot_view(s, world.occupied.get(&s.id), &account_id))
            .filter(|s| query.site.as_ref().is_none_or(|site| s.site == *site))
            .filter(|s| query.speed.as_ref().is_none_or(|speed| s.speed == *speed))
            .filter(|s| query.occupied.is_none_or(|o| s.occupied == o))
            .filter(|s| {
                needle.as_ref().is_none_or(|n| {
                    s.facility
                        .address
                        .iter()
                        .any(|line| line.to_lowercase().contains(n))
                })
            })
            .collect();
        let (items, next) = page(items, query.cursor, query.limit);
        Ok(SlotList { items, next })
    }

    async fn get_slot(&self, credentials: Credentials, account_id: String, slot: Uuid) -> R<Slot> {
        let world = self.authorized(&credentials)?;
        world
            .slots
            .iter()
            .find(|s| s.id == slot)
            .map(|s| slot_view(s, world.occupied.get(&s.id), &account_id))
            .ok_or_else(|| ApiError::not_found("Slot not found"))
    }
}
