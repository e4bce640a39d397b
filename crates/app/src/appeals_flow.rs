//! The appeal workflow (企业诉求直通车) as a pure state machine: which action moves an appeal
//! from which state to which, and who may take it.
//!
//! ```text
//! 受理 ─交办→ 交办 ─签收→ 签收 ─办理→ 办理 ─答复→ 答复 ─回访(满意)→ 回访 ─办结→ 办结
//!                                     │  ▲            │
//!                            待企业补充 │  │ 企业补充    └─回访(不满意) = 重办 → 办理 (counted)
//!                                     ▼  │
//!                                  待企业补充 (the clock stops)
//! 提级: any open state, once — escalated to the zone (the state is kept; zone users take over).
//! ```
//!
//! 办结 only from 回访: every closed appeal has a 回访 record (全量回访). Who: the filing firm
//! ([`Who::Firm`]), the handler (the department routed to, or the park's administrator when the
//! appeal is routed to the park: [`Who::Handler`]), the park's administrator supervising its firms'
//! appeals ([`Who::Park`]), zone administrators ([`Who::Zone`], who may act for anyone), and the SLA
//! sweep ([`Who::System`], which may only escalate). Read-only users have no capacity at all.
use std::fmt;

/// Where an appeal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum State {
    /// 受理: filed, waiting to be routed.
    Accepted,
    /// 交办: routed to a department (or the park), waiting to be signed for.
    Assigned,
    /// 签收: the handler took it.
    Signed,
    /// 办理: being handled.
    Handling,
    /// 待企业补充: waiting for the firm (the clock stops).
    WaitingFirm,
    /// 答复: the handler replied; waiting for the 回访.
    Replied,
    /// 回访: the firm was asked and was satisfied; waiting to be closed.
    Visited,
    /// 办结: closed.
    Closed,
}

pub const STATES: [State; 8] = [
    State::Accepted,
    State::Assigned,
    State::Signed,
    State::Handling,
    State::WaitingFirm,
    State::Replied,
    State::Visited,
    State::Closed,
];

impl State {
    pub fn zh(self) -> &'static str {
        match self {
            State::Accepted => "受理",
            State::Assigned => "交办",
            State::Signed => "签收",
            State::Handling => "办理",
            State::WaitingFirm => "待企业补充",
            State::Replied => "答复",
            State::Visited => "回访",
            State::Closed => "办结",
        }
    }

    pub fn parse(s: &str) -> Result<State, String> {
        STATES
            .into_iter()
            .find(|x| x.zh() == s.trim())
            .ok_or_else(|| {
                format!(
                    "未知状态「{}」（可选：{}）",
                    s.trim(),
                    STATES.map(State::zh).join("、")
                )
            })
    }

    /// Not yet replied: the reply clock runs (except while waiting for the firm).
    pub fn before_reply(self) -> bool {
        matches!(
            self,
            State::Accepted
                | State::Assigned
                | State::Signed
                | State::Handling
                | State::WaitingFirm
        )
    }

    pub fn is_open(self) -> bool {
        self != State::Closed
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.zh())
    }
}

/// A capacity in which someone acts on one appeal (the caller works out which apply).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// The firm that filed it.
    Firm,
    /// The department routed to, or the park's administrator when routed to the park.
    Handler,
    /// The administrator of the firm's park.
    Park,
    /// A zone administrator.
    Zone,
    /// The SLA sweep.
    System,
}

/// What someone does to an appeal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// 交办 (route to a department or the park).
    Assign,
    /// 签收.
    Sign,
    /// 办理 (start handling).
    Start,
    /// 待企业补充 (ask the firm for more; the clock stops).
    AskFirm,
    /// 企业补充 (the firm supplied it; the clock runs again).
    Supplement,
    /// 答复.
    Reply,
    /// 回访 with the firm's answer: satisfied → 回访, not satisfied → 重办 (back to 办理).
    Visit { satisfied: bool },
    /// 办结.
    Close,
    /// 提级 (escalate to the zone).
    Escalate,
}

pub const ACTIONS: [Action; 10] = [
    Action::Assign,
    Action::Sign,
    Action::Start,
    Action::AskFirm,
    Action::Supplement,
    Action::Reply,
    Action::Visit { satisfied: true },
    Action::Visit { satisfied: false },
    Action::Close,
    Action::Escalate,
];

