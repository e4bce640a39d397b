//! 科技成果转化 (issue 14): the configuration (decline reasons, contract types, follow-up days —
//! `data/tech/tech.toml`), the segmenter built from the domain dictionary (`data/tech/dict.txt`,
//! `data/tech/stopwords.txt`), and the parsing of cells and form fields into the store's types
//! with Chinese messages naming the field.
//!
//! Code map: [`crate::tech_import`] (imports and templates), [`crate::tech_match`] (search in both
//! directions with explanations), [`crate::tech_cases`] (the broker's cases, contracts,
//! statistics), [`crate::tech_demo`] (synthetic results, demands and experts).
use gaoxin_model::{Date, Money, Unit};
use gaoxin_search::Segmenter;
use serde::Deserialize;
use std::path::PathBuf;

const SHIPPED_CONFIG: &str = include_str!("../../../data/tech/tech.toml");
const SHIPPED_DICT: &str = include_str!("../../../data/tech/dict.txt");
const SHIPPED_STOP: &str = include_str!("../../../data/tech/stopwords.txt");

/// A coded value (decline reason, contract type).
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq, Eq)]
pub struct Code {
    pub code: String,
    pub name: String,
}

/// The codes of `data/tech/tech.toml`.
#[derive(Debug, Clone, Deserialize)]
pub struct TechConfig {
    pub version: String,
    pub source: String,
    /// "UNCONFIRMED: …" when not from an official source.
    pub status: String,
    pub follow_up_days: i64,
    /// Reason codes that hide a declined result from that firm.
    pub exclude_reasons: Vec<String>,
    #[serde(rename = "reason")]
    pub reasons: Vec<Code>,
    #[serde(rename = "contract_kind")]
    pub contract_kinds: Vec<Code>,
}

/// The directory of the tech data files: `data/tech` in the working directory when present.
fn local(name: &str) -> Option<PathBuf> {
    let p = PathBuf::from("data/tech").join(name);
    p.exists().then_some(p)
}

fn read_or(path: Option<PathBuf>, shipped: &str) -> Result<String, String> {
    match path {
        Some(p) => {
            std::fs::read_to_string(&p).map_err(|e| format!("无法读取 {}：{e}", p.display()))
        }
        None => Ok(shipped.to_string()),
    }
}

impl TechConfig {
    /// `$GAOXIN_TECH`, else `data/tech/tech.toml` in the working directory, else the shipped copy.
    pub fn load() -> Result<TechConfig, String> {
        let path = std::env::var("GAOXIN_TECH")
            .ok()
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
            .or_else(|| local("tech.toml"));
        Self::parse(&read_or(path, SHIPPED_CONFIG)?)
    }

    pub fn parse(text: &str) -> Result<TechConfig, String> {
        let c: TechConfig =
            toml::from_str(text).map_err(|e| format!("成果转化配置格式错误：{e}"))?;
        if c.reasons.is_empty() || c.contract_kinds.is_empty() {
            return Err(
                "成果转化配置至少需要一个放弃原因（reason）和一种合同类型（contract_kind）".into(),
            );
        }
        if let Some(x) = c
            .exclude_reasons
            .iter()
            .find(|x| !c.reasons.iter().any(|r| &r.code == *x))
        {
            return Err(format!(
                "exclude_reasons 中的「{x}」不是已定义的放弃原因代码"
            ));
        }
        Ok(c)
    }

    pub fn unconfirmed(&self) -> bool {
        self.status.contains("UNCONFIRMED")
    }

    /// A reason by code or name.
    pub fn reason(&self, s: &str) -> Option<&Code> {
        let s = s.trim();
        self.reasons.iter().find(|r| r.code == s || r.name == s)
    }

    /// A contract type by code or name.
    pub fn contract_kind(&self, s: &str) -> Option<&Code> {
        let s = s.trim();
        self.contract_kinds
            .iter()
            .find(|r| r.code == s || r.name == s)
    }

    pub fn reason_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.reason(code).map(|r| r.name.as_str()).unwrap_or(code)
    }
}

/// The segmenter of the domain dictionary and stop words (`data/tech/` in the working directory,
/// else the shipped copies).
pub fn segmenter() -> Result<Segmenter, String> {
    let dict = read_or(local("dict.txt"), SHIPPED_DICT)?;
    let stop = read_or(local("stopwords.txt"), SHIPPED_STOP)?;
    Ok(Segmenter::new(&dict, &stop))
}

