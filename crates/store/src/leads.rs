//! 新赛道大会 leads: the lead records, their append-only history, and the aggregates of the
//! pipeline views (computed in SQL, never by loading the leads).
//!
//! Scope: the zone reads every lead; a park reads the leads its park works (`park` = its id);
//! a firm reads none. A lead outside the scope is absent, exactly like a missing one. The app
//! validates a change (stages, reasons, dates) before calling here; the store writes the lead,
//! its history row and the version bump in one transaction, and refuses a change made against
//! a stage the lead no longer has (a concurrent move).
use crate::db::{Error, Store};
use crate::scope::Scope;
use crate::tracks::{get_i64, get_opt_i64};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// A lead to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLead {
    pub uscc: String,
    pub firm_name: String,
    pub in_panel: bool,
    /// `unicorn`, `potential_unicorn`, `listed`, `frontier` or `""`.
    pub firm_class: String,
    pub track: String,
    pub event: String,
    /// The park working the lead, or `""` for the zone.
    pub park: String,
    pub owner: String,
    pub stage: i64,
    pub next_action: String,
    pub next_date: Option<i64>,
    pub note: String,
}

/// A stored lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lead {
    pub id: String,
    pub uscc: String,
    pub firm_name: String,
    pub in_panel: bool,
    pub firm_class: String,
    pub track: String,
    pub event: String,
    pub park: String,
    pub owner: String,
    pub stage: i64,
    pub max_stage: i64,
    pub stage_since: i64,
    pub next_action: String,
    pub next_date: Option<i64>,
    /// `open`, `landed`, `dropped`.
    pub outcome: String,
    pub invest_fen: Option<i64>,
    pub landed_park: Option<String>,
    pub drop_reason: Option<String>,
    pub created_at: i64,
    pub created_by: String,
    pub updated_at: i64,
}

/// One row of a lead's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadEvent {
    pub seq: i64,
    pub at: i64,
    pub by: String,
    /// `created`, `stage`, `note`, `next`, `landed`, `dropped`.
    pub kind: String,
    pub from_stage: Option<i64>,
    pub to_stage: Option<i64>,
    pub dwell_days: Option<i64>,
    pub note: String,
}

/// A change to a lead, validated by the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeadChange {
    /// To another open stage (below 落地), with the reason (required backwards, by the app).
    Move {
        to: i64,
        note: String,
    },
    Note(String),
    Next {
        action: String,
        date: Option<i64>,
    },
    /// 落地: the last stage, the investment (fen) and the park it landed in.
    Land {
        stage: i64,
        invest_fen: i64,
        park: String,
        note: String,
    },
    /// Dropped with a coded reason.
    Drop {
        reason: String,
        note: String,
    },
}

/// Filters of the lead list and the pipeline views; `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct LeadFilter {
    pub event: Option<String>,
    pub track: Option<String>,
    pub park: Option<String>,
    pub stage: Option<i64>,
    pub outcome: Option<String>,
    /// Substring of the firm's name or credit code.
    pub q: Option<String>,
    /// Only open leads whose next-action date is before this date (yyyymmdd).
    pub stalled_before: Option<i64>,
}

/// The pipeline's aggregates for one filter: everything the view needs, from GROUP BY queries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PipelineCounts {
    /// (stage, outcome, leads).
    pub by_stage: Vec<(i64, String, i64)>,
    /// (furthest stage reached, leads).
    pub reached: Vec<(i64, i64)>,
    /// (stage left, whole days spent in it, moves): a histogram for the medians.
    pub dwell: Vec<(i64, i64, i64)>,
    /// (landed park, projects, investment in fen).
    pub landed: Vec<(String, i64, i64)>,
    /// Open leads past their next-action date.
    pub stalled: i64,
    /// (firm class, distinct firms engaged).
    pub firms_by_class: Vec<(String, i64)>,
}

