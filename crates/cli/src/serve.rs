//! `gaoxin serve` and `gaoxin user …`: the web platform and its accounts.
use crate::data::{DemoArgs, Res, load_demo};
use clap::{Args, Subcommand};
use gaoxin_app::accounts;
use gaoxin_model::Zone;
use gaoxin_store::{Role, Scope, Store};
use std::io::BufRead;
use std::process::ExitCode;

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Do not load the demo zone into an empty database.
    #[arg(long)]
    pub no_demo: bool,
    /// Production: never load the demo zone, disable (not delete) the demo accounts and refuse to
    /// start while any enabled account still has a published demo password. The same happens
    /// without this flag as soon as real (imported, non-synthetic) firms are stored.
    #[arg(long)]
    pub production: bool,
    /// The demo zone loaded into an empty database.
    #[command(flatten)]
    pub demo: DemoArgs,
}

/// Installs the log subscriber of `gaoxin serve`: one line per request (see `gaoxin_web`'s
/// request log) and every server error with its cause, on standard error. `GAOXIN_LOG` sets the
/// level (`error`, `warn`, `info` — the default — `debug`, `trace`).
pub(crate) fn install_log() {
    let level = match std::env::var("GAOXIN_LOG").as_deref() {
        Ok("error") => tracing::Level::ERROR,
        Ok("warn") => tracing::Level::WARN,
        Ok("debug") => tracing::Level::DEBUG,
        Ok("trace") => tracing::Level::TRACE,
        _ => tracing::Level::INFO,
    };
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

pub async fn serve(url: &str, zone: Zone, a: ServeArgs) -> Res {
    install_log();
    let store = Store::open(url).await?;
    if !a.no_demo && !a.production && store.summary(&Scope::Zone).await?.firms == 0 {
        let cfg = a.demo.config()?;
        eprintln!(
            "数据库为空：正在生成并载入 {} 家企业的演示园区（合成数据）……",
            cfg.enterprises
        );
        let t = std::time::Instant::now();
        let (firms, rows) = load_demo(&store, &zone, &cfg).await?;
        eprintln!(
            "已载入 {firms} 家企业、{rows} 条企业年度数据（{:.1} 秒）",
            t.elapsed().as_secs_f64()
        );
    }
    let retired = accounts::retire_demo_accounts(&store, a.production).await?;
    if !retired.is_empty() {
        eprintln!(
            "已停用演示账号 {}（库中已有真实数据或为生产模式；账号未删除）",
            retired.join("、")
        );
    }
    let accounts = if a.production {
        vec![]
    } else {
        accounts::ensure_demo_accounts(&store, &zone).await?
    };
    let exposed = accounts::accounts_with_published_passwords(&store, a.production).await?;
    if !exposed.is_empty() {
        store.close().await;
        return Err(accounts::published_password_refusal(&exposed).into());
    }
    let url_shown = gaoxin_store::masked_url(url);
    let kept = store.clone();
    gaoxin_web::serve(store, zone, &a.bind, move |addr| {
        println!("gaoxin 已启动：http://{addr}/   （数据库 {url_shown}；健康检查 /healthz；按 Ctrl-C 停止）");
        if !accounts.is_empty() {
            println!("演示账号（仅限演示数据，请勿用于真实数据）：");
            for (user, pw, role) in &accounts {
                println!("  {user:<22} 密码 {pw:<22} {role}");
            }
        }
    })
    .await?;
    // a normal stop (Ctrl-C, SIGTERM): fold the SQLite WAL into the database and truncate it
    if let Err(e) = kept.checkpoint().await {
        eprintln!("停止时未能合并 SQLite 预写日志（数据未丢失，下次启动时合并）：{e}");
    }
    kept.close().await;
    eprintln!("gaoxin 已停止");
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct UserArgs {
    #[command(subcommand)]
    cmd: UserCmd,
}

#[derive(Subcommand)]
enum UserCmd {
    /// Create an account. The password is read from --password or, if absent, from the first line of standard input
    /// (at least 12 characters, not the username, not a common password).
    Add {
        username: String,
        /// zone_admin, zone_analyst (read-only), park_admin, enterprise, department or university.
        #[arg(long)]
        role: String,
        /// For park_admin: the park (id or name).
        #[arg(long)]
        park: Option<String>,
        /// For enterprise: the firm's unified social credit code.
        #[arg(long)]
        uscc: Option<String>,
        /// For department (部门用户): the department id of data/appeals/routing.toml (e.g. keji).
        #[arg(long)]
        department: Option<String>,
        /// For university (高校/院所用户): its 完成单位 as the research results name it (e.g. 东南大学).
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        password: Option<String>,
    },
    /// List accounts.
    List,
    /// Disable an account (it can no longer sign in).
    Disable { username: String },
    /// Set a new password (and lift a lock-out); the user must choose their own at the next sign-in. Reads it like `add`.
    ResetPassword {
        username: String,
        #[arg(long)]
        password: Option<String>,
    },
}

fn password_or_stdin(p: Option<String>) -> Result<String, String> {
    match p {
        Some(p) => Ok(p),
        None => {
            eprintln!("请输入密码（一行）：");
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| e.to_string())?;
            Ok(line.trim_end_matches(['\r', '\n']).to_string())
        }
    }
}

pub async fn user(url: &str, zone: &Zone, a: UserArgs) -> Res {
    let store = Store::open(url).await?;
    match a.cmd {
        UserCmd::Add {
            username,
            role,
            park,
            uscc,
            department,
            unit,
            password,
        } => {
            let park = match park {
                Some(p) => Some(
                    zone.park(&p)
                        .ok_or_else(|| format!("园区「{p}」不存在"))?
                        .id
                        .clone(),
                ),
                None => None,
            };
            let role = Role::from_parts_unit(
                &role,
                park.as_ref().map(|p| p.as_str()),
                uscc.as_deref(),
                department.as_deref(),
                unit.as_deref(),
            )?;
            let pw = password_or_stdin(password)?;
            accounts::add_user(&store, zone, &username, &pw, role.clone()).await?;
            let detail = serde_json::json!({"role": role.key(), "park": role.park().map(|p| p.as_str().to_string()), "uscc": role.uscc().map(|u| u.as_str().to_string()), "unit": role.unit()});
            let park = role.park().map(|p| p.as_str().to_string());
            crate::audit_cmd::note(&store, "user.create", park.as_deref(), &username, detail)
                .await?;
            println!("已创建账号 {username}（{}）", role.zh());
        }
        UserCmd::List => {
            for u in accounts::list_users(&store).await? {
                let what = match &u.role {
                    Role::ParkAdmin(p) => zone
                        .park(p)
                        .map(|x| x.name.clone())
                        .unwrap_or_else(|| p.to_string()),
                    Role::Enterprise(c) => c.to_string(),
                    Role::University(u) => u.clone(),
                    _ => String::new(),
                };
                println!(
                    "{:<24} {:<16} {:<24} {}",
                    u.username,
                    u.role.zh(),
                    what,
                    if u.disabled { "已停用" } else { "正常" }
                );
            }
        }
        UserCmd::Disable { username } => {
            accounts::disable_user(&store, &username).await?;
            crate::audit_cmd::note(
                &store,
                "user.disable",
                None,
                &username,
                serde_json::json!({}),
            )
            .await?;
            println!("已停用账号 {username}");
        }
        UserCmd::ResetPassword { username, password } => {
            let pw = password_or_stdin(password)?;
            accounts::reset_password(&store, &username, &pw).await?;
            crate::audit_cmd::note(
                &store,
                "user.reset_password",
                None,
                &username,
                serde_json::json!({}),
            )
            .await?;
            println!("已重设账号 {username} 的密码（该用户下次登录时须设置自己的新密码）");
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
