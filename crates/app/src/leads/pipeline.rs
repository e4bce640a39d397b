//! The pipeline view of the leads and the lead workbooks.
//!
//! The store aggregates in SQL (GROUP BY over stage, furthest stage, dwell days, landed park);
//! this module turns the aggregates into counts, conversions and medians. [`PipelineCache`]
//! keeps each (scope, filter, day) view until the next lead write (the store's lead version).
use super::*;

/// One stage of the pipeline view.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StageRow {
    pub index: i64,
    pub name: String,
    /// Open leads now at this stage (for 落地: landed projects).
    pub current: i64,
    /// Leads dropped at this stage.
    pub dropped: i64,
    /// Leads that reached this stage or a later one.
    pub reached: i64,
    /// reached(this) ÷ reached(previous), in percent (none for the first stage).
    pub conversion_pct: Option<f64>,
    /// Median whole days spent in this stage by the leads that left it.
    pub median_days: Option<i64>,
    pub moves_out: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LandedRow {
    pub park: String,
    pub park_name: String,
    pub projects: i64,
    pub invest_fen: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PipelineView {
    pub total: i64,
    pub open: i64,
    pub landed: i64,
    pub dropped: i64,
    pub stalled: i64,
    pub stages: Vec<StageRow>,
    pub landed_by_park: Vec<LandedRow>,
    pub invest_fen: i64,
    /// Distinct firms engaged, and per class (name, firms).
    pub firms_engaged: i64,
    pub firms_by_class: Vec<(String, i64)>,
}

/// The median of a histogram of (value, count) sorted by value (the lower middle for an even total).
pub fn histogram_median(h: &[(i64, i64)]) -> Option<i64> {
    let n: i64 = h.iter().map(|x| x.1).sum();
    if n == 0 {
        return None;
    }
    let mid = (n - 1) / 2;
    let mut seen = 0;
    for (v, c) in h {
        seen += c;
        if seen > mid {
            return Some(*v);
        }
    }
    None
}

/// The view from the store's aggregates.
pub fn view(cfg: &LeadsConfig, zone: &Zone, c: &PipelineCounts) -> PipelineView {
    let n = cfg.stages.len() as i64;
    let mut stages = Vec::new();
    let reached_at = |s: i64| {
        c.reached
            .iter()
            .filter(|r| r.0 >= s)
            .map(|r| r.1)
            .sum::<i64>()
    };
    for s in 0..n {
        let current = c
            .by_stage
            .iter()
            .filter(|r| r.0 == s && r.1 != "dropped")
            .map(|r| r.2)
            .sum();
        let dropped = c
            .by_stage
            .iter()
            .filter(|r| r.0 == s && r.1 == "dropped")
            .map(|r| r.2)
            .sum();
        let reached = reached_at(s);
        let prev = if s > 0 { reached_at(s - 1) } else { 0 };
        let hist: Vec<(i64, i64)> = c
            .dwell
            .iter()
            .filter(|d| d.0 == s)
            .map(|d| (d.1, d.2))
            .collect();
        stages.push(StageRow {
            index: s,
            name: cfg.stage_name(s).to_string(),
            current,
            dropped,
            reached,
            conversion_pct: (s > 0 && prev > 0).then(|| reached as f64 * 100.0 / prev as f64),
            median_days: histogram_median(&hist),
            moves_out: hist.iter().map(|h| h.1).sum(),
        });
    }
    let count = |o: &str| {
        c.by_stage
            .iter()
            .filter(|r| r.1 == o)
            .map(|r| r.2)
            .sum::<i64>()
    };
    let landed_by_park: Vec<LandedRow> = c
        .landed
        .iter()
        .map(|(p, k, f)| LandedRow {
            park: p.clone(),
            park_name: zone
                .park(p)
                .map(|z| z.name.clone())
                .unwrap_or_else(|| p.clone()),
            projects: *k,
            invest_fen: *f,
        })
        .collect();
    PipelineView {
        total: c.by_stage.iter().map(|r| r.2).sum(),
        open: count("open"),
        landed: count("landed"),
        dropped: count("dropped"),
        stalled: c.stalled,
        invest_fen: landed_by_park.iter().map(|l| l.invest_fen).sum(),
        firms_engaged: c.firms_by_class.iter().map(|x| x.1).sum(),
        firms_by_class: cfg
            .firm_classes
            .iter()
            .map(|k| {
                let n = c
                    .firms_by_class
                    .iter()
                    .filter(|x| x.0 == k.code)
                    .map(|x| x.1)
                    .sum();
                (k.name.clone(), n)
            })
            .collect(),
        stages,
        landed_by_park,
    }
}

type CacheKey = (String, LeadFilter, i64);

/// Pipeline views per (scope, filter, day), valid while the store's lead version is unchanged.
/// The version is read from the store at most every [`RECHECK`] (so a write by another process,
/// e.g. `gaoxin leads import`, shows within that time); a write through this process calls
/// [`PipelineCache::invalidate`] and shows at once. Under load the page then costs no query.
#[derive(Default)]
pub struct PipelineCache {
    inner: Mutex<CacheState>,
}

#[derive(Default)]
struct CacheState {
    version: i64,
    /// Changes with every invalidation and every new lead version: what a page rendered from a
    /// view is valid for (see [`pipeline_shared`]).
    epoch: u64,
    checked: Option<std::time::Instant>,
    views: HashMap<CacheKey, std::sync::Arc<PipelineView>>,
}

/// How long the store's lead version is trusted without reading it again.
pub const RECHECK: std::time::Duration = std::time::Duration::from_millis(500);

impl PipelineCache {
    /// Forgets every view (after a lead write through this process).
    pub fn invalidate(&self) {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        g.checked = None;
        g.views.clear();
        g.epoch += 1;
    }
}

fn scope_key(s: &Scope) -> String {
    s.cache_key()
}

/// The pipeline for the leads in `scope` matching the filter's event, track and park.
pub async fn pipeline(
    store: &Store,
    zone: &Zone,
    cfg: &LeadsConfig,
    cache: &PipelineCache,
    scope: &Scope,
    f: &LeadFilter,
    now: i64,
) -> Result<PipelineView, gaoxin_store::Error> {
    Ok(pipeline_shared(store, zone, cfg, cache, scope, f, now)
        .await?
        .0
        .as_ref()
        .clone())
}

/// [`pipeline`] as the cache holds it, with the cache's epoch it was made in: a page rendered
/// from it stays valid while a later call answers the same epoch (no lead write through this
/// process, no new lead version in the store since).
pub async fn pipeline_shared(
    store: &Store,
    zone: &Zone,
    cfg: &LeadsConfig,
    cache: &PipelineCache,
    scope: &Scope,
    f: &LeadFilter,
    now: i64,
) -> Result<(std::sync::Arc<PipelineView>, u64), gaoxin_store::Error> {
    let day = today(now).to_int();
    let f = LeadFilter {
        event: f.event.clone(),
        track: f.track.clone(),
        park: f.park.clone(),
        ..LeadFilter::default()
    };
    let key = (scope_key(scope), f.clone(), day);
    {
        let g = cache.inner.lock().unwrap_or_else(|e| e.into_inner());
        if g.checked.is_some_and(|t| t.elapsed() < RECHECK)
            && let Some(v) = g.views.get(&key)
        {
            return Ok((v.clone(), g.epoch));
        }
    }
    let checked = std::time::Instant::now();
    let version = store.lead_version().await?;
    let epoch = {
        let mut g = cache.inner.lock().unwrap_or_else(|e| e.into_inner());
        if g.version != version {
            g.views.clear();
            g.version = version;
            g.epoch += 1;
        }
        g.checked = Some(checked);
        if let Some(v) = g.views.get(&key) {
            return Ok((v.clone(), g.epoch));
        }
        g.epoch
    };
    let counts = store.lead_pipeline(scope, &f, day).await?;
    let v = std::sync::Arc::new(view(cfg, zone, &counts));
    let mut g = cache.inner.lock().unwrap_or_else(|e| e.into_inner());
    if g.epoch == epoch {
        if g.views.len() > 4096 {
            g.views.clear();
        }
        g.views.insert(key, v.clone());
    }
    Ok((v, epoch))
}

/// Open leads in scope past their next-action date, the actor's own first.
pub async fn stalled(
    store: &Store,
    scope: &Scope,
    username: &str,
    now: i64,
    limit: usize,
) -> Result<(Vec<Lead>, i64), gaoxin_store::Error> {
    let f = LeadFilter {
        stalled_before: Some(today(now).to_int()),
        ..LeadFilter::default()
    };
    let (mut rows, total) = store.leads(scope, &f, 0, Some(2000)).await?;
    rows.sort_by_key(|l| (l.owner != username, l.next_date));
    rows.truncate(limit);
    Ok((rows, total))
}

fn text_date(d: Option<i64>) -> String {
    d.and_then(Date::from_int)
        .map(|d| d.to_string())
        .unwrap_or_default()
}

fn wan(fen: i64) -> String {
    Money(fen).to_decimal(Unit::WanYuan)
}

/// Leads as .xlsx in the import's columns (plus status columns): re-importable.
pub fn leads_xlsx(cfg: &LeadsConfig, zone: &Zone, leads: &[Lead]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let mut head: Vec<&str> = LEAD_COLUMNS.to_vec();
    head.extend([
        "编号",
        "结果",
        "投资额（万元）",
        "落地园区",
        "放弃原因",
        "登记时间",
        "登记人",
    ]);
    let ws = list_sheet(&mut wb, "线索", &head, 16.0)?;
    for (i, l) in leads.iter().enumerate() {
        let r = i as u32 + 1;
        let park = zone
            .park(&l.park)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| "高新区".into());
        let cells = [
            l.uscc.clone(),
            l.firm_name.clone(),
            cfg.class_name(&l.firm_class),
            zone.track(&l.track)
                .map(|t| t.name.clone())
                .unwrap_or_else(|| l.track.clone()),
            cfg.event(&l.event)
                .map(|e| e.name.clone())
                .unwrap_or_else(|| l.event.clone()),
            park,
            l.owner.clone(),
            cfg.stage_name(l.stage).to_string(),
            l.next_action.clone(),
            text_date(l.next_date),
            String::new(),
            l.id.clone(),
            match l.outcome.as_str() {
                "landed" => "已落地",
                "dropped" => "已放弃",
                _ => "跟进中",
            }
            .to_string(),
            l.invest_fen.map(wan).unwrap_or_default(),
            l.landed_park
                .as_deref()
                .map(|p| {
                    zone.park(p)
                        .map(|z| z.name.clone())
                        .unwrap_or_else(|| p.to_string())
                })
                .unwrap_or_default(),
            l.drop_reason
                .as_deref()
                .map(|c| {
                    cfg.reason(c)
                        .map(|r| format!("{} {}", r.code, r.name))
                        .unwrap_or_else(|| c.to_string())
                })
                .unwrap_or_default(),
            text_date(Some(super::today(l.created_at).to_int())),
            l.created_by.clone(),
        ];
        for (c, v) in cells.iter().enumerate() {
            ws.write_string(r, c as u16, v)?;
        }
    }
    wb.save_to_buffer()
}

