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

/// `root3` is within one unit in the last place of the cube root everywhere (checked
/// against libm's `cbrt`, itself within one), exact for perfect cubes, and handles zero,
/// subnormal, huge, infinite and negative inputs; `pow` routes 1/2 and 1/3 to the roots.
#[test]
fn cube_roots_are_accurate_and_exact_for_perfect_cubes() {
    let ulps = |a: f64, b: f64| (a.to_bits() as i64 - b.to_bits() as i64).abs();
    let mut x = 1e-310f64;
    let mut worst = 0;
    while x < 1e308 {
        for k in 0..50 {
            let v = x * (1.0 + k as f64 / 37.0);
            worst = worst.max(ulps(root3(v), v.cbrt()));
            if (f64::MIN_POSITIVE..=1e300).contains(&v) {
                assert_eq!(root3_regular(v).to_bits(), root3(v).to_bits(), "{v:e}");
            }
        }
        x *= 1.37;
    }
    assert!(worst <= 1, "at most one ulp from cbrt, was {worst}");
    for k in 1..=200_000i64 {
        assert_eq!(root3((k * k * k) as f64), k as f64, "{k}³");
    }
    for e in -340..=340 {
        let (k, p) = (7.0f64, 2.0f64.powi(e));
        let c = k * k * k * p * p * p;
        if c.is_normal() {
            assert_eq!(root3(c), k * p, "(7·2^{e})³");
        }
    }
    assert_eq!(root3(0.125), 0.5);
    assert_eq!(root3(0.0).to_bits(), 0.0f64.to_bits());
    assert_eq!(root3(-0.0).to_bits(), 0.0f64.to_bits());
    assert_eq!(root3(f64::INFINITY), f64::INFINITY);
    assert!(root3(-8.0).is_nan() && root3(f64::NAN).is_nan());
    assert_eq!(pow(1.728, 1.0 / 3.0), root3(1.728));
    assert_eq!(pow(2.25, 0.5), 1.5);
    assert!(pow(-4.0, 0.5).is_nan());
    assert_eq!(pow(2.0, 10.0), 1024.0);
    // cagr of revenue growing 1000 → 8000 over three years is exactly 100 %.
    assert_eq!(pow(8000.0 / 1000.0, 1.0 / 3.0) - 1.0, 1.0);
}

/// The branch-free years-since kernel agrees with `Date::from_int` + `whole_years_until`
/// (and `UNDEF` for what `from_int` rejects) on every day of 1899–2201, on 29 February of
/// leap and common years, on month 0 / 13 and day 0 / 32, on negative and huge values, for
/// several as-of dates; inputs that are not OK keep their state.
#[test]
fn years_since_kernel_agrees_with_dates() {
    let mut vals: Vec<f64> = Vec::new();
    for y in 1899..=2201i64 {
        for m in 0..=13i64 {
            for d in 0..=32i64 {
                vals.push((y * 10_000 + m * 100 + d) as f64);
            }
        }
    }
    vals.extend([
        0.0,
        -1.0,
        -20200101.0,
        99_999_999.0,
        2.0e9,
        4.0e12,
        1e15 + 101.0,
    ]);
    let st: Vec<u8> = (0..vals.len())
        .map(|i| [OK, OK, OK, MISS, UNDEF][i % 5])
        .collect();
    for as_of in [
        (2024, 12, 31),
        (2024, 2, 29),
        (2023, 2, 28),
        (2000, 3, 1),
        (2100, 1, 1),
    ] {
        let as_of = Date::new(as_of.0, as_of.1, as_of.2).unwrap();
        let (mut v, mut s) = (vec![7.0; vals.len()], vec![9u8; vals.len()]);
        years_since_lanes(&vals, &st, as_of, &mut v, &mut s);
        for i in 0..vals.len() {
            let want = if st[i] != OK {
                (0.0, st[i])
            } else {
                match Date::from_int(vals[i] as i64) {
                    Some(d) => (d.whole_years_until(as_of) as f64, OK),
                    None => (0.0, UNDEF),
                }
            };
            assert_eq!((v[i], s[i]), want, "{} as of {as_of}", vals[i]);
        }
    }
}

