//! What-if reforms (OpenFisca's *reforms*): a small TOML file that overrides parameters of rule
//! files — a threshold, a rate, a cap, a score band, an effective date — or swaps a rule file for
//! a draft version, with a name, an author and a note. Applied to the loaded [`RuleFile`]s it gives
//! new `RuleFile`s; the caller compiles both and evaluates the same panel twice (the baseline and
//! the reform), so every number of a reform is explained by the same trace as today.
//!
//! ```toml
//! name = "首次入选独角兽奖励上限提高至300万元"
//! author = "高新区科技创新局"
//! note = "为何提出、依据什么"
//!
//! [[params]]                    # a parameter's value, in the unit the rule file writes it in
//! rule = "nanjing_first_unicorn_award_2025"
//! name = "cap"
//! value = 300                   # 万元, as in the rule file
//! # from = "2026-01-01"         # optional: in force from this date (earlier values kept);
//! #                             # without it the value replaces every dated value
//! # year = 2024                 # for a parameter with yearly values: that year's value only
//!
//! [[bands]]                     # a band of a score table: its lower bound and/or points
//! rule = "innovative_sme_2022"
//! table = "rd_tbl"
//! label = "A"
//! min = 4
//! min_unit = "%"
//! points = 20
//!
//! [[dates]]                     # a rule file's effective dates
//! rule = "nanjing_incentive_2021"
//! effective_to = "2024-12-31"
//!
//! [[replace]]                   # a draft version of a rule file (same id), path relative to
//! rule = "hightech_2016"        # the reform file
//! file = "drafts/hightech_2026.toml"
//! ```
//!
//! Refused with the file, line and reason: an unknown rule, parameter, table or band; a value
//! outside its unit's range (a flag other than 0/1, a negative amount, money not exact to the fen,
//! a ratio outside 0–1000 %, fractional years); bands no longer in descending order; the same item
//! changed twice; a draft that does not parse, has another id, or does not compile (unknown names,
//! cycles) — see [`plan`].
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use gaoxin_model::Date;
use serde::Deserialize;
use toml::Spanned;

