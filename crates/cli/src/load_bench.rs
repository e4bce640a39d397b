//! `gaoxin bench load` (issue 13): sustained mixed load against the real server, with nothing lost.
//!
//! A fresh demo zone (30,000 firms by default) is loaded into an empty database (a new SQLite
//! file, a new PostgreSQL database through `GAOXIN_TEST_POSTGRES_URL` with `--backend postgres`,
//! or the empty database named by `--database`), a zone administrator is added, and
//! `gaoxin serve --no-demo` is started as a child process (its memory and CPU time are its own).
//! N keep-alive connections then send a mix for the given duration: the dashboard, enterprise
//! lists with filters and sorts, firm pages, park pages, the JSON API, sign-ins (GET /login, then
//! a real POST /login with the page's CSRF token), appeal filings and lead registrations (forms
//! with the session's CSRF token); one more connection uploads a CSV import through
//! `/api/v1/imports` every minute (scaled down for short runs) and waits for its end.
//!
//! It reports per endpoint p50/p99/max and requests per second, errors (any answer other than the
//! one expected), the server's RSS at the start, middle and end and its CPU time, and the lost
//! writes: every table's row count before and after (the acknowledged appeals, leads and import
//! jobs must be there, each with its audit entry) and every firm-year an acknowledged import
//! rewrote holding that import's value. It fails (exit code 1) on any error or lost write.
use crate::bench_pages::read_answer;
use crate::data::Res;
use gaoxin_model::rng::Xoshiro256;
use gaoxin_model::{F, Year, Zone};
use gaoxin_store::{AuditFilter, Role, Scope, Store};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

#[derive(clap::Args)]
pub struct LoadArgs {
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Seconds of load.
    #[arg(long, default_value_t = 600)]
    seconds: u64,
    /// Database backend when no `--database` is given: a new SQLite file, or a new PostgreSQL
    /// database created through the admin URL in GAOXIN_TEST_POSTGRES_URL.
    #[arg(long, default_value = "sqlite", value_parser = ["sqlite", "postgres"])]
    backend: String,
    /// Firms of the demo zone.
    #[arg(long, default_value_t = 30_000)]
    enterprises: usize,
    /// Seconds between two imports [default: 60, or a fifth of the run when shorter].
    #[arg(long)]
    import_every: Option<u64>,
    /// Firms each import rewrites (their 2024 revenue).
    #[arg(long, default_value_t = 300)]
    import_firms: usize,
    /// Working directory (the SQLite database, the server's log) [default: a new temporary one].
    #[arg(long)]
    dir: Option<PathBuf>,
}

const USER: &str = "load-admin";
const YEAR: i32 = 2024;

/// One keep-alive HTTP/1.1 connection with its session.
struct Conn {
    addr: String,
    s: Option<TcpStream>,
    buf: Vec<u8>,
    cookie: String,
    csrf: String,
}

struct Answer {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Answer {
    fn cookie(&self) -> Option<String> {
        self.head
            .lines()
            .filter_map(|l| l.split_once(':'))
            .filter(|(k, _)| k.trim().eq_ignore_ascii_case("set-cookie"))
            .find_map(|(_, v)| v.trim().strip_prefix("gx_session="))
            .map(|v| v.split(';').next().unwrap_or("").to_string())
            .filter(|v| !v.is_empty())
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).to_string()
    }
}

impl Conn {
    fn new(addr: &str) -> Conn {
        Conn {
            addr: addr.into(),
            s: None,
            buf: Vec::new(),
            cookie: String::new(),
            csrf: String::new(),
        }
    }

    /// One exchange; a broken connection is dropped (the next request opens a new one).
    async fn send(
        &mut self,
        method: &str,
        path: &str,
        ctype: &str,
        body: &[u8],
    ) -> std::io::Result<Answer> {
        let r = self.exchange(method, path, ctype, body).await;
        if r.is_err() {
            self.s = None;
            self.buf.clear();
        }
        r
    }

