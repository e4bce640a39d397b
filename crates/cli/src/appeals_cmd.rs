//! `gaoxin appeals list|show|import|sweep|measures|key` and `gaoxin bench appeals`: the appeals
//! (企业诉求直通车) from the command line, as a zone administrator.
use crate::data::Res;
use clap::{Args, Subcommand};
use gaoxin_app::appeals::{self, Actor};
use gaoxin_app::appeals_data::{AppealsConfig, china_date};
use gaoxin_app::appeals_measures::{self, Dimension, Period, pct};
use gaoxin_app::appeals_sla;
use gaoxin_app::appeals_xlsx::{self, ImportOutcome};
use gaoxin_model::{Date, Zone};
use gaoxin_store::{AppealFilter, NewAppeal, Role, Scope, Store, unix_now};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Args)]
pub struct AppealsArgs {
    #[command(subcommand)]
    which: AppealsCmd,
}

#[derive(Subcommand)]
enum AppealsCmd {
    /// The appeals (newest first), filtered; `--out F.xlsx` writes the list as a workbook.
    List {
        #[arg(long)]
        state: Option<String>,
        #[arg(long)]
        category: Option<String>,
        #[arg(long)]
        park: Option<String>,
        #[arg(long)]
        department: Option<String>,
        /// Only those past their time limit.
        #[arg(long)]
        overdue: bool,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// One appeal with its history.
    Show { id: i64 },
    /// Import appeals from .xlsx / .csv (columns: 统一社会信用代码, 诉求类别, 标题, 诉求内容,
    /// 联系人及电话, 渠道, 相关政策): all or nothing; errors name row and column.
    Import {
        file: PathBuf,
        /// Recorded as the filer.
        #[arg(long, default_value = "cli")]
        by: String,
    },
    /// The SLA sweep: lists what is due (临期) and overdue (超期) and escalates (提级) what is past
    /// its limit by the configured margin. `--date` (default: today in China), `--dry-run`: list only.
    Sweep {
        #[arg(long)]
        date: Option<String>,
        #[arg(long)]
        dry_run: bool,
    },
    /// 解决率, 满意率, 重办率, repeat appeals, median working days — `--by department|park|category`,
    /// `--period all|year|month`.
    Measures {
        #[arg(long, default_value = "department")]
        by: String,
        #[arg(long, default_value = "all")]
        period: String,
    },
    /// API keys of systems pushing appeals (`POST /api/v1/appeals`, e.g. the 12345 hotline):
    /// `key add NAME` prints the key once.
    Key {
        #[command(subcommand)]
        which: KeyCmd,
    },
}

#[derive(Subcommand)]
enum KeyCmd {
    Add { name: String },
}

fn config() -> Result<AppealsConfig, Box<dyn std::error::Error>> {
    Ok(AppealsConfig::load()?)
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

pub async fn run(url: &str, zone: &Zone, a: AppealsArgs) -> Res {
    let store = Store::open(url).await?;
    let cfg = config()?;
    let now = unix_now();
    let today = china_date(now);
    let names = park_namer(zone);
    match a.which {
        AppealsCmd::List {
            state,
            category,
            park,
            department,
            overdue,
            out,
        } => {
            let f = AppealFilter {
                state,
                category,
                park,
                department,
                ..Default::default()
            };
            let items = appeals::list(&store, &cfg, &Scope::Zone, &f, overdue, today).await?;
            if let Some(out) = out {
                let bytes = appeals_xlsx::export(&items, &names)?;
                let bytes =
                    crate::export_note::noted(&store, crate::export_note::ZONE, bytes).await;
                std::fs::write(&out, bytes)?;
                eprintln!("已写出 {} 条诉求到 {}", items.len(), out.display());
            } else {
                println!("编号\t状态\t类别\t承办\t企业\t受理\t答复期限\t时限");
                for i in &items {
                    let r = &i.row;
                    println!(
                        "{}\t{}{}\t{}\t{}\t{}\t{}\t{}\t{}",
                        r.id,
                        r.state,
                        if r.escalated { "（已提级）" } else { "" },
                        r.category,
                        i.department_name,
                        r.firm_name,
                        Date::from_int(r.filed_on)
                            .map(|d| d.to_string())
                            .unwrap_or_default(),
                        i.sla.due.map(|d| d.to_string()).unwrap_or_default(),
                        i.sla.level.zh()
                    );
                }
                eprintln!("共 {} 条", items.len());
            }
        }
        AppealsCmd::Show { id } => show(&store, &cfg, &names, id, today).await?,
        AppealsCmd::Import { file, by } => {
            let bytes = std::fs::read(&file)?;
            let actor = Actor::user(&by, &Role::ZoneAdmin);
            match appeals_xlsx::import(&store, &cfg, &actor, bytes, now).await? {
                ImportOutcome::Filed(ids) => println!(
                    "已导入 {} 条诉求（编号 {}–{}）",
                    ids.len(),
                    ids[0],
                    ids[ids.len() - 1]
                ),
                ImportOutcome::Refused(errs) => {
                    for e in &errs {
                        eprintln!("{e}");
                    }
                    eprintln!("有 {} 处错误，未写入任何诉求", errs.len());
                    return Ok(ExitCode::from(1));
                }
            }
        }
        AppealsCmd::Sweep { date, dry_run } => {
            let day = match date {
                Some(d) => Date::parse(&d).ok_or_else(|| format!("「{d}」不是日期"))?,
                None => today,
            };
            let t = Instant::now();
            let r = appeals_sla::sweep(&store, &cfg, &Scope::Zone, day, !dry_run, now).await?;
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            print_sweep(&r);
            eprintln!(
                "{day}：检查 {} 条未办结诉求，临期 {}，超期 {}，本次提级 {}，无法计算 {}（{ms:.0} ms）",
                r.checked,
                r.warnings.len(),
                r.overdue.len(),
                r.escalated.len(),
                r.unknown.len()
            );
        }
        AppealsCmd::Measures { by, period } => {
            let dim = Dimension::parse(&by)?;
            let per = Period::parse(&period)?;
            let rows = appeals_measures::load(&store, &cfg, &Scope::Zone, dim, per, &names).await?;
            println!(
                "期间\t{}\t受理\t办结\t解决率\t满意率\t重办率\t重复诉求\t答复中位（工作日）\t办结中位（工作日）",
                dim.zh()
            );
            for m in rows {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    m.period,
                    m.name,
                    m.filed,
                    m.closed,
                    pct(m.resolution_rate()),
                    pct(m.satisfaction_rate()),
                    pct(m.reopen_rate()),
                    m.repeats,
                    m.median_reply_days
                        .map(|x| format!("{x:.1}"))
                        .unwrap_or_else(|| "—".into()),
                    m.median_resolve_days
                        .map(|x| format!("{x:.1}"))
                        .unwrap_or_else(|| "—".into()),
                );
            }
        }
        AppealsCmd::Key {
            which: KeyCmd::Add { name },
        } => match store.add_appeal_key(&name, now).await? {
            Some(key) => {
                crate::audit_cmd::note(
                    &store,
                    "appeal.key_add",
                    None,
                    &name,
                    serde_json::json!({}),
                )
                .await?;
                println!("{key}");
                eprintln!(
                    "已登记「{name}」的诉求推送密钥（POST /api/v1/appeals，请求头 Authorization: Bearer …）。只显示这一次；平台只保存其哈希。"
                );
            }
            None => return Err(format!("名称「{name}」已登记或为空").into()),
        },
    }
    Ok(ExitCode::SUCCESS)
}

async fn show(
    store: &Store,
    cfg: &AppealsConfig,
    names: &dyn Fn(&str) -> String,
    id: i64,
    today: Date,
) -> Result<(), Box<dyn std::error::Error>> {
    let admin = Actor::user("cli", &Role::ZoneAdmin);
    let v = appeals::view(store, cfg, &admin, id, today).await?;
    let r = &v.row;
    println!("诉求 {}：{}（{}）", r.id, r.title, r.state);
    println!("企业：{}（{}，{}）", r.firm_name, r.uscc, names(&r.park));
    println!(
        "类别：{}（建议：{}）  承办：{}  渠道：{}",
        r.category,
        r.suggested_category.as_deref().unwrap_or(""),
        v.department_name,
        r.channel
    );
    println!("内容：{}", r.description);
    println!("联系：{}", r.contact);
    println!(
        "时限：{}个工作日{}，答复期限 {}，{}",
        r.limit_days,
        if v.limit_unconfirmed {
            "（未确认）"
        } else {
            ""
        },
        v.sla
            .due
            .map(|d| d.to_string())
            .unwrap_or_else(|| "—".into()),
        v.sla.level.zh()
    );
    for t in &v.history {
        println!(
            "  {}  {}  {} → {}  {}（{}）  {}",
            Date::from_int(t.on_date)
                .map(|d| d.to_string())
                .unwrap_or_default(),
            t.action,
            t.from_state.as_deref().unwrap_or("—"),
            t.to_state,
            t.actor,
            t.role,
            t.note
        );
    }

    Ok(())
}

fn print_sweep(r: &appeals_sla::SweepReport) {
    for (what, list) in [
        ("超期", &r.overdue),
        ("临期", &r.warnings),
        ("无法计算", &r.unknown),
    ] {
        for i in list {
            println!(
                "{what}\t{}\t{}\t{}\t答复期限 {}\t剩余 {} 个工作日{}",
                i.row.id,
                i.row.category,
                i.row.firm_name,
                i.sla
                    .due
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "—".into()),
                i.sla.left,
                if r.escalated.contains(&i.row.id) {
                    "\t本次提级"
                } else if i.row.escalated {
                    "\t已提级"
                } else {
                    ""
                }
            );
        }
    }
}

