//! Where a fact comes from. Missing is a provenance of its own, never a zero.
use std::fmt;

/// Provenance of one enterprise-year fact.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Provenance {
    /// From an authoritative source, named (e.g. 税务, 火炬统计, 知识产权局, 市场监管, 认定机构).
    Verified(String),
    /// Self-reported by the enterprise (企业申报).
    Declared,
    /// Estimated by the platform or an analyst (估算).
    Imputed,
    /// No value.
    #[default]
    Missing,
}

impl Provenance {
    /// Compact token used in the store and in the import's 来源明细 column:
    /// `V:税务`, `D`, `I`, or empty for missing.
    pub fn token(&self) -> String {
        match self {
            Provenance::Verified(s) => format!("V:{s}"),
            Provenance::Declared => "D".into(),
            Provenance::Imputed => "I".into(),
            Provenance::Missing => String::new(),
        }
    }

    pub fn from_token(t: &str) -> Provenance {
        match t {
            "" => Provenance::Missing,
            "D" => Provenance::Declared,
            "I" => Provenance::Imputed,
            _ => match t.strip_prefix("V:") {
                Some(s) => Provenance::Verified(s.to_string()),
                None => Provenance::Declared,
            },
        }
    }

    /// Parses what a user writes in the 数据来源 column: 企业申报 / 自报 → declared,
    /// 估算 / 推算 → imputed, any other non-empty name → verified from that source.
    pub fn from_source_label(label: &str) -> Provenance {
        match label.trim() {
            "" | "企业申报" | "自报" | "申报" | "declared" => Provenance::Declared,
            "估算" | "推算" | "imputed" => Provenance::Imputed,
            s => Provenance::Verified(s.to_string()),
        }
    }

    pub fn is_verified(&self) -> bool {
        matches!(self, Provenance::Verified(_))
    }

    pub fn zh(&self) -> String {
        match self {
            Provenance::Verified(s) => format!("已核验（{s}）"),
            Provenance::Declared => "企业申报".into(),
            Provenance::Imputed => "估算".into(),
            Provenance::Missing => "缺失".into(),
        }
    }

    /// Short code for APIs and CSS classes.
    pub fn kind(&self) -> &'static str {
        match self {
            Provenance::Verified(_) => "verified",
            Provenance::Declared => "declared",
            Provenance::Imputed => "imputed",
            Provenance::Missing => "missing",
        }
    }
}

impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.zh())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn tokens_round_trip() {
        for p in [
            Provenance::Verified("税务".into()),
            Provenance::Declared,
            Provenance::Imputed,
            Provenance::Missing,
        ] {
            assert_eq!(Provenance::from_token(&p.token()), p);
        }
        assert_eq!(
            Provenance::from_source_label("火炬统计"),
            Provenance::Verified("火炬统计".into())
        );
        assert_eq!(
            Provenance::from_source_label("企业申报"),
            Provenance::Declared
        );
    }
}
