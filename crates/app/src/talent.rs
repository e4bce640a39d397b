//! Talents (人才, issue 19): who may read a personal record, one record's page, the list, the
//! export of personal fields and what is held about a talent.
//!
//! Personal data (个人信息保护法), decided here:
//! - **Who reads a record**: the talent's park (a park administrator: their park's talents) and
//!   the zone's talent office, which is the **zone administrator** role. A zone analyst, a firm
//!   (including the talent's employer) and a department read none: the same 404 as a missing
//!   record. Aggregates without personal fields (`talent_monitor`) are open to all zone staff.
//! - **Every read is recorded**: a record's page (`talent.read`), a list (`talent.list`), an export
//!   (`talent_xlsx::export`, `talent.export`, with its reason when personal fields are included) and a subject-access
//!   report (`talent.subject_access`), each with the park set so a park reads its own entries.
//! - **The talent themself** has no account on the platform (a person is not a firm, and the
//!   platform's accounts are staff, firms and departments): exercising the right to access
//!   (个人信息保护法 第四十五条), a talent asks their park or the talent office, who produce
//!   [`held`] — every field stored, the programmes, the service requests and every recorded
//!   access to the record — on the page `/talents/{code}/held` or `gaoxin talents show CODE --held`.
//! - **ID numbers** are never stored: an imported 居民身份证号码 is checked and only its last four
//!   characters are kept, shown as `**************123X`.
use crate::audit::{self, Who};
use gaoxin_store::{AuditEntry, AuditFilter, Role, Scope, Store, Talent, TalentFilter};
use serde_json::json;

/// Why a talent use case failed; the text is shown to the user.
#[derive(Debug, thiserror::Error)]
pub enum TalentError {
    /// Missing, outside the reader's scope, or the reader may not read personal records.
    #[error("人才记录不存在")]
    NotFound,
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] gaoxin_store::Error),
    #[error("生成表格失败：{0}")]
    Xlsx(String),
}

/// The scope in which `role` may read talents' personal records (`None`: none at all).
pub fn talent_scope(role: &Role) -> Option<Scope> {
    match role {
        Role::ZoneAdmin => Some(Scope::Zone),
        Role::ParkAdmin(p) => Some(Scope::Park(p.clone())),
        Role::ZoneAnalyst | Role::Enterprise(_) | Role::Department(_) | Role::University(_) => None,
    }
}

/// Who reads, and where: the audit trail's actor and the scope of their reads.
#[derive(Debug, Clone)]
pub struct Reader {
    pub who: Who,
    pub scope: Scope,
}

impl Reader {
    /// A signed-in user, if their role may read personal records.
    pub fn user(name: &str, role: &Role) -> Option<Reader> {
        Some(Reader {
            who: Who::user(name, role),
            scope: talent_scope(role)?,
        })
    }
    /// The command line, as the talent office (`park`: as that park).
    pub fn cli(scope: Scope) -> Reader {
        Reader {
            who: Who::cli(),
            scope,
        }
    }
    pub(crate) fn park(&self) -> Option<String> {
        match &self.scope {
            Scope::Park(p) => Some(p.to_string()),
            _ => None,
        }
    }
}

/// The ID number as shown: its last four characters behind asterisks, or empty.
pub fn masked_id(t: &Talent) -> String {
    t.id_tail
        .as_deref()
        .map(|tail| format!("{}{tail}", "*".repeat(14)))
        .unwrap_or_default()
}

/// The age shown instead of the birth year on lists (in whole years at the end of `year`).
pub fn age(t: &Talent, year: i64) -> i64 {
    year - t.birth_year
}

/// One talent's record, read by `r` and recorded as `talent.read`.
pub async fn show(store: &Store, r: &Reader, code: &str) -> Result<Talent, TalentError> {
    let t = store
        .talent(&r.scope, code.trim())
        .await?
        .ok_or(TalentError::NotFound)?;
    audit::record(
        store,
        &r.who,
        "talent.read",
        Some(&t.park),
        &t.code,
        json!({"fields": "人才档案"}),
    )
    .await?;
    Ok(t)
}

/// The talents `r` may read matching `f`, recorded as one `talent.list` event.
pub async fn list(store: &Store, r: &Reader, f: &TalentFilter) -> Result<Vec<Talent>, TalentError> {
    let v = store.talents(&r.scope, f).await?;
    audit::record(
        store,
        &r.who,
        "talent.list",
        r.park().as_deref().or(f.park.as_deref()),
        "人才名单",
        json!({"rows": v.len(), "filter": filter_json(f)}),
    )
    .await?;
    Ok(v)
}

pub(crate) fn filter_json(f: &TalentFilter) -> serde_json::Value {
    json!({
        "park": f.park, "field": f.field, "status": f.status,
        "employer": f.employer_uscc, "arrival_year": f.arrival_year, "q": f.q,
    })
}

/// Longest export reason accepted (characters); the shortest is [`MIN_REASON`].
pub const MAX_REASON: usize = 200;
pub const MIN_REASON: usize = 4;

/// Checks an export's reason: required (at least [`MIN_REASON`] characters) when personal
/// fields are exported.
pub fn export_reason(personal: bool, reason: &str) -> Result<String, TalentError> {
    let r = reason.trim();
    let n = r.chars().count();
    if personal && n < MIN_REASON {
        return Err(TalentError::Invalid(format!(
            "导出个人信息须填写用途（至少{MIN_REASON}个字），将记入审计日志"
        )));
    }
    if n > MAX_REASON {
        return Err(TalentError::Invalid(format!(
            "导出用途过长（{n}字，最多{MAX_REASON}字）"
        )));
    }
    Ok(r.to_string())
}

/// What is held about one talent (个人信息查阅): the record, its service requests and every
/// recorded access to it.
#[derive(Debug, Clone)]
pub struct Held {
    pub talent: Talent,
    pub requests: Vec<gaoxin_store::TalentRequest>,
    pub accesses: Vec<AuditEntry>,
}

/// [`Held`] for the talent `code`, produced by `r` (their park or the talent office) at the
/// talent's request; recorded as `talent.subject_access`.
pub async fn held(store: &Store, r: &Reader, code: &str) -> Result<Held, TalentError> {
    let talent = store
        .talent(&r.scope, code.trim())
        .await?
        .ok_or(TalentError::NotFound)?;
    let requests = store.talent_requests(&r.scope, Some(&talent.code)).await?;
    let accesses = store
        .audit_entries(
            &Scope::Zone,
            &AuditFilter {
                subject: Some(talent.code.clone()),
                ..Default::default()
            },
            500,
            0,
        )
        .await?;
    audit::record(
        store,
        &r.who,
        "talent.subject_access",
        Some(&talent.park),
        &talent.code,
        json!({"accesses": accesses.len()}),
    )
    .await?;
    Ok(Held {
        talent,
        requests,
        accesses,
    })
}

#[cfg(test)]
mod tests;
