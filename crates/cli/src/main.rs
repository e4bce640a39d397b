//! `gaoxin`: the command line of the platform.
//!
//! Every command takes `--database URL` (or `DATABASE_URL`); without either it uses
//! `sqlite://gaoxin.db` in the working directory. Reference data come from `data/reference/zone.toml`
//! (or `--reference FILE`).
/// mimalloc instead of glibc's allocator. The server allocates and frees on many threads (the
/// async workers, the blocking pool, the database driver's threads); under `gaoxin bench load`
/// (120 s, 32 connections, 30,000 firms) its resident memory rose from 837 MiB to 1,916 MiB with
/// glibc and stayed there, against 352 MiB → 1,085 MiB at most and 663 MiB at the end with
/// mimalloc, which also made `evaluate` ~10 % faster. Figures and commands: docs/speed.md.
/// Built without transparent huge pages (`no_thp`): with them, the first `evaluate` after a
/// pause spent ~1.5 s more in the kernel compacting memory for its huge pages (3.0–3.6 s
/// against 2.2–2.5 s).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod appeals_cmd;
mod audit_cmd;
mod backup_cmd;
mod bench;
mod bench_pages;
mod carriers_cmd;
mod clusters_cmd;
mod crash_bench;
mod data;
mod ecosystem_cmd;
mod export_note;
mod finance_cmd;
mod fuzz_bench;
mod index_cmd;
mod leads_bench;
mod leads_cmd;
mod load_bench;
mod payout_funds_cmd;
mod payouts_cmd;
mod progress;
mod rdi_cmd;
mod reform_cmd;
mod reform_compare_cmd;
mod rules_cmd;
mod serve;
mod talent_cmd;
mod tech_cmd;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "gaoxin",
    version,
    about = "高新区创新治理平台 — gaoxin: innovation governance for a multi-park high-tech zone"
)]
struct Cli {
    /// Database URL: sqlite://path (embedded default) or postgres://user@host/db [default: $DATABASE_URL, else sqlite://gaoxin.db].
    #[arg(long, global = true)]
    database: Option<String>,
    /// Zone reference data (parks, clusters, tracks, targets) [default: data/reference/zone.toml,
    /// else the copy built into the binary].
    #[arg(long, global = true)]
    reference: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the platform (loads the demo zone into an empty database unless --no-demo) and print the address.
    Serve(serve::ServeArgs),
    /// Rank the parks (park evaluation) with Monte Carlo rank intervals; stores a run; --out writes the annual report (.xlsx).
    Rank(index_cmd::RankArgs),
    /// Innovation points of every firm for a year (stored); prints the top N.
    Points(index_cmd::PointsArgs),
    /// Target monitoring: today's value, progress, projection, park contributions.
    Targets(index_cmd::TargetsArgs),
    /// Banks for 创新积分贷: add (prints the API key once), list, disable.
    Bank(index_cmd::BankArgs),
    /// Enter (or --clear) a park-level indicator value of the park evaluation.
    ParkInput(index_cmd::ParkInputArgs),
    /// Manage accounts: add, list, disable, reset-password.
    User(serve::UserArgs),
    /// Generate the synthetic demo zone and load it (replaces all enterprises and facts).
    Demo(data::DemoArgs),
    /// Import an enterprise-year file (.xlsx or .csv in UTF-8/GBK). Any error: nothing is written.
    Import(data::ImportArgs),
    /// Move a firm to another park (zone administrators): recorded with who, when, from, to and why.
    MovePark(data::MoveParkArgs),
    /// Export the panel in the import's columns (re-imports unchanged).
    Export(data::ExportArgs),
    /// Write the import template (.xlsx with Chinese headers and instructions).
    Template(data::TemplateArgs),
    /// Print a JSON summary of the data in the database.
    Summary,
    /// Benchmarks that print their figures and the command that reproduces them.
    Bench(bench::BenchArgs),
    /// Rule files: `rules check [FILE…]` validates them and runs their own test cases.
    Rules(rules_cmd::RulesArgs),
    /// Evaluate every firm × rule set of a year; stores the run, prints counts per rule and park, compares with last year.
    Evaluate(rules_cmd::EvaluateArgs),
    /// Explain one firm in Chinese: each condition need/have/source, verdict, gaps, UNCONFIRMED items.
    Explain(rules_cmd::ExplainArgs),
    /// The tier ladder: firms per rung and the nearest-to-qualify lists (per park with --park).
    Ladder(rules_cmd::LadderArgs),
    /// Policies: eligible firms, amounts, 免申即享 / 快申快享 lists and budget by park (--out .xlsx).
    Policies(rules_cmd::PoliciesArgs),
    /// Back up the whole database to FILE while the platform keeps running: one consistent snapshot
    /// (SQLite: one WAL read transaction; PostgreSQL: REPEATABLE READ) written in gaoxin's own
    /// backend-neutral format (JSON lines: header with the schema version, every table's rows, a
    /// final SHA-256), so a SQLite backup restores into PostgreSQL and back. --native writes the
    /// backend's own instead: SQLite VACUUM INTO (a SQLite file) or PostgreSQL pg_dump (custom format).
    Backup(backup_cmd::BackupArgs),
    /// Restore a `gaoxin backup` file (or a --native one: a SQLite file into either backend, a
    /// pg_dump archive into PostgreSQL) into an EMPTY database (--database URL): the file is checked
    /// first (a truncated or altered file is refused), a database holding any row is refused, and
    /// everything is written in one transaction.
    Restore(backup_cmd::RestoreArgs),
    /// What-if reform: `reform FILE --year Y [--out F.xlsx]` — a reform of rule parameters against today's rules on the same data (nothing stored);
    /// `reform compare FILE… --year Y [--actual] [--out F.xlsx]`, `reform adopt NAME --effective YYYY-MM-DD`.
    Reform(reform_cmd::ReformArgs),
    /// 企业诉求直通车: `appeals list|show|import|sweep|measures|key` — firms' appeals, their time
    /// limits on the working-day calendar and the measures that reward solving.
    Appeals(appeals_cmd::AppealsArgs),
    /// 科技金融: the loan-demand list — `loans list|publish|import|stats` (--out F.xlsx exports).
    Loans(finance_cmd::LoansArgs),
    /// Application scenarios (场景): `scenarios list|import`.
    Scenarios(finance_cmd::ScenariosArgs),
    /// Funds (4+N, track funds) and their investments: `funds list`.
    Funds(finance_cmd::FundsArgs),
    /// Cluster diagnosis: `clusters [--year Y] [--format table|json] [--park P] [--out F.xlsx]` — size, LQ, strong clusters, linkage index, 群而不集, overlaps across parks.
    Clusters(clusters_cmd::ClustersArgs),
    /// Link records of the cluster diagnosis: `links import FILE [--park P]` (all or nothing), `links export [--format xlsx|csv] [--out F]`.
    Links(clusters_cmd::LinksArgs),
    /// The new tracks' "五个一" board: completeness, gaps, firms by tier, leads, the future-industry pipeline.
    Tracks(leads_cmd::TracksArgs),
    /// 新赛道大会 leads: list, import, template, pipeline, move, land, drop, note.
    Leads(leads_cmd::LeadsArgs),
    /// 人才: `talents import|template|list|show|monitor|request [--park P]` — records, personal data read with an audit trail, monitoring, 人才服务直通车.
    Talents(talent_cmd::TalentsArgs),

