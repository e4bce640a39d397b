//! Deterministic synthetic enterprise data for tests, examples and benchmarks (no real firms).
//!
//! Values are log-normal-ish with plausible relations (R&D below revenue, liabilities around
//! assets); a few cells are left missing to exercise missing-data paths.

use crate::expr;
use crate::park::FirmRow;
use crate::points::PointsInput;
use crate::rng::Rng;

fn lognormal(rng: &mut Rng, mu: f64, sigma: f64) -> f64 {
    // Box–Muller
    let u1 = rng.uniform().max(1e-300);
    let u2 = rng.uniform();
    let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    (mu + sigma * z).exp()
}

/// Fills one firm's fields (indexed as [`expr::all_fields`]) into `out`.
fn firm_values(rng: &mut Rng, park_effect: f64, out: &mut [f64]) {
    let f = |name: &str| expr::field_index(name).expect("known field");
    let revenue = lognormal(rng, 16.5 + park_effect, 1.5);
    let rd_share = (0.01 + 0.08 * rng.uniform()) * (1.0 + park_effect * 0.5).max(0.2);
    let employees = (revenue / 1.2e6 * (0.5 + rng.uniform())).ceil().max(3.0);
    let assets = revenue * (0.5 + rng.uniform());
    let set = |out: &mut [f64], name: &str, v: f64| out[f(name)] = v;
    set(out, "revenue", revenue);
    set(out, "main_revenue", revenue * (0.8 + 0.2 * rng.uniform()));
    set(out, "hightech_revenue", revenue * rng.uniform());
    set(out, "rd_expense", revenue * rd_share);
    set(
        out,
        "rd_expense_domestic",
        revenue * rd_share * (0.8 + 0.2 * rng.uniform()),
    );
    set(out, "total_cost", revenue * (0.7 + 0.3 * rng.uniform()));
    set(out, "net_profit", revenue * (0.2 * rng.uniform() - 0.05));
    set(out, "tax_paid", revenue * 0.05 * rng.uniform());
    set(
        out,
        "exports",
        if rng.uniform() < 0.3 {
            revenue * 0.4 * rng.uniform()
        } else {
            0.0
        },
    );
    set(out, "employees", employees);
    set(out, "tech_staff", (employees * 0.3 * rng.uniform()).round());
    set(
        out,
        "rd_staff",
        (employees * (0.05 + 0.2 * rng.uniform())).round(),
    );
    set(out, "total_assets", assets);
    set(
        out,
        "total_liabilities",
        assets * (0.2 + 0.9 * rng.uniform()),
    );
    set(
        out,
        "ip_class1",
        (lognormal(rng, 0.5 + park_effect, 1.0) - 1.0)
            .max(0.0)
            .round(),
    );
    set(
        out,
        "ip_class1_self",
        (out[f("ip_class1")] * rng.uniform()).round(),
    );
    set(
        out,
        "ip_class1_high_value",
        (out[f("ip_class1")] * 0.3 * rng.uniform()).round(),
    );
    set(
        out,
        "ip_class2",
        (lognormal(rng, 1.0, 1.0) - 1.0).max(0.0).round(),
    );
    set(
        out,
        "invention_grants",
        (lognormal(rng, 0.0 + park_effect, 1.0) - 1.0)
            .max(0.0)
            .round(),
    );
    set(out, "transformations", (3.0 * rng.uniform()).floor());
    set(
        out,
        "standards_led",
        if rng.uniform() < 0.1 { 1.0 } else { 0.0 },
    );
    set(out, "rd_institution", (rng.uniform() * 5.0).floor());
    set(
        out,
        "equity_financing",
        if rng.uniform() < 0.15 {
            lognormal(rng, 16.0, 1.0)
        } else {
            0.0
        },
    );
    set(out, "valuation_usd", lognormal(rng, 17.0, 1.5));
    set(out, "age_years", (rng.uniform() * 20.0).floor());
    set(
        out,
        "hightech_certified",
        (rng.uniform() < 0.4 + 0.2 * park_effect) as u8 as f64,
    );
    set(out, "listed", (rng.uniform() < 0.03) as u8 as f64);
    set(
        out,
        "is_hightech_service",
        (rng.uniform() < 0.25) as u8 as f64,
    );
    if rng.uniform() < 0.05 {
        out[f("rd_staff")] = f64::NAN;
    }
}

/// Firm rows for `n_parks` parks ("P01"…), `firms_per_park` firms each, over `years`.
pub fn firms(n_parks: usize, firms_per_park: usize, years: &[i32], seed: u64) -> Vec<FirmRow> {
    let mut rng = Rng::new(seed);
    let fields = expr::all_fields();
    let mut buf = vec![f64::NAN; fields.len()];
    let mut rows = Vec::with_capacity(n_parks * firms_per_park * years.len());
    for p in 0..n_parks {
        let effect = (p as f64 / n_parks.max(1) as f64) - 0.5;
        for &y in years {
            for _ in 0..firms_per_park {
                firm_values(&mut rng, effect + 0.02 * (y % 10) as f64, &mut buf);
                let mut r = FirmRow::new(&format!("P{:02}", p + 1), y);
                for (k, name) in fields.iter().enumerate() {
                    r.values.insert(
                        (*name).to_string(),
                        if buf[k].is_nan() { None } else { Some(buf[k]) },
                    );
                }
                rows.push(r);
            }
        }
    }
    rows
}

/// Columnar points input of `n` firms in `n_zones` zones.
pub fn points_input(n: usize, n_zones: u32, seed: u64) -> PointsInput {
    let mut rng = Rng::new(seed);
    let fields = expr::all_fields();
    let mut cols = vec![Vec::with_capacity(n); fields.len()];
    let mut buf = vec![f64::NAN; fields.len()];
    let mut zone = Vec::with_capacity(n);
    for _ in 0..n {
        let z = rng.below(n_zones as usize) as u32;
        firm_values(&mut rng, z as f64 / n_zones as f64 - 0.5, &mut buf);
        for (c, v) in cols.iter_mut().zip(&buf) {
            c.push(*v);
        }
        zone.push(z);
    }
    PointsInput {
        cols,
        zone,
        tech_field: None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn deterministic_and_shaped() {
        let a = super::firms(2, 3, &[2023, 2024], 1);
        let b = super::firms(2, 3, &[2023, 2024], 1);
        assert_eq!(a, b);
        assert_eq!(a.len(), 12);
        let p = super::points_input(100, 3, 2);
        assert_eq!(p.len(), 100);
        assert!(p.zone.iter().all(|z| *z < 3));
    }
}
