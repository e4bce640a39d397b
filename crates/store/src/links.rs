//! Links between firms, and between firms and local universities / institutes (table
//! `cluster_links`, migration 0015): the records the cluster diagnosis counts.
//!
//! Scoped reads: a link is visible in a scope when each of its firm ends is (an institution end is
//! public), so a park administrator sees the links among the park's firms and with institutions,
//! never another park's firms. Writing is all-or-nothing: one transaction per batch of records.
use crate::db::{Error, Store};
use crate::import::placeholders;
use crate::scope::Scope;
use futures_util::TryStreamExt;
use sqlx::{AssertSqlSafe, Row};
use std::collections::HashSet;

/// One link record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRecord {
    /// A firm's credit code (`from_firm`) or an institution's name.
    pub from: String,
    pub from_firm: bool,
    pub to: String,
    pub to_firm: bool,
    /// supply | tech_contract | co_patent | shared_platform (checked by the caller).
    pub kind: String,
    pub year: i32,
    pub source: String,
    pub evidence: String,
    pub synthetic: bool,
}

impl LinkRecord {
    /// The unordered pair: the duplicate check's key with kind and year.
    pub fn pair_key(&self) -> String {
        pair_key(&self.from, &self.to)
    }
}

/// The two parties in ascending order joined by a tab.
pub fn pair_key(a: &str, b: &str) -> String {
    if a <= b {
        format!("{a}\t{b}")
    } else {
        format!("{b}\t{a}")
    }
}

const COLS: usize = 12;

/// `(condition, binds)` keeping the links whose firm ends are all in `scope`, with placeholders
/// from `$first`.
fn visible(scope: &Scope, first: usize) -> (String, Vec<String>) {
    let (c1, b1) = scope.condition(first);
    let (c2, b2) = scope.condition(first + usize::from(b1.is_some()));
    let sql = format!(
        "(l.from_firm = 0 OR EXISTS (SELECT 1 FROM enterprises e WHERE e.uscc = l.from_party AND {c1})) \
         AND (l.to_firm = 0 OR EXISTS (SELECT 1 FROM enterprises e WHERE e.uscc = l.to_party AND {c2}))"
    );
    (sql, b1.into_iter().chain(b2).collect())
}

fn decode(r: &sqlx::any::AnyRow) -> Result<LinkRecord, Error> {
    Ok(LinkRecord {
        from: r.try_get(0)?,
        from_firm: r.try_get::<i64, _>(1)? != 0,
        to: r.try_get(2)?,
        to_firm: r.try_get::<i64, _>(3)? != 0,
        kind: r.try_get(4)?,
        year: i32::try_from(r.try_get::<i64, _>(5)?)
            .map_err(|_| Error::Corrupt("关联记录的年度超出范围".into()))?,
        source: r.try_get(6)?,
        evidence: r.try_get(7)?,
        synthetic: r.try_get::<i64, _>(8)? != 0,
    })
}

impl Store {
    /// Writes `links` in one transaction (every record or none); a record whose pair, kind and year
    /// is already stored is a database error (callers check [`Store::existing_link_keys`] first).
    pub async fn insert_links(
        &self,
        links: &[LinkRecord],
        by: &str,
        at: i64,
    ) -> Result<u64, Error> {
        self.write_links(links, by, at, None).await
    }

    /// [`Store::insert_links`] with the import's audit entry appended in the same transaction.
    pub async fn import_links(
        &self,
        links: &[LinkRecord],
        by: &str,
        at: i64,
        event: &crate::AuditEvent,
    ) -> Result<u64, Error> {
        self.write_links(links, by, at, Some(event)).await
    }

