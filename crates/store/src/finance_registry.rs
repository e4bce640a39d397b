//! 场景 and funds: the registry of application scenarios (for 场景贷 and the tracks' 场景关联) with
//! firms' applications, and the 4+N fund cluster with its investments in zone firms (拨投结合
//! deals carry their grant).
//!
//! Scenarios and funds are public offers and registries (no firm data): [`Store::scenarios`] and
//! [`Store::funds`] read them whole. Applications and investments name firms, so their reads take a
//! [`Scope`] (joined on `enterprises e`) and writes check that the firm is in the writer's scope.
use crate::consent::random_hex;
use crate::db::{Error, Store};
use crate::finance::{Where, get_i64, get_opt_i64};
use crate::scope::Scope;
use gaoxin_model::Uscc;
use sqlx::Row;
use sqlx::any::AnyRow;

/// An application scenario (场景).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    /// The scenario's code (场景编号).
    pub id: String,
    pub title: String,
    pub offered_by: String,
    /// `gov` (a government body) or `firm`.
    pub offerer_kind: String,
    /// Park id (where the scenario is).
    pub park: String,
    pub budget_fen: Option<i64>,
    /// Track id.
    pub track: String,
    /// yyyymmdd.
    pub deadline: Option<i64>,
    /// `open` or `closed`.
    pub status: String,
    pub synthetic: bool,
    pub created_at: i64,
}

/// Where a firm's application to a scenario stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ApplicationState {
    Applied,
    Shortlisted,
    Selected,
    Declined,
}

impl ApplicationState {
    pub const ALL: [ApplicationState; 4] = [
        ApplicationState::Applied,
        ApplicationState::Shortlisted,
        ApplicationState::Selected,
        ApplicationState::Declined,
    ];
    pub fn key(self) -> &'static str {
        match self {
            ApplicationState::Applied => "applied",
            ApplicationState::Shortlisted => "shortlisted",
            ApplicationState::Selected => "selected",
            ApplicationState::Declined => "declined",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            ApplicationState::Applied => "已申报",
            ApplicationState::Shortlisted => "入围",
            ApplicationState::Selected => "入选",
            ApplicationState::Declined => "未入选",
        }
    }
    /// The key or the Chinese word.
    pub fn parse(s: &str) -> Option<ApplicationState> {
        let s = s.trim();
        Self::ALL.into_iter().find(|x| x.key() == s || x.zh() == s)
    }
    /// The moves allowed: applied → shortlisted → selected / declined; applied → declined.
    pub fn may_become(self, next: ApplicationState) -> bool {
        use ApplicationState::*;
        matches!(
            (self, next),
            (Applied, Shortlisted)
                | (Applied, Declined)
                | (Shortlisted, Selected)
                | (Shortlisted, Declined)
        )
    }
}

/// A firm's application to a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioApplication {
    pub scenario_id: String,
    pub scenario_title: String,
    pub uscc: String,
    pub firm_name: String,
    pub park: String,
    pub state: ApplicationState,
    pub note: String,
    pub applied_at: i64,
    pub updated_at: i64,
}

/// A fund of the 4+N cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fund {
    pub id: String,
    pub name: String,
    pub manager: String,
    pub size_fen: i64,
    /// `parent` (one of the four), `track` (a track fund) or `other`.
    pub kind: String,
    /// Track id for a track fund, else empty.
    pub track: String,
    pub vintage: i64,
    pub synthetic: bool,
}

/// A fund's investment in a zone firm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundInvestment {
    pub id: String,
    pub fund_id: String,
    pub fund_name: String,
    pub uscc: String,
    pub firm_name: String,
    pub park: String,
    pub round: String,
    pub amount_fen: i64,
    /// yyyymmdd.
    pub invested_on: i64,
    /// The grant of a 拨投结合 deal; `None` for an ordinary investment.
    pub grant_fen: Option<i64>,
    pub note: String,
}

fn decode_scenario(r: &AnyRow) -> Result<Scenario, Error> {
    Ok(Scenario {
        id: r.try_get(0)?,
        title: r.try_get(1)?,
        offered_by: r.try_get(2)?,
        offerer_kind: r.try_get(3)?,
        park: r.try_get(4)?,
        budget_fen: get_opt_i64(r, 5)?,
        track: r.try_get(6)?,
        deadline: get_opt_i64(r, 7)?,
        status: r.try_get(8)?,
        synthetic: get_i64(r, 9)? != 0,
        created_at: get_i64(r, 10)?,
    })
}

fn decode_application(r: &AnyRow) -> Result<ScenarioApplication, Error> {
    let state: String = r.try_get(5)?;
    Ok(ScenarioApplication {
        scenario_id: r.try_get(0)?,
        scenario_title: r.try_get(1)?,
        uscc: r.try_get(2)?,
        firm_name: r.try_get(3)?,
        park: r.try_get(4)?,
        state: ApplicationState::parse(&state)
            .ok_or_else(|| Error::Corrupt(format!("场景申报状态 {state}")))?,
        note: r.try_get(6)?,
        applied_at: get_i64(r, 7)?,
        updated_at: get_i64(r, 8)?,
    })
}

