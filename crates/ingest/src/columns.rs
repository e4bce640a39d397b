//! The columns of the enterprise-year sheet: identity columns, then one per fact of
//! [`gaoxin_model::FIELDS`], then the provenance columns. Headers are matched in Chinese (as in
//! the template) or English (the field key), ignoring spaces and full/half-width brackets. A unit
//! in brackets is information: [`fact_unit`] reads it and says how the column's cells are scaled.
use gaoxin_model::{F, FIELDS, Kind, Unit};
use std::collections::HashMap;
use std::sync::OnceLock;

/// A column the importer understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Col {
    Uscc,
    Name,
    Park,
    Year,
    Founded,
    Industry,
    Sector,
    TechField,
    Listing,
    Clusters,
    Tracks,
    Fact(F),
    /// Default provenance of the row's facts (企业申报 / a verified source name / 估算).
    Source,
    /// Per-field provenance overrides: `研发费用=税务;出口总额=企业申报`.
    SourceDetail,
}

/// Identity columns: (column, Chinese header, English header, required, help).
pub const IDENTITY: &[(Col, &str, &str, bool, &str)] = &[
    (
        Col::Uscc,
        "统一社会信用代码",
        "uscc",
        true,
        "18位统一社会信用代码（GB 32100-2015），校验位必须正确",
    ),
    (Col::Name, "企业名称", "name", true, "营业执照上的企业名称"),
    (
        Col::Park,
        "所属园区",
        "park",
        true,
        "十五个高新园区之一，填园区名称，如“江北新区”",
    ),
    (
        Col::Year,
        "年度",
        "year",
        true,
        "数据所属的会计年度，如2024",
    ),
    (
        Col::Founded,
        "成立日期",
        "founded",
        true,
        "营业执照成立日期，如2015-06-01",
    ),
    (
        Col::Industry,
        "行业代码",
        "industry",
        true,
        "国民经济行业分类（GB/T 4754-2017）代码，如C3911",
    ),
    (
        Col::Sector,
        "行业类型",
        "sector",
        false,
        "制造业或服务业；不填时按行业代码判断（C门类为制造业）",
    ),
    (
        Col::TechField,
        "技术领域",
        "tech_field",
        false,
        "《国家重点支持的高新技术领域》八大领域之一",
    ),
    (
        Col::Listing,
        "上市状态",
        "listing",
        false,
        "未上市/主板/创业板/科创板/北交所/新三板/境外上市；不填为未上市",
    ),
    (
        Col::Clusters,
        "所属集群",
        "clusters",
        false,
        "创新型产业集群名称，多个用“、”分隔",
    ),
    (
        Col::Tracks,
        "所属赛道",
        "tracks",
        false,
        "新赛道名称，多个用“、”分隔",
    ),
];

pub const SOURCE_ZH: &str = "数据来源";
pub const SOURCE_DETAIL_ZH: &str = "来源明细";

/// Every column in template order: identity, facts, provenance.
pub fn template_columns() -> Vec<(Col, &'static str)> {
    let mut v: Vec<(Col, &str)> = IDENTITY.iter().map(|(c, zh, ..)| (*c, *zh)).collect();
    v.extend(F::ALL.iter().map(|f| (Col::Fact(*f), f.def().zh)));
    v.push((Col::Source, SOURCE_ZH));
    v.push((Col::SourceDetail, SOURCE_DETAIL_ZH));
    v
}

/// How many distinct columns there are.
pub const N_COLS: usize = IDENTITY.len() + gaoxin_model::N_FIELDS + 2;

/// A dense index of a column (identity columns first, then facts, then provenance), for lookup tables.
pub fn ordinal(c: Col) -> usize {
    match c {
        Col::Fact(f) => IDENTITY.len() + f as usize,
        Col::Source => IDENTITY.len() + gaoxin_model::N_FIELDS,
        Col::SourceDetail => IDENTITY.len() + gaoxin_model::N_FIELDS + 1,
        c => IDENTITY
            .iter()
            .position(|x| x.0 == c)
            .expect("every other column is an identity column"),
    }
}

/// Folds a header for matching: no spaces, half-width brackets, lower case, unit suffix removed.
pub fn fold(h: &str) -> String {
    let s: String = h
        .trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '*')
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    match s.find('(') {
        Some(i) if i > 0 && s.ends_with(')') => s[..i].to_string(),
        _ => s,
    }
}

