//! The route table: every route of the platform with who may call it.
//!
//! [`build`] makes the axum router from [`table`] (one area after another), wrapping each route in the guard of its
//! [`Access`]; [`route_table`] lists the same entries so that the isolation tests (and the
//! OpenAPI test) can enumerate every route. There is no other place where routes are added.
use crate::{
    AppState, account, api, assets, auth, bank, indicator_pages, pages, reform_pages, rules_pages,
    upload,
};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{MethodRouter, get, post};
use tower_http::compression::CompressionLayer;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (sign-in page, health check, static files, the OpenAPI document).
    Public,
    /// Any signed-in user; what is shown is limited by the user's scope.
    SignedIn,
    /// Zone and park staff (not enterprise users, who get the same 404 as a page outside their
    /// scope); what is shown is limited by the user's scope.
    Staff,
    /// Zone users only (administrators and analysts); everyone else signed in gets the 404.
    Zone,
    /// Users who may import: zone administrators (all parks) and park administrators (their park).
    Importer,
    /// Banks, with an API key (`Authorization: Bearer …`); what they read needs the firm's consent.
    Bank,
}

/// One route: method, path template (axum syntax, `{param}`), access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteInfo {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

impl RouteInfo {
    /// Routes under `/api/` answer JSON (errors too).
    pub fn is_api(&self) -> bool {
        self.path.starts_with("/api/")
    }
}

struct Table {
    router: Router<AppState>,
    list: Vec<RouteInfo>,
}

impl Table {
    fn add(
        mut self,
        method: &'static str,
        path: &'static str,
        access: Access,
        mr: MethodRouter<AppState>,
    ) -> Table {
        let mr = match access {
            Access::Public => mr,
            Access::SignedIn => mr.route_layer(middleware::from_fn(auth::require_signed_in)),
            Access::Staff => mr.route_layer(middleware::from_fn(auth::require_staff)),
            Access::Zone => mr.route_layer(middleware::from_fn(auth::require_zone)),
            Access::Importer => mr.route_layer(middleware::from_fn(auth::require_importer)),
            // the handler authenticates the key itself (`bank::authenticate`)
            Access::Bank => mr,
        };
        self.router = self.router.route(path, mr);
        self.list.push(RouteInfo {
            method,
            path,
            access,
        });
        self
    }
}

/// Every route, area by area (in this order). Add new pages to their area (one line each).
fn table() -> Table {
    let areas: [fn(Table) -> Table; 7] = [
        sign_in_routes,
        page_routes,
        upload_routes,
        indicator_routes,
        rules_routes,
        ux_routes,
        api_routes,
    ];
    let t = Table {
        router: Router::new(),
        list: Vec::new(),
    };
    areas.into_iter().fold(t, |t, area| area(t))
}

/// The analyst's aids: the glossary (术语说明) every page links to.
fn ux_routes(t: Table) -> Table {
    use Access::*;
    t.add(
        "GET",
        "/glossary",
        SignedIn,
        get(crate::glossary_page::glossary),
    )
    .add(
        "GET",
        "/policies/group.xlsx",
        Staff,
        get(rules_pages::policies_group_xlsx),
    )
}

/// Infrastructure and sign-in.
fn sign_in_routes(t: Table) -> Table {
    use Access::*;
    t.add("GET", "/healthz", Public, get(pages::healthz))
        .add("GET", "/static/{*path}", Public, get(assets::serve))
        .add("GET", "/login", Public, get(auth::login_page))
        .add("POST", "/login", Public, post(auth::login))
        .add("POST", "/logout", SignedIn, post(auth::logout))
        .add("GET", "/account/password", SignedIn, get(account::page))
        .add("POST", "/account/password", SignedIn, post(account::change))
}

/// Pages: the dashboards, parks and firms, with their exports.
fn page_routes(t: Table) -> Table {
    use Access::*;
    t.add("GET", "/", SignedIn, get(pages::dashboard))
        .add(
            "GET",
            "/export/{table}",
            SignedIn,
            get(pages::dashboard_export),
        )
        .add("GET", "/parks/{park}", SignedIn, get(pages::park))
        .add(
            "GET",
            "/parks/{park}/export/{table}",
            SignedIn,
            get(pages::park_export),
        )
        .add("GET", "/enterprises", SignedIn, get(pages::enterprises))
        .add(
            "GET",
            "/enterprises/export",
            SignedIn,
            get(pages::enterprises_export),
        )
        .add(
            "GET",
            "/enterprises/{uscc}",
            SignedIn,
            get(pages::enterprise),
        )
        .add(
            "GET",
            "/enterprises/{uscc}/export",
            SignedIn,
            get(pages::enterprise_export),
        )
}

/// Importing data (upload page, template, jobs and their reports).
fn upload_routes(t: Table) -> Table {
    use Access::*;
    t.add("GET", "/upload", Importer, get(upload::page))
        .add(
            "POST",
            "/upload",
            Importer,
            post(upload::start_page).layer(DefaultBodyLimit::max(upload::MAX_UPLOAD)),
        )
        .add(
            "GET",
            "/upload/template.xlsx",
            Importer,
            get(upload::template),
        )
        .add("GET", "/upload/jobs/{job}", Importer, get(upload::job_page))
        .add(
            "GET",
            "/upload/jobs/{job}/errors.xlsx",
            Importer,
            get(upload::job_errors_xlsx),
        )
}

