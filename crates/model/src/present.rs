//! The one presentation of numbers, units, statuses' numbers and times for every front end
//! (web templates as minijinja filters, the .xlsx exports' text cells, the `gaoxin` command's
//! text output, and the rules engine's need/have texts).
//!
//! Rules (issue 18):
//! - Money is shown in 万元, or in 亿元 from 1 亿元 up, with thousands separators and exactly two
//!   decimals, computed on the integer fen (never through `f64`): [`money`], [`wan`], [`yi`].
//! - Yuan only where a policy's amount is paid, and then labelled 元: [`yuan`].
//! - Ratios (0.0659) are percentages (「6.59%」): [`pct`]; a value already in per cent: [`percent`].
//! - Counts are integers, never 「366.0」: [`count`].
//! - Other numbers have at most two decimals: [`num`]; a value with its unit follows the unit's
//!   rule: [`value`].
//! - Dates and times are in Asia/Shanghai. China has had no daylight saving time since 1991, so
//!   Asia/Shanghai is the fixed offset UTC+8 for every time this platform stores (no time-zone
//!   database is needed): [`datetime`], [`expiry`], [`date`].
use crate::date::Date;
use crate::money::{Money, Unit, group_thousands};

/// From this amount up (1 亿元, in fen) money is shown in 亿元.
pub const YI_FROM_FEN: i64 = 10_000_000_000;

/// Asia/Shanghai's offset from UTC in seconds (fixed: no daylight saving time).
pub const SHANGHAI_OFFSET_SECS: i64 = 8 * 3600;

/// Fen as 万元, two decimals, thousands separators, no unit (`12,345.68`).
pub fn wan(fen: i64) -> String {
    group_thousands(&Money(fen).rounded(Unit::WanYuan, 2))
}

/// Fen as 亿元, two decimals, thousands separators, no unit (`1.23`).
pub fn yi(fen: i64) -> String {
    group_thousands(&Money(fen).rounded(Unit::YiYuan, 2))
}

/// Fen with its unit: 万元 below 1 亿元, else 亿元 (`105,542.82万元`, `12.35亿元`).
pub fn money(fen: i64) -> String {
    if fen.unsigned_abs() >= YI_FROM_FEN as u64 {
        format!("{}亿元", yi(fen))
    } else {
        format!("{}万元", wan(fen))
    }
}

/// A paid amount in 元 with two decimals and its unit (`25,797,752.96元`).
pub fn yuan(fen: i64) -> String {
    format!("{}元", group_thousands(&Money(fen).rounded(Unit::Yuan, 2)))
}

/// Fen from a floating amount in `unit` (rounded to the nearest fen; `None` if not finite or
/// out of range).
pub fn fen_of(x: f64, unit: Unit) -> Option<i64> {
    let f = (x * unit.fen() as f64).round();
    (f.is_finite() && f.abs() < 9.0e18).then_some(f as i64)
}

/// A floating amount in 万元 (an engine's value) shown like [`money`].
pub fn money_from_wan(x: f64) -> String {
    fen_of(x, Unit::WanYuan)
        .map(money)
        .unwrap_or_else(|| "—".into())
}

/// A floating amount in 元 shown like [`money`].
pub fn money_from_yuan(x: f64) -> String {
    fen_of(x, Unit::Yuan)
        .map(money)
        .unwrap_or_else(|| "—".into())
}

/// A number with at most two decimals, thousands-separated: whole numbers without decimals
/// (`130`), others with two (`4.50`, `-0.07`); `—` if not finite.
pub fn num(x: f64) -> String {
    if !x.is_finite() {
        return "—".into();
    }
    let r = (x * 100.0).round() / 100.0;
    if r.fract() == 0.0 && r.abs() < 1e15 {
        let r = if r == 0.0 { 0.0 } else { r }; // no 「-0」
        group_thousands(&format!("{r:.0}"))
    } else {
        group_thousands(&format!("{r:.2}"))
    }
}

/// A number with exactly `decimals` (at most two) places, thousands-separated (`5.48`).
pub fn fixed(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "—".into();
    }
    let d = decimals.min(2);
    let s = format!("{x:.d$}");
    let s = if s
        .trim_start_matches('-')
        .bytes()
        .all(|b| b == b'0' || b == b'.')
    {
        s.trim_start_matches('-').to_string()
    } else {
        s
    };
    group_thousands(&s)
}

