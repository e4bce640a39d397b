//! The ecosystem graph as the platform runs it: one year of the store read (zone scope, then
//! narrowed for the viewer by [`build`](super::build) before anything leaves this module), and
//! the view the page, the exports and `gaoxin ecosystem` share.
use super::*;
use crate::clusters;
use gaoxin_model::{Year, Zone, present};
use gaoxin_store::{Scope, Store};
use std::sync::Arc;

/// Reads `year` (zone scope: the graph is narrowed for the viewer in [`build`]). Link records are
/// those of the year; investments and registered contracts those dated up to the year's end —
/// for the panel's latest year (`latest`) every one recorded, later dates included (the
/// portfolio as it stands).
pub async fn load(
    store: &Store,
    zone: &Zone,
    year: i32,
    latest: bool,
) -> Result<EcoInput, EvalError> {
    let files = clusters::load_files(zone)?;
    let mut inp = EcoInput {
        year,
        parks: zone
            .parks
            .iter()
            .map(|p| (p.id.to_string(), p.name.clone()))
            .collect(),
        clusters: files
            .defs
            .iter()
            .map(|d| (d.id.clone(), d.name.clone()))
            .collect(),
        tracks: zone
            .tracks
            .iter()
            .map(|t| (t.id.clone(), t.name.clone()))
            .collect(),
        ..Default::default()
    };
    for r in store.ecosystem_firms(&Scope::Zone, year).await? {
        let clusters = files
            .defs
            .iter()
            .filter(|d| {
                d.in_force(year)
                    && d.parks.contains(&r.park)
                    && (d.matches_code(&r.industry)
                        || r.clusters.iter().any(|t| d.tags.contains(t)))
            })
            .map(|d| d.id.clone())
            .collect();
        inp.firms.push(FirmIn {
            tier: Tier::of(
                r.unicorn_listed,
                r.gazelle_listed,
                r.hightech_cert_date,
                r.techsme_registered,
                year,
            ),
            uscc: r.uscc,
            name: r.name,
            park: r.park,
            clusters,
            tracks: r.tracks,
        });
    }
    inp.rdis = store
        .rd_institutions(&Scope::Zone)
        .await?
        .into_iter()
        .filter(|i| i.founded.is_none_or(|f| f <= i64::from(year)))
        .map(|i| RdiIn {
            id: i.id,
            name: i.name,
            park: i.park,
        })
        .collect();
    for i in store.rd_incubations(&Scope::Zone, None).await? {
        inp.ties.push(TieIn::Incubation {
            rdi: i.institution_id,
            uscc: i.uscc,
        });
    }
    inp.funds = store
        .funds()
        .await?
        .into_iter()
        .map(|f| FundIn {
            id: f.id,
            name: f.name,
            track: f.track,
        })
        .collect();
    let until = if latest {
        i64::MAX
    } else {
        i64::from(year) * 10_000 + 1231
    };
    for i in store.investments(&Scope::Zone, None).await? {
        if i.invested_on <= until {
            inp.ties.push(TieIn::Investment {
                fund: i.fund_id,
                uscc: i.uscc,
                amount_fen: i.amount_fen,
            });
        }
    }
    for l in store.links(&Scope::Zone, Some(year)).await? {
        let Some(kind) = EdgeKind::from_link(&l.kind) else {
            continue;
        };
        let party = |id: String, firm: bool| {
            if firm {
                Party::Firm(id)
            } else {
                Party::Institute(id)
            }
        };
        inp.ties.push(TieIn::Link {
            from: party(l.from, l.from_firm),
            to: party(l.to, l.to_firm),
            kind,
        });
    }
    for c in store.ecosystem_contracts(&Scope::Zone).await? {
        if c.registered_on <= until && !c.unit.trim().is_empty() {
            inp.ties.push(TieIn::Contract {
                unit: c.unit,
                uscc: c.uscc,
                amount_fen: c.amount_fen,
            });
        }
    }
    Ok(inp)
}

