//! HTML pages: the zone dashboard, a park's page, the enterprise list and one enterprise.
//! Thin handlers: parse the request, read through the store with the user's scope, render.
use crate::AppState;
use crate::auth::CurrentUser;
use crate::dashboard::Dashboard;
use crate::error::{ApiError, PageError};
use crate::export::{Cell, Format, Table};
use crate::render::{self, Page};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use gaoxin_model::facts::format_value;
use gaoxin_model::{F, FIELDS, Facts, Kind, Listing, Uscc, Year};
use gaoxin_store::{EnterpriseFilter, EnterpriseRow, PageRequest, Role, Scope, Sort};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

pub const PAGE_SIZE: u64 = 50;

/// GET /healthz
pub async fn healthz() -> &'static str {
    "ok"
}

/// GET /readyz — 200 once the warm-up at start is done ([`crate::warm::Warm::ready`]), 503
/// before: what a load balancer or a restart script waits for (`/healthz` answers as soon as the
/// server accepts connections).
pub async fn readyz(State(state): State<AppState>) -> Response {
    if state.warm.ready() {
        "ready".into_response()
    } else {
        (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            [(axum::http::header::RETRY_AFTER, "1")],
            "正在预热：驾驶舱、目标、政策页与导出的结果正在计算",
        )
            .into_response()
    }
}

/// Fallback: 404 (JSON under /api/).
pub async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError::not_found().into_response()
    } else {
        PageError::not_found().into_response()
    }
}

/// The scope of a park's page for this user, or `None` (→ 404) when the park does not exist or
/// is outside the user's scope.
pub fn park_scope(state: &AppState, user: &CurrentUser, park: impl AsRef<str>) -> Option<Scope> {
    let park = park.as_ref();
    let p = state.zone.parks.iter().find(|p| p.id == park)?;
    match user.scope() {
        Scope::Zone => Some(Scope::Park(p.id.clone())),
        Scope::Park(own) if own == p.id => Some(Scope::Park(own)),
        _ => None,
    }
}

/// One park's dashboard and the park's name, if `user` may see the park (else `None`: the
/// caller's 404). The park pages, their table exports and the API's park summary read it.
pub async fn park_dashboard(
    state: &AppState,
    user: &CurrentUser,
    park: &str,
) -> Result<Option<(std::sync::Arc<crate::dashboard::Entry>, String)>, gaoxin_store::Error> {
    let Some(scope) = park_scope(state, user, park) else {
        return Ok(None);
    };
    let e = state
        .dashboards
        .get(&state.store, &state.zone, &scope)
        .await?;
    let name = state
        .zone
        .park(park)
        .map(|p| p.name.clone())
        .unwrap_or_default();
    Ok(Some((e, name)))
}

/// The one reading of a `park` query parameter (enterprise list and its export, the API, 梯度培育
/// and 政策 pages and exports, 评价): empty or absent means every park in the caller's scope;
/// otherwise it must name a park of the zone (by id or name; the id is returned). Anything else is
/// an error with a Chinese message for a 400 answer — never silently the whole zone.
pub fn park_param(
    zone: &gaoxin_model::Zone,
    raw: Option<&str>,
) -> Result<Option<gaoxin_model::ParkId>, String> {
    let raw = raw.map(str::trim).unwrap_or("");
    if raw.is_empty() {
        return Ok(None);
    }
    match zone.park(raw) {
        Some(p) => Ok(Some(p.id.clone())),
        None => Err(format!(
            "参数 park 的值「{}」不是本区的园区。可用的园区编号：{}",
            raw.chars().take(64).collect::<String>(),
            zone.parks
                .iter()
                .map(|p| p.id.as_str())
                .collect::<Vec<_>>()
                .join("、")
        )),
    }
}

/// One page of the enterprise list (`size` rows, page numbers from 1). A page beyond the last
/// (however large the number) shows the last page; the answer says which page that is.
#[derive(Clone)]
pub struct ListPage {
    pub rows: Vec<EnterpriseRow>,
    pub total: u64,
    pub page_no: u64,
    pub pages: u64,
}

