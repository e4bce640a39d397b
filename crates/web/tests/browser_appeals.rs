//! 企业诉求 end to end in real headless Chromium (through chromedriver, like `browser.rs`): a firm
//! files an appeal on its form → zone staff route it (交办) → the department signs, handles and
//! replies → the firm's 回访 is unsatisfied → 重办 → reply → 回访 satisfied → 办结; the measures
//! page shows 重办率 and 解决率 change. Skipped with a notice without Chromium (fails under CI).
mod common;

use common::driver::{CHROMEDRIVER, CHROMIUM, Driver};
use common::{Server, start};
use gaoxin_store::testing;
use serde_json::json;

/// Signs `user` in (after signing out whoever was).
async fn sign_in(d: &mut Driver, s: &Server, user: &str) {
    d.cmd("DELETE", "/cookie", json!({})).await;
    d.goto(&format!("http://{}/login", s.addr)).await;
    d.type_into("#username", user).await;
    d.type_into("#password", &s.password(user)).await;
    d.click("button[type=submit]").await;
    d.wait_for(
        "signed in",
        "return document.querySelector('.who') !== null;",
    )
    .await;
}

/// On the appeal's page: takes the move `key` (with a note), waits for the new state.
async fn act(d: &mut Driver, base: &str, id: &str, key: &str, note: &str, state: &str) {
    d.goto(&format!("{base}/appeals/{id}")).await;
    d.wait_for(
        "the moves",
        &format!("return document.querySelector('form[data-action={key}]') !== null;"),
    )
    .await;
    if !note.is_empty() {
        d.type_into(&format!("form[data-action={key}] input[name=note]"), note)
            .await;
    }
    d.click(&format!("form[data-action={key}] button[type=submit]"))
        .await;
    d.wait_for(
        state,
        &format!("const e = document.querySelector('#appeal-state'); return e && e.textContent.startsWith('{state}') && !document.querySelector('form[data-action={key}]');"),
    )
    .await;
}

/// The 科技创新局 row's (重办率, 解决率) on the measures page.
async fn measures(d: &mut Driver, base: &str) -> (String, String) {
    d.goto(&format!("{base}/appeals/measures?by=department"))
        .await;
    let v = d
        .wait_for(
            "measures",
            "const r = [...document.querySelectorAll('#measures tbody tr')].find(r => r.textContent.includes('科技创新局')); if (!r) return document.querySelector('#measures') ? ['—','—'] : null; return [r.querySelector('[data-m=reopen]').textContent, r.querySelector('[data-m=resolution]').textContent];",
        )
        .await;
    (
        v[0].as_str().unwrap().to_string(),
        v[1].as_str().unwrap().to_string(),
    )
}

#[test]
fn appeal_from_filing_to_closing_in_chromium() {
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
    let present =
        std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(CHROMEDRIVER).exists();
    if !present {
        assert!(
            std::env::var("CI").is_err(),
            "chromium / chromium-driver are not installed under CI"
        );
        eprintln!("note: chromium or chromedriver missing; skipping the appeals browser test");
        return;
    }
    let s = start(testing::sqlite().await.unwrap()).await;
    let base = format!("http://{}", s.addr);
    let mut d = Driver::start().await;

    // before: no appeal of 科技创新局
    sign_in(&mut d, &s, "admin").await;
    assert_eq!(
        measures(&mut d, &base).await,
        ("—".to_string(), "—".to_string())
    );

    // the firm files from its page's form
    sign_in(&mut d, &s, "firm").await;
    d.goto(&format!("{base}/enterprises/{}", s.own_firm().await))
        .await;
    d.click("#appeal-links a").await;
    d.wait_for(
        "the form",
        "return document.querySelector('#appeal-form') !== null;",
    )
    .await;
    d.type_into("#a-title", "高企认定奖励未到账").await;
    d.type_into(
        "#a-description",
        "去年认定的高新技术企业奖励至今没有拨付，请协助查询。",
    )
    .await;
    d.type_into("#a-contact", "张经理 13800000000").await;
    d.click("#appeal-form button[type=submit]").await;
    let id = d
        .wait_for("the appeal's page", "const m = location.pathname.match(/^\\/appeals\\/(\\d+)$/); return m && document.querySelector('#appeal-state') ? m[1] : null;")
        .await;
    let id = id.as_str().unwrap().to_string();
    let text = d
        .js(
            "return document.querySelector('main').textContent;",
            json!([]),
        )
        .await;
    assert!(
        text.as_str().unwrap().contains("科技创新局"),
        "routed by the table: {text}"
    );

    // zone staff route it; the department signs, handles, replies
    sign_in(&mut d, &s, "admin").await;
    act(&mut d, &base, &id, "assign", "请科技创新局办理", "交办").await;
    sign_in(&mut d, &s, "dept-keji").await;
    act(&mut d, &base, &id, "sign", "", "签收").await;
    act(&mut d, &base, &id, "start", "", "办理").await;
    act(&mut d, &base, &id, "reply", "已核实，本月拨付", "答复").await;

    // the firm is not satisfied: 重办
    sign_in(&mut d, &s, "firm").await;
    act(&mut d, &base, &id, "visit-reopen", "仍未到账", "办理").await;
    sign_in(&mut d, &s, "admin").await;
    let (reopen, solved) = measures(&mut d, &base).await;
    assert_eq!(
        (reopen.as_str(), solved.as_str()),
        ("100.0%", "—"),
        "after the 重办"
    );

    sign_in(&mut d, &s, "dept-keji").await;
    act(&mut d, &base, &id, "reply", "已拨付到账", "答复").await;
    sign_in(&mut d, &s, "firm").await;
    act(&mut d, &base, &id, "visit-ok", "", "回访").await;
    sign_in(&mut d, &s, "park-jiangbei").await;
    act(&mut d, &base, &id, "close", "办结", "办结").await;
    let history = d.js("return [...document.querySelectorAll('#history tbody tr td:nth-child(2)')].map(td => td.textContent);", json!([])).await;
    let h: Vec<String> = serde_json::from_value(history).unwrap();
    assert_eq!(
        h,
        [
            "受理",
            "交办",
            "签收",
            "办理",
            "答复",
            "重办（不满意）",
            "答复",
            "回访（满意）",
            "办结"
        ],
        "the history"
    );
    sign_in(&mut d, &s, "admin").await;
    let (reopen, solved) = measures(&mut d, &base).await;
    assert_eq!(
        (reopen.as_str(), solved.as_str()),
        ("100.0%", "100.0%"),
        "after 办结"
    );
    d.quit().await;
}
