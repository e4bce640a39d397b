//! Chinese display of engine values: money (exact yuan with thousands separators), US dollars,
//! percentages, counts, points, dates and flags.
use crate::file::Unit;

/// Groups an integer's digits by thousands: 1230000 → "1,230,000".
pub fn thousands(v: u64) -> String {
    let s = v.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Exact yuan from fen: "¥1,230,000" or "¥12.50".
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    let (y, f) = (a / 100, a % 100);
    if f == 0 {
        format!("{sign}¥{}", thousands(y))
    } else {
        format!("{sign}¥{}.{f:02}", thousands(y))
    }
}

/// Money in 万元 with up to six decimals, exact (for need/have: "5,000万元", "5,000.01万元").
pub fn wan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    let (w, r) = (a / 1_000_000, a % 1_000_000);
    if r == 0 {
        format!("{sign}{}万元", thousands(w))
    } else {
        let f = format!("{r:06}");
        format!("{sign}{}.{}万元", thousands(w), f.trim_end_matches('0'))
    }
}

fn trim(v: f64, decimals: usize) -> String {
    if v.fract() == 0.0 && v.abs() < 9e15 {
        return (v as i64).to_string();
    }
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A value in its unit, for users.
pub fn value(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Money => {
            if v.fract() == 0.0 && v.abs() < 9e15 {
                wan(v as i64)
            } else {
                format!("{}万元", trim(v / 1e6, 4))
            }
        }
        Unit::Usd => {
            let d = v / 100.0;
            if d.abs() >= 1e8 {
                format!("{}亿美元", trim(d / 1e8, 4))
            } else {
                format!("{}万美元", trim(d / 1e4, 2))
            }
        }
        Unit::Ratio => format!("{}%", trim(v * 100.0, 2)),
        Unit::Count | Unit::Level => trim(v, 2),
        Unit::Points => format!("{}分", trim(v, 2)),
        Unit::Years => format!("{}年", trim(v, 2)),
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
        assert_eq!(wan(50_000_000_000), "50,000万元");
        assert_eq!(wan(50_000_100_000), "50,000.1万元");
        assert_eq!(value(0.0545, Unit::Ratio), "5.45%");
        assert_eq!(value(1.2e11, Unit::Usd), "12亿美元");
        assert_eq!(value(6e9, Unit::Usd), "6,000万美元".replace(',', ""));
        assert_eq!(value(20240301.0, Unit::Date), "2024-03-01");
        assert_eq!(value(70.0, Unit::Points), "70分");
    }
}
