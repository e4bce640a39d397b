//! 人才 personal records over HTTP: another park cannot read a talent's record by URL, API or
//! export (the same 404 as a missing record), and every read is in the audit trail.
mod common;

use common::{Server, start};
use gaoxin_store::{AuditFilter, Scope, testing};

async fn seed(s: &Server) {
    let csv = "人才编号,姓名,性别,出生年份,国籍,最高学历,领域,工作单位类型,工作单位,引进年份,状态,园区,身份证号码\n\
RC-JB,王五,女,1990,中国,博士,集成电路,高校,东南大学,2023,在岗,jiangbei,110105199012310027\n\
RC-XG,赵六,男,1980,中国,硕士,生物医药,科研院所,某研究院,2021,在岗,xingang,\n";
    let r = gaoxin_app::talent_import::import(
        &s.store,
        &s.zone,
        &gaoxin_app::talent_service::ServiceConfig::load().unwrap(),
        &gaoxin_app::talent::Reader::cli(Scope::Zone),
        csv.as_bytes().to_vec(),
        "t.csv",
        gaoxin_store::unix_now(),
    )
    .await
    .unwrap();
    assert!(r.is_ok(), "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_park_cannot_read_a_talent_by_url_api_or_export() {
    for store in testing::all().await.unwrap() {
        let s = start(store).await;
        seed(&s).await;
        let mut xg = s.signed_in("park-xingang").await;
        let missing = xg.get("/talents/RC-NONE").await;
        assert_eq!(missing.status, 404);
        for path in ["/talents/RC-JB", "/talents/RC-JB/held"] {
            let r = xg.get(path).await;
            assert_eq!(r.status, 404, "{path}");
            assert_eq!(
                r.body, missing.body,
                "{path}: the same answer as a missing record"
            );
        }
        assert_eq!(xg.get("/api/v1/talents/RC-JB").await.status, 404);
        assert_eq!(xg.get("/api/v1/talents/RC-XG").await.status, 200);
        let list = xg.get("/talents").await;
        assert!(
            list.text().contains("RC-XG") && !list.text().contains("RC-JB"),
            "{}",
            list.status
        );
        let x = xg
            .get("/talents/export?personal=1&reason=%E5%B9%B4%E5%BA%A6%E7%BB%9F%E8%AE%A1")
            .await;
        assert_eq!(x.status, 200);
        let text = xlsx_text(&x.body);
        assert!(
            text.contains("RC-XG") && !text.contains("RC-JB") && !text.contains("王五"),
            "{text}"
        );
        // a personal export without a reason is refused
        assert_eq!(
            xg.get("/talents/export?personal=1&reason=").await.status,
            400
        );
        // the firm and the analyst read no personal record
        for who in ["firm", "analyst"] {
            let mut c = s.signed_in(who).await;
            assert_eq!(c.get("/talents/RC-JB").await.status, 404, "{who}");
            assert_eq!(c.get("/api/v1/talents/RC-JB").await.status, 404, "{who}");
        }
        // its own park reads it, masked, and the read is recorded for the park
        let mut jb = s.signed_in("park-jiangbei").await;
        let r = jb.get("/talents/RC-JB").await;
        assert_eq!(r.status, 200);
        assert!(
            r.text().contains("**************0027") && !r.text().contains("110105199012310027")
        );
        let j = jb.get("/api/v1/talents/RC-JB").await.json();
        assert_eq!(j["id"], "**************0027");
        let f = AuditFilter {
            action: Some("talent.read".into()),
            subject: Some("RC-JB".into()),
            ..Default::default()
        };
        let jb_scope = Scope::Park(gaoxin_model::ParkId::parse("jiangbei").unwrap());
        assert_eq!(s.store.audit_count(&jb_scope, &f).await.unwrap(), 2);
        let xf = AuditFilter {
            action: Some("talent.export".into()),
            ..Default::default()
        };
        let e = s
            .store
            .audit_entries(&Scope::Zone, &xf, 10, 0)
            .await
            .unwrap();
        assert!(e.iter().any(|x| x.event.detail.contains("年度统计")));
        // the held report lists who read the record
        let h = jb.get("/talents/RC-JB/held").await;
        assert_eq!(h.status, 200);
        assert!(h.text().contains("park-jiangbei") && h.text().contains("查阅记录"));
    }
}

fn xlsx_text(bytes: &[u8]) -> String {
    use calamine::{Reader as _, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut out = String::new();
    for name in wb.sheet_names() {
        for row in wb.worksheet_range(&name).unwrap().rows() {
            for c in row {
                out.push_str(&c.to_string());
                out.push('\t');
            }
            out.push('\n');
        }
    }
    out
}
