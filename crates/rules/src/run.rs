//! Run records: which rule files (id, version, content hash) and which input (panel hash) produced
//! a result, so a stored run can be reproduced and compared. The store persists them.
use crate::batch::BatchResult;
use crate::file::RuleFile;
use crate::panel::{Fnv, Panel};
use crate::plan::{EvalOptions, Plan, Verdict};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RuleVersion {
    pub id: String,
    pub version: String,
    pub document: String,
    /// FNV-1a of the file text, hex.
    pub file_hash: String,
}

impl RuleVersion {
    /// The id, version, document and file content hash of every rule of `plan` (compiled from
    /// `files`), as a run records them: comparing them with a stored run's tells which rule files
    /// changed since.
    pub fn of_plan(files: &[RuleFile], plan: &Plan) -> Vec<RuleVersion> {
        plan.rules
            .iter()
            .map(|r| {
                // By id, not by `r.file`: that index is into the files the plan was compiled from,
                // and `compile_for_run` leaves out files not in force, so positions differ from
                // `files`.
                let file_hash = files
                    .iter()
                    .find(|f| f.id == r.id && f.version == r.version)
                    .map(|f| {
                        let mut h = Fnv::new();
                        h.bytes(f.text.as_bytes());
                        hex(h.0)
                    })
                    .unwrap_or_default();
                RuleVersion {
                    id: r.id.clone(),
                    version: r.version.clone(),
                    document: r.document.clone(),
                    file_hash,
                }
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RulesRunRecord {
    pub engine_version: String,
    pub year: i32,
    pub as_of: String,
    pub options: EvalOptions,
    pub rules: Vec<RuleVersion>,
    /// Stable hash of the panel ([`Panel::hash`]), hex.
    pub input_hash: String,
    pub firms: usize,
    /// Hash of all verdicts and awards, hex: equal outputs ⇔ equal hash (up to collisions).
    pub output_hash: String,
    /// rule id → (pass, fail, unknown).
    pub summary: Vec<(String, usize, usize, usize)>,
}

fn hex(v: u64) -> String {
    format!("{v:016x}")
}

impl RulesRunRecord {
    pub fn new(
        files: &[RuleFile],
        plan: &Plan,
        panel: &Panel,
        batch: &BatchResult,
    ) -> RulesRunRecord {
        let rules = RuleVersion::of_plan(files, plan);
        let mut h = Fnv::new();
        for r in &batch.rules {
            h.bytes(r.rule.as_bytes());
            for i in 0..r.verdict.len() {
                h.bytes(&[
                    r.verdict[i].code(),
                    r.verified[i] as u8,
                    r.assumption_dependent[i] as u8,
                ]);
                h.i64(r.award_at(i).unwrap_or(i64::MIN));
            }
        }
        RulesRunRecord {
            engine_version: env!("CARGO_PKG_VERSION").to_string(),
            year: batch.year,
            as_of: batch.as_of.clone(),
            options: batch.options,
            rules,
            input_hash: hex(panel.hash()),
            firms: panel.len(),
            output_hash: hex(h.0),
            summary: batch
                .rules
                .iter()
                .map(|r| {
                    (
                        r.rule.clone(),
                        r.count(Verdict::Pass),
                        r.count(Verdict::Fail),
                        r.count(Verdict::Unknown),
                    )
                })
                .collect(),
        }
    }

    /// Whether `other` used the same rules (ids, versions and file contents) and the same input.
    pub fn same_inputs(&self, other: &RulesRunRecord) -> bool {
        self.rules == other.rules
            && self.input_hash == other.input_hash
            && self.year == other.year
            && self.as_of == other.as_of
    }
}
