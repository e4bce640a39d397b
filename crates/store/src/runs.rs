//! Indicator-engine data: park-level inputs entered by analysts, versioned runs, and each firm's
//! innovation points.
//!
//! Scope rules (the only place they are decided):
//! * park inputs — the zone reads and writes every park's; a park administrator its own park's;
//!   an enterprise nothing;
//! * runs (park evaluations, points runs, target monitoring) are zone-level results: the zone and
//!   park scopes may read them (what a park sees *inside* a park evaluation is narrowed by the web
//!   page, see `gaoxin_app::indicators`); an enterprise scope reads no run. A rules run's summary
//!   holds rows per park: a park scope reads only its own park's rows ([`RunKind::per_park`]);
//! * points rows are per firm and scoped like facts (zone / park / the firm itself, or a bank
//!   holding the firm's consent through [`crate::Store::bank_scope`]).
use crate::db::{Error, Store};
use crate::scope::Scope;
use gaoxin_model::{Uscc, Year};
use sqlx::Row;
use sqlx::any::AnyRow;

/// One analyst-entered park-level value.
#[derive(Debug, Clone, PartialEq)]
pub struct ParkInput {
    pub park: String,
    pub year: Year,
    /// Indicator code of the park-evaluation scheme (e.g. `3.1`).
    pub indicator: String,
    pub value: f64,
    pub entered_by: String,
    pub entered_at: i64,
}

/// The kinds of run in the `runs` table, one text form each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    /// A rules run (梯度培育, 政策): per-firm rows in `rule_results`.
    Rules,
    /// A park evaluation (评价).
    ParkEvaluation,
    /// Innovation points: per-firm rows in `points`.
    Points,
    /// 新型研发机构 evaluation (issue 17): rows per institution, each with its `park`.
    RdiEvaluation,
    /// 孵化载体 evaluation (issue 19): rows per carrier, each with its `park`.
    CarrierEvaluation,
}

impl RunKind {
    pub const ALL: [RunKind; 5] = [
        RunKind::Rules,
        RunKind::ParkEvaluation,
        RunKind::Points,
        RunKind::RdiEvaluation,
        RunKind::CarrierEvaluation,
    ];

    /// The text stored in `runs.kind` (and the prefix of the run's id).
    pub const fn as_str(self) -> &'static str {
        match self {
            RunKind::Rules => "rules",
            RunKind::ParkEvaluation => "park-evaluation",
            RunKind::Points => "points",
            RunKind::RdiEvaluation => "rdi-evaluation",
            RunKind::CarrierEvaluation => "carrier-evaluation",
        }
    }

    pub fn parse(s: &str) -> Option<RunKind> {
        RunKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the run's summary is made of rows per park: the objects with a `park` field in its
    /// top-level arrays, of which a park scope reads only its own.
    pub const fn per_park(self) -> bool {
        matches!(
            self,
            RunKind::Rules | RunKind::RdiEvaluation | RunKind::CarrierEvaluation
        )
    }
}

/// `summary` (a JSON object) with the objects of its top-level arrays that name another park
/// than `park` left out; a summary that is not a JSON object is returned as it is (it is not
/// decodable either, and reading it is an error naming the run).
fn narrow_summary(summary: &str, park: &str) -> String {
    let Ok(serde_json::Value::Object(mut top)) = serde_json::from_str(summary) else {
        return summary.to_string();
    };
    for v in top.values_mut() {
        if let serde_json::Value::Array(items) = v {
            items.retain(|x| {
                x.get("park")
                    .and_then(|p| p.as_str())
                    .is_none_or(|p| p == park)
            });
        }
    }
    serde_json::Value::Object(top).to_string()
}

/// A stored run: which engine, when, for which year, the hash of its inputs, the versions of the
/// schemes it used, and its result (JSON).
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    pub id: String,
    pub kind: RunKind,
    pub created_at: i64,
    pub year: Option<Year>,
    pub input_hash: String,
    pub versions: String,
    pub summary: String,
}

/// One firm's points in one year, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct PointsRow {
    pub uscc: String,
    pub year: Year,
    pub run_id: String,
    pub stage: String,
    pub total: f64,
    /// JSON of the firm's points and components.
    pub detail: String,
}

fn get_i64(r: &AnyRow, i: usize) -> Result<i64, sqlx::Error> {
    r.try_get::<i64, _>(i)
        .or_else(|_| r.try_get::<i32, _>(i).map(i64::from))
}

