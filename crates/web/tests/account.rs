//! The password change page (every signed-in user) and the change an administrator's reset
//! forces at the next sign-in, on SQLite and (when configured) PostgreSQL.
mod common;

use common::{Client, Server, hidden_value, start};
use gaoxin_store::testing;

async fn servers() -> Vec<Server> {
    let mut v = Vec::new();
    for store in testing::all().await.unwrap() {
        v.push(start(store).await);
    }
    v
}

async fn change(c: &mut Client, current: &str, new: &str, confirm: &str) -> common::Resp {
    let page = c.get("/account/password").await;
    assert_eq!(page.status, 200, "{}", page.text());
    let token = hidden_value(&page.text(), "_csrf").expect("the form has a CSRF field");
    let next = hidden_value(&page.text(), "next").unwrap_or_default();
    c.post_form(
        "/account/password",
        &[
            ("_csrf", &token),
            ("current", current),
            ("new_password", new),
            ("confirm", confirm),
            ("next", &next),
        ],
    )
    .await
}

fn error_of(r: &common::Resp) -> String {
    let t = r.text();
    let i = t.find("id=\"password-error\">").expect("an error message") + 20;
    t[i..i + t[i..].find('<').unwrap()].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_user_changes_their_password_under_the_policy() {
    for s in servers().await {
        for user in ["admin", "analyst", "park-jiangbei", "firm"] {
            let mut c = s.signed_in(user).await;
            let mut r = c.get("/").await;
            if r.status == 303 {
                let to = r.header("location").unwrap().to_string();
                r = c.get(&to).await;
            }
            assert_eq!(r.status, 200, "{user}");
            let page = r.text();
            assert!(
                page.contains("href=\"/account/password\""),
                "{user}: linked from every page"
            );
            let old = s.password(user);
            let new = format!("{user}-chose-this-77");

            // CSRF as every form: without the token, refused and nothing changed
            let r = c
                .post_form(
                    "/account/password",
                    &[
                        ("current", old.as_str()),
                        ("new_password", &new),
                        ("confirm", &new),
                    ],
                )
                .await;
            assert_eq!(r.status, 403, "{user}");

            // each rule broken is named
            for (cur, pw, confirm, msg) in [
                (
                    old.as_str(),
                    "short-pw",
                    "short-pw",
                    "密码太短：至少12个字符（现为8个）",
                ),
                (old.as_str(), "qwerty123456", "qwerty123456", "最常见密码"),
                (old.as_str(), user, user, ""),
                (
                    old.as_str(),
                    new.as_str(),
                    "something-else-1",
                    "两次输入的新密码不一致",
                ),
                (
                    "not-my-password",
                    new.as_str(),
                    new.as_str(),
                    "当前密码不正确",
                ),
                (
                    old.as_str(),
                    old.as_str(),
                    old.as_str(),
                    "新密码不能与当前密码相同",
                ),
            ] {
                let r = change(&mut c, cur, pw, confirm).await;
                assert_eq!(r.status, 400, "{user} {pw}: {}", r.text());
                let e = error_of(&r);
                if pw == user && user.chars().count() >= 12 {
                    assert_eq!(e, "密码不能与用户名相同", "{user}");
                } else {
                    assert!(e.contains(msg), "{user} {pw}: {e}");
                }
            }
            // nothing changed so far
            assert!(s.client().login(user, &old).await.status == 303, "{user}");

            let r = change(&mut c, &old, &new, &new).await;
            assert_eq!(r.status, 200, "{user}: {}", r.text());
            assert!(r.text().contains("密码已修改"), "{user}");
            assert_eq!(
                s.client().login(user, &old).await.status,
                401,
                "{user}: old refused"
            );
            assert_eq!(
                s.client().login(user, &new).await.status,
                303,
                "{user}: new works"
            );
            // the session that changed it goes on
            assert_eq!(c.get("/api/v1/me").await.status, 200, "{user}");
        }
        // the username rule, with a username long enough to pass the length rule
        gaoxin_app::accounts::add_user(
            &s.store,
            &s.zone,
            "li.ming.analyst",
            "tall-river-lamp-9",
            gaoxin_store::Role::ZoneAnalyst,
        )
        .await
        .unwrap();
        let mut c = s.client();
        assert_eq!(
            c.login("li.ming.analyst", "tall-river-lamp-9").await.status,
            303
        );
        let r = change(
            &mut c,
            "tall-river-lamp-9",
            "LI.MING.ANALYST",
            "LI.MING.ANALYST",
        )
        .await;
        assert_eq!(error_of(&r), "密码不能与用户名相同");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_ends_the_users_other_sessions() {
    for s in servers().await {
        let mut a = s.signed_in("analyst").await;
        let mut b = s.signed_in("analyst").await;
        let mut other = s.signed_in("admin").await;
        let old = s.password("analyst");
        let r = change(&mut a, &old, "a-fresh-secret-42", "a-fresh-secret-42").await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(a.get("/api/v1/me").await.status, 200);
        assert_eq!(
            b.get("/api/v1/me").await.status,
            401,
            "the other session ended"
        );
        assert_eq!(
            other.get("/api/v1/me").await.status,
            200,
            "other users keep theirs"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_current_passwords_are_throttled_like_sign_ins() {
    for s in servers().await {
        let mut c = s.signed_in("analyst").await;
        for _ in 0..5 {
            let r = change(
                &mut c,
                "guess-guess-guess",
                "a-fresh-secret-42",
                "a-fresh-secret-42",
            )
            .await;
            assert_eq!(error_of(&r), "当前密码不正确");
        }
        let right = s.password("analyst");
        let r = change(&mut c, &right, "a-fresh-secret-42", "a-fresh-secret-42").await;
        assert_eq!(r.status, 400);
        assert!(error_of(&r).contains("输错次数过多"), "{}", error_of(&r));
        // and the sign-in from this address counts the same failures
        let r = s.client().login("analyst", &right).await;
        assert_eq!(r.status, 401, "{}", r.text());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrators_reset_forces_a_change_at_the_next_sign_in() {
    for s in servers().await {
        gaoxin_app::accounts::reset_password(&s.store, "analyst", "given-by-admin-1")
            .await
            .unwrap();
        let mut c = s.client();
        let r = c.login("analyst", "given-by-admin-1").await;
        assert_eq!(r.status, 303);
        assert_eq!(r.header("location"), Some("/account/password?next=/"));
        // every page and API call leads to the change page until it is changed
        for path in ["/", "/enterprises?sort=revenue", "/ladder", "/targets"] {
            let r = c.get(path).await;
            assert_eq!(r.status, 303, "{path}");
            let loc = r.header("location").unwrap();
            assert!(loc.starts_with("/account/password?next="), "{path}: {loc}");
        }
        let r = c
            .request("GET", "/enterprises", &[("HX-Request", "true")], b"")
            .await;
        assert!(
            r.header("hx-redirect")
                .unwrap()
                .starts_with("/account/password")
        );
        let r = c.get("/api/v1/summary").await;
        assert_eq!(r.status, 403);
        assert_eq!(r.json()["code"], "password_change_required");
        let page = c.get("/account/password?next=/ladder").await;
        assert_eq!(page.status, 200);
        assert!(page.text().contains("管理员已重设您的密码"));
        assert_eq!(c.get("/static/app.css").await.status, 200);

        let r = change(&mut c, "given-by-admin-1", "short", "short").await;
        assert_eq!(r.status, 400);
        assert_eq!(c.get("/").await.status, 303, "still forced after a refusal");
        let r = change(
            &mut c,
            "given-by-admin-1",
            "my-own-secret-77",
            "my-own-secret-77",
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.text());
        assert_eq!(r.header("location"), Some("/"));
        assert_eq!(c.get("/").await.status, 200, "free again");
        assert_eq!(c.get("/api/v1/summary").await.status, 200);
        assert!(
            !s.store
                .user("analyst")
                .await
                .unwrap()
                .unwrap()
                .must_change_password
        );
        // the next sign-in goes where it was asked to
        let mut d = s.client();
        let r = d.login("analyst", "my-own-secret-77").await;
        assert_eq!(r.header("location"), Some("/"));
        assert_eq!(d.get("/").await.status, 200);
    }
}
