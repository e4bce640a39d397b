//! Aggregation level by level (Handbook step 7; COINr `Aggregate()`).
//!
//! An [`AggPlan`] compiles the metadata tree once into column indices of one column-major work
//! matrix (indicators first, then aggregates level by level), so repeated aggregation — as in
//! Monte Carlo — runs without allocating. Weights are renormalised over the children that are
//! present; an aggregate is missing when the share of present children is below the threshold.

use crate::data::Dataset;
use crate::error::{IndexError, Result};
use crate::meta::IndexMeta;
use std::collections::BTreeMap;

/// How children are combined into their parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AggMethod {
    /// Σ wᵢxᵢ / Σ wᵢ — fully compensatory.
    Arithmetic,
    /// Π xᵢ^(wᵢ/Σw) — partially compensatory, needs x > 0.
    Geometric,
    /// Σ wᵢ / Σ (wᵢ/xᵢ) — less compensatory still, needs x > 0.
    Harmonic,
    /// Copeland (non-compensatory, Handbook §6.1.3): eᵢⱼ = Σₖ wₖ(1[xᵢₖ > xⱼₖ] + ½·1[xᵢₖ = xⱼₖ]) over
    /// children present for both; score = #{j: eᵢⱼ > eⱼᵢ} − #{j: eᵢⱼ < eⱼᵢ}.
    Copeland,
}

/// A compiled aggregation tree.
#[derive(Debug, Clone, PartialEq)]
pub struct AggPlan {
    /// All column codes: indicators (level 1) then aggregates level by level, in table order.
    pub codes: Vec<String>,
    /// Number of indicator columns.
    pub n_ind: usize,
    /// For each aggregate column k (position `n_ind + k`), its children's column positions.
    pub children: Vec<Vec<usize>>,
    /// Level of every column.
    pub levels: Vec<u32>,
}

impl AggPlan {
    /// Compiles the tree of `meta`.
    pub fn new(meta: &IndexMeta) -> Self {
        let mut codes = meta.indicator_codes();
        let n_ind = codes.len();
        let mut levels = vec![1; n_ind];
        let mut children = Vec::new();
        for lev in 2..=meta.max_level() {
            for node in meta.level(lev) {
                let ch = meta
                    .children(&node.code)
                    .iter()
                    .map(|c| {
                        codes
                            .iter()
                            .position(|x| *x == c.code)
                            .expect("children precede parents")
                    })
                    .collect();
                children.push(ch);
                codes.push(node.code.clone());
                levels.push(lev);
            }
        }
        AggPlan {
            codes,
            n_ind,
            children,
            levels,
        }
    }

    /// Total number of columns (indicators + aggregates).
    pub fn n_cols(&self) -> usize {
        self.codes.len()
    }

    /// Weight vector aligned with [`AggPlan::codes`] from a code → weight map (missing → 1).
    pub fn weight_vector(&self, w: &BTreeMap<String, f64>) -> Vec<f64> {
        self.codes
            .iter()
            .map(|c| w.get(c).copied().unwrap_or(1.0))
            .collect()
    }

    /// Fills the aggregate columns of `work` (column-major, `n` rows, `n_cols()` columns, the
    /// first `n_ind` holding normalised indicators). `weights` is aligned with `codes`.
    /// `scratch` must hold at least `2·n` values; it is reused to avoid allocation.
    pub fn run(
        &self,
        work: &mut [f64],
        n: usize,
        weights: &[f64],
        method: AggMethod,
        dat_thresh: f64,
        scratch: &mut Vec<f64>,
    ) -> Result<()> {
        debug_assert_eq!(work.len(), n * self.n_cols());
        scratch.resize(2 * n, 0.0);
        for (k, ch) in self.children.iter().enumerate() {
            let pos = self.n_ind + k;
            check_weights(&self.codes, pos, ch, weights)?;
            let (done, rest) = work.split_at_mut(pos * n);
            let out = &mut rest[..n];
            match method {
                AggMethod::Copeland => copeland(done, n, ch, weights, dat_thresh, out),
                _ => {
                    let (wsum, acc) = scratch.split_at_mut(n);
                    wsum.fill(0.0);
                    acc.fill(0.0);
                    // `out` first counts the children present, then receives the result
                    out.fill(0.0);
                    for &c in ch {
                        let w = weights[c];
                        let col = &done[c * n..(c + 1) * n];
                        for i in 0..n {
                            let x = col[i];
                            if x.is_nan() {
                                continue;
                            }
                            out[i] += 1.0;
                            wsum[i] += w;
                            match method {
                                AggMethod::Arithmetic => acc[i] += w * x,
                                AggMethod::Geometric => {
                                    if x <= 0.0 {
                                        return Err(IndexError::Method(format!(
                                            "geometric mean needs positive values; {} has {x}",
                                            self.codes[c]
                                        )));
                                    }
                                    acc[i] += w * x.ln()
                                }
                                AggMethod::Harmonic => {
                                    if x <= 0.0 {
                                        return Err(IndexError::Method(format!(
                                            "harmonic mean needs positive values; {} has {x}",
                                            self.codes[c]
                                        )));
                                    }
                                    acc[i] += w / x
                                }
                                AggMethod::Copeland => unreachable!(),
                            }
                        }
                    }
                    let m = ch.len() as f64;
                    for i in 0..n {
                        let frac = out[i] / m;
                        out[i] = if out[i] == 0.0 || frac < dat_thresh || wsum[i] == 0.0 {
                            f64::NAN
                        } else {
                            match method {
                                AggMethod::Arithmetic => acc[i] / wsum[i],
                                AggMethod::Geometric => (acc[i] / wsum[i]).exp(),
                                AggMethod::Harmonic => wsum[i] / acc[i],
                                AggMethod::Copeland => unreachable!(),
                            }
                        };
                    }
                }
            }
        }
        Ok(())
    }
}

