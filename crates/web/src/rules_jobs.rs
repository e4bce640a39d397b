//! Rules runs started from the 梯度培育 / 政策 pages, in the background.
//!
//! Opening either page for a year without a stored run (zone users only) starts — or joins, when
//! one is already running for that year — a background run of
//! [`rules_runs::run_rules_with`]; the page shows its stage and a progress bar, polled by htmx
//! from `GET /ladder/evaluating?year=Y`, and reloads itself when the run is stored. A request
//! never waits for an evaluation, and visitors of the same year share one run. A failed run
//! is shown with its message; opening the page again retries. Jobs live in memory.
use crate::AppState;
use gaoxin_app::rules_runs::{self, RunProgress};
use gaoxin_model::Year;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// One background run.
pub struct RulesJob {
    pub year: Year,
    state: Mutex<JobState>,
}

struct JobState {
    progress: RunProgress,
    /// `None` while running; `Some(Ok)` when stored; `Some(Err(message))` when it failed.
    result: Option<Result<(), String>>,
}

/// The runs by year (the latest of each year).
#[derive(Default)]
pub struct RulesJobs {
    map: Mutex<HashMap<Year, Arc<RulesJob>>>,
}

impl RulesJobs {
    /// The running job of `year`, or a new one started in the background.
    pub fn start(&self, state: &AppState, year: Year) -> Arc<RulesJob> {
        let mut m = self.map.lock().expect("rules jobs lock");
        if let Some(j) = m.get(&year)
            && j.running()
        {
            return j.clone();
        }
        let job = Arc::new(RulesJob {
            year,
            state: Mutex::new(JobState {
                progress: RunProgress::Loading,
                result: None,
            }),
        });
        m.insert(year, job.clone());
        let (st, j) = (state.clone(), job.clone());
        tokio::spawn(async move {
            let r = rules_runs::run_rules_with(&st.store, year, &mut |p| {
                j.state.lock().expect("rules job lock").progress = p;
            })
            .await
            .map(|_| ())
            .map_err(|e| e.to_string());
            j.state.lock().expect("rules job lock").result = Some(r);
        });
        job
    }
}

impl RulesJob {
    fn running(&self) -> bool {
        self.state.lock().expect("rules job lock").result.is_none()
    }

    /// What the page shows.
    pub fn view(&self) -> JobView {
        let s = self.state.lock().expect("rules job lock");
        let (stage, percent) = match s.progress {
            RunProgress::Loading => ("读取企业数据".to_string(), 2),
            RunProgress::Evaluating { firms } => {
                (format!("逐企业评估全部规则（{firms} 家企业）"), 10)
            }
            RunProgress::Storing { done, total } => (
                format!("保存逐企业结果（{done} / {total} 行）"),
                40 + (60 * done).checked_div(total).unwrap_or(0),
            ),
        };
        let (state, message) = match &s.result {
            None => ("running", None),
            Some(Ok(())) => ("done", None),
            Some(Err(e)) => ("failed", Some(e.clone())),
        };
        JobView {
            year: self.year.get(),
            state,
            stage,
            percent: if state == "done" {
                100
            } else {
                percent.min(99)
            },
            message,
        }
    }
}

impl JobView {
    /// A year whose run is already stored.
    pub fn stored(year: Year) -> JobView {
        JobView {
            year: year.get(),
            state: "done",
            stage: "完成".into(),
            percent: 100,
            message: None,
        }
    }
}

/// A run as the page shows it.
#[derive(Debug, Serialize)]
pub struct JobView {
    pub year: i32,
    /// running | done | failed
    pub state: &'static str,
    pub stage: String,
    pub percent: usize,
    pub message: Option<String>,
}
