//! One cluster's page: its measures over the years, members, links, network and gaps.
use super::*;
use std::collections::BTreeMap;

/// Above this many members the network shows industry groups instead of firms.
pub const GRAPH_MAX_FIRMS: usize = 120;

#[derive(Debug, Clone, Serialize)]
pub struct SeriesPoint {
    pub year: i32,
    pub m: ClusterMeasure,
}

#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub uscc: String,
    pub name: String,
    pub industry: String,
    pub employees: Option<i64>,
    /// Fen.
    pub revenue: Option<i64>,
    /// Links this year (with members and institutions).
    pub degree: u64,
    pub leading: bool,
    pub synthetic: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct LinkRow {
    pub from: String,
    pub to: String,
    pub to_institution: bool,
    pub kind: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct GraphNode {
    pub id: String,
    pub name: String,
    pub value: f64,
    pub category: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct GraphEdge {
    pub source: String,
    pub target: String,
    pub value: u64,
}

/// The ECharts graph: categories 0 = firm (or industry group), 1 = university / institute.
#[derive(Debug, Clone, Serialize)]
pub struct Graph {
    pub nodes: Vec<GraphNode>,
    pub links: Vec<GraphEdge>,
    pub aggregated: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct GapRow {
    pub gap: &'static str,
    pub state: &'static str,
    pub note: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Detail {
    pub row: ClusterRow,
    pub def: ClusterDef,
    pub year: i32,
    pub years: Vec<i32>,
    pub series: Vec<SeriesPoint>,
    pub members: Vec<Member>,
    pub links: Vec<LinkRow>,
    pub graph: Graph,
    pub gaps: Vec<GapRow>,
    pub params: Params,
    pub definitions: Vec<(String, String)>,
    pub synthetic_links: bool,
}

/// The cluster page; None when the cluster is unknown or not the caller's (same answer).
pub async fn detail(
    store: &Store,
    zone: &Zone,
    scope: &Scope,
    id: &str,
    year: Option<Year>,
) -> Result<Option<Detail>, EvalError> {
    let files = load_files(zone)?;
    let Some(ci) = files.defs.iter().position(|d| d.id == id) else {
        return Ok(None);
    };
    let d = files.defs[ci].clone();
    if !sees_members(scope, &d) {
        return Ok(None);
    }
    let Some((year, years)) = pick_year(store, year).await? else {
        return Ok(None);
    };
    let mut series = Vec::new();
    let mut prev: Option<YearMeasures> = None;
    let mut shown = None;
    for &y in &years {
        let mut c = compute_year(store, zone, &files, y).await?;
        c.measures = cluster::with_growth(c.measures, prev.as_ref());
        series.push(SeriesPoint {
            year: y.get(),
            m: aggregate_only(&c.measures.clusters[ci]),
        });
        prev = Some(c.measures.clone());
        if y == year {
            shown = Some(c);
        }
    }
    let c = shown.ok_or_else(|| EvalError::NoData(format!("{}年没有企业数据", year.get())))?;
    let m = &c.measures.clusters[ci];
    let members: Vec<usize> = (0..c.firms.len())
        .filter(|&i| c.is_member(ci, &d, i))
        .collect();
    let is_member: std::collections::HashSet<u32> = members.iter().map(|&i| i as u32).collect();
    let n = c.firms.len() as u32;
    let name_of = |x: u32| {
        if x < n {
            c.firms[x as usize].name.clone()
        } else {
            c.institutions[(x - n) as usize].clone()
        }
    };
    let mut degree: HashMap<u32, u64> = HashMap::new();
    let mut rows = Vec::new();
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    for ((&a, &b), &k) in c.links.from.iter().zip(&c.links.to).zip(&c.links.kind) {
        let inside = match (a < n, b < n) {
            (true, true) => is_member.contains(&a) && is_member.contains(&b),
            (true, false) => is_member.contains(&a),
            (false, true) => is_member.contains(&b),
            (false, false) => false,
        };
        if !inside || !m.in_force {
            continue;
        }
        *degree.entry(a).or_insert(0) += 1;
        *degree.entry(b).or_insert(0) += 1;
        let (a, b) = if a < n { (a, b) } else { (b, a) };
        rows.push(LinkRow {
            from: name_of(a),
            to: name_of(b),
            to_institution: b >= n,
            kind: k.zh(),
        });
        pairs.push((a, b));
    }
    let leading: std::collections::HashSet<u32> = m.leading.iter().copied().collect();
    let mut member_rows: Vec<Member> = members
        .iter()
        .map(|&i| {
            let f = &c.firms[i];
            Member {
                uscc: f.uscc.clone(),
                name: f.name.clone(),
                industry: f.industry.clone(),
                employees: c.employees[i],
                revenue: c.revenue[i],
                degree: degree.get(&(i as u32)).copied().unwrap_or(0),
                leading: leading.contains(&(i as u32)),
                synthetic: f.synthetic,
            }
        })
        .collect();
    member_rows.sort_by(|a, b| b.revenue.cmp(&a.revenue).then(a.uscc.cmp(&b.uscc)));
    let graph = graph(&c, &members, &pairs, &name_of);
    let gaps = vec![
        GapRow {
            gap: "领军企业",
            state: gap_zh(m.gap_leading_firm),
            note: "成员中有上市企业（不含新三板）、独角兽榜单企业或营业收入达到阈值的企业即为“有”",
        },
        GapRow {
            gap: "国家级创新平台",
            state: gap_zh(m.gap_national_platform),
            note: "成员的研发机构级别为国家级即为“有”；成员均未填报研发机构级别时无法判定",
        },
        GapRow {
            gap: "新型研发机构",
            state: gap_zh(m.gap_new_rd_institution),
            note: "企业年度数据未记录新型研发机构，无法判定；需补充新型研发机构名录",
        },
    ];
    let row = row(zone, scope, &d, m, &c);
    Ok(Some(Detail {
        row,
        def: d,
        year: year.get(),
        years: years.iter().map(|y| y.get()).collect(),
        series,
        members: member_rows,
        links: rows,
        graph,
        gaps,
        params: files.params.clone(),
        definitions: super::view::definitions_list(),
        synthetic_links: c.synthetic_links,
    }))
}

/// Firms and institutions as nodes; above [`GRAPH_MAX_FIRMS`] members, one node per industry
/// division (letter + two digits) with the links summed.
fn graph(
    c: &Computed,
    members: &[usize],
    pairs: &[(u32, u32)],
    name_of: &dyn Fn(u32) -> String,
) -> Graph {
    let n = c.firms.len() as u32;
    let aggregated = members.len() > GRAPH_MAX_FIRMS;
    let key = |x: u32| -> String {
        if x >= n {
            format!("i:{}", name_of(x))
        } else if aggregated {
            let code = &c.firms[x as usize].industry;
            format!("g:{}", &code[..code.len().min(3)])
        } else {
            format!("f:{}", c.firms[x as usize].uscc)
        }
    };
    let mut nodes: BTreeMap<String, GraphNode> = BTreeMap::new();
    for &i in members {
        let k = key(i as u32);
        let name = if aggregated {
            format!("行业{}", &k[2..])
        } else {
            c.firms[i].name.clone()
        };
        let e = nodes.entry(k.clone()).or_insert(GraphNode {
            id: k,
            name,
            value: 0.0,
            category: 0,
        });
        e.value += if aggregated {
            1.0
        } else {
            c.revenue[i].unwrap_or(0) as f64 / 1e6
        };
    }
    let mut edges: BTreeMap<(String, String), u64> = BTreeMap::new();
    for &(a, b) in pairs {
        let (ka, kb) = (key(a), key(b));
        if b >= n {
            nodes.entry(kb.clone()).or_insert(GraphNode {
                id: kb.clone(),
                name: name_of(b),
                value: 0.0,
                category: 1,
            });
        }
        if ka != kb {
            let e = if ka < kb { (ka, kb) } else { (kb, ka) };
            *edges.entry(e).or_insert(0) += 1;
        }
    }
    Graph {
        nodes: nodes.into_values().collect(),
        links: edges
            .into_iter()
            .map(|((s, t), v)| GraphEdge {
                source: s,
                target: t,
                value: v,
            })
            .collect(),
        aggregated,
    }
}
