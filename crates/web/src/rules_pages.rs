//! Pages of the rules engine: the ladder fragment of the firm page (each rule's conditions,
//! need/have/source, gaps, policies with amounts), 梯度培育 (funnel per park with its table,
//! year-to-year conversion, median time on a rung, nearest-to-qualify lists sortable by
//! distance, export) and 政策 (each policy: who is eligible, amounts in 万元, 免申即享 vs 快申快享
//! lists with the exact items, budget by park, export).
//!
//! What each role sees (on top of the store's scope rules):
//! * zone administrators and analysts: every park; opening a year without a stored run starts
//!   its evaluation in the background and shows its progress until the run is stored
//!   ([`crate::rules_jobs`]);
//! * a park administrator: its park's funnel, lists and budget (the store returns the run's
//!   summary and per-firm rows with its scope); no evaluating;
//! * an enterprise user: 梯度培育 and 政策 answer 404; its own firm page shows its ladder and its
//!   policies (evaluated live on its own one-firm panel, read with its scope).
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::PageError;
use crate::error::Query;
use crate::pages::scoped_enterprise;
use crate::policies_part::policies_part;
use crate::render::{self, Page};
use crate::rules_jobs;
use axum::extract::{Path, State};
use axum::response::Response;
use gaoxin_app::rules_runs::{
    self, Lists, RulesSummary, finding_zh, level_zh, park_name, record_zh,
};
use gaoxin_model::Year;
use gaoxin_rules::ladder::Record;
use gaoxin_rules::plan::Finding;
use gaoxin_rules::{Status, ladder};
use gaoxin_store::{Role, RuleResultRow, RunRecord, Scope};
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Deserialize, Default)]
pub struct RulesQuery {
    year: Option<gaoxin_model::Year>,
    park: Option<String>,
    rule: Option<String>,
    /// `asc` (nearest first, default) or `desc`.
    sort: Option<String>,
    /// `1`: start the year's run again after a restart interrupted it.
    rerun: Option<String>,
    /// 快申快享 group export: the items the group misses (`policy_groups::Group::key`).
    missing: Option<String>,
}

fn zone_role(r: &Role) -> bool {
    matches!(r, Role::ZoneAdmin | Role::ZoneAnalyst)
}

#[derive(Serialize)]
struct CondView {
    zh: String,
    unconfirmed: bool,
    verdict: &'static str,
    verdict_zh: &'static str,
    parts: Vec<String>,
    subs: Vec<String>,
    inputs: Vec<String>,
    gaps: Vec<String>,
    note: Option<String>,
    assumption_dependent: bool,
}

#[derive(Serialize)]
struct RuleView {
    id: String,
    name: String,
    label: String,
    document: String,
    version: String,
    unconfirmed: bool,
    rung: Option<u8>,
    policy: bool,
    verdict: &'static str,
    verdict_zh: &'static str,
    assumption_dependent: bool,
    assumption: &'static str,
    award_zh: Option<String>,
    award_wan: Option<String>,
    auto_grant: bool,
    to_supply: Vec<String>,
    conditions: Vec<CondView>,
    /// Every scored indicator: value, band, points.
    scores: Vec<String>,
}

