//! Serialisable reports built from firm rows: the park ranking with Monte Carlo rank intervals
//! ([`park_report`]), the innovation points of every firm ([`points_report`]) and target
//! monitoring ([`targets_report`]). Pure: callers load the panel, call these, and store the JSON as
//! a versioned run (`runs` table: scheme version + [`input_hash`]) so a published result can be
//! reproduced and compared with last year.
//!
//! Park evaluation data-availability rules (documented for users on the evaluation page):
//! * an indicator no park has a value for (e.g. a park input nobody entered yet) is reported as
//!   "not available" and takes no part in the evaluation (weights renormalise over the rest);
//! * a park is ranked only when it has values for at least [`MIN_AVAILABILITY`] of the remaining
//!   indicators; otherwise it is listed as "数据不足" without a rank;
//! * a missing value is never zero: within a dimension the weights renormalise over the indicators
//!   the park has (the scheme's aggregation).
//! * the Monte Carlo rank intervals leave out indicators on which every ranked park has the same
//!   value (they do not tell parks apart, and min-max and rank normalisation refuse them).

use crate::aggregate::AggMethod;
use crate::error::{IndexError, Result};
use crate::normalise::Normaliser;
use crate::park::{Confidence, FirmColumns, FirmRow, ParkScheme, Source, Status};
use crate::points::{PointsInput, PointsScheme};
use crate::sensitivity::{Choice, Nominal, Uncertainty};
use crate::stats;
use crate::target::{self, Point, TrackStatus};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Share of the available indicators a park needs to be ranked.
pub const MIN_AVAILABILITY: f64 = 2.0 / 3.0;

/// Which scheme produced a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchemeInfo {
    pub version: String,
    pub document: String,
    pub effective_from: String,
    pub status: Option<String>,
    /// The scheme's notice to show with every result (innovation points: a placeholder scheme).
    #[serde(default)]
    pub notice: Option<String>,
}