fn decode_fund(r: &AnyRow) -> Result<Fund, Error> {
    Ok(Fund {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        manager: r.try_get(2)?,
        size_fen: get_i64(r, 3)?,
        kind: r.try_get(4)?,
        track: r.try_get(5)?,
        vintage: get_i64(r, 6)?,
        synthetic: get_i64(r, 7)? != 0,
    })
}

fn decode_investment(r: &AnyRow) -> Result<FundInvestment, Error> {
    Ok(FundInvestment {
        id: r.try_get(0)?,
        fund_id: r.try_get(1)?,
        fund_name: r.try_get(2)?,
        uscc: r.try_get(3)?,
        firm_name: r.try_get(4)?,
        park: r.try_get(5)?,
        round: r.try_get(6)?,
        amount_fen: get_i64(r, 7)?,
        invested_on: get_i64(r, 8)?,
        grant_fen: get_opt_i64(r, 9)?,
        note: r.try_get(10)?,
    })
}

const SCENARIO_COLS: &str = "id, title, offered_by, offerer_kind, park, budget_fen, track, deadline, status, synthetic, created_at";
const APPLICATION_COLS: &str =
    "a.scenario_id, s.title, a.uscc, e.name, e.park, a.state, a.note, a.applied_at, a.updated_at";
const INVESTMENT_COLS: &str = "i.id, i.fund_id, f.name, i.uscc, e.name, e.park, i.round, i.amount_fen, i.invested_on, i.grant_fen, i.note";

impl Store {
    /// Writes scenarios (inserted, or replacing the one with the same code) in one transaction.
    pub async fn upsert_scenarios(&self, rows: &[Scenario]) -> Result<(), Error> {
        self.upsert_scenarios_recorded(rows, None).await
    }

