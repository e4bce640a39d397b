//! Backup, restore and a content digest of the whole database, the same on both backends.
//!
//! The backup is a logical format of our own ("gaoxin-backup", JSON lines), so a SQLite backup
//! restores into PostgreSQL and back:
//!
//! ```text
//! {"gaoxin_backup":1,"schema":9,"source":"sqlite","created_at":1700000000}
//! {"table":"banks","columns":["created_at",…],"types":["int",…]}
//! [1700000000,"bank-1",…]                one JSON array per row; floats as exact text ("0.1")
//! {"end_table":"banks","rows":1}
//! …                                       every table but schema_migrations, by name
//! {"end":{"tables":13,"rows":12345,"sha256":"…"}}   SHA-256 of every byte before this line
//! ```
//!
//! A backup reads every table inside one read transaction (SQLite: one WAL snapshot; PostgreSQL:
//! REPEATABLE READ), so it is consistent while the server keeps writing. A restore first checks the
//! whole file (header, schema version, final checksum), refuses a target that holds any row, and
//! writes everything in one transaction: a truncated or altered file writes nothing.
use crate::db::{Backend, Error, Store};
use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

/// The format's version (the header's `gaoxin_backup`).
pub const BACKUP_FORMAT: i64 = 1;

/// A table's row count and a SHA-256 over its rows, independent of row order and backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDigest {
    pub table: String,
    pub rows: u64,
    /// Hex SHA-256 of the sorted SHA-256 digests of each row's canonical encoding.
    pub sha256: String,
}

/// What a backup or restore wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    /// The schema migration version of the data.
    pub schema: i64,
    /// Each table and its row count.
    pub tables: Vec<(String, u64)>,
}

impl BackupSummary {
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|t| t.1).sum()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ColType {
    Int,
    Float,
    Text,
}

