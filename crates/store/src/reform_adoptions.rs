//! Reforms adopted (issue 20): one record per adoption — who adopted which saved reform, from
//! which day, the rule files written and the diff shown before confirming. Append-only; the
//! record and its audit event are written in one transaction. Zone users read them; nobody else.
use crate::audit::{AuditEvent, audit_query};
use crate::db::{Error, Store};
use crate::scope::Scope;
use sqlx::Row;

/// One adoption as stored (`id` is assigned by the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adoption {
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    pub adopter: String,
    pub reform_key: String,
    pub reform_name: String,
    pub author: String,
    pub note: String,
    /// yyyymmdd.
    pub effective_on: i64,
    /// One line per rule file written: `id: old version → new version`.
    pub files: String,
    /// JSON list of the changes shown before confirming.
    pub diff: String,
    pub rules_dir: String,
}

impl Store {
    /// Records an adoption and its audit event in one transaction; returns its id.
    pub async fn record_adoption(&self, a: &Adoption, event: &AuditEvent) -> Result<i64, Error> {
        // the write lock first: the next id is read (see `begin_write`)
        let mut tx = self.begin_write("reform_adoptions").await?;
        let id: i64 = sqlx::query("SELECT COALESCE(MAX(id), 0) + 1 FROM reform_adoptions")
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        sqlx::query(
            "INSERT INTO reform_adoptions (id, at, adopter, reform_key, reform_name, author, note, effective_on, files, diff, rules_dir) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(id)
        .bind(a.at)
        .bind(a.adopter.clone())
        .bind(a.reform_key.clone())
        .bind(a.reform_name.clone())
        .bind(a.author.clone())
        .bind(a.note.clone())
        .bind(a.effective_on)
        .bind(a.files.clone())
        .bind(a.diff.clone())
        .bind(a.rules_dir.clone())
        .execute(&mut *tx)
        .await?;
        audit_query(event).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Every adoption, newest first (zone users only; any other scope reads none).
    pub async fn adoptions(&self, scope: &Scope) -> Result<Vec<Adoption>, Error> {
        if !matches!(scope, Scope::Zone) {
            return Ok(vec![]);
        }
        let rows = sqlx::query(
            "SELECT id, at, adopter, reform_key, reform_name, author, note, effective_on, files, diff, rules_dir FROM reform_adoptions ORDER BY id DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Adoption {
                    id: r.try_get(0)?,
                    at: r.try_get(1)?,
                    adopter: r.try_get(2)?,
                    reform_key: r.try_get(3)?,
                    reform_name: r.try_get(4)?,
                    author: r.try_get(5)?,
                    note: r.try_get(6)?,
                    effective_on: r.try_get(7)?,
                    files: r.try_get(8)?,
                    diff: r.try_get(9)?,
                    rules_dir: r.try_get(10)?,
                })
            })
            .collect()
    }
}
