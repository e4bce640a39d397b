//! The tier ladder (科小 → 高企 → 瞪羚 → 独角兽 → 领军企业), the nearest-to-qualify list, the
//! 免申即享 / 快申快享 lists. The funnel and the budget built on these positions are in
//! [`crate::funnel`].
//!
//! **Distance** (used to sort the nearest list): [`crate::distance`]. Only a failed verdict has a
//! distance in the lists ([`nearest`]): a firm whose verdict is unknown is listed apart
//! ([`undecided`]).
//!
//! **Current rung** ([`positions`]): a firm's recognised status — the zone's record of a rung
//! (a rule file's `[recognised]`: a 高企 certificate in force on the 评价基准日, 科小入库, the
//! city's lists) — while the rules answer whether it would qualify. The current rung is the
//! highest rung recognised by a record or, where the zone has no record for a rung, whose rule
//! passes ([`Basis::Rules`], 按条件测算); a record saying "not recognised" is not overridden by
//! the rule.
use crate::batch::BatchResult;
pub use crate::distance::{MIN_FAILED, distance};
use crate::explain::{Supply, supply, supply_items};
use crate::panel::Panel;
use crate::plan::{Buffers, Pick, Plan, Verdict};

/// One rung of the ladder.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Rung {
    pub level: u8,
    pub label: String,
    /// The rule defining the rung; `None` where no official definition exists.
    pub rule: Option<String>,
    pub note: Option<String>,
}

/// The zone's ladder: rungs 1–4 from rule files declaring `rung`, and 领军企业 on top, which has
/// no official definition.
pub fn rungs(plan: &Plan) -> Vec<Rung> {
    let mut v: Vec<Rung> = plan
        .rules
        .iter()
        .filter_map(|r| {
            r.rung.map(|level| Rung {
                level,
                label: r.label.clone(),
                rule: Some(r.id.clone()),
                note: None,
            })
        })
        .collect();
    v.sort_by_key(|r| r.level);
    let top = v.last().map(|r| r.level).unwrap_or(0) + 1;
    v.push(Rung {
        level: top,
        label: "领军企业".into(),
        rule: None,
        note: Some("“领军企业”在现有材料中没有官方认定标准（criteria.md §4.5），暂无法判定，需由主管部门明确口径".into()),
    });
    v
}

/// How the zone's records place one firm on one rung ([`crate::file::Recognised`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Record {
    /// A record shows the status (a certificate in force, a list entry): 已认定.
    Recognised,
    /// A record shows that the firm does not hold it (an expired certificate, not on the list).
    NotRecognised,
    /// The zone has no record: the ladder falls back to the rule's verdict (按条件测算).
    NoRecord,
}

impl Record {
    pub fn key(self) -> &'static str {
        match self {
            Record::Recognised => "recognised",
            Record::NotRecognised => "not_recognised",
            Record::NoRecord => "",
        }
    }
    pub fn parse(k: &str) -> Record {
        match k {
            "recognised" => Record::Recognised,
            "not_recognised" => Record::NotRecognised,
            _ => Record::NoRecord,
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Record::Recognised => "已认定",
            Record::NotRecognised => "记录显示未认定",
            Record::NoRecord => "无认定记录",
        }
    }
}

/// The recorded status of every firm for one rung.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Recorded {
    pub rule: String,
    pub level: u8,
    /// Per panel row.
    pub record: Vec<Record>,
}

/// The recorded status of every firm of `panel` in `year` for each rung whose rule file has a
/// `[recognised]` record (other rungs have no records: every firm falls back to the rule).
pub fn recorded(plan: &Plan, panel: &Panel, year: i32) -> Vec<Recorded> {
    recorded_range(plan, panel, year, 0, panel.len())
}

