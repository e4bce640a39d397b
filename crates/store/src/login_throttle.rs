//! Failed sign-ins by network address and username (the sign-in throttle's memory).
//!
//! The web layer decides what to refuse ([`LoginFailures`] are its inputs); the store only records
//! attempts, counts the recent ones, and forgets them: an attempt refused before its password was
//! checked, every failure of an address and username after a successful sign-in there, every
//! failure of a username after a password reset, and all that are older than the window. An
//! attempt is recorded *before* its password is checked, so that concurrent attempts see each
//! other and a burst of parallel guesses cannot slip past the count.
//! A username here is whatever was typed (also names that are no account), so that an unknown
//! account is throttled exactly like a known one.
use crate::db::{Error, Store};
use sqlx::Row;

/// The recent failures (at or after `since`) that concern one sign-in attempt.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoginFailures {
    /// From this address, for this username.
    pub pair: i64,
    /// From this address, for any username.
    pub address: i64,
    /// Unix seconds of the oldest of `pair` / of `address` (when there are any).
    pub pair_oldest: Option<i64>,
    pub address_oldest: Option<i64>,
}

/// Usernames are stored as typed, cut to this many bytes (longer ones are no account anyway).
const MAX_NAME: usize = 128;

fn cut(s: &str) -> &str {
    if s.len() <= MAX_NAME {
        return s;
    }
    let mut i = MAX_NAME;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    &s[..i]
}

impl Store {
    /// The failures from `address` at or after `since` (unix seconds), for `username` and in all.
    pub async fn login_failures(
        &self,
        address: &str,
        username: &str,
        since: i64,
    ) -> Result<LoginFailures, Error> {
        let r = sqlx::query(
            "SELECT COUNT(*), \
             COALESCE(SUM(CASE WHEN username = $1 THEN 1 ELSE 0 END), 0), \
             MIN(at), \
             MIN(CASE WHEN username = $1 THEN at ELSE NULL END) \
             FROM login_failures WHERE address = $2 AND at >= $3",
        )
        .bind(cut(username).to_string())
        .bind(address.to_string())
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok(LoginFailures {
            address: r.try_get::<i64, _>(0)?,
            pair: r.try_get::<i64, _>(1)?,
            address_oldest: r.try_get::<Option<i64>, _>(2)?,
            pair_oldest: r.try_get::<Option<i64>, _>(3)?,
        })
    }

    /// Records a sign-in attempt (id `attempt`, any unique text) at `at` as a failure until
    /// it is forgotten, and forgets failures older than `forget_before`.
    pub async fn record_login_attempt(
        &self,
        address: &str,
        username: &str,
        attempt: &str,
        at: i64,
        forget_before: i64,
    ) -> Result<(), Error> {
        sqlx::query("DELETE FROM login_failures WHERE at < $1")
            .bind(forget_before)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO login_failures (address, username, at, attempt) VALUES ($1, $2, $3, $4)",
        )
        .bind(address.to_string())
        .bind(cut(username).to_string())
        .bind(at)
        .bind(attempt.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Forgets one attempt (refused before its password was checked: it guessed nothing).
    pub async fn forget_login_attempt(&self, attempt: &str) -> Result<(), Error> {
        sqlx::query("DELETE FROM login_failures WHERE attempt = $1")
            .bind(attempt.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Forgets the failures of `username` from `address` (after it signed in there).
    pub async fn clear_address_failures(&self, address: &str, username: &str) -> Result<(), Error> {
        sqlx::query("DELETE FROM login_failures WHERE address = $1 AND username = $2")
            .bind(address.to_string())
            .bind(cut(username).to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Forgets every recorded failure of `username` (a password reset lifts every lock-out).
    pub async fn clear_login_failures_of(&self, username: &str) -> Result<(), Error> {
        sqlx::query("DELETE FROM login_failures WHERE username = $1")
            .bind(cut(username).to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
