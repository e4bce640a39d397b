//! Innovation points on the firm's page, and bank access with the firm's consent (创新积分贷).
//!
//! * `GET /enterprises/{uscc}/points` — an htmx fragment of the firm page: the latest points (total,
//!   by group, stage, components), the history over years and, for the firm's own user, its
//!   consents (grant with expiry / revoke) and the log of every bank read.
//! * `POST /enterprises/{uscc}/consents` and `…/consents/revoke` — the firm's own user only.
//! * `GET /api/v1/bank/enterprises/{uscc}/points` — for banks (`Authorization: Bearer <key>`,
//!   [`authenticate`]). The bank's scope comes only from
//!   [`gaoxin_store::Store::bank_scope`] (a consent in force for exactly that firm; every attempt
//!   logged). No consent, expired, revoked, another firm, unknown firm: the same 404 JSON.
use crate::auth::CurrentUser;
use crate::error::{ApiError, PageError};
use crate::pages::scoped_enterprise;
use crate::{AppState, render};
use axum::Form;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use gaoxin_app::{consent, indicators};
use gaoxin_index::report::FirmPoints;
use gaoxin_model::{Date, Uscc};
use gaoxin_store::{Bank, Role};
use minijinja::context;
use serde::{Deserialize, Serialize};

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn fmt_time(t: i64) -> String {
    gaoxin_model::present::datetime(t)
}

/// The bank holding the API key of `Authorization: Bearer …` (401 JSON otherwise). Every
/// [`crate::Access::Bank`] handler starts with this.
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Bank, ApiError> {
    let key = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or("");
    if key.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "需要银行API密钥（Authorization: Bearer …）",
        ));
    }
    state.store.bank_by_key(key).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "银行API密钥无效",
        )
    })
}

#[derive(Serialize, utoipa::ToSchema)]
struct GroupView {
    name: String,
    points: f64,
}

#[derive(Serialize, utoipa::ToSchema)]
struct ComponentView {
    code: String,
    name: String,
    group: String,
    /// The value's unit from the scheme (元, 比例 …).
    unit: String,
    value: Option<f64>,
    points: f64,
}

#[derive(Serialize, utoipa::ToSchema)]
struct BankPoints {
    uscc: String,
    year: i32,
    stage: String,
    total: f64,
    groups: Vec<GroupView>,
    bonus: f64,
    negative: f64,
    stage_rank: u32,
    stage_size: u32,
    components: Vec<ComponentView>,
}

/// The firm's points of every year in words: names from the current scheme.
fn points_views(points: &[(gaoxin_model::Year, FirmPoints)]) -> Vec<BankPoints> {
    let scheme = indicators::points_scheme().ok();
    points
        .iter()
        .map(|(y, p)| BankPoints {
            uscc: p.uscc.clone(),
            year: y.get(),
            stage: p.stage_name.clone(),
            total: p.total,
            groups: p
                .by_group
                .iter()
                .enumerate()
                .map(|(k, v)| GroupView {
                    name: scheme
                        .as_ref()
                        .and_then(|s| s.groups.get(k).cloned())
                        .unwrap_or_else(|| format!("第{}组", k + 1)),
                    points: *v,
                })
                .collect(),
            bonus: p.bonus,
            negative: p.negative,
            stage_rank: p.stage_rank,
            stage_size: p.stage_size,
            components: p
                .components
                .iter()
                .map(|c| {
                    let ind = scheme
                        .as_ref()
                        .and_then(|s| s.indicators.iter().find(|i| i.code == c.code));
                    ComponentView {
                        code: c.code.clone(),
                        name: ind.map(|i| i.name.clone()).unwrap_or_default(),
                        group: ind.map(|i| i.group.clone()).unwrap_or_default(),
                        unit: ind.map(|i| i.unit.clone()).unwrap_or_default(),
                        value: c.value,
                        points: c.points,
                    }
                })
                .collect(),
        })
        .collect()
}

/// Every stored year's points of the firm, each with its own year; a year whose stored detail
/// does not decode is an error naming the run (never dropped: the years would no longer match).
async fn load_points(
    state: &AppState,
    scope: &gaoxin_store::Scope,
    uscc: &Uscc,
) -> Result<Vec<BankPoints>, gaoxin_app::EvalError> {
    Ok(points_views(
        &indicators::firm_points(&state.store, scope, uscc).await?,
    ))
}

/// What a bank reads of a consenting firm.
#[derive(Serialize, utoipa::ToSchema)]
pub struct BankPointsAnswer {
    uscc: String,
    /// The bank that asked.
    bank: String,
    /// Every year's points, oldest first.
    points: Vec<BankPoints>,
    note: &'static str,
    /// The points scheme is a placeholder (indicators and weights not officially confirmed).
    placeholder_scheme: bool,
    /// What is placeholder about the scheme, when it is one.
    scheme_notice: Option<String>,
}

