//! Talents (人才, issue 19): the talent office's records of persons, their programme memberships,
//! and the tie between a 人才服务直通车 request (an appeal) and its talent (migration 0023).
//!
//! Personal data: a talent's record is read only through a [`Scope`] — the zone (the zone's talent
//! office) every record, a park its own talents', and nobody else any (a firm, a department: none,
//! the same answer as a missing record). Whether a role may read personal records at all is the
//! application's decision (`gaoxin_app::talent::talent_scope`); every read is audited there.
//!
//! Writing is all-or-nothing: an import replaces the named talents' rows and programme lists and
//! appends its audit event in one transaction.
use crate::audit::{AuditEvent, audit_query};
use crate::db::{Error, Store};
use crate::finance::{get_i64, get_opt_i64};
use crate::scope::Scope;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use std::collections::BTreeMap;

/// One programme membership (入选计划).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Programme {
    pub programme: String,
    /// 国家级 | 省级 | 市级 | 区级.
    pub level: String,
    pub year: i64,
    pub source: String,
}

/// A talent as stored (the fewest fields the talent office needs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Talent {
    /// 人才编号 (the import's key).
    pub code: String,
    pub name: String,
    /// 男 | 女.
    pub gender: String,
    pub birth_year: i64,
    pub nationality: String,
    /// 博士 | 硕士 | 学士 | 其他.
    pub degree: String,
    pub field: String,
    pub title: String,
    /// 企业 | 高校 | 科研院所 | 新型研发机构.
    pub employer_kind: String,
    /// The firm's credit code when the employer is a firm.
    pub employer_uscc: Option<String>,
    pub employer_name: String,
    pub park: String,
    pub team: Option<String>,
    /// 负责人 | 成员.
    pub team_role: Option<String>,
    pub top_team: bool,
    /// 紫金山英才卡 level (A | B | C).
    pub card_level: Option<String>,
    pub arrival_year: i64,
    /// 在岗 | 离开.
    pub status: String,
    pub left_year: Option<i64>,
    /// The last four characters of the ID number, if one was given (the number itself is never stored).
    pub id_tail: Option<String>,
    pub source: String,
    pub updated_at: i64,
    pub synthetic: bool,
    pub programmes: Vec<Programme>,
}

/// A talent's service request: the appeal it is and the level it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TalentRequest {
    pub appeal_id: i64,
    pub talent_code: String,
    pub park: String,
    pub card_level: Option<String>,
    pub service: String,
}

/// Which talents a list shows (every field narrows).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TalentFilter {
    pub park: Option<String>,
    pub field: Option<String>,
    pub status: Option<String>,
    pub employer_uscc: Option<String>,
    pub arrival_year: Option<i64>,
    /// Name or code contains.
    pub q: Option<String>,
}

const COLS: &str = "t.code, t.name, t.gender, t.birth_year, t.nationality, t.degree, t.field, t.title, t.employer_kind, t.employer_uscc, t.employer_name, t.park, t.team, t.team_role, t.top_team, t.card_level, t.arrival_year, t.status, t.left_year, t.id_tail, t.source, t.updated_at, t.synthetic";

fn decode(r: &AnyRow) -> Result<Talent, Error> {
    Ok(Talent {
        code: r.try_get(0)?,
        name: r.try_get(1)?,
        gender: r.try_get(2)?,
        birth_year: get_i64(r, 3)?,
        nationality: r.try_get(4)?,
        degree: r.try_get(5)?,
        field: r.try_get(6)?,
        title: r.try_get(7)?,
        employer_kind: r.try_get(8)?,
        employer_uscc: r.try_get(9)?,
        employer_name: r.try_get(10)?,
        park: r.try_get(11)?,
        team: r.try_get(12)?,
        team_role: r.try_get(13)?,
        top_team: get_i64(r, 14)? != 0,
        card_level: r.try_get(15)?,
        arrival_year: get_i64(r, 16)?,
        status: r.try_get(17)?,
        left_year: get_opt_i64(r, 18)?,
        id_tail: r.try_get(19)?,
        source: r.try_get(20)?,
        updated_at: get_i64(r, 21)?,
        synthetic: get_i64(r, 22)? != 0,
        programmes: vec![],
    })
}

enum Bind {
    Text(String),
    Int(i64),
}

