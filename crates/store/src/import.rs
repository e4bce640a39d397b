//! Writing the panel: one transaction per import, batched multi-row upserts keyed by
//! (credit code, year), with counts of what was inserted, updated and left unchanged.
//!
//! Unchanged rows are recognised by a content hash kept in `row_hash`, so re-importing the same
//! file writes nothing and reports every row as unchanged.
use crate::db::{Backend, Error, Store};
use gaoxin_model::{Enterprise, FIELDS, Facts, N_FIELDS};
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
}

/// An open import: everything written through it becomes visible at [`ImportTx::commit`], or not at all.
pub struct ImportTx {
    tx: Transaction<'static, Any>,
    backend: Backend,
    counts: ImportCounts,
}

fn fnv(h: &mut u64, bytes: &[u8]) {
    for b in bytes {
        *h ^= *b as u64;
        *h = h.wrapping_mul(0x100000001b3);
    }
}

pub(crate) fn facts_hash(f: &Facts, provenance_text: &str) -> i64 {
    let mut h = 0xcbf29ce484222325u64;
    for v in &f.values {
        match v {
            Some(x) => fnv(&mut h, &x.to_le_bytes()),
            None => fnv(&mut h, b"\xff"),
        }
    }
    fnv(&mut h, provenance_text.as_bytes());
    h as i64
}

pub(crate) fn enterprise_hash(e: &Enterprise) -> i64 {
    let mut h = 0xcbf29ce484222325u64;
    for s in enterprise_text_columns(e) {
        fnv(&mut h, s.as_bytes());
        fnv(&mut h, b"\x00");
    }
    fnv(&mut h, &e.founded.to_int().to_le_bytes());
    fnv(&mut h, &[e.synthetic as u8]);
    h as i64
}

/// `,a,b,` so that `LIKE '%,a,%'` finds a tag exactly.
pub(crate) fn tags(v: &[String]) -> String {
    if v.is_empty() {
        String::new()
    } else {
        format!(",{},", v.join(","))
    }
}

fn enterprise_text_columns(e: &Enterprise) -> [String; 8] {
    [
        e.name.clone(),
        e.park.clone(),
        e.industry.as_str().to_string(),
        match e.sector {
            gaoxin_model::Sector::Manufacturing => "manufacturing".into(),
            gaoxin_model::Sector::Services => "services".into(),
        },
        e.tech_field.clone().unwrap_or_default(),
        e.listing.key().to_string(),
        tags(&e.clusters),
        tags(&e.tracks),
    ]
}

const SQLITE_MAX_VARS: usize = 30_000;

/// `(…),(…)` value lists. SQLite gets anonymous `?` parameters: its `$n` parameters are named,
/// and looking names up makes a statement with thousands of them quadratic to prepare.
pub(crate) fn placeholders(rows: usize, cols: usize, backend: Backend) -> String {
    let mut s = String::with_capacity(rows * cols * 5);
    let mut n = 1;
    for r in 0..rows {
        if r > 0 {
            s.push(',');
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push(',');
            }
            if backend == Backend::Sqlite {
                s.push('?');
            } else {
                s.push('$');
                s.push_str(&n.to_string());
            }
            n += 1;
        }
        s.push(')');
    }
    s
}

fn facts_upsert_sql(rows: usize, backend: Backend) -> String {
    let cols: Vec<&str> = FIELDS.iter().map(|f| f.key).collect();
    let set: Vec<String> = cols
        .iter()
        .chain(["provenance", "row_hash"].iter())
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    format!(
        "INSERT INTO facts (uscc, year, {}, provenance, row_hash) VALUES {} ON CONFLICT (uscc, year) DO UPDATE SET {}",
        cols.join(", "),
        placeholders(rows, N_FIELDS + 4, backend),
        set.join(", ")
    )
}

pub(crate) const ENT_COLS: &str = "uscc, name, park, industry, sector, tech_field, listing, clusters, tracks, founded, synthetic, row_hash";

fn enterprise_upsert_sql(rows: usize, backend: Backend) -> String {
    let set: Vec<String> = ENT_COLS
        .split(", ")
        .skip(1)
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    format!(
        "INSERT INTO enterprises ({ENT_COLS}) VALUES {} ON CONFLICT (uscc) DO UPDATE SET {}",
        placeholders(rows, 12, backend),
        set.join(", ")
    )
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
        })
    }
}

impl ImportTx {
    /// Upserts a batch of enterprises (identity) — any size; split internally.
    pub async fn write_enterprises(&mut self, es: &[Enterprise]) -> Result<(), Error> {
        let per = SQLITE_MAX_VARS / 12;
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
            let sql = enterprise_upsert_sql(todo.len(), self.backend);
            let mut q = sqlx::query(AssertSqlSafe(sql.clone()));
            for (e, h) in todo {
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
                    .bind(h);
            }
            q.execute(&mut *self.tx).await?;
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
            self.update_latest_year(chunk).await?;
        }
        Ok(())
    }

    /// Keeps `enterprises.latest_year` in step with the facts just written.
    async fn update_latest_year(&mut self, chunk: &[Facts]) -> Result<(), Error> {
        let mut codes: Vec<&str> = chunk.iter().map(|f| f.uscc.as_str()).collect();
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
