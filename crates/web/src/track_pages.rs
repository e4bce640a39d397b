//! The tracks' "五个一" board (赛道): the zone overview (eight tracks side by side), a track's
//! page (its five elements with gaps, the panel figures over years, its leads), the forms and the
//! xlsx import with which zone administrators keep the board, and the exports. Thin: each handler
//! parses, makes one `gaoxin_app::tracks` call and renders. The leads' pages are in
//! [`crate::lead_pages`].
use crate::AppState;
use crate::auth::{CsrfChecked, CurrentUser, constant_time_eq};
use crate::error::{ApiError, PageError, Query};
use crate::export::download;
use crate::render::{self, Page};
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use gaoxin_app::leads::{LeadsConfig, PipelineCache};
use gaoxin_app::tracks::{self, Editor, ElementInput, InputError, TracksConfig};
use gaoxin_store::Role;
use minijinja::context;
use serde::Deserialize;

pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The data files of tracks and leads, and the pipeline cache (part of [`AppState`]).
pub struct TracksState {
    pub config: Result<(TracksConfig, LeadsConfig), String>,
    pub pipeline: PipelineCache,
    /// The pipeline pages as rendered (per user, filter and day; see
    /// [`crate::lead_pages::pipeline`]), valid for the pipeline cache's epoch.
    pub pages: gaoxin_app::byte_cache::ByteCache<std::sync::Arc<str>>,
}

/// The bytes of rendered pipeline pages kept (a page is ≈ 30 KB).
pub const PIPELINE_PAGES_BYTES: usize = 16 << 20;

impl TracksState {
    pub fn new(zone: &gaoxin_model::Zone) -> TracksState {
        TracksState {
            config: TracksConfig::shipped(zone).and_then(|t| Ok((t, LeadsConfig::shipped()?))),
            pipeline: PipelineCache::default(),
            pages: gaoxin_app::byte_cache::ByteCache::new(PIPELINE_PAGES_BYTES),
        }
    }
}

pub(crate) fn configs(state: &AppState) -> Result<&(TracksConfig, LeadsConfig), PageError> {
    state
        .tracks
        .config
        .as_ref()
        .map_err(|e| PageError::internal(e.clone()))
}

pub(crate) fn now() -> i64 {
    gaoxin_store::unix_now()
}

pub(crate) fn input_error(e: InputError) -> PageError {
    match e {
        InputError::Forbidden => PageError::new(
            StatusCode::FORBIDDEN,
            "无权操作",
            "您的账号只能查看，不能修改（高新区分析员为只读；“五个一”由高新区管理员维护）。",
        ),
        InputError::NotFound => PageError::not_found(),
        InputError::Invalid(m) => PageError::bad_request(&m.join("\n")),
        InputError::Store(e) => PageError::internal(e),
    }
}

pub(crate) fn api_input_error(e: InputError) -> ApiError {
    match e {
        InputError::Forbidden => {
            ApiError::new(StatusCode::FORBIDDEN, "forbidden", "您没有权限执行此操作")
        }
        InputError::NotFound => ApiError::not_found(),
        InputError::Invalid(m) => ApiError::bad_request(&m.join("；")),
        InputError::Store(e) => ApiError::internal(e),
    }
}

fn editor(user: &CurrentUser) -> Editor {
    Editor {
        username: user.username.clone(),
        zone_admin: matches!(user.role, Role::ZoneAdmin),
    }
}

