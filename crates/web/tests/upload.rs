//! Issue 11 A, B and 9 through the web: the upload form and the API, on SQLite and (when
//! configured) PostgreSQL. A park administrator cannot take over another park's firm; a partial
//! file changes only what it has and the result lists each change; re-importing an export
//! changes nothing and keeps the demo label.
mod common;

use common::{Client, Server, start};
use gaoxin_model::{F, Uscc};
use gaoxin_store::{Scope, testing};

async fn servers() -> Vec<Server> {
    let mut v = Vec::new();
    for store in testing::all().await.unwrap() {
        v.push(start(store).await);
    }
    v
}

async fn wait_job(c: &mut Client, id: &str) -> serde_json::Value {
    for _ in 0..600 {
        let j = c.get(&format!("/api/v1/imports/{id}")).await.json();
        if j["state"] != "running" {
            return j;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("import job {id} did not finish");
}

/// Uploads through the API (CSRF header) and waits for the result.
async fn via_api(c: &mut Client, name: &str, text: &str) -> serde_json::Value {
    let token = c.csrf_token().await;
    let r = c
        .post_multipart(
            "/api/v1/imports",
            &[("X-CSRF-Token", &token)],
            &[],
            (name, text.as_bytes()),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text());
    wait_job(c, r.json()["id"].as_str().unwrap()).await
}

/// Uploads through the browser form (no htmx: a redirect to the job page) and waits.
async fn via_form(c: &mut Client, name: &str, text: &str) -> (serde_json::Value, String) {
    let token = c.csrf_token().await;
    let r = c
        .post_multipart(
            "/upload",
            &[],
            &[("_csrf", &token)],
            (name, text.as_bytes()),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let loc = r.header("location").unwrap().to_string();
    let id = loc.rsplit('/').next().unwrap().to_string();
    let j = wait_job(c, &id).await;
    let html = c.get(&loc).await.text();
    (j, html)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_park_admin_cannot_take_over_another_parks_firm() {
    for s in servers().await {
        let target = s.firm_in("xingang");
        let code = Uscc::parse(&target).unwrap();
        let before = s.store.facts_of(&Scope::Zone, &code).await.unwrap();
        let name = s
            .store
            .enterprise(&Scope::Zone, &code)
            .await
            .unwrap()
            .unwrap()
            .name;
        let text = format!(
            "统一社会信用代码,企业名称,所属园区,年度,成立日期,行业代码,营业收入（万元）\n{target},{name},江北新区,2024,2015-06-01,C3911,1\n"
        );
        let mut jb = s.signed_in("park-jiangbei").await;
        let j = via_api(&mut jb, "takeover.csv", &text).await;
        assert_eq!(j["ok"], false, "{j}");
        assert!(
            j["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("已登记在其他园区"),
            "{j}"
        );
        let (j, html) = via_form(&mut jb, "takeover.csv", &text).await;
        assert_eq!(j["ok"], false, "{j}");
        assert!(html.contains("已登记在其他园区") && html.contains("未写入任何数据"));
        let e = s
            .store
            .enterprise(&Scope::Zone, &code)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(e.park, "xingang", "the firm stays in 新港");
        assert_eq!(s.store.facts_of(&Scope::Zone, &code).await.unwrap(), before);
        let mut xg = s.signed_in("park-xingang").await;
        assert_eq!(xg.get(&format!("/enterprises/{target}")).await.status, 200);

        // The zone administrator's file moves it, and the result says so.
        let mut admin = s.signed_in("admin").await;
        let text = format!("统一社会信用代码,所属园区,年度\n{target},江北新区,2024\n");
        let (j, html) = via_form(&mut admin, "move.csv", &text).await;
        assert_eq!(j["ok"], true, "{j}");
        assert!(
            j["notices"][0].as_str().unwrap().contains("园区变更"),
            "{j}"
        );
        assert!(html.contains("园区变更") && html.contains("新港国家高新园"));
        let moves = s.store.park_moves(&Scope::Zone, &code).await.unwrap();
        assert_eq!(moves.len(), 1);
        assert_eq!(moves[0].actor, "admin");
        assert_eq!(moves[0].to_park, "jiangbei");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b_a_partial_upload_keeps_the_rest_and_lists_changes() {
    for s in servers().await {
        let target = s.firm_in("jiangbei");
        let code = Uscc::parse(&target).unwrap();
        let before = s
            .store
            .facts_of(&Scope::Zone, &code)
            .await
            .unwrap()
            .into_iter()
            .find(|f| f.year.get() == 2024)
            .unwrap();
        let new_revenue = before.get(F::Revenue).unwrap_or(0) + 1_000_000;
        let text = format!(
            "统一社会信用代码,年度,营业收入（万元）\n{target},2024,{}\n",
            gaoxin_model::Money(new_revenue).to_decimal(gaoxin_model::Unit::WanYuan)
        );
        let mut jb = s.signed_in("park-jiangbei").await;
        let (j, html) = via_form(&mut jb, "revenue.csv", &text).await;
        assert_eq!(j["ok"], true, "{j}");
        assert_eq!(j["change_count"], 1, "{j}");
        assert_eq!(j["changes"][0]["field"], "营业收入（万元）");
        assert!(html.contains("变更明细") && html.contains("营业收入（万元）"));
        let after = s
            .store
            .facts_of(&Scope::Zone, &code)
            .await
            .unwrap()
            .into_iter()
            .find(|f| f.year.get() == 2024)
            .unwrap();
        assert_eq!(after.get(F::Revenue), Some(new_revenue));
        for f in F::ALL.iter().filter(|f| **f != F::Revenue) {
            assert_eq!(after.get(*f), before.get(*f), "{f:?} kept");
            assert_eq!(after.prov(*f), before.prov(*f), "{f:?} source kept");
        }
        // The same file again: nothing changes.
        let j = via_api(&mut jb, "revenue.csv", &text).await;
        assert_eq!(
            (j["ok"].clone(), j["change_count"].clone()),
            (true.into(), 0.into())
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nine_reimporting_the_export_changes_nothing() {
    for s in servers().await {
        let export = gaoxin_ingest::export_bytes(
            &s.store,
            &s.zone,
            &Scope::Zone,
            None,
            None,
            gaoxin_ingest::ExportFormat::Csv,
        )
        .await
        .unwrap();
        let text = String::from_utf8(export).unwrap();
        let mut admin = s.signed_in("admin").await;
        let j = via_api(&mut admin, "export.csv", &text).await;
        assert_eq!(j["ok"], true, "{j}");
        let summary = j["summary"].as_str().unwrap();
        assert!(
            summary.contains("新增0行、更新0行") && summary.contains("更新企业0家"),
            "{summary}"
        );
        assert_eq!(j["change_count"], 0);
        let code = Uscc::parse(&s.firm_in("jiangbei")).unwrap();
        let e = s
            .store
            .enterprise(&Scope::Zone, &code)
            .await
            .unwrap()
            .unwrap();
        assert!(e.synthetic, "the demo label is kept");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_implausible_values_wait_for_the_users_confirmation() {
    for s in servers().await {
        let target = s.firm_in("jiangbei");
        let code = Uscc::parse(&target).unwrap();
        let before = s.store.facts_of(&Scope::Zone, &code).await.unwrap();
        // Yuan typed under a 万元 header: 52,000,000 万元 = 5200亿元.
        let text = format!("统一社会信用代码,年度,营业收入（万元）\n{target},2024,52000000\n");
        let mut jb = s.signed_in("park-jiangbei").await;
        let (j, html) = via_form(&mut jb, "yuan.csv", &text).await;
        assert_eq!(
            (j["ok"].clone(), j["needs_confirmation"].clone()),
            (false.into(), true.into()),
            "{j}"
        );
        assert!(
            html.contains("需要核对的警告") && html.contains("超过1000亿元"),
            "{html}"
        );
        assert_eq!(s.store.facts_of(&Scope::Zone, &code).await.unwrap(), before);
        // A header in 元 reads the same number exactly, no warning.
        let text_yuan = format!("统一社会信用代码,年度,营业收入（元）\n{target},2024,52000000\n");
        let j = via_api(&mut jb, "yuan.csv", &text_yuan).await;
        assert_eq!(
            (j["ok"].clone(), j["warning_count"].clone()),
            (true.into(), 0.into()),
            "{j}"
        );
        let f = s.store.facts_of(&Scope::Zone, &code).await.unwrap();
        let y2024 = f.iter().find(|f| f.year.get() == 2024).unwrap();
        assert_eq!(y2024.get(F::Revenue), Some(5_200_000_000));
        // Confirmed with the form's checkbox: written.
        let token = jb.csrf_token().await;
        let r = jb
            .post_multipart(
                "/upload",
                &[],
                &[("_csrf", &token), ("accept_warnings", "1")],
                ("yuan.csv", text.as_bytes()),
            )
            .await;
        let id = r
            .header("location")
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_string();
        let j = wait_job(&mut jb, &id).await;
        assert_eq!(j["ok"], true, "{j}");
        assert!(j["summary"].as_str().unwrap().contains("已确认"), "{j}");
    }
}

/// Uploads bytes through the API and waits for the result.
async fn bytes_via_api(c: &mut Client, name: &str, bytes: &[u8]) -> serde_json::Value {
    let token = c.csrf_token().await;
    let r = c
        .post_multipart(
            "/api/v1/imports",
            &[("X-CSRF-Token", &token)],
            &[],
            (name, bytes),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text());
    wait_job(c, r.json()["id"].as_str().unwrap()).await
}

fn messages(j: &serde_json::Value) -> String {
    format!("{} {}", j["errors"], j["message"])
}

/// Issue 13: a zip-bomb xlsx is refused at once, a file over the row limit is refused naming
/// it, a file over the size limit is refused with its Chinese message; nothing is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_a_zip_bomb_too_many_rows_and_too_large_are_refused() {
    for store in testing::all().await.unwrap() {
        let config = gaoxin_web::Config {
            import_limits: Some(gaoxin_ingest::read::Limits {
                max_rows: 1,
                ..Default::default()
            }),
            ..gaoxin_web::Config::default()
        };
        let s = common::start_with(store, config).await;
        let mut c = s.signed_in("admin").await;
        let before = s.count_facts().await;
        let t = std::time::Instant::now();
        let j = bytes_via_api(
            &mut c,
            "bomb.xlsx",
            &gaoxin_ingest::testing::zip_bomb_xlsx(400),
        )
        .await;
        assert!(t.elapsed().as_secs() < 20, "{:?}", t.elapsed());
        assert_eq!(j["ok"], false);
        assert!(messages(&j).contains("Excel 文件解压后过大，已拒绝"), "{j}");
        let csv = format!(
            "统一社会信用代码,企业名称,所属园区,年度,营业收入（万元）\n{},甲,新港国家高新园,2024,10\n{},乙,新港国家高新园,2024,20\n",
            s.firms[0].uscc.as_str(),
            s.firms[1].uscc.as_str()
        );
        let j = via_api(&mut c, "rows.csv", &csv).await;
        assert_eq!(j["ok"], false);
        assert!(
            messages(&j).contains("文件超过行数上限：最多1行数据"),
            "{j}"
        );
        // over 64 MiB: refused with the size in the message
        let token = c.csrf_token().await;
        let big = vec![b'a'; gaoxin_web::upload::MAX_UPLOAD + 1024];
        let r = c
            .post_multipart(
                "/api/v1/imports",
                &[("X-CSRF-Token", &token)],
                &[],
                ("big.csv", &big),
            )
            .await;
        assert!(r.status == 400 || r.status == 413, "{}", r.status);
        assert!(
            r.text().contains("文件太大：网页上传最大 64 MiB"),
            "{}",
            r.text()
        );
        assert_eq!(s.count_facts().await, before, "nothing written");
    }
}

/// Issue 13: on demo data the demo accounts sign in; once a real firm is uploaded they are
/// disabled (not deleted) and their sign-in is refused with the usual message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_firm_uploaded_disables_the_demo_accounts() {
    for s in servers().await {
        let mut c = s.signed_in("admin").await;
        s.signed_in("analyst").await;
        let csv = format!(
            "统一社会信用代码,企业名称,所属园区,年度,成立日期,行业代码,营业收入（万元）,从业人员（人）\n\
             {},真实一号公司,新港国家高新园,2024,2015-06-01,C3911,5000,120\n",
            Uscc::from_body("91320100MA7654321").unwrap()
        );
        let j = via_api(&mut c, "real.csv", &csv).await;
        assert_eq!(j["ok"], true, "{j}");
        for user in ["admin", "analyst"] {
            let rec = s.store.user(user).await.unwrap().expect("not deleted");
            assert!(rec.disabled, "{user}");
            let r = s.client().login(user, &s.password(user)).await;
            assert_ne!(r.status, 303, "{user}");
            assert!(r.text().contains("该账户已停用"), "{user}: {}", r.text());
        }
    }
}

/// A file without a required column: the job page names the template and links its download
/// (never the command line's way to get it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_column_links_the_template_download() {
    let s = start(testing::sqlite().await.unwrap()).await;
    let target = s.firm_in("jiangbei");
    let mut jb = s.signed_in("park-jiangbei").await;
    let (j, html) = via_form(
        &mut jb,
        "no-year.csv",
        &format!("统一社会信用代码,备注\n{target},x\n"),
    )
    .await;
    assert_eq!(j["ok"], false, "{j}");
    assert!(html.contains("缺少必填列：请使用导入模板的表头"), "{html}");
    assert!(html.contains("<a href=\"/upload/template.xlsx\" download>下载导入模板</a>"));
    assert!(!html.contains("gaoxin"), "no command on the page");
}
