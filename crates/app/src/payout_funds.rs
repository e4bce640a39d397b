//! Special-fund lines (专项资金, issue 20): imported from .xlsx / .csv (year × category × source →
//! amount, Chinese headers; all or nothing with row and column messages; a template), and their
//! append-only history — a correction is a new line that supersedes the previous one of its year
//! × category × source (`store::payout_fund_lines`, migration 0028); nothing is overwritten.
use crate::audit::{Who, event};
use crate::payout_data::{CITY_TOTAL, PayoutConfig, SOURCES};
use crate::payouts::PayoutError;
use crate::xlsx::list_sheet;
use gaoxin_model::money::{Money, Unit};
use gaoxin_store::{FundEntry, FundLine, Scope, Store};
use rust_xlsxwriter::{Workbook, XlsxError};
use serde::Serialize;
use std::collections::HashMap;

/// The import's columns: (header, required).
pub const FUND_COLUMNS: &[(&str, bool)] = &[
    ("年度", true),
    ("资金类别", true),
    ("资金级别", true),
    ("金额（元）", true),
    ("备注", false),
];

/// The fund-line import's template: headers, one example row and the instructions.
pub fn template(cfg: &PayoutConfig) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let head: Vec<&str> = FUND_COLUMNS.iter().map(|c| c.0).collect();
    let ws = list_sheet(&mut wb, "专项资金", &head, 20.0)?;
    let example = [
        "2024",
        cfg.categories
            .first()
            .map_or("企业培育", |c| c.name.as_str()),
        "市级",
        "5000000.00",
        "（示例行，导入前请删除）",
    ];
    for (c, v) in example.iter().enumerate() {
        ws.write_string(1, c as u16, *v)?;
    }
    let ws = list_sheet(&mut wb, "填写说明", &["项目", "说明"], 40.0)?;
    let mut notes = vec![
        ("用途".to_string(), "按年度、资金类别、资金级别录入专项资金安排；全部行无误才写入，任何一行有误则不写入并逐行列出错误。".to_string()),
        ("年度".into(), "如 2024。".into()),
        ("资金类别".into(), format!("见下方可选类别；{CITY_TOTAL} 为当年全市科技专项资金总额（20%下限的分母）。")),
        ("资金级别".into(), format!("可选：{}", SOURCES.join("、"))),
        ("金额（元）".into(), "以元计，最多两位小数，不为负。".into()),
        ("更正".into(), "已录入的年度×类别×级别再次导入即为更正：新增一条记录取代原记录，原记录保留在历史中。".into()),
    ];
    for c in &cfg.categories {
        notes.push(("可选类别".into(), c.name.clone()));
    }
    notes.push(("可选类别".into(), CITY_TOTAL.into()));
    for (k, (a, b)) in notes.iter().enumerate() {
        ws.write_string(k as u32 + 1, 0, a)?;
        ws.write_string(k as u32 + 1, 1, b)?;
    }
    wb.save_to_buffer()
}

/// One row's line, or the column and problem.
fn parse_row(
    cell: &dyn Fn(usize) -> String,
    cfg: &PayoutConfig,
) -> Result<(i64, String, String, i64), (&'static str, String)> {
    let year = gaoxin_model::Year::parse(&cell(0)).map_err(|e| ("年度", e))?;
    let category = cfg.parse_category(&cell(1)).map_err(|e| ("资金类别", e))?;
    let source = cell(2);
    if !SOURCES.contains(&source.as_str()) {
        return Err((
            "资金级别",
            format!("「{source}」应为 {}", SOURCES.join(" 或 ")),
        ));
    }
    let fen = match Money::parse(&cell(3), Unit::Yuan) {
        Ok(m) if m.fen() >= 0 => m.fen(),
        Ok(_) => return Err(("金额（元）", "不能为负".into())),
        Err(e) => return Err(("金额（元）", e.to_string())),
    };
    Ok((i64::from(year.get()), category, source, fen))
}