/// A count: an integer with thousands separators (`366`, `1,235`), rounded if the engine's value
/// carries a fraction.
pub fn count(n: f64) -> String {
    if !n.is_finite() {
        return "—".into();
    }
    let r = n.round();
    let r = if r == 0.0 { 0.0 } else { r };
    group_thousands(&format!("{r:.0}"))
}

/// A ratio as a percentage with two decimals (`0.0659` → `6.59%`).
pub fn pct(ratio: f64) -> String {
    if !ratio.is_finite() {
        return "—".into();
    }
    format!("{}%", fixed(ratio * 100.0, 2))
}

/// An annual growth rate (a ratio per year): in per cent while below doubling (`0.0849` →
/// `8.49%`); from doubling a year on, as the multiple a year (`129.0` → `每年增至130.00倍`) — a
/// required pace of 「12,900.00%」 reads as a misprint, 「每年增至130倍」 says what it asks.
pub fn growth(rate: f64) -> String {
    if !rate.is_finite() {
        return "—".into();
    }
    if rate >= 1.0 {
        format!("每年增至{}倍", fixed(1.0 + rate, 2))
    } else {
        pct(rate)
    }
}

/// A value already in per cent (`5.48` → `5.48%`).
pub fn percent(p: f64) -> String {
    if !p.is_finite() {
        return "—".into();
    }
    format!("{}%", fixed(p, 2))
}

/// Units that count things: their values are integers.
pub const COUNT_UNITS: &[&str] = &[
    "家", "个", "件", "人", "项", "次", "名", "所", "位", "篇", "户", "台", "套",
];

/// Whether `unit` counts things (「家」, 「件」, 「人」 …).
pub fn is_count_unit(unit: &str) -> bool {
    COUNT_UNITS.contains(&unit.trim())
}

/// A value with its unit, by the unit's one rule: counts as integers (`366家`), ratios
/// (「比例」, 「ratio」, 「比值」) as percentages (`6.59%`), per cent with two decimals, money in
/// 万元 / 亿元 / 元 as [`money`], anything else with at most two decimals and the unit.
pub fn value(x: f64, unit: &str) -> String {
    let u = unit.trim();
    if !x.is_finite() {
        return "—".into();
    }
    match u {
        "" => num(x),
        "比例" | "ratio" | "比值" | "占比" => pct(x),
        "%" | "％" => percent(x),
        "万元" => money_from_wan(x),
        "亿元" => fen_of(x, Unit::YiYuan)
            .map(money)
            .unwrap_or_else(|| "—".into()),
        "元" => money_from_yuan(x),
        _ if is_count_unit(u) => format!("{}{u}", count(x)),
        _ => format!("{}{u}", num(x)),
    }
}

