//! The indicator engine as the platform runs it: load the panel from the store (with the caller's
//! scope), call the pure engine (`gaoxin_index::report`), store versioned runs, and build the
//! annual evaluation report as .xlsx. The CLI (`gaoxin rank | points | targets`) and the web pages
//! call these same functions, so both always show the same numbers.
//!
//! Schemes are found by [`crate::data_files::SCHEMES`]: `$GAOXIN_SCHEMES`, else `data/schemes` in
//! the working directory, so analysts can edit UNCONFIRMED weights without a rebuild; a scheme the
//! directory does not hold (or no directory) is the copy shipped with the binary. The scheme version is recorded in every run.
use crate::data_files;
use crate::runs::{RunKind, decode_summary, new_id, now};
use gaoxin_index::panel::{self, Measures};
use gaoxin_index::park::ParkScheme;
use gaoxin_index::points::PointsScheme;
use gaoxin_index::report::{
    self, FirmKey, FirmPoints, ParkOptions, ParkReport, PointsReport, TargetView,
};
use gaoxin_model::{Enterprise, Facts, Year, Zone};
use gaoxin_store::{PointsRow, RunRecord, Scope, Store};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use std::collections::BTreeMap;

const PARK_FILE: &str = "park-evaluation-2021.toml";
const POINTS_FILE: &str = "innovation-points-2024.toml";

pub use crate::error::EvalError;

fn scheme_text(file: &str) -> Result<(String, String), EvalError> {
    data_files::SCHEMES
        .file(file)
        .map(|f| (f.text, f.path.display().to_string()))
        .ok_or_else(|| EvalError::Engine(format!("找不到指标方案文件 {file}")))
}

/// The park-evaluation scheme (see the module docs for where it is read from).
pub fn park_scheme() -> Result<ParkScheme, EvalError> {
    let (t, f) = scheme_text(PARK_FILE)?;
    Ok(ParkScheme::from_toml_str(&t, &f)?)
}

/// The innovation-points scheme.
pub fn points_scheme() -> Result<PointsScheme, EvalError> {
    let (t, f) = scheme_text(POINTS_FILE)?;
    Ok(PointsScheme::from_toml_str(&t, &f)?)
}

/// The notice every page, export and API response showing innovation points carries (the
/// scheme's `notice`: its indicators are placeholders). Read from the scheme in use; when that
/// file does not load, from the copy compiled into the binary.
pub fn points_notice() -> Option<String> {
    match points_scheme() {
        Ok(s) => s.notice,
        Err(_) => data_files::SCHEMES
            .shipped_text(POINTS_FILE)
            .and_then(|t| PointsScheme::from_toml_str(t, POINTS_FILE).ok())
            .and_then(|s| s.notice),
    }
}

async fn park_inputs_map(
    store: &Store,
    year: Year,
) -> Result<BTreeMap<(String, String), f64>, EvalError> {
    Ok(store
        .park_inputs(&Scope::Zone, year)
        .await?
        .into_iter()
        .map(|p| ((p.park, p.indicator), p.value))
        .collect())
}

