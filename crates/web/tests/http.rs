//! HTTP integration tests: the real server on a random port, on SQLite and (when configured)
//! PostgreSQL, talking HTTP like a browser or an API client would.
mod common;
mod http_routes;

use common::{HOSTILE, Server, enc, start};
use gaoxin_store::testing;
use gaoxin_web::{Access, route_table};
use http_routes::expected_signed_in;

async fn servers() -> Vec<Server> {
    let mut v = Vec::new();
    for store in testing::all().await.unwrap() {
        v.push(start(store).await);
    }
    v
}

/// The route path with its parameters filled in.
fn fill(path: &str, uscc: &str, park: &str) -> String {
    path.replace("{uscc}", uscc)
        .replace("{park}", park)
        .replace("{table}", "years")
        .replace("{job}", "0123456789abcdef")
        .replace("{*path}", "app.css")
        .replace("{cluster}", "c01")
        .replace("{seq}", "1")
        .replace("{track}", "t01")
        .replace("{lead}", "L000000000000")
        .replace("{talent}", "RC-JB")
        .replace("{carrier}", "CAR-JB")
}

/// Carrier CAR-JB of the isolation walk: a 江北 incubator (read by zone users and 江北 only).
async fn seed_walk_carrier(s: &Server) {
    let csv = "载体编号,载体名称,载体类型,园区,级别,年度,在孵企业（家）\nCAR-JB,江北测试孵化器,孵化器,jiangbei,国家级,2024,30\n";
    let r = gaoxin_app::carrier::import(
        &s.store,
        &s.zone,
        &gaoxin_store::Scope::Zone,
        "walk.csv",
        csv.as_bytes().to_vec(),
        &gaoxin_app::audit::Who::cli(),
    )
    .await
    .unwrap();
    assert!(r.is_ok(), "{r:?}");
}

/// Talent RC-JB of the isolation walk: a 江北 talent (read by the zone administrator and 江北 only).
async fn seed_walk_talent(s: &Server) {
    let csv = "人才编号,姓名,性别,出生年份,国籍,最高学历,领域,工作单位类型,工作单位,引进年份,状态,园区\nRC-JB,王五,女,1990,中国,博士,集成电路,高校,东南大学,2023,在岗,jiangbei\n";
    let r = gaoxin_app::talent_import::import(
        &s.store,
        &s.zone,
        &gaoxin_app::talent_service::ServiceConfig::load().unwrap(),
        &gaoxin_app::talent::Reader::cli(gaoxin_store::Scope::Zone),
        csv.as_bytes().to_vec(),
        "walk.csv",
        gaoxin_store::unix_now(),
    )
    .await
    .unwrap();
    assert!(r.is_ok(), "{r:?}");
}

/// Appeal 1 of the isolation walk: filed by the firm user (a 江北 firm), 政策兑现 → 科技创新局.
async fn file_walk_appeal(s: &Server) {
    let u = s.store.user("firm").await.unwrap().unwrap();
    let cfg = gaoxin_app::appeals_data::AppealsConfig::load().unwrap();
    let f = gaoxin_app::appeals::Filing {
        uscc: u.role.uscc().unwrap().as_str().into(),
        category: "政策兑现".into(),
        description: "奖励未到账".into(),
        contact: "张 1".into(),
        channel: "企业".into(),
        ..Default::default()
    };
    let actor = gaoxin_app::appeals::Actor::user("firm", &u.role);
    let id = gaoxin_app::appeals::file(&s.store, &cfg, &actor, &f, gaoxin_store::unix_now())
        .await
        .unwrap();
    assert_eq!(id, 1);
}

