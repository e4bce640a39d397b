//! Industry classification code (国民经济行业分类, GB/T 4754-2017): a section letter A–T and
//! optionally 2–4 digits (division, group, class), e.g. `C`, `C39`, `C391`, `C3911`, `I6513`.
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IndustryCode(String);

/// Whether a firm counts as manufacturing or services for rules that distinguish them
/// (Nanjing 瞪羚 / 培育独角兽 thresholds): by default section C is manufacturing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    Manufacturing,
    Services,
}

impl Sector {
    pub fn zh(self) -> &'static str {
        match self {
            Sector::Manufacturing => "制造业",
            Sector::Services => "服务业",
        }
    }
    pub fn parse(s: &str) -> Option<Sector> {
        match s.trim() {
            "制造业" | "manufacturing" | "工业" => Some(Sector::Manufacturing),
            "服务业" | "services" | "service" => Some(Sector::Services),
            _ => None,
        }
    }
}

impl IndustryCode {
    pub fn parse(s: &str) -> Result<IndustryCode, String> {
        let t = s.trim().to_ascii_uppercase();
        let mut cs = t.chars();
        let Some(first) = cs.next() else {
            return Err("行业代码为空".into());
        };
        if !('A'..='T').contains(&first) {
            return Err(format!(
                "行业代码「{}」应以门类字母A–T开头（GB/T 4754-2017）",
                s.trim()
            ));
        }
        let digits = &t[1..];
        if !(digits.is_empty() || (2..=4).contains(&digits.len()))
            || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(format!(
                "行业代码「{}」格式应为门类字母加2–4位数字，如C3911",
                s.trim()
            ));
        }
        Ok(IndustryCode(t))
    }
    pub fn section(&self) -> char {
        self.0.as_bytes()[0] as char
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn default_sector(&self) -> Sector {
        if self.section() == 'C' {
            Sector::Manufacturing
        } else {
            Sector::Services
        }
    }
}

impl fmt::Display for IndustryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn parses_and_classifies() {
        assert_eq!(IndustryCode::parse("c3911").unwrap().as_str(), "C3911");
        assert_eq!(
            IndustryCode::parse("C3911").unwrap().default_sector(),
            Sector::Manufacturing
        );
        assert_eq!(
            IndustryCode::parse("I65").unwrap().default_sector(),
            Sector::Services
        );
        assert!(IndustryCode::parse("Z11").is_err());
        assert!(IndustryCode::parse("C3").is_err());
        assert!(IndustryCode::parse("C39111").is_err());
        assert!(IndustryCode::parse("").is_err());
    }
}
