//! Rule files: the TOML schema, the loader and its error messages (file, line, plain Chinese).
//!
//! One file is one rule set or policy: metadata (document number, issuer, effective dates,
//! source, status), parameters with dated values, band tables with per-cut inclusivity,
//! expert-scored manual items, derived variables, conditions, the outcome (label, eligibility,
//! award) and the file's own test cases. Expressions are strings in the language of
//! [`crate::expr`]; they are parsed here (syntax errors carry their line) and resolved by
//! [`crate::plan`] (unknown names, cycles and missing parameter values carry their line too).
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::expr::{self, Ast};

/// Where a rule file is wrong, in words an analyst can act on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LoadError {
    pub file: PathBuf,
    /// 1-based line; 0 when the error concerns the whole file.
    pub line: usize,
    pub msg: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.msg)
    }
}

impl std::error::Error for LoadError {}

/// Confirmation status of a rule or an item, shown to users beside every verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, Default)]
pub enum Status {
    #[serde(rename = "CONFIRMED")]
    #[default]
    Confirmed,
    #[serde(rename = "UNCONFIRMED")]
    Unconfirmed,
}

impl Status {
    pub fn zh(self) -> &'static str {
        match self {
            Status::Confirmed => "已核实（二手来源一致）",
            Status::Unconfirmed => "待核实",
        }
    }
}

/// What a file describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// A statutory qualification (高企, 科小, 专精特新…).
    Qualification,
    /// A list or label (独角兽, 瞪羚).
    Label,
    /// A policy paying an award.
    Policy,
}

/// The unit a value is kept and shown in. Money is kept in fen, US dollars in cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
pub enum Unit {
    /// CNY in fen; written 元 / 万元 / 亿元 in files.
    #[serde(rename = "money")]
    Money,
    /// USD in cents.
    #[serde(rename = "usd")]
    Usd,
    #[serde(rename = "ratio")]
    Ratio,
    #[serde(rename = "count")]
    Count,
    #[serde(rename = "points")]
    Points,
    #[serde(rename = "years")]
    Years,
    #[serde(rename = "flag")]
    Flag,
    #[serde(rename = "date")]
    Date,
    #[serde(rename = "level")]
    Level,
    #[serde(rename = "plain")]
    Plain,
}

/// How a parameter value is written in a file (converted to the engine unit on load).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum ParamUnit {
    #[serde(rename = "元")]
    Yuan,
    #[serde(rename = "万元")]
    WanYuan,
    #[serde(rename = "亿元")]
    YiYuan,
    #[serde(rename = "美元")]
    Usd,
    #[serde(rename = "万美元")]
    WanUsd,
    #[serde(rename = "亿美元")]
    YiUsd,
    #[serde(rename = "ratio")]
    Ratio,
    #[serde(rename = "count")]
    Count,
    #[serde(rename = "points")]
    Points,
    #[serde(rename = "years")]
    Years,
    #[serde(rename = "flag")]
    Flag,
}

