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
use crate::db::{Backend, Error, Store};
use crate::read::{decode_enterprise, decode_facts, ent_select, fact_columns};
use gaoxin_model::{
    Date, Enterprise, F, FIELDS, Facts, IndustryCode, Listing, N_FIELDS, Provenance, Sector, Uscc,
    Year,
};
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

/// What one cell of a file does to a stored fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Touch {
    /// The column is absent or the cell blank: the stored value stays.
    #[default]
    Keep,
    /// The cell holds a value (in the patch's `facts`).
    Set,
    /// The cell holds the explicit clearing marker: the stored value is removed.
    Clear,
}

/// One firm-year as a file gives it: the values it sets and what it does to each fact.
#[derive(Debug, Clone)]
pub struct FactsPatch {
    /// The values of the cells marked [`Touch::Set`], with their provenance.
    pub facts: Facts,
    pub touch: [Touch; N_FIELDS],
}

impl FactsPatch {
    pub fn new(uscc: Uscc, year: Year) -> FactsPatch {
        FactsPatch {
            facts: Facts::new(uscc, year),
            touch: [Touch::Keep; N_FIELDS],
        }
    }

    /// The row after the patch: `old` (or an empty row) with the set and cleared facts replaced.
    pub fn apply(&self, old: Option<&Facts>) -> Facts {
        let mut out = match old {
            Some(o) => o.clone(),
            None => Facts::new(self.facts.uscc.clone(), self.facts.year),
        };
        for i in 0..N_FIELDS {
            match self.touch[i] {
                Touch::Keep => {}
                Touch::Set => {
                    out.values[i] = self.facts.values[i];
                    out.provenance[i] = self.facts.provenance[i].clone();
                }
                Touch::Clear => {
                    out.values[i] = None;
                    out.provenance[i] = Provenance::Missing;
                }
            }
        }
        out
    }
}

/// A firm's identity as a file gives it. `None` leaves the stored value (a column the file does
/// not have, or a blank cell); the optional fields can be cleared explicitly (`Some(None)`,
/// `Some(vec![])`, `Some(Listing::Unlisted)`). The synthetic (demo) label is never in a file and
/// never changed by an import.
#[derive(Debug, Clone)]
pub struct FirmPatch {
    pub uscc: Uscc,
    pub name: Option<String>,
    pub park: Option<String>,
    pub founded: Option<Date>,
    pub industry: Option<IndustryCode>,
    pub sector: Option<Sector>,
    pub tech_field: Option<Option<String>>,
    pub listing: Option<Listing>,
    pub clusters: Option<Vec<String>>,
    pub tracks: Option<Vec<String>>,
}

impl FirmPatch {
    pub fn new(uscc: Uscc) -> FirmPatch {
        FirmPatch {
            uscc,
            name: None,
            park: None,
            founded: None,
            industry: None,
            sector: None,
            tech_field: None,
            listing: None,
            clusters: None,
            tracks: None,
        }
    }

    /// A new firm, when the patch holds every required field (name, park, founded, industry).
    pub fn to_new(&self) -> Option<Enterprise> {
        let industry = self.industry.clone()?;
        Some(Enterprise {
            uscc: self.uscc.clone(),
            name: self.name.clone()?,
            park: self.park.clone()?,
            founded: self.founded?,
            sector: self.sector.unwrap_or_else(|| industry.default_sector()),
            industry,
            tech_field: self.tech_field.clone().flatten(),
            listing: self.listing.unwrap_or(Listing::Unlisted),
            clusters: self.clusters.clone().unwrap_or_default(),
            tracks: self.tracks.clone().unwrap_or_default(),
            synthetic: false,
        })
    }

    /// The stored firm with the given fields replaced (its synthetic label kept).
    pub fn apply(&self, old: &Enterprise) -> Enterprise {
        let mut e = old.clone();
        if let Some(v) = &self.name {
            e.name = v.clone();
        }
        if let Some(v) = &self.park {
            e.park = v.clone();
        }
        if let Some(v) = self.founded {
            e.founded = v;
        }
        if let Some(v) = &self.industry {
            e.industry = v.clone();
        }
        if let Some(v) = self.sector {
            e.sector = v;
        }
        if let Some(v) = &self.tech_field {
            e.tech_field = v.clone();
        }
        if let Some(v) = self.listing {
            e.listing = v;
        }
        if let Some(v) = &self.clusters {
            e.clusters = v.clone();
        }
        if let Some(v) = &self.tracks {
            e.tracks = v.clone();
        }
        e
    }
}

/// An identity field, as changes name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityField {
    Name,
    Park,
    Founded,
    Industry,
    Sector,
    TechField,
    Listing,
    Clusters,
    Tracks,
}

