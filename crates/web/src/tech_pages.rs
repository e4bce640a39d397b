//! 成果转化 (issue 14): the search page with filters and explanations, a result's page (matched
//! demands and firms), a demand's page (matched results and experts, open a case), the broker's
//! board (cases by state, overdue follow-ups, moves, declines with reasons, contracts), statistics,
//! the xlsx exports and the JSON API (`/api/v1/match`, `/results`, `/demands`, `/cases`). Thin:
//! each handler parses, makes one `gaoxin_app::tech_*` call and renders.
use crate::AppState;
use crate::error::{ApiError, PageError, Query};
use crate::render::{self, Page};
use crate::user::CurrentUser;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::{Form, http::StatusCode};
use gaoxin_app::tech::{TechConfig, today};
use gaoxin_app::tech_access as access;
use gaoxin_app::tech_cases::{self, CaseError};
use gaoxin_app::tech_match::Against;
use gaoxin_app::tech_views::{self as views, AnswerView, FilterInput};
use gaoxin_store::Role;
use minijinja::context;
use serde::Deserialize;

fn cfg() -> Result<TechConfig, PageError> {
    TechConfig::load().map_err(PageError::internal)
}

/// The search's query string: text, what to search, filters.
#[derive(Deserialize, Default, Debug)]
pub struct SearchQuery {
    q: Option<String>,
    against: Option<String>,
    top: Option<usize>,
    msg: Option<String>,
    #[serde(flatten)]
    filter: FilterInput,
}

async fn run_search(
    state: &AppState,
    user: &CurrentUser,
    q: &SearchQuery,
) -> Result<(Against, Option<Result<AnswerView, String>>), String> {
    let against = Against::parse(q.against.as_deref().unwrap_or("results"))
        .ok_or("「检索对象」应为 科技成果、技术需求、专家 或 企业")?;
    let Some(text) = q.q.as_deref().filter(|t| !t.trim().is_empty()) else {
        return Ok((against, None));
    };
    let cfg = TechConfig::load()?;
    let a = views::search(
        &state.store,
        &state.zone,
        &gaoxin_app::tech_access::match_scope(&user.role, against),
        &cfg,
        against,
        text,
        &q.filter,
        q.top.unwrap_or(20),
    )
    .await?;
    Ok((against, Some(a)))
}

/// GET /tech — search with filters and explanations.
pub async fn search_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<SearchQuery>,
) -> Result<Response, PageError> {
    let (against, answer) = match run_search(&state, &user, &q).await {
        Ok(x) => x,
        Err(e) => (Against::Results, Some(Err(e))),
    };
    let (answer, error) = match answer {
        Some(Ok(a)) => (Some(a), None),
        Some(Err(e)) => (None, Some(e)),
        None => (None, None),
    };
    Ok(page(&user, &q, against, answer, error, None))
}

/// The search page; `result_form`: a refused result form, shown again as typed with its
/// problems (answered 400).
fn page(
    user: &CurrentUser,
    q: &SearchQuery,
    against: Against,
    answer: Option<AnswerView>,
    error: Option<String>,
    result_form: Option<(&gaoxin_app::tech_import::ResultInput, &[String])>,
) -> Response {
    let p = Page::new("成果转化", user, "/tech");
    let r = render::page(
        "tech.html",
        &p,
        context! { q => q.q.clone(), against => format!("{against:?}").to_lowercase(), f => render::ser(&q.filter),
        answer => render::ser(&answer), error, staff => is_staff(&user.role), msg => q.msg.clone(),
        mode => gaoxin_app::tech_match::mode_note(),
        demand_writer => gaoxin_app::tech_forms::may_write_demands(&user.role), unit => user.role.unit(),
        expert_writer => gaoxin_app::tech_forms::may_write_experts(&user.role),
        rf => result_form.map(|(f, _)| render::ser(f)), rf_errors => result_form.map(|(_, e)| render::ser(e)) },
    );
    match result_form {
        Some(_) => render::with_status(r, axum::http::StatusCode::BAD_REQUEST),
        None => r,
    }
}

