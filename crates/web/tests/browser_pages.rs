//! Every page, every role, two widths, in real headless Chromium (issue 18).
//!
//! The pages come from the route table ([`gaoxin_web::route_table`]): every GET route that
//! answers a full HTML page for the role — routes without parameters, and each parameterised one
//! with the fixture's ids (a park, a firm of that park, the role's own firm, the first cluster
//! and track) — so a page added to the table is checked without touching this file. For the zone
//! administrator, the analyst, a park administrator and a firm, at 1280 px and 390 px, each page
//! must show:
//! - no console errors (script errors, CSP violations: `window.__gxErrors`);
//! - no horizontal overflow of the page (tables scroll inside their own box);
//! - no text outside its box: clipped by an element that does not scroll, or running past the
//!   block that holds it ([`OUTSIDE_BOX_JS`]);
//! - no developers' words in the text: the criteria file, section signs, rule-file names, commands,
//!   snake_case ids ([`INTERNAL`]);
//! - no number with more than two decimals, no count with 「.0」, no time in UTC or with a `Z`.
//!
//! The fixture also holds one demo set of every kind of record (appeals, leads, talents, payouts,
//! technology results and demands, R&D institutions, carriers — [`load_records`]), so the pages of
//! one record are walked too: a route's parameter the walk does not know is filled from the first
//! link to such a page that the role's own pages show (a park administrator opens its own
//! park's appeal, a firm its own).
//!
//! Runs on SQLite and, with `GAOXIN_TEST_POSTGRES_URL`, PostgreSQL. Screenshots are kept under
//! `target/screenshots/` (SQLite run). Without chromium/chromedriver the test is skipped with a
//! notice (under CI it fails).
mod common;

use common::driver::{Driver, tools_present};
use common::{HOSTILE, Server, start};
use gaoxin_store::testing;
use serde_json::json;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Patterns (JavaScript regular expressions) of text no page may show, with why.
const INTERNAL: &[(&str, &str)] = &[
    (r"criteria\.md|§", "the criteria file or a section sign"),
    (r"\.toml\b|\.md\b|\.rs\b", "a file name"),
    (r"\bgaoxin [a-z]", "a command"),
    (r"\b[a-z]+_[a-z0-9_]+\b", "a snake_case id"),
    (r"\bissue \d", "a review note"),
    (r"UNCONFIRMED|CONFIRMED", "an untranslated status"),
];

/// Number forms no page may show.
const NUMBERS: &[(&str, &str)] = &[
    (
        r"(^|[^\d.])\d[\d,]*\.\d{3,}(?![\d.])",
        "a number with more than two decimals",
    ),
    (r"\d\.0(?!\d)\s*(家|个|件|人|项|名|次)", "a count with .0"),
    (r"\bUTC\b|\d{2}:\d{2}(:\d{2})?Z\b", "a time in UTC"),
];

const ROLES: &[&str] = &["admin", "analyst", "park-jiangbei", "firm"];
const WIDTHS: &[(u32, u32, bool)] = &[(1280, 900, false), (390, 844, true)];

/// The route's path with the fixture's ids, or `None` when a parameter is not one this walk
/// knows (reported, not guessed).
fn concrete(path: &str, own_firm: &str, jiangbei_firm: &str) -> Option<String> {
    let mut out = String::new();
    for seg in path.split('/').skip(1) {
        out.push('/');
        match seg {
            "{park}" => out.push_str("jiangbei"),
            // the first cluster and track of the zone's reference data
            "{cluster}" => out.push_str("c01"),
            "{track}" => out.push_str("t01"),
            "{uscc}" => out.push_str(if own_firm.is_empty() {
                jiangbei_firm
            } else {
                own_firm
            }),
            s if s.starts_with('{') => return None,
            s => out.push_str(s),
        }
    }
    Some(if out.is_empty() { "/".into() } else { out })
}

