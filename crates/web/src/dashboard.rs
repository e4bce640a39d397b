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
use std::collections::HashMap;
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
}

/// How long a cached dashboard is trusted without an import through this server (imports by
/// another process, e.g. `gaoxin import`, show up after at most this long).
pub const CACHE_TTL: Duration = Duration::from_secs(60);

/// Dashboards per scope, valid until the next import (or [`CACHE_TTL`]: an older copy is still
/// served while one refresh runs in the background).
#[derive(Default, Clone)]
pub struct Cache {
    generation: Arc<AtomicU64>,
    map: Arc<Mutex<HashMap<String, Arc<Entry>>>>,
    build: Arc<tokio::sync::Mutex<()>>,
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
    /// Drops every cached dashboard (called after each import).
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.map.lock().expect("cache lock").clear();
    }

    /// The dashboard of `scope`, computed at most once per import (concurrent callers wait).
    pub async fn get(
        &self,
        store: &Store,
        zone: &Zone,
        scope: &Scope,
    ) -> Result<Arc<Entry>, Error> {
        let k = key(scope);
        let cached = self.map.lock().expect("cache lock").get(&k).cloned();
        let _one_at_a_time = match cached {
            Some(e) if e.made.elapsed() < CACHE_TTL => return Ok(e),
            // Stale: refreshed in the background (one refresh at a time); every caller gets the
            // stale copy meanwhile.
            Some(e) => {
                if let Ok(guard) = self.build.clone().try_lock_owned() {
                    let (cache, store, zone, scope) =
                        (self.clone(), store.clone(), zone.clone(), scope.clone());
                    tokio::spawn(async move {
                        if let Err(err) = cache.build_entry(&store, &zone, &scope, k).await {
                            tracing::warn!(error = %err, "refreshing a dashboard failed");
                        }
                        drop(guard);
                    });
                }
                return Ok(e);
            }
            None => {
                let guard = self.build.lock().await;
                if let Some(e) = self.map.lock().expect("cache lock").get(&k) {
                    return Ok(e.clone());
                }
                guard
            }
        };
        self.build_entry(store, zone, scope, k).await
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
        let entry = Arc::new(Entry {
            data,
            json,
            made: Instant::now(),
        });
        if self.generation.load(Ordering::SeqCst) == generation {
            self.map
                .lock()
                .expect("cache lock")
                .insert(k, entry.clone());
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
