//! The lead pipeline in real headless Chromium (chromedriver, W3C WebDriver): a park
//! administrator creates a lead, moves it through stages and lands it, and the funnel on
//! 线索漏斗 changes each time; the pages draw their ECharts without console or CSP errors.
//!
//! Needs Debian's `chromium`, `chromium-driver` and `fonts-noto-cjk`; skipped with a notice
//! without them — except under CI (`CI` set), where it fails. The WebDriver client is the same
//! as `browser.rs`'s (copied: each browser test file stands alone).
mod common;

use common::{Client, Server, start};
use gaoxin_store::testing;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn tools_present() -> bool {
    let ok = std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(CHROMEDRIVER).exists();
    if !ok {
        if std::env::var("CI").is_ok() {
            panic!(
                "chromium / chromium-driver are not installed under CI: apt-get install -y chromium chromium-driver fonts-noto-cjk"
            );
        }
        eprintln!(
            "note: chromium or chromedriver missing; skipping the browser tests (apt-get install -y chromium chromium-driver fonts-noto-cjk)"
        );
    }
    ok
}

struct Driver {
    http: Client,
    session: String,
    child: tokio::process::Child,
    _profile: PathBuf,
}

impl Driver {
    async fn start() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = tokio::process::Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver starts");
        let mut http = Client {
            addr: format!("127.0.0.1:{port}").parse().unwrap(),
            cookie: None,
            csrf: None,
            source: None,
        };
        let t0 = Instant::now();
        loop {
            if tokio::net::TcpStream::connect(http.addr).await.is_ok() {
                let r = http.get("/status").await;
                if r.status == 200 && r.json()["value"]["ready"] == true {
                    break;
                }
            }
            assert!(
                t0.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = std::env::temp_dir().join(format!("gx-chrome-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&profile).unwrap();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--window-size=1366,900", "--lang=zh-CN",
                    format!("--user-data-dir={}", profile.display()),
                ]
            }
        }}});
        let r = post(&mut http, "/session", &caps).await;
        let session = r["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {r}"))
            .to_string();
        Driver {
            http,
            session,
            child,
            _profile: profile,
        }
    }

    async fn cmd(&mut self, method: &str, path: &str, body: Value) -> Value {
        let p = format!("/session/{}{path}", self.session);
        let r = if method == "GET" {
            self.http.get(&p).await
        } else {
            let b = serde_json::to_vec(&body).unwrap();
            self.http
                .request(method, &p, &[("Content-Type", "application/json")], &b)
                .await
        };
        let j = r.json();
        assert!(r.status < 400, "webdriver {method} {path}: {j}");
        j["value"].clone()
    }

    async fn goto(&mut self, url: &str) {
        self.cmd("POST", "/url", json!({ "url": url })).await;
    }

    async fn js(&mut self, script: &str, args: Value) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            json!({ "script": script, "args": args }),
        )
        .await
    }

    async fn find(&mut self, css: &str) -> Value {
        let v = self
            .cmd(
                "POST",
                "/element",
                json!({"using": "css selector", "value": css}),
            )
            .await;
        v[ELEMENT].clone()
    }

    async fn type_into(&mut self, css: &str, text: &str) {
        let e = self.find(css).await;
        let id = e.as_str().unwrap().to_string();
        self.cmd(
            "POST",
            &format!("/element/{id}/value"),
            json!({ "text": text }),
        )
        .await;
    }

    async fn click(&mut self, css: &str) {
        let e = self.find(css).await;
        let id = e.as_str().unwrap().to_string();
        self.cmd("POST", &format!("/element/{id}/click"), json!({}))
            .await;
    }

    /// Polls `script` (a JS expression body returning a value) until it is truthy.
    async fn wait_for(&mut self, what: &str, script: &str) -> Value {
        let t0 = Instant::now();
        loop {
            let v = self.js(script, json!([])).await;
            if !(v.is_null() || v == false || v == "" || v == 0) {
                return v;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(20),
                "timed out waiting for {what}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn errors(&mut self) -> Vec<String> {
        let v = self
            .js(
                "return window.__gxErrors || ['app.js did not load'];",
                json!([]),
            )
            .await;
        serde_json::from_value(v).unwrap()
    }

    async fn quit(mut self) {
        let p = format!("/session/{}", self.session);
        let _ = self.http.request("DELETE", &p, &[], b"").await;
        let _ = self.child.kill().await;
    }
}

async fn post(http: &mut Client, path: &str, body: &Value) -> Value {
    let b = serde_json::to_vec(body).unwrap();
    http.request("POST", path, &[("Content-Type", "application/json")], &b)
        .await
        .json()
}

async fn sign_in(d: &mut Driver, s: &Server, user: &str) {
    let base = format!("http://{}", s.addr);
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

/// The funnel's "到达" column (reached per stage) and the landed count, read from the page.
async fn funnel(d: &mut Driver, base: &str) -> (Vec<u64>, u64) {
    d.goto(&format!("{base}/leads/pipeline")).await;
    d.wait_for(
        "pipeline page",
        "return document.querySelector('h1') !== null;",
    )
    .await;
    let v = d
        .js(
            "const rows = [...document.querySelectorAll('#funnel-table tbody tr')];              const reached = rows.map(r => parseInt(r.cells[2].textContent.replace(/,/g, ''), 10));              const l = document.querySelector('#kpi-landed');              return {reached, landed: l ? parseInt(l.textContent, 10) : 0};",
            json!([]),
        )
        .await;
    let reached = v["reached"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect();
    (reached, v["landed"].as_u64().unwrap())
}

#[test]
fn lead_funnel_in_the_browser() {
    let run = std::thread::Builder::new()
        .stack_size(16 << 20)
        .spawn(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("tokio runtime")
                .block_on(scenario())
        })
        .expect("test thread")
        .join();
    if let Err(panic) = run {
        std::panic::resume_unwind(panic);
    }
}

async fn scenario() {
    if !tools_present() {
        return;
    }
    let s = start(testing::sqlite().await.unwrap()).await;
    let base = format!("http://{}", s.addr);
    let mut d = Driver::start().await;
    sign_in(&mut d, &s, "park-jiangbei").await;
    // the dashboard's stalled-leads box (empty: no leads yet)
    d.wait_for(
        "stalled box",
        "return document.querySelector('#stalled-leads') !== null;",
    )
    .await;
    let (before, _) = funnel(&mut d, &base).await;
    assert!(
        before.is_empty(),
        "no leads yet: the page says so ({before:?})"
    );

    // create a lead through the form
    d.goto(&format!("{base}/leads")).await;
    d.type_into("#new-lead input[name=uscc]", &s.firm_in("jiangbei"))
        .await;
    d.type_into("#new-lead input[name=next_action]", "线上对接会")
        .await;
    d.type_into("#new-lead input[name=next_date]", "2099-01-01")
        .await;
    d.click("#new-lead button[type=submit]").await;
    d.wait_for(
        "lead page",
        "return document.querySelector('#lead-stages') !== null;",
    )
    .await;
    let url = d.js("return location.pathname;", json!([])).await;
    let lead = url.as_str().unwrap().to_string();
    let (f0, landed0) = funnel(&mut d, &base).await;
    assert_eq!(f0, [1, 0, 0, 0, 0, 0, 0]);
    assert_eq!(landed0, 0);

    // move it forward twice (the form proposes the next stage), then back without a reason: refused
    for want in ["线下走访", "企业考察"] {
        d.goto(&format!("{base}{lead}")).await;
        d.click("#move-form button[type=submit]").await;
        d.wait_for(
            "moved",
            &format!("return document.querySelector('#lead-status') && document.querySelector('#lead-status').textContent.includes('{want}');"),
        )
        .await;
    }
    let (f1, _) = funnel(&mut d, &base).await;
    assert_eq!(f1, [1, 1, 1, 0, 0, 0, 0]);
    d.goto(&format!("{base}{lead}")).await;
    d.js(
        "document.querySelector('#move-stage').value = '线上沟通';",
        json!([]),
    )
    .await;
    d.click("#move-form button[type=submit]").await;
    let err = d
        .wait_for(
            "the error",
            "const e = document.querySelector('#lead-errors'); return e && e.textContent;",
        )
        .await;
    assert!(err.as_str().unwrap().contains("须写明原因"), "{err}");

    // land it: the funnel reaches 落地 and counts the landed project
    d.goto(&format!("{base}{lead}")).await;
    d.type_into("#land-form input[name=invest_wan]", "8000")
        .await;
    d.click("#land-form button[type=submit]").await;
    d.wait_for(
        "landed",
        "return document.querySelector('#lead-status').textContent.includes('已落地');",
    )
    .await;
    let (f2, landed) = funnel(&mut d, &base).await;
    assert_eq!(f2, [1, 1, 1, 1, 1, 1, 1]);
    assert_eq!(landed, 1);
    // the funnel chart is drawn, and no page broke the Content-Security-Policy
    d.wait_for(
        "funnel chart",
        "return document.querySelector('#chart-funnel canvas') !== null;",
    )
    .await;
    d.goto(&format!("{base}/tracks")).await;
    d.wait_for(
        "tracks chart",
        "return document.querySelector('#chart-tracks-side canvas') !== null;",
    )
    .await;
    assert_eq!(d.errors().await, Vec::<String>::new(), "console errors");
    d.quit().await;
}
