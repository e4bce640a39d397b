//! What-if reforms of rules and policies (issue 20): the stored panel in scope for a year is
//! loaded once with its baseline (today's rule files, compiled and evaluated: [`Baseline`]); a
//! reform ([`gaoxin_rules::reform::Reform`], a file or a form) is applied to the same rule files,
//! compiled and evaluated over the same panel, and the two batches are compared
//! ([`evaluate`]): firms newly qualifying and no longer qualifying by park and by tier, the award
//! change per firm and in total (exact fen), the budget by park and policy, the firms that gain
//! and lose most. A reform never writes anything: the stored official runs are untouched.
//!
//! Verdicts are those of the default (conservative) expert-score assumption, as in the budget of
//! a run; an award counts only for an eligible firm, like the run's budget.
use crate::indicators::EvalError;
use crate::rules_runs::load_rules;
use gaoxin_model::{Date, Enterprise, Facts, Year};
use gaoxin_rules::batch::{BatchResult, Outputs, evaluate_outputs};
use gaoxin_rules::file::{LoadError, Param, Unit};
use gaoxin_rules::plan::{EvalOptions, Plan, Verdict};
use gaoxin_rules::reform::{
    AppliedChange, Change, Reform, What, When, current_value, show_value, written_unit,
};
use gaoxin_rules::{Panel, RuleFile, default_as_of, ladder};
use gaoxin_store::{Scope, Store};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// The panel of one year and today's rules evaluated on it: what every reform of that year is
/// compared with. Built once per year and kept (the web page caches it), so a reform costs one
/// compile and one batch.
pub struct Baseline {
    pub year: Year,
    pub as_of: Date,
    /// Today's rule files (a reform is applied to these).
    pub files: Vec<RuleFile>,
    pub panel: Panel,
    /// Firms with facts for `year` (the others are only history for the rules).
    pub here: Vec<bool>,
    pub plan: Plan,
    /// Files not in force for `year` in the baseline, with the reason.
    pub skipped: Vec<LoadError>,
    pub batch: BatchResult,
    /// Each firm's current rung label (已认定 by a record, else by the rules), 未入梯 below the first.
    pub tier: Vec<String>,
    /// Per rule, per park (index into the panel's parks): eligible firms with facts for the year
    /// and their awards in fen — what a reform that cannot change the rule reports for it.
    pub park_sums: BTreeMap<String, Vec<(usize, i64)>>,
}

fn threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8)
}

impl Baseline {
    /// The baseline of `year` over a panel built from `es`/`fs`. Pure (no store).
    pub fn new(
        files: Vec<RuleFile>,
        es: &[Enterprise],
        fs: &[Facts],
        year: Year,
    ) -> Result<Baseline, EvalError> {
        let panel = Panel::from_model(es, fs).map_err(EvalError::Engine)?;
        let present: HashSet<&str> = fs
            .iter()
            .filter(|f| f.year == year)
            .map(|f| f.uscc.as_str())
            .collect();
        let here = panel
            .uscc
            .iter()
            .map(|u| present.contains(u.as_str()))
            .collect();
        Baseline::from_panel(files, panel, here, year)
    }

