//! Results kept ready so that no page view waits for a computation (issue 13).
//!
//! * The zone's dashboard and its targets are computed in the background at start and again
//!   after every import through this server (which drops the cached copies first), so the first
//!   page view after either is served from memory.
//! * Target monitoring (目标) is cached per scope and year like the dashboard ([`Warm::targets`]):
//!   valid until the next import; after [`crate::dashboard::CACHE_TTL`] (imports by another
//!   process) the cached copy is still served while one refresh runs in the background.
//! * The park evaluation (评价) of the latest year, with that year's innovation points, is computed
//!   and stored as runs at start when missing or made with another version of the scheme, and
//!   again after every import (the data changed);
//!   the page only reads the stored run. A zone administrator opening a year without a stored
//!   run starts its computation in the background ([`Warm::evaluate`]); a read-only analyst's or a
//!   park's page view never starts one — they see that it is being computed or not yet published.
//! * `/readyz` answers 200 once the warm-up at start is done ([`Warm::ready`]). Each part is built
//!   once (a page asking for it meanwhile waits for that build), and the CPU-heavy builds run off
//!   the async workers, so no request queues behind them on a busy worker.
use crate::AppState;
use crate::dashboard::CACHE_TTL;
use gaoxin_app::byte_cache::ByteCache;
use gaoxin_app::indicators::{self, EvalError};
use gaoxin_app::rules_runs::{self, Lists, RulesSummary};
use gaoxin_index::report::TargetView;
use gaoxin_model::Year;
use gaoxin_store::{RuleResultRow, RunKind, RunRecord, Scope, Store};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

struct Targets {
    rows: Arc<Vec<TargetView>>,
    made: Instant,
}

/// The background computations and the targets cache of a running server.
pub struct Warm {
    /// Years whose park evaluation is being computed, each with whether another computation
    /// was asked for meanwhile (the data changed while it ran: it runs again when done).
    evaluating: Mutex<HashMap<i32, bool>>,
    /// Why the last background evaluation of a year failed (cleared when one succeeds).
    failed: Mutex<HashMap<i32, String>>,
    generation: AtomicU64,
    targets: Mutex<HashMap<String, Targets>>,
    /// Held while a workbook missing from the cache is built.
    exports_build: tokio::sync::Mutex<()>,
    /// Held while targets missing from the cache are computed.
    targets_build: tokio::sync::Mutex<()>,
    /// Held while a page part missing from the cache is built.
    parts_build: tokio::sync::Mutex<()>,
    /// Held while a stored run's rows missing from the cache are read.
    run_rows_read: tokio::sync::Mutex<()>,
    /// Target keys being refreshed in the background.
    refreshing: Mutex<HashSet<String>>,
    /// Pages of the enterprise list by scope, filter, sort and page (keys from user input:
    /// bounded by bytes, [`LISTS_BYTES`]).
    lists: ByteCache<crate::pages::ListPage>,
    /// A stored rules run's rows as one scope reads them, by run id and scope (a stored run never
    /// changes: a new run has a new id), bounded by bytes ([`RUN_ROWS_BYTES`]).
    run_rows: ByteCache<Arc<Vec<RuleResultRow>>>,
    /// Exported workbooks of a stored run, by run id, scope, park and lists, bounded by bytes
    /// ([`EXPORTS_BYTES`]).
    exports: ByteCache<Arc<Vec<u8>>>,
    /// Parts of pages built from a stored run (which never changes), by run id, scope and
    /// choices; most recent first.
    parts: Mutex<Vec<(String, (minijinja::Value, minijinja::Value))>>,
    /// The years with data per scope (a scan of the panel), until the next import.
    years: Mutex<HashMap<String, (Instant, Vec<Year>)>>,
    /// The industry sections of the firms per scope, until the next import.
    sections: Mutex<HashMap<String, (Instant, Vec<String>)>>,
    /// Whether the warm-up at start is done (`/readyz`).
    ready: std::sync::atomic::AtomicBool,
}

