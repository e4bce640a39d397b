//! Hand-computed example: two parks, two clusters with the same prefix in different parks.
use super::*;

fn def(id: &str, park: &str, industries: &[&str], tags: &[&str]) -> ClusterDef {
    ClusterDef {
        id: id.into(),
        name: id.into(),
        parks: vec![park.into()],
        level: "city".into(),
        source: "test".into(),
        source_title: String::new(),
        effective_from: 2020,
        effective_to: None,
        effective_from_basis: String::new(),
        industries: industries.iter().map(|s| s.to_string()).collect(),
        industries_basis: String::new(),
        tags: tags.iter().map(|s| s.to_string()).collect(),
        unconfirmed: Vec::new(),
    }
}

fn params(min_firms: u64, threshold: f64, leading: usize) -> Params {
    Params {
        version: "t".into(),
        source: "t".into(),
        source_title: String::new(),
        benchmark_degree: 1.0,
        min_firms,
        linkage_threshold: threshold,
        strong_quantile: 0.75,
        leading_firms: leading,
        leading_revenue_wan: 1,
        unconfirmed: Vec::new(),
    }
}

fn parks() -> Vec<String> {
    vec!["A".into(), "B".into()]
}

fn defs() -> Vec<ClusterDef> {
    vec![
        def("c0", "A", &["C27"], &["c0"]),
        def("c1", "B", &["C27"], &[]),
    ]
}

/// Firms 0–5 (see the expected values below for the arithmetic).
fn input(year: i32, emp1: i64) -> YearInput {
    use flag::*;
    YearInput {
        year,
        park: vec![0, 0, 0, 1, 1, 0],
        codes: vec![
            "C2710".into(),
            "C2720".into(),
            "I6510".into(),
            "I6410".into(),
        ],
        industry: vec![0, 1, 2, 0, 2, 3],
        tags: vec![0, 0, 0, 0, 0, 1],
        employees: vec![Some(10), Some(emp1), Some(60), Some(20), Some(80), None],
        revenue: vec![
            Some(100),
            Some(300),
            Some(50),
            Some(200),
            Some(10),
            Some(40),
        ],
        flags: vec![HIGH_TECH | TIERED, TIERED, 0, LISTED_OR_UNICORN, 0, 0],
    }
}

