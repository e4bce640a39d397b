//! `gaoxin bench pages`: every row of the speed table (issue 13) measured in one run on a fresh
//! demo zone, with the command that reproduces each figure.
//!
//! The commands are this same binary run as child processes (wall time, CPU time and peak memory
//! of each, from `wait4`); the pages are requests to `gaoxin serve` started on the demo database,
//! as a signed-in zone administrator (an account and a session written to the store), over
//! plain HTTP/1.1 on loopback; the enterprise list under load is a small driver here: N
//! keep-alive connections each sending the next request when the last answer is read.
use crate::data::Res;
use clap::Args;
use gaoxin_store::{Role, SessionRecord, Store, UserRecord};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Args)]
pub struct PagesArgs {
    /// Firms of the demo zone.
    #[arg(long, default_value_t = 30_000)]
    enterprises: u64,
    /// The year evaluated and shown.
    #[arg(long, default_value_t = 2024)]
    year: i32,
    /// Connections of the enterprise-list load.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Seconds of the enterprise-list load.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Working directory for the database [default: a new temporary directory].
    #[arg(long)]
    dir: Option<PathBuf>,
}

/// 32 random bytes as hex (a session token or password nobody types).
fn random_hex() -> Result<String, std::io::Error> {
    use std::io::Read;
    let mut b = [0u8; 32];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut b)?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// A child's wall time, CPU time (user + system) and peak resident memory.
struct Child {
    wall: f64,
    cpu: f64,
    peak_mib: f64,
    ok: bool,
}

fn run_child(args: &[&str]) -> Result<Child, Box<dyn std::error::Error>> {
    let exe = std::env::current_exe()?;
    let t = Instant::now();
    let child = Command::new(exe)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: `usage` is a plain C struct that wait4 fills; the pid is our own child, reaped here
    // once (the `Child` handle is not waited on afterwards).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = t.elapsed().as_secs_f64();
    if r != pid {
        return Err(format!("等待子进程失败：{}", std::io::Error::last_os_error()).into());
    }
    let secs = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    Ok(Child {
        wall,
        cpu: secs(usage.ru_utime) + secs(usage.ru_stime),
        peak_mib: usage.ru_maxrss as f64 / 1024.0,
        ok: libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
    })
}

/// One HTTP/1.1 answer: status, body length, seconds to the last byte.
struct Got {
    status: u16,
    bytes: usize,
    secs: f64,
    body: Vec<u8>,
}

/// Reads more bytes of the answer into `buf`.
async fn fill(s: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<()> {
    let mut chunk = [0u8; 64 * 1024];
    let n = s.read(&mut chunk).await?;
    if n == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    buf.extend_from_slice(&chunk[..n]);
    Ok(())
}

/// Reads one answer from a keep-alive connection (bytes past it stay in `buf`): status, the head
/// (status line and headers, as sent) and the body (de-chunked).
pub(crate) async fn read_answer(
    s: &mut TcpStream,
    buf: &mut Vec<u8>,
) -> std::io::Result<(u16, String, Vec<u8>)> {
    // headers
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        fill(s, buf).await?;
    };
    let raw_head = String::from_utf8_lossy(&buf[..end]).to_string();
    let head = raw_head.to_ascii_lowercase();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    let chunked = head.contains("transfer-encoding: chunked");
    buf.drain(..end);
    let mut body = Vec::new();
    if let Some(n) = length {
        while buf.len() < n {
            fill(s, buf).await?;
        }
        body.extend(buf.drain(..n));
    } else if chunked {
        loop {
            let line_end = loop {
                if let Some(i) = buf.windows(2).position(|w| w == b"\r\n") {
                    break i;
                }
                fill(s, buf).await?;
            };
            let size = usize::from_str_radix(
                String::from_utf8_lossy(&buf[..line_end])
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim(),
                16,
            )
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidData))?;
            while buf.len() < line_end + 2 + size + 2 {
                fill(s, buf).await?;
            }
            body.extend_from_slice(&buf[line_end + 2..line_end + 2 + size]);
            buf.drain(..line_end + 2 + size + 2);
            if size == 0 {
                break;
            }
        }
    }
    Ok((status, raw_head, body))
}

fn request(path: &str, cookie: &str, close: bool) -> Vec<u8> {
    format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: gx_session={cookie}\r\nConnection: {}\r\n\r\n",
        if close { "close" } else { "keep-alive" }
    )
    .into_bytes()
}

async fn get(addr: &str, path: &str, cookie: &str) -> std::io::Result<Got> {
    let t = Instant::now();
    let mut s = TcpStream::connect(addr).await?;
    s.write_all(&request(path, cookie, true)).await?;
    let mut buf = Vec::new();
    let (status, _, body) = read_answer(&mut s, &mut buf).await?;
    Ok(Got {
        status,
        bytes: body.len(),
        secs: t.elapsed().as_secs_f64(),
        body,
    })
}

