//! 创新活力指数 as the platform computes it: the panel's measures per park and year (one streamed
//! pass), the institutions' founding years, the scheme (`data/schemes/vitality-2024.toml`) run by
//! `gaoxin_index::vitality` for the zone or one park, and the view the page, the workbook-free
//! command and the chart share (index, growth, each indicator's contribution — the waterfall).
use crate::data_files;
use crate::rdi::RdiError;
use gaoxin_index::vitality::{VitalityScheme, VitalitySeries};
use gaoxin_model::facts::F;
use gaoxin_model::{Zone, present};
use gaoxin_store::{Scope, Store};
use serde::Serialize;
use std::collections::BTreeMap;

/// The scheme file in use.
pub const SCHEME_FILE: &str = "vitality-2024.toml";

#[path = "vitality_job.rs"]
mod job;
pub use job::*;

/// The measures a vitality scheme may use.
pub const MEASURES: [&str; 9] = [
    "new_firms",
    "new_techsme",
    "new_hnte",
    "rd_intensity_pct",
    "invention_per_10k",
    "tech_contracts_yi",
    "equity_financing_yi",
    "gazelle_unicorn",
    "new_rd_institutions",
];

/// The Jiangbei index's published growth (zone.md §6: 27.63 % a year 2015–2021).
pub const JIANGBEI_CAGR: f64 = 0.2763;

/// The scheme (from `$GAOXIN_SCHEMES`, `data/schemes` or the shipped copy).
pub fn scheme() -> Result<VitalityScheme, RdiError> {
    let f = data_files::SCHEMES
        .file(SCHEME_FILE)
        .ok_or_else(|| RdiError::Scheme(format!("找不到指数方案文件 {SCHEME_FILE}")))?;
    VitalityScheme::from_toml_str(&f.text, &f.path.display().to_string(), &MEASURES)
        .map_err(|e| RdiError::Scheme(e.to_string()))
}

/// Sums of one park in one year (money in fen).
#[derive(Debug, Clone, Copy, Default)]
struct Acc {
    new_firms: i64,
    new_techsme: i64,
    new_hnte: i64,
    rd: i64,
    revenue_with_rd: i64,
    inventions: i64,
    employees: i64,
    contracts: Option<i64>,
    equity: Option<i64>,
    gazelle_unicorn: i64,
}

fn add_opt(a: &mut Option<i64>, v: Option<i64>) {
    if let Some(v) = v {
        *a = Some(a.unwrap_or(0) + v);
    }
}

impl Acc {
    fn add(&mut self, o: &Acc) {
        self.new_firms += o.new_firms;
        self.new_techsme += o.new_techsme;
        self.new_hnte += o.new_hnte;
        self.rd += o.rd;
        self.revenue_with_rd += o.revenue_with_rd;
        self.inventions += o.inventions;
        self.employees += o.employees;
        add_opt(&mut self.contracts, o.contracts);
        add_opt(&mut self.equity, o.equity);
        self.gazelle_unicorn += o.gazelle_unicorn;
    }

    fn measure(&self, m: &str) -> Option<f64> {
        let yi = |fen: i64| fen as f64 / 1e10;
        match m {
            "new_firms" => Some(self.new_firms as f64),
            "new_techsme" => Some(self.new_techsme as f64),
            "new_hnte" => Some(self.new_hnte as f64),
            "rd_intensity_pct" => (self.revenue_with_rd > 0)
                .then(|| 100.0 * self.rd as f64 / self.revenue_with_rd as f64),
            "invention_per_10k" => (self.employees > 0)
                .then(|| 10_000.0 * self.inventions as f64 / self.employees as f64),
            "tech_contracts_yi" => self.contracts.map(yi),
            "equity_financing_yi" => self.equity.map(yi),
            "gazelle_unicorn" => Some(self.gazelle_unicorn as f64),
            _ => None,
        }
    }
}

