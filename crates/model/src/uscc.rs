//! Unified social credit code (统一社会信用代码, GB 32100-2015).
//!
//! An [`Uscc`] can only hold a well-formed code: 18 characters from the GB 32100 alphabet
//! (digits and upper-case letters without I, O, S, V, Z), a registration-authority code, a
//! six-digit administrative-division code and a correct check character (position 18).
use std::fmt;
use std::str::FromStr;

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Why a string is not a valid unified social credit code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsccError {
    #[error("统一社会信用代码为空")]
    Empty,
    #[error("统一社会信用代码应为18位，实际为{0}位")]
    Length(usize),
    /// A character outside the GB 32100 alphabet, at a 1-based position.
    #[error("第{position}位字符「{found}」不是合法字符（不得含I、O、S、V、Z及小写字母以外的符号）")]
    Character { position: usize, found: char },
    /// Position 1 is the registration authority (1–9, A–N, Y).
    #[error("第1位登记管理部门代码「{0}」无效")]
    Authority(char),
    /// Positions 3–8 are the administrative-division code and must be digits.
    #[error("第{position}位应为行政区划代码数字，实际为「{found}」")]
    Division { position: usize, found: char },
    /// Position 18 is wrong: `expected` is what the other 17 characters require.
    #[error("校验位错误：应为 {expected}，实际为 {found}")]
    Check { expected: char, found: char },
}

/// A valid unified social credit code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uscc(String);

fn value_of(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// The check character that the first 17 characters require (they must be in the alphabet).
pub fn check_char(first17: &[u8]) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (i, &c) in first17.iter().enumerate() {
        sum += value_of(c)? * WEIGHTS[i];
    }
    let v = (31 - sum % 31) % 31;
    Some(ALPHABET[v as usize] as char)
}

impl Uscc {
    /// Parses a code; surrounding white space is trimmed, lower case is folded to upper case.
    pub fn parse(s: &str) -> Result<Uscc, UsccError> {
        let t = s.trim().to_ascii_uppercase();
        if t.is_empty() {
            return Err(UsccError::Empty);
        }
        let n = t.chars().count();
        if n != 18 {
            return Err(UsccError::Length(n));
        }
        for (i, c) in t.chars().enumerate() {
            if !c.is_ascii() || value_of(c as u8).is_none() {
                return Err(UsccError::Character {
                    position: i + 1,
                    found: c,
                });
            }
        }
        let b = t.as_bytes();
        if !matches!(b[0], b'1'..=b'9' | b'A'..=b'N' | b'Y') {
            return Err(UsccError::Authority(b[0] as char));
        }
        for (i, &c) in b.iter().enumerate().take(8).skip(2) {
            if !c.is_ascii_digit() {
                return Err(UsccError::Division {
                    position: i + 1,
                    found: c as char,
                });
            }
        }
        let expected = check_char(&b[..17]).expect("alphabet checked");
        if expected != b[17] as char {
            return Err(UsccError::Check {
                expected,
                found: b[17] as char,
            });
        }
        Ok(Uscc(t))
    }

    /// Builds a valid code from a 17-character body by appending its check character.
    pub fn from_body(body: &str) -> Result<Uscc, UsccError> {
        let b = body.trim().to_ascii_uppercase();
        if b.len() != 17 {
            return Err(UsccError::Length(b.len() + 1));
        }
        match check_char(b.as_bytes()) {
            Some(c) => Uscc::parse(&format!("{b}{c}")),
            // Let `parse` name the offending character.
            None => Uscc::parse(&format!("{b}0")),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Uscc {
    type Err = UsccError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uscc::parse(s)
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for Uscc {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Uscc {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Uscc::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_are_the_ones_users_read() {
        let cases = [
            (UsccError::Empty, "统一社会信用代码为空"),
            (
                UsccError::Length(17),
                "统一社会信用代码应为18位，实际为17位",
            ),
            (
                UsccError::Character {
                    position: 3,
                    found: 'I',
                },
                "第3位字符「I」不是合法字符（不得含I、O、S、V、Z及小写字母以外的符号）",
            ),
            (UsccError::Authority('Z'), "第1位登记管理部门代码「Z」无效"),
            (
                UsccError::Division {
                    position: 4,
                    found: 'A',
                },
                "第4位应为行政区划代码数字，实际为「A」",
            ),
            (
                UsccError::Check {
                    expected: 'X',
                    found: '1',
                },
                "校验位错误：应为 X，实际为 1",
            ),
        ];
        for (e, text) in cases {
            assert_eq!(e.to_string(), text);
        }
    }

    #[test]
    fn published_codes_are_valid() {
        // Codes printed on public business licences (Tencent, Baidu, State Grid).
        for c in [
            "91440300708461136T",
            "91110000802100433B",
            "91110000100017643K",
        ] {
            assert_eq!(Uscc::parse(c).unwrap().as_str(), c);
        }
    }

    #[test]
    fn check_character_errors_name_the_expected_char() {
        let err = Uscc::parse("91110000100017643A").unwrap_err();
        assert_eq!(
            err,
            UsccError::Check {
                expected: 'K',
                found: 'A'
            }
        );
        assert_eq!(err.to_string(), "校验位错误：应为 K，实际为 A");
    }

    #[test]
    fn every_kind_of_invalid_code() {
        assert_eq!(Uscc::parse("  "), Err(UsccError::Empty));
        assert_eq!(Uscc::parse("9111000010001764"), Err(UsccError::Length(16)));
        assert_eq!(
            Uscc::parse("91110000100017643KK"),
            Err(UsccError::Length(19))
        );
        assert_eq!(
            Uscc::parse("9111000010001764IK"),
            Err(UsccError::Character {
                position: 17,
                found: 'I'
            })
        );
        assert_eq!(
            Uscc::parse("91110000100017643-"),
            Err(UsccError::Character {
                position: 18,
                found: '-'
            })
        );
        assert_eq!(
            Uscc::parse("911100001000176４3K"),
            Err(UsccError::Character {
                position: 16,
                found: '４'
            })
        );
        assert_eq!(
            Uscc::parse("P1110000100017643K"),
            Err(UsccError::Authority('P'))
        );
        assert_eq!(
            Uscc::parse("911A0000100017643K"),
            Err(UsccError::Division {
                position: 4,
                found: 'A'
            })
        );
    }

    #[test]
    fn lower_case_and_spaces_are_folded() {
        assert_eq!(
            Uscc::parse(" 91110000100017643k ").unwrap().as_str(),
            "91110000100017643K"
        );
    }

    #[test]
    fn from_body_appends_check_char() {
        let u = Uscc::from_body("91320100MA1N2B3C4").unwrap();
        assert_eq!(u.as_str().len(), 18);
        assert!(Uscc::parse(u.as_str()).is_ok());
    }

    #[test]
    fn check_char_zero_when_sum_divisible() {
        // Exhaustive property: for every last char, exactly one of 31 candidates is valid.
        let body = "91320100MA1N2B3C4";
        let valid: Vec<char> = ALPHABET
            .iter()
            .map(|&c| c as char)
            .filter(|c| Uscc::parse(&format!("{body}{c}")).is_ok())
            .collect();
        assert_eq!(valid.len(), 1);
    }
}