/// Requests per second, p50 and p99 in ms, errors.
async fn load(
    addr: &str,
    path: &str,
    cookie: &str,
    conns: usize,
    secs: u64,
) -> (f64, f64, f64, u64) {
    let until = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let (addr, req) = (addr.to_string(), request(path, cookie, false));
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0u64;
            'conn: while Instant::now() < until {
                let Ok(mut s) = TcpStream::connect(&addr).await else {
                    errors += 1;
                    continue;
                };
                let mut buf = Vec::new();
                while Instant::now() < until {
                    let t = Instant::now();
                    if s.write_all(&req).await.is_err() {
                        errors += 1;
                        continue 'conn;
                    }
                    match read_answer(&mut s, &mut buf).await {
                        Ok((200, _, _)) => lat.push(t.elapsed().as_secs_f64()),
                        Ok(_) => errors += 1,
                        Err(_) => {
                            errors += 1;
                            continue 'conn;
                        }
                    }
                }
            }
            (lat, errors)
        }));
    }
    let t = Instant::now();
    let mut all = Vec::new();
    let mut errors = 0;
    for task in tasks {
        if let Ok((l, e)) = task.await {
            all.extend(l);
            errors += e;
        }
    }
    let elapsed = t.elapsed().as_secs_f64();
    all.sort_by(|a, b| a.total_cmp(b));
    let q = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .map(|s| s * 1000.0)
            .unwrap_or(f64::NAN)
    };
    (all.len() as f64 / elapsed, q(0.5), q(0.99), errors)
}

struct Row {
    what: String,
    figure: String,
    goal: &'static str,
    command: String,
}

pub async fn run(a: PagesArgs) -> Res {
    let dir = a.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("gaoxin-bench-pages-{}", std::process::id()))
    });
    std::fs::create_dir_all(&dir)?;
    let db = dir.join("bench.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let url = format!("sqlite://{}", db.display());
    let year = a.year.to_string();
    let n = a.enterprises.to_string();
    let mut rows: Vec<Row> = Vec::new();
    let cmd_row = |what: &str,
                   goal: &'static str,
                   args: &[&str]|
     -> Result<Row, Box<dyn std::error::Error>> {
        eprintln!("… gaoxin {}", args.join(" "));
        let mut full = vec!["--database", url.as_str()];
        full.extend_from_slice(args);
        let c = run_child(&full)?;
        Ok(Row {
            what: what.into(),
            figure: format!(
                "{:.2} s（CPU {:.2} s，峰值内存 {:.0} MiB）{}",
                c.wall,
                c.cpu,
                c.peak_mib,
                if c.ok { "" } else { " 失败" }
            ),
            goal,
            command: format!("gaoxin --database {url} {}", args.join(" ")),
        })
    };
    rows.push(cmd_row(
        "载入演示园区",
        "—",
        &["demo", "--enterprises", &n],
    )?);
    rows.push(cmd_row(
        "evaluate",
        "< 3 s",
        &["evaluate", "--year", &year],
    )?);
    rows.push(cmd_row("points", "< 2 s", &["points", "--year", &year])?);
    rows.push(cmd_row(
        "rank --mc 1000",
        "< 2 s",
        &[
            "rank",
            "--scheme",
            "park-evaluation",
            "--year",
            &year,
            "--mc",
            "1000",
        ],
    )?);

    // the account and session the page requests use
    let store = Store::open(&url).await?;
    let now = gaoxin_store::unix_now();
    let user = "bench-admin";
    store
        .insert_user(&UserRecord {
            username: user.into(),
            password_hash: gaoxin_app::accounts::hash_password(&random_hex()?),
            role: Role::ZoneAdmin,
            disabled: false,
            failed_logins: 0,
            locked_until: 0,
            created_at: now,
            must_change_password: false,
        })
        .await?;
    let cookie = random_hex()?;
    store
        .insert_session(
            &cookie,
            &SessionRecord {
                username: Some(user.into()),
                csrf: random_hex()?,
                must_change_password: false,
                created: now,
                last_seen: now,
                idle_expires: now + 24 * 3600,
                absolute_expires: now + 24 * 3600,
            },
        )
        .await?;
    store.close().await;

    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let addr = format!("127.0.0.1:{port}");
    let serve = format!("gaoxin --database {url} serve --no-demo --bind {addr}");
    eprintln!("… {serve}");
    let mut server = Command::new(std::env::current_exe()?)
        .args(["--database", &url, "serve", "--no-demo", "--bind", &addr])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let t = Instant::now();
    let result = pages(&addr, &cookie, &year, &a, &serve, &mut rows, t).await;
    let _ = server.kill();
    let _ = server.wait();
    result?;

    let mut o = std::io::stdout();
    writeln!(
        o,
        "bench pages: {} 家企业的演示园区，SQLite（{}），{} 年",
        a.enterprises,
        db.display(),
        a.year
    )?;
    writeln!(o, "| 项目 | 实测 | 目标 | 复现命令 |\n|---|---|---|---|")?;
    for r in &rows {
        writeln!(
            o,
            "| {} | {} | {} | `{}` |",
            r.what, r.figure, r.goal, r.command
        )?;
    }
    if a.dir.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(ExitCode::SUCCESS)
}

