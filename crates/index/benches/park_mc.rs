//! Benchmark: the park evaluation's Monte Carlo rank intervals as the annual report sets them up
//! ([`gaoxin_index::report::rank_uncertainty`]: weight noise, normaliser, aggregation), over 15
//! synthetic parks of the 2021 scheme, 10,000 replications, 2 threads; numpy does the same
//! computation (same shape, same alternatives) for comparison.
//! Run: `CARGO_TARGET_DIR=/tmp/target-index cargo bench -p gaoxin-index --bench park_mc`

mod common;

use gaoxin_index::load;
use gaoxin_index::report::{ParkOptions, rank_uncertainty};
use gaoxin_index::synth;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn main() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/schemes/park-evaluation-2021.toml");
    let scheme = load::park_scheme_from_path(&path).expect("scheme loads");
    let firms = synth::firms(15, 200, &[2023, 2024], 7);
    let mut inputs = BTreeMap::new();
    let mut rng = gaoxin_index::rng::Rng::new(3);
    for p in 1..=15 {
        for ind in scheme.indicators.iter().filter(|i| i.panel.is_none()) {
            inputs.insert(
                (format!("P{p:02}"), ind.code.clone()),
                1.0 + 10.0 * rng.uniform(),
            );
        }
    }
    let (t_ind, values) = common::best_of(3, || {
        scheme
            .compute_indicators(&firms, 2024, &inputs)
            .expect("indicators")
    });
    println!(
        "park indicators from {} firm rows: {:.1} ms",
        firms.len(),
        t_ind * 1e3
    );
    let available: Vec<bool> = (0..scheme.indicators.len())
        .map(|j| values.col(j).iter().any(|v| v.is_finite()))
        .collect();
    let seed = ParkOptions::default().seed;
    let (t_setup, u) = common::best_of(3, || {
        rank_uncertainty(&scheme, &values, &available, seed).expect("setup")
    });
    let (units, n_ind) = u.shape();
    let reps = 10_000;
    let (secs, mc) = common::best_of(5, || u.monte_carlo(reps, 2));
    println!(
        "park MC: {units} parks x {n_ind} indicators (of {} in the scheme), {reps} replications, setup {:.1} ms; unit P01 nominal rank {} median {} [5% {}, 95% {}]",
        scheme.indicators.len(),
        t_setup * 1e3,
        mc.nominal_rank[0],
        mc.median_rank[0],
        mc.q05_rank[0],
        mc.q95_rank[0]
    );
    let (secs1, _) = common::best_of(3, || u.monte_carlo(reps, 1));
    println!("park MC single thread: {:.1} ms", secs1 * 1e3);
    let numpy = common::numpy_seconds(
        "mc",
        &[&reps.to_string(), &units.to_string(), &n_ind.to_string()],
    );
    common::report(
        "park MC 10k replications (2 threads)",
        secs + t_setup,
        numpy,
    );
    println!(
        "reproduce: CARGO_TARGET_DIR=/tmp/target-index cargo bench -p gaoxin-index --bench park_mc"
    );
}
