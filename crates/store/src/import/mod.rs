//! Writing the panel: one transaction per import, batched multi-row upserts keyed by
//! (credit code, year), with counts of what was inserted, updated and left unchanged.
//!
//! Unchanged rows are recognised by a content hash kept in `row_hash`, so re-importing the same
//! file writes nothing and reports every row as unchanged.
//!
//! Two ways in: [`ImportTx::write_enterprises`] / [`ImportTx::write_facts`] write whole rows (the
//! demo loader, fixtures), while [`ImportTx::write_patches`] merges what a file says into what is
//! stored — a column the file does not have, or a blank cell, leaves the stored value; only an
//! explicit [`Touch::Clear`] removes one — and records every changed field (old → new).
//!
//! Submodules: [`patch`] (patches and changes), [`sql`] (row hashes and upsert text), [`moves`]
//! (park moves).
mod moves;
mod patch;
mod sql;

pub use moves::{MoveError, ParkMove, unix_now};
pub use patch::{Change, ChangeWhat, FactsPatch, FirmPatch, IdentityField, Touch};
use patch::{fact_changes, identity_changes};
pub(crate) use sql::placeholders;
use sql::{
    ENT_UPSERT_COLS, SQLITE_MAX_VARS, enterprise_hash, enterprise_text_columns,
    enterprise_upsert_sql, facts_hash, facts_upsert_sql,
};

use crate::db::{Backend, Error, Store};
use crate::read::{decode_enterprise, decode_facts, ent_select, fact_columns};
use gaoxin_model::{Enterprise, Facts, N_FIELDS, Uscc, Year};
use sqlx::AssertSqlSafe;
use sqlx::{Any, Row, Transaction};
use std::collections::HashMap;

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub facts_inserted: u64,
    pub facts_updated: u64,
    pub facts_unchanged: u64,
    pub enterprises_inserted: u64,
    pub enterprises_updated: u64,
    pub enterprises_unchanged: u64,
    /// Fields (identity, fact values and fact sources) that an import changed on rows already
    /// stored; the first [`MAX_LISTED_CHANGES`] are listed in [`ImportTx::changes`].
    pub fields_changed: u64,
}

/// How many changes an import keeps in full (all are counted).
pub const MAX_LISTED_CHANGES: usize = 1_000;

/// An open import: everything written through it becomes visible at [`ImportTx::commit`], or not at all.
pub struct ImportTx {
    tx: Transaction<'static, Any>,
    backend: Backend,
    counts: ImportCounts,
    changes: Vec<Change>,
}

impl Store {
    pub async fn begin_import(&self) -> Result<ImportTx, Error> {
        Ok(ImportTx {
            // SQLite: take the write lock at BEGIN, so two concurrent imports wait for each other
            // (busy_timeout) instead of failing when a reader tries to become a writer.
            tx: match self.backend() {
                Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
                Backend::Postgres => self.pool.begin().await?,
            },
            backend: self.backend(),
            counts: ImportCounts::default(),
            changes: Vec::new(),
        })
    }
}

impl ImportTx {
    /// Upserts a batch of enterprises (identity) — any size; split internally.
    pub async fn write_enterprises(&mut self, es: &[Enterprise]) -> Result<(), Error> {
        let per = SQLITE_MAX_VARS / ENT_UPSERT_COLS;
        for chunk in es.chunks(per) {
            let existing = self
                .existing_hashes(
                    "enterprises",
                    "uscc",
                    chunk.iter().map(|e| e.uscc.as_str()),
                    None,
                )
                .await?;
            let mut todo = Vec::with_capacity(chunk.len());
            for e in chunk {
                let h = enterprise_hash(e);
                match existing.get(&(e.uscc.as_str().to_string(), 0)) {
                    Some(old) if *old == h => self.counts.enterprises_unchanged += 1,
                    Some(_) => {
                        self.counts.enterprises_updated += 1;
                        todo.push((e, h));
                    }
                    None => {
                        self.counts.enterprises_inserted += 1;
                        todo.push((e, h));
                    }
                }
            }
            if todo.is_empty() {
                continue;
            }
            let rows: Vec<(&Enterprise, i64)> = todo;
            self.upsert_enterprises(&rows).await?;
        }
        Ok(())
    }

