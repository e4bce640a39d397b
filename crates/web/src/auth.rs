//! Sign-in, sessions and CSRF.
//!
//! - Passwords are stored as argon2id PHC strings; hashing and the accounts themselves are use
//!   cases of [`gaoxin_app::accounts`] (shared with `gaoxin user …`).
//! - Sessions live on the server; the browser holds only a random 256-bit id in the
//!   cookie `gx_session` (HttpOnly, SameSite=Lax, Path=/, `Secure` when [`crate::Config::secure_cookies`]).
//!   The id is replaced at sign-in (no fixation). Every 60 s a session re-reads its account, so a
//!   disabled account or changed role takes effect within a minute. Sessions are kept in the
//!   store's `sessions` table (only the SHA-256 of the id; a small in-memory cache in front), so a
//!   restart signs nobody out; they end after [`crate::Config::session_ttl`] idle or
//!   [`crate::Config::session_max_age`] in all, and expired rows are purged at start and every
//!   ten minutes.
//! - CSRF: each session (also the anonymous one of the sign-in page) has a synchronizer token.
//!   Every POST/PUT/PATCH/DELETE must carry it, as header `X-CSRF-Token` (htmx and API clients) or
//!   form field `_csrf` (plain forms); multipart uploads without the header are checked by the upload
//!   handler against their `_csrf` part. Anything else is refused with 403 before any handler runs.
//! - Throttle (see [`login`]): failures are counted in the database (they survive restarts) per
//!   network address and typed username, whether or not that account exists. Within
//!   [`crate::Config::lock_duration`], [`crate::Config::max_failures`] failures from one address for
//!   one username, or [`crate::Config::max_address_failures`] from one address in all, stop that
//!   address from trying (the same message for every username). The account itself is locked after
//!   `max_failures` consecutive failures from anywhere, but the lock only stops addresses that have
//!   failed on it: the right password from an address without failures still signs in, so nobody
//!   can lock someone else out. A refusal by the account's lock reads exactly like a wrong password,
//!   and unknown accounts get the same answers, so the answers do not reveal which accounts exist.
//!   Each attempt is recorded before its password is checked, so parallel guesses count each
//!   other; one refused unchecked by the throttle is forgotten, a successful one clears its
//!   address's failures for that account.
//!   The address is the TCP peer, or with [`crate::Config::trust_proxy`] the last
//!   `X-Forwarded-For` entry (the one the trusted proxy in front appended).
use crate::AppState;
use crate::error::{ApiError, PageError};
use crate::render::{self, Page};
use axum::Form;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use gaoxin_app::accounts::{hash_password, verify_password};
use gaoxin_store::Role;
use serde::Deserialize;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::RwLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub const COOKIE: &str = "gx_session";
pub const CSRF_HEADER: &str = "x-csrf-token";
const REVALIDATE: Duration = Duration::from_secs(60);

/// 32 random bytes as hex.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the operating system's random source");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

// ---------------------------------------------------------------- sessions

#[derive(Debug, Clone)]
pub struct SessionUser {
    pub username: String,
    pub role: Role,
    /// An administrator reset the password: until the user sets their own, every page leads
    /// to the password change page ([`PASSWORD_PAGE`]).
    pub must_change_password: bool,
}

/// The password change page (every signed-in user; see `crate::account`).
pub const PASSWORD_PAGE: &str = "/account/password";

#[derive(Debug, Clone)]
pub struct Session {
    pub csrf: String,
    pub user: Option<SessionUser>,
    /// Idle expiry (pushed forward when re-validated) and absolute expiry.
    expires: Instant,
    absolute: Instant,
    checked: Instant,
}

/// The server-side session table: the store's `sessions` table is the truth (so a restart
/// signs nobody out); this cache only saves a database read per request. The cookie's token is
/// stored as its SHA-256 only.
pub struct Sessions {
    store: gaoxin_store::Store,
    ttl: Duration,
    max_age: Duration,
    map: RwLock<HashMap<String, Session>>,
}

/// An [`Instant`] `secs` unix seconds from `now` (never before now).
fn instant_at(secs: i64, now: i64) -> Instant {
    Instant::now() + Duration::from_secs((secs - now).max(0) as u64)
}

