//! Batch evaluation of a whole year: every firm of a panel × every rule of a plan, column-at-a-time
//! over chunks of rows, split across threads with `std::thread::scope`.
//!
//! For each rule and firm it keeps the verdict, whether the verdict depends on the expert-score
//! assumption, whether every input used is verified (免申即享), the award in exact fen and the
//! normalised distance to qualifying ([`crate::distance::distance`]) — or, with
//! [`Outputs::VerdictsAndAwards`], only the verdicts and awards. The values come from the same
//! nodes as [`crate::explain`].
use std::sync::Mutex;

use crate::panel::Panel;
use crate::plan::{Buffers, EvalOptions, NodeId, Pick, Plan, Verdict, VerifyScratch, award_of};

/// Rows per chunk: large enough to amortise dispatch, small enough to stay in cache.
pub const CHUNK: usize = 1024;

/// Rows per block, the unit of work a thread takes.
const BLOCK: usize = 16 * CHUNK;

/// A block of rows (`lo..hi`) with its slices of every rule's result vectors.
type Block<'a> = (usize, usize, Vec<Out<'a>>);

/// One rule's results for every firm.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RuleResult {
    pub rule: String,
    pub verdict: Vec<Verdict>,
    /// The verdict differs under the other expert-score assumption. This and the next two are
    /// empty when the batch computed [`Outputs::VerdictsAndAwards`] only.
    pub assumption_dependent: Vec<bool>,
    /// Eligible and every input used verified.
    pub verified: Vec<bool>,
    /// Award in fen for eligible firms when computable; empty for a rule without an award (read
    /// it with [`RuleResult::award_at`]).
    pub award: Vec<Option<i64>>,
    /// Normalised shortfall; 0 for eligible firms. Computed in batch for ladder rules (those with
    /// a rung); NaN for others ([`crate::ladder::nearest`] computes those on demand).
    pub distance: Vec<f32>,
}

impl RuleResult {
    fn new(rule: &str, n: usize, has_award: bool, outputs: Outputs) -> RuleResult {
        let full = outputs == Outputs::Full;
        let n_if = |yes: bool| if yes { n } else { 0 };
        RuleResult {
            rule: rule.to_string(),
            verdict: vec![Verdict::Unknown; n],
            assumption_dependent: vec![false; n_if(full)],
            verified: vec![false; n_if(full)],
            award: vec![None; n_if(has_award)],
            distance: vec![f32::NAN; n_if(full)],
        }
    }
    /// The award of row `row` in fen (`None` when not eligible, not computable or the rule has
    /// no award).
    pub fn award_at(&self, row: usize) -> Option<i64> {
        self.award.get(row).copied().flatten()
    }
    pub fn count(&self, v: Verdict) -> usize {
        self.verdict.iter().filter(|x| **x == v).count()
    }
}

/// All rules for all firms of one year.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BatchResult {
    pub year: i32,
    pub as_of: String,
    pub options: EvalOptions,
    pub rules: Vec<RuleResult>,
}

impl BatchResult {
    pub fn rule(&self, id: &str) -> Option<&RuleResult> {
        self.rules.iter().find(|r| r.rule == id)
    }
}

/// What a batch computes per firm and rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outputs {
    /// Verdicts, awards, whether each verdict depends on the expert-score assumption, whether
    /// it rests on verified inputs only (免申即享) and the distance to qualifying (ladder rules).
    Full,
    /// Verdicts and awards only — what a peer engine such as OpenFisca computes.
    VerdictsAndAwards,
}

/// One rule's results for the rows of one thread: slices of the final vectors, written in place
/// (no per-thread copies to merge afterwards).
struct Out<'a> {
    verdict: &'a mut [Verdict],
    assumption_dependent: &'a mut [bool],
    verified: &'a mut [bool],
    award: &'a mut [Option<i64>],
    distance: &'a mut [f32],
}

/// What every thread of one batch evaluates, worked out once per batch.
struct Prepared {
    /// The nodes evaluated on their own, ascending (constants and fused comparisons left out).
    nodes: Vec<NodeId>,
    /// Of those, the nodes depending on an expert-scored item.
    manual_nodes: Vec<NodeId>,
    /// Per node: a fact read in place ([`Buffers::in_place`]).
    in_place: Vec<bool>,
    /// Per node: of those, read in place from a narrow column too
    /// ([`Buffers::narrow_in_place`]).
    narrow_in_place: Vec<bool>,
    /// Per node: a comparison evaluated inside its all/any ([`Buffers::fused`]).
    fused: Vec<bool>,
}

