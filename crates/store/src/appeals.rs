//! Firms' appeals (企业诉求直通车): the appeals and their append-only history.
//!
//! An appeal is filed with its first transition (受理) in one transaction; every later change is
//! [`Store::apply_appeal_transition`]: the appeal's row is updated only if it is still in the state
//! the caller saw, and the transition is appended, in one transaction — a crash leaves either
//! both or neither. Transitions are never updated or deleted. The workflow's rules (which move is
//! allowed for whom) are the app's (`gaoxin_app::appeals_flow`); the store keeps states as text.
//!
//! Reads take a [`Scope`]: the zone sees every appeal, a park its firms' appeals, a firm its own,
//! a department those routed to it. An appeal outside the scope reads as missing.
use crate::consent::key_hash;
use crate::db::{Error, Store};
use crate::scope::Scope;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// An appeal to file (its id is assigned by the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAppeal {
    pub uscc: String,
    pub firm_name: String,
    pub park: String,
    pub category: String,
    pub suggested_category: Option<String>,
    pub title: String,
    pub description: String,
    pub contact: String,
    /// 企业 | 电话 | 走访 | 导入 | 12345.
    pub channel: String,
    pub rule_file: Option<String>,
    /// The department routed to (`None`: the firm's park).
    pub department: Option<String>,
    /// Unix seconds.
    pub filed_at: i64,
    /// yyyymmdd: the day the working-day clock starts.
    pub filed_on: i64,
    pub filed_by: String,
    /// The filer's role key (`enterprise`, `zone_admin`, `api`, …), for the first transition.
    pub filed_role: String,
    pub limit_days: i64,
    /// The first state (受理).
    pub state: String,
    pub note: String,
}

/// An appeal as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppealRow {
    pub id: i64,
    pub uscc: String,
    pub firm_name: String,
    pub park: String,
    pub category: String,
    pub suggested_category: Option<String>,
    pub title: String,
    pub description: String,
    pub contact: String,
    pub channel: String,
    pub rule_file: Option<String>,
    pub department: Option<String>,
    pub state: String,
    pub escalated: bool,
    pub reopened: i64,
    pub filed_at: i64,
    pub filed_on: i64,
    pub filed_by: String,
    pub limit_days: i64,
    pub clock_start: i64,
    pub pauses: String,
    pub replied_on: Option<i64>,
    pub closed_on: Option<i64>,
    pub satisfied: Option<bool>,
    pub resolved: Option<bool>,
}

/// One recorded change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionRow {
    pub appeal_id: i64,
    pub seq: i64,
    pub at: i64,
    pub on_date: i64,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub note: String,
    pub department: Option<String>,
    pub satisfied: Option<bool>,
    pub resolved: Option<bool>,
}

/// What a transition changes on the appeal's row (besides its state). `None`: unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppealChange {
    /// Routed to (`Some(None)`: the firm's park).
    pub department: Option<Option<String>>,
    pub escalated: Option<bool>,
    /// Add one to `reopened` (重办).
    pub reopen: bool,
    pub clock_start: Option<i64>,
    pub pauses: Option<String>,
    pub replied_on: Option<i64>,
    pub closed_on: Option<i64>,
    pub satisfied: Option<bool>,
    pub resolved: Option<bool>,
}

/// Which appeals a list shows (all `None`: every appeal in scope).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppealFilter {
    pub state: Option<String>,
    pub category: Option<String>,
    pub park: Option<String>,
    pub department: Option<String>,
    pub uscc: Option<String>,
    pub rule_file: Option<String>,
    /// Only appeals not 办结.
    pub open_only: bool,
    /// Most rows (`None`: all).
    pub limit: Option<i64>,
}

const COLS: &str = "a.id, a.uscc, a.firm_name, a.park, a.category, a.suggested_category, a.title, a.description, a.contact, a.channel, a.rule_file, a.department, a.state, a.escalated, a.reopened, a.filed_at, a.filed_on, a.filed_by, a.limit_days, a.clock_start, a.pauses, a.replied_on, a.closed_on, a.satisfied, a.resolved";

fn i(r: &AnyRow, n: usize) -> Result<i64, sqlx::Error> {
    r.try_get::<i64, _>(n)
        .or_else(|_| r.try_get::<i32, _>(n).map(i64::from))
}

