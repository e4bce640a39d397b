//! Park evaluation after the national high-tech-zone evaluation system (国科发火〔2021〕106号).
//!
//! A [`ParkScheme`] (TOML, `data/schemes/park-evaluation-2021.toml`) lists first-level
//! dimensions with their shares and second-level indicators with their 赋权 multipliers; every
//! indicator is either computed from the parks' firms with a group expression (see
//! [`crate::expr`]) or entered by analysts (`source = "park_input"`). Every weight carries a
//! CONFIRMED/UNCONFIRMED label.
//!
//! Scoring (criteria.md §6.1, implementable default): sᵢ = clamp((x − min)/(max − min), 0, 1)
//! across parks (reversed for direction −1; min/max may be frozen), indicator points = sᵢ·赋权ᵢ,
//! dimension score = 100·Σ sᵢ·赋权ᵢ / Σ 赋权ᵢ over indicators present, total = Σ share·dimension /
//! Σ share. An indicator without spread (equal in every park that has it, or a single park) and
//! without frozen bounds takes no part in the score (missing in every park: the weights
//! renormalise over the rest): it cannot tell parks apart, so it neither rewards nor punishes
//! anyone, and no park is shown full marks for a value such as 「0家」 that all share. The scheme also yields an
//! [`IndexMeta`] so the general engine (Monte Carlo, Sobol) can run on the same structure.
//!
//! Each indicator records where it is documented (`basis`), how sure its place in the official
//! system is ([`Confidence`]) and whether the panel value is a `proxy`. Named [`WeightSet`]s
//! (`[[weight_set]]`) give alternative dimension shares or 赋权; [`ParkScheme::evaluate_with`]
//! scores with one of them, so reports can show how far ranks move between them.

use crate::aggregate::{self, AggMethod};
use crate::data::Dataset;
use crate::error::{IndexError, Result};
use crate::expr::{self, Expr};
use crate::meta::{IndexMeta, Node};
use crate::normalise::{Normaliser, normalise_column};
use crate::stats;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Whether a weight (or other parameter) is confirmed from a source document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum Status {
    #[serde(rename = "CONFIRMED")]
    Confirmed,
    #[serde(rename = "UNCONFIRMED")]
    Unconfirmed,
}

/// A first-level dimension.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Dimension {
    pub code: String,
    pub name: String,
    /// Share of the total (e.g. 0.20).
    pub weight: f64,
    pub weight_status: Status,
}

/// Where an indicator value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Computed from the enterprise panel with `panel` (a group expression).
    Panel,
    /// Entered by analysts per park.
    ParkInput,
}

/// A second-level indicator.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ParkIndicator {
    pub code: String,
    pub name: String,
    pub dimension: String,
    /// 赋权 multiplier.
    pub weight: f64,
    pub weight_status: Status,
    #[serde(default = "plus_one")]
    pub direction: f64,
    #[serde(default)]
    pub unit: Option<String>,
    pub source: Source,
    /// Group expression for `source = "panel"`.
    #[serde(default)]
    pub panel: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// Where the indicator (name, position, definition) is documented.
    pub basis: String,
    /// How sure that the indicator belongs to the official system as named (see [`Confidence`]).
    pub confidence: Confidence,
    /// The value computed here only approximates the official definition (see `note`).
    #[serde(default)]
    pub proxy: bool,
}

/// How well an indicator's place in the official system is documented. The official table of
/// 国科发火〔2021〕106号 has not been found in full; what is known comes from a local government's
/// repost of its first rows and from two independent public code bases that implement it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Name and position agree across every source found (both code bases, and the official
    /// repost for the rows it shows).
    High,
    /// In both independent code bases, not in any official text found.
    Medium,
    /// In one code base only.
    Low,
}

