//! Calendar dates and fiscal years, without a date-time dependency.
use std::fmt;

/// A proleptic Gregorian calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    y: i32,
    m: u8,
    d: u8,
}

/// A fiscal (calendar) year between 1949 and 2100.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "i32", into = "i32")]
pub struct Year(i32);

impl Year {
    pub fn new(y: i32) -> Result<Year, String> {
        if (1949..=2100).contains(&y) {
            Ok(Year(y))
        } else {
            Err(format!("年度{y}超出范围（1949–2100）"))
        }
    }
    pub fn get(self) -> i32 {
        self.0
    }
    /// The year before, if it is still a [`Year`] (1949 has none: a `Year` is never 1948).
    pub fn prev(self) -> Option<Year> {
        Year::new(self.0 - 1).ok()
    }
    /// The year `n` years earlier, or 1949 (the first year a [`Year`] holds) if that is earlier:
    /// the first year of a look-back window ending at `self`.
    pub fn back(self, n: u16) -> Year {
        Year((self.0 - i32::from(n)).max(1949))
    }
    /// Parses a year typed by a person (a query parameter, a flag): digits only, 1949–2100. The
    /// error is a Chinese sentence naming the text.
    pub fn parse(s: &str) -> Result<Year, String> {
        let t = s.trim();
        let shown: String = t.chars().take(32).collect();
        match t.parse::<i32>() {
            Ok(y) if t.bytes().all(|b| b.is_ascii_digit()) => {
                Year::new(y).map_err(|_| format!("「{shown}」超出年份范围（1949–2100）"))
            }
            _ => Err(format!("「{shown}」不是年份（如 2024）")),
        }
    }
}

impl TryFrom<i32> for Year {
    type Error = String;
    fn try_from(y: i32) -> Result<Self, String> {
        Year::new(y)
    }
}
impl From<Year> for i32 {
    fn from(y: Year) -> i32 {
        y.0
    }
}
impl std::str::FromStr for Year {
    type Err = String;
    fn from_str(s: &str) -> Result<Year, String> {
        Year::parse(s)
    }
}
impl fmt::Display for Year {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[inline]
fn days_in_month(y: i32, m: u8) -> u8 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

impl Date {
    #[inline]
    pub fn new(y: i32, m: u8, d: u8) -> Option<Date> {
        if !(1900..=2200).contains(&y)
            || !(1..=12).contains(&m)
            || d == 0
            || d > days_in_month(y, m)
        {
            return None;
        }
        Some(Date { y, m, d })
    }

    /// Accepts `2021-03-01`, `2021/3/1`, `2021.03.01`, `20210301` and `2021年3月1日`.
    pub fn parse(s: &str) -> Option<Date> {
        let t = s.trim();
        if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
            return Date::new(
                t[..4].parse().ok()?,
                t[4..6].parse().ok()?,
                t[6..].parse().ok()?,
            );
        }
        let t = t.trim_end_matches('日');
        let parts: Vec<&str> = t.split(['-', '/', '.', '年', '月']).collect();
        if parts.len() != 3 {
            return None;
        }
        Date::new(
            parts[0].parse().ok()?,
            parts[1].parse().ok()?,
            parts[2].parse().ok()?,
        )
    }

    /// The date as a `yyyymmdd` integer (how the store keeps it).
    pub fn to_int(self) -> i64 {
        self.y as i64 * 10_000 + self.m as i64 * 100 + self.d as i64
    }

    #[inline]
    pub fn from_int(v: i64) -> Option<Date> {
        Date::new(
            (v / 10_000) as i32,
            ((v / 100) % 100) as u8,
            (v % 100) as u8,
        )
    }

    pub fn year(self) -> i32 {
        self.y
    }
    pub fn month(self) -> u8 {
        self.m
    }
    pub fn day(self) -> u8 {
        self.d
    }

