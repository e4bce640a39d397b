//! 新型研发机构 over HTTP: the list with grades and warnings, filters, an institution's page, the
//! annual report and exports; a park administrator sees only its park's institutions (another
//! park's answers the same 404 as a missing one); the import is all-or-nothing.
mod common;

use common::*;
use gaoxin_store::testing;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rdi_pages_are_scoped_and_the_import_is_all_or_nothing() {
    for store in testing::all().await.unwrap() {
        let s = start(store).await;
        gaoxin_app::rdi_demo::load(&s.store, &s.zone, &s.firms, 5, 2022, 2024)
            .await
            .unwrap();
        let mut admin = s.signed_in("admin").await;
        let r = admin.get("/rdi").await;
        assert_eq!(r.status, 200);
        let t = r.text();
        assert!(
            t.contains("2024年度评价") && t.contains("演示数据"),
            "{}",
            &t[..500.min(t.len())]
        );
        assert!(t.contains("未经文件确认"), "weights labelled UNCONFIRMED");
        let warned = admin.get("/rdi?warned=1").await.text();
        assert!(warned.contains("预警"));
        assert!(warned.matches("<tr>").count() < t.matches("<tr>").count());
        assert_eq!(admin.get("/rdi?year=abc").await.status, 400);
        assert_eq!(admin.get("/rdi?park=atlantis").await.status, 400);
        let x = admin.get("/rdi/export.xlsx").await;
        assert_eq!(x.status, 200);
        assert!(x.body.starts_with(b"PK"));
        let rep = admin.get("/rdi/report?year=2024").await;
        assert_eq!(rep.status, 200);
        assert!(rep.text().contains("新型研发机构绩效评价报告"));
        assert_eq!(admin.get("/rdi/report.xlsx?year=2024").await.status, 200);
        // a park administrator: only jiangbei's institutions
        let insts = s
            .store
            .rd_institutions(&gaoxin_store::Scope::Zone)
            .await
            .unwrap();
        let jb = insts.iter().find(|i| i.park == "jiangbei").unwrap();
        let other = insts.iter().find(|i| i.park != "jiangbei").unwrap();
        let mut park = s.signed_in("park-jiangbei").await;
        let list = park.get("/rdi").await.text();
        assert!(list.contains(&jb.name));
        assert!(!list.contains(&other.name));
        let page = park.get(&format!("/rdi/{}", jb.id)).await;
        assert_eq!(page.status, 200);
        assert!(page.text().contains("全区中位数"));
        let a = park.get(&format!("/rdi/{}", other.id)).await;
        let b = park.get("/rdi/RDI-9999").await;
        assert_eq!((a.status, b.status), (404, 404));
        assert_eq!(a.body, b.body, "out of scope answers as missing");
        let preport = park.get("/rdi/report?year=2024").await.text();
        assert!(!preport.contains(&other.name));
        // import: one bad row writes nothing; then a good file writes
        let token = park.csrf_token().await;
        let bad = "机构编号,机构名称,园区,年度,研发经费支出（万元）\nNEW-1,新研究院,江北新区,2024,10\nNEW-2,另一研究院,江北新区,2024,十\n";
        let r = park
            .post_multipart(
                "/rdi/import",
                &[],
                &[("_csrf", &token)],
                ("a.csv", bad.as_bytes()),
            )
            .await;
        assert_eq!(r.status, 200);
        assert!(
            r.text().contains("第3行「研发经费支出（万元）」"),
            "{}",
            r.text()
        );
        assert!(
            s.store
                .rd_institution(&gaoxin_store::Scope::Zone, "NEW-1")
                .await
                .unwrap()
                .is_none()
        );
        let other_park = format!(
            "机构编号,机构名称,园区,年度\n{},x,江北新区,2024\n",
            other.id
        );
        let r = park
            .post_multipart(
                "/rdi/import",
                &[],
                &[("_csrf", &token)],
                ("b.csv", other_park.as_bytes()),
            )
            .await;
        assert!(r.text().contains("只能导入本园区的机构"), "{}", r.text());
        let good =
            "机构编号,机构名称,园区,年度,研发经费支出（万元）\nNEW-1,新研究院,江北新区,2024,10\n";
        let r = park
            .post_multipart(
                "/rdi/import",
                &[],
                &[("_csrf", &token)],
                ("c.csv", good.as_bytes()),
            )
            .await;
        assert!(r.text().contains("导入成功"), "{}", r.text());
        // evaluation: zone administrators only
        assert_eq!(
            park.post_form("/rdi/evaluate", &[("_csrf", &token), ("year", "2024")])
                .await
                .status,
            404
        );
        let at = admin.csrf_token().await;
        assert_eq!(
            admin
                .post_form("/rdi/evaluate", &[("_csrf", &at), ("year", "2024")])
                .await
                .status,
            303
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_vitality_page_explains_growth_and_a_park_sees_its_own() {
    let s = start(testing::sqlite().await.unwrap()).await;
    gaoxin_app::rdi_demo::load(&s.store, &s.zone, &s.firms, 5, 2022, 2024)
        .await
        .unwrap();
    let mut admin = s.signed_in("admin").await;
    let r = ready(&mut admin, "/vitality").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let t = r.text();
    assert!(
        t.contains("基期") && t.contains("对增长的贡献") && t.contains("27.63%"),
        "{t}"
    );
    assert_eq!(
        ready(&mut admin, "/vitality?park=atlantis").await.status,
        400
    );
    assert_eq!(ready(&mut admin, "/vitality?year=1900").await.status, 400);
    let mut park = s.signed_in("park-jiangbei").await;
    let p = ready(&mut park, "/vitality?park=xingang").await.text();
    assert!(
        p.contains("创新活力指数 · 江北"),
        "a park administrator sees its own park"
    );
}

/// The page once the index is computed (it shows the progress while it is computed).
async fn ready(c: &mut Client, path: &str) -> Resp {
    for _ in 0..600 {
        let r = c.get(path).await;
        if !r.text().contains("id=\"vitality-loading\"") {
            return r;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("{path}: the index was never computed");
}
