//! 科技金融: the loan-demand list (科技企业贷款需求清单), banks' responses and 创新积分贷 outcomes.
//!
//! A firm declares a need ([`Store::declare_demand`]: the firm's user, or staff whose scope holds
//! the firm). The zone publishes an edition ([`Store::publish_edition`]): the open demands declared
//! on or before its date. A bank reads an edition only through [`Store::bank_edition`], which
//! lists exactly the firms holding a consent in force for that bank — the same consent a firm
//! grants for its innovation points (see `consent`: one consent lets a bank read the firm's points
//! and its loan demands, decided so a firm manages one list of banks; documented in the consent
//! form) — and logs one access per firm shown in `consent_access_log`, like a points read. A bank
//! records a response ([`Store::bank_respond`]) or a 创新积分贷 outcome
//! ([`Store::record_points_loan`]) only for a firm whose consent is in force, checked and logged by
//! [`Store::bank_scope`]; anything else is `None` (the caller's 404).
use crate::Bank;
use crate::consent::random_hex;
use crate::db::{Error, Store};
use crate::scope::Scope;
use gaoxin_model::Uscc;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A `WHERE` clause: the scope's condition on `enterprises e` and more conditions, each with one
/// text bind (`$?` in a template becomes the next placeholder).
pub(crate) struct Where {
    sql: Vec<String>,
    binds: Vec<String>,
}

impl Where {
    pub(crate) fn new(scope: &Scope) -> Where {
        let (c, b) = scope.condition(1);
        Where {
            sql: vec![c],
            binds: b.into_iter().collect(),
        }
    }
    pub(crate) fn add(&mut self, tmpl: &str, v: String) {
        let n = self.binds.len() + 1;
        self.sql.push(tmpl.replace("$?", &format!("${n}")));
        self.binds.push(v);
    }
    pub(crate) fn clause(&self) -> String {
        self.sql.join(" AND ")
    }
    pub(crate) fn bind<'q>(
        &self,
        mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
        for b in &self.binds {
            q = q.bind(b.clone());
        }
        q
    }
}

pub(crate) fn get_i64(r: &AnyRow, i: usize) -> Result<i64, sqlx::Error> {
    r.try_get::<i64, _>(i)
        .or_else(|_| r.try_get::<i32, _>(i).map(i64::from))
}

pub(crate) fn get_opt_i64(r: &AnyRow, i: usize) -> Result<Option<i64>, sqlx::Error> {
    r.try_get::<Option<i64>, _>(i)
        .or_else(|_| r.try_get::<Option<i32>, _>(i).map(|v| v.map(i64::from)))
}

/// A declared loan need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanDemand {
    pub id: String,
    pub uscc: String,
    pub firm_name: String,
    pub park: String,
    pub amount_fen: i64,
    pub term_months: i64,
    pub purpose: String,
    pub collateral: String,
    /// yyyymmdd.
    pub declared_on: i64,
    pub declared_by: String,
    pub created_at: i64,
    pub withdrawn_at: Option<i64>,
}

/// What a firm declares (already parsed: positive amount, term 1..=360, date).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDemand {
    pub amount_fen: i64,
    pub term_months: i64,
    pub purpose: String,
    pub collateral: String,
    pub declared_on: i64,
}

/// A published edition of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanEdition {
    pub id: String,
    pub title: String,
    /// yyyymmdd.
    pub published_on: i64,
    pub published_by: String,
    pub created_at: i64,
}

/// A bank's response to a demand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResponseStatus {
    /// 已联系
    Contacted,
    /// 已审批 (approved amount)
    Approved,
    /// 已拒绝 (coded reason)
    Rejected,
    /// 已放款 (amount and date)
    Disbursed,
}

