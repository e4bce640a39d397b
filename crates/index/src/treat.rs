//! Outlier treatment (Handbook step 4; COINr v0.6 `treat()`, COINr 1.x `Treat()`).
//!
//! Default rule, reproduced exactly from COINr: while |skewness| > 2 **and** kurtosis > 3.5
//! (e1071 type-2 definitions, see [`crate::stats`]) and fewer than `winmax` iterations were done,
//! winsorise one step: if skewness ≥ 0 every point equal to the maximum is replaced by the largest
//! remaining value, otherwise every point equal to the minimum by the smallest remaining value.
//! The direction is re-decided at each step from the current skewness ("alternating high/low").
//! If the limit was reached and the column is still out of bounds, the *original* column is
//! log-transformed instead (COINr's "CTlog" by default).

use crate::data::Dataset;
use crate::error::Result;
use crate::stats;
use std::collections::BTreeMap;

/// Fallback transformation when winsorisation hits `winmax` without success.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LogFallback {
    /// COINr "CTlog": `ln(x − min + 0.01·(max − min))`, works for any sign.
    CtLog,
    /// Plain `ln(x)` (only sensible for positive data).
    Log,
    /// Keep the winsorised column.
    None,
}

/// Parameters of the default treatment.
#[derive(Debug, Clone, PartialEq)]
pub struct TreatParams {
    pub winmax: usize,
    pub skew_thresh: f64,
    pub kurt_thresh: f64,
    /// If false the direction chosen at the first step is kept.
    pub winchange: bool,
    pub fallback: LogFallback,
}

impl Default for TreatParams {
    /// COINr's defaults (winmax 5 in COINr; the ASEM v0.6 build used 6).
    fn default() -> Self {
        TreatParams {
            winmax: 5,
            skew_thresh: 2.0,
            kurt_thresh: 3.5,
            winchange: true,
            fallback: LogFallback::CtLog,
        }
    }
}

/// Per-point flag, as COINr's `TreatFlags`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreatFlag {
    No,
    WHigh,
    WLow,
    Log,
}

impl TreatFlag {
    /// COINr's label.
    pub fn label(self) -> &'static str {
        match self {
            TreatFlag::No => "No",
            TreatFlag::WHigh => "WHigh",
            TreatFlag::WLow => "WLow",
            TreatFlag::Log => "Log",
        }
    }
}

/// What happened to a column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TreatOutcome {
    None,
    Winsorised(usize),
    Log,
}

/// A treated column with its log.
#[derive(Debug, Clone, PartialEq)]
pub struct TreatedColumn {
    pub values: Vec<f64>,
    pub flags: Vec<TreatFlag>,
    /// Number of winsorisation iterations done.
    pub n_win: usize,
    pub outcome: TreatOutcome,
    pub skew: f64,
    pub kurt: f64,
}

impl TreatedColumn {
    pub fn n_low(&self) -> usize {
        self.flags.iter().filter(|f| **f == TreatFlag::WLow).count()
    }
    pub fn n_high(&self) -> usize {
        self.flags
            .iter()
            .filter(|f| **f == TreatFlag::WHigh)
            .count()
    }
    /// COINr's `Treatment` text ("None", "Winsorised 3 points", "Log (defaulted)").
    pub fn treatment_label(&self) -> String {
        match self.outcome {
            TreatOutcome::None => "None".into(),
            TreatOutcome::Winsorised(n) => format!("Winsorised {n} points"),
            TreatOutcome::Log => "Log (defaulted)".into(),
        }
    }
}

fn out_of_bounds(sk: f64, kt: f64, p: &TreatParams) -> bool {
    sk.abs() > p.skew_thresh && kt > p.kurt_thresh
}

