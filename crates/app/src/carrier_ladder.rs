//! How a carrier's incubated firms moved up the ladder (科小 → 高企 → 瞪羚 → 独角兽): the measure
//! of a carrier that none of the public evaluations uses (issue 19).
//!
//! A firm's rung in a year is its **recorded** status in the panel that year
//! ([`crate::talent_monitor::recorded_tier`]: 独角兽 / 瞪羚 lists, a 高企 certificate in force, 科小
//! 入库; else 其他). A year without the firm's facts is 无数据 — never 其他. For each linked firm:
//! the rung in its entry year (入孵时), the rung in the latest year with facts up to the
//! as-of year (现在), whether it moved up (both known and now higher), and the years from entry
//! to the first year it stood higher than at entry. [`movement`] is pure; [`of_carrier`] reads the
//! panel in the reader's scope (a firm outside it reads as 无数据).
use crate::talent_monitor::{recorded_tier, tier_rank};
use gaoxin_model::Uscc;
use gaoxin_store::{CarrierFirm, Scope, Store};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The ladder's rungs, lowest first, then the two states that are not rungs.
pub const RUNGS: [&str; 6] = ["其他", "科小", "高企", "瞪羚", "独角兽", "无数据"];

/// The rung's index into [`RUNGS`] of a `tier_rank` (0 其他 … 4 独角兽), or 5 when unknown.
fn index(rank: Option<i32>) -> usize {
    rank.map_or(5, |r| r.clamp(0, 4) as usize)
}

/// One incubated firm's movement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FirmMove {
    pub uscc: String,
    /// The firm's name when it is in the reader's scope.
    pub name: Option<String>,
    pub entry_year: Option<i64>,
    pub graduation_year: Option<i64>,
    pub at_entry: &'static str,
    pub now: &'static str,
    /// The year of `now` (the latest year with facts up to the as-of year).
    pub now_year: Option<i64>,
    pub moved_up: bool,
    /// Years from entry to the first year above the entry rung.
    pub years_to_move: Option<i64>,
}

/// A carrier's ladder movement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LadderMovement {
    pub as_of: Option<i64>,
    /// (rung, firms at entry, firms now), in [`RUNGS`] order.
    pub counts: Vec<(&'static str, usize, usize)>,
    pub firms: usize,
    /// Firms whose rung at entry and now are both known.
    pub known: usize,
    pub moved_up: usize,
    /// Firms that reached 高企 or above after entering below it.
    pub reached_hnte: usize,
    /// Median years from entry to moving up (over the firms that moved).
    pub median_years: Option<f64>,
    pub rows: Vec<FirmMove>,
}

/// Firms' recorded ranks by year: credit code → year → `tier_rank`.
pub type Tiers = BTreeMap<String, BTreeMap<i64, i32>>;

fn median(mut xs: Vec<i64>) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    xs.sort_unstable();
    let n = xs.len();
    Some(if n % 2 == 1 {
        xs[n / 2] as f64
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) as f64 / 2.0
    })
}

/// The movement of `firms` given their recorded ranks, up to `as_of` (every year when `None`).
pub fn movement(firms: &[CarrierFirm], tiers: &Tiers, as_of: Option<i64>) -> LadderMovement {
    let empty = BTreeMap::new();
    let mut at_entry = [0usize; 6];
    let mut now_c = [0usize; 6];
    let mut rows = Vec::new();
    let mut years = Vec::new();
    let (mut known, mut moved, mut hnte) = (0, 0, 0);
    for f in firms {
        let l = &f.link;
        let t = tiers.get(&l.uscc).unwrap_or(&empty);
        let upto = |y: &i64| as_of.is_none_or(|a| *y <= a);
        let entry = l.entry_year.and_then(|y| t.get(&y).copied());
        let last = t.iter().rev().find(|(y, _)| upto(y));
        let now = last.map(|(_, r)| *r);
        let first_above = match (l.entry_year, entry) {
            (Some(ey), Some(er)) => t
                .iter()
                .find(|(y, r)| **y > ey && upto(y) && **r > er)
                .map(|(y, _)| y - ey),
            _ => None,
        };
        let up = matches!((entry, now), (Some(a), Some(b)) if b > a);
        if entry.is_some() && now.is_some() {
            known += 1;
        }
        if up {
            moved += 1;
            years.extend(first_above);
            if entry.is_some_and(|e| e < 2) && now.is_some_and(|n| n >= 2) {
                hnte += 1;
            }
        }
        at_entry[index(entry)] += 1;
        now_c[index(now)] += 1;
        rows.push(FirmMove {
            uscc: l.uscc.clone(),
            name: f.name.clone(),
            entry_year: l.entry_year,
            graduation_year: l.graduation_year,
            at_entry: RUNGS[index(entry)],
            now: RUNGS[index(now)],
            now_year: last.map(|(y, _)| *y),
            moved_up: up,
            years_to_move: if up { first_above } else { None },
        });
    }
    LadderMovement {
        as_of,
        counts: (0..6).map(|k| (RUNGS[k], at_entry[k], now_c[k])).collect(),
        firms: firms.len(),
        known,
        moved_up: moved,
        reached_hnte: hnte,
        median_years: median(years),
        rows,
    }
}