impl ColType {
    fn from_sql(t: &str) -> ColType {
        let t = t.to_ascii_uppercase();
        if t.contains("INT") {
            ColType::Int
        } else if t.contains("DOUBLE") || t.contains("REAL") || t.contains("FLOAT") {
            ColType::Float
        } else {
            ColType::Text
        }
    }
    fn name(self) -> &'static str {
        match self {
            ColType::Int => "int",
            ColType::Float => "float",
            ColType::Text => "text",
        }
    }
    fn parse(s: &str) -> Option<ColType> {
        match s {
            "int" => Some(ColType::Int),
            "float" => Some(ColType::Float),
            "text" => Some(ColType::Text),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Value {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
}

impl Value {
    /// The value in the backup file, as JSON: floats as exact text (`"0.1"`), so every bit survives.
    fn write_json(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        match self {
            Value::Null => out.extend_from_slice(b"null"),
            Value::Int(i) => write!(out, "{i}").map_err(io_err)?,
            Value::Float(f) => write!(out, "\"{f:?}\"").map_err(io_err)?,
            Value::Text(s) => {
                serde_json::to_writer(&mut *out, s).map_err(|e| bad(e.to_string()))?
            }
        }
        Ok(())
    }
    fn from_json(v: &serde_json::Value, t: ColType) -> Option<Value> {
        match (v, t) {
            (serde_json::Value::Null, _) => Some(Value::Null),
            (serde_json::Value::Number(n), ColType::Int) => n.as_i64().map(Value::Int),
            (serde_json::Value::String(s), ColType::Float) => s.parse().ok().map(Value::Float),
            (serde_json::Value::String(s), ColType::Text) => Some(Value::Text(s.clone())),
            _ => None,
        }
    }
    /// A canonical, typed byte encoding for the digest.
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Value::Null => out.push(b'N'),
            Value::Int(i) => {
                out.push(b'I');
                out.extend_from_slice(&i.to_le_bytes());
            }
            Value::Float(f) => {
                out.push(b'F');
                // -0.0 and 0.0 compare equal in SQL; one encoding for both.
                let f = if *f == 0.0 { 0.0 } else { *f };
                out.extend_from_slice(&f.to_bits().to_le_bytes());
            }
            Value::Text(s) => {
                out.push(b'T');
                out.extend_from_slice(&(s.len() as u64).to_le_bytes());
                out.extend_from_slice(s.as_bytes());
            }
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub(crate) name: String,
    columns: Vec<(String, ColType)>,
}

/// Tables ordered so that a table comes after every table it references (by name otherwise), so a
/// restore in file order never inserts a row before the row it refers to. Self-references and
/// cycles (none today) fall back to name order.
pub(crate) fn parents_first(mut tables: Vec<Table>, fks: &[(String, String)]) -> Vec<Table> {
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out: Vec<Table> = Vec::with_capacity(tables.len());
    while !tables.is_empty() {
        let ready = tables
            .iter()
            .position(|t| {
                fks.iter().all(|(child, parent)| {
                    child != &t.name
                        || parent == &t.name
                        || out.iter().any(|o| &o.name == parent)
                        || !tables.iter().any(|x| &x.name == parent)
                })
            })
            .unwrap_or(0);
        out.push(tables.remove(ready));
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn bad(msg: String) -> Error {
    Error::Backup(msg)
}

fn read_value(row: &AnyRow, i: usize, t: ColType, table: &str, col: &str) -> Result<Value, Error> {
    let v = match t {
        ColType::Int => row
            .try_get::<Option<i64>, _>(i)
            .or_else(|_| row.try_get::<Option<i32>, _>(i).map(|v| v.map(i64::from)))
            .map(|v| v.map_or(Value::Null, Value::Int)),
        ColType::Float => row
            .try_get::<Option<f64>, _>(i)
            .map(|v| v.map_or(Value::Null, Value::Float)),
        ColType::Text => row
            .try_get::<Option<String>, _>(i)
            .map(|v| v.map_or(Value::Null, Value::Text)),
    };
    v.map_err(|e| Error::Corrupt(format!("{table}.{col}（应为 {}）：{e}", t.name())))
}

fn select_all(t: &Table) -> String {
    let cols: Vec<&str> = t.columns.iter().map(|c| c.0.as_str()).collect();
    format!("SELECT {} FROM {}", cols.join(", "), t.name)
}

impl Store {
    /// Every data table (all but `schema_migrations`), by name, with its columns in order.
    async fn tables(&self, conn: &mut sqlx::AnyConnection) -> Result<Vec<Table>, Error> {
        let names_sql = match self.backend() {
            Backend::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            }
            Backend::Postgres => {
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1"
            }
        };
        let names: Vec<String> = sqlx::query(names_sql)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<Result<_, _>>()?;
        let mut out = Vec::new();
        for name in names.into_iter().filter(|n| n != "schema_migrations") {
            let cols_sql = match self.backend() {
                Backend::Sqlite => "SELECT name, type FROM pragma_table_info($1) ORDER BY cid",
                Backend::Postgres => {
                    "SELECT column_name::text, data_type::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position"
                }
            };
            let columns = sqlx::query(cols_sql)
                .bind(name.clone())
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|r| {
                    Ok((
                        r.try_get::<String, _>(0)?,
                        ColType::from_sql(&r.try_get::<String, _>(1)?),
                    ))
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?;
            out.push(Table { name, columns });
        }
        Ok(out)
    }

    /// (table, table it references) for every foreign key.
    pub(crate) async fn foreign_keys(
        &self,
        conn: &mut sqlx::AnyConnection,
    ) -> Result<Vec<(String, String)>, Error> {
        let sql = match self.backend() {
            Backend::Sqlite => {
                "SELECT m.name, f.\"table\" FROM sqlite_master m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table'"
            }
            Backend::Postgres => {
                "SELECT cl.relname::text, pr.relname::text FROM pg_constraint c JOIN pg_class cl ON cl.oid = c.conrelid JOIN pg_class pr ON pr.oid = c.confrelid JOIN pg_namespace n ON n.oid = cl.relnamespace WHERE c.contype = 'f' AND n.nspname = current_schema()"
            }
        };
        Ok(sqlx::query(sql)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<String, _>(1)?)))
            .collect::<Result<_, sqlx::Error>>()?)
    }

    /// The highest applied schema migration.
    async fn schema_version(&self, conn: &mut sqlx::AnyConnection) -> Result<i64, Error> {
        let r = sqlx::query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
            .fetch_one(conn)
            .await?;
        Ok(r.try_get::<i64, _>(0)
            .or_else(|_| r.try_get::<i32, _>(0).map(i64::from))?)
    }

    /// Every data table's row count and content hash (rows in any order; the same data give the
    /// same digest on SQLite and PostgreSQL). Read in one transaction.
    pub async fn content_digest(&self) -> Result<Vec<TableDigest>, Error> {
        let mut tx = self.pool.begin().await?;
        if self.backend() == Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await?;
        }
        let tables = self.tables(&mut tx).await?;
        let mut out = Vec::new();
        for t in &tables {
            let mut hashes: Vec<[u8; 32]> = Vec::new();
            let mut buf = Vec::new();
            let mut rows = sqlx::query(AssertSqlSafe(select_all(t))).fetch(&mut *tx);
            while let Some(row) = rows.try_next().await? {
                buf.clear();
                // Columns by name, so the column order of a table does not matter.
                let mut cols: Vec<(usize, &(String, ColType))> =
                    t.columns.iter().enumerate().collect();
                cols.sort_by(|a, b| a.1.0.cmp(&b.1.0));
                for (i, (name, ty)) in cols {
                    buf.extend_from_slice(name.as_bytes());
                    buf.push(0);
                    read_value(&row, i, *ty, &t.name, name)?.encode(&mut buf);
                }
                hashes.push(Sha256::digest(&buf).into());
            }
            drop(rows);
            hashes.sort_unstable();
            let mut h = Sha256::new();
            for x in &hashes {
                h.update(x);
            }
            out.push(TableDigest {
                table: t.name.clone(),
                rows: hashes.len() as u64,
                sha256: hex(&h.finalize()),
            });
        }
        tx.rollback().await?;
        Ok(out)
    }

    /// Writes a consistent backup of every table to `out` (see the module docs for the format).
    pub async fn backup(&self, out: &mut (dyn Write + Send)) -> Result<BackupSummary, Error> {
        let mut w = HashingWriter {
            inner: BufWriter::with_capacity(1 << 20, out),
            hash: Sha256::new(),
        };
        let mut tx = self.pool.begin().await?;
        if self.backend() == Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await?;
        }
        // The first read fixes the snapshot (SQLite WAL); every later read sees the same state.
        let schema = self.schema_version(&mut tx).await?;
        let tables = self.tables(&mut tx).await?;
        let parents = self.foreign_keys(&mut tx).await?;
        let tables = parents_first(tables, &parents);
        let source = match self.backend() {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        };
        let created_at = crate::unix_now();
        w.line(&serde_json::json!({"gaoxin_backup": BACKUP_FORMAT, "schema": schema, "source": source, "created_at": created_at}))?;
        let mut summary = BackupSummary {
            schema,
            tables: Vec::new(),
        };
        for t in &tables {
            w.line(&serde_json::json!({
                "table": t.name,
                "columns": t.columns.iter().map(|c| c.0.clone()).collect::<Vec<_>>(),
                "types": t.columns.iter().map(|c| c.1.name()).collect::<Vec<_>>(),
            }))?;
            let mut n = 0u64;
            let mut buf = Vec::new();
            let mut rows = sqlx::query(AssertSqlSafe(select_all(t))).fetch(&mut *tx);
            while let Some(row) = rows.try_next().await? {
                buf.clear();
                buf.push(b'[');
                for (i, (name, ty)) in t.columns.iter().enumerate() {
                    if i > 0 {
                        buf.push(b',');
                    }
                    read_value(&row, i, *ty, &t.name, name)?.write_json(&mut buf)?;
                }
                buf.extend_from_slice(b"]\n");
                w.raw(&buf)?;
                n += 1;
            }
            drop(rows);
            w.line(&serde_json::json!({"end_table": t.name, "rows": n}))?;
            summary.tables.push((t.name.clone(), n));
        }
        tx.rollback().await?;
        let digest = hex(&w.hash.clone().finalize());
        let end = serde_json::json!({"end": {"tables": summary.tables.len(), "rows": summary.rows(), "sha256": digest}});
        let mut last = serde_json::to_vec(&end).map_err(|e| bad(e.to_string()))?;
        last.push(b'\n');
        w.inner.write_all(&last).map_err(io_err)?;
        w.inner.flush().map_err(io_err)?;
        Ok(summary)
    }

    /// Restores a backup file into this database, which must be empty (no row in any table) and
    /// at the backup's schema version. The file is checked whole before anything is written, and
    /// everything is written in one transaction.
    pub async fn restore(&self, path: &Path) -> Result<BackupSummary, Error> {
        let shown = path.display().to_string();
        let header = verify_file(path)?;
        let (schema, tables) = self.check_empty_target(&shown, header.schema).await?;
        let mut tx = self.pool.begin().await?;
        if self.backend() == Backend::Sqlite {
            // Checked at commit (the file's order already puts referenced tables first).
            sqlx::query("PRAGMA defer_foreign_keys = ON")
                .execute(&mut *tx)
                .await?;
        }
        let summary = self
            .load_file(path, &shown, &tables, &mut tx, schema)
            .await?;
        tx.commit().await?;
        Ok(summary)
    }

    /// The target's schema version and tables, after checking that the backup's schema version is
    /// the same and that no table holds a row (else an error naming those tables).
    pub(crate) async fn check_empty_target(
        &self,
        shown: &str,
        backup_schema: i64,
    ) -> Result<(i64, Vec<Table>), Error> {
        let mut conn = self.pool.acquire().await?;
        let schema = self.schema_version(&mut conn).await?;
        let tables = self.tables(&mut conn).await?;
        drop(conn);
        if backup_schema != schema {
            return Err(bad(format!(
                "备份文件 {shown} 的数据库结构版本为 {backup_schema}，本程序的为 {schema}：请用相同版本的 gaoxin 恢复"
            )));
        }
        let mut nonempty = Vec::new();
        for t in &tables {
            let n = self.count_rows(&t.name).await?;
            if n > 0 {
                nonempty.push(format!("{}（{n} 行）", t.name));
            }
        }
        if !nonempty.is_empty() {
            return Err(bad(format!(
                "目标数据库不是空的，未恢复任何数据：表 {} 中已有数据。请恢复到一个新建的空数据库",
                nonempty.join("、")
            )));
        }
        Ok((schema, tables))
    }

    pub(crate) async fn count_rows(&self, table: &str) -> Result<i64, Error> {
        let r = sqlx::query(AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(&self.pool)
            .await?;
        Ok(r.try_get::<i64, _>(0)
            .or_else(|_| r.try_get::<i32, _>(0).map(i64::from))?)
    }

    async fn load_file(
        &self,
        path: &Path,
        shown: &str,
        tables: &[Table],
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        schema: i64,
    ) -> Result<BackupSummary, Error> {
        let f =
            std::fs::File::open(path).map_err(|e| bad(format!("无法读取备份文件 {shown}：{e}")))?;
        let mut lines = BufReader::with_capacity(1 << 20, f).lines();
        lines.next(); // the header, checked by verify_file
        let mut summary = BackupSummary {
            schema,
            tables: Vec::new(),
        };
        let mut line_no = 1usize;
        let mut next = |line_no: &mut usize| -> Result<serde_json::Value, Error> {
            *line_no += 1;
            let l = lines
                .next()
                .ok_or_else(|| bad(format!("备份文件 {shown} 在第 {line_no} 行意外结束")))?
                .map_err(|e| bad(format!("无法读取备份文件 {shown}：{e}")))?;
            serde_json::from_str(&l)
                .map_err(|e| bad(format!("备份文件 {shown} 第 {line_no} 行无法解析：{e}")))
        };
        loop {
            let v = next(&mut line_no)?;
            if v.get("end").is_some() {
                break;
            }
            let name = v
                .get("table")
                .and_then(|t| t.as_str())
                .ok_or_else(|| bad(format!("备份文件 {shown} 第 {line_no} 行应为表头")))?
                .to_string();
            let target = tables
                .iter()
                .find(|t| t.name == name)
                .ok_or_else(|| bad(format!("备份文件 {shown} 中的表 {name} 在本数据库中不存在")))?;
            let cols = parse_columns(&v, target, shown, line_no)?;
            let mut batch: Vec<Vec<Value>> = Vec::new();
            let per_batch = (8_000 / cols.len().max(1)).max(1);
            let mut n = 0u64;
            loop {
                let v = next(&mut line_no)?;
                match v {
                    serde_json::Value::Array(a) => {
                        if a.len() != cols.len() {
                            return Err(bad(format!(
                                "备份文件 {shown} 第 {line_no} 行（表 {name}）应有 {} 个值，实有 {} 个",
                                cols.len(),
                                a.len()
                            )));
                        }
                        let row = a
                            .iter()
                            .zip(&cols)
                            .map(|(x, c)| {
                                Value::from_json(x, c.1).ok_or_else(|| {
                                    bad(format!(
                                        "备份文件 {shown} 第 {line_no} 行（表 {name}，列 {}）的值类型不符",
                                        c.0
                                    ))
                                })
                            })
                            .collect::<Result<Vec<_>, _>>()?;
                        batch.push(row);
                        n += 1;
                        if batch.len() >= per_batch {
                            self.insert_rows(tx, &name, &cols, &batch).await?;
                            batch.clear();
                        }
                    }
                    v if v.get("end_table").and_then(|t| t.as_str()) == Some(name.as_str()) => {
                        if v.get("rows").and_then(|r| r.as_u64()) != Some(n) {
                            return Err(bad(format!(
                                "备份文件 {shown} 表 {name} 的行数与结尾记录不符"
                            )));
                        }
                        break;
                    }
                    _ => {
                        return Err(bad(format!(
                            "备份文件 {shown} 第 {line_no} 行（表 {name}）格式不对"
                        )));
                    }
                }
            }
            if !batch.is_empty() {
                self.insert_rows(tx, &name, &cols, &batch).await?;
            }
            summary.tables.push((name, n));
        }
        Ok(summary)
    }

    async fn insert_rows(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        table: &str,
        cols: &[(String, ColType)],
        rows: &[Vec<Value>],
    ) -> Result<(), Error> {
        let names: Vec<&str> = cols.iter().map(|c| c.0.as_str()).collect();
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", names.join(", "));
        let mut k = 0usize;
        for (ri, _) in rows.iter().enumerate() {
            if ri > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for ci in 0..cols.len() {
                if ci > 0 {
                    sql.push_str(", ");
                }
                k += 1;
                match self.backend() {
                    // Anonymous parameters: SQLite's `$n` make large statements slow to prepare.
                    Backend::Sqlite => sql.push('?'),
                    Backend::Postgres => sql.push_str(&format!("${k}")),
                }
            }
            sql.push(')');
        }
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for row in rows {
            for (v, c) in row.iter().zip(cols) {
                q = match (v, c.1) {
                    (Value::Null, ColType::Int) => q.bind(None::<i64>),
                    (Value::Null, ColType::Float) => q.bind(crate::opt_f64::OptF64(None)),
                    (Value::Null, ColType::Text) => q.bind(None::<String>),
                    (Value::Int(i), _) => q.bind(*i),
                    (Value::Float(f), _) => q.bind(*f),
                    (Value::Text(s), _) => q.bind(s.clone()),
                };
            }
        }
        q.execute(&mut **tx).await?;
        Ok(())
    }
}