    async fn exchange(
        &mut self,
        method: &str,
        path: &str,
        ctype: &str,
        body: &[u8],
    ) -> std::io::Result<Answer> {
        if self.s.is_none() {
            self.s = Some(TcpStream::connect(&self.addr).await?);
            self.buf.clear();
        }
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        if !self.cookie.is_empty() {
            req.push_str(&format!("Cookie: gx_session={}\r\n", self.cookie));
        }
        if !ctype.is_empty() {
            req.push_str(&format!("Content-Type: {ctype}\r\n"));
        }
        if method == "POST" && !self.csrf.is_empty() {
            req.push_str(&format!("X-CSRF-Token: {}\r\n", self.csrf));
        }
        req.push_str("\r\n");
        let mut bytes = req.into_bytes();
        bytes.extend_from_slice(body);
        let s = self.s.as_mut().ok_or(std::io::ErrorKind::NotConnected)?;
        s.write_all(&bytes).await?;
        let (status, head, body) = read_answer(s, &mut self.buf).await?;
        if head.to_ascii_lowercase().contains("connection: close") {
            self.s = None;
        }
        Ok(Answer { status, head, body })
    }
}

fn hidden(page: &str, name: &str) -> Option<String> {
    let at = page.find(&format!("name=\"{name}\""))?;
    let rest = &page[at..];
    let v = rest.find("value=\"")? + 7;
    Some(rest[v..v + rest[v..].find('"')?].to_string())
}

fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
        .into_bytes()
}

const FORM: &str = "application/x-www-form-urlencoded";

/// Latencies (µs) and errors of one endpoint.
#[derive(Default)]
struct Stat {
    lat: Vec<u64>,
    errors: u64,
}

/// What one connection measured and wrote.
#[derive(Default)]
struct Tally {
    stats: BTreeMap<&'static str, Stat>,
    /// The first few unexpected answers, for the report.
    samples: Vec<String>,
    appeals: u64,
    leads: u64,
}

impl Tally {
    fn ok(&mut self, what: &'static str, t: Instant) {
        self.stats
            .entry(what)
            .or_default()
            .lat
            .push(t.elapsed().as_micros() as u64);
    }
    fn err(&mut self, what: &'static str, path: &str, why: String) {
        self.stats.entry(what).or_default().errors += 1;
        if self.samples.len() < 5 {
            self.samples.push(format!("{what} {path}: {why}"));
        }
    }
    /// Records an exchange: `true` when the status was the expected one.
    fn record(
        &mut self,
        what: &'static str,
        path: &str,
        t: Instant,
        r: &std::io::Result<Answer>,
        expect: u16,
    ) -> bool {
        match r {
            Ok(a) if a.status == expect => {
                self.ok(what, t);
                true
            }
            Ok(a) => {
                let text = a.text();
                let snippet: String = text.chars().take(160).collect();
                self.err(what, path, format!("HTTP {} {snippet}", a.status));
                false
            }
            Err(e) => {
                self.err(what, path, e.to_string());
                false
            }
        }
    }
    fn merge(&mut self, o: Tally) {
        for (k, v) in o.stats {
            let s = self.stats.entry(k).or_default();
            s.lat.extend(v.lat);
            s.errors += v.errors;
        }
        for s in o.samples {
            if self.samples.len() < 10 {
                self.samples.push(s);
            }
        }
        self.appeals += o.appeals;
        self.leads += o.leads;
    }
}

/// At most this many sign-ins at once: the server counts an attempt in progress as a failure
/// until it succeeds (so that parallel guesses cannot pass the throttle together), and more than
/// `max_failures` (5) concurrent attempts on one account from one address are refused by design.
static SIGN_INS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

