//! GET /glossary — 术语说明 (`gaoxin_app::glossary`), linked from every page's header line.
use crate::error::PageError;
use crate::render::{self, Page};
use crate::user::CurrentUser;
use axum::response::Response;
use minijinja::context;

pub async fn glossary(user: CurrentUser) -> Result<Response, PageError> {
    let g = gaoxin_app::glossary::glossary().map_err(PageError::internal)?;
    let page = Page::new("术语说明", &user, "/glossary");
    Ok(render::page(
        "glossary.html",
        &page,
        context! { g => render::ser(&g) },
    ))
}
