//! New R&D institutions' annual evaluation (新型研发机构绩效评价, issue 17).
//!
//! An [`InstitutionScheme`] (TOML, `data/schemes/rdi-evaluation-*.toml`) lists dimensions with
//! their shares and indicators with their weights and directions; each indicator is a variable of
//! the institutions' yearly facts or a ratio of two (`numerator` / `denominator` × `scale`); the
//! caller names the variables that exist, so a typo is an error when the scheme loads. Grades
//! (优秀/良好/合格/不合格) are cut points on the total; exit warnings are two parameters: 不合格 in
//! `fail_streak` consecutive years, or a core indicator falling in each of the last
//! `decline_years` years.
//!
//! Scoring is the park evaluation's (see [`crate::park`]): sᵢ = (x − min)/(max − min) over the
//! institutions of the year (reversed for direction −1), dimension = 100·Σ wᵢsᵢ / Σ wᵢ over the
//! indicators the institution has, total = Σ share·dimension / Σ share over its dimensions. An
//! indicator without spread takes no part. Monte Carlo rank intervals use the same setup as the
//! park report ([`crate::report::rank_choices`]).
use crate::aggregate::{self, AggMethod};
use crate::data::Dataset;
use crate::error::{IndexError, Result};
use crate::meta::{IndexMeta, Node};
use crate::normalise::{Normaliser, normalise_column};
use crate::park::Status;
use crate::report::{rank_choices, rank_nominal};
use crate::sensitivity::Uncertainty;
use crate::stats;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A dimension of the scheme.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct InstDimension {
    pub code: String,
    pub name: String,
    pub weight: f64,
    pub weight_status: Status,
}

/// An indicator: `numerator` (/ `denominator`) × `scale`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct InstIndicator {
    pub code: String,
    pub name: String,
    pub dimension: String,
    pub weight: f64,
    pub weight_status: Status,
    #[serde(default = "plus_one")]
    pub direction: f64,
    #[serde(default)]
    pub unit: Option<String>,
    pub numerator: String,
    #[serde(default)]
    pub denominator: Option<String>,
    #[serde(default = "plus_one")]
    pub scale: f64,
    /// A core indicator (watched for decline by the exit warning).
    #[serde(default)]
    pub core: bool,
    #[serde(default)]
    pub note: Option<String>,
}

fn plus_one() -> f64 {
    1.0
}

/// A grade and the lowest total that earns it (inclusive).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Grade {
    pub name: String,
    pub min_total: f64,
}

/// The exit-warning parameters.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct ExitRule {
    /// The failing grade (不合格).
    pub fail_grade: String,
    /// Warn after this many consecutive years with the failing grade.
    pub fail_streak: usize,
    /// Warn when a core indicator fell in each of this many consecutive years.
    pub decline_years: usize,
    pub status: Status,
}

#[derive(Debug, Deserialize)]
struct SchemeFile {
    source: String,
    document: String,
    effective_from: String,
    version: String,
    #[serde(default)]
    status: Option<String>,
    dimension: Vec<InstDimension>,
    indicator: Vec<InstIndicator>,
    grade: Vec<Grade>,
    grades_status: Status,
    exit: ExitRule,
}

/// A loaded, validated institution-evaluation scheme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstitutionScheme {
    pub source: String,
    pub document: String,
    pub effective_from: String,
    pub version: String,
    pub status: Option<String>,
    pub dimensions: Vec<InstDimension>,
    pub indicators: Vec<InstIndicator>,
    /// Best first, each cut point lower than the one before.
    pub grades: Vec<Grade>,
    pub grades_confirmed: bool,
    pub exit: ExitRule,
}

/// One institution's result in one year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstResult {
    pub id: String,
    pub total: Option<f64>,
    pub rank: Option<u32>,
    pub grade: Option<String>,
    pub dimensions: Vec<Option<f64>>,
    pub values: Vec<Option<f64>>,
    pub normalised: Vec<Option<f64>>,
    pub rank_p05: Option<f64>,
    pub rank_p95: Option<f64>,
}

/// A year's evaluation: results in rank order (unranked last) and the medians.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstEvaluation {
    pub year: i32,
    pub results: Vec<InstResult>,
    pub median_normalised: Vec<Option<f64>>,
    pub median_total: Option<f64>,
    pub mc_replications: usize,
}

