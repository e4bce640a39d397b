//! Single-firm explanation: every condition as "need X, have Y, from source Z", the verdict,
//! the smallest single change that would pass each failed numeric condition, the award, what
//! to supply for 免申即享, and the full evaluation trace.
//!
//! It evaluates the rule's nodes of the shared [`Plan`] on one row (a chunk of length one),
//! exactly as [`crate::batch`] does on many.
use gaoxin_model::{FIELDS, Provenance};

use crate::expr::CmpOp;
use crate::file::{Assumption, Status, Unit};
use crate::fmt;
use crate::panel::Panel;
use crate::plan::{
    Buffers, CondPlan, EvalOptions, MISS, NodeId, OK, Op, Pick, Plan, RulePlan, UNDEF, VTree,
    Verdict, award_of,
};
pub use crate::wording::{Part, Quantity, describe, exact_age, ser_prov};
use crate::wording::{field_name, gap_text, input_text, quantity};

mod parts;
use parts::{collect_parts, group_basis};

/// A fact a condition read, with where it came from.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Input {
    pub key: &'static str,
    pub zh: &'static str,
    pub year: i32,
    pub value: Option<i64>,
    pub text: String,
    #[serde(serialize_with = "ser_prov")]
    pub provenance: Provenance,
}

impl Input {
    /// 「研发费用（2024年）= 1,200万元，来源：已核验（税务）」: one input as every explanation shows it.
    pub fn line_zh(&self) -> String {
        format!(
            "{}（{}年）= {}，来源：{}",
            self.zh,
            self.year,
            self.text,
            self.provenance.zh()
        )
    }
}

/// The smallest change of one fact that makes a failed condition pass.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Gap {
    pub key: &'static str,
    pub year: i32,
    pub current: i64,
    pub required: i64,
    /// `required - current` in the fact's integer unit (fen for money).
    pub change: i64,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CondExplain {
    pub id: String,
    pub zh: String,
    pub status: Status,
    pub verdict: Verdict,
    pub parts: Vec<Part>,
    /// Named conditions this one is built from (their Chinese names).
    pub subconditions: Vec<String>,
    pub inputs: Vec<Input>,
    pub gaps: Vec<Gap>,
    /// Failed conditions with no single-fact fix, or unknown ones: the plain reason.
    pub note: Option<String>,
    /// Parameters the condition used, with their values for the year and ［待核实］ marks.
    pub params: Vec<String>,
    pub assumption_dependent: bool,
}

/// One named value of the rule (parameter, variable, expert item, condition).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TraceItem {
    pub name: String,
    pub zh: String,
    pub kind: crate::plan::ItemKind,
    /// CONFIRMED / UNCONFIRMED, shown to users.
    pub status: Status,
    pub value: Quantity,
    /// For expert-scored items: the band (lower, upper) and whether a score was entered.
    pub band: Option<(f64, f64, bool)>,
}

/// One evaluated node of the plan: its value and state. The node's formula is rendered on
/// demand by [`describe`] (kept out of the hot path: explain is called per request).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Step {
    pub node: NodeId,
    /// `None` when missing or undefined (see `state`).
    pub value: Option<f64>,
    pub state: &'static str,
    pub unit: Unit,
}

/// An input still to be supplied (or verified) for the verdict to be granted without application.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Supply {
    pub key: String,
    pub zh: String,
    pub year: i32,
    #[serde(serialize_with = "ser_prov")]
    pub provenance: Provenance,
}

/// Everything about one firm × one rule.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Explanation {
    pub rule_id: String,
    pub rule_name: String,
    pub version: String,
    pub document: String,
    pub rule_status: Status,
    pub label: String,
    pub uscc: String,
    pub firm: String,
    pub year: i32,
    pub as_of: String,
    pub verdict: Verdict,
    pub assumption: Assumption,
    /// The verdict differs between the conservative and the optimistic expert-score assumption.
    pub assumption_dependent: bool,
    /// Award in fen when eligible and computable.
    pub award: Option<i64>,
    pub award_zh: Option<String>,
    /// Eligible and every input used verified: 免申即享.
    pub auto_grant: bool,
    /// Items to supply or have verified (快申快享), or missing items for an unknown verdict.
    pub to_supply: Vec<Supply>,
    pub conditions: Vec<CondExplain>,
    pub trace: Vec<TraceItem>,
    pub steps: Vec<Step>,
    /// Every scored indicator: value, band, points ([`crate::itemise`]).
    pub scores: Vec<crate::itemise::ScoreLine>,
    /// Normalised shortfall (0 when eligible); see [`crate::distance::distance`].
    pub distance: f64,
}

