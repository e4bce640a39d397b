//! 政策兑现 pages (the payout ledger, issue 20): the list with filters and its .xlsx, one award with
//! its history and the steps the viewer may take (forms with the CSRF token), the zone
//! administrator's sync from the rules, the measures (应享尽享、应兑尽兑, special funds) with their
//! .xlsx, the payment import with its template, and the firm page's section. Scoped: the zone sees
//! every award, a park its firms', a firm its own; out of scope answers the 404 of a missing one.
//! Thin: each handler parses, makes one `gaoxin_app::payout*` call and renders.
use crate::AppState;
use crate::auth::constant_time_eq;
use crate::error::PageError;
use crate::export::download;
use crate::render::{self, Page};
use crate::user::CurrentUser;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use gaoxin_app::appeals_data::china_date;
use gaoxin_app::payout_data::{CITY_TOTAL, PayoutConfig, SOURCES, unconfirmed};
use gaoxin_app::payout_flow::STATES;
use gaoxin_app::payouts::{self, PayoutError, StepInput};
use gaoxin_app::{payout_report, payout_sync, payout_xlsx};
use gaoxin_model::{Money, Unit, Year};
use gaoxin_store::{FundLine, PayoutFilter, Role, unix_now};
use minijinja::context;
use serde::Deserialize;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// Largest payment import accepted (bytes).
pub const MAX_IMPORT: usize = 10 * 1024 * 1024;

fn config() -> Result<PayoutConfig, PageError> {
    PayoutConfig::load()
        .map_err(|e| PageError::new(StatusCode::INTERNAL_SERVER_ERROR, "兑现配置有误", &e))
}

fn page_err(e: PayoutError) -> PageError {
    match e {
        PayoutError::NotFound => PageError::not_found(),
        PayoutError::Refused(m) => PageError::bad_request(&m),
        PayoutError::Conflict => {
            PageError::new(StatusCode::CONFLICT, "兑现记录已更新", &e.to_string())
        }
        PayoutError::Store(s) => PageError::from(s),
        PayoutError::Eval(x) => PageError::internal(x),
    }
}

fn park_name(state: &AppState, p: &str) -> String {
    state
        .zone
        .parks
        .iter()
        .find(|x| x.id == p)
        .map(|x| x.name.clone())
        .unwrap_or_else(|| p.to_string())
}

fn zone_admin(user: &CurrentUser) -> Result<(), PageError> {
    match user.role {
        Role::ZoneAdmin => Ok(()),
        _ => Err(PageError::not_found()),
    }
}

fn today() -> i64 {
    china_date(unix_now()).to_int()
}

/// The list's filters (query string); empty values are no filter.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    year: String,
    #[serde(default)]
    policy: String,
    #[serde(default)]
    park: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    channel: String,
}

