//! The carriers' annual evaluation: the schemes (`data/schemes/carrier-*.toml`, each naming the
//! kinds of carrier it scores — peers are ranked with peers: incubator-like carriers apart from
//! maker spaces), on the indicator engine's institution scoring (`gaoxin_index::institution`),
//! every year up to the one evaluated scored (for the qualification warnings' history), Monte
//! Carlo rank intervals for the year itself, stored as a run (`RunKind::CarrierEvaluation`, one
//! row per carrier with its park, so a park reads only its own rows) with one `carrier.evaluate`
//! audit event.
use crate::audit::{Who, record};
use crate::carrier::{CarrierError, FACTS, fact_value};
use crate::carrier_ladder::{self, Tiers};
use crate::data_files;
use crate::runs::{RunKind, decode_summary, new_id, now};
use gaoxin_index::institution::{ExitRule, Grade, InstEvaluation, InstitutionScheme};
use gaoxin_model::Year;
use gaoxin_store::{Carrier, CarrierFirm, CarrierYear, RunRecord, Scope, Store};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The scheme files in use, one per group of kinds.
pub const SCHEME_FILES: [&str; 2] = [
    "carrier-evaluation-2024.toml",
    "carrier-makerspace-evaluation-2024.toml",
];

/// The variables a scheme may use: every fact's key, the carrier's `area_m2` and
/// `firms_moved_up` (its incubated firms that moved up the ladder by the year).
pub fn variables() -> Vec<&'static str> {
    FACTS
        .iter()
        .map(|f| f.key)
        .chain(["area_m2", "firms_moved_up"])
        .collect()
}

/// A scheme with the group of carriers it scores.
#[derive(Debug, Clone)]
pub struct CarrierScheme {
    /// The group's name (孵化器类载体, 众创空间).
    pub group: String,
    pub kinds: Vec<String>,
    /// Which evaluation structure it follows (shown on the pages).
    pub structure: String,
    pub file: String,
    pub scheme: InstitutionScheme,
}

#[derive(Deserialize)]
struct Head {
    group: String,
    kinds: Vec<String>,
    structure: String,
}

/// Parses one carrier scheme (`text` of the file `file`).
pub fn parse_scheme(text: &str, file: &str) -> Result<CarrierScheme, CarrierError> {
    let head: Head =
        toml::from_str(text).map_err(|e| CarrierError::Scheme(format!("{file}：{e}")))?;
    let scheme = InstitutionScheme::from_toml_str(text, file, &variables())
        .map_err(|e| CarrierError::Scheme(e.to_string()))?;
    Ok(CarrierScheme {
        group: head.group,
        kinds: head.kinds,
        structure: head.structure,
        file: file.to_string(),
        scheme,
    })
}

/// The evaluation schemes (from `$GAOXIN_SCHEMES`, `data/schemes` or the shipped copies); every
/// kind of carrier is scored by exactly one.
pub fn schemes() -> Result<Vec<CarrierScheme>, CarrierError> {
    let mut out = Vec::new();
    for name in SCHEME_FILES {
        let f = data_files::SCHEMES
            .file(name)
            .ok_or_else(|| CarrierError::Scheme(format!("找不到评价方案文件 {name}")))?;
        out.push(parse_scheme(&f.text, &f.path.display().to_string())?);
    }
    for k in crate::carrier::KINDS {
        let n = out
            .iter()
            .filter(|s| s.kinds.iter().any(|x| x == k))
            .count();
        if n != 1 {
            return Err(CarrierError::Scheme(format!(
                "载体类型「{k}」须由且仅由一个评价方案覆盖（现为 {n} 个）"
            )));
        }
    }
    Ok(out)
}

/// An indicator as reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CarrierIndicator {
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
pub struct CarrierDimension {
    pub code: String,
    pub name: String,
    pub weight: f64,
    pub confirmed: bool,
}

