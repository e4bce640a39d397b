//! A park's id (园区编号), the key of a park in the zone reference data (`data/reference/zone.toml`)
//! and in the store's `enterprises.park` column.
//!
//! A [`ParkId`] can only hold an id of the zone file's form: 1–64 characters, a lower-case ASCII
//! letter first, then lower-case letters, digits, `-` or `_` (`jiangbei`, `jiangning-national`).
//! Whether the park exists is the zone's business ([`crate::Zone::park`]); the form is checked here,
//! once, where the text enters.
use std::fmt;
use std::str::FromStr;

/// Longest accepted park id, in bytes.
pub const MAX_LEN: usize = 64;

/// A park id of the zone file's form.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct ParkId(String);

impl ParkId {
    /// Parses a park id (surrounding whitespace ignored). The error is a Chinese sentence that
    /// names the text.
    pub fn parse(s: &str) -> Result<ParkId, String> {
        let t = s.trim();
        if t.is_empty() {
            return Err("园区编号为空".into());
        }
        if t.len() > MAX_LEN {
            return Err(format!("园区编号「{t}」过长（最多{MAX_LEN}个字符）"));
        }
        let first_ok = t.as_bytes()[0].is_ascii_lowercase();
        let rest_ok = t
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !first_ok || !rest_ok {
            return Err(format!(
                "园区编号「{t}」格式无效（应为小写字母开头，由小写字母、数字、-、_ 组成，如 jiangbei）"
            ));
        }
        Ok(ParkId(t.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ParkId {
    type Err = String;
    fn from_str(s: &str) -> Result<ParkId, String> {
        ParkId::parse(s)
    }
}

impl TryFrom<String> for ParkId {
    type Error = String;
    fn try_from(s: String) -> Result<ParkId, String> {
        ParkId::parse(&s)
    }
}

impl From<ParkId> for String {
    fn from(p: ParkId) -> String {
        p.0
    }
}

impl AsRef<str> for ParkId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for ParkId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for ParkId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}
impl PartialEq<&str> for ParkId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}
impl PartialEq<String> for ParkId {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}
impl PartialEq<ParkId> for str {
    fn eq(&self, other: &ParkId) -> bool {
        self == other.0
    }
}
impl PartialEq<ParkId> for &str {
    fn eq(&self, other: &ParkId) -> bool {
        *self == other.0
    }
}
impl PartialEq<ParkId> for String {
    fn eq(&self, other: &ParkId) -> bool {
        *self == other.0
    }
}

impl fmt::Display for ParkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_every_park_id_of_the_zone_file() {
        let z = crate::Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap();
        assert_eq!(z.parks.len(), 15);
        for p in &z.parks {
            assert_eq!(ParkId::parse(p.id.as_str()).unwrap(), p.id);
        }
        assert_eq!(ParkId::parse(" jiangbei ").unwrap().as_str(), "jiangbei");
        assert_eq!(
            ParkId::parse("jiangning-national").unwrap(),
            "jiangning-national"
        );
    }

    #[test]
    fn rejects_other_forms_with_a_chinese_message() {
        for bad in [
            "",
            "  ",
            "JiangBei",
            "江北园",
            "1park",
            "-x",
            "jiang bei",
            "a/b",
            "x;y",
        ] {
            let e = ParkId::parse(bad).unwrap_err();
            assert!(e.contains("园区编号"), "{bad}: {e}");
        }
        assert!(ParkId::parse(&"a".repeat(MAX_LEN)).is_ok());
        assert!(
            ParkId::parse(&"a".repeat(MAX_LEN + 1))
                .unwrap_err()
                .contains("过长")
        );
    }

    #[test]
    fn serde_parses_the_text() {
        #[derive(serde::Deserialize)]
        struct T {
            park: ParkId,
        }
        let t: T = toml::from_str("park = \"xuanwu\"").unwrap();
        assert_eq!(t.park, "xuanwu");
        assert_eq!(String::from(t.park), "xuanwu");
        let e = toml::from_str::<T>("park = \"Xuanwu\"")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("园区编号"), "{e}");
    }
}
