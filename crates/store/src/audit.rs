//! The audit trail (issue 13): who did what, when, to which record — append-only.
//!
//! Every change a user or a background job makes is recorded as one [`AuditEvent`] by the
//! application layer (`gaoxin_app::audit`), in the same transaction as the change where the store
//! offers one ([`audit_query`] for the store's own transactions). There is no statement that
//! updates or deletes an entry. Reading is scoped: the zone reads every entry, a park
//! administrator the entries of records of their park, an enterprise the entries whose subject is
//! the firm itself; a department reads none.
use crate::db::{Error, Store};
use crate::finance::get_i64;
use crate::scope::Scope;
use sqlx::Row;
use sqlx::any::AnyRow;

/// One thing done, as the application records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// The user name; `system` for the server's background work; `cli:<os user>` for the CLI.
    pub actor: String,
    /// The actor's role key (`Role::key`), `system` or `cli`.
    pub role: String,
    /// A dotted name: `import.commit`, `park_input.set`, `appeal.transition`, `user.create` …
    pub action: String,
    /// The park the record belongs to; `None` for the zone's own records.
    pub park: Option<String>,
    /// The record: a credit code, an appeal id, a user name, a run id …
    pub subject: String,
    /// JSON text: what changed (before and after) or a summary.
    pub detail: String,
}

/// A recorded [`AuditEvent`] with its id and time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: String,
    /// Microseconds since the Unix epoch (the order of entries).
    pub at_us: i64,
    pub event: AuditEvent,
}

/// Which entries to list; every field narrows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<String>,
    /// Actions equal to this or starting with it and a dot (`appeal` matches `appeal.transition`).
    pub action: Option<String>,
    pub park: Option<String>,
    pub subject: Option<String>,
    /// From this time on (microseconds, inclusive).
    pub since_us: Option<i64>,
    /// Before this time (microseconds, exclusive).
    pub until_us: Option<i64>,
}

/// The statement that appends `e` (alone, or inside another transaction of the store).
pub(crate) fn audit_query(
    e: &AuditEvent,
) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
    sqlx::query(
        "INSERT INTO audit_log (id, at_us, actor, role, action, park, subject, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(crate::consent::random_hex(12))
    .bind(crate::clock::now_us())
    .bind(e.actor.clone())
    .bind(e.role.clone())
    .bind(e.action.clone())
    .bind(e.park.clone().unwrap_or_default())
    .bind(e.subject.clone())
    .bind(e.detail.clone())
}

fn decode(r: &AnyRow) -> Result<AuditEntry, Error> {
    let park: String = r.try_get(5)?;
    Ok(AuditEntry {
        id: r.try_get(0)?,
        at_us: get_i64(r, 1)?,
        event: AuditEvent {
            actor: r.try_get(2)?,
            role: r.try_get(3)?,
            action: r.try_get(4)?,
            park: (!park.is_empty()).then_some(park),
            subject: r.try_get(6)?,
            detail: r.try_get(7)?,
        },
    })
}

/// The WHERE clause of `scope` and `f` with its bound values in order.
fn conditions(scope: &Scope, f: &AuditFilter) -> (String, Vec<Bound>) {
    let mut w: Vec<String> = Vec::new();
    let mut b: Vec<Bound> = Vec::new();
    let add = |sql: &str, v: Bound, w: &mut Vec<String>, b: &mut Vec<Bound>| {
        b.push(v);
        w.push(sql.replace('?', &format!("${}", b.len())));
    };
    match scope {
        Scope::Zone => {}
        Scope::Park(p) => add("park = ?", Bound::Text(p.to_string()), &mut w, &mut b),
        Scope::Enterprise(u) => add(
            "subject = ?",
            Bound::Text(u.as_str().to_string()),
            &mut w,
            &mut b,
        ),
        Scope::Department(_) => w.push("1 = 0".into()),
    }
    if let Some(a) = &f.actor {
        add("actor = ?", Bound::Text(a.clone()), &mut w, &mut b);
    }
    if let Some(a) = &f.action {
        b.push(Bound::Text(a.clone()));
        b.push(Bound::Text(format!("{a}.%")));
        w.push(format!(
            "(action = ${} OR action LIKE ${})",
            b.len() - 1,
            b.len()
        ));
    }
    if let Some(p) = &f.park {
        add("park = ?", Bound::Text(p.clone()), &mut w, &mut b);
    }
    if let Some(s) = &f.subject {
        add("subject = ?", Bound::Text(s.clone()), &mut w, &mut b);
    }
    if let Some(t) = f.since_us {
        add("at_us >= ?", Bound::Int(t), &mut w, &mut b);
    }
    if let Some(t) = f.until_us {
        add("at_us < ?", Bound::Int(t), &mut w, &mut b);
    }
    let sql = if w.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", w.join(" AND "))
    };
    (sql, b)
}