use crate::file::{
    Dated, LoadError, Param, RuleFile, Unit, bound, line_of, parse_file, translate_toml_error,
};
use crate::plan::{Plan, compile_for_run};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReform {
    name: String,
    author: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    params: Vec<RawParamSet>,
    #[serde(default)]
    bands: Vec<RawBandSet>,
    #[serde(default)]
    dates: Vec<RawDates>,
    #[serde(default)]
    replace: Vec<RawReplace>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParamSet {
    rule: Spanned<String>,
    name: String,
    value: f64,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    year: Option<i32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBandSet {
    rule: Spanned<String>,
    table: String,
    label: String,
    #[serde(default)]
    min: Option<f64>,
    #[serde(default)]
    min_unit: Option<String>,
    #[serde(default)]
    points: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDates {
    rule: Spanned<String>,
    #[serde(default)]
    effective_from: Option<String>,
    #[serde(default)]
    effective_to: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReplace {
    rule: Spanned<String>,
    file: String,
}

/// When a new parameter value applies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum When {
    /// Instead of every dated value (from the first one's date).
    Always,
    /// From this date on; values in force before it are kept.
    From(Date),
    /// The value of one fiscal year of a parameter with yearly values.
    Year(i32),
}

/// What one change of a reform does.
#[derive(Debug, Clone)]
pub enum What {
    /// A parameter's value, in the unit the rule file writes it in (万元, ratio, …).
    Param {
        name: String,
        value: f64,
        when: When,
    },
    /// A band of a score table: its lower bound (number and written unit) and/or its points.
    Band {
        table: String,
        label: String,
        min: Option<(f64, Option<String>)>,
        points: Option<f64>,
    },
    /// A rule file's effective dates.
    Dates {
        effective_from: Option<Date>,
        effective_to: Option<Date>,
    },
    /// A draft version of the rule file (parsed; the same id).
    Replace(Box<RuleFile>),
}

/// One change of a reform, with the line it was written on (0 for a form in the browser).
#[derive(Debug, Clone)]
pub struct Change {
    pub rule: String,
    pub what: What,
    pub line: usize,
}

/// A parsed reform.
#[derive(Debug, Clone)]
pub struct Reform {
    pub path: PathBuf,
    pub name: String,
    pub author: String,
    pub note: String,
    pub changes: Vec<Change>,
}

/// One applied change in words (shown with every result): 「奖励上限：200万元 → 300万元」.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AppliedChange {
    pub rule: String,
    pub rule_name: String,
    pub item: String,
    pub before: String,
    pub after: String,
    /// The changed item (or the rule) is marked UNCONFIRMED in its file.
    pub unconfirmed: bool,
}

/// The rule files with a reform applied, and what changed.
#[derive(Debug, Clone)]
pub struct Applied {
    pub files: Vec<RuleFile>,
    pub changes: Vec<AppliedChange>,
}

/// How a parameter is written in its file: 元 / 万元 / 亿元 / 美元 / 万美元 / 亿美元, or the unit's
/// name (ratio, count, points, years, flag).
pub fn written_unit(p: &Param) -> &'static str {
    match (p.unit, p.factor) {
        (Unit::Money, 1e2) => "元",
        (Unit::Money, 1e6) => "万元",
        (Unit::Money, _) => "亿元",
        (Unit::Usd, 1e2) => "美元",
        (Unit::Usd, 1e6) => "万美元",
        (Unit::Usd, _) => "亿美元",
        (Unit::Ratio, _) => "ratio",
        (Unit::Count, _) => "count",
        (Unit::Points, _) => "points",
        (Unit::Years, _) => "years",
        (Unit::Flag, _) => "flag",
        (Unit::Date | Unit::Level | Unit::Plain, _) => "",
    }
}

/// A parameter value (in its written unit) as text: 200万元, 5%, 3年, 是/否.
pub fn show_value(p: &Param, written: f64) -> String {
    let n = |x: f64| {
        let s = format!("{:.6}", x);
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    match p.unit {
        Unit::Ratio => format!("{}%", n(written * 100.0)),
        Unit::Flag => if written != 0.0 {
            "是（1）"
        } else {
            "否（0）"
        }
        .into(),
        Unit::Years => format!("{}年", n(written)),
        Unit::Points => format!("{}分", n(written)),
        Unit::Money | Unit::Usd => format!("{}{}", n(written), written_unit(p)),
        _ => n(written),
    }
}

/// The value of a parameter in force on `as_of`, in its written unit (`None` for a yearly
/// parameter or before its first value).
pub fn current_value(p: &Param, as_of: Date) -> Option<f64> {
    p.at(as_of).map(|v| v / p.factor)
}

/// Why `written` is not a valid value of parameter `p` (its unit's range), if it is not.
pub fn out_of_range(p: &Param, written: f64) -> Option<String> {
    if !written.is_finite() {
        return Some("取值不是有限数".into());
    }
    let engine = written * p.factor;
    match p.unit {
        Unit::Money | Unit::Usd => {
            if written < 0.0 {
                return Some(format!("金额不能为负（{}）", written_unit(p)));
            }
            if engine > 1e14 {
                return Some("金额超出可计算范围（不超过1万亿）".into());
            }
            if (engine - engine.round()).abs() > 0.05 {
                return Some(format!(
                    "金额须精确到分（{}，至多{}位小数）",
                    written_unit(p),
                    (p.factor / 1.0).log10().round() as i32
                ));
            }
        }
        Unit::Ratio if !(0.0..=10.0).contains(&written) => {
            return Some("比例须在0到10之间（0%–1000%，以小数书写，如5%写0.05）".into());
        }
        Unit::Flag if written != 0.0 && written != 1.0 => {
            return Some("开关参数只能取0或1".into());
        }
        Unit::Years if written < 0.0 || written.fract() != 0.0 || written > 200.0 => {
            return Some("年数须为0到200之间的整数".into());
        }
        Unit::Count | Unit::Points if written < 0.0 => {
            return Some("数值不能为负".into());
        }
        _ => {}
    }
    None
}

fn err(path: &Path, line: usize, msg: impl Into<String>) -> LoadError {
    LoadError {
        file: path.to_path_buf(),
        line,
        msg: msg.into(),
    }
}

impl Reform {
    /// Reads and parses a reform file (and the drafts it names).
    pub fn load(path: &Path) -> Result<Reform, Vec<LoadError>> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| vec![err(path, 0, format!("无法读取改革方案文件：{e}"))])?;
        Reform::parse(path, &text)
    }

    /// Parses a reform file's text; drafts (`[[replace]]`) are read relative to `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Reform, Vec<LoadError>> {
        let raw: RawReform = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(0);
            vec![err(path, line, translate_toml_error(e.message()))]
        })?;
        let line = |s: &Spanned<String>| line_of(text, s.span().start);
        let mut errors = Vec::new();
        let mut changes = Vec::new();
        if raw.name.trim().is_empty() {
            errors.push(err(path, 1, "改革方案须有名称 name"));
        }
        if raw.author.trim().is_empty() {
            errors.push(err(path, 1, "改革方案须写明提出人 author"));
        }
        let date = |s: &str, l: usize, what: &str| {
            Date::parse(s).ok_or_else(|| {
                err(
                    path,
                    l,
                    format!("{what}「{s}」不是有效日期（应为2026-01-01格式）"),
                )
            })
        };
        for p in &raw.params {
            let l = line(&p.rule);
            let when = match (&p.from, p.year) {
                (None, None) => Ok(When::Always),
                (Some(f), None) => date(f, l, "生效日期 from").map(When::From),
                (None, Some(y)) if (1900..=2200).contains(&y) => Ok(When::Year(y)),
                (None, Some(y)) => Err(err(path, l, format!("年度 {y} 不是有效年份"))),
                (Some(_), Some(_)) => Err(err(path, l, "from 与 year 只能写一个")),
            };
            match when {
                Ok(when) => changes.push(Change {
                    rule: p.rule.get_ref().clone(),
                    what: What::Param {
                        name: p.name.clone(),
                        value: p.value,
                        when,
                    },
                    line: l,
                }),
                Err(e) => errors.push(e),
            }
        }
        for b in &raw.bands {
            let l = line(&b.rule);
            if b.min.is_none() && b.points.is_none() {
                errors.push(err(path, l, "分档修改须写 min（下限）或 points（分值）"));
                continue;
            }
            if b.min.is_none() && b.min_unit.is_some() {
                errors.push(err(path, l, "写了 min_unit 却没有 min"));
                continue;
            }
            changes.push(Change {
                rule: b.rule.get_ref().clone(),
                what: What::Band {
                    table: b.table.clone(),
                    label: b.label.clone(),
                    min: b.min.map(|m| (m, b.min_unit.clone())),
                    points: b.points,
                },
                line: l,
            });
        }
        for d in &raw.dates {
            let l = line(&d.rule);
            let from = d
                .effective_from
                .as_deref()
                .map(|s| date(s, l, "生效日期"))
                .transpose();
            let to = d
                .effective_to
                .as_deref()
                .map(|s| date(s, l, "失效日期"))
                .transpose();
            match (from, to) {
                (Ok(None), Ok(None)) => {
                    errors.push(err(path, l, "日期修改须写 effective_from 或 effective_to"))
                }
                (Ok(effective_from), Ok(effective_to)) => changes.push(Change {
                    rule: d.rule.get_ref().clone(),
                    what: What::Dates {
                        effective_from,
                        effective_to,
                    },
                    line: l,
                }),
                (Err(e), _) | (_, Err(e)) => errors.push(e),
            }
        }
        for r in &raw.replace {
            let l = line(&r.rule);
            let draft = path.parent().unwrap_or(Path::new(".")).join(&r.file);
            let parsed = std::fs::read_to_string(&draft)
                .map_err(|e| {
                    err(
                        path,
                        l,
                        format!("无法读取草案文件 {}：{e}", draft.display()),
                    )
                })
                .and_then(|t| parse_file(&draft, &t));
            match parsed {
                Ok(f) if f.id != *r.rule.get_ref() => errors.push(err(
                    path,
                    l,
                    format!(
                        "草案 {} 的规则编号是「{}」，与要替换的「{}」不同",
                        draft.display(),
                        f.id,
                        r.rule.get_ref()
                    ),
                )),
                Ok(f) => changes.push(Change {
                    rule: r.rule.get_ref().clone(),
                    what: What::Replace(Box::new(f)),
                    line: l,
                }),
                Err(e) => errors.push(e),
            }
        }
        if changes.is_empty() && errors.is_empty() {
            errors.push(err(
                path,
                1,
                "改革方案没有任何修改（[[params]]、[[bands]]、[[dates]] 或 [[replace]]）",
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Reform {
            path: path.to_path_buf(),
            name: raw.name,
            author: raw.author,
            note: raw.note,
            changes,
        })
    }

    /// Applies the reform to `files` (which are not changed): new files, and each change in
    /// words (before → after, the values in force on `as_of`). Every error is reported, each with
    /// the reform file's line.
    pub fn apply(&self, files: &[RuleFile], as_of: Date) -> Result<Applied, Vec<LoadError>> {
        // Of a rule with several versions, the one in force on `as_of` is changed.
        let mut out: Vec<RuleFile> = crate::versions::select(files, as_of).into_owned();
        let mut applied = Vec::new();
        let mut errors = Vec::new();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        for c in &self.changes {
            let e = |msg: String| err(&self.path, c.line, msg);
            let Some(f) = out.iter_mut().find(|f| f.id == c.rule) else {
                let known: Vec<&str> = files.iter().map(|f| f.id.as_str()).collect();
                errors.push(e(format!(
                    "没有编号为「{}」的规则（现有规则：{}）",
                    c.rule,
                    known.join("、")
                )));
                continue;
            };
            let key = match &c.what {
                What::Param { name, .. } => format!("{}/param/{name}", c.rule),
                What::Band { table, label, .. } => format!("{}/band/{table}/{label}", c.rule),
                What::Dates { .. } => format!("{}/dates", c.rule),
                What::Replace(_) => format!("{}/replace", c.rule),
            };
            let whole = format!("{}/replace", c.rule);
            if !seen.insert(key.clone()) || (key != whole && seen.contains(&whole)) {
                errors.push(e(format!(
                    "规则「{}」的同一项被修改了两次（或既替换整个文件又修改其中一项）",
                    c.rule
                )));
                continue;
            }
            match apply_one(f, &c.what, as_of) {
                Ok(a) => applied.push(a),
                Err(msg) => errors.push(e(msg)),
            }
        }
        if errors.is_empty() {
            Ok(Applied {
                files: out,
                changes: applied,
            })
        } else {
            Err(errors)
        }
    }
}

