//! One structured log line per request: method, route pattern, status, latency and the signed-in
//! user's name. Never the query string, a form, a cookie or a password: the route is the pattern
//! the request matched (`/enterprises/{uscc}`), not the path it asked for.
//!
//! The line is a `tracing` event with target `gaoxin::request`; `gaoxin serve` installs the
//! subscriber that prints it (see the CLI). Server errors are logged where they are turned into
//! responses (`error.rs`), with their cause.
use crate::auth::Ctx;
use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;

/// The middleware (installed inside the session layer, so the user is known).
pub async fn log(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "(unmatched)".to_owned());
    let user = req
        .extensions()
        .get::<Ctx>()
        .and_then(|c| c.user())
        .map(|u| u.username.clone());
    let resp = next.run(req).await;
    let status = resp.status().as_u16();
    let latency_ms = start.elapsed().as_secs_f64() * 1000.0;
    let user = user.as_deref().unwrap_or("-");
    if status >= 500 {
        tracing::warn!(target: "gaoxin::request", %method, route, status, latency_ms, user);
    } else {
        tracing::info!(target: "gaoxin::request", %method, route, status, latency_ms, user);
    }
    resp
}
