use super::*;
use crate::rules_runs::run_rules;
use gaoxin_demo::{DemoConfig, generate};
use gaoxin_model::{Year, Zone};
use gaoxin_store::testing;
use std::path::Path;

const AWARD: &str = "nanjing_first_unicorn_award_2025";

fn reform(name: &str, rule: &str, param: &str, value: &str) -> Reform {
    Reform::parse(
        Path::new("r.toml"),
        &format!("name = \"{name}\"\nauthor = \"测试\"\n[[params]]\nrule = \"{rule}\"\nname = \"{param}\"\nvalue = {value}\n"),
    )
    .unwrap()
}

async fn demo_store(store: &Store, firms: usize) {
    let zone = Zone::parse(include_str!("../../../../data/reference/zone.toml")).unwrap();
    let demo = generate(
        &zone,
        &DemoConfig {
            enterprises: firms,
            first_year: 2019,
            last_year: 2024,
            seed: 20,
        },
    );
    let mut tx = store.begin_import().await.unwrap();
    tx.write_enterprises(&demo.enterprises).await.unwrap();
    tx.write_facts(&demo.facts).await.unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reforms_side_by_side_list_only_what_differs_between_them_and_last_year_is_the_stored_run()
{
    let store = testing::sqlite().await.unwrap();
    demo_store(&store, 3000).await;
    let y = Year::new(2024).unwrap();
    let base = Baseline::load(&store, &Scope::Zone, y).await.unwrap();
    let cap300 = reform("上限300", AWARD, "cap", "300");
    let cap0 = reform("上限0.5", AWARD, "cap", "0.5");
    let rs = vec![("a".to_string(), cap300.clone()), ("b".to_string(), cap0)];
    let c = compare(&base, &rs).unwrap();
    assert_eq!(c.columns.len(), 3);
    assert_eq!(c.columns[0].name, "现行规则");
    let oa = evaluate(&base, &cap300).unwrap();
    assert!(
        !oa.diffs.is_empty(),
        "the demo has capped first-time awards"
    );
    assert_eq!(c.columns[0].total_fen, oa.base_total_fen);
    assert_eq!(c.columns[1].total_fen, oa.reform_total_fen);
    assert!(c.columns[2].total_fen < c.columns[0].total_fen);
    for col in &c.columns {
        // the budget by park and by policy add up to the column's total
        assert_eq!(
            col.by_park.iter().sum::<i64>(),
            col.total_fen,
            "{}",
            col.name
        );
        let award_sum: i64 = c
            .rules
            .iter()
            .zip(&col.by_rule)
            .filter(|(r, _)| r.2)
            .map(|(_, v)| v.1)
            .sum();
        assert_eq!(award_sum, col.total_fen);
    }
    assert_eq!(
        c.columns[1].winners,
        oa.gains.iter().filter(|g| g.delta_fen > 0).count()
    );
    assert!(c.columns[2].losers > 0);
    // every firm the two caps treat differently is listed, with the baseline first
    assert!(!c.differing.is_empty());
    for d in &c.differing {
        assert_eq!(d.rule, AWARD);
        assert_eq!(d.cells.len(), 3);
        assert_ne!(d.cells[1], d.cells[2]);
    }
    // the same reform twice: the changes are shared, nothing differs between them
    let same = compare(
        &base,
        &[
            ("a".to_string(), cap300.clone()),
            ("a2".to_string(), cap300),
        ],
    )
    .unwrap();
    assert!(same.differing.is_empty());
    assert_eq!(same.columns[1].total_fen, same.columns[2].total_fen);

    // last year's actual results: none stored yet, then the official run of 2023
    let a = actual(&store, &Scope::Zone, 2024).await.unwrap();
    assert_eq!(a.year, 2023);
    assert!(a.run.is_none() && a.paid.is_none());
    let (official, rec) = run_rules(&store, Year::new(2023).unwrap()).await.unwrap();
    let a = actual(&store, &Scope::Zone, 2024).await.unwrap();
    let run = a.run.unwrap();
    assert_eq!(run.run_id, rec.id);
    let want: i64 = official.budgets.iter().map(|b| b.total_fen).sum();
    assert_eq!(run.total_fen, want);
    assert_eq!(run.by_park.values().sum::<i64>(), want);

    // a paid award of 2023 in the ledger is counted as paid; an unpaid one is not
    let mut award = gaoxin_store::PayoutRow {
        id: 0,
        uscc: "91320191MA1XXXXXX1".into(),
        firm_name: "测试公司".into(),
        park: "jiangbei".into(),
        year: 2023,
        rule: AWARD.into(),
        rule_version: "1".into(),
        run_id: rec.id.clone(),
        computed_fen: 150_000_000,
        channel: "申报".into(),
        state: "拨付".into(),
        approved_fen: Some(150_000_000),
        paid_fen: Some(120_000_000),
        approved_on: Some(20240301),
        paid_on: Some(20240401),
        published_on: None,
        flagged: false,
        supply: String::new(),
        version: 1,
    };
    let step = gaoxin_store::PayoutStep {
        payout_id: 0,
        seq: 0,
        at: 1_700_000_000,
        on_date: 20240401,
        actor: "system".into(),
        role: "system".into(),
        step: "导入拨付".into(),
        from_state: None,
        to_state: "拨付".into(),
        amount_fen: Some(120_000_000),
        reason: String::new(),
        fund_source: String::new(),
        paid_on: Some(20240401),
        note: String::new(),
    };
    let mut unpaid = award.clone();
    unpaid.uscc = "91320191MA1XXXXXX2".into();
    unpaid.paid_fen = None;
    unpaid.state = "核准".into();
    award.uscc = "91320191MA1XXXXXX1".into();
    store
        .create_payouts(&[
            (award, vec![step.clone()], vec![]),
            (unpaid, vec![step], vec![]),
        ])
        .await
        .unwrap();
    let a = actual(&store, &Scope::Zone, 2024).await.unwrap();
    let paid = a.paid.unwrap();
    assert_eq!(
        (paid.awards, paid.paid, paid.total_fen),
        (2, 1, 120_000_000)
    );
    assert_eq!(paid.by_rule[AWARD], (1, 120_000_000));
    assert_eq!(paid.by_park["jiangbei"], 120_000_000);
    // another park's administrator reads none of it
    let other = actual(
        &store,
        &Scope::Park(gaoxin_model::ParkId::parse("gulou").unwrap()),
        2024,
    )
    .await
    .unwrap();
    assert!(other.paid.is_none());
}
