//! Weighting (Handbook step 6): metadata and named sets (see [`crate::meta`]), equal weights,
//! the entropy weight method (熵权法), CRITIC, and AHP from a pairwise comparison matrix with
//! Saaty's consistency ratio; plus multiplicative weight noise for uncertainty analysis.

use crate::error::{IndexError, Result};
use crate::meta::IndexMeta;
use crate::rng::Rng;
use crate::stats;
use std::collections::BTreeMap;

/// Weight 1 for every node (children of one parent then share equally).
pub fn equal(meta: &IndexMeta) -> BTreeMap<String, f64> {
    meta.nodes().iter().map(|n| (n.code.clone(), 1.0)).collect()
}

/// Preprocessing before the entropy method, which needs non-negative data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EntropyPrep {
    /// Use the data as given; any negative value is an error.
    None,
    /// Per column `x' = shift + (1 − shift)·(x − min)/(max − min)` (direction-adjusted), the usual
    /// 熵权法 standardisation; `shift` (e.g. 0.01) avoids ln 0 and zero weights.
    MinMaxShift { shift: f64 },
}

/// Entropy weight method: pᵢⱼ = xᵢⱼ/Σᵢxᵢⱼ, eⱼ = −Σᵢ pᵢⱼ ln pᵢⱼ / ln n, dⱼ = 1 − eⱼ, wⱼ = dⱼ/Σd.
/// `cols` are columns of units; `directions` (±1) are applied by the preprocessing. NaN cells are skipped.
pub fn entropy(cols: &[&[f64]], directions: &[f64], prep: EntropyPrep) -> Result<Vec<f64>> {
    let mut d = Vec::with_capacity(cols.len());
    for (j, col) in cols.iter().enumerate() {
        let dir = directions.get(j).copied().unwrap_or(1.0);
        let x: Vec<f64> = match prep {
            EntropyPrep::None => {
                if col.iter().any(|v| *v < 0.0) {
                    return Err(IndexError::Method(format!(
                        "entropy weights: column {j} has negative values; use MinMaxShift"
                    )));
                }
                col.iter().copied().filter(|v| !v.is_nan()).collect()
            }
            EntropyPrep::MinMaxShift { shift } => {
                let adj: Vec<f64> = col
                    .iter()
                    .filter(|v| !v.is_nan())
                    .map(|v| v * dir)
                    .collect();
                let (mn, mx) = (stats::min(&adj), stats::max(&adj));
                adj.iter()
                    .map(|v| {
                        if mx > mn {
                            shift + (1.0 - shift) * (v - mn) / (mx - mn)
                        } else {
                            1.0
                        }
                    })
                    .collect()
            }
        };
        let n = x.len() as f64;
        let total: f64 = x.iter().sum();
        if n < 2.0 || total <= 0.0 {
            return Err(IndexError::Method(format!(
                "entropy weights: column {j} has fewer than 2 values or sums to 0"
            )));
        }
        let e = -x
            .iter()
            .map(|v| v / total)
            .filter(|p| *p > 0.0)
            .map(|p| p * p.ln())
            .sum::<f64>()
            / n.ln();
        d.push(1.0 - e);
    }
    normalise_sum(d)
}

/// CRITIC (Diakoulaki et al. 1995): on min-max normalised columns, Cⱼ = σⱼ·Σₖ(1 − rⱼₖ), wⱼ = Cⱼ/ΣC.
/// A column without two distinct values is an error (its σ and correlations are undefined).
pub fn critic(cols: &[&[f64]], directions: &[f64]) -> Result<Vec<f64>> {
    let norm: Vec<Vec<f64>> = cols
        .iter()
        .enumerate()
        .map(|(j, c)| {
            let dir = directions.get(j).copied().unwrap_or(1.0);
            let adj: Vec<f64> = c.iter().map(|v| v * dir).collect();
            let (mn, mx) = (stats::min(&adj), stats::max(&adj));
            if mn.is_nan() || mn >= mx {
                return Err(IndexError::Method(format!(
                    "CRITIC 权重：第 {} 列没有两个不同的取值，无法计算",
                    j + 1
                )));
            }
            Ok(adj.iter().map(|v| (v - mn) / (mx - mn)).collect())
        })
        .collect::<Result<_>>()?;
    let m = norm.len();
    let mut c = vec![0.0; m];
    for j in 0..m {
        let sd = stats::sd(&norm[j]);
        let conflict: f64 = (0..m)
            .map(|k| 1.0 - stats::correlation(&norm[j], &norm[k]))
            .sum();
        c[j] = sd * conflict;
    }
    normalise_sum(c)
}

