//! 创新活力指数 (issue 17): `GET /vitality` (staff) — the index of the zone or one park over the
//! panel's years (base year = 100), its year-on-year growth and each indicator's contribution to
//! a year's growth (waterfall chart and table). A park administrator sees its own park. Thin:
//! parse → one `gaoxin_app` call → render.
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{PageError, Query};
use crate::render::{self, Page};
use axum::extract::State;
use axum::response::Response;
use gaoxin_app::rdi::RdiError;
use gaoxin_app::vitality;
use gaoxin_store::Scope;
use minijinja::context;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct VitalityQuery {
    #[serde(default)]
    park: String,
    year: Option<String>,
    /// `1`: the loading state's poll (htmx) — the progress fragment, or a refresh when ready.
    #[serde(default)]
    progress: String,
}

/// How long a view waits for the index before it shows the progress instead.
const WAIT: std::time::Duration = std::time::Duration::from_millis(1000);

/// [`WAIT`], or the milliseconds in `GAOXIN_VITALITY_WAIT_MS` (an operator's setting; the HTTP
/// test sets 0 so that its first view shows the progress however fast the index is computed).
fn wait() -> std::time::Duration {
    std::env::var("GAOXIN_VITALITY_WAIT_MS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .map(std::time::Duration::from_millis)
        .unwrap_or(WAIT)
}

/// GET /vitality
pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<VitalityQuery>,
) -> Result<Response, PageError> {
    let year = match q.year.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(y) => Some(
            y.parse::<i32>()
                .map_err(|_| PageError::bad_request(&format!("年份「{y}」无效")))?,
        ),
    };
    let scope = user.scope();
    let page = Page::new("创新活力指数", &user, "/vitality");
    let poll = q.progress == "1";
    let wait = if poll {
        std::time::Duration::ZERO
    } else {
        wait()
    };
    let status =
        vitality::status(&state.store, &state.zone, &scope, Some(&q.park), year, wait).await;
    let v = match status {
        Ok(vitality::Status::Ready(v)) if poll => {
            let _ = v;
            let mut r = render::fragment("vitality_progress.html", context! { done => true });
            r.headers_mut()
                .insert("hx-refresh", axum::http::HeaderValue::from_static("true"));
            return Ok(r);
        }
        Ok(vitality::Status::Computing(p)) => {
            let ctx = context! { p => render::ser(&p), park => q.park.trim(), year => year };
            return Ok(if poll {
                render::fragment("vitality_progress.html", ctx)
            } else {
                render::page(
                    "vitality.html",
                    &page,
                    context! { computing => ctx, v => None::<()> },
                )
            });
        }
        Err(e) if poll => {
            let m = match e {
                RdiError::Invalid(m) => m,
                e => e.to_string(),
            };
            return Ok(render::fragment(
                "vitality_progress.html",
                context! { failed => m },
            ));
        }
        Ok(vitality::Status::Ready(v)) => Some(*v),
        Err(RdiError::Invalid(m)) if year.is_none() && q.park.is_empty() => {
            return Ok(render::page(
                "vitality.html",
                &page,
                context! { v => None::<()>, empty => m, parks => Vec::<(String, String)>::new() },
            ));
        }
        Err(RdiError::Invalid(m)) => return Err(PageError::bad_request(&m)),
        Err(e) => return Err(PageError::internal(e)),
    };
    let parks: Vec<(String, String)> = match scope {
        Scope::Zone => state
            .zone
            .parks
            .iter()
            .map(|p| (p.id.to_string(), p.name.clone()))
            .collect(),
        _ => vec![],
    };
    Ok(render::page(
        "vitality.html",
        &page,
        context! { v => render::ser(&v), parks => parks },
    ))
}
