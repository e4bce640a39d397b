//! Opening a database, choosing the backend from the URL, and applying migrations.
use sqlx::AssertSqlSafe;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor, Row};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A store error, with a message fit for an operator.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("数据库地址无效：{0}（应为 sqlite://文件路径 或 postgres://…）")]
    Url(String),
    #[error("数据库错误：{0}")]
    Db(#[from] sqlx::Error),
    #[error("数据库中的数据无法解析：{0}")]
    Corrupt(String),
    /// Backup or restore refused or failed (the message says why, in Chinese).
    #[error("{0}")]
    Backup(String),
}

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_init.sql")),
    (2, include_str!("../migrations/0002_users.sql")),
    (3, include_str!("../migrations/0003_evaluation.sql")),
    (4, include_str!("../migrations/0004_rule_results.sql")),
    (5, include_str!("../migrations/0005_latest_year.sql")),
    (6, include_str!("../migrations/0006_status_facts.sql")),
    (7, include_str!("../migrations/0007_park_moves.sql")),
    (8, include_str!("../migrations/0008_ladder_record.sql")),
    (9, include_str!("../migrations/0009_login_throttle.sql")),
    (10, include_str!("../migrations/0010_password_change.sql")),
    (11, include_str!("../migrations/0011_sessions_jobs.sql")),
    (12, include_str!("../migrations/0012_appeals.sql")),
    (13, include_str!("../migrations/0013_finance.sql")),
    (14, include_str!("../migrations/0014_tracks_leads.sql")),
    (15, include_str!("../migrations/0015_cluster_links.sql")),
    (
        16,
        include_str!("../migrations/0016_appeal_attachments.sql"),
    ),
    (17, include_str!("../migrations/0017_speed.sql")),
    (18, include_str!("../migrations/0018_run_order.sql")),
    (19, include_str!("../migrations/0019_audit.sql")),
    (20, include_str!("../migrations/0020_payouts.sql")),
    (22, include_str!("../migrations/0022_rdi.sql")),
    (23, include_str!("../migrations/0023_talent.sql")),
    (24, include_str!("../migrations/0024_tech.sql")),
    (25, include_str!("../migrations/0025_name_key.sql")),
    (26, include_str!("../migrations/0026_carriers.sql")),
    (28, include_str!("../migrations/0028_reform.sql")),
    (29, include_str!("../migrations/0029_tech_forms.sql")),
];

/// The database URL: `--database` if given, else `DATABASE_URL`, else `sqlite://gaoxin.db` in the working directory.
pub fn database_url_from_env(flag: Option<&str>) -> String {
    flag.map(str::to_string)
        .or_else(|| std::env::var("DATABASE_URL").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "sqlite://gaoxin.db".to_string())
}

/// Connections of a store's pool: `GAOXIN_DB_CONNECTIONS` if set (1–64), else 4 on SQLite and 8
/// on PostgreSQL.
fn pool_size(backend: Backend) -> u32 {
    std::env::var("GAOXIN_DB_CONNECTIONS")
        .ok()
        .and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|n| (1..=64).contains(n))
        .unwrap_or(if backend == Backend::Sqlite { 4 } else { 8 })
}

/// A handle on the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    backend: Backend,
    url: String,
}

