//! End-to-end tests in real headless Chromium, driven through chromedriver (W3C WebDriver over
//! HTTP, spoken directly with the test harness's small HTTP client).
//!
//! Needs Debian's `chromium`, `chromium-driver` and `fonts-noto-cjk`. Without them the test is
//! skipped with a notice — except under CI (`CI` set), where it fails.
//! Screenshots are written to `$CARGO_TARGET_TMPDIR/screenshots/`.
mod common;

use common::driver::{Driver, sign_in, tools_present};
use common::{HOSTILE, start};
use gaoxin_store::testing;
use serde_json::json;
use std::time::Duration;

/// Hovering the dashboard's charts shows their tooltips without breaking the
/// Content-Security-Policy (no inline styles: ECharts draws the tooltip in the canvas); the 目标
/// page's progress bars (SVG) and the password page break it neither. Starts on the dashboard.
async fn no_csp_violations(d: &mut Driver, base: &str) {
    d.js(
        "for (const box of document.querySelectorAll('.chart')) {            const r = box.getBoundingClientRect();            for (const f of [0.3, 0.5, 0.7]) {              const o = {bubbles: true, clientX: r.left + r.width * f, clientY: r.top + r.height * f};              const t = box.querySelector('canvas') || box;              t.dispatchEvent(new MouseEvent('mousemove', o));            }          }",
        json!([]),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        d.errors().await,
        Vec::<String>::new(),
        "console errors (CSP) after hovering the dashboard's charts"
    );
    // The 目标 page's progress bars (SVG, drawn with a width) and the password page: no CSP
    // violation either.
    d.goto(&format!("{base}/targets")).await;
    let bars = d
        .wait_for(
            "progress bars",
            "const b = [...document.querySelectorAll('svg.bar rect')].filter(r => r.getBBox().width >= 0); return b.length;",
        )
        .await;
    assert!(bars.as_u64().unwrap() > 0, "{bars}");
    assert_eq!(
        d.errors().await,
        Vec::<String>::new(),
        "console errors on /targets"
    );
    d.goto(&format!("{base}/account/password")).await;
    d.wait_for(
        "password page",
        "return document.querySelector('#new_password') !== null;",
    )
    .await;
    assert_eq!(
        d.errors().await,
        Vec::<String>::new(),
        "console errors on /account/password"
    );
}

// The scenario's state machine needs more than the test thread's 2 MB of stack in a debug
// build: it runs on a thread of its own with 16 MB.
#[test]
fn browser_scenarios() {
    let run = std::thread::Builder::new()
        .stack_size(16 << 20)
        .spawn(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("tokio runtime")
                .block_on(browser_scenarios_run())
        })
        .expect("test thread")
        .join();
    if let Err(panic) = run {
        std::panic::resume_unwind(panic);
    }
}