/// The header line of a backup file.
#[derive(Debug)]
struct Header {
    schema: i64,
}

/// Checks a backup file whole before anything is written: its header, and that the final line
/// carries the SHA-256 of every byte before it (a truncated or altered file fails here).
fn verify_file(path: &Path) -> Result<Header, Error> {
    let shown = path.display().to_string();
    let f = std::fs::File::open(path).map_err(|e| bad(format!("无法读取备份文件 {shown}：{e}")))?;
    let mut r = BufReader::with_capacity(1 << 20, f);
    let mut hash = Sha256::new();
    let mut first: Option<Vec<u8>> = None;
    let mut prev: Option<Vec<u8>> = None;
    loop {
        let mut line = Vec::new();
        let n = r
            .read_until(b'\n', &mut line)
            .map_err(|e| bad(format!("无法读取备份文件 {shown}：{e}")))?;
        if n == 0 {
            break;
        }
        if let Some(p) = prev.take() {
            hash.update(&p);
        }
        if first.is_none() {
            first = Some(line.clone());
        }
        prev = Some(line);
    }
    let header: serde_json::Value = first
        .as_deref()
        .and_then(|l| serde_json::from_slice(l).ok())
        .filter(|v: &serde_json::Value| v.get("gaoxin_backup").is_some())
        .ok_or_else(|| bad(format!("{shown} 不是 gaoxin 备份文件（缺少文件头）")))?;
    if header.get("gaoxin_backup").and_then(|v| v.as_i64()) != Some(BACKUP_FORMAT) {
        return Err(bad(format!(
            "备份文件 {shown} 的格式版本不受支持（本程序支持第 {BACKUP_FORMAT} 版）"
        )));
    }
    let truncated = || {
        bad(format!(
            "备份文件 {shown} 不完整或已损坏（结尾校验不符，可能在写入中途被截断），未恢复任何数据"
        ))
    };
    let last = prev.ok_or_else(truncated)?;
    if !last.ends_with(b"\n") {
        return Err(truncated());
    }
    let end: serde_json::Value = serde_json::from_slice(&last).map_err(|_| truncated())?;
    let want = end
        .get("end")
        .and_then(|e| e.get("sha256"))
        .and_then(|s| s.as_str())
        .ok_or_else(truncated)?;
    if want != hex(&hash.finalize()) {
        return Err(truncated());
    }
    let schema = header
        .get("schema")
        .and_then(|v| v.as_i64())
        .ok_or_else(|| bad(format!("备份文件 {shown} 的文件头缺少数据库结构版本")))?;
    Ok(Header { schema })
}

