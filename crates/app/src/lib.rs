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
//! - [`talent`]: 人才 — who reads personal records, lists, exports with a reason, what is held;
//!   [`talent_import`]: the all-or-nothing import; [`talent_monitor`]: monitoring and the talent
//!   targets; [`talent_service`]: 人才服务直通车 through the appeals workflow; [`talent_xlsx`].
//! - 政策兑现 (the payout ledger, issue 20): [`payout_flow`]: the pure state machine and the
//!   payment checks; [`payout_data`]: `data/payout/payout.toml` and the calendar; [`payouts`]:
//!   list, an award with its allowed steps, taking a step; [`payout_sync`]: from the latest
//!   rules run to the ledger; [`payout_measures`]: 应享尽享、应兑尽兑 and the special-fund
//!   accounts against the 20% floor; [`payout_report`]: the measures loaded and named;
//!   [`payout_xlsx`]: exports, the payment import (all-or-nothing) and its template;
//!   [`payout_demo`]: the demo's synthetic ledger.
//! - [`tech`]: 科技成果转化 — config and parsing; [`tech_import`]: imports and templates of results,
//!   demands and experts; [`tech_match`]: search in both directions with explanations;
//!   [`tech_cases`]: the broker's cases, contracts and statistics.
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
pub mod audit_view;
pub mod byte_cache;
pub mod carrier;
pub mod carrier_demo;
pub mod carrier_eval;
pub mod carrier_ladder;
pub mod carrier_targets;
pub mod carrier_view;
pub mod cluster_links;
pub mod cluster_workbook;
pub mod clusters;
pub mod consent;
pub mod data_files;
pub mod ecosystem;
pub mod error;
pub mod finance;
pub mod finance_demo;
pub mod finance_import;
pub mod finance_loans;
pub mod finance_registry;
pub mod glossary;
pub mod glossary_links;
pub mod indicators;
pub mod leads;
pub mod payout_access;
pub mod payout_api;
pub mod payout_data;
pub mod payout_demo;
pub mod payout_flow;
pub mod payout_funds;
pub mod payout_measures;
pub mod payout_report;
pub mod payout_review;
pub mod payout_sync;
pub mod payout_xlsx;
pub mod payouts;
pub mod policy_groups;
pub mod rdi;
pub mod rdi_demo;
pub mod rdi_eval;
pub mod rdi_view;
pub mod reform;
pub mod reform_adopt;
pub mod reform_cache;
pub mod reform_compare;
pub mod reform_compare_page;
pub mod reform_compare_view;
pub mod reform_workbook;
pub mod rules_cache;
pub mod rules_files;
pub mod rules_runs;
pub mod rules_summary;
pub mod rules_workbook;
pub mod runs;
mod sheet_rows;
pub mod talent;
pub mod talent_demo;
pub mod talent_import;
pub mod talent_monitor;
pub mod talent_service;
pub mod talent_xlsx;
pub mod tech;
pub mod tech_access;
pub mod tech_cases;
pub mod tech_demo;
pub mod tech_forms;
pub mod tech_import;
pub mod tech_lists;
pub mod tech_match;
pub mod tech_views;
pub mod tracks;
pub mod vitality;
pub mod xlsx;

pub use error::EvalError;
