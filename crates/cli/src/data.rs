//! Data commands: demo, import, export, template, summary.
use crate::progress::Bar;
use clap::Args;
use gaoxin_demo::DemoConfig;
use gaoxin_ingest::{ExportFormat, ImportOptions};
use gaoxin_model::Zone;
use gaoxin_store::{Scope, Store};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub type Res = Result<ExitCode, Box<dyn std::error::Error>>;

/// The reference data shipped with this build, used when the default file is not found
/// (e.g. the binary runs outside the repository).
const SHIPPED_ZONE: &str = include_str!("../../../data/reference/zone.toml");

pub fn load_zone(path: &Path, explicit: bool) -> Result<Zone, Box<dyn std::error::Error>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(_) if !explicit => SHIPPED_ZONE.to_string(),
        Err(e) => return Err(format!("无法读取参考数据 {}：{e}", path.display()).into()),
    };
    Ok(Zone::parse(&text).map_err(|e| format!("{}：{e}", path.display()))?)
}

#[derive(Args)]
pub struct DemoArgs {
    /// Number of firms in the synthetic zone.
    #[arg(long, default_value_t = 30_000)]
    pub enterprises: usize,
    /// Years of the panel, FIRST-LAST.
    #[arg(long, default_value = "2019-2024")]
    pub years: String,
    /// Random seed (same seed, same zone).
    #[arg(long, default_value_t = 20_221_229)]
    pub seed: u64,
}

impl DemoArgs {
    pub fn config(&self) -> Result<DemoConfig, String> {
        let (a, b) = self
            .years
            .split_once('-')
            .ok_or("--years 应写成 2019-2024")?;
        let (first_year, last_year) = (
            a.trim().parse().map_err(|_| "--years 起始年份无效")?,
            b.trim().parse().map_err(|_| "--years 结束年份无效")?,
        );
        if first_year > last_year || first_year < 1990 {
            return Err("--years 范围无效".into());
        }
        if self.enterprises == 0 {
            return Err("--enterprises 至少为1".into());
        }
        Ok(DemoConfig {
            enterprises: self.enterprises,
            first_year,
            last_year,
            seed: self.seed,
        })
    }
}

/// Replaces the panel with a generated demo zone and labels the data as synthetic.
pub async fn load_demo(
    store: &Store,
    zone: &Zone,
    cfg: &DemoConfig,
) -> Result<(usize, usize), Box<dyn std::error::Error>> {
    let demo = gaoxin_demo::generate(zone, cfg);
    store.clear_panel().await?;
    let mut tx = store.begin_import().await?;
    let mut bar = Bar::new("载入演示数据");
    let total = demo.facts.len() as u64;
    tx.write_enterprises(&demo.enterprises).await?;
    for (i, chunk) in demo.facts.chunks(5_000).enumerate() {
        tx.write_facts(chunk).await?;
        bar.update(
            ((i + 1) * 5_000) as u64,
            total,
            ((i + 1) * 5_000).min(demo.facts.len()) as u64,
        );
    }
    tx.commit().await?;
    gaoxin_app::cluster_links::store_demo_links(store, &demo, cfg.seed).await?;
    bar.finish();
    let label = format!(
        "合成演示数据（gaoxin demo --enterprises {} --years {}-{} --seed {}），非真实企业数据",
        cfg.enterprises, cfg.first_year, cfg.last_year, cfg.seed
    );
    store.set_meta("demo", &label).await?;
    gaoxin_app::appeals_demo::load(
        store,
        &demo.enterprises,
        300,
        cfg.seed,
        gaoxin_app::appeals_data::china_date(gaoxin_store::unix_now() - 86_400),
    )
    .await?;
    let last = gaoxin_model::Year::new(cfg.last_year)?;
    gaoxin_app::finance_demo::load(
        store,
        zone,
        &demo.enterprises,
        cfg.seed,
        last,
        gaoxin_store::unix_now(),
    )
    .await?;
    gaoxin_app::leads::load_demo(
        store,
        zone,
        &demo.enterprises,
        cfg.seed,
        gaoxin_store::unix_now(),
    )
    .await?;
    gaoxin_app::talent_demo::load(
        store,
        zone,
        &demo.enterprises,
        cfg.seed,
        i64::from(cfg.last_year),
        gaoxin_store::unix_now(),
    )
    .await?;
    gaoxin_app::payout_demo::load(
        store,
        last,
        cfg.seed,
        gaoxin_app::appeals_data::china_date(gaoxin_store::unix_now()),
    )
    .await?;
    gaoxin_app::tech_demo::load(
        store,
        &demo.enterprises,
        cfg.seed,
        3_000,
        2_000,
        gaoxin_store::unix_now(),
    )
    .await?;
    gaoxin_app::rdi_demo::load(
        store,
        zone,
        &demo.enterprises,
        cfg.seed,
        cfg.first_year,
        cfg.last_year,
    )
    .await?;
    gaoxin_app::carrier_demo::load(
        store,
        zone,
        &demo.enterprises,
        cfg.seed,
        cfg.first_year,
        cfg.last_year,
    )
    .await?;
    store
        .set_meta(
            gaoxin_store::DATA_UPDATED_AT,
            &gaoxin_store::unix_now().to_string(),
        )
        .await?;
    Ok((demo.enterprises.len(), demo.facts.len()))
}

