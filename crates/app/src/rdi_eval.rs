//! The institutions' annual evaluation as the platform runs it: the scheme
//! (`data/schemes/rdi-evaluation-*.toml`, see `gaoxin_index::institution`), every year up to the
//! one evaluated scored (for the exit warnings' history), Monte Carlo rank intervals for the year
//! itself, stored as a run (`RunKind::RdiEvaluation`, one row per institution with its park, so a
//! park reads only its own rows) with one `rdi.evaluate` audit event.
use crate::audit::{Who, record};
use crate::data_files;
use crate::rdi::{FACTS, RdiError, fact_value};
use crate::runs::{RunKind, decode_summary, new_id, now};
use gaoxin_index::institution::{ExitRule, Grade, InstEvaluation, InstitutionScheme};
use gaoxin_model::Year;
use gaoxin_store::{Institution, InstitutionYear, RunRecord, Scope, Store};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The scheme file in use.
pub const SCHEME_FILE: &str = "rdi-evaluation-2024.toml";

/// The variables a scheme may use: every fact's key and `total_income` (own revenue + government
/// funding, when both are reported).
pub fn variables() -> Vec<&'static str> {
    FACTS
        .iter()
        .map(|f| f.key)
        .chain(["total_income"])
        .collect()
}

/// The evaluation scheme (from `$GAOXIN_SCHEMES`, `data/schemes` or the shipped copy).
pub fn scheme() -> Result<InstitutionScheme, RdiError> {
    let f = data_files::SCHEMES
        .file(SCHEME_FILE)
        .ok_or_else(|| RdiError::Scheme(format!("找不到评价方案文件 {SCHEME_FILE}")))?;
    InstitutionScheme::from_toml_str(&f.text, &f.path.display().to_string(), &variables())
        .map_err(|e| RdiError::Scheme(e.to_string()))
}

/// An indicator as reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RdiIndicator {
    pub code: String,
    pub name: String,
    pub dimension: String,
    pub unit: Option<String>,
    pub weight: f64,
    pub confirmed: bool,
    pub direction: f64,
    pub core: bool,
}

/// A dimension as reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RdiDimension {
    pub code: String,
    pub name: String,
    pub weight: f64,
    pub confirmed: bool,
}

/// One institution's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RdiRow {
    pub id: String,
    pub name: String,
    pub park: String,
    pub field: String,
    pub synthetic: bool,
    pub total: Option<f64>,
    pub rank: Option<u32>,
    pub grade: Option<String>,
    pub prev_grade: Option<String>,
    pub dimensions: Vec<Option<f64>>,
    pub values: Vec<Option<f64>>,
    pub normalised: Vec<Option<f64>>,
    pub rank_p05: Option<f64>,
    pub rank_p95: Option<f64>,
}

/// An exit warning with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RdiWarning {
    pub id: String,
    pub name: String,
    pub park: String,
    /// `fail_streak` or `decline`.
    pub kind: String,
    pub evidence: String,
}

/// A year's evaluation as stored (the run's summary).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RdiReport {
    pub year: i32,
    pub version: String,
    pub document: String,
    pub status: Option<String>,
    pub grades: Vec<Grade>,
    pub grades_confirmed: bool,
    pub exit: ExitRule,
    pub dimensions: Vec<RdiDimension>,
    pub indicators: Vec<RdiIndicator>,
    /// In rank order (unranked last).
    pub results: Vec<RdiRow>,
    pub warnings: Vec<RdiWarning>,
    /// Zone medians of the normalised indicator values (the radar's reference) and of the total.
    pub median_normalised: Vec<Option<f64>>,
    pub median_total: Option<f64>,
    pub mc_replications: usize,
    /// Institutions evaluated in the zone (a park's view lists only its own rows).
    pub zone_count: usize,
}

/// The scheme's variables of one institution-year.
pub fn variables_of(y: &InstitutionYear) -> BTreeMap<String, f64> {
    let mut m: BTreeMap<String, f64> = FACTS
        .iter()
        .enumerate()
        .filter_map(|(k, f)| Some((f.key.to_string(), fact_value(k, y.values[k])?)))
        .collect();
    if let (Some(a), Some(b)) = (m.get("own_revenue"), m.get("gov_funding")) {
        m.insert("total_income".into(), a + b);
    }
    m
}

