//! SME size classification (中小企业划型, 工信部联企业〔2011〕300号) as data:
//! `data/reference/sme_size_2011.toml` lists, per industry, the GB/T 4754 code prefixes and the
//! 大型 lower bound of each indicator. A firm is 大型 when it reaches every listed bound,
//! otherwise 中小微型.
//!
//! The engine uses it in two places: a firm's industry code becomes its class
//! ([`SmeStandard::classify`], the firm attribute `sme_class`, 0 = cannot be classified), and
//! the name `sme` in a rule expression compiles into "the firm's class's test"
//! ([`SmeStandard::expr`]) — unknown when the class is 0 or a needed figure is missing.
use std::sync::OnceLock;

use gaoxin_model::IndustryCode;
use serde::Deserialize;

use crate::file::Status;

const EMBEDDED: &str = include_str!("../../../data/reference/sme_size_2011.toml");

/// One indicator of the classification, with its fact key and Chinese name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Indicator {
    Employees,
    Revenue,
    TotalAssets,
}

impl Indicator {
    pub const ALL: [Indicator; 3] = [
        Indicator::Employees,
        Indicator::Revenue,
        Indicator::TotalAssets,
    ];
    pub fn key(self) -> &'static str {
        match self {
            Indicator::Employees => "employees",
            Indicator::Revenue => "revenue",
            Indicator::TotalAssets => "total_assets",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Indicator::Employees => "从业人员",
            Indicator::Revenue => "营业收入",
            Indicator::TotalAssets => "资产总额",
        }
    }
    /// The written unit of a bound: 人 or 万元.
    pub fn unit(self) -> &'static str {
        match self {
            Indicator::Employees => "人",
            _ => "万元",
        }
    }
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Industry {
    pub name: String,
    /// GB/T 4754 code prefixes.
    pub codes: Vec<String>,
    /// 大型 lower bound, 人.
    #[serde(default)]
    pub employees: Option<u32>,
    /// 大型 lower bound, 万元.
    #[serde(default)]
    pub revenue: Option<u32>,
    /// 大型 lower bound, 万元.
    #[serde(default)]
    pub total_assets: Option<u32>,
}

impl Industry {
    /// The indicators this industry is classified by, with their 大型 lower bounds.
    pub fn bounds(&self) -> Vec<(Indicator, u32)> {
        Indicator::ALL
            .iter()
            .filter_map(|&i| {
                match i {
                    Indicator::Employees => self.employees,
                    Indicator::Revenue => self.revenue,
                    Indicator::TotalAssets => self.total_assets,
                }
                .map(|b| (i, b))
            })
            .collect()
    }
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct SmeStandard {
    pub id: String,
    pub name: String,
    pub document: String,
    pub issuer: String,
    pub effective_from: String,
    pub source: String,
    pub status: Status,
    /// Whether the mapping from industry codes to the standard's industries is settled.
    pub mapping_status: Status,
    pub notes: String,
    pub industries: Vec<Industry>,
}

impl SmeStandard {
    /// Parses and checks the data file (codes are valid GB/T 4754 prefixes, no code twice,
    /// every industry has an indicator).
    pub fn parse(text: &str) -> Result<SmeStandard, String> {
        let s: SmeStandard =
            toml::from_str(text).map_err(|e| format!("中小企业划型标准文件有误：{e}"))?;
        let mut seen: Vec<&str> = Vec::new();
        if s.industries.is_empty() || s.industries.len() > 250 {
            return Err("中小企业划型标准文件应列出1–250个行业".into());
        }
        for ind in &s.industries {
            if ind.bounds().is_empty() {
                return Err(format!("行业「{}」没有任何划型指标", ind.name));
            }
            if ind.codes.is_empty() {
                return Err(format!("行业「{}」没有行业代码", ind.name));
            }
            for c in &ind.codes {
                IndustryCode::parse(c)
                    .map_err(|e| format!("行业「{}」的代码有误：{e}", ind.name))?;
                if seen.contains(&c.as_str()) {
                    return Err(format!("行业代码「{c}」出现了两次"));
                }
                seen.push(c);
            }
        }
        Ok(s)
    }

