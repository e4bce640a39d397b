//! Column-at-a-time evaluation of a chunk of rows (batch): the entry point, the AVX2 build
//! chosen at run time and the portable one.
use super::*;

impl Plan {
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
    pub(super) fn prepare(&self, len: usize, buf: &mut Buffers) {
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

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    #[allow(clippy::too_many_arguments)]
    pub(super) fn eval_chunk_avx2(
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
    ///
    /// One function per family of nodes below, all `#[inline(always)]`: they are compiled into
    /// this function, so into [`Plan::eval_chunk_avx2`] with AVX2 enabled too (a function not
    /// inlined would be compiled for the baseline CPU only).
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    pub(super) fn eval_chunk_impl(
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
        let cell_override = buf.cell_override;
        // Founding year of each row (as f64, for branch-free selects), computed on first use.
        let mut fy = std::mem::take(&mut buf.founded_year);
        let mut band = std::mem::take(&mut buf.band);
        let mut fy_ready = false;
        for &node in nodes {
            let junction =
                self.junction_of(panel, year, start, len, node, pick, buf, &mut fy, &mut band);
            let o = node as usize * len;
            let (vb, rest_v) = buf.vals.split_at_mut(o);
            let (sb, rest_s) = buf.st.split_at_mut(o);
            let (eb, rest_e) = buf.ext.split_at_mut(node as usize);
            let out = Out {
                v: &mut rest_v[..len],
                s: &mut rest_s[..len],
            };
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
            let mut in_place = false;
            let op = &self.ops[node as usize];
            let is_clean = match op {
                // Written by `prepare`; a NaN constant (missing) there has state MISS.
                Op::Const(c) => !c.is_nan(),
                Op::Fact { field, offset } => {
                    let reads = FactReads {
                        cell_override,
                        prefetch: buf.prefetch,
                        in_place: buf.in_place.get(node as usize) == Some(&true),
                        narrow_in_place: buf.narrow_in_place.get(node as usize) == Some(&true),
                    };
                    let (clean, here) = fact_chunk(kids, *field, *offset, reads, out);
                    in_place = here;
                    clean
                }
                Op::Attr(a, off) => attr_chunk(kids, *a, *off, self.as_of, out),
                Op::Manual { slot, lo, hi } => {
                    let entered = panel.manual.get(&self.manual_keys[*slot as usize]);
                    manual_chunk(kids, entered, *lo, *hi, pick, out)
                }
                Op::Neg(_)
                | Op::Not(_)
                | Op::Floor(_)
                | Op::Abs(_)
                | Op::Present(_)
                | Op::YearsSince(_)
                | Op::DaysSince(_) => unary_chunk(kids, op, self.as_of, out),
                Op::Bin(bop, a, b) => bin_chunk(kids, *bop, *a, *b, out),
                Op::Cmp(cop, a, b) => {
                    // Integral operands compare exactly (`Plan::exact`).
                    let tolerant = !(self.exact[*a as usize] && self.exact[*b as usize])
                        || cell_override.is_some();
                    cmp_chunk(kids, *cop, *a, *b, tolerant, out)
                }
                Op::All(v) | Op::Any(v) => {
                    let is_all = matches!(op, Op::All(_));
                    junction_chunk(kids, is_all, v, junction, &buf.fused, &band, out)
                }
                Op::Min(v) | Op::Max(v) => min_max_chunk(kids, matches!(op, Op::Min(_)), v, out),
                Op::If(c, a, b) => if_chunk(kids, *c, *a, *b, out),
                Op::SumYears(terms) => {
                    founded_years(panel, start, len, &mut fy, &mut fy_ready);
                    sum_years_node(kids, terms, &fy[..len], out)
                }
                Op::OpYears { n, offset } => {
                    founded_years(panel, start, len, &mut fy, &mut fy_ready);
                    op_years_chunk(year, *n, *offset, &fy[..len], out)
                }
                Op::Band { table, x } => {
                    let t = &self.tables[*table as usize];
                    // Integral values against integral bounds compare exactly.
                    let tolerant =
                        !(self.exact[*x as usize] && t.integral_bounds) || cell_override.is_some();
                    band_chunk(kids, t, *x, tolerant, &mut band, out)
                }
            };
            rest_e[0] = in_place;
            buf.clean[node as usize] = is_clean;
        }
        buf.founded_year = fy;
        buf.band = band;
    }

    /// How `node`, an all / any with fused comparisons, folds them: inline when it can
    /// (`Plan::junction`); otherwise they are evaluated on their own first and the node reads
    /// them as usual ([`Junction::Apart`], also for every other node).
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn junction_of(
        &self,
        panel: &Panel,
        year: i32,
        start: usize,
        len: usize,
        node: NodeId,
        pick: Pick,
        buf: &mut Buffers,
        fy: &mut Vec<f64>,
        band: &mut Vec<f64>,
    ) -> Junction {
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
            if buf.cell_override.is_none() {
                junction = junction_mode(kids, is_all, v, &buf.fused, band);
            }
            if junction == Junction::Apart {
                buf.founded_year = std::mem::take(fy);
                for c in v {
                    if buf.fused[*c as usize] {
                        let one = std::slice::from_ref(c);
                        self.eval_chunk(panel, year, start, len, one, pick, buf);
                    }
                }
                *fy = std::mem::take(&mut buf.founded_year);
            }
        }
        junction
    }
}

/// A node's rows in the chunk's buffers: values and states, written by its kernel.
struct Out<'a> {
    v: &'a mut [f64],
    s: &'a mut [u8],
}

