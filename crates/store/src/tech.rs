//! 科技成果转化 (issue 14): research results, firms' technology demands (and 揭榜挂帅 calls),
//! experts and brokers, brokers' 对接 cases with their append-only history, and 技术合同 records.
//!
//! Scope: results, experts and brokers are public registries, read by every scope except a
//! department's (which holds no firm data and no matching). Demands, cases and contracts name a
//! firm, so their reads join `enterprises e` under the scope's condition: a park administrator
//! reads their park's firms' demands and cases, a firm its own; out of scope answers like missing.
use crate::consent::random_hex;
use crate::db::{Error, Store};
use crate::finance::{Where, get_i64, get_opt_i64};
use crate::scope::Scope;
use gaoxin_model::Uscc;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A research result (科技成果).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TechResult {
    /// 编号 (the external id, unique).
    pub id: String,
    pub name: String,
    /// 摘要.
    pub summary: String,
    pub keywords: Vec<String>,
    /// 学科/技术领域.
    pub field: String,
    /// 完成单位.
    pub unit: String,
    /// 完成人.
    pub inventors: String,
    /// 技术成熟度 1–9.
    pub trl: Option<i64>,
    /// 知识产权状态 (专利号 list, 类型).
    pub ip_status: String,
    /// 转化方式 (转让/许可/作价入股/合作开发).
    pub transfer_mode: String,
    /// 参考价格 (fen).
    pub price_fen: Option<i64>,
    pub contact: String,
    /// The account that may edit it ('' = staff only).
    pub owner: String,
    pub synthetic: bool,
}

/// A firm's technology demand (技术需求) or a 揭榜挂帅 call.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TechDemand {
    pub id: String,
    pub uscc: String,
    /// Read from the panel (empty when writing).
    pub firm_name: String,
    /// The firm's park (read from the panel; empty when writing).
    pub park: String,
    pub name: String,
    pub description: String,
    pub field: String,
    pub budget_fen: Option<i64>,
    /// yyyymmdd.
    pub deadline: Option<i64>,
    /// 揭榜挂帅.
    pub jiebang: bool,
    pub milestones: String,
    pub award_fen: Option<i64>,
    pub synthetic: bool,
}

/// An expert (`kind` = `expert`) or a technology broker (`broker`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TechExpert {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub unit: String,
    pub fields: String,
    pub keywords: Vec<String>,
    pub contact: String,
    pub synthetic: bool,
}

/// Where a 对接 case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CaseState {
    Recommended,
    Intent,
    Negotiating,
    Signed,
    Registered,
    Revisited,
    Declined,
}

impl CaseState {
    pub const ALL: [CaseState; 7] = [
        CaseState::Recommended,
        CaseState::Intent,
        CaseState::Negotiating,
        CaseState::Signed,
        CaseState::Registered,
        CaseState::Revisited,
        CaseState::Declined,
    ];
    pub fn key(self) -> &'static str {
        match self {
            CaseState::Recommended => "recommended",
            CaseState::Intent => "intent",
            CaseState::Negotiating => "negotiating",
            CaseState::Signed => "signed",
            CaseState::Registered => "registered",
            CaseState::Revisited => "revisited",
            CaseState::Declined => "declined",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            CaseState::Recommended => "推荐",
            CaseState::Intent => "意向",
            CaseState::Negotiating => "洽谈",
            CaseState::Signed => "签约",
            CaseState::Registered => "技术合同登记",
            CaseState::Revisited => "回访",
            CaseState::Declined => "已放弃",
        }
    }
    /// The key or the Chinese word.
    pub fn parse(s: &str) -> Option<CaseState> {
        let s = s.trim();
        Self::ALL.into_iter().find(|x| x.key() == s || x.zh() == s)
    }
    /// Whether the case is still open (a follow-up is due).
    pub fn is_open(self) -> bool {
        !matches!(self, CaseState::Revisited | CaseState::Declined)
    }
    /// The moves a broker may make by hand: one step forward (推荐 → 意向 → 洽谈 → 签约; 技术合同登记
    /// → 回访), or a decline before the contract is registered. 签约 → 技术合同登记 happens only by
    /// recording a contract ([`Store::register_contract`]).
    pub fn may_become(self, next: CaseState) -> bool {
        use CaseState::*;
        matches!(
            (self, next),
            (Recommended, Intent)
                | (Intent, Negotiating)
                | (Negotiating, Signed)
                | (Registered, Revisited)
                | (Recommended | Intent | Negotiating | Signed, Declined)
        )
    }
}