/// One demo set of every kind of record on the fixture's firms (what `gaoxin demo` adds beside
/// the panel, in small numbers), so that the pages of one record have something to show.
async fn load_records(s: &Server) {
    use gaoxin_app::appeals_data::china_date;
    let (st, zone, firms) = (&s.store, &s.zone, &s.firms[..]);
    let now = gaoxin_store::unix_now();
    gaoxin_app::appeals_demo::load(st, firms, 30, 7, china_date(now - 86_400))
        .await
        .unwrap();
    gaoxin_app::leads::load_demo(st, zone, firms, 7, now)
        .await
        .unwrap();
    gaoxin_app::talent_demo::load(st, zone, firms, 7, 2024, now)
        .await
        .unwrap();
    let year = gaoxin_model::Year::new(2024).unwrap();
    gaoxin_app::payout_demo::load(st, year, 7, china_date(now))
        .await
        .unwrap();
    gaoxin_app::tech_demo::load(st, firms, 7, 60, 40, now)
        .await
        .unwrap();
    gaoxin_app::rdi_demo::load(st, zone, firms, 7, 2021, 2024)
        .await
        .unwrap();
    gaoxin_app::carrier_demo::load(st, zone, firms, 7, 2021, 2024)
        .await
        .unwrap();
}

/// Whether `href` (a path, query and fragment cut off) is a page of the route `pattern`: the same
/// literal segments, a non-empty value for each parameter.
fn matches_route(pattern: &str, href: &str) -> bool {
    let (p, h): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), href.split('/').collect());
    p.len() == h.len()
        && p.iter().zip(&h).all(|(p, h)| {
            if p.starts_with('{') {
                !h.is_empty()
            } else {
                p == h
            }
        })
}

/// The links (paths) in a page's HTML.
fn links(html: &str) -> impl Iterator<Item = &str> {
    html.split("href=\"").skip(1).filter_map(|rest| {
        let href = rest.split('"').next()?;
        let path = href.split(['?', '#']).next()?;
        path.starts_with('/').then_some(path)
    })
}

/// Full HTML pages the role may GET (checked over HTTP first: fragments, downloads, JSON and
/// pages the role may not see are left out). Routes with a parameter the fixture does not name
/// (one appeal, lead, talent …) take the first link to such a page found on the role's pages.
async fn pages_for(s: &Server, role: &str) -> Vec<String> {
    let own = if role == "firm" {
        s.own_firm().await
    } else {
        String::new()
    };
    let jiangbei = s.firm_in("jiangbei");
    let mut c = s.signed_in(role).await;
    let routes: Vec<_> = gaoxin_web::route_table()
        .into_iter()
        .filter(|r| r.method == "GET" && !r.is_api() && !r.path.starts_with("/static"))
        .collect();
    let literal = |path: &str| routes.iter().any(|r| r.path == path);
    let mut out = vec![];
    let mut texts = vec![];
    let mut open = vec![];
    for r in &routes {
        match concrete(r.path, &own, &jiangbei) {
            Some(path) => open.push(path),
            None => continue,
        }
    }
    // pages of one record: filled from the links of the pages found so far (also of the
    // record pages found in this pass, for a record reached only through another)
    let mut unfilled: Vec<&str> = routes
        .iter()
        .filter(|r| concrete(r.path, &own, &jiangbei).is_none())
        .map(|r| r.path)
        .collect();
    loop {
        for path in open.drain(..) {
            let resp = c.get(&path).await;
            let html = resp
                .header("content-type")
                .is_some_and(|t| t.starts_with("text/html"));
            let text = resp.text();
            if resp.status == 200 && html && text.trim_start().starts_with("<!doctype html") {
                out.push(path);
                texts.push(text);
            }
        }
        let before = unfilled.len();
        unfilled.retain(|pattern| {
            let found = texts
                .iter()
                .flat_map(|t| links(t))
                .find(|h| matches_route(pattern, h) && !literal(h) && !out.iter().any(|o| o == h));
            match found {
                Some(h) => {
                    open.push(h.to_string());
                    false
                }
                None => true,
            }
        });
        if unfilled.len() == before {
            break;
        }
    }
    for p in unfilled {
        eprintln!("browser_pages: {role}: no page of {p} is linked from the role's pages; skipped");
    }
    out
}

async fn sign_in(d: &mut Driver, s: &Server, user: &str) {
    let base = format!("http://{}", s.addr);
    // forget the previous role's session, then sign in afresh
    d.goto(&format!("{base}/healthz")).await;
    d.cmd("DELETE", "/cookie", json!({})).await;
    d.goto(&format!("{base}/login")).await;
    d.type_into("#username", user).await;
    d.type_into("#password", &s.password(user)).await;
    d.click("button[type=submit]").await;
    d.wait_for(
        "signed in",
        "return document.querySelector('.who') !== null;",
    )
    .await;
}

