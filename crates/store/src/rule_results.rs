//! Rules-engine runs: the run (in `runs`, kind `rules`, with the rule versions and the input hash)
//! and one row per firm × rule of its year (`rule_results`).
//!
//! Scope rules (decided here): the run record itself is read through [`Store::latest_run`] (zone and
//! park scopes, a park scope seeing only its park's rows of the summary; an enterprise scope reads
//! no run). Per-firm rows are scoped like facts: the zone
//! reads every firm's, a park administrator its park's firms', an enterprise its own — the join
//! on `enterprises` applies the scope, so a page cannot list another park's firms by forgetting a
//! filter.
use crate::db::{Error, Store};
use crate::runs::RunRecord;
use crate::scope::Scope;
use sqlx::Row;

/// One firm's result for one rule in a stored run.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleResultRow {
    pub uscc: String,
    /// The firm's name (filled on reads; ignored when storing).
    pub name: String,
    pub park: String,
    pub rule: String,
    /// `pass`, `fail` or `unknown`.
    pub verdict: String,
    /// The firm's ladder rung in the run's year (0 = none).
    pub level: i32,
    pub amount_fen: Option<i64>,
    pub distance: Option<f64>,
    /// Eligible with every input verified (免申即享).
    pub verified: bool,
    pub assumption_dependent: bool,
    /// Items to supply or have verified, one per line.
    pub supply: String,
    /// The zone's record of this rule's rung for the firm: `recognised` (已认定), `not_recognised`
    /// or empty (no record, or not a rung rule).
    pub record: String,
    /// Where `level` comes from: `record` (已认定), `rules` (按条件测算: no record for that rung),
    /// empty at level 0.
    pub level_basis: String,
}

const COLS: usize = 13;

impl Store {
    /// Stores a rules run and its per-firm rows in one transaction.
    pub async fn insert_rules_run(
        &self,
        run: &RunRecord,
        rows: &[RuleResultRow],
    ) -> Result<(), Error> {
        self.insert_rules_run_with(run, rows, &mut |_| {}).await
    }

    /// [`Store::insert_rules_run`], calling `written` with the number of rows written so far
    /// after each batch (for a progress bar).
    pub async fn insert_rules_run_with(
        &self,
        run: &RunRecord,
        rows: &[RuleResultRow],
        written: &mut (dyn FnMut(usize) + Send),
    ) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        crate::runs::insert_run_query(run).execute(&mut *tx).await?;
        let mut done = 0;
        for chunk in rows.chunks(2_000) {
            let sql = format!(
                "INSERT INTO rule_results (run_id, uscc, park, rule, verdict, level, amount_fen, distance, verified, assumption_dependent, supply, record, level_basis) VALUES {}",
                crate::import::placeholders(chunk.len(), COLS, self.backend())
            );
            // Not a cached statement: sqlx 0.9's Any driver declares a NULL `f64` as float4 on
            // PostgreSQL, and a statement prepared with a NULL distance would then refuse the
            // float8 distances of later chunks ("incorrect binary data format").
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(false);
            for r in chunk {
                q = q
                    .bind(run.id.clone())
                    .bind(r.uscc.clone())
                    .bind(r.park.clone())
                    .bind(r.rule.clone())
                    .bind(r.verdict.clone())
                    .bind(r.level as i64)
                    .bind(r.amount_fen)
                    .bind(r.distance)
                    .bind(r.verified as i64)
                    .bind(r.assumption_dependent as i64)
                    .bind(r.supply.clone())
                    .bind(r.record.clone())
                    .bind(r.level_basis.clone());
            }
            q.execute(&mut *tx).await?;
            done += chunk.len();
            written(done);
        }
        tx.commit().await?;
        Ok(())
    }

    /// The rows of run `run_id` in scope, optionally for one rule and/or one verdict, ordered by
    /// rule and credit code.
    pub async fn rule_results(
        &self,
        scope: &Scope,
        run_id: &str,
        rule: Option<&str>,
        verdict: Option<&str>,
    ) -> Result<Vec<RuleResultRow>, Error> {
        let (cond, bind) = scope.condition(2);
        let mut binds: Vec<String> = vec![run_id.to_string()];
        binds.extend(bind);
        let mut sql = format!(
            "SELECT r.uscc, e.name, r.park, r.rule, r.verdict, r.level, r.amount_fen, r.distance, r.verified, r.assumption_dependent, r.supply, r.record, r.level_basis \
             FROM rule_results r JOIN enterprises e ON e.uscc = r.uscc WHERE r.run_id = $1 AND {cond}"
        );
        for (col, v) in [("r.rule", rule), ("r.verdict", verdict)] {
            if let Some(v) = v {
                binds.push(v.to_string());
                sql.push_str(&format!(" AND {col} = ${}", binds.len()));
            }
        }
        sql.push_str(" ORDER BY r.rule, r.uscc");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for b in binds {
            q = q.bind(b);
        }
        let int = |r: &sqlx::any::AnyRow, i: usize| -> Result<i64, sqlx::Error> {
            r.try_get::<i64, _>(i)
                .or_else(|_| r.try_get::<i32, _>(i).map(i64::from))
        };
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(RuleResultRow {
                    uscc: r.try_get(0)?,
                    name: r.try_get(1)?,
                    park: r.try_get(2)?,
                    rule: r.try_get(3)?,
                    verdict: r.try_get(4)?,
                    level: int(r, 5)? as i32,
                    amount_fen: r.try_get::<Option<i64>, _>(6)?,
                    distance: r.try_get::<Option<f64>, _>(7)?,
                    verified: int(r, 8)? != 0,
                    assumption_dependent: int(r, 9)? != 0,
                    supply: r.try_get(10)?,
                    record: r.try_get(11)?,
                    level_basis: r.try_get(12)?,
                })
            })
            .collect()
    }
}
