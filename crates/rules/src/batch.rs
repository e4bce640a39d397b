//! Batch evaluation of a whole year: every firm of a panel × every rule of a plan, column-at-a-time
//! over chunks of rows, split across threads with `std::thread::scope`.
//!
//! For each rule and firm it keeps the verdict, whether the verdict depends on the expert-score
//! assumption, whether every input used is verified (免申即享), the award in exact fen and the
//! normalised distance to qualifying ([`crate::ladder::distance`]). The values come from the same
//! nodes and kernels as [`crate::explain`].
use crate::panel::Panel;
use crate::plan::{Buffers, EvalOptions, NodeId, Pick, Plan, Verdict, award_of};

/// Rows per chunk: large enough to amortise dispatch, small enough to stay in cache.
pub const CHUNK: usize = 512;

/// One rule's results for every firm.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RuleResult {
    pub rule: String,
    pub verdict: Vec<Verdict>,
    /// The verdict differs under the other expert-score assumption.
    pub assumption_dependent: Vec<bool>,
    /// Eligible and every input used verified.
    pub verified: Vec<bool>,
    /// Award in fen for eligible firms when computable.
    pub award: Vec<Option<i64>>,
    /// Normalised shortfall; 0 for eligible firms. Computed in batch for ladder rules (those with
    /// a rung); NaN for others ([`crate::ladder::nearest`] computes those on demand).
    pub distance: Vec<f32>,
}

impl RuleResult {
    fn new(rule: &str, n: usize) -> RuleResult {
        RuleResult {
            rule: rule.to_string(),
            verdict: vec![Verdict::Unknown; n],
            assumption_dependent: vec![false; n],
            verified: vec![false; n],
            award: vec![None; n],
            distance: vec![f32::NAN; n],
        }
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

/// One rule's results for the rows of one thread: slices of the final vectors, written in place
/// (no per-thread copies to merge afterwards).
struct Out<'a> {
    verdict: &'a mut [Verdict],
    assumption_dependent: &'a mut [bool],
    verified: &'a mut [bool],
    award: &'a mut [Option<i64>],
    distance: &'a mut [f32],
}

#[allow(clippy::needless_range_loop)]
fn eval_range(
    plan: &Plan,
    panel: &Panel,
    year: i32,
    opts: &EvalOptions,
    lo: usize,
    hi: usize,
    out: &mut [Out],
) {
    let pick: Pick = opts.assumption.into();
    let other = if pick == Pick::Lo { Pick::Hi } else { Pick::Lo };
    let nodes = plan.batch_nodes();
    let manual_nodes: Vec<NodeId> = {
        let mut v: Vec<NodeId> = plan
            .rules
            .iter()
            .flat_map(|r| r.manual_nodes.iter().copied())
            .filter(|n| nodes.binary_search(n).is_ok())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let mut buf = Buffers::default();
    let mut verified_buf = vec![false; CHUNK];
    let mut dist_buf = vec![0.0f64; CHUNK];
    let mut start = lo;
    while start < hi {
        let len = CHUNK.min(hi - start);
        // Every node once under the chosen assumption; all outputs are read from that pass.
        plan.eval_chunk(panel, year, start, len, &nodes, pick, &mut buf);
        for (ri, r) in plan.rules.iter().enumerate() {
            let res = &mut out[ri];
            let verified = &mut verified_buf[..len];
            let base = start - lo;
            let mut any_pass = false;
            for i in 0..len {
                let (v, s) = buf.get(r.eligible, i);
                let verdict = Verdict::of(v, s);
                res.verdict[base + i] = verdict;
                any_pass |= verdict == Verdict::Pass;
            }
            if any_pass {
                plan.vtree_verified_chunk(&r.vtree, panel, year, start, &buf, verified);
            }
            let dist = &mut dist_buf[..len];
            if r.rung.is_some() {
                crate::ladder::distance_chunk(plan, r.eligible, &buf, dist);
            }
            for i in 0..len {
                let k = base + i;
                if res.verdict[k] == Verdict::Pass {
                    res.distance[k] = 0.0;
                    res.verified[k] = verified[i];
                    if let Some(a) = &r.award {
                        res.award[k] = award_of(a, &buf, i);
                    }
                } else if r.rung.is_some() {
                    res.distance[k] = dist[i] as f32;
                }
            }
        }
        if !manual_nodes.is_empty() {
            // Then only the nodes that depend on an expert-scored item, under the other
            // assumption (their inputs are unchanged), to flag assumption-dependent verdicts.
            plan.eval_chunk(panel, year, start, len, &manual_nodes, other, &mut buf);
            for (ri, r) in plan.rules.iter().enumerate() {
                if r.manual_nodes.is_empty() {
                    continue;
                }
                let res = &mut out[ri];
                for i in 0..len {
                    let k = start - lo + i;
                    let (v, s) = buf.get(r.eligible, i);
                    res.assumption_dependent[k] = Verdict::of(v, s) != res.verdict[k];
                }
            }
        }
        start += len;
    }
}

/// Evaluates every rule of `plan` for every firm of `panel` in fiscal `year`, on `threads` threads.
pub fn evaluate_with(
    plan: &Plan,
    panel: &Panel,
    year: i32,
    opts: &EvalOptions,
    threads: usize,
) -> BatchResult {
    let n = panel.len();
    let threads = threads.max(1).min(n.max(1));
    let per = n.div_ceil(threads).max(1);
    let mut rules: Vec<RuleResult> = plan
        .rules
        .iter()
        .map(|r| RuleResult::new(&r.id, n))
        .collect();
    // outs[t][rule]: thread t's rows of every rule's vectors.
    let mut outs: Vec<Vec<Out>> = (0..threads).map(|_| Vec::new()).collect();
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
    std::thread::scope(|s| {
        for (t, mut out) in outs.into_iter().enumerate() {
            let (lo, hi) = ((t * per).min(n), ((t + 1) * per).min(n));
            s.spawn(move || eval_range(plan, panel, year, opts, lo, hi, &mut out));
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
