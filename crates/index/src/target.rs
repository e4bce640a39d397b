//! Target monitoring: progress of an indicator from a baseline towards a dated target, and the
//! contribution of parks to a zone total.

use crate::error::{IndexError, Result};

/// A dated value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub year: i32,
    pub value: f64,
}

impl Point {
    pub fn new(year: i32, value: f64) -> Self {
        Point { year, value }
    }
}

/// Whether the target will be met at the current pace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackStatus {
    /// Current value already at or beyond the target.
    Achieved,
    /// Projected value at the target year reaches the target.
    OnTrack,
    /// Projected value falls short.
    AtRisk,
}

/// Progress report.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// (current − baseline)/(target − baseline).
    pub progress_ratio: f64,
    /// Share of the period elapsed: (current year − baseline year)/(target year − baseline year).
    pub time_ratio: f64,
    /// Compound annual growth rate so far (NaN when values are not positive or no time elapsed).
    pub cagr_so_far: f64,
    /// CAGR needed from now to reach the target.
    pub cagr_required: f64,
    /// Value at the target year if the CAGR so far continues (linear pace when CAGR undefined).
    pub projected: f64,
    pub status: TrackStatus,
}

/// The one status vocabulary of targets and indicators (issue 18), shown alike by the dashboard,
/// 目标 and the annual report: 已达成 / 按期可达 / 有风险 / 未达成 / 需要数据.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetStatus {
    /// Today's value meets the target.
    Achieved,
    /// Not yet, but the pace so far reaches it by the target year.
    OnTrack,
    /// Not yet, and the pace so far falls short.
    AtRisk,
    /// Not yet; no trend is known (no earlier year to compare with).
    Short,
    /// No value: the data needed are missing.
    NeedsData,
}

impl TargetStatus {
    pub const ALL: [TargetStatus; 5] = [
        TargetStatus::Achieved,
        TargetStatus::OnTrack,
        TargetStatus::AtRisk,
        TargetStatus::Short,
        TargetStatus::NeedsData,
    ];

    /// The stored key (`achieved`, `on_track`, `at_risk`, `short`, `needs_data`), also the CSS class.
    pub fn key(self) -> &'static str {
        match self {
            TargetStatus::Achieved => "achieved",
            TargetStatus::OnTrack => "on_track",
            TargetStatus::AtRisk => "at_risk",
            TargetStatus::Short => "short",
            TargetStatus::NeedsData => "needs_data",
        }
    }

    /// The one Chinese word for it.
    pub fn zh(self) -> &'static str {
        match self {
            TargetStatus::Achieved => "已达成",
            TargetStatus::OnTrack => "按期可达",
            TargetStatus::AtRisk => "有风险",
            TargetStatus::Short => "未达成",
            TargetStatus::NeedsData => "需要数据",
        }
    }

    /// The status of a stored key; an unknown key is [`TargetStatus::NeedsData`] (never a guess).
    pub fn from_key(key: &str) -> TargetStatus {
        TargetStatus::ALL
            .into_iter()
            .find(|s| s.key() == key)
            .unwrap_or(TargetStatus::NeedsData)
    }

    /// The status of a target from today's value and, when a trend is known, the value projected
    /// to the target year: the comparator decides what "reaching" means.
    pub fn of(
        comparator: &str,
        current: Option<f64>,
        target: f64,
        projected: Option<f64>,
    ) -> TargetStatus {
        let Some(c) = current.filter(|c| c.is_finite()) else {
            return TargetStatus::NeedsData;
        };
        match (
            meets(comparator, c, target),
            projected
                .filter(|p| p.is_finite())
                .and_then(|p| meets(comparator, p, target)),
        ) {
            (Some(true), _) => TargetStatus::Achieved,
            (Some(false), Some(true)) => TargetStatus::OnTrack,
            (Some(false), Some(false)) => TargetStatus::AtRisk,
            (Some(false), None) => TargetStatus::Short,
            (None, _) => TargetStatus::NeedsData,
        }
    }

    /// The share of the way to the target shown as progress (0–1): a target reached is 100 %
    /// whatever the baseline was (a baseline already beyond the target gives a negative ratio,
    /// which read 「进度 0%」 beside 「已达成」), otherwise the ratio clamped to 0–1.
    pub fn shown_progress(self, progress_ratio: f64) -> Option<f64> {
        match self {
            TargetStatus::Achieved => Some(1.0),
            TargetStatus::NeedsData => None,
            _ if progress_ratio.is_finite() => Some(progress_ratio.clamp(0.0, 0.999)),
            _ => None,
        }
    }
}

