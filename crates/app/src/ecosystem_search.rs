//! Finding a node of the ecosystem graph the viewer sees (issue 17): by name (part of it, any
//! case) or by the 统一社会信用代码 of a firm, among firms, institutions, funds, parks, clusters and
//! tracks. The search runs over the graph as [`build`](super::build) made it for the viewer, so a
//! park administrator can only find its own park's firms by name: another park's firms are in
//! that graph only as anonymous groups, which are not searched. A firm drawn inside a group
//! (above the drawing threshold) is reported with its group and the group's link (the graph of
//! that park, or the enterprise list), and the group is what the page highlights.
use super::*;

/// One node found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub label: String,
    pub kind: &'static str,
    pub park: String,
    /// The node's own page.
    pub href: Option<String>,
    /// The drawn node standing for it (itself, or its group).
    pub drawn: usize,
    /// The group it is drawn in (aggregated graph), with the group's link.
    pub group: Option<String>,
    pub group_href: Option<String>,
}

/// What a search found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchView {
    pub q: String,
    pub hits: Vec<Hit>,
    /// Matches in all (the list shows at most [`MAX_HITS`]).
    pub total: usize,
    /// The drawn node to highlight and centre (the first hit's).
    pub focus: Option<usize>,
}

/// Hits listed at most.
pub const MAX_HITS: usize = 20;

/// Searches `q` in the graph of `p` (see the module docs); `None` for an empty query.
pub fn search(p: &PageData, q: &str) -> Option<SearchView> {
    let q = q.trim();
    if q.is_empty() {
        return None;
    }
    let needle = q.to_lowercase();
    let code = format!("firm:{}", q.to_uppercase());
    let g = &p.built.graph;
    let drawn = &p.view.drawn;
    let mut found: Vec<(u8, usize)> = g
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.kind != NodeKind::Group)
        .filter_map(|(i, n)| {
            let label = n.label.to_lowercase();
            let rank = if n.id == code || label == needle {
                0
            } else if label.starts_with(&needle) {
                1
            } else if label.contains(&needle) {
                2
            } else {
                return None;
            };
            Some((rank, i))
        })
        .collect();
    found.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(g.nodes[a.1].label.len().cmp(&g.nodes[b.1].label.len()))
            .then(g.nodes[a.1].label.cmp(&g.nodes[b.1].label))
    });
    let total = found.len();
    let hits: Vec<Hit> = found
        .into_iter()
        .take(MAX_HITS)
        .map(|(_, i)| {
            let n = &g.nodes[i];
            let d = p.view.drawn_of[i];
            let grouped = drawn.nodes[d].kind == NodeKind::Group;
            Hit {
                label: n.label.clone(),
                kind: n.kind.zh(),
                park: n
                    .park
                    .as_deref()
                    .map(|x| name_of(&p.built.input.parks, x).to_string())
                    .unwrap_or_default(),
                href: n.href.clone(),
                drawn: d,
                group: grouped.then(|| drawn.nodes[d].label.clone()),
                group_href: if grouped {
                    drawn.nodes[d].href.clone()
                } else {
                    None
                },
            }
        })
        .collect();
    Some(SearchView {
        q: q.to_string(),
        focus: hits.first().map(|h| h.drawn),
        hits,
        total,
    })
}

