//! Moving a firm to another park: the [`ParkMove`] record (`park_moves`), [`Store::move_park`],
//! the history of moves and [`MoveError`].
use super::{FirmPatch, ImportTx};
use crate::db::{Backend, Error, Store};
use gaoxin_model::{ParkId, Uscc};
use sqlx::{Any, Row, Transaction};

/// A firm moved from one park to another (`park_moves`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParkMove {
    pub uscc: Uscc,
    /// Unix seconds.
    pub moved_at: i64,
    pub from_park: ParkId,
    pub to_park: ParkId,
    pub actor: String,
    pub reason: String,
}

impl ImportTx {
    /// Records a move of a firm to another park (the caller has written the firm's new park).
    pub async fn record_park_move(&mut self, m: &ParkMove) -> Result<(), Error> {
        insert_park_move(&mut self.tx, self.backend, m).await
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
    .bind(m.from_park.to_string())
    .bind(m.to_park.to_string())
    .bind(m.actor.clone())
    .bind(m.reason.clone())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Why a park move was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoveError {
    /// No such firm.
    #[error("没有这家企业")]
    UnknownFirm,
    /// The firm is already in that park.
    #[error("企业已在该园区，无需变更")]
    SamePark,
    /// A reason is required.
    #[error("请用 --reason 写明变更原因（将记入变更记录）")]
    NoReason,
}

impl Store {
    /// A zone administrator's move of a firm to another park: the firm's park changes and the
    /// move (who, when, from, to, why) is recorded in `park_moves`, in one transaction.
    pub async fn move_park(
        &self,
        uscc: &Uscc,
        to_park: &ParkId,
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
        if old.park == *to_park {
            tx.rollback().await?;
            return Ok(Err(MoveError::SamePark));
        }
        let mut p = FirmPatch::new(uscc.clone());
        p.park = Some(to_park.clone());
        tx.write_patches(&[&p], &known, &[], &mut |_, _| {}).await?;
        let m = ParkMove {
            uscc: uscc.clone(),
            moved_at: unix_now(),
            from_park: old.park.clone(),
            to_park: to_park.clone(),
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
                    from_park: park_column(r, 2)?,
                    to_park: park_column(r, 3)?,
                    actor: r.try_get(4)?,
                    reason: r.try_get(5)?,
                })
            })
            .collect()
    }
}

/// A stored park id; one that is not of the park-id form is a corrupt row, named.
fn park_column(r: &sqlx::any::AnyRow, i: usize) -> Result<ParkId, Error> {
    let s: String = r.try_get(i)?;
    ParkId::parse(&s).map_err(|e| Error::Corrupt(format!("park_moves: {e}")))
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
