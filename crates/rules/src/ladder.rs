//! The tier ladder (科小 → 高企 → 瞪羚 → 独角兽 → 领军企业), the nearest-to-qualify list, the
//! 免申即享 / 快申快享 lists, the funnel per park and year, and the budget forecast per policy.
//!
//! **Distance** (used to sort the nearest list): the normalised shortfall of the outcome's
//! condition tree. A failed comparison `a op b` contributes `min(1, |b − a| / |b|)` (1 when
//! `b` is 0); a failed non-numeric test (a flag, listing status) contributes 1; a missing input
//! contributes 1 (it must be supplied before anything else); `all` sums its children, `any`
//! takes its smallest child; a passing node contributes 0. So 0.2 reads "20 % short on one
//! threshold", and 1.3 "one condition missing entirely plus 30 % short on another".
use std::collections::BTreeMap;

use crate::batch::BatchResult;
use crate::explain::{Supply, supply, supply_items};
use crate::panel::Panel;
use crate::plan::{Buffers, MISS, NodeId, OK, Op, Pick, Plan, Verdict};

/// Normalised shortfall of node `n` for row `i` of an evaluated chunk (see the module docs).
pub fn distance(plan: &Plan, n: NodeId, buf: &Buffers, i: usize) -> f64 {
    let (v, s) = buf.get(n, i);
    if s == OK && v != 0.0 {
        return 0.0;
    }
    if s == MISS && !matches!(plan.ops[n as usize], Op::All(_) | Op::Any(_)) {
        return 1.0;
    }
    match &plan.ops[n as usize] {
        Op::All(c) => c.iter().map(|x| distance(plan, *x, buf, i)).sum(),
        Op::Any(c) => c
            .iter()
            .map(|x| distance(plan, *x, buf, i))
            .fold(f64::INFINITY, f64::min),
        Op::Cmp(_, a, b) => {
            let (av, as_) = buf.get(*a, i);
            let (bv, bs) = buf.get(*b, i);
            if as_ != OK || bs != OK || bv == 0.0 {
                1.0
            } else {
                ((bv - av).abs() / bv.abs()).min(1.0)
            }
        }
        _ => 1.0,
    }
}

/// [`distance`] for the rows `0..out.len()` of an evaluated chunk at once, column by column
/// (the same arithmetic in the same order, so the same values). `scratch` holds one buffer per
/// nesting level, reused from chunk to chunk.
pub(crate) fn distance_chunk(
    plan: &Plan,
    n: NodeId,
    buf: &Buffers,
    out: &mut [f64],
    scratch: &mut Vec<Vec<f64>>,
) {
    let len = out.len();
    let k = n as usize * buf.len;
    let (v, s) = (&buf.vals[k..k + len], &buf.st[k..k + len]);
    let clean = |x: NodeId| buf.clean.get(x as usize).copied().unwrap_or(false);
    let op = &plan.ops[n as usize];
    match op {
        Op::All(c) | Op::Any(c) => {
            let all = matches!(op, Op::All(_));
            out.fill(if all { 0.0 } else { f64::INFINITY });
            let mut tmp = scratch.pop().unwrap_or_default();
            tmp.resize(len, 0.0);
            for x in c {
                distance_chunk(plan, *x, buf, &mut tmp[..len], scratch);
                if all {
                    out.iter_mut().zip(&tmp).for_each(|(o, t)| *o += t);
                } else {
                    out.iter_mut().zip(&tmp).for_each(|(o, t)| *o = o.min(*t));
                }
            }
            scratch.push(tmp);
        }
        Op::Cmp(_, a, b) => {
            let (ka, kb) = (*a as usize * buf.len, *b as usize * buf.len);
            let (av, as_) = (&buf.vals[ka..ka + len], &buf.st[ka..ka + len]);
            let (bv, bs) = (&buf.vals[kb..kb + len], &buf.st[kb..kb + len]);
            if clean(*a) && clean(*b) {
                for i in 0..len {
                    let r = ((bv[i] - av[i]).abs() / bv[i].abs()).min(1.0);
                    out[i] = if bv[i] == 0.0 { 1.0 } else { r };
                }
            } else {
                for i in 0..len {
                    out[i] = if as_[i] != OK || bs[i] != OK || bv[i] == 0.0 {
                        1.0
                    } else {
                        ((bv[i] - av[i]).abs() / bv[i].abs()).min(1.0)
                    };
                }
            }
        }
        _ => out.fill(1.0),
    }
    if clean(n) {
        // A passing row is at distance 0: a bit mask, so that the loop vectorises.
        for i in 0..len {
            let keep = ((v[i] == 0.0) as u64).wrapping_neg();
            out[i] = f64::from_bits(out[i].to_bits() & keep);
        }
    } else {
        let junction = matches!(op, Op::All(_) | Op::Any(_));
        for i in 0..len {
            if s[i] == OK && v[i] != 0.0 {
                out[i] = 0.0;
            } else if s[i] == MISS && !junction {
                out[i] = 1.0;
            }
        }
    }
}