impl Sessions {
    pub fn new(store: gaoxin_store::Store, ttl: Duration, max_age: Duration) -> Sessions {
        Sessions {
            store,
            ttl,
            max_age,
            map: RwLock::new(HashMap::new()),
        }
    }

    /// The unexpired session of `id`: from the cache, else from the store (re-reading its
    /// account, as a re-validation would; a missing or disabled account ends it).
    async fn get(&self, id: &str) -> Result<Option<Session>, gaoxin_store::Error> {
        {
            let m = self.map.read().expect("session lock");
            if let Some(s) = m.get(id) {
                let now = Instant::now();
                return Ok((s.expires > now && s.absolute > now).then(|| s.clone()));
            }
        }
        let now = now_unix();
        let Some(rec) = self.store.session(id, now).await? else {
            return Ok(None);
        };
        let user = match &rec.username {
            None => None,
            Some(name) => match self.store.user(name).await? {
                Some(u) if !u.disabled => Some(SessionUser {
                    username: u.username,
                    role: u.role,
                    must_change_password: u.must_change_password,
                }),
                _ => {
                    self.store.delete_session(id).await?;
                    return Ok(None);
                }
            },
        };
        let s = Session {
            csrf: rec.csrf,
            user,
            expires: instant_at(rec.idle_expires, now),
            absolute: instant_at(rec.absolute_expires, now),
            checked: Instant::now(),
        };
        self.cache(id, &s);
        Ok(Some(s))
    }

    fn cache(&self, id: &str, s: &Session) {
        let mut m = self.map.write().expect("session lock");
        if m.len() > 10_000 {
            let now = Instant::now();
            m.retain(|_, s| s.expires > now && s.absolute > now);
        }
        m.insert(id.to_string(), s.clone());
    }

    async fn insert(
        &self,
        user: Option<SessionUser>,
    ) -> Result<(String, Session), gaoxin_store::Error> {
        let id = random_token();
        let now = now_unix();
        let rec = gaoxin_store::SessionRecord {
            username: user.as_ref().map(|u| u.username.clone()),
            csrf: random_token(),
            must_change_password: user.as_ref().is_some_and(|u| u.must_change_password),
            created: now,
            last_seen: now,
            idle_expires: now + self.ttl.as_secs() as i64,
            absolute_expires: now + self.max_age.as_secs() as i64,
        };
        self.store.insert_session(&id, &rec).await?;
        let t = Instant::now();
        let s = Session {
            csrf: rec.csrf,
            user,
            expires: t + self.ttl,
            absolute: t + self.max_age,
            checked: t,
        };
        self.cache(&id, &s);
        Ok((id, s))
    }

    async fn remove(&self, id: &str) -> Result<(), gaoxin_store::Error> {
        self.map.write().expect("session lock").remove(id);
        self.store.delete_session(id).await
    }

    /// Ends every session of `username` except `keep` (after a password change).
    pub(crate) async fn remove_others_of(
        &self,
        username: &str,
        keep: &str,
    ) -> Result<(), gaoxin_store::Error> {
        self.map
            .write()
            .expect("session lock")
            .retain(|id, s| id == keep || s.user.as_ref().is_none_or(|u| u.username != username));
        self.store.delete_sessions_of(username, Some(keep)).await?;
        Ok(())
    }

    /// Clears the must-change flag of session `id` (its user has just changed the password).
    pub(crate) async fn password_changed(&self, id: &str) -> Result<(), gaoxin_store::Error> {
        if let Some(u) = self
            .map
            .write()
            .expect("session lock")
            .get_mut(id)
            .and_then(|s| s.user.as_mut())
        {
            u.must_change_password = false;
        }
        let now = now_unix();
        self.store
            .touch_session(id, now, now + self.ttl.as_secs() as i64, false)
            .await?;
        Ok(())
    }

