//! 孵化载体 pages (issue 19). Thin: parse → one `gaoxin_app` call → render.
//!
//! * `GET /carriers` (staff): the carriers in scope with the year's grades and rank intervals,
//!   filtered (year, park, kind, level, grade, search); `/carriers/export.xlsx` the same.
//! * `GET /carriers/{carrier}` (staff): facts over the years with their source, how its firms
//!   moved up the ladder, its evaluation; another park's answers the same 404 as a missing one.
//!   `GET /api/v1/carriers/{carrier}` the same as JSON.
//! * `GET /carriers/evaluation` and `/carriers/evaluation.xlsx` (staff): ranks with intervals.
//! * `GET /carriers/template.xlsx`, `POST /carriers/import` (importers: a park administrator only
//!   their park's carriers), `POST /carriers/evaluate` (zone administrators).
//!
//! Firms and departments read no carrier (the routes are staff-only): a carrier's yearly figures
//! are its operator's report to the government, not its tenants'.
use crate::AppState;
use crate::auth::{CsrfChecked, CurrentUser, constant_time_eq};
use crate::error::{ApiError, PageError, Query};
use crate::export::{download, xlsx_download};
use crate::render::{self, Page};
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Json};
use gaoxin_app::carrier::{self, CarrierError};
use gaoxin_app::{carrier_eval, carrier_view};
use gaoxin_store::Role;
use minijinja::context;
use serde::Deserialize;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn err(e: CarrierError) -> PageError {
    match e {
        CarrierError::Invalid(m) => PageError::bad_request(&m),
        CarrierError::NotFound => PageError::not_found(),
        e => PageError::internal(e),
    }
}

/// The list's query (every field optional).
#[derive(Deserialize, Default)]
pub struct ListQuery {
    year: Option<String>,
    #[serde(default)]
    park: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    grade: String,
    #[serde(default)]
    q: String,
}

fn year_of(s: &Option<String>) -> Result<Option<i32>, PageError> {
    match s.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(y) => y
            .parse()
            .map(Some)
            .map_err(|_| PageError::bad_request(&format!("年份「{y}」无效"))),
    }
}

fn filter(q: &ListQuery) -> Result<carrier_view::ListFilter, PageError> {
    let some = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    Ok(carrier_view::ListFilter {
        year: year_of(&q.year)?,
        park: some(&q.park),
        kind: some(&q.kind),
        level: some(&q.level),
        grade: some(&q.grade),
        q: some(&q.q),
    })
}

/// GET /carriers
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let v = carrier_view::list(&state.store, &state.zone, &user.scope(), &filter(&q)?)
        .await
        .map_err(err)?;
    let page = Page::new("孵化载体", &user, "/carriers");
    let parks: Vec<(String, String)> = match user.role {
        Role::ZoneAdmin | Role::ZoneAnalyst => state
            .zone
            .parks
            .iter()
            .map(|p| (p.id.to_string(), p.name.clone()))
            .collect(),
        _ => vec![],
    };
    Ok(render::page(
        "carriers.html",
        &page,
        context! {
            v => render::ser(&v), parks => parks, park => q.park, kind => q.kind,
            level => q.level, grade => q.grade, q => q.q,
            may_import => user.role.may_import(), may_evaluate => user.role == Role::ZoneAdmin,
            columns => carrier::headers(), link_columns => carrier::LINK_HEADERS,
        },
    ))
}

/// GET /carriers/export.xlsx
pub async fn list_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let v = carrier_view::list(&state.store, &state.zone, &user.scope(), &filter(&q)?)
        .await
        .map_err(err)?;
    let bytes = carrier_view::list_workbook(&v).map_err(err)?;
    Ok(xlsx_download(&state, &user, bytes, "孵化载体.xlsx"))
}

/// GET /carriers/{carrier}
pub async fn detail(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let d = carrier_view::detail(&state.store, &state.zone, &user.scope(), &id)
        .await
        .map_err(err)?
        .ok_or_else(PageError::not_found)?;
    let page = Page::new(&d.row.name, &user, "/carriers/carrier");
    Ok(render::page(
        "carrier.html",
        &page,
        context! { d => render::ser(&d) },
    ))
}

/// GET /api/v1/carriers/{carrier} — one carrier as JSON.
#[utoipa::path(get, path = "/api/v1/carriers/{carrier}", summary = "一个孵化载体：基本信息、历年数据及来源、在孵企业梯度跃升、年度评价（园区只能读本园区的载体；企业与部门不可读；范围外与不存在同样返回 404）",
    params(("carrier" = String, Path, description = "载体编号")),
    responses((status = 200, description = "孵化载体"), (status = 401, description = "错误", body = crate::error::ErrorBody),
        (status = 404, description = "错误", body = crate::error::ErrorBody)))]