enum Bound {
    Text(String),
    Int(i64),
}

fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    b: Vec<Bound>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for v in b {
        q = match v {
            Bound::Text(t) => q.bind(t),
            Bound::Int(i) => q.bind(i),
        };
    }
    q
}

impl Store {
    /// Appends `e` to the audit trail.
    pub async fn audit(&self, e: &AuditEvent) -> Result<(), Error> {
        audit_query(e).execute(&self.pool).await?;
        Ok(())
    }

    /// The entries `scope` may read that match `f`, newest first, `limit` from `offset`.
    pub async fn audit_entries(
        &self,
        scope: &Scope,
        f: &AuditFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<AuditEntry>, Error> {
        let (w, b) = conditions(scope, f);
        let n = b.len();
        let sql = format!(
            "SELECT id, at_us, actor, role, action, park, subject, detail FROM audit_log{w} \
             ORDER BY at_us DESC, id DESC LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), b)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(decode)
            .collect()
    }

    /// How many entries `scope` may read match `f`.
    pub async fn audit_count(&self, scope: &Scope, f: &AuditFilter) -> Result<i64, Error> {
        let (w, b) = conditions(scope, f);
        let sql = format!("SELECT COUNT(*) FROM audit_log{w}");
        let r = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), b)
            .fetch_one(&self.pool)
            .await?;
        Ok(get_i64(&r, 0)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;
    use gaoxin_model::{DeptId, ParkId, Uscc};

    fn event(action: &str, park: Option<&str>, subject: &str) -> AuditEvent {
        AuditEvent {
            actor: "admin".into(),
            role: "zone_admin".into(),
            action: action.into(),
            park: park.map(str::to_string),
            subject: subject.into(),
            detail: "{}".into(),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn entries_are_scoped_filtered_and_newest_first() {
        let firm = "91440300708461136T";
        for s in testing::all().await.unwrap() {
            s.audit(&event("park_input.set", Some("jiangbei"), "3.1"))
                .await
                .unwrap();
            s.audit(&event("appeal.transition", Some("xingang"), firm))
                .await
                .unwrap();
            s.audit(&event("appealx", None, "u1")).await.unwrap();
            let all = s
                .audit_entries(&Scope::Zone, &AuditFilter::default(), 10, 0)
                .await
                .unwrap();
            let actions: Vec<&str> = all.iter().map(|e| e.event.action.as_str()).collect();
            assert_eq!(
                actions,
                ["appealx", "appeal.transition", "park_input.set"],
                "newest first"
            );
            let jb = Scope::Park(ParkId::parse("jiangbei").unwrap());
            let mine = s
                .audit_entries(&jb, &AuditFilter::default(), 10, 0)
                .await
                .unwrap();
            assert_eq!(mine.len(), 1);
            assert_eq!(mine[0].event.park.as_deref(), Some("jiangbei"));
            let f = AuditFilter {
                action: Some("appeal".into()),
                ..AuditFilter::default()
            };
            assert_eq!(s.audit_count(&Scope::Zone, &f).await.unwrap(), 1);
            let ent = Scope::Enterprise(Uscc::parse(firm).unwrap());
            assert_eq!(
                s.audit_count(&ent, &AuditFilter::default()).await.unwrap(),
                1
            );
            let dept = Scope::Department(DeptId::parse("keji").unwrap());
            assert_eq!(
                s.audit_count(&dept, &AuditFilter::default()).await.unwrap(),
                0
            );
            let since = AuditFilter {
                since_us: Some(all[1].at_us),
                ..AuditFilter::default()
            };
            assert_eq!(s.audit_count(&Scope::Zone, &since).await.unwrap(), 2);
        }
    }
}
