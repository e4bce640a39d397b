//! `gaoxin rank | points | targets | bank | park-input`: the indicator engine from the command line.
//!
//! Each command calls the same functions as the web pages (`gaoxin_app::indicators`), so the CLI and
//! the platform show the same numbers; `rank` and `points` store versioned runs (scheme version +
//! input hash) in the `runs` table.
use crate::data::Res;
use clap::{Args, Subcommand};
use gaoxin_app::indicators;
use gaoxin_index::report::{ParkReport, PointsReport, TargetView};
use gaoxin_model::present;
use gaoxin_model::{Year, Zone};
use gaoxin_store::{ParkInput, Scope, Store};
use rust_xlsxwriter::{Format, Workbook};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct RankArgs {
    /// Scheme: park-evaluation (国科发火〔2021〕106号 structure, data/schemes/park-evaluation-2021.toml).
    #[arg(long, default_value = "park-evaluation")]
    scheme: String,
    #[arg(long, value_parser = Year::parse)]
    year: Year,
    /// Monte Carlo replications for the rank intervals (0: none).
    #[arg(long, default_value_t = 1000)]
    mc: usize,
    /// Write the annual evaluation report (.xlsx: ranking, indicators, scheme, targets).
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Args)]
pub struct PointsArgs {
    #[arg(long, value_parser = Year::parse)]
    year: Year,
    /// How many firms to print (the top N by points).
    #[arg(long, default_value_t = 20)]
    top: usize,
    /// Only firms of this technical field (e.g. 电子信息).
    #[arg(long)]
    field: Option<String>,
    /// Write all firms' points (.xlsx).
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Args)]
pub struct TargetsArgs {
    /// Year of "today's value" [default: the latest year with data].
    #[arg(long, value_parser = Year::parse)]
    year: Option<Year>,
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Args)]
pub struct BankArgs {
    #[command(subcommand)]
    which: BankCmd,
}

#[derive(Subcommand)]
enum BankCmd {
    /// Register a bank; prints its API key once (only its hash is stored).
    Add { name: String },
    /// List registered banks.
    List,
    /// Disable a bank (its key then reads nothing).
    Disable { name: String },
}

#[derive(Args)]
pub struct ParkInputArgs {
    /// Park id (e.g. jiangbei).
    park: String,
    #[arg(value_parser = Year::parse)]
    year: Year,
    /// Indicator code of the park-evaluation scheme (a `park_input` indicator, e.g. 3.1).
    indicator: String,
    /// The value; `--clear` instead removes it (missing again).
    value: Option<f64>,
    #[arg(long)]
    clear: bool,
    /// Who entered it (recorded).
    #[arg(long, default_value = "cli")]
    by: String,
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn park_name(zone: &Zone, id: &str) -> String {
    zone.park(id)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| id.to_string())
}

/// A number with `d` (at most two) decimals, by the one presentation (`present::fixed`).
fn f(v: Option<f64>, d: usize) -> String {
    v.map(|x| present::fixed(x, d))
        .unwrap_or_else(|| "—".into())
}