/// Signs `c` in as the bench's zone administrator, as the sign-in page does: GET /login (a
/// session and the form's CSRF token), POST /login, then the session's token from /api/v1/me.
async fn sign_in(c: &mut Conn, password: &str, t: &mut Tally) -> bool {
    let Ok(_turn) = SIGN_INS.acquire().await else {
        return false;
    };
    c.cookie.clear();
    c.csrf.clear();
    let t0 = Instant::now();
    let r = c.send("GET", "/login", "", b"").await;
    if !t.record("GET /login", "/login", t0, &r, 200) {
        return false;
    }
    let Ok(page) = r else { return false };
    c.cookie = page.cookie().unwrap_or_default();
    let Some(token) = hidden(&page.text(), "_csrf") else {
        t.err("GET /login", "/login", "no _csrf field".into());
        return false;
    };
    let body = form(&[
        ("_csrf", &token),
        ("username", USER),
        ("password", password),
        ("next", "/"),
    ]);
    let t0 = Instant::now();
    let r = c.send("POST", "/login", FORM, &body).await;
    if !t.record("POST /login", "/login", t0, &r, 303) {
        return false;
    }
    if let Ok(a) = &r
        && let Some(k) = a.cookie()
    {
        c.cookie = k;
    }
    let t0 = Instant::now();
    let r = c.send("GET", "/api/v1/me", "", b"").await;
    if !t.record("GET /api/v1/me", "/api/v1/me", t0, &r, 200) {
        return false;
    }
    let me: serde_json::Value = r
        .ok()
        .and_then(|a| serde_json::from_slice(&a.body).ok())
        .unwrap_or_default();
    c.csrf = me["csrf_token"].as_str().unwrap_or_default().to_string();
    !c.csrf.is_empty()
}

/// The zone's ids the requests pick from.
struct Mix {
    parks: Vec<String>,
    tracks: Vec<String>,
    firms: Vec<String>,
}

const SORTS: [&str; 5] = ["revenue", "name", "rd", "employees", "founded"];

/// One connection's loop until `end`.
/// A connection signed in before the clock starts (with what its sign-in measured).
async fn signed_conn(addr: String, password: Arc<String>) -> (Conn, Tally, bool) {
    let mut t = Tally::default();
    let mut c = Conn::new(&addr);
    let ok = sign_in(&mut c, &password, &mut t).await;
    (c, t, ok)
}

