//! The composite-indicator pipeline and its inspectable result, [`Coin`] (after COINr's "coin").
//!
//! `Raw → Denominated → Screened → Imputed → Treated → Normalised → Aggregated`; each stage is kept
//! under its name in [`Coin::dsets`] with its log (imputed cells, treatment flags, screened units),
//! and ranks are derived from the aggregated data at every level.

use crate::aggregate::{self, AggMethod};
use crate::data::Dataset;
use crate::error::{IndexError, Result};
use crate::impute::{self, ImputeMethod, ImputedCell};
use crate::meta::IndexMeta;
use crate::normalise::{self, Normaliser};
use crate::stats;
use crate::treat::{self, ColumnTreatment, TreatLog, TreatParams};
use crate::weights;
use std::collections::BTreeMap;

/// Where aggregation weights come from.
#[derive(Debug, Clone, PartialEq)]
pub enum WeightChoice {
    /// The `weight` column of the metadata.
    Meta,
    /// A named set in [`IndexMeta::weight_sets`].
    Set(String),
    /// Weight 1 everywhere.
    Equal,
    /// Explicit code → weight (codes not listed take the metadata weight).
    Custom(BTreeMap<String, f64>),
}

/// All choices of a pipeline run.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineSpec {
    /// Divide indicators by their metadata denominator.
    pub denominate: bool,
    /// Drop units whose share of available indicators is below this.
    pub screen_min_availability: Option<f64>,
    pub impute: Option<ImputeMethod>,
    pub treat: Option<TreatParams>,
    pub treat_individual: BTreeMap<String, ColumnTreatment>,
    pub normaliser: Normaliser,
    pub normalise_across_years: bool,
    pub weights: WeightChoice,
    pub aggregation: AggMethod,
    /// Minimum share of children present for an aggregate to be computed.
    pub dat_thresh: f64,
}

impl Default for PipelineSpec {
    /// COINr's defaults: no denomination, no imputation, default treatment, min-max 0–100,
    /// metadata weights, arithmetic mean.
    fn default() -> Self {
        PipelineSpec {
            denominate: false,
            screen_min_availability: None,
            impute: None,
            treat: Some(TreatParams::default()),
            treat_individual: BTreeMap::new(),
            normaliser: Normaliser::minmax100(),
            normalise_across_years: false,
            weights: WeightChoice::Meta,
            aggregation: AggMethod::Arithmetic,
            dat_thresh: 0.0,
        }
    }
}

/// Divides each indicator by its denominator column; rows are matched by unit (and year).
pub fn denominate(data: &Dataset, denominators: &Dataset, meta: &IndexMeta) -> Result<Dataset> {
    let key = |d: &Dataset, i: usize| (d.units[i].clone(), d.years.as_ref().map(|y| y[i]));
    let lookup: BTreeMap<_, usize> = (0..denominators.n_rows())
        .map(|i| (key(denominators, i), i))
        .collect();
    let mut out = data.clone();
    for j in 0..data.n_cols() {
        let Some(node) = meta.node(&data.codes[j]) else {
            continue;
        };
        let Some(den) = &node.denominator else {
            continue;
        };
        let dj = denominators.col_index(den).ok_or_else(|| {
            IndexError::Data(format!("{}: no denominator column {den}", node.code))
        })?;
        for i in 0..data.n_rows() {
            let di = *lookup.get(&key(data, i)).ok_or_else(|| {
                IndexError::Data(format!("no denominators for unit {}", data.units[i]))
            })?;
            let v = data.get(i, j) / denominators.get(di, dj);
            out.col_mut(j)[i] = v;
        }
    }
    Ok(out)
}

/// Keeps units with at least `min_frac` of indicator values present; returns the kept data and
/// the removed unit codes (COINr `Screen()` by data availability).
pub fn screen(data: &Dataset, min_frac: f64) -> (Dataset, Vec<String>) {
    let m = data.n_cols() as f64;
    let mut keep = Vec::new();
    let mut removed = Vec::new();
    for i in 0..data.n_rows() {
        let present = (0..data.n_cols())
            .filter(|&j| !data.get(i, j).is_nan())
            .count() as f64;
        if m == 0.0 || present / m >= min_frac {
            keep.push(i);
        } else {
            removed.push(data.units[i].clone());
        }
    }
    (data.select_rows(&keep), removed)
}

/// A built index: metadata, every stage and its logs.
#[derive(Debug, Clone)]
pub struct Coin {
    pub meta: IndexMeta,
    pub spec: PipelineSpec,
    /// Stages in order: "Raw", "Denominated", "Screened", "Imputed", "Treated", "Normalised", "Aggregated".
    pub dsets: Vec<(String, Dataset)>,
    pub screened_out: Vec<String>,
    pub imputed: Vec<ImputedCell>,
    pub treat_log: Option<TreatLog>,
    /// Weights used for aggregation (code → weight).
    pub weights: BTreeMap<String, f64>,
}