impl Action {
    /// The action's name as recorded (`appeal_transitions.action`) and shown.
    pub fn zh(self) -> &'static str {
        match self {
            Action::Assign => "交办",
            Action::Sign => "签收",
            Action::Start => "办理",
            Action::AskFirm => "待企业补充",
            Action::Supplement => "企业补充",
            Action::Reply => "答复",
            Action::Visit { satisfied: true } => "回访",
            Action::Visit { satisfied: false } => "重办",
            Action::Close => "办结",
            Action::Escalate => "提级",
        }
    }

    /// The form value of the action (`assign`, `visit-ok`, …).
    pub fn key(self) -> &'static str {
        match self {
            Action::Assign => "assign",
            Action::Sign => "sign",
            Action::Start => "start",
            Action::AskFirm => "ask-firm",
            Action::Supplement => "supplement",
            Action::Reply => "reply",
            Action::Visit { satisfied: true } => "visit-ok",
            Action::Visit { satisfied: false } => "visit-reopen",
            Action::Close => "close",
            Action::Escalate => "escalate",
        }
    }

    pub fn from_key(k: &str) -> Result<Action, String> {
        ACTIONS
            .into_iter()
            .find(|a| a.key() == k.trim())
            .ok_or_else(|| format!("未知操作「{}」", k.trim()))
    }

    /// The form's button text.
    pub fn label(self) -> &'static str {
        match self {
            Action::Visit { satisfied: true } => "回访：满意",
            Action::Visit { satisfied: false } => "回访：不满意（重办）",
            other => other.zh(),
        }
    }

    /// Who may take the action (zone administrators every one; the sweep only 提级).
    fn takers(self) -> &'static [Who] {
        use Who::*;
        match self {
            Action::Assign => &[Park, Zone],
            Action::Sign | Action::Start | Action::AskFirm | Action::Reply => &[Handler, Zone],
            Action::Supplement => &[Firm, Park, Zone],
            Action::Visit { .. } => &[Firm, Park, Zone],
            Action::Close => &[Park, Zone],
            Action::Escalate => &[Handler, Park, Zone, System],
        }
    }
}

/// Why a move is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The action does not apply in this state.
    WrongState { action: Action, state: State },
    /// None of the caller's capacities may take it.
    NotAllowed { action: Action },
    /// 提级 a second time.
    AlreadyEscalated,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::WrongState { action, state } => write!(
                f,
                "诉求当前状态为「{state}」，不能执行「{}」",
                action.label()
            ),
            Refusal::NotAllowed { action } => {
                write!(f, "您无权对此诉求执行「{}」", action.label())
            }
            Refusal::AlreadyEscalated => f.write_str("此诉求已提级，不能重复提级"),
        }
    }
}

/// The state after `action`, or why it is refused. `escalated`: the appeal was already 提级.
pub fn next(state: State, action: Action, who: &[Who], escalated: bool) -> Result<State, Refusal> {
    use State::*;
    let to = match (action, state) {
        (Action::Assign, Accepted) => Assigned,
        (Action::Sign, Assigned) => Signed,
        (Action::Start, Signed) => Handling,
        (Action::AskFirm, Handling) => WaitingFirm,
        (Action::Supplement, WaitingFirm) => Handling,
        (Action::Reply, Handling) => Replied,
        (Action::Visit { satisfied: true }, Replied) => Visited,
        (Action::Visit { satisfied: false }, Replied) => Handling,
        (Action::Close, Visited) => Closed,
        (Action::Escalate, s) if s.is_open() => {
            if escalated {
                return Err(Refusal::AlreadyEscalated);
            }
            s
        }
        _ => return Err(Refusal::WrongState { action, state }),
    };
    if !who.iter().any(|w| action.takers().contains(w)) {
        return Err(Refusal::NotAllowed { action });
    }
    Ok(to)
}

/// The actions `who` may take on an appeal in `state` (the forms of its page).
pub fn allowed(state: State, who: &[Who], escalated: bool) -> Vec<Action> {
    ACTIONS
        .into_iter()
        .filter(|a| next(state, *a, who, escalated).is_ok())
        .collect()
}

#[cfg(test)]
mod tests;
