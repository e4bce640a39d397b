//! 孵化载体 (issue 19): the carriers' facts, their xlsx/CSV imports (all-or-nothing, messages
//! naming row and column in Chinese) and templates. Two files are read by the same command: the
//! carriers with their yearly facts (one row per carrier and year), and the incubated firms (one
//! row per carrier and firm, with entry and graduation years) — told apart by their headers.
//! The ladder movement is in [`crate::carrier_ladder`], the evaluation in [`crate::carrier_eval`],
//! the pages' views and workbooks in [`crate::carrier_view`].
//!
//! [`FACTS`] is the single list of a carrier's yearly facts: import headers, template, store
//! columns (`gaoxin_store::CARRIER_FACT_COLUMNS`, same order), the scheme's variables and the
//! exports all derive from it. Money in 万元 (exact in fen); a blank cell keeps what is stored,
//! 「清空」 clears it; missing is never 0. Each written year keeps its file, row and import id.
use crate::audit::{Who, event};
use crate::xlsx::list_sheet;
use gaoxin_model::{Money, Unit, Uscc, Zone};
use gaoxin_store::{
    CARRIER_FACT_COLUMNS, Carrier, CarrierImport, CarrierLink, CarrierYear, Refused, Scope, Store,
};
use rust_xlsxwriter::{Workbook, XlsxError};
use std::collections::{BTreeMap, BTreeSet};

/// An error of a carriers' use case.
#[derive(Debug, thiserror::Error)]
pub enum CarrierError {
    /// Bad input: the message names the field (shown as it is).
    #[error("{0}")]
    Invalid(String),
    /// Not found or not in scope (the same answer for both).
    #[error("未找到")]
    NotFound,
    #[error(transparent)]
    Store(#[from] gaoxin_store::Error),
    #[error("导出失败：{0}")]
    Xlsx(String),
    #[error("评价方案：{0}")]
    Scheme(String),
}

impl From<XlsxError> for CarrierError {
    fn from(e: XlsxError) -> Self {
        CarrierError::Xlsx(e.to_string())
    }
}

/// The kinds of carrier (the opinions' 专业化众创空间、科技企业孵化器、加速器和特色产业园, and the
/// city plan's 硅巷).
pub const KINDS: [&str; 5] = ["孵化器", "众创空间", "加速器", "特色产业园", "硅巷空间"];

/// The levels of recognition, highest first (blank: not recognised).
pub const LEVELS: [&str; 3] = ["国家级", "省级", "市级"];

/// One yearly fact: its key (the scheme's variable), its import header and whether it is money.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FactDef {
    pub key: &'static str,
    pub header: &'static str,
    /// Money in 万元 (stored in fen); otherwise an integer count.
    pub money: bool,
}

const fn f(key: &'static str, header: &'static str, money: bool) -> FactDef {
    FactDef { key, header, money }
}

/// The yearly facts, aligned with `gaoxin_store::CARRIER_FACT_COLUMNS`.
pub const FACTS: [FactDef; 9] = [
    f("firms_in_incubation", "在孵企业（家）", false),
    f("graduated_firms", "当年毕业企业（家）", false),
    f("incubated_revenue", "在孵企业营业收入（万元）", true),
    f(
        "incubated_financing",
        "在孵企业当年获得投融资（万元）",
        true,
    ),
    f("incubated_ip", "在孵企业当年知识产权授权（件）", false),
    f("services", "创业服务活动（场次）", false),
    f("mentors", "创业导师（人）", false),
    f("staff", "管理服务人员（人）", false),
    f("own_revenue", "载体总收入（万元）", true),
];

/// The identity columns of the carriers' file (载体编号 and 年度 are required in every row).
pub const IDENTITY: [&str; 10] = [
    "载体编号",
    "载体名称",
    "载体类型",
    "运营主体",
    "园区",
    "级别",
    "认定年份",
    "面积（平方米）",
    "领域/赛道",
    "年度",
];

/// The columns of the incubated firms' file.
pub const LINK_HEADERS: [&str; 4] = ["载体编号", "统一社会信用代码", "入孵年份", "毕业年份"];

/// The text that clears a stored value.
const CLEAR: &str = "清空";

/// Every header of the carriers' file, in the template's order.
pub fn headers() -> Vec<&'static str> {
    IDENTITY
        .iter()
        .copied()
        .chain(FACTS.iter().map(|f| f.header))
        .collect()
}

