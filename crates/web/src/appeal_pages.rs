//! 诉求 (企业诉求直通车) pages: the list with filters and its .xlsx, one appeal with its history and
//! the moves the viewer may make (forms with the CSRF token), filing (a firm for itself, staff by
//! phone or visit), the import, the measures, the owner's due box, and the 12345 API.
//! Thin: each handler parses, makes one `gaoxin_app::appeals*` call and renders.
use crate::AppState;
use crate::auth::constant_time_eq;
use crate::error::{ApiError, PageError};
use crate::export::download;
use crate::render::{self, Page};
use crate::user::CurrentUser;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use gaoxin_app::appeals::{self, Actor, AppealError, Filing, Move, channels_for};
use gaoxin_app::appeals_data::{AppealsConfig, china_date};
use gaoxin_app::appeals_flow::{Action, STATES};
use gaoxin_app::appeals_measures::{self, Dimension, Period, pct};
use gaoxin_app::appeals_sla;
use gaoxin_app::appeals_xlsx::{self, ImportOutcome};
use gaoxin_model::Date;
use gaoxin_store::{AppealFilter, Role, unix_now};
use minijinja::context;
use serde::Deserialize;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Largest appeals import accepted from the web (bytes).
pub const MAX_IMPORT: usize = 10 * 1024 * 1024;

fn config() -> Result<AppealsConfig, PageError> {
    AppealsConfig::load()
        .map_err(|e| PageError::new(StatusCode::INTERNAL_SERVER_ERROR, "诉求配置有误", &e))
}

pub(crate) fn page_err(e: AppealError) -> PageError {
    match e {
        AppealError::NotFound => PageError::not_found(),
        AppealError::Invalid(m) | AppealError::Refused(m) => PageError::bad_request(&m),
        AppealError::Conflict => PageError::new(StatusCode::CONFLICT, "诉求已更新", &e.to_string()),
        AppealError::Config(m) => {
            PageError::new(StatusCode::INTERNAL_SERVER_ERROR, "诉求配置有误", &m)
        }
        AppealError::Store(s) => PageError::from(s),
    }
}

pub(crate) fn actor(user: &CurrentUser) -> Actor {
    Actor::user(&user.username, &user.role)
}

fn park_name(state: &AppState, p: &str) -> String {
    state
        .zone
        .parks
        .iter()
        .find(|x| x.id == p)
        .map(|x| x.name.clone())
        .unwrap_or_else(|| p.to_string())
}

fn date_text(v: Option<i64>) -> String {
    v.and_then(Date::from_int)
        .map(|d| d.to_string())
        .unwrap_or_default()
}

/// The list's filters (query string); empty values are no filter.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    state: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    park: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    rule: String,
    #[serde(default)]
    overdue: String,
}

impl ListQuery {
    fn filter(&self) -> AppealFilter {
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
        AppealFilter {
            state: opt(&self.state),
            category: opt(&self.category),
            park: opt(&self.park),
            department: opt(&self.department),
            rule_file: opt(&self.rule),
            ..Default::default()
        }
    }
    fn overdue(&self) -> bool {
        matches!(self.overdue.as_str(), "1" | "on" | "true")
    }
    fn query_string(&self) -> String {
        let mut v = Vec::new();
        for (k, x) in [
            ("state", &self.state),
            ("category", &self.category),
            ("park", &self.park),
            ("department", &self.department),
            ("rule", &self.rule),
            ("overdue", &self.overdue),
        ] {
            if !x.trim().is_empty() {
                v.push(format!("{k}={}", crate::auth::urlencode(x.trim())));
            }
        }
        v.join("&")
    }
}

