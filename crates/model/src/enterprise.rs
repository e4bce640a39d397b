//! An enterprise's identity: what does not change from year to year.
use crate::industry::{IndustryCode, Sector};
use crate::{Date, ParkId, Uscc};

/// Listing status. 新三板 (NEEQ) is its own value: several rules do not count it as listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Listing {
    Unlisted,
    MainBoard,
    ChiNext,
    Star,
    Bse,
    Neeq,
    Overseas,
}

impl Listing {
    pub const ALL: [Listing; 7] = [
        Listing::Unlisted,
        Listing::MainBoard,
        Listing::ChiNext,
        Listing::Star,
        Listing::Bse,
        Listing::Neeq,
        Listing::Overseas,
    ];

    pub fn zh(self) -> &'static str {
        match self {
            Listing::Unlisted => "未上市",
            Listing::MainBoard => "主板",
            Listing::ChiNext => "创业板",
            Listing::Star => "科创板",
            Listing::Bse => "北交所",
            Listing::Neeq => "新三板",
            Listing::Overseas => "境外上市",
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            Listing::Unlisted => "unlisted",
            Listing::MainBoard => "main_board",
            Listing::ChiNext => "chinext",
            Listing::Star => "star",
            Listing::Bse => "bse",
            Listing::Neeq => "neeq",
            Listing::Overseas => "overseas",
        }
    }
    pub fn parse(s: &str) -> Option<Listing> {
        let t = s.trim();
        if t.is_empty() {
            return Some(Listing::Unlisted);
        }
        Listing::ALL
            .into_iter()
            .find(|l| l.zh() == t || l.key() == t)
            .or(match t {
                "上交所主板" | "深交所主板" => Some(Listing::MainBoard),
                "NEEQ" | "三板" => Some(Listing::Neeq),
                "港股" | "美股" | "境外" => Some(Listing::Overseas),
                _ => None,
            })
    }
    /// Listed on a stock exchange (新三板 excluded), as the zone's "上市企业" target counts.
    pub fn is_listed_excl_neeq(self) -> bool {
        !matches!(self, Listing::Unlisted | Listing::Neeq)
    }
}

/// The eight fields of 《国家重点支持的高新技术领域》.
pub const HIGH_TECH_FIELDS: [&str; 8] = [
    "电子信息",
    "生物与新医药",
    "航空航天",
    "新材料",
    "高技术服务",
    "新能源与节能",
    "资源与环境",
    "先进制造与自动化",
];

/// A firm of the zone. `park`, `clusters` and `tracks` are ids from the zone reference data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enterprise {
    pub uscc: Uscc,
    pub name: String,
    pub park: ParkId,
    pub founded: Date,
    pub industry: IndustryCode,
    pub sector: Sector,
    /// One of [`HIGH_TECH_FIELDS`], if the firm's core technology falls in one.
    pub tech_field: Option<String>,
    pub listing: Listing,
    pub clusters: Vec<String>,
    pub tracks: Vec<String>,
    /// True for generated demo firms: every page that shows them says so.
    pub synthetic: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn listing_parse() {
        assert_eq!(Listing::parse("新三板"), Some(Listing::Neeq));
        assert_eq!(Listing::parse(""), Some(Listing::Unlisted));
        assert_eq!(Listing::parse("科创板"), Some(Listing::Star));
        assert_eq!(Listing::parse("纳斯达克x"), None);
        assert!(!Listing::Neeq.is_listed_excl_neeq());
        assert!(Listing::Star.is_listed_excl_neeq());
    }
}
