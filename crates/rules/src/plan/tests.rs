use super::*;
use crate::file::parse_file;
use crate::panel::FirmAttrs;
use gaoxin_model::{Provenance, Sector};
use std::path::Path;

fn file(body: &str) -> RuleFile {
    let head = r#"
id = "t"
name = "测试"
version = "1"
document = "无"
issuer = "无"
effective_from = "2020-01-01"
source = "test"
status = "CONFIRMED"
kind = "qualification"
"#;
    parse_file(Path::new("t.toml"), &format!("{head}{body}")).unwrap()
}

fn one_firm(founded: &str) -> Panel {
    let mut p = Panel::new(2021, 2024);
    p.push_firm(&FirmAttrs {
        uscc: "X".into(),
        name: "x".into(),
        park: "p".into(),
        founded: Date::parse(founded).unwrap(),
        sector: Sector::Services,
        listing: Listing::Unlisted,
        tech_field_ok: true,
        sme_class: 0,
    });
    p
}

/// The three evaluation paths — one row (scalar), a short chunk (portable loops) and a long
/// chunk (AVX2 where the CPU has it) — give every node the same state, and the same value
/// where the state is OK, on random firms with missing, declared and verified cells, under
/// both assumptions, also with a what-if cell override.
#[test]
fn row_and_chunk_evaluation_agree_on_every_node() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/rules");
    let files = crate::load_dir(&dir).expect("rule files load");
    let (plan, skipped) = compile_for_run(&files, crate::default_as_of(2024));
    assert!(skipped.is_empty());
    // With missing cells, and complete (every column then skips its provenance bytes).
    for missing in [0.05, 0.0] {
        agree_on_every_node(&plan, missing);
    }
}

/// [`row_and_chunk_evaluation_agree_on_every_node`] on one synthetic panel: a long chunk
/// (with AVX2 where the CPU has it), the same with facts read in place from the panel, 7-row
/// chunks (portable build) and single rows must give every node the same state, and the
/// same value where the state is OK.
fn agree_on_every_node(plan: &Plan, missing: f64) {
    let mut panel = crate::synth::generate(300, 2019, 2024, 11, missing, 0.6);
    // Zero denominators, so that undefined values occur too.
    for row in (0..panel.len()).step_by(13) {
        for f in [gaoxin_model::F::Revenue, gaoxin_model::F::Employees] {
            panel.set(
                row,
                2023 - (row % 2) as i32,
                f,
                Some(0),
                &Provenance::Declared,
            );
        }
    }
    let nodes = &plan.all_nodes;
    let same = |a: (f64, u8), b: (f64, u8)| {
        a.1 == b.1 && (a.1 != OK || a.0.to_bits() == b.0.to_bits() || a.0 == b.0)
    };
    let revenue = gaoxin_model::F::Revenue as u16;
    for pick in [Pick::Lo, Pick::Hi] {
        for over in [None, Some(3.0e9)] {
            let mut long = Buffers::default();
            let mut short = Buffers::default();
            let mut in_place = Buffers::default();
            long.cell_override = over.map(|v| (revenue, 2024, 17, v));
            short.cell_override = long.cell_override;
            in_place.cell_override = long.cell_override;
            in_place.in_place = plan
                .ops
                .iter()
                .map(|op| matches!(op, Op::Fact { .. }))
                .collect();
            // Facts only compared are read in place from narrow columns too.
            in_place.narrow_in_place = crate::batch::narrow_in_place(plan, nodes, &[]);
            plan.eval_chunk(&panel, 2024, 0, panel.len(), nodes, pick, &mut long);
            plan.eval_chunk(&panel, 2024, 0, panel.len(), nodes, pick, &mut in_place);
            let is_fact = |n: NodeId| matches!(plan.ops[n as usize], Op::Fact { .. });
            assert!(
                nodes
                    .iter()
                    .any(|n| is_fact(*n) && in_place.ext[*n as usize]),
                "facts were read in place"
            );
            let narrow = |n: NodeId| match plan.ops[n as usize] {
                Op::Fact { field, offset } => matches!(
                    panel
                        .column(2024 - offset as i32, field as usize)
                        .map(|c| c.values()),
                    Some(Values::Narrow(_))
                ),
                _ => false,
            };
            assert!(
                nodes
                    .iter()
                    .any(|n| narrow(*n) && in_place.ext[*n as usize]),
                "facts were read in place from narrow columns"
            );
            let mut checked = 0;
            for row in 0..panel.len() {
                if row % 7 == 0 {
                    let len = 7.min(panel.len() - row);
                    plan.eval_chunk(&panel, 2024, row, len, nodes, pick, &mut short);
                }
                let mut one = Buffers {
                    cell_override: long.cell_override,
                    ..Buffers::default()
                };
                plan.eval_chunk(&panel, 2024, row, 1, nodes, pick, &mut one);
                for &n in nodes {
                    let l = long.get(n, row);
                    let s = short.get(n, row % 7);
                    let o = one.get(n, 0);
                    assert!(
                        same(l, o),
                        "node {n} {:?} row {row}: chunk {l:?} row {o:?}",
                        plan.ops[n as usize]
                    );
                    assert!(
                        same(l, s),
                        "node {n} {:?} row {row}: long {l:?} short {s:?}",
                        plan.ops[n as usize]
                    );
                    if !in_place.ext[n as usize] {
                        let p = in_place.get(n, row);
                        assert!(
                            same(l, p),
                            "node {n} {:?} row {row}: copied {l:?} in place {p:?}",
                            plan.ops[n as usize]
                        );
                    }
                    checked += 1;
                }
                assert_eq!(one.clean.len(), plan.ops.len());
            }
            assert!(checked > 100_000);
        }
    }
    // The data exercise every state (missing ones only where cells are missing).
    let mut b = Buffers::default();
    plan.eval_chunk(&panel, 2024, 0, panel.len(), nodes, Pick::Lo, &mut b);
    for state in [OK, UNDEF, MISS] {
        if state != MISS || missing > 0.0 {
            assert!(b.st.contains(&state), "state {state} occurs");
        }
    }
}

