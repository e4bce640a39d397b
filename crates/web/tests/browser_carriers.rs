//! 孵化载体 in real headless Chromium: with the synthetic carriers loaded, a park administrator
//! opens the list, follows a carrier with incubated firms to its page, which shows how its firms
//! moved up the ladder (the same figures the app computes), and exports the list as a workbook —
//! without console errors.
//!
//! Needs Debian's `chromium` and `chromium-driver`; skipped without them except under CI.
mod common;

use common::driver::{Driver, sign_in, tools_present};
use common::start;
use gaoxin_store::{Scope, testing};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_then_a_carriers_ladder_movement_then_the_export() {
    if !tools_present() {
        return;
    }
    let s = start(testing::sqlite().await.unwrap()).await;
    gaoxin_app::carrier_demo::load(&s.store, &s.zone, &s.firms, 5, 2022, 2024)
        .await
        .unwrap();
    // the 江北 carrier with the most incubated firms, and its movement as the app computes it
    let jb = Scope::Park(gaoxin_model::ParkId::parse("jiangbei").unwrap());
    let firms = s.store.carrier_firms(&jb, None).await.unwrap();
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for f in &firms {
        *counts.entry(f.link.carrier_id.as_str()).or_default() += 1;
    }
    let (id, _) = counts.iter().max_by_key(|(_, n)| **n).unwrap();
    let c = s.store.carrier(&jb, id).await.unwrap().unwrap();
    let m = gaoxin_app::carrier_ladder::of_carrier(&s.store, &jb, id, None)
        .await
        .unwrap();
    let base = format!("http://{}", s.addr);
    let mut d = Driver::start().await;
    sign_in(&mut d, &s, "park-jiangbei").await;
    d.goto(&format!("{base}/carriers")).await;
    d.wait_for(
        "the carriers' table",
        "return document.querySelector('#carriers-table tbody tr a') !== null;",
    )
    .await;
    // filter by the carrier's code, then follow its link
    d.type_into("input[name=q]", id).await;
    d.click("form.filters button[type=submit]").await;
    d.wait_for(
        "the filtered list",
        "return document.querySelectorAll('#carriers-table tbody tr').length === 1;",
    )
    .await;
    d.click("#carriers-table tbody tr a").await;
    d.wait_for(
        "the ladder movement",
        "return document.querySelector('#ladder-table tbody tr') !== null;",
    )
    .await;
    let title = d
        .js(
            "return document.querySelector('h1').textContent;",
            json!([]),
        )
        .await;
    assert!(title.as_str().unwrap().contains(&c.name), "{title}");
    let moved = d
        .js(
            "return document.querySelector('#ladder-moved').textContent.trim();",
            json!([]),
        )
        .await;
    assert_eq!(moved.as_str().unwrap(), m.moved_up.to_string());
    let rows = d
        .js(
            "return Array.from(document.querySelectorAll('#ladder-table tbody tr')).map(r => Array.from(r.cells).map(c => c.textContent.trim()));",
            json!([]),
        )
        .await;
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), m.counts.len());
    for (row, (rung, at_entry, now)) in rows.iter().zip(&m.counts) {
        assert_eq!(row[0], *rung);
        assert_eq!(row[1], at_entry.to_string());
        assert_eq!(row[2], now.to_string());
    }
    let errors = d.errors().await;
    assert!(
        errors.is_empty(),
        "console errors on the carrier page: {errors:?}"
    );
    // back to the list and export it
    d.goto(&format!("{base}/carriers")).await;
    d.js(
        "window.__x = null; const a = document.querySelector('#carriers-export'); \
         fetch(a.href, {credentials: 'same-origin'}).then(r => r.arrayBuffer().then(b => { \
           const u = new Uint8Array(b); window.__x = [r.status, r.headers.get('content-type'), b.byteLength, u[0], u[1]]; })); \
         return true;",
        json!([]),
    )
    .await;
    d.wait_for("the export", "return window.__x !== null;")
        .await;
    let x = d.js("return window.__x;", json!([])).await;
    assert_eq!(x[0], 200, "{x}");
    assert!(x[1].as_str().unwrap().contains("spreadsheetml"), "{x}");
    assert!(x[2].as_u64().unwrap() > 1000, "{x}");
    assert_eq!(
        (x[3].as_u64(), x[4].as_u64()),
        (Some(80), Some(75)),
        "PK: a zip"
    );
    let errors = d.errors().await;
    assert!(errors.is_empty(), "console errors on the list: {errors:?}");
    // the pages with data fit a phone's width (tables scroll inside their own box)
    d.viewport(390, 844, true).await;
    for path in [
        "/carriers".to_string(),
        format!("/carriers/{id}"),
        "/carriers/evaluation".to_string(),
    ] {
        d.goto(&format!("{base}{path}")).await;
        d.wait_for("the page", "return document.readyState === 'complete';")
            .await;
        let overflow = d
            .js(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
                json!([]),
            )
            .await;
        assert!(
            overflow.as_i64().unwrap() <= 1,
            "{path}: overflow {overflow}"
        );
        let errors = d.errors().await;
        assert!(errors.is_empty(), "console errors on {path}: {errors:?}");
    }
    d.quit().await;
}

/// 人才监测's charts (issue 19's remainder): with the synthetic talents loaded, the page draws the
/// talents per park and the arrivals against the 3,000 target, without console errors.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_talent_monitor_draws_its_charts() {
    if !tools_present() {
        return;
    }
    let s = start(testing::sqlite().await.unwrap()).await;
    gaoxin_app::talent_demo::load(
        &s.store,
        &s.zone,
        &s.firms,
        5,
        2024,
        gaoxin_store::unix_now(),
    )
    .await
    .unwrap();
    let base = format!("http://{}", s.addr);
    let mut d = Driver::start().await;
    sign_in(&mut d, &s, "analyst").await;
    d.goto(&format!("{base}/talents/monitor")).await;
    for chart in ["talent-parks", "talent-arrivals"] {
        d.wait_for(
            chart,
            &format!(
                "const c = document.querySelector('[data-chart={chart}] canvas'); return c && c.width > 0;"
            ),
        )
        .await;
    }
    let errors = d.errors().await;
    assert!(errors.is_empty(), "console errors on 人才监测: {errors:?}");
    d.quit().await;
}
