//! `gaoxin reform compare FILE1 FILE2 … --year Y [--actual] [--out F.xlsx]`: saved reforms side by
//! side with today's rules (and, with `--actual`, last year's official run and payments);
//! `gaoxin reform adopt NAME --effective YYYY-MM-DD`: a saved reform becomes new versions of the
//! rule files it changes.
use crate::data::Res;
use clap::{Args, Subcommand};
use gaoxin_app::reform::{self, Baseline};
use gaoxin_app::reform_compare_view as view;
use gaoxin_model::Zone;
use gaoxin_rules::reform::Reform;
use gaoxin_store::{Scope, Store};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum ReformCmd {
    /// Compare two or more reforms (files, or names of saved reforms) for one year, side by side with today's rules.
    Compare(CompareArgs),
    /// Adopt a saved reform: new versions of the rule files it changes, in force from --effective (the diff is printed first).
    Adopt(AdoptArgs),
}

#[derive(Args)]
pub struct AdoptArgs {
    /// The saved reform's name (its file name in $GAOXIN_REFORMS / data/reforms, without .toml).
    name: String,
    /// The day the new rule-file versions take effect (YYYY-MM-DD); runs of years whose as-of date is earlier keep the old values.
    #[arg(long, value_parser = parse_date)]
    effective: gaoxin_model::Date,
    /// Only print the diff and the files that would be written.
    #[arg(long)]
    dry_run: bool,
}

fn parse_date(s: &str) -> Result<gaoxin_model::Date, String> {
    gaoxin_model::Date::parse(s.trim()).ok_or_else(|| format!("日期「{s}」无效，请写成 YYYY-MM-DD"))
}

#[derive(Args)]
pub struct CompareArgs {
    /// Reform files (or names of saved reforms in $GAOXIN_REFORMS / data/reforms, without .toml).
    #[arg(required = true, num_args = 1..)]
    files: Vec<PathBuf>,
    /// Fiscal year evaluated.
    #[arg(long, value_parser = gaoxin_model::Year::parse)]
    year: gaoxin_model::Year,
    /// Also show last year's actual results: the stored official run of Y−1 and the ledger's payments of Y−1.
    #[arg(long)]
    actual: bool,
    /// Write every table (and every firm whose outcome differs) as .xlsx.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Firms listed in the printed table of differing outcomes.
    #[arg(long, default_value_t = 20)]
    top: usize,
}

pub async fn run(url: &str, zone: &Zone, cmd: ReformCmd) -> Res {
    match cmd {
        ReformCmd::Compare(a) => compare(url, zone, a).await,
        ReformCmd::Adopt(a) => adopt(url, a).await,
    }
}

/// A reform named on the command line: a file, else a saved reform's name.
fn load(p: &std::path::Path) -> Result<(String, Reform), Vec<gaoxin_rules::LoadError>> {
    let key = p
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    if p.exists() {
        return Reform::load(p).map(|r| (key, r));
    }
    match reform::saved_one(&p.to_string_lossy())? {
        Some(r) => Ok((key, r)),
        None => Err(vec![gaoxin_rules::LoadError {
            file: p.to_path_buf(),
            line: 0,
            msg: "没有这个文件，也没有这个名称的已保存方案".into(),
        }]),
    }
}

async fn compare(url: &str, zone: &Zone, a: CompareArgs) -> Res {
    let mut reforms = Vec::new();
    let mut errors = Vec::new();
    for f in &a.files {
        match load(f) {
            Ok(r) => reforms.push(r),
            Err(es) => errors.extend(es),
        }
    }
    if !errors.is_empty() {
        return refused(&errors);
    }
    if reforms.len() < 2 {
        eprintln!("方案对比至少需要两个方案（单个方案请用 gaoxin reform FILE --year Y）");
        return Ok(ExitCode::FAILURE);
    }
    let store = Store::open(url).await?;
    let base = Baseline::load(&store, &Scope::Zone, a.year).await?;
    let c = match gaoxin_app::reform_compare::compare(&base, &reforms) {
        Ok(c) => c,
        Err(es) => return refused(&es),
    };
    let actual = if a.actual {
        Some(gaoxin_app::reform_compare::actual(&store, &Scope::Zone, a.year.get()).await?)
    } else {
        None
    };
    print!(
        "{}",
        view::text(&view::view(zone, &c, actual.as_ref(), a.top))
    );
    if let Some(out) = &a.out {
        let bytes = view::workbook(&view::view(zone, &c, actual.as_ref(), usize::MAX))?;
        std::fs::write(
            out,
            crate::export_note::noted(&store, crate::export_note::ZONE, bytes).await,
        )?;
        println!("已写入 {}", out.display());
    }
    Ok(ExitCode::SUCCESS)
}

async fn adopt(url: &str, a: AdoptArgs) -> Res {
    use gaoxin_app::reform_adopt::{self, AdoptError};
    let store = Store::open(url).await?;
    let who = gaoxin_app::audit::Who::cli();
    match reform_adopt::adopt(&store, &who, None, &a.name, a.effective, !a.dry_run).await {
        Ok((p, id)) => {
            println!(
                "改革方案：{}（提出人：{}），自 {} 起生效；规则目录 {}",
                p.name,
                p.author,
                p.effective,
                p.dir.display()
            );
            println!("修改：");
            for c in &p.changes {
                println!("  {} · {}：{} → {}", c.rule_name, c.item, c.before, c.after);
            }
            for v in &p.files {
                println!(
                    "  规则文件 {}（{}）：版本 {} → {}（{}）",
                    v.new_path.display(),
                    v.rule_name,
                    v.old_version,
                    v.new_version,
                    v.how
                );
            }
            match id {
                Some(id) => println!(
                    "已采纳（采纳记录 {id}），旧版本保存在 {}/versions/；正式评价结果不变。",
                    p.dir.display()
                ),
                None => println!("（试运行：未写入任何文件）"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(AdoptError::Store(e)) => Err(e.into()),
        Err(e) => {
            println!("未采纳：{e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

fn refused(es: &[gaoxin_rules::LoadError]) -> Res {
    println!("改革方案未通过校验，未作测算：");
    for e in es {
        println!("错误 {e}");
    }
    Ok(ExitCode::FAILURE)
}
