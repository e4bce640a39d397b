//! The tracks' "五个一" board (issue 15): each track's five elements as records (a missing one is a
//! gap), a completeness score, the panel figures of the firms tagged to the track, its leads, and
//! the 新技术 → 新赛道 → 未来产业 pipeline of the future-industry fields. The elements, statuses,
//! score weights and the field → track mapping are data (`data/tracks/tracks.toml`).
//!
//! Only zone administrators write the board ([`Editor`]); every staff member reads it, the panel
//! figures in their own scope.
use crate::xlsx::list_sheet;
use gaoxin_model::{Date, Zone};
use gaoxin_store::{Scope, Store, TrackElement, TrackYear};
use rust_xlsxwriter::{Workbook, XlsxError};
use serde::{Deserialize, Serialize};

const SHIPPED: &str = include_str!("../../../data/tracks/tracks.toml");

/// An element or a status of the board file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Keyed {
    pub key: String,
    pub name: String,
    #[serde(default)]
    pub points: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FutureField {
    pub name: String,
    pub tracks: Vec<String>,
}

/// `data/tracks/tracks.toml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TracksConfig {
    pub version: String,
    pub source: String,
    pub elements: Vec<Keyed>,
    pub statuses: Vec<Keyed>,
    pub full_score: u32,
    pub industry_firms: i64,
    pub future_fields: Vec<FutureField>,
}

/// Why a board or lead operation did not happen, in Chinese.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The user may not do this (zone analysts, park administrators on the board).
    #[error("您没有权限执行此操作")]
    Forbidden,
    /// Outside the scope, or missing: the same answer.
    #[error("记录不存在或无权访问")]
    NotFound,
    /// Bad input: every problem, each naming its row / column or field.
    #[error("{}", .0.join("；"))]
    Invalid(Vec<String>),
    #[error(transparent)]
    Store(#[from] gaoxin_store::Error),
}

impl TracksConfig {
    /// The shipped file, checked against the zone's tracks and future-industry fields.
    pub fn shipped(zone: &Zone) -> Result<TracksConfig, String> {
        TracksConfig::parse(SHIPPED, zone)
    }

    pub fn parse(text: &str, zone: &Zone) -> Result<TracksConfig, String> {
        let c: TracksConfig =
            toml::from_str(text).map_err(|e| format!("tracks.toml 格式错误：{e}"))?;
        if c.elements.len() != 5 {
            return Err("tracks.toml：“五个一”应有 5 个要素".into());
        }
        for f in &c.future_fields {
            if !zone.future_fields.contains(&f.name) {
                return Err(format!(
                    "tracks.toml：未来产业领域「{}」不在 zone.toml 中",
                    f.name
                ));
            }
            for t in &f.tracks {
                if zone.track(t).is_none() {
                    return Err(format!(
                        "tracks.toml：领域「{}」引用了未知赛道「{t}」",
                        f.name
                    ));
                }
            }
        }
        if let Some(missing) = zone
            .future_fields
            .iter()
            .find(|n| !c.future_fields.iter().any(|f| &f.name == *n))
        {
            return Err(format!("tracks.toml：缺少未来产业领域「{missing}」"));
        }
        Ok(c)
    }

    fn element(&self, key_or_name: &str) -> Option<&Keyed> {
        let k = key_or_name.trim();
        self.elements.iter().find(|e| e.key == k || e.name == k)
    }
    fn status(&self, key_or_name: &str) -> Option<&Keyed> {
        let k = key_or_name.trim();
        self.statuses.iter().find(|e| e.key == k || e.name == k)
    }
    pub fn status_name(&self, key: &str) -> String {
        self.status(key)
            .map(|s| s.name.clone())
            .unwrap_or_else(|| key.to_string())
    }
}

/// Who edits: only a zone administrator may write the board.
#[derive(Debug, Clone)]
pub struct Editor {
    pub username: String,
    pub zone_admin: bool,
}

impl Editor {
    /// The editor as the audit trail names them (only zone administrators write).
    fn who(&self) -> crate::audit::Who {
        crate::audit::Who::named(&self.username, "zone_admin")
    }
}

/// One element as typed in a form or a spreadsheet row (text, parsed here).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ElementInput {
    pub track: String,
    pub element: String,
    pub name: String,
    #[serde(default)]
    pub who: String,
    #[serde(default)]
    pub since: String,
    pub status: String,
    #[serde(default)]
    pub evidence: String,
}

