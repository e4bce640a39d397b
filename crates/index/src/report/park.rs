//! The park ranking ([`park_report`]): availability rules, scores per dimension and weight set,
//! Monte Carlo rank intervals and the year-on-year comparison.
use super::{MIN_AVAILABILITY, SchemeInfo, input_hash, input_hash_columns, opt};
use crate::aggregate::AggMethod;
use crate::data::Dataset;
use crate::error::{IndexError, Result};
use crate::normalise::Normaliser;
use crate::park::{Confidence, FirmColumns, FirmRow, ParkIndicator, ParkScheme, Source, Status};
use crate::sensitivity::{Choice, Nominal, Uncertainty, UncertaintyResult};
use crate::stats;
use gaoxin_model::Year;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DimensionInfo {
    pub code: String,
    pub name: String,
    pub weight: f64,
    pub confirmed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorInfo {
    pub code: String,
    pub name: String,
    pub dimension: String,
    pub weight: f64,
    pub confirmed: bool,
    pub unit: Option<String>,
    /// `panel` (computed from firms) or `park_input` (entered by analysts).
    pub source: String,
    pub direction: f64,
    pub note: Option<String>,
    /// Some park has a value (otherwise the indicator takes no part).
    pub available: bool,
    /// Where the indicator is documented and how sure its place in the official system is
    /// (absent in runs stored before scheme 2021.2).
    #[serde(default)]
    pub basis: String,
    #[serde(default)]
    pub confidence: Option<Confidence>,
    /// The computed value only approximates the official definition.
    #[serde(default)]
    pub proxy: bool,
}

/// A named alternative weight set the ranking was recomputed with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightSetInfo {
    pub name: String,
    pub label: String,
    pub confirmed: bool,
    pub source: String,
    /// Dimension shares of the set, aligned with [`ParkReport::dimensions`].
    pub dimension_weights: Vec<f64>,
}

/// One park's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParkResult {
    pub park: String,
    /// Total score (0–100); `None` when the park is not ranked (数据不足).
    pub total: Option<f64>,
    pub rank: Option<u32>,
    /// Monte Carlo rank statistics (with `mc`).
    pub rank_median: Option<f64>,
    pub rank_p05: Option<f64>,
    pub rank_p95: Option<f64>,
    pub rank_mean_shift: Option<f64>,
    /// Dimension scores (0–100), aligned with [`ParkReport::dimensions`].
    pub dimensions: Vec<Option<f64>>,
    pub dimension_ranks: Vec<Option<u32>>,
    /// Raw values and normalised sᵢ ∈ [0, 1], aligned with [`ParkReport::indicators`].
    pub values: Vec<Option<f64>>,
    pub normalised: Vec<Option<f64>>,
    /// Indicators with a value / indicators available in the zone.
    pub availability: f64,
    /// Indicator codes where the park is furthest above / below the zone median (up to 3 each).
    pub strengths: Vec<String>,
    pub weaknesses: Vec<String>,
    /// Last year's rank and total, and the rank change (positive = moved up).
    pub prev_rank: Option<u32>,
    pub prev_total: Option<f64>,
    pub rank_change: Option<i32>,
    /// Rank and total under each named weight set, aligned with [`ParkReport::weight_sets`].
    #[serde(default)]
    pub set_ranks: Vec<Option<u32>>,
    #[serde(default)]
    pub set_totals: Vec<Option<f64>>,
    /// Largest minus smallest rank over the nominal weights and every named set.
    #[serde(default)]
    pub set_rank_shift: Option<u32>,
}

impl ParkResult {
    /// Data completeness shown to users: indicators with a value / every indicator of the scheme,
    /// so an indicator nobody entered (未录入) counts as missing. (`availability`, over the
    /// indicators available in the zone, is the ranking rule's share; shown as completeness it
    /// read 100 % beside 16 indicators marked 未录入.)
    pub fn completeness(&self) -> f64 {
        if self.values.is_empty() {
            return 0.0;
        }
        self.values
            .iter()
            .filter(|v| v.is_some_and(f64::is_finite))
            .count() as f64
            / self.values.len() as f64
    }
}