/// The import template (.xlsx): the carriers' sheet and the incubated firms' sheet, each with one
/// example row labelled as such (import each sheet saved as its own file, or the first sheet).
pub fn template() -> Result<Vec<u8>, CarrierError> {
    let mut wb = Workbook::new();
    let head = headers();
    let ws = list_sheet(&mut wb, "孵化载体", &head, 16.0)?;
    let example = [
        "CAR-0001",
        "（示例）南京某某科技企业孵化器",
        "孵化器",
        "南京某某科技发展有限公司",
        "江北新区",
        "国家级",
        "2019",
        "25000",
        "集成电路",
        "2024",
        "60",
        "8",
        "52000.5",
        "6800",
        "45",
        "36",
        "20",
        "15",
        "1800",
    ];
    for (c, v) in example.iter().enumerate() {
        ws.write_string(1, c as u16, *v)?;
    }
    let ws = list_sheet(&mut wb, "在孵企业", &LINK_HEADERS, 20.0)?;
    for (c, v) in ["CAR-0001", "（示例）91320100XXXXXXXXXX", "2021", ""]
        .iter()
        .enumerate()
    {
        ws.write_string(1, c as u16, *v)?;
    }
    Ok(wb.save_to_buffer()?)
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    pub carriers: usize,
    pub years: usize,
    pub links: usize,
    pub import_id: String,
}

/// A cell of a sheet: trimmed text, full width folded.
fn clean(s: &str) -> String {
    s.trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .map(|c| match c {
            '\u{ff01}'..='\u{ff5e}' if !matches!(c, '（' | '）' | '；' | '，' | '／') => {
                char::from_u32(c as u32 - 0xfee0).unwrap_or(c)
            }
            '\u{3000}' => ' ',
            c => c,
        })
        .collect::<String>()
        .trim()
        .to_string()
}

/// The header `h` without its unit: 「在孵企业（家）」 → 「在孵企业」.
fn bare(h: &str) -> &str {
    h.split(['（', '(']).next().unwrap_or(h).trim()
}

