//! Firms' appeals (企业诉求直通车): filing, the workflow's moves, one appeal's page and the lists.
//!
//! Who may see an appeal is the store's scoped read (a firm its own, a park its firms', a
//! department those routed to it, the zone all); who may move it is [`crate::appeals_flow`]. Each
//! move is one store transaction that succeeds only if the appeal is still as the caller saw it.
//! Dates are days in China (UTC+8); time limits are working days ([`gaoxin_model::Calendar`]).
use crate::appeals_data::{AppealsConfig, Route, china_date};
use crate::appeals_flow::{self, Action, State, Who};
use crate::appeals_sla::{Sla, parse_pauses, pauses_text, sla};
use gaoxin_model::{Date, Pause, Uscc};
use gaoxin_store::{
    AppealChange, AppealFilter, AppealRow, NewAppeal, Role, Scope, Store, TransitionRow,
};

/// Longest description, note and contact accepted (characters).
pub const MAX_DESCRIPTION: usize = 5000;
pub const MAX_NOTE: usize = 2000;
pub const MAX_CONTACT: usize = 200;
pub const MAX_TITLE: usize = 100;

/// The channels an appeal arrives by.
pub const CHANNELS: [&str; 5] = ["企业", "电话", "走访", "导入", "12345"];

/// Who is acting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in user (web or CLI).
    User { username: String, role: Role },
    /// Another system with an appeal API key (the 12345 hotline), by the key's name.
    Api { name: String },
    /// The SLA sweep.
    System,
}

impl Actor {
    pub fn user(username: &str, role: &Role) -> Actor {
        Actor::User {
            username: username.to_string(),
            role: role.clone(),
        }
    }
    /// What the actor may read.
    pub fn scope(&self) -> Scope {
        match self {
            Actor::User { role, .. } => role.scope(),
            Actor::Api { .. } | Actor::System => Scope::Zone,
        }
    }
    pub(crate) fn name(&self) -> String {
        match self {
            Actor::User { username, .. } => username.clone(),
            Actor::Api { name } => format!("12345（{name}）"),
            Actor::System => "系统".into(),
        }
    }
    /// The actor as the audit trail names them.
    pub fn who(&self) -> crate::audit::Who {
        crate::audit::Who::named(&self.name(), self.role_key())
    }
    fn role_key(&self) -> &'static str {
        match self {
            Actor::User { role, .. } => role.key(),
            Actor::Api { .. } => "api",
            Actor::System => "system",
        }
    }
    /// The capacities in which the actor may act on `a` (empty: none, e.g. an analyst).
    pub fn capacities(&self, a: &AppealRow) -> Vec<Who> {
        let mut w = Vec::new();
        match self {
            Actor::User { role, .. } => match role {
                Role::ZoneAdmin => w.push(Who::Zone),
                Role::ZoneAnalyst => {}
                Role::ParkAdmin(p) if p.as_str() == a.park => {
                    w.push(Who::Park);
                    if a.department.is_none() {
                        w.push(Who::Handler);
                    }
                }
                Role::Enterprise(u) if u.as_str() == a.uscc => w.push(Who::Firm),
                Role::Department(d) if a.department.as_deref() == Some(d.as_str()) => {
                    w.push(Who::Handler)
                }
                _ => {}
            },
            Actor::Api { .. } => {}
            Actor::System => w.push(Who::System),
        }
        w
    }
}

/// Why an appeal use case failed; the text is shown to the user.
#[derive(Debug, thiserror::Error)]
pub enum AppealError {
    /// Missing or outside the actor's scope (the same answer for both).
    #[error("诉求不存在")]
    NotFound,
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Refused(String),
    #[error("诉求已被他人更新，请刷新页面后重试")]
    Conflict,
    #[error("诉求配置有误：{0}")]
    Config(String),
    #[error(transparent)]
    Store(#[from] gaoxin_store::Error),
}

/// A new appeal as typed (web form, CLI, API, a row of an import).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filing {
    pub uscc: String,
    /// Empty: the suggested category.
    pub category: String,
    pub title: String,
    pub description: String,
    pub contact: String,
    pub channel: String,
    /// The rule (policy) id the appeal is about, or empty.
    pub rule: String,
}

fn text_field(v: &str, what: &str, max: usize, required: bool) -> Result<String, String> {
    let t = v.trim();
    if required && t.is_empty() {
        return Err(format!("{what}不能为空"));
    }
    let n = t.chars().count();
    if n > max {
        return Err(format!("{what}过长（{n}字，最多{max}字）"));
    }
    Ok(t.to_string())
}

/// The channels `actor` may file by.
pub fn channels_for(actor: &Actor) -> &'static [&'static str] {
    match actor {
        Actor::User { role, .. } => match role {
            Role::Enterprise(_) => &["企业"],
            Role::ZoneAdmin | Role::ParkAdmin(_) => &["电话", "走访", "导入"],
            _ => &[],
        },
        Actor::Api { .. } => &["12345"],
        Actor::System => &[],
    }
}

