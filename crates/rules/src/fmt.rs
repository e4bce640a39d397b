//! Chinese display of engine values: money (exact yuan with thousands separators), US dollars,
//! percentages, counts, points, dates and flags.
use crate::file::Unit;

/// Groups an integer's digits by thousands: 1230000 → "1,230,000".
pub fn thousands(v: u64) -> String {
    let mut out = String::with_capacity(26);
    push_thousands(&mut out, v);
    out
}

/// Appends `v` with its digits grouped by thousands.
fn push_thousands(out: &mut String, v: u64) {
    let mut digits = [0u8; 20];
    let mut n = 0;
    let mut x = v;
    loop {
        digits[n] = b'0' + (x % 10) as u8;
        n += 1;
        x /= 10;
        if x == 0 {
            break;
        }
    }
    for i in (0..n).rev() {
        out.push(digits[i] as char);
        if i > 0 && i % 3 == 0 {
            out.push(',');
        }
    }
}

/// Exact yuan from fen: "¥1,230,000" or "¥12.50".
pub fn yuan(fen: i64) -> String {
    let mut out = String::with_capacity(32);
    if fen < 0 {
        out.push('-');
    }
    out.push('¥');
    let a = fen.unsigned_abs();
    push_thousands(&mut out, a / 100);
    let f = a % 100;
    if f != 0 {
        out.push('.');
        out.push((b'0' + (f / 10) as u8) as char);
        out.push((b'0' + (f % 10) as u8) as char);
    }
    out
}

/// Money in 万元 with up to six decimals, exact (for need/have: "5,000万元", "5,000.01万元").
pub fn wan(fen: i64) -> String {
    let mut out = String::with_capacity(40);
    if fen < 0 {
        out.push('-');
    }
    let a = fen.unsigned_abs();
    let (w, mut r) = (a / 1_000_000, a % 1_000_000);
    push_thousands(&mut out, w);
    if r != 0 {
        out.push('.');
        let mut div = 100_000;
        while r != 0 {
            out.push((b'0' + (r / div) as u8) as char);
            r %= div;
            div /= 10;
        }
    }
    out.push_str("万元");
    out
}

fn trim(v: f64, decimals: usize) -> String {
    if v.fract() == 0.0 && v.abs() < 9e15 {
        return (v as i64).to_string();
    }
    let mut s = format!("{v:.decimals$}");
    if s.contains('.') {
        let t = s.trim_end_matches('0').trim_end_matches('.').len();
        s.truncate(t);
    }
    s
}

/// A value in its unit, for users.
pub fn value(v: f64, unit: Unit) -> String {
    let with = |mut s: String, suffix: &str| {
        s.push_str(suffix);
        s
    };
    match unit {
        Unit::Money => {
            if v.fract() == 0.0 && v.abs() < 9e15 {
                wan(v as i64)
            } else {
                with(trim(v / 1e6, 4), "万元")
            }
        }
        Unit::Usd => {
            let d = v / 100.0;
            if d.abs() >= 1e8 {
                with(trim(d / 1e8, 4), "亿美元")
            } else {
                with(trim(d / 1e4, 2), "万美元")
            }
        }
        Unit::Ratio => with(trim(v * 100.0, 2), "%"),
        Unit::Count | Unit::Level => trim(v, 2),
        Unit::Points => with(trim(v, 2), "分"),
        Unit::Years => with(trim(v, 2), "年"),
        Unit::Flag => if v != 0.0 { "是" } else { "否" }.into(),
        Unit::Date => gaoxin_model::Date::from_int(v as i64)
            .map(|d| d.to_string())
            .unwrap_or_else(|| trim(v, 0)),
        Unit::Plain => trim(v, 4),
    }
}

/// A value as written in rule-file tests and expectations: money in 万元, USD in 万美元.
pub fn file_units(v: f64, unit: Unit) -> f64 {
    match unit {
        Unit::Money | Unit::Usd => v / 1e6,
        _ => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn formats() {
        assert_eq!(yuan(123_000_000), "¥1,230,000");
        assert_eq!(yuan(1250), "¥12.50");
        assert_eq!(yuan(-1205), "-¥12.05");
        assert_eq!(yuan(0), "¥0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
        assert_eq!(wan(-1), "-0.000001万元");
        assert_eq!(wan(1_230_450_000), "1,230.45万元");
        assert_eq!(wan(50_000_000_000), "50,000万元");
        assert_eq!(wan(50_000_100_000), "50,000.1万元");
        assert_eq!(value(0.0545, Unit::Ratio), "5.45%");
        assert_eq!(value(1.2e11, Unit::Usd), "12亿美元");
        assert_eq!(value(6e9, Unit::Usd), "6,000万美元".replace(',', ""));
        assert_eq!(value(20240301.0, Unit::Date), "2024-03-01");
        assert_eq!(value(70.0, Unit::Points), "70分");
    }
}