pub async fn list_page(
    state: &AppState,
    scope: &Scope,
    filter: &EnterpriseFilter,
    sort: Sort,
    page_no: u64,
    size: u64,
) -> Result<ListPage, gaoxin_store::Error> {
    let size = size.max(1);
    let page_no = page_no.max(1);
    // kept until the next import (crate::warm)
    let key = format!("{scope:?}|{filter:?}|{sort:?}|{page_no}|{size}");
    if let Some(p) = state.warm.list(&key) {
        return Ok(p);
    }
    let generation = state.warm.generation();
    let fetch = |offset: u64| {
        state.store.enterprises(
            scope,
            filter,
            PageRequest {
                offset,
                limit: Some(size),
                sort,
            },
        )
    };
    // An offset that does not fit the database's 64-bit integers is beyond any list.
    let asked = (page_no - 1)
        .checked_mul(size)
        .filter(|o| i64::try_from(*o).is_ok());
    let (mut rows, total) = fetch(asked.unwrap_or(0)).await?;
    let pages = total.div_ceil(size).max(1);
    let shown = page_no.min(pages);
    let offset = (shown - 1) * size;
    if asked != Some(offset) {
        rows = fetch(offset).await?.0;
    }
    let page = ListPage {
        rows,
        total,
        page_no: shown,
        pages,
    };
    state.warm.keep_list(key, generation, &page);
    Ok(page)
}

fn dashboard_context(state: &AppState, d: &Dashboard, park: Option<&str>) -> Value {
    let park_view = park.and_then(|id| state.zone.park(id)).map(|p| {
        context! { id => p.id.as_str(), name => p.name.as_str(), location => p.location.as_str(), national => p.national }
    });
    let export_base = match park {
        Some(p) => format!("/parks/{p}/export"),
        None => "/export".into(),
    };
    let zone_targets: Vec<_> = d
        .targets
        .iter()
        .filter(|t| t.table == "zone-2025")
        .collect();
    let city_targets: Vec<_> = d
        .targets
        .iter()
        .filter(|t| t.table != "zone-2025")
        .collect();
    let charts = serde_json::json!({
        "parks": d.parks.iter().map(|c| (c.name.clone(), c.firms)).collect::<Vec<_>>(),
        "clusters": d.clusters.iter().map(|c| (c.name.clone(), c.firms)).collect::<Vec<_>>(),
        "tracks": d.tracks.iter().map(|c| (c.name.clone(), c.firms)).collect::<Vec<_>>(),
        "years": d.years.iter().map(|y| serde_json::json!([y.year, y.revenue_yi, y.rd_expense_yi, y.rd_intensity_pct])).collect::<Vec<_>>(),
    });
    context! {
        d => render::ser(d),
        park => park_view,
        export_base => export_base,
        zone_name => state.zone.name.as_str(),
        zone_targets => render::ser(&zone_targets),
        city_targets => render::ser(&city_targets),
        charts => render::ser(&charts),
    }
}

/// A handler's `park` query parameter alone (the dashboards take the park in the path; a
/// `park` in the query selects that path, see [`dashboard`]).
#[derive(Deserialize, Default)]
pub struct ParkQuery {
    pub park: Option<String>,
}

/// GET / — the zone dashboard (park administrators and enterprise users go to their own page);
/// `?park=P` goes to that park's page (an unknown park is a 400).
pub async fn dashboard(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(pq): Query<ParkQuery>,
) -> Result<Response, PageError> {
    if let Some(p) =
        park_param(&state.zone, pq.park.as_deref()).map_err(|m| PageError::bad_request(&m))?
    {
        return Ok(Redirect::to(&format!("/parks/{p}")).into_response());
    }
    match &user.role {
        Role::ParkAdmin(p) => return Ok(Redirect::to(&format!("/parks/{p}")).into_response()),
        Role::Enterprise(u) => {
            return Ok(Redirect::to(&format!("/enterprises/{}", u.as_str())).into_response());
        }
        Role::Department(_) => return Ok(Redirect::to("/appeals").into_response()),
        Role::University(_) => return Ok(Redirect::to("/tech").into_response()),
        _ => {}
    }
    let e = state
        .dashboards
        .get(&state.store, &state.zone, &user.scope())
        .await?;
    let page = Page::new(&format!("{}总览", state.zone.name), &user, "/");
    Ok(render::page(
        "dashboard.html",
        &page,
        context! { updating => state.dashboards.updating(&e), ..dashboard_context(&state, &e.data, None) },
    ))
}

