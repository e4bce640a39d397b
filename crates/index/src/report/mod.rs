//! Serialisable reports built from firm rows: the park ranking with Monte Carlo rank intervals
//! ([`park_report`]), the innovation points of every firm ([`points_report`]) and target
//! monitoring ([`targets_report`]). Pure: callers load the panel, call these, and store the JSON as
//! a versioned run (`runs` table: scheme version + [`input_hash`]) so a published result can be
//! reproduced and compared with last year.
//!
//! Park evaluation data-availability rules (documented for users on the evaluation page):
//! * an indicator no park has a value for (e.g. a park input nobody entered yet) is reported as
//!   "not available" and takes no part in the evaluation (weights renormalise over the rest);
//! * a park is ranked only when it has values for at least [`MIN_AVAILABILITY`] of the remaining
//!   indicators; otherwise it is listed as "数据不足" without a rank;
//! * a missing value is never zero: within a dimension the weights renormalise over the indicators
//!   the park has (the scheme's aggregation).
//! * the Monte Carlo rank intervals leave out indicators on which every ranked park has the same
//!   value (they do not tell parks apart, and min-max and rank normalisation refuse them).
//!
//! Submodules: [`park`] (the park ranking), [`points`] (innovation points), [`targets`] (target
//! monitoring); the scheme stamp and input hash shared by all three are here.

mod park;
mod points;
mod targets;

pub use park::{
    DimensionInfo, IndicatorInfo, McInfo, ParkOptions, ParkReport, ParkResult, WeightSetInfo,
    park_report, park_report_columns, rank_choices, rank_nominal, rank_uncertainty,
};
pub use points::{
    FirmKey, FirmPoints, PointsComponent, PointsIndicatorInfo, PointsReport, points_report,
};
pub use targets::{ContributionView, ProgressView, TargetView, targets_report};

use crate::park::FirmRow;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Share of the available indicators a park needs to be ranked.
pub const MIN_AVAILABILITY: f64 = 2.0 / 3.0;

/// Which scheme produced a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchemeInfo {
    pub version: String,
    pub document: String,
    pub effective_from: String,
    pub status: Option<String>,
    /// The scheme's notice to show with every result (innovation points: a placeholder scheme).
    #[serde(default)]
    pub notice: Option<String>,
}

/// SHA-256 (hex) of the inputs: firm rows in the order given, then park inputs, then `extra`.
pub fn input_hash(
    rows: &[FirmRow],
    park_inputs: &BTreeMap<(String, String), f64>,
    extra: &str,
) -> String {
    let mut h = Sha256::new();
    for r in rows {
        h.update(r.park.as_bytes());
        h.update([0]);
        h.update(r.year.to_le_bytes());
        for (k, v) in &r.values {
            h.update(k.as_bytes());
            h.update(v.map(f64::to_bits).unwrap_or(u64::MAX).to_le_bytes());
        }
        h.update([1]);
    }
    for ((p, c), v) in park_inputs {
        h.update(p.as_bytes());
        h.update([0]);
        h.update(c.as_bytes());
        h.update(v.to_bits().to_le_bytes());
    }
    h.update(extra.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// [`input_hash`] of firm rows in columns, each row holding every field (as the rows of
/// [`crate::panel::firm_rows`] do; NaN = missing): the same hash as of those rows.
pub fn input_hash_columns(
    fc: &crate::park::FirmColumns,
    park_inputs: &BTreeMap<(String, String), f64>,
    extra: &str,
) -> String {
    let fields = crate::expr::all_fields();
    // the rows' maps iterate their keys in order
    let mut order: Vec<usize> = (0..fields.len()).collect();
    order.sort_by_key(|&j| fields[j]);
    let mut h = Sha256::new();
    for i in 0..fc.year.len() {
        h.update(fc.park[i].as_bytes());
        h.update([0]);
        h.update(fc.year[i].to_le_bytes());
        for &j in &order {
            let v = fc.cols[j][i];
            h.update(fields[j].as_bytes());
            h.update(if v.is_nan() { u64::MAX } else { v.to_bits() }.to_le_bytes());
        }
        h.update([1]);
    }
    for ((p, c), v) in park_inputs {
        h.update(p.as_bytes());
        h.update([0]);
        h.update(c.as_bytes());
        h.update(v.to_bits().to_le_bytes());
    }
    h.update(extra.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn opt(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}
