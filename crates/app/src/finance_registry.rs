//! Scenarios (场景) with firms' applications, and funds (4+N, track funds) with their investments:
//! the views the pages, exports and commands share, and a firm's finance section.
use crate::audit;
use crate::finance_loans::{FinanceError, now};
use crate::xlsx::list_sheet;
use gaoxin_model::{Money, Unit, Uscc, Zone};
use gaoxin_store::{
    ApplicationState, Fund, FundInvestment, LoanDemand, LoanResponse, Scenario,
    ScenarioApplication, Scope, Store,
};
use rust_xlsxwriter::Workbook;
use serde::Serialize;

/// A firm applies to an open scenario (the firm's user, or staff on its behalf).
pub async fn apply(
    store: &Store,
    scope: &Scope,
    scenario: &str,
    uscc: &Uscc,
    note: &str,
    who: &audit::Who,
) -> Result<ScenarioApplication, FinanceError> {
    if note.chars().count() > 500 {
        return Err(FinanceError::Invalid("「申报说明」不超过 500 字".into()));
    }
    let a = store
        .apply_scenario(scope, scenario, uscc, note.trim(), now())
        .await?
        .ok_or(FinanceError::NotFound)?;
    let detail = serde_json::json!({"scenario": scenario, "note": note});
    audit::note(
        store,
        who,
        "finance.apply",
        Some(&a.park),
        uscc.as_str(),
        detail,
    )
    .await;
    Ok(a)
}

/// Staff move an application: applied → shortlisted → selected / declined (applied → declined).
pub async fn move_application(
    store: &Store,
    scope: &Scope,
    scenario: &str,
    uscc: &Uscc,
    state: &str,
    note: &str,
    who: &audit::Who,
) -> Result<ApplicationState, FinanceError> {
    let next = ApplicationState::parse(state)
        .ok_or_else(|| FinanceError::Invalid("「状态」应为 入围、入选 或 未入选".into()))?;
    let cur = store
        .scenario_applications(scope, Some(scenario))
        .await?
        .into_iter()
        .find(|a| a.uscc == uscc.as_str())
        .ok_or(FinanceError::NotFound)?;
    if !cur.state.may_become(next) {
        return Err(FinanceError::Invalid(format!(
            "申报状态不能从「{}」改为「{}」",
            cur.state.zh(),
            next.zh()
        )));
    }
    if !store
        .set_application_state(scope, scenario, uscc, next, note.trim(), now())
        .await?
    {
        return Err(FinanceError::NotFound);
    }
    let detail = serde_json::json!({"scenario": scenario, "to": next.key(), "note": note});
    audit::note_firm(store, who, "finance.application", uscc, detail).await;
    Ok(next)
}

/// Counts of a scenario's applications by state (in the reader's scope).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScenarioRow {
    pub scenario: ScenarioView,
    pub applied: usize,
    pub shortlisted: usize,
    pub selected: usize,
    pub declined: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ScenarioView {
    pub id: String,
    pub title: String,
    pub offered_by: String,
    pub offerer_kind: &'static str,
    pub park: String,
    pub track: String,
    pub budget_fen: Option<i64>,
    pub deadline: Option<i64>,
    pub status: &'static str,
    pub synthetic: bool,
}

fn view(zone: &Zone, s: &Scenario) -> ScenarioView {
    ScenarioView {
        id: s.id.clone(),
        title: s.title.clone(),
        offered_by: s.offered_by.clone(),
        offerer_kind: if s.offerer_kind == "firm" {
            "企业"
        } else {
            "政府部门"
        },
        park: zone
            .park(&s.park)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| s.park.clone()),
        track: zone
            .track(&s.track)
            .map(|t| t.name.clone())
            .unwrap_or_else(|| s.track.clone()),
        budget_fen: s.budget_fen,
        deadline: s.deadline,
        status: if s.status == "open" {
            "征集中"
        } else {
            "已截止"
        },
        synthetic: s.synthetic,
    }
}

