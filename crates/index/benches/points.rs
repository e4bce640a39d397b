//! Benchmark: innovation points for 1,000,000 firms with the shipped scheme (columnar).
//! Run: `CARGO_TARGET_DIR=/tmp/target-index cargo bench -p gaoxin-index --bench points`

mod common;

use gaoxin_index::load;
use gaoxin_index::synth;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn main() {
    let n = 1_000_000;
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/schemes/innovation-points-2024.toml");
    let scheme = load::points_scheme_from_path(&path).expect("scheme loads");
    let input = synth::points_input(n, 15, 42);
    let (secs, r) = common::best_of(5, || {
        scheme.compute(&input, &BTreeMap::new()).expect("points")
    });
    let mean = r.total.iter().sum::<f64>() / n as f64;
    println!(
        "points: {n} firms, {} indicators, 15 zones x {} stages; mean points {mean:.2}",
        scheme.indicators.len(),
        scheme.stages.len()
    );
    let numpy = common::numpy_seconds("points", &[&n.to_string()]);
    common::report("points 1M firms", secs, numpy);
    println!(
        "reproduce: CARGO_TARGET_DIR=/tmp/target-index cargo bench -p gaoxin-index --bench points"
    );
}
