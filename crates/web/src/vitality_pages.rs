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
    let v = match vitality::view(&state.store, &state.zone, &scope, Some(&q.park), year).await {
        Ok(v) => Some(v),
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