/// Column positions of every known header of `known`; an unknown or duplicated header is an
/// error (a typo would otherwise silently drop a column), and so is a missing required one.
fn columns(
    headers: &[String],
    known: &[&'static str],
    required: &[&str],
) -> Result<BTreeMap<&'static str, usize>, Vec<String>> {
    let mut out = BTreeMap::new();
    let mut errors = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let h = clean(h);
        if h.is_empty() {
            continue;
        }
        match known.iter().find(|k| **k == h || bare(k) == bare(&h)) {
            Some(k) => {
                if out.insert(*k, i).is_some() {
                    errors.push(format!("第{}列「{h}」重复", i + 1));
                }
            }
            None => errors.push(format!(
                "第{}列「{h}」不是导入模板的列（请下载模板核对列名）",
                i + 1
            )),
        }
    }
    for req in required {
        if !out.contains_key(req) {
            errors.push(format!("缺少列「{req}」"));
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A parsed cell: blank (keep), 清空 (clear) or a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cell {
    Keep,
    Clear,
    Set(i64),
}

fn parse_count(text: &str) -> Result<i64, String> {
    let v = text
        .replace([',', '，'], "")
        .parse::<i64>()
        .map_err(|_| format!("「{text}」不是整数"))?;
    if v < 0 {
        return Err(format!("「{text}」不能为负数"));
    }
    Ok(v)
}

fn parse_fact(def: &FactDef, text: &str) -> Result<Cell, String> {
    if text.is_empty() {
        return Ok(Cell::Keep);
    }
    if text == CLEAR {
        return Ok(Cell::Clear);
    }
    let v = if def.money {
        let v = Money::parse(text, Unit::WanYuan)
            .map_err(|e| format!("「{text}」不是金额（万元）：{e}"))?
            .fen();
        if v < 0 {
            return Err(format!("「{text}」不能为负数"));
        }
        v
    } else {
        parse_count(text)?
    };
    Ok(Cell::Set(v))
}

fn parse_year(text: &str, what: &str) -> Result<i64, String> {
    match text.parse::<i64>() {
        Ok(y) if (1949..=2100).contains(&y) => Ok(y),
        _ => Err(format!("「{what}」：「{text}」不是年份（如 2024）")),
    }
}

/// The identity cells after 载体编号 (名称 … 领域/赛道), as given (`None`: blank).
type Ident = [Option<String>; 8];

/// Parsed rows of a carriers' file: identities by code, facts by (code, year).
#[derive(Default)]
struct Parsed {
    identity: BTreeMap<String, (u64, Ident)>,
    facts: BTreeMap<(String, i64), (u64, [Cell; 9])>,
}

/// One identity cell checked (`Err`: the message without the row).
fn ident_cell(zone: &Zone, h: &str, v: String) -> Result<String, String> {
    match h {
        "载体类型" if !KINDS.contains(&v.as_str()) => Err(format!(
            "「{h}」：「{v}」不是载体类型（{}）",
            KINDS.join("、")
        )),
        "级别" if !LEVELS.contains(&v.as_str()) && v != "无" => Err(format!(
            "「{h}」：「{v}」不是级别（{}，未认定留空或填「无」）",
            LEVELS.join("、")
        )),
        "级别" if v == "无" => Ok(String::new()),
        "园区" => zone
            .park(&v)
            .map(|p| p.id.to_string())
            .ok_or_else(|| format!("「园区」：「{v}」不是高新区的园区")),
        "认定年份" => parse_year(&v, h).map(|y| y.to_string()),
        "面积（平方米）" => parse_count(&v)
            .map(|a| a.to_string())
            .map_err(|e| format!("「{h}」：{e}")),
        _ if v.chars().count() > 200 => Err(format!("「{h}」：不超过 200 个字符")),
        _ => Ok(v),
    }
}

fn parse_rows(
    zone: &Zone,
    cols: &BTreeMap<&'static str, usize>,
    rows: &[(u64, Vec<String>)],
) -> Result<Parsed, Vec<String>> {
    let mut p = Parsed::default();
    let mut errors = Vec::new();
    for (n, row) in rows {
        let get = |h: &str| {
            cols.get(h)
                .and_then(|&i| row.get(i))
                .map(|s| clean(s))
                .unwrap_or_default()
        };
        let code = get("载体编号");
        if code.is_empty() || code.chars().count() > 40 {
            errors.push(format!("第{n}行「载体编号」：不能为空，不超过 40 个字符"));
            continue;
        }
        let year = match parse_year(&get("年度"), "年度") {
            Ok(y) => y,
            Err(e) => {
                errors.push(format!("第{n}行{e}"));
                continue;
            }
        };
        let mut ident: Ident = Default::default();
        for (k, h) in IDENTITY[1..9].iter().enumerate() {
            let v = get(h);
            if v.is_empty() {
                continue;
            }
            match ident_cell(zone, h, v) {
                Ok(v) => ident[k] = Some(v),
                Err(e) => errors.push(format!("第{n}行{e}")),
            }
        }
        match p.identity.get(&code) {
            Some((first, prev)) => {
                if ident
                    .iter()
                    .zip(prev)
                    .any(|(a, b)| a.is_some() && b.is_some() && a != b)
                {
                    errors.push(format!(
                        "第{n}行「载体编号」{code}：载体信息与第{first}行不一致"
                    ));
                }
            }
            None => {
                p.identity.insert(code.clone(), (*n, ident));
            }
        }
        let mut cells = [Cell::Keep; 9];
        for (k, def) in FACTS.iter().enumerate() {
            match parse_fact(def, &get(def.header)) {
                Ok(c) => cells[k] = c,
                Err(e) => errors.push(format!("第{n}行「{}」：{e}", def.header)),
            }
        }
        if let Some((first, _)) = p.facts.get(&(code.clone(), year)) {
            errors.push(format!(
                "第{n}行：载体 {code} 的 {year} 年数据与第{first}行重复"
            ));
        } else {
            p.facts.insert((code, year), (*n, cells));
        }
    }
    if errors.is_empty() {
        Ok(p)
    } else {
        Err(errors)
    }
}

/// A new import id: `carrier-import-<microseconds>-<8 hex digits>`.
fn new_import_id() -> String {
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).expect("the operating system's random source");
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    let us = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros())
        .unwrap_or(0);
    format!("carrier-import-{us}-{hex}")
}

