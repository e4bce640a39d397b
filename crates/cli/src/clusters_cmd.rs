//! `gaoxin clusters --year Y [--format json] [--park P] [--out F.xlsx]`: the cluster diagnosis
//! (issue 15) — and `gaoxin links import|export`: the link records it counts.
use crate::data::Res;
use clap::{Args, Subcommand};
use gaoxin_app::{cluster_links, cluster_workbook, clusters};
use gaoxin_model::{ParkId, Year, Zone};
use gaoxin_store::{Scope, Store};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct ClustersArgs {
    /// Year diagnosed [default: the latest year with data].
    #[arg(long, value_parser = Year::parse)]
    year: Option<Year>,
    /// table (Chinese, for reading) or json (everything, for scripts).
    #[arg(long, default_value = "table")]
    format: String,
    /// Only the clusters located in this park (id or name).
    #[arg(long)]
    park: Option<String>,
    /// Also write the overview workbook (.xlsx).
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Args)]
pub struct LinksArgs {
    #[command(subcommand)]
    cmd: LinksCmd,
}

#[derive(Subcommand)]
enum LinksCmd {
    /// Import link records (.xlsx or .csv; columns 年度, 主体一, 主体二, 关联类型, 来源, 依据): all or nothing.
    Import {
        file: PathBuf,
        /// As a park administrator of this park would: every firm end must be the park's.
        #[arg(long)]
        park: Option<String>,
        #[arg(long, default_value = "cli")]
        by: String,
    },
    /// Export link records in the import's columns.
    Export {
        #[arg(long)]
        out: Option<PathBuf>,
        /// xlsx or csv.
        #[arg(long, default_value = "xlsx")]
        format: String,
        #[arg(long, value_parser = Year::parse)]
        year: Option<Year>,
        #[arg(long)]
        park: Option<String>,
    },
}

fn park_of(zone: &Zone, p: Option<&str>) -> Result<Option<ParkId>, String> {
    p.map(|p| {
        zone.park(p)
            .map(|z| z.id.clone())
            .ok_or_else(|| format!("未知园区「{p}」"))
    })
    .transpose()
}

fn f2(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.2}")).unwrap_or_else(|| "—".into())
}

pub async fn clusters(url: &str, zone: &Zone, a: ClustersArgs) -> Res {
    if a.format != "table" && a.format != "json" {
        return Err("--format 应为 table 或 json".into());
    }
    let park = park_of(zone, a.park.as_deref())?;
    let store = Store::open(url).await?;
    let Some(o) = clusters::overview(&store, zone, &Scope::Zone, a.year, park.as_ref()).await?
    else {
        println!("没有企业数据。");
        return Ok(ExitCode::SUCCESS);
    };
    if let Some(out) = &a.out {
        let scope = match &park {
            Some(p) => zone
                .park(p.as_str())
                .map_or_else(|| p.to_string(), |x| x.name.clone()),
            None => crate::export_note::ZONE.to_string(),
        };
        let bytes = cluster_workbook::overview_xlsx(&o)?;
        std::fs::write(out, crate::export_note::noted(&store, &scope, bytes).await)?;
        eprintln!("已写入 {}", out.display());
    }
    if a.format == "json" {
        println!("{}", serde_json::to_string_pretty(&o)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{}年 创新型产业集群诊断（{} 条关联记录{}）",
        o.year,
        o.links,
        if o.synthetic_links {
            "，含合成演示数据"
        } else {
            ""
        }
    );
    println!(
        "编号\t集群\t园区\t成员\t从业人员\t区位熵\t强集群\t关联指数\t群而不集\t缺少的关联类型"
    );
    for r in &o.rows {
        let m = &r.m;
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            r.id,
            r.name,
            r.parks
                .iter()
                .map(|p| p.1.as_str())
                .collect::<Vec<_>>()
                .join("、"),
            m.firms,
            m.employees,
            f2(m.lq),
            if m.strong { "是" } else { "" },
            f2(m.linkage_index),
            if m.loose {
                "群而不集"
            } else if !m.in_force {
                "未生效"
            } else {
                ""
            },
            r.missing_kinds.join("、"),
        );
    }
    if !o.overlaps.is_empty() {
        println!("\n跨园区同质化（行业代码前缀重叠；营收结构余弦相似度）：");
        for x in &o.overlaps {
            println!(
                "  {}（{}）— {}（{}）：{}；{}",
                x.a_name,
                x.a_park,
                x.b_name,
                x.b_park,
                x.shared_prefixes.join("、"),
                f2(x.cosine)
            );
        }
    }
    println!("\n口径：");
    for (k, v) in &o.definitions {
        println!("  {k}：{v}");
    }
    println!(
        "  阈值（{}）：基准关联度 {}，群而不集 成员≥{} 且关联指数<{}；待确认：{}",
        o.params.version,
        o.params.benchmark_degree,
        o.params.min_firms,
        o.params.linkage_threshold,
        o.params.unconfirmed.join("、")
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn links(url: &str, zone: &Zone, a: LinksArgs) -> Res {
    match a.cmd {
        LinksCmd::Import { file, park, by } => {
            let scope = match park_of(zone, park.as_deref())? {
                Some(p) => Scope::Park(p),
                None => Scope::Zone,
            };
            let bytes =
                std::fs::read(&file).map_err(|e| format!("无法读取 {}：{e}", file.display()))?;
            let store = Store::open(url).await?;
            let name = file.display().to_string();
            let source = cluster_links::LinkSource {
                bytes: &bytes,
                file: Some(&name),
                by: &by,
            };
            let who = gaoxin_app::audit::Who::cli();
            let r = cluster_links::import(&store, &scope, &who, &source, gaoxin_store::unix_now())
                .await?;
            if r.errors.is_empty() {
                println!("已导入 {} 条关联记录。", r.written);
                Ok(ExitCode::SUCCESS)
            } else {
                println!("文件有 {} 处错误，未导入任何记录：", r.errors.len());
                for e in &r.errors {
                    println!("  {e}");
                }
                Ok(ExitCode::from(1))
            }
        }
        LinksCmd::Export {
            out,
            format,
            year,
            park,
        } => {
            let scope = match park_of(zone, park.as_deref())? {
                Some(p) => Scope::Park(p),
                None => Scope::Zone,
            };
            let store = Store::open(url).await?;
            let y = year.map(|y| y.get());
            let bytes = match format.as_str() {
                "xlsx" => cluster_links::export_xlsx(&store, &scope, y).await?,
                "csv" => cluster_links::export_csv(&store, &scope, y).await?,
                _ => return Err("--format 应为 xlsx 或 csv".into()),
            };
            match out {
                Some(p) => {
                    let bytes = if format == "xlsx" {
                        let words = crate::export_note::scope_words(zone, &scope);
                        crate::export_note::noted(&store, &words, bytes).await
                    } else {
                        bytes
                    };
                    std::fs::write(&p, bytes)?;
                    eprintln!("已写入 {}", p.display());
                }
                None => {
                    use std::io::Write;
                    std::io::stdout().write_all(&bytes)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