/// Monte Carlo settings of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McInfo {
    pub replications: usize,
    pub seed: u64,
    /// The uncertain choices, in words.
    pub choices: Vec<String>,
}

/// A park evaluation of one year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParkReport {
    pub year: Year,
    pub scheme: SchemeInfo,
    pub input_hash: String,
    pub dimensions: Vec<DimensionInfo>,
    pub indicators: Vec<IndicatorInfo>,
    /// Parks in rank order (unranked last).
    pub parks: Vec<ParkResult>,
    /// Zone medians over ranked parks: normalised sᵢ per indicator, dimension scores, total.
    pub median_normalised: Vec<Option<f64>>,
    pub median_dimensions: Vec<Option<f64>>,
    pub median_total: Option<f64>,
    pub mc: Option<McInfo>,
    /// Year of the comparison run, when there is one.
    pub prev_year: Option<Year>,
    /// Named weight sets the ranking was recomputed with (see [`ParkResult::set_ranks`]).
    #[serde(default)]
    pub weight_sets: Vec<WeightSetInfo>,
    /// Largest [`ParkResult::set_rank_shift`] over the ranked parks.
    #[serde(default)]
    pub max_set_rank_shift: Option<u32>,
}

impl ParkReport {
    pub fn park(&self, id: &str) -> Option<&ParkResult> {
        self.parks.iter().find(|p| p.park == id)
    }
}

/// Options of [`park_report`].
#[derive(Debug, Clone)]
pub struct ParkOptions {
    /// Monte Carlo replications (0: none).
    pub mc: usize,
    pub seed: u64,
    pub threads: usize,
}

impl Default for ParkOptions {
    fn default() -> Self {
        ParkOptions {
            mc: 1000,
            seed: 20210422,
            threads: 2,
        }
    }
}

/// Evaluates the parks of `year` from firm rows (which must include `year − 1` for `prev(…)`)
/// and analyst inputs, with optional Monte Carlo rank intervals and last year's report for the
/// year-over-year change. See the module docs for the data-availability rules.
pub fn park_report(
    scheme: &ParkScheme,
    rows: &[FirmRow],
    year: Year,
    park_inputs: &BTreeMap<(String, String), f64>,
    previous: Option<&ParkReport>,
    opts: &ParkOptions,
) -> Result<ParkReport> {
    let fc = FirmColumns::from_rows(rows)?;
    let extra = format!("{}|{}", scheme.version, year.get());
    let hash = input_hash(rows, park_inputs, &extra);
    report_of(scheme, &fc, year, park_inputs, previous, opts, hash)
}

/// [`park_report`] from firm rows in columns, each holding every field
/// ([`crate::panel::firm_columns_with_previous`]): the same report, input hash included.
pub fn park_report_columns(
    scheme: &ParkScheme,
    fc: &FirmColumns,
    year: Year,
    park_inputs: &BTreeMap<(String, String), f64>,
    previous: Option<&ParkReport>,
    opts: &ParkOptions,
) -> Result<ParkReport> {
    let extra = format!("{}|{}", scheme.version, year.get());
    let hash = input_hash_columns(fc, park_inputs, &extra);
    report_of(scheme, fc, year, park_inputs, previous, opts, hash)
}

