//! Issue 13, sustained mixed load: the short form of `gaoxin bench load` — 8 connections for
//! 10 s against `gaoxin serve` on a small demo zone (pages, the API, sign-ins, appeal and lead
//! forms, imports through the upload), on SQLite and (when configured) PostgreSQL: no error and
//! no lost write. The long form: `gaoxin bench load` (64 connections, 600 s, 30,000 firms).
use gaoxin_store::testing;

/// `gaoxin [before…] bench load --connections 8 --seconds 10 … [after…]`: success and output.
fn load(before: &[&str], after: &[&str]) -> (bool, String) {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_gaoxin"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .args(before)
        .args([
            "bench",
            "load",
            "--connections",
            "8",
            "--seconds",
            "10",
            "--enterprises",
            "600",
            "--import-every",
            "2",
            "--import-firms",
            "50",
        ])
        .args(after)
        .output()
        .expect("gaoxin runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.success(), text)
}

/// The figure after `label` on the "writes acknowledged" line (e.g. "appeals 7,").
fn count_after(text: &str, label: &str) -> u64 {
    let line = text
        .lines()
        .find(|l| l.starts_with("writes acknowledged:"))
        .unwrap_or("");
    line.split(label)
        .nth(1)
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn check(ok: bool, text: &str) {
    assert!(ok, "{text}");
    assert!(text.contains("errors 0"), "{text}");
    assert!(text.contains("lost writes: 0 "), "{text}");
    assert!(!text.contains("MISMATCH"), "{text}");
    // the mix really wrote: forms and imports were acknowledged and found afterwards
    assert!(count_after(text, "imports ") >= 1, "{text}");
    assert!(
        count_after(text, "appeals ") + count_after(text, "leads ") >= 1,
        "{text}"
    );
    for endpoint in [
        "| GET / |",
        "| POST /login |",
        "| GET /enterprises/{uscc} |",
    ] {
        assert!(text.contains(endpoint), "{endpoint}: {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sustained_mixed_load_has_no_error_and_loses_no_write_on_either_backend() {
    let dir = std::env::temp_dir().join(format!("gaoxin-load-test-{}", std::process::id()));
    let (ok, text) = load(&[], &["--dir", &dir.display().to_string()]);
    check(ok, &text);
    assert!(text.contains("SQLite"), "{text}");
    if let Some(pg) = testing::postgres().await.unwrap() {
        let url = pg.url().to_string();
        pg.close().await;
        let (ok, text) = load(&["--database", &url], &[]);
        check(ok, &text);
        assert!(text.contains("PostgreSQL"), "{text}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
