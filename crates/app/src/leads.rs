//! 新赛道大会 leads (issue 15): creating, moving and closing leads with Chinese messages for bad
//! input, bulk import (all or nothing), the pipeline view (counts per stage, stage-to-stage
//! conversion, median days per stage, stalled leads, landed investment by park) and exports.
//! Stages, events and drop reasons are data (`data/leads/leads.toml`).
//!
//! Who may do what: zone administrators work every lead (and may assign it to a park or keep it
//! with the zone); a park administrator works only its park's leads, and a lead outside the
//! reader's scope is the same "not found" as a missing one (the store's scoped reads); zone
//! analysts read only.
use crate::tracks::{InputError, read_table};
use crate::xlsx::list_sheet;
use gaoxin_model::{Date, Money, ParkId, Unit, Uscc, Zone};
use gaoxin_store::{
    Lead, LeadChange, LeadEvent, LeadFilter, NewLead, PipelineCounts, Scope, Store,
};
use rust_xlsxwriter::{Workbook, XlsxError};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;

const SHIPPED: &str = include_str!("../../../data/leads/leads.toml");

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub year: Option<i32>,
    #[serde(default)]
    pub date: Option<String>,
    pub confirmed: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    pub code: String,
    pub name: String,
}

/// `data/leads/leads.toml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeadsConfig {
    pub version: String,
    pub source: String,
    pub stages: Vec<String>,
    pub events: Vec<Event>,
    pub drop_reasons: Vec<Reason>,
    /// The firm classes the source counts (独角兽, 潜在独角兽, 上市公司, 前沿科技企业).
    pub firm_classes: Vec<Reason>,
}

impl LeadsConfig {
    pub fn shipped() -> Result<LeadsConfig, String> {
        LeadsConfig::parse(SHIPPED)
    }
    pub fn parse(text: &str) -> Result<LeadsConfig, String> {
        let c: LeadsConfig =
            toml::from_str(text).map_err(|e| format!("leads.toml 格式错误：{e}"))?;
        if c.stages.len() < 2 {
            return Err("leads.toml：至少需要两个阶段".into());
        }
        if c.events.is_empty() || c.drop_reasons.is_empty() {
            return Err("leads.toml：活动与放弃原因不能为空".into());
        }
        Ok(c)
    }
    /// The last stage: 落地.
    pub fn landed_stage(&self) -> i64 {
        self.stages.len() as i64 - 1
    }
    /// A stage by name or number (1-based as shown).
    pub fn stage(&self, s: &str) -> Option<i64> {
        let s = s.trim();
        self.stages
            .iter()
            .position(|n| n == s)
            .map(|i| i as i64)
            .or_else(|| {
                s.parse::<i64>()
                    .ok()
                    .filter(|n| *n >= 1 && *n <= self.stages.len() as i64)
                    .map(|n| n - 1)
            })
    }
    pub fn stage_name(&self, i: i64) -> &str {
        self.stages
            .get(i as usize)
            .map(String::as_str)
            .unwrap_or("?")
    }
    pub fn event(&self, s: &str) -> Option<&Event> {
        let s = s.trim();
        self.events.iter().find(|e| e.id == s || e.name == s)
    }
    pub fn class(&self, s: &str) -> Option<&Reason> {
        let s = s.trim();
        self.firm_classes
            .iter()
            .find(|r| r.code == s || r.name == s)
    }
    pub fn class_name(&self, code: &str) -> String {
        self.class(code).map(|c| c.name.clone()).unwrap_or_default()
    }
    pub fn reason(&self, s: &str) -> Option<&Reason> {
        let s = s.trim();
        self.drop_reasons
            .iter()
            .find(|r| r.code == s || r.name == s)
    }
}

/// The user acting on leads.
#[derive(Debug, Clone)]
pub struct Actor {
    pub username: String,
    pub scope: Scope,
    /// Zone administrator or park administrator (zone analysts and firms only read).
    pub may_write: bool,
}

impl Actor {
    /// The actor as the audit trail names them (writers are zone or park administrators).
    fn who(&self) -> crate::audit::Who {
        let role = match self.scope {
            Scope::Park(_) => "park_admin",
            _ => "zone_admin",
        };
        crate::audit::Who::named(&self.username, role)
    }
    fn own_park(&self) -> Option<&ParkId> {
        match &self.scope {
            Scope::Park(p) => Some(p),
            _ => None,
        }
    }
}

