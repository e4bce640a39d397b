//! Shared test harness: a fixture zone (demo generator, 300 firms, one with a hostile name), the
//! real server on 127.0.0.1:0, and a small HTTP/1.1 client that keeps the session cookie.
#![allow(dead_code)]
pub mod driver;
use gaoxin_demo::{DemoConfig, generate};
use gaoxin_model::{Enterprise, Zone};
use gaoxin_store::{Scope, Store};
use gaoxin_web::{AppState, Config};
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const HOSTILE: &str = "<script>alert(1)</script>南京\"引号'测试%_公司";

pub fn zone() -> Zone {
    Zone::parse(include_str!("../../../../data/reference/zone.toml")).unwrap()
}

/// The fixture: 300 demo firms 2021–2024; the first firm of 新港 gets a hostile name.
/// Returns the firms as written and one valid credit code that is *not* in the store.
pub async fn load_fixture(store: &Store, zone: &Zone) -> (Vec<Enterprise>, String) {
    let cfg = DemoConfig {
        enterprises: 301,
        first_year: 2021,
        last_year: 2024,
        seed: 7,
    };
    let mut demo = generate(zone, &cfg);
    let missing = demo.enterprises.pop().unwrap();
    demo.facts.retain(|f| f.uscc != missing.uscc);
    if let Some(e) = demo.enterprises.iter_mut().find(|e| e.park == "xingang") {
        e.name = HOSTILE.to_string();
    }
    let mut tx = store.begin_import().await.unwrap();
    tx.write_enterprises(&demo.enterprises).await.unwrap();
    tx.write_facts(&demo.facts).await.unwrap();
    tx.commit().await.unwrap();
    store
        .set_meta("demo", "enterprises=300 years=2021-2024 seed=7")
        .await
        .unwrap();
    (demo.enterprises, missing.uscc.as_str().to_string())
}

pub struct Server {
    pub addr: SocketAddr,
    pub store: Store,
    pub zone: Zone,
    pub firms: Vec<Enterprise>,
    pub missing: String,
    pub accounts: Vec<(String, String, String)>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

impl Server {
    pub fn password(&self, user: &str) -> String {
        self.accounts
            .iter()
            .find(|a| a.0 == user)
            .unwrap()
            .1
            .clone()
    }
    /// A firm of `park` (not the hostile one).
    pub fn firm_in(&self, park: &str) -> String {
        self.firms
            .iter()
            .find(|e| e.park == park && e.name != HOSTILE)
            .unwrap()
            .uscc
            .as_str()
            .to_string()
    }
    /// The enterprise user's firm.
    pub async fn own_firm(&self) -> String {
        let u = self.store.user("firm").await.unwrap().unwrap();
        u.role.uscc().unwrap().as_str().to_string()
    }
    pub fn client(&self) -> Client {
        Client {
            addr: self.addr,
            cookie: None,
            csrf: None,
            source: None,
        }
    }
    pub async fn signed_in(&self, user: &str) -> Client {
        let mut c = self.client();
        let r = c.login(user, &self.password(user)).await;
        assert_eq!(r.status, 303, "sign-in of {user}: {}", r.text());
        c
    }
    pub async fn count_facts(&self) -> u64 {
        let mut n = 0;
        self.store
            .for_each_row(&Scope::Zone, None, None, |_, _| {
                n += 1;
                Ok(())
            })
            .await
            .unwrap();
        n
    }
}

/// Starts the real server on a random port with the fixture loaded and the demo accounts made.
pub async fn start(store: Store) -> Server {
    start_with(store, Config::default()).await
}

/// [`start`] with other settings.
pub async fn start_with(store: Store, config: Config) -> Server {
    gaoxin_app::accounts::use_fast_hashing_for_tests();
    let zone = zone();
    let (firms, missing) = load_fixture(&store, &zone).await;
    let accounts = gaoxin_app::accounts::ensure_demo_accounts(&store, &zone)
        .await
        .unwrap();
    let (addr, stop) = serve(AppState::new(store.clone(), zone.clone(), config)).await;
    Server {
        addr,
        store,
        zone,
        firms,
        missing,
        accounts,
        stop: Some(stop),
    }
}

impl Server {
    /// A server restart: this server stops and a new one (a fresh application state, nothing
    /// kept in memory) serves the same store on a new port.
    pub async fn restart(&mut self, config: Config) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let (addr, stop) =
            serve(AppState::new(self.store.clone(), self.zone.clone(), config)).await;
        self.addr = addr;
        self.stop = Some(stop);
    }
}

