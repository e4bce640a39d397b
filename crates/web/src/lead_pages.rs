//! 新赛道大会 leads (线索): the list with filters and the new-lead form, a lead's page (history,
//! moves, notes, next action, 落地 / 放弃), the pipeline view per event, track and park, the
//! stalled-leads box of the dashboard, xlsx import / template / exports, and the JSON API.
//! Thin: each handler parses, makes one `gaoxin_app::leads` call and renders. A lead outside the
//! user's scope answers the same 404 as a missing one.
use crate::AppState;
use crate::auth::{CsrfChecked, CurrentUser};
use crate::error::{ApiError, PageError, Query};
use crate::export::download;
use crate::render::{self, Page};
use crate::track_pages::{XLSX, api_input_error, configs, input_error, now, read_file};
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form, Json};
use gaoxin_app::leads::{self, Actor, ChangeInput, LeadInput, LeadsConfig};
use gaoxin_app::tracks::InputError;
use gaoxin_model::Zone;
use gaoxin_store::{Lead, LeadFilter, Role};
use minijinja::context;
use serde::{Deserialize, Serialize};

fn actor(user: &CurrentUser) -> Actor {
    Actor {
        username: user.username.clone(),
        scope: user.scope(),
        may_write: matches!(user.role, Role::ZoneAdmin | Role::ParkAdmin(_)),
    }
}

/// The list's and the pipeline's filters as typed (ids or names).
#[derive(Deserialize, Default, Clone, Serialize)]
pub struct FilterQuery {
    #[serde(default)]
    event: String,
    #[serde(default)]
    track: String,
    #[serde(default)]
    park: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    stalled: String,
    page: Option<u64>,
}

fn filter(zone: &Zone, cfg: &LeadsConfig, q: &FilterQuery) -> Result<LeadFilter, String> {
    fn opt(s: &str) -> Option<&str> {
        Some(s.trim()).filter(|s| !s.is_empty())
    }
    let event = match opt(&q.event) {
        None => None,
        Some(e) => Some(cfg.event(e).ok_or(format!("未知活动「{e}」"))?.id.clone()),
    };
    let track = match opt(&q.track) {
        None => None,
        Some(t) => Some(zone.track(t).ok_or(format!("未知赛道「{t}」"))?.id.clone()),
    };
    let park = match opt(&q.park) {
        None => None,
        Some("zone") => Some(String::new()),
        Some(p) => Some(
            zone.park(p)
                .ok_or(format!("未知园区「{p}」"))?
                .id
                .to_string(),
        ),
    };
    let stage = match opt(&q.stage) {
        None => None,
        Some(s) => Some(cfg.stage(s).ok_or(format!("未知阶段「{s}」"))?),
    };
    let outcome = match opt(&q.outcome) {
        None => None,
        Some(o @ ("open" | "landed" | "dropped")) => Some(o.to_string()),
        Some(o) => return Err(format!("未知结果「{o}」（可选：open、landed、dropped）")),
    };
    Ok(LeadFilter {
        event,
        track,
        park,
        stage,
        outcome,
        q: opt(&q.q).map(str::to_string),
        stalled_before: (!q.stalled.is_empty()).then(|| leads::today(now()).to_int()),
    })
}

/// A lead as the pages show it: names beside ids.
#[derive(Serialize)]
struct LeadView {
    #[serde(flatten)]
    lead: LeadJson,
    track_name: String,
    event_name: String,
    park_name: String,
    stage_name: String,
    class_name: String,
    landed_park_name: String,
    reason_name: String,
    stalled: bool,
}

/// A lead in JSON (money in fen).
#[derive(Serialize, Clone)]
pub struct LeadJson {
    id: String,
    uscc: String,
    firm_name: String,
    in_panel: bool,
    firm_class: String,
    track: String,
    event: String,
    park: String,
    owner: String,
    stage: i64,
    next_action: String,
    next_date: Option<String>,
    outcome: String,
    invest_fen: Option<i64>,
    landed_park: Option<String>,
    drop_reason: Option<String>,
    created_by: String,
}

fn date_text(d: Option<i64>) -> Option<String> {
    d.and_then(gaoxin_model::Date::from_int)
        .map(|d| d.to_string())
}