fn report_of(
    scheme: &ParkScheme,
    fc: &FirmColumns,
    year: Year,
    park_inputs: &BTreeMap<(String, String), f64>,
    previous: Option<&ParkReport>,
    opts: &ParkOptions,
    input: String,
) -> Result<ParkReport> {
    // the firm rows and the scheme's expressions carry the year as a number
    let (typed, year) = (year, year.get());
    let values = scheme.compute_indicators_columns(fc, year, park_inputs)?;
    let n_ind = scheme.indicators.len();
    let available: Vec<bool> = (0..n_ind)
        .map(|j| values.col(j).iter().any(|v| v.is_finite()))
        .collect();
    let n_avail = available.iter().filter(|a| **a).count();
    if n_avail == 0 {
        return Err(IndexError::Data(format!("{year} 年没有可用的评价数据")));
    }
    let availability: Vec<f64> = (0..values.n_rows())
        .map(|i| {
            (0..n_ind)
                .filter(|&j| available[j] && values.get(i, j).is_finite())
                .count() as f64
                / n_avail as f64
        })
        .collect();
    let keep: Vec<usize> = (0..values.n_rows())
        .filter(|&i| availability[i] >= MIN_AVAILABILITY - 1e-12)
        .collect();
    let ranked = values.select_rows(&keep);
    let eval = scheme.evaluate(&ranked, &BTreeMap::new())?;
    let n_dim = scheme.dimensions.len();
    // the same evaluation under every named weight set: how much the ranking rests on weights
    // no source settles
    let set_evals = scheme
        .weight_sets
        .iter()
        .map(|w| scheme.evaluate_with(&ranked, &BTreeMap::new(), Some(&w.name)))
        .collect::<Result<Vec<_>>>()?;

    let mc = rank_intervals(scheme, &ranked, &available, keep.len(), opts)?;

    let total = eval.scores.column("Total").expect("Total");
    let med = |x: Vec<f64>| opt(stats::median(&x));
    let median_normalised: Vec<Option<f64>> = (0..n_ind)
        .map(|j| med(eval.normalised.col(j).to_vec()))
        .collect();
    let median_dimensions: Vec<Option<f64>> = (0..n_dim)
        .map(|k| med(eval.scores.col(k).to_vec()))
        .collect();
    let median_total = med(total.to_vec());

    let mut parks: Vec<ParkResult> = Vec::with_capacity(values.n_rows());
    #[allow(clippy::needless_range_loop)]
    for i in 0..values.n_rows() {
        let park = values.units[i].clone();
        let r = keep.iter().position(|&k| k == i);
        let vals: Vec<Option<f64>> = (0..n_ind).map(|j| opt(values.get(i, j))).collect();
        let norm: Vec<Option<f64>> = (0..n_ind)
            .map(|j| r.and_then(|r| opt(eval.normalised.get(r, j))))
            .collect();
        let (strengths, weaknesses) =
            strengths_and_weaknesses(&norm, &median_normalised, &scheme.indicators);
        let mcr = |f: &dyn Fn(&UncertaintyResult, usize) -> f64| {
            let (m, r) = (mc.as_ref()?, r?);
            opt(f(m, r))
        };
        let prev = previous.and_then(|p| p.park(&park));
        let rank = r.map(|r| eval.rank[r]);
        let set_ranks: Vec<Option<u32>> = set_evals
            .iter()
            .map(|e| r.map(|r| e.rank[r]).filter(|&k| k > 0))
            .collect();
        let all_ranks: Vec<u32> = rank
            .filter(|&k| k > 0)
            .into_iter()
            .chain(set_ranks.iter().flatten().copied())
            .collect();
        let set_rank_shift = (!set_evals.is_empty() && all_ranks.len() == set_evals.len() + 1)
            .then(|| all_ranks.iter().max().unwrap_or(&0) - all_ranks.iter().min().unwrap_or(&0));
        parks.push(ParkResult {
            total: r.and_then(|r| opt(total[r])),
            rank,
            rank_median: mcr(&|m, r| m.median_rank[r]),
            rank_p05: mcr(&|m, r| m.q05_rank[r]),
            rank_p95: mcr(&|m, r| m.q95_rank[r]),
            rank_mean_shift: mcr(&|m, r| m.mean_abs_shift[r]),
            dimensions: (0..n_dim)
                .map(|k| r.and_then(|r| opt(eval.scores.get(r, k))))
                .collect(),
            dimension_ranks: (0..n_dim)
                .map(|k| r.map(|r| eval.dimension_ranks[k][r]))
                .collect(),
            values: vals,
            normalised: norm,
            availability: availability[i],
            strengths,
            weaknesses,
            prev_rank: prev.and_then(|p| p.rank),
            prev_total: prev.and_then(|p| p.total),
            rank_change: match (prev.and_then(|p| p.rank), rank) {
                (Some(a), Some(b)) => Some(a as i32 - b as i32),
                _ => None,
            },
            set_totals: set_evals
                .iter()
                .map(|e| r.and_then(|r| opt(e.scores.column("Total").expect("Total")[r])))
                .collect(),
            set_ranks,
            set_rank_shift,
            park,
        });
    }
    let max_set_rank_shift = parks.iter().filter_map(|p| p.set_rank_shift).max();
    parks.sort_by_key(|p| (p.rank.unwrap_or(u32::MAX), p.park.clone()));
    Ok(ParkReport {
        year: typed,
        scheme: SchemeInfo {
            version: scheme.version.clone(),
            document: scheme.document.clone(),
            effective_from: scheme.effective_from.clone(),
            status: scheme.status.clone(),
            notice: None,
        },
        input_hash: input,
        dimensions: dimension_infos(scheme),
        indicators: indicator_infos(scheme, &available),
        parks,
        median_normalised,
        median_dimensions,
        median_total,
        mc: mc.map(|m| mc_info(&m, opts.seed)),
        prev_year: previous.map(|p| p.year),
        weight_sets: weight_set_infos(scheme),
        max_set_rank_shift,
    })
}