/// One group's scheme as reported, with the year's medians over the group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupInfo {
    pub group: String,
    pub kinds: Vec<String>,
    pub structure: String,
    pub version: String,
    pub document: String,
    pub status: Option<String>,
    pub grades: Vec<Grade>,
    pub grades_confirmed: bool,
    pub exit: ExitRule,
    pub dimensions: Vec<CarrierDimension>,
    pub indicators: Vec<CarrierIndicator>,
    pub median_normalised: Vec<Option<f64>>,
    pub median_total: Option<f64>,
    /// Carriers of the group evaluated in the zone.
    pub count: usize,
}

/// One carrier's result (ranked within its group).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CarrierRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub level: String,
    pub park: String,
    pub group: String,
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

/// A qualification warning with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CarrierWarning {
    pub id: String,
    pub name: String,
    pub park: String,
    pub kind: String,
    pub evidence: String,
}

/// A year's evaluation as stored (the run's summary). Top-level arrays of rows carry `park`, so
/// a park's view of the run holds only its own rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CarrierReport {
    pub year: i32,
    pub groups: Vec<GroupInfo>,
    /// Group by group, each in rank order (unranked last).
    pub results: Vec<CarrierRow>,
    pub warnings: Vec<CarrierWarning>,
    pub mc_replications: usize,
    /// Carriers evaluated in the zone.
    pub zone_count: usize,
}

impl CarrierReport {
    /// The group of a row.
    pub fn group_of(&self, row: &CarrierRow) -> Option<&GroupInfo> {
        self.groups.iter().find(|g| g.group == row.group)
    }
}

/// The scheme's variables of one carrier-year; `moved_up`: its firms that moved up by the year
/// (`None` when no linked firm's movement is known).
pub fn variables_of(
    y: &CarrierYear,
    c: Option<&Carrier>,
    moved_up: Option<usize>,
) -> BTreeMap<String, f64> {
    let mut m: BTreeMap<String, f64> = FACTS
        .iter()
        .enumerate()
        .filter_map(|(k, f)| Some((f.key.to_string(), fact_value(k, y.values[k])?)))
        .collect();
    if let Some(a) = c.and_then(|c| c.area_m2).filter(|a| *a > 0) {
        m.insert("area_m2".into(), a as f64);
    }
    if let Some(n) = moved_up {
        m.insert("firms_moved_up".into(), n as f64);
    }
    m
}

/// Incubated firms of each carrier that moved up by `year` (firms entered by then), `None` when
/// the carrier has no firm whose movement is known.
fn moved_up(firms: &[CarrierFirm], tiers: &Tiers, year: i64) -> BTreeMap<String, Option<usize>> {
    let mut by: BTreeMap<&str, Vec<CarrierFirm>> = BTreeMap::new();
    for f in firms {
        if f.link.entry_year.is_some_and(|e| e <= year) {
            by.entry(&f.link.carrier_id).or_default().push(f.clone());
        }
    }
    by.into_iter()
        .map(|(id, fs)| {
            let m = carrier_ladder::movement(&fs, tiers, Some(year));
            (id.to_string(), (m.known > 0).then_some(m.moved_up))
        })
        .collect()
}

/// The inputs of an evaluation, as read from the store.
pub struct Inputs<'a> {
    pub carriers: &'a [Carrier],
    pub years: &'a [CarrierYear],
    pub firms: &'a [CarrierFirm],
    pub tiers: &'a Tiers,
}

