//! Times batch evaluation of the whole ladder on a synthetic panel, repeatedly (for profiling):
//! `cargo run --release -p gaoxin-rules --example batch_timing -- 300000 3`.
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let n: usize = a.get(1).and_then(|s| s.parse().ok()).unwrap_or(300_000);
    let reps: usize = a.get(2).and_then(|s| s.parse().ok()).unwrap_or(3);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/rules");
    let files = gaoxin_rules::load_dir(&dir).expect("rule files load");
    let (plan, _) = gaoxin_rules::compile_for_run(&files, gaoxin_rules::default_as_of(2024));
    let panel = gaoxin_rules::synth::generate_with(n, 2020, 2024, 2024, 0.0, 0.7, Some(2020));
    for _ in 0..reps {
        let (t, c) = (std::time::Instant::now(), cpu_s());
        let b = gaoxin_rules::batch::evaluate_with(&plan, &panel, 2024, &Default::default(), 2);
        println!(
            "{n} firms × {} rules: {:.3} s wall, {:.3} s CPU",
            b.rules.len(),
            t.elapsed().as_secs_f64(),
            cpu_s() - c
        );
    }
}

/// CPU seconds of this process (user + system).
fn cpu_s() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let f: Vec<&str> = s
        .rsplit_once(')')
        .map(|x| x.1)
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let t = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    (t(11) + t(12)) / 100.0
}
