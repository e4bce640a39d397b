//! The ecosystem graph on a hand-built zone whose measures were computed by hand (see each test).
use super::*;

fn firm(u: &str, park: &str, tier: Tier, clusters: &[&str], tracks: &[&str]) -> FirmIn {
    FirmIn {
        uscc: u.into(),
        name: format!("企业{u}"),
        park: park.into(),
        tier,
        clusters: clusters.iter().map(|s| s.to_string()).collect(),
        tracks: tracks.iter().map(|s| s.to_string()).collect(),
    }
}

fn link(a: Party, b: Party, kind: EdgeKind) -> TieIn {
    TieIn::Link {
        from: a,
        to: b,
        kind,
    }
}

fn f(u: &str) -> Party {
    Party::Firm(u.into())
}

/// Parks A and B; f1 (A, 独角兽, cluster c1, track t1), f2 (A, 高企), f3 (B, 瞪羚), f4 (B, other),
/// f5 (A, 瞪羚); institution r1 (A) incubated f5; track fund d1 (t1) invested in f1 and f3;
/// university U. Ties: f1–f2 supply twice, f2–f3 co-patent, f3–U technology contract, U → f4
/// registered contract.
pub(super) fn zone() -> EcoInput {
    EcoInput {
        year: 2024,
        parks: vec![("A".into(), "甲园".into()), ("B".into(), "乙园".into())],
        clusters: vec![("c1".into(), "集群一".into())],
        tracks: vec![("t1".into(), "赛道一".into())],
        firms: vec![
            firm("f1", "A", Tier::Unicorn, &["c1"], &["t1"]),
            firm("f2", "A", Tier::Hightech, &[], &[]),
            firm("f3", "B", Tier::Gazelle, &[], &[]),
            firm("f4", "B", Tier::Other, &[], &[]),
            firm("f5", "A", Tier::Gazelle, &[], &[]),
        ],
        rdis: vec![RdiIn {
            id: "r1".into(),
            name: "研究院一".into(),
            park: "A".into(),
        }],
        funds: vec![FundIn {
            id: "d1".into(),
            name: "赛道基金".into(),
            track: "t1".into(),
        }],
        ties: vec![
            link(f("f1"), f("f2"), EdgeKind::Supply),
            link(f("f2"), f("f1"), EdgeKind::Supply),
            link(f("f2"), f("f3"), EdgeKind::CoPatent),
            link(
                f("f3"),
                Party::Institute("大学U".into()),
                EdgeKind::TechContract,
            ),
            TieIn::Investment {
                fund: "d1".into(),
                uscc: "f1".into(),
                amount_fen: 10_000,
            },
            TieIn::Investment {
                fund: "d1".into(),
                uscc: "f3".into(),
                amount_fen: 5_000,
            },
            TieIn::Incubation {
                rdi: "r1".into(),
                uscc: "f5".into(),
            },
            TieIn::Contract {
                unit: "大学U".into(),
                uscc: "f4".into(),
                amount_fen: 20_000,
            },
        ],
    }
}

fn ix(g: &Graph, id: &str) -> usize {
    g.nodes
        .iter()
        .position(|n| n.id == id)
        .unwrap_or_else(|| panic!("no node {id}"))
}

fn high() -> Vec<Tier> {
    vec![Tier::Unicorn, Tier::Gazelle, Tier::Hightech]
}

#[test]
fn the_zone_graph_has_every_actor_and_merges_records() {
    let g = build(&zone(), &Filter::default(), &Viewer::Zone);
    // 5 firms, parks A and B, c1, t1, r1, d1, U
    assert_eq!(g.nodes.len(), 12);
    let ties: Vec<&Edge> = g.edges.iter().filter(|e| e.kind.is_tie()).collect();
    assert_eq!(ties.len(), 7);
    // membership: 5 firms located, f1 in c1 and on t1, r1 located in A, d1 on t1
    assert_eq!(g.edges.len() - ties.len(), 9);
    // the two supply records of f1 and f2 (in either order) are one edge of weight 2
    let s = ties.iter().find(|e| e.kind == EdgeKind::Supply).unwrap();
    assert_eq!(s.weight, 2);
    let inv: i64 = ties
        .iter()
        .filter(|e| e.kind == EdgeKind::Investment)
        .map(|e| e.amount_fen)
        .sum();
    assert_eq!(inv, 15_000);
}

