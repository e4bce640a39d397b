//! One cluster's page: its measures over the years, members, links, network and gaps.
use super::*;
use std::collections::BTreeMap;

/// Above this many members the network shows industry groups instead of firms.
pub const GRAPH_MAX_FIRMS: usize = 120;
/// How many members stay single nodes in a large network.
pub const GRAPH_SHOWN_FIRMS: usize = 80;

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

/// The ECharts graph: categories 0 = firm, 1 = university / institute, 2 = a group of members.
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
        let mut c = computed(store, zone, &files, y).await?;
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
    let graph = graph(&c, &members, &pairs, &degree, &name_of);
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

/// Keeps the members and links whose firm (name, credit code or industry code) contains `q`
/// (the page's filter; the measures and the network stay those of the whole cluster).
pub fn filter_lists(d: &mut Detail, q: &str) {
    let q = q.trim();
    if q.is_empty() {
        return;
    }
    let up = q.to_uppercase();
    d.members
        .retain(|m| m.name.contains(q) || m.uscc.contains(&up) || m.industry.starts_with(&up));
    d.links.retain(|l| l.from.contains(q) || l.to.contains(q));
}

/// Firms and institutions as nodes; above [`GRAPH_MAX_FIRMS`] members, the
/// [`GRAPH_SHOWN_FIRMS`] with the most links (then revenue) stay single nodes and the rest are
/// one node per industry division (letter + two digits), their links summed.
fn graph(
    c: &Computed,
    members: &[usize],
    pairs: &[(u32, u32)],
    degree: &HashMap<u32, u64>,
    name_of: &dyn Fn(u32) -> String,
) -> Graph {
    let n = c.firms.len() as u32;
    let aggregated = members.len() > GRAPH_MAX_FIRMS;
    let mut ranked: Vec<usize> = members.to_vec();
    ranked.sort_by_key(|&i| {
        (
            std::cmp::Reverse(degree.get(&(i as u32)).copied().unwrap_or(0)),
            std::cmp::Reverse(c.revenue[i].unwrap_or(0)),
            i,
        )
    });
    let single: std::collections::HashSet<u32> = ranked
        .iter()
        .take(if aggregated {
            GRAPH_SHOWN_FIRMS
        } else {
            members.len()
        })
        .map(|&i| i as u32)
        .collect();
    let key = |x: u32| -> String {
        if x >= n {
            format!("i:{}", name_of(x))
        } else if single.contains(&x) {
            format!("f:{}", c.firms[x as usize].uscc)
        } else {
            let code = &c.firms[x as usize].industry;
            format!("g:{}", &code[..code.len().min(3)])
        }
    };
    let mut nodes: BTreeMap<String, GraphNode> = BTreeMap::new();
    let mut group_size: BTreeMap<String, u64> = BTreeMap::new();
    for &i in members {
        let k = key(i as u32);
        let grouped = k.starts_with("g:");
        if grouped {
            *group_size.entry(k.clone()).or_insert(0) += 1;
        }
        let e = nodes.entry(k.clone()).or_insert(GraphNode {
            id: k.clone(),
            name: if grouped {
                String::new()
            } else {
                c.firms[i].name.clone()
            },
            value: 0.0,
            category: if grouped { 2 } else { 0 },
        });
        e.value += c.revenue[i].unwrap_or(0) as f64 / 1e6;
    }
    for (k, size) in &group_size {
        if let Some(node) = nodes.get_mut(k) {
            node.name = format!("其他{}行业成员（{size}家）", &k[2..]);
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use gaoxin_index::cluster::Links;

    fn computed(n: usize) -> Computed {
        let input = YearInput {
            year: 2024,
            park: vec![0; n],
            industry: vec![0; n],
            codes: vec!["C2710".into()],
            tags: vec![0; n],
            employees: vec![Some(1); n],
            revenue: (0..n).map(|i| Some(i as i64 * 100)).collect(),
            flags: vec![0; n],
        };
        Computed {
            year: 2024,
            firms: (0..n)
                .map(|i| FirmRef {
                    uscc: format!("F{i:05}"),
                    name: format!("企业{i}"),
                    park: "p".into(),
                    industry: "C2710".into(),
                    synthetic: true,
                })
                .collect(),
            measures: YearMeasures {
                year: 2024,
                cells: vec![],
                clusters: vec![],
                overlaps: vec![],
                zone_firms: n as u64,
                zone_employees: n as i64,
                park_employees: vec![n as i64],
                links: 0,
            },
            links: Links::default(),
            institutions: vec!["南京大学".into()],
            unmatched_links: 0,
            synthetic_links: true,
            employees: input.employees,
            revenue: input.revenue,
            tags: input.tags,
        }
    }

    #[test]
    fn a_large_network_keeps_the_best_linked_firms_and_groups_the_rest() {
        let n = GRAPH_MAX_FIRMS + 30;
        let c = computed(n);
        let members: Vec<usize> = (0..n).collect();
        // a chain among the first 10 firms, and every firm linked with the university
        let mut pairs: Vec<(u32, u32)> = (0..9).map(|i| (i, i + 1)).collect();
        pairs.extend((0..n as u32).map(|i| (i, n as u32)));
        let mut degree = HashMap::new();
        for &(a, b) in &pairs {
            *degree.entry(a).or_insert(0) += 1;
            *degree.entry(b).or_insert(0) += 1;
        }
        let name_of = |x: u32| {
            if (x as usize) < n {
                c.firms[x as usize].name.clone()
            } else {
                "南京大学".to_string()
            }
        };
        let g = graph(&c, &members, &pairs, &degree, &name_of);
        assert!(g.aggregated);
        let singles = g.nodes.iter().filter(|x| x.category == 0).count();
        assert_eq!(singles, GRAPH_SHOWN_FIRMS);
        let groups: Vec<&GraphNode> = g.nodes.iter().filter(|x| x.category == 2).collect();
        assert_eq!(groups.len(), 1);
        assert_eq!(
            groups[0].name,
            format!("其他C27行业成员（{}家）", n - GRAPH_SHOWN_FIRMS)
        );
        // the chain's firms are among the single nodes
        assert!(g.nodes.iter().any(|x| x.id == "f:F00005"));
        // the group's links to the university are summed into one edge
        let e = g
            .links
            .iter()
            .find(|e| e.source == "g:C27" || e.target == "g:C27")
            .unwrap();
        assert_eq!(e.value, (n - GRAPH_SHOWN_FIRMS) as u64);
        // small networks: every member its own node
        let small: Vec<usize> = (0..10).collect();
        let g = graph(&c, &small, &pairs[..9], &degree, &name_of);
        assert!(!g.aggregated && g.nodes.len() == 10 && g.links.len() == 9);
    }
}
