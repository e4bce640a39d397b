//! Benchmark: the cluster diagnosis (sizes, LQ, strong clusters, linkage, 群而不集, leading pairs,
//! overlaps) of the 15 shipped cluster definitions over 1,000,000 firms and 5,000,000 links in the
//! 15 parks — the engine on its columns, as the platform calls it once the year is loaded.
//! Run: `cargo bench -p gaoxin-index --bench clusters` (issue 15 asks for < 2 s).

mod common;

use gaoxin_index::cluster::{self, ClusterDef, LinkKind, Links, Params, YearInput, flag};
use gaoxin_index::rng::Rng;
use std::path::PathBuf;

fn main() {
    let n_firms = 1_000_000usize;
    let n_links = 5_000_000usize;
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/clusters");
    let mut defs = Vec::new();
    let mut params = None;
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for p in files {
        let text = std::fs::read_to_string(&p).unwrap();
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        if name == "diagnosis.toml" {
            params = Some(Params::parse(&text, &name).unwrap());
        } else {
            defs.push(ClusterDef::parse(&text, &name).unwrap());
        }
    }
    let params = params.expect("diagnosis.toml");
    let zone =
        gaoxin_model::Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap();
    let parks: Vec<String> = zone.parks.iter().map(|p| p.id.to_string()).collect();
    // industry codes: the clusters' prefixes expanded, plus others
    let mut codes: Vec<String> = Vec::new();
    for d in &defs {
        for p in &d.industries {
            for k in 0..4 {
                codes.push(format!("{p}{k}").chars().take(5).collect());
            }
        }
    }
    for s in ["F5", "L7", "M75", "C40", "E48"] {
        codes.push(format!("{s}10"));
    }
    let mut rng = Rng::new(20261206);
    let mut input = YearInput {
        year: 2024,
        codes: codes.clone(),
        ..Default::default()
    };
    for _ in 0..n_firms {
        input.park.push(rng.below(parks.len()) as u16);
        input.industry.push(rng.below(codes.len()) as u32);
        input.tags.push(if rng.uniform() < 0.1 {
            1 << rng.below(defs.len())
        } else {
            0
        });
        input
            .employees
            .push((rng.uniform() < 0.95).then(|| 1 + rng.below(500) as i64));
        input
            .revenue
            .push((rng.uniform() < 0.95).then(|| rng.below(1 << 30) as i64 * 100));
        let mut f = 0;
        if rng.uniform() < 0.3 {
            f |= flag::HIGH_TECH | flag::TIERED;
        }
        if rng.uniform() < 0.01 {
            f |= flag::NATIONAL_PLATFORM | flag::RD_KNOWN;
        }
        input.flags.push(f);
    }
    let n_inst = 200;
    let mut links = Links::default();
    for _ in 0..n_links {
        let a = rng.below(n_firms) as u32;
        let b = if rng.uniform() < 0.1 {
            (n_firms + rng.below(n_inst)) as u32
        } else {
            // mostly near neighbours of the same park, so clusters get links
            ((a as usize + 15 * (1 + rng.below(64))) % n_firms) as u32
        };
        links.from.push(a);
        links.to.push(b);
        links.kind.push(LinkKind::ALL[rng.below(4)]);
    }
    let (secs, m) = common::best_of(5, || {
        cluster::diagnose(&defs, &parks, &params, &input, &links).expect("diagnosis")
    });
    let loose = m.clusters.iter().filter(|c| c.loose).count();
    let members: u64 = m.clusters.iter().map(|c| c.firms).sum();
    let observed: u64 = m.clusters.iter().map(|c| c.observed).sum();
    println!(
        "clusters: {n_firms} firms, {n_links} links, {} clusters × {} parks; {members} members, {observed} links inside clusters, {loose} flagged 群而不集, {} overlaps",
        defs.len(),
        parks.len(),
        m.overlaps.len()
    );
    println!("clusters 1M firms + 5M links: {secs:.3} s (best of 5; target < 2 s)");
    println!("peak memory {:.0} MiB", common::peak_mib());
    println!("reproduce: cargo bench -p gaoxin-index --bench clusters");
}
