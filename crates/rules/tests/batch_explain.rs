//! Batch evaluation and single-firm explain come from the same plan: on many random firms they
//! must agree on every verdict, award, verification flag, assumption flag and distance. Also
//! checks the ladder, lists, funnel, budget and run record on the same data.
use std::path::Path;

use gaoxin_rules::plan::Verdict;
use gaoxin_rules::{
    EvalOptions, RulesRunRecord, compile_for_run, default_as_of, evaluate, explain, load_dir,
};
use gaoxin_rules::{funnel, ladder};

fn files() -> Vec<gaoxin_rules::RuleFile> {
    load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/rules"))
        .expect("rule files load")
}

#[test]
fn batch_and_explain_agree_on_random_firms() {
    let files = files();
    let panel = gaoxin_rules::synth::generate(400, 2019, 2024, 7, 0.03, 0.6);
    for assumption in [
        gaoxin_rules::Assumption::Conservative,
        gaoxin_rules::Assumption::Optimistic,
    ] {
        let opts = EvalOptions { assumption };
        let (plan, skipped) = compile_for_run(&files, default_as_of(2024));
        assert!(skipped.is_empty(), "{skipped:?}");
        let batch = evaluate(&plan, &panel, 2024, &opts);
        let single = gaoxin_rules::batch::evaluate_with(&plan, &panel, 2024, &opts, 1);
        let mut seen = [0usize; 3];
        for r in &plan.rules {
            let b = batch.rule(&r.id).unwrap();
            let s = single.rule(&r.id).unwrap();
            assert_eq!(b.verdict, s.verdict, "thread split changes nothing");
            for row in 0..panel.len() {
                let ex = explain(&plan, &panel, row, 2024, &r.id, &opts).unwrap();
                assert_eq!(ex.verdict, b.verdict[row], "{} row {row}", r.id);
                assert_eq!(ex.award, b.award_at(row), "{} row {row}", r.id);
                assert_eq!(ex.auto_grant, b.verified[row], "{} row {row}", r.id);
                assert_eq!(
                    ex.assumption_dependent, b.assumption_dependent[row],
                    "{} row {row}",
                    r.id
                );
                if !b.distance[row].is_nan() {
                    assert_eq!(ex.distance as f32, b.distance[row], "{} row {row}", r.id);
                }
                seen[ex.verdict.code() as usize] += 1;
            }
        }
        assert!(
            seen.iter().all(|c| *c > 0),
            "data exercises pass, fail and unknown: {seen:?}"
        );
    }
}

/// A panel of several blocks of rows (the unit a thread takes): results do not depend on how
/// many threads take the blocks or in which order, whichever outputs are computed (verdicts and
/// awards only fuse more comparisons into their all/any), and rows on both sides of each block
/// boundary agree with explain. With missing cells (comparisons evaluated on their own, three-
/// valued) and complete (fused comparisons evaluated inline).
#[test]
fn block_split_changes_nothing() {
    for missing in [0.02, 0.0] {
        block_split_on(missing);
    }
}

fn block_split_on(missing: f64) {
    let files = files();
    let panel = gaoxin_rules::synth::generate(40_000, 2019, 2024, 5, missing, 0.6);
    let opts = EvalOptions::default();
    let (plan, _) = compile_for_run(&files, default_as_of(2024));
    let one = gaoxin_rules::batch::evaluate_with(&plan, &panel, 2024, &opts, 1);
    let three = gaoxin_rules::batch::evaluate_with(&plan, &panel, 2024, &opts, 3);
    let va = gaoxin_rules::batch::evaluate_outputs(
        &plan,
        &panel,
        2024,
        &opts,
        2,
        gaoxin_rules::Outputs::VerdictsAndAwards,
    );
    let block = 16 * gaoxin_rules::batch::CHUNK;
    assert!(panel.len() > 2 * block);
    for r in &plan.rules {
        let (a, b, c) = (
            one.rule(&r.id).unwrap(),
            three.rule(&r.id).unwrap(),
            va.rule(&r.id).unwrap(),
        );
        assert_eq!(a.verdict, b.verdict, "{}", r.id);
        assert_eq!(a.verdict, c.verdict, "{}", r.id);
        assert_eq!(a.award, b.award, "{}", r.id);
        assert_eq!(a.award, c.award, "{}", r.id);
        assert_eq!(a.verified, b.verified, "{}", r.id);
        assert_eq!(a.assumption_dependent, b.assumption_dependent, "{}", r.id);
        let bits = |d: &[f32]| d.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&a.distance), bits(&b.distance), "{}", r.id);
        let boundaries = [
            0,
            block - 1,
            block,
            2 * block - 1,
            2 * block,
            panel.len() - 1,
        ];
        for row in boundaries.into_iter().chain((0..panel.len()).step_by(997)) {
            let ex = explain(&plan, &panel, row, 2024, &r.id, &opts).unwrap();
            assert_eq!(ex.verdict, b.verdict[row], "{} row {row}", r.id);
            assert_eq!(ex.verdict, c.verdict[row], "{} row {row}", r.id);
            assert_eq!(ex.award, b.award_at(row), "{} row {row}", r.id);
        }
    }
}

