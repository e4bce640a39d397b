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
use std::collections::{BTreeMap, HashMap};

use gaoxin_model::{Date, F, FIELDS, Kind, Listing};

use crate::expr::{Ast, BinOp, CmpOp, LitUnit};
use crate::file::{Assumption, Incl, LoadError, RuleFile, RuleKind, Status, Unit};
use crate::panel::{PROV_MISSING, PROV_VERIFIED, Panel, Values};

pub type NodeId = u32;

/// Value states.
pub const OK: u8 = 0;
pub const UNDEF: u8 = 1;
pub const MISS: u8 = 2;

/// Three-valued verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Verdict {
    Pass,
    Fail,
    /// Unknown because an input is missing.
    Unknown,
}

/// What a list, a count or an export shows for a verdict: the verdict, except that a verdict the
/// other expert-score assumption would turn is its own state — a firm that fails under the
/// conservative assumption but passes under the optimistic one is neither 符合 nor 不符合.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    Pass,
    Fail,
    /// The verdict depends on the expert-score assumption.
    Depends,
    /// An input is missing.
    Unknown,
}

impl Finding {
    pub const ALL: [Finding; 4] = [
        Finding::Pass,
        Finding::Fail,
        Finding::Depends,
        Finding::Unknown,
    ];
    /// The state of verdict `v`, `dependent` when the other assumption gives another verdict. A
    /// missing input stays unknown whatever the assumption.
    pub fn of(v: Verdict, dependent: bool) -> Finding {
        match v {
            Verdict::Unknown => Finding::Unknown,
            _ if dependent => Finding::Depends,
            Verdict::Pass => Finding::Pass,
            Verdict::Fail => Finding::Fail,
        }
    }
    /// [`Finding::of`] of a stored verdict key (`pass`, `fail`, `unknown`).
    pub fn of_key(verdict: &str, dependent: bool) -> Finding {
        Finding::of(
            Verdict::parse(verdict).unwrap_or(Verdict::Unknown),
            dependent,
        )
    }
    /// The one Chinese wording of each state, on every page, list, export and CLI output.
    pub fn zh(self) -> &'static str {
        match self {
            Finding::Pass => "符合",
            Finding::Fail => "不符合",
            Finding::Depends => "取决于专家评分假设",
            Finding::Unknown => "无法判定（缺少数据）",
        }
    }
    /// `pass`, `fail`, `depends`, `unknown` (HTML classes, JSON).
    pub fn key(self) -> &'static str {
        match self {
            Finding::Pass => "pass",
            Finding::Fail => "fail",
            Finding::Depends => "depends",
            Finding::Unknown => "unknown",
        }
    }
}

impl Verdict {
    pub fn parse(s: &str) -> Option<Verdict> {
        match s {
            "pass" => Some(Verdict::Pass),
            "fail" => Some(Verdict::Fail),
            "unknown" => Some(Verdict::Unknown),
            _ => None,
        }
    }
    /// The Chinese label ([`Finding::zh`], the one wording of every verdict).
    pub fn zh(self) -> &'static str {
        Finding::of(self, false).zh()
    }
    /// `pass`, `fail`, `unknown` (stored runs, HTML classes).
    pub fn key(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Unknown => "unknown",
        }
    }
    #[inline(always)]
    pub(crate) fn of(v: f64, s: u8) -> Verdict {
        // Branch-free: 0 pass, 1 fail, 2 unknown (a missing row is never a pass).
        let pass = (s == OK) & (v != 0.0);
        match (!pass) as u8 + (s == MISS) as u8 {
            0 => Verdict::Pass,
            1 => Verdict::Fail,
            _ => Verdict::Unknown,
        }
    }
    /// The verdicts of a chunk's values and states (`out[i]` for row `i`); returns whether
    /// some row passes and whether every row does. Compiled for AVX2 too, chosen at run time
    /// as the chunk kernels are.
    pub(crate) fn of_chunk(v: &[f64], s: &[u8], out: &mut [Verdict]) -> (bool, bool) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked on the line above.
            return unsafe { Verdict::of_chunk_avx2(v, s, out) };
        }
        Verdict::of_chunk_impl(v, s, out)
    }
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn of_chunk_avx2(v: &[f64], s: &[u8], out: &mut [Verdict]) -> (bool, bool) {
        Verdict::of_chunk_impl(v, s, out)
    }
    // Index loops over `0..len` on re-sliced inputs: the optimiser then drops bounds checks.
    #[allow(clippy::needless_range_loop)]
    #[inline(always)]
    fn of_chunk_impl(v: &[f64], s: &[u8], out: &mut [Verdict]) -> (bool, bool) {
        let len = out.len();
        let (v, s) = (&v[..len], &s[..len]);
        // Byte-wide or / and of "passes" (a count would widen every lane to 64 bits).
        let (mut some, mut every) = (0u8, 1u8);
        for i in 0..len {
            let x = Verdict::of(v[i], s[i]);
            out[i] = x;
            let pass = (x == Verdict::Pass) as u8;
            some |= pass;
            every &= pass;
        }
        (some != 0, every != 0)
    }
    pub fn code(self) -> u8 {
        match self {
            Verdict::Pass => 1,
            Verdict::Fail => 0,
            Verdict::Unknown => 2,
        }
    }
    pub fn from_code(c: u8) -> Verdict {
        match c {
            1 => Verdict::Pass,
            0 => Verdict::Fail,
            _ => Verdict::Unknown,
        }
    }
}

/// Enterprise attributes usable in expressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Attr {
    /// 1 for 制造业.
    Manufacturing,
    /// Listed on an exchange, 新三板 not counted.
    Listed,
    /// Listed anywhere including 新三板.
    ListedAny,
    Neeq,
    /// Core technology in one of the eight 国家重点支持的高新技术领域.
    TechFieldOk,
    /// Founding date (yyyymmdd).
    Founded,
    /// The plan's as-of date (yyyymmdd).
    AsOf,
    /// The first year in which the firm has any value ([`Panel::data_from`]).
    DataFrom,
    /// The evaluated fiscal year (shifted by lags).
    Year,
    /// Industry class of the SME size standard ([`crate::sme`]); missing when 0 (the industry
    /// code is not covered by the standard or too coarse).
    SmeClass,
}

const ATTRS: &[(&str, Attr, Unit, &str)] = &[
    (
        "manufacturing",
        Attr::Manufacturing,
        Unit::Flag,
        "属于制造业",
    ),
    ("listed", Attr::Listed, Unit::Flag, "已上市（不含新三板）"),
    (
        "listed_any",
        Attr::ListedAny,
        Unit::Flag,
        "已上市或挂牌（含新三板）",
    ),
    ("neeq", Attr::Neeq, Unit::Flag, "新三板挂牌"),
    (
        "tech_field_ok",
        Attr::TechFieldOk,
        Unit::Flag,
        "核心技术属于国家重点支持的高新技术领域",
    ),
    ("founded", Attr::Founded, Unit::Date, "成立日期"),
    ("as_of", Attr::AsOf, Unit::Date, "评价基准日"),
    ("data_from", Attr::DataFrom, Unit::Plain, "数据起始年度"),
    ("year", Attr::Year, Unit::Plain, "评价年度"),
    (
        "sme_class",
        Attr::SmeClass,
        Unit::Plain,
        "中小企业划型行业类别",
    ),
];

impl Attr {
    /// Chinese name of the attribute, for explanations.
    pub fn zh(self) -> &'static str {
        ATTRS
            .iter()
            .find(|a| a.1 == self)
            .map(|a| a.3)
            .unwrap_or("")
    }
}

/// One operation of the plan.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Const(f64),
    Fact {
        field: u16,
        offset: u8,
    },
    Attr(Attr, u8),
    /// An expert-scored item: the entered score, else `lo` or `hi` by assumption.
    Manual {
        slot: u32,
        lo: NodeId,
        hi: NodeId,
    },
    Neg(NodeId),
    Not(NodeId),
    Bin(BinOp, NodeId, NodeId),
    Cmp(CmpOp, NodeId, NodeId),
    All(Vec<NodeId>),
    Any(Vec<NodeId>),
    Min(Vec<NodeId>),
    Max(Vec<NodeId>),
    If(NodeId, NodeId, NodeId),
    Floor(NodeId),
    Abs(NodeId),
    /// Sum over year offsets, leaving out years before the firm was founded.
    SumYears(Vec<(NodeId, u8)>),
    /// How many of the `n` years from `offset` back the firm was operating.
    OpYears {
        n: u8,
        offset: u8,
    },
    /// 1 if the value is present, else 0 (for facts whose absence is meaningful, e.g. a certificate date).
    Present(NodeId),
    Band {
        table: u32,
        x: NodeId,
    },
    /// Whole years from a date value to the as-of date.
    YearsSince(NodeId),
    DaysSince(NodeId),
}

impl Op {
    pub(crate) fn children(&self) -> Vec<NodeId> {
        match self {
            Op::Const(_) | Op::Fact { .. } | Op::Attr(..) | Op::OpYears { .. } => vec![],
            Op::Manual { lo, hi, .. } => vec![*lo, *hi],
            Op::Neg(a)
            | Op::Not(a)
            | Op::Floor(a)
            | Op::Abs(a)
            | Op::Present(a)
            | Op::YearsSince(a)
            | Op::DaysSince(a)
            | Op::Band { x: a, .. } => vec![*a],
            Op::Bin(_, a, b) | Op::Cmp(_, a, b) => vec![*a, *b],
            Op::All(v) | Op::Any(v) | Op::Min(v) | Op::Max(v) => v.clone(),
            Op::If(c, a, b) => vec![*c, *a, *b],
            Op::SumYears(v) => v.iter().map(|x| x.0).collect(),
        }
    }
    /// Whether any child satisfies `f` (without allocating, unlike [`Op::children`]).
    pub(crate) fn any_child(&self, mut f: impl FnMut(NodeId) -> bool) -> bool {
        match self {
            Op::Const(_) | Op::Fact { .. } | Op::Attr(..) | Op::OpYears { .. } => false,
            Op::Manual { lo, hi, .. } => f(*lo) || f(*hi),
            Op::Neg(a)
            | Op::Not(a)
            | Op::Floor(a)
            | Op::Abs(a)
            | Op::Present(a)
            | Op::YearsSince(a)
            | Op::DaysSince(a)
            | Op::Band { x: a, .. } => f(*a),
            Op::Bin(_, a, b) | Op::Cmp(_, a, b) => f(*a) || f(*b),
            Op::All(v) | Op::Any(v) | Op::Min(v) | Op::Max(v) => v.iter().any(|c| f(*c)),
            Op::If(c, a, b) => f(*c) || f(*a) || f(*b),
            Op::SumYears(v) => v.iter().any(|x| f(x.0)),
        }
    }
    fn key(&self) -> String {
        format!("{self:?}")
    }
}

/// A band table with inclusivity resolved for the plan's date.
#[derive(Debug, Clone)]
pub struct CTable {
    pub name: String,
    pub zh: String,
    pub status: Status,
    /// (lower bound, inclusive, points, label), highest first; the last may have no bound.
    pub bands: Vec<(Option<f64>, bool, f64, String)>,
    pub undefined_points: f64,
    /// Points by band index (plus a trailing 0).
    pts: Vec<f64>,
    /// (lower bound, inclusive) of the bands that have a bound, for the columnar kernel.
    bounds: Vec<(f64, bool)>,
    /// Every bound is an integer (an integral value then compares with them exactly).
    integral_bounds: bool,
    /// Points are integers (at most 2^52) and bounds strictly descending: failing bound `k`
    /// adds `weights[k] = pts[k+1] − pts[k]` (exact) to `pts[0]`. Otherwise every weight is 1
    /// and the kernel counts failed bounds, then selects the points by band index.
    additive: bool,
    weights: Vec<f64>,
}

impl CTable {
    /// A table from its bands (lower bound, inclusive, points, label), highest bound first.
    pub(crate) fn new(
        name: String,
        zh: String,
        status: Status,
        bands: Vec<(Option<f64>, bool, f64, String)>,
        undefined_points: f64,
    ) -> CTable {
        let n_bounds = bands.iter().take_while(|b| b.0.is_some()).count();
        let pts: Vec<f64> = bands
            .iter()
            .map(|b| b.2)
            .chain(std::iter::once(0.0))
            .collect();
        let bounds = bands[..n_bounds]
            .iter()
            .map(|b| (b.0.unwrap_or(0.0), b.1))
            .collect();
        let integral_bounds = bands[..n_bounds]
            .iter()
            .all(|b| b.0.is_some_and(|m| m == m.trunc() && m.abs() <= TWO_63));
        let additive = pts
            .iter()
            .all(|p| p.is_finite() && *p == p.trunc() && p.abs() <= 4_503_599_627_370_496.0)
            && bands[..n_bounds]
                .windows(2)
                .all(|w| matches!((w[0].0, w[1].0), (Some(a), Some(b)) if a > b));
        let weights = (0..n_bounds)
            .map(|k| if additive { pts[k + 1] - pts[k] } else { 1.0 })
            .collect();
        CTable {
            additive,
            weights,
            integral_bounds,
            bounds,
            name,
            zh,
            status,
            bands,
            undefined_points,
            pts,
        }
    }
    /// Index of the band a value falls into.
    pub fn band_of(&self, x: f64) -> usize {
        for (i, (min, incl, _, _)) in self.bands.iter().enumerate() {
            match min {
                None => return i,
                Some(m) => {
                    let op = if *incl { CmpOp::Ge } else { CmpOp::Gt };
                    if op.apply(x, *m) {
                        return i;
                    }
                }
            }
        }
        self.bands.len()
    }
    /// [`CTable::points`] of every value of a chunk (`out[i]` for `xv[i]`; `scratch` is reused
    /// between calls). Bands are ordered by descending lower bound, so the band index is the
    /// number of bounds the value fails, counted branch-free in one pass over the chunk for up
    /// to eight bounds ([`band_pass`]), one pass per bound beyond. With integral points and
    /// strictly descending bounds the failed bounds are a prefix, so each failed bound adds
    /// the step to the next band's points (`weights`) and the sum is the points; otherwise
    /// each adds 1 and a select per band maps the index to points. As for comparisons: exact
    /// on the difference first; with `tolerant`, the bounds are redone with `CmpOp::apply`
    /// (and its tolerance) only when some row is near one.
    // Index loops over `0..len` on re-sliced inputs: the optimiser then drops bounds checks.
    #[allow(clippy::needless_range_loop)]
    #[inline(always)]
    fn points_chunk(&self, xv: &[f64], tolerant: bool, out: &mut [f64], scratch: &mut Vec<f64>) {
        let len = out.len();
        let xv = &xv[..len];
        let base = if self.additive { self.pts[0] } else { 0.0 };
        let fail = |b: bool, w: u64| f64::from_bits((!b as u64).wrapping_neg() & w);
        let (bounds, weights) = (&self.bounds[..], &self.weights[..]);
        // Some row is near some bound (then every bound is redone below).
        let mut near = false;
        macro_rules! fused_bounds {
            ($n:literal) => {
                near = band_pass::<$n>(xv, bounds, weights, base, tolerant, out)
            };
        }
        match bounds.len() {
            0 => out.fill(base),
            1 => fused_bounds!(1),
            2 => fused_bounds!(2),
            3 => fused_bounds!(3),
            4 => fused_bounds!(4),
            5 => fused_bounds!(5),
            6 => fused_bounds!(6),
            7 => fused_bounds!(7),
            8 => fused_bounds!(8),
            _ => {
                out.fill(base);
                for (&(m, incl), &w) in bounds.iter().zip(weights) {
                    let (w, tm) = (w.to_bits(), near_bound(m));
                    let mut nb = false;
                    for i in 0..len {
                        let d = xv[i] - m;
                        nb |= (d != 0.0) & (d.abs() <= tm) & tolerant;
                        out[i] += fail((d > 0.0) | (incl & (d == 0.0)), w);
                    }
                    if nb {
                        redo_bound(xv, m, incl, w, out);
                    }
                }
            }
        }
        if near {
            for (&(m, incl), &w) in bounds.iter().zip(weights) {
                redo_bound(xv, m, incl, w.to_bits(), out);
            }
        }
        if !self.additive {
            // Band index → points: one select per band over the chunk.
            scratch.clear();
            scratch.extend_from_slice(out);
            out.fill(self.pts[0]);
            for (j, &pj) in self.pts.iter().enumerate().skip(1) {
                let j = j as f64;
                // A bitwise select: `if b == j { pj } else { cur }` compiles to masked
                // stores, which are slow on some CPUs.
                let pj = pj.to_bits();
                for (o, &b) in out.iter_mut().zip(scratch.iter()) {
                    let m = ((b == j) as u64).wrapping_neg();
                    *o = f64::from_bits((pj & m) | (o.to_bits() & !m));
                }
            }
        }
    }
    /// Points for a value: the band index is the number of bounds it fails (bands are ordered
    /// by descending lower bound), as the columnar kernel counts it.
    #[inline]
    fn points(&self, x: f64) -> f64 {
        let failed = self
            .bounds
            .iter()
            .filter(|(m, incl)| !(if *incl { CmpOp::Ge } else { CmpOp::Gt }).apply(x, *m))
            .count();
        self.pts[failed]
    }
}

/// What a named item of a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Param,
    Var,
    Manual,
    Condition,
}

/// A named item of a rule with its node at offset 0.
#[derive(Debug, Clone)]
pub struct Item {
    pub name: String,
    pub zh: String,
    pub kind: ItemKind,
    pub node: NodeId,
    pub status: Status,
    /// The unit a variable declares in its file (`unit = "points"` marks a scored indicator).
    pub declared_unit: Option<Unit>,
}

/// A condition of a rule, with what explain and gap search need.
#[derive(Debug, Clone)]
pub struct CondPlan {
    pub id: String,
    pub zh: String,
    pub status: Status,
    pub note: Option<String>,
    pub node: NodeId,
    /// Nodes the condition depends on, in evaluation order.
    pub sub: Vec<NodeId>,
    /// Facts (field, year offset) it reads.
    pub deps: Vec<(u16, u8)>,
    /// Facts a single change of which is searched for the smallest passing change:
    /// (field, offset, may_decrease).
    pub levers: Vec<(u16, u8, bool)>,
}

#[derive(Debug, Clone)]
pub struct AwardPlan {
    pub zh: String,
    pub base: NodeId,
    /// Exact rate numerator/denominator (e.g. 5/100).
    pub rate: (i64, i64),
    pub cap: Option<NodeId>,
}

/// Verification tree of an outcome: which inputs must be verified for the verdict to stand.
#[derive(Debug, Clone)]
pub enum VTree {
    All(Vec<VTree>),
    /// Alternatives, each with the node deciding whether it passed.
    Any(Vec<(NodeId, VTree)>),
    Leaf {
        node: NodeId,
        deps: Vec<(u16, u8)>,
        manual: Vec<u32>,
    },
    /// `if(cond, then, else)`: only the branch taken for the row must rest on verified inputs,
    /// and the condition too when it takes the then-branch (an else-branch is what applies when
    /// the condition is not established). A condition that is missing takes neither.
    If {
        cond: NodeId,
        cond_tree: Box<VTree>,
        then: Box<VTree>,
        els: Box<VTree>,
    },
}

impl VTree {
    /// Appends the node deciding each alternative of every `any` in the tree.
    pub(crate) fn alternatives(&self, out: &mut Vec<NodeId>) {
        match self {
            VTree::All(v) => v.iter().for_each(|c| c.alternatives(out)),
            VTree::Any(v) => {
                for (n, c) in v {
                    out.push(*n);
                    c.alternatives(out);
                }
            }
            VTree::Leaf { .. } => {}
            VTree::If {
                cond,
                cond_tree,
                then,
                els,
            } => {
                out.push(*cond);
                cond_tree.alternatives(out);
                then.alternatives(out);
                els.alternatives(out);
            }
        }
    }
}

impl RulePlan {
    /// Appends the nodes a batch reads from the buffer for this rule: its eligibility, its
    /// award's base and cap, and with `verification` its verification tree's alternatives.
    pub(crate) fn batch_reads(&self, verification: bool, out: &mut Vec<NodeId>) {
        out.push(self.eligible);
        if let Some(a) = &self.award {
            out.push(a.base);
            out.extend(a.cap);
        }
        if verification {
            self.vtree.alternatives(out);
        }
    }
}

