//! Bank access with consent, end to end over HTTP against the real server on both backends:
//! a bank without consent gets nothing; with the firm's consent it reads that firm's points and
//! nothing else; revoked or expired consent reads nothing; every read is logged and shown to the firm.
mod common;

use common::{Server, hidden_value, start};
use gaoxin_store::testing;

async fn bank_get(s: &Server, key: Option<&str>, uscc: &str) -> common::Resp {
    let mut c = s.client();
    let auth = key.map(|k| format!("Bearer {k}"));
    let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("Authorization", a.as_str())).collect();
    c.request(
        "GET",
        &format!("/api/v1/bank/enterprises/{uscc}/points"),
        &headers,
        b"",
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bank_reads_only_what_a_firm_consented_to() {
    for store in testing::all().await.unwrap() {
        let s = start(store).await;
        gaoxin_app::indicators::run_points(&s.store, gaoxin_model::Year::new(2024).unwrap())
            .await
            .unwrap();
        let own = s.own_firm().await;
        let other = s.firm_in("xingang");
        let (_, key) = s
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

        // No key, a wrong key: 401. A valid key without consent: 404, same body as a missing firm.
        assert_eq!(bank_get(&s, None, &own).await.status, 401);
        assert_eq!(bank_get(&s, Some("gxb_nope"), &own).await.status, 401);
        let r = bank_get(&s, Some(&key), &own).await;
        assert_eq!(r.status, 404, "{}", r.text());
        let missing = bank_get(&s, Some(&key), &s.missing).await;
        assert_eq!(missing.status, 404);
        assert_eq!(
            r.body, missing.body,
            "no consent looks exactly like no firm"
        );
        // A signed-in session is not a bank key.
        let mut admin = s.signed_in("admin").await;
        assert_eq!(
            admin
                .get(&format!("/api/v1/bank/enterprises/{own}/points"))
                .await
                .status,
            401
        );

        // The firm's page shows its points and the consent form.
        let mut firm = s.signed_in("firm").await;
        let frag = firm.get(&format!("/enterprises/{own}/points")).await;
        assert_eq!(frag.status, 200);
        let html = frag.text();
        assert!(
            html.contains("创新积分") && html.contains("总积分"),
            "{html}"
        );
        let bank_id = html
            .split("<option value=\"")
            .nth(1)
            .and_then(|t| t.split('"').next())
            .unwrap()
            .to_string();
        let csrf = hidden_value(&html, "_csrf").unwrap();
        // Another firm's user, or a zone admin, cannot grant for this firm.
        let admin_csrf = admin.csrf_token().await;
        let r = admin
            .post_form(
                &format!("/enterprises/{own}/consents"),
                &[
                    ("_csrf", &admin_csrf),
                    ("bank", &bank_id),
                    ("expires", "2099-12-31"),
                ],
            )
            .await;
        assert_eq!(r.status, 404);
        // Grant (the first option is 南京银行, banks are listed by name… find its id by name).
        let nj = html
            .split("<option value=\"")
            .skip(1)
            .find(|t| t.contains("南京银行南京分行"))
            .and_then(|t| t.split('"').next())
            .unwrap_or(&bank_id)
            .to_string();
        let r = firm
            .post_form(
                &format!("/enterprises/{own}/consents"),
                &[("_csrf", &csrf), ("bank", &nj), ("expires", "2099-12-31")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.text());
        let r = firm
            .post_form(
                &format!("/enterprises/{own}/consents"),
                &[("_csrf", &csrf), ("bank", &nj), ("expires", "2001-01-01")],
            )
            .await;
        assert_eq!(r.status, 400, "expiry in the past is refused");

        // Now the bank reads this firm's points and components …
        let r = bank_get(&s, Some(&key), &own).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let j = r.json();
        assert_eq!(j["uscc"], own.as_str());
        let p = &j["points"][0];
        assert_eq!(p["year"], 2024);
        assert!(p["total"].is_number());
        assert!(p["components"].as_array().unwrap().len() >= 10);
        assert!(p["groups"].as_array().unwrap().len() == 3);
        // the scheme's indicators are placeholders, and the response says so
        assert_eq!(j["placeholder_scheme"], true);
        assert!(j["scheme_notice"].as_str().unwrap().contains("18项"));
        // … but not another firm's, and the other bank reads nothing.
        assert_eq!(bank_get(&s, Some(&key), &other).await.status, 404);
        assert_eq!(bank_get(&s, Some(&key2), &own).await.status, 404);

        // Revoke: nothing again.
        let html = firm.get(&format!("/enterprises/{own}/points")).await.text();
        assert!(html.contains("有效"));
        let consent = html
            .split("name=\"consent\" value=\"")
            .nth(1)
            .and_then(|t| t.split('"').next())
            .unwrap()
            .to_string();
        let r = firm
            .post_form(
                &format!("/enterprises/{own}/consents/revoke"),
                &[("_csrf", &csrf), ("consent", &consent)],
            )
            .await;
        assert_eq!(r.status, 303);
        assert_eq!(bank_get(&s, Some(&key), &own).await.status, 404);

        // Every read is in the firm's log, allowed or refused.
        let html = firm.get(&format!("/enterprises/{own}/points")).await.text();
        assert!(html.contains("已撤销"));
        assert_eq!(html.matches("已读取积分").count(), 1, "{html}");
        assert!(html.matches("被拒绝（无有效授权）").count() >= 3);
        // Nobody else sees the consents or the log.
        let html = admin
            .get(&format!("/enterprises/{own}/points"))
            .await
            .text();
        assert!(!html.contains("银行读取记录"));
    }
}

/// A year whose stored points do not decode is an error (naming it in the log) — never dropped, which
/// shifted every later year onto the wrong row (2024's points were shown as 2023's).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undecodable_points_of_a_year_are_an_error_not_a_shifted_year() {
    for store in testing::all().await.unwrap() {
        let s = start(store).await;
        let y2024 = gaoxin_model::Year::new(2024).unwrap();
        let (_, run) = gaoxin_app::indicators::run_points(&s.store, y2024)
            .await
            .unwrap();
        let own = s.own_firm().await;
        let mut firm = s.signed_in("firm").await;
        let ok = firm.get(&format!("/enterprises/{own}/points")).await;
        assert_eq!(ok.status, 200, "{}", ok.text());
        s.store
            .replace_points(
                gaoxin_model::Year::new(2023).unwrap(),
                &[gaoxin_store::PointsRow {
                    uscc: own.clone(),
                    year: gaoxin_model::Year::new(2023).unwrap(),
                    run_id: run.id.clone(),
                    stage: String::new(),
                    total: 0.0,
                    detail: "{".into(),
                }],
            )
            .await
            .unwrap();
        // The cause (naming the run and the year) goes to the server log, not to the page.
        let r = firm.get(&format!("/enterprises/{own}/points")).await;
        assert_eq!(r.status, 500, "{}", r.text());
    }
}