/// [`recorded`] for the rows `lo..hi` only (`record[i]` is row `lo + i`).
fn recorded_range(plan: &Plan, panel: &Panel, year: i32, lo: usize, hi: usize) -> Vec<Recorded> {
    let mut out = Vec::new();
    let mut buf = Buffers::default();
    for rp in &plan.rules {
        let (Some(level), Some(rec)) = (rp.rung, &rp.recognised) else {
            continue;
        };
        let mut record = Vec::with_capacity(hi - lo);
        let mut start = lo;
        while start < hi {
            let len = crate::batch::CHUNK.min(hi - start);
            plan.eval_chunk(panel, year, start, len, &rec.nodes, Pick::Lo, &mut buf);
            for i in 0..len {
                let (v, s) = buf.get(rec.node, i);
                record.push(match Verdict::of(v, s) {
                    Verdict::Pass => Record::Recognised,
                    Verdict::Fail => Record::NotRecognised,
                    Verdict::Unknown => Record::NoRecord,
                });
            }
            start += len;
        }
        out.push(Recorded {
            rule: rp.id.clone(),
            level,
            record,
        });
    }
    out
}

/// The recorded facts behind rung rule `rule_id`'s record for row `row` in `year` (the record's
/// own facts, then its `details`), with their values and sources; empty without a record.
pub fn record_inputs(
    plan: &Plan,
    panel: &Panel,
    row: usize,
    year: i32,
    rule_id: &str,
) -> Vec<crate::explain::Input> {
    let Some(rec) = plan.rule(rule_id).and_then(|r| r.recognised.as_ref()) else {
        return Vec::new();
    };
    rec.deps
        .iter()
        .map(|(f, off)| {
            let y = year - *off as i32;
            let (val, provenance) = panel.get(row, y, *f as usize);
            crate::explain::Input {
                key: gaoxin_model::FIELDS[*f as usize].key,
                zh: crate::wording::field_name(*f as usize),
                year: y,
                value: val,
                text: val
                    .map(|x| crate::wording::input_text(*f as usize, x))
                    .unwrap_or_else(|| "未填".into()),
                provenance,
            }
        })
        .collect()
}

/// Where a firm's current rung comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// 已认定: a record (certificate, list) shows the status.
    Record,
    /// 按条件测算: no record exists for the rung, and the rule's conditions are met.
    Rules,
}

impl Basis {
    pub fn key(self) -> &'static str {
        match self {
            Basis::Record => "record",
            Basis::Rules => "rules",
        }
    }
    pub fn parse(k: &str) -> Option<Basis> {
        match k {
            "record" => Some(Basis::Record),
            "rules" => Some(Basis::Rules),
            _ => None,
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Basis::Record => "已认定",
            Basis::Rules => "按条件测算",
        }
    }
}

/// One rung as it stands for one firm: its record and the rule's verdict.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Standing {
    pub level: u8,
    pub rule: String,
    pub record: Record,
    pub verdict: Verdict,
    /// The verdict depends on the expert-score assumption.
    pub assumption_dependent: bool,
}

/// Where a firm stands on the ladder in a year.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LadderPosition {
    pub row: usize,
    /// Current rung (0 = none): the highest rung the firm is recognised on by a record, or —
    /// where the zone has no record for a rung — whose rule it meets.
    pub level: u8,
    pub label: Option<String>,
    /// Where the current rung comes from (`None` at level 0).
    pub basis: Option<Basis>,
    /// Highest rung a record shows (0 = none): 已认定.
    pub recognised_level: u8,
    /// Highest rung whose rule passes (0 = none): 按条件测算, records aside.
    pub rules_level: u8,
    /// Every defined rung, lowest first.
    pub standings: Vec<Standing>,
    /// The current rung depends on the expert-score assumption: a rung without a record, at or
    /// above the current one, whose rule's verdict the other assumption would turn.
    pub assumption_dependent: bool,
    pub next: Option<Rung>,
    /// Verdict and distance of the next rung's rule.
    pub next_verdict: Option<Verdict>,
    pub next_distance: Option<f32>,
}

/// Current rung of every firm (see [`LadderPosition::level`]); the records are read from
/// `panel` for the batch's year.
pub fn positions(plan: &Plan, panel: &Panel, batch: &BatchResult) -> Vec<LadderPosition> {
    positions_with(plan, batch, &recorded(plan, panel, batch.year))
}

/// [`positions`] with the records already read ([`recorded`]).
pub fn positions_with(
    plan: &Plan,
    batch: &BatchResult,
    recorded: &[Recorded],
) -> Vec<LadderPosition> {
    let rs = rungs(plan);
    let n = batch.rules.first().map(|r| r.verdict.len()).unwrap_or(0);
    (0..n)
        .map(|row| position_of(&rs, batch, recorded, row, row))
        .collect()
}

