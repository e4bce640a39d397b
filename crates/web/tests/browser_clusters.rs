//! Chromium test of the cluster diagnosis (issue 15): open the overview and a cluster, see its
//! linkage flag and the network chart render without console errors. The WebDriver client is a
//! copy of the one in `browser.rs` (each area's browser tests live in their own file). Skipped
//! with a notice when chromium / chromedriver are missing, except under CI.
mod common;

use common::{Client, Server, start};
use gaoxin_store::{LinkRecord, testing};
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_page_shows_its_linkage_flag_and_network() {
    if !tools_present() {
        return;
    }
    let s = start(testing::sqlite().await.unwrap()).await;
    let jb: Vec<String> = s
        .firms
        .iter()
        .filter(|e| e.park == "jiangbei" && e.name != common::HOSTILE)
        .map(|e| e.uscc.as_str().to_string())
        .collect();
    let links: Vec<LinkRecord> = jb
        .windows(2)
        .map(|w| LinkRecord {
            from: w[0].clone(),
            from_firm: true,
            to: w[1].clone(),
            to_firm: true,
            kind: "supply".into(),
            year: 2024,
            source: "测试".into(),
            evidence: String::new(),
            synthetic: false,
        })
        .chain(std::iter::once(LinkRecord {
            from: jb[0].clone(),
            from_firm: true,
            to: "南京大学".into(),
            to_firm: false,
            kind: "co_patent".into(),
            year: 2024,
            source: "测试".into(),
            evidence: String::new(),
            synthetic: false,
        }))
        .collect();
    s.store.insert_links(&links, "test", 1).await.unwrap();
    let base = format!("http://{}", s.addr);
    let mut d = Driver::start().await;
    sign_in(&mut d, &s, "park-jiangbei").await;
    d.goto(&format!("{base}/clusters")).await;
    d.wait_for(
        "the overview table",
        "return document.querySelector('#clusters-table tr[data-cluster=c01] a') !== null;",
    )
    .await;
    // another park's cluster is listed but cannot be opened
    let other = d
        .js(
            "return document.querySelector('#clusters-table tr[data-cluster=c03] a') === null;",
            json!([]),
        )
        .await;
    assert_eq!(other, true);
    d.click("#clusters-table tr[data-cluster=c01] a").await;
    let flag = d
        .wait_for(
            "the linkage flag",
            "const f = document.querySelector('#linkage-flag'); return f && f.textContent;",
        )
        .await;
    let flag = flag.as_str().unwrap().to_string();
    assert!(flag.contains("关联指数"), "{flag}");
    assert!(
        flag.contains("群而不集") || flag.contains("关联正常"),
        "{flag}"
    );
    let size = d
        .wait_for(
            "the network chart",
            "const c = document.querySelector('#chart-cluster-graph canvas'); return c && c.width > 0 && c.height > 0 && c.width;",
        )
        .await;
    assert!(size.as_u64().unwrap() > 0);
    d.wait_for(
        "the series chart",
        "const c = document.querySelector('#chart-cluster-series canvas'); return c && c.width > 0;",
    )
    .await;
    let errors = d.errors().await;
    assert!(
        errors.is_empty(),
        "console errors on the cluster page: {errors:?}"
    );
    d.quit().await;
}