/// The WHERE clause over `talents t` of a scope and a filter, with its binds in order.
fn conditions(scope: &Scope, f: &TalentFilter) -> (String, Vec<Bind>) {
    let mut w: Vec<String> = vec![];
    let mut b: Vec<Bind> = vec![];
    let text = |col: &str, v: String, w: &mut Vec<String>, b: &mut Vec<Bind>| {
        b.push(Bind::Text(v));
        w.push(format!("{col} = ${}", b.len()));
    };
    match scope {
        Scope::Zone => {}
        Scope::Park(p) => text("t.park", p.to_string(), &mut w, &mut b),
        Scope::Enterprise(_) | Scope::Department(_) => w.push("1 = 0".into()),
    }
    if let Some(v) = &f.park {
        text("t.park", v.clone(), &mut w, &mut b);
    }
    if let Some(v) = &f.field {
        text("t.field", v.clone(), &mut w, &mut b);
    }
    if let Some(v) = &f.status {
        text("t.status", v.clone(), &mut w, &mut b);
    }
    if let Some(v) = &f.employer_uscc {
        text("t.employer_uscc", v.clone(), &mut w, &mut b);
    }
    if let Some(y) = f.arrival_year {
        b.push(Bind::Int(y));
        w.push(format!("t.arrival_year = ${}", b.len()));
    }
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let mut pat = String::from("%");
        for ch in q.chars() {
            if matches!(ch, '%' | '_' | '\\') {
                pat.push('\\');
            }
            pat.push(ch);
        }
        pat.push('%');
        b.push(Bind::Text(pat));
        let n = b.len();
        w.push(format!(
            "(t.name LIKE ${n} ESCAPE '\\' OR t.code LIKE ${n} ESCAPE '\\')"
        ));
    }
    let clause = if w.is_empty() {
        "1 = 1".to_string()
    } else {
        w.join(" AND ")
    };
    (clause, b)
}

fn bind_all<'q>(
    sql: String,
    binds: &[Bind],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for b in binds {
        q = match b {
            Bind::Text(s) => q.bind(s.clone()),
            Bind::Int(i) => q.bind(*i),
        };
    }
    q
}

type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

