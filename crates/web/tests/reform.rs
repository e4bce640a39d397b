//! 政策测算 (issue 20) over HTTP, on SQLite and (when configured) PostgreSQL: zone staff see a
//! rule's parameters with their values and units, every change answers the whole zone's result
//! (baseline vs reform, newly / no longer qualifying, by park, amounts) and the export; a bad
//! value is answered in Chinese in the result area; park administrators and firms get the 404 of
//! a page outside their scope; nothing stored changes.
mod common;

use common::start;
use gaoxin_store::{Scope, testing};

fn count(html: &str, id: &str) -> usize {
    let key = format!("id=\"{id}\">");
    let at = html
        .find(&key)
        .unwrap_or_else(|| panic!("no #{id} in {html}"))
        + key.len();
    html[at..]
        .split('<')
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zone_staff_evaluate_reforms_others_get_404_and_nothing_is_stored() {
    for store in testing::all().await.unwrap() {
        let s = start(store).await;
        let runs_before = s
            .store
            .run_list(&Scope::Zone, gaoxin_store::RunKind::Rules)
            .await
            .unwrap()
            .len();
        let mut admin = s.signed_in("admin").await;

        // the page: the award rule's parameters as sliders and inputs, values in force and units
        let r = admin
            .get("/reform?year=2024&rule=nanjing_first_unicorn_award_2025")
            .await;
        assert_eq!(r.status, 200);
        let t = r.text();
        assert!(
            t.contains("政策测算") && t.contains("reform\" aria-current=\"page\""),
            "menu entry: {t}"
        );
        assert!(
            t.contains("id=\"r-cap\"") && t.contains("type=\"range\""),
            "{t}"
        );
        assert!(
            t.contains("name=\"p.cap\"") && t.contains("value=\"200\""),
            "{t}"
        );
        assert!(t.contains("现行：200万元") && t.contains("万元"), "{t}");
        assert!(
            t.contains("待核实"),
            "UNCONFIRMED parameters are labelled: {t}"
        );
        assert!(t.contains("hx-get=\"/reform/result\""));
        assert!(t.contains("尚未修改任何参数"), "no change yet: {t}");
        assert_eq!(count(&t, "reform-gained"), 0);

        // a lower 科小 threshold: firms newly qualify; a higher one: firms no longer do
        let q = "year=2024&rule=techsme_2022";
        let r = admin
            .get(&format!("/reform/result?{q}&p.min_total=30"))
            .await;
        assert_eq!(r.status, 200);
        let low = r.text();
        assert!(!low.contains("<html"), "a fragment");
        assert!(
            low.contains("评分合格线") || low.contains("科技型中小企业"),
            "{low}"
        );
        assert!(count(&low, "reform-gained") > 0, "{low}");
        assert_eq!(count(&low, "reform-lost"), 0);
        assert!(low.contains("id=\"chart-data\"") && low.contains("data-chart=\"reform-parks\""));
        assert!(
            low.contains("export.xlsx?year=2024&amp;rule=techsme_2022&amp;p.min_total=30"),
            "{low}"
        );
        let r = admin
            .get(&format!("/reform/result?{q}&p.min_total=90"))
            .await;
        let high = r.text();
        assert!(
            count(&high, "reform-lost") > 0 && count(&high, "reform-gained") == 0,
            "{high}"
        );

        // the export of both lists
        let r = admin
            .get(&format!("/reform/export.xlsx?{q}&p.min_total=30"))
            .await;
        assert_eq!(r.status, 200);
        assert!(
            r.header("content-type")
                .unwrap_or("")
                .contains("spreadsheetml")
        );
        assert!(r.body.starts_with(b"PK"));

        // saved reforms (the shipped examples here), each compared with the baseline, exportable
        assert!(t.contains("id=\"reform-saved\""), "{t}");
        assert!(t.contains("首次入选独角兽企业奖励上限提高至300万元"), "{t}");
        assert!(t.contains("奖励上限：200万元 → 300万元"), "{t}");
        assert!(t.contains("file=unicorn_cap_300"), "{t}");
        let r = admin
            .get("/reform/export.xlsx?year=2024&file=unicorn_cap_300")
            .await;
        assert_eq!(r.status, 200);
        assert!(r.body.starts_with(b"PK"));
        for bad in ["nope", "..%2F..%2Fetc%2Fpasswd"] {
            let r = admin
                .get(&format!("/reform/export.xlsx?year=2024&file={bad}"))
                .await;
            assert_eq!(r.status, 400, "{bad}");
            assert!(r.text().contains("没有名为"), "{}", r.text());
        }

        // bad values: said in Chinese in the result area, never a 500
        let r = admin
            .get("/reform/result?year=2024&rule=nanjing_first_unicorn_award_2025&p.cap=abc")
            .await;
        assert_eq!(r.status, 200);
        assert!(r.text().contains("取值「abc」不是数字"), "{}", r.text());
        let r = admin
            .get("/reform/result?year=2024&rule=nanjing_first_unicorn_award_2025&p.cap=-1")
            .await;
        assert!(r.text().contains("金额不能为负"), "{}", r.text());
        let r = admin.get("/reform/result?year=2024&rule=nope").await;
        assert_eq!(r.status, 200);
        assert!(
            r.text().contains("没有可测算的规则「nope」"),
            "{}",
            r.text()
        );
        assert_eq!(admin.get("/reform?year=abc").await.status, 400);
        assert_eq!(admin.get("/reform?year=1999").await.status, 400);
        assert_eq!(
            admin
                .get("/reform/export.xlsx?year=2024&rule=techsme_2022&p.min_total=-5")
                .await
                .status,
            400
        );

        // analysts too; park administrators and firms: the 404 of a page outside their scope
        let mut analyst = s.signed_in("analyst").await;
        assert_eq!(analyst.get("/reform").await.status, 200);
        for who in ["park-jiangbei", "firm"] {
            let mut c = s.signed_in(who).await;
            for path in [
                "/reform",
                "/reform/result?p.min_total=30",
                "/reform/export.xlsx",
            ] {
                assert_eq!(c.get(path).await.status, 404, "{who} {path}");
            }
            assert!(!c.get("/enterprises").await.text().contains("政策测算"));
        }

        // reforms never store runs
        let runs_after = s
            .store
            .run_list(&Scope::Zone, gaoxin_store::RunKind::Rules)
            .await
            .unwrap()
            .len();
        assert_eq!(runs_before, runs_after);
    }
}
