//! The forms of 成果转化 on both backends: a demand added and edited by its firm, its park's
//! administrator and the zone, never by another firm or another park (the same 404 as a missing
//! demand); experts and brokers by zone administrators; every bad field named with the input kept;
//! each write in the audit trail; the saved item found by the search at once.
mod common;

use common::{Client, enc, start};
use gaoxin_store::{AuditFilter, Scope, testing};

async fn post(c: &mut Client, path: &str, pairs: &[(&str, &str)]) -> common::Resp {
    let t = c.csrf_token().await;
    let mut all = vec![("_csrf", t.as_str())];
    all.extend_from_slice(pairs);
    c.post_form(path, &all).await
}

fn demand<'a>(id: &'a str, uscc: &'a str, name: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("id", id),
        ("uscc", uscc),
        ("name", name),
        ("description", "电驱系统需要耐高温的碳化硅功率模块封装"),
        ("field", "集成电路"),
        ("budget", "120.5"),
        ("deadline", "2026-12-31"),
    ]
}

async fn audit_count(s: &common::Server, action: &str, park: Option<&str>) -> i64 {
    let f = AuditFilter {
        action: Some(action.into()),
        park: park.map(str::to_string),
        ..Default::default()
    };
    s.store.audit_count(&Scope::Zone, &f).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demand_and_expert_forms_respect_owners_on_both_backends() {
    for store in testing::all().await.unwrap() {
        let s = start(store).await;
        let own = s.own_firm().await; // a 江北 firm
        let other_jb = s
            .firms
            .iter()
            .find(|e| e.park == "jiangbei" && e.uscc.as_str() != own)
            .unwrap()
            .uscc
            .as_str()
            .to_string();
        let xg = s.firm_in("xingang");
        let mut admin = s.signed_in("admin").await;
        let mut firm = s.signed_in("firm").await;
        let mut pjb = s.signed_in("park-jiangbei").await;
        let mut pxg = s.signed_in("park-xingang").await;

        // the zone files a demand for another 江北 firm: found by the search at once
        let r = post(
            &mut admin,
            "/tech/demands/new",
            &demand("XQ-JB2", &other_jb, "碳化硅电驱模块封装攻关"),
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.text());
        assert_eq!(r.header("location"), Some("/tech/demands/XQ-JB2"));
        let hits = admin
            .get(&format!(
                "/tech?against=demands&q={}",
                enc("碳化硅电驱模块封装")
            ))
            .await;
        assert!(
            hits.text().contains("/tech/demands/XQ-JB2"),
            "{}",
            hits.text()
        );
        assert_eq!(
            audit_count(&s, "tech.demand.create", Some("jiangbei")).await,
            1
        );

        // a firm files its own: the 发布企业 is the signed-in firm whatever the form says
        let r = post(
            &mut firm,
            "/tech/demands/new",
            &demand("XQ-OWN", &xg, "固态电池电解质中试需求"),
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.text());
        let d = s
            .store
            .tech_demand(&Scope::Zone, "XQ-OWN")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(d.uscc, own);
        assert_eq!(d.budget_fen, Some(120_500_000));
        // … and edits it, as a 揭榜挂帅 call with milestones and award
        let mut edit = demand("XQ-OWN", "", "固态电池电解质中试揭榜");
        edit.extend([
            ("jiebang", "是"),
            ("milestones", "一期：小试；二期：中试"),
            ("award", "300"),
        ]);
        let r = post(&mut firm, "/tech/demands/XQ-OWN/edit", &edit).await;
        assert_eq!(r.status, 303, "{}", r.text());
        let d = s
            .store
            .tech_demand(&Scope::Zone, "XQ-OWN")
            .await
            .unwrap()
            .unwrap();
        assert!(
            d.jiebang && d.award_fen == Some(300_000_000) && d.name.ends_with("揭榜"),
            "{d:?}"
        );
        assert_eq!(
            audit_count(&s, "tech.demand.update", Some("jiangbei")).await,
            1
        );

        // hostile: a firm cannot read or write another firm's demand's form — the missing demand's 404
        let missing = firm.get("/tech/demands/XQ-NONE/edit").await;
        assert_eq!(missing.status, 404);
        let r = firm.get("/tech/demands/XQ-JB2/edit").await;
        assert_eq!((r.status, &r.body), (404, &missing.body));
        let r = post(
            &mut firm,
            "/tech/demands/XQ-JB2/edit",
            &demand("XQ-JB2", &own, "改掉"),
        )
        .await;
        assert_eq!((r.status, &r.body), (404, &missing.body));
        // … nor take an existing 编号 on a new one (the stored demand stays as it was)
        let r = post(
            &mut firm,
            "/tech/demands/new",
            &demand("XQ-JB2", "", "改掉"),
        )
        .await;
        assert_eq!(r.status, 400);
        assert!(r.text().contains("已被使用"), "{}", r.text());
        let d = s
            .store
            .tech_demand(&Scope::Zone, "XQ-JB2")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (d.uscc.as_str(), d.name.as_str()),
            (other_jb.as_str(), "碳化硅电驱模块封装攻关")
        );

        // hostile: another park's administrator gets the same 404 …
        let r = pxg.get("/tech/demands/XQ-JB2/edit").await;
        assert_eq!(r.status, 404);
        let r = post(
            &mut pxg,
            "/tech/demands/XQ-JB2/edit",
            &demand("XQ-JB2", "", "改掉"),
        )
        .await;
        assert_eq!(r.status, 404);
        // … and cannot file for a firm outside its park
        let r = post(
            &mut pxg,
            "/tech/demands/new",
            &demand("XQ-X", &other_jb, "越权"),
        )
        .await;
        assert_eq!(r.status, 400);
        assert!(
            r.text().contains("不是您权限范围内已登记的企业"),
            "{}",
            r.text()
        );
        assert!(
            s.store
                .tech_demand(&Scope::Zone, "XQ-X")
                .await
                .unwrap()
                .is_none()
        );
        // the park's own administrator edits it
        let r = pjb.get("/tech/demands/XQ-JB2/edit").await;
        assert_eq!(r.status, 200);
        assert!(r.text().contains("碳化硅电驱模块封装攻关"));
        let r = post(
            &mut pjb,
            "/tech/demands/XQ-JB2/edit",
            &demand("XQ-JB2", "", "碳化硅模块封装（园区修订）"),
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.text());
        let d = s
            .store
            .tech_demand(&Scope::Zone, "XQ-JB2")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (d.uscc.as_str(), d.name.as_str()),
            (other_jb.as_str(), "碳化硅模块封装（园区修订）")
        );

        // bad input: every field named, the input kept, nothing written
        let mut bad = demand("XQ-BAD", &other_jb, "保留这段名称");
        bad[5] = ("budget", "十万");
        bad[6] = ("deadline", "2026-02-30");
        bad.push(("award", "5"));
        let r = post(&mut admin, "/tech/demands/new", &bad).await;
        assert_eq!(r.status, 400);
        let t = r.text();
        for f in [
            "「预算（万元）」",
            "「截止日期」",
            "「奖励（万元）」",
            "value=\"保留这段名称\"",
            "value=\"十万\"",
        ] {
            assert!(t.contains(f), "{f}: {t}");
        }
        assert!(
            s.store
                .tech_demand(&Scope::Zone, "XQ-BAD")
                .await
                .unwrap()
                .is_none()
        );

        // experts: zone administrators only; an edit is found by the search at once
        for c in [&mut pjb, &mut firm] {
            assert_eq!(c.get("/tech/experts/new").await.status, 404);
        }
        let x = [
            ("id", "ZJ-9"),
            ("kind", "专家"),
            ("name", "柳青松"),
            ("unit", "东南大学"),
            ("fields", "集成电路"),
            ("keywords", "碳化硅；封装"),
        ];
        let r = post(&mut admin, "/tech/experts/new", &x).await;
        assert_eq!(r.status, 303, "{}", r.text());
        let r = post(
            &mut admin,
            "/tech/experts/ZJ-9/edit",
            &[
                ("kind", "技术经纪人"),
                ("name", "柳青松"),
                ("keywords", "氮化镓外延；射频器件"),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.text());
        let hits = admin
            .get(&format!(
                "/tech?against=experts&q={}",
                enc("氮化镓外延射频器件")
            ))
            .await;
        assert!(
            hits.text().contains("柳青松"),
            "the edited expert is found at once: {}",
            hits.text()
        );
        let r = post(
            &mut admin,
            "/tech/experts/ZJ-9/edit",
            &[("kind", "教授"), ("name", "")],
        )
        .await;
        assert_eq!(r.status, 400);
        assert!(
            r.text().contains("「类型」") && r.text().contains("「姓名」"),
            "{}",
            r.text()
        );
        for c in [&mut pjb, &mut firm] {
            let r = post(c, "/tech/experts/ZJ-9/edit", &[("name", "改掉")]).await;
            assert_eq!(r.status, 404);
        }
        let e = s
            .store
            .tech_expert(&Scope::Zone, "ZJ-9")
            .await
            .unwrap()
            .unwrap();
        assert_eq!((e.kind.as_str(), e.name.as_str()), ("broker", "柳青松"));
        assert_eq!(audit_count(&s, "tech.expert.create", None).await, 1);
        assert_eq!(audit_count(&s, "tech.expert.update", None).await, 1);
    }
}