fn parse_columns(
    v: &serde_json::Value,
    target: &Table,
    shown: &str,
    line_no: usize,
) -> Result<Vec<(String, ColType)>, Error> {
    let name = &target.name;
    let cols = v.get("columns").and_then(|c| c.as_array());
    let types = v.get("types").and_then(|c| c.as_array());
    let (Some(cols), Some(types)) = (cols, types) else {
        return Err(bad(format!(
            "备份文件 {shown} 第 {line_no} 行（表 {name}）缺少列名或列类型"
        )));
    };
    if cols.len() != types.len() || cols.len() != target.columns.len() {
        return Err(bad(format!(
            "备份文件 {shown} 中表 {name} 的列与本数据库不一致"
        )));
    }
    let mut out = Vec::new();
    for (c, t) in cols.iter().zip(types) {
        let (Some(c), Some(t)) = (c.as_str(), t.as_str().and_then(ColType::parse)) else {
            return Err(bad(format!(
                "备份文件 {shown} 第 {line_no} 行（表 {name}）的列名或列类型无法解析"
            )));
        };
        match target.columns.iter().find(|x| x.0 == c) {
            Some(x) if x.1 == t => out.push((c.to_string(), t)),
            _ => {
                return Err(bad(format!(
                    "备份文件 {shown} 中表 {name} 的列 {c} 在本数据库中不存在或类型不同"
                )));
            }
        }
    }
    Ok(out)
}

