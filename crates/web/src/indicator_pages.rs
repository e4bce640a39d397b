//! Pages of the indicator engine: 评价 (park ranking with uncertainty intervals, radar per park
//! against the zone median, strengths and weaknesses, year-over-year change), 目标 (targets with
//! progress), the printable annual report (A4) and its .xlsx.
//!
//! What each role sees (decided here, on top of the store's scope rules):
//! * zone administrators and analysts: everything; the page only reads stored runs (the latest
//!   year is computed at start and after every import, [`crate::warm`]); a zone administrator
//!   opening a year without a stored run starts its computation (and the year's innovation
//!   points) in the background and sees that it is being computed; an analyst's view never
//!   starts one;
//! * a park administrator: the published ranking table (rank, total, interval, dimension scores
//!   of every park — the evaluation is circulated to the parks) but the indicator-level breakdown
//!   (values, strengths/weaknesses, radar) of its own park only; no computing, no report download;
//!   on 目标 its own park's values;
//! * an enterprise user: neither page (404, no menu entry).
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::PageError;
use crate::error::Query;
use crate::render::{self, Page};
use axum::extract::State;
use axum::response::Response;
use gaoxin_app::indicators;
use gaoxin_index::park::Confidence;
use gaoxin_index::report::{ParkReport, TargetView};
use gaoxin_model::Year;
use gaoxin_store::{Role, RunRecord, Scope};
use minijinja::context;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, Default)]
pub struct EvalQuery {
    year: Option<Year>,
    park: Option<String>,
}

fn zone_role(r: &Role) -> bool {
    matches!(r, Role::ZoneAdmin | Role::ZoneAnalyst)
}

/// The year to show: asked, else the latest year with data.
async fn pick_year(
    state: &AppState,
    scope: &Scope,
    asked: Option<Year>,
) -> Result<Option<Year>, PageError> {
    let years = state.warm.years(&state.store, scope).await?;
    Ok(match asked {
        Some(y) if years.contains(&y) => Some(y),
        Some(_) => None,
        None => years.last().copied(),
    })
}

/// The stored report of `year`; when there is none, a zone administrator's view starts its
/// computation in the background ([`crate::warm`]) — never inside the request, and never for a
/// read-only view.
async fn report_for(
    state: &AppState,
    user: &CurrentUser,
    year: Year,
) -> Result<Option<(ParkReport, RunRecord)>, PageError> {
    let found = indicators::latest_park_report(&state.store, &user.scope(), year).await;
    match found {
        Ok(Some(r)) => return Ok(Some(r)),
        Ok(None) => {}
        // a stored run that does not decode: an administrator replaces it by a new run
        Err(gaoxin_app::EvalError::Engine(_)) if user.role == Role::ZoneAdmin => {}
        Err(e) => return Err(e.into()),
    }
    if user.role == Role::ZoneAdmin {
        state.warm.evaluate(state, year, false);
    }
    Ok(None)
}

#[derive(Serialize)]
struct RowView {
    park: String,
    name: String,
    own: bool,
    rank: Option<u32>,
    total: Option<f64>,
    p05: Option<f64>,
    p95: Option<f64>,
    median: Option<f64>,
    prev_rank: Option<u32>,
    change: Option<i32>,
    availability: f64,
    dims: Vec<Option<f64>>,
    /// Rank under each named weight set, and the largest move over them.
    set_ranks: Vec<Option<u32>>,
    set_shift: Option<u32>,
}

#[derive(Serialize)]
struct Breakdown {
    park: String,
    name: String,
    strengths: Vec<(String, String)>,
    weaknesses: Vec<(String, String)>,
    indicators: Vec<IndView>,
}

#[derive(Serialize)]
struct IndView {
    code: String,
    name: String,
    dimension: String,
    weight: f64,
    confirmed: bool,
    source: String,
    unit: String,
    available: bool,
    value: Option<f64>,
    normalised: Option<f64>,
    median: Option<f64>,
    /// How sure the indicator's place in the official system is, where that is documented, and
    /// whether the value is a proxy.
    confidence: String,
    basis: String,
    proxy: bool,
    note: String,
}

fn park_name(state: &AppState, id: &str) -> String {
    state
        .zone
        .park(id)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| id.to_string())
}

fn ind_name(rep: &ParkReport, code: &str) -> (String, String) {
    let n = rep
        .indicators
        .iter()
        .find(|i| i.code == code)
        .map(|i| i.name.clone())
        .unwrap_or_default();
    (code.to_string(), n)
}

