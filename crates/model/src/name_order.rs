//! The order of Chinese names: by pinyin (the order of a Chinese dictionary, 「安」 before 「北」
//! before 「中」), not by code point (which puts 「中」 before 「北」 before 「安」).
//!
//! [`sort_key`] turns a name into a key of ASCII digits and lower-case letters only, so that a
//! plain byte comparison, SQLite's `BINARY` and any PostgreSQL collation order keys alike: the
//! store keeps the key beside the name (`enterprises.name_key`) and sorts by it on both backends.
//! The pinyin comes from the `pinyin` crate's table (the pinyin-data project's readings of
//! Unicode Han characters; a character with several readings takes its most common one).

use pinyin::ToPinyin;

/// Width of one character's pinyin in the key (the longest syllables, 「zhuang」, have six letters).
const SYLLABLE: usize = 6;

/// The sort key of a name: for each character that counts, a fixed-width segment of its
/// syllable (padded with `0`, so 「an」 sorts before 「ang」), its tone (1–4, 5 for the neutral
/// tone) and its code point (six hex digits, so characters of the same reading keep one fixed
/// order). Digits sort before Latin letters, Latin letters (case ignored) just before the syllables
/// that share their spelling, characters without a reading after all of them; punctuation and spaces
/// are skipped (「南京（集团）」 sorts as 「南京集团」). Full-width letters and digits count as their
/// ASCII forms.
pub fn sort_key(name: &str) -> String {
    let mut key = String::with_capacity(name.len() * 5);
    for c in name.chars() {
        let c = half_width(c).to_ascii_lowercase();
        let (syllable, tone): (String, char) = if c.is_ascii_digit() {
            (format!("{:0>width$}", c, width = SYLLABLE), '0')
        } else if c.is_ascii_alphabetic() {
            (c.to_string(), '0')
        } else if let Some(p) = c.to_pinyin() {
            let plain: String = p
                .plain()
                .chars()
                .filter_map(|l| match l {
                    'ü' => Some('v'),
                    'ê' => Some('e'),
                    l if l.is_ascii_lowercase() => Some(l),
                    _ => None,
                })
                .collect();
            let tone = p
                .with_tone_num_end()
                .chars()
                .last()
                .filter(|t| ('1'..='4').contains(t))
                .unwrap_or('5');
            (plain, tone)
        } else if c.is_alphanumeric() {
            ("zzzzzz".into(), '9')
        } else {
            continue;
        };
        key.push_str(&syllable);
        for _ in syllable.len()..SYLLABLE {
            key.push('0');
        }
        key.push(tone);
        key.push_str(&format!("{:06x}", c as u32));
    }
    key
}

/// A full-width ASCII form (「Ａ」, 「１」) as its ASCII character.
fn half_width(c: char) -> char {
    match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Sorts `items` by the pinyin of the name that `name` gives (keys computed once per item).
pub fn sort_by_name<T>(items: &mut [T], name: impl Fn(&T) -> &str) {
    items.sort_by_cached_key(|t| sort_key(name(t)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(names: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        sort_by_name(&mut v, |s| s.as_str());
        v
    }

    #[test]
    fn chinese_names_sort_by_pinyin_not_code_point() {
        // Code point order would be 中 (4E2D) < 北 (5317) < 安 (5B89).
        assert_eq!(
            sorted(&["中兴科技有限公司", "北斗星通有限公司", "安徽电子有限公司"]),
            ["安徽电子有限公司", "北斗星通有限公司", "中兴科技有限公司"]
        );
        // A shorter syllable before a longer one that starts with it; then by tone.
        assert_eq!(sorted(&["昂立", "安达", "按时"]), ["安达", "按时", "昂立"]);
        // ü after u.
        assert_eq!(sorted(&["绿源", "路通"]), ["路通", "绿源"]);
        // A prefix first.
        assert_eq!(
            sorted(&["南京大学科技园", "南京"]),
            ["南京", "南京大学科技园"]
        );
    }

    #[test]
    fn digits_latin_and_punctuation() {
        assert_eq!(
            sorted(&["中科", "ABB（中国）有限公司", "3D打印", "阿里"]),
            ["3D打印", "ABB（中国）有限公司", "阿里", "中科"]
        );
        assert_eq!(sort_key("南京（集团）"), sort_key("南京集团"));
        assert_eq!(sort_key("ＡＢ１"), sort_key("ab1"));
        assert_eq!(sort_key("Ab"), sort_key("aB"));
    }

    #[test]
    fn keys_are_lower_case_ascii_alphanumerics() {
        for name in ["南京紫金（新港）科技有限公司", "Ω 公司", "绿色 ê 1", ""] {
            let k = sort_key(name);
            assert!(
                k.bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()),
                "{name}: {k}"
            );
        }
        assert_eq!(sort_key("中").len(), 13);
    }
}
