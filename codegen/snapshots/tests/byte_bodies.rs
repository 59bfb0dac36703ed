//! Request bodies sent as bytes (the dialect fixture's `upload_widget_script`, as
//! `application/javascript`, and `upload_widget_image`, an octet stream, as Cloudflare's Workers
//! scripts and uploads are): the generated client sends the bytes as they are with the
//! operation's own `Content-Type`, the generated server hands them to the trait, and the
//! router's body limit holds for them too. Over real HTTP, on a port the OS gives.

mod support;

use std::sync::{Arc, Mutex};

use axum::extract::Request;
use axum::middleware::Next;
use cloudflare_cni_codegen_snapshots::dialect::{client, server, types};
use cloudflare_cni_server_runtime::{ApiError, Bytes, RequestContext, RouterConfig};

/// What the server saw: each request's `Content-Type`, and the bytes each method received.
#[derive(Clone, Default)]
struct Seen {
    content_types: Arc<Mutex<Vec<String>>>,
    bodies: Arc<Mutex<Vec<(String, Bytes)>>>,
}

impl Seen {
    fn widget(&self, name: &str, operation: &str, body: Bytes) -> Result<types::Widget, ApiError> {
        self.bodies
            .lock()
            .unwrap()
            .push((operation.to_string(), body));
        Ok(types::Widget::builder().name(name).try_into().unwrap())
    }
}

impl server::CniApi for Seen {
    const IMPLEMENTED: &'static [server::Operation] = &[
        server::Operation::UPLOAD_WIDGET_SCRIPT,
        server::Operation::UPLOAD_WIDGET_IMAGE,
    ];

    async fn upload_widget_script(
        &self,
        _: RequestContext,
        widget: String,
        _: server::UploadWidgetScriptQuery,
        body: Bytes,
    ) -> Result<types::Widget, ApiError> {
        self.widget(&widget, "script", body)
    }

    async fn upload_widget_image(
        &self,
        _: RequestContext,
        widget: String,
        _: server::UploadWidgetImageQuery,
        body: Bytes,
    ) -> Result<types::Widget, ApiError> {
        self.widget(&widget, "image", body)
    }
}

async fn start(seen: Seen, limit: usize) -> (String, tokio::sync::oneshot::Sender<()>) {
    let content_types = seen.content_types.clone();
    let router = server::router_with_config(seen, RouterConfig::default().body_limit(limit)).layer(
        axum::middleware::from_fn(move |request: Request, next: Next| {
            let content_types = content_types.clone();
            async move {
                let content_type = request
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                content_types.lock().unwrap().push(content_type);
                next.run(request).await
            }
        }),
    );
    support::serve(router).await
}

fn client(base: &str) -> client::Client {
    client::Client::builder()
        .base_url(base)
        .api_token("t")
        .build()
        .unwrap()
}

#[tokio::test]
async fn bytes_go_as_they_are_with_the_operations_media_type() {
    let seen = Seen::default();
    let (base, _stop) = start(seen.clone(), 1024).await;
    let client = client(&base);
    let script = "addEventListener('fetch', e => e.respondWith(new Response('ok')));";
    let answer = client
        .upload_widget_script()
        .widget("w1")
        .body(script)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.into_inner().name, "w1");
    let image: Vec<u8> = vec![0x89, b'P', b'N', b'G', 0, 0xff];
    client
        .upload_widget_image()
        .widget("w2")
        .body(image.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(
        *seen.content_types.lock().unwrap(),
        ["application/javascript", "application/octet-stream"]
    );
    let bodies = seen.bodies.lock().unwrap().clone();
    assert_eq!(bodies[0], ("script".to_string(), Bytes::from(script)));
    assert_eq!(bodies[1], ("image".to_string(), Bytes::from(image)));
}

#[tokio::test]
async fn a_byte_body_over_the_limit_is_a_413_and_never_reaches_the_trait() {
    let seen = Seen::default();
    let (base, _stop) = start(seen.clone(), 16).await;
    let error = client(&base)
        .upload_widget_image()
        .widget("w")
        .body(vec![7u8; 17])
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(413), "{error}");
    assert!(seen.bodies.lock().unwrap().is_empty());
}

/// A required body of bytes that is not sent (no bytes, no `Content-Type`) is a 400; an empty
/// one of a stated media type is an empty script, and reaches the trait.
#[tokio::test]
async fn a_required_body_left_out_is_a_400() {
    let seen = Seen::default();
    let (base, _stop) = start(seen.clone(), 1024).await;
    let (status, body) = support::raw_request(&base, "PUT", "/widgets/w/script", &[], b"").await;
    assert_eq!(status, 400, "{body}");
    assert!(seen.bodies.lock().unwrap().is_empty());
    let script = [("Content-Type", "application/javascript")];
    let (status, body) =
        support::raw_request(&base, "PUT", "/widgets/w/script", &script, b"").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(seen.bodies.lock().unwrap()[0].1, Bytes::new());
}
