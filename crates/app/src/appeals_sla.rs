//! Time limits of appeals (时限) on the working-day calendar: an appeal's status, and the sweep
//! (`gaoxin appeals sweep`, the daily list, the owner's box on sign-in) that lists what is due or
//! overdue and escalates (提级) what is past its limit by the configured margin.
//!
//! The reply clock starts at acceptance (or at the last 重办) and stops while waiting for the
//! firm; it counts working days after the start (see [`gaoxin_model::workday`]).
use crate::appeals_data::AppealsConfig;
use crate::appeals_flow::State;
use gaoxin_model::{Date, Pause};
use gaoxin_store::{AppealFilter, AppealRow, Scope, Store, TransitionRow};

/// Where an appeal stands against its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Within the limit, more than the warning margin left.
    Normal,
    /// 临期: at most the warning margin left.
    Warning,
    /// 超期: past the limit.
    Overdue,
    /// 超期 by the escalation margin or more (the sweep escalates it unless it already is).
    Escalate,
    /// 待企业补充: the clock is stopped.
    Paused,
    /// Replied (or closed): the reply limit no longer applies.
    Done,
    /// The calendar does not cover the dates (a year without a file).
    Unknown,
}

impl Level {
    pub fn zh(self) -> &'static str {
        match self {
            Level::Normal => "正常",
            Level::Warning => "临期",
            Level::Overdue => "超期",
            Level::Escalate => "超期（应提级）",
            Level::Paused => "暂停计时",
            Level::Done => "已答复",
            Level::Unknown => "无法计算",
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            Level::Normal => "normal",
            Level::Warning => "warning",
            Level::Overdue => "overdue",
            Level::Escalate => "escalate",
            Level::Paused => "paused",
            Level::Done => "done",
            Level::Unknown => "unknown",
        }
    }
    pub fn is_overdue(self) -> bool {
        matches!(self, Level::Overdue | Level::Escalate)
    }
}

/// An appeal's time-limit status on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sla {
    pub level: Level,
    /// The reply is due on (None: paused, replied, or not computable).
    pub due: Option<Date>,
    /// Working days counted so far.
    pub used: u32,
    /// Working days left (negative: overdue by).
    pub left: i64,
    /// Why it could not be computed.
    pub error: Option<String>,
}

/// `yyyymmdd-yyyymmdd;yyyymmdd-` → pauses (malformed parts are skipped).
pub fn parse_pauses(s: &str) -> Vec<Pause> {
    s.split(';')
        .filter_map(|p| {
            let (a, b) = p.split_once('-')?;
            let from = Date::from_int(a.parse().ok()?)?;
            let to = if b.is_empty() {
                None
            } else {
                Some(Date::from_int(b.parse().ok()?)?)
            };
            Some(Pause { from, to })
        })
        .collect()
}

