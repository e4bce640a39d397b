//! The index computed in the background (issue 17: the page's first view took ~26 s on the
//! 30,000-firm zone, a blank wait). [`status`] answers from the cache when the view is there;
//! else it starts one background computation of it (or joins the one running), waits a moment,
//! and answers [`Status::Computing`] with the rows of the panel read so far — the page shows that
//! and polls until the view is ready. [`warm`] starts the zone's default view at server start and
//! after an import.
use super::*;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

/// How far a running computation has got.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Progress {
    /// Rows of the panel (firm × year) read so far.
    pub rows: u64,
    /// Rows the last computation of the same scope read (the expected total), if known.
    pub expected: Option<u64>,
    /// Percent of `expected` (at most 99 until done), if known.
    pub percent: Option<u64>,
    pub seconds: u64,
}

/// The answer of [`status`].
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Ready(Box<VitalityView>),
    Computing(Progress),
}

struct Job {
    rows: Arc<AtomicU64>,
    started: Instant,
    /// Why it failed (taken by the next [`status`]).
    failed: Option<RdiError>,
    done: Arc<tokio::sync::Notify>,
}

static JOBS: LazyLock<Mutex<HashMap<String, Job>>> = LazyLock::new(Default::default);
/// Rows read by the last finished computation, per database and scope.
static LAST_ROWS: LazyLock<Mutex<HashMap<String, u64>>> = LazyLock::new(Default::default);

/// The view of the zone (`park` = `None`) or one park in `scope` for `year` (see [`view`]) when
/// it is computed; else its computation is started in the background (or the running one
/// joined) and, if it does not finish within `wait`, its progress. A failed computation's error
/// is returned once (the next call starts it again).
pub async fn status(
    store: &Store,
    zone: &Zone,
    scope: &Scope,
    park: Option<&str>,
    year: Option<i32>,
    wait: Duration,
) -> Result<Status, RdiError> {
    let key = cache_key(store, scope, park, year).await?;
    if let Some(v) = cached(&key) {
        return Ok(Status::Ready(Box::new(v)));
    }
    let done = start(store, zone, scope, park, year, key.clone());
    let _ = tokio::time::timeout(wait, done.notified()).await;
    if let Some(v) = cached(&key) {
        return Ok(Status::Ready(Box::new(v)));
    }
    let mut jobs = JOBS.lock().expect("vitality jobs");
    let Some(job) = jobs.get_mut(&key) else {
        // finished between the two looks: its view is in the cache unless it failed and was
        // taken, or was dropped by an invalidation
        drop(jobs);
        return match cached(&key) {
            Some(v) => Ok(Status::Ready(Box::new(v))),
            None => Ok(Status::Computing(Progress {
                rows: 0,
                expected: None,
                percent: None,
                seconds: 0,
            })),
        };
    };
    if let Some(e) = job.failed.take() {
        jobs.remove(&key);
        return Err(e);
    }
    let rows = job.rows.load(Ordering::Relaxed);
    let expected = LAST_ROWS
        .lock()
        .expect("vitality rows")
        .get(&rows_key(store, scope))
        .copied();
    Ok(Status::Computing(Progress {
        rows,
        expected,
        percent: expected
            .filter(|&e| e > 0)
            .map(|e| (rows * 100 / e).min(99)),
        seconds: job.started.elapsed().as_secs(),
    }))
}

fn rows_key(store: &Store, scope: &Scope) -> String {
    format!("{}|{}", store.url(), scope.cache_key())
}

/// Starts computing the view under `key` unless it is running; returns what signals its end.
fn start(
    store: &Store,
    zone: &Zone,
    scope: &Scope,
    park: Option<&str>,
    year: Option<i32>,
    key: String,
) -> Arc<tokio::sync::Notify> {
    let mut jobs = JOBS.lock().expect("vitality jobs");
    if let Some(j) = jobs.get(&key)
        && j.failed.is_none()
    {
        return j.done.clone();
    }
    let rows = Arc::new(AtomicU64::new(0));
    let done = Arc::new(tokio::sync::Notify::new());
    jobs.insert(
        key.clone(),
        Job {
            rows: rows.clone(),
            started: Instant::now(),
            failed: None,
            done: done.clone(),
        },
    );
    drop(jobs);
    let (store, zone, scope) = (store.clone(), zone.clone(), scope.clone());
    let park = park.map(str::to_string);
    let signal = done.clone();
    tokio::spawn(async move {
        let r = compute_counting(&store, &zone, &scope, park.as_deref(), year, &rows).await;
        let mut jobs = JOBS.lock().expect("vitality jobs");
        match r {
            Ok(v) => {
                keep(key.clone(), v);
                LAST_ROWS
                    .lock()
                    .expect("vitality rows")
                    .insert(rows_key(&store, &scope), rows.load(Ordering::Relaxed));
                jobs.remove(&key);
            }
            Err(e) => {
                tracing::warn!(error = %e, "computing the vitality index failed");
                if let Some(j) = jobs.get_mut(&key) {
                    j.failed = Some(e);
                }
            }
        }
        drop(jobs);
        signal.notify_waiters();
    });
    done
}

/// Starts computing the zone's default view (all parks, the latest year) in the background.
pub async fn warm(store: &Store, zone: &Zone) -> Result<(), RdiError> {
    let key = cache_key(store, &Scope::Zone, None, None).await?;
    if cached(&key).is_none() {
        start(store, zone, &Scope::Zone, None, None, key);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first call answers at once with the progress while the index is computed behind it;
    /// a later call has the view, equal to the one computed directly.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_index_is_computed_behind_a_progress_answer() {
        let zone = Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap();
        let store = gaoxin_store::testing::sqlite().await.unwrap();
        let demo = gaoxin_demo::generate(
            &zone,
            &gaoxin_demo::DemoConfig {
                enterprises: 600,
                first_year: 2021,
                last_year: 2024,
                seed: 3,
            },
        );
        let mut tx = store.begin_import().await.unwrap();
        tx.write_enterprises(&demo.enterprises).await.unwrap();
        tx.write_facts(&demo.facts).await.unwrap();
        tx.commit().await.unwrap();
        let t = Instant::now();
        let first = status(&store, &zone, &Scope::Zone, None, None, Duration::ZERO)
            .await
            .unwrap();
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
        assert!(matches!(first, Status::Computing(_)), "{first:?}");
        let mut ready = None;
        for _ in 0..600 {
            match status(
                &store,
                &zone,
                &Scope::Zone,
                None,
                None,
                Duration::from_millis(100),
            )
            .await
            .unwrap()
            {
                Status::Ready(v) => {
                    ready = Some(v);
                    break;
                }
                Status::Computing(p) => assert!(p.percent.is_none_or(|x| x <= 99)),
            }
        }
        let v = ready.expect("the index was computed");
        let direct = compute(&store, &zone, &Scope::Zone, None, None)
            .await
            .unwrap();
        assert_eq!(*v, direct);
        // the next computation of the scope knows how many rows to expect
        assert_eq!(
            LAST_ROWS
                .lock()
                .unwrap()
                .get(&rows_key(&store, &Scope::Zone)),
            Some(&(demo.facts.len() as u64))
        );
        // a bad park is an error, once
        let e = status(
            &store,
            &zone,
            &Scope::Zone,
            Some("atlantis"),
            None,
            Duration::from_secs(30),
        )
        .await
        .unwrap_err();
        assert!(e.to_string().contains("atlantis"), "{e}");
    }
}
