//! Rule arithmetic shared by constant folding, the one-row path and the chunk kernels: the
//! scalar operations, roots, whole years between dates and exact awards in fen.
use super::*;

// ---------------------------------------------------------------------------------------------
// Scalar kernels shared by constant folding and the one-row path; the columnar loops compute the
// same (test `row_and_chunk_evaluation_agree_on_every_node`).

#[inline(always)]
pub(super) fn k_bin(op: BinOp, a: f64, sa: u8, b: f64, sb: u8) -> (f64, u8) {
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
    pub(super) const UP: f64 = 18_014_398_509_481_984.0; // 2^54
    pub(super) const UP_ROOT: f64 = 1.0 / 262_144.0; // 2^-18 undoes 2^54 under the cube root
    pub(super) const DOWN: f64 = 1.0 / 4_722_366_482_869_645_213_696.0; // 2^-72
    pub(super) const DOWN_ROOT: f64 = 16_777_216.0; // 2^24 undoes 2^-72
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
pub(super) fn root3_regular(x: f64) -> f64 {
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
pub(super) fn all_root3_regular(v: &[f64]) -> bool {
    v.iter()
        .fold(true, |a, x| a & (*x >= f64::MIN_POSITIVE) & (*x <= 1e300))
}

#[inline(always)]
pub(super) fn k_cmp(op: CmpOp, a: f64, sa: u8, b: f64, sb: u8) -> (f64, u8) {
    if sa == MISS || sb == MISS {
        return (0.0, MISS);
    }
    if sa == UNDEF || sb == UNDEF {
        return (0.0, OK);
    }
    (op.apply(a, b) as u8 as f64, OK)
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
pub(super) fn years_since_lanes(
    av: &[f64],
    as_: &[u8],
    as_of: Date,
    out_v: &mut [f64],
    out_s: &mut [u8],
) {
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
pub(super) fn floor_div100(x: f64) -> (f64, f64) {
    let q = (x * 0.01 + 0.005).floor();
    (q, x - q * 100.0)
}

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

/// Folds an operation whose inputs are all constants.
pub(super) fn fold(op: &Op, ops: &[Op], tables: &[CTable]) -> Option<f64> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