const COLS: &str = "l.id, l.uscc, l.firm_name, l.in_panel, l.track, l.event, l.park, l.owner, l.stage, \
     l.max_stage, l.stage_since, l.next_action, l.next_date, l.outcome, l.invest_fen, l.landed_park, \
     l.drop_reason, l.created_at, l.created_by, l.updated_at, l.firm_class";

fn decode(r: &AnyRow) -> Result<Lead, Error> {
    Ok(Lead {
        id: r.try_get(0)?,
        uscc: r.try_get(1)?,
        firm_name: r.try_get(2)?,
        in_panel: get_i64(r, 3)? != 0,
        track: r.try_get(4)?,
        event: r.try_get(5)?,
        park: r.try_get(6)?,
        owner: r.try_get(7)?,
        stage: get_i64(r, 8)?,
        max_stage: get_i64(r, 9)?,
        stage_since: get_i64(r, 10)?,
        next_action: r.try_get(11)?,
        next_date: get_opt_i64(r, 12)?,
        outcome: r.try_get(13)?,
        invest_fen: get_opt_i64(r, 14)?,
        landed_park: r.try_get(15)?,
        drop_reason: r.try_get(16)?,
        created_at: get_i64(r, 17)?,
        created_by: r.try_get(18)?,
        updated_at: get_i64(r, 19)?,
        firm_class: r.try_get(20)?,
    })
}

/// A WHERE clause over `leads` (alias `alias`) with its bound text values, `$1…` in order.
struct Cond {
    parts: Vec<String>,
    binds: Vec<Bind>,
}

enum Bind {
    Text(String),
    Int(i64),
}

impl Cond {
    fn new(scope: &Scope, alias: &str) -> Cond {
        let mut c = Cond {
            parts: vec![],
            binds: vec![],
        };
        match scope {
            Scope::Zone => {}
            Scope::Park(p) => c.text(&format!("{alias}.park"), p.to_string()),
            Scope::Enterprise(_) | Scope::Department(_) => c.parts.push("1 = 0".into()),
        }
        c
    }
    fn text(&mut self, col: &str, v: String) {
        self.binds.push(Bind::Text(v));
        self.parts.push(format!("{col} = ${}", self.binds.len()));
    }
    fn int(&mut self, tmpl: &str, v: i64) {
        self.binds.push(Bind::Int(v));
        self.parts
            .push(tmpl.replace("$?", &format!("${}", self.binds.len())));
    }
    /// The filter's conditions on the lead columns (history rows carry track, event and park too).
    fn filter(&mut self, f: &LeadFilter, alias: &str, lead_cols: bool) {
        if let Some(v) = &f.event {
            self.text(&format!("{alias}.event"), v.clone());
        }
        if let Some(v) = &f.track {
            self.text(&format!("{alias}.track"), v.clone());
        }
        if let Some(v) = &f.park {
            self.text(&format!("{alias}.park"), v.clone());
        }
        if !lead_cols {
            return;
        }
        if let Some(v) = f.stage {
            self.int(&format!("{alias}.stage = $?"), v);
        }
        if let Some(v) = &f.outcome {
            self.text(&format!("{alias}.outcome"), v.clone());
        }
        if let Some(q) = f.q.as_deref().filter(|q| !q.trim().is_empty()) {
            let mut pat = String::from("%");
            for ch in q.trim().chars() {
                if matches!(ch, '%' | '_' | '\\') {
                    pat.push('\\');
                }
                pat.push(ch);
            }
            pat.push('%');
            self.binds.push(Bind::Text(pat));
            let n = self.binds.len();
            self.parts.push(format!(
                "({alias}.firm_name LIKE ${n} ESCAPE '\\' OR {alias}.uscc LIKE ${n} ESCAPE '\\')"
            ));
        }
        if let Some(d) = f.stalled_before {
            self.int(
                &format!("{alias}.outcome = 'open' AND {alias}.next_date < $?"),
                d,
            );
        }
    }
    fn clause(&self) -> String {
        if self.parts.is_empty() {
            "1 = 1".into()
        } else {
            self.parts.join(" AND ")
        }
    }
    fn query<'q>(&self, sql: String) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for b in &self.binds {
            q = match b {
                Bind::Text(s) => q.bind(s.clone()),
                Bind::Int(i) => q.bind(*i),
            };
        }
        q
    }
}

