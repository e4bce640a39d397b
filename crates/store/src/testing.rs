//! Fresh databases for tests, on both backends.
//!
//! SQLite: a new file in a temporary directory. PostgreSQL: a new database created through the
//! admin URL in `GAOXIN_TEST_POSTGRES_URL` (`.ci/run` starts a throwaway cluster and sets it).
//! When that variable is absent the PostgreSQL half of a test is skipped with a notice — except
//! under CI (`CI` set), where its absence is an error, so CI cannot pass without PostgreSQL.
use crate::{Error, Store};
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique(tag: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "gx_{tag}_{}_{}_{}",
        std::process::id(),
        n,
        t % 1_000_000_000
    )
}

/// A fresh SQLite store in its own temporary directory (removed by the OS's tmp cleaning; small).
pub async fn sqlite() -> Result<Store, Error> {
    let dir = std::env::temp_dir().join(unique("sqlite"));
    std::fs::create_dir_all(&dir).map_err(|e| Error::Url(e.to_string()))?;
    Store::open(&format!("sqlite://{}", dir.join("test.db").display())).await
}

/// The PostgreSQL admin URL for tests, or `None` (outside CI) when not configured.
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var("GAOXIN_TEST_POSTGRES_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            if std::env::var("CI").is_ok() {
                panic!(
                    "GAOXIN_TEST_POSTGRES_URL is not set under CI: the PostgreSQL tests must run"
                );
            }
            eprintln!(
                "note: GAOXIN_TEST_POSTGRES_URL not set; skipping the PostgreSQL half of this test"
            );
            None
        }
    }
}

/// A fresh PostgreSQL database (created through the admin URL), or `None` when not configured.
pub async fn postgres() -> Result<Option<Store>, Error> {
    let Some(admin) = postgres_admin_url() else {
        return Ok(None);
    };
    sqlx::any::install_default_drivers();
    let name = unique("pg");
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin).await?;
    sqlx::Executor::execute(
        &mut conn,
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))),
    )
    .await?;
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
    let (base, query) = match admin.split_once('?') {
        Some((_, q)) => (
            base.split_once('?').map(|x| x.0).unwrap_or(base),
            format!("?{q}"),
        ),
        None => (base, String::new()),
    };
    Ok(Some(Store::open(&format!("{base}/{name}{query}")).await?))
}

/// Both backends (PostgreSQL only when configured).
pub async fn all() -> Result<Vec<Store>, Error> {
    let mut v = vec![sqlite().await?];
    if let Some(pg) = postgres().await? {
        v.push(pg);
    }
    Ok(v)
}