/// Checks a filing and turns it into the row to store (without writing). Errors name the field.
pub async fn prepare(
    store: &Store,
    cfg: &AppealsConfig,
    actor: &Actor,
    f: &Filing,
    now: i64,
) -> Result<NewAppeal, AppealError> {
    let bad = AppealError::Invalid;
    let channel = f.channel.trim();
    let allowed = channels_for(actor);
    if allowed.is_empty() {
        return Err(AppealError::Refused("您无权登记诉求".into()));
    }
    if !allowed.contains(&channel) {
        return Err(bad(format!(
            "渠道「{channel}」不可用（可选：{}）",
            allowed.join("、")
        )));
    }
    let uscc = Uscc::parse(f.uscc.trim())
        .map_err(|e| bad(format!("统一社会信用代码「{}」无效：{e}", f.uscc.trim())))?;
    let Some(firm) = store.enterprise(&actor.scope(), &uscc).await? else {
        return Err(bad(format!(
            "统一社会信用代码「{}」不是您可登记的企业",
            uscc.as_str()
        )));
    };
    let description = text_field(&f.description, "诉求内容", MAX_DESCRIPTION, true).map_err(bad)?;
    let contact = text_field(&f.contact, "联系人及电话", MAX_CONTACT, true).map_err(bad)?;
    let mut title = text_field(&f.title, "标题", MAX_TITLE, false).map_err(bad)?;
    if title.is_empty() {
        title = description.chars().take(24).collect();
    }
    let suggested = cfg.suggest(&title, &description).to_string();
    let category = if f.category.trim().is_empty() {
        suggested.clone()
    } else {
        cfg.parse_category(&f.category).map_err(bad)?.name.clone()
    };
    let limit = cfg
        .category(&category)
        .map(|c| c.limit_days)
        .ok_or_else(|| AppealError::Config(format!("类别「{category}」没有时限")))?;
    let rule = text_field(&f.rule, "相关政策", 100, false).map_err(bad)?;
    if !rule
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
    {
        return Err(bad(format!(
            "相关政策编号「{rule}」格式无效（如 gaoqi-award）"
        )));
    }
    let department = match cfg.route(&category) {
        Route::Department(d) => Some(d.to_string()),
        Route::Park => None,
    };
    Ok(NewAppeal {
        uscc: uscc.as_str().to_string(),
        firm_name: firm.name.clone(),
        park: firm.park.to_string(),
        category,
        suggested_category: Some(suggested),
        title,
        description,
        contact,
        channel: channel.to_string(),
        rule_file: (!rule.is_empty()).then_some(rule),
        department,
        filed_at: now,
        filed_on: china_date(now).to_int(),
        filed_by: actor.name(),
        filed_role: actor.role_key().into(),
        limit_days: i64::from(limit),
        state: State::Accepted.zh().into(),
        note: String::new(),
    })
}

/// Files one appeal; returns its id.
pub async fn file(
    store: &Store,
    cfg: &AppealsConfig,
    actor: &Actor,
    f: &Filing,
    now: i64,
) -> Result<i64, AppealError> {
    let a = prepare(store, cfg, actor, f, now).await?;
    let id = store.file_appeals(std::slice::from_ref(&a)).await?[0];
    let detail = serde_json::json!({"uscc": a.uscc, "category": a.category, "channel": a.channel, "title": a.title});
    crate::audit::record(
        store,
        &actor.who(),
        "appeal.file",
        Some(&a.park),
        &id.to_string(),
        detail,
    )
    .await?;
    Ok(id)
}

/// A move on an appeal as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    pub action: Action,
    pub note: String,
    /// 交办: a department id or `park`; empty: the routing table's choice.
    pub department: String,
    /// 回访 (satisfied): was the problem solved?
    pub resolved: bool,
}

