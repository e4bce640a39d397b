//! The payout ledger's data file (`data/payout/payout.toml`): which policies need 公示 and for how
//! many days, the special-fund categories of the implementation opinions, the 20% floor and the
//! fund sources a payment may name — each with its source or UNCONFIRMED — and the working-day
//! calendar the measures count days on.
use crate::data_files::{CALENDAR, Source};
use gaoxin_model::Calendar;
use serde::Deserialize;

/// `data/payout/payout.toml`.
#[derive(Debug, Clone, Deserialize)]
pub struct PayoutConfig {
    pub version: String,
    pub source: String,
    pub principle: String,
    pub principle_source: String,
    pub floor: Floor,
    #[serde(rename = "category")]
    pub categories: Vec<FundCategory>,
    #[serde(rename = "publicity", default)]
    pub publicity: Vec<Publicity>,
    pub fund_sources: Vec<String>,
    pub fund_sources_source: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Floor {
    pub share_percent: i64,
    pub source: String,
    pub status: String,
    pub reading: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FundCategory {
    pub name: String,
    pub source: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Publicity {
    pub rule: String,
    pub days: i64,
    pub source: String,
}

/// The category naming the city's whole S&T special fund of a year (the floor's denominator).
pub const CITY_TOTAL: &str = "市级科技专项资金总额";
/// The fund line sources.
pub const SOURCES: [&str; 2] = ["市级", "区级"];

const SHIPPED: &str = include_str!("../../../data/payout/payout.toml");

/// Whether a text is marked UNCONFIRMED.
pub fn unconfirmed(text: &str) -> bool {
    text.contains("UNCONFIRMED")
}

impl PayoutConfig {
    /// `$GAOXIN_PAYOUT`, else `data/payout/payout.toml` in the working directory, else the copy
    /// shipped with the binary.
    pub fn load() -> Result<PayoutConfig, String> {
        let path = std::env::var("GAOXIN_PAYOUT")
            .ok()
            .filter(|s| !s.is_empty())
            .map(std::path::PathBuf::from)
            .or_else(|| {
                let p = std::path::PathBuf::from("data/payout/payout.toml");
                p.exists().then_some(p)
            });
        match path {
            Some(p) => {
                let text = std::fs::read_to_string(&p)
                    .map_err(|e| format!("无法读取兑现配置 {}：{e}", p.display()))?;
                Self::parse(&text).map_err(|e| format!("{}：{e}", p.display()))
            }
            None => Self::parse(SHIPPED).map_err(|e| format!("(内置) payout.toml：{e}")),
        }
    }

    pub fn parse(text: &str) -> Result<PayoutConfig, String> {
        let c: PayoutConfig = toml::from_str(text).map_err(|e| format!("兑现配置格式错误：{e}"))?;
        if c.categories.is_empty() {
            return Err("兑现配置至少需要一个专项资金类别（[[category]]）".into());
        }
        if !(0..=100).contains(&c.floor.share_percent) {
            return Err(format!(
                "[floor] share_percent 应在0到100之间（现为 {}）",
                c.floor.share_percent
            ));
        }
        for (k, x) in c.categories.iter().enumerate() {
            if x.name == CITY_TOTAL || c.categories[..k].iter().any(|y| y.name == x.name) {
                return Err(format!("专项资金类别「{}」重复或为保留名称", x.name));
            }
        }
        for p in &c.publicity {
            if p.days <= 0 {
                return Err(format!("政策 {} 的公示天数必须大于0", p.rule));
            }
        }
        if c.fund_sources.is_empty() {
            return Err("兑现配置至少需要一个资金来源（fund_sources）".into());
        }
        Ok(c)
    }

    /// The 公示 days of a policy, if it requires 公示.
    pub fn publicity_days(&self, rule: &str) -> Option<i64> {
        self.publicity
            .iter()
            .find(|p| p.rule == rule)
            .map(|p| p.days)
    }

    /// A fund category (or the city total) by name, or a Chinese error listing the choices.
    pub fn parse_category(&self, name: &str) -> Result<String, String> {
        let name = name.trim();
        if name == CITY_TOTAL || self.categories.iter().any(|c| c.name == name) {
            Ok(name.to_string())
        } else {
            Err(format!(
                "未知专项资金类别「{name}」（可选：{}、{CITY_TOTAL}）",
                self.categories
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join("、")
            ))
        }
    }

    /// A payment's fund source, or a Chinese error listing the choices.
    pub fn parse_fund_source(&self, name: &str) -> Result<String, String> {
        let name = name.trim();
        if self.fund_sources.iter().any(|s| s == name) {
            Ok(name.to_string())
        } else {
            Err(format!(
                "未知资金来源「{name}」（可选：{}）",
                self.fund_sources.join("、")
            ))
        }
    }
}

/// The working-day calendar (`$GAOXIN_CALENDAR`, else `data/calendar`, else the shipped files).
pub fn load_calendar() -> Result<Calendar, String> {
    let files: Vec<(String, String)> = match CALENDAR.source() {
        Source::Dir(d) => {
            let mut paths: Vec<_> = std::fs::read_dir(&d)
                .map_err(|e| format!("无法读取工作日历目录 {}：{e}", d.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            paths.sort();
            paths
                .into_iter()
                .map(|p| {
                    std::fs::read_to_string(&p)
                        .map(|t| (p.display().to_string(), t))
                        .map_err(|e| format!("无法读取 {}：{e}", p.display()))
                })
                .collect::<Result<_, _>>()?
        }
        Source::Shipped => CALENDAR
            .shipped()
            .into_iter()
            .map(|f| (f.path.display().to_string(), f.text))
            .collect(),
    };
    Calendar::parse(&files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_file_names_the_opinions_categories_and_floor() {
        let c = PayoutConfig::parse(SHIPPED).unwrap();
        let names: Vec<&str> = c.categories.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "企业培育",
                "平台建设",
                "孵化体系",
                "集群",
                "积分制试点",
                "绿色园区",
                "未来产业"
            ]
        );
        assert_eq!(c.floor.share_percent, 20);
        assert!(c.categories.iter().all(|x| !x.source.is_empty()));
        assert!(c.publicity.iter().all(|p| unconfirmed(&p.source)));
        assert_eq!(
            c.publicity_days("nanjing_first_unicorn_award_2025"),
            Some(7)
        );
        assert_eq!(c.publicity_days("techsme_2022"), None);
        assert!(c.parse_category("集群").is_ok());
        assert!(c.parse_category("不存在").unwrap_err().contains("可选"));
        assert!(c.parse_fund_source("其他").is_ok());
        assert!(load_calendar().is_ok());
    }

    #[test]
    fn bad_files_are_refused_with_a_reason() {
        let bad = SHIPPED.replace("share_percent = 20", "share_percent = 120");
        assert!(
            PayoutConfig::parse(&bad)
                .unwrap_err()
                .contains("share_percent")
        );
        let bad = SHIPPED.replace("days = 7", "days = 0");
        assert!(PayoutConfig::parse(&bad).unwrap_err().contains("公示天数"));
        let bad = SHIPPED.replace("name = \"集群\"", "name = \"企业培育\"");
        assert!(PayoutConfig::parse(&bad).unwrap_err().contains("重复"));
    }
}
