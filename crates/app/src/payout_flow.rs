//! The payout ledger's workflow (政策兑现) as a pure state machine: which action moves an award
//! from which state to which, who may take it, and whether a payment may go ahead.
//!
//! ```text
//! 测算 ─申报(企业/园区代报/高新区)→ 申报 ─┐
//!   └──免申(系统/高新区; 免申即享)→ 免申 ─┼─核准→ 核准 ─┐
//!                                      ├─核减(理由)→ 核减 ─┼─拨付→ 拨付 ─公示(政策要求时)→ 公示
//!                                      └─不予核准(理由)→ 不予核准   └─拨付(需复核)→ 待复核 ─复核通过(另一名管理员)→ 拨付
//!                                                                         └─复核退回(理由)→ 核准 / 核减
//! ```
//!
//! Who: the firm itself ([`Capacity::Firm`]: applies for its own award), its park's administrator
//! ([`Capacity::Park`]: applies on the firm's behalf), zone administrators ([`Capacity::Zone`]:
//! every step; the command line acts as one), the platform's own work ([`Capacity::System`]: 免申
//! when every input is verified). Read-only users have no capacity. Payments are checked by
//! [`check_payment`]: more than approved, a second payment, or a firm no longer eligible.
use std::fmt;

/// Where an award is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum State {
    /// 测算: computed by the rules.
    Computed,
    /// 申报: the firm applied (or its park for it); waiting for review.
    Applied,
    /// 免申: auto-granted (every input verified); waiting for review.
    Exempt,
    /// 核准: approved at the computed amount; waiting for payment.
    Approved,
    /// 核减: approved at a reduced amount (with a reason); waiting for payment.
    Reduced,
    /// 不予核准: rejected (with a reason). Final.
    Rejected,
    /// 待复核: a payment waiting for a second zone administrator.
    PendingReview,
    /// 拨付: paid.
    Paid,
    /// 公示: paid and publicised.
    Published,
}

pub const STATES: [State; 9] = [
    State::Computed,
    State::Applied,
    State::Exempt,
    State::Approved,
    State::Reduced,
    State::Rejected,
    State::PendingReview,
    State::Paid,
    State::Published,
];

impl State {
    pub fn zh(self) -> &'static str {
        match self {
            State::Computed => "测算",
            State::Applied => "申报",
            State::Exempt => "免申",
            State::Approved => "核准",
            State::Reduced => "核减",
            State::Rejected => "不予核准",
            State::PendingReview => "待复核",
            State::Paid => "拨付",
            State::Published => "公示",
        }
    }

    pub fn parse(s: &str) -> Result<State, String> {
        STATES
            .into_iter()
            .find(|x| x.zh() == s.trim())
            .ok_or_else(|| {
                format!(
                    "未知兑现状态「{}」（可选：{}）",
                    s.trim(),
                    STATES.map(State::zh).join("、")
                )
            })
    }

    /// Approved and not yet paid (核准, 核减, 待复核).
    pub fn approved_unpaid(self) -> bool {
        matches!(
            self,
            State::Approved | State::Reduced | State::PendingReview
        )
    }

    /// Paid (拨付, 公示).
    pub fn paid(self) -> bool {
        matches!(self, State::Paid | State::Published)
    }

    /// Before review (测算, 申报, 免申): a newer rules run may still change the computed amount.
    pub fn before_review(self) -> bool {
        matches!(self, State::Computed | State::Applied | State::Exempt)
    }

    /// Where an award in this state waits, and on whom (shown to firms and in 应享尽享).
    pub fn waits_on(self, exempt_channel: bool) -> &'static str {
        match self {
            State::Computed if exempt_channel => "待免申确认（高新区）",
            State::Computed => "待企业申报",
            State::Applied | State::Exempt => "待高新区审核",
            State::Approved | State::Reduced => "待拨付",
            State::PendingReview => "拨付待另一名管理员复核",
            State::Rejected => "不予核准",
            State::Paid => "已拨付",
            State::Published => "已公示",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.zh())
    }
}

