//! `gaoxin backup --out FILE` and `gaoxin restore FILE` through the binary, on SQLite and (when
//! configured) PostgreSQL: a demo zone backed up and restored into a fresh database of each
//! backend has every table's rows and content hash; a second restore into the now non-empty
//! database and a truncated file are refused with a Chinese message and exit code 2.
use gaoxin_store::{Store, testing};
use std::path::PathBuf;
use std::process::Output;

fn gaoxin(url: &str, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_gaoxin"))
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

/// Every table's digest but the audit trail's: the backup and the restore themselves are
/// recorded there (after the snapshot, and in the restored database), so it differs by them.
async fn digest(s: &Store) -> Vec<gaoxin_store::TableDigest> {
    let mut d = s.content_digest().await.unwrap();
    d.retain(|t| t.table != "audit_log");
    d
}

async fn fresh() -> Vec<Store> {
    testing::all().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_then_restore_into_each_backend() {
    let dir = std::env::temp_dir().join(format!("gaoxin-backup-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (i, source) in fresh().await.into_iter().enumerate() {
        let url = source.url().to_string();
        let o = gaoxin(
            &url,
            &["demo", "--enterprises", "200", "--years", "2023-2024"],
        );
        assert!(o.status.success(), "{}", text(&o));
        let file = dir.join(format!("b{i}.gxbak"));
        let f = file.display().to_string();
        let o = gaoxin(&url, &["backup", "--out", &f]);
        assert!(o.status.success(), "{}", text(&o));
        assert!(text(&o).contains("已备份"), "{}", text(&o));
        let mut partial = file.clone().into_os_string();
        partial.push(".partial");
        assert!(!PathBuf::from(partial).exists(), "no partial file left");
        let want = digest(&source).await;
        for target in fresh().await {
            let o = gaoxin(target.url(), &["restore", &f]);
            assert!(o.status.success(), "{}", text(&o));
            assert_eq!(digest(&target).await, want);
            let o = gaoxin(target.url(), &["restore", &f]);
            assert_eq!(o.status.code(), Some(2), "{}", text(&o));
            assert!(
                text(&o).contains("目标数据库不是空的") && text(&o).contains("enterprises"),
                "{}",
                text(&o)
            );
        }
        // --native: the backend's own file, restored into a fresh database of the same backend
        let native = dir.join(format!("n{i}.bak")).display().to_string();
        let o = gaoxin(&url, &["backup", "--native", "--out", &native]);
        assert!(o.status.success(), "{}", text(&o));
        let target = match source.backend() {
            gaoxin_store::Backend::Sqlite => testing::sqlite().await.unwrap(),
            gaoxin_store::Backend::Postgres => testing::postgres().await.unwrap().unwrap(),
        };
        let o = gaoxin(target.url(), &["restore", &native]);
        assert!(o.status.success(), "{}", text(&o));
        assert_eq!(digest(&target).await, want);
        let bytes = std::fs::read(&file).unwrap();
        let cut = dir.join(format!("cut{i}.gxbak"));
        std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
        let target = testing::sqlite().await.unwrap();
        let o = gaoxin(target.url(), &["restore", &cut.display().to_string()]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(text(&o).contains("不完整或已损坏"), "{}", text(&o));
        assert!(
            target
                .content_digest()
                .await
                .unwrap()
                .iter()
                .all(|t| t.rows == 0)
        );
    }
}