/// The university role (高校/院所用户): its own unit's results (added and edited), their matches
/// to demands without the firms' identity, the public fields only of other units' results, no
/// demands, cases or firms.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_university_edits_its_results_and_sees_their_matches_on_both_backends() {
    for store in testing::all().await.unwrap() {
        let s = start(store).await;
        let pw = "seu-tech-transfer-2026";
        let role =
            gaoxin_store::Role::from_parts_unit("university", None, None, None, Some("东南大学"))
                .unwrap();
        gaoxin_app::accounts::add_user(&s.store, &s.zone, "seu", pw, role)
            .await
            .unwrap();
        let csv = "编号,名称,摘要,关键词,学科领域,完成单位,技术成熟度,参考价格（万元）\n\
CG1,碳化硅功率器件封装技术,面向新能源汽车电驱的碳化硅功率模块高温封装工艺,碳化硅；功率器件；封装,集成电路,东南大学,7,200\n\
CG2,固态电池电解质,硫化物固态电解质提升电池安全性,固态电池；电解质,新能源,南京大学,4,80\n";
        let who = gaoxin_app::audit::Who::cli();
        let r = gaoxin_app::tech_import::import(
            &s.store,
            &Scope::Zone,
            gaoxin_app::tech_import::Kind::Results,
            csv.as_bytes().to_vec(),
            "",
            &who,
        )
        .await
        .unwrap();
        assert!(r.ok(), "{r:?}");
        let firm = s.firm_in("jiangbei");
        let firm_name = s
            .firms
            .iter()
            .find(|e| e.uscc.as_str() == firm)
            .unwrap()
            .name
            .clone();
        let mut admin = s.signed_in("admin").await;
        let r = post(
            &mut admin,
            "/tech/demands/new",
            &demand("XQ-SIC", &firm, "电驱碳化硅功率模块封装需求"),
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.text());

        let mut uni = s.client();
        assert_eq!(uni.login("seu", pw).await.status, 303);
        // its own result: the price, and the matched demand without the firm
        let t = uni.get("/tech/results/CG1").await;
        assert_eq!(t.status, 200);
        let t = t.text();
        assert!(t.contains("200.00"), "{t}");
        assert!(
            t.contains("电驱碳化硅功率模块封装需求"),
            "the matched demand: {t}"
        );
        assert!(
            !t.contains(&firm_name) && !t.contains(&firm),
            "no firm on the unit's page: {t}"
        );
        assert!(!t.contains("href=\"/tech/demands/XQ-SIC\""), "{t}");
        // another unit's result: public fields only, no matches
        let t = uni.get("/tech/results/CG2").await.text();
        assert!(
            t.contains("固态电池电解质") && t.contains("面议") && !t.contains("80.00"),
            "{t}"
        );
        assert!(!t.contains("电驱碳化硅功率模块封装需求"), "{t}");
        // a firm sees the public fields only, too
        let mut f = s.signed_in("firm").await;
        let t = f.get("/tech/results/CG1").await.text();
        assert!(t.contains("面议") && !t.contains("200.00"), "{t}");
        // no demands, cases or firms for the university
        assert_eq!(uni.get("/tech/demands/XQ-SIC").await.status, 404);
        assert_eq!(uni.get("/tech/cases").await.status, 404);
        assert_eq!(
            uni.get("/api/v1/demands").await.json(),
            serde_json::json!([])
        );
        let hits = uni
            .get(&format!(
                "/tech?against=demands&q={}",
                enc("碳化硅功率模块")
            ))
            .await
            .text();
        assert!(!hits.contains("XQ-SIC"), "{hits}");
        let hits = uni
            .get(&format!(
                "/tech?against=results&q={}",
                enc("碳化硅功率器件封装")
            ))
            .await
            .text();
        assert!(hits.contains("/tech/results/CG1"), "{hits}");
        // it edits its unit's result (though another account imported it), not another unit's
        let edit = [
            ("id", "CG1"),
            ("name", "碳化硅功率器件封装技术（二代）"),
            ("summary", "高温封装工艺"),
            ("trl", "8"),
            ("contact", "王老师"),
        ];
        let r = post(&mut uni, "/tech/results", &edit).await;
        assert_eq!(r.status, 303, "{}", r.text());
        let stored = s
            .store
            .tech_result(&Scope::Zone, "CG1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (stored.trl, stored.unit.as_str(), stored.contact.as_str()),
            (Some(8), "东南大学", "王老师")
        );
        let r = post(
            &mut uni,
            "/tech/results",
            &[("id", "CG2"), ("name", "改掉"), ("summary", "改掉")],
        )
        .await;
        assert_eq!(r.status, 400);
        assert!(r.text().contains("只能修改自己登记的成果"), "{}", r.text());
        // a refused result comes back on the form as typed, with the problem named
        let r = post(
            &mut uni,
            "/tech/results",
            &[
                ("id", "CG8"),
                ("name", "碳化硅衬底"),
                ("summary", "六英寸导电型衬底"),
                ("keywords", "碳化硅；衬底"),
                ("trl", "12"),
            ],
        )
        .await;
        assert_eq!(r.status, 400, "{}", r.text());
        let page = r.text();
        assert!(
            page.contains("id=\"result-errors\"") && page.contains("技术成熟度"),
            "{page}"
        );
        for typed in [
            "value=\"CG8\"",
            "value=\"碳化硅衬底\"",
            "value=\"碳化硅；衬底\"",
            "value=\"12\"",
        ] {
            assert!(page.contains(typed), "{typed} not kept");
        }
        // a new result is its unit's, whatever the form says
        let r = post(
            &mut uni,
            "/tech/results",
            &[
                ("id", "CG7"),
                ("name", "氮化镓外延"),
                ("summary", "射频器件外延片"),
                ("unit", "南京大学"),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.text());
        let stored = s
            .store
            .tech_result(&Scope::Zone, "CG7")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (stored.unit.as_str(), stored.owner.as_str()),
            ("东南大学", "seu")
        );
        // the signed-in user's first page is 成果转化
        let r = uni.get("/").await;
        assert_eq!(r.header("location"), Some("/tech"));
    }
}