/// One rung of the ladder.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Rung {
    pub level: u8,
    pub label: String,
    /// The rule defining the rung; `None` where no official definition exists.
    pub rule: Option<String>,
    pub note: Option<String>,
}

/// The zone's ladder: rungs 1–4 from rule files declaring `rung`, and 领军企业 on top, which has
/// no official definition.
pub fn rungs(plan: &Plan) -> Vec<Rung> {
    let mut v: Vec<Rung> = plan
        .rules
        .iter()
        .filter_map(|r| {
            r.rung.map(|level| Rung {
                level,
                label: r.label.clone(),
                rule: Some(r.id.clone()),
                note: None,
            })
        })
        .collect();
    v.sort_by_key(|r| r.level);
    let top = v.last().map(|r| r.level).unwrap_or(0) + 1;
    v.push(Rung {
        level: top,
        label: "领军企业".into(),
        rule: None,
        note: Some("“领军企业”在现有材料中没有官方认定标准（criteria.md §4.5），暂无法判定，需由主管部门明确口径".into()),
    });
    v
}

/// Where a firm stands on the ladder in a year.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LadderPosition {
    pub row: usize,
    /// Highest rung passed (0 = none).
    pub level: u8,
    pub label: Option<String>,
    pub next: Option<Rung>,
    /// Verdict and distance of the next rung's rule.
    pub next_verdict: Option<Verdict>,
    pub next_distance: Option<f32>,
}

/// Current rung of every firm: the highest rung whose rule passes.
pub fn positions(plan: &Plan, batch: &BatchResult) -> Vec<LadderPosition> {
    let rs = rungs(plan);
    let n = batch.rules.first().map(|r| r.verdict.len()).unwrap_or(0);
    (0..n).map(|row| position_of(&rs, batch, row)).collect()
}

fn position_of(rs: &[Rung], batch: &BatchResult, row: usize) -> LadderPosition {
    let mut cur: Option<&Rung> = None;
    for r in rs {
        if let Some(id) = &r.rule
            && batch
                .rule(id)
                .is_some_and(|x| x.verdict[row] == Verdict::Pass)
        {
            cur = Some(r);
        }
    }
    let level = cur.map(|r| r.level).unwrap_or(0);
    let next = rs.iter().find(|r| r.level > level).cloned();
    let (nv, nd) = match next
        .as_ref()
        .and_then(|r| r.rule.as_ref())
        .and_then(|id| batch.rule(id))
    {
        Some(x) => (Some(x.verdict[row]), Some(x.distance[row])),
        None => (None, None),
    };
    LadderPosition {
        row,
        level,
        label: cur.map(|r| r.label.clone()),
        next,
        next_verdict: nv,
        next_distance: nd,
    }
}

/// What stands between a firm and its next rung: the firm's position and the explanation of the
/// next rung's rule (failed conditions with their smallest passing changes). `None` for the
/// explanation when the next rung has no official definition (领军企业) — the rung's note says so.
pub fn next_step(
    plan: &Plan,
    panel: &Panel,
    batch: &BatchResult,
    row: usize,
) -> Option<(LadderPosition, Option<crate::explain::Explanation>)> {
    if row >= batch.rules.first()?.verdict.len() {
        return None;
    }
    let pos = position_of(&rungs(plan), batch, row);
    let ex = pos
        .next
        .as_ref()
        .and_then(|r| r.rule.as_ref())
        .and_then(|id| crate::explain::explain(plan, panel, row, batch.year, id, &batch.options));
    Some((pos, ex))
}

