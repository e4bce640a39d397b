//! Compilation of rule files into one plan, and its column-at-a-time evaluation.
//!
//! Every expression of every file is lowered into a single list of nodes (hash-consed, so a
//! fact or a sub-expression shared by several rules is computed once), in dependency order.
//! Parameters are folded to the value in force on the plan's date; time functions
//! (`lag`, `sum`, `cagr`, …) are unrolled into facts at year offsets. Evaluation runs node by
//! node over a chunk of rows: batch evaluation uses chunks of many firms (kernels compiled
//! twice, the AVX2 build chosen at run time where the CPU has it), explain and gap search one
//! row through a scalar path over the same nodes. The test
//! `row_and_chunk_evaluation_agree_on_every_node` holds the three to the same value and state for
//! every node on random firms with missing and undefined values, so they cannot disagree.
//!
//! Values are `f64` (money in fen and counts are exact integers below 2^53) with a state byte:
//! [`OK`], [`UNDEF`] (a zero denominator or a domain error — a comparison on it fails) or
//! [`MISS`] (an input is missing — never read as zero; a comparison on it is unknown).
//! `all`/`any` are three-valued: one failure decides an `all`, one pass decides an `any`.
//!
//! Modules by phase, each using only those before it: `ir` (nodes and compiled rules),
//! `buffers` (scratch of an evaluation), `arith` (scalar rule arithmetic, constant folding, exact
//! awards), `lower` and `compile` (files → plan), `lanes` (the loops chunk kernels are built
//! of), `row` (the one-row path), `kernels` (chunk evaluation) and `verify` (verification of
//! inputs).
//!
//! **Chunk kernels** (`kernels`, built from the loops of `lanes`) skip state bookkeeping when
//! a node's inputs are all OK (`Buffers::clean`). Batch only: facts that no code outside the
//! kernels reads are read in place from the panel (`Buffers::in_place`; a clean one keeps no
//! states), and exact comparisons whose only consumer is an all/any are evaluated inside it
//! (`Buffers::fused`; also when an operand has missing rows that the junction's other
//! children already decide, as `present(x)` does) — `crate::batch::externally_read` is the
//! one list of what batch code reads from a buffer; tests compare in-place, fused and copied
//! evaluation. A comparison of two integral nodes (`Plan::exact`: facts, counts, truth
//! values, integer constants) needs no tolerance pass. Batch threads take 16-chunk blocks
//! from a shared list. Panel columns hold `i32` while every value fits and widen once to
//! `f64` (`crate::panel::Values`); a narrow column is read in place only by a fact whose
//! every consumer is a comparison or a sum over years (`Buffers::narrow_in_place`: they widen
//! each value as they read it), other narrow facts are widened into the buffer first. Band
//! tables of up to eight bounds and sums of up to eight years are computed in one pass over
//! the chunk (`lanes`).
use std::collections::{BTreeMap, HashMap};

use gaoxin_model::{Date, F, FIELDS, Kind, Listing};

use crate::expr::{Ast, BinOp, CmpOp, LitUnit};
use crate::file::{Assumption, Incl, LoadError, RuleFile, RuleKind, Status, Unit};
use crate::panel::{PROV_MISSING, PROV_VERIFIED, Panel, Values};

mod arith;
mod buffers;
mod compile;
mod ir;
mod kernels;
mod lanes;
mod lower;
mod row;
#[cfg(test)]
mod tests;
mod verify;

pub use crate::verdict::{Finding, MISS, OK, UNDEF, Verdict};
pub use arith::*;
pub use buffers::*;
pub use compile::*;
pub use ir::*;
use lanes::*;
use lower::*;

pub type NodeId = u32;
