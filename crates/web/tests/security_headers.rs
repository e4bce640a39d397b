//! Every response carries the security headers: every route of the table for every role
//! (pages, redirects, refusals, the API, exports, static files), the 404 fallback and refused
//! POSTs; HSTS only when the platform is served over https (secure cookies).
mod common;

use common::{Resp, start, start_with};
use gaoxin_store::testing;
use gaoxin_web::{Config, route_table};

fn fill(path: &str, uscc: &str) -> String {
    path.replace("{uscc}", uscc)
        .replace("{park}", "jiangbei")
        .replace("{table}", "years")
        .replace("{job}", "0123456789abcdef")
        .replace("{*path}", "app.css")
}

fn check(r: &Resp, what: &str, hsts: bool) {
    let csp = r
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no CSP"));
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(csp.contains("script-src 'self'"), "{what}: {csp}");
    assert_eq!(
        r.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(r.header("referrer-policy"), Some("same-origin"), "{what}");
    assert_eq!(r.header("x-frame-options"), Some("DENY"), "{what}");
    match (hsts, r.header("strict-transport-security")) {
        (true, Some(v)) => assert!(v.starts_with("max-age=31536000"), "{what}: {v}"),
        (false, None) => {}
        (want, got) => panic!("{what}: HSTS wanted {want}, got {got:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_the_security_headers() {
    let store = testing::sqlite().await.unwrap();
    let s = start(store).await;
    let firm = s.own_firm().await;
    let mut clients = vec![("anonymous", s.client())];
    for r in ["admin", "park-xingang", "firm"] {
        clients.push((r, s.signed_in(r).await));
    }
    let mut n = 0;
    for route in route_table() {
        let path = fill(route.path, &firm);
        for (who, c) in clients.iter_mut() {
            let r = c.request(route.method, &path, &[], b"").await;
            check(
                &r,
                &format!("{} {path} as {who} ({})", route.method, r.status),
                false,
            );
            n += 1;
        }
    }
    assert!(n > 150, "{n}");
    let mut c = s.client();
    for path in [
        "/no/such/page",
        "/api/v1/no-such",
        "/static/nothing.js",
        "/login?next=//evil",
    ] {
        let r = c.get(path).await;
        check(&r, path, false);
    }
    let r = c.login("admin", "wrong-password-1").await;
    assert_eq!(r.status, 401);
    check(&r, "a refused sign-in", false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hsts_only_over_https() {
    let store = testing::sqlite().await.unwrap();
    let config = Config {
        secure_cookies: true,
        ..Config::default()
    };
    let s = start_with(store, config).await;
    let mut c = s.client();
    for path in [
        "/login",
        "/healthz",
        "/static/app.css",
        "/",
        "/api/v1/me",
        "/nowhere",
    ] {
        let r = c.get(path).await;
        check(&r, path, true);
    }
    let r = c.login("admin", &s.password("admin")).await;
    check(&r, "sign-in", true);
    check(&c.get("/enterprises").await, "/enterprises", true);
}
