//! The workspace's shape (issue 12): no source file in `crates/*/src` over 1,000 lines, no
//! function over 150 lines, no module circles inside a crate. A failure lists every offender.

use gaoxin_structure::{
    MAX_FILE_LINES, MAX_FN_LINES, crate_sources, function_lengths, module_circles, module_edges,
};
use std::path::PathBuf;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn crates() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(workspace().join("crates"))
        .expect("crates/ is readable")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("src").is_dir())
        .collect();
    v.sort();
    assert!(v.len() >= 8, "found the workspace's crates: {v:?}");
    v
}

#[test]
fn no_source_file_over_the_limit() {
    let mut over = Vec::new();
    for c in crates() {
        for s in crate_sources(&workspace(), &c).expect("sources read") {
            let n = s.text.lines().count();
            if n > MAX_FILE_LINES {
                over.push(format!("{} ({n} lines)", s.path.display()));
            }
        }
    }
    assert!(
        over.is_empty(),
        "files over {MAX_FILE_LINES} lines:\n{}",
        over.join("\n")
    );
}

#[test]
fn no_function_over_the_limit() {
    let mut over = Vec::new();
    let mut seen = 0;
    for c in crates() {
        for s in crate_sources(&workspace(), &c).expect("sources read") {
            for f in function_lengths(&s.text) {
                seen += 1;
                if f.lines > MAX_FN_LINES {
                    over.push(format!(
                        "{}:{} fn {} ({} lines)",
                        s.path.display(),
                        f.line,
                        f.name,
                        f.lines
                    ));
                }
            }
        }
    }
    assert!(seen > 1_000, "found the functions ({seen})");
    assert!(
        over.is_empty(),
        "functions over {MAX_FN_LINES} lines:\n{}",
        over.join("\n")
    );
}

#[test]
fn no_module_circles_inside_a_crate() {
    let mut circles = Vec::new();
    for c in crates() {
        let sources = crate_sources(&workspace(), &c).expect("sources read");
        for circle in module_circles(&module_edges(&sources)) {
            circles.push(format!(
                "{}: {}",
                c.file_name().unwrap_or_default().to_string_lossy(),
                circle.join(" ↔ ")
            ));
        }
    }
    assert!(
        circles.is_empty(),
        "module circles (each module uses crate::<another> in a loop):\n{}",
        circles.join("\n")
    );
}