impl Coin {
    /// Runs the whole pipeline on `raw` (indicator columns; extra columns are ignored).
    pub fn build(
        meta: IndexMeta,
        raw: &Dataset,
        denominators: Option<&Dataset>,
        spec: PipelineSpec,
    ) -> Result<Coin> {
        let mut dsets = Vec::new();
        let mut cur = raw.select_cols(&meta.indicator_codes())?;
        dsets.push(("Raw".to_string(), cur.clone()));
        if spec.denominate {
            let den = denominators.ok_or_else(|| {
                IndexError::Data("denominate needs a denominators dataset".into())
            })?;
            cur = denominate(&cur, den, &meta)?;
            dsets.push(("Denominated".into(), cur.clone()));
        }
        let mut screened_out = Vec::new();
        if let Some(t) = spec.screen_min_availability {
            let (d, rem) = screen(&cur, t);
            cur = d;
            screened_out = rem;
            dsets.push(("Screened".into(), cur.clone()));
        }
        let mut imputed = Vec::new();
        if let Some(m) = &spec.impute {
            let (d, log) = impute::impute(&cur, m)?;
            cur = d;
            imputed = log;
            dsets.push(("Imputed".into(), cur.clone()));
        }
        let mut treat_log = None;
        if let Some(p) = &spec.treat {
            let (d, log) = treat::treat(&cur, p, &spec.treat_individual)?;
            cur = d;
            treat_log = Some(log);
            dsets.push(("Treated".into(), cur.clone()));
        }
        cur = normalise::normalise(&cur, &meta, &spec.normaliser, spec.normalise_across_years)?;
        dsets.push(("Normalised".into(), cur.clone()));
        let weights = match &spec.weights {
            WeightChoice::Meta => meta.weights(None)?,
            WeightChoice::Set(s) => meta.weights(Some(s))?,
            WeightChoice::Equal => weights::equal(&meta),
            WeightChoice::Custom(c) => {
                let mut w = meta.weights(None)?;
                for (k, v) in c {
                    w.insert(k.clone(), *v);
                }
                w
            }
        };
        cur = aggregate::aggregate(&cur, &meta, &weights, spec.aggregation, spec.dat_thresh)?;
        dsets.push(("Aggregated".into(), cur));
        Ok(Coin {
            meta,
            spec,
            dsets,
            screened_out,
            imputed,
            treat_log,
            weights,
        })
    }

    /// A stage by name.
    pub fn dset(&self, name: &str) -> Option<&Dataset> {
        self.dsets.iter().find(|d| d.0 == name).map(|d| &d.1)
    }

    /// The aggregated data (indicators and all aggregates).
    pub fn aggregated(&self) -> &Dataset {
        &self.dsets.last().expect("built coin has stages").1
    }

    /// Ranks ("min" ties, 1 = best) of column `code`, within each year for panels; 0 = missing.
    pub fn ranks(&self, code: &str) -> Result<Vec<u32>> {
        self.ranks_rounded(code, None)
    }

    /// Ranks of scores first rounded to `decimals` (COINr's results tables round to 2 decimals
    /// before ranking, so units equal to the cent share a rank).
    pub fn ranks_rounded(&self, code: &str, decimals: Option<usize>) -> Result<Vec<u32>> {
        let d = self.aggregated();
        let col = d
            .column(code)
            .ok_or_else(|| IndexError::Data(format!("no column {code}")))?;
        let mut out = vec![0; d.n_rows()];
        for (_, rows) in d.year_slices() {
            let sub: Vec<f64> = rows
                .iter()
                .map(|&i| match decimals {
                    Some(dp) => round_to(col[i], dp),
                    None => col[i],
                })
                .collect();
            for (k, r) in stats::rank_desc_min(&sub).into_iter().enumerate() {
                out[rows[k]] = r;
            }
        }
        Ok(out)
    }

    /// Ranks of every aggregate (level ≥ 2) column, as a dataset of rank numbers; scores are
    /// rounded to `decimals` first when given (COINr v0.6 results: `Some(2)`).
    pub fn rank_table(&self, decimals: Option<usize>) -> Result<Dataset> {
        let d = self.aggregated();
        let codes: Vec<String> = (2..=self.meta.max_level())
            .flat_map(|l| self.meta.level_codes(l))
            .collect();
        let mut out = d.like_rows(codes.clone());
        for (k, c) in codes.iter().enumerate() {
            let r = self.ranks_rounded(c, decimals)?;
            for (o, v) in out.col_mut(k).iter_mut().zip(r) {
                *o = if v == 0 { f64::NAN } else { v as f64 };
            }
        }
        Ok(out)
    }
}

/// Rounds to `dp` decimals through the shortest decimal representation (half to even on exact
/// decimal ties, as R's `round`).
pub fn round_to(x: f64, dp: usize) -> f64 {
    if x.is_nan() {
        return x;
    }
    format!("{x:.dp$}").parse().unwrap_or(x)
}