/// A broker's 对接 case between a result and a firm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TechCase {
    pub id: String,
    pub result_id: String,
    pub result_name: String,
    pub result_field: String,
    pub demand_id: Option<String>,
    pub uscc: String,
    pub firm_name: String,
    pub park: String,
    pub broker: String,
    pub state: CaseState,
    pub decline_reason: Option<String>,
    /// yyyymmdd of the next follow-up.
    pub follow_up: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One move of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseEvent {
    pub at: i64,
    pub actor: String,
    pub from: String,
    pub to: String,
    pub reason: Option<String>,
    pub note: String,
}

/// A new case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCase {
    pub result_id: String,
    pub demand_id: Option<String>,
    pub uscc: Uscc,
    pub broker: String,
    pub follow_up: Option<i64>,
    pub note: String,
}

/// A move of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseMove {
    pub to: CaseState,
    pub reason: Option<String>,
    pub note: String,
    pub follow_up: Option<i64>,
}

/// A registered technology contract (技术合同登记).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TechContract {
    /// 登记号.
    pub reg_no: String,
    pub case_id: String,
    pub uscc: String,
    /// Read from the panel (empty when writing).
    pub park: String,
    /// The result's field (read; empty when writing).
    pub field: String,
    pub amount_fen: i64,
    /// 类型 (技术开发/技术转让/技术许可/技术咨询/技术服务).
    pub kind: String,
    /// yyyymmdd.
    pub registered_on: i64,
}

const RESULT_COLS: &str = "id, name, summary, keywords, field, unit, inventors, trl, ip_status, transfer_mode, price_fen, contact, owner, synthetic";
const DEMAND_COLS: &str = "d.id, d.uscc, e.name, e.park, d.name, d.description, d.field, d.budget_fen, d.deadline, d.jiebang, d.milestones, d.award_fen, d.synthetic";
const EXPERT_COLS: &str = "id, kind, name, unit, fields, keywords, contact, synthetic";
const CASE_COLS: &str = "c.id, c.result_id, r.name, r.field, c.demand_id, c.uscc, e.name, e.park, c.broker, c.state, c.decline_reason, c.follow_up, c.created_at, c.updated_at";
const CONTRACT_COLS: &str =
    "k.reg_no, k.case_id, k.uscc, e.park, r.field, k.amount_fen, k.kind, k.registered_on";

/// Keywords as stored: joined by '；'.
fn join_keywords(k: &[String]) -> String {
    k.join("；")
}

