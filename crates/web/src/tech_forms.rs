//! The forms of 成果转化: add and edit one 技术需求 and one 专家 / 技术经纪人. Thin: each handler
//! parses, makes one `gaoxin_app::tech_forms` call and renders; who may write what is decided
//! there. A demand or expert the user may not edit answers the same 404 as a missing one; a
//! refused form comes back (400) with the input kept and every problem named.
use crate::AppState;
use crate::auth::urlencode;
use crate::error::PageError;
use crate::render::{self, Page};
use crate::user::CurrentUser;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use gaoxin_app::tech_forms::{self as forms, DemandInput, ExpertInput, Refused};
use gaoxin_store::Role;
use minijinja::context;

fn demand_page(
    user: &CurrentUser,
    f: &DemandInput,
    editing: Option<&str>,
    firm_name: &str,
    errors: &[String],
) -> Response {
    let title = if editing.is_some() {
        "修改技术需求"
    } else {
        "发布技术需求"
    };
    let p = Page::new(title, user, "/tech");
    let r = render::page(
        "tech_demand_form.html",
        &p,
        context! { f => render::ser(f), editing, firm_name, errors => render::ser(errors),
        firm => matches!(user.role, Role::Enterprise(_)) },
    );
    if errors.is_empty() {
        r
    } else {
        render::with_status(r, StatusCode::BAD_REQUEST)
    }
}

fn expert_page(
    user: &CurrentUser,
    f: &ExpertInput,
    editing: Option<&str>,
    errors: &[String],
) -> Response {
    let title = if editing.is_some() {
        "修改专家或技术经纪人"
    } else {
        "登记专家或技术经纪人"
    };
    let p = Page::new(title, user, "/tech");
    let r = render::page(
        "tech_expert_form.html",
        &p,
        context! { f => render::ser(f), editing, errors => render::ser(errors) },
    );
    if errors.is_empty() {
        r
    } else {
        render::with_status(r, StatusCode::BAD_REQUEST)
    }
}

/// GET /tech/demands/new — the form of a new demand (firms, park and zone administrators).
pub async fn demand_new(user: CurrentUser) -> Result<Response, PageError> {
    if !forms::may_write_demands(&user.role) {
        return Err(PageError::not_found());
    }
    Ok(demand_page(&user, &DemandInput::default(), None, "", &[]))
}

async fn save_demand(
    state: &AppState,
    user: &CurrentUser,
    editing: Option<&str>,
    i: DemandInput,
) -> Result<Response, PageError> {
    let r = forms::save_demand(&state.store, &user.role, &user.who(), editing, &i).await?;
    match r {
        Ok(d) => Ok(Redirect::to(&format!("/tech/demands/{}", urlencode(&d.id))).into_response()),
        Err(Refused::NotFound) => Err(PageError::not_found()),
        Err(Refused::Invalid(errors)) => {
            let firm_name = match editing {
                Some(id) => forms::demand_form(&state.store, &user.role, id)
                    .await?
                    .map(|x| x.1)
                    .unwrap_or_default(),
                None => String::new(),
            };
            Ok(demand_page(user, &i, editing, &firm_name, &errors))
        }
    }
}

/// POST /tech/demands/new — add a demand.
pub async fn demand_create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(i): Form<DemandInput>,
) -> Result<Response, PageError> {
    save_demand(&state, &user, None, i).await
}

/// GET /tech/demands/{demand}/edit — the form of a stored demand in the user's scope.
pub async fn demand_edit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (f, firm) = forms::demand_form(&state.store, &user.role, &id)
        .await?
        .ok_or_else(PageError::not_found)?;
    Ok(demand_page(&user, &f, Some(&id), &firm, &[]))
}

/// POST /tech/demands/{demand}/edit — save an edited demand.
pub async fn demand_update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(i): Form<DemandInput>,
) -> Result<Response, PageError> {
    save_demand(&state, &user, Some(&id), i).await
}

/// GET /tech/experts/new — the form of a new expert or broker (zone administrators).
pub async fn expert_new(user: CurrentUser) -> Result<Response, PageError> {
    if !forms::may_write_experts(&user.role) {
        return Err(PageError::not_found());
    }
    Ok(expert_page(&user, &ExpertInput::default(), None, &[]))
}

async fn save_expert(
    state: &AppState,
    user: &CurrentUser,
    editing: Option<&str>,
    i: ExpertInput,
) -> Result<Response, PageError> {
    match forms::save_expert(&state.store, &user.role, &user.who(), editing, &i).await? {
        // the search page, with the item just saved found by its name
        Ok(x) => Ok(Redirect::to(&format!(
            "/tech?against=experts&msg=saved&q={}",
            urlencode(&x.name)
        ))
        .into_response()),
        Err(Refused::NotFound) => Err(PageError::not_found()),
        Err(Refused::Invalid(errors)) => Ok(expert_page(user, &i, editing, &errors)),
    }
}

/// POST /tech/experts/new — add an expert or broker.
pub async fn expert_create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(i): Form<ExpertInput>,
) -> Result<Response, PageError> {
    save_expert(&state, &user, None, i).await
}

/// GET /tech/experts/{expert}/edit — the form of a stored expert or broker.
pub async fn expert_edit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let f = forms::expert_form(&state.store, &user.role, &id)
        .await?
        .ok_or_else(PageError::not_found)?;
    Ok(expert_page(&user, &f, Some(&id), &[]))
}

/// POST /tech/experts/{expert}/edit — save an edited expert or broker.
pub async fn expert_update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(i): Form<ExpertInput>,
) -> Result<Response, PageError> {
    save_expert(&state, &user, Some(&id), i).await
}