/// GET /enterprises/{uscc}/ladder — the firm's ladder and every rule explained (htmx fragment),
/// evaluated with the server's cached plan of the year ([`gaoxin_app::rules_cache`]).
pub async fn enterprise_ladder(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Query(q): Query<RulesQuery>,
) -> Result<Response, PageError> {
    let scope = user.scope();
    let (uscc, e) = scoped_enterprise(&state, &scope, &code).await?;
    let facts = state.store.facts_of(&scope, &uscc).await?;
    let years: Vec<Year> = facts.iter().map(|f| f.year).collect();
    let Some(year) = q
        .year
        .filter(|y| years.contains(y))
        .or_else(|| years.last().copied())
    else {
        return Ok(render::fragment(
            "enterprise_ladder.html",
            context! { empty => true, uscc => code },
        ));
    };
    let firm_ladder =
        rules_runs::firm_ladder(&state.rules, &state.store, &scope, &e, &facts, year).await?;
    let rules_runs::FirmLadder { firm, notice } = match firm_ladder {
        Ok(f) => f,
        Err(error) => {
            return Ok(render::fragment(
                "enterprise_ladder.html",
                context! { error => error, uscc => code },
            ));
        }
    };
    let (plan, pos) = (&firm.plan, &firm.position);
    let rungs: Vec<_> = ladder::rungs(plan)
        .into_iter()
        .map(|r| {
            context! {
                level => r.level, label => r.label, note => r.note,
                reached => r.level <= pos.level,
                current => r.level == pos.level,
                next => pos.next.as_ref().is_some_and(|n| n.level == r.level),
            }
        })
        .collect();
    let label_of = |level: u8| {
        ladder::rungs(plan)
            .into_iter()
            .find(|r| r.level == level)
            .map(|r| r.label)
    };
    Ok(render::section(
        "enterprise_ladder.html",
        context! {
            uscc => code,
            year => year.get(),
            years => years.iter().map(|y| y.get()).collect::<Vec<_>>(),
            as_of => gaoxin_model::present::date(plan.as_of),
            level_label => pos.label.clone(),
            level_basis => pos.basis.map(|b| b.zh()),
            recognised_label => label_of(pos.recognised_level),
            rules_label => label_of(pos.rules_level),
            standings => standings(&firm),
            legend => Finding::ALL.iter().map(|f| context! { key => f.key(), zh => f.zh() }).collect::<Vec<_>>(),
            next => pos.next.as_ref().map(|n| context! { label => n.label.clone(), note => n.note.clone() }),
            rungs => rungs,
            summary => render::ser(summary(&rule_views(&firm), pos.next.as_ref().map(|n| n.level))),
            rules => render::ser(rule_views(&firm)),
            skipped => firm.skipped.clone(),
            rules_notice => notice,
        },
    ))
}

/// Each defined rung of a firm twice, distinctly: 已认定 from the records (with their dates and
/// sources) and 按条件测算 from the rule (with 取决于假设 where it applies).
fn standings(firm: &rules_runs::FirmRules) -> Vec<minijinja::Value> {
    let (plan, panel, pos) = (&firm.plan, &firm.panel, &firm.position);
    pos.standings
        .iter()
        .filter_map(|st| {
            let rp = plan.rule(&st.rule)?;
            let f = Finding::of(st.verdict, st.assumption_dependent);
            Some(context! {
                level => st.level,
                label => rp.label.clone(),
                record => st.record.key(),
                record_zh => st.record.zh(),
                recognised => st.record == Record::Recognised,
                record_rule => rp.recognised.as_ref().map(|x| x.zh.clone()),
                record_source => rp.recognised.as_ref().map(|x| x.source.clone()),
                record_unconfirmed => rp.recognised.as_ref().is_some_and(|x| x.status == Status::Unconfirmed),
                record_inputs => ladder::record_inputs(plan, panel, 0, firm.year.get(), &st.rule)
                    .iter()
                    .map(|i| i.line_zh())
                    .collect::<Vec<_>>(),
                finding => f.key(),
                finding_zh => f.zh(),
                assumption => firm.opts.assumption.zh(),
                current => st.level == pos.level,
            })
        })
        .collect()
}

/// The answer a firm wants first (issue 18): what it qualifies for (with awards), the next
/// rung's smallest gaps, and every item to supply, from the rules explained for it.
#[derive(Serialize)]
struct Summary {
    qualifies: Vec<String>,
    next_gaps: Vec<String>,
    to_supply: Vec<String>,
}