    /// The baseline of `year` over `panel`, of which the firms marked in `here` have facts for
    /// the year (e.g. a synthetic panel for benchmarks).
    pub fn from_panel(
        files: Vec<RuleFile>,
        panel: Panel,
        here: Vec<bool>,
        year: Year,
    ) -> Result<Baseline, EvalError> {
        if !here.iter().any(|h| *h) {
            return Err(EvalError::NoData(format!(
                "{year} 年没有企业数据，无法测算改革方案"
            )));
        }
        let as_of = default_as_of(year.get());
        let (plan, skipped) = gaoxin_rules::compile_for_run(&files, as_of);
        let batch =
            gaoxin_rules::batch::evaluate(&plan, &panel, year.get(), &EvalOptions::default());
        let rec = ladder::recorded(&plan, &panel, year.get());
        let labels: BTreeMap<u8, String> = ladder::rungs(&plan)
            .into_iter()
            .map(|r| (r.level, r.label))
            .collect();
        let tier = ladder::positions_with(&plan, &batch, &rec)
            .iter()
            .map(|p| {
                labels
                    .get(&p.level)
                    .cloned()
                    .unwrap_or_else(|| "未入梯".into())
            })
            .collect();
        let mut park_sums = BTreeMap::new();
        for r in &batch.rules {
            let mut sums = vec![(0usize, 0i64); panel.parks.len()];
            for row in (0..panel.len()).filter(|r| here[*r]) {
                let (v, a) = at(Some(r), row);
                let s = &mut sums[panel.park[row] as usize];
                s.0 += (v == Verdict::Pass) as usize;
                s.1 += a.unwrap_or(0);
            }
            park_sums.insert(r.rule.clone(), sums);
        }
        Ok(Baseline {
            year,
            as_of,
            files,
            panel,
            here,
            plan,
            skipped,
            batch,
            tier,
            park_sums,
        })
    }

    /// Loads the rule files and the stored panel readable in `scope` up to `year` (the eight
    /// years before it, as a run does), and evaluates the baseline.
    pub async fn load(store: &Store, scope: &Scope, year: Year) -> Result<Baseline, EvalError> {
        let files = load_rules()?;
        let (es, fs) = store.panel(scope, Some((year.back(8), year))).await?;
        tokio::task::spawn_blocking(move || Baseline::new(files, &es, &fs, year))
            .await
            .map_err(|e| EvalError::Engine(e.to_string()))?
    }

    /// Firms with facts for the year.
    pub fn firms(&self) -> usize {
        self.here.iter().filter(|h| **h).count()
    }

    /// The parameters of rule `rule` a form may change, with their values in force for the year.
    pub fn params(&self, rule: &str) -> Option<Vec<ParamInfo>> {
        let f = gaoxin_rules::versions::in_force(&self.files, rule, self.as_of)?;
        Some(
            f.params
                .iter()
                .map(|p| ParamInfo::of(p, self.as_of, self.year.get()))
                .collect(),
        )
    }

    /// The rules of the year's plan (id, name), policies with an award first.
    pub fn rules(&self) -> Vec<(String, String, bool)> {
        let mut v: Vec<(String, String, bool)> = self
            .plan
            .rules
            .iter()
            .filter(|r| {
                self.files
                    .iter()
                    .any(|f| f.id == r.id && !f.params.is_empty())
            })
            .map(|r| (r.id.clone(), r.name.clone(), r.award.is_some()))
            .collect();
        v.sort_by_key(|r| !r.2);
        v
    }
}

/// A parameter as a form shows it: name, words, unit, the value in force (in the unit the rule
/// file writes it in) and a range for a slider.
#[derive(Debug, Clone, Serialize)]
pub struct ParamInfo {
    pub name: String,
    pub zh: String,
    /// 元 / 万元 / 亿元 / 美元 / 万美元 / 亿美元 / ratio / count / points / years / flag.
    pub unit: String,
    /// The unit in words for the page (万元, 比例, 个, 分, 年, 开关).
    pub unit_zh: String,
    pub value: Option<f64>,
    pub shown: String,
    pub min: f64,
    pub max: f64,
    pub step: f64,
    pub unconfirmed: bool,
    /// Values by fiscal year (the form changes the year's value).
    pub yearly: bool,
}