/// One rule file, compiled.
#[derive(Debug, Clone)]
pub struct RulePlan {
    pub file: usize,
    pub id: String,
    pub name: String,
    pub version: String,
    pub document: String,
    pub issuer: String,
    pub source: String,
    pub status: Status,
    pub kind: RuleKind,
    pub rung: Option<u8>,
    pub label: String,
    pub validity_years: Option<u8>,
    pub effective_from: Date,
    pub effective_to: Option<Date>,
    pub eligible: NodeId,
    pub award: Option<AwardPlan>,
    pub items: Vec<Item>,
    pub conditions: Vec<CondPlan>,
    /// Every node of this rule in evaluation order.
    pub nodes: Vec<NodeId>,
    /// Nodes that depend on a manual item (re-evaluated under the other assumption).
    pub manual_nodes: Vec<NodeId>,
    pub vtree: VTree,
    /// The rung's recorded status (a certificate in force, a list entry), evaluated apart from
    /// the rule's conditions ([`crate::ladder::recorded`]); not part of a batch.
    pub recognised: Option<RecognisedPlan>,
}

/// A rule file's `[recognised]` record, compiled.
#[derive(Debug, Clone)]
pub struct RecognisedPlan {
    pub zh: String,
    pub source: String,
    pub status: Status,
    pub node: NodeId,
    /// The nodes to evaluate for it, in order.
    pub nodes: Vec<NodeId>,
    /// The facts (field, year offset) it reads, then its `details`.
    pub deps: Vec<(u16, u8)>,
}

/// The compiled plan of a set of rule files for one as-of date.
#[derive(Debug, Clone)]
pub struct Plan {
    pub as_of: Date,
    pub ops: Vec<Op>,
    pub units: Vec<Unit>,
    pub tables: Vec<CTable>,
    /// Manual slots: (rule id, item name) → key `rule/item` into [`Panel::manual`].
    pub manual_keys: Vec<String>,
    pub rules: Vec<RulePlan>,
    /// Largest year offset read (how much history a year needs).
    pub max_offset: u8,
    /// Every node reachable from any rule, in order.
    pub all_nodes: Vec<NodeId>,
    /// Nodes of the name `sme` (中小企业 by the SME size standard) with their year offset,
    /// for explanations.
    pub sme_nodes: Vec<(NodeId, u8)>,
    /// Per node: whenever its state is [`OK`] its value is an integer of magnitude at most 2^63
    /// ([`integral_bounds`]), so comparing two such nodes needs no tolerance: [`CmpOp::apply`]
    /// compares integral operands exactly.
    pub(crate) exact: Vec<bool>,
    /// Nodes that are another rule's verdict through `ref(rule)`: (node, rule name, year
    /// offset); explanations show them as one line 「南京市独角兽企业（2023年）：符合」.
    pub refs: Vec<(NodeId, String, u8)>,
    /// `ever(…)` nodes: an `any` whose k-th child is year `year − k` (if counted).
    pub evers: Vec<NodeId>,
}

/// Options of an evaluation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EvalOptions {
    /// Expert-scored items without an entered score take this bound.
    pub assumption: Assumption,
}

/// Parameter values that replace the file's (test cases, what-if runs): (rule id, name) → value
/// written in the parameter's own unit (e.g. 万元, ratio).
pub type Overrides = BTreeMap<(String, String), f64>;

struct Compiler<'a> {
    files: &'a [RuleFile],
    as_of: Date,
    overrides: &'a Overrides,
    ops: Vec<Op>,
    units: Vec<Unit>,
    dedup: HashMap<(String, u8), NodeId>,
    memo: HashMap<(usize, String, u8), NodeId>,
    stack: Vec<(usize, String, u8)>,
    tables: Vec<CTable>,
    table_ids: HashMap<(usize, String), u32>,
    manual_keys: Vec<String>,
    max_offset: u8,
    refs: Vec<(NodeId, usize, u8)>,
    evers: Vec<NodeId>,
    sme_nodes: Vec<(NodeId, u8)>,
}

fn unit_name(u: Unit) -> u8 {
    u as u8
}

impl<'a> Compiler<'a> {
    fn err(&self, file: usize, line: usize, msg: impl Into<String>) -> LoadError {
        LoadError {
            file: self.files[file].path.clone(),
            line,
            msg: msg.into(),
        }
    }

    fn push(&mut self, op: Op, unit: Unit) -> NodeId {
        // Constant folding with the evaluation kernels themselves.
        let op = match fold(&op, &self.ops, &self.tables) {
            Some(v) => Op::Const(v),
            None => op,
        };
        let key = (
            op.key(),
            if matches!(op, Op::Const(_)) {
                unit_name(unit)
            } else {
                0
            },
        );
        if let Some(&id) = self.dedup.get(&key) {
            return id;
        }
        let id = self.ops.len() as NodeId;
        self.ops.push(op);
        self.units.push(unit);
        self.dedup.insert(key, id);
        id
    }

    fn konst(&mut self, v: f64, unit: Unit) -> NodeId {
        self.push(Op::Const(v), unit)
    }

    fn const_of(&self, id: NodeId) -> Option<f64> {
        match self.ops[id as usize] {
            Op::Const(v) => Some(v),
            _ => None,
        }
    }

    fn param_value(&self, fi: usize, name: &str) -> Result<Option<(f64, Unit)>, LoadError> {
        let f = &self.files[fi];
        let Some(p) = f.params.iter().find(|p| p.name == name) else {
            return Ok(None);
        };
        if let Some(v) = self.overrides.get(&(f.id.clone(), name.to_string())) {
            return Ok(Some((v * p.factor, p.unit)));
        }
        if p.yearly {
            return Err(self.err(
                fi,
                p.line,
                format!(
                    "参数「{}」（{}）按年度取值，只能用在表达式中（不能作为奖励比例或分档表的含本数参数）",
                    p.name, p.zh
                ),
            ));
        }
        match p.at(self.as_of) {
            Some(v) => Ok(Some((v, p.unit))),
            None => Err(self.err(
                fi,
                p.line,
                format!(
                    "参数「{}」（{}）在{}没有生效的取值（最早的取值自{}起）",
                    p.name, p.zh, self.as_of, p.values[0].from
                ),
            )),
        }
    }

    /// Resolves a name in a file at a year offset.
    fn name(&mut self, fi: usize, name: &str, off: u8, line: usize) -> Result<NodeId, LoadError> {
        let key = (fi, name.to_string(), off);
        if let Some(&id) = self.memo.get(&key) {
            return Ok(id);
        }
        if let Some(p) = self.files[fi].params.iter().find(|p| p.name == name)
            && p.yearly
            && !self
                .overrides
                .contains_key(&(self.files[fi].id.clone(), name.to_string()))
        {
            // A yearly value: the evaluated year (shifted by lags) picks its own; a year without
            // one is missing (a NaN constant, whose state is MISS), never another year's value.
            let (unit, values) = (p.unit, p.values.clone());
            let y = self.push(Op::Attr(Attr::Year, off), Unit::Plain);
            let mut node = self.konst(f64::NAN, unit);
            for d in values.iter().rev() {
                let want = self.konst(d.year.unwrap_or(0) as f64, Unit::Plain);
                let is = self.push(Op::Cmp(CmpOp::Eq, y, want), Unit::Flag);
                let v = self.konst(d.value, unit);
                node = self.push(Op::If(is, v, node), unit);
            }
            self.memo.insert(key, node);
            return Ok(node);
        }
        if let Some((v, unit)) = self.param_value(fi, name)? {
            return Ok(self.konst(v, unit));
        }
        let file = &self.files[fi];
        let def: Option<(crate::file::Expr, Option<Unit>)> = file
            .vars
            .iter()
            .find(|v| v.name == name)
            .map(|v| (v.expr.clone(), v.unit))
            .or_else(|| {
                file.conditions
                    .iter()
                    .find(|c| c.id == name)
                    .map(|c| (c.expr.clone(), Some(Unit::Flag)))
            });
        if let Some((expr, unit)) = def {
            if let Some(pos) = self.stack.iter().position(|k| *k == key) {
                let mut path: Vec<String> = self.stack[pos..].iter().map(|k| k.1.clone()).collect();
                path.push(name.to_string());
                return Err(self.err(
                    fi,
                    expr.line,
                    format!("变量之间存在循环引用：{}", path.join(" → ")),
                ));
            }
            self.stack.push(key.clone());
            let r = self.expr(fi, &expr.ast, off, expr.line);
            self.stack.pop();
            let id = r?;
            if let Some(u) = unit {
                // A declared unit wins for display; the node itself is shared. A currency
                // conversion (US dollars × rate = 元) declares its result's currency.
                let computed = self.units[id as usize];
                if computed == Unit::Plain
                    || matches!(
                        (computed, u),
                        (Unit::Usd, Unit::Money) | (Unit::Money, Unit::Usd)
                    )
                {
                    self.units[id as usize] = u;
                }
            }
            self.memo.insert(key, id);
            return Ok(id);
        }
        if let Some(m) = file.manual.iter().find(|m| m.name == name).cloned() {
            if off != 0 {
                return Err(self.err(
                    fi,
                    line,
                    format!("专家评分项「{name}」只有当年的值，不能取往年（lag）"),
                ));
            }
            let lo = self.expr(fi, &m.lo.ast, 0, m.lo.line)?;
            let hi = self.expr(fi, &m.hi.ast, 0, m.hi.line)?;
            let slot = self.manual_keys.len() as u32;
            self.manual_keys.push(format!("{}/{}", file.id, m.name));
            let id = self.ops.len() as NodeId;
            self.ops.push(Op::Manual { slot, lo, hi });
            self.units.push(Unit::Points);
            self.memo.insert(key, id);
            return Ok(id);
        }
        if file.tables.iter().any(|t| t.name == name) {
            return Err(self.err(
                fi,
                line,
                format!("「{name}」是分档表，应写成 band({name}, 数值)"),
            ));
        }
        if name == "sme" {
            // 中小企业 by the SME size standard (data/reference/sme_size_2011.toml): the
            // firm's industry class's test, compiled from the data file.
            let std = crate::sme::SmeStandard::embedded()
                .map_err(|e| self.err(fi, line, format!("无法使用「sme」：{e}")))?;
            let ast = crate::expr::parse(&std.expr()).map_err(|e| {
                self.err(fi, line, format!("中小企业划型标准生成的表达式有误：{e}"))
            })?;
            let id = self.expr(fi, &ast, off, line)?;
            if self.units[id as usize] == Unit::Plain {
                self.units[id as usize] = Unit::Flag;
            }
            if !self.sme_nodes.contains(&(id, off)) {
                self.sme_nodes.push((id, off));
            }
            self.memo.insert(key, id);
            return Ok(id);
        }
        if let Some((_, a, u, _)) = ATTRS.iter().find(|(n, ..)| *n == name) {
            let a_off = if *a == Attr::Year { off } else { 0 };
            return Ok(self.push(Op::Attr(*a, a_off), *u));
        }
        if let Some(f) = F::by_key(name) {
            self.max_offset = self.max_offset.max(off);
            let unit = match f.def().kind {
                Kind::Money { .. } => Unit::Money,
                Kind::Usd => Unit::Usd,
                Kind::Count => Unit::Count,
                Kind::Level(_) => Unit::Level,
                Kind::Flag => Unit::Flag,
                Kind::Date => Unit::Date,
            };
            return Ok(self.push(
                Op::Fact {
                    field: f as u16,
                    offset: off,
                },
                unit,
            ));
        }
        Err(self.err(fi, line, format!("未知的变量「{name}」：既不是本文件定义的参数、变量、条件或评分项，也不是企业指标（如 revenue、rd_expense）或企业属性（如 manufacturing、listed、founded）")))
    }

    fn int_arg(&self, fi: usize, a: &Ast, line: usize, what: &str) -> Result<u8, LoadError> {
        match a {
            Ast::Num(v, LitUnit::None) if *v >= 0.0 && *v <= 20.0 && v.fract() == 0.0 => {
                Ok(*v as u8)
            }
            _ => Err(self.err(fi, line, format!("{what}应为0到20之间的整数"))),
        }
    }

    fn infer_bin(&self, op: BinOp, a: NodeId, b: NodeId) -> Unit {
        let (ua, ub) = (self.units[a as usize], self.units[b as usize]);
        let plain = |u: Unit| matches!(u, Unit::Plain);
        match op {
            BinOp::Div if ua == ub && !plain(ua) => Unit::Ratio,
            BinOp::Div if matches!(ua, Unit::Money | Unit::Usd) && plain(ub) => ua,
            BinOp::Div => {
                if plain(ub) {
                    ua
                } else {
                    Unit::Plain
                }
            }
            BinOp::Mul if matches!(ua, Unit::Money | Unit::Usd) => ua,
            BinOp::Mul if matches!(ub, Unit::Money | Unit::Usd) => ub,
            BinOp::Mul => {
                if plain(ua) {
                    ub
                } else {
                    ua
                }
            }
            BinOp::Add | BinOp::Sub => {
                if plain(ua) {
                    ub
                } else {
                    ua
                }
            }
            BinOp::Pow => Unit::Plain,
        }
    }

    fn bin(&mut self, op: BinOp, a: NodeId, b: NodeId) -> NodeId {
        let u = self.infer_bin(op, a, b);
        self.push(Op::Bin(op, a, b), u)
    }

    fn ratio_at(
        &mut self,
        fi: usize,
        e: &Ast,
        j: u8,
        off: u8,
        line: usize,
    ) -> Result<NodeId, LoadError> {
        let a = self.expr(fi, e, off + j, line)?;
        let b = self.expr(fi, e, off + j + 1, line)?;
        Ok(self.push(Op::Bin(BinOp::Div, a, b), Unit::Ratio))
    }

    fn expr(&mut self, fi: usize, e: &Ast, off: u8, line: usize) -> Result<NodeId, LoadError> {
        Ok(match e {
            Ast::Num(v, u) => {
                let unit = match u {
                    LitUnit::None => Unit::Plain,
                    LitUnit::Percent => Unit::Ratio,
                    LitUnit::Yuan => Unit::Money,
                    LitUnit::Usd => Unit::Usd,
                };
                self.konst(*v, unit)
            }
            Ast::Var(n, _) => self.name(fi, n, off, line)?,
            Ast::Neg(a) => {
                let a = self.expr(fi, a, off, line)?;
                let u = self.units[a as usize];
                self.push(Op::Neg(a), u)
            }
            Ast::Not(a) => {
                let a = self.expr(fi, a, off, line)?;
                self.push(Op::Not(a), Unit::Flag)
            }
            Ast::Bin(op, a, b) => {
                let a = self.expr(fi, a, off, line)?;
                let b = self.expr(fi, b, off, line)?;
                self.bin(*op, a, b)
            }
            Ast::Cmp(op, a, b) => {
                let a = self.expr(fi, a, off, line)?;
                let b = self.expr(fi, b, off, line)?;
                self.push(Op::Cmp(*op, a, b), Unit::Flag)
            }
            Ast::And(v) | Ast::Or(v) => {
                let mut ids = Vec::new();
                for x in v {
                    ids.push(self.expr(fi, x, off, line)?);
                }
                let op = if matches!(e, Ast::And(_)) {
                    Op::All(ids)
                } else {
                    Op::Any(ids)
                };
                self.push(op, Unit::Flag)
            }
            Ast::Call(name, args, _) => self.call(fi, name, args, off, line)?,
        })
    }

    fn call(
        &mut self,
        fi: usize,
        name: &str,
        args: &[Ast],
        off: u8,
        line: usize,
    ) -> Result<NodeId, LoadError> {
        let want = |n: usize| -> Result<(), LoadError> {
            if args.len() != n {
                Err(self.err(
                    fi,
                    line,
                    format!("函数 {name} 需要{n}个参数，实际写了{}个", args.len()),
                ))
            } else {
                Ok(())
            }
        };
        let many = |this: &mut Self| -> Result<Vec<NodeId>, LoadError> {
            if args.is_empty() {
                return Err(this.err(fi, line, format!("函数 {name} 至少需要一个参数")));
            }
            args.iter().map(|a| this.expr(fi, a, off, line)).collect()
        };
        Ok(match name {
            "all" | "any" => {
                let ids = many(self)?;
                let op = if name == "all" { Op::All(ids) } else { Op::Any(ids) };
                self.push(op, Unit::Flag)
            }
            "min" | "max" => {
                let ids = many(self)?;
                let u = ids.iter().map(|i| self.units[*i as usize]).find(|u| *u != Unit::Plain).unwrap_or(Unit::Plain);
                let op = if name == "min" { Op::Min(ids) } else { Op::Max(ids) };
                self.push(op, u)
            }
            "clamp" => {
                want(3)?;
                let x = self.expr(fi, &args[0], off, line)?;
                let lo = self.expr(fi, &args[1], off, line)?;
                let hi = self.expr(fi, &args[2], off, line)?;
                let u = self.units[x as usize];
                let m = self.push(Op::Max(vec![x, lo]), u);
                self.push(Op::Min(vec![m, hi]), u)
            }
            "if" => {
                want(3)?;
                let c = self.expr(fi, &args[0], off, line)?;
                let a = self.expr(fi, &args[1], off, line)?;
                let b = self.expr(fi, &args[2], off, line)?;
                let u = if self.units[a as usize] != Unit::Plain { self.units[a as usize] } else { self.units[b as usize] };
                self.push(Op::If(c, a, b), u)
            }
            "floor" | "abs" | "present" | "years_since" | "days_since" => {
                want(1)?;
                let a = self.expr(fi, &args[0], off, line)?;
                let u = self.units[a as usize];
                match name {
                    "floor" => self.push(Op::Floor(a), u),
                    "abs" => self.push(Op::Abs(a), u),
                    "present" => self.push(Op::Present(a), Unit::Flag),
                    "years_since" => self.push(Op::YearsSince(a), Unit::Years),
                    _ => self.push(Op::DaysSince(a), Unit::Plain),
                }
            }
            "lag" => {
                want(2)?;
                let k = self.int_arg(fi, &args[1], line, "lag 的年数")?;
                self.expr(fi, &args[0], off + k, line)?
            }
            "sum" | "mean" => {
                want(2)?;
                let n = self.int_arg(fi, &args[1], line, "年数")?;
                if n == 0 {
                    return Err(self.err(fi, line, "年数至少为1"));
                }
                let mut terms = Vec::new();
                for j in 0..n {
                    terms.push((self.expr(fi, &args[0], off + j, line)?, off + j));
                }
                let u = self.units[terms[0].0 as usize];
                let s = self.push(Op::SumYears(terms), u);
                if name == "sum" {
                    s
                } else {
                    let c = self.push(Op::OpYears { n, offset: off }, Unit::Years);
                    self.push(Op::Bin(BinOp::Div, s, c), u)
                }
            }
            "years_in" => {
                want(1)?;
                let n = self.int_arg(fi, &args[0], line, "年数")?;
                self.max_offset = self.max_offset.max(off + n);
                self.push(Op::OpYears { n, offset: off }, Unit::Years)
            }
            "growth" => {
                want(1)?;
                let r = self.ratio_at(fi, &args[0], 0, off, line)?;
                let one = self.konst(1.0, Unit::Plain);
                self.push(Op::Bin(BinOp::Sub, r, one), Unit::Ratio)
            }
            "mean_growth" | "min_growth" => {
                want(2)?;
                let n = self.int_arg(fi, &args[1], line, "年数")?;
                if n == 0 {
                    return Err(self.err(fi, line, "年数至少为1"));
                }
                let mut rs = Vec::new();
                for j in 0..n {
                    rs.push(self.ratio_at(fi, &args[0], j, off, line)?);
                }
                let one = self.konst(1.0, Unit::Plain);
                let agg = if name == "min_growth" {
                    self.push(Op::Min(rs), Unit::Ratio)
                } else {
                    let mut s = rs[0];
                    for r in &rs[1..] {
                        s = self.push(Op::Bin(BinOp::Add, s, *r), Unit::Ratio);
                    }
                    let nn = self.konst(n as f64, Unit::Plain);
                    self.push(Op::Bin(BinOp::Div, s, nn), Unit::Ratio)
                };
                self.push(Op::Bin(BinOp::Sub, agg, one), Unit::Ratio)
            }
            "cagr" => {
                want(2)?;
                let n = self.int_arg(fi, &args[1], line, "年数")?;
                if n == 0 {
                    return Err(self.err(fi, line, "年数至少为1"));
                }
                let a = self.expr(fi, &args[0], off, line)?;
                let b = self.expr(fi, &args[0], off + n, line)?;
                let r = self.push(Op::Bin(BinOp::Div, a, b), Unit::Ratio);
                let inv = self.konst(1.0 / n as f64, Unit::Plain);
                let p = self.push(Op::Bin(BinOp::Pow, r, inv), Unit::Ratio);
                let one = self.konst(1.0, Unit::Plain);
                self.push(Op::Bin(BinOp::Sub, p, one), Unit::Ratio)
            }
            "band" => {
                want(2)?;
                let Ast::Var(t, _) = &args[0] else {
                    return Err(self.err(fi, line, "band 的第一个参数应为分档表名称"));
                };
                let table = self.table(fi, t, line)?;
                let x = self.expr(fi, &args[1], off, line)?;
                self.push(Op::Band { table, x }, Unit::Points)
            }
            "ref" => {
                want(1)?;
                let Ast::Var(rid, _) = &args[0] else {
                    return Err(self.err(fi, line, "ref 的参数应为另一规则文件的编号（id）"));
                };
                let Some(other) = self.files.iter().position(|f| f.id == *rid) else {
                    return Err(self.err(fi, line, format!("ref 引用的规则「{rid}」不存在（未加载该文件）")));
                };
                let key = (other, "@eligible".to_string(), off);
                if let Some(&id) = self.memo.get(&key) {
                    return Ok(id);
                }
                if self.stack.contains(&key) {
                    return Err(self.err(fi, line, format!("规则之间存在循环引用（经由「{rid}」）")));
                }
                self.stack.push(key.clone());
                let e = self.files[other].outcome.eligible.clone();
                let r = self.expr(other, &e.ast, off, e.line);
                self.stack.pop();
                let id = r?;
                self.memo.insert(key, id);
                self.refs.push((id, other, off));
                id
            }
            "ever" => {
                // ever(e, since): e held in some year from `since` to the year before the
                // evaluated one, counting only years from the firm's founding on (EVER_YEARS at
                // most). A counted year whose inputs are missing — including a year before the
                // firm's first data — makes it unknown unless another counted year already
                // passes: no record of an earlier year is not evidence that nothing happened.
                want(2)?;
                let since = self.expr(fi, &args[1], off, line)?;
                let founded = self.push(Op::Attr(Attr::Founded, 0), Unit::Date);
                let ten_k = self.konst(10_000.0, Unit::Plain);
                let d = self.push(Op::Bin(BinOp::Div, founded, ten_k), Unit::Plain);
                let founded_year = self.push(Op::Floor(d), Unit::Plain);
                let no = self.konst(0.0, Unit::Flag);
                // A constant `since` bounds the years worth computing: a plan is evaluated for
                // years up to its as-of year, so year − k < since for larger k in every run.
                let last = match self.const_of(since) {
                    Some(v) if v.is_finite() => {
                        (self.as_of.year() as f64 + 1.0 - v).clamp(0.0, EVER_YEARS as f64) as u8
                    }
                    _ => EVER_YEARS,
                };
                let mut terms = Vec::new();
                for k in 1..=last {
                    let y = self.push(Op::Attr(Attr::Year, off + k), Unit::Plain);
                    let g1 = self.push(Op::Cmp(CmpOp::Ge, y, since), Unit::Flag);
                    let g2 = self.push(Op::Cmp(CmpOp::Ge, y, founded_year), Unit::Flag);
                    let e = self.expr(fi, &args[0], off + k, line)?;
                    let g = self.push(Op::All(vec![g1, g2]), Unit::Flag);
                    terms.push(self.push(Op::If(g, e, no), Unit::Flag));
                }
                if terms.is_empty() {
                    // No earlier year can count: e never held before.
                    self.konst(0.0, Unit::Flag)
                } else {
                    let id = self.push(Op::Any(terms), Unit::Flag);
                    self.evers.push(id);
                    id
                }
            }
            _ => return Err(self.err(fi, line, format!("未知的函数「{name}」（可用：all any min max clamp if floor abs present years_since days_since lag sum mean years_in growth mean_growth min_growth cagr band ref ever）"))),
        })
    }

