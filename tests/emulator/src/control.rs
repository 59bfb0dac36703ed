//! The control plane: what a test does to the emulator that the API cannot, as methods on
//! [`Emulator`] (in the test's process) and as HTTP endpoints under `/__emulator` (for a
//! running binary). Both do the same thing; answers and errors use the API's envelope.
//!
//! | Endpoint | Does |
//! |---|---|
//! | `GET /__emulator/state` | the state as JSON (the `--state` file's format, see [`crate::state`]) |
//! | `PUT /__emulator/state` | replaces the state with such a document |
//! | `POST /__emulator/state/save` | writes the state to the `--state` file now |
//! | `POST /__emulator/reset` | back to the seed catalogue: no accounts, no faults, clock and lifecycle as started |
//! | `GET`, `PUT /__emulator/lifecycle` | `{"mode": "automatic" \| "manual", "status_delay_seconds": 5.0}` (both optional in a PUT) |
//! | `POST /__emulator/clock/advance` | `{"seconds": 3600}`: the automatic lifecycle moves on without waiting |
//! | `PUT /__emulator/accounts/{account_id}/interconnects/{icon}/status` | pins a status, the API's `InterconnectStatus`: `{"state": "Down", "reason": "fibre cut"}` |
//! | `DELETE` the same | hands it back to the automatic lifecycle |
//! | `GET`, `POST`, `DELETE /__emulator/faults` | lists, injects ([`FaultSpec`] as JSON; answers the fault with its `id`), clears the faults |
//! | `DELETE /__emulator/faults/{id}` | removes one fault |
//! | `PUT /__emulator/faults/seed` | `{"seed": 42}`: restarts the generator behind probabilities |
//!
//! When the emulator is configured with credentials, every control endpoint needs one that is
//! granted every account (an `--api-token` or `--api-key` without an account list): 401
//! otherwise. With none configured, the control plane is open, like the API.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::Json;
use bytes::Bytes;
use cloudflare_cni_server::types::InterconnectStatus;
use cloudflare_cni_server::{codes, ApiError, RequestContext};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::faults::{ActiveFault, FaultError, FaultSpec};
use crate::lifecycle::{Lifecycle, LifecycleMode};
use crate::state::{
    AccountState, Catalogue, Problems, StateError, StateFile, StoredCniState,
    StoredInterconnectState,
};
use crate::{interconnect_name, physical_slot, Account, Emulator, StoredInterconnect, World};

/// Why a control request was refused.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error("no interconnect {icon:?} in account {account:?}")]
    UnknownInterconnect { account: String, icon: String },
    #[error(transparent)]
    Fault(#[from] FaultError),
    #[error("no fault with id {0}")]
    UnknownFault(u64),
    #[error("the emulator was started without --state: there is no file to save to")]
    NoStateFile,
    #[error(transparent)]
    State(#[from] StateError),
    #[error("{0}")]
    BadRequest(String),
}

impl From<ControlError> for ApiError {
    fn from(error: ControlError) -> ApiError {
        let message = error.to_string();
        match error {
            ControlError::UnknownInterconnect { .. } | ControlError::UnknownFault(_) => {
                ApiError::not_found(message)
            }
            ControlError::NoStateFile => ApiError::conflict(message),
            ControlError::State(StateError::Invalid { problems, .. }) => {
                let error = ApiError::bad_request(message);
                match problems.0.first() {
                    Some(first) => error.at(first.pointer.clone()),
                    None => error,
                }
            }
            ControlError::State(StateError::Write { .. } | StateError::Read { .. }) => {
                ApiError::internal(message)
            }
            ControlError::Fault(_) | ControlError::State(_) | ControlError::BadRequest(_) => {
                ApiError::bad_request(message)
            }
        }
    }
}

/// The lifecycle settings and how far tests have advanced the clock.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LifecycleSettings {
    pub mode: LifecycleMode,
    pub status_delay_seconds: f64,
    pub clock_advanced_seconds: f64,
}

