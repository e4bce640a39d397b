//! The plan's intermediate representation: nodes ([`Op`]) over facts, attributes and
//! constants, band tables, and the compiled rules, items and verification trees.
use super::*;

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

pub(super) const ATTRS: &[(&str, Attr, Unit, &str)] = &[
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
    pub(super) fn key(&self) -> String {
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
    pub(super) pts: Vec<f64>,
    /// (lower bound, inclusive) of the bands that have a bound, for the columnar kernel.
    pub(super) bounds: Vec<(f64, bool)>,
    /// Every bound is an integer (an integral value then compares with them exactly).
    pub(super) integral_bounds: bool,
    /// Points are integers (at most 2^52) and bounds strictly descending: failing bound `k`
    /// adds `weights[k] = pts[k+1] − pts[k]` (exact) to `pts[0]`. Otherwise every weight is 1
    /// and the kernel counts failed bounds, then selects the points by band index.
    pub(super) additive: bool,
    pub(super) weights: Vec<f64>,
}

/// 2^63: integral values up to this magnitude are held exactly (see `integral_bounds`).
pub(super) const TWO_63: f64 = 9_223_372_036_854_775_808.0;

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
    /// Points for a value: the band index is the number of bounds it fails (bands are ordered
    /// by descending lower bound), as the columnar kernel counts it.
    #[inline]
    pub(super) fn points(&self, x: f64) -> f64 {
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

/// Years `ever(e, since)` looks back at most (its `since` is a list's first year, 2021 for the
/// Nanjing lists: enough until 2036).
pub const EVER_YEARS: u8 = 15;
