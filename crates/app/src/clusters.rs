//! Cluster diagnosis (创新型产业集群, "群而不集", issue 15) as the platform runs it: the definition
//! files (`data/clusters`), a year of the stored panel and its links turned into the engine's
//! columns (`gaoxin_index::cluster`), and the views that the pages, the workbooks and
//! `gaoxin clusters` share. Definitions of every measure: the engine's module docs.
//!
//! What each scope sees (decided here and tested in the web crate):
//! * the zone (administrators, analysts, the CLI): everything;
//! * a park: the overview of all fifteen clusters as aggregates (sizes, LQ, linkage index, flags —
//!   zone-level comparisons, no firm named), the park × cluster matrix as aggregates; the cluster
//!   page, member list, network, leading pairs and links only of the clusters located in its own
//!   park (another park's cluster answers like a missing one);
//! * an enterprise: nothing (the routes are staff only).
//!
//! The measures are relative to the whole zone (LQ needs the zone's employment), so the panel is
//! read with the zone scope and the views are narrowed here before anything leaves this module.
use crate::data_files::{CLUSTERS, DataFile, Source};
use crate::error::EvalError;
use gaoxin_index::cluster::{
    self, ClusterDef, ClusterMeasure, LinkKind, Links, Params, YearInput, YearMeasures, flag,
};
use gaoxin_model::{Date, Listing, ParkId, Year, Zone};
use gaoxin_store::{Scope, Store};
use serde::Serialize;
use std::collections::HashMap;

#[path = "clusters_view.rs"]
mod view;
pub use view::*;
#[path = "clusters_detail.rs"]
mod detail;
pub use detail::*;

/// The definition files and thresholds in force.
#[derive(Debug, Clone)]
pub struct ClusterFiles {
    pub defs: Vec<ClusterDef>,
    pub params: Params,
    /// Where each file came from (paths, or `(内置) name`).
    pub paths: Vec<String>,
}

/// Reads `data/clusters` (configured directory, else the shipped copies) and checks the parks
/// against the zone.
pub fn load_files(zone: &Zone) -> Result<ClusterFiles, EvalError> {
    let files: Vec<DataFile> = match CLUSTERS.source() {
        Source::Dir(d) => {
            let mut v = Vec::new();
            let rd = std::fs::read_dir(&d).map_err(|e| {
                EvalError::NoData(format!("无法读取集群定义目录 {}：{e}", d.display()))
            })?;
            for e in rd.flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "toml") {
                    let text = std::fs::read_to_string(&p)
                        .map_err(|e| EvalError::NoData(format!("无法读取 {}：{e}", p.display())))?;
                    v.push(DataFile { path: p, text });
                }
            }
            v
        }
        Source::Shipped => CLUSTERS.shipped(),
    };
    parse_files(zone, files)
}

fn parse_files(zone: &Zone, mut files: Vec<DataFile>) -> Result<ClusterFiles, EvalError> {
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let mut defs = Vec::new();
    let mut params = None;
    let mut paths = Vec::new();
    for f in &files {
        let shown = f.path.display().to_string();
        let name = f.path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.ends_with("diagnosis.toml") {
            params = Some(Params::parse(&f.text, &shown)?);
        } else {
            let d = ClusterDef::parse(&f.text, &shown)?;
            for p in &d.parks {
                if zone.park(p).is_none_or(|z| z.id.as_str() != p) {
                    return Err(EvalError::NoData(format!(
                        "{shown}：集群 {} 的园区「{p}」不在园区名录（zone.toml）中",
                        d.id
                    )));
                }
            }
            if defs.iter().any(|x: &ClusterDef| x.id == d.id) {
                return Err(EvalError::NoData(format!(
                    "{shown}：集群编号 {} 重复",
                    d.id
                )));
            }
            defs.push(d);
        }
        paths.push(shown);
    }
    let params = params
        .ok_or_else(|| EvalError::NoData("集群定义目录缺少 diagnosis.toml（诊断阈值）".into()))?;
    if defs.is_empty() {
        return Err(EvalError::NoData("集群定义目录中没有集群定义文件".into()));
    }
    Ok(ClusterFiles {
        defs,
        params,
        paths,
    })
}

/// A firm of the loaded year, as the views name it.
#[derive(Debug, Clone, Serialize)]
pub struct FirmRef {
    pub uscc: String,
    pub name: String,
    pub park: String,
    pub industry: String,
    pub synthetic: bool,
}

