//! An answer that is not JSON (the dialect fixture's `export_widgets`, `text/csv`, as
//! Cloudflare's exports are), at a path beside a templated one (`/widgets/export` beside
//! `/widgets/{widget}`): the server routes each to its own operation and sends the text as its
//! media type; the client reads it as text, as bytes, or into a file. And a path parameter that
//! is a named enum (`/widgets/by-state/{state}`). Over real HTTP, on a port the OS gives.

use cloudflare_cni_codegen_snapshots::dialect::{client, server, types};
use cloudflare_cni_server_runtime::{ApiError, Binary, RequestContext};

const CSV: &str = "name,enabled\ncafé,true\n";

#[derive(Clone)]
struct Exports;

impl server::CniApi for Exports {
    const IMPLEMENTED: &'static [server::Operation] = &[
        server::Operation::EXPORT_WIDGETS,
        server::Operation::GET_WIDGET,
    ];

    async fn export_widgets(
        &self,
        _: RequestContext,
        _: server::ExportWidgetsQuery,
    ) -> Result<Binary, ApiError> {
        Ok(Binary::new("text/csv", CSV))
    }

    async fn list_widgets_in_state(
        &self,
        _: RequestContext,
        state: String,
        _: server::ListWidgetsInStateQuery,
    ) -> Result<types::WidgetList, ApiError> {
        // The state the path carried, as the one widget's name.
        let widget: types::Widget = types::Widget::builder().name(state).try_into().unwrap();
        Ok(types::WidgetList::builder()
            .items(vec![widget])
            .try_into()
            .unwrap())
    }

    async fn get_widget(
        &self,
        _: RequestContext,
        widget: String,
        _: server::GetWidgetQuery,
    ) -> Result<types::Widget, ApiError> {
        Ok(types::Widget::builder().name(widget).try_into().unwrap())
    }
}

async fn start() -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(cloudflare_cni_server_runtime::serve(
        listener,
        server::router(Exports),
        cloudflare_cni_server_runtime::ServeConfig::default(),
        async move {
            let _ = stopped.await;
        },
    ));
    (format!("http://{address}"), stop)
}

#[tokio::test]
async fn a_text_answer_reads_as_text_bytes_or_a_file_and_routes_beside_a_template() {
    let (base, _stop) = start().await;
    let client = client::Client::builder()
        .base_url(&base)
        .api_token("t")
        .build()
        .unwrap();
    assert_eq!(client.export_widgets().text().await.unwrap(), CSV);
    assert_eq!(
        &client.export_widgets().bytes().await.unwrap()[..],
        CSV.as_bytes()
    );
    let answer = client.export_widgets().send().await.unwrap();
    assert_eq!(answer.headers()["content-type"], "text/csv");
    let dir = std::env::temp_dir().join(format!("cni-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("widgets.csv");
    let written = client.export_widgets().save_to(&file).await.unwrap();
    assert_eq!(written, CSV.len() as u64);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), CSV);
    std::fs::remove_dir_all(&dir).unwrap();

    // A path parameter that is a named enum is its value on the wire, percent-encoded.
    let listed = client
        .list_widgets_in_state()
        .state(types::WidgetState::UnderMaintenance)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.into_inner().items[0].name, "Under maintenance");

    // The templated path beside it is its own operation.
    let widget = client.get_widget().widget("exporter").send().await.unwrap();
    assert_eq!(widget.into_inner().name, "exporter");
}

#[tokio::test]
async fn a_text_download_is_held_to_the_clients_download_limit() {
    let (base, _stop) = start().await;
    let client = client::Client::builder()
        .base_url(&base)
        .api_token("t")
        .max_download_bytes(Some(8))
        .build()
        .unwrap();
    let error = client.export_widgets().text().await.unwrap_err();
    assert!(
        matches!(
            error,
            cloudflare_cni_client_runtime::CniError::ResponseTooLarge { limit: 8, .. }
        ),
        "{error:?}"
    );
}
