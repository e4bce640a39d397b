//! Uncertainty and sensitivity analysis (Handbook steps 8; COINr `get_sensitivity()`).
//!
//! * [`sobol_indices`] — a generic variance-based estimator for any `f: [0,1]^k → ℝ`: the
//!   Saltelli (2010) A/B/A_B⁽ⁱ⁾ design, first-order indices by Saltelli et al. 2010 (eq. b),
//!   total indices by Jansen (1999). Cost: N·(k + 2) evaluations.
//! * [`Uncertainty`] — a composite-indicator model over uncertain *choices* (winsorisation limit,
//!   normaliser, aggregation method, weight noise). Each choice is one input factor in [0, 1)
//!   mapped to one of its alternatives; everything that does not depend on the weights is
//!   precomputed, so one replication is a copy, an aggregation over an [`AggPlan`] and a ranking
//!   without allocation. [`Uncertainty::monte_carlo`] gives rank statistics per unit;
//!   [`Uncertainty::sobol`] the Sobol indices of the choices on the mean absolute rank shift.
//!
//! Replications are seeded individually (seed, replication number), so results do not depend
//! on the number of threads.

use crate::aggregate::{AggMethod, AggPlan};
use crate::data::Dataset;
use crate::error::{IndexError, Result};
use crate::meta::IndexMeta;
use crate::normalise::{self, Normaliser};
use crate::rng::Rng;
use crate::stats;
use crate::treat::{self, TreatParams};
use crate::weights;
use std::collections::BTreeMap;

/// First-order and total Sobol indices.
#[derive(Debug, Clone, PartialEq)]
pub struct SobolResult {
    pub s1: Vec<f64>,
    pub st: Vec<f64>,
    /// Variance of the output over the A and B samples.
    pub variance: f64,
    /// Base sample size N.
    pub n: usize,
}

/// Independent uniform sample matrices A and B (row-major, n × k) from `seed`.
pub fn sobol_design(k: usize, n: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut rng = Rng::new(seed);
    let a = (0..n * k).map(|_| rng.uniform()).collect();
    let b = (0..n * k).map(|_| rng.uniform()).collect();
    (a, b)
}

/// Sobol indices from the outputs of the design: `ya = f(A)`, `yb = f(B)`, `yab[i] = f(A_B⁽ⁱ⁾)`
/// (A with column i taken from B).
pub fn sobol_from_outputs(ya: &[f64], yb: &[f64], yab: &[Vec<f64>]) -> SobolResult {
    let n = ya.len();
    let all: Vec<f64> = ya.iter().chain(yb).copied().collect();
    let m = all.iter().sum::<f64>() / all.len() as f64;
    let v = all.iter().map(|y| (y - m) * (y - m)).sum::<f64>() / (all.len() as f64 - 1.0);
    let mut s1 = Vec::with_capacity(yab.len());
    let mut st = Vec::with_capacity(yab.len());
    for yi in yab {
        let (mut a, mut b) = (0.0, 0.0);
        for j in 0..n {
            a += yb[j] * (yi[j] - ya[j]);
            b += (ya[j] - yi[j]) * (ya[j] - yi[j]);
        }
        let (s, t) = if v > 0.0 {
            (a / n as f64 / v, b / (2.0 * n as f64) / v)
        } else {
            (0.0, 0.0)
        };
        s1.push(s);
        st.push(t);
    }
    SobolResult {
        s1,
        st,
        variance: v,
        n,
    }
}

/// Evaluates `f` on every row of `rows` (row-major, `k` columns) using up to `threads` threads.
pub fn evaluate_rows<F: Fn(&[f64]) -> f64 + Sync>(
    f: &F,
    rows: &[f64],
    k: usize,
    threads: usize,
) -> Vec<f64> {
    let n = rows.len() / k.max(1);
    let mut out = vec![0.0; n];
    let threads = threads.clamp(1, n.max(1));
    let chunk = n.div_ceil(threads);
    std::thread::scope(|s| {
        for (t, o) in out.chunks_mut(chunk.max(1)).enumerate() {
            s.spawn(move || {
                for (r, y) in o.iter_mut().enumerate() {
                    let row = t * chunk + r;
                    *y = f(&rows[row * k..(row + 1) * k]);
                }
            });
        }
    });
    out
}

