//! A firm's life before its rows: founding date, park and industry, latent traits, the revenue
//! path from founding (with exits), listing and venture backing, clusters and tracks. Each phase
//! draws from the firm's stream in the order the generator has always used.
use super::tables::{
    MANUFACTURING_POOL, SERVICES_POOL, expand, logistic, macro_shock, tech_field_of, year_fraction,
};
use super::{FIRST_FOUNDING_YEAR, ParkPlan, Plan};
use crate::rng::Rng;
use gaoxin_model::{Date, IndustryCode, Listing, Sector};

/// Latent traits of a firm, drawn once.
pub(super) struct Traits {
    /// Log first full-year revenue (yuan).
    pub ln_r0: f64,
    /// Initial log growth per year and its decay horizon (years).
    pub g0: f64,
    pub horizon: f64,
    /// Long-run drift of log revenue.
    pub drift: f64,
    /// Yearly noise of log revenue.
    pub sigma: f64,
    /// R&D expense / revenue.
    pub rho: f64,
    pub tech_ratio: f64,
    pub rd_of_tech: f64,
    pub hightech_share: f64,
    pub main_share: f64,
    pub domestic_rd: f64,
    pub margin: f64,
    pub asset_turnover: f64,
    pub debt_ratio: f64,
    pub tax_rate: f64,
    pub export_share: f64,
    pub contract_share: f64,
    pub productivity: f64,
    pub ip_propensity: f64,
    pub self_ip: f64,
    pub hv_ip: f64,
    /// Revenue-free R&D phase (drug developers) until this year.
    pub prerevenue_until: i32,
    /// Share of optional facts this firm leaves blank.
    pub miss_rate: f64,
    pub digital: i64,
    pub quality: i64,
    pub strategic: bool,
    pub blacklisted_year: Option<i32>,
    pub niche_lag: i32,
}

/// Venture backing: first round, round years, valuation at the last round (USD).
pub(super) struct Venture {
    pub first: i32,
    pub rounds: Vec<i32>,
    pub last_valuation: f64,
}

/// Who the firm is: founding, park and industry.
pub(super) struct Identity<'a> {
    pub fy: i32,
    pub founded: Date,
    pub park: &'a ParkPlan,
    pub code: String,
    pub industry: IndustryCode,
    pub sector: Sector,
    pub mfg: bool,
    pub biotech: bool,
}

/// Founding (exponential growth of firm formation, ~9% a year), park and industry.
pub(super) fn identity<'a>(plan: &'a Plan, rng: &mut Rng) -> Identity<'a> {
    let last_year = plan.last_year;
    let span = (last_year - FIRST_FOUNDING_YEAR) as f64 + 1.0;
    let g = 0.09;
    let u = rng.f64();
    let t = ((u * ((g * span).exp() - 1.0)) + 1.0).ln() / g; // inverse CDF on [0, span)
    let fy = (FIRST_FOUNDING_YEAR + t.floor() as i32).min(last_year);
    let month = rng.int(1, 12) as u8;
    let day = rng.int(1, 28) as u8;
    let founded = Date::new(fy, month, day).expect("valid date");

    // ---- park and industry ----
    let park = &plan.parks[rng.weighted(&plan.park_weights)];
    let prefix: String = if !park.clusters.is_empty() && rng.chance(0.6) {
        let (_, inds) = rng.pick(&park.clusters);
        rng.pick(inds).clone()
    } else {
        let pool = if rng.chance(park.manufacturing_lean) {
            MANUFACTURING_POOL
        } else {
            SERVICES_POOL
        };
        let w: Vec<f64> = pool.iter().map(|p| p.1).collect();
        pool[rng.weighted(&w)].0.to_string()
    };
    let code = expand(&prefix, rng);
    let industry = IndustryCode::parse(&code).expect("industry table holds valid codes");
    let sector = industry.default_sector();
    let mfg = sector == Sector::Manufacturing;
    let biotech = code.starts_with("C27") || code.starts_with("M73");
    Identity {
        fy,
        founded,
        park,
        code,
        industry,
        sector,
        mfg,
        biotech,
    }
}

/// The drawn character of a firm beyond its [`Traits`].
pub(super) struct Latent {
    /// Innovation propensity (standard normal).
    pub tau: f64,
    pub high_flyer: bool,
}