/// One year computed: the firms (indices of the engine's columns), the measures, the links.
#[derive(Clone)]
pub struct Computed {
    pub year: i32,
    pub firms: Vec<FirmRef>,
    pub measures: YearMeasures,
    pub links: Links,
    pub institutions: Vec<String>,
    /// Link records of the year whose firm has no data that year (not counted).
    pub unmatched_links: u64,
    pub synthetic_links: bool,
    pub employees: Vec<Option<i64>>,
    pub revenue: Vec<Option<i64>>,
    pub tags: Vec<u64>,
}

impl Computed {
    /// Whether firm `i` is a member of definition `c` (`d`) this year (the engine's test).
    pub fn is_member(&self, c: usize, d: &ClusterDef, i: usize) -> bool {
        let f = &self.firms[i];
        d.in_force(self.year)
            && d.parks.contains(&f.park)
            && (d.matches_code(&f.industry) || self.tags[i] >> c & 1 == 1)
    }
}

/// The status flags of a firm-year for the engine.
fn flags_of(r: &gaoxin_store::ClusterFirmRow, year: i32) -> u8 {
    let on = |v: Option<i64>| v == Some(1);
    let cert = r
        .hightech_cert_date
        .and_then(Date::from_int)
        .is_some_and(|d| (year - 2..=year).contains(&d.year()));
    let mut b = 0;
    if cert {
        b |= flag::HIGH_TECH;
    }
    if cert || on(r.techsme_registered) || on(r.gazelle_listed) || on(r.unicorn_listed) {
        b |= flag::TIERED;
    }
    let listed = Listing::parse(&r.listing).is_some_and(|l| l.is_listed_excl_neeq());
    if listed || on(r.unicorn_listed) {
        b |= flag::LISTED_OR_UNICORN;
    }
    if let Some(l) = r.rd_institution {
        b |= flag::RD_KNOWN;
        if l >= 4 {
            b |= flag::NATIONAL_PLATFORM;
        }
    }
    b
}

/// The zone's park ids in file order (the engine's park indices).
pub fn park_ids(zone: &Zone) -> Vec<String> {
    zone.parks.iter().map(|p| p.id.to_string()).collect()
}

/// Loads `year` (zone scope: see the module docs) and runs the engine.
pub async fn compute_year(
    store: &Store,
    zone: &Zone,
    files: &ClusterFiles,
    year: Year,
) -> Result<Computed, EvalError> {
    let parks = park_ids(zone);
    let y = year.get();
    let mut input = YearInput {
        year: y,
        ..Default::default()
    };
    let mut firms = Vec::new();
    let mut code_ix: HashMap<String, u32> = HashMap::new();
    for r in store.cluster_panel(&Scope::Zone, y).await? {
        let Some(p) = parks.iter().position(|p| *p == r.park) else {
            continue;
        };
        let next = code_ix.len() as u32;
        let ci = *code_ix.entry(r.industry.clone()).or_insert(next);
        if ci == next {
            input.codes.push(r.industry.clone());
        }
        let mut tags = 0u64;
        for (c, d) in files.defs.iter().enumerate() {
            if r.clusters.iter().any(|t| d.tags.contains(t)) {
                tags |= 1 << c;
            }
        }
        input.park.push(p as u16);
        input.industry.push(ci);
        input.tags.push(tags);
        input.employees.push(r.employees);
        input.revenue.push(r.revenue);
        input.flags.push(flags_of(&r, y));
        firms.push(FirmRef {
            uscc: r.uscc,
            name: r.name,
            park: r.park,
            industry: r.industry,
            synthetic: r.synthetic,
        });
    }
    let index: HashMap<&str, u32> = firms
        .iter()
        .enumerate()
        .map(|(i, f)| (f.uscc.as_str(), i as u32))
        .collect();
    let n = firms.len() as u32;
    let mut institutions: Vec<String> = Vec::new();
    let mut inst_ix: HashMap<String, u32> = HashMap::new();
    let mut links = Links::default();
    let mut unmatched = 0;
    let mut synthetic = false;
    for l in store.links(&Scope::Zone, Some(y)).await? {
        let Some(kind) = LinkKind::parse(&l.kind) else {
            unmatched += 1;
            continue;
        };
        let mut node = |party: &str, is_firm: bool| -> Option<u32> {
            if is_firm {
                index.get(party).copied()
            } else {
                let next = institutions.len() as u32;
                let i = *inst_ix.entry(party.to_string()).or_insert(next);
                if i == next {
                    institutions.push(party.to_string());
                }
                Some(n + i)
            }
        };
        match (node(&l.from, l.from_firm), node(&l.to, l.to_firm)) {
            (Some(a), Some(b)) => {
                links.from.push(a);
                links.to.push(b);
                links.kind.push(kind);
                synthetic |= l.synthetic;
            }
            _ => unmatched += 1,
        }
    }
    let measures = cluster::diagnose(&files.defs, &parks, &files.params, &input, &links)?;
    Ok(Computed {
        year: y,
        firms,
        measures,
        links,
        institutions,
        unmatched_links: unmatched,
        synthetic_links: synthetic,
        employees: input.employees,
        revenue: input.revenue,
        tags: input.tags,
    })
}

