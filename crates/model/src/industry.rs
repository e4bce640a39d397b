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

/// The names of GB/T 4754-2017 codes (`data/reference/industries.toml`, shipped with the binary).
const NAMES_FILE: &str = include_str!("../../../data/reference/industries.toml");

#[derive(serde::Deserialize)]
struct NamesFile {
    names: std::collections::BTreeMap<String, String>,
}

fn names() -> &'static std::collections::BTreeMap<String, String> {
    static NAMES: std::sync::OnceLock<std::collections::BTreeMap<String, String>> =
        std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        // The file is part of the binary and checked by a test: a broken one is a build defect,
        // shown as bare codes rather than a failure of every page.
        toml::from_str::<NamesFile>(NAMES_FILE)
            .map(|f| f.names)
            .unwrap_or_default()
    })
}

/// The name of exactly this GB/T 4754-2017 code (`C3911` → 计算机整机制造), if the data file has it.
pub fn industry_name(code: &str) -> Option<&'static str> {
    names()
        .get(code.trim().to_ascii_uppercase().as_str())
        .map(String::as_str)
}

/// What a code is, in words: its name (「计算机整机制造」), or for a code the data file does not
/// list, the nearest listed level above it marked as such (「属计算机、通信和其他电子设备制造业」);
/// `None` for an unknown section. Never a guessed name.
pub fn industry_description(code: &str) -> Option<String> {
    let code = code.trim().to_ascii_uppercase();
    if let Some(n) = industry_name(&code) {
        return Some(n.to_string());
    }
    (1..code.len())
        .rev()
        .filter(|&k| code.is_char_boundary(k))
        .find_map(|k| industry_name(&code[..k]))
        .map(|n| format!("属{n}"))
}

/// A code with its name for people (「C3911 计算机整机制造」); a code the data file does not list,
/// with the nearest listed level above it (「C3999（属计算机、通信和其他电子设备制造业）」); an
/// unknown section, the bare code.
pub fn industry_label(code: &str) -> String {
    let code = code.trim().to_ascii_uppercase();
    match industry_description(&code) {
        Some(d) if d.starts_with('属') => format!("{code}（{d}）"),
        Some(d) => format!("{code} {d}"),
        None => code,
    }
}

impl IndustryCode {
    /// The code with its name (see [`industry_label`]).
    pub fn label(&self) -> String {
        industry_label(&self.0)
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
    fn names_from_the_gb_t_4754_file() {
        assert_eq!(industry_label("C3911"), "C3911 计算机整机制造");
        assert_eq!(industry_label("c3584"), "C3584 医疗、外科及兽医用器械制造");
        assert_eq!(industry_label("I6520"), "I6520 集成电路设计");
        assert_eq!(
            industry_label("C39"),
            "C39 计算机、通信和其他电子设备制造业"
        );
        assert_eq!(industry_label("M"), "M 科学研究和技术服务业");
        // Not listed: the nearest level above, marked as such (never a guessed name).
        assert_eq!(
            industry_label("C3999"),
            "C3999（属计算机、通信和其他电子设备制造业）"
        );
        assert_eq!(industry_label("M7484"), "M7484（属工程技术与设计服务）");
        assert_eq!(industry_label("Z1"), "Z1");
        assert_eq!(
            IndustryCode::parse("C3973").unwrap().label(),
            "C3973 集成电路制造"
        );
    }

    #[test]
    fn names_are_the_2017_editions_not_2011() {
        // where GB/T 4754-2017 renamed or added a category (checked against public transcriptions
        // of the 2017 table, see the file's header), the 2011 name must not come back
        for (code, name) in [
            ("C3562", "半导体器件专用设备制造"), // 2011: 电子工业专用设备制造
            ("C3586", "康复辅具制造"),           // 2011: 假肢、人工器官及植（介）入器械制造
            ("C346", "烘炉、风机、包装等设备制造"), // 2011: 烘炉、风机、衡器、包装等设备制造
            ("C3491", "工业机器人制造"),         // new in 2017
            ("R87", "广播、电视、电影和录音制作业"), // 2011: …和影视录音制作业
            ("M746", "环境与生态监测检测服务"),
            ("M75", "科技推广和应用服务业"),
            ("C349", "其他通用设备制造业"),
        ] {
            assert_eq!(industry_name(code), Some(name), "{code}");
        }
    }

    #[test]
    fn the_names_file_reads_and_covers_every_section_and_division() {
        let n = names();
        let sections = n.keys().filter(|k| k.len() == 1).count();
        let divisions = n.keys().filter(|k| k.len() == 3).count();
        assert_eq!((sections, divisions), (20, 97));
        for (code, name) in n {
            assert!(IndustryCode::parse(code).is_ok(), "{code}");
            assert!(!name.trim().is_empty(), "{code}");
            // Every group and class sits under a listed division, every division under its section.
            if code.len() > 1 {
                let parent = &code[..if code.len() == 3 { 1 } else { code.len() - 1 }];
                assert!(
                    n.contains_key(parent),
                    "{code} has no listed parent {parent}"
                );
            }
        }
    }

    #[test]
    fn every_code_the_demo_draws_has_a_name() {
        // The demo's class tables (crates/demo/src/firm/tables.rs) draw these.
        for c in [
            "C2661", "C2662", "C2664", "C2710", "C2720", "C2730", "C2740", "C2761", "C2762",
            "C2770", "C3491", "C3492", "C3493", "C3441", "C3463", "C3591", "C3562", "C3599",
            "C3597", "C3581", "C3583", "C3584", "C3585", "C3586", "C3589", "C3612", "C3670",
            "C3660", "C3741", "C3744", "C3811", "C3821", "C3823", "C3824", "C3825", "C3841",
            "C3911", "C3921", "C3940", "C3961", "C3963", "C3972", "C3973", "C3976", "C3981",
            "C3974", "C4011", "C4014", "C4021", "D4415", "D4420", "I6311", "I6312", "I6319",
            "I6421", "I6429", "I6432", "I6440", "I6450", "I6511", "I6513", "I6519", "I6531",
            "I6550", "I6560", "I6520", "M7310", "M7320", "M7340", "M7452", "M7461", "M7512",
            "M7514", "M7520", "M7530", "M7540", "N7721", "N7722", "N7723", "N7724",
        ] {
            assert!(industry_name(c).is_some(), "{c}");
        }
    }
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