/// GET /parks/{park} — one park's dashboard with its clusters and tracks.
pub async fn park(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(park): Path<String>,
) -> Result<Response, PageError> {
    let (e, name) = park_dashboard(&state, &user, &park)
        .await?
        .ok_or_else(PageError::not_found)?;
    let page = Page::new(&name, &user, &format!("/parks/{park}"));
    Ok(render::page(
        "dashboard.html",
        &page,
        context! { updating => state.dashboards.updating(&e), ..dashboard_context(&state, &e.data, Some(&park)) },
    ))
}

#[derive(Deserialize, Default)]
pub struct FormatQuery {
    format: Option<String>,
}

/// One dashboard table as a download.
fn dashboard_table(d: &Dashboard, table: &str, prefix: &str) -> Option<Table> {
    let counts = |title: &str, v: &[crate::dashboard::Count]| Table {
        name: format!("{prefix}{title}"),
        headers: vec!["编号".into(), "名称".into(), "企业数".into()],
        rows: v
            .iter()
            .map(|c| vec![c.id.as_str().into(), c.name.as_str().into(), c.firms.into()])
            .collect(),
    };
    Some(match table {
        "parks" => counts("各园区企业数", &d.parks),
        "clusters" => counts("各集群企业数", &d.clusters),
        "tracks" => counts("各赛道企业数", &d.tracks),
        "years" => Table {
            name: format!("{prefix}历年营收与研发"),
            headers: [
                "年份",
                "有数据企业数",
                "营业收入（亿元）",
                "研发费用（亿元）",
                "研发强度（%）",
                "从业人员（人）",
            ]
            .map(String::from)
            .to_vec(),
            rows: d
                .years
                .iter()
                .map(|y| {
                    vec![
                        i64::from(y.year.get()).into(),
                        y.firms.into(),
                        Cell::yi2(y.revenue),
                        Cell::yi2(y.rd_expense),
                        y.rd_intensity_pct.into(),
                        y.employees.into(),
                    ]
                })
                .collect(),
        },
        "targets" => Table {
            name: format!("{prefix}目标与现状"),
            headers: [
                "指标",
                "口径",
                "单位",
                "比较",
                "目标值",
                "目标年份",
                "基期值",
                "基期年份",
                "当前值",
                "当前年份",
                "是否达到",
                "所需数据",
            ]
            .map(String::from)
            .to_vec(),
            rows: d
                .targets
                .iter()
                .map(|t| {
                    vec![
                        t.name.as_str().into(),
                        if t.table == "zone-2025" {
                            "高新区2025年目标"
                        } else {
                            "全市“十四五”指标"
                        }
                        .into(),
                        t.unit.as_str().into(),
                        t.comparator.into(),
                        t.target.into(),
                        (t.target_year as i64).into(),
                        t.baseline.into(),
                        t.baseline_year.map(i64::from).into(),
                        t.current.into(),
                        t.current_year.map(i64::from).into(),
                        t.met.map(|m| if m { "是" } else { "否" }).into(),
                        t.needs.clone().into(),
                    ]
                })
                .collect(),
        },
        _ => return None,
    })
}

/// GET /export/{table} — a table of the user's dashboard (zone, or the user's own scope);
/// `?park=P` is that park's table, as /parks/P/export/{table} (an unknown park is a 400).
pub async fn dashboard_export(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(table): Path<String>,
    Query(q): Query<FormatQuery>,
    Query(pq): Query<ParkQuery>,
) -> Result<Response, PageError> {
    let park =
        park_param(&state.zone, pq.park.as_deref()).map_err(|m| PageError::bad_request(&m))?;
    if let Some(p) = park {
        return park_export(State(state), user, Path((p.to_string(), table)), Query(q)).await;
    }
    let e = state
        .dashboards
        .get(&state.store, &state.zone, &user.scope())
        .await?;
    let t = dashboard_table(&e.data, &table, "").ok_or_else(PageError::not_found)?;
    Ok(t.respond_for(Format::parse(q.format.as_deref()), &state, &user))
}

