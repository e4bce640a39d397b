//! The second approval of a payment (复核, issue 20) as the command line takes it: a payment
//! flagged 待复核 (to a firm no longer eligible in the year's latest rules run — see
//! [`crate::payout_flow::check_payment`]) is paid only when a second zone administrator confirms
//! it, never the one who submitted it. The web's 复核通过 button and `gaoxin payouts step ID
//! 复核通过` take the same step; this use case names the approver (a platform account given with
//! `--as`, checked to be an active zone administrator, or the operating-system user) and refuses
//! an award that is not waiting for review. The step and its audit event (`payout.confirm_pay`,
//! park = the award's) are recorded by [`crate::payouts::act`] in one transaction.
use crate::audit::Who;
use crate::payout_data::PayoutConfig;
use crate::payout_flow::{Capacity, State};
use crate::payouts::{PayoutError, StepDone, StepInput, act};
use gaoxin_store::{Role, Scope, Store};

/// The approver: the platform account `name` (it must exist, be enabled and be a zone
/// administrator: the web's 复核 needs the same), else the command line's user.
pub async fn approver(store: &Store, name: Option<&str>) -> Result<Who, PayoutError> {
    let Some(name) = name.map(str::trim) else {
        return Ok(Who::cli());
    };
    match store.user(name).await? {
        Some(u) if !u.disabled && u.role == Role::ZoneAdmin => Ok(Who::user(&u.username, &u.role)),
        Some(u) if u.disabled => Err(PayoutError::Refused(format!(
            "账号「{name}」已停用，不能复核"
        ))),
        Some(_) => Err(PayoutError::Refused(format!(
            "账号「{name}」不是高新区管理员：复核须由另一名高新区管理员办理"
        ))),
        None => Err(PayoutError::Refused(format!("没有名为「{name}」的账号"))),
    }
}

/// `who` confirms the payment of award `id` waiting for review (待复核): paid at the amount,
/// date and fund source submitted. Refused when the award is not waiting for review or `who`
/// submitted it; missing → [`PayoutError::NotFound`].
pub async fn approve_second(
    store: &Store,
    cfg: &PayoutConfig,
    who: &Who,
    id: i64,
    note: &str,
) -> Result<StepDone, PayoutError> {
    let p = store
        .payout(&Scope::Zone, id)
        .await?
        .ok_or(PayoutError::NotFound)?;
    if State::parse(&p.state).map_err(PayoutError::Refused)? != State::PendingReview {
        return Err(PayoutError::Refused(format!(
            "该奖励当前为「{}」，没有待复核的拨付",
            p.state
        )));
    }
    let input = StepInput {
        action: "复核通过".into(),
        note: note.to_string(),
        version: p.version,
        ..StepInput::default()
    };
    act(store, cfg, who, Capacity::Zone, &Scope::Zone, id, &input).await
}

#[cfg(test)]
mod tests;