/// The link a drawn group opens: the graph of its park (or cluster) under the page's other
/// filters, or — when the graph is already narrowed to that park and still grouped — the
/// enterprise list of the park. Anonymous groups (another park's firms) open nothing.
pub(crate) fn group_href(b: &Built, n: &Node) -> Option<String> {
    if n.kind != NodeKind::Group || !n.id.starts_with("group:") {
        return None;
    }
    let f = &b.filter;
    let mut q = format!("/ecosystem?year={}", b.input.year);
    let hidden: Vec<&str> = f.hidden.iter().map(|k| k.key()).collect();
    if !hidden.is_empty() {
        q.push_str(&format!(
            "&hide={}",
            super::load_mod::enc(&hidden.join(","))
        ));
    }
    if let Some(t) = &f.track {
        q.push_str(&format!("&track={}", super::load_mod::enc(t)));
    }
    match (&n.cluster, &n.park) {
        (Some(c), _) if n.id.starts_with("group:cluster:") => {
            if f.cluster.as_deref() == Some(c) {
                return Some(format!("/enterprises?cluster={}", super::load_mod::enc(c)));
            }
            if let Some(p) = &f.park {
                q.push_str(&format!("&park={}", super::load_mod::enc(p)));
            }
            q.push_str(&format!("&cluster={}", super::load_mod::enc(c)));
        }
        (_, Some(p)) => {
            let own = matches!(&b.viewer, Viewer::Park(v) if v == p);
            if f.park.as_deref() == Some(p) || own {
                return Some(format!("/enterprises?park={}", super::load_mod::enc(p)));
            }
            if let Some(c) = &f.cluster {
                q.push_str(&format!("&cluster={}", super::load_mod::enc(c)));
            }
            q.push_str(&format!("&park={}", super::load_mod::enc(p)));
        }
        _ => return None,
    }
    Some(q)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ecosystem::tests::zone;
    use std::sync::Arc;

    pub(crate) fn page(viewer: Viewer, max_nodes: usize) -> PageData {
        let input = Arc::new(zone());
        let filter = Filter::default();
        let graph = build(&input, &filter, &viewer);
        let config = EcoConfig {
            document: "d".into(),
            version: "v".into(),
            source: "s".into(),
            status: "UNCONFIRMED".into(),
            max_nodes,
            group_by: GroupBy::ParkTier,
            top: 5,
            high_tiers: vec!["unicorn".into(), "gazelle".into(), "hightech".into()],
            path: "test".into(),
        };
        let measures = measures(&graph, &config.high());
        let built = Built {
            input,
            years: vec![2024],
            viewer,
            filter,
            graph,
            measures,
            config,
        };
        PageData {
            view: view(&built),
            form: form(&built),
            built,
        }
    }

    #[test]
    fn a_search_finds_firms_and_other_actors_in_the_drawn_graph() {
        let p = page(Viewer::Zone, 100);
        assert!(search(&p, "  ").is_none());
        let s = search(&p, "企业F3").unwrap();
        assert_eq!(s.total, 1);
        let h = &s.hits[0];
        assert_eq!(h.href.as_deref(), Some("/enterprises/f3"));
        assert_eq!(h.group, None);
        assert_eq!(p.view.drawn.nodes[h.drawn].id, "firm:f3");
        assert_eq!(s.focus, Some(h.drawn));
        // by code, and other kinds by name
        let s = search(&p, "F1").unwrap();
        assert_eq!(s.hits[0].href.as_deref(), Some("/enterprises/f1"));
        let s = search(&p, "研究院").unwrap();
        assert_eq!(s.hits[0].href.as_deref(), Some("/rdi/r1"));
        assert_eq!(s.hits[0].kind, "新型研发机构");
        assert_eq!(search(&p, "赛道基金").unwrap().hits[0].kind, "基金");
        assert_eq!(
            search(&p, "甲园").unwrap().hits[0].href.as_deref(),
            Some("/parks/A")
        );
        assert_eq!(search(&p, "没有这个").unwrap().total, 0);
    }

    #[test]
    fn a_firm_drawn_in_a_group_is_found_in_its_group_with_the_link_to_expand_it() {
        let p = page(Viewer::Zone, 10);
        assert!(p.view.drawn.aggregated);
        let s = search(&p, "企业f1").unwrap();
        let h = &s.hits[0];
        assert_eq!(h.group.as_deref(), Some("甲园 · 独角兽"));
        assert_eq!(h.group_href.as_deref(), Some("/ecosystem?year=2024&park=A"));
        assert_eq!(p.view.drawn.nodes[h.drawn].kind, NodeKind::Group);
        assert_eq!(p.view.drawn.nodes[h.drawn].href, h.group_href);
        // the firm's own page is still offered
        assert_eq!(h.href.as_deref(), Some("/enterprises/f1"));
    }

    #[test]
    fn a_park_never_finds_another_parks_firm() {
        let p = page(Viewer::Park("A".into()), 100);
        // f3 (park B) is tied to f2 (park A): it is in A's graph, but only as an anonymous group
        assert!(
            p.built
                .graph
                .nodes
                .iter()
                .any(|n| n.id.starts_with("other:B"))
        );
        for q in ["企业f3", "f3", "其他园区", "乙园"] {
            let s = search(&p, q).unwrap();
            assert!(
                s.hits.iter().all(|h| !h.label.contains("f3")
                    && !h.label.contains("其他园区")
                    && h.group.is_none()),
                "{q}: {:?}",
                s.hits
            );
        }
        assert_eq!(search(&p, "企业f2").unwrap().total, 1);
        // an anonymous group opens nothing
        assert!(
            p.view
                .drawn
                .nodes
                .iter()
                .filter(|n| n.id.starts_with("other:"))
                .all(|n| n.href.is_none())
        );
    }
}
