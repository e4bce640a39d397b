//! `gaoxin bench crash` (issue 13): crash safety under `kill -9`. Starts `gaoxin serve` on a
//! fresh database (SQLite, or the PostgreSQL database given by `--database`, which must be
//! empty), signs in, uploads imports in a loop through the web API — each file sets every firm's
//! 2024 revenue to one value of its own — and kills the server with SIGKILL at a random moment,
//! N times. After each kill it checks that the database opens (`PRAGMA integrity_check` on
//! SQLite, every table read on both), that an import is all or nothing (one revenue value across
//! all firms, and it is the value of a file whose import was committed), that the audit trail has
//! an `import.commit` entry for every committed import (none for one that was not), then restarts
//! the server and checks that the session signed in before the first kill still works and that
//! no job is left running (an import cut off shows as interrupted).
use crate::data::Res;
use gaoxin_model::rng::Xoshiro256;
use gaoxin_model::{F, Year};
use gaoxin_store::{AuditFilter, JobKind, JobState, Scope, Store};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct CrashArgs {
    /// How many times the server is killed.
    #[arg(long, default_value_t = 50)]
    pub kills: u32,
    /// Firms in the synthetic panel each import rewrites.
    #[arg(long, default_value_t = 2000)]
    pub firms: usize,
    /// Longest time (ms) the server runs before it is killed (a random moment up to this).
    #[arg(long, default_value_t = 3000)]
    pub max_ms: u64,
    /// The random moments' seed.
    #[arg(long, default_value_t = 13)]
    pub seed: u64,
    /// Working directory (the SQLite database, the server's log) [default: a new temporary one].
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

const USER: &str = "crash-admin";

/// One HTTP/1.1 exchange on a fresh connection (`Connection: close`): status, headers, body.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<(u16, String, Vec<u8>)> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes())?;
    s.write_all(body)?;
    let mut all = Vec::new();
    s.read_to_end(&mut all)?;
    let end = all
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or(std::io::ErrorKind::InvalidData)?;
    let head = String::from_utf8_lossy(&all[..end]).to_string();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let mut body = all[end + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    Ok((status, head, body))
}

fn dechunk(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(n) = b[i..].windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&b[i..i + n]).trim(), 16).unwrap_or(0);
        if size == 0 || i + n + 2 + size > b.len() {
            break;
        }
        out.extend_from_slice(&b[i + n + 2..i + n + 2 + size]);
        i += n + 2 + size + 2;
    }
    out
}

fn cookie_of(head: &str) -> Option<String> {
    head.lines()
        .filter_map(|l| l.split_once(':'))
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .find_map(|(_, v)| v.trim().strip_prefix("gx_session="))
        .map(|v| v.split(';').next().unwrap_or("").to_string())
        .filter(|v| !v.is_empty())
}

fn hidden(page: &str, name: &str) -> Option<String> {
    let at = page.find(&format!("name=\"{name}\""))?;
    let rest = &page[at..];
    let v = rest.find("value=\"")? + 7;
    Some(rest[v..v + rest[v..].find('"')?].to_string())
}

/// Signs in; returns the session cookie.
fn sign_in(addr: &str, password: &str) -> Result<String, String> {
    let (_, head, body) = http(addr, "GET", "/login", &[], b"").map_err(|e| e.to_string())?;
    let c = cookie_of(&head).ok_or("no session cookie on /login")?;
    let token = hidden(&String::from_utf8_lossy(&body), "_csrf").ok_or("no CSRF field")?;
    let form = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("_csrf", token.as_str()),
            ("username", USER),
            ("password", password),
            ("next", "/"),
        ])
        .finish();
    let cookie = format!("gx_session={c}");
    let (st, head, _) = http(
        addr,
        "POST",
        "/login",
        &[
            ("Cookie", &cookie),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        form.as_bytes(),
    )
    .map_err(|e| e.to_string())?;
    if st != 303 {
        return Err(format!("sign-in answered {st}"));
    }
    Ok(cookie_of(&head).unwrap_or(c))
}

fn json(addr: &str, path: &str, cookie: &str) -> Option<(u16, serde_json::Value)> {
    let c = format!("gx_session={cookie}");
    let (st, _, body) = http(addr, "GET", path, &[("Cookie", &c)], b"").ok()?;
    Some((st, serde_json::from_slice(&body).unwrap_or_default()))
}

