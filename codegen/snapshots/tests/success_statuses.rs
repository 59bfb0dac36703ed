//! Two success answers of one schema (the dialect fixture's `scan_widget`, as Cloudflare's URL
//! scanner answers 200 when a scan is done and 202 while it works): the generated server
//! answers the first declared status unless the method sets another, and the generated client
//! decodes either as the one success type, with its status. Over real HTTP, on a port the OS
//! gives.

use cloudflare_cni_codegen_snapshots::dialect::{client, server, types};
use cloudflare_cni_server_runtime::{ApiError, RequestContext};
use server::StatusCode;

mod support;

struct Scanner;

impl server::CniApi for Scanner {
    const IMPLEMENTED: &'static [server::Operation] = &[server::Operation::SCAN_WIDGET];

    async fn scan_widget(
        &self,
        request: RequestContext,
        widget: String,
        _: server::ScanWidgetQuery,
    ) -> Result<types::Widget, ApiError> {
        if widget == "busy" {
            request.set_answer_status(StatusCode::ACCEPTED);
        }
        // Not a success: ignored.
        if widget == "odd" {
            request.set_answer_status(StatusCode::NOT_FOUND);
        }
        Ok(types::Widget::builder().name(widget).try_into().unwrap())
    }
}

#[tokio::test]
async fn a_success_answers_its_declared_status_and_the_client_reads_each() {
    let (base, _stop) = support::serve(server::router(Scanner)).await;
    let client = client::Client::builder()
        .base_url(&base)
        .api_token("t")
        .build()
        .unwrap();
    for (widget, status) in [("done", 200), ("busy", 202), ("odd", 200)] {
        let answer = client.scan_widget().widget(widget).send().await.unwrap();
        assert_eq!(answer.status().as_u16(), status, "{widget}");
        assert_eq!(answer.into_inner().name, widget);
    }
}
