//! Every workbook the web platform offers (every GET route of the route table that exports:
//! a path ending in `.xlsx` or naming `export`) carries the 「说明」 sheet — 数据截至, the reader's
//! scope, the export's time — as the zone administrator downloads it, on SQLite and PostgreSQL.
//! A new export route is walked without being listed here: it fails until it carries the sheet.
mod common;

use calamine::Reader;
use gaoxin_store::testing;
use gaoxin_web::route_table;

/// Blank forms to fill in, not data: they carry their own 填写说明 and no 数据截至.
const FORMS: &[&str] = &[
    "/upload/template.xlsx",
    "/appeals/template.xlsx",
    "/payouts/template.xlsx",
    "/talents/template.xlsx",
    "/rdi/template.xlsx",
    "/tracks/template.xlsx",
    "/leads/template.xlsx",
    "/carriers/template.xlsx",
];

/// The URL the walk downloads for an export route: parameters filled, `format=xlsx` where the
/// route serves several formats, the query a page's link adds where one is needed.
fn url(path: &str, park: &str, uscc: &str) -> String {
    let p = path
        .replace("{table}", "years")
        .replace("{park}", park)
        .replace("{uscc}", uscc)
        .replace("{cluster}", "c01")
        .replace("{job}", "0123456789abcdef");
    let query = match path {
        "/reform/export.xlsx" => "year=2024",
        "/ecosystem/isolated.xlsx" => "tier=hightech&q=%E5%85%AC%E5%8F%B8",
        "/policies/group.xlsx" => "year=2024",
        "/reform/compare.xlsx" => "year=2024&file=unicorn_cap_300&file=incentive_share_60&actual=1",
        p if !p.ends_with(".xlsx") => "format=xlsx",
        _ => "",
    };
    if query.is_empty() {
        p
    } else {
        format!("{p}?{query}")
    }
}

