//! The innovation points of every firm ([`points_report`]) with their components.
use super::{SchemeInfo, input_hash, opt};
use crate::error::{IndexError, Result};
use crate::park::{FirmColumns, FirmRow, Status};
use crate::points::{PointsInput, PointsScheme};
use crate::stats;
use gaoxin_model::Year;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One indicator's part of a firm's points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointsComponent {
    pub code: String,
    pub value: Option<f64>,
    pub points: f64,
}

/// One firm's points in one year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FirmPoints {
    pub uscc: String,
    pub park: String,
    pub tech_field: Option<String>,
    /// Stage code and name (初创期 / 成长期 / 稳定期).
    pub stage: String,
    pub stage_name: String,
    pub total: f64,
    /// Points per first-level group (scaled), aligned with [`PointsReport::groups`].
    pub by_group: Vec<f64>,
    pub bonus: f64,
    pub negative: f64,
    /// Rank among the zone's firms of the same stage (1 = most points).
    pub stage_rank: u32,
    pub stage_size: u32,
    pub components: Vec<PointsComponent>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointsIndicatorInfo {
    pub code: String,
    pub name: String,
    pub group: String,
    pub confirmed: bool,
    /// Weight per stage, aligned with [`PointsReport::stages`].
    pub weights: Vec<f64>,
}

/// Innovation points of every firm of the zone in one year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointsReport {
    pub year: Year,
    pub scheme: SchemeInfo,
    pub input_hash: String,
    pub groups: Vec<String>,
    /// (code, name).
    pub stages: Vec<(String, String)>,
    pub indicators: Vec<PointsIndicatorInfo>,
    /// Firms by total, highest first.
    pub firms: Vec<FirmPoints>,
}

/// The firm identity a points report needs besides its facts.
#[derive(Debug, Clone, PartialEq)]
pub struct FirmKey {
    pub uscc: String,
    pub tech_field: Option<String>,
}

