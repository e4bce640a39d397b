//! Benchmark against OpenFisca (openfisca-core): the same rules, the same 1,000,000 synthetic
//! firms, both engines in one run, every output compared.
//!
//! `cargo bench -p gaoxin-rules --bench openfisca` (see benches/openfisca/README.md).
//! Environment: `BENCH_FIRMS` (default 1000000), `BENCH_SINGLE` (OpenFisca single-firm samples,
//! default 200), `BENCH_EXPLAIN` (explain samples, default 2000), `BENCH_REPEAT` (timed runs per
//! measurement on both sides, best reported, default 5), `PYTHON` (default python3),
//! `BENCH_SKIP_PYTHON=1` to time only the Rust side.
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use gaoxin_model::F;
use gaoxin_rules::plan::Verdict;
use gaoxin_rules::{EvalOptions, Panel, compile_for_run, default_as_of, explain};

const FIRST: i32 = 2020;
const LAST: i32 = 2024;
const YEARLY: &[F] = &[
    F::Revenue,
    F::RdExpense,
    F::HightechRevenue,
    F::TotalCost,
    F::TotalAssets,
    F::Employees,
    F::TechStaff,
    F::IpClass1,
    F::IpClass2,
    F::NationalAwardRank,
    F::StandardsLed,
    F::RdInstitution,
    F::MajorIncident,
    F::CreditBlacklist,
    F::ValuationUsd,
    F::PrivateInvestment,
    F::HightechCertDate,
];
const SUBSET: &[&str] = &[
    "techsme_2022",
    "hightech_core_bench",
    "nanjing_gazelle_2024",
    "nanjing_first_unicorn_award_2025",
];

fn write_npy(path: &Path, data: &[f64]) {
    let mut header = format!(
        "{{'descr': '<f8', 'fortran_order': False, 'shape': ({},), }}",
        data.len()
    );
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("create npy"));
    f.write_all(b"\x93NUMPY\x01\x00").unwrap();
    f.write_all(&(header.len() as u16).to_le_bytes()).unwrap();
    f.write_all(header.as_bytes()).unwrap();
    for v in data {
        f.write_all(&v.to_le_bytes()).unwrap();
    }
}

fn vm_hwm_mb() -> f64 {
    status_mb("VmHWM:")
}

fn vm_rss_mb() -> f64 {
    status_mb("VmRSS:")
}

fn status_mb(key: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with(key)).map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<f64>()
                    .unwrap_or(0.0)
            })
        })
        .unwrap_or(0.0)
        / 1024.0
}

/// CPU seconds used by this process so far (user + system, from /proc/self/stat). On a shared
/// machine wall time depends on the neighbours; CPU time does not.
fn cpu_s() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = s.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    // Fields 14 (utime) and 15 (stime) of stat, counted after the command name.
    (ticks(11) + ticks(12)) / 100.0
}

fn export(panel: &Panel, dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for f in YEARLY {
        for y in FIRST..=LAST {
            let col: Vec<f64> = match panel.column(y, *f as usize) {
                Some(c) => (0..panel.len())
                    .map(|r| {
                        if c.prov[r] == gaoxin_rules::panel::PROV_MISSING {
                            0.0
                        } else {
                            c.value(r)
                        }
                    })
                    .collect(),
                None => vec![0.0; panel.len()],
            };
            write_npy(&dir.join(format!("{}_{y}.npy", f.key())), &col);
        }
    }
    let listed: Vec<f64> = panel
        .listing
        .iter()
        .map(|l| gaoxin_model::Listing::ALL[*l as usize].is_listed_excl_neeq() as u8 as f64)
        .collect();
    write_npy(&dir.join("listed.npy"), &listed);
    write_npy(
        &dir.join("manufacturing.npy"),
        &panel
            .manufacturing
            .iter()
            .map(|x| *x as f64)
            .collect::<Vec<_>>(),
    );
    write_npy(
        &dir.join("founded_year.npy"),
        &panel
            .founded
            .iter()
            .map(|d| (d / 10_000) as f64)
            .collect::<Vec<_>>(),
    );
}