/// The rows of the workbook's 「说明」 sheet as (label, text).
fn note_rows(body: &[u8]) -> Result<Vec<(String, String)>, String> {
    let mut x = calamine::Xlsx::new(std::io::Cursor::new(body.to_vec()))
        .map_err(|e| format!("not an xlsx: {e}"))?;
    let names = x.sheet_names().to_vec();
    if names.last().map(String::as_str) != Some("说明") {
        return Err(format!("no 说明 sheet at the end: {names:?}"));
    }
    let r = x.worksheet_range("说明").map_err(|e| e.to_string())?;
    Ok(r.rows()
        .map(|row| {
            (
                row.first().map(|c| c.to_string()).unwrap_or_default(),
                row.get(1).map(|c| c.to_string()).unwrap_or_default(),
            )
        })
        .collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_web_workbook_has_its_note_sheet() {
    for store in testing::all().await.unwrap() {
        let s = common::start(store).await;
        let firm = s.firm_in("jiangbei");
        // institutions and their evaluation, so that /rdi/report.xlsx has a report to export
        gaoxin_app::rdi_demo::load(&s.store, &s.zone, &s.firms, 5, 2022, 2024)
            .await
            .unwrap();
        // carriers evaluated, so that /carriers/evaluation.xlsx has an evaluation to export
        gaoxin_app::carrier_demo::load(&s.store, &s.zone, &s.firms, 5, 2022, 2024)
            .await
            .unwrap();
        let mut c = s.signed_in("admin").await;
        common::wait_for_rules_run(&mut c, "").await;
        let mut walked = Vec::new();
        let mut failures = Vec::new();
        for route in route_table() {
            let exports = route.path.ends_with(".xlsx") || route.path.contains("export");
            if route.method != "GET" || !exports || route.is_api() {
                continue;
            }
            if FORMS.contains(&route.path) || route.path.ends_with("/errors.xlsx") {
                // the error report of an upload describes the uploaded file, not the data
                continue;
            }
            let u = url(route.path, "jiangbei", &firm);
            let r = c.get(&u).await;
            walked.push(u.clone());
            if r.status != 200 {
                failures.push(format!("{u}: {} {}", r.status, r.text()));
                continue;
            }
            match note_rows(&r.body) {
                Ok(rows) => {
                    let labels: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
                    if labels != ["数据截至", "数据范围", "导出时间"] {
                        failures.push(format!("{u}: 说明 rows {rows:?}"));
                    } else if rows[1].1 != "全区（十五个园区）" {
                        failures.push(format!("{u}: scope {:?}", rows[1].1));
                    }
                }
                Err(e) => failures.push(format!("{u}: {e}")),
            }
        }
        assert!(walked.len() >= 25, "walked only {walked:?}");
        assert!(
            failures.is_empty(),
            "{} of {} exports without their 说明 sheet:\n{}",
            failures.len(),
            walked.len(),
            failures.join("\n")
        );
    }
}

/// The parts of the firm page loaded after it (梯度 and 积分, htmx) link the glossary's terms in
/// their running text as the page does — never in headings, tables or the summary's headings.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sections_loaded_after_the_page_link_their_terms() {
    for store in testing::all().await.unwrap() {
        let s = common::start(store).await;
        gaoxin_app::indicators::run_points(&s.store, gaoxin_model::Year::new(2024).unwrap())
            .await
            .unwrap();
        let own = s.own_firm().await;
        let mut firm = s.signed_in("firm").await;
        let ladder = firm.get(&format!("/enterprises/{own}/ladder")).await;
        assert_eq!(ladder.status, 200);
        let t = ladder.text();
        assert!(
            t.contains("<a class=\"term\" href=\"/glossary#"),
            "梯度 section without term links: {}",
            &t[..t.len().min(3000)]
        );
        assert!(!t.contains("<h2 id=\"h-ladder\"><a"), "never in a heading");
        let points = firm.get(&format!("/enterprises/{own}/points")).await;
        assert_eq!(points.status, 200);
        let t = points.text();
        assert!(
            t.contains("<a class=\"term\" href=\"/glossary#创新积分\">创新积分</a>"),
            "积分 section without its term link: {}",
            &t[..t.len().min(3000)]
        );
        assert!(t.contains("<h2 id=\"h-points\">创新积分</h2>"));
    }
}

/// The JSON API gives each firm's industry name beside its code (`industry_name`, added; the
/// `industry` code unchanged), and the OpenAPI document describes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_names_industries_beside_their_codes() {
    for store in testing::all().await.unwrap() {
        let s = common::start(store).await;
        let mut c = s.signed_in("admin").await;
        let list = c.get("/api/v1/enterprises?page_size=50").await.json();
        let items = list["items"].as_array().expect("items");
        assert!(!items.is_empty());
        for it in items {
            let code = it["industry"].as_str().expect("industry code kept");
            let name = it["industry_name"].as_str().unwrap_or_default();
            assert_eq!(
                Some(name.to_string()),
                gaoxin_model::industry::industry_description(code),
                "{it}"
            );
            assert!(!name.is_empty() && !name.contains(code), "{code}: {name}");
        }
        let uscc = s.firm_in("jiangbei");
        let one = c.get(&format!("/api/v1/enterprises/{uscc}")).await.json();
        let code = one["industry"].as_str().unwrap();
        assert_eq!(
            one["industry_name"].as_str().map(str::to_string),
            gaoxin_model::industry::industry_description(code)
        );
        let doc = c.get("/api/v1/openapi.json").await.json();
        for schema in ["EnterpriseItem", "EnterpriseDetail"] {
            let p = &doc["components"]["schemas"][schema]["properties"]["industry_name"];
            assert!(
                p["description"]
                    .as_str()
                    .is_some_and(|d| d.contains("GB/T 4754-2017")),
                "{schema}: {p}"
            );
        }
    }
}

