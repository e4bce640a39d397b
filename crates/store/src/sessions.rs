//! Sign-in sessions and background jobs, kept in the database so that a restart neither signs
//! anyone out nor forgets what was running.
//!
//! Sessions are looked up by the cookie's random token, but only its SHA-256 ([`token_hash`]) is
//! stored: someone who reads the database (or a backup) cannot sign in with it. Jobs are read per
//! owner ([`Store::job_of`], [`Store::jobs_of`]); rules runs, which belong to the zone, by year
//! ([`Store::latest_rules_job`]). A job that was `running` when the server stopped is marked
//! `interrupted` at the next start ([`Store::interrupt_running_jobs`]).
use crate::db::{Error, Store};
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;

/// Hex SHA-256 of a session token: what the `sessions` table stores instead of the token.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A stored session (its token is not kept; see [`token_hash`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// `None`: the anonymous session of the sign-in page.
    pub username: Option<String>,
    pub csrf: String,
    pub must_change_password: bool,
    /// Unix seconds.
    pub created: i64,
    pub last_seen: i64,
    pub idle_expires: i64,
    pub absolute_expires: i64,
}

fn session_row(r: &AnyRow) -> Result<SessionRecord, Error> {
    Ok(SessionRecord {
        username: r.try_get("username")?,
        csrf: r.try_get("csrf")?,
        must_change_password: r.try_get::<i64, _>("must_change_password")? != 0,
        created: r.try_get("created")?,
        last_seen: r.try_get("last_seen")?,
        idle_expires: r.try_get("idle_expires")?,
        absolute_expires: r.try_get("absolute_expires")?,
    })
}

/// What a background job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// An import (subject: the file name).
    Import,
    /// A rules run (subject: the year).
    Rules,
}

impl JobKind {
    pub fn key(self) -> &'static str {
        match self {
            JobKind::Import => "import",
            JobKind::Rules => "rules",
        }
    }
    fn parse(s: &str) -> Result<JobKind, Error> {
        match s {
            "import" => Ok(JobKind::Import),
            "rules" => Ok(JobKind::Rules),
            o => Err(Error::Corrupt(format!("jobs.kind = {o}"))),
        }
    }
}

/// Where a background job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Running,
    Done,
    Failed,
    /// The server stopped while it ran.
    Interrupted,
}

impl JobState {
    pub fn key(self) -> &'static str {
        match self {
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Interrupted => "interrupted",
        }
    }
    fn parse(s: &str) -> Result<JobState, Error> {
        match s {
            "running" => Ok(JobState::Running),
            "done" => Ok(JobState::Done),
            "failed" => Ok(JobState::Failed),
            "interrupted" => Ok(JobState::Interrupted),
            o => Err(Error::Corrupt(format!("jobs.state = {o}"))),
        }
    }
}

/// A stored background job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRecord {
    pub id: String,
    pub kind: JobKind,
    /// The username that started it.
    pub owner: String,
    /// The file name (import) or the year (rules run).
    pub subject: String,
    /// Unix seconds.
    pub started: i64,
    pub finished: Option<i64>,
    pub state: JobState,
    /// The stage as the page shows it, and how far (0..100).
    pub progress: String,
    pub percent: i64,
    /// The summary (done) or the error message (failed).
    pub result: Option<String>,
}

fn job_row(r: &AnyRow) -> Result<JobRecord, Error> {
    Ok(JobRecord {
        id: r.try_get("id")?,
        kind: JobKind::parse(&r.try_get::<String, _>("kind")?)?,
        owner: r.try_get("owner")?,
        subject: r.try_get("subject")?,
        started: r.try_get("started")?,
        finished: r.try_get("finished")?,
        state: JobState::parse(&r.try_get::<String, _>("state")?)?,
        progress: r.try_get("progress")?,
        percent: r.try_get("percent")?,
        result: r.try_get("result")?,
    })
}

const JOB_COLUMNS: &str =
    "id, kind, owner, subject, started, finished, state, progress, percent, result";

impl Store {
    // ------------------------------------------------------------ sessions