async fn browser_scenarios_run() {
    if !tools_present() {
        return;
    }
    let s = start(testing::sqlite().await.unwrap()).await;
    let base = format!("http://{}", s.addr);
    let mut d = Driver::start().await;

    // Sign in; the dashboard's charts render (canvas with a size) without console errors.
    sign_in(&mut d, &s, "admin").await;
    let charts = d
        .wait_for(
            "charts",
            "const c = [...document.querySelectorAll('.chart canvas')].filter(x => x.width > 0 && x.height > 0); return c.length >= 4 ? c.length : 0;",
        )
        .await;
    assert!(charts.as_u64().unwrap() >= 4, "{charts}");
    assert_eq!(
        d.errors().await,
        Vec::<String>::new(),
        "console errors on the dashboard"
    );
    let title = d
        .js(
            "return document.querySelector('h1').textContent;",
            json!([]),
        )
        .await;
    assert!(title.as_str().unwrap().contains("南京高新区"));
    d.screenshot("dashboard.png").await;

    Box::pin(no_csp_violations(&mut d, &base)).await;
    d.goto(&base).await;

    // Filter the enterprise list (htmx), then search.
    d.goto(&format!("{base}/enterprises")).await;
    d.wait_for(
        "list",
        "return document.querySelector('table.list tbody tr') !== null;",
    )
    .await;
    d.js(
        "const s = document.getElementById('f-park'); s.value = 'jiangbei'; s.dispatchEvent(new Event('change', {bubbles: true}));",
        json!([]),
    )
    .await;
    d.wait_for(
        "park filter applied",
        "return location.search.includes('park=jiangbei');",
    )
    .await;
    d.wait_for(
        "filtered rows",
        "const rows = [...document.querySelectorAll('table.list tbody tr')]; return rows.length > 0 && rows.every(r => r.children[2].textContent === '江北新区');",
    )
    .await;
    let n_jb = s.firms.iter().filter(|e| e.park == "jiangbei").count();
    let count = d
        .js(
            "return document.querySelector('.count strong').textContent;",
            json!([]),
        )
        .await;
    assert_eq!(count.as_str().unwrap(), n_jb.to_string());
    d.screenshot("enterprises.png").await;

    // Open a firm from the list.
    let href = d
        .js(
            "return document.querySelector('table.list tbody tr a').getAttribute('href');",
            json!([]),
        )
        .await;
    d.click("table.list tbody tr a").await;
    d.wait_for(
        "firm page",
        "return document.querySelector('table.facts') !== null;",
    )
    .await;
    let url = d.js("return location.pathname;", json!([])).await;
    assert_eq!(url, href);
    d.wait_for("firm charts", "return [...document.querySelectorAll('.chart canvas')].filter(x => x.width > 0).length >= 2;").await;
    // The firm's ladder (htmx fragment): the rungs, its current rung and each rule's verdict badge.
    let level = d
        .wait_for(
            "firm ladder",
            "const l = document.querySelector('#ladder-slot .firm-level'); return l && document.querySelectorAll('#ladder-slot ol.ladder li').length >= 5 && document.querySelectorAll('#ladder-slot details.rule .badge').length >= 5 ? l.textContent : null;",
        )
        .await;
    assert!(!level.as_str().unwrap_or("").is_empty());
    d.screenshot("firm-ladder.png").await;
    assert_eq!(
        d.errors().await,
        Vec::<String>::new(),
        "console errors on the firm page"
    );

    // The hostile name is text.
    let hostile = s
        .firms
        .iter()
        .find(|e| e.name == HOSTILE)
        .unwrap()
        .uscc
        .as_str()
        .to_string();
    d.goto(&format!("{base}/enterprises/{hostile}")).await;
    let h1 = d.wait_for("hostile h1", "return document.querySelector('h1') && document.querySelector('h1').firstChild.textContent;").await;
    assert!(
        h1.as_str()
            .unwrap()
            .starts_with("<script>alert(1)</script>")
    );
    assert_eq!(d.errors().await, Vec::<String>::new());

    // Upload a file with one bad row: the row/column message shows, nothing is written.
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
    let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
    let header: Vec<&str> = lines[0].trim_start_matches('\u{feff}').split(',').collect();
    let col = header.iter().position(|h| *h == "从业人员（人）").unwrap();
    let row = (1..lines.len()).find(|i| !lines[*i].contains('"')).unwrap();
    let mut cells: Vec<String> = lines[row].split(',').map(str::to_string).collect();
    cells[col] = "三百".into();
    lines[row] = cells.join(",");
    let file = std::env::temp_dir().join(format!("gx-bad-{}.csv", std::process::id()));
    std::fs::write(&file, lines.join("\r\n") + "\r\n").unwrap();
    let before = s.count_facts().await;
    d.goto(&format!("{base}/upload")).await;
    d.type_into("#file", file.to_str().unwrap()).await;
    d.click("#upload-form button[type=submit]").await;
    let result = d
        .wait_for(
            "import result",
            "const r = document.getElementById('import-result'); return r && r.textContent;",
        )
        .await;
    assert!(
        result.as_str().unwrap().contains("未写入任何数据"),
        "{result}"
    );
    let err = d.js("const c = document.querySelector('table.errors tbody tr').children; return [c[0].textContent, c[1].textContent, c[2].textContent];", json!([])).await;
    // `lines[row]` is sheet row `row + 1` (the header is row 1), as Excel shows it.
    assert_eq!(
        err[0].as_str().unwrap().trim(),
        (row + 1).to_string(),
        "{err}"
    );
    assert!(err[1].as_str().unwrap().contains("从业人员"), "{err}");
    assert!(err[2].as_str().unwrap().contains("三百"), "{err}");
    assert_eq!(s.count_facts().await, before, "nothing written");
    assert_eq!(d.errors().await, Vec::<String>::new());
    d.screenshot("upload-errors.png").await;

    // A park administrator cannot open another park's firm, by URL or by API.
    d.click(".who button").await;
    d.wait_for("signed out", "return location.pathname === '/login';")
        .await;
    sign_in(&mut d, &s, "park-jiangbei").await;
    let other = s.firm_in("xingang");
    d.goto(&format!("{base}/enterprises/{other}")).await;
    let h1 = d
        .wait_for(
            "404 page",
            "return document.querySelector('h1') && document.querySelector('h1').textContent;",
        )
        .await;
    assert_eq!(h1, "页面不存在");
    assert!(
        !d.js("return document.body.textContent;", json!([]))
            .await
            .as_str()
            .unwrap()
            .contains(&other)
    );
    let status = d
        .cmd(
            "POST",
            "/execute/async",
            json!({"script": "const done = arguments[arguments.length - 1]; fetch(arguments[0]).then(r => done(r.status));", "args": [format!("/api/v1/enterprises/{other}")]}),
        )
        .await;
    assert_eq!(status, 404);
    let own = s.firm_in("jiangbei");
    let status = d
        .cmd(
            "POST",
            "/execute/async",
            json!({"script": "const done = arguments[arguments.length - 1]; fetch(arguments[0]).then(r => done(r.status));", "args": [format!("/api/v1/enterprises/{own}")]}),
        )
        .await;
    assert_eq!(status, 200);

    // Phone width: the park page and list fit without horizontal scrolling of the page.
    d.cmd("POST", "/window/rect", json!({"width": 390, "height": 844}))
        .await;
    d.goto(&format!("{base}/parks/jiangbei")).await;
    d.wait_for("park charts", "return [...document.querySelectorAll('.chart canvas')].filter(x => x.width > 0).length >= 2;").await;
    let overflow = d
        .js(
            "return document.documentElement.scrollWidth - window.innerWidth;",
            json!([]),
        )
        .await;
    assert!(
        overflow.as_i64().unwrap() <= 0,
        "page wider than the phone: {overflow}px"
    );
    d.screenshot("park-phone.png").await;
    assert_eq!(d.errors().await, Vec::<String>::new());
    d.quit().await;
}