fn view(zone: &Zone, cfg: &LeadsConfig, l: &Lead, today: i64) -> LeadView {
    let park_name = |p: &str| {
        if p.is_empty() {
            "高新区".to_string()
        } else {
            zone.park(p)
                .map(|z| z.name.clone())
                .unwrap_or_else(|| p.to_string())
        }
    };
    LeadView {
        track_name: zone
            .track(&l.track)
            .map(|t| t.name.clone())
            .unwrap_or_else(|| l.track.clone()),
        event_name: cfg
            .event(&l.event)
            .map(|e| e.name.clone())
            .unwrap_or_else(|| l.event.clone()),
        park_name: park_name(&l.park),
        stage_name: cfg.stage_name(l.stage).to_string(),
        class_name: cfg.class_name(&l.firm_class),
        landed_park_name: l.landed_park.as_deref().map(park_name).unwrap_or_default(),
        reason_name: l
            .drop_reason
            .as_deref()
            .map(|c| {
                cfg.reason(c)
                    .map(|r| r.name.clone())
                    .unwrap_or_else(|| c.to_string())
            })
            .unwrap_or_default(),
        stalled: l.outcome == "open" && l.next_date.is_some_and(|d| d < today),
        lead: LeadJson {
            id: l.id.clone(),
            uscc: l.uscc.clone(),
            firm_name: l.firm_name.clone(),
            in_panel: l.in_panel,
            firm_class: l.firm_class.clone(),
            track: l.track.clone(),
            event: l.event.clone(),
            park: l.park.clone(),
            owner: l.owner.clone(),
            stage: l.stage,
            next_action: l.next_action.clone(),
            next_date: date_text(l.next_date),
            outcome: l.outcome.clone(),
            invest_fen: l.invest_fen,
            landed_park: l.landed_park.clone(),
            drop_reason: l.drop_reason.clone(),
            created_by: l.created_by.clone(),
        },
    }
}

const PAGE: u64 = 50;

/// The list page, with the form's values and errors when a creation failed.
async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    q: &FilterQuery,
    form: Option<&LeadInput>,
    errors: Vec<String>,
    msg: Option<String>,
) -> Result<Response, PageError> {
    let (_, cfg) = configs(state)?;
    let f = filter(&state.zone, cfg, q).map_err(|m| PageError::bad_request(&m))?;
    let page = q.page.unwrap_or(0);
    let (rows, total) = state
        .store
        .leads(&user.scope(), &f, page * PAGE, Some(PAGE))
        .await?;
    let today = leads::today(now()).to_int();
    let rows: Vec<LeadView> = rows
        .iter()
        .map(|l| view(&state.zone, cfg, l, today))
        .collect();
    let input = form.map(|i| render::ser(FormEcho::from(i)));
    let p = Page::new("线索", user, "/leads");
    let refused = !errors.is_empty();
    let mut r = render::page(
        "leads.html",
        &p,
        context! {
            rows => render::ser(&rows),
            total,
            page_no => page,
            pages => total.max(0) as u64 / PAGE + 1,
            q => render::ser(q),
            stages => render::ser(&cfg.stages),
            events => render::ser(&cfg.events),
            classes => render::ser(&cfg.firm_classes),
            tracks => render::ser(state.zone.tracks.iter().map(|t| (t.id.clone(), t.name.clone())).collect::<Vec<_>>()),
            parks => render::ser(state.zone.parks.iter().map(|p| (p.id.to_string(), p.name.clone())).collect::<Vec<_>>()),
            own_park => user.role.park().map(|p| p.to_string()),
            may_write => actor(user).may_write,
            input,
            errors,
            msg,
        },
    );
    // a refused form is a 400 — unless the page itself failed to render (its 500 stays)
    if refused {
        r = render::with_status(r, axum::http::StatusCode::BAD_REQUEST);
    }
    Ok(r)
}

#[derive(Serialize)]
struct FormEcho {
    uscc: String,
    firm_name: String,
    firm_class: String,
    track: String,
    event: String,
    park: String,
    owner: String,
    stage: String,
    next_action: String,
    next_date: String,
    note: String,
}

impl From<&LeadInput> for FormEcho {
    fn from(i: &LeadInput) -> FormEcho {
        FormEcho {
            uscc: i.uscc.clone(),
            firm_name: i.firm_name.clone(),
            firm_class: i.firm_class.clone(),
            track: i.track.clone(),
            event: i.event.clone(),
            park: i.park.clone(),
            owner: i.owner.clone(),
            stage: i.stage.clone(),
            next_action: i.next_action.clone(),
            next_date: i.next_date.clone(),
            note: i.note.clone(),
        }
    }
}

