//! The ledger's measures (应享尽享、应兑尽兑), pure over the awards' rows:
//!
//! * entitled vs paid by policy, park or year — entitled: an award whose firm qualifies in the
//!   latest synced run (not flagged), or one paid already; paid: 拨付 or 公示;
//! * 应享尽享 — entitled awards never paid, each with where it stalls (the state, on whom it
//!   waits), what the firm must supply when it waits on the firm, and the reason of a rejection;
//! * 应兑尽兑 — approved but unpaid awards with the working days since approval, and for paid ones
//!   the working days from approval to payment (median and max) on the Chinese working-day
//!   calendar (`model::workday`; a day outside the calendar's years is not counted, and said so);
//! * the special-fund accounts: allocations by category per year and the zone's share of the
//!   city's S&T special fund against the floor of `data/payout/payout.toml` (20%).
use crate::payout_data::{CITY_TOTAL, PayoutConfig};
use crate::payout_flow::State;
use gaoxin_index::target::TargetStatus;
use gaoxin_model::{Calendar, Date};
use gaoxin_store::{FundLine, PayoutRow};
use std::collections::{BTreeMap, HashMap};

/// What the rows are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Policy,
    Park,
    Year,
}

impl Dimension {
    pub fn parse(s: &str) -> Result<Dimension, String> {
        match s.trim() {
            "policy" | "政策" => Ok(Dimension::Policy),
            "park" | "园区" => Ok(Dimension::Park),
            "year" | "年度" => Ok(Dimension::Year),
            x => Err(format!(
                "未知分组「{x}」（可选：policy 政策、park 园区、year 年度）"
            )),
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Dimension::Policy => "政策",
            Dimension::Park => "园区",
            Dimension::Year => "年度",
        }
    }
}

/// Entitled vs paid of one group.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Group {
    pub name: String,
    pub entitled: usize,
    pub entitled_fen: i64,
    pub approved: usize,
    pub approved_fen: i64,
    pub paid: usize,
    pub paid_fen: i64,
    /// Entitled, never paid.
    pub unpaid: usize,
}

impl Group {
    /// Paid awards over entitled ones (`None` when none is entitled).
    pub fn paid_rate(&self) -> Option<f64> {
        (self.entitled > 0).then(|| self.paid as f64 / self.entitled as f64)
    }
}

fn state(p: &PayoutRow) -> Option<State> {
    State::parse(&p.state).ok()
}

/// Entitled: qualifies in the latest synced run, or paid already.
pub fn entitled(p: &PayoutRow) -> bool {
    !p.flagged || p.paid_fen.is_some()
}

/// Entitled vs paid grouped by `dim`, named by `name(key)`, in key order, with a 合计 row last.
pub fn groups(rows: &[PayoutRow], dim: Dimension, name: &dyn Fn(&str) -> String) -> Vec<Group> {
    let mut by: BTreeMap<String, Group> = BTreeMap::new();
    let mut total = Group {
        name: "合计".into(),
        ..Default::default()
    };
    for p in rows.iter().filter(|p| entitled(p)) {
        let key = match dim {
            Dimension::Policy => p.rule.clone(),
            Dimension::Park => p.park.clone(),
            Dimension::Year => p.year.to_string(),
        };
        let g = by.entry(key.clone()).or_insert_with(|| Group {
            name: name(&key),
            ..Default::default()
        });
        for g in [g, &mut total] {
            g.entitled += 1;
            g.entitled_fen += p.computed_fen;
            if let Some(a) = p.approved_fen {
                g.approved += 1;
                g.approved_fen += a;
            }
            match p.paid_fen {
                Some(x) => {
                    g.paid += 1;
                    g.paid_fen += x;
                }
                None => g.unpaid += 1,
            }
        }
    }
    let mut out: Vec<Group> = by.into_values().collect();
    out.push(total);
    out
}

/// An entitled award never paid (应享尽享), and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Stalled {
    pub id: i64,
    pub uscc: String,
    pub firm_name: String,
    pub park: String,
    pub rule: String,
    pub year: i64,
    pub computed_fen: i64,
    pub state: String,
    /// Where it waits and on whom.
    pub waits_on: String,
    /// What the firm must supply (when it waits on the firm).
    pub supply: Vec<String>,
    /// The reason of a rejection (不予核准), else empty.
    pub reason: String,
}

/// 应享尽享: the entitled awards never paid, by year (newest first), state and firm; `reasons`:
/// each rejected award's reason.
pub fn never_paid(rows: &[PayoutRow], reasons: &HashMap<i64, String>) -> Vec<Stalled> {
    let mut out: Vec<Stalled> = rows
        .iter()
        .filter(|p| entitled(p) && p.paid_fen.is_none())
        .map(|p| {
            let s = state(p).unwrap_or(State::Computed);
            let exempt = p.channel == "免申";
            Stalled {
                id: p.id,
                uscc: p.uscc.clone(),
                firm_name: p.firm_name.clone(),
                park: p.park.clone(),
                rule: p.rule.clone(),
                year: p.year,
                computed_fen: p.computed_fen,
                state: p.state.clone(),
                waits_on: s.waits_on(exempt).to_string(),
                supply: if s == State::Computed && !exempt {
                    p.supply
                        .lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(str::to_string)
                        .collect()
                } else {
                    vec![]
                },
                reason: reasons.get(&p.id).cloned().unwrap_or_default(),
            }
        })
        .collect();
    out.sort_by(|a, b| (-a.year, &a.state, &a.uscc).cmp(&(-b.year, &b.state, &b.uscc)));
    out
}