async fn worker(
    (mut c, mut t, mut signed): (Conn, Tally, bool),
    password: Arc<String>,
    mix: Arc<Mix>,
    k: u64,
    end: Instant,
    writes: Arc<AtomicU64>,
) -> Tally {
    let mut rng = Xoshiro256::new(0x5EED + k);
    let pick =
        |rng: &mut Xoshiro256, v: &[String]| v[(rng.next_u64() % v.len() as u64) as usize].clone();
    while Instant::now() < end {
        if !signed {
            tokio::time::sleep(Duration::from_millis(100)).await;
            signed = sign_in(&mut c, &password, &mut t).await;
            continue;
        }
        let r = rng.next_u64() % 1000;
        let park = pick(&mut rng, &mix.parks);
        let firm = pick(&mut rng, &mix.firms);
        let sort = SORTS[(rng.next_u64() % SORTS.len() as u64) as usize];
        let (what, path): (&'static str, String) = match r {
            0..=149 => ("GET /", "/".into()),
            150..=349 => (
                "GET /enterprises?park&sort",
                format!("/enterprises?park={park}&sort={sort}"),
            ),
            350..=424 => (
                "GET /enterprises?q&track&page",
                format!(
                    "/enterprises?q=%E7%A7%91%E6%8A%80&track={}&sort={sort}&page={}",
                    pick(&mut rng, &mix.tracks),
                    1 + rng.next_u64() % 3
                ),
            ),
            425..=599 => ("GET /enterprises/{uscc}", format!("/enterprises/{firm}")),
            600..=649 => ("GET /parks/{park}", format!("/parks/{park}")),
            650..=749 => (
                "GET /api/v1/enterprises?park",
                format!("/api/v1/enterprises?park={park}"),
            ),
            750..=849 => (
                "GET /api/v1/enterprises/{uscc}",
                format!("/api/v1/enterprises/{firm}"),
            ),
            850..=899 => ("GET /api/v1/summary", "/api/v1/summary".into()),
            900..=949 => (
                "GET /api/v1/parks/{park}/summary",
                format!("/api/v1/parks/{park}/summary"),
            ),
            950..=954 => {
                signed = sign_in(&mut c, &password, &mut t).await;
                continue;
            }
            955..=974 => {
                let n = writes.fetch_add(1, Ordering::Relaxed);
                let firm = &mix.firms[(n as usize * 7919) % mix.firms.len()];
                let body = form(&[
                    ("_csrf", &c.csrf),
                    ("uscc", firm),
                    ("title", "压测诉求"),
                    ("description", &format!("持续负载测试提交的第 {n} 条诉求")),
                    ("contact", "压测 13800000000"),
                ]);
                let t0 = Instant::now();
                let r = c.send("POST", "/appeals", FORM, &body).await;
                if t.record("POST /appeals", "/appeals", t0, &r, 303) {
                    t.appeals += 1;
                }
                continue;
            }
            _ => {
                let n = writes.fetch_add(1, Ordering::Relaxed);
                // a firm from outside the zone met at the 大会, a new one each time: the form
                // refuses a second lead on the same firm, track and 大会 (that refusal is a
                // correct answer, not a load error)
                let firm = outside_firm(n);
                let track = pick(&mut rng, &mix.tracks);
                let body = form(&[
                    ("_csrf", &c.csrf),
                    ("uscc", &firm),
                    ("firm_name", &format!("压测区外企业{n}")),
                    ("track", &track),
                    ("event", "conf-2024"),
                    ("next_action", "走访"),
                    ("next_date", "2099-01-01"),
                ]);
                let t0 = Instant::now();
                let r = c.send("POST", "/leads", FORM, &body).await;
                if t.record("POST /leads", "/leads", t0, &r, 303) {
                    t.leads += 1;
                }
                continue;
            }
        };
        let t0 = Instant::now();
        let r = c.send("GET", &path, "", b"").await;
        t.record(what, &path, t0, &r, 200);
    }
    t
}

/// A valid 统一社会信用代码 for the `n`-th lead's firm, outside the demo zone's panel (division
/// 320199 is not one of its parks').
fn outside_firm(n: u64) -> String {
    gaoxin_model::Uscc::from_body(&format!("91320199{:09}", 600_000_000 + n % 100_000_000))
        .expect("a 17-character body of digits")
        .as_str()
        .to_string()
}

/// The imports: every `every` seconds one CSV through `/api/v1/imports`, waited for; returns
/// the acknowledged ones (their file number) and the measurements.
async fn importer(
    addr: String,
    password: Arc<String>,
    files: Arc<Vec<String>>,
    every: Duration,
    (start, end): (Instant, Instant),
) -> (Tally, Vec<usize>, u64) {
    let (mut c, mut t, ok) = signed_conn(addr, password).await;
    let mut acked = Vec::new();
    let mut sent = 0u64;
    if !ok {
        return (t, acked, sent);
    }
    for (n, csv) in files.iter().enumerate() {
        let at = start + every * n as u32 + every / 2;
        if at >= end {
            break;
        }
        tokio::time::sleep_until(at.into()).await;
        let b = "----gaoxinLoadBench";
        let mut body = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"load-{n}.csv\"\r\nContent-Type: text/csv\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(csv.as_bytes());
        body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
        let ctype = format!("multipart/form-data; boundary={b}");
        let t0 = Instant::now();
        let path = "/api/v1/imports";
        let r = c.send("POST", path, &ctype, &body).await;
        if !t.record("POST /api/v1/imports", path, t0, &r, 202) {
            continue;
        }
        sent += 1;
        let id: serde_json::Value = r
            .ok()
            .and_then(|a| serde_json::from_slice(&a.body).ok())
            .unwrap_or_default();
        let id = id["id"].as_str().unwrap_or_default().to_string();
        let job = format!("/api/v1/imports/{id}");
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let r = c.send("GET", &job, "", b"").await;
            let j: serde_json::Value = match &r {
                Ok(a) if a.status == 200 => serde_json::from_slice(&a.body).unwrap_or_default(),
                _ => {
                    t.record("GET /api/v1/imports/{job}", &job, Instant::now(), &r, 200);
                    break;
                }
            };
            if j["state"] == "running" {
                continue;
            }
            if j["state"] == "done" && j["ok"] == true {
                t.ok("import (upload → committed)", t0);
                acked.push(n);
            } else {
                t.err("import (upload → committed)", &job, j.to_string());
            }
            break;
        }
    }
    (t, acked, sent)
}

