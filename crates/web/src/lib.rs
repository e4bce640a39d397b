//! The gaoxin web platform: server-rendered pages (minijinja, htmx, Apache ECharts, all vendored) and
//! a JSON API under `/api/v1`, behind password sign-in with four roles.
//!
//! Code map:
//! - [`routes`]: the one table of routes (method, path, who may call it). [`router`] is built from
//!   it, and the isolation tests enumerate it, so a new page cannot escape those tests.
//! - [`auth`]: server-side sessions (HttpOnly SameSite=Lax cookie, Secure when configured), CSRF
//!   synchronizer tokens and the sign-in throttle (by address and account). Password hashing and
//!   accounts are use cases of [`gaoxin_app::accounts`]; evaluation runs, stored-run formats and
//!   workbooks are in [`gaoxin_app`] too: handlers parse, call the app crate and render.
//!   The signed-in user becomes a [`gaoxin_store::Scope`] in exactly one place:
//!   [`gaoxin_store::Role::scope`], reached through [`auth::CurrentUser::scope`].
//! - [`pages`]: thin HTML handlers (parse → store → render). [`api`]: the same data as JSON, and the
//!   OpenAPI 3.1 document. [`upload`]: browser imports as background jobs with polled progress.
//! - [`dashboard`]: the dashboard figures and target measures per scope, cached in memory and
//!   invalidated by imports. [`render`]: templates and Chinese number/date formatting.
//!
//! Invariant: handlers never build an unscoped query. Everything a handler reads goes through the
//! store with the caller's scope; a firm or park outside it answers 404, exactly like one that does
//! not exist.
//!
//! Adding a page (e.g. 梯度培育): one template under `templates/`, one handler, one line in
//! [`routes::table`] and, if it belongs in the menu, one entry in [`render::NAV`].
pub mod account;
pub mod api;
pub mod appeal_files;
pub mod appeal_pages;
pub mod as_of;
mod assets;
pub mod audit_pages;
pub mod auth;
pub mod bank;
pub mod carrier_pages;
pub mod cluster_pages;
pub mod dashboard;
pub mod ecosystem_pages;
mod error;
mod export;
pub mod finance_pages;
pub mod glossary_page;
pub mod indicator_pages;
pub mod lead_pages;
pub mod pages;
pub mod payout_fund_pages;
pub mod payout_pages;
mod policies_part;
pub mod rdi_pages;
pub mod reform_compare_pages;
pub mod reform_pages;
pub mod render;
mod request_log;
pub mod routes;
pub mod rules_jobs;
pub mod rules_pages;
pub mod security_headers;
pub mod talent_pages;
pub mod tech_forms;
pub mod tech_pages;
pub mod track_pages;
pub mod upload;
pub mod user;
pub mod vitality_pages;
pub mod warm;

pub use auth::CurrentUser;
pub use error::{ApiError, PageError};
pub use routes::{Access, RouteInfo, route_table};

use gaoxin_model::Zone;
use gaoxin_store::Store;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Settings of a running platform.
#[derive(Debug, Clone)]
pub struct Config {
    /// Mark the session cookie `Secure` (set when the platform is served over https, e.g. behind a
    /// TLS-terminating proxy). Environment: `GAOXIN_SECURE_COOKIES=1`.
    pub secure_cookies: bool,
    /// Idle lifetime of a session.
    pub session_ttl: Duration,
    /// Absolute lifetime of a session (from sign-in), however active.
    pub session_max_age: Duration,
    /// Failed sign-ins that stop one address from trying one username (and lock the account for
    /// addresses that failed on it), and for how long (the throttle's window).
    pub max_failures: i64,
    pub lock_duration: Duration,
    /// Failed sign-ins (any usernames) that stop one address from trying at all, in the same window.
    pub max_address_failures: i64,
    /// Take the client's address from the last `X-Forwarded-For` entry (set when a reverse proxy
    /// in front appends it; never otherwise, since clients can send the header themselves).
    /// Environment: `GAOXIN_TRUST_PROXY=1`.
    pub trust_proxy: bool,
    /// Row, cell and xlsx-inflation limits of a web upload; `None` (the default): the same as
    /// `gaoxin import`, from `GAOXIN_IMPORT_MAX_ROWS`, `GAOXIN_IMPORT_MAX_CELLS`,
    /// `GAOXIN_XLSX_MAX_INFLATED_MB` or their defaults. The file itself is capped at
    /// [`upload::MAX_UPLOAD`].
    pub import_limits: Option<gaoxin_ingest::read::Limits>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            secure_cookies: false,
            session_ttl: Duration::from_secs(8 * 3600),
            session_max_age: Duration::from_secs(7 * 24 * 3600),
            max_failures: 5,
            lock_duration: Duration::from_secs(15 * 60),
            max_address_failures: 20,
            trust_proxy: false,
            import_limits: None,
        }
    }
}

