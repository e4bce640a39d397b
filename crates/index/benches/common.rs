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

/// The peak resident memory of this process so far, in MiB (VmHWM).
pub fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// What the numpy reference reported: best time (s) and its process's peak memory (MiB).
pub struct Numpy {
    pub seconds: f64,
    pub peak_mib: f64,
}

/// Runs `numpy_index_reference.py <what> <args…>` if python3 with numpy is available.
pub fn numpy_seconds(what: &str, args: &[&str]) -> Option<Numpy> {
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
    let field = |k: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(k))
            .and_then(|s| s.trim().parse::<f64>().ok())
    };
    Some(Numpy {
        seconds: field("seconds=")?,
        peak_mib: field("peak_mib=").unwrap_or(f64::NAN),
    })
}

/// Prints the Rust figure (time and this process's peak memory) and, when numpy ran, its figures
/// and the ratios.
pub fn report(name: &str, rust_s: f64, numpy: Option<Numpy>) {
    let mem = peak_mib();
    match numpy {
        Some(p) => println!(
            "{name}: rust {:.1} ms (peak {mem:.0} MiB), numpy {:.1} ms (peak {:.0} MiB), numpy/rust = {:.1}x time",
            rust_s * 1e3,
            p.seconds * 1e3,
            p.peak_mib,
            p.seconds / rust_s
        ),
        None => println!(
            "{name}: rust {:.1} ms (peak {mem:.0} MiB) (numpy reference unavailable: pip install numpy)",
            rust_s * 1e3
        ),
    }
}
