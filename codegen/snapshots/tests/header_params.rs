//! Header parameters (the dialect fixture's `start_widget_upload`, as Cloudflare's Stream
//! takes tus uploads: `Tus-Resumable` and `Upload-Length` required, `Upload-Metadata` not):
//! the generated client sends each as its header, the generated server hands them to the
//! trait typed in the operation's parameter struct, and a missing or malformed one is a 400
//! naming the header that never reaches the trait. Over real HTTP, on a port the OS gives.

use std::sync::{Arc, Mutex};

use cloudflare_cni_codegen_snapshots::dialect::{client, server, types};
use cloudflare_cni_server_runtime::{ApiError, RequestContext};

mod support;

#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<server::StartWidgetUploadQuery>>>);

impl server::CniApi for Seen {
    const IMPLEMENTED: &'static [server::Operation] = &[server::Operation::START_WIDGET_UPLOAD];

    async fn start_widget_upload(
        &self,
        _: RequestContext,
        widget: String,
        query: server::StartWidgetUploadQuery,
    ) -> Result<types::Widget, ApiError> {
        self.0.lock().unwrap().push(query);
        Ok(types::Widget::builder().name(widget).try_into().unwrap())
    }
}

fn client(base: &str) -> client::Client {
    client::Client::builder()
        .base_url(base)
        .api_token("t")
        .build()
        .unwrap()
}

#[tokio::test]
async fn header_parameters_reach_the_trait_typed() {
    let seen = Seen::default();
    let (base, _stop) = support::serve(server::router(seen.clone())).await;
    let client = client(&base);
    let answer = client
        .start_widget_upload()
        .widget("w1")
        .tus_resumable("1.0.0")
        .upload_length(1024u64)
        .upload_metadata("name d2lkZ2V0")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.into_inner().name, "w1");
    client
        .start_widget_upload()
        .widget("w2")
        .tus_resumable("1.0.0")
        .upload_length(0u64)
        .send()
        .await
        .unwrap();
    let seen = seen.0.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].tus_resumable, "1.0.0");
    assert_eq!(seen[0].upload_length, 1024);
    assert_eq!(seen[0].upload_metadata.as_deref(), Some("name d2lkZ2V0"));
    assert_eq!(seen[1].upload_length, 0);
    assert_eq!(seen[1].upload_metadata, None);
}

#[tokio::test]
async fn a_missing_or_malformed_header_parameter_is_a_400_naming_it() {
    let seen = Seen::default();
    let (base, _stop) = support::serve(server::router(seen.clone())).await;
    let target = "/widgets/w/uploads";
    let (status, body) =
        support::raw_request(&base, "POST", target, &[("Upload-Length", "10")], b"").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["errors"][0]["source"]["pointer"], "Tus-Resumable",
        "{body}"
    );
    let (status, body) = support::raw_request(
        &base,
        "POST",
        target,
        &[("Tus-Resumable", "1.0.0"), ("Upload-Length", "-3")],
        b"",
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["errors"][0]["source"]["pointer"], "Upload-Length",
        "{body}"
    );
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("invalid header `Upload-Length`")),
        "{body}"
    );
    assert!(seen.0.lock().unwrap().is_empty());
    // Sent as they should be, the same request is served.
    let (status, body) = support::raw_request(
        &base,
        "POST",
        target,
        &[("Tus-Resumable", "1.0.0"), ("Upload-Length", "3")],
        b"",
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

/// The client refuses to send a request that lacks a required header parameter, naming it.
#[tokio::test]
async fn the_client_names_a_missing_required_header() {
    let error = client("http://127.0.0.1:9")
        .start_widget_upload()
        .widget("w")
        .upload_length(1u64)
        .send()
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("tus_resumable") || error.to_string().contains("Tus-Resumable"),
        "{error}"
    );
}
