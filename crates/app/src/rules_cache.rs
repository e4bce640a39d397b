//! The rule files and their compiled plans kept between requests (the server holds one
//! [`RulesCache`]): a firm's 梯度 page evaluates the firm with the cached plan of its year instead
//! of reading, parsing and compiling every rule file again.
//!
//! Each use checks the rules directory cheaply — the name, size and modification time of every
//! `*.toml` in it (one directory listing, no file read) — and reloads everything when that
//! changed, so an analyst's edit is used by the next request. Shipped rules never change. A load
//! error is returned, never cached: the next request tries again.
//!
//! It also tells which rule files changed since a stored run ([`rule_changes`]): the run records
//! every rule's version and content hash ([`gaoxin_rules::RuleVersion`]).
use crate::data_files::{self, Source};
use crate::error::EvalError;
use crate::rules_files::{plan_for, read_rules};
use crate::rules_summary::RulesSummary;
use gaoxin_model::Year;
use gaoxin_rules::{Plan, RuleFile, RuleVersion};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// The plan of one fiscal year and the rule files left out of it (not in force), with the reason.
#[derive(Debug)]
pub struct YearPlan {
    pub plan: Arc<Plan>,
    pub skipped: Vec<String>,
    /// Every rule of the plan as a run records it (version and file hash).
    pub versions: Vec<RuleVersion>,
}

/// What the rules directory looked like when it was loaded.
#[derive(Debug, Clone, PartialEq)]
enum Stamp {
    Shipped,
    /// The directory and each `*.toml`'s name, size and modification time, sorted by name.
    Dir(PathBuf, Vec<(String, u64, Option<SystemTime>)>),
}

fn stamp(source: &Source) -> Result<Stamp, EvalError> {
    let dir = match source {
        Source::Shipped => return Ok(Stamp::Shipped),
        Source::Dir(d) => d,
    };
    let unreadable =
        |e: std::io::Error| EvalError::Engine(format!("无法读取规则目录 {}：{e}", dir.display()));
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        let entry = entry.map_err(unreadable)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".toml") {
            continue;
        }
        let meta = entry.metadata().map_err(unreadable)?;
        files.push((name, meta.len(), meta.modified().ok()));
    }
    files.sort();
    Ok(Stamp::Dir(dir.clone(), files))
}

struct Loaded {
    stamp: Stamp,
    files: Arc<Vec<RuleFile>>,
    plans: HashMap<Year, Arc<YearPlan>>,
}

/// Rule files and compiled plans per year, reloaded when the rules directory changes.
#[derive(Default)]
pub struct RulesCache {
    /// Where the files are read from; `None`: where [`data_files::RULES`] says at each use.
    source: Option<Source>,
    loaded: Mutex<Option<Loaded>>,
    /// How many times the files were read and parsed (for tests and diagnostics).
    loads: std::sync::atomic::AtomicUsize,
}

impl RulesCache {
    pub fn new() -> RulesCache {
        RulesCache::default()
    }

    /// A cache of the rule files of `source` only.
    pub fn of(source: Source) -> RulesCache {
        RulesCache {
            source: Some(source),
            ..RulesCache::default()
        }
    }

    /// How many times the rule files have been read and parsed.
    pub fn loads(&self) -> usize {
        self.loads.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The current rule files and the plan of fiscal `year`, from the cache unless the rules
    /// directory changed since they were loaded.
    pub fn plan(&self, year: Year) -> Result<(Arc<Vec<RuleFile>>, Arc<YearPlan>), EvalError> {
        let source = self
            .source
            .clone()
            .unwrap_or_else(|| data_files::RULES.source());
        let now = stamp(&source)?;
        let mut guard = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        if guard.as_ref().is_none_or(|l| l.stamp != now) {
            *guard = None;
            let files = read_rules(&source).map_err(|es| {
                EvalError::Engine(
                    es.iter()
                        .map(|e| e.to_string())
                        .collect::<Vec<_>>()
                        .join("；"),
                )
            })?;
            self.loads
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            *guard = Some(Loaded {
                stamp: now,
                files: Arc::new(files),
                plans: HashMap::new(),
            });
        }
        let loaded = guard.as_mut().expect("loaded above");
        let files = loaded.files.clone();
        let plan = loaded
            .plans
            .entry(year)
            .or_insert_with(|| {
                let (plan, skipped) = plan_for(&files, year);
                let versions = RuleVersion::of_plan(&files, &plan);
                Arc::new(YearPlan {
                    plan: Arc::new(plan),
                    skipped,
                    versions,
                })
            })
            .clone();
        Ok((files, plan))
    }

    /// The rule files changed since the stored run `s` (of its year), per [`rule_changes`].
    pub fn changes_since(&self, s: &RulesSummary) -> Result<Vec<RuleChange>, EvalError> {
        let (_, now) = self.plan(Year::new(s.record.year).map_err(EvalError::Engine)?)?;
        Ok(rule_changes(s, &now.versions, &now.plan))
    }
}

/// A rule file that differs from the stored run's: its name, the version the run used (`None`:
/// not in the run) and the version now loaded (`None`: no longer in force or removed).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RuleChange {
    pub id: String,
    pub name: String,
    pub stored: Option<String>,
    pub current: Option<String>,
}

