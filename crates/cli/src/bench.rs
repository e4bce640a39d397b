//! `gaoxin bench import`: our validated import against sqlite3's raw `.import`, in one run.
use crate::data::Res;
use clap::{Args, Subcommand};
use gaoxin_demo::DemoConfig;
use gaoxin_ingest::ImportOptions;
use gaoxin_model::Zone;
use gaoxin_store::Store;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    which: Which,
}

#[derive(Subcommand)]
enum Which {
    /// Generate an N-row enterprise-year CSV, import it with full validation into a fresh SQLite
    /// database, import it again (the merge path: every row compared with what is stored), then
    /// time `sqlite3 .import` of the same file into a plain table.
    Import {
        #[arg(long, default_value_t = 1_000_000)]
        rows: u64,
        /// Working directory for the CSV and the databases [default: a new temporary directory].
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// N open appeals in a fresh SQLite database, then the SLA sweep timed (goal: 10,000 in < 1 s).
    Appeals {
        #[arg(long, default_value_t = 10_000)]
        appeals: usize,
    },
    /// The lead pipeline page with 100,000 leads under 64 concurrent connections (p50/p99, req/s).
    Leads(crate::leads_bench::BenchLeadsArgs),
    /// Every row of the speed table (issue 13) on a fresh demo zone: evaluate, points, rank,
    /// the cold dashboard, 评价, 政策, 目标, the xlsx exports and the enterprise list under load,
    /// each with the command that reproduces it.
    Pages(crate::bench_pages::PagesArgs),
    /// Crash safety: the server killed with SIGKILL at random moments during imports, N times;
    /// after each kill the database's integrity, all-or-nothing imports, the audit trail, kept
    /// sessions and interrupted jobs are checked (`--database` an empty PostgreSQL database for
    /// that backend; default a fresh SQLite file).
    Crash(crate::crash_bench::CrashArgs),
    /// Fuzzed parsers: the import readers (CSV, xlsx), rule files, schemes, reforms, USCC, money
    /// and the backup reader fed mutated samples for N seconds each; never a panic, always a
    /// Chinese error where users read it.
    Fuzz(crate::fuzz_bench::FuzzArgs),
    /// Sustained mixed load against `gaoxin serve` on a fresh demo zone: N connections for a
    /// duration (dashboard, lists, firm pages, the API, sign-ins, appeal and lead forms, an
    /// import every minute); per endpoint p50/p99 and req/s, errors, the server's RSS at the
    /// start, middle and end, and the lost writes (row counts before and after); fails on any.
    Load(crate::load_bench::LoadArgs),
}

fn peak_rss_mib() -> f64 {
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

pub async fn run(zone: &Zone, url: Option<&str>, a: BenchArgs) -> Res {
    let (rows, dir) = match a.which {
        Which::Import { rows, dir } => (rows, dir),
        Which::Appeals { appeals } => return crate::appeals_cmd::bench(zone, appeals).await,
        Which::Leads(l) => return crate::leads_bench::run(zone, l).await,
        Which::Pages(p) => return crate::bench_pages::run(p).await,
        Which::Crash(c) => return crate::crash_bench::run(zone, url, c).await,
        Which::Fuzz(f) => return crate::fuzz_bench::run(zone, f).await,
        Which::Load(l) => return crate::load_bench::run(zone, url, l).await,
    };
    let keep = dir.is_some();
    let dir = dir.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("gaoxin-bench-{}", std::process::id()))
    });
    std::fs::create_dir_all(&dir)?;
    let csv_path = dir.join("panel.csv");
    let ours_db = dir.join("ours.db");
    let raw_db = dir.join("sqlite3.db");
    for p in [&ours_db, &raw_db] {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
        }
    }
    let written = write_csv(zone, rows, &csv_path)?;
    let size = std::fs::metadata(&csv_path)?.len();
    let rss_before = peak_rss_mib();
    let ours = import_twice(zone, &csv_path, &ours_db, written).await?;
    let rss_after = peak_rss_mib();
    let raw = sqlite3_import(&raw_db, &csv_path);
    let mut o = std::io::stdout();
    writeln!(
        o,
        "bench import: {written} rows, {:.0} MiB CSV, SQLite",
        size as f64 / 1048576.0
    )?;
    writeln!(
        o,
        "  gaoxin import (validated, upsert, one transaction): {:.2} s  ({:.0} rows/s; {} warnings accepted)",
        ours.import,
        written as f64 / ours.import,
        ours.warnings
    )?;
    writeln!(
        o,
        "  gaoxin re-import of the same file (merge with stored rows, all unchanged): {:.2} s  ({:.0} rows/s)",
        ours.merge,
        written as f64 / ours.merge
    )?;
    writeln!(
        o,
        "  peak RSS: {rss_before:.0} MiB before import, {rss_after:.0} MiB after (streamed; the duplicate-key index grows with the rows)"
    )?;
    if let Some(raw) = raw {
        writeln!(
            o,
            "  sqlite3 .import (raw, plain table):                 {raw:.2} s  ({:.0} rows/s)",
            written as f64 / raw
        )?;
        writeln!(
            o,
            "  ratio gaoxin / sqlite3: {:.2}× (goal ≤ 2×); re-import (merge) / sqlite3: {:.2}×",
            ours.import / raw,
            ours.merge / raw
        )?;
    }
    writeln!(
        o,
        "  reproduce: cargo run --release -p gaoxin-cli -- bench import --rows {rows}"
    )?;
    if !keep {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(ExitCode::SUCCESS)
}

