//! Benchmark: Sobol indices — generic estimator on Ishigami, and the choices of the park index.
//! Run: `CARGO_TARGET_DIR=/tmp/target-index cargo bench -p gaoxin-index --bench sobol`

mod common;

use gaoxin_index::meta::{IndexMeta, Node};
use gaoxin_index::report::{rank_choices, rank_nominal};
use gaoxin_index::sensitivity::{self, Choice, Uncertainty};
use gaoxin_index::{Dataset, rng::Rng};

fn main() {
    let n = 100_000;
    let (secs, r) = common::best_of(3, || {
        sensitivity::sobol_indices(|u| sensitivity::ishigami(u, 7.0, 0.1), 3, n, 1, 2)
    });
    println!(
        "Ishigami N={n} ({} evaluations): S1 = {:.4?}, ST = {:.4?}, {:.1} ms",
        n * 5,
        r.s1,
        r.st,
        secs * 1e3
    );
    // a 15 x 35 index in 5 pillars, 4 uncertain choices
    let mut nodes: Vec<Node> = (0..35)
        .map(|j| Node::indicator(&format!("x{j}"), &format!("P{}", j / 7)))
        .collect();
    for p in 0..5 {
        nodes.push(Node::aggregate(&format!("P{p}"), 2, Some("I")));
    }
    nodes.push(Node::aggregate("I", 3, None));
    let meta = IndexMeta::new(nodes).expect("meta");
    let mut rng = Rng::new(5);
    let cols: Vec<Vec<f64>> = (0..35)
        .map(|_| (0..15).map(|_| rng.uniform().powi(3) * 100.0).collect())
        .collect();
    let data = Dataset::from_columns(
        (0..15).map(|i| format!("u{i}")).collect(),
        meta.indicator_codes(),
        cols,
    )
    .expect("data");
    // the park report's rank-interval setup, with outlier treatment and its limit varied too
    let mut nominal = rank_nominal(meta.weights(None).expect("w"), "I");
    nominal.treat = Some(Default::default());
    let mut choices = rank_choices();
    choices.push(Choice::Winmax(vec![0, 5]));
    let u = Uncertainty::new(&meta, &data, nominal, choices, 3).expect("setup");
    let base = 2000;
    let (secs, s) = common::best_of(3, || u.sobol(base, 2));
    println!(
        "index Sobol N={base} ({} replications): factors [weights, normalisation, aggregation, winmax] S1 = {:.3?}, ST = {:.3?}, {:.1} ms",
        base * 6,
        s.s1,
        s.st,
        secs * 1e3
    );
    println!(
        "reproduce: CARGO_TARGET_DIR=/tmp/target-index cargo bench -p gaoxin-index --bench sobol"
    );
}
