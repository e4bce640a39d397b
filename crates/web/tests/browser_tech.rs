//! 成果转化 end to end in real headless Chromium (issue 14): a zone administrator opens a firm's
//! technology demand, sees the matched results with their explanation, recommends one (a case
//! opens), moves the case 意向 → 洽谈 → 签约, registers the 技术合同 and reads the statistics.
//!
//! Needs Debian's `chromium` and `chromium-driver`; without them the test is skipped with a notice
//! — except under CI (`CI` set), where it fails.
mod common;

use common::driver::{Driver, sign_in, tools_present};
use common::start;
use gaoxin_store::{Scope, TechDemand, TechResult, testing};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demand_match_case_contract() {
    if !tools_present() {
        return;
    }
    let s = start(testing::sqlite().await.unwrap()).await;
    let base = format!("http://{}", s.addr);
    let own = s.own_firm().await;
    let results = [
        (
            "CG1",
            "碳化硅功率器件高温封装技术",
            "面向新能源汽车电驱的碳化硅功率模块封装",
            "集成电路",
        ),
        (
            "CG2",
            "固态电池电解质",
            "硫化物固态电解质提升电池安全性",
            "新能源",
        ),
    ];
    let rows: Vec<TechResult> = results
        .iter()
        .map(|(id, name, summary, field)| TechResult {
            id: id.to_string(),
            name: name.to_string(),
            summary: summary.to_string(),
            field: field.to_string(),
            keywords: vec!["碳化硅".into()],
            trl: Some(7),
            ..TechResult::default()
        })
        .collect();
    s.store.upsert_tech_results(&rows, 1).await.unwrap();
    let d = TechDemand {
        id: "XQ1".into(),
        uscc: own.clone(),
        name: "电驱功率模块降损耗".into(),
        description: "新能源汽车电驱需要碳化硅功率器件的封装方案".into(),
        field: "集成电路".into(),
        ..TechDemand::default()
    };
    assert!(
        s.store
            .upsert_tech_demands(&Scope::Zone, &[d], 1)
            .await
            .unwrap()
            .is_ok()
    );

    let mut d = Driver::start().await;
    sign_in(&mut d, &s, "admin").await;
    // the search page: a query with a filter, hits with their explanation
    d.goto(&format!(
        "{base}/tech?q=%E7%A2%B3%E5%8C%96%E7%A1%85%E5%B0%81%E8%A3%85&trl_min=5"
    ))
    .await;
    d.wait_for(
        "search hits",
        "const h = document.querySelector('#tech-hits'); return h && h.textContent.includes('碳化硅功率器件高温封装技术') && h.textContent.includes('匹配字段');",
    )
    .await;
    // the demand's page: matched results with the shared terms and fields
    d.goto(&format!("{base}/tech/demands/XQ1")).await;
    d.wait_for(
        "matched results",
        "const l = document.querySelector('#demand-results'); return l && l.textContent.includes('碳化硅功率器件高温封装技术') && l.textContent.includes('共同词');",
    )
    .await;
    // recommend the first result to the firm: a case opens on the board
    d.click("button[data-open-case='CG1']").await;
    d.wait_for(
        "the case on the board",
        "return document.querySelector('button[data-move=intent]') !== null;",
    )
    .await;
    for step in ["intent", "negotiating", "signed"] {
        d.click(&format!("button[data-move={step}]")).await;
        d.wait_for(
            step,
            &format!("return document.querySelector('[role=status]') !== null && document.querySelector('button[data-move={step}]') === null;"),
        )
        .await;
    }
    // the contract closes the case
    d.type_into("input[name=reg_no]", "2026320100099").await;
    d.type_into("input[name=amount]", "380").await;
    d.click("button[data-contract]").await;
    d.wait_for(
        "the case registered",
        "return document.querySelector('button[data-contract]') === null && document.querySelector('button[data-move=revisited]') !== null;",
    )
    .await;
    d.goto(&format!("{base}/tech/stats")).await;
    d.wait_for(
        "the contract in the statistics",
        "return document.querySelector('#h-contracts').textContent.includes('380.00');",
    )
    .await;
    let errors = d.errors().await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    d.quit().await;
    let cases = s.store.tech_cases(&Scope::Zone, None).await.unwrap();
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].state, gaoxin_store::CaseState::Registered);
    let k = s.store.tech_contracts(&Scope::Zone).await.unwrap();
    assert_eq!(
        (k[0].reg_no.as_str(), k[0].amount_fen),
        ("2026320100099", 380_000_000)
    );
}
