use super::*;
use crate::rules_runs::{self, run_rules};
use gaoxin_demo::{DemoConfig, generate};
use gaoxin_model::Zone;
use gaoxin_store::testing;
use std::path::Path;

const AWARD: &str = "nanjing_first_unicorn_award_2025";

fn zone() -> Zone {
    Zone::parse(include_str!("../../../../data/reference/zone.toml")).unwrap()
}

fn example() -> Reform {
    Reform::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/reforms/unicorn_cap_300.toml"),
    )
    .unwrap()
}

/// A lower unicorn valuation threshold (10 → 5 亿美元): more unicorns, so more first-time awards.
fn lower_threshold() -> Reform {
    Reform::parse(
        Path::new("门槛.toml"),
        "name = \"独角兽估值门槛降至5亿美元\"\nauthor = \"测试\"\n[[params]]\nrule = \"nanjing_unicorn_2024\"\nname = \"min_valuation\"\nvalue = 5\n",
    )
    .unwrap()
}

/// The first-time unicorn cap lowered below the awards paid (0.5万元).
fn low_cap() -> Reform {
    Reform::parse(
        Path::new("低上限.toml"),
        &format!("name = \"低上限\"\nauthor = \"测试\"\n[[params]]\nrule = \"{AWARD}\"\nname = \"cap\"\nvalue = 0.5\n"),
    )
    .unwrap()
}

async fn demo_store(store: &Store, firms: usize) {
    let cfg = DemoConfig {
        enterprises: firms,
        first_year: 2019,
        last_year: 2024,
        seed: 20,
    };
    let demo = generate(&zone(), &cfg);
    let mut tx = store.begin_import().await.unwrap();
    tx.write_enterprises(&demo.enterprises).await.unwrap();
    tx.write_facts(&demo.facts).await.unwrap();
    tx.commit().await.unwrap();
}