    /// Stores a new session under the hash of `token`.
    pub async fn insert_session(&self, token: &str, s: &SessionRecord) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, username, csrf, must_change_password, created, \
             last_seen, idle_expires, absolute_expires) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(token_hash(token))
        .bind(s.username.clone())
        .bind(s.csrf.clone())
        .bind(s.must_change_password as i64)
        .bind(s.created)
        .bind(s.last_seen)
        .bind(s.idle_expires)
        .bind(s.absolute_expires)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The session of `token` if it has not expired at `now` (unix seconds).
    pub async fn session(&self, token: &str, now: i64) -> Result<Option<SessionRecord>, Error> {
        sqlx::query(
            "SELECT username, csrf, must_change_password, created, last_seen, idle_expires, \
             absolute_expires FROM sessions \
             WHERE token_hash = $1 AND idle_expires > $2 AND absolute_expires > $2",
        )
        .bind(token_hash(token))
        .bind(now)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(session_row)
        .transpose()
    }

    /// Marks the session of `token` seen at `now`, idle until `idle_expires`, with the account's
    /// current must-change flag. `false`: there is no such session (ended elsewhere).
    pub async fn touch_session(
        &self,
        token: &str,
        now: i64,
        idle_expires: i64,
        must_change_password: bool,
    ) -> Result<bool, Error> {
        let n = sqlx::query(
            "UPDATE sessions SET last_seen = $1, idle_expires = $2, must_change_password = $3 \
             WHERE token_hash = $4",
        )
        .bind(now)
        .bind(idle_expires)
        .bind(must_change_password as i64)
        .bind(token_hash(token))
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n > 0)
    }

    /// Ends the session of `token` (sign-out).
    pub async fn delete_session(&self, token: &str) -> Result<(), Error> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash(token))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends every session of `username` except the one of `keep` (after a password change).
    /// Returns how many ended.
    pub async fn delete_sessions_of(
        &self,
        username: &str,
        keep: Option<&str>,
    ) -> Result<u64, Error> {
        let keep = keep.map(token_hash).unwrap_or_default();
        Ok(
            sqlx::query("DELETE FROM sessions WHERE username = $1 AND token_hash <> $2")
                .bind(username.to_string())
                .bind(keep)
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }

    /// Deletes the sessions expired at `now`; returns how many.
    pub async fn purge_sessions(&self, now: i64) -> Result<u64, Error> {
        Ok(
            sqlx::query("DELETE FROM sessions WHERE idle_expires <= $1 OR absolute_expires <= $1")
                .bind(now)
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }

    // ------------------------------------------------------------ jobs

    /// Records a job that has just started (state `running`).
    pub async fn insert_job(
        &self,
        id: &str,
        kind: JobKind,
        owner: &str,
        subject: &str,
        started: i64,
    ) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO jobs (id, kind, owner, subject, started, state, progress, percent) \
             VALUES ($1, $2, $3, $4, $5, 'running', '', 0)",
        )
        .bind(id.to_string())
        .bind(kind.key())
        .bind(owner.to_string())
        .bind(subject.to_string())
        .bind(started)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records a running job's progress.
    pub async fn job_progress(&self, id: &str, progress: &str, percent: i64) -> Result<(), Error> {
        sqlx::query(
            "UPDATE jobs SET progress = $1, percent = $2 WHERE id = $3 AND state = 'running'",
        )
        .bind(progress.to_string())
        .bind(percent.clamp(0, 100))
        .bind(id.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records the end of a job: `done` with its summary, or `failed` with its message.
    pub async fn finish_job(
        &self,
        id: &str,
        state: JobState,
        result: &str,
        finished: i64,
    ) -> Result<(), Error> {
        sqlx::query(
            "UPDATE jobs SET state = $1, result = $2, finished = $3, \
             percent = CASE WHEN $1 = 'done' THEN 100 ELSE percent END WHERE id = $4",
        )
        .bind(state.key())
        .bind(result.to_string())
        .bind(finished)
        .bind(id.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Marks every job still `running` as `interrupted` at `now` (at start: the process that
    /// ran them is gone). Returns how many.
    pub async fn interrupt_running_jobs(&self, now: i64) -> Result<u64, Error> {
        Ok(sqlx::query(
            "UPDATE jobs SET state = 'interrupted', finished = $1 WHERE state = 'running'",
        )
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// Deletes the finished (not running) jobs that started before `before`; returns how many.
    pub async fn purge_jobs(&self, before: i64) -> Result<u64, Error> {
        Ok(
            sqlx::query("DELETE FROM jobs WHERE state <> 'running' AND started < $1")
                .bind(before)
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }

    /// The job `id` if `owner` started it.
    pub async fn job_of(&self, owner: &str, id: &str) -> Result<Option<JobRecord>, Error> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1 AND owner = $2"
        )))
        .bind(id.to_string())
        .bind(owner.to_string())
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(job_row)
        .transpose()
    }

    /// The latest `limit` jobs of `kind` that `owner` started, newest first.
    pub async fn jobs_of(
        &self,
        owner: &str,
        kind: JobKind,
        limit: i64,
    ) -> Result<Vec<JobRecord>, Error> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE owner = $1 AND kind = $2 \
             ORDER BY started DESC, id DESC LIMIT $3"
        )))
        .bind(owner.to_string())
        .bind(kind.key())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(job_row)
        .collect()
    }

    /// The latest rules run of `year` (rules runs are the zone's, whoever started them).
    pub async fn latest_rules_job(&self, year: i32) -> Result<Option<JobRecord>, Error> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE kind = 'rules' AND subject = $1 \
             ORDER BY started DESC, id DESC LIMIT 1"
        )))
        .bind(year.to_string())
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(job_row)
        .transpose()
    }
}