/// Measures per (year, park) of the panel in `scope`.
async fn panel_sums(
    store: &Store,
    scope: &Scope,
    rows: &std::sync::atomic::AtomicU64,
) -> Result<BTreeMap<(i32, String), Acc>, RdiError> {
    let mut sums: BTreeMap<(i32, String), Acc> = BTreeMap::new();
    // rows come by firm, then year: the previous row tells whether 科小 is new this year
    let mut prev: Option<(String, i32, bool)> = None;
    store
        .for_each_row_in(scope, None, None, |e, f| {
            rows.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let year = f.year.get();
            let a = sums.entry((year, e.park.to_string())).or_default();
            a.new_firms += (e.founded.year() == year) as i64;
            let techsme = f.get(F::TechSmeRegistered) == Some(1);
            // new: registered now and not in the firm's row of the year before; without that row
            // (the panel's first year) only a firm founded this year is known to be new
            let new = match &prev {
                Some((u, y, t)) if u == e.uscc.as_str() && *y == year - 1 => !*t,
                _ => e.founded.year() == year,
            };
            a.new_techsme += (techsme && new) as i64;
            a.new_hnte += f
                .get(F::HightechCertDate)
                .is_some_and(|d| d / 10_000 == i64::from(year)) as i64;
            if let Some(rd) = f.get(F::RdExpense) {
                a.rd += rd;
                a.revenue_with_rd += f.get(F::Revenue).unwrap_or(0);
            }
            if let (Some(i), Some(n)) = (f.get(F::InventionGrants), f.get(F::Employees)) {
                a.inventions += i;
                a.employees += n;
            }
            add_opt(&mut a.contracts, f.get(F::TechContracts));
            add_opt(&mut a.equity, f.get(F::EquityFinancing));
            a.gazelle_unicorn +=
                (f.get(F::GazelleListed) == Some(1) || f.get(F::UnicornListed) == Some(1)) as i64;
            prev = Some((e.uscc.as_str().to_string(), year, techsme));
            Ok(())
        })
        .await?;
    Ok(sums)
}

/// One indicator's row of the contribution table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContributionRow {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub share: String,
    pub value_prev: String,
    pub value: String,
    pub sub_index: String,
    /// Contribution to the year's growth, percentage points (for the chart, unrounded).
    pub points: f64,
    pub points_text: String,
}

/// The 创新活力指数 page's data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VitalityView {
    /// 南京高新区 or the park's name.
    pub unit: String,
    pub park: Option<String>,
    pub version: String,
    pub status: Option<String>,
    pub base_year: i32,
    pub years: Vec<i32>,
    pub index: Vec<f64>,
    /// (year, index text, growth text).
    pub table: Vec<(i32, String, String)>,
    /// The year whose growth the waterfall explains.
    pub year: i32,
    pub growth_text: String,
    pub index_text: String,
    pub contributions: Vec<ContributionRow>,
    pub excluded: Vec<(String, String)>,
    /// Indicators with a zero base value, entered by the zero-base rule: (name, explanation).
    pub zero_base: Vec<(String, String)>,
    pub cagr_text: String,
    pub comparison: String,
    pub series: VitalitySeries,
}

/// Computed views kept per database, scheme file (its text), data version
/// (`Store::data_version`: any import, run, demo load or audited change), scope, park and year:
/// the index reads the whole panel, so a second view of the page is served from memory. Dropped
/// by [`invalidate_cache`] (an import through the server), by any audited change (an
/// institutions' import records `rdi.import`) and after [`CACHE_TTL`].
static CACHE: std::sync::LazyLock<std::sync::Mutex<Vec<Cached>>> =
    std::sync::LazyLock::new(Default::default);

type Cached = (String, std::time::Instant, VitalityView);

/// How long a computed view is kept at most.
pub const CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(600);
const CACHE_MAX: usize = 32;

/// Forgets every computed view (after an import).
pub fn invalidate_cache() {
    CACHE.lock().expect("vitality cache").clear();
}

/// The index of the zone (`park` = `None`) or one park in `scope`, explaining `year`'s growth
/// (default: the last year) — through the cache (see [`CACHE`]).
pub async fn view(
    store: &Store,
    zone: &Zone,
    scope: &Scope,
    park: Option<&str>,
    year: Option<i32>,
) -> Result<VitalityView, RdiError> {
    let key = cache_key(store, scope, park, year).await?;
    if let Some(v) = cached(&key) {
        return Ok(v);
    }
    let v = compute(store, zone, scope, park, year).await?;
    keep(key, v.clone());
    Ok(v)
}