/// Applies one change to file `f`.
fn apply_one(f: &mut RuleFile, what: &What, as_of: Date) -> Result<AppliedChange, String> {
    let rule_name = f.name.clone();
    let rule = f.id.clone();
    let done = |item: String, before: String, after: String, unconfirmed: bool| AppliedChange {
        rule: rule.clone(),
        rule_name: rule_name.clone(),
        item,
        before,
        after,
        unconfirmed,
    };
    let file_unconfirmed = f.status == crate::Status::Unconfirmed;
    match what {
        What::Param { name, value, when } => {
            let (item, before, after, unc) = apply_param(f, name, *value, *when, as_of)?;
            Ok(done(item, before, after, unc))
        }
        What::Band {
            table,
            label,
            min,
            points,
        } => {
            let (item, before, after, unc) = apply_band(f, table, label, min, points)?;
            Ok(done(item, before, after, unc))
        }
        What::Dates {
            effective_from,
            effective_to,
        } => {
            let before = format!(
                "{} 至 {}",
                f.effective_from,
                f.effective_to
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "长期".into())
            );
            if let Some(d) = effective_from {
                f.effective_from = *d;
            }
            if let Some(d) = effective_to {
                f.effective_to = Some(*d);
            }
            if let Some(to) = f.effective_to
                && to < f.effective_from
            {
                return Err("修改后失效日期早于生效日期".into());
            }
            let after = format!(
                "{} 至 {}",
                f.effective_from,
                f.effective_to
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "长期".into())
            );
            Ok(done("有效期".into(), before, after, file_unconfirmed))
        }
        What::Replace(draft) => {
            let before = format!("版本 {}", f.version);
            *f = (**draft).clone();
            Ok(done(
                "整个规则文件（草案）".into(),
                before,
                format!("草案版本 {}（{}）", f.version, f.path.display()),
                f.status == crate::Status::Unconfirmed,
            ))
        }
    }
}

