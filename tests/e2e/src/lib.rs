//! Cross-crate tests live in `tests/`; this library holds the walk through every operation
//! that both the in-process end-to-end test and the conformance run through Prism use. The
//! walk stops at the first surprise with a [`WalkError`] naming the step and the answer.

use std::time::Duration;

use cloudflare_cni_client::{types, Client, CniError};
use cloudflare_cni_validate::Validate;

pub fn cni_body(account: &str, interconnect: &str, conduit: &str) -> types::CniCreateRequest {
    let bgp = types::BgpControl::builder()
        .customer_asn(4_200_000_001u32)
        .extra_prefixes(["192.0.2.0/24"])
        .md5_key("k`<ey>")
        .build()
        .expect("every field of a BGP control is set");
    types::CniCreateRequest::builder()
        .account(account)
        .interconnect(interconnect)
        .magic(
            types::MagicSettings::builder()
                .conduit_name(conduit)
                .description("test")
                .mtu(1476),
        )
        .bgp(bgp)
        .build()
        .expect("every required field is set")
}

/// Creates a direct interconnect on `slot`.
pub async fn direct(
    client: &Client,
    account: &str,
    slot: uuid::Uuid,
) -> Result<types::InterconnectDirect, CniError> {
    let body = types::InterconnectCreateRequest::direct()
        .account(account)
        .slot_id(slot);
    match client
        .create_interconnect()
        .account_id(account)
        .body(body)
        .send()
        .await?
        .into_inner()
    {
        types::Interconnect::Direct(p) => Ok(p),
        other => panic!("a direct interconnect, not {other:?}"),
    }
}

/// The HTTP status a call failed with (0 when none was answered), for `assert_eq!`.
pub fn status(error: &CniError) -> u16 {
    error.status().map(|s| s.as_u16()).unwrap_or(0)
}

/// Where the walk stopped: the step, and what the API answered or what was off.
#[derive(Debug, thiserror::Error)]
#[error("walk: {step}: {detail}")]
pub struct WalkError {
    pub step: &'static str,
    pub detail: String,
}

type Walk<T> = Result<T, WalkError>;

/// The answer of a call that had to succeed, or the error naming the step and the answer.
fn answered<T>(step: &'static str, result: Result<T, CniError>) -> Walk<T> {
    result.map_err(|e| WalkError {
        step,
        detail: format!("the API answered {e}"),
    })
}

/// The error of a call that had to fail with `expected`, or the error naming what came.
fn refused<T: std::fmt::Debug>(
    step: &'static str,
    expected: u16,
    result: Result<T, CniError>,
) -> Walk<()> {
    match result {
        Err(e) if status(&e) == expected => Ok(()),
        Err(e) => Err(WalkError {
            step,
            detail: format!("expected a {expected}, the API answered {e}"),
        }),
        Ok(value) => Err(WalkError {
            step,
            detail: format!("expected a {expected}, the API accepted it: {value:?}"),
        }),
    }
}

/// Fails the step unless `holds`, saying what was seen.
fn check(step: &'static str, holds: bool, seen: impl FnOnce() -> String) -> Walk<()> {
    if holds {
        Ok(())
    } else {
        Err(WalkError {
            step,
            detail: seen(),
        })
    }
}

/// Every operation of an emulated API, with its rules, as account `a` (and `b` for isolation);
/// `status_delay` is at least the emulator's Pending period. Stops at the first surprise, with
/// an error naming the step and the answer.
pub async fn walk_every_operation(
    client: &Client,
    a: &str,
    b: &str,
    status_delay: Duration,
) -> Result<(), WalkError> {
    let slot = find_free_slot(client, a).await?;
    let icon = claim_slot(client, a, b, slot, status_delay).await?;
    check_loa(client, a, &icon).await?;
    let cnis = cni_lifecycle(client, a, &icon).await?;
    delete_in_order(client, a, &icon, &cnis).await?;
    partner_interconnect(client, a).await?;
    settings_per_account(client, a, b).await
}

/// Slots: a free 10G port in Dallas.
async fn find_free_slot(client: &Client, a: &str) -> Walk<uuid::Uuid> {
    const STEP: &str = "list free 10G slots in DFW";
    let free: Vec<types::Slot> = answered(
        STEP,
        client
            .list_slots()
            .account_id(a)
            .site("DFW")
            .speed("10G")
            .occupied(false)
            .stream()
            .try_collect()
            .await,
    )?;
    check(
        STEP,
        free.len() >= 2 && free.iter().all(|s| s.site == "DFW" && !s.occupied),
        || format!("at least two free DFW slots, got {free:?}"),
    )?;
    Ok(free[0].id)
}