impl Confidence {
    /// The label shown in pages and reports.
    pub fn zh(self) -> &'static str {
        match self {
            Confidence::High => "高（各来源一致）",
            Confidence::Medium => "中（两个公开代码库均有，未见官方原文）",
            Confidence::Low => "低（仅一个公开代码库有）",
        }
    }
}

/// A named alternative set of weights (dimension shares and/or 赋权 by code), for showing how
/// much the ranking depends on weights no source settles.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WeightSet {
    pub name: String,
    /// Short label for pages (e.g. "20/20/15/15/30").
    pub label: String,
    pub status: Status,
    /// Where the set comes from.
    pub source: String,
    /// Code (dimension or indicator) → weight; codes not listed keep the scheme's weight.
    pub weights: BTreeMap<String, f64>,
}

fn plus_one() -> f64 {
    1.0
}

#[derive(Debug, Deserialize)]
struct SchemeFile {
    source: String,
    document: String,
    effective_from: String,
    version: String,
    #[serde(default)]
    status: Option<String>,
    dimension: Vec<Dimension>,
    indicator: Vec<ParkIndicator>,
    #[serde(default)]
    weight_set: Vec<WeightSet>,
}

/// A loaded, validated park-evaluation scheme.
#[derive(Debug, Clone)]
pub struct ParkScheme {
    pub source: String,
    pub document: String,
    pub effective_from: String,
    pub version: String,
    pub status: Option<String>,
    pub dimensions: Vec<Dimension>,
    pub indicators: Vec<ParkIndicator>,
    /// Named alternative weights (the nominal evaluation uses the weights above).
    pub weight_sets: Vec<WeightSet>,
    compiled: Vec<Option<Expr>>,
}

/// One firm-year as the platform hands it over: field key → value (`None` = missing).
/// Flags (`hightech_certified`, `listed`, `is_hightech_service`) are 1.0/0.0.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FirmRow {
    pub park: String,
    pub year: i32,
    pub values: BTreeMap<String, Option<f64>>,
}

impl FirmRow {
    pub fn new(park: &str, year: i32) -> Self {
        FirmRow {
            park: park.into(),
            year,
            values: BTreeMap::new(),
        }
    }
    /// Sets a numeric field.
    pub fn with(mut self, key: &str, v: f64) -> Self {
        self.values.insert(key.into(), Some(v));
        self
    }
    /// Sets a flag.
    pub fn with_flag(mut self, key: &str, v: bool) -> Self {
        self.values
            .insert(key.into(), Some(if v { 1.0 } else { 0.0 }));
        self
    }
}

/// Firm rows in columnar form (one column per field of [`expr::all_fields`]).
#[derive(Debug, Clone)]
pub struct FirmColumns {
    pub park: Vec<String>,
    pub year: Vec<i32>,
    pub cols: Vec<Vec<f64>>,
}

impl FirmColumns {
    /// Converts rows; an unknown field key is an error (so typos do not silently vanish).
    pub fn from_rows(rows: &[FirmRow]) -> Result<Self> {
        let fields = expr::all_fields();
        let mut cols = vec![vec![f64::NAN; rows.len()]; fields.len()];
        for (i, r) in rows.iter().enumerate() {
            for (k, v) in &r.values {
                let j = expr::field_index(k)
                    .ok_or_else(|| IndexError::Data(format!("unknown firm field {k}")))?;
                cols[j][i] = v.unwrap_or(f64::NAN);
            }
        }
        Ok(FirmColumns {
            park: rows.iter().map(|r| r.park.clone()).collect(),
            year: rows.iter().map(|r| r.year).collect(),
            cols,
        })
    }
}

/// Result of a park evaluation.
#[derive(Debug, Clone)]
pub struct ParkEvaluation {
    /// Raw indicator values (parks × indicators).
    pub values: Dataset,
    /// Normalised sᵢ in [0, 1].
    pub normalised: Dataset,
    /// Indicator points sᵢ·赋权ᵢ.
    pub points: Dataset,
    /// Dimension scores (0–100) then `Total`.
    pub scores: Dataset,
    /// Rank of the total (1 = best, "min" ties).
    pub rank: Vec<u32>,
    /// Rank per dimension, aligned with the scheme's dimensions.
    pub dimension_ranks: Vec<Vec<u32>>,
}

