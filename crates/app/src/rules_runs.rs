//! The rules engine as the platform runs it (梯度培育 and 政策): read the rule files, load the
//! panel from the store (with the caller's scope), call the pure engine (`gaoxin_rules`), store
//! versioned runs with one row per firm × rule (the .xlsx exports: [`crate::rules_workbook`]). The CLI
//! (`gaoxin evaluate | explain | ladder | policies`) and the web pages call these same functions,
//! so both always show the same numbers.
//!
//! Rule files are found by [`crate::data_files::RULES`]: `$GAOXIN_RULES`, else `data/rules` in the
//! working directory, else the files shipped with the binary: an analyst adds a policy by writing a
//! file, without a rebuild. A run records every rule file's id, version and content hash and the
//! panel's hash ([`gaoxin_rules::RulesRunRecord`]), so a stored year can be re-evaluated and compared.
//!
//! The funnel covers the consecutive years up to the run's year whose compiled plan has the same
//! rungs as the run's year (a rung's rule file not yet in force makes earlier years incomparable);
//! a firm counts in a year only when it has facts for that year.
use crate::audit::Who;
use crate::error::EvalError;
use crate::rules_cache::{self, RulesCache};
use crate::runs::{RunKind, decode_summary, new_id, now};
use gaoxin_model::{Enterprise, Facts, Year};
use gaoxin_rules::batch::{BatchResult, evaluate};
use gaoxin_rules::file::RuleKind;
use gaoxin_rules::ladder::Record;
use gaoxin_rules::plan::{EvalOptions, Finding, Plan, Verdict};
use gaoxin_rules::{Panel, RuleFile, funnel, ladder};
use gaoxin_store::{RuleResultRow, RunRecord, Scope, Store};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

pub use crate::rules_files::{check_rules, load_rules, plan_for, read_rules};
pub use crate::rules_summary::{
    BudgetRow, ConversionRow, FunnelRow, MedianRow, RuleInfo, RuleParkCount, RulesSummary,
    RungInfo, finding, finding_zh, level_zh, nearest_rows, park_name, record_zh,
};
pub use crate::rules_workbook::{Lists, workbook};

/// One firm evaluated on its own, from the current rule files (the firm's 梯度 page and
/// `gaoxin explain`): the plan of `year`, the firm's one-row panel, the options, its position on
/// the ladder. Explanations of each rule come from [`gaoxin_rules::explain`] on `plan` and `panel`
/// (row 0).
pub struct FirmRules {
    pub year: Year,
    pub plan: Arc<Plan>,
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
    year: Year,
) -> Result<FirmRules, EvalError> {
    let (plan, skipped) = plan_for(files, year);
    evaluate_firm_with(Arc::new(plan), skipped, e, facts, year)
}