/// Interconnects: claim the slot (once), see it from both accounts, watch its status.
async fn claim_slot(
    client: &Client,
    a: &str,
    b: &str,
    slot: uuid::Uuid,
    status_delay: Duration,
) -> Walk<types::InterconnectDirect> {
    const CREATE: &str = "create a direct interconnect";
    let icon = answered(CREATE, direct(client, a, slot).await)?;
    check(
        CREATE,
        (icon.slot_id, icon.site.as_str()) == (slot, "DFW"),
        || format!("on slot {slot} in DFW, got {icon:?}"),
    )?;
    const CLAIMED: &str = "get the claimed slot";
    let claimed = answered(
        CLAIMED,
        client.get_slot().account_id(a).slot(slot).send().await,
    )?
    .into_inner();
    check(
        CLAIMED,
        claimed.occupied && claimed.account.as_deref() == Some(a),
        || format!("occupied by {a}, got {claimed:?}"),
    )?;
    const OTHER: &str = "get the claimed slot as another account";
    let seen_by_b = answered(
        OTHER,
        client.get_slot().account_id(b).slot(slot).send().await,
    )?
    .into_inner();
    check(
        OTHER,
        seen_by_b.occupied && seen_by_b.account.is_none(),
        || format!("the port taken, not by whom, got {seen_by_b:?}"),
    )?;
    refused(
        "claim the slot a second time",
        400,
        direct(client, a, slot).await,
    )?;

    const GET: &str = "get the interconnect";
    let got = answered(
        GET,
        client
            .get_interconnect()
            .account_id(a)
            .icon(&icon.name)
            .send()
            .await,
    )?
    .into_inner();
    check(
        GET,
        got == types::Interconnect::Direct(icon.clone()),
        || format!("what was created, got {got:?}"),
    )?;
    const PENDING: &str = "get the new interconnect's status";
    let status_now = answered(
        PENDING,
        client
            .get_interconnect_status()
            .account_id(a)
            .icon(&icon.name)
            .send()
            .await,
    )?
    .into_inner();
    check(
        PENDING,
        matches!(status_now, types::InterconnectStatus::Pending(_)),
        || format!("Pending, got {status_now:?}"),
    )?;
    tokio::time::sleep(status_delay).await;
    const HEALTHY: &str = "get the status once the delay passed";
    let status_later = answered(
        HEALTHY,
        client
            .get_interconnect_status()
            .account_id(a)
            .icon(&icon.name)
            .send()
            .await,
    )?
    .into_inner();
    check(
        HEALTHY,
        matches!(status_later, types::InterconnectStatus::Healthy(_)),
        || format!("Healthy, got {status_later:?}"),
    )?;
    Ok(icon)
}

/// The LOA's text, with `name` as the customer's name when given.
async fn loa_text(client: &Client, a: &str, icon: &str, name: Option<&str>) -> Walk<String> {
    const STEP: &str = "fetch the LOA";
    let dir = tempfile::tempdir().map_err(|e| WalkError {
        step: STEP,
        detail: format!("no scratch folder: {e}"),
    })?;
    let path = dir.path().join("loa.pdf");
    let request = client.get_interconnect_loa().account_id(a).icon(icon);
    let request = match name {
        Some(name) => request.name(name),
        None => request,
    };
    answered(STEP, request.save_to(&path).await)?;
    let pdf = lopdf::Document::load(&path).map_err(|e| WalkError {
        step: STEP,
        detail: format!("the LOA is not a PDF: {e}"),
    })?;
    pdf.extract_text(&[1]).map_err(|e| WalkError {
        step: STEP,
        detail: format!("the LOA's first page has no text: {e}"),
    })
}

