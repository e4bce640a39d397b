//! The backends' own backup files, beside gaoxin's format (`backup`):
//!
//! - SQLite: `VACUUM INTO` through the same pool, while the server runs — the result is a plain,
//!   consistent SQLite database file (checked with `PRAGMA integrity_check`). Restoring one reads
//!   a copy of it (the file itself is never changed) and writes its rows like a gaoxin backup, so it
//!   restores into either backend.
//! - PostgreSQL: `pg_dump --format=custom`; restored with `pg_restore --data-only
//!   --single-transaction` into a PostgreSQL database that gaoxin has migrated (its own schema
//!   version checked against the archive's `schema_migrations`).
//!
//! [`Store::restore_file`] tells the three formats apart by their first bytes.
use crate::backup::{BackupSummary, parents_first};
use crate::db::{Backend, Error, Store};
use sqlx::{AssertSqlSafe, Connection, Row};
use std::path::{Path, PathBuf};

const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";
const PG_MAGIC: &[u8] = b"PGDMP";

fn bad(msg: String) -> Error {
    Error::Backup(msg)
}

/// A PostgreSQL client program: on `PATH`, else the newest `/usr/lib/postgresql/*/bin`.
pub(crate) fn pg_tool(name: &str) -> Result<PathBuf, Error> {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    let mut lib: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.path().join("bin"))
                .collect()
        })
        .unwrap_or_default();
    lib.sort_by_key(|p| {
        std::cmp::Reverse(
            p.parent()
                .and_then(|v| v.file_name())
                .and_then(|v| v.to_str())
                .and_then(|v| v.parse::<u32>().ok())
                .unwrap_or(0),
        )
    });
    on_path
        .into_iter()
        .chain(lib)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            bad(format!(
                "找不到 PostgreSQL 的 {name} 程序（已查找 PATH 和 /usr/lib/postgresql/*/bin）：请安装 PostgreSQL 客户端（Debian: apt-get install postgresql-client），或改用 gaoxin 通用格式（不加 --native）"
            ))
        })
}

