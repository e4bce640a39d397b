//! 方案对比 and 方案采纳 in real headless Chromium: the zone administrator ticks two saved reforms
//! (and 上年实际), sees them side by side with today's rules, then picks one, sees the diff
//! (old → new) before confirming, confirms, and finds the new rule-file version written (the old
//! value kept before the effective date) and the adoption listed.
//!
//! Needs Debian's `chromium` and `chromium-driver`; without them the test is skipped with a notice
//! — except under CI (`CI` set), where it fails.
mod common;

use common::driver::{Driver, sign_in, tools_present};
use common::start;
use gaoxin_store::{Scope, testing};
use serde_json::json;

const AWARD: &str = "nanjing_first_unicorn_award_2025";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_reforms_compared_and_one_adopted() {
    if !tools_present() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("gaoxin-browser-reform-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/rules");
    for f in std::fs::read_dir(&src).unwrap() {
        let f = f.unwrap().path();
        if f.extension().is_some_and(|e| e == "toml") {
            std::fs::copy(&f, dir.join(f.file_name().unwrap())).unwrap();
        }
    }
    // SAFETY: the only test of this binary sets it before starting any server or thread that
    // reads the environment.
    unsafe { std::env::set_var("GAOXIN_RULES", &dir) };
    let s = start(testing::sqlite().await.unwrap()).await;
    let base = format!("http://{}", s.addr);
    let mut d = Driver::start().await;
    sign_in(&mut d, &s, "admin").await;

    // compare: tick two saved reforms and last year's actual results
    d.goto(&format!("{base}/reform")).await;
    d.click("#reform-compare-link").await;
    d.wait_for(
        "the compare form",
        "return document.querySelector('#compare-form') !== null;",
    )
    .await;
    d.click("input[name=file][value=unicorn_cap_300]").await;
    d.click("input[name=file][value=incentive_share_60]").await;
    d.click("input[name=actual]").await;
    d.click("#compare-go").await;
    let text = d
        .wait_for(
            "the comparison",
            "const t = document.querySelector('#compare-overview'); return t ? t.innerText : null;",
        )
        .await;
    let text = text.as_str().unwrap_or_default().to_string();
    assert!(text.contains("现行规则"), "{text}");
    assert!(
        text.contains("首次入选独角兽企业奖励上限提高至300万元"),
        "{text}"
    );
    assert!(text.contains("经济贡献增量激励比例提高至60%"), "{text}");
    assert!(
        d.find("#compare-parks").await.is_string()
            && d.find("#compare-differing").await.is_string()
    );
    d.screenshot("reform-compare").await;

    // adopt: the diff first, nothing written yet
    d.goto(&format!("{base}/reform/adopt")).await;
    d.js(
        "document.querySelector('#adopt-file').value = arguments[0]; document.querySelector('#adopt-effective').value = '2026-01-01';",
        json!(["unicorn_cap_300"]),
    )
    .await;
    d.click("#adopt-preview").await;
    let diff = d
        .wait_for(
            "the diff",
            "const t = document.querySelector('#adopt-diff'); return t ? t.innerText : null;",
        )
        .await;
    let diff = diff.as_str().unwrap_or_default().to_string();
    assert!(
        diff.contains("200万元") && diff.contains("300万元"),
        "{diff}"
    );
    let file = dir.join(format!("{AWARD}.toml"));
    assert!(
        !std::fs::read_to_string(&file)
            .unwrap()
            .contains("2026-01-01")
    );
    d.click("#adopt-confirm").await;
    d.wait_for(
        "adopted",
        "return document.querySelector('#adopt-done') !== null;",
    )
    .await;
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("{ from = \"2026-01-01\", value = 300 }"),
        "{text}"
    );
    assert!(
        text.contains("{ from = \"2025-01-01\", value = 200 }"),
        "{text}"
    );
    assert_eq!(s.store.adoptions(&Scope::Zone).await.unwrap().len(), 1);
    d.goto(&format!("{base}/reform/adopt")).await;
    let history = d
        .wait_for(
            "the history",
            "const t = document.querySelector('#adopt-history'); return t ? t.innerText : null;",
        )
        .await;
    assert!(
        history
            .as_str()
            .unwrap_or_default()
            .contains("首次入选独角兽企业奖励"),
        "{history}"
    );
    assert!(d.errors().await.is_empty(), "{:?}", d.errors().await);
    d.quit().await;
    let _ = std::fs::remove_dir_all(&dir);
}