/// Unix seconds as the Asia/Shanghai date and time (`2026年12月6日 08:05`).
pub fn datetime(unix: i64) -> String {
    let t = unix + SHANGHAI_OFFSET_SECS;
    let d = Date::from_days_since_epoch(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    format!("{} {:02}:{:02}", date(d), s / 3600, (s % 3600) / 60)
}

/// Unix seconds as the Asia/Shanghai date (`2026年12月6日`).
pub fn date_of(unix: i64) -> String {
    let t = unix + SHANGHAI_OFFSET_SECS;
    date(Date::from_days_since_epoch(t.div_euclid(86_400)))
}

/// An end of validity: a time at midnight in Beijing is the end of the day before
/// (`2027年12月6日 24:00`), so a consent until 6 December reads as 6 December.
pub fn expiry(unix: i64) -> String {
    let t = unix + SHANGHAI_OFFSET_SECS;
    if t.rem_euclid(86_400) == 0 {
        let d = Date::from_days_since_epoch(t.div_euclid(86_400) - 1);
        format!("{} 24:00", date(d))
    } else {
        datetime(unix)
    }
}

/// A date in Chinese (`2021年3月1日`).
pub fn date(d: Date) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// Unix seconds of the end of `d` in Beijing (midnight after it, Asia/Shanghai).
pub fn end_of_day_shanghai(d: Date) -> i64 {
    (d.days_since_epoch() + 1) * 86_400 - SHANGHAI_OFFSET_SECS
}

/// Markers of words meant for developers, never for the product's users: the criteria file and
/// its sections, review notes, file names, commands and rule-file parameter ids.
const INTERNAL: &[&str] = &[
    "criteria.md",
    "§",
    "issue ",
    ".toml",
    ".md",
    "gaoxin ",
    "参数 ",
    "UNCONFIRMED",
];

/// Whether `s` holds words meant for developers (see [`plain`]).
pub fn has_internal(s: &str) -> bool {
    INTERNAL.iter().any(|m| s.contains(m))
}

/// Text for users without developers' references: a bracketed aside (（…）, (…), 〔…〕 is
/// kept: it is a document number) that names the criteria file, a section sign, a review note,
/// a file, a command or a parameter id is dropped, and so is such a reference left in the
/// running text (「见 criteria.md §2.4」, 「issue 11 核对：」). `UNCONFIRMED` reads 待核实.
pub fn plain(s: &str) -> String {
    if !has_internal(s) {
        return s.to_string();
    }
    // 1. bracketed asides holding a marker
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let close = match c {
            '（' => Some('）'),
            '(' => Some(')'),
            _ => None,
        };
        if let Some(close) = close
            && let Some(len) = chars[i + 1..].iter().position(|&d| d == close)
            && has_internal(&chars[i + 1..i + 1 + len].iter().collect::<String>())
        {
            i += len + 2;
            continue;
        }
        out.push(c);
        i += 1;
    }
    // 2. references left in the running text
    let mut s = out.replace("UNCONFIRMED", "待核实");
    while let Some(at) = s.find("criteria.md") {
        let mut start = at;
        for lead in ["参见 ", "参见", "见 ", "见"] {
            if s[..start].ends_with(lead) {
                start -= lead.len();
                break;
            }
        }
        let rest = &s[at + "criteria.md".len()..];
        let skip = rest
            .char_indices()
            .find(|&(_, c)| !(c == ' ' || c == '§' || c.is_ascii_digit() || c == '.'))
            .map(|(k, _)| k)
            .unwrap_or(rest.len());
        let end = at + "criteria.md".len() + skip;
        s.replace_range(start..end, "");
    }
    while let Some(at) = s.find("issue ") {
        let rest = &s[at + 6..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let mut end = at + 6 + digits;
        for tail in [" 核对", "核对"] {
            if s[end..].starts_with(tail) {
                end += tail.len();
                break;
            }
        }
        for tail in ["：", "；", "，", ":", " "] {
            if s[end..].starts_with(tail) {
                end += tail.len();
                break;
            }
        }
        s.replace_range(at..end, "");
    }
    // punctuation left behind
    for (a, b) in [
        ("；；", "；"),
        ("，，", "，"),
        ("：；", "："),
        ("；。", "。"),
        ("，。", "。"),
        ("（）", ""),
    ] {
        while s.contains(a) {
            s = s.replace(a, b);
        }
    }
    s.trim_start_matches(['；', '，', '：']).trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cases issue 18 lists, each in its one presentation.
    #[test]
    fn issue_18_cases() {
        // 「实际105,542.823094万元」: two decimals
        assert_eq!(money(1_055_428_230_940 / 10), "10.55亿元");
        assert_eq!(money(105_542_823_094), "10.55亿元");
        assert_eq!(money(10_554_282_309), "1.06亿元");
        assert_eq!(money(1_055_428_230), "1,055.43万元");
        assert_eq!(money_from_wan(105_542.823094), "10.55亿元");
        assert_eq!(money_from_wan(5_542.823094), "5,542.82万元");
        // 「1198485594.5 元」 → 亿元
        assert_eq!(money_from_yuan(1_198_485_594.5), "11.98亿元");
        // 「0.0659 比例」 → per cent
        assert_eq!(value(0.0659, "比例"), "6.59%");
        // 「366.0 家」, 「≥20000.0家」 → integers
        assert_eq!(value(366.0, "家"), "366家");
        assert_eq!(value(20_000.0, "家"), "20,000家");
        assert_eq!(count(0.0), "0");
        assert_eq!(count(-0.0), "0");
        // raw yuan in the points table 「4324729.48」 (元) → money with a unit
        assert_eq!(value(4_324_729.48, "元"), "432.47万元");
        // a paid amount stays in yuan, labelled
        assert_eq!(yuan(2_579_775_296), "25,797,752.96元");
        // missing separators
        assert_eq!(num(130_000.0), "130,000");
        assert_eq!(num(1234.567), "1,234.57");
        assert_eq!(percent(5.4812), "5.48%");
        assert_eq!(value(4.5, "%"), "4.50%");
        assert_eq!(num(f64::NAN), "—");
        assert_eq!(num(-0.001), "0");
    }

    #[test]
    fn growth_below_doubling_in_per_cent_above_as_a_multiple() {
        assert_eq!(growth(0.0849), "8.49%");
        assert_eq!(growth(0.0), "0.00%");
        assert_eq!(growth(-0.0011), "-0.11%");
        assert_eq!(growth(0.9999), "99.99%");
        // the demo fixture's 上市企业数: 1 listed firm, 130 wanted a year later
        assert_eq!(growth(129.0), "每年增至130.00倍");
        assert_eq!(growth(1.0), "每年增至2.00倍");
        assert_eq!(growth(f64::NAN), "—");
    }

    #[test]
    fn money_is_exact_on_fen() {
        assert_eq!(wan(1_005_000), "1.01"); // float text was 1.00
        assert_eq!(wan(-2_675_000), "-2.68");
        assert_eq!(yi(-1_250_000_000), "-0.13");
        assert_eq!(money(9_999_999_999), "10,000.00万元"); // just below 1 亿元
        assert_eq!(money(YI_FROM_FEN), "1.00亿元");
        assert_eq!(money(-YI_FROM_FEN), "-1.00亿元");
        assert_eq!(money(0), "0.00万元");
    }

    /// Developers' references never reach users (issue 18: 「criteria.md §4.5」, parameter ids,
    /// commands).
    #[test]
    fn plain_text_for_users() {
        assert_eq!(
            plain(
                "评价入库，入库登记当年有效（有效期口径见 criteria.md §2.4，待核实）；记录：科小入库"
            ),
            "评价入库，入库登记当年有效；记录：科小入库"
        );
        assert_eq!(
            plain("按日计算（参数 age_by_days）或按自然年度计算"),
            "按日计算或按自然年度计算"
        );
        assert_eq!(
            plain("缺少必填列：请使用导入模板（gaoxin template）的表头"),
            "缺少必填列：请使用导入模板的表头"
        );
        assert_eq!(plain("口径见 criteria.md §4.5。"), "口径。");
        assert_eq!(
            plain("issue 11 核对：仅见于公开代码库之一；未见官方原文"),
            "仅见于公开代码库之一；未见官方原文"
        );
        assert_eq!(
            plain("国科发火〔2016〕32号 第十四条"),
            "国科发火〔2016〕32号 第十四条"
        );
        assert_eq!(plain("营业收入（万元）"), "营业收入（万元）");
        assert!(!has_internal(&plain("其中仅20%已确认（criteria.md §6.1）")));
    }

    /// Times are Beijing time: the consent that ends at Beijing midnight of 6 Dec 2027
    /// (16:00 UTC) reads 「2027年12月6日 24:00」, never 16:00.
    #[test]
    fn times_are_asia_shanghai() {
        let end = end_of_day_shanghai(Date::new(2027, 12, 6).unwrap());
        assert_eq!(end % 86_400, 16 * 3600); // 16:00 UTC
        assert_eq!(expiry(end), "2027年12月6日 24:00");
        assert_eq!(datetime(end), "2027年12月7日 00:00");
        assert_eq!(datetime(0), "1970年1月1日 08:00");
        assert_eq!(date_of(16 * 3600 - 1), "1970年1月1日");
        assert_eq!(date_of(16 * 3600), "1970年1月2日");
        assert_eq!(expiry(3600), "1970年1月1日 09:00");
    }
}
