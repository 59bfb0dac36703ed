//! A small implementation of the generated server trait, shared by the server tests.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use cloudflare_cni_server::types::*;
use cloudflare_cni_server::{
    ApiError, Binary, CniApi, ListCnisQuery, ListInterconnectsQuery, ListSlotsQuery, Operation,
    RequestContext,
};
use serde_json::json;
use uuid::Uuid;

pub const ACCOUNT: &str = "023e105f4ecef8ad9ca31a8372d0c353";
pub const CNI_ID: &str = "8d3a4f3e-2c1b-4f5e-9a7b-1c2d3e4f5a6b";
pub const SLOT_ID: &str = "3b9e3f7c-6a5d-4e2f-8c1b-0a9d8e7f6c5b";
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n";

pub fn cni() -> Cni {
    serde_json::from_value(json!({
        "id": CNI_ID, "account": ACCOUNT, "interconnect": "icon-dfw-1",
        "p2p_ip": "192.168.3.4/31", "cust_ip": "192.168.3.5/31",
        "magic": {"conduit_name": "dfw", "description": "primary", "mtu": 1500},
        "bgp": {"customer_asn": 4200000000u32, "extra_prefixes": ["10.1.0.0/16"], "md5_key": "k"}
    }))
    .unwrap()
}

pub fn physical() -> Interconnect {
    serde_json::from_value(
        json!({"type": "direct", "account": ACCOUNT, "name": "icon-dfw-1", "slot_id": SLOT_ID,
        "site": "DFW", "speed": "10G", "facility": {"name": "DA3", "address": ["Dallas"]},
        "virtual_port_reservation_id": "0b2c4e6f-8a1b-4c3d-9e5f-7a6b5c4d3e2f", "ccr_device_name": "ccr01-dfw01"}),
    )
    .unwrap()
}

pub fn slot() -> Slot {
    serde_json::from_value(
        json!({"id": SLOT_ID, "occupied": false, "site": "DFW", "speed": "10G",
        "facility": {"name": "DA3", "address": ["Dallas"]}}),
    )
    .unwrap()
}

/// Answers every operation with fixed values; records what it was called with.
#[derive(Clone, Default)]
pub struct Fixed {
    pub calls: Arc<AtomicUsize>,
    pub seen: Arc<Mutex<Vec<String>>>,
}

impl Fixed {
    fn saw(&self, what: String) {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.seen.lock().unwrap().push(what);
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    pub fn last(&self) -> String {
        self.seen
            .lock()
            .unwrap()
            .last()
            .cloned()
            .unwrap_or_default()
    }
}

type R<T> = Result<T, ApiError>;

fn account(account_id: &str) -> R<()> {
    if account_id == ACCOUNT {
        Ok(())
    } else {
        Err(ApiError::not_found(format!(
            "account {account_id} not found"
        )))
    }
}

impl CniApi for Fixed {
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