fn summary(rules: &[RuleView], next_level: Option<u8>) -> Summary {
    let qualifies = rules
        .iter()
        .filter(|r| r.verdict == "pass")
        .map(|r| match (&r.award_zh, &r.award_wan) {
            (Some(z), Some(a)) => format!("{}（{z}：{a}）", r.label),
            _ => r.label.clone(),
        })
        .collect();
    // the next rung's failing conditions, fewest gaps first: the smallest steps to take
    let mut conds: Vec<&CondView> = rules
        .iter()
        .filter(|r| next_level.is_some() && r.rung == next_level)
        .flat_map(|r| &r.conditions)
        .filter(|c| c.verdict != "pass" && !c.gaps.is_empty())
        .collect();
    conds.sort_by_key(|c| c.gaps.len());
    let next_gaps = conds
        .iter()
        .flat_map(|c| c.gaps.iter().cloned())
        .take(3)
        .collect();
    let mut to_supply: Vec<String> = rules.iter().flat_map(|r| r.to_supply.clone()).collect();
    to_supply.sort();
    to_supply.dedup();
    Summary {
        qualifies,
        next_gaps,
        to_supply,
    }
}

/// Every rule of the plan explained for the firm: rungs first, then other labels, then policies.
fn rule_views(firm: &rules_runs::FirmRules) -> Vec<RuleView> {
    let (plan, panel, year, opts) = (&firm.plan, &firm.panel, firm.year.get(), &firm.opts);
    let mut rules: Vec<RuleView> = Vec::new();
    for rp in &plan.rules {
        let Some(ex) = gaoxin_rules::explain(plan, panel, 0, year, &rp.id, opts) else {
            continue;
        };
        rules.push(RuleView {
            id: ex.rule_id.clone(),
            name: ex.rule_name.clone(),
            label: ex.label.clone(),
            document: ex.document.clone(),
            version: ex.version.clone(),
            unconfirmed: ex.rule_status == Status::Unconfirmed
                || ex
                    .conditions
                    .iter()
                    .any(|c| c.status == Status::Unconfirmed),
            rung: rp.rung,
            policy: rp.award.is_some(),
            verdict: Finding::of(ex.verdict, ex.assumption_dependent).key(),
            verdict_zh: Finding::of(ex.verdict, ex.assumption_dependent).zh(),
            assumption_dependent: ex.assumption_dependent,
            scores: ex.scores.iter().map(|l| l.text.clone()).collect(),
            assumption: ex.assumption.zh(),
            award_zh: ex.award_zh.clone(),
            award_wan: ex.award.map(gaoxin_model::present::yuan),
            auto_grant: ex.auto_grant,
            to_supply: ex
                .to_supply
                .iter()
                .map(|s| format!("{}（{}年，当前：{}）", s.zh, s.year, s.provenance.zh()))
                .collect(),
            conditions: ex
                .conditions
                .iter()
                .map(|c| CondView {
                    zh: c.zh.clone(),
                    unconfirmed: c.status == Status::Unconfirmed,
                    verdict: Finding::of(c.verdict, c.assumption_dependent).key(),
                    verdict_zh: Finding::of(c.verdict, c.assumption_dependent).zh(),
                    parts: c.parts.iter().map(|p| p.text.clone()).collect(),
                    subs: c.subconditions.clone(),
                    inputs: c.inputs.iter().map(|i| i.line_zh()).collect(),
                    gaps: c.gaps.iter().map(|g| g.text.clone()).collect(),
                    note: c.note.clone(),
                    assumption_dependent: c.assumption_dependent,
                })
                .collect(),
        });
    }
    rules.sort_by_key(|r| (r.policy, r.rung.is_none(), r.rung));
    rules
}

/// The year a rules page shows: the requested one if the scope has data for it, else the
/// latest; `Err(ctx)` is the page's empty state (no data, or a year without data).
async fn page_year(
    state: &AppState,
    user: &CurrentUser,
    q: &RulesQuery,
) -> Result<Result<(Year, Vec<i32>), minijinja::Value>, PageError> {
    let years = state.warm.years(&state.store, &user.scope()).await?;
    let shown: Vec<i32> = years.iter().map(|y| y.get()).collect();
    Ok(match q.year {
        Some(y) if years.contains(&y) => Ok((y, shown)),
        Some(_) => Err(context! { empty => true, bad_year => true, years => shown }),
        None => match years.last() {
            Some(y) => Ok((*y, shown)),
            None => Err(context! { empty => true, years => shown }),
        },
    })
}

