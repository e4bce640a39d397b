//! The payout ledger (政策兑现, issue 20): awards from a rules run to the money paid, their
//! append-only steps, and the special-fund accounts.
//!
//! An award is created with its first steps in one transaction ([`Store::create_payouts`]); every
//! later change is [`Store::apply_payout_step`]: the award's current-state columns are written only
//! if its `version` is still the one the caller saw, the step is appended and the audit event
//! recorded, all in one transaction — a crash leaves all or nothing. Steps are never updated or
//! deleted. Which step is allowed for whom is the app's (`gaoxin_app::payout_flow`); the store keeps
//! states as text.
//!
//! Reads take a [`Scope`]: the zone sees every award, a park its firms' awards, a firm its own; a
//! department none. An award outside the scope reads as missing. The fund accounts are the zone's:
//! the zone and parks read them, firms and departments read nothing.
use crate::audit::{AuditEvent, audit_query};
use crate::db::{Error, Store};
use crate::scope::Scope;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// An award as stored (`id` is assigned by the store on creation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayoutRow {
    pub id: i64,
    pub uscc: String,
    pub firm_name: String,
    pub park: String,
    pub year: i64,
    pub rule: String,
    pub rule_version: String,
    pub run_id: String,
    pub computed_fen: i64,
    /// 免申 | 申报.
    pub channel: String,
    pub state: String,
    pub approved_fen: Option<i64>,
    pub paid_fen: Option<i64>,
    /// yyyymmdd.
    pub approved_on: Option<i64>,
    pub paid_on: Option<i64>,
    pub published_on: Option<i64>,
    /// The firm no longer qualifies in the latest rules run.
    pub flagged: bool,
    /// What the firm must supply, one item a line.
    pub supply: String,
    /// Bumped by every step.
    pub version: i64,
}

/// One recorded step of an award.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayoutStep {
    pub payout_id: i64,
    pub seq: i64,
    /// Unix seconds.
    pub at: i64,
    /// yyyymmdd.
    pub on_date: i64,
    pub actor: String,
    pub role: String,
    pub step: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub amount_fen: Option<i64>,
    pub reason: String,
    pub fund_source: String,
    pub paid_on: Option<i64>,
    pub note: String,
}

/// Which awards a list shows (all `None`: every award in scope).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PayoutFilter {
    pub year: Option<i64>,
    pub rule: Option<String>,
    pub park: Option<String>,
    pub state: Option<String>,
    pub channel: Option<String>,
    pub uscc: Option<String>,
}

/// One special-fund account line: an allocation of a year by category and source, or the city's
/// whole S&T special fund of the year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundLine {
    pub year: i64,
    pub category: String,
    /// 市级 | 区级.
    pub source: String,
    pub amount_fen: i64,
    pub entered_by: String,
    pub entered_at: i64,
    pub note: String,
}

/// One entry of the fund accounts' history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundEntry {
    pub id: i64,
    pub line: FundLine,
    /// The entry this one corrects (the previous line of its year × category × source).
    pub supersedes: Option<i64>,
    /// 录入 (entered by hand) or 导入:<file name>.
    pub origin: String,
    /// The line in force (no later entry for its year × category × source).
    pub current: bool,
}

const COLS: &str = "p.id, p.uscc, p.firm_name, p.park, p.year, p.rule, p.rule_version, p.run_id, p.computed_fen, p.channel, p.state, p.approved_fen, p.paid_fen, p.approved_on, p.paid_on, p.published_on, p.flagged, p.supply, p.version";

const STEP_COLS: &str = "s.payout_id, s.seq, s.at, s.on_date, s.actor, s.role, s.step, s.from_state, s.to_state, s.amount_fen, s.reason, s.fund_source, s.paid_on, s.note";

fn i(r: &AnyRow, n: usize) -> Result<i64, sqlx::Error> {
    r.try_get::<i64, _>(n)
        .or_else(|_| r.try_get::<i32, _>(n).map(i64::from))
}

fn oi(r: &AnyRow, n: usize) -> Result<Option<i64>, sqlx::Error> {
    r.try_get::<Option<i64>, _>(n)
        .or_else(|_| r.try_get::<Option<i32>, _>(n).map(|v| v.map(i64::from)))
}

fn decode(r: &AnyRow) -> Result<PayoutRow, Error> {
    Ok(PayoutRow {
        id: i(r, 0)?,
        uscc: r.try_get(1)?,
        firm_name: r.try_get(2)?,
        park: r.try_get(3)?,
        year: i(r, 4)?,
        rule: r.try_get(5)?,
        rule_version: r.try_get(6)?,
        run_id: r.try_get(7)?,
        computed_fen: i(r, 8)?,
        channel: r.try_get(9)?,
        state: r.try_get(10)?,
        approved_fen: oi(r, 11)?,
        paid_fen: oi(r, 12)?,
        approved_on: oi(r, 13)?,
        paid_on: oi(r, 14)?,
        published_on: oi(r, 15)?,
        flagged: i(r, 16)? != 0,
        supply: r.try_get(17)?,
        version: i(r, 18)?,
    })
}

