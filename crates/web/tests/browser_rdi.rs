//! 新型研发机构 and 创新活力指数 in real headless Chromium: with the synthetic institutions loaded,
//! a park administrator opens the list, an institution's page draws its radar against the zone
//! median, and the vitality page draws the index and the waterfall — without console errors.
//! (The ecosystem graph of issue 17 is not built yet.)
//!
//! Needs Debian's `chromium` and `chromium-driver`; skipped without them except under CI.
mod common;

use common::driver::{Driver, sign_in, tools_present};
use common::start;
use gaoxin_store::testing;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_radar_and_the_waterfall_render_without_console_errors() {
    if !tools_present() {
        return;
    }
    let s = start(testing::sqlite().await.unwrap()).await;
    gaoxin_app::rdi_demo::load(&s.store, &s.zone, &s.firms, 5, 2022, 2024)
        .await
        .unwrap();
    let base = format!("http://{}", s.addr);
    let mut d = Driver::start().await;
    sign_in(&mut d, &s, "park-jiangbei").await;
    d.goto(&format!("{base}/rdi")).await;
    d.wait_for(
        "the institutions' table",
        "return document.querySelector('#rdi-table tbody tr a') !== null;",
    )
    .await;
    d.click("#rdi-table tbody tr a").await;
    d.wait_for(
        "the radar",
        "const c = document.querySelector('[data-chart=rdi-radar] canvas'); return c && c.width > 0;",
    )
    .await;
    let errors = d.errors().await;
    assert!(
        errors.is_empty(),
        "console errors on the institution page: {errors:?}"
    );
    d.goto(&format!("{base}/vitality")).await;
    d.wait_for(
        "the waterfall",
        "const c = document.querySelector('[data-chart=vitality-waterfall] canvas'); return c && c.width > 0;",
    )
    .await;
    let rows = d
        .js(
            "return document.querySelectorAll('#vitality-contributions tbody tr').length;",
            json!([]),
        )
        .await;
    assert!(rows.as_u64().unwrap() > 0);
    let errors = d.errors().await;
    assert!(
        errors.is_empty(),
        "console errors on the vitality page: {errors:?}"
    );
    d.quit().await;
}