/// Loaded years kept for [`CACHE_TTL`] per database, year and data version
/// (`Store::data_version`: imports, runs, a demo load, any audited change), so that filtering the page or exporting does not reload
/// the zone; dropped by [`invalidate_cache`] (imports of links, institutions, funds and data).
static CACHE: std::sync::LazyLock<std::sync::Mutex<Vec<Cached>>> =
    std::sync::LazyLock::new(Default::default);

type Cached = (CacheKey, std::time::Instant, Arc<EcoInput>);

type CacheKey = (String, i32, bool, String);

/// How long a loaded year is reused (changes by another process show up after at most this).
pub const CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(60);
const CACHE_MAX: usize = 8;

/// Forgets every loaded year (after an import).
pub fn invalidate_cache() {
    CACHE.lock().expect("ecosystem cache").clear();
    YEARS.lock().expect("ecosystem years").clear();
    super::cache_mod::clear();
}

static YEARS: std::sync::LazyLock<std::sync::Mutex<Vec<CachedYears>>> =
    std::sync::LazyLock::new(Default::default);

type CachedYears = ((String, String), std::time::Instant, Vec<Year>);

/// The panel's years (a scan of the panel) through a cache like [`CACHE`]'s.
async fn cached_years(store: &Store) -> Result<Vec<Year>, EvalError> {
    let key = (store.url().to_string(), store.data_version().await?);
    {
        let mut c = YEARS.lock().expect("ecosystem years");
        c.retain(|(_, at, _)| at.elapsed() < CACHE_TTL);
        if let Some((_, _, v)) = c.iter().find(|(k, _, _)| *k == key) {
            return Ok(v.clone());
        }
    }
    let v = store.years(&Scope::Zone).await?;
    let mut c = YEARS.lock().expect("ecosystem years");
    if c.len() >= CACHE_MAX {
        c.remove(0);
    }
    c.push((key, std::time::Instant::now(), v.clone()));
    Ok(v)
}

/// [`load`] through the cache.
pub async fn cached_load(
    store: &Store,
    zone: &Zone,
    year: i32,
    latest: bool,
) -> Result<Arc<EcoInput>, EvalError> {
    let version = store.data_version().await?;
    let key: CacheKey = (store.url().to_string(), year, latest, version);
    {
        let mut c = CACHE.lock().expect("ecosystem cache");
        c.retain(|(_, at, _)| at.elapsed() < CACHE_TTL);
        if let Some((_, _, v)) = c.iter().find(|(k, _, _)| *k == key) {
            return Ok(v.clone());
        }
    }
    let v = Arc::new(load(store, zone, year, latest).await?);
    let mut c = CACHE.lock().expect("ecosystem cache");
    if c.len() >= CACHE_MAX {
        c.remove(0);
    }
    c.push((key, std::time::Instant::now(), v.clone()));
    Ok(v)
}

/// The viewer a scope stands for (`None`: firms and departments do not see the graph).
pub fn viewer_of(scope: &Scope) -> Option<Viewer> {
    match scope {
        Scope::Zone => Some(Viewer::Zone),
        Scope::Park(p) => Some(Viewer::Park(p.to_string())),
        Scope::Enterprise(_) | Scope::Department(_) => None,
    }
}

/// The filters as typed (ids of the zone file, node kinds by key); unknown values are errors
/// naming the field.
#[derive(Debug, Clone, Default)]
pub struct FilterText {
    pub park: String,
    pub track: String,
    pub cluster: String,
    /// Kind keys to hide (comma separated or repeated).
    pub hide: Vec<String>,
    pub year: Option<i32>,
}

/// A year's graph for a viewer: the input, the graph before grouping and its measures.
pub struct Built {
    pub input: Arc<EcoInput>,
    pub years: Vec<i32>,
    pub viewer: Viewer,
    pub filter: Filter,
    pub graph: Graph,
    pub measures: Measures,
    pub config: EcoConfig,
}