/// 政策测算 (issue 20): moving a slider re-evaluates the zone (htmx, debounced) and the winners
/// and losers change — a lower 科小 score line makes firms newly qualify, a higher one makes
/// firms lose it — with the chart drawn again and no console errors.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reform_slider_changes_winners_and_losers() {
    if !tools_present() {
        return;
    }
    let s = start(testing::sqlite().await.unwrap()).await;
    let base = format!("http://{}", s.addr);
    let mut d = Driver::start().await;
    sign_in(&mut d, &s, "admin").await;
    d.goto(&format!("{base}/reform?year=2024&rule=techsme_2022"))
        .await;
    d.wait_for(
        "reform chart",
        "const c = document.querySelector('#chart-reform-parks canvas'); return c && c.width > 0;",
    )
    .await;
    let read = "return [document.getElementById('reform-gained').textContent, document.getElementById('reform-lost').textContent, document.getElementById('n-min_total').value].join('|');";
    assert_eq!(d.js(read, json!([])).await, "0|0|60");
    let slide = |v: &str| {
        format!(
            "const r = document.getElementById('r-min_total'); r.value = '{v}'; r.dispatchEvent(new Event('input', {{bubbles: true}})); return true;"
        )
    };
    // lower: firms newly qualify, nobody loses; the number input follows the slider
    d.js(&slide("30"), json!([])).await;
    d.wait_for(
        "winners after lowering the score line",
        "return document.getElementById('reform-gained').textContent !== '0' && document.querySelector('#chart-reform-parks canvas');",
    )
    .await;
    let v = d.js(read, json!([])).await;
    let parts: Vec<&str> = v.as_str().unwrap().split('|').collect();
    assert!(parts[0].parse::<usize>().unwrap() > 0, "{v}");
    assert_eq!((parts[1], parts[2]), ("0", "30"), "{v}");
    assert!(
        d.js(
            "return document.querySelector('table.reform-gained tbody tr') !== null;",
            json!([])
        )
        .await
            == true
    );
    d.screenshot("reform-lower.png").await;
    // higher: firms lose it, nobody newly qualifies
    d.js(&slide("90"), json!([])).await;
    d.wait_for(
        "losers after raising the score line",
        "return document.getElementById('reform-lost').textContent !== '0' && document.getElementById('reform-gained').textContent === '0';",
    )
    .await;
    d.wait_for(
        "chart redrawn",
        "const c = document.querySelector('#chart-reform-parks canvas'); return c && c.width > 0;",
    )
    .await;
    assert_eq!(
        d.errors().await,
        Vec::<String>::new(),
        "console errors on 政策测算"
    );
    d.js(
        "document.getElementById('h-reform-parks').scrollIntoView(); return true;",
        json!([]),
    )
    .await;
    d.screenshot("reform-higher.png").await;
    d.quit().await;
}