fn oi(r: &AnyRow, n: usize) -> Result<Option<i64>, sqlx::Error> {
    r.try_get::<Option<i64>, _>(n)
        .or_else(|_| r.try_get::<Option<i32>, _>(n).map(|v| v.map(i64::from)))
}

fn decode(r: &AnyRow) -> Result<AppealRow, Error> {
    Ok(AppealRow {
        id: i(r, 0)?,
        uscc: r.try_get(1)?,
        firm_name: r.try_get(2)?,
        park: r.try_get(3)?,
        category: r.try_get(4)?,
        suggested_category: r.try_get(5)?,
        title: r.try_get(6)?,
        description: r.try_get(7)?,
        contact: r.try_get(8)?,
        channel: r.try_get(9)?,
        rule_file: r.try_get(10)?,
        department: r.try_get(11)?,
        state: r.try_get(12)?,
        escalated: i(r, 13)? != 0,
        reopened: i(r, 14)?,
        filed_at: i(r, 15)?,
        filed_on: i(r, 16)?,
        filed_by: r.try_get(17)?,
        limit_days: i(r, 18)?,
        clock_start: i(r, 19)?,
        pauses: r.try_get(20)?,
        replied_on: oi(r, 21)?,
        closed_on: oi(r, 22)?,
        satisfied: oi(r, 23)?.map(|v| v != 0),
        resolved: oi(r, 24)?.map(|v| v != 0),
    })
}

fn decode_transition(r: &AnyRow) -> Result<TransitionRow, Error> {
    Ok(TransitionRow {
        appeal_id: i(r, 0)?,
        seq: i(r, 1)?,
        at: i(r, 2)?,
        on_date: i(r, 3)?,
        actor: r.try_get(4)?,
        role: r.try_get(5)?,
        action: r.try_get(6)?,
        from_state: r.try_get(7)?,
        to_state: r.try_get(8)?,
        note: r.try_get(9)?,
        department: r.try_get(10)?,
        satisfied: oi(r, 11)?.map(|v| v != 0),
        resolved: oi(r, 12)?.map(|v| v != 0),
    })
}

/// The scope's condition on `appeals a`, using placeholder `$n`.
fn scope_condition(scope: &Scope, n: usize) -> (String, Option<String>) {
    match scope {
        Scope::Zone => ("1 = 1".into(), None),
        Scope::Park(p) => (format!("a.park = ${n}"), Some(p.to_string())),
        Scope::Enterprise(u) => (format!("a.uscc = ${n}"), Some(u.as_str().to_string())),
        Scope::Department(d) => (format!("a.department = ${n}"), Some(d.to_string())),
    }
}

const TRANSITION_INSERT: &str = "INSERT INTO appeal_transitions (appeal_id, seq, at, on_date, actor, role, action, from_state, to_state, note, department, satisfied, resolved) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";

async fn insert_transition(conn: &mut sqlx::AnyConnection, t: &TransitionRow) -> Result<(), Error> {
    sqlx::query(TRANSITION_INSERT)
        .bind(t.appeal_id)
        .bind(t.seq)
        .bind(t.at)
        .bind(t.on_date)
        .bind(t.actor.clone())
        .bind(t.role.clone())
        .bind(t.action.clone())
        .bind(t.from_state.clone())
        .bind(t.to_state.clone())
        .bind(t.note.clone())
        .bind(t.department.clone())
        .bind(t.satisfied.map(i64::from))
        .bind(t.resolved.map(i64::from))
        .execute(conn)
        .await?;
    Ok(())
}