#[derive(Deserialize, Default)]
pub struct MsgQuery {
    msg: Option<String>,
}

/// GET /leads — the leads in scope, filtered, with the new-lead form.
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<FilterQuery>,
    Query(m): Query<MsgQuery>,
) -> Result<Response, PageError> {
    list_page(&state, &user, &q, None, vec![], m.msg).await
}

/// GET /leads/export.xlsx — every lead of the filter, in the import's columns.
pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<FilterQuery>,
) -> Result<Response, PageError> {
    let (_, cfg) = configs(&state)?;
    let f = filter(&state.zone, cfg, &q).map_err(|m| PageError::bad_request(&m))?;
    let (rows, _) = state.store.leads(&user.scope(), &f, 0, None).await?;
    let bytes = leads::leads_xlsx(cfg, &state.zone, &rows).map_err(PageError::internal)?;
    Ok(crate::export::xlsx_download(
        &state,
        &user,
        bytes,
        "新赛道线索.xlsx",
    ))
}

/// POST /leads — creates a lead; bad input shows the form again with every message.
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(input): Form<LeadInput>,
) -> Result<Response, PageError> {
    let (_, cfg) = configs(&state)?;
    match leads::create(&state.store, &state.zone, cfg, &actor(&user), &input, now()).await {
        Ok(l) => {
            state.tracks.pipeline.invalidate();
            Ok(Redirect::to(&format!("/leads/{}", l.id)).into_response())
        }
        Err(InputError::Invalid(errs)) => {
            list_page(
                &state,
                &user,
                &FilterQuery::default(),
                Some(&input),
                errs,
                None,
            )
            .await
        }
        Err(e) => Err(input_error(e)),
    }
}

/// GET /leads/template.xlsx — the import template.
pub async fn template(State(state): State<AppState>) -> Result<Response, PageError> {
    let (_, cfg) = configs(&state)?;
    let bytes = leads::template_xlsx(cfg, &state.zone).map_err(PageError::internal)?;
    Ok(download(bytes, XLSX, "新赛道线索导入模板.xlsx"))
}

/// POST /leads/import — bulk import (all or nothing, row/column messages).
pub async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    checked: Option<Extension<CsrfChecked>>,
    mp: Multipart,
) -> Result<Response, PageError> {
    let (_, cfg) = configs(&state)?;
    let bytes = read_file(&user, checked, mp).await?;
    match leads::import(&state.store, &state.zone, cfg, &actor(&user), bytes, now()).await {
        Ok(n) => {
            state.tracks.pipeline.invalidate();
            Ok(Redirect::to(&format!("/leads?msg=imported-{n}")).into_response())
        }
        Err(InputError::Invalid(mut errs)) => {
            errs.insert(0, "导入未执行，未写入任何线索；请修改后重新上传：".into());
            list_page(&state, &user, &FilterQuery::default(), None, errs, None).await
        }
        Err(e) => Err(input_error(e)),
    }
}

async fn detail_page(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    form: Option<(&ChangeInput, Vec<String>)>,
) -> Result<Response, PageError> {
    let (_, cfg) = configs(state)?;
    let (l, h) = leads::lead_with_history(&state.store, &user.scope(), id)
        .await
        .map_err(input_error)?;
    let today = leads::today(now()).to_int();
    let hist: Vec<_> = h
        .iter()
        .map(|e| {
            context! {
                at => render::fmt_date(leads::today(e.at)),
                by => e.by.clone(),
                kind => match e.kind.as_str() {
                    "created" => "登记",
                    "stage" => "阶段变更",
                    "note" => "备注",
                    "next" => "下一步",
                    "landed" => "落地",
                    "dropped" => "放弃",
                    _ => "其他",
                },
                from => e.from_stage.map(|s| cfg.stage_name(s).to_string()),
                to => e.to_stage.map(|s| cfg.stage_name(s).to_string()),
                days => e.dwell_days,
                note => e.note.clone(),
            }
        })
        .collect();
    let (input, errors) = match form {
        Some((i, e)) => (
            Some(
                context! { action => i.action.clone(), stage => i.stage.clone(), note => i.note.clone(), next_action => i.next_action.clone(), next_date => i.next_date.clone(), invest_wan => i.invest_wan.clone(), park => i.park.clone(), reason => i.reason.clone() },
            ),
            e,
        ),
        None => (None, vec![]),
    };
    let p = Page::new(&format!("线索 · {}", l.firm_name), user, "/leads");
    let bad = !errors.is_empty();
    let mut r = render::page(
        "lead.html",
        &p,
        context! {
            l => render::ser(view(&state.zone, cfg, &l, today)),
            history => hist,
            stages => render::ser(&cfg.stages),
            reasons => render::ser(&cfg.drop_reasons),
            parks => render::ser(state.zone.parks.iter().map(|p| (p.id.to_string(), p.name.clone())).collect::<Vec<_>>()),
            may_write => actor(user).may_write,
            input,
            errors,
        },
    );
    if bad {
        r = render::with_status(r, axum::http::StatusCode::BAD_REQUEST);
    }
    Ok(r)
}

