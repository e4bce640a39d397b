//! The rules engine on the platform: the 梯度培育 / 政策 pages and the firm's ladder over HTTP with
//! their isolation, on SQLite and (when configured) PostgreSQL. That stored runs reproduce is
//! tested with the use case, in `crates/app/tests/runs.rs`.
mod common;

use common::start;
use gaoxin_app::rules_runs;
use gaoxin_store::{Scope, testing};

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
            .run_list(&Scope::Zone, gaoxin_store::RunKind::Rules)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.year.map(|y| y.get()) == Some(2024))
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

/// Issue 11 C, 5, 7, 8 on the stored run, the pages and the export: the current rung is the
/// recognised status (a 高企 certificate in force places a firm on 高企, by record) and the rules
/// answer only where no record exists, each counted apart; a verdict that depends on the
/// expert-score assumption is its own state in every count; a firm whose verdict is unknown has
/// no distance and is listed apart; one Chinese label per state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ladder_shows_recognised_status_and_keeps_states_apart() {
    use gaoxin_model::{Date, F};
    use gaoxin_rules::{Finding, Verdict};
    for store in testing::all().await.unwrap() {
        let s = start(store).await;
        let (sum, run) = rules_runs::run_rules(&s.store, gaoxin_model::Year::new(2024).unwrap())
            .await
            .unwrap();
        let rows = s
            .store
            .rule_results(&Scope::Zone, &run.id, None, None)
            .await
            .unwrap();
        let ht: std::collections::HashMap<&str, &gaoxin_store::RuleResultRow> = rows
            .iter()
            .filter(|r| r.rule == "hightech_2016")
            .map(|r| (r.uscc.as_str(), r))
            .collect();
        // C: firms holding a certificate valid on the 评价基准日 (2025-06-30) are 高企 by record.
        let (_, fs) = s
            .store
            .panel(
                &Scope::Zone,
                Some((
                    gaoxin_model::Year::new(2024).unwrap(),
                    gaoxin_model::Year::new(2024).unwrap(),
                )),
            )
            .await
            .unwrap();
        let cutoff = Date::new(2022, 6, 30).unwrap().to_int();
        let certified: Vec<&str> = fs
            .iter()
            .filter(|f| f.get(F::HightechCertDate).is_some_and(|d| d > cutoff))
            .map(|f| f.uscc.as_str())
            .collect();
        assert!(certified.len() > 10, "{} certified", certified.len());
        for u in &certified {
            let r = ht[u];
            assert_eq!(r.record, "recognised", "{u}");
            assert!(r.level >= 2, "{u} holds a valid certificate: {r:?}");
            if r.level == 2 {
                assert_eq!(r.level_basis, "record", "{u}");
            }
        }
        let now: Vec<_> = sum.funnel.iter().filter(|f| f.year == 2024).collect();
        let on_ht: usize = now.iter().map(|f| f.counts[2]).sum();
        let by_record: usize = now.iter().map(|f| f.by_record(2)).sum();
        assert!(on_ht > 0 && by_record > 0, "高企 in the funnel: {on_ht}");
        for f in &sum.funnel {
            assert!(f.by_rules.iter().zip(&f.counts).all(|(r, c)| r <= c));
            assert_eq!(f.by_rules[0], 0, "未入梯 is nobody's rung");
        }
        // a rung placed by the rules is one without a record, and says so
        for r in rows.iter().filter(|r| r.level_basis == "rules") {
            let rung_rule = sum
                .rungs
                .iter()
                .find(|g| g.level as i32 == r.level)
                .unwrap();
            if rung_rule.rule.as_deref() == Some(r.rule.as_str()) {
                assert_eq!((r.record.as_str(), r.verdict.as_str()), ("", "pass"));
            }
        }
        let ht_count: usize = sum
            .counts
            .iter()
            .filter(|c| c.rule == "hightech_2016")
            .map(|c| c.recognised)
            .sum();
        assert_eq!(ht_count, certified.len());

        // 5: every firm in exactly one state per rule; 取决于假设 counted apart from 不符合.
        for c in &sum.counts {
            let mine: Vec<_> = rows
                .iter()
                .filter(|r| r.rule == c.rule && r.park == c.park)
                .collect();
            for f in Finding::ALL {
                let n = mine.iter().filter(|r| rules_runs::finding(r) == f).count();
                assert_eq!(c.of(f), n, "{} {} {:?}", c.rule, c.park, f);
            }
        }
        let depends = rows
            .iter()
            .filter(|r| rules_runs::finding(r) == Finding::Depends)
            .count();
        assert!(depends > 0, "the fixture has assumption-dependent verdicts");
        // the funnel's 取决于假设: firms with a rung at or above theirs that has no record and an
        // assumption-dependent verdict
        let rung_of = |rule: &str| sum.rungs.iter().find(|g| g.rule.as_deref() == Some(rule));
        let mut firms: std::collections::BTreeSet<&str> = Default::default();
        for r in &rows {
            if let Some(g) = rung_of(&r.rule)
                && g.level as i32 >= r.level
                && r.record.is_empty()
                && rules_runs::finding(r) == Finding::Depends
            {
                firms.insert(&r.uscc);
            }
        }
        let in_funnel: usize = now.iter().map(|f| f.depends.iter().sum::<usize>()).sum();
        assert_eq!(in_funnel, firms.len());
        assert!(
            rows.iter()
                .filter(|r| r.assumption_dependent && r.verdict != "unknown")
                .all(|r| rules_runs::finding_zh(r) == "取决于专家评分假设")
        );

        // 7: unknown verdicts carry no distance and are never in the distance list.
        assert!(
            rows.iter()
                .filter(|r| r.verdict == "unknown")
                .all(|r| r.distance.is_none())
        );
        let mut undecided_seen = 0;
        for g in sum.rungs.iter().filter_map(|g| g.rule.as_deref()) {
            let (near, und) = rules_runs::nearest_rows(&sum, &rows, g, false);
            assert!(near.iter().all(|r| r.verdict != "unknown"));
            assert!(
                near.windows(2)
                    .all(|w| w[0].distance.unwrap() <= w[1].distance.unwrap())
            );
            for r in &und {
                assert!(r.verdict == "unknown" && !r.supply.is_empty(), "{r:?}");
            }
            undecided_seen += und.len();
        }
        assert!(
            undecided_seen > 0,
            "the fixture has firms with missing data"
        );

        // 8: one label per verdict — the lists' and the firm page's are the same words.
        assert_eq!(
            rules_runs::finding_zh(rows.iter().find(|r| r.verdict == "unknown").unwrap()),
            Verdict::Unknown.zh()
        );

        // the pages
        let mut admin = s.signed_in("admin").await;
        let t = admin
            .get("/ladder?year=2024&rule=hightech_2016")
            .await
            .text();
        assert!(t.contains("已认定") && t.contains("按条件测算"), "{t}");
        assert!(t.contains("id=\"undecided-table\"") || t.contains("没有因缺数据而无法测算的企业"));
        // the funnel table: one header per column (年份, 园区, 未入梯 and each rung)
        let funnel = t.split("id=\"funnel-table\"").nth(1).unwrap();
        let funnel = funnel.split("</table>").next().unwrap();
        let head = funnel.split("</thead>").next().unwrap();
        let first = funnel.split("<tr>").nth(2).unwrap();
        assert_eq!(head.matches("<th ").count(), 3 + 4);
        assert_eq!(first.matches("<td").count(), 3 + 4, "{first}");
        assert!(head.contains(">高新技术企业<"), "{head}");
        let table = t.split("id=\"nearest-table\"").nth(1).unwrap_or("");
        let table = table.split("</table>").next().unwrap();
        assert!(
            !table.contains("badge unknown"),
            "no unknown verdict in the distance list"
        );
        assert!(!t.contains("待定（缺数据）"));
        let own = certified[0];
        let t = admin
            .get(&format!("/enterprises/{own}/ladder?year=2024"))
            .await
            .text();
        assert!(
            t.contains("id=\"standings-table\"") && t.contains("高企证书发证日期"),
            "{t}"
        );
        assert!(t.contains("badge recognised"), "{t}");
        let cert = fs
            .iter()
            .find(|f| f.uscc.as_str() == own)
            .and_then(|f| f.get(F::HightechCertDate))
            .and_then(Date::from_int)
            .unwrap();
        assert!(
            t.contains(&cert.to_string()),
            "the certificate's date: {cert}"
        );

        // the export: the funnel splits 已认定 / 按条件测算, the nearest list keeps unknowns apart,
        // the counts have a 取决于假设 column
        let x = admin.get("/ladder/export.xlsx?year=2024").await;
        assert_eq!(x.status, 200);
        use calamine::{Reader, Xlsx};
        let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(x.body.clone())).unwrap();
        let cell = |r: &calamine::Range<calamine::Data>, i: usize, j: usize| {
            r.get((i, j)).map(|c| c.to_string()).unwrap_or_default()
        };
        let counts = wb.worksheet_range("各园区结果").unwrap();
        let head: Vec<String> = (0..7).map(|j| cell(&counts, 0, j)).collect();
        assert_eq!(
            head,
            [
                "规则",
                "园区",
                "符合",
                "不符合",
                "取决于专家评分假设",
                "无法判定（缺少数据）",
                "已认定（记录）"
            ]
        );
        let funnel = wb.worksheet_range("梯度漏斗").unwrap();
        let head: Vec<String> = (0..funnel.width()).map(|j| cell(&funnel, 0, j)).collect();
        assert!(head.iter().any(|h| h == "高新技术企业：已认定"), "{head:?}");
        assert!(head.iter().any(|h| h == "高新技术企业：无记录、按条件测算"));
        let near = wb.worksheet_range("最接近达标").unwrap();
        let mut after_unknown = std::collections::HashSet::new();
        for i in 1..near.height() {
            let key = (cell(&near, i, 0), cell(&near, i, 1));
            if cell(&near, i, 6) == Verdict::Unknown.zh() {
                assert_eq!(cell(&near, i, 5), "缺数据，无法测算");
                after_unknown.insert(key);
            } else {
                assert!(!after_unknown.contains(&key), "row {i}: unknowns come last");
                assert!(cell(&near, i, 5).parse::<f64>().is_ok(), "row {i}");
            }
        }
    }
}
