//! Chromium test of the cluster diagnosis (issue 15): open the overview and a cluster, see its
//! linkage flag and the network chart render without console errors. The WebDriver client is a
//! copy of the one in `browser.rs` (each area's browser tests live in their own file). Skipped
//! with a notice when chromium / chromedriver are missing, except under CI.
mod common;

use common::driver::{Driver, sign_in, tools_present};
use common::start;
use gaoxin_store::{LinkRecord, testing};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_page_shows_its_linkage_flag_and_network() {
    if !tools_present() {
        return;
    }
    let s = start(testing::sqlite().await.unwrap()).await;
    let jb: Vec<String> = s
        .firms
        .iter()
        .filter(|e| e.park == "jiangbei" && e.name != common::HOSTILE)
        .map(|e| e.uscc.as_str().to_string())
        .collect();
    let links: Vec<LinkRecord> = jb
        .windows(2)
        .map(|w| LinkRecord {
            from: w[0].clone(),
            from_firm: true,
            to: w[1].clone(),
            to_firm: true,
            kind: "supply".into(),
            year: 2024,
            source: "测试".into(),
            evidence: String::new(),
            synthetic: false,
        })
        .chain(std::iter::once(LinkRecord {
            from: jb[0].clone(),
            from_firm: true,
            to: "南京大学".into(),
            to_firm: false,
            kind: "co_patent".into(),
            year: 2024,
            source: "测试".into(),
            evidence: String::new(),
            synthetic: false,
        }))
        .collect();
    s.store.insert_links(&links, "test", 1).await.unwrap();
    let base = format!("http://{}", s.addr);
    let mut d = Driver::start().await;
    sign_in(&mut d, &s, "park-jiangbei").await;
    d.goto(&format!("{base}/clusters")).await;
    d.wait_for(
        "the overview table",
        "return document.querySelector('#clusters-table tr[data-cluster=c01] a') !== null;",
    )
    .await;
    // another park's cluster is listed but cannot be opened
    let other = d
        .js(
            "return document.querySelector('#clusters-table tr[data-cluster=c03] a') === null;",
            json!([]),
        )
        .await;
    assert_eq!(other, true);
    d.click("#clusters-table tr[data-cluster=c01] a").await;
    let flag = d
        .wait_for(
            "the linkage flag",
            "const f = document.querySelector('#linkage-flag'); return f && f.textContent;",
        )
        .await;
    let flag = flag.as_str().unwrap().to_string();
    assert!(flag.contains("关联指数"), "{flag}");
    assert!(
        flag.contains("群而不集") || flag.contains("关联正常"),
        "{flag}"
    );
    let size = d
        .wait_for(
            "the network chart",
            "const c = document.querySelector('#chart-cluster-graph canvas'); return c && c.width > 0 && c.height > 0 && c.width;",
        )
        .await;
    assert!(size.as_u64().unwrap() > 0);
    d.wait_for(
        "the series chart",
        "const c = document.querySelector('#chart-cluster-series canvas'); return c && c.width > 0;",
    )
    .await;
    let errors = d.errors().await;
    assert!(
        errors.is_empty(),
        "console errors on the cluster page: {errors:?}"
    );
    d.quit().await;
}
