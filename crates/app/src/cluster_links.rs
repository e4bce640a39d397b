//! Link records for the cluster diagnosis: import from .xlsx / .csv (all-or-nothing, every error
//! naming row and column in Chinese), export in the import's columns (export → import is the
//! identity on an empty table), and the demo zone's synthetic links.
//!
//! Who may import: zone administrators any link; a park administrator links whose firm ends are
//! all firms of the park (an end outside the park reads as an unknown firm, as it would for a
//! firm that does not exist — the import reveals nothing about other parks).
use crate::error::EvalError;
use gaoxin_index::cluster::LinkKind;
use gaoxin_model::Uscc;
use gaoxin_store::{LinkRecord, Scope, Store};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// The columns, in order: (Chinese header, English key).
pub const COLUMNS: [(&str, &str); 6] = [
    ("年度", "year"),
    ("主体一（统一社会信用代码或高校院所名称）", "from"),
    ("主体二（统一社会信用代码或高校院所名称）", "to"),
    ("关联类型", "kind"),
    ("来源", "source"),
    ("依据", "evidence"),
];

/// Short header names also accepted.
fn column_of(header: &str) -> Option<usize> {
    let h = header.trim().trim_start_matches('\u{feff}');
    COLUMNS
        .iter()
        .position(|(zh, en)| *zh == h || en.eq_ignore_ascii_case(h))
        .or(match h {
            "主体一" | "甲方" | "企业一" => Some(1),
            "主体二" | "乙方" | "企业二" => Some(2),
            "类型" => Some(3),
            "证明" | "凭证" | "备注" => Some(5),
            _ => None,
        })
}

/// One problem of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkError {
    /// Row as the spreadsheet shows it (header = 1); 0 for the file itself.
    pub row: u64,
    pub column: String,
    pub message: String,
}

impl std::fmt::Display for LinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.row == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(f, "第{}行「{}」：{}", self.row, self.column, self.message)
        }
    }
}

/// The outcome of an import: rows written, or every error (and nothing written).
#[derive(Debug, Clone, Serialize)]
pub struct LinkImport {
    pub written: u64,
    pub errors: Vec<LinkError>,
}

struct Parsed {
    row: u64,
    rec: LinkRecord,
}

fn err(row: u64, col: usize, message: String) -> LinkError {
    LinkError {
        row,
        column: COLUMNS[col].0.split('（').next().unwrap_or("").to_string(),
        message,
    }
}

/// A party: a firm's credit code (18 characters, letters and digits) or an institution's name.
fn party(row: u64, col: usize, cell: &str) -> Result<(String, bool), LinkError> {
    let t = cell.trim();
    if t.is_empty() {
        return Err(err(
            row,
            col,
            "不能为空：填统一社会信用代码或高校院所名称".into(),
        ));
    }
    let looks_code = t.len() == 18 && t.bytes().all(|b| b.is_ascii_alphanumeric());
    if looks_code {
        return Uscc::parse(t)
            .map(|u| (u.as_str().to_string(), true))
            .map_err(|e| err(row, col, format!("统一社会信用代码「{t}」无效：{e}")));
    }
    if t.chars().count() < 2 {
        return Err(err(
            row,
            col,
            format!("「{t}」既不是统一社会信用代码也不是单位名称"),
        ));
    }
    Ok((t.to_string(), false))
}

fn parse_row(row: u64, cells: &[String]) -> Result<LinkRecord, Vec<LinkError>> {
    let mut errors = Vec::new();
    let year = cells[0].trim();
    let year = match year.parse::<i32>() {
        Ok(y) if (1990..=2100).contains(&y) => Some(y),
        _ => {
            errors.push(err(row, 0, format!("「{year}」不是有效年度（如2024）")));
            None
        }
    };
    let from = party(row, 1, &cells[1]).map_err(|e| errors.push(e)).ok();
    let to = party(row, 2, &cells[2]).map_err(|e| errors.push(e)).ok();
    let kind = LinkKind::parse(&cells[3]);
    if kind.is_none() {
        let all: Vec<&str> = LinkKind::ALL.iter().map(|k| k.zh()).collect();
        errors.push(err(
            row,
            3,
            format!(
                "未知的关联类型「{}」，应为：{}",
                cells[3].trim(),
                all.join("/")
            ),
        ));
    }
    if cells[4].trim().is_empty() {
        errors.push(err(
            row,
            4,
            "来源不能为空（如 技术合同登记、专利数据库、企业填报）".into(),
        ));
    }
    if let (Some((a, af)), Some((b, bf))) = (&from, &to) {
        if a == b {
            errors.push(err(row, 2, "主体二与主体一相同：不能与自身关联".into()));
        } else if !af && !bf {
            errors.push(err(row, 2, "两方都是高校院所：至少一方应为企业".into()));
        }
    }
    match (year, from, to, kind, errors.is_empty()) {
        (Some(year), Some((from, from_firm)), Some((to, to_firm)), Some(kind), true) => {
            Ok(LinkRecord {
                from,
                from_firm,
                to,
                to_firm,
                kind: kind.key().to_string(),
                year,
                source: cells[4].trim().to_string(),
                evidence: cells[5].trim().to_string(),
                synthetic: false,
            })
        }
        _ => Err(errors),
    }
}