/// A park's three strongest and three weakest indicators: normalised value above (below) the
/// median of the ranked parks, largest difference first.
fn strengths_and_weaknesses(
    norm: &[Option<f64>],
    median_normalised: &[Option<f64>],
    indicators: &[ParkIndicator],
) -> (Vec<String>, Vec<String>) {
    let mut diffs: Vec<(f64, &str)> = norm
        .iter()
        .zip(median_normalised)
        .zip(indicators)
        .filter_map(|((n, m), ind)| Some((n.as_ref()? - m.as_ref()?, ind.code.as_str())))
        .collect();
    diffs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let strengths = diffs
        .iter()
        .filter(|d| d.0 > 0.0)
        .take(3)
        .map(|d| d.1.to_string())
        .collect();
    let weaknesses = diffs
        .iter()
        .rev()
        .filter(|d| d.0 < 0.0)
        .take(3)
        .map(|d| d.1.to_string())
        .collect();
    (strengths, weaknesses)
}

/// Monte Carlo rank intervals of the ranked parks (weights, normaliser and aggregation varied);
/// `None` when switched off or fewer than two parks are ranked.
fn rank_intervals(
    scheme: &ParkScheme,
    ranked: &Dataset,
    available: &[bool],
    n_ranked: usize,
    opts: &ParkOptions,
) -> Result<Option<UncertaintyResult>> {
    if opts.mc == 0 || n_ranked < 2 {
        return Ok(None);
    }
    let u = rank_uncertainty(scheme, ranked, available, opts.seed)?;
    Ok(Some(u.monte_carlo(opts.mc, opts.threads.max(1))))
}

/// The nominal evaluation a park report's rank intervals vary around: no outlier treatment,
/// min–max 1–100, arithmetic aggregation, `weights`, ranks of column `output`.
pub fn rank_nominal(weights: BTreeMap<String, f64>, output: &str) -> Nominal {
    Nominal {
        treat: None,
        normaliser: Normaliser::MinMax { lo: 1.0, hi: 100.0 },
        aggregation: AggMethod::Arithmetic,
        weights,
        dat_thresh: 0.0,
        output: output.into(),
    }
}

