//! The WebDriver client the browser tests share: headless Chromium through chromedriver (W3C
//! WebDriver over HTTP, spoken with the harness's small HTTP client), and signing in.
use super::{Client, Server};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub fn tools_present() -> bool {
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

pub struct Driver {
    http: Client,
    session: String,
    child: tokio::process::Child,
    _profile: PathBuf,
}

impl Driver {
    pub async fn start() -> Driver {
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

    pub async fn cmd(&mut self, method: &str, path: &str, body: Value) -> Value {
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

    pub async fn goto(&mut self, url: &str) {
        self.cmd("POST", "/url", json!({ "url": url })).await;
    }

    pub async fn js(&mut self, script: &str, args: Value) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            json!({ "script": script, "args": args }),
        )
        .await
    }

    /// The WebDriver id of the first element matching `css`.
    pub async fn element(&mut self, css: &str) -> String {
        let v = self.find(css).await;
        v[ELEMENT].as_str().unwrap().to_string()
    }

    pub async fn find(&mut self, css: &str) -> Value {
        let v = self
            .cmd(
                "POST",
                "/element",
                json!({"using": "css selector", "value": css}),
            )
            .await;
        v[ELEMENT].clone()
    }

    pub async fn type_into(&mut self, css: &str, text: &str) {
        let e = self.find(css).await;
        let id = e.as_str().unwrap().to_string();
        self.cmd(
            "POST",
            &format!("/element/{id}/value"),
            json!({ "text": text }),
        )
        .await;
    }

    pub async fn click(&mut self, css: &str) {
        let e = self.find(css).await;
        let id = e.as_str().unwrap().to_string();
        self.cmd("POST", &format!("/element/{id}/click"), json!({}))
            .await;
    }

    /// Polls `script` (a JS expression body returning a value) until it is truthy.
    pub async fn wait_for(&mut self, what: &str, script: &str) -> Value {
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

    pub async fn errors(&mut self) -> Vec<String> {
        let v = self
            .js(
                "return window.__gxErrors || ['app.js did not load'];",
                json!([]),
            )
            .await;
        serde_json::from_value(v).unwrap()
    }

    pub async fn screenshot(&mut self, name: &str) -> PathBuf {
        let b64 = self.cmd("GET", "/screenshot", json!({})).await;
        let bytes = base64_decode(b64.as_str().unwrap());
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        eprintln!("screenshot: {}", path.display());
        path
    }

    /// Accepts the open confirmation dialog (`window.confirm`) and returns its text.
    pub async fn accept_alert(&mut self) -> String {
        let t0 = Instant::now();
        loop {
            let r = self
                .http
                .get(&format!("/session/{}/alert/text", self.session))
                .await;
            if r.status < 400 {
                let text = r.json()["value"].as_str().unwrap_or_default().to_string();
                self.cmd("POST", "/alert/accept", json!({})).await;
                return text;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(10),
                "no confirmation dialog opened"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Emulates a screen `width` × `height` (CSS pixels), as a phone when `mobile`.
    pub async fn viewport(&mut self, width: u32, height: u32, mobile: bool) {
        self.cmd(
            "POST",
            "/goog/cdp/execute",
            json!({ "cmd": "Emulation.setDeviceMetricsOverride", "params": {
                "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile
            }}),
        )
        .await;
    }

    /// Saves a screenshot as `dir/name`.
    pub async fn screenshot_to(&mut self, dir: &std::path::Path, name: &str) -> PathBuf {
        let b64 = self.cmd("GET", "/screenshot", json!({})).await;
        let bytes = base64_decode(b64.as_str().unwrap());
        std::fs::create_dir_all(dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    pub async fn quit(mut self) {
        let p = format!("/session/{}", self.session);
        let _ = self.http.request("DELETE", &p, &[], b"").await;
        let _ = self.child.kill().await;
    }
}

pub async fn post(http: &mut Client, path: &str, body: &Value) -> Value {
    let b = serde_json::to_vec(body).unwrap();
    http.request("POST", path, &[("Content-Type", "application/json")], &b)
        .await
        .json()
}

pub fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let clean: Vec<u8> = s
        .bytes()
        .filter(|c| !matches!(c, b'=' | b'\n' | b'\r'))
        .collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let v: Vec<u32> = chunk.iter().map(|c| val(*c) as u32).collect();
        let n = v
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, x)| acc | (x << (18 - 6 * i)));
        out.push((n >> 16) as u8);
        if chunk.len() > 2 {
            out.push((n >> 8) as u8);
        }
        if chunk.len() > 3 {
            out.push(n as u8);
        }
    }
    out
}

pub async fn sign_in(d: &mut Driver, s: &Server, user: &str) {
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