pub async fn api_detail(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    match carrier_view::detail(&state.store, &state.zone, &user.scope(), &id).await {
        Ok(Some(d)) => Ok(Json(d).into_response()),
        Ok(None) => Err(ApiError::not_found()),
        Err(e) => Err(ApiError::internal(e)),
    }
}

#[derive(Deserialize, Default)]
pub struct YearQuery {
    year: Option<String>,
}

/// GET /carriers/evaluation — ranks with their intervals, group by group.
pub async fn evaluation(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<YearQuery>,
) -> Result<Response, PageError> {
    let v = carrier_view::evaluation(&state.store, &state.zone, &user.scope(), year_of(&q.year)?)
        .await
        .map_err(err)?
        .ok_or_else(not_evaluated)?;
    let page = Page::new("孵化载体年度评价", &user, "/carriers/evaluation");
    Ok(render::page(
        "carrier_eval.html",
        &page,
        context! { v => render::ser(&v) },
    ))
}

fn not_evaluated() -> PageError {
    PageError::new(
        StatusCode::NOT_FOUND,
        "尚未评价",
        "该年度的孵化载体尚未评价（高新区管理员可在「孵化载体」页开始评价）。",
    )
}

/// GET /carriers/evaluation.xlsx
pub async fn evaluation_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<YearQuery>,
) -> Result<Response, PageError> {
    let rep = carrier_eval::latest(&state.store, &user.scope(), year_of(&q.year)?)
        .await
        .map_err(err)?
        .ok_or_else(not_evaluated)?;
    let bytes = carrier_view::report_workbook(&state.zone, &rep).map_err(err)?;
    let name = format!("孵化载体评价{}.xlsx", rep.year);
    Ok(xlsx_download(&state, &user, bytes, &name))
}

/// GET /carriers/template.xlsx
pub async fn template(_user: CurrentUser) -> Result<Response, PageError> {
    let bytes = carrier::template().map_err(err)?;
    Ok(download(bytes, XLSX, "孵化载体导入模板.xlsx"))
}

/// POST /carriers/import (multipart: file, _csrf)
pub async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    checked: Option<Extension<CsrfChecked>>,
    mut mp: Multipart,
) -> Result<Response, PageError> {
    let (mut file, mut name, mut csrf) = (None, String::new(), None);
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        PageError::bad_request(&format!("上传内容无法读取：{e}"))
    };
    while let Some(field) = mp.next_field().await.map_err(unreadable)? {
        match field.name() {
            Some("file") => {
                name = field.file_name().unwrap_or_default().to_string();
                file = Some(field.bytes().await.map_err(unreadable)?.to_vec());
            }
            Some("_csrf") => csrf = field.text().await.ok(),
            _ => {}
        }
    }
    if checked.is_none()
        && !csrf
            .as_ref()
            .is_some_and(|c| constant_time_eq(c.as_bytes(), user.csrf.as_bytes()))
    {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            "页面已过期",
            "表单已过期或来源不明，请刷新页面后重试。",
        ));
    }
    let bytes = file
        .filter(|b| !b.is_empty())
        .ok_or_else(|| PageError::bad_request("请选择要导入的文件（xlsx 或 csv）"))?;
    let r = carrier::import(
        &state.store,
        &state.zone,
        &user.scope(),
        &name,
        bytes,
        &user.who(),
    )
    .await
    .map_err(err)?;
    let page = Page::new("导入孵化载体", &user, "/carriers/import");
    let (ok, errors) = match r {
        Ok(s) => (Some(s), vec![]),
        Err(e) => (None, e),
    };
    Ok(render::page(
        "carrier_import.html",
        &page,
        context! {
            ok => ok.map(|s| context! { carriers => s.carriers, years => s.years, links => s.links }),
            errors => errors,
        },
    ))
}

/// POST /carriers/evaluate (zone administrators; form: year, _csrf checked by the route guard)
pub async fn evaluate(
    State(state): State<AppState>,
    user: CurrentUser,
    axum::Form(q): axum::Form<YearQuery>,
) -> Result<Response, PageError> {
    if user.role != Role::ZoneAdmin {
        return Err(PageError::not_found());
    }
    let (rep, _) = carrier_eval::evaluate(&state.store, year_of(&q.year)?, 1000, &user.who())
        .await
        .map_err(err)?;
    Ok(Redirect::to(&format!("/carriers?year={}", rep.year)).into_response())
}