/// A lead's park for the audit trail (`""`: the zone's own).
fn park_of(p: &str) -> Option<&str> {
    (!p.is_empty()).then_some(p)
}

/// A lead as typed in the form or a spreadsheet row.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LeadInput {
    /// 统一社会信用代码 (a firm of the panel, or an outside firm's code).
    #[serde(default)]
    pub uscc: String,
    /// Required for an outside firm; a panel firm's name is taken from the panel.
    #[serde(default)]
    pub firm_name: String,
    /// 企业类别 (code or name), optional.
    #[serde(default)]
    pub firm_class: String,
    pub track: String,
    pub event: String,
    /// Park id or name; empty = the zone (zone administrators), a park administrator's own park.
    #[serde(default)]
    pub park: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub stage: String,
    #[serde(default)]
    pub next_action: String,
    #[serde(default)]
    pub next_date: String,
    #[serde(default)]
    pub note: String,
}

/// Today in Beijing (UTC+8), as a date.
pub fn today(now: i64) -> Date {
    Date::from_days_since_epoch((now + 8 * 3600).div_euclid(86_400))
}

/// Parses and checks one lead; errors prefixed by `at` name the field.
#[allow(clippy::too_many_arguments)]
pub async fn parse_lead(
    store: &Store,
    zone: &Zone,
    cfg: &LeadsConfig,
    actor: &Actor,
    input: &LeadInput,
    at: &str,
    today: Date,
) -> Result<NewLead, Vec<String>> {
    let mut errs = Vec::new();
    let code = input.uscc.trim();
    let mut firm_name = input.firm_name.trim().to_string();
    let mut in_panel = false;
    if code.is_empty() {
        errs.push(format!(
            "{at}「统一社会信用代码」：不能为空（区外企业也须填写）"
        ));
    } else {
        match Uscc::parse(code) {
            Err(e) => errs.push(format!("{at}「统一社会信用代码」：{e}")),
            Ok(u) => match store.enterprise(&Scope::Zone, &u).await {
                Ok(Some(e)) => {
                    in_panel = true;
                    firm_name = e.name;
                }
                Ok(None) => {}
                Err(e) => errs.push(format!("{at}：{e}")),
            },
        }
    }
    if !in_panel && firm_name.is_empty() {
        errs.push(format!("{at}「企业名称」：区外企业须填写名称"));
    }
    let track = zone.track(input.track.trim()).map(|t| t.id.clone());
    if track.is_none() {
        errs.push(format!("{at}「赛道」：未知赛道「{}」", input.track.trim()));
    }
    let firm_class = match input.firm_class.trim() {
        "" => String::new(),
        c => match cfg.class(c) {
            Some(r) => r.code.clone(),
            None => {
                errs.push(format!(
                    "{at}「企业类别」：未知类别「{c}」（可选：{}，或留空）",
                    cfg.firm_classes
                        .iter()
                        .map(|r| r.name.as_str())
                        .collect::<Vec<_>>()
                        .join("、")
                ));
                String::new()
            }
        },
    };
    let event = cfg.event(&input.event).map(|e| e.id.clone());
    if event.is_none() {
        errs.push(format!(
            "{at}「来源活动」：未知活动「{}」",
            input.event.trim()
        ));
    }
    let park = match (actor.own_park(), input.park.trim()) {
        (Some(own), "") => Some(own.to_string()),
        (Some(own), p) => match zone.park(p) {
            Some(z) if z.id == *own => Some(own.to_string()),
            Some(_) => {
                errs.push(format!("{at}「负责园区」：园区管理员只能登记本园区的线索"));
                None
            }
            None => {
                errs.push(format!("{at}「负责园区」：未知园区「{p}」"));
                None
            }
        },
        (None, "" | "高新区" | "高新区管委会") => Some(String::new()),
        (None, p) => match zone.park(p) {
            Some(z) => Some(z.id.to_string()),
            None => {
                errs.push(format!("{at}「负责园区」：未知园区「{p}」"));
                None
            }
        },
    };
    let stage = match input.stage.trim() {
        "" => Some(0),
        s => match cfg.stage(s) {
            Some(i) if i == cfg.landed_stage() => {
                errs.push(format!(
                    "{at}「阶段」：新线索不能直接为「落地」，请登记后办理落地"
                ));
                None
            }
            Some(i) => Some(i),
            None => {
                errs.push(format!(
                    "{at}「阶段」：未知阶段「{s}」（可选：{}）",
                    cfg.stages.join("、")
                ));
                None
            }
        },
    };
    let next_date = match input.next_date.trim() {
        "" => None,
        s => match Date::parse(s) {
            Some(d) if d < today => {
                errs.push(format!(
                    "{at}「下一步日期」：{s} 已过去，新线索的下一步日期不能早于今天"
                ));
                None
            }
            Some(d) => Some(d.to_int()),
            None => {
                errs.push(format!(
                    "{at}「下一步日期」：「{s}」应为日期，如 2026-12-31"
                ));
                None
            }
        },
    };
    if !input.next_date.trim().is_empty() && input.next_action.trim().is_empty() {
        errs.push(format!(
            "{at}「下一步行动」：填写了日期，请同时写明下一步做什么"
        ));
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(NewLead {
        uscc: code.to_string(),
        firm_name,
        in_panel,
        firm_class,
        track: track.unwrap_or_default(),
        event: event.unwrap_or_default(),
        park: park.unwrap_or_default(),
        owner: match input.owner.trim() {
            "" => actor.username.clone(),
            o => o.to_string(),
        },
        stage: stage.unwrap_or(0),
        next_action: input.next_action.trim().to_string(),
        next_date,
        note: input.note.trim().to_string(),
    })
}

fn dup_message(cfg: &LeadsConfig, zone: &Zone, at: &str, n: &NewLead) -> String {
    format!(
        "{at}：重复线索——「{}」在「{}」赛道、「{}」中已有线索",
        n.firm_name,
        zone.track(&n.track)
            .map(|t| t.name.as_str())
            .unwrap_or(&n.track),
        cfg.event(&n.event)
            .map(|e| e.name.as_str())
            .unwrap_or(&n.event)
    )
}

/// Creates one lead (form or API).
pub async fn create(
    store: &Store,
    zone: &Zone,
    cfg: &LeadsConfig,
    actor: &Actor,
    input: &LeadInput,
    now: i64,
) -> Result<Lead, InputError> {
    if !actor.may_write {
        return Err(InputError::Forbidden);
    }
    let n = parse_lead(store, zone, cfg, actor, input, "", today(now))
        .await
        .map_err(InputError::Invalid)?;
    let key = (
        gaoxin_store::firm_key(&n.uscc, &n.firm_name),
        n.track.clone(),
        n.event.clone(),
    );
    if !store.existing_leads(&[key]).await?.is_empty() {
        return Err(InputError::Invalid(vec![dup_message(cfg, zone, "", &n)]));
    }
    let ids = store
        .insert_leads(std::slice::from_ref(&n), &actor.username, &[now])
        .await?;
    let detail = serde_json::json!({"uscc": n.uscc, "firm": n.firm_name, "track": n.track, "event": n.event});
    crate::audit::record(
        store,
        &actor.who(),
        "lead.create",
        park_of(&n.park),
        &ids[0],
        detail,
    )
    .await?;
    store
        .lead(&actor.scope, &ids[0])
        .await?
        .ok_or(InputError::NotFound)
}

/// The lead's columns in spreadsheets (template, import, export).
pub const LEAD_COLUMNS: [&str; 11] = [
    "统一社会信用代码",
    "企业名称",
    "企业类别",
    "赛道",
    "来源活动",
    "负责园区",
    "负责人",
    "阶段",
    "下一步行动",
    "下一步日期",
    "备注",
];

/// Imports leads from .xlsx / .csv in the template's columns: all or nothing, every error
/// naming row and column. Returns the number created.
pub async fn import(
    store: &Store,
    zone: &Zone,
    cfg: &LeadsConfig,
    actor: &Actor,
    bytes: Vec<u8>,
    now: i64,
) -> Result<usize, InputError> {
    if !actor.may_write {
        return Err(InputError::Forbidden);
    }
    let rows = read_table(
        bytes,
        &LEAD_COLUMNS,
        &["统一社会信用代码", "赛道", "来源活动"],
    )?;
    let mut errs = Vec::new();
    let mut leads = Vec::new();
    let mut keys = Vec::new();
    let mut at_of = Vec::new();
    for (n, c) in rows {
        let input = LeadInput {
            uscc: c[0].clone(),
            firm_name: c[1].clone(),
            firm_class: c[2].clone(),
            track: c[3].clone(),
            event: c[4].clone(),
            park: c[5].clone(),
            owner: c[6].clone(),
            stage: c[7].clone(),
            next_action: c[8].clone(),
            next_date: c[9].clone(),
            note: c[10].clone(),
        };
        let at = format!("第{n}行");
        match parse_lead(store, zone, cfg, actor, &input, &at, today(now)).await {
            Ok(l) => {
                let key = (
                    gaoxin_store::firm_key(&l.uscc, &l.firm_name),
                    l.track.clone(),
                    l.event.clone(),
                );
                if keys.contains(&key) {
                    errs.push(format!(
                        "{}（与文件中前面的行重复）",
                        dup_message(cfg, zone, &at, &l)
                    ));
                }
                keys.push(key);
                leads.push(l);
                at_of.push(at);
            }
            Err(mut e) => errs.append(&mut e),
        }
    }
    for k in store.existing_leads(&keys).await? {
        if let Some(i) = keys.iter().position(|x| *x == k) {
            errs.push(dup_message(cfg, zone, &at_of[i], &leads[i]));
        }
    }
    if !errs.is_empty() {
        return Err(InputError::Invalid(errs));
    }
    if leads.is_empty() {
        return Err(InputError::Invalid(vec!["文件中没有数据行".into()]));
    }
    let times = vec![now; leads.len()];
    let ids = store.insert_leads(&leads, &actor.username, &times).await?;
    for (l, id) in leads.iter().zip(&ids) {
        let detail = serde_json::json!({"uscc": l.uscc, "firm": l.firm_name, "track": l.track, "event": l.event, "import": true});
        crate::audit::record(
            store,
            &actor.who(),
            "lead.import",
            park_of(&l.park),
            id,
            detail,
        )
        .await?;
    }
    Ok(leads.len())
}

/// A change as typed: what to do and its fields.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ChangeInput {
    /// `move`, `note`, `next`, `land`, `drop`.
    pub action: String,
    #[serde(default)]
    pub stage: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub next_action: String,
    #[serde(default)]
    pub next_date: String,
    /// 万元, exact (up to six decimals).
    #[serde(default)]
    pub invest_wan: String,
    #[serde(default)]
    pub park: String,
    #[serde(default)]
    pub reason: String,
}

