//! 政策测算 (issue 20): what-if reforms for zone staff. Pick a year and a rule file; its
//! parameters are shown as sliders and inputs with their values in force and units; every change
//! re-evaluates the whole zone (htmx, debounced) and shows baseline vs reform per policy, firms
//! newly qualifying and no longer qualifying, winners and losers by park (chart), the award
//! change per firm and in total, and an .xlsx export of both lists.
//!
//! The panel of a year and its baseline batch are loaded once and kept in memory ([`gaoxin_app::reform_cache::BaselineCache`]), so
//! a change costs one compile and one batch. Reforms never write anything: the stored official
//! runs are untouched. Zone users only (route access `Zone`): park administrators and firms get
//! the 404 of a page outside their scope.
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{PageError, Query};
use crate::render::{self, Page, fmt_wan};
use axum::extract::State;
use axum::response::Response;
use gaoxin_app::reform::{self, Baseline, FirmDiff, Outcome, ParamInfo};
use gaoxin_app::rules_runs::park_name;
use gaoxin_model::Year;
use minijinja::context;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

/// Firms listed per list on the page (the export has them all).
const LIST: usize = 100;

/// The query of every reform route: `year`, `rule`, `refresh=1` and `p.<parameter>=<value>`.
struct Form {
    year: Option<Year>,
    rule: Option<String>,
    refresh: bool,
    values: Vec<(String, String)>,
}

fn parse_form(q: &BTreeMap<String, String>) -> Result<Form, String> {
    let year = match q.get("year").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => None,
        Some(y) => Some(Year::parse(y)?),
    };
    Ok(Form {
        year,
        rule: q.get("rule").filter(|s| !s.is_empty()).cloned(),
        refresh: q.get("refresh").is_some_and(|v| v == "1"),
        values: q
            .iter()
            .filter_map(|(k, v)| k.strip_prefix("p.").map(|n| (n.to_string(), v.clone())))
            .collect(),
    })
}

/// Everything a reform route computes.
struct Computed {
    year: Year,
    years: Vec<Year>,
    base: Arc<Baseline>,
    rule: String,
    params: Vec<ParamView>,
    /// The outcome, or why the values were refused (in Chinese).
    outcome: Result<Outcome, String>,
    ms: f64,
}

#[derive(Serialize)]
struct ParamView {
    #[serde(flatten)]
    info: ParamInfo,
    /// The value in the form (what was asked, else the value in force).
    asked: String,
    changed: bool,
}

async fn compute(
    state: &AppState,
    user: &CurrentUser,
    q: &BTreeMap<String, String>,
) -> Result<Option<Computed>, PageError> {
    let form = parse_form(q).map_err(|m| PageError::bad_request(&m))?;
    let years = state.reforms.years(&state.store, form.refresh).await?;
    let year = match form.year {
        Some(y) if years.contains(&y) => y,
        Some(y) => {
            return Err(PageError::bad_request(&format!(
                "{y} 年没有企业数据，无法测算改革方案"
            )));
        }
        None => match years.last() {
            Some(y) => *y,
            None => return Ok(None),
        },
    };
    let base = state.reforms.get(&state.store, year, form.refresh).await?;
    let rules = base.rules();
    let rule = match form.rule {
        Some(r) if rules.iter().any(|x| x.0 == r) => r,
        Some(r) => {
            return Err(PageError::bad_request(&format!(
                "{year} 年没有可测算的规则「{r}」，请从列表中选择"
            )));
        }
        None => rules.first().map(|r| r.0.clone()).unwrap_or_default(),
    };
    let infos = base.params(&rule).unwrap_or_default();
    let mut values = Vec::new();
    let mut bad = Vec::new();
    let mut params = Vec::new();
    for info in infos {
        let asked = form
            .values
            .iter()
            .find(|(n, _)| *n == info.name)
            .map(|(_, v)| v.trim().to_string());
        let shown = match &asked {
            Some(v) => v.clone(),
            None => info.value.map(|v| format!("{v}")).unwrap_or_default(),
        };
        let mut changed = false;
        if let Some(v) = asked.as_deref().filter(|v| !v.is_empty()) {
            match v.parse::<f64>() {
                Ok(x) if x.is_finite() => {
                    changed = info.value != Some(x);
                    values.push((info.name.clone(), x));
                }
                _ => bad.push(format!(
                    "参数「{}」（{}）的取值「{v}」不是数字",
                    info.name, info.zh
                )),
            }
        }
        params.push(ParamView {
            info,
            asked: shown,
            changed,
        });
    }
    for (n, _) in &form.values {
        if !params.iter().any(|p| p.info.name == *n) {
            bad.push(format!("规则「{rule}」没有参数「{n}」"));
        }
    }
    let t = Instant::now();
    let outcome = if bad.is_empty() {
        let r = reform::form_reform(&base, &rule, &user.username, &values);
        let b = base.clone();
        tokio::task::spawn_blocking(move || reform::evaluate(&b, &r))
            .await
            .map_err(PageError::internal)?
            .map_err(|es| {
                es.iter()
                    .map(|e| e.msg.clone())
                    .collect::<Vec<_>>()
                    .join("；")
            })
    } else {
        Err(bad.join("；"))
    };
    Ok(Some(Computed {
        year,
        years,
        base,
        rule,
        params,
        outcome,
        ms: t.elapsed().as_secs_f64() * 1e3,
    }))
}