fn links() -> Links {
    use LinkKind::*;
    // node 6 = a university
    Links {
        from: vec![0, 1, 0, 0, 3],
        to: vec![1, 5, 6, 3, 6],
        kind: vec![Supply, CoPatent, TechContract, Supply, SharedPlatform],
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn location_quotient_focus_and_strong_cluster_by_hand() {
    let m = diagnose(
        &defs(),
        &parks(),
        &params(3, 2.5, 2),
        &input(2024, 30),
        &links(),
    )
    .unwrap();
    // zone employment 200 (firm 5 reports none); each park 100; C27 industry 60 → zone share 0.3
    assert_eq!(m.zone_employees, 200);
    assert_eq!(m.park_employees, vec![100, 100]);
    let a = &m.cells[0][0];
    assert_eq!((a.firms, a.employees, a.revenue), (3, 40, 440)); // firm 5 by its tag
    assert!(close(a.focus.unwrap(), 0.4));
    assert!(close(a.lq.unwrap(), 0.4 / 0.3));
    assert!(close(m.cells[0][1].lq.unwrap(), 0.2 / 0.3));
    let c0 = &m.clusters[0];
    // cutoff: type-7 quantile 0.75 of [2/3, 4/3] = 2/3 + 0.75 × 2/3 = 7/6
    assert!(close(c0.strong_cutoff.unwrap(), 7.0 / 6.0));
    assert!(c0.strong, "LQ 4/3 ≥ 7/6 and > 1");
    let c1 = &m.clusters[1];
    assert!(close(c1.lq.unwrap(), 2.0 / 3.0));
    assert!(!c1.strong, "LQ below 1 and the cutoff");
    // the park × cluster matrix: park A is strong in both industries, park B in neither
    assert!(m.cells[0][0].strong && m.cells[1][0].strong);
    assert!(!m.cells[0][1].strong && !m.cells[1][1].strong);
    assert!(close(c0.high_tech_share.unwrap(), 1.0 / 3.0));
    assert!(close(c0.tiered_share.unwrap(), 2.0 / 3.0));
}

#[test]
fn linkage_index_flag_and_missing_kinds_by_hand() {
    let m = diagnose(
        &defs(),
        &parks(),
        &params(3, 2.5, 3),
        &input(2024, 30),
        &links(),
    )
    .unwrap();
    let c0 = &m.clusters[0];
    // members 0, 1, 5: supply 0–1, co-patent 1–5 inside; tech contract 0–university;
    // 0–3 links two different clusters and counts for neither
    assert_eq!(c0.member_links, [1, 0, 1, 0]);
    assert_eq!(c0.institution_links, [0, 1, 0, 0]);
    assert_eq!(c0.observed, 3);
    assert!(close(c0.expected, 1.5)); // 1.0 × 3 ÷ 2
    assert!(close(c0.linkage_index.unwrap(), 2.0));
    assert!(c0.loose, "3 members ≥ 3 and index 2.0 < 2.5");
    assert_eq!(c0.missing_kinds, vec![LinkKind::SharedPlatform]);
    // leading by revenue: 1 (300), 0 (100), 5 (40); only 0–5 has no link
    assert_eq!(c0.leading, vec![1, 0, 5]);
    assert_eq!(c0.unlinked_leading, vec![(0, 5)]);
    assert_eq!(c0.gap_leading_firm, Some(true));
    assert_eq!(c0.gap_national_platform, None, "nobody reports a level");
    let c1 = &m.clusters[1];
    assert_eq!(c1.observed, 1);
    assert!(close(c1.linkage_index.unwrap(), 2.0));
    assert!(!c1.loose, "one member is below min_firms");
    assert_eq!(c1.gap_leading_firm, Some(false), "firm 3 is listed");
    // with a lower threshold nothing is flagged
    let m = diagnose(
        &defs(),
        &parks(),
        &params(3, 2.0, 3),
        &input(2024, 30),
        &links(),
    )
    .unwrap();
    assert!(!m.clusters[0].loose, "2.0 is not below 2.0");
}

#[test]
fn overlap_across_parks_is_the_cosine_of_revenue_mixes() {
    let m = diagnose(
        &defs(),
        &parks(),
        &params(3, 2.5, 2),
        &input(2024, 30),
        &links(),
    )
    .unwrap();
    assert_eq!(m.overlaps.len(), 1);
    let o = &m.overlaps[0];
    assert_eq!((o.a.as_str(), o.b.as_str()), ("c0", "c1"));
    assert_eq!(o.shared_prefixes, vec!["C27".to_string()]);
    // c0: C2710 100, C2720 300, I6410 40; c1: C2710 200 → 100·200 ÷ (√101600 · 200)
    assert!(close(o.cosine.unwrap(), 100.0 / 101_600f64.sqrt()));
    // same park → no duplication reported
    let mut d = defs();
    d[1].parks = vec!["A".into()];
    let m = diagnose(&d, &parks(), &params(3, 2.5, 2), &input(2024, 30), &links()).unwrap();
    assert!(m.overlaps.is_empty());
}

#[test]
fn growth_and_years_out_of_force() {
    let p = params(3, 2.5, 2);
    let prev = diagnose(&defs(), &parks(), &p, &input(2023, 10), &Links::default()).unwrap();
    let cur = diagnose(&defs(), &parks(), &p, &input(2024, 30), &links()).unwrap();
    let cur = with_growth(cur, Some(&prev));
    // members' employees 20 → 40
    assert!(close(cur.clusters[0].employees_growth.unwrap(), 1.0));
    assert!(close(cur.clusters[0].revenue_growth.unwrap(), 0.0));
    // before it is in force a cluster has no members and no flag
    let mut d = defs();
    d[0].effective_from = 2025;
    let m = diagnose(&d, &parks(), &p, &input(2024, 30), &links()).unwrap();
    assert_eq!(m.clusters[0].firms, 0);
    assert!(!m.clusters[0].in_force && !m.clusters[0].loose);
    assert_eq!(m.clusters[0].linkage_index, None);
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let p = params(3, 2.5, 2);
    let mut i = input(2024, 30);
    i.flags.pop();
    assert!(diagnose(&defs(), &parks(), &p, &i, &links()).is_err());
    let mut d = defs();
    d[0].parks = vec!["Z".into()];
    let e = diagnose(&d, &parks(), &p, &input(2024, 30), &links()).unwrap_err();
    assert!(e.to_string().contains("Z"), "{e}");
}

#[test]
fn the_shipped_files_parse() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/clusters");
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let text = std::fs::read_to_string(&p).unwrap();
        let name = p.file_name().unwrap().to_str().unwrap();
        if name == "diagnosis.toml" {
            Params::parse(&text, name).unwrap();
        } else {
            let d = ClusterDef::parse(&text, name).unwrap();
            assert_eq!(format!("{}.toml", d.id), name);
            n += 1;
        }
    }
    assert_eq!(n, 15);
    let e = ClusterDef::parse("id = \"x\"\nname = \"x\"\nparks = [\"a\"]\nlevel = \"city\"\nsource = \"s\"\neffective_from = 2020\nindustries = [\"27\"]\n", "x.toml").unwrap_err();
    assert!(e.to_string().contains("x.toml"), "{e}");
}
