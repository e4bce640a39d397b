//! Issue 13, the audit trail: every write a user can make through the web platform leaves one
//! entry naming who, what and the record's park — walked as a table of (action, how it is
//! triggered) on SQLite and PostgreSQL, so a new write without an entry is noticed here.
mod common;

use common::{Client, Server, hidden_value, start};
use gaoxin_store::{AuditEntry, AuditFilter, Scope, testing};

/// The entries of `action` (exactly) newest first.
async fn entries(s: &Server, action: &str) -> Vec<AuditEntry> {
    let f = AuditFilter {
        action: Some(action.into()),
        ..AuditFilter::default()
    };
    s.store
        .audit_entries(&Scope::Zone, &f, 100, 0)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event.action == action)
        .collect()
}

/// Asserts the newest entry of `action` is by `actor`, of `park`, about `subject`.
async fn expect(s: &Server, action: &str, actor: &str, park: Option<&str>, subject: &str) {
    let es = entries(s, action).await;
    let e = es
        .first()
        .unwrap_or_else(|| panic!("no audit entry for {action}"));
    assert_eq!(e.event.actor, actor, "{action}: {e:?}");
    assert_eq!(e.event.park.as_deref(), park, "{action}: {e:?}");
    assert_eq!(e.event.subject, subject, "{action}: {e:?}");
    serde_json::from_str::<serde_json::Value>(&e.event.detail).expect("detail is JSON");
}

/// The rows of the page's table (not its filter form).
fn table(t: &str) -> &str {
    let i = t.find("<tbody>").expect("the page has its table");
    &t[i..i + t[i..].find("</tbody>").unwrap()]
}

async fn form(c: &mut Client, path: &str, pairs: &[(&str, &str)]) -> common::Resp {
    let t = c.csrf_token().await;
    let mut all = vec![("_csrf", t.as_str())];
    all.extend_from_slice(pairs);
    let r = c.post_form(path, &all).await;
    assert!(
        r.status == 303 || r.status == 200,
        "{path}: {} {}",
        r.status,
        r.text()
    );
    r
}

async fn upload(c: &mut Client, path: &str, name: &str, body: &[u8]) -> common::Resp {
    let t = c.csrf_token().await;
    c.post_multipart(path, &[], &[("_csrf", &t)], (name, body))
        .await
}