/// Evaluates one group's carriers in every year up to `year` (Monte Carlo for `year` only).
fn evaluate_group(
    s: &CarrierScheme,
    inp: &Inputs,
    year: i32,
    mc: usize,
) -> Result<Vec<InstEvaluation>, CarrierError> {
    type Units = Vec<(String, BTreeMap<String, f64>)>;
    let info: BTreeMap<&str, &Carrier> = inp.carriers.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut by_year: BTreeMap<i64, Units> = BTreeMap::new();
    let mut moved: BTreeMap<i64, BTreeMap<String, Option<usize>>> = BTreeMap::new();
    for y in inp.years.iter().filter(|y| y.year <= i64::from(year)) {
        let Some(c) = info.get(y.carrier_id.as_str()) else {
            continue;
        };
        if !s.kinds.contains(&c.kind) {
            continue;
        }
        let m = moved
            .entry(y.year)
            .or_insert_with(|| moved_up(inp.firms, inp.tiers, y.year));
        let up = m.get(&y.carrier_id).copied().flatten();
        by_year
            .entry(y.year)
            .or_default()
            .push((y.carrier_id.clone(), variables_of(y, Some(c), up)));
    }
    by_year
        .iter()
        .map(|(&y, units)| {
            let v = s
                .scheme
                .indicator_values(units)
                .map_err(|e| CarrierError::Scheme(e.to_string()))?;
            let reps = if y == i64::from(year) { mc } else { 0 };
            s.scheme
                .evaluate(y as i32, &v, reps, 20_240_191 + y as u64)
                .map_err(|e| CarrierError::Scheme(e.to_string()))
        })
        .collect()
}

fn group_info(s: &CarrierScheme, e: Option<&InstEvaluation>) -> GroupInfo {
    let sc = &s.scheme;
    let confirmed = |st: &gaoxin_index::park::Status| *st == gaoxin_index::park::Status::Confirmed;
    GroupInfo {
        group: s.group.clone(),
        kinds: s.kinds.clone(),
        structure: s.structure.clone(),
        version: sc.version.clone(),
        document: sc.document.clone(),
        status: sc.status.clone(),
        grades: sc.grades.clone(),
        grades_confirmed: sc.grades_confirmed,
        exit: sc.exit.clone(),
        dimensions: sc
            .dimensions
            .iter()
            .map(|d| CarrierDimension {
                code: d.code.clone(),
                name: d.name.clone(),
                weight: d.weight,
                confirmed: confirmed(&d.weight_status),
            })
            .collect(),
        indicators: sc
            .indicators
            .iter()
            .map(|i| CarrierIndicator {
                code: i.code.clone(),
                name: i.name.clone(),
                dimension: i.dimension.clone(),
                unit: i.unit.clone(),
                weight: i.weight,
                confirmed: confirmed(&i.weight_status),
                direction: i.direction,
                core: i.core,
            })
            .collect(),
        median_normalised: e.map(|e| e.median_normalised.clone()).unwrap_or_default(),
        median_total: e.and_then(|e| e.median_total),
        count: e.map_or(0, |e| e.results.len()),
    }
}

/// The report of `year` (pure over its inputs).
pub fn report(
    schemes: &[CarrierScheme],
    inp: &Inputs,
    year: i32,
    mc: usize,
) -> Result<CarrierReport, CarrierError> {
    let info: BTreeMap<&str, &Carrier> = inp.carriers.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut out = CarrierReport {
        year,
        groups: vec![],
        results: vec![],
        warnings: vec![],
        mc_replications: 0,
        zone_count: 0,
    };
    for s in schemes {
        let history = evaluate_group(s, inp, year, mc)?;
        let now_eval = history.iter().find(|e| e.year == year);
        out.groups.push(group_info(s, now_eval));
        let Some(now_eval) = now_eval else { continue };
        out.mc_replications = out.mc_replications.max(now_eval.mc_replications);
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
        for r in &now_eval.results {
            let c = info.get(r.id.as_str());
            let text = |f: fn(&Carrier) -> &String| c.map(|c| f(c).clone()).unwrap_or_default();
            out.results.push(CarrierRow {
                id: r.id.clone(),
                name: text(|c| &c.name),
                kind: text(|c| &c.kind),
                level: text(|c| &c.level),
                park: text(|c| &c.park),
                group: s.group.clone(),
                synthetic: c.is_some_and(|c| c.synthetic),
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
            });
        }
        for w in s.scheme.exit_warnings(year, &history) {
            let c = info.get(w.id.as_str());
            out.warnings.push(CarrierWarning {
                name: c.map(|c| c.name.clone()).unwrap_or_default(),
                park: c.map(|c| c.park.clone()).unwrap_or_default(),
                id: w.id,
                kind: w.kind,
                evidence: w.evidence,
            });
        }
    }
    if out.results.is_empty() {
        return Err(CarrierError::Invalid(format!(
            "{year} 年没有孵化载体的数据，无法评价"
        )));
    }
    out.zone_count = out.results.len();
    Ok(out)
}

