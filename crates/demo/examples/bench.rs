//! Times generation: `cargo run --release -p gaoxin-demo --example bench`.
use gaoxin_demo::{DemoConfig, generate, generate_each};
use gaoxin_model::Zone;
use std::time::Instant;

fn main() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/reference/zone.toml"
    );
    let zone = Zone::parse(&std::fs::read_to_string(path).expect("zone.toml")).expect("valid");
    let cfg = DemoConfig::default();
    let t = Instant::now();
    let z = generate(&zone, &cfg);
    println!(
        "generate: {} firms, {} rows in {:?}",
        z.enterprises.len(),
        z.facts.len(),
        t.elapsed()
    );
    drop(z);
    // About 1,000,000 firm-years, streamed.
    let big = DemoConfig {
        enterprises: 220_000,
        ..cfg
    };
    let t = Instant::now();
    let (mut firms, mut rows) = (0usize, 0usize);
    generate_each(&zone, &big, |_, r| {
        firms += 1;
        rows += r.len();
    });
    println!(
        "generate_each: {firms} firms, {rows} rows in {:?}",
        t.elapsed()
    );
}
