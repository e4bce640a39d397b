//! Runs every rule file's own test cases (the worked examples of criteria.md) and checks that
//! the shipped rule set loads without errors.
use std::path::Path;

#[test]
fn shipped_rule_files_pass_their_own_tests() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/rules");
    let report = gaoxin_rules::check::check_dir(&dir);
    println!("{}", report.render_zh());
    assert!(report.errors.is_empty(), "{}", report.render_zh());
    assert!(report.files >= 1);
    assert!(
        report.cases.len() >= 10,
        "expected the worked examples to be present"
    );
    assert!(report.ok(), "{}", report.render_zh());
}