/// Generic Sobol analysis of `f` over `k` independent U(0,1) inputs with base sample `n`.
pub fn sobol_indices<F: Fn(&[f64]) -> f64 + Sync>(
    f: F,
    k: usize,
    n: usize,
    seed: u64,
    threads: usize,
) -> SobolResult {
    let (a, b) = sobol_design(k, n, seed);
    let ya = evaluate_rows(&f, &a, k, threads);
    let yb = evaluate_rows(&f, &b, k, threads);
    let yab: Vec<Vec<f64>> = (0..k)
        .map(|i| {
            let mut ab = a.clone();
            for r in 0..n {
                ab[r * k + i] = b[r * k + i];
            }
            evaluate_rows(&f, &ab, k, threads)
        })
        .collect();
    sobol_from_outputs(&ya, &yb, &yab)
}

/// The Ishigami test function on inputs in [0,1) mapped to [−π, π).
pub fn ishigami(u: &[f64], a: f64, b: f64) -> f64 {
    let x: Vec<f64> = u
        .iter()
        .map(|v| std::f64::consts::PI * (2.0 * v - 1.0))
        .collect();
    x[0].sin() + a * x[1].sin().powi(2) + b * x[2].powi(4) * x[0].sin()
}

/// One uncertain choice of the composite-indicator model.
#[derive(Debug, Clone, PartialEq)]
pub enum Choice {
    /// Alternative winsorisation limits (the rest of the treatment as in the nominal setup).
    Winmax(Vec<usize>),
    /// Alternative normalisers.
    Normaliser(Vec<Normaliser>),
    /// Alternative aggregation methods.
    Aggregation(Vec<AggMethod>),
    /// Each weight of the given levels times U(1 − noise, 1 + noise); `n_sets` noisy weight sets
    /// are drawn once from the seed and the factor picks one of them.
    WeightNoise {
        noise: f64,
        levels: Vec<u32>,
        n_sets: usize,
    },
}

impl Choice {
    /// A short name for reports.
    pub fn name(&self) -> &'static str {
        match self {
            Choice::Winmax(_) => "winmax",
            Choice::Normaliser(_) => "normalisation",
            Choice::Aggregation(_) => "aggregation",
            Choice::WeightNoise { .. } => "weights",
        }
    }

    fn n_alternatives(&self) -> usize {
        match self {
            Choice::Winmax(v) => v.len(),
            Choice::Normaliser(v) => v.len(),
            Choice::Aggregation(v) => v.len(),
            Choice::WeightNoise { n_sets, .. } => *n_sets,
        }
    }
}

/// The nominal pipeline from the (imputed) indicator data on.
#[derive(Debug, Clone, PartialEq)]
pub struct Nominal {
    /// `None`: no outlier treatment.
    pub treat: Option<TreatParams>,
    pub normaliser: Normaliser,
    pub aggregation: AggMethod,
    /// Code → weight.
    pub weights: BTreeMap<String, f64>,
    pub dat_thresh: f64,
    /// The column whose ranks are studied (usually the index).
    pub output: String,
}

/// Rank statistics per unit from a Monte Carlo run.
#[derive(Debug, Clone, PartialEq)]
pub struct UncertaintyResult {
    pub units: Vec<String>,
    pub nominal_score: Vec<f64>,
    pub nominal_rank: Vec<u32>,
    pub median_rank: Vec<f64>,
    pub q05_rank: Vec<f64>,
    pub q95_rank: Vec<f64>,
    /// Mean over replications of |rank − nominal rank|.
    pub mean_abs_shift: Vec<f64>,
    pub replications: usize,
}