/// GET /leads/{lead} — a lead, its history and the forms to work it.
pub async fn detail(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    detail_page(&state, &user, &id, None).await
}

/// POST /leads/{lead}/change — a move, note, next action, 落地 or 放弃.
pub async fn change(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(input): Form<ChangeInput>,
) -> Result<Response, PageError> {
    let (_, cfg) = configs(&state)?;
    match leads::change(
        &state.store,
        &state.zone,
        cfg,
        &actor(&user),
        &id,
        &input,
        now(),
    )
    .await
    {
        Ok(l) => {
            state.tracks.pipeline.invalidate();
            Ok(Redirect::to(&format!("/leads/{}", l.id)).into_response())
        }
        Err(InputError::Invalid(errs)) => {
            detail_page(&state, &user, &id, Some((&input, errs))).await
        }
        Err(e) => Err(input_error(e)),
    }
}

/// Stands for the session's CSRF token in a kept page (put in when served).
const CSRF_SLOT: &str = "gx-csrf-slot-5e0c2b";

/// GET /leads/pipeline — counts per stage, conversion, median days, stalled, landed by park.
/// The rendered page is kept per (user, filter, day) until the next lead write or import (the
/// pipeline cache's epoch): under load a view costs a lookup and the CSRF token put in.
pub async fn pipeline(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<FilterQuery>,
) -> Result<Response, PageError> {
    let (_, cfg) = configs(&state)?;
    let f = filter(&state.zone, cfg, &q).map_err(|m| PageError::bad_request(&m))?;
    let t = now();
    let (v, epoch) = leads::pipeline_shared(
        &state.store,
        &state.zone,
        cfg,
        &state.tracks.pipeline,
        &user.scope(),
        &f,
        t,
    )
    .await?;
    let key = format!(
        "{}|{:?}|{:?}|{}|{}",
        user.username,
        user.role,
        user.as_of,
        leads::today(t).to_int(),
        serde_json::to_string(&q).unwrap_or_default()
    );
    let serve = |html: &str| render::html_response(html.replace(CSRF_SLOT, &user.csrf));
    if let Some((html, _)) = state.tracks.pages.get(&key, &epoch) {
        return Ok(serve(&html));
    }
    let charts = context! {
        stages => v.stages.iter().map(|s| s.name.clone()).collect::<Vec<_>>(),
        reached => v.stages.iter().map(|s| s.reached).collect::<Vec<_>>(),
        current => v.stages.iter().map(|s| s.current).collect::<Vec<_>>(),
        landed_parks => v.landed_by_park.iter().map(|l| l.park_name.clone()).collect::<Vec<_>>(),
        landed_wan => v.landed_by_park.iter().map(|l| l.invest_fen / 1_000_000).collect::<Vec<_>>(),
    };
    let frame = CurrentUser {
        csrf: CSRF_SLOT.into(),
        ..user.clone()
    };
    let p = Page::new("线索漏斗", &frame, "/leads");
    let html: std::sync::Arc<str> = match render::page_text(
        "lead_pipeline.html",
        &p,
        context! {
            v => render::ser(&*v),
            charts,
            q => render::ser(&q),
            events => render::ser(&cfg.events),
            tracks => render::ser(state.zone.tracks.iter().map(|t| (t.id.clone(), t.name.clone())).collect::<Vec<_>>()),
            parks => render::ser(state.zone.parks.iter().map(|p| (p.id.to_string(), p.name.clone())).collect::<Vec<_>>()),
            own_park => user.role.park().map(|p| p.to_string()),
        },
    ) {
        Ok(h) => h.into(),
        Err(r) => return Ok(*r),
    };
    state
        .tracks
        .pages
        .insert(key, html.clone(), html.len(), epoch);
    Ok(serve(&html))
}