/// GET /parks/{park}/export/{table}
pub async fn park_export(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((park, table)): Path<(String, String)>,
    Query(q): Query<FormatQuery>,
) -> Result<Response, PageError> {
    let (e, name) = park_dashboard(&state, &user, &park)
        .await?
        .ok_or_else(PageError::not_found)?;
    let t =
        dashboard_table(&e.data, &table, &format!("{name}-")).ok_or_else(PageError::not_found)?;
    Ok(t.respond_for(Format::parse(q.format.as_deref()), &state, &user))
}

// ---------------------------------------------------------------- enterprise list

/// The list's query string (also the API's). Empty values mean "any".
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub park: String,
    #[serde(default)]
    pub industry: String,
    #[serde(default)]
    pub cluster: String,
    #[serde(default)]
    pub track: String,
    #[serde(default)]
    pub listing: String,
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub page: String,
    /// Rows per page: one of [`PAGE_SIZES`] (else the default [`PAGE_SIZE`]).
    #[serde(default)]
    pub size: String,
    #[serde(default)]
    pub format: String,
}

/// The page sizes a list offers.
pub const PAGE_SIZES: [u64; 4] = [20, 50, 100, 200];

impl ListQuery {
    /// The store filter. An unknown park (see [`park_param`]), listing status or a year that is
    /// not a number is an error (Chinese message), never a silently wider list.
    pub fn filter(&self, zone: &gaoxin_model::Zone) -> Result<EnterpriseFilter, String> {
        let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let listing = match opt(&self.listing) {
            None => None,
            Some(l) => Some(Listing::parse(&l).ok_or_else(|| {
                format!(
                    "参数 listing 的值「{}」不是上市状态。可选：{}",
                    l.chars().take(32).collect::<String>(),
                    Listing::ALL.map(|l| l.key()).join("、")
                )
            })?),
        };
        let year = match opt(&self.year) {
            None => None,
            Some(y) => Some(Year::parse(&y).map_err(|e| format!("参数 year 的值{e}"))?),
        };
        Ok(EnterpriseFilter {
            q: self.q.trim().to_string(),
            park: park_param(zone, Some(&self.park))?,
            industry: opt(&self.industry),
            cluster: opt(&self.cluster),
            track: opt(&self.track),
            listing,
            year,
        })
    }
    /// The page asked for, from 1; a number too large for any list asks for the last page.
    pub fn page_no(&self) -> u64 {
        let p = self.page.trim();
        match p.parse::<u64>() {
            Ok(n) => n.max(1),
            Err(_) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => u64::MAX,
            Err(_) => 1,
        }
    }
    /// Rows per page: the asked size if the list offers it, else [`PAGE_SIZE`].
    pub fn page_size(&self) -> u64 {
        self.size
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| PAGE_SIZES.contains(n))
            .unwrap_or(PAGE_SIZE)
    }
    pub fn sort(&self) -> Sort {
        Sort::parse(self.sort.trim())
    }
    /// The query string with `page` (and `format`) replaced, for links.
    pub fn query_string(&self, page: Option<u64>, sort: Option<&str>) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", self.q.as_str()),
            ("park", &self.park),
            ("industry", &self.industry),
            ("cluster", &self.cluster),
            ("track", &self.track),
            ("listing", &self.listing),
            ("year", &self.year),
            ("sort", sort.unwrap_or(&self.sort)),
        ] {
            if !v.trim().is_empty() {
                s.append_pair(k, v.trim());
            }
        }
        if self.page_size() != PAGE_SIZE {
            s.append_pair("size", &self.page_size().to_string());
        }
        if let Some(p) = page.filter(|p| *p > 1) {
            s.append_pair("page", &p.to_string());
        }
        s.finish()
    }
}

#[derive(Serialize)]
struct RowView {
    uscc: String,
    name: String,
    park: String,
    /// The code with its name (「C3911 计算机整机制造」).
    industry: String,
    industry_code: String,
    listing: &'static str,
    clusters: String,
    tracks: String,
    year: Option<Year>,
    revenue: Option<i64>,
    rd_expense: Option<i64>,
    employees: Option<i64>,
    synthetic: bool,
}