    /// Re-validated: the account as it is now, idle expiry pushed forward (in the store too).
    /// `false`: the session's row is gone (ended by another process): it is dropped here too.
    async fn refresh(
        &self,
        id: &str,
        user: Option<SessionUser>,
    ) -> Result<bool, gaoxin_store::Error> {
        let must_change = user.as_ref().is_some_and(|u| u.must_change_password);
        if let Some(s) = self.map.write().expect("session lock").get_mut(id) {
            let now = Instant::now();
            s.user = user;
            s.checked = now;
            s.expires = now + self.ttl;
        }
        let now = now_unix();
        let kept = self
            .store
            .touch_session(id, now, now + self.ttl.as_secs() as i64, must_change)
            .await?;
        if !kept {
            self.map.write().expect("session lock").remove(id);
        }
        Ok(kept)
    }

    /// Deletes the expired sessions (from the store and the cache); returns how many rows went.
    pub async fn purge(&self) -> Result<u64, gaoxin_store::Error> {
        let now = Instant::now();
        self.map
            .write()
            .expect("session lock")
            .retain(|_, s| s.expires > now && s.absolute > now);
        self.store.purge_sessions(now_unix()).await
    }
}

/// The request's session, put into the request extensions by [`session`].
#[derive(Debug, Clone, Default)]
pub struct Ctx {
    pub sid: Option<String>,
    pub session: Option<Session>,
}

impl Ctx {
    pub fn user(&self) -> Option<&SessionUser> {
        self.session.as_ref().and_then(|s| s.user.as_ref())
    }
    pub fn csrf(&self) -> Option<&str> {
        self.session.as_ref().map(|s| s.csrf.as_str())
    }
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn session_cookie(state: &AppState, id: &str, max_age: Option<u64>) -> HeaderValue {
    let mut c = format!("{COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(a) = max_age {
        c.push_str(&format!("; Max-Age={a}"));
    }
    if state.config.secure_cookies {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).expect("cookie is ASCII")
}

/// Middleware: resolves the session cookie into a [`Ctx`], re-validating the account every minute.
pub async fn session(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let mut ctx = Ctx::default();
    let found = match cookie_value(req.headers(), COOKIE) {
        None => None,
        Some(id) => match state.sessions.get(&id).await {
            Ok(s) => s.map(|s| (id, s)),
            Err(e) => return PageError::internal(e).into_response(),
        },
    };
    if let Some((id, mut s)) = found {
        if s.checked.elapsed() > REVALIDATE {
            let user = match &s.user {
                None => None,
                Some(u) => match state.store.user(&u.username).await {
                    Ok(Some(rec)) if !rec.disabled => Some(SessionUser {
                        username: rec.username,
                        role: rec.role,
                        must_change_password: rec.must_change_password,
                    }),
                    Ok(_) => None,
                    Err(e) => return PageError::internal(e).into_response(),
                },
            };
            let kept = if s.user.is_some() && user.is_none() {
                s.user = None;
                state.sessions.remove(&id).await.map(|()| true)
            } else {
                s.user = user.clone();
                state.sessions.refresh(&id, user).await
            };
            match kept {
                Ok(true) => {}
                // ended elsewhere (another server process): no session
                Ok(false) => s.user = None,
                Err(e) => return PageError::internal(e).into_response(),
            }
        }
        ctx = Ctx {
            sid: Some(id),
            session: Some(s),
        };
    }
    if ctx.user().is_some_and(|u| u.must_change_password) && !allowed_before_change(req.uri()) {
        return password_change_required(req.uri(), req.headers());
    }
    req.extensions_mut().insert(ctx);
    next.run(req).await
}

/// What a user who must change their password may still reach: the change page itself,
/// signing out, the sign-in page, static files and the health and readiness checks.
fn allowed_before_change(uri: &axum::http::Uri) -> bool {
    let p = uri.path();
    p == PASSWORD_PAGE
        || p == "/logout"
        || p == "/login"
        || p == "/healthz"
        || p == "/readyz"
        || p.starts_with("/static/")
}

/// The answer to any other request of such a user: pages are redirected to the change page
/// (htmx is told with `HX-Redirect`), the API answers 403 `password_change_required`.
fn password_change_required(uri: &axum::http::Uri, headers: &HeaderMap) -> Response {
    if is_api(uri) {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "password_change_required",
            "管理员已重设您的密码，请先在「修改密码」页面设置新密码",
        )
        .into_response();
    }
    send_to(PASSWORD_PAGE, StatusCode::FORBIDDEN, uri, headers)
}