/// The year, the stored run, the summary narrowed to what the user may see and the notice that
/// the rule files changed since the run ([`rules_runs::run_notice`]); `Ok(Err(ctx))` is the
/// page's empty state. For a zone user and a year without a stored run, `start` starts
/// (or joins) the background run and the empty state shows its progress ([`crate::rules_jobs`]).
/// A stored run as a page shows it: year, summary, run, park in view, rule-change notice.
type RunView = (i32, RulesSummary, RunRecord, Option<String>, Option<String>);

async fn run_view(
    state: &AppState,
    user: &CurrentUser,
    q: &RulesQuery,
    start: bool,
) -> Result<Result<RunView, minijinja::Value>, PageError> {
    let asked_park = crate::pages::park_param(&state.zone, q.park.as_deref())
        .map_err(|m| PageError::bad_request(&m))?;
    let scope = user.scope();
    let (year, years) = match page_year(state, user, q).await? {
        Ok(x) => x,
        Err(ctx) => return Ok(Err(ctx)),
    };
    let park = match &scope {
        Scope::Park(p) => Some(p.clone()),
        _ => asked_park,
    };
    // A zone user's choice of one park reads the run as that park's scope does (the store
    // returns only what a scope may see); any other scope reads with its own.
    let view = match (&scope, &park) {
        (Scope::Zone, Some(p)) => Scope::Park(p.clone()),
        _ => scope,
    };
    let (s, run) = match rules_runs::latest(&state.store, &view, year).await? {
        Some(r) => r,
        None if start && zone_role(&user.role) => {
            let job = state
                .rules_jobs
                .view_or_start(state, year, &user.who(), q.rerun.as_deref() == Some("1"))
                .await?;
            return Ok(Err(context! {
                empty => true, evaluating => true, job => render::ser(job),
                year => year.get(), years => years,
            }));
        }
        None => {
            return Ok(Err(
                context! { empty => true, not_run => true, year => year.get(), years => years },
            ));
        }
    };
    let notice = rules_runs::run_notice(&state.rules, &s);
    Ok(Ok((
        year.get(),
        s,
        run,
        park.map(|p| p.to_string()),
        notice,
    )))
}

/// GET /ladder/evaluating?year=Y — the progress of the year's background run (htmx fragment,
/// zone users only). Starts the run if there is neither a stored run nor a running one; once
/// the run is stored it answers `HX-Refresh` so that the page reloads with the results.
pub async fn evaluating(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<RulesQuery>,
) -> Result<Response, PageError> {
    let Ok((year, _)) = page_year(&state, &user, &q).await? else {
        return Err(PageError::not_found());
    };
    let stored = rules_runs::latest(&state.store, &user.scope(), year)
        .await?
        .is_some();
    let view = if stored {
        rules_jobs::JobView::stored(year)
    } else {
        state
            .rules_jobs
            .view_or_start(&state, year, &user.who(), q.rerun.as_deref() == Some("1"))
            .await?
    };
    let done = view.state == "done";
    let mut r = render::fragment("rules_job.html", context! { job => render::ser(view) });
    if done {
        r.headers_mut()
            .insert("hx-refresh", axum::http::HeaderValue::from_static("true"));
    }
    Ok(r)
}

fn parks_ctx(state: &AppState, user: &CurrentUser) -> Vec<minijinja::Value> {
    if !zone_role(&user.role) {
        return vec![];
    }
    state
        .zone
        .parks
        .iter()
        .map(|p| context! { id => p.id.as_str(), name => p.name.clone() })
        .collect()
}

/// Rows of a run in the caller's scope (and the chosen park).
async fn rows(
    state: &AppState,
    user: &CurrentUser,
    run: &RunRecord,
    park: Option<&str>,
    rule: Option<&str>,
) -> Result<Vec<RuleResultRow>, PageError> {
    // a stored run's rows are read once per scope and kept (crate::warm)
    let all = state
        .warm
        .run_rows(&state.store, &user.scope(), &run.id)
        .await?;
    Ok(all
        .iter()
        .filter(|r| park.is_none_or(|p| r.park == p) && rule.is_none_or(|x| r.rule == x))
        .cloned()
        .collect())
}

