//! Itemised explanations: every scored indicator of a rule with its value, the band it fell in
//! and its points ([`score_lines`]), and the SME size test of a condition that uses `sme`
//! ([`sme_explain`]). Called from [`crate::explain::explain`]; kept apart from the shared
//! need/have formatting.
use gaoxin_model::F;

use crate::expr::CmpOp;
use crate::file::Unit;
use crate::fmt;
use crate::panel::Panel;
use crate::plan::{Buffers, CondPlan, ItemKind, MISS, NodeId, OK, Op, Plan, RulePlan, Verdict};
use crate::sme::{Indicator, SmeStandard};
use crate::wording::{Part, Quantity, quantity};

/// One band table read by a scored indicator.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BandUse {
    /// The table's Chinese name.
    pub table: String,
    /// The value looked up.
    pub value: Quantity,
    /// Label of the band it fell in (`None` when the value is missing).
    pub band: Option<String>,
    /// Points of that band (the table's `undefined_points` for a zero denominator).
    pub points: Option<f64>,
    /// For `max(band…, band…)`: this table gave the indicator's points.
    pub taken: bool,
}

/// One scored indicator: its points and how they came about.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ScoreLine {
    pub name: String,
    pub zh: String,
    pub points: Quantity,
    pub bands: Vec<BandUse>,
    /// Facts read directly by a formula indicator (e.g. years in the niche market).
    pub inputs: Vec<String>,
    /// Expert-scored item: (lower, upper, entered).
    pub manual: Option<(f64, f64, bool)>,
    /// The line as shown to users.
    pub text: String,
}

/// Nodes of `root`'s formula, not descending into other named items of the rule (`items`:
/// the rule's item nodes, sorted).
fn own_nodes(plan: &Plan, items: &[NodeId], root: NodeId) -> Vec<NodeId> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if out.contains(&n) {
            continue;
        }
        out.push(n);
        plan.ops[n as usize].any_child(|c| {
            if items.binary_search(&c).is_err() {
                stack.push(c);
            }
            false
        });
    }
    out.sort_unstable();
    out
}

fn band_use(plan: &Plan, buf: &Buffers, n: NodeId, item_value: (f64, u8)) -> Option<BandUse> {
    let Op::Band { table, x } = &plan.ops[n as usize] else {
        return None;
    };
    let t = &plan.tables[*table as usize];
    let (xv, xs) = buf.get(*x, 0);
    let (pv, ps) = buf.get(n, 0);
    let (band, points) = match xs {
        OK => {
            let i = t.band_of(xv);
            (t.bands.get(i).map(|b| b.3.clone()), Some(pv))
        }
        MISS => (None, None),
        _ => (
            Some("无法计算（分母为零），按规定档计分".to_string()),
            (ps == OK).then_some(pv),
        ),
    };
    Some(BandUse {
        table: t.zh.clone(),
        value: quantity(xv, xs, plan.units[*x as usize]),
        band,
        points,
        taken: item_value.1 == OK && points == Some(item_value.0),
    })
}

