//! The route table: every route of the platform with who may call it.
//!
//! [`build`] makes the axum router from [`table`] (one area after another), wrapping each route in the guard of its
//! [`Access`]; [`route_table`] lists the same entries so that the isolation tests (and the
//! OpenAPI test) can enumerate every route. There is no other place where routes are added.
use crate::{
    AppState, account, api, appeal_files, appeal_pages, assets, auth, bank, carrier_pages,
    cluster_pages, finance_pages, indicator_pages, lead_pages, pages, payout_pages, rdi_pages,
    reform_pages, rules_pages, talent_pages, tech_pages, track_pages, upload, vitality_pages,
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
    /// Other systems pushing data with their own key (the 12345 hotline's appeals); the handler
    /// authenticates the key.
    System,
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
            Access::Bank | Access::System => mr,
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
    let areas: &[fn(Table) -> Table] = &[
        sign_in_routes,
        page_routes,
        upload_routes,
        indicator_routes,
        rules_routes,
        appeal_routes,
        finance_routes,
        cluster_routes,
        track_routes,
        ux_routes,
        talent_routes,
        payout_routes,
        audit_routes,
        tech_routes,
        rdi_routes,
        carrier_routes,
        ecosystem_routes,
        reform_routes,
        api_routes,
    ];
    let t = Table {
        router: Router::new(),
        list: Vec::new(),
    };
    areas.iter().fold(t, |t, area| area(t))
}

/// 政策兑现 (issue 20): the ledger's list and export, the zone administrator's sync, one award
/// and its steps, the measures and their export, special-fund lines, the payment import and its
/// template, and the firm page's section (each page reads in the user's scope; out of scope
/// answers the 404 of a missing award).
fn payout_routes(t: Table) -> Table {
    use Access::*;
    use payout_pages as p;
    t.add("GET", "/payouts", SignedIn, get(p::list_page))
        .add("GET", "/payouts/export.xlsx", SignedIn, get(p::list_xlsx))
        .add("POST", "/payouts/sync", Zone, post(p::sync))
        .add("GET", "/payouts/measures", Staff, get(p::measures_page))
        .add(
            "GET",
            "/payouts/measures.xlsx",
            Staff,
            get(p::measures_xlsx),
        )
        .add("POST", "/payouts/funds", Zone, post(p::fund))
        .add("GET", "/payouts/import", Zone, get(p::import_page))
        .add(
            "POST",
            "/payouts/import",
            Zone,
            post(p::import).layer(DefaultBodyLimit::max(p::MAX_IMPORT + 64 * 1024)),
        )
        .add(
            "GET",
            "/payouts/template.xlsx",
            Zone,
            get(p::import_template),
        )
        .add("GET", "/payouts/{id}", SignedIn, get(p::payout_page))
        .add("POST", "/payouts/{id}/act", SignedIn, post(p::act))
        .add(
            "GET",
            "/enterprises/{uscc}/payouts",
            SignedIn,
            get(p::firm_fragment),
        )
}

