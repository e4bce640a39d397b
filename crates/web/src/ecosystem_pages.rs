//! 科技创新生态图谱 (issue 17): `GET /ecosystem` (staff) — the graph of the zone's actors and
//! ties with its measures, and its exports (nodes and edges as CSV, the graph as GEXF 1.3, the
//! measures as .xlsx). A park administrator sees its part of the graph (see
//! `gaoxin_app::ecosystem`); firms and departments get the 404 (route table: staff). Thin:
//! parse → one `gaoxin_app` call → render.
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{PageError, Query};
use crate::export::download;
use crate::render::{self, Page};
use axum::extract::State;
use axum::response::Response;
use gaoxin_app::ecosystem::{self, FilterText, NodeKind, PageData};
use minijinja::context;
use serde::Deserialize;
use std::sync::Arc;

/// The filters. Node kinds: with `k` set (the form's marker), a kind is shown only when its
/// box (`rdi`, `institute`, `fund`, `park`, `cluster`, `track`) is ticked; `hide` (comma
/// separated kind keys) hides kinds for links and scripts.
#[derive(Deserialize, Default)]
pub struct EcoQuery {
    #[serde(default)]
    park: String,
    #[serde(default)]
    track: String,
    #[serde(default)]
    cluster: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    hide: String,
    /// A node to find (name or 统一社会信用代码); on the isolated firms' list, a part of the name.
    #[serde(default)]
    q: String,
    /// The isolated firms' list: one high tier (key).
    #[serde(default)]
    tier: String,
    #[serde(default)]
    k: String,
    #[serde(default)]
    rdi: String,
    #[serde(default)]
    institute: String,
    #[serde(default)]
    fund: String,
    #[serde(rename = "park_nodes", default)]
    park_kind: String,
    #[serde(rename = "cluster_nodes", default)]
    cluster_kind: String,
    #[serde(rename = "track_nodes", default)]
    track_kind: String,
}

impl EcoQuery {
    fn filter(&self) -> Result<FilterText, PageError> {
        let year = match self.year.trim() {
            "" => None,
            y => Some(
                y.parse::<i32>()
                    .map_err(|_| PageError::bad_request(&format!("年份「{y}」无效")))?,
            ),
        };
        let mut hide = vec![self.hide.clone()];
        if !self.k.is_empty() {
            for (kind, v) in [
                (NodeKind::Rdi, &self.rdi),
                (NodeKind::Institute, &self.institute),
                (NodeKind::Fund, &self.fund),
                (NodeKind::Park, &self.park_kind),
                (NodeKind::Cluster, &self.cluster_kind),
                (NodeKind::Track, &self.track_kind),
            ] {
                if v.is_empty() {
                    hide.push(kind.key().to_string());
                }
            }
        }
        Ok(FilterText {
            park: self.park.clone(),
            track: self.track.clone(),
            cluster: self.cluster.clone(),
            hide,
            year,
        })
    }
}

async fn built(
    state: &AppState,
    user: &CurrentUser,
    q: &EcoQuery,
) -> Result<Arc<PageData>, PageError> {
    ecosystem::page(&state.store, &state.zone, &user.scope(), &q.filter()?)
        .await?
        .ok_or_else(PageError::not_found)
}

/// GET /ecosystem
pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<EcoQuery>,
) -> Result<Response, PageError> {
    let page = Page::new("科技创新生态图谱", &user, "/ecosystem");
    let p = match ecosystem::page(&state.store, &state.zone, &user.scope(), &q.filter()?).await? {
        Some(p) => p,
        None => {
            return Ok(render::page(
                "ecosystem.html",
                &page,
                context! { v => None::<()>, empty => "还没有企业年度数据：导入数据或载入演示数据后即可查看生态图谱。" },
            ));
        }
    };
    Ok(render::page(
        "ecosystem.html",
        &page,
        context! { v => render::ser(&p.view), f => render::ser(&p.form), s => render::ser(ecosystem::search(&p, &q.q)), q => q.q.trim() },
    ))
}

