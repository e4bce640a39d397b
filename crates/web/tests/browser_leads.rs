//! The lead pipeline in real headless Chromium (chromedriver, W3C WebDriver): a park
//! administrator creates a lead, moves it through stages and lands it, and the funnel on
//! 线索漏斗 changes each time; the pages draw their ECharts without console or CSP errors.
//!
//! Needs Debian's `chromium`, `chromium-driver` and `fonts-noto-cjk`; skipped with a notice
//! without them — except under CI (`CI` set), where it fails. The WebDriver client is the same
//! as `browser.rs`'s (copied: each browser test file stands alone).
mod common;

use common::driver::{Driver, sign_in, tools_present};
use common::start;
use gaoxin_store::testing;
use serde_json::json;

/// The funnel's "到达" column (reached per stage) and the landed count, read from the page.
async fn funnel(d: &mut Driver, base: &str) -> (Vec<u64>, u64) {
    d.goto(&format!("{base}/leads/pipeline")).await;
    d.wait_for(
        "pipeline page",
        "return document.querySelector('h1') !== null;",
    )
    .await;
    let v = d
        .js(
            "const rows = [...document.querySelectorAll('#funnel-table tbody tr')];              const reached = rows.map(r => parseInt(r.cells[2].textContent.replace(/,/g, ''), 10));              const l = document.querySelector('#kpi-landed');              return {reached, landed: l ? parseInt(l.textContent, 10) : 0};",
            json!([]),
        )
        .await;
    let reached = v["reached"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect();
    (reached, v["landed"].as_u64().unwrap())
}

#[test]
fn lead_funnel_in_the_browser() {
    let run = std::thread::Builder::new()
        .stack_size(16 << 20)
        .spawn(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("tokio runtime")
                .block_on(scenario())
        })
        .expect("test thread")
        .join();
    if let Err(panic) = run {
        std::panic::resume_unwind(panic);
    }
}

async fn scenario() {
    if !tools_present() {
        return;
    }
    let s = start(testing::sqlite().await.unwrap()).await;
    let base = format!("http://{}", s.addr);
    let mut d = Driver::start().await;
    sign_in(&mut d, &s, "park-jiangbei").await;
    // the dashboard's stalled-leads box (empty: no leads yet)
    d.wait_for(
        "stalled box",
        "return document.querySelector('#stalled-leads') !== null;",
    )
    .await;
    let (before, _) = funnel(&mut d, &base).await;
    assert!(
        before.is_empty(),
        "no leads yet: the page says so ({before:?})"
    );

    // create a lead through the form
    d.goto(&format!("{base}/leads")).await;
    d.type_into("#new-lead input[name=uscc]", &s.firm_in("jiangbei"))
        .await;
    d.type_into("#new-lead input[name=next_action]", "线上对接会")
        .await;
    d.type_into("#new-lead input[name=next_date]", "2099-01-01")
        .await;
    d.click("#new-lead button[type=submit]").await;
    d.wait_for(
        "lead page",
        "return document.querySelector('#lead-stages') !== null;",
    )
    .await;
    let url = d.js("return location.pathname;", json!([])).await;
    let lead = url.as_str().unwrap().to_string();
    let (f0, landed0) = funnel(&mut d, &base).await;
    assert_eq!(f0, [1, 0, 0, 0, 0, 0, 0]);
    assert_eq!(landed0, 0);

    // move it forward twice (the form proposes the next stage), then back without a reason: refused
    for want in ["线下走访", "企业考察"] {
        d.goto(&format!("{base}{lead}")).await;
        d.click("#move-form button[type=submit]").await;
        d.wait_for(
            "moved",
            &format!("return document.querySelector('#lead-status') && document.querySelector('#lead-status').textContent.includes('{want}');"),
        )
        .await;
    }
    let (f1, _) = funnel(&mut d, &base).await;
    assert_eq!(f1, [1, 1, 1, 0, 0, 0, 0]);
    d.goto(&format!("{base}{lead}")).await;
    d.js(
        "document.querySelector('#move-stage').value = '线上沟通';",
        json!([]),
    )
    .await;
    d.click("#move-form button[type=submit]").await;
    let err = d
        .wait_for(
            "the error",
            "const e = document.querySelector('#lead-errors'); return e && e.textContent;",
        )
        .await;
    assert!(err.as_str().unwrap().contains("须写明原因"), "{err}");

    // land it: the funnel reaches 落地 and counts the landed project
    d.goto(&format!("{base}{lead}")).await;
    d.type_into("#land-form input[name=invest_wan]", "8000")
        .await;
    d.click("#land-form button[type=submit]").await;
    d.wait_for(
        "landed",
        "return document.querySelector('#lead-status').textContent.includes('已落地');",
    )
    .await;
    let (f2, landed) = funnel(&mut d, &base).await;
    assert_eq!(f2, [1, 1, 1, 1, 1, 1, 1]);
    assert_eq!(landed, 1);
    // the funnel chart is drawn, and no page broke the Content-Security-Policy
    d.wait_for(
        "funnel chart",
        "return document.querySelector('#chart-funnel canvas') !== null;",
    )
    .await;
    d.goto(&format!("{base}/tracks")).await;
    d.wait_for(
        "tracks chart",
        "return document.querySelector('#chart-tracks-side canvas') !== null;",
    )
    .await;
    assert_eq!(d.errors().await, Vec::<String>::new(), "console errors");
    d.quit().await;
}
