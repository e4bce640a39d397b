//! The baselines of recent years kept by the server for 政策测算: loading a year's panel and
//! evaluating today's rules on it takes seconds; a reform on a kept baseline takes milliseconds.
//! A baseline is reused for [`TTL`] (or until a caller asks to reload), and concurrent callers
//! wait for one load.
use crate::error::EvalError;
use crate::reform::Baseline;
use gaoxin_model::Year;
use gaoxin_store::{Scope, Store};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a loaded baseline is reused before the panel is read again.
const TTL: Duration = Duration::from_secs(10 * 60);

/// The baselines of recent years (panel + today's rules evaluated), one per year.
#[derive(Default)]
pub struct BaselineCache {
    map: Mutex<HashMap<Year, (Instant, Arc<Baseline>)>>,
    /// The years with data, read with the baselines (not once per change of a value).
    years: Mutex<Option<(Instant, Vec<Year>)>>,
    build: tokio::sync::Mutex<()>,
}

impl BaselineCache {
    /// The years with data in the zone, read again after [`TTL`] or on `refresh`.
    pub async fn years(&self, store: &Store, refresh: bool) -> Result<Vec<Year>, EvalError> {
        if !refresh
            && let Some((t, y)) = self.years.lock().expect("cache lock").as_ref()
            && t.elapsed() < TTL
        {
            return Ok(y.clone());
        }
        let y = store.years(&Scope::Zone).await?;
        if !y.is_empty() {
            *self.years.lock().expect("cache lock") = Some((Instant::now(), y.clone()));
        }
        Ok(y)
    }

    /// The baseline of `year`, loaded at most once per [`TTL`] (concurrent callers wait for it);
    /// `refresh` reloads it (the page's 「重新载入数据」).
    pub async fn get(
        &self,
        store: &Store,
        year: Year,
        refresh: bool,
    ) -> Result<Arc<Baseline>, EvalError> {
        let fresh = |m: &HashMap<Year, (Instant, Arc<Baseline>)>| {
            m.get(&year)
                .filter(|(t, _)| t.elapsed() < TTL)
                .map(|(_, b)| b.clone())
        };
        if !refresh && let Some(b) = fresh(&self.map.lock().expect("cache lock")) {
            return Ok(b);
        }
        let _one = self.build.lock().await;
        if !refresh && let Some(b) = fresh(&self.map.lock().expect("cache lock")) {
            return Ok(b);
        }
        let b = Arc::new(Baseline::load(store, &Scope::Zone, year).await?);
        self.map
            .lock()
            .expect("cache lock")
            .insert(year, (Instant::now(), b.clone()));
        Ok(b)
    }
}
