//! Deterministic synthetic zone for demos, tests and benchmarks: firms of 南京高新区 (一区十五园)
//! with an enterprise-year panel of every fact in [`gaoxin_model::FIELDS`], calibrated so that the
//! platform's rules and indicators find realistic populations. Every firm is `synthetic: true`.
//!
//! ```no_run
//! # let zone_toml = "";
//! let zone = gaoxin_model::Zone::parse(zone_toml).unwrap();
//! let demo = gaoxin_demo::generate(&zone, &gaoxin_demo::DemoConfig::default());
//! let c = gaoxin_demo::calibration(&demo, 2020);
//! println!("{} 高企-like firms in 2020", c.hnte);
//! ```
//!
//! # Determinism
//! Output depends only on the zone reference and [`DemoConfig`]: firm *i* draws from its own
//! xoshiro256** stream derived from `(seed, i)` ([`rng`]); names come from one sequential stream
//! with a uniqueness check. No threads, no clocks, no hash-order dependence.
//!
//! # Population model
//! - **Birth and exit.** Founding years 1995–`last_year` with formation growing ~9 %/year (younger
//!   firms more numerous); a firm has rows from `max(founding year, first_year)`. Inside the panel
//!   firms exit with a hazard of 1.2 %/year, +2 % when ≤ 4 years old, +2 % after a revenue fall.
//!   With the default config about 19,900 firms are active in 2020 and 27,500 in 2024.
//! - **Parks and industries** follow the reference: park weight = location base (核心 3, 两翼 2.2,
//!   主城 1, 郊区 0.8) × (1 + 0.25 × clusters hosted) × 1.3 if national. 60 % of a park's firms are in
//!   its clusters' industries (GB/T 4754 prefixes from `zone.toml`, expanded to 4-digit classes);
//!   the rest lean to services in 主城 parks (80 %) and to manufacturing in suburban ones (72 %)
//!   (opinions §15). Cluster tags: 85 % of matching firms in the host park, 6 % elsewhere. Track
//!   tags: industry-matched, more likely for innovative and young firms (~18 % of firms).
//! - **Revenue** is log-normal (first-year median 2.2M CNY manufacturing / 1.6M services, σ = 1),
//!   plus established mid-size firms (7 %, median 30M) and giants (0.6 % of older firms, median
//!   800M, σ = 1.2). Log revenue = firm trend (a decaying ramp of firm-specific total growth, 2–4 %
//!   of high flyers with sustained 40–80 %/year, a drift, year effects 2020 −6 %, 2021 +5 %,
//!   2022 −3 %) + an AR(1) deviation (φ = 0.3), so gazelles come from persistent growth, not luck.
//!   Some drug developers have no revenue for their first 2–6 years.
//! - **R&D**: firm intensity log-normal around 4.6 % correlated with innovation propensity
//!   (giants × 0.6), yearly noise 12 %; domestic share 100 % for most, below 60 % for ~2 %.
//!   Staff from revenue / productivity (700k mfg, 450k services CNY per head), at least one head per
//!   300k CNY of R&D; tech-staff ratio logistic around 33 %, R&D staff 45–90 % of tech staff.
//! - **IP**: Ⅰ-class grants Poisson with rate ∝ √(R&D) (elasticity 0.5), Ⅱ-class filed from year 0;
//!   stocks lapse 4–5 %/year; self-developed and high-value Ⅰ are firm-specific shares of Ⅰ.
//! - **Certificates** follow the rules of `shared/domain/criteria.md`: 高企 (§1) when the 3-year R&D
//!   ratio meets the revenue band, tech staff ≥ 10 %, high-tech revenue ≥ 60 %, IP ≥ 1 and a
//!   high-tech field; issued Oct–Dec, valid 3 years, renewed at expiry with p = 0.9, first
//!   recognitions with a yearly rate rising 0.25 (≤ 2015) → 0.65 (2024). 科小 (§2) is scored on the
//!   year's figures (or a direct route) and registered yearly (p rising 0.40 in 2017 → 0.87, 0.97 to
//!   stay). 专精特新 (§3.2 gate) and 小巨人 (§3.3, stricter) for a minority, 3-year validity.
//! - **The city's lists** (南京市独角兽 / 瞪羚榜单, from 2021): a firm meeting the year's criteria
//!   (unicorn: VC-backed, not exchange-listed, valuation > USD 1 bn; gazelle: base revenue ≥ 3M /
//!   5M CNY three years earlier, every year's growth positive, CAGR ≥ 20 % / 50 %; neither when
//!   blacklisted) is listed with p = 0.85 (a unicorn is not also a gazelle); `*_listed` is 是/否
//!   with the year first listed, Verified("市发改委榜单"), blank for the firm's blank rate of years
//!   (the zone holds no record). Drawn from their own stream, so the other facts keep their bytes.
//! - **Venture and listing**: VC backing is logistic in propensity, growth and youth (~7 % of
//!   active firms); the valuation (USD) of the latest round is log-normal (high flyers +0.5 dex)
//!   and grows ~35 %/year between rounds; equity financing is 8–25 % of the round's valuation.
//!   Exchange listing is likelier for large firms (main board, 创业板, 科创板 ≥ 2019, 北交所 ≥ 2021,
//!   overseas); 新三板 for some mid-size firms. Listed firms report no valuation after listing.
//! - **Gaps and provenance**: firms leave 6–16 % (revenue < 10M) or 2–8 % of optional facts blank;
//!   core facts 1 %. Revenue Verified("税务") 85 %, tax and local contribution 95 %, R&D 60 %,
//!   staff Verified("火炬统计") 40 %, IP Verified("知识产权局") 90 %, certificates
//!   Verified("认定机构"), blacklist Verified("市场监管"); 2 % of declared cells are Imputed and 10 %
//!   of valuations.
//! - **Accounting** is consistent by construction ([`gaoxin_model::Facts::consistency_errors`] is
//!   empty for every row; tested).
//!
//! # Calibration
//! Targets and the measured values for the default config (30,000 firms, 2019–2024, seed
//! 20221229; `cargo run --release -p gaoxin-demo --example calibrate`):
//!
//! | measure ([`Calibration`]) | target | source | measured | test tolerance |
//! |---|---|---|---|---|
//! | `hnte` 2020 (valid 高企 certificate at year end) | 6,507 | plan table 1 (city 2020) | 6,167 | ±15 % of 6,500 |
//! | `hnte` 2024 | growing toward 20,000 (2025) | plan table 1 | 9,002 | > 2020 |
//! | `techsme` 2020 (科小入库) | 10,042 | plan table 1 | 9,486 | ±15 % of 10,000 |
//! | `techsme` 2024 | growing toward 30,000 (2025) | plan table 1 | 13,295 | > 2020 |
//! | `unicorn` 2024 | 20 | zone.md §4 (长城咨询 2025 list) | 15 | 10–35 |
//! | `potential_unicorn` 2024 | 195 | zone.md §4 | 203 | 130–260 |
//! | `gazelle` 2024 (Nanjing 2024 rule, 2021 base) | 450 | zone.md §4 | 456 | 300–600 |
//! | median R&D / revenue | around the 4.5 % target | opinions §3 | 4.6 % | 2–5 % |
//! | zone Σ R&D / Σ revenue | 4.5 % | opinions §3 | 4.5 % (2020), 4.8 % (2024) | 3–6 % |
//! | rows with R&D intensity < 3 % / > 10 % | "many" / "a tail" | — | 29 % / 15 % | ≥ 15 % / ≥ 5 % |
//! | listed (excl. 新三板), 2024 | 130 in 2025 | opinions §3 | 75 (+135 新三板) | 30–200 |
//! | 专精特新 / 小巨人, 2024 | 1312 / 182 city-wide (2020) | zone.md §4 | 453 / 22 | — |
//!
//! Total revenue is about 6,000亿 (2020) and 8,100亿 (2024) CNY, with the top 1 % of firms holding
//! about two thirds; the 2025 torch-revenue target (≈1.8万亿) is therefore not met by the demo
//! zone, which is what a monitoring page should show.
//!
//! **Scaling rule.** All probabilities are per firm, so every count scales linearly with
//! `enterprises`: expected count(n) = count(30,000) × n / 30,000 (tested for 10,000 vs 30,000).
//! Shares and intensities do not depend on `enterprises`.
pub mod appeals;
pub mod calibration;
pub mod firm;
pub mod leads;
pub mod links;
pub mod names;
pub mod rng;