/// `gaoxin bench appeals --appeals N`: N open appeals in a fresh SQLite database, then the SLA
/// sweep (list only, then with escalation), timed.
pub async fn bench(zone: &Zone, n: usize) -> Res {
    let dir = std::env::temp_dir().join(format!("gaoxin-bench-appeals-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db = dir.join("appeals.db");
    let store = Store::open(&format!("sqlite://{}", db.display())).await?;
    let cfg = config()?;
    let park = zone
        .parks
        .first()
        .map(|p| p.id.to_string())
        .unwrap_or_else(|| "jiangbei".into());
    // filed over 2025 on working days, limits from the categories; today = 2025-12-31
    let start = Date::new(2025, 1, 2).ok_or("date")?.days_since_epoch();
    let rows: Vec<NewAppeal> = (0..n)
        .map(|i| {
            let c = &cfg.categories[i % cfg.categories.len()];
            let day = Date::from_days_since_epoch(start + (i as i64 * 7919) % 360);
            NewAppeal {
                uscc: format!("BENCH{i:013}"),
                firm_name: format!("基准测试企业{i}"),
                park: park.clone(),
                category: c.name.clone(),
                suggested_category: None,
                title: "基准".into(),
                description: "基准测试诉求".into(),
                contact: "—".into(),
                channel: "导入".into(),
                rule_file: None,
                department: None,
                filed_at: 0,
                filed_on: day.to_int(),
                filed_by: "bench".into(),
                filed_role: "zone_admin".into(),
                limit_days: i64::from(c.limit_days),
                state: "办理".into(),
                note: String::new(),
            }
        })
        .collect();
    let t = Instant::now();
    store.file_appeals(&rows).await?;
    let load = t.elapsed().as_secs_f64();
    let today = Date::new(2025, 12, 31).ok_or("date")?;
    let t = Instant::now();
    let r = appeals_sla::sweep(&store, &cfg, &Scope::Zone, today, false, 0).await?;
    let list = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let r2 = appeals_sla::sweep(&store, &cfg, &Scope::Zone, today, true, 0).await?;
    let esc = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let r3 = appeals_sla::sweep(&store, &cfg, &Scope::Zone, today, true, 0).await?;
    let again = t.elapsed().as_secs_f64();
    println!(
        "gaoxin bench appeals --appeals {n}  (SQLite, {})",
        if cfg!(debug_assertions) {
            "debug build"
        } else {
            "release build"
        }
    );
    println!("  {n} open appeals written in {load:.2} s");
    println!(
        "  sweep, list only:            {:.3} s  ({} checked, {} overdue, {} due soon)",
        list,
        r.checked,
        r.overdue.len(),
        r.warnings.len()
    );
    println!(
        "  sweep with escalation:       {:.3} s  ({} escalated in one transaction)",
        esc,
        r2.escalated.len()
    );
    println!(
        "  sweep again (none to do):    {:.3} s  ({} escalated)",
        again,
        r3.escalated.len()
    );
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(ExitCode::SUCCESS)
}
