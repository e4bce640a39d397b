//! gaoxin-rules: a pure rules engine for qualifications (高企, 科小, 专精特新…), labels (独角兽,
//! 瞪羚) and award policies.
//!
//! Rules are data: one TOML file per rule set under `data/rules/` ([`file`]), with expressions in
//! a small language ([`expr`]). Files are compiled into one [`plan::Plan`] per as-of date and
//! evaluated column-at-a-time over a [`panel::Panel`] — a whole year for all firms in
//! [`batch`], or one firm with a full trace, need/have per condition and the smallest passing
//! change in [`explain`] — from the same nodes, so the two cannot disagree. On top:
//! the tier ladder and nearest-to-qualify list, 免申即享 / 快申快享 lists ([`ladder`]), the funnel
//! and the budget ([`funnel`]), run records ([`run`]) and the files' own test cases ([`check`]).
//!
//! Years inside the engine are plain `i32`, not `gaoxin_model::Year`: they index the panel's
//! year columns (`year - first_year`), are stepped back and forth by look-back arithmetic
//! (`prev`, `ever`, windows) that may go past the panel's first year, and sit in the batch loops.
//! The platform's boundaries (store, app, web, cli) take `Year` and call in with `year.get()`.
pub mod batch;
pub mod check;
pub mod distance;
pub mod explain;
pub mod expr;
pub mod file;
pub mod fmt;
pub mod funnel;
pub mod itemise;
pub mod ladder;
pub mod panel;
pub mod plan;
pub mod reform;
pub mod run;
pub mod sme;
pub mod synth;
pub mod verdict;
pub mod versions;
pub mod wording;

pub use batch::{BatchResult, Outputs, RuleResult, evaluate};
pub use check::{CheckReport, check};
pub use explain::{Explanation, explain};
pub use file::{Assumption, LoadError, RuleFile, Status};
pub use panel::{FirmAttrs, Panel};
pub use plan::{EvalOptions, Finding, Plan, Verdict, compile, compile_for_run};
pub use run::{RuleVersion, RulesRunRecord};

/// Loads and parses every rule file of a directory (e.g. `data/rules`).
pub fn load_dir(dir: &std::path::Path) -> Result<Vec<RuleFile>, Vec<LoadError>> {
    versions::read_dir(dir)
}

/// The default as-of date for fiscal year `year`: applications in year+1 read the facts of
/// `year` (高企 uses the last three fiscal years, Nanjing's 2024 lists were published in 2025),
/// so the date is 30 June of the following year.
pub fn default_as_of(year: i32) -> gaoxin_model::Date {
    gaoxin_model::Date::new(year + 1, 6, 30).expect("valid date")
}