    fn table(&mut self, fi: usize, name: &str, line: usize) -> Result<u32, LoadError> {
        if let Some(&t) = self.table_ids.get(&(fi, name.to_string())) {
            return Ok(t);
        }
        let Some(t) = self.files[fi]
            .tables
            .iter()
            .find(|t| t.name == name)
            .cloned()
        else {
            return Err(self.err(fi, line, format!("未知的分档表「{name}」")));
        };
        let mut bands = Vec::new();
        for b in &t.bands {
            let incl = match &b.incl {
                Incl::Fixed(x) => *x,
                Incl::Param(p) => self.table_flag(fi, &t, "incl", Some(p), true)?,
                Incl::Cut(c) => {
                    let named = self.table_flag(fi, &t, "named_cut", c.named.as_ref(), true)?;
                    let high = self.table_flag(fi, &t, "unnamed_cut", c.unnamed.as_ref(), true)?;
                    c.included(named, high)
                }
            };
            bands.push((b.min, incl, b.points, b.label.clone()));
        }
        let id = self.tables.len() as u32;
        self.tables.push(CTable::new(
            t.name.clone(),
            t.zh.clone(),
            t.status,
            bands,
            t.undefined_points,
        ));
        self.table_ids.insert((fi, name.to_string()), id);
        Ok(id)
    }
}

impl Compiler<'_> {
    /// A table's 0/1 switch: the parameter's value (non-zero = on), `default` when not set.
    fn table_flag(
        &mut self,
        fi: usize,
        t: &crate::file::Table,
        what: &str,
        param: Option<&String>,
        default: bool,
    ) -> Result<bool, LoadError> {
        let Some(p) = param else {
            return Ok(default);
        };
        match self.param_value(fi, p)? {
            Some((v, _)) => Ok(v != 0.0),
            None => Err(self.err(
                fi,
                t.line,
                format!("分档表「{}」的 {what} 引用了不存在的参数「{p}」", t.name),
            )),
        }
    }
}

/// Nodes reachable from `roots`, in ascending (dependency) order.
fn closure(ops: &[Op], roots: &[NodeId]) -> Vec<NodeId> {
    let mut seen = vec![false; ops.len()];
    let mut stack: Vec<NodeId> = roots.to_vec();
    while let Some(n) = stack.pop() {
        if std::mem::replace(&mut seen[n as usize], true) {
            continue;
        }
        stack.extend(ops[n as usize].children());
    }
    (0..ops.len() as NodeId)
        .filter(|i| seen[*i as usize])
        .collect()
}

fn fact_deps(ops: &[Op], root: NodeId) -> Vec<(u16, u8)> {
    let mut d: Vec<(u16, u8)> = closure(ops, &[root])
        .into_iter()
        .filter_map(|n| match ops[n as usize] {
            Op::Fact { field, offset } => Some((field, offset)),
            _ => None,
        })
        .collect();
    d.sort();
    d.dedup();
    d
}

/// The verification tree of a node every part of which the verdict relies on (see [`vtree`]).
fn vtree_every(ops: &[Op], n: NodeId) -> VTree {
    match &ops[n as usize] {
        Op::All(v) | Op::Any(v) => VTree::All(v.iter().map(|c| vtree_every(ops, *c)).collect()),
        Op::If(..) => vtree(ops, n),
        Op::Not(a) => vtree_every(ops, *a),
        _ => vtree(ops, n),
    }
}

fn manual_deps(ops: &[Op], root: NodeId) -> Vec<u32> {
    closure(ops, &[root])
        .into_iter()
        .filter_map(|n| match ops[n as usize] {
            Op::Manual { slot, .. } => Some(slot),
            _ => None,
        })
        .collect()
}

pub(crate) fn vtree(ops: &[Op], n: NodeId) -> VTree {
    match &ops[n as usize] {
        Op::All(v) => VTree::All(v.iter().map(|c| vtree(ops, *c)).collect()),
        Op::Any(v) => VTree::Any(v.iter().map(|c| (*c, vtree(ops, *c))).collect()),
        // A negation passes when what it negates fails: every part of it is then relied on
        // (exact for `not any(…)`, conservative for `not all(…)`).
        Op::Not(a) if matches!(ops[*a as usize], Op::All(_) | Op::Any(_) | Op::If(..)) => {
            vtree_every(ops, *a)
        }
        // Whether a fact was recorded is not a value to verify.
        Op::Present(_) => VTree::All(Vec::new()),
        Op::If(c, a, b) => VTree::If {
            cond: *c,
            // Whether a fact was recorded cannot be verified: `present(x)` relies on nothing.
            cond_tree: Box::new(if matches!(ops[*c as usize], Op::Present(_)) {
                VTree::All(Vec::new())
            } else {
                vtree(ops, *c)
            }),
            then: Box::new(vtree(ops, *a)),
            els: Box::new(vtree(ops, *b)),
        },
        _ => VTree::Leaf {
            node: n,
            deps: fact_deps(ops, n),
            manual: manual_deps(ops, n),
        },
    }
}

/// Exact rational of a decimal rate (0.05 → 5/100) through its shortest decimal text.
fn rational(v: f64) -> Option<(i64, i64)> {
    let s = format!("{v}");
    if s.contains(['e', 'E', 'N', 'i']) {
        return None;
    }
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    if frac.len() > 12 {
        return None;
    }
    let den = 10i64.pow(frac.len() as u32);
    let num: i64 = format!("{int}{frac}").parse().ok()?;
    Some((num, den))
}

/// Compiles every file for the as-of date. Names, cycles, parameter dates and band tables are
/// checked here; errors name the file and line.
pub fn compile(
    files: &[RuleFile],
    as_of: Date,
    overrides: &Overrides,
) -> Result<Plan, Vec<LoadError>> {
    let mut c = Compiler {
        files,
        as_of,
        overrides,
        ops: Vec::new(),
        units: Vec::new(),
        dedup: HashMap::new(),
        memo: HashMap::new(),
        stack: Vec::new(),
        tables: Vec::new(),
        table_ids: HashMap::new(),
        manual_keys: Vec::new(),
        max_offset: 0,
        refs: Vec::new(),
        evers: Vec::new(),
        sme_nodes: Vec::new(),
    };
    let mut errors = Vec::new();
    let mut rules = Vec::new();
    for (fi, f) in files.iter().enumerate() {
        // Names that would shadow a fact or an attribute make files ambiguous.
        let mut bad = false;
        let named = f
            .params
            .iter()
            .map(|p| (p.name.clone(), p.line))
            .chain(f.vars.iter().map(|v| (v.name.clone(), v.expr.line)))
            .chain(f.conditions.iter().map(|c| (c.id.clone(), c.expr.line)))
            .chain(f.manual.iter().map(|m| (m.name.clone(), m.line)));
        for (n, line) in named {
            if F::by_key(&n).is_some() || ATTRS.iter().any(|a| a.0 == n) || n == "sme" {
                errors.push(c.err(
                    fi,
                    line,
                    format!("名称「{n}」与企业指标或属性重名，请换一个名称"),
                ));
                bad = true;
            }
        }
        if bad {
            continue;
        }
        match compile_rule(&mut c, fi) {
            Ok(r) => rules.push(r),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let roots: Vec<NodeId> = rules.iter().flat_map(|r| r.nodes.iter().copied()).collect();
    let all_nodes = closure(&c.ops, &roots);
    let exact = integral_bounds(&c.ops, &c.tables)
        .into_iter()
        .map(|b| b.is_some_and(|b| b <= TWO_63))
        .collect();
    Ok(Plan {
        exact,
        as_of,
        ops: c.ops,
        units: c.units,
        tables: c.tables,
        manual_keys: c.manual_keys,
        rules,
        max_offset: c.max_offset,
        all_nodes,
        refs: c
            .refs
            .iter()
            .map(|(n, fi, off)| (*n, files[*fi].name.clone(), *off))
            .collect(),
        evers: c.evers,
        sme_nodes: c.sme_nodes,
    })
}

/// Compiles the files that can be applied on `as_of`: a file with no parameter value in force
/// that day (or depending on such a file through `ref`) is left out, and the reason returned —
/// a run over past years should not fail because a newer policy did not exist yet.
pub fn compile_for_run(files: &[RuleFile], as_of: Date) -> (Plan, Vec<LoadError>) {
    let mut skipped = Vec::new();
    let mut keep: Vec<RuleFile> = Vec::new();
    for f in files {
        match f.effective_to {
            Some(to) if to < as_of => skipped.push(LoadError {
                file: f.path.clone(),
                line: 0,
                msg: format!("「{}」已于{to}失效，不参与{as_of}的评价", f.name),
            }),
            _ => keep.push(f.clone()),
        }
    }
    loop {
        match compile(&keep, as_of, &Overrides::new()) {
            Ok(p) => return (p, skipped),
            Err(errs) => {
                let bad: Vec<_> = errs.iter().map(|e| e.file.clone()).collect();
                keep.retain(|f| !bad.contains(&f.path));
                skipped.extend(errs);
            }
        }
    }
}

fn compile_rule(c: &mut Compiler, fi: usize) -> Result<RulePlan, LoadError> {
    let f = &c.files[fi];
    let mut items = Vec::new();
    for p in &f.params {
        let node = c.name(fi, &p.name, 0, p.line)?;
        items.push(Item {
            name: p.name.clone(),
            zh: p.zh.clone(),
            kind: ItemKind::Param,
            node,
            status: p.status,
            declared_unit: None,
        });
    }
    for m in &f.manual {
        let node = c.name(fi, &m.name, 0, m.line)?;
        items.push(Item {
            name: m.name.clone(),
            zh: m.zh.clone(),
            kind: ItemKind::Manual,
            node,
            status: Status::Confirmed,
            declared_unit: None,
        });
    }
    for v in &f.vars {
        let node = c.name(fi, &v.name, 0, v.expr.line)?;
        items.push(Item {
            name: v.name.clone(),
            zh: v.zh.clone(),
            kind: ItemKind::Var,
            node,
            status: Status::Confirmed,
            declared_unit: v.unit,
        });
    }
    let mut conditions = Vec::new();
    for cd in &f.conditions {
        let node = c.name(fi, &cd.id, 0, cd.expr.line)?;
        items.push(Item {
            name: cd.id.clone(),
            zh: cd.zh.clone(),
            kind: ItemKind::Condition,
            node,
            status: cd.status,
            declared_unit: None,
        });
        let deps = fact_deps(&c.ops, node);
        let levers = match &cd.levers {
            Some(ls) => {
                let mut out = Vec::new();
                for l in ls {
                    let (key, dec) = match l.strip_suffix(":-") {
                        Some(k) => (k, true),
                        None => (l.strip_suffix(":+").unwrap_or(l), false),
                    };
                    let Some(fd) = F::by_key(key) else {
                        return Err(c.err(
                            fi,
                            cd.expr.line,
                            format!("条件「{}」的 levers 中没有名为「{key}」的指标", cd.id),
                        ));
                    };
                    out.push((fd as u16, 0u8, dec));
                }
                out
            }
            None => deps
                .iter()
                .filter(|(fd, o)| {
                    // Ranks are not quantities one can "add"; only amounts and counts are levers.
                    *o == 0
                        && !FIELDS[*fd as usize].key.ends_with("_rank")
                        && matches!(
                            FIELDS[*fd as usize].kind,
                            Kind::Money { .. } | Kind::Usd | Kind::Count
                        )
                })
                .map(|(fd, o)| (*fd, *o, false))
                .collect(),
        };
        conditions.push(CondPlan {
            id: cd.id.clone(),
            zh: cd.zh.clone(),
            status: cd.status,
            note: cd.note.clone(),
            node,
            sub: closure(&c.ops, &[node]),
            deps,
            levers,
        });
    }
    let e = f.outcome.eligible.clone();
    let eligible = c.expr(fi, &e.ast, 0, e.line)?;
    let award = match &f.outcome.award {
        None => None,
        Some(a) => {
            let base = c.expr(fi, &a.base.ast, 0, a.base.line)?;
            let rate_node = c.expr(fi, &a.rate.ast, 0, a.rate.line)?;
            let rate = c.const_of(rate_node).and_then(rational).ok_or_else(|| {
                c.err(fi, a.rate.line, "奖励比例必须是常数（参数或数字），如 0.05")
            })?;
            let cap = a
                .cap
                .as_ref()
                .map(|x| c.expr(fi, &x.ast, 0, x.line))
                .transpose()?;
            Some(AwardPlan {
                zh: a.zh.clone(),
                base,
                rate,
                cap,
            })
        }
    };
    let recognised = match &f.recognised {
        None => None,
        Some(r) => {
            let node = c.expr(fi, &r.expr.ast, 0, r.expr.line)?;
            let mut deps = fact_deps(&c.ops, node);
            for d in &r.details {
                let Some(fd) = F::by_key(d) else {
                    return Err(c.err(
                        fi,
                        r.line,
                        format!("recognised 的 details 中没有名为「{d}」的指标"),
                    ));
                };
                if !deps.contains(&(fd as u16, 0)) {
                    deps.push((fd as u16, 0));
                }
            }
            Some(RecognisedPlan {
                zh: r.zh.clone(),
                source: r.source.clone(),
                status: r.status,
                node,
                nodes: closure(&c.ops, &[node]),
                deps,
            })
        }
    };
    let mut roots: Vec<NodeId> = items.iter().map(|i| i.node).collect();
    roots.push(eligible);
    if let Some(a) = &award {
        roots.push(a.base);
        roots.extend(a.cap);
    }
    let nodes = closure(&c.ops, &roots);
    let manual_nodes: Vec<NodeId> = {
        let mut dep = vec![false; c.ops.len()];
        let mut v = Vec::new();
        for &n in &nodes {
            let op = &c.ops[n as usize];
            let d =
                matches!(op, Op::Manual { .. }) || op.children().iter().any(|ch| dep[*ch as usize]);
            if d {
                dep[n as usize] = true;
                v.push(n);
            }
        }
        v
    };
    let mut vt = vtree(&c.ops, eligible);
    if let Some(a) = &award {
        let mut leaves = vec![vt];
        leaves.push(VTree::Leaf {
            node: a.base,
            deps: fact_deps(&c.ops, a.base),
            manual: manual_deps(&c.ops, a.base),
        });
        // A cap chosen by `if` rests on the branch taken (a higher cap on its verified reason).
        leaves.extend(a.cap.map(|n| vtree(&c.ops, n)));
        vt = VTree::All(leaves);
    }
    Ok(RulePlan {
        file: fi,
        id: f.id.clone(),
        name: f.name.clone(),
        version: f.version.clone(),
        document: f.document.clone(),
        issuer: f.issuer.clone(),
        source: f.source.clone(),
        status: f.status,
        kind: f.kind,
        rung: f.rung,
        label: f.outcome.label.clone(),
        validity_years: f.outcome.validity_years,
        effective_from: f.effective_from,
        effective_to: f.effective_to,
        eligible,
        award,
        items,
        conditions,
        nodes,
        manual_nodes,
        vtree: vt,
        recognised,
    })
}

// ---------------------------------------------------------------------------------------------
// Scalar kernels shared by constant folding and the one-row path; the columnar loops compute the
// same (test `row_and_chunk_evaluation_agree_on_every_node`).

#[inline(always)]
fn k_bin(op: BinOp, a: f64, sa: u8, b: f64, sb: u8) -> (f64, u8) {
    let s = sa.max(sb);
    if s != OK {
        return (0.0, s);
    }
    let v = match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        BinOp::Div => {
            if b == 0.0 {
                return (0.0, UNDEF);
            }
            a / b
        }
        BinOp::Pow => pow(a, b),
    };
    if v.is_finite() { (v, OK) } else { (0.0, UNDEF) }
}

/// `a ^ b`. Square and cube roots (`b` = 1/2 or 1/3, as `cagr` and `x ^ (1/3)` write them)
/// are computed as roots — [`f64::sqrt`] (correctly rounded) and [`root3`] — rather than by
/// `powf`: the same result on every machine (no libm), exact for perfect powers, and
/// vectorisable; other exponents use `powf`. Negative bases give NaN (undefined) as `powf`
/// does.
#[inline(always)]
pub(crate) fn pow(a: f64, b: f64) -> f64 {
    if b == 1.0 / 3.0 {
        root3(a)
    } else if b == 0.5 {
        if a < 0.0 { f64::NAN } else { a.sqrt() + 0.0 }
    } else {
        a.powf(b)
    }
}

/// The real cube root of `x ≥ 0` to within one unit in the last place (NaN for negative `x`,
/// as `powf(x, 1/3)`), with the same operations on every machine, no branches and no division
/// (so that the chunk loop vectorises and is short; [`root3_regular`]): the reciprocal cube
/// root from a first guess on the exponent bits and three Newton steps
/// (`r ← r·(4 − x·r³)/3`, which need no division), then `y = x·r²` and one Newton step for
/// `y³ = x` whose residual is computed exactly with fused multiply-adds and whose derivative
/// `1/(3y²)` is taken as `r²/3`. Subnormal and very large inputs are scaled by exact powers of
/// two first.
#[inline(always)]
pub(crate) fn root3(x: f64) -> f64 {
    const UP: f64 = 18_014_398_509_481_984.0; // 2^54
    const UP_ROOT: f64 = 1.0 / 262_144.0; // 2^-18 undoes 2^54 under the cube root
    const DOWN: f64 = 1.0 / 4_722_366_482_869_645_213_696.0; // 2^-72
    const DOWN_ROOT: f64 = 16_777_216.0; // 2^24 undoes 2^-72
    let tiny = x < f64::MIN_POSITIVE;
    let huge = x > 1e300;
    let xs = if tiny {
        x * UP
    } else if huge {
        x * DOWN
    } else {
        x
    };
    let y = root3_regular(xs);
    let y = if tiny {
        y * UP_ROOT
    } else if huge {
        y * DOWN_ROOT
    } else {
        y
    };
    if x > 0.0 && x.is_finite() {
        y
    } else if x == 0.0 || x == f64::INFINITY {
        x + 0.0
    } else {
        f64::NAN
    }
}

/// [`root3`] of an `x` in `[f64::MIN_POSITIVE, 1e300]` (no scaling, no special values): the
/// same result as `root3` gives for it, bit for bit.
#[inline(always)]
fn root3_regular(x: f64) -> f64 {
    // x^(-1/3) to 3.4 %: minus a third of the exponent (on the high 32 bits, a division the
    // vector unit does by a multiplication), with a bias for the mantissa.
    let hi = (x.to_bits() >> 32) as u32;
    let mut r = f64::from_bits((0x553E_F0FE_u32.wrapping_sub(hi / 3) as u64) << 32);
    // Newton for 1/r³ = x squares the error: 3.4e-2 → 2.4e-3 → 1.2e-5 → 2.7e-10. Written
    // as r·4/3 − (r/3)·(r²·rx) so that the products run side by side.
    for _ in 0..3 {
        let r3x = (r * r) * (r * x);
        r = (r * (-1.0 / 3.0)).mul_add(r3x, r * (4.0 / 3.0));
    }
    let r2 = r * r;
    let y = x * r2;
    // Newton with an exact residual y³ − x (y² and y²·y split into value and rounding error)
    // and the derivative's inverse from r² (to 5e-10): 5e-10 → about 1e-19, then rounded.
    let y2 = y * y;
    let e2 = y.mul_add(y, -y2);
    let y3 = y2 * y;
    let e3 = y2.mul_add(y, -y3);
    let res = (y3 - x) + e2.mul_add(y, e3);
    y - res * (r2 * (1.0 / 3.0))
}

/// Whether every value is in [`root3_regular`]'s domain (an and-reduction: vectorises).
#[inline(always)]
fn all_root3_regular(v: &[f64]) -> bool {
    v.iter()
        .fold(true, |a, x| a & (*x >= f64::MIN_POSITIVE) & (*x <= 1e300))
}

#[inline(always)]
fn k_cmp(op: CmpOp, a: f64, sa: u8, b: f64, sb: u8) -> (f64, u8) {
    if sa == MISS || sb == MISS {
        return (0.0, MISS);
    }
    if sa == UNDEF || sb == UNDEF {
        return (0.0, OK);
    }
    (op.apply(a, b) as u8 as f64, OK)
}

const TWO_63: f64 = 9_223_372_036_854_775_808.0;

/// Per node, `Some(b)` when every value it takes with state [`OK`] is an integer `x` with
/// `|x| <= b` (facts are whole fen, counts or dates held as `i64`; truth values are 0 or 1);
/// `None` when that cannot be shown. Sums and products of integers are integers in floating
/// point too (every `f64` above 2^53 is one), so only the bound grows.
fn integral_bounds(ops: &[Op], tables: &[CTable]) -> Vec<Option<f64>> {
    let mut b: Vec<Option<f64>> = Vec::with_capacity(ops.len());
    for op in ops {
        let v = integral_bound(op, &b, tables);
        b.push(v);
    }
    b
}

fn integral_bound(op: &Op, b: &[Option<f64>], tables: &[CTable]) -> Option<f64> {
    let int = |x: f64| (x.is_finite() && x == x.trunc()).then_some(x.abs());
    let at = |n: &NodeId| b[*n as usize];
    let max_of = |v: &[NodeId]| v.iter().try_fold(0.0f64, |m, x| at(x).map(|x| m.max(x)));
    match op {
        Op::Const(c) => int(*c),
        Op::Fact { .. } => Some(TWO_63),
        Op::Attr(..) => Some(1e9),
        Op::Manual { .. } | Op::Floor(_) => None,
        Op::Neg(a) | Op::Abs(a) => at(a),
        Op::Not(_) | Op::Cmp(..) | Op::All(_) | Op::Any(_) | Op::Present(_) => Some(1.0),
        Op::Bin(BinOp::Add | BinOp::Sub, x, y) => Some(at(x)? + at(y)?),
        Op::Bin(BinOp::Mul, x, y) => Some(at(x)? * at(y)?),
        Op::Bin(BinOp::Div | BinOp::Pow, ..) => None,
        Op::Min(v) | Op::Max(v) if !v.is_empty() => max_of(v),
        Op::Min(_) | Op::Max(_) => None,
        Op::If(_, x, y) => Some(at(x)?.max(at(y)?)),
        Op::SumYears(v) => v.iter().try_fold(0.0f64, |s, (t, _)| at(t).map(|x| s + x)),
        Op::OpYears { n, .. } => Some(*n as f64),
        Op::Band { table, .. } => {
            let t = &tables[*table as usize];
            t.pts
                .iter()
                .chain([&t.undefined_points])
                .try_fold(0.0f64, |m, p| int(*p).map(|p| m.max(p)))
        }
        // Whole years or days between two dates of at most eight digits.
        Op::YearsSince(_) | Op::DaysSince(_) => Some(1e9),
    }
}

/// Folds an operation whose inputs are all constants.
fn fold(op: &Op, ops: &[Op], tables: &[CTable]) -> Option<f64> {
    // A NaN constant is a missing value (a yearly parameter without that year): never folded.
    let c = |n: &NodeId| match ops[*n as usize] {
        Op::Const(v) if !v.is_nan() => Some(v),
        _ => None,
    };
    match op {
        Op::Bin(o, a, b) => {
            let (v, s) = k_bin(*o, c(a)?, OK, c(b)?, OK);
            (s == OK).then_some(v)
        }
        Op::Cmp(o, a, b) => Some(k_cmp(*o, c(a)?, OK, c(b)?, OK).0),
        Op::Neg(a) => Some(-c(a)?),
        Op::Min(v) => v
            .iter()
            .map(c)
            .collect::<Option<Vec<_>>>()
            .map(|x| x.into_iter().fold(f64::INFINITY, f64::min)),
        Op::Max(v) => v
            .iter()
            .map(c)
            .collect::<Option<Vec<_>>>()
            .map(|x| x.into_iter().fold(f64::NEG_INFINITY, f64::max)),
        Op::Band { table, x } => Some(tables[*table as usize].points(c(x)?)),
        _ => None,
    }
}

/// Which bound a manual item takes when no score was entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    Lo,
    Hi,
}