/// Serves `state` on a random port; returns the address and the stop switch.
async fn serve(state: AppState) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let (atx, arx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        gaoxin_web::serve_state(
            state,
            "127.0.0.1:0",
            move |a| {
                let _ = atx.send(a);
            },
            async move {
                let _ = rx.await;
            },
        )
        .await
        .unwrap();
    });
    let addr = arx.await.unwrap();
    // the tests start once the warm-up at start is done (`/readyz`), as a load balancer would
    let mut c = Client {
        addr,
        cookie: None,
        csrf: None,
        source: None,
    };
    let t = std::time::Instant::now();
    loop {
        let r = c.get("/readyz").await;
        if r.status == 200 {
            break;
        }
        assert_eq!(r.status, 503, "{}", r.text());
        assert!(
            t.elapsed() < std::time::Duration::from_secs(120),
            "not ready after 120 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    (addr, tx)
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// A minimal HTTP/1.1 client (one connection per request) that keeps the session cookie.
pub struct Client {
    pub addr: SocketAddr,
    pub cookie: Option<String>,
    pub csrf: Option<String>,
    /// The local address to connect from (another 127.x.y.z is another client address).
    pub source: Option<std::net::IpAddr>,
}

fn decode_chunked(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(i) = b.windows(2).position(|w| w == b"\r\n") {
        let size_line = std::str::from_utf8(&b[..i]).unwrap();
        let size = usize::from_str_radix(size_line.split(';').next().unwrap().trim(), 16).unwrap();
        b = &b[i + 2..];
        if size == 0 {
            break;
        }
        out.extend_from_slice(&b[..size]);
        b = &b[size + 2..];
    }
    out
}

impl Client {
    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Resp {
        let mut s = match self.source {
            None => TcpStream::connect(self.addr).await.unwrap(),
            Some(ip) => {
                let sock = tokio::net::TcpSocket::new_v4().unwrap();
                sock.bind(SocketAddr::new(ip, 0)).unwrap();
                sock.connect(self.addr).await.unwrap()
            }
        };
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        if let Some(c) = &self.cookie {
            req.push_str(&format!("Cookie: gx_session={c}\r\n"));
        }
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        s.write_all(req.as_bytes()).await.unwrap();
        s.write_all(body).await.unwrap();
        // Read the head, then exactly the body (servers may keep the connection open).
        let mut raw = Vec::new();
        let mut buf = [0u8; 16384];
        let end = loop {
            if let Some(e) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                break e;
            }
            let n = s.read(&mut buf).await.unwrap();
            assert!(n > 0, "connection closed before the response head");
            raw.extend_from_slice(&buf[..n]);
        };
        let head = String::from_utf8_lossy(&raw[..end]).into_owned();
        let mut lines = head.split("\r\n");
        let status: u16 = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        let find = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        let mut body = raw[end + 4..].to_vec();
        let chunked = find("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
        if let Some(len) = find("content-length").and_then(|v| v.parse::<usize>().ok()) {
            while body.len() < len {
                let n = s.read(&mut buf).await.unwrap();
                assert!(n > 0, "connection closed inside the body");
                body.extend_from_slice(&buf[..n]);
            }
        } else if chunked {
            while !body.windows(5).any(|w| w == b"0\r\n\r\n") {
                let n = s.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                body.extend_from_slice(&buf[..n]);
            }
            body = decode_chunked(&body);
        } else if method != "HEAD" && status != 204 && status != 304 {
            s.read_to_end(&mut body).await.unwrap();
        }
        for (k, v) in &headers {
            if k.eq_ignore_ascii_case("set-cookie")
                && let Some(rest) = v.strip_prefix("gx_session=")
            {
                let val = rest.split(';').next().unwrap().to_string();
                self.cookie = if val.is_empty() { None } else { Some(val) };
            }
        }
        Resp {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        self.request("GET", path, &[], b"").await
    }

    pub async fn post_form(&mut self, path: &str, pairs: &[(&str, &str)]) -> Resp {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        self.request(
            "POST",
            path,
            &[("Content-Type", "application/x-www-form-urlencoded")],
            body.as_bytes(),
        )
        .await
    }

    pub async fn post_multipart(
        &mut self,
        path: &str,
        extra: &[(&str, &str)],
        fields: &[(&str, &str)],
        file: (&str, &[u8]),
    ) -> Resp {
        let boundary = "----gaoxinTestBoundary7MA4YWxk";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: application/octet-stream\r\n\r\n", file.0).as_bytes());
        body.extend_from_slice(file.1);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let ctype = format!("multipart/form-data; boundary={boundary}");
        let mut headers = vec![("Content-Type", ctype.as_str())];
        headers.extend_from_slice(extra);
        self.request("POST", path, &headers, &body).await
    }

    /// The CSRF token of the current session (from the sign-in form or `/api/v1/me`).
    pub async fn csrf_token(&mut self) -> String {
        let r = self.get("/api/v1/me").await;
        r.json()["csrf_token"].as_str().unwrap().to_string()
    }

    /// GET /login (for the form's token), then POST the credentials.
    pub async fn login(&mut self, user: &str, password: &str) -> Resp {
        let page = self.get("/login").await.text();
        let token = hidden_value(&page, "_csrf").expect("sign-in form has a CSRF field");
        self.post_form(
            "/login",
            &[
                ("_csrf", &token),
                ("username", user),
                ("password", password),
                ("next", "/"),
            ],
        )
        .await
    }
}

/// The value of `<input type="hidden" name="NAME" value="...">` in a page.
/// Polls the progress of the background rules run of `query` (e.g. `year=2024`, or empty for
/// the latest year) as a zone user until the run is stored (`HX-Refresh`); returns the polled
/// fragments. Panics after 60 s or when the run fails.
#[allow(dead_code)]
pub async fn wait_for_rules_run(c: &mut Client, query: &str) -> Vec<String> {
    let t = std::time::Instant::now();
    let mut seen = Vec::new();
    loop {
        let r = c.get(&format!("/ladder/evaluating?{query}")).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let text = r.text();
        assert!(!text.contains("评估未完成"), "the run failed: {text}");
        let done = r.header("hx-refresh") == Some("true");
        seen.push(text);
        if done {
            return seen;
        }
        assert!(t.elapsed().as_secs() < 60, "the rules run did not finish");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

pub fn hidden_value(html: &str, name: &str) -> Option<String> {
    let pat = format!("name=\"{name}\" value=\"");
    let i = html.find(&pat)? + pat.len();
    let j = html[i..].find('"')? + i;
    Some(html[i..j].to_string())
}

/// Percent-encodes a query value.
pub fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
