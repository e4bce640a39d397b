//! From the rules to the ledger: [`sync`] takes the latest stored rules run of a year and keeps the
//! ledger in step with it.
//!
//! * a firm × policy with an award > 0 and no entry yet: a 测算 entry (channel 免申 when every input
//!   is verified — then also moved to 免申 by the platform —, else 申报);
//! * an entry not yet approved (测算, 申报, 免申) whose computed amount differs in the newer run: the
//!   amount is updated, recorded as a 重新测算 step naming the old and new amounts and the run;
//! * an entry whose firm no longer qualifies: flagged (不再符合), never deleted; one that qualifies
//!   again is unflagged (重新符合);
//! * anything else is left alone, so a second sync of the same run changes nothing.
//!
//! Every step records an audit event (`payout.compute`, `payout.exempt`, `payout.recompute`,
//! `payout.flag`, `payout.unflag`) with the firm's park.
use crate::audit::{Who, event};
use crate::payout_flow::State;
use crate::payouts::{PayoutError, new_step};
use gaoxin_model::Year;
use gaoxin_store::{PayoutFilter, PayoutRow, RunKind, Scope, Store};
use std::collections::HashMap;

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncReport {
    pub run_id: String,
    pub year: i32,
    /// New 测算 entries (of which `exempt` went on to 免申).
    pub created: usize,
    pub exempt: usize,
    /// Entries not yet approved whose computed amount changed.
    pub recomputed: usize,
    /// Entries whose firm no longer qualifies (flagged now).
    pub flagged: usize,
    /// Flagged entries whose firm qualifies again.
    pub unflagged: usize,
    /// Entries left as they were.
    pub unchanged: usize,
}

impl SyncReport {
    pub fn zh(&self) -> String {
        format!(
            "{} 年兑现台账已按最新规则测算同步：新增测算 {} 条（其中免申即享 {} 条），重新测算 {} 条，不再符合 {} 条，重新符合 {} 条，未变化 {} 条。",
            self.year,
            self.created,
            self.exempt,
            self.recomputed,
            self.flagged,
            self.unflagged,
            self.unchanged
        )
    }
}

/// Each rule's version in a run's `versions` (`id@version#hash,…`).
pub fn run_versions(versions: &str) -> HashMap<String, String> {
    versions
        .split(',')
        .filter_map(|v| {
            let (id, rest) = v.split_once('@')?;
            let version = rest.split_once('#').map_or(rest, |x| x.0);
            Some((id.to_string(), version.to_string()))
        })
        .collect()
}

type NewEntry = (
    PayoutRow,
    Vec<gaoxin_store::PayoutStep>,
    Vec<gaoxin_store::AuditEvent>,
);

/// A new entry for rules result `r` (测算, and on to 免申 when every input is verified).
fn new_entry(
    who: &Who,
    now: i64,
    today: i64,
    run_id: &str,
    version: String,
    r: &gaoxin_store::RuleResultRow,
    year: Year,
) -> NewEntry {
    let amount = r.amount_fen.unwrap_or(0);
    let exempt = r.verified;
    let state = if exempt {
        State::Exempt
    } else {
        State::Computed
    };
    let row = PayoutRow {
        id: 0,
        uscc: r.uscc.clone(),
        firm_name: r.name.clone(),
        park: r.park.clone(),
        year: i64::from(year.get()),
        rule: r.rule.clone(),
        rule_version: version,
        run_id: run_id.to_string(),
        computed_fen: amount,
        channel: if exempt { "免申" } else { "申报" }.into(),
        state: state.zh().into(),
        approved_fen: None,
        paid_fen: None,
        approved_on: None,
        paid_on: None,
        published_on: None,
        flagged: false,
        supply: r.supply.clone(),
        version: 1,
    };
    let mut steps = vec![new_step(who, now, today, "测算", None, State::Computed)];
    steps[0].amount_fen = Some(amount);
    steps[0].note = format!("规则测算 {run_id}");
    let detail = serde_json::json!({"rule": r.rule, "amount_fen": amount, "run": run_id});
    let mut events = vec![event(who, "payout.compute", Some(&r.park), "", detail)];
    if exempt {
        let mut s = new_step(
            who,
            now,
            today,
            "免申",
            Some(State::Computed),
            State::Exempt,
        );
        s.note = "全部条件已核验，免申即享".into();
        steps.push(s);
        events.push(event(
            who,
            "payout.exempt",
            Some(&r.park),
            "",
            serde_json::json!({"rule": r.rule}),
        ));
    }
    (row, steps, events)
}

