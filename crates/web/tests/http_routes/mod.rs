//! The isolation walk's classification: the status every GET route of the route table answers
//! each signed-in role (a new route fails the walk until it is classified here).

/// The expected status of a GET route for a signed-in role that may call it.
pub(super) fn expected_signed_in(path: &str, who: &str, variant: &str) -> u16 {
    // the university role (高校/院所, no firm data): a department's answers, without appeals of
    // its own (成果转化's public registries answer it like everyone)
    if who == "univ" {
        return match path {
            "/appeals/{id}" => 404,
            _ => expected_signed_in(path, "dept-keji", variant),
        };
    }
    let zone = matches!(who, "admin" | "analyst");
    match path {
        // the walk's server is ready (tests' `serve` waits for `/readyz`)
        "/healthz" | "/readyz" | "/static/{*path}" | "/api/v1/openapi.json" => 200,
        "/login" => 303,
        "/" => {
            if zone {
                200
            } else {
                303
            }
        }
        "/export/{table}"
        | "/enterprises"
        | "/enterprises/export"
        | "/api/v1/me"
        | "/api/v1/summary"
        | "/api/v1/parks"
        | "/api/v1/enterprises"
        | "/account/password" => 200,
        "/parks/{park}"
        | "/parks/{park}/export/{table}"
        | "/api/v1/parks/{park}/summary"
        | "/parks/{park}/finance" => {
            let ok = match variant {
                "missing park" => false,
                "jiangbei" => zone || who == "park-jiangbei",
                "xingang" => zone || who == "park-xingang",
                _ => unreachable!(),
            };
            if ok { 200 } else { 404 }
        }
        "/enterprises/{uscc}" | "/enterprises/{uscc}/export" | "/api/v1/enterprises/{uscc}" => {
            let ok = match variant {
                "missing firm" | "malformed" => false,
                "own firm" => zone || who == "park-jiangbei" || who == "firm",
                "jiangbei firm" => zone || who == "park-jiangbei",
                "xingang firm" => zone || who == "park-xingang",
                _ => unreachable!(),
            };
            if ok { 200 } else { 404 }
        }
        "/upload" | "/upload/template.xlsx" => 200,
        // 操作记录: zone and park administrators (Importer), scoped by the store
        "/audit" | "/audit/export.xlsx" => 200,
        // 术语说明: every signed-in user.
        "/glossary" => 200,
        // 评价 / 目标: zone and park users; the annual report: zone users only; firms and
        // departments: 404.
        "/evaluation" | "/targets" => {
            if who == "firm" || who == "dept-keji" {
                404
            } else {
                200
            }
        }
        "/evaluation/report" | "/evaluation/report.xlsx" => {
            if zone {
                200
            } else {
                404
            }
        }
        // 梯度培育 / 政策 and their exports: zone and park users (a park its own park); firms: 404.
        "/ladder"
        | "/ladder/export.xlsx"
        | "/policies"
        | "/policies/export.xlsx"
        | "/policies/group.xlsx" => {
            if who == "firm" || who == "dept-keji" {
                404
            } else {
                200
            }
        }
        // 企业诉求: every signed-in user sees the appeals of their scope (a department: those
        // routed to it); filing: firms and zone / park administrators.
        "/appeals" | "/appeals/export.xlsx" | "/appeals/due" | "/appeals/measures" => 200,
        "/appeals/new" => {
            if matches!(who, "analyst" | "dept-keji") {
                404
            } else {
                200
            }
        }
        "/appeals/import" | "/appeals/template.xlsx" => 200,
        // appeal 1: the 江北 firm's, routed to 科技创新局
        "/appeals/{id}" => {
            let ok = variant == "own appeal" && who != "park-xingang";
            if ok { 200 } else { 404 }
        }
        // appeal 1 has no attachment: 404 for everyone
        "/appeals/{id}/attachments/{seq}" => 404,
        // the progress of a background rules run: zone users only
        "/ladder/evaluating" => {
            if zone {
                200
            } else {
                404
            }
        }
        // 政策测算 (what-if reforms): zone users only.
        "/reform"
        | "/reform/result"
        | "/reform/export.xlsx"
        | "/reform/compare"
        | "/reform/adopt" => {
            if zone {
                200
            } else {
                404
            }
        }
        // 方案对比's export with no reform chosen: a Chinese 400 for zone users
        "/reform/compare.xlsx" => {
            if zone {
                400
            } else {
                404
            }
        }
        "/enterprises/{uscc}/points" | "/enterprises/{uscc}/ladder" => {
            let ok = match variant {
                "missing firm" | "malformed" => false,
                "own firm" => zone || who == "park-jiangbei" || who == "firm",
                "jiangbei firm" => zone || who == "park-jiangbei",
                "xingang firm" => zone || who == "park-xingang",
                _ => unreachable!(),
            };
            if ok { 200 } else { 404 }
        }
        // Banks authenticate with an API key, never with a session.
        "/api/v1/bank/enterprises/{uscc}/points" | "/api/v1/bank/loan-demands" => 401,
        // 科技金融 pages and exports: zone and park users (scoped); firms and departments: 404.
        "/finance"
        | "/finance/export.xlsx"
        | "/finance/scenarios"
        | "/finance/scenarios/export.xlsx"
        | "/finance/funds"
        | "/finance/funds/export.xlsx" => {
            if who == "firm" || who == "dept-keji" {
                404
            } else {
                200
            }
        }
        "/enterprises/{uscc}/finance" => {
            let ok = match variant {
                "missing firm" | "malformed" => false,
                "own firm" => zone || who == "park-jiangbei" || who == "firm",
                "jiangbei firm" => zone || who == "park-jiangbei",
                "xingang firm" => zone || who == "park-xingang",
                _ => unreachable!(),
            };
            if ok { 200 } else { 404 }
        }
        "/upload/jobs/{job}" | "/upload/jobs/{job}/errors.xlsx" | "/api/v1/imports/{job}" => 404,
        // 产业集群: staff; a park opens only its own park's clusters (c01 is in jiangbei) and park
        "/clusters" | "/clusters/export.xlsx" | "/clusters/links" | "/clusters/links/export" => {
            if who == "firm" || who == "dept-keji" {
                404
            } else {
                200
            }
        }
        "/clusters/{cluster}" | "/clusters/{cluster}/export.xlsx" => {
            if zone || who == "park-jiangbei" {
                200
            } else {
                404
            }
        }
        "/clusters/parks/{park}" | "/clusters/parks/{park}/export.xlsx" => {
            let ok = match variant {
                "missing park" => false,
                "jiangbei" => zone || who == "park-jiangbei",
                "xingang" => zone || who == "park-xingang",
                _ => unreachable!(),
            };
            if ok { 200 } else { 404 }
        }
        // 新赛道 and 线索: zone and park staff (a park sees its own park's leads); firms: 404;
        // the board's import template: zone users; a lead that does not exist: 404 for all.
        "/tracks"
        | "/tracks/export.xlsx"
        | "/tracks/{track}"
        | "/leads"
        | "/leads/export.xlsx"
        | "/leads/template.xlsx"
        | "/leads/pipeline"
        | "/leads/pipeline.xlsx"
        | "/leads/stalled"
        | "/api/v1/leads/pipeline" => {
            if who == "firm" || who == "dept-keji" {
                404
            } else {
                200
            }
        }
        "/tracks/template.xlsx" => {
            if zone {
                200
            } else {
                404
            }
        }
        "/leads/{lead}" | "/api/v1/leads/{lead}" => 404,
        // 人才: monitoring for staff; personal records (list, export, a record) for the zone
        // administrator and the talent's park only (RC-JB is in jiangbei); filing: staff and firms.
        "/talents" | "/talents/monitor" | "/talents/monitor/export.xlsx" => {
            if who == "firm" || who == "dept-keji" {
                404
            } else {
                200
            }
        }
        "/talents/export" => {
            if matches!(who, "admin" | "park-jiangbei" | "park-xingang") {
                200
            } else {
                404
            }
        }
        "/talents/template.xlsx" => 200,
        "/talents/{talent}" | "/talents/{talent}/held" | "/api/v1/talents/{talent}" => {
            if matches!(who, "admin" | "park-jiangbei") {
                200
            } else {
                404
            }
        }
        "/talent-services" => {
            if matches!(who, "analyst" | "dept-keji") {
                404
            } else {
                200
            }
        }
        // 政策兑现: the list and its export for every signed-in user (in scope; a department's
        // is empty); the measures: staff; the payment import and its template: zone users; no
        // award exists in the walk's database: 404 for all; the firm page's section like the
        // firm page.
        "/payouts" | "/payouts/export.xlsx" => 200,
        "/payouts/measures" | "/payouts/measures.xlsx" => {
            if who == "firm" || who == "dept-keji" {
                404
            } else {
                200
            }
        }
        "/payouts/import" | "/payouts/template.xlsx" => {
            if zone {
                200
            } else {
                404
            }
        }
        "/payouts/{id}" => 404,
        // the ledger's JSON API: every signed-in user lists their scope; no award exists here
        "/api/v1/payouts" => 200,
        "/api/v1/payouts/{id}" => 404,
        // special-fund records: staff read them; the import's template: zone users
        "/payouts/funds" | "/payouts/funds/export.xlsx" => {
            if who == "firm" || who == "dept-keji" {
                404
            } else {
                200
            }
        }
        "/payouts/funds/template.xlsx" => {
            if zone {
                200
            } else {
                404
            }
        }
        "/enterprises/{uscc}/payouts" => {
            let ok = match variant {
                "missing firm" | "malformed" => false,
                "own firm" => zone || who == "park-jiangbei" || who == "firm",
                "jiangbei firm" => zone || who == "park-jiangbei",
                "xingang firm" => zone || who == "park-xingang",
                _ => unreachable!(),
            };
            if ok { 200 } else { 404 }
        }
        // 成果转化: search, results and demands for every signed-in user (scoped: a department
        // reads none, a firm its own demands); the board, statistics and cases API for staff; a
        // result or demand that does not exist: 404; match without a query: 400.
        "/tech"
        | "/tech/export.xlsx"
        | "/tech/export/results.xlsx"
        | "/tech/export/demands.xlsx"
        | "/api/v1/results"
        | "/api/v1/demands" => 200,
        "/api/v1/match" => 400,
        "/tech/results/{result}" | "/tech/demands/{demand}" => 404,
        // the forms: a demand's for firms, park and zone administrators; an expert's for zone
        // administrators; everyone else the 404; an item that does not exist: 404.
        "/tech/demands/new" => match who {
            "admin" | "park-jiangbei" | "park-xingang" | "firm" => 200,
            _ => 404,
        },
        "/tech/experts/new" => {
            if who == "admin" {
                200
            } else {
                404
            }
        }
        "/tech/demands/{demand}/edit" | "/tech/experts/{expert}/edit" => 404,
        "/tech/cases" | "/tech/cases/export.xlsx" | "/tech/stats" | "/api/v1/cases" => {
            if who == "firm" || who == "dept-keji" {
                404
            } else {
                200
            }
        }
        // 新型研发机构: staff (a park its own institutions); the fixture holds no institution and
        // no evaluation, so an institution and the annual report answer 404 for everyone.
        "/rdi" | "/rdi/export.xlsx" | "/vitality" => {
            if who == "firm" || who == "dept-keji" {
                404
            } else {
                200
            }
        }
        "/rdi/template.xlsx" => 200,
        // 生态图谱: staff (a park sees its part, other parks' firms anonymous); firms: 404.
        "/ecosystem"
        | "/ecosystem/export.xlsx"
        | "/ecosystem/nodes.csv"
        | "/ecosystem/edges.csv"
        | "/ecosystem/graph.gexf"
        | "/ecosystem/isolated"
        | "/ecosystem/isolated.xlsx" => {
            if who == "firm" || who == "dept-keji" {
                404
            } else {
                200
            }
        }
        "/rdi/report" | "/rdi/report.xlsx" | "/rdi/{id}" => 404,
        // 孵化载体: staff (a park its own carriers; firms and departments none); the walk's
        // carrier CAR-JB is in 江北; no evaluation is stored, so the evaluation answers 404.
        "/carriers" | "/carriers/export.xlsx" => {
            if who == "firm" || who == "dept-keji" {
                404
            } else {
                200
            }
        }
        "/carriers/template.xlsx" => 200,
        "/carriers/evaluation" | "/carriers/evaluation.xlsx" => 404,
        "/carriers/{carrier}" | "/api/v1/carriers/{carrier}" => {
            if zone || who == "park-jiangbei" {
                200
            } else {
                404
            }
        }
        other => panic!("route {other} is not classified in this test: add it"),
    }
}
