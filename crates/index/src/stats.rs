//! Descriptive statistics on columns with NaN as "missing", as COINr computes them:
//! mean/median/sd ignore NaN, skewness and kurtosis are the bias-corrected sample versions
//! (e1071 `type = 2`, also SAS/SPSS G1 and G2), quantiles are R's default (type 7) and
//! ranks use the "min" tie method (R `rank(-x, ties.method = "min")`).

/// Values of `x` that are not NaN.
pub fn finite(x: &[f64]) -> Vec<f64> {
    x.iter().copied().filter(|v| !v.is_nan()).collect()
}

/// Number of non-missing values.
pub fn count(x: &[f64]) -> usize {
    x.iter().filter(|v| !v.is_nan()).count()
}

/// Mean of the non-missing values (NaN if none).
pub fn mean(x: &[f64]) -> f64 {
    let (mut s, mut n) = (0.0, 0usize);
    for &v in x {
        if !v.is_nan() {
            s += v;
            n += 1;
        }
    }
    if n == 0 { f64::NAN } else { s / n as f64 }
}

/// Minimum of the non-missing values (NaN if none).
pub fn min(x: &[f64]) -> f64 {
    x.iter()
        .copied()
        .filter(|v| !v.is_nan())
        .fold(f64::NAN, |a, b| if a.is_nan() || b < a { b } else { a })
}

/// Maximum of the non-missing values (NaN if none).
pub fn max(x: &[f64]) -> f64 {
    x.iter()
        .copied()
        .filter(|v| !v.is_nan())
        .fold(f64::NAN, |a, b| if a.is_nan() || b > a { b } else { a })
}

/// Median of the non-missing values (NaN if none).
pub fn median(x: &[f64]) -> f64 {
    quantile(x, 0.5)
}

/// Quantile `p` in [0,1] of the non-missing values, R type 7 (linear interpolation).
pub fn quantile(x: &[f64], p: f64) -> f64 {
    let mut v = finite(x);
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    quantile_sorted(&v, p)
}