impl ResponseStatus {
    pub const ALL: [ResponseStatus; 4] = [
        ResponseStatus::Contacted,
        ResponseStatus::Approved,
        ResponseStatus::Rejected,
        ResponseStatus::Disbursed,
    ];
    pub fn key(self) -> &'static str {
        match self {
            ResponseStatus::Contacted => "contacted",
            ResponseStatus::Approved => "approved",
            ResponseStatus::Rejected => "rejected",
            ResponseStatus::Disbursed => "disbursed",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            ResponseStatus::Contacted => "已联系",
            ResponseStatus::Approved => "已审批",
            ResponseStatus::Rejected => "已拒绝",
            ResponseStatus::Disbursed => "已放款",
        }
    }
    /// The key or the Chinese word.
    pub fn parse(s: &str) -> Option<ResponseStatus> {
        let s = s.trim();
        Self::ALL.into_iter().find(|x| x.key() == s || x.zh() == s)
    }
}

/// A recorded response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanResponse {
    pub id: String,
    pub demand_id: String,
    pub bank_id: String,
    pub bank_name: String,
    pub status: ResponseStatus,
    pub amount_fen: Option<i64>,
    pub reason_code: Option<String>,
    /// yyyymmdd.
    pub on_date: i64,
    pub note: String,
    pub recorded_at: i64,
}

/// A response to record (parsed by the caller: an amount for approved / disbursed, a reason for
/// rejected).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewResponse {
    pub status: ResponseStatus,
    pub amount_fen: Option<i64>,
    pub reason_code: Option<String>,
    pub on_date: i64,
    pub note: String,
}

/// A 创新积分贷 application outcome with the firm's points when it applied.
#[derive(Debug, Clone, PartialEq)]
pub struct PointsLoan {
    pub id: String,
    pub uscc: String,
    pub park: String,
    pub bank_id: String,
    pub bank_name: String,
    /// yyyymmdd.
    pub applied_on: i64,
    pub points_year: Option<i64>,
    pub points_total: Option<f64>,
    /// pending | approved | rejected
    pub outcome: String,
    pub approved_fen: Option<i64>,
    pub reason_code: Option<String>,
    pub recorded_at: i64,
}

const DEMAND_COLS: &str = "d.id, d.uscc, e.name, e.park, d.amount_fen, d.term_months, d.purpose, d.collateral, \
     d.declared_on, d.declared_by, d.created_at, d.withdrawn_at";

fn decode_demand(r: &AnyRow) -> Result<LoanDemand, Error> {
    Ok(LoanDemand {
        id: r.try_get(0)?,
        uscc: r.try_get(1)?,
        firm_name: r.try_get(2)?,
        park: r.try_get(3)?,
        amount_fen: get_i64(r, 4)?,
        term_months: get_i64(r, 5)?,
        purpose: r.try_get(6)?,
        collateral: r.try_get(7)?,
        declared_on: get_i64(r, 8)?,
        declared_by: r.try_get(9)?,
        created_at: get_i64(r, 10)?,
        withdrawn_at: get_opt_i64(r, 11)?,
    })
}

/// A response id that sorts in recording order (nanoseconds, then randomness), so the latest of
/// several responses recorded within one second is the last one recorded.
fn response_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("lr-{nanos:024}-{}", random_hex(4))
}

const RESPONSE_COLS: &str = "r.id, r.demand_id, r.bank_id, b.name, r.status, r.amount_fen, r.reason_code, r.on_date, r.note, r.recorded_at";

fn decode_response(r: &AnyRow) -> Result<LoanResponse, Error> {
    let status: String = r.try_get(4)?;
    Ok(LoanResponse {
        id: r.try_get(0)?,
        demand_id: r.try_get(1)?,
        bank_id: r.try_get(2)?,
        bank_name: r.try_get(3)?,
        status: ResponseStatus::parse(&status)
            .ok_or_else(|| Error::Corrupt(format!("贷款回应状态 {status}")))?,
        amount_fen: get_opt_i64(r, 5)?,
        reason_code: r.try_get(6)?,
        on_date: get_i64(r, 7)?,
        note: r.try_get(8)?,
        recorded_at: get_i64(r, 9)?,
    })
}