/// GET /api/v1/bank/enterprises/{uscc}/points — a consenting firm's points and components.
#[utoipa::path(get, path = "/api/v1/bank/enterprises/{uscc}/points",
    summary = "银行接口：经企业授权（在有效期内、未撤销）读取该企业的创新积分及其构成；请求头 Authorization: Bearer <银行API密钥>。无授权、已过期、已撤销或其他企业一律返回404；每次读取都记录并对企业可见。响应中 placeholder_scheme 为 true 时积分方案是占位方案（指标与权重未经官方确认），scheme_notice 为其说明",
    params(("uscc" = String, Path, description = "统一社会信用代码"),
        ("Authorization" = String, Header, description = "Bearer <银行API密钥>")),
    security(("bank" = [])),
    responses((status = 200, description = "企业历年创新积分及构成", body = BankPointsAnswer),
        (status = 401, description = "错误", body = crate::error::ErrorBody),
        (status = 403, description = "错误", body = crate::error::ErrorBody),
        (status = 404, description = "错误", body = crate::error::ErrorBody)))]
pub async fn bank_points(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let bank = authenticate(&state, &headers).await?;
    let uscc = Uscc::parse(&code).map_err(|_| ApiError::not_found())?;
    let path = format!("/api/v1/bank/enterprises/{}/points", uscc.as_str());
    let Some(points) = consent::bank_points(&state.store, &bank, &uscc, &path, now()).await? else {
        return Err(ApiError::not_found());
    };
    let points = points_views(&points);
    let notice = indicators::points_notice();
    Ok(Json(BankPointsAnswer {
        uscc: uscc.as_str().to_string(),
        bank: bank.name,
        points,
        note: "创新积分为平台按《创新积分制》本地实施方案（权重待核实）计算的结果，仅作授信参考",
        placeholder_scheme: notice.is_some(),
        scheme_notice: notice,
    })
    .into_response())
}

/// GET /enterprises/{uscc}/points — the points section of the firm page (htmx fragment).
pub async fn points_fragment(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let scope = user.scope();
    let (uscc, _) = scoped_enterprise(&state, &scope, &code).await?;
    let points = load_points(&state, &scope, &uscc).await?;
    let own = matches!(&user.role, Role::Enterprise(u) if *u == uscc);
    let mine = consent::firm_consents(&state.store, &scope, &uscc, 50).await?;
    let t = now();
    let consents: Vec<_> = mine
        .consents
        .iter()
        .map(|c| {
            context! {
                id => c.id.clone(),
                bank => c.bank_name.clone(),
                granted_at => fmt_time(c.granted_at),
                expires_at => gaoxin_model::present::expiry(c.expires_at),
                revoked_at => c.revoked_at.map(fmt_time),
                active => c.active(t),
            }
        })
        .collect();
    let log: Vec<_> = mine
        .log
        .into_iter()
        .map(|l| context! { at => fmt_time(l.at), bank => l.bank_name, path => l.path, allowed => l.allowed })
        .collect();
    let banks: Vec<_> = mine
        .banks
        .into_iter()
        .map(|b| context! { id => b.id, name => b.name })
        .collect();
    let history: Vec<_> = points.iter().map(|p| (p.year, p.total)).collect();
    Ok(render::section(
        "enterprise_points.html",
        context! {
            uscc => uscc.as_str(),
            scheme_notice => indicators::points_notice(),
            latest => points.last().map(render::ser),
            history => render::ser(&history),
            chart => render::ser(serde_json::json!({
                "years": points.iter().map(|p| p.year).collect::<Vec<_>>(),
                "totals": points.iter().map(|p| (p.total * 100.0).round() / 100.0).collect::<Vec<_>>(),
            })),
            own => own,
            consents => consents,
            log => log,
            banks => banks,
            csrf => user.csrf.clone(),
            default_expiry => Date::from_days_since_epoch(now() / 86_400 + 365).to_string(),
        },
    ))
}

#[derive(Deserialize)]
pub struct GrantForm {
    bank: String,
    /// yyyy-mm-dd (end of that day, Beijing time, is the expiry).
    expires: String,
}

#[derive(Deserialize)]
pub struct RevokeForm {
    consent: String,
}

fn own_firm(user: &CurrentUser, code: &str) -> Result<Uscc, PageError> {
    let uscc = Uscc::parse(code).map_err(|_| PageError::not_found())?;
    match &user.role {
        Role::Enterprise(u) if *u == uscc => Ok(uscc),
        _ => Err(PageError::not_found()),
    }
}

/// POST /enterprises/{uscc}/consents — the firm grants a bank consent until a date.
pub async fn grant(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Form(f): Form<GrantForm>,
) -> Result<Response, PageError> {
    let uscc = own_firm(&user, &code)?;
    let d = Date::parse(&f.expires)
        .ok_or_else(|| PageError::bad_request("到期日期格式应为 2026-12-31"))?;
    let granted = consent::grant(
        &state.store,
        &user.who(),
        &user.scope(),
        &uscc,
        &f.bank,
        d,
        now(),
    )
    .await?;
    if granted.is_none() {
        return Err(PageError::bad_request(
            "授权未生效：请选择已登记的银行，并填写今天之后的到期日期。",
        ));
    }
    Ok(Redirect::to(&format!("/enterprises/{}#points", uscc.as_str())).into_response())
}

/// POST /enterprises/{uscc}/consents/revoke — the firm revokes a consent.
pub async fn revoke(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Form(f): Form<RevokeForm>,
) -> Result<Response, PageError> {
    let uscc = own_firm(&user, &code)?;
    if !consent::revoke(
        &state.store,
        &user.who(),
        &user.scope(),
        &uscc,
        &f.consent,
        now(),
    )
    .await?
    {
        return Err(PageError::not_found());
    }
    Ok(Redirect::to(&format!("/enterprises/{}#points", uscc.as_str())).into_response())
}
