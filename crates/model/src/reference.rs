//! Zone reference data: parks, clusters, tracks with their "五个一", future-industry fields and
//! targets — parsed from `data/reference/zone.toml` (taken from the source documents) and validated.
//! The caller reads the file; this module only parses text.
use crate::ParkId;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Zone {
    pub name: String,
    pub sources: Vec<Source>,
    pub parks: Vec<Park>,
    pub clusters: Vec<Cluster>,
    pub tracks: Vec<Track>,
    pub future_fields: Vec<String>,
    pub targets: Vec<Target>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub id: String,
    pub title: String,
    pub file: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Park {
    pub id: ParkId,
    pub name: String,
    /// 主城 (urban, leaning to high-tech services) or 郊区 (suburban, leaning to manufacturing).
    pub location: String,
    #[serde(default)]
    pub national: bool,
    pub source: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClusterLevel {
    National,
    Provincial,
    City,
}

impl ClusterLevel {
    pub fn zh(self) -> &'static str {
        match self {
            ClusterLevel::National => "国家级",
            ClusterLevel::Provincial => "省级",
            ClusterLevel::City => "市级",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cluster {
    pub id: String,
    pub name: String,
    pub park: ParkId,
    pub level: ClusterLevel,
    /// GB/T 4754 section/division prefixes typical of the cluster (used by the demo generator and tagging).
    pub industries: Vec<String>,
    pub source: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Track {
    pub id: String,
    pub name: String,
    /// The "五个一" elements; an empty string means "not yet named in the source documents".
    pub five_ones: FiveOnes,
    pub source: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FiveOnes {
    pub innovation_sources: String,
    pub specialised_park: String,
    pub promotion_agency: String,
    pub track_fund: String,
    pub flagship_conference: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub id: String,
    /// `zone-2025` (opinions §3) or `city-14th` (plan, table 1).
    pub table: String,
    pub name: String,
    pub unit: String,
    /// `>=`, `>`, `<=`, `=` (≈), or `<`.
    pub comparator: String,
    pub target_year: i32,
    pub target: f64,
    pub baseline_year: Option<i32>,
    pub baseline: Option<f64>,
    /// How the platform computes today's value from the panel, if it can (a named measure); otherwise None
    /// and the pages say which data are needed.
    pub measure: Option<String>,
    pub needs: Option<String>,
    pub source: String,
}

impl Zone {
    /// Parses and validates the reference file. Errors name the problem in plain words.
    pub fn parse(text: &str) -> Result<Zone, String> {
        let z: Zone = toml::from_str(text).map_err(|e| format!("参考数据格式错误：{e}"))?;
        z.validate()?;
        Ok(z)
    }

    fn validate(&self) -> Result<(), String> {
        let mut ids = HashSet::new();
        for p in &self.parks {
            if !ids.insert(p.id.as_str()) {
                return Err(format!("园区编号重复：{}", p.id));
            }
        }
        let src: HashSet<&str> = self.sources.iter().map(|s| s.id.as_str()).collect();
        let check_src = |what: &str, s: &str| {
            if src.contains(s) {
                Ok(())
            } else {
                Err(format!("{what} 引用了未知来源文件「{s}」"))
            }
        };
        for p in &self.parks {
            check_src(&p.name, &p.source)?;
        }
        for c in &self.clusters {
            if !ids.contains(c.park.as_str()) {
                return Err(format!("集群「{}」的所在园区「{}」不存在", c.name, c.park));
            }
            check_src(&c.name, &c.source)?;
        }
        for t in &self.tracks {
            check_src(&t.name, &t.source)?;
        }
        for t in &self.targets {
            check_src(&t.name, &t.source)?;
            if !matches!(t.comparator.as_str(), ">=" | ">" | "<=" | "<" | "=") {
                return Err(format!(
                    "目标「{}」的比较符「{}」无效",
                    t.name, t.comparator
                ));
            }
            if t.measure.is_none() && t.needs.is_none() {
                return Err(format!("目标「{}」既无计算口径也未说明所需数据", t.name));
            }
        }
        let mut seen = HashSet::new();
        for id in self
            .clusters
            .iter()
            .map(|c| &c.id)
            .chain(self.tracks.iter().map(|t| &t.id))
            .chain(self.targets.iter().map(|t| &t.id))
        {
            if !seen.insert(id) {
                return Err(format!("编号重复：{id}"));
            }
        }
        Ok(())
    }

    /// The park with this id or name (a [`ParkId`], `&str` or `String`).
    pub fn park(&self, id_or_name: impl AsRef<str>) -> Option<&Park> {
        let id_or_name = id_or_name.as_ref();
        self.parks
            .iter()
            .find(|p| p.id == id_or_name || p.name == id_or_name)
    }
    pub fn cluster(&self, id_or_name: &str) -> Option<&Cluster> {
        self.clusters
            .iter()
            .find(|c| c.id == id_or_name || c.name == id_or_name)
    }
    pub fn track(&self, id_or_name: &str) -> Option<&Track> {
        self.tracks
            .iter()
            .find(|t| t.id == id_or_name || t.name == id_or_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZONE: &str = include_str!("../../../data/reference/zone.toml");

    #[test]
    fn shipped_reference_matches_the_source_documents() {
        let z = Zone::parse(ZONE).unwrap();
        assert_eq!(z.parks.len(), 15, "一区十五园");
        assert_eq!(z.clusters.len(), 15);
        let count = |l| z.clusters.iter().filter(|c| c.level == l).count();
        assert_eq!(
            (
                count(ClusterLevel::National),
                count(ClusterLevel::Provincial),
                count(ClusterLevel::City)
            ),
            (2, 2, 11)
        );
        assert_eq!(z.cluster("集成电路").unwrap().park, "jiangbei");
        assert_eq!(z.cluster("智能电网").unwrap().level, ClusterLevel::National);
        assert_eq!(
            z.park(z.cluster("新能源汽车").unwrap().park.as_str())
                .unwrap()
                .name,
            "溧水园"
        );
        assert_eq!(z.tracks.len(), 8);
        assert!(z.track("低空经济").is_some() && z.track("工业基础软件").is_some());
        assert_eq!(z.future_fields.len(), 9);
        let zone: Vec<_> = z
            .targets
            .iter()
            .filter(|t| t.table == "zone-2025")
            .collect();
        let city: Vec<_> = z
            .targets
            .iter()
            .filter(|t| t.table == "city-14th")
            .collect();
        assert_eq!(zone.len(), 12);
        assert_eq!(city.len(), 16);
        let t = |id: &str| z.targets.iter().find(|t| t.id == id).unwrap();
        assert_eq!(t("z-rd-intensity").target, 4.5);
        assert_eq!(t("z-listed").target, 130.0);
        assert_eq!(
            (t("c-hnte-count").baseline, t("c-hnte-count").target),
            (Some(6507.0), 20000.0)
        );
        assert_eq!(
            (t("c-techsme-count").baseline, t("c-techsme-count").target),
            (Some(10042.0), 30000.0)
        );
        assert_eq!(t("c-tech-contracts").baseline, Some(686.82));
    }

    #[test]
    fn bad_reference_is_rejected_with_a_reason() {
        let bad = ZONE.replacen("park = \"jiangbei\"", "park = \"nowhere\"", 1);
        assert!(Zone::parse(&bad).unwrap_err().contains("nowhere"));
        let bad = ZONE.replacen(
            "[[parks]]\nid = \"jiangbei\"",
            "[[parks]]\nid = \"Jiang Bei\"",
            1,
        );
        assert!(
            Zone::parse(&bad)
                .unwrap_err()
                .contains("园区编号「Jiang Bei」格式无效")
        );
        let bad = ZONE.replacen("comparator = \">=\"", "comparator = \"~\"", 1);
        assert!(Zone::parse(&bad).unwrap_err().contains("比较符"));
        assert!(
            Zone::parse("name = 1")
                .unwrap_err()
                .starts_with("参考数据格式错误")
        );
    }
}