impl From<Assumption> for Pick {
    fn from(a: Assumption) -> Pick {
        match a {
            Assumption::Conservative => Pick::Lo,
            Assumption::Optimistic => Pick::Hi,
        }
    }
}

/// Scratch space for evaluating a chunk: `vals[node * len + i]`.
#[derive(Debug, Default, Clone)]
pub struct Buffers {
    pub len: usize,
    pub vals: Vec<f64>,
    pub st: Vec<u8>,
    /// A what-if value for one cell (field, fiscal year, panel row) that fact loads use instead
    /// of the panel's — how gap search tries a change without copying the firm.
    pub cell_override: Option<(u16, i32, usize, f64)>,
    /// Identity of the plan whose constants the buffer holds (0 = none).
    pub consts_of: usize,
    /// Per node: every row of the last chunk evaluated is [`OK`].
    pub clean: Vec<bool>,
    /// Batch only ([`Buffers::for_batch`]), per node: a fact node that may be read in place
    /// from the panel's column instead of being copied into `vals` (empty: copy every fact).
    /// Kernels then read the column directly; such a node must not be read through
    /// [`Buffers::get`], so the batch asks this only for facts no code outside the kernels
    /// reads (`batch::in_place_facts`).
    pub(crate) in_place: Vec<bool>,
    /// Batch only, per node: a fact of `in_place` that may be read in place also when its
    /// column is narrow (`i32`): every consumer is a comparison or a sum over years, which read
    /// it through [`Kids::arg`] and widen each value as they use it (`batch::narrow_in_place`).
    /// Other facts of narrow columns are widened into `vals` first.
    pub(crate) narrow_in_place: Vec<bool>,
    /// Batch only: when a fact is read, ask the CPU to bring the column's rows of the next
    /// chunk into cache (`prefetch_next`): a batch streams dozens of columns at once, more than
    /// the hardware prefetcher follows, and spreading the hints over the chunk's work keeps
    /// them from queueing up.
    pub(crate) prefetch: bool,
    /// Batch only, per node: an exact comparison that is not evaluated on its own but inside
    /// its only consumer, an `all` / `any` (the batch leaves it out of its node list;
    /// `batch::fused_comparisons`). Empty: none.
    pub(crate) fused: Vec<bool>,
    /// Per node: its values for the current chunk are in the panel, not in `vals` (and, when
    /// the node is clean, its states are not in `st` either: they are all [`OK`]).
    ext: Vec<bool>,
    /// `len` states [`OK`], for clean nodes read in place.
    ok: Vec<u8>,
    /// Founding year per row of the current chunk (scratch).
    founded_year: Vec<f64>,
    /// Band indices of a band lookup (scratch).
    band: Vec<f64>,
}

impl Buffers {
    /// Buffers for a batch: facts read in place (and of those, the ones read in place from
    /// narrow columns too) and fused comparisons as the batch planned them, and prefetching on.
    pub(crate) fn for_batch(
        in_place: Vec<bool>,
        narrow_in_place: Vec<bool>,
        fused: Vec<bool>,
    ) -> Buffers {
        Buffers {
            in_place,
            narrow_in_place,
            fused,
            prefetch: true,
            ..Buffers::default()
        }
    }

    pub fn get(&self, node: NodeId, i: usize) -> (f64, u8) {
        debug_assert!(
            !self.ext.get(node as usize).copied().unwrap_or(false),
            "node {node} was read in place from the panel; its values are not in the buffer"
        );
        let k = node as usize * self.len + i;
        (self.vals[k], self.st[k])
    }
}

