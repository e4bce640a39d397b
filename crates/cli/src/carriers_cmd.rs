//! `gaoxin carriers …` (孵化载体): the same `gaoxin_app` calls as the pages, so the same numbers.
use crate::data::Res;
use crate::export_note::{ZONE, noted};
use clap::{Args, Subcommand};
use gaoxin_app::audit::Who;
use gaoxin_app::{carrier, carrier_eval, carrier_view};
use gaoxin_model::Zone;
use gaoxin_store::{Scope, Store};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct CarriersArgs {
    #[command(subcommand)]
    which: CarriersCmd,
}

#[derive(Subcommand)]
enum CarriersCmd {
    /// Import carriers with their yearly facts, or incubated firms (a file with 统一社会信用代码,
    /// 入孵年份, 毕业年份), .xlsx or .csv with the template's Chinese headers; any error: nothing
    /// written, every problem listed by row and column.
    Import {
        file: PathBuf,
        /// As this park's administrator (id or name): only the park's carriers.
        #[arg(long)]
        park: Option<String>,
    },
    /// Write the import template (.xlsx: the carriers' sheet and the incubated firms' sheet).
    Template {
        #[arg(long, default_value = "孵化载体导入模板.xlsx")]
        out: PathBuf,
    },
    /// The carriers with the year's grades: tab-separated, or --out F.xlsx.
    List {
        #[arg(long)]
        year: Option<i32>,
        #[arg(long)]
        park: Option<String>,
        /// 孵化器, 众创空间, 加速器, 特色产业园 or 硅巷空间.
        #[arg(long)]
        kind: Option<String>,
        /// 国家级, 省级, 市级 or 未认定.
        #[arg(long)]
        level: Option<String>,
        #[arg(long)]
        grade: Option<String>,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Evaluate a year (default: the latest with facts) with Monte Carlo rank intervals; stores a
    /// run; --out writes the evaluation (.xlsx).
    Evaluate {
        #[arg(long)]
        year: Option<i32>,
        #[arg(long, default_value_t = 1000)]
        mc: usize,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// One carrier: facts over the years with their source, the ladder movement of its firms, its
    /// evaluation.
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

pub async fn carriers_cmd(url: &str, zone: &Zone, a: CarriersArgs) -> Res {
    let store = Store::open(url).await?;
    let code = match a.which {
        CarriersCmd::Import { file, park } => {
            let scope = park_scope(zone, park.as_deref())?;
            let bytes =
                std::fs::read(&file).map_err(|e| format!("无法读取 {}：{e}", file.display()))?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            match carrier::import(&store, zone, &scope, &name, bytes, &Who::cli()).await? {
                Ok(s) => {
                    eprintln!(
                        "已导入 {} 个载体、{} 条年度数据、{} 条在孵企业关联（导入编号 {}）",
                        s.carriers, s.years, s.links, s.import_id
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
        CarriersCmd::Template { out } => {
            std::fs::write(&out, carrier::template()?)?;
            eprintln!("已写入 {}", out.display());
            ExitCode::SUCCESS
        }
        CarriersCmd::List {
            year,
            park,
            kind,
            level,
            grade,
            out,
        } => {
            let f = carrier_view::ListFilter {
                year,
                park,
                kind,
                level,
                grade,
                q: None,
            };
            let v = carrier_view::list(&store, zone, &Scope::Zone, &f).await?;
            if let Some(out) = out {
                let bytes = noted(&store, ZONE, carrier_view::list_workbook(&v)?).await;
                std::fs::write(&out, bytes)?;
                eprintln!("已写入 {}（{} 个载体）", out.display(), v.rows.len());
            } else {
                println!(
                    "评价组\t组内排名\t载体编号\t载体名称\t类型\t级别\t园区\t综合得分\t排名区间\t等级\t上年等级"
                );
                for r in &v.rows {
                    println!(
                        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                        r.group,
                        r.rank,
                        r.id,
                        r.name,
                        r.kind,
                        r.level,
                        r.park,
                        r.total,
                        r.interval,
                        r.grade,
                        r.prev_grade
                    );
                }
                if !v.evaluated {
                    eprintln!("（尚未评价该年度：gaoxin carriers evaluate）");
                }
            }
            ExitCode::SUCCESS
        }
        CarriersCmd::Evaluate { year, mc, out } => {
            let (rep, run) = carrier_eval::evaluate(&store, year, mc, &Who::cli()).await?;
            for g in &rep.groups {
                let counts: Vec<String> = g
                    .grades
                    .iter()
                    .map(|gr| {
                        let n = rep
                            .results
                            .iter()
                            .filter(|r| r.group == g.group && r.grade.as_deref() == Some(&gr.name))
                            .count();
                        format!("{} {n}", gr.name)
                    })
                    .collect();
                println!(
                    "{} 年孵化载体评价 · {}：{} 个（{}）；结构：{}",
                    rep.year,
                    g.group,
                    g.count,
                    counts.join("、"),
                    g.structure
                );
            }
            println!(
                "资格预警 {} 条；权重与等级分界未经文件确认（UNCONFIRMED）；运行 {}",
                rep.warnings.len(),
                run.id
            );
            for w in &rep.warnings {
                println!("预警\t{}\t{}\t{}", w.id, w.name, w.evidence);
            }
            if let Some(out) = out {
                let bytes = noted(&store, ZONE, carrier_view::report_workbook(zone, &rep)?).await;
                std::fs::write(&out, bytes)?;
                eprintln!("已写入 {}", out.display());
            }
            ExitCode::SUCCESS
        }
        CarriersCmd::Show { id } => show(&store, zone, &id).await?,
    };
    store.close().await;
    Ok(code)
}

async fn show(
    store: &Store,
    zone: &Zone,
    id: &str,
) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let Some(d) = carrier_view::detail(store, zone, &Scope::Zone, id).await? else {
        eprintln!("没有编号为 {id} 的孵化载体");
        return Ok(ExitCode::from(1));
    };
    let r = &d.row;
    println!(
        "{}（{}）{}",
        r.name,
        r.id,
        if r.synthetic {
            " [合成演示数据]"
        } else {
            ""
        }
    );
    println!(
        "{} · {} · {} · 运营主体 {} · 面积 {} · 领域 {}",
        r.kind, r.level, r.park, r.operator, r.area, r.field
    );
    if let Some(y) = d.year {
        println!(
            "{y} 年（{}，{} 个载体）：综合得分 {}，组内排名 {}（区间 {}），等级 {}",
            r.group, d.group_count, r.total, r.rank, r.interval, r.grade
        );
    }
    println!("年度\t{}\t数据来源", d.headers.join("\t"));
    for f in &d.facts {
        println!("{}\t{}\t{}", f.year, f.cells.join("\t"), f.source);
    }
    let l = &d.ladder;
    println!(
        "在孵企业 {} 家：梯度跃升 {} 家（入孵时与现在梯度均有数据的 {} 家中），跃升至高企及以上 {} 家，跃升用时中位数 {}",
        l.firms, l.moved_up, l.known, l.reached_hnte, d.median_years
    );
    println!("梯度\t入孵时\t现在");
    for (rung, a, b) in &l.counts {
        println!("{rung}\t{a}\t{b}");
    }
    for w in &d.warnings {
        println!("资格预警\t{w}");
    }
    Ok(ExitCode::SUCCESS)
}
