//! Attachments of appeals (附件): files added to an appeal by the firm or the staff handling it.
//!
//! The bytes are kept in the database (standard base64 in a TEXT column, so one migration serves
//! both backends) with their SHA-256; rows are never updated or deleted. Every read and write goes
//! through the appeal's [`Scope`]: an attachment of an appeal the scope may not see reads as
//! missing, exactly like the appeal. Who may add a file and how large it may be is the app's
//! (`gaoxin_app::appeals`); the store enforces only the per-appeal count it is given, inside the
//! statement that assigns the file's number.
use crate::db::{Error, Store};
use crate::scope::Scope;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A file to attach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    pub appeal_id: i64,
    /// The file name as shown (already cleaned by the caller).
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub added_by: String,
    /// Unix seconds.
    pub added_at: i64,
}

/// What is known of a stored attachment (without its bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentInfo {
    pub appeal_id: i64,
    /// 1, 2, … within the appeal.
    pub seq: i64,
    pub name: String,
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    pub added_by: String,
    pub added_at: i64,
}

/// The outcome of [`Store::add_appeal_attachment`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attached {
    /// Stored as this number.
    Stored(i64),
    /// The appeal does not exist or is outside the scope.
    NoAppeal,
    /// The appeal already has the most files allowed.
    Full,
}

const INFO_COLS: &str = "appeal_id, seq, name, content_type, size, sha256, added_by, added_at";

fn info(r: &AnyRow) -> Result<AttachmentInfo, Error> {
    Ok(AttachmentInfo {
        appeal_id: r.try_get(0)?,
        seq: r.try_get(1)?,
        name: r.try_get(2)?,
        content_type: r.try_get(3)?,
        size: r.try_get(4)?,
        sha256: r.try_get(5)?,
        added_by: r.try_get(6)?,
        added_at: r.try_get(7)?,
    })
}

impl Store {
    /// Stores `a` as the appeal's next file if the scope may see the appeal and it has fewer than
    /// `max_files` files (one statement).
    pub async fn add_appeal_attachment(
        &self,
        scope: &Scope,
        a: &NewAttachment,
        max_files: i64,
    ) -> Result<Attached, Error> {
        if self.appeal(scope, a.appeal_id).await?.is_none() {
            return Ok(Attached::NoAppeal);
        }
        let sha = Sha256::digest(&a.bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>();
        // One statement numbers, counts and inserts: no read-then-write transaction whose lock
        // upgrade another writer could refuse (SQLite's BUSY_SNAPSHOT under WAL).
        let seq: Option<i64> = sqlx::query(
            "INSERT INTO appeal_attachments (appeal_id, seq, name, content_type, size, sha256, content, added_by, added_at) \
             SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5, $6, $7, $8 FROM appeal_attachments \
             WHERE appeal_id = $1 HAVING COUNT(*) < $9 RETURNING seq",
        )
        .bind(a.appeal_id)
        .bind(a.name.clone())
        .bind(a.content_type.clone())
        .bind(a.bytes.len() as i64)
        .bind(sha)
        .bind(STANDARD.encode(&a.bytes))
        .bind(a.added_by.clone())
        .bind(a.added_at)
        .bind(max_files)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
        let Some(seq) = seq else {
            return Ok(Attached::Full);
        };
        Ok(Attached::Stored(seq))
    }

    /// The files of an appeal in scope (by number); `None` when the appeal is missing or outside
    /// the scope.
    pub async fn appeal_attachments(
        &self,
        scope: &Scope,
        appeal_id: i64,
    ) -> Result<Option<Vec<AttachmentInfo>>, Error> {
        if self.appeal(scope, appeal_id).await?.is_none() {
            return Ok(None);
        }
        let sql =
            format!("SELECT {INFO_COLS} FROM appeal_attachments WHERE appeal_id = $1 ORDER BY seq");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(appeal_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(info).collect::<Result<_, _>>().map(Some)
    }

    /// One file with its bytes (checked against the stored SHA-256); `None` when the appeal or
    /// the file is missing or outside the scope.
    pub async fn appeal_attachment(
        &self,
        scope: &Scope,
        appeal_id: i64,
        seq: i64,
    ) -> Result<Option<(AttachmentInfo, Vec<u8>)>, Error> {
        if self.appeal(scope, appeal_id).await?.is_none() {
            return Ok(None);
        }
        let sql = format!(
            "SELECT {INFO_COLS}, content FROM appeal_attachments WHERE appeal_id = $1 AND seq = $2"
        );
        let Some(r) = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(appeal_id)
            .bind(seq)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let i = info(&r)?;
        let text: String = r.try_get(8)?;
        let bytes = STANDARD
            .decode(text.as_bytes())
            .map_err(|e| Error::Corrupt(format!("诉求 {appeal_id} 的附件 {seq} 已损坏：{e}")))?;
        let sha = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>();
        if sha != i.sha256 {
            return Err(Error::Corrupt(format!(
                "诉求 {appeal_id} 的附件 {seq} 与登记的校验值不符"
            )));
        }
        Ok(Some((i, bytes)))
    }
}
