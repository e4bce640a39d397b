//! 科技成果转化 from the command line (issue 14): `gaoxin import FILE --kind results|demands|experts`,
//! `gaoxin template --kind …`, `gaoxin match …` (one query, or `--queries FILE` printing one JSON
//! line per query) and `gaoxin cases …` (the broker's workflow). The same `gaoxin_app` calls as the
//! pages, so the same answers.
use crate::data::{ImportArgs, Res, TemplateArgs, park_flag};
use clap::{Args, Subcommand};
use gaoxin_app::audit::Who;
use gaoxin_app::tech::TechConfig;
use gaoxin_app::tech_cases::{self, CaseError};
use gaoxin_app::tech_import::{self, Kind};
use gaoxin_app::tech_match::{Against, Answer, Matcher};
use gaoxin_model::{Money, Unit, Zone};
use gaoxin_search::Filter;
use gaoxin_store::{Scope, Store};
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

fn kind(k: &str) -> Result<Kind, String> {
    Kind::parse(k)
        .ok_or_else(|| format!("--kind 应为 panel、results、demands 或 experts，而不是「{k}」"))
}

fn scope_of(zone: &Zone, park: Option<&str>) -> Result<Scope, String> {
    Ok(park_flag(zone, park)?
        .map(Scope::Park)
        .unwrap_or(Scope::Zone))
}

/// `gaoxin import FILE --kind results|demands|experts [--park P]`.
pub async fn import(url: &str, zone: &Zone, a: ImportArgs) -> Res {
    let k = kind(&a.kind)?;
    let scope = scope_of(zone, a.park.as_deref())?;
    let bytes =
        std::fs::read(&a.file).map_err(|e| format!("无法读取 {}：{e}", a.file.display()))?;
    let store = Store::open(url).await?;
    let who = match &a.by {
        Some(b) => Who {
            actor: format!("cli:{b}"),
            role: "cli".into(),
        },
        None => Who::cli(),
    };
    let r = tech_import::import(&store, &scope, k, bytes, "", &who).await?;
    store.close().await;
    for n in &r.notices {
        eprintln!("提示：{n}");
    }
    if r.ok() {
        println!("已导入{} {} 条", k.zh(), r.written);
        return Ok(ExitCode::SUCCESS);
    }
    for e in &r.errors {
        eprintln!("{e}");
    }
    eprintln!("共{}处错误，未写入任何数据", r.errors.len());
    Ok(ExitCode::from(1))
}