/// Imports carriers and their yearly facts, or incubated firms (told apart by the headers: a
/// file with 「统一社会信用代码」 is the firms'), from an xlsx or CSV file named `file_name`:
/// every row is checked first and any problem (named by row and column) writes nothing
/// (`Ok(Err(messages))`); then everything is written in one transaction with one
/// `carrier.import` audit event per park.
pub async fn import(
    store: &Store,
    zone: &Zone,
    scope: &Scope,
    file_name: &str,
    bytes: Vec<u8>,
    who: &Who,
) -> Result<Result<ImportSummary, Vec<String>>, CarrierError> {
    let (headers, rows) = match crate::sheet_rows::read(bytes) {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    let stored: BTreeMap<String, Carrier> = store
        .carriers(scope)
        .await?
        .into_iter()
        .map(|c| (c.id.clone(), c))
        .collect();
    let import_id = new_import_id();
    let is_links = headers.iter().any(|h| clean(h) == "统一社会信用代码");
    let out = if is_links {
        let cols = match columns(&headers, &LINK_HEADERS, &["载体编号", "统一社会信用代码"])
        {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        match parse_links(&stored, &cols, &rows) {
            Ok(l) => CarrierImport {
                links: l,
                ..Default::default()
            },
            Err(e) => return Ok(Err(e)),
        }
    } else {
        let cols = match columns(&headers, &headers_list(), &["载体编号", "年度"]) {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        let parsed = match parse_rows(zone, &cols, &rows) {
            Ok(p) => p,
            Err(e) => return Ok(Err(e)),
        };
        match assemble(store, scope, &stored, &parsed, file_name, &import_id).await? {
            Ok(i) => i,
            Err(e) => return Ok(Err(e)),
        }
    };
    let mut by_park: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for c in &out.carriers {
        by_park.entry(&c.park).or_default().insert(&c.id);
    }
    for l in &out.links {
        if let Some(c) = stored.get(&l.carrier_id) {
            by_park.entry(&c.park).or_default().insert(&c.id);
        }
    }
    let events: Vec<_> = by_park
        .iter()
        .map(|(park, ids)| {
            let ids: Vec<&str> = ids.iter().copied().collect();
            let years = out
                .years
                .iter()
                .filter(|y| ids.contains(&y.carrier_id.as_str()))
                .count();
            let links = out
                .links
                .iter()
                .filter(|l| ids.contains(&l.carrier_id.as_str()))
                .count();
            event(
                who,
                "carrier.import",
                Some(park),
                &format!("{} 个孵化载体", ids.len()),
                serde_json::json!({ "carriers": ids, "years": years, "links": links,
                    "file": file_name, "import_id": import_id }),
            )
        })
        .collect();
    match store.import_carriers(scope, &out, &events, now()).await? {
        Ok(()) => Ok(Ok(ImportSummary {
            carriers: out.carriers.len(),
            years: out.years.len(),
            links: out.links.len(),
            import_id,
        })),
        Err(Refused::Carrier(i)) => {
            let id = out.carriers.get(i).map(|x| x.id.as_str()).unwrap_or("");
            Ok(Err(vec![format!(
                "载体 {id} 已登记在其他园区（只能导入本园区的载体），未写入任何数据"
            )]))
        }
        Err(Refused::Link(i)) => {
            let id = out
                .links
                .get(i)
                .map(|x| x.carrier_id.as_str())
                .unwrap_or("");
            Ok(Err(vec![format!(
                "载体 {id} 不存在或不在您的园区，未写入任何数据"
            )]))
        }
    }
}

fn headers_list() -> Vec<&'static str> {
    headers()
}

/// The carriers' file merged with what is stored (blank keeps, 清空 clears).
async fn assemble(
    store: &Store,
    scope: &Scope,
    stored: &BTreeMap<String, Carrier>,
    parsed: &Parsed,
    file_name: &str,
    import_id: &str,
) -> Result<Result<CarrierImport, Vec<String>>, CarrierError> {
    let stored_years: BTreeMap<(String, i64), CarrierYear> = store
        .carrier_years(scope, None)
        .await?
        .into_iter()
        .map(|y| ((y.carrier_id.clone(), y.year), y))
        .collect();
    let mut errors = Vec::new();
    let mut out = CarrierImport::default();
    for (code, (n, ident)) in &parsed.identity {
        let old = stored.get(code);
        let pick = |k: usize, old: Option<&String>| ident[k].clone().or(old.cloned());
        let (Some(name), Some(kind), Some(park)) = (
            pick(0, old.map(|o| &o.name)),
            pick(1, old.map(|o| &o.kind)),
            pick(3, old.map(|o| &o.park)),
        ) else {
            errors.push(format!(
                "第{n}行：新载体 {code} 须填写「载体名称」「载体类型」和「园区」"
            ));
            continue;
        };
        if let Scope::Park(p) = scope
            && p.as_str() != park
        {
            errors.push(format!(
                "第{n}行「园区」：只能导入本园区的载体（载体 {code} 不在您的园区，或已登记在其他园区）"
            ));
            continue;
        }
        let num =
            |k: usize, old: Option<i64>| ident[k].as_deref().and_then(|y| y.parse().ok()).or(old);
        out.carriers.push(Carrier {
            id: code.clone(),
            name,
            kind,
            operator: pick(2, old.map(|o| &o.operator)).unwrap_or_default(),
            park,
            level: pick(4, old.map(|o| &o.level)).unwrap_or_default(),
            level_year: num(5, old.and_then(|o| o.level_year)),
            area_m2: num(6, old.and_then(|o| o.area_m2)),
            field: pick(7, old.map(|o| &o.field)).unwrap_or_default(),
            synthetic: false,
        });
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    for ((code, year), (n, cells)) in &parsed.facts {
        let old = stored_years.get(&(code.clone(), *year));
        let mut values = [None; 9];
        for (k, c) in cells.iter().enumerate() {
            values[k] = match c {
                Cell::Keep => old.and_then(|o| o.values[k]),
                Cell::Clear => None,
                Cell::Set(v) => Some(*v),
            };
        }
        out.years.push(CarrierYear {
            carrier_id: code.clone(),
            year: *year,
            values,
            source_file: file_name.chars().take(200).collect(),
            source_row: Some(*n as i64),
            import_id: import_id.to_string(),
        });
    }
    Ok(Ok(out))
}

/// The incubated firms' file: each row's carrier must be stored in the reader's scope.
fn parse_links(
    stored: &BTreeMap<String, Carrier>,
    cols: &BTreeMap<&'static str, usize>,
    rows: &[(u64, Vec<String>)],
) -> Result<Vec<CarrierLink>, Vec<String>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut seen: BTreeMap<(String, String), u64> = BTreeMap::new();
    for (n, row) in rows {
        let get = |h: &str| {
            cols.get(h)
                .and_then(|&i| row.get(i))
                .map(|s| clean(s))
                .unwrap_or_default()
        };
        let code = get("载体编号");
        if !stored.contains_key(&code) {
            errors.push(format!(
                "第{n}行「载体编号」：「{code}」不是已登记的载体（或不在您的园区；请先导入载体）"
            ));
            continue;
        }
        let uscc = match Uscc::parse(&get("统一社会信用代码")) {
            Ok(u) => u.as_str().to_string(),
            Err(e) => {
                errors.push(format!("第{n}行「统一社会信用代码」：{e}"));
                continue;
            }
        };
        let mut years = [None; 2];
        for (k, h) in ["入孵年份", "毕业年份"].iter().enumerate() {
            let v = get(h);
            if v.is_empty() {
                continue;
            }
            match parse_year(&v, h) {
                Ok(y) => years[k] = Some(y),
                Err(e) => errors.push(format!("第{n}行{e}")),
            }
        }
        if let [Some(a), Some(b)] = years
            && b < a
        {
            errors.push(format!("第{n}行「毕业年份」：{b} 早于入孵年份 {a}"));
        }
        if let Some(first) = seen.insert((code.clone(), uscc.clone()), *n) {
            errors.push(format!(
                "第{n}行：企业 {uscc} 在载体 {code} 下与第{first}行重复"
            ));
        }
        out.push(CarrierLink {
            carrier_id: code,
            uscc,
            entry_year: years[0],
            graduation_year: years[1],
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

pub(crate) fn now() -> i64 {
    gaoxin_store::unix_now()
}

/// The value of fact `k` as a number for the engines: 万元 for money, the count otherwise.
pub fn fact_value(k: usize, v: Option<i64>) -> Option<f64> {
    v.map(|v| {
        if FACTS[k].money {
            v as f64 / 1_000_000.0
        } else {
            v as f64
        }
    })
}

/// The store's fact columns and [`FACTS`] agree (checked by a test).
pub fn columns_agree() -> bool {
    CARRIER_FACT_COLUMNS
        .iter()
        .zip(FACTS.iter())
        .all(|(c, f)| c.trim_end_matches("_fen") == f.key)
}

#[cfg(test)]
mod tests;
