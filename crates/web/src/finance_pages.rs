//! 科技金融 pages and the banks' finance API. Thin: parse → one `gaoxin_app` call → render.
//!
//! * `GET /finance` (staff): the loan-demand list in the user's scope (an edition or every
//!   demand), match rate and funded amount per park and bank, 创新积分贷 by points band; zone
//!   administrators publish an edition there. `GET /finance/export.xlsx`: the same as .xlsx.
//! * `GET /finance/scenarios`, `/finance/funds` (staff) and their `.xlsx` exports; staff move a
//!   scenario application (`POST /finance/scenarios/state`).
//! * `GET /enterprises/{uscc}/finance`: the firm page's finance section (htmx fragment): its
//!   demands and banks' responses, fund investments, scenario applications; the firm's user and
//!   staff who may write (zone or park administrators) declare a need and apply to a scenario.
//! * Bank API (`Authorization: Bearer <key>`): `GET /api/v1/bank/loan-demands` — the latest (or
//!   `?edition=`) edition, only firms that consented to this bank (one consent covers points and
//!   loan demands; every firm shown logged); `POST /api/v1/bank/loan-demands/{demand}/responses`
//!   and `POST /api/v1/bank/enterprises/{uscc}/points-loans` — only for a consenting firm, else
//!   the same 404 as a missing one.
use crate::AppState;
use crate::auth::CurrentUser;
use crate::bank::authenticate;
use crate::error::{ApiError, PageError};
use crate::pages::scoped_enterprise;
use crate::render::{self, Page};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use gaoxin_app::finance::{self, FinanceConfig};
use gaoxin_app::finance_loans::{
    self as loans, DemandForm, FinanceError, OutcomeForm, ResponseForm,
};
use gaoxin_app::finance_registry as registry;
use gaoxin_model::Uscc;
use gaoxin_store::{LoanDemand, Role};
use minijinja::context;
use serde::{Deserialize, Serialize};

fn page_err(e: FinanceError) -> PageError {
    match e {
        FinanceError::Invalid(m) => PageError::bad_request(&m),
        FinanceError::NotFound => PageError::not_found(),
        e => PageError::internal(e),
    }
}

fn api_err(e: FinanceError) -> ApiError {
    match e {
        FinanceError::Invalid(m) => ApiError::bad_request(&m),
        FinanceError::NotFound => ApiError::not_found(),
        e => ApiError::internal(e),
    }
}

fn config() -> Result<FinanceConfig, PageError> {
    FinanceConfig::load().map_err(PageError::internal)
}

/// Zone and park administrators write on a firm's behalf; analysts read only.
fn may_write(role: &Role) -> bool {
    !matches!(role, Role::ZoneAnalyst)
}

#[derive(Deserialize, Default)]
pub struct FinanceQuery {
    #[serde(default)]
    edition: Option<String>,
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    track: Option<String>,
    #[serde(default)]
    imported: Option<u64>,
}

fn filter_q(demands: &mut Vec<LoanDemand>, q: Option<&str>) {
    if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
        demands.retain(|d| d.firm_name.contains(q) || d.uscc.contains(&q.to_ascii_uppercase()));
    }
}

/// GET /finance — the loan-demand list and its statistics.
pub async fn finance_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<FinanceQuery>,
) -> Result<Response, PageError> {
    let cfg = config()?;
    let scope = user.scope();
    let mut v = loans::loans_view(&state.store, &state.zone, &scope, q.edition.as_deref())
        .await
        .map_err(page_err)?;
    let (_, bands) = loans::points_view(&state.store, &cfg, &scope)
        .await
        .map_err(page_err)?;
    filter_q(&mut v.demands, q.q.as_deref());
    let latest = finance::latest_responses(&v.responses);
    let demands: Vec<_> = v
        .demands
        .iter()
        .map(|d| {
            let mut answers: Vec<String> = latest
                .values()
                .filter(|r| r.demand_id == d.id)
                .map(|r| format!("{}：{}", r.bank_name, r.status.zh()))
                .collect();
            answers.sort();
            context! {
                id => d.id.clone(), uscc => d.uscc.clone(), firm => d.firm_name.clone(),
                park => state.zone.park(&d.park).map(|p| p.name.clone()).unwrap_or_default(),
                amount => d.amount_fen, term => d.term_months, purpose => d.purpose.clone(),
                collateral => d.collateral.clone(), declared_on => d.declared_on,
                withdrawn => d.withdrawn_at.is_some(), answers => answers.join("；"),
            }
        })
        .collect();
    let chart = serde_json::json!({
        "parks": v.stats.parks.iter().map(|p| (p.name.clone(), p.demands, p.matched)).collect::<Vec<_>>(),
        "bands": bands.iter().map(|b| (b.band.clone(), b.applications, b.approval_permille.map(|p| p as f64 / 10.0))).collect::<Vec<_>>(),
    });
    let page = Page::new("科技金融", &user, "/finance");
    Ok(render::page(
        "finance.html",
        &page,
        context! {
            editions => render::ser(v.editions.iter().map(|e| (e.id.clone(), e.title.clone(), e.published_on)).collect::<Vec<_>>()),
            edition => v.edition.as_ref().map(|e| e.id.clone()).unwrap_or_default(),
            q => q.q.unwrap_or_default(),
            demands => demands,
            stats => render::ser(&v.stats),
            bands => render::ser(&bands),
            chart => render::ser(&chart),
            unconfirmed => cfg.unconfirmed(),
            cfg_source => cfg.source.clone(),
            zone_admin => matches!(user.role, Role::ZoneAdmin),
            today => loans::today(),
            csrf => user.csrf.clone(),
        },
    ))
}