impl Emulator {
    fn with_interconnect<T>(
        &self,
        account: &str,
        icon: &str,
        f: impl FnOnce(&mut StoredInterconnect, Duration, Duration) -> T,
    ) -> Result<T, ControlError> {
        let mut world = self.world();
        let (now, delay) = (world.clock.now(), world.status_delay);
        world
            .accounts
            .get_mut(account)
            .and_then(|a| {
                let seq = *a.interconnect_seq.get(icon)?;
                a.interconnects.get_mut(&seq)
            })
            .map(|stored| f(stored, now, delay))
            .ok_or_else(|| ControlError::UnknownInterconnect {
                account: account.to_string(),
                icon: icon.to_string(),
            })
    }

    /// Pins an interconnect's status (any state of the spec, with its `reason` where it has
    /// one) until [`resume_lifecycle`](Self::resume_lifecycle).
    pub fn set_status(
        &self,
        account: &str,
        icon: &str,
        status: InterconnectStatus,
    ) -> Result<InterconnectStatus, ControlError> {
        if let InterconnectStatus::Unknown(unknown) = &status {
            return Err(ControlError::BadRequest(format!(
                "state {:?} is not one of the spec's: Pending, Down, Unhealthy, Healthy",
                unknown.tag()
            )));
        }
        self.with_interconnect(account, icon, |stored, _, _| {
            stored.lifecycle.pinned = Some(status.clone());
            status
        })
    }

    /// Hands an interconnect back to the automatic lifecycle (counted from its creation),
    /// returning its status now.
    pub fn resume_lifecycle(
        &self,
        account: &str,
        icon: &str,
    ) -> Result<InterconnectStatus, ControlError> {
        self.with_interconnect(account, icon, |stored, now, delay| {
            stored.lifecycle.pinned = None;
            stored.lifecycle.status(now, delay)
        })
    }

    /// An interconnect's status as the API would answer it now.
    pub fn status_of(&self, account: &str, icon: &str) -> Result<InterconnectStatus, ControlError> {
        self.with_interconnect(account, icon, |stored, now, delay| {
            stored.lifecycle.status(now, delay)
        })
    }

    /// The lifecycle of interconnects created from now on (existing ones keep theirs).
    pub fn set_lifecycle(&self, mode: LifecycleMode) {
        self.world().lifecycle = mode;
    }

    /// How long an interconnect stays `Pending` in the automatic lifecycle.
    pub fn set_status_delay(&self, delay: Duration) {
        self.world().status_delay = delay;
    }

    pub fn lifecycle(&self) -> LifecycleSettings {
        let world = self.world();
        LifecycleSettings {
            mode: world.lifecycle,
            status_delay_seconds: world.status_delay.as_secs_f64(),
            clock_advanced_seconds: world.clock.advanced().as_secs_f64(),
        }
    }

    /// Moves the emulator's clock forward: the automatic lifecycle acts as if `by` had passed.
    pub fn advance_clock(&self, by: Duration) {
        self.world().clock.advance(by);
    }

    /// Injects a fault; it acts on the next matching calls.
    pub fn inject_fault(&self, spec: FaultSpec) -> Result<ActiveFault, ControlError> {
        Ok(self.faults().inject(spec)?)
    }

    /// The faults still active, in the order they were injected.
    pub fn active_faults(&self) -> Vec<ActiveFault> {
        self.faults().list()
    }

    pub fn remove_fault(&self, id: u64) -> Result<(), ControlError> {
        match self.faults().remove(id) {
            true => Ok(()),
            false => Err(ControlError::UnknownFault(id)),
        }
    }

    /// Clears every fault (and restarts the generator from its seed).
    pub fn clear_faults(&self) {
        self.faults().clear();
    }

    /// Restarts the generator behind fault probabilities from `seed`.
    pub fn seed_faults(&self, seed: u64) {
        self.faults().reseed(seed);
    }

    /// Back to how the emulator started: the seed catalogue, no accounts, no faults, the clock
    /// not advanced and the configured lifecycle.
    pub fn reset(&self) {
        *self.world() = World::new(&self.config);
        *self.faults() = crate::faults::Faults::new(self.config.fault_seed);
    }