fn position_of(
    rs: &[Rung],
    batch: &BatchResult,
    recorded: &[Recorded],
    row: usize,
    rec_row: usize,
) -> LadderPosition {
    let mut cur: Option<(&Rung, Basis)> = None;
    let (mut recognised_level, mut rules_level) = (0, 0);
    let mut standings = Vec::new();
    for r in rs {
        let Some(id) = &r.rule else { continue };
        let Some(x) = batch.rule(id) else { continue };
        let verdict = x.verdict[row];
        let record = recorded
            .iter()
            .find(|g| &g.rule == id)
            .map(|g| g.record[rec_row])
            .unwrap_or(Record::NoRecord);
        if record == Record::Recognised {
            recognised_level = r.level;
            cur = Some((r, Basis::Record));
        }
        if verdict == Verdict::Pass {
            rules_level = r.level;
            if record == Record::NoRecord {
                cur = Some((r, Basis::Rules));
            }
        }
        standings.push(Standing {
            level: r.level,
            rule: id.clone(),
            record,
            verdict,
            assumption_dependent: x.assumption_dependent.get(row).copied().unwrap_or(false),
        });
    }
    let level = cur.map(|(r, _)| r.level).unwrap_or(0);
    let assumption_dependent = standings.iter().any(|s| {
        s.level >= level
            && s.record == Record::NoRecord
            && s.assumption_dependent
            && s.verdict != Verdict::Unknown
    });
    let next = rs.iter().find(|r| r.level > level).cloned();
    let (nv, nd) = match next
        .as_ref()
        .and_then(|r| r.rule.as_ref())
        .and_then(|id| batch.rule(id))
    {
        Some(x) => (
            Some(x.verdict[row]),
            x.distance.get(row).copied().filter(|d| !d.is_nan()),
        ),
        None => (None, None),
    };
    LadderPosition {
        row,
        level,
        label: cur.map(|(r, _)| r.label.clone()),
        basis: cur.map(|(_, b)| b),
        recognised_level,
        rules_level,
        standings,
        assumption_dependent,
        next,
        next_verdict: nv,
        next_distance: nd,
    }
}

/// What stands between a firm and its next rung: the firm's position and the explanation of the
/// next rung's rule (failed conditions with their smallest passing changes). `None` for the
/// explanation when the next rung has no official definition (领军企业) — the rung's note says so.
pub fn next_step(
    plan: &Plan,
    panel: &Panel,
    batch: &BatchResult,
    row: usize,
) -> Option<(LadderPosition, Option<crate::explain::Explanation>)> {
    if row >= batch.rules.first()?.verdict.len() {
        return None;
    }
    let rec = recorded_range(plan, panel, batch.year, row, row + 1);
    let pos = position_of(&rungs(plan), batch, &rec, row, 0);
    let ex = pos
        .next
        .as_ref()
        .and_then(|r| r.rule.as_ref())
        .and_then(|id| crate::explain::explain(plan, panel, row, batch.year, id, &batch.options));
    Some((pos, ex))
}

/// A firm close to a rule, for the nearest-to-qualify list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Nearest {
    pub row: usize,
    pub uscc: String,
    pub distance: f32,
    pub verdict: Verdict,
}

/// Firms failing `rule_id`, nearest first (ties by credit code); at most `limit`. Distances the
/// batch did not keep (rules off the ladder) are computed here with the same plan. A firm whose
/// verdict is unknown has no known distance and is not listed: [`undecided`] lists those with
/// the items they miss.
pub fn nearest(
    plan: &Plan,
    panel: &Panel,
    batch: &BatchResult,
    rule_id: &str,
    limit: usize,
) -> Vec<Nearest> {
    let (Some(r), Some(rp)) = (batch.rule(rule_id), plan.rule(rule_id)) else {
        return Vec::new();
    };
    let mut dist = r.distance.clone();
    if (0..dist.len()).any(|i| dist[i].is_nan() && r.verdict[i] == Verdict::Fail) {
        let pick: Pick = batch.options.assumption.into();
        let mut buf = Buffers::default();
        let mut start = 0;
        while start < panel.len() {
            let len = crate::batch::CHUNK.min(panel.len() - start);
            plan.eval_chunk(panel, batch.year, start, len, &rp.nodes, pick, &mut buf);
            for i in 0..len {
                if dist[start + i].is_nan() && r.verdict[start + i] == Verdict::Fail {
                    dist[start + i] = distance(plan, rp.eligible, &buf, i) as f32;
                }
            }
            start += len;
        }
    }
    let mut v: Vec<Nearest> = (0..r.verdict.len())
        .filter(|i| r.verdict[*i] == Verdict::Fail)
        .map(|i| Nearest {
            row: i,
            uscc: panel.uscc[i].clone(),
            distance: dist[i],
            verdict: r.verdict[i],
        })
        .collect();
    v.sort_by(|a, b| {
        a.distance
            .total_cmp(&b.distance)
            .then_with(|| a.uscc.cmp(&b.uscc))
    });
    v.truncate(limit);
    v
}

