//! 新型研发机构 pages (issue 17). Thin: parse → one `gaoxin_app` call → render.
//!
//! * `GET /rdi` (staff): the institutions in scope with the year's grades, rank intervals and
//!   exit warnings, filtered (year, park, grade, field, warned, search); `/rdi/export.xlsx` the same.
//! * `GET /rdi/{id}` (staff): facts over the years, scores against the zone median (radar), exit
//!   warnings, incubated firms linked to their pages; another park's answers the same 404 as a
//!   missing one.
//! * `GET /rdi/report` (staff, printable A4) and `/rdi/report.xlsx`: the annual evaluation report.
//! * `GET /rdi/template.xlsx`, `POST /rdi/import` (importers: a park administrator only their
//!   park's institutions), `POST /rdi/evaluate` (zone administrators).
use crate::AppState;
use crate::auth::{CsrfChecked, CurrentUser, constant_time_eq};
use crate::error::{PageError, Query};
use crate::export::download;
use crate::render::{self, Page};
use axum::Extension;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use gaoxin_app::rdi::{self, RdiError};
use gaoxin_app::{rdi_eval, rdi_view};
use gaoxin_store::Role;
use minijinja::context;
use serde::Deserialize;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn err(e: RdiError) -> PageError {
    match e {
        RdiError::Invalid(m) => PageError::bad_request(&m),
        RdiError::NotFound => PageError::not_found(),
        e => PageError::internal(e),
    }
}

/// The list's query (every field optional).
#[derive(Deserialize, Default)]
pub struct RdiQuery {
    year: Option<String>,
    #[serde(default)]
    park: String,
    #[serde(default)]
    grade: String,
    #[serde(default)]
    field: String,
    #[serde(default)]
    warned: String,
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

fn filter(q: &RdiQuery) -> Result<rdi_view::ListFilter, PageError> {
    let some = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    Ok(rdi_view::ListFilter {
        year: year_of(&q.year)?,
        park: some(&q.park),
        grade: some(&q.grade),
        field: some(&q.field),
        warned: !q.warned.is_empty(),
        q: some(&q.q),
    })
}

fn may_import(r: &Role) -> bool {
    matches!(r, Role::ZoneAdmin | Role::ParkAdmin(_))
}

/// GET /rdi
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<RdiQuery>,
) -> Result<Response, PageError> {
    let f = filter(&q)?;
    let v = rdi_view::list(&state.store, &state.zone, &user.scope(), &f)
        .await
        .map_err(err)?;
    let page = Page::new("新型研发机构", &user, "/rdi");
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
        "rdi.html",
        &page,
        context! {
            v => render::ser(&v), parks => parks, park => q.park, grade => q.grade,
            field => q.field, warned => !q.warned.is_empty(), q => q.q,
            may_import => may_import(&user.role), may_evaluate => user.role == Role::ZoneAdmin,
            columns => rdi::headers(),
        },
    ))
}

/// GET /rdi/export.xlsx
pub async fn list_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<RdiQuery>,
) -> Result<Response, PageError> {
    let v = rdi_view::list(&state.store, &state.zone, &user.scope(), &filter(&q)?)
        .await
        .map_err(err)?;
    let bytes = rdi_view::list_workbook(&v).map_err(err)?;
    Ok(crate::export::xlsx_download(
        &state,
        &user,
        bytes,
        "新型研发机构.xlsx",
    ))
}

/// GET /rdi/{id}
pub async fn institution(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let d = rdi_view::detail(&state.store, &state.zone, &user.scope(), &id)
        .await
        .map_err(err)?
        .ok_or_else(PageError::not_found)?;
    let page = Page::new(&d.name, &user, "/rdi/institution");
    Ok(render::page(
        "rdi_institution.html",
        &page,
        context! { d => render::ser(&d) },
    ))
}

#[derive(Deserialize, Default)]
pub struct YearQuery {
    year: Option<String>,
}

