//! The use cases of gaoxin, between the engines and stores below ({store, rules, index, ingest,
//! demo}) and the front ends above (web, cli). A front end parses its input, makes one call here
//! and renders the answer; both front ends call the same functions, so a page, an export and a
//! command always show the same numbers.
//!
//! Code map:
//! - [`rules_eval`]: the rules engine as the platform runs it (梯度培育 and 政策): rule files →
//!   plan, evaluation of the stored panel (and of one firm), run records and their stored
//!   summaries; [`rules_workbook`]: its lists as .xlsx.
//! - [`evaluation`]: the indicator engine as the platform runs it: park evaluation, innovation
//!   points, target monitoring, the annual report workbook; [`evaluation::EvalError`].
//! - [`accounts`]: accounts (`gaoxin user …`) and argon2id password hashing.
//! - [`data_files`]: where rule files and indicator schemes are found (one resolver for both).
//! - [`reform`]: what-if reforms of rules and policies (baseline vs reform on the same panel,
//!   never stored); [`reform_workbook`]: a reform's lists as .xlsx.
//! - [`runs`]: run kinds (one text form each), run ids, decoding stored summaries.
//!
//! Invariant: nothing here knows about HTTP (sessions, cookies, CSRF, templates stay in web) or
//! about command-line flags (they stay in cli). New capabilities are added as modules here.
pub mod accounts;
pub mod data_files;
pub mod evaluation;
pub mod reform;
pub mod reform_workbook;
pub mod rules_eval;
pub mod rules_workbook;
pub mod runs;

pub use evaluation::EvalError;
