//! Missing-data imputation (Handbook step 3; COINr `Impute()`).
//!
//! Cross-sectional methods fill a NaN from the other units of the same year (all units or the
//! unit's group); panel methods fill it from the same unit in other years. Every imputed cell is
//! reported so the stage stays inspectable.

use crate::data::Dataset;
use crate::error::{IndexError, Result};
use crate::stats;

/// How to fill missing values.
#[derive(Debug, Clone, PartialEq)]
pub enum ImputeMethod {
    /// Column mean over units (of the same year in a panel).
    Mean,
    /// Column median over units (of the same year in a panel).
    Median,
    /// Mean over units in the same group of the named grouping.
    GroupMean(String),
    /// Median over units in the same group of the named grouping.
    GroupMedian(String),
    /// Panel: the unit's value from the latest earlier year with data (else the earliest later one).
    LatestYear,
    /// Panel: linear interpolation over years between the nearest observed years; before the first
    /// or after the last observation the nearest observed value is carried (R `approx(rule = 2)`).
    LinearInterpolation,
}

/// One filled cell.
#[derive(Debug, Clone, PartialEq)]
pub struct ImputedCell {
    pub row: usize,
    pub code: String,
    pub value: f64,
}

/// Imputes NaN cells; cells that cannot be filled (e.g. a whole group missing) stay NaN.
pub fn impute(data: &Dataset, method: &ImputeMethod) -> Result<(Dataset, Vec<ImputedCell>)> {
    let mut out = data.clone();
    let mut log = Vec::new();
    let n = data.n_rows();
    match method {
        ImputeMethod::Mean | ImputeMethod::Median => {
            let slices = data.year_slices();
            for j in 0..data.n_cols() {
                for (_, rows) in &slices {
                    let vals: Vec<f64> = rows.iter().map(|&i| data.get(i, j)).collect();
                    let fill = if *method == ImputeMethod::Mean {
                        stats::mean(&vals)
                    } else {
                        stats::median(&vals)
                    };
                    fill_rows(&mut out, j, rows, fill, &mut log);
                }
            }
        }
        ImputeMethod::GroupMean(g) | ImputeMethod::GroupMedian(g) => {
            let labels = data
                .group(g)
                .ok_or_else(|| IndexError::Data(format!("no grouping {g}")))?;
            let use_mean = matches!(method, ImputeMethod::GroupMean(_));
            for (_, rows) in data.year_slices() {
                let mut distinct: Vec<&String> = rows.iter().map(|&i| &labels[i]).collect();
                distinct.sort();
                distinct.dedup();
                for lab in distinct {
                    let grp: Vec<usize> = rows
                        .iter()
                        .copied()
                        .filter(|&i| &labels[i] == lab)
                        .collect();
                    for j in 0..data.n_cols() {
                        let vals: Vec<f64> = grp.iter().map(|&i| data.get(i, j)).collect();
                        let fill = if use_mean {
                            stats::mean(&vals)
                        } else {
                            stats::median(&vals)
                        };
                        fill_rows(&mut out, j, &grp, fill, &mut log);
                    }
                }
            }
        }
        ImputeMethod::LatestYear | ImputeMethod::LinearInterpolation => {
            let years = data
                .years
                .as_ref()
                .ok_or_else(|| IndexError::Data("panel imputation needs years".into()))?;
            let mut units: Vec<&String> = data.units.iter().collect();
            units.sort();
            units.dedup();
            for u in units {
                let mut rows: Vec<usize> = (0..n).filter(|&i| &data.units[i] == u).collect();
                rows.sort_by_key(|&i| years[i]);
                for j in 0..data.n_cols() {
                    let obs: Vec<(f64, f64)> = rows
                        .iter()
                        .filter(|&&i| !data.get(i, j).is_nan())
                        .map(|&i| (years[i] as f64, data.get(i, j)))
                        .collect();
                    if obs.is_empty() {
                        continue;
                    }
                    for &i in &rows {
                        if !data.get(i, j).is_nan() {
                            continue;
                        }
                        let y = years[i] as f64;
                        let before = obs.iter().rev().find(|o| o.0 < y);
                        let after = obs.iter().find(|o| o.0 > y);
                        let v = match (method, before, after) {
                            (ImputeMethod::LatestYear, Some(b), _) => b.1,
                            (ImputeMethod::LatestYear, None, Some(a)) => a.1,
                            (_, Some(b), Some(a)) => b.1 + (a.1 - b.1) * (y - b.0) / (a.0 - b.0),
                            (_, Some(b), None) => b.1,
                            (_, None, Some(a)) => a.1,
                            _ => f64::NAN,
                        };
                        fill_rows(&mut out, j, &[i], v, &mut log);
                    }
                }
            }
        }
    }
    Ok((out, log))
}

fn fill_rows(out: &mut Dataset, j: usize, rows: &[usize], fill: f64, log: &mut Vec<ImputedCell>) {
    if fill.is_nan() {
        return;
    }
    let code = out.codes[j].clone();
    let col = out.col_mut(j);
    for &i in rows {
        if col[i].is_nan() {
            col[i] = fill;
            log.push(ImputedCell {
                row: i,
                code: code.clone(),
                value: fill,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const N: f64 = f64::NAN;

    fn cross() -> Dataset {
        Dataset::from_columns(
            (0..5).map(|i| format!("u{i}")).collect(),
            vec!["x".into()],
            vec![vec![1.0, N, 3.0, 10.0, N]],
        )
        .unwrap()
        .with_group("g", ["a", "a", "a", "b", "b"].map(String::from).to_vec())
        .unwrap()
    }

    #[test]
    fn mean_median_group() {
        let (d, log) = impute(&cross(), &ImputeMethod::Mean).unwrap();
        assert_eq!(d.col(0)[1], 14.0 / 3.0);
        assert_eq!(log.len(), 2);
        let (d, _) = impute(&cross(), &ImputeMethod::Median).unwrap();
        assert_eq!(d.col(0)[4], 3.0);
        let (d, _) = impute(&cross(), &ImputeMethod::GroupMean("g".into())).unwrap();
        assert_eq!(d.col(0)[1], 2.0);
        assert_eq!(d.col(0)[4], 10.0);
        let (d, _) = impute(&cross(), &ImputeMethod::GroupMedian("g".into())).unwrap();
        assert_eq!(d.col(0)[1], 2.0);
        assert!(impute(&cross(), &ImputeMethod::GroupMean("zz".into())).is_err());
    }

    fn panel() -> Dataset {
        Dataset::from_columns(
            ["A", "A", "A", "A", "B"].map(String::from).to_vec(),
            vec!["x".into()],
            vec![vec![N, 2.0, N, 8.0, N]],
        )
        .unwrap()
        .with_years(vec![2019, 2020, 2021, 2022, 2020])
        .unwrap()
    }

    #[test]
    fn panel_methods() {
        let (d, _) = impute(&panel(), &ImputeMethod::LatestYear).unwrap();
        assert_eq!(d.col(0)[..4], [2.0, 2.0, 2.0, 8.0]);
        assert!(d.col(0)[4].is_nan(), "B has no observation at all");
        let (d, _) = impute(&panel(), &ImputeMethod::LinearInterpolation).unwrap();
        assert_eq!(d.col(0)[..4], [2.0, 2.0, 5.0, 8.0]);
        let cross = cross();
        assert!(impute(&cross, &ImputeMethod::LatestYear).is_err());
    }
}