/// A firm close to a rule, for the nearest-to-qualify list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Nearest {
    pub row: usize,
    pub uscc: String,
    pub distance: f32,
    pub verdict: Verdict,
}

/// Firms not yet passing `rule_id`, nearest first (ties by credit code); at most `limit`.
/// Distances the batch did not keep (rules off the ladder) are computed here with the same plan.
pub fn nearest(
    plan: &Plan,
    panel: &Panel,
    batch: &BatchResult,
    rule_id: &str,
    limit: usize,
) -> Vec<Nearest> {
    let (Some(r), Some(rp)) = (batch.rule(rule_id), plan.rule(rule_id)) else {
        return Vec::new();
    };
    let mut dist = r.distance.clone();
    if dist.iter().any(|d| d.is_nan()) {
        let pick: Pick = batch.options.assumption.into();
        let mut buf = Buffers::default();
        let mut start = 0;
        while start < panel.len() {
            let len = crate::batch::CHUNK.min(panel.len() - start);
            plan.eval_chunk(panel, batch.year, start, len, &rp.nodes, pick, &mut buf);
            for i in 0..len {
                if dist[start + i].is_nan() {
                    dist[start + i] = distance(plan, rp.eligible, &buf, i) as f32;
                }
            }
            start += len;
        }
    }
    let mut v: Vec<Nearest> = (0..r.verdict.len())
        .filter(|i| r.verdict[*i] != Verdict::Pass)
        .map(|i| Nearest {
            row: i,
            uscc: panel.uscc[i].clone(),
            distance: dist[i],
            verdict: r.verdict[i],
        })
        .collect();
    v.sort_by(|a, b| {
        a.distance
            .total_cmp(&b.distance)
            .then_with(|| a.uscc.cmp(&b.uscc))
    });
    v.truncate(limit);
    v
}

/// An entry of a grant list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GrantEntry {
    pub row: usize,
    pub uscc: String,
    pub park: String,
    pub award: Option<i64>,
    /// For 快申快享: the exact items to supply or have verified.
    pub supply: Vec<Supply>,
}

/// 免申即享 (eligible, every input verified) and 快申快享 (eligible or undecided, with the items to
/// supply) lists of one rule.
#[derive(Debug, Clone, serde::Serialize, Default)]
pub struct GrantLists {
    pub rule: String,
    pub auto_grant: Vec<GrantEntry>,
    pub fast_track: Vec<GrantEntry>,
}

/// Builds the lists for one rule; the items to supply come from re-evaluating those rows with
/// the same plan.
pub fn grant_lists(plan: &Plan, panel: &Panel, batch: &BatchResult, rule_id: &str) -> GrantLists {
    let (Some(rp), Some(r)) = (plan.rule(rule_id), batch.rule(rule_id)) else {
        return GrantLists::default();
    };
    let pick: Pick = batch.options.assumption.into();
    let mut out = GrantLists {
        rule: rule_id.to_string(),
        ..Default::default()
    };
    let mut buf = Buffers::default();
    for row in 0..r.verdict.len() {
        let entry = |supply: Vec<Supply>| GrantEntry {
            row,
            uscc: panel.uscc[row].clone(),
            park: panel.parks[panel.park[row] as usize].clone(),
            award: r.award_at(row),
            supply,
        };
        match r.verdict[row] {
            Verdict::Pass if r.verified[row] => out.auto_grant.push(entry(Vec::new())),
            Verdict::Pass | Verdict::Unknown => {
                plan.eval_chunk(panel, batch.year, row, 1, &rp.nodes, pick, &mut buf);
                let missing_only = r.verdict[row] == Verdict::Unknown;
                let deps = supply(&rp.vtree, panel, batch.year, row, &buf, 0, missing_only);
                out.fast_track
                    .push(entry(supply_items(panel, batch.year, row, &deps)));
            }
            Verdict::Fail => {}
        }
    }
    out
}

/// Counts per park per rung in one year.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FunnelYear {
    pub year: i32,
    /// park → counts by level (index = level, 0 = no rung).
    pub by_park: BTreeMap<String, Vec<usize>>,
}

