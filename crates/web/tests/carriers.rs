//! 孵化载体 over HTTP: the list with grades and filters, a carrier's page with the ladder
//! movement, the evaluation, exports with their 说明 sheet and the API; a park administrator sees
//! only its park's carriers (another park's answers the same 404 as a missing one, by page and
//! API); firms read none; the import is all-or-nothing.
mod common;

use common::*;
use gaoxin_store::{Scope, testing};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn carrier_pages_are_scoped_and_the_import_is_all_or_nothing() {
    for store in testing::all().await.unwrap() {
        let s = start(store).await;
        gaoxin_app::carrier_demo::load(&s.store, &s.zone, &s.firms, 5, 2022, 2024)
            .await
            .unwrap();
        let mut admin = s.signed_in("admin").await;
        let r = admin.get("/carriers").await;
        assert_eq!(r.status, 200);
        let t = r.text();
        assert!(t.contains("2024年度") && t.contains("演示数据"));
        assert!(t.contains("未经文件确认") && t.contains("国家级科技企业孵化器评价指标体系"));
        let makers = admin
            .get(&format!("/carriers?kind={}", enc("众创空间")))
            .await
            .text();
        assert!(makers.matches("<tr>").count() < t.matches("<tr>").count());
        assert_eq!(admin.get("/carriers?year=abc").await.status, 400);
        assert_eq!(admin.get("/carriers?park=atlantis").await.status, 400);
        let x = admin.get("/carriers/export.xlsx").await;
        assert_eq!(x.status, 200);
        assert!(x.body.starts_with(b"PK"));
        let ev = admin.get("/carriers/evaluation?year=2024").await;
        assert_eq!(ev.status, 200);
        assert!(ev.text().contains("众创空间") && ev.text().contains("排名区间"));
        assert_eq!(
            admin
                .get("/carriers/evaluation.xlsx?year=2024")
                .await
                .status,
            200
        );
        assert_eq!(
            admin.get("/carriers/evaluation?year=2001").await.status,
            404
        );
        // a carrier with linked firms shows its ladder movement
        let firms = s.store.carrier_firms(&Scope::Zone, None).await.unwrap();
        let carriers = s.store.carriers(&Scope::Zone).await.unwrap();
        let jb = carriers
            .iter()
            .find(|c| c.park == "jiangbei" && firms.iter().any(|f| f.link.carrier_id == c.id))
            .unwrap();
        let other = carriers.iter().find(|c| c.park != "jiangbei").unwrap();
        let page = admin.get(&format!("/carriers/{}", jb.id)).await.text();
        assert!(
            page.contains("在孵企业梯度跃升") && page.contains("入孵时"),
            "{page}"
        );
        let api = admin.get(&format!("/api/v1/carriers/{}", jb.id)).await;
        assert_eq!(api.status, 200);
        let j = api.json();
        assert_eq!(j["row"]["id"], jb.id.as_str());
        assert!(j["ladder"]["firms"].as_u64().unwrap() >= 1);
        // a park administrator: only jiangbei's carriers; out of scope answers as missing
        let mut park = s.signed_in("park-jiangbei").await;
        let list = park.get("/carriers").await.text();
        assert!(list.contains(&jb.name) && !list.contains(&other.name));
        assert_eq!(park.get(&format!("/carriers/{}", jb.id)).await.status, 200);
        let a = park.get(&format!("/carriers/{}", other.id)).await;
        let b = park.get("/carriers/CAR-9999").await;
        assert_eq!((a.status, b.status), (404, 404));
        assert_eq!(a.body, b.body, "out of scope answers as missing");
        let a = park.get(&format!("/api/v1/carriers/{}", other.id)).await;
        let b = park.get("/api/v1/carriers/CAR-9999").await;
        assert_eq!((a.status, b.status), (404, 404));
        assert_eq!(a.body, b.body);
        let pe = park.get("/carriers/evaluation?year=2024").await.text();
        assert!(!pe.contains(&other.name));
        // a firm reads no carrier, not even by URL
        let mut firm = s.signed_in("firm").await;
        assert_eq!(firm.get(&format!("/carriers/{}", jb.id)).await.status, 404);
        assert_eq!(
            firm.get(&format!("/api/v1/carriers/{}", jb.id))
                .await
                .status,
            404
        );
        // import: one bad row writes nothing; then a good file writes
        let token = park.csrf_token().await;
        let bad = "载体编号,载体名称,载体类型,园区,年度,在孵企业（家）\nNEW-1,新孵化器,孵化器,江北新区,2024,10\nNEW-2,另一空间,众创空间,江北新区,2024,十\n";
        let r = park
            .post_multipart(
                "/carriers/import",
                &[],
                &[("_csrf", &token)],
                ("a.csv", bad.as_bytes()),
            )
            .await;
        assert_eq!(r.status, 200);
        assert!(r.text().contains("第3行「在孵企业（家）」"), "{}", r.text());
        assert!(
            s.store
                .carrier(&Scope::Zone, "NEW-1")
                .await
                .unwrap()
                .is_none()
        );
        let good = bad.replace("十", "12");
        let r = park
            .post_multipart(
                "/carriers/import",
                &[],
                &[("_csrf", &token)],
                ("b.csv", good.as_bytes()),
            )
            .await;
        assert!(r.text().contains("导入成功"), "{}", r.text());
        let ys = s
            .store
            .carrier_years(&Scope::Zone, Some("NEW-1"))
            .await
            .unwrap();
        assert_eq!(ys[0].source_file, "b.csv");
    }
}