#[test]
fn measures_match_the_hand_computed_numbers() {
    let g = build(&zone(), &Filter::default(), &Viewer::Zone);
    let m = measures(&g, &high());
    let d = |id: &str| m.nodes[ix(&g, id)];
    // degree / weighted: f1 supply(2 records) + investment; f3 co-patent, contract, investment
    assert_eq!((d("firm:f1").degree, d("firm:f1").weighted), (2, 3));
    assert_eq!((d("firm:f2").degree, d("firm:f2").weighted), (2, 3));
    assert_eq!((d("firm:f3").degree, d("firm:f3").weighted), (3, 3));
    assert_eq!(d("inst:大学U").degree, 2);
    assert_eq!(d("fund:d1").degree, 2);
    assert_eq!(d("park:A").degree, 0, "membership is not a tie");
    assert_eq!(m.tie_edges, 7);
    // the only tie with both ends in parks that differ: f2 (A) – f3 (B)
    assert_eq!(m.cross_park_edges, 1);
    assert_eq!(m.park_pairs, vec![("A".into(), "B".into(), 1)]);
    assert_eq!(d("firm:f2").cross_park, 1);
    assert_eq!(d("firm:f1").cross_park, 0);
    // {f1, f2, f3, U, d1, f4} and {r1, f5}; parks, cluster and track have no tie
    assert_eq!(m.components, vec![6, 2]);
    assert_eq!(m.untied, 4);
    assert_eq!(d("firm:f4").component, Some(0));
    assert_eq!(d("firm:f5").component, Some(1));
    // f5 (瞪羚) has only an incubation: isolated; f1, f2, f3 are linked or invested
    let iso: Vec<&str> = m
        .isolated_high_tier
        .iter()
        .map(|&i| g.nodes[i].id.as_str())
        .collect();
    assert_eq!(iso, vec!["firm:f5"]);
}

#[test]
fn betweenness_matches_the_hand_computed_values() {
    // ties: the 4-cycle f1–f2–f3–d1–f1 and the tail f3–U–f4 (r1–f5 apart). By hand, each
    // unordered pair once: f3 6.5, U 4, f2 1.5, d1 1.5, f1 0.5, f4 0.
    let g = build(&zone(), &Filter::default(), &Viewer::Zone);
    let b = betweenness(&g);
    let v = |id: &str| b[ix(&g, id)];
    for (id, want) in [
        ("firm:f3", 6.5),
        ("inst:大学U", 4.0),
        ("firm:f2", 1.5),
        ("fund:d1", 1.5),
        ("firm:f1", 0.5),
        ("firm:f4", 0.0),
        ("rdi:r1", 0.0),
        ("park:A", 0.0),
    ] {
        assert!((v(id) - want).abs() < 1e-12, "{id}: {} vs {want}", v(id));
    }
}

#[test]
fn a_park_sees_its_firms_and_only_anonymous_groups_of_others() {
    let g = build(&zone(), &Filter::default(), &Viewer::Park("B".into()));
    let ids: Vec<&str> = g.nodes.iter().map(|n| n.id.as_str()).collect();
    // f3, f4, park B, f2 as A's anonymous 高企 group, U, d1 and its track
    assert_eq!(
        ids.iter().copied().collect::<BTreeSet<_>>(),
        [
            "firm:f3",
            "firm:f4",
            "park:B",
            "other:A:hightech",
            "inst:大学U",
            "fund:d1",
            "track:t1"
        ]
        .into_iter()
        .collect()
    );
    for n in &g.nodes {
        for other in ["f1", "f2", "f5"] {
            assert!(!n.id.contains(other) && !n.label.contains(other), "{n:?}");
        }
    }
    let grp = &g.nodes[ix(&g, "other:A:hightech")];
    assert_eq!((grp.firms, grp.href.as_deref()), (1, None));
    assert!(grp.label.starts_with("其他园区企业"));
    // the supply tie between f1 and f2 (both other park) is not shown
    assert!(!g.edges.iter().any(|e| e.kind == EdgeKind::Supply));
    let m = measures(&g, &high());
    assert_eq!(m.cross_park_edges, 1);
}

#[test]
fn filters_keep_the_matching_firms_and_their_neighbours() {
    let inp = zone();
    let only_c1 = Filter {
        cluster: Some("c1".into()),
        ..Default::default()
    };
    let g = build(&inp, &only_c1, &Viewer::Zone);
    // f1 and its neighbours f2 (supply) and d1 (investment); c1, t1, park A
    assert!(g.nodes.iter().any(|n| n.id == "firm:f2"));
    assert!(
        !g.nodes
            .iter()
            .any(|n| n.id == "firm:f3" || n.id == "firm:f5")
    );
    let hide = Filter {
        hidden: [NodeKind::Fund, NodeKind::Park].into_iter().collect(),
        ..Default::default()
    };
    let g = build(&inp, &hide, &Viewer::Zone);
    assert!(
        !g.nodes
            .iter()
            .any(|n| matches!(n.kind, NodeKind::Fund | NodeKind::Park))
    );
    // f1's only tie left is the supply edge
    let m = measures(&g, &high());
    assert_eq!(m.nodes[ix(&g, "firm:f1")].degree, 1);
}

