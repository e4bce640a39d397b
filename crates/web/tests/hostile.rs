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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_numbers_beyond_the_last_page_show_the_last_page() {
    for s in servers().await {
        let mut admin = s.signed_in("admin").await;
        let total = admin.get("/api/v1/enterprises").await.json()["total"]
            .as_u64()
            .unwrap();
        assert_eq!(total, 300);
        let pages = total.div_ceil(50);
        let last = admin
            .get(&format!("/api/v1/enterprises?page={pages}"))
            .await
            .json();
        for page in [
            "9223372036854775807",
            "9223372036854775808",
            "18446744073709551615",
            "99999999999999999999999999",
            "99999999",
            &(pages + 1).to_string(),
        ] {
            let r = admin.get(&format!("/enterprises?page={page}")).await;
            assert_eq!(r.status, 200, "page={page}: {}", r.text());
            let t = r.text();
            assert!(
                t.contains(&format!("第 {pages} / {pages} 页")),
                "page={page}"
            );
            assert!(!t.contains(&format!("第 {page} ")), "page={page}");
            let r = admin
                .request(
                    "GET",
                    &format!("/enterprises?page={page}&sort=revenue"),
                    &[("HX-Request", "true")],
                    b"",
                )
                .await;
            assert_eq!(r.status, 200, "htmx page={page}");
            assert!(r.text().contains(&format!("第 {pages} / {pages} 页")));
            let r = admin.get(&format!("/api/v1/enterprises?page={page}")).await;
            assert_eq!(r.status, 200, "API page={page}: {}", r.text());
            let j = r.json();
            assert_eq!(j["total"], total);
            assert_eq!(j["page"], pages);
            assert_eq!(j["pages"], pages);
            assert_eq!(j["items"], last["items"], "page={page}");
        }
        // Other page sizes: 300 firms at 7 a page is 43 pages, the last with 6 firms; at 500
        // a page an offset of 500 × 2^64 overflows any integer.
        let j = admin
            .get("/api/v1/enterprises?page=9223372036854775807&page_size=7")
            .await
            .json();
        assert_eq!(
            (j["page"].as_u64(), j["pages"].as_u64()),
            (Some(43), Some(43))
        );
        assert_eq!(j["items"].as_array().unwrap().len(), 6);
        let j = admin
            .get("/api/v1/enterprises?page=18446744073709551615&page_size=500")
            .await
            .json();
        assert_eq!(
            (j["page"].as_u64(), j["pages"].as_u64()),
            (Some(1), Some(1))
        );
        assert_eq!(j["items"].as_array().unwrap().len(), 300);
        // No page numbers below 1.
        for page in ["0", "-1", "-9223372036854775808", "abc", ""] {
            let j = admin
                .get(&format!("/api/v1/enterprises?page={page}"))
                .await
                .json();
            assert_eq!(j["page"], 1, "page={page}");
        }
        // An empty result: page 1 of 1 with its real count.
        let q = enc("没有这家企业");
        let r = admin
            .get(&format!("/enterprises?q={q}&page=9223372036854775807"))
            .await;
        assert_eq!(r.status, 200);
        assert!(r.text().contains("共 <strong>0</strong> 家企业"));
        let j = admin
            .get(&format!(
                "/api/v1/enterprises?q={q}&page=9223372036854775807"
            ))
            .await
            .json();
        assert_eq!(
            (j["total"].as_u64(), j["page"].as_u64()),
            (Some(0), Some(1))
        );
        assert_eq!(j["items"].as_array().unwrap().len(), 0);
        // A park administrator's last page is the last page of its park.
        let mut park = s.signed_in("park-jiangbei").await;
        let own = s.firms.iter().filter(|e| e.park == "jiangbei").count() as u64;
        let j = park
            .get("/api/v1/enterprises?page=9223372036854775807&page_size=10")
            .await
            .json();
        assert_eq!(j["total"], own);
        assert_eq!(j["page"], own.div_ceil(10));
        assert_eq!(
            j["items"].as_array().unwrap().len() as u64,
            own - (own.div_ceil(10) - 1) * 10
        );
    }
}
