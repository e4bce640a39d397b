//! Dashboard figures for one scope (the zone, or one park): firms per park / cluster / track,
//! yearly revenue, R&D expense and R&D intensity, and the zone's targets beside today's value.
//!
//! A target's today's value is computed only when the reference data name a `measure` this module
//! knows ([`MEASURES`]); otherwise the page shows what data are needed (`needs`), never a number.
//! Results are cached per scope in memory ([`Cache`]) and dropped on every import.
use axum::body::Bytes;
use gaoxin_model::{Date, F, Sector, Zone};
use gaoxin_store::{Error, Scope, Store};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The measures this module computes from the panel (names used in `data/reference/zone.toml`).
pub const MEASURES: &[(&str, &str)] = &[
    (
        "rd_intensity_pct",
        "研发费用合计 ÷ 同时填报研发费用的企业营业收入合计 × 100",
    ),
    (
        "hnte_share_above_scale_industry_pct",
        "规上工业企业（制造业、营业收入≥2000万元）中持有效高企证书者的比例",
    ),
    (
        "listed_count",
        "当年有数据的企业中境内外上市企业数（不含新三板）",
    ),
    ("total_revenue_yi", "企业营业收入合计（亿元）"),
    ("rd_expense_growth_pct", "研发费用合计比上年增长（%）"),
    ("tech_contracts_yi", "技术合同成交额合计（亿元）"),
    (
        "hnte_count",
        "持有效高企证书（发证日期在年末前三年内）的企业数",
    ),
    ("techsme_count", "当年已入库科技型中小企业数"),
];

/// 规上工业: main-business revenue of at least 20 million yuan (in fen).
const ABOVE_SCALE_FEN: i64 = 2_000_000_000;

#[derive(Debug, Clone, Serialize)]
pub struct Count {
    pub id: String,
    pub name: String,
    pub firms: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct YearRow {
    pub year: i32,
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

#[derive(Debug, Clone, Serialize)]
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
}

#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub scope: String,
    pub firms: i64,
    /// The demo generator's parameters when the data are synthetic.
    pub demo: Option<String>,
    pub latest_year: Option<i32>,
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

/// Dashboards per scope, valid until the next import (or [`CACHE_TTL`]).
#[derive(Default)]
pub struct Cache {
    generation: AtomicU64,
    map: Mutex<HashMap<String, Arc<Entry>>>,
    build: tokio::sync::Mutex<()>,
}

fn key(scope: &Scope) -> String {
    match scope {
        Scope::Zone => "zone".into(),
        Scope::Park(p) => format!("park:{p}"),
        Scope::Enterprise(u) => format!("firm:{}", u.as_str()),
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
            // Stale: one caller refreshes it, the others keep getting the stale copy meanwhile.
            Some(e) => match self.build.try_lock() {
                Ok(guard) => guard,
                Err(_) => return Ok(e),
            },
            None => {
                let guard = self.build.lock().await;
                if let Some(e) = self.map.lock().expect("cache lock").get(&k) {
                    return Ok(e.clone());
                }
                guard
            }
        };
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

fn yi(fen: i64) -> f64 {
    (fen as f64 / 1e10 * 100.0).round() / 100.0
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Whether a 高企 certificate issued on `cert` (yyyymmdd) is valid at the end of `year` (three years).
pub fn hnte_valid(cert: Option<i64>, year: i32) -> bool {
    let (Some(c), Some(end)) = (cert.and_then(Date::from_int), Date::new(year, 12, 31)) else {
        return false;
    };
    c <= end && c.add_years(3) > end
}

#[derive(Default)]
struct LatestYear {
    hnte: i64,
    techsme: i64,
    listed: i64,
    above_scale: i64,
    above_scale_hnte: i64,
    tech_contracts: i64,
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
    let mut ly = LatestYear::default();
    if let Some(year) = latest_year {
        store
            .for_each_row(scope, None, Some(year), |e, f| {
                let valid = hnte_valid(f.get(F::HightechCertDate), year);
                ly.hnte += valid as i64;
                ly.techsme += (f.get(F::TechSmeRegistered) == Some(1)) as i64;
                ly.listed += e.listing.is_listed_excl_neeq() as i64;
                let rev = f.get(F::MainRevenue).or(f.get(F::Revenue)).unwrap_or(0);
                if e.sector == Sector::Manufacturing && rev >= ABOVE_SCALE_FEN {
                    ly.above_scale += 1;
                    ly.above_scale_hnte += valid as i64;
                }
                ly.tech_contracts += f.get(F::TechContracts).unwrap_or(0);
                Ok(())
            })
            .await?;
    }
    let last = years.last();
    let prev = years.len().checked_sub(2).and_then(|i| years.get(i));
    let measure = |m: &str| -> Option<f64> {
        let last = last?;
        match m {
            "rd_intensity_pct" => last.rd_intensity_pct,
            "hnte_share_above_scale_industry_pct" => (ly.above_scale > 0)
                .then(|| round2(100.0 * ly.above_scale_hnte as f64 / ly.above_scale as f64)),
            "listed_count" => Some(ly.listed as f64),
            "total_revenue_yi" => Some(yi(last.revenue)),
            "rd_expense_growth_pct" => prev
                .filter(|p| p.rd_expense > 0)
                .map(|p| round2(100.0 * (last.rd_expense as f64 / p.rd_expense as f64 - 1.0))),
            "tech_contracts_yi" => Some(yi(ly.tech_contracts)),
            "hnte_count" => Some(ly.hnte as f64),
            "techsme_count" => Some(ly.techsme as f64),
            _ => None,
        }
    };
    let targets = zone
        .targets
        .iter()
        .map(|t| {
            let method = t
                .measure
                .as_deref()
                .and_then(|m| MEASURES.iter().find(|(k, _)| *k == m).map(|(_, d)| *d));
            let current = t.measure.as_deref().and_then(measure);
            let needs = match (&t.measure, method, &t.needs) {
                (_, _, Some(n)) if current.is_none() => Some(n.clone()),
                (Some(m), None, _) => Some(format!("计算口径「{m}」尚未实现")),
                (Some(_), Some(_), _) if current.is_none() => Some("面板数据中暂无可用年份".into()),
                _ => None,
            };
            let met = current.map(|c| match t.comparator.as_str() {
                ">=" => c >= t.target,
                ">" => c > t.target,
                "<=" => c <= t.target,
                "<" => c < t.target,
                _ => (c - t.target).abs() <= t.target.abs() * 0.05,
            });
            TargetRow {
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
                current_year: current.and(latest_year),
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

    #[test]
    fn certificate_validity_is_three_years() {
        assert!(hnte_valid(Some(20221101), 2024));
        assert!(!hnte_valid(Some(20211231), 2024), "expired on 2024-12-31");
        assert!(hnte_valid(Some(20220101), 2024));
        assert!(!hnte_valid(Some(20250101), 2024), "not yet issued");
        assert!(!hnte_valid(None, 2024));
    }
}