pub async fn rank(url: &str, zone: &Zone, a: RankArgs) -> Res {
    if a.scheme != "park-evaluation" {
        return Err(format!("未知评价方案「{}」（可选：park-evaluation）", a.scheme).into());
    }
    let store = Store::open(url).await?;
    let t = std::time::Instant::now();
    let (rep, run) = indicators::run_park_evaluation(&store, a.year, a.mc).await?;
    let detail = serde_json::json!({"run": run.id, "mc": a.mc, "input_hash": run.input_hash});
    crate::audit_cmd::note(&store, "evaluation.run", None, &a.year.to_string(), detail).await?;
    print_rank(zone, &rep);
    eprintln!(
        "运行 {}（方案版本 {}，输入哈希 {}），用时 {:.2} 秒",
        run.id,
        rep.scheme.version,
        rep.input_hash,
        t.elapsed().as_secs_f64()
    );
    if let Some(out) = a.out {
        let targets = indicators::targets(&store, zone, &Scope::Zone, Some(a.year)).await?;
        let bytes = indicators::report_xlsx(zone, &rep, &targets)?;
        std::fs::write(
            &out,
            crate::export_note::noted(&store, crate::export_note::ZONE, bytes).await,
        )?;
        eprintln!("年度评价报告已写入 {}", out.display());
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

fn print_rank(zone: &Zone, rep: &ParkReport) {
    print!("{}", rank_text(zone, rep));
}

/// What `gaoxin rank` prints: the ranking, then each park's rank under every named weight set.
fn rank_text(zone: &Zone, rep: &ParkReport) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{}年 园区综合发展能力评价 — {}（{}；权重待核实者见报告）",
        rep.year, rep.scheme.document, rep.scheme.version
    );
    let dims: Vec<String> = rep.dimensions.iter().map(|d| d.code.clone()).collect();
    let _ = writeln!(
        o,
        "名次\t园区\t综合\t区间5%–95%\t上年\t变化\t{}\t完整度",
        dims.join("\t")
    );
    for p in &rep.parks {
        let _ = writeln!(
            o,
            "{}\t{}\t{}\t{}–{}\t{}\t{}\t{}\t{:.0}%",
            p.rank
                .map(|r| r.to_string())
                .unwrap_or_else(|| "数据不足".into()),
            park_name(zone, &p.park),
            f(p.total, 1),
            f(p.rank_p05, 0),
            f(p.rank_p95, 0),
            p.prev_rank
                .map(|r| r.to_string())
                .unwrap_or_else(|| "—".into()),
            p.rank_change
                .map(|c| format!("{c:+}"))
                .unwrap_or_else(|| "—".into()),
            p.dimensions
                .iter()
                .map(|d| f(*d, 1))
                .collect::<Vec<_>>()
                .join("\t"),
            p.completeness() * 100.0
        );
    }
    let missing: Vec<&str> = rep
        .indicators
        .iter()
        .filter(|i| !i.available)
        .map(|i| i.code.as_str())
        .collect();
    if !missing.is_empty() {
        let _ = writeln!(
            o,
            "未参与计算（无数据，按缺失处理）：{}（园区填报项可用 `gaoxin park-input` 录入）",
            missing.join(" ")
        );
    }
    if !rep.weight_sets.is_empty() {
        let _ = writeln!(
            o,
            "权重方案对比（一级指标权重均未经官方确认）：{}",
            rep.weight_sets
                .iter()
                .map(|w| format!(
                    "「{}」{}（{}）",
                    w.label,
                    if w.confirmed { "" } else { "待核实" },
                    w.source
                ))
                .collect::<Vec<_>>()
                .join("；")
        );
        let _ = writeln!(
            o,
            "园区\t现行名次\t{}\t最大变动",
            rep.weight_sets
                .iter()
                .map(|w| format!("「{}」", w.label))
                .collect::<Vec<_>>()
                .join("\t")
        );
        for p in rep.parks.iter().filter(|p| p.rank.is_some()) {
            let _ = writeln!(
                o,
                "{}\t{}\t{}\t{}",
                park_name(zone, &p.park),
                p.rank.map(|r| r.to_string()).unwrap_or_default(),
                p.set_ranks
                    .iter()
                    .map(|r| r.map(|r| r.to_string()).unwrap_or_else(|| "—".into()))
                    .collect::<Vec<_>>()
                    .join("\t"),
                p.set_rank_shift
                    .map(|r| r.to_string())
                    .unwrap_or_else(|| "—".into())
            );
        }
        if let Some(m) = rep.max_set_rank_shift {
            let _ = writeln!(o, "各园区名次在权重方案间最多变动 {m} 位");
        }
    }
    o
}

