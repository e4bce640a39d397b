//! 孵化载体 (issue 19): incubators, maker spaces, accelerators, 特色产业园 and 硅巷 spaces, their
//! yearly facts (with the file, row and import that wrote each year) and the firms they incubated
//! with entry and graduation years (migration 0026).
//!
//! Scoping: a carrier belongs to one park. The zone reads every carrier, a park its own; firms
//! and departments read none (a carrier's yearly statistics are the operator's report to the
//! government, not its tenants' to read) — an out-of-scope carrier is the same `None` as a missing
//! one. Incubated firms are listed with a name only when the firm is in the reader's scope too.
//! An import is one transaction, checked against the writer's scope, with its audit events.
use crate::audit::{AuditEvent, audit_query};
use crate::db::{Error, Store};
use crate::finance::{get_i64, get_opt_i64};
use crate::scope::Scope;
use sqlx::Row;
use sqlx::any::AnyRow;

/// The yearly facts' columns in `carrier_years`, in order (money `_fen`, counts integers).
pub const CARRIER_FACT_COLUMNS: [&str; 9] = [
    "firms_in_incubation",
    "graduated_firms",
    "incubated_revenue_fen",
    "incubated_financing_fen",
    "incubated_ip",
    "services",
    "mentors",
    "staff",
    "own_revenue_fen",
];

/// An incubation carrier (孵化载体).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Carrier {
    /// The carrier's code (载体编号).
    pub id: String,
    pub name: String,
    /// 孵化器 / 众创空间 / 加速器 / 特色产业园 / 硅巷空间.
    pub kind: String,
    /// The operating organisation (运营主体).
    pub operator: String,
    /// Park id.
    pub park: String,
    /// 国家级 / 省级 / 市级, empty when not recognised.
    pub level: String,
    /// The year the level was recognised.
    pub level_year: Option<i64>,
    /// Usable area in m².
    pub area_m2: Option<i64>,
    /// Field or track (领域/赛道).
    pub field: String,
    pub synthetic: bool,
}

/// A carrier's facts of one year, aligned with [`CARRIER_FACT_COLUMNS`] (`None`: not reported),
/// with where they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarrierYear {
    pub carrier_id: String,
    pub year: i64,
    pub values: [Option<i64>; 9],
    /// The imported file's name (`演示数据` for the demo).
    pub source_file: String,
    /// The row of the file (as the import's messages number rows).
    pub source_row: Option<i64>,
    /// The import that wrote the year (its id is in the audit event's detail).
    pub import_id: String,
}

/// A firm incubated by a carrier, as written by an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarrierLink {
    pub carrier_id: String,
    pub uscc: String,
    pub entry_year: Option<i64>,
    pub graduation_year: Option<i64>,
}

/// A firm incubated by a carrier as read: `name`/`park` only when the firm is in the reader's scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarrierFirm {
    pub link: CarrierLink,
    pub name: Option<String>,
    pub park: Option<String>,
}

/// What an import writes (all of it, or nothing).
#[derive(Debug, Clone, Default)]
pub struct CarrierImport {
    pub carriers: Vec<Carrier>,
    pub years: Vec<CarrierYear>,
    pub links: Vec<CarrierLink>,
}

const COLS: &str = "c.id, c.name, c.kind, c.operator, c.park, c.level, c.level_year, c.area_m2, c.field, c.synthetic";

/// The condition on `carriers c` for `scope`, with its bound value; `None`: reads nothing.
fn condition(scope: &Scope, n: usize) -> Option<(String, Option<String>)> {
    match scope {
        Scope::Zone => Some(("1 = 1".into(), None)),
        Scope::Park(p) => Some((format!("c.park = ${n}"), Some(p.to_string()))),
        Scope::Enterprise(_) | Scope::Department(_) => None,
    }
}

fn decode_carrier(r: &AnyRow) -> Result<Carrier, Error> {
    Ok(Carrier {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        kind: r.try_get(2)?,
        operator: r.try_get(3)?,
        park: r.try_get(4)?,
        level: r.try_get(5)?,
        level_year: get_opt_i64(r, 6)?,
        area_m2: get_opt_i64(r, 7)?,
        field: r.try_get(8)?,
        synthetic: get_i64(r, 9)? != 0,
    })
}