/// A firm whose verdict on a rule is unknown, with the inputs it misses.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Undecided {
    pub row: usize,
    pub uscc: String,
    /// The missing inputs that decide the verdict.
    pub missing: Vec<Supply>,
}

/// Firms whose verdict on `rule_id` is unknown (缺数据，无法测算), by credit code, each with
/// the missing items; at most `limit`.
pub fn undecided(
    plan: &Plan,
    panel: &Panel,
    batch: &BatchResult,
    rule_id: &str,
    limit: usize,
) -> Vec<Undecided> {
    let (Some(rp), Some(r)) = (plan.rule(rule_id), batch.rule(rule_id)) else {
        return Vec::new();
    };
    let pick: Pick = batch.options.assumption.into();
    let mut buf = Buffers::default();
    let mut rows: Vec<usize> = (0..r.verdict.len())
        .filter(|i| r.verdict[*i] == Verdict::Unknown)
        .collect();
    rows.sort_by(|a, b| panel.uscc[*a].cmp(&panel.uscc[*b]));
    rows.truncate(limit);
    rows.into_iter()
        .map(|row| {
            plan.eval_chunk(panel, batch.year, row, 1, &rp.nodes, pick, &mut buf);
            let deps = supply(&rp.vtree, panel, batch.year, row, &buf, 0, true);
            Undecided {
                row,
                uscc: panel.uscc[row].clone(),
                missing: supply_items(panel, batch.year, row, &deps),
            }
        })
        .collect()
}

/// An entry of a grant list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GrantEntry {
    pub row: usize,
    pub uscc: String,
    pub park: String,
    pub award: Option<i64>,
    /// For 快申快享: the exact items to supply or have verified.
    pub supply: Vec<Supply>,
}

/// 免申即享 (eligible, every input verified) and 快申快享 (eligible or undecided, with the items to
/// supply) lists of one rule.
#[derive(Debug, Clone, serde::Serialize, Default)]
pub struct GrantLists {
    pub rule: String,
    pub auto_grant: Vec<GrantEntry>,
    pub fast_track: Vec<GrantEntry>,
}

