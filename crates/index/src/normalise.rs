//! Normalisation (Handbook step 5; COINr `Normalise()`).
//!
//! Every method maps a column to a common scale; "higher is better" afterwards, so columns with
//! direction −1 are reversed. For panels the reference values (min, max, mean, …) are taken per
//! year by default, or over all years together (`across_years`) so scores stay comparable in time.

use crate::data::Dataset;
use crate::error::{IndexError, Result};
use crate::meta::IndexMeta;
use crate::stats;

/// A normalisation method (Handbook Table 3 / COINr `n_*` functions).
#[derive(Debug, Clone, PartialEq)]
pub enum Normaliser {
    /// `(x − min)/(max − min)·(hi − lo) + lo` on direction-adjusted x (COINr `n_minmax`).
    MinMax { lo: f64, hi: f64 },
    /// `(x − mean)/sd·sd_to + mean_to` on direction-adjusted x (COINr `n_zscore`).
    ZScore { mean: f64, sd: f64 },
    /// Rank, lowest = 1, ties "min" (COINr `n_rank`).
    Rank,
    /// Percentile rank `(rank − 1)/(n − 1)` in [0, 1] ("min" ties).
    PercentRank,
    /// Distance to the indicator's target (metadata `target`), capped at 1, times `scale`:
    /// `(x − min)/(target − min)` for direction +1, `(max − x)/(max − target)` for −1.
    DistToTarget { scale: f64 },
    /// Distance to the group leader: `x/max` for direction +1, `min/x` for −1, times `scale`.
    DistToMax { scale: f64 },
    /// Goalposts: `(x − lo)/(hi − lo)` (reversed for −1) clamped to [0, 1], times `scale`. Without
    /// fixed posts the observed min and max are used (over all years if `across_years`).
    Goalposts {
        lo: Option<f64>,
        hi: Option<f64>,
        scale: f64,
    },
}

impl Normaliser {
    /// COINr's default: min-max to [0, 100].
    pub fn minmax100() -> Self {
        Normaliser::MinMax { lo: 0.0, hi: 100.0 }
    }
}