/// 成果转化 (issue 14): search, a result's and a demand's pages, the broker's board and its
/// writes, statistics, exports, and the JSON API (match, results, demands, cases).
fn tech_routes(t: Table) -> Table {
    use Access::*;
    use tech_pages as k;
    t.add("GET", "/tech", SignedIn, get(k::search_page))
        .add("GET", "/tech/export.xlsx", SignedIn, get(k::search_xlsx))
        .add(
            "GET",
            "/tech/results/{result}",
            SignedIn,
            get(k::result_page),
        )
        .add(
            "GET",
            "/tech/demands/{demand}",
            SignedIn,
            get(k::demand_page),
        )
        .add("GET", "/tech/cases", Staff, get(k::board))
        .add("POST", "/tech/cases", Staff, post(k::open_case))
        .add("GET", "/tech/cases/export.xlsx", Staff, get(k::cases_xlsx))
        .add("POST", "/tech/cases/{case}/move", Staff, post(k::move_case))
        .add(
            "POST",
            "/tech/cases/{case}/contract",
            Staff,
            post(k::contract),
        )
        .add("GET", "/tech/stats", Staff, get(k::stats))
        .add(
            "GET",
            "/tech/export/results.xlsx",
            SignedIn,
            get(k::results_xlsx),
        )
        .add(
            "GET",
            "/tech/export/demands.xlsx",
            SignedIn,
            get(k::demands_xlsx),
        )
        .add("GET", "/api/v1/match", SignedIn, get(k::api_match))
        .add("GET", "/api/v1/results", SignedIn, get(k::api_results))
        .add("GET", "/api/v1/demands", SignedIn, get(k::api_demands))
        .add("GET", "/api/v1/cases", Staff, get(k::api_cases))
        .add("POST", "/tech/results", SignedIn, post(k::save_result))
        .add(
            "GET",
            "/tech/demands/new",
            SignedIn,
            get(crate::tech_forms::demand_new),
        )
        .add(
            "POST",
            "/tech/demands/new",
            SignedIn,
            post(crate::tech_forms::demand_create),
        )
        .add(
            "GET",
            "/tech/demands/{demand}/edit",
            SignedIn,
            get(crate::tech_forms::demand_edit),
        )
        .add(
            "POST",
            "/tech/demands/{demand}/edit",
            SignedIn,
            post(crate::tech_forms::demand_update),
        )
        .add(
            "GET",
            "/tech/experts/new",
            SignedIn,
            get(crate::tech_forms::expert_new),
        )
        .add(
            "POST",
            "/tech/experts/new",
            SignedIn,
            post(crate::tech_forms::expert_create),
        )
        .add(
            "GET",
            "/tech/experts/{expert}/edit",
            SignedIn,
            get(crate::tech_forms::expert_edit),
        )
        .add(
            "POST",
            "/tech/experts/{expert}/edit",
            SignedIn,
            post(crate::tech_forms::expert_update),
        )
}

/// Cluster diagnosis (issue 15): overview, a cluster, a park's clusters, link records.
fn cluster_routes(t: Table) -> Table {
    use Access::*;
    use cluster_pages as c;
    t.add("GET", "/clusters", Staff, get(c::overview))
        .add("GET", "/clusters/export.xlsx", Staff, get(c::overview_xlsx))
        .add("GET", "/clusters/links", Staff, get(c::links))
        .add(
            "POST",
            "/clusters/links",
            Importer,
            post(c::links_import).layer(DefaultBodyLimit::max(upload::MAX_UPLOAD)),
        )
        .add("GET", "/clusters/links/export", Staff, get(c::links_export))
        .add("GET", "/clusters/parks/{park}", Staff, get(c::park))
        .add(
            "GET",
            "/clusters/parks/{park}/export.xlsx",
            Staff,
            get(c::park_xlsx),
        )
        .add("GET", "/clusters/{cluster}", Staff, get(c::cluster))
        .add(
            "GET",
            "/clusters/{cluster}/export.xlsx",
            Staff,
            get(c::cluster_xlsx),
        )
}

/// 人才 (issue 19): list, import, exports, a record, what is held, monitoring, 人才服务直通车. A
/// personal record's routes are staff routes whose handler answers 404 to every role but the zone
/// administrator and the talent's park (`gaoxin_app::talent::talent_scope`).
fn talent_routes(t: Table) -> Table {
    use Access::*;
    use talent_pages as p;
    t.add("GET", "/talents", Staff, get(p::list))
        .add("GET", "/talents/export", Staff, get(p::export))
        .add("GET", "/talents/template.xlsx", Importer, get(p::template))
        .add(
            "POST",
            "/talents/import",
            Importer,
            post(p::import).layer(DefaultBodyLimit::max(upload::MAX_UPLOAD)),
        )
        .add("GET", "/talents/monitor", Staff, get(p::monitor))
        .add(
            "GET",
            "/talents/monitor/export.xlsx",
            Staff,
            get(p::monitor_xlsx),
        )
        .add("GET", "/talents/{talent}", Staff, get(p::detail))
        .add("GET", "/talents/{talent}/held", Staff, get(p::held))
        .add("GET", "/talent-services", SignedIn, get(p::services))
        .add("POST", "/talent-services", SignedIn, post(p::file_request))
        .add("GET", "/api/v1/talents/{talent}", Staff, get(p::api_detail))
}

