//! The payout ledger's use cases (政策兑现, issue 20): listing awards in scope, one award with its
//! history and the steps its viewer may take, and taking a step (申报, 核准, 核减, 不予核准, 拨付,
//! 复核, 公示) with the trust rules of payments. Syncing from the rules is [`crate::payout_sync`],
//! the measures [`crate::payout_measures`], imports [`crate::payout_import`].
//!
//! Every step is written with its audit event (`payout.<action>`, the award's park) in the same
//! transaction as the award's new state; a step applies only to the version of the award its actor
//! saw, so two people acting at once cannot both pay.
use crate::audit::{Who, event};
use crate::payout_data::PayoutConfig;
use crate::payout_flow::{self, Action, Capacity, Facts, PayCheck, PayFacts, State};
use gaoxin_model::{Date, Money, Unit, Uscc};
use gaoxin_store::{PayoutFilter, PayoutRow, PayoutStep, Role, RunKind, Scope, Store};
use std::collections::HashMap;

/// Why a use case of the ledger did not go ahead.
#[derive(Debug, thiserror::Error)]
pub enum PayoutError {
    /// Missing or outside the scope (the same answer for both).
    #[error("未找到该兑现记录")]
    NotFound,
    /// Refused, with the reason in Chinese.
    #[error("{0}")]
    Refused(String),
    /// The award changed since it was read.
    #[error("该兑现记录已被他人更新，请刷新后重试")]
    Conflict,
    #[error(transparent)]
    Store(#[from] gaoxin_store::Error),
    #[error(transparent)]
    Eval(#[from] crate::EvalError),
}

/// The capacity a signed-in user acts in on the ledger (`None`: read only).
pub fn capacity(role: &Role) -> Option<Capacity> {
    match role {
        Role::ZoneAdmin => Some(Capacity::Zone),
        Role::ParkAdmin(_) => Some(Capacity::Park),
        Role::Enterprise(_) => Some(Capacity::Firm),
        Role::ZoneAnalyst | Role::Department(_) | Role::University(_) => None,
    }
}

/// A step by `who` at `now` (unix seconds) on `today` (yyyymmdd), its id and seq set by the store.
pub fn new_step(
    who: &Who,
    now: i64,
    today: i64,
    step: &str,
    from: Option<State>,
    to: State,
) -> PayoutStep {
    PayoutStep {
        payout_id: 0,
        seq: 0,
        at: now,
        on_date: today,
        actor: who.actor.clone(),
        role: who.role.clone(),
        step: step.to_string(),
        from_state: from.map(|s| s.zh().to_string()),
        to_state: to.zh().to_string(),
        amount_fen: None,
        reason: String::new(),
        fund_source: String::new(),
        paid_on: None,
        note: String::new(),
    }
}

/// A step as a form or a command gives it (texts as typed).
#[derive(Debug, Clone, Default)]
pub struct StepInput {
    pub action: String,
    /// Yuan, up to two decimals (核减: the approved amount; 拨付: the amount paid).
    pub amount_yuan: String,
    pub reason: String,
    pub fund_source: String,
    /// yyyy-mm-dd (拨付: the payment date; 公示: its first day). Empty: today.
    pub date: String,
    pub note: String,
    /// The award's version the actor saw (0: the current one — the command line).
    pub version: i64,
}

/// What a step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepDone {
    pub state: String,
    /// The message shown (in Chinese).
    pub message: String,
}

/// The facts the state machine needs about `p`.
pub fn facts(cfg: &PayoutConfig, p: &PayoutRow) -> Facts {
    Facts {
        exempt_channel: p.channel == "免申",
        publicity: cfg.publicity_days(&p.rule).is_some(),
        reduced: p.approved_fen.is_some_and(|a| a < p.computed_fen),
    }
}

/// Whether the firm qualifies for the award's policy in the year's latest rules run.
pub async fn eligible_now(store: &Store, p: &PayoutRow) -> Result<bool, PayoutError> {
    let Ok(year) = gaoxin_model::Year::new(p.year as i32) else {
        return Ok(false);
    };
    let Some(run) = store.latest_run(&Scope::Zone, RunKind::Rules, year).await? else {
        return Ok(false);
    };
    let Ok(uscc) = Uscc::parse(&p.uscc) else {
        return Ok(false);
    };
    let rows = store
        .rule_results(&Scope::Enterprise(uscc), &run.id, Some(&p.rule), None)
        .await?;
    Ok(rows
        .iter()
        .any(|r| r.verdict == "pass" && r.amount_fen.is_some_and(|a| a > 0)))
}

fn parse_yuan(field: &str, text: &str) -> Result<i64, PayoutError> {
    let m = Money::parse(text.trim(), Unit::Yuan).map_err(|e| {
        PayoutError::Refused(format!(
            "「{field}」应为以元计的金额（如 1500000 或 12.50）：{e}"
        ))
    })?;
    if m.fen() <= 0 {
        return Err(PayoutError::Refused(format!("「{field}」应大于0")));
    }
    Ok(m.fen())
}

fn parse_day(field: &str, text: &str, today: i64) -> Result<i64, PayoutError> {
    if text.trim().is_empty() {
        return Ok(today);
    }
    let d = Date::parse(text.trim())
        .ok_or_else(|| PayoutError::Refused(format!("「{field}」应为日期，如 2026-11-30")))?;
    if d.to_int() > today {
        return Err(PayoutError::Refused(format!("「{field}」不能晚于今天")));
    }
    Ok(d.to_int())
}

/// Takes one step on award `id` as `who` (in capacity `cap`, seeing `scope`).
pub async fn act(
    store: &Store,
    cfg: &PayoutConfig,
    who: &Who,
    cap: Capacity,
    scope: &Scope,
    id: i64,
    input: &StepInput,
) -> Result<StepDone, PayoutError> {
    let p = store
        .payout(scope, id)
        .await?
        .ok_or(PayoutError::NotFound)?;
    if input.version != 0 && input.version != p.version {
        return Err(PayoutError::Conflict);
    }
    let action = Action::parse(&input.action).map_err(PayoutError::Refused)?;
    let from = State::parse(&p.state).map_err(PayoutError::Refused)?;
    let f = facts(cfg, &p);
    let mut to = payout_flow::next(from, action, cap, f).map_err(PayoutError::Refused)?;
    let reason = input.reason.trim().to_string();
    if action.needs_reason() && reason.is_empty() {
        return Err(PayoutError::Refused(format!(
            "「{}」须填写理由",
            action.zh()
        )));
    }
    let now = gaoxin_store::unix_now();
    let today = crate::appeals_data::china_date(now).to_int();
    let mut next = p.clone();
    let mut step = new_step(who, now, today, action.zh(), Some(from), to);
    step.reason = reason;
    step.note = input.note.trim().to_string();
    let mut message = format!("已办理「{}」", action.zh());
    match action {
        Action::Approve => {
            next.approved_fen = Some(p.computed_fen);
            next.approved_on = Some(today);
            step.amount_fen = Some(p.computed_fen);
        }
        Action::Reduce => {
            let a = parse_yuan("核减后金额（元）", &input.amount_yuan)?;
            if a >= p.computed_fen {
                return Err(PayoutError::Refused(format!(
                    "核减后金额 {} 应小于测算金额 {}（不核减请用「核准」）",
                    gaoxin_model::present::yuan(a),
                    gaoxin_model::present::yuan(p.computed_fen)
                )));
            }
            next.approved_fen = Some(a);
            next.approved_on = Some(today);
            step.amount_fen = Some(a);
        }
        Action::Pay => {
            let a = parse_yuan("拨付金额（元）", &input.amount_yuan)?;
            let paid_on = parse_day("拨付日期", &input.date, today)?;
            if p.approved_on.is_some_and(|a| paid_on < a) {
                return Err(PayoutError::Refused("「拨付日期」不能早于核准日期".into()));
            }
            let fund = cfg
                .parse_fund_source(&input.fund_source)
                .map_err(PayoutError::Refused)?;
            let check = payout_flow::check_payment(
                PayFacts {
                    computed_fen: p.computed_fen,
                    approved_fen: p.approved_fen,
                    paid_fen: p.paid_fen,
                    eligible_now: eligible_now(store, &p).await?,
                },
                a,
            );
            step.amount_fen = Some(a);
            step.paid_on = Some(paid_on);
            step.fund_source = fund;
            match check {
                PayCheck::Refused(why) => return Err(PayoutError::Refused(why)),
                PayCheck::SecondApproval(why) => {
                    to = State::PendingReview;
                    step.step = "拨付待复核".into();
                    step.to_state = to.zh().into();
                    step.reason = why.clone();
                    message = format!("已提交拨付，{why}");
                }
                PayCheck::Pay => {
                    next.paid_fen = Some(a);
                    next.paid_on = Some(paid_on);
                }
            }
        }
        Action::ConfirmPay => {
            let steps = store.payout_steps(scope, id).await?;
            let req = steps
                .iter()
                .rev()
                .find(|s| s.step == "拨付待复核")
                .ok_or_else(|| PayoutError::Refused("未找到待复核的拨付申请".into()))?;
            payout_flow::may_confirm(&req.actor, &who.actor).map_err(PayoutError::Refused)?;
            next.paid_fen = req.amount_fen;
            next.paid_on = req.paid_on;
            step.amount_fen = req.amount_fen;
            step.paid_on = req.paid_on;
            step.fund_source = req.fund_source.clone();
            step.note = format!("复核 {} 提交的拨付", req.actor);
        }
        Action::Publish => {
            let first = parse_day("公示开始日期", &input.date, today)?;
            next.published_on = Some(first);
            step.paid_on = None;
            step.note = format!(
                "公示 {} 天，自 {}",
                cfg.publicity_days(&p.rule).unwrap_or(0),
                Date::from_int(first)
                    .map(gaoxin_model::present::date)
                    .unwrap_or_default()
            );
        }
        Action::Apply | Action::Exempt | Action::Reject | Action::ReturnPay => {}
    }
    next.state = to.zh().to_string();
    let ev = event(
        who,
        &format!("payout.{}", action.key()),
        Some(&p.park),
        &format!("payout:{}", p.id),
        serde_json::json!({
            "from": from.zh(), "to": to.zh(), "amount_fen": step.amount_fen,
            "reason": step.reason, "fund_source": step.fund_source, "uscc": p.uscc, "rule": p.rule,
        }),
    );
    if !store.apply_payout_step(&next, &step, &ev).await? {
        return Err(PayoutError::Conflict);
    }
    Ok(StepDone {
        state: to.zh().into(),
        message,
    })
}

/// Enters one special-fund line (a zone administrator's), with its audit event (`payout.fund`).
pub async fn set_fund(
    store: &Store,
    who: &Who,
    line: &gaoxin_store::FundLine,
) -> Result<(), PayoutError> {
    let ev = event(
        who,
        "payout.fund",
        None,
        &format!("fund:{}:{}:{}", line.year, line.category, line.source),
        serde_json::json!({"amount_fen": line.amount_fen, "note": line.note}),
    );
    Ok(store.set_payout_fund(line, &ev).await?)
}

/// The policies' names by rule id (from the rule files; an unreadable set gives none).
pub fn policy_names() -> HashMap<String, String> {
    crate::rules_files::load_rules()
        .map(|fs| fs.into_iter().map(|f| (f.id, f.name)).collect())
        .unwrap_or_default()
}

/// The awards in scope matching `f`.
pub async fn list(
    store: &Store,
    scope: &Scope,
    f: &PayoutFilter,
) -> Result<Vec<PayoutRow>, PayoutError> {
    Ok(store.payouts(scope, f).await?)
}

/// One award as a list shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ListItem {
    pub id: i64,
    pub firm: String,
    pub uscc: String,
    pub park: String,
    pub year: i64,
    pub policy: String,
    pub channel: String,
    pub state: String,
    pub flagged: bool,
    pub computed_fen: i64,
    pub approved_fen: Option<i64>,
    pub paid_fen: Option<i64>,
    pub paid_on: Option<i64>,
    pub waits_on: String,
    /// What the firm must supply (when the award waits on the firm).
    pub supply: Vec<String>,
}