/// Winsorises one column in place following COINr; returns (iterations, high-flagged, low-flagged).
/// Unlike COINr it stops before a step that would leave a single distinct value (the column
/// could then not be normalised).
pub fn winsorise(x: &mut [f64], p: &TreatParams) -> (usize, Vec<bool>, Vec<bool>) {
    let mut high = vec![false; x.len()];
    let mut low = vec![false; x.len()];
    let mut sk = stats::skewness(x);
    let mut kt = stats::kurtosis(x);
    let mut nwin = 0;
    let first_dir = sk >= 0.0;
    while out_of_bounds(sk, kt, p) && nwin < p.winmax {
        let go_high = if p.winchange { sk >= 0.0 } else { first_dir };
        let ext = if go_high {
            stats::max(x)
        } else {
            stats::min(x)
        };
        // the extreme among the points not equal to the current extreme
        let rest = x
            .iter()
            .copied()
            .filter(|v| !v.is_nan() && *v != ext)
            .fold(f64::NAN, |a, b| {
                if a.is_nan() || (go_high && b > a) || (!go_high && b < a) {
                    b
                } else {
                    a
                }
            });
        // stop rather than leave a single value: a constant column cannot be normalised
        // (COINr would carry on and get NaN from every normaliser)
        if rest.is_nan() || !x.iter().any(|v| !v.is_nan() && *v != ext && *v != rest) {
            break;
        }
        for (i, v) in x.iter_mut().enumerate() {
            if *v == ext {
                *v = rest;
                if go_high {
                    high[i] = true;
                } else {
                    low[i] = true;
                }
            }
        }
        nwin += 1;
        sk = stats::skewness(x);
        kt = stats::kurtosis(x);
    }
    (nwin, high, low)
}

/// COINr's default treatment of one column.
pub fn treat_column(x: &[f64], p: &TreatParams) -> TreatedColumn {
    let mut v = x.to_vec();
    let (n_win, high, low) = winsorise(&mut v, p);
    let mut flags: Vec<TreatFlag> = high
        .iter()
        .zip(&low)
        .map(|(&h, &l)| {
            if h {
                TreatFlag::WHigh
            } else if l {
                TreatFlag::WLow
            } else {
                TreatFlag::No
            }
        })
        .collect();
    let (mut sk, mut kt) = (stats::skewness(&v), stats::kurtosis(&v));
    let failed = n_win >= p.winmax && out_of_bounds(sk, kt, p);
    let outcome = if failed && p.fallback != LogFallback::None {
        let (mn, mx) = (stats::min(x), stats::max(x));
        v = x
            .iter()
            .map(|&a| match p.fallback {
                LogFallback::CtLog => (a - mn + 0.01 * (mx - mn)).ln(),
                _ => a.ln(),
            })
            .collect();
        flags = x
            .iter()
            .map(|a| {
                if a.is_nan() {
                    TreatFlag::No
                } else {
                    TreatFlag::Log
                }
            })
            .collect();
        sk = stats::skewness(&v);
        kt = stats::kurtosis(&v);
        TreatOutcome::Log
    } else if n_win > 0 {
        TreatOutcome::Winsorised(n_win)
    } else {
        TreatOutcome::None
    };
    TreatedColumn {
        values: v,
        flags,
        n_win,
        outcome,
        skew: sk,
        kurt: kt,
    }
}

/// Per-column treatment choice.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnTreatment {
    Default(TreatParams),
    Skip,
}

/// Log of a treated dataset: one entry per column (and per year for panels).
#[derive(Debug, Clone, PartialEq)]
pub struct TreatLog {
    /// (column code, year, spec label, treated column)
    pub columns: Vec<(String, Option<i32>, String, TreatedColumn)>,
}

impl TreatLog {
    /// Entry of a column (first year for panels).
    pub fn column(&self, code: &str) -> Option<&TreatedColumn> {
        self.columns.iter().find(|c| c.0 == code).map(|c| &c.3)
    }
}

