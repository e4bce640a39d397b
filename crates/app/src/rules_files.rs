//! The rule files as the platform finds them ([`crate::data_files::RULES`]: a configured directory
//! as a whole, else the files shipped with the binary), checked with their own cases, and compiled
//! into the plan of a fiscal year.
use crate::data_files::{self, Source};
use crate::error::EvalError;
use gaoxin_model::Year;
use gaoxin_rules::plan::{Plan, compile_for_run};
use gaoxin_rules::{CheckReport, LoadError, RuleFile, default_as_of};

/// Reads every rule file (from where [`data_files::RULES`] says); load errors come back with file
/// and line.
pub fn load_rules() -> Result<Vec<RuleFile>, EvalError> {
    read_rules(&data_files::RULES.source()).map_err(|es| {
        EvalError::Engine(
            es.iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("；"),
        )
    })
}

/// Every rule file of `source`: a configured directory as a whole, or the shipped files.
pub fn read_rules(source: &Source) -> Result<Vec<RuleFile>, Vec<LoadError>> {
    match source {
        Source::Dir(d) => gaoxin_rules::load_dir(d),
        Source::Shipped => {
            let mut files = Vec::new();
            let mut errors = Vec::new();
            for f in data_files::RULES.shipped() {
                match gaoxin_rules::file::parse_file(&f.path, &f.text) {
                    Ok(r) => files.push(r),
                    Err(e) => errors.push(e),
                }
            }
            // several files of one id are versions of one rule, as in a directory
            errors.extend(gaoxin_rules::versions::conflicts(&files));
            if errors.is_empty() {
                Ok(files)
            } else {
                Err(errors)
            }
        }
    }
}

/// `gaoxin rules check` without file arguments: every rule file, validated together, with their
/// own test cases run; a directory that cannot be read or a file that does not load is reported.
pub fn check_rules() -> CheckReport {
    match read_rules(&data_files::RULES.source()) {
        Ok(files) => gaoxin_rules::check(&files),
        Err(errors) => CheckReport {
            files: 0,
            errors,
            cases: Vec::new(),
        },
    }
}

/// The plan for fiscal `year` (files not in force that day are left out, with the reason).
pub fn plan_for(files: &[RuleFile], year: Year) -> (Plan, Vec<String>) {
    let (plan, skipped) = compile_for_run(files, default_as_of(year.get()));
    (plan, skipped.iter().map(|e| e.to_string()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_rule_files_are_the_workspace_files_and_pass_their_cases() {
        let dir =
            std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/rules"));
        let on_disk = read_rules(&Source::Dir(dir)).unwrap();
        let shipped = read_rules(&Source::Shipped).unwrap();
        let key = |fs: &[RuleFile]| -> Vec<(String, String, String)> {
            fs.iter()
                .map(|f| (f.id.clone(), f.version.clone(), f.text.clone()))
                .collect()
        };
        assert!(!shipped.is_empty());
        assert_eq!(key(&shipped), key(&on_disk));
        assert!(
            shipped[0].path.to_string_lossy().starts_with("(内置) "),
            "{:?}",
            shipped[0].path
        );
        let rep = gaoxin_rules::check(&shipped);
        assert!(rep.ok(), "{}", rep.render_zh());
    }

    #[test]
    fn an_unreadable_configured_directory_is_an_error_not_the_shipped_rules() {
        let missing = std::env::temp_dir().join("gaoxin-no-such-rules-dir");
        let es = read_rules(&Source::Dir(missing.clone())).unwrap_err();
        assert_eq!(es[0].file, missing);
    }
}
