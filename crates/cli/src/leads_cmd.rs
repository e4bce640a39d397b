//! `gaoxin tracks` (the "五个一" board) and `gaoxin leads list|import|pipeline|move|land|drop|note`
//! (新赛道大会 leads). The command line acts as a zone administrator unless `--park` narrows it
//! to one park, as that park's administrator would. Thin: parse flags, one `gaoxin_app` call, print.
use crate::data::Res;
use clap::{Args, Subcommand, ValueEnum};
use gaoxin_app::leads::{self, Actor, ChangeInput, LeadsConfig};
use gaoxin_app::tracks::{self, InputError, TracksConfig};
use gaoxin_model::Zone;
use gaoxin_store::{LeadFilter, Scope, Store};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, ValueEnum, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
}

#[derive(Args)]
pub struct TracksArgs {
    /// The year of the panel figures [default: the latest with data].
    #[arg(long)]
    year: Option<i64>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Also write the board as .xlsx.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Args)]
pub struct LeadsArgs {
    #[command(subcommand)]
    which: LeadsCmd,
    /// Act as this park's administrator (id or name): only its leads.
    #[arg(long, global = true)]
    park: Option<String>,
    /// Who acts, recorded in the history [default: $USER（命令行）].
    #[arg(long, global = true)]
    by: Option<String>,
}

#[derive(Args, Default)]
struct FilterArgs {
    /// 来源活动 (id or name, e.g. conf-2024).
    #[arg(long)]
    event: Option<String>,
    /// 赛道 (id or name).
    #[arg(long)]
    track: Option<String>,
    /// 负责园区 (id or name; `zone` = the zone's own leads).
    #[arg(long = "of-park")]
    of_park: Option<String>,
}

