//! Hostile requests (issue 11, D): where sign-in sends the browser, page numbers beyond the list,
//! the sign-in throttle, and parks that do not exist. The real server on SQLite and (when
//! configured) PostgreSQL.
mod common;

use common::{Client, Resp, Server, enc, hidden_value, start, start_with, wait_for_rules_run};
use gaoxin_store::testing;
use gaoxin_web::Config;
use std::net::{IpAddr, Ipv4Addr};

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

/// The sign-in page's error message, digits (minutes) blanked.
fn login_error(r: &Resp) -> String {
    let t = r.text();
    let start = t.find("id=\"login-error\">").expect("an error message") + 17;
    let end = t[start..].find("</p>").unwrap() + start;
    t[start..end]
        .chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect()
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
        // Page sizes: numbers are clamped to 1–500, anything else is a JSON 400.
        for (size, want) in [
            ("0", 1),
            ("-3", 1),
            ("-99999999999999999999", 1),
            ("100000", 500),
            ("99999999999999999999", 500),
            (" 7 ", 7),
            ("", 50),
        ] {
            let j = admin
                .get(&format!("/api/v1/enterprises?page_size={}", enc(size)))
                .await
                .json();
            assert_eq!(j["page_size"], want, "page_size={size:?}");
        }
        for size in ["abc", "1.5", "-", "1e3", "%3Cb%3E"] {
            let r = admin
                .get(&format!("/api/v1/enterprises?page_size={size}"))
                .await;
            assert_eq!(r.status, 400, "page_size={size}");
            assert_eq!(r.json()["code"], "bad_request");
            assert!(r.json()["message"].as_str().unwrap().contains("page_size"));
        }
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

fn from(s: &Server, n: u8) -> Client {
    let mut c = s.client();
    c.source = Some(IpAddr::V4(Ipv4Addr::new(127, 0, 0, n)));
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_throttle_is_by_address_and_does_not_reveal_accounts() {
    for s in servers().await {
        let pw = s.password("analyst");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        // An attacker at 127.0.0.2 fails five times on analyst, and five times on a name that is
        // no account.
        let mut a = from(&s, 2);
        for _ in 0..5 {
            assert_eq!(a.login("analyst", "guess-guess").await.status, 401);
            assert_eq!(a.login("ghost", "guess-guess").await.status, 401);
        }
        // That address may no longer try either name, even with the right password, and both
        // answers are the same: nothing tells which account exists.
        let locked = a.login("analyst", &pw).await;
        let ghost = a.login("ghost", "guess-guess").await;
        assert_eq!((locked.status, ghost.status), (401, 401));
        assert!(login_error(&locked).contains("锁定"), "{}", locked.text());
        assert_eq!(login_error(&locked), login_error(&ghost));
        // The account itself is locked …
        let rec = s.store.user("analyst").await.unwrap().unwrap();
        assert!(rec.locked_until > now, "five failures lock the account");
        // … but the right password from an address that has not failed goes through.
        let mut b = from(&s, 3);
        assert_eq!(b.login("analyst", &pw).await.status, 303);
        assert_eq!(b.get("/api/v1/me").await.json()["username"], "analyst");

        // Lock it again from two addresses (four failures at .4, one at .5). At .4 the right
        // password is now refused, with the wrong-password answer: exactly what .4 gets for a
        // name that is no account after as many failures.
        let mut c = from(&s, 4);
        for _ in 0..4 {
            assert_eq!(c.login("analyst", "guess-guess").await.status, 401);
            assert_eq!(c.login("ghost-2", "guess-guess").await.status, 401);
        }
        assert_eq!(from(&s, 5).login("analyst", "x-guess-x").await.status, 401);
        let refused = c.login("analyst", &pw).await;
        let unknown = c.login("ghost-2", "guess-guess").await;
        assert_eq!((refused.status, unknown.status), (401, 401));
        assert_eq!(login_error(&refused), login_error(&unknown));
        assert!(login_error(&refused).contains("用户名或密码错误"));
        // Both refusals counted alike: the next attempt meets the throttle for either name.
        let refused = c.login("analyst", &pw).await;
        let unknown = c.login("ghost-2", "guess-guess").await;
        assert!(login_error(&refused).contains("锁定"));
        assert_eq!(login_error(&refused), login_error(&unknown));
        // An address without failures still signs in.
        assert_eq!(from(&s, 6).login("analyst", &pw).await.status, 303);

        // A form without the credentials' fields is a wrong sign-in, in Chinese.
        let mut e = from(&s, 9);
        let page = e.get("/login").await.text();
        let token = hidden_value(&page, "_csrf").unwrap();
        let r = e.post_form("/login", &[("_csrf", &token)]).await;
        assert_eq!(r.status, 401, "{}", r.text());
        assert!(login_error(&r).contains("用户名或密码错误"));

        // One address failing on many names is stopped for every name (20 in the window).
        let mut d = from(&s, 7);
        for i in 0..20 {
            let r = d.login(&format!("user-{i}"), "guess-guess").await;
            assert_eq!(r.status, 401);
            assert!(login_error(&r).contains("用户名或密码错误"));
        }
        let r = d.login("admin", &s.password("admin")).await;
        assert_eq!(r.status, 401);
        assert!(login_error(&r).contains("锁定"));
        assert_eq!(
            from(&s, 8)
                .login("admin", &s.password("admin"))
                .await
                .status,
            303
        );

        // A password reset lifts every lock-out of the account.
        gaoxin_app::accounts::reset_password(&s.store, "analyst", "a-new-password")
            .await
            .unwrap();
        assert_eq!(
            from(&s, 2).login("analyst", "a-new-password").await.status,
            303
        );
        // … and the failures of other names from that address still count.
        let r = from(&s, 2).login("ghost", "guess-guess").await;
        assert_eq!(r.status, 401);
        assert!(login_error(&r).contains("锁定"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_guesses_cannot_pass_the_throttle_together() {
    for s in servers().await {
        // 16 wrong passwords for one account from one address, sent at once: at most five are
        // checked (the others meet the throttle, and an attempt refused unchecked is not counted);
        // with the guesses that follow one by one, exactly five are checked in all, and then the
        // right password is refused too.
        let mut forms = Vec::new();
        for i in 0..16 {
            let mut c = from(&s, 10);
            let page = c.get("/login").await.text();
            let token = hidden_value(&page, "_csrf").unwrap();
            forms.push((c, token, format!("guess-{i}")));
        }
        let tasks: Vec<_> = forms
            .into_iter()
            .map(|(mut c, token, guess)| {
                tokio::spawn(async move {
                    let r = c
                        .post_form(
                            "/login",
                            &[
                                ("_csrf", token.as_str()),
                                ("username", "analyst"),
                                ("password", guess.as_str()),
                            ],
                        )
                        .await;
                    (r.status, login_error(&r))
                })
            })
            .collect();
        let mut checked = 0;
        for t in tasks {
            let (status, msg) = t.await.unwrap();
            assert_eq!(status, 401);
            if msg.contains("用户名或密码错误") {
                checked += 1;
            } else {
                assert!(msg.contains("锁定"), "{msg}");
            }
        }
        assert!(checked <= 5, "{checked} parallel guesses were checked");
        loop {
            let r = from(&s, 10).login("analyst", "one-more-guess").await;
            if login_error(&r).contains("锁定") {
                break;
            }
            checked += 1;
            assert!(checked <= 5, "{checked} guesses were checked");
        }
        assert_eq!(checked, 5);
        let r = from(&s, 10).login("analyst", &s.password("analyst")).await;
        assert!(login_error(&r).contains("锁定"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_throttle_reads_the_proxy_header_only_when_told() {
    for store in testing::all().await.unwrap() {
        // Not behind a proxy: X-Forwarded-For is the client's own claim and changes nothing.
        let s = start(store).await;
        let pw = s.password("analyst");
        let mut c = s.client();
        for i in 0..5 {
            let xff = format!("203.0.113.{i}");
            let r = login_to(
                &mut c,
                "analyst",
                "guess-guess",
                "/",
                &[("X-Forwarded-For", &xff)],
            )
            .await;
            assert_eq!(r.status, 401);
        }
        let r = login_to(
            &mut c,
            "analyst",
            &pw,
            "/",
            &[("X-Forwarded-For", "198.51.100.1")],
        )
        .await;
        assert_eq!(r.status, 401, "a forged header does not evade the throttle");
        assert!(login_error(&r).contains("锁定"));
        drop(s);
    }
    for store in testing::all().await.unwrap() {
        // Behind a proxy: the last entry (the one the proxy appended) is the client. IPv6
        // clients count by /64.
        let config = Config {
            trust_proxy: true,
            ..Config::default()
        };
        let s = start_with(store, config).await;
        let pw = s.password("analyst");
        let mut c = s.client();
        for (i, xff) in [
            "203.0.113.9",
            "10.0.0.1, 203.0.113.9",
            "203.0.113.9",
            "2001:db8::1",
            "2001:db8::2",
        ]
        .iter()
        .enumerate()
        {
            let r = login_to(
                &mut c,
                "analyst",
                "guess-guess",
                "/",
                &[("X-Forwarded-For", xff)],
            )
            .await;
            assert_eq!(r.status, 401, "failure {i}");
        }
        for i in 0..2 {
            let xff = format!("2001:db8::{:x}", 0x10 + i);
            login_to(
                &mut c,
                "analyst",
                "guess-guess",
                "/",
                &[("X-Forwarded-For", &xff)],
            )
            .await;
        }
        // 203.0.113.9 failed three times, 2001:db8::/64 four times: neither is stopped yet.
        let r = login_to(
            &mut c,
            "analyst",
            "guess-guess",
            "/",
            &[("X-Forwarded-For", "2001:db8::99")],
        )
        .await;
        assert!(login_error(&r).contains("用户名或密码错误"));
        // Now 2001:db8::/64 has five failures: any address in it is stopped …
        let r = login_to(
            &mut c,
            "analyst",
            &pw,
            "/",
            &[("X-Forwarded-For", "2001:db8::abcd")],
        )
        .await;
        assert_eq!(r.status, 401);
        assert!(login_error(&r).contains("锁定"));
        // … while another /64 and another IPv4 address sign in (the account's lock stops only
        // addresses that failed on it).
        let mut d = s.client();
        let r = login_to(
            &mut d,
            "analyst",
            &pw,
            "/",
            &[("X-Forwarded-For", "2001:db8:0:1::1")],
        )
        .await;
        assert_eq!(r.status, 303);
        let mut e = s.client();
        let r = login_to(
            &mut e,
            "analyst",
            &pw,
            "/",
            &[("X-Forwarded-For", "203.0.113.10")],
        )
        .await;
        assert_eq!(r.status, 303);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_park_is_an_error_never_the_whole_zone() {
    for s in servers().await {
        let mut admin = s.signed_in("admin").await;
        let mut park = s.signed_in("park-jiangbei").await;
        wait_for_rules_run(&mut admin, "year=2024").await;
        let hostile = enc("<script>x</script>");
        for bad in [
            "abc",
            hostile.as_str(),
            "jiangbei2",
            "%E4%B8%8D%E5%AD%98%E5%9C%A8",
        ] {
            for path in [
                "/ladder/export.xlsx",
                "/enterprises",
                "/enterprises/export",
                "/ladder",
                "/policies",
                "/policies/export.xlsx",
                "/evaluation",
                "/evaluation/report",
                "/evaluation/report.xlsx",
                "/targets",
            ] {
                let url = format!("{path}?year=2024&park={bad}");
                let r = admin.get(&url).await;
                assert_eq!(r.status, 400, "{url}: {}", r.text());
                let t = r.text();
                assert!(t.contains("不是本区的园区"), "{url}: {t}");
                assert!(t.contains("jiangbei"), "the message lists the parks: {t}");
                assert!(!t.contains("<script>x"), "{url}: the value is escaped");
                if !path.starts_with("/evaluation") {
                    assert_eq!(park.get(&url).await.status, 400, "park admin {url}");
                }
            }
            let url = format!("/api/v1/enterprises?park={bad}");
            let r = admin.get(&url).await;
            assert_eq!(r.status, 400, "{url}");
            assert_eq!(r.json()["code"], "bad_request");
            assert!(
                r.json()["message"]
                    .as_str()
                    .unwrap()
                    .contains("不是本区的园区")
            );
            let r = admin
                .request(
                    "GET",
                    &format!("/enterprises?park={bad}"),
                    &[("HX-Request", "true")],
                    b"",
                )
                .await;
            assert_eq!(r.status, 400, "htmx {bad}");
        }
        // A park named by id or by name (and with spaces around) is that park; empty is every
        // park in scope.
        let name = s.zone.park("jiangbei").unwrap().name.clone();
        let own = s.firms.iter().filter(|e| e.park == "jiangbei").count() as u64;
        assert!(own > 0);
        for p in ["jiangbei", name.as_str(), " jiangbei "] {
            let j = admin
                .get(&format!("/api/v1/enterprises?park={}", enc(p)))
                .await
                .json();
            assert_eq!(j["total"], own, "park={p:?}");
            for path in [
                "/ladder",
                "/ladder/export.xlsx",
                "/policies",
                "/policies/export.xlsx",
            ] {
                let url = format!("{path}?year=2024&park={}", enc(p));
                assert_eq!(admin.get(&url).await.status, 200, "{url}");
            }
        }
        // The dashboards take the park in the path; a park in the query is that park, or a 400.
        for bad in ["abc", "%3Cscript%3E"] {
            for url in [
                format!("/?park={bad}"),
                format!("/export/years?park={bad}"),
                format!("/api/v1/summary?park={bad}"),
            ] {
                let r = admin.get(&url).await;
                assert_eq!(r.status, 400, "{url}");
                assert!(r.text().contains("不是本区的园区"), "{url}");
            }
        }
        for p in ["jiangbei", name.as_str()] {
            let r = admin.get(&format!("/?park={}", enc(p))).await;
            assert_eq!(r.status, 303);
            assert_eq!(r.header("location"), Some("/parks/jiangbei"));
            let a = admin
                .get(&format!("/export/years?format=csv&park={}", enc(p)))
                .await;
            let b = admin.get("/parks/jiangbei/export/years?format=csv").await;
            assert_eq!((a.status, a.body.clone()), (200, b.body), "export park={p}");
            let a = admin
                .get(&format!("/api/v1/summary?park={}", enc(p)))
                .await
                .json();
            let b = admin.get("/api/v1/parks/jiangbei/summary").await.json();
            assert_eq!(a, b, "summary park={p}");
            assert_ne!(a, admin.get("/api/v1/summary").await.json());
        }
        let r = admin.get(&format!("/targets?park={}", enc(&name))).await;
        assert_eq!(r.status, 200);
        assert!(r.text().contains(&name), "the targets of the park");
        assert_ne!(r.body, admin.get("/targets").await.body);
        // … within the caller's scope: another park is the same 404 as on its own page.
        assert_eq!(park.get("/targets?park=xingang").await.status, 404);
        assert_eq!(park.get("/api/v1/summary?park=xingang").await.status, 404);
        assert_eq!(park.get("/export/years?park=xingang").await.status, 404);
        // Other filters of the list: an unknown listing status or a year that is no number is
        // a 400 too (they were dropped, widening the list); unknown clusters find nothing.
        // A year outside 1949–2100 is no year either (it was a filter that found nothing).
        for q in [
            "listing=bogus",
            "year=abc",
            "year=2024x",
            "year=1800",
            "year=-2024",
            "listing=%3Cb%3E",
        ] {
            for path in ["/enterprises", "/enterprises/export", "/api/v1/enterprises"] {
                let r = admin.get(&format!("{path}?{q}")).await;
                assert_eq!(r.status, 400, "{path}?{q}");
                if !path.starts_with("/api/") {
                    assert!(!r.text().contains("<b>"), "{path}?{q}: escaped");
                }
            }
        }
        let r = admin.get("/api/v1/enterprises?year=1800").await;
        assert!(
            r.text().contains("参数 year 的值「1800」超出年份范围"),
            "{}",
            r.text()
        );
        let j = admin
            .get("/api/v1/enterprises?listing=star&year=2024")
            .await
            .json();
        assert!(j["total"].as_u64().unwrap() < 300);
        let j = admin
            .get("/api/v1/enterprises?cluster=nonexistent")
            .await
            .json();
        assert_eq!(j["total"], 0);
        let j = admin.get("/api/v1/enterprises?park=").await.json();
        assert_eq!(j["total"], 300);
        let r = admin
            .get(&format!("/ladder?year=2024&park={}", enc(&name)))
            .await;
        assert!(r.text().contains(&name));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_values_that_do_not_parse_get_a_chinese_400() {
    for s in servers().await {
        let mut admin = s.signed_in("admin").await;
        let firm = s.firm_in("jiangbei");
        for url in [
            "/ladder?year=abc".to_string(),
            "/ladder/export.xlsx?year=2024x".to_string(),
            "/ladder/evaluating?year=-".to_string(),
            "/policies?year=99999999999".to_string(),
            "/policies/export.xlsx?year=%3Cb%3E".to_string(),
            format!("/enterprises/{firm}/ladder?year=abc"),
            "/evaluation?year=abc".to_string(),
            "/evaluation/report?year=abc".to_string(),
            "/evaluation/report.xlsx?year=abc".to_string(),
            "/targets?year=abc".to_string(),
            // parsed as a `Year` at the edge: out of 1949–2100 is not a year
            "/targets?year=1800".to_string(),
            "/evaluation?year=2101".to_string(),
            "/ladder?year=1800".to_string(),
        ] {
            let r = admin.get(&url).await;
            assert_eq!(r.status, 400, "{url}: {}", r.text());
            let t = r.text();
            assert!(t.contains("查询参数「year」的值无法识别"), "{url}: {t}");
            assert!(t.contains("<html"), "{url}: an error page");
        }
    }
}