/// The page values of a report as `user` may see them (see the module docs).
fn view(
    state: &AppState,
    user: &CurrentUser,
    rep: &ParkReport,
    park: Option<&str>,
) -> minijinja::Value {
    let own_park = user.role.park().map(|p| p.to_string());
    let rows: Vec<RowView> = rep
        .parks
        .iter()
        .map(|p| RowView {
            park: p.park.clone(),
            name: park_name(state, &p.park),
            own: own_park.as_deref() == Some(p.park.as_str()),
            rank: p.rank,
            total: p.total,
            p05: p.rank_p05,
            p95: p.rank_p95,
            median: p.rank_median,
            prev_rank: p.prev_rank,
            change: p.rank_change,
            availability: p.completeness(),
            dims: p.dimensions.clone(),
            set_ranks: p.set_ranks.clone(),
            set_shift: p.set_rank_shift,
        })
        .collect();
    // whose breakdown: zone users pick any park (default: the leader); a park admin its own
    let focus = match &own_park {
        Some(p) => Some(p.clone()),
        None => park
            .filter(|p| rep.park(p).is_some())
            .map(str::to_string)
            .or_else(|| rep.parks.first().map(|p| p.park.clone())),
    };
    let breakdown = focus
        .as_deref()
        .and_then(|f| rep.park(f))
        .map(|p| Breakdown {
            park: p.park.clone(),
            name: park_name(state, &p.park),
            strengths: p.strengths.iter().map(|c| ind_name(rep, c)).collect(),
            weaknesses: p.weaknesses.iter().map(|c| ind_name(rep, c)).collect(),
            indicators: rep
                .indicators
                .iter()
                .enumerate()
                .map(|(j, i)| IndView {
                    code: i.code.clone(),
                    name: i.name.clone(),
                    dimension: i.dimension.clone(),
                    weight: i.weight,
                    confirmed: i.confirmed,
                    source: i.source.clone(),
                    unit: i.unit.clone().unwrap_or_default(),
                    available: i.available,
                    value: p.values[j],
                    normalised: p.normalised[j],
                    median: rep.median_normalised[j],
                    confidence: i
                        .confidence
                        .map(|c| c.zh().to_string())
                        .unwrap_or_else(|| "未记录".into()),
                    basis: i.basis.clone(),
                    proxy: i.proxy,
                    note: i.note.clone().unwrap_or_default(),
                })
                .collect(),
        });
    let focus_row = focus.as_deref().and_then(|f| rep.park(f));
    let chart = serde_json::json!({
        "dims": rep.dimensions.iter().map(|d| d.name.clone()).collect::<Vec<_>>(),
        "park": focus_row.map(|p| park_name(state, &p.park)),
        "park_scores": focus_row.map(|p| p.dimensions.iter().map(|v| v.map(|x| (x * 10.0).round() / 10.0)).collect::<Vec<_>>()),
        "median": rep.median_dimensions.iter().map(|v| v.map(|x| (x * 10.0).round() / 10.0)).collect::<Vec<_>>(),
        "ranked": rep.parks.iter().filter(|p| p.rank.is_some()).map(|p| serde_json::json!({
            "name": park_name(state, &p.park),
            "rank": p.rank, "p05": p.rank_p05, "p95": p.rank_p95,
        })).collect::<Vec<_>>(),
    });
    let unconfirmed: Vec<String> = rep
        .dimensions
        .iter()
        .filter(|d| !d.confirmed)
        .map(|d| d.name.clone())
        .collect();
    context! {
        year => rep.year.get(),
        scheme => render::ser(&rep.scheme),
        input_hash => rep.input_hash.clone(),
        dimensions => render::ser(&rep.dimensions),
        rows => render::ser(&rows),
        breakdown => breakdown.map(render::ser),
        chart => render::ser(&chart),
        mc => rep.mc.as_ref().map(render::ser),
        prev_year => rep.prev_year.map(Year::get),
        unconfirmed => unconfirmed,
        unavailable => rep.indicators.iter().filter(|i| !i.available).map(|i| format!("{} {}", i.code, i.name)).collect::<Vec<_>>(),
        median_total => rep.median_total,
        weight_sets => render::ser(&rep.weight_sets),
        max_set_shift => rep.max_set_rank_shift,
        lower_confidence => rep.indicators.iter().filter(|i| matches!(i.confidence, Some(Confidence::Medium | Confidence::Low))).map(|i| format!("{} {}", i.code, i.name)).collect::<Vec<_>>(),
        proxies => rep.indicators.iter().filter(|i| i.proxy).map(|i| format!("{} {}", i.code, i.name)).collect::<Vec<_>>(),
        zone_user => zone_role(&user.role),
        parks => rep.parks.iter().map(|p| context! { id => p.park.clone(), name => park_name(state, &p.park) }).collect::<Vec<_>>(),
        focus => focus,
    }
}

/// GET /evaluation — the park ranking.
pub async fn evaluation_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<EvalQuery>,
) -> Result<Response, PageError> {
    let park = crate::pages::park_param(&state.zone, q.park.as_deref())
        .map_err(|m| PageError::bad_request(&m))?;
    let scope = user.scope();
    let years = state.warm.years(&state.store, &scope).await?;
    let page = Page::new("园区评价", &user, "/evaluation");
    let Some(year) = pick_year(&state, &scope, q.year).await? else {
        return Ok(render::page(
            "evaluation.html",
            &page,
            context! { empty => true, years => render::ser(&years) },
        ));
    };
    // a computation of the year running in the background, or the last one's failure (shown to
    // zone users: they may start one)
    let computing = state.warm.evaluating(year);
    let failed = if scope == Scope::Zone {
        state.warm.failure(year)
    } else {
        None
    };
    let Some((rep, run)) = report_for(&state, &user, year).await? else {
        return Ok(render::page(
            "evaluation.html",
            &page,
            // asked now: the view of a zone administrator may just have started it
            context! { empty => true, not_run => true, computing => state.warm.evaluating(year), failed => failed, year => year.get(), years => render::ser(&years) },
        ));
    };
    let v = view(&state, &user, &rep, park.as_ref().map(|p| p.as_str()));
    Ok(render::page(
        "evaluation.html",
        &page,
        context! { years => render::ser(&years), run_id => run.id, created => run.created_at, computing => computing, failed => failed, ..v },
    ))
}