/// GET /tech/export.xlsx — the search's hits.
pub async fn search_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<SearchQuery>,
) -> Result<Response, PageError> {
    let a = match run_search(&state, &user, &q).await {
        Ok((_, Some(Ok(a)))) => a,
        Ok((_, None)) => views::answer_view(gaoxin_app::tech_match::Answer {
            hits: vec![],
            messages: vec![],
            mode: gaoxin_app::tech_match::mode_note(),
        }),
        Ok((_, Some(Err(e)))) | Err(e) => return Err(PageError::bad_request(&e)),
    };
    let bytes = views::hits_xlsx(&a).map_err(PageError::internal)?;
    Ok(crate::export::xlsx_download(
        &state,
        &user,
        bytes,
        "成果转化匹配结果.xlsx",
    ))
}

/// GET /tech/results/{result} — a result with matched demands and firms.
pub async fn result_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (role, name) = (&user.role, &user.username);
    let v = access::result_page_as(&state.store, &state.zone, role, name, &cfg()?, &id)
        .await
        .map_err(PageError::internal)?
        .ok_or_else(PageError::not_found)?;
    let p = Page::new(&v.result.name, &user, "/tech/results");
    Ok(render::page(
        "tech_result.html",
        &p,
        context! { v => render::ser(&v), staff => is_staff(&user.role),
        unit_view => matches!(user.role, Role::University(_)) },
    ))
}

/// GET /tech/demands/{demand} — a demand with matched results and experts, and its cases.
pub async fn demand_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let v = views::demand_page(&state.store, &state.zone, &user.scope(), &cfg()?, &id)
        .await
        .map_err(PageError::internal)?
        .ok_or_else(PageError::not_found)?;
    let p = Page::new(&v.demand.name, &user, "/tech/demands");
    Ok(render::page(
        "tech_demand.html",
        &p,
        context! { v => render::ser(&v), staff => is_staff(&user.role), writer => is_writer(&user.role),
        editable => gaoxin_app::tech_forms::may_write_demands(&user.role) },
    ))
}

fn is_staff(r: &Role) -> bool {
    matches!(r, Role::ZoneAdmin | Role::ZoneAnalyst | Role::ParkAdmin(_))
}

/// Brokers' writes: zone and park administrators (analysts read only).
fn is_writer(r: &Role) -> bool {
    matches!(r, Role::ZoneAdmin | Role::ParkAdmin(_))
}

fn case_error(e: CaseError) -> PageError {
    match e {
        CaseError::Invalid(m) => PageError::bad_request(&m),
        CaseError::NotFound => PageError::not_found(),
        CaseError::Store(e) => PageError::internal(e),
    }
}

fn read_only() -> PageError {
    PageError::new(
        StatusCode::FORBIDDEN,
        "无权操作",
        "您的账号只能查看，不能修改（对接案例由高新区和园区管理员办理）。",
    )
}

/// GET /tech/cases — the broker's board.
pub async fn board(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<SearchQuery>,
) -> Result<Response, PageError> {
    let cfg = cfg()?;
    let b = tech_cases::board(&state.store, &user.scope(), today()).await?;
    let p = Page::new("对接案例", &user, "/tech/cases");
    Ok(render::page(
        "tech_cases.html",
        &p,
        context! { b => render::ser(views::board_view(&cfg, &b, today())), writer => is_writer(&user.role),
        reasons => render::ser(&cfg.reasons), kinds => render::ser(&cfg.contract_kinds),
        unconfirmed => cfg.unconfirmed(), msg => q.msg },
    ))
}

