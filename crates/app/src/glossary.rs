//! 术语说明: the terms the pages use, in plain Chinese with their source (from
//! `data/reference/glossary.toml`, shipped with the binary), and the Chinese name and source
//! document of every rule file and indicator scheme in use — one page linked from every page.
use crate::error::EvalError;
use gaoxin_model::present;
use serde::{Deserialize, Serialize};

const GLOSSARY: &str = include_str!("../../../data/reference/glossary.toml");

/// One term and what it means.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Term {
    pub term: String,
    pub zh: String,
    pub source: String,
    /// Other forms of the term in page text that link to its entry (「高企」).
    #[serde(default)]
    pub aliases: Vec<String>,
}

impl Term {
    /// The entry's anchor on the glossary page (`/glossary#<anchor>`): the term before a
    /// bracketed abbreviation (「科技型中小企业（科小）」 → 「科技型中小企业」).
    pub fn anchor(&self) -> String {
        self.term
            .split(['（', '('])
            .next()
            .unwrap_or(&self.term)
            .trim()
            .to_string()
    }
}

#[derive(Deserialize)]
struct File {
    #[serde(rename = "term")]
    terms: Vec<Term>,
}

/// A rule, indicator or scheme by its Chinese name: what it is and where it comes from.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Entry {
    pub name: String,
    /// What it is (规则类型, 所属一级指标 …).
    pub what: String,
    pub source: String,
    pub unconfirmed: bool,
}

/// The glossary page's content.
#[derive(Debug, Clone, Serialize)]
pub struct Glossary {
    pub terms: Vec<Term>,
    /// Each term's anchor (`Term::anchor`), in the order of `terms`: the pages' inline links
    /// point there.
    pub anchors: Vec<String>,
    pub rules: Vec<Entry>,
    pub indicators: Vec<Entry>,
}

/// The terms of `data/reference/glossary.toml`.
pub fn terms() -> Result<Vec<Term>, String> {
    toml::from_str::<File>(GLOSSARY)
        .map(|f| f.terms)
        .map_err(|e| format!("术语说明文件无法读取：{e}"))
}

/// Terms, rules (from the rule files in use) and park-evaluation indicators; a rules directory
/// or scheme that cannot be read leaves its part empty (the terms still show).
pub fn glossary() -> Result<Glossary, EvalError> {
    let terms = terms().map_err(EvalError::Engine)?;
    let rules = crate::rules_files::load_rules()
        .map(|fs| {
            fs.iter()
                .map(|f| Entry {
                    name: f.name.clone(),
                    what: match f.kind {
                        gaoxin_rules::file::RuleKind::Qualification => "资格认定",
                        gaoxin_rules::file::RuleKind::Label => "榜单",
                        gaoxin_rules::file::RuleKind::Policy => "奖励政策",
                    }
                    .into(),
                    source: present::plain(&f.document),
                    unconfirmed: f.status == gaoxin_rules::Status::Unconfirmed,
                })
                .collect()
        })
        .unwrap_or_default();
    let indicators = crate::indicators::park_scheme()
        .map(|s| {
            s.indicators
                .iter()
                .map(|i| Entry {
                    name: i.name.clone(),
                    what: s
                        .dimensions
                        .iter()
                        .find(|d| d.code == i.dimension)
                        .map(|d| format!("园区评价 · {}", d.name))
                        .unwrap_or_else(|| "园区评价".into()),
                    source: present::plain(&s.document),
                    unconfirmed: i.weight_status == gaoxin_index::park::Status::Unconfirmed,
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Glossary {
        anchors: terms.iter().map(Term::anchor).collect(),
        terms,
        rules,
        indicators,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every term reads as plain Chinese: no developers' references, a source for each.
    #[test]
    fn glossary_terms_are_plain_and_sourced() {
        let ts = terms().unwrap();
        assert!(ts.len() >= 20);
        for t in &ts {
            assert!(!t.zh.is_empty() && !t.source.is_empty(), "{t:?}");
            for s in [&t.term, &t.zh, &t.source] {
                assert!(!present::has_internal(s), "{s}");
            }
        }
        for needed in ["免申即享", "快申快享", "待核实", "目标状态", "数据截至"]
        {
            assert!(ts.iter().any(|t| t.term.contains(needed)), "{needed}");
        }
        let g = glossary().unwrap();
        assert!(!g.rules.is_empty() && !g.indicators.is_empty());
    }
}