    async fn write_links(
        &self,
        links: &[LinkRecord],
        by: &str,
        at: i64,
        event: Option<&crate::AuditEvent>,
    ) -> Result<u64, Error> {
        let mut tx = self.pool.begin().await?;
        for chunk in links.chunks(500) {
            let sql = format!(
                "INSERT INTO cluster_links (pair_key, kind, year, from_party, from_firm, to_party, to_firm, source, evidence, synthetic, imported_by, imported_at) VALUES {}",
                placeholders(chunk.len(), COLS, self.backend())
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for l in chunk {
                q = q
                    .bind(l.pair_key())
                    .bind(l.kind.clone())
                    .bind(i64::from(l.year))
                    .bind(l.from.clone())
                    .bind(i64::from(l.from_firm))
                    .bind(l.to.clone())
                    .bind(i64::from(l.to_firm))
                    .bind(l.source.clone())
                    .bind(l.evidence.clone())
                    .bind(i64::from(l.synthetic))
                    .bind(by.to_string())
                    .bind(at);
            }
            q.execute(&mut *tx).await?;
        }
        if let Some(e) = event {
            crate::audit::audit_query(e).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(links.len() as u64)
    }

    /// Replaces every synthetic link by `links` (the demo's), in one transaction.
    pub async fn replace_synthetic_links(&self, links: &[LinkRecord]) -> Result<u64, Error> {
        sqlx::query("DELETE FROM cluster_links WHERE synthetic = 1")
            .execute(&self.pool)
            .await?;
        self.insert_links(links, "demo", 0).await
    }

    /// The links visible in `scope` (see the module docs), of one year or all, ordered by year,
    /// kind and pair.
    pub async fn links(&self, scope: &Scope, year: Option<i32>) -> Result<Vec<LinkRecord>, Error> {
        let (cond, mut binds) = visible(scope, 1);
        let mut sql = format!(
            "SELECT l.from_party, l.from_firm, l.to_party, l.to_firm, l.kind, l.year, l.source, l.evidence, l.synthetic FROM cluster_links l WHERE {cond}"
        );
        if let Some(y) = year {
            sql.push_str(&format!(" AND l.year = ${}", binds.len() + 1));
            binds.push(y.to_string());
        }
        sql.push_str(" ORDER BY l.year, l.kind, l.pair_key");
        let mut q = sqlx::query(AssertSqlSafe(sql));
        let n_text = binds.len() - usize::from(year.is_some());
        for b in &binds[..n_text] {
            q = q.bind(b.clone());
        }
        if let Some(y) = year {
            q = q.bind(i64::from(y));
        }
        let mut out = Vec::new();
        let mut rows = q.fetch(&self.pool);
        while let Some(r) = rows.try_next().await? {
            out.push(decode(&r)?);
        }
        Ok(out)
    }

    /// Which of `keys` (pair key, kind, year) are stored, whatever the scope: the duplicate check
    /// of an import (it reveals only that a link the caller names already exists).
    pub async fn existing_link_keys(
        &self,
        keys: &[(String, String, i32)],
    ) -> Result<HashSet<(String, String, i32)>, Error> {
        let mut out = HashSet::new();
        for chunk in keys.chunks(300) {
            let list = placeholders(chunk.len(), 3, self.backend());
            let sql = format!(
                "SELECT pair_key, kind, year FROM cluster_links WHERE (pair_key, kind, year) IN (VALUES {list})"
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (p, k, y) in chunk {
                q = q.bind(p.clone()).bind(k.clone()).bind(i64::from(*y));
            }
            for r in q.fetch_all(&self.pool).await? {
                let y: i64 = r.try_get(2)?;
                out.insert((r.try_get(0)?, r.try_get(1)?, y as i32));
            }
        }
        Ok(out)
    }

    /// Which of `codes` are firms visible in `scope`.
    pub async fn known_firms(
        &self,
        scope: &Scope,
        codes: &[String],
    ) -> Result<HashSet<String>, Error> {
        let mut out = HashSet::new();
        for chunk in codes.chunks(500) {
            let (cond, bind) = scope.condition(1);
            let first = 1 + usize::from(bind.is_some());
            let list: Vec<String> = (0..chunk.len())
                .map(|i| format!("${}", first + i))
                .collect();
            let sql = format!(
                "SELECT e.uscc FROM enterprises e WHERE {cond} AND e.uscc IN ({})",
                list.join(",")
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            if let Some(b) = bind {
                q = q.bind(b);
            }
            for c in chunk {
                q = q.bind(c.clone());
            }
            for r in q.fetch_all(&self.pool).await? {
                out.insert(r.try_get(0)?);
            }
        }
        Ok(out)
    }
}

/// One firm-year as the cluster diagnosis reads it: identity and the few facts it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterFirmRow {
    pub uscc: String,
    pub name: String,
    pub park: String,
    pub industry: String,
    pub clusters: Vec<String>,
    /// The listing key (`Listing::key`).
    pub listing: String,
    pub synthetic: bool,
    pub employees: Option<i64>,
    pub revenue: Option<i64>,
    pub hightech_cert_date: Option<i64>,
    pub techsme_registered: Option<i64>,
    pub gazelle_listed: Option<i64>,
    pub unicorn_listed: Option<i64>,
    pub rd_institution: Option<i64>,
}

impl Store {
    /// The firms in `scope` with a row in `year`, ordered by credit code: only the columns the
    /// cluster diagnosis needs (a narrow read: the diagnosis loads whole years of the zone).
    pub async fn cluster_panel(
        &self,
        scope: &Scope,
        year: i32,
    ) -> Result<Vec<ClusterFirmRow>, Error> {
        let (cond, bind) = scope.condition(1);
        let yn = 1 + usize::from(bind.is_some());
        let sql = format!(
            "SELECT e.uscc, e.name, e.park, e.industry, e.clusters, e.listing, e.synthetic, \
             f.employees, f.revenue, f.hightech_cert_date, f.techsme_registered, f.gazelle_listed, \
             f.unicorn_listed, f.rd_institution \
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
            let tags: String = r.try_get(4)?;
            out.push(ClusterFirmRow {
                uscc: r.try_get(0)?,
                name: r.try_get(1)?,
                park: r.try_get(2)?,
                industry: r.try_get(3)?,
                clusters: tags
                    .split(',')
                    .filter(|t| !t.is_empty())
                    .map(str::to_string)
                    .collect(),
                listing: r.try_get(5)?,
                synthetic: r.try_get::<i64, _>(6)? != 0,
                employees: r.try_get(7)?,
                revenue: r.try_get(8)?,
                hightech_cert_date: r.try_get(9)?,
                techsme_registered: r.try_get(10)?,
                gazelle_listed: r.try_get(11)?,
                unicorn_listed: r.try_get(12)?,
                rd_institution: r.try_get(13)?,
            });
        }
        Ok(out)
    }
}