pub async fn points(url: &str, _zone: &Zone, a: PointsArgs) -> Res {
    let store = Store::open(url).await?;
    let t = std::time::Instant::now();
    let (rep, run) = indicators::run_points(&store, a.year).await?;
    let detail = serde_json::json!({"run": run.id, "input_hash": run.input_hash});
    crate::audit_cmd::note(&store, "points.run", None, &a.year.to_string(), detail).await?;
    let firms: Vec<_> = rep
        .firms
        .iter()
        .filter(|f| a.field.is_none() || f.tech_field == a.field)
        .collect();
    println!(
        "{}年 创新积分（{}，版本 {}；指标与权重待核实）{}",
        rep.year,
        rep.scheme.document,
        rep.scheme.version,
        a.field
            .as_deref()
            .map(|x| format!("，技术领域：{x}"))
            .unwrap_or_default()
    );
    if let Some(n) = &rep.scheme.notice {
        println!("注意（占位方案）：{n}");
    }
    println!(
        "序号\t统一社会信用代码\t园区\t阶段\t总积分\t{}\t加分\t扣分\t同阶段排名",
        rep.groups.join("\t")
    );
    for (i, p) in firms.iter().take(a.top).enumerate() {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}/{}",
            i + 1,
            p.uscc,
            p.park,
            p.stage_name,
            present::fixed(p.total, 2),
            p.by_group
                .iter()
                .map(|g| present::fixed(*g, 2))
                .collect::<Vec<_>>()
                .join("\t"),
            present::num(p.bonus),
            present::num(p.negative),
            p.stage_rank,
            p.stage_size
        );
    }
    eprintln!(
        "共 {} 家企业（所选 {} 家），运行 {}，输入哈希 {}，用时 {:.2} 秒",
        rep.firms.len(),
        firms.len(),
        run.id,
        rep.input_hash,
        t.elapsed().as_secs_f64()
    );
    if let Some(out) = a.out {
        let bytes = points_xlsx(&rep, a.field.as_deref())?;
        std::fs::write(
            &out,
            crate::export_note::noted(&store, crate::export_note::ZONE, bytes).await,
        )?;
        eprintln!("已写入 {}", out.display());
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

fn points_xlsx(
    rep: &PointsReport,
    field: Option<&str>,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(format!("创新积分{}", rep.year))?;
    let bold = Format::new().set_bold();
    let mut h: Vec<String> = vec![
        "统一社会信用代码".into(),
        "园区".into(),
        "技术领域".into(),
        "阶段".into(),
        "总积分".into(),
    ];
    h.extend(rep.groups.iter().cloned());
    h.extend(["加分".into(), "扣分".into(), "同阶段排名".into()]);
    h.extend(
        rep.indicators
            .iter()
            .map(|i| format!("{} {}（得分）", i.code, i.name)),
    );
    for (c, t) in h.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, t, &bold)?;
    }
    for (k, p) in rep
        .firms
        .iter()
        .filter(|p| field.is_none() || p.tech_field.as_deref() == field)
        .enumerate()
    {
        let r = 1 + k as u32;
        ws.write_string(r, 0, &p.uscc)?;
        ws.write_string(r, 1, &p.park)?;
        ws.write_string(r, 2, p.tech_field.as_deref().unwrap_or(""))?;
        ws.write_string(r, 3, &p.stage_name)?;
        ws.write_number(r, 4, p.total)?;
        let mut c = 5u16;
        for g in &p.by_group {
            ws.write_number(r, c, *g)?;
            c += 1;
        }
        ws.write_number(r, c, p.bonus)?;
        ws.write_number(r, c + 1, p.negative)?;
        ws.write_string(r, c + 2, format!("{}/{}", p.stage_rank, p.stage_size))?;
        c += 3;
        for comp in &p.components {
            ws.write_number(r, c, comp.points)?;
            c += 1;
        }
    }
    if let Some(n) = &rep.scheme.notice {
        let ws = wb.add_worksheet();
        ws.set_name("方案说明")?;
        ws.write_string_with_format(0, 0, "占位方案", &bold)?;
        ws.write_string(1, 0, n)?;
    }
    wb.save_to_buffer()
}