/// Treats every column (per year for panels) with `params`, except codes overridden in `individual`.
pub fn treat(
    data: &Dataset,
    params: &TreatParams,
    individual: &BTreeMap<String, ColumnTreatment>,
) -> Result<(Dataset, TreatLog)> {
    let mut out = data.clone();
    let mut log = TreatLog {
        columns: Vec::new(),
    };
    for j in 0..data.n_cols() {
        let code = &data.codes[j];
        let p = match individual.get(code) {
            Some(ColumnTreatment::Skip) => continue,
            Some(ColumnTreatment::Default(p)) => (p, "Individual"),
            None => (params, "Default"),
        };
        for (year, rows) in data.year_slices() {
            let x: Vec<f64> = rows.iter().map(|&i| data.get(i, j)).collect();
            let t = treat_column(&x, p.0);
            let col = out.col_mut(j);
            for (k, &i) in rows.iter().enumerate() {
                col[i] = t.values[k];
            }
            let spec = format!("{}, winmax = {}", p.1, p.0.winmax);
            log.columns.push((code.clone(), year, spec, t));
        }
    }
    Ok((out, log))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn winsorising_never_leaves_a_constant_column() {
        // a count that is 0 in most units: replacing the 1s by 0 would leave nothing to normalise
        let mut x = vec![0.0; 20];
        x[3] = 1.0;
        x[9] = f64::NAN;
        assert!(out_of_bounds(
            crate::stats::skewness(&x),
            crate::stats::kurtosis(&x),
            &TreatParams::default()
        ));
        let (n, high, _) = winsorise(&mut x, &TreatParams::default());
        assert_eq!(n, 0);
        assert!(!high.iter().any(|h| *h));
        assert_eq!(x[3], 1.0);
        assert!(crate::stats::min(&x) < crate::stats::max(&x));
    }

    #[test]
    fn single_outlier_is_winsorised_to_next_value() {
        let mut x: Vec<f64> = (1..=20).map(f64::from).collect();
        x.push(1000.0);
        let t = treat_column(&x, &TreatParams::default());
        assert_eq!(t.outcome, TreatOutcome::Winsorised(1));
        assert_eq!(t.values[20], 20.0);
        assert_eq!(t.n_high(), 1);
        assert_eq!(t.n_low(), 0);
        assert_eq!(t.flags[20], TreatFlag::WHigh);
        assert_eq!(t.treatment_label(), "Winsorised 1 points");
    }

    #[test]
    fn low_outlier_goes_low() {
        let mut x: Vec<f64> = (1..=20).map(f64::from).collect();
        x.push(-1000.0);
        let t = treat_column(&x, &TreatParams::default());
        assert_eq!(t.values[20], 1.0);
        assert_eq!(t.flags[20], TreatFlag::WLow);
    }

    #[test]
    fn well_behaved_data_untouched() {
        let x: Vec<f64> = (1..=30).map(|v| (v as f64).sqrt()).collect();
        let t = treat_column(&x, &TreatParams::default());
        assert_eq!(t.outcome, TreatOutcome::None);
        assert_eq!(t.values, x);
    }

    #[test]
    fn log_fallback_when_winmax_reached() {
        // heavy geometric tail: winsorising 1 point cannot fix it
        let x: Vec<f64> = (0..30).map(|v| 1.5f64.powi(v)).collect();
        let p = TreatParams {
            winmax: 1,
            ..TreatParams::default()
        };
        let t = treat_column(&x, &p);
        assert_eq!(t.outcome, TreatOutcome::Log);
        let mn = x[0];
        let mx = x[29];
        assert!((t.values[5] - (x[5] - mn + 0.01 * (mx - mn)).ln()).abs() < 1e-12);
        assert!(t.flags.iter().all(|f| *f == TreatFlag::Log));
        let none = treat_column(
            &x,
            &TreatParams {
                fallback: LogFallback::None,
                ..p
            },
        );
        assert_eq!(none.outcome, TreatOutcome::Winsorised(1));
    }
}