/// A composite-indicator model over uncertain choices, precomputed for fast replication.
#[derive(Debug, Clone)]
pub struct Uncertainty {
    pub choices: Vec<Choice>,
    units: Vec<String>,
    plan: AggPlan,
    n: usize,
    /// normalised indicator matrices indexed by [winmax alternative][normaliser alternative]
    normalised: Vec<Vec<Vec<f64>>>,
    weight_sets: Vec<Vec<f64>>,
    aggs: Vec<AggMethod>,
    nominal: Nominal,
    nominal_rank: Vec<u32>,
    nominal_score: Vec<f64>,
    out_col: usize,
    dat_thresh: f64,
    seed: u64,
}

/// Scratch buffers of one worker.
struct Work {
    m: Vec<f64>,
    scratch: Vec<f64>,
    ranks: Vec<u32>,
    order: Vec<usize>,
}

impl Uncertainty {
    /// Precomputes every alternative. `data` holds the indicator columns (cross-section, after
    /// imputation); `seed` fixes the noisy weight sets.
    pub fn new(
        meta: &IndexMeta,
        data: &Dataset,
        nominal: Nominal,
        choices: Vec<Choice>,
        seed: u64,
    ) -> Result<Self> {
        if data.years.is_some() {
            return Err(IndexError::Data(
                "uncertainty analysis works on one cross-section".into(),
            ));
        }
        for c in &choices {
            if c.n_alternatives() == 0 {
                return Err(IndexError::Method(format!(
                    "choice {} has no alternatives",
                    c.name()
                )));
            }
        }
        let plan = AggPlan::new(meta);
        let ind = data.select_cols(&plan.codes[..plan.n_ind])?;
        let n = ind.n_rows();
        let winmaxes: Vec<Option<TreatParams>> = match choices.iter().find_map(|c| match c {
            Choice::Winmax(v) => Some(v),
            _ => None,
        }) {
            Some(v) => v
                .iter()
                .map(|&w| {
                    Some(TreatParams {
                        winmax: w,
                        ..nominal.treat.clone().unwrap_or_default()
                    })
                })
                .collect(),
            None => vec![nominal.treat.clone()],
        };
        let norms: Vec<Normaliser> = choices
            .iter()
            .find_map(|c| match c {
                Choice::Normaliser(v) => Some(v.clone()),
                _ => None,
            })
            .unwrap_or_else(|| vec![nominal.normaliser.clone()]);
        let aggs: Vec<AggMethod> = choices
            .iter()
            .find_map(|c| match c {
                Choice::Aggregation(v) => Some(v.clone()),
                _ => None,
            })
            .unwrap_or_else(|| vec![nominal.aggregation]);
        let needs_positive = aggs
            .iter()
            .chain([&nominal.aggregation])
            .any(|a| matches!(a, AggMethod::Geometric | AggMethod::Harmonic));
        let ncols = plan.n_cols();
        let prepare = |tp: &Option<TreatParams>, norm: &Normaliser| -> Result<Vec<f64>> {
            let treated = match tp {
                Some(p) => treat::treat(&ind, p, &BTreeMap::new())?.0,
                None => ind.clone(),
            };
            let nd = normalise::normalise(&treated, meta, norm, false)?;
            if needs_positive && nd.values.iter().any(|v| *v <= 0.0) {
                return Err(IndexError::Method(format!(
                    "geometric/harmonic aggregation needs positive normalised values; {norm:?} gives zeros or negatives \
                     (use e.g. MinMax {{ lo: 1, hi: 100 }})"
                )));
            }
            let mut m = vec![f64::NAN; n * ncols];
            m[..n * plan.n_ind].copy_from_slice(&nd.values);
            Ok(m)
        };
        let normalised = winmaxes
            .iter()
            .map(|tp| {
                norms
                    .iter()
                    .map(|nm| prepare(tp, nm))
                    .collect::<Result<Vec<_>>>()
            })
            .collect::<Result<Vec<_>>>()?;
        let base_w = plan.weight_vector(&nominal.weights);
        let mut weight_sets = vec![base_w.clone()];
        let mut rng = Rng::new(seed ^ 0x0005_EED0_F3E1_6475);
        for c in &choices {
            if let Choice::WeightNoise {
                noise,
                levels,
                n_sets,
            } = c
            {
                let mask: Vec<bool> = plan.levels.iter().map(|l| levels.contains(l)).collect();
                weight_sets = (0..*n_sets)
                    .map(|_| weights::noisy(&base_w, *noise, Some(&mask), &mut rng))
                    .collect();
            }
        }
        let out_col = plan
            .codes
            .iter()
            .position(|c| *c == nominal.output)
            .ok_or_else(|| IndexError::Data(format!("no output column {}", nominal.output)))?;
        let dat_thresh = nominal.dat_thresh;
        let nominal_m = prepare(&nominal.treat, &nominal.normaliser)?;
        let mut u = Uncertainty {
            choices,
            units: ind.units.clone(),
            plan,
            n,
            normalised,
            weight_sets,
            aggs,
            nominal: nominal.clone(),
            nominal_rank: Vec::new(),
            nominal_score: Vec::new(),
            out_col,
            dat_thresh,
            seed,
        };
        // nominal run from the nominal spec itself
        let mut w = u.work();
        w.m.copy_from_slice(&nominal_m);
        u.plan.run(
            &mut w.m,
            n,
            &base_w,
            nominal.aggregation,
            dat_thresh,
            &mut w.scratch,
        )?;
        let score = w.m[out_col * n..(out_col + 1) * n].to_vec();
        u.nominal_rank = stats::rank_desc_min(&score);
        u.nominal_score = score;
        Ok(u)
    }