/// Runs a program to completion off the async threads; its stderr becomes the error.
async fn run(tool: PathBuf, args: Vec<String>, what: &'static str) -> Result<Vec<u8>, Error> {
    let shown = tool.display().to_string();
    let out = tokio::task::spawn_blocking(move || {
        // A password in a connection URL goes by PGPASSWORD, not on the command line (`ps`).
        let mut env = None;
        let args: Vec<String> = args
            .into_iter()
            .map(|a| match a.strip_prefix("--dbname=") {
                Some(url) => {
                    let (url, pw) = split_password(url);
                    env = pw;
                    format!("--dbname={url}")
                }
                None => a,
            })
            .collect();
        let mut cmd = std::process::Command::new(&tool);
        cmd.args(&args);
        if let Some(pw) = env {
            cmd.env("PGPASSWORD", pw);
        }
        cmd.output()
    })
    .await
    .map_err(|e| bad(format!("{what}失败：{e}")))?
    .map_err(|e| bad(format!("无法运行 {shown}：{e}")))?;
    if !out.status.success() {
        return Err(bad(format!(
            "{what}失败，未写入任何数据（{shown}）：{}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(out.stdout)
}

/// A PostgreSQL URL without its password, and the password (percent-decoded).
fn split_password(url: &str) -> (String, Option<String>) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_string(), None);
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return (url.to_string(), None);
    };
    let Some((user, pw)) = userinfo.split_once(':') else {
        return (url.to_string(), None);
    };
    let bytes = pw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    (
        format!("{scheme}://{user}@{host}{tail}"),
        Some(String::from_utf8_lossy(&out).into_owned()),
    )
}

fn sqlite_path(url: &str) -> &str {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    rest.split_once('?').map_or(rest, |x| x.0)
}

/// `PRAGMA integrity_check` of a SQLite file, opened read-only.
async fn sqlite_integrity(path: &Path) -> Result<(), Error> {
    let shown = path.display().to_string();
    let url = format!("sqlite://{}?mode=ro", path.display());
    let mut conn = sqlx::AnyConnection::connect(&url)
        .await
        .map_err(|e| bad(format!("{shown} 无法作为 SQLite 数据库打开：{e}")))?;
    let rows = sqlx::query("PRAGMA integrity_check")
        .fetch_all(&mut conn)
        .await
        .map_err(|e| bad(format!("SQLite 数据库文件 {shown} 已损坏：{e}")))?;
    conn.close().await.ok();
    let msgs: Vec<String> = rows
        .iter()
        .filter_map(|r| r.try_get::<String, _>(0).ok())
        .collect();
    if msgs != ["ok"] {
        return Err(bad(format!(
            "SQLite 数据库文件 {shown} 已损坏（integrity_check：{}）",
            msgs.join("；")
        )));
    }
    Ok(())
}

/// pg_restore's list (`--list`) with the table data only, `schema_migrations` left out (the target
/// has its own), in the order of `order` (a table after those it references: pg_dump sorts data by
/// name, and the target's foreign keys are in force during a data-only restore).
fn data_list(list: &str, order: &[String]) -> String {
    let table_of = |l: &str| {
        let rest = l.split_once(" TABLE DATA ")?.1;
        let mut w = rest.split_whitespace();
        w.next()?; // schema
        w.next().map(str::to_string)
    };
    let mut data: Vec<(usize, String, &str)> = list
        .lines()
        .filter(|l| !l.trim_start().starts_with(';'))
        .filter_map(|l| {
            table_of(l).map(|t| {
                (
                    order.iter().position(|o| *o == t).unwrap_or(usize::MAX),
                    t,
                    l,
                )
            })
        })
        .filter(|(_, t, _)| t != "schema_migrations")
        .collect();
    data.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    data.iter().map(|(_, _, l)| format!("{l}\n")).collect()
}

fn temp_path(tag: &str) -> PathBuf {
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    std::env::temp_dir().join(format!("gaoxin-restore-{}-{n}-{tag}", std::process::id()))
}

impl Store {
    /// The backend's own backup at `out` (which must not exist): SQLite `VACUUM INTO`, checked
    /// with `PRAGMA integrity_check`; PostgreSQL `pg_dump --format=custom`.
    pub async fn backup_native(&self, out: &Path) -> Result<(), Error> {
        let shown = out.display().to_string();
        match self.backend() {
            Backend::Sqlite => {
                let target = out.display().to_string().replace('\'', "''");
                sqlx::query(AssertSqlSafe(format!("VACUUM INTO '{target}'")))
                    .execute(&self.pool)
                    .await
                    .map_err(|e| bad(format!("无法写入备份文件 {shown}：{e}")))?;
                sqlite_integrity(out).await
            }
            Backend::Postgres => {
                let tool = pg_tool("pg_dump")?;
                let args = vec![
                    "--format=custom".into(),
                    "--no-owner".into(),
                    "--no-privileges".into(),
                    format!("--file={}", out.display()),
                    format!("--dbname={}", self.url()),
                ];
                run(tool, args, "pg_dump 备份").await.map(|_| ())
            }
        }
    }

    /// Restores `path` into this (empty) database, whichever of the three formats it is: a
    /// `gaoxin backup` file, a SQLite database file (e.g. from `--native`) or a pg_dump archive.
    pub async fn restore_file(&self, path: &Path) -> Result<BackupSummary, Error> {
        let shown = path.display().to_string();
        let mut head = [0u8; 16];
        let n = {
            use std::io::Read;
            let mut f = std::fs::File::open(path)
                .map_err(|e| bad(format!("无法读取备份文件 {shown}：{e}")))?;
            f.read(&mut head)
                .map_err(|e| bad(format!("无法读取备份文件 {shown}：{e}")))?
        };
        if head[..n].starts_with(SQLITE_MAGIC) {
            self.restore_sqlite_file(path).await
        } else if head[..n].starts_with(PG_MAGIC) {
            self.restore_pg_dump(path).await
        } else {
            self.restore(path).await
        }
    }

    /// A SQLite database file: a copy is opened (migrated if older), checked, written out in
    /// gaoxin's format and restored from that, so it goes into either backend in one transaction.
    async fn restore_sqlite_file(&self, path: &Path) -> Result<BackupSummary, Error> {
        let shown = path.display().to_string();
        sqlite_integrity(path).await?;
        if self.backend() == Backend::Sqlite
            && std::fs::canonicalize(sqlite_path(self.url())).ok()
                == std::fs::canonicalize(path).ok()
        {
            return Err(bad(format!("不能把数据库 {shown} 恢复到它自己")));
        }
        let copy = temp_path("copy.db");
        let logical = temp_path("logical.gxbak");
        let res = async {
            std::fs::copy(path, &copy)
                .map_err(|e| bad(format!("无法复制备份文件 {shown}：{e}")))?;
            let src = Store::open(&format!("sqlite://{}", copy.display()))
                .await
                .map_err(|e| bad(format!("SQLite 备份文件 {shown} 无法打开：{e}")))?;
            let written = async {
                let mut f = std::fs::File::create(&logical)
                    .map_err(|e| bad(format!("无法创建临时文件：{e}")))?;
                src.backup(&mut f).await
            }
            .await;
            src.close().await;
            written?;
            self.restore(&logical).await
        }
        .await;
        for p in [&copy, &logical] {
            let _ = std::fs::remove_file(p);
        }
        for ext in ["-wal", "-shm"] {
            let mut p = copy.clone().into_os_string();
            p.push(ext);
            let _ = std::fs::remove_file(PathBuf::from(p));
        }
        res
    }

    /// A pg_dump archive into this PostgreSQL database (empty, migrated by gaoxin): its data only,
    /// in one transaction, after checking that its schema version is ours.
    async fn restore_pg_dump(&self, path: &Path) -> Result<BackupSummary, Error> {
        let shown = path.display().to_string();
        if self.backend() != Backend::Postgres {
            return Err(bad(format!(
                "{shown} 是 pg_dump 备份，只能恢复到 PostgreSQL 数据库；若要恢复到 SQLite，请先恢复到 PostgreSQL，再用 gaoxin backup 导出通用格式"
            )));
        }
        let tool = pg_tool("pg_restore")?;
        // The archive's schema version, from its schema_migrations data.
        let script = run(
            tool.clone(),
            vec![
                "--data-only".into(),
                "--table=schema_migrations".into(),
                "--file=-".into(),
                path.display().to_string(),
            ],
            "读取 pg_dump 备份",
        )
        .await?;
        let script = String::from_utf8_lossy(&script);
        let version = script
            .lines()
            .skip_while(|l| !l.starts_with("COPY "))
            .skip(1)
            .take_while(|l| *l != "\\.")
            .filter_map(|l| l.trim().parse::<i64>().ok())
            .max()
            .ok_or_else(|| {
                bad(format!(
                    "{shown} 不是 gaoxin 数据库的 pg_dump 备份（没有 schema_migrations 数据）"
                ))
            })?;
        let (schema, tables) = self.check_empty_target(&shown, version).await?;
        let list = run(
            tool.clone(),
            vec!["--list".into(), path.display().to_string()],
            "读取 pg_dump 备份",
        )
        .await?;
        let fks = {
            let mut conn = self.pool.acquire().await?;
            self.foreign_keys(&mut conn).await?
        };
        let order: Vec<String> = parents_first(tables.clone(), &fks)
            .into_iter()
            .map(|t| t.name)
            .collect();
        let list = data_list(&String::from_utf8_lossy(&list), &order);
        let list_file = temp_path("pg.list");
        std::fs::write(&list_file, list).map_err(|e| bad(format!("无法创建临时文件：{e}")))?;
        let res = run(
            tool,
            vec![
                "--data-only".into(),
                "--single-transaction".into(),
                "--exit-on-error".into(),
                "--no-owner".into(),
                "--no-privileges".into(),
                format!("--use-list={}", list_file.display()),
                format!("--dbname={}", self.url()),
                path.display().to_string(),
            ],
            "pg_restore 恢复",
        )
        .await;
        let _ = std::fs::remove_file(&list_file);
        res?;
        let mut out = BackupSummary {
            schema,
            tables: Vec::new(),
        };
        for t in tables {
            let n = self.count_rows(&t.name).await?;
            out.tables.push((t.name, n as u64));
        }
        Ok(out)
    }
}

impl Store {
    /// SQLite's `PRAGMA integrity_check` of the open database: the problems it lists (empty when
    /// the file is sound). PostgreSQL keeps no such check: empty (its WAL recovery is its own).
    pub async fn integrity_check(&self) -> Result<Vec<String>, Error> {
        if self.backend() != crate::Backend::Sqlite {
            return Ok(vec![]);
        }
        let rows = sqlx::query("PRAGMA integrity_check")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .filter_map(|r| r.try_get::<String, _>(0).ok())
            .filter(|m| m != "ok")
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::{data_list, pg_tool, split_password};

    #[test]
    fn a_password_leaves_the_url() {
        assert_eq!(
            split_password("postgres://gx:s%40cret:x@db.example:5432/gaoxin?sslmode=require"),
            (
                "postgres://gx@db.example:5432/gaoxin?sslmode=require".to_string(),
                Some("s@cret:x".to_string())
            )
        );
        assert_eq!(
            split_password("postgres://postgres@127.0.0.1:5432/db"),
            ("postgres://postgres@127.0.0.1:5432/db".to_string(), None)
        );
        assert_eq!(
            split_password("postgresql://localhost/db"),
            ("postgresql://localhost/db".to_string(), None)
        );
    }

    #[test]
    fn the_restore_list_is_table_data_parents_first_without_schema_migrations() {
        let list = ";\n; Archive created at 2026-12-06\n3; 2615 2200 SCHEMA - public pg_database_owner\n\
            3350; 0 16390 TABLE DATA public aa_child postgres\n\
            3351; 0 16391 TABLE DATA public schema_migrations postgres\n\
            3352; 0 16392 TABLE DATA public zz_parent postgres\n\
            3353; 2606 16393 CONSTRAINT public aa_child aa_child_pkey postgres\n";
        let order = ["zz_parent".to_string(), "aa_child".to_string()];
        assert_eq!(
            data_list(list, &order),
            "3352; 0 16392 TABLE DATA public zz_parent postgres\n3350; 0 16390 TABLE DATA public aa_child postgres\n"
        );
    }

    async fn with_child_before_parent(store: &crate::Store) {
        for sql in [
            "CREATE TABLE zz_parent (id TEXT PRIMARY KEY)",
            "CREATE TABLE aa_child (id TEXT PRIMARY KEY, parent TEXT NOT NULL REFERENCES zz_parent (id))",
        ] {
            sqlx::query(sql).execute(&store.pool).await.unwrap();
        }
    }

    /// pg_dump sorts table data by name; the restore puts a referenced table first.
    #[tokio::test]
    async fn a_pg_dump_restores_referenced_tables_first() {
        let Some(source) = crate::testing::postgres().await.unwrap() else {
            return;
        };
        with_child_before_parent(&source).await;
        for sql in [
            "INSERT INTO zz_parent (id) VALUES ('p1')",
            "INSERT INTO aa_child (id, parent) VALUES ('c1', 'p1')",
        ] {
            sqlx::query(sql).execute(&source.pool).await.unwrap();
        }
        let path = std::env::temp_dir().join(format!("gx-fk-{}.pgdump", std::process::id()));
        let _ = std::fs::remove_file(&path);
        source.backup_native(&path).await.unwrap();
        let target = crate::testing::postgres().await.unwrap().unwrap();
        with_child_before_parent(&target).await;
        target.restore_file(&path).await.unwrap();
        assert_eq!(
            target.content_digest().await.unwrap(),
            source.content_digest().await.unwrap()
        );
    }

    #[test]
    fn a_missing_postgres_tool_is_a_chinese_message() {
        let e = pg_tool("pg_no_such_tool_gaoxin").unwrap_err().to_string();
        assert!(
            e.contains("找不到 PostgreSQL 的 pg_no_such_tool_gaoxin 程序"),
            "{e}"
        );
        assert!(e.contains("/usr/lib/postgresql"), "{e}");
    }
}