/// `(…),(…)` value lists: anonymous `?` on SQLite (its `$n` make big statements slow to
/// prepare), `$n` on PostgreSQL.
fn values(rows: usize, cols: usize, sqlite: bool) -> String {
    let mut n = 0;
    (0..rows)
        .map(|_| {
            let row: Vec<String> = (0..cols)
                .map(|_| {
                    n += 1;
                    if sqlite {
                        "?".to_string()
                    } else {
                        format!("${n}")
                    }
                })
                .collect();
            format!("({})", row.join(","))
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn random_id() -> String {
    let mut b = [0u8; 6];
    getrandom::fill(&mut b).expect("the operating system's random source");
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("L{hex}")
}

/// The duplicate check's key: the credit code, else the firm's name.
pub fn firm_key(uscc: &str, name: &str) -> String {
    if uscc.trim().is_empty() {
        format!("name:{}", name.trim())
    } else {
        uscc.trim().to_string()
    }
}

type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

#[allow(clippy::too_many_arguments)]
async fn history(
    tx: &mut Tx<'_>,
    lead: &Lead,
    at: i64,
    by: &str,
    kind: &str,
    from: Option<i64>,
    to: Option<i64>,
    dwell: Option<i64>,
    note: &str,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO lead_history (lead_id, seq, at, by_user, kind, from_stage, to_stage, dwell_days, note, track, event, park) \
         VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM lead_history WHERE lead_id = $2), $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(lead.id.clone())
    .bind(lead.id.clone())
    .bind(at)
    .bind(by.to_string())
    .bind(kind.to_string())
    .bind(from)
    .bind(to)
    .bind(dwell)
    .bind(note.to_string())
    .bind(lead.track.clone())
    .bind(lead.event.clone())
    .bind(lead.park.clone())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn bump(tx: &mut Tx<'_>) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO lead_version (id, version) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET version = lead_version.version + 1",
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// The firm keys (see [`firm_key`]) among `keys` (key, track, event) that already have a
    /// lead — whoever works it (a duplicate is refused whatever the park; only existence is told).
    pub async fn existing_leads(
        &self,
        keys: &[(String, String, String)],
    ) -> Result<Vec<(String, String, String)>, Error> {
        let mut out = Vec::new();
        for k in keys {
            let n = sqlx::query(
                "SELECT COUNT(*) FROM leads WHERE firm_key = $1 AND track = $2 AND event = $3",
            )
            .bind(k.0.clone())
            .bind(k.1.clone())
            .bind(k.2.clone())
            .fetch_one(&self.pool)
            .await
            .and_then(|r| get_i64(&r, 0))?;
            if n > 0 {
                out.push(k.clone());
            }
        }
        Ok(out)
    }

    /// Creates leads in one transaction (all or nothing); returns their ids in order.
    /// `created_at` back-dates them (the demo's history); a duplicate fails the whole batch.
    pub async fn insert_leads(
        &self,
        leads: &[NewLead],
        by: &str,
        created_at: &[i64],
    ) -> Result<Vec<String>, Error> {
        let mut tx = self.pool.begin().await?;
        let mut ids = Vec::with_capacity(leads.len());
        for (i, n) in leads.iter().enumerate() {
            let at = created_at.get(i).copied().unwrap_or_else(crate::unix_now);
            let lead = Lead {
                id: random_id(),
                uscc: n.uscc.trim().to_string(),
                firm_name: n.firm_name.trim().to_string(),
                in_panel: n.in_panel,
                firm_class: n.firm_class.clone(),
                track: n.track.clone(),
                event: n.event.clone(),
                park: n.park.clone(),
                owner: n.owner.clone(),
                stage: n.stage,
                max_stage: n.stage,
                stage_since: at,
                next_action: n.next_action.clone(),
                next_date: n.next_date,
                outcome: "open".into(),
                invest_fen: None,
                landed_park: None,
                drop_reason: None,
                created_at: at,
                created_by: by.to_string(),
                updated_at: at,
            };
            sqlx::query(
                "INSERT INTO leads (id, uscc, firm_name, in_panel, firm_key, track, event, park, owner, stage, max_stage, \
                 stage_since, next_action, next_date, outcome, created_at, created_by, updated_at, firm_class) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'open', $15, $16, $17, $18)",
            )
            .bind(lead.id.clone())
            .bind(lead.uscc.clone())
            .bind(lead.firm_name.clone())
            .bind(lead.in_panel as i64)
            .bind(firm_key(&lead.uscc, &lead.firm_name))
            .bind(lead.track.clone())
            .bind(lead.event.clone())
            .bind(lead.park.clone())
            .bind(lead.owner.clone())
            .bind(lead.stage)
            .bind(lead.max_stage)
            .bind(at)
            .bind(lead.next_action.clone())
            .bind(lead.next_date)
            .bind(at)
            .bind(by.to_string())
            .bind(at)
            .bind(lead.firm_class.clone())
            .execute(&mut *tx)
            .await?;
            history(
                &mut tx,
                &lead,
                at,
                by,
                "created",
                None,
                Some(n.stage),
                None,
                &n.note,
            )
            .await?;
            ids.push(lead.id);
        }
        bump(&mut tx).await?;
        tx.commit().await?;
        Ok(ids)
    }

    /// One lead in scope.
    pub async fn lead(&self, scope: &Scope, id: &str) -> Result<Option<Lead>, Error> {
        let mut c = Cond::new(scope, "l");
        c.text("l.id", id.to_string());
        let sql = format!("SELECT {COLS} FROM leads l WHERE {}", c.clause());
        match c.query(sql).fetch_optional(&self.pool).await? {
            Some(r) => Ok(Some(decode(&r)?)),
            None => Ok(None),
        }
    }

    /// Leads in scope matching `f`, most recently updated first, with the total count.
    pub async fn leads(
        &self,
        scope: &Scope,
        f: &LeadFilter,
        offset: u64,
        limit: Option<u64>,
    ) -> Result<(Vec<Lead>, i64), Error> {
        let mut c = Cond::new(scope, "l");
        c.filter(f, "l", true);
        let total = get_i64(
            &c.query(format!("SELECT COUNT(*) FROM leads l WHERE {}", c.clause()))
                .fetch_one(&self.pool)
                .await?,
            0,
        )?;
        let limit = limit
            .map(|l| format!(" LIMIT {l} OFFSET {offset}"))
            .unwrap_or_default();
        let order = if f.stalled_before.is_some() {
            "l.next_date ASC, l.id"
        } else {
            "l.updated_at DESC, l.id"
        };
        let sql = format!(
            "SELECT {COLS} FROM leads l WHERE {} ORDER BY {order}{limit}",
            c.clause()
        );
        let rows = c
            .query(sql)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(decode)
            .collect::<Result<Vec<_>, _>>()?;
        Ok((rows, total))
    }

    /// A lead's history, oldest first (empty when the lead is outside the scope).
    pub async fn lead_history(&self, scope: &Scope, id: &str) -> Result<Vec<LeadEvent>, Error> {
        if self.lead(scope, id).await?.is_none() {
            return Ok(vec![]);
        }
        sqlx::query(
            "SELECT seq, at, by_user, kind, from_stage, to_stage, dwell_days, note FROM lead_history WHERE lead_id = $1 ORDER BY seq",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(LeadEvent {
                seq: get_i64(r, 0)?,
                at: get_i64(r, 1)?,
                by: r.try_get(2)?,
                kind: r.try_get(3)?,
                from_stage: get_opt_i64(r, 4)?,
                to_stage: get_opt_i64(r, 5)?,
                dwell_days: get_opt_i64(r, 6)?,
                note: r.try_get(7)?,
            })
        })
        .collect()
    }

    /// Applies a validated change to an open lead in scope that is still at stage `expected`;
    /// `None` when the lead is outside the scope, missing, closed, or has moved meanwhile.
    pub async fn change_lead(
        &self,
        scope: &Scope,
        id: &str,
        expected: i64,
        change: &LeadChange,
        by: &str,
        now: i64,
    ) -> Result<Option<Lead>, Error> {
        let Some(lead) = self.lead(scope, id).await? else {
            return Ok(None);
        };
        if lead.stage != expected || lead.outcome != "open" {
            return Ok(None);
        }
        let dwell = ((now - lead.stage_since).max(0)) / 86_400;
        let mut tx = self.pool.begin().await?;
        let (sql, kind, from, to, dw, note): (
            String,
            &str,
            Option<i64>,
            Option<i64>,
            Option<i64>,
            &str,
        ) = match change {
            LeadChange::Move { to, note } => (
                format!(
                    "UPDATE leads SET stage = {to}, max_stage = CASE WHEN max_stage < {to} THEN {to} ELSE max_stage END, \
                         stage_since = {now}, updated_at = {now} WHERE id = $1 AND stage = {expected} AND outcome = 'open'"
                ),
                "stage",
                Some(lead.stage),
                Some(*to),
                Some(dwell),
                note,
            ),
            LeadChange::Note(n) => (
                format!(
                    "UPDATE leads SET updated_at = {now} WHERE id = $1 AND stage = {expected} AND outcome = 'open'"
                ),
                "note",
                None,
                None,
                None,
                n,
            ),
            LeadChange::Next { action, date } => {
                let d = date.map(|d| d.to_string()).unwrap_or_else(|| "NULL".into());
                let _ = action;
                (
                    format!(
                        "UPDATE leads SET next_action = $2, next_date = {d}, updated_at = {now} WHERE id = $1 AND stage = {expected} AND outcome = 'open'"
                    ),
                    "next",
                    None,
                    None,
                    None,
                    action,
                )
            }
            LeadChange::Land {
                stage,
                invest_fen,
                note,
                ..
            } => (
                format!(
                    "UPDATE leads SET stage = {stage}, max_stage = {stage}, stage_since = {now}, outcome = 'landed', \
                         invest_fen = {invest_fen}, landed_park = $2, updated_at = {now} WHERE id = $1 AND stage = {expected} AND outcome = 'open'"
                ),
                "landed",
                Some(lead.stage),
                Some(*stage),
                Some(dwell),
                note,
            ),
            LeadChange::Drop { reason, note } => {
                let _ = reason;
                (
                    format!(
                        "UPDATE leads SET outcome = 'dropped', drop_reason = $2, stage_since = {now}, updated_at = {now} \
                             WHERE id = $1 AND stage = {expected} AND outcome = 'open'"
                    ),
                    "dropped",
                    Some(lead.stage),
                    None,
                    Some(dwell),
                    note,
                )
            }
        };
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(id.to_string());
        match change {
            LeadChange::Next { action, .. } => q = q.bind(action.clone()),
            LeadChange::Land { park, .. } => q = q.bind(park.clone()),
            LeadChange::Drop { reason, .. } => q = q.bind(reason.clone()),
            _ => {}
        }
        if q.execute(&mut *tx).await?.rows_affected() != 1 {
            return Ok(None);
        }
        let note = match change {
            LeadChange::Drop { reason, note } if note.is_empty() => reason.clone(),
            LeadChange::Drop { reason, note } => format!("{reason}：{note}"),
            LeadChange::Next { action, date } => match date {
                Some(d) => format!("{action}（{d}）"),
                None => action.clone(),
            },
            _ => note.to_string(),
        };
        history(&mut tx, &lead, now, by, kind, from, to, dw, &note).await?;
        bump(&mut tx).await?;
        tx.commit().await?;
        self.lead(scope, id).await
    }

    /// The version bumped by every lead write (0 before the first): the pipeline cache's key.
    pub async fn lead_version(&self) -> Result<i64, Error> {
        Ok(sqlx::query("SELECT version FROM lead_version WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?
            .map(|r| get_i64(&r, 0))
            .transpose()?
            .unwrap_or(0))
    }

    /// The pipeline's aggregates for the leads in scope matching `f` (event, track, park; the
    /// other filter fields are ignored), `today` (yyyymmdd) deciding what is stalled.
    pub async fn lead_pipeline(
        &self,
        scope: &Scope,
        f: &LeadFilter,
        today: i64,
    ) -> Result<PipelineCounts, Error> {
        let f = LeadFilter {
            event: f.event.clone(),
            track: f.track.clone(),
            park: f.park.clone(),
            ..LeadFilter::default()
        };
        let mut c = Cond::new(scope, "l");
        c.filter(&f, "l", false);
        let w = c.clause();
        let mut out = PipelineCounts::default();
        for r in c
            .query(format!(
                "SELECT l.stage, l.outcome, COUNT(*) FROM leads l WHERE {w} GROUP BY l.stage, l.outcome ORDER BY l.stage, l.outcome"
            ))
            .fetch_all(&self.pool)
            .await?
        {
            out.by_stage
                .push((get_i64(&r, 0)?, r.try_get(1)?, get_i64(&r, 2)?));
        }
        for r in c
            .query(format!(
                "SELECT l.max_stage, COUNT(*) FROM leads l WHERE {w} GROUP BY l.max_stage ORDER BY l.max_stage"
            ))
            .fetch_all(&self.pool)
            .await?
        {
            out.reached.push((get_i64(&r, 0)?, get_i64(&r, 1)?));
        }
        for r in c
            .query(format!(
                "SELECT l.landed_park, COUNT(*), CAST(COALESCE(SUM(l.invest_fen), 0) AS BIGINT) FROM leads l \
                 WHERE {w} AND l.outcome = 'landed' GROUP BY l.landed_park ORDER BY l.landed_park"
            ))
            .fetch_all(&self.pool)
            .await?
        {
            out.landed.push((
                r.try_get::<Option<String>, _>(0)?.unwrap_or_default(),
                get_i64(&r, 1)?,
                get_opt_i64(&r, 2)?.unwrap_or(0),
            ));
        }
        for r in c
            .query(format!(
                "SELECT l.firm_class, COUNT(DISTINCT l.firm_key) FROM leads l WHERE {w} GROUP BY l.firm_class ORDER BY l.firm_class"
            ))
            .fetch_all(&self.pool)
            .await?
        {
            out.firms_by_class.push((r.try_get(0)?, get_i64(&r, 1)?));
        }
        let mut h = Cond::new(scope, "h");
        h.filter(&f, "h", false);
        for r in h
            .query(format!(
                "SELECT h.from_stage, h.dwell_days, COUNT(*) FROM lead_history h \
                 WHERE {} AND h.kind IN ('stage', 'landed') GROUP BY h.from_stage, h.dwell_days ORDER BY h.from_stage, h.dwell_days",
                h.clause()
            ))
            .fetch_all(&self.pool)
            .await?
        {
            out.dwell
                .push((get_i64(&r, 0)?, get_i64(&r, 1)?, get_i64(&r, 2)?));
        }
        let mut s = Cond::new(scope, "l");
        s.filter(
            &LeadFilter {
                stalled_before: Some(today),
                ..f
            },
            "l",
            true,
        );
        out.stalled = get_i64(
            &s.query(format!("SELECT COUNT(*) FROM leads l WHERE {}", s.clause()))
                .fetch_one(&self.pool)
                .await?,
            0,
        )?;
        Ok(out)
    }

    /// Writes stored leads and their history as they are (ids, stages, dates kept) in one
    /// transaction, in multi-row statements: the demo's back-dated history and the benchmark's
    /// 100,000 leads.
    pub async fn load_leads(
        &self,
        leads: &[Lead],
        events: &[(String, LeadEvent)],
    ) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        let sqlite = self.backend() == crate::Backend::Sqlite;
        for chunk in leads.chunks(400) {
            let sql = format!(
                "INSERT INTO leads (id, uscc, firm_name, in_panel, firm_key, track, event, park, owner, stage, max_stage, \
                 stage_since, next_action, next_date, outcome, invest_fen, landed_park, drop_reason, created_at, created_by, updated_at, firm_class) \
                 VALUES {}",
                values(chunk.len(), 22, sqlite)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for l in chunk {
                q = q
                    .bind(l.id.clone())
                    .bind(l.uscc.clone())
                    .bind(l.firm_name.clone())
                    .bind(l.in_panel as i64)
                    .bind(firm_key(&l.uscc, &l.firm_name))
                    .bind(l.track.clone())
                    .bind(l.event.clone())
                    .bind(l.park.clone())
                    .bind(l.owner.clone())
                    .bind(l.stage)
                    .bind(l.max_stage)
                    .bind(l.stage_since)
                    .bind(l.next_action.clone())
                    .bind(l.next_date)
                    .bind(l.outcome.clone())
                    .bind(l.invest_fen)
                    .bind(l.landed_park.clone())
                    .bind(l.drop_reason.clone())
                    .bind(l.created_at)
                    .bind(l.created_by.clone())
                    .bind(l.updated_at)
                    .bind(l.firm_class.clone());
            }
            q.execute(&mut *tx).await?;
        }
        let by_id: std::collections::HashMap<&str, &Lead> =
            leads.iter().map(|l| (l.id.as_str(), l)).collect();
        for chunk in events.chunks(1000) {
            let sql = format!(
                "INSERT INTO lead_history (lead_id, seq, at, by_user, kind, from_stage, to_stage, dwell_days, note, track, event, park) VALUES {}",
                values(chunk.len(), 12, sqlite)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (id, e) in chunk {
                let Some(l) = by_id.get(id.as_str()) else {
                    return Err(Error::Corrupt(format!("lead_history: 线索 {id} 不存在")));
                };
                q = q
                    .bind(id.clone())
                    .bind(e.seq)
                    .bind(e.at)
                    .bind(e.by.clone())
                    .bind(e.kind.clone())
                    .bind(e.from_stage)
                    .bind(e.to_stage)
                    .bind(e.dwell_days)
                    .bind(e.note.clone())
                    .bind(l.track.clone())
                    .bind(l.event.clone())
                    .bind(l.park.clone());
            }
            q.execute(&mut *tx).await?;
        }
        bump(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Per track and outcome: leads in scope and their landed investment (fen).
    pub async fn leads_by_track(
        &self,
        scope: &Scope,
    ) -> Result<Vec<(String, String, i64, i64)>, Error> {
        let c = Cond::new(scope, "l");
        c.query(format!(
            "SELECT l.track, l.outcome, COUNT(*), CAST(COALESCE(SUM(l.invest_fen), 0) AS BIGINT) FROM leads l \
             WHERE {} GROUP BY l.track, l.outcome ORDER BY l.track, l.outcome",
            c.clause()
        ))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, get_i64(r, 2)?, get_opt_i64(r, 3)?.unwrap_or(0))))
        .collect()
    }

    /// Removes every lead and its history (before loading a fresh demo history).
    pub async fn clear_leads(&self) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM lead_history")
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM leads").execute(&mut *tx).await?;
        bump(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }
}