impl Plan {
    /// Evaluates one rule for one row (the explain path) into `buf`.
    pub(crate) fn eval_row(
        &self,
        rule: &RulePlan,
        panel: &Panel,
        year: i32,
        row: usize,
        pick: Pick,
        buf: &mut Buffers,
    ) {
        self.eval_chunk(panel, year, row, 1, &rule.nodes, pick, buf);
    }

    fn gaps(
        &self,
        c: &CondPlan,
        panel: &Panel,
        year: i32,
        row: usize,
        pick: Pick,
        base: &Buffers,
    ) -> Vec<Gap> {
        let mut out = Vec::new();
        if c.levers.is_empty() {
            return out;
        }
        // Start from the evaluated row and recompute only what depends on the lever.
        let mut buf = base.clone();
        buf.cell_override = None;
        let mut dep = vec![false; self.ops.len()];
        let mut nodes = Vec::new();
        for &(field, off, may_decrease) in &c.levers {
            let y = year - off as i32;
            let Some(cur) = panel.value(row, y, field as usize) else {
                continue;
            };
            dep.fill(false);
            nodes.clear();
            for &n in &c.sub {
                let op = &self.ops[n as usize];
                let d = matches!(op, Op::Fact { field: f, offset: o } if *f == field && *o == off)
                    || op.any_child(|ch| dep[ch as usize]);
                if d {
                    dep[n as usize] = true;
                    nodes.push(n);
                }
            }
            // For a comparison `a op b`, the margin a − b guides a secant guess of the boundary;
            // the answer is always confirmed by evaluation (it passes, one unit less does not).
            let margin_nodes = match &self.ops[c.node as usize] {
                Op::Cmp(_, a, b) => Some((*a, *b)),
                _ => None,
            };
            let mut eval = |v: i64| -> (bool, Option<f64>) {
                buf.cell_override = Some((field, y, row, v as f64));
                self.eval_chunk(panel, year, row, 1, &nodes, pick, &mut buf);
                let (x, s) = buf.get(c.node, 0);
                let margin = margin_nodes.and_then(|(a, b)| {
                    let ((av, as_), (bv, bs)) = (buf.get(a, 0), buf.get(b, 0));
                    (as_ == OK && bs == OK).then_some(av - bv)
                });
                (Verdict::of(x, s) == Verdict::Pass, margin)
            };
            const LIMIT: i64 = 1 << 52;
            let mut found = None;
            // Increase: a secant guess from two evaluations, else doubling; then the smallest
            // passing value by galloping and bisection.
            let (p0, m0) = eval(cur);
            let step = (cur / 2).max(1);
            let (p1, m1) = eval(cur + step);
            let mut hint = match (m0, m1) {
                (Some(f0), Some(f1)) if f1 != f0 && !p0 => {
                    let v = cur as f64 - f0 * step as f64 / (f1 - f0);
                    (v.is_finite() && v > cur as f64 && v < LIMIT as f64).then(|| v.ceil() as i64)
                }
                _ => None,
            };
            if p1 && hint.is_none() {
                hint = Some(cur + step);
            }
            let mut passes = |v: i64| eval(v).0;
            let hi = match hint {
                Some(h) if passes(h) => Some(h),
                Some(h) => {
                    // Gallop upwards from the guess.
                    let mut d = 1i64;
                    let mut hi = None;
                    while h + d < LIMIT {
                        if passes(h + d) {
                            hi = Some(h + d);
                            break;
                        }
                        d = d.saturating_mul(2);
                    }
                    hi
                }
                None => {
                    let mut hi = cur.max(1).saturating_mul(2);
                    while hi < LIMIT && !passes(hi) {
                        hi = hi.saturating_mul(2);
                    }
                    (hi < LIMIT).then_some(hi)
                }
            };
            if let Some(mut hi) = hi.filter(|h| *h > cur) {
                // Gallop down from the passing value to bracket the boundary, then bisect.
                let mut lo = cur;
                let mut d = 1i64;
                while hi - d > lo {
                    if passes(hi - d) {
                        hi -= d;
                        d = d.saturating_mul(2);
                    } else {
                        lo = hi - d;
                        break;
                    }
                }
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if passes(mid) { hi = mid } else { lo = mid }
                }
                found = Some(hi);
            } else if may_decrease && cur > 0 && passes(0) {
                let (mut lo, mut hi) = (0, cur);
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if passes(mid) { lo = mid } else { hi = mid }
                }
                found = Some(lo);
            }
            // Restore the row's own values for the next lever.
            buf.cell_override = None;
            self.eval_chunk(panel, year, row, 1, &nodes, pick, &mut buf);
            if let Some(req) = found {
                out.push(Gap {
                    key: FIELDS[field as usize].key,
                    year: y,
                    current: cur,
                    required: req,
                    change: req - cur,
                    text: gap_text(field as usize, y, year, cur, req),
                });
            }
        }
        out
    }
}

