//! Benchmark: park evaluation (15 parks x 34 indicators of the 2021 scheme) with 10,000 Monte
//! Carlo replications over weight noise, normaliser, aggregation and winsorisation limit, 2 threads.
//! Run: `CARGO_TARGET_DIR=/tmp/target-index cargo bench -p gaoxin-index --bench park_mc`

mod common;

use gaoxin_index::aggregate::AggMethod;
use gaoxin_index::load;
use gaoxin_index::normalise::Normaliser;
use gaoxin_index::sensitivity::{Choice, Nominal, Uncertainty};
use gaoxin_index::synth;
use gaoxin_index::treat::TreatParams;
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
    let meta = scheme.meta().expect("meta");
    let nominal = Nominal {
        treat: Some(TreatParams::default()),
        normaliser: Normaliser::MinMax { lo: 1.0, hi: 100.0 },
        aggregation: AggMethod::Arithmetic,
        weights: meta.weights(None).expect("weights"),
        dat_thresh: 0.0,
        output: "Total".into(),
    };
    let choices = vec![
        Choice::WeightNoise {
            noise: 0.25,
            levels: vec![1, 2],
            n_sets: 1000,
        },
        Choice::Normaliser(vec![
            Normaliser::MinMax { lo: 1.0, hi: 100.0 },
            Normaliser::ZScore {
                mean: 10.0,
                sd: 2.0,
            },
        ]),
        Choice::Aggregation(vec![AggMethod::Arithmetic, AggMethod::Geometric]),
        Choice::Winmax(vec![0, 5]),
    ];
    let (t_setup, u) = common::best_of(3, || {
        Uncertainty::new(&meta, &values, nominal.clone(), choices.clone(), 11).expect("setup")
    });
    let reps = 10_000;
    let (secs, mc) = common::best_of(5, || u.monte_carlo(reps, 2));
    println!(
        "park MC: 15 parks x {} indicators, {reps} replications, setup {:.1} ms; unit P01 nominal rank {} median {} [5% {}, 95% {}]",
        meta.indicator_codes().len(),
        t_setup * 1e3,
        mc.nominal_rank[0],
        mc.median_rank[0],
        mc.q05_rank[0],
        mc.q95_rank[0]
    );
    let (secs1, _) = common::best_of(3, || u.monte_carlo(reps, 1));
    println!("park MC single thread: {:.1} ms", secs1 * 1e3);
    let numpy = common::numpy_seconds("mc", &[&reps.to_string()]);
    common::report(
        "park MC 10k replications (2 threads)",
        secs + t_setup,
        numpy,
    );
    println!(
        "reproduce: CARGO_TARGET_DIR=/tmp/target-index cargo bench -p gaoxin-index --bench park_mc"
    );
}