/// The resident memory (MiB) of process `pid`.
fn rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// Row counts per table and the audit entries of the bench's actions.
async fn counts(store: &Store) -> Result<BTreeMap<String, u64>, Box<dyn std::error::Error>> {
    let mut m: BTreeMap<String, u64> = store
        .content_digest()
        .await?
        .into_iter()
        .map(|d| (d.table, d.rows))
        .collect();
    for action in ["appeal.file", "lead.create", "import.commit"] {
        let f = AuditFilter {
            action: Some(action.into()),
            ..AuditFilter::default()
        };
        let n = store.audit_count(&Scope::Zone, &f).await?;
        m.insert(format!("audit {action}"), n as u64);
    }
    Ok(m)
}

/// Each import file: `firms` firms' 2024 revenue set to their stored value (whole 万元) plus
/// the file's number + 1, so every file writes values of its own and none looks like a unit
/// mistake. Returns the files and, per file, the (firm, fen) pairs it writes.
type Written = Vec<Vec<(String, i64)>>;
async fn import_files(
    store: &Store,
    firms: usize,
    count: usize,
) -> Result<(Vec<String>, Written), Box<dyn std::error::Error>> {
    let mut all: Vec<(String, i64)> = Vec::new();
    store
        .for_each_row(&Scope::Zone, None, Year::new(YEAR).ok(), |e, f| {
            // below 100 亿元: the importer asks to confirm a revenue over 1,000 亿元 (a likely
            // unit mistake), and the demo zone's largest firms come near it
            if let Some(fen) = f.get(F::Revenue)
                && fen < 1_000_000 * 1_000_000
            {
                all.push((e.uscc.as_str().to_string(), fen / 1_000_000));
            }
            Ok(())
        })
        .await?;
    let per = firms.min(all.len() / count.max(1)).max(1);
    let mut files = Vec::new();
    let mut written = Vec::new();
    for n in 0..count {
        let mut csv = String::from("统一社会信用代码,年度,营业收入（万元）\n");
        let mut w = Vec::new();
        for (code, wan) in all.iter().skip(n * per).take(per) {
            let v = wan + 1 + n as i64;
            csv.push_str(&format!("{code},{YEAR},{v}\n"));
            w.push((code.clone(), v * 1_000_000));
        }
        files.push(csv);
        written.push(w);
    }
    Ok((files, written))
}

/// The firm-years an acknowledged import wrote that do not hold its value.
async fn lost_imports(
    store: &Store,
    written: &Written,
    acked: &[usize],
) -> Result<u64, Box<dyn std::error::Error>> {
    let mut stored = std::collections::HashMap::new();
    store
        .for_each_row(&Scope::Zone, None, Year::new(YEAR).ok(), |e, f| {
            stored.insert(e.uscc.as_str().to_string(), f.get(F::Revenue));
            Ok(())
        })
        .await?;
    let mut lost = 0;
    for n in acked {
        for (code, fen) in &written[*n] {
            if stored.get(code) != Some(&Some(*fen)) {
                lost += 1;
            }
        }
    }
    Ok(lost)
}

