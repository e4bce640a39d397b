//! The Chinese working-day calendar (工作日), read from data files, one per year
//! (`data/calendar/YYYY.toml`, each naming the State Council notice it follows).
//!
//! A day is a working day when it is Monday–Friday and not an official holiday, or when it is an
//! official make-up working day (调休上班, a Saturday or Sunday worked). A date in a year that no
//! file covers is an error ([`WorkdayError::NotCovered`]), never a guess: the notice for a year
//! appears in the autumn before it, and until its file is added, time limits reaching into that
//! year cannot be computed.
//!
//! Counting: [`Calendar::add_working_days`]`(d, n)` is the n-th working day *after* `d` (the day
//! of acceptance does not count; `n = 0` is `d` itself). A pause (the clock stopped while waiting
//! for the firm, 待企业补充) is a [`Pause`] `{ from, to }`: the working days strictly after `from`
//! up to and including `to` do not count (the day the request was sent counts, the day the firm
//! answered does not); an open pause has `to = None` (every day after `from`).
use crate::date::Date;
use std::fmt;

/// One year's file as read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct YearFile {
    year: i32,
    source: String,
    published: String,
    effective: String,
    #[serde(default)]
    holiday: Vec<HolidayRange>,
    #[serde(default)]
    workday: Vec<MakeUpDay>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct HolidayRange {
    name: String,
    from: String,
    to: String,
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MakeUpDay {
    date: String,
    name: String,
}

/// Where one covered year's days come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearSource {
    pub year: i32,
    /// The notice (title and number).
    pub source: String,
    /// When the notice was published.
    pub published: Date,
    /// The file's label (path or `(内置) 2025.toml`).
    pub file: String,
}

/// What a working-day computation cannot answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkdayError {
    /// The date's year has no calendar file.
    NotCovered(Date),
}

impl fmt::Display for WorkdayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WorkdayError::NotCovered(d) => write!(
                f,
                "{d}所在年度（{}年）没有工作日历（data/calendar/{}.toml，依据国务院办公厅放假安排通知），无法计算工作日",
                d.year(),
                d.year()
            ),
        }
    }
}

impl std::error::Error for WorkdayError {}

/// A stretch during which the clock stops: working days in (`from`, `to`] do not count; `to = None`
/// is a pause still open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pause {
    pub from: Date,
    pub to: Option<Date>,
}

/// The working-day calendar of the covered years (contiguous).
#[derive(Debug, Clone)]
pub struct Calendar {
    /// Days since the epoch of 1 January of the first covered year.
    first_day: i64,
    first_year: i32,
    /// Per covered day: a working day?
    working: Vec<bool>,
    /// prefix[i] = working days among the first i covered days.
    prefix: Vec<u32>,
    sources: Vec<YearSource>,
}

fn date(s: &str, file: &str, what: &str) -> Result<Date, String> {
    Date::parse(s).ok_or_else(|| format!("{file}：{what}「{s}」不是有效日期"))
}

/// 0 = Monday … 6 = Sunday.
pub fn weekday(d: Date) -> u8 {
    (d.days_since_epoch() + 3).rem_euclid(7) as u8
}

impl Calendar {
    /// Reads the year files `(label, text)`. The years must be contiguous (2024, 2025, 2026); every
    /// date in a file must lie in its year; a make-up working day must be a Saturday or Sunday and a
    /// holiday range must not run backwards. Errors name the file.
    pub fn parse(files: &[(String, String)]) -> Result<Calendar, String> {
        let mut years: Vec<(YearFile, String)> = Vec::new();
        for (label, text) in files {
            let f: YearFile = toml::from_str(text).map_err(|e| format!("{label}：{e}"))?;
            if f.source.trim().is_empty() {
                return Err(format!("{label}：缺少 source（放假安排通知）"));
            }
            years.push((f, label.clone()));
        }
        if years.is_empty() {
            return Err("没有工作日历文件（data/calendar/YYYY.toml）".into());
        }
        years.sort_by_key(|(f, _)| f.year);
        for w in years.windows(2) {
            if w[1].0.year != w[0].0.year + 1 {
                return Err(format!(
                    "工作日历年度不连续或重复：{}（{}）之后是 {}（{}）",
                    w[0].0.year, w[0].1, w[1].0.year, w[1].1
                ));
            }
        }
        let first_year = years[0].0.year;
        let last_year = years[years.len() - 1].0.year;
        let start = Date::new(first_year, 1, 1).ok_or_else(|| format!("年度{first_year}无效"))?;
        let end = Date::new(last_year, 12, 31).ok_or_else(|| format!("年度{last_year}无效"))?;
        let first_day = start.days_since_epoch();
        let n = (end.days_since_epoch() - first_day + 1) as usize;
        let mut working: Vec<bool> = (0..n as i64)
            .map(|i| weekday(Date::from_days_since_epoch(first_day + i)) < 5)
            .collect();
        let mut sources = Vec::new();
        for (f, label) in &years {
            let in_year = |d: Date, what: &str| -> Result<usize, String> {
                if d.year() != f.year {
                    return Err(format!("{label}：{what} {d} 不在年度 {} 内", f.year));
                }
                Ok((d.days_since_epoch() - first_day) as usize)
            };
            let effective = date(&f.effective, label, "effective")?;
            if effective.year() != f.year {
                return Err(format!(
                    "{label}：effective {effective} 不在年度 {} 内",
                    f.year
                ));
            }
            for h in &f.holiday {
                let a = in_year(date(&h.from, label, &h.name)?, &h.name)?;
                let b = in_year(date(&h.to, label, &h.name)?, &h.name)?;
                if b < a {
                    return Err(format!("{label}：{} 的结束日早于开始日", h.name));
                }
                for w in &mut working[a..=b] {
                    *w = false;
                }
            }
            for m in &f.workday {
                let d = date(&m.date, label, &m.name)?;
                let i = in_year(d, &m.name)?;
                if weekday(d) < 5 {
                    return Err(format!(
                        "{label}：调休上班日 {d}（{}）不是周六或周日",
                        m.name
                    ));
                }
                working[i] = true;
            }
            sources.push(YearSource {
                year: f.year,
                source: f.source.clone(),
                published: date(&f.published, label, "published")?,
                file: label.clone(),
            });
        }
        let mut prefix = Vec::with_capacity(n + 1);
        prefix.push(0u32);
        for w in &working {
            prefix.push(prefix[prefix.len() - 1] + u32::from(*w));
        }
        Ok(Calendar {
            first_day,
            first_year,
            working,
            prefix,
            sources,
        })
    }