/// The statement that stores `run` (alone, or in the transaction of a rules run).
pub(crate) fn insert_run_query(
    run: &RunRecord,
) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
    sqlx::query(
        "INSERT INTO runs (id, kind, created_at, year, input_hash, versions, summary, stored_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(run.id.clone())
    .bind(run.kind.as_str())
    .bind(run.created_at)
    .bind(run.year.map(|y| i64::from(y.get())))
    .bind(run.input_hash.clone())
    .bind(run.versions.clone())
    .bind(run.summary.clone())
    // the order in which runs were stored: of two stored within one second (created_at is in
    // whole seconds) the later is the latest
    .bind(crate::clock::now_us())
}

fn decode_run(r: &AnyRow) -> Result<RunRecord, Error> {
    let id: String = r.try_get(0)?;
    let kind: String = r.try_get(1)?;
    let kind = RunKind::parse(&kind)
        .ok_or_else(|| Error::Corrupt(format!("运行记录 {id} 的类型「{kind}」未知")))?;
    let year = match r
        .try_get::<Option<i64>, _>(3)
        .or_else(|_| r.try_get::<Option<i32>, _>(3).map(|v| v.map(i64::from)))?
    {
        None => None,
        Some(y) => Some(
            i32::try_from(y)
                .ok()
                .and_then(|y| Year::new(y).ok())
                .ok_or_else(|| Error::Corrupt(format!("运行记录 {id} 的年度 {y} 无效")))?,
        ),
    };
    Ok(RunRecord {
        id,
        kind,
        created_at: get_i64(r, 2)?,
        year,
        input_hash: r.try_get(4)?,
        versions: r.try_get(5)?,
        summary: r.try_get(6)?,
    })
}

