//! Multipart forms (the dialect fixture's `upload_widget_media`, as Cloudflare's Images and
//! Stream uploads take a file with its metadata): the generated client sends each part with
//! its name, file name and media type and the form's boundary; the generated server hands
//! the trait every part in order; a form that lacks a required part, or a body that is not a
//! form, is refused naming why and never reaches the trait; the body limit holds. Over real
//! HTTP, on a port the OS gives.

use std::sync::{Arc, Mutex};

use cloudflare_cni_client_runtime::Multipart;
use cloudflare_cni_codegen_snapshots::dialect::{client, server, types};
use cloudflare_cni_server_runtime::{ApiError, RequestContext, RouterConfig};

mod support;

#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<server::Multipart>>>);

impl server::CniApi for Seen {
    const IMPLEMENTED: &'static [server::Operation] = &[server::Operation::UPLOAD_WIDGET_MEDIA];

    async fn upload_widget_media(
        &self,
        _: RequestContext,
        widget: String,
        _: server::UploadWidgetMediaQuery,
        body: server::Multipart,
    ) -> Result<types::Widget, ApiError> {
        let name = body.text("name")?.unwrap_or(&widget).to_string();
        self.0.lock().unwrap().push(body);
        Ok(types::Widget::builder().name(name).try_into().unwrap())
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
async fn each_part_arrives_with_its_name_file_name_and_media_type() {
    let seen = Seen::default();
    let (base, _stop) = support::serve(server::router(seen.clone())).await;
    let png = vec![0x89, b'P', b'N', b'G', 0, 0xff];
    let form = Multipart::new()
        .file("file", "logo.png", png.clone(), "image/png")
        .text("name", "logo")
        .json("metadata", &serde_json::json!({"team": "network"}))
        .text("labels", "a")
        .text("labels", "b");
    let answer = client(&base)
        .upload_widget_media()
        .widget("w1")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.into_inner().name, "logo");
    let forms = seen.0.lock().unwrap().clone();
    let parts = &forms[0].parts;
    let names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["file", "name", "metadata", "labels", "labels"]);
    assert_eq!(parts[0].file_name.as_deref(), Some("logo.png"));
    assert_eq!(parts[0].content_type.as_deref(), Some("image/png"));
    assert_eq!(parts[0].bytes, png);
    assert_eq!(parts[1].file_name, None);
    let metadata: serde_json::Value = forms[0].json("metadata").unwrap().unwrap();
    assert_eq!(metadata, serde_json::json!({"team": "network"}));
    assert_eq!(parts[2].content_type.as_deref(), Some("application/json"));
    let labels: Vec<&[u8]> = forms[0]
        .parts_named("labels")
        .map(|p| &p.bytes[..])
        .collect();
    assert_eq!(labels, [b"a", b"b"]);
}

#[tokio::test]
async fn the_client_refuses_a_form_without_its_required_part() {
    let error = client("http://127.0.0.1:9")
        .upload_widget_media()
        .widget("w")
        .body(Multipart::new().text("name", "x"))
        .send()
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("required part `file`"),
        "{error}"
    );
    let error = client("http://127.0.0.1:9")
        .upload_widget_media()
        .widget("w")
        .body(Multipart::new().file("file", "a", vec![1], "no media type"))
        .send()
        .await
        .unwrap_err();
    assert!(error.to_string().contains("part `file`"), "{error}");
}

#[tokio::test]
async fn the_server_refuses_a_form_without_its_part_or_a_body_that_is_not_one() {
    let seen = Seen::default();
    let (base, _stop) = support::serve(server::router(seen.clone())).await;
    let target = "/widgets/w/media";
    let form = "--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nlogo\r\n--XyZ--\r\n";
    let (status, body) = support::raw_request(
        &base,
        "POST",
        target,
        &[("Content-Type", "multipart/form-data; boundary=XyZ")],
        form.as_bytes(),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["source"]["pointer"], "file", "{body}");
    let (status, body) = support::raw_request(
        &base,
        "POST",
        target,
        &[("Content-Type", "application/json")],
        b"{}",
    )
    .await;
    assert_eq!(status, 415, "{body}");
    let broken = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nno end";
    let (status, body) = support::raw_request(
        &base,
        "POST",
        target,
        &[("Content-Type", "multipart/form-data; boundary=XyZ")],
        broken.as_bytes(),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(seen.0.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_form_over_the_body_limit_is_a_413() {
    let seen = Seen::default();
    let router = server::router_with_config(seen.clone(), RouterConfig::default().body_limit(64));
    let (base, _stop) = support::serve(router).await;
    let error = client(&base)
        .upload_widget_media()
        .widget("w")
        .body(Multipart::new().file(
            "file",
            "big.bin",
            vec![7u8; 4096],
            "application/octet-stream",
        ))
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(413), "{error}");
    assert!(seen.0.lock().unwrap().is_empty());
}