impl ListQuery {
    fn filter(&self) -> Result<PayoutFilter, PageError> {
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
        let year = match opt(&self.year) {
            Some(y) => Some(i64::from(
                Year::parse(&y)
                    .map_err(|m| PageError::bad_request(&m))?
                    .get(),
            )),
            None => None,
        };
        Ok(PayoutFilter {
            year,
            rule: opt(&self.policy),
            park: opt(&self.park),
            state: opt(&self.state),
            channel: opt(&self.channel),
            uscc: None,
        })
    }
    fn query_string(&self) -> String {
        [
            ("year", &self.year),
            ("policy", &self.policy),
            ("park", &self.park),
            ("state", &self.state),
            ("channel", &self.channel),
        ]
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", crate::auth::urlencode(v.trim())))
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// GET /payouts — the ledger's list.
pub async fn list_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let rows = payouts::list(&state.store, &user.scope(), &q.filter()?)
        .await
        .map_err(page_err)?;
    let items = payouts::list_items(&rows, &|p| park_name(&state, p));
    let total = items.len();
    let mut policies: Vec<(String, String)> = payouts::policy_names().into_iter().collect();
    policies.sort();
    let parks: Vec<_> = state
        .zone
        .parks
        .iter()
        .filter(|p| match &user.role {
            Role::ParkAdmin(own) => *own == p.id,
            Role::Enterprise(_) | Role::Department(_) | Role::University(_) => false,
            _ => true,
        })
        .map(|p| context! { id => p.id.to_string(), name => p.name.clone() })
        .collect();
    let page = Page::new("政策兑现", &user, "/payouts");
    Ok(render::page(
        "payouts.html",
        &page,
        context! {
            rows => render::ser(items.into_iter().take(500).collect::<Vec<_>>()), total,
            q => context! { year => q.year.clone(), policy => q.policy.clone(), park => q.park.clone(), state => q.state.clone(), channel => q.channel.clone() },
            query => q.query_string(),
            states => STATES.map(|s| s.zh()).to_vec(),
            policies => policies.iter().filter(|(id, _)| rows.iter().any(|r| &r.rule == id) || q.policy == *id).map(|(id, n)| context! { id => id.clone(), name => n.clone() }).collect::<Vec<_>>(),
            parks, zone_admin => user.role == Role::ZoneAdmin,
            staff => !matches!(user.role, Role::Enterprise(_) | Role::Department(_)),
            year_now => china_date(unix_now()).year() - 1,
        },
    ))
}

/// GET /payouts/export.xlsx — the filtered list as a workbook.
pub async fn list_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let rows = payouts::list(&state.store, &user.scope(), &q.filter()?)
        .await
        .map_err(page_err)?;
    let names = payouts::policy_names();
    let bytes = payout_xlsx::export(
        &rows,
        &|k| names.get(k).cloned().unwrap_or_else(|| k.to_string()),
        &|p| park_name(&state, p),
    )
    .map_err(PageError::internal)?;
    Ok(crate::export::xlsx_download(
        &state,
        &user,
        bytes,
        &format!("政策兑现台账-{}.xlsx", today()),
    ))
}

#[derive(Debug, Deserialize)]
pub struct SyncForm {
    year: String,
}

/// POST /payouts/sync — a zone administrator syncs the year's ledger with its latest rules run.
pub async fn sync(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<SyncForm>,
) -> Result<Response, PageError> {
    zone_admin(&user)?;
    let year = Year::parse(f.year.trim()).map_err(|m| PageError::bad_request(&m))?;
    let r = payout_sync::sync(&state.store, &user.who(), year)
        .await
        .map_err(page_err)?;
    let page = Page::new("政策兑现", &user, "/payouts");
    Ok(render::page(
        "payout_done.html",
        &page,
        context! { message => r.zh(), back => format!("/payouts?year={}", r.year) },
    ))
}

