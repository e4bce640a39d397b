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
pub fn normalise_column(
    x: &[f64],
    direction: f64,
    target: Option<f64>,
    method: &Normaliser,
    out: &mut [f64],
) -> Result<()> {
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
            let t = target.ok_or_else(|| {
                IndexError::Method("distance to target needs a target in the metadata".into())
            })?;
            let (mn, mx) = (stats::min(x), stats::max(x));
            for (o, &v) in out.iter_mut().zip(x) {
                let s = if direction > 0.0 {
                    (v - mn) / (t - mn)
                } else {
                    (mx - v) / (mx - t)
                };
                *o = s.min(1.0) * scale;
            }
        }
        Normaliser::DistToMax { scale } => {
            let (mn, mx) = (stats::min(x), stats::max(x));
            for (o, &v) in out.iter_mut().zip(x) {
                *o = if direction > 0.0 { v / mx } else { mn / v } * scale;
            }
        }
        Normaliser::Goalposts { lo, hi, scale } => {
            let lo = lo.unwrap_or_else(|| stats::min(x));
            let hi = hi.unwrap_or_else(|| stats::max(x));
            if hi.is_nan() || lo.is_nan() || hi <= lo {
                return Err(IndexError::Method(format!(
                    "goalposts need lo < hi, got {lo} and {hi}"
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
        for (_, rows) in &slices {
            buf_in.clear();
            buf_in.extend(rows.iter().map(|&i| data.get(i, j)));
            buf_out.clear();
            buf_out.resize(rows.len(), f64::NAN);
            normalise_column(&buf_in, node.direction, node.target, method, &mut buf_out)?;
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
