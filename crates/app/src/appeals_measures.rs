//! Measures that reward solving, not closing (unlike the 12345 hotlines' 办结率):
//! 解决率 (closed appeals whose firm said at the 回访 that the problem was solved and was
//! satisfied), 满意率 (satisfied 回访 among all 回访, the unsatisfied ones that led to 重办
//! included), 重办率 (appeals reopened at least once among those visited), repeat appeals (the
//! same firm, the same category, within 365 days of its previous one), and the median working
//! days to the first reply and to 办结 (pauses waiting for the firm not counted) — per department,
//! park or category, by month, year or over all time. Pure over the stored rows and history.
use crate::appeals_data::AppealsConfig;
use gaoxin_model::{Date, Pause};
use gaoxin_store::{AppealRow, Scope, Store, TransitionRow};
use std::collections::{BTreeMap, HashMap};

/// What the rows are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Department,
    Park,
    Category,
}

impl Dimension {
    pub fn parse(s: &str) -> Result<Dimension, String> {
        match s.trim() {
            "" | "department" | "部门" => Ok(Dimension::Department),
            "park" | "园区" => Ok(Dimension::Park),
            "category" | "类别" => Ok(Dimension::Category),
            o => Err(format!(
                "未知分组「{o}」（可选：department、park、category）"
            )),
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            Dimension::Department => "department",
            Dimension::Park => "park",
            Dimension::Category => "category",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Dimension::Department => "承办部门",
            Dimension::Park => "园区",
            Dimension::Category => "类别",
        }
    }
}

/// The time grouping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Month,
    Year,
    All,
}

impl Period {
    pub fn parse(s: &str) -> Result<Period, String> {
        match s.trim() {
            "" | "all" | "全部" => Ok(Period::All),
            "year" | "年" => Ok(Period::Year),
            "month" | "月" => Ok(Period::Month),
            o => Err(format!("未知期间「{o}」（可选：all、year、month）")),
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            Period::Month => "month",
            Period::Year => "year",
            Period::All => "all",
        }
    }
    fn of(self, filed_on: i64) -> String {
        match self {
            Period::Month => format!("{}-{:02}", filed_on / 10_000, (filed_on / 100) % 100),
            Period::Year => format!("{}", filed_on / 10_000),
            Period::All => "全部".into(),
        }
    }
}

/// One group's measures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MeasureRow {
    pub key: String,
    pub name: String,
    pub period: String,
    pub filed: u64,
    pub replied: u64,
    pub closed: u64,
    /// Closed, solved and satisfied at the last 回访.
    pub resolved: u64,
    /// 回访 records (satisfied or not).
    pub visits: u64,
    pub satisfied_visits: u64,
    /// Appeals with at least one 回访.
    pub visited_appeals: u64,
    /// Appeals reopened (重办) at least once.
    pub reopened_appeals: u64,
    pub repeats: u64,
    pub median_reply_days: Option<f64>,
    pub median_resolve_days: Option<f64>,
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

impl MeasureRow {
    /// 解决率: resolved among closed.
    pub fn resolution_rate(&self) -> Option<f64> {
        ratio(self.resolved, self.closed)
    }
    /// 满意率: satisfied 回访 among all 回访.
    pub fn satisfaction_rate(&self) -> Option<f64> {
        ratio(self.satisfied_visits, self.visits)
    }
    /// 重办率: reopened among visited.
    pub fn reopen_rate(&self) -> Option<f64> {
        ratio(self.reopened_appeals, self.visited_appeals)
    }
    /// Repeat appeals among filed.
    pub fn repeat_rate(&self) -> Option<f64> {
        ratio(self.repeats, self.filed)
    }
}

/// A percentage for display (`—` when there is no denominator).
pub fn pct(x: Option<f64>) -> String {
    x.map(|v| format!("{:.1}%", v * 100.0))
        .unwrap_or_else(|| "—".into())
}

fn median(mut v: Vec<u32>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let n = v.len();
    Some(if n % 2 == 1 {
        f64::from(v[n / 2])
    } else {
        (f64::from(v[n / 2 - 1]) + f64::from(v[n / 2])) / 2.0
    })
}