impl Plan {
    pub fn rule(&self, id: &str) -> Option<&RulePlan> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// The cells (fiscal year, fact field) an evaluation of fiscal `year` reads: what a panel
    /// built for this plan needs to hold.
    pub fn facts_read(&self, year: i32) -> Vec<(i32, usize)> {
        let mut v: Vec<(i32, usize)> = self
            .all_nodes
            .iter()
            .filter_map(|n| match self.ops[*n as usize] {
                Op::Fact { field, offset } => Some((year - offset as i32, field as usize)),
                _ => None,
            })
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The nodes batch evaluation reads (each rule's eligibility and everything under it, the
    /// award's base and cap, and with `verification` the alternatives of its verification
    /// tree), in ascending order: items a rule only names for explain are not computed per firm.
    pub fn batch_nodes(&self, verification: bool) -> Vec<NodeId> {
        let mut roots = Vec::new();
        for r in &self.rules {
            r.batch_reads(verification, &mut roots);
        }
        closure(&self.ops, &roots)
    }

    /// Evaluates `nodes` (a dependency-closed, ascending list) for rows `start..start+len` of
    /// `panel` in fiscal `year`, into `buf`.
    ///
    /// On x86-64 CPUs with AVX2 the same code is compiled a second time with AVX2 enabled and
    /// chosen at run time (4 values per instruction instead of 2); results are identical, as
    /// Rust never contracts or reorders floating-point operations.
    #[allow(clippy::too_many_arguments)]
    pub fn eval_chunk(
        &self,
        panel: &Panel,
        year: i32,
        start: usize,
        len: usize,
        nodes: &[NodeId],
        pick: Pick,
        buf: &mut Buffers,
    ) {
        // The scalar path knows nothing of a batch's fused comparisons (left out of `nodes`), so
        // a batch's one-row chunk runs the chunk kernels.
        if len == 1 && buf.fused.is_empty() {
            self.prepare(1, buf);
            self.eval_one_row(panel, year, start, nodes, pick, buf);
            return;
        }
        #[cfg(target_arch = "x86_64")]
        if len >= 32
            && std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU supports AVX2 and FMA, checked on the line above.
            unsafe { self.eval_chunk_avx2(panel, year, start, len, nodes, pick, buf) };
            return;
        }
        self.eval_chunk_impl(panel, year, start, len, nodes, pick, buf)
    }

    /// Sizes `buf` for chunks of `len` rows of this plan, writing the constants once.
    #[inline]
    fn prepare(&self, len: usize, buf: &mut Buffers) {
        let n = self.ops.len() * len;
        let plan_id = self as *const Plan as usize;
        if buf.len != len || buf.vals.len() != n || buf.consts_of != plan_id {
            buf.len = len;
            buf.vals.resize(n, 0.0);
            buf.st.resize(n, MISS);
            buf.clean.clear();
            buf.clean.resize(self.ops.len(), false);
            buf.ext.clear();
            buf.ext.resize(self.ops.len(), false);
            buf.ok.clear();
            buf.ok.resize(len, OK);
            // Constants never change: written once per buffer, skipped in the node loop.
            // A NaN constant is a missing value (state MISS, value 0).
            for (k, op) in self.ops.iter().enumerate() {
                if let Op::Const(c) = op {
                    let missing = c.is_nan();
                    buf.vals[k * len..(k + 1) * len].fill(if missing { 0.0 } else { *c });
                    buf.st[k * len..(k + 1) * len].fill(if missing { MISS } else { OK });
                    buf.clean[k] = !missing;
                }
            }
            buf.consts_of = plan_id;
        }
    }

    /// [`Plan::eval_chunk`] for a single row (explain, gap search): the same operations in
    /// scalar form, without the per-node slicing and filling a chunk needs. The test
    /// `row_and_chunk_evaluation_agree_on_every_node` checks that both give the same value and
    /// state for every node of every rule on random firms.
    #[allow(clippy::too_many_arguments)]
    fn eval_one_row(
        &self,
        panel: &Panel,
        year: i32,
        row: usize,
        nodes: &[NodeId],
        pick: Pick,
        buf: &mut Buffers,
    ) {
        let as_of = self.as_of;
        let fy = panel.founded[row] / 10_000;
        let vals = &mut buf.vals;
        let st = &mut buf.st;
        for &node in nodes {
            let k = node as usize;
            let (v, s) = match &self.ops[k] {
                Op::Const(_) => continue,
                Op::Fact { field, offset } => {
                    let y = year - *offset as i32;
                    match buf.cell_override {
                        Some((f, oy, r, x)) if f == *field && oy == y && r == row => (x, OK),
                        _ => match panel.column(y, *field as usize) {
                            Some(c) if c.prov[row] != PROV_MISSING => (c.value(row), OK),
                            Some(c) => (c.value(row), MISS),
                            None => (0.0, MISS),
                        },
                    }
                }
                Op::Attr(a, off) => {
                    let l = Listing::ALL[panel.listing[row] as usize];
                    let v = match a {
                        Attr::Manufacturing => panel.manufacturing[row] as f64,
                        Attr::TechFieldOk => panel.tech_field_ok[row] as f64,
                        Attr::Listed => l.is_listed_excl_neeq() as u8 as f64,
                        Attr::ListedAny => (l != Listing::Unlisted) as u8 as f64,
                        Attr::Neeq => (l == Listing::Neeq) as u8 as f64,
                        Attr::Founded => panel.founded[row] as f64,
                        Attr::AsOf => as_of.to_int() as f64,
                        Attr::DataFrom => panel.data_from[row] as f64,
                        Attr::Year => (year - *off as i32) as f64,
                        Attr::SmeClass => panel.sme_class[row] as f64,
                    };
                    let s = if *a == Attr::SmeClass && v == 0.0 {
                        MISS
                    } else {
                        OK
                    };
                    (v, s)
                }
                Op::Manual { slot, lo, hi } => {
                    let entered = panel
                        .manual
                        .get(&self.manual_keys[*slot as usize])
                        .map(|m| m[row]);
                    match entered {
                        Some(x) if !x.is_nan() => (x, OK),
                        _ => {
                            let c = if pick == Pick::Lo { *lo } else { *hi } as usize;
                            (vals[c], st[c])
                        }
                    }
                }
                Op::Neg(a) => (-vals[*a as usize], st[*a as usize]),
                Op::Not(a) => {
                    let (av, as_) = (vals[*a as usize], st[*a as usize]);
                    (
                        (av == 0.0 || as_ == UNDEF) as u8 as f64,
                        if as_ == MISS { MISS } else { OK },
                    )
                }
                Op::Bin(op, a, b) => {
                    let (a, b) = (*a as usize, *b as usize);
                    k_bin(*op, vals[a], st[a], vals[b], st[b])
                }
                Op::Cmp(op, a, b) => {
                    let (a, b) = (*a as usize, *b as usize);
                    k_cmp(*op, vals[a], st[a], vals[b], st[b])
                }
                Op::All(v) | Op::Any(v) => {
                    let is_all = matches!(self.ops[k], Op::All(_));
                    let (mut decided, mut miss) = (false, false);
                    for c in v {
                        let (cv, cs) = (vals[*c as usize], st[*c as usize]);
                        let truth = cs == OK && cv != 0.0;
                        if is_all {
                            decided |= cs != MISS && !truth;
                        } else {
                            decided |= truth;
                        }
                        miss |= cs == MISS;
                    }
                    let miss = miss && !decided;
                    let truth = if is_all { !decided && !miss } else { decided };
                    (truth as u8 as f64, if miss { MISS } else { OK })
                }
                Op::Min(v) | Op::Max(v) => {
                    let is_min = matches!(self.ops[k], Op::Min(_));
                    let mut x = if is_min {
                        f64::INFINITY
                    } else {
                        f64::NEG_INFINITY
                    };
                    let mut s = OK;
                    for c in v {
                        let cv = vals[*c as usize];
                        x = if is_min { x.min(cv) } else { x.max(cv) };
                        s = s.max(st[*c as usize]);
                    }
                    (if s == OK { x } else { 0.0 }, s)
                }
                Op::If(c, a, b) => {
                    let cs = st[*c as usize];
                    if cs == MISS {
                        (0.0, MISS)
                    } else if cs == OK && vals[*c as usize] != 0.0 {
                        (vals[*a as usize], st[*a as usize])
                    } else {
                        (vals[*b as usize], st[*b as usize])
                    }
                }
                Op::Floor(a) => (vals[*a as usize].floor(), st[*a as usize]),
                Op::Abs(a) => (vals[*a as usize].abs(), st[*a as usize]),
                Op::SumYears(terms) => {
                    let (mut x, mut s) = (0.0, OK);
                    for (t, off) in terms {
                        if fy <= (year - *off as i32) as i64 {
                            x += vals[*t as usize];
                            s = s.max(st[*t as usize]);
                        }
                    }
                    (x, s)
                }
                Op::OpYears { n, offset } => {
                    let c = (0..*n)
                        .filter(|j| (year - (*offset + j) as i32) as i64 >= fy)
                        .count();
                    (c as f64, OK)
                }
                Op::Present(a) => ((st[*a as usize] == OK) as u8 as f64, OK),
                Op::Band { table, x } => {
                    let t = &self.tables[*table as usize];
                    let (xv, xs) = (vals[*x as usize], st[*x as usize]);
                    match xs {
                        OK => (t.points(xv), OK),
                        UNDEF => (t.undefined_points, OK),
                        _ => (0.0, MISS),
                    }
                }
                Op::YearsSince(a) | Op::DaysSince(a) => {
                    let years = matches!(self.ops[k], Op::YearsSince(_));
                    let (av, as_) = (vals[*a as usize], st[*a as usize]);
                    if as_ != OK {
                        (0.0, as_)
                    } else {
                        match Date::from_int(av as i64) {
                            Some(d) if years => (d.whole_years_until(as_of) as f64, OK),
                            Some(d) => {
                                ((as_of.days_since_epoch() - d.days_since_epoch()) as f64, OK)
                            }
                            None => (0.0, UNDEF),
                        }
                    }
                }
            };
            vals[k] = v;
            st[k] = s;
            buf.clean[k] = s == OK;
            buf.ext[k] = false;
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    #[allow(clippy::too_many_arguments)]
    fn eval_chunk_avx2(
        &self,
        panel: &Panel,
        year: i32,
        start: usize,
        len: usize,
        nodes: &[NodeId],
        pick: Pick,
        buf: &mut Buffers,
    ) {
        self.eval_chunk_impl(panel, year, start, len, nodes, pick, buf)
    }

    /// The kernels. Every node records whether all its rows are [`OK`] (`buf.clean`); when all
    /// of a node's inputs are clean — the common case — its kernel computes values only, in
    /// branch-free loops, and skips the state bookkeeping. States are always written, so
    /// [`Buffers::get`] needs no flag.
    #[inline(always)]
    #[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
    fn eval_chunk_impl(
        &self,
        panel: &Panel,
        year: i32,
        start: usize,
        len: usize,
        nodes: &[NodeId],
        pick: Pick,
        buf: &mut Buffers,
    ) {
        self.prepare(len, buf);
        let as_of = self.as_of;
        let as_of_int = as_of.to_int() as f64;
        let cell_override = buf.cell_override;
        // Founding year of each row (as f64, for branch-free selects), computed on first use.
        let mut fy = std::mem::take(&mut buf.founded_year);
        let mut band = std::mem::take(&mut buf.band);
        let mut fy_ready = false;
        for &node in nodes {
            // An all / any with fused comparisons computes them inline when it can
            // (`Plan::junction`); otherwise they are evaluated on their own first and the node
            // reads them as usual.
            let mut junction = Junction::Apart;
            if !buf.fused.is_empty()
                && let Op::All(v) | Op::Any(v) = &self.ops[node as usize]
                && v.iter().any(|c| buf.fused[*c as usize])
            {
                let kids = Kids {
                    plan: self,
                    panel,
                    year,
                    start,
                    len,
                    vals: &buf.vals,
                    st: &buf.st,
                    ext: &buf.ext,
                    clean: &buf.clean,
                    ok: &buf.ok,
                };
                let is_all = matches!(self.ops[node as usize], Op::All(_));
                if cell_override.is_none() {
                    junction = junction_mode(kids, is_all, v, &buf.fused, &mut band);
                }
                if junction == Junction::Apart {
                    buf.founded_year = std::mem::take(&mut fy);
                    for c in v {
                        if buf.fused[*c as usize] {
                            let one = std::slice::from_ref(c);
                            self.eval_chunk(panel, year, start, len, one, pick, buf);
                        }
                    }
                    fy = std::mem::take(&mut buf.founded_year);
                }
            }
            let o = node as usize * len;
            let (vb, rest_v) = buf.vals.split_at_mut(o);
            let (sb, rest_s) = buf.st.split_at_mut(o);
            let (eb, rest_e) = buf.ext.split_at_mut(node as usize);
            let out_v = &mut rest_v[..len];
            let out_s = &mut rest_s[..len];
            let kids = Kids {
                plan: self,
                panel,
                year,
                start,
                len,
                vals: vb,
                st: sb,
                ext: eb,
                clean: &buf.clean,
                ok: &buf.ok,
            };
            let cl = move |id: NodeId| kids.clean[id as usize];
            let ch = move |id: NodeId| kids.ch(id);
            let arg = move |id: NodeId| kids.arg(id);
            let mut in_place = false;
            let founded = |fy: &mut Vec<f64>, fy_ready: &mut bool| {
                if !*fy_ready {
                    fy.clear();
                    fy.extend(
                        // `d / 10000` rounds toward zero as integer division does, and is
                        // exact for integers below 2^53 (a quotient is never within 1e-4 of an
                        // integer it is not); the floating-point division vectorises.
                        panel.founded[start..start + len]
                            .iter()
                            .map(|d| (*d as f64 / 10_000.0).trunc()),
                    );
                    *fy_ready = true;
                }
            };
            let is_clean = match &self.ops[node as usize] {
                // Written by `prepare`; a NaN constant (missing) there has state MISS.
                Op::Const(c) => !c.is_nan(),
                Op::Fact { field, offset } => {
                    let y = year - *offset as i32;
                    let overridden = cell_override.is_some_and(|(f, oy, row, _)| {
                        f == *field && oy == y && (start..start + len).contains(&row)
                    });
                    let mut clean = match panel.column(y, *field as usize) {
                        Some(col) => {
                            let prov = &col.prov[start..start + len];
                            if buf.prefetch {
                                prefetch_next(col, start + len, len);
                            }
                            match col.values() {
                                Values::Wide(_)
                                    if !overridden
                                        && buf.in_place.get(node as usize) == Some(&true) =>
                                {
                                    in_place = true;
                                }
                                Values::Wide(v) => out_v.copy_from_slice(&v[start..start + len]),
                                Values::Narrow(_)
                                    if !overridden
                                        && buf.in_place.get(node as usize) == Some(&true)
                                        && buf.narrow_in_place.get(node as usize)
                                            == Some(&true) =>
                                {
                                    in_place = true;
                                }
                                // Narrow values are widened into the buffer (half the bytes
                                // read from memory; the conversion vectorises).
                                Values::Narrow(v) => {
                                    for (o, x) in out_v.iter_mut().zip(&v[start..start + len]) {
                                        *o = *x as f64;
                                    }
                                }
                            }
                            // A complete column needs no look at its provenance bytes.
                            let miss = col.missing() > 0
                                && prov.iter().fold(0u8, |a, p| a | (*p == PROV_MISSING) as u8)
                                    != 0;
                            if !miss {
                                // A clean fact read in place keeps no states: kernels read
                                // them as `Buffers::ok` (`Kids::ch`).
                                if !in_place {
                                    out_s.fill(OK);
                                }
                                true
                            } else {
                                for i in 0..len {
                                    out_s[i] = (prov[i] == PROV_MISSING) as u8 * MISS;
                                }
                                false
                            }
                        }
                        None => {
                            out_v.fill(0.0);
                            out_s.fill(MISS);
                            false
                        }
                    };
                    if let Some((f, oy, row, v)) = cell_override
                        && f == *field
                        && oy == y
                        && (start..start + len).contains(&row)
                    {
                        out_v[row - start] = v;
                        out_s[row - start] = OK;
                        clean = all_ok(out_s);
                    }
                    clean
                }
                Op::Attr(a, off) => {
                    let rows = start..start + len;
                    // The listings for which the attribute holds, one bit each (a shift per
                    // row vectorises; a table lookup would not).
                    let listing = |f: fn(Listing) -> bool| {
                        Listing::ALL
                            .iter()
                            .enumerate()
                            .fold(0u32, |m, (k, l)| m | ((f(*l) as u32) << k))
                    };
                    // The SME class is missing where the industry cannot be classified.
                    let mut sme_unknown = false;
                    match a {
                        Attr::Manufacturing => {
                            for (o, x) in out_v.iter_mut().zip(&panel.manufacturing[rows]) {
                                *o = *x as f64;
                            }
                        }
                        Attr::TechFieldOk => {
                            for (o, x) in out_v.iter_mut().zip(&panel.tech_field_ok[rows]) {
                                *o = *x as f64;
                            }
                        }
                        Attr::Listed | Attr::ListedAny | Attr::Neeq => {
                            let t = match a {
                                Attr::Listed => listing(|l| l.is_listed_excl_neeq()),
                                Attr::ListedAny => listing(|l| l != Listing::Unlisted),
                                _ => listing(|l| l == Listing::Neeq),
                            };
                            for (o, x) in out_v.iter_mut().zip(&panel.listing[rows]) {
                                *o = ((t >> (*x as u32 & 31)) & 1) as f64;
                            }
                        }
                        Attr::Founded => {
                            for (o, x) in out_v.iter_mut().zip(&panel.founded[rows]) {
                                *o = *x as f64;
                            }
                        }
                        Attr::AsOf => out_v.fill(as_of_int),
                        Attr::DataFrom => {
                            for (o, x) in out_v.iter_mut().zip(&panel.data_from[rows]) {
                                *o = *x as f64;
                            }
                        }
                        Attr::Year => out_v.fill((year - *off as i32) as f64),
                        Attr::SmeClass => {
                            for (o, x) in out_v.iter_mut().zip(&panel.sme_class[rows]) {
                                *o = *x as f64;
                                sme_unknown |= *x == 0;
                            }
                        }
                    }
                    if sme_unknown {
                        for (s, v) in out_s.iter_mut().zip(out_v.iter()) {
                            *s = if *v == 0.0 { MISS } else { OK };
                        }
                        false
                    } else {
                        out_s.fill(OK);
                        true
                    }
                }
                Op::Manual { slot, lo, hi } => {
                    let entered = panel.manual.get(&self.manual_keys[*slot as usize]);
                    let (lv, ls) = ch(*lo);
                    let (hv, hs) = ch(*hi);
                    for i in 0..len {
                        match entered.map(|m| m[start + i]) {
                            Some(x) if !x.is_nan() => {
                                out_v[i] = x;
                                out_s[i] = OK;
                            }
                            _ => {
                                let (v, s) = if pick == Pick::Lo {
                                    (lv[i], ls[i])
                                } else {
                                    (hv[i], hs[i])
                                };
                                out_v[i] = v;
                                out_s[i] = s;
                            }
                        }
                    }
                    all_ok(out_s)
                }
                Op::Neg(a) => {
                    let (av, as_) = ch(*a);
                    for i in 0..len {
                        out_v[i] = -av[i];
                    }
                    out_s.copy_from_slice(as_);
                    cl(*a)
                }
                Op::Not(a) => {
                    let (av, as_) = ch(*a);
                    if cl(*a) {
                        for i in 0..len {
                            out_v[i] = truth(av[i] == 0.0);
                        }
                        out_s.fill(OK);
                        true
                    } else {
                        for i in 0..len {
                            out_v[i] = (av[i] == 0.0 || as_[i] == UNDEF) as u8 as f64;
                            out_s[i] = if as_[i] == MISS { MISS } else { OK };
                        }
                        all_ok(out_s)
                    }
                }
                Op::Bin(op, a, b) => {
                    let (_, as_) = ch(*a);
                    let (_, bs) = ch(*b);
                    // Values under a non-OK state are never read, so values are computed for
                    // every row without branches (the loops vectorise).
                    let (x, y) = (arg(*a), arg(*b));
                    // Whether every result is finite, found in the same pass where it can be.
                    let mut finite = None;
                    match op {
                        BinOp::Add => with_args!(x, y, |p, q| lanes2(out_v, p, q, |u, v| u + v)),
                        BinOp::Sub => with_args!(x, y, |p, q| lanes2(out_v, p, q, |u, v| u - v)),
                        BinOp::Mul => with_args!(x, y, |p, q| lanes2(out_v, p, q, |u, v| u * v)),
                        BinOp::Div => {
                            let f = with_args!(x, y, |p, q| div_lanes(out_v, p, q));
                            finite = Some(f);
                        }
                        // Roots by exponent (see `pow`): one vectorised loop for the whole chunk.
                        BinOp::Pow => match y {
                            Arg::K(k) if k == 1.0 / 3.0 => match x {
                                // Growth ratios are ordinary numbers: no scaling, no special
                                // values to handle in the chunk.
                                Arg::V(xv) if all_root3_regular(xv) => {
                                    for (o, u) in out_v.iter_mut().zip(xv) {
                                        *o = root3_regular(*u);
                                    }
                                }
                                _ => with_args!(x, y, |p, q| lanes2(out_v, p, q, |u, _| root3(u))),
                            },
                            _ => with_args!(x, y, |p, q| lanes2(out_v, p, q, pow)),
                        },
                    }
                    // A non-finite result (a zero denominator, an overflow) is undefined, as in
                    // `k_bin`.
                    if cl(*a) && cl(*b) && finite.unwrap_or_else(|| all_finite(out_v)) {
                        out_s.fill(OK);
                        true
                    } else {
                        for i in 0..len {
                            out_s[i] = as_[i].max(bs[i]);
                        }
                        for i in 0..len {
                            out_s[i] = out_s[i].max((!out_v[i].is_finite()) as u8 * UNDEF);
                        }
                        all_ok(out_s)
                    }
                }
                Op::Cmp(op, a, b) => {
                    let (as_, bs) = (kids.st(*a), kids.st(*b));
                    let inputs_clean = cl(*a) && cl(*b);
                    if inputs_clean {
                        out_s.fill(OK);
                    } else {
                        for i in 0..len {
                            out_s[i] = (as_[i].max(bs[i]) == MISS) as u8 * MISS;
                        }
                    }
                    // Exact comparison of the difference first, as `CmpOp::apply` does it
                    // (branch-free, vectorises); the tolerance of `CmpOp::apply` only matters
                    // when operands differ by less than it and are not both integers, so the
                    // chunk is redone with `apply` only if some row is that near — and never
                    // when both operands are integral by construction (`Plan::exact`).
                    let tolerant = !(self.exact[*a as usize] && self.exact[*b as usize])
                        || cell_override.is_some();
                    let ok = (!inputs_clean).then_some((as_, bs));
                    let (x, y) = (arg(*a), arg(*b));
                    with_cmp_args!(x, y, |p, q| cmp_lanes(*op, p, q, ok, tolerant, out_v));
                    inputs_clean || all_ok(out_s)
                }
                Op::All(v) | Op::Any(v) => {
                    let is_all = matches!(self.ops[node as usize], Op::All(_));
                    let fused = |c: NodeId| junction != Junction::Apart && buf.fused[c as usize];
                    if junction == Junction::Partial {
                        // The other children are in `band`; the rest are fused comparisons
                        // whose rows with operands not OK are decided already.
                        out_v.copy_from_slice(&band[..len]);
                        let rest = |c: NodeId| fused_unclean(kids, &buf.fused, c);
                        fold_junction(kids, is_all, v, fused, rest, out_v);
                        out_s.fill(OK);
                        true
                    } else if junction == Junction::Inline || v.iter().all(|c| cl(*c)) {
                        // Two-valued: a running and/or of the children's truth.
                        out_v.fill(is_all as u8 as f64);
                        fold_junction(kids, is_all, v, fused, |_| true, out_v);
                        out_s.fill(OK);
                        true
                    } else {
                        all_any_three_valued(is_all, v, &ch, out_v, out_s);
                        all_ok(out_s)
                    }
                }
                Op::Min(v) | Op::Max(v) => {
                    let is_min = matches!(self.ops[node as usize], Op::Min(_));
                    out_v.fill(if is_min {
                        f64::INFINITY
                    } else {
                        f64::NEG_INFINITY
                    });
                    out_s.fill(OK);
                    let inputs_clean = v.iter().all(|c| cl(*c));
                    for c in v {
                        let (cv, cs) = ch(*c);
                        if is_min {
                            for i in 0..len {
                                out_v[i] = out_v[i].min(cv[i]);
                            }
                        } else {
                            for i in 0..len {
                                out_v[i] = out_v[i].max(cv[i]);
                            }
                        }
                        if !inputs_clean {
                            for i in 0..len {
                                out_s[i] = out_s[i].max(cs[i]);
                            }
                        }
                    }
                    if inputs_clean {
                        true
                    } else {
                        for i in 0..len {
                            if out_s[i] != OK {
                                out_v[i] = 0.0;
                            }
                        }
                        all_ok(out_s)
                    }
                }
                Op::If(c, a, b) => {
                    let (cv, cs) = ch(*c);
                    let (av, as_) = ch(*a);
                    let (bv, bs) = ch(*b);
                    if cl(*c) && cl(*a) && cl(*b) {
                        // A bitwise select, so that the loop vectorises.
                        let (x, y) = (arg(*a), arg(*b));
                        with_args!(x, y, |p, q| select_lanes(out_v, cv, p, q));
                        out_s.fill(OK);
                        true
                    } else {
                        for i in 0..len {
                            if cs[i] == MISS {
                                out_v[i] = 0.0;
                                out_s[i] = MISS;
                            } else if cs[i] == OK && cv[i] != 0.0 {
                                out_v[i] = av[i];
                                out_s[i] = as_[i];
                            } else {
                                out_v[i] = bv[i];
                                out_s[i] = bs[i];
                            }
                        }
                        all_ok(out_s)
                    }
                }
                Op::Floor(a) | Op::Abs(a) => {
                    let f = matches!(self.ops[node as usize], Op::Floor(_));
                    let (av, as_) = ch(*a);
                    if f {
                        for i in 0..len {
                            out_v[i] = av[i].floor();
                        }
                    } else {
                        for i in 0..len {
                            out_v[i] = av[i].abs();
                        }
                    }
                    out_s.copy_from_slice(as_);
                    cl(*a)
                }
                Op::SumYears(terms) => {
                    // Years before the firm was founded are left out (adding 0.0 leaves a sum
                    // unchanged), missing years are not.
                    founded(&mut fy, &mut fy_ready);
                    let fy = &fy[..len];
                    out_s.fill(OK);
                    let inputs_clean = terms.iter().all(|(t, _)| cl(*t));
                    let term = |k: usize| {
                        let (t, off) = terms[k];
                        (arg(t), (year - off as i32) as f64)
                    };
                    sum_years_chunk(terms.len(), term, fy, out_v);
                    if !inputs_clean {
                        for (t, off) in terms {
                            let ty = (year - *off as i32) as f64;
                            let ts = kids.st(*t);
                            for i in 0..len {
                                if fy[i] <= ty {
                                    out_s[i] = out_s[i].max(ts[i]);
                                }
                            }
                        }
                    }
                    inputs_clean || all_ok(out_s)
                }
                Op::OpYears { n, offset } => {
                    founded(&mut fy, &mut fy_ready);
                    let fy = &fy[..len];
                    out_v.fill(0.0);
                    for j in 0..*n {
                        let y = (year - (*offset + j) as i32) as f64;
                        for i in 0..len {
                            out_v[i] += (y >= fy[i]) as u8 as f64;
                        }
                    }
                    out_s.fill(OK);
                    true
                }
                Op::Present(a) => {
                    let (_, as_) = ch(*a);
                    for i in 0..len {
                        out_v[i] = (as_[i] == OK) as u8 as f64;
                    }
                    out_s.fill(OK);
                    true
                }
                Op::Band { table, x } => {
                    let t = &self.tables[*table as usize];
                    let (xv, xs) = ch(*x);
                    // Integral values against integral bounds compare exactly.
                    let tolerant =
                        !(self.exact[*x as usize] && t.integral_bounds) || cell_override.is_some();
                    t.points_chunk(xv, tolerant, out_v, &mut band);
                    if cl(*x) {
                        out_s.fill(OK);
                        true
                    } else {
                        for i in 0..len {
                            match xs[i] {
                                OK => {
                                    out_s[i] = OK;
                                }
                                UNDEF => {
                                    out_v[i] = t.undefined_points;
                                    out_s[i] = OK;
                                }
                                _ => {
                                    out_v[i] = 0.0;
                                    out_s[i] = MISS;
                                }
                            }
                        }
                        all_ok(out_s)
                    }
                }
                Op::YearsSince(a) => {
                    let (av, as_) = ch(*a);
                    years_since_lanes(av, as_, as_of, out_v, out_s);
                    all_ok(out_s)
                }
                Op::DaysSince(a) => {
                    let (av, as_) = ch(*a);
                    for i in 0..len {
                        if as_[i] != OK {
                            out_v[i] = 0.0;
                            out_s[i] = as_[i];
                            continue;
                        }
                        match Date::from_int(av[i] as i64) {
                            Some(d) => {
                                out_v[i] = (as_of.days_since_epoch() - d.days_since_epoch()) as f64;
                                out_s[i] = OK;
                            }
                            None => {
                                out_v[i] = 0.0;
                                out_s[i] = UNDEF;
                            }
                        }
                    }
                    all_ok(out_s)
                }
            };
            rest_e[0] = in_place;
            buf.clean[node as usize] = is_clean;
        }
        buf.founded_year = fy;
        buf.band = band;
    }

    /// Whether the facts `deps` are all verified for a row (years before founding don't count).
    pub fn deps_verified(&self, panel: &Panel, year: i32, row: usize, deps: &[(u16, u8)]) -> bool {
        deps.iter().all(|(f, off)| {
            let y = year - *off as i32;
            if (y as i64) < panel.founded[row] / 10_000 {
                return true;
            }
            panel
                .column(y, *f as usize)
                .is_some_and(|c| c.prov[row] == PROV_VERIFIED)
        })
    }

    /// [`Plan::vtree_verified`] for every row of an evaluated chunk at once. `out[i]` is
    /// meaningful for rows whose verdict passed. Each fact-year's "verified or before founding"
    /// mask is computed once per chunk and shared by every rule (`scratch`).
    #[allow(clippy::too_many_arguments)]
    pub fn vtree_verified_chunk(
        &self,
        t: &VTree,
        panel: &Panel,
        year: i32,
        start: usize,
        buf: &Buffers,
        out: &mut [bool],
        scratch: &mut VerifyScratch,
    ) {
        let len = out.len();
        let key = (panel as *const Panel as usize, year, start, len);
        if scratch.key != key {
            scratch.key = key;
            scratch.epoch += 1;
            let fy = &mut scratch.founded;
            fy.clear();
            fy.extend(
                panel.founded[start..start + len]
                    .iter()
                    .map(|d| (d / 10_000) as i32),
            );
        }
        let mut tmp = scratch.stack.pop().unwrap_or_default();
        tmp.resize(len, 0);
        self.verified_rec(t, panel, year, start, buf, &mut tmp[..len], scratch);
        for (o, x) in out.iter_mut().zip(&tmp) {
            *o = *x != 0;
        }
        scratch.stack.push(tmp);
    }

    #[allow(clippy::too_many_arguments)]
    fn verified_rec(
        &self,
        t: &VTree,
        panel: &Panel,
        year: i32,
        start: usize,
        buf: &Buffers,
        out: &mut [u8],
        scratch: &mut VerifyScratch,
    ) {
        let len = out.len();
        match t {
            VTree::All(v) => {
                out.fill(1);
                let mut tmp = scratch.stack.pop().unwrap_or_default();
                tmp.resize(len, 0);
                for c in v {
                    self.verified_rec(c, panel, year, start, buf, &mut tmp[..len], scratch);
                    for i in 0..len {
                        out[i] &= tmp[i];
                    }
                }
                scratch.stack.push(tmp);
            }
            VTree::Any(v) => {
                out.fill(0);
                let mut tmp = scratch.stack.pop().unwrap_or_default();
                tmp.resize(len, 0);
                for (n, c) in v {
                    self.verified_rec(c, panel, year, start, buf, &mut tmp[..len], scratch);
                    let k = *n as usize * buf.len;
                    let (nv, ns) = (&buf.vals[k..k + len], &buf.st[k..k + len]);
                    for i in 0..len {
                        out[i] |= ((ns[i] == OK) & (nv[i] != 0.0)) as u8 & tmp[i];
                    }
                }
                scratch.stack.push(tmp);
            }
            VTree::If {
                cond,
                cond_tree,
                then,
                els,
            } => {
                let mut c_ok = scratch.stack.pop().unwrap_or_default();
                c_ok.resize(len, 0);
                let mut t_ok = scratch.stack.pop().unwrap_or_default();
                t_ok.resize(len, 0);
                self.verified_rec(
                    cond_tree,
                    panel,
                    year,
                    start,
                    buf,
                    &mut c_ok[..len],
                    scratch,
                );
                self.verified_rec(then, panel, year, start, buf, &mut t_ok[..len], scratch);
                self.verified_rec(els, panel, year, start, buf, out, scratch);
                let k = *cond as usize * buf.len;
                let (cv, cs) = (&buf.vals[k..k + len], &buf.st[k..k + len]);
                for i in 0..len {
                    out[i] = if cs[i] == MISS {
                        0
                    } else if cs[i] == OK && cv[i] != 0.0 {
                        t_ok[i] & c_ok[i]
                    } else {
                        out[i]
                    };
                }
                scratch.stack.push(t_ok);
                scratch.stack.push(c_ok);
            }
            VTree::Leaf { deps, manual, .. } => {
                out.fill(1);
                for &(f, off) in deps {
                    let m = scratch.mask(panel, year, start, len, f, off);
                    for i in 0..len {
                        out[i] &= m[i];
                    }
                }
                for m in manual {
                    let entered = panel.manual.get(&self.manual_keys[*m as usize]);
                    match entered {
                        Some(e) => {
                            for (o, x) in out.iter_mut().zip(&e[start..start + len]) {
                                *o &= (!x.is_nan()) as u8;
                            }
                        }
                        None => out.fill(0),
                    }
                }
            }
        }
    }

    /// Whether the verdict of a passing rule rests only on verified inputs: every branch of an
    /// `all`, and at least one passing alternative of an `any`. Entered expert scores count as
    /// verified; assumed ones do not.
    pub fn vtree_verified(
        &self,
        t: &VTree,
        panel: &Panel,
        year: i32,
        row: usize,
        buf: &Buffers,
        i: usize,
    ) -> bool {
        match t {
            VTree::All(v) => v
                .iter()
                .all(|c| self.vtree_verified(c, panel, year, row, buf, i)),
            VTree::Any(v) => v.iter().any(|(n, c)| {
                let (x, s) = buf.get(*n, i);
                s == OK && x != 0.0 && self.vtree_verified(c, panel, year, row, buf, i)
            }),
            VTree::If {
                cond,
                cond_tree,
                then,
                els,
            } => {
                let (x, s) = buf.get(*cond, i);
                if s == MISS {
                    false
                } else if s == OK && x != 0.0 {
                    self.vtree_verified(cond_tree, panel, year, row, buf, i)
                        && self.vtree_verified(then, panel, year, row, buf, i)
                } else {
                    self.vtree_verified(els, panel, year, row, buf, i)
                }
            }
            VTree::Leaf { deps, manual, .. } => {
                self.deps_verified(panel, year, row, deps)
                    && manual.iter().all(|m| {
                        panel
                            .manual
                            .get(&self.manual_keys[*m as usize])
                            .is_some_and(|v| !v[row].is_nan())
                    })
            }
        }
    }
}

/// Whole years from the yyyymmdd dates `av` to `as_of` (yyyymmdd), as [`Date::from_int`] and
/// [`Date::whole_years_until`] compute them but branch-free, so that the loops vectorise: the
/// date is split into year, month and day by exact floor divisions ([`floor_div100`]); it is
/// valid when `Date::new` would accept it (a month's length from its parity, February's from
/// the leap rule within 1900–2200); the whole years are the difference of the years, less one
/// when `as_of`'s month and day come before the date's. A row whose input is not [`OK`] keeps
/// its state, an invalid date is [`UNDEF`]; both get the value 0.
// Index loops over `0..len` on re-sliced inputs: the optimiser then drops bounds checks. The
// range tests use `&` of comparisons, not `contains` (`&&`), to stay branch-free.
#[allow(clippy::needless_range_loop, clippy::manual_range_contains)]
#[inline(always)]
fn years_since_lanes(av: &[f64], as_: &[u8], as_of: Date, out_v: &mut [f64], out_s: &mut [u8]) {
    let len = out_v.len();
    let (av, as_, out_s) = (&av[..len], &as_[..len], &mut out_s[..len]);
    let (as_of_y, as_of_md) = (
        as_of.year() as f64,
        (as_of.month() as u32 * 100 + as_of.day() as u32) as f64,
    );
    // Values, NaN for an invalid date (all in f64 lanes).
    for i in 0..len {
        let v = av[i];
        let (ym, d) = floor_div100(v);
        let (y, m) = floor_div100(ym);
        // 31 days in the odd months up to July and the even ones from August, else 30.
        let m2 = if m > 7.0 { m + 1.0 } else { m };
        let odd = m2 - 2.0 * (m2 * 0.5).floor();
        let y4 = y * 0.25;
        let leap = (y4.floor() == y4) & (y != 1900.0) & (y != 2100.0) & (y != 2200.0);
        let feb = if leap { 29.0 } else { 28.0 };
        let days = if m == 2.0 { feb } else { 30.0 + odd };
        let valid =
            (y >= 1900.0) & (y <= 2200.0) & (m >= 1.0) & (m <= 12.0) & (d >= 1.0) & (d <= days);
        let years = as_of_y - y;
        let years = if as_of_md < v - y * 10_000.0 {
            years - 1.0
        } else {
            years
        };
        out_v[i] = if valid { years } else { f64::NAN };
    }
    // States, and 0 where not OK.
    for i in 0..len {
        let bad = out_v[i].is_nan();
        let s = as_[i];
        out_s[i] = if s != OK { s } else { UNDEF * bad as u8 };
        out_v[i] = if (s == OK) & !bad { out_v[i] } else { 0.0 };
    }
}

/// `(⌊x / 100⌋, x − 100·⌊x / 100⌋)` for an integer `x` (|x| < 2^40), exactly and without a
/// division: `x / 100 + 0.005` is at least 0.005 above the quotient's floor and at least 0.005
/// below the next integer, far more than the product's rounding error.
#[inline(always)]
fn floor_div100(x: f64) -> (f64, f64) {
    let q = (x * 0.01 + 0.005).floor();
    (q, x - q * 100.0)
}

/// Whether every state of a chunk is [`OK`] (an or-reduction: branch-free, vectorises).
#[inline(always)]
fn all_ok(s: &[u8]) -> bool {
    s.iter().fold(0u8, |a, x| a | x) == 0
}

/// Whether every value is finite (no infinity, no NaN), from the exponent bits.
#[inline(always)]
fn all_finite(v: &[f64]) -> bool {
    const EXP: u64 = 0x7ff0_0000_0000_0000;
    v.iter()
        .fold(0u64, |a, x| a | ((x.to_bits() & EXP) == EXP) as u64)
        == 0
}

/// 1 when `x` and `y` differ (`d = x − y`) by no more than the relative tolerance of
/// [`CmpOp::apply`], so that the exact result may not be the tolerant one.
#[inline(always)]
fn near_bit(d: f64, x: f64, y: f64) -> u64 {
    let (ax, ay) = (x.abs(), y.abs());
    let m = if ax > ay { ax } else { ay };
    ((d != 0.0) & (d.abs() <= 1e-12 * m)) as u64
}

/// All bounds of a band table (`N` of them, lower bound and inclusivity, highest first) in one
/// pass over the chunk: `out[i] = base + Σ_k fail_k(x[i]) · w[k]`, adding in bound order as one
/// pass per bound would (the sums are of integers, exact). Compared exactly on the difference;
/// with `tolerant`, returns whether some row is near some bound ([`near_bound`]): the caller
/// then redoes every bound with [`redo_bound`]. The inner loop is unrolled (`N` is a
/// constant), so the outer one vectorises with the bounds in registers.
// Index loops over `0..len` on re-sliced inputs: the optimiser then drops bounds checks.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
fn band_pass<const N: usize>(
    xv: &[f64],
    bounds: &[(f64, bool)],
    weights: &[f64],
    base: f64,
    tolerant: bool,
    out: &mut [f64],
) -> bool {
    let len = out.len();
    let xv = &xv[..len];
    let m: [f64; N] = std::array::from_fn(|k| bounds[k].0);
    // `x > m` is `x ≥ m⁺` (the next float up): every bound inclusive, one comparison each.
    let lo: [f64; N] = std::array::from_fn(|k| if bounds[k].1 { m[k] } else { m[k].next_up() });
    let tm: [f64; N] = std::array::from_fn(|k| near_bound(m[k]));
    let w: [f64; N] = std::array::from_fn(|k| weights[k]);
    let mut near = false;
    if tolerant {
        for i in 0..len {
            let x = xv[i];
            let mut acc = base;
            let mut nr = false;
            for k in 0..N {
                let d = x - m[k];
                nr |= (d != 0.0) & (d.abs() <= tm[k]);
                acc += if x >= lo[k] { 0.0 } else { w[k] };
            }
            near |= nr;
            out[i] = acc;
        }
    } else {
        for i in 0..len {
            let x = xv[i];
            let mut acc = base;
            for k in 0..N {
                acc += if x >= lo[k] { 0.0 } else { w[k] };
            }
            out[i] = acc;
        }
    }
    near
}

/// Redoes one bound of a band with [`CmpOp::apply`]'s tolerance: undoes the exact count of
/// `fail(x − m)` (weight `w`'s bits) and adds the tolerant one, for every row.
#[inline(always)]
fn redo_bound(xv: &[f64], m: f64, incl: bool, w: u64, out: &mut [f64]) {
    let op = if incl { CmpOp::Ge } else { CmpOp::Gt };
    let fail = |pass: bool| f64::from_bits((!pass as u64).wrapping_neg() & w);
    for (o, &x) in out.iter_mut().zip(xv) {
        let d = x - m;
        let exact = if incl { d >= 0.0 } else { d > 0.0 };
        *o -= fail(exact);
        *o += fail(op.apply(x, m));
    }
}

/// For a constant `m`: a bound `tm` with `near_bit(x − m, x, m) == 1 ⇒ |x − m| ≤ tm`, so that a
/// loop against a constant tests one magnitude instead of two. With `d = x − m` near,
/// `|d| ≤ 1e-12·max(|x|, |m|) ≤ 1e-12·(|m| + |d|)`, so `|d| ≤ 1e-12·|m| / (1 − 1e-12)`; the
/// factor's margin covers the rounding of both products.
#[inline(always)]
fn near_bound(m: f64) -> f64 {
    1.000_001e-12 * m.abs()
}

/// The already evaluated nodes of a chunk, as the kernels read them (a `Copy` view, so that
/// the loops see plain slices of known length).
#[derive(Clone, Copy)]
struct Kids<'a> {
    plan: &'a Plan,
    panel: &'a Panel,
    year: i32,
    start: usize,
    len: usize,
    vals: &'a [f64],
    st: &'a [u8],
    /// Per node: read in place from the panel (a fact).
    ext: &'a [bool],
    clean: &'a [bool],
    /// `len` states [`OK`].
    ok: &'a [u8],
}

impl<'a> Kids<'a> {
    /// A node's values: from the chunk's buffer, or from the panel's column for a fact read
    /// in place.
    #[inline(always)]
    fn vals(self, id: NodeId) -> &'a [f64] {
        let (len, k) = (self.len, id as usize);
        if self.ext[k] {
            return self.fact_in_place(id);
        }
        &self.vals[k * len..(k + 1) * len]
    }
    #[inline(never)]
    fn fact_in_place(self, id: NodeId) -> &'a [f64] {
        match self.column_in_place(id) {
            Values::Wide(v) => &v[self.start..self.start + self.len],
            Values::Narrow(_) => {
                unreachable!("a fact read in place from a narrow column is read only by `arg`")
            }
        }
    }
    /// The panel's column of a fact read in place.
    #[inline(never)]
    fn column_in_place(self, id: NodeId) -> &'a Values {
        match self.plan.ops[id as usize] {
            Op::Fact { field, offset } => self
                .panel
                .column(self.year - offset as i32, field as usize)
                .map(|c| c.values())
                .expect("a fact read in place has a column"),
            _ => unreachable!("only facts are read in place"),
        }
    }
    /// A node's states (exactly `len` of them).
    #[inline(always)]
    fn st(self, id: NodeId) -> &'a [u8] {
        let (len, k) = (self.len, id as usize);
        if self.ext[k] && self.clean[k] {
            &self.ok[..len]
        } else {
            &self.st[k * len..(k + 1) * len]
        }
    }
    /// A node's values (exactly `len` of them) and states.
    #[inline(always)]
    fn ch(self, id: NodeId) -> (&'a [f64], &'a [u8]) {
        (&self.vals(id)[..self.len], self.st(id))
    }
    /// A node as a kernel argument: a constant as a scalar (one register instead of a column
    /// to stream), else its values; a fact read in place from a narrow column as that column's
    /// `i32`s (only comparisons, through [`with_cmp_args`], and sums over years read such a
    /// fact).
    #[inline(always)]
    fn arg(self, id: NodeId) -> Arg<'a> {
        let (len, k) = (self.len, id as usize);
        match self.plan.ops[k] {
            Op::Const(c) if !c.is_nan() => Arg::K(c),
            Op::Fact { .. } if self.ext[k] => match self.column_in_place(id) {
                Values::Wide(v) => Arg::V(&v[self.start..self.start + len]),
                Values::Narrow(v) => Arg::N(&v[self.start..self.start + len]),
            },
            _ => Arg::V(&self.vals[k * len..(k + 1) * len]),
        }
    }
}