impl ParamUnit {
    /// Engine unit and the factor from the written number to it.
    pub fn engine(self) -> (Unit, f64) {
        match self {
            ParamUnit::Yuan => (Unit::Money, 1e2),
            ParamUnit::WanYuan => (Unit::Money, 1e6),
            ParamUnit::YiYuan => (Unit::Money, 1e10),
            ParamUnit::Usd => (Unit::Usd, 1e2),
            ParamUnit::WanUsd => (Unit::Usd, 1e6),
            ParamUnit::YiUsd => (Unit::Usd, 1e10),
            ParamUnit::Ratio => (Unit::Ratio, 1.0),
            ParamUnit::Count => (Unit::Count, 1.0),
            ParamUnit::Points => (Unit::Points, 1.0),
            ParamUnit::Years => (Unit::Years, 1.0),
            ParamUnit::Flag => (Unit::Flag, 1.0),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    id: Spanned<String>,
    name: String,
    version: String,
    document: String,
    issuer: String,
    effective_from: Spanned<String>,
    #[serde(default)]
    effective_to: Option<Spanned<String>>,
    source: String,
    status: Status,
    kind: RuleKind,
    #[serde(default)]
    rung: Option<u8>,
    #[serde(default)]
    notes: Option<String>,
    #[serde(default)]
    params: Vec<RawParam>,
    #[serde(default)]
    tables: Vec<RawTable>,
    #[serde(default)]
    manual: Vec<RawManual>,
    #[serde(default)]
    vars: Vec<RawVar>,
    #[serde(default)]
    conditions: Vec<RawCond>,
    outcome: RawOutcome,
    #[serde(default)]
    recognised: Option<RawRecognised>,
    #[serde(default)]
    tests: Vec<RawTest>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecognised {
    zh: String,
    expr: Spanned<String>,
    source: String,
    #[serde(default)]
    status: Status,
    #[serde(default)]
    details: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParam {
    name: Spanned<String>,
    zh: String,
    unit: ParamUnit,
    #[serde(default)]
    status: Status,
    #[serde(default)]
    source: Option<String>,
    values: Vec<RawDated>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDated {
    /// In force from this date (until the next value's date).
    #[serde(default)]
    from: Option<Spanned<String>>,
    /// Or: the value of one fiscal year only (e.g. a yearly published average); a year without
    /// a value makes what depends on it unknown.
    #[serde(default)]
    year: Option<i32>,
    value: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    name: Spanned<String>,
    zh: String,
    #[serde(default)]
    status: Status,
    bands: Vec<RawBand>,
    /// Points when the input is undefined (zero denominator); default: the last band's.
    #[serde(default)]
    undefined_points: Option<f64>,
    /// 0/1 parameter for bands written with `cut`: 1 (and the default) gives a cut-point named
    /// by 「以上」/「以下」 to the band whose wording names it (民法典 第一千二百五十九条);
    /// 0 treats it like an unnamed cut-point.
    #[serde(default)]
    named_cut: Option<String>,
    /// 0/1 parameter for bands written with `cut`: where an unnamed cut-point goes, 1 (and the
    /// default) the higher band, 0 the lower.
    #[serde(default)]
    unnamed_cut: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBand {
    label: String,
    points: f64,
    #[serde(default)]
    min: Option<f64>,
    /// Written unit of `min`: "%" divides by 100, "万元" etc. convert to fen.
    #[serde(default)]
    min_unit: Option<String>,
    #[serde(default)]
    incl: Option<RawIncl>,
    /// Which wording names this band's lower bound: 「以上」 (this band, "X以上"), 「以下」
    /// (the band below, "X以下") or 「区间」 (neither: "X–Y" on both sides). Instead of `incl`.
    #[serde(default)]
    cut: Option<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
enum RawIncl {
    Fixed(bool),
    Param(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManual {
    name: Spanned<String>,
    zh: String,
    expert: String,
    lo: Spanned<RawExpr>,
    hi: Spanned<RawExpr>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
enum RawExpr {
    Num(f64),
    Text(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVar {
    name: Spanned<String>,
    zh: String,
    expr: Spanned<String>,
    #[serde(default)]
    unit: Option<Unit>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCond {
    id: Spanned<String>,
    zh: String,
    expr: Spanned<String>,
    #[serde(default)]
    status: Status,
    #[serde(default)]
    levers: Option<Vec<String>>,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutcome {
    label: String,
    eligible: Spanned<String>,
    #[serde(default)]
    validity_years: Option<u8>,
    #[serde(default)]
    award: Option<RawAward>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAward {
    zh: String,
    base: Spanned<String>,
    rate: Spanned<String>,
    #[serde(default)]
    cap: Option<Spanned<String>>,
    /// How the amount is rounded to the fen: only "down" (a payment never exceeds what the
    /// policy allows). Optional; stated in every shipped file.
    #[serde(default)]
    rounding: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTest {
    id: String,
    #[serde(default)]
    note: String,
    year: i32,
    #[serde(default)]
    as_of: Option<String>,
    #[serde(default)]
    assumption: Option<Assumption>,
    #[serde(default)]
    firm: RawFirm,
    #[serde(default)]
    facts: BTreeMap<String, toml::Value>,
    #[serde(default)]
    verified: Vec<String>,
    #[serde(default)]
    params: BTreeMap<String, f64>,
    #[serde(default)]
    manual: BTreeMap<String, f64>,
    expect: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawFirm {
    #[serde(default)]
    pub founded: Option<String>,
    #[serde(default)]
    pub sector: Option<String>,
    #[serde(default)]
    pub listing: Option<String>,
    #[serde(default)]
    pub tech_field: Option<String>,
    /// GB/T 4754 industry code (for the SME size class); none: unknown.
    #[serde(default)]
    pub industry: Option<String>,
}

/// How an expert-scored item is filled when no score was entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Assumption {
    /// The band's lower bound (保守估计).
    #[default]
    Conservative,
    /// The band's upper bound (乐观估计).
    Optimistic,
}

impl Assumption {
    pub fn zh(self) -> &'static str {
        match self {
            Assumption::Conservative => "保守估计（取下限）",
            Assumption::Optimistic => "乐观估计（取上限）",
        }
    }
}

/// An expression with the place it was written.
#[derive(Debug, Clone)]
pub struct Expr {
    pub ast: Ast,
    pub text: String,
    pub line: usize,
}

#[derive(Debug, Clone)]
pub struct Dated {
    /// For a yearly value ([`Dated::year`]), 1 January of that year (for ordering only).
    pub from: gaoxin_model::Date,
    /// The fiscal year this value is for, when the parameter is yearly.
    pub year: Option<i32>,
    /// In engine units (fen, cents, decimal ratio).
    pub value: f64,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub zh: String,
    pub unit: Unit,
    /// Factor from the written value to engine units (1e6 for 万元 → fen).
    pub factor: f64,
    pub status: Status,
    pub source: Option<String>,
    /// Sorted by date.
    pub values: Vec<Dated>,
    /// Every value is for one fiscal year (`{ year = 2024, value = … }`): the year evaluated
    /// picks its own value, and a year without one is unknown, never another year's value.
    pub yearly: bool,
    pub line: usize,
}

impl Param {
    /// The value in force on `date`.
    pub fn at(&self, date: gaoxin_model::Date) -> Option<f64> {
        if self.yearly {
            return None;
        }
        self.values
            .iter()
            .rev()
            .find(|d| d.from <= date)
            .map(|d| d.value)
    }
}

/// Whether a band's lower bound belongs to the band.
#[derive(Debug, Clone, PartialEq)]
pub enum Incl {
    Fixed(bool),
    /// Decided by a 0/1 parameter (e.g. the MIIT "cut-point to the higher band" reading).
    Param(String),
    /// Decided by the wording that names the cut-point and the table's reading of it
    /// ([`Cut::included`]).
    Cut(Cut),
}

/// Which band's wording names a cut-point (the lower bound of the band above it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum CutWording {
    /// The band above reads "X以上": X is in it.
    Above,
    /// The band below reads "X以下": X is in that one.
    Below,
    /// Neither ("X–Y" on both sides).
    Neither,
}

impl CutWording {
    pub fn parse(s: &str) -> Option<CutWording> {
        match s.trim() {
            "以上" => Some(CutWording::Above),
            "以下" => Some(CutWording::Below),
            "区间" => Some(CutWording::Neither),
            _ => None,
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            CutWording::Above => "以上",
            CutWording::Below => "以下",
            CutWording::Neither => "区间",
        }
    }
}

/// A cut-point described by its wording, and the table's switches for reading it.
#[derive(Debug, Clone, PartialEq)]
pub struct Cut {
    pub wording: CutWording,
    /// 0/1 parameter: a named cut-point goes to the naming band (None: always).
    pub named: Option<String>,
    /// 0/1 parameter: an unnamed cut-point goes to the higher band (None: always).
    pub unnamed: Option<String>,
}

impl Cut {
    /// Whether the cut-point belongs to the band above it, given the switches' values
    /// (`named`: the statutory reading is on; `unnamed_high`: unnamed cut-points go up).
    pub fn included(&self, named: bool, unnamed_high: bool) -> bool {
        match (self.wording, named) {
            (CutWording::Above, true) => true,
            (CutWording::Below, true) => false,
            _ => unnamed_high,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Band {
    pub label: String,
    pub points: f64,
    /// `None`: the catch-all last band.
    pub min: Option<f64>,
    pub incl: Incl,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub zh: String,
    pub status: Status,
    pub bands: Vec<Band>,
    pub undefined_points: f64,
    pub line: usize,
}

#[derive(Debug, Clone)]
pub struct Manual {
    pub name: String,
    pub zh: String,
    pub expert: String,
    pub lo: Expr,
    pub hi: Expr,
    pub line: usize,
}

#[derive(Debug, Clone)]
pub struct Var {
    pub name: String,
    pub zh: String,
    pub expr: Expr,
    pub unit: Option<Unit>,
}

#[derive(Debug, Clone)]
pub struct Condition {
    pub id: String,
    pub zh: String,
    pub expr: Expr,
    pub status: Status,
    pub levers: Option<Vec<String>>,
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Award {
    pub zh: String,
    pub base: Expr,
    pub rate: Expr,
    pub cap: Option<Expr>,
}

/// How an award is rounded to the fen, in words shown with every amount.
pub const AWARD_ROUNDING_ZH: &str = "金额按分向下取整，不超过政策允许的金额";
/// How the zone's records show that a firm holds the rung's status (a valid certificate, an
/// entry in a list): true when recognised, false when the record says not, missing when the
/// zone has no record — then the ladder falls back to the rule's own verdict.
#[derive(Debug, Clone)]
pub struct Recognised {
    pub zh: String,
    pub expr: Expr,
    /// The record and the document that makes it one (e.g. the certificate's validity).
    pub source: String,
    pub status: Status,
    /// Other recorded facts shown with the record (e.g. the year first listed).
    pub details: Vec<String>,
    /// Line of the expression.
    pub line: usize,
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub label: String,
    pub eligible: Expr,
    pub validity_years: Option<u8>,
    pub award: Option<Award>,
}

/// One test case of a file (a worked example of the criteria).
#[derive(Debug, Clone)]
pub struct TestCase {
    pub id: String,
    pub note: String,
    pub year: i32,
    pub as_of: Option<gaoxin_model::Date>,
    pub assumption: Option<Assumption>,
    pub firm: RawFirm,
    /// fact key → (year → value in the model's integer unit).
    pub facts: BTreeMap<String, BTreeMap<i32, i64>>,
    pub verified: Vec<String>,
    pub params: BTreeMap<String, f64>,
    pub manual: BTreeMap<String, f64>,
    pub expect: BTreeMap<String, Expected>,
    pub line: usize,
}

/// An expected result: a verdict or a number (money in 万元, USD in 万美元, as facts are written).
#[derive(Debug, Clone, PartialEq)]
pub enum Expected {
    Verdict(crate::verdict::Verdict),
    Number(f64),
    Bool(bool),
}

/// A parsed, syntactically valid rule file (names are resolved when it is compiled).
#[derive(Debug, Clone)]
pub struct RuleFile {
    pub path: PathBuf,
    /// The source text (hashed into run records).
    pub text: String,
    pub id: String,
    pub name: String,
    pub version: String,
    pub document: String,
    pub issuer: String,
    pub effective_from: gaoxin_model::Date,
    pub effective_to: Option<gaoxin_model::Date>,
    pub source: String,
    pub status: Status,
    pub kind: RuleKind,
    pub rung: Option<u8>,
    pub notes: Option<String>,
    pub params: Vec<Param>,
    pub tables: Vec<Table>,
    pub manual: Vec<Manual>,
    pub vars: Vec<Var>,
    pub conditions: Vec<Condition>,
    pub outcome: Outcome,
    /// The recorded status of the rung this file defines ([`Recognised`]).
    pub recognised: Option<Recognised>,
    pub tests: Vec<TestCase>,
}

/// 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    // Bytes, not a `str` slice: an offset need not fall on a character boundary.
    let b = text.as_bytes();
    b[..offset.min(b.len())]
        .iter()
        .filter(|c| **c == b'\n')
        .count()
        + 1
}

struct Ctx<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Ctx<'_> {
    fn err(&self, span: std::ops::Range<usize>, msg: impl Into<String>) -> LoadError {
        LoadError {
            file: self.path.to_path_buf(),
            line: line_of(self.text, span.start),
            msg: msg.into(),
        }
    }
    fn date(&self, s: &Spanned<String>, what: &str) -> Result<gaoxin_model::Date, LoadError> {
        gaoxin_model::Date::parse(s.get_ref()).ok_or_else(|| {
            self.err(
                s.span(),
                format!(
                    "{what}「{}」不是有效日期（应为2016-01-01格式）",
                    s.get_ref()
                ),
            )
        })
    }
    fn expr(&self, s: &Spanned<String>, what: &str) -> Result<Expr, LoadError> {
        let src = s.get_ref();
        let line = line_of(self.text, s.span().start);
        let ast = expr::parse(src).map_err(|e| LoadError {
            file: self.path.to_path_buf(),
            line,
            msg: format!("{what}表达式「{src}」有误：{}", e.in_chars(src)),
        })?;
        Ok(Expr {
            ast,
            text: src.clone(),
            line,
        })
    }
    fn raw_expr(&self, s: &Spanned<RawExpr>, what: &str) -> Result<Expr, LoadError> {
        let text = match s.get_ref() {
            RawExpr::Num(v) => format!("{v}"),
            RawExpr::Text(t) => t.clone(),
        };
        self.expr(&Spanned::new(s.span(), text), what)
    }
}

/// Converts a written band bound to engine units.
fn bound(v: f64, unit: Option<&str>) -> Result<f64, String> {
    Ok(match unit {
        None => v,
        Some("%") => v / 100.0,
        Some("元") => v * 1e2,
        Some("万元") => v * 1e6,
        Some("亿元") => v * 1e10,
        Some("美元") => v * 1e2,
        Some("万美元") => v * 1e6,
        Some(u) => {
            return Err(format!(
                "不认识的单位「{u}」（可用：%、元、万元、亿元、美元、万美元）"
            ));
        }
    })
}

/// Parses one rule file's text. Names are checked later, by [`crate::plan::compile`].
pub fn parse_file(path: &Path, text: &str) -> Result<RuleFile, LoadError> {
    let cx = Ctx { path, text };
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(0);
        LoadError {
            file: path.to_path_buf(),
            line,
            msg: translate_toml_error(e.message()),
        }
    })?;
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    let mut claim = |n: &Spanned<String>| -> Result<(), LoadError> {
        let line = line_of(text, n.span().start);
        let name = n.get_ref();
        if name.is_empty()
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            || name.chars().next().is_some_and(|c| c.is_ascii_digit())
        {
            return Err(cx.err(
                n.span(),
                format!("名称「{name}」只能由英文字母、数字和下划线组成，且不以数字开头"),
            ));
        }
        if let Some(prev) = names.insert(name.clone(), line) {
            return Err(cx.err(n.span(), format!("名称「{name}」重复（第{prev}行已定义）")));
        }
        Ok(())
    };
    let mut params = Vec::new();
    for p in &raw.params {
        claim(&p.name)?;
        let (unit, factor) = p.unit.engine();
        if p.values.is_empty() {
            return Err(cx.err(
                p.name.span(),
                format!("参数「{}」没有任何取值", p.name.get_ref()),
            ));
        }
        let mut values = Vec::new();
        let yearly = p.values.iter().any(|d| d.year.is_some());
        for d in &p.values {
            let from = match (&d.from, d.year) {
                (Some(f), None) if !yearly => cx.date(f, "参数生效日期")?,
                (None, Some(y)) => match gaoxin_model::Date::new(y, 1, 1) {
                    Some(d) if (1900..=2200).contains(&y) => d,
                    _ => {
                        return Err(cx.err(
                            p.name.span(),
                            format!("参数「{}」的年度 {y} 不是有效年份", p.name.get_ref()),
                        ));
                    }
                },
                _ => {
                    return Err(cx.err(
                        p.name.span(),
                        format!(
                            "参数「{}」的每个取值须写 from（生效日期）或 year（适用的财政年度）之一，且同一参数只能用一种写法",
                            p.name.get_ref()
                        ),
                    ));
                }
            };
            values.push(Dated {
                from,
                year: d.year,
                value: d.value * factor,
            });
        }
        values.sort_by_key(|d| d.from);
        for w in values.windows(2) {
            if w[0].from == w[1].from {
                let when = match w[0].year {
                    Some(y) => format!("{y}年度"),
                    None => w[0].from.to_string(),
                };
                return Err(cx.err(
                    p.name.span(),
                    format!("参数「{}」在{when}有两个取值", p.name.get_ref()),
                ));
            }
        }
        params.push(Param {
            name: p.name.get_ref().clone(),
            zh: p.zh.clone(),
            unit,
            factor,
            status: p.status,
            source: p.source.clone(),
            values,
            yearly,
            line: line_of(text, p.name.span().start),
        });
    }
    let mut tables = Vec::new();
    for t in &raw.tables {
        claim(&t.name)?;
        if t.bands.is_empty() {
            return Err(cx.err(
                t.name.span(),
                format!("分档表「{}」没有档位", t.name.get_ref()),
            ));
        }
        let mut bands = Vec::new();
        for (i, b) in t.bands.iter().enumerate() {
            let last = i + 1 == t.bands.len();
            let min = match (b.min, last) {
                (Some(m), _) => {
                    Some(bound(m, b.min_unit.as_deref()).map_err(|m| cx.err(t.name.span(), m))?)
                }
                (None, true) => None,
                (None, false) => {
                    return Err(cx.err(
                        t.name.span(),
                        format!(
                            "分档表「{}」的第{}档缺少下限 min（只有最后一档可以不写）",
                            t.name.get_ref(),
                            i + 1
                        ),
                    ));
                }
            };
            if min.is_some() && b.incl.is_none() && b.cut.is_none() {
                return Err(cx.err(t.name.span(), format!("分档表「{}」的第{}档（{}）须写明下限是否包含本数 incl（以上/不低于/含 = true；超过 = false），或写明分界点的措辞 cut（以上 / 以下 / 区间）", t.name.get_ref(), i + 1, b.label)));
            }
            if b.incl.is_some() && b.cut.is_some() {
                return Err(cx.err(
                    t.name.span(),
                    format!(
                        "分档表「{}」的第{}档（{}）incl 与 cut 只能写一个",
                        t.name.get_ref(),
                        i + 1,
                        b.label
                    ),
                ));
            }
            let cut = match &b.cut {
                None => None,
                Some(_) if min.is_none() => {
                    return Err(cx.err(t.name.span(), format!("分档表「{}」的第{}档（{}）没有下限，不能写 cut", t.name.get_ref(), i + 1, b.label)));
                }
                Some(c) => Some(CutWording::parse(c).ok_or_else(|| {
                    cx.err(t.name.span(), format!("分档表「{}」的第{}档（{}）的 cut「{c}」应为 以上 / 以下 / 区间（分界点由本档“X以上”、下一档“X以下”或两档均为区间表述）", t.name.get_ref(), i + 1, b.label))
                })?),
            };
            bands.push(Band {
                label: b.label.clone(),
                points: b.points,
                min,
                incl: match (&b.incl, cut) {
                    (_, Some(wording)) => Incl::Cut(Cut {
                        wording,
                        named: t.named_cut.clone(),
                        unnamed: t.unnamed_cut.clone(),
                    }),
                    (Some(RawIncl::Fixed(x)), None) => Incl::Fixed(*x),
                    (Some(RawIncl::Param(p)), None) => Incl::Param(p.clone()),
                    (None, None) => Incl::Fixed(true),
                },
            });
        }
        for w in bands.windows(2) {
            if let (Some(a), Some(b)) = (w[0].min, w[1].min)
                && a < b
            {
                return Err(cx.err(
                    t.name.span(),
                    format!(
                        "分档表「{}」的档位须按下限从高到低排列（「{}」低于「{}」）",
                        t.name.get_ref(),
                        w[0].label,
                        w[1].label
                    ),
                ));
            }
        }
        let undefined_points = t
            .undefined_points
            .unwrap_or(bands.last().map(|b| b.points).unwrap_or(0.0));
        tables.push(Table {
            name: t.name.get_ref().clone(),
            zh: t.zh.clone(),
            status: t.status,
            bands,
            undefined_points,
            line: line_of(text, t.name.span().start),
        });
    }
    let mut manual = Vec::new();
    for m in &raw.manual {
        claim(&m.name)?;
        manual.push(Manual {
            name: m.name.get_ref().clone(),
            zh: m.zh.clone(),
            expert: m.expert.clone(),
            lo: cx.raw_expr(&m.lo, "下限")?,
            hi: cx.raw_expr(&m.hi, "上限")?,
            line: line_of(text, m.name.span().start),
        });
    }
    let mut vars = Vec::new();
    for v in &raw.vars {
        claim(&v.name)?;
        vars.push(Var {
            name: v.name.get_ref().clone(),
            zh: v.zh.clone(),
            expr: cx.expr(&v.expr, "变量")?,
            unit: v.unit,
        });
    }
    let mut conditions = Vec::new();
    for c in &raw.conditions {
        claim(&c.id)?;
        conditions.push(Condition {
            id: c.id.get_ref().clone(),
            zh: c.zh.clone(),
            expr: cx.expr(&c.expr, "条件")?,
            status: c.status,
            levers: c.levers.clone(),
            note: c.note.clone(),
        });
    }
    let award = match &raw.outcome.award {
        None => None,
        Some(a) => Some(Award {
            zh: {
                if let Some(r) = &a.rounding
                    && r.get_ref() != "down"
                {
                    return Err(cx.err(
                        r.span(),
                        format!(
                            "奖励取整方式「{}」不可用：只能写 rounding = \"down\"（按分向下取整，支付额不得超过政策允许的金额）",
                            r.get_ref()
                        ),
                    ));
                }
                a.zh.clone()
            },
            base: cx.expr(&a.base, "奖励基数")?,
            rate: cx.expr(&a.rate, "奖励比例")?,
            cap: a.cap.as_ref().map(|c| cx.expr(c, "奖励上限")).transpose()?,
        }),
    };
    let outcome = Outcome {
        label: raw.outcome.label.clone(),
        eligible: cx.expr(&raw.outcome.eligible, "认定结论")?,
        validity_years: raw.outcome.validity_years,
        award,
    };
    let recognised = match &raw.recognised {
        None => None,
        Some(r) => {
            if raw.rung.is_none() {
                return Err(cx.err(
                    r.expr.span(),
                    "recognised（已认定记录）只能写在定义梯级（rung）的规则文件中",
                ));
            }
            Some(Recognised {
                zh: r.zh.clone(),
                expr: cx.expr(&r.expr, "已认定记录")?,
                source: r.source.clone(),
                status: r.status,
                details: r.details.clone(),
                line: line_of(text, r.expr.span().start),
            })
        }
    };
    let effective_from = cx.date(&raw.effective_from, "生效日期")?;
    let effective_to = raw
        .effective_to
        .as_ref()
        .map(|d| cx.date(d, "失效日期"))
        .transpose()?;
    if let Some(to) = effective_to
        && to < effective_from
    {
        return Err(cx.err(raw.effective_from.span(), "失效日期早于生效日期"));
    }
    let mut tests = Vec::new();
    let test_lines: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == "[[tests]]")
        .map(|(i, _)| i + 1)
        .collect();
    for (i, t) in raw.tests.iter().enumerate() {
        let line = test_lines.get(i).copied().unwrap_or(0);
        let terr = |msg: String| LoadError {
            file: path.to_path_buf(),
            line,
            msg: format!("测试用例「{}」：{msg}", t.id),
        };
        let mut facts = BTreeMap::new();
        for (k, v) in &t.facts {
            let f =
                gaoxin_model::F::by_key(k).ok_or_else(|| terr(format!("没有名为「{k}」的指标")))?;
            let kind = f.def().kind;
            let conv = |val: &toml::Value| -> Result<i64, LoadError> {
                let s = match val {
                    toml::Value::Integer(i) => i.to_string(),
                    toml::Value::Float(x) => format!("{x}"),
                    toml::Value::String(s) => s.clone(),
                    toml::Value::Boolean(b) => if *b { "1" } else { "0" }.to_string(),
                    other => {
                        return Err(terr(format!("「{k}」的值类型（{}）不对", other.type_str())));
                    }
                };
                gaoxin_model::facts::parse_value(kind, &s)
                    .map_err(|e| terr(format!("「{k}」：{e}")))?
                    .ok_or_else(|| terr(format!("「{k}」的值为空")))
            };
            let mut by_year = BTreeMap::new();
            match v {
                toml::Value::Array(a) => {
                    let n = a.len() as i32;
                    for (j, x) in a.iter().enumerate() {
                        by_year.insert(t.year - n + 1 + j as i32, conv(x)?);
                    }
                }
                toml::Value::Table(tb) => {
                    for (y, x) in tb {
                        let y: i32 = y
                            .parse()
                            .map_err(|_| terr(format!("「{k}」的年份「{y}」不是整数")))?;
                        by_year.insert(y, conv(x)?);
                    }
                }
                x => {
                    by_year.insert(t.year, conv(x)?);
                }
            }
            facts.insert(k.clone(), by_year);
        }
        let mut expect = BTreeMap::new();
        for (k, v) in &t.expect {
            let e = match v {
                toml::Value::String(s) => {
                    Expected::Verdict(crate::verdict::Verdict::parse(s).ok_or_else(|| {
                        terr(format!(
                            "期望「{k}」应为 pass / fail / unknown，而不是「{s}」"
                        ))
                    })?)
                }
                toml::Value::Integer(i) => Expected::Number(*i as f64),
                toml::Value::Float(x) => Expected::Number(*x),
                toml::Value::Boolean(b) => Expected::Bool(*b),
                other => {
                    return Err(terr(format!(
                        "期望「{k}」的值类型（{}）不对",
                        other.type_str()
                    )));
                }
            };
            expect.insert(k.clone(), e);
        }
        for k in &t.verified {
            if gaoxin_model::F::by_key(k).is_none() {
                return Err(terr(format!("verified 中没有名为「{k}」的指标")));
            }
        }
        tests.push(TestCase {
            id: t.id.clone(),
            note: t.note.clone(),
            year: t.year,
            as_of: t
                .as_of
                .as_ref()
                .map(|s| {
                    gaoxin_model::Date::parse(s)
                        .ok_or_else(|| terr(format!("as_of「{s}」不是有效日期")))
                })
                .transpose()?,
            assumption: t.assumption,
            firm: t.firm.clone(),
            facts,
            verified: t.verified.clone(),
            params: t.params.clone(),
            manual: t.manual.clone(),
            expect,
            line,
        });
    }
    Ok(RuleFile {
        path: path.to_path_buf(),
        text: text.to_string(),
        id: raw.id.get_ref().clone(),
        name: raw.name,
        version: raw.version,
        document: raw.document,
        issuer: raw.issuer,
        effective_from,
        effective_to,
        source: raw.source,
        status: raw.status,
        kind: raw.kind,
        rung: raw.rung,
        notes: raw.notes,
        params,
        tables,
        manual,
        vars,
        conditions,
        outcome,
        recognised,
        tests,
    })
}

/// Puts serde/toml's English messages into plain Chinese where the pattern is known.
fn translate_toml_error(msg: &str) -> String {
    let m = msg.trim();
    if let Some(rest) = m.strip_prefix("unknown field `") {
        let field = rest.split('`').next().unwrap_or("");
        let expected = rest
            .split_once("expected ")
            .map(|(_, e)| e.replace('`', ""))
            .unwrap_or_default();
        return format!("不认识的字段「{field}」（可用的字段：{expected}）");
    }
    if let Some(rest) = m.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or("");
        return format!("缺少必填字段「{field}」");
    }
    if m.starts_with("invalid type") {
        return format!("类型错误：{m}");
    }
    if m.starts_with("unknown variant") {
        return format!("取值不在可选范围内：{m}");
    }
    format!("TOML 格式错误：{m}")
}

/// Reads every `*.toml` file of a directory (sorted by name).
pub fn read_dir(dir: &Path) -> Result<Vec<RuleFile>, Vec<LoadError>> {
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect(),
        Err(e) => {
            return Err(vec![LoadError {
                file: dir.to_path_buf(),
                line: 0,
                msg: format!("无法读取规则目录：{e}"),
            }]);
        }
    };
    paths.sort();
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        match std::fs::read_to_string(&p) {
            Ok(text) => match parse_file(&p, &text) {
                Ok(f) => files.push(f),
                Err(e) => errors.push(e),
            },
            Err(e) => errors.push(LoadError {
                file: p.clone(),
                line: 0,
                msg: format!("无法读取文件：{e}"),
            }),
        }
    }
    let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
    for f in &files {
        if let Some(prev) = seen.insert(f.id.clone(), f.path.clone()) {
            errors.push(LoadError {
                file: f.path.clone(),
                line: 1,
                msg: format!("规则编号「{}」与 {} 重复", f.id, prev.display()),
            });
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(errors)
    }
}
