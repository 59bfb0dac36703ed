//! Shared pieces of the benchmark programs: a server implementation that answers from fixed
//! data, and the measurement helpers.

use cloudflare_cni_server::types::*;
use cloudflare_cni_server::{
    ApiError, Binary, CniApi, ListCnisQuery, ListInterconnectsQuery, ListSlotsQuery, Operation,
    RequestContext,
};
use uuid::Uuid;

pub const ACCOUNT: &str = "023e105f4ecef8ad9ca31a8372d0c353";

/// A realistic CNI: BGP with 8 extra prefixes and an MD5 key.
pub fn cni(n: u64) -> Cni {
    serde_json::from_value(serde_json::json!({
        "id": Uuid::from_u64_pair(0, n),
        "account": ACCOUNT,
        "interconnect": "icon-dfw-1",
        "p2p_ip": "100.64.0.0/31",
        "cust_ip": "100.64.0.1/31",
        "magic": {"conduit_name": format!("conduit-{n}"), "description": "benchmark conduit", "mtu": 1476},
        "bgp": {
            "customer_asn": 4200000000u32,
            "extra_prefixes": ["10.0.0.0/8", "10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16",
                               "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "198.18.0.0/15"],
            "md5_key": "s3cr<e>t`key"
        }
    }))
    .expect("a valid CNI")
}

/// Interconnect `n`: even numbers direct (physical), odd ones GCP partner, as a listing mixes
/// them (the union's decoding is what a listing of interconnects measures).
pub fn interconnect(n: u64) -> Interconnect {
    let value = if n.is_multiple_of(2) {
        serde_json::json!({
            "type": "direct", "account": ACCOUNT, "name": format!("dfw-direct-{n}"),
            "owner": "netops", "slot_id": Uuid::from_u64_pair(1, n), "site": "DFW", "speed": "10G",
            "facility": {"name": "Equinix DA3", "address": ["1950 N Stemmons Fwy", "Dallas, TX 75207", "United States"]},
            "virtual_port_reservation_id": Uuid::from_u64_pair(2, n), "ccr_device_name": "ccr01-dfw01"
        })
    } else {
        serde_json::json!({
            "type": "gcp_partner", "account": ACCOUNT, "name": format!("gcp-us-east4-{n}"),
            "owner": "netops", "region": "us-east4", "speed": "10G",
            "virtual_port_reservation_id": Uuid::from_u64_pair(2, n)
        })
    };
    serde_json::from_value(value).expect("a valid interconnect")
}

/// The body of a CNI creation the benchmarks send: BGP with 8 prefixes and an MD5 key, so
/// both sides' validation has work to do.
pub fn cni_create_request() -> CniCreateRequest {
    let prefixes = [
        "10.0.0.0/8",
        "10.1.0.0/16",
        "10.2.0.0/16",
        "10.3.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "198.18.0.0/15",
    ];
    let bgp = BgpControl::builder()
        .customer_asn(4_200_000_000u32)
        .extra_prefixes(prefixes.iter().map(|p| p.to_string()).collect::<Vec<_>>())
        .md5_key("s3cr<e>t`key");
    CniCreateRequest::builder()
        .account(ACCOUNT)
        .interconnect("icon-dfw-1")
        .magic(
            MagicSettings::builder()
                .conduit_name("conduit-new")
                .description("benchmark conduit")
                .mtu(1476),
        )
        .bgp(bgp.build().expect("a valid BGP control"))
        .build()
        .expect("a valid creation")
}

/// The CNI a creation makes: the request's fields, Cloudflare's id and addresses.
pub fn created(request: &CniCreateRequest) -> Cni {
    let mut made = cni(0);
    made.magic = request.magic.clone();
    made.bgp = request.bgp.clone();
    made.interconnect = request.interconnect.clone();
    made
}

/// Answers `get_cni` with one CNI, `list_cnis` with pages cut from `total` CNIs (made on the
/// fly, so the server's memory does not grow with them), `list_interconnects` with `total`
/// mixed interconnects and `create_cni` with the CNI it would make. Other operations answer
/// 404.
#[derive(Clone)]
pub struct FixedData {
    pub total: u64,
    pub one: Cni,
    pub interconnects: InterconnectList,
}

impl FixedData {
    pub fn new(total: u64) -> Self {
        FixedData {
            total,
            one: cni(0),
            interconnects: InterconnectList::builder()
                .items((0..total).map(interconnect).collect::<Vec<_>>())
                .set_next(None)
                .try_into()
                .expect("a complete page"),
        }
    }

    /// The page starting at `cursor` of at most `limit` (default 100) items.
    pub fn page(&self, cursor: Option<i32>, limit: Option<i64>) -> CniList {
        let start = cursor.unwrap_or(0).max(0) as u64;
        let size = limit.filter(|l| *l > 0).unwrap_or(100) as u64;
        let end = (start + size).min(self.total);
        let next = (end < self.total).then_some(end as i32);
        let items: Vec<Cni> = (start..end).map(cni).collect();
        CniList::builder()
            .items(items)
            .set_next(next)
            .try_into()
            .expect("a complete page")
    }
}

type R<T> = Result<T, ApiError>;

fn none<T>() -> R<T> {
    Err(ApiError::not_found("not part of the benchmark"))
}

impl CniApi for FixedData {
    const IMPLEMENTED: &'static [Operation] = Operation::ALL;

    async fn list_cnis(&self, _: RequestContext, _: String, q: ListCnisQuery) -> R<CniList> {
        Ok(self.page(q.cursor, q.limit))
    }
    async fn create_cni(
        &self,
        _: RequestContext,
        _: String,
        _query: cloudflare_cni_server::CreateCniQuery,
        body: CniCreateRequest,
    ) -> R<Cni> {
        Ok(created(&body))
    }
    async fn get_cni(
        &self,
        _: RequestContext,
        _: String,
        _: Uuid,
        _query: cloudflare_cni_server::GetCniQuery,
    ) -> R<Cni> {
        Ok(self.one.clone())
    }
    async fn update_cni(
        &self,
        _: RequestContext,
        _: String,
        _: Uuid,
        _query: cloudflare_cni_server::UpdateCniQuery,
        _: Cni,
    ) -> R<Cni> {
        none()
    }
    async fn delete_cni(
        &self,
        _: RequestContext,
        _: String,
        _: Uuid,
        _query: cloudflare_cni_server::DeleteCniQuery,
    ) -> R<()> {
        none()
    }
    async fn list_interconnects(
        &self,
        _: RequestContext,
        _: String,
        _: ListInterconnectsQuery,
    ) -> R<InterconnectList> {
        Ok(self.interconnects.clone())
    }
    async fn create_interconnect(
        &self,
        _: RequestContext,
        _: String,
        _query: cloudflare_cni_server::CreateInterconnectQuery,
        _: InterconnectCreateRequest,
    ) -> R<Interconnect> {
        none()
    }
    async fn get_interconnect(
        &self,
        _: RequestContext,
        _: String,
        _: String,
        _query: cloudflare_cni_server::GetInterconnectQuery,
    ) -> R<Interconnect> {
        none()
    }
    async fn delete_interconnect(
        &self,
        _: RequestContext,
        _: String,
        _: String,
        _query: cloudflare_cni_server::DeleteInterconnectQuery,
    ) -> R<()> {
        none()
    }
    async fn get_interconnect_loa(
        &self,
        _: RequestContext,
        _: String,
        _: String,
        _query: cloudflare_cni_server::GetInterconnectLoaQuery,
    ) -> R<Binary> {
        none()
    }
    async fn get_interconnect_status(
        &self,
        _: RequestContext,
        _: String,
        _: String,
        _query: cloudflare_cni_server::GetInterconnectStatusQuery,
    ) -> R<InterconnectStatus> {
        none()
    }
    async fn get_settings(
        &self,
        _: RequestContext,
        _: String,
        _query: cloudflare_cni_server::GetSettingsQuery,
    ) -> R<Settings> {
        none()
    }
    async fn update_settings(
        &self,
        _: RequestContext,
        _: String,
        _query: cloudflare_cni_server::UpdateSettingsQuery,
        _: SettingsUpdateRequest,
    ) -> R<Settings> {
        none()
    }
    async fn list_slots(&self, _: RequestContext, _: String, _: ListSlotsQuery) -> R<SlotList> {
        none()
    }
    async fn get_slot(
        &self,
        _: RequestContext,
        _: String,
        _: Uuid,
        _query: cloudflare_cni_server::GetSlotQuery,
    ) -> R<Slot> {
        none()
    }
}

/// The hand-written server: the same routes and data as the generated one, as plain axum
/// handlers (a creation is validated with the same rules, as the generated router does).
pub fn hand_written_server(data: std::sync::Arc<FixedData>) -> axum::Router {
    use axum::extract::{Path, Query};
    use axum::http::StatusCode;
    use axum::routing::get;
    use axum::Json;
    use std::collections::HashMap;
    let (list, one, icons) = (data.clone(), data.clone(), data);
    axum::Router::new()
        .route(
            "/accounts/{account_id}/cni/cnis",
            get(move |Query(q): Query<HashMap<String, String>>| {
                let data = list.clone();
                async move {
                    let limit = q.get("limit").and_then(|l| l.parse().ok());
                    let cursor = q.get("cursor").and_then(|c| c.parse().ok());
                    Json(data.page(cursor, limit))
                }
            })
            .post(
                |Path(_account): Path<String>, Json(body): Json<CniCreateRequest>| async move {
                    match cloudflare_cni_validate::Validate::validate(&body) {
                        Ok(()) => Ok(Json(created(&body))),
                        Err(errors) => Err((StatusCode::BAD_REQUEST, errors.to_string())),
                    }
                },
            ),
        )
        .route(
            "/accounts/{account_id}/cni/cnis/{cni}",
            get(move |Path((_account, _cni)): Path<(String, Uuid)>| {
                let data = one.clone();
                async move { Json(data.one.clone()) }
            }),
        )
        .route(
            "/accounts/{account_id}/cni/interconnects",
            get(move |Path(_account): Path<String>| {
                let data = icons.clone();
                async move { Json(data.interconnects.clone()) }
            }),
        )
}

/// The `p`th percentile (0-100) of sorted microsecond latencies.
pub fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// This process's peak resident set size in KiB (`VmHWM`), on Linux.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