/// Sends a page request to `page?next=<this request>`: htmx gets `status` with `HX-Redirect`,
/// a browser a redirect.
fn send_to(page: &str, status: StatusCode, uri: &axum::http::Uri, headers: &HeaderMap) -> Response {
    let next = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let target = format!("{page}?next={}", urlencode(&next));
    if headers.contains_key("hx-request") {
        let mut r = status.into_response();
        r.headers_mut().insert(
            "hx-redirect",
            HeaderValue::from_str(&target).expect("ascii"),
        );
        return r;
    }
    Redirect::to(&target).into_response()
}

/// Whether the request wants JSON errors (API routes).
fn is_api(uri: &axum::http::Uri) -> bool {
    uri.path().starts_with("/api/")
}

/// Middleware: refuses state-changing requests without the session's CSRF token.
pub async fn csrf(State(_state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    // The bank API authenticates with an `Authorization: Bearer` key that a browser never sends
    // by itself (no ambient cookie authority), and its handlers ignore sessions: no CSRF token.
    if req.uri().path().starts_with("/api/v1/bank/") {
        return next.run(req).await;
    }
    let api = is_api(req.uri());
    // Another system's key (`Authorization: Bearer`) on the appeals API is not a browser's
    // ambient credential: no CSRF token applies (the handler authenticates the key).
    if req.uri().path() == "/api/v1/appeals" && req.headers().contains_key(header::AUTHORIZATION) {
        return next.run(req).await;
    }
    let refuse = || {
        if api {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "csrf",
                "缺少或错误的 CSRF 令牌（请求头 X-CSRF-Token）",
            )
            .into_response()
        } else {
            PageError::new(
                StatusCode::FORBIDDEN,
                "页面已过期",
                "表单已过期或来源不明，请返回上一页刷新后重试。",
            )
            .into_response()
        }
    };
    let ctx = req.extensions().get::<Ctx>().cloned().unwrap_or_default();
    let Some(expected) = ctx.csrf().map(str::to_string) else {
        return refuse();
    };
    if let Some(h) = req.headers().get(CSRF_HEADER) {
        return if constant_time_eq(h.as_bytes(), expected.as_bytes()) {
            let mut req = req;
            req.extensions_mut().insert(CsrfChecked);
            next.run(req).await
        } else {
            refuse()
        };
    }
    let ctype = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if ctype.starts_with("application/x-www-form-urlencoded") {
        let (parts, body) = req.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, 1 << 20).await else {
            return PageError::bad_request("表单过大").into_response();
        };
        let ok = form_urlencoded_pairs(&bytes)
            .into_iter()
            .any(|(k, v)| k == "_csrf" && constant_time_eq(v.as_bytes(), expected.as_bytes()));
        if !ok {
            return refuse();
        }
        let mut req = Request::from_parts(parts, Body::from(bytes));
        req.extensions_mut().insert(CsrfChecked);
        return next.run(req).await;
    }
    if ctype.starts_with("multipart/form-data") && !api {
        // The upload handler reads the `_csrf` part (see `upload::start_page`).
        return next.run(req).await;
    }
    refuse()
}

/// Marker: the CSRF middleware has verified this request's token.
#[derive(Debug, Clone, Copy)]
pub struct CsrfChecked;

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn form_urlencoded_pairs(bytes: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(bytes).into_owned().collect()
}

// ---------------------------------------------------------------- the signed-in user

// `CurrentUser` (crate::user) is extracted here: without a signed-in session the request is
// answered 401 (API; htmx gets `HX-Redirect`) or redirected to the sign-in page.
pub use crate::user::CurrentUser;

fn unauthenticated(parts_uri: &axum::http::Uri, headers: &HeaderMap) -> Response {
    if is_api(parts_uri) {
        return ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "请先登录")
            .into_response();
    }
    send_to("/login", StatusCode::UNAUTHORIZED, parts_uri, headers)
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ctx = parts.extensions.get::<Ctx>().cloned().unwrap_or_default();
        match (ctx.user(), ctx.csrf()) {
            (Some(u), Some(c)) => Ok(CurrentUser {
                username: u.username.clone(),
                role: u.role.clone(),
                csrf: c.to_string(),
                as_of: state.as_of.get(&state.store).await,
            }),
            _ => Err(unauthenticated(&parts.uri, &parts.headers)),
        }
    }
}

