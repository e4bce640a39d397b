//! `gaoxin bench leads`: the pipeline page (线索漏斗) with 100,000 leads under 64 concurrent
//! keep-alive connections against the real server in this process (TCP on 127.0.0.1), signed in
//! as a zone administrator (the widest scope). The requests cycle through every filter the page
//! offers (all, each 大会 edition, each track, each park). Prints the cold latency (the first
//! request of each filter: the SQL aggregates), then p50 / p99 / max and requests per second
//! under load, and the command that reproduces it.
use crate::data::Res;
use clap::Args;
use gaoxin_demo::rng::Rng;
use gaoxin_model::Zone;
use gaoxin_store::{Lead, LeadEvent, Role, Store};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

#[derive(Args)]
pub struct BenchLeadsArgs {
    /// Leads to generate (each with its history).
    #[arg(long, default_value_t = 100_000)]
    leads: usize,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Seconds of measured load (after 2 s of warm-up).
    #[arg(long, default_value_t = 15)]
    seconds: u64,
    /// Database for the benchmark [default: a new SQLite file in a temporary directory];
    /// a postgres:// URL must name an empty database.
    #[arg(long)]
    url: Option<String>,
}

const STAGES: i64 = 7;
const EVENTS: [&str; 5] = ["conf-2021", "conf-2022", "conf-2023", "conf-2024", "other"];

/// `n` synthetic leads over the zone's tracks and parks, with a plausible history each.
fn generate(zone: &Zone, n: usize) -> (Vec<Lead>, Vec<(String, LeadEvent)>) {
    let mut rng = Rng::new(20_261_206);
    let parks: Vec<String> = std::iter::once(String::new())
        .chain(zone.parks.iter().map(|p| p.id.to_string()))
        .collect();
    let now = gaoxin_store::unix_now();
    let mut leads = Vec::with_capacity(n);
    let mut events = Vec::with_capacity(n * 4);
    for i in 0..n {
        let id = format!("B{i:07}");
        let created = now - rng.int(30, 1500) * 86_400;
        let mut stage = 0;
        let mut t = created;
        let mut seq = 1;
        let ev =
            |seq: i64, at: i64, kind: &str, from: Option<i64>, to: Option<i64>, d: Option<i64>| {
                LeadEvent {
                    seq,
                    at,
                    by: "bench".into(),
                    kind: kind.into(),
                    from_stage: from,
                    to_stage: to,
                    dwell_days: d,
                    note: String::new(),
                }
            };
        events.push((id.clone(), ev(seq, t, "created", None, Some(0), None)));
        while stage < STAGES - 2 && rng.chance(0.7) {
            let d = rng.int(3, 90);
            t += d * 86_400;
            seq += 1;
            events.push((
                id.clone(),
                ev(seq, t, "stage", Some(stage), Some(stage + 1), Some(d)),
            ));
            stage += 1;
        }
        let (outcome, invest) = match rng.below(10) {
            0 if stage == STAGES - 2 => ("landed", Some(rng.int(5, 50_000) * 1_000_000)),
            1..=3 => ("dropped", None),
            _ => ("open", None),
        };
        if outcome == "landed" {
            seq += 1;
            events.push((
                id.clone(),
                ev(
                    seq,
                    t + 86_400,
                    "landed",
                    Some(stage),
                    Some(STAGES - 1),
                    Some(1),
                ),
            ));
            stage = STAGES - 1;
        }
        let park = rng.pick(&parks).clone();
        leads.push(Lead {
            id,
            uscc: format!("bench-{i}"),
            firm_name: format!("基准测试企业{i}"),
            in_panel: false,
            firm_class: ["", "", "frontier", "potential_unicorn", "listed"][rng.below(5)].into(),
            track: zone.tracks[rng.below(zone.tracks.len())].id.clone(),
            event: EVENTS[rng.below(EVENTS.len())].into(),
            park: park.clone(),
            owner: "bench".into(),
            stage,
            max_stage: stage,
            stage_since: t,
            next_action: "跟进".into(),
            next_date: Some(gaoxin_app::leads::today(now + rng.int(-60, 60) * 86_400).to_int()),
            outcome: outcome.into(),
            invest_fen: invest,
            landed_park: invest.map(|_| {
                if park.is_empty() {
                    "jiangbei".into()
                } else {
                    park.clone()
                }
            }),
            drop_reason: (outcome == "dropped").then(|| "D01".into()),
            created_at: created,
            created_by: "bench".into(),
            updated_at: t,
        });
    }
    (leads, events)
}

/// One keep-alive HTTP/1.1 connection.
struct Conn {
    r: BufReader<TcpStream>,
    addr: SocketAddr,
    cookie: String,
}

impl Conn {
    async fn open(addr: SocketAddr, cookie: &str) -> std::io::Result<Conn> {
        Ok(Conn {
            r: BufReader::new(TcpStream::connect(addr).await?),
            addr,
            cookie: cookie.into(),
        })
    }
    /// Sends a request; returns (status, set-cookie, body).
    async fn send(
        &mut self,
        method: &str,
        path: &str,
        body: &str,
    ) -> std::io::Result<(u16, Option<String>, Vec<u8>)> {
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        if !self.cookie.is_empty() {
            req.push_str(&format!("Cookie: gx_session={}\r\n", self.cookie));
        }
        if !body.is_empty() {
            req.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
        }
        req.push_str("\r\n");
        req.push_str(body);
        self.r.get_mut().write_all(req.as_bytes()).await?;
        let mut line = String::new();
        self.r.read_line(&mut line).await?;
        let status: u16 = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let (mut len, mut cookie) = (0usize, None);
        loop {
            line.clear();
            self.r.read_line(&mut line).await?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                let v = v.trim();
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.parse().unwrap_or(0);
                } else if k.eq_ignore_ascii_case("set-cookie") && v.starts_with("gx_session=") {
                    cookie = v["gx_session=".len()..]
                        .split(';')
                        .next()
                        .map(str::to_string);
                }
            }
        }
        let mut b = vec![0; len];
        self.r.read_exact(&mut b).await?;
        Ok((status, cookie, b))
    }
}