pub use calibration::{Calibration, calibration};
use gaoxin_model::{Enterprise, Facts, Zone};

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoConfig {
    /// Number of firms that are active in the zone at some point of the panel.
    pub enterprises: usize,
    pub first_year: i32,
    pub last_year: i32,
    pub seed: u64,
}

impl Default for DemoConfig {
    /// 30,000 firms, 2019–2024, seed 20221229 (the date of the zone's implementing opinions).
    fn default() -> Self {
        DemoConfig {
            enterprises: 30_000,
            first_year: 2019,
            last_year: 2024,
            seed: 20_221_229,
        }
    }
}

/// A generated zone: firms (sorted by credit code) and their rows (sorted by credit code, year).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoZone {
    pub enterprises: Vec<Enterprise>,
    pub facts: Vec<Facts>,
}

/// Generates the demo zone in memory.
pub fn generate(zone: &Zone, cfg: &DemoConfig) -> DemoZone {
    let mut firms: Vec<(Enterprise, Vec<Facts>)> = Vec::with_capacity(cfg.enterprises);
    each_owned(zone, cfg, |e, rows| firms.push((e, rows)));
    // Sorting whole firms keeps each firm's rows (already in year order) contiguous, so the
    // rows end up sorted by (credit code, year) without moving them more than once.
    firms.sort_by(|a, b| a.0.uscc.cmp(&b.0.uscc));
    let n_rows = firms.iter().map(|f| f.1.len()).sum();
    let mut enterprises = Vec::with_capacity(firms.len());
    let mut facts = Vec::with_capacity(n_rows);
    for (e, rows) in firms {
        enterprises.push(e);
        facts.extend(rows);
    }
    DemoZone { enterprises, facts }
}

/// Streams the demo zone: calls `f` once per firm (in generation order, not sorted) with its rows
/// in year order, holding one firm at a time. Yields exactly the firms and rows of [`generate`].
pub fn generate_each(zone: &Zone, cfg: &DemoConfig, mut f: impl FnMut(&Enterprise, &[Facts])) {
    each_owned(zone, cfg, |e, rows| f(&e, &rows));
}

fn each_owned(zone: &Zone, cfg: &DemoConfig, mut f: impl FnMut(Enterprise, Vec<Facts>)) {
    assert!(
        cfg.first_year <= cfg.last_year
            && cfg.first_year > firm::FIRST_FOUNDING_YEAR
            && cfg.last_year <= 2100,
        "demo years must satisfy {} < first_year <= last_year <= 2100",
        firm::FIRST_FOUNDING_YEAR
    );
    let plan = firm::Plan::new(zone, cfg.first_year, cfg.last_year, cfg.seed);
    let mut names = names::NameBook::new(cfg.seed);
    for i in 0..cfg.enterprises {
        let (mut e, rows) = firm::firm(&plan, i as u64);
        e.name = names.next(e.industry.as_str(), e.listing.is_listed_excl_neeq());
        f(e, rows);
    }
}