/// Latent traits, drawn once.
pub(super) fn traits(plan: &Plan, id: &Identity, rng: &mut Rng) -> (Traits, Latent) {
    let (first_year, last_year) = (plan.first_year, plan.last_year);
    let (fy, mfg, biotech) = (id.fy, id.mfg, id.biotech);
    let tau = rng.normal();
    let high_flyer = rng.chance(0.02 + 0.02 * (tau > 1.0) as i32 as f64);
    // Size segments: a few giants (group subsidiaries, national champions), some established
    // mid-size firms, and the mass of small technology firms.
    let segment = rng.f64();
    let giant = segment < 0.006 && fy < 2015;
    let ln_r0 = if giant {
        (8.0e8f64).ln() + 1.2 * rng.normal()
    } else if segment < 0.07 && fy < 2018 {
        (3.0e7f64).ln() + 0.8 * rng.normal()
    } else {
        (if mfg { 2.2e6f64 } else { 1.6e6 }).ln() + 1.0 * rng.normal()
    };
    let (total_growth, horizon) = if high_flyer {
        ((3.8 + 0.8 * rng.normal()).max(1.0), rng.uniform(5.0, 9.0))
    } else {
        ((0.6 + 0.7 * rng.normal()).max(0.0), rng.uniform(2.0, 5.0))
    };
    let prerevenue_until = if biotech && rng.chance(0.12) {
        fy + rng.int(2, 6) as i32
    } else {
        i32::MIN
    };
    let tr = Traits {
        ln_r0,
        g0: total_growth / horizon,
        horizon,
        drift: 0.01 + 0.03 * rng.normal(),
        sigma: rng.uniform(0.15, 0.32) * if biotech { 1.3 } else { 1.0 },
        rho: ((0.046f64).ln() + 0.75 * (0.75 * tau + 0.66 * rng.normal()))
            .exp()
            .clamp(0.002, 0.6)
            * if giant { 0.6 } else { 1.0 },
        tech_ratio: logistic(-0.75 + 0.9 * tau + 0.5 * rng.normal()).clamp(0.02, 0.95),
        rd_of_tech: rng.uniform(0.45, 0.9),
        hightech_share: logistic(1.7 + 1.2 * tau + 0.6 * rng.normal()),
        main_share: if rng.chance(0.85) {
            rng.uniform(0.8, 1.0)
        } else {
            rng.uniform(0.45, 0.8)
        },
        domestic_rd: if rng.chance(0.85) {
            1.0
        } else if rng.chance(0.85) {
            rng.uniform(0.6, 1.0)
        } else {
            rng.uniform(0.3, 0.6)
        },
        margin: 0.05 + 0.08 * rng.normal(),
        asset_turnover: (0.0f64 + 0.45 * rng.normal()).exp() * if mfg { 0.9 } else { 1.3 },
        debt_ratio: rng.uniform(0.15, 0.8),
        tax_rate: rng.uniform(0.025, 0.08),
        export_share: if mfg && rng.chance(0.35) {
            rng.uniform(0.03, 0.5)
        } else {
            0.0
        },
        contract_share: if rng.chance(0.3) {
            rng.uniform(0.01, 0.25)
        } else {
            0.0
        },
        productivity: (if mfg { 7.0e5 } else { 4.5e5 }) * (0.4 * rng.normal()).exp(),
        ip_propensity: (0.5 * tau + 0.5 * rng.normal()).exp(),
        self_ip: rng.uniform(0.55, 1.0),
        hv_ip: (rng.uniform(0.05, 0.45) * (1.0 + 0.25 * tau)).clamp(0.0, 1.0),
        prerevenue_until,
        miss_rate: 0.0,
        digital: rng.weighted(&[0.25, 0.3, 0.3, 0.12, 0.03]) as i64,
        quality: rng.weighted(&[0.15, 0.35, 0.3, 0.15, 0.05]) as i64,
        strategic: rng.chance(logistic(0.2 + 0.8 * tau)),
        blacklisted_year: if rng.chance(0.02) {
            Some(rng.int(first_year as i64, last_year as i64) as i32)
        } else {
            None
        },
        niche_lag: rng.int(0, 3) as i32,
    };
    (tr, Latent { tau, high_flyer })
}

/// Log revenue levels from founding to the last active year.
pub(super) struct RevenuePath {
    levels: Vec<f64>,
    fy: i32,
    founded: Date,
    prerevenue_until: i32,
    pub last_active: i32,
}

impl RevenuePath {
    /// Revenue of year `y` (part-year in the founding year, none in a pre-revenue phase).
    pub fn revenue(&self, y: i32) -> f64 {
        let mut r = self.levels[(y - self.fy) as usize].exp();
        if y == self.fy {
            r *= year_fraction(self.founded);
        }
        if y <= self.prerevenue_until {
            r = 0.0;
        }
        r
    }
}

/// Pass 1: revenue path from founding, with exits inside the panel.
pub(super) fn revenue_path(plan: &Plan, id: &Identity, tr: &Traits, rng: &mut Rng) -> RevenuePath {
    let (first_year, last_year) = (plan.first_year, plan.last_year);
    let fy = id.fy;
    let mut levels: Vec<f64> = Vec::with_capacity((last_year - fy + 1) as usize);
    // log revenue = trend (firm-specific growth, decaying ramp + drift + year effects)
    //            + AR(1) deviation (φ = 0.3), so growth shocks partly revert.
    let mut trend = tr.ln_r0;
    let mut dev = 0.0;
    let mut level;
    let mut last_active = last_year;
    for y in fy..=last_year {
        let a = y - fy;
        if a > 0 {
            trend += tr.g0 * (-(a as f64 - 1.0) / tr.horizon).exp() + tr.drift + macro_shock(y);
            dev = 0.3 * dev + tr.sigma * rng.normal();
        }
        level = trend + dev;
        if y > first_year && y > fy + 1 {
            let fell = levels.len() >= 2 && levels[levels.len() - 1] < levels[levels.len() - 2];
            let young = a <= 4;
            let hazard = 0.012 + 0.02 * young as i32 as f64 + 0.02 * fell as i32 as f64;
            if rng.chance(hazard) {
                last_active = y - 1;
                break;
            }
        }
        levels.push(level);
    }
    RevenuePath {
        levels,
        fy,
        founded: id.founded,
        prerevenue_until: tr.prerevenue_until,
        last_active,
    }
}

