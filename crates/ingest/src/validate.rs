//! Turning a sheet row into an enterprise and its year of facts, or into row/column errors in
//! plain Chinese. Cross-row checks (duplicates, one firm described two ways) live here too.
use crate::columns::{
    CellUnit, Col, HeaderUnit, IDENTITY, N_COLS, fact_unit, match_header, ordinal, zh_name,
};
use gaoxin_model::facts::parse_value;
use gaoxin_model::{
    Date, F, Facts, IndustryCode, Kind, Listing, Money, ParkId, Provenance, Sector, Uscc, Year,
    Zone,
};
use gaoxin_store::{FactsPatch, FirmPatch, Touch};
use std::collections::HashMap;

/// The message for a missing required column. It names the import template, not how to get it:
/// the web upload page links the template's download beside it, `gaoxin import` names the
/// command.
pub const MISSING_COLUMN: &str = "缺少必填列：请使用导入模板的表头";

/// The cell text that clears a stored value on purpose (a blank cell leaves it unchanged).
pub const CLEAR: &str = "清空";

/// The identity columns a new firm must have (a firm already stored needs only its code and year).
pub const REQUIRED_FOR_NEW: [Col; 4] = [Col::Name, Col::Park, Col::Founded, Col::Industry];

/// One problem in the file: spreadsheet row (0 for the header/file), column header, message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: u64,
    pub column: String,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.row, self.column.is_empty()) {
            (0, true) => write!(f, "{}", self.message),
            (0, false) => write!(f, "表头「{}」{}", self.column, self.message),
            (r, true) => write!(f, "第{r}行：{}", self.message),
            (r, false) => write!(f, "第{r}行「{}」{}", self.column, self.message),
        }
    }
}

/// The mapping from sheet columns to fields, checked once per file.
pub struct RowParser<'z> {
    zone: &'z Zone,
    cols: Vec<Option<Col>>,
    /// How each sheet column's cells are scaled (fact columns; `Plain` elsewhere).
    units: Vec<CellUnit>,
    /// What the header row says that the user should know (units assumed).
    notices: Vec<String>,
    /// Sheet position of each column, by [`ordinal`].
    idx: Vec<Option<usize>>,
    max_year: i32,
    only_park: Option<ParkId>,
    seen: Seen,
}

/// A firm's identity as its first row in the file gives it.
#[derive(Debug, Clone)]
pub struct FirmProbe {
    pub row: u64,
    pub patch: FirmPatch,
    /// Required-for-new identity columns left blank (or absent) on that row.
    pub blank: Vec<Col>,
}

/// One parsed row: the firm's identity on its first row (even when the row has errors, so
/// the importer can tell a new firm what it lacks), the facts when the row is valid, the errors.
#[derive(Debug)]
pub struct ParsedRow {
    pub firm: Option<FirmProbe>,
    pub facts: Option<FactsPatch>,
    pub errors: Vec<RowError>,
    /// A total row (合计/小计/总计 as the name, the code or the first cell, and no valid
    /// credit code): not a firm, skipped with a note. Holds the label as written.
    pub total: Option<String>,
}

/// The labels of a total row (spaces and a trailing colon ignored: 「总 计」, 「合计：」).
pub const TOTAL_LABELS: [&str; 3] = ["合计", "小计", "总计"];

fn total_label(cell: &str) -> bool {
    let t = cell.trim();
    // every row is asked (name, code, first cell): answer the common case without allocating
    if t.len() > 30 || !t.starts_with(['合', '小', '总']) {
        return false;
    }
    let t: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    let t = t.trim_end_matches([':', '：']);
    TOTAL_LABELS.contains(&t)
}

fn key(u: &Uscc) -> [u8; 18] {
    u.as_str()
        .as_bytes()
        .try_into()
        .expect("18 ASCII characters")
}

/// FNV-1a for the per-file key sets: keys are short credit codes, SipHash's DoS resistance buys
/// nothing for a signed-in administrator's upload and costs a few percent of an import.
#[derive(Default, Clone, Copy)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= *b as u64;
            h = h.wrapping_mul(0x100_0000_01b3);
        }
        self.0 = h;
    }
}

