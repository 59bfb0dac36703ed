//! One path parameter in two places of its template (the dialect fixture's
//! `get_owned_widget`, as Cloudflare writes `/accounts/{account_id}/addressing/address_maps/
//! {address_map_id}/accounts/{account_id}`): the generated client fills both from its one
//! setter, the generated server hands the trait the value once, and a request whose two
//! places differ is a 400 naming the parameter. Over real HTTP, on a port the OS gives.

use std::sync::{Arc, Mutex};

use cloudflare_cni_codegen_snapshots::dialect::{client, server, types};
use cloudflare_cni_server_runtime::{ApiError, RequestContext};

mod support;

#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<(String, String)>>>);

impl server::CniApi for Seen {
    const IMPLEMENTED: &'static [server::Operation] = &[server::Operation::GET_OWNED_WIDGET];

    async fn get_owned_widget(
        &self,
        _: RequestContext,
        owner: String,
        widget: String,
        _: server::GetOwnedWidgetQuery,
    ) -> Result<types::Widget, ApiError> {
        self.0.lock().unwrap().push((owner, widget.clone()));
        Ok(types::Widget::builder().name(widget).try_into().unwrap())
    }
}

#[tokio::test]
async fn one_parameter_fills_both_places_and_two_values_are_refused() {
    let seen = Seen::default();
    let (base, _stop) = support::serve(server::router(seen.clone())).await;
    let client = client::Client::builder()
        .base_url(&base)
        .api_token("t")
        .build()
        .unwrap();
    let widget = client
        .get_owned_widget()
        .owner("o 1")
        .widget("w1")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(widget.name, "w1");
    assert_eq!(
        *seen.0.lock().unwrap(),
        [("o 1".to_string(), "w1".to_string())]
    );
    let (status, body) =
        support::raw_request(&base, "GET", "/owners/a/widgets/w/owners/b", &[], b"").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["source"]["pointer"], "owner", "{body}");
    assert_eq!(seen.0.lock().unwrap().len(), 1);
}