/// The LOA is a real PDF naming the interconnect, its facility, its slot and the customer:
/// the name given, or the default name `/loa/default` announces.
async fn check_loa(client: &Client, a: &str, icon: &types::InterconnectDirect) -> Walk<()> {
    let slot = icon.slot_id;
    let default_name = answered(
        "get the LOA's default name",
        client
            .get_interconnect_loa_default_name()
            .account_id(a)
            .icon(&icon.name)
            .send()
            .await,
    )?
    .into_inner()
    .name;
    let text = loa_text(client, a, &icon.name, None).await?;
    for needle in [
        icon.name.as_str(),
        icon.facility.name.as_str(),
        &slot.to_string(),
        &format!("Customer: {default_name}"),
    ] {
        check("read the LOA", text.contains(needle), || {
            format!("the LOA names {needle}: {text}")
        })?;
    }
    let named = loa_text(client, a, &icon.name, Some("Acme Networks")).await?;
    check(
        "read the LOA with a name",
        named.contains("Customer: Acme Networks"),
        || named.clone(),
    )?;
    // The physical interconnect carries its port's router and a virtual port reservation.
    const PORT: &str = "get the interconnect's slot";
    let port = answered(
        PORT,
        client.get_slot().account_id(a).slot(slot).send().await,
    )?
    .into_inner();
    check(
        PORT,
        port.ccr_device_name.is_some() && icon.ccr_device_name == port.ccr_device_name,
        || {
            format!(
                "the catalogue names the router, as the interconnect does: {:?} and {:?}",
                port.ccr_device_name, icon.ccr_device_name
            )
        },
    )?;
    check(
        "read the interconnect",
        !icon.virtual_port_reservation_id.is_nil(),
        || "a virtual port reservation".to_string(),
    )
}

/// CNIs: create (409 on a repeated conduit name), get, update, list by slot and tunnel.
/// Returns the two CNIs created.
async fn cni_lifecycle(
    client: &Client,
    a: &str,
    icon: &types::InterconnectDirect,
) -> Walk<[types::Cni; 2]> {
    let slot = icon.slot_id;
    const CREATE: &str = "create a CNI";
    // CNIs: addresses come from a /31 pool and satisfy the same-prefix rule.
    let cni = answered(
        CREATE,
        client
            .create_cni()
            .account_id(a)
            .body(cni_body(a, &icon.name, "dfw-1"))
            .send()
            .await,
    )?
    .into_inner();
    check(
        CREATE,
        cni.p2p_ip.ends_with("/31") && cni.cust_ip.ends_with("/31"),
        || format!("/31 links, got {} and {}", cni.p2p_ip, cni.cust_ip),
    )?;
    cni.validate().map_err(|e| WalkError {
        step: CREATE,
        detail: format!("the assigned addresses break the spec's rules: {e}"),
    })?;
    refused(
        "create a CNI with a conduit name in use",
        409,
        client
            .create_cni()
            .account_id(a)
            .body(cni_body(a, &icon.name, "dfw-1"))
            .send()
            .await,
    )?;
    const SECOND: &str = "create a second CNI";
    let other = answered(
        SECOND,
        client
            .create_cni()
            .account_id(a)
            .body(cni_body(a, &icon.name, "dfw-2"))
            .send()
            .await,
    )?
    .into_inner();
    check(SECOND, other.p2p_ip != cni.p2p_ip, || {
        format!("another link than {}, got the same", cni.p2p_ip)
    })?;

    const GET: &str = "get the CNI";
    let mut changed =
        answered(GET, client.get_cni().account_id(a).cni(cni.id).send().await)?.into_inner();
    // A new CNI reports no BGP mode; one set by a PUT is stored and returned.
    check(GET, changed.bgp_mode.is_none(), || {
        format!("no BGP mode yet, got {:?}", changed.bgp_mode)
    })?;
    changed.magic.description = "primary link".into();
    changed.bgp_mode = Some(types::BgpMode::AdvertiseOnly);
    const UPDATE: &str = "update the CNI";
    let updated = answered(
        UPDATE,
        client
            .update_cni()
            .account_id(a)
            .cni(cni.id)
            .body(changed.clone())
            .send()
            .await,
    )?
    .into_inner();
    check(UPDATE, updated == changed, || {
        format!("the update as sent, got {updated:?}")
    })?;
    const REREAD: &str = "get the updated CNI";
    let reread = answered(
        REREAD,
        client.get_cni().account_id(a).cni(cni.id).send().await,
    )?
    .into_inner();
    check(REREAD, reread == changed, || {
        format!("the update as sent, got {reread:?}")
    })?;

    const BY_SLOT: &str = "list the CNIs on the slot";
    let on_slot: Vec<types::Cni> = answered(
        BY_SLOT,
        client
            .list_cnis()
            .account_id(a)
            .slot(slot.to_string())
            .stream()
            .try_collect()
            .await,
    )?;
    check(BY_SLOT, on_slot.len() == 2, || {
        format!("two CNIs, got {on_slot:?}")
    })?;
    const BY_TUNNEL: &str = "list the CNIs of a tunnel";
    let by_tunnel = answered(
        BY_TUNNEL,
        client
            .list_cnis()
            .account_id(a)
            .tunnel_id(cni.id.to_string())
            .send()
            .await,
    )?
    .into_inner();
    check(BY_TUNNEL, by_tunnel.items == vec![changed.clone()], || {
        format!("the one CNI, got {:?}", by_tunnel.items)
    })?;
    Ok([changed, other])
}