    /// [`Store::upsert_scenarios`], appending `event` to the audit trail in the same transaction.
    pub async fn upsert_scenarios_recorded(
        &self,
        rows: &[Scenario],
        event: Option<&crate::AuditEvent>,
    ) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        for s in rows {
            sqlx::query(
                "INSERT INTO scenarios (id, title, offered_by, offerer_kind, park, budget_fen, track, deadline, status, synthetic, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO UPDATE SET \
                 title = excluded.title, offered_by = excluded.offered_by, offerer_kind = excluded.offerer_kind, \
                 park = excluded.park, budget_fen = excluded.budget_fen, track = excluded.track, \
                 deadline = excluded.deadline, status = excluded.status, synthetic = excluded.synthetic",
            )
            .bind(s.id.clone())
            .bind(s.title.clone())
            .bind(s.offered_by.clone())
            .bind(s.offerer_kind.clone())
            .bind(s.park.clone())
            .bind(s.budget_fen)
            .bind(s.track.clone())
            .bind(s.deadline)
            .bind(s.status.clone())
            .bind(s.synthetic as i64)
            .bind(s.created_at)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(e) = event {
            crate::audit::audit_query(e).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every scenario, by deadline then code (public offers: no firm data).
    pub async fn scenarios(&self) -> Result<Vec<Scenario>, Error> {
        let sql =
            format!("SELECT {SCENARIO_COLS} FROM scenarios ORDER BY status DESC, deadline, id");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(decode_scenario)
            .collect()
    }

    /// `uscc` applies to an open scenario; `None` when the firm is outside `scope`, the scenario is
    /// unknown or closed. Applying twice keeps the first application.
    pub async fn apply_scenario(
        &self,
        scope: &Scope,
        scenario_id: &str,
        uscc: &Uscc,
        note: &str,
        now: i64,
    ) -> Result<Option<ScenarioApplication>, Error> {
        if self.enterprise(scope, uscc).await?.is_none()
            || !self
                .scenarios()
                .await?
                .iter()
                .any(|s| s.id == scenario_id && s.status == "open")
        {
            return Ok(None);
        }
        sqlx::query(
            "INSERT INTO scenario_applications (scenario_id, uscc, state, note, applied_at, updated_at) \
             VALUES ($1, $2, 'applied', $3, $4, $4) ON CONFLICT (scenario_id, uscc) DO NOTHING",
        )
        .bind(scenario_id.to_string())
        .bind(uscc.as_str().to_string())
        .bind(note.to_string())
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(self
            .scenario_applications(scope, Some(scenario_id))
            .await?
            .into_iter()
            .find(|a| a.uscc == uscc.as_str()))
    }

    /// Moves an application in scope to `state` (the caller checks the move is allowed: see
    /// [`ApplicationState::may_become`]); false when no such application is in scope.
    pub async fn set_application_state(
        &self,
        scope: &Scope,
        scenario_id: &str,
        uscc: &Uscc,
        state: ApplicationState,
        note: &str,
        now: i64,
    ) -> Result<bool, Error> {
        if self.enterprise(scope, uscc).await?.is_none() {
            return Ok(false);
        }
        let done = sqlx::query(
            "UPDATE scenario_applications SET state = $1, note = $2, updated_at = $3 WHERE scenario_id = $4 AND uscc = $5",
        )
        .bind(state.key())
        .bind(note.to_string())
        .bind(now)
        .bind(scenario_id.to_string())
        .bind(uscc.as_str().to_string())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Applications of firms in scope (of one scenario when given), by scenario then firm.
    pub async fn scenario_applications(
        &self,
        scope: &Scope,
        scenario: Option<&str>,
    ) -> Result<Vec<ScenarioApplication>, Error> {
        let mut w = Where::new(scope);
        if let Some(s) = scenario {
            w.add("a.scenario_id = $?", s.to_string());
        }
        let sql = format!(
            "SELECT {APPLICATION_COLS} FROM scenario_applications a JOIN scenarios s ON s.id = a.scenario_id \
             JOIN enterprises e ON e.uscc = a.uscc WHERE {} ORDER BY a.scenario_id, a.uscc",
            w.clause()
        );
        w.bind(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(decode_application)
            .collect()
    }

    /// Writes funds (inserted, or replacing the one with the same name) in one transaction;
    /// a new fund's id is made from its position when `id` is empty.
    pub async fn upsert_funds(&self, rows: &[Fund]) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        for f in rows {
            let id = if f.id.is_empty() {
                format!("fund-{}", random_hex(6))
            } else {
                f.id.clone()
            };
            sqlx::query(
                "INSERT INTO funds (id, name, manager, size_fen, kind, track, vintage, synthetic) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (name) DO UPDATE SET manager = excluded.manager, size_fen = excluded.size_fen, kind = excluded.kind, \
                 track = excluded.track, vintage = excluded.vintage, synthetic = excluded.synthetic",
            )
            .bind(id)
            .bind(f.name.clone())
            .bind(f.manager.clone())
            .bind(f.size_fen)
            .bind(f.kind.clone())
            .bind(f.track.clone())
            .bind(f.vintage)
            .bind(f.synthetic as i64)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every fund, parents first, then by the pinyin of the name (a registry: no firm data).
    pub async fn funds(&self) -> Result<Vec<Fund>, Error> {
        let mut funds = sqlx::query(
            "SELECT id, name, manager, size_fen, kind, track, vintage, synthetic FROM funds ORDER BY kind, name",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(decode_fund)
        .collect::<Result<Vec<_>, Error>>()?;
        funds.sort_by_cached_key(|f| (f.kind.clone(), gaoxin_model::name_order::sort_key(&f.name)));
        Ok(funds)
    }

    /// Records investments in one transaction; `Ok(false)` (nothing written) when any firm is
    /// outside `scope` or any fund is unknown.
    pub async fn add_investments(
        &self,
        scope: &Scope,
        rows: &[FundInvestment],
    ) -> Result<bool, Error> {
        let funds = self.funds().await?;
        for i in rows {
            let Ok(u) = Uscc::parse(&i.uscc) else {
                return Ok(false);
            };
            if !funds.iter().any(|f| f.id == i.fund_id)
                || self.enterprise(scope, &u).await?.is_none()
            {
                return Ok(false);
            }
        }
        let mut tx = self.pool.begin().await?;
        for i in rows {
            let id = if i.id.is_empty() {
                format!("inv-{}", random_hex(8))
            } else {
                i.id.clone()
            };
            sqlx::query(
                "INSERT INTO fund_investments (id, fund_id, uscc, round, amount_fen, invested_on, grant_fen, note) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id)
            .bind(i.fund_id.clone())
            .bind(i.uscc.clone())
            .bind(i.round.clone())
            .bind(i.amount_fen)
            .bind(i.invested_on)
            .bind(i.grant_fen)
            .bind(i.note.clone())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Investments in firms in scope (of one firm when given), newest first.
    pub async fn investments(
        &self,
        scope: &Scope,
        uscc: Option<&Uscc>,
    ) -> Result<Vec<FundInvestment>, Error> {
        let mut w = Where::new(scope);
        if let Some(u) = uscc {
            w.add("i.uscc = $?", u.as_str().to_string());
        }
        let sql = format!(
            "SELECT {INVESTMENT_COLS} FROM fund_investments i JOIN funds f ON f.id = i.fund_id \
             JOIN enterprises e ON e.uscc = i.uscc WHERE {} ORDER BY i.invested_on DESC, i.id",
            w.clause()
        );
        w.bind(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(decode_investment)
            .collect()
    }
}

impl Store {
    /// Removes every loan demand, edition, response, 创新积分贷 outcome, scenario, application,
    /// fund and investment (before loading a fresh demo zone; banks and consents stay).
    pub async fn clear_finance(&self) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        for t in [
            "loan_responses",
            "loan_edition_items",
            "loan_editions",
            "loan_demands",
            "points_loans",
            "scenario_applications",
            "scenarios",
            "fund_investments",
            "funds",
        ] {
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {t}")))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