fn cfg(max_nodes: usize, group_by: GroupBy) -> EcoConfig {
    EcoConfig {
        document: String::new(),
        version: "t".into(),
        source: String::new(),
        status: String::new(),
        max_nodes,
        group_by,
        top: 5,
        high_tiers: vec![],
        path: String::new(),
    }
}

#[test]
fn above_the_threshold_firms_are_grouped() {
    let mut inp = zone();
    // a second 高企 of park A tied to f2: a tie inside the group A × 高企
    inp.firms.push(firm("f6", "A", Tier::Hightech, &[], &[]));
    inp.ties
        .push(link(f("f6"), f("f2"), EdgeKind::SharedPlatform));
    let g = build(&inp, &Filter::default(), &Viewer::Zone);
    assert_eq!(g.nodes.len(), 13);
    assert_eq!(aggregate(&g, &inp, &cfg(13, GroupBy::ParkTier)), g);
    let a = aggregate(&g, &inp, &cfg(12, GroupBy::ParkTier));
    assert!(a.aggregated);
    // groups A×独角兽, A×高企 (f2, f6), A×瞪羚, B×瞪羚, B×other, plus the 7 other actors
    assert_eq!(a.nodes.len(), 12);
    let grp = &a.nodes[ix(&a, "group:A:hightech")];
    assert_eq!(grp.firms, 2);
    assert_eq!(a.internal_ties, 1);
    assert!(!a.nodes.iter().any(|n| n.kind == NodeKind::Firm));
    let by_cluster = aggregate(&g, &inp, &cfg(12, GroupBy::Cluster));
    assert_eq!(
        by_cluster.nodes[ix(&by_cluster, "group:cluster:c1")].firms,
        1
    );
    assert_eq!(by_cluster.nodes[ix(&by_cluster, "group:none:A")].firms, 3);
}

#[test]
fn tiers_follow_the_records_of_the_year() {
    assert_eq!(Tier::of(Some(1), Some(1), None, None, 2024), Tier::Unicorn);
    assert_eq!(Tier::of(None, Some(1), None, Some(1), 2024), Tier::Gazelle);
    // a certificate is valid three years: 2022 counts in 2024, 2021 does not
    assert_eq!(
        Tier::of(None, None, Some(20220301), None, 2024),
        Tier::Hightech
    );
    assert_eq!(
        Tier::of(None, None, Some(20211231), Some(1), 2024),
        Tier::Techsme
    );
    assert_eq!(
        Tier::of(None, Some(0), Some(20211231), None, 2024),
        Tier::Other
    );
}

