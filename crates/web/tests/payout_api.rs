//! Issue 20's remainder over HTTP, on SQLite and (when configured) PostgreSQL: the ledger's JSON
//! API (list with filters, one award with its steps; another park's award answers 404 like a
//! missing one), the special-fund lines' import (all or nothing, row and column messages; a
//! correction supersedes, the history shows both) and 方案对比 of two saved reforms.
mod common;

use common::start;
use gaoxin_store::{AuditEvent, PayoutRow, PayoutStep, Scope, testing};

fn award(uscc: &str, park: &str) -> (PayoutRow, Vec<PayoutStep>, Vec<AuditEvent>) {
    let p = PayoutRow {
        id: 0,
        uscc: uscc.into(),
        firm_name: "测试公司".into(),
        park: park.into(),
        year: 2024,
        rule: "nanjing_first_unicorn_award_2025".into(),
        rule_version: "2025.2".into(),
        run_id: "rules-2024-x".into(),
        computed_fen: 150_000_000,
        channel: "申报".into(),
        state: "测算".into(),
        approved_fen: None,
        paid_fen: None,
        approved_on: None,
        paid_on: None,
        published_on: None,
        flagged: false,
        supply: String::new(),
        version: 1,
    };
    let s = PayoutStep {
        payout_id: 0,
        seq: 0,
        at: 1_700_000_000,
        on_date: 20250303,
        actor: "system".into(),
        role: "system".into(),
        step: "测算".into(),
        from_state: None,
        to_state: "测算".into(),
        amount_fen: Some(150_000_000),
        reason: String::new(),
        fund_source: String::new(),
        paid_on: None,
        note: String::new(),
    };
    (p, vec![s], vec![])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ledger_api_is_scoped_and_another_parks_award_is_404() {
    for store in testing::all().await.unwrap() {
        let s = start(store).await;
        let jb = s.firm_in("jiangbei");
        let xg = s.firm_in("xingang");
        let ids = s
            .store
            .create_payouts(&[award(&jb, "jiangbei"), award(&xg, "xingang")])
            .await
            .unwrap();
        let (jb_id, xg_id) = (ids[0], ids[1]);
        let mut admin = s.signed_in("admin").await;
        let r = admin.get("/api/v1/payouts?year=2024").await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["total"], 2);
        let r = admin.get("/api/v1/payouts?park=xingang&state=测算").await;
        assert_eq!(r.json()["total"], 1);
        assert_eq!(r.json()["items"][0]["uscc"], xg.as_str());
        assert_eq!(r.json()["items"][0]["computed_fen"], 150_000_000);
        let r = admin.get("/api/v1/payouts?year=2023").await;
        assert_eq!(r.json()["total"], 0);
        let r = admin.get("/api/v1/payouts?state=付了").await;
        assert_eq!(r.status, 400);
        assert!(r.json()["message"].is_string());
        let r = admin.get(&format!("/api/v1/payouts/{xg_id}")).await;
        assert_eq!(r.status, 200);
        let j = r.json();
        assert_eq!(j["id"], xg_id);
        assert_eq!(j["steps"][0]["step"], "测算");
        assert_eq!(j["steps"][0]["amount_fen"], 150_000_000);

        // a park administrator: its own park's award only; the other park's is the missing 404
        let mut park = s.signed_in("park-jiangbei").await;
        let r = park.get("/api/v1/payouts").await;
        assert_eq!(r.json()["total"], 1);
        assert_eq!(r.json()["items"][0]["id"], jb_id);
        assert_eq!(
            park.get(&format!("/api/v1/payouts/{jb_id}")).await.status,
            200
        );
        let other = park.get(&format!("/api/v1/payouts/{xg_id}")).await;
        let missing = park.get("/api/v1/payouts/999999").await;
        assert_eq!(other.status, 404);
        assert_eq!(other.body, missing.body);
        // a firm user reads none of these (not its firm)
        let mut firm = s.signed_in("firm").await;
        assert_eq!(
            firm.get(&format!("/api/v1/payouts/{jb_id}")).await.status,
            404
        );
        // the OpenAPI document lists both routes
        let doc = admin.get("/api/v1/openapi.json").await.json();
        assert!(doc["paths"]["/api/v1/payouts"].is_object());
        assert!(doc["paths"]["/api/v1/payouts/{id}"].is_object());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fund_lines_import_over_http_all_or_nothing_with_history() {
    for store in testing::all().await.unwrap() {
        let s = start(store).await;
        let mut admin = s.signed_in("admin").await;
        let csrf = admin.csrf_token().await;
        let bad =
            "年度,资金类别,资金级别,金额（元）\n2024,企业培育,市级,100\n2024,无此类别,市级,1\n";
        let r = admin
            .post_multipart(
                "/payouts/funds/import",
                &[],
                &[("_csrf", &csrf)],
                ("资金.csv", bad.as_bytes()),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.text());
        assert!(r.text().contains("第3行「资金类别」"), "{}", r.text());
        assert!(
            s.store
                .payout_fund_history(&Scope::Zone)
                .await
                .unwrap()
                .is_empty()
        );
        for amount in ["100", "150.5"] {
            let ok = format!("年度,资金类别,资金级别,金额（元）\n2024,企业培育,市级,{amount}\n");
            let r = admin
                .post_multipart(
                    "/payouts/funds/import",
                    &[],
                    &[("_csrf", &csrf)],
                    ("资金.csv", ok.as_bytes()),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.text());
            assert!(r.text().contains("已导入 1 条"), "{}", r.text());
        }
        let t = admin.get("/payouts/funds?year=2024").await.text();
        assert!(t.contains("已被第2条更正") && t.contains("现行"), "{t}");
        assert!(t.contains("导入:资金.csv"), "{t}");
        // a park administrator reads the history but cannot import
        let mut park = s.signed_in("park-jiangbei").await;
        assert_eq!(park.get("/payouts/funds").await.status, 200);
        let pc = park.csrf_token().await;
        let r = park
            .post_multipart(
                "/payouts/funds/import",
                &[],
                &[("_csrf", &pc)],
                ("资金.csv", b"x"),
            )
            .await;
        assert_eq!(r.status, 404);
        assert_eq!(
            s.store
                .payout_fund_history(&Scope::Zone)
                .await
                .unwrap()
                .len(),
            2
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_saved_reforms_side_by_side_and_exported() {
    let store = testing::sqlite().await.unwrap();
    let s = start(store).await;
    let mut admin = s.signed_in("admin").await;
    let r = admin.get("/reform/compare?year=2024").await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains("请至少选择两个"), "{}", r.text());
    let q = "year=2024&file=unicorn_cap_300&file=incentive_share_60&actual=1";
    let r = admin.get(&format!("/reform/compare?{q}")).await;
    assert_eq!(r.status, 200);
    let t = r.text();
    for want in [
        "compare-overview",
        "现行规则",
        "首次入选独角兽企业奖励上限提高至300万元",
        "经济贡献增量激励比例提高至60%",
        "compare-parks",
        "compare-differing",
        "2023 年没有已保存的正式评价",
    ] {
        assert!(t.contains(want), "{want}: {t}");
    }
    let x = admin.get(&format!("/reform/compare.xlsx?{q}")).await;
    assert_eq!(x.status, 200);
    assert!(x.body.starts_with(b"PK"));
    let mut park = s.signed_in("park-jiangbei").await;
    assert_eq!(park.get(&format!("/reform/compare?{q}")).await.status, 404);
    // an analyst sees the adoption diff but cannot confirm
    let mut analyst = s.signed_in("analyst").await;
    let r = analyst.get("/reform/adopt").await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains("还没有采纳过改革方案"), "{}", r.text());
}

/// Payout access decided in `app::payout_access`, seen over HTTP by every role: another park's
/// or firm's award by URL (page and step form) answers exactly as a missing one; steps and
/// management by roles that have none answer the same 404.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payout_pages_by_url_answer_out_of_scope_as_missing_for_every_role() {
    for store in testing::all().await.unwrap() {
        let s = start(store).await;
        let own = s.own_firm().await;
        let jb = s.firm_in("jiangbei");
        let xg = s.firm_in("xingang");
        let ids = s
            .store
            .create_payouts(&[
                award(&jb, "jiangbei"),
                award(&xg, "xingang"),
                award(&own, "jiangbei"),
            ])
            .await
            .unwrap();
        let (jb_id, xg_id, own_id) = (ids[0], ids[1], ids[2]);
        // (user, awards it may open)
        let cases = [
            ("admin", vec![jb_id, xg_id, own_id]),
            ("analyst", vec![jb_id, xg_id, own_id]),
            ("park-jiangbei", vec![jb_id, own_id]),
            ("park-xingang", vec![xg_id]),
            ("firm", vec![own_id]),
            ("dept-keji", vec![]),
        ];
        for (user, sees) in cases {
            let mut c = s.signed_in(user).await;
            let t = c.csrf_token().await;
            let missing_page = c.get("/payouts/999999").await;
            assert_eq!(missing_page.status, 404, "{user}");
            let missing_act = c
                .post_form("/payouts/999999/act", &[("_csrf", &t), ("action", "申报")])
                .await;
            assert_eq!(missing_act.status, 404, "{user}");
            for id in [jb_id, xg_id, own_id] {
                let page = c.get(&format!("/payouts/{id}")).await;
                if sees.contains(&id) {
                    assert_eq!(page.status, 200, "{user} opens {id}");
                    continue;
                }
                assert_eq!(page.status, 404, "{user} opens {id}");
                assert_eq!(page.body, missing_page.body, "{user} {id}");
                let act = c
                    .post_form(
                        &format!("/payouts/{id}/act"),
                        &[("_csrf", &t), ("action", "申报")],
                    )
                    .await;
                assert_eq!(act.status, 404, "{user} acts on {id}");
                assert_eq!(act.body, missing_act.body, "{user} {id}");
            }
            // a zone analyst and a department take no step, even on what they read
            if matches!(user, "analyst" | "dept-keji") {
                let r = c
                    .post_form(
                        &format!("/payouts/{jb_id}/act"),
                        &[("_csrf", &t), ("action", "申报")],
                    )
                    .await;
                assert_eq!(r.status, 404, "{user}");
            }
            // the list shows only what the role reads
            let r = c.get("/api/v1/payouts").await;
            let mut listed: Vec<i64> = r.json()["items"]
                .as_array()
                .map(|a| a.iter().filter_map(|x| x["id"].as_i64()).collect())
                .unwrap_or_default();
            listed.sort();
            let mut want = sees.clone();
            want.sort();
            assert_eq!(listed, want, "{user}");
            // managing the ledger (sync, a fund line): a zone administrator only
            if user != "admin" {
                let r = c
                    .post_form("/payouts/sync", &[("_csrf", &t), ("year", "2024")])
                    .await;
                assert_eq!(r.status, 404, "{user} syncs");
            }
        }
        // the park administrator files its own firm's application
        let mut park = s.signed_in("park-jiangbei").await;
        let t = park.csrf_token().await;
        let r = park
            .post_form(
                &format!("/payouts/{jb_id}/act"),
                &[("_csrf", &t), ("action", "申报"), ("version", "1")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.text());
        let p = s.store.payout(&Scope::Zone, jb_id).await.unwrap().unwrap();
        assert_eq!(p.state, "申报");
    }
}
