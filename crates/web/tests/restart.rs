//! A server restart (a new application state on the same store) keeps users signed in, drops
//! expired sessions, and shows jobs that were running as interrupted — on both backends.
mod common;
use common::start_with;
use gaoxin_store::{JobKind, testing, unix_now};
use gaoxin_web::Config;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_keeps_sessions_and_marks_running_jobs_interrupted() {
    for store in testing::all().await.unwrap() {
        let mut s = start_with(store, Config::default()).await;
        let mut admin = s.signed_in("admin").await;
        let mut park = s.signed_in("park-jiangbei").await;
        assert_eq!(admin.get("/").await.status, 200);
        let token = admin.csrf_token().await;
        // a real import that finishes before the restart
        let text = format!(
            "统一社会信用代码,年度,营业收入（万元）\n{},2024,12345\n",
            s.firm_in("jiangbei")
        );
        let r = admin
            .post_multipart(
                "/api/v1/imports",
                &[("X-CSRF-Token", &token)],
                &[],
                ("revenue.csv", text.as_bytes()),
            )
            .await;
        assert_eq!(r.status, 202, "{}", r.text());
        let done_id = r.json()["id"].as_str().unwrap().to_string();
        let mut done = serde_json::Value::Null;
        for _ in 0..600 {
            done = admin
                .get(&format!("/api/v1/imports/{done_id}"))
                .await
                .json();
            if done["state"] != "running" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(done["state"], "done", "{done}");
        assert!(done["ok"].as_bool().unwrap(), "{done}");
        // jobs that were running when the server stopped: an import of each user, a rules run
        let now = unix_now();
        s.store
            .insert_job(
                "imp-admin-1",
                JobKind::Import,
                "admin",
                "企业数据.xlsx",
                now,
            )
            .await
            .unwrap();
        s.store
            .job_progress("imp-admin-1", "正在校验并写入", 40)
            .await
            .unwrap();
        s.store
            .insert_job(
                "imp-park-1",
                JobKind::Import,
                "park-jiangbei",
                "园区.csv",
                now,
            )
            .await
            .unwrap();
        s.store
            .insert_job("rules-2023", JobKind::Rules, "admin", "2023", now - 60)
            .await
            .unwrap();

        s.restart(Config::default()).await;
        for c in [&mut admin, &mut park] {
            c.addr = s.addr;
        }
        // still signed in, with the same CSRF token (a state-changing request works)
        assert_eq!(admin.get("/").await.status, 200);
        assert_eq!(admin.get("/api/v1/me").await.status, 200);
        assert_eq!(admin.csrf_token().await, token);
        assert_eq!(park.get("/api/v1/me").await.status, 200);

        // the finished import keeps its state and summary (its detailed report was in memory)
        let j = admin
            .get(&format!("/api/v1/imports/{done_id}"))
            .await
            .json();
        assert_eq!(j["state"], "done");
        assert_eq!(j["percent"], 100);
        assert_eq!(j["summary"], done["summary"]);
        assert_eq!(j["report"], false);
        let t = admin.get(&format!("/upload/jobs/{done_id}")).await.text();
        assert!(t.contains("详细报告未保留"), "{t}");
        // the import is shown as interrupted to its owner, with what to do
        let r = admin.get("/upload/jobs/imp-admin-1").await;
        assert_eq!(r.status, 200, "{}", r.text());
        let t = r.text();
        assert!(t.contains("已中断（服务重启）"), "{t}");
        assert!(t.contains("请重新上传该文件"), "{t}");
        assert!(
            !t.contains("errors.xlsx"),
            "no report link without a report"
        );
        let j = admin.get("/api/v1/imports/imp-admin-1").await.json();
        assert_eq!(j["state"], "interrupted");
        assert_eq!(j["file_name"], "企业数据.xlsx");
        let t = admin.get("/upload").await.text();
        assert!(
            t.contains("已中断的导入") && t.contains("企业数据.xlsx"),
            "{t}"
        );
        assert!(
            !t.contains("园区.csv"),
            "another user's import is not listed"
        );
        // and to nobody else
        assert_eq!(park.get("/upload/jobs/imp-admin-1").await.status, 404);
        assert_eq!(park.get("/api/v1/imports/imp-admin-1").await.status, 404);
        assert!(park.get("/upload").await.text().contains("园区.csv"));

        // the rules run of 2023 (no run of it is stored) is interrupted:
        // shown so, not restarted unasked; the button starts it again
        let t = admin.get("/ladder/evaluating?year=2023").await.text();
        assert!(
            t.contains("已中断（服务重启）") && t.contains("rerun=1"),
            "{t}"
        );
        let j = s.store.latest_rules_job(2023).await.unwrap().unwrap();
        assert_eq!(j.id, "rules-2023", "no new run was started");
        let t = admin
            .get("/ladder/evaluating?year=2023&rerun=1")
            .await
            .text();
        assert!(!t.contains("已中断"), "{t}");
        let mut j = s.store.latest_rules_job(2023).await.unwrap().unwrap();
        for _ in 0..50 {
            if j.id != "rules-2023" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            j = s.store.latest_rules_job(2023).await.unwrap().unwrap();
        }
        assert_ne!(j.id, "rules-2023", "a new run was started");
        assert_eq!(j.owner, "admin");

        // sign-out deletes the session: the cookie is worthless after another restart
        let old = admin.cookie.clone();
        assert_eq!(
            admin
                .post_form("/logout", &[("_csrf", &token)])
                .await
                .status,
            303
        );
        s.restart(Config::default()).await;
        admin.addr = s.addr;
        park.addr = s.addr;
        admin.cookie = old;
        assert_eq!(admin.get("/api/v1/me").await.status, 401);
        assert_eq!(park.get("/api/v1/me").await.status, 200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_sessions_are_purged_at_restart() {
    for store in testing::all().await.unwrap() {
        let short = || Config {
            session_ttl: Duration::from_secs(1),
            ..Config::default()
        };
        let mut s = start_with(store, short()).await;
        let mut c = s.signed_in("analyst").await;
        assert_eq!(c.get("/api/v1/me").await.status, 200);
        tokio::time::sleep(Duration::from_millis(2100)).await;
        s.restart(short()).await;
        c.addr = s.addr;
        // the row is gone: nothing is left for a later purge to find, even far in the future
        assert_eq!(
            s.store
                .purge_sessions(unix_now() + 10_000_000)
                .await
                .unwrap(),
            0,
            "the expired session was purged at the restart"
        );
        assert_eq!(c.get("/api/v1/me").await.status, 401);
    }
}
