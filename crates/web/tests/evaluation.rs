//! The 评价 page and the annual report over HTTP on both backends: every park's rank under each
//! named weight set and how far it moves, each indicator's confidence and proxy label; and the
//! innovation-points placeholder notice wherever points are shown (firm page, bank API).
mod common;

use common::start;
use gaoxin_store::testing;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evaluation_shows_weight_sets_and_indicator_confidence() {
    for store in testing::all().await.unwrap() {
        let s = start(store).await;
        let mut admin = s.signed_in("admin").await;
        // the latest year is evaluated in the background at start (gaoxin_web::warm)
        for _ in 0..1200 {
            let y = gaoxin_model::Year::new(2024).unwrap();
            let scope = gaoxin_store::Scope::Zone;
            let kind = gaoxin_store::RunKind::Points;
            if s.store.latest_run(&scope, kind, y).await.unwrap().is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let r = admin.get("/evaluation?year=2024").await;
        assert_eq!(r.status, 200, "{}", r.text());
        // minijinja escapes '/' as &#x2f;
        let html = r.text().replace("&#x2f;", "/");
        assert!(html.contains("权重方案对比"), "{html}");
        assert!(html.contains("「各20%」名次") && html.contains("「20/20/15/15/30」名次"));
        assert!(html.contains("名次最多变动") || html.contains("最多变动"));
        assert!(html.contains("指标可信度"));
        assert!(html.contains("中（两个公开代码库均有"));
        assert!(
            html.contains("5.5 新晋高成长（瞪羚）企业数"),
            "listed as lower confidence"
        );
        assert!(
            html.contains("2.7 当年获得风险投资的企业数"),
            "listed as a proxy"
        );
        // the run behind the page ranks every ranked park under both sets
        let (rep, _) = gaoxin_app::indicators::latest_park_report(
            &s.store,
            &gaoxin_store::Scope::Zone,
            gaoxin_model::Year::new(2024).unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(rep.weight_sets.len(), 2);
        for p in rep.parks.iter().filter(|p| p.rank.is_some()) {
            assert!(p.set_ranks.iter().all(|r| r.is_some()), "{}", p.park);
        }
        let shift = rep.max_set_rank_shift.unwrap();
        assert!(html.contains(&format!("<strong>{shift}</strong> 位")));
        // a park administrator sees the published comparison too
        let mut park = s.signed_in("park-jiangbei").await;
        let html = park.get("/evaluation?year=2024").await.text();
        assert!(html.contains("权重方案对比"));
        // the printable report says the same
        let html = admin
            .get("/evaluation/report?year=2024")
            .await
            .text()
            .replace("&#x2f;", "/");
        assert!(html.contains("权重敏感性") && html.contains("「20/20/15/15/30」"));

        // innovation points: the firm's page says the scheme is a placeholder
        let own = s.own_firm().await;
        let mut firm = s.signed_in("firm").await;
        let html = firm.get(&format!("/enterprises/{own}/points")).await.text();
        assert!(
            html.contains("总积分"),
            "points were computed with the evaluation"
        );
        assert!(html.contains("占位方案") && html.contains("18项"), "{html}");
    }
}
