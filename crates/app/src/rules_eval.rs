//! The rules engine as the platform runs it (梯度培育 and 政策): read the rule files, load the
//! panel from the store (with the caller's scope), call the pure engine (`gaoxin_rules`), store
//! versioned runs with one row per firm × rule (the .xlsx exports: [`crate::rules_workbook`]). The CLI
//! (`gaoxin evaluate | explain | ladder | policies`) and the web pages call these same functions,
//! so both always show the same numbers.
//!
//! Rule files are found by [`crate::data_files::RULES`]: `$GAOXIN_RULES`, else `data/rules` in the
//! working directory, else the files shipped with the binary: an analyst adds a policy by writing a
//! file, without a rebuild. A run records every rule file's id, version and content hash and the
//! panel's hash ([`gaoxin_rules::RunRecord`]), so a stored year can be re-evaluated and compared.
//!
//! The funnel covers the consecutive years up to the run's year whose compiled plan has the same
//! rungs as the run's year (a rung's rule file not yet in force makes earlier years incomparable);
//! a firm counts in a year only when it has facts for that year.
use crate::data_files::{self, Source};
use crate::evaluation::EvalError;
use crate::runs::{RunKind, decode_summary, new_id, now};
use gaoxin_model::{Enterprise, Facts, Year, Zone};
use gaoxin_rules::batch::{BatchResult, evaluate};
use gaoxin_rules::file::RuleKind;
use gaoxin_rules::ladder::{Basis, Record};
use gaoxin_rules::plan::{EvalOptions, Finding, Plan, Verdict, compile_for_run};
use gaoxin_rules::{CheckReport, LoadError, Panel, RuleFile, default_as_of, ladder};
use gaoxin_store::{RuleResultRow, RunRecord, Scope, Store};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

pub use crate::rules_workbook::{Lists, workbook};

/// Run kind in the `runs` table.
pub const KIND_RULES: &str = RunKind::Rules.as_str();

/// Reads every rule file (from where [`data_files::RULES`] says); load errors come back with file
/// and line.
pub fn load_rules() -> Result<Vec<RuleFile>, EvalError> {
    read_rules(&data_files::RULES.source()).map_err(|es| {
        EvalError::Engine(
            es.iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("；"),
        )
    })
}

/// Every rule file of `source`: a configured directory as a whole, or the shipped files.
pub fn read_rules(source: &Source) -> Result<Vec<RuleFile>, Vec<LoadError>> {
    match source {
        Source::Dir(d) => gaoxin_rules::load_dir(d),
        Source::Shipped => {
            let mut files = Vec::new();
            let mut errors = Vec::new();
            for f in data_files::RULES.shipped() {
                match gaoxin_rules::file::parse_file(&f.path, &f.text) {
                    Ok(r) => files.push(r),
                    Err(e) => errors.push(e),
                }
            }
            if errors.is_empty() {
                Ok(files)
            } else {
                Err(errors)
            }
        }
    }
}

/// `gaoxin rules check` without file arguments: every rule file, validated together, with their
/// own test cases run; a directory that cannot be read or a file that does not load is reported.
pub fn check_rules() -> CheckReport {
    match read_rules(&data_files::RULES.source()) {
        Ok(files) => gaoxin_rules::check(&files),
        Err(errors) => CheckReport {
            files: 0,
            errors,
            cases: Vec::new(),
        },
    }
}

/// The plan for fiscal `year` (files not in force that day are left out, with the reason).
pub fn plan_for(files: &[RuleFile], year: i32) -> (Plan, Vec<String>) {
    let (plan, skipped) = compile_for_run(files, default_as_of(year));
    (plan, skipped.iter().map(|e| e.to_string()).collect())
}

/// One firm evaluated on its own, from the current rule files (the firm's 梯度 page and
/// `gaoxin explain`): the plan of `year`, the firm's one-row panel, the options, its position on
/// the ladder. Explanations of each rule come from [`gaoxin_rules::explain`] on `plan` and `panel`
/// (row 0).
pub struct FirmRules {
    pub year: i32,
    pub plan: Plan,
    /// Rule files not in force that year, with the reason.
    pub skipped: Vec<String>,
    pub panel: Panel,
    pub opts: EvalOptions,
    pub position: ladder::LadderPosition,
}