#[derive(Subcommand)]
enum LeadsCmd {
    /// List leads (filters; --stalled: open leads past their next-action date).
    List {
        #[command(flatten)]
        f: FilterArgs,
        #[arg(long)]
        stage: Option<String>,
        /// open, landed or dropped.
        #[arg(long)]
        outcome: Option<String>,
        #[arg(long)]
        stalled: bool,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Write the list as .xlsx (the import's columns).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Import leads from .xlsx / .csv in the template's columns: all or nothing.
    Import { file: PathBuf },
    /// Write the import template (.xlsx).
    Template { out: PathBuf },
    /// The pipeline: counts per stage, conversion, median days, stalled, landed by park.
    Pipeline {
        #[command(flatten)]
        f: FilterArgs,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Move a lead to another stage (backwards needs --note with the reason).
    Move {
        id: String,
        #[arg(long)]
        to: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// 落地: the investment in 万元 (exact) and the park it landed in.
    Land {
        id: String,
        #[arg(long = "invest-wan")]
        invest_wan: String,
        #[arg(long = "in-park", default_value = "")]
        in_park: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// 放弃 with a coded reason (data/leads/leads.toml).
    Drop {
        id: String,
        #[arg(long)]
        reason: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Add a note to a lead's history.
    Note { id: String, text: String },
}

fn configs(zone: &Zone) -> Result<(TracksConfig, LeadsConfig), String> {
    Ok((TracksConfig::shipped(zone)?, LeadsConfig::shipped()?))
}

fn scope(zone: &Zone, park: &Option<String>) -> Result<Scope, String> {
    match park {
        None => Ok(Scope::Zone),
        Some(p) => zone
            .park(p)
            .map(|x| Scope::Park(x.id.clone()))
            .ok_or_else(|| format!("未知园区「{p}」")),
    }
}

fn operator(by: &Option<String>) -> String {
    by.clone()
        .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
        .map(|u| format!("{u}（命令行）"))
        .unwrap_or_else(|| "命令行".into())
}

fn fail(e: InputError) -> Box<dyn std::error::Error> {
    match e {
        InputError::Invalid(m) => m.join("\n").into(),
        other => other.to_string().into(),
    }
}

/// `gaoxin tracks`.
pub async fn tracks_cmd(url: &str, zone: &Zone, a: TracksArgs) -> Res {
    let (cfg, _) = configs(zone)?;
    let store = Store::open(url).await?;
    let b = tracks::board(&store, &cfg, zone, &Scope::Zone, a.year).await?;
    if let Some(out) = &a.out {
        let bytes = tracks::board_xlsx(&b)?;
        std::fs::write(
            out,
            crate::export_note::noted(&store, crate::export_note::ZONE, bytes).await,
        )?;
        eprintln!("已写出 {}", out.display());
    }
    match a.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&b)?),
        Format::Text => {
            println!(
                "新赛道“五个一”（{}年企业数据）",
                b.year.map(|y| y.to_string()).unwrap_or("—".into())
            );
            println!(
                "{:<10}\t完整度\t企业\t瞪羚\t独角兽\t在跟\t落地\t缺项",
                "赛道"
            );
            for t in &b.tracks {
                let l = t.latest.as_ref();
                println!(
                    "{:<10}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    t.name,
                    t.score,
                    l.map(|l| l.firms).unwrap_or(0),
                    l.map(|l| l.gazelle).unwrap_or(0),
                    l.map(|l| l.unicorn).unwrap_or(0),
                    t.leads_open,
                    t.leads_landed,
                    if t.gaps.is_empty() {
                        "无".into()
                    } else {
                        t.gaps.join("、")
                    }
                );
            }
            println!("未来产业培育链（领域与赛道对应待确认）：");
            for f in &b.future {
                println!("  {}：{}（{}）", f.field, f.stage, f.tracks.join("、"));
            }
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

fn filter(zone: &Zone, cfg: &LeadsConfig, f: &FilterArgs) -> Result<LeadFilter, String> {
    let event = match &f.event {
        Some(e) => Some(cfg.event(e).ok_or(format!("未知活动「{e}」"))?.id.clone()),
        None => None,
    };
    let track = match &f.track {
        Some(t) => Some(zone.track(t).ok_or(format!("未知赛道「{t}」"))?.id.clone()),
        None => None,
    };
    let park = match f.of_park.as_deref() {
        None => None,
        Some("zone") => Some(String::new()),
        Some(p) => Some(
            zone.park(p)
                .ok_or(format!("未知园区「{p}」"))?
                .id
                .to_string(),
        ),
    };
    Ok(LeadFilter {
        event,
        track,
        park,
        ..LeadFilter::default()
    })
}

/// `gaoxin leads …`.
pub async fn leads_cmd(url: &str, zone: &Zone, a: LeadsArgs) -> Res {
    let (_, cfg) = configs(zone)?;
    let scope = scope(zone, &a.park)?;
    let actor = Actor {
        username: operator(&a.by),
        scope: scope.clone(),
        may_write: true,
    };
    let store = Store::open(url).await?;
    let now = gaoxin_store::unix_now();
    let change = |action: &str| ChangeInput {
        action: action.into(),
        ..ChangeInput::default()
    };
    let res = match a.which {
        LeadsCmd::List {
            f,
            stage,
            outcome,
            stalled,
            format,
            out,
        } => {
            let mut lf = filter(zone, &cfg, &f)?;
            lf.stage = match stage {
                Some(s) => Some(cfg.stage(&s).ok_or(format!("未知阶段「{s}」"))?),
                None => None,
            };
            lf.outcome = outcome;
            lf.stalled_before = stalled.then(|| leads::today(now).to_int());
            let (rows, total) = store.leads(&scope, &lf, 0, None).await?;
            if let Some(out) = &out {
                let bytes = leads::leads_xlsx(&cfg, zone, &rows)?;
                let words = crate::export_note::scope_words(zone, &scope);
                std::fs::write(out, crate::export_note::noted(&store, &words, bytes).await)?;
                eprintln!("已写出 {}（{} 条）", out.display(), rows.len());
            }
            match format {
                Format::Json => {
                    let v: Vec<_> = rows
                        .iter()
                        .map(|l| serde_json::json!({"id": l.id, "uscc": l.uscc, "firm_name": l.firm_name, "track": l.track, "event": l.event, "park": l.park, "owner": l.owner, "stage": cfg.stage_name(l.stage), "outcome": l.outcome, "next_action": l.next_action, "next_date": l.next_date, "invest_fen": l.invest_fen}))
                        .collect();
                    println!("{}", serde_json::to_string_pretty(&v)?);
                }
                Format::Text => {
                    println!("共 {total} 条");
                    for l in &rows {
                        println!(
                            "{}\t{}\t{}\t{}\t{}\t{}",
                            l.id,
                            l.firm_name,
                            l.track,
                            cfg.stage_name(l.stage),
                            l.outcome,
                            l.next_date.map(|d| d.to_string()).unwrap_or_default()
                        );
                    }
                }
            }
            Ok(())
        }
        LeadsCmd::Import { file } => {
            let bytes = std::fs::read(&file)?;
            leads::import(&store, zone, &cfg, &actor, bytes, now)
                .await
                .map(|n| println!("已导入 {n} 条线索"))
        }
        LeadsCmd::Template { out } => {
            std::fs::write(&out, leads::template_xlsx(&cfg, zone)?)?;
            println!("已写出 {}", out.display());
            Ok(())
        }
        LeadsCmd::Pipeline { f, format, out } => {
            let lf = filter(zone, &cfg, &f)?;
            let cache = leads::PipelineCache::default();
            let v = leads::pipeline(&store, zone, &cfg, &cache, &scope, &lf, now).await?;
            if let Some(out) = &out {
                let words = crate::export_note::scope_words(zone, &scope);
                // a Chinese title (it named the command, which a reader of the file has no use for)
                let bytes = leads::pipeline_xlsx(&v, &format!("线索漏斗（{words}）"))?;
                std::fs::write(out, crate::export_note::noted(&store, &words, bytes).await)?;
            }
            print_pipeline(&v, format)?;
            Ok(())
        }
        LeadsCmd::Move { id, to, note } => {
            let c = ChangeInput {
                stage: to,
                note,
                ..change("move")
            };
            done(
                leads::change(&store, zone, &cfg, &actor, &id, &c, now).await,
                &cfg,
            )
        }
        LeadsCmd::Land {
            id,
            invest_wan,
            in_park,
            note,
        } => {
            let c = ChangeInput {
                invest_wan,
                park: in_park,
                note,
                ..change("land")
            };
            done(
                leads::change(&store, zone, &cfg, &actor, &id, &c, now).await,
                &cfg,
            )
        }
        LeadsCmd::Drop { id, reason, note } => {
            let c = ChangeInput {
                reason,
                note,
                ..change("drop")
            };
            done(
                leads::change(&store, zone, &cfg, &actor, &id, &c, now).await,
                &cfg,
            )
        }
        LeadsCmd::Note { id, text } => {
            let c = ChangeInput {
                note: text,
                ..change("note")
            };
            done(
                leads::change(&store, zone, &cfg, &actor, &id, &c, now).await,
                &cfg,
            )
        }
    };
    store.close().await;
    res.map_err(fail)?;
    Ok(ExitCode::SUCCESS)
}

fn done(r: Result<gaoxin_store::Lead, InputError>, cfg: &LeadsConfig) -> Result<(), InputError> {
    r.map(|l| {
        println!(
            "{} {}：{}（{}）",
            l.id,
            l.firm_name,
            cfg.stage_name(l.stage),
            match l.outcome.as_str() {
                "landed" => "已落地",
                "dropped" => "已放弃",
                _ => "跟进中",
            }
        )
    })
}

fn print_pipeline(
    v: &leads::PipelineView,
    format: Format,
) -> Result<(), Box<dyn std::error::Error>> {
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&v)?),
        Format::Text => {
            println!(
                "线索 {}：跟进中 {}，已落地 {}，已放弃 {}，逾期 {}；参与企业 {} 家",
                v.total, v.open, v.landed, v.dropped, v.stalled, v.firms_engaged
            );
            println!("阶段\t当前\t到达\t转化率\t停留天数中位数");
            for s in &v.stages {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    s.name,
                    s.current,
                    s.reached,
                    s.conversion_pct
                        .map(|c| format!("{c:.1}%"))
                        .unwrap_or("—".into()),
                    s.median_days.map(|d| d.to_string()).unwrap_or("—".into())
                );
            }
            for l in &v.landed_by_park {
                println!(
                    "落地 {}：{} 个，{} 万元",
                    l.park_name,
                    l.projects,
                    gaoxin_model::Money(l.invest_fen).to_decimal(gaoxin_model::Unit::WanYuan)
                );
            }
        }
    }
    Ok(())
}