fn names(ids: &[String], f: impl Fn(&str) -> Option<String>) -> String {
    ids.iter()
        .map(|i| f(i).unwrap_or_else(|| i.clone()))
        .collect::<Vec<_>>()
        .join("、")
}

fn row_view(state: &AppState, r: &EnterpriseRow) -> RowView {
    let e = &r.enterprise;
    let z = &state.zone;
    RowView {
        uscc: e.uscc.as_str().into(),
        name: e.name.clone(),
        park: z
            .park(&e.park)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| e.park.to_string()),
        industry: e.industry.label(),
        industry_code: e.industry.as_str().into(),
        listing: e.listing.zh(),
        clusters: names(&e.clusters, |c| z.cluster(c).map(|x| x.name.clone())),
        tracks: names(&e.tracks, |t| z.track(t).map(|x| x.name.clone())),
        year: r.year,
        revenue: r.revenue,
        rd_expense: r.rd_expense,
        employees: r.employees,
        synthetic: e.synthetic,
    }
}

/// GET /enterprises — search, filters, sorting, pagination; htmx requests get the results only.
pub async fn enterprises(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let scope = user.scope();
    let filter = q
        .filter(&state.zone)
        .map_err(|m| PageError::bad_request(&m))?;
    let ListPage {
        rows,
        total,
        page_no,
        pages,
    } = list_page(
        &state,
        &scope,
        &filter,
        q.sort(),
        q.page_no(),
        q.page_size(),
    )
    .await?;
    let rows: Vec<RowView> = rows.iter().map(|r| row_view(&state, r)).collect();
    let sorts = [("name", "名称"), ("revenue", "营业收入"), ("rd", "研发费用"), ("employees", "从业人员"), ("founded", "成立时间")]
        .iter()
        .map(|(k, l)| context! { key => *k, label => *l, href => format!("/enterprises?{}", q.query_string(None, Some(k))), active => q.sort().key() == *k })
        .collect::<Vec<_>>();
    let results = context! {
        rows => render::ser(&rows),
        total => total,
        page_no => page_no,
        pages => pages,
        prev => (page_no > 1).then(|| format!("/enterprises?{}", q.query_string(Some(page_no - 1), None))),
        next => (page_no < pages).then(|| format!("/enterprises?{}", q.query_string(Some(page_no + 1), None))),
        export => q.query_string(None, None),
        // page jump and page size: the other filters as hidden fields of the pager's form
        keep => form_urlencoded::parse(q.query_string(None, None).as_bytes())
            .filter(|(k, _)| k != "size")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect::<Vec<_>>(),
        size => q.page_size(),
        sizes => PAGE_SIZES,
        sorts => sorts,
        filtered => !q.query_string(None, Some("")).is_empty(),
    };
    let is_htmx = headers.contains_key("hx-request") && !headers.contains_key("hx-boosted");
    if is_htmx {
        return Ok(render::fragment("enterprise_rows.html", results));
    }
    let parks: Vec<_> = state
        .zone
        .parks
        .iter()
        .filter(|p| match &scope {
            Scope::Zone => true,
            Scope::Park(own) => *own == p.id,
            Scope::Enterprise(_) | Scope::Department(_) => false,
        })
        .map(|p| context! { id => p.id.as_str(), name => p.name.as_str() })
        .collect();
    // The years of the filter come from the cached dashboard (no scan of the panel per page view).
    let dash = state
        .dashboards
        .get(&state.store, &state.zone, &scope)
        .await?;
    let years: Vec<i32> = dash.data.years.iter().map(|y| y.year.get()).collect();
    // 行业门类: the sections the firms in scope have, named by the GB/T 4754 data file
    let industries: Vec<_> = state
        .warm
        .industry_sections(&state.store, &scope)
        .await?
        .into_iter()
        .map(|k| {
            let name = gaoxin_model::industry::industry_name(&k).unwrap_or("（未列入分类）");
            context! { id => k, name => name }
        })
        .collect();
    let page = Page::new("企业名录", &user, "/enterprises");
    Ok(render::page(
        "enterprises.html",
        &page,
        context! {
            q => render::ser(&q),
            parks => parks,
            clusters => state.zone.clusters.iter().map(|c| context!{ id => c.id.as_str(), name => c.name.as_str() }).collect::<Vec<_>>(),
            tracks => state.zone.tracks.iter().map(|c| context!{ id => c.id.as_str(), name => c.name.as_str() }).collect::<Vec<_>>(),
            listings => Listing::ALL.iter().map(|l| context!{ id => l.key(), name => l.zh() }).collect::<Vec<_>>(),
            industries => industries,
            years => years,
            ..results
        },
    ))
}