/// Who acts, by capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capacity {
    /// The firm the award belongs to.
    Firm,
    /// The administrator of the firm's park.
    Park,
    /// A zone administrator (or the command line).
    Zone,
    /// The platform's own work (the rules sync).
    System,
}

impl Capacity {
    pub fn zh(self) -> &'static str {
        match self {
            Capacity::Firm => "企业",
            Capacity::Park => "园区管理员",
            Capacity::Zone => "高新区管理员",
            Capacity::System => "系统",
        }
    }
}

/// A step a user takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// 申报: the firm applies (or its park or the zone for it).
    Apply,
    /// 免申: granted without application (every input verified).
    Exempt,
    /// 核准: approved at the computed amount.
    Approve,
    /// 核减: approved at a smaller amount, with a reason.
    Reduce,
    /// 不予核准: rejected, with a reason.
    Reject,
    /// 拨付: paid (date, amount, fund source).
    Pay,
    /// 复核通过: a second zone administrator confirms a payment waiting for review.
    ConfirmPay,
    /// 复核退回: a payment waiting for review is sent back, with a reason.
    ReturnPay,
    /// 公示: the payment is publicised (where the policy requires it).
    Publish,
}

pub const ACTIONS: [Action; 9] = [
    Action::Apply,
    Action::Exempt,
    Action::Approve,
    Action::Reduce,
    Action::Reject,
    Action::Pay,
    Action::ConfirmPay,
    Action::ReturnPay,
    Action::Publish,
];

impl Action {
    pub fn zh(self) -> &'static str {
        match self {
            Action::Apply => "申报",
            Action::Exempt => "免申",
            Action::Approve => "核准",
            Action::Reduce => "核减",
            Action::Reject => "不予核准",
            Action::Pay => "拨付",
            Action::ConfirmPay => "复核通过",
            Action::ReturnPay => "复核退回",
            Action::Publish => "公示",
        }
    }

    /// The key used in forms and audit actions (`payout.<key>`).
    pub fn key(self) -> &'static str {
        match self {
            Action::Apply => "apply",
            Action::Exempt => "exempt",
            Action::Approve => "approve",
            Action::Reduce => "reduce",
            Action::Reject => "reject",
            Action::Pay => "pay",
            Action::ConfirmPay => "confirm_pay",
            Action::ReturnPay => "return_pay",
            Action::Publish => "publish",
        }
    }

    pub fn parse(s: &str) -> Result<Action, String> {
        let s = s.trim();
        ACTIONS
            .into_iter()
            .find(|a| a.key() == s || a.zh() == s)
            .ok_or_else(|| {
                format!(
                    "未知兑现操作「{s}」（可选：{}）",
                    ACTIONS.map(Action::zh).join("、")
                )
            })
    }

    /// Whether the action needs a reason (核减, 不予核准, 复核退回).
    pub fn needs_reason(self) -> bool {
        matches!(self, Action::Reduce | Action::Reject | Action::ReturnPay)
    }
}

/// What the machine needs to know about the award besides its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    /// The award's channel is 免申 (every input verified).
    pub exempt_channel: bool,
    /// The policy requires 公示 after payment (`data/payout/payout.toml`).
    pub publicity: bool,
    /// Approved at less than computed (a payment sent back returns to 核减, else 核准).
    pub reduced: bool,
}