/// GET /finance/export.xlsx — the list, responses, statistics and points bands.
pub async fn finance_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<FinanceQuery>,
) -> Result<Response, PageError> {
    let cfg = config()?;
    let scope = user.scope();
    let mut v = loans::loans_view(&state.store, &state.zone, &scope, q.edition.as_deref())
        .await
        .map_err(page_err)?;
    filter_q(&mut v.demands, q.q.as_deref());
    let (_, bands) = loans::points_view(&state.store, &cfg, &scope)
        .await
        .map_err(page_err)?;
    let bytes = loans::loans_workbook(&state.zone, &cfg, &v, &bands).map_err(page_err)?;
    Ok(crate::export::xlsx_download(
        &state,
        &user,
        bytes,
        "科技企业贷款需求清单.xlsx",
    ))
}

#[derive(Deserialize)]
pub struct PublishForm {
    title: String,
    #[serde(default)]
    date: String,
}

/// POST /finance/editions — a zone administrator publishes an edition.
pub async fn publish(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<PublishForm>,
) -> Result<Response, PageError> {
    if !matches!(user.role, Role::ZoneAdmin) {
        return Err(PageError::not_found());
    }
    let (ed, _) = loans::publish(
        &state.store,
        &user.scope(),
        &f.title,
        &f.date,
        &user.username,
        &user.who(),
    )
    .await
    .map_err(page_err)?;
    Ok(Redirect::to(&format!("/finance?edition={}", ed.id)).into_response())
}

/// GET /enterprises/{uscc}/finance — the firm page's finance section.
pub async fn firm_fragment(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let scope = user.scope();
    let (uscc, _) = scoped_enterprise(&state, &scope, &code).await?;
    let f = registry::firm_finance(&state.store, &scope, &uscc)
        .await
        .map_err(page_err)?;
    let latest = finance::latest_responses(&f.responses);
    let demands: Vec<_> = f
        .demands
        .iter()
        .map(|d| {
            let answers: Vec<_> = latest
                .values()
                .filter(|r| r.demand_id == d.id)
                .map(|r| context! { bank => r.bank_name.clone(), status => r.status.zh(), amount => r.amount_fen, date => r.on_date })
                .collect();
            context! { id => d.id.clone(), amount => d.amount_fen, term => d.term_months, purpose => d.purpose.clone(),
                collateral => d.collateral.clone(), declared_on => d.declared_on, withdrawn => d.withdrawn_at.is_some(), answers => answers }
        })
        .collect();
    let inv: Vec<_> = f
        .investments
        .iter()
        .map(|i| context! { fund => i.fund_name.clone(), round => i.round.clone(), amount => i.amount_fen, date => i.invested_on, grant => i.grant_fen })
        .collect();
    let apps: Vec<_> = f
        .applications
        .iter()
        .map(|a| context! { id => a.scenario_id.clone(), title => a.scenario_title.clone(), state => a.state.zh() })
        .collect();
    let open: Vec<_> = f
        .open_scenarios
        .iter()
        .map(|s| context! { id => s.id.clone(), title => s.title.clone() })
        .collect();
    Ok(render::fragment(
        "finance_firm.html",
        context! {
            uscc => uscc.as_str(),
            demands => demands,
            investments => inv,
            applications => apps,
            open_scenarios => open,
            may_write => may_write(&user.role),
            csrf => user.csrf.clone(),
            today => loans::today(),
        },
    ))
}

