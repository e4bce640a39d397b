//! The forms of 成果转化 (issue 14): add and edit one 技术需求 (demand) and one 专家 / 技术经纪人
//! (expert). Who may write what is decided here, from the signed-in role:
//! - a demand: an enterprise user adds and edits its own firm's demands only (the 发布企业 is the
//!   signed-in firm, never a form field); a park administrator those of its park's firms; a zone
//!   administrator any (zone and park administrators are the platform's brokers). A demand outside
//!   the writer's scope answers [`Refused::NotFound`], like a missing one.
//! - an expert or broker: zone administrators (the registry holds no account that owns an expert,
//!   so there is no broker ownership to honour).
//!
//! Every field is checked with a Chinese message naming it; all problems are returned together
//! and nothing is written. Each write records one audit event (`tech.demand.create` /
//! `.update`, `tech.expert.create` / `.update`, a demand's with its firm's park), and changes
//! `Store::tech_version`, so the matching indexes are rebuilt and the item is found at once.
use crate::audit::{self, Who};
use crate::tech::{parse_date_opt, parse_wan_opt, split_keywords};
use gaoxin_model::{Date, Uscc};
use gaoxin_store::{Role, Scope, Store, TechDemand, TechExpert};
use serde::{Deserialize, Serialize};

/// Why a form was not saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The item is missing, outside the writer's scope, or the role may not write it.
    NotFound,
    /// The input's problems, each naming its field.
    Invalid(Vec<String>),
}

/// Whether `role` may add or edit demands (in its scope).
pub fn may_write_demands(role: &Role) -> bool {
    matches!(
        role,
        Role::ZoneAdmin | Role::ParkAdmin(_) | Role::Enterprise(_)
    )
}

/// Whether `role` may add or edit experts and brokers.
pub fn may_write_experts(role: &Role) -> bool {
    matches!(role, Role::ZoneAdmin)
}

/// One demand as typed on the form (blank fields are empty strings).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct DemandInput {
    pub id: String,
    /// 发布企业's credit code: staff only (an enterprise user's is its own firm).
    pub uscc: String,
    pub name: String,
    pub description: String,
    pub field: String,
    /// 万元.
    pub budget: String,
    /// yyyy-mm-dd.
    pub deadline: String,
    /// "是" when the 揭榜挂帅 box is ticked.
    pub jiebang: String,
    pub milestones: String,
    /// 万元.
    pub award: String,
}

/// One expert or broker as typed on the form.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct ExpertInput {
    pub id: String,
    /// 专家 or 技术经纪人 (or `expert` / `broker`).
    pub kind: String,
    pub name: String,
    pub unit: String,
    pub fields: String,
    pub keywords: String,
    pub contact: String,
}

/// Fen as the 万元 text the form reads back (exact: 12500000 → "12.5").
fn wan_text(fen: Option<i64>) -> String {
    let Some(f) = fen else {
        return String::new();
    };
    let (int, frac) = (f / 1_000_000, f % 1_000_000);
    if frac == 0 {
        return int.to_string();
    }
    let s = format!("{int}.{frac:06}");
    s.trim_end_matches('0').to_string()
}

fn date_text(d: Option<i64>) -> String {
    d.and_then(Date::from_int)
        .map(|x| x.to_string())
        .unwrap_or_default()
}

impl DemandInput {
    /// The form of a stored demand.
    pub fn of(d: &TechDemand) -> DemandInput {
        DemandInput {
            id: d.id.clone(),
            uscc: d.uscc.clone(),
            name: d.name.clone(),
            description: d.description.clone(),
            field: d.field.clone(),
            budget: wan_text(d.budget_fen),
            deadline: date_text(d.deadline),
            jiebang: if d.jiebang {
                "是".into()
            } else {
                String::new()
            },
            milestones: d.milestones.clone(),
            award: wan_text(d.award_fen),
        }
    }
}

