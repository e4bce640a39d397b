//! 企业诉求 over HTTP on both backends: the forms (CSRF), scopes, the import, the measures, and
//! the 12345 API with its own key.
mod common;

use common::{Server, start};
use gaoxin_store::testing;

async fn servers() -> Vec<Server> {
    let mut v = Vec::new();
    for store in testing::all().await.unwrap() {
        v.push(start(store).await);
    }
    v
}

fn id_of(location: Option<&str>) -> String {
    location
        .unwrap()
        .trim_start_matches("/appeals/")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_scopes_import_measures_and_the_12345_api() {
    for s in servers().await {
        let own = s.own_firm().await;
        let mut firm = s.signed_in("firm").await;
        let mut admin = s.signed_in("admin").await;
        let mut dept = s.signed_in("dept-keji").await;
        let mut xg = s.signed_in("park-xingang").await;

        // a form without its token changes nothing
        let r = firm
            .post_form(
                "/appeals",
                &[("uscc", &own), ("description", "x"), ("contact", "y")],
            )
            .await;
        assert_eq!(r.status, 403);
        let t = firm.csrf_token().await;
        // a bad form: a clear Chinese message, nothing stored
        let r = firm
            .post_form(
                "/appeals",
                &[
                    ("_csrf", &t),
                    ("uscc", &own),
                    ("description", " "),
                    ("contact", "张"),
                ],
            )
            .await;
        assert_eq!(r.status, 400);
        assert!(r.text().contains("诉求内容不能为空"), "{}", r.text());
        let r = firm
            .post_form(
                "/appeals",
                &[
                    ("_csrf", &t),
                    ("uscc", &own),
                    ("title", "奖励未到账"),
                    ("description", "高企认定奖励至今没有拨付"),
                    ("contact", "张经理 138"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.text());
        let id = id_of(r.header("location"));
        let page = firm.get(&format!("/appeals/{id}")).await;
        assert_eq!(page.status, 200);
        assert!(
            page.text().contains("政策兑现") && page.text().contains("科技创新局"),
            "suggested and routed"
        );
        // the department sees it, another park does not (the same 404 as a missing one)
        assert_eq!(dept.get(&format!("/appeals/{id}")).await.status, 200);
        assert_eq!(xg.get(&format!("/appeals/{id}")).await.status, 404);
        assert!(!xg.get("/appeals").await.text().contains("奖励未到账"));
        // moves: the department cannot sign before 交办; the admin routes it
        let dt = dept.csrf_token().await;
        let r = dept
            .post_form(
                &format!("/appeals/{id}/act"),
                &[("_csrf", &dt), ("action", "sign")],
            )
            .await;
        assert_eq!(r.status, 400);
        assert!(
            r.text().contains("交办") || r.text().contains("受理"),
            "{}",
            r.text()
        );
        let at = admin.csrf_token().await;
        let r = admin
            .post_form(
                &format!("/appeals/{id}/act"),
                &[
                    ("_csrf", &at),
                    ("action", "assign"),
                    ("department", "keji"),
                    ("note", "请办理"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.text());
        for a in ["sign", "start"] {
            let r = dept
                .post_form(
                    &format!("/appeals/{id}/act"),
                    &[("_csrf", &dt), ("action", a)],
                )
                .await;
            assert_eq!(r.status, 303, "{a}: {}", r.text());
        }
        let r = dept
            .post_form(
                &format!("/appeals/{id}/act"),
                &[("_csrf", &dt), ("action", "reply"), ("note", "已拨付")],
            )
            .await;
        assert_eq!(r.status, 303);
        let r = firm
            .post_form(
                &format!("/appeals/{id}/act"),
                &[("_csrf", &t), ("action", "visit-ok"), ("resolved", "1")],
            )
            .await;
        assert_eq!(r.status, 303);
        let r = admin
            .post_form(
                &format!("/appeals/{id}/act"),
                &[("_csrf", &at), ("action", "close"), ("note", "办结")],
            )
            .await;
        assert_eq!(r.status, 303);
        let h = firm.get(&format!("/appeals/{id}")).await.text();
        assert!(h.contains("办结") && h.contains("dept-keji"), "{h}");
        let m = admin.get("/appeals/measures?by=department").await.text();
        assert!(m.contains("科技创新局") && m.contains("100.0%"), "{m}");
        assert!(
            admin
                .get("/appeals/export.xlsx")
                .await
                .body
                .starts_with(b"PK")
        );
        assert_eq!(admin.get("/appeals/due").await.status, 200);

        // import: all or nothing, row messages
        let csv = format!(
            "统一社会信用代码,诉求内容,联系人及电话\n{own},希望对接银行授信,王 1\n{own},,李 2\n"
        );
        let r = admin
            .post_multipart(
                "/appeals/import",
                &[],
                &[("_csrf", &at)],
                ("a.csv", csv.as_bytes()),
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(
            r.text().contains("第3行") && r.text().contains("诉求内容不能为空"),
            "{}",
            r.text()
        );
        let r = admin
            .post_multipart(
                "/appeals/import",
                &[],
                &[("_csrf", "wrong")],
                ("a.csv", csv.as_bytes()),
            )
            .await;
        assert_eq!(r.status, 403);

        // the 12345 API: its own key, JSON errors
        let key = s
            .store
            .add_appeal_key("12345热线", 1)
            .await
            .unwrap()
            .unwrap();
        let mut api = s.client();
        let body = format!(
            r#"{{"uscc":"{own}","description":"企业反映园区停电","contact":"12345转 王"}}"#
        );
        let r = api
            .request(
                "POST",
                "/api/v1/appeals",
                &[("Content-Type", "application/json")],
                body.as_bytes(),
            )
            .await;
        assert_eq!(r.status, 403, "no key: the CSRF refusal");
        let bearer = format!("Bearer {key}");
        let r = api
            .request(
                "POST",
                "/api/v1/appeals",
                &[("Authorization", "Bearer gxa_wrong")],
                body.as_bytes(),
            )
            .await;
        assert_eq!(r.status, 401);
        assert!(r.json()["message"].is_string());
        let r = api
            .request(
                "POST",
                "/api/v1/appeals",
                &[("Authorization", &bearer)],
                b"{not json",
            )
            .await;
        assert_eq!(r.status, 400);
        let bad = r#"{"uscc":"91320100MA0000000X","description":"x","contact":"y"}"#;
        let r = api
            .request(
                "POST",
                "/api/v1/appeals",
                &[("Authorization", &bearer)],
                bad.as_bytes(),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.text());
        let r = api
            .request(
                "POST",
                "/api/v1/appeals",
                &[("Authorization", &bearer)],
                body.as_bytes(),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        let id = r.json()["id"].as_i64().unwrap();
        let p = admin.get(&format!("/appeals/{id}")).await.text();
        assert!(p.contains("12345") && p.contains("园区配套"), "{p}");
    }
}

/// 附件: the firm adds a file (CSRF checked), it downloads byte for byte as an attachment; another
/// park gets the 404 of a missing appeal; an analyst may not add; a wrong type, an empty file and
/// more than the allowed count are refused with a Chinese message and store nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_are_added_scoped_and_limited() {
    for s in servers().await {
        let own = s.own_firm().await;
        let mut firm = s.signed_in("firm").await;
        let mut xg = s.signed_in("park-xingang").await;
        let mut analyst = s.signed_in("analyst").await;
        let t = firm.csrf_token().await;
        let r = firm
            .post_form(
                "/appeals",
                &[
                    ("_csrf", &t),
                    ("uscc", &own),
                    ("description", "用地指标问题，附证明材料"),
                    ("contact", "李 139"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.text());
        let id = id_of(r.header("location"));
        let up = format!("/appeals/{id}/attachments");
        let pdf: Vec<u8> = b"%PDF-1.4\n\x00\xff binary \r\n--boundary-like\r\n"
            .iter()
            .copied()
            .cycle()
            .take(70_000)
            .collect();
        // without the form's token: refused, nothing stored
        let r = firm.post_multipart(&up, &[], &[], ("证明.pdf", &pdf)).await;
        assert_eq!(r.status, 403);
        let r = firm
            .post_multipart(&up, &[], &[("_csrf", &t)], ("C:\\材料\\证明.pdf", &pdf))
            .await;
        assert_eq!(r.status, 303, "{}", r.text());
        let page = firm.get(&format!("/appeals/{id}")).await.text();
        assert!(
            page.contains("证明.pdf") && page.contains("69 KB"),
            "{page}"
        );
        let d = firm.get(&format!("/appeals/{id}/attachments/1")).await;
        assert_eq!(d.status, 200);
        assert_eq!(d.body, pdf, "the file comes back byte for byte");
        assert_eq!(
            d.header("content-type"),
            Some("application/octet-stream"),
            "never rendered inline"
        );
        assert!(
            d.header("content-disposition")
                .unwrap()
                .starts_with("attachment")
        );
        // another park: the same 404 as a missing appeal, for the file and the upload
        assert_eq!(
            xg.get(&format!("/appeals/{id}/attachments/1")).await.status,
            404
        );
        let xt = xg.csrf_token().await;
        let r = xg
            .post_multipart(&up, &[], &[("_csrf", &xt)], ("x.pdf", b"%PDF"))
            .await;
        assert_eq!(r.status, 404);
        // an analyst reads but may not add
        assert_eq!(
            analyst
                .get(&format!("/appeals/{id}/attachments/1"))
                .await
                .status,
            200
        );
        let at = analyst.csrf_token().await;
        let r = analyst
            .post_multipart(&up, &[], &[("_csrf", &at)], ("y.pdf", b"%PDF"))
            .await;
        assert_eq!(r.status, 400);
        assert!(r.text().contains("不能添加附件"), "{}", r.text());
        // wrong type, empty file
        let r = firm
            .post_multipart(&up, &[], &[("_csrf", &t)], ("run.exe", b"MZ"))
            .await;
        assert_eq!(r.status, 400);
        assert!(r.text().contains("类型不受支持"), "{}", r.text());
        let r = firm
            .post_multipart(&up, &[], &[("_csrf", &t)], ("空.txt", b""))
            .await;
        assert_eq!(r.status, 400);
        assert!(r.text().contains("空文件"), "{}", r.text());
        // at most five files
        for k in 2..=5 {
            let r = firm
                .post_multipart(
                    &up,
                    &[],
                    &[("_csrf", &t)],
                    (&format!("{k}.png"), b"\x89PNG"),
                )
                .await;
            assert_eq!(r.status, 303, "{}", r.text());
        }
        let r = firm
            .post_multipart(&up, &[], &[("_csrf", &t)], ("6.png", b"\x89PNG"))
            .await;
        assert_eq!(r.status, 400);
        assert!(r.text().contains("最多 5 个附件"), "{}", r.text());
        assert_eq!(
            firm.get(&format!("/appeals/{id}/attachments/6"))
                .await
                .status,
            404
        );
        // over the size limit: refused before anything is stored
        let big = vec![b'a'; 10 * 1024 * 1024 + 1];
        let r = second_appeal(&s, &own).await;
        let r2 = {
            let mut f = s.signed_in("firm").await;
            let t2 = f.csrf_token().await;
            f.post_multipart(
                &format!("/appeals/{r}/attachments"),
                &[],
                &[("_csrf", &t2)],
                ("big.txt", &big),
            )
            .await
        };
        assert_eq!(r2.status, 400, "{}", r2.text());
        assert!(r2.text().contains("超过 10 MB"), "{}", r2.text());
        assert_eq!(
            firm.get(&format!("/appeals/{r}/attachments/1"))
                .await
                .status,
            404
        );
    }
}

/// A second appeal of the firm (for the size test), returning its id.
async fn second_appeal(s: &Server, own: &str) -> String {
    let mut firm = s.signed_in("firm").await;
    let t = firm.csrf_token().await;
    let r = firm
        .post_form(
            "/appeals",
            &[
                ("_csrf", &t),
                ("uscc", own),
                ("description", "第二件诉求"),
                ("contact", "李 139"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    id_of(r.header("location"))
}