/// The pipeline view as .xlsx: stages, landed investment by park.
pub fn pipeline_xlsx(v: &PipelineView, title: &str) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let ws = list_sheet(
        &mut wb,
        "阶段",
        &[
            "阶段",
            "当前线索",
            "在此放弃",
            "到达此阶段",
            "阶段转化率（%）",
            "停留天数中位数",
            "离开此阶段次数",
        ],
        16.0,
    )?;
    for (i, s) in v.stages.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, &s.name)?;
        ws.write_number(r, 1, s.current as f64)?;
        ws.write_number(r, 2, s.dropped as f64)?;
        ws.write_number(r, 3, s.reached as f64)?;
        if let Some(c) = s.conversion_pct {
            ws.write_number(r, 4, (c * 10.0).round() / 10.0)?;
        }
        if let Some(m) = s.median_days {
            ws.write_number(r, 5, m as f64)?;
        }
        ws.write_number(r, 6, s.moves_out as f64)?;
    }
    let n = v.stages.len() as u32 + 2;
    ws.write_string(n, 0, title)?;
    ws.write_string(
        n + 1,
        0,
        format!(
            "线索合计 {}；跟进中 {}；已落地 {}；已放弃 {}；逾期未跟进 {}",
            v.total, v.open, v.landed, v.dropped, v.stalled
        ),
    )?;
    let classes: Vec<String> = v
        .firms_by_class
        .iter()
        .map(|(k, n)| format!("{k} {n} 家"))
        .collect();
    ws.write_string(
        n + 2,
        0,
        format!(
            "参与企业 {} 家，其中 {}",
            v.firms_engaged,
            classes.join("、")
        ),
    )?;
    let ws = list_sheet(
        &mut wb,
        "落地投资",
        &["落地园区", "落地项目", "投资额（万元）"],
        16.0,
    )?;
    for (i, l) in v.landed_by_park.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, &l.park_name)?;
        ws.write_number(r, 1, l.projects as f64)?;
        ws.write_string(r, 2, wan(l.invest_fen))?;
    }
    wb.save_to_buffer()
}