#[test]
fn the_shipped_configuration_loads_and_bad_ones_are_named() {
    let c = config().unwrap();
    assert!(c.max_nodes >= 1000);
    assert_eq!(c.high(), high());
    let e = EcoConfig::parse("max_nodes = 5", "x.toml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("x.toml"), "{e}");
    let bad = include_str!("../../../data/schemes/ecosystem-graph.toml")
        .replace("\"gazelle\"", "\"羚羊\"");
    let e = EcoConfig::parse(&bad, "y.toml").unwrap_err().to_string();
    assert!(e.contains("羚羊"), "{e}");
}

#[test]
fn csv_and_gexf_hold_every_node_and_edge() {
    let inp = zone();
    let g = build(&inp, &Filter::default(), &Viewer::Zone);
    let m = measures(&g, &high());
    let nodes = String::from_utf8(export::nodes_csv(&inp, &g, &m)).unwrap();
    assert_eq!(nodes.lines().count(), 1 + 12);
    assert!(nodes.starts_with("\u{feff}Id,Label,类型"), "{nodes}");
    let edges = String::from_utf8(export::edges_csv(&g)).unwrap();
    assert_eq!(edges.lines().count(), 1 + 16);
    assert!(
        edges.contains("fund:d1,firm:f1,Undirected,基金投资,1,100.00"),
        "{edges}"
    );
    let x = export::gexf(&inp, &g, &m, "测试 <&> \u{1}");
    gexf_check::parses_back(&x, 12, 16);
}

#[cfg(test)]
pub(super) mod gexf_check {
    use quick_xml::Reader;
    use quick_xml::XmlVersion;
    use quick_xml::events::Event;

    /// Parses a GEXF text with an XML parser: well-formed, version 1.3, `nodes` nodes with unique
    /// ids, `edges` edges whose ends are nodes.
    pub fn parses_back(x: &str, nodes: usize, edges: usize) {
        let mut r = Reader::from_str(x);
        let mut ids = std::collections::HashSet::new();
        let mut ends = Vec::new();
        let mut version = None;
        let mut n_edges = 0;
        loop {
            match r.read_event().expect("well-formed XML") {
                Event::Start(e) | Event::Empty(e) => {
                    let attr = |k: &str| {
                        e.attributes()
                            .map(|a| a.expect("an attribute"))
                            .find(|a| a.key.0 == k)
                            .map(|a| {
                                a.normalized_value(XmlVersion::Explicit1_0)
                                    .expect("escaped")
                                    .to_string()
                            })
                    };
                    match e.name().0 {
                        "gexf" => version = attr("version"),
                        "node" => assert!(ids.insert(attr("id").unwrap()), "duplicate node id"),
                        "edge" => {
                            n_edges += 1;
                            ends.push(attr("source").unwrap());
                            ends.push(attr("target").unwrap());
                        }
                        _ => {}
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(version.as_deref(), Some("1.3"));
        assert_eq!(ids.len(), nodes);
        assert_eq!(n_edges, edges);
        assert!(ends.iter().all(|e| ids.contains(e)));
    }
}

/// A small demo zone (firms, links, funds, institutions, contracts) in `store`.
pub(crate) async fn demo_store(store: &gaoxin_store::Store) -> gaoxin_model::Zone {
    let zone =
        gaoxin_model::Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap();
    let demo = gaoxin_demo::generate(
        &zone,
        &gaoxin_demo::DemoConfig {
            enterprises: 800,
            first_year: 2022,
            last_year: 2024,
            seed: 5,
        },
    );
    let mut tx = store.begin_import().await.unwrap();
    tx.write_enterprises(&demo.enterprises).await.unwrap();
    tx.write_facts(&demo.facts).await.unwrap();
    tx.commit().await.unwrap();
    crate::cluster_links::store_demo_links(store, &demo, 5)
        .await
        .unwrap();
    let last = gaoxin_model::Year::new(2024).unwrap();
    crate::finance_demo::load(store, &zone, &demo.enterprises, 5, last, 1_733_000_000)
        .await
        .unwrap();
    crate::rdi_demo::load(store, &zone, &demo.enterprises, 5, 2022, 2024)
        .await
        .unwrap();
    zone
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_zone_builds_on_both_backends_and_a_park_sees_its_part() {
    for store in gaoxin_store::testing::all().await.unwrap() {
        let zone = demo_store(&store).await;
        let all = built(
            &store,
            &zone,
            &gaoxin_store::Scope::Zone,
            &FilterText::default(),
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(all.input.year, 2024);
        let kinds = kind_counts(&all.graph);
        for k in [
            NodeKind::Firm,
            NodeKind::Rdi,
            NodeKind::Fund,
            NodeKind::Park,
        ] {
            assert!(kinds.get(&k).copied().unwrap_or(0) > 0, "{k:?}: {kinds:?}");
        }
        assert!(all.measures.tie_edges > 0);
        let v = view(&all);
        assert!(v.drawn_nodes <= all.config.max_nodes || v.drawn.aggregated);
        let park = zone.parks[0].id.clone();
        let scope = gaoxin_store::Scope::Park(park.clone());
        let mine = built(&store, &zone, &scope, &FilterText::default())
            .await
            .unwrap()
            .unwrap();
        let others: std::collections::HashSet<&str> = all
            .input
            .firms
            .iter()
            .filter(|f| f.park != park.as_str())
            .flat_map(|f| [f.uscc.as_str(), f.name.as_str()])
            .collect();
        for n in &mine.graph.nodes {
            assert!(!others.contains(n.label.as_str()), "{n:?}");
            assert!(!others.iter().any(|o| n.id.contains(o)), "{n:?}");
        }
        let nodes =
            String::from_utf8(export::nodes_csv(&mine.input, &mine.graph, &mine.measures)).unwrap();
        assert!(!others.iter().any(|o| nodes.contains(o)));
        // firms and departments do not see the graph; an unknown filter is named
        let firm = gaoxin_store::Scope::Enterprise(
            gaoxin_model::Uscc::parse(&all.input.firms[0].uscc).unwrap(),
        );
        assert!(
            built(&store, &zone, &firm, &FilterText::default())
                .await
                .unwrap()
                .is_none()
        );
        let bad = FilterText {
            track: "没有这个赛道".into(),
            ..Default::default()
        };
        let e = built(&store, &zone, &gaoxin_store::Scope::Zone, &bad)
            .await
            .err()
            .unwrap();
        assert!(e.to_string().contains("没有这个赛道"), "{e}");
    }
}