/// Items that decide a verdict and are not verified (for a pass) or are missing (for an unknown).
pub(crate) fn supply(
    t: &VTree,
    panel: &Panel,
    year: i32,
    row: usize,
    buf: &Buffers,
    i: usize,
    want_missing_only: bool,
) -> Vec<(u16, u8)> {
    let state = |n: NodeId| buf.get(n, i);
    match t {
        VTree::All(v) => {
            let mut out = Vec::new();
            for c in v {
                for d in supply(c, panel, year, row, buf, i, want_missing_only) {
                    if !out.contains(&d) {
                        out.push(d);
                    }
                }
            }
            out
        }
        VTree::Any(v) => {
            // The cheapest alternative that passes (for a pass) or could still pass (for an unknown).
            v.iter()
                .filter(|(n, _)| {
                    let (x, s) = state(*n);
                    if want_missing_only {
                        s == MISS
                    } else {
                        s == OK && x != 0.0
                    }
                })
                .map(|(_, c)| supply(c, panel, year, row, buf, i, want_missing_only))
                .min_by_key(|d| d.len())
                .unwrap_or_default()
        }
        VTree::If {
            cond,
            cond_tree,
            then,
            els,
        } => {
            let (x, s) = state(*cond);
            let mut out = Vec::new();
            let branches: Vec<&VTree> = if s == MISS {
                vec![cond_tree, then, els]
            } else if s == OK && x != 0.0 {
                vec![cond_tree, then]
            } else {
                vec![els]
            };
            for b in branches {
                for d in supply(b, panel, year, row, buf, i, want_missing_only) {
                    if !out.contains(&d) {
                        out.push(d);
                    }
                }
            }
            out
        }
        VTree::Leaf { node, deps, .. } => {
            if want_missing_only && state(*node).1 != MISS {
                return Vec::new();
            }
            deps.iter()
                .copied()
                .filter(|(f, off)| {
                    let y = year - *off as i32;
                    if (y as i64) < panel.founded[row] / 10_000 {
                        return false;
                    }
                    let p = panel
                        .column(y, *f as usize)
                        .map(|c| c.prov[row])
                        .unwrap_or(crate::panel::PROV_MISSING);
                    if want_missing_only {
                        p == crate::panel::PROV_MISSING
                    } else {
                        p != crate::panel::PROV_VERIFIED
                    }
                })
                .collect()
        }
    }
}

pub(crate) fn supply_items(
    panel: &Panel,
    year: i32,
    row: usize,
    deps: &[(u16, u8)],
) -> Vec<Supply> {
    deps.iter()
        .map(|(f, off)| {
            let y = year - *off as i32;
            Supply {
                key: FIELDS[*f as usize].key.to_string(),
                zh: field_name(*f as usize).to_string(),
                year: y,
                provenance: panel.get(row, y, *f as usize).1,
            }
        })
        .collect()
}