/// GET /appeals — 诉求 list.
pub async fn list_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let cfg = config()?;
    let today = china_date(unix_now());
    let items = appeals::list(
        &state.store,
        &cfg,
        &user.scope(),
        &q.filter(),
        q.overdue(),
        today,
    )
    .await
    .map_err(page_err)?;
    let total = items.len();
    let rows: Vec<_> = items
        .iter()
        .take(500)
        .map(|i| {
            let r = &i.row;
            context! {
                id => r.id, firm => r.firm_name.clone(), park => park_name(&state, &r.park),
                category => r.category.clone(), title => r.title.clone(), state => r.state.clone(),
                escalated => r.escalated, reopened => r.reopened, department => i.department_name.clone(),
                filed => date_text(Some(r.filed_on)), due => i.sla.due.map(|d| d.to_string()),
                level => i.sla.level.key(), level_zh => i.sla.level.zh(), left => i.sla.left,
            }
        })
        .collect();
    let may_file = !channels_for(&actor(&user)).is_empty();
    let page = Page::new("企业诉求", &user, "/appeals");
    Ok(render::page(
        "appeals.html",
        &page,
        context! {
            rows, total, shown => rows_len(total), q => context! {
                state => q.state.clone(), category => q.category.clone(), park => q.park.clone(),
                department => q.department.clone(), rule => q.rule.clone(), overdue => q.overdue(),
            },
            query => q.query_string(),
            states => STATES.map(|s| s.zh()).to_vec(),
            categories => cfg.categories.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
            departments => cfg.departments.iter().map(|d| context! { id => d.id.to_string(), name => d.name.clone() }).collect::<Vec<_>>(),
            parks => parks_in_scope(&state, &user),
            may_file, may_import => user.role.may_import(),
            is_firm => matches!(user.role, Role::Enterprise(_)),
        },
    ))
}

fn rows_len(total: usize) -> usize {
    total.min(500)
}

fn parks_in_scope(state: &AppState, user: &CurrentUser) -> Vec<minijinja::Value> {
    state
        .zone
        .parks
        .iter()
        .filter(|p| match &user.role {
            Role::ZoneAdmin | Role::ZoneAnalyst | Role::Department(_) => true,
            Role::ParkAdmin(own) => *own == p.id,
            Role::Enterprise(_) | Role::University(_) => false,
        })
        .map(|p| context! { id => p.id.to_string(), name => p.name.clone() })
        .collect()
}

/// GET /appeals/export.xlsx — the filtered list as a workbook.
pub async fn list_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let cfg = config()?;
    let today = china_date(unix_now());
    let items = appeals::list(
        &state.store,
        &cfg,
        &user.scope(),
        &q.filter(),
        q.overdue(),
        today,
    )
    .await
    .map_err(page_err)?;
    let bytes =
        appeals_xlsx::export(&items, &|p| park_name(&state, p)).map_err(PageError::internal)?;
    Ok(crate::export::xlsx_download(
        &state,
        &user,
        bytes,
        &format!("企业诉求-{today}.xlsx"),
    ))
}