fn eval(plan: &Plan, p: &Panel, node: NodeId) -> (f64, u8) {
    let mut b = Buffers::default();
    plan.eval_chunk(p, 2024, 0, 1, &plan.all_nodes, Pick::Lo, &mut b);
    b.get(node, 0)
}

#[test]
fn missing_is_unknown_and_a_fail_decides_all() {
    let f = file(
        r#"
[[conditions]]
id = "a"
zh = "a"
expr = "employees <= 500"
[[conditions]]
id = "b"
zh = "b"
expr = "revenue <= 2亿元"
[outcome]
label = "x"
eligible = "all(a, b)"
"#,
    );
    let plan = compile(
        std::slice::from_ref(&f),
        Date::new(2025, 6, 30).unwrap(),
        &Overrides::new(),
    )
    .unwrap();
    let mut p = one_firm("2010-01-01");
    let e = plan.rules[0].eligible;
    assert_eq!(eval(&plan, &p, e).1, MISS, "both missing → unknown");
    p.set(0, 2024, F::Employees, Some(600), &Provenance::Declared);
    assert_eq!(
        eval(&plan, &p, e),
        (0.0, OK),
        "a fail decides even with b unknown"
    );
    p.set(0, 2024, F::Employees, Some(100), &Provenance::Declared);
    assert_eq!(eval(&plan, &p, e).1, MISS);
    p.set(
        0,
        2024,
        F::Revenue,
        Some(20_000_000_000),
        &Provenance::Declared,
    );
    assert_eq!(eval(&plan, &p, e), (1.0, OK), "2亿 exactly passes 不超过");
}

#[test]
fn sums_skip_years_before_founding_but_not_missing_years() {
    let f = file(
        r#"
[[vars]]
name = "s"
zh = "s"
expr = "sum(rd_expense, 3)"
[outcome]
label = "x"
eligible = "s > 0"
"#,
    );
    let plan = compile(
        std::slice::from_ref(&f),
        Date::new(2025, 6, 30).unwrap(),
        &Overrides::new(),
    )
    .unwrap();
    let s = plan.rules[0].items[0].node;
    let mut p = one_firm("2023-05-01");
    p.set(0, 2023, F::RdExpense, Some(5), &Provenance::Declared);
    p.set(0, 2024, F::RdExpense, Some(7), &Provenance::Declared);
    assert_eq!(eval(&plan, &p, s), (12.0, OK));
    let mut q = one_firm("2015-01-01");
    q.set(0, 2023, F::RdExpense, Some(5), &Provenance::Declared);
    q.set(0, 2024, F::RdExpense, Some(7), &Provenance::Declared);
    assert_eq!(
        eval(&plan, &q, s).1,
        MISS,
        "2022 is an operating year without data"
    );
}

