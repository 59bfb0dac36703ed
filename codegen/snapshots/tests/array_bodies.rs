//! A request body that is a JSON array (the dialect fixture's `replace_widget_labels`, as
//! Cloudflare's seat and list-item bodies are): the generated client sends the array, the
//! generated server reads it into the trait typed, and an array that breaks a rule, or a body
//! of another kind, is a 400 in the envelope that says where. Over real HTTP, on a port the OS
//! gives.

mod support;

use std::sync::{Arc, Mutex};

use cloudflare_cni_codegen_snapshots::dialect::{client, server, types};
use cloudflare_cni_server_runtime::{ApiError, RequestContext};

/// What the server's method received.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<types::WidgetLabels>>>);

impl server::CniApi for Seen {
    const IMPLEMENTED: &'static [server::Operation] = &[server::Operation::REPLACE_WIDGET_LABELS];

    async fn replace_widget_labels(
        &self,
        _: RequestContext,
        _: server::ReplaceWidgetLabelsQuery,
        body: types::WidgetLabels,
    ) -> Result<types::WidgetList, ApiError> {
        self.0.lock().unwrap().push(body);
        Ok(types::WidgetList::builder()
            .items(Vec::<types::Widget>::new())
            .try_into()
            .unwrap())
    }
}

async fn start(seen: Seen) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(cloudflare_cni_server_runtime::serve(
        listener,
        server::router(seen),
        cloudflare_cni_server_runtime::ServeConfig::default(),
        async move {
            let _ = stopped.await;
        },
    ));
    (format!("http://{address}"), stop)
}

fn label(text: &str, weight: Option<i64>) -> types::WidgetLabel {
    let mut builder = types::WidgetLabel::builder().label(text);
    if let Some(weight) = weight {
        builder = builder.weight(weight);
    }
    builder.try_into().unwrap()
}

#[tokio::test]
async fn an_array_body_goes_from_client_to_the_trait_typed() {
    let seen = Seen::default();
    let (base, _stop) = start(seen.clone()).await;
    let client = client::Client::builder()
        .base_url(&base)
        .api_token("t")
        .build()
        .unwrap();
    let labels = types::WidgetLabels::from(vec![label("red", Some(2)), label("blue", None)]);
    client
        .replace_widget_labels()
        .body(labels.clone())
        .send()
        .await
        .unwrap();
    // An empty array is a body too.
    client
        .replace_widget_labels()
        .body(types::WidgetLabels::from(Vec::new()))
        .send()
        .await
        .unwrap();
    let received = seen.0.lock().unwrap().clone();
    assert_eq!(received, [labels, types::WidgetLabels::from(Vec::new())]);
}

#[tokio::test]
async fn a_wrong_array_or_another_kind_of_body_is_a_400_saying_where() {
    let seen = Seen::default();
    let (base, _stop) = start(seen.clone()).await;
    for (body, says, pointer) in [
        // maxLength 8 on the second item's label.
        (
            r#"[{"label": "a"}, {"label": "much too long"}]"#,
            "",
            "/1/label",
        ),
        (r#"[{"label": "a", "label": "b"}]"#, "twice", ""),
        (r#"{"label": "a"}"#, "", ""),
        (r#"[{"weight": 1}]"#, "label", ""),
        ("[1, 2]", "", ""),
    ] {
        let (status, envelope) = put_json(&base, "/widgets/labels", body).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(envelope["success"], false, "{body}: {envelope}");
        let error = &envelope["errors"][0];
        let message = error["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{body}: says `{says}`: {envelope}");
        if !pointer.is_empty() {
            assert_eq!(error["source"]["pointer"], pointer, "{body}: {envelope}");
        }
    }
    assert!(seen.0.lock().unwrap().is_empty(), "the method never ran");
}

/// A PUT of a JSON body as bytes on a socket (HTTP/1.1, one request): its status and JSON body.
async fn put_json(base: &str, target: &str, body: &str) -> (u16, serde_json::Value) {
    let json = [("Content-Type", "application/json")];
    support::raw_request(base, "PUT", target, &json, body.as_bytes()).await
}