/// Hints the CPU to fetch rows `start..start + len` of a column (values, and provenance if any
/// cell is missing) into the second-level cache; rows past the end are skipped.
#[inline(always)]
fn prefetch_next(col: &crate::panel::Column, start: usize, len: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T1, _mm_prefetch};
        let end = (start + len).min(col.prov.len());
        if start >= end {
            return;
        }
        let hint = |ptr: *const u8, bytes: usize| {
            for off in (0..bytes).step_by(64) {
                // SAFETY: a prefetch is only a hint and never faults; `ptr + off` stays inside
                // the slice it was taken from.
                unsafe { _mm_prefetch::<_MM_HINT_T1>(ptr.wrapping_add(off).cast()) };
            }
        };
        match col.values() {
            Values::Wide(v) => hint(v[start..end].as_ptr().cast(), (end - start) * 8),
            Values::Narrow(v) => hint(v[start..end].as_ptr().cast(), (end - start) * 4),
        }
        if col.missing() > 0 {
            hint(col.prov[start..end].as_ptr(), end - start);
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (col, start, len);
}

/// A kernel argument: a constant (a scalar) or a column of the chunk — for comparisons and sums
/// over years also a narrow column of the panel read in place ([`Buffers::narrow_in_place`]).
#[derive(Clone, Copy)]
enum Arg<'a> {
    K(f64),
    V(&'a [f64]),
    N(&'a [i32]),
}

/// Row `i` of a kernel argument; implemented for scalars and columns so that each kernel is
/// compiled for every combination of the two (a constant stays in a register).
trait Lane: Copy {
    fn at(self, i: usize) -> f64;
    /// The first `len` rows (so that the optimiser knows the length and drops bounds checks).
    fn cut(self, len: usize) -> Self;
}
impl Lane for f64 {
    #[inline(always)]
    fn at(self, _: usize) -> f64 {
        self
    }
    #[inline(always)]
    fn cut(self, _: usize) -> f64 {
        self
    }
}
impl Lane for &[f64] {
    #[inline(always)]
    fn at(self, i: usize) -> f64 {
        self[i]
    }
    #[inline(always)]
    fn cut(self, len: usize) -> Self {
        &self[..len]
    }
}
/// A narrow column, widened value by value (exactly: every `i32` is an `f64`).
impl Lane for &[i32] {
    #[inline(always)]
    fn at(self, i: usize) -> f64 {
        self[i] as f64
    }
    #[inline(always)]
    fn cut(self, len: usize) -> Self {
        &self[..len]
    }
}

/// Runs `$body` with `$p`, `$q` bound to the two arguments as [`Lane`]s of their own types
/// (columns of the chunk and constants: narrow columns are read only by comparisons,
/// [`with_cmp_args`], and sums over years).
macro_rules! with_args {
    ($x:expr, $y:expr, |$p:ident, $q:ident| $body:expr) => {
        match ($x, $y) {
            (Arg::V($p), Arg::V($q)) => $body,
            (Arg::V($p), Arg::K($q)) => $body,
            (Arg::K($p), Arg::V($q)) => $body,
            (Arg::K($p), Arg::K($q)) => $body,
            (Arg::N(_), _) | (_, Arg::N(_)) => {
                unreachable!("only comparisons and sums over years read narrow columns")
            }
        }
    };
}
use with_args;

/// [`with_args`] for comparisons, which also read narrow columns in place.
macro_rules! with_cmp_args {
    ($x:expr, $y:expr, |$p:ident, $q:ident| $body:expr) => {
        match ($x, $y) {
            (Arg::N($p), Arg::K($q)) => $body,
            (Arg::K($p), Arg::N($q)) => $body,
            (Arg::N($p), Arg::V($q)) => $body,
            (Arg::V($p), Arg::N($q)) => $body,
            (Arg::N($p), Arg::N($q)) => $body,
            (x, y) => with_args!(x, y, |$p, $q| $body),
        }
    };
}
use with_cmp_args;

/// `out[i] = Σ_k (term k's value where the firm existed in its year, else 0)` for the `n`
/// terms of a `SumYears` (`term(k)`: its argument and year; `fy`: founding years), adding in
/// term order from 0.0. Up to eight terms of columns of one kind (as a sum of one fact over
/// years is) in one pass, the terms unrolled; otherwise a pass per term.
#[inline(always)]
fn sum_years_chunk<'a>(
    n: usize,
    term: impl Fn(usize) -> (Arg<'a>, f64),
    fy: &[f64],
    out: &mut [f64],
) {
    macro_rules! fused {
        ($n:literal, $kind:ident) => {{
            let mut cols = [&[][..]; $n];
            let mut years = [0.0; $n];
            for k in 0..$n {
                match term(k) {
                    (Arg::$kind(c), y) => (cols[k], years[k]) = (c, y),
                    _ => unreachable!("terms of one kind"),
                }
            }
            sum_years_pass::<$n, _>(cols, years, fy, out)
        }};
    }
    let same = |f: fn(&Arg) -> bool| (0..n).all(|k| f(&term(k).0));
    let wide = same(|a| matches!(a, Arg::V(_)));
    let narrow = !wide && same(|a| matches!(a, Arg::N(_)));
    match (n, wide, narrow) {
        (1, true, _) => fused!(1, V),
        (2, true, _) => fused!(2, V),
        (3, true, _) => fused!(3, V),
        (4, true, _) => fused!(4, V),
        (5, true, _) => fused!(5, V),
        (6, true, _) => fused!(6, V),
        (7, true, _) => fused!(7, V),
        (8, true, _) => fused!(8, V),
        (1, _, true) => fused!(1, N),
        (2, _, true) => fused!(2, N),
        (3, _, true) => fused!(3, N),
        (4, _, true) => fused!(4, N),
        (5, _, true) => fused!(5, N),
        (6, _, true) => fused!(6, N),
        (7, _, true) => fused!(7, N),
        (8, _, true) => fused!(8, N),
        _ => {
            out.fill(0.0);
            for k in 0..n {
                let (a, y) = term(k);
                match a {
                    Arg::V(c) => sum_years_add(c, y, fy, out),
                    Arg::N(c) => sum_years_add(c, y, fy, out),
                    Arg::K(c) => sum_years_add(c, y, fy, out),
                }
            }
        }
    }
}

/// One pass of [`sum_years_chunk`] over `N` columns of one kind.
// Index loops over `0..len` on re-sliced inputs: the optimiser then drops bounds checks.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
fn sum_years_pass<const N: usize, L: Lane>(
    cols: [L; N],
    years: [f64; N],
    fy: &[f64],
    out: &mut [f64],
) {
    let len = out.len();
    let fy = &fy[..len];
    let cols = cols.map(|c| c.cut(len));
    for i in 0..len {
        let mut acc = 0.0;
        for k in 0..N {
            // The value where the firm existed that year, else 0.0, as a bit mask.
            let m = ((fy[i] <= years[k]) as u64).wrapping_neg();
            acc += f64::from_bits(cols[k].at(i).to_bits() & m);
        }
        out[i] = acc;
    }
}

/// One term of [`sum_years_chunk`] added to `out`.
// Index loops over `0..len` on re-sliced inputs: the optimiser then drops bounds checks.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
fn sum_years_add<L: Lane>(col: L, year: f64, fy: &[f64], out: &mut [f64]) {
    let len = out.len();
    let (fy, col) = (&fy[..len], col.cut(len));
    for i in 0..len {
        let m = ((fy[i] <= year) as u64).wrapping_neg();
        out[i] += f64::from_bits(col.at(i).to_bits() & m);
    }
}

/// `out[i] = x[i] / y[i]` over the chunk; returns whether every quotient is finite (no zero
/// denominator, no overflow), tested in the same pass from the exponent bits.
// Index loops over `0..len` on re-sliced inputs: the optimiser then drops bounds checks.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
fn div_lanes<X: Lane, Y: Lane>(out: &mut [f64], x: X, y: Y) -> bool {
    const EXP: u64 = 0x7ff0_0000_0000_0000;
    let len = out.len();
    let (x, y) = (x.cut(len), y.cut(len));
    let mut bad = 0u64;
    for i in 0..len {
        let q = x.at(i) / y.at(i);
        bad |= ((q.to_bits() & EXP) == EXP) as u64;
        out[i] = q;
    }
    bad == 0
}

/// `out[i] = f(x[i], y[i])` over the chunk.
// Index loops over `0..len` on re-sliced inputs: the optimiser then drops bounds checks.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
fn lanes2<X: Lane, Y: Lane>(out: &mut [f64], x: X, y: Y, f: impl Fn(f64, f64) -> f64) {
    let len = out.len();
    let (x, y) = (x.cut(len), y.cut(len));
    for i in 0..len {
        out[i] = f(x.at(i), y.at(i));
    }
}

/// `out[i] = if c[i] != 0 { x[i] } else { y[i] }` as a bitwise select (vectorises).
// Index loops over `0..len` on re-sliced inputs: the optimiser then drops bounds checks.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
fn select_lanes<X: Lane, Y: Lane>(out: &mut [f64], c: &[f64], x: X, y: Y) {
    let len = out.len();
    let (c, x, y) = (&c[..len], x.cut(len), y.cut(len));
    for i in 0..len {
        let m = ((c[i] != 0.0) as u64).wrapping_neg();
        out[i] = f64::from_bits((x.at(i).to_bits() & m) | (y.at(i).to_bits() & !m));
    }
}

/// Runs `$body` with `$e` bound to the exact test of comparison `$op` on a difference
/// (`|d| d < 0.0` for `<`, …), a closure of its own type per comparison so that each compiles
/// to its own branch-free loop.
macro_rules! with_exact {
    ($op:expr, |$e:ident| $body:expr) => {
        match $op {
            CmpOp::Lt => {
                let $e = |d: f64| d < 0.0;
                $body
            }
            CmpOp::Le => {
                let $e = |d: f64| d <= 0.0;
                $body
            }
            CmpOp::Gt => {
                let $e = |d: f64| d > 0.0;
                $body
            }
            CmpOp::Ge => {
                let $e = |d: f64| d >= 0.0;
                $body
            }
            CmpOp::Eq => {
                let $e = |d: f64| d == 0.0;
                $body
            }
            CmpOp::Ne => {
                let $e = |d: f64| d != 0.0;
                $body
            }
        }
    };
}

/// 1.0 for true, 0.0 for false, as a bit mask (a comparison's lane mask and'ed with the bits of
/// 1.0: no conversion through an integer, so loops vectorise well).
#[inline(always)]
fn truth(b: bool) -> f64 {
    f64::from_bits((b as u64).wrapping_neg() & 1.0f64.to_bits())
}

/// A comparison over the chunk as 0/1: `ok` holds the operands' states when some are not
/// [`OK`] (a row is then true only if both are OK). The difference is compared exactly, as
/// [`CmpOp::apply`] does first; with `tolerant`, rows whose operands are within its tolerance
/// are redone with `apply` (only if there are any).
#[inline(always)]
fn cmp_lanes<X: Lane, Y: Lane>(
    op: CmpOp,
    x: X,
    y: Y,
    ok: Option<(&[u8], &[u8])>,
    tolerant: bool,
    out: &mut [f64],
) {
    with_exact!(op, |e| cmp_lanes_by(op, e, x, y, ok, tolerant, out))
}

// Index loops over `0..len` on re-sliced inputs: the optimiser then drops bounds checks.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
fn cmp_lanes_by<X: Lane, Y: Lane>(
    op: CmpOp,
    exact: impl Fn(f64) -> bool,
    x: X,
    y: Y,
    ok: Option<(&[u8], &[u8])>,
    tolerant: bool,
    out: &mut [f64],
) {
    let len = out.len();
    let (x, y) = (x.cut(len), y.cut(len));
    let mut near = 0u64;
    match ok {
        None if !tolerant => {
            for i in 0..len {
                out[i] = truth(exact(x.at(i) - y.at(i)));
            }
        }
        None => {
            for i in 0..len {
                let (a, b) = (x.at(i), y.at(i));
                let d = a - b;
                near |= near_bit(d, a, b);
                out[i] = truth(exact(d));
            }
        }
        Some((sa, sb)) => {
            let (sa, sb) = (&sa[..len], &sb[..len]);
            let t = tolerant as u64;
            for i in 0..len {
                let fine = sa[i].max(sb[i]) == OK;
                let (a, b) = (x.at(i), y.at(i));
                let d = a - b;
                near |= near_bit(d, a, b) & t;
                out[i] = truth(fine & exact(d));
            }
        }
    }
    if near != 0 {
        for i in 0..len {
            let fine = ok.is_none_or(|(sa, sb)| sa[i].max(sb[i]) == OK);
            out[i] = truth(fine & op.apply(x.at(i), y.at(i)));
        }
    }
}

/// How an all / any with fused comparisons is evaluated in a chunk.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Junction {
    /// Every other child and every fused comparison's operands are all OK: the comparisons
    /// are computed inline, two-valued.
    Inline,
    /// As `Inline`, but some fused comparison has an operand not all OK, on rows that the
    /// other children already decide; their running and/or is in the `band` scratch.
    Partial,
    /// The fused comparisons are evaluated on their own first, the node reads them as usual.
    Apart,
}