impl ParamInfo {
    fn of(p: &Param, as_of: Date, year: i32) -> ParamInfo {
        let value = if p.yearly {
            p.values
                .iter()
                .find(|d| d.year == Some(year))
                .map(|d| d.value / p.factor)
        } else {
            current_value(p, as_of)
        };
        let v = value.unwrap_or(0.0);
        let (min, max, step) = match p.unit {
            Unit::Flag => (0.0, 1.0, 1.0),
            Unit::Ratio => (0.0, (v * 3.0).max(1.0), 0.001),
            Unit::Count if v >= 1900.0 => (v - 10.0, v + 10.0, 1.0),
            _ if v.fract() != 0.0 || v < 10.0 => (0.0, (v * 3.0).max(10.0), 0.01),
            _ => (0.0, v * 3.0, 1.0),
        };
        let unit = written_unit(p).to_string();
        let unit_zh = match p.unit {
            Unit::Ratio => "比例（小数，0.05 即 5%）".into(),
            Unit::Count => "数值".into(),
            Unit::Points => "分".into(),
            Unit::Years => "年".into(),
            Unit::Flag => "开关（0 否 / 1 是）".into(),
            _ => unit.clone(),
        };
        ParamInfo {
            name: p.name.clone(),
            zh: p.zh.clone(),
            unit,
            unit_zh,
            value,
            shown: value
                .map(|v| show_value(p, v))
                .unwrap_or_else(|| "无取值".into()),
            min,
            max,
            step,
            unconfirmed: p.status == gaoxin_rules::Status::Unconfirmed,
            yearly: p.yearly,
        }
    }
}

/// A reform from a form: parameter values of one rule (in their written units); values equal
/// to those in force are left out. An unknown parameter or a value out of range is refused by
/// [`evaluate`] like in a file (line 0: the form).
pub fn form_reform(base: &Baseline, rule: &str, author: &str, values: &[(String, f64)]) -> Reform {
    let current: BTreeMap<String, Option<f64>> = base
        .params(rule)
        .unwrap_or_default()
        .into_iter()
        .map(|p| (p.name, p.value))
        .collect();
    let yearly: HashSet<String> = base
        .params(rule)
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p.yearly)
        .map(|p| p.name)
        .collect();
    let changes = values
        .iter()
        .filter(|(n, v)| current.get(n) != Some(&Some(*v)))
        .map(|(n, v)| Change {
            rule: rule.to_string(),
            what: What::Param {
                name: n.clone(),
                value: *v,
                when: if yearly.contains(n) {
                    When::Year(base.year.get())
                } else {
                    When::Always
                },
            },
            line: 0,
        })
        .collect();
    Reform {
        path: "（网页表单）".into(),
        name: "网页测算".into(),
        author: author.to_string(),
        note: String::new(),
        changes,
    }
}

/// One rule, baseline vs reform, for the whole zone (or one park).
#[derive(Debug, Clone, Default, Serialize)]
pub struct RuleDiff {
    pub rule: String,
    pub name: String,
    pub park: String,
    pub has_award: bool,
    pub base_pass: usize,
    pub reform_pass: usize,
    /// Newly qualifying (not eligible in the baseline, eligible under the reform).
    pub gained: usize,
    /// No longer qualifying.
    pub lost: usize,
    /// Eligible in both with another amount.
    pub amount_changed: usize,
    pub base_fen: i64,
    pub reform_fen: i64,
}

/// Firms newly / no longer qualifying for a rule, by the firm's current tier.
#[derive(Debug, Clone, Serialize)]
pub struct TierDiff {
    pub rule: String,
    pub tier: String,
    pub gained: usize,
    pub lost: usize,
}

/// One firm whose verdict or award on one rule changes.
#[derive(Debug, Clone, Serialize)]
pub struct FirmDiff {
    pub uscc: String,
    pub name: String,
    pub park: String,
    pub tier: String,
    pub rule: String,
    pub base: Verdict,
    pub reform: Verdict,
    /// Awards of eligible firms, in fen.
    pub base_fen: Option<i64>,
    pub reform_fen: Option<i64>,
}