/// GET /leads/pipeline.xlsx — the pipeline view as .xlsx.
pub async fn pipeline_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<FilterQuery>,
) -> Result<Response, PageError> {
    let (_, cfg) = configs(&state)?;
    let f = filter(&state.zone, cfg, &q).map_err(|m| PageError::bad_request(&m))?;
    let v = leads::pipeline(
        &state.store,
        &state.zone,
        cfg,
        &state.tracks.pipeline,
        &user.scope(),
        &f,
        now(),
    )
    .await?;
    let title = format!(
        "筛选：活动 {}；赛道 {}；园区 {}",
        or_all(&q.event),
        or_all(&q.track),
        or_all(&q.park)
    );
    let bytes = leads::pipeline_xlsx(&v, &title).map_err(PageError::internal)?;
    Ok(crate::export::xlsx_download(
        &state,
        &user,
        bytes,
        "新赛道线索漏斗.xlsx",
    ))
}

fn or_all(s: &str) -> &str {
    if s.trim().is_empty() { "全部" } else { s }
}

/// GET /leads/stalled — the dashboard's box: open leads past their next-action date, the
/// user's own first.
pub async fn stalled(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, PageError> {
    let (_, cfg) = configs(&state)?;
    let (rows, total) =
        leads::stalled(&state.store, &user.scope(), &user.username, now(), 8).await?;
    let today = leads::today(now()).to_int();
    let rows: Vec<LeadView> = rows
        .iter()
        .map(|l| view(&state.zone, cfg, l, today))
        .collect();
    Ok(render::fragment(
        "lead_stalled.html",
        context! { rows => render::ser(&rows), total, me => user.username.clone() },
    ))
}

// ---------------------------------------------------------------- JSON API

/// GET /api/v1/leads/pipeline — the pipeline view (same filters as the page).
#[utoipa::path(get, path = "/api/v1/leads/pipeline", summary = "线索漏斗：各阶段数量、转化率、停留天数中位数、逾期、各园区落地投资（分）",
    params(("event" = Option<String>, Query), ("track" = Option<String>, Query), ("park" = Option<String>, Query)),
    responses((status = 200, description = "漏斗"), (status = 400, description = "错误", body = crate::error::ErrorBody),
        (status = 401, description = "错误", body = crate::error::ErrorBody), (status = 404, description = "错误", body = crate::error::ErrorBody)))]
pub async fn api_pipeline(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<FilterQuery>,
) -> Result<Json<leads::PipelineView>, ApiError> {
    let cfg = &configs(&state)
        .map_err(|e| ApiError::internal(e.message))?
        .1;
    let f = filter(&state.zone, cfg, &q).map_err(|m| ApiError::bad_request(&m))?;
    Ok(Json(
        leads::pipeline(
            &state.store,
            &state.zone,
            cfg,
            &state.tracks.pipeline,
            &user.scope(),
            &f,
            now(),
        )
        .await?,
    ))
}

#[derive(Serialize)]
pub struct LeadWithHistory {
    lead: LeadJson,
    history: Vec<serde_json::Value>,
}

/// GET /api/v1/leads/{lead} — a lead and its history.
#[utoipa::path(get, path = "/api/v1/leads/{lead}", summary = "一条线索及其历史（无权访问与不存在同样返回 404）",
    params(("lead" = String, Path)),
    responses((status = 200, description = "线索"), (status = 401, description = "错误", body = crate::error::ErrorBody),
        (status = 404, description = "错误", body = crate::error::ErrorBody)))]
