//! `gaoxin talents import|template|list|show|monitor|request` (人才, issue 19). The command line
//! acts as the zone's talent office unless `--park` narrows it to one park, as that park's
//! administrator would; every read of a personal record is in the audit trail (`cli:<user>`).
//! Thin: parse flags, one `gaoxin_app` call, print.
use crate::data::Res;
use clap::{Args, Subcommand};
use gaoxin_app::appeals::Actor;
use gaoxin_app::appeals_data::AppealsConfig;
use gaoxin_app::talent::{self, Reader, masked_id};
use gaoxin_app::talent_service::{self, ServiceConfig, ServiceFiling};
use gaoxin_app::{talent_import, talent_monitor, talent_xlsx};
use gaoxin_model::Zone;
use gaoxin_store::{Role, Scope, Store, TalentFilter};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct TalentsArgs {
    #[command(subcommand)]
    which: TalentsCmd,
    /// Act as this park's administrator (id or name): only its talents.
    #[arg(long, global = true)]
    park: Option<String>,
}

#[derive(Subcommand)]
enum TalentsCmd {
    /// Import talents from .xlsx / .csv (the template's columns): all or nothing.
    Import { file: PathBuf },
    /// Write the import template (.xlsx).
    Template { out: PathBuf },
    /// List talents (no personal fields unless --personal with --reason).
    List {
        #[arg(long)]
        field: Option<String>,
        /// 在岗 or 离开.
        #[arg(long)]
        status: Option<String>,
        /// Name or code contains.
        #[arg(long)]
        q: Option<String>,
        /// Write the list as .xlsx.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Include name, gender, birth year, nationality (needs --reason; recorded).
        #[arg(long)]
        personal: bool,
        /// Why personal fields are exported (recorded in the audit trail).
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// One talent's record (recorded as a read); --held: everything held about them and who read it.
    Show {
        code: String,
        #[arg(long)]
        held: bool,
    },
    /// Talents per park, field, track and cluster; the talent targets; density; gaps.
    Monitor {
        #[arg(long)]
        year: Option<i64>,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// File a 人才服务直通车 request for a talent (by phone or visit), run by the appeals workflow.
    Request {
        code: String,
        /// 子女入学, 配偶就业, 住房/人才公寓, 医疗, 出入境与居留, 落户, 其他.
        #[arg(long)]
        category: String,
        #[arg(long)]
        text: String,
        #[arg(long)]
        contact: String,
        /// 电话 or 走访.
        #[arg(long, default_value = "电话")]
        channel: String,
    },
}

fn scope(zone: &Zone, park: &Option<String>) -> Result<Scope, String> {
    match park {
        None => Ok(Scope::Zone),
        Some(p) => zone
            .park(p)
            .map(|p| Scope::Park(p.id.clone()))
            .ok_or_else(|| format!("未知园区「{p}」")),
    }
}

fn print_talent(zone: &Zone, t: &gaoxin_store::Talent) {
    let park = zone
        .park(&t.park)
        .map(|p| p.name.as_str())
        .unwrap_or(&t.park);
    println!("人才编号\t{}", t.code);
    println!(
        "姓名\t{}（{}，{}年生，{}）",
        t.name, t.gender, t.birth_year, t.nationality
    );
    if t.id_tail.is_some() {
        println!("身份证号码\t{}", masked_id(t));
    }
    println!("学历/领域/职称\t{} / {} / {}", t.degree, t.field, t.title);
    println!(
        "工作单位\t{}（{}）{}",
        t.employer_name,
        t.employer_kind,
        t.employer_uscc
            .as_deref()
            .map(|u| format!(" {u}"))
            .unwrap_or_default()
    );
    println!("园区\t{park}");
    if let Some(team) = &t.team {
        println!(
            "团队\t{team}（{}）{}",
            t.team_role.as_deref().unwrap_or(""),
            if t.top_team {
                "，顶尖人才（团队）"
            } else {
                ""
            }
        );
    }
    println!("英才卡\t{}", t.card_level.as_deref().unwrap_or("无"));
    println!(
        "引进年份/状态\t{} / {}{}",
        t.arrival_year,
        t.status,
        t.left_year
            .map(|y| format!("（{y}年离开）"))
            .unwrap_or_default()
    );
    for p in &t.programmes {
        println!(
            "入选计划\t{}（{}，{}年；来源：{}）",
            p.programme, p.level, p.year, p.source
        );
    }
    println!("来源\t{}", t.source);
}

pub async fn run(url: &str, zone: &Zone, a: TalentsArgs) -> Res {
    let cfg = ServiceConfig::load()?;
    let scope = scope(zone, &a.park)?;
    let reader = Reader::cli(scope.clone());
    let store = Store::open(url).await?;
    let now = gaoxin_store::unix_now();
    match a.which {
        TalentsCmd::Template { out } => {
            std::fs::write(&out, talent_xlsx::template(zone, &cfg)?)?;
            eprintln!("已写出 {}", out.display());
        }
        TalentsCmd::Import { file } => {
            let bytes =
                std::fs::read(&file).map_err(|e| format!("无法读取 {}：{e}", file.display()))?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            match talent_import::import(&store, zone, &cfg, &reader, bytes, &name, now).await? {
                Ok(r) => println!(
                    "已导入 {} 名人才（{} 项入选计划；更新已有 {} 名）",
                    r.talents, r.programmes, r.replaced
                ),
                Err(errs) => {
                    for e in &errs {
                        eprintln!("{e}");
                    }
                    eprintln!("共 {} 处错误，未写入任何数据", errs.len());
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
        TalentsCmd::List {
            field,
            status,
            q,
            out,
            personal,
            reason,
        } => {
            let f = TalentFilter {
                field,
                status,
                q,
                ..TalentFilter::default()
            };
            if let Some(out) = &out {
                let bytes = talent_xlsx::export(&store, &reader, &f, personal, &reason).await?;
                let words = crate::export_note::scope_words(zone, &scope);
                std::fs::write(out, crate::export_note::noted(&store, &words, bytes).await)?;
                eprintln!("已写出 {}", out.display());
            }
            let rows = talent::list(&store, &reader, &f).await?;
            println!("人才编号\t领域\t最高学历\t工作单位\t园区\t引进年份\t状态\t英才卡");
            for t in &rows {
                let park = zone
                    .park(&t.park)
                    .map(|p| p.name.as_str())
                    .unwrap_or(&t.park);
                println!(
                    "{}\t{}\t{}\t{}\t{park}\t{}\t{}\t{}",
                    t.code,
                    t.field,
                    t.degree,
                    t.employer_name,
                    t.arrival_year,
                    t.status,
                    t.card_level.as_deref().unwrap_or("无")
                );
            }
            eprintln!("共 {} 名", rows.len());
        }
        TalentsCmd::Show { code, held } => {
            if held {
                let h = talent::held(&store, &reader, &code).await?;
                print_talent(zone, &h.talent);
                for r in &h.requests {
                    println!("服务诉求\t#{}（{}）", r.appeal_id, r.service);
                }
                for e in &h.accesses {
                    println!(
                        "查阅记录\t{}\t{}\t{}",
                        gaoxin_model::present::datetime(e.at_us / 1_000_000),
                        e.event.actor,
                        e.event.action
                    );
                }
            } else {
                print_talent(zone, &talent::show(&store, &reader, &code).await?);
            }
        }
        TalentsCmd::Monitor { year, out } => {
            let m = talent_monitor::monitor(&store, zone, &scope, year).await?;
            if let Some(out) = &out {
                let bytes = talent_monitor::xlsx(&m)?;
                let words = crate::export_note::scope_words(zone, &scope);
                std::fs::write(out, crate::export_note::noted(&store, &words, bytes).await)?;
                eprintln!("已写出 {}", out.display());
            }
            println!("{}", serde_json::to_string_pretty(&m)?);
        }
        TalentsCmd::Request {
            code,
            category,
            text,
            contact,
            channel,
        } => {
            let appeals = AppealsConfig::load()?;
            let role = match &scope {
                Scope::Park(p) => Role::ParkAdmin(p.clone()),
                _ => Role::ZoneAdmin,
            };
            let actor = Actor::user(&gaoxin_app::audit::Who::cli().actor, &role);
            let f = ServiceFiling {
                talent_code: code,
                category,
                description: text,
                contact,
                channel,
            };
            let id = talent_service::file(&store, &appeals, &cfg, &actor, &f, now).await?;
            println!("已登记人才服务诉求 #{id}（`gaoxin appeals show {id}` 查看办理进度）");
        }
    }
    Ok(ExitCode::SUCCESS)
}