/// The years with carriers' facts in `scope`, newest first.
pub async fn years(store: &Store, scope: &Scope) -> Result<Vec<i32>, CarrierError> {
    let mut ys: Vec<i32> = store
        .carrier_years(scope, None)
        .await?
        .iter()
        .map(|y| y.year as i32)
        .collect();
    ys.sort_unstable_by(|a, b| b.cmp(a));
    ys.dedup();
    Ok(ys)
}

fn input_hash(inp: &Inputs, schemes: &[CarrierScheme]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for y in inp.years {
        h.update(format!("{}|{}|{:?};", y.carrier_id, y.year, y.values).as_bytes());
    }
    for c in inp.carriers {
        h.update(format!("{}|{}|{}|{:?};", c.id, c.park, c.kind, c.area_m2).as_bytes());
    }
    for f in inp.firms {
        h.update(format!("{:?};", f.link).as_bytes());
    }
    for (u, t) in inp.tiers {
        h.update(format!("{u}|{t:?};").as_bytes());
    }
    for s in schemes {
        h.update(s.scheme.version.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Evaluates the zone's carriers for `year` (default: the latest year with facts), stores the
/// run and records `carrier.evaluate`. A zone action (administrators, the CLI, the demo).
pub async fn evaluate(
    store: &Store,
    year: Option<i32>,
    mc: usize,
    who: &Who,
) -> Result<(CarrierReport, RunRecord), CarrierError> {
    let schemes = schemes()?;
    let carriers = store.carriers(&Scope::Zone).await?;
    let years = store.carrier_years(&Scope::Zone, None).await?;
    let firms = store.carrier_firms(&Scope::Zone, None).await?;
    let tiers = carrier_ladder::all_tiers(store, &Scope::Zone, &firms).await?;
    let Some(year) = year.or_else(|| years.iter().map(|y| y.year as i32).max()) else {
        return Err(CarrierError::Invalid(
            "还没有孵化载体的数据，请先导入".into(),
        ));
    };
    let typed = Year::new(year).map_err(|e| CarrierError::Invalid(format!("年度：{e}")))?;
    let inp = Inputs {
        carriers: &carriers,
        years: &years,
        firms: &firms,
        tiers: &tiers,
    };
    let rep = tokio::task::block_in_place(|| report(&schemes, &inp, year, mc))?;
    let versions: BTreeMap<&str, &str> = schemes
        .iter()
        .map(|s| (s.group.as_str(), s.scheme.version.as_str()))
        .collect();
    let run = RunRecord {
        id: new_id(RunKind::CarrierEvaluation, typed),
        kind: RunKind::CarrierEvaluation,
        created_at: now(),
        year: Some(typed),
        input_hash: input_hash(&inp, &schemes),
        versions: serde_json::json!({ "carrier_schemes": versions }).to_string(),
        summary: serde_json::to_string(&rep).map_err(|e| CarrierError::Scheme(e.to_string()))?,
    };
    store.insert_run(&run).await?;
    record(
        store,
        who,
        "carrier.evaluate",
        None,
        &run.id,
        serde_json::json!({ "year": year, "carriers": rep.results.len(), "warnings": rep.warnings.len() }),
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
) -> Result<Option<CarrierReport>, CarrierError> {
    let year = match year {
        Some(y) => Some(y),
        None => store
            .run_list(scope, RunKind::CarrierEvaluation)
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
        .latest_run(scope, RunKind::CarrierEvaluation, typed)
        .await?
    {
        Some(r) => Ok(Some(
            decode_summary::<CarrierReport>(&r).map_err(|e| CarrierError::Scheme(e.to_string()))?,
        )),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests;
