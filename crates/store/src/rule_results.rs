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

/// One rule's result of a firm as stored in `rule_firm_results.results` (migration 0017): rule,
/// verdict, level, amount in fen, the distance's IEEE-754 bits (exact through JSON), verified,
/// assumption-dependent, supply, record, level basis.
type Packed = (
    String,
    String,
    i64,
    Option<i64>,
    Option<u64>,
    bool,
    bool,
    String,
    String,
    String,
);

/// [`Packed`] borrowing the row's text (what is written: the same JSON, without copying the
/// strings of 420,000 rows first).
type PackedRef<'a> = (
    &'a str,
    &'a str,
    i64,
    Option<i64>,
    Option<u64>,
    bool,
    bool,
    &'a str,
    &'a str,
    &'a str,
);

fn pack(r: &RuleResultRow) -> PackedRef<'_> {
    (
        &r.rule,
        &r.verdict,
        i64::from(r.level),
        r.amount_fen,
        r.distance.map(f64::to_bits),
        r.verified,
        r.assumption_dependent,
        &r.supply,
        &r.record,
        &r.level_basis,
    )
}

fn unpack(uscc: &str, name: &str, park: &str, p: Packed) -> Result<RuleResultRow, Error> {
    Ok(RuleResultRow {
        uscc: uscc.to_string(),
        name: name.to_string(),
        park: park.to_string(),
        rule: p.0,
        verdict: p.1,
        level: i32::try_from(p.2)
            .map_err(|_| Error::Corrupt(format!("企业 {uscc} 的梯度级别 {} 无效", p.2)))?,
        amount_fen: p.3,
        distance: p.4.map(f64::from_bits),
        verified: p.5,
        assumption_dependent: p.6,
        supply: p.7,
        record: p.8,
        level_basis: p.9,
    })
}

