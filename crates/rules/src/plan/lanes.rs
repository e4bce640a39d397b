//! Loops over the rows of a chunk that the kernels are built from (branch-free, so that
//! they vectorise): state reductions, band tables, sums over years, comparisons, junctions.
use super::*;

/// Whether every state of a chunk is [`OK`] (an or-reduction: branch-free, vectorises).
#[inline(always)]
pub(super) fn all_ok(s: &[u8]) -> bool {
    s.iter().fold(0u8, |a, x| a | x) == 0
}

/// Whether every value is finite (no infinity, no NaN), from the exponent bits.
#[inline(always)]
pub(super) fn all_finite(v: &[f64]) -> bool {
    pub(super) const EXP: u64 = 0x7ff0_0000_0000_0000;
    v.iter()
        .fold(0u64, |a, x| a | ((x.to_bits() & EXP) == EXP) as u64)
        == 0
}

/// 1 when `x` and `y` differ (`d = x − y`) by no more than the relative tolerance of
/// [`CmpOp::apply`], so that the exact result may not be the tolerant one.
#[inline(always)]
pub(super) fn near_bit(d: f64, x: f64, y: f64) -> u64 {
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
pub(super) fn band_pass<const N: usize>(
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
pub(super) fn redo_bound(xv: &[f64], m: f64, incl: bool, w: u64, out: &mut [f64]) {
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
pub(super) fn near_bound(m: f64) -> f64 {
    1.000_001e-12 * m.abs()
}

/// The already evaluated nodes of a chunk, as the kernels read them (a `Copy` view, so that
/// the loops see plain slices of known length).
#[derive(Clone, Copy)]
pub(super) struct Kids<'a> {
    pub(super) plan: &'a Plan,
    pub(super) panel: &'a Panel,
    pub(super) year: i32,
    pub(super) start: usize,
    pub(super) len: usize,
    pub(super) vals: &'a [f64],
    pub(super) st: &'a [u8],
    /// Per node: read in place from the panel (a fact).
    pub(super) ext: &'a [bool],
    pub(super) clean: &'a [bool],
    /// `len` states [`OK`].
    pub(super) ok: &'a [u8],
}

impl<'a> Kids<'a> {
    /// A node's values: from the chunk's buffer, or from the panel's column for a fact read
    /// in place.
    #[inline(always)]
    pub(super) fn vals(self, id: NodeId) -> &'a [f64] {
        let (len, k) = (self.len, id as usize);
        if self.ext[k] {
            return self.fact_in_place(id);
        }
        &self.vals[k * len..(k + 1) * len]
    }
    #[inline(never)]
    pub(super) fn fact_in_place(self, id: NodeId) -> &'a [f64] {
        match self.column_in_place(id) {
            Values::Wide(v) => &v[self.start..self.start + self.len],
            Values::Narrow(_) => {
                unreachable!("a fact read in place from a narrow column is read only by `arg`")
            }
        }
    }
    /// The panel's column of a fact read in place.
    #[inline(never)]
    pub(super) fn column_in_place(self, id: NodeId) -> &'a Values {
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
    pub(super) fn st(self, id: NodeId) -> &'a [u8] {
        let (len, k) = (self.len, id as usize);
        if self.ext[k] && self.clean[k] {
            &self.ok[..len]
        } else {
            &self.st[k * len..(k + 1) * len]
        }
    }
    /// A node's values (exactly `len` of them) and states.
    #[inline(always)]
    pub(super) fn ch(self, id: NodeId) -> (&'a [f64], &'a [u8]) {
        (&self.vals(id)[..self.len], self.st(id))
    }
    /// A node as a kernel argument: a constant as a scalar (one register instead of a column
    /// to stream), else its values; a fact read in place from a narrow column as that column's
    /// `i32`s (only comparisons, through [`with_cmp_args`], and sums over years read such a
    /// fact).
    #[inline(always)]
    pub(super) fn arg(self, id: NodeId) -> Arg<'a> {
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
pub(super) fn prefetch_next(col: &crate::panel::Column, start: usize, len: usize) {
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
pub(super) enum Arg<'a> {
    K(f64),
    V(&'a [f64]),
    N(&'a [i32]),
}

/// Row `i` of a kernel argument; implemented for scalars and columns so that each kernel is
/// compiled for every combination of the two (a constant stays in a register).
pub(super) trait Lane: Copy {
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
pub(super) use with_args;

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
pub(super) use with_cmp_args;

/// `out[i] = Σ_k (term k's value where the firm existed in its year, else 0)` for the `n`
/// terms of a `SumYears` (`term(k)`: its argument and year; `fy`: founding years), adding in
/// term order from 0.0. Up to eight terms of columns of one kind (as a sum of one fact over
/// years is) in one pass, the terms unrolled; otherwise a pass per term.
#[inline(always)]
pub(super) fn sum_years_chunk<'a>(
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
pub(super) fn sum_years_pass<const N: usize, L: Lane>(
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
pub(super) fn sum_years_add<L: Lane>(col: L, year: f64, fy: &[f64], out: &mut [f64]) {
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
pub(super) fn div_lanes<X: Lane, Y: Lane>(out: &mut [f64], x: X, y: Y) -> bool {
    pub(super) const EXP: u64 = 0x7ff0_0000_0000_0000;
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
pub(super) fn lanes2<X: Lane, Y: Lane>(out: &mut [f64], x: X, y: Y, f: impl Fn(f64, f64) -> f64) {
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
pub(super) fn select_lanes<X: Lane, Y: Lane>(out: &mut [f64], c: &[f64], x: X, y: Y) {
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
pub(super) fn truth(b: bool) -> f64 {
    f64::from_bits((b as u64).wrapping_neg() & 1.0f64.to_bits())
}

/// A comparison over the chunk as 0/1: `ok` holds the operands' states when some are not
/// [`OK`] (a row is then true only if both are OK). The difference is compared exactly, as
/// [`CmpOp::apply`] does first; with `tolerant`, rows whose operands are within its tolerance
/// are redone with `apply` (only if there are any).
#[inline(always)]
pub(super) fn cmp_lanes<X: Lane, Y: Lane>(
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
pub(super) fn cmp_lanes_by<X: Lane, Y: Lane>(
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
pub(super) enum Junction {
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
pub(super) fn fused_unclean(kids: Kids, fused: &[bool], c: NodeId) -> bool {
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
pub(super) fn junction_mode(
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
pub(super) fn decided_where_not_ok(st: &[u8], acc: &[f64], is_all: bool) -> bool {
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
pub(super) fn fold_junction(
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
pub(super) fn fold_cmp<X: Lane, Y: Lane>(is_all: bool, op: CmpOp, x: X, y: Y, out: &mut [f64]) {
    with_exact!(op, |e| fold_cmp_by(is_all, e, x, y, out))
}

// Index loops over `0..len` on re-sliced inputs: the optimiser then drops bounds checks.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
pub(super) fn fold_cmp_by<X: Lane, Y: Lane>(
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
pub(super) fn all_any_three_valued<'a>(
    is_all: bool,
    v: &[NodeId],
    ch: &impl Fn(NodeId) -> (&'a [f64], &'a [u8]),
    out_v: &mut [f64],
    out_s: &mut [u8],
) {
    let len = out_v.len();
    // Per block of rows: `dec` collects "decided" (a fail for all, a pass for any), `mis`
    // "missing", as bytes on the stack.
    pub(super) const B: usize = 512;
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

impl CTable {
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
    pub(super) fn points_chunk(
        &self,
        xv: &[f64],
        tolerant: bool,
        out: &mut [f64],
        scratch: &mut Vec<f64>,
    ) {
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