impl ParkScheme {
    /// Parses and validates a scheme (dimensions exist, panel expressions parse, weights ≥ 0).
    pub fn from_toml_str(text: &str, file: &str) -> Result<Self> {
        let f: SchemeFile =
            toml::from_str(text).map_err(|e| IndexError::from_toml(text, file, e))?;
        let err = |m: String| IndexError::Load {
            file: file.into(),
            line: None,
            msg: m,
        };
        let mut compiled = Vec::new();
        for ind in &f.indicator {
            if !f.dimension.iter().any(|d| d.code == ind.dimension) {
                return Err(err(format!(
                    "indicator {}: unknown dimension {}",
                    ind.code, ind.dimension
                )));
            }
            compiled.push(match (ind.source, &ind.panel) {
                (Source::Panel, Some(p)) => Some(
                    expr::parse_group(p)
                        .map_err(|e| err(format!("indicator {}: {e}", ind.code)))?,
                ),
                (Source::Panel, None) => {
                    return Err(err(format!(
                        "indicator {}: source = \"panel\" needs `panel`",
                        ind.code
                    )));
                }
                (Source::ParkInput, Some(_)) => {
                    return Err(err(format!(
                        "indicator {}: park_input must not have `panel`",
                        ind.code
                    )));
                }
                (Source::ParkInput, None) => None,
            });
        }
        let s = ParkScheme {
            source: f.source,
            document: f.document,
            effective_from: f.effective_from,
            version: f.version,
            status: f.status,
            dimensions: f.dimension,
            indicators: f.indicator,
            weight_sets: f.weight_set,
            compiled,
        };
        let meta = s.meta().map_err(|e| err(e.to_string()))?;
        let mut names = std::collections::BTreeSet::new();
        for ws in &s.weight_sets {
            if !names.insert(ws.name.as_str()) {
                return Err(err(format!("weight set {}: duplicate name", ws.name)));
            }
            if let Some((c, w)) = ws.weights.iter().find(|(_, w)| !w.is_finite() || **w < 0.0) {
                return Err(err(format!(
                    "weight set {}: weight of {c} must be ≥ 0, got {w}",
                    ws.name
                )));
            }
            meta.weights(Some(&ws.name))
                .map_err(|e| err(e.to_string()))?;
        }
        Ok(s)
    }

    /// The scheme as an index structure: indicators → dimensions → `Total`.
    pub fn meta(&self) -> Result<IndexMeta> {
        let mut nodes: Vec<Node> = self
            .indicators
            .iter()
            .map(|i| Node {
                code: i.code.clone(),
                name: i.name.clone(),
                level: 1,
                parent: Some(i.dimension.clone()),
                direction: i.direction,
                weight: i.weight,
                unit: i.unit.clone(),
                target: None,
                denominator: None,
            })
            .collect();
        for d in &self.dimensions {
            let mut n = Node::aggregate(&d.code, 2, Some("Total"));
            n.name = d.name.clone();
            n.weight = d.weight;
            nodes.push(n);
        }
        let mut t = Node::aggregate("Total", 3, None);
        t.name = "综合得分".into();
        nodes.push(t);
        let mut m = IndexMeta::new(nodes)?;
        m.weight_sets = self
            .weight_sets
            .iter()
            .map(|w| (w.name.clone(), w.weights.clone()))
            .collect();
        Ok(m)
    }

    /// Codes and names of every UNCONFIRMED weight, for labelling in reports.
    pub fn unconfirmed(&self) -> Vec<(String, String)> {
        self.dimensions
            .iter()
            .filter(|d| d.weight_status == Status::Unconfirmed)
            .map(|d| (d.code.clone(), d.name.clone()))
            .chain(
                self.indicators
                    .iter()
                    .filter(|i| i.weight_status == Status::Unconfirmed)
                    .map(|i| (i.code.clone(), i.name.clone())),
            )
            .collect()
    }

