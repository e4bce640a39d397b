//! The stored result of a rules run (`runs.summary` as JSON, typed) and how its per-firm rows
//! read in lists and workbooks: findings, rungs with their basis, records, the nearest list.
use gaoxin_model::Zone;
use gaoxin_rules::ladder::{Basis, Record};
use gaoxin_rules::plan::Finding;
use gaoxin_store::RuleResultRow;
use serde::{Deserialize, Serialize};

/// The funnel and budget rows of a stored summary are the engine's
/// ([`gaoxin_rules::funnel::funnel`], [`gaoxin_rules::funnel::budgets`]).
pub use gaoxin_rules::funnel::{BudgetRow, ConversionRow, FunnelRow, MedianRow};

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
pub struct RuleParkCount {
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

impl RuleParkCount {
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

/// The stored result of a rules run (JSON in `runs.summary`); per-firm rows are in `rule_results`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RulesSummary {
    pub record: gaoxin_rules::RulesRunRecord,
    /// Rule files not applied this year, with the reason.
    pub skipped: Vec<String>,
    pub rules: Vec<RuleInfo>,
    pub rungs: Vec<RungInfo>,
    pub counts: Vec<RuleParkCount>,
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

/// A park's display name.
pub fn park_name(zone: &Zone, id: &str) -> String {
    zone.park(id)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| id.to_string())
}