/// Checks a change against the lead and the data file; the errors name the field.
pub fn parse_change(
    zone: &Zone,
    cfg: &LeadsConfig,
    lead: &Lead,
    input: &ChangeInput,
) -> Result<LeadChange, Vec<String>> {
    if lead.outcome != "open" {
        return Err(vec![format!(
            "该线索已{}，不能再变更",
            if lead.outcome == "landed" {
                "落地"
            } else {
                "放弃"
            }
        )]);
    }
    let note = input.note.trim().to_string();
    match input.action.as_str() {
        "move" => {
            let Some(to) = cfg.stage(&input.stage) else {
                return Err(vec![format!(
                    "「阶段」：未知阶段「{}」（可选：{}）",
                    input.stage.trim(),
                    cfg.stages.join("、")
                )]);
            };
            if to == lead.stage {
                return Err(vec![format!(
                    "「阶段」：线索已处于「{}」",
                    cfg.stage_name(to)
                )]);
            }
            if to == cfg.landed_stage() {
                return Err(vec![
                    "「阶段」：落地请用“办理落地”，并填写投资额与落地园区".into(),
                ]);
            }
            if to < lead.stage && note.is_empty() {
                return Err(vec![format!(
                    "「说明」：从「{}」退回「{}」须写明原因",
                    cfg.stage_name(lead.stage),
                    cfg.stage_name(to)
                )]);
            }
            Ok(LeadChange::Move { to, note })
        }
        "note" if note.is_empty() => Err(vec!["「备注」：不能为空".into()]),
        "note" => Ok(LeadChange::Note(note)),
        "next" => {
            let action = input.next_action.trim().to_string();
            if action.is_empty() {
                return Err(vec!["「下一步行动」：不能为空".into()]);
            }
            let date = match input.next_date.trim() {
                "" => None,
                s => Some(
                    Date::parse(s)
                        .ok_or_else(|| {
                            vec![format!("「下一步日期」：「{s}」应为日期，如 2026-12-31")]
                        })?
                        .to_int(),
                ),
            };
            Ok(LeadChange::Next { action, date })
        }
        "land" => {
            let mut errs = Vec::new();
            let invest = match Money::parse(input.invest_wan.trim(), Unit::WanYuan) {
                Ok(m) if m.0 > 0 => Some(m.0),
                Ok(_) => {
                    errs.push("「投资额（万元）」：应大于 0".to_string());
                    None
                }
                Err(e) => {
                    errs.push(format!("「投资额（万元）」：{e}"));
                    None
                }
            };
            let park = match input.park.trim() {
                "" if !lead.park.is_empty() => Some(lead.park.clone()),
                "" => {
                    errs.push("「落地园区」：不能为空".into());
                    None
                }
                p => match zone.park(p) {
                    Some(z) => Some(z.id.to_string()),
                    None => {
                        errs.push(format!("「落地园区」：未知园区「{p}」"));
                        None
                    }
                },
            };
            if !errs.is_empty() {
                return Err(errs);
            }
            Ok(LeadChange::Land {
                stage: cfg.landed_stage(),
                invest_fen: invest.unwrap_or(0),
                park: park.unwrap_or_default(),
                note,
            })
        }
        "drop" => {
            let Some(r) = cfg.reason(&input.reason) else {
                return Err(vec![format!(
                    "「放弃原因」：未知原因「{}」（可选：{}）",
                    input.reason.trim(),
                    cfg.drop_reasons
                        .iter()
                        .map(|r| format!("{} {}", r.code, r.name))
                        .collect::<Vec<_>>()
                        .join("、")
                )]);
            };
            if r.code == "D99" && note.is_empty() {
                return Err(vec!["「说明」：选择“其他”时须写明原因".into()]);
            }
            Ok(LeadChange::Drop {
                reason: r.code.clone(),
                note,
            })
        }
        other => Err(vec![format!("未知操作「{other}」")]),
    }
}