/// Explains one rule for one firm (`row` of `panel`) in fiscal `year`.
pub fn explain(
    plan: &Plan,
    panel: &Panel,
    row: usize,
    year: i32,
    rule_id: &str,
    opts: &EvalOptions,
) -> Option<Explanation> {
    let rule = plan.rule(rule_id)?;
    let pick: Pick = opts.assumption.into();
    let mut buf = Buffers::default();
    plan.eval_row(rule, panel, year, row, pick, &mut buf);
    // Under the other expert-score assumption only the nodes depending on a manual item change.
    let other = if rule.manual_nodes.is_empty() {
        None
    } else {
        let mut b2 = buf.clone();
        let p2 = if pick == Pick::Lo { Pick::Hi } else { Pick::Lo };
        plan.eval_chunk(panel, year, row, 1, &rule.manual_nodes, p2, &mut b2);
        Some(b2)
    };
    let (ev, es) = buf.get(rule.eligible, 0);
    let verdict = Verdict::of(ev, es);
    let differs = |n: NodeId| {
        other.as_ref().is_some_and(|b2| {
            Verdict::of(b2.get(n, 0).0, b2.get(n, 0).1)
                != Verdict::of(buf.get(n, 0).0, buf.get(n, 0).1)
        })
    };
    let mut conditions = Vec::new();
    for c in &rule.conditions {
        conditions.push(explain_condition(
            plan,
            rule,
            panel,
            row,
            year,
            pick,
            &buf,
            c,
            differs(c.node),
        ));
    }
    let trace = rule
        .items
        .iter()
        .map(|it| {
            let (v, s) = buf.get(it.node, 0);
            let band = match &plan.ops[it.node as usize] {
                Op::Manual { slot, lo, hi } => {
                    let entered = panel
                        .manual
                        .get(&plan.manual_keys[*slot as usize])
                        .is_some_and(|m| !m[row].is_nan());
                    Some((buf.get(*lo, 0).0, buf.get(*hi, 0).0, entered))
                }
                _ => None,
            };
            TraceItem {
                name: it.name.clone(),
                zh: it.zh.clone(),
                kind: it.kind,
                status: it.status,
                value: quantity(v, s, plan.units[it.node as usize]),
                band,
            }
        })
        .collect();
    let steps = rule
        .nodes
        .iter()
        .map(|&n| {
            let (v, s) = buf.get(n, 0);
            Step {
                node: n,
                value: (s == OK).then_some(v),
                state: match s {
                    OK => "ok",
                    UNDEF => "undefined",
                    _ => "missing",
                },
                unit: plan.units[n as usize],
            }
        })
        .collect();
    let award = match (&rule.award, verdict) {
        (Some(a), Verdict::Pass) => award_of(a, &buf, 0),
        _ => None,
    };
    let (auto_grant, to_supply) = match verdict {
        Verdict::Pass => {
            let ok = plan.vtree_verified(&rule.vtree, panel, year, row, &buf, 0);
            let items = if ok {
                Vec::new()
            } else {
                supply(&rule.vtree, panel, year, row, &buf, 0, false)
            };
            (ok, supply_items(panel, year, row, &items))
        }
        Verdict::Unknown => (
            false,
            supply_items(
                panel,
                year,
                row,
                &supply(&rule.vtree, panel, year, row, &buf, 0, true),
            ),
        ),
        Verdict::Fail => (false, Vec::new()),
    };
    Some(Explanation {
        rule_id: rule.id.clone(),
        rule_name: rule.name.clone(),
        version: rule.version.clone(),
        document: rule.document.clone(),
        rule_status: rule.status,
        label: rule.label.clone(),
        uscc: panel.uscc[row].clone(),
        firm: panel.name[row].clone(),
        year,
        as_of: plan.as_of.to_string(),
        verdict,
        assumption: opts.assumption,
        assumption_dependent: differs(rule.eligible),
        award,
        award_zh: rule
            .award
            .as_ref()
            .map(|a| format!("{}（{}）", a.zh, crate::file::AWARD_ROUNDING_ZH)),
        auto_grant,
        to_supply,
        conditions,
        trace,
        steps,
        scores: crate::itemise::score_lines(plan, rule, panel, row, year, &buf),
        distance: crate::distance::distance(plan, rule.eligible, &buf, 0),
    })
}

