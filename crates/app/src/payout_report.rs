//! The ledger's measures as the pages, the workbook and `gaoxin payouts measures` show them: one
//! load of the awards in scope (optionally one year) and the fund accounts, measured by
//! [`crate::payout_measures`], with policies and parks named.
use crate::payout_data::{PayoutConfig, load_calendar, unconfirmed};
use crate::payout_measures::{
    self, Dimension, FundYear, Group, PayDays, Stalled, Unpaid, approved_unpaid, never_paid,
};
use crate::payouts::{PayoutError, policy_names};
use gaoxin_store::{PayoutFilter, Scope, Store};
use std::collections::HashMap;

/// Everything the measures page shows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Measures {
    pub year: Option<i64>,
    pub by_policy: Vec<Group>,
    pub by_park: Vec<Group>,
    pub by_year: Vec<Group>,
    /// 应享尽享: entitled, never paid.
    pub never_paid: Vec<Stalled>,
    /// 应兑尽兑: approved, unpaid.
    pub unpaid: Vec<Unpaid>,
    pub pay_days: PayDays,
    pub funds: Vec<FundYear>,
    pub floor_percent: i64,
    pub floor_source: String,
    /// The floor's reading against one zone is the platform's (UNCONFIRMED).
    pub floor_unconfirmed: bool,
    pub floor_reading: String,
    pub principle: String,
    /// The chart: entitled vs paid by park (widths in per cent of the largest entitled amount).
    pub bars: Vec<Bar>,
}

/// One park's bars of the chart.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Bar {
    pub name: String,
    pub entitled_fen: i64,
    pub paid_fen: i64,
    pub entitled_pct: f64,
    pub paid_pct: f64,
}

/// The chart's bars of `groups` (the 合计 row left out).
pub fn bars(groups: &[Group]) -> Vec<Bar> {
    let parks: Vec<&Group> = groups.iter().filter(|g| g.name != "合计").collect();
    let max = parks
        .iter()
        .map(|g| g.entitled_fen)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    parks
        .into_iter()
        .map(|g| Bar {
            name: g.name.clone(),
            entitled_fen: g.entitled_fen,
            paid_fen: g.paid_fen,
            entitled_pct: (g.entitled_fen as f64 / max * 1000.0).round() / 10.0,
            paid_pct: (g.paid_fen as f64 / max * 1000.0).round() / 10.0,
        })
        .collect()
}

/// The measures of the awards in `scope` (of `year`, or every year), as of `today` (yyyymmdd).
pub async fn measures(
    store: &Store,
    cfg: &PayoutConfig,
    scope: &Scope,
    year: Option<i64>,
    today: i64,
    park_name: &(dyn Fn(&str) -> String + Sync),
) -> Result<Measures, PayoutError> {
    let rows = store
        .payouts(
            scope,
            &PayoutFilter {
                year,
                ..Default::default()
            },
        )
        .await?;
    let mut reasons = HashMap::new();
    for p in rows.iter().filter(|p| p.state == "不予核准") {
        if let Some(s) = store
            .payout_steps(scope, p.id)
            .await?
            .into_iter()
            .rev()
            .find(|s| s.step == "不予核准")
        {
            reasons.insert(p.id, s.reason);
        }
    }
    let names = policy_names();
    let policy = |k: &str| names.get(k).cloned().unwrap_or_else(|| k.to_string());
    let cal = load_calendar().map_err(PayoutError::Refused)?;
    let mut stalled = never_paid(&rows, &reasons);
    for s in &mut stalled {
        s.rule = policy(&s.rule);
        s.park = park_name(&s.park);
    }
    let (mut unpaid, pay_days) = approved_unpaid(&rows, &cal, today);
    for u in &mut unpaid {
        u.rule = policy(&u.rule);
        u.park = park_name(&u.park);
    }
    let mut funds = payout_measures::fund_years(cfg, &store.payout_funds(scope).await?);
    if let Some(y) = year {
        funds.retain(|f| f.year == y);
    }
    let by_park = payout_measures::groups(&rows, Dimension::Park, park_name);
    Ok(Measures {
        year,
        bars: bars(&by_park),
        by_policy: payout_measures::groups(&rows, Dimension::Policy, &policy),
        by_park,
        by_year: payout_measures::groups(&rows, Dimension::Year, &|k| format!("{k}年")),
        never_paid: stalled,
        unpaid,
        pay_days,
        funds,
        floor_percent: cfg.floor.share_percent,
        floor_source: cfg.floor.source.clone(),
        floor_unconfirmed: unconfirmed(&cfg.floor.status) || unconfirmed(&cfg.floor.reading),
        floor_reading: cfg
            .floor
            .reading
            .trim_start_matches("UNCONFIRMED:")
            .trim()
            .to_string(),
        principle: cfg.principle.clone(),
    })
}