/// The firm list's 行业门类 filter offers the GB/T 4754 sections the firms in the reader's scope
/// have, named by the data file — not a fixed list.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_industry_filter_lists_the_sections_in_the_data() {
    for store in testing::all().await.unwrap() {
        let s = common::start(store).await;
        for (role, park) in [("admin", None), ("park-jiangbei", Some("jiangbei"))] {
            let mut want: Vec<String> = s
                .firms
                .iter()
                .filter(|e| park.is_none_or(|p| e.park.as_str() == p))
                .map(|e| e.industry.as_str()[..1].to_string())
                .collect();
            want.sort();
            want.dedup();
            let mut c = s.signed_in(role).await;
            let html = c.get("/enterprises").await.text();
            let select = html
                .split("<select id=\"f-industry\"")
                .nth(1)
                .and_then(|t| t.split("</select>").next())
                .expect("the 行业门类 filter");
            let options: Vec<String> = select
                .split("<option value=\"")
                .skip(2) // the select's own text, then 全部
                .map(|o| o.split('"').next().unwrap().to_string())
                .collect();
            assert_eq!(options, want, "{role}: {select}");
            for k in &want {
                let name = gaoxin_model::industry::industry_name(k).expect("a section name");
                assert!(select.contains(&format!("{k} {name}</option>")), "{select}");
            }
        }
        // a section no firm has is not offered
        assert!(
            s.firms
                .iter()
                .all(|e| !e.industry.as_str().starts_with('A'))
        );
        let mut c = s.signed_in("admin").await;
        assert!(
            !c.get("/enterprises")
                .await
                .text()
                .contains("农、林、牧、渔业")
        );
    }
}

/// Whether a table cell shows money as the shared formatter does: thousands separators and two
/// decimals (`12,345.68`), or 「—」.
fn formatted_money(cell: &str) -> bool {
    if cell == "—" {
        return true;
    }
    let cell = cell.strip_prefix('-').unwrap_or(cell);
    let Some((int, dec)) = cell.split_once('.') else {
        return false;
    };
    let groups: Vec<&str> = int.split(',').collect();
    dec.len() == 2
        && dec.bytes().all(|b| b.is_ascii_digit())
        && (1..=3).contains(&groups[0].len())
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
        && groups[1..].iter().all(|g| g.len() == 3)
}

/// A cluster's members, its yearly series and a park's cells show revenue through the shared
/// money formatter (万元 or 亿元 with thousands separators and two decimals).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_revenue_uses_the_money_formatter() {
    assert!(formatted_money("12,345.68") && !formatted_money("12345.7"));
    for store in testing::all().await.unwrap() {
        let s = common::start(store).await;
        let mut c = s.signed_in("admin").await;
        let mut cells = 0;
        for (url, table, col) in [
            ("/clusters/c01?year=2024", "h-members", 3),
            ("/clusters/c01?year=2024", "series-table", 3),
            ("/clusters/parks/jiangbei?year=2024", "park-cells", 3),
        ] {
            let html = c.get(url).await.text();
            let part = html
                .split(&format!("id=\"{table}\""))
                .nth(1)
                .and_then(|t| t.split("</table>").next())
                .unwrap_or_else(|| panic!("{url}: no {table}"));
            for row in part.split("<tr").skip(2) {
                let tds: Vec<&str> = row.split("<td").skip(1).collect();
                let Some(td) = tds.get(col) else { continue };
                let text = td
                    .split('>')
                    .nth(1)
                    .unwrap_or("")
                    .split('<')
                    .next()
                    .unwrap();
                assert!(formatted_money(text), "{url} {table}: 「{text}」");
                cells += 1;
            }
        }
        assert!(cells > 10, "only {cells} cells checked");
        // a park's 区位熵 and 集中度 with two decimals each (were 「1.4」 beside 「6.42」, 「37.2%」)
        let html = c.get("/clusters/parks/jiangbei?year=2024").await.text();
        let part = html.split("id=\"park-cells\"").nth(1).unwrap();
        let part = part.split("</table>").next().unwrap();
        for row in part.split("<tr").skip(2) {
            let tds: Vec<&str> = row.split("<td").skip(1).collect();
            let text = |i: usize| tds[i].split('>').nth(1).unwrap().split('<').next().unwrap();
            let (lq, focus) = (text(4), text(5));
            assert!(lq == "—" || formatted_money(lq), "区位熵 「{lq}」");
            assert!(
                focus == "—" || focus.strip_suffix('%').is_some_and(formatted_money),
                "集中度 「{focus}」"
            );
        }
    }
}