/// (item, before, after, unconfirmed) of a change.
type Said = (String, String, String, bool);

/// A parameter's new value.
fn apply_param(
    f: &mut RuleFile,
    name: &str,
    value: f64,
    when: When,
    as_of: Date,
) -> Result<Said, String> {
    let file_unconfirmed = f.status == crate::Status::Unconfirmed;
    let (value, when) = (&value, &when);
    let names: Vec<String> = f.params.iter().map(|p| p.name.clone()).collect();
    let Some(p) = f.params.iter_mut().find(|p| p.name == *name) else {
        return Err(format!(
            "规则「{}」（{}）没有参数「{name}」（可用参数：{}）",
            f.id,
            f.name,
            names.join("、")
        ));
    };
    if let Some(why) = out_of_range(p, *value) {
        return Err(format!(
            "参数「{name}」（{}）的取值 {value} 超出范围：{why}",
            p.zh
        ));
    }
    let before = match (p.yearly, when) {
        (true, When::Year(y)) => p
            .values
            .iter()
            .find(|d| d.year == Some(*y))
            .map(|d| show_value(p, d.value / p.factor))
            .unwrap_or_else(|| format!("{y}年度无取值")),
        _ => current_value(p, as_of)
            .map(|v| show_value(p, v))
            .unwrap_or_else(|| "按年度取值".into()),
    };
    let engine = match p.unit {
        // exact to the fen (cent): what `out_of_range` accepted, without float residue
        Unit::Money | Unit::Usd => (value * p.factor).round(),
        _ => value * p.factor,
    };
    match (p.yearly, when) {
        (_, When::Always) => {
            let from = p.values[0].from;
            p.values = vec![Dated {
                from,
                year: None,
                value: engine,
            }];
            p.yearly = false;
        }
        (false, When::From(d)) => {
            p.values.retain(|x| x.from < *d);
            p.values.push(Dated {
                from: *d,
                year: None,
                value: engine,
            });
        }
        (true, When::Year(y)) => {
            p.values.retain(|x| x.year != Some(*y));
            let from = Date::new(*y, 1, 1).ok_or("年度无效")?;
            p.values.push(Dated {
                from,
                year: Some(*y),
                value: engine,
            });
            p.values.sort_by_key(|x| x.from);
        }
        (true, When::From(_)) => {
            return Err(format!(
                "参数「{name}」按年度取值：请用 year 指定年度（或都不写，表示各年统一取值）"
            ));
        }
        (false, When::Year(_)) => {
            return Err(format!(
                "参数「{name}」不按年度取值：请用 from 指定生效日期（或都不写）"
            ));
        }
    }
    let after = match when {
        When::Always => show_value(p, *value),
        When::From(d) => format!("{}（自{d}起）", show_value(p, *value)),
        When::Year(y) => format!("{}（{y}年度）", show_value(p, *value)),
    };
    Ok((
        p.zh.clone(),
        before,
        after,
        file_unconfirmed || p.status == crate::Status::Unconfirmed,
    ))
}

