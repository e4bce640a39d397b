//! Hostile requests (issue 11, D): where sign-in sends the browser, page numbers beyond the list,
//! the sign-in throttle, and parks that do not exist. The real server on SQLite and (when
//! configured) PostgreSQL.
mod common;

use common::{Client, Resp, Server, enc, hidden_value, start};
use gaoxin_store::testing;

async fn servers() -> Vec<Server> {
    let mut v = Vec::new();
    for store in testing::all().await.unwrap() {
        v.push(start(store).await);
    }
    v
}

/// GET /login for the form's token, then POST the credentials with `next` and extra headers.
async fn login_to(
    c: &mut Client,
    user: &str,
    password: &str,
    next: &str,
    headers: &[(&str, &str)],
) -> Resp {
    let page = c.request("GET", "/login", headers, b"").await.text();
    let token = hidden_value(&page, "_csrf").expect("sign-in form has a CSRF field");
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("_csrf", token.as_str()),
            ("username", user),
            ("password", password),
            ("next", next),
        ])
        .finish();
    let mut h = vec![("Content-Type", "application/x-www-form-urlencoded")];
    h.extend_from_slice(headers);
    c.request("POST", "/login", &h, body.as_bytes()).await
}

fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/").replace("&amp;", "&")
}

/// `next` values that a browser would follow to another origin, or that are no path at all.
const HOSTILE_NEXT: &[&str] = &[
    "/\t/evil.example/",
    "/\t\t/evil.example/",
    "/\n/evil.example/",
    "/\r\n/evil.example/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\/evil.example/",
    "\\\\evil.example/",
    "/\\/evil.example/",
    "/ /evil.example/",
    " //evil.example/",
    "\t//evil.example/",
    "//\tevil.example/",
    "/\u{0}/evil.example/",
    "/\u{1f}/evil.example/",
    "/\u{7f}/evil.example/",
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    "evil.example",
    "",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_redirects_only_to_paths_of_this_site() {
    for s in servers().await {
        let pw = s.password("admin");
        for next in HOSTILE_NEXT {
            // after signing in
            let mut c = s.client();
            let r = login_to(&mut c, "admin", &pw, next, &[]).await;
            assert_eq!(r.status, 303, "POST next={next:?}");
            assert_eq!(r.header("location"), Some("/"), "POST next={next:?}");
            // already signed in: GET /login?next=… redirects at once
            let r = c.get(&format!("/login?next={}", enc(next))).await;
            assert_eq!(r.status, 303, "GET next={next:?}");
            assert_eq!(r.header("location"), Some("/"), "GET next={next:?}");
            // the form carries only the safe value
            let page = s
                .client()
                .get(&format!("/login?next={}", enc(next)))
                .await
                .text();
            let field = hidden_value(&page, "next").map(|v| unescape(&v));
            assert_eq!(field.as_deref(), Some("/"), "form next={next:?}");
        }
        // The request, byte for byte.
        let mut c = s.signed_in("admin").await;
        let r = c.get("/login?next=/%09/evil.example/").await;
        assert_eq!(r.header("location"), Some("/"));
        // Paths of this site go through; non-ASCII is percent-encoded for the header, and an
        // encoded slash is part of a path segment here, not a second slash.
        for (next, want) in [
            (
                "/enterprises?q=南京&page=2",
                "/enterprises?q=%E5%8D%97%E4%BA%AC&page=2",
            ),
            ("/parks/jiangbei", "/parks/jiangbei"),
            ("/%2F%2Fevil.example", "/%2F%2Fevil.example"),
            ("/%09/evil.example/", "/%09/evil.example/"),
            ("/\u{a0}/evil.example/", "/%C2%A0/evil.example/"),
        ] {
            let mut c = s.client();
            let r = login_to(&mut c, "admin", &pw, next, &[]).await;
            assert_eq!(r.status, 303);
            assert_eq!(r.header("location"), Some(want), "next={next:?}");
        }
    }
}