/// The bytes of stored runs' rows kept (one run of the 30,000-firm zone, ≈ 420,000 rows, is
/// ≈ 100 MB; after an import the new run's rows replace the old ones').
pub const RUN_ROWS_BYTES: usize = 256 << 20;
/// The bytes of exported workbooks kept.
pub const EXPORTS_BYTES: usize = 64 << 20;
/// The bytes of enterprise-list pages kept.
pub const LISTS_BYTES: usize = 32 << 20;
/// Parts of pages kept.
const MAX_PARTS: usize = 8;

impl Default for Warm {
    fn default() -> Self {
        Warm {
            evaluating: Mutex::default(),
            failed: Mutex::default(),
            generation: AtomicU64::default(),
            targets: Mutex::default(),
            exports_build: tokio::sync::Mutex::default(),
            targets_build: tokio::sync::Mutex::default(),
            parts_build: tokio::sync::Mutex::default(),
            run_rows_read: tokio::sync::Mutex::default(),
            refreshing: Mutex::default(),
            lists: ByteCache::new(LISTS_BYTES),
            run_rows: ByteCache::new(RUN_ROWS_BYTES),
            exports: ByteCache::new(EXPORTS_BYTES),
            parts: Mutex::default(),
            years: Mutex::default(),
            sections: Mutex::default(),
            ready: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

/// What one stored rules row holds in memory (its strings included), roughly.
fn rule_rows_bytes(rows: &[RuleResultRow]) -> usize {
    rows.iter()
        .map(|r| {
            std::mem::size_of::<RuleResultRow>()
                + r.uscc.len()
                + r.name.len()
                + r.park.len()
                + r.rule.len()
                + r.verdict.len()
                + r.supply.len()
                + r.record.len()
                + r.level_basis.len()
        })
        .sum()
}

/// What one page of the enterprise list holds in memory, roughly.
fn list_bytes(p: &crate::pages::ListPage) -> usize {
    p.rows
        .iter()
        .map(|r| {
            let e = &r.enterprise;
            std::mem::size_of_val(r)
                + e.name.len()
                + e.tech_field.as_ref().map_or(0, String::len)
                + e.clusters
                    .iter()
                    .chain(&e.tracks)
                    .map(|s| s.len() + 24)
                    .sum::<usize>()
        })
        .sum::<usize>()
        + std::mem::size_of_val(p)
}

/// Keeps `v` under `k` at the front of a most-recently-used list of at most `max`.
fn keep_recent<T: Clone>(list: &Mutex<Vec<(String, T)>>, k: String, v: T, max: usize) {
    let mut l = list.lock().expect("warm lock");
    l.retain(|(x, _)| *x != k);
    l.insert(0, (k, v));
    l.truncate(max);
}

fn recent<T: Clone>(list: &Mutex<Vec<(String, T)>>, k: &str) -> Option<T> {
    let mut l = list.lock().expect("warm lock");
    let i = l.iter().position(|(x, _)| x == k)?;
    let e = l.remove(i);
    l.insert(0, e.clone());
    Some(e.1)
}

/// Scopes whose years are kept at most (the cache is emptied when full).
const MAX_LISTS: usize = 2_048;

/// The text naming `scope` in cache keys.
pub fn scope_key(scope: &Scope) -> String {
    scope.cache_key()
}

fn targets_key(scope: &Scope, year: Option<Year>) -> String {
    format!(
        "{}|{}",
        scope_key(scope),
        year.map(|y| y.get()).unwrap_or(0)
    )
}

impl Warm {
    /// Whether the warm-up at start is done: the zone's dashboard, targets, 政策 page, the
    /// latest run's workbooks and the ecosystem pages are ready (`/readyz`; a page asked before
    /// waits for the part it needs).
    pub fn ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }

    /// Whether the park evaluation of `year` is being computed.
    pub fn evaluating(&self, year: Year) -> bool {
        self.evaluating
            .lock()
            .expect("warm lock")
            .contains_key(&year.get())
    }

    /// Why the last background evaluation of `year` failed, if it did (and none succeeded since).
    pub fn failure(&self, year: Year) -> Option<String> {
        self.failed
            .lock()
            .expect("warm lock")
            .get(&year.get())
            .cloned()
    }

    /// Waits (at most two minutes) until no computation of `year`'s park evaluation is running.
    pub async fn wait_evaluation(&self, year: Year) {
        for _ in 0..1200 {
            if !self.evaluating(year) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    /// Starts computing and storing the park evaluation of `year` (1,000 Monte Carlo draws) and
    /// its innovation points in the background; a request while one runs makes it run once more
    /// when done (with the points: the data changed). `points`: always
    /// recompute the points (the data changed), else only when the year has none.
    pub fn evaluate(&self, state: &AppState, year: Year, points: bool) {
        {
            let mut m = self.evaluating.lock().expect("warm lock");
            if let Some(again) = m.get_mut(&year.get()) {
                *again = true;
                return;
            }
            m.insert(year.get(), false);
        }
        let st = state.clone();
        tokio::spawn(async move {
            let mut points = points;
            loop {
                let r = evaluate_now(&st, year, points).await;
                let mut failed = st.warm.failed.lock().expect("warm lock");
                match r {
                    Ok(()) => {
                        failed.remove(&year.get());
                    }
                    Err(e) => {
                        tracing::warn!(year = year.get(), error = %e, "background park evaluation failed");
                        failed.insert(year.get(), e.to_string());
                    }
                }
                drop(failed);
                let mut m = st.warm.evaluating.lock().expect("warm lock");
                if m.get(&year.get()) == Some(&true) {
                    m.insert(year.get(), false);
                    points = true;
                    continue;
                }
                m.remove(&year.get());
                break;
            }
        });
    }

    /// Target monitoring of `scope` (and `year`: its values; `None`: the latest), from the cache
    /// when there is a copy made since the last import.
    pub async fn targets(
        &self,
        state: &AppState,
        scope: &Scope,
        year: Option<Year>,
    ) -> Result<Arc<Vec<TargetView>>, EvalError> {
        let key = targets_key(scope, year);
        let cached = self
            .targets
            .lock()
            .expect("warm lock")
            .get(&key)
            .map(|t| (t.rows.clone(), t.made.elapsed() < CACHE_TTL));
        match cached {
            Some((rows, true)) => Ok(rows),
            Some((rows, false)) => {
                if self
                    .refreshing
                    .lock()
                    .expect("warm lock")
                    .insert(key.clone())
                {
                    let (st, scope) = (state.clone(), scope.clone());
                    tokio::spawn(async move {
                        let r = st
                            .warm
                            .compute_targets(&st, &scope, year, key.clone())
                            .await;
                        st.warm.refreshing.lock().expect("warm lock").remove(&key);
                        if let Err(e) = r {
                            tracing::warn!(error = %e, "refreshing the targets failed");
                        }
                    });
                }
                Ok(rows)
            }
            None => {
                // one computation at a time: a request during the start-up warm-up waits for
                // it instead of computing the same again beside it
                let _one = self.targets_build.lock().await;
                if let Some(t) = self.targets.lock().expect("warm lock").get(&key) {
                    return Ok(t.rows.clone());
                }
                self.compute_targets(state, scope, year, key).await
            }
        }
    }

    async fn compute_targets(
        &self,
        state: &AppState,
        scope: &Scope,
        year: Option<Year>,
        key: String,
    ) -> Result<Arc<Vec<TargetView>>, EvalError> {
        let generation = self.generation.load(Ordering::SeqCst);
        let rows = Arc::new(indicators::targets(&state.store, &state.zone, scope, year).await?);
        if self.generation.load(Ordering::SeqCst) == generation {
            self.targets.lock().expect("warm lock").insert(
                key,
                Targets {
                    rows: rows.clone(),
                    made: Instant::now(),
                },
            );
        }
        Ok(rows)
    }

    /// The years with data in `scope` ([`Store::years`]), kept until the next import (or
    /// [`CACHE_TTL`]).
    pub async fn years(
        &self,
        store: &Store,
        scope: &Scope,
    ) -> Result<Vec<Year>, gaoxin_store::Error> {
        self.per_scope(&self.years, scope, store.years(scope)).await
    }

    /// The industry sections (行业门类) of the firms in `scope`, kept like [`Warm::years`]: the
    /// enterprise list offers them on every page, and reading them sorts every firm of the scope
    /// (~15 ms on the 30,000-firm zone: the list's whole cost under load).
    pub async fn industry_sections(
        &self,
        store: &Store,
        scope: &Scope,
    ) -> Result<Vec<String>, gaoxin_store::Error> {
        self.per_scope(&self.sections, scope, store.industry_sections(scope))
            .await
    }

    /// A value of `scope` computed from the panel by `compute`, kept in `map` until the next
    /// import or [`CACHE_TTL`].
    async fn per_scope<T: Clone>(
        &self,
        map: &Mutex<HashMap<String, (Instant, T)>>,
        scope: &Scope,
        compute: impl std::future::Future<Output = Result<T, gaoxin_store::Error>>,
    ) -> Result<T, gaoxin_store::Error> {
        let k = scope_key(scope);
        if let Some((made, v)) = map.lock().expect("warm lock").get(&k)
            && made.elapsed() < CACHE_TTL
        {
            return Ok(v.clone());
        }
        let generation = self.generation();
        let v = compute.await?;
        if self.generation() == generation {
            let mut m = map.lock().expect("warm lock");
            if m.len() >= MAX_LISTS {
                m.clear();
            }
            m.insert(k, (Instant::now(), v.clone()));
        }
        Ok(v)
    }

    /// Drops every cached result computed from the panel (after an import).
    pub fn invalidate(&self) {
        self.years.lock().expect("warm lock").clear();
        self.sections.lock().expect("warm lock").clear();
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.targets.lock().expect("warm lock").clear();
        self.lists.clear();
    }

    /// Every row of stored rules run `run_id` that `scope` reads (see [`Store::rule_results`]),
    /// read once per run and scope.
    pub async fn run_rows(
        &self,
        store: &Store,
        scope: &Scope,
        run_id: &str,
    ) -> Result<Arc<Vec<RuleResultRow>>, gaoxin_store::Error> {
        let k = format!("{run_id}|{}", scope_key(scope));
        if let Some((v, _)) = self.run_rows.get(&k, &0) {
            return Ok(v);
        }
        // one read at a time: a page asking while the warm-up reads the same rows waits for them
        let _one = self.run_rows_read.lock().await;
        if let Some((v, _)) = self.run_rows.get(&k, &0) {
            return Ok(v);
        }
        let t = Instant::now();
        let v = Arc::new(store.rule_results(scope, run_id, None, None).await?);
        tracing::debug!(target: "gaoxin::timing", "run {run_id}: {} rows read in {:?}", v.len(), t.elapsed());
        self.run_rows.insert(k, v.clone(), rule_rows_bytes(&v), 0);
        Ok(v)
    }

    /// A workbook exported before under `key` (which names the run, scope, park and lists).
    pub fn export(&self, key: &str) -> Option<Arc<Vec<u8>>> {
        self.exports.get(key, &0).map(|x| x.0)
    }

    /// Keeps an exported workbook under `key`.
    pub fn keep_export(&self, key: String, bytes: Arc<Vec<u8>>) {
        let n = bytes.len();
        self.exports.insert(key, bytes, n, 0);
    }

    /// Parts of a page kept under `key` (which names the stored run they come from).
    pub fn part(&self, key: &str) -> Option<(minijinja::Value, minijinja::Value)> {
        recent(&self.parts, key)
    }

    /// Held while a part missing from the cache is built: a page asking for the part the
    /// warm-up is building waits for that build (then finds it with [`Warm::part`]) instead of
    /// building the same beside it.
    pub async fn part_build(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.parts_build.lock().await
    }

    /// Keeps parts of a page built from a stored run.
    pub fn keep_part(&self, key: String, v: (minijinja::Value, minijinja::Value)) {
        keep_recent(&self.parts, key, v, MAX_PARTS);
    }

    /// The current generation of the data (changes with every import through this server).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// A cached page of the enterprise list (see [`crate::pages::list_page`]), if made since
    /// the last import and within [`CACHE_TTL`].
    pub fn list(&self, key: &str) -> Option<crate::pages::ListPage> {
        self.lists
            .get(key, &self.generation())
            .filter(|(_, made)| made.elapsed() < CACHE_TTL)
            .map(|(p, _)| p)
    }

    /// Keeps a page of the enterprise list read at `generation` (dropped if an import came
    /// in between).
    pub fn keep_list(&self, key: String, generation: u64, page: &crate::pages::ListPage) {
        if self.generation() != generation {
            return;
        }
        self.lists
            .insert(key, page.clone(), list_bytes(page), generation);
    }
}

async fn evaluate_now(st: &AppState, year: Year, points: bool) -> Result<(), EvalError> {
    indicators::run_park_evaluation(&st.store, year, 1000).await?;
    if points
        || st
            .store
            .latest_run(&Scope::Zone, RunKind::Points, year)
            .await?
            .is_none()
    {
        indicators::run_points(&st.store, year).await?;
    }
    Ok(())
}

/// The exported workbook `which` (梯度培育 or 政策 lists) of stored rules run `run` for `scope`
/// (and one park), built once and kept: a stored run never changes.
pub async fn export_bytes(
    state: &AppState,
    scope: &Scope,
    s: &RulesSummary,
    run: &RunRecord,
    park: Option<&str>,
    which: Lists,
) -> Result<Arc<Vec<u8>>, String> {
    let key = format!("{}|{}|{park:?}|{which:?}", run.id, scope_key(scope));
    if let Some(b) = state.warm.export(&key) {
        return Ok(b);
    }
    // one build at a time: a download while the start-up warm-up builds it waits for that build
    let _one = state.warm.exports_build.lock().await;
    if let Some(b) = state.warm.export(&key) {
        return Ok(b);
    }
    let all = state
        .warm
        .run_rows(&state.store, scope, &run.id)
        .await
        .map_err(|e| e.to_string())?;
    // filtering and building the workbook (~1 s for the zone) off the async workers: a request
    // waiting behind it on the same worker would wait the whole build
    let (st, s, park) = (state.clone(), s.clone(), park.map(str::to_string));
    let bytes = tokio::task::spawn_blocking(move || {
        let rows: Vec<RuleResultRow> = all
            .iter()
            .filter(|r| park.as_deref().is_none_or(|p| r.park == p))
            .cloned()
            .collect();
        let names: BTreeMap<String, String> = rows
            .iter()
            .map(|r| (r.uscc.clone(), r.name.clone()))
            .collect();
        rules_runs::workbook(&st.zone, &s, &rows, &names, which).map_err(|e| e.to_string())
    })
    .await
    .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))?;
    let bytes = Arc::new(bytes);
    state.warm.keep_export(key, bytes.clone());
    Ok(bytes)
}

/// What is computed ahead of page views; `changed`: the data changed (after an import: the
/// latest year is re-evaluated), else (at start) only what is missing is computed.
async fn warm_up(st: &AppState, changed: bool) -> Result<(), EvalError> {
    let t = Instant::now();
    let latest = st
        .warm
        .years(&st.store, &Scope::Zone)
        .await?
        .last()
        .copied();
    // the evaluation first: it takes longest, and a download of the report waits for it
    if let Some(year) = latest {
        // the versions text a run of the scheme now in use records
        let current = format!(
            "{}={}",
            RunKind::ParkEvaluation.as_str(),
            indicators::park_scheme()?.version
        );
        let stored = st
            .store
            .latest_run(&Scope::Zone, RunKind::ParkEvaluation, year)
            .await?;
        // missing, made from other data, or made with another version of the scheme
        if changed || stored.is_none_or(|r| r.versions != current) {
            st.warm.evaluate(st, year, changed);
        }
    }
    // the rule files parsed and the latest year's plan compiled: the 梯度培育 and 政策 pages and
    // exports compare the stored run with them (on the first view this cost up to a second)
    if let Some(year) = latest
        && let Err(e) = st.rules.plan(year)
    {
        tracing::warn!(error = %e, "loading the rule files ahead failed");
    }
    st.dashboards.get(&st.store, &st.zone, &Scope::Zone).await?;
    // the pages before the downloads, the 政策 page beside the targets (each keeps a core busy)
    let rules = {
        let st = st.clone();
        tokio::spawn(async move {
            match latest {
                Some(year) => warm_rules_run(&st, year).await,
                None => Ok(()),
            }
        })
    };
    st.warm.targets(st, &Scope::Zone, None).await?;
    tracing::debug!(target: "gaoxin::timing", "warm-up: targets ready at {:?}", t.elapsed());
    rules
        .await
        .map_err(|e| EvalError::Engine(format!("预先计算政策页中断：{e}")))??;
    tracing::info!(
        seconds = t.elapsed().as_secs_f64(),
        "dashboard and targets warmed"
    );
    Ok(())
}

/// The zone's 政策 page of `year`'s latest stored rules run (its first view built the policies'
/// lists: ~2.5 s), then its 梯度培育 and 政策 workbooks.
async fn warm_rules_run(st: &AppState, year: Year) -> Result<(), EvalError> {
    let Some((summary, run)) = rules_runs::latest(&st.store, &Scope::Zone, year).await? else {
        return Ok(());
    };
    let t = Instant::now();
    if let Err(e) =
        crate::policies_part::policies_part(st, &Scope::Zone, &summary, &run, None, year.get())
            .await
    {
        tracing::warn!(run = %run.id, error = ?e, "building the 政策 page ahead failed");
    }
    tracing::debug!(target: "gaoxin::timing", "warm-up: 政策 page ready in {:?}", t.elapsed());
    for which in [Lists::Ladder, Lists::Policies] {
        if let Err(e) = export_bytes(st, &Scope::Zone, &summary, &run, None, which).await {
            tracing::warn!(run = %run.id, error = %e, "building an export ahead failed");
        }
    }
    tracing::debug!(target: "gaoxin::timing", "warm-up: workbooks ready in {:?}", t.elapsed());
    Ok(())
}

/// Warms the results in the background at start (what is missing).
pub fn at_start(state: &AppState) {
    spawn(state, false);
}

/// Drops and recomputes the results in the background after an import changed the data.
pub fn after_import(state: &AppState) {
    state.dashboards.invalidate();
    state.warm.invalidate();
    // the pipeline names panel firms (and its pages the data's time)
    state.tracks.pipeline.invalidate();
    spawn(state, true);
}

fn spawn(state: &AppState, changed: bool) {
    let st = state.clone();
    tokio::spawn(async move {
        let ecosystem = {
            let st = st.clone();
            tokio::spawn(async move { crate::ecosystem_pages::warm(&st).await })
        };
        if let Err(e) = warm_up(&st, changed).await {
            tracing::warn!(error = %e, "warming the results failed");
        }
        let _ = ecosystem.await;
        // ready once the start's warm-up is done, failed or not (a failure is logged, and the
        // pages then compute what they need themselves)
        st.warm.ready.store(true, Ordering::SeqCst);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference zone and a SQLite store holding `n` demo firms of `years` (facts with
    /// them when `facts`), generated with `seed`.
    async fn demo_store(
        n: usize,
        years: (i32, i32),
        seed: u64,
        facts: bool,
    ) -> (gaoxin_model::Zone, Store, gaoxin_demo::DemoZone) {
        let zone =
            gaoxin_model::Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap();
        let store = gaoxin_store::testing::sqlite().await.unwrap();
        let demo = gaoxin_demo::generate(
            &zone,
            &gaoxin_demo::DemoConfig {
                enterprises: n,
                first_year: years.0,
                last_year: years.1,
                seed,
            },
        );
        let mut tx = store.begin_import().await.unwrap();
        tx.write_enterprises(&demo.enterprises).await.unwrap();
        if facts {
            tx.write_facts(&demo.facts).await.unwrap();
        }
        tx.commit().await.unwrap();
        (zone, store, demo)
    }

    /// A server's state over 40 demo firms of 2023–2024 (generated with `seed`) with a stored
    /// rules run of 2024, that year and the run.
    async fn state_with_a_rules_run(seed: u64) -> (AppState, Year, RunRecord) {
        let (zone, store, _) = demo_store(40, (2023, 2024), seed, true).await;
        let year = Year::new(2024).unwrap();
        rules_runs::run_rules_rows(&store, year, &mut |_| {})
            .await
            .unwrap();
        let (_, run) = rules_runs::latest(&store, &Scope::Zone, year)
            .await
            .unwrap()
            .unwrap();
        let state = AppState::new(store, zone, crate::Config::default());
        (state, year, run)
    }

    /// `/readyz` answers 503 until the warm-up at start is done (its dashboard, targets, 政策
    /// page and workbooks kept), then 200; an import's warm-up does not make it unready.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ready_once_the_warm_up_at_start_is_done() {
        use axum::response::IntoResponse;
        let (state, year, run) = state_with_a_rules_run(4).await;
        let status = |s: &AppState| {
            let s = s.clone();
            async move {
                crate::pages::readyz(axum::extract::State(s))
                    .await
                    .into_response()
                    .status()
            }
        };
        assert_eq!(status(&state).await, 503);
        at_start(&state);
        let t = Instant::now();
        while !state.warm.ready() {
            assert!(t.elapsed().as_secs() < 60, "not ready after 60 s");
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        assert_eq!(status(&state).await, 200);
        // what it waited for is kept
        let key = crate::policies_part::key(&run.id, &Scope::Zone, None);
        assert!(state.warm.part(&key).is_some(), "the 政策 page");
        assert!(
            state
                .warm
                .targets
                .lock()
                .unwrap()
                .contains_key(&targets_key(&Scope::Zone, None))
        );
        after_import(&state);
        assert_eq!(
            status(&state).await,
            200,
            "an import does not make it unready"
        );
        state.warm.wait_evaluation(year).await;
    }

    /// The first 梯度培育 export waited for the rule files to be read and the year's plan
    /// compiled (the export compares the stored run with them): the warm-up does it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_rule_files_are_loaded_by_the_warm_up_not_by_the_first_view() {
        let (zone, store, _) = demo_store(40, (2023, 2024), 3, true).await;
        let state = AppState::new(store, zone, crate::Config::default());
        assert_eq!(state.rules.loads(), 0);
        warm_up(&state, false).await.unwrap();
        assert_eq!(state.rules.loads(), 1, "the rule files are loaded ahead");
        state.warm.wait_evaluation(Year::new(2024).unwrap()).await;
    }

    /// The enterprise list's 行业门类 options are read once per scope until the next import (each
    /// read sorts every firm of the scope; under load it was the list's whole cost).
    #[tokio::test]
    async fn industry_sections_are_kept_until_an_import() {
        let (_, store, demo) = demo_store(30, (2024, 2024), 9, false).await;
        let warm = Warm::default();
        let first = warm.industry_sections(&store, &Scope::Zone).await.unwrap();
        assert_eq!(first, store.industry_sections(&Scope::Zone).await.unwrap());
        // a firm of a section no firm had, written behind the cache's back
        let mut e = demo.enterprises[0].clone();
        e.uscc = gaoxin_model::Uscc::from_body("91320100MA0000001").unwrap();
        e.industry = gaoxin_model::IndustryCode::parse("A0111").unwrap();
        assert!(!first.contains(&"A".to_string()));
        let mut tx = store.begin_import().await.unwrap();
        tx.write_enterprises(&[e]).await.unwrap();
        tx.commit().await.unwrap();
        let kept = warm.industry_sections(&store, &Scope::Zone).await.unwrap();
        assert_eq!(kept, first, "served from the cache");
        warm.invalidate();
        let after = warm.industry_sections(&store, &Scope::Zone).await.unwrap();
        assert!(
            after.contains(&"A".to_string()),
            "read again after an import"
        );
    }

    /// The first view of the 政策 page built the policies' lists of the stored run (~2.5 s on the
    /// 30,000-firm zone): the warm-up builds the zone's, and the page is then served from them.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_zones_policies_page_is_built_by_the_warm_up() {
        let (state, year, run) = state_with_a_rules_run(5).await;
        let key = crate::policies_part::key(&run.id, &Scope::Zone, None);
        assert!(state.warm.part(&key).is_none());
        warm_up(&state, false).await.unwrap();
        let (policies, _) = state.warm.part(&key).expect("built by the warm-up");
        assert!(policies.len().unwrap_or(0) > 0, "the run's policies");
        state.warm.wait_evaluation(year).await;
    }
}
