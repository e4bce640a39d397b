//! Unit vectors as signed bytes with one scale each, and their integer dot product (shared by
//! the flat index and its partition).

/// A unit vector as bytes and a scale (all zero for a document without a vector).
pub fn quantise(v: &[f32], out: &mut Vec<i8>) -> f32 {
    let max = v.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    if max == 0.0 {
        out.extend(std::iter::repeat_n(0, v.len()));
        return 0.0;
    }
    let s = 127.0 / max;
    out.extend(v.iter().map(|x| (x * s).round().clamp(-127.0, 127.0) as i8));
    max / 127.0
}

#[inline]
pub(crate) fn dot(a: &[i8], b: &[i8]) -> i32 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| i32::from(x) * i32::from(y))
        .sum()
}