    /// Number of input factors (choices).
    pub fn k(&self) -> usize {
        self.choices.len()
    }

    /// Number of units (rows) and of indicators taking part.
    pub fn shape(&self) -> (usize, usize) {
        (self.n, self.plan.n_ind)
    }

    /// The nominal specification.
    pub fn nominal(&self) -> &Nominal {
        &self.nominal
    }

    fn work(&self) -> Work {
        Work {
            m: vec![0.0; self.n * self.plan.n_cols()],
            scratch: vec![0.0; 2 * self.n],
            ranks: vec![0; self.n],
            order: Vec::with_capacity(self.n),
        }
    }

    /// Runs the model for one point `x ∈ [0,1)^k`, leaving the ranks of the output in `w.ranks`.
    fn eval(&self, x: &[f64], w: &mut Work) {
        let pick = |v: f64, len: usize| ((v * len as f64) as usize).min(len - 1);
        let (mut iw, mut inorm, mut iagg, mut iweights) = (0, 0, 0, 0);
        for (c, &v) in self.choices.iter().zip(x) {
            let i = pick(v, c.n_alternatives());
            match c {
                Choice::Winmax(_) => iw = i,
                Choice::Normaliser(_) => inorm = i,
                Choice::Aggregation(_) => iagg = i,
                Choice::WeightNoise { .. } => iweights = i,
            }
        }
        let agg = self.aggs[iagg.min(self.aggs.len() - 1)];
        w.m.copy_from_slice(&self.normalised[iw][inorm]);
        // inputs were validated in `new`, so aggregation cannot fail here
        let _ = self.plan.run(
            &mut w.m,
            self.n,
            &self.weight_sets[iweights],
            agg,
            self.dat_thresh,
            &mut w.scratch,
        );
        let n = self.n;
        let score = &w.m[self.out_col * n..(self.out_col + 1) * n];
        stats::rank_desc_min_into(score, &mut w.ranks, &mut w.order);
    }

    fn mean_abs_shift(&self, ranks: &[u32]) -> f64 {
        ranks
            .iter()
            .zip(&self.nominal_rank)
            .map(|(&a, &b)| (a as f64 - b as f64).abs())
            .sum::<f64>()
            / self.n as f64
    }

    /// Mean absolute rank shift for one input point (the scalar output used for Sobol indices).
    pub fn rank_shift(&self, x: &[f64]) -> f64 {
        let mut w = self.work();
        self.eval(x, &mut w);
        self.mean_abs_shift(&w.ranks)
    }

    /// Ranks of the output for one input point.
    pub fn ranks_at(&self, x: &[f64]) -> Vec<u32> {
        let mut w = self.work();
        self.eval(x, &mut w);
        w.ranks
    }

