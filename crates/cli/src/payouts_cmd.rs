//! `gaoxin payouts sync|list|show|import|measures|template|step|approve-second|fund`: the payout ledger (政策兑现)
//! from the command line, as a zone administrator (recorded in the audit trail as `cli:<os user>`).
use crate::data::Res;
use clap::{Args, Subcommand};
use gaoxin_app::audit::Who;
use gaoxin_app::payout_data::{CITY_TOTAL, PayoutConfig, SOURCES};
use gaoxin_app::payout_flow::Capacity;
use gaoxin_app::payouts::{self, StepInput};
use gaoxin_app::{payout_report, payout_review, payout_sync, payout_xlsx};
use gaoxin_model::{Date, Money, Unit, Year, Zone, present};
use gaoxin_store::{FundLine, PayoutFilter, Scope, Store, unix_now};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct PayoutsArgs {
    #[command(subcommand)]
    which: PayoutsCmd,
}

#[derive(Subcommand)]
enum PayoutsCmd {
    /// Sync the ledger with the year's latest stored rules run: a 测算 entry per firm × policy
    /// with an award (免申 when every input is verified), amounts of entries not yet approved
    /// recomputed, firms no longer qualifying flagged (never deleted). Idempotent.
    Sync {
        #[arg(long)]
        year: String,
    },
    /// The awards, filtered; `--format json`, or `--out F.xlsx` for the workbook.
    List {
        #[arg(long)]
        year: Option<i64>,
        /// A policy's rule id.
        #[arg(long)]
        policy: Option<String>,
        #[arg(long)]
        park: Option<String>,
        /// 测算 | 申报 | 免申 | 核准 | 核减 | 不予核准 | 待复核 | 拨付 | 公示.
        #[arg(long)]
        state: Option<String>,
        /// 免申 | 申报.
        #[arg(long)]
        channel: Option<String>,
        #[arg(long, default_value = "table")]
        format: String,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// One award with its history and the steps a zone administrator may take.
    Show { id: i64 },
    /// Take a step: `step ID 申报|核准|核减|不予核准|拨付|复核通过|复核退回|公示` (`--amount` in 元,
    /// `--reason`, `--fund-source`, `--date YYYY-MM-DD`).
    Step {
        id: i64,
        action: String,
        #[arg(long, default_value = "")]
        amount: String,
        #[arg(long, default_value = "")]
        reason: String,
        #[arg(long, default_value = "")]
        fund_source: String,
        #[arg(long, default_value = "")]
        date: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Second approval (复核通过) of a payment waiting for review (待复核: to a firm no longer
    /// eligible): paid as submitted. `--as USER` names the approving platform account (an enabled
    /// zone administrator); without it the approver is `cli:<os user>`. The approver must not be
    /// the one who submitted the payment. Same step as `step ID 复核通过`.
    ApproveSecond {
        id: i64,
        #[arg(long = "as")]
        as_user: Option<String>,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Import payment records of awards paid outside the platform (.xlsx / .csv; columns as in
    /// `payouts template`): all or nothing, errors name row and column.
    Import { file: PathBuf },
    /// The payment import's template (.xlsx) to stdout or `--out`.
    Template {
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// 应享尽享、应兑尽兑 and the special-fund accounts; `--format json`, `--out F.xlsx`.
    Measures {
        #[arg(long)]
        year: Option<i64>,
        #[arg(long, default_value = "table")]
        format: String,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Enter a special-fund line: `fund --year Y --category 企业培育 --source 市级 --amount 元`
    /// (category 市级科技专项资金总额: the city's whole S&T special fund of the year).
    Fund {
        #[arg(long)]
        year: i64,
        #[arg(long)]
        category: String,
        #[arg(long, default_value = "市级")]
        source: String,
        /// 元.
        #[arg(long)]
        amount: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Special-fund lines: `funds import FILE` (xlsx/csv, all or nothing), `funds template OUT`, `funds history [--year Y] [--out F.xlsx]`.
    #[command(subcommand)]
    Funds(crate::payout_funds_cmd::FundsCmd),
}

fn park_namer(zone: &Zone) -> impl Fn(&str) -> String + '_ {
    move |p: &str| {
        zone.parks
            .iter()
            .find(|x| x.id == p)
            .map(|x| x.name.clone())
            .unwrap_or_else(|| p.to_string())
    }
}

fn date_text(v: Option<i64>) -> String {
    v.and_then(Date::from_int)
        .map(|d| d.to_string())
        .unwrap_or_default()
}

fn json_or_table(format: &str) -> Result<bool, String> {
    match format {
        "json" => Ok(true),
        "table" => Ok(false),
        x => Err(format!("未知格式「{x}」（可选：table、json）")),
    }
}

pub async fn run(url: &str, zone: &Zone, a: PayoutsArgs) -> Res {
    let store = Store::open(url).await?;
    let cfg = PayoutConfig::load()?;
    let names = park_namer(zone);
    let who = Who::cli();
    let policies = payouts::policy_names();
    let policy = |k: &str| policies.get(k).cloned().unwrap_or_else(|| k.to_string());
    match a.which {
        PayoutsCmd::Funds(f) => return crate::payout_funds_cmd::run(&store, &cfg, &who, f).await,
        PayoutsCmd::Sync { year } => {
            let year = Year::parse(&year)?;
            let r = payout_sync::sync(&store, &who, year).await?;
            println!("{}", r.zh());
        }
        PayoutsCmd::List {
            year,
            policy: rule,
            park,
            state,
            channel,
            format,
            out,
        } => {
            let f = PayoutFilter {
                year,
                rule,
                park,
                state,
                channel,
                uscc: None,
            };
            list(&store, &f, &format, out, &policy, &names).await?;
        }
        PayoutsCmd::Show { id } => show(&store, &cfg, &names, id).await?,
        PayoutsCmd::Step {
            id,
            action,
            amount,
            reason,
            fund_source,
            date,
            note,
        } => {
            let input = StepInput {
                action,
                amount_yuan: amount,
                reason,
                fund_source,
                date,
                note,
                version: 0,
            };
            let done =
                payouts::act(&store, &cfg, &who, Capacity::Zone, &Scope::Zone, id, &input).await?;
            println!("{}（当前状态：{}）", done.message, done.state);
        }
        PayoutsCmd::ApproveSecond { id, as_user, note } => {
            let approver = payout_review::approver(&store, as_user.as_deref()).await?;
            let done = payout_review::approve_second(&store, &cfg, &approver, id, &note).await?;
            println!(
                "{}（复核人：{}；当前状态：{}）",
                done.message, approver.actor, done.state
            );
        }
        PayoutsCmd::Import { file } => {
            let bytes = std::fs::read(&file)?;
            match payout_xlsx::import(&store, &cfg, &who, bytes).await? {
                Ok(n) => println!("已导入 {n} 条拨付记录"),
                Err(errs) => {
                    for e in &errs {
                        eprintln!("{e}");
                    }
                    eprintln!("有 {} 处错误，未写入任何拨付记录", errs.len());
                    return Ok(ExitCode::from(1));
                }
            }
        }
        PayoutsCmd::Template { out } => {
            let mut list: Vec<(String, String)> = policies.clone().into_iter().collect();
            list.sort();
            let bytes = payout_xlsx::template(&cfg, &list)?;
            match out {
                Some(p) => std::fs::write(p, bytes)?,
                None => std::io::Write::write_all(&mut std::io::stdout(), &bytes)?,
            }
        }
        PayoutsCmd::Measures { year, format, out } => {
            let json = json_or_table(&format)?;
            let today = gaoxin_app::appeals_data::china_date(unix_now()).to_int();
            let m =
                payout_report::measures(&store, &cfg, &Scope::Zone, year, today, &names).await?;
            if let Some(out) = out {
                let bytes = payout_xlsx::export_measures(&m)?;
                let bytes =
                    crate::export_note::noted(&store, crate::export_note::ZONE, bytes).await;
                std::fs::write(&out, bytes)?;
                eprintln!("已写出兑现统计到 {}", out.display());
            } else if json {
                println!("{}", serde_json::to_string_pretty(&m)?);
            } else {
                print_measures(&m);
            }
        }
        PayoutsCmd::Fund {
            year,
            category,
            source,
            amount,
            note,
        } => {
            let category = cfg.parse_category(&category)?;
            if !SOURCES.contains(&source.as_str()) {
                return Err(format!("资金来源级别应为 {}", SOURCES.join(" 或 ")).into());
            }
            let fen = Money::parse(&amount, Unit::Yuan)
                .map_err(|e| format!("「--amount」应为以元计的金额：{e}"))?
                .fen();
            if fen < 0 {
                return Err("金额不能为负".into());
            }
            payouts::set_fund(
                &store,
                &who,
                &FundLine {
                    year,
                    category: category.clone(),
                    source: source.clone(),
                    amount_fen: fen,
                    entered_by: who.actor.clone(),
                    entered_at: unix_now(),
                    note,
                },
            )
            .await?;
            println!(
                "已记录 {year} 年{}（{source}）{}{}",
                category,
                present::yuan(fen),
                if category == CITY_TOTAL {
                    "（全市总额）"
                } else {
                    ""
                }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_measures(m: &payout_report::Measures) {
    for (title, groups) in [
        ("按政策", &m.by_policy),
        ("按园区", &m.by_park),
        ("按年度", &m.by_year),
    ] {
        println!("== 应享与已兑（{title}）");
        println!("名称\t应享\t应享金额\t已核准\t已拨付\t拨付金额\t未拨付\t拨付率");
        for g in groups {
            println!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                g.name,
                g.entitled,
                present::yuan(g.entitled_fen),
                g.approved,
                g.paid,
                present::yuan(g.paid_fen),
                g.unpaid,
                g.paid_rate().map(present::pct).unwrap_or("—".into())
            );
        }
    }
    println!("== 应享尽享：应享未享 {} 笔", m.never_paid.len());
    for s in &m.never_paid {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}{}{}",
            s.id,
            s.firm_name,
            s.rule,
            present::yuan(s.computed_fen),
            s.state,
            s.waits_on,
            if s.supply.is_empty() {
                String::new()
            } else {
                format!("；需提供：{}", s.supply.join("、"))
            },
            if s.reason.is_empty() {
                String::new()
            } else {
                format!("；理由：{}", s.reason)
            }
        );
    }
    println!(
        "== 应兑尽兑：已核准未拨付 {} 笔；核准到拨付（工作日）中位 {}，最长 {}（已拨付 {} 笔，{} 笔无法计算）",
        m.unpaid.len(),
        m.pay_days
            .median
            .map(|x| format!("{x:.1}"))
            .unwrap_or("—".into()),
        m.pay_days.max.map(|x| x.to_string()).unwrap_or("—".into()),
        m.pay_days.paid,
        m.pay_days.uncounted
    );
    println!(
        "== 专项资金（市级科技专项资金支持高新区发展经费不低于{}%）",
        m.floor_percent
    );
    for f in &m.funds {
        println!(
            "{}年\t合计 {}\t其中市级 {}\t全市 {}\t占比 {}\t{}",
            f.year,
            present::yuan(f.total_fen),
            present::yuan(f.city_sourced_fen),
            f.city_total_fen.map(present::yuan).unwrap_or("—".into()),
            f.share.map(present::pct).unwrap_or("—".into()),
            f.status
        );
    }
}

async fn show(
    store: &Store,
    cfg: &PayoutConfig,
    names: &dyn Fn(&str) -> String,
    id: i64,
) -> Result<(), Box<dyn std::error::Error>> {
    let v = payouts::detail(store, cfg, &Scope::Zone, Some(Capacity::Zone), id).await?;
    let p = &v.row;
    println!(
        "兑现编号 {}：{}（{}） {} {} 年「{}」（版本 {}，规则测算 {}）",
        p.id,
        p.firm_name,
        p.uscc,
        names(&p.park),
        p.year,
        v.policy,
        p.rule_version,
        p.run_id
    );
    println!(
        "方式 {}；状态 {}（{}）{}；测算 {}；核准 {}；拨付 {} {}",
        p.channel,
        p.state,
        v.waits_on,
        if p.flagged {
            "；最新测算中已不符合条件"
        } else {
            ""
        },
        present::yuan(p.computed_fen),
        p.approved_fen.map(present::yuan).unwrap_or("—".into()),
        p.paid_fen.map(present::yuan).unwrap_or("—".into()),
        date_text(p.paid_on)
    );
    for s in &v.supply {
        println!("需企业提供：{s}");
    }
    println!("时间\t步骤\t状态\t金额\t办理人\t理由/说明");
    for s in &v.steps {
        println!(
            "{}\t{}\t{} → {}\t{}\t{}\t{}{}",
            present::datetime(s.at),
            s.step,
            s.from_state.clone().unwrap_or_default(),
            s.to_state,
            s.amount_fen.map(present::yuan).unwrap_or_default(),
            s.actor,
            s.reason,
            if s.note.is_empty() {
                String::new()
            } else {
                format!(" {}", s.note)
            }
        );
    }
    if !v.actions.is_empty() {
        println!(
            "可办理：{}",
            v.actions
                .iter()
                .map(|a| a.zh())
                .collect::<Vec<_>>()
                .join("、")
        );
    }
    Ok(())
}

async fn list(
    store: &Store,
    f: &PayoutFilter,
    format: &str,
    out: Option<PathBuf>,
    policy: &dyn Fn(&str) -> String,
    names: &dyn Fn(&str) -> String,
) -> Result<(), Box<dyn std::error::Error>> {
    let json = json_or_table(format)?;
    let rows = payouts::list(store, &Scope::Zone, f).await?;
    if let Some(out) = out {
        let bytes = payout_xlsx::export(&rows, policy, names)?;
        let bytes = crate::export_note::noted(store, crate::export_note::ZONE, bytes).await;
        std::fs::write(&out, bytes)?;
        eprintln!("已写出 {} 条兑现记录到 {}", rows.len(), out.display());
    } else if json {
        let items: Vec<_> = rows
            .iter()
            .map(|p| {
                serde_json::json!({
                    "id": p.id, "uscc": p.uscc, "firm_name": p.firm_name, "park": p.park,
                    "year": p.year, "rule": p.rule, "rule_version": p.rule_version,
                    "run_id": p.run_id, "channel": p.channel, "state": p.state,
                    "computed_fen": p.computed_fen, "approved_fen": p.approved_fen,
                    "paid_fen": p.paid_fen, "approved_on": p.approved_on,
                    "paid_on": p.paid_on, "flagged": p.flagged,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&items)?);
    } else {
        println!("编号\t年度\t政策\t企业\t园区\t方式\t状态\t测算\t核准\t拨付\t拨付日期");
        for p in &rows {
            println!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}{}\t{}\t{}\t{}\t{}",
                p.id,
                p.year,
                policy(&p.rule),
                p.firm_name,
                names(&p.park),
                p.channel,
                p.state,
                if p.flagged { "（不再符合）" } else { "" },
                present::yuan(p.computed_fen),
                p.approved_fen.map(present::yuan).unwrap_or_default(),
                p.paid_fen.map(present::yuan).unwrap_or_default(),
                date_text(p.paid_on)
            );
        }
        eprintln!("共 {} 条", rows.len());
    }
    Ok(())
}