fn split_keywords(s: &str) -> Vec<String> {
    s.split('；')
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

fn decode_result(r: &AnyRow) -> Result<TechResult, Error> {
    Ok(TechResult {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        summary: r.try_get(2)?,
        keywords: split_keywords(&r.try_get::<String, _>(3)?),
        field: r.try_get(4)?,
        unit: r.try_get(5)?,
        inventors: r.try_get(6)?,
        trl: get_opt_i64(r, 7)?,
        ip_status: r.try_get(8)?,
        transfer_mode: r.try_get(9)?,
        price_fen: get_opt_i64(r, 10)?,
        contact: r.try_get(11)?,
        owner: r.try_get(12)?,
        synthetic: get_i64(r, 13)? != 0,
    })
}

fn decode_demand(r: &AnyRow) -> Result<TechDemand, Error> {
    Ok(TechDemand {
        id: r.try_get(0)?,
        uscc: r.try_get(1)?,
        firm_name: r.try_get(2)?,
        park: r.try_get(3)?,
        name: r.try_get(4)?,
        description: r.try_get(5)?,
        field: r.try_get(6)?,
        budget_fen: get_opt_i64(r, 7)?,
        deadline: get_opt_i64(r, 8)?,
        jiebang: get_i64(r, 9)? != 0,
        milestones: r.try_get(10)?,
        award_fen: get_opt_i64(r, 11)?,
        synthetic: get_i64(r, 12)? != 0,
    })
}

fn decode_expert(r: &AnyRow) -> Result<TechExpert, Error> {
    Ok(TechExpert {
        id: r.try_get(0)?,
        kind: r.try_get(1)?,
        name: r.try_get(2)?,
        unit: r.try_get(3)?,
        fields: r.try_get(4)?,
        keywords: split_keywords(&r.try_get::<String, _>(5)?),
        contact: r.try_get(6)?,
        synthetic: get_i64(r, 7)? != 0,
    })
}

fn decode_case(r: &AnyRow) -> Result<TechCase, Error> {
    let state: String = r.try_get(9)?;
    Ok(TechCase {
        id: r.try_get(0)?,
        result_id: r.try_get(1)?,
        result_name: r.try_get(2)?,
        result_field: r.try_get(3)?,
        demand_id: r.try_get(4)?,
        uscc: r.try_get(5)?,
        firm_name: r.try_get(6)?,
        park: r.try_get(7)?,
        broker: r.try_get(8)?,
        state: CaseState::parse(&state)
            .ok_or_else(|| Error::Corrupt(format!("对接案例状态 {state}")))?,
        decline_reason: r.try_get(10)?,
        follow_up: get_opt_i64(r, 11)?,
        created_at: get_i64(r, 12)?,
        updated_at: get_i64(r, 13)?,
    })
}

fn decode_contract(r: &AnyRow) -> Result<TechContract, Error> {
    Ok(TechContract {
        reg_no: r.try_get(0)?,
        case_id: r.try_get(1)?,
        uscc: r.try_get(2)?,
        park: r.try_get(3)?,
        field: r.try_get(4)?,
        amount_fen: get_i64(r, 5)?,
        kind: r.try_get(6)?,
        registered_on: get_i64(r, 7)?,
    })
}

impl Store {
    /// Writes results (inserted, or replacing the one with the same 编号; the owner of a stored
    /// one is kept) in one transaction.
    pub async fn upsert_tech_results(&self, rows: &[TechResult], now: i64) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        for x in rows {
            sqlx::query(
                "INSERT INTO tech_results (id, name, summary, keywords, field, unit, inventors, trl, ip_status, transfer_mode, price_fen, contact, owner, synthetic, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) ON CONFLICT (id) DO UPDATE SET \
                 name = excluded.name, summary = excluded.summary, keywords = excluded.keywords, field = excluded.field, \
                 unit = excluded.unit, inventors = excluded.inventors, trl = excluded.trl, ip_status = excluded.ip_status, \
                 transfer_mode = excluded.transfer_mode, price_fen = excluded.price_fen, contact = excluded.contact, \
                 synthetic = excluded.synthetic, updated_at = excluded.updated_at",
            )
            .bind(x.id.clone())
            .bind(x.name.clone())
            .bind(x.summary.clone())
            .bind(join_keywords(&x.keywords))
            .bind(x.field.clone())
            .bind(x.unit.clone())
            .bind(x.inventors.clone())
            .bind(x.trl)
            .bind(x.ip_status.clone())
            .bind(x.transfer_mode.clone())
            .bind(x.price_fen)
            .bind(x.contact.clone())
            .bind(x.owner.clone())
            .bind(x.synthetic as i64)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        mark_tech_write(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every result (a public registry; none for a department's scope), by 编号.
    pub async fn tech_results(&self, scope: &Scope) -> Result<Vec<TechResult>, Error> {
        if matches!(scope, Scope::Department(_)) {
            return Ok(Vec::new());
        }
        let sql = format!("SELECT {RESULT_COLS} FROM tech_results ORDER BY id");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(decode_result)
            .collect()
    }

    /// One result by 编号 (`None` when missing or for a department's scope).
    pub async fn tech_result(&self, scope: &Scope, id: &str) -> Result<Option<TechResult>, Error> {
        if matches!(scope, Scope::Department(_)) {
            return Ok(None);
        }
        let sql = format!("SELECT {RESULT_COLS} FROM tech_results WHERE id = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(decode_result)
            .transpose()
    }

    /// Writes demands in one transaction (inserted, or replacing the one with the same 编号);
    /// `Ok(Err(i))` (nothing written) when row `i`'s firm, or the firm of the stored demand it
    /// would replace, is outside `scope`.
    pub async fn upsert_tech_demands(
        &self,
        scope: &Scope,
        rows: &[TechDemand],
        now: i64,
    ) -> Result<Result<(), usize>, Error> {
        for (i, d) in rows.iter().enumerate() {
            let Ok(u) = Uscc::parse(&d.uscc) else {
                return Ok(Err(i));
            };
            if self.enterprise(scope, &u).await?.is_none() {
                return Ok(Err(i));
            }
            let stored: Option<String> =
                sqlx::query_scalar("SELECT uscc FROM tech_demands WHERE id = $1")
                    .bind(d.id.clone())
                    .fetch_optional(&self.pool)
                    .await?;
            if let Some(s) = stored {
                let in_scope = match Uscc::parse(&s) {
                    Ok(su) => self.enterprise(scope, &su).await?.is_some(),
                    Err(_) => false,
                };
                if !in_scope {
                    return Ok(Err(i));
                }
            }
        }
        let mut tx = self.pool.begin().await?;
        for d in rows {
            sqlx::query(
                "INSERT INTO tech_demands (id, uscc, name, description, field, budget_fen, deadline, jiebang, milestones, award_fen, synthetic, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) ON CONFLICT (id) DO UPDATE SET \
                 uscc = excluded.uscc, name = excluded.name, description = excluded.description, field = excluded.field, \
                 budget_fen = excluded.budget_fen, deadline = excluded.deadline, jiebang = excluded.jiebang, \
                 milestones = excluded.milestones, award_fen = excluded.award_fen, synthetic = excluded.synthetic, \
                 updated_at = excluded.updated_at",
            )
            .bind(d.id.clone())
            .bind(d.uscc.clone())
            .bind(d.name.clone())
            .bind(d.description.clone())
            .bind(d.field.clone())
            .bind(d.budget_fen)
            .bind(d.deadline)
            .bind(d.jiebang as i64)
            .bind(d.milestones.clone())
            .bind(d.award_fen)
            .bind(d.synthetic as i64)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        mark_tech_write(&mut tx).await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// Demands of firms in scope, by 编号.
    pub async fn tech_demands(&self, scope: &Scope) -> Result<Vec<TechDemand>, Error> {
        let w = Where::new(scope);
        let sql = format!(
            "SELECT {DEMAND_COLS} FROM tech_demands d JOIN enterprises e ON e.uscc = d.uscc WHERE {} ORDER BY d.id",
            w.clause()
        );
        w.bind(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(decode_demand)
            .collect()
    }

    /// One demand in scope (`None` when missing or out of scope).
    pub async fn tech_demand(&self, scope: &Scope, id: &str) -> Result<Option<TechDemand>, Error> {
        let mut w = Where::new(scope);
        w.add("d.id = $?", id.to_string());
        let sql = format!(
            "SELECT {DEMAND_COLS} FROM tech_demands d JOIN enterprises e ON e.uscc = d.uscc WHERE {}",
            w.clause()
        );
        w.bind(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(decode_demand)
            .transpose()
    }

    /// Writes experts and brokers (inserted, or replacing the one with the same id).
    pub async fn upsert_tech_experts(&self, rows: &[TechExpert], now: i64) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        for x in rows {
            sqlx::query(
                "INSERT INTO tech_experts (id, kind, name, unit, fields, keywords, contact, synthetic, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, \
                 name = excluded.name, unit = excluded.unit, fields = excluded.fields, keywords = excluded.keywords, \
                 contact = excluded.contact, synthetic = excluded.synthetic, updated_at = excluded.updated_at",
            )
            .bind(x.id.clone())
            .bind(x.kind.clone())
            .bind(x.name.clone())
            .bind(x.unit.clone())
            .bind(x.fields.clone())
            .bind(join_keywords(&x.keywords))
            .bind(x.contact.clone())
            .bind(x.synthetic as i64)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        mark_tech_write(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// One expert or broker by id (`None` when missing or for a department's scope).
    pub async fn tech_expert(&self, scope: &Scope, id: &str) -> Result<Option<TechExpert>, Error> {
        if matches!(scope, Scope::Department(_)) {
            return Ok(None);
        }
        let sql = format!("SELECT {EXPERT_COLS} FROM tech_experts WHERE id = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(decode_expert)
            .transpose()
    }

    /// Whether a demand with this 编号 is stored, in any scope: a new demand may not take it. Says
    /// nothing else about that demand (the form answers the same for one out of scope).
    pub async fn tech_demand_id_taken(&self, id: &str) -> Result<bool, Error> {
        let n: Option<String> = sqlx::query_scalar("SELECT id FROM tech_demands WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        Ok(n.is_some())
    }

    /// Experts and brokers (a registry; none for a department's scope), by id.
    pub async fn tech_experts(&self, scope: &Scope) -> Result<Vec<TechExpert>, Error> {
        if matches!(scope, Scope::Department(_)) {
            return Ok(Vec::new());
        }
        let sql = format!("SELECT {EXPERT_COLS} FROM tech_experts ORDER BY id");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(decode_expert)
            .collect()
    }
}

impl Store {
    /// Opens a case (state 推荐) between a stored result and a firm in scope, with its first
    /// history entry; `None` (nothing written) when the firm is outside `scope`, the result is
    /// unknown, or the demand is not that firm's.
    pub async fn open_case(
        &self,
        scope: &Scope,
        c: &NewCase,
        actor: &str,
        now: i64,
    ) -> Result<Option<TechCase>, Error> {
        if self.enterprise(scope, &c.uscc).await?.is_none()
            || self.tech_result(scope, &c.result_id).await?.is_none()
        {
            return Ok(None);
        }
        if let Some(d) = &c.demand_id {
            match self.tech_demand(scope, d).await? {
                Some(d) if d.uscc == c.uscc.as_str() => {}
                _ => return Ok(None),
            }
        }
        let id = format!("case-{}", random_hex(6));
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO tech_cases (id, result_id, demand_id, uscc, broker, state, decline_reason, follow_up, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 'recommended', NULL, $6, $7, $7)",
        )
        .bind(id.clone())
        .bind(c.result_id.clone())
        .bind(c.demand_id.clone())
        .bind(c.uscc.as_str().to_string())
        .bind(c.broker.clone())
        .bind(c.follow_up)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        insert_event(&mut tx, &id, now, actor, "", "recommended", None, &c.note).await?;
        tx.commit().await?;
        self.tech_case(scope, &id).await
    }

    /// Moves a case in scope (the caller checks [`CaseState::may_become`] and the reason code);
    /// `None` when no such case is in scope.
    pub async fn move_case(
        &self,
        scope: &Scope,
        id: &str,
        m: &CaseMove,
        actor: &str,
        now: i64,
    ) -> Result<Option<TechCase>, Error> {
        let Some(before) = self.tech_case(scope, id).await? else {
            return Ok(None);
        };
        let follow_up = if m.to.is_open() { m.follow_up } else { None };
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE tech_cases SET state = $1, decline_reason = $2, follow_up = $3, updated_at = $4 WHERE id = $5",
        )
        .bind(m.to.key())
        .bind(m.reason.clone())
        .bind(follow_up)
        .bind(now)
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        insert_event(
            &mut tx,
            id,
            now,
            actor,
            before.state.key(),
            m.to.key(),
            m.reason.as_deref(),
            &m.note,
        )
        .await?;
        tx.commit().await?;
        self.tech_case(scope, id).await
    }

    /// Records a contract for a signed case in scope and moves the case to 技术合同登记, in one
    /// transaction; `Ok(Err(msg))` (nothing written) when the case is not signed or the 登记号 is
    /// already recorded; `None` when the case is not in scope.
    pub async fn register_contract(
        &self,
        scope: &Scope,
        k: &TechContract,
        actor: &str,
        now: i64,
    ) -> Result<Option<Result<TechCase, String>>, Error> {
        let Some(case) = self.tech_case(scope, &k.case_id).await? else {
            return Ok(None);
        };
        if case.state != CaseState::Signed {
            return Ok(Some(Err(format!(
                "案例处于「{}」，签约后才能登记技术合同",
                case.state.zh()
            ))));
        }
        let dup: Option<String> =
            sqlx::query_scalar("SELECT reg_no FROM tech_contracts WHERE reg_no = $1")
                .bind(k.reg_no.clone())
                .fetch_optional(&self.pool)
                .await?;
        if dup.is_some() {
            return Ok(Some(Err(format!("登记号 {} 已登记过", k.reg_no))));
        }
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO tech_contracts (reg_no, case_id, uscc, amount_fen, kind, registered_on, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(k.reg_no.clone())
        .bind(case.id.clone())
        .bind(case.uscc.clone())
        .bind(k.amount_fen)
        .bind(k.kind.clone())
        .bind(k.registered_on)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE tech_cases SET state = 'registered', updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(case.id.clone())
            .execute(&mut *tx)
            .await?;
        let note = format!("登记号 {}", k.reg_no);
        insert_event(
            &mut tx,
            &case.id,
            now,
            actor,
            "signed",
            "registered",
            None,
            &note,
        )
        .await?;
        tx.commit().await?;
        Ok(self.tech_case(scope, &case.id).await?.map(Ok))
    }

    /// One case in scope.
    pub async fn tech_case(&self, scope: &Scope, id: &str) -> Result<Option<TechCase>, Error> {
        let mut w = Where::new(scope);
        w.add("c.id = $?", id.to_string());
        let sql = format!(
            "SELECT {CASE_COLS} FROM tech_cases c JOIN tech_results r ON r.id = c.result_id \
             JOIN enterprises e ON e.uscc = c.uscc WHERE {}",
            w.clause()
        );
        w.bind(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(decode_case)
            .transpose()
    }

    /// Cases of firms in scope (of one state when given), newest change first.
    pub async fn tech_cases(
        &self,
        scope: &Scope,
        state: Option<CaseState>,
    ) -> Result<Vec<TechCase>, Error> {
        let mut w = Where::new(scope);
        if let Some(s) = state {
            w.add("c.state = $?", s.key().to_string());
        }
        let sql = format!(
            "SELECT {CASE_COLS} FROM tech_cases c JOIN tech_results r ON r.id = c.result_id \
             JOIN enterprises e ON e.uscc = c.uscc WHERE {} ORDER BY c.updated_at DESC, c.id",
            w.clause()
        );
        w.bind(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(decode_case)
            .collect()
    }

    /// A case's history in scope, oldest first (empty when the case is not in scope).
    pub async fn case_events(&self, scope: &Scope, id: &str) -> Result<Vec<CaseEvent>, Error> {
        if self.tech_case(scope, id).await?.is_none() {
            return Ok(Vec::new());
        }
        sqlx::query(
            "SELECT at, actor, from_state, to_state, reason, note FROM tech_case_events WHERE case_id = $1 ORDER BY at, id",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(CaseEvent {
                at: get_i64(r, 0)?,
                actor: r.try_get(1)?,
                from: r.try_get(2)?,
                to: r.try_get(3)?,
                reason: r.try_get(4)?,
                note: r.try_get(5)?,
            })
        })
        .collect()
    }

    /// Contracts of firms in scope, newest first.
    pub async fn tech_contracts(&self, scope: &Scope) -> Result<Vec<TechContract>, Error> {
        let w = Where::new(scope);
        let sql = format!(
            "SELECT {CONTRACT_COLS} FROM tech_contracts k JOIN tech_cases c ON c.id = k.case_id \
             JOIN tech_results r ON r.id = c.result_id JOIN enterprises e ON e.uscc = k.uscc \
             WHERE {} ORDER BY k.registered_on DESC, k.reg_no",
            w.clause()
        );
        w.bind(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(decode_contract)
            .collect()
    }

    /// A text that changes whenever results, demands, experts, cases or firms change (counts and
    /// latest change times): the key of the matching indexes kept in memory.
    pub async fn tech_version(&self) -> Result<String, Error> {
        let mut parts = Vec::new();
        for sql in [
            "SELECT COUNT(*), COALESCE(MAX(updated_at), 0) FROM tech_results",
            "SELECT COUNT(*), COALESCE(MAX(updated_at), 0) FROM tech_demands",
            "SELECT COUNT(*), COALESCE(MAX(updated_at), 0) FROM tech_cases",
            "SELECT COUNT(*), COALESCE(MAX(created_at), 0) + COALESCE(MAX(updated_at), 0) FROM tech_experts",
            "SELECT COUNT(*), 0 FROM tech_case_events",
            "SELECT COUNT(*), 0 FROM enterprises",
        ] {
            let r = sqlx::query(sql).fetch_one(&self.pool).await?;
            parts.push(format!("{}:{}", get_i64(&r, 0)?, get_i64(&r, 1)?));
        }
        let mark: Option<String> =
            sqlx::query_scalar("SELECT value FROM meta WHERE key = 'tech_write'")
                .fetch_optional(&self.pool)
                .await?;
        parts.push(mark.unwrap_or_default());
        Ok(parts.join("/"))
    }

    /// Removes every result, demand, expert, case, event and contract (before a fresh demo zone).
    pub async fn clear_tech(&self) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        for t in [
            "tech_contracts",
            "tech_case_events",
            "tech_cases",
            "tech_demands",
            "tech_experts",
            "tech_results",
        ] {
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {t}")))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Marks a write of results, demands or experts (a value never used before, in the write's own
/// transaction): [`Store::tech_version`] reads it, so an edit within the same second as the
/// previous one still changes the version and the item is found at once.
async fn mark_tech_write(tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO meta (key, value) VALUES ('tech_write', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(format!("{}-{}", crate::clock::now_us(), random_hex(4)))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn insert_event(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    case: &str,
    at: i64,
    actor: &str,
    from: &str,
    to: &str,
    reason: Option<&str>,
    note: &str,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO tech_case_events (id, case_id, at, actor, from_state, to_state, reason, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(format!("ev-{:020}-{}", crate::clock::now_us(), random_hex(3)))
    .bind(case.to_string())
    .bind(at)
    .bind(actor.to_string())
    .bind(from.to_string())
    .bind(to.to_string())
    .bind(reason.map(str::to_string))
    .bind(note.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