    /// 政策兑现: `payouts sync|list|show|step|import|template|measures|fund` — the payout ledger from
    /// the rules' awards to the money paid (应享尽享、应兑尽兑).
    Payouts(payouts_cmd::PayoutsArgs),

    /// The audit trail (操作记录): `audit [--actor A] [--action X] [--park P] [--subject S] [--since DATE] [--until DATE] [--format table|json]`, newest first.
    Audit(audit_cmd::AuditArgs),

    /// 科技成果转化 matching: `match --against results|demands|experts|firms --query TEXT [--top N]
    /// [--format json]` or `--queries FILE` (one JSON line per query), with filters.
    Match(tech_cmd::MatchArgs),
    /// The technology brokers' 对接 cases: `cases list|open|move|contract|stats [--park P]`.
    Cases(tech_cmd::CasesArgs),

    /// 新型研发机构: `rdi import|template|list|evaluate|show` — facts, annual evaluation with grades and exit warnings.
    Rdi(rdi_cmd::RdiArgs),
    /// 创新活力指数: `vitality [--park P] [--year Y]` — the index by year (base year = 100), growth and each indicator's contribution.
    Vitality(rdi_cmd::VitalityArgs),
    /// 孵化载体: `carriers import|template|list|show|evaluate` — incubators, maker spaces,
    /// accelerators, 特色产业园 and 硅巷 spaces; their firms' ladder movement; annual evaluation.
    Carriers(carriers_cmd::CarriersArgs),
    /// 科技创新生态图谱: `ecosystem [--park P] [--year Y] [--format gexf|csv] --out FILE` — nodes and edges for Gephi.
    Ecosystem(ecosystem_cmd::EcosystemArgs),
}