/// The cache's key of a view (database, scheme text, data version, scope, park, year).
async fn cache_key(
    store: &Store,
    scope: &Scope,
    park: Option<&str>,
    year: Option<i32>,
) -> Result<String, RdiError> {
    use std::hash::{Hash, Hasher};
    let text = data_files::SCHEMES
        .file(SCHEME_FILE)
        .map(|f| f.text)
        .unwrap_or_default();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    Ok(format!(
        "{}|{:x}|{}|{}|{}|{:?}",
        store.url(),
        h.finish(),
        store.data_version().await?,
        scope.cache_key(),
        park.unwrap_or(""),
        year
    ))
}

fn cached(key: &str) -> Option<VitalityView> {
    let mut c = CACHE.lock().expect("vitality cache");
    c.retain(|(_, at, _)| at.elapsed() < CACHE_TTL);
    c.iter()
        .find(|(k, _, _)| k == key)
        .map(|(_, _, v)| v.clone())
}

fn keep(key: String, v: VitalityView) {
    let mut c = CACHE.lock().expect("vitality cache");
    c.retain(|(k, _, _)| *k != key);
    if c.len() >= CACHE_MAX {
        c.remove(0);
    }
    c.push((key, std::time::Instant::now(), v));
}

/// [`view`] computed (no cache).
pub async fn compute(
    store: &Store,
    zone: &Zone,
    scope: &Scope,
    park: Option<&str>,
    year: Option<i32>,
) -> Result<VitalityView, RdiError> {
    let rows = std::sync::atomic::AtomicU64::new(0);
    compute_counting(store, zone, scope, park, year, &rows).await
}

