//! 新型研发机构 (issue 17): the institutions, their yearly facts and the firms they incubated
//! (migration 0022).
//!
//! Scoping: an institution belongs to one park. The zone reads every institution, a park its
//! own; firms and departments read none (an out-of-scope institution is the same `None` as a
//! missing one). Incubated firms are listed with their name only when the firm itself is in the
//! reader's scope. An import is one transaction, checked against the writer's scope, and appends
//! its audit events in the same transaction.
use crate::audit::{AuditEvent, audit_query};
use crate::db::{Error, Store};
use crate::finance::{get_i64, get_opt_i64};
use crate::scope::Scope;
use sqlx::Row;
use sqlx::any::AnyRow;

/// The yearly facts' columns in `rd_institution_years`, in order (money `_fen`, counts integers).
pub const RDI_FACT_COLUMNS: [&str; 12] = [
    "rd_spending_fen",
    "staff",
    "researchers",
    "incubated_firms",
    "incubated_revenue_fen",
    "patents",
    "contracts",
    "contract_income_fen",
    "gov_funding_fen",
    "own_revenue_fen",
    "platforms",
    "talents",
];

/// A new R&D institution (新型研发机构).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Institution {
    /// The institution's code (机构编号).
    pub id: String,
    pub name: String,
    /// Founding universities or institutes, separated by 「；」.
    pub partners: String,
    /// Park id.
    pub park: String,
    /// Field (领域).
    pub field: String,
    /// Founding year.
    pub founded: Option<i64>,
    /// Legal form (事业单位, 企业, 民办非企业 …).
    pub legal_form: String,
    pub synthetic: bool,
}

/// An institution's facts of one year, aligned with [`RDI_FACT_COLUMNS`] (`None`: not reported).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstitutionYear {
    pub institution_id: String,
    pub year: i64,
    pub values: [Option<i64>; 12],
}

/// A firm an institution incubated; `name`/`park` only when the firm is in the reader's scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incubation {
    pub uscc: String,
    pub institution_id: String,
    pub name: Option<String>,
    pub park: Option<String>,
}

/// What an import writes (all of it, or nothing).
#[derive(Debug, Clone, Default)]
pub struct RdiImport {
    pub institutions: Vec<Institution>,
    pub years: Vec<InstitutionYear>,
    /// (credit code, institution id): the firm was incubated by the institution.
    pub incubations: Vec<(String, String)>,
}

const INST_COLS: &str =
    "r.id, r.name, r.partners, r.park, r.field, r.founded, r.legal_form, r.synthetic";

/// The condition on `rd_institutions r` for `scope`, with its bound value; `None`: reads nothing.
fn condition(scope: &Scope, n: usize) -> Option<(String, Option<String>)> {
    match scope {
        Scope::Zone => Some(("1 = 1".into(), None)),
        Scope::Park(p) => Some((format!("r.park = ${n}"), Some(p.to_string()))),
        Scope::Enterprise(_) | Scope::Department(_) => None,
    }
}

fn decode_institution(r: &AnyRow) -> Result<Institution, Error> {
    Ok(Institution {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        partners: r.try_get(2)?,
        park: r.try_get(3)?,
        field: r.try_get(4)?,
        founded: get_opt_i64(r, 5)?,
        legal_form: r.try_get(6)?,
        synthetic: get_i64(r, 7)? != 0,
    })
}

fn decode_year(r: &AnyRow) -> Result<InstitutionYear, Error> {
    let mut values = [None; 12];
    for (k, v) in values.iter_mut().enumerate() {
        *v = get_opt_i64(r, 2 + k)?;
    }
    Ok(InstitutionYear {
        institution_id: r.try_get(0)?,
        year: get_i64(r, 1)?,
        values,
    })
}