/// The weights of an aggregate's children must be finite, non-negative and not all zero: all-zero
/// weights would make every score of the aggregate 0/0. (A unit whose *present* children all have
/// weight 0 gets a missing value for the aggregate, as if none were present.)
fn check_weights(codes: &[String], pos: usize, ch: &[usize], weights: &[f64]) -> Result<()> {
    let mut total = 0.0;
    for &c in ch {
        let w = weights[c];
        if !w.is_finite() || w < 0.0 {
            return Err(IndexError::Method(format!(
                "{}：子指标 {} 的权重 {w} 无效（须为非负有限数）",
                codes[pos], codes[c]
            )));
        }
        total += w;
    }
    if total <= 0.0 {
        let names: Vec<&str> = ch.iter().map(|&c| codes[c].as_str()).collect();
        return Err(IndexError::Method(format!(
            "{}：子指标（{}）的权重全为 0，无法加权汇总",
            codes[pos],
            names.join("、")
        )));
    }
    Ok(())
}

fn copeland(done: &[f64], n: usize, ch: &[usize], w: &[f64], dat_thresh: f64, out: &mut [f64]) {
    let m = ch.len() as f64;
    for i in 0..n {
        let present = ch.iter().filter(|&&c| !done[c * n + i].is_nan()).count() as f64;
        if present == 0.0 || present / m < dat_thresh {
            out[i] = f64::NAN;
            continue;
        }
        let mut score = 0.0;
        for j in 0..n {
            if i == j {
                continue;
            }
            let (mut eij, mut eji, mut any) = (0.0, 0.0, false);
            for &c in ch {
                let (a, b) = (done[c * n + i], done[c * n + j]);
                if a.is_nan() || b.is_nan() {
                    continue;
                }
                any = true;
                if a > b {
                    eij += w[c];
                } else if a < b {
                    eji += w[c];
                } else {
                    eij += 0.5 * w[c];
                    eji += 0.5 * w[c];
                }
            }
            if any {
                if eij > eji {
                    score += 1.0;
                } else if eij < eji {
                    score -= 1.0;
                }
            }
        }
        out[i] = score;
    }
}

