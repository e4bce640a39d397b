//! 政策兑现 end to end in real headless Chromium (chromedriver, W3C WebDriver over HTTP): the zone
//! administrator syncs the ledger from a stored rules run; the firm sees its 测算 entry and what to
//! supply on its page and applies (申报); the zone approves (核准), is refused an over-payment
//! with its Chinese message, pays the approved amount (拨付); the measures page shows it paid.
//!
//! Needs Debian's `chromium` and `chromium-driver`; without them the test is skipped with a notice
//! — except under CI (`CI` set), where it fails.
mod common;

use common::driver::{Driver, sign_in, tools_present};
use common::start;
use gaoxin_model::Year;
use gaoxin_store::{PayoutFilter, RuleResultRow, RunKind, RunRecord, Scope, testing};
use serde_json::json;

const POLICY: &str = "nanjing_first_unicorn_award_2025";

fn award(uscc: &str, park: &str, fen: i64, verified: bool) -> RuleResultRow {
    RuleResultRow {
        uscc: uscc.into(),
        name: String::new(),
        park: park.into(),
        rule: POLICY.into(),
        verdict: "pass".into(),
        level: 0,
        amount_fen: Some(fen),
        distance: None,
        verified,
        assumption_dependent: false,
        supply: if verified {
            String::new()
        } else {
            "上一年度研发费用专项审计报告".into()
        },
        record: String::new(),
        level_basis: String::new(),
    }
}

