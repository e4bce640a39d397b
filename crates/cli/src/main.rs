//! `gaoxin`: the command line of the platform.
//!
//! Every command takes `--database URL` (or `DATABASE_URL`); without either it uses
//! `sqlite://gaoxin.db` in the working directory. Reference data come from `data/reference/zone.toml`
//! (or `--reference FILE`).
mod bench;
mod data;
mod progress;
mod serve;

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
    /// Zone reference data (parks, clusters, tracks, targets).
    #[arg(long, global = true, default_value = "data/reference/zone.toml")]
    reference: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the platform (loads the demo zone into an empty database unless --no-demo) and print the address.
    Serve(serve::ServeArgs),
    /// Manage accounts: add, list, disable, reset-password.
    User(serve::UserArgs),
    /// Generate the synthetic demo zone and load it (replaces all enterprises and facts).
    Demo(data::DemoArgs),
    /// Import an enterprise-year file (.xlsx or .csv in UTF-8/GBK). Any error: nothing is written.
    Import(data::ImportArgs),
    /// Export the panel in the import's columns (re-imports unchanged).
    Export(data::ExportArgs),
    /// Write the import template (.xlsx with Chinese headers and instructions).
    Template(data::TemplateArgs),
    /// Print a JSON summary of the data in the database.
    Summary,
    /// Benchmarks that print their figures and the command that reproduces them.
    Bench(bench::BenchArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let url = gaoxin_store::database_url_from_env(cli.database.as_deref());
    let res = rt.block_on(async move {
        let zone = data::load_zone(&cli.reference)?;
        match cli.command {
            Command::Serve(a) => serve::serve(&url, zone, a).await,
            Command::User(a) => serve::user(&url, &zone, a).await,
            Command::Demo(a) => data::demo(&url, &zone, a).await,
            Command::Import(a) => data::import(&url, &zone, a).await,
            Command::Export(a) => data::export(&url, &zone, a).await,
            Command::Template(a) => data::template(&zone, a),
            Command::Summary => data::summary(&url).await,
            Command::Bench(a) => bench::run(&zone, a).await,
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