    /// The state, as the `--state` file holds it.
    pub fn state(&self) -> StateFile {
        let world = self.world();
        let now = world.clock.now();
        let accounts = world
            .accounts
            .iter()
            .map(|(id, account)| {
                let interconnects = account
                    .interconnects
                    .iter()
                    .map(|(seq, stored)| StoredInterconnectState {
                        seq: *seq,
                        age_seconds: now.saturating_sub(stored.lifecycle.created).as_secs_f64(),
                        pinned_status: stored.lifecycle.pinned.clone(),
                        interconnect: stored.value.clone(),
                    })
                    .collect();
                let cnis = account
                    .cnis
                    .iter()
                    .map(|(seq, cni)| StoredCniState {
                        seq: *seq,
                        cni: cni.clone(),
                    })
                    .collect();
                let state = AccountState {
                    default_asn: account.default_asn.map(i64::from),
                    last_seq: account.last_seq,
                    next_name: account.next_name,
                    interconnects,
                    cnis,
                };
                (id.clone(), state)
            })
            .collect();
        StateFile {
            format: crate::state::STATE_FORMAT.to_string(),
            version: crate::state::STATE_VERSION,
            lifecycle: world.lifecycle,
            status_delay_seconds: world.status_delay.as_secs_f64(),
            accounts,
        }
    }

    /// Replaces the state with `state` (read from `origin`, which errors name), if it is one
    /// the API could have made on this emulator (its link pool, its slot catalogue: see
    /// [`StateFile::problems`]); otherwise nothing changes.
    pub fn restore(&self, state: StateFile, origin: &Path) -> Result<(), StateError> {
        let catalogue = Catalogue {
            link_pool: self.config.link_pool,
            slots: &self.config.slots,
        };
        let problems = state.problems(&catalogue);
        if !problems.is_empty() {
            return Err(StateError::Invalid {
                path: origin.to_path_buf(),
                problems: Problems(problems),
            });
        }
        let invalid = |detail: String| StateError::NotState {
            path: origin.to_path_buf(),
            detail,
        };
        let mut world = World::new(&self.config);
        world.lifecycle = state.lifecycle;
        world.status_delay = Duration::try_from_secs_f64(state.status_delay_seconds)
            .map_err(|e| invalid(format!("status_delay_seconds: {e}")))?;
        // An interconnect older than the emulator's clock moves the clock on, so that its
        // age (and so its automatic status) is kept.
        let oldest = state
            .accounts
            .values()
            .flat_map(|a| &a.interconnects)
            .filter_map(|i| Duration::try_from_secs_f64(i.age_seconds).ok())
            .max()
            .unwrap_or_default();
        if oldest > world.clock.now() {
            let behind = oldest - world.clock.now();
            world.clock.advance(behind);
        }
        let now = world.clock.now();
        for (id, saved) in state.accounts {
            let mut account = Account {
                // `StateFile::problems` refused an ASN outside the u32 space before this.
                default_asn: saved.default_asn.and_then(|asn| u32::try_from(asn).ok()),
                last_seq: saved.last_seq,
                next_name: saved.next_name,
                ..Account::default()
            };
            for stored in saved.interconnects {
                // The check made sure each slot is in the catalogue and held once.
                if let Some(slot) = physical_slot(&stored.interconnect) {
                    world.occupied.insert(slot, id.clone());
                }
                let age = Duration::try_from_secs_f64(stored.age_seconds).unwrap_or_default();
                account.interconnect_seq.insert(
                    interconnect_name(&stored.interconnect).to_string(),
                    stored.seq,
                );
                account.interconnects.insert(
                    stored.seq,
                    StoredInterconnect {
                        value: stored.interconnect,
                        lifecycle: Lifecycle {
                            created: now.saturating_sub(age),
                            pinned: stored.pinned_status,
                        },
                    },
                );
            }
            let pool = self.config.link_pool;
            for stored in saved.cnis {
                // The check made sure every link is a free /31 of the pool.
                if let Ok(link) = crate::state::link_in_pool(&stored.cni.p2p_ip, &pool) {
                    account.insert_cni(stored.seq, crate::pool::number(&pool, &link), stored.cni);
                }
            }
            world.accounts.insert(id, account);
        }
        *self.world() = world;
        Ok(())
    }

    /// Loads the state file at `path`; `Ok(false)` when there is none yet (nothing changes).
    pub fn load_state(&self, path: &Path) -> Result<bool, StateError> {
        match StateFile::read(path)? {
            Some(state) => self.restore(state, path).map(|()| true),
            None => Ok(false),
        }
    }