/// GET /ladder — 梯度培育.
pub async fn ladder_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<RulesQuery>,
) -> Result<Response, PageError> {
    let page = Page::new("梯度培育", &user, "/ladder");
    let (year, s, run, park, notice) = match run_view(&state, &user, &q, true).await? {
        Ok(x) => x,
        Err(ctx) => return Ok(render::page("ladder.html", &page, ctx)),
    };
    let years = state.warm.years(&state.store, &user.scope()).await?;
    let z = &state.zone;
    let labels: Vec<String> = std::iter::once("未入梯".to_string())
        .chain(
            s.rungs
                .iter()
                .filter(|r| r.rule.is_some())
                .map(|r| r.label.clone()),
        )
        .collect();
    let nl = labels.len();
    let now: Vec<_> = s.funnel.iter().filter(|f| f.year == year).collect();
    // The chart stacks each rung twice: recognised by a record (已认定), and placed by the rules
    // where no record exists (按条件测算).
    let mut series_labels = vec![labels[0].clone()];
    let mut series = vec![
        now.iter()
            .map(|f| f.counts.first().copied().unwrap_or(0))
            .collect::<Vec<_>>(),
    ];
    for (l, label) in labels.iter().enumerate().skip(1) {
        series_labels.push(format!("{label}·已认定"));
        series.push(now.iter().map(|f| f.by_record(l)).collect());
        series_labels.push(format!("{label}·按条件测算"));
        series.push(
            now.iter()
                .map(|f| f.by_rules.get(l).copied().unwrap_or(0))
                .collect(),
        );
    }
    let chart = serde_json::json!({
        "parks": now.iter().map(|f| park_name(z, &f.park)).collect::<Vec<_>>(),
        "levels": series_labels,
        "counts": series,
    });
    let funnel_rows: Vec<_> = s
        .funnel
        .iter()
        .map(|f| {
            let cells: Vec<_> = (0..nl)
                .map(|l| {
                    context! {
                        total => f.counts.get(l).copied().unwrap_or(0),
                        record => f.by_record(l),
                        rules => f.by_rules.get(l).copied().unwrap_or(0),
                        depends => f.depends.get(l).copied().unwrap_or(0),
                        rung => l > 0,
                    }
                })
                .collect();
            context! { year => f.year, park => park_name(z, &f.park), counts => cells }
        })
        .collect();
    let fallback_total: usize = now
        .iter()
        .map(|f| f.by_rules.iter().skip(1).sum::<usize>())
        .sum();
    // conversions summed over the parks in view
    let mut conv: BTreeMap<(i32, u8), (usize, usize)> = BTreeMap::new();
    for c in &s.conversions {
        let e = conv.entry((c.from_year, c.level)).or_default();
        e.0 += c.firms;
        e.1 += c.moved_up;
    }
    let conversions: Vec<_> = conv
        .into_iter()
        .map(|((y, l), (n, up))| context! {
            from_year => y, to_year => y + 1, level => s.rung_label(l as i32), firms => n, moved_up => up,
            rate => if n > 0 { format!("{:.1}%", up as f64 * 100.0 / n as f64) } else { "—".into() },
        })
        .collect();
    let medians: Vec<_> = s
        .medians
        .iter()
        .map(|m| context! { park => park_name(z, &m.park), level => s.rung_label(m.level as i32), spells => m.spells, median => m.median_years })
        .collect();
    // nearest-to-qualify for one rung
    let rung_rules: Vec<_> = s.rungs.iter().filter(|r| r.rule.is_some()).collect();
    let rule = q
        .rule
        .clone()
        .filter(|r| rung_rules.iter().any(|g| g.rule.as_deref() == Some(r)))
        .or_else(|| rung_rules.first().and_then(|r| r.rule.clone()));
    let desc = q.sort.as_deref() == Some("desc");
    let all = match &rule {
        Some(rid) => rows(&state, &user, &run, park.as_deref(), Some(rid)).await?,
        None => Vec::new(),
    };
    let (near, undecided) = match &rule {
        Some(rid) => rules_runs::nearest_rows(&s, &all, rid, desc),
        None => (Vec::new(), Vec::new()),
    };
    let near_total = near.len();
    let row_ctx = |r: &RuleResultRow| {
        context! {
            uscc => r.uscc.clone(), name => r.name.clone(), park => park_name(z, &r.park),
            level => level_zh(&s, r), distance => r.distance.map(gaoxin_rules::fmt::distance),
            verdict => rules_runs::finding(r).key(), verdict_zh => finding_zh(r),
            record_zh => record_zh(&s, r),
            missing => r.supply.lines().map(str::to_string).collect::<Vec<_>>(),
        }
    };
    let near_rows: Vec<_> = near.iter().take(100).map(|r| row_ctx(r)).collect();
    let undecided_total = undecided.len();
    let undecided_rows: Vec<_> = undecided.iter().take(100).map(|r| row_ctx(r)).collect();
    Ok(render::page(
        "ladder.html",
        &page,
        context! {
            year => year, years => render::ser(&years), run_id => run.id, as_of => s.record.as_of.clone(),
            input_hash => s.record.input_hash.clone(),
            park => park.clone(), park_name => park.as_deref().map(|p| park_name(z, p)),
            parks => parks_ctx(&state, &user),
            labels => labels.clone(),
            chart => render::ser(&chart),
            funnel => funnel_rows, funnel_years => s.funnel_years.clone(),
            conversions => conversions, medians => medians,
            rung_rules => rung_rules.iter().map(|r| context! { rule => r.rule.clone(), label => r.label.clone() }).collect::<Vec<_>>(),
            top_note => s.rungs.iter().find(|r| r.rule.is_none()).and_then(|r| r.note.clone()),
            rule => rule, desc => desc, near => near_rows, near_total => near_total,
            undecided => undecided_rows, undecided_total => undecided_total,
            fallback_total => fallback_total,
            legend => Finding::ALL.iter().map(|f| context! { key => f.key(), zh => f.zh() }).collect::<Vec<_>>(),
            depends_zh => Finding::Depends.zh(),
            rules_notice => notice,
        },
    ))
}

