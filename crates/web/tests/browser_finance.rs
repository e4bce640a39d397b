//! 科技金融 end to end in real headless Chromium (chromedriver, W3C WebDriver over HTTP): a firm
//! declares a loan need on its page and consents to a bank; the zone publishes the list; the bank
//! sees the firm through its API key and records a disbursement; the zone's statistics change.
//!
//! Needs Debian's `chromium` and `chromium-driver`; without them the test is skipped with a notice
//! — except under CI (`CI` set), where it fails.
mod common;

use common::driver::{Driver, sign_in, tools_present};
use common::{Server, start};
use gaoxin_store::testing;
use serde_json::json;

async fn bank_call(s: &Server, key: &str, method: &str, path: &str, body: &str) -> common::Resp {
    let mut c = s.client();
    let auth = format!("Bearer {key}");
    c.request(
        method,
        path,
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        body.as_bytes(),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_firm_declares_the_zone_publishes_a_bank_answers() {
    if !tools_present() {
        return;
    }
    let s = start(testing::sqlite().await.unwrap()).await;
    let base = format!("http://{}", s.addr);
    let own = s.own_firm().await;
    let (_, key) = s
        .store
        .add_bank("南京银行南京分行", 1)
        .await
        .unwrap()
        .unwrap();
    let mut d = Driver::start().await;

    // The firm declares a need on its page and consents to the bank.
    sign_in(&mut d, &s, "firm").await;
    d.goto(&format!("{base}/enterprises/{own}")).await;
    d.wait_for(
        "finance section",
        "return document.querySelector('#declare-form') !== null;",
    )
    .await;
    d.type_into("#declare-form input[name=amount_wan]", "2345.6")
        .await;
    d.type_into("#declare-form input[name=purpose]", "中试线建设")
        .await;
    d.click("#declare-form button[type=submit]").await;
    d.wait_for(
        "the declared need on the firm page",
        "const t = document.querySelector('#firm-demands'); return t && t.textContent.includes('2,345.60');",
    )
    .await;
    d.wait_for(
        "consent form",
        "return document.querySelector(\"form[action$='/consents'] button\") !== null;",
    )
    .await;
    d.click("form[action$='/consents'] button").await;
    // granting a consent asks first (the bank, what it reads, until when — Beijing time)
    let asked = d.accept_alert().await;
    assert!(
        asked.contains("确认授权") && asked.contains("北京时间"),
        "{asked}"
    );
    d.wait_for(
        "consent in force",
        "const p = document.querySelector('#points'); return p && p.textContent.includes('有效');",
    )
    .await;
    assert_eq!(
        d.errors().await,
        Vec::<String>::new(),
        "console errors on the firm page"
    );
    // Before publication the bank has no list at all.
    assert_eq!(
        bank_call(&s, &key, "GET", "/api/v1/bank/loan-demands", "")
            .await
            .status,
        404
    );

    // The zone publishes; nothing matched yet.
    d.click(".who form button").await;
    d.wait_for(
        "signed out",
        "return document.querySelector('#username') !== null;",
    )
    .await;
    sign_in(&mut d, &s, "admin").await;
    d.goto(&format!("{base}/finance")).await;
    d.wait_for(
        "publish form",
        "return document.querySelector('#publish-form') !== null;",
    )
    .await;
    d.click("#publish-form button[type=submit]").await;
    d.wait_for(
        "the published edition",
        "return location.search.includes('edition=');",
    )
    .await;
    let rate = d
        .js(
            "return document.querySelector('#fin-rate').textContent;",
            json!([]),
        )
        .await;
    assert_eq!(rate, "0.0%");

    // The bank sees the consenting firm (exact fen) and records a disbursement.
    let list = bank_call(&s, &key, "GET", "/api/v1/bank/loan-demands", "")
        .await
        .json();
    let ds = list["demands"].as_array().unwrap();
    assert_eq!(ds.len(), 1, "{list}");
    assert_eq!(ds[0]["uscc"], own.as_str());
    assert_eq!(ds[0]["amount_fen"], 2_345_600_000_i64);
    let id = ds[0]["id"].as_str().unwrap();
    let r = bank_call(
        &s,
        &key,
        "POST",
        &format!("/api/v1/bank/loan-demands/{id}/responses"),
        r#"{"status":"disbursed","amount_wan":"2000","date":"2026-11-30"}"#,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());

    // The zone's statistics change: matched, the amount disbursed, the bank's answer listed.
    d.goto(&format!("{base}/finance")).await;
    let rate = d
        .wait_for(
            "match rate",
            "return document.querySelector('#fin-rate').textContent;",
        )
        .await;
    assert_eq!(rate, "100.0%");
    let funded = d
        .js(
            "return document.querySelector('#fin-funded').textContent;",
            json!([]),
        )
        .await;
    assert_eq!(funded, "2,000.00 万元");
    let listed = d
        .js(
            "return document.querySelector('#demands').textContent;",
            json!([]),
        )
        .await;
    assert!(
        listed
            .as_str()
            .unwrap()
            .contains("南京银行南京分行：已放款"),
        "{listed}"
    );
    d.wait_for(
        "charts drawn",
        "return [...document.querySelectorAll('.chart canvas')].filter(c => c.width > 0).length >= 2;",
    )
    .await;
    assert_eq!(
        d.errors().await,
        Vec::<String>::new(),
        "console errors on /finance"
    );
    d.quit().await;
}