    /// Days since 1970-01-01 (negative before).
    #[inline]
    pub fn days_since_epoch(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = if self.m <= 2 { self.y - 1 } else { self.y } as i64;
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let m = self.m as i64;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + self.d as i64 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// Whole years from `self` to `later` (an anniversary counts on its day; 29 Feb → 28 Feb).
    #[inline]
    pub fn whole_years_until(self, later: Date) -> i32 {
        let mut y = later.y - self.y;
        if (later.m, later.d) < (self.m, self.d) {
            y -= 1;
        }
        y
    }

    /// The same day `n` years later (29 Feb becomes 28 Feb in a common year).
    pub fn add_years(self, n: i32) -> Date {
        let y = self.y + n;
        let d = self.d.min(days_in_month(y, self.m));
        Date { y, m: self.m, d }
    }

    /// The Excel serial date (1900 system) → date.
    pub fn from_excel_serial(serial: f64) -> Option<Date> {
        if !(1.0..2_958_466.0).contains(&serial) {
            return None;
        }
        // Excel day 25569 = 1970-01-01 (accounts for the 1900 leap-year bug for dates after Feb 1900).
        let days = serial.floor() as i64 - 25_569;
        Some(Date::from_days_since_epoch(days))
    }

    pub fn from_days_since_epoch(z: i64) -> Date {
        let z = z + 719_468;
        let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        Date {
            y: (if m <= 2 { y + 1 } else { y }) as i32,
            m,
            d,
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.y, self.m, self.d)
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Date::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("「{s}」不是有效日期")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_forms() {
        let d = Date::new(2021, 3, 1).unwrap();
        for s in [
            "2021-03-01",
            "2021/3/1",
            "2021.03.01",
            "20210301",
            "2021年3月1日",
        ] {
            assert_eq!(Date::parse(s), Some(d), "{s}");
        }
        assert_eq!(Date::parse("2021-02-29"), None);
        assert_eq!(Date::parse("2020-02-29").map(|d| d.day()), Some(29));
        assert_eq!(Date::parse("hello"), None);
    }

    #[test]
    fn epoch_round_trip_and_excel() {
        for s in ["1970-01-01", "2000-02-29", "2024-12-31", "1901-03-01"] {
            let d = Date::parse(s).unwrap();
            assert_eq!(Date::from_days_since_epoch(d.days_since_epoch()), d);
        }
        assert_eq!(
            Date::from_excel_serial(45292.0).unwrap().to_string(),
            "2024-01-01"
        );
        assert_eq!(Date::from_int(20240301).unwrap().to_int(), 20240301);
    }

    #[test]
    fn whole_years() {
        let a = Date::parse("2024-03-01").unwrap();
        assert_eq!(a.whole_years_until(Date::parse("2025-02-28").unwrap()), 0); // criteria H8
        assert_eq!(a.whole_years_until(Date::parse("2025-03-01").unwrap()), 1);
        assert_eq!(
            Date::parse("2020-02-29").unwrap().add_years(1).to_string(),
            "2021-02-28"
        );
    }

    #[test]
    fn year_bounds() {
        assert!(Year::new(2024).is_ok());
        assert!(Year::new(1800).is_err());
        assert_eq!(Year::parse(" 2024 ").unwrap().get(), 2024);
        assert!(Year::parse("2o24").unwrap_err().contains("不是年份"));
        assert!(Year::parse("-2024").unwrap_err().contains("不是年份"));
        assert!(Year::parse("").unwrap_err().contains("不是年份"));
        assert!(Year::parse("99999999999").unwrap_err().contains("不是年份"));
        assert!(Year::parse("1800").unwrap_err().contains("超出年份范围"));
        let y = Year::new(2024).unwrap();
        assert_eq!(y.back(8).get(), 2016);
        assert_eq!(y.prev().map(Year::get), Some(2023));
        assert_eq!(Year::new(1949).unwrap().prev(), None);
        assert_eq!(Year::new(1950).unwrap().back(8).get(), 1949);
    }
}