/// [`evaluate_firm`] with the plan of `year` already compiled (the server's
/// [`crate::rules_cache::RulesCache`]).
pub fn evaluate_firm_with(
    plan: Arc<Plan>,
    skipped: Vec<String>,
    e: &Enterprise,
    facts: &[Facts],
    year: Year,
) -> Result<FirmRules, EvalError> {
    let panel = Panel::from_model(std::slice::from_ref(e), facts)
        .map_err(|err| EvalError::Engine(err.to_string()))?;
    let opts = EvalOptions::default();
    let batch = gaoxin_rules::batch::evaluate_with(&plan, &panel, year.get(), &opts, 1);
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

/// A firm's 梯度 page: the firm evaluated with the current rule files of `year`, and the notice
/// that the stored run of that year used other rule files (where the scope reads runs).
pub struct FirmLadder {
    pub firm: FirmRules,
    /// [`rules_cache::notice_zh`] against the stored run of `year`.
    pub notice: Option<String>,
}

/// [`FirmLadder`] of firm `e` (`facts`: its years, read with `scope`) for `year`, with the plan
/// from `cache`. `Ok(Err(message))` when the rule files cannot be loaded.
pub async fn firm_ladder(
    cache: &RulesCache,
    store: &Store,
    scope: &Scope,
    e: &Enterprise,
    facts: &[Facts],
    year: Year,
) -> Result<Result<FirmLadder, String>, EvalError> {
    let yp = match cache.plan(year) {
        Ok((_, yp)) => yp,
        Err(err) => return Ok(Err(err.to_string())),
    };
    let firm = evaluate_firm_with(yp.plan.clone(), yp.skipped.clone(), e, facts, year)?;
    let notice = match latest(store, scope, year).await? {
        Some((s, _)) => {
            rules_cache::notice_zh(&rules_cache::rule_changes(&s, &yp.versions, &yp.plan))
        }
        None => None,
    };
    Ok(Ok(FirmLadder { firm, notice }))
}

/// The notice over a stored run's lists when the rule files now loaded differ from the run's
/// ([`rules_cache::notice_zh`]); a rules directory that cannot be read is said too.
pub fn run_notice(cache: &RulesCache, s: &RulesSummary) -> Option<String> {
    match cache.changes_since(s) {
        Ok(c) => rules_cache::notice_zh(&c),
        Err(e) => Some(format!("规则文件无法读取，无法核对存储结果所用的规则：{e}")),
    }
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
    year: Year,
) -> Result<Evaluated, EvalError> {
    let t = std::time::Instant::now();
    let panel = Panel::from_model(es, fs).map_err(EvalError::Engine)?;
    let present = presence(&panel, fs);
    tracing::debug!(target: "gaoxin::timing", "  panel built in {:?}", t.elapsed());
    let t = std::time::Instant::now();
    // The engine counts years as i32 (rules crate docs).
    let y = year.get();
    let Some(present_now) = present.get(&y) else {
        return Err(EvalError::NoData(format!(
            "{year} 年没有企业数据，无法评估"
        )));
    };
    let opts = EvalOptions::default();
    let (plan, skipped) = plan_for(files, year);
    let batch = evaluate(&plan, &panel, y, &opts);
    let record = gaoxin_rules::RulesRunRecord::new(files, &plan, &panel, &batch);
    // Current rungs: recognised by a record, else (no record for the rung) by the rules.
    let rec_now = ladder::recorded(&plan, &panel, y);
    let pos_now = ladder::positions_with(&plan, &batch, &rec_now);
    tracing::debug!(target: "gaoxin::timing", "  year {y} evaluated in {:?}", t.elapsed());
    let t = std::time::Instant::now();
    let funnel = funnel_of(files, &plan, &panel, &present, (y, &pos_now), &opts);
    tracing::debug!(target: "gaoxin::timing", "  funnel in {:?}", t.elapsed());
    let t = std::time::Instant::now();
    let now = YearRun {
        plan: &plan,
        panel: &panel,
        batch: &batch,
        recorded: &rec_now,
        positions: &pos_now,
        present: present_now,
    };
    let rows = firm_rows(&now);
    tracing::debug!(target: "gaoxin::timing", "  {} result rows built in {:?}", rows.len(), t.elapsed());
    let summary = RulesSummary {
        record,
        skipped,
        rules: rule_infos(&plan),
        rungs: rung_infos(&plan),
        counts: rule_counts(&now),
        funnel_years: funnel.years,
        funnel: funnel.rows,
        conversions: funnel.conversions,
        medians: funnel.medians,
        budgets: funnel::budgets(&plan, &panel, &batch, present_now),
    };
    Ok(Evaluated { summary, rows })
}

/// For each year with facts, which panel rows have facts that year.
fn presence(panel: &Panel, fs: &[Facts]) -> BTreeMap<i32, Vec<bool>> {
    let row_of: HashMap<&str, usize> = panel
        .uscc
        .iter()
        .enumerate()
        .map(|(i, u)| (u.as_str(), i))
        .collect();
    let mut out: BTreeMap<i32, Vec<bool>> = BTreeMap::new();
    for f in fs {
        let v = out
            .entry(f.year.get())
            .or_insert_with(|| vec![false; panel.len()]);
        if let Some(&row) = row_of.get(f.uscc.as_str()) {
            v[row] = true;
        }
    }
    out
}

/// The funnel over the consecutive years up to the run's year (`now`: the year and its
/// positions) whose plan has the same rungs as the run's year.
fn funnel_of(
    files: &[RuleFile],
    plan: &Plan,
    panel: &Panel,
    present: &BTreeMap<i32, Vec<bool>>,
    now: (i32, &[ladder::LadderPosition]),
    opts: &EvalOptions,
) -> funnel::Funnel {
    let rungs = ladder::rungs(plan);
    let rung_ids: Vec<&Option<String>> = rungs.iter().map(|r| &r.rule).collect();
    let mut earlier: Vec<(i32, Vec<ladder::LadderPosition>)> = Vec::new();
    let mut y = now.0 - 1;
    while present.contains_key(&y) {
        let Ok(year) = Year::new(y) else { break };
        let (p, _) = plan_for(files, year);
        let same = ladder::rungs(&p)
            .iter()
            .map(|r| &r.rule)
            .eq(rung_ids.iter().copied());
        if !same {
            break;
        }
        let b = evaluate(&p, panel, y, opts);
        earlier.push((y, ladder::positions(&p, panel, &b)));
        y -= 1;
    }
    earlier.reverse();
    let years: Vec<funnel::FunnelYear> = earlier
        .iter()
        .map(|(y, pos)| (*y, pos.as_slice()))
        .chain(std::iter::once(now))
        .map(|(year, positions)| funnel::FunnelYear {
            year,
            positions,
            present: &present[&year],
        })
        .collect();
    funnel::funnel(panel, &rungs, &years)
}

/// The run's year as evaluated: plan, panel, batch, the zone's records, every firm's position and
/// which firms have facts that year.
struct YearRun<'a> {
    plan: &'a Plan,
    panel: &'a Panel,
    batch: &'a BatchResult,
    recorded: &'a [ladder::Recorded],
    positions: &'a [ladder::LadderPosition],
    present: &'a [bool],
}

