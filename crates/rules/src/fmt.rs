//! Chinese display of engine values: money (exact yuan with thousands separators), US dollars,
//! percentages, counts, points, dates and flags.
use crate::file::Unit;

/// A nearest-to-qualify distance with two decimals (the one presentation: never more); a
/// positive distance too small to show is 「<0.01」, so a firm that fails is never shown at
/// 「0.00」 (which means: meets the conditions).
pub fn distance(d: f64) -> String {
    if d > 0.0 && d < 0.005 {
        "<0.01".to_string()
    } else {
        format!("{d:.2}")
    }
}

/// Groups an integer's digits by thousands: 1230000 → "1,230,000".
pub fn thousands(v: u64) -> String {
    let mut out = String::with_capacity(26);
    push_thousands(&mut out, v);
    out
}

/// Appends `v` with its digits grouped by thousands (as `gaoxin_model::money::group_thousands`,
/// without allocating: kept for the per-row texts of a batch run).
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

/// A paid amount in yuan from fen, labelled (「1,230,000.00元」): the one presentation
/// (`gaoxin_model::present::yuan`); yuan are shown only where a policy's amount is paid.
pub fn yuan(fen: i64) -> String {
    gaoxin_model::present::yuan(fen)
}

/// A money amount for users (need, have, gap): 万元 or 亿元 with two decimals
/// (`gaoxin_model::present::money`), except that an amount the two decimals would hide (below
/// 0.005 万元, not zero) is shown exactly in 元, so a shortfall never reads 「0.00万元」.
pub fn money(fen: i64) -> String {
    if fen != 0 && fen.unsigned_abs() < 5_000 {
        yuan(fen)
    } else {
        gaoxin_model::present::money(fen)
    }
}

/// Money in 万元 with up to six decimals, exact (for need/have: "5,000万元", "5,000.01万元"):
/// [`gaoxin_model::Money::to_decimal`] grouped by thousands.
pub fn wan(fen: i64) -> String {
    let text = gaoxin_model::Money(fen).to_decimal(gaoxin_model::Unit::WanYuan);
    format!("{}万元", gaoxin_model::money::group_thousands(&text))
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
    value_with(v, unit, 0)
}

/// [`value`] with `extra` more decimals than usual (for telling two close values apart).
fn value_with(v: f64, unit: Unit, extra: usize) -> String {
    let with = |mut s: String, suffix: &str| {
        s.push_str(suffix);
        s
    };
    match unit {
        Unit::Money => {
            if extra == 0 && v.abs() < 9e15 {
                money(v.round() as i64)
            } else if v.fract() == 0.0 && v.abs() < 9e15 {
                wan(v as i64)
            } else {
                with(trim(v / 1e6, 4 + extra), "万元")
            }
        }
        Unit::Usd => {
            let d = v / 100.0;
            if d.abs() >= 1e8 {
                with(trim(d / 1e8, 4 + extra), "亿美元")
            } else {
                with(trim(d / 1e4, 2 + extra), "万美元")
            }
        }
        Unit::Ratio => with(trim(v * 100.0, 2 + extra), "%"),
        Unit::Count | Unit::Level => trim(v, 2 + extra),
        Unit::Points => with(trim(v, 2 + extra), "分"),
        Unit::Years => with(trim(v, 2 + extra), "年"),
        Unit::Flag => if v != 0.0 { "是" } else { "否" }.into(),
        Unit::Date => gaoxin_model::Date::from_int(v as i64)
            .map(|d| d.to_string())
            .unwrap_or_else(|| trim(v, 0)),
        Unit::Plain => trim(v, 4 + extra),
    }
}

/// Two values of one unit ("have" and "need") shown with as many decimals as it takes for
/// different values to look different: a failed 2.99999999% is never shown as 3%, a valuation
/// one cent above a bound never as the bound. US dollars that still look alike are shown
/// exactly, to the cent; values that differ below every displayed digit are marked 略低于 /
/// 略高于 the other.
pub fn distinct(have: f64, need: f64, unit: Unit) -> (String, String) {
    let (mut h, mut n) = (value(have, unit), value(need, unit));
    if have == need || h != n {
        return (h, n);
    }
    if unit == Unit::Usd && have.fract() == 0.0 && need.fract() == 0.0 {
        return (usd(have as i64), usd(need as i64));
    }
    for extra in 1..=12 {
        h = value_with(have, unit, extra);
        n = value_with(need, unit, extra);
        if h != n {
            return (h, n);
        }
    }
    let mark = if have < need {
        "（略低于"
    } else {
        "（略高于"
    };
    (format!("{h}{mark}{n}）"), n)
}