async fn sign_out(d: &mut Driver) {
    d.click(".who form button").await;
    d.wait_for(
        "signed out",
        "return document.querySelector('#username') !== null;",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_award_from_the_rules_to_the_money_paid() {
    if !tools_present() {
        return;
    }
    let s = start(testing::sqlite().await.unwrap()).await;
    let base = format!("http://{}", s.addr);
    let own = s.own_firm().await;
    let other = s.firm_in("xingang");
    // A stored rules run of 2021 (a year the server does not evaluate by itself): the firm's
    // first-time unicorn award (to apply for), another firm's 免申即享 one.
    let run = RunRecord {
        id: "rules-2021-browser".into(),
        kind: RunKind::Rules,
        created_at: 1_700_000_000,
        year: Some(Year::new(2021).unwrap()),
        input_hash: "h".into(),
        versions: format!("{POLICY}@2025.1#abc"),
        summary: "{}".into(),
    };
    s.store
        .insert_rules_run(
            &run,
            &[
                award(&own, "jiangbei", 150_000_000, false),
                award(&other, "xingang", 80_000_000, true),
            ],
        )
        .await
        .unwrap();
    let mut d = Driver::start().await;

    // The zone administrator syncs the ledger of 2021.
    sign_in(&mut d, &s, "admin").await;
    d.goto(&format!("{base}/payouts")).await;
    d.wait_for(
        "sync form",
        "return document.querySelector('#sync-form') !== null;",
    )
    .await;
    d.js(
        "document.querySelector('#sync-form input[name=year]').value = '2021';",
        json!([]),
    )
    .await;
    d.click("#sync-form button[type=submit]").await;
    let done = d
        .wait_for(
            "sync result",
            "const r = document.querySelector('#sync-result'); return r && r.textContent;",
        )
        .await;
    assert!(
        done.as_str()
            .unwrap()
            .contains("新增测算 2 条（其中免申即享 1 条）"),
        "{done}"
    );
    sign_out(&mut d).await;
    let id = s
        .store
        .payouts(
            &Scope::Zone,
            &PayoutFilter {
                uscc: Some(own.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap()[0]
        .id;

    // The firm sees its 测算 entry and what to supply on its page, and applies.
    sign_in(&mut d, &s, "firm").await;
    d.goto(&format!("{base}/enterprises/{own}")).await;
    let row = d
        .wait_for(
            "the firm's payouts",
            "const t = document.querySelector('#firm-payouts'); return t && t.textContent;",
        )
        .await;
    let row = row.as_str().unwrap();
    assert!(
        row.contains("测算")
            && row.contains("1,500,000.00元")
            && row.contains("请提供 上一年度研发费用专项审计报告"),
        "{row}"
    );
    d.goto(&format!("{base}/payouts/{id}")).await;
    d.wait_for(
        "the apply form",
        "return document.querySelector('form[data-action=apply]') !== null;",
    )
    .await;
    d.click("form[data-action=apply] button").await;
    d.wait_for(
        "applied",
        "const s = document.querySelector('#payout-state'); return s && s.textContent.trim() === '申报';",
    )
    .await;
    assert_eq!(d.errors().await, Vec::<String>::new(), "console errors");
    sign_out(&mut d).await;

    // The zone approves, is refused an over-payment, pays the approved amount.
    sign_in(&mut d, &s, "admin").await;
    d.goto(&format!("{base}/payouts/{id}")).await;
    d.wait_for(
        "the approve form",
        "return document.querySelector('form[data-action=approve]') !== null;",
    )
    .await;
    d.click("form[data-action=approve] button").await;
    d.wait_for(
        "approved",
        "const s = document.querySelector('#payout-state'); return s && s.textContent.trim() === '核准' && document.querySelector('form[data-action=pay]') !== null;",
    )
    .await;
    let note = d
        .js(
            "return document.querySelector('#pay-note').textContent;",
            json!([]),
        )
        .await;
    assert!(note.as_str().unwrap().contains("超过将被拒绝"), "{note}");
    d.js(
        "document.querySelector('form[data-action=pay] input[name=amount]').value = '1500000.01';",
        json!([]),
    )
    .await;
    d.click("form[data-action=pay] button").await;
    let refused = d
        .wait_for(
            "the refusal",
            "return document.body.textContent.includes('不予拨付') && document.body.textContent;",
        )
        .await;
    assert!(
        refused
            .as_str()
            .unwrap()
            .contains("拨付金额 1,500,000.01元 超过核准金额 1,500,000.00元，不予拨付"),
        "{refused}"
    );
    d.goto(&format!("{base}/payouts/{id}")).await;
    let prefilled = d
        .wait_for(
            "the pay form",
            "const i = document.querySelector('form[data-action=pay] input[name=amount]'); return i && i.value;",
        )
        .await;
    assert_eq!(prefilled, "1500000");
    d.click("form[data-action=pay] button").await;
    let paid = d
        .wait_for(
            "paid",
            "const s = document.querySelector('#payout-state'); return s && s.textContent.trim() === '拨付' && document.querySelector('#payout-paid').textContent;",
        )
        .await;
    assert!(paid.as_str().unwrap().contains("1,500,000.00元"), "{paid}");
    assert_eq!(d.errors().await, Vec::<String>::new(), "console errors");

    // The measures show it paid: one of two entitled awards, the other still waiting for review.
    d.goto(&format!("{base}/payouts/measures?year=2021")).await;
    let table = d
        .wait_for(
            "the measures",
            "const t = document.querySelector('table.measures'); return t && t.textContent;",
        )
        .await;
    let table = table.as_str().unwrap();
    assert!(table.contains("首次入选独角兽企业奖励"), "{table}");
    let paid_cells = d
        .js(
            "return [...document.querySelectorAll('table.measures')][0].querySelector('tbody tr td[data-paid]').textContent;",
            json!([]),
        )
        .await;
    assert_eq!(paid_cells, "1");
    let never = d
        .js(
            "return document.querySelector('#never-paid').textContent;",
            json!([]),
        )
        .await;
    assert!(
        never.as_str().unwrap().contains("应享未享 1 笔")
            && never.as_str().unwrap().contains("待高新区审核"),
        "{never}"
    );
    assert_eq!(d.errors().await, Vec::<String>::new(), "console errors");
    d.quit().await;
}