async fn wait_import(c: &mut Client, id: &str) -> serde_json::Value {
    for _ in 0..600 {
        let j = c.get(&format!("/api/v1/imports/{id}")).await.json();
        if j["state"] != "running" {
            return j;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("import {id} did not finish");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_write_through_the_web_leaves_an_audit_entry() {
    for store in testing::all().await.unwrap() {
        let s = start(store).await;
        let own = s.own_firm().await; // the firm user's firm, in jiangbei
        let jb = s.firm_in("jiangbei");
        let mut admin = s.signed_in("admin").await;
        let mut park = s.signed_in("park-jiangbei").await;
        let mut firm = s.signed_in("firm").await;

        // import.commit: a park administrator's upload (the job id is the subject)
        let t = park.csrf_token().await;
        let csv = format!("统一社会信用代码,年度,营业收入（万元）\n{jb},2024,4321\n");
        let r = park
            .post_multipart(
                "/api/v1/imports",
                &[("X-CSRF-Token", &t)],
                &[],
                ("营收.csv", csv.as_bytes()),
            )
            .await;
        assert_eq!(r.status, 202, "{}", r.text());
        let job = r.json()["id"].as_str().unwrap().to_string();
        assert_eq!(wait_import(&mut park, &job).await["state"], "done");
        expect(&s, "import.commit", "park-jiangbei", Some("jiangbei"), &job).await;
        let e = &entries(&s, "import.commit").await[0];
        let d: serde_json::Value = serde_json::from_str(&e.event.detail).unwrap();
        assert_eq!(d["file"], "营收.csv");
        assert_eq!(d["facts_updated"], 1, "{d}");
        // a refused import (an error) writes nothing and records nothing
        let bad = format!("统一社会信用代码,年度,营业收入（万元）\n{jb},2024,abc\n");
        let r = park
            .post_multipart(
                "/api/v1/imports",
                &[("X-CSRF-Token", &t)],
                &[],
                ("坏.csv", bad.as_bytes()),
            )
            .await;
        let job2 = r.json()["id"].as_str().unwrap().to_string();
        wait_import(&mut park, &job2).await;
        assert_eq!(entries(&s, "import.commit").await.len(), 1);

        // consent.grant / consent.revoke: the firm on its page
        let (bank, _) = s.store.add_bank("南京银行", 1).await.unwrap().unwrap();
        form(
            &mut firm,
            &format!("/enterprises/{own}/consents"),
            &[("bank", &bank.id), ("expires", "2099-12-31")],
        )
        .await;
        expect(&s, "consent.grant", "firm", Some("jiangbei"), &own).await;
        let u = gaoxin_model::Uscc::parse(&own).unwrap();
        let consent = s
            .store
            .consents(&Scope::Enterprise(u.clone()), &u)
            .await
            .unwrap()[0]
            .id
            .clone();
        form(
            &mut firm,
            &format!("/enterprises/{own}/consents/revoke"),
            &[("consent", &consent)],
        )
        .await;
        expect(&s, "consent.revoke", "firm", Some("jiangbei"), &own).await;

        // finance: a need declared and withdrawn, an edition published, a scenario applied to
        // and moved, scenarios imported
        form(
            &mut firm,
            &format!("/enterprises/{own}/loan-demands"),
            &[
                ("amount_wan", "100"),
                ("term_months", "12"),
                ("purpose", "研发"),
                ("collateral", "信用"),
                ("declared_on", "2026-11-01"),
            ],
        )
        .await;
        expect(&s, "finance.demand", "firm", Some("jiangbei"), &own).await;
        form(
            &mut admin,
            "/finance/editions",
            &[("title", "2026年第1期"), ("date", "2026-11-10")],
        )
        .await;
        let ed = s.store.editions().await.unwrap()[0].id.clone();
        expect(&s, "finance.publish", "admin", None, &ed).await;
        let demand = s
            .store
            .demands(&Scope::Zone, None)
            .await
            .unwrap()
            .into_iter()
            .find(|d| d.uscc == own)
            .unwrap()
            .id;
        form(
            &mut firm,
            &format!("/enterprises/{own}/loan-demands/withdraw"),
            &[("demand", &demand)],
        )
        .await;
        expect(&s, "finance.withdraw", "firm", Some("jiangbei"), &own).await;
        let head = "场景编号,场景名称,提供方,提供方类型,园区,赛道,预算（万元）,截止日期,状态\n";
        let sc =
            format!("{head}CJ-A1,养老机器人,民政局,政府部门,江北新区,具身智能,50,2099-12-31,\n");
        let r = upload(
            &mut admin,
            "/finance/scenarios/import",
            "s.csv",
            sc.as_bytes(),
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.text());
        expect(&s, "finance.scenarios_import", "admin", None, "scenarios").await;
        form(
            &mut firm,
            &format!("/enterprises/{own}/scenarios"),
            &[("scenario", "CJ-A1"), ("note", "")],
        )
        .await;
        expect(&s, "finance.apply", "firm", Some("jiangbei"), &own).await;
        form(
            &mut park,
            "/finance/scenarios/state",
            &[
                ("scenario", "CJ-A1"),
                ("uscc", &own),
                ("state", "shortlisted"),
            ],
        )
        .await;
        expect(
            &s,
            "finance.application",
            "park-jiangbei",
            Some("jiangbei"),
            &own,
        )
        .await;

        // appeals: filed, moved, a file attached, imported
        let r = form(
            &mut firm,
            "/appeals",
            &[
                ("uscc", &own),
                ("title", "奖励未到账"),
                ("description", "高企认定奖励至今没有拨付"),
                ("contact", "张经理 138"),
            ],
        )
        .await;
        let id = r
            .header("location")
            .unwrap()
            .trim_start_matches("/appeals/")
            .to_string();
        expect(&s, "appeal.file", "firm", Some("jiangbei"), &id).await;
        form(
            &mut admin,
            &format!("/appeals/{id}/act"),
            &[
                ("action", "assign"),
                ("department", "keji"),
                ("note", "请办理"),
            ],
        )
        .await;
        expect(&s, "appeal.transition", "admin", Some("jiangbei"), &id).await;
        let r = upload(
            &mut firm,
            &format!("/appeals/{id}/attachments"),
            "证明.pdf",
            b"%PDF-1.4",
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.text());
        expect(&s, "appeal.attach", "firm", Some("jiangbei"), &id).await;
        let csv = format!("统一社会信用代码,诉求内容,联系人及电话\n{own},希望对接银行授信,王 1\n");
        let r = upload(&mut admin, "/appeals/import", "a.csv", csv.as_bytes()).await;
        assert!(r.status < 400, "{} {}", r.status, r.text());
        assert_eq!(entries(&s, "appeal.import").await.len(), 1);

        // leads and track elements
        let r = form(
            &mut park,
            "/leads",
            &[
                ("uscc", &jb),
                ("track", "t05"),
                ("event", "conf-2024"),
                ("next_action", "线上会谈"),
                ("next_date", "2099-01-01"),
            ],
        )
        .await;
        let lead = r
            .header("location")
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_string();
        expect(&s, "lead.create", "park-jiangbei", Some("jiangbei"), &lead).await;
        form(
            &mut park,
            &format!("/leads/{lead}/change"),
            &[("action", "move"), ("stage", "线下走访")],
        )
        .await;
        expect(&s, "lead.change", "park-jiangbei", Some("jiangbei"), &lead).await;
        form(
            &mut admin,
            "/tracks/t05/elements",
            &[
                ("element", "track_fund"),
                ("name", "低空经济赛道基金"),
                ("status", "operating"),
                ("since", "2024-03-01"),
            ],
        )
        .await;
        expect(&s, "track.save", "admin", None, "t05/track_fund").await;

        // cluster links: a park administrator's import
        let other = s
            .firms
            .iter()
            .find(|e| e.park == "jiangbei" && e.uscc.as_str() != jb)
            .unwrap()
            .uscc
            .as_str()
            .to_string();
        let links = format!(
            "年度,主体一,主体二,关联类型,来源,依据\n2024,{jb},{other},联合申请专利,专利数据库,\n"
        );
        let r = upload(&mut park, "/clusters/links", "l.csv", links.as_bytes()).await;
        assert_eq!(r.status, 200, "{}", r.text());
        expect(
            &s,
            "links.import",
            "park-jiangbei",
            Some("jiangbei"),
            "links",
        )
        .await;

        // a rules run started by a user's page view of a year without one
        common::wait_for_rules_run(&mut admin, "year=2024").await;
        for _ in 0..100 {
            if !entries(&s, "rules.run").await.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        expect(&s, "rules.run", "admin", None, "2024").await;

        // the user's own password change
        let page = firm.get("/account/password").await.text();
        let token = hidden_value(&page, "_csrf").unwrap();
        let r = firm
            .post_form(
                "/account/password",
                &[
                    ("_csrf", &token),
                    ("current", &s.password("firm")),
                    ("new_password", "新的密码-足够长-2026"),
                    ("confirm", "新的密码-足够长-2026"),
                    ("next", "/"),
                ],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        expect(&s, "user.password_change", "firm", None, "firm").await;

        // the firm reads the entries about itself, a park administrator its park's only
        let mine = s
            .store
            .audit_entries(
                &Scope::Enterprise(gaoxin_model::Uscc::parse(&own).unwrap()),
                &AuditFilter::default(),
                100,
                0,
            )
            .await
            .unwrap();
        assert!(mine.iter().all(|e| e.event.subject == own));
        assert!(mine.iter().any(|e| e.event.action == "consent.grant"));

        // 操作记录: the zone administrator reads every entry, filtered and exported; a park
        // administrator its park's only; a bad filter answers a Chinese message
        let page = admin.get("/audit").await;
        assert_eq!(page.status, 200);
        let t = page.text();
        let t = table(&t);
        assert!(
            t.contains("导入企业数据") && t.contains("修改本人密码"),
            "{t}"
        );
        let t = admin.get("/audit?action=appeal&park=jiangbei").await.text();
        let t = table(&t);
        assert!(t.contains("诉求办理") && !t.contains("导入企业数据"), "{t}");
        assert!(t.contains("状态：受理 → 交办"), "{t}");
        let x = admin.get("/audit/export.xlsx?action=import.commit").await;
        assert_eq!(x.status, 200);
        assert!(x.body.starts_with(b"PK"));
        let mut xg = s.signed_in("park-xingang").await;
        let t = xg.get("/audit").await.text();
        assert!(table(&t).contains("没有符合条件的操作记录"), "{t}");
        let t = park.get("/audit").await.text();
        let t = table(&t);
        assert!(
            t.contains("导入企业数据") && !t.contains("修改本人密码"),
            "{t}"
        );
        let bad = admin.get("/audit?since=12/01").await.text();
        assert!(bad.contains("「起始日期」应为日期"), "{bad}");
        assert_eq!(firm.get("/audit").await.status, 403);
    }
}
