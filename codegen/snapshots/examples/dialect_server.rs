//! The dialect fixture's generated server, served by a test implementation of every
//! operation: what `cargo xtask conformance` fuzzes with schemathesis, so that each shape of
//! Cloudflare's dialect (list and comma-separated queries, header parameters, JSON arrays,
//! bytes, multipart forms, text answers, several success statuses, a parameter in two places
//! of its path) is checked on the wire against the fixture, in both directions.
//!
//! `cargo run -p cloudflare-cni-codegen-snapshots --example dialect_server [-- --listen ADDR
//! --api-token TOKEN]`
//! prints `dialect-server listening on http://ADDR` first, then serves until stopped.

use cloudflare_cni_codegen_snapshots::dialect::{server, types};
use cloudflare_cni_server_runtime::{ApiError, Binary, Bytes, Multipart, RequestContext};

/// Answers every operation of the fixture with a widget or a list of them named after what
/// it was sent: no state, so any valid request succeeds and any invalid one is the router's
/// (or a rule's) to refuse.
struct Widgets;

fn widget(name: &str) -> Result<types::Widget, ApiError> {
    types::Widget::builder()
        .name(name)
        .try_into()
        .map_err(|e| ApiError::internal(format!("cannot make a widget: {e}")))
}

fn list(names: &[&str]) -> Result<types::WidgetList, ApiError> {
    let items = names
        .iter()
        .map(|name| widget(name))
        .collect::<Result<Vec<_>, _>>()?;
    types::WidgetList::builder()
        .items(items)
        .try_into()
        .map_err(|e| ApiError::internal(format!("cannot make a list: {e}")))
}

impl server::CniApi for Widgets {
    const IMPLEMENTED: &'static [server::Operation] = server::Operation::ALL;

    async fn list_widgets(
        &self,
        _: RequestContext,
        _: server::ListWidgetsQuery,
    ) -> Result<types::WidgetList, ApiError> {
        list(&["w1", "w2"])
    }

    async fn search_widgets(
        &self,
        _: RequestContext,
        query: server::SearchWidgetsQuery,
    ) -> Result<types::WidgetList, ApiError> {
        let names: Vec<&str> = query.name.iter().map(String::as_str).collect();
        list(&names)
    }

    async fn replace_widget_labels(
        &self,
        _: RequestContext,
        _: server::ReplaceWidgetLabelsQuery,
        body: types::WidgetLabels,
    ) -> Result<types::WidgetList, ApiError> {
        let names: Vec<String> = body.iter().map(|l| l.label.to_string()).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        list(&names)
    }

    async fn export_widgets(
        &self,
        _: RequestContext,
        _: server::ExportWidgetsQuery,
    ) -> Result<Binary, ApiError> {
        Ok(Binary::new("text/csv", "name\nw1\nw2\n"))
    }

    async fn list_widgets_in_state(
        &self,
        _: RequestContext,
        state: String,
        _: server::ListWidgetsInStateQuery,
    ) -> Result<types::WidgetList, ApiError> {
        list(&[&state])
    }

    async fn upload_widget_script(
        &self,
        _: RequestContext,
        widget_name: String,
        _: server::UploadWidgetScriptQuery,
        _: Bytes,
    ) -> Result<types::Widget, ApiError> {
        widget(&widget_name)
    }

    async fn upload_widget_image(
        &self,
        _: RequestContext,
        widget_name: String,
        _: server::UploadWidgetImageQuery,
        _: Bytes,
    ) -> Result<types::Widget, ApiError> {
        widget(&widget_name)
    }

    async fn upload_widget_media(
        &self,
        _: RequestContext,
        widget_name: String,
        _: server::UploadWidgetMediaQuery,
        body: Multipart,
    ) -> Result<types::Widget, ApiError> {
        let name = body.text("name")?.unwrap_or(&widget_name).to_string();
        widget(&name)
    }

    async fn get_owned_widget(
        &self,
        _: RequestContext,
        _: String,
        widget_name: String,
        _: server::GetOwnedWidgetQuery,
    ) -> Result<types::Widget, ApiError> {
        widget(&widget_name)
    }

    async fn scan_widget(
        &self,
        request: RequestContext,
        widget_name: String,
        _: server::ScanWidgetQuery,
    ) -> Result<types::Widget, ApiError> {
        if widget_name.len() % 2 == 1 {
            request.set_answer_status(server::StatusCode::ACCEPTED);
        }
        widget(&widget_name)
    }

    async fn start_widget_upload(
        &self,
        _: RequestContext,
        widget_name: String,
        _: server::StartWidgetUploadQuery,
    ) -> Result<types::Widget, ApiError> {
        widget(&widget_name)
    }

    async fn get_widget(
        &self,
        _: RequestContext,
        widget_name: String,
        _: server::GetWidgetQuery,
    ) -> Result<types::Widget, ApiError> {
        widget(&widget_name)
    }

    async fn update_widget(
        &self,
        _: RequestContext,
        widget_name: String,
        _: server::UpdateWidgetQuery,
        _: types::WidgetPatch,
    ) -> Result<types::Widget, ApiError> {
        widget(&widget_name)
    }
}

/// The value of `--flag` among the arguments.
fn flag(name: &str) -> Option<String> {
    std::env::args().skip_while(|a| a != name).nth(1)
}

/// The implementation's own check of the credentials (the generated server hands them to it):
/// a bearer token other than the one it was started with is a 401 in the envelope.
async fn check_token(
    token: std::sync::Arc<String>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let given = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if given == Some(token.as_str()) {
        return next.run(request).await;
    }
    axum::response::IntoResponse::into_response(ApiError::unauthorized(
        "the API token is not this server's",
    ))
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let listen = flag("--listen").unwrap_or_else(|| "127.0.0.1:0".to_string());
    let token = std::sync::Arc::new(flag("--api-token").unwrap_or_else(|| "dialect-token".into()));
    let listener = match tokio::net::TcpListener::bind(&listen).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("dialect-server: cannot listen on {listen}: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        Ok(address) => println!("dialect-server listening on http://{address}"),
        Err(e) => {
            eprintln!("dialect-server: no address: {e}");
            return std::process::ExitCode::FAILURE;
        }
    }
    let served = cloudflare_cni_server_runtime::serve(
        listener,
        server::router(Widgets).layer(axum::middleware::from_fn(move |request, next| {
            check_token(token.clone(), request, next)
        })),
        cloudflare_cni_server_runtime::ServeConfig::default(),
        std::future::pending::<()>(),
    )
    .await;
    match served {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dialect-server: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