/// GET /ecosystem/nodes.csv
pub async fn nodes_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<EcoQuery>,
) -> Result<Response, PageError> {
    let p = built(&state, &user, &q).await?;
    let b = &p.built;
    let bytes = ecosystem::export::nodes_csv(&b.input, &b.graph, &b.measures);
    Ok(download(
        bytes,
        "text/csv; charset=utf-8",
        &format!("生态图谱节点-{}.csv", b.input.year),
    ))
}

/// GET /ecosystem/edges.csv
pub async fn edges_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<EcoQuery>,
) -> Result<Response, PageError> {
    let p = built(&state, &user, &q).await?;
    let b = &p.built;
    Ok(download(
        ecosystem::export::edges_csv(&b.graph),
        "text/csv; charset=utf-8",
        &format!("生态图谱关系-{}.csv", b.input.year),
    ))
}

/// GET /ecosystem/graph.gexf
pub async fn gexf(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<EcoQuery>,
) -> Result<Response, PageError> {
    let p = built(&state, &user, &q).await?;
    let b = &p.built;
    let text = ecosystem::export::gexf(&b.input, &b.graph, &b.measures, &ecosystem::describe(b));
    Ok(download(
        text.into_bytes(),
        "application/gexf+xml; charset=utf-8",
        &format!("生态图谱-{}.gexf", b.input.year),
    ))
}

/// GET /ecosystem/export.xlsx
pub async fn measures_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<EcoQuery>,
) -> Result<Response, PageError> {
    let p = built(&state, &user, &q).await?;
    let b = &p.built;
    let bytes = ecosystem::export::measures_xlsx(&b.input, &b.graph, &b.measures)?;
    Ok(crate::export::xlsx_download(
        &state,
        &user,
        bytes,
        &format!("生态图谱度量-{}.xlsx", b.input.year),
    ))
}

/// GET /ecosystem/isolated — the isolated high-tier firms, filtered.
pub async fn isolated(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<EcoQuery>,
) -> Result<Response, PageError> {
    let page = Page::new("孤立的高层级企业", &user, "/ecosystem");
    let Some(p) = ecosystem::page(&state.store, &state.zone, &user.scope(), &q.filter()?).await?
    else {
        return Ok(render::page(
            "ecosystem_isolated.html",
            &page,
            context! { v => None::<()>, empty => "还没有企业年度数据：导入数据或载入演示数据后即可查看。" },
        ));
    };
    let l = ecosystem::isolated(&p, &q.tier, &q.q)?;
    Ok(render::page(
        "ecosystem_isolated.html",
        &page,
        context! { v => render::ser(&p.view), f => render::ser(&p.form), l => render::ser(&l), shown => l.rows.len().min(ISOLATED_SHOWN) },
    ))
}

/// Rows the isolated firms' page shows (the workbook holds them all).
const ISOLATED_SHOWN: usize = 500;

/// GET /ecosystem/isolated.xlsx
pub async fn isolated_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<EcoQuery>,
) -> Result<Response, PageError> {
    let p = built(&state, &user, &q).await?;
    let l = ecosystem::isolated(&p, &q.tier, &q.q)?;
    let bytes = ecosystem::isolated_xlsx(&p, &l)?;
    Ok(crate::export::xlsx_download(
        &state,
        &user,
        bytes,
        &format!("孤立的高层级企业-{}.xlsx", p.built.input.year),
    ))
}

/// Builds the graph's default pages (the zone's and every park's): at start and after an import
/// (run in the background by [`crate::warm`]), so that the first view is served from memory.
pub async fn warm(st: &AppState) {
    let t = std::time::Instant::now();
    match ecosystem::warm(&st.store, &st.zone).await {
        Ok(n) => tracing::info!(
            pages = n,
            seconds = t.elapsed().as_secs_f64(),
            "ecosystem pages warmed"
        ),
        Err(e) => tracing::warn!(error = %e, "warming the ecosystem pages failed"),
    }
    // the innovation vitality index of the zone (reads the whole panel)
    if let Err(e) = gaoxin_app::vitality::warm(&st.store, &st.zone).await {
        tracing::warn!(error = %e, "starting the vitality index failed");
    }
}