type FastHash = std::hash::BuildHasherDefault<Fnv>;

/// The identity fields that must agree across a firm's rows.
const IDENTITY_CHECKED: [Col; 5] = [
    Col::Name,
    Col::Park,
    Col::Founded,
    Col::Industry,
    Col::Listing,
];

fn identity_fingerprint(e: &FirmPatch) -> [u64; 5] {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let h = |v: &dyn Fn(&mut DefaultHasher)| {
        let mut s = DefaultHasher::new();
        v(&mut s);
        s.finish()
    };
    [
        h(&|s| e.name.hash(s)),
        h(&|s| e.park.hash(s)),
        h(&|s| e.founded.hash(s)),
        h(&|s| e.industry.hash(s)),
        h(&|s| e.listing.hash(s)),
    ]
}

fn current_year() -> i32 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    Date::from_days_since_epoch((secs / 86_400) as i64).year()
}

/// How a column's cells are normalised before they are parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Norm {
    /// NFKC: full-width digits, letters, punctuation and spaces typed with a Chinese input
    /// method (「１２３４．５６」, 「１，２００」, 「２０２４年」) become ASCII.
    Nfkc,
    /// Width only (full-width letters, digits and the ideographic space); Chinese characters and
    /// Chinese punctuation (the full-width brackets of a registered name) are kept.
    Width,
    Keep,
}

fn norm_of(c: Option<Col>) -> Norm {
    match c {
        Some(Col::Uscc | Col::Year | Col::Founded | Col::Industry | Col::Fact(_)) => Norm::Nfkc,
        Some(Col::Name) => Norm::Width,
        _ => Norm::Keep,
    }
}

/// A full-width letter or digit, or the ideographic space.
fn is_wide(c: char) -> bool {
    matches!(c, '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' | '\u{3000}')
}

fn width_only(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            c if is_wide(c) => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .collect()
}

/// The row with its cells normalised by column ([`Norm`]); `None` when nothing changes (the
/// common case: ASCII cells are never touched, so a large import pays one byte scan per cell).
fn normalised(cols: &[Option<Col>], cells: &csv::StringRecord) -> Option<csv::StringRecord> {
    use unicode_normalization::UnicodeNormalization;
    let mut out: Option<Vec<String>> = None;
    for (i, text) in cells.iter().enumerate() {
        if text.is_ascii() {
            continue;
        }
        let n = match norm_of(cols.get(i).copied().flatten()) {
            // 「是」「否」, level names: already NFKC, found without allocating
            Norm::Nfkc
                if unicode_normalization::is_nfkc_quick(text.chars())
                    == unicode_normalization::IsNormalized::Yes =>
            {
                continue;
            }
            Norm::Nfkc => text.nfkc().collect::<String>(),
            Norm::Width if !text.chars().any(is_wide) => continue,
            Norm::Width => width_only(text),
            Norm::Keep => continue,
        };
        if n != text {
            out.get_or_insert_with(|| cells.iter().map(str::to_string).collect())[i] = n;
        }
    }
    out.map(csv::StringRecord::from)
}

/// A number with thousands separators (「1,234,567.5」) without them; a comma that is not one
/// (「12,5」, 「1,23」) is refused rather than guessed: it may be a decimal comma.
fn without_thousands(t: &str) -> Result<std::borrow::Cow<'_, str>, String> {
    if !t.contains(',') {
        return Ok(t.into());
    }
    let body = t.trim_start_matches(['-', '+']);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let groups: Vec<&str> = int.split(',').collect();
    let ok = !frac.contains(',')
        && (1..=3).contains(&groups[0].len())
        && groups[1..].iter().all(|g| g.len() == 3)
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
    if ok {
        Ok(t.replace(',', "").into())
    } else {
        Err(format!(
            "「{t}」中的逗号不是千位分隔符（应每三位一个，如1,234.56）；小数点请用“.”"
        ))
    }
}