/// Applies a change to a lead in the actor's scope (outside: [`InputError::NotFound`]).
pub async fn change(
    store: &Store,
    zone: &Zone,
    cfg: &LeadsConfig,
    actor: &Actor,
    id: &str,
    input: &ChangeInput,
    now: i64,
) -> Result<Lead, InputError> {
    let lead = store
        .lead(&actor.scope, id)
        .await?
        .ok_or(InputError::NotFound)?;
    if !actor.may_write {
        return Err(InputError::Forbidden);
    }
    let c = parse_change(zone, cfg, &lead, input).map_err(InputError::Invalid)?;
    match store
        .change_lead(&actor.scope, id, lead.stage, &c, &actor.username, now)
        .await?
    {
        Some(l) => {
            let detail = serde_json::json!({
                "action": input.action, "stage": {"from": lead.stage, "to": l.stage},
                "note": input.note, "reason": input.reason, "invest_wan": input.invest_wan,
            });
            crate::audit::record(
                store,
                &actor.who(),
                "lead.change",
                park_of(&l.park),
                id,
                detail,
            )
            .await?;
            Ok(l)
        }
        None => Err(InputError::Invalid(vec![
            "该线索刚被他人变更，请刷新后重试".into(),
        ])),
    }
}

/// A lead and its history in the actor's scope.
pub async fn lead_with_history(
    store: &Store,
    scope: &Scope,
    id: &str,
) -> Result<(Lead, Vec<LeadEvent>), InputError> {
    let l = store.lead(scope, id).await?.ok_or(InputError::NotFound)?;
    let h = store.lead_history(scope, id).await?;
    Ok((l, h))
}

mod demo;
mod pipeline;
pub use demo::load_demo;
pub use pipeline::*;

#[cfg(test)]
mod tests;
