//! # Cluster diagnosis (创新型产业集群, "群而不集") — a pure, columnar engine
//!
//! Input: one year of the panel as columns ([`YearInput`]: park, industry code, cluster tags,
//! employees, revenue, status flags per firm) and that year's links as columns ([`Links`]: from,
//! to, kind; a node index below the number of firms is a firm, at or above it a local university
//! or institute). Output: [`YearMeasures`]. No IO; the definitions are data files ([`def`]).
//!
//! ## Definitions (stated on the pages too)
//! * **Membership.** A firm of year Y belongs to cluster *c* when *c* is in force in Y, the firm is
//!   in one of *c*'s parks, and its industry code starts with one of *c*'s prefixes or its cluster
//!   tags include one of *c*'s tags. The same test without the park condition defines *c*'s
//!   **industry** anywhere in the zone (the reference of the location quotient).
//! * **Size**: members, employees (firms reporting them), revenue (exact fen).
//! * **Location quotient** (employment, as the US Cluster Mapping project):
//!   LQ = (E_cluster,region ÷ E_region) ÷ (E_industry,zone ÷ E_zone); region = the cluster's parks,
//!   reference = the whole zone (the source documents give no city employment by industry).
//! * **Focus**: the cluster's share of its region's employment, E_cluster,region ÷ E_region.
//! * **Strong cluster** (US Cluster Mapping: regional clusters in the top quartile of specialisation
//!   among the regions with that cluster): LQ ≥ the `strong_quantile` (0.75) quantile of the LQs of
//!   the same cluster industry over every park with members (linear interpolation between order
//!   statistics, R's type 7), and LQ > 1.
//! * **Growth**: change of employees and revenue over the previous year's members.
//! * **High-tech share**: members with a 高企 certificate in force (issued in Y−2…Y) ÷ members;
//!   **tiered share**: members on any rung (科小入库, 高企, 瞪羚 list, 独角兽 list) ÷ members.
//! * **Linkage index** = observed ÷ expected links. Observed: the year's link records (one per
//!   pair, kind and year) between two members or between a member and a local university or
//!   institute. Expected for a cluster of n members: `benchmark_degree` × n ÷ 2 — every member
//!   linked to `benchmark_degree` partners, a benchmark density of `benchmark_degree` ÷ (n − 1);
//!   firm networks are sparse, so expected links grow with n, not n².
//! * **群而不集**: at least `min_firms` members and a linkage index below `linkage_threshold`;
//!   listed with the kinds of link that are missing and the pairs of leading members (the
//!   `leading_firms` largest by revenue) that have no link.
//! * **Duplication across parks**: two clusters in force located in different parks whose industry
//!   prefixes overlap (one a prefix of the other); the measure is the cosine similarity of their
//!   members' revenue shares by industry code (1 = the same industry mix, 0 = none in common).
//! * **Gaps**: no 领军企业 (no member listed outside 新三板, on the 独角兽 list, or with revenue of
//!   at least `leading_revenue_wan`); no national platform (no member with a 国家级 R&D institution;
//!   unknown when no member reports its level); new R&D institutions are not in the panel, so that
//!   gap is always reported as unknown.
pub mod def;
mod measure;
#[cfg(test)]
mod tests;

pub use def::{ClusterDef, Params};
pub use measure::{diagnose, with_growth};

use serde::{Deserialize, Serialize};

/// A firm's flags in [`YearInput::flags`].
pub mod flag {
    /// A 高企 certificate in force in the year.
    pub const HIGH_TECH: u8 = 1;
    /// On any rung of the ladder (科小入库, 高企, 瞪羚 list, 独角兽 list).
    pub const TIERED: u8 = 2;
    /// Listed (excluding 新三板) or on the 独角兽 list.
    pub const LISTED_OR_UNICORN: u8 = 4;
    /// A 国家级 R&D institution.
    pub const NATIONAL_PLATFORM: u8 = 8;
    /// The firm reports its R&D institution level.
    pub const RD_KNOWN: u8 = 16;
}

/// The kinds of link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// Local supplier / customer relation.
    Supply,
    /// A registered technology contract.
    TechContract,
    /// A patent applied for jointly.
    CoPatent,
    /// A shared R&D platform (joint lab, innovation consortium).
    SharedPlatform,
}