/// Evaluates every year of `years` up to `year` (Monte Carlo for `year` only).
fn evaluate_years(
    scheme: &InstitutionScheme,
    years: &[InstitutionYear],
    year: i32,
    mc: usize,
) -> Result<Vec<InstEvaluation>, RdiError> {
    type Units = Vec<(String, BTreeMap<String, f64>)>;
    let mut by_year: BTreeMap<i64, Units> = BTreeMap::new();
    for y in years.iter().filter(|y| y.year <= i64::from(year)) {
        by_year
            .entry(y.year)
            .or_default()
            .push((y.institution_id.clone(), variables_of(y)));
    }
    by_year
        .iter()
        .map(|(&y, units)| {
            let v = scheme
                .indicator_values(units)
                .map_err(|e| RdiError::Scheme(e.to_string()))?;
            let reps = if y == i64::from(year) { mc } else { 0 };
            scheme
                .evaluate(y as i32, &v, reps, 20_240_101 + y as u64)
                .map_err(|e| RdiError::Scheme(e.to_string()))
        })
        .collect()
}

/// The report of `year` from the stored institutions and facts (pure over its inputs).
pub fn report(
    scheme: &InstitutionScheme,
    institutions: &[Institution],
    years: &[InstitutionYear],
    year: i32,
    mc: usize,
) -> Result<RdiReport, RdiError> {
    let history = evaluate_years(scheme, years, year, mc)?;
    let Some(now_eval) = history.iter().find(|e| e.year == year) else {
        return Err(RdiError::Invalid(format!(
            "{year} 年没有新型研发机构的数据，无法评价"
        )));
    };
    let info: BTreeMap<&str, &Institution> =
        institutions.iter().map(|i| (i.id.as_str(), i)).collect();
    let prev: BTreeMap<&str, Option<&str>> = history
        .iter()
        .find(|e| e.year == year - 1)
        .map(|e| {
            e.results
                .iter()
                .map(|r| (r.id.as_str(), r.grade.as_deref()))
                .collect()
        })
        .unwrap_or_default();
    let name = |id: &str| info.get(id).map(|i| i.name.clone()).unwrap_or_default();
    let park = |id: &str| info.get(id).map(|i| i.park.clone()).unwrap_or_default();
    let results = now_eval
        .results
        .iter()
        .map(|r| RdiRow {
            id: r.id.clone(),
            name: name(&r.id),
            park: park(&r.id),
            field: info
                .get(r.id.as_str())
                .map(|i| i.field.clone())
                .unwrap_or_default(),
            synthetic: info.get(r.id.as_str()).is_some_and(|i| i.synthetic),
            total: r.total,
            rank: r.rank,
            grade: r.grade.clone(),
            prev_grade: prev
                .get(r.id.as_str())
                .copied()
                .flatten()
                .map(str::to_string),
            dimensions: r.dimensions.clone(),
            values: r.values.clone(),
            normalised: r.normalised.clone(),
            rank_p05: r.rank_p05,
            rank_p95: r.rank_p95,
        })
        .collect::<Vec<_>>();
    let warnings = scheme
        .exit_warnings(year, &history)
        .into_iter()
        .map(|w| RdiWarning {
            name: name(&w.id),
            park: park(&w.id),
            id: w.id,
            kind: w.kind,
            evidence: w.evidence,
        })
        .collect();
    Ok(RdiReport {
        year,
        version: scheme.version.clone(),
        document: scheme.document.clone(),
        status: scheme.status.clone(),
        grades: scheme.grades.clone(),
        grades_confirmed: scheme.grades_confirmed,
        exit: scheme.exit.clone(),
        dimensions: scheme
            .dimensions
            .iter()
            .map(|d| RdiDimension {
                code: d.code.clone(),
                name: d.name.clone(),
                weight: d.weight,
                confirmed: d.weight_status == gaoxin_index::park::Status::Confirmed,
            })
            .collect(),
        indicators: scheme
            .indicators
            .iter()
            .map(|i| RdiIndicator {
                code: i.code.clone(),
                name: i.name.clone(),
                dimension: i.dimension.clone(),
                unit: i.unit.clone(),
                weight: i.weight,
                confirmed: i.weight_status == gaoxin_index::park::Status::Confirmed,
                direction: i.direction,
                core: i.core,
            })
            .collect(),
        zone_count: results.len(),
        results,
        warnings,
        median_normalised: now_eval.median_normalised.clone(),
        median_total: now_eval.median_total,
        mc_replications: now_eval.mc_replications,
    })
}

