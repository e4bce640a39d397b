//! `gaoxin payouts funds import|template|history`: the special-fund lines' import (xlsx/csv,
//! Chinese headers, all or nothing with row and column messages), its template, and the
//! append-only history (a correction supersedes the previous line of its year × category ×
//! source; both are listed).
use crate::data::Res;
use clap::Subcommand;
use gaoxin_app::audit::Who;
use gaoxin_app::payout_data::PayoutConfig;
use gaoxin_app::payout_funds;
use gaoxin_store::{Scope, Store};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum FundsCmd {
    /// Import fund lines (columns 年度, 资金类别, 资金级别, 金额（元）, 备注); any error → nothing written.
    Import { file: PathBuf },
    /// Write the import's template (.xlsx).
    Template { out: PathBuf },
    /// Every fund line entered, newest first, with what it superseded.
    History {
        #[arg(long)]
        year: Option<i64>,
        /// Write the history as .xlsx.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub async fn run(store: &Store, cfg: &PayoutConfig, who: &Who, c: FundsCmd) -> Res {
    match c {
        FundsCmd::Import { file } => {
            let bytes = std::fs::read(&file)?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            match payout_funds::import(store, cfg, who, &name, bytes).await? {
                Ok(n) => println!("已导入 {n} 条专项资金记录（{name}）"),
                Err(errors) => {
                    println!("未导入：{} 处错误，未写入任何记录", errors.len());
                    for e in errors {
                        println!("  {e}");
                    }
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
        FundsCmd::Template { out } => {
            std::fs::write(&out, payout_funds::template(cfg)?)?;
            println!("已写入 {}", out.display());
        }
        FundsCmd::History { year, out } => {
            let items = payout_funds::history(store, &Scope::Zone, year).await?;
            println!("编号\t年度\t资金类别\t级别\t金额\t状态\t录入人\t时间\t来源\t备注");
            for i in &items {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    i.id,
                    i.year,
                    i.category,
                    i.source,
                    i.amount,
                    i.status,
                    i.entered_by,
                    i.entered_at,
                    i.origin,
                    i.note
                );
            }
            if items.is_empty() {
                println!("（没有专项资金记录）");
            }
            if let Some(out) = out {
                let bytes = payout_funds::history_workbook(&items)?;
                std::fs::write(
                    &out,
                    crate::export_note::noted(store, crate::export_note::ZONE, bytes).await,
                )?;
                println!("已写入 {}", out.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
