//! What an explanation prints must never make a failure look like a pass: a displayed "have"
//! that differs from its "need" never reads the same, and a gap is never printed as zero.
//! Checked on random firms and on firms placed one unit (fen, cent, person) short of every
//! threshold the gap search finds — the population on which rounding would show.
use std::path::Path;

use gaoxin_model::{Date, F, Listing, Provenance, Sector};
use gaoxin_rules::explain::Explanation;
use gaoxin_rules::plan::Verdict;
use gaoxin_rules::{
    EvalOptions, FirmAttrs, Panel, compile_for_run, default_as_of, explain, load_dir,
};

fn files() -> Vec<gaoxin_rules::RuleFile> {
    load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/rules"))
        .expect("rule files load")
}

/// Every displayed comparison and gap of an explanation, checked; returns how many failed
/// comparisons it saw.
fn assert_honest(ex: &Explanation, who: &str) -> usize {
    let mut failed = 0;
    for c in &ex.conditions {
        for p in &c.parts {
            if let (Some(h), Some(n)) = (p.have.value, p.need.value) {
                if h != n {
                    assert_ne!(
                        p.have.text, p.need.text,
                        "{who} {} {}: 「{}」 shows different values alike",
                        ex.rule_id, c.id, p.text
                    );
                }
                failed += (p.verdict == Verdict::Fail) as usize;
            }
        }
        for g in &c.gaps {
            assert_ne!(g.change, 0, "{who} {}: {}", ex.rule_id, g.text);
            // The amount printed after the verb has a non-zero digit.
            let amount = ["需增加 ", "需减少 ", "需提高 ", "需降低 ", "还需 "]
                .iter()
                .find_map(|v| g.text.split_once(v).map(|(_, r)| r))
                .unwrap_or_else(|| panic!("{who} {}: gap text 「{}」", ex.rule_id, g.text));
            let amount: String = amount.chars().take_while(|c| *c != '（').collect();
            assert!(
                amount.chars().any(|c| ('1'..='9').contains(&c)),
                "{who} {} {}: zero gap 「{}」",
                ex.rule_id,
                c.id,
                g.text
            );
        }
    }
    failed
}

#[test]
fn failures_never_display_as_passes_on_and_beside_every_threshold() {
    let files = files();
    let (plan, _) = compile_for_run(&files, default_as_of(2024));
    let opts = EvalOptions::default();
    let panel = gaoxin_rules::synth::generate(150, 2019, 2024, 11, 0.03, 0.6);
    let (mut failed, mut near) = (0, 0);
    for r in &plan.rules {
        for row in 0..panel.len() {
            let ex = explain(&plan, &panel, row, 2024, &r.id, &opts).unwrap();
            failed += assert_honest(&ex, &format!("row {row}"));
            // Move the firm to one unit short of each threshold found, and onto it.
            for c in ex.conditions.iter().filter(|c| c.verdict == Verdict::Fail) {
                for g in &c.gaps {
                    let f = *F::ALL.iter().find(|f| f.key() == g.key).unwrap();
                    let step = if g.change > 0 { 1 } else { -1 };
                    for v in [g.required - step, g.required] {
                        let mut one = panel.row(row);
                        let prov = one.get(0, g.year, f as usize).1;
                        one.set(0, g.year, f, Some(v), &prov);
                        let ex = explain(&plan, &one, 0, 2024, &r.id, &opts).unwrap();
                        failed += assert_honest(&ex, &format!("row {row} {}={v}", g.key));
                        near += 1;
                    }
                }
            }
        }
    }
    assert!(
        failed > 1000 && near > 200,
        "{failed} failed comparisons, {near} near-threshold firms"
    );
}

fn firm(founded: &str, sector: Sector) -> Panel {
    let mut p = Panel::new(2021, 2024);
    p.push_firm(&FirmAttrs {
        uscc: "TEST".into(),
        name: "测试企业".into(),
        park: "p".into(),
        founded: Date::parse(founded).unwrap(),
        sector,
        listing: Listing::Unlisted,
        tech_field_ok: true,
        sme_class: 0,
    });
    p
}

