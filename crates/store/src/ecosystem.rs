//! Reads of the 科技创新生态图谱 (ecosystem graph, issue 17): a narrow firm-year read (identity,
//! park, clusters, tracks and the facts that give the firm's tier) and the registered technology
//! contracts with the result's 完成单位 (the university or institute on the other side). Both
//! take a `Scope`; the graph's own narrowing for a park is done by `gaoxin_app::ecosystem`.
use crate::db::{Error, Store};
use crate::scope::Scope;
use futures_util::TryStreamExt;
use sqlx::{AssertSqlSafe, Row};

/// One firm of a year as the ecosystem graph reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcoFirm {
    pub uscc: String,
    pub name: String,
    pub park: String,
    pub industry: String,
    pub clusters: Vec<String>,
    pub tracks: Vec<String>,
    pub synthetic: bool,
    pub hightech_cert_date: Option<i64>,
    pub techsme_registered: Option<i64>,
    pub gazelle_listed: Option<i64>,
    pub unicorn_listed: Option<i64>,
}

/// A registered technology contract between a firm and a result's 完成单位.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcoContract {
    pub uscc: String,
    /// The result's 完成单位 (a university, an institute, or another unit).
    pub unit: String,
    pub amount_fen: i64,
    /// yyyymmdd.
    pub registered_on: i64,
}

fn split_ids(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

impl Store {
    /// The firms in `scope` with a row in `year`, ordered by credit code.
    pub async fn ecosystem_firms(&self, scope: &Scope, year: i32) -> Result<Vec<EcoFirm>, Error> {
        let (cond, bind) = scope.condition(1);
        let yn = 1 + usize::from(bind.is_some());
        let sql = format!(
            "SELECT e.uscc, e.name, e.park, e.industry, e.clusters, e.tracks, e.synthetic, \
             f.hightech_cert_date, f.techsme_registered, f.gazelle_listed, f.unicorn_listed \
             FROM facts f JOIN enterprises e ON e.uscc = f.uscc WHERE {cond} AND f.year = ${yn} ORDER BY e.uscc"
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        if let Some(b) = bind {
            q = q.bind(b);
        }
        q = q.bind(i64::from(year));
        let mut out = Vec::new();
        let mut rows = q.fetch(&self.pool);
        while let Some(r) = rows.try_next().await? {
            out.push(EcoFirm {
                uscc: r.try_get(0)?,
                name: r.try_get(1)?,
                park: r.try_get(2)?,
                industry: r.try_get(3)?,
                clusters: split_ids(&r.try_get::<String, _>(4)?),
                tracks: split_ids(&r.try_get::<String, _>(5)?),
                synthetic: r.try_get::<i64, _>(6)? != 0,
                hightech_cert_date: r.try_get(7)?,
                techsme_registered: r.try_get(8)?,
                gazelle_listed: r.try_get(9)?,
                unicorn_listed: r.try_get(10)?,
            });
        }
        Ok(out)
    }

    /// A text that changes whenever the data may have changed: the latest finished web import,
    /// stored run or demo load (`data_as_of`) and the latest audit entry (every change, from the
    /// web or the command line, appends one). The key of results kept in memory (the ecosystem
    /// graph's loaded years, the vitality index).
    pub async fn data_version(&self) -> Result<String, Error> {
        let at = self.data_as_of(&Scope::Zone).await?;
        let r = sqlx::query("SELECT MAX(at_us) FROM audit_log")
            .fetch_one(&self.pool)
            .await?;
        let audit: Option<i64> = r.try_get(0)?;
        Ok(format!("{}/{}", at.unwrap_or(0), audit.unwrap_or(0)))
    }

    /// The registered technology contracts of firms in `scope`, with the result's 完成单位.
    pub async fn ecosystem_contracts(&self, scope: &Scope) -> Result<Vec<EcoContract>, Error> {
        let (cond, bind) = scope.condition(1);
        let sql = format!(
            "SELECT k.uscc, r.unit, k.amount_fen, k.registered_on FROM tech_contracts k \
             JOIN tech_cases c ON c.id = k.case_id JOIN tech_results r ON r.id = c.result_id \
             JOIN enterprises e ON e.uscc = k.uscc WHERE {cond} ORDER BY k.registered_on, k.reg_no"
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        if let Some(b) = bind {
            q = q.bind(b);
        }
        let mut out = Vec::new();
        let mut rows = q.fetch(&self.pool);
        while let Some(r) = rows.try_next().await? {
            out.push(EcoContract {
                uscc: r.try_get(0)?,
                unit: r.try_get(1)?,
                amount_fen: r.try_get(2)?,
                registered_on: r.try_get(3)?,
            });
        }
        Ok(out)
    }
}