/// The text in a header's trailing brackets (folded: half-width, no spaces), without a leading
/// `单位:`; `None` when there are none.
pub fn bracket(h: &str) -> Option<String> {
    let s = fold_keep(h);
    let i = s.rfind('(')?;
    if i == 0 || !s.ends_with(')') {
        return None;
    }
    let inner = &s[i + 1..s.len() - 1];
    let inner = inner
        .strip_prefix("单位:")
        .or_else(|| inner.strip_prefix("单位："))
        .unwrap_or(inner);
    Some(inner.to_string())
}

fn fold_keep(h: &str) -> String {
    h.trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '*')
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '：' => ':',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// How the cells of a fact column are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellUnit {
    /// Amounts (CNY in fen, or US cents) written in this unit.
    Money(Unit),
    /// Counts, flags, levels, dates: read as the template says.
    Plain,
}

/// What a fact column's header says about its unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderUnit {
    /// The header names a unit that fits (or the field has none and none is named).
    Given(CellUnit),
    /// No unit in the header although the template has one: read in the template's unit (its name).
    Assumed(CellUnit, String),
    /// A unit that does not fit this field (the unit, and the units that would).
    Refused(String, String),
}

/// Words that are units (and so must fit the field) rather than notes in brackets.
fn looks_like_unit(u: &str) -> bool {
    u.contains('元')
        || u.contains('%')
        || u.contains('％')
        || u.contains('‰')
        || [
            "人", "万人", "件", "项", "个", "家", "次", "年", "月", "天", "日", "千", "万", "亿",
            "百万", "千万", "usd", "cny", "rmb",
        ]
        .contains(&u)
}

/// The unit of a fact column from its header (see [`HeaderUnit`]). Money: 元, 万元, 亿元;
/// US dollars: 美元, 万美元, 亿美元; counts: the template's own unit (人, 件, 项, 年). A
/// percentage fits no fact (facts are amounts and counts, ratios are computed by the rules).
pub fn fact_unit(f: F, header: &str) -> HeaderUnit {
    let def = f.def();
    let template = bracket(def.zh);
    let given = bracket(header);
    let money = |u: &str, usd: bool| -> Option<Unit> {
        let t = if usd {
            u.strip_suffix("美元")?
        } else {
            u.strip_suffix('元')?
        };
        match t {
            "" => Some(Unit::Yuan),
            "万" => Some(Unit::WanYuan),
            "亿" => Some(Unit::YiYuan),
            _ => None,
        }
    };
    let (usd, is_money) = match def.kind {
        Kind::Money { .. } => (false, true),
        Kind::Usd => (true, true),
        _ => (false, false),
    };
    let fits = if is_money {
        if usd {
            "美元、万美元、亿美元"
        } else {
            "元、万元、亿元"
        }
        .to_string()
    } else {
        match &template {
            Some(t) => t.clone(),
            None => "（此列不带单位）".to_string(),
        }
    };
    match given {
        None => match (&template, is_money) {
            (Some(t), true) => HeaderUnit::Assumed(
                CellUnit::Money(money(t, usd).expect("template units are valid")),
                t.clone(),
            ),
            (Some(t), false) => HeaderUnit::Assumed(CellUnit::Plain, t.clone()),
            (None, _) => HeaderUnit::Given(CellUnit::Plain),
        },
        Some(u) => {
            if is_money {
                match money(&u, usd) {
                    Some(unit) => HeaderUnit::Given(CellUnit::Money(unit)),
                    None if looks_like_unit(&u) || u.contains("美元") => {
                        HeaderUnit::Refused(u, fits)
                    }
                    // A note in brackets, not a unit: the template's unit, said so.
                    None => {
                        let t = template.expect("money fields have a unit");
                        HeaderUnit::Assumed(CellUnit::Money(money(&t, usd).expect("valid")), t)
                    }
                }
            } else if template.as_deref() == Some(u.as_str()) {
                HeaderUnit::Given(CellUnit::Plain)
            } else if looks_like_unit(&u) {
                HeaderUnit::Refused(u, fits)
            } else {
                match template {
                    Some(t) => HeaderUnit::Assumed(CellUnit::Plain, t),
                    None => HeaderUnit::Given(CellUnit::Plain),
                }
            }
        }
    }
}

/// Every accepted spelling (folded) → its column; built once.
fn names() -> &'static HashMap<String, Col> {
    static NAMES: OnceLock<HashMap<String, Col>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut m = HashMap::new();
        for (c, zh, en, ..) in IDENTITY {
            m.insert(fold(zh), *c);
            m.insert(en.to_string(), *c);
        }
        for (i, def) in FIELDS.iter().enumerate() {
            m.insert(fold(def.zh), Col::Fact(F::ALL[i]));
            m.insert(def.key.to_string(), Col::Fact(F::ALL[i]));
        }
        for (k, c) in [
            ("数据来源", Col::Source),
            ("source", Col::Source),
            ("来源明细", Col::SourceDetail),
            ("source_detail", Col::SourceDetail),
            ("provenance", Col::SourceDetail),
        ] {
            m.insert(k.to_string(), c);
        }
        m
    })
}

