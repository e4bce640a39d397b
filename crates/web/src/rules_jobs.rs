//! Rules runs started from the 梯度培育 / 政策 pages, in the background.
//!
//! Opening either page for a year without a stored run (zone users only) starts — or joins, when
//! one is already running for that year — a background run of
//! [`rules_runs::run_rules_with`]; the page shows its stage and a progress bar, polled by htmx
//! from `GET /ladder/evaluating?year=Y`, and reloads itself when the run is stored. A request
//! never waits for an evaluation, and visitors of the same year share one run. A failed run
//! is shown with its message; opening the page again retries. Jobs live in memory and in the
//! store's `jobs` table (state and progress): a run that was going when the server stopped is
//! shown after the restart as 「已中断（服务重启）」 with a button that starts it again
//! (`?rerun=1`), instead of being restarted unasked.
use crate::AppState;
use gaoxin_app::rules_runs::{self, RunProgress};
use gaoxin_model::Year;
use gaoxin_store::JobKind;
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
    /// What the page shows for `year` (which has no stored run): this process's job of the
    /// year (joined if running, retried if it failed); else, when the year's last recorded run
    /// was interrupted by a restart and `rerun` is not asked, that interruption; else a new run
    /// started by `user`.
    pub async fn view_or_start(
        &self,
        state: &AppState,
        year: Year,
        user: &gaoxin_app::audit::Who,
        rerun: bool,
    ) -> Result<JobView, gaoxin_store::Error> {
        let known = self
            .map
            .lock()
            .expect("rules jobs lock")
            .contains_key(&year);
        if !known
            && !rerun
            && let Some(r) = state.store.latest_rules_job(year.get()).await?
            && r.state == gaoxin_store::JobState::Interrupted
        {
            return Ok(JobView::interrupted(year));
        }
        Ok(self.start(state, year, user).view())
    }

    /// The running job of `year`, or a new one started in the background.
    pub fn start(
        &self,
        state: &AppState,
        year: Year,
        user: &gaoxin_app::audit::Who,
    ) -> Arc<RulesJob> {
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
        let (id, who) = (crate::auth::random_token()[..16].to_string(), user.clone());
        let owner = who.actor.clone();
        tokio::spawn(async move {
            let now = gaoxin_store::unix_now;
            let subject = year.get().to_string();
            if let Err(e) = st
                .store
                .insert_job(&id, JobKind::Rules, &owner, &subject, now())
                .await
            {
                tracing::warn!(job = %id, "recording a rules run: {e}");
            }
            let (ptx, writer) = crate::upload::progress_writer(st.store.clone(), id.clone());
            // the run is stored with its `rules.run` audit entry (the use case records it)
            let r = rules_runs::run_rules_as(&st.store, &who, Some(&id), year, &mut |p| {
                j.state.lock().expect("rules job lock").progress = p;
                let v = j.view();
                ptx.send_replace((v.stage, v.percent as i64));
            })
            .await
            .map_err(|e| e.to_string());
            let r = r.map(|_| ());
            let _ = writer.await;
            let (state, text) = match &r {
                Ok(()) => (gaoxin_store::JobState::Done, "完成".to_string()),
                Err(e) => (gaoxin_store::JobState::Failed, e.clone()),
            };
            if let Err(e) = st.store.finish_job(&id, state, &text, now()).await {
                tracing::warn!(job = %id, "recording the end of a rules run: {e}");
            }
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
    /// A year whose last run was interrupted by a restart (not restarted unasked).
    pub fn interrupted(year: Year) -> JobView {
        JobView {
            year: year.get(),
            state: "interrupted",
            stage: "已中断（服务重启）".into(),
            percent: 0,
            message: Some("服务重启时该年评估尚未完成，未保存任何结果".into()),
        }
    }

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
    /// running | done | failed | interrupted
    pub state: &'static str,
    pub stage: String,
    pub percent: usize,
    pub message: Option<String>,
}