pub fn pauses_text(p: &[Pause]) -> String {
    p.iter()
        .map(|x| {
            format!(
                "{}-{}",
                x.from.to_int(),
                x.to.map(|t| t.to_int().to_string()).unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// The status of `a` on `today`.
pub fn sla(cfg: &AppealsConfig, a: &AppealRow, today: Date) -> Sla {
    let state = State::parse(&a.state).unwrap_or(State::Closed);
    let done = Sla {
        level: Level::Done,
        due: None,
        used: 0,
        left: 0,
        error: None,
    };
    if !state.before_reply() {
        return done;
    }
    let Some(start) = Date::from_int(a.clock_start) else {
        return Sla {
            level: Level::Unknown,
            error: Some(format!("起算日 {} 无效", a.clock_start)),
            ..done
        };
    };
    let pauses = parse_pauses(&a.pauses);
    let limit = a.limit_days.max(0) as u32;
    let cal = &cfg.calendar;
    let computed = cal
        .working_days_between(start, today, &pauses)
        .and_then(|used| Ok((used, cal.due_date(start, limit, &pauses)?)));
    let (used, due) = match computed {
        Ok(x) => x,
        Err(e) => {
            return Sla {
                level: Level::Unknown,
                error: Some(e.to_string()),
                ..done
            };
        }
    };
    let left = i64::from(limit) - i64::from(used);
    let level = if state == State::WaitingFirm {
        Level::Paused
    } else if left < 0 && -left >= i64::from(cfg.sla.escalate_after_days) {
        Level::Escalate
    } else if left < 0 {
        Level::Overdue
    } else if left <= i64::from(cfg.sla.warn_before_days) {
        Level::Warning
    } else {
        Level::Normal
    };
    Sla {
        level,
        due,
        used,
        left,
        error: None,
    }
}

/// One appeal on the sweep's lists.
#[derive(Debug, Clone)]
pub struct DueItem {
    pub row: AppealRow,
    pub sla: Sla,
}

/// What a sweep found (and did).
#[derive(Debug, Clone, Default)]
pub struct SweepReport {
    /// Open appeals looked at.
    pub checked: usize,
    /// 临期.
    pub warnings: Vec<DueItem>,
    /// 超期 (including those escalated now or before).
    pub overdue: Vec<DueItem>,
    /// Escalated by this sweep.
    pub escalated: Vec<i64>,
    /// Appeals whose dates the calendar does not cover.
    pub unknown: Vec<DueItem>,
}

/// Looks at every open appeal in `scope` on `today`; with `escalate`, escalates (提级, by 系统)
/// those past their limit by the margin that are not escalated yet — all in one transaction.
pub async fn sweep(
    store: &Store,
    cfg: &AppealsConfig,
    scope: &Scope,
    today: Date,
    escalate: bool,
    now: i64,
) -> Result<SweepReport, gaoxin_store::Error> {
    let rows = store
        .appeals(
            scope,
            &AppealFilter {
                open_only: true,
                ..Default::default()
            },
        )
        .await?;
    let mut r = SweepReport {
        checked: rows.len(),
        ..Default::default()
    };
    let mut to_escalate = Vec::new();
    for row in rows {
        let s = sla(cfg, &row, today);
        match s.level {
            Level::Warning => r.warnings.push(DueItem { row, sla: s }),
            Level::Overdue | Level::Escalate => {
                if s.level == Level::Escalate && !row.escalated {
                    to_escalate.push(TransitionRow {
                        appeal_id: row.id,
                        seq: 0,
                        at: now,
                        on_date: today.to_int(),
                        actor: "系统".into(),
                        role: "system".into(),
                        action: "提级".into(),
                        from_state: Some(row.state.clone()),
                        to_state: row.state.clone(),
                        note: format!("超过时限{}个工作日，自动提级", -s.left),
                        department: row.department.clone(),
                        satisfied: None,
                        resolved: None,
                    });
                }
                r.overdue.push(DueItem { row, sla: s });
            }
            Level::Unknown => r.unknown.push(DueItem { row, sla: s }),
            _ => {}
        }
    }
    if escalate && !to_escalate.is_empty() {
        r.escalated = store.escalate_appeals(&to_escalate).await?;
        // a set: a sweep may escalate thousands (a list's `contains` made this quadratic)
        let escalated: std::collections::HashSet<i64> = r.escalated.iter().copied().collect();
        for i in &mut r.overdue {
            if escalated.contains(&i.row.id) {
                i.row.escalated = true;
            }
        }
        // one audit entry per park (a sweep may escalate thousands): the appeals escalated
        let mut by_park: std::collections::BTreeMap<&str, Vec<i64>> = Default::default();
        for i in r.overdue.iter().filter(|i| escalated.contains(&i.row.id)) {
            by_park
                .entry(i.row.park.as_str())
                .or_default()
                .push(i.row.id);
        }
        for (park, ids) in by_park {
            let detail = serde_json::json!({"action": "提级", "appeals": ids});
            let who = crate::audit::Who::system();
            crate::audit::record(store, &who, "appeal.escalate", Some(park), "sweep", detail)
                .await?;
        }
    }
    r.warnings.sort_by_key(|i| (i.sla.left, i.row.id));
    r.overdue.sort_by_key(|i| (i.sla.left, i.row.id));
    Ok(r)
}

#[cfg(test)]
mod tests;