/// Each firm's results as the JSON text stored, encoded before the transaction opens: the second
/// half of the firms on a second thread.
fn encode_results(firms: &[(&str, &str, Vec<PackedRef<'_>>)]) -> Result<Vec<String>, Error> {
    let encode = |part: &[(&str, &str, Vec<PackedRef<'_>>)]| {
        part.iter()
            .map(|(uscc, _, packed)| {
                serde_json::to_string(packed)
                    .map_err(|e| Error::Corrupt(format!("企业 {uscc} 的结果无法编码：{e}")))
            })
            .collect::<Result<Vec<_>, Error>>()
    };
    let (first, second) = firms.split_at(firms.len() / 2);
    std::thread::scope(|s| {
        let later = s.spawn(|| encode(second));
        let mut texts = encode(first)?;
        texts.extend(later.join().expect("encoding results does not panic")?);
        Ok(texts)
    })
}

/// Firms per statement when storing (4 parameters each).
const FIRMS_PER_INSERT: usize = 2_000;

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
    ///
    /// The rows are stored one row per firm (`rule_firm_results`, every rule's result of the
    /// firm in one JSON text), fourteen times fewer rows than one per firm × rule: a 30,000-firm
    /// run is 15 multi-row statements of one prepared text.
    pub async fn insert_rules_run_with(
        &self,
        run: &RunRecord,
        rows: &[RuleResultRow],
        written: &mut (dyn FnMut(usize) + Send),
    ) -> Result<(), Error> {
        self.insert_rules_run_recorded(run, rows, written, None)
            .await
    }

    /// [`Store::insert_rules_run_with`], appending `event` to the audit trail in the same
    /// transaction (a run is stored with its entry or not at all).
    pub async fn insert_rules_run_recorded(
        &self,
        run: &RunRecord,
        rows: &[RuleResultRow],
        written: &mut (dyn FnMut(usize) + Send),
        event: Option<&crate::AuditEvent>,
    ) -> Result<(), Error> {
        // firms in the order first met, each with its rows in the given order
        let mut index: std::collections::HashMap<&str, usize> = Default::default();
        let mut firms: Vec<(&str, &str, Vec<PackedRef>)> = Vec::new();
        for r in rows {
            let i = *index.entry(r.uscc.as_str()).or_insert_with(|| {
                firms.push((r.uscc.as_str(), r.park.as_str(), Vec::new()));
                firms.len() - 1
            });
            if firms[i].1 != r.park {
                return Err(Error::Corrupt(format!(
                    "运行 {} 中企业 {} 的结果行属于不同园区（{}、{}）",
                    run.id, r.uscc, firms[i].1, r.park
                )));
            }
            firms[i].2.push(pack(r));
        }
        let mut texts = encode_results(&firms)?.into_iter();
        let mut tx = self.pool.begin().await?;
        crate::runs::insert_run_query(run).execute(&mut *tx).await?;
        let mut done = 0;
        for chunk in firms.chunks(FIRMS_PER_INSERT) {
            let sql = format!(
                "INSERT INTO rule_firm_results (run_id, uscc, park, results) VALUES {}",
                crate::import::placeholders(chunk.len(), 4, self.backend())
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (uscc, park, packed) in chunk {
                let text = texts.next().expect("one text per firm");
                q = q
                    .bind(run.id.clone())
                    .bind(uscc.to_string())
                    .bind(park.to_string())
                    .bind(text);
                done += packed.len();
            }
            q.execute(&mut *tx).await?;
            written(done);
        }
        if let Some(e) = event {
            crate::audit::audit_query(e).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The rows of run `run_id` in scope, optionally for one rule and/or one verdict, ordered by
    /// rule and credit code (byte order). Runs stored before schema version 17 are read from their
    /// one-row-per-rule table.
    pub async fn rule_results(
        &self,
        scope: &Scope,
        run_id: &str,
        rule: Option<&str>,
        verdict: Option<&str>,
    ) -> Result<Vec<RuleResultRow>, Error> {
        let (cond, bind) = scope.condition(2);
        let sql = format!(
            "SELECT r.uscc, e.name, r.park, r.results \
             FROM rule_firm_results r JOIN enterprises e ON e.uscc = r.uscc WHERE r.run_id = $1 AND {cond}"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(run_id.to_string());
        if let Some(b) = bind {
            q = q.bind(b);
        }
        let firms = q.fetch_all(&self.pool).await?;
        if firms.is_empty() {
            return self
                .rule_results_per_rule(scope, run_id, rule, verdict)
                .await;
        }
        let firms = firms
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
            .collect::<Result<Vec<(String, String, String, String)>, sqlx::Error>>()?;
        // decoding (~360,000 rows of the 30,000-firm zone, most of the read's time) off the async
        // workers: a page waiting behind it on the same worker would wait the whole decode
        let (run_id, rule, verdict) = (
            run_id.to_string(),
            rule.map(str::to_string),
            verdict.map(str::to_string),
        );
        tokio::task::spawn_blocking(move || {
            let mut out = Vec::new();
            for (uscc, name, park, text) in &firms {
                let packed: Vec<Packed> = serde_json::from_str(text).map_err(|e| {
                    Error::Corrupt(format!("运行 {run_id} 中企业 {uscc} 的结果无法解析：{e}"))
                })?;
                for p in packed {
                    if rule.as_ref().is_some_and(|x| *x != p.0)
                        || verdict.as_ref().is_some_and(|x| *x != p.1)
                    {
                        continue;
                    }
                    out.push(unpack(uscc, name, park, p)?);
                }
            }
            out.sort_unstable_by(|a, b| (&a.rule, &a.uscc).cmp(&(&b.rule, &b.uscc)));
            Ok(out)
        })
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
    }

    /// [`Store::rule_results`] of a run stored before schema version 17 (`rule_results`: one
    /// row per firm × rule).
    async fn rule_results_per_rule(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runs::RunKind;
    use gaoxin_model::{Date, Enterprise, IndustryCode, Listing, ParkId, Sector, Uscc, Year};

    fn firm(code: &str, park: &str, name: &str) -> Enterprise {
        Enterprise {
            uscc: Uscc::parse(code).unwrap(),
            name: name.into(),
            park: ParkId::parse(park).unwrap(),
            founded: Date::new(2015, 1, 1).unwrap(),
            industry: IndustryCode::parse("C3911").unwrap(),
            sector: Sector::Manufacturing,
            tech_field: None,
            listing: Listing::Unlisted,
            clusters: vec![],
            tracks: vec![],
            synthetic: true,
        }
    }

    fn run(id: &str) -> RunRecord {
        RunRecord {
            id: id.into(),
            kind: RunKind::Rules,
            created_at: 1_700_000_000,
            year: Year::new(2024).ok(),
            input_hash: "h".into(),
            versions: "v".into(),
            summary: "{}".into(),
        }
    }

    /// Rows of two firms in two parks × three rules, rule-major like a run's, with values that
    /// only an exact encoding keeps (f32-derived and thirds as distances, -0.0, i64 extremes,
    /// supply text with newlines, quotes and tabs).
    fn rows(a: &Enterprise, b: &Enterprise) -> Vec<RuleResultRow> {
        let mut out = Vec::new();
        for (k, rule) in ["zz-policy", "gaoqi", "keji"].iter().enumerate() {
            for (i, e) in [a, b].iter().enumerate() {
                let n = k * 2 + i;
                out.push(RuleResultRow {
                    uscc: e.uscc.as_str().into(),
                    name: e.name.clone(),
                    park: e.park.as_str().into(),
                    rule: rule.to_string(),
                    verdict: ["pass", "fail", "unknown"][n % 3].into(),
                    level: n as i32 - 1,
                    amount_fen: [None, Some(i64::MAX), Some(-1), Some(0)][n % 4],
                    distance: [
                        None,
                        Some(0.1f32 as f64),
                        Some(1.0 / 3.0),
                        Some(-0.0),
                        Some(1e-300),
                        Some(f64::MAX),
                    ][n % 6],
                    verified: n % 2 == 0,
                    assumption_dependent: n % 3 == 0,
                    supply: format!("研发费用（2023年，\"自报\"）\n知识产权\t{n}"),
                    record: ["recognised", "", "not_recognised"][n % 3].into(),
                    level_basis: ["record", "rules", ""][n % 3].into(),
                });
            }
        }
        out
    }

    fn sorted(mut v: Vec<RuleResultRow>) -> Vec<RuleResultRow> {
        v.sort_by(|x, y| (&x.rule, &x.uscc).cmp(&(&y.rule, &y.uscc)));
        v
    }

    /// Equal rows; `bits`: the distances' bits too (PartialEq on f64 says -0.0 == 0.0; the
    /// old per-rule table's SQLite REAL column kept -0.0 as 0).
    fn same(x: &[RuleResultRow], y: &[RuleResultRow], bits: bool) {
        assert_eq!(x.len(), y.len());
        for (x, y) in x.iter().zip(y) {
            assert_eq!(x, y);
            if bits {
                assert_eq!(x.distance.map(f64::to_bits), y.distance.map(f64::to_bits));
            }
        }
    }

    /// The pre-0017 way of storing a run: one `rule_results` row per firm × rule.
    async fn insert_per_rule(store: &Store, run: &RunRecord, rows: &[RuleResultRow]) {
        crate::runs::insert_run_query(run)
            .execute(&store.pool)
            .await
            .unwrap();
        for r in rows {
            sqlx::query(
                "INSERT INTO rule_results (run_id, uscc, park, rule, verdict, level, amount_fen, distance, verified, assumption_dependent, supply, record, level_basis) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .persistent(false)
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
            .bind(r.level_basis.clone())
            .execute(&store.pool)
            .await
            .unwrap();
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_run_reads_back_identically_on_both_backends_new_and_old_storage() {
        for store in crate::testing::all().await.unwrap() {
            let a = firm("91440300708461136T", "jiangbei", "甲企业");
            let b = Enterprise {
                uscc: Uscc::from_body("91320191MA1XXXXX0").unwrap(),
                ..firm("91440300708461136T", "xingang", "乙企业")
            };
            let mut tx = store.begin_import().await.unwrap();
            tx.write_enterprises(&[a.clone(), b.clone()]).await.unwrap();
            tx.commit().await.unwrap();
            let want = sorted(rows(&a, &b));
            let mut seen = Vec::new();
            store
                .insert_rules_run_with(&run("new"), &rows(&a, &b), &mut |n| seen.push(n))
                .await
                .unwrap();
            assert_eq!(seen, vec![6], "progress counts rule rows");
            insert_per_rule(&store, &run("old"), &rows(&a, &b)).await;
            for id in ["new", "old"] {
                let bits = id == "new";
                let zone = store
                    .rule_results(&Scope::Zone, id, None, None)
                    .await
                    .unwrap();
                same(&zone, &want, bits);
                let one = store
                    .rule_results(&Scope::Zone, id, Some("gaoqi"), Some("pass"))
                    .await
                    .unwrap();
                let w: Vec<_> = want
                    .iter()
                    .filter(|r| r.rule == "gaoqi" && r.verdict == "pass")
                    .cloned()
                    .collect();
                assert_eq!(w.len(), 1);
                same(&one, &w, bits);
                let park = store
                    .rule_results(&Scope::Park(b.park.clone()), id, None, None)
                    .await
                    .unwrap();
                let w: Vec<_> = want
                    .iter()
                    .filter(|r| r.park == "xingang")
                    .cloned()
                    .collect();
                same(&park, &w, bits);
                let own = store
                    .rule_results(&Scope::Enterprise(a.uscc.clone()), id, None, None)
                    .await
                    .unwrap();
                let w: Vec<_> = want
                    .iter()
                    .filter(|r| r.uscc == a.uscc.as_str())
                    .cloned()
                    .collect();
                same(&own, &w, bits);
            }
            // one row per firm in the new table, none per rule
            let n: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM rule_firm_results WHERE run_id = 'new'")
                    .fetch_one(&store.pool)
                    .await
                    .unwrap();
            assert_eq!(n, 2);
            assert!(
                store
                    .rule_results(&Scope::Zone, "none", None, None)
                    .await
                    .unwrap()
                    .is_empty()
            );
        }
    }
}