impl FirmDiff {
    pub fn delta_fen(&self) -> i64 {
        self.reform_fen.unwrap_or(0) - self.base_fen.unwrap_or(0)
    }
    pub fn gained(&self) -> bool {
        self.base != Verdict::Pass && self.reform == Verdict::Pass
    }
    pub fn lost(&self) -> bool {
        self.base == Verdict::Pass && self.reform != Verdict::Pass
    }
}

/// A firm's total award change over every policy.
#[derive(Debug, Clone, Serialize)]
pub struct Gain {
    pub uscc: String,
    pub name: String,
    pub park: String,
    pub delta_fen: i64,
}

/// A reform evaluated against the baseline.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub name: String,
    pub author: String,
    pub note: String,
    pub year: Year,
    pub as_of: String,
    pub firms: usize,
    pub changes: Vec<AppliedChange>,
    /// Rule files the reform takes out of force (dates), with the reason.
    pub out_of_force: Vec<String>,
    /// Per rule, whole zone (`park` empty).
    pub rules: Vec<RuleDiff>,
    /// Per rule and park (only rules with a change or an award).
    pub parks: Vec<RuleDiff>,
    pub tiers: Vec<TierDiff>,
    /// Every firm × rule whose verdict or award changes, largest change first.
    pub diffs: Vec<FirmDiff>,
    /// Firms by total award change, largest gain first (only non-zero changes).
    pub gains: Vec<Gain>,
    pub base_total_fen: i64,
    pub reform_total_fen: i64,
}

/// One park's change over every rule: firms newly qualifying, no longer qualifying, and the
/// change in awards (fen).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParkTotal {
    pub park: String,
    pub gained: usize,
    pub lost: usize,
    pub delta_fen: i64,
}

/// Per park, summed over every rule: the parks of `order` first (in that order, also when
/// nothing changes there), then any other park found in the results.
pub fn park_totals(parks: &[RuleDiff], order: &[String]) -> Vec<ParkTotal> {
    let mut out: Vec<ParkTotal> = order
        .iter()
        .map(|p| ParkTotal {
            park: p.clone(),
            gained: 0,
            lost: 0,
            delta_fen: 0,
        })
        .collect();
    for d in parks {
        let i = match out.iter().position(|t| t.park == d.park) {
            Some(i) => i,
            None => {
                out.push(ParkTotal {
                    park: d.park.clone(),
                    gained: 0,
                    lost: 0,
                    delta_fen: 0,
                });
                out.len() - 1
            }
        };
        out[i].gained += d.gained;
        out[i].lost += d.lost;
        out[i].delta_fen += d.reform_fen - d.base_fen;
    }
    out
}

impl Outcome {
    /// Per park, summed over every rule ([`park_totals`]).
    pub fn park_totals(&self, order: &[String]) -> Vec<ParkTotal> {
        park_totals(&self.parks, order)
    }

    pub fn delta_total_fen(&self) -> i64 {
        self.reform_total_fen - self.base_total_fen
    }
    pub fn gained(&self) -> impl Iterator<Item = &FirmDiff> {
        self.diffs.iter().filter(|d| d.gained())
    }
    pub fn lost(&self) -> impl Iterator<Item = &FirmDiff> {
        self.diffs.iter().filter(|d| d.lost())
    }
}

/// Evaluates `reform` against `base` (same panel, same year). Refused with file, line and reason
/// when the reform does not apply or the reformed files do not compile.
pub fn evaluate(base: &Baseline, reform: &Reform) -> Result<Outcome, Vec<LoadError>> {
    evaluate_timed(base, reform).map(|(o, _)| o)
}

/// Where the time of one reform evaluation goes, in seconds.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Timing {
    /// Applying the reform to the rule files and compiling the plan.
    pub compile_s: f64,
    /// The batch over the whole panel.
    pub batch_s: f64,
    /// Comparing with the baseline (lists, parks, tiers, gainers).
    pub compare_s: f64,
}

impl Timing {
    pub fn total_s(&self) -> f64 {
        self.compile_s + self.batch_s + self.compare_s
    }
}