/// Evaluates the zone's parks for `year` (zone data: this is an administrator's or the CLI's
/// action), compares with last year's stored run (or last year's nominal evaluation when none was
/// stored), stores the run and returns it.
pub async fn run_park_evaluation(
    store: &Store,
    year: Year,
    mc: usize,
) -> Result<(ParkReport, RunRecord), EvalError> {
    let t = std::time::Instant::now();
    let scheme = park_scheme()?;
    let (es, fs) = store
        .panel(&Scope::Zone, Some((year.back(2), year)))
        .await?;
    tracing::debug!(target: "gaoxin::timing", "park evaluation {year}: scheme and panel read ({} firm-years) in {:?}", fs.len(), t.elapsed());
    let t = std::time::Instant::now();
    let (typed, year) = (year, year.get());
    if !fs.iter().any(|f| f.year.get() == year) {
        return Err(EvalError::NoData(format!(
            "{year} 年没有企业数据，无法评价"
        )));
    }
    let rows = panel::firm_columns_with_previous(&es, &fs, typed);
    let inputs = park_inputs_map(store, typed).await?;
    let stored_prev = match typed.prev() {
        Some(p) => match store
            .latest_run(&Scope::Zone, RunKind::ParkEvaluation, p)
            .await?
        {
            Some(r) => Some(decode_summary::<ParkReport>(&r)?),
            None => None,
        },
        None => None,
    };
    let prev = match (stored_prev, typed.prev()) {
        (Some(p), _) => Some(p),
        (None, Some(py)) if fs.iter().any(|f| f.year == py) => {
            let prev_rows = panel::firm_columns_with_previous(&es, &fs, py);
            let prev_inputs = park_inputs_map(store, py).await?;
            report::park_report_columns(
                &scheme,
                &prev_rows,
                py,
                &prev_inputs,
                None,
                &ParkOptions {
                    mc: 0,
                    ..ParkOptions::default()
                },
            )
            .ok()
        }
        (None, _) => None,
    };
    tracing::debug!(target: "gaoxin::timing", "park evaluation {year}: firm rows, inputs and last year in {:?}", t.elapsed());
    let t = std::time::Instant::now();
    let opts = ParkOptions {
        mc,
        ..ParkOptions::default()
    };
    let rep = tokio::task::block_in_place(|| {
        report::park_report_columns(&scheme, &rows, typed, &inputs, prev.as_ref(), &opts)
    })?;
    tracing::debug!(target: "gaoxin::timing", "park evaluation {year}: report (mc {mc}) in {:?}", t.elapsed());
    let run = RunRecord {
        id: new_id(RunKind::ParkEvaluation, typed),
        kind: RunKind::ParkEvaluation,
        created_at: now(),
        year: Some(typed),
        input_hash: rep.input_hash.clone(),
        versions: format!(
            "{}={}",
            RunKind::ParkEvaluation.as_str(),
            rep.scheme.version
        ),
        summary: serde_json::to_string(&rep).expect("report serialises"),
    };
    store.insert_run(&run).await?;
    Ok((rep, run))
}

/// The latest stored park evaluation of `year` that `scope` may read.
pub async fn latest_park_report(
    store: &Store,
    scope: &Scope,
    year: Year,
) -> Result<Option<(ParkReport, RunRecord)>, EvalError> {
    Ok(
        match store
            .latest_run(scope, RunKind::ParkEvaluation, year)
            .await?
        {
            Some(r) => Some((decode_summary::<ParkReport>(&r)?, r)),
            None => None,
        },
    )
}

/// The stored park evaluation of `year` readable in `scope`; when there is none and the caller
/// may compute (a zone user), the year is evaluated (with 1,000 Monte Carlo draws) and stored, and
/// its innovation points too if that year has none yet. `None`: nothing stored and not computed.
/// A stored run that does not decode is an error, except that a caller who may compute replaces
/// it by a new run (the newest run is the one read).
pub async fn park_report_or_run(
    store: &Store,
    scope: &Scope,
    year: Year,
    may_compute: bool,
) -> Result<Option<(ParkReport, RunRecord)>, EvalError> {
    match latest_park_report(store, scope, year).await {
        Ok(Some(r)) => return Ok(Some(r)),
        Ok(None) if !may_compute => return Ok(None),
        Ok(None) => {}
        Err(EvalError::Engine(_)) if may_compute => {}
        Err(e) => return Err(e),
    }
    let r = run_park_evaluation(store, year, 1000).await?;
    if store
        .latest_run(scope, RunKind::Points, year)
        .await?
        .is_none()
    {
        run_points(store, year).await?;
    }
    Ok(Some(r))
}

/// Firms kept in a points run's summary (the full list is in the `points` table).
pub const POINTS_SUMMARY_TOP: usize = 500;

/// Computes every firm's innovation points for `year`, stores them (one row per firm, replacing
/// the year's previous rows) and a run whose summary keeps the top 500; returns the full report.
pub async fn run_points(store: &Store, year: Year) -> Result<(PointsReport, RunRecord), EvalError> {
    let scheme = points_scheme()?;
    let (es, fs) = store.panel(&Scope::Zone, Some((year, year))).await?;
    let (typed, year) = (year, year.get());
    if fs.is_empty() {
        return Err(EvalError::NoData(format!(
            "{year} 年没有企业数据，无法计算积分"
        )));
    }
    let (rows, keys) = rows_and_keys(&es, &fs, typed);
    let rep = tokio::task::block_in_place(|| report::points_report(&scheme, &rows, &keys, typed))?;
    let id = new_id(RunKind::Points, typed);
    let stored: Vec<PointsRow> = rep
        .firms
        .iter()
        .map(|f| PointsRow {
            uscc: f.uscc.clone(),
            year: typed,
            run_id: id.clone(),
            stage: f.stage.clone(),
            total: f.total,
            detail: serde_json::to_string(f).expect("serialises"),
        })
        .collect();
    store.replace_points(typed, &stored).await?;
    let mut summary = rep.clone();
    summary.firms.truncate(POINTS_SUMMARY_TOP);
    let run = RunRecord {
        id,
        kind: RunKind::Points,
        created_at: now(),
        year: Some(typed),
        input_hash: rep.input_hash.clone(),
        versions: format!("{}={}", RunKind::Points.as_str(), rep.scheme.version),
        summary: serde_json::to_string(&summary).expect("serialises"),
    };
    store.insert_run(&run).await?;
    Ok((rep, run))
}

