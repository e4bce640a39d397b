//! Rule files: the TOML schema, the loader and its error messages (file, line, plain Chinese).
//!
//! One file is one rule set or policy: metadata (document number, issuer, effective dates,
//! source, status), parameters with dated values, band tables with per-cut inclusivity,
//! expert-scored manual items, derived variables, conditions, the outcome (label, eligibility,
//! award) and the file's own test cases. Expressions are strings in the language of
//! [`crate::expr`]; they are parsed here (syntax errors carry their line) and resolved by
//! [`crate::plan`] (unknown names, cycles and missing parameter values carry their line too).
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::expr::{self, Ast};

mod parse;
pub use parse::parse_file;
pub(crate) use parse::{bound, translate_toml_error};

/// Where a rule file is wrong, in words an analyst can act on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[error("{}:{line}: {msg}", file.display())]
pub struct LoadError {
    pub file: PathBuf,
    /// 1-based line; 0 when the error concerns the whole file.
    pub line: usize,
    pub msg: String,
}

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

/// Reads and parses every `*.toml` file of a directory (sorted by name). Files with the same
/// `id` are versions of one rule: `crate::versions::read_dir` also checks their periods.
pub fn read_files(dir: &Path) -> Result<Vec<RuleFile>, Vec<LoadError>> {
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
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(errors)
    }
}