impl YearRun<'_> {
    fn park(&self, row: usize) -> &str {
        &self.panel.parks[self.panel.park[row] as usize]
    }
    fn record(&self, rule: &str, row: usize) -> Record {
        self.recorded
            .iter()
            .find(|x| x.rule == rule)
            .map(|x| x.record[row])
            .unwrap_or(Record::NoRecord)
    }
}

/// Counts per rule and park by finding, and of firms a record shows on a rung rule's rung.
fn rule_counts(y: &YearRun) -> Vec<RuleParkCount> {
    let mut counts: BTreeMap<(&str, &str), [usize; 5]> = BTreeMap::new();
    for rp in &y.plan.rules {
        let r = y
            .batch
            .rule(&rp.id)
            .expect("every rule of the plan is evaluated");
        for row in (0..y.panel.len()).filter(|row| y.present[*row]) {
            let c = counts.entry((&rp.id, y.park(row))).or_default();
            c[Finding::of(r.verdict[row], r.assumption_dependent[row]) as usize] += 1;
            if y.record(&rp.id, row) == Record::Recognised {
                c[4] += 1;
            }
        }
    }
    counts
        .into_iter()
        .map(|((rule, park), c)| RuleParkCount {
            rule: rule.into(),
            park: park.into(),
            pass: c[Finding::Pass as usize],
            fail: c[Finding::Fail as usize],
            depends: c[Finding::Depends as usize],
            unknown: c[Finding::Unknown as usize],
            recognised: c[4],
        })
        .collect()
}

/// The run's per-firm rows: every rule of the plan × every firm with facts that year.
fn firm_rows(y: &YearRun) -> Vec<RuleResultRow> {
    // The rules' rows are independent: the second half of the rules is built on a second thread
    // (a rules run is a background job; the machine has at least two cores), in the same order.
    let rules = &y.plan.rules;
    let (first, second) = rules.split_at(rules.len() / 2);
    let build = |part: &[gaoxin_rules::plan::RulePlan]| {
        let mut rows = Vec::with_capacity(y.panel.len() * part.len());
        for rp in part {
            rule_rows(y, rp, &mut rows);
        }
        rows
    };
    std::thread::scope(|s| {
        let later = s.spawn(|| build(second));
        let mut rows = build(first);
        rows.extend(later.join().expect("building a rule's rows does not panic"));
        rows
    })
}

/// The rows of one rule (see [`firm_rows`]).
fn rule_rows(y: &YearRun, rp: &gaoxin_rules::plan::RulePlan, rows: &mut Vec<RuleResultRow>) {
    let (plan, panel, batch) = (y.plan, y.panel, y.batch);
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
        for n in ladder::nearest(plan, panel, batch, &rp.id, usize::MAX) {
            dist[n.row] = Some(n.distance as f64);
        }
    }
    let lists = ladder::grant_lists(plan, panel, batch, &rp.id);
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
    for row in (0..panel.len()).filter(|row| y.present[*row]) {
        let v = r.verdict[row];
        rows.push(RuleResultRow {
            uscc: panel.uscc[row].clone(),
            name: panel.name[row].clone(),
            park: y.park(row).into(),
            rule: rp.id.clone(),
            verdict: v.key().into(),
            level: y.positions[row].level as i32,
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
            assumption_dependent: r.assumption_dependent[row],
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
                y.record(&rp.id, row).key().into()
            } else {
                String::new()
            },
            level_basis: y.positions[row].basis.map(|b| b.key()).unwrap_or("").into(),
        });
    }
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
    let (summary, run, _) = run_rules_rows(store, year, progress).await?;
    Ok((summary, run))
}

