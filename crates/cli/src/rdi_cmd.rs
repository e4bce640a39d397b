//! `gaoxin rdi …` (新型研发机构) and `gaoxin vitality` (创新活力指数): the same `gaoxin_app` calls
//! as the pages, so the same numbers.
use crate::data::Res;
use clap::{Args, Subcommand};
use gaoxin_app::audit::Who;
use gaoxin_app::{rdi, rdi_eval, rdi_view};
use gaoxin_model::Zone;
use gaoxin_store::{Scope, Store};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct RdiArgs {
    #[command(subcommand)]
    which: RdiCmd,
}

#[derive(Subcommand)]
enum RdiCmd {
    /// Import institutions and their yearly facts (.xlsx or .csv with the template's Chinese
    /// headers); any error: nothing written, every problem listed by row and column.
    Import {
        file: PathBuf,
        /// As this park's administrator (id or name): only the park's institutions.
        #[arg(long)]
        park: Option<String>,
    },
    /// Write the import template (.xlsx).
    Template {
        #[arg(long, default_value = "新型研发机构导入模板.xlsx")]
        out: PathBuf,
    },
    /// The institutions with the year's grades and exit warnings: tab-separated, or --out F.xlsx.
    List {
        #[arg(long)]
        year: Option<i32>,
        #[arg(long)]
        park: Option<String>,
        #[arg(long)]
        grade: Option<String>,
        /// Only institutions with an exit warning.
        #[arg(long)]
        warned: bool,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Evaluate a year (default: the latest with facts) with Monte Carlo rank intervals; stores a
    /// run; --out writes the annual report (.xlsx).
    Evaluate {
        #[arg(long)]
        year: Option<i32>,
        #[arg(long, default_value_t = 1000)]
        mc: usize,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// One institution: facts over the years, scores against the zone median, warnings, incubated firms.
    Show { id: String },
}

fn park_scope(zone: &Zone, park: Option<&str>) -> Result<Scope, String> {
    match park {
        None => Ok(Scope::Zone),
        Some(p) => zone
            .park(p)
            .map(|x| Scope::Park(x.id.clone()))
            .ok_or_else(|| format!("园区「{p}」不存在")),
    }
}

pub async fn rdi_cmd(url: &str, zone: &Zone, a: RdiArgs) -> Res {
    let store = Store::open(url).await?;
    let code = match a.which {
        RdiCmd::Import { file, park } => {
            let scope = park_scope(zone, park.as_deref())?;
            let bytes =
                std::fs::read(&file).map_err(|e| format!("无法读取 {}：{e}", file.display()))?;
            match rdi::import(&store, zone, &scope, bytes, &Who::cli()).await? {
                Ok(s) => {
                    eprintln!(
                        "已导入 {} 家机构、{} 条年度数据、{} 条孵化企业关联",
                        s.institutions, s.years, s.incubations
                    );
                    ExitCode::SUCCESS
                }
                Err(errors) => {
                    eprintln!("未写入任何数据，发现 {} 处问题：", errors.len());
                    for e in errors {
                        eprintln!("  {e}");
                    }
                    ExitCode::from(1)
                }
            }
        }
        RdiCmd::Template { out } => {
            std::fs::write(&out, rdi::template()?)?;
            eprintln!("已写入 {}", out.display());
            ExitCode::SUCCESS
        }
        RdiCmd::List {
            year,
            park,
            grade,
            warned,
            out,
        } => {
            let f = rdi_view::ListFilter {
                year,
                park,
                grade,
                warned,
                ..Default::default()
            };
            let v = rdi_view::list(&store, zone, &Scope::Zone, &f).await?;
            if let Some(out) = out {
                let bytes = rdi_view::list_workbook(&v)?;
                let bytes =
                    crate::export_note::noted(&store, crate::export_note::ZONE, bytes).await;
                std::fs::write(&out, bytes)?;
                eprintln!("已写入 {}（{} 家机构）", out.display(), v.rows.len());
            } else {
                println!(
                    "排名\t机构编号\t机构名称\t园区\t领域\t综合得分\t排名区间\t等级\t上年等级\t退出预警"
                );
                for r in &v.rows {
                    println!(
                        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                        r.rank,
                        r.id,
                        r.name,
                        r.park,
                        r.field,
                        r.total,
                        r.interval,
                        r.grade,
                        r.prev_grade,
                        r.warnings.join("；")
                    );
                }
                if !v.evaluated {
                    eprintln!("（尚未评价该年度：gaoxin rdi evaluate）");
                }
            }
            ExitCode::SUCCESS
        }
        RdiCmd::Evaluate { year, mc, out } => {
            let (rep, run) = rdi_eval::evaluate(&store, year, mc, &Who::cli()).await?;
            let mut counts = Vec::new();
            for g in &rep.grades {
                let n = rep
                    .results
                    .iter()
                    .filter(|r| r.grade.as_deref() == Some(&g.name))
                    .count();
                counts.push(format!("{} {n}", g.name));
            }
            println!(
                "{} 年新型研发机构评价：{} 家（{}），退出预警 {} 条；运行 {}",
                rep.year,
                rep.results.len(),
                counts.join("、"),
                rep.warnings.len(),
                run.id
            );
            println!(
                "权重与等级分界{}",
                if rep.grades_confirmed {
                    "已确认"
                } else {
                    "未经文件确认（UNCONFIRMED）"
                }
            );
            for w in &rep.warnings {
                println!("预警\t{}\t{}\t{}", w.id, w.name, w.evidence);
            }
            if let Some(out) = out {
                let bytes = rdi_view::report_workbook(zone, &rep)?;
                let bytes =
                    crate::export_note::noted(&store, crate::export_note::ZONE, bytes).await;
                std::fs::write(&out, bytes)?;
                eprintln!("已写入 {}", out.display());
            }
            ExitCode::SUCCESS
        }
        RdiCmd::Show { id } => show(&store, zone, &id).await?,
    };
    store.close().await;
    Ok(code)
}

async fn show(
    store: &Store,
    zone: &Zone,
    id: &str,
) -> Result<ExitCode, Box<dyn std::error::Error>> {
    Ok(
        match rdi_view::detail(store, zone, &Scope::Zone, id).await? {
            None => {
                eprintln!("没有编号为 {id} 的新型研发机构");
                ExitCode::from(1)
            }
            Some(d) => {
                println!(
                    "{}（{}）{}",
                    d.name,
                    d.id,
                    if d.synthetic {
                        " [合成演示数据]"
                    } else {
                        ""
                    }
                );
                println!(
                    "园区 {} · 领域 {} · 成立 {} · {} · 共建单位 {}",
                    d.park, d.field, d.founded, d.legal_form, d.partners
                );
                if let Some(y) = d.year {
                    println!(
                        "{y} 年：综合得分 {}，排名 {}/{}（区间 {}），等级 {}",
                        d.total, d.rank, d.zone_count, d.interval, d.grade
                    );
                }
                println!("年度\t{}", d.headers.join("\t"));
                for r in &d.facts {
                    println!("{}\t{}", r.year, r.cells.join("\t"));
                }
                for a in &d.radar {
                    let f =
                        |x: Option<f64>| x.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into());
                    println!(
                        "指标\t{}\t{}\t本机构 {}\t全区中位 {}",
                        a.name,
                        a.value,
                        f(a.own),
                        f(a.median)
                    );
                }
                for w in &d.warnings {
                    println!("退出预警\t{w}");
                }
                println!("孵化企业 {} 家", d.incubated.len());
                ExitCode::SUCCESS
            }
        },
    )
}

#[derive(Args)]
pub struct VitalityArgs {
    /// One park (id or name) instead of the zone.
    #[arg(long)]
    park: Option<String>,
    /// The year whose growth is explained [default: the last].
    #[arg(long)]
    year: Option<i32>,
}

/// `gaoxin vitality [--park P] [--year Y]`: the index by year (base year = 100), growth, and each
/// indicator's contribution to the year's growth.
pub async fn vitality_cmd(url: &str, zone: &Zone, a: VitalityArgs) -> Res {
    let store = Store::open(url).await?;
    let v =
        gaoxin_app::vitality::view(&store, zone, &Scope::Zone, a.park.as_deref(), a.year).await?;
    store.close().await;
    println!(
        "创新活力指数 · {}（基期 {} 年 = 100；方案 {}，权重未经文件确认）",
        v.unit, v.base_year, v.version
    );
    println!("年份\t指数\t增长率");
    for (y, i, g) in &v.table {
        println!("{y}\t{i}\t{g}");
    }
    println!("{} 年增长 {} 的来源：", v.year, v.growth_text);
    println!("指标\t权重\t上年\t当年\t分指数\t贡献");
    for c in &v.contributions {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}",
            c.name, c.share, c.value_prev, c.value, c.sub_index, c.points_text
        );
    }
    for (n, r) in &v.excluded {
        println!("未计入\t{n}\t{r}");
    }
    println!("年均增长 {}。{}", v.cagr_text, v.comparison);
    Ok(ExitCode::SUCCESS)
}