/// The rows as a list shows them (policies and parks named).
pub fn list_items(rows: &[PayoutRow], park_name: &dyn Fn(&str) -> String) -> Vec<ListItem> {
    let names = policy_names();
    rows.iter()
        .map(|p| {
            let state = State::parse(&p.state).unwrap_or(State::Computed);
            let exempt = p.channel == "免申";
            ListItem {
                id: p.id,
                firm: p.firm_name.clone(),
                uscc: p.uscc.clone(),
                park: park_name(&p.park),
                year: p.year,
                policy: names
                    .get(&p.rule)
                    .cloned()
                    .unwrap_or_else(|| p.rule.clone()),
                channel: p.channel.clone(),
                state: p.state.clone(),
                flagged: p.flagged,
                computed_fen: p.computed_fen,
                approved_fen: p.approved_fen,
                paid_fen: p.paid_fen,
                paid_on: p.paid_on,
                waits_on: state.waits_on(exempt).to_string(),
                supply: if state == State::Computed && !exempt {
                    p.supply
                        .lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(str::to_string)
                        .collect()
                } else {
                    vec![]
                },
            }
        })
        .collect()
}

/// One award as its page shows it.
#[derive(Debug, Clone)]
pub struct PayoutView {
    pub row: PayoutRow,
    pub policy: String,
    pub steps: Vec<PayoutStep>,
    /// The steps the viewer may take now.
    pub actions: Vec<Action>,
    /// Where it waits (and on whom).
    pub waits_on: String,
    /// What the firm must supply while it waits on the firm.
    pub supply: Vec<String>,
    pub publicity_days: Option<i64>,
    /// The trust rules that apply to a payment now (shown beside the 拨付 form).
    pub pay_note: Option<String>,
}