fn rows_and_keys(
    es: &[Enterprise],
    fs: &[Facts],
    year: Year,
) -> (Vec<gaoxin_index::park::FirmRow>, Vec<FirmKey>) {
    // firm_rows keeps the facts' order and skips none (every fact's firm is in `es`)
    let by: BTreeMap<&str, &Enterprise> = es.iter().map(|e| (e.uscc.as_str(), e)).collect();
    let rows = panel::firm_rows(es, fs, year);
    let year = year.get();
    let keys = fs
        .iter()
        .filter(|f| f.year.get() == year && by.contains_key(f.uscc.as_str()))
        .map(|f| FirmKey {
            uscc: f.uscc.as_str().to_string(),
            tech_field: by[f.uscc.as_str()].tech_field.clone(),
        })
        .collect();
    (rows, keys)
}

/// One firm's stored points over the years (what the firm, its park, the zone — or a bank with
/// the firm's consent — may read through `scope`).
pub async fn firm_points(
    store: &Store,
    scope: &Scope,
    uscc: &gaoxin_model::Uscc,
) -> Result<Vec<(Year, FirmPoints)>, EvalError> {
    store
        .points_of(scope, uscc)
        .await?
        .iter()
        .map(|r| {
            serde_json::from_str::<FirmPoints>(&r.detail)
                .map(|p| (r.year, p))
                .map_err(|e| {
                    EvalError::Engine(format!(
                        "运行 {} 中企业 {} {} 年的积分无法解析：{e}",
                        r.run_id, r.uscc, r.year
                    ))
                })
        })
        .collect()
}

/// Target monitoring over the panel in `scope` (zone: zone totals and park contributions; a
/// park: that park's own values).
pub async fn targets(
    store: &Store,
    zone: &Zone,
    scope: &Scope,
    year: Option<Year>,
) -> Result<Vec<TargetView>, EvalError> {
    let mut m = Measures::default();
    let mut declared = std::collections::HashSet::new();
    store
        .for_each_row(scope, None, None, |e, f| {
            m.add(e, &f);
            if f.get(gaoxin_model::F::TechContracts).is_some() {
                declared.insert((e.uscc.as_str().to_string(), f.year.get()));
            }
            Ok(())
        })
        .await?;
    crate::talent_monitor::add_target_measures(store, scope, &mut m).await?;
    crate::carrier_targets::add_target_measures(store, scope, &mut m).await?;
    crate::tech_cases::add_registered_contracts(store, scope, &mut m, &declared).await?;
    Ok(report::targets_report(
        &zone.targets,
        &m,
        year.map(Year::get),
    ))
}

fn park_name(zone: &Zone, id: &str) -> String {
    zone.park(id)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| id.to_string())
}

/// The annual evaluation report as .xlsx: ranking with intervals and dimension scores, indicator
/// values, normalised scores, the scheme (UNCONFIRMED weights marked), and the targets.
pub fn report_xlsx(
    zone: &Zone,
    rep: &ParkReport,
    targets: &[TargetView],
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    ranking_sheet(&mut wb, zone, rep)?;
    for (sheet, normalised) in [("指标值", false), ("标准化得分", true)] {
        values_sheet(&mut wb, zone, rep, sheet, normalised)?;
    }
    scheme_sheet(&mut wb, rep)?;
    targets_sheet(&mut wb, targets)?;
    wb.save_to_buffer()
}

/// Target monitoring alone as .xlsx (`gaoxin targets --out`): the report's 目标监测 sheet.
pub fn targets_xlsx(targets: &[TargetView]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    targets_sheet(&mut wb, targets)?;
    wb.save_to_buffer()
}

fn bold() -> Format {
    Format::new().set_bold()
}