impl Store {
    /// Writes an import in one transaction with `events` appended to the audit trail. Every
    /// institution must be in `scope`, and so must the one stored under its code: `Ok(Err(i))`
    /// names the first institution (index into `import.institutions`) that is not, and nothing is
    /// written. Facts of a year replace the stored ones of that year (a `None` clears: the import
    /// layer keeps stored values for blank cells); incubations move a firm to the institution.
    pub async fn import_rdi(
        &self,
        scope: &Scope,
        import: &RdiImport,
        events: &[AuditEvent],
        now: i64,
    ) -> Result<Result<(), usize>, Error> {
        let Some((cond, bind)) = condition(scope, 2) else {
            return Ok(Err(0));
        };
        // the write lock first: each institution's park is read before it is written
        let mut tx = self.begin_write("rd_institutions").await?;
        for (i, inst) in import.institutions.iter().enumerate() {
            if let Scope::Park(p) = scope
                && p.as_str() != inst.park
            {
                return Ok(Err(i));
            }
            let sql =
                format!("SELECT r.park FROM rd_institutions r WHERE r.id = $1 AND NOT ({cond})");
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(inst.id.clone());
            if let Some(b) = &bind {
                q = q.bind(b.clone());
            }
            if q.fetch_optional(&mut *tx).await?.is_some() {
                return Ok(Err(i));
            }
            sqlx::query(
                "INSERT INTO rd_institutions (id, name, partners, park, field, founded, legal_form, synthetic, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO UPDATE SET \
                 name = excluded.name, partners = excluded.partners, park = excluded.park, field = excluded.field, \
                 founded = excluded.founded, legal_form = excluded.legal_form, synthetic = excluded.synthetic, \
                 updated_at = excluded.updated_at",
            )
            .bind(inst.id.clone())
            .bind(inst.name.clone())
            .bind(inst.partners.clone())
            .bind(inst.park.clone())
            .bind(inst.field.clone())
            .bind(inst.founded)
            .bind(inst.legal_form.clone())
            .bind(inst.synthetic as i64)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let cols = RDI_FACT_COLUMNS.join(", ");
        let params: Vec<String> = (3..3 + RDI_FACT_COLUMNS.len())
            .map(|n| format!("${n}"))
            .collect();
        let sets: Vec<String> = RDI_FACT_COLUMNS
            .iter()
            .map(|c| format!("{c} = excluded.{c}"))
            .collect();
        let sql = format!(
            "INSERT INTO rd_institution_years (institution_id, year, {cols}) VALUES ($1, $2, {}) \
             ON CONFLICT (institution_id, year) DO UPDATE SET {}",
            params.join(", "),
            sets.join(", ")
        );
        for y in &import.years {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(y.institution_id.clone())
                .bind(y.year);
            for v in y.values {
                q = q.bind(v);
            }
            q.execute(&mut *tx).await?;
        }
        for (uscc, inst) in &import.incubations {
            sqlx::query(
                "INSERT INTO rd_incubations (uscc, institution_id) VALUES ($1, $2) \
                 ON CONFLICT (uscc) DO UPDATE SET institution_id = excluded.institution_id",
            )
            .bind(uscc.clone())
            .bind(inst.clone())
            .execute(&mut *tx)
            .await?;
        }
        for e in events {
            audit_query(e).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// The institutions in `scope`, by park then code.
    pub async fn rd_institutions(&self, scope: &Scope) -> Result<Vec<Institution>, Error> {
        let Some((cond, bind)) = condition(scope, 1) else {
            return Ok(vec![]);
        };
        let sql =
            format!("SELECT {INST_COLS} FROM rd_institutions r WHERE {cond} ORDER BY r.park, r.id");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        if let Some(b) = bind {
            q = q.bind(b);
        }
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(decode_institution)
            .collect()
    }

    /// One institution, `None` when missing or outside `scope` (the same answer).
    pub async fn rd_institution(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<Option<Institution>, Error> {
        let Some((cond, bind)) = condition(scope, 2) else {
            return Ok(None);
        };
        let sql = format!("SELECT {INST_COLS} FROM rd_institutions r WHERE r.id = $1 AND {cond}");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.to_string());
        if let Some(b) = bind {
            q = q.bind(b);
        }
        q.fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(decode_institution)
            .transpose()
    }

    /// The yearly facts of the institutions in `scope` (of `id` only when given), by
    /// institution then year.
    pub async fn rd_institution_years(
        &self,
        scope: &Scope,
        id: Option<&str>,
    ) -> Result<Vec<InstitutionYear>, Error> {
        let Some((cond, bind)) = condition(scope, 1) else {
            return Ok(vec![]);
        };
        let n = if bind.is_some() { 2 } else { 1 };
        let only = if id.is_some() {
            format!(" AND y.institution_id = ${n}")
        } else {
            String::new()
        };
        let cols: Vec<String> = RDI_FACT_COLUMNS.iter().map(|c| format!("y.{c}")).collect();
        let sql = format!(
            "SELECT y.institution_id, y.year, {} FROM rd_institution_years y \
             JOIN rd_institutions r ON r.id = y.institution_id WHERE {cond}{only} \
             ORDER BY y.institution_id, y.year",
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

    /// The firms incubated by the institutions in `scope` (by `id` only when given); a firm's name
    /// and park only when the firm is in `scope` too.
    pub async fn rd_incubations(
        &self,
        scope: &Scope,
        id: Option<&str>,
    ) -> Result<Vec<Incubation>, Error> {
        let Some((cond, bind)) = condition(scope, 1) else {
            return Ok(vec![]);
        };
        let mut n = if bind.is_some() { 2 } else { 1 };
        let only = if id.is_some() {
            let s = format!(" AND i.institution_id = ${n}");
            n += 1;
            s
        } else {
            String::new()
        };
        let (firm_cond, firm_bind) = scope.condition(n);
        let sql = format!(
            "SELECT i.uscc, i.institution_id, e.name, e.park FROM rd_incubations i \
             JOIN rd_institutions r ON r.id = i.institution_id \
             LEFT JOIN enterprises e ON e.uscc = i.uscc AND {firm_cond} \
             WHERE {cond}{only} ORDER BY i.institution_id, i.uscc"
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
                Ok(Incubation {
                    uscc: r.try_get(0)?,
                    institution_id: r.try_get(1)?,
                    name: r.try_get(2)?,
                    park: r.try_get(3)?,
                })
            })
            .collect()
    }

    /// Removes every institution, its facts and incubations (before loading a fresh demo zone).
    pub async fn clear_rdi(&self) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        for t in ["rd_incubations", "rd_institution_years", "rd_institutions"] {
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

    fn inst(id: &str, park: &str) -> Institution {
        Institution {
            id: id.into(),
            name: format!("研究院{id}"),
            partners: "南京大学".into(),
            park: park.into(),
            field: "人工智能".into(),
            founded: Some(2018),
            legal_form: "事业单位".into(),
            synthetic: false,
        }
    }

    fn year(id: &str, y: i64, spend: Option<i64>) -> InstitutionYear {
        let mut values = [None; 12];
        values[0] = spend;
        values[1] = Some(50);
        InstitutionYear {
            institution_id: id.into(),
            year: y,
            values,
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn import_read_and_scope_on_both_backends() {
        for store in testing::all().await.unwrap() {
            let park = gaoxin_model::ParkId::parse("jiangbei").unwrap();
            let import = RdiImport {
                institutions: vec![inst("A1", "jiangbei"), inst("B1", "xianlin")],
                years: vec![
                    year("A1", 2023, Some(100)),
                    year("A1", 2024, None),
                    year("B1", 2024, Some(7)),
                ],
                incubations: vec![("91440300708461136T".into(), "A1".into())],
            };
            assert_eq!(
                store
                    .import_rdi(&Scope::Zone, &import, &[], 1)
                    .await
                    .unwrap(),
                Ok(())
            );
            assert_eq!(store.rd_institutions(&Scope::Zone).await.unwrap().len(), 2);
            let p = Scope::Park(park.clone());
            let mine = store.rd_institutions(&p).await.unwrap();
            assert_eq!(mine, vec![inst("A1", "jiangbei")]);
            assert!(store.rd_institution(&p, "B1").await.unwrap().is_none());
            assert!(store.rd_institution(&p, "A1").await.unwrap().is_some());
            let ys = store.rd_institution_years(&p, None).await.unwrap();
            assert_eq!(ys.len(), 2, "only A1's years");
            assert_eq!(ys[1].values[0], None, "missing stays missing");
            assert_eq!(ys[0].values[0], Some(100));
            let inc = store.rd_incubations(&p, Some("A1")).await.unwrap();
            assert_eq!(inc.len(), 1);
            assert_eq!(inc[0].name, None, "an unknown firm has no name");
            // a park administrator cannot write another park's institution: nothing written
            let bad = RdiImport {
                institutions: vec![inst("A2", "jiangbei"), inst("B1", "jiangbei")],
                ..Default::default()
            };
            assert_eq!(store.import_rdi(&p, &bad, &[], 2).await.unwrap(), Err(1));
            assert!(
                store
                    .rd_institution(&Scope::Zone, "A2")
                    .await
                    .unwrap()
                    .is_none()
            );
            let firm = Scope::Enterprise(gaoxin_model::Uscc::parse("91440300708461136T").unwrap());
            assert!(store.rd_institutions(&firm).await.unwrap().is_empty());
        }
    }
}