/// The founding year of each row of the chunk (`fy`), computed once per chunk.
#[inline(always)]
fn founded_years(panel: &Panel, start: usize, len: usize, fy: &mut Vec<f64>, ready: &mut bool) {
    if !*ready {
        fy.clear();
        fy.extend(
            // `d / 10000` rounds toward zero as integer division does, and is
            // exact for integers below 2^53 (a quotient is never within 1e-4 of an
            // integer it is not); the floating-point division vectorises.
            panel.founded[start..start + len]
                .iter()
                .map(|d| (*d as f64 / 10_000.0).trunc()),
        );
        *ready = true;
    }
}

/// What a fact node may do beyond copying its column: the batch's per-node flags.
#[derive(Clone, Copy)]
struct FactReads {
    cell_override: Option<(u16, i32, usize, f64)>,
    prefetch: bool,
    /// The fact may be read in place (wide columns).
    in_place: bool,
    /// … also from a narrow column.
    narrow_in_place: bool,
}

/// A fact: its column's rows (or nothing, read in place), states from the provenance bytes.
/// Returns (clean, read in place).
#[inline(always)]
#[allow(clippy::needless_range_loop)]
fn fact_chunk(kids: Kids, field: u16, offset: u8, reads: FactReads, out: Out) -> (bool, bool) {
    let Out { v: out_v, s: out_s } = out;
    let (panel, start, len) = (kids.panel, kids.start, kids.len);
    let y = kids.year - offset as i32;
    let cell_override = reads.cell_override;
    let overridden = cell_override.is_some_and(|(f, oy, row, _)| {
        f == field && oy == y && (start..start + len).contains(&row)
    });
    let mut in_place = false;
    let mut clean = match panel.column(y, field as usize) {
        Some(col) => {
            let prov = &col.prov[start..start + len];
            if reads.prefetch {
                prefetch_next(col, start + len, len);
            }
            match col.values() {
                Values::Wide(_) if !overridden && reads.in_place => {
                    in_place = true;
                }
                Values::Wide(v) => out_v.copy_from_slice(&v[start..start + len]),
                Values::Narrow(_) if !overridden && reads.in_place && reads.narrow_in_place => {
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
                && prov.iter().fold(0u8, |a, p| a | (*p == PROV_MISSING) as u8) != 0;
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
        && f == field
        && oy == y
        && (start..start + len).contains(&row)
    {
        out_v[row - start] = v;
        out_s[row - start] = OK;
        clean = all_ok(out_s);
    }
    (clean, in_place)
}

/// A firm attribute (sector, listing, founding date, …) widened to values.
#[inline(always)]
fn attr_chunk(kids: Kids, a: Attr, off: u8, as_of: Date, out: Out) -> bool {
    let Out { v: out_v, s: out_s } = out;
    let (panel, year) = (kids.panel, kids.year);
    let rows = kids.start..kids.start + kids.len;
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
        Attr::AsOf => out_v.fill(as_of.to_int() as f64),
        Attr::DataFrom => {
            for (o, x) in out_v.iter_mut().zip(&panel.data_from[rows]) {
                *o = *x as f64;
            }
        }
        Attr::Year => out_v.fill((year - off as i32) as f64),
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

/// An expert-scored item: the entered score, else `lo` or `hi` by assumption.
#[inline(always)]
fn manual_chunk(
    kids: Kids,
    entered: Option<&Vec<f64>>,
    lo: NodeId,
    hi: NodeId,
    pick: Pick,
    out: Out,
) -> bool {
    let Out { v: out_v, s: out_s } = out;
    let (start, len) = (kids.start, kids.len);
    let (lv, ls) = kids.ch(lo);
    let (hv, hs) = kids.ch(hi);
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

/// The one-child nodes: negation, not, floor, abs, present, years and days since a date.
#[inline(always)]
#[allow(clippy::needless_range_loop)]
fn unary_chunk(kids: Kids, op: &Op, as_of: Date, out: Out) -> bool {
    let Out { v: out_v, s: out_s } = out;
    let len = kids.len;
    let cl = |id: NodeId| kids.clean[id as usize];
    match op {
        Op::Neg(a) => {
            let (av, as_) = kids.ch(*a);
            for i in 0..len {
                out_v[i] = -av[i];
            }
            out_s.copy_from_slice(as_);
            cl(*a)
        }
        Op::Not(a) => {
            let (av, as_) = kids.ch(*a);
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
        Op::Floor(a) | Op::Abs(a) => {
            let f = matches!(op, Op::Floor(_));
            let (av, as_) = kids.ch(*a);
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
        Op::Present(a) => {
            let (_, as_) = kids.ch(*a);
            for i in 0..len {
                out_v[i] = (as_[i] == OK) as u8 as f64;
            }
            out_s.fill(OK);
            true
        }
        Op::YearsSince(a) => {
            let (av, as_) = kids.ch(*a);
            years_since_lanes(av, as_, as_of, out_v, out_s);
            all_ok(out_s)
        }
        Op::DaysSince(a) => {
            let (av, as_) = kids.ch(*a);
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
        _ => unreachable!("unary_chunk is called for one-child nodes only"),
    }
}

/// Arithmetic: `a op b`; a non-finite result is undefined.
#[inline(always)]
#[allow(clippy::needless_range_loop)]
fn bin_chunk(kids: Kids, op: BinOp, a: NodeId, b: NodeId, out: Out) -> bool {
    let Out { v: out_v, s: out_s } = out;
    let len = kids.len;
    let (_, as_) = kids.ch(a);
    let (_, bs) = kids.ch(b);
    // Values under a non-OK state are never read, so values are computed for
    // every row without branches (the loops vectorise).
    let (x, y) = (kids.arg(a), kids.arg(b));
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
    if kids.clean[a as usize]
        && kids.clean[b as usize]
        && finite.unwrap_or_else(|| all_finite(out_v))
    {
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

/// A comparison (`tolerant`: the operands may differ by less than `CmpOp::apply`'s tolerance).
#[inline(always)]
fn cmp_chunk(kids: Kids, op: CmpOp, a: NodeId, b: NodeId, tolerant: bool, out: Out) -> bool {
    let Out { v: out_v, s: out_s } = out;
    let (as_, bs) = (kids.st(a), kids.st(b));
    let inputs_clean = kids.clean[a as usize] && kids.clean[b as usize];
    if inputs_clean {
        out_s.fill(OK);
    } else {
        for i in 0..kids.len {
            out_s[i] = (as_[i].max(bs[i]) == MISS) as u8 * MISS;
        }
    }
    // Exact comparison of the difference first, as `CmpOp::apply` does it
    // (branch-free, vectorises); the tolerance of `CmpOp::apply` only matters
    // when operands differ by less than it and are not both integers, so the
    // chunk is redone with `apply` only if some row is that near — and never
    // when both operands are integral by construction (`Plan::exact`).
    let ok = (!inputs_clean).then_some((as_, bs));
    let (x, y) = (kids.arg(a), kids.arg(b));
    with_cmp_args!(x, y, |p, q| cmp_lanes(op, p, q, ok, tolerant, out_v));
    inputs_clean || all_ok(out_s)
}

/// All / any of `v` (with the fused comparisons as [`Plan::junction_of`] decided).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn junction_chunk(
    kids: Kids,
    is_all: bool,
    v: &[NodeId],
    junction: Junction,
    fused_nodes: &[bool],
    band: &[f64],
    out: Out,
) -> bool {
    let Out { v: out_v, s: out_s } = out;
    let fused = |c: NodeId| junction != Junction::Apart && fused_nodes[c as usize];
    if junction == Junction::Partial {
        // The other children are in `band`; the rest are fused comparisons
        // whose rows with operands not OK are decided already.
        out_v.copy_from_slice(&band[..kids.len]);
        let rest = |c: NodeId| fused_unclean(kids, fused_nodes, c);
        fold_junction(kids, is_all, v, fused, rest, out_v);
        out_s.fill(OK);
        true
    } else if junction == Junction::Inline || v.iter().all(|c| kids.clean[*c as usize]) {
        // Two-valued: a running and/or of the children's truth.
        out_v.fill(is_all as u8 as f64);
        fold_junction(kids, is_all, v, fused, |_| true, out_v);
        out_s.fill(OK);
        true
    } else {
        let ch = move |id: NodeId| kids.ch(id);
        all_any_three_valued(is_all, v, &ch, out_v, out_s);
        all_ok(out_s)
    }
}

/// Min / max of `v`.
#[inline(always)]
#[allow(clippy::needless_range_loop)]
fn min_max_chunk(kids: Kids, is_min: bool, v: &[NodeId], out: Out) -> bool {
    let Out { v: out_v, s: out_s } = out;
    let len = kids.len;
    out_v.fill(if is_min {
        f64::INFINITY
    } else {
        f64::NEG_INFINITY
    });
    out_s.fill(OK);
    let inputs_clean = v.iter().all(|c| kids.clean[*c as usize]);
    for c in v {
        let (cv, cs) = kids.ch(*c);
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

/// `if c then a else b`.
#[inline(always)]
fn if_chunk(kids: Kids, c: NodeId, a: NodeId, b: NodeId, out: Out) -> bool {
    let Out { v: out_v, s: out_s } = out;
    let cl = |id: NodeId| kids.clean[id as usize];
    let (cv, cs) = kids.ch(c);
    let (av, as_) = kids.ch(a);
    let (bv, bs) = kids.ch(b);
    if cl(c) && cl(a) && cl(b) {
        // A bitwise select, so that the loop vectorises.
        let (x, y) = (kids.arg(a), kids.arg(b));
        with_args!(x, y, |p, q| select_lanes(out_v, cv, p, q));
        out_s.fill(OK);
        true
    } else {
        for i in 0..kids.len {
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

/// A sum over years (`fy`: founding years): years before the firm was founded are left out
/// (adding 0.0 leaves a sum unchanged), missing years are not.
#[inline(always)]
fn sum_years_node(kids: Kids, terms: &[(NodeId, u8)], fy: &[f64], out: Out) -> bool {
    let Out { v: out_v, s: out_s } = out;
    let year = kids.year;
    out_s.fill(OK);
    let inputs_clean = terms.iter().all(|(t, _)| kids.clean[*t as usize]);
    let term = |k: usize| {
        let (t, off) = terms[k];
        (kids.arg(t), (year - off as i32) as f64)
    };
    sum_years_chunk(terms.len(), term, fy, out_v);
    if !inputs_clean {
        for (t, off) in terms {
            let ty = (year - *off as i32) as f64;
            let ts = kids.st(*t);
            for i in 0..kids.len {
                if fy[i] <= ty {
                    out_s[i] = out_s[i].max(ts[i]);
                }
            }
        }
    }
    inputs_clean || all_ok(out_s)
}

/// How many of the `n` years from `offset` back the firm was operating (`fy`: founding years).
#[inline(always)]
fn op_years_chunk(year: i32, n: u8, offset: u8, fy: &[f64], out: Out) -> bool {
    let Out { v: out_v, s: out_s } = out;
    out_v.fill(0.0);
    for j in 0..n {
        let y = (year - (offset + j) as i32) as f64;
        for i in 0..out_v.len() {
            out_v[i] += (y >= fy[i]) as u8 as f64;
        }
    }
    out_s.fill(OK);
    true
}

/// A score table's points for `x`.
#[inline(always)]
#[allow(clippy::needless_range_loop)]
fn band_chunk(
    kids: Kids,
    t: &CTable,
    x: NodeId,
    tolerant: bool,
    band: &mut Vec<f64>,
    out: Out,
) -> bool {
    let Out { v: out_v, s: out_s } = out;
    let (xv, xs) = kids.ch(x);
    t.points_chunk(xv, tolerant, out_v, band);
    if kids.clean[x as usize] {
        out_s.fill(OK);
        true
    } else {
        for i in 0..kids.len {
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
