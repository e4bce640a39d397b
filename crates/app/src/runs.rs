//! Run records as the use cases store them: the kinds of run (one text form each), new run ids,
//! and the decoding of a stored summary (an undecodable one is an error naming the run, never
//! taken for "no run").
use crate::error::EvalError;
use gaoxin_model::Year;
use gaoxin_store::RunRecord;
use serde::de::DeserializeOwned;

/// The kinds of run in the `runs` table (the store's: it reads and narrows runs by kind).
pub use gaoxin_store::RunKind;

/// Seconds since 1970 (the `created_at` of a run).
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A new run id: `<kind>-<year>-<seconds>-<12 random hex digits>`.
pub(crate) fn new_id(kind: RunKind, year: Year) -> String {
    let mut b = [0u8; 6];
    getrandom::fill(&mut b).expect("the operating system's random source");
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{year}-{}-{hex}", kind.as_str(), now())
}

/// The summary stored with run `r`, decoded; a summary that does not decode is an error naming
/// the run.
pub fn decode_summary<T: DeserializeOwned>(r: &RunRecord) -> Result<T, EvalError> {
    serde_json::from_str(&r.summary)
        .map_err(|e| EvalError::Engine(format!("运行 {} 的结果无法解析：{e}", r.id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_id_starts_with_its_kind_and_year_and_is_new_each_time() {
        for k in RunKind::ALL {
            assert!(
                new_id(k, Year::new(2024).unwrap()).starts_with(&format!("{}-2024-", k.as_str()))
            );
        }
        let a = new_id(RunKind::Points, Year::new(2024).unwrap());
        assert_ne!(a, new_id(RunKind::Points, Year::new(2024).unwrap()));
    }

    #[test]
    fn an_undecodable_summary_names_the_run() {
        let r = RunRecord {
            id: "points-2024-1-abc".into(),
            kind: RunKind::Points,
            created_at: 1,
            year: Year::new(2024).ok(),
            input_hash: String::new(),
            versions: String::new(),
            summary: "[1, 2".into(),
        };
        match decode_summary::<Vec<i32>>(&r) {
            Err(EvalError::Engine(m)) => assert!(m.contains("points-2024-1-abc"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
}