#[derive(Serialize)]
struct DiffView {
    uscc: String,
    name: String,
    park: String,
    tier: String,
    rule: String,
    base: &'static str,
    reform: &'static str,
    base_amount: String,
    reform_amount: String,
    delta: String,
    up: bool,
}

fn amount(fen: Option<i64>) -> String {
    fen.map(fmt_wan).unwrap_or_else(|| "—".into())
}

fn diff_view(state: &AppState, o: &Outcome, d: &FirmDiff) -> DiffView {
    DiffView {
        uscc: d.uscc.clone(),
        name: d.name.clone(),
        park: park_name(&state.zone, &d.park),
        tier: d.tier.clone(),
        rule: o
            .rules
            .iter()
            .find(|r| r.rule == d.rule)
            .map(|r| r.name.clone())
            .unwrap_or_else(|| d.rule.clone()),
        base: d.base.zh(),
        reform: d.reform.zh(),
        base_amount: amount(d.base_fen),
        reform_amount: amount(d.reform_fen),
        delta: fmt_wan(d.delta_fen()),
        up: d.delta_fen() > 0 || d.gained(),
    }
}

/// The values of the result fragment.
fn result_ctx(state: &AppState, c: &Computed) -> minijinja::Value {
    let o = match &c.outcome {
        Ok(o) => o,
        Err(m) => return context! { refused => m },
    };
    let rules: Vec<_> = o
        .rules
        .iter()
        .filter(|r| r.has_award || r.gained + r.lost > 0)
        .map(|r| {
            context! {
                name => r.name.clone(), base_pass => r.base_pass, reform_pass => r.reform_pass,
                gained => r.gained, lost => r.lost, amount_changed => r.amount_changed,
                base => fmt_wan(r.base_fen), reform => fmt_wan(r.reform_fen),
                delta => fmt_wan(r.reform_fen - r.base_fen), has_award => r.has_award,
            }
        })
        .collect();
    // Winners and losers by park, over every rule, in the zone's order of parks.
    let order: Vec<String> = state.zone.parks.iter().map(|p| p.id.to_string()).collect();
    let by_park: Vec<(String, (usize, usize, i64))> = o
        .park_totals(&order)
        .into_iter()
        .map(|t| (t.park, (t.gained, t.lost, t.delta_fen)))
        .collect();
    let chart = context! {
        parks => by_park.iter().map(|(p, _)| park_name(&state.zone, p)).collect::<Vec<_>>(),
        gained => by_park.iter().map(|(_, v)| v.0).collect::<Vec<_>>(),
        lost => by_park.iter().map(|(_, v)| -(v.1 as i64)).collect::<Vec<_>>(),
        delta_wan => by_park.iter().map(|(_, v)| (v.2 as f64 / 1e6 * 100.0).round() / 100.0).collect::<Vec<_>>(),
    };
    let park_rows: Vec<_> = o
        .parks
        .iter()
        .filter(|d| d.gained + d.lost + d.amount_changed > 0)
        .map(|d| {
            context! {
                name => d.name.clone(), park => park_name(&state.zone, &d.park),
                base_pass => d.base_pass, reform_pass => d.reform_pass,
                gained => d.gained, lost => d.lost, amount_changed => d.amount_changed,
                base => fmt_wan(d.base_fen), reform => fmt_wan(d.reform_fen),
                delta => fmt_wan(d.reform_fen - d.base_fen),
            }
        })
        .collect();
    let gained: Vec<&FirmDiff> = o.gained().collect();
    let lost: Vec<&FirmDiff> = o.lost().collect();
    let amount_only: Vec<&FirmDiff> = o
        .diffs
        .iter()
        .filter(|d| !d.gained() && !d.lost())
        .collect();
    let view = |v: &[&FirmDiff]| -> Vec<DiffView> {
        v.iter()
            .take(LIST)
            .map(|d| diff_view(state, o, d))
            .collect()
    };
    let gain_view = |g: &reform::Gain| {
        context! {
            uscc => g.uscc.clone(), name => g.name.clone(), park => park_name(&state.zone, &g.park),
            delta => fmt_wan(g.delta_fen),
        }
    };
    context! {
        changes => render::ser(&o.changes),
        out_of_force => o.out_of_force.clone(),
        firms => o.firms,
        as_of => o.as_of.clone(),
        rules => rules,
        park_rows => park_rows,
        tiers => render::ser(&o.tiers),
        chart => chart,
        gained_n => gained.len(),
        lost_n => lost.len(),
        amount_n => amount_only.len(),
        gained => render::ser(view(&gained)),
        lost => render::ser(view(&lost)),
        amount_only => render::ser(view(&amount_only)),
        winners => o.gains.iter().filter(|g| g.delta_fen > 0).take(20).map(gain_view).collect::<Vec<_>>(),
        losers => o.gains.iter().rev().filter(|g| g.delta_fen < 0).take(20).map(gain_view).collect::<Vec<_>>(),
        base_total => fmt_wan(o.base_total_fen),
        reform_total => fmt_wan(o.reform_total_fen),
        delta_total => fmt_wan(o.delta_total_fen()),
        list_max => LIST,
        ms => format!("{:.0}", c.ms),
        export => export_query(c),
    }
}