/// One condition of an explanation: its parts, inputs, gaps (when failed), note and the
/// parameters it assumed.
#[allow(clippy::too_many_arguments)]
fn explain_condition(
    plan: &Plan,
    rule: &RulePlan,
    panel: &Panel,
    row: usize,
    year: i32,
    pick: Pick,
    buf: &Buffers,
    c: &CondPlan,
    assumption_dependent: bool,
) -> CondExplain {
    let (v, s) = buf.get(c.node, 0);
    let cv = Verdict::of(v, s);
    let mut parts = Vec::new();
    let mut subs = Vec::new();
    let mut basis = Vec::new();
    collect_parts(
        plan, rule, year, c.node, c.node, buf, &mut parts, &mut subs, &mut basis,
    );
    let mut basis = group_basis(basis);
    let inputs = condition_inputs(panel, row, year, c);
    let gaps = if cv == Verdict::Fail {
        plan.gaps(c, panel, year, row, pick, buf)
    } else {
        Vec::new()
    };
    let note = match cv {
        Verdict::Fail if gaps.is_empty() && !c.levers.is_empty() => {
            Some("单独调整任一指标都无法达标".to_string())
        }
        Verdict::Unknown => Some(unknown_note(plan, rule, panel, row, year, c, buf)),
        _ => c.note.clone(),
    };
    let params: Vec<String> = rule
        .items
        .iter()
        .filter(|it| {
            // Yearly and UNCONFIRMED parameters: what the reader must know was assumed.
            // (Other parameters are constants, which the plan shares between equal values.)
            it.kind == crate::plan::ItemKind::Param
                && c.sub.contains(&it.node)
                && (it.status == Status::Unconfirmed
                    || !matches!(plan.ops[it.node as usize], Op::Const(_)))
        })
        .map(|it| {
            let (v, st) = buf.get(it.node, 0);
            let mark = if it.status == Status::Unconfirmed {
                "［待核实］"
            } else {
                ""
            };
            format!(
                "{}（{year}年）= {}{mark}",
                it.zh,
                quantity(v, st, plan.units[it.node as usize]).text
            )
        })
        .collect();
    let unconfirmed: Vec<&str> = params
        .iter()
        .filter(|p| p.ends_with("［待核实］"))
        .map(|p| p.as_str())
        .collect();
    if !unconfirmed.is_empty() {
        basis.push(format!("所用参数：{}", unconfirmed.join("、")));
    }
    let note = if basis.is_empty() {
        note
    } else {
        Some(
            basis
                .iter()
                .cloned()
                .chain(note)
                .collect::<Vec<_>>()
                .join("；"),
        )
    };
    let (parts, note) = match crate::itemise::sme_explain(plan, panel, row, year, c, cv) {
        // The size test's own comparisons (industry bounds) replace the generic parts.
        Some((sme_parts, sme_note)) => (sme_parts, Some(sme_note)),
        None => (parts, note),
    };
    let note = match (note, crate::itemise::validity_note(plan, c, buf, year)) {
        (Some(n), Some(v)) => Some(format!("{n}；{v}")),
        (n, v) => n.or(v),
    };
    CondExplain {
        id: c.id.clone(),
        zh: c.zh.clone(),
        status: c.status,
        verdict: cv,
        parts,
        subconditions: subs,
        inputs,
        gaps,
        note,
        params,
        assumption_dependent,
    }
}

/// The facts a condition read, each with its value and source (a missing cell of a year before
/// the firm's data or founding was not read and is left out).
fn condition_inputs(panel: &Panel, row: usize, year: i32, c: &CondPlan) -> Vec<Input> {
    let reach = panel.data_from[row].max((panel.founded[row] / 10_000) as i32);
    c.deps
        .iter()
        .filter(|(f, off)| {
            // A missing cell of a year before the firm's data (or founding) was not read.
            let y = year - *off as i32;
            y >= reach || panel.value(row, y, *f as usize).is_some()
        })
        .map(|(f, off)| {
            let y = year - *off as i32;
            let (val, provenance) = panel.get(row, y, *f as usize);
            Input {
                key: FIELDS[*f as usize].key,
                zh: field_name(*f as usize),
                year: y,
                value: val,
                text: val
                    .map(|x| input_text(*f as usize, x))
                    .unwrap_or_else(|| "缺失".into()),
                provenance,
            }
        })
        .collect()
}

