//! `gaoxin bench fuzz --seconds N` (issue 13): a seeded mutation fuzzer that needs no nightly
//! toolchain. Each target starts from the repository's own sample files (the import template,
//! a CSV of the template's columns, the shipped rule files, schemes and reforms, a backup of a
//! small database) and feeds mutated copies (bytes flipped, inserted, deleted, duplicated,
//! truncated; tokens spliced in: separators, quotes, huge or negative numbers, full-width
//! digits, units, `清空`) to the parser, under `catch_unwind`. A panic is a failure; so is an
//! error that a user reads without a Chinese word (the import readers, USCC, money, the backup
//! reader). The short form runs in `cargo test`; each target's executions are reported.
use crate::data::Res;
use gaoxin_model::rng::Xoshiro256;
use gaoxin_model::{Money, Unit, Uscc, Zone};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct FuzzArgs {
    /// Seconds per target.
    #[arg(long, default_value_t = 60)]
    pub seconds: u64,
    /// The mutations' seed.
    #[arg(long, default_value_t = 13)]
    pub seed: u64,
}

/// Tokens spliced into inputs: what breaks parsers of numbers, CSV and TOML.
const TOKENS: &[&str] = &[
    ",",
    "\"",
    "\n",
    "\r\n",
    "=",
    "[",
    "]",
    "{",
    "}",
    "[[",
    "'''",
    "-",
    "-1",
    "0",
    ".",
    "1e309",
    "NaN",
    "inf",
    "99999999999999999999999",
    "-9223372036854775808",
    "１２３",
    "９１",
    "万元",
    "亿元",
    "元",
    "清空",
    "合计",
    "\u{feff}",
    "\t",
    "\0",
    "%",
    "（",
    "）",
    "2024",
    "year",
    "weight",
    "value",
    "1.5",
    "0.000001",
];

fn mutate(rng: &mut Xoshiro256, seed: &[u8]) -> Vec<u8> {
    let mut b = seed.to_vec();
    let n = 1 + rng.next_u64() % 8;
    for _ in 0..n {
        let len = b.len().max(1);
        let at = (rng.next_u64() as usize) % len;
        match rng.next_u64() % 7 {
            0 if !b.is_empty() => {
                let i = at % b.len();
                b[i] ^= 1 << (rng.next_u64() % 8);
            }
            1 => b.insert(at.min(b.len()), rng.next_u64() as u8),
            2 if !b.is_empty() => {
                let end = (at + 1 + (rng.next_u64() as usize) % 16).min(b.len());
                b.drain(at.min(b.len())..end);
            }
            3 if !b.is_empty() => {
                let end = (at + 1 + (rng.next_u64() as usize) % 64).min(b.len());
                let piece = b[at.min(b.len())..end].to_vec();
                let to = (rng.next_u64() as usize) % (b.len() + 1);
                b.splice(to..to, piece);
            }
            4 => b.truncate(at),
            _ => {
                let t = TOKENS[(rng.next_u64() as usize) % TOKENS.len()].as_bytes();
                let at = at.min(b.len());
                b.splice(at..at, t.iter().copied());
            }
        }
    }
    b
}

fn chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// The check of one input (`Err`: what is wrong).
type Check = Box<dyn Fn(&[u8]) -> Result<(), String>>;

/// One target: a name, its seeds, and its check.
struct Target {
    name: &'static str,
    seeds: Vec<Vec<u8>>,
    run: Check,
}