/// The recorded ranks by year of `firms` as `scope` reads the panel (one read per firm).
pub async fn tiers_of(
    store: &Store,
    scope: &Scope,
    firms: &[CarrierFirm],
) -> Result<Tiers, gaoxin_store::Error> {
    let mut out = Tiers::new();
    let codes: BTreeSet<&str> = firms.iter().map(|f| f.link.uscc.as_str()).collect();
    for code in codes {
        let Ok(u) = Uscc::parse(code) else { continue };
        let m = out.entry(code.to_string()).or_default();
        for f in store.facts_of(scope, &u).await? {
            m.insert(i64::from(f.year.get()), tier_rank(recorded_tier(&f)));
        }
    }
    Ok(out)
}

/// The recorded ranks by year of every firm linked to a carrier in `scope`, from one pass over
/// the panel in `scope` (for the evaluation and the list).
pub async fn all_tiers(
    store: &Store,
    scope: &Scope,
    firms: &[CarrierFirm],
) -> Result<Tiers, gaoxin_store::Error> {
    let codes: BTreeSet<&str> = firms.iter().map(|f| f.link.uscc.as_str()).collect();
    let mut out = Tiers::new();
    store
        .for_each_row(scope, None, None, |e, f| {
            if codes.contains(e.uscc.as_str()) {
                out.entry(e.uscc.as_str().to_string())
                    .or_default()
                    .insert(i64::from(f.year.get()), tier_rank(recorded_tier(&f)));
            }
            Ok(())
        })
        .await?;
    Ok(out)
}

/// The ladder movement of carrier `id`'s firms as `scope` reads them, up to `as_of`.
pub async fn of_carrier(
    store: &Store,
    scope: &Scope,
    id: &str,
    as_of: Option<i64>,
) -> Result<LadderMovement, gaoxin_store::Error> {
    let firms = store.carrier_firms(scope, Some(id)).await?;
    let tiers = tiers_of(store, scope, &firms).await?;
    Ok(movement(&firms, &tiers, as_of))
}

#[cfg(test)]
mod tests {
    use super::*;
    use gaoxin_store::CarrierLink;

    fn firm(code: &str, entry: Option<i64>, grad: Option<i64>) -> CarrierFirm {
        CarrierFirm {
            link: CarrierLink {
                carrier_id: "C1".into(),
                uscc: code.into(),
                entry_year: entry,
                graduation_year: grad,
            },
            name: None,
            park: None,
        }
    }

    /// Five firms by hand:
    /// A enters 2020 as 其他, 科小 in 2021, 高企 in 2023 → moved up, 1 year to move, reached 高企;
    /// B enters 2021 as 科小, still 科小 in 2024 → not moved;
    /// C enters 2020 as 高企, 瞪羚 in 2024 → moved up, 4 years;
    /// D enters 2022 but has no facts that year (无数据 at entry), 高企 in 2024 → not counted as moved;
    /// E enters 2019 as 科小, 高企 2022, no facts after 2022; as of 2024 its latest is 2022's 高企 → moved, 3 years.
    fn example() -> (Vec<CarrierFirm>, Tiers) {
        let firms = vec![
            firm("A", Some(2020), Some(2023)),
            firm("B", Some(2021), None),
            firm("C", Some(2020), None),
            firm("D", Some(2022), None),
            firm("E", Some(2019), Some(2022)),
        ];
        let t = |xs: &[(i64, i32)]| xs.iter().copied().collect::<BTreeMap<_, _>>();
        let tiers: Tiers = [
            (
                "A",
                t(&[(2020, 0), (2021, 1), (2022, 1), (2023, 2), (2024, 2)]),
            ),
            ("B", t(&[(2021, 1), (2022, 1), (2023, 1), (2024, 1)])),
            (
                "C",
                t(&[(2020, 2), (2021, 2), (2022, 2), (2023, 2), (2024, 3)]),
            ),
            ("D", t(&[(2023, 1), (2024, 2)])),
            ("E", t(&[(2019, 1), (2020, 1), (2021, 1), (2022, 2)])),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        (firms, tiers)
    }

    #[test]
    fn a_hand_built_example() {
        let (firms, tiers) = example();
        let m = movement(&firms, &tiers, Some(2024));
        assert_eq!(m.firms, 5);
        assert_eq!(m.known, 4, "D has no facts in its entry year");
        assert_eq!(m.moved_up, 3, "A, C, E");
        assert_eq!(m.reached_hnte, 2, "A and E rose to 高企 from below");
        // years to move: A 1, C 4, E 3 → median 3
        assert_eq!(m.median_years, Some(3.0));
        let count = |rung: &str| m.counts.iter().find(|c| c.0 == rung).unwrap();
        assert_eq!(count("其他"), &("其他", 1, 0));
        assert_eq!(count("科小"), &("科小", 2, 1));
        assert_eq!(count("高企"), &("高企", 1, 3));
        assert_eq!(count("瞪羚"), &("瞪羚", 0, 1));
        assert_eq!(count("无数据"), &("无数据", 1, 0));
        let a = &m.rows[0];
        assert_eq!(
            (a.at_entry, a.now, a.years_to_move),
            ("其他", "高企", Some(1))
        );
        let e = &m.rows[4];
        assert_eq!((e.now, e.now_year), ("高企", Some(2022)));
    }

    #[test]
    fn an_earlier_as_of_year_sees_less_movement() {
        let (firms, tiers) = example();
        let m = movement(&firms, &tiers, Some(2022));
        // by 2022: A is 科小 (moved, 1 year), C still 高企, E 高企 (moved)
        assert_eq!(m.moved_up, 2);
        assert_eq!(m.rows[2].now, "高企");
        assert!(!m.rows[2].moved_up);
        assert_eq!(m.rows[3].now, "无数据", "D has no facts up to 2022");
    }
}