/// GET /tech/stats — cases per state, conversion, contracts by park and field, decline reasons.
pub async fn stats(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, PageError> {
    let s = tech_cases::stats(&state.store, &cfg()?, &user.scope()).await?;
    let parks: Vec<(String, usize, i64)> = s
        .by_park
        .iter()
        .map(|(p, n, f)| {
            let name = state
                .zone
                .park(p)
                .map(|x| x.name.clone())
                .unwrap_or(p.clone());
            (name, *n, *f)
        })
        .collect();
    let p = Page::new("转化统计", &user, "/tech/stats");
    Ok(render::page(
        "tech_stats.html",
        &p,
        context! { s => render::ser(&s), parks => render::ser(&parks), conversion => s.conversion_pct() },
    ))
}

/// GET /tech/cases/export.xlsx — cases and statistics.
pub async fn cases_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, PageError> {
    let cfg = cfg()?;
    let b = tech_cases::board(&state.store, &user.scope(), today()).await?;
    let s = tech_cases::stats(&state.store, &cfg, &user.scope()).await?;
    let bytes = views::cases_xlsx(&state.zone, &views::board_view(&cfg, &b, today()), &s)
        .map_err(PageError::internal)?;
    Ok(crate::export::xlsx_download(
        &state,
        &user,
        bytes,
        "对接案例与转化统计.xlsx",
    ))
}

#[derive(Deserialize)]
pub struct OpenInput {
    result: String,
    uscc: String,
    demand: Option<String>,
    #[serde(default)]
    note: String,
}

/// POST /tech/cases — open a case (推荐).
pub async fn open_case(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(i): Form<OpenInput>,
) -> Result<Response, PageError> {
    if !is_writer(&user.role) {
        return Err(read_only());
    }
    let c = tech_cases::open(
        &state.store,
        &cfg()?,
        &user.scope(),
        &user.who(),
        &i.result,
        &i.uscc,
        i.demand.as_deref(),
        &i.note,
    )
    .await
    .map_err(case_error)?;
    Ok(Redirect::to(&format!("/tech/cases?msg=opened-{}", c.id)).into_response())
}

#[derive(Deserialize)]
pub struct MoveInput {
    to: String,
    reason: Option<String>,
    #[serde(default)]
    note: String,
}

/// POST /tech/cases/{case}/move — a move, or a decline with its reason.
pub async fn move_case(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(i): Form<MoveInput>,
) -> Result<Response, PageError> {
    if !is_writer(&user.role) {
        return Err(read_only());
    }
    let c = tech_cases::move_case(
        &state.store,
        &cfg()?,
        &user.scope(),
        &user.who(),
        &id,
        &i.to,
        i.reason.as_deref(),
        &i.note,
    )
    .await
    .map_err(case_error)?;
    Ok(Redirect::to(&format!("/tech/cases?msg=moved-{}", c.id)).into_response())
}

#[derive(Deserialize)]
pub struct ContractInput {
    reg_no: String,
    amount: String,
    kind: String,
    #[serde(default)]
    date: String,
}

/// POST /tech/cases/{case}/contract — the 技术合同 that moves a signed case to 技术合同登记.
pub async fn contract(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(i): Form<ContractInput>,
) -> Result<Response, PageError> {
    if !is_writer(&user.role) {
        return Err(read_only());
    }
    let c = tech_cases::register_contract(
        &state.store,
        &cfg()?,
        &user.scope(),
        &user.who(),
        &id,
        &i.reg_no,
        &i.amount,
        &i.kind,
        &i.date,
    )
    .await
    .map_err(case_error)?;
    Ok(Redirect::to(&format!("/tech/cases?msg=contract-{}", c.id)).into_response())
}

/// GET /api/v1/match — the search as JSON.
#[utoipa::path(get, path = "/api/v1/match", summary = "成果转化匹配：q 查询文本，against = results | demands | experts | firms，筛选 field、trl_min、trl_max、budget_max（万元）、park、date_from；每条结果附共同词与匹配字段",
    responses((status = 200, description = "匹配结果"), (status = 400, description = "错误", body = crate::error::ErrorBody),
        (status = 401, description = "错误", body = crate::error::ErrorBody)))]
pub async fn api_match(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<SearchQuery>,
) -> Result<Json<AnswerView>, ApiError> {
    match run_search(&state, &user, &q).await {
        Ok((_, Some(Ok(a)))) => Ok(Json(a)),
        Ok((_, None)) => Err(ApiError::bad_request("缺少查询文本 q")),
        Ok((_, Some(Err(e)))) | Err(e) => Err(ApiError::bad_request(&e)),
    }
}