async fn write_one(tx: &mut Tx<'_>, t: &Talent) -> Result<(), Error> {
    sqlx::query("DELETE FROM talent_programmes WHERE talent_code = $1")
        .bind(t.code.clone())
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM talents WHERE code = $1")
        .bind(t.code.clone())
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO talents (code, name, gender, birth_year, nationality, degree, field, title, employer_kind, employer_uscc, employer_name, park, team, team_role, top_team, card_level, arrival_year, status, left_year, id_tail, source, updated_at, synthetic) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)",
    )
    .bind(t.code.clone())
    .bind(t.name.clone())
    .bind(t.gender.clone())
    .bind(t.birth_year)
    .bind(t.nationality.clone())
    .bind(t.degree.clone())
    .bind(t.field.clone())
    .bind(t.title.clone())
    .bind(t.employer_kind.clone())
    .bind(t.employer_uscc.clone())
    .bind(t.employer_name.clone())
    .bind(t.park.clone())
    .bind(t.team.clone())
    .bind(t.team_role.clone())
    .bind(i64::from(t.top_team))
    .bind(t.card_level.clone())
    .bind(t.arrival_year)
    .bind(t.status.clone())
    .bind(t.left_year)
    .bind(t.id_tail.clone())
    .bind(t.source.clone())
    .bind(t.updated_at)
    .bind(i64::from(t.synthetic))
    .execute(&mut **tx)
    .await?;
    for p in &t.programmes {
        sqlx::query(
            "INSERT INTO talent_programmes (talent_code, programme, level, year, source) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(t.code.clone())
        .bind(p.programme.clone())
        .bind(p.level.clone())
        .bind(p.year)
        .bind(p.source.clone())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

impl Store {
    /// Writes `talents` (each replacing a stored talent of the same code, with its programmes)
    /// and appends `audit`, in one transaction: all or nothing.
    pub async fn put_talents(&self, talents: &[Talent], audit: &AuditEvent) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        for t in talents {
            write_one(&mut tx, t).await?;
        }
        audit_query(audit).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces every synthetic talent (and their requests' ties) with `talents` (the demo).
    pub async fn replace_synthetic_talents(&self, talents: &[Talent]) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "DELETE FROM talent_programmes WHERE talent_code IN (SELECT code FROM talents WHERE synthetic = 1)",
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM talents WHERE synthetic = 1")
            .execute(&mut *tx)
            .await?;
        for t in talents {
            write_one(&mut tx, t).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The talents in `scope` matching `f`, by code, with their programmes.
    pub async fn talents(&self, scope: &Scope, f: &TalentFilter) -> Result<Vec<Talent>, Error> {
        let (clause, binds) = conditions(scope, f);
        let rows = bind_all(
            format!("SELECT {COLS} FROM talents t WHERE {clause} ORDER BY t.code"),
            &binds,
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<Talent> = rows.iter().map(decode).collect::<Result<_, _>>()?;
        let progs = bind_all(
            format!(
                "SELECT p.talent_code, p.programme, p.level, p.year, p.source FROM talent_programmes p \
                 JOIN talents t ON t.code = p.talent_code WHERE {clause} ORDER BY p.talent_code, p.year, p.programme"
            ),
            &binds,
        )
        .fetch_all(&self.pool)
        .await?;
        let mut by: BTreeMap<String, Vec<Programme>> = BTreeMap::new();
        for r in &progs {
            by.entry(r.try_get(0)?).or_default().push(Programme {
                programme: r.try_get(1)?,
                level: r.try_get(2)?,
                year: get_i64(r, 3)?,
                source: r.try_get(4)?,
            });
        }
        for t in &mut out {
            t.programmes = by.remove(&t.code).unwrap_or_default();
        }
        Ok(out)
    }

    /// One talent in `scope` (`None`: missing or outside the scope — the same answer).
    pub async fn talent(&self, scope: &Scope, code: &str) -> Result<Option<Talent>, Error> {
        let (clause, mut binds) = conditions(scope, &TalentFilter::default());
        binds.push(Bind::Text(code.to_string()));
        let sql = format!(
            "SELECT {COLS} FROM talents t WHERE {clause} AND t.code = ${}",
            binds.len()
        );
        let Some(r) = bind_all(sql, &binds).fetch_optional(&self.pool).await? else {
            return Ok(None);
        };
        let mut t = decode(&r)?;
        let progs = sqlx::query(
            "SELECT programme, level, year, source FROM talent_programmes WHERE talent_code = $1 ORDER BY year, programme",
        )
        .bind(code.to_string())
        .fetch_all(&self.pool)
        .await?;
        t.programmes = progs
            .iter()
            .map(|r| {
                Ok(Programme {
                    programme: r.try_get(0)?,
                    level: r.try_get(1)?,
                    year: get_i64(r, 2)?,
                    source: r.try_get(3)?,
                })
            })
            .collect::<Result<_, Error>>()?;
        Ok(Some(t))
    }

    /// The parks of the stored talents with these codes (any scope: the import's check that a
    /// park administrator does not overwrite another park's talent).
    pub async fn talent_parks(&self, codes: &[String]) -> Result<BTreeMap<String, String>, Error> {
        let mut out = BTreeMap::new();
        for chunk in codes.chunks(500) {
            let ph: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let mut q = sqlx::query(AssertSqlSafe(format!(
                "SELECT code, park FROM talents WHERE code IN ({})",
                ph.join(",")
            )));
            for c in chunk {
                q = q.bind(c.clone());
            }
            for r in q.fetch_all(&self.pool).await? {
                out.insert(r.try_get(0)?, r.try_get(1)?);
            }
        }
        Ok(out)
    }

    /// Ties appeal `r.appeal_id` (already filed) to its talent.
    pub async fn add_talent_request(&self, r: &TalentRequest) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO talent_requests (appeal_id, talent_code, park, card_level, service) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(r.appeal_id)
        .bind(r.talent_code.clone())
        .bind(r.park.clone())
        .bind(r.card_level.clone())
        .bind(r.service.clone())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The service requests in `scope` (zone: all; a park: its talents'; others: none), of one
    /// talent when `code` is given, newest first.
    pub async fn talent_requests(
        &self,
        scope: &Scope,
        code: Option<&str>,
    ) -> Result<Vec<TalentRequest>, Error> {
        let mut w = vec![];
        let mut b = vec![];
        match scope {
            Scope::Zone => {}
            Scope::Park(p) => {
                b.push(Bind::Text(p.to_string()));
                w.push(format!("park = ${}", b.len()));
            }
            Scope::Enterprise(_) | Scope::Department(_) => w.push("1 = 0".to_string()),
        }
        if let Some(c) = code {
            b.push(Bind::Text(c.to_string()));
            w.push(format!("talent_code = ${}", b.len()));
        }
        let clause = if w.is_empty() {
            "1 = 1".into()
        } else {
            w.join(" AND ")
        };
        let rows = bind_all(
            format!("SELECT appeal_id, talent_code, park, card_level, service FROM talent_requests WHERE {clause} ORDER BY appeal_id DESC"),
            &b,
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TalentRequest {
                    appeal_id: get_i64(r, 0)?,
                    talent_code: r.try_get(1)?,
                    park: r.try_get(2)?,
                    card_level: r.try_get(3)?,
                    service: r.try_get(4)?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