/// Imports fund lines from `bytes` (file `name`) as `who`: every row checked first, then every
/// line appended with its audit event (`payout.fund_import`) in one transaction. `Ok(Err)`: the
/// problems (row and column), nothing written.
pub async fn import(
    store: &Store,
    cfg: &PayoutConfig,
    who: &Who,
    name: &str,
    bytes: Vec<u8>,
) -> Result<Result<usize, Vec<String>>, PayoutError> {
    let sheet = match gaoxin_ingest::read::open_bytes(bytes) {
        Ok(s) => s,
        Err(e) => return Ok(Err(vec![e.to_string()])),
    };
    let headers: Vec<&str> = sheet
        .headers
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}'))
        .collect();
    let col: Vec<Option<usize>> = FUND_COLUMNS
        .iter()
        .map(|(n, _)| headers.iter().position(|h| h == n))
        .collect();
    let missing: Vec<String> = FUND_COLUMNS
        .iter()
        .zip(&col)
        .filter(|((_, req), i)| *req && i.is_none())
        .map(|((n, _), _)| format!("缺少列「{n}」"))
        .collect();
    if !missing.is_empty() {
        return Ok(Err(missing));
    }
    let now = gaoxin_store::unix_now();
    let mut errors = Vec::new();
    let mut seen: HashMap<(i64, String, String), u64> = HashMap::new();
    let (mut lines, mut events) = (Vec::new(), Vec::new());
    for r in sheet.rows {
        let (n, rec) = match r {
            Ok(x) => x,
            Err(e) => return Ok(Err(vec![e.to_string()])),
        };
        let cell = |k: usize| {
            col[k]
                .and_then(|i| rec.get(i))
                .map(|c| c.trim().to_string())
                .unwrap_or_default()
        };
        if (0..FUND_COLUMNS.len()).all(|k| cell(k).is_empty()) {
            continue;
        }
        let (year, category, source, fen) = match parse_row(&cell, cfg) {
            Ok(x) => x,
            Err((column, msg)) => {
                errors.push(format!("第{n}行「{column}」：{msg}"));
                continue;
            }
        };
        if let Some(first) = seen.insert((year, category.clone(), source.clone()), n) {
            errors.push(format!(
                "第{n}行「资金类别」：与第{first}行是同一年度、类别和级别（{year}年 {category} {source}），请只保留一行"
            ));
            continue;
        }
        events.push(event(
            who,
            "payout.fund_import",
            None,
            &format!("fund:{year}:{category}:{source}"),
            serde_json::json!({"amount_fen": fen, "file": name, "year": year}),
        ));
        lines.push(FundLine {
            year,
            category,
            source,
            amount_fen: fen,
            entered_by: who.actor.clone(),
            entered_at: now,
            note: cell(4),
        });
    }
    if lines.is_empty() && errors.is_empty() {
        errors.push("文件中没有数据行".into());
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    store
        .append_payout_funds(&lines, &format!("导入:{name}"), &events)
        .await?;
    Ok(Ok(lines.len()))
}

/// One fund entry as the history lists it.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryItem {
    pub id: i64,
    pub year: i64,
    pub category: String,
    pub source: String,
    pub amount: String,
    pub entered_by: String,
    pub entered_at: String,
    pub origin: String,
    pub note: String,
    /// In force, or 已被第N条更正.
    pub status: String,
    pub current: bool,
}

/// The fund history in `scope`, optionally of one year, newest entries first.
pub async fn history(
    store: &Store,
    scope: &Scope,
    year: Option<i64>,
) -> Result<Vec<HistoryItem>, PayoutError> {
    let all: Vec<FundEntry> = store.payout_fund_history(scope).await?;
    let by_prev: HashMap<i64, i64> = all
        .iter()
        .filter_map(|e| e.supersedes.map(|p| (p, e.id)))
        .collect();
    let mut out: Vec<HistoryItem> = all
        .iter()
        .filter(|e| year.is_none_or(|y| e.line.year == y))
        .map(|e| HistoryItem {
            id: e.id,
            year: e.line.year,
            category: e.line.category.clone(),
            source: e.line.source.clone(),
            amount: gaoxin_model::present::money(e.line.amount_fen),
            entered_by: e.line.entered_by.clone(),
            entered_at: gaoxin_model::present::datetime(e.line.entered_at),
            origin: e.origin.clone(),
            note: e.line.note.clone(),
            status: match by_prev.get(&e.id) {
                Some(next) => format!("已被第{next}条更正"),
                None => "现行".into(),
            },
            current: e.current,
        })
        .collect();
    out.sort_by_key(|h| std::cmp::Reverse(h.id));
    Ok(out)
}

/// The history as a workbook.
pub fn history_workbook(items: &[HistoryItem]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let head = [
        "编号",
        "年度",
        "资金类别",
        "资金级别",
        "金额",
        "状态",
        "录入人",
        "录入时间",
        "来源",
        "备注",
    ];
    let ws = list_sheet(&mut wb, "专项资金记录", &head, 16.0)?;
    for (i, h) in items.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_number(r, 0, h.id as f64)?;
        ws.write_number(r, 1, h.year as f64)?;
        for (c, v) in [
            &h.category,
            &h.source,
            &h.amount,
            &h.status,
            &h.entered_by,
            &h.entered_at,
            &h.origin,
            &h.note,
        ]
        .iter()
        .enumerate()
        {
            ws.write_string(r, c as u16 + 2, v.as_str())?;
        }
    }
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests;