/// GET /ladder/export.xlsx — the 梯度培育 lists in scope.
pub async fn ladder_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<RulesQuery>,
) -> Result<Response, PageError> {
    export(state, user, q, Lists::Ladder, "梯度培育").await
}

/// GET /policies/export.xlsx — the 政策 lists in scope.
pub async fn policies_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<RulesQuery>,
) -> Result<Response, PageError> {
    export(state, user, q, Lists::Policies, "政策兑现").await
}

async fn export(
    state: AppState,
    user: CurrentUser,
    q: RulesQuery,
    which: Lists,
    title: &str,
) -> Result<Response, PageError> {
    let (year, s, run, park, _) = match run_view(&state, &user, &q, false).await? {
        Ok(x) => x,
        Err(_) => return Err(PageError::not_found()),
    };
    let bytes = crate::warm::export_bytes(&state, &user.scope(), &s, &run, park.as_deref(), which)
        .await
        .map_err(PageError::internal)?;
    Ok(crate::export::xlsx_download(
        &state,
        &user,
        bytes.to_vec(),
        &format!("{title}-{year}.xlsx"),
    ))
}

/// GET /policies/group.xlsx — one 快申快享 group (`rule` and `missing`; without them every
/// 快申快享 firm in scope) as .xlsx, so the zone can request one item from all of them at once.
pub async fn policies_group_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<RulesQuery>,
) -> Result<Response, PageError> {
    let (year, s, run, park, _) = match run_view(&state, &user, &q, false).await? {
        Ok(x) => x,
        Err(_) => return Err(PageError::not_found()),
    };
    let rs = rows(&state, &user, &run, park.as_deref(), q.rule.as_deref()).await?;
    let groups = gaoxin_app::policy_groups::group_by_missing(&rs);
    let chosen: Vec<&RuleResultRow> = groups
        .iter()
        .filter(|g| q.missing.as_ref().is_none_or(|m| *m == g.key()))
        .flat_map(|g| g.rows.iter().map(|&i| &rs[i]))
        .collect();
    let title = q
        .rule
        .as_ref()
        .and_then(|id| s.policies().find(|p| &p.id == id))
        .map(|p| p.label.clone())
        .unwrap_or_else(|| "快申快享".into());
    let z = &state.zone;
    let bytes = gaoxin_app::policy_groups::group_xlsx(
        &format!("{year}年 {title}"),
        q.missing.as_deref().unwrap_or("全部"),
        &chosen,
        &|p| park_name(z, p),
        user.as_of,
    )
    .map_err(PageError::internal)?;
    Ok(crate::export::xlsx_download(
        &state,
        &user,
        bytes,
        &format!("快申快享-{year}.xlsx"),
    ))
}