/// [`evaluate`], with the time of each stage.
pub fn evaluate_timed(
    base: &Baseline,
    reform: &Reform,
) -> Result<(Outcome, Timing), Vec<LoadError>> {
    evaluate_scoped(base, reform, true)
}

/// With `only_affected`, only the rules the reform changes and those referring to them
/// ([`gaoxin_rules::reform::affected`]) are evaluated again; every other rule's results are the
/// baseline's (the same numbers, for a fraction of the time on a large panel). Without it, every
/// rule is (what the tests compare it with).
fn evaluate_scoped(
    base: &Baseline,
    reform: &Reform,
    only_affected: bool,
) -> Result<(Outcome, Timing), Vec<LoadError>> {
    let t = std::time::Instant::now();
    let applied = reform.apply(&base.files, base.as_of)?;
    let changed: BTreeSet<String> = reform.changes.iter().map(|c| c.rule.clone()).collect();
    let affected = if only_affected {
        gaoxin_rules::reform::affected(&applied.files, &changed)
    } else {
        applied.files.iter().map(|f| f.id.clone()).collect()
    };
    let files = gaoxin_rules::reform::with_dependencies(&applied.files, &affected);
    let (plan, out_of_force) = gaoxin_rules::reform::plan(&files, &base.skipped, base.as_of)?;
    let compile_s = t.elapsed().as_secs_f64();
    let t = std::time::Instant::now();
    let batch = evaluate_outputs(
        &plan,
        &base.panel,
        base.year.get(),
        &EvalOptions::default(),
        threads(),
        Outputs::VerdictsAndAwards,
    );
    let batch_s = t.elapsed().as_secs_f64();
    let t = std::time::Instant::now();
    let o = compare(
        base,
        (&batch, &affected),
        &plan,
        reform,
        applied.changes,
        out_of_force,
    );
    let timing = Timing {
        compile_s,
        batch_s,
        compare_s: t.elapsed().as_secs_f64(),
    };
    Ok((o, timing))
}