/// GET /enterprises/export — exactly the rows the list shows for these filters (all pages).
pub async fn enterprises_export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let filter = q
        .filter(&state.zone)
        .map_err(|m| PageError::bad_request(&m))?;
    let (rows, _) = state
        .store
        .enterprises(
            &user.scope(),
            &filter,
            PageRequest {
                offset: 0,
                limit: None,
                sort: q.sort(),
            },
        )
        .await?;
    let headers = [
        "统一社会信用代码",
        "企业名称",
        "园区",
        "行业代码",
        "行业名称",
        "上市状态",
        "创新型产业集群",
        "新赛道",
        "数据年份",
        "营业收入（万元）",
        "研发费用（万元）",
        "从业人员（人）",
    ];
    let table = Table {
        name: "企业名录".into(),
        headers: headers.map(String::from).to_vec(),
        rows: rows
            .iter()
            .map(|r| {
                let v = row_view(&state, r);
                vec![
                    v.uscc.into(),
                    v.name.into(),
                    v.park.into(),
                    v.industry_code.clone().into(),
                    gaoxin_model::industry::industry_description(&v.industry_code)
                        .unwrap_or_default()
                        .into(),
                    v.listing.into(),
                    v.clusters.into(),
                    v.tracks.into(),
                    v.year.map(|y| i64::from(y.get())).into(),
                    Cell::wan(v.revenue),
                    Cell::wan(v.rd_expense),
                    v.employees.into(),
                ]
            })
            .collect(),
    };
    Ok(table.respond_for(Format::parse(Some(q.format.as_str())), &state, &user))
}

// ---------------------------------------------------------------- one enterprise

#[derive(Serialize)]
struct CellView {
    text: String,
    prov: &'static str,
    prov_zh: String,
}

#[derive(Serialize)]
struct FieldView {
    key: &'static str,
    zh: &'static str,
    help: &'static str,
    cells: Vec<CellView>,
}

/// A value for the facts table: money in 万元 (the header says so), the rest as the template writes it.
fn cell_text(kind: Kind, v: i64) -> String {
    match kind {
        Kind::Money { .. } | Kind::Usd => render::fmt_wan(v),
        Kind::Count => render::group(&v.to_string()),
        Kind::Date => gaoxin_model::Date::from_int(v)
            .map(render::fmt_date)
            .unwrap_or_else(|| v.to_string()),
        _ => format_value(kind, v),
    }
}

fn facts_views(facts: &[Facts]) -> Vec<FieldView> {
    FIELDS
        .iter()
        .enumerate()
        .map(|(i, def)| FieldView {
            key: def.key,
            zh: def.zh,
            help: def.help,
            cells: facts
                .iter()
                .map(|f| {
                    let p = &f.provenance[i];
                    CellView {
                        text: f.values[i]
                            .map(|v| cell_text(def.kind, v))
                            .unwrap_or_else(|| "—".into()),
                        prov: p.kind(),
                        prov_zh: p.zh(),
                    }
                })
                .collect(),
        })
        .collect()
}

/// The firm named in a URL, if the user's scope allows it — otherwise the same 404 as a firm
/// that does not exist (or a malformed code), so a page never reveals another park's firms.
pub(crate) async fn scoped_enterprise(
    state: &AppState,
    scope: &Scope,
    code: &str,
) -> Result<(Uscc, gaoxin_model::Enterprise), PageError> {
    let uscc = Uscc::parse(code).map_err(|_| PageError::not_found())?;
    let e = state
        .store
        .enterprise(scope, &uscc)
        .await?
        .ok_or_else(PageError::not_found)?;
    Ok((uscc, e))
}