fn normalise_sum(v: Vec<f64>) -> Result<Vec<f64>> {
    let s: f64 = v.iter().sum();
    if s.is_nan() || s <= 0.0 || v.iter().any(|x| x.is_nan()) {
        return Err(IndexError::Method(
            "weights could not be computed (degenerate data)".into(),
        ));
    }
    Ok(v.into_iter().map(|x| x / s).collect())
}

/// Saaty's random consistency index RI for n = 1..=15.
pub const SAATY_RI: [f64; 15] = [
    0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59,
];

/// Result of the AHP eigenvector method.
#[derive(Debug, Clone, PartialEq)]
pub struct Ahp {
    pub weights: Vec<f64>,
    pub lambda_max: f64,
    /// CI = (λmax − n)/(n − 1).
    pub ci: f64,
    /// CR = CI/RI; judgements are usually accepted when CR < 0.1. 0 for n ≤ 2.
    pub cr: f64,
}

impl Ahp {
    /// Saaty's acceptance rule CR < 0.1.
    pub fn is_consistent(&self) -> bool {
        self.cr < 0.1
    }
}

/// AHP weights: principal eigenvector of the positive reciprocal matrix `a` (row-major, n×n) by
/// power iteration, λmax, CI and CR with [`SAATY_RI`].
pub fn ahp(a: &[Vec<f64>]) -> Result<Ahp> {
    let n = a.len();
    if n == 0 || n > SAATY_RI.len() {
        return Err(IndexError::Method(format!(
            "AHP supports 1..=15 criteria, got {n}"
        )));
    }
    for (i, row) in a.iter().enumerate() {
        if row.len() != n {
            return Err(IndexError::Method("AHP matrix must be square".into()));
        }
        for (j, &v) in row.iter().enumerate() {
            if v.is_nan() || v <= 0.0 || (v * a[j][i] - 1.0).abs() > 1e-6 {
                return Err(IndexError::Method(format!(
                    "AHP matrix must be positive and reciprocal: a[{i}][{j}] = {v}, a[{j}][{i}] = {}",
                    a[j][i]
                )));
            }
        }
    }
    let mut w = vec![1.0 / n as f64; n];
    for _ in 0..1000 {
        let mut next: Vec<f64> = (0..n)
            .map(|i| (0..n).map(|j| a[i][j] * w[j]).sum())
            .collect();
        let s: f64 = next.iter().sum();
        next.iter_mut().for_each(|x| *x /= s);
        let delta: f64 = next.iter().zip(&w).map(|(a, b)| (a - b).abs()).sum();
        w = next;
        if delta < 1e-14 {
            break;
        }
    }
    let lambda_max = (0..n)
        .map(|i| (0..n).map(|j| a[i][j] * w[j]).sum::<f64>() / w[i])
        .sum::<f64>()
        / n as f64;
    let ci = if n > 1 {
        (lambda_max - n as f64) / (n as f64 - 1.0)
    } else {
        0.0
    };
    let ri = SAATY_RI[n - 1];
    let cr = if ri > 0.0 { ci / ri } else { 0.0 };
    Ok(Ahp {
        weights: w,
        lambda_max,
        ci,
        cr,
    })
}