fn read_i8(p: &Path) -> Vec<i8> {
    std::fs::read(p)
        .expect("python output")
        .into_iter()
        .map(|b| b as i8)
        .collect()
}
fn read_i64(p: &Path) -> Vec<i64> {
    std::fs::read(p)
        .expect("python output")
        .chunks_exact(8)
        .map(|c| i64::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

/// The ported subset's rule files (what OpenFisca computes), from `data/rules` and the bench's
/// own rules.
fn subset_files(root: &Path) -> Vec<gaoxin_rules::RuleFile> {
    let mut files = gaoxin_rules::load_dir(&root.join("data/rules")).expect("data/rules loads");
    files.extend(
        gaoxin_rules::load_dir(&root.join("benches/openfisca/rules")).expect("bench rules load"),
    );
    files
        .into_iter()
        .filter(|f| SUBSET.contains(&f.id.as_str()) || f.id == "nanjing_unicorn_2024")
        .collect()
}

/// A checksum of the subset's verdicts and awards, to prove the memory child computed the same.
fn checksum(r: &gaoxin_rules::batch::BatchResult) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |x: u64| {
        h ^= x;
        h = h.wrapping_mul(0x0100_0000_01b3);
    };
    for rule in &r.rules {
        for (i, v) in rule.verdict.iter().enumerate() {
            eat(*v as u64);
            if !rule.award.is_empty() {
                eat(rule.award_at(i).map_or(u64::MAX, |a| a as u64));
            }
        }
    }
    h
}

/// The memory comparison, in a process of its own that does what OpenFisca's process does: hold
/// the inputs of the ported subset for 1,000,000 firms and compute the subset's verdicts and
/// awards. (The main bench process also runs the whole ladder and holds three batch results
/// at once, which OpenFisca's process does not.) Prints one line the parent reads.
fn memory_child(n: usize, root: &Path) {
    let files = subset_files(root);
    let as_of = default_as_of(LAST);
    let (plan, skipped) = compile_for_run(&files, as_of);
    assert!(skipped.is_empty(), "{skipped:?}");
    // What the subset reads, and every input OpenFisca's process loads (its .npy files) even
    // where the subset does not read it: the same cells held on both sides.
    let read = plan.facts_read(LAST);
    let keep = |y: i32, f: F| YEARLY.contains(&f) || read.binary_search(&(y, f as usize)).is_ok();
    let panel =
        gaoxin_rules::synth::generate_keeping(n, FIRST, LAST, 2024, 0.0, 0.7, Some(FIRST), &keep);
    let after_panel = vm_rss_mb();
    let cells = (FIRST..=LAST)
        .flat_map(|y| (0..gaoxin_model::N_FIELDS).map(move |f| (y, f)))
        .filter(|&(y, f)| panel.column(y, f).is_some())
        .count();
    let r = gaoxin_rules::batch::evaluate_outputs(
        &plan,
        &panel,
        LAST,
        &EvalOptions::default(),
        2,
        gaoxin_rules::Outputs::VerdictsAndAwards,
    );
    println!(
        "MEMORY_CHILD hwm_mb={:.1} panel_mb={:.1} cells={} checksum={}",
        vm_hwm_mb(),
        after_panel,
        cells,
        checksum(&r)
    );
}

/// Runs [`memory_child`] in a fresh process of this bench binary: (peak MB, resident MB after the
/// panel, firm-year columns held, checksum).
fn measure_memory_in_child(n: usize) -> (f64, f64, usize, u64) {
    let exe = std::env::current_exe().expect("bench binary path");
    let out = Command::new(exe)
        .env("BENCH_MEMORY_CHILD", "1")
        .env("BENCH_FIRMS", n.to_string())
        .output()
        .expect("memory child runs");
    assert!(
        out.status.success(),
        "memory child failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("MEMORY_CHILD "))
        .expect("memory child's line");
    let field = |k: &str| -> String {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(&format!("{k}=")).map(str::to_string))
            .expect("field")
    };
    (
        field("hwm_mb").parse().unwrap(),
        field("panel_mb").parse().unwrap(),
        field("cells").parse().unwrap(),
        field("checksum").parse().unwrap(),
    )
}

fn main() {
    let n: usize = std::env::var("BENCH_FIRMS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let single: usize = std::env::var("BENCH_SINGLE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    // Timed runs per measurement, the same on both sides (the best is reported).
    let repeat: usize = std::env::var("BENCH_REPEAT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5)
        .max(1);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = std::env::temp_dir().join("gaoxin-openfisca-bench");
    if std::env::var("BENCH_MEMORY_CHILD").is_ok() {
        memory_child(n, &root);
        return;
    }

    println!("generating {n} synthetic firms × {FIRST}–{LAST} (deterministic, seed 2024) …");
    // The panel holds only the cells the engines read: the facts of every shipped rule set (the
    // whole-ladder plan, a superset of the others) and OpenFisca's inputs.
    let mut files = gaoxin_rules::load_dir(&root.join("data/rules")).expect("data/rules loads");
    files.extend(
        gaoxin_rules::load_dir(&root.join("benches/openfisca/rules")).expect("bench rules load"),
    );
    let as_of = default_as_of(LAST);
    let read = compile_for_run(&files, as_of).0.facts_read(LAST);
    let keep = |y: i32, f: F| YEARLY.contains(&f) || read.binary_search(&(y, f as usize)).is_ok();
    let t = Instant::now();
    let panel =
        gaoxin_rules::synth::generate_keeping(n, FIRST, LAST, 2024, 0.0, 0.7, Some(FIRST), &keep);
    println!(
        "  generated in {:.2} s ({:.0} MB resident after generation); writing .npy inputs to {}",
        t.elapsed().as_secs_f64(),
        vm_hwm_mb(),
        dir.display()
    );
    export(&panel, &dir);

    let opts = EvalOptions::default();

    // Whole ladder: every shipped rule set and policy.
    let t = Instant::now();
    let (plan_all, skipped) = compile_for_run(&files, as_of);
    let compile_all = t.elapsed();
    assert!(skipped.is_empty(), "{skipped:?}");
    let (t, c) = (Instant::now(), cpu_s());
    let all = gaoxin_rules::batch::evaluate_with(&plan_all, &panel, LAST, &opts, 2);
    let batch_all = t.elapsed().as_secs_f64();
    let cpu_all = cpu_s() - c;

    // The tier ladder alone: the rung rules (科小, 高企, 瞪羚, 独角兽).
    let ladder_files: Vec<_> = files.iter().filter(|f| f.rung.is_some()).cloned().collect();
    let (plan_ladder, _) = compile_for_run(&ladder_files, as_of);
    let (t, c) = (Instant::now(), cpu_s());
    let ladder = gaoxin_rules::batch::evaluate_with(&plan_ladder, &panel, LAST, &opts, 2);
    let batch_ladder = t.elapsed().as_secs_f64();
    let cpu_ladder = cpu_s() - c;
    let t = Instant::now();
    let pos = gaoxin_rules::ladder::positions(&plan_ladder, &panel, &ladder);
    let positions_s = t.elapsed().as_secs_f64();
    let mut by_level = std::collections::BTreeMap::new();
    for p in &pos {
        *by_level
            .entry(p.label.clone().unwrap_or_else(|| "（无）".into()))
            .or_insert(0usize) += 1;
    }

    // The ported subset alone (what OpenFisca computes).
    let sub_files = subset_files(&root);
    let (plan, _) = compile_for_run(&sub_files, as_of);
    // What OpenFisca computes (verdicts and award amounts), best of `repeat` runs …
    let mut batch_sub = f64::INFINITY;
    let mut cpu_sub = f64::INFINITY;
    let mut res = None;
    for _ in 0..repeat {
        let (t, c) = (Instant::now(), cpu_s());
        let r = gaoxin_rules::batch::evaluate_outputs(
            &plan,
            &panel,
            LAST,
            &opts,
            2,
            gaoxin_rules::Outputs::VerdictsAndAwards,
        );
        batch_sub = batch_sub.min(t.elapsed().as_secs_f64());

        cpu_sub = cpu_sub.min(cpu_s() - c);
        res = Some(r);
    }
    let res = res.expect("ran");
    // … and everything our product computes per firm besides (verification for 免申即享,
    // assumption dependence, distance to the next rung), which OpenFisca does not.
    let (t, c) = (Instant::now(), cpu_s());
    let full = gaoxin_rules::batch::evaluate_with(&plan, &panel, LAST, &opts, 2);
    let batch_sub_full = t.elapsed().as_secs_f64();
    let cpu_sub_full = cpu_s() - c;
    for (a, b) in res.rules.iter().zip(&full.rules) {
        assert_eq!(a.verdict, b.verdict, "both modes give the same verdicts");
        assert_eq!(a.award, b.award, "both modes give the same awards");
    }
    drop(full);
    let rss_all = vm_hwm_mb();
    let rss_batches = vm_rss_mb();
    drop(ladder);
    let (rss, rss_panel, child_cells, child_sum) = measure_memory_in_child(n);
    assert_eq!(
        child_sum,
        checksum(&res),
        "the memory child computed the same verdicts and awards"
    );

    // Single firm: explain with full trace (conditions, need/have, provenance, gaps, steps).
    let samples: usize = std::env::var("BENCH_EXPLAIN")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    let rows: Vec<usize> = (0..samples.max(1)).map(|i| (i * 7919 + 13) % n).collect();
    // Best of `repeat` passes over the same firms (the machine is shared; OpenFisca's side does
    // the same).
    let (mut explain_firm_us, mut explain_cpu_us) = (f64::INFINITY, f64::INFINITY);
    let mut steps = 0usize;
    for _ in 0..repeat {
        let (t, c) = (Instant::now(), cpu_s());
        steps = 0;
        for &r in &rows {
            for id in SUBSET {
                let ex = explain(&plan, &panel, r, LAST, id, &opts).expect("rule");
                steps += ex.steps.len();
            }
        }
        explain_firm_us = explain_firm_us.min(t.elapsed().as_secs_f64() * 1e6 / rows.len() as f64);
        explain_cpu_us = explain_cpu_us.min((cpu_s() - c) * 1e6 / rows.len() as f64);
    }
    let t = Instant::now();
    for &r in &rows {
        for rp in &plan_all.rules {
            std::hint::black_box(explain(&plan_all, &panel, r, LAST, &rp.id, &opts));
        }
    }
    let explain_ladder_us = t.elapsed().as_secs_f64() * 1e6 / rows.len() as f64;

    println!("\n== gaoxin-rules (Rust) ==");
    println!(
        "  rule files: {} (whole ladder compiled in {:.1} ms, {} plan nodes)",
        plan_all.rules.len(),
        compile_all.as_secs_f64() * 1e3,
        plan_all.ops.len()
    );
    println!(
        "  batch, tier ladder ({} rung rules: {}), {n} firm-years, 2 threads: {:.3} s wall, {:.3} s CPU; positions {:.3} s",
        plan_ladder.rules.len(),
        plan_ladder
            .rules
            .iter()
            .map(|r| r.label.as_str())
            .collect::<Vec<_>>()
            .join("、"),
        batch_ladder,
        cpu_ladder,
        positions_s
    );
    println!("    current rung: {by_level:?}");
    println!(
        "  batch, every rule file ({} rule sets), {n} firm-years, 2 threads: {:.3} s wall, {:.3} s CPU",
        plan_all.rules.len(),
        batch_all,
        cpu_all
    );
    println!(
        "  batch, ported subset ({} rule sets incl. referenced unicorn list), verdicts and awards (what OpenFisca computes), best of {repeat}: {:.3} s wall, {:.3} s CPU",
        plan.rules.len(),
        batch_sub,
        cpu_sub
    );
    println!(
        "  batch, ported subset, all our per-firm outputs (+ verification, assumption dependence, distance): {:.3} s wall, {:.3} s CPU",
        batch_sub_full, cpu_sub_full
    );
    println!(
        "  peak RSS of a process doing what OpenFisca's does (the {child_cells} firm-year input columns of OpenFisca's inputs and the subset's reads, the subset's verdicts and awards; same checksum as above): {:.0} MB ({:.0} MB resident after generating the panel)",
        rss, rss_panel
    );
    println!(
        "  peak RSS of this bench process (the whole ladder's inputs, three batch results held at once): {:.0} MB (resident with them held: {:.0} MB)",
        rss_all, rss_batches
    );
    println!(
        "  single firm, explain with full trace, 4 subset rules (best of {repeat} passes): {:.1} µs/firm wall, {:.1} µs CPU ({:.1} µs per rule, {} trace steps/firm)",
        explain_firm_us,
        explain_cpu_us,
        explain_firm_us / 4.0,
        steps / rows.len()
    );
    println!(
        "  single firm, explain with full trace, whole ladder ({} rules): {:.1} µs/firm",
        plan_all.rules.len(),
        explain_ladder_us
    );
    for r in &all.rules {
        println!(
            "    {:<36} pass {:>7}  fail {:>7}  unknown {:>7}",
            r.rule,
            r.count(Verdict::Pass),
            r.count(Verdict::Fail),
            r.count(Verdict::Unknown)
        );
    }

    if std::env::var("BENCH_SKIP_PYTHON").is_ok() {
        return;
    }
    let py = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    println!("\nrunning OpenFisca ({py} benches/openfisca/run_bench.py) …");
    let t = Instant::now();
    let out = Command::new(&py)
        .current_dir(&root)
        .args(["benches/openfisca/run_bench.py", "--data"])
        .arg(&dir)
        .args([
            "--first",
            &FIRST.to_string(),
            "--last",
            &LAST.to_string(),
            "--repeat",
            &repeat.to_string(),
            "--single",
            &single.to_string(),
        ])
        .output()
        .expect("python runs (pip install openfisca-core)");
    let wall_py = t.elapsed().as_secs_f64();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    if !out.status.success() {
        panic!(
            "OpenFisca side failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().unwrap_or("");
    let num = |k: &str| -> f64 {
        let pat = format!("\"{k}\": ");
        line.split(&pat)
            .nth(1)
            .and_then(|s| s.split([',', '}']).next())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(f64::NAN)
    };

    // Every output must be identical.
    let mut mismatches = 0usize;
    for (id, file) in [
        ("techsme_2022", "techsme_eligible"),
        ("hightech_core_bench", "hightech_core_eligible"),
        ("nanjing_gazelle_2024", "gazelle_eligible"),
    ] {
        let ours = res.rule(id).unwrap();
        assert_eq!(
            ours.count(Verdict::Unknown),
            0,
            "complete data gives no unknowns"
        );
        let theirs = read_i8(&dir.join(format!("out_{file}.bin")));
        assert_eq!(theirs.len(), n);
        let m = (0..n)
            .filter(|i| (ours.verdict[*i] == Verdict::Pass) != (theirs[*i] != 0))
            .count();
        println!(
            "  compare {id:<34} {m} mismatches of {n} (pass: {})",
            ours.count(Verdict::Pass)
        );
        mismatches += m;
    }
    let ours = res.rule("nanjing_first_unicorn_award_2025").unwrap();
    let theirs = read_i64(&dir.join("out_first_unicorn_award.bin"));
    let m = (0..n)
        .filter(|i| ours.award_at(*i).unwrap_or(-1) != theirs[*i])
        .count();
    let total: i64 = ours.award.iter().flatten().sum();
    println!(
        "  compare {:<34} {m} mismatches of {n} (awards: {}, total {})",
        "first_unicorn_award (fen)",
        ours.count(Verdict::Pass),
        gaoxin_rules::fmt::yuan(total)
    );
    mismatches += m;
    assert_eq!(mismatches, 0, "engines disagree");

    let py_total = num("batch_total_s");
    let py_calc = num("calculate_s");
    let py_single = num("single_us");
    let py_rss = num("peak_rss_mb");
    println!("\n== OpenFisca (openfisca-core, NumPy) ==");
    println!(
        "  tax-benefit system load {:.3} s, read inputs {:.3} s, build simulation {:.3} s, calculate {:.3} s (best of {repeat} fresh simulations); first run end to end {:.3} s wall (process wall {:.2} s)",
        num("tbs_load_s"),
        num("read_inputs_s"),
        num("build_simulation_s"),
        py_calc,
        py_total,
        wall_py
    );
    println!(
        "  CPU: calculate {:.3} s, total {:.3} s",
        num("calculate_cpu_s"),
        num("batch_total_cpu_s")
    );
    println!(
        "  peak RSS (VmHWM of the Python process): {:.0} MB (ru_maxrss says {:.0} MB, but it inherits the parent's peak across fork)",
        py_rss,
        num("ru_maxrss_mb")
    );
    println!(
        "  single firm (build_from_entities + calculate 4 outputs, best of {repeat} passes): {:.0} µs/firm wall, {:.0} µs CPU, over {} firms",
        py_single,
        num("single_cpu_us"),
        num("single_samples")
    );
    println!(
        "  machine load average during the run: {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!("\n== ratios (OpenFisca ÷ gaoxin) ==");
    println!(
        "  batch, same subset, same outputs: calculate-only {:.1}× wall ({:.1}× CPU), end-to-end {:.1}× wall",
        py_calc / batch_sub,
        num("calculate_cpu_s") / cpu_sub,
        py_total / batch_sub
    );
    println!(
        "  batch, same subset, OpenFisca's outputs vs all of ours: {:.1}× wall ({:.1}× CPU)",
        py_calc / batch_sub_full,
        num("calculate_cpu_s") / cpu_sub_full
    );
    println!(
        "  batch, OpenFisca subset vs our whole ladder: {:.1}×",
        py_calc / batch_all
    );
    println!(
        "  single firm: {:.0}× wall, {:.0}× CPU (ours includes the full trace and gap search)",
        py_single / explain_firm_us,
        num("single_cpu_us") / explain_cpu_us
    );
    println!(
        "  peak memory, same work (subset inputs and outputs, separate processes): {:.2}×",
        py_rss / rss
    );
    println!("\nall {n} × 4 outputs identical.");
}