/// Where the dense embedding model is read from: `$GAOXIN_EMBEDDINGS`, else
/// `data/embeddings/tokenlearn-static-model` in the working directory (`scripts/fetch-embeddings`
/// installs it there from its registry package).
pub fn embeddings_dir() -> PathBuf {
    std::env::var_os("GAOXIN_EMBEDDINGS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("data/embeddings/tokenlearn-static-model"))
}

/// What the process has of the embedding model: the model, or why there is none (not installed,
/// or its files could not be read — said in Chinese on every answer).
pub type Embeddings = Result<std::sync::Arc<gaoxin_search::StaticModel>, String>;

/// The embedding model read from `dir`: `Err` says why there is none.
pub fn load_embeddings(dir: &std::path::Path) -> Embeddings {
    if !dir.join("model.safetensors").exists() {
        return Err("未安装语义向量模型".into());
    }
    gaoxin_search::StaticModel::load(dir)
        .map(std::sync::Arc::new)
        .map_err(|e| {
            tracing::warn!("embedding model in {} not read: {e}", dir.display());
            format!("语义向量模型无法读取（{e}）")
        })
}

/// The process's embedding model, read once from [`embeddings_dir`].
pub fn embeddings() -> Embeddings {
    static MODEL: std::sync::OnceLock<Embeddings> = std::sync::OnceLock::new();
    MODEL
        .get_or_init(|| load_embeddings(&embeddings_dir()))
        .clone()
}

/// Keywords separated by `；` `;` `，` `,` `、` `_` or spaces (blank ones dropped, repeats kept once).
pub fn split_keywords(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for k in
        text.split(|c: char| matches!(c, '；' | ';' | '，' | ',' | '、' | '_') || c.is_whitespace())
    {
        let k = k.trim();
        if !k.is_empty() && !out.iter().any(|x| x == k) {
            out.push(k.to_string());
        }
    }
    out
}

/// 技术成熟度: an integer 1–9 (blank: unknown).
pub fn parse_trl(text: &str) -> Result<Option<i64>, String> {
    let t = text.trim().trim_start_matches("TRL").trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<i64>() {
        Ok(v) if (1..=9).contains(&v) => Ok(Some(v)),
        _ => Err(format!(
            "「技术成熟度」应为 1 到 9 的整数，而不是「{}」",
            text.trim()
        )),
    }
}

/// An amount in 万元 (blank: none) → fen, at least 0.
pub fn parse_wan_opt(field: &str, text: &str) -> Result<Option<i64>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let m = Money::parse(t, Unit::WanYuan)
        .map_err(|e| format!("「{field}」应为以万元计的金额（如 500 或 12.5）：{e}"))?;
    if m.fen() < 0 {
        return Err(format!("「{field}」不能为负数"));
    }
    Ok(Some(m.fen()))
}

/// A date yyyy-mm-dd (blank: none) → yyyymmdd.
pub fn parse_date_opt(field: &str, text: &str) -> Result<Option<i64>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    Date::parse(t)
        .map(|d| Some(d.to_int()))
        .ok_or_else(|| format!("「{field}」应为日期，如 2026-11-30，而不是「{t}」"))
}

/// 是/否 (blank: no).
pub fn parse_yes_no(field: &str, text: &str) -> Result<bool, String> {
    match text.trim() {
        "" | "否" | "no" | "n" | "0" | "false" | "N" | "No" => Ok(false),
        "是" | "yes" | "y" | "1" | "true" | "Y" | "Yes" => Ok(true),
        t => Err(format!("「{field}」应为 是 或 否，而不是「{t}」")),
    }
}

/// `days` after the yyyymmdd date `d` (yyyymmdd; `d` itself when not a date).
pub fn add_days(d: i64, days: i64) -> i64 {
    Date::from_int(d)
        .map(|x| Date::from_days_since_epoch(x.days_since_epoch() + days).to_int())
        .unwrap_or(d)
}

/// Today in Asia/Shanghai as yyyymmdd.
pub fn today() -> i64 {
    let secs = gaoxin_store::unix_now() + 8 * 3600;
    let days = secs.div_euclid(86_400);
    Date::from_days_since_epoch(days).to_int()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_config_parses_with_the_issue_reasons() {
        let c = TechConfig::parse(SHIPPED_CONFIG).unwrap();
        for r in [
            "技术不成熟",
            "价格不合适",
            "领域不符",
            "已有方案",
            "知识产权不清",
            "企业无预算",
            "无回应",
            "其他",
        ] {
            assert!(c.reason(r).is_some(), "{r}");
        }
        assert_eq!(c.exclude_reasons, vec!["D03"]);
        assert!(c.unconfirmed());
    }

    #[test]
    fn keywords_split_on_every_separator() {
        assert_eq!(
            split_keywords("碳化硅；功率器件;封装，测试,芯片_晶圆 光刻、刻蚀  碳化硅"),
            vec![
                "碳化硅",
                "功率器件",
                "封装",
                "测试",
                "芯片",
                "晶圆",
                "光刻",
                "刻蚀"
            ]
        );
    }

    #[test]
    fn trl_range_and_amounts() {
        assert_eq!(parse_trl("7"), Ok(Some(7)));
        assert_eq!(parse_trl(""), Ok(None));
        assert!(parse_trl("10").unwrap_err().contains("1 到 9"));
        assert!(parse_trl("0").is_err());
        assert_eq!(parse_wan_opt("预算", "12.5"), Ok(Some(12_500_000)));
        assert!(parse_wan_opt("预算", "abc").is_err());
        assert!(parse_date_opt("截止日期", "2026-13-01").is_err());
    }
}
