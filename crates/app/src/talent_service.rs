//! 人才服务直通车 (issue 19): a talent's service request, filed by the talent office, the talent's
//! park (for a phone call or a visit) or the talent's employer (a firm's account, for its own
//! talents), runs through the appeals workflow (`appeals`: routing, working-day limits, 回访,
//! 解决率) as an appeal of category `人才服务·<类别>`. The categories, the handling department, the
//! time limits and what each 紫金山英才卡 level gives are data (`data/appeals/talent-services.toml`,
//! UNCONFIRMED): the limit is the category's, shortened to the card level's.
//!
//! Privacy: the appeal names the talent by their 人才编号 only. A request filed by staff carries
//! the talent's code in place of a credit code (`人才:<编号>`), so no firm sees it; one filed by the employer is the employer's appeal
//! (they see what they wrote). The talent's record is never shown to the employer.
use crate::appeals::{Actor, MAX_CONTACT, MAX_DESCRIPTION};
use crate::appeals_data::{AppealsConfig, china_date};
use crate::appeals_flow::State;
use crate::audit::Who;
use crate::data_files::APPEALS;
use crate::talent::TalentError;
use gaoxin_store::{NewAppeal, Role, Scope, Store, TalentRequest};
use serde::Deserialize;

/// The prefix of a talent request's appeal category.
pub const CATEGORY_PREFIX: &str = "人才服务·";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceCategory {
    pub name: String,
    pub limit_days: u32,
    #[serde(default)]
    pub unconfirmed: bool,
    /// The department handling it (`routing.toml` id); absent: the file's department.
    #[serde(default)]
    pub department: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardLevel {
    pub id: String,
    pub name: String,
    pub service: String,
    pub limit_days: u32,
    #[serde(default)]
    pub unconfirmed: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoCard {
    pub service: String,
}

/// `talent-services.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    pub source: String,
    pub version: String,
    pub department: String,
    #[serde(rename = "category")]
    pub categories: Vec<ServiceCategory>,
    #[serde(rename = "level")]
    pub levels: Vec<CardLevel>,
    pub none: NoCard,
    /// Where the file was read from.
    #[serde(skip)]
    pub path: String,
}

impl ServiceConfig {
    /// Parses the file's text; errors name the file.
    pub fn parse(path: &str, text: &str) -> Result<ServiceConfig, String> {
        let mut c: ServiceConfig = toml::from_str(text).map_err(|e| format!("{path}：{e}"))?;
        c.path = path.to_string();
        if c.categories.is_empty() {
            return Err(format!("{path}：没有服务类别"));
        }
        for (i, a) in c.categories.iter().enumerate() {
            if c.categories[..i].iter().any(|b| b.name == a.name) {
                return Err(format!("{path}：服务类别「{}」重复", a.name));
            }
            if a.limit_days == 0 {
                return Err(format!("{path}：服务类别「{}」的时限须大于0", a.name));
            }
        }
        for (i, a) in c.levels.iter().enumerate() {
            if c.levels[..i].iter().any(|b| b.id == a.id) {
                return Err(format!("{path}：英才卡等级「{}」重复", a.id));
            }
        }
        Ok(c)
    }

    /// The file from `$GAOXIN_APPEALS`, else `data/appeals`, else the shipped copy.
    pub fn load() -> Result<ServiceConfig, String> {
        let f = APPEALS
            .file("talent-services.toml")
            .ok_or("找不到 data/appeals/talent-services.toml")?;
        ServiceConfig::parse(&f.path.display().to_string(), &f.text)
    }

    /// A card level by id (`A`) or name.
    pub fn level(&self, id_or_name: &str) -> Option<&CardLevel> {
        let v = id_or_name.trim();
        self.levels
            .iter()
            .find(|l| l.id.eq_ignore_ascii_case(v) || l.name == v)
    }

    pub fn level_ids(&self) -> Vec<String> {
        self.levels.iter().map(|l| l.id.clone()).collect()
    }

    /// A category by name, with or without the `人才服务·` prefix.
    pub fn category(&self, name: &str) -> Option<&ServiceCategory> {
        let n = name.trim();
        let n = n.strip_prefix(CATEGORY_PREFIX).unwrap_or(n);
        self.categories.iter().find(|c| c.name == n)
    }

    /// The service level and time limit (working days) of a request in `category` by a holder of
    /// `card` (`None`: no card), and whether either is UNCONFIRMED.
    pub fn service_for(
        &self,
        category: &ServiceCategory,
        card: Option<&str>,
    ) -> (String, u32, bool) {
        match card.and_then(|c| self.level(c)) {
            Some(l) => (
                l.service.clone(),
                category.limit_days.min(l.limit_days),
                category.unconfirmed || l.unconfirmed,
            ),
            None => (
                self.none.service.clone(),
                category.limit_days,
                category.unconfirmed,
            ),
        }
    }
}

/// A service request as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceFiling {
    pub talent_code: String,
    pub category: String,
    pub description: String,
    pub contact: String,
    /// 电话 | 走访 (staff) or 企业 (the employer).
    pub channel: String,
}

