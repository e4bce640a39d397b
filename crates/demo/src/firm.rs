//! One synthetic firm: its latent traits, its life from founding to the panel's last year, and
//! the enterprise-year rows it reports. See the crate documentation for the calibration.
use crate::rng::Rng;
use gaoxin_model::reference::Park;
use gaoxin_model::{
    Date, Enterprise, F, Facts, HIGH_TECH_FIELDS, IndustryCode, Listing, Provenance, Sector, Year,
};

/// Year from which firms can be founded.
pub const FIRST_FOUNDING_YEAR: i32 = 1995;
/// CNY per USD used to turn USD valuations into CNY financing amounts.
const CNY_PER_USD: f64 = 7.0;

/// Representative four-digit GB/T 4754-2017 classes for the prefixes the zone reference uses.
const CLASSES: &[(&str, &[&str])] = &[
    ("C26", &["C2661", "C2662", "C2664"]),
    (
        "C27",
        &[
            "C2710", "C2720", "C2730", "C2740", "C2761", "C2762", "C2770",
        ],
    ),
    ("C34", &["C3491", "C3492", "C3493", "C3441", "C3463"]),
    ("C35", &["C3591", "C3562", "C3599", "C3597"]),
    (
        "C358",
        &["C3581", "C3583", "C3584", "C3585", "C3586", "C3589"],
    ),
    ("C36", &["C3612", "C3670", "C3660"]),
    ("C37", &["C3741", "C3744"]),
    (
        "C38",
        &["C3811", "C3821", "C3823", "C3824", "C3825", "C3841"],
    ),
    (
        "C39",
        &[
            "C3911", "C3921", "C3940", "C3961", "C3963", "C3972", "C3973", "C3976", "C3981",
        ],
    ),
    ("C397", &["C3972", "C3973", "C3974", "C3976"]),
    ("C40", &["C4011", "C4014", "C4021"]),
    ("D44", &["D4415", "D4420"]),
    ("I63", &["I6311", "I6312", "I6319"]),
    ("I64", &["I6421", "I6429", "I6432", "I6440", "I6450"]),
    (
        "I65",
        &["I6511", "I6513", "I6519", "I6531", "I6550", "I6560"],
    ),
    ("I6520", &["I6520"]),
    ("M73", &["M7310", "M7320", "M7340"]),
    ("M74", &["M7452", "M7461", "M7484"]),
    ("M75", &["M7512", "M7514", "M7520", "M7530", "M7540"]),
    ("N77", &["N7721", "N7722", "N7723", "N7724"]),
];

/// Prefixes (with weights) for firms outside the park's clusters.
const MANUFACTURING_POOL: &[(&str, f64)] = &[
    ("C39", 0.22),
    ("C38", 0.14),
    ("C34", 0.14),
    ("C35", 0.10),
    ("C27", 0.10),
    ("C358", 0.06),
    ("C36", 0.08),
    ("C40", 0.08),
    ("C26", 0.06),
    ("C37", 0.02),
];
const SERVICES_POOL: &[(&str, f64)] = &[
    ("I65", 0.40),
    ("I64", 0.14),
    ("I63", 0.05),
    ("M73", 0.10),
    ("M74", 0.12),
    ("M75", 0.14),
    ("N77", 0.05),
];

/// Industries typical of each key track, matched on the track's name.
const TRACK_INDUSTRIES: &[(&str, &[&str])] = &[
    ("人工智能", &["I65", "I64", "C39", "C34"]),
    ("信息通信", &["I63", "C39", "I65"]),
    ("基因", &["C27", "M73"]),
    ("半导体", &["C397", "I6520", "C3562", "C38"]),
    ("低空", &["C37", "C3963", "C36"]),
    ("具身", &["C34", "C39"]),
    ("大模型", &["I64", "I65"]),
    ("软件", &["I65"]),
];

/// The technology field of 《国家重点支持的高新技术领域》 typical of an industry.
fn tech_field_of(industry: &str) -> &'static str {
    let f = |i: usize| HIGH_TECH_FIELDS[i];
    match () {
        _ if industry.starts_with("C27") || industry.starts_with("C358") => f(1),
        _ if industry.starts_with("M73") => f(1),
        _ if industry.starts_with("C37") => f(2),
        _ if industry.starts_with("C26") => f(3),
        _ if industry.starts_with("M75") => f(4),
        _ if industry.starts_with("C38") || industry.starts_with("D44") => f(5),
        _ if industry.starts_with("M74") || industry.starts_with("N77") => f(6),
        _ if industry.starts_with("C359") => f(6),
        _ if industry.starts_with("C34") || industry.starts_with("C35") => f(7),
        _ if industry.starts_with("C36") || industry.starts_with("C40") => f(7),
        _ => f(0),
    }
}