/// GET /enterprises/{uscc} — identity, yearly facts with provenance, charts.
pub async fn enterprise(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let scope = user.scope();
    let (uscc, e) = scoped_enterprise(&state, &scope, &code).await?;
    let facts = state.store.facts_of(&scope, &uscc).await?;
    let z = &state.zone;
    // chart data: numbers for ECharts (万元, 2 decimals), not text shown as such
    let wan = |f: &Facts, k: F| f.get(k).map(|v| (v as f64 / 1e4).round() / 100.0);
    let chart = serde_json::json!({
        "years": facts.iter().map(|f| f.year.get()).collect::<Vec<_>>(),
        "revenue": facts.iter().map(|f| wan(f, F::Revenue)).collect::<Vec<_>>(),
        "rd_expense": facts.iter().map(|f| wan(f, F::RdExpense)).collect::<Vec<_>>(),
        "employees": facts.iter().map(|f| f.get(F::Employees)).collect::<Vec<_>>(),
        "rd_staff": facts.iter().map(|f| f.get(F::RdStaff)).collect::<Vec<_>>(),
    });
    let page = Page::new(&e.name, &user, &format!("/enterprises/{}", e.uscc.as_str()));
    Ok(render::page(
        "enterprise.html",
        &page,
        context! {
            e => context! {
                uscc => e.uscc.as_str(),
                name => e.name,
                park_id => e.park.as_str(),
                park => z.park(&e.park).map(|p| p.name.clone()).unwrap_or_else(|| e.park.to_string()),
                founded => render::fmt_date(e.founded),
                industry => e.industry.label(),
                sector => e.sector.zh(),
                tech_field => e.tech_field,
                listing => e.listing.zh(),
                clusters => names(&e.clusters, |c| z.cluster(c).map(|x| x.name.clone())),
                tracks => names(&e.tracks, |t| z.track(t).map(|x| x.name.clone())),
                synthetic => e.synthetic,
            },
            may_see_park => park_scope(&state, &user, &e.park).is_some(),
            years => facts.iter().map(|f| f.year.get()).collect::<Vec<_>>(),
            fields => render::ser(facts_views(&facts)),
            chart => render::ser(&chart),
        },
    ))
}

/// GET /enterprises/{uscc}/export — the firm's facts, one row per year.
pub async fn enterprise_export(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Query(q): Query<FormatQuery>,
) -> Result<Response, PageError> {
    let scope = user.scope();
    let (uscc, e) = scoped_enterprise(&state, &scope, &code).await?;
    let facts = state.store.facts_of(&scope, &uscc).await?;
    let mut headers = vec!["年份".to_string()];
    for d in FIELDS {
        headers.push(d.zh.to_string());
        headers.push(format!("{}·来源", d.zh.split('（').next().unwrap_or(d.zh)));
    }
    let rows = facts
        .iter()
        .map(|f| {
            let mut r: Vec<Cell> = vec![(f.year.get() as i64).into()];
            for (i, d) in FIELDS.iter().enumerate() {
                r.push(f.values[i].map(|v| format_value(d.kind, v)).into());
                r.push(f.provenance[i].zh().into());
            }
            r
        })
        .collect();
    let t = Table {
        name: format!("{}-{}", e.name, e.uscc.as_str()),
        headers,
        rows,
    };
    Ok(t.respond_for(Format::parse(q.format.as_deref()), &state, &user))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The list offers a page size; links keep it, an unknown size is the default.
    #[test]
    fn page_size_is_offered_and_kept() {
        let q = ListQuery {
            size: "100".into(),
            park: "jiangbei".into(),
            ..ListQuery::default()
        };
        assert_eq!(q.page_size(), 100);
        assert_eq!(
            q.query_string(Some(3), None),
            "park=jiangbei&size=100&page=3"
        );
        let q = ListQuery {
            size: "7".into(),
            ..ListQuery::default()
        };
        assert_eq!(q.page_size(), PAGE_SIZE);
        assert_eq!(q.query_string(Some(2), None), "page=2");
    }
}