/// The firm of a write, if the user's scope holds it and the user may write (else the 404).
async fn writable_firm(
    state: &AppState,
    user: &CurrentUser,
    code: &str,
) -> Result<Uscc, PageError> {
    if !may_write(&user.role) {
        return Err(PageError::not_found());
    }
    Ok(scoped_enterprise(state, &user.scope(), code).await?.0)
}

/// POST /enterprises/{uscc}/loan-demands — declare a need.
pub async fn declare(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Form(f): Form<DemandForm>,
) -> Result<Response, PageError> {
    let uscc = writable_firm(&state, &user, &code).await?;
    loans::declare(&state.store, &user.scope(), &uscc, &f, &user.who())
        .await
        .map_err(page_err)?;
    Ok(Redirect::to(&format!("/enterprises/{}#finance", uscc.as_str())).into_response())
}

#[derive(Deserialize)]
pub struct WithdrawForm {
    demand: String,
}

/// POST /enterprises/{uscc}/loan-demands/withdraw — withdraw a need.
pub async fn withdraw(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Form(f): Form<WithdrawForm>,
) -> Result<Response, PageError> {
    let uscc = writable_firm(&state, &user, &code).await?;
    // the demand must be this firm's (and the firm in the user's scope, checked above)
    if !loans::withdraw(&state.store, &uscc, &f.demand, &user.who())
        .await
        .map_err(page_err)?
    {
        return Err(PageError::not_found());
    }
    Ok(Redirect::to(&format!("/enterprises/{}#finance", uscc.as_str())).into_response())
}

#[derive(Deserialize)]
pub struct ApplyForm {
    scenario: String,
    #[serde(default)]
    note: String,
}

/// POST /enterprises/{uscc}/scenarios — apply to a scenario.
pub async fn apply(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Form(f): Form<ApplyForm>,
) -> Result<Response, PageError> {
    let uscc = writable_firm(&state, &user, &code).await?;
    registry::apply(
        &state.store,
        &user.scope(),
        &f.scenario,
        &uscc,
        &f.note,
        &user.who(),
    )
    .await
    .map_err(page_err)?;
    Ok(Redirect::to(&format!("/enterprises/{}#finance", uscc.as_str())).into_response())
}

/// GET /finance/scenarios — the registry and the applications in scope.
pub async fn scenarios_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<FinanceQuery>,
) -> Result<Response, PageError> {
    let (rows, apps) = registry::scenarios_view(
        &state.store,
        &state.zone,
        &user.scope(),
        q.track.as_deref(),
        q.q.as_deref(),
    )
    .await
    .map_err(page_err)?;
    let apps: Vec<_> = apps
        .iter()
        .filter(|a| rows.iter().any(|r| r.scenario.id == a.scenario_id))
        .map(|a| context! { id => a.scenario_id.clone(), title => a.scenario_title.clone(), uscc => a.uscc.clone(), firm => a.firm_name.clone(),
            park => state.zone.park(&a.park).map(|p| p.name.clone()).unwrap_or_default(), state => a.state.zh(), key => a.state.key(), note => a.note.clone() })
        .collect();
    let page = Page::new("应用场景", &user, "/finance");
    Ok(render::page(
        "finance_scenarios.html",
        &page,
        context! {
            rows => render::ser(&rows), apps => apps,
            tracks => render::ser(state.zone.tracks.iter().map(|t| (t.id.clone(), t.name.clone())).collect::<Vec<_>>()),
            track => q.track.unwrap_or_default(), q => q.q.unwrap_or_default(),
            may_write => may_write(&user.role), csrf => user.csrf.clone(),
            zone_admin => matches!(user.role, Role::ZoneAdmin), imported => q.imported,
        },
    ))
}

/// GET /finance/scenarios/export.xlsx
pub async fn scenarios_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<FinanceQuery>,
) -> Result<Response, PageError> {
    let (rows, apps) = registry::scenarios_view(
        &state.store,
        &state.zone,
        &user.scope(),
        q.track.as_deref(),
        q.q.as_deref(),
    )
    .await
    .map_err(page_err)?;
    let bytes = registry::scenarios_workbook(&state.zone, &rows, &apps).map_err(page_err)?;
    Ok(crate::export::xlsx_download(
        &state,
        &user,
        bytes,
        "应用场景.xlsx",
    ))
}