/// Normalises one column in natural units into `out`. `target` is used by [`Normaliser::DistToTarget`].
///
/// Degenerate inputs behave the same way under every method:
/// * a missing cell (NaN) stays missing — it never receives a score;
/// * a column with no value at all stays missing everywhere (there is nothing to normalise);
/// * a column whose present values are all equal is an error whenever the method takes a
///   reference (min, max, mean, sd, ranks) from the data — every method except goalposts with
///   both posts fixed — because such a column cannot tell units apart;
/// * distance to target needs a target strictly beyond the worst value (above the minimum for
///   direction +1, below the maximum for −1);
/// * distance to the leader is a ratio and refuses zero or negative values.
///
/// Errors are in Chinese; [`normalise`] adds the indicator code (and year).
pub fn normalise_column(
    x: &[f64],
    direction: f64,
    target: Option<f64>,
    method: &Normaliser,
    out: &mut [f64],
) -> Result<()> {
    let t = match method {
        Normaliser::DistToTarget { .. } => Some(target.ok_or_else(|| {
            IndexError::Method("距目标值标准化需要在指标元数据中给出目标值（target）".into())
        })?),
        _ => None,
    };
    if let Normaliser::Goalposts {
        lo: Some(lo),
        hi: Some(hi),
        ..
    } = method
        && (lo.is_nan() || hi.is_nan() || lo >= hi)
    {
        return Err(IndexError::Method(format!(
            "阈值法（goalposts）需要下限小于上限，实为 {lo} 和 {hi}"
        )));
    }
    if stats::count(x) == 0 {
        out.fill(f64::NAN);
        return Ok(());
    }
    let (mn, mx) = (stats::min(x), stats::max(x));
    let fixed = matches!(
        method,
        Normaliser::Goalposts {
            lo: Some(_),
            hi: Some(_),
            ..
        }
    );
    if !fixed && mn == mx {
        return Err(IndexError::Method(format!(
            "所有有值单元的取值都相同（{mn}），{}无法区分各单元；请去掉该指标或改用固定阈值",
            method_name(method)
        )));
    }
    match method {
        Normaliser::MinMax { lo, hi } => {
            let (mn, mx) = dir_min_max(x, direction);
            for (o, &v) in out.iter_mut().zip(x) {
                *o = (v * direction - mn) / (mx - mn) * (hi - lo) + lo;
            }
        }
        Normaliser::ZScore { mean, sd } => {
            let adj: Vec<f64> = x.iter().map(|v| v * direction).collect();
            let (m, s) = (stats::mean(&adj), stats::sd(&adj));
            for (o, &v) in out.iter_mut().zip(&adj) {
                *o = (v - m) / s * sd + mean;
            }
        }
        Normaliser::Rank | Normaliser::PercentRank => {
            let adj: Vec<f64> = x.iter().map(|v| v * direction).collect();
            let r = stats::rank_asc_min(&adj);
            let n = stats::count(x) as f64;
            for (o, v) in out.iter_mut().zip(r) {
                *o = if *method == Normaliser::Rank {
                    v
                } else {
                    (v - 1.0) / (n - 1.0)
                };
            }
        }
        Normaliser::DistToTarget { scale } => {
            let t = t.expect("checked above");
            if direction > 0.0 && (t.is_nan() || t <= mn) {
                return Err(IndexError::Method(format!(
                    "目标值 {t} 不高于该列最小值 {mn}（越高越好），距目标值无法计算"
                )));
            }
            if direction < 0.0 && (t.is_nan() || t >= mx) {
                return Err(IndexError::Method(format!(
                    "目标值 {t} 不低于该列最大值 {mx}（越低越好），距目标值无法计算"
                )));
            }
            for (o, &v) in out.iter_mut().zip(x) {
                let s = if direction > 0.0 {
                    (v - mn) / (t - mn)
                } else {
                    (mx - v) / (mx - t)
                };
                // `NaN.min(1.0)` is 1.0: a missing cell must stay missing
                *o = if s.is_nan() { s } else { s.min(1.0) * scale };
            }
        }
        Normaliser::DistToMax { scale } => {
            if mn <= 0.0 {
                return Err(IndexError::Method(format!(
                    "距最优值（比值）标准化只适用于正数，该列最小值为 {mn}；请先平移或改用最小-最大标准化"
                )));
            }
            for (o, &v) in out.iter_mut().zip(x) {
                *o = if direction > 0.0 { v / mx } else { mn / v } * scale;
            }
        }
        Normaliser::Goalposts { lo, hi, scale } => {
            let lo = lo.unwrap_or(mn);
            let hi = hi.unwrap_or(mx);
            if lo.is_nan() || hi.is_nan() || lo >= hi {
                return Err(IndexError::Method(format!(
                    "阈值法（goalposts）需要下限小于上限，实为 {lo} 和 {hi}"
                )));
            }
            for (o, &v) in out.iter_mut().zip(x) {
                let s = if direction > 0.0 {
                    (v - lo) / (hi - lo)
                } else {
                    (hi - v) / (hi - lo)
                };
                *o = if s.is_nan() {
                    s
                } else {
                    s.clamp(0.0, 1.0) * scale
                };
            }
        }
    }
    Ok(())
}

/// The method's name in the product's language (for messages).
pub fn method_name(method: &Normaliser) -> &'static str {
    match method {
        Normaliser::MinMax { .. } => "最小-最大标准化",
        Normaliser::ZScore { .. } => "Z分数标准化",
        Normaliser::Rank => "排名标准化",
        Normaliser::PercentRank => "百分位排名标准化",
        Normaliser::DistToTarget { .. } => "距目标值标准化",
        Normaliser::DistToMax { .. } => "距最优值标准化",
        Normaliser::Goalposts { .. } => "阈值法（goalposts）",
    }
}

fn dir_min_max(x: &[f64], direction: f64) -> (f64, f64) {
    let (mut mn, mut mx) = (f64::INFINITY, f64::NEG_INFINITY);
    for &v in x {
        let a = v * direction;
        if !a.is_nan() {
            mn = mn.min(a);
            mx = mx.max(a);
        }
    }
    (mn, mx)
}

