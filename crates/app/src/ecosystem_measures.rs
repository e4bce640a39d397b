//! The ecosystem graph's measures (definitions: docs/ecosystem.md). All are computed over the
//! *ties* (every edge but membership: located in, member of, on a track), because membership
//! would connect every firm to its park's hub and make every count say "one component".
//!
//! * degree: the tie edges at a node (several records of one pair and kind are one edge);
//! * weighted degree: the records on those edges;
//! * cross-park degree: the tie edges whose other end is in a different park (both ends having a
//!   park: firms, groups, institutions); a cross-park edge is a *bridge between parks*, counted
//!   per pair of parks;
//! * betweenness (Brandes, unweighted, undirected; each unordered pair of nodes counted once) on
//!   the drawn graph's ties — on the grouped graph when firms are grouped;
//! * components: connected components of the nodes that have at least one tie;
//! * isolated high-tier firms: firms of a high tier (the configuration's `high_tiers`) with no
//!   observed link (link records, registered technology contracts) and no investment.
use super::{EdgeKind, Graph, NodeKind, Tier};
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};

/// One node's measures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct NodeMeasure {
    pub degree: u64,
    pub weighted: u64,
    pub cross_park: u64,
    /// Index of the node's component (among nodes with a tie); `None` without a tie.
    pub component: Option<usize>,
}

/// The graph's measures.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Measures {
    pub nodes: Vec<NodeMeasure>,
    pub tie_edges: u64,
    pub cross_park_edges: u64,
    /// (park a, park b with a < b, cross-park tie edges), most first.
    pub park_pairs: Vec<(String, String, u64)>,
    /// Component sizes, largest first.
    pub components: Vec<u64>,
    /// Nodes without any tie.
    pub untied: u64,
    /// Node indices of the isolated high-tier firms.
    pub isolated_high_tier: Vec<usize>,
}

fn find(p: &mut [usize], mut x: usize) -> usize {
    while p[x] != x {
        p[x] = p[p[x]];
        x = p[x];
    }
    x
}

/// Every measure but betweenness.
pub fn measures(g: &Graph, high: &[Tier]) -> Measures {
    let n = g.nodes.len();
    let mut m = Measures {
        nodes: vec![NodeMeasure::default(); n],
        ..Default::default()
    };
    let mut parent: Vec<usize> = (0..n).collect();
    let mut linked = vec![false; n];
    let mut pairs: BTreeMap<(String, String), u64> = BTreeMap::new();
    for e in g.edges.iter().filter(|e| e.kind.is_tie()) {
        m.tie_edges += 1;
        for x in [e.source, e.target] {
            m.nodes[x].degree += 1;
            m.nodes[x].weighted += e.weight;
        }
        if e.kind.is_observed() || e.kind == EdgeKind::Investment {
            linked[e.source] = true;
            linked[e.target] = true;
        }
        if let (Some(a), Some(b)) = (&g.nodes[e.source].park, &g.nodes[e.target].park)
            && a != b
        {
            m.cross_park_edges += 1;
            m.nodes[e.source].cross_park += 1;
            m.nodes[e.target].cross_park += 1;
            let key = if a < b {
                (a.clone(), b.clone())
            } else {
                (b.clone(), a.clone())
            };
            *pairs.entry(key).or_insert(0) += 1;
        }
        let (ra, rb) = (find(&mut parent, e.source), find(&mut parent, e.target));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    let mut sizes: BTreeMap<usize, u64> = BTreeMap::new();
    for i in 0..n {
        if m.nodes[i].degree > 0 {
            *sizes.entry(find(&mut parent, i)).or_insert(0) += 1;
        } else {
            m.untied += 1;
        }
    }
    let mut order: Vec<(usize, u64)> = sizes.into_iter().collect();
    order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let index: BTreeMap<usize, usize> = order
        .iter()
        .enumerate()
        .map(|(k, (r, _))| (*r, k))
        .collect();
    for i in 0..n {
        if m.nodes[i].degree > 0 {
            m.nodes[i].component = index.get(&find(&mut parent, i)).copied();
        }
    }
    m.components = order.iter().map(|(_, s)| *s).collect();
    let mut pp: Vec<(String, String, u64)> =
        pairs.into_iter().map(|((a, b), c)| (a, b, c)).collect();
    pp.sort_by(|x, y| y.2.cmp(&x.2).then_with(|| (&x.0, &x.1).cmp(&(&y.0, &y.1))));
    m.park_pairs = pp;
    m.isolated_high_tier = (0..n)
        .filter(|&i| {
            let nd = &g.nodes[i];
            nd.kind == NodeKind::Firm && nd.tier.is_some_and(|t| high.contains(&t)) && !linked[i]
        })
        .collect();
    m
}

/// Betweenness centrality of every node over the ties (Brandes 2001; unweighted, undirected,
/// each unordered pair counted once: a node on the only shortest path between two others scores 1).
pub fn betweenness(g: &Graph) -> Vec<f64> {
    let n = g.nodes.len();
    let mut adj: Vec<Vec<usize>> = vec![Vec::new(); n];
    for e in g.edges.iter().filter(|e| e.kind.is_tie()) {
        if !adj[e.source].contains(&e.target) {
            adj[e.source].push(e.target);
            adj[e.target].push(e.source);
        }
    }
    let mut cb = vec![0.0f64; n];
    let mut sigma = vec![0.0f64; n];
    let mut dist = vec![-1i64; n];
    let mut delta = vec![0.0f64; n];
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut stack = Vec::with_capacity(n);
    let mut queue = VecDeque::new();
    for s in 0..n {
        if adj[s].is_empty() {
            continue;
        }
        for v in 0..n {
            sigma[v] = 0.0;
            dist[v] = -1;
            delta[v] = 0.0;
            preds[v].clear();
        }
        sigma[s] = 1.0;
        dist[s] = 0;
        queue.push_back(s);
        while let Some(v) = queue.pop_front() {
            stack.push(v);
            for &w in &adj[v] {
                if dist[w] < 0 {
                    dist[w] = dist[v] + 1;
                    queue.push_back(w);
                }
                if dist[w] == dist[v] + 1 {
                    sigma[w] += sigma[v];
                    preds[w].push(v);
                }
            }
        }
        while let Some(w) = stack.pop() {
            for &v in &preds[w] {
                delta[v] += sigma[v] / sigma[w] * (1.0 + delta[w]);
            }
            if w != s {
                cb[w] += delta[w];
            }
        }
    }
    cb.iter().map(|x| x / 2.0).collect()
}