fn io_err(e: std::io::Error) -> Error {
    bad(format!("无法写入备份文件：{e}"))
}

/// Writes lines and hashes every byte written.
struct HashingWriter<W: Write> {
    inner: W,
    hash: Sha256,
}

impl<W: Write> HashingWriter<W> {
    fn line(&mut self, v: &serde_json::Value) -> Result<(), Error> {
        let mut b = serde_json::to_vec(v).map_err(|e| bad(e.to_string()))?;
        b.push(b'\n');
        self.raw(&b)
    }
    /// One whole line, newline included.
    fn raw(&mut self, b: &[u8]) -> Result<(), Error> {
        self.hash.update(b);
        self.inner.write_all(b).map_err(io_err)
    }
}

#[cfg(test)]
mod tests {
    use super::{Table, parents_first};

    fn names(fks: &[(&str, &str)], tables: &[&str]) -> Vec<String> {
        let fks: Vec<(String, String)> = fks
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let ts = tables
            .iter()
            .map(|n| Table {
                name: n.to_string(),
                columns: vec![],
            })
            .collect();
        parents_first(ts, &fks)
            .into_iter()
            .map(|t| t.name)
            .collect()
    }

    async fn with_child_before_parent(store: &crate::Store) {
        for sql in [
            "CREATE TABLE zz_parent (id TEXT PRIMARY KEY)",
            "CREATE TABLE aa_child (id TEXT PRIMARY KEY, parent TEXT NOT NULL REFERENCES zz_parent (id))",
        ] {
            sqlx::query(sql).execute(&store.pool).await.unwrap();
        }
    }