/// Normalises every indicator column of `data` using directions and targets from `meta`.
/// For panel data the reference values are per year unless `across_years`.
pub fn normalise(
    data: &Dataset,
    meta: &IndexMeta,
    method: &Normaliser,
    across_years: bool,
) -> Result<Dataset> {
    let mut out = data.clone();
    let slices = if across_years {
        vec![(None, (0..data.n_rows()).collect::<Vec<_>>())]
    } else {
        data.year_slices()
    };
    let mut buf_in = Vec::new();
    let mut buf_out = Vec::new();
    for j in 0..data.n_cols() {
        let node = meta
            .node(&data.codes[j])
            .ok_or_else(|| IndexError::Data(format!("{} is not in the metadata", data.codes[j])))?;
        for (year, rows) in &slices {
            buf_in.clear();
            buf_in.extend(rows.iter().map(|&i| data.get(i, j)));
            buf_out.clear();
            buf_out.resize(rows.len(), f64::NAN);
            normalise_column(&buf_in, node.direction, node.target, method, &mut buf_out).map_err(
                |e| {
                    let msg = match e {
                        IndexError::Method(m) | IndexError::Data(m) => m,
                        other => other.to_string(),
                    };
                    IndexError::Method(match year {
                        Some(y) => format!("指标 {}（{y} 年）：{msg}", node.code),
                        None => format!("指标 {}：{msg}", node.code),
                    })
                },
            )?;
            let col = out.col_mut(j);
            for (k, &i) in rows.iter().enumerate() {
                col[i] = buf_out[k];
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(x: &[f64], dir: f64, t: Option<f64>, m: Normaliser) -> Vec<f64> {
        let mut o = vec![0.0; x.len()];
        normalise_column(x, dir, t, &m, &mut o).unwrap();
        o
    }

    const X: [f64; 4] = [2.0, 4.0, 6.0, 10.0];

    #[test]
    fn minmax_handbook() {
        assert_eq!(
            run(&X, 1.0, None, Normaliser::minmax100()),
            vec![0.0, 25.0, 50.0, 100.0]
        );
        assert_eq!(
            run(&X, -1.0, None, Normaliser::minmax100()),
            vec![100.0, 75.0, 50.0, 0.0]
        );
        let r = run(&X, 1.0, None, Normaliser::MinMax { lo: 1.0, hi: 2.0 });
        assert_eq!(r, vec![1.0, 1.25, 1.5, 2.0]);
    }

    #[test]
    fn zscore_handbook() {
        let r = run(&X, 1.0, None, Normaliser::ZScore { mean: 0.0, sd: 1.0 });
        // mean 5.5, sd = sqrt(((3.5²+1.5²+0.5²+4.5²)/3)) = sqrt(35/3)
        let sd = (35.0f64 / 3.0).sqrt();
        assert!((r[0] + 3.5 / sd).abs() < 1e-12);
        assert!(r.iter().sum::<f64>().abs() < 1e-12);
        let r = run(
            &X,
            -1.0,
            None,
            Normaliser::ZScore {
                mean: 10.0,
                sd: 2.0,
            },
        );
        assert!((r[3] - (10.0 - 2.0 * 4.5 / sd)).abs() < 1e-12);
    }

    #[test]
    fn ranks_and_percent_ranks() {
        let x = [5.0, 1.0, 5.0, 3.0];
        assert_eq!(
            run(&x, 1.0, None, Normaliser::Rank),
            vec![3.0, 1.0, 3.0, 2.0]
        );
        assert_eq!(
            run(&x, -1.0, None, Normaliser::Rank),
            vec![1.0, 4.0, 1.0, 3.0]
        );
        let p = run(&x, 1.0, None, Normaliser::PercentRank);
        assert_eq!(p, vec![2.0 / 3.0, 0.0, 2.0 / 3.0, 1.0 / 3.0]);
    }

    #[test]
    fn distance_to_target_and_max() {
        let r = run(
            &X,
            1.0,
            Some(8.0),
            Normaliser::DistToTarget { scale: 100.0 },
        );
        for (a, b) in r.iter().zip([0.0, 100.0 / 3.0, 200.0 / 3.0, 100.0]) {
            assert!((a - b).abs() < 1e-12, "{r:?}");
        }
        let r = run(&X, -1.0, Some(4.0), Normaliser::DistToTarget { scale: 1.0 });
        assert_eq!(r, vec![1.0, 1.0, 4.0 / 6.0, 0.0]);
        let mut o = vec![0.0; 4];
        assert!(
            normalise_column(
                &X,
                1.0,
                None,
                &Normaliser::DistToTarget { scale: 1.0 },
                &mut o
            )
            .is_err()
        );
        assert_eq!(
            run(&X, 1.0, None, Normaliser::DistToMax { scale: 1.0 }),
            vec![0.2, 0.4, 0.6, 1.0]
        );
        assert_eq!(
            run(&X, -1.0, None, Normaliser::DistToMax { scale: 1.0 })[1],
            0.5
        );
    }

    fn try_run(x: &[f64], dir: f64, t: Option<f64>, m: &Normaliser) -> Result<Vec<f64>> {
        let mut o = vec![0.0; x.len()];
        normalise_column(x, dir, t, m, &mut o).map(|_| o)
    }

    fn all_methods() -> Vec<Normaliser> {
        vec![
            Normaliser::minmax100(),
            Normaliser::ZScore { mean: 0.0, sd: 1.0 },
            Normaliser::Rank,
            Normaliser::PercentRank,
            Normaliser::DistToTarget { scale: 100.0 },
            Normaliser::DistToMax { scale: 100.0 },
            Normaliser::Goalposts {
                lo: None,
                hi: None,
                scale: 100.0,
            },
        ]
    }

    #[test]
    fn missing_stays_missing_under_every_method() {
        // issue 11 §6: NaN.min(1.0) is 1.0, so distance to target gave a missing cell full marks
        let x = [f64::NAN, 1.0, 2.0, 4.0];
        let r = run(
            &x,
            1.0,
            Some(3.0),
            Normaliser::DistToTarget { scale: 100.0 },
        );
        assert!(r[0].is_nan(), "{r:?}");
        assert_eq!(&r[1..], &[0.0, 50.0, 100.0]);
        let r = run(&x, -1.0, Some(2.0), Normaliser::DistToTarget { scale: 1.0 });
        assert!(r[0].is_nan(), "{r:?}");
        assert_eq!(&r[1..], &[1.0, 1.0, 0.0]);
        for m in all_methods() {
            for dir in [1.0, -1.0] {
                let r = try_run(&x, dir, Some(3.0), &m).unwrap();
                assert!(r[0].is_nan(), "{m:?} {dir}: {r:?}");
                assert!(r[1..].iter().all(|v| v.is_finite()), "{m:?} {dir}: {r:?}");
            }
        }
    }

    #[test]
    fn all_missing_column_stays_missing_under_every_method() {
        let x = [f64::NAN; 3];
        for m in all_methods() {
            let r = try_run(&x, 1.0, Some(3.0), &m).unwrap();
            assert!(r.iter().all(|v| v.is_nan()), "{m:?}: {r:?}");
        }
    }

    #[test]
    fn a_constant_column_is_an_error_under_every_method() {
        // issue 11 §6: min-max and z-score gave NaN silently, goalposts an error
        for x in [&[5.0, 5.0, f64::NAN, 5.0][..], &[7.0][..]] {
            for m in all_methods() {
                let e = try_run(x, 1.0, Some(9.0), &m).unwrap_err().to_string();
                assert!(e.contains("相同"), "{m:?}: {e}");
            }
        }
        // fixed goalposts do not take their reference from the data
        let g = Normaliser::Goalposts {
            lo: Some(0.0),
            hi: Some(10.0),
            scale: 1.0,
        };
        assert_eq!(try_run(&[5.0, 5.0], 1.0, None, &g).unwrap(), vec![0.5, 0.5]);
    }

    #[test]
    fn target_at_the_reference_end_is_an_error() {
        let m = Normaliser::DistToTarget { scale: 1.0 };
        // higher is better: target equal to (or below) the column minimum
        for t in [1.0, 0.5] {
            let e = try_run(&[1.0, 2.0, 4.0], 1.0, Some(t), &m).unwrap_err();
            assert!(e.to_string().contains("目标值"), "{e}");
        }
        // lower is better: target equal to (or above) the column maximum
        for t in [4.0, 5.0] {
            let e = try_run(&[1.0, 2.0, 4.0], -1.0, Some(t), &m).unwrap_err();
            assert!(e.to_string().contains("目标值"), "{e}");
        }
    }

    #[test]
    fn ratio_normaliser_refuses_non_positive_data() {
        // issue 11 §6: lower-is-better with a 0 made the best unit missing (min/0), and all-negative
        // data reversed the order
        let m = Normaliser::DistToMax { scale: 1.0 };
        for (x, dir) in [
            (&[0.0, 2.0, 4.0][..], -1.0),
            (&[0.0, 2.0, 4.0][..], 1.0),
            (&[-4.0, -2.0, -1.0][..], 1.0),
            (&[-4.0, -2.0, -1.0][..], -1.0),
        ] {
            let e = try_run(x, dir, None, &m).unwrap_err().to_string();
            assert!(e.contains("正数"), "{x:?} {dir}: {e}");
        }
        assert_eq!(
            try_run(&[1.0, 2.0, 4.0], -1.0, None, &m).unwrap(),
            vec![1.0, 0.5, 0.25]
        );
    }

    #[test]
    fn normalise_names_the_indicator_and_year_in_errors() {
        use crate::meta::Node;
        let meta = IndexMeta::new(vec![
            Node::indicator("x", "I"),
            Node::indicator("y", "I"),
            Node::aggregate("I", 2, None),
        ])
        .unwrap();
        let d = Dataset::from_columns(
            ["A", "B", "A", "B"].map(String::from).to_vec(),
            vec!["x".into(), "y".into()],
            vec![vec![1.0, 2.0, 3.0, 5.0], vec![1.0, 2.0, 4.0, 4.0]],
        )
        .unwrap()
        .with_years(vec![2020, 2020, 2021, 2021])
        .unwrap();
        let e = normalise(&d, &meta, &Normaliser::minmax100(), false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("指标 y") && e.contains("2021"), "{e}");
        // over all years together the column varies
        assert!(normalise(&d, &meta, &Normaliser::minmax100(), true).is_ok());
    }

    #[test]
    fn goalposts_clamp_and_reverse() {
        // criteria §6.3 Z1/Z2/Z3
        let g = Normaliser::Goalposts {
            lo: Some(2.0),
            hi: Some(12.0),
            scale: 1.0,
        };
        assert_eq!(run(&[7.0, 14.0, 0.0], 1.0, None, g), vec![0.5, 1.0, 0.0]);
        let g = Normaliser::Goalposts {
            lo: Some(0.1),
            hi: Some(0.5),
            scale: 1.0,
        };
        let r = run(&[0.2], -1.0, None, g);
        assert!((r[0] - 0.75).abs() < 1e-12);
        let g = Normaliser::Goalposts {
            lo: None,
            hi: None,
            scale: 100.0,
        };
        assert_eq!(run(&X, 1.0, None, g), vec![0.0, 25.0, 50.0, 100.0]);
    }

    #[test]
    fn panel_per_year_vs_across_years() {
        use crate::meta::Node;
        let meta = IndexMeta::new(vec![
            Node::indicator("x", "I"),
            Node::aggregate("I", 2, None),
        ])
        .unwrap();
        let d = Dataset::from_columns(
            ["A", "B", "A", "B"].map(String::from).to_vec(),
            vec!["x".into()],
            vec![vec![1.0, 2.0, 3.0, 5.0]],
        )
        .unwrap()
        .with_years(vec![2020, 2020, 2021, 2021])
        .unwrap();
        let per = normalise(&d, &meta, &Normaliser::minmax100(), false).unwrap();
        assert_eq!(per.col(0), &[0.0, 100.0, 0.0, 100.0]);
        let all = normalise(&d, &meta, &Normaliser::minmax100(), true).unwrap();
        assert_eq!(all.col(0), &[0.0, 25.0, 50.0, 100.0]);
    }
}