async fn pages(
    addr: &str,
    cookie: &str,
    year: &str,
    a: &PagesArgs,
    serve: &str,
    rows: &mut Vec<Row>,
    started: Instant,
) -> Result<(), Box<dyn std::error::Error>> {
    loop {
        if let Ok(g) = get(addr, "/healthz", cookie).await
            && g.status == 200
        {
            break;
        }
        if started.elapsed() > Duration::from_secs(120) {
            return Err("服务器 120 秒内未启动".into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let base = format!("http://{addr}");
    let page =
        |rows: &mut Vec<Row>, what: &str, goal: &'static str, g: &Got, path: &str, note: &str| {
            rows.push(Row {
                what: what.into(),
                figure: format!(
                    "{:.0} ms（HTTP {}，{} 字节）{note}",
                    g.secs * 1000.0,
                    g.status,
                    g.bytes
                ),
                goal,
                command: format!("{serve}; curl -b gx_session=… {base}{path}"),
            });
        };
    // the first request after the start: the dashboard is warmed in the background meanwhile
    let g = get(addr, "/", cookie).await?;
    page(
        rows,
        "首次（冷）驾驶舱请求（启动后立即）",
        "< 200 ms",
        &g,
        "/",
        "",
    );
    let g = get(addr, "/", cookie).await?;
    page(rows, "驾驶舱（再次）", "< 200 ms", &g, "/", "");
    // the warm-up at start (targets, 政策 page, workbooks, ecosystem pages): `/readyz` answers
    // 200 once it is done; the first views below are asked then, as behind a load balancer
    let listening = started.elapsed();
    loop {
        if get(addr, "/readyz", cookie).await?.status == 200 {
            break;
        }
        if started.elapsed() > Duration::from_secs(300) {
            return Err("服务器 300 秒内未就绪（/readyz）".into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    rows.push(Row {
        what: "启动到就绪（/readyz 200：预热完成）".into(),
        figure: format!(
            "{:.2} s（接受连接 {:.2} s）",
            started.elapsed().as_secs_f64(),
            listening.as_secs_f64()
        ),
        goal: "—",
        command: format!("{serve}; curl {base}/readyz"),
    });
    let ev = format!("/evaluation?year={year}");
    let g = get(addr, &ev, cookie).await?;
    let shown = if String::from_utf8_lossy(&g.body).contains("权重方案对比") {
        "（已存评价）"
    } else {
        "（后台计算中的提示页）"
    };
    page(rows, "评价页首次查看", "< 300 ms", &g, &ev, shown);
    // once the background computation has stored the run
    let t = Instant::now();
    let g = loop {
        let g = get(addr, &ev, cookie).await?;
        if String::from_utf8_lossy(&g.body).contains("权重方案对比")
            || t.elapsed() > Duration::from_secs(300)
        {
            break g;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    page(rows, "评价页（已存评价）", "< 300 ms", &g, &ev, "");
    for (what, path, goal) in [
        ("政策页", format!("/policies?year={year}"), "< 300 ms"),
        ("目标页", "/targets".to_string(), "< 300 ms"),
        (
            "梯度培育 xlsx 导出",
            format!("/ladder/export.xlsx?year={year}"),
            "< 1 s",
        ),
        (
            "政策 xlsx 导出",
            format!("/policies/export.xlsx?year={year}"),
            "< 1 s",
        ),
    ] {
        let g = get(addr, &path, cookie).await?;
        page(rows, &format!("{what}（首次）"), goal, &g, &path, "");
        let g = get(addr, &path, cookie).await?;
        page(rows, &format!("{what}（再次）"), goal, &g, &path, "");
    }
    let list = "/enterprises?park=jiangbei&sort=revenue";
    eprintln!("… {} 个连接压测 {list} {} 秒", a.connections, a.seconds);
    let (rps, p50, p99, errors) = load(addr, list, cookie, a.connections, a.seconds).await;
    rows.push(Row {
        what: format!("{list}，{} 个连接", a.connections),
        figure: format!("{rps:.0} 次/秒，p50 {p50:.1} ms，p99 {p99:.1} ms，错误 {errors}"),
        goal: "≥ 1,000 次/秒，p99 < 100 ms",
        command: format!(
            "{serve}; gaoxin bench pages --connections {} --seconds {}（或 wrk -c{} -d{}s -H 'Cookie: gx_session=…' {base}{list}）",
            a.connections, a.seconds, a.connections, a.seconds
        ),
    });
    Ok(())
}