/// `gaoxin template --kind results|demands|experts [--out F]` (default: standard output).
pub fn template(a: TemplateArgs) -> Res {
    let bytes = tech_import::template_xlsx(kind(&a.kind)?)?;
    match a.out {
        Some(p) => {
            std::fs::write(&p, bytes).map_err(|e| format!("无法写入 {}：{e}", p.display()))?
        }
        None => std::io::stdout().write_all(&bytes)?,
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct MatchArgs {
    /// What to search: results, demands, experts or firms.
    #[arg(long)]
    against: String,
    /// The query text.
    #[arg(long, conflicts_with = "queries")]
    query: Option<String>,
    /// A file of queries, one a line; prints one JSON line per query.
    #[arg(long)]
    queries: Option<PathBuf>,
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// text (default) or json.
    #[arg(long, default_value = "text")]
    format: String,
    /// Only items whose field contains this text.
    #[arg(long)]
    field: Option<String>,
    #[arg(long)]
    trl_min: Option<u8>,
    #[arg(long)]
    trl_max: Option<u8>,
    /// Price (results) or budget (demands) at most, in 万元.
    #[arg(long)]
    budget_max: Option<String>,
    /// Only this park (demands and firms; id or name).
    #[arg(long)]
    park: Option<String>,
    /// Deadline on or after (demands), yyyy-mm-dd.
    #[arg(long)]
    date_from: Option<String>,
    /// Match for this firm (credit code): the results it declined as 领域不符 are not shown.
    #[arg(long)]
    firm: Option<String>,
}

fn filter_of(zone: &Zone, a: &MatchArgs) -> Result<Filter, String> {
    let amount_max_fen = a
        .budget_max
        .as_deref()
        .map(|b| {
            Money::parse(b.trim(), Unit::WanYuan)
                .map(|m| m.fen())
                .map_err(|e| format!("--budget-max 应为万元金额：{e}"))
        })
        .transpose()?;
    let date_from = a
        .date_from
        .as_deref()
        .map(|d| {
            gaoxin_model::Date::parse(d)
                .map(|x| x.to_int() as i32)
                .ok_or_else(|| format!("--date-from 应为日期，如 2026-11-30，而不是「{d}」"))
        })
        .transpose()?;
    for t in [a.trl_min, a.trl_max].into_iter().flatten() {
        if !(1..=9).contains(&t) {
            return Err(format!("技术成熟度应为 1 到 9，而不是 {t}"));
        }
    }
    Ok(Filter {
        field: a.field.clone().filter(|f| !f.trim().is_empty()),
        trl_min: a.trl_min,
        trl_max: a.trl_max,
        amount_max_fen,
        park: park_flag(zone, a.park.as_deref())?.map(|p| p.to_string()),
        date_from,
        exclude: Vec::new(),
    })
}

fn json_line(query: &str, ans: &Answer) -> serde_json::Value {
    serde_json::json!({
        "query": query,
        "hits": ans.hits.iter().map(|h| serde_json::json!({"id": h.item.key, "score": (h.score * 1e4).round() / 1e4, "semantic": h.semantic.map(|s| (s * 1e4).round() / 1e4)})).collect::<Vec<_>>(),
        "messages": ans.messages,
    })
}

fn print_text(ans: &Answer, against: Against) {
    for m in &ans.messages {
        println!("提示：{m}");
    }
    if ans.hits.is_empty() {
        println!("没有匹配的{}", against.zh());
    }
    for (i, h) in ans.hits.iter().enumerate() {
        println!(
            "{:>2}. {} {}（{}）  得分 {:.3}",
            i + 1,
            h.item.key,
            h.item.title,
            h.item.subtitle,
            h.score
        );
        let sem = h
            .semantic
            .map(|s| format!("；语义相似度 {s:.3}"))
            .unwrap_or_default();
        println!(
            "    共同词：{}；匹配字段：{}{sem}",
            h.why.shared.join("、"),
            h.why.fields.join("、")
        );
        for (f, t) in &h.why.doc_marked {
            let t: String = t.chars().take(120).collect();
            println!("    {f}：{t}");
        }
    }
    println!("（{}）", ans.mode);
}

/// `gaoxin match …`.
pub async fn match_cmd(url: &str, zone: &Zone, a: MatchArgs) -> Res {
    let against = Against::parse(&a.against).ok_or_else(|| {
        format!(
            "--against 应为 results、demands、experts 或 firms，而不是「{}」",
            a.against
        )
    })?;
    let json = match a.format.as_str() {
        "json" => true,
        "text" | "table" => false,
        f => return Err(format!("--format 应为 text 或 json，而不是「{f}」").into()),
    };
    if a.top == 0 || a.top > 1000 {
        return Err("--top 应在 1 到 1000 之间".into());
    }
    let filter = filter_of(zone, &a)?;
    let queries: Vec<(usize, String)> = match (&a.query, &a.queries) {
        (Some(q), None) => vec![(1, q.clone())],
        (None, Some(p)) => read_queries(p)?,
        _ => return Err("请给出 --query TEXT 或 --queries FILE".into()),
    };
    let cfg = TechConfig::load()?;
    let store = Store::open(url).await?;
    let m = Matcher::build(
        &store,
        zone,
        &Scope::Zone,
        &cfg,
        gaoxin_app::tech::segmenter()?,
    )
    .await?;
    store.close().await;
    let batch = a.queries.is_some();
    let mut out = std::io::BufWriter::new(std::io::stdout());
    for (_, q) in &queries {
        let ans = m.search(against, q, &filter, a.top, a.firm.as_deref(), None);
        if json || batch {
            writeln!(out, "{}", json_line(q, &ans))?;
        } else {
            print_text(&ans, against);
        }
    }
    out.flush()?;
    if json || batch {
        eprintln!("（{}）", m.mode_note());
    }
    Ok(ExitCode::SUCCESS)
}

/// The queries of a file: one a line, or a JSON line `{"query": …}`; blank lines skipped; a bad
/// line is an error naming its number.
fn read_queries(p: &PathBuf) -> Result<Vec<(usize, String)>, String> {
    let f = std::fs::File::open(p).map_err(|e| format!("无法读取 {}：{e}", p.display()))?;
    let mut out = Vec::new();
    for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
        let n = i + 1;
        let line = line.map_err(|_| format!("{} 第{n}行不是 UTF-8 文本", p.display()))?;
        let t = line.trim().trim_start_matches('\u{feff}');
        if t.is_empty() {
            continue;
        }
        if t.starts_with('{') {
            let v: serde_json::Value = serde_json::from_str(t)
                .map_err(|e| format!("{} 第{n}行不是有效的 JSON：{e}", p.display()))?;
            match v.get("query").and_then(|q| q.as_str()) {
                Some(q) => out.push((n, q.to_string())),
                None => return Err(format!("{} 第{n}行缺少文本字段 \"query\"", p.display())),
            }
        } else {
            out.push((n, t.to_string()));
        }
    }
    if out.is_empty() {
        return Err(format!("{} 中没有查询", p.display()));
    }
    Ok(out)
}

#[derive(Args)]
pub struct CasesArgs {
    #[command(subcommand)]
    which: CasesCmd,
    /// Act as this park's administrator (id or name): only its firms' cases.
    #[arg(long, global = true)]
    park: Option<String>,
    /// Who acts (recorded in the case history and the audit trail) [default: $USER].
    #[arg(long, global = true)]
    by: Option<String>,
}

#[derive(Subcommand)]
enum CasesCmd {
    /// Cases by state (tab-separated), the overdue follow-ups marked.
    List,
    /// Open a case (推荐) between a result and a firm (optionally for one of its demands).
    Open {
        #[arg(long)]
        result: String,
        #[arg(long)]
        firm: String,
        #[arg(long)]
        demand: Option<String>,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Move a case: --to 意向|洽谈|签约|回访|已放弃 (a decline needs --reason, a code or name).
    Move {
        id: String,
        #[arg(long)]
        to: String,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Record the 技术合同 of a signed case (moves it to 技术合同登记).
    Contract {
        id: String,
        #[arg(long)]
        reg_no: String,
        /// 金额（万元）.
        #[arg(long)]
        amount: String,
        /// 技术开发、技术转让、技术许可、技术咨询 or 技术服务.
        #[arg(long)]
        kind: String,
        /// 登记日期 [default: today].
        #[arg(long, default_value = "")]
        date: String,
    },
    /// Cases per state, conversion, contracts by park and field, top decline reasons.
    Stats,
}

/// `gaoxin cases …`.
pub async fn cases_cmd(url: &str, zone: &Zone, a: CasesArgs) -> Res {
    let scope = scope_of(zone, a.park.as_deref())?;
    let who = match &a.by {
        Some(b) => Who {
            actor: format!("cli:{b}"),
            role: "cli".into(),
        },
        None => Who::cli(),
    };
    let cfg = TechConfig::load()?;
    let store = Store::open(url).await?;
    let res = match a.which {
        CasesCmd::List => {
            let b = tech_cases::board(&store, &scope, gaoxin_app::tech::today()).await?;
            println!("编号\t状态\t成果\t企业\t经纪人\t下次跟进\t逾期");
            for (_, cases) in &b.columns {
                for c in cases {
                    let late = b.overdue.iter().any(|o| o.id == c.id);
                    println!(
                        "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                        c.id,
                        c.state.zh(),
                        c.result_name,
                        c.firm_name,
                        c.broker,
                        c.follow_up.map(|f| f.to_string()).unwrap_or_default(),
                        if late { "逾期" } else { "" }
                    );
                }
            }
            Ok(None)
        }
        CasesCmd::Open {
            result,
            firm,
            demand,
            note,
        } => tech_cases::open(
            &store,
            &cfg,
            &scope,
            &who,
            &result,
            &firm,
            demand.as_deref(),
            &note,
        )
        .await
        .map(Some),
        CasesCmd::Move {
            id,
            to,
            reason,
            note,
        } => tech_cases::move_case(
            &store,
            &cfg,
            &scope,
            &who,
            &id,
            &to,
            reason.as_deref(),
            &note,
        )
        .await
        .map(Some),
        CasesCmd::Contract {
            id,
            reg_no,
            amount,
            kind,
            date,
        } => tech_cases::register_contract(
            &store, &cfg, &scope, &who, &id, &reg_no, &amount, &kind, &date,
        )
        .await
        .map(Some),
        CasesCmd::Stats => {
            print_stats(&tech_cases::stats(&store, &cfg, &scope).await?, zone);
            Ok(None)
        }
    };
    store.close().await;
    match res {
        Ok(Some(c)) => {
            println!(
                "{}\t{}\t{}\t{}",
                c.id,
                c.state.zh(),
                c.result_name,
                c.firm_name
            );
            Ok(ExitCode::SUCCESS)
        }
        Ok(None) => Ok(ExitCode::SUCCESS),
        Err(CaseError::Store(e)) => Err(e.into()),
        Err(e) => {
            eprintln!("未变更：{e}");
            Ok(ExitCode::from(1))
        }
    }
}

fn print_stats(s: &tech_cases::Stats, zone: &Zone) {
    println!("对接案例 {} 件，登记技术合同 {} 件", s.cases, s.contracted);
    if let Some(c) = s.conversion_pct() {
        println!("转化率 {c:.1}%");
    }
    for (st, n) in &s.per_state {
        println!("  {st}\t{n}");
    }
    let wan = |f: i64| Money(f).rounded(Unit::WanYuan, 2);
    println!("技术合同成交额 {} 万元", wan(s.contract_fen));
    for (p, n, f) in &s.by_park {
        let name = zone.park(p).map(|x| x.name.clone()).unwrap_or(p.clone());
        println!("  园区 {name}\t{n} 件\t{} 万元", wan(*f));
    }
    for (p, n, f) in &s.by_field {
        println!("  领域 {p}\t{n} 件\t{} 万元", wan(*f));
    }
    for (r, n) in &s.declines {
        println!("  放弃原因 {r}\t{n}");
    }
}