/// What an import reads: the file's bytes, its name when it has one (the audit entry names it),
/// and who is recorded as having imported the links.
pub struct LinkSource<'a> {
    pub bytes: &'a [u8],
    pub file: Option<&'a str>,
    pub by: &'a str,
}

/// Reads and checks the file; writes every link (one transaction) only when nothing is wrong.
pub async fn import(
    store: &Store,
    scope: &Scope,
    who: &crate::audit::Who,
    source: &LinkSource<'_>,
    now: i64,
) -> Result<LinkImport, EvalError> {
    let (bytes, by) = (source.bytes.to_vec(), source.by);
    let fail = |m: String| LinkImport {
        written: 0,
        errors: vec![LinkError {
            row: 0,
            column: String::new(),
            message: m,
        }],
    };
    let sheet = match gaoxin_ingest::read::open_bytes(bytes) {
        Ok(s) => s,
        Err(e) => return Ok(fail(e.to_string())),
    };
    let map: Vec<Option<usize>> = sheet.headers.iter().map(|h| column_of(h)).collect();
    let missing: Vec<&str> = (0..5)
        .filter(|c| !map.contains(&Some(*c)))
        .map(|c| COLUMNS[c].0)
        .collect();
    if !missing.is_empty() {
        return Ok(fail(format!("表头缺少列：{}", missing.join("、"))));
    }
    let mut errors = Vec::new();
    let mut parsed = Vec::new();
    for r in sheet.rows {
        let (row, rec) = match r {
            Ok(x) => x,
            Err(e) => return Ok(fail(e.to_string())),
        };
        let mut cells = vec![String::new(); COLUMNS.len()];
        for (i, v) in rec.iter().enumerate() {
            if let Some(Some(c)) = map.get(i) {
                cells[*c] = v.to_string();
            }
        }
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        match parse_row(row, &cells) {
            Ok(rec) => parsed.push(Parsed { row, rec }),
            Err(e) => errors.extend(e),
        }
    }
    check_against_store(store, scope, &parsed, &mut errors).await?;
    if parsed.is_empty() && errors.is_empty() {
        return Ok(fail("文件中没有关联记录".into()));
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.row);
        return Ok(LinkImport { written: 0, errors });
    }
    let recs: Vec<LinkRecord> = parsed.into_iter().map(|p| p.rec).collect();
    let park = match scope {
        Scope::Park(p) => Some(p.as_str()),
        _ => None,
    };
    let mut detail = serde_json::json!({ "written": recs.len() });
    if let Some(f) = source.file {
        detail["file"] = serde_json::Value::from(f);
    }
    let event = crate::audit::event(who, "links.import", park, "links", detail);
    let written = store.import_links(&recs, by, now, &event).await?;
    crate::clusters::invalidate_cache();
    crate::ecosystem::invalidate_cache();
    Ok(LinkImport {
        written,
        errors: Vec::new(),
    })
}

