//! Prints the size of the compiled plan of `data/rules` by operation kind:
//! `cargo run -p gaoxin-rules --example plan_stats`.
fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/rules");
    let files = gaoxin_rules::load_dir(&dir).expect("rule files load");
    let (plan, _) = gaoxin_rules::compile_for_run(&files, gaoxin_rules::default_as_of(2024));
    let mut h = std::collections::BTreeMap::new();
    for n in &plan.all_nodes {
        let k = format!("{:?}", plan.ops[*n as usize]);
        let k = k.split(['(', ' ', '{']).next().unwrap_or("").to_string();
        *h.entry(k).or_insert(0) += 1;
    }
    println!(
        "{} nodes in {} rules",
        plan.all_nodes.len(),
        plan.rules.len()
    );
    for (k, v) in h {
        println!("{k:>10} {v}");
    }
}