/// Evaluates one firm (`facts`: its years) for fiscal `year` with the default options.
pub fn evaluate_firm(
    files: &[RuleFile],
    e: &Enterprise,
    facts: &[Facts],
    year: i32,
) -> Result<FirmRules, EvalError> {
    let (plan, skipped) = plan_for(files, year);
    let panel = Panel::from_model(std::slice::from_ref(e), facts)
        .map_err(|err| EvalError::Engine(err.to_string()))?;
    let opts = EvalOptions::default();
    let batch = gaoxin_rules::batch::evaluate_with(&plan, &panel, year, &opts, 1);
    let position = ladder::positions(&plan, &panel, &batch)
        .into_iter()
        .next()
        .ok_or_else(|| EvalError::Engine("企业没有梯度位置".into()))?;
    Ok(FirmRules {
        year,
        plan,
        skipped,
        panel,
        opts,
        position,
    })
}

/// What the pages need to know about a rule of a run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RuleInfo {
    pub id: String,
    pub name: String,
    pub label: String,
    /// `qualification`, `label`, `policy`.
    pub kind: String,
    pub rung: Option<u8>,
    pub document: String,
    pub version: String,
    pub unconfirmed: bool,
    pub has_award: bool,
    pub award_zh: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RungInfo {
    pub level: u8,
    pub label: String,
    pub rule: Option<String>,
    pub note: Option<String>,
}

/// Counts of one rule in one park by [`Finding`]: pass / fail / depends on the expert-score
/// assumption / unknown (each firm in exactly one), and for a rung rule how many firms a record
/// shows on the rung (已认定, whatever the rule's verdict).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ParkCount {
    pub rule: String,
    pub park: String,
    pub pass: usize,
    pub fail: usize,
    #[serde(default)]
    pub depends: usize,
    pub unknown: usize,
    #[serde(default)]
    pub recognised: usize,
}

impl ParkCount {
    /// The count of one finding.
    pub fn of(&self, f: Finding) -> usize {
        match f {
            Finding::Pass => self.pass,
            Finding::Fail => self.fail,
            Finding::Depends => self.depends,
            Finding::Unknown => self.unknown,
        }
    }
}

/// Firms at each rung of one park in one year (index = level): the current rung is the
/// recognised one (已认定, from records), and where the zone has no record for a rung, the rule's
/// verdict (按条件测算); `by_rules` counts the latter.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FunnelRow {
    pub year: i32,
    pub park: String,
    pub counts: Vec<usize>,
    /// Of `counts`, the firms placed by the rules because no record exists (index = level).
    #[serde(default)]
    pub by_rules: Vec<usize>,
    /// Of `counts`, the firms whose rung depends on the expert-score assumption (a rung without
    /// a record whose verdict the other assumption would turn; index = level).
    #[serde(default)]
    pub depends: Vec<usize>,
}

impl FunnelRow {
    /// Firms on `level` by a record (已认定).
    pub fn by_record(&self, level: usize) -> usize {
        self.counts.get(level).copied().unwrap_or(0)
            - self.by_rules.get(level).copied().unwrap_or(0)
    }
}

/// Firms at `level` in `from_year` (present the next year too) and how many stood higher a year later.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ConversionRow {
    pub from_year: i32,
    pub park: String,
    pub level: u8,
    pub firms: usize,
    pub moved_up: usize,
}

/// Median length in years of the spells firms spent on a rung (completed or not) over the funnel years.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MedianRow {
    pub park: String,
    pub level: u8,
    pub spells: usize,
    pub median_years: f64,
}

/// Budget of one policy in one park.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BudgetRow {
    pub rule: String,
    pub park: String,
    pub firms: usize,
    pub total_fen: i64,
    pub amount_unknown: usize,
    pub undecided: usize,
    /// Firms whose eligibility depends on the expert-score assumption (not in `firms`).
    #[serde(default)]
    pub depends: usize,
}