/// The column a header names, if any.
pub fn match_header(h: &str) -> Option<Col> {
    // Field keys (as written by exports in 来源明细) are found without folding.
    if let Some(c) = names().get(h) {
        return Some(*c);
    }
    names().get(&fold(h)).copied()
}

/// How well a row of cells reads as a header: the distinct known columns it names, less the
/// cells that name a column again (a label merged across two columns over a second header row).
/// The header row is the row of the first rows (20) that scores the most.
pub fn header_score<'a>(cells: impl IntoIterator<Item = &'a str>) -> usize {
    let mut seen = [false; N_COLS];
    let (mut n, mut again) = (0usize, 0usize);
    for c in cells {
        if let Some(col) = match_header(c) {
            let i = ordinal(col);
            if seen[i] {
                again += 1;
            } else {
                seen[i] = true;
                n += 1;
            }
        }
    }
    n.saturating_sub(again)
}

/// Words under a merged parent header that only say "the amount of the above" (so the parent
/// names the column and the child at most its unit): 「研发费用」 over 「金额（万元）」. Not
/// 合计: that is a total row's label (a 合计 row right under the header is not a header row).
const GENERIC_CHILD: &[&str] = &[
    "", "金额", "数额", "数值", "数量", "总额", "本年", "当年", "人数", "件数", "项数",
];

/// Units written as a child header of their own: 「营业收入」 over 「万元」.
const BARE_UNITS: &[&str] = &[
    "元",
    "万元",
    "亿元",
    "美元",
    "万美元",
    "亿美元",
    "人",
    "件",
    "项",
    "年",
];

/// The label of one column of a two-row header: `parent` (the upper row, merged cells filled)
/// over `child`. The first of these that names a known column is taken: parent and child
/// together (「营业收入」+「（万元）」), the child alone (「基本信息」 over 「企业名称」), the
/// parent with the child's unit when the child is only an amount or a unit (「研发费用」 over
/// 「金额（万元）」 or 「万元」), the parent alone when the child is blank or repeats it (a
/// cell merged down both rows). `None` when none does.
pub fn combine_header(parent: &str, child: &str) -> Option<String> {
    let (p, c) = (parent.trim(), child.trim());
    let mut tries: Vec<String> = Vec::with_capacity(4);
    if !p.is_empty() && !c.is_empty() {
        tries.push(format!("{p}{c}"));
    }
    if !c.is_empty() {
        tries.push(c.to_string());
    }
    if !p.is_empty() {
        let stem = fold(c);
        let unit = bracket(c).or_else(|| BARE_UNITS.contains(&stem.as_str()).then(|| stem.clone()));
        if let Some(u) = &unit
            && (GENERIC_CHILD.contains(&stem.as_str()) || BARE_UNITS.contains(&stem.as_str()))
        {
            tries.push(format!("{}（{u}）", strip_bracket(p)));
        }
        if GENERIC_CHILD.contains(&stem.as_str()) || stem == fold(p) {
            tries.push(p.to_string());
        }
    }
    tries.into_iter().find(|t| match_header(t).is_some())
}

/// A header without its trailing bracket: 「研发费用（万元）」 → 「研发费用」.
fn strip_bracket(h: &str) -> &str {
    let h = h.trim();
    match h.rfind(['(', '（']) {
        Some(i) if i > 0 && (h.ends_with(')') || h.ends_with('）')) => h[..i].trim_end(),
        _ => h,
    }
}

