//! The funnel per park and year (firms on each rung, conversions to a higher rung, median years
//! on a rung) and the budget forecast per policy and park — one implementation, used by the
//! stored rules runs and their pages. Built on the ladder's positions ([`crate::ladder`]).
use std::collections::BTreeMap;

use crate::batch::BatchResult;
use crate::ladder::{Basis, LadderPosition, Rung};
use crate::panel::Panel;
use crate::plan::{Plan, Verdict};

/// One year of the funnel: every firm's position on the ladder that year and whether the firm
/// has facts that year (a firm counts in a year only then). Both are indexed by panel row.
pub struct FunnelYear<'a> {
    pub year: i32,
    pub positions: &'a [LadderPosition],
    pub present: &'a [bool],
}

/// Firms at each rung of one park in one year (index = level): the current rung is the
/// recognised one (已认定, from records), and where the zone has no record for a rung, the rule's
/// verdict (按条件测算); `by_rules` counts the latter.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct FunnelRow {
    pub year: i32,
    pub park: String,
    pub counts: Vec<usize>,
    /// Of `counts`, the firms placed by the rules because no record exists (index = level).
    #[serde(default)]
    pub by_rules: Vec<usize>,
    /// Of `counts`, the firms whose rung depends on the expert-score assumption (a rung without
    /// a record whose verdict the other assumption would turn; index = level).
    #[serde(default)]
    pub depends: Vec<usize>,
}

impl FunnelRow {
    /// Firms on `level` by a record (已认定).
    pub fn by_record(&self, level: usize) -> usize {
        self.counts.get(level).copied().unwrap_or(0)
            - self.by_rules.get(level).copied().unwrap_or(0)
    }
}

/// Firms of one park at `level` in `from_year` (present the next year too) and how many stood
/// higher a year later.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct ConversionRow {
    pub from_year: i32,
    pub park: String,
    pub level: u8,
    pub firms: usize,
    pub moved_up: usize,
}

impl ConversionRow {
    /// Share of the firms that moved up (0 for none).
    pub fn rate(&self) -> f64 {
        if self.firms == 0 {
            0.0
        } else {
            self.moved_up as f64 / self.firms as f64
        }
    }
}

/// Median length in years of the spells firms of one park spent on a rung (completed or not)
/// over the funnel years; a year without the firm's facts ends a spell.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct MedianRow {
    pub park: String,
    pub level: u8,
    pub spells: usize,
    pub median_years: f64,
}

/// The funnel over consecutive years, per park: counts per rung per year, conversions from one
/// year to the next and the median years on each rung. Rows are ordered by their keys (year or
/// park first, as the fields are listed).
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct Funnel {
    pub years: Vec<i32>,
    pub rows: Vec<FunnelRow>,
    pub conversions: Vec<ConversionRow>,
    pub medians: Vec<MedianRow>,
}

/// The median of counts (years on a rung); 0 for none.
pub fn median(v: &mut [usize]) -> f64 {
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

/// The funnel of `years` (consecutive, oldest first, every year's vectors indexed by the rows of
/// `panel`) on the ladder `rungs` ([`rungs`] of the plans: the same in every year).
pub fn funnel(panel: &Panel, rungs: &[Rung], years: &[FunnelYear]) -> Funnel {
    let nl = rungs.iter().map(|r| r.level as usize).max().unwrap_or(0) + 1;
    let park_of = |row: usize| panel.parks[panel.park[row] as usize].clone();
    Funnel {
        years: years.iter().map(|y| y.year).collect(),
        rows: funnel_rows(years, nl, &park_of),
        conversions: conversions(years, &park_of),
        medians: medians(panel.len(), years, &park_of),
    }
}

fn funnel_rows(
    years: &[FunnelYear],
    nl: usize,
    park_of: &dyn Fn(usize) -> String,
) -> Vec<FunnelRow> {
    let mut out: BTreeMap<(i32, String), FunnelRow> = BTreeMap::new();
    for y in years {
        for (row, p) in y.positions.iter().enumerate() {
            if !y.present[row] {
                continue;
            }
            let park = park_of(row);
            let e = out
                .entry((y.year, park.clone()))
                .or_insert_with(|| FunnelRow {
                    year: y.year,
                    park,
                    counts: vec![0; nl],
                    by_rules: vec![0; nl],
                    depends: vec![0; nl],
                });
            let l = p.level as usize;
            e.counts[l] += 1;
            e.by_rules[l] += (p.basis == Some(Basis::Rules)) as usize;
            e.depends[l] += p.assumption_dependent as usize;
        }
    }
    out.into_values().collect()
}

fn conversions(years: &[FunnelYear], park_of: &dyn Fn(usize) -> String) -> Vec<ConversionRow> {
    let mut out: BTreeMap<(i32, String, u8), ConversionRow> = BTreeMap::new();
    for w in years.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        for row in 0..a.positions.len() {
            if !(a.present[row] && b.present[row]) {
                continue;
            }
            let (from, to) = (a.positions[row].level, b.positions[row].level);
            let park = park_of(row);
            let e = out
                .entry((a.year, park.clone(), from))
                .or_insert_with(|| ConversionRow {
                    from_year: a.year,
                    park,
                    level: from,
                    firms: 0,
                    moved_up: 0,
                });
            e.firms += 1;
            e.moved_up += (to > from) as usize;
        }
    }
    out.into_values().collect()
}