/// Parses one element; the errors name the field (prefixed by `at`, e.g. "第3行").
pub fn parse_element(
    cfg: &TracksConfig,
    zone: &Zone,
    input: &ElementInput,
    at: &str,
    editor: &str,
    now: i64,
) -> Result<TrackElement, Vec<String>> {
    let mut errs = Vec::new();
    let track = zone.track(input.track.trim()).map(|t| t.id.clone());
    if track.is_none() {
        errs.push(format!("{at}「赛道」：未知赛道「{}」", input.track.trim()));
    }
    let element = cfg.element(&input.element).map(|e| e.key.clone());
    if element.is_none() {
        errs.push(format!(
            "{at}「要素」：未知要素「{}」（可选：{}）",
            input.element.trim(),
            cfg.elements
                .iter()
                .map(|e| e.name.as_str())
                .collect::<Vec<_>>()
                .join("、")
        ));
    }
    if input.name.trim().is_empty() {
        errs.push(format!("{at}「名称」：不能为空"));
    }
    let since = match input.since.trim() {
        "" => None,
        s => match Date::parse(s) {
            Some(d) => Some(d.to_int()),
            None => {
                errs.push(format!("{at}「起始日期」：「{s}」应为日期，如 2023-06-01"));
                None
            }
        },
    };
    let status = cfg.status(&input.status).map(|s| s.key.clone());
    if status.is_none() {
        errs.push(format!(
            "{at}「状态」：未知状态「{}」（可选：{}）",
            input.status.trim(),
            cfg.statuses
                .iter()
                .map(|e| e.name.as_str())
                .collect::<Vec<_>>()
                .join("、")
        ));
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(TrackElement {
        track: track.unwrap_or_default(),
        element: element.unwrap_or_default(),
        name: input.name.trim().to_string(),
        who: input.who.trim().to_string(),
        since,
        status: status.unwrap_or_default(),
        evidence: input.evidence.trim().to_string(),
        updated_by: editor.to_string(),
        updated_at: now,
    })
}

/// A zone administrator records (or replaces) one element.
pub async fn save_element(
    store: &Store,
    cfg: &TracksConfig,
    zone: &Zone,
    editor: &Editor,
    input: &ElementInput,
    now: i64,
) -> Result<TrackElement, InputError> {
    if !editor.zone_admin {
        return Err(InputError::Forbidden);
    }
    let e =
        parse_element(cfg, zone, input, "", &editor.username, now).map_err(InputError::Invalid)?;
    store.put_track_elements(std::slice::from_ref(&e)).await?;
    let detail =
        serde_json::json!({"name": e.name, "who": e.who, "since": e.since, "status": e.status});
    let subject = format!("{}/{}", e.track, e.element);
    crate::audit::record(store, &editor.who(), "track.save", None, &subject, detail).await?;
    Ok(e)
}

/// A zone administrator removes one element (it becomes a gap).
pub async fn delete_element(
    store: &Store,
    zone: &Zone,
    editor: &Editor,
    track: &str,
    element: &str,
) -> Result<(), InputError> {
    if !editor.zone_admin {
        return Err(InputError::Forbidden);
    }
    let t = zone.track(track).ok_or(InputError::NotFound)?;
    if store.delete_track_element(&t.id, element).await? {
        let subject = format!("{}/{element}", t.id);
        crate::audit::record(
            store,
            &editor.who(),
            "track.delete",
            None,
            &subject,
            serde_json::json!({}),
        )
        .await?;
        Ok(())
    } else {
        Err(InputError::NotFound)
    }
}

/// The columns of the board's spreadsheet (template, import and export).
pub const ELEMENT_COLUMNS: [&str; 7] = [
    "赛道",
    "要素",
    "名称",
    "责任主体",
    "起始日期",
    "状态",
    "依据或说明",
];

/// Imports elements from .xlsx / .csv in the template's columns: all or nothing; every error
/// names its row and column. Returns the number of elements written.
pub async fn import_elements(
    store: &Store,
    cfg: &TracksConfig,
    zone: &Zone,
    editor: &Editor,
    bytes: Vec<u8>,
    now: i64,
) -> Result<usize, InputError> {
    if !editor.zone_admin {
        return Err(InputError::Forbidden);
    }
    let rows = read_table(bytes, &ELEMENT_COLUMNS, &ELEMENT_COLUMNS[..3])?;
    let mut errs = Vec::new();
    let mut out: Vec<TrackElement> = Vec::new();
    for (n, c) in rows {
        let input = ElementInput {
            track: c[0].clone(),
            element: c[1].clone(),
            name: c[2].clone(),
            who: c[3].clone(),
            since: c[4].clone(),
            status: c[5].clone(),
            evidence: c[6].clone(),
        };
        match parse_element(
            cfg,
            zone,
            &input,
            &format!("第{n}行"),
            &editor.username,
            now,
        ) {
            Ok(e) => {
                if out
                    .iter()
                    .any(|o| o.track == e.track && o.element == e.element)
                {
                    errs.push(format!("第{n}行：赛道与要素与前面的行重复"));
                }
                out.push(e)
            }
            Err(mut e) => errs.append(&mut e),
        }
    }
    if !errs.is_empty() {
        return Err(InputError::Invalid(errs));
    }
    if out.is_empty() {
        return Err(InputError::Invalid(vec!["文件中没有数据行".into()]));
    }
    store.put_track_elements(&out).await?;
    let list: Vec<String> = out
        .iter()
        .map(|e| format!("{}/{}", e.track, e.element))
        .collect();
    let detail = serde_json::json!({"elements": list});
    crate::audit::record(store, &editor.who(), "track.import", None, "tracks", detail).await?;
    Ok(out.len())
}

/// Reads a sheet whose headers are `columns` (any order; the `required` ones must be present),
/// as (row number, cells in `columns` order). Errors name the row or the missing column.
pub(crate) fn read_table(
    bytes: Vec<u8>,
    columns: &[&str],
    required: &[&str],
) -> Result<Vec<(u64, Vec<String>)>, InputError> {
    let sheet = gaoxin_ingest::read::open_bytes(bytes)
        .map_err(|e| InputError::Invalid(vec![e.to_string()]))?;
    let heads: Vec<String> = sheet.headers.iter().map(|h| h.trim().to_string()).collect();
    let idx: Vec<Option<usize>> = columns
        .iter()
        .map(|c| heads.iter().position(|h| h == c))
        .collect();
    let missing: Vec<String> = required
        .iter()
        .filter(|c| !heads.iter().any(|h| h == *c))
        .map(|c| format!("第1行（表头）：缺少「{c}」列"))
        .collect();
    if !missing.is_empty() {
        return Err(InputError::Invalid(missing));
    }
    let mut out = Vec::new();
    for r in sheet.rows {
        let (n, rec) = r.map_err(|e| InputError::Invalid(vec![e.to_string()]))?;
        let cells = idx
            .iter()
            .map(|i| i.and_then(|i| rec.get(i)).unwrap_or("").trim().to_string())
            .collect();
        out.push((n, cells));
    }
    Ok(out)
}

/// One slot of a track's board.
#[derive(Debug, Clone, Serialize)]
pub struct Slot {
    pub key: String,
    pub name: String,
    pub record: Option<ElementView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ElementView {
    pub name: String,
    pub who: String,
    pub since: Option<String>,
    pub status: String,
    pub status_name: String,
    pub evidence: String,
    pub updated_by: String,
}

/// One track on the board.
#[derive(Debug, Clone, Serialize)]
pub struct TrackView {
    pub id: String,
    pub name: String,
    pub slots: Vec<Slot>,
    pub score: u32,
    pub gaps: Vec<String>,
    /// The panel, per year (firms in the reader's scope tagged to the track).
    pub years: Vec<YearView>,
    pub latest: Option<YearView>,
    /// Revenue growth of the latest year over the year before, in percent.
    pub revenue_growth_pct: Option<f64>,
    pub leads_open: i64,
    pub leads_landed: i64,
    pub leads_dropped: i64,
    pub invest_fen: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct YearView {
    pub year: i64,
    pub firms: i64,
    pub techsme: i64,
    pub hnte: i64,
    pub gazelle: i64,
    pub unicorn: i64,
    pub revenue: i64,
    pub rd_expense: i64,
    pub founded: i64,
}

impl From<&TrackYear> for YearView {
    fn from(y: &TrackYear) -> YearView {
        YearView {
            year: y.year,
            firms: y.firms,
            techsme: y.techsme,
            hnte: y.hnte,
            gazelle: y.gazelle,
            unicorn: y.unicorn,
            revenue: y.revenue,
            rd_expense: y.rd_expense,
            founded: y.founded,
        }
    }
}

/// One future-industry field in the 新技术 → 新赛道 → 未来产业 pipeline.
#[derive(Debug, Clone, Serialize)]
pub struct FutureRow {
    pub field: String,
    pub tracks: Vec<String>,
    pub firms: i64,
    pub best_score: u32,
    pub listed_firms: i64,
    /// 未布局, 新技术, 新赛道 or 未来产业 (definition in `data/tracks/tracks.toml`).
    pub stage: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Board {
    pub version: String,
    /// The year of the "latest" figures (the asked year, else the latest with data).
    pub year: Option<i64>,
    pub tracks: Vec<TrackView>,
    pub future: Vec<FutureRow>,
}

/// Score and gaps of a track's records.
pub fn score(cfg: &TracksConfig, records: &[&TrackElement]) -> (u32, Vec<String>) {
    let mut s = 0;
    let mut gaps = Vec::new();
    for e in &cfg.elements {
        match records.iter().find(|r| r.element == e.key) {
            Some(r) => s += cfg.status(&r.status).map(|x| x.points).unwrap_or(0),
            None => gaps.push(e.name.clone()),
        }
    }
    (s, gaps)
}

/// A field's pipeline stage (see `data/tracks/tracks.toml`).
pub fn future_stage(
    cfg: &TracksConfig,
    firms: i64,
    best_score: u32,
    listed: i64,
    has_track: bool,
) -> &'static str {
    if !has_track || firms == 0 {
        "未布局"
    } else if best_score < cfg.full_score {
        "新技术"
    } else if listed < cfg.industry_firms {
        "新赛道"
    } else {
        "未来产业"
    }
}

/// The board in `scope`: every track of the zone, side by side.
pub async fn board(
    store: &Store,
    cfg: &TracksConfig,
    zone: &Zone,
    scope: &Scope,
    year: Option<i64>,
) -> Result<Board, gaoxin_store::Error> {
    let records = store.track_elements().await?;
    let ids: Vec<String> = zone.tracks.iter().map(|t| t.id.clone()).collect();
    let years = store.track_years(scope, &ids).await?;
    let leads = store.leads_by_track(scope).await?;
    let all_years: std::collections::BTreeSet<i64> = years.iter().map(|y| y.year).collect();
    let year = match year {
        Some(y) => Some(y),
        None => all_years.last().copied(),
    };
    let mut tracks = Vec::new();
    for t in &zone.tracks {
        let mine: Vec<&TrackElement> = records.iter().filter(|r| r.track == t.id).collect();
        let (score, gaps) = score(cfg, &mine);
        let slots = cfg
            .elements
            .iter()
            .map(|e| Slot {
                key: e.key.clone(),
                name: e.name.clone(),
                record: mine
                    .iter()
                    .find(|r| r.element == e.key)
                    .map(|r| ElementView {
                        name: r.name.clone(),
                        who: r.who.clone(),
                        since: r.since.and_then(Date::from_int).map(|d| d.to_string()),
                        status: r.status.clone(),
                        status_name: cfg.status_name(&r.status),
                        evidence: r.evidence.clone(),
                        updated_by: r.updated_by.clone(),
                    }),
            })
            .collect();
        let ys: Vec<YearView> = years
            .iter()
            .filter(|y| y.track == t.id)
            .map(YearView::from)
            .collect();
        let latest = year.and_then(|y| ys.iter().find(|v| v.year == y).cloned());
        let prev = year.and_then(|y| ys.iter().find(|v| v.year == y - 1));
        let revenue_growth_pct = match (&latest, prev) {
            (Some(l), Some(p)) if p.revenue > 0 => {
                Some((l.revenue as f64 / p.revenue as f64 - 1.0) * 100.0)
            }
            _ => None,
        };
        let count = |o: &str| {
            leads
                .iter()
                .filter(|l| l.0 == t.id && l.1 == o)
                .map(|l| l.2)
                .sum::<i64>()
        };
        tracks.push(TrackView {
            id: t.id.clone(),
            name: t.name.clone(),
            slots,
            score,
            gaps,
            years: ys,
            latest,
            revenue_growth_pct,
            leads_open: count("open"),
            leads_landed: count("landed"),
            leads_dropped: count("dropped"),
            invest_fen: leads.iter().filter(|l| l.0 == t.id).map(|l| l.3).sum(),
        });
    }
    let future = cfg
        .future_fields
        .iter()
        .map(|f| {
            let carrying: Vec<&TrackView> =
                tracks.iter().filter(|t| f.tracks.contains(&t.id)).collect();
            let firms = carrying
                .iter()
                .filter_map(|t| t.latest.as_ref().map(|l| l.firms))
                .sum();
            let listed = carrying
                .iter()
                .filter_map(|t| t.latest.as_ref().map(|l| l.gazelle + l.unicorn))
                .sum();
            let best = carrying.iter().map(|t| t.score).max().unwrap_or(0);
            FutureRow {
                field: f.name.clone(),
                tracks: carrying.iter().map(|t| t.name.clone()).collect(),
                firms,
                best_score: best,
                listed_firms: listed,
                stage: future_stage(cfg, firms, best, listed, !carrying.is_empty()).into(),
            }
        })
        .collect();
    Ok(Board {
        version: cfg.version.clone(),
        year,
        tracks,
        future,
    })
}

fn fen_wan(fen: i64) -> f64 {
    fen as f64 / 1_000_000.0
}

/// The board as .xlsx: the eight tracks side by side, every element (gaps marked), the panel
/// per track and year, and the future-industry pipeline.
pub fn board_xlsx(b: &Board) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let ws = list_sheet(
        &mut wb,
        "赛道总览",
        &[
            "赛道",
            "五个一完整度",
            "缺项",
            "企业数",
            "科小",
            "高企",
            "瞪羚",
            "独角兽",
            "营业收入（万元）",
            "研发费用（万元）",
            "营收增速（%）",
            "在跟线索",
            "已落地",
            "落地投资（万元）",
        ],
        14.0,
    )?;
    for (i, t) in b.tracks.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, &t.name)?;
        ws.write_number(r, 1, t.score as f64)?;
        ws.write_string(r, 2, t.gaps.join("、"))?;
        if let Some(l) = &t.latest {
            for (c, v) in [l.firms, l.techsme, l.hnte, l.gazelle, l.unicorn]
                .iter()
                .enumerate()
            {
                ws.write_number(r, 3 + c as u16, *v as f64)?;
            }
            ws.write_number(r, 8, fen_wan(l.revenue))?;
            ws.write_number(r, 9, fen_wan(l.rd_expense))?;
        }
        if let Some(g) = t.revenue_growth_pct {
            ws.write_number(r, 10, (g * 100.0).round() / 100.0)?;
        }
        ws.write_number(r, 11, t.leads_open as f64)?;
        ws.write_number(r, 12, t.leads_landed as f64)?;
        ws.write_number(r, 13, fen_wan(t.invest_fen))?;
    }
    let ws = list_sheet(&mut wb, "五个一", &ELEMENT_COLUMNS, 18.0)?;
    let mut r = 1;
    for t in &b.tracks {
        for s in &t.slots {
            ws.write_string(r, 0, &t.name)?;
            ws.write_string(r, 1, &s.name)?;
            match &s.record {
                Some(e) => {
                    ws.write_string(r, 2, &e.name)?;
                    ws.write_string(r, 3, &e.who)?;
                    ws.write_string(r, 4, e.since.clone().unwrap_or_default())?;
                    ws.write_string(r, 5, &e.status_name)?;
                    ws.write_string(r, 6, &e.evidence)?;
                }
                None => {
                    ws.write_string(r, 2, "（缺项）")?;
                }
            }
            r += 1;
        }
    }
    let ws = list_sheet(
        &mut wb,
        "赛道逐年",
        &[
            "赛道",
            "年度",
            "企业数",
            "科小",
            "高企",
            "瞪羚",
            "独角兽",
            "营业收入（万元）",
            "研发费用（万元）",
            "当年新成立",
        ],
        12.0,
    )?;
    let mut r = 1;
    for t in &b.tracks {
        for y in &t.years {
            ws.write_string(r, 0, &t.name)?;
            for (c, v) in [y.year, y.firms, y.techsme, y.hnte, y.gazelle, y.unicorn]
                .iter()
                .enumerate()
            {
                ws.write_number(r, 1 + c as u16, *v as f64)?;
            }
            ws.write_number(r, 7, fen_wan(y.revenue))?;
            ws.write_number(r, 8, fen_wan(y.rd_expense))?;
            ws.write_number(r, 9, y.founded as f64)?;
            r += 1;
        }
    }
    let ws = list_sheet(
        &mut wb,
        "未来产业培育链",
        &[
            "未来产业领域",
            "承载赛道（待确认）",
            "企业数",
            "最高完整度",
            "瞪羚与独角兽",
            "阶段",
        ],
        16.0,
    )?;
    for (i, f) in b.future.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, &f.field)?;
        ws.write_string(r, 1, f.tracks.join("、"))?;
        ws.write_number(r, 2, f.firms as f64)?;
        ws.write_number(r, 3, f.best_score as f64)?;
        ws.write_number(r, 4, f.listed_firms as f64)?;
        ws.write_string(r, 5, &f.stage)?;
    }
    wb.save_to_buffer()
}