/// Listing board, year of listing (exchanges other than NEEQ) and venture backing.
pub(super) struct Backing {
    pub listing: Listing,
    pub listed_year: Option<i32>,
    pub venture: Option<Venture>,
}

/// Listing and venture backing, from the revenue of the last active year.
pub(super) fn backing(
    plan: &Plan,
    id: &Identity,
    latent: &Latent,
    last_revenue: f64,
    last_active: i32,
    rng: &mut Rng,
) -> Backing {
    let last_year = plan.last_year;
    let (fy, tau, high_flyer) = (id.fy, latent.tau, latent.high_flyer);
    let x = (last_revenue.max(1.0).ln() - (1.0e9f64).ln()) / 0.8;
    let age_last = last_active - fy;
    let listing = if age_last >= 4 && rng.chance(0.4 * logistic(x)) {
        let w = [0.36, 0.22, 0.30, 0.08, 0.04];
        let boards = [
            Listing::MainBoard,
            Listing::ChiNext,
            Listing::Star,
            Listing::Bse,
            Listing::Overseas,
        ];
        boards[rng.weighted(&w)]
    } else if age_last >= 3
        && (2.0e7..8.0e8).contains(&last_revenue)
        && rng.chance(0.035 + 0.02 * (tau > 0.5) as i32 as f64)
    {
        Listing::Neeq
    } else {
        Listing::Unlisted
    };
    let listed_year = if listing.is_listed_excl_neeq() {
        let earliest = match listing {
            Listing::Star => 2019,
            Listing::Bse => 2021,
            _ => 2000,
        }
        .max(fy + 4);
        Some(rng.int(earliest.min(last_year) as i64, last_year as i64) as i32)
    } else {
        None
    };
    let vc_p = logistic(
        -3.25 + 0.7 * tau + 1.4 * high_flyer as i32 as f64 + 0.5 * (fy >= 2012) as i32 as f64,
    ) + if listing != Listing::Unlisted {
        0.5
    } else {
        0.0
    };
    let venture = if rng.chance(vc_p) {
        let first = (fy + rng.int(0, 3) as i32).min(last_active);
        let mut rounds = vec![first];
        let mut r = first;
        loop {
            r += rng.int(1, 3) as i32;
            if r > last_active || listed_year.is_some_and(|l| r > l) {
                break;
            }
            rounds.push(r);
        }
        let z = 0.55 * high_flyer as i32 as f64 + 0.35 * tau + 0.85 * rng.normal();
        let growth_bonus = if high_flyer { 0.5 } else { 0.0 };
        let log10_v = 6.33 + growth_bonus + 0.95 * z + 0.04 * (rounds.len() as f64 - 1.0);
        Some(Venture {
            first,
            rounds,
            last_valuation: 10f64.powf(log10_v.min(10.7)),
        })
    } else {
        None
    };
    Backing {
        listing,
        listed_year,
        venture,
    }
}

/// Clusters, key tracks and the technology field of a firm.
pub(super) fn memberships(
    plan: &Plan,
    id: &Identity,
    tr: &Traits,
    tau: f64,
    rng: &mut Rng,
) -> (Vec<String>, Vec<String>, Option<String>) {
    let (code, park, fy) = (&id.code, id.park, id.fy);
    let mut clusters = Vec::new();
    for (id, host, prefixes) in &plan.clusters {
        if prefixes.iter().any(|p| code.starts_with(p.as_str())) {
            let p = if *host == park.id { 0.85 } else { 0.06 };
            if rng.chance(p) {
                clusters.push(id.clone());
            }
        }
    }
    let mut tracks = Vec::new();
    for (id, prefixes) in &plan.tracks {
        let fits = if prefixes.is_empty() {
            true
        } else {
            prefixes.iter().any(|p| code.starts_with(p))
        };
        if !fits || tracks.len() >= 2 {
            continue;
        }
        let p = if prefixes.is_empty() { 0.01 } else { 0.05 }
            * (1.0 + 1.5 * logistic(2.0 * (tau - 0.5)))
            * if fy >= 2015 { 1.5 } else { 1.0 };
        if rng.chance(p) {
            tracks.push(id.clone());
        }
    }
    let tech_field = if tr.hightech_share > 0.4 || rng.chance(0.5) {
        Some(tech_field_of(code).to_string())
    } else {
        None
    };
    (clusters, tracks, tech_field)
}