/// What changed in one field of a stored row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeWhat {
    /// Park, cluster and track values are ids (callers show names); lists are joined with `、`.
    Identity {
        field: IdentityField,
        old: String,
        new: String,
    },
    Fact {
        field: F,
        old: Option<i64>,
        new: Option<i64>,
    },
    /// Same value, another source.
    Source {
        field: F,
        old: Provenance,
        new: Provenance,
    },
}

/// One changed field of one firm (identity: `year` is `None`) or firm-year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub uscc: Uscc,
    pub year: Option<Year>,
    pub what: ChangeWhat,
}

/// A firm moved from one park to another (`park_moves`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParkMove {
    pub uscc: Uscc,
    /// Unix seconds.
    pub moved_at: i64,
    pub from_park: String,
    pub to_park: String,
    pub actor: String,
    pub reason: String,
}

fn identity_changes(old: &Enterprise, new: &Enterprise) -> Vec<ChangeWhat> {
    let list = |v: &[String]| v.join("、");
    let pairs = [
        (IdentityField::Name, old.name.clone(), new.name.clone()),
        (IdentityField::Park, old.park.clone(), new.park.clone()),
        (
            IdentityField::Founded,
            old.founded.to_string(),
            new.founded.to_string(),
        ),
        (
            IdentityField::Industry,
            old.industry.to_string(),
            new.industry.to_string(),
        ),
        (
            IdentityField::Sector,
            old.sector.zh().to_string(),
            new.sector.zh().to_string(),
        ),
        (
            IdentityField::TechField,
            old.tech_field.clone().unwrap_or_default(),
            new.tech_field.clone().unwrap_or_default(),
        ),
        (
            IdentityField::Listing,
            old.listing.zh().to_string(),
            new.listing.zh().to_string(),
        ),
        (
            IdentityField::Clusters,
            list(&old.clusters),
            list(&new.clusters),
        ),
        (IdentityField::Tracks, list(&old.tracks), list(&new.tracks)),
    ];
    pairs
        .into_iter()
        .filter(|(_, a, b)| a != b)
        .map(|(field, old, new)| ChangeWhat::Identity { field, old, new })
        .collect()
}

fn fact_changes(old: &Facts, new: &Facts) -> Vec<ChangeWhat> {
    let mut v = Vec::new();
    for (i, f) in F::ALL.iter().enumerate() {
        if old.values[i] != new.values[i] {
            v.push(ChangeWhat::Fact {
                field: *f,
                old: old.values[i],
                new: new.values[i],
            });
        } else if old.provenance[i] != new.provenance[i] {
            v.push(ChangeWhat::Source {
                field: *f,
                old: old.provenance[i].clone(),
                new: new.provenance[i].clone(),
            });
        }
    }
    v
}