/// A block whose last chunk has a single row (1,025 firms: 1,024 + 1) evaluates that row with
/// the batch's in-place facts and fused comparisons too, and agrees with explain.
#[test]
fn single_row_tail_chunk_agrees_with_explain() {
    let files = files();
    let n = gaoxin_rules::batch::CHUNK + 1;
    for missing in [0.0, 0.02] {
        let panel = gaoxin_rules::synth::generate(n, 2019, 2024, 9, missing, 0.6);
        let opts = EvalOptions::default();
        let (plan, _) = compile_for_run(&files, default_as_of(2024));
        for outputs in [
            gaoxin_rules::Outputs::VerdictsAndAwards,
            gaoxin_rules::Outputs::Full,
        ] {
            let b = gaoxin_rules::batch::evaluate_outputs(&plan, &panel, 2024, &opts, 1, outputs);
            for r in &plan.rules {
                let res = b.rule(&r.id).unwrap();
                for row in [0, n - 2, n - 1] {
                    let ex = explain(&plan, &panel, row, 2024, &r.id, &opts).unwrap();
                    assert_eq!(
                        ex.verdict, res.verdict[row],
                        "{} row {row} {outputs:?}",
                        r.id
                    );
                    assert_eq!(ex.award, res.award_at(row), "{} row {row}", r.id);
                }
            }
        }
    }
}