/// Year-over-year change of column `code` in a panel: (unit, year, value − previous year's value)
/// for every row whose unit also has the previous year.
pub fn year_over_year(data: &Dataset, code: &str) -> Result<Vec<(String, i32, f64)>> {
    let years = data
        .years
        .as_ref()
        .ok_or_else(|| IndexError::Data("year-over-year change needs panel data".into()))?;
    let col = data
        .column(code)
        .ok_or_else(|| IndexError::Data(format!("no column {code}")))?;
    let idx: BTreeMap<(&str, i32), usize> = (0..data.n_rows())
        .map(|i| ((data.units[i].as_str(), years[i]), i))
        .collect();
    let mut out = Vec::new();
    for (&(u, y), &i) in &idx {
        if let Some(&p) = idx.get(&(u, y - 1)) {
            out.push((u.to_string(), y, col[i] - col[p]));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::Node;

    fn meta() -> IndexMeta {
        let mut a = Node::indicator("a", "I");
        a.denominator = Some("pop".into());
        let mut b = Node::indicator("b", "I");
        b.direction = -1.0;
        IndexMeta::new(vec![a, b, Node::aggregate("I", 2, None)]).unwrap()
    }

    #[test]
    fn full_small_pipeline_by_hand() {
        let raw = Dataset::from_rows(
            ["A", "B", "C"].map(String::from).to_vec(),
            vec!["a".into(), "b".into()],
            &[vec![10.0, 1.0], vec![40.0, f64::NAN], vec![90.0, 3.0]],
        )
        .unwrap();
        let den = Dataset::from_columns(
            ["C", "B", "A"].map(String::from).to_vec(),
            vec!["pop".into()],
            vec![vec![3.0, 2.0, 1.0]],
        )
        .unwrap();
        let spec = PipelineSpec {
            denominate: true,
            impute: Some(ImputeMethod::Mean),
            treat: None,
            ..PipelineSpec::default()
        };
        let coin = Coin::build(meta(), &raw, Some(&den), spec).unwrap();
        assert_eq!(
            coin.dset("Denominated").unwrap().col(0),
            &[10.0, 20.0, 30.0]
        );
        assert_eq!(coin.dset("Imputed").unwrap().col(1)[1], 2.0);
        let n = coin.dset("Normalised").unwrap();
        assert_eq!(n.col(0), &[0.0, 50.0, 100.0]);
        assert_eq!(n.col(1), &[100.0, 50.0, 0.0]);
        assert_eq!(coin.aggregated().column("I").unwrap(), &[50.0, 50.0, 50.0]);
        assert_eq!(coin.ranks("I").unwrap(), vec![1, 1, 1]);
        assert_eq!(coin.imputed.len(), 1);
        assert_eq!(round_to(2.345_000_1, 2), 2.35);
        assert_eq!(round_to(-1.004, 2), -1.0);
    }

    #[test]
    fn a_missing_cell_gains_nothing_under_distance_to_target() {
        // issue 11 §6: unit A lacks x; distance to target gave it full marks on x and a better rank
        let mut x = Node::indicator("x", "I");
        x.target = Some(3.0);
        let mut y = Node::indicator("y", "I");
        y.target = Some(4.0);
        let meta = IndexMeta::new(vec![x, y, Node::aggregate("I", 2, None)]).unwrap();
        let raw = Dataset::from_columns(
            ["A", "B", "C", "D"].map(String::from).to_vec(),
            vec!["x".into(), "y".into()],
            vec![vec![f64::NAN, 1.0, 2.0, 4.0], vec![1.0, 4.0, 3.0, 2.0]],
        )
        .unwrap();
        let spec = PipelineSpec {
            treat: None,
            normaliser: Normaliser::DistToTarget { scale: 100.0 },
            ..PipelineSpec::default()
        };
        let coin = Coin::build(meta, &raw, None, spec).unwrap();
        let n = coin.dset("Normalised").unwrap();
        assert!(n.value("A", "x").unwrap().is_nan());
        assert_eq!(n.value("D", "x"), Some(100.0));
        assert_eq!(coin.aggregated().value("A", "I"), Some(0.0));
        assert_eq!(coin.ranks("I").unwrap(), vec![4, 3, 2, 1]);
    }

    #[test]
    fn screening_drops_sparse_units() {
        let d = Dataset::from_rows(
            ["A", "B"].map(String::from).to_vec(),
            vec!["a".into(), "b".into()],
            &[vec![1.0, f64::NAN], vec![1.0, 2.0]],
        )
        .unwrap();
        let (kept, removed) = screen(&d, 0.75);
        assert_eq!(kept.units, vec!["B"]);
        assert_eq!(removed, vec!["A"]);
    }

    #[test]
    fn yoy_change() {
        let d = Dataset::from_columns(
            ["A", "A", "B"].map(String::from).to_vec(),
            vec!["x".into()],
            vec![vec![1.0, 4.0, 2.0]],
        )
        .unwrap()
        .with_years(vec![2020, 2021, 2021])
        .unwrap();
        assert_eq!(
            year_over_year(&d, "x").unwrap(),
            vec![("A".to_string(), 2021, 3.0)]
        );
    }
}