fn num() -> Format {
    Format::new().set_num_format("#,##0.00")
}

fn pct() -> Format {
    Format::new().set_num_format("0.00%")
}

/// A number in format `f`, or — when there is none.
fn opt(ws: &mut Worksheet, r: u32, c: u16, v: Option<f64>, f: &Format) -> Result<(), XlsxError> {
    match v {
        Some(x) => ws.write_number_with_format(r, c, x, f).map(|_| ()),
        None => ws.write_string(r, c, "—").map(|_| ()),
    }
}

/// Bold headers along row `row`.
fn header_row<S: AsRef<str>>(ws: &mut Worksheet, row: u32, head: &[S]) -> Result<(), XlsxError> {
    let bold = bold();
    for (c, t) in head.iter().enumerate() {
        ws.write_string_with_format(row, c as u16, t.as_ref(), &bold)?;
    }
    Ok(())
}

/// 排名: rank, intervals, total and dimension scores, ranks under every named weight set.
fn ranking_sheet(wb: &mut Workbook, zone: &Zone, rep: &ParkReport) -> Result<(), XlsxError> {
    let (num, pct) = (num(), pct());
    let ws = wb.add_worksheet();
    ws.set_name("排名")?;
    ws.write_string_with_format(
        0,
        0,
        format!("{}年度园区综合发展能力评价", rep.year),
        &bold(),
    )?;
    ws.write_string(
        1,
        0,
        format!(
            "评价方案：{}（版本 {}）；输入哈希 {}；权重标注“待核实”者未经官方文件确认",
            rep.scheme.document, rep.scheme.version, rep.input_hash
        ),
    )?;
    let mut h = vec![
        "排名".to_string(),
        "园区".into(),
        "综合得分".into(),
        "排名区间5%".into(),
        "排名区间95%".into(),
        "排名中位数".into(),
        "上年排名".into(),
        "名次变化".into(),
        "数据完整度".into(),
    ];
    for d in &rep.dimensions {
        h.push(format!(
            "{}（{}%{}）",
            d.name,
            d.weight * 100.0,
            if d.confirmed { "" } else { "，待核实" }
        ));
    }
    let set_col = h.len() as u16;
    for w in &rep.weight_sets {
        h.push(format!(
            "「{}」名次（{}）",
            w.label,
            if w.confirmed {
                "已确认"
            } else {
                "待核实"
            }
        ));
    }
    if !rep.weight_sets.is_empty() {
        h.push("各权重方案间名次最大变动".into());
    }
    header_row(ws, 3, &h)?;
    for (i, p) in rep.parks.iter().enumerate() {
        let r = 4 + i as u32;
        match p.rank {
            Some(k) => ws.write_number(r, 0, k as f64).map(|_| ())?,
            None => ws.write_string(r, 0, "数据不足").map(|_| ())?,
        }
        ws.write_string(r, 1, park_name(zone, &p.park))?;
        opt(ws, r, 2, p.total, &num)?;
        opt(ws, r, 3, p.rank_p05, &num)?;
        opt(ws, r, 4, p.rank_p95, &num)?;
        opt(ws, r, 5, p.rank_median, &num)?;
        opt(ws, r, 6, p.prev_rank.map(f64::from), &num)?;
        opt(ws, r, 7, p.rank_change.map(f64::from), &num)?;
        ws.write_number_with_format(r, 8, p.completeness(), &pct)?;
        for (k, v) in p.dimensions.iter().enumerate() {
            opt(ws, r, 9 + k as u16, *v, &num)?;
        }
        if !rep.weight_sets.is_empty() {
            let f0 = Format::new();
            for (k, v) in p.set_ranks.iter().enumerate() {
                opt(ws, r, set_col + k as u16, v.map(f64::from), &f0)?;
            }
            let c = set_col + rep.weight_sets.len() as u16;
            opt(ws, r, c, p.set_rank_shift.map(f64::from), &f0)?;
        }
    }
    ws.set_column_width(1, 16)?;
    Ok(())
}