/// An exit warning with its evidence (in Chinese).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExitWarning {
    pub id: String,
    /// `fail_streak` or `decline`.
    pub kind: String,
    pub evidence: String,
}

fn opt(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

impl InstitutionScheme {
    /// Parses and validates a scheme against the `variables` the facts provide.
    pub fn from_toml_str(text: &str, file: &str, variables: &[&str]) -> Result<Self> {
        let f: SchemeFile =
            toml::from_str(text).map_err(|e| IndexError::from_toml(text, file, e))?;
        let err = |m: String| IndexError::Load {
            file: file.into(),
            line: None,
            msg: m,
        };
        for i in &f.indicator {
            if !f.dimension.iter().any(|d| d.code == i.dimension) {
                return Err(err(format!(
                    "indicator {}: unknown dimension {}",
                    i.code, i.dimension
                )));
            }
            for v in std::iter::once(&i.numerator).chain(&i.denominator) {
                if !variables.contains(&v.as_str()) {
                    return Err(err(format!("indicator {}: unknown variable {v}", i.code)));
                }
            }
            if !(i.weight.is_finite() && i.weight >= 0.0 && i.scale.is_finite()) {
                return Err(err(format!(
                    "indicator {}: weight ≥ 0 and a finite scale",
                    i.code
                )));
            }
        }
        if f.grade.is_empty() || f.grade.windows(2).any(|w| w[0].min_total <= w[1].min_total) {
            return Err(err(
                "grades: at least one, cut points strictly decreasing".into()
            ));
        }
        if !f.grade.iter().any(|g| g.name == f.exit.fail_grade) {
            return Err(err(format!(
                "exit: fail_grade {} is not a grade",
                f.exit.fail_grade
            )));
        }
        if f.exit.fail_streak == 0 || f.exit.decline_years == 0 {
            return Err(err("exit: fail_streak and decline_years ≥ 1".into()));
        }
        let s = InstitutionScheme {
            source: f.source,
            document: f.document,
            effective_from: f.effective_from,
            version: f.version,
            status: f.status,
            dimensions: f.dimension,
            indicators: f.indicator,
            grades: f.grade,
            grades_confirmed: f.grades_status == Status::Confirmed,
            exit: f.exit,
        };
        s.meta().map_err(|e| err(e.to_string()))?;
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
        IndexMeta::new(nodes)
    }

    /// The grade of a total: the first whose cut point it reaches (cut points inclusive).
    pub fn grade_of(&self, total: f64) -> &str {
        self.grades
            .iter()
            .find(|g| total >= g.min_total - 1e-9)
            .unwrap_or_else(|| self.grades.last().expect("at least one grade"))
            .name
            .as_str()
    }

    /// Indicator values (units × indicators) from each unit's variables; a missing variable or a
    /// zero denominator is missing.
    pub fn indicator_values(&self, units: &[(String, BTreeMap<String, f64>)]) -> Result<Dataset> {
        let cols = self
            .indicators
            .iter()
            .map(|i| {
                units
                    .iter()
                    .map(|(_, v)| {
                        let num = v.get(&i.numerator).copied().unwrap_or(f64::NAN);
                        let x = match &i.denominator {
                            Some(d) => match v.get(d).copied() {
                                Some(d) if d != 0.0 => num / d,
                                _ => f64::NAN,
                            },
                            None => num,
                        };
                        x * i.scale
                    })
                    .collect()
            })
            .collect();
        Dataset::from_columns(
            units.iter().map(|u| u.0.clone()).collect(),
            self.indicators.iter().map(|i| i.code.clone()).collect(),
            cols,
        )
    }

    /// Scores, ranks and grades one year's institutions; `mc` Monte Carlo replications of the
    /// ranks (0: none).
    pub fn evaluate(
        &self,
        year: i32,
        values: &Dataset,
        mc: usize,
        seed: u64,
    ) -> Result<InstEvaluation> {
        let meta = self.meta()?;
        let weights = meta.weights(None)?;
        let mut normalised = values.clone();
        let mut spread = Vec::new();
        for (j, ind) in self.indicators.iter().enumerate() {
            let x = values.col(j);
            let ok = stats::count(x) > 1 && stats::max(x) > stats::min(x);
            spread.push(ok);
            if ok {
                normalise_column(
                    x,
                    ind.direction,
                    None,
                    &Normaliser::Goalposts {
                        lo: None,
                        hi: None,
                        scale: 1.0,
                    },
                    normalised.col_mut(j),
                )?;
            } else {
                normalised.col_mut(j).fill(f64::NAN);
            }
        }
        let mut scaled = normalised.clone();
        scaled.values.iter_mut().for_each(|v| *v *= 100.0);
        let agg = aggregate::aggregate(&scaled, &meta, &weights, AggMethod::Arithmetic, 0.0)?;
        let mut codes: Vec<String> = self.dimensions.iter().map(|d| d.code.clone()).collect();
        codes.push("Total".into());
        let scores = agg.select_cols(&codes)?;
        let total = scores.column("Total").expect("Total").to_vec();
        let rank = stats::rank_desc_min(&total);
        let n_dim = self.dimensions.len();
        let codes_mc: Vec<String> = self
            .indicators
            .iter()
            .zip(&spread)
            .filter(|(_, s)| **s)
            .map(|(i, _)| i.code.clone())
            .collect();
        let ranked: Vec<usize> = (0..values.n_rows())
            .filter(|&i| total[i].is_finite())
            .collect();
        let mc_res = if mc > 0 && ranked.len() > 1 && !codes_mc.is_empty() {
            let sub = values.select_rows(&ranked).select_cols(&codes_mc)?;
            let sub_meta = meta.restrict(&codes_mc)?;
            let u = Uncertainty::new(
                &sub_meta,
                &sub,
                rank_nominal(sub_meta.weights(None)?, "Total"),
                rank_choices(),
                seed,
            )?;
            Some(u.monte_carlo(mc, 2))
        } else {
            None
        };
        let mut results: Vec<InstResult> = (0..values.n_rows())
            .map(|i| {
                let r = ranked.iter().position(|&k| k == i);
                let t = opt(total[i]);
                InstResult {
                    id: values.units[i].clone(),
                    total: t,
                    rank: t.map(|_| rank[i]),
                    grade: t.map(|t| self.grade_of(t).to_string()),
                    dimensions: (0..n_dim).map(|k| opt(scores.get(i, k))).collect(),
                    values: (0..self.indicators.len())
                        .map(|j| opt(values.get(i, j)))
                        .collect(),
                    normalised: (0..self.indicators.len())
                        .map(|j| opt(normalised.get(i, j)))
                        .collect(),
                    rank_p05: mc_res.as_ref().zip(r).map(|(m, r)| m.q05_rank[r]),
                    rank_p95: mc_res.as_ref().zip(r).map(|(m, r)| m.q95_rank[r]),
                }
            })
            .collect();
        results.sort_by(|a, b| {
            (a.rank.unwrap_or(u32::MAX), &a.id).cmp(&(b.rank.unwrap_or(u32::MAX), &b.id))
        });
        Ok(InstEvaluation {
            year,
            median_normalised: (0..self.indicators.len())
                .map(|j| opt(stats::median(normalised.col(j))))
                .collect(),
            median_total: opt(stats::median(&total)),
            results,
            mc_replications: mc_res.map_or(0, |m| m.replications),
        })
    }

    /// Exit warnings of `year`'s institutions from the evaluations of every year up to it (any
    /// order): 不合格 in the last `fail_streak` years, or a core indicator's value lower than the
    /// year before in each of the last `decline_years` years.
    pub fn exit_warnings(&self, year: i32, history: &[InstEvaluation]) -> Vec<ExitWarning> {
        let by_year: BTreeMap<i32, BTreeMap<&str, &InstResult>> = history
            .iter()
            .map(|e| {
                (
                    e.year,
                    e.results.iter().map(|r| (r.id.as_str(), r)).collect(),
                )
            })
            .collect();
        let Some(now) = by_year.get(&year) else {
            return vec![];
        };
        let mut out = Vec::new();
        for id in now.keys() {
            let at = |y: i32| by_year.get(&y).and_then(|m| m.get(id)).copied();
            let streak: Vec<i32> = (0..self.exit.fail_streak as i32)
                .map(|k| year - k)
                .collect();
            if streak.iter().all(|&y| {
                at(y).and_then(|r| r.grade.as_deref()) == Some(self.exit.fail_grade.as_str())
            }) {
                let years: Vec<String> = streak.iter().rev().map(|y| format!("{y}年")).collect();
                out.push(ExitWarning {
                    id: id.to_string(),
                    kind: "fail_streak".into(),
                    evidence: format!(
                        "连续{}年评为「{}」：{}",
                        streak.len(),
                        self.exit.fail_grade,
                        years.join("、")
                    ),
                });
            }
            for (j, ind) in self.indicators.iter().enumerate().filter(|(_, i)| i.core) {
                let n = self.exit.decline_years as i32;
                let series: Vec<Option<f64>> = (0..=n)
                    .map(|k| at(year - n + k).and_then(|r| r.values[j]))
                    .collect();
                let falling = series.windows(2).all(|w| match (w[0], w[1]) {
                    (Some(a), Some(b)) => {
                        if ind.direction >= 0.0 {
                            b < a
                        } else {
                            b > a
                        }
                    }
                    _ => false,
                });
                if falling {
                    let vals: Vec<String> = series
                        .iter()
                        .enumerate()
                        .map(|(k, v)| {
                            let v = v.unwrap_or(f64::NAN);
                            let t = match ind.unit.as_deref() {
                                Some(u) => gaoxin_model::present::value(v, u),
                                None => fmt(v),
                            };
                            format!("{}年 {t}", year - n + k as i32)
                        })
                        .collect();
                    out.push(ExitWarning {
                        id: id.to_string(),
                        kind: "decline".into(),
                        evidence: format!(
                            "核心指标「{}」连续{}年下降：{}",
                            ind.name,
                            n,
                            vals.join(" → ")
                        ),
                    });
                }
            }
        }
        out
    }
}

fn fmt(x: f64) -> String {
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEME: &str = r#"
source = "test"
document = "test"
effective_from = "2024-01-01"
version = "t1"
grades_status = "UNCONFIRMED"

[[dimension]]
code = "D1"
name = "创新投入"
weight = 0.6
weight_status = "UNCONFIRMED"

[[dimension]]
code = "D2"
name = "产出"
weight = 0.4
weight_status = "UNCONFIRMED"

[[indicator]]
code = "a"
name = "研发强度"
dimension = "D1"
weight = 1.0
weight_status = "UNCONFIRMED"
numerator = "rd"
denominator = "rev"
core = true

[[indicator]]
code = "b"
name = "依赖度"
dimension = "D1"
weight = 1.0
weight_status = "UNCONFIRMED"
direction = -1
numerator = "gov"

[[indicator]]
code = "c"
name = "孵化"
dimension = "D2"
weight = 1.0
weight_status = "UNCONFIRMED"
numerator = "inc"

[[grade]]
name = "优秀"
min_total = 60

[[grade]]
name = "良好"
min_total = 45

[[grade]]
name = "合格"
min_total = 41

[[grade]]
name = "不合格"
min_total = -1

[exit]
fail_grade = "不合格"
fail_streak = 2
decline_years = 2
status = "UNCONFIRMED"
"#;

    fn unit(id: &str, rd: f64, rev: f64, gov: f64, inc: f64) -> (String, BTreeMap<String, f64>) {
        let m = [("rd", rd), ("rev", rev), ("gov", gov), ("inc", inc)]
            .into_iter()
            .filter(|(_, v)| v.is_finite())
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        (id.to_string(), m)
    }

    fn scheme() -> InstitutionScheme {
        InstitutionScheme::from_toml_str(SCHEME, "t.toml", &["rd", "rev", "gov", "inc"]).unwrap()
    }

    /// By hand: a = rd/rev: X 10, Y 20, Z 30 → s 0, 0.5, 1. b (direction −1): gov 5, 1, 3 →
    /// s = (5 − x)/4: 0, 1, 0.5. c: inc 100, 0, 50 → 1, 0, 0.5. D1 = 100·(sa + sb)/2: X 0, Y 75,
    /// Z 75. D2 = 100·sc: X 100, Y 0, Z 50. Total = 0.6·D1 + 0.4·D2: X 40, Y 45, Z 65. Grades
    /// (cut points 60 / 45 / 41, inclusive): X 不合格, Y 良好 (exactly on 45), Z 优秀.
    #[test]
    fn reproduces_a_hand_computed_example() {
        let s = scheme();
        let v = s
            .indicator_values(&[
                unit("X", 100.0, 10.0, 5.0, 100.0),
                unit("Y", 200.0, 10.0, 1.0, 0.0),
                unit("Z", 300.0, 10.0, 3.0, 50.0),
            ])
            .unwrap();
        let e = s.evaluate(2024, &v, 200, 7).unwrap();
        let r: BTreeMap<&str, &InstResult> = e.results.iter().map(|r| (r.id.as_str(), r)).collect();
        let close = |a: Option<f64>, b: f64| assert!((a.unwrap() - b).abs() < 1e-9, "{a:?} vs {b}");
        close(r["X"].total, 40.0);
        close(r["Y"].total, 45.0);
        close(r["Z"].total, 65.0);
        close(r["Y"].dimensions[0], 75.0);
        close(r["Z"].dimensions[1], 50.0);
        close(r["Y"].normalised[1], 1.0);
        assert_eq!(r["X"].grade.as_deref(), Some("不合格"));
        assert_eq!(r["Y"].grade.as_deref(), Some("良好"));
        assert_eq!(r["Z"].grade.as_deref(), Some("优秀"));
        assert_eq!(
            e.results.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ["Z", "Y", "X"]
        );
        assert_eq!(e.mc_replications, 200);
        let (lo, hi) = (r["Z"].rank_p05.unwrap(), r["Z"].rank_p95.unwrap());
        assert!(lo >= 1.0 && hi <= 3.0 && lo <= hi);
        close(e.median_total, 45.0);
    }

    /// A missing fact is missing, not zero: Y without revenue has no `a`, and D1 rests on `b`.
    #[test]
    fn a_missing_fact_is_not_zero() {
        let s = scheme();
        let v = s
            .indicator_values(&[
                unit("X", 100.0, 10.0, 5.0, 100.0),
                unit("Y", 200.0, f64::NAN, 1.0, 0.0),
                unit("Z", 300.0, 10.0, 3.0, 50.0),
            ])
            .unwrap();
        let e = s.evaluate(2024, &v, 0, 7).unwrap();
        let y = e.results.iter().find(|r| r.id == "Y").unwrap();
        assert_eq!(y.values[0], None);
        assert!(
            (y.dimensions[0].unwrap() - 100.0).abs() < 1e-9,
            "D1 = sb = 1"
        );
    }

    #[test]
    fn exit_warnings_name_their_evidence() {
        let s = scheme();
        // X fails 2023 and 2024; Z's a falls 2022 → 2023 → 2024 (30, 25, 20 over rev 10)
        let years = [(2022, 300.0), (2023, 250.0), (2024, 200.0)];
        let hist: Vec<InstEvaluation> = years
            .iter()
            .map(|&(y, zrd)| {
                let v = s
                    .indicator_values(&[
                        unit("X", 10.0, 10.0, 5.0, 0.0),
                        unit("Y", 150.0, 10.0, 1.0, 100.0),
                        unit("Z", zrd, 10.0, 3.0, 50.0),
                    ])
                    .unwrap();
                s.evaluate(y, &v, 0, 1).unwrap()
            })
            .collect();
        let w = s.exit_warnings(2024, &hist);
        let x: Vec<_> = w.iter().filter(|w| w.id == "X").collect();
        assert_eq!(x.len(), 1, "{w:?}");
        assert_eq!(x[0].kind, "fail_streak");
        assert!(
            x[0].evidence.contains("2023年、2024年"),
            "{}",
            x[0].evidence
        );
        let z: Vec<_> = w.iter().filter(|w| w.id == "Z").collect();
        assert_eq!(z.len(), 1, "{w:?}");
        assert_eq!(
            z[0].evidence,
            "核心指标「研发强度」连续2年下降：2022年 30 → 2023年 25 → 2024年 20"
        );
        // only one year of history: no warning
        assert!(
            s.exit_warnings(2022, &hist)
                .iter()
                .all(|w| w.kind != "decline")
        );
    }

    #[test]
    fn scheme_errors() {
        let e =
            InstitutionScheme::from_toml_str(SCHEME, "t.toml", &["rd", "rev", "gov"]).unwrap_err();
        assert!(e.to_string().contains("unknown variable inc"), "{e}");
        let bad = SCHEME.replace("min_total = 41", "min_total = 50");
        assert!(
            InstitutionScheme::from_toml_str(&bad, "t.toml", &["rd", "rev", "gov", "inc"]).is_err()
        );
    }
}