/// SHA-256 (hex) of the inputs: firm rows in the order given, then park inputs, then `extra`.
pub fn input_hash(
    rows: &[FirmRow],
    park_inputs: &BTreeMap<(String, String), f64>,
    extra: &str,
) -> String {
    let mut h = Sha256::new();
    for r in rows {
        h.update(r.park.as_bytes());
        h.update([0]);
        h.update(r.year.to_le_bytes());
        for (k, v) in &r.values {
            h.update(k.as_bytes());
            h.update(v.map(f64::to_bits).unwrap_or(u64::MAX).to_le_bytes());
        }
        h.update([1]);
    }
    for ((p, c), v) in park_inputs {
        h.update(p.as_bytes());
        h.update([0]);
        h.update(c.as_bytes());
        h.update(v.to_bits().to_le_bytes());
    }
    h.update(extra.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn opt(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

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
    pub year: i32,
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
    pub prev_year: Option<i32>,
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
    year: i32,
    park_inputs: &BTreeMap<(String, String), f64>,
    previous: Option<&ParkReport>,
    opts: &ParkOptions,
) -> Result<ParkReport> {
    let values = scheme.compute_indicators(rows, year, park_inputs)?;
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

    let mc = if opts.mc > 0 && keep.len() >= 2 {
        let meta = scheme.meta()?;
        let nominal = Nominal {
            treat: None,
            normaliser: Normaliser::MinMax { lo: 1.0, hi: 100.0 },
            aggregation: AggMethod::Arithmetic,
            weights: meta.weights(None)?,
            dat_thresh: 0.0,
            output: "Total".into(),
        };
        let choices = vec![
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
        ];
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
        let u = Uncertainty::new(&sub_meta, &sub, nominal, choices, opts.seed)?;
        Some(u.monte_carlo(opts.mc, opts.threads.max(1)))
    } else {
        None
    };

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
        let mut diffs: Vec<(f64, &str)> = norm
            .iter()
            .zip(&median_normalised)
            .zip(&scheme.indicators)
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
        let mcr = |f: &dyn Fn(&crate::sensitivity::UncertaintyResult, usize) -> f64| {
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
    let input = input_hash(rows, park_inputs, &format!("{}|{year}", scheme.version));
    Ok(ParkReport {
        year,
        scheme: SchemeInfo {
            version: scheme.version.clone(),
            document: scheme.document.clone(),
            effective_from: scheme.effective_from.clone(),
            status: scheme.status.clone(),
            notice: None,
        },
        input_hash: input,
        dimensions: scheme
            .dimensions
            .iter()
            .map(|d| DimensionInfo {
                code: d.code.clone(),
                name: d.name.clone(),
                weight: d.weight,
                confirmed: d.weight_status == Status::Confirmed,
            })
            .collect(),
        indicators: scheme
            .indicators
            .iter()
            .zip(&available)
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
            .collect(),
        parks,
        median_normalised,
        median_dimensions,
        median_total,
        mc: mc.map(|m| McInfo {
            replications: m.replications,
            seed: opts.seed,
            choices: vec![
                "权重扰动 ±25%（二级指标赋权与一级指标权重）".into(),
                "标准化方法：最小-最大 / 排名".into(),
                "汇总方法：算术平均 / 几何平均".into(),
            ],
        }),
        prev_year: previous.map(|p| p.year),
        weight_sets: scheme
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
            .collect(),
        max_set_rank_shift,
    })
}

/// Whether `v` meets `target` under `comparator` (`=` means within 5 %); `None` if unknown.
fn meets(comparator: &str, v: f64, target: f64) -> Option<bool> {
    match comparator {
        ">=" => Some(v >= target),
        ">" => Some(v > target),
        "<=" => Some(v <= target),
        "<" => Some(v < target),
        "=" => Some(v >= target * 0.95),
        _ => None,
    }
}

/// One indicator's part of a firm's points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointsComponent {
    pub code: String,
    pub value: Option<f64>,
    pub points: f64,
}

/// One firm's points in one year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FirmPoints {
    pub uscc: String,
    pub park: String,
    pub tech_field: Option<String>,
    /// Stage code and name (初创期 / 成长期 / 稳定期).
    pub stage: String,
    pub stage_name: String,
    pub total: f64,
    /// Points per first-level group (scaled), aligned with [`PointsReport::groups`].
    pub by_group: Vec<f64>,
    pub bonus: f64,
    pub negative: f64,
    /// Rank among the zone's firms of the same stage (1 = most points).
    pub stage_rank: u32,
    pub stage_size: u32,
    pub components: Vec<PointsComponent>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointsIndicatorInfo {
    pub code: String,
    pub name: String,
    pub group: String,
    pub confirmed: bool,
    /// Weight per stage, aligned with [`PointsReport::stages`].
    pub weights: Vec<f64>,
}

/// Innovation points of every firm of the zone in one year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointsReport {
    pub year: i32,
    pub scheme: SchemeInfo,
    pub input_hash: String,
    pub groups: Vec<String>,
    /// (code, name).
    pub stages: Vec<(String, String)>,
    pub indicators: Vec<PointsIndicatorInfo>,
    /// Firms by total, highest first.
    pub firms: Vec<FirmPoints>,
}

/// The firm identity a points report needs besides its facts.
#[derive(Debug, Clone, PartialEq)]
pub struct FirmKey {
    pub uscc: String,
    pub tech_field: Option<String>,
}

/// Innovation points of the firms of `year`. `rows[i]` belongs to `keys[i]`; rows of other years
/// are ignored. The comparison group is the zone and the stage (and the technical field when the
/// scheme says so).
pub fn points_report(
    scheme: &PointsScheme,
    rows: &[FirmRow],
    keys: &[FirmKey],
    year: i32,
) -> Result<PointsReport> {
    if rows.len() != keys.len() {
        return Err(IndexError::Data("points: one key per firm row".into()));
    }
    let pick: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].year == year).collect();
    let sel: Vec<FirmRow> = pick.iter().map(|&i| rows[i].clone()).collect();
    let fc = FirmColumns::from_rows(&sel)?;
    let fields: Vec<String> = pick
        .iter()
        .map(|&i| keys[i].tech_field.clone().unwrap_or_default())
        .collect();
    let tf_names = {
        let mut v = fields.clone();
        v.sort();
        v.dedup();
        v
    };
    let tf: Vec<u32> = fields
        .iter()
        .map(|f| tf_names.binary_search(f).expect("present") as u32)
        .collect();
    let input = PointsInput {
        cols: fc.cols,
        zone: vec![0; pick.len()],
        tech_field: Some(tf),
    };
    let (res, comp) = scheme.compute_detailed(&input, &BTreeMap::new())?;
    // ranks within stage
    let n = pick.len();
    let mut stage_rank = vec![0u32; n];
    let mut stage_size = vec![0u32; n];
    for s in 0..scheme.stages.len() as u8 {
        let idx: Vec<usize> = (0..n).filter(|&i| res.stage[i] == s).collect();
        let t: Vec<f64> = idx.iter().map(|&i| res.total[i]).collect();
        let r = stats::rank_desc_min(&t);
        for (k, &i) in idx.iter().enumerate() {
            stage_rank[i] = r[k];
            stage_size[i] = idx.len() as u32;
        }
    }
    let mut firms: Vec<FirmPoints> = (0..n)
        .map(|i| {
            let st = &scheme.stages[res.stage[i] as usize];
            FirmPoints {
                uscc: keys[pick[i]].uscc.clone(),
                park: sel[i].park.clone(),
                tech_field: keys[pick[i]].tech_field.clone(),
                stage: st.code.clone(),
                stage_name: st.name.clone(),
                total: res.total[i],
                by_group: res.by_group.iter().map(|g| scheme.scale * g[i]).collect(),
                bonus: res.bonus[i],
                negative: res.negative[i],
                stage_rank: stage_rank[i],
                stage_size: stage_size[i],
                components: scheme
                    .indicators
                    .iter()
                    .enumerate()
                    .map(|(k, ind)| PointsComponent {
                        code: ind.code.clone(),
                        value: opt(comp.values[k][i]),
                        points: scheme.scale * comp.points[k][i],
                    })
                    .collect(),
            }
        })
        .collect();
    firms.sort_by(|a, b| b.total.total_cmp(&a.total).then(a.uscc.cmp(&b.uscc)));
    let hash = input_hash(
        &sel,
        &BTreeMap::new(),
        &format!("{}|{year}", scheme.version),
    );
    Ok(PointsReport {
        year,
        scheme: SchemeInfo {
            version: scheme.version.clone(),
            document: scheme.document.clone(),
            effective_from: scheme.effective_from.clone(),
            status: scheme.status.clone(),
            notice: scheme.notice.clone(),
        },
        input_hash: hash,
        groups: scheme.groups.clone(),
        stages: scheme
            .stages
            .iter()
            .map(|s| (s.code.clone(), s.name.clone()))
            .collect(),
        indicators: scheme
            .indicators
            .iter()
            .map(|i| PointsIndicatorInfo {
                code: i.code.clone(),
                name: i.name.clone(),
                group: i.group.clone(),
                confirmed: i.weight_status == Status::Confirmed,
                weights: scheme
                    .stages
                    .iter()
                    .map(|s| i.weights.get(&s.code).copied().unwrap_or(0.0))
                    .collect(),
            })
            .collect(),
        firms,
    })
}

