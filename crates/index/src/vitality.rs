//! 创新活力指数 (innovation vitality index, issue 17): one composite per unit (the zone or a park)
//! and year, normalised over **time** so that years compare — the way the documents' growth
//! rates (Jiangbei's index grew 27.63 % a year 2015–2021) imply.
//!
//! Normalisation: base year = 100. Each indicator's sub-index is Iⱼ,ₜ = 100·xⱼ,ₜ / xⱼ,base; the
//! index is Vₜ = Σ wⱼ·Iⱼ,ₜ / Σ wⱼ (arithmetic, so it is 100 in the base year). An indicator takes
//! part only when it has a value in every year (otherwise a year's index would rest on other
//! indicators than the next year's and growth would mix the two); the excluded ones are listed
//! with the reason.
//!
//! **A zero base** (a count that had not started in the base year: no gazelle or unicorn firm
//! yet, no new institution) cannot be a ratio's denominator. Such an indicator's sub-index is
//! Iⱼ,ₜ = 100·(1 + (xⱼ,ₜ − xⱼ,base)/rⱼ), where rⱼ is its first positive value — the same formula
//! as the ratio (for a positive base rⱼ = xⱼ,base gives 100·xⱼ,ₜ/xⱼ,base), with the first
//! observed level as the unit: 100 in the base year, +100 for each rⱼ gained. The indicator keeps
//! its weight in every year, so growth and contributions add up as before; the rule and rⱼ are
//! listed (`zero_base`). An indicator at 0 in every year, or negative in the base year, is left
//! out.
//!
//! Growth gₜ = Vₜ / Vₜ₋₁ − 1 and each indicator's contribution cⱼ,ₜ = (wⱼ/Σw)·(Iⱼ,ₜ − Iⱼ,ₜ₋₁) /
//! Vₜ₋₁, which add up to gₜ exactly (the waterfall).
use crate::error::{IndexError, Result};
use crate::park::Status;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An indicator of the index: a measure of the panel (named by the caller) with a weight.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct VitalityIndicator {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub weight: f64,
    pub weight_status: Status,
    /// The measure's key (see the caller's vocabulary).
    pub measure: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// A loaded vitality scheme.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct VitalityScheme {
    pub source: String,
    pub document: String,
    pub version: String,
    #[serde(default)]
    pub status: Option<String>,
    /// The base year (= 100); `None`: the first year of the data.
    #[serde(default)]
    pub base_year: Option<i32>,
    pub indicator: Vec<VitalityIndicator>,
}

/// One unit's index over the years.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VitalitySeries {
    pub base_year: i32,
    pub years: Vec<i32>,
    /// Vₜ, aligned with `years`.
    pub index: Vec<f64>,
    /// gₜ (`None` for the first year).
    pub growth: Vec<Option<f64>>,
    /// Codes of the indicators taking part, in the scheme's order.
    pub codes: Vec<String>,
    /// Weights renormalised over the indicators taking part, aligned with `codes`.
    pub shares: Vec<f64>,
    /// Iⱼ,ₜ per indicator (aligned with `codes`), per year.
    pub sub_index: Vec<Vec<f64>>,
    /// Raw values per indicator (aligned with `codes`), per year.
    pub values: Vec<Vec<f64>>,
    /// cⱼ,ₜ per indicator (aligned with `codes`), per year (`None` for the first year).
    pub contributions: Vec<Vec<Option<f64>>>,
    /// (code, reason) of the indicators left out.
    pub excluded: Vec<(String, String)>,
    /// (code, year, rⱼ) of the indicators with a zero base value, scaled by their first positive
    /// value (see the module docs).
    #[serde(default)]
    pub zero_base: Vec<(String, i32, f64)>,
    /// Average annual growth from the base year to the last, (V_last/100)^(1/n) − 1.
    pub cagr: Option<f64>,
}

impl VitalityScheme {
    /// Parses a scheme; every measure must be one of `measures`.
    pub fn from_toml_str(text: &str, file: &str, measures: &[&str]) -> Result<Self> {
        let s: VitalityScheme =
            toml::from_str(text).map_err(|e| IndexError::from_toml(text, file, e))?;
        let err = |m: String| IndexError::Load {
            file: file.into(),
            line: None,
            msg: m,
        };
        if s.indicator.is_empty() {
            return Err(err("at least one indicator".into()));
        }
        for i in &s.indicator {
            if !measures.contains(&i.measure.as_str()) {
                return Err(err(format!(
                    "indicator {}: unknown measure {}",
                    i.code, i.measure
                )));
            }
            if !(i.weight.is_finite() && i.weight > 0.0) {
                return Err(err(format!("indicator {}: weight must be > 0", i.code)));
            }
        }
        Ok(s)
    }