    /// The covered years (first, last).
    pub fn years(&self) -> (i32, i32) {
        (
            self.first_year,
            self.first_year + self.sources.len() as i32 - 1,
        )
    }

    /// Each covered year's notice.
    pub fn sources(&self) -> &[YearSource] {
        &self.sources
    }

    fn index(&self, d: Date) -> Result<usize, WorkdayError> {
        let i = d.days_since_epoch() - self.first_day;
        if i < 0 || i as usize >= self.working.len() {
            return Err(WorkdayError::NotCovered(d));
        }
        Ok(i as usize)
    }

    pub fn is_working_day(&self, d: Date) -> Result<bool, WorkdayError> {
        Ok(self.working[self.index(d)?])
    }

    /// The n-th working day after `d` (`d` itself not counted; `n = 0`: `d`).
    pub fn add_working_days(&self, d: Date, n: u32) -> Result<Date, WorkdayError> {
        self.add_working_days_paused(d, n, &[])
    }

    /// The n-th counted working day after `d`, not counting working days inside `pauses`.
    /// An open pause means no due date exists yet: the result is `Ok(None)`.
    pub fn due_date(
        &self,
        d: Date,
        n: u32,
        pauses: &[Pause],
    ) -> Result<Option<Date>, WorkdayError> {
        if pauses.iter().any(|p| p.to.is_none()) {
            return Ok(None);
        }
        self.add_working_days_paused(d, n, pauses).map(Some)
    }

    fn paused(&self, i: usize, pauses: &[Pause]) -> bool {
        let day = self.first_day + i as i64;
        pauses.iter().any(|p| {
            day > p.from.days_since_epoch() && p.to.is_none_or(|t| day <= t.days_since_epoch())
        })
    }

    fn add_working_days_paused(
        &self,
        d: Date,
        n: u32,
        pauses: &[Pause],
    ) -> Result<Date, WorkdayError> {
        let mut i = self.index(d)?;
        let mut left = n;
        while left > 0 {
            i += 1;
            if i >= self.working.len() {
                return Err(WorkdayError::NotCovered(Date::from_days_since_epoch(
                    self.first_day + i as i64,
                )));
            }
            if self.working[i] && !self.paused(i, pauses) {
                left -= 1;
            }
        }
        Ok(Date::from_days_since_epoch(self.first_day + i as i64))
    }

    /// Working days in (`from`, `to`] not inside a pause (0 when `to <= from`). Both dates must be
    /// covered.
    pub fn working_days_between(
        &self,
        from: Date,
        to: Date,
        pauses: &[Pause],
    ) -> Result<u32, WorkdayError> {
        let a = self.index(from)?;
        let b = self.index(to)?;
        if b <= a {
            return Ok(0);
        }
        let mut n = self.prefix[b + 1] - self.prefix[a + 1];
        // subtract the working days inside each pause, clipped to (a, b]; overlapping pauses are
        // merged first so no day is subtracted twice
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for p in pauses {
            let lo = (p.from.days_since_epoch() - self.first_day + 1).max(a as i64 + 1);
            let hi = match p.to {
                Some(t) => (t.days_since_epoch() - self.first_day).min(b as i64),
                None => b as i64,
            };
            if lo <= hi {
                spans.push((lo as usize, hi as usize));
            }
        }
        spans.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for s in spans {
            match merged.last_mut() {
                Some(m) if s.0 <= m.1 + 1 => m.1 = m.1.max(s.1),
                _ => merged.push(s),
            }
        }
        for (lo, hi) in merged {
            n -= self.prefix[hi + 1] - self.prefix[lo];
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests;