/// Progress of a target (see [`crate::target::progress`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgressView {
    pub baseline_year: i32,
    pub baseline: f64,
    /// Whether the baseline is the reference document's own figure (else the panel's first year).
    pub baseline_from_reference: bool,
    pub progress_ratio: f64,
    pub time_ratio: f64,
    pub cagr_so_far: Option<f64>,
    pub cagr_required: Option<f64>,
    pub projected: f64,
    /// `achieved`, `on_track` or `at_risk`.
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContributionView {
    pub park: String,
    pub baseline: f64,
    pub current: f64,
    pub share: Option<f64>,
    pub share_of_change: Option<f64>,
    pub growth_points: Option<f64>,
}

/// One target with today's value and its progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetView {
    pub id: String,
    pub table: String,
    pub name: String,
    pub unit: String,
    pub comparator: String,
    pub target: f64,
    pub target_year: i32,
    pub reference_baseline: Option<f64>,
    pub reference_baseline_year: Option<i32>,
    pub measure: Option<String>,
    pub method: Option<String>,
    /// "需要数据：…" when the platform cannot compute the value.
    pub needs: Option<String>,
    pub current_year: Option<i32>,
    pub current: Option<f64>,
    /// The measure in every panel year.
    pub series: Vec<(i32, f64)>,
    pub progress: Option<ProgressView>,
    /// Parks' contributions to the zone total (additive measures only).
    pub contributions: Vec<ContributionView>,
}