    /// Monte Carlo uncertainty analysis with `reps` replications on up to `threads` threads.
    pub fn monte_carlo(&self, reps: usize, threads: usize) -> UncertaintyResult {
        let n = self.n;
        let k = self.k();
        let mut all = vec![0u32; reps * n];
        let threads = threads.clamp(1, reps.max(1));
        let chunk = reps.div_ceil(threads).max(1);
        std::thread::scope(|s| {
            for (t, out) in all.chunks_mut(chunk * n).enumerate() {
                s.spawn(move || {
                    let mut w = self.work();
                    let mut x = vec![0.0; k];
                    for (r, dst) in out.chunks_mut(n).enumerate() {
                        let rep = (t * chunk + r) as u64;
                        let mut rng = Rng::new(
                            self.seed
                                .wrapping_add(rep.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
                        );
                        x.iter_mut().for_each(|v| *v = rng.uniform());
                        self.eval(&x, &mut w);
                        dst.copy_from_slice(&w.ranks);
                    }
                });
            }
        });
        let mut median = vec![0.0; n];
        let mut q05 = vec![0.0; n];
        let mut q95 = vec![0.0; n];
        let mut shift = vec![0.0; n];
        let mut col = Vec::with_capacity(reps);
        for i in 0..n {
            col.clear();
            col.extend((0..reps).map(|r| all[r * n + i] as f64));
            shift[i] = col
                .iter()
                .map(|r| (r - self.nominal_rank[i] as f64).abs())
                .sum::<f64>()
                / reps as f64;
            col.sort_by(|a, b| a.total_cmp(b));
            median[i] = stats::quantile_sorted(&col, 0.5);
            q05[i] = stats::quantile_sorted(&col, 0.05);
            q95[i] = stats::quantile_sorted(&col, 0.95);
        }
        UncertaintyResult {
            units: self.units.clone(),
            nominal_score: self.nominal_score.clone(),
            nominal_rank: self.nominal_rank.clone(),
            median_rank: median,
            q05_rank: q05,
            q95_rank: q95,
            mean_abs_shift: shift,
            replications: reps,
        }
    }

    /// First-order and total Sobol indices of the choices on the mean absolute rank shift,
    /// base sample `n` (cost n·(k + 2) replications).
    pub fn sobol(&self, n: usize, threads: usize) -> SobolResult {
        sobol_indices(|x| self.rank_shift(x), self.k(), n, self.seed, threads)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::Node;

    #[test]
    fn ishigami_sobol_indices_match_analytic_values() {
        let r = sobol_indices(|u| ishigami(u, 7.0, 0.1), 3, 50_000, 7, 2);
        let s1 = [0.3139, 0.4424, 0.0];
        let st = [0.5576, 0.4424, 0.2437];
        for i in 0..3 {
            assert!(
                (r.s1[i] - s1[i]).abs() < 0.02,
                "S1[{i}] = {} vs {}",
                r.s1[i],
                s1[i]
            );
            assert!(
                (r.st[i] - st[i]).abs() < 0.02,
                "ST[{i}] = {} vs {}",
                r.st[i],
                st[i]
            );
        }
        // analytic variance a²/8 + bπ⁴/5 + b²π⁸/18 + 1/2 = 13.8446
        assert!((r.variance - 13.8446).abs() < 0.4, "{}", r.variance);
    }

    #[test]
    fn additive_linear_model_indices() {
        // y = x1 + 2 x2: S1 = ST = (1/5, 4/5), S3 = 0 for a dummy input
        let r = sobol_indices(|u| u[0] + 2.0 * u[1], 3, 20_000, 1, 1);
        assert!((r.s1[0] - 0.2).abs() < 0.02 && (r.s1[1] - 0.8).abs() < 0.02);
        assert!((r.st[0] - 0.2).abs() < 0.02 && (r.st[1] - 0.8).abs() < 0.02);
        assert!(r.s1[2].abs() < 1e-12 && r.st[2].abs() < 1e-12);
    }

    fn toy() -> (IndexMeta, Dataset) {
        let mut nodes: Vec<Node> = (0..6)
            .map(|j| Node::indicator(&format!("i{j}"), if j < 3 { "A" } else { "B" }))
            .collect();
        nodes.push(Node::aggregate("A", 2, Some("I")));
        nodes.push(Node::aggregate("B", 2, Some("I")));
        nodes.push(Node::aggregate("I", 3, None));
        let meta = IndexMeta::new(nodes).unwrap();
        let mut rng = Rng::new(11);
        let cols: Vec<Vec<f64>> = (0..6)
            .map(|_| (0..12).map(|_| rng.uniform() * 10.0).collect())
            .collect();
        let d = Dataset::from_columns(
            (0..12).map(|i| format!("u{i}")).collect(),
            meta.indicator_codes(),
            cols,
        )
        .unwrap();
        (meta, d)
    }

    fn nominal(meta: &IndexMeta) -> Nominal {
        Nominal {
            treat: Some(TreatParams::default()),
            normaliser: Normaliser::MinMax { lo: 1.0, hi: 100.0 },
            aggregation: AggMethod::Arithmetic,
            weights: meta.weights(None).unwrap(),
            dat_thresh: 0.0,
            output: "I".into(),
        }
    }

    #[test]
    fn monte_carlo_without_uncertainty_reproduces_nominal() {
        let (meta, d) = toy();
        let u = Uncertainty::new(
            &meta,
            &d,
            nominal(&meta),
            vec![Choice::Aggregation(vec![AggMethod::Arithmetic])],
            3,
        )
        .unwrap();
        let r = u.monte_carlo(50, 2);
        assert!(r.mean_abs_shift.iter().all(|s| *s == 0.0));
        for i in 0..12 {
            assert_eq!(r.median_rank[i], r.nominal_rank[i] as f64);
        }
        // the nominal score is the pipeline's
        let spec = crate::pipeline::PipelineSpec {
            normaliser: Normaliser::MinMax { lo: 1.0, hi: 100.0 },
            ..Default::default()
        };
        let coin = crate::pipeline::Coin::build(meta.clone(), &d, None, spec).unwrap();
        assert_eq!(
            coin.aggregated().column("I").unwrap(),
            r.nominal_score.as_slice()
        );
    }

    #[test]
    fn monte_carlo_with_choices_is_deterministic_and_thread_independent() {
        let (meta, d) = toy();
        let choices = vec![
            Choice::WeightNoise {
                noise: 0.5,
                levels: vec![1, 2],
                n_sets: 50,
            },
            Choice::Normaliser(vec![
                Normaliser::MinMax { lo: 1.0, hi: 100.0 },
                Normaliser::Rank,
            ]),
            Choice::Aggregation(vec![AggMethod::Arithmetic, AggMethod::Geometric]),
            Choice::Winmax(vec![0, 5]),
        ];
        let u = Uncertainty::new(&meta, &d, nominal(&meta), choices, 9).unwrap();
        let a = u.monte_carlo(400, 1);
        let b = u.monte_carlo(400, 2);
        assert_eq!(a, b);
        assert!(a.mean_abs_shift.iter().sum::<f64>() > 0.0);
        for i in 0..12 {
            assert!(a.q05_rank[i] <= a.median_rank[i] && a.median_rank[i] <= a.q95_rank[i]);
        }
        let s = u.sobol(500, 2);
        assert_eq!(s.s1.len(), 4);
        assert!(s.st.iter().all(|t| *t >= 0.0));
        assert!(
            s.st.iter().sum::<f64>() > 0.5,
            "choices explain the variance: {s:?}"
        );
    }

    #[test]
    fn geometric_with_zeros_is_rejected() {
        let (meta, d) = toy();
        let mut nom = nominal(&meta);
        nom.normaliser = Normaliser::minmax100();
        let e = Uncertainty::new(
            &meta,
            &d,
            nom,
            vec![Choice::Aggregation(vec![AggMethod::Geometric])],
            1,
        );
        assert!(e.is_err());
    }
}
