//! A rules run's summary (funnel, counts, budgets: `gaoxin_rules::ladder`) agrees with its own
//! per-firm rows (the lists), computed apart: every count of the run's year is a count of rows.
use gaoxin_app::data_files::Source;
use gaoxin_app::rules_runs::{self, evaluate_panel};
use gaoxin_demo::{DemoConfig, generate};
use gaoxin_model::Zone;
use gaoxin_rules::Finding;
use gaoxin_store::RuleResultRow;
use std::collections::BTreeMap;

#[test]
fn the_summary_of_a_run_is_the_count_of_its_rows() {
    let zone = Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap();
    let demo = generate(
        &zone,
        &DemoConfig {
            enterprises: 600,
            first_year: 2019,
            last_year: 2024,
            seed: 5,
        },
    );
    let files = rules_runs::read_rules(&Source::Shipped).unwrap();
    let ev = evaluate_panel(
        &files,
        &demo.enterprises,
        &demo.facts,
        gaoxin_model::Year::new(2024).unwrap(),
    )
    .unwrap();
    let (s, rows) = (&ev.summary, &ev.rows);
    assert!(s.funnel_years.len() >= 2 && s.funnel_years.last() == Some(&2024));
    let rung_rule = s.rungs[0].rule.clone().unwrap();
    let of_rule =
        |id: &str| -> Vec<&RuleResultRow> { rows.iter().filter(|r| r.rule == id).collect() };
    // funnel of the run's year: firms per park and rung, and of them those placed by the rules
    let mut firms: BTreeMap<(&str, usize), (usize, usize)> = BTreeMap::new();
    for r in of_rule(&rung_rule) {
        let e = firms
            .entry((r.park.as_str(), r.level as usize))
            .or_default();
        e.0 += 1;
        e.1 += (r.level_basis == "rules") as usize;
    }
    let mut seen = 0;
    for f in s.funnel.iter().filter(|f| f.year == 2024) {
        for (l, n) in f.counts.iter().enumerate() {
            let want = firms
                .get(&(f.park.as_str(), l))
                .copied()
                .unwrap_or_default();
            assert_eq!((*n, f.by_rules[l]), want, "{} rung {l}", f.park);
            seen += n;
        }
    }
    assert_eq!(
        seen,
        of_rule(&rung_rule).len(),
        "every firm of the year once"
    );
    assert!(firms.keys().any(|(_, l)| *l > 0));
    // counts per rule and park by finding
    for c in &s.counts {
        let mine: Vec<_> = of_rule(&c.rule)
            .into_iter()
            .filter(|r| r.park == c.park)
            .collect();
        for f in Finding::ALL {
            let n = mine.iter().filter(|r| rules_runs::finding(r) == f).count();
            assert_eq!(c.of(f), n, "{} {} {f:?}", c.rule, c.park);
        }
        let recognised = mine.iter().filter(|r| r.record == "recognised").count();
        assert_eq!(c.recognised, recognised, "{} {}", c.rule, c.park);
    }
    // budgets per policy and park
    assert!(!s.budgets.is_empty());
    for b in &s.budgets {
        let mine: Vec<_> = of_rule(&b.rule)
            .into_iter()
            .filter(|r| r.park == b.park)
            .collect();
        let paid: Vec<_> = mine
            .iter()
            .filter(|r| r.verdict == "pass" && !r.assumption_dependent)
            .collect();
        assert_eq!(b.firms, paid.len(), "{} {}", b.rule, b.park);
        assert_eq!(
            b.total_fen,
            paid.iter().filter_map(|r| r.amount_fen).sum::<i64>()
        );
        assert_eq!(
            b.amount_unknown,
            paid.iter().filter(|r| r.amount_fen.is_none()).count()
        );
        assert_eq!(
            b.undecided,
            mine.iter().filter(|r| r.verdict == "unknown").count()
        );
        let depends = mine
            .iter()
            .filter(|r| r.assumption_dependent && r.verdict != "unknown")
            .count();
        assert_eq!(b.depends, depends, "{} {}", b.rule, b.park);
    }
}