    /// Upserts a batch of enterprise-year facts — any size; split internally.
    pub async fn write_facts(&mut self, fs: &[Facts]) -> Result<(), Error> {
        let cols = N_FIELDS + 4;
        let per = SQLITE_MAX_VARS / cols;
        for chunk in fs.chunks(per) {
            let years: Vec<i64> = {
                let mut y: Vec<i64> = chunk.iter().map(|f| f.year.get() as i64).collect();
                y.sort_unstable();
                y.dedup();
                y
            };
            let existing = self
                .existing_hashes(
                    "facts",
                    "uscc",
                    chunk.iter().map(|f| f.uscc.as_str()),
                    Some(&years),
                )
                .await?;
            let mut todo = Vec::with_capacity(chunk.len());
            for f in chunk {
                let prov = f.provenance_text();
                let h = facts_hash(f, &prov);
                match existing.get(&(f.uscc.as_str().to_string(), f.year.get() as i64)) {
                    Some(old) if *old == h => self.counts.facts_unchanged += 1,
                    Some(_) => {
                        self.counts.facts_updated += 1;
                        todo.push((f, h, prov));
                    }
                    None => {
                        self.counts.facts_inserted += 1;
                        todo.push((f, h, prov));
                    }
                }
            }
            if todo.is_empty() {
                continue;
            }
            self.upsert_facts(todo).await?;
            self.update_latest_year(chunk.iter().map(|f| f.uscc.as_str()))
                .await?;
        }
        Ok(())
    }

