//! The calendar against an independent table written from ../shared/domain/calendar.md (every
//! holiday day listed one by one, every make-up working day), and weekdays counted from a known
//! anchor (2024-01-01 was a Monday) without the date arithmetic under test.
use super::*;

/// Every official holiday day of 2024–2026 that falls on a weekday or a weekend, one by one.
const HOLIDAYS: &[&str] = &[
    // 2024 (国办发明电〔2023〕7号)
    "2024-01-01",
    "2024-02-10",
    "2024-02-11",
    "2024-02-12",
    "2024-02-13",
    "2024-02-14",
    "2024-02-15",
    "2024-02-16",
    "2024-02-17",
    "2024-04-04",
    "2024-04-05",
    "2024-04-06",
    "2024-05-01",
    "2024-05-02",
    "2024-05-03",
    "2024-05-04",
    "2024-05-05",
    "2024-06-08",
    "2024-06-09",
    "2024-06-10",
    "2024-09-15",
    "2024-09-16",
    "2024-09-17",
    "2024-10-01",
    "2024-10-02",
    "2024-10-03",
    "2024-10-04",
    "2024-10-05",
    "2024-10-06",
    "2024-10-07",
    // 2025 (国办发明电〔2024〕12号)
    "2025-01-01",
    "2025-01-28",
    "2025-01-29",
    "2025-01-30",
    "2025-01-31",
    "2025-02-01",
    "2025-02-02",
    "2025-02-03",
    "2025-02-04",
    "2025-04-04",
    "2025-04-05",
    "2025-04-06",
    "2025-05-01",
    "2025-05-02",
    "2025-05-03",
    "2025-05-04",
    "2025-05-05",
    "2025-05-31",
    "2025-06-01",
    "2025-06-02",
    "2025-10-01",
    "2025-10-02",
    "2025-10-03",
    "2025-10-04",
    "2025-10-05",
    "2025-10-06",
    "2025-10-07",
    "2025-10-08",
    // 2026 (notice of 2025-11-04)
    "2026-01-01",
    "2026-01-02",
    "2026-01-03",
    "2026-02-15",
    "2026-02-16",
    "2026-02-17",
    "2026-02-18",
    "2026-02-19",
    "2026-02-20",
    "2026-02-21",
    "2026-02-22",
    "2026-02-23",
    "2026-04-04",
    "2026-04-05",
    "2026-04-06",
    "2026-05-01",
    "2026-05-02",
    "2026-05-03",
    "2026-05-04",
    "2026-05-05",
    "2026-06-19",
    "2026-06-20",
    "2026-06-21",
    "2026-09-25",
    "2026-09-26",
    "2026-09-27",
    "2026-10-01",
    "2026-10-02",
    "2026-10-03",
    "2026-10-04",
    "2026-10-05",
    "2026-10-06",
    "2026-10-07",
];

/// Make-up working days (调休上班), each a Saturday or Sunday.
const MAKE_UP: &[&str] = &[
    "2024-02-04",
    "2024-02-18",
    "2024-04-07",
    "2024-04-28",
    "2024-05-11",
    "2024-09-14",
    "2024-09-29",
    "2024-10-12",
    "2025-01-26",
    "2025-02-08",
    "2025-04-27",
    "2025-09-28",
    "2025-10-11",
    "2026-01-04",
    "2026-02-14",
    "2026-02-28",
    "2026-05-09",
    "2026-09-20",
    "2026-10-10",
];

pub(crate) fn shipped() -> Calendar {
    Calendar::parse(&[
        (
            "2024.toml".into(),
            include_str!("../../../../data/calendar/2024.toml").into(),
        ),
        (
            "2025.toml".into(),
            include_str!("../../../../data/calendar/2025.toml").into(),
        ),
        (
            "2026.toml".into(),
            include_str!("../../../../data/calendar/2026.toml").into(),
        ),
    ])
    .unwrap()
}

fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