impl LinkKind {
    pub const ALL: [LinkKind; 4] = [
        LinkKind::Supply,
        LinkKind::TechContract,
        LinkKind::CoPatent,
        LinkKind::SharedPlatform,
    ];
    pub fn key(self) -> &'static str {
        match self {
            LinkKind::Supply => "supply",
            LinkKind::TechContract => "tech_contract",
            LinkKind::CoPatent => "co_patent",
            LinkKind::SharedPlatform => "shared_platform",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            LinkKind::Supply => "本地供应/客户",
            LinkKind::TechContract => "技术合同",
            LinkKind::CoPatent => "联合申请专利",
            LinkKind::SharedPlatform => "共建研发平台",
        }
    }
    /// From the key or the Chinese name (also a few common variants).
    pub fn parse(s: &str) -> Option<LinkKind> {
        let t = s.trim();
        LinkKind::ALL
            .into_iter()
            .find(|k| k.key() == t || k.zh() == t)
            .or(match t {
                "供应" | "客户" | "供应链" | "供应/客户" | "供应商" => {
                    Some(LinkKind::Supply)
                }
                "技术合同成交" => Some(LinkKind::TechContract),
                "合作专利" | "共同申请专利" => Some(LinkKind::CoPatent),
                "研发平台" | "共建平台" | "创新联合体" => {
                    Some(LinkKind::SharedPlatform)
                }
                _ => None,
            })
    }
    pub fn index(self) -> usize {
        self as usize
    }
}

/// One year of the panel, column by column (one entry per firm).
#[derive(Debug, Clone, Default)]
pub struct YearInput {
    pub year: i32,
    /// Park index per firm (into the `parks` given to [`diagnose`]).
    pub park: Vec<u16>,
    /// Industry-code index per firm (into `codes`).
    pub industry: Vec<u32>,
    pub codes: Vec<String>,
    /// Bit c set: the firm carries a tag of cluster definition c.
    pub tags: Vec<u64>,
    pub employees: Vec<Option<i64>>,
    /// Fen.
    pub revenue: Vec<Option<i64>>,
    /// [`flag`] bits.
    pub flags: Vec<u8>,
}

impl YearInput {
    pub fn len(&self) -> usize {
        self.park.len()
    }
    pub fn is_empty(&self) -> bool {
        self.park.is_empty()
    }
}

/// One year's links, column by column. Node `i < n_firms` is firm `i` of the [`YearInput`];
/// `i ≥ n_firms` is institution `i − n_firms`.
#[derive(Debug, Clone, Default)]
pub struct Links {
    pub from: Vec<u32>,
    pub to: Vec<u32>,
    pub kind: Vec<LinkKind>,
}

/// One cluster industry in one park (or the zone row when `park` is `None`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    pub firms: u64,
    pub employees: i64,
    pub revenue: i64,
    pub lq: Option<f64>,
    pub focus: Option<f64>,
    pub strong: bool,
}

/// A gap: `Some(true)` = the gap exists, `Some(false)` = filled, `None` = unknown from the data.
pub type Gap = Option<bool>;

/// One designated cluster (its definition's parks) in one year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterMeasure {
    pub id: String,
    pub in_force: bool,
    pub firms: u64,
    pub employees: i64,
    pub revenue: i64,
    pub lq: Option<f64>,
    pub focus: Option<f64>,
    pub strong: bool,
    /// The LQ at `strong_quantile` over the parks with members of this industry.
    pub strong_cutoff: Option<f64>,
    pub high_tech_share: Option<f64>,
    pub tiered_share: Option<f64>,
    pub employees_growth: Option<f64>,
    pub revenue_growth: Option<f64>,
    /// Links by [`LinkKind`] index: member–member and member–institution.
    pub member_links: [u64; 4],
    pub institution_links: [u64; 4],
    pub observed: u64,
    pub expected: f64,
    pub linkage_index: Option<f64>,
    /// 群而不集.
    pub loose: bool,
    pub missing_kinds: Vec<LinkKind>,
    /// The leading members (firm indices, largest revenue first).
    pub leading: Vec<u32>,
    /// Pairs of leading members without any link this year.
    pub unlinked_leading: Vec<(u32, u32)>,
    pub gap_leading_firm: Gap,
    pub gap_national_platform: Gap,
    pub gap_new_rd_institution: Gap,
}

/// Two clusters of different parks with overlapping industries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overlap {
    pub a: String,
    pub b: String,
    /// The prefixes of each that overlap the other's.
    pub shared_prefixes: Vec<String>,
    /// Cosine similarity of the members' revenue shares by industry code (None: no revenue).
    pub cosine: Option<f64>,
}

/// Everything the diagnosis finds for one year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YearMeasures {
    pub year: i32,
    /// Per definition (in the order given), per park: `cells[c][p]`.
    pub cells: Vec<Vec<Cell>>,
    pub clusters: Vec<ClusterMeasure>,
    pub overlaps: Vec<Overlap>,
    pub zone_firms: u64,
    pub zone_employees: i64,
    pub park_employees: Vec<i64>,
    pub links: u64,
}