/// A fresh database: the URL given (must be empty), a new PostgreSQL database, or a SQLite file.
async fn open(
    url: Option<&str>,
    backend: &str,
    dir: &std::path::Path,
) -> Result<Store, Box<dyn std::error::Error>> {
    let store = match (url, backend) {
        (Some(u), _) => Store::open(u).await?,
        (None, "postgres") => {
            if std::env::var("GAOXIN_TEST_POSTGRES_URL")
                .unwrap_or_default()
                .is_empty()
            {
                return Err("--backend postgres 需要 GAOXIN_TEST_POSTGRES_URL（可建库的管理连接），或用 --database 指定一个空的 PostgreSQL 数据库".into());
            }
            gaoxin_store::testing::postgres()
                .await?
                .ok_or("未能新建 PostgreSQL 数据库")?
        }
        _ => {
            let db = dir.join("load.db");
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
            }
            Store::open(&format!("sqlite://{}", db.display())).await?
        }
    };
    if store.summary(&Scope::Zone).await?.firms != 0 {
        return Err("bench load 需要一个空数据库（--database 指向新建的数据库）".into());
    }
    Ok(store)
}

/// Starts `gaoxin serve --no-demo` on a free port; returns it and its address once `/healthz`
/// answers.
async fn start_server(
    url: &str,
    log: &std::path::Path,
) -> Result<(std::process::Child, String), Box<dyn std::error::Error>> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = Command::new(std::env::current_exe()?)
        .args(["--database", url, "serve", "--no-demo", "--bind", &addr])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log)?)
        .spawn()?;
    let t = Instant::now();
    let mut c = Conn::new(&addr);
    while t.elapsed() < Duration::from_secs(300) {
        if child.try_wait()?.is_some() {
            break;
        }
        if let Ok(a) = c.send("GET", "/healthz", "", b"").await
            && a.status == 200
        {
            return Ok((child, addr));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    Err(format!("服务器未能启动（见日志 {}）", log.display()).into())
}

/// Stops the server with SIGTERM (a normal stop) and returns its CPU time (user, system).
fn stop_server(child: std::process::Child) -> (f64, f64) {
    let pid = child.id() as libc::pid_t;
    // SAFETY: plain syscalls on our own child's pid; `usage` is a C struct wait4 fills; the
    // child is reaped here once (the `Child` handle is not waited on afterwards).
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let t = Instant::now();
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid || r < 0 {
            break;
        }
        if t.elapsed() > Duration::from_secs(60) {
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let secs = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    (secs(usage.ru_utime), secs(usage.ru_stime))
}

pub async fn run(zone: &Zone, url: Option<&str>, a: LoadArgs) -> Res {
    let dir = a.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("gaoxin-load-{}", std::process::id()))
    });
    std::fs::create_dir_all(&dir)?;
    let store = open(url, &a.backend, &dir).await?;
    let url = store.url().to_string();
    eprintln!(
        "… 载入 {} 家企业的演示园区到 {}",
        a.enterprises,
        gaoxin_store::masked_url(&url)
    );
    let cfg = gaoxin_demo::DemoConfig {
        enterprises: a.enterprises,
        first_year: 2019,
        last_year: YEAR,
        seed: 20_221_229,
    };
    crate::data::load_demo(&store, zone, &cfg).await?;
    let password = Arc::new(format!("load-{}", crate::audit_cmd::random_hex()));
    gaoxin_app::accounts::add_user(&store, zone, USER, &password, Role::ZoneAdmin).await?;
    let every = Duration::from_secs(a.import_every.unwrap_or((a.seconds / 5).clamp(1, 60)));
    let n_imports = (a.seconds / every.as_secs().max(1)) as usize + 1;
    let (files, written) = import_files(&store, a.import_firms, n_imports).await?;
    let mut firms = Vec::new();
    store
        .for_each_row(&Scope::Zone, None, Year::new(YEAR).ok(), |e, _| {
            firms.push(e.uscc.as_str().to_string());
            Ok(())
        })
        .await?;
    let mix = Arc::new(Mix {
        parks: zone.parks.iter().map(|p| p.id.to_string()).collect(),
        tracks: zone.tracks.iter().map(|t| t.id.clone()).collect(),
        firms,
    });
    let before = counts(&store).await?;
    store.close().await;

    let log = dir.join("serve.log");
    eprintln!("… gaoxin serve --no-demo（日志 {}）", log.display());
    let (child, addr) = start_server(&url, &log).await?;
    let pid = child.id();
    // every connection signed in first (as many as the throttle allows at once)
    let mut conns = Vec::new();
    for t in (0..a.connections)
        .map(|_| tokio::spawn(signed_conn(addr.clone(), password.clone())))
        .collect::<Vec<_>>()
    {
        conns.push(t.await?);
    }
    let load_start = loadavg();
    let rss_start = rss_mib(pid);
    let t0 = Instant::now();
    let end = t0 + Duration::from_secs(a.seconds);
    let rss_mid = tokio::spawn(async move {
        let mut max = 0f64;
        let mut mid = f64::NAN;
        while Instant::now() < end {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let r = rss_mib(pid);
            max = max.max(r);
            if mid.is_nan() && t0.elapsed().as_secs_f64() >= a.seconds as f64 / 2.0 {
                mid = r;
            }
        }
        (mid, max)
    });
    eprintln!("… {} 个连接，{} 秒", a.connections, a.seconds);
    let writes = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for (k, conn) in conns.into_iter().enumerate() {
        tasks.push(tokio::spawn(worker(
            conn,
            password.clone(),
            mix.clone(),
            k as u64,
            end,
            writes.clone(),
        )));
    }
    let imports = tokio::spawn(importer(
        addr.clone(),
        password.clone(),
        Arc::new(files),
        every,
        (t0, end),
    ));
    let mut tally = Tally::default();
    for t in tasks {
        tally.merge(t.await?);
    }
    let elapsed = t0.elapsed().as_secs_f64();
    let rss_end = rss_mib(pid);
    let (it, acked, sent) = imports.await?;
    tally.merge(it);
    let (rss_mid, rss_max) = rss_mid.await?;
    let load_end = loadavg();
    let (user, sys) = stop_server(child);

    let store = Store::open(&url).await?;
    let after = counts(&store).await?;
    let lost_values = lost_imports(&store, &written, &acked).await?;
    store.close().await;

    let r = Report {
        a: &a,
        url: &url,
        elapsed,
        tally: &tally,
        rss: [rss_start, rss_mid, rss_end, rss_max],
        cpu: (user, sys),
        loads: (load_start, load_end),
        imports: (sent, acked.len() as u64, lost_values),
        before: &before,
        after: &after,
    };
    let failed = r.print();
    if a.dir.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