/// A cut-point written 「以下」 belongs to the lower band, 「以上」 to its own band and an
/// unnamed one to the higher band by default; the table's two switches change each.
#[test]
fn cut_wording_decides_inclusivity_and_switches_change_it() {
    let f = file(
        r#"
[[params]]
name = "named"
zh = "按措辞"
unit = "flag"
values = [{ from = "2020-01-01", value = 1 }]
[[params]]
name = "high"
zh = "未指明归较高档"
unit = "flag"
values = [{ from = "2020-01-01", value = 1 }]
[[tables]]
name = "debt"
zh = "资产负债率"
named_cut = "named"
unnamed_cut = "high"
bands = [
  { label = "C（75%以上）", min = 75, min_unit = "%", cut = "以上", points = 0 },
  { label = "B2（60%–75%）", min = 60, min_unit = "%", cut = "区间", points = 3 },
  { label = "B（55%–60%）", min = 55, min_unit = "%", cut = "以下", points = 5 },
  { label = "A（55%以下）", points = 10 },
]
[outcome]
label = "x"
eligible = "band(debt, total_liabilities / total_assets) > 0"
"#,
    );
    let pts = |named: f64, high: f64, x: f64| {
        let mut ov = Overrides::new();
        ov.insert(("t".into(), "named".into()), named);
        ov.insert(("t".into(), "high".into()), high);
        let plan = compile(
            std::slice::from_ref(&f),
            Date::new(2025, 1, 1).unwrap(),
            &ov,
        )
        .unwrap();
        let t = plan.tables.iter().find(|t| t.name == "debt").unwrap();
        t.bands[t.band_of(x)].2
    };
    // Statutory reading: 55% is A (「55%以下」), 75% is C (「75%以上」), 60% goes up.
    assert_eq!(pts(1.0, 1.0, 0.55), 10.0);
    assert_eq!(pts(1.0, 1.0, 0.550001), 5.0);
    assert_eq!(pts(1.0, 1.0, 0.75), 0.0);
    assert_eq!(pts(1.0, 1.0, 0.60), 3.0);
    // Unnamed cut-points to the lower band: only 60% moves.
    assert_eq!(pts(1.0, 0.0, 0.60), 5.0);
    assert_eq!(pts(1.0, 0.0, 0.55), 10.0);
    assert_eq!(pts(1.0, 0.0, 0.75), 0.0);
    // Wording ignored: every cut-point follows the unnamed rule.
    assert_eq!(pts(0.0, 1.0, 0.55), 5.0);
    assert_eq!(pts(0.0, 0.0, 0.75), 3.0);
    assert_eq!(pts(0.0, 0.0, 0.55), 10.0);
    // A cut wording that is not one of the three is a load error naming the table.
    let bad = format!(
        "{}",
        parse_file(
            Path::new("t.toml"),
            r#"
id = "t"
name = "测试"
version = "1"
document = "无"
issuer = "无"
effective_from = "2020-01-01"
source = "test"
status = "CONFIRMED"
kind = "qualification"
[[tables]]
name = "debt"
zh = "x"
bands = [{ label = "A", min = 1, cut = "含", points = 1 }, { label = "B", points = 0 }]
[outcome]
label = "x"
eligible = "1 > 0"
"#
        )
        .unwrap_err()
    );
    assert!(
        bad.contains("分档表「debt」") && bad.contains("以上 / 以下 / 区间"),
        "{bad}"
    );
}

fn compile_errors(f: &RuleFile, as_of: Date) -> Vec<LoadError> {
    compile(std::slice::from_ref(f), as_of, &Overrides::new()).unwrap_err()
}

#[test]
fn compile_errors_name_the_line() {
    let f = file(
        r#"
[[vars]]
name = "a"
zh = "a"
expr = "b + 1"
[[vars]]
name = "b"
zh = "b"
expr = "a * 2"
[outcome]
label = "x"
eligible = "a > 0"
"#,
    );
    let e = compile_errors(&f, Date::new(2025, 1, 1).unwrap());
    assert!(e[0].msg.contains("循环引用"), "{}", e[0]);
    assert!(e[0].line >= 12, "{}", e[0]);
    let f = file(
        r#"
[outcome]
label = "x"
eligible = "revenu > 0"
"#,
    );
    let e = compile_errors(&f, Date::new(2025, 1, 1).unwrap());
    assert!(e[0].msg.contains("未知的变量「revenu」"), "{}", e[0]);
    assert_eq!(e[0].line, 14);
    let f = file(
        r#"
[[params]]
name = "cap"
zh = "上限"
unit = "万元"
values = [{ from = "2024-01-01", value = 200 }]
[outcome]
label = "x"
eligible = "revenue > cap"
"#,
    );
    let e = compile_errors(&f, Date::new(2023, 1, 1).unwrap());
    assert!(e[0].msg.contains("没有生效的取值"), "{}", e[0]);
    assert_eq!(e[0].line, 13);
    let plan = compile(
        std::slice::from_ref(&f),
        Date::new(2024, 1, 1).unwrap(),
        &Overrides::new(),
    )
    .unwrap();
    assert_eq!(
        plan.ops
            .iter()
            .filter(|o| matches!(o, Op::Const(v) if *v == 200_000_000.0))
            .count(),
        1
    );
}
