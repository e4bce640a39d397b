//! Talent monitoring (人才监测, issue 19): talents in post per park, field, track and cluster over
//! the years; new arrivals against the 3,000 target and top talents (teams) against the 100;
//! firms' talent density beside their tier; gaps by track (tracks with firms but few talents).
//!
//! Only counts: no personal field leaves this module, so every zone staff role and a park (its
//! own talents) may read it without a personal-record read being recorded. A talent's track and
//! cluster are their employer firm's (a talent at a university or institute has none).
//!
//! The two talent targets of the city's plan read their figures from here
//! ([`add_target_measures`], called by `indicators::targets`): with no talent in the scope they
//! stay 需要数据.
use gaoxin_index::panel::{Measures, hnte_valid};
use gaoxin_model::F;
use gaoxin_model::{Facts, Zone};
use gaoxin_store::{Scope, Store, Talent, TalentFilter};
use std::collections::{BTreeMap, BTreeSet};

/// The first year counted by the new-arrivals target (the 14th five-year plan's period).
pub const PLAN_START: i64 = 2021;

/// Whether `t` was in post at the end of `year`.
pub fn in_post(t: &Talent, year: i64) -> bool {
    t.arrival_year <= year && t.left_year.is_none_or(|l| l > year)
}

/// A firm's recorded rung of the ladder in a year, from the zone's records in its facts (lists
/// and certificates), highest first: 独角兽, 瞪羚, 高企, 科小, else 其他.
pub fn recorded_tier(f: &Facts) -> &'static str {
    if f.get(F::UnicornListed) == Some(1) {
        "独角兽"
    } else if f.get(F::GazelleListed) == Some(1) {
        "瞪羚"
    } else if hnte_valid(f.get(F::HightechCertDate), f.year.get()) {
        "高企"
    } else if f.get(F::TechSmeRegistered) == Some(1) {
        "科小"
    } else {
        "其他"
    }
}

/// The order of [`recorded_tier`]'s rungs (higher is further up).
pub fn tier_rank(tier: &str) -> i32 {
    match tier {
        "科小" => 1,
        "高企" => 2,
        "瞪羚" => 3,
        "独角兽" => 4,
        _ => 0,
    }
}

/// One series: a label and a count per year of [`Monitor::years`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Series {
    pub key: String,
    pub label: String,
    pub counts: Vec<i64>,
}

/// A firm employing talents: its latest year's tier and employees, and the talents in post.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FirmDensity {
    pub uscc: String,
    pub name: String,
    pub park: String,
    pub tier: String,
    pub employees: Option<i64>,
    pub talents: i64,
    /// Talents per 100 employees.
    pub per_100: Option<f64>,
}

/// Per tier: firms employing talents, talents, and the median talents per 100 employees.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TierDensity {
    pub tier: String,
    pub firms: i64,
    pub talents: i64,
    pub median_per_100: Option<f64>,
}

/// A track: firms with data in the latest year, talents in post, talents per 100 firms.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TrackGap {
    pub track: String,
    pub name: String,
    pub firms: i64,
    pub talents: i64,
    pub per_100_firms: Option<f64>,
    /// Fewer than half the zone's talents per firm (and firms present).
    pub gap: bool,
}

/// Progress against a target.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TargetProgress {
    pub name: String,
    pub value: i64,
    pub target: f64,
    pub target_year: i32,
}

/// The monitoring page's figures.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Monitor {
    pub years: Vec<i64>,
    pub total: i64,
    pub by_park: Vec<Series>,
    pub by_field: Vec<Series>,
    pub by_track: Vec<Series>,
    pub by_cluster: Vec<Series>,
    /// New arrivals per year.
    pub arrivals: Vec<i64>,
    pub new_talents: Option<TargetProgress>,
    pub top_teams: Option<TargetProgress>,
    pub firms: Vec<FirmDensity>,
    pub tiers: Vec<TierDensity>,
    pub gaps: Vec<TrackGap>,
}

/// Top teams in post at the end of `year`: marked teams by (park, team), talents without a team alone.
pub fn top_teams(talents: &[Talent], year: i64) -> BTreeSet<(String, String)> {
    talents
        .iter()
        .filter(|t| t.top_team && in_post(t, year))
        .map(|t| {
            (
                t.park.clone(),
                t.team.clone().unwrap_or_else(|| format!("#{}", t.code)),
            )
        })
        .collect()
}

