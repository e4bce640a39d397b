//! Distance to qualifying (sorts the nearest-to-qualify list; batch keeps it for rung rules):
//! the normalised shortfall of the outcome's condition tree. A failed comparison `a op b` contributes `min(1, |b − a| / |b|)` (1 when
//! `b` is 0), at least [`MIN_FAILED`] (a strict 超过 failed at the threshold itself); a failed
//! non-numeric test (a flag, listing status) contributes 1; a missing input contributes 1 (it
//! must be supplied before anything else); `all` sums its children, `any` takes its smallest
//! child; a passing node contributes 0. So 0.2 reads "20 % short on one threshold", and 1.3 "one
//! condition missing entirely plus 30 % short on another". Only a failed verdict has a distance
//! in the lists ([`crate::ladder::nearest`]): a firm whose verdict is unknown is listed apart
//! ([`crate::ladder::undecided`]).
use crate::plan::{Buffers, MISS, NodeId, OK, Op, Plan};

/// The distance of a failed comparison whose operands are equal (a strict 超过 / 低于 at the
/// threshold itself): small but not 0, so that no failing firm reads as qualifying (0 is a pass).
pub const MIN_FAILED: f64 = 1e-9;

/// `|b − a| / |b|` within `[MIN_FAILED, 1]` (1 when not a number).
#[inline(always)]
fn rel_gap(a: f64, b: f64) -> f64 {
    let r = (b - a).abs() / b.abs();
    if r.is_nan() {
        1.0
    } else {
        r.clamp(MIN_FAILED, 1.0)
    }
}

/// Normalised shortfall of node `n` for row `i` of an evaluated chunk (see the module docs).
pub fn distance(plan: &Plan, n: NodeId, buf: &Buffers, i: usize) -> f64 {
    let (v, s) = buf.get(n, i);
    if s == OK && v != 0.0 {
        return 0.0;
    }
    if s == MISS && !matches!(plan.ops[n as usize], Op::All(_) | Op::Any(_)) {
        return 1.0;
    }
    match &plan.ops[n as usize] {
        Op::All(c) => c.iter().map(|x| distance(plan, *x, buf, i)).sum(),
        Op::Any(c) => c
            .iter()
            .map(|x| distance(plan, *x, buf, i))
            .fold(f64::INFINITY, f64::min),
        Op::Cmp(_, a, b) => {
            let (av, as_) = buf.get(*a, i);
            let (bv, bs) = buf.get(*b, i);
            if as_ != OK || bs != OK || bv == 0.0 {
                1.0
            } else {
                rel_gap(av, bv)
            }
        }
        _ => 1.0,
    }
}

/// [`distance`] for the rows `0..out.len()` of an evaluated chunk at once, column by column
/// (the same arithmetic in the same order, so the same values). `scratch` holds one buffer per
/// nesting level, reused from chunk to chunk.
pub(crate) fn distance_chunk(
    plan: &Plan,
    n: NodeId,
    buf: &Buffers,
    out: &mut [f64],
    scratch: &mut Vec<Vec<f64>>,
) {
    let len = out.len();
    let k = n as usize * buf.len;
    let (v, s) = (&buf.vals[k..k + len], &buf.st[k..k + len]);
    let clean = |x: NodeId| buf.clean.get(x as usize).copied().unwrap_or(false);
    let op = &plan.ops[n as usize];
    match op {
        Op::All(c) | Op::Any(c) => {
            let all = matches!(op, Op::All(_));
            out.fill(if all { 0.0 } else { f64::INFINITY });
            let mut tmp = scratch.pop().unwrap_or_default();
            tmp.resize(len, 0.0);
            for x in c {
                distance_chunk(plan, *x, buf, &mut tmp[..len], scratch);
                if all {
                    out.iter_mut().zip(&tmp).for_each(|(o, t)| *o += t);
                } else {
                    out.iter_mut().zip(&tmp).for_each(|(o, t)| *o = o.min(*t));
                }
            }
            scratch.push(tmp);
        }
        Op::Cmp(_, a, b) => {
            let (ka, kb) = (*a as usize * buf.len, *b as usize * buf.len);
            let (av, as_) = (&buf.vals[ka..ka + len], &buf.st[ka..ka + len]);
            let (bv, bs) = (&buf.vals[kb..kb + len], &buf.st[kb..kb + len]);
            if clean(*a) && clean(*b) {
                for i in 0..len {
                    let r = rel_gap(av[i], bv[i]);
                    out[i] = if bv[i] == 0.0 { 1.0 } else { r };
                }
            } else {
                for i in 0..len {
                    out[i] = if as_[i] != OK || bs[i] != OK || bv[i] == 0.0 {
                        1.0
                    } else {
                        rel_gap(av[i], bv[i])
                    };
                }
            }
        }
        _ => out.fill(1.0),
    }
    if clean(n) {
        // A passing row is at distance 0: a bit mask, so that the loop vectorises.
        for i in 0..len {
            let keep = ((v[i] == 0.0) as u64).wrapping_neg();
            out[i] = f64::from_bits(out[i].to_bits() & keep);
        }
    } else {
        let junction = matches!(op, Op::All(_) | Op::Any(_));
        for i in 0..len {
            if s[i] == OK && v[i] != 0.0 {
                out[i] = 0.0;
            } else if s[i] == MISS && !junction {
                out[i] = 1.0;
            }
        }
    }
}