/// Every scenario with its applications' counts, and the applications in scope; filtered by
/// track and park (id or name) and free text in the title or offerer when given.
pub async fn scenarios_view(
    store: &Store,
    zone: &Zone,
    scope: &Scope,
    track: Option<&str>,
    q: Option<&str>,
) -> Result<(Vec<ScenarioRow>, Vec<ScenarioApplication>), FinanceError> {
    let apps = store.scenario_applications(scope, None).await?;
    let track = track
        .filter(|t| !t.is_empty())
        .and_then(|t| zone.track(t))
        .map(|t| t.id.clone());
    let q = q.map(str::trim).filter(|q| !q.is_empty());
    let rows = store
        .scenarios()
        .await?
        .iter()
        .filter(|s| track.as_ref().is_none_or(|t| *t == s.track))
        .filter(|s| {
            q.is_none_or(|q| s.title.contains(q) || s.offered_by.contains(q) || s.id.contains(q))
        })
        .map(|s| {
            let mine = apps.iter().filter(|a| a.scenario_id == s.id);
            let count = |st: ApplicationState| mine.clone().filter(|a| a.state == st).count();
            ScenarioRow {
                scenario: view(zone, s),
                applied: count(ApplicationState::Applied),
                shortlisted: count(ApplicationState::Shortlisted),
                selected: count(ApplicationState::Selected),
                declined: count(ApplicationState::Declined),
            }
        })
        .collect();
    Ok((rows, apps))
}

/// A fund with what it invested in firms in the reader's scope.
#[derive(Debug, Clone, Serialize)]
pub struct FundRow {
    pub id: String,
    pub name: String,
    pub manager: String,
    pub size_fen: i64,
    pub kind: &'static str,
    pub track: String,
    pub vintage: i64,
    pub synthetic: bool,
    pub investments: usize,
    pub invested_fen: i64,
    /// 拨投结合 deals and their grants.
    pub grant_deals: usize,
    pub grant_fen: i64,
}

fn kind_zh(k: &str) -> &'static str {
    match k {
        "parent" => "母基金（4）",
        "track" => "赛道基金（N）",
        _ => "其他基金",
    }
}

/// Funds and the investments in firms in scope (of one track's funds when `track` is given).
pub async fn funds_view(
    store: &Store,
    zone: &Zone,
    scope: &Scope,
    track: Option<&str>,
) -> Result<(Vec<FundRow>, Vec<FundInvestment>), FinanceError> {
    let track = track
        .filter(|t| !t.is_empty())
        .and_then(|t| zone.track(t))
        .map(|t| t.id.clone());
    let funds: Vec<Fund> = store
        .funds()
        .await?
        .into_iter()
        .filter(|f| track.as_ref().is_none_or(|t| *t == f.track))
        .collect();
    let inv: Vec<FundInvestment> = store
        .investments(scope, None)
        .await?
        .into_iter()
        .filter(|i| funds.iter().any(|f| f.id == i.fund_id))
        .collect();
    let rows = funds
        .iter()
        .map(|f| {
            let mine: Vec<&FundInvestment> = inv.iter().filter(|i| i.fund_id == f.id).collect();
            FundRow {
                id: f.id.clone(),
                name: f.name.clone(),
                manager: f.manager.clone(),
                size_fen: f.size_fen,
                kind: kind_zh(&f.kind),
                track: zone
                    .track(&f.track)
                    .map(|t| t.name.clone())
                    .unwrap_or_default(),
                vintage: f.vintage,
                synthetic: f.synthetic,
                investments: mine.len(),
                invested_fen: mine.iter().map(|i| i.amount_fen).sum(),
                grant_deals: mine.iter().filter(|i| i.grant_fen.is_some()).count(),
                grant_fen: mine.iter().filter_map(|i| i.grant_fen).sum(),
            }
        })
        .collect();
    Ok((rows, inv))
}