pub async fn targets(url: &str, zone: &Zone, a: TargetsArgs) -> Res {
    let store = Store::open(url).await?;
    let ts = indicators::targets(&store, zone, &Scope::Zone, a.year).await?;
    print_targets(zone, &ts);
    if let Some(out) = a.out {
        let bytes = indicators::targets_xlsx(&ts)?;
        std::fs::write(
            &out,
            crate::export_note::noted(&store, crate::export_note::ZONE, bytes).await,
        )?;
        eprintln!("已写入 {}", out.display());
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

fn print_targets(zone: &Zone, ts: &[TargetView]) {
    println!("目标\t目标值\t当前值\t进度\t至今年均增速\t预计目标年值\t状态");
    for t in ts {
        match (&t.current, &t.progress) {
            (Some(c), p) => {
                println!(
                    "{}\t{}{}（{}年）\t{}（{}年）\t{}\t{}\t{}\t{}",
                    t.name,
                    t.comparator,
                    present::value(t.target, &t.unit),
                    t.target_year,
                    present::value(*c, &t.unit),
                    t.current_year.unwrap_or_default(),
                    t.shown_progress
                        .map(present::pct)
                        .unwrap_or_else(|| "—".into()),
                    p.as_ref()
                        .and_then(|p| p.cagr_so_far)
                        .map(present::growth)
                        .unwrap_or_else(|| "—".into()),
                    p.as_ref()
                        .map(|p| present::value(p.projected, &t.unit))
                        .unwrap_or_else(|| "—".into()),
                    indicators::status_zh(&t.status),
                );
                let parts: Vec<String> = t
                    .contributions
                    .iter()
                    .map(|c| {
                        format!(
                            "{} {}",
                            park_name(zone, &c.park),
                            present::pct(c.share.unwrap_or(f64::NAN))
                        )
                    })
                    .collect();
                if !parts.is_empty() {
                    println!("  各园区占比：{}", parts.join("，"));
                }
            }
            (None, _) => println!(
                "{}\t{}{}（{}年）\t—\t{}",
                t.name,
                t.comparator,
                present::value(t.target, &t.unit),
                t.target_year,
                t.needs.as_deref().unwrap_or("需要数据")
            ),
        }
    }
}

pub async fn bank(url: &str, a: BankArgs) -> Res {
    let store = Store::open(url).await?;
    match a.which {
        BankCmd::Add { name } => match store.add_bank(&name, now()).await? {
            Some((b, key)) => {
                let detail = serde_json::json!({"name": b.name});
                crate::audit_cmd::note(&store, "bank.add", None, &b.id, detail).await?;
                println!("{key}");
                eprintln!(
                    "已登记银行「{}」（{}）。上面是它的API密钥，只显示这一次，请安全转交；平台只保存其哈希。",
                    b.name, b.id
                );
            }
            None => return Err(format!("银行名称「{name}」已登记或为空").into()),
        },
        BankCmd::List => {
            for b in store.banks().await? {
                println!(
                    "{}\t{}\t{}",
                    b.id,
                    b.name,
                    if b.disabled { "已停用" } else { "启用" }
                );
            }
        }
        BankCmd::Disable { name } => {
            if !store.set_bank_disabled(&name, true).await? {
                return Err(format!("没有名为「{name}」的银行").into());
            }
            crate::audit_cmd::note(&store, "bank.disable", None, &name, serde_json::json!({}))
                .await?;
            eprintln!("已停用「{name}」");
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn park_input(url: &str, zone: &Zone, a: ParkInputArgs) -> Res {
    if zone.park(&a.park).is_none() {
        return Err(format!("未知园区「{}」", a.park).into());
    }
    let scheme = indicators::park_scheme()?;
    if !scheme
        .indicators
        .iter()
        .any(|i| i.code == a.indicator && i.source == gaoxin_index::park::Source::ParkInput)
    {
        return Err(format!("「{}」不是需要园区填报的指标", a.indicator).into());
    }
    let store = Store::open(url).await?;
    if a.clear {
        store
            .delete_park_input(&Scope::Zone, &a.park, a.year, &a.indicator)
            .await?;
        let detail = serde_json::json!({"year": a.year, "indicator": a.indicator, "value": null});
        crate::audit_cmd::note(
            &store,
            "park_input.clear",
            Some(&a.park),
            &a.indicator,
            detail,
        )
        .await?;
        eprintln!("已清除（视为缺失）");
    } else {
        let value = a.value.ok_or("请给出数值，或用 --clear 清除")?;
        store
            .set_park_input(
                &Scope::Zone,
                &ParkInput {
                    park: a.park.clone(),
                    year: a.year,
                    indicator: a.indicator.clone(),
                    value,
                    entered_by: a.by.clone(),
                    entered_at: now(),
                },
            )
            .await?;
        let detail = serde_json::json!({"year": a.year, "indicator": a.indicator, "value": value, "by": a.by});
        crate::audit_cmd::note(
            &store,
            "park_input.set",
            Some(&a.park),
            &a.indicator,
            detail,
        )
        .await?;
        eprintln!("已录入 {} {}年 {} = {value}", a.park, a.year, a.indicator);
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gaoxin_index::report::{ParkOptions, park_report};
    use std::collections::BTreeMap;

    #[test]
    fn rank_output_shows_every_weight_set_and_the_rank_shift() {
        let zone = Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap();
        let scheme = indicators::park_scheme().unwrap();
        let rows = gaoxin_index::synth::firms(15, 40, &[2023, 2024], 5);
        let opts = ParkOptions {
            mc: 0,
            ..ParkOptions::default()
        };
        let rep = park_report(
            &scheme,
            &rows,
            Year::new(2024).unwrap(),
            &BTreeMap::new(),
            None,
            &opts,
        )
        .unwrap();
        let t = rank_text(&zone, &rep);
        assert!(t.contains("权重方案对比"), "{t}");
        assert!(
            t.contains("「各20%」") && t.contains("「20/20/15/15/30」"),
            "{t}"
        );
        let shift = rep.max_set_rank_shift.unwrap();
        assert!(t.contains(&format!("最多变动 {shift} 位")), "{t}");
        // one line per ranked park in the comparison
        let ranked = rep.parks.iter().filter(|p| p.rank.is_some()).count();
        let after = t.split("最大变动").nth(1).unwrap();
        assert_eq!(after.lines().filter(|l| l.contains('\t')).count(), ranked);
    }
}