/// A fused comparison (`fused`) with an operand not all OK in the chunk.
#[inline(always)]
fn fused_unclean(kids: Kids, fused: &[bool], c: NodeId) -> bool {
    match &kids.plan.ops[c as usize] {
        Op::Cmp(_, a, b) if fused[c as usize] => {
            !(kids.clean[*a as usize] && kids.clean[*b as usize])
        }
        _ => false,
    }
}

/// The [`Junction`] mode of an all (`is_all`) / any with children `v`. A fused comparison
/// with an operand not all OK still folds in two-valued when, on every row where the operand
/// is not OK, the other children already decide the junction (a failure for an all, a pass
/// for an any) — as `present(x)` does for a condition on `x`: its value there cannot matter.
/// For [`Junction::Partial`] the other children's running and/or is left in `acc`. Inlined
/// into the kernels, so that its loops are compiled for AVX2 with them.
#[inline(always)]
fn junction_mode(
    kids: Kids,
    is_all: bool,
    v: &[NodeId],
    fused: &[bool],
    acc: &mut Vec<f64>,
) -> Junction {
    if !v
        .iter()
        .all(|c| fused[*c as usize] || kids.clean[*c as usize])
    {
        return Junction::Apart;
    }
    let unclean = |c: NodeId| fused_unclean(kids, fused, c);
    if !v.iter().any(|c| unclean(*c)) {
        return Junction::Inline;
    }
    acc.clear();
    acc.resize(kids.len, is_all as u8 as f64);
    fold_junction(kids, is_all, v, |c| fused[c as usize], |c| !unclean(c), acc);
    let mut decided = true;
    for &c in v {
        if let Op::Cmp(_, a, b) = &kids.plan.ops[c as usize]
            && unclean(c)
        {
            decided &= decided_where_not_ok(kids.st(*a), acc, is_all)
                && decided_where_not_ok(kids.st(*b), acc, is_all);
        }
    }
    if decided {
        Junction::Partial
    } else {
        Junction::Apart
    }
}

/// Whether the running and/or `acc` of an all (`is_all`) / any is decided (a failure for an
/// all, a pass for an any) on every row whose state in `st` is not [`OK`].
// Index loops over `0..len` on re-sliced inputs: the optimiser then drops bounds checks.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
fn decided_where_not_ok(st: &[u8], acc: &[f64], is_all: bool) -> bool {
    let len = st.len();
    let acc = &acc[..len];
    let mut open = 0u8;
    for i in 0..len {
        open |= ((st[i] != OK) & ((acc[i] != 0.0) == is_all)) as u8;
    }
    open == 0
}

/// Folds the children `v` of an all (`is_all`) / any for which `take` holds into its running
/// and/or `out`, two-valued: a `fused` comparison computed from its operands, any other child
/// read as its 0/1 values.
#[inline(always)]
fn fold_junction(
    kids: Kids,
    is_all: bool,
    v: &[NodeId],
    fused: impl Fn(NodeId) -> bool,
    take: impl Fn(NodeId) -> bool,
    out: &mut [f64],
) {
    let len = out.len();
    for &c in v {
        if !take(c) {
            continue;
        }
        if let Op::Cmp(op, a, b) = &kids.plan.ops[c as usize]
            && fused(c)
        {
            let (x, y) = (kids.arg(*a), kids.arg(*b));
            with_cmp_args!(x, y, |p, q| fold_cmp(is_all, *op, p, q, out));
            continue;
        }
        let cv = &kids.vals(c)[..len];
        if is_all {
            for i in 0..len {
                out[i] = truth((out[i] != 0.0) & (cv[i] != 0.0));
            }
        } else {
            for i in 0..len {
                out[i] = truth((out[i] != 0.0) | (cv[i] != 0.0));
            }
        }
    }
}

/// `out[i] = out[i] and/or (x[i] op y[i])` for a fused exact comparison (operands integral, so
/// no tolerance; both OK).
#[inline(always)]
fn fold_cmp<X: Lane, Y: Lane>(is_all: bool, op: CmpOp, x: X, y: Y, out: &mut [f64]) {
    with_exact!(op, |e| fold_cmp_by(is_all, e, x, y, out))
}

// Index loops over `0..len` on re-sliced inputs: the optimiser then drops bounds checks.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
fn fold_cmp_by<X: Lane, Y: Lane>(
    is_all: bool,
    exact: impl Fn(f64) -> bool,
    x: X,
    y: Y,
    out: &mut [f64],
) {
    let len = out.len();
    let (x, y) = (x.cut(len), y.cut(len));
    if is_all {
        for i in 0..len {
            out[i] = truth((out[i] != 0.0) & exact(x.at(i) - y.at(i)));
        }
    } else {
        for i in 0..len {
            out[i] = truth((out[i] != 0.0) | exact(x.at(i) - y.at(i)));
        }
    }
}

/// Three-valued `all` / `any` of the children `v` (some of them not all-OK): one failure
/// decides an `all`, one pass decides an `any`, otherwise a missing child makes it missing; an
/// undefined child counts as a failure.
#[inline(always)]
fn all_any_three_valued<'a>(
    is_all: bool,
    v: &[NodeId],
    ch: &impl Fn(NodeId) -> (&'a [f64], &'a [u8]),
    out_v: &mut [f64],
    out_s: &mut [u8],
) {
    let len = out_v.len();
    // Per block of rows: `dec` collects "decided" (a fail for all, a pass for any), `mis`
    // "missing", as bytes on the stack.
    const B: usize = 512;
    let mut lo = 0;
    while lo < len {
        let m = B.min(len - lo);
        let mut dec = [0u8; B];
        let mut mis = [0u8; B];
        let (dec, mis) = (&mut dec[..m], &mut mis[..m]);
        for c in v {
            let (cv, cs) = ch(*c);
            let (cv, cs) = (&cv[lo..lo + m], &cs[lo..lo + m]);
            if is_all {
                for i in 0..m {
                    let truth = (cs[i] == OK) & (cv[i] != 0.0);
                    dec[i] |= ((cs[i] != MISS) & !truth) as u8;
                    mis[i] |= (cs[i] == MISS) as u8;
                }
            } else {
                for i in 0..m {
                    dec[i] |= ((cs[i] == OK) & (cv[i] != 0.0)) as u8;
                    mis[i] |= (cs[i] == MISS) as u8;
                }
            }
        }
        for i in 0..m {
            let decided = dec[i] != 0;
            let miss = (mis[i] != 0) & !decided;
            let truth = if is_all { !decided & !miss } else { decided };
            out_v[lo + i] = truth as u8 as f64;
            out_s[lo + i] = miss as u8 * MISS;
        }
        lo += m;
    }
}

/// Reusable scratch of [`Plan::vtree_verified_chunk`]: per chunk, one mask per fact-year.
#[derive(Debug, Default)]
pub struct VerifyScratch {
    stack: Vec<Vec<u8>>,
    /// (panel, year, start, len) of the chunk the masks belong to.
    key: (usize, i32, usize, usize),
    epoch: u64,
    /// Founding year per row of the chunk.
    founded: Vec<i32>,
    /// Per (offset, field): 1 where the cell is verified or the year predates founding;
    /// current when `stamp` equals `epoch`.
    masks: HashMap<(u8, u16), (u64, Vec<u8>)>,
}

impl VerifyScratch {
    fn mask(
        &mut self,
        panel: &Panel,
        year: i32,
        start: usize,
        len: usize,
        field: u16,
        off: u8,
    ) -> &[u8] {
        let (epoch, fy) = (self.epoch, &self.founded);
        let e = self.masks.entry((off, field)).or_default();
        if e.0 != epoch {
            e.0 = epoch;
            e.1.clear();
            let y = year - off as i32;
            match panel.column(y, field as usize) {
                Some(c) => e.1.extend(
                    c.prov[start..start + len]
                        .iter()
                        .zip(fy)
                        .map(|(p, f)| ((*p == PROV_VERIFIED) | (y < *f)) as u8),
                ),
                None => e.1.extend(fy.iter().map(|f| (y < *f) as u8)),
            }
        }
        &e.1
    }
}

/// Years `ever(e, since)` looks back at most (its `since` is a list's first year, 2021 for the
/// Nanjing lists: enough until 2036).
pub const EVER_YEARS: u8 = 15;

/// The award of a passing row in exact fen: `min(cap, floor(max(0, base) × rate))`, rounded
/// **down** to the fen so that a payment never exceeds what the policy allows
/// ([`crate::file::AWARD_ROUNDING_ZH`]); `None` if an input of the award is missing.
///
/// The base is a sum of facts (whole fen) or, for an excess over an average, a computed value:
/// a computed base is taken down to the fen as well, except that a value within 1e-9 of a whole
/// fen is that fen (binary arithmetic must not cost the firm a fen it is owed).
pub fn award_of(a: &AwardPlan, buf: &Buffers, i: usize) -> Option<i64> {
    let (b, bs) = buf.get(a.base, i);
    if bs != OK {
        return None;
    }
    let amt = award_amount(b, a.rate);
    if let Some(c) = a.cap {
        let (cv, cs) = buf.get(c, i);
        if cs != OK {
            return None;
        }
        return Some(amt.min(cv.floor() as i64));
    }
    Some(amt)
}