/// GET /payouts/{id} — one award with its history and the viewer's steps.
pub async fn payout_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id: i64 = id.trim().parse().map_err(|_| PageError::not_found())?;
    let cfg = config()?;
    let cap = payouts::capacity(&user.role);
    let v = payouts::detail(&state.store, &cfg, &user.scope(), cap, id)
        .await
        .map_err(page_err)?;
    let p = &v.row;
    let steps: Vec<_> = v
        .steps
        .iter()
        .map(|s| context! { at => s.at, step => s.step.clone(), from => s.from_state.clone(), to => s.to_state.clone(),
            amount => s.amount_fen, reason => s.reason.clone(), fund => s.fund_source.clone(), paid_on => s.paid_on,
            actor => s.actor.clone(), note => s.note.clone() })
        .collect();
    let actions: Vec<_> = v
        .actions
        .iter()
        .map(|a| context! { key => a.key(), label => a.zh(), reason => a.needs_reason(),
            amount => matches!(a.key(), "reduce" | "pay"), pay => a.key() == "pay", date => matches!(a.key(), "pay" | "publish") })
        .collect();
    let page = Page::new(&format!("兑现 {id}"), &user, "/payouts");
    Ok(render::page(
        "payout.html",
        &page,
        context! {
            p => context! { id => p.id, firm => p.firm_name.clone(), uscc => p.uscc.clone(), park => park_name(&state, &p.park),
                year => p.year, channel => p.channel.clone(), state => p.state.clone(), flagged => p.flagged,
                computed => p.computed_fen, approved => p.approved_fen, paid => p.paid_fen, paid_on => p.paid_on,
                approved_on => p.approved_on, published_on => p.published_on, version => p.version, rule_version => p.rule_version.clone() },
            policy => v.policy.clone(), waits_on => v.waits_on.clone(), supply => v.supply.clone(),
            publicity_days => v.publicity_days, publicity_unconfirmed => cfg.publicity.iter().any(|x| x.rule == p.rule && unconfirmed(&x.source)),
            pay_note => v.pay_note.clone(), steps, actions, fund_sources => cfg.fund_sources.clone(),
            fund_sources_unconfirmed => unconfirmed(&cfg.fund_sources_source),
            computed_yuan => Money(p.approved_fen.unwrap_or(p.computed_fen)).to_decimal(Unit::Yuan),
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct ActForm {
    action: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    fund_source: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    version: String,
}

/// POST /payouts/{id}/act — one step (a form with the CSRF token).
pub async fn act(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<ActForm>,
) -> Result<Response, PageError> {
    let id: i64 = id.trim().parse().map_err(|_| PageError::not_found())?;
    let cap = payouts::capacity(&user.role).ok_or_else(PageError::not_found)?;
    let cfg = config()?;
    let input = StepInput {
        action: f.action,
        amount_yuan: f.amount,
        reason: f.reason,
        fund_source: f.fund_source,
        date: f.date,
        note: f.note,
        version: f.version.trim().parse().unwrap_or(-1),
    };
    payouts::act(
        &state.store,
        &cfg,
        &user.who(),
        cap,
        &user.scope(),
        id,
        &input,
    )
    .await
    .map_err(page_err)?;
    Ok(Redirect::to(&format!("/payouts/{id}")).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct MeasuresQuery {
    #[serde(default)]
    year: String,
}

async fn load_measures(
    state: &AppState,
    user: &CurrentUser,
    q: &MeasuresQuery,
) -> Result<payout_report::Measures, PageError> {
    let year = match q.year.trim() {
        "" => None,
        y => Some(i64::from(
            Year::parse(y)
                .map_err(|m| PageError::bad_request(&m))?
                .get(),
        )),
    };
    payout_report::measures(
        &state.store,
        &config()?,
        &user.scope(),
        year,
        today(),
        &|p| park_name(state, p),
    )
    .await
    .map_err(page_err)
}

/// GET /payouts/measures — 应享尽享、应兑尽兑 and the special-fund accounts.
pub async fn measures_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<MeasuresQuery>,
) -> Result<Response, PageError> {
    let m = load_measures(&state, &user, &q).await?;
    let cfg = config()?;
    let page = Page::new("兑现成效", &user, "/payouts");
    Ok(render::page(
        "payout_measures.html",
        &page,
        context! {
            m => render::ser(&m), year => q.year.clone(),
            zone_admin => user.role == Role::ZoneAdmin,
            categories => cfg.categories.iter().map(|c| c.name.clone()).chain([CITY_TOTAL.to_string()]).collect::<Vec<_>>(),
            sources => SOURCES.to_vec(),
        },
    ))
}

/// GET /payouts/measures.xlsx — the measures as a workbook.
pub async fn measures_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<MeasuresQuery>,
) -> Result<Response, PageError> {
    let m = load_measures(&state, &user, &q).await?;
    let bytes = payout_xlsx::export_measures(&m).map_err(PageError::internal)?;
    Ok(crate::export::xlsx_download(
        &state,
        &user,
        bytes,
        &format!("政策兑现成效-{}.xlsx", today()),
    ))
}

#[derive(Debug, Deserialize)]
pub struct FundForm {
    year: String,
    category: String,
    source: String,
    amount: String,
    #[serde(default)]
    note: String,
}

/// POST /payouts/funds — a zone administrator enters a special-fund line (元).
pub async fn fund(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<FundForm>,
) -> Result<Response, PageError> {
    zone_admin(&user)?;
    let cfg = config()?;
    let year = Year::parse(f.year.trim()).map_err(|m| PageError::bad_request(&m))?;
    let category = cfg
        .parse_category(&f.category)
        .map_err(|m| PageError::bad_request(&m))?;
    if !SOURCES.contains(&f.source.trim()) {
        return Err(PageError::bad_request("「资金级别」应为 市级 或 区级"));
    }
    let fen = Money::parse(&f.amount, Unit::Yuan)
        .map_err(|e| PageError::bad_request(&format!("「金额（元）」：{e}")))?
        .fen();
    if fen < 0 {
        return Err(PageError::bad_request("「金额（元）」不能为负"));
    }
    let line = FundLine {
        year: i64::from(year.get()),
        category,
        source: f.source.trim().to_string(),
        amount_fen: fen,
        entered_by: user.username.clone(),
        entered_at: unix_now(),
        note: f.note.trim().to_string(),
    };
    payouts::set_fund(&state.store, &user.who(), &line)
        .await
        .map_err(page_err)?;
    Ok(Redirect::to(&format!("/payouts/measures?year={}", year.get())).into_response())
}

/// GET /payouts/import — the payment import form (zone users; zone administrators import).
pub async fn import_page(user: CurrentUser) -> Result<Response, PageError> {
    let page = Page::new("导入拨付记录", &user, "/payouts");
    Ok(render::page(
        "payout_import.html",
        &page,
        context! { max_mb => MAX_IMPORT / (1024 * 1024), errors => Vec::<String>::new(), done => Option::<usize>::None, zone_admin => user.role == Role::ZoneAdmin },
    ))
}

/// GET /payouts/template.xlsx — the payment import's template.
pub async fn import_template(_user: CurrentUser) -> Result<Response, PageError> {
    let mut list: Vec<(String, String)> = payouts::policy_names().into_iter().collect();
    list.sort();
    let bytes = payout_xlsx::template(&config()?, &list).map_err(PageError::internal)?;
    Ok(download(bytes, XLSX, "拨付记录导入模板.xlsx"))
}

/// POST /payouts/import — multipart `file` and `_csrf`: all or nothing.
pub async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    mut mp: Multipart,
) -> Result<Response, PageError> {
    let (mut file, mut csrf) = (None, None);
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| PageError::bad_request(&format!("上传内容无法读取：{e}")))?
    {
        match field.name() {
            Some("file") => {
                let b = field.bytes().await.map_err(|_| {
                    PageError::bad_request(&format!(
                        "文件太大或无法读取（最大 {} MiB），未写入任何拨付记录",
                        MAX_IMPORT / (1024 * 1024)
                    ))
                })?;
                file = Some(b.to_vec());
            }
            Some("_csrf") => csrf = Some(field.text().await.unwrap_or_default()),
            _ => {}
        }
    }
    if !csrf.is_some_and(|c| constant_time_eq(c.as_bytes(), user.csrf.as_bytes())) {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            "页面已过期",
            "表单已过期或来源不明，请返回上一页刷新后重试。",
        ));
    }
    zone_admin(&user)?;
    let bytes = file
        .filter(|b| !b.is_empty())
        .ok_or_else(|| PageError::bad_request("请选择要导入的文件（xlsx 或 csv）"))?;
    let out = payout_xlsx::import(&state.store, &config()?, &user.who(), bytes)
        .await
        .map_err(page_err)?;
    let (errors, done) = match out {
        Ok(n) => (Vec::new(), Some(n)),
        Err(e) => (e, None),
    };
    let page = Page::new("导入拨付记录", &user, "/payouts");
    let mut r = render::page(
        "payout_import.html",
        &page,
        context! { max_mb => MAX_IMPORT / (1024 * 1024), errors, done, zone_admin => true },
    );
    if done.is_none() {
        r = render::with_status(r, StatusCode::UNPROCESSABLE_ENTITY);
    }
    Ok(r)
}

/// GET /enterprises/{uscc}/payouts — the firm page's section (htmx fragment): its entitlements,
/// their payment status and what to supply when a step waits on the firm.
pub async fn firm_fragment(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let scope = user.scope();
    let (uscc, _) = crate::pages::scoped_enterprise(&state, &scope, &code).await?;
    let f = PayoutFilter {
        uscc: Some(uscc.as_str().to_string()),
        ..Default::default()
    };
    let rows = payouts::list(&state.store, &scope, &f)
        .await
        .map_err(page_err)?;
    let items = payouts::list_items(&rows, &|p| park_name(&state, p));
    Ok(render::fragment(
        "payout_firm.html",
        context! { rows => render::ser(items), firm => matches!(user.role, Role::Enterprise(_)) },
    ))
}