fn hidden(html: &str, name: &str) -> Option<String> {
    let pat = format!("name=\"{name}\" value=\"");
    let i = html.find(&pat)? + pat.len();
    Some(html[i..i + html[i..].find('"')?].to_string())
}

fn pct(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

pub async fn run(zone: &Zone, a: BenchLeadsArgs) -> Res {
    let dir = std::env::temp_dir().join(format!("gaoxin-bench-leads-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let url = a
        .url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", dir.join("leads.db").display()));
    let store = Store::open(&url).await?;
    let t = Instant::now();
    let (leads, events) = generate(zone, a.leads);
    store.load_leads(&leads, &events).await?;
    let load_s = t.elapsed().as_secs_f64();
    let password = format!("bench-{}-password", std::process::id());
    gaoxin_app::accounts::add_user(&store, zone, "bench-admin", &password, Role::ZoneAdmin).await?;
    let state =
        gaoxin_web::AppState::new(store.clone(), zone.clone(), gaoxin_web::Config::default());
    let (tx, rx) = tokio::sync::oneshot::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(gaoxin_web::serve_state(
        state,
        "127.0.0.1:0",
        move |addr| {
            let _ = tx.send(addr);
        },
        async move {
            let _ = stop_rx.await;
        },
    ));
    let addr = rx.await?;
    // sign in
    let mut c = Conn::open(addr, "").await?;
    let (_, cookie, page) = c.send("GET", "/login", "").await?;
    c.cookie = cookie.unwrap_or_default();
    let token = hidden(&String::from_utf8_lossy(&page), "_csrf")
        .ok_or("sign-in page without a CSRF field")?;
    let form = format!("_csrf={token}&username=bench-admin&password={password}&next=%2F");
    let (st, cookie, _) = c.send("POST", "/login", &form).await?;
    if st != 303 {
        return Err(format!("sign-in failed: {st}").into());
    }
    let cookie = cookie.ok_or("no session cookie")?;
    let mut paths = vec!["/leads/pipeline".to_string()];
    paths.extend(EVENTS.iter().map(|e| format!("/leads/pipeline?event={e}")));
    paths.extend(
        zone.tracks
            .iter()
            .map(|t| format!("/leads/pipeline?track={}", t.id)),
    );
    paths.extend(
        zone.parks
            .iter()
            .map(|p| format!("/leads/pipeline?park={}", p.id)),
    );
    // cold: the first request of each filter computes its aggregates in SQL
    let mut c = Conn::open(addr, &cookie).await?;
    let mut cold = Vec::new();
    for p in &paths {
        let t = Instant::now();
        let (st, _, body) = c.send("GET", p, "").await?;
        if st != 200 || !String::from_utf8_lossy(&body).contains("各阶段") {
            return Err(format!("{p}: {st}").into());
        }
        cold.push(t.elapsed().as_micros() as u64);
    }
    cold.sort_unstable();
    // load
    let warm = Instant::now() + Duration::from_secs(2);
    let end = warm + Duration::from_secs(a.seconds);
    let mut tasks = Vec::new();
    for k in 0..a.connections {
        let (paths, cookie) = (paths.clone(), cookie.clone());
        tasks.push(tokio::spawn(async move {
            let mut c = Conn::open(addr, &cookie).await?;
            let mut lat = Vec::new();
            let mut i = k;
            loop {
                let t0 = Instant::now();
                if t0 >= end {
                    break;
                }
                let (st, _, _) = c.send("GET", &paths[i % paths.len()], "").await?;
                if st != 200 {
                    return Err(std::io::Error::other(format!("status {st}")));
                }
                if t0 >= warm {
                    lat.push(t0.elapsed().as_micros() as u64);
                }
                i += 1;
            }
            Ok::<_, std::io::Error>(lat)
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await??);
    }
    lat.sort_unstable();
    let _ = stop_tx.send(());
    let _ = server.await;
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "bench leads: {} leads, {} history rows ({}; loaded in {load_s:.1} s)",
        leads.len(),
        events.len(),
        gaoxin_store::masked_url(&url)
    );
    println!(
        "  GET /leads/pipeline as zone administrator, {} filters (all, 5 events, {} tracks, {} parks)",
        paths.len(),
        zone.tracks.len(),
        zone.parks.len()
    );
    println!(
        "  cold (first request per filter, SQL aggregates): p50 {:.1} ms, max {:.1} ms",
        pct(&cold, 0.5),
        pct(&cold, 1.0)
    );
    println!(
        "  {} connections, {} s: {} requests, {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        a.connections,
        a.seconds,
        lat.len(),
        lat.len() as f64 / a.seconds as f64,
        pct(&lat, 0.5),
        pct(&lat, 0.99),
        pct(&lat, 1.0)
    );
    println!(
        "  reproduce: gaoxin bench leads --leads {} --connections {} --seconds {}  ({} build)",
        a.leads,
        a.connections,
        a.seconds,
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    Ok(ExitCode::SUCCESS)
}