fn decode_edition(r: &AnyRow) -> Result<LoanEdition, Error> {
    Ok(LoanEdition {
        id: r.try_get(0)?,
        title: r.try_get(1)?,
        published_on: get_i64(r, 2)?,
        published_by: r.try_get(3)?,
        created_at: get_i64(r, 4)?,
    })
}

const POINTS_LOAN_COLS: &str = "p.id, p.uscc, e.park, p.bank_id, b.name, p.applied_on, p.points_year, p.points_total, \
     p.outcome, p.approved_fen, p.reason_code, p.recorded_at";

fn decode_points_loan(r: &AnyRow) -> Result<PointsLoan, Error> {
    Ok(PointsLoan {
        id: r.try_get(0)?,
        uscc: r.try_get(1)?,
        park: r.try_get(2)?,
        bank_id: r.try_get(3)?,
        bank_name: r.try_get(4)?,
        applied_on: get_i64(r, 5)?,
        points_year: get_opt_i64(r, 6)?,
        points_total: r.try_get::<Option<f64>, _>(7)?,
        outcome: r.try_get(8)?,
        approved_fen: get_opt_i64(r, 9)?,
        reason_code: r.try_get(10)?,
        recorded_at: get_i64(r, 11)?,
    })
}

impl Store {
    /// Declares a need of `uscc`; `None` when the firm is outside `scope` (or does not exist).
    pub async fn declare_demand(
        &self,
        scope: &Scope,
        uscc: &Uscc,
        d: &NewDemand,
        by: &str,
        now: i64,
    ) -> Result<Option<LoanDemand>, Error> {
        if self.enterprise(scope, uscc).await?.is_none() {
            return Ok(None);
        }
        let id = format!("ld-{}", random_hex(8));
        sqlx::query(
            "INSERT INTO loan_demands (id, uscc, amount_fen, term_months, purpose, collateral, declared_on, declared_by, created_at, withdrawn_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL)",
        )
        .bind(id.clone())
        .bind(uscc.as_str().to_string())
        .bind(d.amount_fen)
        .bind(d.term_months)
        .bind(d.purpose.clone())
        .bind(d.collateral.clone())
        .bind(d.declared_on)
        .bind(by.to_string())
        .bind(now)
        .execute(&self.pool)
        .await?;
        self.demand(scope, &id).await
    }

