//! A 1,000-page listing streamed item by item holds one page at a time: the heap's peak while
//! streaming stays near one page, far below the listing's size.

use serde_json::json;

use crate::heap::{live_bytes, peak_bytes, reset_peak};
use crate::scripted::*;

const PAGES: i32 = 1000;
const DESCRIPTION: usize = 64 * 1024;

#[tokio::test(flavor = "current_thread")]
async fn a_thousand_page_stream_does_not_hold_earlier_pages() {
    let description = "x".repeat(DESCRIPTION);
    let server = serve(false, move |seen| {
        let page: i32 = seen.query("cursor").map_or(0, |c| c.parse().unwrap());
        let next = if page + 1 < PAGES {
            json!(page + 1)
        } else {
            json!(null)
        };
        json(
            200,
            json!({"items": [{
            "id": uuid::Uuid::from_u128(page as u128), "account": "a", "interconnect": "i",
            "p2p_ip": "10.0.0.0/31", "cust_ip": "10.0.0.1/31",
            "magic": {"conduit_name": format!("c{page}"), "description": description, "mtu": 1500}
        }], "next": next}),
        )
    })
    .await;
    let client = cloudflare_cni_client::Client::builder()
        .without_credentials()
        .base_url(&server.base_url)
        .build()
        .unwrap();

    let mut stream = client.list_cnis().account_id("a").stream();
    // Warm up (connection, buffers), then measure the peak over the remaining pages.
    for _ in 0..10 {
        stream.next().await.unwrap().unwrap();
    }
    let baseline = live_bytes();
    reset_peak();
    let mut count = 10;
    let mut peak_at_100 = 0;
    while let Some(item) = stream.next().await {
        let item = item.unwrap();
        assert_eq!(item.magic.description.len(), DESCRIPTION);
        count += 1;
        if count == 100 {
            peak_at_100 = peak_bytes() - baseline;
        }
    }
    assert_eq!(count, PAGES);
    let page = DESCRIPTION as isize;
    let peak = peak_bytes() - baseline;
    let listing = PAGES as isize * page;
    // Each page is built, sent, received and decoded in this process (the server runs here
    // too), so a few copies of one page are live at once; never the listing.
    assert!(
        peak < 8 * page,
        "peak grew by {peak} bytes while streaming {listing}"
    );
    // And the peak does not grow with the pages consumed: 900 more pages add at most one.
    assert!(
        peak <= peak_at_100 + page,
        "peak {peak_at_100} at page 100, {peak} at page {PAGES}"
    );
    eprintln!("heap peak above baseline: {peak} bytes at page 100..{PAGES} (one page is {page} bytes, the listing {listing})");
}