/// GET /appeals/due — the owner's box (htmx fragment): what is overdue or due soon in scope.
pub async fn due_fragment(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, PageError> {
    let cfg = config()?;
    let now = unix_now();
    let r = appeals_sla::sweep(
        &state.store,
        &cfg,
        &user.scope(),
        china_date(now),
        false,
        now,
    )
    .await?;
    let item = |i: &appeals_sla::DueItem| {
        context! { id => i.row.id, firm => i.row.firm_name.clone(), category => i.row.category.clone(),
        due => i.sla.due.map(|d| d.to_string()), left => i.sla.left, escalated => i.row.escalated }
    };
    Ok(render::fragment(
        "appeal_due.html",
        context! {
            checked => r.checked,
            overdue => r.overdue.iter().take(20).map(item).collect::<Vec<_>>(),
            overdue_n => r.overdue.len(),
            warnings => r.warnings.iter().take(20).map(item).collect::<Vec<_>>(),
            warnings_n => r.warnings.len(),
        },
    ))
}

/// GET /appeals/{id} — one appeal with its history and the viewer's moves.
pub async fn appeal_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id: i64 = id.trim().parse().map_err(|_| PageError::not_found())?;
    let cfg = config()?;
    let v = appeals::view(
        &state.store,
        &cfg,
        &actor(&user),
        id,
        china_date(unix_now()),
    )
    .await
    .map_err(page_err)?;
    let r = &v.row;
    let history: Vec<_> = v
        .history
        .iter()
        .map(|t| {
            context! {
                date => date_text(Some(t.on_date)), action => t.action.clone(), from => t.from_state.clone(),
                to => t.to_state.clone(), actor => t.actor.clone(), note => t.note.clone(),
                satisfied => t.satisfied, resolved => t.resolved,
            }
        })
        .collect();
    let actions: Vec<_> = v
        .allowed
        .iter()
        .map(|a| {
            context! {
                key => a.key(), label => a.label(), assign => *a == Action::Assign,
                visit_ok => *a == Action::Visit { satisfied: true },
                note_required => matches!(a, Action::Reply | Action::AskFirm | Action::Supplement | Action::Visit { satisfied: false }),
            }
        })
        .collect();
    let files: Vec<_> = gaoxin_app::appeals_files::files(&state.store, &actor(&user), id)
        .await
        .map_err(page_err)?
        .iter()
        .map(|f| {
            context! { seq => f.seq, name => f.name.clone(), kb => (f.size + 1023) / 1024,
            by => f.added_by.clone(), on => china_date(f.added_at).to_string() }
        })
        .collect();
    let may_attach = !actor(&user).capacities(r).is_empty() && r.state != "办结";
    let page = Page::new(&format!("诉求 {id}"), &user, "/appeals");
    Ok(render::page(
        "appeal.html",
        &page,
        context! {
            a => context! {
                id => r.id, firm => r.firm_name.clone(), uscc => r.uscc.clone(), park => park_name(&state, &r.park),
                category => r.category.clone(), suggested => r.suggested_category.clone(), title => r.title.clone(),
                description => r.description.clone(), contact => r.contact.clone(), channel => r.channel.clone(),
                rule => r.rule_file.clone(), state => r.state.clone(), escalated => r.escalated, reopened => r.reopened,
                filed => date_text(Some(r.filed_on)), limit => r.limit_days, limit_unconfirmed => v.limit_unconfirmed,
                replied => date_text(r.replied_on), closed => date_text(r.closed_on),
                satisfied => r.satisfied, resolved => r.resolved, department => v.department_name.clone(),
            },
            sla => context! { level => v.sla.level.key(), level_zh => v.sla.level.zh(), due => v.sla.due.map(|d| d.to_string()),
                               used => v.sla.used, left => v.sla.left, error => v.sla.error.clone() },
            history, actions,
            departments => cfg.departments.iter().map(|d| context! { id => d.id.to_string(), name => d.name.clone() }).collect::<Vec<_>>(),
            current_department => r.department.clone().unwrap_or_else(|| "park".into()),
            files, may_attach,
            max_files => gaoxin_app::appeals_files::MAX_FILES,
            max_mb => gaoxin_app::appeals_files::MAX_FILE_BYTES / (1024 * 1024),
            kinds => gaoxin_app::appeals_files::KINDS.iter().map(|(e, _)| *e).collect::<Vec<_>>().join("、"),
        },
    ))
}

#[derive(Debug, Deserialize)]
pub struct ActForm {
    action: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    resolved: String,
}

