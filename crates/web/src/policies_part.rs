//! The 政策 page's lists of a stored run: per policy, its 免申即享 firms, its 快申快享 groups by
//! what the firms miss, its budget by park, and the chart. Built once per run, scope and park
//! (a stored run never changes) and kept in the server's warm results; the warm-up builds the
//! zone's for the latest run, so its first view does not.
use crate::AppState;
use crate::error::PageError;
use crate::render;
use gaoxin_app::rules_runs::{self, RulesSummary, finding_zh, park_name};
use gaoxin_rules::plan::Finding;
use gaoxin_store::{RuleResultRow, RunRecord, Scope};
use minijinja::context;
use std::collections::BTreeMap;

/// The 政策 page's policies and chart for a stored run as `scope` sees it (optionally one park),
/// built once and kept (a stored run never changes; [`crate::warm`] builds the zone's ahead).
pub(crate) async fn policies_part(
    state: &AppState,
    scope: &Scope,
    s: &RulesSummary,
    run: &RunRecord,
    park: Option<&str>,
    year: i32,
) -> Result<(minijinja::Value, minijinja::Value), PageError> {
    let park: Option<String> = park.map(str::to_string);
    // built once per run, scope and park (a stored run never changes; crate::warm)
    let key = key(&run.id, scope, park.as_deref());
    if let Some(x) = state.warm.part(&key) {
        return Ok(x);
    }
    // one build at a time: a view while the warm-up builds this part waits for that build
    let _one = state.warm.part_build().await;
    if let Some(x) = state.warm.part(&key) {
        return Ok(x);
    }
    // a stored run's rows are read once per scope and kept (crate::warm)
    let all = state.warm.run_rows(&state.store, scope, &run.id).await?;
    // building the lists (~0.3–1 s for the zone) off the async workers: a request waiting
    // behind it on the same worker would wait the whole build
    let (st, s) = (state.clone(), s.clone());
    let x = tokio::task::spawn_blocking(move || {
        let z = &st.zone;
        let mut policies = Vec::new();
        let mut chart_parks: Vec<String> = s.budgets.iter().map(|b| b.park.clone()).collect();
        chart_parks.sort();
        chart_parks.dedup();
        let mut series = Vec::new();
        // one read of the run's rows (every firm's results are stored together), split by policy
        let mut by_rule: BTreeMap<String, Vec<RuleResultRow>> = BTreeMap::new();
        for r in all
            .iter()
            .filter(|r| park.as_deref().is_none_or(|p| r.park == p))
            .cloned()
        {
            if r.verdict != "fail" {
                by_rule.entry(r.rule.clone()).or_default().push(r);
            }
        }
        for p in s.policies() {
            let rs: Vec<RuleResultRow> = by_rule.remove(&p.id).unwrap_or_default();
            let entry = |r: &RuleResultRow| {
                context! {
                    uscc => r.uscc.clone(), name => r.name.clone(), park => park_name(z, &r.park),
                    amount => r.amount_fen.map(gaoxin_model::present::yuan), verdict => rules_runs::finding(r).key(), verdict_zh => finding_zh(r),
                    supply => r.supply.lines().map(str::to_string).collect::<Vec<_>>(),
                    assumption_dependent => r.assumption_dependent,
                }
            };
            // 免申即享: the first 50 on the page (the export has all); 快申快享: grouped by what the
            // firms miss, each group with its count, its first 20 firms and its own export
            let auto_n = rs.iter().filter(|r| r.verified).count();
            let auto: Vec<_> = rs
                .iter()
                .filter(|r| r.verified)
                .take(50)
                .map(entry)
                .collect();
            let fast_n = rs.iter().filter(|r| !r.verified).count();
            let groups: Vec<_> = gaoxin_app::policy_groups::group_by_missing(&rs)
                .iter()
                .map(|g| {
                    let href = format!(
                        "/policies/group.xlsx?year={}&rule={}{}&missing={}",
                        year,
                        enc(&p.id),
                        park.as_deref()
                            .map(|k| format!("&park={}", enc(k)))
                            .unwrap_or_default(),
                        enc(&g.key())
                    );
                    context! {
                        missing => g.key(), count => g.rows.len(), href => href,
                        firms => g.rows.iter().take(20).map(|&i| entry(&rs[i])).collect::<Vec<_>>(),
                    }
                })
                .collect();
            let eligible = rs.iter().filter(|r| r.verdict == "pass").count();
            let total: i64 = rs.iter().filter_map(|r| r.amount_fen).sum();
            let budget: Vec<_> = s
                .budgets
                .iter()
                .filter(|b| b.rule == p.id)
                .map(|b| context! { park => park_name(z, &b.park), firms => b.firms, total => gaoxin_model::present::yuan(b.total_fen), amount_unknown => b.amount_unknown, undecided => b.undecided, depends => b.depends })
                .collect();
            // chart data: 万元 as numbers for ECharts (the text beside it is the exact `wan`)
            series.push(serde_json::json!({
                "name": p.label,
                "data": chart_parks.iter().map(|pk| s.budgets.iter().find(|b| b.rule == p.id && &b.park == pk).map(|b| b.total_fen as f64 / 1e6).unwrap_or(0.0)).collect::<Vec<_>>(),
            }));
            policies.push(context! {
                id => p.id.clone(), name => p.name.clone(), label => p.label.clone(), document => p.document.clone(),
                version => p.version.clone(), unconfirmed => p.unconfirmed, award_zh => p.award_zh.clone(),
                eligible => eligible, total => gaoxin_model::present::yuan(total), undecided => rs.iter().filter(|r| r.verdict == "unknown").count(),
                depends => rs.iter().filter(|r| rules_runs::finding(r) == Finding::Depends).count(),
                auto => auto, auto_n => auto_n, fast_n => fast_n, groups => groups, budget => budget,
            });
        }
        let chart = serde_json::json!({
            "parks": chart_parks.iter().map(|p| park_name(z, p)).collect::<Vec<_>>(),
            "series": series,
        });
        (minijinja::Value::from(policies), render::ser(&chart))
    })
    .await
    .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
    state.warm.keep_part(key, x.clone());
    Ok(x)
}

/// The key the part of stored run `run_id`, as `scope` sees it (and one park), is kept under.
pub(crate) fn key(run_id: &str, scope: &Scope, park: Option<&str>) -> String {
    format!("policies|{run_id}|{}|{park:?}", scope.cache_key())
}

/// Percent-encodes `s` for a query value (every byte but the unreserved ones).
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