/// GET /tech/export/results.xlsx — every research result (public), with the 说明 sheet.
pub async fn results_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, PageError> {
    let rs = state
        .store
        .tech_results(&access::results_scope(&user.role))
        .await?;
    let rows: Vec<views::ResultRow> = rs
        .iter()
        .map(|r| access::result_row_as(&user.role, &user.username, r))
        .collect();
    let bytes = gaoxin_app::tech_lists::results_xlsx(&rows).map_err(PageError::internal)?;
    Ok(crate::export::xlsx_download(
        &state,
        &user,
        bytes,
        "科技成果.xlsx",
    ))
}

/// GET /tech/export/demands.xlsx — the demands in the user's scope, with the 说明 sheet.
pub async fn demands_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, PageError> {
    let ds = state.store.tech_demands(&user.scope()).await?;
    let rows: Vec<views::DemandRow> = ds.iter().map(views::demand_row).collect();
    let bytes =
        gaoxin_app::tech_lists::demands_xlsx(&state.zone, &rows).map_err(PageError::internal)?;
    Ok(crate::export::xlsx_download(
        &state,
        &user,
        bytes,
        "技术需求.xlsx",
    ))
}

/// GET /api/v1/results — every research result (public).
#[utoipa::path(get, path = "/api/v1/results", summary = "科技成果（公开）",
    responses((status = 200, description = "科技成果"), (status = 401, description = "错误", body = crate::error::ErrorBody)))]
pub async fn api_results(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Vec<views::ResultRow>>, ApiError> {
    let rs = state
        .store
        .tech_results(&access::results_scope(&user.role))
        .await?;
    Ok(Json(
        rs.iter()
            .map(|r| access::result_row_as(&user.role, &user.username, r))
            .collect(),
    ))
}

/// GET /api/v1/demands — the demands in the user's scope.
#[utoipa::path(get, path = "/api/v1/demands", summary = "技术需求（园区：本园区企业的；企业：自己的）",
    responses((status = 200, description = "技术需求"), (status = 401, description = "错误", body = crate::error::ErrorBody)))]
pub async fn api_demands(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Vec<views::DemandRow>>, ApiError> {
    let ds = state.store.tech_demands(&user.scope()).await?;
    Ok(Json(ds.iter().map(views::demand_row).collect()))
}

/// GET /api/v1/cases — the 对接 cases in the user's scope.
#[utoipa::path(get, path = "/api/v1/cases", summary = "对接案例（园区：本园区企业的），含状态、放弃原因、下次跟进与是否逾期",
    responses((status = 200, description = "对接案例"), (status = 401, description = "错误", body = crate::error::ErrorBody),
        (status = 404, description = "错误", body = crate::error::ErrorBody)))]
pub async fn api_cases(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Vec<views::CaseRow>>, ApiError> {
    let cfg = TechConfig::load().map_err(ApiError::internal)?;
    let cs = state.store.tech_cases(&user.scope(), None).await?;
    Ok(Json(
        cs.iter()
            .map(|c| views::case_row(&cfg, c, today()))
            .collect(),
    ))
}

/// POST /tech/results — add or edit one result (its owner or a zone administrator edits it).
pub async fn save_result(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(i): Form<gaoxin_app::tech_import::ResultInput>,
) -> Result<Response, PageError> {
    if matches!(user.role, Role::ZoneAnalyst | Role::Department(_)) {
        return Err(read_only());
    }
    match gaoxin_app::tech_import::save_result_as(&state.store, &user.role, &user.who(), &i).await?
    {
        Ok(r) => Ok(
            Redirect::to(&format!("/tech/results/{}", crate::auth::urlencode(&r.id)))
                .into_response(),
        ),
        Err(errs) => Ok(page(
            &user,
            &SearchQuery::default(),
            Against::Results,
            None,
            None,
            Some((&i, &errs)),
        )),
    }
}
