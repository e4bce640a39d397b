//! Exact money: an integer number of fen (分, 0.01 CNY) — or of US cents for valuations.
//!
//! Amounts are parsed from decimal text without going through floating point, so
//! `12.345678` 万元 is exactly 123 456.78 元. Awards are computed in [`Money`] and never rounded silently.

/// Unit in which a decimal amount is written (the template's column unit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// 元 (yuan).
    Yuan,
    /// 万元 (10⁴ yuan) — the unit of the import template.
    WanYuan,
    /// 亿元 (10⁸ yuan).
    YiYuan,
}

impl Unit {
    /// How many fen one unit holds.
    pub fn fen(self) -> i64 {
        match self {
            Unit::Yuan => 100,
            Unit::WanYuan => 1_000_000,
            Unit::YiYuan => 10_000_000_000,
        }
    }
    fn decimals(self) -> u32 {
        match self {
            Unit::Yuan => 2,
            Unit::WanYuan => 6,
            Unit::YiYuan => 10,
        }
    }
}

/// An exact amount of money in fen (may be negative, e.g. a net loss).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Money(pub i64);

/// Why a text is not an amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("「{0}」不是有效的金额数字")]
    NotANumber(String),
    /// More decimal places than the unit can hold exactly in fen.
    #[error("小数位过多：最多{max_decimals}位（精确到分）")]
    TooPrecise { max_decimals: u32 },
    #[error("金额超出可表示范围")]
    Overflow,
}

impl Money {
    pub const ZERO: Money = Money(0);

    pub fn from_yuan(yuan: i64) -> Money {
        Money(yuan * 100)
    }

    pub fn fen(self) -> i64 {
        self.0
    }