/// Uploads one import and waits for its end; `Some(true)` when it was committed.
fn import(addr: &str, cookie: &str, name: &str, csv: &str) -> Option<bool> {
    let (_, me) = json(addr, "/api/v1/me", cookie)?;
    let token = me["csrf_token"].as_str()?.to_string();
    let b = "----gaoxinCrash7MA4YWxk";
    let mut body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(csv.as_bytes());
    body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
    let c = format!("gx_session={cookie}");
    let ctype = format!("multipart/form-data; boundary={b}");
    let (st, _, resp) = http(
        addr,
        "POST",
        "/api/v1/imports",
        &[
            ("Cookie", &c),
            ("Content-Type", &ctype),
            ("X-CSRF-Token", &token),
        ],
        &body,
    )
    .ok()?;
    if st != 202 {
        return None;
    }
    let id = serde_json::from_slice::<serde_json::Value>(&resp).ok()?["id"]
        .as_str()?
        .to_string();
    loop {
        let (_, j) = json(addr, &format!("/api/v1/imports/{id}"), cookie)?;
        if j["state"] != "running" {
            return Some(j["state"] == "done" && j["result"]["ok"] != false);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Starts the server on a free port; returns it and its address once `/healthz` answers. A port
/// taken by another process between the probe and the bind is retried with another.
fn start(url: &str, log: &std::path::Path) -> Result<(Child, String), Box<dyn std::error::Error>> {
    for _ in 0..10 {
        let addr = format!("127.0.0.1:{}", free_port()?);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)?;
        let mut child = Command::new(std::env::current_exe()?)
            .args(["--database", url, "serve", "--no-demo", "--bind", &addr])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()?;
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(120) {
            if child.try_wait()?.is_some() {
                break;
            }
            if let Ok((200, _, _)) = http(&addr, "GET", "/healthz", &[], b"") {
                return Ok((child, addr));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    Err("the server did not start (see serve.log in the working directory)".into())
}

/// What the checks after the kills found.
#[derive(Default)]
struct Tally {
    kills: u32,
    started: u64,
    acked: u64,
    committed: u64,
    interrupted_jobs: u64,
    sessions_kept: u32,
    failures: Vec<String>,
}

/// The firms' 2024 revenues (fen) as stored: one value per firm.
async fn revenues(store: &Store) -> Result<Vec<Option<i64>>, gaoxin_store::Error> {
    let mut v = Vec::new();
    store
        .for_each_row(&Scope::Zone, None, Year::new(2024).ok(), |_, f| {
            v.push(f.get(F::Revenue));
            Ok(())
        })
        .await?;
    Ok(v)
}

/// The checks on the database right after a kill.
async fn check_after_kill(
    url: &str,
    k: u32,
    acked: &[u64],
    original: &[Option<i64>],
    t: &mut Tally,
) -> Result<(), Box<dyn std::error::Error>> {
    let store = Store::open(url).await?;
    let bad = store.integrity_check().await?;
    if !bad.is_empty() {
        t.failures
            .push(format!("kill {k}: integrity_check: {}", bad.join("; ")));
    }
    store.content_digest().await?; // every table reads
    let revs = revenues(&store).await?;
    let mut distinct: Vec<Option<i64>> = revs.clone();
    distinct.sort();
    distinct.dedup();
    let f = AuditFilter {
        action: Some("import.commit".into()),
        ..AuditFilter::default()
    };
    let entries = store.audit_entries(&Scope::Zone, &f, 1_000_000, 0).await?;
    let files: Vec<u64> = entries
        .iter()
        .filter_map(|e| {
            let d: serde_json::Value = serde_json::from_str(&e.event.detail).ok()?;
            d["file"]
                .as_str()?
                .strip_prefix("crash-")?
                .strip_suffix(".csv")?
                .parse()
                .ok()
        })
        .collect();
    // all or nothing: the data before any import, or one file's value in every firm
    if files.is_empty() {
        if revs != original {
            t.failures.push(format!(
                "kill {k}: the panel changed without a committed import"
            ));
        }
    } else if distinct.len() != 1 {
        t.failures.push(format!(
            "kill {k}: an import was half written: {} different revenues",
            distinct.len()
        ));
    } else if let Some(Some(fen)) = distinct.first() {
        // file n sets n 万元 = n × 10^6 fen; that file has its entry
        let n = (*fen / 1_000_000) as u64;
        if !files.contains(&n) {
            t.failures.push(format!(
                "kill {k}: the data are import {n}'s but the audit trail has no entry for it"
            ));
        }
    }
    // every import acknowledged as committed has its entry; no entry for a file never sent
    for a in acked {
        if !files.contains(a) {
            t.failures.push(format!(
                "kill {k}: import {a} committed without an audit entry"
            ));
        }
    }
    t.committed = files.len() as u64;
    store.close().await;
    Ok(())
}

pub async fn run(zone: &gaoxin_model::Zone, url: Option<&str>, a: CrashArgs) -> Res {
    let dir = a.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("gaoxin-crash-{}", std::process::id()))
    });
    std::fs::create_dir_all(&dir)?;
    let url = match url {
        Some(u) => u.to_string(),
        None => format!("sqlite://{}", dir.join("crash.db").display()),
    };
    let log = dir.join("serve.log");
    // the panel and the account
    let store = Store::open(&url).await?;
    if store.summary(&Scope::Zone).await?.firms != 0 {
        return Err("bench crash 需要一个空数据库（--database 指向新建的数据库）".into());
    }
    let demo = gaoxin_demo::generate(
        zone,
        &gaoxin_demo::DemoConfig {
            enterprises: a.firms,
            first_year: 2024,
            last_year: 2024,
            seed: 7,
        },
    );
    let mut tx = store.begin_import().await?;
    tx.write_enterprises(&demo.enterprises).await?;
    tx.write_facts(&demo.facts).await?;
    tx.commit().await?;
    let password = format!("crash-{}", crate::audit_cmd::random_hex());
    gaoxin_app::accounts::add_user(&store, zone, USER, &password, gaoxin_store::Role::ZoneAdmin)
        .await?;
    let original = revenues(&store).await?;
    store.close().await;
    let codes: Vec<String> = demo
        .enterprises
        .iter()
        .map(|e| e.uscc.as_str().to_string())
        .collect();

    let mut rng = Xoshiro256::new(a.seed);
    let mut t = Tally::default();
    let counter = Arc::new(AtomicU64::new(0));
    let acked = Arc::new(Mutex::new(Vec::<u64>::new()));
    let mut cookie = String::new();
    let wall = Instant::now();
    for k in 0..=a.kills {
        let (mut child, addr) = start(&url, &log)?;
        // after a restart: no job left running, the session still signed in
        let store = Store::open(&url).await?;
        let jobs = store.jobs_of(USER, JobKind::Import, 100_000).await?;
        store.close().await;
        if jobs.iter().any(|j| j.state == JobState::Running) {
            t.failures
                .push(format!("restart {k}: a job is still shown as running"));
        }
        t.interrupted_jobs = jobs
            .iter()
            .filter(|j| j.state == JobState::Interrupted)
            .count() as u64;
        if k == 0 {
            cookie = sign_in(&addr, &password)?;
        } else if matches!(json(&addr, "/api/v1/me", &cookie), Some((200, _))) {
            t.sessions_kept += 1;
        } else {
            t.failures.push(format!(
                "restart {k}: the session signed in before was lost"
            ));
        }
        if k == a.kills {
            let _ = child.kill();
            let _ = child.wait();
            break;
        }
        // writers until the kill
        let stop = Arc::new(AtomicBool::new(false));
        let writer = {
            let (addr, cookie, codes) = (addr.clone(), cookie.clone(), codes.clone());
            let (stop, counter, acked) = (stop.clone(), counter.clone(), acked.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let n = counter.fetch_add(1, Ordering::Relaxed) + 1;
                    let mut csv = String::from(
                        "统一社会信用代码,年度,营业收入（万元）,主营业务收入（万元）,高新技术产品（服务）收入（万元）\n",
                    );
                    for c in &codes {
                        csv.push_str(&format!("{c},2024,{n},清空,清空\n"));
                    }
                    match import(&addr, &cookie, &format!("crash-{n}.csv"), &csv) {
                        Some(true) => acked.lock().expect("acked").push(n),
                        _ => break,
                    }
                }
            })
        };
        let wait = 100 + rng.next_u64() % a.max_ms.max(1);
        std::thread::sleep(Duration::from_millis(wait));
        child.kill()?; // SIGKILL
        child.wait()?;
        stop.store(true, Ordering::Relaxed);
        let _ = writer.join();
        t.kills += 1;
        let acked_now = acked.lock().expect("acked").clone();
        check_after_kill(&url, k + 1, &acked_now, &original, &mut t).await?;
        t.acked = acked_now.len() as u64;
        t.started = counter.load(Ordering::Relaxed);
        eprintln!(
            "kill {}/{}: after {wait} ms; imports sent {}, acknowledged {}, committed {}",
            k + 1,
            a.kills,
            t.started,
            t.acked,
            t.committed
        );
    }
    println!(
        "bench crash — {}: {} kills (SIGKILL) in {:.0} s, {} firms; imports sent {}, acknowledged {}, committed (audit entries) {}; jobs shown as interrupted {}; sessions kept across restarts {}/{}; failures {}",
        gaoxin_store::masked_url(&url),
        t.kills,
        wall.elapsed().as_secs_f64(),
        a.firms,
        t.started,
        t.acked,
        t.committed,
        t.interrupted_jobs,
        t.sessions_kept,
        t.kills,
        t.failures.len()
    );
    println!(
        "reproduce: gaoxin bench crash --kills {} --firms {} --max-ms {} --seed {}",
        a.kills, a.firms, a.max_ms, a.seed
    );
    for f in &t.failures {
        println!("FAILED {f}");
    }
    Ok(if t.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