fn medians(n: usize, years: &[FunnelYear], park_of: &dyn Fn(usize) -> String) -> Vec<MedianRow> {
    let mut spells: BTreeMap<(String, u8), Vec<usize>> = BTreeMap::new();
    for row in 0..n {
        let mut k = 0;
        while k < years.len() {
            if !years[k].present[row] {
                k += 1;
                continue;
            }
            let lv = years[k].positions[row].level;
            let mut j = k;
            while j < years.len() && years[j].present[row] && years[j].positions[row].level == lv {
                j += 1;
            }
            if lv > 0 {
                spells.entry((park_of(row), lv)).or_default().push(j - k);
            }
            k = j;
        }
    }
    spells
        .into_iter()
        .map(|((park, level), mut v)| MedianRow {
            park,
            level,
            spells: v.len(),
            median_years: median(&mut v),
        })
        .collect()
}

/// Budget forecast of one policy in one park for the batch's year.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct BudgetRow {
    pub rule: String,
    pub park: String,
    /// Eligible firms (a verdict that does not depend on the expert-score assumption).
    pub firms: usize,
    /// Total in fen of the computable awards to `firms`.
    pub total_fen: i64,
    /// Of `firms`, those whose award cannot be computed yet (an input missing).
    pub amount_unknown: usize,
    /// Firms whose eligibility is unknown (possible extra cost).
    pub undecided: usize,
    /// Firms whose eligibility depends on the expert-score assumption (not in `firms`).
    #[serde(default)]
    pub depends: usize,
}

/// The budget of policy `rule_id` per park (ordered by park), over the rows with `present` set
/// (the firms with facts in the batch's year); `None` for a rule the batch did not evaluate.
/// Every park with such a firm has a row.
pub fn budget(
    panel: &Panel,
    batch: &BatchResult,
    rule_id: &str,
    present: &[bool],
) -> Option<Vec<BudgetRow>> {
    let r = batch.rule(rule_id)?;
    let mut by_park: BTreeMap<&str, BudgetRow> = BTreeMap::new();
    for row in (0..r.verdict.len()).filter(|row| present[*row]) {
        let park = panel.parks[panel.park[row] as usize].as_str();
        let b = by_park.entry(park).or_insert_with(|| BudgetRow {
            rule: rule_id.into(),
            park: park.into(),
            firms: 0,
            total_fen: 0,
            amount_unknown: 0,
            undecided: 0,
            depends: 0,
        });
        let v = r.verdict[row];
        match (v, r.award_at(row)) {
            _ if r.assumption_dependent.get(row) == Some(&true) && v != Verdict::Unknown => {
                b.depends += 1
            }
            (Verdict::Pass, Some(a)) => {
                b.firms += 1;
                b.total_fen += a;
            }
            (Verdict::Pass, None) => {
                b.firms += 1;
                b.amount_unknown += 1;
            }
            (Verdict::Unknown, _) => b.undecided += 1,
            (Verdict::Fail, _) => {}
        }
    }
    Some(by_park.into_values().collect())
}

/// The budgets of every policy of `plan` with an award ([`budget`]), ordered by rule id, then park.
pub fn budgets(
    plan: &Plan,
    panel: &Panel,
    batch: &BatchResult,
    present: &[bool],
) -> Vec<BudgetRow> {
    let mut ids: Vec<&str> = plan
        .rules
        .iter()
        .filter(|r| r.award.is_some())
        .map(|r| r.id.as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter()
        .filter_map(|id| budget(panel, batch, id, present))
        .flatten()
        .collect()
}