/// A firm's finance section: its demands (with responses), fund investments, scenario
/// applications and the open scenarios it may apply to.
#[derive(Debug, Clone, Default)]
pub struct FirmFinance {
    pub demands: Vec<LoanDemand>,
    pub responses: Vec<LoanResponse>,
    pub investments: Vec<FundInvestment>,
    pub applications: Vec<ScenarioApplication>,
    pub open_scenarios: Vec<Scenario>,
}

pub async fn firm_finance(
    store: &Store,
    scope: &Scope,
    uscc: &Uscc,
) -> Result<FirmFinance, FinanceError> {
    let own = Scope::Enterprise(uscc.clone());
    // the firm must be visible to the reader; then its own rows are read in its own scope
    if store.enterprise(scope, uscc).await?.is_none() {
        return Err(FinanceError::NotFound);
    }
    let applications = store.scenario_applications(&own, None).await?;
    let open_scenarios = store
        .scenarios()
        .await?
        .into_iter()
        .filter(|s| s.status == "open" && !applications.iter().any(|a| a.scenario_id == s.id))
        .collect();
    Ok(FirmFinance {
        demands: store.demands(&own, None).await?,
        responses: store.loan_responses(&own, None).await?,
        investments: store.investments(&own, Some(uscc)).await?,
        applications,
        open_scenarios,
    })
}

fn wan(fen: i64) -> String {
    Money(fen).to_decimal(Unit::WanYuan)
}

fn date_text(d: Option<i64>) -> String {
    d.and_then(gaoxin_model::Date::from_int)
        .map(|d| d.to_string())
        .unwrap_or_default()
}

/// Scenarios and applications as .xlsx (the scenario sheet re-imports: the import's columns).
pub fn scenarios_workbook(
    zone: &Zone,
    rows: &[ScenarioRow],
    apps: &[ScenarioApplication],
) -> Result<Vec<u8>, FinanceError> {
    let mut wb = Workbook::new();
    let mut head: Vec<&str> = crate::finance_import::SCENARIO_COLUMNS.to_vec();
    head.extend(["已申报", "入围", "入选", "未入选", "数据来源"]);
    let ws = list_sheet(&mut wb, "场景", &head, 16.0)?;
    for (i, r) in rows.iter().enumerate() {
        let s = &r.scenario;
        let n = i as u32 + 1;
        ws.write_string(n, 0, &s.id)?;
        ws.write_string(n, 1, &s.title)?;
        ws.write_string(n, 2, &s.offered_by)?;
        ws.write_string(n, 3, s.offerer_kind)?;
        ws.write_string(n, 4, &s.park)?;
        ws.write_string(n, 5, &s.track)?;
        ws.write_string(n, 6, s.budget_fen.map(wan).unwrap_or_default())?;
        ws.write_string(n, 7, date_text(s.deadline))?;
        ws.write_string(n, 8, s.status)?;
        for (k, v) in [r.applied, r.shortlisted, r.selected, r.declined]
            .iter()
            .enumerate()
        {
            ws.write_number(n, 9 + k as u16, *v as f64)?;
        }
        ws.write_string(
            n,
            13,
            if s.synthetic {
                "合成演示数据"
            } else {
                ""
            },
        )?;
    }
    let ws = list_sheet(
        &mut wb,
        "申报",
        &[
            "场景编号",
            "场景名称",
            "统一社会信用代码",
            "企业名称",
            "园区",
            "状态",
            "说明",
        ],
        16.0,
    )?;
    for (i, a) in apps.iter().enumerate() {
        let n = i as u32 + 1;
        ws.write_string(n, 0, &a.scenario_id)?;
        ws.write_string(n, 1, &a.scenario_title)?;
        ws.write_string(n, 2, &a.uscc)?;
        ws.write_string(n, 3, &a.firm_name)?;
        ws.write_string(
            n,
            4,
            zone.park(&a.park)
                .map(|p| p.name.as_str())
                .unwrap_or(&a.park),
        )?;
        ws.write_string(n, 5, a.state.zh())?;
        ws.write_string(n, 6, &a.note)?;
    }
    Ok(wb.save_to_buffer()?)
}

