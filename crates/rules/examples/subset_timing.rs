//! Times batch evaluation of the OpenFisca bench's ported subset (verdicts and awards only), on
//! one thread or more, repeatedly, for profiling:
//! `cargo run --release -p gaoxin-rules --example subset_timing -- 300000 20 [THREADS]`.
//! `ONLY=rule_id,…` times some of the subset's rules alone, `EXPLAIN=1` times single-firm
//! explain instead, `DUMP=1` lists the batch's nodes.
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let n: usize = a.get(1).and_then(|s| s.parse().ok()).unwrap_or(300_000);
    let reps: usize = a.get(2).and_then(|s| s.parse().ok()).unwrap_or(10);
    let threads: usize = a.get(3).and_then(|s| s.parse().ok()).unwrap_or(1);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = gaoxin_rules::load_dir(&root.join("data/rules")).expect("rule files load");
    files.extend(
        gaoxin_rules::load_dir(&root.join("benches/openfisca/rules")).expect("bench rules"),
    );
    let keep = [
        "techsme_2022",
        "hightech_core_bench",
        "nanjing_gazelle_2024",
        "nanjing_first_unicorn_award_2025",
        "nanjing_unicorn_2024",
    ];
    // `ONLY=id,id` compiles and times those rules of the subset alone.
    let only = std::env::var("ONLY").ok();
    files.retain(|f| keep.contains(&f.id.as_str()));
    if let Some(only) = &only {
        files.retain(|f| only.split(',').any(|o| o == f.id));
        if files.is_empty() {
            eprintln!("ONLY={only}: none of these is a rule of the subset {keep:?}");
            std::process::exit(2);
        }
    }
    let (plan, _) = gaoxin_rules::compile_for_run(&files, gaoxin_rules::default_as_of(2024));
    let panel = gaoxin_rules::synth::generate_with(n, 2020, 2024, 2024, 0.0, 0.7, Some(2020));
    if std::env::var_os("EXPLAIN").is_some() {
        // Single-firm explain with the full trace of the four ported rules, as the bench times it.
        let rows: Vec<usize> = (0..2000).map(|i| (i * 7919 + 13) % n).collect();
        let ids = &keep[..4];
        let mut best = f64::INFINITY;
        for _ in 0..reps {
            let t = std::time::Instant::now();
            for &r in &rows {
                for id in ids {
                    let ex = gaoxin_rules::explain(&plan, &panel, r, 2024, id, &Default::default());
                    std::hint::black_box(ex.expect("rule"));
                }
            }
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!(
            "explain, 4 rules: best {:.1} µs/firm",
            best * 1e6 / rows.len() as f64
        );
        return;
    }
    let mut h = std::collections::BTreeMap::new();
    let nodes = plan.batch_nodes(false);
    for n in &nodes {
        let k = format!("{:?}", plan.ops[*n as usize]);
        let k = k.split(['(', ' ', '{']).next().unwrap_or("").to_string();
        *h.entry(k).or_insert(0) += 1;
    }
    println!("{} batch nodes: {h:?}", nodes.len());
    if std::env::var_os("DUMP").is_some() {
        for n in &nodes {
            println!(
                "  {n:4} {}",
                gaoxin_rules::explain::describe(&plan, *n, 2024)
            );
        }
    }
    let mut best = f64::INFINITY;
    for _ in 0..reps {
        let t = std::time::Instant::now();
        let b = gaoxin_rules::batch::evaluate_outputs(
            &plan,
            &panel,
            2024,
            &Default::default(),
            threads,
            gaoxin_rules::Outputs::VerdictsAndAwards,
        );
        std::hint::black_box(&b);
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "{n} firms, {} nodes, {threads} thread(s): best {:.1} ns/firm, {:.1} ms",
        plan.all_nodes.len(),
        best * 1e9 / n as f64,
        best * 1e3
    );
}