/// Multiplies each weight by an independent factor uniform in [1 − noise, 1 + noise] (COINr
/// `get_noisy_weights`). Codes not listed in `only` (if given) keep their weight.
pub fn noisy(w: &[f64], noise: f64, mask: Option<&[bool]>, rng: &mut Rng) -> Vec<f64> {
    w.iter()
        .enumerate()
        .map(|(i, &x)| {
            if mask.is_none_or(|m| m[i]) {
                x * (1.0 + noise * (2.0 * rng.uniform() - 1.0))
            } else {
                x
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_favours_dispersed_columns() {
        let flat = [1.0, 1.0, 1.0, 1.0];
        let spread = [1.0, 0.0, 0.0, 0.0];
        let w = entropy(&[&flat, &spread], &[1.0, 1.0], EntropyPrep::None).unwrap();
        // flat column has entropy 1 → d = 0; spread has entropy 0 → d = 1
        assert!(w[0].abs() < 1e-12 && (w[1] - 1.0).abs() < 1e-12);
        let neg = [-1.0, 2.0, 3.0, 4.0];
        assert!(entropy(&[&neg], &[1.0], EntropyPrep::None).is_err());
        let w = entropy(
            &[&neg, &[1.0, 2.0, 3.0, 4.0]],
            &[1.0, 1.0],
            EntropyPrep::MinMaxShift { shift: 0.01 },
        )
        .unwrap();
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        // hand computation for [1,2,3,4]: p = x/10
        let p = [0.1f64, 0.2, 0.3, 0.4];
        let e = -p.iter().map(|p| p * p.ln()).sum::<f64>() / 4f64.ln();
        let w = entropy(
            &[&[1.0, 2.0, 3.0, 4.0], &spread],
            &[1.0, 1.0],
            EntropyPrep::None,
        )
        .unwrap();
        assert!((w[0] - (1.0 - e) / ((1.0 - e) + 1.0)).abs() < 1e-12);
    }

    #[test]
    fn critic_weights_conflict_and_contrast() {
        let a = [1.0, 2.0, 3.0, 4.0];
        let b = [2.0, 4.0, 6.0, 8.0]; // perfectly correlated with a
        let c = [4.0, 1.0, 3.0, 2.0];
        let w = critic(&[&a, &b, &c], &[1.0, 1.0, 1.0]).unwrap();
        assert!((w[0] - w[1]).abs() < 1e-12);
        assert!(
            w[2] > w[0],
            "the conflicting column gets more weight: {w:?}"
        );
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        // a constant column gave NaN weights silently
        let k = [5.0, 5.0, f64::NAN, 5.0];
        let e = critic(&[&a, &k, &c], &[1.0, 1.0, 1.0]).unwrap_err();
        assert!(e.to_string().contains("第 2 列"), "{e}");
    }

    #[test]
    fn ahp_consistent_and_saaty_example() {
        // perfectly consistent matrix from weights 0.5, 0.3, 0.2
        let t = [0.5, 0.3, 0.2];
        let a: Vec<Vec<f64>> = (0..3)
            .map(|i| (0..3).map(|j| t[i] / t[j]).collect())
            .collect();
        let r = ahp(&a).unwrap();
        for (w, t) in r.weights.iter().zip(t) {
            assert!((w - t).abs() < 1e-9);
        }
        assert!((r.lambda_max - 3.0).abs() < 1e-9 && r.cr.abs() < 1e-9);
        // a classic inconsistent 3×3: 1,3,5 / 1/3,1,3 / 1/5,1/3,1 → λmax ≈ 3.0385, CR ≈ 0.033
        let a = vec![
            vec![1.0, 3.0, 5.0],
            vec![1.0 / 3.0, 1.0, 3.0],
            vec![0.2, 1.0 / 3.0, 1.0],
        ];
        let r = ahp(&a).unwrap();
        assert!((r.lambda_max - 3.0385).abs() < 1e-3, "{}", r.lambda_max);
        assert!((r.cr - 0.0332).abs() < 1e-3 && r.is_consistent());
        assert!((r.weights[0] - 0.637).abs() < 1e-3);
        let bad = vec![vec![1.0, 2.0], vec![2.0, 1.0]];
        assert!(ahp(&bad).is_err());
    }

    #[test]
    fn noise_stays_in_band() {
        let mut rng = Rng::new(3);
        let w = noisy(&[1.0, 2.0, 4.0], 0.25, Some(&[true, true, false]), &mut rng);
        assert!((0.75..=1.25).contains(&w[0]));
        assert!((1.5..=2.5).contains(&w[1]));
        assert_eq!(w[2], 4.0);
    }
}