/// What a target's run found.
pub struct Outcome {
    pub name: &'static str,
    pub executions: u64,
    pub failures: Vec<String>,
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The import readers: open (xlsx or CSV in any encoding), find the header, parse every row.
fn read_import(zone: &Zone, bytes: &[u8]) -> Result<(), String> {
    use gaoxin_ingest::read::open_bytes;
    use gaoxin_ingest::validate::RowParser;
    let sheet = match open_bytes(bytes.to_vec()) {
        Ok(s) => s,
        Err(e) => {
            let m = e.to_string();
            return if chinese(&m) {
                Ok(())
            } else {
                Err(format!("reader error without Chinese: {m}"))
            };
        }
    };
    let mut parser = match RowParser::new_at(zone, &sheet.headers, None, sheet.header_row) {
        Ok((p, _)) => p,
        Err(errs) => {
            return match errs.iter().find(|e| !chinese(&e.message)) {
                Some(e) => Err(format!("header error without Chinese: {}", e.message)),
                None => Ok(()),
            };
        }
    };
    for item in sheet.rows.take(10_000) {
        match item {
            Ok((row, cells)) => {
                let p = parser.parse(row, &cells);
                if let Some(e) = p.errors.iter().find(|e| !chinese(&e.message)) {
                    return Err(format!("row error without Chinese: {}", e.message));
                }
            }
            Err(e) if !chinese(&e.to_string()) => {
                return Err(format!("row read error without Chinese: {e}"));
            }
            Err(_) => break,
        }
    }
    Ok(())
}

fn sample_csv(zone: &Zone) -> Vec<u8> {
    let demo = gaoxin_demo::generate(
        zone,
        &gaoxin_demo::DemoConfig {
            enterprises: 5,
            first_year: 2023,
            last_year: 2024,
            seed: 1,
        },
    );
    let mut s = gaoxin_ingest::template_csv_header();
    for f in demo.facts.iter().take(6) {
        s.push_str(&format!(
            "{},某公司,江北新区,{},2015-06-01,C3911,{}\n",
            f.uscc.as_str(),
            f.year.get(),
            f.get(gaoxin_model::F::Revenue).unwrap_or(0) / 1_000_000
        ));
    }
    // the template's header with fewer cells per row is still a CSV the reader must handle
    s.push_str("合计,,,,,,1\n");
    s.into_bytes()
}

fn targets(zone: &Zone, backup: Vec<u8>, store: gaoxin_store::Store) -> Vec<Target> {
    let z1 = zone.clone();
    let z2 = zone.clone();
    let rule_seeds: Vec<Vec<u8>> = [
        include_str!("../../../data/rules/hightech_2016.toml"),
        include_str!("../../../data/rules/nanjing_gazelle_2024.toml"),
        include_str!("../../../data/rules/techsme_2022.toml"),
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    let rt = tokio::runtime::Handle::current();
    vec![
        Target {
            name: "import CSV (UTF-8, GBK)",
            seeds: vec![sample_csv(zone)],
            run: Box::new(move |b| read_import(&z1, b)),
        },
        Target {
            name: "import xlsx",
            seeds: vec![gaoxin_ingest::template_xlsx(zone)],
            run: Box::new(move |b| read_import(&z2, b)),
        },
        Target {
            name: "rule files",
            seeds: rule_seeds,
            run: Box::new(|b| {
                let r = gaoxin_rules::file::parse_file(Path::new("fuzz.toml"), &lossy(b));
                match r {
                    Err(e) if e.msg.trim().is_empty() => Err("an empty error".into()),
                    _ => Ok(()),
                }
            }),
        },
        Target {
            name: "schemes",
            seeds: vec![
                include_bytes!("../../../data/schemes/park-evaluation-2021.toml").to_vec(),
                include_bytes!("../../../data/schemes/innovation-points-2024.toml").to_vec(),
            ],
            run: Box::new(|b| {
                let t = lossy(b);
                let _ = gaoxin_index::park::ParkScheme::from_toml_str(&t, "fuzz.toml");
                let _ = gaoxin_index::points::PointsScheme::from_toml_str(&t, "fuzz.toml");
                Ok(())
            }),
        },
        Target {
            name: "reform files",
            seeds: vec![
                include_bytes!("../../../data/reforms/incentive_share_60.toml").to_vec(),
                include_bytes!("../../../data/reforms/gazelle_growth_lower.toml").to_vec(),
            ],
            run: Box::new(|b| {
                match gaoxin_rules::reform::Reform::parse(Path::new("fuzz.toml"), &lossy(b)) {
                    Err(es) if es.iter().any(|e| e.msg.trim().is_empty()) => {
                        Err("an empty error".into())
                    }
                    _ => Ok(()),
                }
            }),
        },
        Target {
            name: "USCC",
            seeds: vec![
                b"91320111MA00J1171Q".to_vec(),
                b"91440300708461136T".to_vec(),
            ],
            run: Box::new(|b| match Uscc::parse(&lossy(b)) {
                Err(e) if !chinese(&e.to_string()) => Err(format!("USCC error: {e}")),
                _ => Ok(()),
            }),
        },
        Target {
            name: "money",
            seeds: vec![
                b"12345.678901".to_vec(),
                b"-0.5".to_vec(),
                b"1,234".to_vec(),
            ],
            run: Box::new(|b| {
                for u in [Unit::Yuan, Unit::WanYuan, Unit::YiYuan] {
                    if let Err(e) = Money::parse(&lossy(b), u)
                        && !chinese(&e.to_string())
                    {
                        return Err(format!("money error: {e}"));
                    }
                }
                Ok(())
            }),
        },
        Target {
            name: "backup reader",
            seeds: vec![backup],
            run: Box::new(move |b| {
                let path =
                    std::env::temp_dir().join(format!("gaoxin-fuzz-{}.gxbak", std::process::id()));
                std::fs::write(&path, b).map_err(|e| e.to_string())?;
                let r = tokio::task::block_in_place(|| rt.block_on(store.restore(&path)));
                match r {
                    Ok(_) => Err("a mutated backup was restored".into()),
                    Err(e) if !chinese(&e.to_string()) => Err(format!("backup error: {e}")),
                    Err(_) => Ok(()),
                }
            }),
        },
    ]
}

fn fuzz(t: &Target, rng: &mut Xoshiro256, budget: Duration) -> Outcome {
    let start = Instant::now();
    let mut out = Outcome {
        name: t.name,
        executions: 0,
        failures: vec![],
    };
    // the seeds themselves first, then mutations (of a seed, or of a mutation that passed)
    let mut pool = t.seeds.clone();
    let mut i = 0usize;
    while start.elapsed() < budget && out.failures.len() < 10 {
        let input = if i < t.seeds.len() {
            t.seeds[i].clone()
        } else {
            let base = &pool[(rng.next_u64() as usize) % pool.len()];
            mutate(rng, base)
        };
        i += 1;
        out.executions += 1;
        let res = catch_unwind(AssertUnwindSafe(|| (t.run)(&input)));
        let failed = match res {
            Ok(Ok(())) => None,
            Ok(Err(m)) => Some(m),
            Err(p) => Some(format!(
                "PANIC: {}",
                p.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default()
            )),
        };
        match failed {
            Some(m) if i > t.seeds.len() || !m.contains("was restored") => {
                let shown: String = lossy(&input).chars().take(200).collect();
                out.failures.push(format!("{m} — input: {shown:?}"));
            }
            Some(_) => {}
            None if pool.len() < 256 && rng.next_u64().is_multiple_of(16) => pool.push(input),
            None => {}
        }
    }
    out
}

/// Runs every target for `per_target`; the outcomes in order.
pub async fn run_all(
    zone: &Zone,
    per_target: Duration,
    seed: u64,
) -> Result<Vec<Outcome>, Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("gaoxin-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    // a backup of a small database (the seed of the backup reader), and an empty one to restore into
    let src =
        gaoxin_store::Store::open(&format!("sqlite://{}", dir.join("src.db").display())).await?;
    gaoxin_app::audit::record(
        &src,
        &gaoxin_app::audit::Who::system(),
        "fuzz.seed",
        None,
        "x",
        serde_json::json!({}),
    )
    .await?;
    let mut backup = Vec::new();
    src.backup(&mut backup).await?;
    src.close().await;
    let empty =
        gaoxin_store::Store::open(&format!("sqlite://{}", dir.join("empty.db").display())).await?;
    // panics are caught and counted: keep the default hook from printing each one
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut rng = Xoshiro256::new(seed);
    let mut outs = Vec::new();
    for t in targets(zone, backup, empty.clone()) {
        outs.push(fuzz(&t, &mut rng, per_target));
    }
    std::panic::set_hook(hook);
    empty.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(outs)
}

pub async fn run(zone: &Zone, a: FuzzArgs) -> Res {
    let outs = run_all(zone, Duration::from_secs(a.seconds), a.seed).await?;
    let mut bad = 0;
    for o in &outs {
        println!(
            "{:<26} {:>9} executions  {} failures",
            o.name,
            o.executions,
            o.failures.len()
        );
        for f in &o.failures {
            println!("  FAILED {f}");
        }
        bad += o.failures.len();
    }
    println!(
        "reproduce: gaoxin bench fuzz --seconds {} --seed {}",
        a.seconds, a.seed
    );
    Ok(if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_parser_survives_a_short_fuzz_run() {
        let zone = Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap();
        let outs = run_all(&zone, Duration::from_secs(2), 13).await.unwrap();
        assert_eq!(outs.len(), 8);
        for o in &outs {
            assert!(o.executions > 10, "{}: {} executions", o.name, o.executions);
            assert!(o.failures.is_empty(), "{}: {:?}", o.name, o.failures);
        }
    }

    #[test]
    fn a_panic_or_an_error_without_chinese_is_a_failure() {
        let t = Target {
            name: "t",
            seeds: vec![b"12345".to_vec(), b"-1".to_vec()],
            run: Box::new(|b| {
                assert!(b.len() < 8, "too long");
                if b.contains(&b'-') {
                    return Err("bad".into());
                }
                Ok(())
            }),
        };
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let o = fuzz(&t, &mut Xoshiro256::new(3), Duration::from_millis(300));
        std::panic::set_hook(hook);
        assert!(o.failures.iter().any(|f| f.starts_with("PANIC: too long")));
        assert!(o.failures.iter().any(|f| f.starts_with("bad")));
    }

    #[test]
    fn mutations_are_deterministic_and_change_the_input() {
        let (mut a, mut b) = (Xoshiro256::new(1), Xoshiro256::new(1));
        let seed = b"91320111MA00J1171Q".to_vec();
        let xs: Vec<Vec<u8>> = (0..50).map(|_| mutate(&mut a, &seed)).collect();
        let ys: Vec<Vec<u8>> = (0..50).map(|_| mutate(&mut b, &seed)).collect();
        assert_eq!(xs, ys);
        assert!(xs.iter().any(|x| *x != seed));
    }
}