    async fn list_cnis(&self, c: RequestContext, a: String, q: ListCnisQuery) -> R<CniList> {
        self.saw(format!("list_cnis {:?} {a} {q:?}", c.credentials()));
        // What a request context is for: a request header read, and answered with.
        if let Some(key) = c.header("idempotency-key") {
            let echoed = cloudflare_cni_server::axum::http::HeaderValue::from_str(key)
                .map_err(|_| ApiError::bad_request("idempotency-key"))?;
            c.set_answer_header(
                cloudflare_cni_server::axum::http::HeaderName::from_static("idempotency-key"),
                echoed,
            );
        }
        account(&a)?;
        Ok(CniList::builder()
            .items(vec![cni()])
            .set_next(q.cursor.map(|c| c + 1))
            .try_into()
            .unwrap())
    }
    async fn create_cni(
        &self,
        _: RequestContext,
        a: String,
        _query: cloudflare_cni_server::CreateCniQuery,
        body: CniCreateRequest,
    ) -> R<Cni> {
        self.saw(format!(
            "create_cni {a} {}",
            serde_json::to_string(&body).unwrap()
        ));
        if body.magic.conduit_name == "taken" {
            return Err(ApiError::conflict(
                "Name Conflict: conduit_name `taken` is in use",
            ));
        }
        // Struct update syntax is out (the types are `#[non_exhaustive]`): change a copy.
        let mut made = cni();
        made.account = body.account;
        made.interconnect = body.interconnect;
        made.magic = body.magic;
        made.bgp = body.bgp;
        Ok(made)
    }
    async fn get_cni(
        &self,
        _: RequestContext,
        a: String,
        id: Uuid,
        _query: cloudflare_cni_server::GetCniQuery,
    ) -> R<Cni> {
        self.saw(format!("get_cni {a} {id}"));
        if id.to_string() == CNI_ID {
            Ok(cni())
        } else {
            Err(ApiError::not_found("CNI not found"))
        }
    }
    async fn update_cni(
        &self,
        _: RequestContext,
        a: String,
        id: Uuid,
        _query: cloudflare_cni_server::UpdateCniQuery,
        body: Cni,
    ) -> R<Cni> {
        self.saw(format!("update_cni {a} {id}"));
        Ok(body)
    }
    async fn delete_cni(
        &self,
        _: RequestContext,
        a: String,
        id: Uuid,
        _query: cloudflare_cni_server::DeleteCniQuery,
    ) -> R<()> {
        self.saw(format!("delete_cni {a} {id}"));
        Ok(())
    }
    async fn list_interconnects(
        &self,
        _: RequestContext,
        a: String,
        q: ListInterconnectsQuery,
    ) -> R<InterconnectList> {
        self.saw(format!("list_interconnects {a} {q:?}"));
        Ok(InterconnectList::builder()
            .items(vec![physical()])
            .try_into()
            .unwrap())
    }
    async fn create_interconnect(
        &self,
        _: RequestContext,
        a: String,
        _query: cloudflare_cni_server::CreateInterconnectQuery,
        body: InterconnectCreateRequest,
    ) -> R<Interconnect> {
        self.saw(format!(
            "create_interconnect {a} {}",
            serde_json::to_string(&body).unwrap()
        ));
        Ok(physical())
    }
    async fn get_interconnect(
        &self,
        _: RequestContext,
        a: String,
        icon: String,
        _query: cloudflare_cni_server::GetInterconnectQuery,
    ) -> R<Interconnect> {
        self.saw(format!("get_interconnect {a} {icon}"));
        Ok(physical())
    }
    async fn delete_interconnect(
        &self,
        _: RequestContext,
        a: String,
        icon: String,
        _query: cloudflare_cni_server::DeleteInterconnectQuery,
    ) -> R<()> {
        self.saw(format!("delete_interconnect {a} {icon}"));
        Ok(())
    }
    async fn get_interconnect_loa(
        &self,
        _: RequestContext,
        a: String,
        icon: String,
        query: cloudflare_cni_server::GetInterconnectLoaQuery,
    ) -> R<Binary> {
        self.saw(format!("get_interconnect_loa {a} {icon} {:?}", query.name));
        Ok(Binary::new("application/pdf", PDF))
    }
    async fn get_interconnect_loa_default_name(
        &self,
        _: RequestContext,
        a: String,
        icon: String,
        _query: cloudflare_cni_server::GetInterconnectLoaDefaultNameQuery,
    ) -> R<DefaultNameResponse> {
        self.saw(format!("get_interconnect_loa_default_name {a} {icon}"));
        Ok(serde_json::from_value(json!({"name": "Acme"})).unwrap())
    }
    async fn get_interconnect_status(
        &self,
        _: RequestContext,
        a: String,
        icon: String,
        _query: cloudflare_cni_server::GetInterconnectStatusQuery,
    ) -> R<InterconnectStatus> {
        self.saw(format!("get_interconnect_status {a} {icon}"));
        Ok(serde_json::from_value(json!({"state": "Healthy"})).unwrap())
    }
    async fn get_settings(
        &self,
        _: RequestContext,
        a: String,
        _query: cloudflare_cni_server::GetSettingsQuery,
    ) -> R<Settings> {
        self.saw(format!("get_settings {a}"));
        Ok(Settings::builder().default_asn(65000).try_into().unwrap())
    }
    async fn update_settings(
        &self,
        _: RequestContext,
        a: String,
        _query: cloudflare_cni_server::UpdateSettingsQuery,
        body: SettingsUpdateRequest,
    ) -> R<Settings> {
        self.saw(format!("update_settings {a} {body:?}"));
        Ok(Settings::builder()
            .default_asn(body.default_asn.unwrap_or(65000))
            .try_into()
            .unwrap())
    }
    async fn list_slots(&self, _: RequestContext, a: String, q: ListSlotsQuery) -> R<SlotList> {
        self.saw(format!("list_slots {a} {q:?}"));
        Ok(SlotList::builder().items(vec![slot()]).try_into().unwrap())
    }
    async fn get_slot(
        &self,
        _: RequestContext,
        a: String,
        id: Uuid,
        _query: cloudflare_cni_server::GetSlotQuery,
    ) -> R<Slot> {
        self.saw(format!("get_slot {a} {id}"));
        Ok(slot())
    }
}