fn set(p: &mut Panel, f: F, y: i32, v: i64) {
    p.set(0, y, f, Some(v), &Provenance::Declared);
}

#[test]
fn a_valuation_one_cent_short_or_above_is_shown_to_the_cent() {
    let files = files();
    let (plan, _) = compile_for_run(&files, default_as_of(2024));
    let opts = EvalOptions::default();
    let mut p = firm("2015-01-01", Sector::Services);
    set(&mut p, F::PrivateInvestment, 2024, 1);
    set(&mut p, F::CreditBlacklist, 2024, 0);
    // 10亿美元 is 100,000,000,000 cents: exactly on the bound fails (超过 excludes it), the
    // smallest passing valuation is one cent more.
    set(&mut p, F::ValuationUsd, 2024, 100_000_000_000);
    let ex = explain(&plan, &p, 0, 2024, "nanjing_unicorn_2024", &opts).unwrap();
    let c = ex
        .conditions
        .iter()
        .find(|c| c.id == "valuation_ok")
        .unwrap();
    assert_eq!(c.verdict, Verdict::Fail);
    assert!(
        c.gaps[0].text.contains("需提高 0.01美元"),
        "{}",
        c.gaps[0].text
    );
    // 培育独角兽 (services: 超过1亿美元) at one cent above the bound passes, and says so.
    set(&mut p, F::ValuationUsd, 2024, 10_000_000_001);
    let ex = explain(
        &plan,
        &p,
        0,
        2024,
        "nanjing_prospective_unicorn_2024",
        &opts,
    )
    .unwrap();
    let c = ex
        .conditions
        .iter()
        .find(|c| c.id == "valuation_ok")
        .unwrap();
    assert_eq!(c.verdict, Verdict::Pass);
    assert!(
        c.parts[0].text.contains("实际10,000.000001万美元"),
        "{}",
        c.parts[0].text
    );
    // Exactly 1亿美元 fails, and reads as equal to the bound it must exceed.
    set(&mut p, F::ValuationUsd, 2024, 10_000_000_000);
    let ex = explain(
        &plan,
        &p,
        0,
        2024,
        "nanjing_prospective_unicorn_2024",
        &opts,
    )
    .unwrap();
    let c = ex
        .conditions
        .iter()
        .find(|c| c.id == "valuation_ok")
        .unwrap();
    assert_eq!(c.verdict, Verdict::Fail);
    assert!(
        c.parts[0].text.contains("需超过1亿美元，实际1亿美元"),
        "{}",
        c.parts[0].text
    );
}

/// A firm whose earlier years the data do not reach is 无法判定 for 首次入选, and the explanation
/// says which single record settles it (not only the nine earlier facts that are missing).
#[test]
fn an_unknown_first_listing_names_the_record_that_settles_it() {
    let files = files();
    let (plan, _) = compile_for_run(&files, default_as_of(2024));
    let opts = EvalOptions::default();
    let mut p = firm("2015-01-01", Sector::Services);
    set(&mut p, F::PrivateInvestment, 2024, 1);
    set(&mut p, F::CreditBlacklist, 2024, 0);
    set(&mut p, F::ValuationUsd, 2024, 120_000_000_000);
    set(&mut p, F::RdExpense, 2024, 3_000_000_000);
    let ex = explain(
        &plan,
        &p,
        0,
        2024,
        "nanjing_first_unicorn_award_2025",
        &opts,
    )
    .unwrap();
    let c = ex.conditions.iter().find(|c| c.id == "first_time").unwrap();
    assert_eq!(c.verdict, Verdict::Unknown);
    let note = c.note.as_deref().unwrap_or("");
    assert!(note.contains("缺少数据"), "{note}");
    assert!(note.contains("首次入选南京市独角兽榜单年份"), "{note}");
    // With the record, the same firm is decided (first listed this year → paid).
    set(&mut p, F::UnicornFirstYear, 2024, 2024);
    let ex = explain(
        &plan,
        &p,
        0,
        2024,
        "nanjing_first_unicorn_award_2025",
        &opts,
    )
    .unwrap();
    assert_eq!(ex.verdict, Verdict::Pass);
}
