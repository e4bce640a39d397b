//! A department's id (部门编号): the key of a zone department in `data/appeals/routing.toml` and
//! in the store (`appeals.department`, `users.department`). Same form as a park id: 1–64
//! characters, a lower-case ASCII letter first, then lower-case letters, digits, `-` or `_`
//! (`keji`, `zhaoshang`). Whether the department exists is the routing file's business.
use std::fmt;

/// Longest accepted department id, in bytes.
pub const MAX_LEN: usize = 64;

#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct DeptId(String);

impl DeptId {
    /// Parses a department id (surrounding whitespace ignored); the error is a Chinese sentence.
    pub fn parse(s: &str) -> Result<DeptId, String> {
        let t = s.trim();
        if t.is_empty() {
            return Err("部门编号为空".into());
        }
        if t.len() > MAX_LEN {
            return Err(format!("部门编号「{t}」过长（最多{MAX_LEN}个字符）"));
        }
        let first_ok = t.as_bytes()[0].is_ascii_lowercase();
        let rest_ok = t
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !first_ok || !rest_ok {
            return Err(format!(
                "部门编号「{t}」格式无效（应为小写字母开头，由小写字母、数字、-、_ 组成，如 keji）"
            ));
        }
        Ok(DeptId(t.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The department of no department (empty: no parsed id is): the scope of a user who holds
    /// no firm data and is no zone department — a university's ([`DeptId::is_nobody`]). It reads
    /// no department's appeals.
    pub fn nobody() -> DeptId {
        DeptId(String::new())
    }

    pub fn is_nobody(&self) -> bool {
        self.0.is_empty()
    }
}

impl TryFrom<String> for DeptId {
    type Error = String;
    fn try_from(s: String) -> Result<DeptId, String> {
        DeptId::parse(&s)
    }
}

impl From<DeptId> for String {
    fn from(d: DeptId) -> String {
        d.0
    }
}

impl fmt::Display for DeptId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_id_form_only() {
        assert_eq!(DeptId::parse(" keji ").unwrap().as_str(), "keji");
        assert!(DeptId::parse("").is_err());
        assert!(DeptId::parse("Keji").is_err());
        assert!(DeptId::parse("1keji").is_err());
        assert!(DeptId::parse("ke ji").is_err());
        assert!(DeptId::parse(&"k".repeat(65)).is_err());
    }
}