/// Unknown firms (in scope), duplicates inside the file and with stored links.
async fn check_against_store(
    store: &Store,
    scope: &Scope,
    parsed: &[Parsed],
    errors: &mut Vec<LinkError>,
) -> Result<(), EvalError> {
    let codes: Vec<String> = parsed
        .iter()
        .flat_map(|p| [(p.rec.from_firm, &p.rec.from), (p.rec.to_firm, &p.rec.to)])
        .filter(|(f, _)| *f)
        .map(|(_, c)| c.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let known = store.known_firms(scope, &codes).await?;
    let where_ = match scope {
        Scope::Zone => "本平台",
        _ => "本园区",
    };
    let mut first: HashMap<(String, String, i32), u64> = HashMap::new();
    for p in parsed {
        for (col, is_firm, code) in [
            (1, p.rec.from_firm, &p.rec.from),
            (2, p.rec.to_firm, &p.rec.to),
        ] {
            if is_firm && !known.contains(code) {
                errors.push(err(
                    p.row,
                    col,
                    format!("企业 {code} 不是{where_}的企业（未知企业）"),
                ));
            }
        }
        let key = (p.rec.pair_key(), p.rec.kind.clone(), p.rec.year);
        if let Some(r) = first.get(&key) {
            errors.push(err(
                p.row,
                3,
                format!("与第{r}行重复（同一对主体、同一类型、同一年度）"),
            ));
        } else {
            first.insert(key, p.row);
        }
    }
    let keys: Vec<(String, String, i32)> = first.keys().cloned().collect();
    let stored = store.existing_link_keys(&keys).await?;
    for p in parsed {
        let key = (p.rec.pair_key(), p.rec.kind.clone(), p.rec.year);
        if stored.contains(&key) && first.get(&key) == Some(&p.row) {
            errors.push(err(
                p.row,
                3,
                "该关联已存在（同一对主体、同一类型、同一年度）".into(),
            ));
        }
    }
    Ok(())
}

fn cells_of(l: &LinkRecord) -> [String; 6] {
    let kind = LinkKind::parse(&l.kind)
        .map(|k| k.zh())
        .unwrap_or(l.kind.as_str());
    [
        l.year.to_string(),
        l.from.clone(),
        l.to.clone(),
        kind.to_string(),
        l.source.clone(),
        l.evidence.clone(),
    ]
}

/// The links in scope (one year or all) as .xlsx in the import's columns.
pub async fn export_xlsx(
    store: &Store,
    scope: &Scope,
    year: Option<i32>,
) -> Result<Vec<u8>, EvalError> {
    let links = store.links(scope, year).await?;
    let mut wb = rust_xlsxwriter::Workbook::new();
    let head: Vec<&str> = COLUMNS.iter().map(|c| c.0).collect();
    let xe = |e: rust_xlsxwriter::XlsxError| EvalError::Engine(format!("生成 Excel 失败：{e}"));
    let ws = crate::xlsx::list_sheet(&mut wb, "关联记录", &head, 24.0).map_err(xe)?;
    for (r, l) in links.iter().enumerate() {
        for (c, v) in cells_of(l).iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, v).map_err(xe)?;
        }
    }
    wb.save_to_buffer().map_err(xe)
}

/// The links in scope as CSV (UTF-8 with BOM, the import's columns).
pub async fn export_csv(
    store: &Store,
    scope: &Scope,
    year: Option<i32>,
) -> Result<Vec<u8>, EvalError> {
    let links = store.links(scope, year).await?;
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let ce = |e: csv::Error| EvalError::Engine(format!("生成 CSV 失败：{e}"));
    w.write_record(COLUMNS.iter().map(|c| c.0)).map_err(ce)?;
    for l in &links {
        w.write_record(cells_of(l)).map_err(ce)?;
    }
    w.into_inner()
        .map_err(|e| EvalError::Engine(format!("生成 CSV 失败：{e}")))
}

/// Generates the demo zone's links and stores them in place of the synthetic ones.
pub async fn store_demo_links(
    store: &Store,
    demo: &gaoxin_demo::DemoZone,
    seed: u64,
) -> Result<u64, EvalError> {
    let links: Vec<LinkRecord> = gaoxin_demo::links::generate_links(demo, seed)
        .into_iter()
        .map(|l| LinkRecord {
            from: l.from,
            from_firm: true,
            to: l.to,
            to_firm: l.to_firm,
            kind: l.kind.to_string(),
            year: l.year,
            source: "合成演示数据".into(),
            evidence: "合成（非真实关联）".into(),
            synthetic: true,
        })
        .collect();
    let n = store.replace_synthetic_links(&links).await?;
    crate::clusters::invalidate_cache();
    crate::ecosystem::invalidate_cache();
    Ok(n)
}

/// A link as the list page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct LinkListRow {
    pub year: i32,
    pub from: String,
    pub to: String,
    pub kind: String,
    pub source: String,
    pub evidence: String,
    pub synthetic: bool,
}

/// The links in scope (one year or all), at most `LIST_MAX` of them, and how many there are.
#[derive(Debug, Clone, Serialize)]
pub struct LinkList {
    pub rows: Vec<LinkListRow>,
    pub total: usize,
    pub years: Vec<i32>,
}

pub const LIST_MAX: usize = 500;

pub async fn list(store: &Store, scope: &Scope, year: Option<i32>) -> Result<LinkList, EvalError> {
    let all = store.links(scope, year).await?;
    let mut years: Vec<i32> = all.iter().map(|l| l.year).collect();
    years.dedup();
    Ok(LinkList {
        total: all.len(),
        years,
        rows: all
            .into_iter()
            .take(LIST_MAX)
            .map(|l| {
                let c = cells_of(&l);
                LinkListRow {
                    year: l.year,
                    from: l.from,
                    to: l.to,
                    kind: c[3].clone(),
                    source: l.source,
                    evidence: l.evidence,
                    synthetic: l.synthetic,
                }
            })
            .collect(),
    })
}
