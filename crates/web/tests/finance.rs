//! 科技金融 over HTTP against the real server on both backends: who may declare a loan need for
//! which firm, a published list that each bank sees only for firms that consented to it, bank
//! responses and 创新积分贷 outcomes refused (the same 404 as a missing one) without consent or
//! with another bank's key, staff lists scoped by park, and the statistics moving with the answers.
mod common;

use common::{Server, hidden_value, start};
use gaoxin_store::testing;

async fn bank(s: &Server, key: &str, method: &str, path: &str, body: &str) -> common::Resp {
    let mut c = s.client();
    let auth = format!("Bearer {key}");
    c.request(
        method,
        path,
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        body.as_bytes(),
    )
    .await
}

/// Declares a need through the firm page's form as `c`.
async fn declare(c: &mut common::Client, uscc: &str, amount: &str) -> common::Resp {
    let csrf = c.csrf_token().await;
    c.post_form(
        &format!("/enterprises/{uscc}/loan-demands"),
        &[
            ("_csrf", &csrf),
            ("amount_wan", amount),
            ("term_months", "24"),
            ("purpose", "研发投入"),
            ("collateral", "知识产权质押"),
            ("declared_on", "2026-11-01"),
        ],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_loan_demand_list_is_scoped_for_firms_parks_and_banks() {
    for store in testing::all().await.unwrap() {
        let s = start(store).await;
        gaoxin_app::indicators::run_points(&s.store, gaoxin_model::Year::new(2024).unwrap())
            .await
            .unwrap();
        let own = s.own_firm().await; // jiangbei
        let jb = s.firm_in("jiangbei");
        let xg = s.firm_in("xingang");
        let mut firm = s.signed_in("firm").await;
        let mut park_jb = s.signed_in("park-jiangbei").await;
        let mut park_xg = s.signed_in("park-xingang").await;
        let mut analyst = s.signed_in("analyst").await;
        let mut admin = s.signed_in("admin").await;

        // the firm declares for itself (exact fen); not for another firm: the 404 of a missing one
        assert_eq!(declare(&mut firm, &own, "12345.67").await.status, 303);
        let other = declare(&mut firm, &jb, "1").await;
        let missing = declare(&mut firm, &s.missing, "1").await;
        assert_eq!(other.status, 404);
        assert_eq!(other.body, missing.body);
        // a park administrator declares for its park's firm, not another park's; analysts never
        assert_eq!(declare(&mut park_xg, &xg, "800").await.status, 303);
        assert_eq!(declare(&mut park_jb, &xg, "800").await.status, 404);
        assert_eq!(declare(&mut analyst, &own, "800").await.status, 404);
        // bad input: a Chinese message naming the field, nothing written
        let bad = declare(&mut firm, &own, "十万").await;
        assert_eq!(bad.status, 400);
        assert!(bad.text().contains("需求金额（万元）"), "{}", bad.text());

        // lists: a park sees its own park's demands only; a firm has no list page
        let page = park_jb.get("/finance").await.text();
        assert!(page.contains("12,345.67"), "{page}");
        assert!(
            !page.contains("800.00"),
            "a xingang demand leaked to jiangbei"
        );
        assert_eq!(firm.get("/finance").await.status, 404);
        let frag = firm
            .get(&format!("/enterprises/{own}/finance"))
            .await
            .text();
        assert!(
            frag.contains("12,345.67") && frag.contains("申报贷款需求"),
            "{frag}"
        );

        // the zone publishes (park admins cannot)
        let csrf = park_jb.csrf_token().await;
        let r = park_jb
            .post_form(
                "/finance/editions",
                &[("_csrf", &csrf), ("title", "x"), ("date", "2026-11-10")],
            )
            .await;
        assert_eq!(r.status, 404);
        let csrf = admin.csrf_token().await;
        let r = admin
            .post_form(
                "/finance/editions",
                &[
                    ("_csrf", &csrf),
                    ("title", "2026年第1期"),
                    ("date", "2026-11-10"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.text());

        // two banks; the firm consents to the first only (through its page's form)
        let (_, key1) = s
            .store
            .add_bank("南京银行南京分行", 1)
            .await
            .unwrap()
            .unwrap();
        let (_, key2) = s
            .store
            .add_bank("招商银行南京分行", 1)
            .await
            .unwrap()
            .unwrap();
        let html = firm.get(&format!("/enterprises/{own}/points")).await.text();
        let bank1_id = html
            .split("<option value=\"")
            .find_map(|t| {
                let (id, rest) = t.split_once('"')?;
                rest.starts_with(">南京银行").then(|| id.to_string())
            })
            .unwrap();
        let csrf = hidden_value(&html, "_csrf").unwrap();
        let r = firm
            .post_form(
                &format!("/enterprises/{own}/consents"),
                &[
                    ("_csrf", &csrf),
                    ("bank", &bank1_id),
                    ("expires", "2099-12-31"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.text());

        // bank 1 sees the consenting firm only, with its exact amount; bank 2 sees nobody
        let l1 = bank(&s, &key1, "GET", "/api/v1/bank/loan-demands", "").await;
        assert_eq!(l1.status, 200, "{}", l1.text());
        let j1 = l1.json();
        let ds = j1["demands"].as_array().unwrap();
        assert_eq!(ds.len(), 1, "{j1}");
        assert_eq!(ds[0]["uscc"], own.as_str());
        assert_eq!(ds[0]["amount_fen"], 12_345_670_000_i64);
        let demand = ds[0]["id"].as_str().unwrap().to_string();
        let l2 = bank(&s, &key2, "GET", "/api/v1/bank/loan-demands", "")
            .await
            .json();
        assert_eq!(l2["demands"].as_array().unwrap().len(), 0, "{l2}");
        assert_eq!(
            bank(&s, "gxb_nope", "GET", "/api/v1/bank/loan-demands", "")
                .await
                .status,
            401
        );

        // the xingang demand (no consent) and another bank's key: the same 404 as a missing id
        let all = s
            .store
            .demands(&gaoxin_store::Scope::Zone, None)
            .await
            .unwrap();
        let xg_demand = all.iter().find(|d| d.uscc == xg).unwrap().id.clone();
        let approve = r#"{"status":"approved","amount_wan":"10000.01","date":"2026-11-20"}"#;
        let refused = bank(
            &s,
            &key1,
            "POST",
            &format!("/api/v1/bank/loan-demands/{xg_demand}/responses"),
            approve,
        )
        .await;
        let nothing = bank(
            &s,
            &key1,
            "POST",
            "/api/v1/bank/loan-demands/ld-nope/responses",
            approve,
        )
        .await;
        let other_bank = bank(
            &s,
            &key2,
            "POST",
            &format!("/api/v1/bank/loan-demands/{demand}/responses"),
            approve,
        )
        .await;
        assert_eq!(refused.status, 404);
        assert_eq!(refused.body, nothing.body);
        assert_eq!(other_bank.status, 404);
        assert_eq!(other_bank.body, nothing.body);
        // a bad response names the field
        let bad = bank(
            &s,
            &key1,
            "POST",
            &format!("/api/v1/bank/loan-demands/{demand}/responses"),
            r#"{"status":"rejected"}"#,
        )
        .await;
        assert_eq!(bad.status, 400);
        assert!(
            bad.json()["message"]
                .as_str()
                .unwrap()
                .contains("拒绝原因代码")
        );
        // before: nothing matched
        let rs = s
            .store
            .loan_responses(&gaoxin_store::Scope::Zone, None)
            .await
            .unwrap();
        assert!(rs.is_empty(), "{rs:?}");
        assert!(admin.get("/finance").await.text().contains("<dd>0</dd>"));
        let ok = bank(
            &s,
            &key1,
            "POST",
            &format!("/api/v1/bank/loan-demands/{demand}/responses"),
            approve,
        )
        .await;
        assert_eq!(ok.status, 200, "{}", ok.text());
        assert_eq!(ok.json()["amount_fen"], 10_000_010_000_i64);
        let disb = r#"{"status":"已放款","amount_wan":"9000","date":"2026-11-25"}"#;
        assert_eq!(
            bank(
                &s,
                &key1,
                "POST",
                &format!("/api/v1/bank/loan-demands/{demand}/responses"),
                disb
            )
            .await
            .status,
            200
        );
        // the statistics moved: one matched, 9,000.00 万元 disbursed; the firm sees the answer
        let page = admin.get("/finance").await.text();
        assert!(page.contains("id=\"fin-funded\">9,000.00 万元"), "{page}");
        assert!(page.contains("南京银行南京分行：已放款"), "{page}");
        let frag = firm
            .get(&format!("/enterprises/{own}/finance"))
            .await
            .text();
        assert!(frag.contains("已放款"), "{frag}");
        // the bank's reads are in the firm's log
        let log = s
            .store
            .access_log(
                &gaoxin_store::Scope::Enterprise(gaoxin_model::Uscc::parse(&own).unwrap()),
                &gaoxin_model::Uscc::parse(&own).unwrap(),
                50,
            )
            .await
            .unwrap();
        assert!(
            log.iter()
                .any(|l| l.path == "/api/v1/bank/loan-demands" && l.allowed)
        );
        assert!(
            !log.iter()
                .any(|l| l.bank_name == "招商银行南京分行" && l.allowed)
        );
        // the firm's page names what the bank did
        let shown = firm.get(&format!("/enterprises/{own}/points")).await.text();
        assert!(shown.contains("已查看贷款需求清单或登记回应"), "{shown}");

        // 创新积分贷: an outcome keeps the points the firm had; no consent → 404
        let out = r#"{"outcome":"approved","applied_on":"2026-11-01","amount_wan":"300"}"#;
        let p = bank(
            &s,
            &key1,
            "POST",
            &format!("/api/v1/bank/enterprises/{own}/points-loans"),
            out,
        )
        .await;
        assert_eq!(p.status, 200, "{}", p.text());
        assert_eq!(p.json()["points_year"], 2024);
        assert!(p.json()["points_total"].as_f64().is_some());
        let p2 = bank(
            &s,
            &key1,
            "POST",
            &format!("/api/v1/bank/enterprises/{xg}/points-loans"),
            out,
        )
        .await;
        assert_eq!(p2.status, 404);
        let bands = admin.get("/finance").await.text();
        assert!(
            bands.contains("300.00"),
            "approved amount in the band table: {bands}"
        );
        // exports
        let x = admin.get("/finance/export.xlsx").await;
        assert_eq!(x.status, 200);
        assert!(x.body.starts_with(b"PK"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenarios_and_funds_are_scoped() {
    use gaoxin_store::{Fund, FundInvestment, Scenario, Scope};
    for store in testing::all().await.unwrap() {
        let s = start(store).await;
        let own = s.own_firm().await; // jiangbei
        let xg = s.firm_in("xingang");
        let xg_name = s
            .firms
            .iter()
            .find(|e| e.uscc.as_str() == xg)
            .unwrap()
            .name
            .clone();
        s.store
            .upsert_scenarios(&[Scenario {
                id: "CJ-T1".into(),
                title: "低空物流场景".into(),
                offered_by: "管委会".into(),
                offerer_kind: "gov".into(),
                park: "jiangbei".into(),
                budget_fen: Some(100),
                track: "t05".into(),
                deadline: None,
                status: "open".into(),
                synthetic: true,
                created_at: 1,
            }])
            .await
            .unwrap();
        let mut firm = s.signed_in("firm").await;
        let mut park_jb = s.signed_in("park-jiangbei").await;
        let mut park_xg = s.signed_in("park-xingang").await;
        let mut admin = s.signed_in("admin").await;
        // the zone imports scenarios on the page: all or nothing, row and column named
        let head = "场景编号,场景名称,提供方,提供方类型,园区,赛道,预算（万元）,截止日期,状态\n";
        let bad = format!(
            "{head}CJ-T2,养老机器人,民政局,政府部门,江北新区,具身智能,50,2026-12-31,\nCJ-T3,x,y,,火星园,具身智能,,,\n"
        );
        let c = admin.csrf_token().await;
        let r = admin
            .post_multipart(
                "/finance/scenarios/import",
                &[],
                &[("_csrf", &c)],
                ("s.csv", bad.as_bytes()),
            )
            .await;
        assert_eq!(r.status, 400);
        assert!(r.text().contains("第3行「园区」火星园"), "{}", r.text());
        assert!(
            !admin
                .get("/finance/scenarios")
                .await
                .text()
                .contains("CJ-T2")
        );
        let good =
            format!("{head}CJ-T2,养老机器人,民政局,政府部门,江北新区,具身智能,50,2026-12-31,\n");
        let r = admin
            .post_multipart(
                "/finance/scenarios/import",
                &[],
                &[("_csrf", &c)],
                ("s.csv", good.as_bytes()),
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.text());
        assert!(
            admin
                .get("/finance/scenarios")
                .await
                .text()
                .contains("养老机器人")
        );
        // the exported sheet imports back unchanged (same codes, no error)
        let x = admin.get("/finance/scenarios/export.xlsx").await;
        let r = admin
            .post_multipart(
                "/finance/scenarios/import",
                &[],
                &[("_csrf", &c)],
                ("s.xlsx", &x.body),
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.text());
        // a park administrator cannot import
        let c = park_jb.csrf_token().await;
        let r = park_jb
            .post_multipart(
                "/finance/scenarios/import",
                &[],
                &[("_csrf", &c)],
                ("s.csv", good.as_bytes()),
            )
            .await;
        assert_eq!(r.status, 404);
        // a firm applies for itself; another firm's URL answers the 404 of a missing firm
        let csrf = firm.csrf_token().await;
        let apply = |u: &str| format!("/enterprises/{u}/scenarios");
        let form = [
            ("_csrf", csrf.as_str()),
            ("scenario", "CJ-T1"),
            ("note", ""),
        ];
        assert_eq!(firm.post_form(&apply(&own), &form).await.status, 303);
        let other = firm.post_form(&apply(&xg), &form).await;
        let missing = firm.post_form(&apply(&s.missing), &form).await;
        assert_eq!(other.status, 404);
        assert_eq!(other.body, missing.body);
        // another park cannot move the application; its own park can, one step at a time
        let mv = |c: &str, st: &'static str| {
            vec![
                ("_csrf".to_string(), c.to_string()),
                ("scenario".into(), "CJ-T1".into()),
                ("uscc".into(), own.clone()),
                ("state".into(), st.to_string()),
            ]
        };
        let c = park_xg.csrf_token().await;
        let f = mv(&c, "shortlisted");
        let f: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert_eq!(
            park_xg
                .post_form("/finance/scenarios/state", &f)
                .await
                .status,
            404
        );
        let c = park_jb.csrf_token().await;
        let f = mv(&c, "selected");
        let f: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let skip = park_jb.post_form("/finance/scenarios/state", &f).await;
        assert_eq!(skip.status, 400);
        assert!(
            skip.text().contains("不能从「已申报」改为「入选」"),
            "{}",
            skip.text()
        );
        let f = mv(&c, "shortlisted");
        let f: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert_eq!(
            park_jb
                .post_form("/finance/scenarios/state", &f)
                .await
                .status,
            303
        );
        assert!(
            firm.get(&format!("/enterprises/{own}/finance"))
                .await
                .text()
                .contains("入围")
        );
        assert!(
            park_xg
                .get("/finance/scenarios")
                .await
                .text()
                .contains("您的范围内暂无企业申报")
        );

        // an investment in a xingang firm: seen by xingang, not by jiangbei
        s.store
            .upsert_funds(&[Fund {
                id: "fund-t".into(),
                name: "低空经济赛道基金".into(),
                manager: "m".into(),
                size_fen: 1,
                kind: "track".into(),
                track: "t05".into(),
                vintage: 2025,
                synthetic: true,
            }])
            .await
            .unwrap();
        let inv = FundInvestment {
            id: String::new(),
            fund_id: "fund-t".into(),
            fund_name: String::new(),
            uscc: xg.clone(),
            firm_name: String::new(),
            park: String::new(),
            round: "A轮".into(),
            amount_fen: 12_345_600,
            invested_on: 20260101,
            grant_fen: Some(1),
            note: String::new(),
        };
        // a park cannot record an investment in another park's firm
        assert!(
            !s.store
                .add_investments(
                    &Scope::Park(gaoxin_model::ParkId::parse("jiangbei").unwrap()),
                    std::slice::from_ref(&inv)
                )
                .await
                .unwrap()
        );
        assert!(s.store.add_investments(&Scope::Zone, &[inv]).await.unwrap());
        let jb_funds = park_jb.get("/finance/funds").await.text();
        assert!(!jb_funds.contains(&xg_name), "a xingang investment leaked");
        let xg_funds = park_xg.get("/finance/funds").await.text();
        assert!(
            xg_funds.contains(&xg_name) && xg_funds.contains("12.35"),
            "{xg_funds}"
        );
        assert!(
            park_xg
                .get(&format!("/enterprises/{xg}/finance"))
                .await
                .text()
                .contains("拨投结合")
        );
        // park pages: own park only
        assert_eq!(park_jb.get("/parks/xingang/finance").await.status, 404);
        let p = park_xg.get("/parks/xingang/finance").await;
        assert_eq!(p.status, 200);
        assert!(p.text().contains("基金投资</dt><dd>1 笔"), "{}", p.text());
    }
}