#[test]
fn ladder_lists_funnel_budget_and_run_record() {
    let files = files();
    let panel = gaoxin_rules::synth::generate(3000, 2019, 2024, 11, 0.02, 0.7);
    let opts = EvalOptions::default();
    let mut runs = Vec::new();
    for y in [2022, 2023, 2024] {
        let (plan, _) = compile_for_run(&files, default_as_of(y));
        let b = evaluate(&plan, &panel, y, &opts);
        runs.push((y, plan, b));
    }
    let (_, plan, batch) = &runs[2];
    let rungs = ladder::rungs(plan);
    assert_eq!(
        rungs.iter().map(|r| r.label.as_str()).collect::<Vec<_>>(),
        [
            "科技型中小企业",
            "高新技术企业",
            "瞪羚企业",
            "独角兽企业",
            "领军企业"
        ]
    );
    assert!(rungs.last().unwrap().rule.is_none() && rungs.last().unwrap().note.is_some());
    // The current rung is recognised by a record, or — where no record exists — the rule passes.
    let pos = ladder::positions(plan, &panel, batch);
    for p in &pos {
        if p.level > 0 {
            let st = p.standings.iter().find(|s| s.level == p.level).unwrap();
            match p.basis.unwrap() {
                ladder::Basis::Record => assert_eq!(st.record, ladder::Record::Recognised),
                ladder::Basis::Rules => {
                    assert_eq!(st.record, ladder::Record::NoRecord);
                    assert_eq!(batch.rule(&st.rule).unwrap().verdict[p.row], Verdict::Pass);
                }
            }
        }
        for st in p.standings.iter().filter(|s| s.level > p.level) {
            assert!(st.record != ladder::Record::Recognised);
            assert!(st.record != ladder::Record::NoRecord || st.verdict != Verdict::Pass);
        }
    }
    assert!(
        pos.iter().any(|p| p.basis == Some(ladder::Basis::Record)),
        "the synthetic panel's certificates place some firms"
    );
    let near = ladder::nearest(plan, &panel, batch, "hightech_2016", 50);
    assert!(!near.is_empty());
    assert!(near.windows(2).all(|w| w[0].distance <= w[1].distance));
    // Off-ladder rules get their distances on demand, equal to explain's.
    let near = ladder::nearest(plan, &panel, batch, "specialized_sme_2022", 20);
    assert!(near.iter().all(|n| !n.distance.is_nan()));
    for n in &near {
        let ex = explain(plan, &panel, n.row, 2024, "specialized_sme_2022", &opts).unwrap();
        assert_eq!(ex.distance as f32, n.distance);
    }
    let lists = ladder::grant_lists(plan, &panel, batch, "nanjing_first_unicorn_award_2025");
    for e in &lists.auto_grant {
        assert!(e.supply.is_empty());
        assert!(e.award.is_some_and(|a| a > 0 && a <= 200_000_000));
    }
    assert!(!lists.fast_track.is_empty());
    for e in &lists.fast_track {
        assert!(!e.supply.is_empty(), "快申快享 entries name what to supply");
        assert!(e.supply.iter().all(|s| !s.provenance.is_verified()));
    }
    let everyone = vec![true; panel.len()];
    let b = funnel::budget(&panel, batch, "nanjing_first_unicorn_award_2025", &everyone).unwrap();
    let award = batch.rule("nanjing_first_unicorn_award_2025").unwrap();
    let firms: usize = b.iter().map(|x| x.firms + x.depends).sum();
    let dependent_pass = (0..panel.len())
        .filter(|r| award.assumption_dependent[*r] && award.verdict[*r] == Verdict::Fail)
        .count();
    assert_eq!(firms, award.count(Verdict::Pass) + dependent_pass);
    let total: i64 = (0..panel.len())
        .filter(|r| award.verdict[*r] == Verdict::Pass && !award.assumption_dependent[*r])
        .filter_map(|r| award.award_at(r))
        .sum();
    assert_eq!(b.iter().map(|x| x.total_fen).sum::<i64>(), total);
    assert!(b.windows(2).all(|w| w[0].park < w[1].park));
    let positions: Vec<Vec<ladder::LadderPosition>> = runs
        .iter()
        .map(|(_, p, b)| ladder::positions(p, &panel, b))
        .collect();
    let years: Vec<funnel::FunnelYear> = runs
        .iter()
        .zip(&positions)
        .map(|((y, _, _), pos)| funnel::FunnelYear {
            year: *y,
            positions: pos,
            present: &everyone,
        })
        .collect();
    let f = funnel::funnel(&panel, &rungs, &years);
    assert_eq!(f.years, [2022, 2023, 2024]);
    for y in &f.years {
        assert_eq!(
            f.rows
                .iter()
                .filter(|r| r.year == *y)
                .map(|r| r.counts.iter().sum::<usize>())
                .sum::<usize>(),
            panel.len()
        );
    }
    assert!(f.conversions.iter().all(|c| c.moved_up <= c.firms));
    let rec = RulesRunRecord::new(&files, plan, &panel, batch);
    let again = RulesRunRecord::new(&files, plan, &panel, &evaluate(plan, &panel, 2024, &opts));
    assert_eq!(rec, again, "a run is reproducible");
    let json = serde_json_like(&rec);
    assert!(json.contains("hightech_2016"));
}

fn serde_json_like(r: &RulesRunRecord) -> String {
    format!("{:?}", toml::Value::try_from(r).expect("serialisable"))
}

/// Every gap is the smallest change: the condition passes at the required value and fails one
/// unit short of it (checked by explaining a copy of the firm with the fact changed).
#[test]
fn gaps_are_minimal_and_sufficient() {
    let files = files();
    let panel = gaoxin_rules::synth::generate(300, 2019, 2024, 5, 0.0, 0.5);
    let (plan, _) = compile_for_run(&files, default_as_of(2024));
    let opts = EvalOptions::default();
    let mut checked = 0;
    for row in 0..panel.len() {
        for r in &plan.rules {
            let ex = explain(&plan, &panel, row, 2024, &r.id, &opts).unwrap();
            for c in ex.conditions.iter().filter(|c| c.verdict == Verdict::Fail) {
                for g in &c.gaps {
                    let f = gaoxin_model::F::by_key(g.key).unwrap();
                    let verdict_at = |v: i64| {
                        let mut one = panel.row(row);
                        let prov = one.get(0, g.year, f as usize).1;
                        one.set(0, g.year, f, Some(v), &prov);
                        let e = explain(&plan, &one, 0, 2024, &r.id, &opts).unwrap();
                        e.conditions.iter().find(|x| x.id == c.id).unwrap().verdict
                    };
                    assert_eq!(
                        verdict_at(g.required),
                        Verdict::Pass,
                        "{} {} {:?}",
                        r.id,
                        c.id,
                        g
                    );
                    let short = if g.change > 0 {
                        g.required - 1
                    } else {
                        g.required + 1
                    };
                    assert_ne!(
                        verdict_at(short),
                        Verdict::Pass,
                        "{} {} {:?} not minimal",
                        r.id,
                        c.id,
                        g
                    );
                    checked += 1;
                }
            }
        }
        if checked > 300 {
            break;
        }
    }
    assert!(checked > 50, "only {checked} gaps checked");
}

