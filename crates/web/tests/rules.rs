//! The rules engine on the platform: stored runs reproduce (same input hash → same results, last
//! year's run re-evaluated), and the 梯度培育 / 政策 pages and the firm's ladder over HTTP with
//! their isolation, on SQLite and (when configured) PostgreSQL.
mod common;

use common::start;
use gaoxin_store::{Scope, testing};
use gaoxin_web::rules_eval;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_are_stored_and_reproduce() {
    for store in testing::all().await.unwrap() {
        let zone = common::zone();
        common::load_fixture(&store, &zone).await;
        let (s23, run23) = rules_eval::run_rules(&store, 2023).await.unwrap();
        let mut seen = Vec::new();
        let (s24, run24) = rules_eval::run_rules_with(&store, 2024, &mut |p| seen.push(p))
            .await
            .unwrap();
        assert_ne!(s23.record.input_hash, s24.record.input_hash);
        // progress: loading, evaluating every firm, then stored rows counting up to the total
        use rules_eval::RunProgress;
        assert_eq!(seen[0], RunProgress::Loading);
        assert_eq!(
            seen[1],
            RunProgress::Evaluating {
                firms: s24.record.firms
            }
        );
        let stored24 = store
            .rule_results(&Scope::Zone, &run24.id, None, None)
            .await
            .unwrap()
            .len();
        let writes: Vec<(usize, usize)> = seen[2..]
            .iter()
            .map(|p| match p {
                RunProgress::Storing { done, total } => (*done, *total),
                other => panic!("unexpected {other:?} after evaluating"),
            })
            .collect();
        assert_eq!(writes.first(), Some(&(0, stored24)));
        assert_eq!(writes.last(), Some(&(stored24, stored24)));
        assert!(writes.windows(2).all(|w| w[0].0 < w[1].0));
        // last year's stored run, reproduced from the store's data and the same rule files
        let files = rules_eval::load_rules().unwrap();
        let (es, fs) = store.panel(&Scope::Zone, Some((2015, 2023))).await.unwrap();
        let again = rules_eval::evaluate_panel(&files, &es, &fs, 2023).unwrap();
        assert_eq!(again.summary.record.input_hash, s23.record.input_hash);
        assert_eq!(again.summary.record.output_hash, s23.record.output_hash);
        assert!(again.summary.record.same_inputs(&s23.record));
        let (stored, _) = rules_eval::latest(&store, &Scope::Zone, 2023)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored, s23);
        let mut rows = store
            .rule_results(&Scope::Zone, &run23.id, None, None)
            .await
            .unwrap();
        let mut fresh = again.rows.clone();
        let key = |r: &gaoxin_store::RuleResultRow| (r.rule.clone(), r.uscc.clone());
        rows.sort_by_key(key);
        fresh.sort_by_key(key);
        assert_eq!(rows.len(), fresh.len());
        for (a, b) in rows.iter().zip(&fresh) {
            assert_eq!(
                (
                    &a.uscc,
                    &a.rule,
                    &a.verdict,
                    a.level,
                    a.amount_fen,
                    a.verified,
                    &a.supply
                ),
                (
                    &b.uscc,
                    &b.rule,
                    &b.verdict,
                    b.level,
                    b.amount_fen,
                    b.verified,
                    &b.supply
                )
            );
            assert_eq!(
                a.distance.map(|d| (d * 1e6).round()),
                b.distance.map(|d| (d * 1e6).round())
            );
        }
        // scope: a park reads only its firms' rows; a firm reads no run
        let jb = store
            .rule_results(&Scope::Park("jiangbei".into()), &run24.id, None, None)
            .await
            .unwrap();
        assert!(!jb.is_empty() && jb.iter().all(|r| r.park == "jiangbei"));
        assert!(
            rules_eval::latest(&store, &Scope::Enterprise(es[0].uscc.clone()), 2024)
                .await
                .unwrap()
                .is_none()
        );
        // the workbook holds every list
        let all = store
            .rule_results(&Scope::Zone, &run24.id, None, None)
            .await
            .unwrap();
        let names = all
            .iter()
            .map(|r| (r.uscc.clone(), r.name.clone()))
            .collect();
        let x = rules_eval::workbook(&zone, &s24, &all, &names, rules_eval::Lists::All).unwrap();
        assert!(x.starts_with(b"PK"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ladder_and_policy_pages_are_scoped() {
    for store in testing::all().await.unwrap() {
        let s = start(store).await;
        let own = s.own_firm().await; // in jiangbei
        let xg = s.firm_in("xingang");
        let mut admin = s.signed_in("admin").await;
        // No stored run yet: the page starts one in the background and shows its progress,
        // polled until the run is stored; a park administrator meanwhile sees "not run".
        let r = admin.get("/ladder?year=2024").await;
        assert_eq!(r.status, 200);
        let t = r.text();
        assert!(t.contains("id=\"rules-job\""), "{t}");
        // a second visitor of the same year joins the running job
        let mut analyst = s.signed_in("analyst").await;
        assert_eq!(analyst.get("/policies?year=2024").await.status, 200);
        let mut early = s.signed_in("park-jiangbei").await;
        let e = early.get("/ladder/evaluating?year=2024").await;
        assert_eq!(e.status, 404, "park administrators do not start runs");
        let polled = common::wait_for_rules_run(&mut admin, "year=2024").await;
        assert!(polled.last().unwrap().contains("评估已完成"), "{polled:?}");
        let runs = s
            .store
            .run_list(&Scope::Zone, "rules")
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.year == Some(2024))
            .count();
        assert_eq!(runs, 1, "one run for both visitors");
        let r = admin.get("/ladder?year=2024").await;
        assert_eq!(r.status, 200);
        let t = r.text();
        assert!(
            t.contains("各园区梯级分布")
                && t.contains("最接近达标")
                && t.contains("id=\"funnel-table\""),
            "{t}"
        );
        assert!(t.contains("新港"), "zone users see every park");
        let r = admin
            .get("/ladder?year=2024&sort=desc&rule=hightech_2016")
            .await;
        assert_eq!(r.status, 200);
        let r = admin.get("/policies?year=2024").await;
        assert_eq!(r.status, 200);
        assert!(r.text().contains("免申即享名单") && r.text().contains("按园区预算"));
        let r = admin.get("/policies/export.xlsx?year=2024").await;
        assert_eq!(r.status, 200);
        assert!(
            r.header("content-type")
                .unwrap_or("")
                .contains("spreadsheetml")
        );
        let r = admin.get(&format!("/enterprises/{own}/ladder")).await;
        assert_eq!(r.status, 200);
        assert!(r.text().contains("当前梯级") && r.text().contains("需要 / 实际"));

        let mut park = s.signed_in("park-jiangbei").await;
        let r = park.get("/ladder?year=2024").await;
        assert_eq!(r.status, 200);
        let t = r.text();
        assert!(!t.contains("新港"), "a park sees only its own park");
        assert!(!t.contains(&xg));
        let r = park.get("/policies?year=2024&park=xingang").await;
        assert_eq!(r.status, 200);
        assert!(!r.text().contains(&xg) && !r.text().contains("新港"));
        assert_eq!(
            park.get(&format!("/enterprises/{xg}/ladder")).await.status,
            404
        );

        let mut firm = s.signed_in("firm").await;
        assert_eq!(firm.get("/ladder").await.status, 404);
        assert_eq!(firm.get("/policies").await.status, 404);
        assert_eq!(firm.get("/ladder/export.xlsx").await.status, 404);
        assert_eq!(
            firm.get(&format!("/enterprises/{xg}/ladder")).await.status,
            404
        );
        let r = firm.get(&format!("/enterprises/{own}/ladder")).await;
        assert_eq!(r.status, 200);
        let t = r.text();
        assert!(t.contains("当前梯级") && t.contains("badge"), "{t}");
        let nav = firm.get(&format!("/enterprises/{own}")).await.text();
        assert!(!nav.contains("href=\"/ladder\"") && nav.contains("/ladder\""));
    }
}