/// An approved award not yet paid (应兑尽兑).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Unpaid {
    pub id: i64,
    pub uscc: String,
    pub firm_name: String,
    pub park: String,
    pub rule: String,
    pub approved_fen: i64,
    /// yyyymmdd.
    pub approved_on: i64,
    pub state: String,
    /// Working days since approval (`None`: a day outside the calendar).
    pub working_days: Option<u32>,
}

/// Working days from approval to payment over the paid awards.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct PayDays {
    pub paid: usize,
    pub median: Option<f64>,
    pub max: Option<u32>,
    /// Paid awards whose days could not be counted (a date outside the calendar, or no approval
    /// recorded — paid outside the platform).
    pub uncounted: usize,
}

fn days(cal: &Calendar, from: i64, to: i64) -> Option<u32> {
    let (a, b) = (Date::from_int(from)?, Date::from_int(to)?);
    cal.working_days_between(a, b, &[]).ok()
}

/// 应兑尽兑: approved and unpaid awards (longest waiting first) as of `today` (yyyymmdd), and the
/// days from approval to payment of the paid ones.
pub fn approved_unpaid(rows: &[PayoutRow], cal: &Calendar, today: i64) -> (Vec<Unpaid>, PayDays) {
    let mut waiting: Vec<Unpaid> = rows
        .iter()
        .filter(|p| state(p).is_some_and(State::approved_unpaid))
        .map(|p| Unpaid {
            id: p.id,
            uscc: p.uscc.clone(),
            firm_name: p.firm_name.clone(),
            park: p.park.clone(),
            rule: p.rule.clone(),
            approved_fen: p.approved_fen.unwrap_or(p.computed_fen),
            approved_on: p.approved_on.unwrap_or(today),
            state: p.state.clone(),
            working_days: p.approved_on.and_then(|a| days(cal, a, today)),
        })
        .collect();
    waiting.sort_by(|a, b| {
        (b.working_days, b.approved_fen, a.id).cmp(&(a.working_days, a.approved_fen, b.id))
    });
    let mut counted: Vec<u32> = Vec::new();
    let mut d = PayDays::default();
    for p in rows.iter().filter(|p| p.paid_fen.is_some()) {
        d.paid += 1;
        match (p.approved_on, p.paid_on) {
            (Some(a), Some(b)) => match days(cal, a, b) {
                Some(n) => counted.push(n),
                None => d.uncounted += 1,
            },
            _ => d.uncounted += 1,
        }
    }
    counted.sort_unstable();
    d.max = counted.last().copied();
    d.median = match counted.len() {
        0 => None,
        n if n % 2 == 1 => Some(f64::from(counted[n / 2])),
        n => Some((f64::from(counted[n / 2 - 1]) + f64::from(counted[n / 2])) / 2.0),
    };
    (waiting, d)
}

/// One year's special-fund account.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FundYear {
    pub year: i64,
    /// Every category of the data file in its order, with the year's allocations (市级 + 区级).
    pub categories: Vec<(String, i64)>,
    pub total_fen: i64,
    /// Allocations from the city (市级).
    pub city_sourced_fen: i64,
    /// The city's whole S&T special fund of the year, if entered.
    pub city_total_fen: Option<i64>,
    /// `city_sourced_fen / city_total_fen`.
    pub share: Option<f64>,
    /// Against the floor: 已达成 / 未达成 / 需要数据 (the targets' words).
    pub status: String,
    pub status_key: String,
}

/// The special-fund accounts by year (oldest first).
pub fn fund_years(cfg: &PayoutConfig, lines: &[FundLine]) -> Vec<FundYear> {
    let mut years: Vec<i64> = lines.iter().map(|l| l.year).collect();
    years.sort_unstable();
    years.dedup();
    years
        .into_iter()
        .map(|y| {
            let of_year = lines.iter().filter(|l| l.year == y);
            let categories: Vec<(String, i64)> = cfg
                .categories
                .iter()
                .map(|c| {
                    let sum = of_year
                        .clone()
                        .filter(|l| l.category == c.name)
                        .map(|l| l.amount_fen)
                        .sum();
                    (c.name.clone(), sum)
                })
                .collect();
            let total_fen = categories.iter().map(|c| c.1).sum();
            let city_sourced_fen = of_year
                .clone()
                .filter(|l| l.category != CITY_TOTAL && l.source == "市级")
                .map(|l| l.amount_fen)
                .sum();
            let city_total_fen = of_year
                .clone()
                .filter(|l| l.category == CITY_TOTAL)
                .map(|l| l.amount_fen)
                .reduce(|a, b| a + b);
            let share = city_total_fen
                .filter(|t| *t > 0)
                .map(|t| city_sourced_fen as f64 / t as f64);
            // exact: city_sourced * 100 >= floor% * city_total, in integers
            let status = match city_total_fen.filter(|t| *t > 0) {
                None => TargetStatus::NeedsData,
                Some(t) => {
                    if i128::from(city_sourced_fen) * 100
                        >= i128::from(cfg.floor.share_percent) * i128::from(t)
                    {
                        TargetStatus::Achieved
                    } else {
                        TargetStatus::Short
                    }
                }
            };
            FundYear {
                year: y,
                categories,
                total_fen,
                city_sourced_fen,
                city_total_fen,
                share,
                status: status.zh().into(),
                status_key: status.key().into(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