/// Every route × every role × in-scope / out-of-scope / non-existent parameters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_is_isolated_for_every_role() {
    for s in servers().await {
        let own_firm = s.own_firm().await; // in jiangbei
        let jb_firm = s.firm_in("jiangbei");
        let xg_firm = s.firm_in("xingang");
        let roles = [
            "admin",
            "analyst",
            "park-jiangbei",
            "park-xingang",
            "firm",
            "dept-keji",
        ];
        file_walk_appeal(&s).await;
        seed_walk_talent(&s).await;
        seed_walk_carrier(&s).await;
        let mut clients = vec![("anonymous", s.client())];
        for r in roles {
            clients.push((r, s.signed_in(r).await));
        }
        // a university user (高校/院所用户, issue 14)
        let pw = "univ-walk-password-2026";
        let role =
            gaoxin_store::Role::from_parts_unit("university", None, None, None, Some("东南大学"))
                .unwrap();
        gaoxin_app::accounts::add_user(&s.store, &s.zone, "univ", pw, role)
            .await
            .unwrap();
        let mut univ = s.client();
        assert_eq!(univ.login("univ", pw).await.status, 303);
        clients.push(("univ", univ));
        // The latest year's rules run, stored before the walk (the 梯度培育 / 政策 exports need it).
        common::wait_for_rules_run(&mut clients[1].1, "").await;
        let mut not_found_bodies = std::collections::HashMap::new();
        for route in route_table() {
            let has_firm = route.path.contains("{uscc}");
            let has_park = route.path.contains("{park}");
            let has_appeal = route.path.contains("{id}");
            // (label, uscc, park) variants
            let variants: Vec<(&str, String, String)> = if has_appeal {
                vec![
                    ("own appeal", String::new(), String::new()),
                    ("missing appeal", String::new(), String::new()),
                    ("malformed appeal", String::new(), String::new()),
                ]
            } else if has_firm {
                vec![
                    ("own firm", own_firm.clone(), String::new()),
                    ("jiangbei firm", jb_firm.clone(), String::new()),
                    ("xingang firm", xg_firm.clone(), String::new()),
                    ("missing firm", s.missing.clone(), String::new()),
                    ("malformed", "not-a-code".into(), String::new()),
                ]
            } else if has_park {
                vec![
                    ("jiangbei", String::new(), "jiangbei".into()),
                    ("xingang", String::new(), "xingang".into()),
                    ("missing park", String::new(), "atlantis".into()),
                ]
            } else {
                vec![("-", String::new(), String::new())]
            };
            for (who, client) in clients.iter_mut() {
                for (label, uscc, park) in &variants {
                    let path = fill(route.path, uscc, park).replace(
                        "{id}",
                        match *label {
                            "own appeal" => "1",
                            "missing appeal" => "999999",
                            _ => "abc",
                        },
                    );
                    let r = if route.method == "GET" {
                        client.get(&path).await
                    } else {
                        // No CSRF token: every state-changing route refuses before doing anything.
                        client.request(route.method, &path, &[], b"").await
                    };
                    let expected: u16 = if route.method != "GET" {
                        // the bank API takes no CSRF token (a Bearer key, never a cookie): 401
                        if route.access == Access::Bank {
                            401
                        } else {
                            403
                        }
                    } else if *who == "anonymous" {
                        match route.access {
                            Access::Public => 200,
                            _ if route.is_api() => 401,
                            _ => 303,
                        }
                    } else if route.access == Access::Importer
                        && !matches!(*who, "admin" | "park-jiangbei" | "park-xingang")
                    {
                        403
                    } else {
                        expected_signed_in(route.path, who, label)
                    };
                    assert_eq!(
                        r.status,
                        expected,
                        "{} {path} as {who} ({label}): {}",
                        route.method,
                        r.text().chars().take(300).collect::<String>()
                    );
                    if route.is_api() && r.status >= 400 {
                        let j = r.json();
                        assert!(
                            j["code"].is_string() && j["message"].is_string(),
                            "{path}: {j}"
                        );
                    }
                    if r.status == 404 && (has_firm || has_appeal) {
                        // Forbidden and non-existent firms get the very same answer.
                        let prev = not_found_bodies
                            .entry(route.path)
                            .or_insert_with(|| r.body.clone());
                        assert_eq!(*prev, r.body, "{path} as {who}: 404 bodies differ");
                    }
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_cookie_csrf_lock_out_and_logout() {
    for s in servers().await {
        // The cookie is HttpOnly and SameSite=Lax.
        let mut c = s.client();
        let r = c.get("/login").await;
        let cookie = r.header("set-cookie").unwrap().to_string();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        assert!(!cookie.contains("Secure"), "not Secure unless configured");
        // Sign-in without the form token is refused.
        let r = c
            .post_form(
                "/login",
                &[("username", "admin"), ("password", &s.password("admin"))],
            )
            .await;
        assert_eq!(r.status, 403);
        // A wrong password: 401 and a message; the session id changes on success.
        let before = c.cookie.clone();
        let r = c.login("admin", "wrong-password").await;
        assert_eq!(r.status, 401);
        assert!(r.text().contains("用户名或密码错误"));
        let r = c.login("admin", &s.password("admin")).await;
        assert_eq!(r.status, 303);
        assert_ne!(c.cookie, before, "session id is replaced at sign-in");
        assert_eq!(c.get("/").await.status, 200);
        // Logout needs the token; afterwards the old cookie is worthless.
        let old = c.cookie.clone();
        assert_eq!(c.post_form("/logout", &[]).await.status, 403);
        let token = c.csrf_token().await;
        assert_eq!(
            c.post_form("/logout", &[("_csrf", &token)]).await.status,
            303
        );
        c.cookie = old;
        assert_eq!(c.get("/").await.status, 303);
        assert_eq!(c.get("/api/v1/me").await.status, 401);

        // Five failures lock the account, even for the right password; a reset lifts it.
        let mut c = s.client();
        for _ in 0..5 {
            assert_eq!(c.login("analyst", "nope-nope").await.status, 401);
        }
        let r = c.login("analyst", &s.password("analyst")).await;
        assert_eq!(r.status, 401);
        assert!(r.text().contains("锁定"), "{}", r.text());
        gaoxin_app::accounts::reset_password(&s.store, "analyst", "a-new-password")
            .await
            .unwrap();
        assert_eq!(c.login("analyst", "a-new-password").await.status, 303);
        // A disabled account cannot sign in.
        gaoxin_app::accounts::disable_user(&s.store, "analyst")
            .await
            .unwrap();
        let mut c = s.client();
        assert_eq!(c.login("analyst", "a-new-password").await.status, 401);
        // Unknown users look like wrong passwords.
        let r = c.login("nobody", "whatever-123").await;
        assert!(r.text().contains("用户名或密码错误"));
        // htmx requests without a session are told where to sign in.
        let r = s
            .client()
            .request("GET", "/enterprises", &[("HX-Request", "true")], b"")
            .await;
        assert_eq!(r.status, 401);
        assert!(r.header("hx-redirect").unwrap().starts_with("/login"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_park_list_and_firm_pages() {
    for s in servers().await {
        let mut admin = s.signed_in("admin").await;
        let r = admin.get("/").await;
        let html = r.text();
        assert_eq!(r.status, 200);
        assert!(
            r.header("content-security-policy")
                .unwrap()
                .contains("script-src 'self'")
        );
        for needle in [
            "各园区企业数",
            "创新型产业集群",
            "新赛道企业分布",
            "研发强度",
            "演示数据",
            "需要数据：全市高新技术企业总数",
            "高新区2025年发展目标",
            "南京市“十四五”科技创新主要指标",
            "江北新区",
            "export/parks?format=csv",
            "/static/vendor/echarts.min.js",
        ] {
            assert!(html.contains(needle), "dashboard lacks {needle}");
        }
        // The zone's JSON agrees with the store.
        let j = admin.get("/api/v1/summary").await.json();
        assert_eq!(j["firms"], 300);
        let rd = j["targets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == "z-rd-intensity")
            .unwrap();
        assert!(rd["current"].as_f64().unwrap() > 0.0 && rd["current_year"] == 2024);
        let needs = j["targets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == "z-hnte-share")
            .unwrap();
        assert!(needs["current"].is_null() && needs["needs"].is_string());

        // Park page.
        let html = admin.get("/parks/jiangbei").await.text();
        assert!(
            html.contains("江北新区")
                && html.contains("本园区的创新型产业集群")
                && html.contains("集成电路")
        );
        let csv = admin
            .get("/parks/jiangbei/export/clusters?format=csv")
            .await;
        assert!(csv.text().contains("集成电路"));
        assert!(
            csv.header("content-disposition")
                .unwrap()
                .contains("attachment")
        );
        let x = admin.get("/export/years?format=xlsx").await;
        assert!(x.body.starts_with(b"PK"));

        // Enterprise list: filters, paging, export of exactly what is shown.
        let all = admin.get("/api/v1/enterprises?page_size=500").await.json();
        assert_eq!(all["total"], 300);
        let jb = admin
            .get("/api/v1/enterprises?park=jiangbei&page_size=500")
            .await
            .json();
        let n_jb = jb["total"].as_u64().unwrap();
        assert!(n_jb > 0 && n_jb < 300);
        assert!(
            jb["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["park"] == "jiangbei")
        );
        let html = admin
            .get("/enterprises?park=jiangbei&sort=revenue")
            .await
            .text();
        assert!(
            html.contains(&format!("共 <strong>{n_jb}</strong> 家企业")),
            "list count"
        );
        let frag = admin
            .request(
                "GET",
                "/enterprises?park=jiangbei&page=2",
                &[("HX-Request", "true")],
                b"",
            )
            .await
            .text();
        assert!(!frag.contains("<html") && frag.contains("第 2 /"));
        let csv = admin
            .get("/enterprises/export?park=jiangbei&format=csv")
            .await
            .text();
        assert_eq!(
            csv.trim_end().lines().count() as u64,
            n_jb + 1,
            "header + every filtered row"
        );
        let sorted = admin
            .get("/api/v1/enterprises?sort=revenue&page_size=20")
            .await
            .json();
        let revs: Vec<i64> = sorted["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["revenue_fen"].as_i64().unwrap_or(0))
            .collect();
        assert!(
            revs.windows(2).all(|w| w[0] >= w[1]),
            "sorted by revenue: {revs:?}"
        );
        let year = admin
            .get("/api/v1/enterprises?year=2021&page_size=500")
            .await
            .json();
        assert!(
            year["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["year"] == 2021)
        );

        // One firm: identity, every field, provenance dots, charts data.
        let code = s.firm_in("jiangbei");
        let html = admin.get(&format!("/enterprises/{code}")).await.text();
        for f in gaoxin_model::FIELDS {
            assert!(
                html.contains(&minijinja_escape(f.zh)),
                "firm page lacks {}",
                f.zh
            );
        }
        assert!(html.contains("class=\"dot dot-") && html.contains("来源："));
        assert!(html.contains("chart-firm-money") && html.contains("万元"));
        let j = admin
            .get(&format!("/api/v1/enterprises/{code}"))
            .await
            .json();
        assert_eq!(j["uscc"], code.as_str());
        assert!(j["facts"][0]["values"]["revenue"]["provenance"].is_string());
        // Terms in the text link to their 术语说明 entry (the first occurrence), which exists.
        let dash = admin.get("/").await.text();
        let at = dash
            .find("<a class=\"term\" href=\"/glossary#")
            .expect("a term link on the dashboard");
        let anchor = &dash[at + 32..];
        let anchor = &anchor[..anchor.find('"').unwrap()];
        let glossary = admin.get("/glossary").await.text();
        assert!(glossary.contains(&format!("id=\"{anchor}\"")), "{anchor}");
        assert!(
            !glossary.contains("class=\"term\""),
            "the glossary links no terms to itself"
        );
        // Industry by name (GB/T 4754-2017), not the bare code; names in pinyin order.
        let label = gaoxin_model::industry::industry_label(j["industry"].as_str().unwrap());
        assert!(
            label.len() > 6 && html.contains(&label),
            "firm page lacks {label}"
        );
        let keys: Vec<String> = all["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| gaoxin_model::name_order::sort_key(e["name"].as_str().unwrap()))
            .collect();
        assert!(keys.windows(2).all(|w| w[0] <= w[1]), "names by pinyin");
        // Every export workbook says what it holds: a 说明 sheet with 数据截至 and the scope.
        for (who, path, scope) in [
            (
                "admin",
                "/enterprises/export?format=xlsx",
                "全区（十五个园区）",
            ),
            (
                "park-jiangbei",
                "/enterprises/export?format=xlsx",
                "江北新区",
            ),
            ("admin", "/clusters/export.xlsx", "全区（十五个园区）"),
        ] {
            use calamine::Reader;
            let mut c = s.signed_in(who).await;
            let x = c.get(path).await;
            assert_eq!(x.status, 200, "{path}");
            let mut wb = calamine::Xlsx::new(std::io::Cursor::new(x.body.clone())).unwrap();
            assert_eq!(wb.sheet_names().last().unwrap(), "说明", "{path}");
            let note = wb.worksheet_range("说明").unwrap();
            let text: Vec<String> = note
                .rows()
                .flat_map(|r| r.iter().map(|c| c.to_string()))
                .collect();
            assert_eq!(text[0], "数据截至", "{path}");
            assert!(
                text[1].contains("北京时间") || text[1] == "尚无导入或计算记录",
                "{text:?}"
            );
            assert_eq!(
                text[2..4],
                ["数据范围".to_string(), scope.to_string()],
                "{path}"
            );
        }
        let csv = admin.get("/enterprises/export?format=csv").await.text();
        assert!(csv.lines().next().unwrap().contains("行业代码,行业名称"));
        let x = admin
            .get(&format!("/enterprises/{code}/export?format=xlsx"))
            .await;
        assert!(x.body.starts_with(b"PK"));
    }
}

fn minijinja_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&#34;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_names_and_search_strings() {
    for s in servers().await {
        let mut admin = s.signed_in("admin").await;
        // The hostile name renders as text everywhere.
        let hostile = s
            .firms
            .iter()
            .find(|e| e.name == HOSTILE)
            .unwrap()
            .uscc
            .as_str()
            .to_string();
        for path in [
            format!("/enterprises/{hostile}"),
            format!("/enterprises?q={}", enc("alert(1)")),
        ] {
            let html = admin.get(&path).await.text();
            assert!(
                !html.contains("<script>alert(1)"),
                "{path} renders raw script"
            );
            assert!(html.contains("&lt;script&gt;alert(1)&lt;"), "{path}");
        }
        // Search strings are literal: quotes, %, _, SQL fragments.
        let names: Vec<&str> = s.firms.iter().map(|e| e.name.as_str()).collect();
        for q in [
            "%",
            "_",
            "'",
            "\"",
            "' OR '1'='1",
            "'; DROP TABLE enterprises; --",
            "%_",
            "\\",
            "南京",
            "alert(1)",
            "100%",
            "测试%_公司",
        ] {
            let expected = names.iter().filter(|n| n.contains(q)).count() as u64
                + s.firms
                    .iter()
                    .filter(|e| {
                        !e.name.contains(q) && e.uscc.as_str().contains(&q.to_ascii_uppercase())
                    })
                    .count() as u64;
            let r = admin
                .get(&format!("/api/v1/enterprises?q={}&page_size=500", enc(q)))
                .await;
            assert_eq!(r.status, 200, "q={q}");
            assert_eq!(r.json()["total"].as_u64().unwrap(), expected, "q={q}");
            let page = admin.get(&format!("/enterprises?q={}", enc(q))).await;
            assert_eq!(page.status, 200, "q={q}");
        }
        // Still all there.
        assert_eq!(admin.get("/api/v1/enterprises").await.json()["total"], 300);
        // Credit-code search.
        let code = s.firm_in("jiangbei");
        let j = admin
            .get(&format!(
                "/api/v1/enterprises?q={}",
                &code[..12].to_ascii_lowercase()
            ))
            .await
            .json();
        assert!(
            j["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["uscc"] == code.as_str())
        );
    }
}

async fn wait_job(c: &mut common::Client, id: &str) -> serde_json::Value {
    for _ in 0..600 {
        let j = c.get(&format!("/api/v1/imports/{id}")).await.json();
        if j["state"] != "running" {
            return j;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("import job {id} did not finish");
}

/// Replaces the cell `column` of data row `row` (1-based, after the header) in a CSV export.
pub fn corrupt_csv(csv: &str, row: usize, column: &str, value: &str) -> String {
    let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
    let header: Vec<&str> = lines[0].trim_start_matches('\u{feff}').split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == column)
        .unwrap_or_else(|| panic!("no column {column} in {header:?}"));
    let mut cells: Vec<String> = lines[row].split(',').map(str::to_string).collect();
    assert!(!lines[row].contains('"'), "pick a row without quoted cells");
    cells[col] = value.into();
    lines[row] = cells.join(",");
    lines.join("\r\n") + "\r\n"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_report_row_errors_and_write_nothing() {
    for s in servers().await {
        let mut admin = s.signed_in("admin").await;
        let token = admin.csrf_token().await;
        let export = gaoxin_ingest::export_bytes(
            &s.store,
            &s.zone,
            &gaoxin_store::Scope::Park(gaoxin_model::ParkId::parse("jiangbei").unwrap()),
            None,
            Some(gaoxin_model::Year::new(2024).unwrap()),
            gaoxin_ingest::ExportFormat::Csv,
        )
        .await
        .unwrap();
        let csv = String::from_utf8(export).unwrap();
        let bad = corrupt_csv(&csv, 2, "从业人员（人）", "很多");
        let before = s.count_facts().await;
        let summary_before = admin.get("/api/v1/summary").await.json();

        // API upload (CSRF header): errors with row and column, nothing written.
        let r = admin
            .post_multipart(
                "/api/v1/imports",
                &[("X-CSRF-Token", &token)],
                &[],
                ("bad.csv", bad.as_bytes()),
            )
            .await;
        assert_eq!(r.status, 202, "{}", r.text());
        let j = wait_job(&mut admin, r.json()["id"].as_str().unwrap()).await;
        assert_eq!(j["state"], "done");
        assert_eq!(j["ok"], false);
        assert_eq!(j["error_count"], 1, "{j}");
        // Data row 2 is row 3 of the sheet (the header is row 1), CRLF line endings or not.
        assert_eq!(j["errors"][0]["row"].as_u64(), Some(3), "{j}");
        assert!(
            j["errors"][0]["column"]
                .as_str()
                .unwrap()
                .contains("从业人员")
        );
        assert!(j["errors"][0]["message"].as_str().unwrap().contains("很多"));
        assert_eq!(s.count_facts().await, before, "nothing written");
        assert_eq!(admin.get("/api/v1/summary").await.json(), summary_before);
        let id = j["id"].as_str().unwrap().to_string();
        let html = admin.get(&format!("/upload/jobs/{id}")).await.text();
        assert!(
            html.contains("未写入任何数据")
                && html.contains("很多")
                && html.contains("errors.xlsx")
        );
        let x = admin.get(&format!("/upload/jobs/{id}/errors.xlsx")).await;
        assert!(x.body.starts_with(b"PK"));
        // Other users cannot see the job.
        let mut other = s.signed_in("park-jiangbei").await;
        assert_eq!(
            other.get(&format!("/api/v1/imports/{id}")).await.status,
            404
        );

        // The browser form (multipart with the `_csrf` part, htmx header): the job fragment polls.
        let r = admin
            .post_multipart(
                "/upload",
                &[("HX-Request", "true")],
                &[("_csrf", &token)],
                ("bad.csv", bad.as_bytes()),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert!(
            r.text().contains("hx-trigger=\"every 700ms\"") || r.text().contains("未写入任何数据")
        );
        // Without a token: refused.
        let r = admin
            .post_multipart("/upload", &[], &[], ("bad.csv", bad.as_bytes()))
            .await;
        assert_eq!(r.status, 403);

        // A park administrator's upload of another park's rows: row errors, nothing written.
        let mut xg = s.signed_in("park-xingang").await;
        let t = xg.csrf_token().await;
        let r = xg
            .post_multipart(
                "/api/v1/imports",
                &[("X-CSRF-Token", &t)],
                &[],
                ("jb.csv", csv.as_bytes()),
            )
            .await;
        let j = wait_job(&mut xg, r.json()["id"].as_str().unwrap()).await;
        assert_eq!(j["ok"], false);
        assert!(j["error_count"].as_u64().unwrap() > 0);
        assert_eq!(s.count_facts().await, before);

        // The good file imports (unchanged rows) and the park administrator of jiangbei may too.
        let mut jb = s.signed_in("park-jiangbei").await;
        let t = jb.csrf_token().await;
        let r = jb
            .post_multipart(
                "/api/v1/imports",
                &[("X-CSRF-Token", &t)],
                &[],
                ("jb.csv", csv.as_bytes()),
            )
            .await;
        let j = wait_job(&mut jb, r.json()["id"].as_str().unwrap()).await;
        assert_eq!(j["ok"], true, "{j}");
        assert!(j["summary"].as_str().unwrap().contains("导入成功"));
        assert_eq!(s.count_facts().await, before);

        // A changed value is written (an implausible one once its warnings are accepted) and the
        // dashboard cache is refreshed.
        let rev_col = "营业收入（万元）";
        let changed = corrupt_csv(&csv, 1, rev_col, "99999999");
        let r = admin
            .post_multipart(
                "/api/v1/imports",
                &[("X-CSRF-Token", &token)],
                &[("accept_warnings", "1")],
                ("c.csv", changed.as_bytes()),
            )
            .await;
        let j = wait_job(&mut admin, r.json()["id"].as_str().unwrap()).await;
        assert_eq!(j["ok"], true, "{j}");
        // the figures from before the import are served (and flagged) while the new ones are
        // computed in the background; then the new ones
        let t = std::time::Instant::now();
        loop {
            let r = admin.get("/api/v1/summary").await;
            if r.json()["years"] != summary_before["years"] {
                break;
            }
            assert_eq!(
                r.header("x-data-updating"),
                Some("1"),
                "stale but not flagged"
            );
            assert!(
                t.elapsed() < std::time::Duration::from_secs(60),
                "dashboard never recomputed after the import"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_lists_every_api_route_and_static_files_are_cached() {
    let s = start(testing::sqlite().await.unwrap()).await;
    let mut c = s.client();
    let doc = c.get("/api/v1/openapi.json").await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let api: Vec<_> = route_table().into_iter().filter(|r| r.is_api()).collect();
    assert!(api.len() >= 8);
    for r in api {
        let op = &doc["paths"][r.path][r.method.to_ascii_lowercase()];
        assert!(
            op.is_object(),
            "OpenAPI document lacks {} {}",
            r.method,
            r.path
        );
    }
    let paths = doc["paths"].as_object().unwrap();
    for p in paths.keys() {
        assert!(
            route_table().iter().any(|r| r.path == *p),
            "documented path {p} does not exist"
        );
    }
    // Static files: long cache, gzip when asked.
    let r = c
        .request(
            "GET",
            "/static/vendor/echarts.min.js",
            &[("Accept-Encoding", "gzip")],
            b"",
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.header("cache-control").unwrap().contains("immutable"));
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    assert!(r.body.len() < 600_000, "compressed: {}", r.body.len());
    assert_eq!(c.get("/static/nope.js").await.status, 404);
    assert_eq!(c.get("/healthz").await.text(), "ok");
    // the server is ready (`serve` waited for it) and stays ready
    assert_eq!(c.get("/readyz").await.text(), "ready");
    // Unknown pages: 404 page; unknown API paths: JSON.
    let mut admin = s.signed_in("admin").await;
    assert!(admin.get("/nowhere").await.text().contains("页面不存在"));
    assert_eq!(
        admin.get("/api/v1/nowhere").await.json()["code"],
        "not_found"
    );
}