    /// A table whose name sorts before the table it references (as a `sessions` → `users` would)
    /// is restored after it, on both backends (the catalogs' foreign keys are read).
    #[tokio::test]
    async fn referenced_tables_are_restored_first_on_both_backends() {
        for source in crate::testing::all().await.unwrap() {
            with_child_before_parent(&source).await;
            for sql in [
                "INSERT INTO zz_parent (id) VALUES ('p1')",
                "INSERT INTO aa_child (id, parent) VALUES ('c1', 'p1')",
            ] {
                sqlx::query(sql).execute(&source.pool).await.unwrap();
            }
            let path = std::env::temp_dir().join(format!(
                "gx-fk-{}-{:?}.gxbak",
                std::process::id(),
                source.backend()
            ));
            source
                .backup(&mut std::fs::File::create(&path).unwrap())
                .await
                .unwrap();
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(text.find("\"zz_parent\"").unwrap() < text.find("\"aa_child\"").unwrap());
            let target = match source.backend() {
                crate::Backend::Sqlite => crate::testing::sqlite().await.unwrap(),
                crate::Backend::Postgres => crate::testing::postgres().await.unwrap().unwrap(),
            };
            with_child_before_parent(&target).await;
            target.restore(&path).await.unwrap();
            assert_eq!(
                target.content_digest().await.unwrap(),
                source.content_digest().await.unwrap()
            );
        }
    }

    #[test]
    fn a_table_comes_after_the_tables_it_references() {
        assert_eq!(
            names(
                &[
                    ("sessions", "users"),
                    ("facts", "enterprises"),
                    ("a", "b"),
                    ("b", "c")
                ],
                &[
                    "users",
                    "sessions",
                    "facts",
                    "enterprises",
                    "a",
                    "b",
                    "c",
                    "meta"
                ]
            ),
            [
                "c",
                "b",
                "a",
                "enterprises",
                "facts",
                "meta",
                "users",
                "sessions"
            ]
            .map(String::from)
            .to_vec()
        );
        // self-references and cycles do not stop the order
        assert_eq!(
            names(&[("x", "x"), ("p", "q"), ("q", "p")], &["q", "p", "x"]),
            ["x", "p", "q"].map(String::from).to_vec()
        );
    }
}