fn decode_year(r: &AnyRow) -> Result<CarrierYear, Error> {
    let mut values = [None; 9];
    for (k, v) in values.iter_mut().enumerate() {
        *v = get_opt_i64(r, 2 + k)?;
    }
    Ok(CarrierYear {
        carrier_id: r.try_get(0)?,
        year: get_i64(r, 1)?,
        values,
        source_file: r.try_get(11)?,
        source_row: get_opt_i64(r, 12)?,
        import_id: r.try_get(13)?,
    })
}

/// Why an import was refused (nothing written): the index of the first carrier (into
/// `import.carriers`) or link (into `import.links`) outside the writer's scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    Carrier(usize),
    Link(usize),
}

impl Store {
    /// Writes an import in one transaction with `events` appended to the audit trail. Every
    /// carrier must be in `scope`, and so must the one stored under its code, and every link's
    /// carrier must be in `scope` once the carriers are written: otherwise nothing is written and
    /// the first offender is named. Facts of a year replace the stored ones of that year (the
    /// import layer keeps stored values for blank cells); a link replaces the stored one of the
    /// same carrier and firm.
    pub async fn import_carriers(
        &self,
        scope: &Scope,
        import: &CarrierImport,
        events: &[AuditEvent],
        now: i64,
    ) -> Result<Result<(), Refused>, Error> {
        let Some((cond, bind)) = condition(scope, 2) else {
            return Ok(Err(Refused::Carrier(0)));
        };
        // the write lock first: each carrier's park is read before it is written
        let mut tx = self.begin_write("carriers").await?;
        for (i, c) in import.carriers.iter().enumerate() {
            if let Scope::Park(p) = scope
                && p.as_str() != c.park
            {
                return Ok(Err(Refused::Carrier(i)));
            }
            let sql = format!("SELECT c.park FROM carriers c WHERE c.id = $1 AND NOT ({cond})");
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(c.id.clone());
            if let Some(b) = &bind {
                q = q.bind(b.clone());
            }
            if q.fetch_optional(&mut *tx).await?.is_some() {
                return Ok(Err(Refused::Carrier(i)));
            }
            sqlx::query(
                "INSERT INTO carriers (id, name, kind, operator, park, level, level_year, area_m2, field, synthetic, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO UPDATE SET \
                 name = excluded.name, kind = excluded.kind, operator = excluded.operator, park = excluded.park, \
                 level = excluded.level, level_year = excluded.level_year, area_m2 = excluded.area_m2, \
                 field = excluded.field, synthetic = excluded.synthetic, updated_at = excluded.updated_at",
            )
            .bind(c.id.clone())
            .bind(c.name.clone())
            .bind(c.kind.clone())
            .bind(c.operator.clone())
            .bind(c.park.clone())
            .bind(c.level.clone())
            .bind(c.level_year)
            .bind(c.area_m2)
            .bind(c.field.clone())
            .bind(c.synthetic as i64)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let in_scope = format!("SELECT c.id FROM carriers c WHERE c.id = $1 AND {cond}");
        for (i, l) in import.links.iter().enumerate() {
            let mut q =
                sqlx::query(sqlx::AssertSqlSafe(in_scope.clone())).bind(l.carrier_id.clone());
            if let Some(b) = &bind {
                q = q.bind(b.clone());
            }
            if q.fetch_optional(&mut *tx).await?.is_none() {
                return Ok(Err(Refused::Link(i)));
            }
            sqlx::query(
                "INSERT INTO carrier_firms (carrier_id, uscc, entry_year, graduation_year) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (carrier_id, uscc) DO UPDATE SET entry_year = excluded.entry_year, \
                 graduation_year = excluded.graduation_year",
            )
            .bind(l.carrier_id.clone())
            .bind(l.uscc.clone())
            .bind(l.entry_year)
            .bind(l.graduation_year)
            .execute(&mut *tx)
            .await?;
        }
        let cols = CARRIER_FACT_COLUMNS.join(", ");
        let params: Vec<String> = (3..3 + CARRIER_FACT_COLUMNS.len() + 3)
            .map(|n| format!("${n}"))
            .collect();
        let sets: Vec<String> = CARRIER_FACT_COLUMNS
            .iter()
            .chain(&["source_file", "source_row", "import_id"])
            .map(|c| format!("{c} = excluded.{c}"))
            .collect();
        let sql = format!(
            "INSERT INTO carrier_years (carrier_id, year, {cols}, source_file, source_row, import_id) \
             VALUES ($1, $2, {}) ON CONFLICT (carrier_id, year) DO UPDATE SET {}",
            params.join(", "),
            sets.join(", ")
        );
        for y in &import.years {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(y.carrier_id.clone())
                .bind(y.year);
            for v in y.values {
                q = q.bind(v);
            }
            q.bind(y.source_file.clone())
                .bind(y.source_row)
                .bind(y.import_id.clone())
                .execute(&mut *tx)
                .await?;
        }
        for e in events {
            audit_query(e).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// The carriers in `scope`, by park then code.
    pub async fn carriers(&self, scope: &Scope) -> Result<Vec<Carrier>, Error> {
        let Some((cond, bind)) = condition(scope, 1) else {
            return Ok(vec![]);
        };
        let sql = format!("SELECT {COLS} FROM carriers c WHERE {cond} ORDER BY c.park, c.id");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        if let Some(b) = bind {
            q = q.bind(b);
        }
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(decode_carrier)
            .collect()
    }

    /// One carrier, `None` when missing or outside `scope` (the same answer).
    pub async fn carrier(&self, scope: &Scope, id: &str) -> Result<Option<Carrier>, Error> {
        let Some((cond, bind)) = condition(scope, 2) else {
            return Ok(None);
        };
        let sql = format!("SELECT {COLS} FROM carriers c WHERE c.id = $1 AND {cond}");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.to_string());
        if let Some(b) = bind {
            q = q.bind(b);
        }
        q.fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(decode_carrier)
            .transpose()
    }

    /// The yearly facts of the carriers in `scope` (of `id` only when given), by carrier then year.
    pub async fn carrier_years(
        &self,
        scope: &Scope,
        id: Option<&str>,
    ) -> Result<Vec<CarrierYear>, Error> {
        let Some((cond, bind)) = condition(scope, 1) else {
            return Ok(vec![]);
        };
        let n = if bind.is_some() { 2 } else { 1 };
        let only = if id.is_some() {
            format!(" AND y.carrier_id = ${n}")
        } else {
            String::new()
        };
        let cols: Vec<String> = CARRIER_FACT_COLUMNS
            .iter()
            .map(|c| format!("y.{c}"))
            .collect();
        let sql = format!(
            "SELECT y.carrier_id, y.year, {}, y.source_file, y.source_row, y.import_id \
             FROM carrier_years y JOIN carriers c ON c.id = y.carrier_id WHERE {cond}{only} \
             ORDER BY y.carrier_id, y.year",
            cols.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        if let Some(b) = bind {
            q = q.bind(b);
        }
        if let Some(id) = id {
            q = q.bind(id.to_string());
        }
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(decode_year)
            .collect()
    }

    /// The firms incubated by the carriers in `scope` (by `id` only when given); a firm's name
    /// and park only when the firm is in `scope` too.
    pub async fn carrier_firms(
        &self,
        scope: &Scope,
        id: Option<&str>,
    ) -> Result<Vec<CarrierFirm>, Error> {
        let Some((cond, bind)) = condition(scope, 1) else {
            return Ok(vec![]);
        };
        let mut n = if bind.is_some() { 2 } else { 1 };
        let only = if id.is_some() {
            let s = format!(" AND l.carrier_id = ${n}");
            n += 1;
            s
        } else {
            String::new()
        };
        let (firm_cond, firm_bind) = scope.condition(n);
        let sql = format!(
            "SELECT l.carrier_id, l.uscc, l.entry_year, l.graduation_year, e.name, e.park \
             FROM carrier_firms l JOIN carriers c ON c.id = l.carrier_id \
             LEFT JOIN enterprises e ON e.uscc = l.uscc AND {firm_cond} \
             WHERE {cond}{only} ORDER BY l.carrier_id, l.uscc"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        if let Some(b) = bind {
            q = q.bind(b);
        }
        if let Some(id) = id {
            q = q.bind(id.to_string());
        }
        if let Some(b) = firm_bind {
            q = q.bind(b);
        }
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(CarrierFirm {
                    link: CarrierLink {
                        carrier_id: r.try_get(0)?,
                        uscc: r.try_get(1)?,
                        entry_year: get_opt_i64(r, 2)?,
                        graduation_year: get_opt_i64(r, 3)?,
                    },
                    name: r.try_get(4)?,
                    park: r.try_get(5)?,
                })
            })
            .collect()
    }

    /// Removes every carrier, its facts and links (before loading a fresh demo zone).
    pub async fn clear_carriers(&self) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        for t in ["carrier_firms", "carrier_years", "carriers"] {
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {t}")))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    fn carrier(id: &str, park: &str) -> Carrier {
        Carrier {
            id: id.into(),
            name: format!("孵化器{id}"),
            kind: "孵化器".into(),
            operator: "某某公司".into(),
            park: park.into(),
            level: "国家级".into(),
            level_year: Some(2019),
            area_m2: Some(20_000),
            field: "人工智能".into(),
            synthetic: false,
        }
    }

    fn year(id: &str, y: i64, firms: Option<i64>) -> CarrierYear {
        let mut values = [None; 9];
        values[0] = firms;
        values[2] = Some(123_456);
        CarrierYear {
            carrier_id: id.into(),
            year: y,
            values,
            source_file: "载体.xlsx".into(),
            source_row: Some(2),
            import_id: "imp-1".into(),
        }
    }

    fn link(id: &str, uscc: &str) -> CarrierLink {
        CarrierLink {
            carrier_id: id.into(),
            uscc: uscc.into(),
            entry_year: Some(2021),
            graduation_year: None,
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn import_read_and_scope_on_both_backends() {
        for store in testing::all().await.unwrap() {
            let park = gaoxin_model::ParkId::parse("jiangbei").unwrap();
            let import = CarrierImport {
                carriers: vec![carrier("A1", "jiangbei"), carrier("B1", "xianlin")],
                years: vec![
                    year("A1", 2023, Some(40)),
                    year("A1", 2024, None),
                    year("B1", 2024, Some(7)),
                ],
                links: vec![link("A1", "91440300708461136T")],
            };
            assert_eq!(
                store
                    .import_carriers(&Scope::Zone, &import, &[], 1)
                    .await
                    .unwrap(),
                Ok(())
            );
            assert_eq!(store.carriers(&Scope::Zone).await.unwrap().len(), 2);
            let p = Scope::Park(park.clone());
            assert_eq!(
                store.carriers(&p).await.unwrap(),
                vec![carrier("A1", "jiangbei")]
            );
            assert!(store.carrier(&p, "B1").await.unwrap().is_none());
            assert!(store.carrier(&p, "A1").await.unwrap().is_some());
            let ys = store.carrier_years(&p, None).await.unwrap();
            assert_eq!(ys.len(), 2, "only A1's years");
            assert_eq!(ys[1].values[0], None, "missing stays missing");
            assert_eq!(ys[0].values[0], Some(40));
            assert_eq!(ys[0].source_row, Some(2));
            assert_eq!(ys[0].import_id, "imp-1");
            let firms = store.carrier_firms(&p, Some("A1")).await.unwrap();
            assert_eq!(firms.len(), 1);
            assert_eq!(firms[0].link.entry_year, Some(2021));
            assert_eq!(firms[0].name, None, "an unknown firm has no name");
            // a park administrator cannot write another park's carrier, nor link a firm to it
            let bad = CarrierImport {
                carriers: vec![carrier("A2", "jiangbei"), carrier("B1", "jiangbei")],
                ..Default::default()
            };
            assert_eq!(
                store.import_carriers(&p, &bad, &[], 2).await.unwrap(),
                Err(Refused::Carrier(1))
            );
            assert!(store.carrier(&Scope::Zone, "A2").await.unwrap().is_none());
            let bad = CarrierImport {
                carriers: vec![carrier("A3", "jiangbei")],
                links: vec![link("B1", "91440300708461136T")],
                ..Default::default()
            };
            assert_eq!(
                store.import_carriers(&p, &bad, &[], 2).await.unwrap(),
                Err(Refused::Link(0))
            );
            assert!(store.carrier(&Scope::Zone, "A3").await.unwrap().is_none());
            let firm = Scope::Enterprise(gaoxin_model::Uscc::parse("91440300708461136T").unwrap());
            assert!(store.carriers(&firm).await.unwrap().is_empty());
            assert!(store.carrier(&firm, "A1").await.unwrap().is_none());
            assert!(store.carrier_firms(&firm, None).await.unwrap().is_empty());
        }
    }
}
