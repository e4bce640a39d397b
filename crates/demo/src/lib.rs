//! placeholder doc
pub mod calibration;
pub mod firm;
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