/// The export link's query: the same year, rule and values.
fn export_query(c: &Computed) -> String {
    let mut q = format!("year={}&rule={}", c.year, crate::auth::urlencode(&c.rule));
    for p in c.params.iter().filter(|p| p.changed) {
        q.push_str(&format!(
            "&p.{}={}",
            crate::auth::urlencode(&p.info.name),
            crate::auth::urlencode(&p.asked)
        ));
    }
    q
}

/// The saved reforms, each evaluated against the baseline: one comparison table.
async fn saved_rows(base: &Arc<Baseline>) -> Vec<minijinja::Value> {
    let b = base.clone();
    let rows = tokio::task::spawn_blocking(move || {
        let saved = match reform::saved() {
            Ok(s) => s,
            Err(e) => return vec![context! { error => e.to_string() }],
        };
        saved
            .into_iter()
            .map(|s| {
                let r = match s.reform {
                    Ok(r) => r,
                    Err(es) => {
                        return context! { key => s.key, path => s.path, error => reform::errors_zh(&es) };
                    }
                };
                match reform::evaluate(&b, &r) {
                    Ok(o) => context! {
                        key => s.key, path => s.path, name => o.name.clone(), author => o.author.clone(),
                        note => o.note.clone(),
                        changes => o.changes.iter().map(|c| format!("{} · {}：{} → {}", c.rule_name, c.item, c.before, c.after)).collect::<Vec<_>>(),
                        gained => o.gained().count(), lost => o.lost().count(),
                        base_total => fmt_wan(o.base_total_fen), reform_total => fmt_wan(o.reform_total_fen),
                        delta => fmt_wan(o.delta_total_fen()),
                    },
                    Err(es) => context! { key => s.key, path => s.path, name => r.name, error => reform::errors_zh(&es) },
                }
            })
            .collect()
    })
    .await;
    rows.unwrap_or_default()
}

/// GET /reform — 政策测算.
pub async fn reform_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    let page = Page::new("政策测算", &user, "/reform");
    let Some(c) = compute(&state, &user, &q).await? else {
        return Ok(render::page(
            "reform.html",
            &page,
            context! { empty => true },
        ));
    };
    let rules: Vec<_> = c
        .base
        .rules()
        .into_iter()
        .map(|(id, name, award)| context! { id, name, award })
        .collect();
    let result = result_ctx(&state, &c);
    let saved = saved_rows(&c.base).await;
    Ok(render::page(
        "reform.html",
        &page,
        context! {
            year => c.year.get(), years => c.years.iter().map(|y| y.get()).collect::<Vec<_>>(), rule => c.rule, rules => rules,
            params => render::ser(&c.params), firms => c.base.firms(), result => result,
            saved => saved,
        },
    ))
}

/// GET /reform/result — the result fragment for the form's current values (htmx).
pub async fn reform_result(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    let result = match compute(&state, &user, &q).await {
        Ok(Some(c)) => result_ctx(&state, &c),
        Ok(None) => context! { refused => "还没有企业年度数据" },
        // a bad value answers in the result area (htmx swaps 200s), never an error page
        Err(e) if e.status == axum::http::StatusCode::BAD_REQUEST => {
            context! { refused => e.message }
        }
        Err(e) => return Err(e),
    };
    Ok(render::fragment(
        "reform_result.html",
        context! { result => result },
    ))
}

/// GET /reform/export.xlsx — both lists (and every change) of the form's reform.
pub async fn reform_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    let Some(c) = compute(&state, &user, &q).await? else {
        return Err(PageError::bad_request("还没有企业年度数据"));
    };
    // a saved reform (`file=<name>`), else the form's values
    let o = match q.get("file").filter(|f| !f.is_empty()) {
        Some(key) => {
            let r = reform::saved_one(key)
                .map_err(|es| PageError::bad_request(&reform::errors_zh(&es)))?
                .ok_or_else(|| PageError::bad_request(&format!("没有名为「{key}」的已保存方案")))?;
            let b = c.base.clone();
            tokio::task::spawn_blocking(move || reform::evaluate(&b, &r))
                .await
                .map_err(PageError::internal)?
                .map_err(|es| PageError::bad_request(&reform::errors_zh(&es)))?
        }
        None => c.outcome.map_err(|m| PageError::bad_request(&m))?,
    };
    let bytes =
        gaoxin_app::reform_workbook::workbook(&state.zone, &o).map_err(PageError::internal)?;
    Ok(crate::export::xlsx_download(
        &state,
        &user,
        bytes,
        &format!("政策测算-{}-{}.xlsx", c.rule, c.year),
    ))
}