/// Innovation points of the firms of `year`. `rows[i]` belongs to `keys[i]`; rows of other years
/// are ignored. The comparison group is the zone and the stage (and the technical field when the
/// scheme says so).
pub fn points_report(
    scheme: &PointsScheme,
    rows: &[FirmRow],
    keys: &[FirmKey],
    year: Year,
) -> Result<PointsReport> {
    // the firm rows carry the year as a number
    let (typed, year) = (year, year.get());
    if rows.len() != keys.len() {
        return Err(IndexError::Data("points: one key per firm row".into()));
    }
    let pick: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].year == year).collect();
    let sel: Vec<FirmRow> = pick.iter().map(|&i| rows[i].clone()).collect();
    let fc = FirmColumns::from_rows(&sel)?;
    let fields: Vec<String> = pick
        .iter()
        .map(|&i| keys[i].tech_field.clone().unwrap_or_default())
        .collect();
    let tf_names = {
        let mut v = fields.clone();
        v.sort();
        v.dedup();
        v
    };
    let tf: Vec<u32> = fields
        .iter()
        .map(|f| tf_names.binary_search(f).expect("present") as u32)
        .collect();
    let input = PointsInput {
        cols: fc.cols,
        zone: vec![0; pick.len()],
        tech_field: Some(tf),
    };
    let (res, comp) = scheme.compute_detailed(&input, &BTreeMap::new())?;
    // ranks within stage
    let n = pick.len();
    let mut stage_rank = vec![0u32; n];
    let mut stage_size = vec![0u32; n];
    for s in 0..scheme.stages.len() as u8 {
        let idx: Vec<usize> = (0..n).filter(|&i| res.stage[i] == s).collect();
        let t: Vec<f64> = idx.iter().map(|&i| res.total[i]).collect();
        let r = stats::rank_desc_min(&t);
        for (k, &i) in idx.iter().enumerate() {
            stage_rank[i] = r[k];
            stage_size[i] = idx.len() as u32;
        }
    }
    let mut firms: Vec<FirmPoints> = (0..n)
        .map(|i| {
            let st = &scheme.stages[res.stage[i] as usize];
            FirmPoints {
                uscc: keys[pick[i]].uscc.clone(),
                park: sel[i].park.clone(),
                tech_field: keys[pick[i]].tech_field.clone(),
                stage: st.code.clone(),
                stage_name: st.name.clone(),
                total: res.total[i],
                by_group: res.by_group.iter().map(|g| scheme.scale * g[i]).collect(),
                bonus: res.bonus[i],
                negative: res.negative[i],
                stage_rank: stage_rank[i],
                stage_size: stage_size[i],
                components: scheme
                    .indicators
                    .iter()
                    .enumerate()
                    .map(|(k, ind)| PointsComponent {
                        code: ind.code.clone(),
                        value: opt(comp.values[k][i]),
                        points: scheme.scale * comp.points[k][i],
                    })
                    .collect(),
            }
        })
        .collect();
    firms.sort_by(|a, b| b.total.total_cmp(&a.total).then(a.uscc.cmp(&b.uscc)));
    let hash = input_hash(
        &sel,
        &BTreeMap::new(),
        &format!("{}|{year}", scheme.version),
    );
    Ok(PointsReport {
        year: typed,
        scheme: SchemeInfo {
            version: scheme.version.clone(),
            document: scheme.document.clone(),
            effective_from: scheme.effective_from.clone(),
            status: scheme.status.clone(),
            notice: scheme.notice.clone(),
        },
        input_hash: hash,
        groups: scheme.groups.clone(),
        stages: scheme
            .stages
            .iter()
            .map(|s| (s.code.clone(), s.name.clone()))
            .collect(),
        indicators: scheme
            .indicators
            .iter()
            .map(|i| PointsIndicatorInfo {
                code: i.code.clone(),
                name: i.name.clone(),
                group: i.group.clone(),
                confirmed: i.weight_status == Status::Confirmed,
                weights: scheme
                    .stages
                    .iter()
                    .map(|s| i.weights.get(&s.code).copied().unwrap_or(0.0))
                    .collect(),
            })
            .collect(),
        firms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth;
    #[test]
    fn points_report_components_add_up() {
        let p = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../data/schemes/innovation-points-2024.toml");
        let s = crate::load::points_scheme_from_path(&p).unwrap();
        let rows = synth::firms(3, 50, &[2023, 2024], 9);
        let keys: Vec<FirmKey> = (0..rows.len())
            .map(|i| FirmKey {
                uscc: format!("F{i:04}"),
                tech_field: Some(
                    if i % 2 == 0 {
                        "电子信息"
                    } else {
                        "新材料"
                    }
                    .into(),
                ),
            })
            .collect();
        let r = points_report(&s, &rows, &keys, Year::new(2024).unwrap()).unwrap();
        assert_eq!(r.firms.len(), 150);
        assert_eq!(
            r.scheme.notice, s.notice,
            "the placeholder notice travels with the run"
        );
        assert!(r.scheme.notice.is_some());
        assert!(r.firms.windows(2).all(|w| w[0].total >= w[1].total));
        for f in &r.firms {
            let comp: f64 = f.components.iter().map(|c| c.points).sum();
            let groups: f64 = f.by_group.iter().sum();
            assert!((comp - groups).abs() < 1e-9);
            assert!((groups + f.bonus - f.negative - f.total).abs() < 1e-9);
            assert!(f.stage_rank >= 1 && f.stage_rank <= f.stage_size);
        }
        // the same computation without detail gives the same totals
        let sel: Vec<FirmRow> = rows.iter().filter(|r| r.year == 2024).cloned().collect();
        let fc = FirmColumns::from_rows(&sel).unwrap();
        let n = sel.len();
        let plain = s
            .compute(
                &PointsInput {
                    cols: fc.cols,
                    zone: vec![0; n],
                    tech_field: None,
                },
                &BTreeMap::new(),
            )
            .unwrap();
        let mut a: Vec<f64> = plain.total.clone();
        let mut b: Vec<f64> = r.firms.iter().map(|f| f.total).collect();
        a.sort_by(f64::total_cmp);
        b.sort_by(f64::total_cmp);
        assert_eq!(a, b);
    }
}