    /// Computes park-level indicator values for `year` from firm rows (previous-year rows are
    /// used by `prev(…)`) and analyst inputs `(park, indicator code) → value`. Parks are the
    /// distinct parks of `year`'s rows plus parks named in `park_inputs`, sorted.
    pub fn compute_indicators(
        &self,
        firms: &[FirmRow],
        year: i32,
        park_inputs: &BTreeMap<(String, String), f64>,
    ) -> Result<Dataset> {
        self.compute_indicators_columns(&FirmColumns::from_rows(firms)?, year, park_inputs)
    }

    /// [`ParkScheme::compute_indicators`] from firm rows already in columns
    /// ([`crate::panel::firm_columns_with_previous`]).
    pub fn compute_indicators_columns(
        &self,
        fc: &FirmColumns,
        year: i32,
        park_inputs: &BTreeMap<(String, String), f64>,
    ) -> Result<Dataset> {
        let n = fc.year.len();
        let cols: Vec<&[f64]> = fc.cols.iter().map(|c| c.as_slice()).collect();
        let mut parks: Vec<String> = (0..n)
            .filter(|&i| fc.year[i] == year)
            .map(|i| fc.park[i].clone())
            .chain(park_inputs.keys().map(|k| k.0.clone()))
            .collect();
        parks.sort();
        parks.dedup();
        let mut rows_of: BTreeMap<(&str, i32), Vec<usize>> = BTreeMap::new();
        for i in 0..n {
            rows_of
                .entry((fc.park[i].as_str(), fc.year[i]))
                .or_default()
                .push(i);
        }
        for (park, code) in park_inputs.keys() {
            if !self
                .indicators
                .iter()
                .any(|i| &i.code == code && i.source == Source::ParkInput)
            {
                return Err(IndexError::Data(format!(
                    "park input for {park}: {code} is not a park_input indicator"
                )));
            }
        }
        let empty = Vec::new();
        let mut out: Vec<Vec<f64>> = Vec::with_capacity(self.indicators.len());
        for (ind, e) in self.indicators.iter().zip(&self.compiled) {
            let col = parks
                .iter()
                .map(|p| match e {
                    Some(e) => {
                        let rows = rows_of.get(&(p.as_str(), year)).unwrap_or(&empty);
                        let prev = rows_of.get(&(p.as_str(), year - 1)).unwrap_or(&empty);
                        expr::eval_group(e, &cols, rows, prev)
                    }
                    None => park_inputs
                        .get(&(p.clone(), ind.code.clone()))
                        .copied()
                        .unwrap_or(f64::NAN),
                })
                .collect();
            out.push(col);
        }
        Dataset::from_columns(
            parks,
            self.indicators.iter().map(|i| i.code.clone()).collect(),
            out,
        )
    }

    /// Scores parks: normalisation with optional frozen `(min, max)` per indicator (e.g. the
    /// national range or last year's), points, dimension scores, total and ranks.
    pub fn evaluate(
        &self,
        values: &Dataset,
        frozen: &BTreeMap<String, (f64, f64)>,
    ) -> Result<ParkEvaluation> {
        self.evaluate_with(values, frozen, None)
    }

