//! `gaoxin reform FILE --year Y [--out F.xlsx]`: a what-if reform (issue 20) evaluated against
//! today's rules on the stored panel of the year — who newly qualifies or no longer does (by
//! park and tier), award changes per firm and in total, budget by park and policy, who gains most.
//! Prints the summary in Chinese; `--out` writes both lists as .xlsx. Nothing is stored.
use crate::data::Res;
use clap::Args;
use gaoxin_app::reform::{self, Baseline, Outcome};
use gaoxin_app::rules_runs::{park_name, wan};
use gaoxin_model::Zone;
use gaoxin_rules::reform::Reform;
use gaoxin_store::{Scope, Store};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ReformArgs {
    #[command(subcommand)]
    cmd: Option<crate::reform_compare_cmd::ReformCmd>,
    /// The reform file (TOML: name, author, note and [[params]] / [[bands]] / [[dates]] / [[replace]]; see data/reforms/).
    #[arg(required = true)]
    file: Option<PathBuf>,
    /// Fiscal year evaluated.
    #[arg(long, value_parser = gaoxin_model::Year::parse, required = true)]
    year: Option<gaoxin_model::Year>,
    /// Write the lists (.xlsx: the reform, by policy, by park, by tier, newly / no longer qualifying, every change, gainers).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Firms listed among the largest gains and losses.
    #[arg(long, default_value_t = 10)]
    top: usize,
}

pub async fn reform(url: &str, zone: &Zone, a: ReformArgs) -> Res {
    let (file, year) = match (a.cmd, a.file, a.year) {
        (Some(cmd), _, _) => return crate::reform_compare_cmd::run(url, zone, cmd).await,
        (None, Some(f), Some(y)) => (f, y),
        _ => return Err("用法：gaoxin reform FILE --year Y [--out F.xlsx]".into()),
    };
    let r = match Reform::load(&file) {
        Ok(r) => r,
        Err(es) => return refused(&es),
    };
    let store = Store::open(url).await?;
    let t = Instant::now();
    let base = Baseline::load(&store, &Scope::Zone, year).await?;
    let load_ms = t.elapsed().as_secs_f64() * 1e3;
    let (o, t) = match reform::evaluate_timed(&base, &r) {
        Ok(x) => x,
        Err(es) => return refused(&es),
    };
    print!("{}", summary(zone, &o, a.top));
    println!(
        "\n耗时：载入数据并计算现行结果 {load_ms:.0} 毫秒；方案测算（应用、编译、全区一批评估、比较）{:.1} 毫秒（编译 {:.1}，评估 {:.1}，比较 {:.1}）",
        t.total_s() * 1e3,
        t.compile_s * 1e3,
        t.batch_s * 1e3,
        t.compare_s * 1e3
    );
    if let Some(out) = &a.out {
        let bytes = gaoxin_app::reform_workbook::workbook(zone, &o)?;
        std::fs::write(
            out,
            crate::export_note::noted(&store, crate::export_note::ZONE, bytes).await,
        )?;
        println!("已写入 {}", out.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn refused(es: &[gaoxin_rules::LoadError]) -> Res {
    println!("改革方案未通过校验，未作测算：");
    for e in es {
        println!("错误 {e}");
    }
    Ok(ExitCode::FAILURE)
}

/// The summary printed by `gaoxin reform`.
pub fn summary(zone: &Zone, o: &Outcome, top: usize) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "改革方案：{}（提出人：{}）", o.name, o.author);
    if !o.note.is_empty() {
        let _ = writeln!(s, "说明：{}", o.note);
    }
    let _ = writeln!(
        s,
        "测算年度：{}（评价基准日 {}），企业 {} 家。方案测算不改变正式评估结果；结论按专家评分保守假设，金额仅计符合条件企业。",
        o.year, o.as_of, o.firms
    );
    let _ = writeln!(s, "\n修改：");
    for c in &o.changes {
        let _ = writeln!(
            s,
            "  {} · {}：{} → {}{}",
            c.rule_name,
            c.item,
            c.before,
            c.after,
            if c.unconfirmed {
                "［待核实口径］"
            } else {
                ""
            }
        );
    }
    for n in &o.out_of_force {
        let _ = writeln!(s, "  方案下不再适用：{n}");
    }
    let _ = writeln!(
        s,
        "\n按政策（有变化或有奖励的规则）：\n规则\t现行符合\t方案符合\t新增符合\t不再符合\t金额变化企业\t现行金额（万元）\t方案金额（万元）\t变化（万元）"
    );
    let row = |d: &gaoxin_app::reform::RuleDiff, lead: String| {
        format!(
            "{lead}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            d.base_pass,
            d.reform_pass,
            d.gained,
            d.lost,
            d.amount_changed,
            wan(d.base_fen),
            wan(d.reform_fen),
            wan(d.reform_fen - d.base_fen)
        )
    };
    for d in o
        .rules
        .iter()
        .filter(|d| d.has_award || d.gained + d.lost > 0)
    {
        let _ = writeln!(s, "{}", row(d, d.name.clone()));
    }
    let changed: Vec<_> = o
        .parks
        .iter()
        .filter(|d| d.gained + d.lost + d.amount_changed > 0)
        .collect();
    let _ = writeln!(s, "\n按园区（有变化的）：");
    if changed.is_empty() {
        let _ = writeln!(s, "  无变化");
    }
    for d in changed {
        let _ = writeln!(
            s,
            "{}",
            row(d, format!("{} · {}", d.name, park_name(zone, &d.park)))
        );
    }
    if !o.tiers.is_empty() {
        let _ = writeln!(s, "\n按当前梯级（新增符合 / 不再符合）：");
        for t in &o.tiers {
            let name = o
                .rules
                .iter()
                .find(|r| r.rule == t.rule)
                .map(|r| r.name.as_str())
                .unwrap_or(&t.rule);
            let _ = writeln!(s, "  {name} · {}：+{} / -{}", t.tier, t.gained, t.lost);
        }
    }
    let firm = |g: &gaoxin_app::reform::Gain| {
        format!(
            "  {}\t{}\t{}\t{}",
            g.uscc,
            g.name,
            park_name(zone, &g.park),
            wan(g.delta_fen)
        )
    };
    let gainers: Vec<_> = o
        .gains
        .iter()
        .filter(|g| g.delta_fen > 0)
        .take(top)
        .collect();
    if !gainers.is_empty() {
        let _ = writeln!(s, "\n受益最多（奖励增加，前{top}家）：");
        for g in gainers {
            let _ = writeln!(s, "{}", firm(g));
        }
    }
    let losers: Vec<_> = o
        .gains
        .iter()
        .rev()
        .filter(|g| g.delta_fen < 0)
        .take(top)
        .collect();
    if !losers.is_empty() {
        let _ = writeln!(s, "\n受影响最大（奖励减少，前{top}家）：");
        for g in losers {
            let _ = writeln!(s, "{}", firm(g));
        }
    }
    let _ = writeln!(
        s,
        "\n兑现总额：现行 {} → 方案 {}（变化 {}）；新增符合 {} 项、不再符合 {} 项（企业×规则）",
        wan(o.base_total_fen),
        wan(o.reform_total_fen),
        wan(o.delta_total_fen()),
        o.gained().count(),
        o.lost().count()
    );
    s
}