/// 指标值 / 标准化得分: one row per park, one column per indicator.
fn values_sheet(
    wb: &mut Workbook,
    zone: &Zone,
    rep: &ParkReport,
    sheet: &str,
    normalised: bool,
) -> Result<(), XlsxError> {
    let bold = bold();
    let ws = wb.add_worksheet();
    ws.set_name(sheet)?;
    ws.write_string_with_format(0, 0, "园区", &bold)?;
    for (j, ind) in rep.indicators.iter().enumerate() {
        ws.write_string_with_format(0, 1 + j as u16, format!("{} {}", ind.code, ind.name), &bold)?;
    }
    for (i, p) in rep.parks.iter().enumerate() {
        let r = 1 + i as u32;
        ws.write_string(r, 0, park_name(zone, &p.park))?;
        let v = if normalised { &p.normalised } else { &p.values };
        for (j, x) in v.iter().enumerate() {
            opt(ws, r, 1 + j as u16, *x, &Format::new())?;
        }
    }
    Ok(())
}

/// 指标体系: the scheme, one row per indicator (UNCONFIRMED weights marked 待核实).
fn scheme_sheet(wb: &mut Workbook, rep: &ParkReport) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name("指标体系")?;
    header_row(
        ws,
        0,
        &[
            "代码",
            "指标",
            "一级指标",
            "赋权",
            "权重状态",
            "单位",
            "来源",
            "方向",
            "本年可用",
            "说明",
            "指标可信度",
            "依据",
            "代理口径",
        ],
    )?;
    for (i, ind) in rep.indicators.iter().enumerate() {
        let r = 1 + i as u32;
        ws.write_string(r, 0, &ind.code)?;
        ws.write_string(r, 1, &ind.name)?;
        ws.write_string(r, 2, &ind.dimension)?;
        ws.write_number(r, 3, ind.weight)?;
        ws.write_string(
            r,
            4,
            if ind.confirmed {
                "已确认"
            } else {
                "待核实"
            },
        )?;
        ws.write_string(r, 5, ind.unit.as_deref().unwrap_or(""))?;
        ws.write_string(
            r,
            6,
            if ind.source == "panel" {
                "企业数据计算"
            } else {
                "园区填报"
            },
        )?;
        ws.write_string(
            r,
            7,
            if ind.direction < 0.0 {
                "越低越好"
            } else {
                "越高越好"
            },
        )?;
        ws.write_string(
            r,
            8,
            if ind.available {
                "是"
            } else {
                "否（无数据）"
            },
        )?;
        ws.write_string(r, 9, ind.note.as_deref().unwrap_or(""))?;
        ws.write_string(r, 10, ind.confidence.map(|c| c.zh()).unwrap_or("未记录"))?;
        ws.write_string(r, 11, &ind.basis)?;
        ws.write_string(r, 12, if ind.proxy { "是" } else { "否" })?;
    }
    Ok(())
}

/// 目标监测: each target with its current value, progress and projection.
fn targets_sheet(wb: &mut Workbook, targets: &[TargetView]) -> Result<(), XlsxError> {
    let (num, pct) = (num(), pct());
    let ws = wb.add_worksheet();
    ws.set_name("目标监测")?;
    header_row(
        ws,
        0,
        &[
            "目标",
            "单位",
            "目标值",
            "目标年",
            "当前值",
            "当前年",
            "基期",
            "基期值",
            "进度",
            "年均增速",
            "预计目标年值",
            "状态",
            "说明",
        ],
    )?;
    for (i, t) in targets.iter().enumerate() {
        let r = 1 + i as u32;
        ws.write_string(r, 0, &t.name)?;
        ws.write_string(r, 1, &t.unit)?;
        ws.write_number(r, 2, t.target)?;
        ws.write_number(r, 3, t.target_year as f64)?;
        opt(ws, r, 4, t.current, &num)?;
        opt(ws, r, 5, t.current_year.map(f64::from), &Format::new())?;
        let p = t.progress.as_ref();
        opt(ws, r, 6, p.map(|p| p.baseline_year as f64), &Format::new())?;
        opt(ws, r, 7, p.map(|p| p.baseline), &num)?;
        opt(ws, r, 8, t.shown_progress, &pct)?;
        opt(ws, r, 9, p.and_then(|p| p.cagr_so_far), &pct)?;
        opt(ws, r, 10, p.map(|p| p.projected), &num)?;
        ws.write_string(r, 11, status_zh(&t.status))?;
        ws.write_string(
            r,
            12,
            t.needs.as_deref().or(t.method.as_deref()).unwrap_or(""),
        )?;
    }
    Ok(())
}

/// The one Chinese word of a target status key (`gaoxin_index::target::TargetStatus`).
pub fn status_zh(s: &str) -> &'static str {
    gaoxin_index::target::TargetStatus::from_key(s).zh()
}