/// Route guard of [`crate::Access::SignedIn`].
pub async fn require_signed_in(req: Request, next: Next) -> Response {
    let signed_in = req
        .extensions()
        .get::<Ctx>()
        .is_some_and(|c| c.user().is_some());
    if !signed_in {
        return unauthenticated(req.uri(), req.headers());
    }
    next.run(req).await
}

/// Route guard of [`crate::Access::Staff`]: signed in as zone or park staff. Enterprise users get
/// the same 404 as a page outside their scope.
pub async fn require_staff(req: Request, next: Next) -> Response {
    require_role(req, next, |r| {
        matches!(r, Role::ZoneAdmin | Role::ZoneAnalyst | Role::ParkAdmin(_))
    })
    .await
}

/// Route guard of [`crate::Access::Zone`]: signed in as a zone administrator or analyst; anyone
/// else signed in gets the 404.
pub async fn require_zone(req: Request, next: Next) -> Response {
    require_role(req, next, |r| {
        matches!(r, Role::ZoneAdmin | Role::ZoneAnalyst)
    })
    .await
}

async fn require_role(req: Request, next: Next, allowed: impl Fn(&Role) -> bool) -> Response {
    let role = req
        .extensions()
        .get::<Ctx>()
        .and_then(|c| c.user())
        .map(|u| u.role.clone());
    match role {
        None => unauthenticated(req.uri(), req.headers()),
        Some(r) if allowed(&r) => next.run(req).await,
        Some(_) if is_api(req.uri()) => ApiError::not_found().into_response(),
        Some(_) => PageError::not_found().into_response(),
    }
}

/// Route guard of [`crate::Access::Importer`]: signed in, and a role that may import.
pub async fn require_importer(req: Request, next: Next) -> Response {
    let role = req
        .extensions()
        .get::<Ctx>()
        .and_then(|c| c.user())
        .map(|u| u.role.clone());
    match role {
        None => unauthenticated(req.uri(), req.headers()),
        Some(r) if r.may_import() => next.run(req).await,
        Some(_) => {
            if is_api(req.uri()) {
                ApiError::new(StatusCode::FORBIDDEN, "forbidden", "当前角色无权导入数据")
                    .into_response()
            } else {
                PageError::new(
                    StatusCode::FORBIDDEN,
                    "无权访问",
                    "只有高新区管理员和园区管理员可以导入数据。",
                )
                .into_response()
            }
        }
    }
}

// ---------------------------------------------------------------- sign-in pages

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
}

/// Where to go after signing in: `next` when it is a path on this site, else `/`.
///
/// Browsers drop tabs and newlines anywhere in a URL, strip leading spaces and control
/// characters, and read `\` as `/`, so `/<tab>/evil.example/` or `/\evil.example` would lead to
/// another origin. Accepted: a single leading `/` not followed by `/`, and no control character,
/// backslash or space anywhere (and so no scheme, which would need a character before the `/`).
/// Non-ASCII characters (a search in Chinese) are percent-encoded for the `Location` header.
pub fn safe_next(next: &str) -> String {
    let b = next.as_bytes();
    let same_origin_path = b.first() == Some(&b'/')
        && !matches!(b.get(1), Some(b'/') | Some(b'\\'))
        && b.iter().all(|&c| c > b' ' && c != 0x7f && c != b'\\');
    if !same_origin_path {
        return "/".into();
    }
    let mut out = String::with_capacity(next.len());
    for &c in b {
        if c.is_ascii() {
            out.push(c as char);
        } else {
            out.push_str(&format!("%{c:02X}"));
        }
    }
    out
}

