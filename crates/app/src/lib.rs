//! The use cases of gaoxin, between the engines and stores below ({store, rules, index, ingest,
//! demo}) and the front ends above (web, cli). A front end parses its input, makes one call here
//! and renders the answer; both front ends call the same functions, so a page, an export and a
//! command always show the same numbers.
//!
//! Code map:
//! - [`rules_runs`]: the rules engine as the platform runs it (梯度培育 and 政策): the stored
//!   panel evaluated for a year and stored as a run (one row per firm × rule), one firm evaluated
//!   alone (its 梯度 page, `gaoxin explain`); [`rules_files`]: the rule files and a year's plan;
//!   [`rules_cache`]: the files and plans the server keeps, reloaded when the directory changes,
//!   and which files changed since a stored run; [`rules_summary`]: a stored run's summary and
//!   how its rows read; [`rules_workbook`]: its lists as .xlsx.
//! - [`indicators`]: the indicator engine as the platform runs it: park evaluation (园区评价),
//!   innovation points, target monitoring, the annual report workbook.
//! - [`audit`]: the audit trail — who did what, when, to which record (append-only).
//! - [`accounts`]: accounts (`gaoxin user …`) and argon2id password hashing.
//! - [`data_files`]: where rule files and indicator schemes are found (one resolver for both).
//! - [`reform`]: what-if reforms of rules and policies (baseline vs reform on the same panel,
//!   never stored); [`reform_cache`]: the baselines the server keeps; [`reform_workbook`]: a
//!   reform's lists as .xlsx.
//! - [`runs`]: run ids and decoding stored summaries (run kinds are the store's `RunKind`).
//! - [`finance`]: 科技金融 — parsing and statistics (match rate, points bands);
//!   [`finance_loans`]: the loan-demand list and 创新积分贷; [`finance_registry`]: scenarios and funds;
//!   [`finance_import`]: their xlsx imports (all-or-nothing); [`finance_demo`]: synthetic finance data.
//! - [`rdi`]: 新型研发机构 — facts, import, template; [`rdi_eval`]: their annual evaluation (grades,
//!   exit warnings, stored runs); [`rdi_demo`]: synthetic institutions; [`vitality`]: the
//!   创新活力指数 (base year = 100, growth and contributions).
//! - [`error`]: [`EvalError`], the error of a use case that runs an engine.
//!
//! Words: "evaluation" (评价) is the park evaluation only; the rules engine *runs* rule files
//! (`gaoxin evaluate` keeps its name: scripts call it); the store keeps *runs* of either.
//!
//! Invariant: nothing here knows about HTTP (sessions, cookies, CSRF, templates stay in web) or
//! about command-line flags (they stay in cli). New capabilities are added as modules here.
pub mod accounts;
pub mod appeals;
pub mod appeals_data;
pub mod appeals_demo;
pub mod appeals_files;
pub mod appeals_flow;
pub mod appeals_measures;
pub mod appeals_sla;
pub mod appeals_xlsx;
pub mod audit;
pub mod cluster_links;
pub mod cluster_workbook;
pub mod clusters;
pub mod data_files;
pub mod error;
pub mod finance;
pub mod finance_demo;
pub mod finance_import;
pub mod finance_loans;
pub mod finance_registry;
pub mod glossary;
pub mod indicators;
pub mod leads;
pub mod policy_groups;
pub mod rdi;
pub mod rdi_demo;
pub mod rdi_eval;
pub mod rdi_view;
pub mod reform;
pub mod reform_cache;
pub mod reform_workbook;
pub mod rules_cache;
pub mod rules_files;
pub mod rules_runs;
pub mod rules_summary;
pub mod rules_workbook;
pub mod runs;
pub mod tracks;
pub mod vitality;
mod xlsx;

pub use error::EvalError;
