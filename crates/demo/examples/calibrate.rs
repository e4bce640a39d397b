//! Prints the calibration table of a demo zone: `cargo run --release -p gaoxin-demo --example calibrate [firms]`.
use gaoxin_demo::{DemoConfig, calibration, generate};
use gaoxin_model::Zone;

fn main() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/reference/zone.toml"
    );
    let zone = Zone::parse(&std::fs::read_to_string(path).expect("zone.toml")).expect("valid");
    let mut cfg = DemoConfig::default();
    if let Some(n) = std::env::args().nth(1) {
        cfg.enterprises = n.parse().expect("number of firms");
    }
    let t = std::time::Instant::now();
    let z = generate(&zone, &cfg);
    eprintln!(
        "generated {} firms, {} rows in {:?}",
        z.enterprises.len(),
        z.facts.len(),
        t.elapsed()
    );
    for y in cfg.first_year..=cfg.last_year {
        println!("{:?}", calibration(&z, y));
    }
}
