//! Shared helpers for the benchmarks: timing and the optional numpy comparison.
// Each bench includes this module and not every bench uses every helper.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

/// Best wall time (seconds) of `runs` runs of `f`.
pub fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed().as_secs_f64());
        last = Some(v);
    }
    (best, last.expect("runs ≥ 1"))
}

/// Runs `numpy_index_reference.py <what> <args…>` if python3 with numpy is available and
/// returns its reported best time in seconds.
pub fn numpy_seconds(what: &str, args: &[&str]) -> Option<f64> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/numpy_index_reference.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(what)
        .args(args)
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "numpy reference not run: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        );
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("seconds="))
        .and_then(|s| s.trim().parse().ok())
}

/// Prints the Rust figure and, when numpy ran, the ratio.
pub fn report(name: &str, rust_s: f64, numpy: Option<f64>) {
    match numpy {
        Some(p) => println!(
            "{name}: rust {:.1} ms, numpy {:.1} ms, numpy/rust = {:.1}x",
            rust_s * 1e3,
            p * 1e3,
            p / rust_s
        ),
        None => println!(
            "{name}: rust {:.1} ms (numpy reference unavailable: pip install numpy)",
            rust_s * 1e3
        ),
    }
}