/// New arrivals since [`PLAN_START`] up to `year`.
pub fn new_since_plan(talents: &[Talent], year: i64) -> i64 {
    talents
        .iter()
        .filter(|t| (PLAN_START..=year).contains(&t.arrival_year))
        .count() as i64
}

/// Adds the talent measures (`talents_new_since_2021`, `top_teams`) per park and year of the
/// panel (without a panel: the ledger's years) to `m` — only when the scope holds talent records (else the targets stay 需要数据).
pub async fn add_target_measures(
    store: &Store,
    scope: &Scope,
    m: &mut Measures,
) -> Result<(), gaoxin_store::Error> {
    let talents = store.talents(scope, &TalentFilter::default()).await?;
    if talents.is_empty() {
        return Ok(());
    }
    let parks: BTreeSet<&str> = talents.iter().map(|t| t.park.as_str()).collect();
    // the panel's years; without a panel, the ledger's own (from the plan's base year)
    let mut years = m.years();
    if years.is_empty() {
        let last = talents
            .iter()
            .map(|t| t.arrival_year)
            .max()
            .unwrap_or(PLAN_START);
        years = ((PLAN_START - 1).min(last)..=last)
            .map(|y| y as i32)
            .collect();
    }
    for year in years {
        let y = i64::from(year);
        let teams = top_teams(&talents, y);
        for p in &parks {
            let new = talents
                .iter()
                .filter(|t| t.park == *p && (PLAN_START..=y).contains(&t.arrival_year))
                .count();
            let top = teams.iter().filter(|(tp, _)| tp == p).count();
            m.set_given("talents_new_since_2021", year, p, new as f64);
            m.set_given("top_teams", year, p, top as f64);
        }
    }
    Ok(())
}

fn series(
    years: &[i64],
    talents: &[Talent],
    keys: impl Fn(&Talent) -> Vec<String>,
    label: impl Fn(&str) -> String,
) -> Vec<Series> {
    let mut by: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for t in talents {
        for k in keys(t) {
            let c = by.entry(k).or_insert_with(|| vec![0; years.len()]);
            for (i, y) in years.iter().enumerate() {
                c[i] += i64::from(in_post(t, *y));
            }
        }
    }
    let mut out: Vec<Series> = by
        .into_iter()
        .map(|(key, counts)| Series {
            label: label(&key),
            key,
            counts,
        })
        .collect();
    out.sort_by(|a, b| {
        b.counts
            .last()
            .cmp(&a.counts.last())
            .then(a.key.cmp(&b.key))
    });
    out
}

fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// The monitoring figures for `scope` (zone staff: the zone; a park: its own), years from the
/// first arrival to `year` (default: the latest panel year, else the latest arrival).
pub async fn monitor(
    store: &Store,
    zone: &Zone,
    scope: &Scope,
    year: Option<i64>,
) -> Result<Monitor, gaoxin_store::Error> {
    let talents = store.talents(scope, &TalentFilter::default()).await?;
    let panel_years = store.years(scope).await?;
    let last = year
        .or(panel_years.last().map(|y| i64::from(y.get())))
        .or(talents.iter().map(|t| t.arrival_year).max())
        .unwrap_or(PLAN_START);
    let first = talents
        .iter()
        .map(|t| t.arrival_year)
        .min()
        .unwrap_or(last)
        .max(last - 9)
        .min(last);
    let years: Vec<i64> = (first..=last).collect();
    // the employers' and every firm's latest-year facts (for tiers, density, tracks, clusters)
    let mut firm_info: FirmInfo = BTreeMap::new();
    let mut track_firms: BTreeMap<String, i64> = BTreeMap::new();
    let employers: BTreeSet<&str> = talents
        .iter()
        .filter_map(|t| t.employer_uscc.as_deref())
        .collect();
    if let Ok(y) = gaoxin_model::Year::new(last as i32) {
        store
            .for_each_row(scope, None, Some(y), |e, f| {
                for tr in &e.tracks {
                    *track_firms.entry(tr.clone()).or_default() += 1;
                }
                if employers.contains(e.uscc.as_str()) {
                    firm_info.insert(e.uscc.as_str().to_string(), (e.clone(), Some(f)));
                }
                Ok(())
            })
            .await?;
    }
    // employers without facts in that year: tracks and clusters still count, tier unknown
    for u in &employers {
        if firm_info.contains_key(*u) {
            continue;
        }
        if let Ok(code) = gaoxin_model::Uscc::parse(u)
            && let Some(e) = store.enterprise(scope, &code).await?
        {
            firm_info.insert(u.to_string(), (e, None));
        }
    }
    let park_name = |k: &str| {
        zone.park(k)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| k.to_string())
    };
    let firm_of = |t: &Talent| t.employer_uscc.as_ref().and_then(|u| firm_info.get(u));
    let by_park = series(&years, &talents, |t| vec![t.park.clone()], park_name);
    let by_field = series(&years, &talents, |t| vec![t.field.clone()], str::to_string);
    let by_track = series(
        &years,
        &talents,
        |t| {
            firm_of(t)
                .map(|(e, _)| e.tracks.clone())
                .unwrap_or_default()
        },
        |k| {
            zone.track(k)
                .map(|t| t.name.clone())
                .unwrap_or_else(|| k.to_string())
        },
    );
    let by_cluster = series(
        &years,
        &talents,
        |t| {
            firm_of(t)
                .map(|(e, _)| e.clusters.clone())
                .unwrap_or_default()
        },
        |k| {
            zone.cluster(k)
                .map(|c| c.name.clone())
                .unwrap_or_else(|| k.to_string())
        },
    );
    let arrivals = years
        .iter()
        .map(|y| talents.iter().filter(|t| t.arrival_year == *y).count() as i64)
        .collect();
    let target = |id: &str, value: i64| {
        (!talents.is_empty()).then_some(()).and_then(|_| {
            zone.targets
                .iter()
                .find(|t| t.id == id)
                .map(|t| TargetProgress {
                    name: t.name.clone(),
                    value,
                    target: t.target,
                    target_year: t.target_year,
                })
        })
    };
    let new_talents = target("c-new-talents", new_since_plan(&talents, last));
    let top = target("c-top-talents", top_teams(&talents, last).len() as i64);
    let (firms, tiers) = density(&talents, &firm_info, last, &park_name);
    let gaps = track_gaps(zone, &talents, &firm_info, &track_firms, last);
    Ok(Monitor {
        total: talents.iter().filter(|t| in_post(t, last)).count() as i64,
        years,
        by_park,
        by_field,
        by_track,
        by_cluster,
        arrivals,
        new_talents,
        top_teams: top,
        firms,
        tiers,
        gaps,
    })
}

type FirmInfo = BTreeMap<String, (gaoxin_model::Enterprise, Option<Facts>)>;

fn density(
    talents: &[Talent],
    firm_info: &FirmInfo,
    year: i64,
    park_name: &dyn Fn(&str) -> String,
) -> (Vec<FirmDensity>, Vec<TierDensity>) {
    let mut per_firm: BTreeMap<&str, i64> = BTreeMap::new();
    for t in talents.iter().filter(|t| in_post(t, year)) {
        if let Some(u) = t.employer_uscc.as_deref() {
            *per_firm.entry(u).or_default() += 1;
        }
    }
    let mut firms: Vec<FirmDensity> = per_firm
        .into_iter()
        .filter_map(|(u, n)| {
            let (e, f) = firm_info.get(u)?;
            let employees = f.as_ref().and_then(|f| f.get(F::Employees));
            Some(FirmDensity {
                uscc: u.to_string(),
                name: e.name.clone(),
                park: park_name(e.park.as_str()),
                tier: f.as_ref().map_or("无数据", recorded_tier).to_string(),
                employees,
                talents: n,
                per_100: employees
                    .filter(|e| *e > 0)
                    .map(|e| 100.0 * n as f64 / e as f64),
            })
        })
        .collect();
    firms.sort_by(|a, b| {
        b.per_100
            .unwrap_or(-1.0)
            .total_cmp(&a.per_100.unwrap_or(-1.0))
            .then(a.uscc.cmp(&b.uscc))
    });
    let tiers = ["独角兽", "瞪羚", "高企", "科小", "其他", "无数据"]
        .iter()
        .map(|tier| {
            let mine: Vec<&FirmDensity> = firms.iter().filter(|f| f.tier == *tier).collect();
            let mut d: Vec<f64> = mine.iter().filter_map(|f| f.per_100).collect();
            TierDensity {
                tier: tier.to_string(),
                firms: mine.len() as i64,
                talents: mine.iter().map(|f| f.talents).sum(),
                median_per_100: median(&mut d),
            }
        })
        .collect();
    (firms, tiers)
}

