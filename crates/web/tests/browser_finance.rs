//! 科技金融 end to end in real headless Chromium (chromedriver, W3C WebDriver over HTTP): a firm
//! declares a loan need on its page and consents to a bank; the zone publishes the list; the bank
//! sees the firm through its API key and records a disbursement; the zone's statistics change.
//!
//! Needs Debian's `chromium` and `chromium-driver`; without them the test is skipped with a notice
//! — except under CI (`CI` set), where it fails.
mod common;

use common::{Client, Server, start};
use gaoxin_store::testing;
use serde_json::{Value, json};
use std::process::Stdio;
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn tools_present() -> bool {
    let ok = std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(CHROMEDRIVER).exists();
    if !ok {
        if std::env::var("CI").is_ok() {
            panic!("chromium / chromium-driver are not installed under CI");
        }
        eprintln!("note: chromium or chromedriver missing; skipping the finance browser test");
    }
    ok
}

/// A minimal WebDriver session (the calls this test needs).
struct Driver {
    http: Client,
    session: String,
    child: tokio::process::Child,
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
        let profile =
            std::env::temp_dir().join(format!("gx-chrome-fin-{}-{port}", std::process::id()));
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
        let b = serde_json::to_vec(&caps).unwrap();
        let r = http
            .request(
                "POST",
                "/session",
                &[("Content-Type", "application/json")],
                &b,
            )
            .await
            .json();
        let session = r["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {r}"))
            .to_string();
        Driver {
            http,
            session,
            child,
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

    async fn js(&mut self, script: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            json!({ "script": script, "args": [] }),
        )
        .await
    }

    async fn element(&mut self, css: &str) -> String {
        let v = self
            .cmd(
                "POST",
                "/element",
                json!({"using": "css selector", "value": css}),
            )
            .await;
        v[ELEMENT].as_str().unwrap().to_string()
    }

    async fn type_into(&mut self, css: &str, text: &str) {
        let id = self.element(css).await;
        self.cmd("POST", &format!("/element/{id}/clear"), json!({}))
            .await;
        self.cmd(
            "POST",
            &format!("/element/{id}/value"),
            json!({ "text": text }),
        )
        .await;
    }

    async fn click(&mut self, css: &str) {
        let id = self.element(css).await;
        self.cmd("POST", &format!("/element/{id}/click"), json!({}))
            .await;
    }

    async fn wait_for(&mut self, what: &str, script: &str) -> Value {
        let t0 = Instant::now();
        loop {
            let v = self.js(script).await;
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
            .js("return window.__gxErrors || ['app.js did not load'];")
            .await;
        serde_json::from_value(v).unwrap()
    }

    async fn quit(mut self) {
        let p = format!("/session/{}", self.session);
        let _ = self.http.request("DELETE", &p, &[], b"").await;
        let _ = self.child.kill().await;
    }
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

async fn bank_call(s: &Server, key: &str, method: &str, path: &str, body: &str) -> common::Resp {
    let mut c = s.client();
    let auth = format!("Bearer {key}");
    c.request(
        method,
        path,
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        body.as_bytes(),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_firm_declares_the_zone_publishes_a_bank_answers() {
    if !tools_present() {
        return;
    }
    let s = start(testing::sqlite().await.unwrap()).await;
    let base = format!("http://{}", s.addr);
    let own = s.own_firm().await;
    let (_, key) = s
        .store
        .add_bank("南京银行南京分行", 1)
        .await
        .unwrap()
        .unwrap();
    let mut d = Driver::start().await;

    // The firm declares a need on its page and consents to the bank.
    sign_in(&mut d, &s, "firm").await;
    d.goto(&format!("{base}/enterprises/{own}")).await;
    d.wait_for(
        "finance section",
        "return document.querySelector('#declare-form') !== null;",
    )
    .await;
    d.type_into("#declare-form input[name=amount_wan]", "2345.6")
        .await;
    d.type_into("#declare-form input[name=purpose]", "中试线建设")
        .await;
    d.click("#declare-form button[type=submit]").await;
    d.wait_for(
        "the declared need on the firm page",
        "const t = document.querySelector('#firm-demands'); return t && t.textContent.includes('2,345.60');",
    )
    .await;
    d.wait_for(
        "consent form",
        "return document.querySelector(\"form[action$='/consents'] button\") !== null;",
    )
    .await;
    d.click("form[action$='/consents'] button").await;
    d.wait_for(
        "consent in force",
        "const p = document.querySelector('#points'); return p && p.textContent.includes('有效');",
    )
    .await;
    assert_eq!(
        d.errors().await,
        Vec::<String>::new(),
        "console errors on the firm page"
    );
    // Before publication the bank has no list at all.
    assert_eq!(
        bank_call(&s, &key, "GET", "/api/v1/bank/loan-demands", "")
            .await
            .status,
        404
    );

    // The zone publishes; nothing matched yet.
    d.click(".who form button").await;
    d.wait_for(
        "signed out",
        "return document.querySelector('#username') !== null;",
    )
    .await;
    sign_in(&mut d, &s, "admin").await;
    d.goto(&format!("{base}/finance")).await;
    d.wait_for(
        "publish form",
        "return document.querySelector('#publish-form') !== null;",
    )
    .await;
    d.click("#publish-form button[type=submit]").await;
    d.wait_for(
        "the published edition",
        "return location.search.includes('edition=');",
    )
    .await;
    let rate = d
        .js("return document.querySelector('#fin-rate').textContent;")
        .await;
    assert_eq!(rate, "0.0%");

    // The bank sees the consenting firm (exact fen) and records a disbursement.
    let list = bank_call(&s, &key, "GET", "/api/v1/bank/loan-demands", "")
        .await
        .json();
    let ds = list["demands"].as_array().unwrap();
    assert_eq!(ds.len(), 1, "{list}");
    assert_eq!(ds[0]["uscc"], own.as_str());
    assert_eq!(ds[0]["amount_fen"], 2_345_600_000_i64);
    let id = ds[0]["id"].as_str().unwrap();
    let r = bank_call(
        &s,
        &key,
        "POST",
        &format!("/api/v1/bank/loan-demands/{id}/responses"),
        r#"{"status":"disbursed","amount_wan":"2000","date":"2026-11-30"}"#,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());

    // The zone's statistics change: matched, the amount disbursed, the bank's answer listed.
    d.goto(&format!("{base}/finance")).await;
    let rate = d
        .wait_for(
            "match rate",
            "return document.querySelector('#fin-rate').textContent;",
        )
        .await;
    assert_eq!(rate, "100.0%");
    let funded = d
        .js("return document.querySelector('#fin-funded').textContent;")
        .await;
    assert_eq!(funded, "2,000.00 万元");
    let listed = d
        .js("return document.querySelector('#demands').textContent;")
        .await;
    assert!(
        listed
            .as_str()
            .unwrap()
            .contains("南京银行南京分行：已放款"),
        "{listed}"
    );
    d.wait_for(
        "charts drawn",
        "return [...document.querySelectorAll('.chart canvas')].filter(c => c.width > 0).length >= 2;",
    )
    .await;
    assert_eq!(
        d.errors().await,
        Vec::<String>::new(),
        "console errors on /finance"
    );
    d.quit().await;
}
