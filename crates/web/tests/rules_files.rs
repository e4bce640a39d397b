//! Rule files edited while the server runs: the next firm page uses the new file (the server's
//! cached plans are reloaded), and the 梯度培育, 政策 and firm pages say in Chinese which rule
//! files changed since the stored run (stored vs current version). Its own test binary: it sets
//! `GAOXIN_RULES` for the process.
mod common;

use common::start;
use gaoxin_app::rules_runs;
use gaoxin_store::testing;
use std::path::{Path, PathBuf};

/// A copy of the workspace's rule files in a fresh directory.
fn copy_rules(to: &Path) {
    let from = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/rules"));
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).unwrap();
    for f in std::fs::read_dir(from).unwrap() {
        let f = f.unwrap().path();
        if f.extension().is_some_and(|e| e == "toml") {
            std::fs::copy(&f, to.join(f.file_name().unwrap())).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_rule_file_is_used_and_the_stored_lists_say_they_are_older() {
    let dir = std::env::temp_dir().join(format!("gaoxin-web-rules-{}", std::process::id()));
    // SAFETY: the only test of this binary sets it before starting any server or thread that
    // reads the environment.
    unsafe { std::env::set_var("GAOXIN_RULES", &dir) };
    let hightech = dir.join("hightech_2016.toml");
    let notice = "规则文件已更新：高新技术企业认定（存储结果 2016.1 → 当前 2016.2），列表为上次测算结果，请重新测算";
    for store in testing::all().await.unwrap() {
        copy_rules(&dir);
        let s = start(store).await;
        rules_runs::run_rules(&s.store, gaoxin_model::Year::new(2024).unwrap())
            .await
            .unwrap();
        let own = s.own_firm().await;
        let firm_page = format!("/enterprises/{own}/ladder?year=2024");
        let mut admin = s.signed_in("admin").await;
        for page in ["/ladder?year=2024", "/policies?year=2024", &firm_page] {
            let r = admin.get(page).await;
            assert_eq!(r.status, 200, "{page}");
            assert!(
                !r.text().contains("id=\"rules-notice\""),
                "{page}: nothing changed yet"
            );
        }
        assert!(admin.get(&firm_page).await.text().contains("版本 2016.1"));

        let text = std::fs::read_to_string(&hightech).unwrap();
        assert!(text.contains("version = \"2016.1\""));
        std::fs::write(
            &hightech,
            text.replacen("version = \"2016.1\"", "version = \"2016.2\"", 1),
        )
        .unwrap();
        // the next request uses the new file
        let t = admin.get(&firm_page).await.text();
        assert!(
            t.contains("版本 2016.2") && !t.contains("版本 2016.1"),
            "{t}"
        );
        for page in ["/ladder?year=2024", "/policies?year=2024", &firm_page] {
            let t = admin.get(page).await.text();
            assert!(t.contains("id=\"rules-notice\""), "{page}: {t}");
            assert!(t.contains(notice), "{page}: {t}");
        }
        // a park administrator sees it too; the firm itself reads no run and gets no notice
        let mut park = s.signed_in("park-jiangbei").await;
        assert!(park.get("/ladder?year=2024").await.text().contains(notice));
        let mut firm = s.signed_in("firm").await;
        let t = firm.get(&firm_page).await.text();
        assert!(
            t.contains("版本 2016.2") && !t.contains("rules-notice"),
            "{t}"
        );

        // a new run with the current files: the notice is gone
        rules_runs::run_rules(&s.store, gaoxin_model::Year::new(2024).unwrap())
            .await
            .unwrap();
        for page in ["/ladder?year=2024", "/policies?year=2024", &firm_page] {
            let t = admin.get(page).await.text();
            assert!(!t.contains("id=\"rules-notice\""), "{page}: {t}");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