/// The stored result of a rules run (JSON in `runs.summary`); per-firm rows are in `rule_results`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RulesSummary {
    pub record: gaoxin_rules::RunRecord,
    /// Rule files not applied this year, with the reason.
    pub skipped: Vec<String>,
    pub rules: Vec<RuleInfo>,
    pub rungs: Vec<RungInfo>,
    pub counts: Vec<ParkCount>,
    pub funnel_years: Vec<i32>,
    pub funnel: Vec<FunnelRow>,
    pub conversions: Vec<ConversionRow>,
    pub medians: Vec<MedianRow>,
    pub budgets: Vec<BudgetRow>,
}

impl RulesSummary {
    pub fn rule(&self, id: &str) -> Option<&RuleInfo> {
        self.rules.iter().find(|r| r.id == id)
    }
    pub fn policies(&self) -> impl Iterator<Item = &RuleInfo> {
        self.rules.iter().filter(|r| r.has_award)
    }
    pub fn rung_label(&self, level: i32) -> String {
        self.rungs
            .iter()
            .find(|r| r.level as i32 == level)
            .map(|r| r.label.clone())
            .unwrap_or_else(|| "未入梯".into())
    }
}

/// The finding of a stored row: its verdict, or 取决于假设 when the other expert-score
/// assumption would change it ([`Finding`]).
pub fn finding(r: &RuleResultRow) -> Finding {
    Finding::of_key(&r.verdict, r.assumption_dependent)
}

/// The Chinese label of a stored row's finding ([`Finding::zh`], the one wording everywhere).
pub fn finding_zh(r: &RuleResultRow) -> &'static str {
    finding(r).zh()
}

/// A firm's current rung as shown in lists: the rung and where it comes from
/// (「高新技术企业（已认定）」, 「科技型中小企业（按条件测算）」, 「未入梯」).
pub fn level_zh(s: &RulesSummary, r: &RuleResultRow) -> String {
    let label = s.rung_label(r.level);
    match Basis::parse(&r.level_basis) {
        Some(b) if r.level > 0 => format!("{label}（{}）", b.zh()),
        _ => label,
    }
}

/// What the record of a row's rung says (「已认定」 …), empty for rules off the ladder.
pub fn record_zh(s: &RulesSummary, r: &RuleResultRow) -> &'static str {
    if s.rule(&r.rule).is_some_and(|x| x.rung.is_some()) {
        Record::parse(&r.record).zh()
    } else {
        ""
    }
}

/// The nearest-to-qualify list of rung rule `rule` from a run's rows: the firms whose next rung
/// it is (above their current rung), split into those with a known distance, nearest first (a
/// firm meeting the conditions without a record at distance 0), and those whose verdict is unknown
/// (缺数据，无法测算), which have no distance, by credit code. `desc` reverses the first list.
pub fn nearest_rows<'a>(
    s: &RulesSummary,
    rows: &'a [RuleResultRow],
    rule: &str,
    desc: bool,
) -> (Vec<&'a RuleResultRow>, Vec<&'a RuleResultRow>) {
    let Some(level) = s
        .rungs
        .iter()
        .find(|g| g.rule.as_deref() == Some(rule))
        .map(|g| g.level as i32)
    else {
        return (Vec::new(), Vec::new());
    };
    let next_is = |r: &RuleResultRow| {
        s.rungs
            .iter()
            .find(|g| g.level as i32 > r.level)
            .map(|g| g.level as i32)
            == Some(level)
    };
    let mine: Vec<&RuleResultRow> = rows
        .iter()
        .filter(|r| r.rule == rule && next_is(r))
        .collect();
    let (mut known, mut unknown): (Vec<_>, Vec<_>) = mine
        .into_iter()
        .partition(|r| r.verdict != "unknown" && r.distance.is_some());
    known.sort_by(|a, b| {
        let o = a
            .distance
            .unwrap_or(f64::MAX)
            .total_cmp(&b.distance.unwrap_or(f64::MAX));
        (if desc { o.reverse() } else { o }).then(a.uscc.cmp(&b.uscc))
    });
    unknown.sort_by(|a, b| a.uscc.cmp(&b.uscc));
    (known, unknown)
}

