//! `gaoxin rules check | evaluate | explain | ladder | policies`: the rules engine (梯度培育 and
//! 政策) from the command line.
//!
//! Each command calls the same functions as the web pages (`gaoxin_app::rules_runs`), so the CLI
//! and the platform show the same numbers; `evaluate` stores a versioned run (rule ids, versions
//! and file hashes, the panel's hash, one row per firm × rule) and compares it with the previous
//! year's stored run.
use crate::data::Res;
use clap::{Args, Subcommand};
use gaoxin_app::rules_runs::{
    self, Lists, RulesSummary, RunProgress, finding_zh, level_zh, park_name, record_zh, wan,
};
use gaoxin_model::{Uscc, Year, Zone};
use gaoxin_rules::plan::Finding;
use gaoxin_rules::{RuleFile, ladder};
use gaoxin_store::{RuleResultRow, RunRecord, Scope, Store};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    which: RulesCmd,
}

#[derive(Subcommand)]
enum RulesCmd {
    /// Validate rule files and run their own test cases [default: every rule file of $GAOXIN_RULES, else data/rules, else the shipped ones].
    Check {
        /// Files to check (the rule directory's other files are loaded beside them, for references).
        files: Vec<PathBuf>,
    },
}

#[derive(Args)]
pub struct EvaluateArgs {
    #[arg(long, value_parser = Year::parse)]
    year: Year,
    /// Write every list (.xlsx: counts, nearest-to-qualify, funnel, conversions, 免申即享, 快申快享, budgets) into this directory.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Args)]
pub struct ExplainArgs {
    /// The firm's 统一社会信用代码.
    code: String,
    /// One rule id (e.g. hightech_2016) [default: every rule].
    #[arg(long)]
    rule: Option<String>,
    /// Fiscal year [default: the firm's latest year with data].
    #[arg(long, value_parser = Year::parse)]
    year: Option<Year>,
}

#[derive(Args)]
pub struct LadderArgs {
    /// Only this park (id, e.g. jiangbei).
    #[arg(long)]
    park: Option<String>,
    /// Fiscal year [default: the latest year with data].
    #[arg(long, value_parser = Year::parse)]
    year: Option<Year>,
    /// Firms per nearest-to-qualify list.
    #[arg(long, default_value_t = 10)]
    top: usize,
}

#[derive(Args)]
pub struct PoliciesArgs {
    #[arg(long, value_parser = Year::parse)]
    year: Option<Year>,
    /// Write the policy lists (.xlsx: 免申即享 with amounts, 快申快享 with the items to supply, budget by park).
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn rules(a: RulesArgs) -> Res {
    match a.which {
        RulesCmd::Check { files } => check(files),
    }
}

fn check(paths: Vec<PathBuf>) -> Res {
    if paths.is_empty() {
        let rep = rules_runs::check_rules();
        print!("{}", rep.render_zh());
        return Ok(if rep.ok() && rep.files > 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    let mut given: Vec<RuleFile> = Vec::new();
    let mut errors = Vec::new();
    for p in &paths {
        match std::fs::read_to_string(p) {
            Ok(t) => match gaoxin_rules::file::parse_file(p, &t) {
                Ok(f) => given.push(f),
                Err(e) => errors.push(e.to_string()),
            },
            Err(e) => errors.push(format!("{}:0: 无法读取文件：{e}", p.display())),
        }
    }
    if !errors.is_empty() {
        for e in &errors {
            println!("错误 {e}");
        }
        return Ok(ExitCode::FAILURE);
    }
    // The other rule files in use, for references between files.
    let mut all = given.clone();
    if let Ok(others) = rules_runs::read_rules(&gaoxin_app::data_files::RULES.source()) {
        for f in others {
            if !all.iter().any(|g| g.id == f.id) {
                all.push(f);
            }
        }
    }
    let mut rep = gaoxin_rules::check(&all);
    rep.files = given.len();
    rep.cases.retain(|c| given.iter().any(|g| g.path == c.file));
    print!("{}", rep.render_zh());
    Ok(if rep.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn latest_year(store: &Store) -> Result<Year, Box<dyn std::error::Error>> {
    store
        .years(&Scope::Zone)
        .await?
        .last()
        .copied()
        .ok_or_else(|| "数据库中没有企业年度数据（可先运行 gaoxin demo 或 gaoxin import）".into())
}

async fn names(store: &Store) -> Result<BTreeMap<String, String>, Box<dyn std::error::Error>> {
    let page = gaoxin_store::PageRequest {
        offset: 0,
        limit: None,
        sort: Default::default(),
    };
    let (rows, _) = store
        .enterprises(&Scope::Zone, &Default::default(), page)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.enterprise.uscc.as_str().to_string(), r.enterprise.name))
        .collect())
}

/// Per rule: the counts of each [`Finding`] (in `Finding::ALL` order), then 已认定 by record.
fn totals(s: &RulesSummary) -> BTreeMap<String, [usize; 5]> {
    let mut t: BTreeMap<String, [usize; 5]> = BTreeMap::new();
    for c in &s.counts {
        let e = t.entry(c.rule.clone()).or_default();
        for (i, f) in Finding::ALL.iter().enumerate() {
            e[i] += c.of(*f);
        }
        e[4] += c.recognised;
    }
    t
}

fn print_counts(zone: &Zone, s: &RulesSummary) {
    let t = totals(s);
    println!(
        "规则\t标签\t{}\t已认定（记录）",
        Finding::ALL.map(|f| f.zh()).join("\t")
    );
    for r in &s.rules {
        let c = t.get(&r.id).copied().unwrap_or_default();
        println!(
            "{}{}\t{}\t{}\t{}\t{}\t{}\t{}",
            r.name,
            if r.unconfirmed {
                "［含待核实口径］"
            } else {
                ""
            },
            r.label,
            c[0],
            c[1],
            c[2],
            c[3],
            if r.rung.is_some() {
                c[4].to_string()
            } else {
                "—".into()
            }
        );
    }
    let parks: Vec<String> = {
        let mut v: Vec<String> = s.counts.iter().map(|c| c.park.clone()).collect();
        v.dedup();
        v.sort();
        v.dedup();
        v
    };
    println!(
        "\n各园区符合企业数（括号内：{}／{}）",
        Finding::Depends.zh(),
        Finding::Unknown.zh()
    );
    println!(
        "园区\t{}",
        s.rules
            .iter()
            .map(|r| r.label.clone())
            .collect::<Vec<_>>()
            .join("\t")
    );
    for p in parks {
        let cells: Vec<String> = s
            .rules
            .iter()
            .map(|r| {
                s.counts
                    .iter()
                    .find(|c| c.rule == r.id && c.park == p)
                    .map(|c| format!("{}（{}／{}）", c.pass, c.depends, c.unknown))
                    .unwrap_or_else(|| "—".into())
            })
            .collect();
        println!("{}\t{}", park_name(zone, &p), cells.join("\t"));
    }
    if !s.skipped.is_empty() {
        println!("\n本年度未适用的规则文件：");
        for k in &s.skipped {
            println!("  {k}");
        }
    }
}

fn compare(s: &RulesSummary, now: &[RuleResultRow], prev_s: &RulesSummary, prev: &[RuleResultRow]) {
    println!(
        "\n与 {} 年运行比较（输入哈希 {} → {}）",
        prev_s.record.year, prev_s.record.input_hash, s.record.input_hash
    );
    let passed = |rows: &[RuleResultRow]| -> BTreeMap<String, std::collections::BTreeSet<String>> {
        let mut m: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
        for r in rows.iter().filter(|r| r.verdict == "pass") {
            m.entry(r.rule.clone()).or_default().insert(r.uscc.clone());
        }
        m
    };
    let (a, b) = (passed(prev), passed(now));
    let empty = std::collections::BTreeSet::new();
    println!("规则\t上年符合\t本年符合\t新进入\t退出");
    for r in &s.rules {
        let pa = a.get(&r.id).unwrap_or(&empty);
        let pb = b.get(&r.id).unwrap_or(&empty);
        let versions_differ = prev_s.record.rules.iter().find(|x| x.id == r.id).map(|x| {
            s.record
                .rules
                .iter()
                .find(|y| y.id == r.id)
                .is_some_and(|y| y.version != x.version || y.file_hash != x.file_hash)
        });
        println!(
            "{}\t{}\t{}\t{}\t{}{}",
            r.name,
            if versions_differ.is_none() {
                "—".to_string()
            } else {
                pa.len().to_string()
            },
            pb.len(),
            pb.difference(pa).count(),
            pa.difference(pb).count(),
            match versions_differ {
                Some(true) => "\t（规则文件已变更）",
                None => "\t（上年未适用）",
                _ => "",
            }
        );
    }
}

fn xlsx_name(year: i32) -> String {
    format!("梯度培育与政策-{year}.xlsx")
}

pub async fn evaluate(url: &str, zone: &Zone, a: EvaluateArgs) -> Res {
    let store = Store::open(url).await?;
    let t = std::time::Instant::now();
    // stored with its `rules.run` audit entry by the use case
    let (s, run, rows) = run_with_progress(&store, a.year).await?;
    let elapsed = t.elapsed().as_secs_f64();
    println!(
        "{}年 梯度培育与政策评估 — 评价基准日 {}，企业 {} 家，规则 {} 个",
        a.year,
        s.record.as_of,
        s.record.firms,
        s.rules.len()
    );
    print_counts(zone, &s);
    let last_year = a.year.prev();
    let stored_last = match last_year {
        Some(y) => rules_runs::latest(&store, &Scope::Zone, y).await?,
        None => None,
    };
    if let Some((ps, prun)) = stored_last {
        let tc = std::time::Instant::now();
        let prows = store
            .rule_results(&Scope::Zone, &prun.id, None, None)
            .await?;
        tracing::debug!(target: "gaoxin::timing", "last year's stored rows read in {:?}", tc.elapsed());
        compare(&s, &rows, &ps, &prows);
        tracing::debug!(target: "gaoxin::timing", "compared with last year in {:?}", tc.elapsed());
    } else {
        println!(
            "\n没有 {} 年的已存运行，无法比较（可先运行 gaoxin evaluate --year {}）",
            a.year.get() - 1,
            a.year.get() - 1
        );
    }
    eprintln!(
        "运行 {}（输入哈希 {}，结果哈希 {}），用时 {:.2} 秒",
        run.id, s.record.input_hash, s.record.output_hash, elapsed
    );
    if let Some(dir) = a.out {
        std::fs::create_dir_all(&dir)?;
        let names = names(&store).await?;
        let p = dir.join(xlsx_name(a.year.get()));
        let bytes = rules_runs::workbook(zone, &s, &rows, &names, Lists::All)?;
        std::fs::write(
            &p,
            crate::export_note::noted(&store, crate::export_note::ZONE, bytes).await,
        )?;
        eprintln!("各清单已写入 {}", p.display());
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Evaluates and stores a run of `year`, telling the user on standard error which stage it is
/// in, with a progress bar while the per-firm results are written.
async fn run_with_progress(
    store: &Store,
    year: Year,
) -> Result<(RulesSummary, RunRecord, Vec<RuleResultRow>), gaoxin_app::indicators::EvalError> {
    let mut bar: Option<crate::progress::Bar> = None;
    let who = gaoxin_app::audit::Who::cli();
    let out = rules_runs::run_rules_as(store, &who, None, year, &mut |p| match p {
        RunProgress::Loading => eprintln!("读取 {year} 年及此前的企业数据……"),
        RunProgress::Evaluating { firms } => {
            eprintln!("评估 {firms} 家企业 × 全部规则……")
        }
        RunProgress::Storing { done, total } => bar
            .get_or_insert_with(|| crate::progress::Bar::new("保存逐企业结果"))
            .update(done as u64, total as u64, done as u64),
    })
    .await;
    if let Some(b) = &bar {
        b.finish();
    }
    out
}

/// The latest stored run of `year` as `scope` sees it, evaluated and stored first when there is
/// none. A stored run made with other rule files than those now loaded is said first (the notice
/// of the pages).
async fn run_for(
    store: &Store,
    scope: &Scope,
    year: Year,
) -> Result<(RulesSummary, RunRecord), Box<dyn std::error::Error>> {
    if let Some(r) = rules_runs::latest(store, scope, year).await? {
        let cache = gaoxin_app::rules_cache::RulesCache::new();
        if let Some(n) = rules_runs::run_notice(&cache, &r.0) {
            println!("注意：{n}（gaoxin evaluate --year {year}）");
        }
        return Ok(r);
    }
    eprintln!("没有 {year} 年的已存运行，先评估并保存……");
    let (summary, run, _) = run_with_progress(store, year).await?;
    let run = (summary, run);
    Ok(match scope {
        Scope::Zone => run,
        _ => rules_runs::latest(store, scope, year)
            .await?
            .ok_or_else(|| format!("{year} 年的运行已保存，但无法按所选范围读取"))?,
    })
}

pub async fn explain(url: &str, a: ExplainArgs) -> Res {
    let store = Store::open(url).await?;
    let uscc = Uscc::parse(&a.code).map_err(|e| format!("统一社会信用代码无效：{e}"))?;
    let Some(e) = store.enterprise(&Scope::Zone, &uscc).await? else {
        return Err(format!("找不到企业 {}", a.code).into());
    };
    let facts = store.facts_of(&Scope::Zone, &uscc).await?;
    let year = match a.year.or_else(|| facts.iter().map(|f| f.year).max()) {
        Some(y) => y,
        None => return Err(format!("企业 {} 没有年度数据", a.code).into()),
    };
    let files = rules_runs::load_rules()?;
    let rules_runs::FirmRules {
        plan,
        skipped,
        panel,
        opts,
        position,
        ..
    } = rules_runs::evaluate_firm(&files, &e, &facts, year)?;
    if a.rule.is_none() {
        let pos = &position;
        let label_of = |level: u8| {
            ladder::rungs(&plan)
                .into_iter()
                .find(|r| r.level == level)
                .map(|r| r.label)
        };
        println!(
            "{}（{}）{}年 梯度位置：{}{}；下一梯级：{}",
            e.name,
            e.uscc.as_str(),
            year,
            pos.label.clone().unwrap_or_else(|| "未入梯".into()),
            pos.basis
                .map(|b| format!("（{}）", b.zh()))
                .unwrap_or_default(),
            pos.next
                .as_ref()
                .map(|r| match &r.note {
                    Some(n) => format!("{}（{n}）", r.label),
                    None => r.label.clone(),
                })
                .unwrap_or_else(|| "—".into())
        );
        println!(
            "  已认定（记录）：{}；按条件测算：{}",
            label_of(pos.recognised_level).unwrap_or_else(|| "无".into()),
            label_of(pos.rules_level).unwrap_or_else(|| "未达任何梯级条件".into())
        );
        for st in &pos.standings {
            let rp = plan.rule(&st.rule);
            let inputs: Vec<String> = ladder::record_inputs(&plan, &panel, 0, year.get(), &st.rule)
                .iter()
                .map(|i| i.line_zh())
                .collect();
            println!(
                "  {}：{}{}；按条件测算：{}",
                rp.map(|r| r.label.as_str()).unwrap_or(&st.rule),
                st.record.zh(),
                if inputs.is_empty() {
                    String::new()
                } else {
                    format!("（{}）", inputs.join("；"))
                },
                Finding::of(st.verdict, st.assumption_dependent).zh()
            );
        }
        println!();
    }
    let ids: Vec<String> = match &a.rule {
        Some(r) => {
            if plan.rule(r).is_none() {
                let known: Vec<&str> = plan.rules.iter().map(|x| x.id.as_str()).collect();
                return Err(format!(
                    "规则「{r}」在 {year} 年不适用或不存在（可用：{}）{}",
                    known.join("、"),
                    if skipped.is_empty() {
                        String::new()
                    } else {
                        format!("；未适用：{}", skipped.join("；"))
                    }
                )
                .into());
            }
            vec![r.clone()]
        }
        None => plan.rules.iter().map(|r| r.id.clone()).collect(),
    };
    for id in ids {
        if let Some(ex) = gaoxin_rules::explain(&plan, &panel, 0, year.get(), &id, &opts) {
            println!("{}", ex.render_zh());
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn ladder_cmd(url: &str, zone: &Zone, a: LadderArgs) -> Res {
    let store = Store::open(url).await?;
    let year = match a.year {
        Some(y) => y,
        None => latest_year(&store).await?,
    };
    let scope = match &a.park {
        Some(p) => {
            let Some(park) = zone.park(p) else {
                return Err(format!("未知园区「{p}」").into());
            };
            Scope::Park(park.id.clone())
        }
        None => Scope::Zone,
    };
    let (s, run) = run_for(&store, &scope, year).await?;
    let names = names(&store).await?;
    println!(
        "{}年 梯度培育 — {}（运行 {}）",
        year,
        a.park
            .as_deref()
            .map(|p| park_name(zone, p))
            .unwrap_or_else(|| zone.name.clone()),
        run.id
    );
    // funnel of the year, summed over the parks in scope
    // (total, of which placed by the rules for want of a record, of which depending on the
    // expert-score assumption)
    let mut by_level = vec![(0usize, 0usize, 0usize); s.rungs.len() + 1];
    for f in s.funnel.iter().filter(|f| f.year == year.get()) {
        for (i, c) in f.counts.iter().enumerate() {
            if i < by_level.len() {
                by_level[i].0 += c;
                by_level[i].1 += f.by_rules.get(i).copied().unwrap_or(0);
                by_level[i].2 += f.depends.get(i).copied().unwrap_or(0);
            }
        }
    }
    println!(
        "梯级分布：未入梯 {}{}；{}",
        by_level[0].0,
        if by_level[0].2 > 0 {
            format!("（{} {}）", Finding::Depends.zh(), by_level[0].2)
        } else {
            String::new()
        },
        s.rungs
            .iter()
            .filter(|r| r.rule.is_some())
            .map(|r| {
                let (n, rules, depends) =
                    by_level.get(r.level as usize).copied().unwrap_or_default();
                format!(
                    "{} {}（已认定 {}，无记录按条件测算 {}{}）",
                    r.label,
                    n,
                    n - rules,
                    rules,
                    if depends > 0 {
                        format!("，{} {depends}", Finding::Depends.zh())
                    } else {
                        String::new()
                    }
                )
            })
            .collect::<Vec<_>>()
            .join("；")
    );
    println!("（当前梯级按已认定记录统计；某梯级没有认定记录的企业按该梯级条件测算。）");
    for rung in s.rungs.iter() {
        let Some(rule) = &rung.rule else {
            println!(
                "\n{}：{}",
                rung.label,
                rung.note.clone().unwrap_or_default()
            );
            continue;
        };
        let rows: Vec<RuleResultRow> = store
            .rule_results(&scope, &run.id, Some(rule), None)
            .await?;
        let (near, undecided) = rules_runs::nearest_rows(&s, &rows, rule, false);
        println!(
            "\n最接近达到「{}」的企业（下一梯级为它、可测算距离的 {} 家中前 {} 家；距离 0.2 ≈ 一项指标差 20%，0 = 已满足条件但无认定记录）",
            rung.label,
            near.len(),
            a.top.min(near.len())
        );
        println!(
            "序号\t统一社会信用代码\t企业名称\t园区\t当前梯级\t距离\t结论（按条件测算）\t认定记录"
        );
        for (i, r) in near.iter().take(a.top).enumerate() {
            println!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                i + 1,
                r.uscc,
                names.get(&r.uscc).cloned().unwrap_or_default(),
                park_name(zone, &r.park),
                level_zh(&s, r),
                r.distance
                    .map(gaoxin_rules::fmt::distance)
                    .unwrap_or_else(|| "—".into()),
                finding_zh(r),
                record_zh(&s, r)
            );
        }
        if !undecided.is_empty() {
            println!(
                "缺数据，无法测算：{} 家（结论为「{}」，没有可比的距离），列前 {} 家及所缺数据",
                undecided.len(),
                Finding::Unknown.zh(),
                a.top.min(undecided.len())
            );
            for r in undecided.iter().take(a.top) {
                println!(
                    "  {}\t{}\t{}\t{}\t缺：{}",
                    r.uscc,
                    names.get(&r.uscc).cloned().unwrap_or_default(),
                    park_name(zone, &r.park),
                    level_zh(&s, r),
                    r.supply.replace('\n', "；")
                );
            }
        }
    }
    println!("\n说明：用 gaoxin explain 统一社会信用代码 --rule 规则编号 查看每家企业差在哪里。");
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn policies(url: &str, zone: &Zone, a: PoliciesArgs) -> Res {
    let store = Store::open(url).await?;
    let year = match a.year {
        Some(y) => y,
        None => latest_year(&store).await?,
    };
    let (s, run) = run_for(&store, &Scope::Zone, year).await?;
    println!("{}年 政策兑现（运行 {}）", year, run.id);
    let mut all_rows = Vec::new();
    for p in s.policies() {
        let rows = store
            .rule_results(&Scope::Zone, &run.id, Some(&p.id), None)
            .await?;
        let auto: Vec<&RuleResultRow> = rows.iter().filter(|r| r.verified).collect();
        let fast: Vec<&RuleResultRow> = rows
            .iter()
            .filter(|r| !r.verified && r.verdict != "fail")
            .collect();
        let eligible = rows.iter().filter(|r| r.verdict == "pass").count();
        let total: i64 = rows.iter().filter_map(|r| r.amount_fen).sum();
        println!(
            "\n【{}】{}（{}）{}\n  符合 {} 家，预计兑现 {} 万元；免申即享 {} 家（{} 万元），快申快享 {} 家（其中{} {} 家）；{} {} 家",
            p.label,
            p.name,
            p.document,
            if p.unconfirmed {
                "［含待核实口径］"
            } else {
                ""
            },
            eligible,
            wan(total),
            auto.len(),
            wan(auto.iter().filter_map(|r| r.amount_fen).sum()),
            fast.len(),
            Finding::Unknown.zh(),
            fast.iter().filter(|r| r.verdict == "unknown").count(),
            Finding::Depends.zh(),
            rows.iter()
                .filter(|r| rules_runs::finding(r) == Finding::Depends)
                .count()
        );
        for b in s.budgets.iter().filter(|b| b.rule == p.id) {
            println!(
                "  {}：{} 家，{} 万元{}{}{}",
                park_name(zone, &b.park),
                b.firms,
                wan(b.total_fen),
                if b.amount_unknown > 0 {
                    format!("，{} 家金额暂无法计算", b.amount_unknown)
                } else {
                    String::new()
                },
                if b.undecided > 0 {
                    format!("，{} 家{}", b.undecided, Finding::Unknown.zh())
                } else {
                    String::new()
                },
                if b.depends > 0 {
                    format!("，{} 家{}", b.depends, Finding::Depends.zh())
                } else {
                    String::new()
                }
            );
        }
        all_rows.extend(rows);
    }
    if let Some(out) = a.out {
        let names = names(&store).await?;
        let bytes = rules_runs::workbook(zone, &s, &all_rows, &names, Lists::Policies)?;
        std::fs::write(
            &out,
            crate::export_note::noted(&store, crate::export_note::ZONE, bytes).await,
        )?;
        eprintln!("政策清单已写入 {}", out.display());
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
