//! The views of the cluster diagnosis: the overview (every cluster), a park's clusters, one
//! cluster's page. Narrowed to the caller's scope here (see the parent module's docs).
use super::*;
use gaoxin_index::cluster::{Cell, Gap, Overlap};

/// The definitions shown with every view.
pub const DEFINITIONS: &[(&str, &str)] = &[
    (
        "区位熵（LQ）",
        "（集群所在园区该集群行业从业人员 ÷ 园区从业人员）÷（全区该集群行业从业人员 ÷ 全区从业人员）；参照为全区（来源文件未给出全市分行业从业人员）。",
    ),
    ("集中度", "集群从业人员占所在园区从业人员的比重。"),
    (
        "强集群",
        "按美国集群地图（US Cluster Mapping）的定义：该集群行业在各园区的区位熵中处于前四分之一（不低于75%分位数，R第7类分位数），且区位熵大于1。",
    ),
    (
        "关联指数",
        "实际关联数 ÷ 期望关联数。实际：当年集群成员之间、成员与本地高校院所之间的关联记录（同一对主体、同一类型、同一年度计一条）。期望：基准关联度 × 成员数 ÷ 2，即每家成员平均与“基准关联度”个主体有关联（相当于基准网络密度 = 基准关联度 ÷（成员数 − 1））。",
    ),
    (
        "群而不集",
        "成员数不少于阈值且关联指数低于阈值（阈值见 data/clusters/diagnosis.toml）；列出缺少的关联类型和彼此无关联的龙头企业对。",
    ),
    (
        "跨园区同质化",
        "位于不同园区、行业代码前缀重叠的两个集群；重叠度为两集群成员按行业代码的营业收入结构的余弦相似度（1 = 结构相同）。",
    ),
    (
        "高企占比 / 梯度企业占比",
        "高企证书在有效期内（发证当年起三年）的成员占比；处于任一梯度（科小入库、高企、瞪羚榜单、独角兽榜单）的成员占比。",
    ),
];

fn level_zh(level: &str) -> &'static str {
    match level {
        "national" => "国家级",
        "provincial" => "省级",
        _ => "市级",
    }
}

fn park_name(zone: &Zone, id: &str) -> String {
    zone.park(id)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| id.to_string())
}

/// What a gap reads as.
pub fn gap_zh(g: Gap) -> &'static str {
    match g {
        Some(true) => "缺",
        Some(false) => "有",
        None => "无法判定",
    }
}

/// One cluster in one year as the caller may see it.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterRow {
    pub id: String,
    pub name: String,
    pub level: &'static str,
    pub parks: Vec<(String, String)>,
    /// The caller may open the cluster (its members and links).
    pub own: bool,
    pub unconfirmed: Vec<String>,
    pub m: ClusterMeasure,
    pub missing_kinds: Vec<&'static str>,
    /// Leading members without a link, by name (only when `own`).
    pub leading_pairs: Vec<(String, String)>,
}

