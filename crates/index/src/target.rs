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
}