    /// Writes the state to `path` atomically.
    pub fn save_state(&self, path: &Path) -> Result<(), StateError> {
        self.state().write(path)
    }

    /// Writes the state to the configured `--state` file.
    pub fn save(&self) -> Result<PathBuf, ControlError> {
        let path = self
            .config
            .state_file
            .clone()
            .ok_or(ControlError::NoStateFile)?;
        self.save_state(&path)?;
        Ok(path)
    }
}

/// The largest state document `PUT /__emulator/state` reads: 1 GiB, some four million CNIs,
/// so that the emulator's own dumps load back (the other endpoints keep axum's 2 MiB).
pub const STATE_BODY_LIMIT: usize = 1 << 30;

/// A control request's body, read whole; too large or unreadable answers in the envelope.
struct ControlBody(Bytes);

impl<S: Send + Sync> FromRequest<S> for ControlBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match Bytes::from_request(request, state).await {
            Ok(bytes) => Ok(ControlBody(bytes)),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    codes::PAYLOAD_TOO_LARGE,
                    "the request body is larger than this control endpoint reads",
                )
                .closing_connection())
            }
            Err(rejection) => Err(ApiError::bad_request(format!(
                "unreadable request body: {}",
                rejection.body_text()
            ))),
        }
    }
}

/// The control plane's routes, to be nested under [`crate::CONTROL_PREFIX`].
pub(crate) fn router(emulator: Emulator) -> axum::Router {
    axum::Router::new()
        .route(
            "/state",
            get(get_state)
                .put(put_state)
                .layer(DefaultBodyLimit::max(STATE_BODY_LIMIT)),
        )
        .route("/state/save", post(save_state))
        .route("/reset", post(reset))
        .route("/lifecycle", get(get_lifecycle).put(put_lifecycle))
        .route("/clock/advance", post(advance_clock))
        .route(
            "/accounts/{account_id}/interconnects/{icon}/status",
            get(get_status).put(put_status).delete(delete_status),
        )
        .route(
            "/faults",
            get(list_faults).post(post_fault).delete(clear_faults),
        )
        .route("/faults/seed", put(put_seed))
        .route("/faults/{id}", delete(delete_fault))
        .fallback(unknown_endpoint)
        .layer(axum::middleware::from_fn_with_state(
            emulator.clone(),
            require_control_credentials,
        ))
        .with_state(emulator)
}

/// With credentials configured, the control plane needs one granted every account.
async fn require_control_credentials(
    State(emulator): State<Emulator>,
    request: Request,
    next: Next,
) -> Response {
    let grants = &emulator.config.grants;
    if grants.is_empty() {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let allowed = RequestContext::from_request_parts(&mut parts, &())
        .await
        .is_ok_and(|request| crate::access::grants_every_account(grants, request.credentials()));
    if !allowed {
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            codes::AUTHENTICATION,
            "Authentication error: the control plane needs a credential granted every account",
        )
        .into_response();
    }
    next.run(Request::from_parts(parts, body)).await
}

async fn unknown_endpoint(request: Request) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        codes::NO_ROUTE,
        format!(
            "no control endpoint {} {}{}",
            request.method(),
            crate::CONTROL_PREFIX,
            request.uri().path()
        ),
    )
}

/// A JSON body, refused with the field's place when it does not fit.
fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let error = ApiError::bad_request(format!("invalid body: {}", e.inner()));
        match e.path().to_string().as_str() {
            "." => error,
            path => error.at(format!("/{}", path.replace('.', "/"))),
        }
    })
}

async fn get_state(State(emulator): State<Emulator>) -> Json<StateFile> {
    Json(emulator.state())
}

async fn put_state(
    State(emulator): State<Emulator>,
    ControlBody(bytes): ControlBody,
) -> Result<Json<StateFile>, ApiError> {
    let text = std::str::from_utf8(&bytes)
        .map_err(|e| ApiError::bad_request(format!("the body is not UTF-8: {e}")))?;
    let origin = Path::new("the request body");
    let state = StateFile::parse(text, origin).map_err(ControlError::from)?;
    emulator
        .restore(state, origin)
        .map_err(ControlError::from)?;
    Ok(Json(emulator.state()))
}