/// GET /policies — 政策.
pub async fn policies_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<RulesQuery>,
) -> Result<Response, PageError> {
    let page = Page::new("政策兑现", &user, "/policies");
    let (year, s, run, park, notice) = match run_view(&state, &user, &q, true).await? {
        Ok(x) => x,
        Err(ctx) => return Ok(render::page("policies.html", &page, ctx)),
    };
    let years = state.warm.years(&state.store, &user.scope()).await?;
    let z = &state.zone;
    let (policies, chart) =
        policies_part(&state, &user.scope(), &s, &run, park.as_deref(), year).await?;
    Ok(render::page(
        "policies.html",
        &page,
        context! {
            year => year, years => render::ser(&years), run_id => run.id, as_of => s.record.as_of.clone(),
            park => park.clone(), park_name => park.as_deref().map(|p| park_name(z, p)),
            parks => parks_ctx(&state, &user), policies => policies, chart => chart,
            skipped => s.skipped.clone(),
            unknown_zh => Finding::Unknown.zh(), depends_zh => Finding::Depends.zh(),
            rules_notice => notice,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(label: &str, rung: Option<u8>, verdict: &'static str, gaps: &[&[&str]]) -> RuleView {
        RuleView {
            id: label.into(),
            name: label.into(),
            label: label.into(),
            document: String::new(),
            version: String::new(),
            unconfirmed: false,
            rung,
            policy: false,
            verdict,
            verdict_zh: "",
            assumption_dependent: false,
            assumption: "",
            award_zh: None,
            award_wan: None,
            auto_grant: false,
            to_supply: vec!["营业收入（2024年，当前：缺失）".into()],
            scores: vec![],
            conditions: gaps
                .iter()
                .map(|g| CondView {
                    zh: String::new(),
                    unconfirmed: false,
                    verdict: "fail",
                    verdict_zh: "",
                    parts: vec![],
                    subs: vec![],
                    inputs: vec![],
                    gaps: g.iter().map(|s| s.to_string()).collect(),
                    note: None,
                    assumption_dependent: false,
                })
                .collect(),
        }
    }

    /// The firm page leads with what it qualifies for, the next rung's smallest gaps and the
    /// items to supply, each once.
    #[test]
    fn firm_summary_leads_with_the_answer() {
        let mut award = rule("首次入选独角兽企业奖励", None, "pass", &[]);
        award.award_zh = Some("奖励金额".into());
        award.award_wan = Some("1,500,000.00元".into());
        let rules = vec![
            rule("高新技术企业", Some(2), "pass", &[]),
            rule("瞪羚企业", Some(3), "fail", &[&["a", "b"], &["c"]]),
            rule("独角兽企业", Some(4), "fail", &[&["z"]]),
            award,
        ];
        let s = summary(&rules, Some(3));
        assert_eq!(
            s.qualifies,
            vec![
                "高新技术企业".to_string(),
                "首次入选独角兽企业奖励（奖励金额：1,500,000.00元）".to_string()
            ]
        );
        assert_eq!(s.next_gaps, vec!["c", "a", "b"]);
        assert_eq!(s.to_supply, vec!["营业收入（2024年，当前：缺失）"]);
    }
}
