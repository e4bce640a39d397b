//! `gaoxin audit` (the audit trail: list with filters, as a table or JSON lines) and [`note`], the
//! one call by which a command records the change it made.
use gaoxin_app::audit::{self, Who};
use gaoxin_store::Store;

/// Records that the command line (`cli:<os user>`) did `action` to `subject`; a failure is an
/// error of the command (the change is made, its entry is not: the operator must know).
pub async fn note(
    store: &Store,
    action: &str,
    park: Option<&str>,
    subject: &str,
    detail: serde_json::Value,
) -> Result<(), gaoxin_store::Error> {
    audit::record(store, &Who::cli(), action, park, subject, detail).await
}

/// 16 random hex digits (a throwaway password's tail).
pub fn random_hex() -> String {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).expect("the operating system's random source");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[derive(clap::Args)]
pub struct AuditArgs {
    /// Only entries by this actor (a user name, `system`, `cli:<os user>`, a bank's name).
    #[arg(long)]
    pub actor: Option<String>,
    /// Only this action, or a family of them (`appeal` matches `appeal.transition` …).
    #[arg(long)]
    pub action: Option<String>,
    /// Only records of this park (id or name).
    #[arg(long)]
    pub park: Option<String>,
    /// Only entries about this record (a credit code, an appeal id, a user name …).
    #[arg(long)]
    pub subject: Option<String>,
    /// From this day on (Beijing time), e.g. 2026-12-01.
    #[arg(long)]
    pub since: Option<String>,
    /// Up to and including this day (Beijing time).
    #[arg(long)]
    pub until: Option<String>,
    /// `table` (default) or `json` (one JSON object a line, the stored entry as it is).
    #[arg(long, default_value = "table")]
    pub format: String,
    /// At most this many entries (newest first).
    #[arg(long, default_value_t = 1000)]
    pub limit: i64,
}

pub async fn audit(
    url: &str,
    zone: &gaoxin_model::Zone,
    a: AuditArgs,
) -> Result<std::process::ExitCode, Box<dyn std::error::Error>> {
    use gaoxin_app::audit_view::{self, AuditQuery};
    if a.format != "table" && a.format != "json" {
        return Err(format!("--format 只能是 table 或 json（收到「{}」）", a.format).into());
    }
    let q = AuditQuery {
        actor: a.actor.unwrap_or_default(),
        action: a.action.unwrap_or_default(),
        park: a.park.unwrap_or_default(),
        subject: a.subject.unwrap_or_default(),
        since: a.since.unwrap_or_default(),
        until: a.until.unwrap_or_default(),
        page: None,
    };
    let f = audit_view::filter(zone, &q)?;
    let store = Store::open(url).await?;
    let es = store
        .audit_entries(&gaoxin_store::Scope::Zone, &f, a.limit.max(0), 0)
        .await;
    store.close().await;
    let es = es?;
    if a.format == "json" {
        for e in &es {
            let detail: serde_json::Value =
                serde_json::from_str(&e.event.detail).unwrap_or(e.event.detail.clone().into());
            let line = serde_json::json!({
                "id": e.id, "at_us": e.at_us, "actor": e.event.actor, "role": e.event.role,
                "action": e.event.action, "park": e.event.park, "subject": e.event.subject,
                "detail": detail,
            });
            println!("{line}");
        }
    } else {
        println!("时间（北京时间）\t操作人\t身份\t操作\t园区\t对象\t内容");
        for r in audit_view::rows(zone, &es) {
            println!(
                "{}\t{}\t{}\t{}（{}）\t{}\t{}\t{}",
                r.when,
                r.actor,
                r.role,
                r.action_zh,
                r.action,
                if r.park.is_empty() { "全区" } else { &r.park },
                r.subject,
                r.detail.join("；")
            );
        }
        eprintln!("共 {} 条", es.len());
    }
    Ok(std::process::ExitCode::SUCCESS)
}
