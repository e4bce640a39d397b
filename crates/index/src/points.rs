//! Enterprise innovation points (企业创新积分制, criteria.md §5) — columnar, for whole zones.
//!
//! A [`PointsScheme`] (TOML, `data/schemes/innovation-points-2024.toml`) has first-level groups
//! (技术创新 / 成长经营 / 辅助), second-level indicators each with a row expression for its value
//! and one weight per stage (初创期/成长期/稳定期), a stage rule (ordered conditions, first match
//! wins), bonus and negative items. Method (§5.2, implementable default, not official):
//!
//! 1. stage = first stage whose `condition` holds (the last stage may have none: the default);
//! 2. per indicator, sᵢ = (x − min)/(max − min) within the comparison group (zone + stage,
//!    optionally + technical field), reversed for direction −1, clamped to [0, 1]; min/max may be
//!    frozen per (indicator, stage) (e.g. last year's); a missing value scores 0; a group without
//!    spread scores 1 for a positive value (direction +1) or a value ≤ 0 (direction −1), else 0;
//! 3. points = scale·Σ w_stage,i·sᵢ + Σ bonus − Σ negative.

use crate::error::{IndexError, Result};
use crate::expr::{self, Expr};
use crate::park::{FirmColumns, Status};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Stage {
    pub code: String,
    pub name: String,
    /// Row condition; `None` = default stage (must be last).
    #[serde(default)]
    pub condition: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PointsIndicator {
    pub code: String,
    pub name: String,
    /// First-level group name (技术创新 / 成长经营 / 辅助 …).
    pub group: String,
    /// Row expression giving the value.
    pub value: String,
    /// The value's unit (元, 比例, 件, 家 …), shown by its one presentation rule
    /// (`gaoxin_model::present::value`); empty for a plain number or a 0/1 flag.
    #[serde(default)]
    pub unit: String,
    #[serde(default = "plus_one")]
    pub direction: f64,
    /// Stage code → weight.
    pub weights: BTreeMap<String, f64>,
    pub weight_status: Status,
}

fn plus_one() -> f64 {
    1.0
}

/// A bonus (加分) or negative (负面) item: fixed points when the condition holds.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Adjustment {
    pub code: String,
    pub name: String,
    pub condition: String,
    pub points: f64,
    pub status: Status,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
pub struct Comparison {
    /// Also split comparison groups by technical field.
    #[serde(default)]
    pub by_tech_field: bool,
}

#[derive(Debug, Deserialize)]
struct PointsFile {
    source: String,
    document: String,
    effective_from: String,
    version: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    notice: Option<String>,
    #[serde(default = "plus_one")]
    scale: f64,
    groups: Vec<String>,
    stage: Vec<Stage>,
    #[serde(default)]
    comparison: Comparison,
    indicator: Vec<PointsIndicator>,
    #[serde(default)]
    bonus: Vec<Adjustment>,
    #[serde(default)]
    negative: Vec<Adjustment>,
}

/// A loaded innovation-points scheme with compiled expressions.
#[derive(Debug, Clone)]
pub struct PointsScheme {
    pub source: String,
    pub document: String,
    pub effective_from: String,
    pub version: String,
    pub status: Option<String>,
    /// What every page, export and API response that shows these points must say about them
    /// (e.g. that the indicators are placeholders); `None` once the scheme is the official one.
    pub notice: Option<String>,
    pub scale: f64,
    pub groups: Vec<String>,
    pub stages: Vec<Stage>,
    pub comparison: Comparison,
    pub indicators: Vec<PointsIndicator>,
    pub bonus: Vec<Adjustment>,
    pub negative: Vec<Adjustment>,
    stage_cond: Vec<Option<Expr>>,
    values: Vec<Expr>,
    weights: Vec<Vec<f64>>,
    bonus_cond: Vec<Expr>,
    negative_cond: Vec<Expr>,
}

/// Columnar firm data for points: one column per field of [`expr::all_fields`], a zone id and
/// an optional technical-field id per firm.
#[derive(Debug, Clone)]
pub struct PointsInput {
    pub cols: Vec<Vec<f64>>,
    pub zone: Vec<u32>,
    pub tech_field: Option<Vec<u32>>,
}

impl PointsInput {
    /// Number of firms.
    pub fn len(&self) -> usize {
        self.zone.len()
    }
    pub fn is_empty(&self) -> bool {
        self.zone.is_empty()
    }
    /// From firm rows, the park name serving as the zone; returns the zone names by id.
    pub fn from_firms(fc: &FirmColumns) -> (Self, Vec<String>) {
        let mut names: Vec<String> = fc.park.clone();
        names.sort();
        names.dedup();
        let zone = fc
            .park
            .iter()
            .map(|p| names.binary_search(p).expect("name present") as u32)
            .collect();
        (
            PointsInput {
                cols: fc.cols.clone(),
                zone,
                tech_field: None,
            },
            names,
        )
    }
}

/// Per-indicator detail of a points computation (outer: indicator, inner: firm).
#[derive(Debug, Clone, PartialEq)]
pub struct Components {
    /// The indicator's value (NaN = missing).
    pub values: Vec<Vec<f64>>,
    /// Weighted points w_stage·s (before `scale`).
    pub points: Vec<Vec<f64>>,
}

/// Points per firm.
#[derive(Debug, Clone, PartialEq)]
pub struct PointsResult {
    /// Stage index per firm (into the scheme's stages).
    pub stage: Vec<u8>,
    /// Weighted points per first-level group (outer: group, inner: firm), before `scale`.
    pub by_group: Vec<Vec<f64>>,
    pub bonus: Vec<f64>,
    pub negative: Vec<f64>,
    pub total: Vec<f64>,
}

impl PointsScheme {
    pub fn from_toml_str(text: &str, file: &str) -> Result<Self> {
        let f: PointsFile =
            toml::from_str(text).map_err(|e| IndexError::from_toml(text, file, e))?;
        let err = |m: String| IndexError::Load {
            file: file.into(),
            line: None,
            msg: m,
        };
        if f.stage.is_empty() || f.stage.len() > 255 {
            return Err(err("need 1..=255 stages".into()));
        }
        let mut stage_cond = Vec::new();
        for (k, s) in f.stage.iter().enumerate() {
            match &s.condition {
                Some(c) => stage_cond.push(Some(
                    expr::parse_row(c).map_err(|e| err(format!("stage {}: {e}", s.code)))?,
                )),
                None if k + 1 == f.stage.len() => stage_cond.push(None),
                None => {
                    return Err(err(format!(
                        "stage {}: only the last stage may omit `condition`",
                        s.code
                    )));
                }
            }
        }
        let mut values = Vec::new();
        let mut weights = Vec::new();
        for ind in &f.indicator {
            if !f.groups.contains(&ind.group) {
                return Err(err(format!(
                    "indicator {}: unknown group {}",
                    ind.code, ind.group
                )));
            }
            values.push(
                expr::parse_row(&ind.value)
                    .map_err(|e| err(format!("indicator {}: {e}", ind.code)))?,
            );
            let w = f
                .stage
                .iter()
                .map(|s| {
                    ind.weights.get(&s.code).copied().ok_or_else(|| {
                        err(format!(
                            "indicator {}: no weight for stage {}",
                            ind.code, s.code
                        ))
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            if let Some(k) = ind
                .weights
                .keys()
                .find(|k| !f.stage.iter().any(|s| &s.code == *k))
            {
                return Err(err(format!("indicator {}: unknown stage {k}", ind.code)));
            }
            weights.push(w);
        }
        let parse_adj = |v: &[Adjustment]| -> Result<Vec<Expr>> {
            v.iter()
                .map(|a| expr::parse_row(&a.condition).map_err(|e| err(format!("{}: {e}", a.code))))
                .collect()
        };
        Ok(PointsScheme {
            bonus_cond: parse_adj(&f.bonus)?,
            negative_cond: parse_adj(&f.negative)?,
            source: f.source,
            document: f.document,
            effective_from: f.effective_from,
            version: f.version,
            status: f.status,
            notice: f.notice.filter(|n| !n.trim().is_empty()),
            scale: f.scale,
            groups: f.groups,
            stages: f.stage,
            comparison: f.comparison,
            indicators: f.indicator,
            bonus: f.bonus,
            negative: f.negative,
            stage_cond,
            values,
            weights,
        })
    }

    /// Stage index of every firm.
    pub fn stages_of(&self, input: &PointsInput) -> Vec<u8> {
        let n = input.len();
        let cols: Vec<&[f64]> = input.cols.iter().map(|c| c.as_slice()).collect();
        let mut stage = vec![u8::MAX; n];
        let mut buf = Vec::with_capacity(n);
        for (k, c) in self.stage_cond.iter().enumerate() {
            match c {
                Some(e) => {
                    expr::eval_column(e, &cols, n, &mut buf);
                    for (s, v) in stage.iter_mut().zip(&buf) {
                        if *s == u8::MAX && *v == 1.0 {
                            *s = k as u8;
                        }
                    }
                }
                None => stage
                    .iter_mut()
                    .filter(|s| **s == u8::MAX)
                    .for_each(|s| *s = k as u8),
            }
        }
        // with no default stage, unmatched firms fall into the last stage
        let last = (self.stages.len() - 1) as u8;
        stage
            .iter_mut()
            .filter(|s| **s == u8::MAX)
            .for_each(|s| *s = last);
        stage
    }

    /// Computes points for every firm. `frozen` gives (min, max) per (indicator code, stage code).
    pub fn compute(
        &self,
        input: &PointsInput,
        frozen: &BTreeMap<(String, String), (f64, f64)>,
    ) -> Result<PointsResult> {
        self.compute_inner(input, frozen, None)
    }

    /// Like [`PointsScheme::compute`], also returning every indicator's value and weighted points
    /// per firm (outer: indicator in scheme order, inner: firm; a missing value is NaN and scores 0):
    /// the components shown to a firm and to a bank holding its consent.
    pub fn compute_detailed(
        &self,
        input: &PointsInput,
        frozen: &BTreeMap<(String, String), (f64, f64)>,
    ) -> Result<(PointsResult, Components)> {
        let mut c = Components {
            values: Vec::with_capacity(self.indicators.len()),
            points: Vec::with_capacity(self.indicators.len()),
        };
        let r = self.compute_inner(input, frozen, Some(&mut c))?;
        Ok((r, c))
    }

    fn compute_inner(
        &self,
        input: &PointsInput,
        frozen: &BTreeMap<(String, String), (f64, f64)>,
        mut detail: Option<&mut Components>,
    ) -> Result<PointsResult> {
        let n = input.len();
        if input.cols.len() != expr::all_fields().len() || input.cols.iter().any(|c| c.len() != n) {
            return Err(IndexError::Data(
                "points input: one column of n values per field".into(),
            ));
        }
        let stage = self.stages_of(input);
        let n_stage = self.stages.len() as u64;
        // dense comparison-group ids
        let mut ids: HashMap<u64, u32> = HashMap::new();
        let mut group = vec![0u32; n];
        for i in 0..n {
            let tf = match (&input.tech_field, self.comparison.by_tech_field) {
                (Some(t), true) => t[i] as u64,
                _ => 0,
            };
            let key = ((input.zone[i] as u64 * n_stage + stage[i] as u64) << 32) | tf;
            let next = ids.len() as u32;
            group[i] = *ids.entry(key).or_insert(next);
        }
        let g = ids.len();
        let cols: Vec<&[f64]> = input.cols.iter().map(|c| c.as_slice()).collect();
        let mut by_group = vec![vec![0.0; n]; self.groups.len()];
        let mut x = Vec::with_capacity(n);
        let mut lo = vec![0.0; g];
        let mut hi = vec![0.0; g];
        // stage of each comparison group
        let mut gstage = vec![0u8; g];
        for i in 0..n {
            gstage[group[i] as usize] = stage[i];
        }
        for (k, ind) in self.indicators.iter().enumerate() {
            expr::eval_column(&self.values[k], &cols, n, &mut x);
            lo.fill(f64::INFINITY);
            hi.fill(f64::NEG_INFINITY);
            for i in 0..n {
                let v = x[i];
                if !v.is_nan() {
                    let gi = group[i] as usize;
                    if v < lo[gi] {
                        lo[gi] = v;
                    }
                    if v > hi[gi] {
                        hi[gi] = v;
                    }
                }
            }
            for (gi, st) in gstage.iter().enumerate() {
                if let Some(&(a, b)) =
                    frozen.get(&(ind.code.clone(), self.stages[*st as usize].code.clone()))
                {
                    lo[gi] = a;
                    hi[gi] = b;
                }
            }
            let out = &mut by_group[self
                .groups
                .iter()
                .position(|x| *x == ind.group)
                .expect("validated")];
            let w = &self.weights[k];
            let dir = ind.direction;
            let mut pts = detail.as_ref().map(|_| vec![0.0; n]);
            for i in 0..n {
                let v = x[i];
                if v.is_nan() {
                    continue;
                }
                let gi = group[i] as usize;
                let range = hi[gi] - lo[gi];
                let s = if range > 0.0 {
                    let s = if dir > 0.0 {
                        (v - lo[gi]) / range
                    } else {
                        (hi[gi] - v) / range
                    };
                    s.clamp(0.0, 1.0)
                } else if (dir > 0.0 && v > 0.0) || (dir < 0.0 && v <= 0.0) {
                    1.0
                } else {
                    0.0
                };
                let p = w[stage[i] as usize] * s;
                out[i] += p;
                if let Some(pts) = pts.as_mut() {
                    pts[i] = p;
                }
            }
            if let (Some(d), Some(pts)) = (detail.as_deref_mut(), pts) {
                d.values.push(x.clone());
                d.points.push(pts);
            }
        }
        let adj = |conds: &[Expr], items: &[Adjustment], x: &mut Vec<f64>| {
            let mut acc = vec![0.0; n];
            for (c, a) in conds.iter().zip(items) {
                expr::eval_column(c, &cols, n, x);
                for (o, v) in acc.iter_mut().zip(x.iter()) {
                    if *v == 1.0 {
                        *o += a.points;
                    }
                }
            }
            acc
        };
        let bonus = adj(&self.bonus_cond, &self.bonus, &mut x);
        let negative = adj(&self.negative_cond, &self.negative, &mut x);
        let total = (0..n)
            .map(|i| {
                self.scale * by_group.iter().map(|g| g[i]).sum::<f64>() + bonus[i] - negative[i]
            })
            .collect();
        Ok(PointsResult {
            stage,
            by_group,
            bonus,
            negative,
            total,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::park::FirmRow;

    const SCHEME: &str = r#"
source = "test"
document = "test"
effective_from = "2024-08-01"
version = "t"
groups = ["技术创新", "成长经营", "辅助"]

[[stage]]
code = "startup"
name = "初创期"
condition = "age_years < 3"
[[stage]]
code = "growth"
name = "成长期"
condition = "age_years < 10 and revenue < 200000000"
[[stage]]
code = "stable"
name = "稳定期"

[[indicator]]
code = "T1"
name = "研发费用金额"
group = "技术创新"
value = "rd_expense"
weights = { startup = 10, growth = 8, stable = 6 }
weight_status = "UNCONFIRMED"

[[bonus]]
code = "B1"
name = "高新技术企业"
condition = "hightech_certified"
points = 5
status = "UNCONFIRMED"

[[negative]]
code = "N1"
name = "资不抵债"
condition = "total_liabilities > total_assets"
points = 3
status = "UNCONFIRMED"
"#;

    fn input(rows: &[FirmRow]) -> PointsInput {
        PointsInput::from_firms(&FirmColumns::from_rows(rows).unwrap()).0
    }

    fn firm(age: f64, rd: f64) -> FirmRow {
        FirmRow::new("Z", 2024)
            .with("age_years", age)
            .with("rd_expense", rd)
            .with("revenue", 1e7)
    }

    #[test]
    fn p1_minmax_within_group() {
        let s = PointsScheme::from_toml_str(SCHEME, "t").unwrap();
        let r = s
            .compute(
                &input(&[firm(1.0, 100.0), firm(1.0, 300.0), firm(1.0, 500.0)]),
                &BTreeMap::new(),
            )
            .unwrap();
        assert_eq!(r.total, vec![0.0, 5.0, 10.0]);
        assert_eq!(r.stage, vec![0, 0, 0]);
    }

    #[test]
    fn p2_frozen_max_clamps_to_full_weight() {
        let s = PointsScheme::from_toml_str(SCHEME, "t").unwrap();
        let frozen: BTreeMap<_, _> = [(("T1".to_string(), "startup".to_string()), (100.0, 500.0))]
            .into_iter()
            .collect();
        let r = s
            .compute(&input(&[firm(1.0, 700.0), firm(1.0, 300.0)]), &frozen)
            .unwrap();
        assert_eq!(r.total, vec![10.0, 5.0]);
    }

    #[test]
    fn p3_stage_changes_weight_column_and_group() {
        let s = PointsScheme::from_toml_str(SCHEME, "t").unwrap();
        let frozen: BTreeMap<_, _> = [
            (("T1".to_string(), "startup".to_string()), (0.0, 500.0)),
            (("T1".to_string(), "stable".to_string()), (0.0, 500.0)),
        ]
        .into_iter()
        .collect();
        let young = s.compute(&input(&[firm(1.0, 250.0)]), &frozen).unwrap();
        let old = s.compute(&input(&[firm(20.0, 250.0)]), &frozen).unwrap();
        assert_eq!((young.stage[0], old.stage[0]), (0, 2));
        assert_eq!(young.total[0], 5.0);
        assert_eq!(old.total[0], 3.0);
        // without frozen bounds, firms of different stages are never compared with each other
        let r = s
            .compute(
                &input(&[firm(1.0, 100.0), firm(20.0, 900.0), firm(1.0, 300.0)]),
                &BTreeMap::new(),
            )
            .unwrap();
        assert_eq!(r.total, vec![0.0, 6.0, 10.0]);
    }

    #[test]
    fn bonus_negative_and_missing() {
        let s = PointsScheme::from_toml_str(SCHEME, "t").unwrap();
        let rows = [
            firm(1.0, 100.0).with_flag("hightech_certified", true),
            firm(1.0, 500.0)
                .with("total_assets", 10.0)
                .with("total_liabilities", 20.0),
            FirmRow::new("Z", 2024).with("age_years", 1.0),
        ];
        let r = s.compute(&input(&rows), &BTreeMap::new()).unwrap();
        assert_eq!(r.bonus, vec![5.0, 0.0, 0.0]);
        assert_eq!(r.negative, vec![0.0, 3.0, 0.0]);
        assert_eq!(r.total, vec![5.0, 7.0, 0.0]);
    }

    #[test]
    fn scheme_validation() {
        let bad = SCHEME.replace(
            "weights = { startup = 10, growth = 8, stable = 6 }",
            "weights = { startup = 10, growth = 8 }",
        );
        assert!(
            PointsScheme::from_toml_str(&bad, "t")
                .unwrap_err()
                .to_string()
                .contains("no weight for stage stable")
        );
        let bad = SCHEME.replace("group = \"技术创新\"", "group = \"其他\"");
        assert!(PointsScheme::from_toml_str(&bad, "t").is_err());
    }
}