/// The import template: the columns, one example row per element of the first track, and the
/// allowed values.
pub fn template_xlsx(cfg: &TracksConfig, zone: &Zone) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let ws = list_sheet(&mut wb, "五个一", &ELEMENT_COLUMNS, 18.0)?;
    if let Some(t) = zone.tracks.first() {
        ws.write_string(1, 0, &t.name)?;
        ws.write_string(1, 1, &cfg.elements[0].name)?;
        ws.write_string(1, 2, "（示例，导入前请删除）")?;
        ws.write_string(1, 4, "2023-06-01")?;
        ws.write_string(1, 5, &cfg.statuses[0].name)?;
    }
    let ws = list_sheet(&mut wb, "填写说明", &["项目", "可选值"], 40.0)?;
    let lists = [
        (
            "赛道",
            zone.tracks
                .iter()
                .map(|t| t.name.clone())
                .collect::<Vec<_>>(),
        ),
        (
            "要素",
            cfg.elements.iter().map(|e| e.name.clone()).collect(),
        ),
        (
            "状态",
            cfg.statuses.iter().map(|e| e.name.clone()).collect(),
        ),
        ("起始日期", vec!["日期，如 2023-06-01；可空".into()]),
    ];
    for (i, (k, v)) in lists.iter().enumerate() {
        ws.write_string(i as u32 + 1, 0, *k)?;
        ws.write_string(i as u32 + 1, 1, v.join("、"))?;
    }
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone() -> Zone {
        Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap()
    }

    #[test]
    fn shipped_config_matches_the_zone_and_scores_count_statuses() {
        let z = zone();
        let cfg = TracksConfig::shipped(&z).unwrap();
        let e = |k: &str, s: &str| TrackElement {
            track: "t01".into(),
            element: k.into(),
            name: "x".into(),
            who: String::new(),
            since: None,
            status: s.into(),
            evidence: String::new(),
            updated_by: "admin".into(),
            updated_at: 0,
        };
        let a = e("innovation_sources", "operating");
        let b = e("track_fund", "planned");
        let (s, gaps) = score(&cfg, &[&a, &b]);
        assert_eq!(s, 26);
        assert_eq!(gaps, ["一个专业园区", "一家促进机构", "一场品牌大会"]);
        assert_eq!(future_stage(&cfg, 0, 100, 50, true), "未布局");
        assert_eq!(future_stage(&cfg, 5, 99, 50, true), "新技术");
        assert_eq!(future_stage(&cfg, 5, 100, 9, true), "新赛道");
        assert_eq!(future_stage(&cfg, 5, 100, 10, true), "未来产业");
        // a field the zone does not list is refused
        let bad = include_str!("../../../data/tracks/tracks.toml").replace("量子信息", "量子计算");
        assert!(
            TracksConfig::parse(&bad, &z)
                .unwrap_err()
                .contains("量子计算")
        );
    }

    #[test]
    fn element_errors_name_the_field() {
        let z = zone();
        let cfg = TracksConfig::shipped(&z).unwrap();
        let bad = ElementInput {
            track: "量子赛道".into(),
            element: "一支队伍".into(),
            name: " ".into(),
            since: "2023-13-01".into(),
            status: "很好".into(),
            ..Default::default()
        };
        let errs = parse_element(&cfg, &z, &bad, "第2行", "admin", 0).unwrap_err();
        assert_eq!(errs.len(), 5, "{errs:?}");
        assert!(errs[0].starts_with("第2行「赛道」：未知赛道「量子赛道」"));
        assert!(errs[3].contains("「起始日期」"));
        let ok = ElementInput {
            track: "低空经济".into(),
            element: "一支赛道基金".into(),
            name: "低空经济产业基金".into(),
            since: "2024-03-01".into(),
            status: "建设中".into(),
            ..Default::default()
        };
        let e = parse_element(&cfg, &z, &ok, "", "admin", 5).unwrap();
        assert_eq!(
            (e.track.as_str(), e.element.as_str(), e.since),
            ("t05", "track_fund", Some(20240301))
        );
        assert_eq!(e.status, "building");
    }

    #[tokio::test]
    async fn board_on_both_backends_scoped_with_gaps_and_import() {
        let z = zone();
        let cfg = TracksConfig::shipped(&z).unwrap();
        let demo = gaoxin_demo::generate(
            &z,
            &gaoxin_demo::DemoConfig {
                enterprises: 200,
                first_year: 2023,
                last_year: 2024,
                seed: 5,
            },
        );
        for store in gaoxin_store::testing::all().await.unwrap() {
            let mut tx = store.begin_import().await.unwrap();
            tx.write_enterprises(&demo.enterprises).await.unwrap();
            tx.write_facts(&demo.facts).await.unwrap();
            tx.commit().await.unwrap();
            let admin = Editor {
                username: "admin".into(),
                zone_admin: true,
            };
            let analyst = Editor {
                username: "analyst".into(),
                zone_admin: false,
            };
            let input = ElementInput {
                track: "人工智能".into(),
                element: "一支赛道基金".into(),
                name: "人工智能赛道基金".into(),
                status: "已运行".into(),
                ..Default::default()
            };
            assert!(matches!(
                save_element(&store, &cfg, &z, &analyst, &input, 1).await,
                Err(InputError::Forbidden)
            ));
            save_element(&store, &cfg, &z, &admin, &input, 1)
                .await
                .unwrap();
            // an import with one bad row writes nothing
            let mut wb = Workbook::new();
            let ws = wb.add_worksheet();
            for (c, h) in ELEMENT_COLUMNS.iter().enumerate() {
                ws.write_string(0, c as u16, *h).unwrap();
            }
            for (c, v) in [
                "低空经济",
                "一场品牌大会",
                "低空经济大会",
                "",
                "2024-05-01",
                "已运行",
                "",
            ]
            .iter()
            .enumerate()
            {
                ws.write_string(1, c as u16, *v).unwrap();
            }
            for (c, v) in ["低空经济", "一个专业园区", "", "", "", "很好", ""]
                .iter()
                .enumerate()
            {
                ws.write_string(2, c as u16, *v).unwrap();
            }
            let bytes = wb.save_to_buffer().unwrap();
            let Err(InputError::Invalid(e)) =
                import_elements(&store, &cfg, &z, &admin, bytes, 2).await
            else {
                panic!("accepted");
            };
            assert!(e.iter().any(|m| m.starts_with("第3行「名称」")), "{e:?}");
            assert!(
                e.iter()
                    .any(|m| m.starts_with("第3行「状态」：未知状态「很好」")),
                "{e:?}"
            );
            assert_eq!(store.track_elements().await.unwrap().len(), 1);

            let b = board(&store, &cfg, &z, &Scope::Zone, None).await.unwrap();
            assert_eq!(b.tracks.len(), 8);
            let ai = &b.tracks[0];
            assert_eq!((ai.score, ai.gaps.len()), (20, 4));
            assert!(ai.slots[3].record.is_some() && ai.slots[0].record.is_none());
            // the panel figures equal a count over the generated firms
            let last = demo.facts.iter().map(|f| f.year).max().unwrap();
            let tagged: std::collections::HashSet<_> = demo
                .enterprises
                .iter()
                .filter(|e| e.tracks.iter().any(|t| t == "t01"))
                .map(|e| e.uscc.clone())
                .collect();
            let n = demo
                .facts
                .iter()
                .filter(|f| f.year == last && tagged.contains(&f.uscc))
                .count() as i64;
            assert!(n > 0);
            assert_eq!(ai.latest.as_ref().unwrap().firms, n);
            // a park sees its own firms only
            let p = Scope::Park(gaoxin_model::ParkId::parse("jiangbei").unwrap());
            let pb = board(&store, &cfg, &z, &p, None).await.unwrap();
            assert!(pb.tracks[0].latest.as_ref().map(|l| l.firms).unwrap_or(0) < n);
            assert_eq!(b.future.len(), 9);
            assert!(board_xlsx(&b).unwrap().len() > 1000);
        }
    }
}
