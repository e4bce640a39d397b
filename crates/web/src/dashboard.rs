//! Dashboard figures for one scope (the zone, or one park): firms per park / cluster / track,
//! yearly revenue, R&D expense and R&D intensity, and the zone's targets beside today's value.
//!
//! A target's today's value is computed only when the reference data name a `measure` that
//! `gaoxin_index::panel` defines (the same definitions the 目标 page and `gaoxin targets` use);
//! otherwise the page shows what data are needed (`needs`), never a number.
//! Results are cached per scope in memory ([`Cache`]) and dropped on every import.
use axum::body::Bytes;
use gaoxin_index::panel::{Measures, measure_definition};
use gaoxin_index::target::TargetStatus;
use gaoxin_model::Zone;
use gaoxin_store::{Error, Scope, Store};
use serde::Serialize;
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Count {
    pub id: String,
    pub name: String,
    pub firms: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct YearRow {
    #[schema(value_type = i32)]
    pub year: gaoxin_model::Year,
    pub firms: i64,
    /// Sums in fen.
    pub revenue: i64,
    pub rd_expense: i64,
    pub employees: i64,
    /// 亿元, for charts.
    pub revenue_yi: f64,
    pub rd_expense_yi: f64,
    /// R&D expense over the revenue of the firms that reported both, in %.
    pub rd_intensity_pct: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TargetRow {
    pub id: String,
    pub table: String,
    pub name: String,
    pub unit: String,
    /// Display comparator: ≥, >, ≤, <, ≈.
    pub comparator: &'static str,
    pub target: f64,
    pub target_year: i32,
    pub baseline: Option<f64>,
    pub baseline_year: Option<i32>,
    /// Today's value (latest year of the panel in scope), when computable.
    pub current: Option<f64>,
    pub current_year: Option<i32>,
    /// How today's value is computed.
    pub method: Option<&'static str>,
    /// What data the platform would need, when it cannot compute the value.
    pub needs: Option<String>,
    /// Whether today's value already meets the target.
    pub met: Option<bool>,
    /// The one status word (`TargetStatus`: 已达成 / 未达成 / 需要数据; the trend is on 目标).
    pub status: &'static str,
    pub status_key: &'static str,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    pub scope: String,
    pub firms: i64,
    /// The demo generator's parameters when the data are synthetic.
    pub demo: Option<String>,
    #[schema(value_type = Option<i32>)]
    pub latest_year: Option<gaoxin_model::Year>,
    pub parks: Vec<Count>,
    pub clusters: Vec<Count>,
    pub tracks: Vec<Count>,
    pub years: Vec<YearRow>,
    pub targets: Vec<TargetRow>,
}

/// A cached dashboard and its JSON (what `/api/v1/summary` sends).
pub struct Entry {
    pub data: Dashboard,
    pub json: Bytes,
    made: Instant,
    /// The cache's generation (imports through this server) it was computed in.
    generation: u64,
}

/// How long a cached dashboard is trusted without an import through this server (imports by
/// another process, e.g. `gaoxin import`, show up after at most this long).
pub const CACHE_TTL: Duration = Duration::from_secs(60);

/// The bytes of dashboards kept (one per scope: the zone, each park, each firm or department
/// user that opened one; ≈ 3 × its JSON each).
pub const DASHBOARD_BYTES: usize = 64 << 20;

/// Dashboards per scope. After an import (or [`CACHE_TTL`]) the copy made before is still served
/// — the page says that it shows the figures from before the import — while one refresh at a
/// time recomputes it in the background: no reader waits for a recomputation. Bounded by bytes
/// ([`DASHBOARD_BYTES`]).
#[derive(Clone)]
pub struct Cache {
    generation: Arc<AtomicU64>,
    map: Arc<gaoxin_app::byte_cache::ByteCache<Arc<Entry>>>,
    /// Scopes whose refresh is queued or running.
    refreshing: Arc<Mutex<HashSet<String>>>,
    build: Arc<tokio::sync::Mutex<()>>,
}

impl Default for Cache {
    fn default() -> Self {
        Cache {
            generation: Arc::default(),
            map: Arc::new(gaoxin_app::byte_cache::ByteCache::new(DASHBOARD_BYTES)),
            refreshing: Arc::default(),
            build: Arc::default(),
        }
    }
}

fn key(scope: &Scope) -> String {
    match scope {
        Scope::Zone => "zone".into(),
        Scope::Park(p) => format!("park:{p}"),
        Scope::Enterprise(u) => format!("firm:{}", u.as_str()),
        Scope::Department(d) => format!("dept:{d}"),
    }
}

impl Cache {
    /// The data changed (after each import): every cached dashboard is now from before it;
    /// each is still served until its recomputation is stored.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Whether `e` was computed before the last import through this server (its recomputation
    /// is under way): the page says so.
    pub fn updating(&self, e: &Entry) -> bool {
        e.generation != self.generation.load(Ordering::SeqCst)
    }

    /// The dashboard of `scope`: computed once (concurrent first callers wait for it), then
    /// served from memory; a copy from before an import or older than [`CACHE_TTL`] is served
    /// while it is recomputed in the background.
    pub async fn get(
        &self,
        store: &Store,
        zone: &Zone,
        scope: &Scope,
    ) -> Result<Arc<Entry>, Error> {
        let k = key(scope);
        if let Some((e, _)) = self.map.get_any(&k).map(|(e, g, _)| (e, g)) {
            if e.generation != self.generation.load(Ordering::SeqCst)
                || e.made.elapsed() >= CACHE_TTL
            {
                self.refresh(store, zone, scope, k);
            }
            return Ok(e);
        }
        let _one_at_a_time = self.build.lock().await;
        if let Some((e, _)) = self.map.get_any(&k).map(|(e, g, _)| (e, g)) {
            return Ok(e);
        }
        self.build_entry(store, zone, scope, k).await
    }

    /// Recomputes the dashboard of `scope` in the background (once per scope at a time; the
    /// recomputations one after another).
    fn refresh(&self, store: &Store, zone: &Zone, scope: &Scope, k: String) {
        if !self
            .refreshing
            .lock()
            .expect("cache lock")
            .insert(k.clone())
        {
            return;
        }
        let (cache, store, zone, scope) =
            (self.clone(), store.clone(), zone.clone(), scope.clone());
        tokio::spawn(async move {
            let guard = cache.build.lock().await;
            if let Err(err) = cache.build_entry(&store, &zone, &scope, k.clone()).await {
                tracing::warn!(error = %err, "refreshing a dashboard failed");
            }
            drop(guard);
            cache.refreshing.lock().expect("cache lock").remove(&k);
        });
    }

    /// Computes the dashboard of `scope` and keeps it under `k` unless an import came meanwhile.
    async fn build_entry(
        &self,
        store: &Store,
        zone: &Zone,
        scope: &Scope,
        k: String,
    ) -> Result<Arc<Entry>, Error> {
        let generation = self.generation.load(Ordering::SeqCst);
        let data = compute(store, zone, scope).await?;
        let json = Bytes::from(serde_json::to_vec(&data).expect("dashboard serialises"));
        let bytes = json.len() * 3;
        let entry = Arc::new(Entry {
            data,
            json,
            made: Instant::now(),
            generation,
        });
        if self.generation.load(Ordering::SeqCst) == generation {
            self.map.insert(k, entry.clone(), bytes, 0);
        }
        Ok(entry)
    }
}

/// 亿元 as a number for the dashboard's chart (chart data stay numbers; money text and exports
/// use the exact `render::fmt_yi` / `export::Cell::yi2`).
fn yi(fen: i64) -> f64 {
    (fen as f64 / 1e10 * 100.0).round() / 100.0
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

async fn compute(store: &Store, zone: &Zone, scope: &Scope) -> Result<Dashboard, Error> {
    let s = store.summary(scope).await?;
    let name_park = |id: &str| {
        zone.park(id)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| id.into())
    };
    let name_cluster = |id: &str| {
        zone.cluster(id)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| id.into())
    };
    let name_track = |id: &str| {
        zone.track(id)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| id.into())
    };
    // Reference order (as in the source documents), zero counts included.
    let ordered =
        |ids: Vec<&str>, counts: &[gaoxin_store::ParkCount], name: &dyn Fn(&str) -> String| {
            let mut v: Vec<Count> = ids
                .iter()
                .map(|id| Count {
                    id: id.to_string(),
                    name: name(id),
                    firms: counts
                        .iter()
                        .find(|c| c.id == *id)
                        .map(|c| c.firms)
                        .unwrap_or(0),
                })
                .collect();
            for c in counts.iter().filter(|c| !ids.contains(&c.id.as_str())) {
                v.push(Count {
                    id: c.id.clone(),
                    name: name(&c.id),
                    firms: c.firms,
                });
            }
            v
        };
    let (park_ids, cluster_ids): (Vec<&str>, Vec<&str>) = match scope {
        Scope::Park(p) => (
            vec![p.as_str()],
            zone.clusters
                .iter()
                .filter(|c| &c.park == p)
                .map(|c| c.id.as_str())
                .collect(),
        ),
        _ => (
            zone.parks.iter().map(|p| p.id.as_str()).collect(),
            zone.clusters.iter().map(|c| c.id.as_str()).collect(),
        ),
    };
    let parks = ordered(park_ids, &s.parks, &name_park);
    let clusters = ordered(cluster_ids, &s.clusters, &name_cluster);
    let tracks = ordered(
        zone.tracks.iter().map(|t| t.id.as_str()).collect(),
        &s.tracks,
        &name_track,
    );
    let years: Vec<YearRow> = s
        .years
        .iter()
        .map(|y| YearRow {
            year: y.year,
            firms: y.firms,
            revenue: y.revenue,
            rd_expense: y.rd_expense,
            employees: y.employees,
            revenue_yi: yi(y.revenue),
            rd_expense_yi: yi(y.rd_expense),
            rd_intensity_pct: (y.revenue_with_rd > 0)
                .then(|| round2(100.0 * y.rd_expense as f64 / y.revenue_with_rd as f64)),
        })
        .collect();
    let latest_year = years.last().map(|y| y.year);
    // The latest year and the one before it (for growth), streamed into the shared measures.
    let mut measures = Measures::default();
    if let Some(year) = latest_year {
        for y in year.prev().into_iter().chain([year]) {
            store
                .for_each_row(scope, None, Some(y), |e, f| {
                    measures.add(e, &f);
                    Ok(())
                })
                .await?;
        }
    }
    let measure =
        |m: &str| -> Option<f64> { measures.value(m, latest_year?.get(), None).map(round2) };
    let targets = zone
        .targets
        .iter()
        .map(|t| {
            let method = t.measure.as_deref().and_then(measure_definition);
            let current = t.measure.as_deref().and_then(measure);
            let needs = match (&t.measure, method, &t.needs) {
                (_, _, Some(n)) if current.is_none() => Some(n.clone()),
                (Some(m), None, _) => Some(format!("计算口径「{m}」尚未实现")),
                (Some(_), Some(_), _) if current.is_none() => Some("面板数据中暂无可用年份".into()),
                _ => None,
            };
            // the one status vocabulary (index::target::TargetStatus), as on 目标 and the report
            let status = TargetStatus::of(&t.comparator, current, t.target, None);
            let met = current.map(|_| status == TargetStatus::Achieved);
            TargetRow {
                status: status.zh(),
                status_key: status.key(),
                id: t.id.clone(),
                table: t.table.clone(),
                name: t.name.clone(),
                unit: t.unit.clone(),
                comparator: match t.comparator.as_str() {
                    ">=" => "≥",
                    ">" => ">",
                    "<=" => "≤",
                    "<" => "<",
                    _ => "≈",
                },
                target: t.target,
                target_year: t.target_year,
                baseline: t.baseline,
                baseline_year: t.baseline_year,
                current_year: current.and(latest_year.map(|y| y.get())),
                current,
                method: current.and(method),
                needs,
                met,
            }
        })
        .collect();
    Ok(Dashboard {
        scope: key(scope),
        firms: s.firms,
        demo: s.demo,
        latest_year,
        parks,
        clusters,
        tracks,
        years,
        targets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Park pages waited up to 22 s behind the recomputation after an import: now the copy from
    /// before is served at once (and flagged) while the new one is computed.
    #[tokio::test]
    async fn after_an_import_the_copy_from_before_is_served_while_it_is_recomputed() {
        let zone = Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap();
        let store = gaoxin_store::testing::sqlite().await.unwrap();
        let c = Cache::default();
        let before = c.get(&store, &zone, &Scope::Zone).await.unwrap();
        assert!(!c.updating(&before));
        // a long recomputation: the build lock is held meanwhile
        let held = c.build.clone().lock_owned().await;
        c.invalidate();
        let served = tokio::time::timeout(
            Duration::from_millis(500),
            c.get(&store, &zone, &Scope::Zone),
        )
        .await
        .expect("a reader does not wait for the recomputation")
        .unwrap();
        assert!(Arc::ptr_eq(&before, &served));
        assert!(
            c.updating(&served),
            "the page says it shows the old figures"
        );
        drop(held);
        let t = Instant::now();
        loop {
            let e = c.get(&store, &zone, &Scope::Zone).await.unwrap();
            if !c.updating(&e) {
                assert!(!Arc::ptr_eq(&before, &e));
                break;
            }
            assert!(t.elapsed() < Duration::from_secs(10), "never recomputed");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