struct Report<'a> {
    a: &'a LoadArgs,
    url: &'a str,
    elapsed: f64,
    tally: &'a Tally,
    /// start, middle, end, max (MiB)
    rss: [f64; 4],
    cpu: (f64, f64),
    loads: (String, String),
    /// import jobs started, acknowledged as committed, firm-years without their value
    imports: (u64, u64, u64),
    before: &'a BTreeMap<String, u64>,
    after: &'a BTreeMap<String, u64>,
}

fn pct(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize] as f64 / 1000.0
}

impl Report<'_> {
    /// Prints the report; `true` when something failed (an error or a lost write).
    fn print(&self) -> bool {
        let a = self.a;
        let backend = if self.url.starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite"
        };
        println!(
            "bench load — {backend} ({}), {} firms, {} connections, {:.0} s ({} build); load average {} at the start, {} at the end",
            gaoxin_store::masked_url(self.url),
            a.enterprises,
            a.connections,
            self.elapsed,
            if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            },
            self.loads.0,
            self.loads.1
        );
        println!("| endpoint | requests | req/s | p50 ms | p99 ms | max ms | errors |");
        println!("|---|---|---|---|---|---|---|");
        let (mut total, mut errors) = (0usize, 0u64);
        for (what, s) in &self.tally.stats {
            let mut lat = s.lat.clone();
            lat.sort_unstable();
            total += lat.len();
            errors += s.errors;
            println!(
                "| {what} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {} |",
                lat.len(),
                lat.len() as f64 / self.elapsed,
                pct(&lat, 0.5),
                pct(&lat, 0.99),
                pct(&lat, 1.0),
                s.errors
            );
        }
        println!(
            "total: {total} requests, {:.0} req/s, errors {errors}",
            total as f64 / self.elapsed
        );
        for s in &self.tally.samples {
            println!("  error: {s}");
        }
        let [r0, r1, r2, rmax] = self.rss;
        println!(
            "server RSS: start {r0:.0} MiB, middle {r1:.0} MiB, end {r2:.0} MiB (max {rmax:.0} MiB); server CPU {:.1} s user + {:.1} s system",
            self.cpu.0, self.cpu.1
        );
        let (sent, acked, lost_values) = self.imports;
        println!(
            "writes acknowledged: appeals {}, leads {}, imports {acked} of {sent} started",
            self.tally.appeals, self.tally.leads
        );
        let lost = self.lost_rows(acked, sent);
        println!(
            "lost writes: {} (table rows short of before + acknowledged: {}; firm-years of acknowledged imports without their value: {lost_values})",
            lost.0 + lost_values,
            lost.0
        );
        for l in &lost.1 {
            println!("  {l}");
        }
        let other: Vec<String> = self
            .after
            .iter()
            .filter_map(|(k, n)| {
                let b = self.before.get(k).copied().unwrap_or(0);
                (*n != b && !lost.2.contains(&k.as_str())).then(|| format!("{k} {b} → {n}"))
            })
            .collect();
        println!(
            "other tables changed (sessions, the audit trail, stored runs…): {}",
            if other.is_empty() {
                "none".to_string()
            } else {
                other.join(", ")
            }
        );
        println!(
            "reproduce: gaoxin bench load --connections {} --seconds {} --enterprises {} {}  ({} build)",
            a.connections,
            a.seconds,
            a.enterprises,
            if backend == "SQLite" {
                "--backend sqlite".to_string()
            } else {
                "--backend postgres  (GAOXIN_TEST_POSTGRES_URL set)".to_string()
            },
            if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            }
        );
        errors > 0 || lost.0 + lost_values > 0
    }

    /// The checked tables: rows short of (or beyond) before + acknowledged, the lines
    /// describing each, and the names checked.
    fn lost_rows(&self, acked: u64, sent: u64) -> (u64, Vec<String>, Vec<&'static str>) {
        let t = self.tally;
        let checks: [(&'static str, u64); 8] = [
            ("appeals", t.appeals),
            ("appeal_transitions", t.appeals),
            ("leads", t.leads),
            ("lead_history", t.leads),
            ("jobs", sent),
            ("audit appeal.file", t.appeals),
            ("audit lead.create", t.leads),
            ("audit import.commit", acked),
        ];
        let mut lost = 0;
        let mut lines = Vec::new();
        for (table, added) in checks {
            let b = self.before.get(table).copied().unwrap_or(0);
            let n = self.after.get(table).copied().unwrap_or(0);
            let ok = n == b + added;
            if !ok {
                lost += (b + added).abs_diff(n);
            }
            lines.push(format!(
                "{table}: {b} before + {added} acknowledged = {} expected, {n} after{}",
                b + added,
                if ok { "" } else { "  ← MISMATCH" }
            ));
        }
        (lost, lines, checks.map(|c| c.0).to_vec())
    }
}