/// Whether `v` meets `target` under `comparator` (`=` means within 5 % below or above);
/// `None` for an unknown comparator.
pub fn meets(comparator: &str, v: f64, target: f64) -> Option<bool> {
    match comparator {
        ">=" => Some(v >= target),
        ">" => Some(v > target),
        "<=" => Some(v <= target),
        "<" => Some(v < target),
        "=" => Some((v - target).abs() <= target.abs() * 0.05),
        _ => None,
    }
}

/// Compound annual growth rate from `a` to `b`.
pub fn cagr(a: Point, b: Point) -> f64 {
    let years = (b.year - a.year) as f64;
    if years <= 0.0 || a.value <= 0.0 || b.value <= 0.0 {
        return f64::NAN;
    }
    (b.value / a.value).powf(1.0 / years) - 1.0
}

/// Progress of `current` from `baseline` towards `target`. Works for decreasing targets too
/// (e.g. energy intensity): "reaching" means getting to or past the target in its direction.
pub fn progress(baseline: Point, target: Point, current: Point) -> Result<Progress> {
    if target.year <= baseline.year || current.year < baseline.year {
        return Err(IndexError::Method(
            "need baseline year < target year and current year ≥ baseline year".into(),
        ));
    }
    if target.value == baseline.value {
        return Err(IndexError::Method("target equals baseline".into()));
    }
    let up = target.value > baseline.value;
    let progress_ratio = (current.value - baseline.value) / (target.value - baseline.value);
    let time_ratio = (current.year - baseline.year) as f64 / (target.year - baseline.year) as f64;
    let g = cagr(baseline, current);
    let remaining = (target.year - current.year) as f64;
    let projected = if g.is_finite() {
        current.value * (1.0 + g).powf(remaining)
    } else if current.year > baseline.year {
        let slope = (current.value - baseline.value) / (current.year - baseline.year) as f64;
        current.value + slope * remaining
    } else {
        current.value
    };
    let reached = |v: f64| {
        if up {
            v >= target.value
        } else {
            v <= target.value
        }
    };
    let status = if reached(current.value) {
        TrackStatus::Achieved
    } else if reached(projected) {
        TrackStatus::OnTrack
    } else {
        TrackStatus::AtRisk
    };
    Ok(Progress {
        progress_ratio,
        time_ratio,
        cagr_so_far: g,
        cagr_required: cagr(current, target),
        projected,
        status,
    })
}

/// A park's contribution to a zone total.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    pub park: String,
    /// Share of the zone's current total.
    pub share: f64,
    /// Share of the zone's change since the baseline (can be negative or above 1).
    pub share_of_change: f64,
    /// Percentage points of zone growth contributed: (current − baseline)/zone baseline.
    pub growth_points: f64,
}

