//! 政策兑现 (issue 20's remainder): the special-fund lines' history (append-only: a correction is a
//! new line superseding the previous), its export, the fund-line import and its template, and the
//! ledger's JSON API (`/api/v1/payouts`, `/api/v1/payouts/{id}` with the steps). Thin: parse → one
//! `app` call → render; reads in the user's scope (out of scope answers as missing).
use crate::AppState;
use crate::auth::constant_time_eq;
use crate::error::{ApiError, PageError, Query};
use crate::render::{self, Page};
use crate::user::CurrentUser;
use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gaoxin_app::payout_data::PayoutConfig;
use gaoxin_app::payouts::PayoutError;
use gaoxin_app::{payout_api, payout_funds};
use minijinja::context;
use serde::Deserialize;

/// The largest fund-line file accepted (bytes).
pub const MAX_FUND_IMPORT: usize = 4 * 1024 * 1024;

fn config() -> Result<PayoutConfig, PageError> {
    PayoutConfig::load()
        .map_err(|e| PageError::new(StatusCode::INTERNAL_SERVER_ERROR, "兑现配置有误", &e))
}

fn page_err(e: PayoutError) -> PageError {
    match e {
        PayoutError::NotFound => PageError::not_found(),
        PayoutError::Refused(m) => PageError::bad_request(&m),
        PayoutError::Store(s) => PageError::from(s),
        other => PageError::internal(other),
    }
}

#[derive(Deserialize, Default)]
pub struct FundQuery {
    #[serde(default)]
    year: Option<i64>,
}

async fn funds_view(
    state: &AppState,
    user: &CurrentUser,
    year: Option<i64>,
    import: (Vec<String>, Option<usize>),
) -> Result<Response, PageError> {
    let items = payout_funds::history(&state.store, &user.scope(), year)
        .await
        .map_err(page_err)?;
    let page = Page::new("专项资金记录", user, "/payouts");
    let failed = !import.0.is_empty();
    let mut r = render::page(
        "payout_funds.html",
        &page,
        context! {
            items => render::ser(&items), year => year, errors => import.0, done => import.1,
            zone_admin => gaoxin_app::payout_access::Access::of(&user.role).manages(), max_mb => MAX_FUND_IMPORT / (1024 * 1024),
        },
    );
    if failed {
        r = render::with_status(r, StatusCode::UNPROCESSABLE_ENTITY);
    }
    Ok(r)
}

/// GET /payouts/funds — every fund line entered, corrections with what they superseded.
pub async fn funds_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<FundQuery>,
) -> Result<Response, PageError> {
    funds_view(&state, &user, q.year, (Vec::new(), None)).await
}

/// GET /payouts/funds/export.xlsx — the history as a workbook.
pub async fn funds_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<FundQuery>,
) -> Result<Response, PageError> {
    let items = payout_funds::history(&state.store, &user.scope(), q.year)
        .await
        .map_err(page_err)?;
    let bytes = payout_funds::history_workbook(&items).map_err(PageError::internal)?;
    Ok(crate::export::xlsx_download(
        &state,
        &user,
        bytes,
        "专项资金记录.xlsx",
    ))
}