#[derive(Deserialize)]
pub struct StateForm {
    scenario: String,
    uscc: String,
    state: String,
    #[serde(default)]
    note: String,
}

/// POST /finance/scenarios/state — staff move an application.
pub async fn move_application(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<StateForm>,
) -> Result<Response, PageError> {
    let uscc = writable_firm(&state, &user, &f.uscc).await?;
    registry::move_application(
        &state.store,
        &user.scope(),
        &f.scenario,
        &uscc,
        &f.state,
        &f.note,
        &user.who(),
    )
    .await
    .map_err(page_err)?;
    Ok(Redirect::to("/finance/scenarios").into_response())
}

/// GET /finance/funds — funds and their investments in firms in scope.
pub async fn funds_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<FinanceQuery>,
) -> Result<Response, PageError> {
    let (rows, inv) =
        registry::funds_view(&state.store, &state.zone, &user.scope(), q.track.as_deref())
            .await
            .map_err(page_err)?;
    let inv: Vec<_> = inv
        .iter()
        .map(|i| context! { fund => i.fund_name.clone(), uscc => i.uscc.clone(), firm => i.firm_name.clone(),
            park => state.zone.park(&i.park).map(|p| p.name.clone()).unwrap_or_default(),
            round => i.round.clone(), amount => i.amount_fen, date => i.invested_on, grant => i.grant_fen })
        .collect();
    let page = Page::new("基金", &user, "/finance");
    Ok(render::page(
        "finance_funds.html",
        &page,
        context! {
            rows => render::ser(&rows), investments => inv,
            tracks => render::ser(state.zone.tracks.iter().map(|t| (t.id.clone(), t.name.clone())).collect::<Vec<_>>()),
            track => q.track.unwrap_or_default(),
        },
    ))
}

/// GET /finance/funds/export.xlsx
pub async fn funds_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<FinanceQuery>,
) -> Result<Response, PageError> {
    let (rows, inv) =
        registry::funds_view(&state.store, &state.zone, &user.scope(), q.track.as_deref())
            .await
            .map_err(page_err)?;
    let bytes = registry::funds_workbook(&state.zone, &rows, &inv).map_err(page_err)?;
    Ok(crate::export::xlsx_download(
        &state,
        &user,
        bytes,
        "基金与投资.xlsx",
    ))
}

// ---- bank API ----

/// One demand as a bank sees it (money in fen).
#[derive(Serialize, utoipa::ToSchema)]
pub struct BankDemand {
    id: String,
    uscc: String,
    firm_name: String,
    park: String,
    amount_fen: i64,
    term_months: i64,
    purpose: String,
    collateral: String,
    /// yyyy-mm-dd
    declared_on: String,
    withdrawn: bool,
}

/// An edition as a bank sees it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct BankList {
    bank: String,
    edition: String,
    title: String,
    /// yyyy-mm-dd
    published_on: String,
    demands: Vec<BankDemand>,
    note: &'static str,
}

fn date_text(d: i64) -> String {
    gaoxin_model::Date::from_int(d)
        .map(|d| d.to_string())
        .unwrap_or_default()
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EditionQuery {
    /// The edition's id (default: the latest).
    edition: Option<String>,
}

/// GET /api/v1/bank/loan-demands
#[utoipa::path(get, path = "/api/v1/bank/loan-demands",
    summary = "银行接口：科技企业贷款需求清单（最新一期，或 ?edition=期次编号）中已授权本银行的企业的贷款需求；未授权的企业不出现；每家出现的企业都记录一次访问并对企业可见。金额单位为分",
    params(EditionQuery, ("Authorization" = String, Header, description = "Bearer <银行API密钥>")),
    security(("bank" = [])),
    responses((status = 200, description = "本期清单中已授权本银行的需求", body = BankList),
        (status = 401, description = "错误", body = crate::error::ErrorBody),
        (status = 404, description = "错误", body = crate::error::ErrorBody)))]