impl Store {
    /// Files appeals, each with its first transition, all in one transaction (all or nothing);
    /// returns their ids in order.
    pub async fn file_appeals(&self, appeals: &[NewAppeal]) -> Result<Vec<i64>, Error> {
        // the write lock first: the next id is read (see `begin_write`)
        let mut tx = self.begin_write("appeals").await?;
        let next: i64 = i(
            &sqlx::query("SELECT COALESCE(MAX(id), 0) FROM appeals")
                .fetch_one(&mut *tx)
                .await?,
            0,
        )?;
        let mut ids = Vec::with_capacity(appeals.len());
        for (k, a) in appeals.iter().enumerate() {
            let id = next + 1 + k as i64;
            sqlx::query(
                "INSERT INTO appeals (id, uscc, firm_name, park, category, suggested_category, title, description, contact, channel, rule_file, department, state, escalated, reopened, filed_at, filed_on, filed_by, limit_days, clock_start, pauses) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 0, 0, $14, $15, $16, $17, $18, '')",
            )
            .bind(id)
            .bind(a.uscc.clone())
            .bind(a.firm_name.clone())
            .bind(a.park.clone())
            .bind(a.category.clone())
            .bind(a.suggested_category.clone())
            .bind(a.title.clone())
            .bind(a.description.clone())
            .bind(a.contact.clone())
            .bind(a.channel.clone())
            .bind(a.rule_file.clone())
            .bind(a.department.clone())
            .bind(a.state.clone())
            .bind(a.filed_at)
            .bind(a.filed_on)
            .bind(a.filed_by.clone())
            .bind(a.limit_days)
            .bind(a.filed_on)
            .execute(&mut *tx)
            .await?;
            insert_transition(
                &mut tx,
                &TransitionRow {
                    appeal_id: id,
                    seq: 1,
                    at: a.filed_at,
                    on_date: a.filed_on,
                    actor: a.filed_by.clone(),
                    role: a.filed_role.clone(),
                    action: "受理".into(),
                    from_state: None,
                    to_state: a.state.clone(),
                    note: a.note.clone(),
                    department: a.department.clone(),
                    satisfied: None,
                    resolved: None,
                },
            )
            .await?;
            ids.push(id);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// One appeal, if it exists and the scope may see it.
    pub async fn appeal(&self, scope: &Scope, id: i64) -> Result<Option<AppealRow>, Error> {
        let (cond, bind) = scope_condition(scope, 2);
        let sql = format!("SELECT {COLS} FROM appeals a WHERE a.id = $1 AND {cond}");
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(id);
        if let Some(b) = bind {
            q = q.bind(b);
        }
        match q.fetch_optional(&self.pool).await? {
            Some(r) => Ok(Some(decode(&r)?)),
            None => Ok(None),
        }
    }

    /// The appeals in scope matching `f`, newest first.
    pub async fn appeals(&self, scope: &Scope, f: &AppealFilter) -> Result<Vec<AppealRow>, Error> {
        let (cond, bind) = scope_condition(scope, 1);
        let mut binds: Vec<String> = bind.into_iter().collect();
        let mut sql = format!("SELECT {COLS} FROM appeals a WHERE {cond}");
        for (col, v) in [
            ("a.state", &f.state),
            ("a.category", &f.category),
            ("a.park", &f.park),
            ("a.department", &f.department),
            ("a.uscc", &f.uscc),
            ("a.rule_file", &f.rule_file),
        ] {
            if let Some(v) = v {
                binds.push(v.clone());
                sql.push_str(&format!(" AND {col} = ${}", binds.len()));
            }
        }
        if f.open_only {
            sql.push_str(" AND a.state <> '办结'");
        }
        sql.push_str(" ORDER BY a.id DESC");
        if let Some(n) = f.limit {
            sql.push_str(&format!(" LIMIT {}", n.max(0)));
        }
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for b in binds {
            q = q.bind(b);
        }
        q.fetch_all(&self.pool).await?.iter().map(decode).collect()
    }

    /// An appeal's history, oldest first (empty when the scope may not see the appeal).
    pub async fn appeal_transitions(
        &self,
        scope: &Scope,
        id: i64,
    ) -> Result<Vec<TransitionRow>, Error> {
        let (cond, bind) = scope_condition(scope, 2);
        let sql = format!(
            "SELECT t.appeal_id, t.seq, t.at, t.on_date, t.actor, t.role, t.action, t.from_state, t.to_state, t.note, t.department, t.satisfied, t.resolved \
             FROM appeal_transitions t JOIN appeals a ON a.id = t.appeal_id WHERE t.appeal_id = $1 AND {cond} ORDER BY t.seq"
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(id);
        if let Some(b) = bind {
            q = q.bind(b);
        }
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(decode_transition)
            .collect()
    }

    /// Applies one transition in one transaction: the appeal moves from `t.from_state` to
    /// `t.to_state` (with `change`) only if it is still in `t.from_state` and its escalation flag
    /// is still `escalated_before`; the transition is appended with the next `seq` (the given one
    /// is ignored). False (nothing written) when the appeal changed meanwhile or does not exist.
    pub async fn apply_appeal_transition(
        &self,
        t: &TransitionRow,
        escalated_before: bool,
        change: &AppealChange,
    ) -> Result<bool, Error> {
        let mut tx = self.pool.begin().await?;
        let mut sets = vec!["state = $1".to_string()];
        let mut n = 1;
        let mut texts: Vec<(usize, Option<String>)> = Vec::new();
        let mut ints: Vec<(usize, Option<i64>)> = Vec::new();
        let mut set_text = |col: &str, v: Option<String>, sets: &mut Vec<String>| {
            n += 1;
            sets.push(format!("{col} = ${n}"));
            texts.push((n, v));
        };
        if let Some(d) = &change.department {
            set_text("department", d.clone(), &mut sets);
        }
        if let Some(p) = &change.pauses {
            set_text("pauses", Some(p.clone()), &mut sets);
        }
        for (col, v) in [
            ("escalated", change.escalated.map(i64::from)),
            ("clock_start", change.clock_start),
            ("replied_on", change.replied_on),
            ("closed_on", change.closed_on),
            ("satisfied", change.satisfied.map(i64::from)),
            ("resolved", change.resolved.map(i64::from)),
        ] {
            if v.is_some() {
                n += 1;
                sets.push(format!("{col} = ${n}"));
                ints.push((n, v));
            }
        }
        if change.reopen {
            sets.push("reopened = reopened + 1".into());
        }
        let sql = format!(
            "UPDATE appeals SET {} WHERE id = ${} AND state = ${} AND escalated = ${}",
            sets.join(", "),
            n + 1,
            n + 2,
            n + 3
        );
        // bind in placeholder order
        type Bound = Result<Option<String>, Option<i64>>;
        let mut order: Vec<(usize, Bound)> = Vec::new();
        order.extend(texts.into_iter().map(|(k, v)| (k, Ok(v))));
        order.extend(ints.into_iter().map(|(k, v)| (k, Err(v))));
        order.sort_by_key(|x| x.0);
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(t.to_state.clone());
        for (_, v) in order {
            q = match v {
                Ok(s) => q.bind(s),
                Err(x) => q.bind(x),
            };
        }
        let done = q
            .bind(t.appeal_id)
            .bind(t.from_state.clone().unwrap_or_default())
            .bind(i64::from(escalated_before))
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        let seq = i(
            &sqlx::query(
                "SELECT COALESCE(MAX(seq), 0) FROM appeal_transitions WHERE appeal_id = $1",
            )
            .bind(t.appeal_id)
            .fetch_one(&mut *tx)
            .await?,
            0,
        )? + 1;
        insert_transition(&mut tx, &TransitionRow { seq, ..t.clone() }).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Escalates (提级) the appeals of `ts` — each only if still open and not escalated (recorded
    /// from the state it is in) —
    /// appending each transition, all in one transaction (the SLA sweep). Returns the ids escalated.
    /// Batched (200 appeals a statement), so a sweep escalating thousands stays fast.
    pub async fn escalate_appeals(&self, ts: &[TransitionRow]) -> Result<Vec<i64>, Error> {
        // SQLite: anonymous `?` (its numbered `$n` are slow to prepare in long statements)
        let sqlite = self.backend() == crate::db::Backend::Sqlite;
        let ph = |n: usize| {
            if sqlite {
                "?".to_string()
            } else {
                format!("${n}")
            }
        };
        let mut tx = self.pool.begin().await?;
        let mut done = Vec::new();
        for chunk in ts.chunks(200) {
            // 1. flag those still open and not escalated, learning which (and their state now:
            //    提级 applies to any open state, so one moved meanwhile is escalated from where it is)
            let marks: Vec<String> = (1..=chunk.len()).map(ph).collect();
            let sql = format!(
                "UPDATE appeals SET escalated = 1 WHERE escalated = 0 AND state <> '办结' AND id IN ({}) RETURNING id, state",
                marks.join(", ")
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for t in chunk {
                q = q.bind(t.appeal_id);
            }
            let mut now_state = std::collections::HashMap::new();
            for r in q.fetch_all(&mut *tx).await? {
                now_state.insert(i(&r, 0)?, r.try_get::<String, _>(1)?);
            }
            let mut ids: Vec<i64> = now_state.keys().copied().collect();
            if ids.is_empty() {
                continue;
            }
            ids.sort_unstable();
            // 2. each one's next seq
            let marks: Vec<String> = (1..=ids.len()).map(ph).collect();
            let sql = format!(
                "SELECT appeal_id, MAX(seq) FROM appeal_transitions WHERE appeal_id IN ({}) GROUP BY appeal_id",
                marks.join(", ")
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for id in &ids {
                q = q.bind(*id);
            }
            let mut seq = std::collections::HashMap::new();
            for r in q.fetch_all(&mut *tx).await? {
                seq.insert(i(&r, 0)?, i(&r, 1)?);
            }
            // 3. the transitions, one statement
            let rows: Vec<TransitionRow> = chunk
                .iter()
                .filter_map(|t| {
                    let st = now_state.remove(&t.appeal_id)?;
                    Some(TransitionRow {
                        from_state: Some(st.clone()),
                        to_state: st,
                        ..t.clone()
                    })
                })
                .collect();
            let values: Vec<String> = (0..rows.len())
                .map(|k| {
                    let b = 13 * k;
                    format!(
                        "({})",
                        (1..=13).map(|c| ph(b + c)).collect::<Vec<_>>().join(", ")
                    )
                })
                .collect();
            let sql = format!(
                "INSERT INTO appeal_transitions (appeal_id, seq, at, on_date, actor, role, action, from_state, to_state, note, department, satisfied, resolved) VALUES {}",
                values.join(", ")
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for t in &rows {
                q = q
                    .bind(t.appeal_id)
                    .bind(seq.get(&t.appeal_id).copied().unwrap_or(0) + 1)
                    .bind(t.at)
                    .bind(t.on_date)
                    .bind(t.actor.clone())
                    .bind(t.role.clone())
                    .bind(t.action.clone())
                    .bind(t.from_state.clone())
                    .bind(t.to_state.clone())
                    .bind(t.note.clone())
                    .bind(t.department.clone())
                    .bind(t.satisfied.map(i64::from))
                    .bind(t.resolved.map(i64::from));
            }
            q.execute(&mut *tx).await?;
            done.extend(rows.iter().map(|t| t.appeal_id));
        }
        tx.commit().await?;
        Ok(done)
    }

    /// Every transition of the appeals in scope (for measures and the history export), by appeal
    /// and seq.
    pub async fn appeal_history(&self, scope: &Scope) -> Result<Vec<TransitionRow>, Error> {
        let (cond, bind) = scope_condition(scope, 1);
        let sql = format!(
            "SELECT t.appeal_id, t.seq, t.at, t.on_date, t.actor, t.role, t.action, t.from_state, t.to_state, t.note, t.department, t.satisfied, t.resolved \
             FROM appeal_transitions t JOIN appeals a ON a.id = t.appeal_id WHERE {cond} ORDER BY t.appeal_id, t.seq"
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        if let Some(b) = bind {
            q = q.bind(b);
        }
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(decode_transition)
            .collect()
    }

    /// Removes every appeal and its history (the demo's reload of synthetic appeals only).
    pub async fn clear_appeals(&self) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM appeal_transitions")
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM appeals").execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Registers another system's key for pushing appeals (the 12345 hotline); returns the key
    /// (shown once; only its SHA-256 is kept), or `None` when the name is taken or empty.
    pub async fn add_appeal_key(&self, name: &str, now: i64) -> Result<Option<String>, Error> {
        let name = name.trim();
        if name.is_empty() {
            return Ok(None);
        }
        let mut b = [0u8; 32];
        getrandom::fill(&mut b).expect("the operating system's random source");
        let key = format!(
            "gxa_{}",
            b.iter().map(|x| format!("{x:02x}")).collect::<String>()
        );
        let done = sqlx::query(
            "INSERT INTO appeal_api_keys (id, name, key_hash, created_at, disabled) SELECT $1, $2, $3, $4, 0 WHERE NOT EXISTS (SELECT 1 FROM appeal_api_keys WHERE name = $5)",
        )
        .bind(format!("ak-{}", &key[4..20]))
        .bind(name.to_string())
        .bind(key_hash(&key))
        .bind(now)
        .bind(name.to_string())
        .execute(&self.pool)
        .await?;
        Ok((done.rows_affected() == 1).then_some(key))
    }

    /// The name of the enabled system holding appeal API key `key`.
    pub async fn appeal_key_name(&self, key: &str) -> Result<Option<String>, Error> {
        Ok(
            sqlx::query("SELECT name FROM appeal_api_keys WHERE key_hash = $1 AND disabled = 0")
                .bind(key_hash(key))
                .fetch_optional(&self.pool)
                .await?
                .map(|r| r.try_get::<String, _>(0))
                .transpose()?,
        )
    }
}

#[cfg(test)]
mod tests;