/// Quantile of an already sorted slice without NaN (R type 7).
pub fn quantile_sorted(v: &[f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let h = (v.len() - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

/// Sample standard deviation (denominator n − 1) of the non-missing values.
pub fn sd(x: &[f64]) -> f64 {
    let m = mean(x);
    let n = count(x);
    if n < 2 {
        return f64::NAN;
    }
    let ss: f64 = x
        .iter()
        .filter(|v| !v.is_nan())
        .map(|v| (v - m).powi(2))
        .sum();
    (ss / (n - 1) as f64).sqrt()
}

fn central_moments(x: &[f64]) -> (f64, f64, f64, f64) {
    let m = mean(x);
    let (mut m2, mut m3, mut m4, mut n) = (0.0, 0.0, 0.0, 0.0);
    for &v in x {
        if !v.is_nan() {
            let d = v - m;
            let d2 = d * d;
            m2 += d2;
            m3 += d2 * d;
            m4 += d2 * d2;
            n += 1.0;
        }
    }
    (n, m2 / n, m3 / n, m4 / n)
}

/// Sample skewness G1 = g1·√(n(n−1))/(n−2) with g1 = m3/m2^{3/2} (e1071 type 2, COINr).
pub fn skewness(x: &[f64]) -> f64 {
    let (n, m2, m3, _) = central_moments(x);
    if n < 3.0 {
        return f64::NAN;
    }
    let g1 = m3 / m2.powf(1.5);
    g1 * (n * (n - 1.0)).sqrt() / (n - 2.0)
}

/// Sample excess kurtosis G2 = ((n+1)·g2 + 6)(n−1)/((n−2)(n−3)) with g2 = m4/m2² − 3 (e1071 type 2, COINr).
pub fn kurtosis(x: &[f64]) -> f64 {
    let (n, m2, _, m4) = central_moments(x);
    if n < 4.0 {
        return f64::NAN;
    }
    let g2 = m4 / (m2 * m2) - 3.0;
    ((n + 1.0) * g2 + 6.0) * (n - 1.0) / ((n - 2.0) * (n - 3.0))
}

/// Pearson correlation over pairs where both values are present.
pub fn correlation(x: &[f64], y: &[f64]) -> f64 {
    let pairs: Vec<(f64, f64)> = x
        .iter()
        .zip(y)
        .filter(|(a, b)| !a.is_nan() && !b.is_nan())
        .map(|(a, b)| (*a, *b))
        .collect();
    let n = pairs.len() as f64;
    if n < 2.0 {
        return f64::NAN;
    }
    let mx = pairs.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pairs.iter().map(|p| p.1).sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in pairs {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    sxy / (sxx * syy).sqrt()
}

/// Ranks with the highest value ranked 1 and ties sharing the smallest rank ("min" method);
/// missing values get rank 0 (read as "unranked").
pub fn rank_desc_min(x: &[f64]) -> Vec<u32> {
    let mut out = vec![0u32; x.len()];
    rank_desc_min_into(x, &mut out, &mut Vec::with_capacity(x.len()));
    out
}

/// Allocation-free variant of [`rank_desc_min`] for hot loops; `scratch` is reused.
pub fn rank_desc_min_into(x: &[f64], out: &mut [u32], scratch: &mut Vec<usize>) {
    scratch.clear();
    scratch.extend((0..x.len()).filter(|&i| !x[i].is_nan()));
    scratch.sort_unstable_by(|&a, &b| x[b].total_cmp(&x[a]));
    for o in out.iter_mut() {
        *o = 0;
    }
    let mut prev = f64::NAN;
    let mut prev_rank = 0u32;
    for (pos, &i) in scratch.iter().enumerate() {
        let r = if x[i] == prev {
            prev_rank
        } else {
            (pos + 1) as u32
        };
        out[i] = r;
        prev = x[i];
        prev_rank = r;
    }
}

/// Ranks with the lowest value ranked 1 ("min" ties), as R `rank(x, ties.method = "min")`; NaN stays NaN.
pub fn rank_asc_min(x: &[f64]) -> Vec<f64> {
    let neg: Vec<f64> = x.iter().map(|v| -v).collect();
    rank_desc_min(&neg)
        .into_iter()
        .zip(x)
        .map(|(r, v)| if v.is_nan() { f64::NAN } else { r as f64 })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skew_and_kurtosis_match_e1071_type2() {
        // Values checked by hand: x = 1..=5 plus 20.
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, 20.0];
        let n = 6.0_f64;
        let m = x.iter().sum::<f64>() / n;
        let m2 = x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n;
        let m3 = x.iter().map(|v| (v - m).powi(3)).sum::<f64>() / n;
        let g1 = m3 / m2.powf(1.5);
        assert!((skewness(&x) - g1 * (30.0f64).sqrt() / 4.0).abs() < 1e-12);
        assert!(skewness(&x) > 2.0);
        // symmetric data: zero skew, known excess kurtosis for uniform grid 1..=5 = -1.2
        assert!(skewness(&[1.0, 2.0, 3.0, 4.0, 5.0]).abs() < 1e-12);
        assert!((kurtosis(&[1.0, 2.0, 3.0, 4.0, 5.0]) + 1.2).abs() < 1e-12);
    }

    #[test]
    fn quantile_type7_and_nan_handling() {
        let x = [3.0, f64::NAN, 1.0, 2.0, 4.0];
        assert_eq!(median(&x), 2.5);
        assert_eq!(quantile(&x, 0.0), 1.0);
        assert_eq!(quantile(&x, 1.0), 4.0);
        assert!((quantile(&x, 0.05) - 1.15).abs() < 1e-12);
        assert_eq!(mean(&x), 2.5);
        assert_eq!(count(&x), 4);
        assert!(mean(&[f64::NAN]).is_nan());
    }

    #[test]
    fn min_ties_ranking() {
        let x = [10.0, 30.0, 30.0, f64::NAN, 5.0];
        assert_eq!(rank_desc_min(&x), vec![3, 1, 1, 0, 4]);
        let a = rank_asc_min(&x);
        assert_eq!(&a[..3], &[2.0, 3.0, 3.0]);
        assert!(a[3].is_nan());
    }

    #[test]
    fn correlation_of_linear_relation_is_one() {
        let x = [1.0, 2.0, 3.0, 4.0];
        let y = [2.0, 4.0, 6.0, 8.0];
        assert!((correlation(&x, &y) - 1.0).abs() < 1e-12);
        let z = [8.0, 6.0, 4.0, 2.0];
        assert!((correlation(&x, &z) + 1.0).abs() < 1e-12);
    }
}
