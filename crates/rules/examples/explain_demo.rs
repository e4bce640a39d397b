//! Prints the Chinese explanation of a file's test case: `cargo run -p gaoxin-rules --example explain_demo -- techsme_2022 T6`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (rule, case) = (
        args.get(1).map(String::as_str).unwrap_or("techsme_2022"),
        args.get(2).map(String::as_str).unwrap_or("T6"),
    );
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/rules");
    let files = gaoxin_rules::load_dir(&dir).expect("rule files load");
    let f = files.iter().find(|f| f.id == rule).expect("rule id");
    let t = f.tests.iter().find(|t| t.id == case).expect("case id");
    let plan = gaoxin_rules::compile(
        &files,
        t.as_of.unwrap_or(gaoxin_rules::default_as_of(t.year)),
        &Default::default(),
    )
    .expect("compiles");
    let panel = gaoxin_rules::check::case_panel(f, t).expect("panel");
    let opts = gaoxin_rules::EvalOptions {
        assumption: t.assumption.unwrap_or_default(),
    };
    let ex = gaoxin_rules::explain(&plan, &panel, 0, t.year, rule, &opts).expect("rule");
    print!("{}", ex.render_zh());
}
