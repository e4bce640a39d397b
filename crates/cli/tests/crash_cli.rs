//! Issue 13, crash safety: the short form of `gaoxin bench crash` — the server killed with
//! SIGKILL at random moments during web imports, a few times, on SQLite and (when configured)
//! PostgreSQL; after each kill the database is sound, every import all or nothing with its audit
//! entry, and after each restart the session is kept and no job is left running. The long form:
//! `gaoxin bench crash --kills 50`.
use gaoxin_store::testing;

/// `gaoxin [before…] bench crash --kills 3 … [after…]`: success and what it printed.
fn crash(before: &[&str], after: &[&str]) -> (bool, String) {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_gaoxin"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .args(before)
        .args([
            "bench", "crash", "--kills", "3", "--firms", "200", "--max-ms", "1500",
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_imports_loses_nothing_on_either_backend() {
    let dir = std::env::temp_dir().join(format!("gaoxin-crash-test-{}", std::process::id()));
    let (ok, text) = crash(&[], &["--dir", &dir.display().to_string()]);
    assert!(ok, "{text}");
    assert!(
        text.contains("3 kills") && text.contains("failures 0"),
        "{text}"
    );
    assert!(text.contains("sessions kept across restarts 3/3"), "{text}");
    if let Some(pg) = testing::postgres().await.unwrap() {
        let (ok, text) = crash(&["--database", pg.url()], &[]);
        assert!(ok, "{text}");
        assert!(text.contains("failures 0"), "{text}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
