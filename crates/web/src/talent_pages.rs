//! 人才 pages (issue 19): the list with its import and exports, a talent's record, what is held
//! about a talent, monitoring, and 人才服务直通车 filing (the request then lives in 企业诉求).
//!
//! Personal records (`gaoxin_app::talent`): the zone administrator (the talent office) and the
//! talent's park read them; everyone else gets the same 404 as a missing record — by page, API
//! or export. Monitoring (counts only) is open to every staff role. Thin: parse, one app call, render.
use crate::AppState;
use crate::auth::{CsrfChecked, CurrentUser, constant_time_eq};
use crate::error::{ApiError, PageError, Query};
use crate::export::download;
use crate::render::{self, Page};
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form, Json};
use gaoxin_app::appeals::Actor;
use gaoxin_app::appeals_data::AppealsConfig;
use gaoxin_app::talent::{self, Reader, TalentError, masked_id};
use gaoxin_app::talent_service::{self, ServiceConfig, ServiceFiling};
use gaoxin_app::{talent_import, talent_monitor, talent_xlsx};
use gaoxin_store::{Role, TalentFilter, unix_now};
use minijinja::context;
use serde::Deserialize;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

impl From<TalentError> for PageError {
    fn from(e: TalentError) -> Self {
        match e {
            TalentError::NotFound => PageError::not_found(),
            TalentError::Invalid(m) => PageError::bad_request(&m),
            e => PageError::internal(e),
        }
    }
}

fn cfg() -> Result<ServiceConfig, PageError> {
    ServiceConfig::load().map_err(PageError::internal)
}

fn reader(user: &CurrentUser) -> Option<Reader> {
    Reader::user(&user.username, &user.role)
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    field: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    personal: String,
    #[serde(default)]
    reason: String,
    year: Option<i64>,
}

impl ListQuery {
    fn filter(&self) -> TalentFilter {
        let some = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
        TalentFilter {
            q: some(&self.q),
            field: some(&self.field),
            status: some(&self.status),
            ..TalentFilter::default()
        }
    }
}

fn row_view(state: &AppState, t: &gaoxin_store::Talent) -> serde_json::Value {
    let park = state
        .zone
        .park(&t.park)
        .map(|p| p.name.clone())
        .unwrap_or_default();
    serde_json::json!({
        "code": t.code, "name": t.name, "gender": t.gender, "birth_year": t.birth_year,
        "nationality": t.nationality, "degree": t.degree, "field": t.field, "title": t.title,
        "employer_kind": t.employer_kind, "employer": t.employer_name, "employer_uscc": t.employer_uscc,
        "park": park, "team": t.team, "team_role": t.team_role, "top_team": t.top_team,
        "card": t.card_level, "arrival_year": t.arrival_year, "status": t.status,
        "left_year": t.left_year, "id": masked_id(t), "source": t.source, "synthetic": t.synthetic,
        "programmes": t.programmes.iter().map(|p| serde_json::json!({"programme": p.programme, "level": p.level, "year": p.year, "source": p.source})).collect::<Vec<_>>(),
    })
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    q: &ListQuery,
    result: Option<Result<talent_import::Imported, Vec<String>>>,
) -> Result<Response, PageError> {
    let page = Page::new("人才", user, "/talents");
    let Some(r) = reader(user) else {
        return Ok(render::page(
            "talents.html",
            &page,
            context! { denied => true },
        ));
    };
    let rows: Vec<_> = talent::list(&state.store, &r, &q.filter())
        .await?
        .iter()
        .map(|t| row_view(state, t))
        .collect();
    Ok(render::page(
        "talents.html",
        &page,
        context! {
            rows => render::ser(&rows), q => q.q.clone(), field => q.field.clone(), status => q.status.clone(),
            may_import => user.role.may_import(),
            ok => result.as_ref().and_then(|r| r.as_ref().ok()).map(|i| context!{ talents => i.talents, programmes => i.programmes, replaced => i.replaced }),
            errors => result.and_then(|r| r.err()),
            columns => talent_import::REQUIRED.join("、"),
        },
    ))
}