impl Store {
    /// Sets (inserts or replaces) a park input. Returns false, writing nothing, when the scope may
    /// not write that park's inputs.
    pub async fn set_park_input(&self, scope: &Scope, p: &ParkInput) -> Result<bool, Error> {
        if !park_allowed(scope, &p.park) || !p.value.is_finite() {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO park_inputs (park, year, indicator, value, entered_by, entered_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (park, year, indicator) DO UPDATE SET value = excluded.value, entered_by = excluded.entered_by, entered_at = excluded.entered_at",
        )
        .bind(p.park.clone())
        .bind(i64::from(p.year.get()))
        .bind(p.indicator.clone())
        .bind(p.value)
        .bind(p.entered_by.clone())
        .bind(p.entered_at)
        .execute(&self.pool)
        .await?;
        Ok(true)
    }

    /// Removes a park input (it becomes missing again); false when absent or out of scope.
    pub async fn delete_park_input(
        &self,
        scope: &Scope,
        park: &str,
        year: Year,
        indicator: &str,
    ) -> Result<bool, Error> {
        if !park_allowed(scope, park) {
            return Ok(false);
        }
        let done =
            sqlx::query("DELETE FROM park_inputs WHERE park = $1 AND year = $2 AND indicator = $3")
                .bind(park.to_string())
                .bind(i64::from(year.get()))
                .bind(indicator.to_string())
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The park inputs of `year` in scope, by park and indicator.
    pub async fn park_inputs(&self, scope: &Scope, year: Year) -> Result<Vec<ParkInput>, Error> {
        let (cond, bind) = match scope {
            Scope::Zone => ("1 = 1".to_string(), None),
            Scope::Park(p) => ("park = $2".to_string(), Some(p.to_string())),
            Scope::Enterprise(_) | Scope::Department(_) => return Ok(vec![]),
        };
        let sql = format!(
            "SELECT park, year, indicator, value, entered_by, entered_at FROM park_inputs WHERE year = $1 AND {cond} ORDER BY park, indicator"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(i64::from(year.get()));
        if let Some(b) = bind {
            q = q.bind(b);
        }
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(ParkInput {
                    park: r.try_get(0)?,
                    year: crate::read::year_of(get_i64(r, 1)?)?,
                    indicator: r.try_get(2)?,
                    value: r.try_get(3)?,
                    entered_by: r.try_get(4)?,
                    entered_at: get_i64(r, 5)?,
                })
            })
            .collect()
    }

    /// Stores a run.
    pub async fn insert_run(&self, run: &RunRecord) -> Result<(), Error> {
        insert_run_query(run).execute(&self.pool).await?;
        Ok(())
    }

    /// The latest run of `kind` for `year`, if the scope may read runs, with what the scope may
    /// see of its summary (see the module docs).
    pub async fn latest_run(
        &self,
        scope: &Scope,
        kind: RunKind,
        year: Year,
    ) -> Result<Option<RunRecord>, Error> {
        if matches!(scope, Scope::Enterprise(_)) {
            return Ok(None);
        }
        match sqlx::query(
            "SELECT id, kind, created_at, year, input_hash, versions, summary FROM runs \
             WHERE kind = $1 AND year = $2 ORDER BY stored_us DESC, id DESC LIMIT 1",
        )
        .bind(kind.as_str())
        .bind(i64::from(year.get()))
        .fetch_optional(&self.pool)
        .await?
        {
            Some(r) => {
                let mut run = decode_run(&r)?;
                if let (true, Scope::Park(p)) = (kind.per_park(), scope) {
                    run.summary = narrow_summary(&run.summary, p.as_str());
                }
                Ok(Some(run))
            }
            None => Ok(None),
        }
    }

    /// Every run of `kind` without its result (id, created_at, year, hash, versions), newest first.
    pub async fn run_list(&self, scope: &Scope, kind: RunKind) -> Result<Vec<RunRecord>, Error> {
        if matches!(scope, Scope::Enterprise(_)) {
            return Ok(vec![]);
        }
        sqlx::query(
            "SELECT id, kind, created_at, year, input_hash, versions, '' FROM runs WHERE kind = $1 ORDER BY stored_us DESC, id DESC",
        )
        .bind(kind.as_str())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(decode_run)
        .collect()
    }

    /// Replaces the stored points of `year` with `rows` (one transaction).
    pub async fn replace_points(&self, year: Year, rows: &[PointsRow]) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM points WHERE year = $1")
            .bind(i64::from(year.get()))
            .execute(&mut *tx)
            .await?;
        for chunk in rows.chunks(4_000) {
            let sql = format!(
                "INSERT INTO points (uscc, year, run_id, stage, total, detail) VALUES {}",
                crate::import::placeholders(chunk.len(), 6, self.backend())
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for r in chunk {
                q = q
                    .bind(r.uscc.clone())
                    .bind(i64::from(r.year.get()))
                    .bind(r.run_id.clone())
                    .bind(r.stage.clone())
                    .bind(r.total)
                    .bind(r.detail.clone());
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// One firm's stored points over the years (oldest first); empty when out of scope.
    pub async fn points_of(&self, scope: &Scope, uscc: &Uscc) -> Result<Vec<PointsRow>, Error> {
        let (cond, bind) = scope.condition(2);
        let sql = format!(
            "SELECT p.uscc, p.year, p.run_id, p.stage, p.total, p.detail FROM points p JOIN enterprises e ON e.uscc = p.uscc \
             WHERE p.uscc = $1 AND {cond} ORDER BY p.year"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(uscc.as_str().to_string());
        if let Some(b) = bind {
            q = q.bind(b);
        }
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(PointsRow {
                    uscc: r.try_get(0)?,
                    year: crate::read::year_of(get_i64(r, 1)?)?,
                    run_id: r.try_get(2)?,
                    stage: r.try_get(3)?,
                    total: r.try_get(4)?,
                    detail: r.try_get(5)?,
                })
            })
            .collect()
    }
}

fn park_allowed(scope: &Scope, park: &str) -> bool {
    match scope {
        Scope::Zone => true,
        Scope::Park(p) => p == park,
        Scope::Enterprise(_) | Scope::Department(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_text_form_per_kind() {
        for k in RunKind::ALL {
            assert_eq!(RunKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(RunKind::parse("targets"), None);
    }

    #[test]
    fn a_park_reads_only_its_rows_of_a_per_park_summary() {
        let s = r#"{"record":{"rules":[{"id":"a"}]},"skipped":["x"],"funnel_years":[2023,2024],
            "funnel":[{"park":"jiangbei","n":1},{"park":"xingang","n":2}],
            "budgets":[{"park":"xingang","rule":"a"}],"rules":[{"id":"a","park_note":"p"}]}"#;
        let n: serde_json::Value = serde_json::from_str(&narrow_summary(s, "jiangbei")).unwrap();
        assert_eq!(
            n["funnel"],
            serde_json::json!([{"park": "jiangbei", "n": 1}])
        );
        assert_eq!(n["budgets"], serde_json::json!([]));
        assert_eq!(n["funnel_years"], serde_json::json!([2023, 2024]));
        assert_eq!(n["skipped"], serde_json::json!(["x"]));
        assert_eq!(
            n["rules"],
            serde_json::json!([{"id": "a", "park_note": "p"}])
        );
        assert_eq!(n["record"]["rules"], serde_json::json!([{"id": "a"}]));
        assert_eq!(narrow_summary("[1, 2", "jiangbei"), "[1, 2");
    }
}