/// Working days from filing to the first `action`, not counting the waits for the firm before it.
fn days_to(cfg: &AppealsConfig, a: &AppealRow, h: &[&TransitionRow], action: &str) -> Option<u32> {
    let end = h.iter().find(|t| t.action == action)?;
    let mut pauses: Vec<Pause> = Vec::new();
    for t in h.iter().take_while(|t| t.seq < end.seq) {
        match t.action.as_str() {
            "待企业补充" => pauses.push(Pause {
                from: Date::from_int(t.on_date)?,
                to: None,
            }),
            "企业补充" => {
                if let Some(p) = pauses.last_mut().filter(|p| p.to.is_none()) {
                    p.to = Date::from_int(t.on_date);
                }
            }
            _ => {}
        }
    }
    cfg.calendar
        .working_days_between(
            Date::from_int(a.filed_on)?,
            Date::from_int(end.on_date)?,
            &pauses,
        )
        .ok()
}

/// The measures of `rows` (with their `history`), grouped; `park_name` names a park id.
pub fn measures(
    cfg: &AppealsConfig,
    rows: &[AppealRow],
    history: &[TransitionRow],
    dim: Dimension,
    period: Period,
    park_name: &(dyn Fn(&str) -> String + Sync),
) -> Vec<MeasureRow> {
    let mut by_appeal: HashMap<i64, Vec<&TransitionRow>> = HashMap::new();
    for t in history {
        by_appeal.entry(t.appeal_id).or_default().push(t);
    }
    // repeats: the same firm and category within 365 days before
    let mut order: Vec<&AppealRow> = rows.iter().collect();
    order.sort_by_key(|a| (a.filed_on, a.id));
    let mut last: HashMap<(&str, &str), i64> = HashMap::new();
    let mut repeat: HashMap<i64, bool> = HashMap::new();
    for a in order {
        let k = (a.uscc.as_str(), a.category.as_str());
        let day = Date::from_int(a.filed_on).map(|d| d.days_since_epoch());
        let is_repeat = match (last.get(&k), day) {
            (Some(prev), Some(d)) => d - prev <= 365,
            _ => false,
        };
        repeat.insert(a.id, is_repeat);
        if let Some(d) = day {
            last.insert(k, d);
        }
    }
    // (period, key) → (measures, days to reply, days to 办结)
    type Group = (MeasureRow, Vec<u32>, Vec<u32>);
    let mut groups: BTreeMap<(String, String), Group> = BTreeMap::new();
    for a in rows {
        let (key, name) = match dim {
            Dimension::Department => (
                a.department.clone().unwrap_or_else(|| "park".into()),
                cfg.department_name(a.department.as_deref()),
            ),
            Dimension::Park => (a.park.clone(), park_name(&a.park)),
            Dimension::Category => (a.category.clone(), a.category.clone()),
        };
        let p = period.of(a.filed_on);
        let g = groups.entry((p.clone(), key.clone())).or_insert_with(|| {
            (
                MeasureRow {
                    key,
                    name,
                    period: p,
                    ..Default::default()
                },
                Vec::new(),
                Vec::new(),
            )
        });
        let h = by_appeal.get(&a.id).map(Vec::as_slice).unwrap_or(&[]);
        let m = &mut g.0;
        m.filed += 1;
        if a.replied_on.is_some() {
            m.replied += 1;
        }
        if a.state == "办结" {
            m.closed += 1;
            if a.resolved == Some(true) && a.satisfied == Some(true) {
                m.resolved += 1;
            }
        }
        let visits = h.iter().filter(|t| t.satisfied.is_some()).count() as u64;
        m.visits += visits;
        m.satisfied_visits += h.iter().filter(|t| t.satisfied == Some(true)).count() as u64;
        if visits > 0 {
            m.visited_appeals += 1;
        }
        if a.reopened > 0 {
            m.reopened_appeals += 1;
        }
        if repeat.get(&a.id) == Some(&true) {
            m.repeats += 1;
        }
        if let Some(d) = days_to(cfg, a, h, "答复") {
            g.1.push(d);
        }
        if let Some(d) = days_to(cfg, a, h, "办结") {
            g.2.push(d);
        }
    }
    groups
        .into_values()
        .map(|(mut m, reply, resolve)| {
            m.median_reply_days = median(reply);
            m.median_resolve_days = median(resolve);
            m
        })
        .collect()
}

/// The measures of the appeals in `scope`.
pub async fn load(
    store: &Store,
    cfg: &AppealsConfig,
    scope: &Scope,
    dim: Dimension,
    period: Period,
    park_name: &(dyn Fn(&str) -> String + Sync),
) -> Result<Vec<MeasureRow>, gaoxin_store::Error> {
    let rows = store.appeals(scope, &Default::default()).await?;
    let history = store.appeal_history(scope).await?;
    Ok(measures(cfg, &rows, &history, dim, period, park_name))
}

#[cfg(test)]
mod tests;