/// The state `action` by `who` moves an award in `from` to, or why it may not (Chinese).
pub fn next(from: State, action: Action, who: Capacity, f: Facts) -> Result<State, String> {
    use Action as A;
    use Capacity as C;
    use State as S;
    let allowed_who: &[Capacity] = match action {
        A::Apply => &[C::Firm, C::Park, C::Zone],
        A::Exempt => &[C::System, C::Zone],
        _ => &[C::Zone],
    };
    if !allowed_who.contains(&who) {
        return Err(format!(
            "「{}」只能由{}办理（当前：{}）",
            action.zh(),
            allowed_who
                .iter()
                .map(|c| c.zh())
                .collect::<Vec<_>>()
                .join("或"),
            who.zh()
        ));
    }
    let to = match (action, from) {
        (A::Apply, S::Computed) if !f.exempt_channel => Some(S::Applied),
        (A::Exempt, S::Computed) if f.exempt_channel => Some(S::Exempt),
        (A::Approve, S::Applied | S::Exempt) => Some(S::Approved),
        (A::Reduce, S::Applied | S::Exempt) => Some(S::Reduced),
        (A::Reject, S::Applied | S::Exempt) => Some(S::Rejected),
        (A::Pay, S::Approved | S::Reduced) => Some(S::Paid),
        (A::ConfirmPay, S::PendingReview) => Some(S::Paid),
        (A::ReturnPay, S::PendingReview) => Some(if f.reduced { S::Reduced } else { S::Approved }),
        (A::Publish, S::Paid) if f.publicity => Some(S::Published),
        _ => None,
    };
    to.ok_or_else(|| match (action, from) {
        (A::Apply, S::Computed) => "该奖励为免申即享，无需申报".to_string(),
        (A::Exempt, S::Computed) => "该奖励需企业申报，不能免申".to_string(),
        (A::Publish, S::Paid) => "该政策无需公示".to_string(),
        (A::Pay, S::Paid | S::Published) => "该奖励已拨付，不能重复拨付".to_string(),
        _ => format!("当前状态「{}」不能办理「{}」", from.zh(), action.zh()),
    })
}

/// The actions `who` may take on an award in `from` (for the page's forms).
pub fn allowed(from: State, who: Capacity, f: Facts) -> Vec<Action> {
    ACTIONS
        .into_iter()
        .filter(|a| next(from, *a, who, f).is_ok())
        .collect()
}

/// Whether a payment may go ahead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayCheck {
    /// Paid at once.
    Pay,
    /// Recorded as 待复核: a second zone administrator must confirm (the reason, in Chinese).
    SecondApproval(String),
    /// Refused (the reason, in Chinese).
    Refused(String),
}

/// What a payment is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayFacts {
    pub computed_fen: i64,
    pub approved_fen: Option<i64>,
    /// Already paid (any amount).
    pub paid_fen: Option<i64>,
    /// The firm qualifies for this policy in the year's latest rules run.
    pub eligible_now: bool,
}

/// The trust rules of a payment of `amount_fen`: a payment larger than the approved amount (or the
/// computed one when none was approved) is refused; a second payment of a paid award is refused;
/// a payment to a firm that no longer qualifies in the latest rules run needs a second zone
/// administrator's confirmation.
pub fn check_payment(p: PayFacts, amount_fen: i64) -> PayCheck {
    if amount_fen <= 0 {
        return PayCheck::Refused("拨付金额必须大于0".into());
    }
    if let Some(paid) = p.paid_fen {
        return PayCheck::Refused(format!(
            "该奖励已拨付 {}，不能重复拨付",
            gaoxin_model::present::yuan(paid)
        ));
    }
    let limit = p.approved_fen.unwrap_or(p.computed_fen);
    if amount_fen > limit {
        return PayCheck::Refused(format!(
            "拨付金额 {} 超过{}金额 {}，不予拨付",
            gaoxin_model::present::yuan(amount_fen),
            if p.approved_fen.is_some() {
                "核准"
            } else {
                "测算"
            },
            gaoxin_model::present::yuan(limit)
        ));
    }
    if !p.eligible_now {
        return PayCheck::SecondApproval(
            "企业在本年度最新一次规则测算中已不符合该政策条件：拨付需另一名高新区管理员复核".into(),
        );
    }
    PayCheck::Pay
}

/// Whether `confirmer` may confirm a payment requested by `requester` (another person only:
/// the command line's `cli:<user>` is the same person as the account `<user>`).
pub fn may_confirm(requester: &str, confirmer: &str) -> Result<(), String> {
    let person = |a: &str| a.strip_prefix("cli:").unwrap_or(a).trim().to_lowercase();
    if person(requester) == person(confirmer) {
        Err("复核须由另一名高新区管理员办理（不能复核自己提交的拨付）".into())
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests;