    /// The index of one unit from `values[measure][year]` over `years` (ascending).
    pub fn series(
        &self,
        years: &[i32],
        values: &BTreeMap<String, BTreeMap<i32, f64>>,
    ) -> Result<VitalitySeries> {
        let base_year = self
            .base_year
            .or(years.first().copied())
            .ok_or_else(|| IndexError::Data("没有年度数据，无法计算创新活力指数".into()))?;
        let years: Vec<i32> = years.iter().copied().filter(|&y| y >= base_year).collect();
        if years.first() != Some(&base_year) {
            return Err(IndexError::Data(format!("基期 {base_year} 年没有数据")));
        }
        let mut codes = Vec::new();
        let mut weights = Vec::new();
        let mut raw = Vec::new();
        let mut excluded = Vec::new();
        let mut zero_base = Vec::new();
        let mut scale = Vec::new();
        for ind in &self.indicator {
            let m = values.get(&ind.measure);
            let col: Vec<f64> = years
                .iter()
                .map(|y| m.and_then(|m| m.get(y)).copied().unwrap_or(f64::NAN))
                .collect();
            let first_positive = col.iter().position(|v| *v > 0.0);
            if !col[0].is_finite() {
                excluded.push((ind.code.clone(), format!("基期（{base_year}年）无数据")));
            } else if col.iter().any(|v| !v.is_finite()) {
                excluded.push((ind.code.clone(), "部分年份无数据".into()));
            } else if col[0] < 0.0 {
                excluded.push((ind.code.clone(), format!("基期（{base_year}年）为负值")));
            } else if let Some(k) = first_positive {
                if col[0] == 0.0 {
                    zero_base.push((ind.code.clone(), years[k], col[k]));
                }
                scale.push(col[k]);
                codes.push(ind.code.clone());
                weights.push(ind.weight);
                raw.push(col);
            } else {
                excluded.push((ind.code.clone(), "各年均为 0，无法计算分指数".into()));
            }
        }
        if codes.is_empty() {
            return Err(IndexError::Data("没有可用于计算创新活力指数的指标".into()));
        }
        let sum: f64 = weights.iter().sum();
        let shares: Vec<f64> = weights.iter().map(|w| w / sum).collect();
        // rⱼ = the base value when positive, else the first positive value (module docs)
        let sub_index: Vec<Vec<f64>> = raw
            .iter()
            .zip(&scale)
            .map(|(c, r)| {
                c.iter()
                    .map(|v| {
                        if c[0] > 0.0 {
                            100.0 * v / c[0]
                        } else {
                            100.0 * (1.0 + (v - c[0]) / r)
                        }
                    })
                    .collect()
            })
            .collect();
        let index: Vec<f64> = (0..years.len())
            .map(|t| shares.iter().zip(&sub_index).map(|(s, i)| s * i[t]).sum())
            .collect();
        let growth: Vec<Option<f64>> = (0..years.len())
            .map(|t| (t > 0).then(|| index[t] / index[t - 1] - 1.0))
            .collect();
        let contributions = shares
            .iter()
            .zip(&sub_index)
            .map(|(s, i)| {
                (0..years.len())
                    .map(|t| (t > 0).then(|| s * (i[t] - i[t - 1]) / index[t - 1]))
                    .collect()
            })
            .collect();
        let n = years.len() - 1;
        let cagr = (n > 0).then(|| (index[n] / 100.0).powf(1.0 / n as f64) - 1.0);
        Ok(VitalitySeries {
            base_year,
            years,
            index,
            growth,
            codes,
            shares,
            sub_index,
            values: raw,
            contributions,
            excluded,
            zero_base,
            cagr,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEME: &str = r#"
source = "t"
document = "t"
version = "t1"

[[indicator]]
code = "A"
name = "新设企业"
unit = "家"
weight = 1.0
weight_status = "UNCONFIRMED"
measure = "a"

[[indicator]]
code = "B"
name = "研发强度"
unit = "%"
weight = 1.0
weight_status = "UNCONFIRMED"
measure = "b"

[[indicator]]
code = "C"
name = "新型研发机构"
unit = "家"
weight = 2.0
weight_status = "UNCONFIRMED"
measure = "c"
"#;

    fn data(c: &[(i32, f64)]) -> BTreeMap<String, BTreeMap<i32, f64>> {
        let mut m = BTreeMap::new();
        m.insert(
            "a".to_string(),
            [(2020, 10.0), (2021, 12.0), (2022, 15.0)]
                .into_iter()
                .collect(),
        );
        m.insert(
            "b".to_string(),
            [(2020, 4.0), (2021, 4.0), (2022, 2.0)]
                .into_iter()
                .collect(),
        );
        m.insert("c".to_string(), c.iter().copied().collect());
        m
    }

    /// By hand: A 10, 12, 15 → I 100, 120, 150; B 4, 4, 2 → 100, 100, 50; C has no value in the
    /// base year, so it is left out and A and B share the weight ½ each. V = 100, 110, 100; growth
    /// 2021 = +10 %, 2022 = 100/110 − 1 = −9.0909 %; contributions 2021: A ½·20/100 = 10 %, B 0;
    /// 2022: A ½·30/110 = 13.6364 %, B ½·(−50)/110 = −22.7273 % (sum −9.0909 %). CAGR 0.
    #[test]
    fn reproduces_a_hand_computed_time_normalisation() {
        let s = VitalityScheme::from_toml_str(SCHEME, "t", &["a", "b", "c"]).unwrap();
        let v = s
            .series(&[2020, 2021, 2022], &data(&[(2021, 1.0), (2022, 3.0)]))
            .unwrap();
        let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        assert_eq!(v.codes, ["A", "B"]);
        assert_eq!(v.excluded.len(), 1);
        assert!(v.excluded[0].1.contains("基期"));
        close(v.index[0], 100.0);
        close(v.index[1], 110.0);
        close(v.index[2], 100.0);
        close(v.growth[1].unwrap(), 0.10);
        close(v.growth[2].unwrap(), 100.0 / 110.0 - 1.0);
        close(v.contributions[0][1].unwrap(), 0.10);
        close(v.contributions[1][1].unwrap(), 0.0);
        close(v.contributions[0][2].unwrap(), 0.5 * 30.0 / 110.0);
        close(v.contributions[1][2].unwrap(), -0.5 * 50.0 / 110.0);
        let sum: f64 = v.contributions.iter().map(|c| c[2].unwrap()).sum();
        close(sum, v.growth[2].unwrap());
        close(v.cagr.unwrap(), 0.0);
        assert!(v.growth[0].is_none());
    }

    /// The zero-base rule. C counts 0, 1, 3 (no firm on the list in the base year): its sub-index
    /// is 100·(1 + (x − x_base)/r) with r = its first positive value (1, in 2021) → 100, 200, 400.
    /// With A (100, 120, 150) and B (100, 100, 50), shares ¼ ¼ ½: V = 100; ¼·120 + ¼·100 + ½·200
    /// = 155; ¼·150 + ¼·50 + ½·400 = 250. Growth 2022 = 250/155 − 1; C's contribution in 2022 =
    /// ½·(400 − 200)/155; the contributions add up. An indicator at 0 in every year stays out.
    #[test]
    fn an_indicator_with_a_zero_base_enters_scaled_by_its_first_positive_value() {
        let s = VitalityScheme::from_toml_str(SCHEME, "t", &["a", "b", "c"]).unwrap();
        let v = s
            .series(
                &[2020, 2021, 2022],
                &data(&[(2020, 0.0), (2021, 1.0), (2022, 3.0)]),
            )
            .unwrap();
        let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        assert_eq!(v.codes, ["A", "B", "C"]);
        assert!(v.excluded.is_empty());
        assert_eq!(v.zero_base, vec![("C".to_string(), 2021, 1.0)]);
        close(v.sub_index[2][0], 100.0);
        close(v.sub_index[2][1], 200.0);
        close(v.sub_index[2][2], 400.0);
        close(v.index[0], 100.0);
        close(v.index[1], 155.0);
        close(v.index[2], 250.0);
        close(v.growth[2].unwrap(), 250.0 / 155.0 - 1.0);
        close(v.contributions[2][2].unwrap(), 0.5 * 200.0 / 155.0);
        let sum: f64 = v.contributions.iter().map(|c| c[2].unwrap()).sum();
        close(sum, v.growth[2].unwrap());
        // zero throughout: left out, named
        let v = s
            .series(
                &[2020, 2021, 2022],
                &data(&[(2020, 0.0), (2021, 0.0), (2022, 0.0)]),
            )
            .unwrap();
        assert_eq!(v.codes, ["A", "B"]);
        assert!(v.excluded[0].1.contains("均为 0"), "{:?}", v.excluded);
    }

    /// With C present (1, 2, 2 → 100, 200, 200, weight ½): V = ¼·A + ¼·B + ½·C = 100, 155, 150.
    #[test]
    fn weights_renormalise_over_the_indicators_taking_part() {
        let s = VitalityScheme::from_toml_str(SCHEME, "t", &["a", "b", "c"]).unwrap();
        let v = s
            .series(
                &[2020, 2021, 2022],
                &data(&[(2020, 1.0), (2021, 2.0), (2022, 2.0)]),
            )
            .unwrap();
        assert!((v.index[1] - 155.0).abs() < 1e-9);
        assert!((v.index[2] - 150.0).abs() < 1e-9);
        assert!((v.cagr.unwrap() - (1.5f64.sqrt() - 1.0)).abs() < 1e-12);
        // a missing year leaves the indicator out rather than mixing indicator sets
        let v = s
            .series(&[2020, 2021, 2022], &data(&[(2020, 1.0), (2022, 2.0)]))
            .unwrap();
        assert_eq!(v.codes, ["A", "B"]);
        assert!(VitalityScheme::from_toml_str(SCHEME, "t", &["a", "b"]).is_err());
    }
}