/// A multipart upload's file and whether its `_csrf` part (or the header) is right.
pub(crate) async fn read_file(
    user: &CurrentUser,
    checked: Option<Extension<CsrfChecked>>,
    mut mp: Multipart,
) -> Result<Vec<u8>, PageError> {
    let mut file = None;
    let mut csrf = None;
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| PageError::bad_request(&format!("上传内容无法读取：{e}")))?
    {
        match field.name() {
            Some("file") => {
                file = Some(
                    field
                        .bytes()
                        .await
                        .map_err(|e| PageError::bad_request(&format!("上传内容无法读取：{e}")))?,
                )
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
    match file {
        Some(b) if !b.is_empty() => Ok(b.to_vec()),
        _ => Err(PageError::bad_request("请选择要导入的文件（xlsx 或 csv）")),
    }
}

#[derive(Deserialize, Default)]
pub struct YearQuery {
    year: Option<i64>,
    msg: Option<String>,
}

/// GET /tracks — the eight tracks side by side, and the future-industry pipeline.
pub async fn overview(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<YearQuery>,
) -> Result<Response, PageError> {
    let (cfg, _) = configs(&state)?;
    let b = tracks::board(&state.store, cfg, &state.zone, &user.scope(), q.year).await?;
    let charts = context! {
        names => b.tracks.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
        score => b.tracks.iter().map(|t| t.score).collect::<Vec<_>>(),
        firms => b.tracks.iter().map(|t| t.latest.as_ref().map(|l| l.firms).unwrap_or(0)).collect::<Vec<_>>(),
        leads_open => b.tracks.iter().map(|t| t.leads_open).collect::<Vec<_>>(),
        leads_landed => b.tracks.iter().map(|t| t.leads_landed).collect::<Vec<_>>(),
    };
    let p = Page::new("新赛道", &user, "/tracks");
    Ok(render::page(
        "tracks.html",
        &p,
        context! {
            b => render::ser(&b),
            charts,
            statuses => render::ser(&cfg.statuses),
            zone_admin => matches!(user.role, Role::ZoneAdmin),
            park_scope => user.role.park().is_some(),
            msg => q.msg,
        },
    ))
}

/// GET /tracks/export.xlsx — the board as .xlsx.
pub async fn overview_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<YearQuery>,
) -> Result<Response, PageError> {
    let (cfg, _) = configs(&state)?;
    let b = tracks::board(&state.store, cfg, &state.zone, &user.scope(), q.year).await?;
    let bytes = tracks::board_xlsx(&b).map_err(PageError::internal)?;
    Ok(crate::export::xlsx_download(
        &state,
        &user,
        bytes,
        "新赛道五个一.xlsx",
    ))
}

/// GET /tracks/{track} — one track: its elements (gaps), panel figures over years, leads.
pub async fn track_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<YearQuery>,
) -> Result<Response, PageError> {
    let (cfg, leads_cfg) = configs(&state)?;
    let t = state.zone.track(&id).ok_or_else(PageError::not_found)?;
    let b = tracks::board(&state.store, cfg, &state.zone, &user.scope(), q.year).await?;
    let view = b
        .tracks
        .iter()
        .find(|v| v.id == t.id)
        .ok_or_else(PageError::not_found)?;
    let charts = context! {
        years => view.years.iter().map(|y| y.year).collect::<Vec<_>>(),
        firms => view.years.iter().map(|y| y.firms).collect::<Vec<_>>(),
        techsme => view.years.iter().map(|y| y.techsme).collect::<Vec<_>>(),
        hnte => view.years.iter().map(|y| y.hnte).collect::<Vec<_>>(),
        gazelle => view.years.iter().map(|y| y.gazelle).collect::<Vec<_>>(),
        unicorn => view.years.iter().map(|y| y.unicorn).collect::<Vec<_>>(),
        founded => view.years.iter().map(|y| y.founded).collect::<Vec<_>>(),
    };
    // the track's funds (赛道基金) and what they invested in firms in the reader's scope
    let (funds, _) = gaoxin_app::finance_registry::funds_view(
        &state.store,
        &state.zone,
        &user.scope(),
        Some(&t.id),
    )
    .await
    .map_err(PageError::internal)?;
    let p = Page::new(&format!("赛道 · {}", t.name), &user, "/tracks");
    Ok(render::page(
        "track.html",
        &p,
        context! {
            t => render::ser(view),
            year => b.year,
            charts,
            elements => render::ser(&cfg.elements),
            statuses => render::ser(&cfg.statuses),
            events => render::ser(&leads_cfg.events),
            zone_admin => matches!(user.role, Role::ZoneAdmin),
            park_scope => user.role.park().is_some(),
            msg => q.msg,
            funds => render::ser(&funds),
        },
    ))
}

#[derive(Deserialize)]
pub struct ElementForm {
    element: String,
    name: String,
    #[serde(default)]
    who: String,
    #[serde(default)]
    since: String,
    status: String,
    #[serde(default)]
    evidence: String,
}

/// POST /tracks/{track}/elements — a zone administrator records an element.
pub async fn save_element(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<ElementForm>,
) -> Result<Response, PageError> {
    let (cfg, _) = configs(&state)?;
    let t = state.zone.track(&id).ok_or_else(PageError::not_found)?;
    let input = ElementInput {
        track: t.id.clone(),
        element: f.element,
        name: f.name,
        who: f.who,
        since: f.since,
        status: f.status,
        evidence: f.evidence,
    };
    tracks::save_element(
        &state.store,
        cfg,
        &state.zone,
        &editor(&user),
        &input,
        now(),
    )
    .await
    .map_err(input_error)?;
    Ok(Redirect::to(&format!("/tracks/{}?msg=saved", t.id)).into_response())
}

/// POST /tracks/{track}/elements/{element}/delete — the element becomes a gap again.
pub async fn delete_element(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, element)): Path<(String, String)>,
) -> Result<Response, PageError> {
    tracks::delete_element(&state.store, &state.zone, &editor(&user), &id, &element)
        .await
        .map_err(input_error)?;
    Ok(Redirect::to(&format!("/tracks/{id}?msg=deleted")).into_response())
}

/// POST /tracks/import — a zone administrator imports elements (all or nothing).
pub async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    checked: Option<Extension<CsrfChecked>>,
    mp: Multipart,
) -> Result<Response, PageError> {
    let (cfg, _) = configs(&state)?;
    let bytes = read_file(&user, checked, mp).await?;
    let n = tracks::import_elements(&state.store, cfg, &state.zone, &editor(&user), bytes, now())
        .await
        .map_err(input_error)?;
    Ok(Redirect::to(&format!("/tracks?msg=imported-{n}")).into_response())
}

/// GET /tracks/template.xlsx — the import template.
pub async fn template(State(state): State<AppState>) -> Result<Response, PageError> {
    let (cfg, _) = configs(&state)?;
    let bytes = tracks::template_xlsx(cfg, &state.zone).map_err(PageError::internal)?;
    Ok(download(bytes, XLSX, "五个一导入模板.xlsx"))
}