fn compare(
    base: &Baseline,
    (batch, affected): (&BatchResult, &BTreeSet<String>),
    plan: &Plan,
    reform: &Reform,
    changes: Vec<AppliedChange>,
    out_of_force: Vec<String>,
) -> Outcome {
    let p = &base.panel;
    // Every rule of either plan, in the baseline's order.
    let mut ids: Vec<(String, String, bool)> = base
        .plan
        .rules
        .iter()
        .map(|r| (r.id.clone(), r.name.clone(), r.award.is_some()))
        .collect();
    for r in &plan.rules {
        if !ids.iter().any(|x| x.0 == r.id) {
            ids.push((r.id.clone(), r.name.clone(), r.award.is_some()));
        }
    }
    let mut rules = Vec::new();
    // (rule index, park index) → counts; park names filled in at the end
    let mut parks: BTreeMap<(usize, u16), RuleDiff> = BTreeMap::new();
    let mut tiers: BTreeMap<(usize, String), (usize, usize)> = BTreeMap::new();
    let mut diffs = Vec::new();
    let mut gains: BTreeMap<usize, i64> = BTreeMap::new();
    let (mut base_total, mut reform_total) = (0i64, 0i64);
    let rows: Vec<usize> = (0..p.len()).filter(|r| base.here[*r]).collect();
    let mut park_has_firms = vec![false; p.parks.len()];
    for &row in &rows {
        park_has_firms[p.park[row] as usize] = true;
    }
    for (k, (id, name, has_award)) in ids.iter().enumerate() {
        let mut zone = RuleDiff {
            rule: id.clone(),
            name: name.clone(),
            has_award: *has_award,
            ..RuleDiff::default()
        };
        // a rule the reform cannot change keeps the baseline's results
        let r = if affected.contains(id) {
            batch.rule(id)
        } else {
            base.batch.rule(id)
        };
        let (b, r) = (base.batch.rule(id), r);
        let mut per_park: Vec<RuleDiff> = vec![RuleDiff::default(); p.parks.len()];
        let mut rule_tiers: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        let mut acc = Acc {
            per_park: &mut per_park,
            tiers: &mut rule_tiers,
            diffs: &mut diffs,
            gains: &mut gains,
        };
        match base.park_sums.get(id.as_str()) {
            // unchanged: the baseline's counts and amounts, nobody to list
            Some(sums) if !affected.contains(id) => {
                for (pd, (pass, fen)) in acc.per_park.iter_mut().zip(sums) {
                    (pd.base_pass, pd.reform_pass) = (*pass, *pass);
                    (pd.base_fen, pd.reform_fen) = (*fen, *fen);
                }
            }
            _ => firm_diffs(base, (b, r), id, &rows, &mut acc),
        }
        for (tier, n) in rule_tiers {
            tiers.insert((k, tier), n);
        }
        for (pi, mut pd) in per_park.into_iter().enumerate() {
            if !park_has_firms[pi] {
                continue;
            }
            zone.base_pass += pd.base_pass;
            zone.reform_pass += pd.reform_pass;
            zone.gained += pd.gained;
            zone.lost += pd.lost;
            zone.amount_changed += pd.amount_changed;
            zone.base_fen += pd.base_fen;
            zone.reform_fen += pd.reform_fen;
            pd.rule = id.clone();
            pd.name = name.clone();
            pd.park = p.parks[pi].clone();
            pd.has_award = *has_award;
            parks.insert((k, pi as u16), pd);
        }
        base_total += zone.base_fen;
        reform_total += zone.reform_fen;
        rules.push(zone);
    }
    diffs.sort_by(|a, b| {
        b.delta_fen()
            .abs()
            .cmp(&a.delta_fen().abs())
            .then(a.rule.cmp(&b.rule))
            .then(a.uscc.cmp(&b.uscc))
    });
    let mut gains: Vec<Gain> = gains
        .into_iter()
        .filter(|(_, d)| *d != 0)
        .map(|(row, d)| Gain {
            uscc: p.uscc[row].clone(),
            name: p.name[row].clone(),
            park: p.parks[p.park[row] as usize].clone(),
            delta_fen: d,
        })
        .collect();
    gains.sort_by(|a, b| b.delta_fen.cmp(&a.delta_fen).then(a.uscc.cmp(&b.uscc)));
    let changed: HashSet<&str> = rules
        .iter()
        .filter(|r| r.has_award || r.gained + r.lost > 0)
        .map(|r| r.rule.as_str())
        .collect();
    Outcome {
        name: reform.name.clone(),
        author: reform.author.clone(),
        note: reform.note.clone(),
        year: base.year,
        as_of: base.as_of.to_string(),
        firms: base.firms(),
        changes,
        out_of_force,
        parks: parks
            .into_values()
            .filter(|d| changed.contains(d.rule.as_str()))
            .collect(),
        tiers: tiers
            .into_iter()
            .map(|((k, tier), (gained, lost))| TierDiff {
                rule: ids[k].0.clone(),
                tier,
                gained,
                lost,
            })
            .filter(|t| t.gained + t.lost > 0)
            .collect(),
        rules,
        diffs,
        gains,
        base_total_fen: base_total,
        reform_total_fen: reform_total,
    }
}

/// Where [`firm_diffs`] adds up one rule's changes.
struct Acc<'a> {
    per_park: &'a mut [RuleDiff],
    tiers: &'a mut BTreeMap<String, (usize, usize)>,
    diffs: &'a mut Vec<FirmDiff>,
    gains: &'a mut BTreeMap<usize, i64>,
}

/// The verdict and award of `row` (a rule out of force is not eligible and pays nothing).
fn at(x: Option<&gaoxin_rules::RuleResult>, row: usize) -> (Verdict, Option<i64>) {
    match x {
        None => (Verdict::Fail, None),
        Some(x) => {
            let v = x.verdict[row];
            (
                v,
                if v == Verdict::Pass {
                    x.award_at(row)
                } else {
                    None
                },
            )
        }
    }
}

