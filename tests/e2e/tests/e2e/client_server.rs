//! The generated client against the generated server over real HTTP on 127.0.0.1: the shared
//! types go through unchanged, in every resource group.

use crate::fixtures::*;
use cloudflare_cni_client::{types, Client, CniError};
use futures::TryStreamExt;

async fn serve(api: Fixed) -> Client {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = axum::Router::new().nest("/client/v4", cloudflare_cni_server::router(api));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Client::builder()
        .base_url(format!("http://{address}/client/v4"))
        .api_token("t")
        .build()
        .unwrap()
}

#[tokio::test]
async fn one_operation_per_group_round_trips_the_shared_types() {
    let api = Fixed::default();
    let client = serve(api.clone()).await;

    // CNIs: the body the client sends is the value the server receives and returns.
    let bgp = types::BgpControl::builder()
        .customer_asn(4_200_000_000u32)
        .extra_prefixes(vec!["10.0.0.0/8".to_string()])
        .md5_key("<k>`")
        .build()
        .unwrap();
    let body = types::CniCreateRequest::builder()
        .account(ACCOUNT)
        .interconnect("icon-dfw-1")
        .magic(
            types::MagicSettings::builder()
                .conduit_name("dfw")
                .description("primary")
                .mtu(9000),
        )
        .bgp(bgp)
        .build()
        .unwrap();
    let created = client
        .create_cni()
        .account_id(ACCOUNT)
        .body(body.clone())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.magic, body.magic);
    assert_eq!(created.bgp, body.bgp);
    assert!(api.last().contains(&serde_json::to_string(&body).unwrap()));
    let page = client
        .list_cnis()
        .account_id(ACCOUNT)
        .cursor(41)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.items, vec![cni()]);
    assert_eq!(page.next, Some(42));

    // Interconnects: a tagged union and a PDF stream.
    let icon = client
        .get_interconnect()
        .account_id(ACCOUNT)
        .icon("icon-dfw-1")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(icon, physical());
    let loa = client
        .get_interconnect_loa()
        .account_id(ACCOUNT)
        .icon("icon-dfw-1")
        .send()
        .await
        .unwrap();
    assert_eq!(loa.headers()["content-type"], "application/pdf");
    let bytes: Vec<u8> = loa
        .into_inner()
        .into_inner()
        .map_ok(|b| b.to_vec())
        .try_concat()
        .await
        .unwrap();
    assert_eq!(bytes, PDF);
    let status = client
        .get_interconnect_status()
        .account_id(ACCOUNT)
        .icon("icon-dfw-1")
        .send()
        .await
        .unwrap();
    assert!(matches!(
        status.into_inner(),
        types::InterconnectStatus::Healthy(_)
    ));

    // Settings.
    let settings = client
        .update_settings()
        .account_id(ACCOUNT)
        .body(types::SettingsUpdateRequest::builder().default_asn(4_294_967_294u32))
        .send()
        .await
        .unwrap();
    assert_eq!(settings.default_asn, 4_294_967_294);

    // Slots.
    let slots = client
        .list_slots()
        .account_id(ACCOUNT)
        .occupied(false)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(slots.items, vec![slot()]);
    let one = client
        .get_slot()
        .account_id(ACCOUNT)
        .slot(slots.items[0].id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(one, slot());
}

#[tokio::test]
async fn the_servers_errors_decode_in_the_client() {
    let client = serve(Fixed::default()).await;
    // 404 from the implementation.
    match client
        .get_cni()
        .account_id(ACCOUNT)
        .cni(uuid::Uuid::nil())
        .send()
        .await
    {
        Err(CniError::Api { status, errors, .. }) => {
            assert_eq!(status, 404);
            assert_eq!(errors[0].message, "CNI not found");
        }
        other => panic!("{other:?}"),
    }
    // The server's own validation, reached with the client's turned off.
    let mut bad = cni();
    bad.cust_ip = "10.0.0.1/31".into();
    // One envelope model: the messages the server answers are, as values of the same type,
    // the messages the client reports.
    let violations = cloudflare_cni_validate::Validate::validate(&bad).unwrap_err();
    let answered: Vec<types::ResponseMessage> =
        cloudflare_cni_server::ApiError::validation(&violations)
            .errors()
            .to_vec();
    let lenient = client.clone().with_request_validation(false);
    match lenient
        .update_cni()
        .account_id(ACCOUNT)
        .cni(bad.id)
        .body(bad)
        .send()
        .await
    {
        Err(CniError::Api { status, errors, .. }) => {
            assert_eq!(status, 400);
            assert_eq!(errors[0].pointer(), Some("/cust_ip"));
            assert_eq!(errors, answered);
        }
        other => panic!("{other:?}"),
    }
    // 401 without credentials.
    let anonymous = Client::builder()
        .without_credentials()
        .base_url(client.base_url())
        .build()
        .unwrap();
    match anonymous.get_settings().account_id(ACCOUNT).send().await {
        Err(CniError::Api { status, .. }) => assert_eq!(status, 401),
        other => panic!("{other:?}"),
    }
}