pub async fn api_lead(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<LeadWithHistory>, ApiError> {
    let cfg = &configs(&state)
        .map_err(|e| ApiError::internal(e.message))?
        .1;
    let (l, h) = leads::lead_with_history(&state.store, &user.scope(), &id)
        .await
        .map_err(api_input_error)?;
    Ok(Json(LeadWithHistory {
        lead: view(&state.zone, cfg, &l, 0).lead,
        history: h
            .iter()
            .map(|e| serde_json::json!({"seq": e.seq, "at": e.at, "by": e.by, "kind": e.kind, "from_stage": e.from_stage, "to_stage": e.to_stage, "dwell_days": e.dwell_days, "note": e.note}))
            .collect(),
    }))
}

/// POST /api/v1/leads/{lead}/change — the same change as the page's forms (JSON body).
#[utoipa::path(post, path = "/api/v1/leads/{lead}/change", summary = "变更线索：move（阶段，退回须说明）、note、next、land（投资额万元、落地园区）、drop（放弃原因编码）",
    params(("lead" = String, Path)),
    responses((status = 200, description = "变更后的线索"), (status = 400, description = "错误", body = crate::error::ErrorBody),
        (status = 401, description = "错误", body = crate::error::ErrorBody), (status = 403, description = "错误", body = crate::error::ErrorBody),
        (status = 404, description = "错误", body = crate::error::ErrorBody)))]
pub async fn api_change(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<LeadJson>, ApiError> {
    let input: ChangeInput = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(&format!(
            "请求体应为 JSON 对象（action、stage、note 等字段）：{e}"
        ))
    })?;
    let cfg = &configs(&state)
        .map_err(|e| ApiError::internal(e.message))?
        .1;
    let l = leads::change(
        &state.store,
        &state.zone,
        cfg,
        &actor(&user),
        &id,
        &input,
        now(),
    )
    .await
    .map_err(api_input_error)?;
    state.tracks.pipeline.invalidate();
    Ok(Json(view(&state.zone, cfg, &l, 0).lead))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Query;
    use axum::extract::State;
    use gaoxin_store::Role;

    fn admin(csrf: &str) -> CurrentUser {
        CurrentUser {
            username: "admin".into(),
            role: Role::ZoneAdmin,
            csrf: csrf.into(),
            as_of: None,
        }
    }

    async fn page(state: &AppState, csrf: &str) -> String {
        let r = pipeline(
            State(state.clone()),
            admin(csrf),
            Query(FilterQuery::default()),
        )
        .await
        .unwrap();
        assert_eq!(r.status(), 200);
        let b = axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .unwrap();
        String::from_utf8(b.to_vec()).unwrap()
    }

    /// The pipeline page is rendered once and then served from memory with each session's own
    /// CSRF token put in; a lead write through this process shows at the next view.
    #[tokio::test]
    async fn the_pipeline_page_is_kept_until_a_lead_write() {
        let zone =
            gaoxin_model::Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap();
        let store = gaoxin_store::testing::sqlite().await.unwrap();
        let state = AppState::new(store, zone, crate::Config::default());
        let first = page(&state, "token-of-session-a").await;
        assert!(first.contains("没有符合条件的线索"), "{first}");
        assert_eq!(state.tracks.pages.len(), 1, "the page is kept");
        // another session of the same user: the kept page, with its own token
        let second = page(&state, "token-of-session-b").await;
        assert!(second.contains("token-of-session-b"));
        assert!(!second.contains("token-of-session-a") && !second.contains(CSRF_SLOT));
        assert_eq!(
            first.replace("token-of-session-a", "T"),
            second.replace("token-of-session-b", "T")
        );
        assert_eq!(state.tracks.pages.len(), 1);
        // a lead written through this process (as the handlers do: invalidate after the write)
        let cfg = &configs(&state).unwrap().1;
        let a = Actor {
            username: "admin".into(),
            scope: gaoxin_store::Scope::Zone,
            may_write: true,
        };
        let input = LeadInput {
            uscc: "91320191MA1W8E9X2T".into(),
            firm_name: "南京测试科技有限公司".into(),
            firm_class: String::new(),
            track: "t05".into(),
            event: "conf-2024".into(),
            park: String::new(),
            owner: String::new(),
            stage: String::new(),
            next_action: "线上会谈".into(),
            next_date: "2099-01-01".into(),
            note: String::new(),
        };
        leads::create(&state.store, &state.zone, cfg, &a, &input, now())
            .await
            .unwrap();
        state.tracks.pipeline.invalidate();
        let third = page(&state, "token-of-session-a").await;
        assert!(third.contains("id=\"kpi-total\">1<"), "{third}");
    }
}