/// Why a condition is unknown: the facts missing in the branches that decide, and yearly
/// parameters without this year's value.
fn unknown_note(
    plan: &Plan,
    rule: &RulePlan,
    panel: &Panel,
    row: usize,
    year: i32,
    c: &CondPlan,
    buf: &Buffers,
) -> String {
    // What is missing in the branches that decide (an `any`'s open alternatives,
    // an `if`'s branch taken), not every fact the condition could read.
    let miss: Vec<String> = supply(
        &crate::plan::vtree(&plan.ops, c.node),
        panel,
        year,
        row,
        buf,
        0,
        true,
    )
    .into_iter()
    .map(|(f, off)| format!("{}（{}年）", field_name(f as usize), year - off as i32))
    .collect();
    // A yearly parameter without this year's value (e.g. the city-average growth).
    let mut notes: Vec<String> = rule
        .items
        .iter()
        .filter(|it| {
            it.kind == crate::plan::ItemKind::Param
                && buf.get(it.node, 0).1 == MISS
                && c.sub.contains(&it.node)
        })
        .map(|it| format!("缺少当年{}（{year}年），无法计算", it.zh))
        .collect();
    if !miss.is_empty() {
        notes.push(format!("缺少数据：{}", miss.join("、")));
    }
    // The condition's own note (e.g. which record settles it at once) matters most here.
    notes.extend(c.note.clone());
    notes.join("；")
}

impl Explanation {
    /// The verdict as a headline: 「取决于假设」 when the expert-score assumption decides it
    /// (the firm meets every computable condition one way and not the other), never a plain
    /// 不符合 / 符合.
    pub fn headline_zh(&self) -> &'static str {
        crate::plan::Finding::of(self.verdict, self.assumption_dependent).zh()
    }

    /// Plain-Chinese rendering for users.
    pub fn render_zh(&self) -> String {
        let mut s = String::new();
        let head = format!(
            "【{}】{}（{}，版本 {}，{}）\n企业：{}（{}）  数据年度：{}  评价基准日：{}\n结论：{}",
            self.label,
            self.rule_name,
            self.document,
            self.version,
            self.rule_status.zh(),
            self.firm,
            self.uscc,
            self.year,
            self.as_of,
            self.headline_zh()
        );
        s.push_str(&head);
        if self.assumption_dependent {
            s.push_str(&format!(
                "（专家评分项未录入：按{}为{}，另一假设下结论不同）",
                self.assumption.zh(),
                self.verdict.zh()
            ));
        }
        s.push('\n');
        if let (Some(a), Some(zh)) = (self.award, &self.award_zh) {
            s.push_str(&format!("{zh}：{}\n", fmt::yuan(a)));
        }
        if self.verdict == Verdict::Pass {
            if self.auto_grant {
                s.push_str("所用数据均已核验：可免申即享。\n");
            } else {
                let items: Vec<String> = self
                    .to_supply
                    .iter()
                    .map(|x| format!("{}（{}年，{}）", x.zh, x.year, x.provenance.zh()))
                    .collect();
                s.push_str(&format!("快申快享：请补充或核验 {}\n", items.join("、")));
            }
        } else if self.verdict == Verdict::Unknown && !self.to_supply.is_empty() {
            let items: Vec<String> = self
                .to_supply
                .iter()
                .map(|x| format!("{}（{}年）", x.zh, x.year))
                .collect();
            s.push_str(&format!("需补充数据：{}\n", items.join("、")));
        }
        for c in &self.conditions {
            let mark = match c.verdict {
                Verdict::Pass => "✓",
                Verdict::Fail => "✗",
                Verdict::Unknown => "?",
            };
            let status = if c.status == Status::Unconfirmed {
                "［待核实］"
            } else {
                ""
            };
            s.push_str(&format!("{mark} {}{status}：{}", c.zh, c.verdict.zh()));
            if c.assumption_dependent {
                s.push_str("（取决于专家评分假设）");
            }
            s.push('\n');
            for p in &c.parts {
                s.push_str(&format!("    {}\n", p.text));
            }
            if !c.subconditions.is_empty() {
                s.push_str(&format!("    由条件组成：{}\n", c.subconditions.join("、")));
            }
            let srcs: Vec<String> = c.inputs.iter().map(|i| i.line_zh()).collect();
            if !srcs.is_empty() {
                s.push_str(&format!("    数据：{}\n", srcs.join("；")));
            }
            if !c.params.is_empty() {
                s.push_str(&format!("    参数：{}\n", c.params.join("；")));
            }
            for g in &c.gaps {
                s.push_str(&format!("    → {}\n", g.text));
            }
            if let Some(n) = &c.note {
                s.push_str(&format!("    说明：{n}\n"));
            }
        }
        s.push_str(&crate::itemise::render_scores(&self.scores));
        s
    }
}