    /// The standard shipped in `data/reference/sme_size_2011.toml`.
    pub fn embedded() -> Result<&'static SmeStandard, String> {
        static S: OnceLock<Result<SmeStandard, String>> = OnceLock::new();
        S.get_or_init(|| SmeStandard::parse(EMBEDDED))
            .as_ref()
            .map_err(|e| e.clone())
    }

    /// The class of an industry code: 1 + the index of the industry whose longest code prefix
    /// matches, 0 when none does.
    pub fn classify(&self, code: &IndustryCode) -> u8 {
        let c = code.as_str();
        let mut best: Option<(usize, usize)> = None;
        for (i, ind) in self.industries.iter().enumerate() {
            for p in &ind.codes {
                if c.starts_with(p.as_str()) && best.is_none_or(|(_, l)| p.len() > l) {
                    best = Some((i, p.len()));
                }
            }
        }
        best.map(|(i, _)| i as u8 + 1).unwrap_or(0)
    }

    /// The industry of a class (`None` for 0 or out of range).
    pub fn industry(&self, class: u8) -> Option<&Industry> {
        (class as usize)
            .checked_sub(1)
            .and_then(|i| self.industries.get(i))
    }

    /// The rule expression of `sme`: for the firm's class, whether some listed indicator is
    /// below its 大型 bound. A class of 0 (state missing) leaves every test, hence the result,
    /// unknown.
    pub fn expr(&self) -> String {
        let mut out = String::from("0");
        for (i, ind) in self.industries.iter().enumerate().rev() {
            let test = ind
                .bounds()
                .iter()
                .map(|(k, b)| match k {
                    Indicator::Employees => format!("{} < {b}", k.key()),
                    _ => format!("{} < {b}万元", k.key()),
                })
                .collect::<Vec<_>>()
                .join(" or ");
            out = format!("if(sme_class == {}, {test}, {out})", i + 1);
        }
        out
    }
}

/// The class of a firm's industry code under the shipped standard (0 when it cannot be
/// classified or the standard did not load).
pub fn class_of(code: &IndustryCode) -> u8 {
    SmeStandard::embedded()
        .map(|s| s.classify(code))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> IndustryCode {
        IndustryCode::parse(s).unwrap()
    }

    #[test]
    fn shipped_standard_loads_and_classifies_by_longest_prefix() {
        let s = SmeStandard::embedded().unwrap();
        let name = |c: &str| s.industry(s.classify(&code(c))).map(|i| i.name.as_str());
        assert_eq!(name("C3911"), Some("工业"));
        assert_eq!(name("I6510"), Some("软件和信息技术服务业"));
        assert_eq!(name("I64"), Some("信息传输业"));
        assert_eq!(name("G5910"), Some("交通运输业"));
        assert_eq!(name("G5920"), Some("仓储业"));
        assert_eq!(name("K7010"), Some("房地产开发经营"));
        assert_eq!(name("M7310"), Some("其他未列明行业"));
        // Not covered by the standard, or too coarse to tell.
        assert_eq!(name("J6620"), None);
        assert_eq!(name("G59"), None);
        assert_eq!(name("I"), None);
        let ind = s.industry(s.classify(&code("C3911"))).unwrap();
        assert_eq!(
            ind.bounds(),
            vec![(Indicator::Employees, 1000), (Indicator::Revenue, 40000)]
        );
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        let head = r#"id = "x"
name = "x"
document = "x"
issuer = "x"
effective_from = "2011-06-18"
source = "x"
status = "CONFIRMED"
mapping_status = "UNCONFIRMED"
notes = "x"
"#;
        let e = SmeStandard::parse(&format!(
            "{head}[[industries]]\nname = \"工业\"\ncodes = [\"C\"]\n"
        ))
        .unwrap_err();
        assert!(e.contains("没有任何划型指标"), "{e}");
        let e = SmeStandard::parse(&format!(
            "{head}[[industries]]\nname = \"工业\"\ncodes = [\"Z9\"]\nemployees = 1\n"
        ))
        .unwrap_err();
        assert!(e.contains("代码有误"), "{e}");
        let e = SmeStandard::parse(&format!(
            "{head}[[industries]]\nname = \"a\"\ncodes = [\"C\"]\nemployees = 1\n[[industries]]\nname = \"b\"\ncodes = [\"C\"]\nemployees = 1\n"
        ))
        .unwrap_err();
        assert!(e.contains("两次"), "{e}");
    }
}