/// What the annual report shows, for zone users only (others: 404): the year, the evaluation
/// and the targets.
async fn report_inputs(
    state: &AppState,
    user: &CurrentUser,
    year: Option<Year>,
) -> Result<(Year, ParkReport, Vec<TargetView>), PageError> {
    let scope = user.scope();
    let year = pick_year(state, &scope, year)
        .await?
        .ok_or_else(|| PageError::bad_request("该年份没有数据"))?;
    // a download, not a page view: it waits for a computation of the year that is running
    let (rep, _) = match report_for(state, user, year).await? {
        Some(r) => r,
        None => {
            state.warm.wait_evaluation(year).await;
            indicators::latest_park_report(&state.store, &scope, year)
                .await?
                .ok_or_else(PageError::not_found)?
        }
    };
    let targets = state.warm.targets(state, &scope, Some(year)).await?;
    Ok((year, rep, targets.to_vec()))
}

/// GET /evaluation/report — the annual report, printable on A4 (zone users).
pub async fn report_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<EvalQuery>,
) -> Result<Response, PageError> {
    let park = crate::pages::park_param(&state.zone, q.park.as_deref())
        .map_err(|m| PageError::bad_request(&m))?;
    let (year, rep, targets) = report_inputs(&state, &user, q.year).await?;
    let page = Page::new(
        &format!("{year}年度园区综合发展能力评价报告"),
        &user,
        "/evaluation",
    );
    let v = view(&state, &user, &rep, park.as_ref().map(|p| p.as_str()));
    Ok(render::page(
        "report.html",
        &page,
        context! { targets => render::ser(targets_view(&state, &targets)), ..v },
    ))
}

/// GET /evaluation/report.xlsx — the annual report as a workbook (zone users).
pub async fn report_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<EvalQuery>,
) -> Result<Response, PageError> {
    crate::pages::park_param(&state.zone, q.park.as_deref())
        .map_err(|m| PageError::bad_request(&m))?;
    let (year, rep, targets) = report_inputs(&state, &user, q.year).await?;
    let bytes =
        indicators::report_xlsx(&state.zone, &rep, &targets).map_err(PageError::internal)?;
    Ok(crate::export::xlsx_download(
        &state,
        &user,
        bytes,
        &format!("园区评价报告-{year}.xlsx"),
    ))
}

#[derive(Serialize)]
struct TargetRowView {
    t: TargetView,
    comparator: &'static str,
    status: Option<&'static str>,
    status_key: Option<String>,
    /// Progress bar width 0–100.
    bar: Option<f64>,
    contributions: Vec<(String, Option<f64>, f64)>,
}

fn targets_view(state: &AppState, ts: &[TargetView]) -> Vec<TargetRowView> {
    ts.iter()
        .map(|t| TargetRowView {
            comparator: match t.comparator.as_str() {
                ">=" => "≥",
                ">" => ">",
                "<=" => "≤",
                "<" => "<",
                _ => "≈",
            },
            status: Some(indicators::status_zh(&t.status)),
            status_key: Some(t.status.clone()),
            bar: t.shown_progress.map(|p| p * 100.0),
            contributions: t
                .contributions
                .iter()
                .map(|c| (park_name(state, &c.park), c.share, c.current))
                .collect(),
            t: t.clone(),
        })
        .collect()
}

/// GET /targets — target monitoring in the caller's scope.
pub async fn targets_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<EvalQuery>,
) -> Result<Response, PageError> {
    // `?park=P`: that park's targets (within the caller's scope; an unknown park is a 400)
    let scope = match crate::pages::park_param(&state.zone, q.park.as_deref())
        .map_err(|m| PageError::bad_request(&m))?
    {
        Some(p) => crate::pages::park_scope(&state, &user, &p).ok_or_else(PageError::not_found)?,
        None => user.scope(),
    };
    let ts = state.warm.targets(&state, &scope, q.year).await?;
    let page = Page::new("目标监测", &user, "/targets");
    let scope_name = match &scope {
        Scope::Park(p) => park_name(&state, p.as_str()),
        _ => state.zone.name.clone(),
    };
    Ok(render::page(
        "targets.html",
        &page,
        context! {
            scope_name => scope_name,
            park_scope => matches!(scope, Scope::Park(_)),
            rows => render::ser(targets_view(&state, &ts)),
        },
    ))
}