impl ExpertInput {
    /// The form of a stored expert.
    pub fn of(x: &TechExpert) -> ExpertInput {
        ExpertInput {
            id: x.id.clone(),
            kind: if x.kind == "broker" {
                "技术经纪人".into()
            } else {
                "专家".into()
            },
            name: x.name.clone(),
            unit: x.unit.clone(),
            fields: x.fields.clone(),
            keywords: x.keywords.join("；"),
            contact: x.contact.clone(),
        }
    }
}

/// A text field: trimmed, required or not, at most `max` characters.
fn text(errors: &mut Vec<String>, field: &str, v: &str, required: bool, max: usize) -> String {
    let t = v.trim();
    if required && t.is_empty() {
        errors.push(format!("「{field}」不能为空"));
    } else if t.chars().count() > max {
        errors.push(format!(
            "「{field}」最多 {max} 个字，现有 {} 个",
            t.chars().count()
        ));
    }
    t.to_string()
}

/// An item's 编号: required, at most 64 characters, no spaces or `/ ? # %` (it is part of the page's
/// address).
fn id_text(errors: &mut Vec<String>, v: &str) -> String {
    let t = text(errors, "编号", v, true, 64);
    if let Some(c) = t
        .chars()
        .find(|c| c.is_whitespace() || matches!(c, '/' | '?' | '#' | '%' | '\\'))
    {
        errors.push(format!("「编号」不能含有空格或字符「{c}」"));
    }
    t
}