/// GET /login — the sign-in form (creates an anonymous session to hold its CSRF token).
pub async fn login_page(
    State(state): State<AppState>,
    axum::Extension(ctx): axum::Extension<Ctx>,
    axum::extract::Query(q): axum::extract::Query<LoginQuery>,
) -> Response {
    if ctx.user().is_some() {
        return Redirect::to(&safe_next(&q.next)).into_response();
    }
    match login_session(&state, &ctx).await {
        Ok(ls) => render_login(&state, ls, &q.next, None, StatusCode::OK, ""),
        Err(e) => PageError::internal(e).into_response(),
    }
}

/// The session of the sign-in form: the request's, or a new anonymous one (`true`: set its cookie).
async fn login_session(
    state: &AppState,
    ctx: &Ctx,
) -> Result<(String, String, bool), gaoxin_store::Error> {
    Ok(match (&ctx.sid, &ctx.session) {
        (Some(id), Some(s)) => (id.clone(), s.csrf.clone(), false),
        _ => {
            let (id, s) = state.sessions.insert(None).await?;
            (id, s.csrf, true)
        }
    })
}

fn render_login(
    state: &AppState,
    (sid, csrf, new): (String, String, bool),
    next: &str,
    error: Option<&str>,
    status: StatusCode,
    username: &str,
) -> Response {
    let page = Page::anonymous("登录", &csrf);
    let r = render::page(
        "login.html",
        &page,
        minijinja::context! {
            next => safe_next(next), error => error, username => username,
            max_failures => state.config.max_failures,
            lock_minutes => state.config.lock_duration.as_secs().div_ceil(60),
        },
    );
    let mut r = render::with_status(r, status);
    if new {
        r.headers_mut()
            .insert(header::SET_COOKIE, session_cookie(state, &sid, None));
    }
    r
}

/// The sign-in form; a missing field is an empty one (a wrong sign-in, not a 422).
#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// The client's network address as the sign-in throttle counts it: the TCP peer, or with
/// [`crate::Config::trust_proxy`] the last `X-Forwarded-For` entry. IPv6 addresses count by their
/// /64 prefix (what one subscriber is usually given), so one client cannot rotate through them.
pub(crate) fn client_address(
    state: &AppState,
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
) -> String {
    let forwarded = || {
        let last = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|s| !s.is_empty())?;
        last.parse::<IpAddr>()
            .ok()
            .or_else(|| last.parse::<SocketAddr>().ok().map(|a| a.ip()))
    };
    let ip = state
        .config
        .trust_proxy
        .then(forwarded)
        .flatten()
        .or(peer.map(|a| a.ip()));
    match ip.map(|ip| ip.to_canonical()) {
        Some(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Some(ip) => ip.to_string(),
        None => "unknown".into(),
    }
}

/// Minutes until the oldest of some failures (at `oldest`) leaves the throttle's window.
fn minutes_left(oldest: Option<i64>, window: i64, now: i64) -> i64 {
    let left = oldest.map_or(window, |t| t + window - now);
    ((left + 59) / 60).max(1)
}