/// An existing entry `p` met again in the run: unflagged if it was flagged, recomputed if not yet
/// approved and its amount changed (each a step), else left alone.
#[allow(clippy::too_many_arguments)]
async fn update_entry(
    store: &Store,
    who: &Who,
    (now, today): (i64, i64),
    run_id: &str,
    version: String,
    amount: i64,
    r: &gaoxin_store::RuleResultRow,
    p: PayoutRow,
    report: &mut SyncReport,
) -> Result<(), PayoutError> {
    let state = State::parse(&p.state).map_err(PayoutError::Refused)?;
    let mut next = p.clone();
    let mut what: Vec<(&str, String)> = Vec::new();
    if p.flagged {
        next.flagged = false;
        what.push(("重新符合", format!("规则测算 {run_id} 中重新符合条件")));
    }
    if state.before_review() && p.computed_fen != amount {
        next.computed_fen = amount;
        next.run_id = run_id.to_string();
        next.rule_version = version;
        next.supply = r.supply.clone();
        what.push((
            "重新测算",
            format!(
                "测算金额 {} → {}（规则测算 {run_id}）",
                gaoxin_model::present::yuan(p.computed_fen),
                gaoxin_model::present::yuan(amount),
            ),
        ));
    }
    if what.is_empty() {
        report.unchanged += 1;
        return Ok(());
    }
    for (k, (name, note)) in what.iter().enumerate() {
        let mut s = new_step(who, now, today, name, Some(state), state);
        s.note = note.clone();
        let recompute = *name == "重新测算";
        if recompute {
            s.amount_fen = Some(amount);
            report.recomputed += 1;
        } else {
            report.unflagged += 1;
        }
        // the row's columns are written with the last step (one version each)
        let row = if k + 1 == what.len() {
            next.clone()
        } else {
            PayoutRow {
                flagged: false,
                ..p.clone()
            }
        };
        let seen = PayoutRow {
            version: p.version + k as i64,
            ..row
        };
        let action = if recompute {
            "payout.recompute"
        } else {
            "payout.unflag"
        };
        let ev = event(
            who,
            action,
            Some(&p.park),
            &format!("payout:{}", p.id),
            serde_json::json!({"note": note}),
        );
        if !store.apply_payout_step(&seen, &s, &ev).await? {
            return Err(PayoutError::Conflict);
        }
    }
    Ok(())
}

/// Syncs the ledger of `year` with the year's latest stored rules run (see the module docs).
pub async fn sync(store: &Store, who: &Who, year: Year) -> Result<SyncReport, PayoutError> {
    let run = store
        .latest_run(&Scope::Zone, RunKind::Rules, year)
        .await?
        .ok_or_else(|| {
            PayoutError::Refused(format!(
                "{year} 年尚无已保存的规则测算结果：请先运行测算（gaoxin evaluate --year {year}）"
            ))
        })?;
    let versions = run_versions(&run.versions);
    let rows = store
        .rule_results(&Scope::Zone, &run.id, None, Some("pass"))
        .await?;
    let awards: Vec<_> = rows
        .into_iter()
        .filter(|r| r.amount_fen.is_some_and(|a| a > 0))
        .collect();
    let existing = store
        .payouts(
            &Scope::Zone,
            &PayoutFilter {
                year: Some(i64::from(year.get())),
                ..Default::default()
            },
        )
        .await?;
    let mut by_key: HashMap<(String, String), PayoutRow> = existing
        .into_iter()
        .map(|p| ((p.rule.clone(), p.uscc.clone()), p))
        .collect();
    let now = gaoxin_store::unix_now();
    let today = crate::appeals_data::china_date(now).to_int();
    let mut report = SyncReport {
        run_id: run.id.clone(),
        year: year.get(),
        ..Default::default()
    };
    let mut new = Vec::new();
    for r in &awards {
        let amount = r.amount_fen.unwrap_or(0);
        let version = versions.get(&r.rule).cloned().unwrap_or_default();
        match by_key.remove(&(r.rule.clone(), r.uscc.clone())) {
            None => {
                let exempt = r.verified;
                new.push(new_entry(who, now, today, &run.id, version, r, year));
                report.exempt += usize::from(exempt);
                report.created += 1;
            }
            Some(p) => {
                update_entry(
                    store,
                    who,
                    (now, today),
                    &run.id,
                    version,
                    amount,
                    r,
                    p,
                    &mut report,
                )
                .await?;
            }
        }
    }
    // what is left did not qualify in this run: flag it (never delete)
    let mut left: Vec<PayoutRow> = by_key.into_values().collect();
    left.sort_by_key(|p| p.id);
    for p in left {
        if p.flagged {
            report.unchanged += 1;
            continue;
        }
        let state = State::parse(&p.state).map_err(PayoutError::Refused)?;
        let mut s = new_step(who, now, today, "不再符合", Some(state), state);
        s.note = format!("规则测算 {} 中不再符合条件", run.id);
        let ev = event(
            who,
            "payout.flag",
            Some(&p.park),
            &format!("payout:{}", p.id),
            serde_json::json!({"run": run.id}),
        );
        let next = PayoutRow {
            flagged: true,
            ..p.clone()
        };
        if !store.apply_payout_step(&next, &s, &ev).await? {
            return Err(PayoutError::Conflict);
        }
        report.flagged += 1;
    }
    if !new.is_empty() {
        store.create_payouts(&new).await?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests;
