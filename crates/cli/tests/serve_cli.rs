//! `gaoxin serve` and the commands that name the database, through the binary: the database
//! URL's password is never printed (serve banner, `demo`, `summary`, a bad URL's error), and a
//! normal stop (SIGTERM, Ctrl-C) shuts down gracefully and leaves no SQLite WAL behind.
//! `GAOXIN_BIN` runs the same checks against another build of the binary.
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> PathBuf {
    std::env::var("GAOXIN_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_BIN_EXE_gaoxin")))
}

fn gaoxin(url: &str, args: &[&str]) -> Output {
    Command::new(bin())
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .arg("--database")
        .arg(url)
        .args(args)
        .output()
        .expect("gaoxin runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Starts `gaoxin serve --bind 127.0.0.1:0 --no-demo` and returns it with its banner line.
fn start_server(url: &str) -> (Child, String) {
    let mut child = Command::new(bin())
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .args([
            "--database",
            url,
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--no-demo",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("gaoxin serve starts");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line).expect("banner");
    // keep reading what follows (the demo accounts), so the server never writes to a closed pipe
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    (child, line)
}

fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .expect("kill runs")
        .success();
    assert!(ok, "kill {sig}");
}

fn wait(child: &mut Child) -> std::process::ExitStatus {
    let t = Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if t.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("gaoxin serve did not stop within 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn an_invalid_url_is_reported_without_its_password() {
    let o = gaoxin("mysql://root:s3cret-pw@db.example/gaoxin", &["summary"]);
    assert!(!o.status.success());
    let t = text(&o);
    assert!(
        t.contains("数据库地址无效：mysql://root:***@db.example/gaoxin"),
        "{t}"
    );
    assert!(!t.contains("s3cret"), "{t}");
}

/// A PostgreSQL URL with a password holding `%40` (an encoded `@`) and `:`: the throwaway test
/// cluster trusts local connections, so it accepts any password.
#[tokio::test]
async fn the_password_of_a_postgres_url_is_never_printed() {
    let Some(store) = gaoxin_store::testing::postgres().await.unwrap() else {
        return;
    };
    let plain = store.url().to_string();
    store.close().await;
    let (scheme, rest) = plain.split_once("://").unwrap();
    let (user, host) = rest.split_once('@').expect("the test URL names a user");
    let user = user.split(':').next().unwrap();
    let url = format!("{scheme}://{user}:S3cr%40t:pw@{host}");
    let masked = format!("{scheme}://{user}:***@{host}");
    let hidden = |t: &str| {
        for secret in ["S3cr", "%40t", "pw@"] {
            assert!(!t.contains(secret), "{secret} printed: {t}");
        }
    };

    let o = gaoxin(
        &url,
        &["demo", "--enterprises", "30", "--years", "2023-2024"],
    );
    assert!(o.status.success(), "{}", text(&o));
    hidden(&text(&o));
    assert!(
        text(&o).contains(&format!("数据库 {masked}")),
        "{}",
        text(&o)
    );

    let o = gaoxin(&url, &["summary"]);
    assert!(o.status.success(), "{}", text(&o));
    hidden(&text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["database"], masked.as_str());
    assert_eq!(v["enterprises"], 30);

    let (mut child, banner) = start_server(&url);
    signal(&child, "-TERM");
    assert!(wait(&mut child).success());
    assert!(banner.contains(&format!("数据库 {masked}")), "{banner}");
    hidden(&banner);

    // backup and restore (into a fresh database, named with a password) print no password either
    let file = std::env::temp_dir().join(format!("gx-masked-{}.gxbak", std::process::id()));
    let f = file.display().to_string();
    let o = gaoxin(&url, &["backup", "--out", &f]);
    assert!(o.status.success(), "{}", text(&o));
    hidden(&text(&o));
    let target = gaoxin_store::testing::postgres().await.unwrap().unwrap();
    let (tscheme, trest) = target.url().split_once("://").unwrap();
    let (tuser, thost) = trest.split_once('@').unwrap();
    let turl = format!(
        "{tscheme}://{}:S3cr%40t:pw@{thost}",
        tuser.split(':').next().unwrap()
    );
    target.close().await;
    let o = gaoxin(&turl, &["restore", &f]);
    assert!(o.status.success(), "{}", text(&o));
    hidden(&text(&o));
    assert!(text(&o).contains(":***@"), "{}", text(&o));
    std::fs::remove_file(&file).ok();
}

fn wal_len(db: &std::path::Path) -> u64 {
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0)
}

/// SIGTERM and SIGINT (Ctrl-C) stop the server gracefully: exit status 0 and the SQLite WAL
/// folded into the database (absent or empty), its data kept.
#[test]
fn a_normal_stop_leaves_no_sqlite_wal() {
    for sig in ["-TERM", "-INT"] {
        let dir = std::env::temp_dir().join(format!(
            "gaoxin-serve-stop-{}-{}",
            std::process::id(),
            &sig[1..]
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("gaoxin.db");
        let url = format!("sqlite://{}", db.display());
        // some data, so that the server's connections have pages to log
        let o = gaoxin(
            &url,
            &["demo", "--enterprises", "200", "--years", "2022-2024"],
        );
        assert!(o.status.success(), "{}", text(&o));
        let (mut child, banner) = start_server(&url);
        assert!(banner.contains("gaoxin 已启动"), "{banner}");
        // the server's start wrote to the log (migrations check, demo accounts)
        assert!(
            wal_len(&db) > 0,
            "{sig}: the WAL holds the server's writes while it runs"
        );
        signal(&child, sig);
        let status = wait(&mut child);
        assert!(status.success(), "{sig}: graceful stop, exit 0: {status:?}");
        assert_eq!(wal_len(&db), 0, "{sig}: the WAL is absent or empty");
        let o = gaoxin(&url, &["summary"]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["enterprises"], 200, "{}", text(&o));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// `gaoxin user add` and `reset-password` apply the password policy (the rule named, nothing
/// stored); a reset makes the user change the password at the next sign-in.
#[tokio::test]
async fn user_commands_apply_the_password_policy() {
    for store in gaoxin_store::testing::all().await.unwrap() {
        let url = store.url().to_string();
        let add = |pw: &str| {
            gaoxin(
                &url,
                &[
                    "user",
                    "add",
                    "wang.li",
                    "--role",
                    "zone_analyst",
                    "--password",
                    pw,
                ],
            )
        };
        for (pw, msg) in [
            ("short-pw-1", "密码太短：至少12个字符（现为10个）"),
            ("WANG.LI", "密码太短"),
            ("1q2w3e4r5t6y", "最常见密码"),
        ] {
            let o = add(pw);
            assert!(!o.status.success(), "{pw}");
            assert!(text(&o).contains(msg), "{pw}: {}", text(&o));
        }
        assert!(store.user("wang.li").await.unwrap().is_none());
        let o = add("tall-river-lamp-9");
        assert!(o.status.success(), "{}", text(&o));
        assert!(
            !store
                .user("wang.li")
                .await
                .unwrap()
                .unwrap()
                .must_change_password
        );
        let o = gaoxin(
            &url,
            &["user", "reset-password", "wang.li", "--password", "wang.li"],
        );
        assert!(text(&o).contains("密码太短"), "{}", text(&o));
        let o = gaoxin(
            &url,
            &[
                "user",
                "reset-password",
                "wang.li",
                "--password",
                "given-by-admin-1",
            ],
        );
        assert!(o.status.success(), "{}", text(&o));
        assert!(text(&o).contains("下次登录时须设置自己的新密码"));
        assert!(
            store
                .user("wang.li")
                .await
                .unwrap()
                .unwrap()
                .must_change_password
        );
        store.close().await;
    }
}

/// Runs `gaoxin serve --bind 127.0.0.1:0` with `extra` flags, expecting it to refuse to start:
/// its exit status and everything it printed (killed and failed after 60 s if it starts).
fn serve_refused(url: &str, extra: &[&str]) -> (std::process::ExitStatus, String) {
    let dir = std::env::temp_dir().join(format!(
        "gaoxin-serve-refused-{}-{}",
        std::process::id(),
        url.len() + extra.len()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let (out, err) = (dir.join("out"), dir.join("err"));
    let mut child = Command::new(bin())
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .args(["--database", url, "serve", "--bind", "127.0.0.1:0"])
        .args(extra)
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .expect("gaoxin serve runs");
    let status = wait(&mut child);
    let text = format!(
        "{}{}",
        std::fs::read_to_string(&out).unwrap_or_default(),
        std::fs::read_to_string(&err).unwrap_or_default()
    );
    let _ = std::fs::remove_dir_all(&dir);
    (status, text)
}

/// `serve` refuses to start while an enabled account that sees real data (any data with
/// `--production`) has a published demo password, naming it and the fix; after
/// `gaoxin user reset-password` it starts.
#[tokio::test]
async fn serve_refuses_a_published_password_on_real_data() {
    for store in gaoxin_store::testing::all().await.unwrap() {
        let url = store.url().to_string();
        let o = gaoxin(
            &url,
            &["demo", "--enterprises", "60", "--years", "2023-2024"],
        );
        assert!(o.status.success(), "{}", text(&o));
        let o = gaoxin(
            &url,
            &[
                "user",
                "add",
                "wang",
                "--role",
                "zone_analyst",
                "--password",
                "demo-analyst-2026",
            ],
        );
        assert!(o.status.success(), "{}", text(&o));
        // production: every account counts as seeing real data
        let (status, out) = serve_refused(&url, &["--production"]);
        assert!(!status.success(), "{out}");
        assert!(
            out.contains("拒绝启动：账号「wang」仍在使用公开的演示密码"),
            "{out}"
        );
        assert!(out.contains("gaoxin user reset-password wang"), "{out}");
        // one real firm imported: the same refusal without the flag
        let dir =
            std::env::temp_dir().join(format!("gaoxin-real-{}-{}", std::process::id(), url.len()));
        std::fs::create_dir_all(&dir).unwrap();
        let csv = dir.join("real.csv");
        std::fs::write(
            &csv,
            format!(
                "统一社会信用代码,企业名称,所属园区,年度,成立日期,行业代码,营业收入（万元）,从业人员（人）\n\
                 {},新港一号公司,新港国家高新园,2024,2015-06-01,C3911,5000,120\n",
                gaoxin_model::Uscc::from_body("91320100MA0000001").unwrap()
            ),
        )
        .unwrap();
        let o = gaoxin(&url, &["import", &csv.display().to_string()]);
        assert!(o.status.success(), "{}", text(&o));
        let (status, out) = serve_refused(&url, &["--no-demo"]);
        assert!(!status.success(), "{out}");
        assert!(out.contains("「wang」"), "{out}");
        // fixed: a new password, and the server starts
        let o = gaoxin(
            &url,
            &[
                "user",
                "reset-password",
                "wang",
                "--password",
                "given-by-admin-1",
            ],
        );
        assert!(o.status.success(), "{}", text(&o));
        let (mut child, banner) = start_server(&url);
        assert!(banner.contains("gaoxin 已启动"), "{banner}");
        signal(&child, "-TERM");
        assert!(wait(&mut child).success());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
