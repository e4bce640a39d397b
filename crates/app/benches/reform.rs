//! Reform evaluation time (issue 20): one what-if reform — apply it to the rule files, compile,
//! evaluate every firm × rule of the year, compare with the cached baseline — on the demo zone
//! (30,000 firms, 2019–2024, as `gaoxin demo` loads it) and on 1,000,000 synthetic firms (the
//! panel of `crates/rules/benches/openfisca.rs`). The baseline is built once per panel, as the
//! web page caches it; each change of a value on the page costs one such evaluation.
//!
//! `cargo bench -p gaoxin-app --bench reform`
//! Environment: `BENCH_FIRMS` (synthetic firms, default 1000000), `BENCH_REPEAT` (timed runs per
//! reform, best and median reported, default 5).
use std::path::{Path, PathBuf};
use std::time::Instant;

use gaoxin_app::reform::{Baseline, Timing, evaluate_timed};
use gaoxin_demo::{DemoConfig, generate};
use gaoxin_model::{F, Zone};
use gaoxin_rules::reform::Reform;
use gaoxin_rules::{compile_for_run, default_as_of};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn reforms(root: &Path) -> Vec<Reform> {
    let gazelle = "name = \"瞪羚增长门槛降低\"\nauthor = \"bench\"\n[[params]]\nrule = \"nanjing_gazelle_2024\"\nname = \"cagr_manufacturing\"\nvalue = 0.1\n[[params]]\nrule = \"nanjing_gazelle_2024\"\nname = \"cagr_services\"\nvalue = 0.25\n";
    vec![
        Reform::load(&root.join("data/reforms/unicorn_cap_300.toml")).expect("example loads"),
        Reform::parse(Path::new("gazelle.toml"), gazelle).expect("parses"),
    ]
}

fn time(base: &Baseline, r: &Reform, repeat: usize) -> (Vec<Timing>, String) {
    let mut runs = Vec::new();
    let mut said = String::new();
    for _ in 0..repeat {
        let (o, t) = evaluate_timed(base, r).expect("the reform applies");
        said = format!(
            "newly qualifying {}, no longer {}, award change {} fen",
            o.gained().count(),
            o.lost().count(),
            o.delta_total_fen()
        );
        runs.push(t);
    }
    runs.sort_by(|a, b| a.total_s().total_cmp(&b.total_s()));
    (runs, said)
}

fn report(what: &str, base: &Baseline, rs: &[Reform], repeat: usize) {
    println!(
        "{what}: {} firms in the panel, {} with facts for {}, {} rules",
        base.panel.len(),
        base.firms(),
        base.year,
        base.plan.rules.len()
    );
    for r in rs {
        let (runs, said) = time(base, r, repeat);
        let best = runs[0];
        let median = runs[runs.len() / 2];
        println!(
            "  「{}」: best {:.1} ms (compile {:.1} + batch {:.1} + compare {:.1}), median {:.1} ms of {repeat}; {said}",
            r.name,
            best.total_s() * 1e3,
            best.compile_s * 1e3,
            best.batch_s * 1e3,
            best.compare_s * 1e3,
            median.total_s() * 1e3,
        );
    }
}

fn main() {
    let n = env("BENCH_FIRMS", 1_000_000);
    let repeat = env("BENCH_REPEAT", 5).max(1);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let files = gaoxin_rules::load_dir(&root.join("data/rules")).expect("data/rules loads");
    let rs = reforms(&root);
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    println!(
        "reform evaluation benchmark ({threads} hardware threads); reproduce: cargo bench -p gaoxin-app --bench reform"
    );

    // The demo zone, as `gaoxin demo` generates it.
    let zone = Zone::parse(include_str!("../../../data/reference/zone.toml")).expect("zone");
    let t = Instant::now();
    let cfg = DemoConfig::default();
    let demo = generate(&zone, &cfg);
    let base = Baseline::new(
        files.clone(),
        &demo.enterprises,
        &demo.facts,
        gaoxin_model::Year::new(cfg.last_year).expect("year"),
    )
    .expect("baseline");
    println!(
        "demo zone generated and baseline built in {:.2} s (once per year; the page caches it)",
        t.elapsed().as_secs_f64()
    );
    report("demo zone", &base, &rs, repeat);
    drop(base);
    drop(demo);

    // Synthetic firms with complete histories, holding only the cells the rules read.
    let (first, last) = (2019, 2024);
    let read = compile_for_run(&files, default_as_of(last))
        .0
        .facts_read(last);
    let keep = |y: i32, f: F| f == F::RdExpense || read.binary_search(&(y, f as usize)).is_ok();
    let t = Instant::now();
    let panel =
        gaoxin_rules::synth::generate_keeping(n, first, last, 2024, 0.0, 0.7, Some(first), &keep);
    let here = vec![true; panel.len()];
    let base = Baseline::from_panel(
        files,
        panel,
        here,
        gaoxin_model::Year::new(last).expect("year"),
    )
    .expect("baseline");
    println!(
        "{n} synthetic firms generated and baseline built in {:.2} s",
        t.elapsed().as_secs_f64()
    );
    report(
        &format!("{n} synthetic firm-years ({last})"),
        &base,
        &rs,
        repeat,
    );
}