/// POST /appeals/{id}/act — one move (a form with the CSRF token).
pub async fn act(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<ActForm>,
) -> Result<Response, PageError> {
    let id: i64 = id.trim().parse().map_err(|_| PageError::not_found())?;
    let action = Action::from_key(&f.action).map_err(|m| PageError::bad_request(&m))?;
    let cfg = config()?;
    let m = Move {
        action,
        note: f.note,
        department: f.department,
        resolved: matches!(f.resolved.as_str(), "1" | "on" | "true"),
    };
    appeals::act(&state.store, &cfg, &actor(&user), id, &m, unix_now())
        .await
        .map_err(page_err)?;
    Ok(Redirect::to(&format!("/appeals/{id}")).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    uscc: String,
}

/// GET /appeals/new — the filing form (a firm: for itself; staff: on a firm's behalf).
pub async fn new_page(
    State(_state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<NewQuery>,
) -> Result<Response, PageError> {
    let cfg = config()?;
    let a = actor(&user);
    let channels = channels_for(&a);
    if channels.is_empty() {
        return Err(PageError::not_found());
    }
    let uscc = match &user.role {
        Role::Enterprise(u) => u.as_str().to_string(),
        _ => q.uscc.trim().to_string(),
    };
    let page = Page::new("提交诉求", &user, "/appeals");
    Ok(render::page(
        "appeal_new.html",
        &page,
        context! {
            uscc, firm => matches!(user.role, Role::Enterprise(_)),
            channels => channels.iter().filter(|c| **c != "导入").copied().collect::<Vec<_>>(),
            categories => cfg.categories.iter().map(|c| context! { name => c.name.clone(), limit => c.limit_days, unconfirmed => c.unconfirmed }).collect::<Vec<_>>(),
        },
    ))
}

#[derive(Debug, Deserialize)]
pub struct FileForm {
    uscc: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    title: String,
    description: String,
    contact: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    rule: String,
}

/// POST /appeals — file an appeal; on to its page.
pub async fn file(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<FileForm>,
) -> Result<Response, PageError> {
    let cfg = config()?;
    let a = actor(&user);
    let channel = if f.channel.trim().is_empty() {
        channels_for(&a).first().copied().unwrap_or("").to_string()
    } else {
        f.channel
    };
    let filing = Filing {
        uscc: f.uscc,
        category: f.category,
        title: f.title,
        description: f.description,
        contact: f.contact,
        channel,
        rule: f.rule,
    };
    let id = appeals::file(&state.store, &cfg, &a, &filing, unix_now())
        .await
        .map_err(page_err)?;
    Ok(Redirect::to(&format!("/appeals/{id}")).into_response())
}

/// GET /appeals/import — the import form.
pub async fn import_page(user: CurrentUser) -> Result<Response, PageError> {
    let page = Page::new("导入诉求", &user, "/appeals");
    Ok(render::page(
        "appeal_import.html",
        &page,
        context! { max_mb => MAX_IMPORT / (1024 * 1024), errors => Vec::<String>::new(), filed => Option::<usize>::None },
    ))
}

/// GET /appeals/template.xlsx — the import template.
pub async fn import_template(_user: CurrentUser) -> Result<Response, PageError> {
    let bytes = appeals_xlsx::template().map_err(PageError::internal)?;
    Ok(download(bytes, XLSX, "诉求导入模板.xlsx"))
}

/// POST /appeals/import — multipart `file` and `_csrf`: all or nothing.
pub async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
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
                let b = field.bytes().await.map_err(|_| {
                    PageError::bad_request(&format!(
                        "文件太大或无法读取（最大 {} MiB），未写入任何诉求",
                        MAX_IMPORT / (1024 * 1024)
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
    let bytes = file
        .filter(|b| !b.is_empty())
        .ok_or_else(|| PageError::bad_request("请选择要导入的文件（xlsx 或 csv）"))?;
    let cfg = config()?;
    let out = appeals_xlsx::import(&state.store, &cfg, &actor(&user), bytes, unix_now())
        .await
        .map_err(page_err)?;
    let (errors, filed) = match out {
        ImportOutcome::Filed(ids) => (Vec::new(), Some(ids.len())),
        ImportOutcome::Refused(e) => (e, None),
    };
    let page = Page::new("导入诉求", &user, "/appeals");
    let mut r = render::page(
        "appeal_import.html",
        &page,
        context! { max_mb => MAX_IMPORT / (1024 * 1024), errors, filed },
    );
    if filed.is_none() {
        r = render::with_status(r, StatusCode::UNPROCESSABLE_ENTITY);
    }
    Ok(r)
}

#[derive(Debug, Default, Deserialize)]
pub struct MeasuresQuery {
    #[serde(default)]
    by: String,
    #[serde(default)]
    period: String,
}

/// GET /appeals/measures — 解决率, 满意率, 重办率 … per department, park or category.
pub async fn measures_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<MeasuresQuery>,
) -> Result<Response, PageError> {
    let cfg = config()?;
    let dim = Dimension::parse(&q.by).map_err(|m| PageError::bad_request(&m))?;
    let per = Period::parse(&q.period).map_err(|m| PageError::bad_request(&m))?;
    let rows = appeals_measures::load(&state.store, &cfg, &user.scope(), dim, per, &|p| {
        park_name(&state, p)
    })
    .await?;
    let rows: Vec<_> = rows
        .iter()
        .map(|m| {
            context! {
                period => m.period.clone(), name => m.name.clone(), filed => m.filed, replied => m.replied, closed => m.closed,
                resolution => pct(m.resolution_rate()), satisfaction => pct(m.satisfaction_rate()),
                reopen => pct(m.reopen_rate()), repeats => m.repeats,
                reply => m.median_reply_days.map(|x| format!("{x:.1}")), resolve => m.median_resolve_days.map(|x| format!("{x:.1}")),
            }
        })
        .collect();
    let page = Page::new("诉求办理成效", &user, "/appeals");
    Ok(render::page(
        "appeal_measures.html",
        &page,
        context! { rows, by => dim.key(), by_zh => dim.zh(), period => per.key(), sources => cfg.sources.clone() },
    ))
}

/// The JSON body of `POST /api/v1/appeals` (another system, e.g. the 12345 hotline).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ApiAppeal {
    /// 统一社会信用代码 of a stored firm.
    pub uscc: String,
    /// A category of data/appeals/categories.toml; empty: the suggested one.
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub title: String,
    pub description: String,
    pub contact: String,
    /// A rule (policy) id the appeal is about.
    #[serde(default)]
    pub rule: String,
}

#[utoipa::path(post, path = "/api/v1/appeals",
    summary = "其他系统（如12345热线）推送企业诉求：请求头 Authorization: Bearer <诉求推送密钥>（gaoxin appeals key add 生成），渠道记为12345；类别为空时按内容建议类别，并按交办表分派",
    request_body = ApiAppeal,
    params(("Authorization" = String, Header, description = "Bearer <诉求推送密钥>")),
    security(("system" = [])),
    responses((status = 201, description = "已受理，返回诉求编号 {\"id\": 1}"),
        (status = 400, description = "请求体无效", body = crate::error::ErrorBody),
        (status = 401, description = "密钥缺失或无效", body = crate::error::ErrorBody),
        (status = 422, description = "诉求内容有误（信息指明字段）", body = crate::error::ErrorBody)))]
/// POST /api/v1/appeals — an appeal pushed by another system with its own key
/// (`Authorization: Bearer gxa_…`, from `gaoxin appeals key add NAME`); channel 12345.
pub async fn api_file(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let key = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or("");
    let unauth = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "需要诉求推送密钥（Authorization: Bearer …，由 gaoxin appeals key add 生成）",
        )
    };
    if key.is_empty() {
        return Err(unauth());
    }
    let Some(name) = state.store.appeal_key_name(key).await? else {
        return Err(unauth());
    };
    let a: ApiAppeal = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            &format!("请求体不是有效的诉求 JSON：{e}"),
        )
    })?;
    let cfg = AppealsConfig::load()
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "config", &e))?;
    let filing = Filing {
        uscc: a.uscc,
        category: a.category,
        title: a.title,
        description: a.description,
        contact: a.contact,
        channel: "12345".into(),
        rule: a.rule,
    };
    match appeals::file(
        &state.store,
        &cfg,
        &Actor::Api { name },
        &filing,
        unix_now(),
    )
    .await
    {
        Ok(id) => Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response()),
        Err(AppealError::Invalid(m)) | Err(AppealError::Refused(m)) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            &m,
        )),
        Err(AppealError::Store(e)) => Err(e.into()),
        Err(e) => Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            &e.to_string(),
        )),
    }
}