/// The chunk kernel of band tables gives every value the points of `CTable::points`:
/// tables of 1 to 10 bounds (one pass, and a pass per bound beyond eight), inclusive and
/// exclusive bounds, additive (integral points, descending bounds) and not (fractional
/// points, a repeated bound), on values at a bound, one float either side, within and just
/// outside the comparison tolerance, and far away; tolerant or exact as the kernel is
/// called.
#[test]
fn band_chunks_agree_with_points() {
    let mut seed = 7u64;
    let mut rnd = move || {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut scratch = Vec::new();
    for n in 1..=10usize {
        for variant in 0..4 {
            let frac = variant % 2 == 1;
            let mut bands: Vec<(Option<f64>, bool, f64, String)> = (0..n)
                .map(|k| {
                    let m = if variant >= 2 {
                        0.3 - 0.025 * k as f64
                    } else {
                        (40 - 5 * k as i64) as f64
                    };
                    let pts = if frac {
                        10.5 - k as f64 * 0.75
                    } else {
                        (20 - 2 * k as i64) as f64
                    };
                    (Some(m), (k + variant) % 3 != 0, pts, format!("b{k}"))
                })
                .collect();
            if frac && n > 2 {
                bands[2].0 = bands[1].0; // not strictly descending: not additive
            }
            bands.push((None, true, 0.0, "rest".into()));
            let t = CTable::new("t".into(), "t".into(), Status::Confirmed, bands, -1.0);
            assert_eq!(t.additive, !frac, "variant {variant}");
            let mut xs = Vec::new();
            for &(m, _) in &t.bounds {
                xs.extend([
                    m,
                    m.next_up(),
                    m.next_down(),
                    m * (1.0 + 5e-13),
                    m * (1.0 - 5e-13),
                ]);
                xs.extend([m * (1.0 + 3e-12), m * (1.0 - 3e-12), m + 0.5, m - 0.5]);
            }
            while xs.len() < 1000 {
                xs.push(rnd() * 50.0 - 5.0);
            }
            for tolerant in [false, true] {
                let mut out = vec![0.0; xs.len()];
                t.points_chunk(&xs, tolerant, &mut out, &mut scratch);
                for (x, got) in xs.iter().zip(&out) {
                    // Without the tolerance the kernel compares exactly.
                    let want = if tolerant {
                        t.points(*x)
                    } else {
                        let failed = t
                            .bounds
                            .iter()
                            .filter(|(m, incl)| !(if *incl { *x >= *m } else { *x > *m }))
                            .count();
                        t.pts[failed]
                    };
                    assert_eq!(
                        *got, want,
                        "{n} bounds, variant {variant}, x = {x:e}, tolerant {tolerant}"
                    );
                }
            }
        }
    }
}

/// Sums over years give the same values in one pass (columns of one kind, up to eight
/// terms) as term by term (mixed kinds, constants, more terms): years before founding are
/// left out, the rest added in term order.
#[test]
fn sums_over_years_agree_in_every_form() {
    let len = 300;
    let fy: Vec<f64> = (0..len).map(|i| 2015.0 + (i % 12) as f64).collect();
    let narrow: Vec<Vec<i32>> = (0..10)
        .map(|k| {
            (0..len)
                .map(|i| ((i * 7 + k * 13) % 50) as i32 - 10)
                .collect()
        })
        .collect();
    let wide: Vec<Vec<f64>> = narrow
        .iter()
        .map(|c| c.iter().map(|x| *x as f64 * 1.25).collect())
        .collect();
    for n in 1..=10usize {
        for kinds in 0..4 {
            // 0 all wide, 1 all narrow, 2 mixed, 3 mixed with a constant
            let arg = |k: usize| -> (Arg, f64) {
                let year = 2024.0 - k as f64;
                let a = match (kinds, k % 3) {
                    (0, _) | (2, 0) => Arg::V(&wide[k]),
                    (3, 2) => Arg::K(2.5),
                    _ => Arg::N(&narrow[k]),
                };
                (a, year)
            };
            let mut out = vec![f64::NAN; len];
            sum_years_chunk(n, arg, &fy, &mut out);
            for i in 0..len {
                let mut want = 0.0;
                for k in 0..n {
                    let (a, year) = arg(k);
                    let v = match a {
                        Arg::V(c) => c[i],
                        Arg::N(c) => c[i] as f64,
                        Arg::K(c) => c,
                    };
                    if fy[i] <= year {
                        want += v;
                    }
                }
                assert_eq!(out[i], want, "{n} terms, kinds {kinds}, row {i}");
            }
        }
    }
}

#[test]
fn rational_rates_are_exact() {
    assert_eq!(rational(0.05), Some((5, 100)));
    assert_eq!(rational(0.5), Some((5, 10)));
    assert_eq!(rational(1.0), Some((1, 1)));
}