/// Aggregates a normalised indicator dataset: returns indicators plus every aggregate column,
/// in [`AggPlan`] order (as COINr's `Data_Aggregated`).
pub fn aggregate(
    normalised: &Dataset,
    meta: &IndexMeta,
    weights: &BTreeMap<String, f64>,
    method: AggMethod,
    dat_thresh: f64,
) -> Result<Dataset> {
    let plan = AggPlan::new(meta);
    let n = normalised.n_rows();
    let mut out = normalised.select_cols(&plan.codes[..plan.n_ind])?;
    let agg = normalised.like_rows(plan.codes[plan.n_ind..].to_vec());
    out.append_cols(&agg)?;
    let wv = plan.weight_vector(weights);
    let mut scratch = Vec::new();
    // panels: aggregate each year's rows (rows are independent except for Copeland)
    if method == AggMethod::Copeland && normalised.years.is_some() {
        for (_, rows) in normalised.year_slices() {
            let sub = out.select_rows(&rows);
            let mut vals = sub.values;
            plan.run(&mut vals, rows.len(), &wv, method, dat_thresh, &mut scratch)?;
            for j in plan.n_ind..plan.n_cols() {
                for (k, &i) in rows.iter().enumerate() {
                    out.values[j * n + i] = vals[j * rows.len() + k];
                }
            }
        }
    } else {
        plan.run(&mut out.values, n, &wv, method, dat_thresh, &mut scratch)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::Node;

    fn meta() -> IndexMeta {
        let mut a = Node::indicator("a", "X");
        a.weight = 3.0;
        IndexMeta::new(vec![
            a,
            Node::indicator("b", "X"),
            Node::indicator("c", "Y"),
            Node::aggregate("X", 2, Some("I")),
            Node::aggregate("Y", 2, Some("I")),
            Node::aggregate("I", 3, None),
        ])
        .unwrap()
    }

    fn data(a: Vec<f64>, b: Vec<f64>, c: Vec<f64>) -> Dataset {
        let n = a.len();
        Dataset::from_columns(
            (0..n).map(|i| format!("u{i}")).collect(),
            vec!["a".into(), "b".into(), "c".into()],
            vec![a, b, c],
        )
        .unwrap()
    }

    fn run(d: &Dataset, m: AggMethod, thr: f64) -> Dataset {
        let meta = meta();
        aggregate(d, &meta, &meta.weights(None).unwrap(), m, thr).unwrap()
    }

    #[test]
    fn arithmetic_geometric_harmonic_handbook() {
        let d = data(vec![4.0], vec![1.0], vec![2.0]);
        let r = run(&d, AggMethod::Arithmetic, 0.0);
        assert_eq!(r.value("u0", "X"), Some((3.0 * 4.0 + 1.0) / 4.0));
        assert_eq!(r.value("u0", "I"), Some((13.0 / 4.0 + 2.0) / 2.0));
        let r = run(&d, AggMethod::Geometric, 0.0);
        let x = (4.0f64.powf(0.75)) * 1.0f64.powf(0.25);
        assert!((r.value("u0", "X").unwrap() - x).abs() < 1e-12);
        assert!((r.value("u0", "I").unwrap() - (x * 2.0).sqrt()).abs() < 1e-12);
        let r = run(&d, AggMethod::Harmonic, 0.0);
        assert!((r.value("u0", "X").unwrap() - 4.0 / (3.0 / 4.0 + 1.0)).abs() < 1e-12);
        let neg = data(vec![-1.0], vec![1.0], vec![2.0]);
        let meta = meta();
        assert!(
            aggregate(
                &neg,
                &meta,
                &meta.weights(None).unwrap(),
                AggMethod::Geometric,
                0.0
            )
            .is_err()
        );
    }

    #[test]
    fn missing_children_renormalise_and_threshold() {
        let d = data(vec![f64::NAN], vec![8.0], vec![2.0]);
        let r = run(&d, AggMethod::Arithmetic, 0.0);
        assert_eq!(r.value("u0", "X"), Some(8.0));
        let r = run(&d, AggMethod::Arithmetic, 0.6);
        assert!(r.value("u0", "X").unwrap().is_nan());
        assert_eq!(r.value("u0", "Y"), Some(2.0));
        assert!(
            r.value("u0", "I").unwrap().is_nan(),
            "I has 1 of 2 children: 0.5 < 0.6"
        );
        let r = run(&d, AggMethod::Arithmetic, 0.5);
        assert_eq!(r.value("u0", "X"), Some(8.0));
    }

    #[test]
    fn all_zero_weights_are_an_error_naming_the_aggregate() {
        // issue 11 §6: all-zero weights gave NaN scores silently
        let meta = meta();
        let d = data(vec![4.0, 2.0], vec![1.0, 3.0], vec![2.0, 5.0]);
        let mut w = meta.weights(None).unwrap();
        w.insert("a".into(), 0.0);
        w.insert("b".into(), 0.0);
        for m in [
            AggMethod::Arithmetic,
            AggMethod::Geometric,
            AggMethod::Harmonic,
            AggMethod::Copeland,
        ] {
            let e = aggregate(&d, &meta, &w, m, 0.0).unwrap_err().to_string();
            assert!(e.contains("X") && e.contains("权重全为 0"), "{m:?}: {e}");
        }
        let mut w = meta.weights(None).unwrap();
        w.insert("X".into(), f64::NAN);
        assert!(aggregate(&d, &meta, &w, AggMethod::Arithmetic, 0.0).is_err());
        // one zero weight is fine; a unit whose only present child has weight 0 is missing
        let mut w = meta.weights(None).unwrap();
        w.insert("a".into(), 0.0);
        let d = data(vec![4.0, 2.0], vec![f64::NAN, 3.0], vec![2.0, 5.0]);
        let r = aggregate(&d, &meta, &w, AggMethod::Arithmetic, 0.0).unwrap();
        assert!(r.value("u0", "X").unwrap().is_nan());
        assert_eq!(r.value("u1", "X"), Some(3.0));
    }

    #[test]
    fn copeland_counts_pairwise_majorities() {
        // X children a (w 3), b (w 1): u0 beats u1 on a, loses on b → u0 wins pair (3 > 1)
        let d = data(
            vec![5.0, 1.0, 3.0],
            vec![0.0, 9.0, 0.0],
            vec![1.0, 1.0, 1.0],
        );
        let r = run(&d, AggMethod::Copeland, 0.0);
        // u0 vs u1: e01 = 3, e10 = 1 → +1; u0 vs u2: a 5>3 (3), b tie (0.5/0.5) → +1 ⇒ u0 = 2
        assert_eq!(r.value("u0", "X"), Some(2.0));
        // u1: vs u0 −1; vs u2: a 1<3 (e21=3), b 9>0 (e12=1) → −1 ⇒ −2
        assert_eq!(r.value("u1", "X"), Some(-2.0));
        assert_eq!(r.value("u2", "X"), Some(0.0));
    }
}