/// Target monitoring at `year` (default: the latest panel year). Today's value comes from the
/// panel where the target names a known measure. Progress runs from a baseline: the panel's value
/// in the reference baseline year when the panel has that year, else the panel's first year (the
/// reference documents' baselines are city-wide figures, not comparable with the panel's own);
/// the projection continues the CAGR so far to the target year.
pub fn targets_report(
    targets: &[gaoxin_model::reference::Target],
    measures: &crate::panel::Measures,
    year: Option<i32>,
) -> Vec<TargetView> {
    let years = measures.years();
    let year = year.or(years.last().copied());
    targets
        .iter()
        .map(|t| {
            let method = t
                .measure
                .as_deref()
                .and_then(crate::panel::measure_definition);
            let series: Vec<(i32, f64)> = match (&t.measure, method) {
                (Some(m), Some(_)) => years
                    .iter()
                    .filter(|y| year.is_none_or(|cy| **y <= cy))
                    .filter_map(|y| Some((*y, measures.value(m, *y, None)?)))
                    .collect(),
                _ => vec![],
            };
            let current = year.and_then(|y| series.iter().find(|s| s.0 == y).copied());
            let needs = if current.is_some() {
                None
            } else {
                Some(match (&t.needs, &t.measure, method) {
                    (Some(n), _, _) => format!("需要数据：{n}"),
                    (None, Some(m), None) => format!("需要数据：计算口径「{m}」尚未实现"),
                    _ => "需要数据：所选年份面板数据中无可用值".into(),
                })
            };
            let base = current.and_then(|(cy, _)| {
                let from_ref = t
                    .baseline_year
                    .and_then(|by| series.iter().find(|s| s.0 == by && by < cy));
                from_ref
                    .map(|b| (*b, true))
                    .or_else(|| series.first().filter(|s| s.0 < cy).map(|b| (*b, false)))
            });
            let progress = match (current, base) {
                (Some((cy, cv)), Some(((by, bv), from_ref))) => target::progress(
                    Point::new(by, bv),
                    Point::new(t.target_year, t.target),
                    Point::new(cy, cv),
                )
                .ok()
                .map(|p| ProgressView {
                    baseline_year: by,
                    baseline: bv,
                    baseline_from_reference: from_ref,
                    progress_ratio: p.progress_ratio,
                    time_ratio: p.time_ratio,
                    cagr_so_far: opt(p.cagr_so_far),
                    cagr_required: opt(p.cagr_required),
                    projected: p.projected,
                    // the comparator decides what "reaching" means (a baseline already beyond
                    // the target would otherwise flip the direction)
                    status: match (
                        meets(&t.comparator, cv, t.target),
                        meets(&t.comparator, p.projected, t.target),
                    ) {
                        (Some(true), _) => "achieved",
                        (Some(false), Some(true)) => "on_track",
                        (Some(false), Some(false)) => "at_risk",
                        _ => match p.status {
                            TrackStatus::Achieved => "achieved",
                            TrackStatus::OnTrack => "on_track",
                            TrackStatus::AtRisk => "at_risk",
                        },
                    }
                    .into(),
                }),
                _ => None,
            };
            let contributions = match (&t.measure, current, &progress) {
                (Some(m), Some((cy, _)), Some(p))
                    if crate::panel::ADDITIVE.contains(&m.as_str()) =>
                {
                    let parks = measures.parks(cy);
                    let rows: Vec<(String, f64, f64)> = parks
                        .iter()
                        .map(|pk| {
                            (
                                pk.clone(),
                                measures.value(m, p.baseline_year, Some(pk)).unwrap_or(0.0),
                                measures.value(m, cy, Some(pk)).unwrap_or(0.0),
                            )
                        })
                        .collect();
                    target::contributions(&rows)
                        .into_iter()
                        .zip(&rows)
                        .map(|(c, r)| ContributionView {
                            park: c.park,
                            baseline: r.1,
                            current: r.2,
                            share: opt(c.share),
                            share_of_change: opt(c.share_of_change),
                            growth_points: opt(c.growth_points),
                        })
                        .collect()
                }
                _ => vec![],
            };
            TargetView {
                id: t.id.clone(),
                table: t.table.clone(),
                name: t.name.clone(),
                unit: t.unit.clone(),
                comparator: t.comparator.clone(),
                target: t.target,
                target_year: t.target_year,
                reference_baseline: t.baseline,
                reference_baseline_year: t.baseline_year,
                measure: t.measure.clone(),
                method: method.map(String::from),
                needs,
                current_year: current.map(|c| c.0),
                current: current.map(|c| c.1),
                series,
                progress,
                contributions,
            }
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
        let r = park_report(&s, &rows, 2024, &BTreeMap::new(), None, &opts).unwrap();
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
            2023,
            &BTreeMap::new(),
            None,
            &ParkOptions {
                mc: 0,
                ..opts.clone()
            },
        )
        .unwrap();
        let r = park_report(&s, &rows, 2024, &BTreeMap::new(), Some(&prev), &opts).unwrap();
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
        let again = park_report(&s, &rows, 2024, &BTreeMap::new(), Some(&prev), &opts).unwrap();
        assert_eq!(again.input_hash, r.input_hash);
        assert_eq!(again, r, "deterministic, including Monte Carlo");
        let mut inputs = BTreeMap::new();
        inputs.insert(("P01".to_string(), "3.1".to_string()), 0.3);
        inputs.insert(("P02".to_string(), "3.1".to_string()), 0.5);
        let with = park_report(
            &s,
            &rows,
            2024,
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
            2024,
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

    #[test]
    fn points_report_components_add_up() {
        let p = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../data/schemes/innovation-points-2024.toml");
        let s = crate::load::points_scheme_from_path(&p).unwrap();
        let rows = synth::firms(3, 50, &[2023, 2024], 9);
        let keys: Vec<FirmKey> = (0..rows.len())
            .map(|i| FirmKey {
                uscc: format!("F{i:04}"),
                tech_field: Some(
                    if i % 2 == 0 {
                        "电子信息"
                    } else {
                        "新材料"
                    }
                    .into(),
                ),
            })
            .collect();
        let r = points_report(&s, &rows, &keys, 2024).unwrap();
        assert_eq!(r.firms.len(), 150);
        assert_eq!(
            r.scheme.notice, s.notice,
            "the placeholder notice travels with the run"
        );
        assert!(r.scheme.notice.is_some());
        assert!(r.firms.windows(2).all(|w| w[0].total >= w[1].total));
        for f in &r.firms {
            let comp: f64 = f.components.iter().map(|c| c.points).sum();
            let groups: f64 = f.by_group.iter().sum();
            assert!((comp - groups).abs() < 1e-9);
            assert!((groups + f.bonus - f.negative - f.total).abs() < 1e-9);
            assert!(f.stage_rank >= 1 && f.stage_rank <= f.stage_size);
        }
        // the same computation without detail gives the same totals
        let sel: Vec<FirmRow> = rows.iter().filter(|r| r.year == 2024).cloned().collect();
        let fc = FirmColumns::from_rows(&sel).unwrap();
        let n = sel.len();
        let plain = s
            .compute(
                &PointsInput {
                    cols: fc.cols,
                    zone: vec![0; n],
                    tech_field: None,
                },
                &BTreeMap::new(),
            )
            .unwrap();
        let mut a: Vec<f64> = plain.total.clone();
        let mut b: Vec<f64> = r.firms.iter().map(|f| f.total).collect();
        a.sort_by(f64::total_cmp);
        b.sort_by(f64::total_cmp);
        assert_eq!(a, b);
    }
}