/// 新型研发机构 (issue 17): the list, an institution, the annual report, import and evaluation.
fn rdi_routes(t: Table) -> Table {
    use Access::*;
    use rdi_pages as r;
    t.add("GET", "/rdi", Staff, get(r::list))
        .add("GET", "/rdi/export.xlsx", Staff, get(r::list_xlsx))
        .add("GET", "/rdi/report", Staff, get(r::report))
        .add("GET", "/rdi/report.xlsx", Staff, get(r::report_xlsx))
        .add("GET", "/rdi/template.xlsx", Importer, get(r::template))
        .add(
            "POST",
            "/rdi/import",
            Importer,
            post(r::import).layer(DefaultBodyLimit::max(upload::MAX_UPLOAD)),
        )
        .add("POST", "/rdi/evaluate", Zone, post(r::evaluate))
        .add("GET", "/rdi/{id}", Staff, get(r::institution))
        .add("GET", "/vitality", Staff, get(vitality_pages::page))
}

/// 孵化载体 (issue 19): the list, a carrier (page and API), the evaluation, import and evaluating.
fn carrier_routes(t: Table) -> Table {
    use Access::*;
    use carrier_pages as c;
    t.add("GET", "/carriers", Staff, get(c::list))
        .add("GET", "/carriers/export.xlsx", Staff, get(c::list_xlsx))
        .add("GET", "/carriers/evaluation", Staff, get(c::evaluation))
        .add(
            "GET",
            "/carriers/evaluation.xlsx",
            Staff,
            get(c::evaluation_xlsx),
        )
        .add("GET", "/carriers/template.xlsx", Importer, get(c::template))
        .add(
            "POST",
            "/carriers/import",
            Importer,
            post(c::import).layer(DefaultBodyLimit::max(upload::MAX_UPLOAD)),
        )
        .add("POST", "/carriers/evaluate", Zone, post(c::evaluate))
        .add("GET", "/carriers/{carrier}", Staff, get(c::detail))
        .add(
            "GET",
            "/api/v1/carriers/{carrier}",
            Staff,
            get(c::api_detail),
        )
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
        .add("GET", "/readyz", Public, get(pages::readyz))
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

/// 企业诉求直通车: the list and its export, one appeal and its moves, filing, import, measures,
/// the owner's due box, and the 12345 API (each page reads in the user's scope; out of scope
/// answers the 404 of a missing appeal).
fn appeal_routes(t: Table) -> Table {
    use Access::*;
    t.add("GET", "/appeals", SignedIn, get(appeal_pages::list_page))
        .add("POST", "/appeals", SignedIn, post(appeal_pages::file))
        .add(
            "GET",
            "/appeals/export.xlsx",
            SignedIn,
            get(appeal_pages::list_xlsx),
        )
        .add(
            "GET",
            "/appeals/due",
            SignedIn,
            get(appeal_pages::due_fragment),
        )
        .add("GET", "/appeals/new", SignedIn, get(appeal_pages::new_page))
        .add(
            "GET",
            "/appeals/measures",
            SignedIn,
            get(appeal_pages::measures_page),
        )
        .add(
            "GET",
            "/appeals/import",
            Importer,
            get(appeal_pages::import_page),
        )
        .add(
            "POST",
            "/appeals/import",
            Importer,
            post(appeal_pages::import)
                .layer(DefaultBodyLimit::max(appeal_pages::MAX_IMPORT + 64 * 1024)),
        )
        .add(
            "GET",
            "/appeals/template.xlsx",
            Importer,
            get(appeal_pages::import_template),
        )
        .add(
            "GET",
            "/appeals/{id}",
            SignedIn,
            get(appeal_pages::appeal_page),
        )
        .add(
            "POST",
            "/appeals/{id}/act",
            SignedIn,
            post(appeal_pages::act),
        )
        .add(
            "POST",
            "/appeals/{id}/attachments",
            SignedIn,
            post(appeal_files::upload).layer(DefaultBodyLimit::max(appeal_files::MAX_BODY)),
        )
        .add(
            "GET",
            "/appeals/{id}/attachments/{seq}",
            SignedIn,
            get(appeal_files::get),
        )
        .add(
            "POST",
            "/api/v1/appeals",
            System,
            post(appeal_pages::api_file).layer(DefaultBodyLimit::max(256 * 1024)),
        )
}

/// 科技金融: the loan-demand list, 创新积分贷, scenarios, funds, the firm page's section and the
/// banks' finance API.
fn finance_routes(t: Table) -> Table {
    use Access::*;
    use finance_pages as f;
    t.add("GET", "/finance", Staff, get(f::finance_page))
        .add("GET", "/finance/export.xlsx", Staff, get(f::finance_xlsx))
        .add("POST", "/finance/editions", Zone, post(f::publish))
        .add("GET", "/finance/scenarios", Staff, get(f::scenarios_page))
        .add(
            "GET",
            "/finance/scenarios/export.xlsx",
            Staff,
            get(f::scenarios_xlsx),
        )
        .add(
            "POST",
            "/finance/scenarios/state",
            Staff,
            post(f::move_application),
        )
        .add(
            "POST",
            "/finance/scenarios/import",
            Zone,
            post(f::scenarios_import).layer(DefaultBodyLimit::max(f::MAX_SCENARIO_FILE)),
        )
        .add("GET", "/finance/funds", Staff, get(f::funds_page))
        .add(
            "GET",
            "/finance/funds/export.xlsx",
            Staff,
            get(f::funds_xlsx),
        )
        .add(
            "GET",
            "/enterprises/{uscc}/finance",
            SignedIn,
            get(f::firm_fragment),
        )
        .add(
            "GET",
            "/parks/{park}/finance",
            SignedIn,
            get(f::park_fragment),
        )
        .add(
            "POST",
            "/enterprises/{uscc}/loan-demands",
            SignedIn,
            post(f::declare),
        )
        .add(
            "POST",
            "/enterprises/{uscc}/loan-demands/withdraw",
            SignedIn,
            post(f::withdraw),
        )
        .add(
            "POST",
            "/enterprises/{uscc}/scenarios",
            SignedIn,
            post(f::apply),
        )
        .add("GET", "/api/v1/bank/loan-demands", Bank, get(f::bank_list))
        .add(
            "POST",
            "/api/v1/bank/loan-demands/{demand}/responses",
            Bank,
            post(f::bank_respond),
        )
        .add(
            "POST",
            "/api/v1/bank/enterprises/{uscc}/points-loans",
            Bank,
            post(f::bank_points_loan),
        )
}

/// New tracks (赛道 "五个一" board) and 新赛道大会 leads (线索, pipeline), with their JSON API.
fn track_routes(t: Table) -> Table {
    use Access::*;
    use axum::extract::DefaultBodyLimit as Limit;
    let up = 16 * 1024 * 1024;
    t.add("GET", "/tracks", Staff, get(track_pages::overview))
        .add(
            "GET",
            "/tracks/export.xlsx",
            Staff,
            get(track_pages::overview_xlsx),
        )
        .add(
            "GET",
            "/tracks/template.xlsx",
            Zone,
            get(track_pages::template),
        )
        .add(
            "POST",
            "/tracks/import",
            Zone,
            post(track_pages::import).layer(Limit::max(up)),
        )
        .add(
            "GET",
            "/tracks/{track}",
            Staff,
            get(track_pages::track_page),
        )
        .add(
            "POST",
            "/tracks/{track}/elements",
            Zone,
            post(track_pages::save_element),
        )
        .add(
            "POST",
            "/tracks/{track}/elements/{element}/delete",
            Zone,
            post(track_pages::delete_element),
        )
        .add("GET", "/leads", Staff, get(lead_pages::list))
        .add("POST", "/leads", Staff, post(lead_pages::create))
        .add("GET", "/leads/export.xlsx", Staff, get(lead_pages::export))
        .add(
            "GET",
            "/leads/template.xlsx",
            Staff,
            get(lead_pages::template),
        )
        .add(
            "POST",
            "/leads/import",
            Staff,
            post(lead_pages::import).layer(Limit::max(up)),
        )
        .add("GET", "/leads/pipeline", Staff, get(lead_pages::pipeline))
        .add(
            "GET",
            "/leads/pipeline.xlsx",
            Staff,
            get(lead_pages::pipeline_xlsx),
        )
        .add("GET", "/leads/stalled", Staff, get(lead_pages::stalled))
        .add("GET", "/leads/{lead}", Staff, get(lead_pages::detail))
        .add(
            "POST",
            "/leads/{lead}/change",
            Staff,
            post(lead_pages::change),
        )
        .add(
            "GET",
            "/api/v1/leads/pipeline",
            Staff,
            get(lead_pages::api_pipeline),
        )
        .add(
            "GET",
            "/api/v1/leads/{lead}",
            Staff,
            get(lead_pages::api_lead),
        )
        .add(
            "POST",
            "/api/v1/leads/{lead}/change",
            Staff,
            post(lead_pages::api_change),
        )
}

/// 科技创新生态图谱 (issue 17): the graph page and its exports (staff; a park its part).
fn ecosystem_routes(t: Table) -> Table {
    use crate::ecosystem_pages as e;
    use Access::*;
    t.add("GET", "/ecosystem", Staff, get(e::page))
        .add(
            "GET",
            "/ecosystem/export.xlsx",
            Staff,
            get(e::measures_xlsx),
        )
        .add("GET", "/ecosystem/nodes.csv", Staff, get(e::nodes_csv))
        .add("GET", "/ecosystem/edges.csv", Staff, get(e::edges_csv))
        .add("GET", "/ecosystem/graph.gexf", Staff, get(e::gexf))
        .add("GET", "/ecosystem/isolated", Staff, get(e::isolated))
        .add(
            "GET",
            "/ecosystem/isolated.xlsx",
            Staff,
            get(e::isolated_xlsx),
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

/// Issue 20's remainder: saved reforms compared (and exported), a reform adopted as new rule-file
/// versions; the special-fund lines' history, import and template; the ledger's JSON API.
fn reform_routes(t: Table) -> Table {
    use crate::payout_fund_pages as f;
    use crate::reform_compare_pages as r;
    use Access::*;
    t.add("GET", "/reform/compare", Zone, get(r::compare_page))
        .add("GET", "/reform/compare.xlsx", Zone, get(r::compare_xlsx))
        .add("GET", "/reform/adopt", Zone, get(r::adopt_page))
        .add("POST", "/reform/adopt", Zone, post(r::adopt))
        .add("GET", "/payouts/funds", Staff, get(f::funds_page))
        .add(
            "GET",
            "/payouts/funds/export.xlsx",
            Staff,
            get(f::funds_xlsx),
        )
        .add(
            "GET",
            "/payouts/funds/template.xlsx",
            Zone,
            get(f::funds_template),
        )
        .add(
            "POST",
            "/payouts/funds/import",
            Zone,
            post(f::funds_import).layer(DefaultBodyLimit::max(f::MAX_FUND_IMPORT + 64 * 1024)),
        )
        .add("GET", "/api/v1/payouts", SignedIn, get(f::api_list))
        .add("GET", "/api/v1/payouts/{id}", SignedIn, get(f::api_one))
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

/// 操作记录 (issue 13): the audit trail for zone administrators (every entry) and park
/// administrators (their park's), with filters, pages and the .xlsx export.
fn audit_routes(t: Table) -> Table {
    use Access::*;
    t.add(
        "GET",
        "/audit",
        Importer,
        get(crate::audit_pages::audit_page),
    )
    .add(
        "GET",
        "/audit/export.xlsx",
        Importer,
        get(crate::audit_pages::audit_xlsx),
    )
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
