//! 新赛道 and 线索 over HTTP on both backends: creating and working a lead through the forms and
//! the API, Chinese messages for bad input, and role scoping (a park administrator cannot read
//! or move another park's lead by URL or by API: the same 404 as a missing lead).
mod common;

use common::start;
use gaoxin_store::testing;

fn lead_id(location: &str) -> String {
    location.trim_start_matches("/leads/").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leads_are_worked_and_scoped_by_park() {
    for store in testing::all().await.unwrap() {
        let s = start(store).await;
        let mut jb = s.signed_in("park-jiangbei").await;
        let mut xg = s.signed_in("park-xingang").await;
        let mut admin = s.signed_in("admin").await;
        let mut analyst = s.signed_in("analyst").await;
        let firm = s.firm_in("jiangbei");

        // bad input: every field named, the typed values kept in the form
        let t = jb.csrf_token().await;
        let r = jb
            .post_form(
                "/leads",
                &[
                    ("_csrf", &t),
                    ("uscc", &firm),
                    ("track", "量子赛道"),
                    ("event", "conf-2024"),
                    ("stage", "签约"),
                    ("next_action", "走访"),
                    ("next_date", "2020-01-01"),
                ],
            )
            .await;
        assert_eq!(r.status, 400);
        let text = r.text();
        for m in [
            "未知赛道「量子赛道」",
            "未知阶段「签约」",
            "2020-01-01 已过去",
        ] {
            assert!(text.contains(m), "{m}: {text}");
        }
        assert!(
            text.contains(&format!("value=\"{firm}\"")),
            "the form keeps the input"
        );

        // a park administrator registers a lead: it is its park's
        let r = jb
            .post_form(
                "/leads",
                &[
                    ("_csrf", &t),
                    ("uscc", &firm),
                    ("track", "t05"),
                    ("event", "conf-2024"),
                    ("next_action", "线上会谈"),
                    ("next_date", "2099-01-01"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.text());
        let id = lead_id(r.header("location").unwrap());
        assert!(
            jb.get(&format!("/leads/{id}"))
                .await
                .text()
                .contains("线上沟通")
        );
        // a duplicate is refused
        let r = jb
            .post_form(
                "/leads",
                &[
                    ("_csrf", &t),
                    ("uscc", &firm),
                    ("track", "t05"),
                    ("event", "conf-2024"),
                ],
            )
            .await;
        assert_eq!(r.status, 400);
        assert!(r.text().contains("重复线索"));

        // another park: the same 404 as a lead that does not exist, by URL and by API
        let missing = xg.get("/leads/L000000000000").await;
        let other = xg.get(&format!("/leads/{id}")).await;
        assert_eq!((other.status, missing.status), (404, 404));
        assert_eq!(other.body, missing.body);
        let tx = xg.csrf_token().await;
        let r = xg
            .post_form(
                &format!("/leads/{id}/change"),
                &[("_csrf", &tx), ("action", "move"), ("stage", "线下走访")],
            )
            .await;
        assert_eq!(r.status, 404);
        assert_eq!(xg.get(&format!("/api/v1/leads/{id}")).await.status, 404);
        let body = r#"{"action":"move","stage":"线下走访"}"#.as_bytes();
        let r = xg
            .request(
                "POST",
                &format!("/api/v1/leads/{id}/change"),
                &[("X-CSRF-Token", &tx), ("Content-Type", "application/json")],
                body,
            )
            .await;
        assert_eq!(r.status, 404);
        assert_eq!(r.json()["code"], "not_found");
        assert!(!xg.get("/leads").await.text().contains(&id));
        // an analyst reads but does not write
        let ta = analyst.csrf_token().await;
        let r = analyst
            .request(
                "POST",
                &format!("/api/v1/leads/{id}/change"),
                &[("X-CSRF-Token", &ta)],
                body,
            )
            .await;
        assert_eq!(r.status, 403);

        // the owner moves it through the API and the form; backwards needs a reason
        let r = jb
            .request(
                "POST",
                &format!("/api/v1/leads/{id}/change"),
                &[("X-CSRF-Token", &t), ("Content-Type", "application/json")],
                body,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["stage"], 1);
        let r = jb
            .post_form(
                &format!("/leads/{id}/change"),
                &[("_csrf", &t), ("action", "move"), ("stage", "线上沟通")],
            )
            .await;
        assert_eq!(r.status, 400);
        assert!(r.text().contains("须写明原因"));
        let r = jb
            .request(
                "POST",
                &format!("/api/v1/leads/{id}/change"),
                &[("X-CSRF-Token", &t)],
                b"not json",
            )
            .await;
        assert_eq!(r.status, 400);
        assert!(r.json()["message"].as_str().unwrap().contains("JSON"));

        // the zone sees it in the pipeline; the park of 新港 does not
        let p = admin.get("/api/v1/leads/pipeline?track=t05").await.json();
        assert_eq!(p["total"], 1);
        assert_eq!(p["stages"][1]["reached"], 1);
        assert_eq!(xg.get("/api/v1/leads/pipeline").await.json()["total"], 0);
        assert_eq!(admin.get("/leads/pipeline?track=量子").await.status, 400);
        let r = admin.get("/leads/pipeline.xlsx").await;
        assert_eq!(r.status, 200);
        assert!(r.body.starts_with(b"PK"));
        // 落地 from the zone: investment in 万元, exact
        let t0 = admin.csrf_token().await;
        let r = admin
            .post_form(
                &format!("/leads/{id}/change"),
                &[
                    ("_csrf", &t0),
                    ("action", "land"),
                    ("invest_wan", "5000.5"),
                    ("park", "jiangbei"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.text());
        let p = admin.get("/api/v1/leads/pipeline").await.json();
        assert_eq!(p["landed_by_park"][0]["invest_fen"], 5_000_500_000i64);
        assert!(
            admin
                .get("/leads/stalled")
                .await
                .text()
                .contains("没有逾期")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_five_ones_board_is_kept_by_zone_administrators() {
    let s = start(testing::sqlite().await.unwrap()).await;
    let mut admin = s.signed_in("admin").await;
    let mut analyst = s.signed_in("analyst").await;
    let mut jb = s.signed_in("park-jiangbei").await;
    let page = admin.get("/tracks").await.text();
    assert!(page.contains("低空经济") && page.contains("缺项"));
    let t = admin.csrf_token().await;
    let form = |t: &str| {
        vec![
            ("_csrf".to_string(), t.to_string()),
            ("element".into(), "track_fund".into()),
            ("name".into(), "低空经济赛道基金".into()),
            ("status".into(), "operating".into()),
            ("since".into(), "2024-03-01".into()),
        ]
    };
    let pairs = form(&t);
    let pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    assert_eq!(
        admin.post_form("/tracks/t05/elements", &pairs).await.status,
        303
    );
    let p = admin.get("/tracks/t05").await.text();
    assert!(
        p.contains("赛道基金与投资"),
        "the track page has its funds section"
    );
    assert!(p.contains("低空经济赛道基金") && p.contains("2024-03-01"));
    // bad input names the field
    let r = admin
        .post_form(
            "/tracks/t05/elements",
            &[
                ("_csrf", &t),
                ("element", "x"),
                ("name", ""),
                ("status", "很好"),
            ],
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("「要素」：未知要素「x」"));
    // an analyst (read-only) and a park administrator cannot write
    let ta = analyst.csrf_token().await;
    let pa = form(&ta);
    let pa: Vec<(&str, &str)> = pa.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    assert_eq!(
        analyst.post_form("/tracks/t05/elements", &pa).await.status,
        403
    );
    let tj = jb.csrf_token().await;
    let pj = form(&tj);
    let pj: Vec<(&str, &str)> = pj.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    assert_eq!(jb.post_form("/tracks/t05/elements", &pj).await.status, 404);
    assert!(!jb.get("/tracks/t05").await.text().contains("删除</button>"));
    assert_eq!(admin.get("/tracks/t99").await.status, 404);
    let x = admin.get("/tracks/export.xlsx").await;
    assert!(x.status == 200 && x.body.starts_with(b"PK"));
}

/// More leads than one page holds: the pager renders (a lead list of 51 once failed to render,
/// its page number shadowed by the frame's), and a refused form over that list is the form's 400
/// with the message, not a render failure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_lead_list_pages_and_a_refused_form_over_it_shows_the_message() {
    let s = start(testing::sqlite().await.unwrap()).await;
    let mut admin = s.signed_in("admin").await;
    let t = admin.csrf_token().await;
    let post = |n: u32| {
        let code = gaoxin_model::Uscc::from_body(&format!("91320199{:09}", 500_000_000 + n))
            .unwrap()
            .as_str()
            .to_string();
        vec![
            ("_csrf".to_string(), t.clone()),
            ("uscc".to_string(), code),
            ("firm_name".to_string(), format!("区外测试企业{n}")),
            ("track".to_string(), "t05".to_string()),
            ("event".to_string(), "conf-2024".to_string()),
        ]
    };
    for n in 0..51 {
        let f = post(n);
        let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = admin.post_form("/leads", &pairs).await;
        assert_eq!(r.status, 303, "lead {n}: {}", r.text());
    }
    let first = admin.get("/leads").await;
    assert_eq!(first.status, 200, "{}", first.text());
    assert!(first.text().contains("第 1 / 2 页") && first.text().contains("下一页"));
    let second = admin.get("/leads?page=1").await;
    assert_eq!(second.status, 200, "{}", second.text());
    assert!(second.text().contains("第 2 / 2 页") && second.text().contains("上一页"));

    // the same firm, track and 大会 again: refused with the reason, the list still paged
    let f = post(7);
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = admin.post_form("/leads", &pairs).await;
    assert_eq!(r.status, 400, "{}", r.text());
    let text = r.text();
    assert!(
        text.contains("重复线索") && text.contains("第 1 / 2 页"),
        "{text}"
    );
    assert!(!text.contains("页面渲染失败"));
}