/// A band's new lower bound and/or points.
fn apply_band(
    f: &mut RuleFile,
    table: &str,
    label: &str,
    min: &Option<(f64, Option<String>)>,
    points: &Option<f64>,
) -> Result<Said, String> {
    let file_unconfirmed = f.status == crate::Status::Unconfirmed;
    let tables: Vec<String> = f.tables.iter().map(|t| t.name.clone()).collect();
    let Some(t) = f.tables.iter_mut().find(|t| t.name == *table) else {
        return Err(format!(
            "规则「{}」没有分档表「{table}」（现有分档表：{}）",
            f.id,
            if tables.is_empty() {
                "无".into()
            } else {
                tables.join("、")
            }
        ));
    };
    let labels: Vec<String> = t.bands.iter().map(|b| b.label.clone()).collect();
    let Some(i) = t.bands.iter().position(|b| b.label == *label) else {
        return Err(format!(
            "分档表「{table}」没有「{label}」档（现有：{}）",
            labels.join("、")
        ));
    };
    let show = |b: &crate::file::Band| {
        format!(
            "下限 {}，{}分",
            b.min.map(|m| format!("{m}")).unwrap_or_else(|| "—".into()),
            b.points
        )
    };
    let before = show(&t.bands[i]);
    if let Some(pts) = points {
        if !pts.is_finite() || *pts < 0.0 {
            return Err(format!("「{label}」档的分值 {pts} 须为非负数"));
        }
        t.bands[i].points = *pts;
    }
    if let Some((m, unit)) = min {
        if t.bands[i].min.is_none() {
            return Err(format!("「{label}」档是最后一档（其余情形），没有下限可改"));
        }
        if !m.is_finite() {
            return Err(format!("「{label}」档的下限不是有限数"));
        }
        t.bands[i].min = Some(bound(*m, unit.as_deref())?);
    }
    let mins: Vec<f64> = t.bands.iter().filter_map(|b| b.min).collect();
    if mins.windows(2).any(|w| w[0] <= w[1]) {
        return Err(format!(
            "修改后分档表「{table}」的下限不再从高到低排列（须高档在前、下限严格递减）"
        ));
    }
    let after = show(&t.bands[i]);
    Ok((
        format!("{}（{label}档）", t.zh),
        before,
        after,
        file_unconfirmed || t.status == crate::Status::Unconfirmed,
    ))
}