/// An interconnect that hosts CNIs cannot be deleted; once empty it can, and frees its slot.
async fn delete_in_order(
    client: &Client,
    a: &str,
    icon: &types::InterconnectDirect,
    [cni, other]: &[types::Cni; 2],
) -> Walk<()> {
    let slot = icon.slot_id;
    refused(
        "delete an interconnect that hosts CNIs",
        400,
        client
            .delete_interconnect()
            .account_id(a)
            .icon(&icon.name)
            .send()
            .await,
    )?;
    for id in [cni.id, other.id] {
        answered(
            "delete a CNI",
            client.delete_cni().account_id(a).cni(id).send().await,
        )?;
    }
    refused(
        "get a deleted CNI",
        404,
        client.get_cni().account_id(a).cni(cni.id).send().await,
    )?;
    answered(
        "delete the empty interconnect",
        client
            .delete_interconnect()
            .account_id(a)
            .icon(&icon.name)
            .send()
            .await,
    )?;
    const FREED: &str = "get the freed slot";
    let freed = answered(
        FREED,
        client.get_slot().account_id(a).slot(slot).send().await,
    )?
    .into_inner();
    check(FREED, !freed.occupied, || format!("free, got {freed:?}"))
}

/// GCP partner interconnects: no slot, no LOA.
async fn partner_interconnect(client: &Client, a: &str) -> Walk<()> {
    const CREATE: &str = "create a GCP partner interconnect";
    let gcp = types::InterconnectCreateRequest::gcp_partner()
        .account(a)
        .pairing_key("7e51371e-72a3-40b5-b844-0f3ee0d8b9a5/europe-west3/1")
        .bandwidth(types::ApiBandwidth::Gbps1)
        .build()
        .map_err(|e| WalkError {
            step: CREATE,
            detail: format!("the body does not build: {e}"),
        })?;
    let created = answered(
        CREATE,
        client
            .create_interconnect()
            .account_id(a)
            .body(gcp)
            .send()
            .await,
    )?
    .into_inner();
    let types::Interconnect::GcpPartner(partner) = created else {
        return Err(WalkError {
            step: CREATE,
            detail: format!("a partner interconnect, got {created:?}"),
        });
    };
    check(CREATE, partner.region == "europe-west3", || {
        format!("region europe-west3, got {}", partner.region)
    })?;
    const LISTED: &str = "list the partner interconnects";
    let listed = answered(
        LISTED,
        client
            .list_interconnects()
            .account_id(a)
            .type_("gcp_partner")
            .send()
            .await,
    )?
    .into_inner();
    check(LISTED, listed.items.len() == 1, || {
        format!("one, got {:?}", listed.items)
    })?;
    refused(
        "fetch a partner interconnect's LOA",
        400,
        client
            .get_interconnect_loa()
            .account_id(a)
            .icon(&partner.name)
            .send()
            .await
            .map(|_| "a PDF"),
    )
}

/// Settings, per account.
async fn settings_per_account(client: &Client, a: &str, b: &str) -> Walk<()> {
    const DEFAULT: &str = "get an account's settings";
    let first = answered(DEFAULT, client.get_settings().account_id(a).send().await)?;
    check(DEFAULT, first.default_asn == 65000, || {
        format!("default_asn 65000, got {}", first.default_asn)
    })?;
    const SET: &str = "set the default ASN";
    let set = answered(
        SET,
        client
            .update_settings()
            .account_id(a)
            .body(types::SettingsUpdateRequest::builder().default_asn(4_200_000_000u32))
            .send()
            .await,
    )?;
    check(SET, set.default_asn == 4_200_000_000, || {
        format!("4200000000, got {}", set.default_asn)
    })?;
    const EMPTY: &str = "send an empty settings update";
    let kept = answered(
        EMPTY,
        client
            .update_settings()
            .account_id(a)
            .body(types::SettingsUpdateRequest::builder().set_default_asn(None))
            .send()
            .await,
    )?;
    check(EMPTY, kept.default_asn == 4_200_000_000, || {
        format!("an empty update changes nothing, got {}", kept.default_asn)
    })?;
    const OTHER: &str = "get another account's settings";
    let other = answered(OTHER, client.get_settings().account_id(b).send().await)?;
    check(OTHER, other.default_asn == 65000, || {
        format!("its own default 65000, got {}", other.default_asn)
    })
}