/// GET /talents — the talents the user may read (every read recorded), filters, import, exports.
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    list_page(&state, &user, &q, None).await
}

/// GET /talents/export — .xlsx; personal fields only with a reason (recorded).
pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let r = reader(&user).ok_or_else(PageError::not_found)?;
    let personal = q.personal == "1";
    let bytes = talent_xlsx::export(&state.store, &r, &q.filter(), personal, &q.reason).await?;
    Ok(crate::export::xlsx_download(
        &state,
        &user,
        bytes,
        if personal {
            "人才名单（含个人信息）.xlsx"
        } else {
            "人才名单.xlsx"
        },
    ))
}

/// GET /talents/template.xlsx
pub async fn template(State(state): State<AppState>) -> Result<Response, PageError> {
    let bytes = talent_xlsx::template(&state.zone, &cfg()?).map_err(PageError::internal)?;
    Ok(download(bytes, XLSX, "人才导入模板.xlsx"))
}

/// POST /talents/import — all or nothing; the list with the result.
pub async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    checked: Option<Extension<CsrfChecked>>,
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
                let b = field.bytes().await;
                file = Some(
                    b.map_err(|e| PageError::bad_request(&format!("上传内容无法读取：{e}")))?
                        .to_vec(),
                );
            }
            Some("_csrf") => csrf = field.text().await.ok(),
            _ => {}
        }
    }
    if checked.is_none()
        && !csrf.is_some_and(|c| constant_time_eq(c.as_bytes(), user.csrf.as_bytes()))
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
    let r = reader(&user).ok_or_else(PageError::not_found)?;
    let res = talent_import::import(
        &state.store,
        &state.zone,
        &cfg()?,
        &r,
        bytes,
        &name,
        unix_now(),
    )
    .await?;
    if res.is_ok() {
        // the talent targets read the ledger
        state.warm.invalidate();
    }
    list_page(&state, &user, &ListQuery::default(), Some(res)).await
}

async fn detail_ctx(
    state: &AppState,
    user: &CurrentUser,
    code: &str,
    held: bool,
) -> Result<(serde_json::Value, serde_json::Value), PageError> {
    let r = reader(user).ok_or_else(PageError::not_found)?;
    let (t, requests, accesses) = if held {
        let h = talent::held(&state.store, &r, code).await?;
        (h.talent, h.requests, h.accesses)
    } else {
        let t = talent::show(&state.store, &r, code).await?;
        let req = state.store.talent_requests(&r.scope, Some(&t.code)).await?;
        (t, req, vec![])
    };
    let acc: Vec<_> = accesses
        .iter()
        .map(|a| serde_json::json!({"at": gaoxin_model::present::datetime(a.at_us / 1_000_000), "actor": a.event.actor, "action": action_zh(&a.event.action)}))
        .collect();
    let req: Vec<_> = requests
        .iter()
        .map(|q| serde_json::json!({"id": q.appeal_id, "service": q.service, "card": q.card_level}))
        .collect();
    Ok((
        row_view(state, &t),
        serde_json::json!({"requests": req, "accesses": acc}),
    ))
}

fn action_zh(a: &str) -> &str {
    match a {
        "talent.read" => "查阅记录",
        "talent.subject_access" => "个人信息查阅报告",
        "talent.request" => "登记服务诉求",
        "talent.import" => "导入",
        _ => a,
    }
}

/// GET /talents/{talent} — one record (recorded as a read).
pub async fn detail(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let (t, extra) = detail_ctx(&state, &user, &code, false).await?;
    let c = cfg()?;
    let page = Page::new(&format!("人才 {code}"), &user, "/talents");
    let cats: Vec<String> = c.categories.iter().map(|c| c.name.clone()).collect();
    Ok(render::page(
        "talent.html",
        &page,
        context! { t => render::ser(&t), x => render::ser(&extra), categories => render::ser(&cats), may_file => matches!(user.role, Role::ZoneAdmin | Role::ParkAdmin(_)) },
    ))
}