async fn report_of(
    state: &AppState,
    user: &CurrentUser,
    q: &YearQuery,
) -> Result<rdi_eval::RdiReport, PageError> {
    rdi_eval::latest(&state.store, &user.scope(), year_of(&q.year)?)
        .await
        .map_err(err)?
        .ok_or_else(|| {
            PageError::new(
                StatusCode::NOT_FOUND,
                "尚未评价",
                "该年度的新型研发机构尚未评价（高新区管理员可在「新型研发机构」页开始评价）。",
            )
        })
}

/// GET /rdi/report — the annual report, printable on A4.
pub async fn report(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<YearQuery>,
) -> Result<Response, PageError> {
    let rep = report_of(&state, &user, &q).await?;
    let page = Page::new("新型研发机构年度评价报告", &user, "/rdi/report");
    let parks: std::collections::BTreeMap<String, String> = state
        .zone
        .parks
        .iter()
        .map(|p| (p.id.to_string(), p.name.clone()))
        .collect();
    let counts: Vec<(String, usize)> = rep
        .grades
        .iter()
        .map(|g| {
            let n = rep
                .results
                .iter()
                .filter(|r| r.grade.as_deref() == Some(&g.name))
                .count();
            (g.name.clone(), n)
        })
        .collect();
    Ok(render::page(
        "rdi_report.html",
        &page,
        context! {
            rep => render::ser(&rep), parks => parks, counts => counts,
            exit_rule => rdi_view::exit_rule_text(&rep),
        },
    ))
}

/// GET /rdi/report.xlsx
pub async fn report_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<YearQuery>,
) -> Result<Response, PageError> {
    let rep = report_of(&state, &user, &q).await?;
    let bytes = rdi_view::report_workbook(&state.zone, &rep).map_err(err)?;
    Ok(crate::export::xlsx_download(
        &state,
        &user,
        bytes,
        &format!("新型研发机构评价报告{}.xlsx", rep.year),
    ))
}

/// GET /rdi/template.xlsx
pub async fn template(_user: CurrentUser) -> Result<Response, PageError> {
    let bytes = rdi::template().map_err(err)?;
    Ok(download(bytes, XLSX, "新型研发机构导入模板.xlsx"))
}

/// POST /rdi/import (multipart: file, _csrf)
pub async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    checked: Option<Extension<CsrfChecked>>,
    mut mp: Multipart,
) -> Result<Response, PageError> {
    let mut file = None;
    let mut csrf = None;
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| PageError::bad_request(&format!("上传内容无法读取：{e}")))?
    {
        match field.name() {
            Some("file") => {
                let b = field
                    .bytes()
                    .await
                    .map_err(|e| PageError::bad_request(&format!("上传内容无法读取：{e}")))?;
                file = Some(b.to_vec());
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
    let r = rdi::import(&state.store, &state.zone, &user.scope(), bytes, &user.who())
        .await
        .map_err(err)?;
    let page = Page::new("导入新型研发机构", &user, "/rdi/import");
    let (ok, errors) = match r {
        Ok(s) => (Some(s), vec![]),
        Err(e) => (None, e),
    };
    Ok(render::page(
        "rdi_import.html",
        &page,
        context! {
            ok => ok.map(|s| context! { institutions => s.institutions, years => s.years, incubations => s.incubations }),
            errors => errors,
        },
    ))
}

/// POST /rdi/evaluate (zone administrators; form: year, _csrf checked by the route guard)
pub async fn evaluate(
    State(state): State<AppState>,
    user: CurrentUser,
    axum::Form(q): axum::Form<YearQuery>,
) -> Result<Response, PageError> {
    if user.role != Role::ZoneAdmin {
        return Err(PageError::not_found());
    }
    let (rep, _) = rdi_eval::evaluate(&state.store, year_of(&q.year)?, 1000, &user.who())
        .await
        .map_err(err)?;
    Ok(Redirect::to(&format!("/rdi?year={}", rep.year)).into_response())
}
