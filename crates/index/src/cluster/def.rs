//! The data files of the diagnosis: one membership definition per cluster (`data/clusters/<id>.toml`)
//! and the thresholds (`data/clusters/diagnosis.toml`). Parsed here, checked against the zone's
//! parks by the caller (which knows them).
use crate::error::{IndexError, Result};
use serde::{Deserialize, Serialize};

/// One cluster's membership definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterDef {
    pub id: String,
    pub name: String,
    /// Park ids (the zone file's) the cluster is located in.
    pub parks: Vec<String>,
    /// national / provincial / city.
    pub level: String,
    /// Source document id (zone.toml `[[sources]]`) and its title.
    pub source: String,
    #[serde(default)]
    pub source_title: String,
    /// First and last year in force (inclusive); `effective_to` absent = still in force.
    pub effective_from: i32,
    #[serde(default)]
    pub effective_to: Option<i32>,
    #[serde(default)]
    pub effective_from_basis: String,
    /// GB/T 4754-2017 code prefixes (`C27`, `I6520`).
    pub industries: Vec<String>,
    #[serde(default)]
    pub industries_basis: String,
    /// Cluster tags of a firm (its `clusters` list) that make it a member too.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Which of the fields above no source settles (shown as 待确认).
    #[serde(default)]
    pub unconfirmed: Vec<String>,
}

impl ClusterDef {
    /// Parses one cluster file; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<ClusterDef> {
        let d: ClusterDef =
            toml::from_str(text).map_err(|e| IndexError::from_toml(text, file, e))?;
        let bad = |msg: String| IndexError::Load {
            file: file.to_string(),
            line: None,
            msg,
        };
        if d.id.trim().is_empty() || d.name.trim().is_empty() {
            return Err(bad("集群编号和名称不能为空".into()));
        }
        if d.parks.is_empty() {
            return Err(bad(format!("集群 {} 未列所在园区（parks）", d.id)));
        }
        if d.industries.is_empty() && d.tags.is_empty() {
            return Err(bad(format!(
                "集群 {} 既无行业代码前缀（industries）也无标签（tags），无法判定成员",
                d.id
            )));
        }
        for p in &d.industries {
            let ok = !p.is_empty()
                && p.as_bytes()[0].is_ascii_uppercase()
                && p[1..].bytes().all(|b| b.is_ascii_digit())
                && p.len() <= 5;
            if !ok {
                return Err(bad(format!(
                    "集群 {} 的行业代码前缀「{p}」应为门类字母加0–4位数字（GB/T 4754-2017）",
                    d.id
                )));
            }
        }
        if let Some(to) = d.effective_to
            && to < d.effective_from
        {
            return Err(bad(format!(
                "集群 {} 的失效年份 {to} 早于生效年份 {}",
                d.id, d.effective_from
            )));
        }
        Ok(d)
    }

    /// Whether the cluster is in force in `year`.
    pub fn in_force(&self, year: i32) -> bool {
        year >= self.effective_from && self.effective_to.is_none_or(|t| year <= t)
    }

    /// Whether a firm with industry code `code` falls under one of the prefixes.
    pub fn matches_code(&self, code: &str) -> bool {
        self.industries.iter().any(|p| code.starts_with(p.as_str()))
    }

    pub fn is_unconfirmed(&self, field: &str) -> bool {
        self.unconfirmed.iter().any(|u| u == field)
    }
}

/// The thresholds of the diagnosis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub version: String,
    pub source: String,
    #[serde(default)]
    pub source_title: String,
    /// Expected link partners per member: expected links = benchmark_degree × n ÷ 2.
    pub benchmark_degree: f64,
    /// 群而不集: at least this many members …
    pub min_firms: u64,
    /// … and a linkage index below this.
    pub linkage_threshold: f64,
    /// Strong cluster: LQ at or above this quantile of the cluster's LQs over parks (and > 1).
    pub strong_quantile: f64,
    /// How many members with the largest revenue are checked pairwise for links.
    pub leading_firms: usize,
    /// A member with at least this revenue (万元) counts as a 领军企业.
    pub leading_revenue_wan: i64,
    #[serde(default)]
    pub unconfirmed: Vec<String>,
}

impl Params {
    pub fn parse(text: &str, file: &str) -> Result<Params> {
        let p: Params = toml::from_str(text).map_err(|e| IndexError::from_toml(text, file, e))?;
        let bad = |msg: &str| IndexError::Load {
            file: file.to_string(),
            line: None,
            msg: msg.to_string(),
        };
        if !(p.benchmark_degree.is_finite() && p.benchmark_degree > 0.0) {
            return Err(bad("benchmark_degree 应为正数"));
        }
        if !(p.linkage_threshold.is_finite() && p.linkage_threshold >= 0.0) {
            return Err(bad("linkage_threshold 应为非负数"));
        }
        if !(0.0..=1.0).contains(&p.strong_quantile) {
            return Err(bad("strong_quantile 应在0到1之间"));
        }
        if p.leading_firms > 50 {
            return Err(bad("leading_firms 不应超过50"));
        }
        if p.leading_revenue_wan < 0 {
            return Err(bad("leading_revenue_wan 不应为负"));
        }
        Ok(p)
    }

    /// The revenue (fen) from which a member is a 领军企业.
    pub fn leading_revenue_fen(&self) -> i64 {
        self.leading_revenue_wan.saturating_mul(1_000_000)
    }
}