/// (y, m, d, weekday 0 = Monday) for every day of 2024–2026, walked month by month from the
/// anchor 2024-01-01 = Monday.
fn every_day() -> Vec<(i32, u8, u8, u8)> {
    let mut out = Vec::new();
    let mut wd = 0u8;
    for y in 2024..=2026 {
        for m in 1..=12u8 {
            let len = match m {
                2 if y % 4 == 0 => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            for day in 1..=len {
                out.push((y, m, day, wd));
                wd = (wd + 1) % 7;
            }
        }
    }
    out
}

#[test]
fn every_day_of_2024_to_2026_matches_the_official_table() {
    let cal = shipped();
    assert_eq!(cal.years(), (2024, 2026));
    let days = every_day();
    assert_eq!(days.len(), 366 + 365 + 365);
    let mut working = 0;
    for (y, m, day, wd) in days {
        let s = format!("{y:04}-{m:02}-{day:02}");
        let date = d(&s);
        assert_eq!(weekday(date), wd, "{s}");
        let expected = if MAKE_UP.contains(&s.as_str()) {
            assert!(wd >= 5, "{s} is a make-up day on a weekday in the table");
            true
        } else if HOLIDAYS.contains(&s.as_str()) {
            false
        } else {
            wd < 5
        };
        assert_eq!(cal.is_working_day(date), Ok(expected), "{s}");
        working += u32::from(expected);
    }
    // the running count agrees with working_days_between over the three years
    assert_eq!(
        cal.working_days_between(d("2023-12-31").max(d("2024-01-01")), d("2026-12-31"), &[])
            .unwrap()
            + u32::from(cal.is_working_day(d("2024-01-01")).unwrap()),
        working
    );
}

#[test]
fn yearly_working_day_totals() {
    // counted by hand from calendar.md: 2024 has 262 weekdays − 19 holiday weekdays + 8 make-up
    // days = 251; 2025: 261 − 18 + 5 = 248; 2026: 261 − 19 + 6 = 248
    let cal = shipped();
    let count = |y: i32| {
        cal.working_days_between(d(&format!("{y}-01-01")), d(&format!("{y}-12-31")), &[])
            .unwrap()
            + u32::from(cal.is_working_day(d(&format!("{y}-01-01"))).unwrap())
    };
    assert_eq!(count(2024), 251);
    assert_eq!(count(2025), 248);
    assert_eq!(count(2026), 248);
}

#[test]
fn the_worked_example_of_calendar_md() {
    let cal = shipped();
    // accepted Friday 2026-02-13, 3 working days → Wednesday 2026-02-25
    assert_eq!(
        cal.add_working_days(d("2026-02-13"), 3),
        Ok(d("2026-02-25"))
    );
    assert_eq!(
        cal.add_working_days(d("2026-02-13"), 1),
        Ok(d("2026-02-14"))
    );
    assert_eq!(
        cal.add_working_days(d("2026-02-13"), 0),
        Ok(d("2026-02-13"))
    );
    assert_eq!(
        cal.working_days_between(d("2026-02-13"), d("2026-02-25"), &[]),
        Ok(3)
    );
    assert_eq!(
        cal.working_days_between(d("2026-02-25"), d("2026-02-13"), &[]),
        Ok(0)
    );
}

#[test]
fn boundaries_across_years_and_outside_the_calendar() {
    let cal = shipped();
    // 2024-12-31 (Tue) + 1 → 2025-01-02 (01-01 holiday)
    assert_eq!(
        cal.add_working_days(d("2024-12-31"), 1),
        Ok(d("2025-01-02"))
    );
    // 2025-12-31 (Wed) + 1 → 2026-01-04 (Sun, make-up: 01-01…01-03 holiday)
    assert_eq!(
        cal.add_working_days(d("2025-12-31"), 1),
        Ok(d("2026-01-04"))
    );
    // before or after the covered years: an error, never a guess
    assert_eq!(
        cal.is_working_day(d("2023-12-29")),
        Err(WorkdayError::NotCovered(d("2023-12-29")))
    );
    assert!(matches!(
        cal.add_working_days(d("2026-12-30"), 5),
        Err(WorkdayError::NotCovered(x)) if x.year() == 2027
    ));
    assert_eq!(
        cal.add_working_days(d("2026-12-30"), 1),
        Ok(d("2026-12-31"))
    );
    assert!(
        cal.working_days_between(d("2026-12-01"), d("2027-01-05"), &[])
            .is_err()
    );
    let msg = WorkdayError::NotCovered(d("2027-01-05")).to_string();
    assert!(msg.contains("2027") && msg.contains("工作日历"), "{msg}");
}

#[test]
fn pauses_stop_the_clock() {
    let cal = shipped();
    // Mon 2025-03-03 … Fri 03-14: 9 working days after 03-03
    assert_eq!(
        cal.working_days_between(d("2025-03-03"), d("2025-03-14"), &[]),
        Ok(9)
    );
    // waiting for the firm from Wed 03-05 (counts) until Mon 03-10 (does not): 03-06, 03-07, 03-10 stop
    let p = Pause {
        from: d("2025-03-05"),
        to: Some(d("2025-03-10")),
    };
    assert_eq!(
        cal.working_days_between(d("2025-03-03"), d("2025-03-14"), &[p]),
        Ok(6)
    );
    // the same pause twice, and an overlapping one, subtract each day once
    let q = Pause {
        from: d("2025-03-04"),
        to: Some(d("2025-03-06")),
    };
    assert_eq!(
        cal.working_days_between(d("2025-03-03"), d("2025-03-14"), &[p, p, q]),
        Ok(5)
    );
    // an open pause: nothing after its start counts, and there is no due date yet
    let open = Pause {
        from: d("2025-03-05"),
        to: None,
    };
    assert_eq!(
        cal.working_days_between(d("2025-03-03"), d("2025-03-14"), &[open]),
        Ok(2)
    );
    assert_eq!(cal.due_date(d("2025-03-03"), 5, &[open]), Ok(None));
    // due date moves by the paused working days: 5 after 03-03 is 03-10; with p, 03-13
    assert_eq!(
        cal.due_date(d("2025-03-03"), 5, &[]),
        Ok(Some(d("2025-03-10")))
    );
    assert_eq!(
        cal.due_date(d("2025-03-03"), 5, &[p]),
        Ok(Some(d("2025-03-13")))
    );
    // a pause outside the interval changes nothing
    let before = Pause {
        from: d("2025-02-01"),
        to: Some(d("2025-02-20")),
    };
    assert_eq!(
        cal.working_days_between(d("2025-03-03"), d("2025-03-14"), &[before]),
        Ok(9)
    );
}

#[test]
fn add_and_between_agree_everywhere() {
    let cal = shipped();
    let start = d("2024-01-01").days_since_epoch();
    for i in (0..1000).step_by(7) {
        let a = Date::from_days_since_epoch(start + i);
        for n in [0u32, 1, 3, 5, 10, 20] {
            let due = cal.add_working_days(a, n).unwrap();
            assert_eq!(cal.working_days_between(a, due, &[]), Ok(n), "{a} + {n}");
            if n > 0 {
                assert!(cal.is_working_day(due).unwrap(), "{a} + {n} = {due}");
            }
        }
    }
}

#[test]
fn bad_files_are_refused_with_the_file_named() {
    let ok = include_str!("../../../../data/calendar/2025.toml");
    let e =
        Calendar::parse(&[("x.toml".into(), ok.replace("2025-09-28", "2025-09-29"))]).unwrap_err();
    assert!(e.contains("x.toml") && e.contains("不是周六或周日"), "{e}");
    let e =
        Calendar::parse(&[("y.toml".into(), ok.replace("2025-05-31", "2026-05-31"))]).unwrap_err();
    assert!(e.contains("y.toml") && e.contains("不在年度"), "{e}");
    let e = Calendar::parse(&[
        (
            "a.toml".into(),
            include_str!("../../../../data/calendar/2024.toml").into(),
        ),
        (
            "c.toml".into(),
            include_str!("../../../../data/calendar/2026.toml").into(),
        ),
    ])
    .unwrap_err();
    assert!(e.contains("不连续"), "{e}");
    assert!(Calendar::parse(&[]).is_err());
    assert!(Calendar::parse(&[("z.toml".into(), "year = 2025".into())]).is_err());
}