/// [`run_rules_with`], also returning the run's per-firm rows as the zone reads them back from the
/// store (names filled, ordered by rule and credit code), without reading them back.
pub async fn run_rules_rows(
    store: &Store,
    year: Year,
    progress: &mut (dyn FnMut(RunProgress) + Send),
) -> Result<(RulesSummary, RunRecord, Vec<RuleResultRow>), EvalError> {
    run_and_store(store, None, year, progress).await
}

/// [`run_rules_rows`] on behalf of `who` (a zone administrator's page, the CLI): the run is stored
/// with its `rules.run` audit entry in one transaction (`job`: the background job that ran it).
pub async fn run_rules_as(
    store: &Store,
    who: &Who,
    job: Option<&str>,
    year: Year,
    progress: &mut (dyn FnMut(RunProgress) + Send),
) -> Result<(RulesSummary, RunRecord, Vec<RuleResultRow>), EvalError> {
    run_and_store(store, Some((who, job)), year, progress).await
}

async fn run_and_store(
    store: &Store,
    by: Option<(&Who, Option<&str>)>,
    year: Year,
    progress: &mut (dyn FnMut(RunProgress) + Send),
) -> Result<(RulesSummary, RunRecord, Vec<RuleResultRow>), EvalError> {
    let t = std::time::Instant::now();
    let files = load_rules()?;
    progress(RunProgress::Loading);
    let (es, fs) = store
        .panel(&Scope::Zone, Some((year.back(8), year)))
        .await?;
    tracing::debug!(target: "gaoxin::timing", "rules run {year}: rule files and panel read ({} firm-years) in {:?}", fs.len(), t.elapsed());
    progress(RunProgress::Evaluating { firms: es.len() });
    let t = std::time::Instant::now();
    let ev = tokio::task::spawn_blocking(move || evaluate_panel(&files, &es, &fs, year))
        .await
        .map_err(|e| EvalError::Engine(e.to_string()))??;
    tracing::debug!(target: "gaoxin::timing", "rules run {year}: evaluated in {:?}", t.elapsed());
    let t = std::time::Instant::now();
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
        kind: RunKind::Rules,
        created_at: now(),
        year: Some(year),
        input_hash: ev.summary.record.input_hash.clone(),
        versions,
        summary: serde_json::to_string(&ev.summary)
            .map_err(|e| EvalError::Engine(e.to_string()))?,
    };
    let total = ev.rows.len();
    progress(RunProgress::Storing { done: 0, total });
    let event = by.map(|(who, job)| {
        let mut detail = serde_json::json!({"run": run.id, "input_hash": run.input_hash});
        if let Some(j) = job {
            detail["job"] = serde_json::Value::from(j);
        }
        crate::audit::event(who, "rules.run", None, &year.get().to_string(), detail)
    });
    store
        .insert_rules_run_recorded(
            &run,
            &ev.rows,
            &mut |done| progress(RunProgress::Storing { done, total }),
            event.as_ref(),
        )
        .await?;
    tracing::debug!(target: "gaoxin::timing", "rules run {year}: summary encoded and {total} rows stored in {:?}", t.elapsed());
    let mut rows = ev.rows;
    // a stable sort: the rows come as one run per rule, each already in code order, which the
    // merge sort only has to merge
    rows.sort_by(|a, b| (&a.rule, &a.uscc).cmp(&(&b.rule, &b.uscc)));
    Ok((ev.summary, run, rows))
}

/// The latest stored rules run of `year` readable in `scope`, with its summary as the scope may
/// see it (a park scope: its park's rows only; the store decides).
pub async fn latest(
    store: &Store,
    scope: &Scope,
    year: Year,
) -> Result<Option<(RulesSummary, RunRecord)>, EvalError> {
    match store.latest_run(scope, RunKind::Rules, year).await? {
        Some(r) => Ok(Some((decode_summary::<RulesSummary>(&r)?, r))),
        None => Ok(None),
    }
}

/// Fen as exact 万元 text (up to six decimals, thousands grouped), never rounded: an award of
/// ¥1,999,999.99 is 199.999999 万元, not 200.00.
pub fn wan(fen: i64) -> String {
    gaoxin_rules::fmt::wan(fen)
        .trim_end_matches("万元")
        .to_string()
}