/// Funds and investments as .xlsx.
pub fn funds_workbook(
    zone: &Zone,
    rows: &[FundRow],
    inv: &[FundInvestment],
) -> Result<Vec<u8>, FinanceError> {
    let mut wb = Workbook::new();
    let ws = list_sheet(
        &mut wb,
        "基金",
        &[
            "基金名称",
            "类别",
            "管理人",
            "规模（万元）",
            "赛道",
            "设立年份",
            "投资笔数",
            "投资金额（万元）",
            "拨投结合笔数",
            "拨投结合拨款（万元）",
            "数据来源",
        ],
        16.0,
    )?;
    for (i, f) in rows.iter().enumerate() {
        let n = i as u32 + 1;
        ws.write_string(n, 0, &f.name)?;
        ws.write_string(n, 1, f.kind)?;
        ws.write_string(n, 2, &f.manager)?;
        ws.write_string(n, 3, wan(f.size_fen))?;
        ws.write_string(n, 4, &f.track)?;
        ws.write_number(n, 5, f.vintage as f64)?;
        ws.write_number(n, 6, f.investments as f64)?;
        ws.write_string(n, 7, wan(f.invested_fen))?;
        ws.write_number(n, 8, f.grant_deals as f64)?;
        ws.write_string(n, 9, wan(f.grant_fen))?;
        ws.write_string(
            n,
            10,
            if f.synthetic {
                "合成演示数据"
            } else {
                ""
            },
        )?;
    }
    let ws = list_sheet(
        &mut wb,
        "投资",
        &[
            "基金",
            "统一社会信用代码",
            "企业名称",
            "园区",
            "轮次",
            "金额（万元）",
            "日期",
            "拨投结合拨款（万元）",
            "备注",
        ],
        16.0,
    )?;
    for (i, x) in inv.iter().enumerate() {
        let n = i as u32 + 1;
        ws.write_string(n, 0, &x.fund_name)?;
        ws.write_string(n, 1, &x.uscc)?;
        ws.write_string(n, 2, &x.firm_name)?;
        ws.write_string(
            n,
            3,
            zone.park(&x.park)
                .map(|p| p.name.as_str())
                .unwrap_or(&x.park),
        )?;
        ws.write_string(n, 4, &x.round)?;
        ws.write_string(n, 5, wan(x.amount_fen))?;
        ws.write_string(n, 6, date_text(Some(x.invested_on)))?;
        ws.write_string(n, 7, x.grant_fen.map(wan).unwrap_or_default())?;
        ws.write_string(n, 8, &x.note)?;
    }
    Ok(wb.save_to_buffer()?)
}

/// A park's finance in brief (the park page's section): its firms' loan demands and how they
/// were answered, fund investments in its firms, scenarios located in it.
#[derive(Debug, Clone, Serialize)]
pub struct ParkFinance {
    pub loans: crate::finance::MatchRow,
    pub investments: usize,
    pub invested_fen: i64,
    pub grant_deals: usize,
    pub scenarios_open: usize,
    pub scenarios: usize,
}

/// [`ParkFinance`] of park `park` read in `scope` (the caller's scope of that park's page).
pub async fn park_finance(
    store: &Store,
    zone: &Zone,
    scope: &Scope,
    park: &str,
) -> Result<ParkFinance, FinanceError> {
    let v = crate::finance_loans::loans_view(store, zone, scope, None).await?;
    let inv = store.investments(scope, None).await?;
    let sc: Vec<Scenario> = store
        .scenarios()
        .await?
        .into_iter()
        .filter(|s| s.park == park)
        .collect();
    Ok(ParkFinance {
        loans: v.stats.total,
        investments: inv.len(),
        invested_fen: inv.iter().map(|i| i.amount_fen).sum(),
        grant_deals: inv.iter().filter(|i| i.grant_fen.is_some()).count(),
        scenarios_open: sc.iter().filter(|s| s.status == "open").count(),
        scenarios: sc.len(),
    })
}