/// Conversion from one rung in year y to a higher rung in year y+1.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Conversion {
    pub from_year: i32,
    pub level: u8,
    pub firms: usize,
    pub moved_up: usize,
    pub rate: f64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Funnel {
    pub levels: Vec<Rung>,
    pub years: Vec<FunnelYear>,
    pub conversions: Vec<Conversion>,
    /// Median length (years) of the runs a firm stays on each rung (level → median), over the years given.
    pub median_years_on_rung: BTreeMap<u8, f64>,
}

fn median(v: &mut [usize]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_unstable();
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m] as f64
    } else {
        (v[m - 1] + v[m]) as f64 / 2.0
    }
}

/// The funnel over consecutive years: `years[k]` = (year, plan, batch) for the same panel rows.
pub fn funnel(panel: &Panel, years: &[(i32, &Plan, &BatchResult)]) -> Funnel {
    let levels = years.first().map(|(_, p, _)| rungs(p)).unwrap_or_default();
    let nl = levels.iter().map(|r| r.level as usize).max().unwrap_or(0) + 1;
    let pos: Vec<Vec<u8>> = years
        .iter()
        .map(|(_, p, b)| positions(p, b).into_iter().map(|x| x.level).collect())
        .collect();
    let mut out_years = Vec::new();
    for (k, (y, _, _)) in years.iter().enumerate() {
        let mut by_park: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (row, lv) in pos[k].iter().enumerate() {
            let park = panel.parks[panel.park[row] as usize].clone();
            by_park.entry(park).or_insert_with(|| vec![0; nl])[*lv as usize] += 1;
        }
        out_years.push(FunnelYear { year: *y, by_park });
    }
    let mut conversions = Vec::new();
    for k in 0..years.len().saturating_sub(1) {
        for level in 0..nl as u8 {
            let firms: Vec<usize> = (0..pos[k].len()).filter(|r| pos[k][*r] == level).collect();
            let up = firms.iter().filter(|r| pos[k + 1][**r] > level).count();
            conversions.push(Conversion {
                from_year: years[k].0,
                level,
                firms: firms.len(),
                moved_up: up,
                rate: if firms.is_empty() {
                    0.0
                } else {
                    up as f64 / firms.len() as f64
                },
            });
        }
    }
    let mut spells: BTreeMap<u8, Vec<usize>> = BTreeMap::new();
    for row in 0..panel.len() {
        let mut k = 0;
        while k < pos.len() {
            let lv = pos[k][row];
            let mut j = k;
            while j < pos.len() && pos[j][row] == lv {
                j += 1;
            }
            if lv > 0 {
                spells.entry(lv).or_default().push(j - k);
            }
            k = j;
        }
    }
    let median_years_on_rung = spells
        .into_iter()
        .map(|(l, mut v)| (l, median(&mut v)))
        .collect();
    Funnel {
        levels,
        years: out_years,
        conversions,
        median_years_on_rung,
    }
}

/// Budget forecast of one policy for a year.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Budget {
    pub rule: String,
    pub year: i32,
    /// Total in fen of computable awards to eligible firms.
    pub total: i64,
    pub firms: usize,
    /// Eligible firms whose award cannot be computed yet (an input missing).
    pub firms_amount_unknown: usize,
    /// Firms whose eligibility is unknown (possible extra cost).
    pub firms_undecided: usize,
    /// park → (firms, total fen).
    pub by_park: BTreeMap<String, (usize, i64)>,
}

pub fn budget(panel: &Panel, batch: &BatchResult, rule_id: &str) -> Option<Budget> {
    let r = batch.rule(rule_id)?;
    let mut b = Budget {
        rule: rule_id.into(),
        year: batch.year,
        total: 0,
        firms: 0,
        firms_amount_unknown: 0,
        firms_undecided: 0,
        by_park: BTreeMap::new(),
    };
    for row in 0..r.verdict.len() {
        match r.verdict[row] {
            Verdict::Pass => {
                b.firms += 1;
                let e = b
                    .by_park
                    .entry(panel.parks[panel.park[row] as usize].clone())
                    .or_insert((0, 0));
                e.0 += 1;
                match r.award_at(row) {
                    Some(a) => {
                        b.total += a;
                        e.1 += a;
                    }
                    None => b.firms_amount_unknown += 1,
                }
            }
            Verdict::Unknown => b.firms_undecided += 1,
            Verdict::Fail => {}
        }
    }
    Some(b)
}