/// `floor(max(0, base) × num / den)` in fen, exact for whole-fen bases.
pub fn award_amount(base: f64, (num, den): (i64, i64)) -> i64 {
    let near = base.round();
    let whole = if (base - near).abs() <= 1e-9 * near.abs().max(1.0) {
        near
    } else {
        base.floor()
    };
    let base = (whole as i64).max(0) as i128;
    let (num, den) = (num as i128, den as i128);
    // Rates are positive rationals; a negative one would only come from a sign in the file.
    let p = base * num;
    let q = p.div_euclid(den);
    q.clamp(0, i64::MAX as i128) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::file::parse_file;
    use crate::panel::FirmAttrs;
    use gaoxin_model::{Provenance, Sector};
    use std::path::Path;

    fn file(body: &str) -> RuleFile {
        let head = r#"
id = "t"
name = "测试"
version = "1"
document = "无"
issuer = "无"
effective_from = "2020-01-01"
source = "test"
status = "CONFIRMED"
kind = "qualification"
"#;
        parse_file(Path::new("t.toml"), &format!("{head}{body}")).unwrap()
    }

    fn one_firm(founded: &str) -> Panel {
        let mut p = Panel::new(2021, 2024);
        p.push_firm(&FirmAttrs {
            uscc: "X".into(),
            name: "x".into(),
            park: "p".into(),
            founded: Date::parse(founded).unwrap(),
            sector: Sector::Services,
            listing: Listing::Unlisted,
            tech_field_ok: true,
            sme_class: 0,
        });
        p
    }

    /// The three evaluation paths — one row (scalar), a short chunk (portable loops) and a long
    /// chunk (AVX2 where the CPU has it) — give every node the same state, and the same value
    /// where the state is OK, on random firms with missing, declared and verified cells, under
    /// both assumptions, also with a what-if cell override.
    #[test]
    fn row_and_chunk_evaluation_agree_on_every_node() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/rules");
        let files = crate::load_dir(&dir).expect("rule files load");
        let (plan, skipped) = compile_for_run(&files, crate::default_as_of(2024));
        assert!(skipped.is_empty());
        // With missing cells, and complete (every column then skips its provenance bytes).
        for missing in [0.05, 0.0] {
            agree_on_every_node(&plan, missing);
        }
    }

    /// [`row_and_chunk_evaluation_agree_on_every_node`] on one synthetic panel: a long chunk
    /// (with AVX2 where the CPU has it), the same with facts read in place from the panel, 7-row
    /// chunks (portable build) and single rows must give every node the same state, and the
    /// same value where the state is OK.
    fn agree_on_every_node(plan: &Plan, missing: f64) {
        let mut panel = crate::synth::generate(300, 2019, 2024, 11, missing, 0.6);
        // Zero denominators, so that undefined values occur too.
        for row in (0..panel.len()).step_by(13) {
            for f in [gaoxin_model::F::Revenue, gaoxin_model::F::Employees] {
                panel.set(
                    row,
                    2023 - (row % 2) as i32,
                    f,
                    Some(0),
                    &Provenance::Declared,
                );
            }
        }
        let nodes = &plan.all_nodes;
        let same = |a: (f64, u8), b: (f64, u8)| {
            a.1 == b.1 && (a.1 != OK || a.0.to_bits() == b.0.to_bits() || a.0 == b.0)
        };
        let revenue = gaoxin_model::F::Revenue as u16;
        for pick in [Pick::Lo, Pick::Hi] {
            for over in [None, Some(3.0e9)] {
                let mut long = Buffers::default();
                let mut short = Buffers::default();
                let mut in_place = Buffers::default();
                long.cell_override = over.map(|v| (revenue, 2024, 17, v));
                short.cell_override = long.cell_override;
                in_place.cell_override = long.cell_override;
                in_place.in_place = plan
                    .ops
                    .iter()
                    .map(|op| matches!(op, Op::Fact { .. }))
                    .collect();
                // Facts only compared are read in place from narrow columns too.
                in_place.narrow_in_place = crate::batch::narrow_in_place(plan, nodes, &[]);
                plan.eval_chunk(&panel, 2024, 0, panel.len(), nodes, pick, &mut long);
                plan.eval_chunk(&panel, 2024, 0, panel.len(), nodes, pick, &mut in_place);
                let is_fact = |n: NodeId| matches!(plan.ops[n as usize], Op::Fact { .. });
                assert!(
                    nodes
                        .iter()
                        .any(|n| is_fact(*n) && in_place.ext[*n as usize]),
                    "facts were read in place"
                );
                let narrow = |n: NodeId| match plan.ops[n as usize] {
                    Op::Fact { field, offset } => matches!(
                        panel
                            .column(2024 - offset as i32, field as usize)
                            .map(|c| c.values()),
                        Some(Values::Narrow(_))
                    ),
                    _ => false,
                };
                assert!(
                    nodes
                        .iter()
                        .any(|n| narrow(*n) && in_place.ext[*n as usize]),
                    "facts were read in place from narrow columns"
                );
                let mut checked = 0;
                for row in 0..panel.len() {
                    if row % 7 == 0 {
                        let len = 7.min(panel.len() - row);
                        plan.eval_chunk(&panel, 2024, row, len, nodes, pick, &mut short);
                    }
                    let mut one = Buffers {
                        cell_override: long.cell_override,
                        ..Buffers::default()
                    };
                    plan.eval_chunk(&panel, 2024, row, 1, nodes, pick, &mut one);
                    for &n in nodes {
                        let l = long.get(n, row);
                        let s = short.get(n, row % 7);
                        let o = one.get(n, 0);
                        assert!(
                            same(l, o),
                            "node {n} {:?} row {row}: chunk {l:?} row {o:?}",
                            plan.ops[n as usize]
                        );
                        assert!(
                            same(l, s),
                            "node {n} {:?} row {row}: long {l:?} short {s:?}",
                            plan.ops[n as usize]
                        );
                        if !in_place.ext[n as usize] {
                            let p = in_place.get(n, row);
                            assert!(
                                same(l, p),
                                "node {n} {:?} row {row}: copied {l:?} in place {p:?}",
                                plan.ops[n as usize]
                            );
                        }
                        checked += 1;
                    }
                    assert_eq!(one.clean.len(), plan.ops.len());
                }
                assert!(checked > 100_000);
            }
        }
        // The data exercise every state (missing ones only where cells are missing).
        let mut b = Buffers::default();
        plan.eval_chunk(&panel, 2024, 0, panel.len(), nodes, Pick::Lo, &mut b);
        for state in [OK, UNDEF, MISS] {
            if state != MISS || missing > 0.0 {
                assert!(b.st.contains(&state), "state {state} occurs");
            }
        }
    }

    fn eval(plan: &Plan, p: &Panel, node: NodeId) -> (f64, u8) {
        let mut b = Buffers::default();
        plan.eval_chunk(p, 2024, 0, 1, &plan.all_nodes, Pick::Lo, &mut b);
        b.get(node, 0)
    }

    #[test]
    fn missing_is_unknown_and_a_fail_decides_all() {
        let f = file(
            r#"
[[conditions]]
id = "a"
zh = "a"
expr = "employees <= 500"
[[conditions]]
id = "b"
zh = "b"
expr = "revenue <= 2亿元"
[outcome]
label = "x"
eligible = "all(a, b)"
"#,
        );
        let plan = compile(
            std::slice::from_ref(&f),
            Date::new(2025, 6, 30).unwrap(),
            &Overrides::new(),
        )
        .unwrap();
        let mut p = one_firm("2010-01-01");
        let e = plan.rules[0].eligible;
        assert_eq!(eval(&plan, &p, e).1, MISS, "both missing → unknown");
        p.set(0, 2024, F::Employees, Some(600), &Provenance::Declared);
        assert_eq!(
            eval(&plan, &p, e),
            (0.0, OK),
            "a fail decides even with b unknown"
        );
        p.set(0, 2024, F::Employees, Some(100), &Provenance::Declared);
        assert_eq!(eval(&plan, &p, e).1, MISS);
        p.set(
            0,
            2024,
            F::Revenue,
            Some(20_000_000_000),
            &Provenance::Declared,
        );
        assert_eq!(eval(&plan, &p, e), (1.0, OK), "2亿 exactly passes 不超过");
    }

    #[test]
    fn sums_skip_years_before_founding_but_not_missing_years() {
        let f = file(
            r#"
[[vars]]
name = "s"
zh = "s"
expr = "sum(rd_expense, 3)"
[outcome]
label = "x"
eligible = "s > 0"
"#,
        );
        let plan = compile(
            std::slice::from_ref(&f),
            Date::new(2025, 6, 30).unwrap(),
            &Overrides::new(),
        )
        .unwrap();
        let s = plan.rules[0].items[0].node;
        let mut p = one_firm("2023-05-01");
        p.set(0, 2023, F::RdExpense, Some(5), &Provenance::Declared);
        p.set(0, 2024, F::RdExpense, Some(7), &Provenance::Declared);
        assert_eq!(eval(&plan, &p, s), (12.0, OK));
        let mut q = one_firm("2015-01-01");
        q.set(0, 2023, F::RdExpense, Some(5), &Provenance::Declared);
        q.set(0, 2024, F::RdExpense, Some(7), &Provenance::Declared);
        assert_eq!(
            eval(&plan, &q, s).1,
            MISS,
            "2022 is an operating year without data"
        );
    }

    /// A cut-point written 「以下」 belongs to the lower band, 「以上」 to its own band and an
    /// unnamed one to the higher band by default; the table's two switches change each.
    #[test]
    fn cut_wording_decides_inclusivity_and_switches_change_it() {
        let f = file(
            r#"
[[params]]
name = "named"
zh = "按措辞"
unit = "flag"
values = [{ from = "2020-01-01", value = 1 }]
[[params]]
name = "high"
zh = "未指明归较高档"
unit = "flag"
values = [{ from = "2020-01-01", value = 1 }]
[[tables]]
name = "debt"
zh = "资产负债率"
named_cut = "named"
unnamed_cut = "high"
bands = [
  { label = "C（75%以上）", min = 75, min_unit = "%", cut = "以上", points = 0 },
  { label = "B2（60%–75%）", min = 60, min_unit = "%", cut = "区间", points = 3 },
  { label = "B（55%–60%）", min = 55, min_unit = "%", cut = "以下", points = 5 },
  { label = "A（55%以下）", points = 10 },
]
[outcome]
label = "x"
eligible = "band(debt, total_liabilities / total_assets) > 0"
"#,
        );
        let pts = |named: f64, high: f64, x: f64| {
            let mut ov = Overrides::new();
            ov.insert(("t".into(), "named".into()), named);
            ov.insert(("t".into(), "high".into()), high);
            let plan = compile(
                std::slice::from_ref(&f),
                Date::new(2025, 1, 1).unwrap(),
                &ov,
            )
            .unwrap();
            let t = plan.tables.iter().find(|t| t.name == "debt").unwrap();
            t.bands[t.band_of(x)].2
        };
        // Statutory reading: 55% is A (「55%以下」), 75% is C (「75%以上」), 60% goes up.
        assert_eq!(pts(1.0, 1.0, 0.55), 10.0);
        assert_eq!(pts(1.0, 1.0, 0.550001), 5.0);
        assert_eq!(pts(1.0, 1.0, 0.75), 0.0);
        assert_eq!(pts(1.0, 1.0, 0.60), 3.0);
        // Unnamed cut-points to the lower band: only 60% moves.
        assert_eq!(pts(1.0, 0.0, 0.60), 5.0);
        assert_eq!(pts(1.0, 0.0, 0.55), 10.0);
        assert_eq!(pts(1.0, 0.0, 0.75), 0.0);
        // Wording ignored: every cut-point follows the unnamed rule.
        assert_eq!(pts(0.0, 1.0, 0.55), 5.0);
        assert_eq!(pts(0.0, 0.0, 0.75), 3.0);
        assert_eq!(pts(0.0, 0.0, 0.55), 10.0);
        // A cut wording that is not one of the three is a load error naming the table.
        let bad = format!(
            "{}",
            parse_file(
                Path::new("t.toml"),
                r#"
id = "t"
name = "测试"
version = "1"
document = "无"
issuer = "无"
effective_from = "2020-01-01"
source = "test"
status = "CONFIRMED"
kind = "qualification"
[[tables]]
name = "debt"
zh = "x"
bands = [{ label = "A", min = 1, cut = "含", points = 1 }, { label = "B", points = 0 }]
[outcome]
label = "x"
eligible = "1 > 0"
"#
            )
            .unwrap_err()
        );
        assert!(
            bad.contains("分档表「debt」") && bad.contains("以上 / 以下 / 区间"),
            "{bad}"
        );
    }

    fn compile_errors(f: &RuleFile, as_of: Date) -> Vec<LoadError> {
        compile(std::slice::from_ref(f), as_of, &Overrides::new()).unwrap_err()
    }

    #[test]
    fn compile_errors_name_the_line() {
        let f = file(
            r#"
[[vars]]
name = "a"
zh = "a"
expr = "b + 1"
[[vars]]
name = "b"
zh = "b"
expr = "a * 2"
[outcome]
label = "x"
eligible = "a > 0"
"#,
        );
        let e = compile_errors(&f, Date::new(2025, 1, 1).unwrap());
        assert!(e[0].msg.contains("循环引用"), "{}", e[0]);
        assert!(e[0].line >= 12, "{}", e[0]);
        let f = file(
            r#"
[outcome]
label = "x"
eligible = "revenu > 0"
"#,
        );
        let e = compile_errors(&f, Date::new(2025, 1, 1).unwrap());
        assert!(e[0].msg.contains("未知的变量「revenu」"), "{}", e[0]);
        assert_eq!(e[0].line, 14);
        let f = file(
            r#"
[[params]]
name = "cap"
zh = "上限"
unit = "万元"
values = [{ from = "2024-01-01", value = 200 }]
[outcome]
label = "x"
eligible = "revenue > cap"
"#,
        );
        let e = compile_errors(&f, Date::new(2023, 1, 1).unwrap());
        assert!(e[0].msg.contains("没有生效的取值"), "{}", e[0]);
        assert_eq!(e[0].line, 13);
        let plan = compile(
            std::slice::from_ref(&f),
            Date::new(2024, 1, 1).unwrap(),
            &Overrides::new(),
        )
        .unwrap();
        assert_eq!(
            plan.ops
                .iter()
                .filter(|o| matches!(o, Op::Const(v) if *v == 200_000_000.0))
                .count(),
            1
        );
    }

    /// `root3` is within one unit in the last place of the cube root everywhere (checked
    /// against libm's `cbrt`, itself within one), exact for perfect cubes, and handles zero,
    /// subnormal, huge, infinite and negative inputs; `pow` routes 1/2 and 1/3 to the roots.
    #[test]
    fn cube_roots_are_accurate_and_exact_for_perfect_cubes() {
        let ulps = |a: f64, b: f64| (a.to_bits() as i64 - b.to_bits() as i64).abs();
        let mut x = 1e-310f64;
        let mut worst = 0;
        while x < 1e308 {
            for k in 0..50 {
                let v = x * (1.0 + k as f64 / 37.0);
                worst = worst.max(ulps(root3(v), v.cbrt()));
                if (f64::MIN_POSITIVE..=1e300).contains(&v) {
                    assert_eq!(root3_regular(v).to_bits(), root3(v).to_bits(), "{v:e}");
                }
            }
            x *= 1.37;
        }
        assert!(worst <= 1, "at most one ulp from cbrt, was {worst}");
        for k in 1..=200_000i64 {
            assert_eq!(root3((k * k * k) as f64), k as f64, "{k}³");
        }
        for e in -340..=340 {
            let (k, p) = (7.0f64, 2.0f64.powi(e));
            let c = k * k * k * p * p * p;
            if c.is_normal() {
                assert_eq!(root3(c), k * p, "(7·2^{e})³");
            }
        }
        assert_eq!(root3(0.125), 0.5);
        assert_eq!(root3(0.0).to_bits(), 0.0f64.to_bits());
        assert_eq!(root3(-0.0).to_bits(), 0.0f64.to_bits());
        assert_eq!(root3(f64::INFINITY), f64::INFINITY);
        assert!(root3(-8.0).is_nan() && root3(f64::NAN).is_nan());
        assert_eq!(pow(1.728, 1.0 / 3.0), root3(1.728));
        assert_eq!(pow(2.25, 0.5), 1.5);
        assert!(pow(-4.0, 0.5).is_nan());
        assert_eq!(pow(2.0, 10.0), 1024.0);
        // cagr of revenue growing 1000 → 8000 over three years is exactly 100 %.
        assert_eq!(pow(8000.0 / 1000.0, 1.0 / 3.0) - 1.0, 1.0);
    }

    /// The branch-free years-since kernel agrees with `Date::from_int` + `whole_years_until`
    /// (and `UNDEF` for what `from_int` rejects) on every day of 1899–2201, on 29 February of
    /// leap and common years, on month 0 / 13 and day 0 / 32, on negative and huge values, for
    /// several as-of dates; inputs that are not OK keep their state.
    #[test]
    fn years_since_kernel_agrees_with_dates() {
        let mut vals: Vec<f64> = Vec::new();
        for y in 1899..=2201i64 {
            for m in 0..=13i64 {
                for d in 0..=32i64 {
                    vals.push((y * 10_000 + m * 100 + d) as f64);
                }
            }
        }
        vals.extend([
            0.0,
            -1.0,
            -20200101.0,
            99_999_999.0,
            2.0e9,
            4.0e12,
            1e15 + 101.0,
        ]);
        let st: Vec<u8> = (0..vals.len())
            .map(|i| [OK, OK, OK, MISS, UNDEF][i % 5])
            .collect();
        for as_of in [
            (2024, 12, 31),
            (2024, 2, 29),
            (2023, 2, 28),
            (2000, 3, 1),
            (2100, 1, 1),
        ] {
            let as_of = Date::new(as_of.0, as_of.1, as_of.2).unwrap();
            let (mut v, mut s) = (vec![7.0; vals.len()], vec![9u8; vals.len()]);
            years_since_lanes(&vals, &st, as_of, &mut v, &mut s);
            for i in 0..vals.len() {
                let want = if st[i] != OK {
                    (0.0, st[i])
                } else {
                    match Date::from_int(vals[i] as i64) {
                        Some(d) => (d.whole_years_until(as_of) as f64, OK),
                        None => (0.0, UNDEF),
                    }
                };
                assert_eq!((v[i], s[i]), want, "{} as of {as_of}", vals[i]);
            }
        }
    }

    /// The chunk kernel of band tables gives every value the points of `CTable::points`:
    /// tables of 1 to 10 bounds (one pass, and a pass per bound beyond eight), inclusive and
    /// exclusive bounds, additive (integral points, descending bounds) and not (fractional
    /// points, a repeated bound), on values at a bound, one float either side, within and just
    /// outside the comparison tolerance, and far away; tolerant or exact as the kernel is
    /// called.
    #[test]
    fn band_chunks_agree_with_points() {
        let mut seed = 7u64;
        let mut rnd = move || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut scratch = Vec::new();
        for n in 1..=10usize {
            for variant in 0..4 {
                let frac = variant % 2 == 1;
                let mut bands: Vec<(Option<f64>, bool, f64, String)> = (0..n)
                    .map(|k| {
                        let m = if variant >= 2 {
                            0.3 - 0.025 * k as f64
                        } else {
                            (40 - 5 * k as i64) as f64
                        };
                        let pts = if frac {
                            10.5 - k as f64 * 0.75
                        } else {
                            (20 - 2 * k as i64) as f64
                        };
                        (Some(m), (k + variant) % 3 != 0, pts, format!("b{k}"))
                    })
                    .collect();
                if frac && n > 2 {
                    bands[2].0 = bands[1].0; // not strictly descending: not additive
                }
                bands.push((None, true, 0.0, "rest".into()));
                let t = CTable::new("t".into(), "t".into(), Status::Confirmed, bands, -1.0);
                assert_eq!(t.additive, !frac, "variant {variant}");
                let mut xs = Vec::new();
                for &(m, _) in &t.bounds {
                    xs.extend([
                        m,
                        m.next_up(),
                        m.next_down(),
                        m * (1.0 + 5e-13),
                        m * (1.0 - 5e-13),
                    ]);
                    xs.extend([m * (1.0 + 3e-12), m * (1.0 - 3e-12), m + 0.5, m - 0.5]);
                }
                while xs.len() < 1000 {
                    xs.push(rnd() * 50.0 - 5.0);
                }
                for tolerant in [false, true] {
                    let mut out = vec![0.0; xs.len()];
                    t.points_chunk(&xs, tolerant, &mut out, &mut scratch);
                    for (x, got) in xs.iter().zip(&out) {
                        // Without the tolerance the kernel compares exactly.
                        let want = if tolerant {
                            t.points(*x)
                        } else {
                            let failed = t
                                .bounds
                                .iter()
                                .filter(|(m, incl)| !(if *incl { *x >= *m } else { *x > *m }))
                                .count();
                            t.pts[failed]
                        };
                        assert_eq!(
                            *got, want,
                            "{n} bounds, variant {variant}, x = {x:e}, tolerant {tolerant}"
                        );
                    }
                }
            }
        }
    }

    /// Sums over years give the same values in one pass (columns of one kind, up to eight
    /// terms) as term by term (mixed kinds, constants, more terms): years before founding are
    /// left out, the rest added in term order.
    #[test]
    fn sums_over_years_agree_in_every_form() {
        let len = 300;
        let fy: Vec<f64> = (0..len).map(|i| 2015.0 + (i % 12) as f64).collect();
        let narrow: Vec<Vec<i32>> = (0..10)
            .map(|k| {
                (0..len)
                    .map(|i| ((i * 7 + k * 13) % 50) as i32 - 10)
                    .collect()
            })
            .collect();
        let wide: Vec<Vec<f64>> = narrow
            .iter()
            .map(|c| c.iter().map(|x| *x as f64 * 1.25).collect())
            .collect();
        for n in 1..=10usize {
            for kinds in 0..4 {
                // 0 all wide, 1 all narrow, 2 mixed, 3 mixed with a constant
                let arg = |k: usize| -> (Arg, f64) {
                    let year = 2024.0 - k as f64;
                    let a = match (kinds, k % 3) {
                        (0, _) | (2, 0) => Arg::V(&wide[k]),
                        (3, 2) => Arg::K(2.5),
                        _ => Arg::N(&narrow[k]),
                    };
                    (a, year)
                };
                let mut out = vec![f64::NAN; len];
                sum_years_chunk(n, arg, &fy, &mut out);
                for i in 0..len {
                    let mut want = 0.0;
                    for k in 0..n {
                        let (a, year) = arg(k);
                        let v = match a {
                            Arg::V(c) => c[i],
                            Arg::N(c) => c[i] as f64,
                            Arg::K(c) => c,
                        };
                        if fy[i] <= year {
                            want += v;
                        }
                    }
                    assert_eq!(out[i], want, "{n} terms, kinds {kinds}, row {i}");
                }
            }
        }
    }

    #[test]
    fn rational_rates_are_exact() {
        assert_eq!(rational(0.05), Some((5, 100)));
        assert_eq!(rational(0.5), Some((5, 10)));
        assert_eq!(rational(1.0), Some((1, 1)));
    }
}