    /// The amount in yuan as f64 — for ratios and charts only, never for money arithmetic.
    pub fn yuan_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }

    /// Parses decimal text written in `unit`: optional sign, digits, thousands separators (`,`),
    /// optional decimal part. Scientific notation and floats are not accepted.
    pub fn parse(text: &str, unit: Unit) -> Result<Money, MoneyError> {
        let t: String = text
            .trim()
            .chars()
            .filter(|c| *c != ',' && *c != '，')
            .collect();
        let bad = || MoneyError::NotANumber(text.trim().to_string());
        let (neg, body) = match t.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, t.strip_prefix('+').unwrap_or(t.as_ref())),
        };
        if body.is_empty() {
            return Err(bad());
        }
        let (int, frac) = match body.split_once('.') {
            Some((i, f)) => (i, f),
            None => (body, ""),
        };
        if (int.is_empty() && frac.is_empty())
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let frac = frac.trim_end_matches('0');
        let d = unit.decimals();
        if frac.len() as u32 > d {
            return Err(MoneyError::TooPrecise { max_decimals: d });
        }
        let int_v: i64 = if int.is_empty() {
            0
        } else {
            int.parse().map_err(|_| MoneyError::Overflow)?
        };
        let mut frac_v: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| MoneyError::Overflow)?
        };
        frac_v *= 10i64.pow(d - frac.len() as u32);
        let scale = unit.fen();
        let v = int_v
            .checked_mul(scale)
            .and_then(|x| x.checked_add(frac_v * (scale / 10i64.pow(d))))
            .ok_or(MoneyError::Overflow)?;
        Ok(Money(if neg { -v } else { v }))
    }

    /// Exact decimal text in `unit`, without trailing zeros (`12.5` 万元, `-3` 元).
    pub fn to_decimal(self, unit: Unit) -> String {
        let scale = unit.fen();
        let neg = self.0 < 0;
        let a = self.0.unsigned_abs();
        let int = a / scale as u64;
        let frac = a % scale as u64;
        let mut s = if neg {
            format!("-{int}")
        } else {
            int.to_string()
        };
        if frac != 0 {
            let d = unit.decimals() as usize;
            let f = format!("{:0width$}", frac, width = d);
            s.push('.');
            s.push_str(f.trim_end_matches('0'));
        }
        s
    }

    /// Human display in Chinese conventions: 元 below 1万, 万元 below 1亿, else 亿元 (2 decimals).
    pub fn display_zh(self) -> String {
        let y = self.0 as f64 / 100.0;
        let a = y.abs();
        if a >= 1e8 {
            format!("{:.2}亿元", y / 1e8)
        } else if a >= 1e4 {
            format!("{:.2}万元", y / 1e4)
        } else {
            format!("{}元", self.to_decimal(Unit::Yuan))
        }
    }

    pub fn checked_add(self, o: Money) -> Option<Money> {
        self.0.checked_add(o.0).map(Money)
    }

    /// `self × numerator / denominator`, rounded half away from zero to the fen (e.g. 5% = 5/100).
    pub fn mul_ratio(self, numerator: i64, denominator: i64) -> Money {
        let p = self.0 as i128 * numerator as i128;
        let d = denominator as i128;
        let q = p / d;
        let r = p % d;
        let q = if 2 * r.abs() >= d.abs() {
            q + p.signum() * d.signum()
        } else {
            q
        };
        Money(q as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_are_the_ones_users_read() {
        assert_eq!(
            MoneyError::NotANumber("12a".into()).to_string(),
            "「12a」不是有效的金额数字"
        );
        assert_eq!(
            MoneyError::TooPrecise { max_decimals: 2 }.to_string(),
            "小数位过多：最多2位（精确到分）"
        );
        assert_eq!(MoneyError::Overflow.to_string(), "金额超出可表示范围");
    }

    #[test]
    fn parses_exact_decimals() {
        assert_eq!(
            Money::parse("12.345678", Unit::WanYuan),
            Ok(Money(12_345_678))
        );
        assert_eq!(
            Money::parse("1,200", Unit::WanYuan),
            Ok(Money(1_200_000_000))
        );
        assert_eq!(Money::parse("-3.5", Unit::Yuan), Ok(Money(-350)));
        assert_eq!(Money::parse(".5", Unit::Yuan), Ok(Money(50)));
        assert_eq!(
            Money::parse("5000.0100", Unit::WanYuan),
            Ok(Money(5_000_010_000))
        );
        assert_eq!(
            Money::parse("0.001", Unit::Yuan),
            Err(MoneyError::TooPrecise { max_decimals: 2 })
        );
        assert!(matches!(
            Money::parse("1e5", Unit::Yuan),
            Err(MoneyError::NotANumber(_))
        ));
        assert!(matches!(
            Money::parse("", Unit::Yuan),
            Err(MoneyError::NotANumber(_))
        ));
        assert!(matches!(
            Money::parse("-", Unit::Yuan),
            Err(MoneyError::NotANumber(_))
        ));
        assert_eq!(
            Money::parse("99999999999999999999", Unit::Yuan),
            Err(MoneyError::Overflow)
        );
    }

    #[test]
    fn round_trips_through_text() {
        for (f, u) in [
            (12_345_678, Unit::WanYuan),
            (-350, Unit::Yuan),
            (1, Unit::YiYuan),
            (0, Unit::WanYuan),
        ] {
            let m = Money(f);
            assert_eq!(Money::parse(&m.to_decimal(u), u), Ok(m));
        }
        assert_eq!(Money(12_345_678).to_decimal(Unit::WanYuan), "12.345678");
    }

    #[test]
    fn chinese_display() {
        assert_eq!(Money::from_yuan(2_000_000).display_zh(), "200.00万元");
        assert_eq!(Money::from_yuan(350_000_000).display_zh(), "3.50亿元");
        assert_eq!(Money(12_345).display_zh(), "123.45元");
    }

    #[test]
    fn ratio_rounds_half_away_from_zero() {
        assert_eq!(Money(1001).mul_ratio(5, 100), Money(50)); // 50.05 → 50
        assert_eq!(Money(1010).mul_ratio(5, 100), Money(51)); // 50.5 → 51
        assert_eq!(Money(-1010).mul_ratio(5, 100), Money(-51));
        assert_eq!(
            Money::from_yuan(40_000_000).mul_ratio(5, 100),
            Money::from_yuan(2_000_000)
        );
    }
}