/// [`compute`], counting the panel's rows read in `rows` (the progress of a background job).
async fn compute_counting(
    store: &Store,
    zone: &Zone,
    scope: &Scope,
    park: Option<&str>,
    year: Option<i32>,
    rows: &std::sync::atomic::AtomicU64,
) -> Result<VitalityView, RdiError> {
    let scheme = scheme()?;
    let park = match (scope, park.filter(|p| !p.is_empty())) {
        (Scope::Park(p), _) => Some(p.to_string()),
        (_, Some(p)) => Some(
            zone.park(p)
                .map(|x| x.id.to_string())
                .ok_or_else(|| RdiError::Invalid(format!("园区「{p}」不存在")))?,
        ),
        (_, None) => None,
    };
    let sums = panel_sums(store, scope, rows).await?;
    let mut by_year: BTreeMap<i32, Acc> = BTreeMap::new();
    for ((y, p), a) in &sums {
        if park.as_deref().is_none_or(|q| q == p) {
            by_year.entry(*y).or_default().add(a);
        }
    }
    let years: Vec<i32> = by_year.keys().copied().collect();
    let mut values: BTreeMap<String, BTreeMap<i32, f64>> = BTreeMap::new();
    for m in MEASURES {
        for (y, a) in &by_year {
            if let Some(v) = a.measure(m) {
                values.entry(m.to_string()).or_default().insert(*y, v);
            }
        }
    }
    let institutions = store.rd_institutions(scope).await?;
    let inst = values.entry("new_rd_institutions".into()).or_default();
    for y in &years {
        let n = institutions
            .iter()
            .filter(|i| park.as_deref().is_none_or(|q| q == i.park))
            .filter(|i| i.founded == Some(i64::from(*y)))
            .count();
        inst.insert(*y, n as f64);
    }
    let s = scheme
        .series(&years, &values)
        .map_err(|e| RdiError::Invalid(e.to_string()))?;
    let t = match year {
        Some(y) => s
            .years
            .iter()
            .position(|&x| x == y)
            .ok_or_else(|| RdiError::Invalid(format!("{y} 年不在指数的年份范围内")))?,
        None => s.years.len() - 1,
    };
    let ind = |code: &str| scheme.indicator.iter().find(|i| i.code == code);
    let fmt = |v: f64, unit: &str| present::value(v, if unit == "亿元" { "" } else { unit });
    let contributions = s
        .codes
        .iter()
        .enumerate()
        .map(|(j, code)| {
            let i = ind(code).expect("a scheme code");
            let c = s.contributions[j][t].unwrap_or(0.0) * 100.0;
            ContributionRow {
                code: code.clone(),
                name: i.name.clone(),
                unit: i.unit.clone(),
                share: present::pct(s.shares[j]),
                value_prev: if t > 0 {
                    fmt(s.values[j][t - 1], &i.unit)
                } else {
                    "—".into()
                },
                value: fmt(s.values[j][t], &i.unit),
                sub_index: present::fixed(s.sub_index[j][t], 1),
                points: c,
                points_text: format!("{:+.2} 个百分点", c),
            }
        })
        .collect();
    let pct = |g: Option<f64>| g.map(present::pct).unwrap_or_else(|| "—".into());
    let cagr_text = pct(s.cagr);
    let comparison = match s.cagr {
        Some(c) => format!(
            "{}—{} 年指数年均增长 {}；江北新区公布的创新活力指数 2015—2021 年年均增长 {}。两者不可直接比较：江北新区指数的指标与权重未公开，起点是新区设立之初的低基数；本指数按平台所持企业面板计算（演示数据为合成数据），以 {} 年为基期 100，各指标等权（未经文件确认）。基期值小的指标（如当年股权融资额，以及面板首年只能计入当年新设企业的新入库科小）分指数波动大，对增长影响最大，见下方贡献表。",
            s.base_year,
            s.years.last().copied().unwrap_or(s.base_year),
            present::pct(c),
            present::pct(JIANGBEI_CAGR),
            s.base_year
        ),
        None => "只有一个年度的数据，无法计算增长。".into(),
    };
    Ok(VitalityView {
        unit: match &park {
            Some(p) => zone
                .park(p)
                .map(|x| x.name.clone())
                .unwrap_or_else(|| p.clone()),
            None => "南京高新区".into(),
        },
        park,
        version: scheme.version.clone(),
        status: scheme.status.clone(),
        base_year: s.base_year,
        years: s.years.clone(),
        index: s.index.clone(),
        table: s
            .years
            .iter()
            .enumerate()
            .map(|(k, y)| (*y, present::fixed(s.index[k], 1), pct(s.growth[k])))
            .collect(),
        year: s.years[t],
        growth_text: pct(s.growth[t]),
        index_text: present::fixed(s.index[t], 1),
        contributions,
        excluded: s
            .excluded
            .iter()
            .map(|(c, r)| {
                (
                    ind(c).map(|i| i.name.clone()).unwrap_or_default(),
                    r.clone(),
                )
            })
            .collect(),
        zero_base: s
            .zero_base
            .iter()
            .map(|(c, y, r)| {
                let unit = ind(c).map(|i| i.unit.clone()).unwrap_or_default();
                (
                    ind(c).map(|i| i.name.clone()).unwrap_or_default(),
                    format!(
                        "基期为 0：分指数 = 100 ×（1 +（当年值 − 基期值）÷ {}），以 {y} 年首次出现的 {} 为一个单位",
                        fmt(*r, &unit),
                        fmt(*r, &unit)
                    ),
                )
            })
            .collect(),
        cagr_text,
        comparison,
        series: s,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_scheme_loads() {
        let s = scheme().unwrap();
        assert_eq!(s.indicator.len(), 9);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_demo_zone_has_an_index_and_contributions_add_up() {
        let zone = Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap();
        let store = gaoxin_store::testing::sqlite().await.unwrap();
        let demo = gaoxin_demo::generate(
            &zone,
            &gaoxin_demo::DemoConfig {
                enterprises: 1500,
                first_year: 2019,
                last_year: 2024,
                seed: 9,
            },
        );
        let mut tx = store.begin_import().await.unwrap();
        tx.write_enterprises(&demo.enterprises).await.unwrap();
        tx.write_facts(&demo.facts).await.unwrap();
        tx.commit().await.unwrap();
        crate::rdi_demo::load(&store, &zone, &demo.enterprises, 9, 2019, 2024)
            .await
            .unwrap();
        let v = view(&store, &zone, &Scope::Zone, None, None).await.unwrap();
        assert_eq!(v.base_year, 2019);
        assert!((v.index[0] - 100.0).abs() < 1e-9);
        let sum: f64 = v.contributions.iter().map(|c| c.points).sum();
        let g = v.series.growth.last().unwrap().unwrap() * 100.0;
        assert!((sum - g).abs() < 1e-9, "{sum} vs {g}");
        let park = zone.parks[0].id.clone();
        let p = view(
            &store,
            &zone,
            &Scope::Park(park.clone()),
            Some("xianlin"),
            None,
        )
        .await
        .unwrap();
        assert_eq!(
            p.park.as_deref(),
            Some(park.as_str()),
            "a park sees its own"
        );
    }

    /// The cache serves the computed view again until the data version changes: a direct store
    /// write (no audit entry) is not seen, a recorded change is; `invalidate_cache` drops it too.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_index_is_cached_until_the_data_changes() {
        let zone = Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap();
        let store = gaoxin_store::testing::sqlite().await.unwrap();
        let demo = gaoxin_demo::generate(
            &zone,
            &gaoxin_demo::DemoConfig {
                enterprises: 300,
                first_year: 2022,
                last_year: 2024,
                seed: 4,
            },
        );
        let mut tx = store.begin_import().await.unwrap();
        tx.write_enterprises(&demo.enterprises).await.unwrap();
        tx.write_facts(&demo.facts).await.unwrap();
        tx.commit().await.unwrap();
        let first = view(&store, &zone, &Scope::Zone, None, None).await.unwrap();
        // more firms founded in 2024, written behind the cache's back
        let more = gaoxin_demo::generate(
            &zone,
            &gaoxin_demo::DemoConfig {
                enterprises: 200,
                first_year: 2022,
                last_year: 2024,
                seed: 99,
            },
        );
        let mut tx = store.begin_import().await.unwrap();
        tx.write_enterprises(&more.enterprises).await.unwrap();
        tx.write_facts(&more.facts).await.unwrap();
        tx.commit().await.unwrap();
        let fresh = compute(&store, &zone, &Scope::Zone, None, None)
            .await
            .unwrap();
        assert_ne!(fresh.index, first.index, "the data changed");
        let cached = view(&store, &zone, &Scope::Zone, None, None).await.unwrap();
        assert_eq!(cached, first, "served from the cache");
        crate::audit::record(
            &store,
            &crate::audit::Who::cli(),
            "import.commit",
            None,
            "test",
            serde_json::json!({}),
        )
        .await
        .unwrap();
        let after = view(&store, &zone, &Scope::Zone, None, None).await.unwrap();
        assert_eq!(after, fresh, "a recorded change is a new data version");
        invalidate_cache();
        assert!(CACHE.lock().unwrap().is_empty());
    }

    /// The demo has no gazelle or unicorn firm in its base year: the indicator takes part by the
    /// zero-base rule and says so (it used to drop out).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_zero_base_indicator_takes_part_and_is_labelled() {
        let zone = Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap();
        let store = gaoxin_store::testing::sqlite().await.unwrap();
        let demo = gaoxin_demo::generate(
            &zone,
            &gaoxin_demo::DemoConfig {
                enterprises: 1500,
                first_year: 2019,
                last_year: 2024,
                seed: 9,
            },
        );
        let mut tx = store.begin_import().await.unwrap();
        tx.write_enterprises(&demo.enterprises).await.unwrap();
        tx.write_facts(&demo.facts).await.unwrap();
        tx.commit().await.unwrap();
        let v = compute(&store, &zone, &Scope::Zone, None, None)
            .await
            .unwrap();
        let v8 = v.series.codes.iter().position(|c| c == "V8");
        assert!(v8.is_some(), "excluded: {:?}", v.excluded);
        assert!(v.series.values[v8.unwrap()][0] == 0.0);
        assert!(
            v.zero_base.iter().any(|(n, _)| n == "瞪羚与独角兽企业数"),
            "{:?}",
            v.zero_base
        );
    }
}