/// Indicator engine: evaluation, targets, annual report, points and bank consent, and the
/// bank API.
fn indicator_routes(t: Table) -> Table {
    use Access::*;
    t.add(
        "GET",
        "/evaluation",
        Staff,
        get(indicator_pages::evaluation_page),
    )
    .add(
        "GET",
        "/evaluation/report",
        Zone,
        get(indicator_pages::report_page),
    )
    .add(
        "GET",
        "/evaluation/report.xlsx",
        Zone,
        get(indicator_pages::report_xlsx),
    )
    .add("GET", "/targets", Staff, get(indicator_pages::targets_page))
    .add(
        "GET",
        "/enterprises/{uscc}/points",
        SignedIn,
        get(bank::points_fragment),
    )
    .add(
        "POST",
        "/enterprises/{uscc}/consents",
        SignedIn,
        post(bank::grant),
    )
    .add(
        "POST",
        "/enterprises/{uscc}/consents/revoke",
        SignedIn,
        post(bank::revoke),
    )
    .add(
        "GET",
        "/api/v1/bank/enterprises/{uscc}/points",
        Bank,
        get(bank::bank_points),
    )
}

/// Rules engine: the firm's ladder, 梯度培育, 政策.
fn rules_routes(t: Table) -> Table {
    use Access::*;
    t.add(
        "GET",
        "/enterprises/{uscc}/ladder",
        SignedIn,
        get(rules_pages::enterprise_ladder),
    )
    .add("GET", "/ladder", Staff, get(rules_pages::ladder_page))
    .add(
        "GET",
        "/ladder/evaluating",
        Zone,
        get(rules_pages::evaluating),
    )
    .add(
        "GET",
        "/ladder/export.xlsx",
        Staff,
        get(rules_pages::ladder_xlsx),
    )
    .add("GET", "/policies", Staff, get(rules_pages::policies_page))
    .add(
        "GET",
        "/policies/export.xlsx",
        Staff,
        get(rules_pages::policies_xlsx),
    )
    // 政策测算: what-if reforms (zone users).
    .add("GET", "/reform", Zone, get(reform_pages::reform_page))
    .add(
        "GET",
        "/reform/result",
        Zone,
        get(reform_pages::reform_result),
    )
    .add(
        "GET",
        "/reform/export.xlsx",
        Zone,
        get(reform_pages::reform_xlsx),
    )
}

/// The JSON API (documented by [`crate::api::ApiDoc`]).
fn api_routes(t: Table) -> Table {
    use Access::*;
    t.add("GET", "/api/v1/openapi.json", Public, get(api::openapi))
        .add("GET", "/api/v1/me", SignedIn, get(api::me))
        .add("GET", "/api/v1/summary", SignedIn, get(api::summary))
        .add("GET", "/api/v1/parks", SignedIn, get(api::parks))
        .add(
            "GET",
            "/api/v1/parks/{park}/summary",
            SignedIn,
            get(api::park_summary),
        )
        .add(
            "GET",
            "/api/v1/enterprises",
            SignedIn,
            get(api::enterprises),
        )
        .add(
            "GET",
            "/api/v1/enterprises/{uscc}",
            SignedIn,
            get(api::enterprise),
        )
        .add(
            "POST",
            "/api/v1/imports",
            Importer,
            post(upload::start_api).layer(DefaultBodyLimit::max(upload::MAX_UPLOAD)),
        )
        .add(
            "GET",
            "/api/v1/imports/{job}",
            Importer,
            get(upload::job_api),
        )
}

/// The routes of [`build`], in table order.
pub fn route_table() -> Vec<RouteInfo> {
    table().list
}

/// The application router with its state and layers (outermost first: security headers,
/// compression, session, request log, CSRF).
pub fn build(state: AppState) -> Router {
    table()
        .router
        .fallback(pages::not_found)
        .layer(middleware::from_fn_with_state(state.clone(), auth::csrf))
        .layer(middleware::from_fn(crate::request_log::log))
        .layer(middleware::from_fn_with_state(state.clone(), auth::session))
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::security_headers::add,
        ))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_table_each_route_once() {
        let routes = route_table();
        assert!(routes.len() >= 41, "{}", routes.len());
        for (i, r) in routes.iter().enumerate() {
            assert!(r.path.starts_with('/'), "{r:?}");
            assert!(
                !routes[..i]
                    .iter()
                    .any(|o| o.method == r.method && o.path == r.path),
                "{} {} is in the table twice",
                r.method,
                r.path
            );
            // API routes answer JSON and need a session or a bank key, except the document
            if r.is_api() && r.path != "/api/v1/openapi.json" {
                assert_ne!(r.access, Access::Public, "{r:?}");
            }
        }
        // the sign-in area comes first, the JSON API last (what the areas add, in order)
        assert_eq!(routes[0].path, "/healthz");
        assert_eq!(routes.last().map(|r| r.path), Some("/api/v1/imports/{job}"));
    }
}
