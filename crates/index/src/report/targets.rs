//! Target monitoring ([`targets_report`]): today's value, progress, projection and the parks'
//! contributions.
use super::opt;
use crate::target::{self, Point, TargetStatus, TrackStatus};
use serde::{Deserialize, Serialize};

/// Progress of a target (see [`crate::target::progress`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgressView {
    pub baseline_year: i32,
    pub baseline: f64,
    /// Whether the baseline is the reference document's own figure (else the panel's first year).
    pub baseline_from_reference: bool,
    pub progress_ratio: f64,
    pub time_ratio: f64,
    pub cagr_so_far: Option<f64>,
    pub cagr_required: Option<f64>,
    pub projected: f64,
    /// `achieved`, `on_track` or `at_risk`.
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContributionView {
    pub park: String,
    pub baseline: f64,
    pub current: f64,
    pub share: Option<f64>,
    pub share_of_change: Option<f64>,
    pub growth_points: Option<f64>,
}

/// One target with today's value and its progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetView {
    pub id: String,
    pub table: String,
    pub name: String,
    pub unit: String,
    pub comparator: String,
    pub target: f64,
    pub target_year: i32,
    pub reference_baseline: Option<f64>,
    pub reference_baseline_year: Option<i32>,
    pub measure: Option<String>,
    pub method: Option<String>,
    /// "需要数据：…" when the platform cannot compute the value.
    pub needs: Option<String>,
    pub current_year: Option<i32>,
    pub current: Option<f64>,
    /// The measure in every panel year.
    pub series: Vec<(i32, f64)>,
    pub progress: Option<ProgressView>,
    /// The one status ([`TargetStatus`] key): from today's value and the projection.
    #[serde(default)]
    pub status: String,
    /// Progress shown (0–1): [`TargetStatus::shown_progress`].
    #[serde(default)]
    pub shown_progress: Option<f64>,
    /// Parks' contributions to the zone total (additive measures only).
    pub contributions: Vec<ContributionView>,
}

/// Target monitoring at `year` (default: the latest panel year). Today's value comes from the
/// panel where the target names a known measure. Progress runs from a baseline: the panel's value
/// in the reference baseline year when the panel has that year, else the panel's first year (the
/// reference documents' baselines are city-wide figures, not comparable with the panel's own);
/// the projection continues the CAGR so far to the target year.
pub fn targets_report(
    targets: &[gaoxin_model::reference::Target],
    measures: &crate::panel::Measures,
    year: Option<i32>,
) -> Vec<TargetView> {
    let years = measures.years();
    let year = year.or(years.last().copied());
    targets
        .iter()
        .map(|t| {
            let method = t
                .measure
                .as_deref()
                .and_then(crate::panel::measure_definition);
            let series: Vec<(i32, f64)> = match (&t.measure, method) {
                (Some(m), Some(_)) => years
                    .iter()
                    .filter(|y| year.is_none_or(|cy| **y <= cy))
                    .filter_map(|y| Some((*y, measures.value(m, *y, None)?)))
                    .collect(),
                _ => vec![],
            };
            let current = year.and_then(|y| series.iter().find(|s| s.0 == y).copied());
            let needs = if current.is_some() {
                None
            } else {
                Some(match (&t.needs, &t.measure, method) {
                    (Some(n), _, _) => format!("需要数据：{n}"),
                    (None, Some(m), None) => format!("需要数据：计算口径「{m}」尚未实现"),
                    _ => "需要数据：所选年份面板数据中无可用值".into(),
                })
            };
            let base = current.and_then(|(cy, _)| {
                let from_ref = t
                    .baseline_year
                    .and_then(|by| series.iter().find(|s| s.0 == by && by < cy));
                from_ref
                    .map(|b| (*b, true))
                    .or_else(|| series.first().filter(|s| s.0 < cy).map(|b| (*b, false)))
            });
            let progress = match (current, base) {
                (Some((cy, cv)), Some(((by, bv), from_ref))) => target::progress(
                    Point::new(by, bv),
                    Point::new(t.target_year, t.target),
                    Point::new(cy, cv),
                )
                .ok()
                .map(|p| ProgressView {
                    baseline_year: by,
                    baseline: bv,
                    baseline_from_reference: from_ref,
                    progress_ratio: p.progress_ratio,
                    time_ratio: p.time_ratio,
                    cagr_so_far: opt(p.cagr_so_far),
                    cagr_required: opt(p.cagr_required),
                    projected: p.projected,
                    // the comparator decides what "reaching" means (a baseline already beyond
                    // the target would otherwise flip the direction)
                    status: match TargetStatus::of(
                        &t.comparator,
                        Some(cv),
                        t.target,
                        Some(p.projected),
                    ) {
                        TargetStatus::NeedsData => match p.status {
                            TrackStatus::Achieved => "achieved",
                            TrackStatus::OnTrack => "on_track",
                            TrackStatus::AtRisk => "at_risk",
                        },
                        s => s.key(),
                    }
                    .into(),
                }),
                _ => None,
            };
            let contributions = match (&t.measure, current, &progress) {
                (Some(m), Some((cy, _)), Some(p))
                    if crate::panel::ADDITIVE.contains(&m.as_str()) =>
                {
                    let parks = measures.parks(cy);
                    let rows: Vec<(String, f64, f64)> = parks
                        .iter()
                        .map(|pk| {
                            (
                                pk.clone(),
                                measures.value(m, p.baseline_year, Some(pk)).unwrap_or(0.0),
                                measures.value(m, cy, Some(pk)).unwrap_or(0.0),
                            )
                        })
                        .collect();
                    target::contributions(&rows)
                        .into_iter()
                        .zip(&rows)
                        .map(|(c, r)| ContributionView {
                            park: c.park,
                            baseline: r.1,
                            current: r.2,
                            share: opt(c.share),
                            share_of_change: opt(c.share_of_change),
                            growth_points: opt(c.growth_points),
                        })
                        .collect()
                }
                _ => vec![],
            };
            let status = TargetStatus::of(
                &t.comparator,
                current.map(|c| c.1),
                t.target,
                progress.as_ref().map(|p| p.projected),
            );
            TargetView {
                status: status.key().into(),
                shown_progress: progress
                    .as_ref()
                    .and_then(|p| status.shown_progress(p.progress_ratio)),
                id: t.id.clone(),
                table: t.table.clone(),
                name: t.name.clone(),
                unit: t.unit.clone(),
                comparator: t.comparator.clone(),
                target: t.target,
                target_year: t.target_year,
                reference_baseline: t.baseline,
                reference_baseline_year: t.baseline_year,
                measure: t.measure.clone(),
                method: method.map(String::from),
                needs,
                current_year: current.map(|c| c.0),
                current: current.map(|c| c.1),
                series,
                progress,
                contributions,
            }
        })
        .collect()
}