/// An open import: everything written through it becomes visible at [`ImportTx::commit`], or not at all.
pub struct ImportTx {
    tx: Transaction<'static, Any>,
    backend: Backend,
    counts: ImportCounts,
    changes: Vec<Change>,
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
            changes: Vec::new(),
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
        for chunk in rows.chunks(SQLITE_MAX_VARS / 12) {
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
                    .bind(*h);
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

    /// Records a move of a firm to another park (the caller has written the firm's new park).
    pub async fn record_park_move(&mut self, m: &ParkMove) -> Result<(), Error> {
        insert_park_move(&mut self.tx, self.backend, m).await
    }

    /// The changes recorded so far (the first [`MAX_LISTED_CHANGES`]; all are counted).
    pub fn changes(&self) -> &[Change] {
        &self.changes
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

async fn insert_park_move(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    m: &ParkMove,
) -> Result<(), Error> {
    let _ = backend;
    sqlx::query(
        "INSERT INTO park_moves (uscc, moved_at, from_park, to_park, actor, reason) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(m.uscc.as_str().to_string())
    .bind(m.moved_at)
    .bind(m.from_park.clone())
    .bind(m.to_park.clone())
    .bind(m.actor.clone())
    .bind(m.reason.clone())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Why a park move was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoveError {
    /// No such firm.
    UnknownFirm,
    /// The firm is already in that park.
    SamePark,
    /// A reason is required.
    NoReason,
}

impl std::fmt::Display for MoveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MoveError::UnknownFirm => write!(f, "没有这家企业"),
            MoveError::SamePark => write!(f, "企业已在该园区，无需变更"),
            MoveError::NoReason => write!(f, "请用 --reason 写明变更原因（将记入变更记录）"),
        }
    }
}

impl Store {
    /// A zone administrator's move of a firm to another park: the firm's park changes and the
    /// move (who, when, from, to, why) is recorded in `park_moves`, in one transaction.
    pub async fn move_park(
        &self,
        uscc: &Uscc,
        to_park: &str,
        actor: &str,
        reason: &str,
    ) -> Result<Result<ParkMove, MoveError>, Error> {
        if reason.trim().is_empty() {
            return Ok(Err(MoveError::NoReason));
        }
        let mut tx = self.begin_import().await?;
        let known = tx.existing_firms(&[uscc.as_str()]).await?;
        let Some(old) = known.get(uscc.as_str()) else {
            tx.rollback().await?;
            return Ok(Err(MoveError::UnknownFirm));
        };
        if old.park == to_park {
            tx.rollback().await?;
            return Ok(Err(MoveError::SamePark));
        }
        let mut p = FirmPatch::new(uscc.clone());
        p.park = Some(to_park.to_string());
        tx.write_patches(&[&p], &known, &[], &mut |_, _| {}).await?;
        let m = ParkMove {
            uscc: uscc.clone(),
            moved_at: unix_now(),
            from_park: old.park.clone(),
            to_park: to_park.to_string(),
            actor: actor.to_string(),
            reason: reason.trim().to_string(),
        };
        tx.record_park_move(&m).await?;
        tx.commit().await?;
        Ok(Ok(m))
    }

    /// The recorded park moves of one firm, oldest first (empty when out of scope: a park sees
    /// the moves of the firms now in it).
    pub async fn park_moves(
        &self,
        scope: &crate::Scope,
        uscc: &Uscc,
    ) -> Result<Vec<ParkMove>, Error> {
        if self.enterprise(scope, uscc).await?.is_none() {
            return Ok(vec![]);
        }
        let rows = sqlx::query(
            "SELECT uscc, moved_at, from_park, to_park, actor, reason FROM park_moves WHERE uscc = $1 ORDER BY moved_at, from_park",
        )
        .bind(uscc.as_str().to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ParkMove {
                    uscc: uscc.clone(),
                    moved_at: r
                        .try_get::<i64, _>(1)
                        .or_else(|_| r.try_get::<i32, _>(1).map(i64::from))?,
                    from_park: r.try_get(2)?,
                    to_park: r.try_get(3)?,
                    actor: r.try_get(4)?,
                    reason: r.try_get(5)?,
                })
            })
            .collect()
    }
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code() -> Uscc {
        Uscc::from_body("91320100MA0000001").unwrap()
    }

    #[test]
    fn a_facts_patch_sets_clears_and_keeps() {
        let y = Year::new(2024).unwrap();
        let mut old = Facts::new(code(), y);
        old.set(F::Revenue, Some(100), Provenance::Verified("税务".into()));
        old.set(F::Employees, Some(7), Provenance::Declared);
        old.set(F::IpClass1, Some(3), Provenance::Imputed);
        let mut p = FactsPatch::new(code(), y);
        p.facts.set(F::Revenue, Some(120), Provenance::Declared);
        p.touch[F::Revenue as usize] = Touch::Set;
        p.touch[F::Employees as usize] = Touch::Clear;
        let new = p.apply(Some(&old));
        assert_eq!(new.get(F::Revenue), Some(120));
        assert_eq!(new.prov(F::Revenue), &Provenance::Declared);
        assert_eq!(
            (new.get(F::Employees), new.prov(F::Employees)),
            (None, &Provenance::Missing)
        );
        assert_eq!(
            (new.get(F::IpClass1), new.prov(F::IpClass1)),
            (Some(3), &Provenance::Imputed)
        );
        let changes = fact_changes(&old, &new);
        assert_eq!(changes.len(), 2, "{changes:?}");
        // Without a stored row the patch's own facts are the row.
        assert_eq!(p.apply(None), p.facts);
    }

    #[test]
    fn a_firm_patch_keeps_what_it_does_not_give_and_the_demo_label() {
        let old = Enterprise {
            uscc: code(),
            name: "甲".into(),
            park: "xingang".into(),
            founded: Date::new(2015, 6, 1).unwrap(),
            industry: IndustryCode::parse("C3911").unwrap(),
            sector: Sector::Manufacturing,
            tech_field: Some("电子信息".into()),
            listing: Listing::Neeq,
            clusters: vec!["c05".into()],
            tracks: vec![],
            synthetic: true,
        };
        let mut p = FirmPatch::new(code());
        assert_eq!(p.apply(&old), old);
        assert_eq!(p.to_new(), None, "a new firm needs its identity");
        p.park = Some("jiangbei".into());
        p.tech_field = Some(None);
        let new = p.apply(&old);
        assert!(new.synthetic);
        assert_eq!(
            (new.park.as_str(), new.tech_field.as_deref()),
            ("jiangbei", None)
        );
        assert_eq!(identity_changes(&old, &new).len(), 2);
    }
}