/// Loads and builds the graph `scope` sees under `f`; `Ok(None)` when the scope does not see the
/// graph or the store holds no year.
pub async fn built(
    store: &Store,
    zone: &Zone,
    scope: &Scope,
    f: &FilterText,
) -> Result<Option<Built>, EvalError> {
    let Some(viewer) = viewer_of(scope) else {
        return Ok(None);
    };
    let config = config()?;
    let asked = match f.year {
        Some(y) => Some(Year::new(y).map_err(|e| EvalError::NoData(format!("年份无效：{e}")))?),
        None => None,
    };
    let years = cached_years(store).await?;
    let year = match asked {
        Some(y) if years.contains(&y) => y,
        Some(y) => return Err(EvalError::NoData(format!("{}年没有企业数据", y.get()))),
        None => match years.last() {
            Some(y) => *y,
            None => return Ok(None),
        },
    };
    let latest = years.last() == Some(&year);
    let input = cached_load(store, zone, year.get(), latest).await?;
    let filter = parse_filter(&input, f)?;
    let graph = build(&input, &filter, &viewer);
    let measures = measures(&graph, &config.high());
    Ok(Some(Built {
        input,
        years: years.iter().map(|y| y.get()).collect(),
        viewer,
        filter,
        graph,
        measures,
        config,
    }))
}

/// A built graph with its page view, as kept by [`page`](super::page).
pub struct PageData {
    pub built: Built,
    pub view: EcoView,
    pub form: FormView,
}

fn parse_filter(inp: &EcoInput, f: &FilterText) -> Result<Filter, EvalError> {
    let pick =
        |v: &str, list: &[(String, String)], what: &str| -> Result<Option<String>, EvalError> {
            let v = v.trim();
            if v.is_empty() {
                return Ok(None);
            }
            list.iter()
                .find(|(id, name)| id == v || name == v)
                .map(|(id, _)| Some(id.clone()))
                .ok_or_else(|| EvalError::NoData(format!("{what}「{v}」不存在")))
        };
    let mut hidden = BTreeSet::new();
    for h in f
        .hide
        .iter()
        .flat_map(|h| h.split(','))
        .map(str::trim)
        .filter(|h| !h.is_empty())
    {
        match NodeKind::parse(h).filter(|k| NodeKind::OPTIONAL.contains(k)) {
            Some(k) => {
                hidden.insert(k);
            }
            None => return Err(EvalError::NoData(format!("节点类型「{h}」无效"))),
        }
    }
    Ok(Filter {
        park: pick(&f.park, &inp.parks, "园区")?,
        track: pick(&f.track, &inp.tracks, "新赛道")?,
        cluster: pick(&f.cluster, &inp.clusters, "产业集群")?,
        hidden,
    })
}

/// A node in a measure's table.
#[derive(Debug, Clone, Serialize)]
pub struct NodeRow {
    pub label: String,
    pub kind: &'static str,
    pub park: String,
    pub tier: &'static str,
    pub degree: u64,
    pub weighted: u64,
    pub cross_park: u64,
    pub betweenness: String,
    pub href: Option<String>,
}