    /// [`ParkScheme::evaluate`] with the weights of the named set (`None`: the scheme's own).
    pub fn evaluate_with(
        &self,
        values: &Dataset,
        frozen: &BTreeMap<String, (f64, f64)>,
        weight_set: Option<&str>,
    ) -> Result<ParkEvaluation> {
        let meta = self.meta()?;
        let weights = meta.weights(weight_set)?;
        let codes = meta.indicator_codes();
        let values = values.select_cols(&codes)?;
        let mut normalised = values.clone();
        let mut points = values.clone();
        for (j, ind) in self.indicators.iter().enumerate() {
            let x = values.col(j);
            let (lo, hi) = match frozen.get(&ind.code) {
                Some(&(a, b)) => (Some(a), Some(b)),
                None => (None, None),
            };
            let spread = stats::max(x) > stats::min(x);
            if lo.is_none() && !spread {
                // all parks equal (or one park): the indicator tells no park from another, so it
                // takes no part in the score (missing for everyone: the dimension's weights
                // renormalise over the rest). It used to give everyone full marks, so 「0家」
                // everywhere scored 1.0 (issue 18).
                normalised.col_mut(j).fill(f64::NAN);
            } else {
                normalise_column(
                    x,
                    ind.direction,
                    None,
                    &Normaliser::Goalposts { lo, hi, scale: 1.0 },
                    normalised.col_mut(j),
                )?;
            }
            for (p, s) in points.col_mut(j).iter_mut().zip(normalised.col(j)) {
                *p = s * weights[&ind.code];
            }
        }
        let mut scaled = normalised.clone();
        scaled.values.iter_mut().for_each(|v| *v *= 100.0);
        let agg = aggregate::aggregate(&scaled, &meta, &weights, AggMethod::Arithmetic, 0.0)?;
        let mut score_codes: Vec<String> = self.dimensions.iter().map(|d| d.code.clone()).collect();
        score_codes.push("Total".into());
        let scores = agg.select_cols(&score_codes)?;
        let rank = stats::rank_desc_min(scores.column("Total").expect("Total is selected"));
        let dimension_ranks = (0..self.dimensions.len())
            .map(|k| stats::rank_desc_min(scores.col(k)))
            .collect();
        Ok(ParkEvaluation {
            values,
            normalised,
            points,
            scores,
            rank,
            dimension_ranks,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEME: &str = r#"
source = "test"
document = "test doc"
effective_from = "2021-04-22"
version = "t1"

[[dimension]]
code = "D1"
name = "创新能力和创业活跃度"
weight = 0.2
weight_status = "CONFIRMED"

[[dimension]]
code = "D3"
name = "绿色发展和宜居包容性"
weight = 0.2
weight_status = "UNCONFIRMED"

[[indicator]]
code = "1.2"
name = "从业人员中研发人员全时当量数占比"
dimension = "D1"
weight = 1.2
weight_status = "CONFIRMED"
basis = "test"
confidence = "high"
source = "panel"
panel = "sum(rd_staff) / sum(employees)"

[[indicator]]
code = "1.3"
name = "研发经费内部支出占营业收入比例"
dimension = "D1"
weight = 1.0
weight_status = "UNCONFIRMED"
basis = "test"
confidence = "medium"
source = "panel"
panel = "sum(rd_expense_domestic) / sum(revenue)"

[[indicator]]
code = "3.1"
name = "单位增加值综合能耗"
dimension = "D3"
weight = 1.0
weight_status = "UNCONFIRMED"
direction = -1
basis = "test"
confidence = "low"
source = "park_input"

[[weight_set]]
name = "d3-heavy"
label = "20/60"
status = "UNCONFIRMED"
source = "test"
weights = { D3 = 0.6 }
"#;

    fn firms() -> Vec<FirmRow> {
        vec![
            FirmRow::new("A", 2024)
                .with("employees", 100.0)
                .with("rd_staff", 2.0)
                .with("revenue", 1000.0)
                .with("rd_expense_domestic", 10.0),
            FirmRow::new("B", 2024)
                .with("employees", 50.0)
                .with("rd_staff", 3.5)
                .with("revenue", 500.0)
                .with("rd_expense_domestic", 40.0),
            FirmRow::new("B", 2024)
                .with("employees", 50.0)
                .with("rd_staff", 3.5)
                .with("revenue", 500.0)
                .with("rd_expense_domestic", 0.0),
            FirmRow::new("C", 2024)
                .with("employees", 10.0)
                .with("rd_staff", 1.2)
                .with("revenue", 100.0),
        ]
    }

    #[test]
    fn indicators_from_firm_rows_and_inputs() {
        let s = ParkScheme::from_toml_str(SCHEME, "t.toml").unwrap();
        let inputs: BTreeMap<_, _> = [
            (("A".to_string(), "3.1".to_string()), 0.1),
            (("B".to_string(), "3.1".to_string()), 0.2),
            (("C".to_string(), "3.1".to_string()), 0.5),
        ]
        .into_iter()
        .collect();
        let v = s.compute_indicators(&firms(), 2024, &inputs).unwrap();
        assert_eq!(v.units, vec!["A", "B", "C"]);
        assert_eq!(v.value("A", "1.2"), Some(0.02));
        assert_eq!(v.value("B", "1.2"), Some(0.07));
        assert_eq!(v.value("C", "1.2"), Some(0.12));
        assert_eq!(v.value("B", "1.3"), Some(0.04));
        assert!(v.value("C", "1.3").unwrap().is_nan(), "no R&D data for C");
        let e = s.evaluate(&v, &BTreeMap::new()).unwrap();
        // criteria §6.3 Z1: 1.2 with min 2 %, max 12 %, zone 7 % → s = 0.5 → 0.6 points
        assert!((e.normalised.value("B", "1.2").unwrap() - 0.5).abs() < 1e-12);
        assert!((e.points.value("B", "1.2").unwrap() - 0.6).abs() < 1e-12);
        // Z3: energy intensity reverse, min 0.1, max 0.5, zone 0.2 → 0.75
        assert!((e.normalised.value("B", "3.1").unwrap() - 0.75).abs() < 1e-12);
        // D1 for B: (1.2·0.5 + 1·1)/(2.2)·100 ; A: (0 + 0)/2.2
        let d1b = (1.2 * 0.5 + 1.0) / 2.2 * 100.0;
        assert!((e.scores.value("B", "D1").unwrap() - d1b).abs() < 1e-9);
        assert!((e.scores.value("B", "Total").unwrap() - (d1b + 75.0) / 2.0).abs() < 1e-9);
        // C has only 1.2 in D1 (weights renormalised): 100
        assert!((e.scores.value("C", "D1").unwrap() - 100.0).abs() < 1e-9);
        // A: D1 = 0, D3 = 100 → 50; C: D1 = 100, D3 = 0 → 50: tie, "min" ranks
        assert_eq!(e.rank, vec![2, 1, 2]);
        assert_eq!(s.unconfirmed().len(), 3);
    }

    #[test]
    fn named_weight_sets_change_the_total() {
        let s = ParkScheme::from_toml_str(SCHEME, "t.toml").unwrap();
        assert_eq!(s.weight_sets[0].name, "d3-heavy");
        assert_eq!(s.indicators[2].confidence, Confidence::Low);
        let inputs: BTreeMap<_, _> = [
            (("A".to_string(), "3.1".to_string()), 0.1),
            (("B".to_string(), "3.1".to_string()), 0.2),
            (("C".to_string(), "3.1".to_string()), 0.5),
        ]
        .into_iter()
        .collect();
        let v = s.compute_indicators(&firms(), 2024, &inputs).unwrap();
        let nominal = s.evaluate(&v, &BTreeMap::new()).unwrap();
        let heavy = s
            .evaluate_with(&v, &BTreeMap::new(), Some("d3-heavy"))
            .unwrap();
        // dimension scores do not depend on the dimension shares; the total does
        assert_eq!(nominal.scores.col(0), heavy.scores.col(0));
        // A: D1 = 0, D3 = 100 → (0.2·0 + 0.6·100)/0.8 = 75; C: D1 = 100, D3 = 0 → 25
        assert!((heavy.scores.value("A", "Total").unwrap() - 75.0).abs() < 1e-9);
        assert!((heavy.scores.value("C", "Total").unwrap() - 25.0).abs() < 1e-9);
        assert_eq!(nominal.rank, vec![2, 1, 2]);
        assert_eq!(heavy.rank, vec![1, 2, 3]);
        assert!(s.evaluate_with(&v, &BTreeMap::new(), Some("nope")).is_err());
    }

    #[test]
    fn weight_set_errors() {
        let bad = SCHEME.replace("weights = { D3 = 0.6 }", "weights = { D9 = 0.6 }");
        let e = ParkScheme::from_toml_str(&bad, "t.toml").unwrap_err();
        assert!(e.to_string().contains("D9"), "{e}");
        let bad = SCHEME.replace("weights = { D3 = 0.6 }", "weights = { D3 = -1.0 }");
        assert!(ParkScheme::from_toml_str(&bad, "t.toml").is_err());
        let bad = SCHEME.replace("confidence = \"low\"\n", "");
        assert!(ParkScheme::from_toml_str(&bad, "t.toml").is_err());
    }

    /// An indicator every park has the same value of (「0家」 everywhere) is not scored: it was
    /// full marks (1.0) for everyone (issue 18).
    #[test]
    fn an_indicator_without_spread_is_not_scored() {
        let s = ParkScheme::from_toml_str(SCHEME, "t.toml").unwrap();
        let v = Dataset::from_columns(
            vec!["A".into(), "B".into()],
            vec!["1.2".into(), "1.3".into(), "3.1".into()],
            vec![vec![0.02, 0.12], vec![0.0, 0.0], vec![0.1, 0.5]],
        )
        .unwrap();
        let e = s.evaluate(&v, &BTreeMap::new()).unwrap();
        assert!(e.normalised.value("A", "1.3").unwrap().is_nan());
        assert!(e.normalised.value("B", "1.3").unwrap().is_nan());
        // D1 rests on 1.2 alone: A at the minimum, B at the maximum
        assert!((e.scores.value("A", "D1").unwrap() - 0.0).abs() < 1e-9);
        assert!((e.scores.value("B", "D1").unwrap() - 100.0).abs() < 1e-9);
    }

    #[test]
    fn frozen_bounds_clamp_z2() {
        let s = ParkScheme::from_toml_str(SCHEME, "t.toml").unwrap();
        let v = Dataset::from_columns(
            vec!["Z".into()],
            vec!["1.2".into(), "1.3".into(), "3.1".into()],
            vec![vec![0.14], vec![0.01], vec![0.2]],
        )
        .unwrap();
        let frozen: BTreeMap<_, _> = [
            ("1.2".to_string(), (0.02, 0.12)),
            ("3.1".to_string(), (0.1, 0.5)),
        ]
        .into_iter()
        .collect();
        let e = s.evaluate(&v, &frozen).unwrap();
        // Z2: 14 % above the frozen max 12 % → s = 1 → 1.2 points
        assert_eq!(e.normalised.value("Z", "1.2"), Some(1.0));
        assert!((e.points.value("Z", "1.2").unwrap() - 1.2).abs() < 1e-12);
    }

    #[test]
    fn scheme_errors() {
        let bad = SCHEME.replace("dimension = \"D3\"", "dimension = \"D9\"");
        assert!(
            ParkScheme::from_toml_str(&bad, "t.toml")
                .unwrap_err()
                .to_string()
                .contains("unknown dimension D9")
        );
        let bad = SCHEME.replace("sum(rd_staff)", "sum(rd_stuff)");
        assert!(ParkScheme::from_toml_str(&bad, "t.toml").is_err());
        let rows = vec![FirmRow::new("A", 2024).with("revenu", 1.0)];
        let s = ParkScheme::from_toml_str(SCHEME, "t.toml").unwrap();
        assert!(s.compute_indicators(&rows, 2024, &BTreeMap::new()).is_err());
    }
}