/// The demo's firm account is chosen by the data (the first park's largest firm by revenue in the
/// latest year), not by name: renaming every firm of the park (so another sorts first) chooses
/// the same firm.
#[tokio::test]
async fn the_demo_firm_account_does_not_depend_on_names() {
    let zone = common::zone();
    let firm_of = |accounts: &[(String, String, String)]| {
        accounts
            .iter()
            .find(|a| a.0 == "firm")
            .map(|a| a.2.clone())
            .expect("a firm account")
    };
    gaoxin_app::accounts::use_fast_hashing_for_tests();
    let a = testing::sqlite().await.unwrap();
    common::load_fixture(&a, &zone).await;
    let first = gaoxin_app::accounts::ensure_demo_accounts(&a, &zone)
        .await
        .unwrap();
    let b = testing::sqlite().await.unwrap();
    let (mut firms, _) = common::load_fixture(&b, &zone).await;
    firms.retain(|e| e.park == "jiangbei");
    let n = firms.len();
    for (i, e) in firms.iter_mut().enumerate() {
        // the order by name reversed against the order before
        e.name = format!("南京{:04}号科技有限公司", n - i);
    }
    let mut tx = b.begin_import().await.unwrap();
    tx.write_enterprises(&firms).await.unwrap();
    tx.commit().await.unwrap();
    let second = gaoxin_app::accounts::ensure_demo_accounts(&b, &zone)
        .await
        .unwrap();
    assert!(firm_of(&first).contains("企业用户") && firm_of(&second).contains("企业用户"));
    let uscc = |u: gaoxin_store::UserRecord| u.role.uscc().unwrap().as_str().to_string();
    let was = uscc(a.user("firm").await.unwrap().unwrap());
    let now = uscc(b.user("firm").await.unwrap().unwrap());
    assert_eq!(was, now, "renaming the park's firms changed the demo firm");
}

/// A pace of at least doubling a year reads as a multiple: the fixture's 上市企业数 (1 firm, 130
/// wanted in 2025) asks 「每年增至130.00倍」, never 「12,900.00%」.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn targets_show_a_required_multiple_not_a_huge_percentage() {
    let s = common::start(testing::sqlite().await.unwrap()).await;
    let mut c = s.signed_in("admin").await;
    let t = c.get("/targets").await.text();
    assert!(t.contains("上市企业数"), "{}", &t[..t.len().min(2000)]);
    assert!(
        !t.contains("12,900.00%"),
        "a required pace as a huge percentage"
    );
    assert!(t.contains("每年增至130.00倍"));
}

/// A target already reached asks no pace: its 「所需增速」 cell reads 已达成, never a negative rate
/// (「-15.09%」 once read as if the zone had to shrink).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reached_target_shows_no_required_pace() {
    let s = common::start(testing::sqlite().await.unwrap()).await;
    let mut c = s.signed_in("admin").await;
    let t = c.get("/targets").await.text();
    let reached: Vec<&str> = t
        .split("<tr>")
        .filter(|row| row.contains("status achieved"))
        .collect();
    assert!(!reached.is_empty(), "the fixture reaches no target");
    for row in reached {
        let pace = row.split("<td").nth(5).unwrap_or_default();
        assert!(pace.contains("/ 已达成"), "{pace}");
        assert!(!pace.contains("/ -"), "a negative required pace: {pace}");
    }
}