impl RuleChange {
    /// 「高新技术企业认定（存储结果 2016.1 → 当前 2016.2）」.
    pub fn zh(&self) -> String {
        let v = |x: &Option<String>| x.clone().unwrap_or_else(|| "无".into());
        match (&self.stored, &self.current) {
            (Some(a), Some(b)) if a == b => {
                format!("{}（版本 {a} 未变，文件内容已修改）", self.name)
            }
            (s, c) => format!("{}（存储结果 {} → 当前 {}）", self.name, v(s), v(c)),
        }
    }
}

/// The rule files whose version or content differs between the stored run `s` and the rules now
/// loaded (`current`: [`YearPlan::versions`] of the run's year; `plan` names new rules), in the
/// order of the run's rules, then new ones.
pub fn rule_changes(s: &RulesSummary, current: &[RuleVersion], plan: &Plan) -> Vec<RuleChange> {
    let name = |id: &str| {
        s.rule(id)
            .map(|r| r.name.clone())
            .or_else(|| plan.rule(id).map(|r| r.name.clone()))
            .unwrap_or_else(|| id.to_string())
    };
    let mut out = Vec::new();
    for old in &s.record.rules {
        let now = current.iter().find(|c| c.id == old.id);
        if now.is_none_or(|c| c.version != old.version || c.file_hash != old.file_hash) {
            out.push(RuleChange {
                id: old.id.clone(),
                name: name(&old.id),
                stored: Some(old.version.clone()),
                current: now.map(|c| c.version.clone()),
            });
        }
    }
    for new in current {
        if !s.record.rules.iter().any(|o| o.id == new.id) {
            out.push(RuleChange {
                id: new.id.clone(),
                name: name(&new.id),
                stored: None,
                current: Some(new.version.clone()),
            });
        }
    }
    out
}