/// Waits until the page's htmx fragments loaded (no `hx-trigger="load"` left, no request in
/// flight) — a page that stays blank or loading for 30 s is a failure.
async fn settle(d: &mut Driver) -> bool {
    let t0 = Instant::now();
    loop {
        let v = d
            .js(
                "return document.readyState === 'complete' \
                 && !document.querySelector('[hx-trigger=\"load\"]:empty, [hx-trigger=\"load\"] .state-loading, .state-loading[hx-trigger=\"load\"]') \
                 && !document.querySelector('.htmx-request');",
                json!([]),
            )
            .await;
        if v == true {
            return true;
        }
        if t0.elapsed() > Duration::from_secs(30) {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// Text outside its box, found in the page as rendered (JavaScript; returns at most 5 findings):
/// - clipped: an element holding text whose content is wider than its box (`scrollWidth >
///   clientWidth`) while it does not scroll (overflow visible, hidden or clip) and does not end
///   in an ellipsis — the text runs past the edge or is cut off;
/// - outside: a line of text reaching past the box of the block (or cell, button, flex item) that
///   holds it.
///
/// Scroll boxes (overflow auto/scroll) are where wide content belongs, so what is inside one is
/// measured against the content, not the box; hidden and visually hidden (1 px) elements are
/// skipped.
const OUTSIDE_BOX_JS: &str = r#"
const out = [];
const label = (el) => {
  let s = el.tagName.toLowerCase();
  if (el.id) s += '#' + el.id;
  if (typeof el.className === 'string' && el.className.trim()) s += '.' + el.className.trim().split(/\s+/).join('.');
  return s;
};
const shown = (el) => {
  const r = el.getBoundingClientRect();
  const cs = getComputedStyle(el);
  // a visually hidden element (`.sr`: 1 px, clipped, read by screen readers only) is not shown
  return r.width > 1 && r.height > 1 && cs.visibility !== 'hidden' && cs.display !== 'none';
};
const scrolls = (v) => v === 'auto' || v === 'scroll';
const ownText = (el) => Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
for (const el of document.body.querySelectorAll('*')) {
  if (out.length >= 5) break;
  if (['SCRIPT', 'STYLE', 'svg', 'SVG', 'CANVAS', 'IMG', 'INPUT', 'SELECT', 'TEXTAREA', 'OPTION', 'BR'].includes(el.tagName)) continue;
  if (el.closest('svg')) continue;
  const cs = getComputedStyle(el);
  if (cs.display === 'inline' || cs.display === 'contents' || !shown(el)) continue;
  if (!ownText(el)) continue;
  const text = el.innerText.trim().replace(/\s+/g, ' ').slice(0, 40);
  if (!scrolls(cs.overflowX) && cs.textOverflow !== 'ellipsis' && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) {
    out.push('text clipped or running past its box (' + label(el) + ', ' + el.scrollWidth + ' > ' + el.clientWidth + ' px): 「' + text + '」');
    continue;
  }
  if (scrolls(cs.overflowX)) continue;
  const box = el.getBoundingClientRect();
  const pl = parseFloat(cs.paddingLeft) || 0, pr = parseFloat(cs.paddingRight) || 0;
  const left = box.left + (parseFloat(cs.borderLeftWidth) || 0) - 1;
  const right = box.right - (parseFloat(cs.borderRightWidth) || 0) + 1;
  for (const n of el.childNodes) {
    if (n.nodeType !== 3 || !n.textContent.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(n);
    const bad = Array.from(range.getClientRects()).find((r) => r.width > 0 && (r.right > right || r.left < left));
    if (bad) {
      out.push('text outside its box (' + label(el) + ', text ' + Math.round(bad.left) + '–' + Math.round(bad.right) + ' px, box ' + Math.round(box.left) + '–' + Math.round(box.right) + ' px): 「' + n.textContent.trim().slice(0, 40) + '」');
      break;
    }
  }
}
return out;
"#;

/// What is wrong with the page shown now.
async fn problems(d: &mut Driver) -> Vec<String> {
    let mut out: Vec<String> = d
        .errors()
        .await
        .into_iter()
        .map(|e| format!("console: {e}"))
        .collect();
    let overflow = d
        .js(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
            json!([]),
        )
        .await
        .as_i64()
        .unwrap_or(0);
    if overflow > 1 {
        out.push(format!("horizontal overflow of {overflow} px"));
    }
    let boxes = d.js(OUTSIDE_BOX_JS, json!([])).await;
    out.extend(serde_json::from_value::<Vec<String>>(boxes).unwrap_or_default());
    let patterns: Vec<(&str, &str)> = INTERNAL.iter().chain(NUMBERS).copied().collect();
    let found = d
        .js(
            "const text = document.body.innerText; const out = [];\
             for (const [re, why] of arguments[0]) {\
               const m = text.match(new RegExp(re, 'm'));\
               if (m) { const i = m.index; out.push(why + ': 「' + text.slice(Math.max(0, i - 20), i + m[0].length + 20).replace(/\\s+/g, ' ') + '」'); }\
             } return out;",
            json!([patterns]),
        )
        .await;
    out.extend(
        serde_json::from_value::<Vec<String>>(found)
            .unwrap_or_default()
            .into_iter()
            // the fixture's hostile firm name is data, shown as written
            .filter(|p| !p.contains(HOSTILE)),
    );
    out
}

fn screenshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target/tmp has a parent")
        .join("screenshots")
}

fn file_name(role: &str, width: u32, path: &str) -> String {
    let p: String = path
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("{role}-{width}{p}.png")
}

/// The check of text outside its box finds what it is meant to find: a page made with a clipped
/// cell, a label running out of a narrow button and a word wider than its block, beside text
/// that fits, a scroll box and a visually hidden caption (which must not be reported).
async fn the_box_check_finds_text_outside_its_box(d: &mut Driver) {
    let page = "<!doctype html><meta charset=utf-8><body style='font:16px sans-serif'>\
        <div id=clip style='width:60px;overflow:hidden;white-space:nowrap'>园区综合发展能力评价结果</div>\
        <button id=btn style='width:40px;white-space:nowrap'>查看全部企业</button>\
        <p id=word style='width:50px'>ABCDEFGHIJKLMNOPQRSTUVWXYZ</p>\
        <p style='width:300px'>放得下的文字</p>\
        <div style='width:80px;overflow-x:auto;white-space:nowrap'>滚动框里的很长很长的一行文字</div>\
        <table><caption style='position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)'>只给读屏软件的表题很长很长</caption><tr><td>1</td></tr></table>";
    let url: String = page
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    d.goto(&format!("data:text/html;charset=utf-8,{url}")).await;
    let found: Vec<String> =
        serde_json::from_value(d.js(OUTSIDE_BOX_JS, json!([])).await).unwrap_or_default();
    for id in ["div#clip", "button#btn", "p#word"] {
        assert!(
            found.iter().any(|f| f.contains(&format!("({id}"))),
            "{id} not found: {found:?}"
        );
    }
    assert_eq!(found.len(), 3, "only the three: {found:?}");
}

async fn walk(s: &Server, backend: &str, shots: bool) -> (Vec<String>, usize) {
    let base = format!("http://{}", s.addr);
    let mut d = Driver::start().await;
    the_box_check_finds_text_outside_its_box(&mut d).await;
    let mut failures = vec![];
    let mut visited = 0;
    for role in ROLES {
        let pages = pages_for(s, role).await;
        assert!(pages.len() >= 2, "{role}: only {pages:?}");
        eprintln!("browser_pages: {backend} {role}: {}", pages.join(" "));
        sign_in(&mut d, s, role).await;
        for &(w, h, mobile) in WIDTHS {
            d.viewport(w, h, mobile).await;
            for path in &pages {
                d.goto(&format!("{base}{path}")).await;
                let settled = settle(&mut d).await;
                visited += 1;
                let mut ps = problems(&mut d).await;
                if !settled {
                    ps.push("still loading after 30 s".into());
                }
                if shots {
                    d.screenshot_to(&screenshot_dir(), &file_name(role, w, path))
                        .await;
                }
                for p in ps {
                    failures.push(format!("[{backend}] {role} {w}px {path}: {p}"));
                }
            }
        }
    }
    d.quit().await;
    (failures, visited)
}

async fn run() {
    if !tools_present() {
        return;
    }
    let mut failures = vec![];
    for (i, store) in testing::all().await.unwrap().into_iter().enumerate() {
        let backend = if i == 0 { "sqlite" } else { "postgres" };
        let s = start(store).await;
        load_records(&s).await;
        let (f, visited) = walk(&s, backend, i == 0).await;
        eprintln!("browser_pages: {backend}: {visited} page views checked");
        failures.extend(f);
    }
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// A debug build's WebDriver state machine needs more stack than the test thread's 2 MB.
#[test]
fn every_page_for_every_role_at_two_widths() {
    let r = std::thread::Builder::new()
        .stack_size(16 << 20)
        .spawn(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("tokio runtime")
                .block_on(run())
        })
        .expect("test thread")
        .join();
    if let Err(p) = r {
        std::panic::resume_unwind(p);
    }
}