/// Builds the lists for one rule; the items to supply come from re-evaluating those rows with
/// the same plan.
pub fn grant_lists(plan: &Plan, panel: &Panel, batch: &BatchResult, rule_id: &str) -> GrantLists {
    let (Some(rp), Some(r)) = (plan.rule(rule_id), batch.rule(rule_id)) else {
        return GrantLists::default();
    };
    let pick: Pick = batch.options.assumption.into();
    let mut out = GrantLists {
        rule: rule_id.to_string(),
        ..Default::default()
    };
    let mut buf = Buffers::default();
    for row in 0..r.verdict.len() {
        let entry = |supply: Vec<Supply>| GrantEntry {
            row,
            uscc: panel.uscc[row].clone(),
            park: panel.parks[panel.park[row] as usize].clone(),
            award: r.award_at(row),
            supply,
        };
        match r.verdict[row] {
            Verdict::Pass if r.verified[row] => out.auto_grant.push(entry(Vec::new())),
            Verdict::Pass | Verdict::Unknown => {
                plan.eval_chunk(panel, batch.year, row, 1, &rp.nodes, pick, &mut buf);
                let missing_only = r.verdict[row] == Verdict::Unknown;
                let deps = supply(&rp.vtree, panel, batch.year, row, &buf, 0, missing_only);
                out.fast_track
                    .push(entry(supply_items(panel, batch.year, row, &deps)));
            }
            Verdict::Fail => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::file::parse_file;
    use crate::funnel::{FunnelYear, funnel};
    use crate::panel::FirmAttrs;
    use crate::plan::{EvalOptions, compile};
    use gaoxin_model::{Date, F, Listing, Provenance, Sector};

    /// Two rungs: 1 = revenue ≥ 100万元 with a registration flag as its record, 2 = R&D ≥ 50万元
    /// with a certificate valid three years as its record.
    fn plan() -> Plan {
        let rung = |id: &str, level: u8, cond: &str, rec: &str| {
            format!(
                r#"id = "{id}"
name = "{id}"
version = "1"
document = "无"
issuer = "无"
effective_from = "2020-01-01"
source = "test"
status = "CONFIRMED"
kind = "qualification"
rung = {level}

[[conditions]]
id = "c"
zh = "条件"
expr = "{cond}"

[outcome]
label = "{id}"
eligible = "c"

[recognised]
zh = "记录"
expr = "{rec}"
source = "test"
"#
            )
        };
        let files = vec![
            parse_file(
                std::path::Path::new("a.toml"),
                &rung("low", 1, "revenue >= 100万元", "techsme_registered == 1"),
            )
            .unwrap(),
            parse_file(
                std::path::Path::new("b.toml"),
                &rung(
                    "high",
                    2,
                    "rd_expense >= 50万元",
                    "years_since(hightech_cert_date) < 3",
                ),
            )
            .unwrap(),
        ];
        compile(&files, crate::default_as_of(2024), &Default::default()).unwrap()
    }

    /// Rows: (registered flag, certificate date, revenue 万元, R&D 万元).
    fn panel(rows: &[(Option<i64>, Option<Date>, i64, i64)]) -> Panel {
        let mut p = Panel::new(2024, 2024);
        for (i, (reg, cert, rev, rd)) in rows.iter().enumerate() {
            let row = p.push_firm(&FirmAttrs {
                uscc: format!("firm{i}"),
                name: format!("企业{i}"),
                park: "p".into(),
                founded: Date::new(2010, 1, 1).unwrap(),
                sector: Sector::Manufacturing,
                listing: Listing::Unlisted,
                tech_field_ok: true,
                sme_class: 0,
            });
            let d = Provenance::Declared;
            p.set(row, 2024, F::TechSmeRegistered, *reg, &d);
            p.set(row, 2024, F::HightechCertDate, cert.map(|c| c.to_int()), &d);
            p.set(row, 2024, F::Revenue, Some(rev * 1_000_000), &d);
            p.set(row, 2024, F::RdExpense, Some(rd * 1_000_000), &d);
        }
        p
    }

    /// The current rung is the recognised status where a record exists, whatever the rule says;
    /// the rules answer only where no record exists (issue 11 C: a firm holding a valid 高企
    /// certificate was shown 未入梯).
    #[test]
    fn records_place_firms_and_rules_only_fill_missing_records() {
        let plan = plan();
        let cert = |y, m, d| Some(Date::new(y, m, d).unwrap());
        let p = panel(&[
            // 0: valid certificate, fails both rules → rung 2 by record
            (Some(0), cert(2023, 11, 20), 10, 1),
            // 1: no records, meets both rules → rung 2 by the rules
            (None, None, 500, 80),
            // 2: registered, certificate expired (2022-06-30 + 3 years = the as-of day) but the
            //    rule is met → rung 1 by record; the expired record is not overridden by the rule
            (Some(1), cert(2022, 6, 30), 500, 80),
            // 3: record says not registered though the rule is met, no certificate record, R&D short
            (Some(0), None, 500, 10),
            // 4: no registration record, meets rung 1 only; certificate record expired
            (None, cert(2020, 1, 1), 500, 10),
        ]);
        let batch = crate::batch::evaluate(&plan, &p, 2024, &EvalOptions::default());
        let pos = positions(&plan, &p, &batch);
        let got: Vec<(u8, Option<Basis>, u8, u8)> = pos
            .iter()
            .map(|x| (x.level, x.basis, x.recognised_level, x.rules_level))
            .collect();
        assert_eq!(
            got,
            [
                (2, Some(Basis::Record), 2, 0),
                (2, Some(Basis::Rules), 0, 2),
                (1, Some(Basis::Record), 1, 2),
                (0, None, 0, 1),
                (1, Some(Basis::Rules), 0, 1),
            ]
        );
        assert_eq!(pos[0].label.as_deref(), Some("high"));
        assert_eq!(
            pos[2]
                .standings
                .iter()
                .map(|s| s.record)
                .collect::<Vec<_>>(),
            [Record::Recognised, Record::NotRecognised]
        );
        // next step from the record: firm 2 stands on rung 1, its next rung is 2
        assert_eq!(pos[2].next.as_ref().map(|r| r.level), Some(2));
        let (ns, _) = next_step(&plan, &p, &batch, 2).unwrap();
        assert_eq!((ns.level, ns.basis), (1, Some(Basis::Record)));
        // the recorded facts come with their values
        let inputs = record_inputs(&plan, &p, 0, 2024, "high");
        assert_eq!(inputs.len(), 1);
        assert_eq!(inputs[0].value, Some(20231120));
        // the funnel counts recognised status
        let present = vec![true; p.len()];
        let year = FunnelYear {
            year: 2024,
            positions: &pos,
            present: &present,
        };
        let f = funnel(&p, &rungs(&plan), &[year]);
        assert_eq!(f.rows.len(), 1);
        assert_eq!((f.rows[0].year, f.rows[0].park.as_str()), (2024, "p"));
        assert_eq!(f.rows[0].counts, vec![1, 2, 2, 0]);
        assert_eq!(f.rows[0].by_rules, vec![0, 1, 1, 0]);
        assert_eq!(f.rows[0].by_record(1), 1);
    }

    /// A firm counts in a year only with facts that year: an absent year ends its spell on a
    /// rung and leaves it out of that year's counts and conversions.
    #[test]
    fn the_funnel_counts_a_firm_only_in_its_years() {
        let p = panel(&[(None, None, 1, 1), (None, None, 1, 1)]);
        let at = |row: usize, level: u8| LadderPosition {
            row,
            level,
            label: None,
            basis: (level > 0).then_some(Basis::Rules),
            recognised_level: 0,
            rules_level: level,
            standings: Vec::new(),
            assumption_dependent: false,
            next: None,
            next_verdict: None,
            next_distance: None,
        };
        // firm 0: rung 1, 1, 2; firm 1: rung 1, absent, rung 1
        let pos = [
            vec![at(0, 1), at(1, 1)],
            vec![at(0, 1), at(1, 0)],
            vec![at(0, 2), at(1, 1)],
        ];
        let present = [vec![true, true], vec![true, false], vec![true, true]];
        let years: Vec<FunnelYear> = (0..3)
            .map(|k| FunnelYear {
                year: 2022 + k as i32,
                positions: &pos[k],
                present: &present[k],
            })
            .collect();
        let rs = vec![
            Rung {
                level: 1,
                label: "one".into(),
                rule: Some("one".into()),
                note: None,
            },
            Rung {
                level: 2,
                label: "two".into(),
                rule: Some("two".into()),
                note: None,
            },
        ];
        let f = funnel(&p, &rs, &years);
        assert_eq!(f.years, [2022, 2023, 2024]);
        let counts: Vec<(i32, Vec<usize>)> =
            f.rows.iter().map(|r| (r.year, r.counts.clone())).collect();
        assert_eq!(
            counts,
            [
                (2022, vec![0, 2, 0]),
                (2023, vec![0, 1, 0]),
                (2024, vec![0, 1, 1])
            ]
        );
        let conv: Vec<(i32, u8, usize, usize)> = f
            .conversions
            .iter()
            .map(|c| (c.from_year, c.level, c.firms, c.moved_up))
            .collect();
        // firm 1 is absent in 2023: no conversion from 2022 or 2023 for it
        assert_eq!(conv, [(2022, 1, 1, 0), (2023, 1, 1, 1)]);
        assert_eq!(f.conversions[1].rate(), 1.0);
        let med: Vec<(u8, usize, f64)> = f
            .medians
            .iter()
            .map(|m| (m.level, m.spells, m.median_years))
            .collect();
        // rung 1: firm 0 two years, firm 1 two spells of one year; rung 2: one year
        assert_eq!(med, [(1, 3, 1.0), (2, 1, 1.0)]);
    }

    /// A rung without a record whose verdict turns with the expert-score assumption makes the
    /// firm's rung depend on it (counted apart in the funnel); with a record it does not.
    #[test]
    fn a_rung_placed_by_the_rules_can_depend_on_the_assumption() {
        let text = r#"id = "m"
name = "m"
version = "1"
document = "无"
issuer = "无"
effective_from = "2020-01-01"
source = "test"
status = "CONFIRMED"
kind = "qualification"
rung = 1

[[manual]]
name = "expert"
zh = "专家评分"
expert = "专家"
lo = 0
hi = 10

[[conditions]]
id = "c"
zh = "条件"
expr = "expert >= 5"

[outcome]
label = "m"
eligible = "c"

[recognised]
zh = "记录"
expr = "techsme_registered == 1"
source = "test"
"#;
        let f = parse_file(std::path::Path::new("m.toml"), text).unwrap();
        let plan = compile(&[f], crate::default_as_of(2024), &Default::default()).unwrap();
        let p = panel(&[(None, None, 1, 1), (Some(0), None, 1, 1)]);
        let batch = crate::batch::evaluate(&plan, &p, 2024, &EvalOptions::default());
        let r = batch.rule("m").unwrap();
        assert_eq!(r.verdict[..], [Verdict::Fail, Verdict::Fail]);
        assert!(r.assumption_dependent[0] && r.assumption_dependent[1]);
        let pos = positions(&plan, &p, &batch);
        assert!(
            pos[0].assumption_dependent,
            "no record: the rules decide, by assumption"
        );
        assert!(!pos[1].assumption_dependent, "the record decides");
        assert_eq!(
            crate::plan::Finding::of(r.verdict[0], true).zh(),
            "取决于专家评分假设"
        );
    }

    /// A firm whose verdict is unknown has no distance: the nearest list leaves it out (issue 11
    /// item 7: such firms led the list at distance 0) and `undecided` lists it with what it misses.
    #[test]
    fn unknown_verdicts_are_listed_apart_from_the_nearest() {
        let plan = plan();
        let mut p = panel(&[
            (None, None, 90, 1),
            (None, None, 50, 1),
            (None, None, 10, 1),
        ]);
        // firm 2's revenue is missing
        p.set(2, 2024, F::Revenue, None, &Provenance::Missing);
        let batch = crate::batch::evaluate(&plan, &p, 2024, &EvalOptions::default());
        assert_eq!(batch.rule("low").unwrap().verdict[2], Verdict::Unknown);
        let near = nearest(&plan, &p, &batch, "low", 10);
        assert_eq!(
            near.iter().map(|n| n.row).collect::<Vec<_>>(),
            [0, 1],
            "{near:?}"
        );
        assert!((near[0].distance - 0.1).abs() < 1e-6);
        // a strict comparison failed at its threshold is near, but never at 0 (0 is a pass)
        let plan_strict = {
            let f = crate::file::parse_file(
                std::path::Path::new("s.toml"),
                r#"id = "s"
name = "s"
version = "1"
document = "无"
issuer = "无"
effective_from = "2020-01-01"
source = "test"
status = "CONFIRMED"
kind = "qualification"
rung = 1

[[conditions]]
id = "c"
zh = "条件"
expr = "revenue > 100万元"

[outcome]
label = "s"
eligible = "c"
"#,
            )
            .unwrap();
            compile(&[f], crate::default_as_of(2024), &Default::default()).unwrap()
        };
        let at = panel(&[(None, None, 100, 1)]);
        let b = crate::batch::evaluate(&plan_strict, &at, 2024, &EvalOptions::default());
        assert_eq!(b.rule("s").unwrap().verdict[0], Verdict::Fail);
        let d = nearest(&plan_strict, &at, &b, "s", 1)[0].distance;
        assert!(d > 0.0 && d < 1e-6, "{d}");
        let und = undecided(&plan, &p, &batch, "low", 10);
        assert_eq!(und.len(), 1);
        assert_eq!(und[0].row, 2);
        assert_eq!(
            und[0]
                .missing
                .iter()
                .map(|s| s.key.as_str())
                .collect::<Vec<_>>(),
            ["revenue"]
        );
    }
}