pub(super) fn row(
    zone: &Zone,
    scope: &Scope,
    d: &ClusterDef,
    m: &ClusterMeasure,
    c: &Computed,
) -> ClusterRow {
    let own = sees_members(scope, d);
    let name = |i: u32| c.firms[i as usize].name.clone();
    ClusterRow {
        id: d.id.clone(),
        name: d.name.clone(),
        level: level_zh(&d.level),
        parks: d
            .parks
            .iter()
            .map(|p| (p.clone(), park_name(zone, p)))
            .collect(),
        own,
        unconfirmed: d.unconfirmed.clone(),
        m: aggregate_only(m),
        missing_kinds: m.missing_kinds.iter().map(|k| k.zh()).collect(),
        leading_pairs: if own {
            m.unlinked_leading
                .iter()
                .map(|&(a, b)| (name(a), name(b)))
                .collect()
        } else {
            Vec::new()
        },
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct OverlapRow {
    pub a: String,
    pub a_name: String,
    pub a_park: String,
    pub b: String,
    pub b_name: String,
    pub b_park: String,
    pub shared_prefixes: Vec<String>,
    pub cosine: Option<f64>,
}

fn overlap_row(zone: &Zone, files: &ClusterFiles, o: &Overlap) -> OverlapRow {
    let d = |id: &str| files.defs.iter().find(|d| d.id == id);
    let names = |id: &str| {
        d(id).map(|d| {
            (
                d.name.clone(),
                d.parks
                    .iter()
                    .map(|p| park_name(zone, p))
                    .collect::<Vec<_>>()
                    .join("、"),
            )
        })
    };
    let (a_name, a_park) = names(&o.a).unwrap_or_default();
    let (b_name, b_park) = names(&o.b).unwrap_or_default();
    OverlapRow {
        a: o.a.clone(),
        a_name,
        a_park,
        b: o.b.clone(),
        b_name,
        b_park,
        shared_prefixes: o.shared_prefixes.clone(),
        cosine: o.cosine,
    }
}

/// The overview: every cluster in one year.
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub year: i32,
    pub years: Vec<i32>,
    pub rows: Vec<ClusterRow>,
    pub overlaps: Vec<OverlapRow>,
    pub params: Params,
    pub files: Vec<String>,
    pub definitions: Vec<(String, String)>,
    pub links: u64,
    pub unmatched_links: u64,
    pub synthetic_links: bool,
    /// The caller's park (a park scope), else None.
    pub park: Option<String>,
}

pub(super) fn definitions_list() -> Vec<(String, String)> {
    DEFINITIONS
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// The overview for `scope` (None: no data at all). `park`: only clusters located in that park.
pub async fn overview(
    store: &Store,
    zone: &Zone,
    scope: &Scope,
    year: Option<Year>,
    park: Option<&ParkId>,
) -> Result<Option<Overview>, EvalError> {
    if matches!(scope, Scope::Enterprise(_)) {
        return Ok(None);
    }
    let files = load_files(zone)?;
    let Some((year, years)) = pick_year(store, year).await? else {
        return Ok(None);
    };
    let c = compute_with_growth(store, zone, &files, year, &years).await?;
    let rows = files
        .defs
        .iter()
        .zip(&c.measures.clusters)
        .filter(|(d, _)| park.is_none_or(|p| d.parks.iter().any(|x| x == p.as_str())))
        .map(|(d, m)| row(zone, scope, d, m, &c))
        .collect();
    Ok(Some(Overview {
        year: year.get(),
        years: years.iter().map(|y| y.get()).collect(),
        rows,
        overlaps: c
            .measures
            .overlaps
            .iter()
            .map(|o| overlap_row(zone, &files, o))
            .collect(),
        params: files.params.clone(),
        files: files.paths.clone(),
        definitions: definitions_list(),
        links: c.links.from.len() as u64,
        unmatched_links: c.unmatched_links,
        synthetic_links: c.synthetic_links,
        park: scope_park(scope).map(|p| p.to_string()),
    }))
}

/// One cluster industry in one park.
#[derive(Debug, Clone, Serialize)]
pub struct ParkCell {
    pub id: String,
    pub name: String,
    /// The cluster is located in this park.
    pub hosted: bool,
    pub cell: Cell,
}

/// A park's clusters: its cell of every cluster industry, and the clusters located in it.
#[derive(Debug, Clone, Serialize)]
pub struct ParkView {
    pub park: String,
    pub park_name: String,
    pub year: i32,
    pub years: Vec<i32>,
    pub cells: Vec<ParkCell>,
    pub hosted: Vec<ClusterRow>,
    pub definitions: Vec<(String, String)>,
}

/// The park's clusters; None when the park is outside `scope` (or no data).
pub async fn park_view(
    store: &Store,
    zone: &Zone,
    scope: &Scope,
    park: &ParkId,
    year: Option<Year>,
) -> Result<Option<ParkView>, EvalError> {
    let allowed = match scope {
        Scope::Zone => true,
        Scope::Park(p) => p == park,
        Scope::Enterprise(_) | Scope::Department(_) => false,
    };
    if !allowed {
        return Ok(None);
    }
    let files = load_files(zone)?;
    let Some((year, years)) = pick_year(store, year).await? else {
        return Ok(None);
    };
    let c = compute_with_growth(store, zone, &files, year, &years).await?;
    let Some(pi) = park_ids(zone).iter().position(|p| p == park.as_str()) else {
        return Ok(None);
    };
    let hosted_of = |d: &ClusterDef| d.parks.iter().any(|p| p == park.as_str());
    Ok(Some(ParkView {
        park: park.to_string(),
        park_name: park_name(zone, park.as_str()),
        year: year.get(),
        years: years.iter().map(|y| y.get()).collect(),
        cells: files
            .defs
            .iter()
            .enumerate()
            .map(|(i, d)| ParkCell {
                id: d.id.clone(),
                name: d.name.clone(),
                hosted: hosted_of(d),
                cell: c.measures.cells[i][pi].clone(),
            })
            .collect(),
        hosted: files
            .defs
            .iter()
            .zip(&c.measures.clusters)
            .filter(|(d, _)| hosted_of(d))
            .map(|(d, m)| row(zone, scope, d, m, &c))
            .collect(),
        definitions: definitions_list(),
    }))
}

/// The overview's sort keys (`?sort=`) and their labels.
pub const SORTS: &[(&str, &str)] = &[
    ("id", "编号"),
    ("firms", "成员企业数"),
    ("employees", "从业人员"),
    ("revenue", "营业收入"),
    ("lq", "区位熵"),
    ("linkage", "关联指数"),
    ("growth", "从业人员增长"),
];

/// Filters (`flag`: "" | loose | strong | overlap) and sorts (descending, `id` ascending) the
/// overview's rows; an unknown key is an error naming the allowed ones.
pub fn filter_sort(o: &mut Overview, flag: &str, sort: &str) -> Result<(), String> {
    let overlapping: Vec<String> = o
        .overlaps
        .iter()
        .flat_map(|x| [x.a.clone(), x.b.clone()])
        .collect();
    match flag {
        "" => {}
        "loose" => o.rows.retain(|r| r.m.loose),
        "strong" => o.rows.retain(|r| r.m.strong),
        "overlap" => o.rows.retain(|r| overlapping.contains(&r.id)),
        _ => {
            return Err(format!(
                "参数 flag 的值「{flag}」无效，应为 loose、strong 或 overlap"
            ));
        }
    }
    let key = |r: &ClusterRow| -> f64 {
        let m = &r.m;
        match sort {
            "firms" => m.firms as f64,
            "employees" => m.employees as f64,
            "revenue" => m.revenue as f64,
            "lq" => m.lq.unwrap_or(f64::NEG_INFINITY),
            "linkage" => m.linkage_index.unwrap_or(f64::NEG_INFINITY),
            _ => m.employees_growth.unwrap_or(f64::NEG_INFINITY),
        }
    };
    match sort {
        "" | "id" => o.rows.sort_by(|a, b| a.id.cmp(&b.id)),
        s if SORTS.iter().any(|(k, _)| *k == s) => o
            .rows
            .sort_by(|a, b| key(b).total_cmp(&key(a)).then(a.id.cmp(&b.id))),
        s => {
            let keys: Vec<&str> = SORTS.iter().map(|(k, _)| *k).collect();
            return Err(format!(
                "参数 sort 的值「{s}」无效，应为 {}",
                keys.join("、")
            ));
        }
    }
    Ok(())
}
