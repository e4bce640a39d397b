//! Ships the data files with the binary: every `*.toml` of the workspace's `data/rules` and
//! `data/schemes` becomes a `(name, text)` entry of `$OUT_DIR/shipped.rs` (see `data_files`).
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let data = manifest.join("../../data");
    let mut out = String::new();
    for (name, sub) in [
        ("RULES", "rules"),
        ("SCHEMES", "schemes"),
        ("REFORMS", "reforms"),
        ("CALENDAR", "calendar"),
        ("APPEALS", "appeals"),
        ("CLUSTERS", "clusters"),
    ] {
        let dir = data.join(sub);
        // a directory: cargo rescans it, so an added or edited file is shipped by the next build
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        out.push_str(&format!("pub(crate) const {name}: &[(&str, &str)] = &[\n"));
        for p in files {
            let file = p
                .file_name()
                .and_then(|n| n.to_str())
                .expect("UTF-8 file name");
            let abs = p.canonicalize().expect("an existing file");
            out.push_str(&format!("    ({file:?}, include_str!({abs:?})),\n"));
        }
        out.push_str("];\n");
    }
    let dest = Path::new(&std::env::var("OUT_DIR").expect("set by cargo")).join("shipped.rs");
    std::fs::write(dest, out).expect("write shipped.rs");
}
