//! Synthetic links for the cluster diagnosis (issue 15), labelled synthetic like the rest of the
//! demo zone. Each cluster's tagged firms that report a year are linked among themselves and with
//! local universities and institutes. Some clusters are dense (the national and provincial ones
//! and 集成电路, 软件及信息服务业: about 2.4 partners per firm, every kind of link), some middling
//! (数字经济, 新医药与生命健康: 0.8) and the rest sparse (0.2, only supply and technology-contract
//! links) — so the demo shows both working clusters and "群而不集" with missing kinds. About 70 %
//! of a year's links carry over to the next year.
use crate::DemoZone;
use crate::rng::Rng;
use std::collections::{BTreeMap, HashSet};

/// One generated link: `to` is a firm's credit code when `to_firm`, else an institution's name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DemoLink {
    pub from: String,
    pub to: String,
    pub to_firm: bool,
    /// supply | tech_contract | co_patent | shared_platform
    pub kind: &'static str,
    pub year: i32,
}

/// Local universities and institutes the demo links firms with.
pub const INSTITUTIONS: [&str; 10] = [
    "南京大学",
    "东南大学",
    "南京航空航天大学",
    "南京理工大学",
    "河海大学",
    "南京邮电大学",
    "中国药科大学",
    "南京工业大学",
    "江苏省产业技术研究院",
    "中国科学院南京分院",
];

const KINDS: [&str; 4] = ["supply", "tech_contract", "co_patent", "shared_platform"];

/// Mean link partners per member and the kinds' weights, by cluster id.
fn profile(cluster: &str) -> (f64, [f64; 4]) {
    match cluster {
        "c01" | "c02" | "c03" | "c04" | "c05" | "c12" => (2.4, [0.45, 0.25, 0.2, 0.1]),
        "c09" | "c11" => (0.8, [0.5, 0.3, 0.2, 0.0]),
        _ => (0.2, [0.7, 0.3, 0.0, 0.0]),
    }
}

/// The demo zone's links, deterministic for `seed`.
pub fn generate_links(demo: &DemoZone, seed: u64) -> Vec<DemoLink> {
    // members per cluster and year: tagged firms with a row that year
    let mut active: HashSet<(&str, i32)> = HashSet::new();
    let mut years: Vec<i32> = Vec::new();
    for f in &demo.facts {
        active.insert((f.uscc.as_str(), f.year.get()));
        if !years.contains(&f.year.get()) {
            years.push(f.year.get());
        }
    }
    years.sort_unstable();
    let mut by_cluster: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for e in &demo.enterprises {
        for c in &e.clusters {
            by_cluster
                .entry(c.as_str())
                .or_default()
                .push(e.uscc.as_str());
        }
    }
    let mut out = Vec::new();
    // (pair, kind, year) once over all clusters: a firm may carry two clusters' tags
    let mut seen: Seen = HashSet::new();
    for (ci, (cluster, firms)) in by_cluster.iter().enumerate() {
        let mut rng = Rng::derive(seed, 0x4c494e4b, ci as u64);
        let (degree, weights) = profile(cluster);
        let mut prev: Vec<DemoLink> = Vec::new();
        for &y in &years {
            let members: Vec<&str> = firms
                .iter()
                .copied()
                .filter(|u| active.contains(&(*u, y)))
                .collect();
            if members.len() < 2 {
                prev.clear();
                continue;
            }
            let target = (degree * members.len() as f64 / 2.0).round() as usize;
            let mut year_links = Vec::new();
            for l in &prev {
                let alive = active.contains(&(l.from.as_str(), y))
                    && (!l.to_firm || active.contains(&(l.to.as_str(), y)));
                if alive && rng.chance(0.7) {
                    keep(
                        DemoLink {
                            year: y,
                            ..l.clone()
                        },
                        &mut seen,
                        &mut year_links,
                    );
                }
            }
            let mut tries = 0;
            while year_links.len() < target && tries < target * 4 {
                tries += 1;
                let from = *rng.pick(&members);
                let kind = KINDS[rng.weighted(&weights)];
                let (to, to_firm) = if rng.chance(0.2) {
                    (rng.pick(&INSTITUTIONS).to_string(), false)
                } else {
                    (rng.pick(&members).to_string(), true)
                };
                let l = DemoLink {
                    from: from.to_string(),
                    to,
                    to_firm,
                    kind,
                    year: y,
                };
                keep(l, &mut seen, &mut year_links);
            }
            prev = year_links.clone();
            out.extend(year_links);
        }
    }
    out
}

type Seen = HashSet<(String, String, &'static str, i32)>;

/// Adds `l` unless it links a party with itself or its pair, kind and year is taken.
fn keep(l: DemoLink, seen: &mut Seen, out: &mut Vec<DemoLink>) {
    let key = if l.from <= l.to {
        (l.from.clone(), l.to.clone(), l.kind, l.year)
    } else {
        (l.to.clone(), l.from.clone(), l.kind, l.year)
    };
    if l.from != l.to && seen.insert(key) {
        out.push(l);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DemoConfig;

    #[test]
    fn links_are_deterministic_distinct_and_dense_only_where_planned() {
        let zone =
            gaoxin_model::Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap();
        let cfg = DemoConfig {
            enterprises: 3000,
            first_year: 2022,
            last_year: 2024,
            seed: 5,
        };
        let demo = crate::generate(&zone, &cfg);
        let a = generate_links(&demo, 5);
        assert_eq!(a, generate_links(&demo, 5));
        assert!(!a.is_empty());
        let mut keys = HashSet::new();
        for l in &a {
            let (x, y) = if l.from <= l.to {
                (&l.from, &l.to)
            } else {
                (&l.to, &l.from)
            };
            assert!(
                keys.insert((x.clone(), y.clone(), l.kind, l.year)),
                "duplicate {l:?}"
            );
            assert_ne!(l.from, l.to);
        }
        // sparse clusters get no co-patent or shared-platform links
        let tagged = |c: &str| -> HashSet<&str> {
            demo.enterprises
                .iter()
                .filter(|e| e.clusters.iter().any(|x| x == c))
                .map(|e| e.uscc.as_str())
                .collect()
        };
        let sparse = tagged("c14");
        assert!(
            a.iter()
                .filter(|l| sparse.contains(l.from.as_str()))
                .all(|l| l.kind == "supply" || l.kind == "tech_contract")
        );
    }
}