/// Computed years kept for [`CACHE_TTL`] per database, definition files and year, so that the
/// pages of one cluster after another do not reload the zone. Dropped by [`invalidate_cache`]
/// (a link import here, a data import on the web) and when the definition files change.
static CACHE: std::sync::LazyLock<std::sync::Mutex<Vec<(CacheKey, std::time::Instant, Computed)>>> =
    std::sync::LazyLock::new(Default::default);

type CacheKey = (String, u64, i32);

/// How long a computed year is reused (changes by another process show up after at most this).
pub const CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(60);
const CACHE_MAX: usize = 16;

/// Forgets every computed year (after an import of links or data).
pub fn invalidate_cache() {
    CACHE.lock().expect("cluster cache").clear();
}

fn files_hash(files: &ClusterFiles) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    format!("{:?}{:?}", files.defs, files.params).hash(&mut h);
    h.finish()
}

/// [`compute_year`] through the cache.
pub async fn computed(
    store: &Store,
    zone: &Zone,
    files: &ClusterFiles,
    year: Year,
) -> Result<Computed, EvalError> {
    let key: CacheKey = (store.url().to_string(), files_hash(files), year.get());
    {
        let mut c = CACHE.lock().expect("cluster cache");
        c.retain(|(_, at, _)| at.elapsed() < CACHE_TTL);
        if let Some((_, _, v)) = c.iter().find(|(k, _, _)| *k == key) {
            return Ok(v.clone());
        }
    }
    let v = compute_year(store, zone, files, year).await?;
    let mut c = CACHE.lock().expect("cluster cache");
    if c.len() >= CACHE_MAX {
        c.remove(0);
    }
    c.push((key, std::time::Instant::now(), v.clone()));
    Ok(v)
}

/// The year asked for if it has data, else the latest year with data (`None`: no data at all).
pub async fn pick_year(
    store: &Store,
    asked: Option<Year>,
) -> Result<Option<(Year, Vec<Year>)>, EvalError> {
    let years = store.years(&Scope::Zone).await?;
    let y = match asked {
        Some(y) if years.contains(&y) => Some(y),
        Some(y) => {
            return Err(EvalError::NoData(format!("{}年没有企业数据", y.get())));
        }
        None => years.last().copied(),
    };
    Ok(y.map(|y| (y, years)))
}

/// `year` computed with its growth over the previous year (when that year has data).
pub async fn compute_with_growth(
    store: &Store,
    zone: &Zone,
    files: &ClusterFiles,
    year: Year,
    years: &[Year],
) -> Result<Computed, EvalError> {
    let mut cur = computed(store, zone, files, year).await?;
    if let Some(prev) = year.prev().filter(|p| years.contains(p)) {
        let p = computed(store, zone, files, prev).await?;
        cur.measures = cluster::with_growth(cur.measures, Some(&p.measures));
    }
    Ok(cur)
}

/// Whether `scope` may see the firms of cluster `def` (its own park's clusters, or the zone).
pub fn sees_members(scope: &Scope, def: &ClusterDef) -> bool {
    match scope {
        Scope::Zone => true,
        Scope::Park(p) => def.parks.iter().any(|x| x == p.as_str()),
        Scope::Enterprise(_) | Scope::Department(_) => false,
    }
}

/// The park of a park scope.
pub fn scope_park(scope: &Scope) -> Option<&ParkId> {
    match scope {
        Scope::Park(p) => Some(p),
        _ => None,
    }
}

/// A measure of a cluster without the firm indices (which only mean something with the year's
/// firm list).
pub fn aggregate_only(m: &ClusterMeasure) -> ClusterMeasure {
    ClusterMeasure {
        leading: Vec::new(),
        unlinked_leading: Vec::new(),
        ..m.clone()
    }
}