fn expand(prefix: &str, rng: &mut Rng) -> String {
    match CLASSES
        .iter()
        .filter(|(p, _)| prefix.starts_with(p) || p.starts_with(prefix))
        .max_by_key(|(p, _)| p.len())
    {
        Some((p, classes)) => {
            let fitting: Vec<&&str> = classes.iter().filter(|c| c.starts_with(prefix)).collect();
            if !fitting.is_empty() {
                fitting[rng.below(fitting.len())].to_string()
            } else if prefix.len() >= p.len() {
                prefix.to_string()
            } else {
                rng.pick(classes).to_string()
            }
        }
        None => prefix.to_string(),
    }
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Share of the year left after a founding date (a firm founded in March reports ~10 months).
fn year_fraction(d: Date) -> f64 {
    (13.0 - d.month() as f64 - d.day() as f64 / 31.0) / 12.0
}

/// A park with its sampling weight and the clusters it hosts, precomputed once per zone.
pub struct ParkPlan {
    pub id: String,
    pub weight: f64,
    /// Share of the park's manufacturing firms outside clusters.
    pub manufacturing_lean: f64,
    /// (cluster id, industry prefixes) hosted by the park.
    pub clusters: Vec<(String, Vec<String>)>,
}

/// Everything the generator derives from the zone reference, once.
pub struct Plan {
    pub parks: Vec<ParkPlan>,
    pub park_weights: Vec<f64>,
    /// All clusters: (id, host park, prefixes).
    pub clusters: Vec<(String, String, Vec<String>)>,
    /// Tracks: (id, typical industry prefixes; empty = any industry).
    pub tracks: Vec<(String, Vec<&'static str>)>,
    pub first_year: i32,
    pub last_year: i32,
    pub seed: u64,
}

impl Plan {
    pub fn new(zone: &gaoxin_model::Zone, first_year: i32, last_year: i32, seed: u64) -> Plan {
        let parks: Vec<ParkPlan> = zone
            .parks
            .iter()
            .map(|p: &Park| {
                let clusters: Vec<(String, Vec<String>)> = zone
                    .clusters
                    .iter()
                    .filter(|c| c.park == p.id)
                    .map(|c| (c.id.clone(), c.industries.clone()))
                    .collect();
                let (base, lean) = match p.location.as_str() {
                    "核心" => (3.0, 0.55),
                    "两翼" => (2.2, 0.6),
                    "主城" => (1.0, 0.2),
                    _ => (0.8, 0.72),
                };
                let weight = base
                    * (1.0 + 0.25 * clusters.len() as f64)
                    * if p.national { 1.3 } else { 1.0 };
                ParkPlan {
                    id: p.id.clone(),
                    weight,
                    manufacturing_lean: lean,
                    clusters,
                }
            })
            .collect();
        let park_weights = parks.iter().map(|p| p.weight).collect();
        let clusters = zone
            .clusters
            .iter()
            .map(|c| (c.id.clone(), c.park.clone(), c.industries.clone()))
            .collect();
        let tracks = zone
            .tracks
            .iter()
            .map(|t| {
                let inds = TRACK_INDUSTRIES
                    .iter()
                    .find(|(k, _)| t.name.contains(k))
                    .map(|(_, v)| v.to_vec())
                    .unwrap_or_default();
                (t.id.clone(), inds)
            })
            .collect();
        Plan {
            parks,
            park_weights,
            clusters,
            tracks,
            first_year,
            last_year,
            seed,
        }
    }
}

/// Latent traits of a firm, drawn once.
struct Traits {
    /// Log first full-year revenue (yuan).
    ln_r0: f64,
    /// Initial log growth per year and its decay horizon (years).
    g0: f64,
    horizon: f64,
    /// Long-run drift of log revenue.
    drift: f64,
    /// Yearly noise of log revenue.
    sigma: f64,
    /// R&D expense / revenue.
    rho: f64,
    tech_ratio: f64,
    rd_of_tech: f64,
    hightech_share: f64,
    main_share: f64,
    domestic_rd: f64,
    margin: f64,
    asset_turnover: f64,
    debt_ratio: f64,
    tax_rate: f64,
    export_share: f64,
    contract_share: f64,
    productivity: f64,
    ip_propensity: f64,
    self_ip: f64,
    hv_ip: f64,
    /// Revenue-free R&D phase (drug developers) until this year.
    prerevenue_until: i32,
    /// Share of optional facts this firm leaves blank.
    miss_rate: f64,
    digital: i64,
    quality: i64,
    strategic: bool,
    blacklisted_year: Option<i32>,
    niche_lag: i32,
}

/// Venture backing: first round, round years, valuation at the last round (USD).
struct Venture {
    first: i32,
    rounds: Vec<i32>,
    last_valuation: f64,
}

fn band(revenue: f64) -> f64 {
    if revenue <= 5.0e7 {
        0.05
    } else if revenue <= 2.0e8 {
        0.04
    } else {
        0.03
    }
}

/// p(a firm eligible for 高企 applies and passes in year y) for first recognitions: rises with the
/// 14th five-year push (6507 in 2020 → 20000 targeted for 2025).
fn hnte_new_rate(y: i32) -> f64 {
    match y {
        ..=2015 => 0.25,
        2016..=2018 => 0.36,
        2019 => 0.50,
        2020 => 0.58,
        2021 => 0.50,
        2022 => 0.55,
        2023 => 0.60,
        _ => 0.65,
    }
}

/// p(an eligible firm registers as 科小 in year y) when it was not registered the year before.
fn techsme_rate(y: i32) -> f64 {
    match y {
        ..=2016 => 0.0,
        2017 => 0.40,
        2018 => 0.55,
        2019 => 0.75,
        2020 => 0.85,
        2021 => 0.80,
        2022 => 0.83,
        2023 => 0.85,
        _ => 0.87,
    }
}

/// Year effects on log revenue (2020 pandemic dip and 2021 rebound).
fn macro_shock(y: i32) -> f64 {
    match y {
        2020 => -0.06,
        2021 => 0.05,
        2022 => -0.03,
        _ => 0.0,
    }
}

fn fen(yuan: f64) -> i64 {
    (yuan.max(0.0) * 100.0).round() as i64
}

/// Generates firm `index`: its identity (without name, which the caller assigns) and its rows.
pub fn firm(plan: &Plan, index: u64) -> (Enterprise, Vec<Facts>) {
    let mut rng = Rng::derive(plan.seed, 1, index);
    let (first_year, last_year) = (plan.first_year, plan.last_year);

    // ---- founding: exponential growth of firm formation, ~9% a year ----
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
    let code = expand(&prefix, &mut rng);
    let industry = IndustryCode::parse(&code).expect("industry table holds valid codes");
    let sector = industry.default_sector();
    let mfg = sector == Sector::Manufacturing;
    let biotech = code.starts_with("C27") || code.starts_with("M73");

    // ---- latent traits ----
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
    let mut tr = tr;

    // ---- pass 1: revenue path from founding, with exits inside the panel ----
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
    let revenue_of = |y: i32| -> f64 {
        let mut r = levels[(y - fy) as usize].exp();
        if y == fy {
            r *= year_fraction(founded);
        }
        if y <= tr.prerevenue_until {
            r = 0.0;
        }
        r
    };
    let last_revenue = revenue_of(last_active);

    // ---- listing and venture backing ----
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

    // Small firms leave more blanks.
    let small = last_revenue < 1.0e7;
    tr.miss_rate = if small {
        rng.uniform(0.06, 0.16)
    } else {
        rng.uniform(0.02, 0.08)
    };

    // ---- clusters and tracks ----
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
        Some(tech_field_of(&code).to_string())
    } else {
        None
    };

    let uscc = crate::names::uscc(index, &park.id, fy);
    let enterprise = Enterprise {
        uscc: uscc.clone(),
        name: String::new(),
        park: park.id.clone(),
        founded,
        industry,
        sector,
        tech_field: tech_field.clone(),
        listing,
        clusters,
        tracks,
        synthetic: true,
    };

    // ---- pass 2: yearly state, certificates, rows ----
    let mut rows = Vec::with_capacity((last_active - first_year + 1).max(0) as usize);
    let mut class1: f64 = 0.0;
    let mut class2: f64 = 0.0;
    let mut hist: Vec<(f64, f64)> = Vec::new(); // (revenue, rd)
    let mut hnte: Option<Date> = None;
    let mut specialized: Option<Date> = None;
    let mut giant_cert: Option<Date> = None;
    let mut sme_last = false;
    let mut rd_level: i64 = 0;
    let mut standards_years: Vec<i32> = Vec::new();
    let mut valuation: Option<f64> = None;
    // The city's unicorn and gazelle lists: drawn from their own stream so that every other
    // fact keeps its bytes.
    let mut list_rng = Rng::derive(plan.seed, LIST_STREAM, index);
    let mut unicorn_first: Option<i32> = None;
    let mut gazelle_first: Option<i32> = None;
    let ht_field_ok = tech_field.is_some();
    for y in fy..=last_active {
        let a = y - fy;
        let revenue = revenue_of(y);
        let yr_noise = (0.12 * rng.normal()).exp();
        let rd = if y <= tr.prerevenue_until {
            5.0e6f64 * (0.8 * rng.normal()).exp() * year_fraction_or_one(y, fy, founded)
        } else {
            revenue * (tr.rho * yr_noise).min(0.9)
        };
        hist.push((revenue, rd));
        let employees = (revenue / tr.productivity * (0.06 * rng.normal()).exp())
            .max(rd / 3.0e5)
            .max(3.0)
            .round();
        let tech_ratio = (tr.tech_ratio * (0.06 * rng.normal()).exp()).min(1.0);
        let tech_staff = (employees * tech_ratio).round().min(employees);
        let rd_staff = (tech_staff * tr.rd_of_tech).round().min(employees);

        // IP: invention grants grow with R&D (elasticity 0.5); Ⅱ-class (utility models, designs,
        // software copyrights) are filed from the start; about 4 % of the stock lapses a year.
        let lambda1 = 0.03 * (rd / 1.0e4).sqrt() * tr.ip_propensity * if mfg { 1.2 } else { 0.7 };
        let grants = rng.poisson(lambda1);
        class1 = (class1 * 0.96).floor() + grants as f64;
        let lambda2 = 0.4 + lambda1 * if mfg { 2.0 } else { 3.5 };
        class2 = (class2 * 0.95).floor() + rng.poisson(lambda2) as f64;

        // R&D institution: firms climb the ladder with size and propensity.
        if a >= 2 && rd_level < 4 {
            let p = 0.02 * (1.0 + tau.max(0.0)) * (rd / 5.0e6).clamp(0.2, 5.0);
            if rng.chance(p / (1.0 + rd_level as f64)) {
                rd_level += 1;
            }
        }
        let standards = if rng.chance(0.004 * (1.0 + (rd / 1.0e7).min(20.0))) {
            standards_years.push(y);
            rng.int(1, 2)
        } else {
            0
        };
        let incident = rng.chance(0.003);
        let blacklisted = tr.blacklisted_year.is_some_and(|b| y == b || y == b + 1);

        // 3-year R&D intensity, as §1.2 computes it.
        let k = hist.len().saturating_sub(3);
        let (sr, sd) = hist[k..]
            .iter()
            .fold((0.0, 0.0), |(r, d), (x, z)| (r + x, d + z));
        let rd3 = if sr > 0.0 { sd / sr } else { 0.0 };
        let year_end = Date::new(y, 12, 31).expect("valid");

        // 高企: 3-year certificates, renewal by re-recognition at expiry.
        let valid = |d: Option<Date>| d.is_some_and(|d| d.add_years(3) > year_end);
        if y >= 2008 && a >= 1 && !valid(hnte) {
            let eligible = rd3 >= band(revenue)
                && tech_ratio >= 0.10
                && tr.hightech_share >= 0.6
                && class1 + class2 >= 1.0
                && ht_field_ok
                && !incident;
            let renewal = hnte.is_some_and(|d| d.year() + 3 == y);
            let p = if renewal { 0.9 } else { hnte_new_rate(y) };
            if eligible && rng.chance(p) {
                hnte = Date::new(y, rng.int(10, 12) as u8, rng.int(1, 28) as u8);
            }
        }
        let hnte_valid = valid(hnte);

        // 专精特新 (provincial, 3-year validity) and 小巨人 for a minority.
        if y >= 2018 && !valid(specialized) && employees < 1000.0 {
            let eligible = a >= 2
                && rd >= 1.0e6
                && rd3 >= 0.03
                && revenue >= 1.0e7
                && tr.main_share >= 0.7
                && tau > 0.2;
            let renewal = specialized.is_some();
            if eligible && rng.chance(if renewal { 0.8 } else { 0.06 }) {
                specialized = Date::new(y, rng.int(6, 12) as u8, rng.int(1, 28) as u8);
            }
        }
        if y >= 2019 && valid(specialized) && !valid(giant_cert) {
            let eligible = a >= 3
                && ((revenue >= 1.0e8 && rd3 >= 0.03) || (revenue >= 5.0e7 && rd3 >= 0.06))
                && class1 >= 2.0;
            let renewal = giant_cert.is_some();
            if eligible && rng.chance(if renewal { 0.85 } else { 0.10 }) {
                giant_cert = Date::new(y, rng.int(7, 9) as u8, rng.int(1, 28) as u8);
            }
        }

        // 科小: scored as §2.2 on this year's figures; registration is yearly.
        let assets = revenue / tr.asset_turnover + rd;
        let tech_score = match tech_ratio {
            r if r >= 0.30 => 20,
            r if r >= 0.25 => 16,
            r if r >= 0.20 => 12,
            r if r >= 0.15 => 8,
            r if r >= 0.10 => 4,
            _ => 0,
        };
        let cost = revenue * (1.0 - tr.margin);
        let by_rev = if revenue > 0.0 { rd / revenue } else { 1.0 };
        let by_cost = if cost > 0.0 { rd / cost } else { 1.0 };
        let rd_score = [
            (0.06, 0.30, 50),
            (0.05, 0.25, 40),
            (0.04, 0.20, 30),
            (0.03, 0.15, 20),
            (0.02, 0.10, 10),
        ]
        .iter()
        .find(|(a, b, _)| by_rev >= *a || by_cost >= *b)
        .map(|t| t.2)
        .unwrap_or(0);
        let ip_score = match (class1 as i64, class2 as i64) {
            (c1, _) if c1 >= 1 => 30,
            (_, c2) if c2 >= 4 => 24,
            (_, 3) => 18,
            (_, 2) => 12,
            (_, 1) => 6,
            _ => 0,
        };
        let direct = hnte_valid || rd_level >= 3 || standards_years.iter().any(|s| y - s < 5);
        let scored = tech_score > 0 && tech_score + rd_score + ip_score >= 60;
        let sme_eligible = employees <= 500.0
            && revenue <= 2.0e8
            && assets <= 2.0e8
            && !blacklisted
            && !incident
            && (scored || direct);
        let sme =
            y >= 2017 && sme_eligible && rng.chance(if sme_last { 0.97 } else { techsme_rate(y) });
        sme_last = sme;

        // Valuation of the latest round (USD); listed firms report none after listing.
        if let Some(v) = &venture
            && v.rounds.contains(&y)
        {
            let last_round = *v.rounds.last().expect("non-empty");
            valuation = Some(v.last_valuation * (-0.35 * (last_round - y) as f64).exp());
        }
        let listed_now = listed_year.is_some_and(|l| y >= l);
        // The city's lists of year y (published from 2021): firms meeting the criteria
        // (criteria.md §4.3) apply and are listed with p = 0.85.
        let blacklisted_now = tr.blacklisted_year.is_some_and(|b| y == b || y == b + 1);
        let unicorn_like = !blacklisted_now
            && !listed_now
            && venture.as_ref().is_some_and(|v| y >= v.first)
            && valuation.is_some_and(|v| v > UNICORN_VALUATION_USD);
        let gazelle_like = !blacklisted_now && a >= 3 && {
            let r = &hist[hist.len() - 4..];
            crate::calibration::is_gazelle(sector, [0, 1, 2, 3].map(|i| fen(r[i].0)))
        };
        let on_list = |like: bool, r: &mut Rng| y >= FIRST_LIST_YEAR && like && r.chance(0.85);
        let unicorn_listed = on_list(unicorn_like, &mut list_rng);
        let gazelle_listed = !unicorn_listed && on_list(gazelle_like, &mut list_rng);
        if unicorn_listed {
            unicorn_first.get_or_insert(y);
        }
        if gazelle_listed {
            gazelle_first.get_or_insert(y);
        }
        // The zone has no record of the lists for some firms (blank, not 否).
        let list_known = y >= FIRST_LIST_YEAR && !list_rng.chance(tr.miss_rate);

        if y < first_year {
            continue;
        }
        // ---- the row ----
        let mut f = Facts::new(uscc.clone(), Year::new(y).expect("year in range"));
        let miss = tr.miss_rate;
        let mut w = Writer {
            rng: Rng::new(rng.next_u64()),
        };
        let mut put = |f: &mut Facts, field: F, v: i64, missing_p: f64, prov: Provenance| {
            w.put(f, field, v, missing_p, prov)
        };
        let v = |name: &str| Provenance::Verified(name.to_string());
        let src = |rng_p: f64, name: &str, r: &mut Rng| {
            if r.chance(rng_p) {
                v(name)
            } else {
                Provenance::Declared
            }
        };
        let core = 0.01;
        let p_rev = src(0.85, "税务", &mut rng);
        let p_tax = src(0.95, "税务", &mut rng);
        let p_rd = src(0.6, "税务", &mut rng);
        let p_staff = src(0.4, "火炬统计", &mut rng);
        let p_ip = src(0.9, "知识产权局", &mut rng);
        let cert = v("认定机构");

        let revenue_f = fen(revenue);
        put(&mut f, F::Revenue, revenue_f, core, p_rev.clone());
        put(
            &mut f,
            F::MainRevenue,
            fen(revenue * tr.main_share).min(revenue_f),
            miss,
            p_rev.clone(),
        );
        put(
            &mut f,
            F::HightechRevenue,
            fen(revenue * tr.hightech_share).min(revenue_f),
            miss,
            Provenance::Declared,
        );
        let rd_f = fen(rd);
        put(&mut f, F::RdExpense, rd_f, core, p_rd.clone());
        put(
            &mut f,
            F::RdExpenseDomestic,
            fen(rd * tr.domestic_rd).min(rd_f),
            miss,
            p_rd,
        );
        let profit = revenue * tr.margin * (0.3 * rng.normal()).exp()
            - if revenue == 0.0 { rd } else { 0.0 };
        put(
            &mut f,
            F::TotalCost,
            fen(revenue - profit.min(revenue)),
            miss,
            Provenance::Declared,
        );
        put(
            &mut f,
            F::NetProfit,
            (profit * 0.85 * 100.0).round() as i64,
            core,
            src(0.6, "税务", &mut rng),
        );
        let tax = revenue * tr.tax_rate;
        put(&mut f, F::TaxPaid, fen(tax), core, p_tax.clone());
        put(
            &mut f,
            F::Exports,
            fen(revenue * tr.export_share),
            miss,
            Provenance::Declared,
        );
        put(
            &mut f,
            F::TotalAssets,
            fen(assets),
            miss,
            Provenance::Declared,
        );
        put(
            &mut f,
            F::TotalLiabilities,
            fen(assets * tr.debt_ratio),
            miss,
            Provenance::Declared,
        );
        let equity = match (&venture, valuation) {
            (Some(vv), Some(val)) if vv.rounds.contains(&y) && !listed_now => {
                val * CNY_PER_USD * rng.uniform(0.08, 0.25)
            }
            _ => 0.0,
        };
        put(
            &mut f,
            F::EquityFinancing,
            fen(equity),
            miss,
            Provenance::Declared,
        );
        put(
            &mut f,
            F::TechContracts,
            fen(revenue * tr.contract_share),
            miss,
            Provenance::Declared,
        );
        put(&mut f, F::LocalContribution, fen(tax * 0.45), miss, p_tax);
        if let Some(val) = valuation
            && !listed_now
        {
            let p = if rng.chance(0.1) {
                Provenance::Imputed
            } else {
                Provenance::Declared
            };
            put(
                &mut f,
                F::ValuationUsd,
                (val * 100.0).round() as i64,
                0.03,
                p,
            );
        }
        put(
            &mut f,
            F::Employees,
            employees as i64,
            core,
            p_staff.clone(),
        );
        put(
            &mut f,
            F::TechStaff,
            tech_staff as i64,
            miss,
            p_staff.clone(),
        );
        put(&mut f, F::RdStaff, rd_staff as i64, miss, p_staff);
        let c1 = class1 as i64;
        put(&mut f, F::IpClass1, c1, core, p_ip.clone());
        put(
            &mut f,
            F::IpClass1Self,
            ((c1 as f64) * tr.self_ip).floor() as i64,
            miss,
            p_ip.clone(),
        );
        put(
            &mut f,
            F::IpClass1HighValue,
            ((c1 as f64) * tr.hv_ip).floor() as i64,
            miss,
            p_ip.clone(),
        );
        put(&mut f, F::IpClass2, class2 as i64, core, p_ip.clone());
        put(&mut f, F::InventionGrants, grants, core, p_ip);
        let transformations =
            rng.poisson(0.4 + 1.5 * logistic(tau) * (1.0 + (rd / 2.0e7).min(4.0)));
        put(
            &mut f,
            F::Transformations,
            transformations,
            miss,
            Provenance::Declared,
        );
        put(
            &mut f,
            F::StandardsLed,
            standards,
            miss,
            Provenance::Declared,
        );
        put(
            &mut f,
            F::RdInstitution,
            rd_level,
            miss,
            if rd_level >= 2 {
                v("认定机构")
            } else {
                Provenance::Declared
            },
        );
        let national_rank = if rng.chance(0.0008 * (1.0 + rd_level as f64)) {
            rng.int(1, 8)
        } else {
            0
        };
        let provincial_rank = if rng.chance(0.006 * (1.0 + rd_level as f64)) {
            rng.int(1, 8)
        } else {
            0
        };
        put(
            &mut f,
            F::NationalAwardRank,
            national_rank,
            miss,
            Provenance::Declared,
        );
        put(
            &mut f,
            F::ProvincialAwardRank,
            provincial_rank,
            miss,
            Provenance::Declared,
        );
        put(
            &mut f,
            F::NicheYears,
            (a - tr.niche_lag).max(0) as i64,
            miss,
            Provenance::Declared,
        );
        put(
            &mut f,
            F::DigitalLevel,
            tr.digital,
            miss * 1.5,
            Provenance::Declared,
        );
        put(
            &mut f,
            F::QualityItems,
            tr.quality,
            miss,
            Provenance::Declared,
        );
        put(
            &mut f,
            F::StrategicEmerging,
            tr.strategic as i64,
            miss,
            Provenance::Declared,
        );
        let vc_now = venture.as_ref().is_some_and(|v| y >= v.first);
        put(
            &mut f,
            F::PrivateInvestment,
            vc_now as i64,
            miss * 0.5,
            Provenance::Declared,
        );
        f.set(
            F::MajorIncident,
            Some(incident as i64),
            Provenance::Declared,
        );
        f.set(F::CreditBlacklist, Some(blacklisted as i64), v("市场监管"));
        if let Some(d) = hnte {
            f.set(F::HightechCertDate, Some(d.to_int()), cert.clone());
        }
        if y >= 2017 {
            f.set(F::TechSmeRegistered, Some(sme as i64), cert.clone());
        }
        if let Some(d) = specialized {
            f.set(F::SpecializedCertDate, Some(d.to_int()), cert.clone());
        }
        if let Some(d) = giant_cert {
            f.set(F::LittleGiantCertDate, Some(d.to_int()), cert);
        }
        if list_known {
            let list = v("市发改委榜单");
            f.set(F::UnicornListed, Some(unicorn_listed as i64), list.clone());
            f.set(F::GazelleListed, Some(gazelle_listed as i64), list.clone());
            if let Some(fy) = unicorn_first {
                f.set(F::UnicornFirstYear, Some(fy as i64), list.clone());
            }
            if let Some(fy) = gazelle_first {
                f.set(F::GazelleFirstYear, Some(fy as i64), list);
            }
        }
        rows.push(f);
    }
    (enterprise, rows)
}

/// Writes facts with blanks and imputations from its own stream.
struct Writer {
    rng: Rng,
}

impl Writer {
    fn put(&mut self, f: &mut Facts, field: F, v: i64, missing_p: f64, prov: Provenance) {
        if self.rng.chance(missing_p) {
            return;
        }
        let prov = if !prov.is_verified() && self.rng.chance(0.02) {
            Provenance::Imputed
        } else {
            prov
        };
        f.set(field, Some(v), prov);
    }
}

/// The stream of the city's list draws ([`Rng::derive`]); 1 is the firm's, 2 the names'.
const LIST_STREAM: u64 = 3;
/// First year of the city's unicorn / gazelle lists under the 2021 definitions (宁委发〔2021〕1号).
const FIRST_LIST_YEAR: i32 = 2021;
/// The unicorn list's valuation threshold: more than USD 1 billion (criteria.md §4.3).
const UNICORN_VALUATION_USD: f64 = 1.0e9;

fn year_fraction_or_one(y: i32, fy: i32, founded: Date) -> f64 {
    if y == fy { year_fraction(founded) } else { 1.0 }
}