/// One rule's baseline (`b`) and reform (`r`) results compared firm by firm.
fn firm_diffs(
    base: &Baseline,
    (b, r): (
        Option<&gaoxin_rules::RuleResult>,
        Option<&gaoxin_rules::RuleResult>,
    ),
    id: &str,
    rows: &[usize],
    acc: &mut Acc,
) {
    let p = &base.panel;
    for &row in rows {
        let (bv, ba) = at(b, row);
        let (rv, ra) = at(r, row);
        let pi = p.park[row] as usize;
        let pd = &mut acc.per_park[pi];
        pd.base_pass += (bv == Verdict::Pass) as usize;
        pd.reform_pass += (rv == Verdict::Pass) as usize;
        pd.base_fen += ba.unwrap_or(0);
        pd.reform_fen += ra.unwrap_or(0);
        if bv == rv && ba == ra {
            continue;
        }
        let fd = FirmDiff {
            uscc: p.uscc[row].clone(),
            name: p.name[row].clone(),
            park: p.parks[pi].clone(),
            tier: base.tier[row].clone(),
            rule: id.to_string(),
            base: bv,
            reform: rv,
            base_fen: ba,
            reform_fen: ra,
        };
        let t = acc.tiers.entry(fd.tier.clone()).or_default();
        if fd.gained() {
            pd.gained += 1;
            t.0 += 1;
        } else if fd.lost() {
            pd.lost += 1;
            t.1 += 1;
        } else if bv == Verdict::Pass && ba != ra {
            pd.amount_changed += 1;
        }
        if fd.delta_fen() != 0 {
            *acc.gains.entry(row).or_default() += fd.delta_fen();
        }
        acc.diffs.push(fd);
    }
}

/// A saved reform: its file name (without `.toml`) and the reform, or why it does not load.
pub struct Saved {
    pub key: String,
    pub path: String,
    pub reform: Result<Reform, Vec<LoadError>>,
}

/// The saved reforms ([`crate::data_files::REFORMS`]: `$GAOXIN_REFORMS`, else `data/reforms`,
/// else the shipped examples), by file name; a directory that cannot be read is an error.
pub fn saved() -> Result<Vec<Saved>, LoadError> {
    use crate::data_files::{REFORMS, Source};
    let key = |p: &std::path::Path| {
        p.file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default()
    };
    match REFORMS.source() {
        Source::Dir(d) => {
            let rd = std::fs::read_dir(&d).map_err(|e| LoadError {
                file: d.clone(),
                line: 0,
                msg: format!("无法读取改革方案目录：{e}"),
            })?;
            let mut paths: Vec<std::path::PathBuf> = rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            paths.sort();
            Ok(paths
                .into_iter()
                .map(|p| Saved {
                    key: key(&p),
                    path: p.display().to_string(),
                    reform: Reform::load(&p),
                })
                .collect())
        }
        Source::Shipped => Ok(REFORMS
            .shipped()
            .into_iter()
            .map(|f| Saved {
                key: key(std::path::Path::new(
                    f.path.to_string_lossy().trim_start_matches("(内置) "),
                )),
                path: f.path.display().to_string(),
                reform: Reform::parse(&f.path, &f.text),
            })
            .collect()),
    }
}

/// The saved reform `key` (its file name without `.toml`).
pub fn saved_one(key: &str) -> Result<Option<Reform>, Vec<LoadError>> {
    let all = saved().map_err(|e| vec![e])?;
    match all.into_iter().find(|s| s.key == key) {
        Some(s) => s.reform.map(Some),
        None => Ok(None),
    }
}

/// Refusals in words, one per line (「方案.toml:7: …」).
pub fn errors_zh(es: &[LoadError]) -> String {
    es.iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests;