/// GET /payouts/funds/template.xlsx — the fund-line import's template.
pub async fn funds_template(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, PageError> {
    let bytes = payout_funds::template(&config()?).map_err(PageError::internal)?;
    Ok(crate::export::xlsx_download(
        &state,
        &user,
        bytes,
        "专项资金导入模板.xlsx",
    ))
}

/// POST /payouts/funds/import — a zone administrator's fund-line file (all or nothing).
pub async fn funds_import(
    State(state): State<AppState>,
    user: CurrentUser,
    mut mp: Multipart,
) -> Result<Response, PageError> {
    let (mut file, mut name, mut csrf) = (None, String::new(), None);
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| PageError::bad_request(&format!("上传内容无法读取：{e}")))?
    {
        match field.name() {
            Some("file") => {
                name = field.file_name().unwrap_or("上传文件").to_string();
                let b = field.bytes().await.map_err(|_| {
                    PageError::bad_request(&format!(
                        "文件太大或无法读取（最大 {} MiB），未写入任何专项资金记录",
                        MAX_FUND_IMPORT / (1024 * 1024)
                    ))
                })?;
                file = Some(b.to_vec());
            }
            Some("_csrf") => csrf = Some(field.text().await.unwrap_or_default()),
            _ => {}
        }
    }
    if !csrf.is_some_and(|c| constant_time_eq(c.as_bytes(), user.csrf.as_bytes())) {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            "页面已过期",
            "表单已过期或来源不明，请返回上一页刷新后重试。",
        ));
    }
    if !gaoxin_app::payout_access::Access::of(&user.role).manages() {
        return Err(PageError::not_found());
    }
    let bytes = file
        .filter(|b| !b.is_empty())
        .ok_or_else(|| PageError::bad_request("请选择要导入的文件（xlsx 或 csv）"))?;
    let out = payout_funds::import(&state.store, &config()?, &user.who(), &name, bytes)
        .await
        .map_err(page_err)?;
    let result = match out {
        Ok(n) => (Vec::new(), Some(n)),
        Err(e) => (e, None),
    };
    funds_view(&state, &user, None, result).await
}

/// The list's query: `year`, `policy` (rule id), `park`, `state`.
#[derive(Deserialize, Default)]
pub struct ApiQuery {
    year: Option<String>,
    policy: Option<String>,
    park: Option<String>,
    state: Option<String>,
}

fn api_err(e: PayoutError) -> ApiError {
    match e {
        PayoutError::NotFound => ApiError::not_found(),
        PayoutError::Refused(m) => ApiError::bad_request(&m),
        other => ApiError::internal(other),
    }
}

/// GET /api/v1/payouts — the awards in the caller's scope.
#[utoipa::path(get, path = "/api/v1/payouts", summary = "政策兑现台账：奖励列表（与页面相同的数据范围：高新区全部、园区本园区企业、企业自己的；金额单位为分，日期为 yyyymmdd）",
    params(("year" = Option<i32>, Query, description = "测算年度"), ("policy" = Option<String>, Query, description = "政策的规则编号"),
        ("park" = Option<String>, Query, description = "园区编号"), ("state" = Option<String>, Query, description = "状态：测算、申报、免申、核准、核减、不予核准、待复核、拨付、公示")),
    responses((status = 200, description = "奖励列表"), (status = 400, description = "错误", body = crate::error::ErrorBody),
        (status = 401, description = "错误", body = crate::error::ErrorBody)))]
pub async fn api_list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ApiQuery>,
) -> Result<Response, ApiError> {
    let f = payout_api::filter(
        q.year.as_deref(),
        q.policy.as_deref(),
        q.park.as_deref(),
        q.state.as_deref(),
    )
    .map_err(|m| ApiError::bad_request(&m))?;
    let items = payout_api::list(&state.store, &user.scope(), &f)
        .await
        .map_err(api_err)?;
    Ok(Json(serde_json::json!({ "total": items.len(), "items": items })).into_response())
}

/// GET /api/v1/payouts/{id} — one award with its step history.
#[utoipa::path(get, path = "/api/v1/payouts/{id}", summary = "一项奖励及其全部环节记录（谁、何时、金额、理由）；无权访问与不存在同样返回 404",
    params(("id" = i64, Path, description = "兑现编号")),
    responses((status = 200, description = "奖励及环节"), (status = 401, description = "错误", body = crate::error::ErrorBody),
        (status = 404, description = "错误", body = crate::error::ErrorBody)))]
pub async fn api_one(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id: i64 = id.trim().parse().map_err(|_| ApiError::not_found())?;
    let p = payout_api::one(&state.store, &user.scope(), id)
        .await
        .map_err(api_err)?;
    Ok(Json(p).into_response())
}