    /// Withdraws a demand in scope; false when not found, out of scope or already withdrawn.
    pub async fn withdraw_demand(&self, scope: &Scope, id: &str, now: i64) -> Result<bool, Error> {
        if self.demand(scope, id).await?.is_none() {
            return Ok(false);
        }
        let done = sqlx::query(
            "UPDATE loan_demands SET withdrawn_at = $1 WHERE id = $2 AND withdrawn_at IS NULL",
        )
        .bind(now)
        .bind(id.to_string())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// One demand, if in scope.
    pub async fn demand(&self, scope: &Scope, id: &str) -> Result<Option<LoanDemand>, Error> {
        let mut w = Where::new(scope);
        w.add("d.id = $?", id.to_string());
        let sql = format!(
            "SELECT {DEMAND_COLS} FROM loan_demands d JOIN enterprises e ON e.uscc = d.uscc WHERE {}",
            w.clause()
        );
        match w
            .bind(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .fetch_optional(&self.pool)
            .await?
        {
            Some(r) => Ok(Some(decode_demand(&r)?)),
            None => Ok(None),
        }
    }

    /// The demands in scope, newest first; only those listed in `edition` when given.
    pub async fn demands(
        &self,
        scope: &Scope,
        edition: Option<&str>,
    ) -> Result<Vec<LoanDemand>, Error> {
        let mut w = Where::new(scope);
        if let Some(ed) = edition {
            w.add(
                "d.id IN (SELECT demand_id FROM loan_edition_items WHERE edition_id = $?)",
                ed.to_string(),
            );
        }
        let sql = format!(
            "SELECT {DEMAND_COLS} FROM loan_demands d JOIN enterprises e ON e.uscc = d.uscc WHERE {} \
             ORDER BY d.declared_on DESC, d.created_at DESC, d.id",
            w.clause()
        );
        w.bind(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(decode_demand)
            .collect()
    }

    /// Publishes an edition dated `published_on` (yyyymmdd) listing every open demand declared
    /// on or before that date. Zone scope only (`None` otherwise).
    pub async fn publish_edition(
        &self,
        scope: &Scope,
        title: &str,
        published_on: i64,
        by: &str,
        now: i64,
    ) -> Result<Option<(LoanEdition, u64)>, Error> {
        if *scope != Scope::Zone {
            return Ok(None);
        }
        let ed = LoanEdition {
            id: format!("ed-{}", random_hex(6)),
            title: title.trim().to_string(),
            published_on,
            published_by: by.to_string(),
            created_at: now,
        };
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO loan_editions (id, title, published_on, published_by, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(ed.id.clone())
        .bind(ed.title.clone())
        .bind(ed.published_on)
        .bind(ed.published_by.clone())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let n = sqlx::query(
            "INSERT INTO loan_edition_items (edition_id, demand_id) \
             SELECT $1, id FROM loan_demands WHERE withdrawn_at IS NULL AND declared_on <= $2",
        )
        .bind(ed.id.clone())
        .bind(published_on)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(Some((ed, n)))
    }

    /// Every published edition, newest first (titles and dates only: no firm data).
    pub async fn editions(&self) -> Result<Vec<LoanEdition>, Error> {
        sqlx::query(
            "SELECT id, title, published_on, published_by, created_at FROM loan_editions ORDER BY published_on DESC, created_at DESC, id",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(decode_edition)
        .collect()
    }

    /// The responses to demands in scope (every bank), oldest first; only demands of `edition`
    /// when given.
    pub async fn loan_responses(
        &self,
        scope: &Scope,
        edition: Option<&str>,
    ) -> Result<Vec<LoanResponse>, Error> {
        let mut w = Where::new(scope);
        if let Some(ed) = edition {
            w.add(
                "d.id IN (SELECT demand_id FROM loan_edition_items WHERE edition_id = $?)",
                ed.to_string(),
            );
        }
        let sql = format!(
            "SELECT {RESPONSE_COLS} FROM loan_responses r JOIN banks b ON b.id = r.bank_id \
             JOIN loan_demands d ON d.id = r.demand_id JOIN enterprises e ON e.uscc = d.uscc \
             WHERE {} ORDER BY r.recorded_at, r.on_date, r.id",
            w.clause()
        );
        w.bind(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(decode_response)
            .collect()
    }

    /// What `bank` sees of an edition at `now`: the listed demands of firms holding a consent in
    /// force for this bank (each firm shown is logged as an access at `path`). `None` when the
    /// edition does not exist.
    pub async fn bank_edition(
        &self,
        bank: &Bank,
        edition: &str,
        path: &str,
        now: i64,
    ) -> Result<Option<Vec<LoanDemand>>, Error> {
        if bank.disabled || !self.editions().await?.iter().any(|e| e.id == edition) {
            return Ok(None);
        }
        let sql = format!(
            "SELECT {DEMAND_COLS} FROM loan_demands d JOIN enterprises e ON e.uscc = d.uscc \
             WHERE d.id IN (SELECT demand_id FROM loan_edition_items WHERE edition_id = $1) \
             AND d.uscc IN (SELECT uscc FROM consents WHERE bank_id = $2 AND revoked_at IS NULL AND expires_at > $3) \
             ORDER BY d.declared_on DESC, d.created_at DESC, d.id"
        );
        let rows: Vec<LoanDemand> = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(edition.to_string())
            .bind(bank.id.clone())
            .bind(now)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(decode_demand)
            .collect::<Result<_, _>>()?;
        let mut firms: Vec<&str> = rows.iter().map(|d| d.uscc.as_str()).collect();
        firms.sort_unstable();
        firms.dedup();
        let mut tx = self.pool.begin().await?;
        for f in firms {
            sqlx::query(
                "INSERT INTO consent_access_log (id, uscc, bank_id, at, path, allowed) VALUES ($1, $2, $3, $4, $5, 1)",
            )
            .bind(format!("log-{}", random_hex(8)))
            .bind(f.to_string())
            .bind(bank.id.clone())
            .bind(now)
            .bind(path.to_string())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Some(rows))
    }

    /// `bank` records a response to demand `demand_id`: only for a demand listed in a published
    /// edition whose firm holds a consent in force for this bank (checked and logged by
    /// [`Store::bank_scope`]); `None` otherwise (unknown, unlisted or no consent alike).
    pub async fn bank_respond(
        &self,
        bank: &Bank,
        demand_id: &str,
        resp: &NewResponse,
        path: &str,
        now: i64,
    ) -> Result<Option<LoanResponse>, Error> {
        let listed = sqlx::query(
            "SELECT d.uscc FROM loan_demands d WHERE d.id = $1 AND d.id IN (SELECT demand_id FROM loan_edition_items)",
        )
        .bind(demand_id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = listed else {
            return Ok(None);
        };
        let uscc: String = row.try_get(0)?;
        let Ok(uscc) = Uscc::parse(&uscc) else {
            return Err(Error::Corrupt(format!(
                "贷款需求 {demand_id} 的企业代码 {uscc}"
            )));
        };
        if self.bank_scope(bank, &uscc, path, now).await?.is_none() {
            return Ok(None);
        }
        let id = response_id();
        sqlx::query(
            "INSERT INTO loan_responses (id, demand_id, bank_id, status, amount_fen, reason_code, on_date, note, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id.clone())
        .bind(demand_id.to_string())
        .bind(bank.id.clone())
        .bind(resp.status.key())
        .bind(resp.amount_fen)
        .bind(resp.reason_code.clone())
        .bind(resp.on_date)
        .bind(resp.note.clone())
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(Some(LoanResponse {
            id,
            demand_id: demand_id.to_string(),
            bank_id: bank.id.clone(),
            bank_name: bank.name.clone(),
            status: resp.status,
            amount_fen: resp.amount_fen,
            reason_code: resp.reason_code.clone(),
            on_date: resp.on_date,
            note: resp.note.clone(),
            recorded_at: now,
        }))
    }

    /// `bank` records a 创新积分贷 outcome for `uscc` (consent checked and logged by
    /// [`Store::bank_scope`]; `None` without one). The firm's points when it applied are kept
    /// with it: the stored points of the latest year not after the application's year.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_points_loan(
        &self,
        bank: &Bank,
        uscc: &Uscc,
        applied_on: i64,
        outcome: &str,
        approved_fen: Option<i64>,
        reason_code: Option<&str>,
        path: &str,
        now: i64,
    ) -> Result<Option<PointsLoan>, Error> {
        let Some(scope) = self.bank_scope(bank, uscc, path, now).await? else {
            return Ok(None);
        };
        let Some(firm) = self.enterprise(&scope, uscc).await? else {
            return Ok(None);
        };
        let year = applied_on / 10_000;
        let pts = self
            .points_of(&scope, uscc)
            .await?
            .into_iter()
            .filter(|p| i64::from(p.year.get()) <= year)
            .max_by_key(|p| p.year.get());
        let p = PointsLoan {
            id: format!("pl-{}", random_hex(8)),
            uscc: uscc.as_str().to_string(),
            park: firm.park.to_string(),
            bank_id: bank.id.clone(),
            bank_name: bank.name.clone(),
            applied_on,
            points_year: pts.as_ref().map(|p| i64::from(p.year.get())),
            points_total: pts.as_ref().map(|p| p.total),
            outcome: outcome.to_string(),
            approved_fen,
            reason_code: reason_code.map(str::to_string),
            recorded_at: now,
        };
        sqlx::query(
            "INSERT INTO points_loans (id, uscc, bank_id, applied_on, points_year, points_total, outcome, approved_fen, reason_code, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(p.id.clone())
        .bind(p.uscc.clone())
        .bind(p.bank_id.clone())
        .bind(p.applied_on)
        .bind(p.points_year)
        .bind(crate::opt_f64::OptF64(p.points_total))
        .bind(p.outcome.clone())
        .bind(p.approved_fen)
        .bind(p.reason_code.clone())
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(Some(p))
    }

    /// The 创新积分贷 outcomes of firms in scope, oldest application first.
    pub async fn points_loans(&self, scope: &Scope) -> Result<Vec<PointsLoan>, Error> {
        let w = Where::new(scope);
        let sql = format!(
            "SELECT {POINTS_LOAN_COLS} FROM points_loans p JOIN banks b ON b.id = p.bank_id \
             JOIN enterprises e ON e.uscc = p.uscc WHERE {} ORDER BY p.applied_on, p.id",
            w.clause()
        );
        w.bind(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(decode_points_loan)
            .collect()
    }

    /// Declares many needs in one transaction (an import): `Err(i)` (nothing written) when the
    /// firm of row `i` is outside `scope`.
    pub async fn declare_demands(
        &self,
        scope: &Scope,
        rows: &[(Uscc, NewDemand)],
        by: &str,
        now: i64,
    ) -> Result<Result<Vec<String>, usize>, Error> {
        for (i, (u, _)) in rows.iter().enumerate() {
            if self.enterprise(scope, u).await?.is_none() {
                return Ok(Err(i));
            }
        }
        let mut ids = Vec::with_capacity(rows.len());
        let mut tx = self.pool.begin().await?;
        for (u, d) in rows {
            let id = format!("ld-{}", random_hex(8));
            sqlx::query(
                "INSERT INTO loan_demands (id, uscc, amount_fen, term_months, purpose, collateral, declared_on, declared_by, created_at, withdrawn_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL)",
            )
            .bind(id.clone())
            .bind(u.as_str().to_string())
            .bind(d.amount_fen)
            .bind(d.term_months)
            .bind(d.purpose.clone())
            .bind(d.collateral.clone())
            .bind(d.declared_on)
            .bind(by.to_string())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            ids.push(id);
        }
        tx.commit().await?;
        Ok(Ok(ids))
    }

    /// Records many banks' responses in one transaction (an import): each demand must be listed
    /// in an edition and its firm hold a consent in force for that bank (each check logged as a
    /// bank access at `path`); `Err(i)` (nothing written) for the first row `i` that fails.
    pub async fn import_responses(
        &self,
        rows: &[(Bank, String, NewResponse)],
        path: &str,
        now: i64,
    ) -> Result<Result<usize, usize>, Error> {
        for (i, (bank, demand_id, _)) in rows.iter().enumerate() {
            let listed = sqlx::query(
                "SELECT d.uscc FROM loan_demands d WHERE d.id = $1 AND d.id IN (SELECT demand_id FROM loan_edition_items)",
            )
            .bind(demand_id.clone())
            .fetch_optional(&self.pool)
            .await?;
            let Some(u) = listed.map(|r| r.try_get::<String, _>(0)).transpose()? else {
                return Ok(Err(i));
            };
            let Ok(u) = Uscc::parse(&u) else {
                return Ok(Err(i));
            };
            if self.bank_scope(bank, &u, path, now).await?.is_none() {
                return Ok(Err(i));
            }
        }
        let mut tx = self.pool.begin().await?;
        for (bank, demand_id, resp) in rows {
            sqlx::query(
                "INSERT INTO loan_responses (id, demand_id, bank_id, status, amount_fen, reason_code, on_date, note, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(response_id())
            .bind(demand_id.clone())
            .bind(bank.id.clone())
            .bind(resp.status.key())
            .bind(resp.amount_fen)
            .bind(resp.reason_code.clone())
            .bind(resp.on_date)
            .bind(resp.note.clone())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Ok(rows.len()))
    }
}