/// A command whose output is piped into a reader that stops early (`gaoxin export | head`) ends
/// quietly, as Unix tools do, instead of panicking on the broken pipe: the default action of
/// SIGPIPE, which Rust's runtime sets to "ignore". Not for `serve`, whose sockets must never kill
/// the process.
fn quiet_on_broken_pipe() {
    #[cfg(unix)]
    // SAFETY: restoring a signal's default disposition at start-up, before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Serve(_)) {
        quiet_on_broken_pipe();
        // GAOXIN_LOG=debug prints each command's phase timings (target gaoxin::timing) on stderr
        if std::env::var_os("GAOXIN_LOG").is_some() {
            serve::install_log();
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let url = gaoxin_store::database_url_from_env(cli.database.as_deref());
    let explicit_url = cli.database.clone();
    let res = rt.block_on(async move {
        let zone = match &cli.reference {
            Some(p) => data::load_zone(p, true)?,
            None => data::load_zone(std::path::Path::new("data/reference/zone.toml"), false)?,
        };
        match cli.command {
            Command::Serve(a) => serve::serve(&url, zone, a).await,
            Command::Rank(a) => index_cmd::rank(&url, &zone, a).await,
            Command::Points(a) => index_cmd::points(&url, &zone, a).await,
            Command::Targets(a) => index_cmd::targets(&url, &zone, a).await,
            Command::Bank(a) => index_cmd::bank(&url, a).await,
            Command::ParkInput(a) => index_cmd::park_input(&url, &zone, a).await,
            Command::User(a) => serve::user(&url, &zone, a).await,
            Command::Demo(a) => data::demo(&url, &zone, a).await,
            Command::Import(a) if a.kind != "panel" => tech_cmd::import(&url, &zone, a).await,
            Command::Import(a) => data::import(&url, &zone, a).await,
            Command::MovePark(a) => data::move_park(&url, &zone, a).await,
            Command::Export(a) => data::export(&url, &zone, a).await,
            Command::Template(a) if a.kind != "panel" => tech_cmd::template(a),
            Command::Template(a) => data::template(&zone, a),
            Command::Summary => data::summary(&url).await,
            Command::Bench(a) => bench::run(&zone, explicit_url.as_deref(), a).await,
            Command::Rules(a) => rules_cmd::rules(a),
            Command::Evaluate(a) => rules_cmd::evaluate(&url, &zone, a).await,
            Command::Explain(a) => rules_cmd::explain(&url, a).await,
            Command::Ladder(a) => rules_cmd::ladder_cmd(&url, &zone, a).await,
            Command::Policies(a) => rules_cmd::policies(&url, &zone, a).await,
            Command::Reform(a) => reform_cmd::reform(&url, &zone, a).await,
            Command::Clusters(a) => clusters_cmd::clusters(&url, &zone, a).await,
            Command::Links(a) => clusters_cmd::links(&url, &zone, a).await,
            Command::Tracks(a) => leads_cmd::tracks_cmd(&url, &zone, a).await,
            Command::Leads(a) => leads_cmd::leads_cmd(&url, &zone, a).await,
            Command::Backup(a) => backup_cmd::backup(&url, a).await,
            Command::Restore(a) => backup_cmd::restore(&url, a).await,
            Command::Appeals(a) => appeals_cmd::run(&url, &zone, a).await,
            Command::Loans(a) => finance_cmd::loans_cmd(&url, &zone, a).await,
            Command::Scenarios(a) => finance_cmd::scenarios_cmd(&url, &zone, a).await,
            Command::Funds(a) => finance_cmd::funds_cmd(&url, &zone, a).await,
            Command::Talents(a) => talent_cmd::run(&url, &zone, a).await,

            Command::Payouts(a) => payouts_cmd::run(&url, &zone, a).await,

            Command::Audit(a) => audit_cmd::audit(&url, &zone, a).await,

            Command::Match(a) => tech_cmd::match_cmd(&url, &zone, a).await,
            Command::Cases(a) => tech_cmd::cases_cmd(&url, &zone, a).await,

            Command::Rdi(a) => rdi_cmd::rdi_cmd(&url, &zone, a).await,
            Command::Vitality(a) => rdi_cmd::vitality_cmd(&url, &zone, a).await,
            Command::Carriers(a) => carriers_cmd::carriers_cmd(&url, &zone, a).await,
            Command::Ecosystem(a) => ecosystem_cmd::ecosystem_cmd(&url, &zone, a).await,
        }
    });
    match res {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误：{e}");
            ExitCode::from(2)
        }
    }
}