/// 1. The file: demo firms streamed straight to CSV, in the import's own columns; returns the
///    rows written.
fn write_csv(zone: &Zone, rows: u64, csv_path: &Path) -> Result<u64, Box<dyn std::error::Error>> {
    let t = Instant::now();
    let mut w = csv::Writer::from_writer(std::io::BufWriter::with_capacity(
        1 << 20,
        std::fs::File::create(csv_path)?,
    ));
    w.write_record(gaoxin_ingest::template_csv_header().split(','))?;
    let cfg = DemoConfig {
        enterprises: (rows as usize / 4).max(1),
        ..DemoConfig::default()
    };
    let mut written = 0u64;
    let mut failure = None;
    gaoxin_demo::generate_each(zone, &cfg, |e, facts| {
        for f in facts {
            if written >= rows || failure.is_some() {
                return;
            }
            if let Err(err) = w.write_record(gaoxin_ingest::export::row_cells(zone, e, f)) {
                failure = Some(err);
            }
            written += 1;
        }
    });
    if let Some(e) = failure {
        return Err(e.into());
    }
    w.flush()?;
    drop(w);
    let size = std::fs::metadata(csv_path)?.len();
    eprintln!(
        "生成 {written} 行 CSV（{:.0} MiB）用时 {:.1} 秒：{}",
        size as f64 / 1048576.0,
        t.elapsed().as_secs_f64(),
        csv_path.display()
    );
    Ok(written)
}

/// Seconds of our import and of the re-import, and the warnings accepted.
struct Ours {
    import: f64,
    merge: f64,
    warnings: u64,
}

/// 2. Ours: parse, validate every cell and row, upsert in one transaction; then the same file
///    again into the filled database: the merge path (every row's stored facts read back,
///    merged, compared; nothing to write).
async fn import_twice(
    zone: &Zone,
    csv_path: &Path,
    db: &Path,
    written: u64,
) -> Result<Ours, Box<dyn std::error::Error>> {
    let store = Store::open(&format!("sqlite://{}", db.display())).await?;
    // Every check runs; the warnings (a synthetic zone of this size has a few firms above the
    // 1000亿元 plausibility bound) are accepted as a user who checked them would.
    let opts = ImportOptions {
        accept_warnings: true,
        ..ImportOptions::default()
    };
    let t = Instant::now();
    let report = gaoxin_ingest::import_path(&store, zone, csv_path, &opts, &mut |_| {}).await?;
    let import = t.elapsed().as_secs_f64();
    if !report.ok() {
        return Err(format!("bench import failed: {}", report.summary_zh()).into());
    }
    let t = Instant::now();
    let again = gaoxin_ingest::import_path(&store, zone, csv_path, &opts, &mut |_| {}).await?;
    let merge = t.elapsed().as_secs_f64();
    store.close().await;
    match again.counts {
        Some(c) if again.ok() && c.facts_unchanged == written && c.fields_changed == 0 => {}
        _ => {
            return Err(
                format!("bench re-import changed something: {}", again.summary_zh()).into(),
            );
        }
    }
    Ok(Ours {
        import,
        merge,
        warnings: report.warning_count,
    })
}

/// 3. The peer: sqlite3's .import into a plain table (no validation, no keys); its seconds, or
///    `None` (said on stderr) when sqlite3 is missing or fails.
fn sqlite3_import(raw_db: &Path, csv_path: &Path) -> Option<f64> {
    let t = Instant::now();
    let out = std::process::Command::new("sqlite3")
        .arg(raw_db)
        .arg(".mode csv")
        .arg(format!(".import {} panel", csv_path.display()))
        .output();
    let raw = t.elapsed().as_secs_f64();
    match out {
        Ok(o) if o.status.success() => Some(raw),
        Ok(o) => {
            eprintln!(
                "sqlite3 .import failed: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            None
        }
        Err(e) => {
            eprintln!(
                "sqlite3 not available ({e}); install it with `apt-get install -y sqlite3` to compare"
            );
            None
        }
    }
}
