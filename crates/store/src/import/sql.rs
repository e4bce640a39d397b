//! Row hashes (unchanged rows write nothing) and the SQL text of the batched multi-row upserts:
//! placeholders per backend, within SQLite's variable limit.
use crate::db::Backend;
use crate::read::ENT_COLS;
use gaoxin_model::{Enterprise, FIELDS, Facts, N_FIELDS};

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

pub(super) fn enterprise_text_columns(e: &Enterprise) -> [String; 8] {
    [
        e.name.clone(),
        e.park.to_string(),
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

pub(super) const SQLITE_MAX_VARS: usize = 30_000;

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

pub(super) fn facts_upsert_sql(rows: usize, backend: Backend) -> String {
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

/// Columns of the enterprise upsert: `ENT_COLS` and the name's pinyin sort key (`name_key`).
pub(super) const ENT_UPSERT_COLS: usize = 13;

pub(super) fn enterprise_upsert_sql(rows: usize, backend: Backend) -> String {
    let set: Vec<String> = ENT_COLS
        .split(", ")
        .chain(["name_key"])
        .skip(1)
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    format!(
        "INSERT INTO enterprises ({ENT_COLS}, name_key) VALUES {} ON CONFLICT (uscc) DO UPDATE SET {}",
        placeholders(rows, ENT_UPSERT_COLS, backend),
        set.join(", ")
    )
}