use sqlx::AssertSqlSafe;

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(user: Option<&str>, now: i64) -> SessionRecord {
        SessionRecord {
            username: user.map(str::to_string),
            csrf: "c".repeat(64),
            must_change_password: false,
            created: now,
            last_seen: now,
            idle_expires: now + 100,
            absolute_expires: now + 1000,
        }
    }

    #[tokio::test]
    async fn sessions_hashed_expire_purge_and_end_per_user() {
        for s in crate::testing::all().await.unwrap() {
            let now = 1_000_000;
            s.insert_session("tok-a", &rec(Some("alice"), now))
                .await
                .unwrap();
            s.insert_session("tok-b", &rec(Some("alice"), now))
                .await
                .unwrap();
            s.insert_session("tok-c", &rec(None, now - 200))
                .await
                .unwrap();
            // the raw token is nowhere in the table
            let raw: i64 = sqlx::query(
                "SELECT COUNT(*) FROM sessions WHERE token_hash = 'tok-a' OR csrf = 'tok-a'",
            )
            .fetch_one(&s.pool)
            .await
            .unwrap()
            .get(0);
            assert_eq!(raw, 0);
            assert_eq!(
                s.session("tok-a", now)
                    .await
                    .unwrap()
                    .unwrap()
                    .username
                    .as_deref(),
                Some("alice")
            );
            assert!(s.session("nope", now).await.unwrap().is_none());
            // idle expiry, then pushed forward by a touch; absolute expiry is final
            assert!(s.session("tok-a", now + 100).await.unwrap().is_none());
            s.touch_session("tok-a", now + 50, now + 150, true)
                .await
                .unwrap();
            let a = s.session("tok-a", now + 100).await.unwrap().unwrap();
            assert!(a.must_change_password);
            assert_eq!(a.last_seen, now + 50);
            assert!(
                s.touch_session("tok-a", now + 990, now + 1090, false)
                    .await
                    .unwrap()
            );
            assert!(s.session("tok-a", now + 1000).await.unwrap().is_none());
            // purge removes only the expired (tok-c)
            assert_eq!(s.purge_sessions(now).await.unwrap(), 1);
            assert!(s.session("tok-b", now).await.unwrap().is_some());
            // a password change ends the others, keeps this one
            s.insert_session("tok-d", &rec(Some("bob"), now))
                .await
                .unwrap();
            assert_eq!(
                s.delete_sessions_of("alice", Some("tok-a")).await.unwrap(),
                1
            );
            assert!(s.session("tok-a", now).await.unwrap().is_some());
            assert!(s.session("tok-b", now).await.unwrap().is_none());
            assert!(s.session("tok-d", now).await.unwrap().is_some());
            s.delete_session("tok-a").await.unwrap();
            assert!(s.session("tok-a", now).await.unwrap().is_none());
        }
    }

    #[tokio::test]
    async fn jobs_progress_finish_interrupt_and_per_owner_reads() {
        for s in crate::testing::all().await.unwrap() {
            s.insert_job("j1", JobKind::Import, "alice", "a.xlsx", 10)
                .await
                .unwrap();
            s.insert_job("j2", JobKind::Import, "alice", "b.xlsx", 20)
                .await
                .unwrap();
            s.insert_job("j3", JobKind::Rules, "root", "2024", 30)
                .await
                .unwrap();
            s.job_progress("j1", "正在校验并写入", 40).await.unwrap();
            s.finish_job("j2", JobState::Done, "导入 3 行", 25)
                .await
                .unwrap();
            let j1 = s.job_of("alice", "j1").await.unwrap().unwrap();
            assert_eq!((j1.state, j1.percent), (JobState::Running, 40));
            assert_eq!(j1.progress, "正在校验并写入");
            // another user cannot read it
            assert!(s.job_of("bob", "j1").await.unwrap().is_none());
            assert_eq!(s.interrupt_running_jobs(99).await.unwrap(), 2);
            let j1 = s.job_of("alice", "j1").await.unwrap().unwrap();
            assert_eq!((j1.state, j1.finished), (JobState::Interrupted, Some(99)));
            let j2 = s.job_of("alice", "j2").await.unwrap().unwrap();
            assert_eq!((j2.state, j2.percent), (JobState::Done, 100));
            let mine = s.jobs_of("alice", JobKind::Import, 10).await.unwrap();
            assert_eq!(
                mine.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(),
                ["j2", "j1"]
            );
            assert!(
                s.jobs_of("bob", JobKind::Import, 10)
                    .await
                    .unwrap()
                    .is_empty()
            );
            let r = s.latest_rules_job(2024).await.unwrap().unwrap();
            assert_eq!(r.state, JobState::Interrupted);
            assert!(s.latest_rules_job(2023).await.unwrap().is_none());
            // old finished jobs go; a running one stays however old
            s.insert_job("j4", JobKind::Import, "alice", "c.xlsx", 5)
                .await
                .unwrap();
            assert_eq!(s.purge_jobs(21).await.unwrap(), 2);
            assert!(s.job_of("alice", "j4").await.unwrap().is_some());
            assert!(s.job_of("alice", "j2").await.unwrap().is_none());
            assert!(s.job_of("alice", "j1").await.unwrap().is_none());
        }
    }
}