pub async fn bank_list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<EditionQuery>,
) -> Result<Response, ApiError> {
    let bank = authenticate(&state, &headers).await?;
    let (ed, ds) = loans::bank_list(
        &state.store,
        &bank,
        q.edition.as_deref(),
        "/api/v1/bank/loan-demands",
    )
    .await
    .map_err(api_err)?;
    Ok(Json(BankList {
        bank: bank.name,
        edition: ed.id,
        title: ed.title,
        published_on: date_text(ed.published_on),
        demands: ds
            .into_iter()
            .map(|d| BankDemand {
                park: state
                    .zone
                    .park(&d.park)
                    .map(|p| p.name.clone())
                    .unwrap_or(d.park),
                id: d.id,
                uscc: d.uscc,
                firm_name: d.firm_name,
                amount_fen: d.amount_fen,
                term_months: d.term_months,
                purpose: d.purpose,
                collateral: d.collateral,
                declared_on: date_text(d.declared_on),
                withdrawn: d.withdrawn_at.is_some(),
            })
            .collect(),
        note: "仅列出已授权本银行的企业；授权撤销或到期后不再出现",
    })
    .into_response())
}

/// A bank's response (JSON body).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ResponseBody {
    /// contacted | approved | rejected | disbursed（或 已联系 / 已审批 / 已拒绝 / 已放款）
    status: String,
    /// 金额（万元，文本，精确到分）：approved 与 disbursed 必填
    amount_wan: Option<String>,
    /// 拒绝原因代码（data/finance/finance.toml）：rejected 必填
    reason_code: Option<String>,
    /// yyyy-mm-dd（默认今天）
    date: Option<String>,
    note: Option<String>,
}

/// The recorded response.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ResponseAnswer {
    id: String,
    demand: String,
    bank: String,
    status: String,
    amount_fen: Option<i64>,
    reason_code: Option<String>,
    date: String,
}

/// POST /api/v1/bank/loan-demands/{demand}/responses
#[utoipa::path(post, path = "/api/v1/bank/loan-demands/{demand}/responses",
    summary = "银行接口：登记对清单中某项贷款需求的回应（已联系、已审批及金额、已拒绝及原因代码、已放款及金额与日期）；仅限已发布清单中、授权本银行的企业，否则一律404",
    params(("demand" = String, Path, description = "需求编号"), ("Authorization" = String, Header, description = "Bearer <银行API密钥>")),
    request_body = ResponseBody,
    security(("bank" = [])),
    responses((status = 200, description = "已登记", body = ResponseAnswer),
        (status = 400, description = "错误", body = crate::error::ErrorBody),
        (status = 401, description = "错误", body = crate::error::ErrorBody),
        (status = 404, description = "错误", body = crate::error::ErrorBody)))]
pub async fn bank_respond(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(demand): Path<String>,
    body: Result<Json<ResponseBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let bank = authenticate(&state, &headers).await?;
    let Json(b) = body.map_err(|e| ApiError::bad_request(&format!("请求体应为 JSON：{e}")))?;
    let cfg = FinanceConfig::load().map_err(ApiError::internal)?;
    let f = ResponseForm {
        status: b.status,
        amount_wan: b.amount_wan,
        reason_code: b.reason_code,
        date: b.date,
        note: b.note,
    };
    let path = format!("/api/v1/bank/loan-demands/{demand}/responses");
    let r = loans::bank_respond(&state.store, &cfg, &bank, &demand, &f, &path)
        .await
        .map_err(api_err)?;
    Ok(Json(ResponseAnswer {
        id: r.id,
        demand: r.demand_id,
        bank: r.bank_name,
        status: r.status.key().into(),
        amount_fen: r.amount_fen,
        reason_code: r.reason_code,
        date: date_text(r.on_date),
    })
    .into_response())
}

/// A 创新积分贷 outcome (JSON body).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct OutcomeBody {
    /// pending | approved | rejected（或 审批中 / 已获批 / 已拒绝）
    outcome: String,
    /// 申请日期 yyyy-mm-dd（默认今天）：记录该日企业已有的创新积分
    applied_on: Option<String>,
    /// 获批金额（万元，文本）：approved 必填
    amount_wan: Option<String>,
    /// 拒绝原因代码：rejected 必填
    reason_code: Option<String>,
}

/// The recorded outcome with the points the firm had.
#[derive(Serialize, utoipa::ToSchema)]
pub struct OutcomeAnswer {
    id: String,
    uscc: String,
    outcome: String,
    approved_fen: Option<i64>,
    points_year: Option<i64>,
    points_total: Option<f64>,
}