/// Every scored indicator of `rule` for the row evaluated into `buf`: items whose own formula
/// looks up a band table, items declared in points, and — in a rule with band tables — the
/// expert-scored items. Empty for rules without scores.
pub fn score_lines(
    plan: &Plan,
    rule: &RulePlan,
    panel: &Panel,
    row: usize,
    year: i32,
    buf: &Buffers,
) -> Vec<ScoreLine> {
    let mut items: Vec<NodeId> = rule.items.iter().map(|i| i.node).collect();
    items.sort_unstable();
    // Only rules that look up a band table have scores.
    let scored_rule = rule
        .nodes
        .iter()
        .any(|n| matches!(plan.ops[*n as usize], Op::Band { .. }));
    if !scored_rule {
        return Vec::new();
    }
    let mut out = Vec::new();
    for it in &rule.items {
        let (v, s) = buf.get(it.node, 0);
        let points = quantity(v, s, Unit::Points);
        match (&it.kind, &plan.ops[it.node as usize]) {
            (ItemKind::Manual, Op::Manual { slot, lo, hi }) => {
                let entered = panel
                    .manual
                    .get(&plan.manual_keys[*slot as usize])
                    .is_some_and(|m| !m[row].is_nan());
                let (l, h) = (buf.get(*lo, 0).0, buf.get(*hi, 0).0);
                let mut how = if entered {
                    "专家评分已录入".to_string()
                } else {
                    format!(
                        "未录入专家评分，按假设取值（区间{}–{}分）",
                        fmt::value(l, Unit::Plain),
                        fmt::value(h, Unit::Plain)
                    )
                };
                // A band computed from data bounds the expert's score (e.g. 高企 IP count).
                let bands: Vec<BandUse> = own_nodes(plan, &items, it.node)
                    .iter()
                    .filter_map(|n| band_use(plan, buf, *n, (f64::NAN, MISS)))
                    .collect();
                for b in &bands {
                    how.push_str(&format!(
                        "；{} {}，{}",
                        b.table,
                        b.value.text,
                        match (&b.band, b.points) {
                            (Some(lb), Some(p)) =>
                                format!("「{lb}」档（{}）", fmt::value(p, Unit::Points)),
                            _ => "数据缺失，无法定档".to_string(),
                        }
                    ));
                }
                out.push(ScoreLine {
                    name: it.name.clone(),
                    zh: it.zh.clone(),
                    text: format!("{}：{}，{how}", it.zh, points.text),
                    points,
                    bands,
                    inputs: Vec::new(),
                    manual: Some((l, h, entered)),
                });
            }
            (ItemKind::Var, _) => {
                let own = own_nodes(plan, &items, it.node);
                let bands: Vec<BandUse> = own
                    .iter()
                    .filter_map(|n| band_use(plan, buf, *n, (v, s)))
                    .collect();
                let declared_points = it.declared_unit == Some(Unit::Points);
                if bands.is_empty() && !declared_points {
                    continue;
                }
                let inputs: Vec<String> = if bands.is_empty() {
                    own.iter()
                        .filter_map(|n| match &plan.ops[*n as usize] {
                            Op::Fact { field, offset } => {
                                let y = year - *offset as i32;
                                let f = *field as usize;
                                let val = panel.value(row, y, f);
                                let def = &gaoxin_model::FIELDS[f];
                                Some(format!(
                                    "{}（{}年）= {}",
                                    def.zh,
                                    y,
                                    val.map(|x| gaoxin_model::facts::format_value(def.kind, x))
                                        .unwrap_or_else(|| "缺失".into())
                                ))
                            }
                            _ => None,
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                let mut how: Vec<String> = bands
                    .iter()
                    .map(|b| {
                        let band = match (&b.band, b.points) {
                            (Some(l), Some(p)) => {
                                format!("落在「{l}」档（{}）", fmt::value(p, Unit::Points))
                            }
                            (Some(l), None) => format!("「{l}」"),
                            _ => "数据缺失，无法定档".to_string(),
                        };
                        let taken = if bands.len() > 1 && b.taken {
                            "，取此项"
                        } else {
                            ""
                        };
                        format!("{} {}，{band}{taken}", b.table, b.value.text)
                    })
                    .collect();
                how.extend(inputs.iter().cloned());
                out.push(ScoreLine {
                    name: it.name.clone(),
                    zh: it.zh.clone(),
                    text: format!("{}：{}（{}）", it.zh, points.text, how.join("；")),
                    points,
                    bands,
                    inputs,
                    manual: None,
                });
            }
            _ => {}
        }
    }
    out
}

/// Renders score lines for the plain-Chinese explanation.
pub fn render_scores(lines: &[ScoreLine]) -> String {
    if lines.is_empty() {
        return String::new();
    }
    let mut s = String::from("评分明细（指标：得分（数值、所在档位））：\n");
    for l in lines {
        s.push_str(&format!("    {}\n", l.text));
    }
    s
}

/// For a condition that judges a validity period (`years_since` / `days_since` of a date): the
/// reference date it is judged on (评价基准日) and the elapsed time. `None` for other conditions.
pub fn validity_note(plan: &Plan, c: &CondPlan, buf: &Buffers, year: i32) -> Option<String> {
    let mut out = Vec::new();
    for &n in &c.sub {
        let (a, unit) = match &plan.ops[n as usize] {
            Op::YearsSince(a) => (*a, "年"),
            Op::DaysSince(a) => (*a, "天"),
            _ => continue,
        };
        let what = match &plan.ops[a as usize] {
            Op::Fact { field, offset } => format!(
                "{}（{}年数据）",
                gaoxin_model::FIELDS[*field as usize].zh,
                year - *offset as i32
            ),
            _ => "日期".to_string(),
        };
        let (dv, ds) = buf.get(a, 0);
        let (ev, es) = buf.get(n, 0);
        let text = match (ds, es) {
            (OK, OK) => format!(
                "{what}为{}，至基准日满{}{unit}",
                fmt::value(dv, Unit::Date),
                fmt::value(ev, Unit::Plain)
            ),
            (OK, _) => format!("{what}「{}」不是有效日期", fmt::value(dv, Unit::Date)),
            _ => format!("{what}缺失"),
        };
        if !out.contains(&text) {
            out.push(text);
        }
    }
    if out.is_empty() {
        return None;
    }
    Some(format!(
        "有效期按评价基准日 {} 判断：{}",
        plan.as_of,
        out.join("；")
    ))
}

/// For a condition that reads `sme`: one part per indicator of the firm's industry (value
/// against the 大型 lower bound) and a note naming the industry, or why the firm cannot be
/// classified. `None` for other conditions.
pub fn sme_explain(
    plan: &Plan,
    panel: &Panel,
    row: usize,
    year: i32,
    c: &CondPlan,
    verdict: Verdict,
) -> Option<(Vec<Part>, String)> {
    let &(_, off) = plan.sme_nodes.iter().find(|(n, _)| c.sub.contains(n))?;
    let std = SmeStandard::embedded().ok()?;
    let y = year - off as i32;
    let law = format!("《{}》（{}）", std.name, std.document);
    let Some(ind) = std.industry(panel.sme_class[row]) else {
        return Some((
            Vec::new(),
            format!(
                "企业所属行业无法按{law}划型（行业代码不在标准所列行业内，或只写到门类、不足以确定行业），是否为中小企业无法判断：请核对行业代码（GB/T 4754）或人工确认"
            ),
        ));
    };
    let mut parts = Vec::new();
    let mut missing = Vec::new();
    for (k, bound) in ind.bounds() {
        let Some(f) = F::by_key(k.key()) else {
            continue;
        };
        let have = panel.value(row, y, f as usize);
        let (need_v, unit) = match k {
            Indicator::Employees => (bound as f64, Unit::Count),
            _ => (bound as f64 * 1e6, Unit::Money),
        };
        let show = |v: f64| match k {
            Indicator::Employees => format!("{}人", fmt::thousands(v.max(0.0) as u64)),
            _ => fmt::value(v, Unit::Money),
        };
        let need = Quantity {
            value: Some(need_v),
            state: "ok",
            unit,
            text: show(need_v),
        };
        let have_q = match have {
            Some(h) => Quantity {
                value: Some(h as f64),
                state: "ok",
                unit,
                text: show(h as f64),
            },
            None => {
                missing.push(format!("{}（{y}年）", k.zh()));
                quantity(0.0, MISS, unit)
            }
        };
        let v = match have {
            Some(h) if (h as f64) < need_v => Verdict::Pass,
            Some(_) => Verdict::Fail,
            None => Verdict::Unknown,
        };
        let what = format!("{}（{y}年）", k.zh());
        parts.push(Part {
            text: format!(
                "{what}：需低于{}大型企业下限{}，实际{}",
                ind.name, need.text, have_q.text
            ),
            what,
            verdict: v,
            have: have_q,
            op: CmpOp::Lt,
            need,
        });
    }
    let rule_text = if parts.len() > 1 {
        "任一指标低于大型企业下限即为中小企业"
    } else {
        "低于大型企业下限即为中小企业"
    };
    let mut note = format!("按{law}，所属行业为「{}」：{rule_text}", ind.name);
    if std.mapping_status == crate::file::Status::Unconfirmed {
        note.push_str("（行业代码与标准行业的对应待核实）");
    }
    match verdict {
        Verdict::Unknown if !missing.is_empty() => {
            note.push_str(&format!("；缺少数据：{}", missing.join("、")));
        }
        Verdict::Fail => note.push_str("；各项指标均达到大型企业下限，不是中小企业"),
        _ => {}
    }
    Some((parts, note))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::panel::FirmAttrs;
    use crate::plan::{EvalOptions, Overrides, compile};
    use gaoxin_model::{Date, IndustryCode, Listing, Provenance, Sector};
    use std::path::Path;

    fn plan() -> Plan {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/rules");
        let files = crate::load_dir(&dir).expect("rule files load");
        compile(&files, crate::default_as_of(2024), &Overrides::new()).expect("compiles")
    }

    /// One firm in `industry` with 万元 / count facts for 2023–2024 (`[2023, 2024]`).
    fn firm(industry: &str, facts: &[(&str, [f64; 2])]) -> Panel {
        let mut p = Panel::new(2022, 2024);
        p.push_firm(&FirmAttrs {
            uscc: "X".into(),
            name: "测试企业".into(),
            park: "p".into(),
            founded: Date::new(2010, 1, 1).unwrap(),
            sector: Sector::Manufacturing,
            listing: Listing::Unlisted,
            tech_field_ok: true,
            sme_class: crate::sme::class_of(&IndustryCode::parse(industry).unwrap()),
        });
        for (k, vals) in facts {
            let f = F::by_key(k).unwrap();
            let money = matches!(f.def().kind, gaoxin_model::Kind::Money { .. });
            for (y, v) in [2023, 2024].into_iter().zip(vals) {
                let x = if money {
                    (v * 1e6).round() as i64
                } else {
                    *v as i64
                };
                p.set(0, y, f, Some(x), &Provenance::Declared);
            }
        }
        p
    }

    #[test]
    fn innovative_sme_scores_are_itemised_with_their_band() {
        let plan = plan();
        // Debt exactly 55% (「A 55%以下 10」), R&D exactly 1% (「E 1%以下 0」).
        let p = firm(
            "C3911",
            &[
                ("revenue", [4000.0, 4000.0]),
                ("main_revenue", [2000.0, 2200.0]),
                ("rd_expense", [40.0, 40.0]),
                ("total_liabilities", [550.0, 550.0]),
                ("total_assets", [1000.0, 1000.0]),
                ("employees", [120.0, 120.0]),
                ("ip_class1_high_value", [0.0, 0.0]),
                ("ip_class1_self", [0.0, 0.0]),
                ("ip_class1", [0.0, 0.0]),
                ("ip_class2", [2.0, 2.0]),
            ],
        );
        let ex = crate::explain(
            &plan,
            &p,
            0,
            2024,
            "innovative_sme_2022",
            &EvalOptions::default(),
        )
        .unwrap();
        let line = |name: &str| ex.scores.iter().find(|l| l.name == name).unwrap();
        let debt = line("debt_score");
        assert_eq!(debt.points.value, Some(10.0));
        assert_eq!(debt.bands[0].band.as_deref(), Some("A（55%以下）"));
        assert!(
            debt.text.contains("55%") && debt.text.contains("10分"),
            "{}",
            debt.text
        );
        let rd = line("rd_score");
        assert_eq!(rd.bands[0].band.as_deref(), Some("E（1%以下）"));
        assert_eq!(rd.points.value, Some(0.0));
        // The IP indicator takes the best of four tables and says which.
        let ip = line("ip_score");
        assert_eq!(ip.bands.len(), 4);
        assert!(ip.bands.iter().any(|b| b.taken && b.points == Some(5.0)));
        // A formula indicator without a table shows its input.
        let field = line("field_score");
        assert!(field.text.contains("战略性新兴产业"), "{}", field.text);
        let text = ex.render_zh();
        assert!(text.contains("评分明细"), "{text}");
        assert!(text.contains("A（55%以下）"), "{text}");
        // Subtotals are not indicators.
        assert!(
            ex.scores
                .iter()
                .all(|l| l.name != "total" && l.name != "innovation")
        );
        // The SME test names the industry and each indicator against its bound.
        let sme = ex.conditions.iter().find(|c| c.id == "sme_ok").unwrap();
        assert_eq!(sme.verdict, Verdict::Pass);
        assert_eq!(sme.parts.len(), 2);
        assert!(
            sme.note.as_deref().unwrap().contains("「工业」"),
            "{:?}",
            sme.note
        );
        assert!(
            sme.parts[0].text.contains("1,000人"),
            "{}",
            sme.parts[0].text
        );
    }

    #[test]
    fn specialized_sme_shows_every_indicator_and_sme_failures_say_why() {
        let plan = plan();
        let p = firm(
            "C3911",
            &[
                ("revenue", [48000.0, 50000.0]),
                ("main_revenue", [40000.0, 42000.0]),
                ("rd_expense", [1100.0, 1300.0]),
                ("total_liabilities", [500.0, 500.0]),
                ("total_assets", [1000.0, 1000.0]),
                ("employees", [2000.0, 2000.0]),
                ("niche_years", [6.0, 7.0]),
            ],
        );
        let ex = crate::explain(
            &plan,
            &p,
            0,
            2024,
            "specialized_sme_2022",
            &EvalOptions::default(),
        )
        .unwrap();
        let names: Vec<&str> = ex.scores.iter().map(|l| l.name.as_str()).collect();
        for n in [
            "main_share_pts",
            "growth_pts",
            "niche_pts",
            "field_pts",
            "digital_pts",
            "quality_pts",
            "margin_pts",
            "debt_pts",
            "local_pts",
            "ip_pts",
            "rd_pts",
            "rd_staff_pts",
            "institution_pts",
        ] {
            assert!(names.contains(&n), "{n} missing from {names:?}");
        }
        let debt = ex.scores.iter().find(|l| l.name == "debt_pts").unwrap();
        assert_eq!(debt.bands[0].band.as_deref(), Some("50%以下"));
        assert_eq!(debt.points.value, Some(5.0));
        let missing = ex.scores.iter().find(|l| l.name == "digital_pts").unwrap();
        assert!(missing.text.contains("缺失"), "{}", missing.text);
        let sme = ex.conditions.iter().find(|c| c.id == "sme_ok").unwrap();
        assert_eq!(sme.verdict, Verdict::Fail);
        assert_eq!(ex.verdict, Verdict::Fail);
        assert!(
            sme.note.as_deref().unwrap().contains("不是中小企业"),
            "{:?}",
            sme.note
        );
        // Financial services are not covered by the standard: unknown, and it says so.
        let p = firm(
            "J6620",
            &[("revenue", [100.0, 100.0]), ("employees", [10.0, 10.0])],
        );
        let ex = crate::explain(
            &plan,
            &p,
            0,
            2024,
            "specialized_sme_2022",
            &EvalOptions::default(),
        )
        .unwrap();
        let sme = ex.conditions.iter().find(|c| c.id == "sme_ok").unwrap();
        assert_eq!(sme.verdict, Verdict::Unknown);
        assert!(
            sme.note.as_deref().unwrap().contains("无法按"),
            "{:?}",
            sme.note
        );
    }

    #[test]
    fn little_giant_meeting_every_computable_condition_reads_depends_on_assumption() {
        let plan = plan();
        let base: Vec<(&str, [f64; 2])> = vec![
            ("niche_years", [7.0, 8.0]),
            ("main_revenue", [10000.0, 11000.0]),
            ("revenue", [12500.0, 14000.0]),
            ("total_liabilities", [5000.0, 5000.0]),
            ("total_assets", [12000.0, 12000.0]),
            ("rd_expense", [500.0, 600.0]),
            ("rd_institution", [3.0, 3.0]),
            ("ip_class1", [4.0, 4.0]),
            ("national_award_rank", [0.0, 0.0]),
            ("employees", [300.0, 300.0]),
        ];
        let mut p = firm("C3911", &base);
        for (k, v) in [
            ("main_revenue", 9000.0),
            ("revenue", 12000.0),
            ("rd_expense", 500.0),
        ] {
            let x = (v * 1e6) as i64;
            p.set(
                0,
                2022,
                F::by_key(k).unwrap(),
                Some(x),
                &Provenance::Declared,
            );
        }
        p.set(
            0,
            2022,
            F::by_key("national_award_rank").unwrap(),
            Some(0),
            &Provenance::Declared,
        );
        let cert = Date::new(2023, 7, 1).unwrap().to_int();
        p.set(
            0,
            2024,
            F::by_key("specialized_cert_date").unwrap(),
            Some(cert),
            &Provenance::Declared,
        );
        let ex = crate::explain(
            &plan,
            &p,
            0,
            2024,
            "little_giant_2022",
            &EvalOptions::default(),
        )
        .unwrap();
        // Every computable condition passes; only the unentered qualitative items fail.
        for c in &ex.conditions {
            if ["sme_ok", "specialized_cert", "specialisation", "innovation"]
                .contains(&c.id.as_str())
            {
                assert_eq!(c.verdict, Verdict::Pass, "{}: {:?}", c.id, c.parts);
            }
        }
        assert_eq!(ex.verdict, Verdict::Fail);
        assert!(ex.assumption_dependent);
        assert_eq!(ex.headline_zh(), "取决于专家评分假设");
        let text = ex.render_zh();
        assert!(text.contains("结论：取决于专家评分假设"), "{text}");
        assert!(!text.contains("结论：不符合"), "{text}");
        // Entered facts settle it: the quality-management count answers the certification item.
        for (k, v) in [
            ("it_core_business", 1),
            ("quality_items", 2),
            ("niche_share_brand", 1),
            ("chain_key_link", 1),
            ("key_field_product", 1),
        ] {
            p.set(
                0,
                2024,
                F::by_key(k).unwrap(),
                Some(v),
                &Provenance::Declared,
            );
        }
        let ex = crate::explain(
            &plan,
            &p,
            0,
            2024,
            "little_giant_2022",
            &EvalOptions::default(),
        )
        .unwrap();
        assert_eq!(ex.verdict, Verdict::Pass);
        assert!(!ex.assumption_dependent);
        assert_eq!(ex.headline_zh(), "符合");
    }

    #[test]
    fn certificate_validity_names_the_reference_date() {
        let plan = plan();
        let mut p = firm("C3911", &[("employees", [100.0, 100.0])]);
        let cert = Date::new(2023, 12, 1).unwrap().to_int();
        p.set(
            0,
            2024,
            F::by_key("hightech_cert_date").unwrap(),
            Some(cert),
            &Provenance::Declared,
        );
        let ex = crate::explain(
            &plan,
            &p,
            0,
            2024,
            "innovative_sme_2022",
            &EvalOptions::default(),
        )
        .unwrap();
        let c = ex
            .conditions
            .iter()
            .find(|c| c.id == "route_honour")
            .unwrap();
        let note = c.note.as_deref().unwrap();
        assert!(note.contains("评价基准日 2025-06-30"), "{note}");
        assert!(
            note.contains("2023-12-01") && note.contains("满1年"),
            "{note}"
        );
        assert!(
            ex.render_zh()
                .contains("有效期按评价基准日 2025-06-30 判断")
        );
        // A missing date says so, still naming the reference date.
        let p = firm("C3911", &[("employees", [100.0, 100.0])]);
        let ex = crate::explain(
            &plan,
            &p,
            0,
            2024,
            "little_giant_2022",
            &EvalOptions::default(),
        )
        .unwrap();
        let c = ex
            .conditions
            .iter()
            .find(|c| c.id == "specialized_cert")
            .unwrap();
        let note = c.note.as_deref().unwrap();
        assert!(
            note.contains("评价基准日 2025-06-30") && note.contains("缺失"),
            "{note}"
        );
    }
}