/// The notice shown above stored lists when the rule files changed since the run, or `None`:
/// 「规则文件已更新：…，列表为上次测算结果，请重新测算」.
pub fn notice_zh(changes: &[RuleChange]) -> Option<String> {
    (!changes.is_empty()).then(|| {
        format!(
            "规则文件已更新：{}，列表为上次测算结果，请重新测算",
            changes
                .iter()
                .map(RuleChange::zh)
                .collect::<Vec<_>>()
                .join("；")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use gaoxin_rules::RulesRunRecord;

    fn summary(rules: Vec<RuleVersion>) -> RulesSummary {
        RulesSummary {
            record: RulesRunRecord {
                engine_version: "0".into(),
                year: 2024,
                as_of: "2025-06-30".into(),
                options: Default::default(),
                rules,
                input_hash: String::new(),
                firms: 0,
                output_hash: String::new(),
                summary: Vec::new(),
            },
            skipped: Vec::new(),
            rules: Vec::new(),
            rungs: Vec::new(),
            counts: Vec::new(),
            funnel_years: Vec::new(),
            funnel: Vec::new(),
            conversions: Vec::new(),
            medians: Vec::new(),
            budgets: Vec::new(),
        }
    }

    fn v(id: &str, version: &str, hash: &str) -> RuleVersion {
        RuleVersion {
            id: id.into(),
            version: version.into(),
            document: String::new(),
            file_hash: hash.into(),
        }
    }

    #[test]
    fn changed_removed_added_and_edited_rule_files_are_named() {
        let s = summary(vec![
            v("a", "1", "h1"),
            v("b", "2016.1", "h2"),
            v("c", "1", "h3"),
            v("d", "1", "h4"),
        ]);
        let now = [
            v("a", "1", "h1"),
            v("b", "2016.2", "h5"),
            v("d", "1", "h6"),
            v("e", "3", "h7"),
        ];
        let (plan, _) = plan_for(&[], Year::new(2024).unwrap());
        let ch = rule_changes(&s, &now, &plan);
        let text: Vec<String> = ch.iter().map(RuleChange::zh).collect();
        assert_eq!(
            text,
            [
                "b（存储结果 2016.1 → 当前 2016.2）",
                "c（存储结果 1 → 当前 无）",
                "d（版本 1 未变，文件内容已修改）",
                "e（存储结果 无 → 当前 3）",
            ]
        );
        assert!(notice_zh(&ch).unwrap().starts_with("规则文件已更新：b（"));
        assert_eq!(rule_changes(&s, &s.record.rules.clone(), &plan), []);
        assert_eq!(notice_zh(&[]), None);
    }

    #[test]
    fn the_cache_reloads_only_when_the_rules_directory_changes() {
        let dir = std::env::temp_dir().join(format!("gaoxin-rules-cache-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("x.toml"), "a").unwrap();
        let s1 = stamp(&Source::Dir(dir.clone())).unwrap();
        assert_eq!(s1, stamp(&Source::Dir(dir.clone())).unwrap());
        std::fs::write(dir.join("x.toml"), "ab").unwrap();
        let s2 = stamp(&Source::Dir(dir.clone())).unwrap();
        assert_ne!(s1, s2, "a file's size changed");
        std::fs::write(dir.join("y.toml"), "ab").unwrap();
        std::fs::write(dir.join("notes.txt"), "ignored").unwrap();
        let s3 = stamp(&Source::Dir(dir.clone())).unwrap();
        assert_ne!(s2, s3, "a file was added");
        std::fs::write(dir.join("notes.txt"), "ignored, longer").unwrap();
        assert_eq!(s3, stamp(&Source::Dir(dir.clone())).unwrap());
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(stamp(&Source::Dir(dir)).is_err());
    }

    #[test]
    fn plans_are_compiled_once_and_a_changed_rule_file_is_used_at_once() {
        let src =
            std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/rules"));
        let dir =
            std::env::temp_dir().join(format!("gaoxin-rules-cache-plan-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for f in std::fs::read_dir(&src).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_some_and(|e| e == "toml") {
                std::fs::copy(&f, dir.join(f.file_name().unwrap())).unwrap();
            }
        }
        let cache = RulesCache::of(Source::Dir(dir.clone()));
        let (files, a) = cache.plan(Year::new(2024).unwrap()).unwrap();
        let (_, b) = cache.plan(Year::new(2024).unwrap()).unwrap();
        assert!(Arc::ptr_eq(&a, &b), "the same compiled plan");
        cache.plan(Year::new(2023).unwrap()).unwrap();
        assert_eq!(cache.loads(), 1, "read and parsed once");
        let version = |yp: &YearPlan| {
            yp.plan
                .rules
                .iter()
                .find(|r| r.id == "hightech_2016")
                .map(|r| r.version.clone())
        };
        assert_eq!(version(&a).as_deref(), Some("2016.1"));
        let file = files.iter().find(|f| f.id == "hightech_2016").unwrap();
        let path = dir.join(file.path.file_name().unwrap());
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(
            &path,
            text.replacen("version = \"2016.1\"", "version = \"2016.2\"", 1),
        )
        .unwrap();
        let (_, c) = cache.plan(Year::new(2024).unwrap()).unwrap();
        assert_eq!(cache.loads(), 2, "reloaded after the change");
        assert_eq!(version(&c).as_deref(), Some("2016.2"));
        let changed = rule_changes_of(&a, &c);
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].id, "hightech_2016");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The changes from the versions of `old` to those of `new` (a run of `old`'s rules).
    fn rule_changes_of(old: &YearPlan, new: &YearPlan) -> Vec<RuleChange> {
        let mut s = summary(old.versions.clone());
        s.rules = Vec::new();
        rule_changes(&s, &new.versions, &new.plan)
    }
}
