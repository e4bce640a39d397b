//! `gaoxin loans …`, `gaoxin scenarios …`, `gaoxin funds …`: the 科技金融 registries from the
//! command line (the same `gaoxin_app` calls as the pages, so the same numbers).
use crate::data::Res;
use clap::{Args, Subcommand};
use gaoxin_app::finance::FinanceConfig;
use gaoxin_app::finance_import::{self, ImportResult};
use gaoxin_app::finance_loans as loans;
use gaoxin_app::finance_registry as registry;
use gaoxin_model::{Money, Unit, Zone};
use gaoxin_store::{Scope, Store};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct LoansArgs {
    #[command(subcommand)]
    which: LoansCmd,
}

#[derive(Subcommand)]
enum LoansCmd {
    /// The loan-demand list (every demand, or one edition's): tab-separated, or --out F.xlsx
    /// (demands, responses, statistics, 创新积分贷 by points band).
    List {
        /// An edition's id (see `loans stats` or the page); default: every demand.
        #[arg(long)]
        edition: Option<String>,
        /// Only this park's firms (id or name).
        #[arg(long)]
        park: Option<String>,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Publish an edition: every open demand declared on or before --date (default today).
    Publish {
        #[arg(long)]
        title: String,
        #[arg(long)]
        date: Option<String>,
        #[arg(long, default_value = "cli")]
        by: String,
    },
    /// Import loan demands (columns 统一社会信用代码, 需求金额（万元）, 期限（月）, 资金用途,
    /// [担保方式], [申报日期]) or, with --responses, banks' responses (需求编号, 银行, 状态,
    /// [金额（万元）], [拒绝原因代码], [日期], [备注]); any error: nothing written.
    Import {
        file: PathBuf,
        #[arg(long)]
        responses: bool,
        /// Demands: only this park's firms (id or name), as its administrator's import.
        #[arg(long)]
        park: Option<String>,
        #[arg(long, default_value = "cli")]
        by: String,
    },
    /// Match rate and funded amount per park and bank (an edition, or every demand), and
    /// 创新积分贷 approval by points band.
    Stats {
        #[arg(long)]
        edition: Option<String>,
        #[arg(long)]
        park: Option<String>,
    },
}

#[derive(Args)]
pub struct ScenariosArgs {
    #[command(subcommand)]
    which: ScenariosCmd,
}

#[derive(Subcommand)]
enum ScenariosCmd {
    /// Every scenario with its applications' counts, or --out F.xlsx (scenarios and applications).
    List {
        #[arg(long)]
        track: Option<String>,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Import scenarios (场景编号, 场景名称, 提供方, 提供方类型, 园区, 赛道, [预算（万元）],
    /// [截止日期], [状态]): new codes added, known codes replaced; any error: nothing written.
    Import { file: PathBuf },
}

#[derive(Args)]
pub struct FundsArgs {
    #[command(subcommand)]
    which: FundsCmd,
}

#[derive(Subcommand)]
enum FundsCmd {
    /// Funds (4+N) with their investments' counts and amounts, or --out F.xlsx.
    List {
        #[arg(long)]
        track: Option<String>,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Import funds (基金名称, 类别 母基金/赛道基金/其他, 管理人, 规模（万元）, 赛道, 设立年份): new
    /// names added, known names replaced; any error: nothing written.
    Import { file: PathBuf },
    /// Import investments (基金名称, 统一社会信用代码, 轮次, 金额（万元）, 日期,
    /// [拨投结合拨款（万元）], [备注]); any error: nothing written.
    ImportInvestments {
        file: PathBuf,
        /// Only this park's firms (id or name).
        #[arg(long)]
        park: Option<String>,
    },
}

fn wan(fen: i64) -> String {
    Money(fen).rounded(Unit::WanYuan, 2)
}

fn scope_of(zone: &Zone, park: Option<&str>) -> Result<Scope, String> {
    match park {
        None => Ok(Scope::Zone),
        Some(p) => zone
            .park(p)
            .map(|p| Scope::Park(p.id.clone()))
            .ok_or_else(|| format!("未知园区「{p}」")),
    }
}

/// Says what an import did; a written one is recorded in the audit trail as `action`.
/// An import's outcome; `action`: the audit entry to record (`None`: the use case recorded it).
async fn report(
    store: &Store,
    action: Option<&str>,
    scope: &Scope,
    what: &str,
    r: ImportResult,
) -> Res {
    match r {
        Ok(n) => {
            let park = match scope {
                Scope::Park(p) => Some(p.as_str().to_string()),
                _ => None,
            };
            if let Some(action) = action {
                let detail = serde_json::json!({"rows": n});
                crate::audit_cmd::note(store, action, park.as_deref(), what, detail).await?;
            }
            eprintln!("已导入 {n} 条{what}");
            Ok(ExitCode::SUCCESS)
        }
        Err(errors) => {
            for e in &errors {
                eprintln!("{e}");
            }
            eprintln!("共 {} 处错误，未写入任何数据", errors.len());
            Ok(ExitCode::from(1))
        }
    }
}

pub async fn loans_cmd(url: &str, zone: &Zone, a: LoansArgs) -> Res {
    let store = Store::open(url).await?;
    let cfg = FinanceConfig::load()?;
    let code = match a.which {
        LoansCmd::List { edition, park, out } => {
            let scope = scope_of(zone, park.as_deref())?;
            let v = loans::loans_view(&store, zone, &scope, edition.as_deref()).await?;
            if let Some(out) = out {
                let (_, bands) = loans::points_view(&store, &cfg, &scope).await?;
                let bytes = loans::loans_workbook(zone, &cfg, &v, &bands)?;
                let words = crate::export_note::scope_words(zone, &scope);
                std::fs::write(&out, crate::export_note::noted(&store, &words, bytes).await)?;
                eprintln!("已写入 {}（{} 项需求）", out.display(), v.demands.len());
            } else {
                println!(
                    "需求编号\t统一社会信用代码\t企业名称\t园区\t金额（万元）\t期限（月）\t用途\t担保方式\t申报日期"
                );
                for d in &v.demands {
                    let park = zone
                        .park(&d.park)
                        .map(|p| p.name.as_str())
                        .unwrap_or(&d.park);
                    println!(
                        "{}\t{}\t{}\t{park}\t{}\t{}\t{}\t{}\t{}",
                        d.id,
                        d.uscc,
                        d.firm_name,
                        wan(d.amount_fen),
                        d.term_months,
                        d.purpose,
                        d.collateral,
                        d.declared_on
                    );
                }
            }
            ExitCode::SUCCESS
        }
        LoansCmd::Publish { title, date, by } => {
            let (ed, n) = loans::publish(
                &store,
                &Scope::Zone,
                &title,
                date.as_deref().unwrap_or(""),
                &by,
                &gaoxin_app::audit::Who::cli(),
            )
            .await?;
            println!("{}", ed.id);
            eprintln!(
                "已发布「{}」（{}），列入 {n} 项需求",
                ed.title, ed.published_on
            );
            ExitCode::SUCCESS
        }
        LoansCmd::Import {
            file,
            responses,
            park,
            by,
        } => {
            let bytes =
                std::fs::read(&file).map_err(|e| format!("无法读取 {}：{e}", file.display()))?;
            if responses {
                let r = finance_import::import_responses(&store, &cfg, bytes).await?;
                report(
                    &store,
                    Some("finance.responses_import"),
                    &Scope::Zone,
                    "银行回应",
                    r,
                )
                .await?
            } else {
                let scope = scope_of(zone, park.as_deref())?;
                let r = finance_import::import_demands(&store, &scope, bytes, &by).await?;
                report(
                    &store,
                    Some("finance.demands_import"),
                    &scope,
                    "贷款需求",
                    r,
                )
                .await?
            }
        }
        LoansCmd::Stats { edition, park } => {
            let scope = scope_of(zone, park.as_deref())?;
            let v = loans::loans_view(&store, zone, &scope, edition.as_deref()).await?;
            for e in &v.editions {
                eprintln!("期次 {}\t{}\t{}", e.id, e.title, e.published_on);
            }
            println!(
                "类别\t名称\t需求数\t需求金额（万元）\t已回应\t已匹配\t匹配率\t审批金额（万元）\t放款金额（万元）"
            );
            let rows = v
                .stats
                .parks
                .iter()
                .map(|r| ("园区", r))
                .chain(v.stats.banks.iter().map(|r| ("银行", r)))
                .chain(std::iter::once(("合计", &v.stats.total)));
            for (k, r) in rows {
                let rate = r
                    .match_permille
                    .map(|p| format!("{}.{}%", p / 10, p % 10))
                    .unwrap_or_else(|| "—".into());
                println!(
                    "{k}\t{}\t{}\t{}\t{}\t{}\t{rate}\t{}\t{}",
                    r.name,
                    r.demands,
                    wan(r.demanded_fen),
                    r.responded,
                    r.matched,
                    wan(r.approved_fen),
                    wan(r.disbursed_fen)
                );
            }
            let (_, bands) = loans::points_view(&store, &cfg, &scope).await?;
            println!("积分段\t申请数\t已决定\t获批\t获批率\t获批金额（万元）");
            for b in bands {
                let rate = b
                    .approval_permille
                    .map(|p| format!("{}.{}%", p / 10, p % 10))
                    .unwrap_or_else(|| "—".into());
                println!(
                    "{}\t{}\t{}\t{}\t{rate}\t{}",
                    b.band,
                    b.applications,
                    b.decided,
                    b.approved,
                    wan(b.approved_fen)
                );
            }
            if cfg.unconfirmed() {
                eprintln!("注意：拒绝原因代码与积分分段为平台默认设置（待核实）");
            }
            ExitCode::SUCCESS
        }
    };
    store.close().await;
    Ok(code)
}

pub async fn scenarios_cmd(url: &str, zone: &Zone, a: ScenariosArgs) -> Res {
    let store = Store::open(url).await?;
    let code = match a.which {
        ScenariosCmd::List { track, out } => {
            let (rows, apps) =
                registry::scenarios_view(&store, zone, &Scope::Zone, track.as_deref(), None)
                    .await?;
            if let Some(out) = out {
                let bytes = registry::scenarios_workbook(zone, &rows, &apps)?;
                std::fs::write(
                    &out,
                    crate::export_note::noted(&store, crate::export_note::ZONE, bytes).await,
                )?;
                eprintln!("已写入 {}（{} 个场景）", out.display(), rows.len());
            } else {
                println!(
                    "场景编号\t场景名称\t提供方\t园区\t赛道\t预算（万元）\t状态\t已申报\t入围\t入选\t未入选"
                );
                for r in rows {
                    let s = &r.scenario;
                    println!(
                        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                        s.id,
                        s.title,
                        s.offered_by,
                        s.park,
                        s.track,
                        s.budget_fen.map(wan).unwrap_or_default(),
                        s.status,
                        r.applied,
                        r.shortlisted,
                        r.selected,
                        r.declined
                    );
                }
            }
            ExitCode::SUCCESS
        }
        ScenariosCmd::Import { file } => {
            let bytes =
                std::fs::read(&file).map_err(|e| format!("无法读取 {}：{e}", file.display()))?;
            let who = gaoxin_app::audit::Who::cli();
            let r = finance_import::import_scenarios(&store, zone, &who, bytes).await?;
            report(&store, None, &Scope::Zone, "应用场景", r).await?
        }
    };
    store.close().await;
    Ok(code)
}

pub async fn funds_cmd(url: &str, zone: &Zone, a: FundsArgs) -> Res {
    let store = Store::open(url).await?;
    let read = |f: &PathBuf| std::fs::read(f).map_err(|e| format!("无法读取 {}：{e}", f.display()));
    let code = match a.which {
        FundsCmd::List { track, out } => {
            let (rows, inv) =
                registry::funds_view(&store, zone, &Scope::Zone, track.as_deref()).await?;
            if let Some(out) = out {
                let bytes = registry::funds_workbook(zone, &rows, &inv)?;
                std::fs::write(
                    &out,
                    crate::export_note::noted(&store, crate::export_note::ZONE, bytes).await,
                )?;
                eprintln!(
                    "已写入 {}（{} 支基金，{} 笔投资）",
                    out.display(),
                    rows.len(),
                    inv.len()
                );
            } else {
                println!(
                    "基金\t类别\t管理人\t规模（万元）\t赛道\t设立\t投资笔数\t投资金额（万元）\t拨投结合笔数"
                );
                for f in rows {
                    println!(
                        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                        f.name,
                        f.kind,
                        f.manager,
                        wan(f.size_fen),
                        f.track,
                        f.vintage,
                        f.investments,
                        wan(f.invested_fen),
                        f.grant_deals
                    );
                }
            }
            ExitCode::SUCCESS
        }
        FundsCmd::Import { file } => {
            let r = finance_import::import_funds(&store, zone, read(&file)?).await?;
            report(
                &store,
                Some("finance.funds_import"),
                &Scope::Zone,
                "基金",
                r,
            )
            .await?
        }
        FundsCmd::ImportInvestments { file, park } => {
            let scope = scope_of(zone, park.as_deref())?;
            let r = finance_import::import_investments(&store, &scope, read(&file)?).await?;
            report(
                &store,
                Some("finance.investments_import"),
                &scope,
                "投资",
                r,
            )
            .await?
        }
    };
    store.close().await;
    Ok(code)
}
