//! Code tables and yearly rates the generator draws from: GB/T 4754 classes per prefix, the
//! industry pools, track industries, technology fields, recognition rates and year shocks.
use crate::rng::Rng;
use gaoxin_model::{Date, HIGH_TECH_FIELDS};

/// CNY per USD used to turn USD valuations into CNY financing amounts.
pub(super) const CNY_PER_USD: f64 = 7.0;

/// R&D a venture-backed firm spends a year per yuan of its latest valuation, at least (0.5 %: a
/// US$1B unicorn, 70亿元, spends 3,500万元, so the first-listing award — 5 % of last year's R&D
/// up to 200万元 — lands near its cap, as the policy intends). UNCONFIRMED: no source document
/// gives unicorns' R&D; an order of magnitude, not a statistic.
pub(super) const RD_PER_VALUATION: f64 = 0.005;

/// Representative four-digit GB/T 4754-2017 classes for the prefixes the zone reference uses.
pub(super) const CLASSES: &[(&str, &[&str])] = &[
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
pub(super) const MANUFACTURING_POOL: &[(&str, f64)] = &[
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
pub(super) const SERVICES_POOL: &[(&str, f64)] = &[
    ("I65", 0.40),
    ("I64", 0.14),
    ("I63", 0.05),
    ("M73", 0.10),
    ("M74", 0.12),
    ("M75", 0.14),
    ("N77", 0.05),
];

/// Industries typical of each key track, matched on the track's name.
pub(super) const TRACK_INDUSTRIES: &[(&str, &[&str])] = &[
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
pub(super) fn tech_field_of(industry: &str) -> &'static str {
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

pub(super) fn expand(prefix: &str, rng: &mut Rng) -> String {
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

pub(super) fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Share of the year left after a founding date (a firm founded in March reports ~10 months).
pub(super) fn year_fraction(d: Date) -> f64 {
    (13.0 - d.month() as f64 - d.day() as f64 / 31.0) / 12.0
}

pub(super) fn band(revenue: f64) -> f64 {
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
pub(super) fn hnte_new_rate(y: i32) -> f64 {
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
pub(super) fn techsme_rate(y: i32) -> f64 {
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
pub(super) fn macro_shock(y: i32) -> f64 {
    match y {
        2020 => -0.06,
        2021 => 0.05,
        2022 => -0.03,
        _ => 0.0,
    }
}

pub(super) fn fen(yuan: f64) -> i64 {
    (yuan.max(0.0) * 100.0).round() as i64
}

/// The stream of the city's list draws ([`Rng::derive`]); 1 is the firm's, 2 the names'.
pub(super) const LIST_STREAM: u64 = 3;
/// First year of the city's unicorn / gazelle lists under the 2021 definitions (宁委发〔2021〕1号).
pub(super) const FIRST_LIST_YEAR: i32 = 2021;
/// The unicorn list's valuation threshold: more than USD 1 billion (criteria.md §4.3).
pub(super) const UNICORN_VALUATION_USD: f64 = 1.0e9;

pub(super) fn year_fraction_or_one(y: i32, fy: i32, founded: Date) -> f64 {
    if y == fy { year_fraction(founded) } else { 1.0 }
}