/// Exact US dollars from cents: "0.01美元", "9,999.99美元", or 万美元 with up to six decimals
/// ("5,000万美元", "9,999.999999万美元") — never rounded, so a shortfall is never shown as 0.
pub fn usd(cents: i64) -> String {
    let mut out = String::with_capacity(40);
    if cents < 0 {
        out.push('-');
    }
    let a = cents.unsigned_abs();
    if a < 1_000_000 {
        push_thousands(&mut out, a / 100);
        let f = a % 100;
        if f != 0 {
            out.push('.');
            out.push((b'0' + (f / 10) as u8) as char);
            out.push((b'0' + (f % 10) as u8) as char);
        }
        out.push_str("美元");
        return out;
    }
    // Same digits as 万元 from fen: one 万美元 is 1,000,000 cents.
    let w = wan(a as i64);
    out.push_str(w.trim_end_matches("万元"));
    out.push_str("万美元");
    out
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
    fn a_failing_distance_never_reads_zero() {
        assert_eq!(distance(0.0), "0.00");
        assert_eq!(distance(0.000386), "<0.01");
        assert_eq!(distance(0.0049), "<0.01");
        assert_eq!(distance(0.005), "0.01");
        assert_eq!(distance(0.4431), "0.44");
    }
    #[test]
    fn formats() {
        assert_eq!(yuan(123_000_000), "1,230,000.00元");
        assert_eq!(yuan(1250), "12.50元");
        assert_eq!(yuan(-1205), "-12.05元");
        assert_eq!(yuan(0), "0.00元");
        // need/have in 万元 with two decimals (was 「105,542.823094万元」)
        assert_eq!(value(105_542_823_094.0, Unit::Money), "10.55亿元");
        assert_eq!(value(5_554_282_309.0, Unit::Money), "5,554.28万元");
        assert_eq!(money(1), "0.01元");
        assert_eq!(money(2_579_775_296), "2,579.78万元");
        // two values two decimals cannot tell apart are shown exactly
        assert_eq!(
            distinct(4_999_999_999.0, 5_000_000_000.0, Unit::Money),
            ("4,999.999999万元".to_string(), "5,000万元".to_string())
        );
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
        assert_eq!(wan(-1), "-0.000001万元");
        assert_eq!(wan(1_230_450_000), "1,230.45万元");
        assert_eq!(wan(50_000_000_000), "50,000万元");
        assert_eq!(wan(50_000_100_000), "50,000.1万元");
        assert_eq!(wan(i64::MAX), "9,223,372,036,854.775807万元");
        assert_eq!(wan(i64::MIN), "-9,223,372,036,854.775808万元");
        assert_eq!(wan(5), "0.000005万元");
        assert_eq!(value(0.0545, Unit::Ratio), "5.45%");
        assert_eq!(value(1.2e11, Unit::Usd), "12亿美元");
        assert_eq!(value(6e9, Unit::Usd), "6,000万美元".replace(',', ""));
        assert_eq!(value(20240301.0, Unit::Date), "2024-03-01");
        assert_eq!(value(70.0, Unit::Points), "70分");
        assert_eq!(usd(1), "0.01美元");
        assert_eq!(usd(999_999), "9,999.99美元");
        assert_eq!(usd(1_000_000), "1万美元");
        assert_eq!(usd(10_000_000_001), "10,000.000001万美元");
    }

    #[test]
    fn distinct_values_never_look_alike() {
        // 高企 R&D share 2.99999999% against 3%.
        let (h, n) = distinct(0.0299999999, 0.03, Unit::Ratio);
        assert_eq!((h.as_str(), n.as_str()), ("2.99999999%", "3%"));
        // A valuation 1 cent above 1亿美元, and one 40 dollars above.
        let (h, n) = distinct(1e10 + 1.0, 1e10, Unit::Usd);
        assert_eq!(
            (h.as_str(), n.as_str()),
            ("10,000.000001万美元", "10,000万美元")
        );
        let (h, n) = distinct(1e10 + 4000.0, 1e10, Unit::Usd);
        assert_ne!(h, n);
        // Equal values stay equal; values apart by less than any digit are marked.
        assert_eq!(distinct(0.03, 0.03, Unit::Ratio).0, "3%");
        let (h, _) = distinct(0.03 - 1e-17, 0.03, Unit::Ratio);
        assert!(h.contains("略低于") || h != "3%", "{h}");
        // Fractional money (a computed amount).
        let (h, n) = distinct(2e9 - 0.4, 2e9, Unit::Money);
        assert_ne!(h, n);
    }
}