fn decode_step(r: &AnyRow) -> Result<PayoutStep, Error> {
    Ok(PayoutStep {
        payout_id: i(r, 0)?,
        seq: i(r, 1)?,
        at: i(r, 2)?,
        on_date: i(r, 3)?,
        actor: r.try_get(4)?,
        role: r.try_get(5)?,
        step: r.try_get(6)?,
        from_state: r.try_get(7)?,
        to_state: r.try_get(8)?,
        amount_fen: oi(r, 9)?,
        reason: r.try_get(10)?,
        fund_source: r.try_get(11)?,
        paid_on: oi(r, 12)?,
        note: r.try_get(13)?,
    })
}

/// The scope's condition on `payouts p`, using placeholder `$n`.
fn scope_condition(scope: &Scope, n: usize) -> (String, Option<String>) {
    match scope {
        Scope::Zone => ("1 = 1".into(), None),
        Scope::Park(p) => (format!("p.park = ${n}"), Some(p.to_string())),
        Scope::Enterprise(u) => (format!("p.uscc = ${n}"), Some(u.as_str().to_string())),
        Scope::Department(_) => ("1 = 0".into(), None),
    }
}

async fn insert_step(conn: &mut sqlx::AnyConnection, s: &PayoutStep) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO payout_steps (payout_id, seq, at, on_date, actor, role, step, from_state, to_state, amount_fen, reason, fund_source, paid_on, note) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(s.payout_id)
    .bind(s.seq)
    .bind(s.at)
    .bind(s.on_date)
    .bind(s.actor.clone())
    .bind(s.role.clone())
    .bind(s.step.clone())
    .bind(s.from_state.clone())
    .bind(s.to_state.clone())
    .bind(s.amount_fen)
    .bind(s.reason.clone())
    .bind(s.fund_source.clone())
    .bind(s.paid_on)
    .bind(s.note.clone())
    .execute(conn)
    .await?;
    Ok(())
}

/// See [`Store::apply_payout_step`] (inside the caller's transaction).
async fn apply_step(
    conn: &mut sqlx::AnyConnection,
    now: &PayoutRow,
    step: &PayoutStep,
    event: &AuditEvent,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "UPDATE payouts SET state = $1, computed_fen = $2, run_id = $3, rule_version = $4, approved_fen = $5, paid_fen = $6, approved_on = $7, paid_on = $8, published_on = $9, flagged = $10, supply = $11, version = version + 1 \
         WHERE id = $12 AND version = $13",
    )
    .bind(now.state.clone())
    .bind(now.computed_fen)
    .bind(now.run_id.clone())
    .bind(now.rule_version.clone())
    .bind(now.approved_fen)
    .bind(now.paid_fen)
    .bind(now.approved_on)
    .bind(now.paid_on)
    .bind(now.published_on)
    .bind(i64::from(now.flagged))
    .bind(now.supply.clone())
    .bind(now.id)
    .bind(now.version)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    let seq = i(
        &sqlx::query("SELECT COALESCE(MAX(seq), 0) FROM payout_steps WHERE payout_id = $1")
            .bind(now.id)
            .fetch_one(&mut *conn)
            .await?,
        0,
    )? + 1;
    insert_step(
        conn,
        &PayoutStep {
            payout_id: now.id,
            seq,
            ..step.clone()
        },
    )
    .await?;
    audit_query(event).execute(&mut *conn).await?;
    Ok(true)
}