/// Contributions of parks `(name, baseline, current)` to the zone total.
pub fn contributions(parks: &[(String, f64, f64)]) -> Vec<Contribution> {
    let base: f64 = parks.iter().map(|p| p.1).sum();
    let cur: f64 = parks.iter().map(|p| p.2).sum();
    let change = cur - base;
    parks
        .iter()
        .map(|(name, b, c)| Contribution {
            park: name.clone(),
            share: c / cur,
            share_of_change: if change != 0.0 {
                (c - b) / change
            } else {
                f64::NAN
            },
            growth_points: (c - b) / base,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_on_track_and_at_risk() {
        // 100 in 2020 → 200 in 2025; 2023 at 160: CAGR so far 1.6^(1/3) − 1
        let p = progress(
            Point::new(2020, 100.0),
            Point::new(2025, 200.0),
            Point::new(2023, 160.0),
        )
        .unwrap();
        assert!((p.progress_ratio - 0.6).abs() < 1e-12);
        assert!((p.time_ratio - 0.6).abs() < 1e-12);
        let g = 1.6f64.powf(1.0 / 3.0) - 1.0;
        assert!((p.cagr_so_far - g).abs() < 1e-12);
        assert!((p.projected - 160.0 * (1.0 + g).powi(2)).abs() < 1e-9);
        assert_eq!(p.status, TrackStatus::OnTrack);
        assert!((p.cagr_required - (1.25f64.sqrt() - 1.0)).abs() < 1e-12);
        let p = progress(
            Point::new(2020, 100.0),
            Point::new(2025, 200.0),
            Point::new(2023, 120.0),
        )
        .unwrap();
        assert_eq!(p.status, TrackStatus::AtRisk);
        let p = progress(
            Point::new(2020, 100.0),
            Point::new(2025, 200.0),
            Point::new(2023, 210.0),
        )
        .unwrap();
        assert_eq!(p.status, TrackStatus::Achieved);
    }

    #[test]
    fn decreasing_target_and_errors() {
        // energy intensity 0.5 → 0.4 by 2025; 2022 at 0.44
        let p = progress(
            Point::new(2020, 0.5),
            Point::new(2025, 0.4),
            Point::new(2022, 0.44),
        )
        .unwrap();
        assert!((p.progress_ratio - 0.6).abs() < 1e-12);
        assert_eq!(p.status, TrackStatus::OnTrack);
        assert!(
            progress(
                Point::new(2020, 1.0),
                Point::new(2019, 2.0),
                Point::new(2020, 1.0)
            )
            .is_err()
        );
        // negative values: linear projection
        let p = progress(
            Point::new(2020, -10.0),
            Point::new(2024, 10.0),
            Point::new(2022, 0.0),
        )
        .unwrap();
        assert!(p.cagr_so_far.is_nan());
        assert_eq!(p.projected, 10.0);
        assert_eq!(p.status, TrackStatus::OnTrack);
    }

    #[test]
    fn park_contributions() {
        let c = contributions(&[("A".into(), 60.0, 90.0), ("B".into(), 40.0, 30.0)]);
        assert!((c[0].share - 0.75).abs() < 1e-12);
        assert!((c[0].share_of_change - 1.5).abs() < 1e-12);
        assert!((c[1].share_of_change + 0.5).abs() < 1e-12);
        assert!((c[0].growth_points - 0.3).abs() < 1e-12);
        assert!((c.iter().map(|x| x.growth_points).sum::<f64>() - 0.2).abs() < 1e-12);
    }

    /// One vocabulary: what the dashboard showed as 未达到 and 目标 as 有风险 is one status, and
    /// a reached target shows full progress (was 「进度 0%」 beside 「已达成」).
    #[test]
    fn one_status_vocabulary() {
        use TargetStatus as S;
        assert_eq!(S::of(">=", Some(5.48), 4.5, Some(5.6)), S::Achieved);
        assert_eq!(S::of(">=", Some(5.48), 4.5, None), S::Achieved);
        assert_eq!(S::of(">", Some(43.6), 50.0, Some(45.1)), S::AtRisk);
        assert_eq!(S::of(">", Some(43.6), 50.0, Some(51.0)), S::OnTrack);
        assert_eq!(S::of(">", Some(43.6), 50.0, None), S::Short);
        assert_eq!(S::of(">=", None, 85.0, None), S::NeedsData);
        assert_eq!(S::of("<=", Some(0.3), 0.4, None), S::Achieved);
        assert_eq!(S::Achieved.shown_progress(-0.4), Some(1.0));
        assert_eq!(S::AtRisk.shown_progress(1.3), Some(0.999));
        assert_eq!(S::AtRisk.shown_progress(-0.2), Some(0.0));
        assert_eq!(S::NeedsData.shown_progress(0.5), None);
        for s in S::ALL {
            assert_eq!(S::from_key(s.key()), s);
        }
        assert_eq!(S::Achieved.zh(), "已达成");
        assert_eq!(S::OnTrack.zh(), "按期可达");
    }
}