/// The import template: the columns, an example row, and the allowed values.
pub fn template_xlsx(cfg: &LeadsConfig, zone: &Zone) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let _ = list_sheet(&mut wb, "线索", &LEAD_COLUMNS, 18.0)?;
    let ws = list_sheet(&mut wb, "填写说明", &["列", "说明或可选值"], 50.0)?;
    let rows = [
        (
            "统一社会信用代码",
            "必填；区内企业自动带出名称，区外企业同时填写企业名称".to_string(),
        ),
        (
            "企业类别",
            format!(
                "可空；{}",
                cfg.firm_classes
                    .iter()
                    .map(|c| c.name.clone())
                    .collect::<Vec<_>>()
                    .join("、")
            ),
        ),
        (
            "赛道",
            zone.tracks
                .iter()
                .map(|t| t.name.clone())
                .collect::<Vec<_>>()
                .join("、"),
        ),
        (
            "来源活动",
            cfg.events
                .iter()
                .map(|e| e.name.clone())
                .collect::<Vec<_>>()
                .join("、"),
        ),
        (
            "负责园区",
            format!(
                "空=高新区；{}",
                zone.parks
                    .iter()
                    .map(|p| p.name.clone())
                    .collect::<Vec<_>>()
                    .join("、")
            ),
        ),
        (
            "阶段",
            format!("空=第一阶段；{}（落地须登记后办理）", cfg.stages.join("、")),
        ),
        (
            "下一步日期",
            "日期，如 2026-12-31；不能早于导入当天".to_string(),
        ),
    ];
    for (i, (k, v)) in rows.iter().enumerate() {
        ws.write_string(i as u32 + 1, 0, *k)?;
        ws.write_string(i as u32 + 1, 1, v)?;
    }
    wb.save_to_buffer()
}
