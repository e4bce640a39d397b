//! The scalar one-row evaluator (explain, gap search) over the same nodes as the kernels.
use super::*;

impl Plan {
    /// [`Plan::eval_chunk`] for a single row (explain, gap search): the same operations in
    /// scalar form, without the per-node slicing and filling a chunk needs. The test
    /// `row_and_chunk_evaluation_agree_on_every_node` checks that both give the same value and
    /// state for every node of every rule on random firms.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn eval_one_row(
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
                    row_fact(panel, buf.cell_override, year, row, *field, *offset)
                }
                Op::Attr(a, off) => row_attr(panel, as_of, year, row, *a, *off),
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
                    row_all_any(is_all, v, vals, st)
                }
                Op::Min(v) | Op::Max(v) => {
                    let is_min = matches!(self.ops[k], Op::Min(_));
                    row_min_max(is_min, v, vals, st)
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
}

/// A fact's value for `row` (a cell override first, as gap search sets it): missing when the
/// panel has no such year or the cell is missing.
#[inline(always)]
fn row_fact(
    panel: &Panel,
    cell_override: Option<(u16, i32, usize, f64)>,
    year: i32,
    row: usize,
    field: u16,
    offset: u8,
) -> (f64, u8) {
    let y = year - offset as i32;
    match cell_override {
        Some((f, oy, r, x)) if f == field && oy == y && r == row => (x, OK),
        _ => match panel.column(y, field as usize) {
            Some(c) if c.prov[row] != PROV_MISSING => (c.value(row), OK),
            Some(c) => (c.value(row), MISS),
            None => (0.0, MISS),
        },
    }
}

/// An attribute of the firm in `row` (the SME class is missing while unknown).
#[inline(always)]
fn row_attr(panel: &Panel, as_of: Date, year: i32, row: usize, a: Attr, off: u8) -> (f64, u8) {
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
        Attr::Year => (year - off as i32) as f64,
        Attr::SmeClass => panel.sme_class[row] as f64,
    };
    let s = if a == Attr::SmeClass && v == 0.0 {
        MISS
    } else {
        OK
    };
    (v, s)
}

/// Three-valued `all` (`is_all`) / `any` of the children `v`: one failure decides an all, one
/// pass an any; otherwise a missing child makes it missing.
#[inline(always)]
fn row_all_any(is_all: bool, v: &[NodeId], vals: &[f64], st: &[u8]) -> (f64, u8) {
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

/// The smallest (`is_min`) or largest child value; the worst state of the children.
#[inline(always)]
fn row_min_max(is_min: bool, v: &[NodeId], vals: &[f64], st: &[u8]) -> (f64, u8) {
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