/// Applies a move (one transaction). The appeal must be visible to the actor.
pub async fn act(
    store: &Store,
    cfg: &AppealsConfig,
    actor: &Actor,
    id: i64,
    m: &Move,
    now: i64,
) -> Result<State, AppealError> {
    let a = store
        .appeal(&actor.scope(), id)
        .await?
        .ok_or(AppealError::NotFound)?;
    let state = State::parse(&a.state).map_err(AppealError::Config)?;
    let to = appeals_flow::next(state, m.action, &actor.capacities(&a), a.escalated)
        .map_err(|r| AppealError::Refused(r.to_string()))?;
    let note = text_field(&m.note, "说明", MAX_NOTE, false).map_err(AppealError::Invalid)?;
    if matches!(
        m.action,
        Action::Reply | Action::AskFirm | Action::Supplement | Action::Visit { satisfied: false }
    ) && note.is_empty()
    {
        return Err(AppealError::Invalid(format!(
            "「{}」需要填写说明",
            m.action.label()
        )));
    }
    let today = china_date(now);
    let day = today.to_int();
    let mut change = AppealChange::default();
    let mut dept_record = a.department.clone();
    let (mut satisfied, mut resolved) = (None, None);
    match m.action {
        Action::Assign => {
            let d = match m.department.trim() {
                "" => a.department.clone(),
                "park" => None,
                x => Some(
                    cfg.department(x)
                        .ok_or_else(|| AppealError::Invalid(format!("未知部门「{x}」")))?
                        .id
                        .to_string(),
                ),
            };
            change.department = Some(d.clone());
            dept_record = d;
        }
        Action::AskFirm => {
            let mut p = parse_pauses(&a.pauses);
            p.push(Pause {
                from: today,
                to: None,
            });
            change.pauses = Some(pauses_text(&p));
        }
        Action::Supplement => {
            let mut p = parse_pauses(&a.pauses);
            if let Some(last) = p.last_mut().filter(|x| x.to.is_none()) {
                last.to = Some(today.max(last.from));
            }
            change.pauses = Some(pauses_text(&p));
        }
        Action::Reply => {
            if a.replied_on.is_none() {
                change.replied_on = Some(day);
            }
        }
        Action::Visit { satisfied: s } => {
            let r = s && m.resolved;
            satisfied = Some(s);
            resolved = Some(r);
            change.satisfied = Some(s);
            change.resolved = Some(r);
            if !s {
                change.reopen = true;
                change.clock_start = Some(day);
                change.pauses = Some(String::new());
            }
        }
        Action::Close => change.closed_on = Some(day),
        Action::Escalate => change.escalated = Some(true),
        Action::Sign | Action::Start => {}
    }
    let t = TransitionRow {
        appeal_id: id,
        seq: 0,
        at: now,
        on_date: day,
        actor: actor.name(),
        role: actor.role_key().into(),
        action: m.action.zh().into(),
        from_state: Some(a.state.clone()),
        to_state: to.zh().into(),
        note,
        department: dept_record,
        satisfied,
        resolved,
    };
    if !store
        .apply_appeal_transition(&t, a.escalated, &change)
        .await?
    {
        return Err(AppealError::Conflict);
    }
    let detail = serde_json::json!({
        "uscc": a.uscc, "action": t.action, "state": {"from": t.from_state, "to": t.to_state},
        "note": t.note, "department": t.department,
    });
    crate::audit::record(
        store,
        &actor.who(),
        "appeal.transition",
        Some(&a.park),
        &id.to_string(),
        detail,
    )
    .await?;
    Ok(to)
}

/// One appeal with what its page shows.
#[derive(Debug, Clone)]
pub struct AppealView {
    pub row: AppealRow,
    pub state: State,
    pub department_name: String,
    pub limit_unconfirmed: bool,
    pub sla: Sla,
    /// The moves the viewer may make now.
    pub allowed: Vec<Action>,
    pub history: Vec<TransitionRow>,
}

/// An appeal's page for `actor`, or `NotFound`.
pub async fn view(
    store: &Store,
    cfg: &AppealsConfig,
    actor: &Actor,
    id: i64,
    today: Date,
) -> Result<AppealView, AppealError> {
    let scope = actor.scope();
    let row = store
        .appeal(&scope, id)
        .await?
        .ok_or(AppealError::NotFound)?;
    let history = store.appeal_transitions(&scope, id).await?;
    let state = State::parse(&row.state).map_err(AppealError::Config)?;
    Ok(AppealView {
        state,
        department_name: cfg.department_name(row.department.as_deref()),
        limit_unconfirmed: cfg.category(&row.category).is_none_or(|c| c.unconfirmed),
        sla: sla(cfg, &row, today),
        allowed: appeals_flow::allowed(state, &actor.capacities(&row), row.escalated),
        history,
        row,
    })
}

/// A list's row: the appeal and its time-limit status.
#[derive(Debug, Clone)]
pub struct ListItem {
    pub row: AppealRow,
    pub department_name: String,
    pub sla: Sla,
}

/// The appeals in the actor's scope matching `filter`; `overdue_only` keeps those past their limit.
pub async fn list(
    store: &Store,
    cfg: &AppealsConfig,
    scope: &Scope,
    filter: &AppealFilter,
    overdue_only: bool,
    today: Date,
) -> Result<Vec<ListItem>, AppealError> {
    Ok(store
        .appeals(scope, filter)
        .await?
        .into_iter()
        .map(|row| ListItem {
            department_name: cfg.department_name(row.department.as_deref()),
            sla: sla(cfg, &row, today),
            row,
        })
        .filter(|i| !overdue_only || i.sla.level.is_overdue())
        .collect())
}

#[cfg(test)]
pub(crate) mod tests;