impl Store {
    /// Opens (creating a SQLite file if needed) and migrates the database at `url`.
    pub async fn open(url: &str) -> Result<Store, Error> {
        install_default_drivers();
        let (backend, connect_url) = if let Some(rest) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
            if path.is_empty() {
                return Err(Error::Url(crate::masked_url(url)));
            }
            let q = if query.is_empty() {
                "mode=rwc".to_string()
            } else {
                query.to_string()
            };
            (Backend::Sqlite, format!("sqlite://{path}?{q}"))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_string())
        } else {
            return Err(Error::Url(crate::masked_url(url)));
        };
        let pool = AnyPoolOptions::new()
            .max_connections(pool_size(backend))
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        conn.execute("PRAGMA cache_size = -65536").await?;
                    }
                    Ok(())
                })
            })
            .connect(&connect_url)
            .await?;
        let store = Store {
            pool,
            backend,
            url: url.to_string(),
        };
        store.migrate().await?;
        store.fill_missing_name_keys().await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Begins a transaction that reads before it writes and must not lose to another writer:
    /// the write lock on `table` is taken first. A plain `BEGIN` reads a snapshot, and on SQLite
    /// (WAL) its first write then fails at once with "database is locked" when another writer
    /// committed meanwhile (the busy timeout does not help); on PostgreSQL two such transactions
    /// could both read the same next id. `table` is a name from the code, never from input.
    pub(crate) async fn begin_write(
        &self,
        table: &'static str,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, Error> {
        let mut tx = self.pool.begin().await?;
        let lock = match self.backend {
            // a write statement (matching nothing) takes SQLite's single write lock
            Backend::Sqlite => format!("UPDATE {table} SET rowid = rowid WHERE 0 = 1"),
            Backend::Postgres => format!("LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"),
        };
        tx.execute(sqlx::query(AssertSqlSafe(lock))).await?;
        Ok(tx)
    }

    async fn migrate(&self) -> Result<(), Error> {
        sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY)")
            .execute(&self.pool)
            .await?;
        let done: Vec<i64> = sqlx::query("SELECT version FROM schema_migrations")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.try_get::<i64, _>(0))
            .collect::<Result<_, _>>()?;
        for (v, sql) in MIGRATIONS {
            if done.contains(v) {
                continue;
            }
            let mut tx = self.pool.begin().await?;
            for stmt in sql.split("\n;;").map(str::trim).filter(|s| !s.is_empty()) {
                let stmt: String = stmt
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("--"))
                    .collect::<Vec<_>>()
                    .join("\n");
                if stmt.trim().is_empty() {
                    continue;
                }
                sqlx::query(AssertSqlSafe(stmt.clone()))
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("INSERT INTO schema_migrations (version) VALUES ($1)")
                .bind(*v)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// A free-form setting (e.g. `demo` = the generator's parameters when the data are synthetic).
    pub async fn meta(&self, key: &str) -> Result<Option<String>, Error> {
        Ok(sqlx::query("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get::<String, _>(0))
            .transpose()?)
    }

    pub async fn set_meta(&self, key: &str, value: &str) -> Result<(), Error> {
        sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Removes every enterprise and fact (used before loading a fresh demo zone).
    pub async fn clear_panel(&self) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM facts").execute(&mut *tx).await?;
        sqlx::query("DELETE FROM cluster_links")
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM enterprises")
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM meta WHERE key = 'demo'")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// SQLite: copies the write-ahead log into the database file and truncates the log to zero
    /// bytes (`PRAGMA wal_checkpoint(TRUNCATE)`), so a stopped server does not leave a large
    /// `-wal` file behind. PostgreSQL: nothing to do.
    pub async fn checkpoint(&self) -> Result<(), Error> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Checkpoints the SQLite WAL (see [`Store::checkpoint`]) and closes the pool; the last
    /// connection to close removes the `-wal` file. A failed checkpoint (the database busy in
    /// another process) loses nothing: the log is kept and replayed by the next open.
    pub async fn close(&self) {
        let _ = self.checkpoint().await;
        self.pool.close().await;
    }
}

#[cfg(test)]
mod error_tests {
    use super::Error;
    use std::error::Error as _;

    #[test]
    fn messages_for_operators_and_the_cause_kept() {
        assert_eq!(
            Error::Url("mysql://x".into()).to_string(),
            "数据库地址无效：mysql://x（应为 sqlite://文件路径 或 postgres://…）"
        );
        assert_eq!(
            Error::Corrupt("runs.summary".into()).to_string(),
            "数据库中的数据无法解析：runs.summary"
        );
        let db = Error::from(sqlx::Error::RowNotFound);
        assert_eq!(
            db.to_string(),
            format!("数据库错误：{}", sqlx::Error::RowNotFound)
        );
        // the sqlx error is the cause (for logs that print the chain)
        assert!(db.source().is_some());
        assert!(crate::MoveError::NoReason.source().is_none());
        assert_eq!(
            crate::MoveError::SamePark.to_string(),
            "企业已在该园区，无需变更"
        );
    }
}