/// Checks that an outcome adds up: zone totals are the sums of the parks', the total change is
/// the sum of the per-firm changes, newly/no longer qualifying match the firm lists.
fn adds_up(o: &Outcome) {
    for r in &o.rules {
        let parks: Vec<&RuleDiff> = o.parks.iter().filter(|p| p.rule == r.rule).collect();
        if !parks.is_empty() {
            assert_eq!(parks.iter().map(|p| p.base_fen).sum::<i64>(), r.base_fen);
            assert_eq!(
                parks.iter().map(|p| p.reform_fen).sum::<i64>(),
                r.reform_fen
            );
            assert_eq!(parks.iter().map(|p| p.gained).sum::<usize>(), r.gained);
            assert_eq!(parks.iter().map(|p| p.lost).sum::<usize>(), r.lost);
        }
        let firms = o.diffs.iter().filter(|d| d.rule == r.rule);
        assert_eq!(firms.clone().filter(|d| d.gained()).count(), r.gained);
        assert_eq!(firms.clone().filter(|d| d.lost()).count(), r.lost);
        assert_eq!(
            r.reform_pass as i64 - r.base_pass as i64,
            r.gained as i64 - r.lost as i64
        );
        assert_eq!(
            firms.map(|d| d.delta_fen()).sum::<i64>(),
            r.reform_fen - r.base_fen,
            "{}",
            r.rule
        );
    }
    assert_eq!(
        o.gains.iter().map(|g| g.delta_fen).sum::<i64>(),
        o.delta_total_fen()
    );
    assert!(o.gains.windows(2).all(|w| w[0].delta_fen >= w[1].delta_fen));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reform_on_a_demo_store_is_compared_with_the_official_run_and_changes_nothing_stored() {
    for store in testing::all().await.unwrap() {
        demo_store(&store, 3000).await;
        let (official, run) = run_rules(&store, Year::new(2024).unwrap()).await.unwrap();
        let rows_before = store
            .rule_results(&Scope::Zone, &run.id, None, None)
            .await
            .unwrap();
        let base = Baseline::load(&store, &Scope::Zone, Year::new(2024).unwrap())
            .await
            .unwrap();
        assert_eq!(base.panel.len(), official.record.firms);
        let counted: usize = official
            .counts
            .iter()
            .filter(|c| c.rule == AWARD)
            .map(|c| c.pass + c.fail + c.depends + c.unknown)
            .sum();
        assert_eq!(base.firms(), counted);

        // The baseline is the official run: per rule and park, the same eligible firms and budget.
        let none = evaluate(&base, &form_reform(&base, AWARD, "测试", &[])).unwrap();
        assert!(none.diffs.is_empty() && none.changes.is_empty());
        for b in &official.budgets {
            let p = none
                .parks
                .iter()
                .find(|p| p.rule == b.rule && p.park == b.park)
                .unwrap();
            assert_eq!(
                (p.base_fen, p.reform_fen),
                (b.total_fen, b.total_fen),
                "{b:?}"
            );
        }

        // Raising the cap: nobody newly or no longer eligible; exactly the capped awards rise.
        let o = evaluate(&base, &example()).unwrap();
        adds_up(&o);
        assert_eq!(o.changes.len(), 1);
        assert!(o.rules.iter().all(|r| r.gained == 0 && r.lost == 0));
        for d in &o.diffs {
            assert_eq!(d.rule, AWARD);
            assert_eq!(d.base_fen, Some(200_000_000));
            assert!(d.reform_fen.unwrap() > 200_000_000 && d.reform_fen.unwrap() <= 300_000_000);
        }
        let award = o.rules.iter().find(|r| r.rule == AWARD).unwrap();
        assert_eq!(award.amount_changed, o.diffs.len());

        // Lowering the cap below the awards paid (0.5万元): every award above it falls to it.
        let o = evaluate(&base, &low_cap()).unwrap();
        adds_up(&o);
        let above: Vec<i64> = (0..base.panel.len())
            .filter(|r| {
                base.here[*r] && base.batch.rule(AWARD).unwrap().verdict[*r] == Verdict::Pass
            })
            .filter_map(|r| base.batch.rule(AWARD).unwrap().award_at(r))
            .filter(|a| *a > 500_000)
            .collect();
        assert!(!above.is_empty());
        assert_eq!(o.diffs.len(), above.len());
        assert!(
            o.diffs
                .iter()
                .all(|d| d.reform_fen == Some(500_000) && d.base_fen > Some(500_000))
        );
        assert_eq!(
            o.delta_total_fen(),
            above.iter().map(|a| 500_000 - a).sum::<i64>()
        );

        // A lower valuation threshold: new unicorns, by park and tier, with the awards they bring.
        let o = evaluate(&base, &lower_threshold()).unwrap();
        adds_up(&o);
        let xlsx = crate::reform_workbook::workbook(&zone(), &o).unwrap();
        assert!(xlsx.starts_with(b"PK") && xlsx.len() > 5_000);
        let unicorns = o
            .rules
            .iter()
            .find(|r| r.rule == "nanjing_unicorn_2024")
            .unwrap();
        assert!(unicorns.gained > 0 && unicorns.lost == 0, "{unicorns:?}");
        assert_eq!(
            o.tiers
                .iter()
                .filter(|t| t.rule == unicorns.rule)
                .map(|t| t.gained)
                .sum::<usize>(),
            unicorns.gained
        );
        assert!(o.gained().all(|d| d.base != Verdict::Pass));

        // Evaluating only the affected rules gives exactly what evaluating every rule gives.
        for r in [example(), lower_threshold(), low_cap()] {
            let (scoped, _) = evaluate_scoped(&base, &r, true).unwrap();
            let (full, _) = evaluate_scoped(&base, &r, false).unwrap();
            assert_eq!(
                serde_json::to_string(&scoped).unwrap(),
                serde_json::to_string(&full).unwrap(),
                "{}",
                r.name
            );
        }

        // Nothing stored changed: the latest run of the year is the official one, row for row.
        let (_, latest) = rules_runs::latest(&store, &Scope::Zone, Year::new(2024).unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(latest.id, run.id);
        let rows_after = store
            .rule_results(&Scope::Zone, &run.id, None, None)
            .await
            .unwrap();
        assert_eq!(rows_before.len(), rows_after.len());
        assert!(
            rows_before
                .iter()
                .zip(&rows_after)
                .all(|(a, b)| a.uscc == b.uscc && a.rule == b.rule && a.amount_fen == b.amount_fen)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_reform_out_of_range_is_refused_and_a_year_without_data_is_said_so() {
    let store = testing::sqlite().await.unwrap();
    demo_store(&store, 200).await;
    let base = Baseline::load(&store, &Scope::Zone, Year::new(2024).unwrap())
        .await
        .unwrap();
    let params = base.params(AWARD).unwrap();
    let cap = params.iter().find(|p| p.name == "cap").unwrap();
    assert_eq!((cap.value, cap.unit.as_str()), (Some(200.0), "万元"));
    let r = form_reform(&base, AWARD, "测试", &[("cap".into(), -1.0)]);
    let es = evaluate(&base, &r).unwrap_err();
    assert!(errors_zh(&es).contains("金额不能为负"), "{es:?}");
    let r = form_reform(&base, AWARD, "测试", &[("nope".into(), 1.0)]);
    assert!(errors_zh(&evaluate(&base, &r).unwrap_err()).contains("没有参数「nope」"));
    match Baseline::load(&store, &Scope::Zone, Year::new(2030).unwrap()).await {
        Err(EvalError::NoData(m)) => assert!(m.contains("2030 年没有企业数据"), "{m}"),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("a year without data has no baseline"),
    }
}

#[test]
fn park_totals_follow_the_zone_order_and_sum_every_rule() {
    let d = |rule: &str, park: &str, gained, lost, base_fen, reform_fen| RuleDiff {
        rule: rule.into(),
        name: rule.into(),
        park: park.into(),
        has_award: true,
        base_pass: 0,
        reform_pass: 0,
        gained,
        lost,
        amount_changed: 0,
        base_fen,
        reform_fen,
    };
    let parks = vec![
        d("a", "xingang", 2, 0, 100, 300),
        d("b", "xingang", 0, 1, 50, 0),
        d("a", "other", 1, 0, 0, 7),
    ];
    let order = vec!["jiangbei".to_string(), "xingang".to_string()];
    let t = park_totals(&parks, &order);
    let row = |p: &str, g, l, f| ParkTotal {
        park: p.into(),
        gained: g,
        lost: l,
        delta_fen: f,
    };
    assert_eq!(
        t,
        vec![
            row("jiangbei", 0, 0, 0),
            row("xingang", 2, 1, 150),
            row("other", 1, 0, 7),
        ]
    );
}