/// GET /talents/{talent}/held — what is held about the talent and who read it (个人信息查阅).
pub async fn held(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let (t, extra) = detail_ctx(&state, &user, &code, true).await?;
    let page = Page::new("个人信息查阅报告", &user, "/talents");
    Ok(render::page(
        "talent_held.html",
        &page,
        context! { t => render::ser(&t), x => render::ser(&extra) },
    ))
}

/// GET /api/v1/talents/{talent} — one record as JSON (recorded as a read; ID number masked).
#[utoipa::path(get, path = "/api/v1/talents/{talent}", summary = "一名人才的记录（查阅记入审计日志；身份证号码仅末四位；仅所在园区与高新区管理员可读，其他与不存在同样返回 404）",
    params(("talent" = String, Path)),
    responses((status = 200, description = "人才记录"), (status = 401, description = "错误", body = crate::error::ErrorBody),
        (status = 404, description = "错误", body = crate::error::ErrorBody)))]
pub async fn api_detail(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let nf = ApiError::not_found;
    let r = reader(&user).ok_or_else(nf)?;
    match talent::show(&state.store, &r, &code).await {
        Ok(t) => Ok(Json(row_view(&state, &t)).into_response()),
        Err(TalentError::NotFound) => Err(nf()),
        Err(e) => Err(ApiError::internal(e)),
    }
}

/// GET /talents/monitor — counts per park, field, track, cluster; targets; density; gaps.
pub async fn monitor(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let m = talent_monitor::monitor(&state.store, &state.zone, &user.scope(), q.year).await?;
    let page = Page::new("人才监测", &user, "/talents");
    Ok(render::page(
        "talent_monitor.html",
        &page,
        context! { m => render::ser(&m), personal => reader(&user).is_some() },
    ))
}

/// GET /talents/monitor/export.xlsx
pub async fn monitor_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let m = talent_monitor::monitor(&state.store, &state.zone, &user.scope(), q.year).await?;
    Ok(crate::export::xlsx_download(
        &state,
        &user,
        talent_monitor::xlsx(&m).map_err(PageError::internal)?,
        "人才监测.xlsx",
    ))
}

#[derive(Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    talent: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    channel: String,
}

fn may_file(role: &Role) -> bool {
    matches!(
        role,
        Role::ZoneAdmin | Role::ParkAdmin(_) | Role::Enterprise(_)
    )
}

/// GET /talent-services — 人才服务直通车: the filing form (staff, and firms for their own talents).
pub async fn services(user: CurrentUser) -> Result<Response, PageError> {
    if !may_file(&user.role) {
        return Err(PageError::not_found());
    }
    let c = cfg()?;
    let page = Page::new("人才服务直通车", &user, "/talent-services");
    let levels: Vec<_> = c.levels.iter().map(|l| serde_json::json!({ "name": l.name, "service": l.service, "limit": l.limit_days, "unconfirmed": l.unconfirmed })).collect();
    let cats: Vec<_> = c
        .categories
        .iter()
        .map(|x| context! { name => x.name.clone(), limit => x.limit_days, unconfirmed => x.unconfirmed })
        .collect();
    let firm = matches!(user.role, Role::Enterprise(_));
    Ok(render::page(
        "talent_services.html",
        &page,
        context! { categories => render::ser(&cats), levels => render::ser(&levels), none => c.none.service.clone(), firm => firm },
    ))
}

/// POST /talent-services — files the request; on to the appeal's page.
pub async fn file_request(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<RequestForm>,
) -> Result<Response, PageError> {
    if !may_file(&user.role) {
        return Err(PageError::not_found());
    }
    let appeals = AppealsConfig::load().map_err(PageError::internal)?;
    let actor = Actor::user(&user.username, &user.role);
    let filing = ServiceFiling {
        talent_code: f.talent,
        category: f.category,
        description: f.description,
        contact: f.contact,
        channel: f.channel,
    };
    let id =
        talent_service::file(&state.store, &appeals, &cfg()?, &actor, &filing, unix_now()).await?;
    Ok(Redirect::to(&format!("/appeals/{id}")).into_response())
}
