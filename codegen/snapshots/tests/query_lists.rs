//! Query parameters that are lists, on the wire (the dialect fixture's `search_widgets`, as
//! Cloudflare's other products write them: `type: array` of strings, of enum values, of
//! integers): the generated client sends each value as the key repeated, the generated server
//! reads them back into its query struct, and a value of the wrong type is a 400 in the
//! envelope that names the parameter. Over real HTTP, on a port the OS gives.

mod support;

use std::sync::{Arc, Mutex};

use axum::extract::Request;
use axum::middleware::Next;
use cloudflare_cni_codegen_snapshots::dialect::{client, server, types};
use cloudflare_cni_server_runtime::{ApiError, RequestContext};

/// What the server saw: the raw query of each request, and the parsed struct.
#[derive(Clone, Default)]
struct Seen {
    raw: Arc<Mutex<Vec<String>>>,
    parsed: Arc<Mutex<Vec<server::SearchWidgetsQuery>>>,
}

impl server::CniApi for Seen {
    const IMPLEMENTED: &'static [server::Operation] = &[server::Operation::SEARCH_WIDGETS];

    async fn search_widgets(
        &self,
        _: RequestContext,
        query: server::SearchWidgetsQuery,
    ) -> Result<types::WidgetList, ApiError> {
        self.parsed.lock().unwrap().push(query);
        Ok(empty_list())
    }
}

fn empty_list() -> types::WidgetList {
    types::WidgetList::builder()
        .items(Vec::<types::Widget>::new())
        .try_into()
        .unwrap()
}

async fn start(seen: Seen) -> (String, tokio::sync::oneshot::Sender<()>) {
    let raw = seen.raw.clone();
    let router = server::router(seen).layer(axum::middleware::from_fn(
        move |request: Request, next: Next| {
            let raw = raw.clone();
            async move {
                raw.lock()
                    .unwrap()
                    .push(request.uri().query().unwrap_or_default().to_string());
                next.run(request).await
            }
        },
    ));
    support::serve(router).await
}

#[tokio::test]
async fn a_list_is_its_key_repeated_from_client_to_server() {
    let seen = Seen::default();
    let (base, _stop) = start(seen.clone()).await;
    let client = client::Client::builder()
        .base_url(&base)
        .api_token("t")
        .build()
        .unwrap();
    client
        .search_widgets()
        .name(vec!["a b".to_string(), "c&d".to_string()])
        .state(vec![
            types::SearchWidgetsStateItem::Healthy,
            types::SearchWidgetsStateItem::UnderMaintenance,
        ])
        .size(vec![1, 20])
        .send()
        .await
        .unwrap();
    // The server's own record that it was this process that answered, and what it read.
    let raw = seen.raw.lock().unwrap().clone();
    assert_eq!(
        raw,
        ["name=a+b&name=c%26d&size=1&size=20&state=Healthy&state=Under+maintenance"]
    );
    let parsed = seen.parsed.lock().unwrap().clone();
    assert_eq!(parsed.len(), 1);
    assert_eq!(parsed[0].name, ["a b", "c&d"]);
    assert_eq!(parsed[0].size, [1, 20]);
    assert_eq!(parsed[0].state, ["Healthy", "Under maintenance"]);

    // Optional lists left out are empty; a required one must be there.
    client
        .search_widgets()
        .name(vec!["only".to_string()])
        .send()
        .await
        .unwrap();
    let parsed = seen.parsed.lock().unwrap().clone();
    assert_eq!(parsed[1].name, ["only"]);
    assert!(parsed[1].size.is_empty() && parsed[1].state.is_empty());
}

/// A list the spec sends comma-separated (`style: form`, `explode: false`: Zaraz's `ids`)
/// is one value from client to server, split back into the list; an item of the wrong type
/// is a 400 naming the parameter.
#[tokio::test]
async fn a_comma_separated_list_is_one_value_from_client_to_server() {
    let seen = Seen::default();
    let (base, _stop) = start(seen.clone()).await;
    let client = client::Client::builder()
        .base_url(&base)
        .api_token("t")
        .build()
        .unwrap();
    client
        .search_widgets()
        .name(vec!["a".to_string()])
        .ids(vec![12345, 23456])
        .send()
        .await
        .unwrap();
    assert_eq!(*seen.raw.lock().unwrap(), ["ids=12345%2C23456&name=a"]);
    assert_eq!(seen.parsed.lock().unwrap()[0].ids, [12345, 23456]);
    let (status, body) = get(&base, "/widgets/search?name=a&ids=1,two").await;
    assert_eq!(status, 400, "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("ids") && message.contains("two"), "{body}");
    assert_eq!(seen.parsed.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_list_value_of_the_wrong_type_is_a_400_naming_the_parameter() {
    let seen = Seen::default();
    let (base, _stop) = start(seen.clone()).await;
    for (query, names) in [("name=a&size=1&size=big", "size"), ("size=1", "name")] {
        let (status, body) = get(&base, &format!("/widgets/search?{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(names),
            "{query}: the error names `{names}`: {body}"
        );
    }
    assert!(
        seen.parsed.lock().unwrap().is_empty(),
        "the method never ran"
    );
}

/// A parameter whose schema is an `enum` holds one of its values: another is a 400 naming it
/// (the trait receives text, and never sees it).
#[tokio::test]
async fn an_enum_parameter_outside_its_values_is_a_400_naming_it() {
    let seen = Seen::default();
    let (base, _stop) = start(seen.clone()).await;
    let (status, body) = get(&base, "/widgets/search?name=a&state=Healthy&state=Up").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["source"]["pointer"], "state", "{body}");
    assert!(seen.parsed.lock().unwrap().is_empty());
    let (status, body) = get(&base, "/widgets/search?name=a&state=Under%20maintenance").await;
    assert_eq!(status, 200, "{body}");
}

/// A GET as bytes on a socket (HTTP/1.1, one request): its status and JSON body.
async fn get(base: &str, target: &str) -> (u16, serde_json::Value) {
    support::raw_request(base, "GET", target, &[], b"").await
}

/// The httpmock helper of a list parameter requires each of its values.
#[tokio::test]
async fn the_mock_helper_of_a_list_requires_each_value() {
    use client::mock::MockServerExt;
    let mock_server = client::mock::MockServer::start_async().await;
    let mock = mock_server.search_widgets(|when, then| {
        when.name(&["x".to_string(), "y".to_string()])
            .size(&vec![3])
            .ids(&vec![1, 2]);
        then.ok(&empty_list());
    });
    let client = client::Client::builder()
        .base_url(mock_server.base_url())
        .api_token("t")
        .build()
        .unwrap();
    let sent = |names: Vec<&str>| {
        client
            .search_widgets()
            .name(names.into_iter().map(String::from).collect::<Vec<_>>())
            .size(vec![3])
            .ids(vec![1, 2])
            .send()
    };
    sent(vec!["x", "y"]).await.unwrap();
    assert!(sent(vec!["x"]).await.is_err(), "y missing: no match");
    mock.assert_calls(1);
}