impl Config {
    /// Defaults, with `GAOXIN_SECURE_COOKIES` and `GAOXIN_TRUST_PROXY` (1/true/yes) read from
    /// the environment.
    pub fn from_env() -> Config {
        let flag = |name: &str| {
            std::env::var(name)
                .map(|v| matches!(v.as_str(), "1" | "true" | "yes"))
                .unwrap_or(false)
        };
        Config {
            secure_cookies: flag("GAOXIN_SECURE_COOKIES"),
            trust_proxy: flag("GAOXIN_TRUST_PROXY"),
            ..Config::default()
        }
    }
}

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub store: Store,
    pub zone: Zone,
    pub config: Config,
    pub sessions: auth::Sessions,
    pub dashboards: dashboard::Cache,
    pub jobs: upload::Jobs,
    pub rules_jobs: rules_jobs::RulesJobs,
    /// Rule files and compiled plans, reloaded when the rules directory changes.
    pub rules: gaoxin_app::rules_cache::RulesCache,
    pub reforms: gaoxin_app::reform_cache::BaselineCache,
    /// Tracks' and leads' data files and the pipeline cache.
    pub tracks: track_pages::TracksState,
    /// Results computed ahead of page views (dashboard, targets, the latest park evaluation).
    pub warm: warm::Warm,
    /// 「数据截至」 on every page.
    pub as_of: as_of::AsOf,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(store: Store, zone: Zone, config: Config) -> AppState {
        let tracks = track_pages::TracksState::new(&zone);
        AppState(Arc::new(Inner {
            sessions: auth::Sessions::new(
                store.clone(),
                config.session_ttl,
                config.session_max_age,
            ),
            store,
            zone,
            config,
            dashboards: dashboard::Cache::default(),
            jobs: upload::Jobs::default(),
            rules_jobs: rules_jobs::RulesJobs::default(),
            rules: gaoxin_app::rules_cache::RulesCache::new(),
            reforms: gaoxin_app::reform_cache::BaselineCache::default(),
            tracks,
            warm: warm::Warm::default(),
            as_of: as_of::AsOf::default(),
        }))
    }

    /// What a (re)start does before serving: deletes the expired sessions, marks every job
    /// still `running` in the store as `interrupted` (the process that ran it is gone), and
    /// forgets finished jobs older than 30 days. Returns (sessions purged, jobs interrupted).
    pub async fn recover(&self) -> Result<(u64, u64), gaoxin_store::Error> {
        let purged = self.sessions.purge().await?;
        let now = gaoxin_store::unix_now();
        let interrupted = self.store.interrupt_running_jobs(now).await?;
        self.store.purge_jobs(now - 30 * 24 * 3600).await?;
        Ok((purged, interrupted))
    }
}

/// The whole application: every route of [`routes::table`], sessions, CSRF, compression.
pub fn router(state: AppState) -> axum::Router {
    routes::build(state)
}

/// Serves the platform on `bind` (e.g. `127.0.0.1:8080`; port 0 picks a free one) until Ctrl-C or
/// SIGTERM ([`stop_signal`]).
/// `on_ready` receives the bound address once the listener accepts connections (`/healthz` answers).
pub async fn serve(
    store: Store,
    zone: Zone,
    bind: &str,
    on_ready: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let state = AppState::new(store, zone, Config::from_env());
    serve_state(state, bind, on_ready, stop_signal()).await
}

/// Resolves on Ctrl-C (SIGINT) or, on Unix, SIGTERM (what `kill` and service managers send):
/// the normal ways to stop the server, both answered by a graceful shutdown. The handlers are
/// installed when this is called (not when the future is first polled), so a signal that comes
/// right after the address is printed is not lost to the default action (an abrupt exit).
/// Must be called inside the tokio runtime.
pub fn stop_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).ok();
        let mut int = signal(SignalKind::interrupt()).ok();
        async fn wait(s: &mut Option<tokio::signal::unix::Signal>) {
            match s {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        }
        async move {
            tokio::select! {
                _ = wait(&mut term) => {}
                _ = wait(&mut int) => {}
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Like [`serve`], with an explicit state and a shutdown signal (tests, embedding).
pub async fn serve_state(
    state: AppState,
    bind: &str,
    on_ready: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    state.recover().await.map_err(std::io::Error::other)?;
    // expired sessions are purged every ten minutes while serving
    let purging = state.clone();
    let purger = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        tick.tick().await;
        loop {
            tick.tick().await;
            if let Err(e) = purging.sessions.purge().await {
                tracing::warn!("purging expired sessions: {e}");
            }
        }
    });
    // the zone's dashboard is ready before the first request (the rest warms in the background)
    if let Err(e) = state
        .dashboards
        .get(&state.store, &state.zone, &gaoxin_store::Scope::Zone)
        .await
    {
        tracing::warn!("computing the dashboard at start: {e}");
    }
    let listener = tokio::net::TcpListener::bind(bind).await?;
    let addr = listener.local_addr()?;
    warm::at_start(&state);
    let app = router(state);
    on_ready(addr);
    // The peer address reaches handlers as `ConnectInfo` (the sign-in throttle counts by it).
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    purger.abort();
    served
}
