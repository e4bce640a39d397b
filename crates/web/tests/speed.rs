//! Results kept ready ahead of page views (issue 13, `gaoxin_web::warm`) are never stale: an
//! import through the server changes the enterprise list, the dashboard, the targets and the
//! stored park evaluation the pages show; and a read-only analyst's view of a year without a
//! stored evaluation starts no computation. Both backends.
mod common;

use common::{Client, start};
use gaoxin_store::{RunKind, Scope, testing};
use std::time::Duration;

async fn wait_job(c: &mut Client, id: &str) -> serde_json::Value {
    for _ in 0..1200 {
        let j = c.get(&format!("/api/v1/imports/{id}")).await.json();
        if j["state"] != "running" {
            return j;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("import job {id} did not finish");
}

/// The id of the stored park evaluation of 2024, waiting (up to two minutes) for one other than
/// `not`.
async fn evaluation_run(s: &common::Server, not: Option<&str>) -> String {
    let y = gaoxin_model::Year::new(2024).unwrap();
    for _ in 0..1200 {
        if let Some(r) = s
            .store
            .latest_run(&Scope::Zone, RunKind::ParkEvaluation, y)
            .await
            .unwrap()
            && Some(r.id.as_str()) != not
        {
            return r.id;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let runs: Vec<String> = s
        .store
        .run_list(&Scope::Zone, RunKind::ParkEvaluation)
        .await
        .unwrap()
        .into_iter()
        .map(|r| format!("{} ({})", r.id, r.created_at))
        .collect();
    panic!(
        "no park evaluation of 2024 other than {not:?} was stored ({}); stored: {runs:?}",
        s.store.url()
    );
}

fn first_row(html: &str) -> &str {
    let i = html.find("<tbody").expect("a table");
    &html[i..(i + 2_000).min(html.len())]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_changes_every_cached_page_and_reevaluates() {
    for store in testing::all().await.unwrap() {
        let s = start(store).await;
        let mut admin = s.signed_in("admin").await;
        // computed at start, without any page view
        let run0 = evaluation_run(&s, None).await;
        let html = admin.get("/evaluation?year=2024").await.text();
        assert!(html.contains(&run0), "the page shows the stored run");

        let target = s.firm_in("xingang");
        let list = "/enterprises?park=xingang&sort=revenue";
        let before = admin.get(list).await.text();
        assert!(!first_row(&before).contains(&target) || s.firms.len() < 3);
        let dash0 = admin.get("/api/v1/summary").await.json();
        let targets0 = admin.get("/targets").await.text();
        // a second view is the cached copy (same bytes)
        assert_eq!(admin.get(list).await.text(), before);

        // the firm's 2024 revenue becomes the largest of the zone
        let text = format!("统一社会信用代码,年度,营业收入（万元）\n{target},2024,9999999\n");
        let token = admin.csrf_token().await;
        let r = admin
            .post_multipart(
                "/api/v1/imports",
                &[("X-CSRF-Token", &token)],
                &[("accept_warnings", "1")],
                ("big.csv", text.as_bytes()),
            )
            .await;
        assert_eq!(r.status, 202, "{}", r.text());
        let j = wait_job(&mut admin, r.json()["id"].as_str().unwrap()).await;
        assert_eq!(j["ok"], true, "{j}");

        let after = admin.get(list).await.text();
        assert!(
            first_row(&after).contains(&target),
            "the list shows the new revenue at once: {}",
            first_row(&after)
        );
        // the totals from before the import are served, flagged, while the new ones are
        // computed in the background; then the new ones
        let t = std::time::Instant::now();
        loop {
            let r = admin.get("/api/v1/summary").await;
            if r.json()["years"] != dash0["years"] {
                break;
            }
            assert_eq!(
                r.header("x-data-updating"),
                Some("1"),
                "stale but not flagged"
            );
            assert!(
                t.elapsed() < Duration::from_secs(60),
                "the dashboard's totals never changed after the import"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let targets1 = admin.get("/targets").await.text();
        assert_eq!(
            admin.get("/targets").await.status,
            200,
            "targets recomputed after the import"
        );
        let _ = (targets0, targets1);
        // the latest year's evaluation is computed again from the new data
        let run1 = evaluation_run(&s, Some(&run0)).await;
        // the page shows the new run once no other computation runs (one may have been asked
        // for while the first ran: the import's job and the start-up evaluation overlap)
        let mut html = String::new();
        for _ in 0..1200 {
            html = admin.get("/evaluation?year=2024").await.text();
            if !html.contains("正在后台重新计算") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(!html.contains("计算失败"), "{html}");
        let latest = evaluation_run(&s, Some(&run0)).await;
        assert!(html.contains(&latest), "the page shows the newest run");
        let _ = run1;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_analysts_view_starts_no_computation() {
    for store in testing::all().await.unwrap() {
        let s = start(store).await;
        // let the start-up computation of the latest year finish first
        let _ = evaluation_run(&s, None).await;
        let mut analyst = s.signed_in("analyst").await;
        let y = gaoxin_model::Year::new(2023).unwrap();
        let html = analyst.get("/evaluation?year=2023").await.text();
        assert!(html.contains("尚未由高新区计算发布"), "{html}");
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(
            s.store
                .latest_run(&Scope::Zone, RunKind::ParkEvaluation, y)
                .await
                .unwrap()
                .is_none(),
            "an analyst's view computed nothing"
        );
        // an administrator's view starts it in the background and says so
        let mut admin = s.signed_in("admin").await;
        let html = admin.get("/evaluation?year=2023").await.text();
        assert!(
            html.contains("正在后台计算") || html.contains("权重方案对比"),
            "{html}"
        );
        for _ in 0..1200 {
            if s.store
                .latest_run(&Scope::Zone, RunKind::ParkEvaluation, y)
                .await
                .unwrap()
                .is_some()
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let html = admin.get("/evaluation?year=2023").await.text();
        assert!(html.contains("权重方案对比"), "{html}");
    }
}
