//! A yearly parameter (the 2021 incentive's city-average growth) applies to its own fiscal year
//! only: batch and explain agree, on many firms, that a year without a published value leaves
//! the verdict unknown and pays nothing, and that the year with a value is computed with it.
use std::path::Path;

use gaoxin_rules::plan::Verdict;
use gaoxin_rules::{EvalOptions, compile_for_run, default_as_of, evaluate, explain, load_dir};

#[test]
fn a_year_without_its_value_is_unknown_in_batch_and_explain() {
    let files = load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/rules"))
        .expect("rule files load");
    let opts = EvalOptions::default();
    let panel = gaoxin_rules::synth::generate(3000, 2019, 2025, 3, 0.02, 0.6);
    let id = "nanjing_incentive_2021";
    let mut seen = [[0usize; 3]; 2];
    for (k, year) in [2024, 2025].into_iter().enumerate() {
        let (plan, _) = compile_for_run(&files, default_as_of(year));
        let batch = evaluate(&plan, &panel, year, &opts);
        let single = gaoxin_rules::batch::evaluate_with(&plan, &panel, year, &opts, 1);
        let b = batch.rule(id).unwrap();
        assert_eq!(b.verdict, single.rule(id).unwrap().verdict);
        for row in 0..panel.len() {
            let v = b.verdict[row];
            seen[k][v.code() as usize] += 1;
            if year == 2025 {
                // No city-average growth for 2025: never a pass, never an amount.
                assert_ne!(v, Verdict::Pass, "row {row}");
                assert_eq!(b.award_at(row), None, "row {row}");
            }
            if row % 7 == 0 {
                let ex = explain(&plan, &panel, row, year, id, &opts).unwrap();
                assert_eq!(ex.verdict, v, "{year} row {row}");
                assert_eq!(ex.award, b.award_at(row), "{year} row {row}");
                assert_eq!(ex.auto_grant, b.verified[row], "{year} row {row}");
                if year == 2025 && v == Verdict::Unknown {
                    let c = ex
                        .conditions
                        .iter()
                        .find(|c| c.id == "contribution_grows")
                        .unwrap();
                    if c.verdict == Verdict::Unknown {
                        let note = c.note.as_deref().unwrap_or("");
                        assert!(
                            note.contains("缺少当年全市平均增速（2025年），无法计算"),
                            "{note}"
                        );
                    }
                }
            }
        }
    }
    // 2024 has passes (with amounts), 2025 has none.
    assert!(seen[0][Verdict::Pass.code() as usize] > 0, "{seen:?}");
    assert_eq!(seen[1][Verdict::Pass.code() as usize], 0, "{seen:?}");
    assert!(seen[1][Verdict::Unknown.code() as usize] > 0, "{seen:?}");
}

/// 首次入选 on many random firms: no firm paid in 2024 was a Nanjing unicorn by the criteria in
/// any earlier year since 2021 that its data reach (the returners the old reading paid).
#[test]
fn the_first_unicorn_award_never_pays_a_returner() {
    let files = load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/rules"))
        .expect("rule files load");
    let opts = EvalOptions::default();
    let panel = gaoxin_rules::synth::generate(3000, 2019, 2024, 17, 0.0, 0.6);
    let (plan, _) = compile_for_run(&files, default_as_of(2024));
    let batch = evaluate(&plan, &panel, 2024, &opts);
    let award = batch.rule("nanjing_first_unicorn_award_2025").unwrap();
    let unicorn = |y: i32| {
        let (p, _) = compile_for_run(&files, default_as_of(y));
        evaluate(&p, &panel, y, &opts)
            .rule("nanjing_unicorn_2024")
            .unwrap()
            .verdict
            .clone()
    };
    let earlier: Vec<_> = (2021..2024).map(|y| (y, unicorn(y))).collect();
    let (mut paid, mut returners) = (0, 0);
    for row in 0..panel.len() {
        let was = earlier
            .iter()
            .any(|(y, v)| *y >= panel.founded[row] as i32 / 10_000 && v[row] == Verdict::Pass);
        returners += (was && unicorn_now(&batch, row)) as usize;
        if award.verdict[row] == Verdict::Pass {
            paid += 1;
            assert!(
                !was,
                "row {row} was a unicorn before 2024 and is paid as first-time"
            );
        }
    }
    assert!(
        paid > 0 && returners > 0,
        "paid {paid}, returners {returners}"
    );
}

fn unicorn_now(b: &gaoxin_rules::BatchResult, row: usize) -> bool {
    b.rule("nanjing_unicorn_2024").unwrap().verdict[row] == Verdict::Pass
}