pub async fn demo(url: &str, zone: &Zone, a: DemoArgs) -> Res {
    let cfg = a.config()?;
    let store = Store::open(url).await?;
    let t = std::time::Instant::now();
    let (firms, rows) = load_demo(&store, zone, &cfg).await?;
    store.close().await;
    eprintln!(
        "已生成并载入演示园区：{firms} 家企业、{rows} 条企业年度数据（{:.1} 秒），数据库 {}",
        t.elapsed().as_secs_f64(),
        gaoxin_store::masked_url(url)
    );
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct ImportArgs {
    /// The file: .xlsx, or .csv in UTF-8 (with or without BOM) or GBK.
    pub file: PathBuf,
    /// Accept only rows of this park (id or name) and only firms stored in it (or new ones),
    /// as a park administrator's upload would. Without it (a zone administrator), a row that
    /// puts a stored firm in another park moves it: recorded and listed in the report.
    #[arg(long)]
    pub park: Option<String>,
    /// Where to write the report (.xlsx: errors, warnings, changes) when the file has errors or
    /// warnings, or changes more than the terminal lists
    /// [default: next to the file, NAME_错误报告.xlsx or NAME_导入报告.xlsx].
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Write the file even though it has warnings (values more likely a unit mistake than a
    /// fact, e.g. revenue per employee above 1亿元), after checking them.
    #[arg(long)]
    pub accept_warnings: bool,
    /// Who imports, recorded with any park move [default: $USER].
    #[arg(long)]
    pub by: Option<String>,
    /// What the file holds: panel (enterprise-year data, the default), or 科技成果转化's results,
    /// demands or experts (experts and technology brokers).
    #[arg(long, default_value = "panel")]
    pub kind: String,
}

/// The operator's name for the record: `--by`, else `$USER`, else `命令行`.
fn operator(by: &Option<String>) -> String {
    by.clone()
        .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
        .map(|u| format!("{u}（命令行）"))
        .unwrap_or_else(|| "命令行".into())
}

/// How many changes and warnings the terminal lists (all are in the .xlsx report).
const LISTED: usize = 50;

/// A `--park` flag (a park's id or name) as the park's id; an unknown park is an error.
pub(crate) fn park_flag(
    zone: &Zone,
    park: Option<&str>,
) -> Result<Option<gaoxin_model::ParkId>, String> {
    park.map(|p| {
        zone.park(p)
            .map(|x| x.id.clone())
            .ok_or_else(|| format!("园区「{p}」不存在"))
    })
    .transpose()
}

pub async fn import(url: &str, zone: &Zone, a: ImportArgs) -> Res {
    let only_park = park_flag(zone, a.park.as_deref())?;
    let store = Store::open(url).await?;
    let mut bar = Bar::new("导入");
    let t = std::time::Instant::now();
    let opts = ImportOptions {
        only_park,
        accept_warnings: a.accept_warnings,
        actor: operator(&a.by),
        file_name: a
            .file
            .file_name()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default(),
        role: "cli".into(),
        job: String::new(),
    };
    let report = gaoxin_ingest::import_path(&store, zone, &a.file, &opts, &mut |p| {
        bar.update(p.bytes, p.total_bytes, p.rows)
    })
    .await?;
    bar.finish();
    if report.ok() {
        // real data now: the demo accounts' published passwords must stop working
        let retired = gaoxin_app::accounts::retire_demo_accounts(&store, false).await?;
        if !retired.is_empty() {
            eprintln!("已停用演示账号 {}（库中已有真实数据）", retired.join("、"));
        }
    }
    store.close().await;
    for c in &report.ignored_columns {
        eprintln!("提示：未识别的列「{c}」已忽略");
    }
    for n in &report.notices {
        eprintln!("提示：{n}");
    }
    let report_path = |kind: &str| {
        a.report.clone().unwrap_or_else(|| {
            let stem = a
                .file
                .file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_else(|| "import".into());
            a.file.with_file_name(format!("{stem}_{kind}.xlsx"))
        })
    };
    let write_report = |path: PathBuf| match std::fs::write(&path, report.to_xlsx()) {
        Ok(()) => eprintln!("导入报告已写入 {}", path.display()),
        Err(e) => eprintln!("无法写入导入报告 {}：{e}", path.display()),
    };
    for w in report.warnings.iter().take(LISTED) {
        eprintln!("警告：{w}");
    }
    if report.warnings.len() > LISTED {
        eprintln!(
            "……其余{}处警告见导入报告",
            report.warning_count - LISTED as u64
        );
    }
    if report.ok() {
        if !report.changes.is_empty() {
            println!("变更明细（原值 → 新值）：");
        }
        for c in report.changes.iter().take(LISTED) {
            println!("  {c}");
        }
        let all = report.counts.map(|c| c.fields_changed).unwrap_or(0);
        if all as usize > LISTED.min(report.changes.len()) {
            println!("  ……共变更{all}处，全部见导入报告");
            write_report(report_path("导入报告"));
        }
        println!(
            "{}（{:.1} 秒）",
            report.summary_zh(),
            t.elapsed().as_secs_f64()
        );
        return Ok(ExitCode::SUCCESS);
    }
    for e in report.errors.iter().take(LISTED) {
        eprintln!("{e}");
    }
    if report
        .errors
        .iter()
        .any(|e| e.message == gaoxin_ingest::validate::MISSING_COLUMN)
    {
        eprintln!("导入模板：gaoxin template > 企业年度数据模板.xlsx");
    }
    if report.errors.len() > LISTED {
        eprintln!(
            "……其余{}处错误见错误报告",
            report.error_count - LISTED as u64
        );
    }
    write_report(report_path(if report.needs_confirmation {
        "导入报告"
    } else {
        "错误报告"
    }));
    eprintln!("{}", report.summary_zh());
    Ok(ExitCode::from(1))
}

#[derive(Args)]
pub struct MoveParkArgs {
    /// The firm's 统一社会信用代码.
    pub code: String,
    /// The park it moves to (id or name).
    #[arg(long)]
    pub to: String,
    /// Why (recorded with the move; required).
    #[arg(long)]
    pub reason: String,
    /// Who moves it, recorded with the move [default: $USER].
    #[arg(long)]
    pub by: Option<String>,
}

/// A zone administrator's audited move of a firm to another park.
pub async fn move_park(url: &str, zone: &Zone, a: MoveParkArgs) -> Res {
    let uscc = gaoxin_model::Uscc::parse(a.code.trim())
        .map_err(|e| format!("统一社会信用代码「{}」{e}", a.code.trim()))?;
    let to = zone
        .park(a.to.trim())
        .ok_or_else(|| format!("园区「{}」不存在", a.to.trim()))?;
    let store = Store::open(url).await?;
    let res = store
        .move_park(&uscc, &to.id, &operator(&a.by), &a.reason)
        .await?;
    if let Ok(m) = &res {
        let detail = serde_json::json!({"from": m.from_park.as_str(), "to": m.to_park.as_str(), "reason": a.reason});
        crate::audit_cmd::note(
            &store,
            "firm.move_park",
            Some(m.to_park.as_str()),
            m.uscc.as_str(),
            detail,
        )
        .await?;
    }
    store.close().await;
    match res {
        Ok(m) => {
            let name = |id: &gaoxin_model::ParkId| {
                zone.park(id)
                    .map(|p| p.name.clone())
                    .unwrap_or(id.to_string())
            };
            println!(
                "已将企业{}从「{}」移至「{}」，已记入园区变更记录（操作人：{}；原因：{}）",
                m.uscc,
                name(&m.from_park),
                name(&m.to_park),
                m.actor,
                m.reason
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("未变更：{e}");
            Ok(ExitCode::from(1))
        }
    }
}

#[derive(Args)]
pub struct ExportArgs {
    /// xlsx or csv [default: from --out's extension, else csv].
    #[arg(long)]
    pub format: Option<String>,
    /// Output file [default: standard output].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Only this park (id or name).
    #[arg(long)]
    pub park: Option<String>,
    /// Only this year.
    #[arg(long, value_parser = gaoxin_model::Year::parse)]
    pub year: Option<gaoxin_model::Year>,
}

pub async fn export(url: &str, zone: &Zone, a: ExportArgs) -> Res {
    let format = match (&a.format, &a.out) {
        (Some(f), _) => ExportFormat::parse(f)
            .ok_or_else(|| format!("--format 应为 xlsx 或 csv，而不是「{f}」"))?,
        (None, Some(p))
            if p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("xlsx")) =>
        {
            ExportFormat::Xlsx
        }
        _ => ExportFormat::Csv,
    };
    let park = park_flag(zone, a.park.as_deref())?;
    let store = Store::open(url).await?;
    let mut out: Box<dyn Write + Send> = match &a.out {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).map_err(|e| format!("无法创建 {}：{e}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    };
    // an xlsx is finished in memory first, so that it gets its 「说明」 sheet (data sheets unchanged)
    let mut buf = Vec::new();
    let sink: &mut (dyn Write + Send) = match format {
        ExportFormat::Xlsx => &mut buf,
        _ => &mut out,
    };
    let n = gaoxin_ingest::export(
        &store,
        zone,
        &Scope::Zone,
        park.as_ref(),
        a.year,
        format,
        sink,
    )
    .await?;
    if matches!(format, ExportFormat::Xlsx) {
        let words = match &park {
            Some(p) => crate::export_note::scope_words(zone, &Scope::Park(p.clone())),
            None => crate::export_note::ZONE.to_string(),
        };
        out.write_all(&crate::export_note::noted(&store, &words, buf).await)?;
    }
    out.flush()?;
    store.close().await;
    eprintln!("已导出 {n} 行");
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct TemplateArgs {
    /// Output file [default: standard output, e.g. `gaoxin template > 企业年度数据模板.xlsx`].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Which template: panel (the default), or results, demands, experts (`tech_cmd`).
    #[arg(long, default_value = "panel")]
    pub kind: String,
}

pub fn template(zone: &Zone, a: TemplateArgs) -> Res {
    let bytes = gaoxin_ingest::template_xlsx(zone);
    match a.out {
        Some(p) => {
            std::fs::write(&p, bytes).map_err(|e| format!("无法写入 {}：{e}", p.display()))?
        }
        None => std::io::stdout().write_all(&bytes)?,
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn summary(url: &str) -> Res {
    let store = Store::open(url).await?;
    let s = store.summary(&Scope::Zone).await?;
    let v = serde_json::json!({
        "database": gaoxin_store::masked_url(url),
        "demo": s.demo,
        "enterprises": s.firms,
        "parks": s.parks.iter().map(|p| serde_json::json!({"park": p.id, "enterprises": p.firms})).collect::<Vec<_>>(),
        "years": s.years.iter().map(|y| serde_json::json!({
            "year": y.year, "enterprises": y.firms,
            "revenue_yuan": y.revenue / 100, "rd_expense_yuan": y.rd_expense / 100,
        })).collect::<Vec<_>>(),
    });
    println!("{}", serde_json::to_string_pretty(&v)?);
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