fn kind_key(k: RuleKind) -> &'static str {
    match k {
        RuleKind::Qualification => "qualification",
        RuleKind::Label => "label",
        RuleKind::Policy => "policy",
    }
}

pub fn rule_infos(plan: &Plan) -> Vec<RuleInfo> {
    plan.rules
        .iter()
        .map(|r| RuleInfo {
            id: r.id.clone(),
            name: r.name.clone(),
            label: r.label.clone(),
            kind: kind_key(r.kind).into(),
            rung: r.rung,
            document: r.document.clone(),
            version: r.version.clone(),
            unconfirmed: r.status == gaoxin_rules::Status::Unconfirmed,
            has_award: r.award.is_some(),
            award_zh: r.award.as_ref().map(|a| a.zh.clone()),
        })
        .collect()
}

fn rung_infos(plan: &Plan) -> Vec<RungInfo> {
    ladder::rungs(plan)
        .into_iter()
        .map(|r| RungInfo {
            level: r.level,
            label: r.label,
            rule: r.rule,
            note: r.note,
        })
        .collect()
}

/// Everything one evaluation computed, before it is stored.
pub struct Evaluated {
    pub summary: RulesSummary,
    pub rows: Vec<RuleResultRow>,
}

/// Evaluates `year` (and the funnel's earlier years) over a panel built from `es`/`fs`. Pure: no
/// store, so the tests and the CLI can reproduce a stored run from the same inputs.
pub fn evaluate_panel(
    files: &[RuleFile],
    es: &[Enterprise],
    fs: &[Facts],
    year: i32,
) -> Result<Evaluated, EvalError> {
    let panel = Panel::from_model(es, fs).map_err(EvalError::Engine)?;
    let mut present: BTreeMap<i32, HashSet<&str>> = BTreeMap::new();
    for f in fs {
        present
            .entry(f.year.get())
            .or_default()
            .insert(f.uscc.as_str());
    }
    if !present.contains_key(&year) {
        return Err(EvalError::NoData(format!(
            "{year} 年没有企业数据，无法评估"
        )));
    }
    let opts = EvalOptions::default();
    let (plan, skipped) = plan_for(files, year);
    let batch = evaluate(&plan, &panel, year, &opts);
    let record = gaoxin_rules::RunRecord::new(files, &plan, &panel, &batch);
    let rungs = rung_infos(&plan);
    let rung_ids: Vec<Option<String>> = rungs.iter().map(|r| r.rule.clone()).collect();
    let here = |y: i32, row: usize| {
        present
            .get(&y)
            .is_some_and(|s| s.contains(panel.uscc[row].as_str()))
    };

    // Funnel years: consecutive years back from `year` with the same rungs.
    let mut years: Vec<(i32, Plan, BatchResult)> = Vec::new();
    let mut y = year - 1;
    while present.contains_key(&y) {
        let (p, _) = plan_for(files, y);
        let ids: Vec<Option<String>> = ladder::rungs(&p).into_iter().map(|r| r.rule).collect();
        if ids != rung_ids {
            break;
        }
        let b = evaluate(&p, &panel, y, &opts);
        years.push((y, p, b));
        y -= 1;
    }
    years.reverse();
    // Current rungs: recognised by a record, else (no record for the rung) by the rules.
    let rec_now = ladder::recorded(&plan, &panel, year);
    let pos_now = ladder::positions_with(&plan, &batch, &rec_now);
    let levels_now: Vec<u8> = pos_now.iter().map(|p| p.level).collect();
    // per firm: (placed by the rules, rung depends on the assumption)
    let by_rules = |pos: &[ladder::LadderPosition]| -> Vec<(bool, bool)> {
        pos.iter()
            .map(|p| (p.basis == Some(Basis::Rules), p.assumption_dependent))
            .collect()
    };
    let mut levels: Vec<(i32, Vec<u8>)> = Vec::new();
    let mut fallback: Vec<Vec<(bool, bool)>> = Vec::new();
    for (y, p, b) in &years {
        let pos = ladder::positions(p, &panel, b);
        levels.push((*y, pos.iter().map(|x| x.level).collect()));
        fallback.push(by_rules(&pos));
    }
    levels.push((year, levels_now.clone()));
    fallback.push(by_rules(&pos_now));
    let park_of = |row: usize| panel.parks[panel.park[row] as usize].clone();
    let nl = rungs.iter().map(|r| r.level as usize).max().unwrap_or(0) + 1;
    let mut funnel: BTreeMap<(i32, String), [Vec<usize>; 3]> = BTreeMap::new();
    for ((y, lv), fb) in levels.iter().zip(&fallback) {
        for (row, l) in lv.iter().enumerate() {
            if here(*y, row) {
                let e = funnel
                    .entry((*y, park_of(row)))
                    .or_insert_with(|| [vec![0; nl], vec![0; nl], vec![0; nl]]);
                e[0][*l as usize] += 1;
                e[1][*l as usize] += fb[row].0 as usize;
                e[2][*l as usize] += fb[row].1 as usize;
            }
        }
    }
    let mut conv: BTreeMap<(i32, String, u8), (usize, usize)> = BTreeMap::new();
    for k in 0..levels.len().saturating_sub(1) {
        let (y0, a) = &levels[k];
        let (y1, b) = &levels[k + 1];
        for row in 0..a.len() {
            if here(*y0, row) && here(*y1, row) {
                let e = conv.entry((*y0, park_of(row), a[row])).or_default();
                e.0 += 1;
                if b[row] > a[row] {
                    e.1 += 1;
                }
            }
        }
    }
    let mut spells: BTreeMap<(String, u8), Vec<usize>> = BTreeMap::new();
    for row in 0..panel.len() {
        let mut k = 0;
        while k < levels.len() {
            if !here(levels[k].0, row) {
                k += 1;
                continue;
            }
            let lv = levels[k].1[row];
            let mut j = k;
            while j < levels.len() && here(levels[j].0, row) && levels[j].1[row] == lv {
                j += 1;
            }
            if lv > 0 {
                spells.entry((park_of(row), lv)).or_default().push(j - k);
            }
            k = j;
        }
    }

    // Per-firm rows of the run's year.
    let mut rows = Vec::with_capacity(panel.len() * plan.rules.len());
    let mut counts: BTreeMap<(String, String), [usize; 5]> = BTreeMap::new();
    let mut budgets: BTreeMap<(String, String), BudgetRow> = BTreeMap::new();
    for rp in &plan.rules {
        let r = batch
            .rule(&rp.id)
            .expect("every rule of the plan is evaluated");
        let mut dist: Vec<Option<f64>> = r
            .distance
            .iter()
            .map(|d| (!d.is_nan()).then_some(*d as f64))
            .collect();
        if dist
            .iter()
            .enumerate()
            .any(|(i, d)| d.is_none() && r.verdict[i] != Verdict::Pass)
        {
            for n in ladder::nearest(&plan, &panel, &batch, &rp.id, usize::MAX) {
                dist[n.row] = Some(n.distance as f64);
            }
        }
        let lists = ladder::grant_lists(&plan, &panel, &batch, &rp.id);
        let mut supply: BTreeMap<usize, String> = BTreeMap::new();
        for e in &lists.fast_track {
            supply.insert(
                e.row,
                e.supply
                    .iter()
                    .map(|s| format!("{}（{}年，{}）", s.zh, s.year, s.provenance.zh()))
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
        }
        let record = rec_now.iter().find(|x| x.rule == rp.id);
        for row in 0..panel.len() {
            if !here(year, row) {
                continue;
            }
            let park = park_of(row);
            let v = r.verdict[row];
            let dependent = r.assumption_dependent[row];
            let rec = record.map(|x| x.record[row]).unwrap_or(Record::NoRecord);
            let c = counts.entry((rp.id.clone(), park.clone())).or_default();
            c[Finding::of(v, dependent) as usize] += 1;
            if rec == Record::Recognised {
                c[4] += 1;
            }
            if rp.award.is_some() {
                let b = budgets
                    .entry((rp.id.clone(), park.clone()))
                    .or_insert_with(|| BudgetRow {
                        rule: rp.id.clone(),
                        park: park.clone(),
                        firms: 0,
                        total_fen: 0,
                        amount_unknown: 0,
                        undecided: 0,
                        depends: 0,
                    });
                match (v, r.award_at(row)) {
                    _ if dependent && v != Verdict::Unknown => b.depends += 1,
                    (Verdict::Pass, Some(a)) => {
                        b.firms += 1;
                        b.total_fen += a;
                    }
                    (Verdict::Pass, None) => {
                        b.firms += 1;
                        b.amount_unknown += 1;
                    }
                    (Verdict::Unknown, _) => b.undecided += 1,
                    _ => {}
                }
            }
            rows.push(RuleResultRow {
                uscc: panel.uscc[row].clone(),
                name: panel.name[row].clone(),
                park,
                rule: rp.id.clone(),
                verdict: v.key().into(),
                level: levels_now[row] as i32,
                amount_fen: if v == Verdict::Pass {
                    r.award_at(row)
                } else {
                    None
                },
                // an unknown verdict has no known distance (the lists keep it apart)
                distance: match v {
                    Verdict::Pass => Some(0.0),
                    Verdict::Fail => dist[row],
                    Verdict::Unknown => None,
                },
                verified: v == Verdict::Pass && r.verified[row],
                assumption_dependent: dependent,
                supply: match supply.remove(&row) {
                    Some(t) if !t.is_empty() => t,
                    // unknown for want of years before the firm was founded
                    _ if v == Verdict::Unknown => format!(
                        "规则所需的年份早于企业成立（{}年），数据无法补齐，需人工核定",
                        panel.founded[row] / 10_000
                    ),
                    _ => String::new(),
                },
                record: if rp.rung.is_some() {
                    rec.key().into()
                } else {
                    String::new()
                },
                level_basis: pos_now[row].basis.map(|b| b.key()).unwrap_or("").into(),
            });
        }
    }
    let summary = RulesSummary {
        record,
        skipped,
        rules: rule_infos(&plan),
        rungs,
        counts: counts
            .into_iter()
            .map(|((rule, park), c)| ParkCount {
                rule,
                park,
                pass: c[Finding::Pass as usize],
                fail: c[Finding::Fail as usize],
                depends: c[Finding::Depends as usize],
                unknown: c[Finding::Unknown as usize],
                recognised: c[4],
            })
            .collect(),
        funnel_years: levels.iter().map(|(y, _)| *y).collect(),
        funnel: funnel
            .into_iter()
            .map(|((year, park), [counts, by_rules, depends])| FunnelRow {
                year,
                park,
                counts,
                by_rules,
                depends,
            })
            .collect(),
        conversions: conv
            .into_iter()
            .map(
                |((from_year, park, level), (firms, moved_up))| ConversionRow {
                    from_year,
                    park,
                    level,
                    firms,
                    moved_up,
                },
            )
            .collect(),
        medians: spells
            .into_iter()
            .map(|((park, level), mut v)| MedianRow {
                park,
                level,
                spells: v.len(),
                median_years: ladder::median(&mut v),
            })
            .collect(),
        budgets: budgets.into_values().collect(),
    };
    Ok(Evaluated { summary, rows })
}

/// Where a rules run is (for progress output).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunProgress {
    /// Reading the zone's panel from the store.
    Loading,
    /// Evaluating every firm × rule.
    Evaluating { firms: usize },
    /// Storing the per-firm results: `done` of `total` rows written.
    Storing { done: usize, total: usize },
}