/// A cell of a fact column, read in the column's unit.
pub fn parse_cell(f: F, unit: CellUnit, text: &str) -> Result<Option<i64>, String> {
    let kind = f.def().kind;
    let text = match kind {
        Kind::Money { .. } | Kind::Usd | Kind::Count => without_thousands(text.trim())?,
        _ => text.into(),
    };
    let text = text.as_ref();
    let (signed, what) = match kind {
        Kind::Money { signed } => (signed, "金额"),
        Kind::Usd => (false, "估值"),
        _ => return parse_value(kind, text),
    };
    let CellUnit::Money(u) = unit else {
        return parse_value(kind, text);
    };
    let t = text.trim();
    if t.is_empty() || t == "-" || t == "—" {
        return Ok(None);
    }
    let m = Money::parse(t, u).map_err(|e| e.to_string())?;
    if !signed && m.0 < 0 {
        return Err(format!("{what}不能为负数：{t}"));
    }
    Ok(Some(m.0))
}

impl<'z> RowParser<'z> {
    /// Maps the header row. Errors: the code or year column missing, a column given twice, a
    /// unit that does not fit its column. Unknown columns are ignored (reported back as
    /// `ignored`) so extra notes columns do no harm; every other column may be absent (a
    /// partial sheet updates only what it has).
    pub fn new(
        zone: &'z Zone,
        headers: &[String],
        only_park: Option<ParkId>,
    ) -> Result<(RowParser<'z>, Vec<String>), Vec<RowError>> {
        RowParser::new_at(zone, headers, only_park, 1)
    }

    /// [`RowParser::new`] for a header in spreadsheet row `header_row` (errors name that row).
    pub fn new_at(
        zone: &'z Zone,
        headers: &[String],
        only_park: Option<ParkId>,
        header_row: u64,
    ) -> Result<(RowParser<'z>, Vec<String>), Vec<RowError>> {
        let mut errors = Vec::new();
        let mut idx: Vec<Option<usize>> = vec![None; N_COLS];
        let mut ignored = Vec::new();
        let mut units = Vec::with_capacity(headers.len());
        let mut notices = Vec::new();
        let cols: Vec<Option<Col>> = headers
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let c = match_header(h);
                let mut unit = CellUnit::Plain;
                match c {
                    Some(c) if idx[ordinal(c)].replace(i).is_some() => {
                        errors.push(RowError {
                            row: header_row,
                            column: h.clone(),
                            message: "重复出现：每列只能出现一次".into(),
                        });
                    }
                    Some(Col::Fact(f)) => match fact_unit(f, h) {
                        HeaderUnit::Given(u) => unit = u,
                        HeaderUnit::Assumed(u, name) => {
                            unit = u;
                            notices.push(format!(
                                "表头「{}」未注明单位，按模板单位「{name}」读取；如不是{name}，请在表头写明单位，如“{}”",
                                h.trim(),
                                f.def().zh
                            ));
                        }
                        HeaderUnit::Refused(u, fits) => errors.push(RowError {
                            row: header_row,
                            column: h.clone(),
                            message: format!(
                                "的单位「{u}」不适用于此列（{}）：可用的单位为{fits}",
                                f.def().zh
                            ),
                        }),
                    },
                    Some(_) => {}
                    None if !h.trim().is_empty() => ignored.push(h.clone()),
                    None => {}
                }
                units.push(unit);
                c
            })
            .collect();
        for (c, zh, ..) in IDENTITY {
            if matches!(c, Col::Uscc | Col::Year) && idx[ordinal(*c)].is_none() {
                errors.push(RowError {
                    row: header_row,
                    column: zh.to_string(),
                    message: MISSING_COLUMN.into(),
                });
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let p = RowParser {
            zone,
            cols,
            units,
            notices,
            idx,
            max_year: current_year(),
            only_park,
            seen: Seen::default(),
        };
        Ok((p, ignored))
    }

    /// Notes about the header row (units assumed), for the report.
    pub fn notices(&self) -> &[String] {
        &self.notices
    }

    /// Parses one row (see [`ParsedRow`]): identity, then facts, then the cross-row checks.
    /// Errors keep that order (the order of the columns' phases, as the report lists them).
    pub fn parse(&mut self, row: u64, cells: &csv::StringRecord) -> ParsedRow {
        let owned = normalised(&self.cols, cells);
        let cells = owned.as_ref().unwrap_or(cells);
        let mut r = RowCx {
            row,
            cells,
            idx: &self.idx,
            errs: Vec::new(),
        };
        if let Some(t) = r.total() {
            return t;
        }
        let uscc = r.uscc();
        let name = r.name();
        let park = r.park(self.zone, self.only_park.as_ref());
        let year = r.year(self.max_year);
        let founded = r.founded(year);
        let industry = r.industry();
        let sector = r.sector();
        let tech_field = r.tech_field();
        let listing = r.listing();
        let clusters = r.tags(
            Col::Clusters,
            &|t| self.zone.cluster(t).map(|c| c.id.clone()),
            "创新型产业集群",
        );
        let tracks = r.tags(
            Col::Tracks,
            &|t| self.zone.track(t).map(|c| c.id.clone()),
            "新赛道",
        );
        let patch = r.facts(
            &self.cols,
            &self.units,
            uscc.clone().zip(year).map(|(u, y)| FactsPatch::new(u, y)),
        );
        let firm_patch = uscc.map(|u| FirmPatch {
            uscc: u,
            name,
            park,
            founded,
            industry,
            sector,
            tech_field,
            listing,
            clusters,
            tracks,
        });
        let firm = firm_patch.and_then(|fp| self.seen.check(&mut r, fp, year));
        let errs = r.errs;
        ParsedRow {
            firm,
            facts: if errs.is_empty() { patch } else { None },
            errors: errs,
            total: None,
        }
    }
}