async fn save_state(
    State(emulator): State<Emulator>,
) -> Result<Json<BTreeMap<&'static str, String>>, ApiError> {
    let path = emulator.save()?;
    Ok(Json(BTreeMap::from([("path", path.display().to_string())])))
}

async fn reset(State(emulator): State<Emulator>) -> StatusCode {
    emulator.reset();
    StatusCode::NO_CONTENT
}

async fn get_lifecycle(State(emulator): State<Emulator>) -> Json<LifecycleSettings> {
    Json(emulator.lifecycle())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LifecycleUpdate {
    mode: Option<LifecycleMode>,
    status_delay_seconds: Option<f64>,
}

fn seconds(value: f64, field: &str) -> Result<Duration, ApiError> {
    Duration::try_from_secs_f64(value).map_err(|_| {
        ApiError::bad_request(format!(
            "{field}: {value} is not a number of seconds, 0 or more"
        ))
        .at(format!("/{field}"))
    })
}

async fn put_lifecycle(
    State(emulator): State<Emulator>,
    ControlBody(bytes): ControlBody,
) -> Result<Json<LifecycleSettings>, ApiError> {
    let update: LifecycleUpdate = body(&bytes)?;
    let delay = update
        .status_delay_seconds
        .map(|s| seconds(s, "status_delay_seconds"))
        .transpose()?;
    if let Some(mode) = update.mode {
        emulator.set_lifecycle(mode);
    }
    if let Some(delay) = delay {
        emulator.set_status_delay(delay);
    }
    Ok(Json(emulator.lifecycle()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockAdvance {
    seconds: f64,
}

async fn advance_clock(
    State(emulator): State<Emulator>,
    ControlBody(bytes): ControlBody,
) -> Result<Json<LifecycleSettings>, ApiError> {
    let advance: ClockAdvance = body(&bytes)?;
    emulator.advance_clock(seconds(advance.seconds, "seconds")?);
    Ok(Json(emulator.lifecycle()))
}

type InterconnectPath = axum::extract::Path<(String, String)>;

async fn get_status(
    State(emulator): State<Emulator>,
    axum::extract::Path((account, icon)): InterconnectPath,
) -> Result<Json<InterconnectStatus>, ApiError> {
    Ok(Json(emulator.status_of(&account, &icon)?))
}

async fn put_status(
    State(emulator): State<Emulator>,
    axum::extract::Path((account, icon)): InterconnectPath,
    ControlBody(bytes): ControlBody,
) -> Result<Json<InterconnectStatus>, ApiError> {
    let status: InterconnectStatus = body(&bytes)?;
    Ok(Json(emulator.set_status(&account, &icon, status)?))
}

async fn delete_status(
    State(emulator): State<Emulator>,
    axum::extract::Path((account, icon)): InterconnectPath,
) -> Result<Json<InterconnectStatus>, ApiError> {
    Ok(Json(emulator.resume_lifecycle(&account, &icon)?))
}

async fn list_faults(State(emulator): State<Emulator>) -> Json<Vec<ActiveFault>> {
    Json(emulator.active_faults())
}

async fn post_fault(
    State(emulator): State<Emulator>,
    ControlBody(bytes): ControlBody,
) -> Result<(StatusCode, Json<ActiveFault>), ApiError> {
    let spec: FaultSpec = body(&bytes)?;
    Ok((StatusCode::CREATED, Json(emulator.inject_fault(spec)?)))
}

async fn clear_faults(State(emulator): State<Emulator>) -> StatusCode {
    emulator.clear_faults();
    StatusCode::NO_CONTENT
}

async fn delete_fault(
    State(emulator): State<Emulator>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: u64 = id
        .parse()
        .map_err(|_| ApiError::bad_request(format!("fault id {id:?} is not a number")))?;
    emulator.remove_fault(id)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Seed {
    seed: u64,
}

async fn put_seed(
    State(emulator): State<Emulator>,
    ControlBody(bytes): ControlBody,
) -> Result<StatusCode, ApiError> {
    let seed: Seed = body(&bytes)?;
    emulator.seed_faults(seed.seed);
    Ok(StatusCode::NO_CONTENT)
}