/// POST /api/v1/bank/enterprises/{uscc}/points-loans
#[utoipa::path(post, path = "/api/v1/bank/enterprises/{uscc}/points-loans",
    summary = "银行接口：登记创新积分贷申请结果（审批中、已获批及金额、已拒绝及原因代码），并记录企业申请时的创新积分；须企业授权本银行，否则一律404",
    params(("uscc" = String, Path, description = "统一社会信用代码"), ("Authorization" = String, Header, description = "Bearer <银行API密钥>")),
    request_body = OutcomeBody,
    security(("bank" = [])),
    responses((status = 200, description = "已登记", body = OutcomeAnswer),
        (status = 400, description = "错误", body = crate::error::ErrorBody),
        (status = 401, description = "错误", body = crate::error::ErrorBody),
        (status = 404, description = "错误", body = crate::error::ErrorBody)))]
pub async fn bank_points_loan(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
    body: Result<Json<OutcomeBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let bank = authenticate(&state, &headers).await?;
    let uscc = Uscc::parse(&code).map_err(|_| ApiError::not_found())?;
    let Json(b) = body.map_err(|e| ApiError::bad_request(&format!("请求体应为 JSON：{e}")))?;
    let cfg = FinanceConfig::load().map_err(ApiError::internal)?;
    let f = OutcomeForm {
        outcome: b.outcome,
        applied_on: b.applied_on,
        amount_wan: b.amount_wan,
        reason_code: b.reason_code,
    };
    let path = format!("/api/v1/bank/enterprises/{}/points-loans", uscc.as_str());
    let p = loans::bank_points_loan(&state.store, &cfg, &bank, &uscc, &f, &path)
        .await
        .map_err(api_err)?;
    Ok(Json(OutcomeAnswer {
        id: p.id,
        uscc: p.uscc,
        outcome: p.outcome,
        approved_fen: p.approved_fen,
        points_year: p.points_year,
        points_total: p.points_total,
    })
    .into_response())
}

/// GET /parks/{park}/finance — the park page's finance section (htmx fragment).
pub async fn park_fragment(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(park): Path<String>,
) -> Result<Response, PageError> {
    let scope = crate::pages::park_scope(&state, &user, &park).ok_or_else(PageError::not_found)?;
    let f = registry::park_finance(&state.store, &state.zone, &scope, &park)
        .await
        .map_err(page_err)?;
    Ok(render::fragment(
        "finance_park.html",
        context! { f => render::ser(&f), park => park },
    ))
}

/// The largest scenario file accepted by the page (a registry of a few hundred rows).
pub const MAX_SCENARIO_FILE: usize = 8 << 20;

/// POST /finance/scenarios/import — a zone administrator's xlsx/CSV import of scenarios
/// (multipart: `_csrf`, `file`). All or nothing: any error lists every row and column at fault.
pub async fn scenarios_import(
    State(state): State<AppState>,
    user: CurrentUser,
    checked: Option<axum::Extension<crate::auth::CsrfChecked>>,
    mut mp: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let mut csrf = None;
    let mut file = None;
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| PageError::bad_request(&format!("上传内容无法读取：{e}")))?
    {
        match field.name() {
            Some("_csrf") => csrf = field.text().await.ok(),
            Some("file") => {
                let b = field.bytes().await.map_err(|e| {
                    PageError::bad_request(&format!("上传内容无法读取（文件不超过 8 MiB）：{e}"))
                })?;
                file = Some(b.to_vec());
            }
            _ => {}
        }
    }
    let csrf_ok = checked.is_some()
        || csrf
            .as_ref()
            .is_some_and(|c| crate::auth::constant_time_eq(c.as_bytes(), user.csrf.as_bytes()));
    if !csrf_ok {
        return Err(PageError::new(
            axum::http::StatusCode::FORBIDDEN,
            "页面已过期",
            "表单已过期或来源不明，请刷新页面后重试。",
        ));
    }
    if !matches!(user.role, Role::ZoneAdmin) {
        return Err(PageError::not_found());
    }
    let bytes = file
        .filter(|b| !b.is_empty())
        .ok_or_else(|| PageError::bad_request("请选择要导入的场景文件（xlsx 或 csv）"))?;
    match gaoxin_app::finance_import::import_scenarios(
        &state.store,
        &state.zone,
        &user.who(),
        bytes,
    )
    .await
    .map_err(page_err)?
    {
        Ok(n) => Ok(Redirect::to(&format!("/finance/scenarios?imported={n}")).into_response()),
        Err(errors) => Err(PageError::bad_request(&format!(
            "导入未完成，未写入任何数据（共 {} 处错误）：{}",
            errors.len(),
            errors.join("；")
        ))),
    }
}
