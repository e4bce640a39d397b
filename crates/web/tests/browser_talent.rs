//! 人才服务直通车 end to end in real headless Chromium: the employer files a service request for
//! its talent (A card: 专员全程代办, 3 working days) on 人才服务直通车 → the request is an appeal
//! routed to 人才工作局 → zone staff 交办, 签收, 办理, 答复 → the employer's 回访 → 办结; the talent's
//! page lists it and the appeals measures count it resolved. Skipped without Chromium (fails under CI).
mod common;

use common::driver::{CHROMEDRIVER, CHROMIUM, Driver};
use common::{Server, start};
use gaoxin_store::testing;
use serde_json::json;

async fn sign_in(d: &mut Driver, s: &Server, user: &str) {
    d.cmd("DELETE", "/cookie", json!({})).await;
    common::driver::sign_in(d, s, user).await;
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

async fn seed(s: &Server) {
    let firm = s.own_firm().await;
    let csv = format!(
        "人才编号,姓名,性别,出生年份,国籍,最高学历,领域,工作单位类型,工作单位,引进年份,状态,工作单位统一社会信用代码,英才卡等级\n\
RC-B1,钱七,男,1986,中国,博士,人工智能,企业,,2023,在岗,{firm},A\n"
    );
    let r = gaoxin_app::talent_import::import(
        &s.store,
        &s.zone,
        &gaoxin_app::talent_service::ServiceConfig::load().unwrap(),
        &gaoxin_app::talent::Reader::cli(gaoxin_store::Scope::Zone),
        csv.into_bytes(),
        "t.csv",
        gaoxin_store::unix_now(),
    )
    .await
    .unwrap();
    assert!(r.is_ok(), "{r:?}");
}

#[test]
fn talent_service_request_from_filing_to_closing_in_chromium() {
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
        eprintln!("note: chromium or chromedriver missing; skipping the talent browser test");
        return;
    }
    let s = start(testing::sqlite().await.unwrap()).await;
    seed(&s).await;
    let base = format!("http://{}", s.addr);
    let mut d = Driver::start().await;

    // the employer files on 人才服务直通车 (reached from the navigation)
    sign_in(&mut d, &s, "firm").await;
    d.click("nav a[href='/talent-services']").await;
    d.wait_for(
        "the form",
        "return document.querySelector('#talent-request') !== null;",
    )
    .await;
    d.type_into("#r-talent", "RC-B1").await;
    d.js(
        "document.querySelector('#r-category').value = '子女入学';",
        json!([]),
    )
    .await;
    d.type_into("#r-description", "孩子今年秋季入学，需协调就近学校。")
        .await;
    d.type_into("#r-contact", "钱先生 13800000000").await;
    d.click("#talent-request button[type=submit]").await;
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
    let text = text.as_str().unwrap();
    assert!(text.contains("人才服务·子女入学"), "{text}");
    assert!(
        text.contains("专员全程代办"),
        "the A card's service: {text}"
    );
    assert!(
        text.contains("人才工作局"),
        "routed to the talent department: {text}"
    );

    // zone staff work it; the employer's 回访; 办结
    sign_in(&mut d, &s, "admin").await;
    act(&mut d, &base, &id, "assign", "请人才工作局办理", "交办").await;
    act(&mut d, &base, &id, "sign", "", "签收").await;
    act(&mut d, &base, &id, "start", "", "办理").await;
    act(&mut d, &base, &id, "reply", "已协调就近入学", "答复").await;
    sign_in(&mut d, &s, "firm").await;
    act(&mut d, &base, &id, "visit-ok", "", "回访").await;
    sign_in(&mut d, &s, "admin").await;
    act(&mut d, &base, &id, "close", "办结", "办结").await;

    // the talent's page lists the request; the measures count it resolved
    d.goto(&format!("{base}/talents/RC-B1")).await;
    let listed = d
        .wait_for(
            "the talent's page",
            &format!("const e = document.querySelector('a[href=\"/appeals/{id}\"]'); return e ? e.textContent : null;"),
        )
        .await;
    assert!(listed.as_str().unwrap().contains(&id));
    d.goto(&format!("{base}/appeals/measures?by=category"))
        .await;
    let solved = d
        .wait_for(
            "measures",
            "const r = [...document.querySelectorAll('#measures tbody tr')].find(r => r.textContent.includes('人才服务·子女入学')); return r ? r.querySelector('[data-m=resolution]').textContent : null;",
        )
        .await;
    assert_eq!(solved.as_str().unwrap(), "100.0%");
    assert!(d.errors().await.is_empty(), "console errors");
    d.quit().await;
}
