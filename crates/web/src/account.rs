//! The password change page of every signed-in user (`/account/password`).
//!
//! The current password is required; the new one must satisfy the policy of
//! [`gaoxin_app::accounts::check_new_password`] (the same as `gaoxin user add` / `reset-password`),
//! each refusal naming the rule broken. Wrong current passwords count as failed sign-ins of the
//! account from this address (the sign-in throttle's table), so the form cannot be used to guess
//! a password faster than the sign-in page. A successful change clears an administrator's
//! must-change flag and ends the user's other sessions. CSRF: checked by [`crate::auth::csrf`].
use crate::AppState;
use crate::auth::{Ctx, CurrentUser, PASSWORD_PAGE, client_address, random_token, safe_next};
use crate::error::PageError;
use crate::render::{self, Page};
use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use gaoxin_app::accounts::{self, MIN_PASSWORD_CHARS, UserError};
use serde::Deserialize;
use std::net::SocketAddr;

#[derive(Deserialize, Default)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

/// The form; a missing field is an empty one (refused by the policy, not a 422).
#[derive(Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    next: String,
}

fn render_form(
    user: &CurrentUser,
    forced: bool,
    next: &str,
    error: Option<&str>,
    done: bool,
    status: StatusCode,
) -> Response {
    let page = Page::new("修改密码", user, PASSWORD_PAGE);
    let r = render::page(
        "password.html",
        &page,
        minijinja::context! {
            forced => forced, next => safe_next(next), error => error, done => done,
            min_chars => MIN_PASSWORD_CHARS,
        },
    );
    render::with_status(r, status)
}

fn forced(ctx: &Ctx) -> bool {
    ctx.user().is_some_and(|u| u.must_change_password)
}

/// GET /account/password — the form (with a notice when an administrator's reset forces it).
pub async fn page(
    user: CurrentUser,
    axum::Extension(ctx): axum::Extension<Ctx>,
    Query(q): Query<NextQuery>,
) -> Response {
    render_form(&user, forced(&ctx), &q.next, None, false, StatusCode::OK)
}

/// POST /account/password — checks the current password (throttled like sign-in), the
/// confirmation and the policy; sets the new password.
pub async fn change(
    State(state): State<AppState>,
    user: CurrentUser,
    axum::Extension(ctx): axum::Extension<Ctx>,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(f): Form<ChangeForm>,
) -> Response {
    let was_forced = forced(&ctx);
    let refuse = |msg: &str| {
        render_form(
            &user,
            was_forced,
            &f.next,
            Some(msg),
            false,
            StatusCode::BAD_REQUEST,
        )
    };
    if f.new_password != f.confirm {
        return refuse("两次输入的新密码不一致");
    }
    let address = client_address(&state, &headers, peer.map(|p| p.0.0));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let window = state.config.lock_duration.as_secs() as i64;
    let attempt = random_token();
    let counted = async {
        state
            .store
            .record_login_attempt(&address, &user.username, &attempt, now, now - window)
            .await?;
        state
            .store
            .login_failures(&address, &user.username, now - window)
            .await
    };
    let failures = match counted.await {
        Ok(x) => x,
        Err(e) => return PageError::internal(e).into_response(),
    };
    // `pair` counts this attempt too: refused when the earlier failures reach the limit
    if failures.pair > state.config.max_failures {
        if let Err(e) = state.store.forget_login_attempt(&attempt).await {
            return PageError::internal(e).into_response();
        }
        let mins = state.config.lock_duration.as_secs().div_ceil(60);
        return refuse(&format!("当前密码输错次数过多，请{mins}分钟后再试。"));
    }
    let res =
        accounts::change_password(&state.store, &user.username, &f.current, &f.new_password).await;
    if !matches!(res, Err(UserError::WrongCurrentPassword))
        && let Err(e) = state.store.forget_login_attempt(&attempt).await
    {
        return PageError::internal(e).into_response();
    }
    match res {
        Ok(()) => {
            let who = user.who();
            gaoxin_app::audit::note(
                &state.store,
                &who,
                "user.password_change",
                None,
                &user.username,
                serde_json::json!({}),
            )
            .await;
            if let Some(sid) = &ctx.sid {
                let ended = async {
                    state.sessions.password_changed(sid).await?;
                    state.sessions.remove_others_of(&user.username, sid).await
                };
                if let Err(e) = ended.await {
                    return PageError::internal(e).into_response();
                }
            }
            if was_forced {
                return axum::response::Redirect::to(&safe_next(&f.next)).into_response();
            }
            render_form(&user, false, &f.next, None, true, StatusCode::OK)
        }
        Err(e @ (UserError::WrongCurrentPassword | UserError::Weak(_) | UserError::Invalid(_))) => {
            refuse(&e.to_string())
        }
        Err(e) => PageError::internal(e).into_response(),
    }
}
