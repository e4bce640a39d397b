//! Deterministic synthetic panels for tests and benchmarks (never shown as real firms).
//!
//! Firms grow revenue at a random rate from a log-uniform base, with R&D, staff, IP, valuation
//! and the rest drawn around plausible ratios, so every rule sees passes, fails and — through a
//! small share of missing and declared cells — unknowns and 快申快享 cases.
use gaoxin_model::{Date, F, Listing, Provenance, Sector};

use crate::panel::{FirmAttrs, Panel};

/// xorshift64*: small, fast and identical on every platform.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [0, 1).
    pub fn f(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// Generates `firms` firms with facts for `first..=last`, from `seed`. `missing` is the share of
/// missing cells, `verified` the share of verified ones among the rest.
pub fn generate(
    firms: usize,
    first: i32,
    last: i32,
    seed: u64,
    missing: f64,
    verified: f64,
) -> Panel {
    generate_with(firms, first, last, seed, missing, verified, None)
}

/// As [`generate`]; with `founded_before = Some(y)` every firm is founded before year `y`
/// (complete histories, e.g. for comparing with an engine that has no notion of missing data).
#[allow(clippy::too_many_arguments)]
pub fn generate_with(
    firms: usize,
    first: i32,
    last: i32,
    seed: u64,
    missing: f64,
    verified: f64,
    founded_before: Option<i32>,
) -> Panel {
    generate_keeping(
        firms,
        first,
        last,
        seed,
        missing,
        verified,
        founded_before,
        &|_, _| true,
    )
}

/// As [`generate_with`], storing only the cells (year, fact) for which `keep` is true: the same
/// firms and values (the random sequence is unchanged), in a panel holding only the columns a
/// caller reads (e.g. the facts of a plan, [`crate::Plan::facts_read`]).
#[allow(clippy::too_many_arguments)]
pub fn generate_keeping(
    firms: usize,
    first: i32,
    last: i32,
    seed: u64,
    missing: f64,
    verified: f64,
    founded_before: Option<i32>,
    keep: &dyn Fn(i32, F) -> bool,
) -> Panel {
    let mut p = Panel::new(first, last);
    p.reserve(firms);
    let mut rng = Rng::new(seed);
    let verified_prov = Provenance::Verified("税务".into());
    let parks = 15;
    let years = (last - first + 1) as usize;
    for i in 0..firms {
        let (row, founded_year) = push_firm(&mut p, &mut rng, i, last, founded_before, parks);
        // Revenue path in fen: base 50万 – 5亿, growth −10 % … +70 % a year.
        let mut rev = (5e7 * (10f64).powf(rng.f() * 3.0)) as i64;
        let g = -0.1 + rng.f() * 0.8;
        let rd_share = rng.f() * 0.12;
        let staff = 5 + rng.below(700) as i64;
        let tech_share = rng.f() * 0.5;
        let mut valuation = (1e8 * (10f64).powf(rng.f() * 4.5)) as i64; // $1M – $30B in cents
        let valuation_growth = -0.2 + rng.f() * 1.0;
        let private = rng.f() < 0.4;
        let ip1 = if rng.f() < 0.4 {
            rng.below(6) as i64
        } else {
            0
        };
        let ip2 = rng.below(12) as i64;
        let cert = if rng.f() < 0.3 {
            Some(
                Date::new(last - rng.below(5) as i32, 1 + rng.below(12) as u8, 15)
                    .unwrap()
                    .to_int(),
            )
        } else {
            None
        };
        let mut contribution = (rev as f64 * (0.02 + rng.f() * 0.05)) as i64;
        for k in 0..years {
            let y = first + k as i32;
            if y < founded_year {
                continue;
            }
            let noise = 1.0 + (rng.f() - 0.5) * 0.2;
            rev = ((rev as f64) * (1.0 + g) * noise).max(1e6) as i64;
            contribution =
                ((contribution as f64) * (1.0 + g * 0.8 + (rng.f() - 0.5) * 0.3)).max(0.0) as i64;
            let rd = (rev as f64 * rd_share * noise) as i64;
            let assets = (rev as f64 * (0.5 + rng.f())) as i64;
            let emp = (staff as f64 * noise) as i64;
            valuation = (valuation as f64 * (1.0 + valuation_growth)) as i64;
            let cells: [(F, i64); 32] = [
                (F::Revenue, rev),
                (F::MainRevenue, (rev as f64 * (0.5 + rng.f() * 0.5)) as i64),
                (
                    F::HightechRevenue,
                    (rev as f64 * (0.3 + rng.f() * 0.7)) as i64,
                ),
                (F::RdExpense, rd),
                (
                    F::RdExpenseDomestic,
                    (rd as f64 * (0.5 + rng.f() * 0.5)) as i64,
                ),
                (F::TotalCost, (rev as f64 * (0.5 + rng.f() * 0.6)) as i64),
                (F::NetProfit, (rev as f64 * (rng.f() * 0.3 - 0.08)) as i64),
                (F::TotalAssets, assets),
                (F::TotalLiabilities, (assets as f64 * rng.f() * 0.9) as i64),
                (
                    F::EquityFinancing,
                    if rng.f() < 0.2 {
                        (1e8 * (10f64).powf(rng.f() * 2.5)) as i64
                    } else {
                        0
                    },
                ),
                (F::LocalContribution, contribution),
                (F::ValuationUsd, valuation),
                (F::Employees, emp.max(1)),
                (F::TechStaff, (emp as f64 * tech_share) as i64),
                (F::RdStaff, (emp as f64 * tech_share * 0.7) as i64),
                (F::IpClass1, ip1),
                (F::IpClass1Self, ip1 / 2),
                (F::IpClass1HighValue, ip1 / 3),
                (F::IpClass2, ip2),
                (F::Transformations, rng.below(7) as i64),
                (F::StandardsLed, (rng.f() < 0.05) as i64),
                (F::RdInstitution, rng.below(5) as i64),
                (
                    F::NationalAwardRank,
                    if rng.f() < 0.01 {
                        1 + rng.below(5) as i64
                    } else {
                        0
                    },
                ),
                (
                    F::ProvincialAwardRank,
                    if rng.f() < 0.03 {
                        1 + rng.below(5) as i64
                    } else {
                        0
                    },
                ),
                (F::NicheYears, (y - founded_year) as i64),
                (F::DigitalLevel, rng.below(5) as i64),
                (F::QualityItems, rng.below(5) as i64),
                (F::StrategicEmerging, (rng.f() < 0.5) as i64),
                (F::PrivateInvestment, private as i64),
                (F::MajorIncident, (rng.f() < 0.01) as i64),
                (F::CreditBlacklist, (rng.f() < 0.01) as i64),
                (F::HightechCertDate, cert.unwrap_or(0)),
            ];
            for (f, v) in cells {
                if f == F::HightechCertDate && cert.is_none() {
                    continue;
                }
                let r = rng.f();
                let prov = if r < missing {
                    continue;
                } else if rng.f() < verified {
                    &verified_prov
                } else {
                    &Provenance::Declared
                };
                if keep(y, f) {
                    p.set(row, y, f, Some(v), prov);
                }
            }
        }
    }
    p
}

/// Draws firm `i`'s attributes (founding date, listing, park, sector) and adds it to `p`: its row
/// and founding year.
fn push_firm(
    p: &mut Panel,
    rng: &mut Rng,
    i: usize,
    last: i32,
    founded_before: Option<i32>,
    parks: u64,
) -> (usize, i32) {
    let founded_year = match founded_before {
        Some(y) => y - 1 - rng.below(12) as i32,
        None => last - 1 - rng.below(15) as i32,
    };
    let manufacturing = rng.f() < 0.45;
    let listing = match rng.below(40) {
        0 => Listing::Star,
        1 => Listing::Neeq,
        2 => Listing::MainBoard,
        _ => Listing::Unlisted,
    };
    let row = p.push_firm(&FirmAttrs {
        uscc: format!("SYN{i:09}"),
        name: format!("合成企业{i}"),
        park: format!("park{:02}", rng.below(parks)),
        founded: Date::new(
            founded_year,
            1 + rng.below(12) as u8,
            1 + rng.below(28) as u8,
        )
        .unwrap(),
        sector: if manufacturing {
            Sector::Manufacturing
        } else {
            Sector::Services
        },
        listing,
        tech_field_ok: rng.f() < 0.8,
        // Every class and the unclassifiable 0, without drawing from the generator.
        sme_class: (i % 17) as u8,
    });
    (row, founded_year)
}