fn ok<T>(errors: &mut Vec<String>, r: Result<T, String>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

/// The demand the input describes (its firm not yet checked), or every problem.
fn parse_demand(i: &DemandInput) -> Result<TechDemand, Vec<String>> {
    let mut e = Vec::new();
    let id = id_text(&mut e, &i.id);
    let name = text(&mut e, "名称", &i.name, true, 200);
    let description = text(&mut e, "需求描述", &i.description, true, 5000);
    let field = text(&mut e, "技术领域", &i.field, false, 50);
    let budget = ok(&mut e, parse_wan_opt("预算（万元）", &i.budget)).flatten();
    let deadline = ok(&mut e, parse_date_opt("截止日期", &i.deadline)).flatten();
    let jiebang = ok(&mut e, crate::tech::parse_yes_no("揭榜挂帅", &i.jiebang)).unwrap_or(false);
    let milestones = text(&mut e, "里程碑", &i.milestones, false, 2000);
    let award = ok(&mut e, parse_wan_opt("奖励（万元）", &i.award)).flatten();
    if !jiebang && (!milestones.is_empty() || award.is_some()) {
        e.push(
            "「里程碑」和「奖励（万元）」只用于揭榜挂帅需求：请勾选「揭榜挂帅」或清空它们".into(),
        );
    }
    if !e.is_empty() {
        return Err(e);
    }
    Ok(TechDemand {
        id,
        name,
        description,
        field,
        budget_fen: budget,
        deadline,
        jiebang,
        milestones,
        award_fen: award,
        ..TechDemand::default()
    })
}

/// Adds (`editing` = `None`) or edits (`Some(编号)`) one demand as `role`. The firm: an enterprise
/// user's own; staff name it on a new demand (in their scope) and keep the stored one on an edit.
pub async fn save_demand(
    store: &Store,
    role: &Role,
    who: &Who,
    editing: Option<&str>,
    i: &DemandInput,
) -> Result<Result<TechDemand, Refused>, gaoxin_store::Error> {
    if !may_write_demands(role) {
        return Ok(Err(Refused::NotFound));
    }
    let scope = role.scope();
    let stored = match editing {
        Some(id) => match store.tech_demand(&scope, id).await? {
            Some(d) => Some(d),
            None => return Ok(Err(Refused::NotFound)),
        },
        None => None,
    };
    let mut input = i.clone();
    if let Some(s) = &stored {
        input.id = s.id.clone();
    }
    let mut errors = Vec::new();
    let mut d = match parse_demand(&input) {
        Ok(d) => d,
        Err(e) => {
            errors = e;
            TechDemand::default()
        }
    };
    let firm = match (&stored, role) {
        (Some(s), _) => Uscc::parse(&s.uscc).ok(),
        (None, Role::Enterprise(u)) => Some(u.clone()),
        (None, _) => firm_in_scope(store, &scope, &i.uscc, &mut errors).await?,
    };
    if stored.is_none() && errors.is_empty() && store.tech_demand_id_taken(&d.id).await? {
        errors.push(format!("「编号」：{} 已被使用，请换一个编号", d.id));
    }
    if !errors.is_empty() {
        return Ok(Err(Refused::Invalid(errors)));
    }
    let Some(firm) = firm else {
        return Ok(Err(Refused::NotFound));
    };
    d.uscc = firm.as_str().to_string();
    if let Some(s) = &stored {
        d.synthetic = s.synthetic;
    }
    let now = gaoxin_store::unix_now();
    if store
        .upsert_tech_demands(&scope, std::slice::from_ref(&d), now)
        .await?
        .is_err()
    {
        return Ok(Err(Refused::NotFound));
    }
    let action = if stored.is_some() {
        "tech.demand.update"
    } else {
        "tech.demand.create"
    };
    audit::record_firm(
        store,
        who,
        action,
        &firm,
        serde_json::json!({"demand": d.id, "name": d.name, "jiebang": d.jiebang}),
    )
    .await?;
    Ok(store
        .tech_demand(&scope, &d.id)
        .await?
        .ok_or(Refused::NotFound))
}

/// The 发布企业 a staff member typed: a stored firm in their scope.
async fn firm_in_scope(
    store: &Store,
    scope: &Scope,
    code: &str,
    errors: &mut Vec<String>,
) -> Result<Option<Uscc>, gaoxin_store::Error> {
    let code = code.trim();
    if code.is_empty() {
        errors.push("「发布企业（统一社会信用代码）」不能为空".into());
        return Ok(None);
    }
    match Uscc::parse(code) {
        Err(e) => {
            errors.push(format!("「发布企业（统一社会信用代码）」：{code} {e}"));
            Ok(None)
        }
        Ok(u) if store.enterprise(scope, &u).await?.is_none() => {
            errors.push(format!(
                "「发布企业（统一社会信用代码）」：{code} 不是您权限范围内已登记的企业"
            ));
            Ok(None)
        }
        Ok(u) => Ok(Some(u)),
    }
}

/// The expert the input describes, or every problem.
fn parse_expert(i: &ExpertInput) -> Result<TechExpert, Vec<String>> {
    let mut e = Vec::new();
    let id = id_text(&mut e, &i.id);
    let kind = match i.kind.trim() {
        "" | "专家" | "expert" => "expert",
        "技术经纪人" | "经纪人" | "broker" => "broker",
        k => {
            e.push(format!("「类型」应为 专家 或 技术经纪人，而不是「{k}」"));
            "expert"
        }
    };
    let name = text(&mut e, "姓名", &i.name, true, 50);
    let unit = text(&mut e, "单位", &i.unit, false, 100);
    let fields = text(&mut e, "领域", &i.fields, false, 100);
    let keywords = text(&mut e, "关键词", &i.keywords, false, 500);
    let contact = text(&mut e, "联系方式", &i.contact, false, 200);
    if !e.is_empty() {
        return Err(e);
    }
    Ok(TechExpert {
        id,
        kind: kind.into(),
        name,
        unit,
        fields,
        keywords: split_keywords(&keywords),
        contact,
        synthetic: false,
    })
}

/// Adds (`editing` = `None`) or edits (`Some(编号)`) one expert or broker as `role`.
pub async fn save_expert(
    store: &Store,
    role: &Role,
    who: &Who,
    editing: Option<&str>,
    i: &ExpertInput,
) -> Result<Result<TechExpert, Refused>, gaoxin_store::Error> {
    if !may_write_experts(role) {
        return Ok(Err(Refused::NotFound));
    }
    let scope = role.scope();
    let stored = match editing {
        Some(id) => match store.tech_expert(&scope, id).await? {
            Some(x) => Some(x),
            None => return Ok(Err(Refused::NotFound)),
        },
        None => None,
    };
    let mut input = i.clone();
    if let Some(s) = &stored {
        input.id = s.id.clone();
    }
    let mut x = match parse_expert(&input) {
        Ok(x) => x,
        Err(e) => return Ok(Err(Refused::Invalid(e))),
    };
    if stored.is_none() && store.tech_expert(&scope, &x.id).await?.is_some() {
        return Ok(Err(Refused::Invalid(vec![format!(
            "「编号」：{} 已被使用，请换一个编号",
            x.id
        )])));
    }
    if let Some(s) = &stored {
        x.synthetic = s.synthetic;
    }
    store
        .upsert_tech_experts(std::slice::from_ref(&x), gaoxin_store::unix_now())
        .await?;
    let action = if stored.is_some() {
        "tech.expert.update"
    } else {
        "tech.expert.create"
    };
    audit::record(
        store,
        who,
        action,
        None,
        &x.id,
        serde_json::json!({"name": x.name, "kind": x.kind}),
    )
    .await?;
    Ok(Ok(x))
}

/// The edit form of demand `id` for `role` with the firm's name: `None` when the demand is
/// missing, outside the role's scope, or the role may not write demands (one answer for all).
pub async fn demand_form(
    store: &Store,
    role: &Role,
    id: &str,
) -> Result<Option<(DemandInput, String)>, gaoxin_store::Error> {
    if !may_write_demands(role) {
        return Ok(None);
    }
    Ok(store
        .tech_demand(&role.scope(), id)
        .await?
        .map(|d| (DemandInput::of(&d), d.firm_name)))
}

/// The edit form of expert `id` for `role` (`None`: missing, or the role may not write experts).
pub async fn expert_form(
    store: &Store,
    role: &Role,
    id: &str,
) -> Result<Option<ExpertInput>, gaoxin_store::Error> {
    if !may_write_experts(role) {
        return Ok(None);
    }
    Ok(store
        .tech_expert(&role.scope(), id)
        .await?
        .map(|x| ExpertInput::of(&x)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_field_is_named_and_amounts_read_back_exactly() {
        let i = DemandInput {
            id: "XQ 1".into(),
            name: String::new(),
            description: "需要碳化硅".into(),
            budget: "abc".into(),
            deadline: "2026-13-01".into(),
            milestones: "一期".into(),
            ..Default::default()
        };
        let e = parse_demand(&i).unwrap_err();
        for f in [
            "「编号」",
            "「名称」",
            "「预算（万元）」",
            "「截止日期」",
            "「里程碑」",
        ] {
            assert!(e.iter().any(|m| m.contains(f)), "{f}: {e:?}");
        }
        let ok = DemandInput {
            id: "XQ-1".into(),
            name: "电驱".into(),
            description: "需要碳化硅".into(),
            budget: "12.5".into(),
            deadline: "2026-11-30".into(),
            jiebang: "是".into(),
            milestones: "一期样机".into(),
            award: "300".into(),
            ..Default::default()
        };
        let d = parse_demand(&ok).unwrap();
        assert_eq!(d.budget_fen, Some(12_500_000));
        assert_eq!(d.deadline, Some(20261130));
        let back = DemandInput::of(&d);
        assert_eq!((back.budget.as_str(), back.award.as_str()), ("12.5", "300"));
        assert_eq!(back.deadline, "2026-11-30");
        assert_eq!(wan_text(Some(1)), "0.000001");
        let x = parse_expert(&ExpertInput {
            id: "ZJ1".into(),
            kind: "教授".into(),
            ..Default::default()
        })
        .unwrap_err();
        assert!(x.iter().any(|m| m.contains("「类型」")), "{x:?}");
        assert!(x.iter().any(|m| m.contains("「姓名」")), "{x:?}");
    }
}