impl Store {
    /// Creates awards, each with its steps (their `payout_id` and `seq` are assigned here) and
    /// audit events, all in one transaction (all or nothing); returns the new ids in order. An
    /// award whose (year, rule, firm) exists already fails the whole call.
    pub async fn create_payouts(
        &self,
        items: &[(PayoutRow, Vec<PayoutStep>, Vec<AuditEvent>)],
    ) -> Result<Vec<i64>, Error> {
        // the write lock first: the next id is read (see `begin_write`)
        let mut tx = self.begin_write("payouts").await?;
        let next: i64 = i(
            &sqlx::query("SELECT COALESCE(MAX(id), 0) FROM payouts")
                .fetch_one(&mut *tx)
                .await?,
            0,
        )?;
        let mut ids = Vec::with_capacity(items.len());
        for (k, (p, steps, events)) in items.iter().enumerate() {
            let id = next + 1 + k as i64;
            sqlx::query(
                "INSERT INTO payouts (id, uscc, firm_name, park, year, rule, rule_version, run_id, computed_fen, channel, state, approved_fen, paid_fen, approved_on, paid_on, published_on, flagged, supply, version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, 1)",
            )
            .bind(id)
            .bind(p.uscc.clone())
            .bind(p.firm_name.clone())
            .bind(p.park.clone())
            .bind(p.year)
            .bind(p.rule.clone())
            .bind(p.rule_version.clone())
            .bind(p.run_id.clone())
            .bind(p.computed_fen)
            .bind(p.channel.clone())
            .bind(p.state.clone())
            .bind(p.approved_fen)
            .bind(p.paid_fen)
            .bind(p.approved_on)
            .bind(p.paid_on)
            .bind(p.published_on)
            .bind(i64::from(p.flagged))
            .bind(p.supply.clone())
            .execute(&mut *tx)
            .await?;
            for (n, s) in steps.iter().enumerate() {
                let s = PayoutStep {
                    payout_id: id,
                    seq: n as i64 + 1,
                    ..s.clone()
                };
                insert_step(&mut tx, &s).await?;
            }
            for e in events {
                let e = AuditEvent {
                    subject: format!("payout:{id}"),
                    ..e.clone()
                };
                audit_query(&e).execute(&mut *tx).await?;
            }
            ids.push(id);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// Applies one step in one transaction: the award's current-state columns become `now`'s
    /// (state, computed amount and its run, approved and paid amounts and dates, flag, supply)
    /// only if its version is still `now.version`; the version is bumped, `step` appended with the
    /// next seq (the given one is ignored) and `event` recorded. False (nothing written) when the
    /// award changed meanwhile or does not exist.
    pub async fn apply_payout_step(
        &self,
        now: &PayoutRow,
        step: &PayoutStep,
        event: &AuditEvent,
    ) -> Result<bool, Error> {
        let mut tx = self.pool.begin().await?;
        if !apply_step(&mut tx, now, step, event).await? {
            return Ok(false);
        }
        tx.commit().await?;
        Ok(true)
    }

    /// [`Store::apply_payout_step`] for several awards in one transaction (an import): all are
    /// written, or none when any award changed meanwhile (false).
    pub async fn apply_payout_steps(
        &self,
        items: &[(PayoutRow, PayoutStep, AuditEvent)],
    ) -> Result<bool, Error> {
        let mut tx = self.pool.begin().await?;
        for (now, step, event) in items {
            if !apply_step(&mut tx, now, step, event).await? {
                return Ok(false);
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    /// One award, if it exists and the scope may see it.
    pub async fn payout(&self, scope: &Scope, id: i64) -> Result<Option<PayoutRow>, Error> {
        let (cond, bind) = scope_condition(scope, 2);
        let sql = format!("SELECT {COLS} FROM payouts p WHERE p.id = $1 AND {cond}");
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(id);
        if let Some(b) = bind {
            q = q.bind(b);
        }
        match q.fetch_optional(&self.pool).await? {
            Some(r) => Ok(Some(decode(&r)?)),
            None => Ok(None),
        }
    }

    /// The awards in scope matching `f`, by year (newest first), rule and credit code.
    pub async fn payouts(&self, scope: &Scope, f: &PayoutFilter) -> Result<Vec<PayoutRow>, Error> {
        let (cond, bind) = scope_condition(scope, 1);
        let mut binds: Vec<String> = bind.into_iter().collect();
        let mut sql = format!("SELECT {COLS} FROM payouts p WHERE {cond}");
        for (col, v) in [
            ("p.rule", &f.rule),
            ("p.park", &f.park),
            ("p.state", &f.state),
            ("p.channel", &f.channel),
            ("p.uscc", &f.uscc),
        ] {
            if let Some(v) = v {
                binds.push(v.clone());
                sql.push_str(&format!(" AND {col} = ${}", binds.len()));
            }
        }
        if let Some(y) = f.year {
            sql.push_str(&format!(" AND p.year = {y}"));
        }
        sql.push_str(" ORDER BY p.year DESC, p.rule, p.uscc");
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for b in binds {
            q = q.bind(b);
        }
        q.fetch_all(&self.pool).await?.iter().map(decode).collect()
    }

    /// An award's steps, oldest first (empty when the scope may not see the award).
    pub async fn payout_steps(&self, scope: &Scope, id: i64) -> Result<Vec<PayoutStep>, Error> {
        let (cond, bind) = scope_condition(scope, 2);
        let sql = format!(
            "SELECT {STEP_COLS} FROM payout_steps s JOIN payouts p ON p.id = s.payout_id WHERE s.payout_id = $1 AND {cond} ORDER BY s.seq"
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(id);
        if let Some(b) = bind {
            q = q.bind(b);
        }
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(decode_step)
            .collect()
    }

    /// Enters one special-fund line (a new entry that supersedes the year × category × source's
    /// previous one; nothing is overwritten) and records `event`, in one transaction.
    pub async fn set_payout_fund(&self, line: &FundLine, event: &AuditEvent) -> Result<(), Error> {
        self.set_payout_funds(std::slice::from_ref(line), std::slice::from_ref(event))
            .await
    }

    /// Enters several fund lines and records the events, all in one transaction.
    pub async fn set_payout_funds(
        &self,
        lines: &[FundLine],
        events: &[AuditEvent],
    ) -> Result<(), Error> {
        self.append_payout_funds(lines, "录入", events).await
    }

    /// Appends fund lines (`origin`: 录入, or 导入:<file>), each superseding the line in force
    /// for its year × category × source, and records the events — all in one transaction (an
    /// import is all or nothing). The history is append-only: no statement updates or deletes a
    /// line.
    pub async fn append_payout_funds(
        &self,
        lines: &[FundLine],
        origin: &str,
        events: &[AuditEvent],
    ) -> Result<(), Error> {
        // the write lock first: the next id is read (see `begin_write`)
        let mut tx = self.begin_write("payout_fund_lines").await?;
        let mut next: i64 = i(
            &sqlx::query("SELECT COALESCE(MAX(id), 0) FROM payout_fund_lines")
                .fetch_one(&mut *tx)
                .await?,
            0,
        )?;
        for l in lines {
            let prev = oi(
                &sqlx::query(
                    "SELECT MAX(id) FROM payout_fund_lines WHERE year = $1 AND category = $2 AND source = $3",
                )
                .bind(l.year)
                .bind(l.category.clone())
                .bind(l.source.clone())
                .fetch_one(&mut *tx)
                .await?,
                0,
            )?;
            next += 1;
            sqlx::query(
                "INSERT INTO payout_fund_lines (id, year, category, source, amount_fen, entered_by, entered_at, note, supersedes, origin) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(next)
            .bind(l.year)
            .bind(l.category.clone())
            .bind(l.source.clone())
            .bind(l.amount_fen)
            .bind(l.entered_by.clone())
            .bind(l.entered_at)
            .bind(l.note.clone())
            .bind(prev)
            .bind(origin.to_string())
            .execute(&mut *tx)
            .await?;
        }
        for e in events {
            audit_query(e).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The special-fund lines in force (the latest entry of each year × category × source; the
    /// zone's and parks' to read, a firm or a department reads none), by year, category, source.
    pub async fn payout_funds(&self, scope: &Scope) -> Result<Vec<FundLine>, Error> {
        Ok(self
            .payout_fund_history(scope)
            .await?
            .into_iter()
            .filter(|e| e.current)
            .map(|e| e.line)
            .collect())
    }

    /// Every fund entry ever made, oldest first within each year × category × source (the same
    /// readers as [`Store::payout_funds`]).
    pub async fn payout_fund_history(&self, scope: &Scope) -> Result<Vec<FundEntry>, Error> {
        if matches!(scope, Scope::Enterprise(_) | Scope::Department(_)) {
            return Ok(vec![]);
        }
        let rows = sqlx::query(
            "SELECT id, year, category, source, amount_fen, entered_by, entered_at, note, supersedes, origin FROM payout_fund_lines ORDER BY year, category, source, id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<FundEntry> = Vec::with_capacity(rows.len());
        for r in &rows {
            let e = FundEntry {
                id: i(r, 0)?,
                line: FundLine {
                    year: i(r, 1)?,
                    category: r.try_get(2)?,
                    source: r.try_get(3)?,
                    amount_fen: i(r, 4)?,
                    entered_by: r.try_get(5)?,
                    entered_at: i(r, 6)?,
                    note: r.try_get(7)?,
                },
                supersedes: oi(r, 8)?,
                origin: r.try_get(9)?,
                current: true,
            };
            if let Some(prev) = out.last_mut()
                && (prev.line.year, &prev.line.category, &prev.line.source)
                    == (e.line.year, &e.line.category, &e.line.source)
            {
                prev.current = false;
            }
            out.push(e);
        }
        Ok(out)
    }

    /// Removes every award, its steps and the fund lines (the demo's reload of synthetic data only).
    pub async fn clear_payouts(&self) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM payout_steps")
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM payouts").execute(&mut *tx).await?;
        // the demo's synthetic ledger only (a reload replaces synthetic data as a whole)
        sqlx::query("DELETE FROM payout_fund_lines")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