/// The page's data.
#[derive(Debug, Clone, Serialize)]
pub struct EcoView {
    pub unit: String,
    pub year: i32,
    pub years: Vec<i32>,
    /// The drawn graph (grouped above the threshold).
    pub drawn: Graph,
    /// For each node of the built graph, the drawn node standing for it (itself or its group).
    #[serde(skip)]
    pub drawn_of: Vec<usize>,
    pub node_count: usize,
    pub edge_count: usize,
    pub drawn_nodes: usize,
    pub kinds: Vec<(&'static str, u64)>,
    pub note_aggregated: Option<String>,
    pub note_scope: Option<String>,
    pub by_degree: Vec<NodeRow>,
    pub by_cross_park: Vec<NodeRow>,
    pub by_betweenness: Vec<NodeRow>,
    pub park_pairs: Vec<(String, String, u64)>,
    pub isolated: Vec<NodeRow>,
    pub isolated_total: usize,
    pub components: usize,
    pub largest_component: u64,
    pub untied: u64,
    pub tie_edges: u64,
    pub cross_park_edges: u64,
    pub version: String,
    pub status: String,
    pub max_nodes: usize,
    pub high_tiers: Vec<&'static str>,
}

fn row(b: &Built, g: &Graph, m: &[NodeMeasure], bc: Option<&[f64]>, i: usize) -> NodeRow {
    let n = &g.nodes[i];
    NodeRow {
        label: n.label.clone(),
        kind: n.kind.zh(),
        park: n
            .park
            .as_deref()
            .map(|p| name_of(&b.input.parks, p).to_string())
            .unwrap_or_default(),
        tier: n.tier.map(Tier::zh).unwrap_or(""),
        degree: m[i].degree,
        weighted: m[i].weighted,
        cross_park: m[i].cross_park,
        betweenness: bc.map(|v| present::fixed(v[i], 1)).unwrap_or_default(),
        href: n.href.clone(),
    }
}

/// The page's view of `b`.
pub fn view(b: &Built) -> EcoView {
    let cfg = &b.config;
    let (mut drawn, drawn_of) = aggregate_mapped(&b.graph, &b.input, cfg);
    for i in 0..drawn.nodes.len() {
        if let Some(h) = super::search_mod::group_href(b, &drawn.nodes[i]) {
            drawn.nodes[i].href = Some(h);
        }
    }
    let dm = measures(&drawn, &cfg.high());
    let bc = betweenness(&drawn);
    let m = &b.measures;
    let top = |key: &dyn Fn(usize) -> u64| {
        let mut ix: Vec<usize> = (0..b.graph.nodes.len()).filter(|&i| key(i) > 0).collect();
        ix.sort_by(|&x, &y| {
            key(y)
                .cmp(&key(x))
                .then(b.graph.nodes[x].label.cmp(&b.graph.nodes[y].label))
        });
        ix.truncate(cfg.top);
        ix.into_iter()
            .map(|i| row(b, &b.graph, &m.nodes, None, i))
            .collect::<Vec<_>>()
    };
    let mut bix: Vec<usize> = (0..drawn.nodes.len()).filter(|&i| bc[i] > 0.0).collect();
    bix.sort_by(|&x, &y| {
        bc[y]
            .total_cmp(&bc[x])
            .then(drawn.nodes[x].label.cmp(&drawn.nodes[y].label))
    });
    bix.truncate(cfg.top);
    let park_name = |p: &str| name_of(&b.input.parks, p).to_string();
    let unit = match &b.viewer {
        Viewer::Zone => match &b.filter.park {
            Some(p) => park_name(p),
            None => "南京高新区".to_string(),
        },
        Viewer::Park(p) => park_name(p),
    };
    let kinds = kind_counts(&b.graph)
        .into_iter()
        .map(|(k, c)| (k.zh(), c))
        .collect();
    EcoView {
        unit,
        year: b.input.year,
        years: b.years.clone(),
        node_count: b.graph.nodes.len(),
        edge_count: b.graph.edges.len(),
        drawn_nodes: drawn.nodes.len(),
        kinds,
        note_aggregated: drawn.aggregated.then(|| {
            format!(
                "图中节点 {} 个，超过 {} 个的显示上限：企业按{}汇总为组（组内关联 {} 条不画出）。下方的度量按汇总前的 {} 个节点计算（中介中心度除外：按图中汇总后的节点计算）；导出的 CSV / GEXF 含全部节点。",
                b.graph.nodes.len(),
                cfg.max_nodes,
                match cfg.group_by {
                    GroupBy::ParkTier => "园区 × 层级",
                    GroupBy::Cluster => "产业集群",
                },
                drawn.internal_ties,
                b.graph.nodes.len()
            )
        }),
        note_scope: matches!(b.viewer, Viewer::Park(_)).then(|| {
            "园区视图：显示本园区企业及与其直接关联的主体；其他园区的企业不显示名称，按园区 × 层级汇总为「其他园区企业」组，它们之间的关联不显示。".to_string()
        }),
        by_degree: top(&|i| m.nodes[i].degree),
        by_cross_park: top(&|i| m.nodes[i].cross_park),
        by_betweenness: bix.into_iter().map(|i| row(b, &drawn, &dm.nodes, Some(&bc), i)).collect(),
        park_pairs: m
            .park_pairs
            .iter()
            .take(cfg.top)
            .map(|(a, z, c)| (park_name(a), park_name(z), *c))
            .collect(),
        isolated: m
            .isolated_high_tier
            .iter()
            .take(cfg.top * 5)
            .map(|&i| row(b, &b.graph, &m.nodes, None, i))
            .collect(),
        isolated_total: m.isolated_high_tier.len(),
        components: m.components.len(),
        largest_component: m.components.first().copied().unwrap_or(0),
        untied: m.untied,
        tie_edges: m.tie_edges,
        cross_park_edges: m.cross_park_edges,
        drawn,
        drawn_of,
        version: cfg.version.clone(),
        status: cfg.status.clone(),
        max_nodes: cfg.max_nodes,
        high_tiers: cfg.high().into_iter().map(Tier::zh).collect(),
    }
}

/// The filter form: choices, what is selected, and the query string of the exports.
#[derive(Debug, Clone, Serialize)]
pub struct FormView {
    pub year: i32,
    pub years: Vec<i32>,
    /// Parks to choose from (zone viewers only).
    pub parks: Vec<(String, String)>,
    pub tracks: Vec<(String, String)>,
    pub clusters: Vec<(String, String)>,
    pub park: String,
    pub track: String,
    pub cluster: String,
    /// (form field, label, shown).
    pub kinds: Vec<(&'static str, &'static str, bool)>,
    /// The hidden kinds' keys, comma separated.
    pub hide: String,
    pub query: String,
}

pub(super) fn enc(s: &str) -> String {
    let mut o = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            o.push(b as char);
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

/// The form of `b`'s page.
pub fn form(b: &Built) -> FormView {
    let f = &b.filter;
    let field = |k: NodeKind| match k {
        NodeKind::Park => "park_nodes",
        NodeKind::Cluster => "cluster_nodes",
        NodeKind::Track => "track_nodes",
        other => other.key(),
    };
    let hidden: Vec<&str> = f.hidden.iter().map(|k| k.key()).collect();
    let mut query = format!("year={}", b.input.year);
    for (k, v) in [
        ("park", &f.park),
        ("track", &f.track),
        ("cluster", &f.cluster),
    ] {
        if let Some(v) = v {
            query.push_str(&format!("&{k}={}", enc(v)));
        }
    }
    if !hidden.is_empty() {
        query.push_str(&format!("&hide={}", enc(&hidden.join(","))));
    }
    FormView {
        year: b.input.year,
        years: b.years.clone(),
        parks: match b.viewer {
            Viewer::Zone => b.input.parks.clone(),
            Viewer::Park(_) => vec![],
        },
        tracks: b.input.tracks.clone(),
        clusters: b.input.clusters.clone(),
        park: f.park.clone().unwrap_or_default(),
        track: f.track.clone().unwrap_or_default(),
        cluster: f.cluster.clone().unwrap_or_default(),
        kinds: NodeKind::OPTIONAL
            .iter()
            .map(|&k| (field(k), k.zh(), !f.hidden.contains(&k)))
            .collect(),
        hide: hidden.join(","),
        query,
    }
}

/// What an export holds (the GEXF's description, the CLI's message).
pub fn describe(b: &Built) -> String {
    let unit = match &b.viewer {
        Viewer::Zone => "南京高新区".to_string(),
        Viewer::Park(p) => format!(
            "{}（园区视图：其他园区企业匿名汇总）",
            name_of(&b.input.parks, p)
        ),
    };
    let mut parts = vec![format!("科技创新生态图谱 · {unit} · {} 年", b.input.year)];
    let f = &b.filter;
    if let Some(p) = &f.park {
        parts.push(format!("园区：{}", name_of(&b.input.parks, p)));
    }
    if let Some(t) = &f.track {
        parts.push(format!("新赛道：{}", name_of(&b.input.tracks, t)));
    }
    if let Some(c) = &f.cluster {
        parts.push(format!("产业集群：{}", name_of(&b.input.clusters, c)));
    }
    parts.push(format!(
        "节点 {} 个，关系 {} 条；配置 {} 版本 {}（{}）",
        b.graph.nodes.len(),
        b.graph.edges.len(),
        b.config.path,
        b.config.version,
        if b.config.status.starts_with("UNCONFIRMED") {
            "显示上限与分组方式待确认，平台默认值"
        } else {
            b.config.status.as_str()
        }
    ));
    parts.join("；")
}