impl Prepared {
    fn new(plan: &Plan, outputs: Outputs) -> Prepared {
        let read = externally_read(plan, outputs);
        let (fused, mut nodes) =
            fused_comparisons(plan, &plan.batch_nodes(outputs == Outputs::Full), &read);
        // Constants are written into the buffers once (`Plan::prepare`), not per chunk.
        nodes.retain(|n| !matches!(plan.ops[*n as usize], crate::plan::Op::Const(_)));
        let mut manual_nodes: Vec<NodeId> = plan
            .rules
            .iter()
            .flat_map(|r| r.manual_nodes.iter().copied())
            .filter(|n| nodes.binary_search(n).is_ok())
            .collect();
        manual_nodes.sort_unstable();
        manual_nodes.dedup();
        let narrow_in_place = narrow_in_place(plan, &nodes, &fused);
        Prepared {
            nodes,
            manual_nodes,
            in_place: in_place_facts(plan, &read),
            narrow_in_place,
            fused,
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn eval_range(
    plan: &Plan,
    panel: &Panel,
    year: i32,
    opts: &EvalOptions,
    blocks: &Mutex<Vec<Block>>,
    outputs: Outputs,
    prep: &Prepared,
) {
    let full = outputs == Outputs::Full;
    let pick: Pick = opts.assumption.into();
    let other = if pick == Pick::Lo { Pick::Hi } else { Pick::Lo };
    let (nodes, manual_nodes) = (&prep.nodes, &prep.manual_nodes);
    let mut buf = Buffers::for_batch(
        prep.in_place.clone(),
        prep.narrow_in_place.clone(),
        prep.fused.clone(),
    );
    let mut scratch = Scratch::default();
    loop {
        let Some((lo, hi, mut out)) = blocks.lock().unwrap_or_else(|e| e.into_inner()).pop() else {
            break;
        };
        let mut start = lo;
        while start < hi {
            let len = CHUNK.min(hi - start);
            // Every node once under the chosen assumption; all outputs are read from that pass.
            plan.eval_chunk(panel, year, start, len, nodes, pick, &mut buf);
            let base = start - lo;
            for (r, res) in plan.rules.iter().zip(out.iter_mut()) {
                record_chunk(
                    plan,
                    r,
                    panel,
                    year,
                    start,
                    base,
                    &buf,
                    res,
                    full,
                    &mut scratch,
                );
            }
            if full && !manual_nodes.is_empty() {
                // Then only the nodes that depend on an expert-scored item, under the other
                // assumption (their inputs are unchanged), to flag assumption-dependent verdicts.
                plan.eval_chunk(panel, year, start, len, manual_nodes, other, &mut buf);
                for (r, res) in plan.rules.iter().zip(out.iter_mut()) {
                    if r.manual_nodes.is_empty() {
                        continue;
                    }
                    for i in 0..len {
                        let (v, s) = buf.get(r.eligible, i);
                        res.assumption_dependent[base + i] =
                            Verdict::of(v, s) != res.verdict[base + i];
                    }
                }
            }
            start += len;
        }
    }
}

/// Reusable scratch of [`record_chunk`].
#[derive(Default)]
struct Scratch {
    verified: Vec<bool>,
    distance: Vec<f64>,
    distance_scratch: Vec<Vec<f64>>,
    verify: VerifyScratch,
}

/// One rule's outputs for the chunk of rows `start..start + buf.len` just evaluated into
/// `buf`, written at `base` of the block's slices `res`: verdicts, awards, and with `full`
/// whether each pass rests on verified inputs and the distance to qualifying.
#[allow(clippy::needless_range_loop, clippy::too_many_arguments)]
fn record_chunk(
    plan: &Plan,
    r: &crate::plan::RulePlan,
    panel: &Panel,
    year: i32,
    start: usize,
    base: usize,
    buf: &Buffers,
    res: &mut Out,
    full: bool,
    scratch: &mut Scratch,
) {
    let len = buf.len;
    let k = r.eligible as usize * len;
    let (ev, es) = (&buf.vals[k..k + len], &buf.st[k..k + len]);
    let verdict = &mut res.verdict[base..base + len];
    let (some_pass, all_pass) = Verdict::of_chunk(ev, es, verdict);
    if let Some(a) = &r.award
        && some_pass
    {
        for i in 0..len {
            if verdict[i] == Verdict::Pass {
                res.award[base + i] = award_of(a, buf, i);
            }
        }
    }
    if !full {
        return;
    }
    if some_pass {
        scratch.verified.resize(len, false);
        let verified = &mut scratch.verified[..len];
        plan.vtree_verified_chunk(
            &r.vtree,
            panel,
            year,
            start,
            buf,
            verified,
            &mut scratch.verify,
        );
        for i in 0..len {
            res.verified[base + i] = verified[i] & (verdict[i] == Verdict::Pass);
        }
    }
    let dist = &mut res.distance[base..base + len];
    if r.rung.is_none() {
        // Distances of other rules are computed on demand (`ladder::nearest`); a pass is 0.
        for i in 0..len {
            if verdict[i] == Verdict::Pass {
                dist[i] = 0.0;
            }
        }
    } else if all_pass {
        dist.fill(0.0);
    } else {
        scratch.distance.resize(len, 0.0);
        let d = &mut scratch.distance[..len];
        crate::distance::distance_chunk(plan, r.eligible, buf, d, &mut scratch.distance_scratch);
        for i in 0..len {
            dist[i] = if verdict[i] == Verdict::Pass {
                0.0
            } else {
                d[i] as f32
            };
        }
    }
}

/// Exact comparisons (integral operands: no tolerance) whose only consumer among `nodes` is an
/// `all` / `any` and that no code here reads: they are evaluated inside that consumer
/// ([`Buffers::fused`]) instead of being written out as a column of 0/1 and read back. Returns
/// the per-node flags and `nodes` without them.
fn fused_comparisons(plan: &Plan, nodes: &[NodeId], read: &[bool]) -> (Vec<bool>, Vec<NodeId>) {
    use crate::plan::Op;
    let n = plan.ops.len();
    // (consumers among `nodes`, whether the last one is an all / any)
    let mut uses = vec![(0u32, false); n];
    for &p in nodes {
        let junction = matches!(plan.ops[p as usize], Op::All(_) | Op::Any(_));
        for c in plan.ops[p as usize].children() {
            let u = &mut uses[c as usize];
            *u = (u.0 + 1, junction);
        }
    }
    let mut fused = vec![false; n];
    for &c in nodes {
        if let Op::Cmp(_, a, b) = plan.ops[c as usize] {
            fused[c as usize] = uses[c as usize] == (1, true)
                && plan.exact[a as usize]
                && plan.exact[b as usize]
                && !read[c as usize];
        }
    }
    let rest = nodes
        .iter()
        .copied()
        .filter(|c| !fused[*c as usize])
        .collect();
    (fused, rest)
}

/// Per node: read from the chunk's buffer by the code here (outside the kernels): each rule's
/// eligibility, its award's base and cap, and with [`Outputs::Full`] the alternatives of its
/// verification tree and what [`crate::distance::distance_chunk`] reads for rung rules (the
/// operands of comparisons under the eligibility's all/any).
fn externally_read(plan: &Plan, outputs: Outputs) -> Vec<bool> {
    use crate::plan::Op;
    fn distance_reads(ops: &[Op], n: NodeId, out: &mut Vec<NodeId>) {
        out.push(n);
        match &ops[n as usize] {
            Op::All(c) | Op::Any(c) => c.iter().for_each(|x| distance_reads(ops, *x, out)),
            Op::Cmp(_, a, b) => out.extend([*a, *b]),
            _ => {}
        }
    }
    let mut read = Vec::new();
    for r in &plan.rules {
        r.batch_reads(outputs == Outputs::Full, &mut read);
        if outputs == Outputs::Full && r.rung.is_some() {
            distance_reads(&plan.ops, r.eligible, &mut read);
        }
    }
    let mut out = vec![false; plan.ops.len()];
    for n in read {
        out[n as usize] = true;
    }
    out
}

/// Per node: a fact that the kernels may read in place from the panel (no copy into the
/// chunk's buffer) because no code here reads it from the buffer (`read`, from
/// [`externally_read`]).
fn in_place_facts(plan: &Plan, read: &[bool]) -> Vec<bool> {
    plan.ops
        .iter()
        .zip(read)
        .map(|(op, read)| matches!(op, crate::plan::Op::Fact { .. }) && !read)
        .collect()
}

/// Per node: a fact every consumer of which among the evaluated `nodes` and the `fused`
/// comparisons is a comparison or a sum over years. These read their operands only through
/// `Kids::arg`, so such a fact may be read in place from a narrow column
/// ([`Buffers::narrow_in_place`]; facts read outside the kernels are not read in place at
/// all, [`in_place_facts`]).
pub(crate) fn narrow_in_place(plan: &Plan, nodes: &[NodeId], fused: &[bool]) -> Vec<bool> {
    use crate::plan::Op;
    let n = plan.ops.len();
    let mut ok = vec![true; n];
    let mut used = vec![false; n];
    let fused_nodes = (0..n as NodeId).filter(|c| fused.get(*c as usize) == Some(&true));
    for p in nodes.iter().copied().chain(fused_nodes) {
        let cmp = matches!(plan.ops[p as usize], Op::Cmp(..) | Op::SumYears(_));
        for c in plan.ops[p as usize].children() {
            used[c as usize] = true;
            ok[c as usize] &= cmp;
        }
    }
    (0..n)
        .map(|k| matches!(plan.ops[k], Op::Fact { .. }) && used[k] && ok[k])
        .collect()
}

/// Evaluates every rule of `plan` for every firm of `panel` in fiscal `year`, on `threads` threads.
pub fn evaluate_with(
    plan: &Plan,
    panel: &Panel,
    year: i32,
    opts: &EvalOptions,
    threads: usize,
) -> BatchResult {
    evaluate_outputs(plan, panel, year, opts, threads, Outputs::Full)
}

/// [`evaluate_with`], computing only `outputs`.
pub fn evaluate_outputs(
    plan: &Plan,
    panel: &Panel,
    year: i32,
    opts: &EvalOptions,
    threads: usize,
    outputs: Outputs,
) -> BatchResult {
    let n = panel.len();
    // Threads take blocks of rows from a shared list until it is empty, so that a thread slowed
    // down by the machine's other work does not hold up the run.
    let per = BLOCK;
    let n_blocks = n.div_ceil(per);
    let threads = threads.max(1).min(n_blocks.max(1));
    let mut rules: Vec<RuleResult> = plan
        .rules
        .iter()
        .map(|r| RuleResult::new(&r.id, n, r.award.is_some(), outputs))
        .collect();
    // outs[b][rule]: block b's rows of every rule's vectors.
    let mut outs: Vec<Vec<Out>> = (0..n_blocks).map(|_| Vec::new()).collect();
    for r in rules.iter_mut() {
        let mut verdict = r.verdict.chunks_mut(per);
        let mut dep = r.assumption_dependent.chunks_mut(per);
        let mut verified = r.verified.chunks_mut(per);
        let mut award = r.award.chunks_mut(per);
        let mut distance = r.distance.chunks_mut(per);
        for o in outs.iter_mut() {
            o.push(Out {
                verdict: verdict.next().unwrap_or_default(),
                assumption_dependent: dep.next().unwrap_or_default(),
                verified: verified.next().unwrap_or_default(),
                award: award.next().unwrap_or_default(),
                distance: distance.next().unwrap_or_default(),
            });
        }
    }
    let blocks: Vec<Block> = outs
        .into_iter()
        .enumerate()
        .map(|(b, out)| ((b * per).min(n), ((b + 1) * per).min(n), out))
        .rev()
        .collect();
    let blocks = Mutex::new(blocks);
    let prep = Prepared::new(plan, outputs);
    std::thread::scope(|s| {
        for _ in 0..threads {
            let (blocks, prep) = (&blocks, &prep);
            s.spawn(move || eval_range(plan, panel, year, opts, blocks, outputs, prep));
        }
    });
    BatchResult {
        year,
        as_of: plan.as_of.to_string(),
        options: *opts,
        rules,
    }
}

/// [`evaluate_with`] on as many threads as the machine offers (at most 8).
pub fn evaluate(plan: &Plan, panel: &Panel, year: i32, opts: &EvalOptions) -> BatchResult {
    let t = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8);
    evaluate_with(plan, panel, year, opts, t)
}