/// The Chinese name of a column, for messages.
pub fn zh_name(c: Col) -> &'static str {
    match c {
        Col::Fact(f) => f.def().zh,
        Col::Source => SOURCE_ZH,
        Col::SourceDetail => SOURCE_DETAIL_ZH,
        c => IDENTITY
            .iter()
            .find(|x| x.0 == c)
            .map(|x| x.1)
            .unwrap_or("?"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn headers_match_in_both_languages() {
        assert_eq!(match_header("统一社会信用代码"), Some(Col::Uscc));
        assert_eq!(match_header(" USCC "), Some(Col::Uscc));
        assert_eq!(
            match_header("营业收入（万元）"),
            Some(Col::Fact(F::Revenue))
        );
        assert_eq!(match_header("营业收入(万元)"), Some(Col::Fact(F::Revenue)));
        assert_eq!(match_header("营业收入"), Some(Col::Fact(F::Revenue)));
        assert_eq!(match_header("rd_expense"), Some(Col::Fact(F::RdExpense)));
        assert_eq!(match_header("\u{feff}统一社会信用代码"), Some(Col::Uscc));
        assert_eq!(match_header("备注"), None);
    }

    #[test]
    fn header_units_are_read_and_checked() {
        use HeaderUnit::*;
        let r = F::Revenue;
        assert_eq!(
            fact_unit(r, "营业收入（元）"),
            Given(CellUnit::Money(Unit::Yuan))
        );
        assert_eq!(
            fact_unit(r, "营业收入(万元)"),
            Given(CellUnit::Money(Unit::WanYuan))
        );
        assert_eq!(
            fact_unit(r, "营业收入（单位：亿元）"),
            Given(CellUnit::Money(Unit::YiYuan))
        );
        assert_eq!(
            fact_unit(r, "营业收入"),
            Assumed(CellUnit::Money(Unit::WanYuan), "万元".into())
        );
        assert_eq!(
            fact_unit(r, "revenue"),
            Assumed(CellUnit::Money(Unit::WanYuan), "万元".into())
        );
        assert!(matches!(fact_unit(r, "营业收入（千元）"), Refused(u, _) if u == "千元"));
        assert!(matches!(fact_unit(r, "营业收入（人）"), Refused(u, _) if u == "人"));
        assert!(matches!(fact_unit(r, "营业收入（%）"), Refused(..)));
        assert!(matches!(fact_unit(r, "营业收入（万美元）"), Refused(..)));
        assert_eq!(
            fact_unit(F::ValuationUsd, "最新估值（亿美元）"),
            Given(CellUnit::Money(Unit::YiYuan))
        );
        assert!(matches!(
            fact_unit(F::ValuationUsd, "最新估值（万元）"),
            Refused(..)
        ));
        assert_eq!(
            fact_unit(F::Employees, "从业人员（人）"),
            Given(CellUnit::Plain)
        );
        assert!(matches!(
            fact_unit(F::Employees, "从业人员（万人）"),
            Refused(..)
        ));
        assert!(matches!(
            fact_unit(F::Employees, "从业人员（件）"),
            Refused(..)
        ));
        assert_eq!(
            fact_unit(F::Employees, "从业人员"),
            Assumed(CellUnit::Plain, "人".into())
        );
        assert_eq!(
            fact_unit(F::StrategicEmerging, "属于战略性新兴产业（是/否）"),
            Given(CellUnit::Plain)
        );
        assert!(matches!(
            fact_unit(F::StrategicEmerging, "属于战略性新兴产业（%）"),
            Refused(..)
        ));
    }

    #[test]
    fn two_row_labels_combine_only_into_known_headers() {
        let c = |p: &str, ch: &str| combine_header(p, ch);
        assert_eq!(
            c("营业收入", "（万元）").as_deref(),
            Some("营业收入（万元）")
        );
        assert_eq!(c("营业收入", "万元").as_deref(), Some("营业收入（万元）"));
        assert_eq!(
            c("研发费用", "金额（亿元）").as_deref(),
            Some("研发费用（亿元）")
        );
        assert_eq!(
            c("研发费用（万元）", "金额").as_deref(),
            Some("研发费用（万元）")
        );
        assert_eq!(c("基本信息", "企业名称").as_deref(), Some("企业名称"));
        assert_eq!(c("年度", "年度").as_deref(), Some("年度"));
        assert_eq!(c("年度", "").as_deref(), Some("年度"));
        assert_eq!(c("研发费用", "占比（%）"), None);
        // not an alias: 研发投入 is not 研发费用 (the column is reported as not recognised)
        assert_eq!(c("研发投入", "金额"), None);
        // a data row under a header never combines
        assert_eq!(c("营业收入（万元）", "1234.5"), None);
        // a header that names a column scores it once; a label merged across two cells less
        assert_eq!(header_score(["统一社会信用代码", "年度", "备注"]), 2);
        assert_eq!(header_score(["年度", "研发费用", "研发费用"]), 1);
    }

    #[test]
    fn template_headers_are_unique_after_folding() {
        let mut v: Vec<String> = template_columns().iter().map(|(_, h)| fold(h)).collect();
        let n = v.len();
        v.sort();
        v.dedup();
        assert_eq!(v.len(), n);
        for (c, h) in template_columns() {
            assert_eq!(match_header(h), Some(c), "{h}");
        }
    }
}
