//! Saved reforms compared with each other and with last year's actual results (issue 20).
//!
//! [`compare`] evaluates two or more reforms against the same [`Baseline`] (today's rules on the
//! stored panel of year Y) and lays them side by side with the baseline as the first column: per
//! column the eligible firm × policy pairs and the total award, the budget by park and by policy,
//! the winners and losers (firm × rule pairs newly / no longer qualifying, firms whose total award
//! rises / falls), and the firm × rule pairs whose outcome (verdict or award) is not the same under
//! every reform compared ([`DiffRow`]: a change shared by every reform is not listed, it is in each
//! reform's own lists).
//!
//! [`actual`] reads "last year's actual results": the stored official rules run of year Y−1 (its
//! budget: eligible firms and computable awards by policy and park — what the run computed, not
//! re-evaluated with today's files) and, where the payout ledger holds awards of fiscal year Y−1,
//! the amounts actually paid (拨付, by policy and park) — shown beside the reforms applied to year
//! Y. Nothing is stored.
use crate::error::EvalError;
use crate::reform::{Baseline, Outcome, evaluate};
use gaoxin_rules::LoadError;
use gaoxin_rules::plan::Verdict;
use gaoxin_rules::reform::Reform;
use gaoxin_store::{PayoutFilter, Scope, Store};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One column of the comparison: the baseline (today's rules) or one reform.
#[derive(Debug, Clone, Serialize)]
pub struct Column {
    /// The saved reform's key (file name without `.toml`); empty for the baseline.
    pub key: String,
    pub name: String,
    pub author: String,
    /// Eligible firm × policy pairs (policies with an award) and their total award, fen.
    pub eligible: usize,
    pub total_fen: i64,
    /// Firm × rule pairs newly qualifying / no longer qualifying against the baseline.
    pub gained: usize,
    pub lost: usize,
    /// Firms whose total award rises / falls against the baseline.
    pub winners: usize,
    pub losers: usize,
    /// Award per park (the comparison's `parks` order), fen.
    pub by_park: Vec<i64>,
    /// Per policy (the comparison's `rules` order): eligible firms and award, fen.
    pub by_rule: Vec<(usize, i64)>,
}

/// A firm × rule whose outcome is not the same under every reform compared.
#[derive(Debug, Clone, Serialize)]
pub struct DiffRow {
    pub uscc: String,
    pub name: String,
    pub park: String,
    pub rule: String,
    /// Verdict and award (fen, eligible only) per column, the baseline first.
    pub cells: Vec<(Verdict, Option<i64>)>,
}

/// Reforms side by side.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub year: i32,
    pub as_of: String,
    pub firms: usize,
    /// Policies with an award and rules some reform changes: (id, name, has award).
    pub rules: Vec<(String, String, bool)>,
    /// Park ids with firms of the year, in the panel's order.
    pub parks: Vec<String>,
    pub columns: Vec<Column>,
    pub differing: Vec<DiffRow>,
}