fn track_gaps(
    zone: &Zone,
    talents: &[Talent],
    firm_info: &FirmInfo,
    track_firms: &BTreeMap<String, i64>,
    year: i64,
) -> Vec<TrackGap> {
    let mut per_track: BTreeMap<&str, i64> = BTreeMap::new();
    for t in talents.iter().filter(|t| in_post(t, year)) {
        if let Some((e, _)) = t.employer_uscc.as_ref().and_then(|u| firm_info.get(u)) {
            for tr in &e.tracks {
                *per_track.entry(tr.as_str()).or_default() += 1;
            }
        }
    }
    let all_firms: i64 = track_firms.values().sum();
    let all_talents: i64 = per_track.values().sum();
    let zone_rate = (all_firms > 0).then(|| 100.0 * all_talents as f64 / all_firms as f64);
    let mut out: Vec<TrackGap> = zone
        .tracks
        .iter()
        .map(|tr| {
            let firms = track_firms.get(&tr.id).copied().unwrap_or(0);
            let talents = per_track.get(tr.id.as_str()).copied().unwrap_or(0);
            let per = (firms > 0).then(|| 100.0 * talents as f64 / firms as f64);
            TrackGap {
                track: tr.id.clone(),
                name: tr.name.clone(),
                firms,
                talents,
                per_100_firms: per,
                gap: matches!((per, zone_rate), (Some(p), Some(z)) if p < z / 2.0),
            }
        })
        .collect();
    out.sort_by(|a, b| b.gap.cmp(&a.gap).then(a.track.cmp(&b.track)));
    out
}

/// The monitoring figures as .xlsx (one sheet per view).
pub fn xlsx(m: &Monitor) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let years: Vec<String> = m.years.iter().map(|y| format!("{y}年")).collect();
    for (name, s) in [
        ("按园区", &m.by_park),
        ("按领域", &m.by_field),
        ("按赛道", &m.by_track),
        ("按集群", &m.by_cluster),
    ] {
        let mut head = vec![name.trim_start_matches('按')];
        head.extend(years.iter().map(String::as_str));
        let ws = crate::xlsx::list_sheet(&mut wb, name, &head, 12.0)?;
        for (i, r) in s.iter().enumerate() {
            ws.write_string(i as u32 + 1, 0, &r.label)?;
            for (c, v) in r.counts.iter().enumerate() {
                ws.write_number(i as u32 + 1, c as u16 + 1, *v as f64)?;
            }
        }
    }
    let ws = crate::xlsx::list_sheet(
        &mut wb,
        "人才密度",
        &[
            "统一社会信用代码",
            "企业",
            "园区",
            "梯度",
            "从业人员",
            "在岗人才",
            "每百名员工人才数",
        ],
        14.0,
    )?;
    for (i, f) in m.firms.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, &f.uscc)?;
        ws.write_string(r, 1, &f.name)?;
        ws.write_string(r, 2, &f.park)?;
        ws.write_string(r, 3, &f.tier)?;
        if let Some(e) = f.employees {
            ws.write_number(r, 4, e as f64)?;
        }
        ws.write_number(r, 5, f.talents as f64)?;
        if let Some(p) = f.per_100 {
            ws.write_number(r, 6, (p * 100.0).round() / 100.0)?;
        }
    }
    let ws = crate::xlsx::list_sheet(
        &mut wb,
        "赛道缺口",
        &["赛道", "企业数", "在岗人才", "每百家企业人才数", "缺口"],
        14.0,
    )?;
    for (i, g) in m.gaps.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, &g.name)?;
        ws.write_number(r, 1, g.firms as f64)?;
        ws.write_number(r, 2, g.talents as f64)?;
        if let Some(p) = g.per_100_firms {
            ws.write_number(r, 3, (p * 100.0).round() / 100.0)?;
        }
        ws.write_string(r, 4, if g.gap { "是" } else { "" })?;
    }
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests;
