//! # gaoxin-index — a pure composite-indicator engine
//!
//! This crate builds composite indicators the way the OECD/JRC *Handbook on Constructing Composite
//! Indicators* (2008) and the JRC COINr R package describe them, and keeps every stage inspectable:
//!
//! ```text
//! raw ─► denominate ─► screen ─► impute ─► treat (winsorise/log) ─► normalise ─► aggregate ─► rank
//!                                                   weights (meta, equal, entropy, CRITIC, AHP) ┘
//! ```
//!
//! * [`meta`] — one metadata table describes the whole index (code, level, parent, direction, weight, …).
//! * [`data`] — column-major unit × indicator matrices ([`data::Dataset`]) with NaN for missing values.
//! * [`pipeline`] — the stages and the [`pipeline::Coin`] that keeps every intermediate data set.
//! * [`stats`], [`impute`], [`treat`], [`normalise`], [`weights`], [`aggregate`] — the methods.
//! * [`sensitivity`] — Monte Carlo uncertainty analysis and Sobol sensitivity indices.
//! * [`expr`] — a tiny expression language over enterprise-year fields used by the schemes.
//! * [`park`], [`points`], [`target`] — the platform's schemes: park evaluation (国科发火〔2021〕106号),
//!   enterprise innovation points (创新积分制), and target monitoring.
//! * [`panel`] — the adapter from the platform's enterprise-year panel (gaoxin-model) to firm rows,
//!   and the target measures.
//! * [`report`] — serialisable reports (park ranking with uncertainty, points, targets) that the CLI
//!   and the web platform store as runs and show.
//! * [`synth`] — deterministic synthetic firms for tests and benchmarks.
//! * [`load`] — the only module doing IO: reading metadata, data and scheme files.
//!
//! Years: the platform's entry points ([`report::park_report`], [`report::points_report`],
//! [`panel::firm_rows`]) take a `gaoxin_model::Year`. Inside, and in general datasets such as the
//! ASEM reference, a year is a plain number — a column of data, stepped back for growth rates and
//! baselines — as in the rules engine.
//!
//! The engine never touches a database or the network.

pub mod aggregate;
pub mod cluster;
pub mod data;
pub mod error;
pub mod expr;
pub mod impute;
pub mod institution;
pub mod load;
pub mod meta;
pub mod normalise;
pub mod panel;
pub mod park;
pub mod pipeline;
pub mod points;
pub mod report;
pub mod rng;
pub mod sensitivity;
pub mod stats;
pub mod synth;
pub mod target;
pub mod treat;
pub mod vitality;
pub mod weights;

pub use data::Dataset;
pub use error::IndexError;
pub use meta::{IndexMeta, Node};
pub use pipeline::{Coin, PipelineSpec};