/// What a park report's rank intervals vary: weights (±25 % noise on indicators and dimensions,
/// 1,000 sets), normaliser (min–max or rank), aggregation (arithmetic or geometric).
pub fn rank_choices() -> Vec<Choice> {
    vec![
        Choice::WeightNoise {
            noise: 0.25,
            levels: vec![1, 2],
            n_sets: 1000,
        },
        Choice::Normaliser(vec![
            Normaliser::MinMax { lo: 1.0, hi: 100.0 },
            Normaliser::Rank,
        ]),
        Choice::Aggregation(vec![AggMethod::Arithmetic, AggMethod::Geometric]),
    ]
}

/// The Monte Carlo setup of a park report's rank intervals over the ranked parks' indicator
/// values (`available[j]`: some park has indicator `j`): weights (±25 % noise on indicators and
/// dimensions, 1,000 sets), normaliser (min–max or rank) and aggregation (arithmetic or
/// geometric) varied around the scheme's nominal evaluation. The benchmark times this setup.
pub fn rank_uncertainty(
    scheme: &ParkScheme,
    ranked: &Dataset,
    available: &[bool],
    seed: u64,
) -> Result<Uncertainty> {
    let meta = scheme.meta()?;
    let nominal = rank_nominal(meta.weights(None)?, "Total");
    let choices = rank_choices();
    // indicators missing in every ranked park, or equal in all of them, take no part: they
    // cannot tell parks apart and the normalisers refuse them (Uncertainty needs data in
    // every column)
    let codes: Vec<String> = scheme
        .indicators
        .iter()
        .enumerate()
        .filter(|&(j, _)| {
            let x = ranked.col(j);
            available[j] && stats::min(x) < stats::max(x)
        })
        .map(|(_, i)| i.code.clone())
        .collect();
    let sub = ranked.select_cols(&codes)?;
    let sub_meta = meta.restrict(&codes)?;
    Uncertainty::new(&sub_meta, &sub, nominal, choices, seed)
}

/// The scheme's dimensions as reported.
fn dimension_infos(scheme: &ParkScheme) -> Vec<DimensionInfo> {
    scheme
        .dimensions
        .iter()
        .map(|d| DimensionInfo {
            code: d.code.clone(),
            name: d.name.clone(),
            weight: d.weight,
            confirmed: d.weight_status == Status::Confirmed,
        })
        .collect()
}

/// The scheme's indicators as reported, with whether any park has a value.
fn indicator_infos(scheme: &ParkScheme, available: &[bool]) -> Vec<IndicatorInfo> {
    scheme
        .indicators
        .iter()
        .zip(available)
        .map(|(i, a)| IndicatorInfo {
            code: i.code.clone(),
            name: i.name.clone(),
            dimension: i.dimension.clone(),
            weight: i.weight,
            confirmed: i.weight_status == Status::Confirmed,
            unit: i.unit.clone(),
            source: match i.source {
                Source::Panel => "panel",
                Source::ParkInput => "park_input",
            }
            .into(),
            direction: i.direction,
            note: i.note.clone(),
            available: *a,
            basis: i.basis.clone(),
            confidence: Some(i.confidence),
            proxy: i.proxy,
        })
        .collect()
}

/// What the Monte Carlo run varied.
fn mc_info(m: &UncertaintyResult, seed: u64) -> McInfo {
    McInfo {
        replications: m.replications,
        seed,
        choices: vec![
            "权重扰动 ±25%（二级指标赋权与一级指标权重）".into(),
            "标准化方法：最小-最大 / 排名".into(),
            "汇总方法：算术平均 / 几何平均".into(),
        ],
    }
}

