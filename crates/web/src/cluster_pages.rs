//! Pages of the cluster diagnosis (创新型产业集群, 群而不集; issue 15): the overview of every
//! cluster, one cluster's page (measures over years, network, members, links, gaps), a park's
//! clusters, the link records (list, import, export), each with its .xlsx.
//!
//! Access (route table: staff): zone users see everything; a park administrator sees every
//! cluster's aggregates on the overview but opens only its own park's clusters and park page
//! (another park's answer the same 404 as a missing one); enterprise users get the 404.
use crate::AppState;
use crate::auth::{CsrfChecked, CurrentUser, constant_time_eq};
use crate::error::{PageError, Query};
use crate::export::download;
use crate::render::{self, Page};
use axum::Extension;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use gaoxin_app::{cluster_links, cluster_workbook, clusters};
use gaoxin_model::Year;
use gaoxin_store::{Role, unix_now};
use minijinja::context;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct ClusterQuery {
    year: Option<Year>,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    flag: String,
    #[serde(default)]
    format: String,
    /// Filter of a cluster's member and link lists.
    #[serde(default)]
    q: String,
}

async fn overview_of(
    state: &AppState,
    user: &CurrentUser,
    q: &ClusterQuery,
) -> Result<Option<clusters::Overview>, PageError> {
    let mut o = clusters::overview(&state.store, &state.zone, &user.scope(), q.year, None).await?;
    if let Some(o) = o.as_mut() {
        clusters::filter_sort(o, &q.flag, &q.sort).map_err(|m| PageError::bad_request(&m))?;
    }
    Ok(o)
}

/// GET /clusters — every cluster × measures, flags, overlaps; filter and sort.
pub async fn overview(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ClusterQuery>,
) -> Result<Response, PageError> {
    let o = overview_of(&state, &user, &q).await?;
    let page = Page::new("产业集群诊断", &user, "/clusters");
    Ok(render::page(
        "clusters.html",
        &page,
        context! { o => render::ser(&o), sorts => render::ser(clusters::SORTS), sort => q.sort, flag => q.flag },
    ))
}

/// GET /clusters/export.xlsx
pub async fn overview_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ClusterQuery>,
) -> Result<Response, PageError> {
    let o = overview_of(&state, &user, &q)
        .await?
        .ok_or_else(PageError::not_found)?;
    let bytes = cluster_workbook::overview_xlsx(&o)?;
    Ok(crate::export::xlsx_download(
        &state,
        &user,
        bytes,
        &format!("产业集群诊断-{}.xlsx", o.year),
    ))
}

/// GET /clusters/{id} — one cluster.
pub async fn cluster(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<ClusterQuery>,
) -> Result<Response, PageError> {
    let mut d = clusters::detail(&state.store, &state.zone, &user.scope(), &id, q.year)
        .await?
        .ok_or_else(PageError::not_found)?;
    clusters::filter_lists(&mut d, &q.q);
    let page = Page::new(&d.def.name, &user, "/clusters");
    Ok(render::page(
        "cluster.html",
        &page,
        context! { d => render::ser(&d), q => q.q },
    ))
}

/// GET /clusters/{id}/export.xlsx
pub async fn cluster_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<ClusterQuery>,
) -> Result<Response, PageError> {
    let mut d = clusters::detail(&state.store, &state.zone, &user.scope(), &id, q.year)
        .await?
        .ok_or_else(PageError::not_found)?;
    clusters::filter_lists(&mut d, &q.q);
    let bytes = cluster_workbook::detail_xlsx(&d)?;
    Ok(crate::export::xlsx_download(
        &state,
        &user,
        bytes,
        &format!("集群-{}-{}.xlsx", d.def.name, d.year),
    ))
}

async fn park_view_of(
    state: &AppState,
    user: &CurrentUser,
    park: &str,
    year: Option<Year>,
) -> Result<clusters::ParkView, PageError> {
    let p = state.zone.park(park).ok_or_else(PageError::not_found)?;
    if p.id.as_str() != park {
        return Err(PageError::not_found());
    }
    clusters::park_view(&state.store, &state.zone, &user.scope(), &p.id, year)
        .await?
        .ok_or_else(PageError::not_found)
}

/// GET /clusters/parks/{park} — a park's cell of every cluster industry.
pub async fn park(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(park): Path<String>,
    Query(q): Query<ClusterQuery>,
) -> Result<Response, PageError> {
    let v = park_view_of(&state, &user, &park, q.year).await?;
    let page = Page::new(&format!("{} · 产业集群", v.park_name), &user, "/clusters");
    Ok(render::page(
        "cluster_park.html",
        &page,
        context! { v => render::ser(&v) },
    ))
}

/// GET /clusters/parks/{park}/export.xlsx
pub async fn park_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(park): Path<String>,
    Query(q): Query<ClusterQuery>,
) -> Result<Response, PageError> {
    let v = park_view_of(&state, &user, &park, q.year).await?;
    let bytes = cluster_workbook::park_xlsx(&v)?;
    Ok(crate::export::xlsx_download(
        &state,
        &user,
        bytes,
        &format!("{}-产业集群-{}.xlsx", v.park_name, v.year),
    ))
}

fn may_import(r: &Role) -> bool {
    matches!(r, Role::ZoneAdmin | Role::ParkAdmin(_))
}

/// GET /clusters/links — the link records in scope (by year) and the import form.
pub async fn links(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ClusterQuery>,
) -> Result<Response, PageError> {
    let list = cluster_links::list(&state.store, &user.scope(), q.year.map(|y| y.get())).await?;
    let page = Page::new("集群关联记录", &user, "/clusters");
    Ok(render::page(
        "cluster_links.html",
        &page,
        context! {
            list => render::ser(&list),
            year => q.year.map(|y| y.get()),
            may_import => may_import(&user.role),
            columns => cluster_links::COLUMNS.iter().map(|c| c.0).collect::<Vec<_>>(),
        },
    ))
}

/// GET /clusters/links/export?format=xlsx|csv&year=Y
pub async fn links_export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ClusterQuery>,
) -> Result<Response, PageError> {
    let y = q.year.map(|y| y.get());
    let scope = user.scope();
    Ok(match q.format.as_str() {
        "" | "xlsx" => crate::export::xlsx_download(
            &state,
            &user,
            cluster_links::export_xlsx(&state.store, &scope, y).await?,
            "集群关联记录.xlsx",
        ),
        "csv" => download(
            cluster_links::export_csv(&state.store, &scope, y).await?,
            "text/csv; charset=utf-8",
            "集群关联记录.csv",
        ),
        _ => return Err(PageError::bad_request("参数 format 应为 xlsx 或 csv")),
    })
}

/// POST /clusters/links — import link records (multipart `file`, `_csrf`): all or nothing.
pub async fn links_import(
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
    let source = cluster_links::LinkSource {
        bytes: &bytes,
        file: None,
        by: &user.username,
    };
    let r = cluster_links::import(
        &state.store,
        &user.scope(),
        &user.who(),
        &source,
        unix_now(),
    )
    .await?;
    let list = cluster_links::list(&state.store, &user.scope(), None).await?;
    let page = Page::new("集群关联记录", &user, "/clusters");
    Ok(render::page(
        "cluster_links.html",
        &page,
        context! {
            list => render::ser(&list),
            result => render::ser(&r),
            may_import => may_import(&user.role),
            columns => cluster_links::COLUMNS.iter().map(|c| c.0).collect::<Vec<_>>(),
        },
    ))
}
