//! The payout ledger as JSON (`GET /api/v1/payouts`, `GET /api/v1/payouts/{id}`): the same
//! scoped reads as the pages (zone all, a park its firms', a firm its own, a department none; an
//! award outside the scope answers as missing), amounts in fen, dates as yyyymmdd.
use crate::payouts::{PayoutError, policy_names};
use gaoxin_store::{PayoutFilter, PayoutRow, PayoutStep, Scope, Store};
use serde::Serialize;

/// One award.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ApiPayout {
    pub id: i64,
    pub uscc: String,
    pub firm_name: String,
    pub park: String,
    pub year: i64,
    pub policy: String,
    pub policy_name: String,
    pub rule_version: String,
    pub run_id: String,
    /// 免申 | 申报.
    pub channel: String,
    /// 测算 | 申报 | 免申 | 核准 | 核减 | 不予核准 | 待复核 | 拨付 | 公示.
    pub state: String,
    pub computed_fen: i64,
    pub approved_fen: Option<i64>,
    pub paid_fen: Option<i64>,
    pub approved_on: Option<i64>,
    pub paid_on: Option<i64>,
    pub published_on: Option<i64>,
    /// The firm no longer qualifies in the year's latest rules run.
    pub flagged: bool,
}

/// One step of an award's history.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ApiStep {
    pub seq: i64,
    /// Unix seconds.
    pub at: i64,
    pub on_date: i64,
    pub actor: String,
    pub role: String,
    pub step: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub amount_fen: Option<i64>,
    pub reason: String,
    pub fund_source: String,
    pub paid_on: Option<i64>,
    pub note: String,
}

/// An award with its steps, oldest first.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ApiPayoutDetail {
    #[serde(flatten)]
    pub payout: ApiPayout,
    pub steps: Vec<ApiStep>,
}

fn api(p: PayoutRow, names: &std::collections::HashMap<String, String>) -> ApiPayout {
    ApiPayout {
        policy_name: names
            .get(&p.rule)
            .cloned()
            .unwrap_or_else(|| p.rule.clone()),
        id: p.id,
        uscc: p.uscc,
        firm_name: p.firm_name,
        park: p.park,
        year: p.year,
        policy: p.rule,
        rule_version: p.rule_version,
        run_id: p.run_id,
        channel: p.channel,
        state: p.state,
        computed_fen: p.computed_fen,
        approved_fen: p.approved_fen,
        paid_fen: p.paid_fen,
        approved_on: p.approved_on,
        paid_on: p.paid_on,
        published_on: p.published_on,
        flagged: p.flagged,
    }
}

fn step(s: PayoutStep) -> ApiStep {
    ApiStep {
        seq: s.seq,
        at: s.at,
        on_date: s.on_date,
        actor: s.actor,
        role: s.role,
        step: s.step,
        from_state: s.from_state,
        to_state: s.to_state,
        amount_fen: s.amount_fen,
        reason: s.reason,
        fund_source: s.fund_source,
        paid_on: s.paid_on,
        note: s.note,
    }
}

/// The filter of the list: `year`, `policy` (rule id), `park`, `state` (as the pages).
pub fn filter(
    year: Option<&str>,
    policy: Option<&str>,
    park: Option<&str>,
    state: Option<&str>,
) -> Result<PayoutFilter, String> {
    let some = |v: Option<&str>| v.map(str::trim).filter(|v| !v.is_empty()).map(String::from);
    let year = match some(year) {
        None => None,
        Some(y) => Some(i64::from(gaoxin_model::Year::parse(&y)?.get())),
    };
    let state = some(state);
    if let Some(s) = &state {
        crate::payout_flow::State::parse(s)?;
    }
    Ok(PayoutFilter {
        year,
        rule: some(policy),
        park: some(park),
        state,
        ..PayoutFilter::default()
    })
}

/// The awards in `scope` matching `f`.
pub async fn list(
    store: &Store,
    scope: &Scope,
    f: &PayoutFilter,
) -> Result<Vec<ApiPayout>, PayoutError> {
    let names = policy_names();
    Ok(store
        .payouts(scope, f)
        .await?
        .into_iter()
        .map(|p| api(p, &names))
        .collect())
}

/// One award with its steps; [`PayoutError::NotFound`] when missing or outside `scope`.
pub async fn one(store: &Store, scope: &Scope, id: i64) -> Result<ApiPayoutDetail, PayoutError> {
    let p = store
        .payout(scope, id)
        .await?
        .ok_or(PayoutError::NotFound)?;
    let steps = store.payout_steps(scope, id).await?;
    Ok(ApiPayoutDetail {
        payout: api(p, &policy_names()),
        steps: steps.into_iter().map(step).collect(),
    })
}