/// The appeal's firm key of a request filed by staff: the talent's code (no firm's credit code,
/// so no firm reads it; repeat requests are counted per talent).
pub fn staff_key(code: &str) -> String {
    format!("人才:{code}")
}

fn actor_parts(actor: &Actor) -> Result<(String, Role), TalentError> {
    match actor {
        Actor::User { username, role } => Ok((username.clone(), role.clone())),
        _ => Err(TalentError::Invalid(
            "只有登录用户可以登记人才服务诉求".into(),
        )),
    }
}

fn checked(v: &str, what: &str, max: usize) -> Result<String, TalentError> {
    let t = v.trim();
    let n = t.chars().count();
    if t.is_empty() {
        return Err(TalentError::Invalid(format!("{what}不能为空")));
    }
    if n > max {
        return Err(TalentError::Invalid(format!(
            "{what}过长（{n}字，最多{max}字）"
        )));
    }
    Ok(t.to_string())
}

/// Files a talent's service request as an appeal; returns the appeal's id. The talent must be
/// the actor's to file for (zone administrator: any; park administrator: their park's; a firm:
/// its own employees) — otherwise the same 人才记录不存在 as a missing code.
pub async fn file(
    store: &Store,
    appeals: &AppealsConfig,
    cfg: &ServiceConfig,
    actor: &Actor,
    f: &ServiceFiling,
    now: i64,
) -> Result<i64, TalentError> {
    let (username, role) = actor_parts(actor)?;
    let t = store
        .talent(&Scope::Zone, f.talent_code.trim())
        .await?
        .ok_or(TalentError::NotFound)?;
    let (channels, uscc): (&[&str], String) = match &role {
        Role::ZoneAdmin => (&["电话", "走访"], staff_key(&t.code)),
        Role::ParkAdmin(p) if p.as_str() == t.park => (&["电话", "走访"], staff_key(&t.code)),
        Role::Enterprise(u) if t.employer_uscc.as_deref() == Some(u.as_str()) => {
            (&["企业"], u.as_str().to_string())
        }
        _ => return Err(TalentError::NotFound),
    };
    let channel = f.channel.trim();
    let channel = if channel.is_empty() {
        channels[0]
    } else {
        channel
    };
    if !channels.contains(&channel) {
        return Err(TalentError::Invalid(format!(
            "渠道「{channel}」不可用（可选：{}）",
            channels.join("、")
        )));
    }
    let cat = cfg.category(&f.category).ok_or_else(|| {
        TalentError::Invalid(format!(
            "服务类别「{}」无效（可选：{}）",
            f.category.trim(),
            cfg.categories
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join("、")
        ))
    })?;
    let description = checked(&f.description, "诉求内容", MAX_DESCRIPTION)?;
    let contact = checked(&f.contact, "联系人及电话", MAX_CONTACT)?;
    let (service, limit, _) = cfg.service_for(cat, t.card_level.as_deref());
    let dept = cat
        .department
        .clone()
        .unwrap_or_else(|| cfg.department.clone());
    if appeals.department(&dept).is_none() {
        return Err(TalentError::Invalid(format!(
            "人才服务配置的部门「{dept}」不在部门列表中"
        )));
    }
    let category = format!("{CATEGORY_PREFIX}{}", cat.name);
    let a = NewAppeal {
        uscc: uscc.clone(),
        firm_name: format!("人才 {}（{}）", t.code, t.employer_name),
        park: t.park.clone(),
        category: category.clone(),
        suggested_category: None,
        title: format!("{category}（{service}）"),
        description,
        contact,
        channel: channel.to_string(),
        rule_file: None,
        department: Some(dept),
        filed_at: now,
        filed_on: china_date(now).to_int(),
        filed_by: username.clone(),
        filed_role: role.key().into(),
        limit_days: i64::from(limit),
        state: State::Accepted.zh().into(),
        note: String::new(),
    };
    let id = store.file_appeals(&[a]).await?[0];
    store
        .add_talent_request(&TalentRequest {
            appeal_id: id,
            talent_code: t.code.clone(),
            park: t.park.clone(),
            card_level: t.card_level.clone(),
            service: service.clone(),
        })
        .await?;
    crate::audit::record(
        store,
        &Who::user(&username, &role),
        "talent.request",
        Some(&t.park),
        &t.code,
        serde_json::json!({"appeal": id, "category": category, "service": service, "limit_days": limit}),
    )
    .await?;
    Ok(id)
}

#[cfg(test)]
mod tests;