/// What the rows read so far say, for the cross-row checks.
#[derive(Default)]
struct Seen {
    rows: HashMap<([u8; 18], i32), u64, FastHash>,
    /// First row of each firm and a fingerprint of its identity fields (not the whole
    /// enterprise: a million-row file keeps this small).
    firms: HashMap<[u8; 18], (u64, [u64; 5]), FastHash>,
}

impl Seen {
    /// Cross-row checks: one row per firm and year, the same identity on every row of a firm.
    /// Returns the firm's probe on its first row.
    fn check(&mut self, r: &mut RowCx, fp: FirmPatch, year: Option<Year>) -> Option<FirmProbe> {
        let row = r.row;
        let k = key(&fp.uscc);
        if let Some(y) = year {
            if let Some(first) = self.rows.get(&(k, y.get())) {
                r.errs.push(RowError {
                    row,
                    column: zh_name(Col::Year).into(),
                    message: format!(
                        "与第{first}行重复：同一企业（{}）同一年度（{y}）只能有一行",
                        fp.uscc
                    ),
                });
            } else {
                self.rows.insert((k, y.get()), row);
            }
        }
        let print = identity_fingerprint(&fp);
        match self.firms.get(&k) {
            Some((first, old)) => {
                for (i, c) in IDENTITY_CHECKED.iter().enumerate() {
                    if old[i] != print[i] {
                        let c = *c;
                        r.err(
                            c,
                            format!(
                                "与第{first}行同一企业的{}不一致：同一企业各年度的基本信息须相同",
                                zh_name(c)
                            ),
                        );
                    }
                }
                None
            }
            None => {
                self.firms.insert(k, (row, print));
                let blank = REQUIRED_FOR_NEW
                    .iter()
                    .copied()
                    .filter(|c| r.cell(*c).is_empty())
                    .collect();
                Some(FirmProbe {
                    row,
                    patch: fp,
                    blank,
                })
            }
        }
    }
}

/// One row being parsed: its cells, its number and the errors found so far.
struct RowCx<'a> {
    row: u64,
    cells: &'a csv::StringRecord,
    /// Sheet position of each column, by [`ordinal`].
    idx: &'a [Option<usize>],
    errs: Vec<RowError>,
}