/// Loads the zone's panel up to `year` (zone data: an administrator's or the CLI's action),
/// evaluates it, stores the run with its per-firm rows and returns it.
pub async fn run_rules(store: &Store, year: Year) -> Result<(RulesSummary, RunRecord), EvalError> {
    run_rules_with(store, year, &mut |_| {}).await
}

/// [`run_rules`], reporting each stage to `progress`.
pub async fn run_rules_with(
    store: &Store,
    year: Year,
    progress: &mut (dyn FnMut(RunProgress) + Send),
) -> Result<(RulesSummary, RunRecord), EvalError> {
    let files = load_rules()?;
    progress(RunProgress::Loading);
    let (es, fs) = store
        .panel(&Scope::Zone, Some((year.back(8), year)))
        .await?;
    let year = year.get();
    progress(RunProgress::Evaluating { firms: es.len() });
    let ev = tokio::task::spawn_blocking(move || evaluate_panel(&files, &es, &fs, year))
        .await
        .map_err(|e| EvalError::Engine(e.to_string()))??;
    let versions = ev
        .summary
        .record
        .rules
        .iter()
        .map(|r| format!("{}@{}#{}", r.id, r.version, r.file_hash))
        .collect::<Vec<_>>()
        .join(",");
    let run = RunRecord {
        id: new_id(RunKind::Rules, year),
        kind: KIND_RULES.into(),
        created_at: now(),
        year: Some(year),
        input_hash: ev.summary.record.input_hash.clone(),
        versions,
        summary: serde_json::to_string(&ev.summary)
            .map_err(|e| EvalError::Engine(e.to_string()))?,
    };
    let total = ev.rows.len();
    progress(RunProgress::Storing { done: 0, total });
    store
        .insert_rules_run_with(&run, &ev.rows, &mut |done| {
            progress(RunProgress::Storing { done, total })
        })
        .await?;
    Ok((ev.summary, run))
}

