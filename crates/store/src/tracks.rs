//! The tracks' "五个一" board: one record per track × element (a missing record is a gap), and
//! the panel figures of the firms tagged to a track.
//!
//! The board is zone-wide reference data (every staff member reads it; the app lets only zone
//! administrators write it). The panel figures are read in the caller's [`Scope`].
use crate::db::{Error, Store};
use crate::scope::Scope;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// One element of a track's "五个一".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackElement {
    pub track: String,
    /// `innovation_sources`, `specialised_park`, `promotion_agency`, `track_fund`, `flagship_conference`.
    pub element: String,
    pub name: String,
    pub who: String,
    /// yyyymmdd.
    pub since: Option<i64>,
    /// `planned`, `building`, `operating`.
    pub status: String,
    pub evidence: String,
    pub updated_by: String,
    pub updated_at: i64,
}

/// One track × year of the panel (firms in scope tagged to the track).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrackYear {
    pub track: String,
    pub year: i64,
    pub firms: i64,
    /// Recorded rungs that year: 科小入库, 高企 certificate, 瞪羚 list, 独角兽 list.
    pub techsme: i64,
    pub hnte: i64,
    pub gazelle: i64,
    pub unicorn: i64,
    /// Sums in fen over the firms that reported them.
    pub revenue: i64,
    pub rd_expense: i64,
    /// Firms founded that year.
    pub founded: i64,
}

pub(crate) fn get_i64(r: &AnyRow, i: usize) -> Result<i64, sqlx::Error> {
    r.try_get::<i64, _>(i)
        .or_else(|_| r.try_get::<i32, _>(i).map(i64::from))
}

pub(crate) fn get_opt_i64(r: &AnyRow, i: usize) -> Result<Option<i64>, sqlx::Error> {
    r.try_get::<Option<i64>, _>(i)
        .or_else(|_| r.try_get::<Option<i32>, _>(i).map(|v| v.map(i64::from)))
}

fn decode_element(r: &AnyRow) -> Result<TrackElement, Error> {
    Ok(TrackElement {
        track: r.try_get(0)?,
        element: r.try_get(1)?,
        name: r.try_get(2)?,
        who: r.try_get(3)?,
        since: get_opt_i64(r, 4)?,
        status: r.try_get(5)?,
        evidence: r.try_get(6)?,
        updated_by: r.try_get(7)?,
        updated_at: get_i64(r, 8)?,
    })
}

const UPSERT: &str = "INSERT INTO track_elements (track, element, name, who, since, status, evidence, updated_by, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (track, element) DO UPDATE SET \
     name = excluded.name, who = excluded.who, since = excluded.since, status = excluded.status, \
     evidence = excluded.evidence, updated_by = excluded.updated_by, updated_at = excluded.updated_at";

impl Store {
    /// Every recorded element, by track and element (the board is zone-wide reference data).
    pub async fn track_elements(&self) -> Result<Vec<TrackElement>, Error> {
        sqlx::query(
            "SELECT track, element, name, who, since, status, evidence, updated_by, updated_at \
             FROM track_elements ORDER BY track, element",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(decode_element)
        .collect()
    }

    /// Writes (inserts or replaces) elements in one transaction: all or nothing.
    pub async fn put_track_elements(&self, rows: &[TrackElement]) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        for e in rows {
            sqlx::query(UPSERT)
                .bind(e.track.clone())
                .bind(e.element.clone())
                .bind(e.name.clone())
                .bind(e.who.clone())
                .bind(e.since)
                .bind(e.status.clone())
                .bind(e.evidence.clone())
                .bind(e.updated_by.clone())
                .bind(e.updated_at)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Removes every element (before loading the demo zone's board).
    pub async fn clear_track_elements(&self) -> Result<(), Error> {
        sqlx::query("DELETE FROM track_elements")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Removes one element (it becomes a gap again); false if it was not recorded.
    pub async fn delete_track_element(&self, track: &str, element: &str) -> Result<bool, Error> {
        let done = sqlx::query("DELETE FROM track_elements WHERE track = $1 AND element = $2")
            .bind(track.to_string())
            .bind(element.to_string())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Per track and year, the firms in `scope` tagged to one of `tracks` (ids): counts by
    /// recorded rung, revenue and R&D sums, and firms founded that year. One aggregate query per
    /// track (the tag list is a `,t01,t05,` text column).
    pub async fn track_years(
        &self,
        scope: &Scope,
        tracks: &[String],
    ) -> Result<Vec<TrackYear>, Error> {
        let (cond, bound) = scope.condition(2);
        let mut out = Vec::new();
        for t in tracks {
            let sql = format!(
                "SELECT f.year, COUNT(*), \
                 CAST(SUM(CASE WHEN f.techsme_registered = 1 THEN 1 ELSE 0 END) AS BIGINT), \
                 CAST(SUM(CASE WHEN f.hightech_cert_date IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT), \
                 CAST(SUM(CASE WHEN f.gazelle_listed = 1 THEN 1 ELSE 0 END) AS BIGINT), \
                 CAST(SUM(CASE WHEN f.unicorn_listed = 1 THEN 1 ELSE 0 END) AS BIGINT), \
                 CAST(COALESCE(SUM(f.revenue), 0) AS BIGINT), CAST(COALESCE(SUM(f.rd_expense), 0) AS BIGINT), \
                 CAST(SUM(CASE WHEN e.founded / 10000 = f.year THEN 1 ELSE 0 END) AS BIGINT) \
                 FROM enterprises e JOIN facts f ON f.uscc = e.uscc \
                 WHERE e.tracks LIKE $1 AND {cond} GROUP BY f.year ORDER BY f.year"
            );
            let mut q = sqlx::query(AssertSqlSafe(sql)).bind(format!("%,{t},%"));
            if let Some(b) = &bound {
                q = q.bind(b.clone());
            }
            for r in q.fetch_all(&self.pool).await? {
                out.push(TrackYear {
                    track: t.clone(),
                    year: get_i64(&r, 0)?,
                    firms: get_i64(&r, 1)?,
                    techsme: sum(&r, 2)?,
                    hnte: sum(&r, 3)?,
                    gazelle: sum(&r, 4)?,
                    unicorn: sum(&r, 5)?,
                    revenue: sum(&r, 6)?,
                    rd_expense: sum(&r, 7)?,
                    founded: sum(&r, 8)?,
                });
            }
        }
        Ok(out)
    }
}

/// A SUM cast to BIGINT in SQL (PostgreSQL's SUM over BIGINT is NUMERIC); NULL (no rows) is 0.
pub(crate) fn sum(r: &AnyRow, i: usize) -> Result<i64, Error> {
    Ok(get_opt_i64(r, i)?.unwrap_or(0))
}