/// Award `id` in `scope`, with the steps `cap` may take.
pub async fn detail(
    store: &Store,
    cfg: &PayoutConfig,
    scope: &Scope,
    cap: Option<Capacity>,
    id: i64,
) -> Result<PayoutView, PayoutError> {
    let row = store
        .payout(scope, id)
        .await?
        .ok_or(PayoutError::NotFound)?;
    let steps = store.payout_steps(scope, id).await?;
    let state = State::parse(&row.state).map_err(PayoutError::Refused)?;
    let f = facts(cfg, &row);
    let actions = cap.map_or_else(Vec::new, |c| payout_flow::allowed(state, c, f));
    let pay_note = if actions.contains(&Action::Pay) || actions.contains(&Action::ConfirmPay) {
        let eligible = eligible_now(store, &row).await?;
        Some(format!(
            "拨付金额不得超过{}金额 {}（超过将被拒绝）；已拨付的奖励不能再次拨付（拒绝）；{}",
            if row.approved_fen.is_some() {
                "核准"
            } else {
                "测算"
            },
            gaoxin_model::present::yuan(row.approved_fen.unwrap_or(row.computed_fen)),
            if eligible {
                "企业在最新测算中仍符合条件。"
            } else {
                "企业在最新测算中已不符合条件：拨付将转为待复核，须另一名高新区管理员复核通过。"
            }
        ))
    } else {
        None
    };
    let waiting_on_firm = state == State::Computed && !f.exempt_channel;
    Ok(PayoutView {
        policy: policy_names()
            .remove(&row.rule)
            .unwrap_or_else(|| row.rule.clone()),
        waits_on: state.waits_on(f.exempt_channel).to_string(),
        supply: if waiting_on_firm {
            row.supply
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect()
        } else {
            vec![]
        },
        publicity_days: cfg.publicity_days(&row.rule),
        actions,
        steps,
        row,
        pay_note,
    })
}

#[cfg(test)]
pub(crate) mod tests;