/// The latest stored rules run of `year` readable in `scope`, with its summary.
pub async fn latest(
    store: &Store,
    scope: &Scope,
    year: i32,
) -> Result<Option<(RulesSummary, RunRecord)>, EvalError> {
    // no run is stored for a number that is no `Year`
    let Ok(year) = Year::new(year) else {
        return Ok(None);
    };
    match store.latest_run(scope, KIND_RULES, year).await? {
        Some(r) => Ok(Some((decode_summary::<RulesSummary>(&r)?, r))),
        None => Ok(None),
    }
}

/// Narrows a summary to one park (what a park administrator may see).
pub fn narrow(s: &RulesSummary, park: &str) -> RulesSummary {
    let mut s = s.clone();
    s.counts.retain(|c| c.park == park);
    s.funnel.retain(|c| c.park == park);
    s.conversions.retain(|c| c.park == park);
    s.medians.retain(|c| c.park == park);
    s.budgets.retain(|c| c.park == park);
    s
}

/// A park's display name.
pub fn park_name(zone: &Zone, id: &str) -> String {
    zone.park(id)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| id.to_string())
}

/// Fen as exact 万元 text (up to six decimals, thousands grouped), never rounded: an award of
/// ¥1,999,999.99 is 199.999999 万元, not 200.00.
pub fn wan(fen: i64) -> String {
    gaoxin_rules::fmt::wan(fen)
        .trim_end_matches("万元")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_rule_files_are_the_workspace_files_and_pass_their_cases() {
        let dir =
            std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/rules"));
        let on_disk = read_rules(&Source::Dir(dir)).unwrap();
        let shipped = read_rules(&Source::Shipped).unwrap();
        let key = |fs: &[RuleFile]| -> Vec<(String, String, String)> {
            fs.iter()
                .map(|f| (f.id.clone(), f.version.clone(), f.text.clone()))
                .collect()
        };
        assert!(!shipped.is_empty());
        assert_eq!(key(&shipped), key(&on_disk));
        assert!(
            shipped[0].path.to_string_lossy().starts_with("(内置) "),
            "{:?}",
            shipped[0].path
        );
        let rep = gaoxin_rules::check(&shipped);
        assert!(rep.ok(), "{}", rep.render_zh());
    }

    #[test]
    fn an_unreadable_configured_directory_is_an_error_not_the_shipped_rules() {
        let missing = std::env::temp_dir().join("gaoxin-no-such-rules-dir");
        let es = read_rules(&Source::Dir(missing.clone())).unwrap_err();
        assert_eq!(es[0].file, missing);
    }
}