/// The plans of the baseline and of the reformed files for `as_of`. A reformed file that no
/// longer compiles (unknown names, a cycle, a band table out of order) is refused with its file,
/// line and reason; a file the reform takes out of force (dates, a value from a later date) is
/// left out like any file not in force, and said so in the second list.
pub fn plan(
    reformed: &[RuleFile],
    baseline_skipped: &[LoadError],
    as_of: Date,
) -> Result<(Plan, Vec<String>), Vec<LoadError>> {
    let (plan, skipped) = compile_for_run(reformed, as_of);
    let not_in_force =
        |e: &LoadError| e.msg.contains("没有生效的取值") || (e.line == 0 && e.msg.contains("失效"));
    let new: Vec<LoadError> = skipped
        .iter()
        .filter(|e| !baseline_skipped.contains(e))
        .cloned()
        .collect();
    let (out, bad): (Vec<LoadError>, Vec<LoadError>) = new.into_iter().partition(not_in_force);
    if !bad.is_empty() {
        return Err(bad);
    }
    Ok((plan, out.iter().map(|e| e.to_string()).collect()))
}

/// The rule ids a file refers to with `ref(id)`, anywhere in its expressions.
pub fn refs_of(f: &RuleFile) -> BTreeSet<String> {
    fn walk(a: &crate::expr::Ast, out: &mut BTreeSet<String>) {
        use crate::expr::Ast;
        match a {
            Ast::Call(name, args, _) => {
                if name == "ref"
                    && let Some(Ast::Var(id, _)) = args.first()
                {
                    out.insert(id.clone());
                }
                args.iter().for_each(|x| walk(x, out));
            }
            Ast::Neg(x) | Ast::Not(x) => walk(x, out),
            Ast::Bin(_, x, y) | Ast::Cmp(_, x, y) => {
                walk(x, out);
                walk(y, out);
            }
            Ast::And(v) | Ast::Or(v) => v.iter().for_each(|x| walk(x, out)),
            Ast::Num(..) | Ast::Var(..) => {}
        }
    }
    let mut out = BTreeSet::new();
    let exprs = f
        .vars
        .iter()
        .map(|v| &v.expr)
        .chain(f.conditions.iter().map(|c| &c.expr))
        .chain([&f.outcome.eligible])
        .chain(f.outcome.award.iter().flat_map(|a| {
            [Some(&a.base), Some(&a.rate), a.cap.as_ref()]
                .into_iter()
                .flatten()
        }))
        .chain(f.manual.iter().flat_map(|m| [&m.lo, &m.hi]))
        .chain(f.recognised.iter().map(|r| &r.expr));
    for e in exprs {
        walk(&e.ast, &mut out);
    }
    out
}

/// The rules whose results a reform can change: the rules it changes and every rule that refers
/// to one of them (`ref`), transitively. The others give the baseline's results unchanged.
pub fn affected(files: &[RuleFile], changed: &BTreeSet<String>) -> BTreeSet<String> {
    let refs: Vec<(String, BTreeSet<String>)> =
        files.iter().map(|f| (f.id.clone(), refs_of(f))).collect();
    let mut out = changed.clone();
    loop {
        let before = out.len();
        for (id, r) in &refs {
            if !out.contains(id) && r.iter().any(|x| out.contains(x)) {
                out.insert(id.clone());
            }
        }
        if out.len() == before {
            return out;
        }
    }
}

/// The files of `ids` and every file they refer to, transitively (what compiling them needs).
pub fn with_dependencies(files: &[RuleFile], ids: &BTreeSet<String>) -> Vec<RuleFile> {
    let mut want = ids.clone();
    loop {
        let before = want.len();
        let more: Vec<String> = files
            .iter()
            .filter(|f| want.contains(&f.id))
            .flat_map(refs_of)
            .collect();
        want.extend(more);
        if want.len() == before {
            break;
        }
    }
    files
        .iter()
        .filter(|f| want.contains(&f.id))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests;