/// The ladder's next step names the next rung and explains its rule; at the top of the defined
/// rungs it says that 领军企业 has no official definition.
#[test]
fn next_step_explains_the_next_rung() {
    let files = files();
    let panel = gaoxin_rules::synth::generate(400, 2019, 2024, 3, 0.0, 0.5);
    let (plan, _) = compile_for_run(&files, default_as_of(2024));
    let batch = evaluate(&plan, &panel, 2024, &EvalOptions::default());
    let mut seen_top = false;
    for row in 0..panel.len() {
        let (pos, ex) = ladder::next_step(&plan, &panel, &batch, row).unwrap();
        let next = pos.next.clone().unwrap();
        match &next.rule {
            Some(id) => {
                let ex = ex.expect("a defined rung is explained");
                assert_eq!(&ex.rule_id, id);
                assert_eq!(Some(ex.verdict), pos.next_verdict);
            }
            None => {
                assert!(ex.is_none());
                assert!(next.note.as_deref().unwrap().contains("没有官方认定标准"));
                seen_top = true;
            }
        }
    }
    assert!(seen_top, "some synthetic firm is a unicorn");
    assert!(ladder::next_step(&plan, &panel, &batch, panel.len()).is_none());
}

/// A run over an earlier year leaves out files not yet in force; each rule's recorded hash is
/// still the hash of its own file (found by id), not of whichever file sits at its position.
#[test]
fn run_record_hashes_each_rules_own_file() {
    fn fnv(text: &str) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for x in text.as_bytes().iter().chain(std::iter::once(&0xffu8)) {
            h ^= *x as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{h:016x}")
    }
    let files = files();
    let panel = gaoxin_rules::synth::generate(50, 2017, 2021, 3, 0.0, 0.5);
    let (plan, skipped) = compile_for_run(&files, default_as_of(2021));
    assert!(
        !skipped.is_empty(),
        "some files are not in force in 2021, so plan positions differ from file positions"
    );
    let batch = evaluate(&plan, &panel, 2021, &EvalOptions::default());
    let rec = RulesRunRecord::new(&files, &plan, &panel, &batch);
    assert_eq!(rec.rules.len(), plan.rules.len());
    let mut shifted = 0;
    for (i, r) in rec.rules.iter().enumerate() {
        let f = files
            .iter()
            .find(|f| f.id == r.id)
            .expect("file of the rule");
        assert_eq!(r.file_hash, fnv(&f.text), "{}", r.id);
        if files[i].id != r.id {
            shifted += 1;
        }
    }
    assert!(shifted > 0, "the test exercises shifted positions");
}

/// A panel generated with only the cells the plan reads gives the same results as the full one.
#[test]
fn panel_of_the_plans_facts_evaluates_the_same() {
    let files = files();
    let (plan, _) = compile_for_run(&files, default_as_of(2024));
    let read = plan.facts_read(2024);
    let full = gaoxin_rules::synth::generate_with(300, 2019, 2024, 11, 0.05, 0.6, None);
    let keep = |y: i32, f: gaoxin_model::F| read.binary_search(&(y, f as usize)).is_ok();
    let slim = gaoxin_rules::synth::generate_keeping(300, 2019, 2024, 11, 0.05, 0.6, None, &keep);
    let opts = EvalOptions::default();
    let (a, b) = (
        evaluate(&plan, &full, 2024, &opts),
        evaluate(&plan, &slim, 2024, &opts),
    );
    for (x, y) in a.rules.iter().zip(&b.rules) {
        assert_eq!(x.verdict, y.verdict, "{}", x.rule);
        assert_eq!(x.award, y.award, "{}", x.rule);
        assert_eq!(x.verified, y.verified, "{}", x.rule);
        assert_eq!(x.assumption_dependent, y.assumption_dependent, "{}", x.rule);
    }
}
