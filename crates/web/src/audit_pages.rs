//! 操作记录 (issue 13): the audit trail's page and export. Zone administrators read every entry,
//! park administrators the entries of their park's records (the store scopes the read); the
//! filters, Beijing times and readable details are `gaoxin_app::audit_view`'s.
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{PageError, Query};
use crate::render::{self, Page};
use axum::extract::State;
use axum::response::Response;
use gaoxin_app::audit_view::{self, AuditQuery};
use minijinja::context;

/// GET /audit — the entries in scope, filtered and paged.
pub async fn audit_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<AuditQuery>,
) -> Result<Response, PageError> {
    let res = audit_view::page(&state.store, &state.zone, &user.scope(), &q).await?;
    let (list, error) = match res {
        Ok(p) => (Some(p), None),
        Err(e) => (None, Some(e)),
    };
    let parks: Vec<(String, String)> = match user.role.park() {
        Some(_) => vec![],
        None => state
            .zone
            .parks
            .iter()
            .map(|p| (p.id.as_str().to_string(), p.name.clone()))
            .collect(),
    };
    let export = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("actor", &q.actor),
            ("action", &q.action),
            ("park", &q.park),
            ("subject", &q.subject),
            ("since", &q.since),
            ("until", &q.until),
        ])
        .finish();
    let page = Page::new("操作记录", &user, "/audit");
    Ok(render::page(
        "audit.html",
        &page,
        context! {
            list => render::ser(&list), error => error, q => render::ser(&q), parks => parks,
            actions => render::ser(audit_view::ACTIONS), export => export,
        },
    ))
}

/// GET /audit/export.xlsx — the same entries (up to `audit_view::MAX_EXPORT`) as a workbook.
pub async fn audit_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<AuditQuery>,
) -> Result<Response, PageError> {
    match audit_view::workbook(&state.store, &state.zone, &user.scope(), &q)
        .await
        .map_err(PageError::internal)?
    {
        Ok(bytes) => Ok(crate::export::xlsx_download(
            &state,
            &user,
            bytes,
            "操作记录.xlsx",
        )),
        Err(e) => Err(PageError::bad_request(&e)),
    }
}