/// Evaluates every reform against `base` and compares them; refused (file, line, reason) when
/// one does not apply. `reforms`: (key, reform).
pub fn compare(
    base: &Baseline,
    reforms: &[(String, Reform)],
) -> Result<Comparison, Vec<LoadError>> {
    let mut outcomes = Vec::new();
    let mut errors = Vec::new();
    for (_, r) in reforms {
        match evaluate(base, r) {
            Ok(o) => outcomes.push(o),
            Err(es) => errors.extend(es),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let keys: Vec<String> = reforms.iter().map(|(k, _)| k.clone()).collect();
    Ok(side_by_side(base, &keys, &outcomes))
}

/// The comparison of evaluated outcomes (pure).
pub fn side_by_side(base: &Baseline, keys: &[String], outcomes: &[Outcome]) -> Comparison {
    let mut rules: Vec<(String, String, bool)> = Vec::new();
    for o in outcomes {
        for r in o
            .rules
            .iter()
            .filter(|r| r.has_award || r.gained + r.lost > 0)
        {
            if !rules.iter().any(|x| x.0 == r.rule) {
                rules.push((r.rule.clone(), r.name.clone(), r.has_award));
            }
        }
    }
    let mut parks: Vec<String> = Vec::new();
    for (row, here) in base.here.iter().enumerate() {
        let p = &base.panel.parks[base.panel.park[row] as usize];
        if *here && !parks.contains(p) {
            parks.push(p.clone());
        }
    }
    let column = |key: &str, o: &Outcome, reform: bool| -> Column {
        let pick = |base_v: i64, reform_v: i64| if reform { reform_v } else { base_v };
        let by_rule = rules
            .iter()
            .map(|(id, _, _)| match o.rules.iter().find(|r| r.rule == *id) {
                Some(r) => (
                    pick(r.base_pass as i64, r.reform_pass as i64) as usize,
                    pick(r.base_fen, r.reform_fen),
                ),
                None => (0, 0),
            })
            .collect();
        let by_park = parks
            .iter()
            .map(|p| {
                o.parks
                    .iter()
                    .filter(|d| d.park == *p && d.has_award)
                    .map(|d| pick(d.base_fen, d.reform_fen))
                    .sum()
            })
            .collect();
        let award_rules = o.rules.iter().filter(|r| r.has_award);
        Column {
            key: key.to_string(),
            name: if reform {
                o.name.clone()
            } else {
                "现行规则".into()
            },
            author: if reform {
                o.author.clone()
            } else {
                String::new()
            },
            eligible: award_rules
                .map(|r| pick(r.base_pass as i64, r.reform_pass as i64) as usize)
                .sum(),
            total_fen: pick(o.base_total_fen, o.reform_total_fen),
            gained: if reform { o.gained().count() } else { 0 },
            lost: if reform { o.lost().count() } else { 0 },
            winners: if reform {
                o.gains.iter().filter(|g| g.delta_fen > 0).count()
            } else {
                0
            },
            losers: if reform {
                o.gains.iter().filter(|g| g.delta_fen < 0).count()
            } else {
                0
            },
            by_park,
            by_rule,
        }
    };
    let mut columns = Vec::new();
    if let Some(first) = outcomes.first() {
        columns.push(column("", first, false));
    }
    for (k, o) in keys.iter().zip(outcomes) {
        columns.push(column(k, o, true));
    }
    Comparison {
        year: base.year.get(),
        as_of: base.as_of.to_string(),
        firms: base.firms(),
        rules,
        parks,
        columns,
        differing: differing(outcomes),
    }
}

/// Firm × rule pairs whose outcome differs between the reforms (the baseline's cell first).
fn differing(outcomes: &[Outcome]) -> Vec<DiffRow> {
    type Key = (String, String);
    type Cell = (Verdict, Option<i64>);
    // every pair some reform changes, with the baseline's outcome and each reform's change
    let mut seen: BTreeMap<Key, (String, String, Cell)> = BTreeMap::new();
    let mut by_reform: Vec<BTreeMap<Key, Cell>> = Vec::new();
    for o in outcomes {
        let mut m = BTreeMap::new();
        for d in &o.diffs {
            let k = (d.uscc.clone(), d.rule.clone());
            seen.entry(k.clone())
                .or_insert_with(|| (d.name.clone(), d.park.clone(), (d.base, d.base_fen)));
            m.insert(k, (d.reform, d.reform_fen));
        }
        by_reform.push(m);
    }
    let mut rows = Vec::new();
    for (k, (name, park, base)) in seen {
        let cells: Vec<(Verdict, Option<i64>)> = by_reform
            .iter()
            .map(|m| m.get(&k).copied().unwrap_or(base))
            .collect();
        let distinct: BTreeSet<(u8, Option<i64>)> =
            cells.iter().map(|(v, a)| (*v as u8, *a)).collect();
        if distinct.len() > 1 {
            let mut all = vec![base];
            all.extend(cells);
            rows.push(DiffRow {
                uscc: k.0,
                name,
                park,
                rule: k.1,
                cells: all,
            });
        }
    }
    let spread = |r: &DiffRow| {
        let a: Vec<i64> = r.cells[1..].iter().map(|c| c.1.unwrap_or(0)).collect();
        a.iter().max().unwrap_or(&0) - a.iter().min().unwrap_or(&0)
    };
    rows.sort_by(|a, b| {
        spread(b)
            .cmp(&spread(a))
            .then(a.rule.cmp(&b.rule))
            .then(a.uscc.cmp(&b.uscc))
    });
    rows
}

/// Last year's actual results: the official run of year Y−1 and the ledger's payments.
#[derive(Debug, Clone, Serialize)]
pub struct Actual {
    /// Y−1.
    pub year: i32,
    /// The stored official rules run of Y−1: its id, when it ran, and per policy
    /// (id → eligible firms, computable awards in fen) and per park (id → fen).
    pub run: Option<ActualRun>,
    /// Awards of fiscal year Y−1 in the ledger that were paid: per policy (id → awards paid,
    /// fen paid) and per park (id → fen paid); `None` when the ledger holds no award of Y−1.
    pub paid: Option<Paid>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ActualRun {
    pub run_id: String,
    pub created_at: i64,
    pub by_rule: BTreeMap<String, (usize, i64)>,
    pub by_park: BTreeMap<String, i64>,
    pub total_fen: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Paid {
    /// Awards of Y−1 in the ledger (paid or not) and those paid.
    pub awards: usize,
    pub paid: usize,
    pub by_rule: BTreeMap<String, (usize, i64)>,
    pub by_park: BTreeMap<String, i64>,
    pub total_fen: i64,
}

/// Reads last year's actual results for comparisons of year `year` (the run and ledger of
/// `year − 1`, in `scope`).
pub async fn actual(store: &Store, scope: &Scope, year: i32) -> Result<Actual, EvalError> {
    let last = year - 1;
    let run = match gaoxin_model::Year::new(last) {
        Ok(y) => crate::rules_runs::latest(store, scope, y).await?,
        Err(_) => None,
    };
    let run = run.map(|(s, rec)| {
        let mut by_rule: BTreeMap<String, (usize, i64)> = BTreeMap::new();
        let mut by_park: BTreeMap<String, i64> = BTreeMap::new();
        for b in &s.budgets {
            let e = by_rule.entry(b.rule.clone()).or_default();
            e.0 += b.firms;
            e.1 += b.total_fen;
            *by_park.entry(b.park.clone()).or_default() += b.total_fen;
        }
        ActualRun {
            run_id: rec.id.clone(),
            created_at: rec.created_at,
            total_fen: by_rule.values().map(|v| v.1).sum(),
            by_rule,
            by_park,
        }
    });
    let rows = store
        .payouts(
            scope,
            &PayoutFilter {
                year: Some(last as i64),
                ..PayoutFilter::default()
            },
        )
        .await
        .map_err(EvalError::from)?;
    let paid = (!rows.is_empty()).then(|| {
        let mut p = Paid {
            awards: rows.len(),
            paid: 0,
            by_rule: BTreeMap::new(),
            by_park: BTreeMap::new(),
            total_fen: 0,
        };
        for r in rows.iter() {
            if let Some(f) = r.paid_fen {
                p.paid += 1;
                p.total_fen += f;
                let e = p.by_rule.entry(r.rule.clone()).or_default();
                e.0 += 1;
                e.1 += f;
                *p.by_park.entry(r.park.clone()).or_default() += f;
            }
        }
        p
    });
    Ok(Actual {
        year: last,
        run,
        paid,
    })
}

#[cfg(test)]
mod tests;