/// POST /login — checks the throttle, the password, the account's lock and state; starts a fresh
/// session. The answers are the same whether or not the account exists (see the module docs):
/// a throttled address gets the throttle message for any username, and an account's lock refuses
/// an address that has failed on it with the wrong-password message. Every answer that depends on
/// the account costs one hash verification, so timing does not tell who exists either.
pub async fn login(
    State(state): State<AppState>,
    axum::Extension(ctx): axum::Extension<Ctx>,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    const WRONG: &str = "用户名或密码错误。";
    let username = f.username.trim().to_string();
    let ls = match login_session(&state, &ctx).await {
        Ok(ls) => ls,
        Err(e) => return PageError::internal(e).into_response(),
    };
    let fail = |msg: &str| {
        render_login(
            &state,
            ls.clone(),
            &f.next,
            Some(msg),
            StatusCode::UNAUTHORIZED,
            &username,
        )
    };
    let address = client_address(&state, &headers, peer.map(|p| p.0.0));
    let now = now_unix();
    let window = state.config.lock_duration.as_secs() as i64;
    let since = now - window;
    // Every attempt is recorded as a failure before anything is checked, so that concurrent
    // attempts count each other (a burst of parallel guesses cannot pass the count together);
    // it is forgotten when it is refused unchecked or succeeds.
    let attempt = random_token();
    let counted = async {
        state
            .store
            .record_login_attempt(&address, &username, &attempt, now, since)
            .await?;
        state.store.login_failures(&address, &username, since).await
    };
    let mut failures = match counted.await {
        Ok(x) => x,
        Err(e) => return PageError::internal(e).into_response(),
    };
    // the failures before this attempt (and concurrent ones)
    failures.pair -= 1;
    failures.address -= 1;
    // 1. The address: too many failures for this username, or for any. Decided before looking
    //    at the account, so it is the same for every username.
    let throttled = if failures.pair >= state.config.max_failures {
        Some(failures.pair_oldest)
    } else if failures.address >= state.config.max_address_failures {
        Some(failures.address_oldest)
    } else {
        None
    };
    if let Some(oldest) = throttled {
        if let Err(e) = state.store.forget_login_attempt(&attempt).await {
            return PageError::internal(e).into_response();
        }
        let mins = minutes_left(oldest, window, now);
        return fail(&format!(
            "登录失败次数过多，已暂时锁定从此处的登录，请{mins}分钟后再试。"
        ));
    }
    let rec = match state.store.user(&username).await {
        Ok(r) => r,
        Err(e) => return PageError::internal(e).into_response(),
    };
    // Unknown users still cost one hash verification (of a hash made with the parameters of new
    // accounts' hashes), so timing does not tell who exists.
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let hash = match &rec {
        Some(r) => r.password_hash.clone(),
        None => match DUMMY.get() {
            Some(h) => h.clone(),
            None => {
                let h = tokio::task::spawn_blocking(|| hash_password(&random_token()))
                    .await
                    .expect("hashing task");
                DUMMY.get_or_init(|| h).clone()
            }
        },
    };
    let pw = f.password.clone();
    let ok = tokio::task::spawn_blocking(move || verify_password(&pw, &hash))
        .await
        .unwrap_or(false);
    // 2. The account's lock stops only addresses that have failed on it. Such a refusal is
    //    answered and counted exactly like a wrong password, as every attempt on an unknown
    //    account is, so neither the message nor the throttle that follows tells them apart.
    let locked_here = rec
        .as_ref()
        .is_some_and(|r| r.locked_until > now && failures.pair > 0);
    let Some(rec) = rec.filter(|_| ok && !locked_here) else {
        // this attempt stays recorded; the account's own count (a no-op for unknown usernames)
        if let Err(e) = state
            .store
            .record_login_failure(&username, state.config.max_failures, now + window)
            .await
        {
            return PageError::internal(e).into_response();
        }
        return fail(WRONG);
    };
    if rec.disabled {
        // counted like a failure (the attempt stays recorded)
        return fail("该账户已停用，请联系管理员。");
    }
    // forgets this attempt and the earlier failures of this address and account
    let cleared = async {
        state.store.record_login_success(&rec.username).await?;
        state
            .store
            .clear_address_failures(&address, &rec.username)
            .await
    };
    if let Err(e) = cleared.await {
        return PageError::internal(e).into_response();
    }
    if let Some(old) = &ctx.sid
        && let Err(e) = state.sessions.remove(old).await
    {
        return PageError::internal(e).into_response();
    }
    let must_change = rec.must_change_password;
    let inserted = state
        .sessions
        .insert(Some(SessionUser {
            username: rec.username,
            role: rec.role,
            must_change_password: must_change,
        }))
        .await;
    let id = match inserted {
        Ok((id, _)) => id,
        Err(e) => return PageError::internal(e).into_response(),
    };
    let target = if must_change {
        format!("{PASSWORD_PAGE}?next={}", urlencode(&safe_next(&f.next)))
    } else {
        safe_next(&f.next)
    };
    let mut r = Redirect::to(&target).into_response();
    r.headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, &id, None));
    r
}

/// POST /logout — ends the session.
pub async fn logout(
    State(state): State<AppState>,
    axum::Extension(ctx): axum::Extension<Ctx>,
) -> Response {
    if let Some(id) = &ctx.sid
        && let Err(e) = state.sessions.remove(id).await
    {
        return PageError::internal(e).into_response();
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, "", Some(0)));
    r
}