    /// Keeps `enterprises.latest_year` in step with the facts just written.
    async fn update_latest_year<'a>(
        &mut self,
        codes: impl Iterator<Item = &'a str>,
    ) -> Result<(), Error> {
        let mut codes: Vec<&str> = codes.collect();
        codes.sort_unstable();
        codes.dedup();
        let list: Vec<String> = (1..=codes.len())
            .map(|i| {
                if self.backend == Backend::Sqlite {
                    "?".to_string()
                } else {
                    format!("${i}")
                }
            })
            .collect();
        let sql = format!(
            "UPDATE enterprises SET latest_year = (SELECT MAX(f.year) FROM facts f WHERE f.uscc = enterprises.uscc) \
             WHERE uscc IN ({})",
            list.join(",")
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for c in codes {
            q = q.bind(c.to_string());
        }
        q.execute(&mut *self.tx).await?;
        Ok(())
    }

    async fn existing_hashes<'a>(
        &mut self,
        table: &str,
        key: &str,
        codes: impl Iterator<Item = &'a str>,
        years: Option<&[i64]>,
    ) -> Result<HashMap<(String, i64), i64>, Error> {
        let mut codes: Vec<&str> = codes.collect();
        codes.sort_unstable();
        codes.dedup();
        let mut out = HashMap::new();
        if codes.is_empty() {
            return Ok(out);
        }
        let ph = |i: usize| {
            if self.backend == Backend::Sqlite {
                "?".to_string()
            } else {
                format!("${i}")
            }
        };
        let list: Vec<String> = (1..=codes.len()).map(ph).collect();
        let sql = match years {
            Some(ys) => {
                let yl: Vec<String> = (0..ys.len())
                    .map(|i| format!("${}", codes.len() + 1 + i))
                    .collect();
                format!(
                    "SELECT {key}, year, row_hash FROM {table} WHERE {key} IN ({}) AND year IN ({})",
                    list.join(","),
                    yl.join(",")
                )
            }
            None => format!(
                "SELECT {key}, 0, row_hash FROM {table} WHERE {key} IN ({})",
                list.join(",")
            ),
        };
        let mut q = sqlx::query(AssertSqlSafe(sql.clone()));
        for c in &codes {
            q = q.bind(c.to_string());
        }
        for y in years.unwrap_or(&[]) {
            q = q.bind(*y);
        }
        for r in q.fetch_all(&mut *self.tx).await? {
            let year: i64 = match r.try_get::<i64, _>(1) {
                Ok(v) => v,
                Err(_) => r.try_get::<i32, _>(1)? as i64,
            };
            out.insert((r.try_get::<String, _>(0)?, year), r.try_get::<i64, _>(2)?);
        }
        Ok(out)
    }

    pub fn counts(&self) -> ImportCounts {
        self.counts
    }

    /// One multi-row upsert of whole enterprise rows with their hashes.
    async fn upsert_enterprises(&mut self, rows: &[(&Enterprise, i64)]) -> Result<(), Error> {
        for chunk in rows.chunks(SQLITE_MAX_VARS / ENT_UPSERT_COLS) {
            let sql = enterprise_upsert_sql(chunk.len(), self.backend);
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (e, h) in chunk {
                let [
                    name,
                    park,
                    industry,
                    sector,
                    tech_field,
                    listing,
                    clusters,
                    tracks,
                ] = enterprise_text_columns(e);
                q = q
                    .bind(e.uscc.as_str().to_string())
                    .bind(name)
                    .bind(park)
                    .bind(industry)
                    .bind(sector)
                    .bind(if tech_field.is_empty() {
                        None
                    } else {
                        Some(tech_field)
                    })
                    .bind(listing)
                    .bind(clusters)
                    .bind(tracks)
                    .bind(e.founded.to_int())
                    .bind(e.synthetic as i64)
                    .bind(*h)
                    .bind(gaoxin_model::name_order::sort_key(&e.name));
            }
            q.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// One multi-row upsert of whole firm-year rows (at most `SQLITE_MAX_VARS / (N_FIELDS + 4)`).
    async fn upsert_facts(&mut self, todo: Vec<(&Facts, i64, String)>) -> Result<(), Error> {
        if todo.is_empty() {
            return Ok(());
        }
        let sql = facts_upsert_sql(todo.len(), self.backend);
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (f, h, prov) in todo {
            q = q
                .bind(f.uscc.as_str().to_string())
                .bind(f.year.get() as i64);
            for v in f.values {
                q = q.bind(v);
            }
            q = q.bind(prov).bind(h);
        }
        q.execute(&mut *self.tx).await?;
        Ok(())
    }

    fn placeholder_list(&self, from: usize, n: usize) -> String {
        (from..from + n)
            .map(|i| {
                if self.backend == Backend::Sqlite {
                    "?".to_string()
                } else {
                    format!("${i}")
                }
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The stored firms among `codes` (inside this import's transaction).
    pub async fn existing_firms(
        &mut self,
        codes: &[&str],
    ) -> Result<HashMap<String, Enterprise>, Error> {
        let mut codes = codes.to_vec();
        codes.sort_unstable();
        codes.dedup();
        let mut out = HashMap::new();
        for chunk in codes.chunks(5_000) {
            let sql = format!(
                "SELECT {} FROM enterprises e WHERE e.uscc IN ({})",
                ent_select(),
                self.placeholder_list(1, chunk.len())
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for c in chunk {
                q = q.bind(c.to_string());
            }
            for r in q.fetch_all(&mut *self.tx).await? {
                let e = decode_enterprise(&r, 0)?;
                out.insert(e.uscc.as_str().to_string(), e);
            }
        }
        Ok(out)
    }

    /// The stored firm-years of a chunk of patches.
    async fn existing_facts(
        &mut self,
        chunk: &[FactsPatch],
    ) -> Result<HashMap<(String, i32), Facts>, Error> {
        let mut codes: Vec<&str> = chunk.iter().map(|p| p.facts.uscc.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        let mut years: Vec<i64> = chunk.iter().map(|p| p.facts.year.get() as i64).collect();
        years.sort_unstable();
        years.dedup();
        let sql = format!(
            "SELECT f.uscc, f.year, {}, f.provenance FROM facts f WHERE f.uscc IN ({}) AND f.year IN ({})",
            fact_columns(),
            self.placeholder_list(1, codes.len()),
            self.placeholder_list(1 + codes.len(), years.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for c in &codes {
            q = q.bind(c.to_string());
        }
        for y in &years {
            q = q.bind(*y);
        }
        let mut out = HashMap::new();
        for r in q.fetch_all(&mut *self.tx).await? {
            let f = decode_facts(&r, 0)?;
            out.insert((f.uscc.as_str().to_string(), f.year.get()), f);
        }
        Ok(out)
    }

    fn note(&mut self, uscc: &Uscc, year: Option<Year>, what: ChangeWhat) {
        self.counts.fields_changed += 1;
        if self.changes.len() < MAX_LISTED_CHANGES {
            self.changes.push(Change {
                uscc: uscc.clone(),
                year,
                what,
            });
        }
    }

    /// Merges a batch of a file into what is stored: `firms` (each firm's identity as the file
    /// gives it, once per firm; `known` = [`ImportTx::existing_firms`] of them) and `facts`
    /// (any size). Absent columns, blank cells and the synthetic label keep their stored
    /// values; counts say what was inserted, updated and left unchanged, and every changed field
    /// of a stored row is recorded (old → new). A new firm must have its required identity
    /// (the caller checks; here it is an error). `inspect(i, row)` sees each firm-year that is
    /// written (inserted or changed) as it will be stored, `i` indexing `facts`, so the caller
    /// can check the merged row.
    pub async fn write_patches(
        &mut self,
        firms: &[&FirmPatch],
        known: &HashMap<String, Enterprise>,
        facts: &[FactsPatch],
        inspect: &mut (dyn FnMut(usize, &Facts) + Send),
    ) -> Result<(), Error> {
        let mut rows: Vec<Enterprise> = Vec::new();
        for p in firms {
            match known.get(p.uscc.as_str()) {
                Some(old) => {
                    let new = p.apply(old);
                    if &new == old {
                        self.counts.enterprises_unchanged += 1;
                    } else {
                        self.counts.enterprises_updated += 1;
                        for c in identity_changes(old, &new) {
                            self.note(&p.uscc, None, c);
                        }
                        rows.push(new);
                    }
                }
                None => match p.to_new() {
                    Some(e) => {
                        self.counts.enterprises_inserted += 1;
                        rows.push(e);
                    }
                    None => {
                        return Err(Error::Corrupt(format!(
                            "{}: a new firm without name, park, founding date or industry",
                            p.uscc
                        )));
                    }
                },
            }
        }
        let hashed: Vec<(&Enterprise, i64)> =
            rows.iter().map(|e| (e, enterprise_hash(e))).collect();
        self.upsert_enterprises(&hashed).await?;

        let per = SQLITE_MAX_VARS / (N_FIELDS + 4);
        for (c, chunk) in facts.chunks(per).enumerate() {
            // First the stored rows' hashes: a patch that, read as a whole row (kept cells
            // missing), hashes like the stored row leaves it unchanged — a re-imported export
            // is settled here. Only the others are read back in full and merged.
            let years: Vec<i64> = {
                let mut y: Vec<i64> = chunk.iter().map(|p| p.facts.year.get() as i64).collect();
                y.sort_unstable();
                y.dedup();
                y
            };
            let hashes = self
                .existing_hashes(
                    "facts",
                    "uscc",
                    chunk.iter().map(|p| p.facts.uscc.as_str()),
                    Some(&years),
                )
                .await?;
            let mut settled = vec![false; chunk.len()];
            let mut to_read = Vec::new();
            for (j, p) in chunk.iter().enumerate() {
                let k = (p.facts.uscc.as_str().to_string(), p.facts.year.get() as i64);
                if let Some(h) = hashes.get(&k) {
                    // `p.facts` is the patch read as a whole row: kept and cleared cells are missing.
                    if facts_hash(&p.facts, &p.facts.provenance_text()) == *h {
                        settled[j] = true;
                    } else {
                        to_read.push(p.clone());
                    }
                }
            }
            let old = if to_read.is_empty() {
                HashMap::new()
            } else {
                self.existing_facts(&to_read).await?
            };
            // New rows are the patch's own facts (no copy); changed rows are merged copies.
            let mut updated: Vec<Facts> = Vec::new();
            let mut inserted: Vec<usize> = Vec::new();
            for (j, p) in chunk.iter().enumerate() {
                let i = c * per + j;
                if settled[j] {
                    self.counts.facts_unchanged += 1;
                    continue;
                }
                let k = (p.facts.uscc.as_str().to_string(), p.facts.year.get());
                match old.get(&k) {
                    Some(o) => {
                        let new = p.apply(Some(o));
                        if &new == o {
                            self.counts.facts_unchanged += 1;
                        } else {
                            self.counts.facts_updated += 1;
                            for c in fact_changes(o, &new) {
                                self.note(&new.uscc, Some(new.year), c);
                            }
                            inspect(i, &new);
                            updated.push(new);
                        }
                    }
                    None => {
                        self.counts.facts_inserted += 1;
                        inspect(i, &p.facts);
                        inserted.push(j);
                    }
                }
            }
            let merged: Vec<&Facts> = inserted
                .iter()
                .map(|j| &chunk[*j].facts)
                .chain(updated.iter())
                .collect();
            if merged.is_empty() {
                continue;
            }
            let todo: Vec<(&Facts, i64, String)> = merged
                .iter()
                .map(|f| {
                    let prov = f.provenance_text();
                    (*f, facts_hash(f, &prov), prov)
                })
                .collect();
            self.upsert_facts(todo).await?;
            self.update_latest_year(merged.iter().map(|f| f.uscc.as_str()))
                .await?;
        }
        Ok(())
    }

    /// The changes recorded so far (the first [`MAX_LISTED_CHANGES`]; all are counted).
    pub fn changes(&self) -> &[Change] {
        &self.changes
    }

    /// Appends `e` to the audit trail inside this import's transaction: the entry is committed
    /// with the import, or not at all.
    pub async fn audit(&mut self, e: &crate::AuditEvent) -> Result<(), Error> {
        crate::audit::audit_query(e).execute(&mut *self.tx).await?;
        Ok(())
    }

    /// Makes the import visible; returns the counts and the listed changes.
    pub async fn commit_with_changes(self) -> Result<(ImportCounts, Vec<Change>), Error> {
        self.tx.commit().await?;
        Ok((self.counts, self.changes))
    }

    /// Makes the import visible.
    pub async fn commit(self) -> Result<ImportCounts, Error> {
        self.tx.commit().await?;
        Ok(self.counts)
    }

    /// Discards everything written through this import.
    pub async fn rollback(self) -> Result<(), Error> {
        self.tx.rollback().await?;
        Ok(())
    }
}