impl<'a> RowCx<'a> {
    fn cell(&self, c: Col) -> &'a str {
        self.idx[ordinal(c)]
            .and_then(|i| self.cells.get(i))
            .map(|s| s.trim())
            .unwrap_or("")
    }

    fn err(&mut self, c: Col, m: String) {
        self.errs.push(RowError {
            row: self.row,
            column: zh_name(c).into(),
            message: m,
        })
    }

    /// A total row (see [`ParsedRow::total`]): skipped, or an error when it also has a valid
    /// credit code (a firm's row or a total? the file must say).
    fn total(&self) -> Option<ParsedRow> {
        let (col, label) = [Col::Name, Col::Uscc]
            .into_iter()
            .map(|c| (Some(c), self.cell(c)))
            .chain(std::iter::once((
                None,
                self.cells.get(0).unwrap_or("").trim(),
            )))
            .find(|(_, t)| total_label(t))?;
        let label = label.to_string();
        let skipped = |errors: Vec<RowError>, total: Option<String>| ParsedRow {
            firm: None,
            facts: None,
            errors,
            total,
        };
        if Uscc::parse(self.cell(Col::Uscc)).is_ok() {
            let column = match col {
                Some(c) => zh_name(c).to_string(),
                None => zh_name(Col::Uscc).to_string(),
            };
            return Some(skipped(
                vec![RowError {
                    row: self.row,
                    column,
                    message: format!(
                        "此行标为「{label}」，却填有有效的统一社会信用代码{}：无法判断是合计行还是企业数据。合计行请删去信用代码，企业数据请删去「{label}」字样",
                        self.cell(Col::Uscc)
                    ),
                }],
                None,
            ));
        }
        Some(skipped(vec![], Some(label)))
    }

    fn no_clear(&mut self, c: Col) {
        self.err(
            c,
            format!("不能清空：「{CLEAR}」只用于清除选填列和数据字段"),
        )
    }

    fn uscc(&mut self) -> Option<Uscc> {
        match Uscc::parse(self.cell(Col::Uscc)) {
            Ok(u) => Some(u),
            Err(gaoxin_model::UsccError::Empty) => {
                self.err(Col::Uscc, "不能为空".into());
                None
            }
            Err(e) => {
                self.err(Col::Uscc, e.to_string());
                None
            }
        }
    }

    fn name(&mut self) -> Option<String> {
        match self.cell(Col::Name) {
            "" => None,
            CLEAR => {
                self.no_clear(Col::Name);
                None
            }
            n => {
                if n.chars().count() > 200 {
                    self.err(Col::Name, "过长：不超过200个字符".into());
                }
                Some(n.to_string())
            }
        }
    }

    fn park(&mut self, zone: &Zone, only_park: Option<&ParkId>) -> Option<ParkId> {
        match self.cell(Col::Park) {
            "" => None,
            CLEAR => {
                self.no_clear(Col::Park);
                None
            }
            park_text => match zone.park(park_text) {
                Some(p) => {
                    if let Some(only) = only_park
                        && &p.id != only
                    {
                        self.err(
                            Col::Park,
                            format!("「{}」不是您管理的园区，不能导入其他园区的数据", p.name),
                        );
                    }
                    Some(p.id.clone())
                }
                None => {
                    self.err(
                        Col::Park,
                        format!(
                            "「{park_text}」不是本区的园区（应为十五个园区之一，如“江北新区”“玄武园”）"
                        ),
                    );
                    None
                }
            },
        }
    }

    fn year(&mut self, max_year: i32) -> Option<Year> {
        let year_text = self.cell(Col::Year);
        if year_text.is_empty() {
            self.err(Col::Year, "不能为空".into());
            return None;
        }
        match year_text
            .strip_suffix(".0")
            .unwrap_or(year_text)
            .trim_end_matches('年')
            .parse::<i32>()
            .map_err(|_| "不是有效年份".to_string())
            .and_then(Year::new)
        {
            Ok(y) if y.get() > max_year => {
                self.err(
                    Col::Year,
                    format!(
                        "{}年晚于当前年度{}年，不能导入未来年度的数据",
                        y.get(),
                        max_year
                    ),
                );
                None
            }
            Ok(y) => Some(y),
            Err(m) => {
                self.err(Col::Year, format!("「{year_text}」{m}"));
                None
            }
        }
    }

    fn founded(&mut self, year: Option<Year>) -> Option<Date> {
        let founded_text = match self.cell(Col::Founded) {
            "" => return None,
            CLEAR => {
                self.no_clear(Col::Founded);
                return None;
            }
            t => t,
        };
        let d = Date::parse(founded_text).or_else(|| {
            founded_text
                .parse::<f64>()
                .ok()
                .and_then(Date::from_excel_serial)
        });
        match d {
            Some(d) if year.is_some_and(|y| d.year() > y.get()) => {
                self.err(
                    Col::Founded,
                    format!("成立日期{d}晚于数据年度{}", year.unwrap()),
                );
                None
            }
            Some(d) => Some(d),
            None => {
                self.err(
                    Col::Founded,
                    format!("「{founded_text}」不是有效日期（应为2015-06-01格式）"),
                );
                None
            }
        }
    }

    fn industry(&mut self) -> Option<IndustryCode> {
        match self.cell(Col::Industry) {
            "" => None,
            CLEAR => {
                self.no_clear(Col::Industry);
                None
            }
            t => match IndustryCode::parse(t) {
                Ok(i) => Some(i),
                Err(m) => {
                    self.err(Col::Industry, m);
                    None
                }
            },
        }
    }

    fn sector(&mut self) -> Option<Sector> {
        match self.cell(Col::Sector) {
            "" => None,
            CLEAR => {
                self.no_clear(Col::Sector);
                None
            }
            s => match Sector::parse(s) {
                Some(x) => Some(x),
                None => {
                    self.err(Col::Sector, format!("「{s}」应为“制造业”或“服务业”"));
                    None
                }
            },
        }
    }

    fn tech_field(&mut self) -> Option<Option<String>> {
        match self.cell(Col::TechField) {
            "" => None,
            CLEAR => Some(None),
            t if gaoxin_model::HIGH_TECH_FIELDS.contains(&t) => Some(Some(t.to_string())),
            t => {
                self.err(
                    Col::TechField,
                    format!(
                        "「{t}」不是八大高新技术领域之一：{}",
                        gaoxin_model::HIGH_TECH_FIELDS.join("、")
                    ),
                );
                None
            }
        }
    }

    fn listing(&mut self) -> Option<Listing> {
        match self.cell(Col::Listing) {
            "" => None,
            CLEAR => Some(Listing::Unlisted),
            t => match Listing::parse(t) {
                Some(l) => Some(l),
                None => {
                    self.err(
                        Col::Listing,
                        format!("「{t}」应为：未上市/主板/创业板/科创板/北交所/新三板/境外上市"),
                    );
                    None
                }
            },
        }
    }

    /// A list column (clusters, tracks): registered names, deduplicated; 清空 gives an empty list.
    fn tags(
        &mut self,
        c: Col,
        find: &dyn Fn(&str) -> Option<String>,
        what: &str,
    ) -> Option<Vec<String>> {
        let text = self.cell(c);
        match text {
            "" => return None,
            CLEAR => return Some(vec![]),
            _ => {}
        }
        let mut v = Vec::new();
        for t in text
            .split(['、', ',', '，', ';', '；'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            match find(t) {
                Some(id) => {
                    if !v.contains(&id) {
                        v.push(id)
                    }
                }
                None => self.err(c, format!("「{t}」不是已登记的{what}")),
            }
        }
        Some(v)
    }

    /// Provenance: the row default, then per-field overrides.
    fn provenance(&mut self) -> (Provenance, Vec<(F, Provenance)>) {
        let default_prov = Provenance::from_source_label(self.cell(Col::Source));
        let mut overrides: Vec<(F, Provenance)> = Vec::new();
        for part in self
            .cell(Col::SourceDetail)
            .split([';', '；'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            match part.split_once(['=', '＝']) {
                Some((field, label)) => match match_header(field) {
                    Some(Col::Fact(f)) => {
                        overrides.retain(|(k, _)| *k != f);
                        overrides.push((f, Provenance::from_source_label(label)));
                    }
                    _ => self.err(
                        Col::SourceDetail,
                        format!("「{}」不是数据字段名", field.trim()),
                    ),
                },
                None => self.err(
                    Col::SourceDetail,
                    format!("「{part}」应写成“字段=来源”，如“研发费用=税务”"),
                ),
            }
        }
        (default_prov, overrides)
    }

    /// The fact columns into `patch` (when the row has a code and a year), then the facts'
    /// consistency checks.
    fn facts(
        &mut self,
        cols: &[Option<Col>],
        units: &[CellUnit],
        mut patch: Option<FactsPatch>,
    ) -> Option<FactsPatch> {
        let (default_prov, overrides) = self.provenance();
        for (i, c) in cols.iter().enumerate() {
            let Some(Col::Fact(f)) = c else { continue };
            let text = self.cells.get(i).unwrap_or("").trim();
            if text == CLEAR {
                if let Some(p) = patch.as_mut() {
                    p.touch[*f as usize] = Touch::Clear;
                }
                continue;
            }
            match parse_cell(*f, units[i], text) {
                Ok(Some(v)) => {
                    if let Some(p) = patch.as_mut() {
                        let prov = overrides
                            .iter()
                            .find(|(k, _)| k == f)
                            .map(|(_, p)| p.clone())
                            .unwrap_or_else(|| default_prov.clone());
                        p.facts.set(*f, Some(v), prov);
                        p.touch[*f as usize] = Touch::Set;
                    }
                }
                // A blank cell leaves the stored value.
                Ok(None) => {}
                Err(m) => self.err(Col::Fact(*f), m),
            }
        }
        if let Some(p) = &patch {
            for (f, m) in p.facts.consistency_errors() {
                self.err(Col::Fact(f), m);
            }
        }
        patch
    }
}

/// Bounds beyond which a value is more likely a unit mistake than a fact: the import asks the
/// user to confirm (web) or to pass `--accept-warnings` (CLI). These are checks on input, not
/// rules: a firm may exceed them, the user says so by confirming.
pub mod plausible {
    /// 营业收入 ÷ 从业人员 above this (fen): 1亿元 per person.
    pub const MAX_REVENUE_PER_EMPLOYEE_FEN: i64 = 10_000_000_000;
    /// Any amount above this (fen): 1000亿元 (a whole park's revenue, not one firm's).
    pub const MAX_AMOUNT_FEN: i64 = 10_000_000_000_000;
    /// A valuation above this (US cents): 1000亿美元.
    pub const MAX_VALUATION_CENTS: i64 = 10_000_000_000_000;
}

/// Warnings about a firm-year as it will be stored (`f`, after merging with what is stored),
/// for the facts this file touched.
pub fn plausibility_warnings(f: &Facts, touch: &[Touch]) -> Vec<(F, String)> {
    use gaoxin_model::Unit;
    let set = |x: F| touch[x as usize] == Touch::Set;
    let wan = |v: i64| Money(v).to_decimal(Unit::WanYuan);
    let mut out = Vec::new();
    for (i, x) in F::ALL.iter().enumerate() {
        let Some(v) = f.values[i] else { continue };
        if !set(*x) {
            continue;
        }
        match x.def().kind {
            Kind::Money { .. } if v.abs() > plausible::MAX_AMOUNT_FEN => out.push((
                *x,
                format!(
                    "{}万元超过1000亿元，请核对单位（表头单位是否为元、万元或亿元）",
                    wan(v)
                ),
            )),
            Kind::Usd if v > plausible::MAX_VALUATION_CENTS => {
                out.push((*x, format!("{}万美元超过1000亿美元，请核对单位", wan(v))))
            }
            _ => {}
        }
    }
    if (set(F::Revenue) || set(F::Employees))
        && let (Some(r), Some(n)) = (f.get(F::Revenue), f.get(F::Employees))
        && n > 0
        && r / n > plausible::MAX_REVENUE_PER_EMPLOYEE_FEN
    {
        out.push((
            F::Revenue,
            format!(
                "人均营业收入{}万元（营业收入{}万元 ÷ 从业人员{n}人）超过1亿元，请核对单位",
                wan(r / n),
                wan(r)
            ),
        ));
    }
    out
}