/// The years with institutions' facts in `scope`, newest first.
pub async fn years(store: &Store, scope: &Scope) -> Result<Vec<i32>, RdiError> {
    let mut ys: Vec<i32> = store
        .rd_institution_years(scope, None)
        .await?
        .iter()
        .map(|y| y.year as i32)
        .collect();
    ys.sort_unstable_by(|a, b| b.cmp(a));
    ys.dedup();
    Ok(ys)
}

/// Evaluates the zone's institutions for `year` (default: the latest year with facts), stores
/// the run and records `rdi.evaluate`. A zone action (administrators, the CLI, the demo).
pub async fn evaluate(
    store: &Store,
    year: Option<i32>,
    mc: usize,
    who: &Who,
) -> Result<(RdiReport, RunRecord), RdiError> {
    let scheme = scheme()?;
    let institutions = store.rd_institutions(&Scope::Zone).await?;
    let years = store.rd_institution_years(&Scope::Zone, None).await?;
    let year = match year.or_else(|| years.iter().map(|y| y.year as i32).max()) {
        Some(y) => y,
        None => {
            return Err(RdiError::Invalid(
                "还没有新型研发机构的数据，请先导入".into(),
            ));
        }
    };
    let typed = Year::new(year).map_err(|e| RdiError::Invalid(format!("年度：{e}")))?;
    let rep = tokio::task::block_in_place(|| report(&scheme, &institutions, &years, year, mc))?;
    let hash = {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for y in &years {
            h.update(format!("{}|{}|{:?};", y.institution_id, y.year, y.values).as_bytes());
        }
        for i in &institutions {
            h.update(format!("{}|{};", i.id, i.park).as_bytes());
        }
        h.update(scheme.version.as_bytes());
        h.finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let run = RunRecord {
        id: new_id(RunKind::RdiEvaluation, typed),
        kind: RunKind::RdiEvaluation,
        created_at: now(),
        year: Some(typed),
        input_hash: hash,
        versions: serde_json::json!({ "rdi_scheme": scheme.version }).to_string(),
        summary: serde_json::to_string(&rep).map_err(|e| RdiError::Scheme(e.to_string()))?,
    };
    store.insert_run(&run).await?;
    record(
        store,
        who,
        "rdi.evaluate",
        None,
        &run.id,
        serde_json::json!({ "year": year, "institutions": rep.results.len(), "warnings": rep.warnings.len() }),
    )
    .await?;
    Ok((rep, run))
}

/// The latest stored evaluation of `year` (default: the newest year evaluated) as `scope` may
/// read it; `None` when there is none.
pub async fn latest(
    store: &Store,
    scope: &Scope,
    year: Option<i32>,
) -> Result<Option<RdiReport>, RdiError> {
    let year = match year {
        Some(y) => Some(y),
        None => store
            .run_list(scope, RunKind::RdiEvaluation)
            .await?
            .iter()
            .filter_map(|r| r.year.map(|y| y.get()))
            .max(),
    };
    let Some(year) = year else { return Ok(None) };
    let Ok(typed) = Year::new(year) else {
        return Ok(None);
    };
    match store
        .latest_run(scope, RunKind::RdiEvaluation, typed)
        .await?
    {
        Some(r) => Ok(Some(
            decode_summary::<RdiReport>(&r).map_err(|e| RdiError::Scheme(e.to_string()))?,
        )),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_scheme_loads_with_unconfirmed_weights() {
        let s = scheme().unwrap();
        assert!(!s.grades_confirmed);
        assert!(s.indicators.iter().any(|i| i.core));
        assert_eq!(s.grades.len(), 4);
    }
}