/// The scheme's named weight sets as reported.
fn weight_set_infos(scheme: &ParkScheme) -> Vec<WeightSetInfo> {
    scheme
        .weight_sets
        .iter()
        .map(|w| WeightSetInfo {
            name: w.name.clone(),
            label: w.label.clone(),
            confirmed: w.status == Status::Confirmed,
            source: w.source.clone(),
            dimension_weights: scheme
                .dimensions
                .iter()
                .map(|d| w.weights.get(&d.code).copied().unwrap_or(d.weight))
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth;

    fn scheme() -> ParkScheme {
        let p = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../data/schemes/park-evaluation-2021.toml");
        crate::load::park_scheme_from_path(&p).unwrap()
    }

    #[test]
    fn park_report_ranks_under_every_named_weight_set() {
        let s = scheme();
        let rows = synth::firms(15, 40, &[2023, 2024], 5);
        let opts = ParkOptions {
            mc: 0,
            ..ParkOptions::default()
        };
        let r = park_report(
            &s,
            &rows,
            Year::new(2024).unwrap(),
            &BTreeMap::new(),
            None,
            &opts,
        )
        .unwrap();
        let names: Vec<&str> = r.weight_sets.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(names, vec!["equal-20", "20-20-15-15-30"]);
        assert_eq!(
            r.weight_sets[1].dimension_weights,
            vec![0.20, 0.20, 0.15, 0.15, 0.30]
        );
        assert!(r.weight_sets.iter().all(|w| !w.confirmed));
        // the scheme's own shares are the equal set: same ranks
        let ranked: Vec<&ParkResult> = r.parks.iter().filter(|p| p.rank.is_some()).collect();
        assert!(ranked.len() >= 2);
        for p in &ranked {
            assert_eq!(p.set_ranks[0], p.rank);
            assert_eq!(p.set_totals.len(), 2);
        }
        // the other set: a park's total is the shares-weighted mean of its dimension scores
        let w = &r.weight_sets[1].dimension_weights;
        for p in &ranked {
            let (num, den) = p
                .dimensions
                .iter()
                .zip(w)
                .filter_map(|(d, w)| d.map(|d| (d * w, *w)))
                .fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
            assert!((p.set_totals[1].unwrap() - num / den).abs() < 1e-9);
            let lo = p.rank.unwrap().min(p.set_ranks[1].unwrap());
            let hi = p.rank.unwrap().max(p.set_ranks[1].unwrap());
            assert_eq!(p.set_rank_shift, Some(hi - lo));
        }
        assert_eq!(
            r.max_set_rank_shift,
            ranked.iter().filter_map(|p| p.set_rank_shift).max()
        );
        // every indicator says where it is documented and how sure that is
        assert!(
            r.indicators
                .iter()
                .all(|i| i.confidence.is_some() && !i.basis.is_empty())
        );
        // runs stored before these fields still load
        let mut v = serde_json::to_value(&r).unwrap();
        v.as_object_mut().unwrap().remove("weight_sets");
        v["parks"][0].as_object_mut().unwrap().remove("set_ranks");
        v["indicators"][0]
            .as_object_mut()
            .unwrap()
            .remove("confidence");
        let old: ParkReport = serde_json::from_value(v).unwrap();
        assert!(old.weight_sets.is_empty());
    }

    #[test]
    fn park_report_ranks_with_intervals_and_yoy() {
        let s = scheme();
        let rows = synth::firms(15, 40, &[2022, 2023, 2024], 5);
        let opts = ParkOptions {
            mc: 200,
            seed: 1,
            threads: 2,
        };
        let prev = park_report(
            &s,
            &rows,
            Year::new(2023).unwrap(),
            &BTreeMap::new(),
            None,
            &ParkOptions {
                mc: 0,
                ..opts.clone()
            },
        )
        .unwrap();
        let r = park_report(
            &s,
            &rows,
            Year::new(2024).unwrap(),
            &BTreeMap::new(),
            Some(&prev),
            &opts,
        )
        .unwrap();
        assert_eq!(r.parks.len(), 15);
        assert_eq!(r.parks[0].rank, Some(1));
        // park inputs absent: those indicators are unavailable, not zero
        let unavailable: Vec<&str> = r
            .indicators
            .iter()
            .filter(|i| !i.available)
            .map(|i| i.code.as_str())
            .collect();
        assert!(unavailable.contains(&"3.1"));
        assert!(
            r.indicators
                .iter()
                .filter(|i| i.available)
                .all(|i| i.source == "panel")
        );
        for p in &r.parks {
            let (lo, hi, rank) = (
                p.rank_p05.unwrap(),
                p.rank_p95.unwrap(),
                p.rank.unwrap() as f64,
            );
            assert!(lo <= hi && lo >= 1.0 && hi <= 15.0, "{p:?}");
            assert!(p.rank_change.is_some());
            assert!((p.availability - 1.0).abs() < 1e-12);
            // park inputs nobody entered count as missing in the completeness shown (it read
            // 100 % beside indicators marked 未录入)
            let unentered = r.indicators.iter().filter(|i| !i.available).count();
            assert!(unentered > 0);
            let want = 1.0 - unentered as f64 / r.indicators.len() as f64;
            assert!(
                p.completeness() <= want + 1e-12,
                "{} vs {want}",
                p.completeness()
            );
            assert!(rank >= 1.0);
        }
        // the scheme's nominal ranks and the Monte Carlo nominal agree on the leader's interval
        let lead = &r.parks[0];
        assert!(lead.rank_p05.unwrap() <= 1.0 + 1e-9 || lead.rank_median.unwrap() <= 3.0);
        // round trip through JSON (how runs are stored)
        let j = serde_json::to_string(&r).unwrap();
        let back: ParkReport = serde_json::from_str(&j).unwrap();
        assert_eq!(serde_json::to_string(&back).unwrap(), j);
        // same inputs → same hash; one more input → different hash
        let again = park_report(
            &s,
            &rows,
            Year::new(2024).unwrap(),
            &BTreeMap::new(),
            Some(&prev),
            &opts,
        )
        .unwrap();
        assert_eq!(again.input_hash, r.input_hash);
        assert_eq!(again, r, "deterministic, including Monte Carlo");
        let mut inputs = BTreeMap::new();
        inputs.insert(("P01".to_string(), "3.1".to_string()), 0.3);
        inputs.insert(("P02".to_string(), "3.1".to_string()), 0.5);
        let with = park_report(
            &s,
            &rows,
            Year::new(2024).unwrap(),
            &inputs,
            None,
            &ParkOptions { mc: 0, ..opts },
        )
        .unwrap();
        assert_ne!(with.input_hash, r.input_hash);
        let i31 = with
            .indicators
            .iter()
            .position(|i| i.code == "3.1")
            .unwrap();
        assert!(with.indicators[i31].available);
        let p1 = with.park("P01").unwrap();
        assert_eq!(
            p1.normalised[i31],
            Some(1.0),
            "lower energy intensity is better"
        );
        assert_eq!(
            with.park("P03").unwrap().values[i31],
            None,
            "absent input stays missing"
        );
    }

    #[test]
    fn parks_with_too_little_data_are_not_ranked() {
        let s = scheme();
        let mut rows = synth::firms(3, 10, &[2023, 2024], 2);
        for r in rows.iter_mut().filter(|r| r.park == "P03") {
            for (k, v) in r.values.iter_mut() {
                if k != "revenue" {
                    *v = None;
                }
            }
        }
        let r = park_report(
            &s,
            &rows,
            Year::new(2024).unwrap(),
            &BTreeMap::new(),
            None,
            &ParkOptions {
                mc: 50,
                seed: 3,
                threads: 1,
            },
        )
        .unwrap();
        let p3 = r.park("P03").unwrap();
        assert_eq!(p3.rank, None);
        assert!(p3.availability < MIN_AVAILABILITY);
        assert_eq!(r.parks.last().unwrap().park, "P03");
        assert!(r.park("P01").unwrap().rank.is_some());
    }
}
