//! Database URLs as they may be shown: the password replaced by `***`.
//!
//! Every place that prints or logs a database URL (the `serve` banner, `gaoxin demo`, `gaoxin
//! summary`, the store's own error for a bad URL) shows [`masked_url`] of it, never the URL itself.

/// `url` with its password masked: `postgres://u:***@host/db`. The user info ends at the last `@`
/// before the query, so a password holding an unencoded `@`, `:` or `/` is masked whole; a
/// `password=` (or `sslpassword=`…) query parameter is masked too. SQLite URLs hold no credentials
/// and are returned unchanged (a file path may contain `@` or `:`). Text that is not a URL is
/// masked like one when it has the `user:…@` shape, so an invalid URL in an error message does
/// not leak either.
pub fn masked_url(url: &str) -> String {
    if url.starts_with("sqlite:") {
        return url.to_string();
    }
    let (scheme, rest) = match url.find("://") {
        Some(i) => (&url[..i + 3], &url[i + 3..]),
        None => ("", url),
    };
    // the query: from the first `?` after the user info (a password may contain `?` only when
    // an `@` follows it, which the user-info search below sees first)
    let at = rest.rfind('@');
    let query_from = rest[at.map_or(0, |a| a + 1)..]
        .find('?')
        .map(|q| q + at.map_or(0, |a| a + 1));
    let (before_query, query) = match query_from {
        Some(q) => (&rest[..q], Some(&rest[q + 1..])),
        None => (rest, None),
    };
    let mut out = String::with_capacity(url.len());
    out.push_str(scheme);
    match before_query.rfind('@') {
        Some(a) => {
            let userinfo = &before_query[..a];
            match userinfo.split_once(':') {
                Some((user, _password)) => {
                    out.push_str(user);
                    out.push_str(":***");
                }
                None => out.push_str(userinfo),
            }
            out.push_str(&before_query[a..]);
        }
        None => out.push_str(before_query),
    }
    if let Some(q) = query {
        out.push('?');
        let params: Vec<String> = q
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if k.to_ascii_lowercase().contains("password") => format!("{k}=***"),
                _ => kv.to_string(),
            })
            .collect();
        out.push_str(&params.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::masked_url;

    #[test]
    fn the_password_is_masked_whatever_it_holds() {
        let cases = [
            ("postgres://u:secret@host/db", "postgres://u:***@host/db"),
            (
                "postgresql://gaoxin:pa@ss:w/rd@db.example:5432/gaoxin",
                "postgresql://gaoxin:***@db.example:5432/gaoxin",
            ),
            (
                "postgres://u:p%40ss%3Aw@127.0.0.1:5432/db?sslmode=require",
                "postgres://u:***@127.0.0.1:5432/db?sslmode=require",
            ),
            (
                "postgres://u:a?b@host/db?application_name=gx",
                "postgres://u:***@host/db?application_name=gx",
            ),
            (
                "postgres://host/db?user=u&password=secret&sslpassword=s2",
                "postgres://host/db?user=u&password=***&sslpassword=***",
            ),
            ("postgres://u:@host/db", "postgres://u:***@host/db"),
            ("mysql://root:toor@h/db", "mysql://root:***@h/db"),
            ("u:secret@host/db", "u:***@host/db"),
        ];
        for (url, want) in cases {
            let got = masked_url(url);
            assert_eq!(got, want, "{url}");
            for secret in ["secret", "pa@ss", "p%40ss", "a?b", "toor", "s2"] {
                assert!(!got.contains(secret), "{url} → {got}");
            }
        }
    }

    #[test]
    fn urls_without_a_password_are_unchanged() {
        for url in [
            "postgres://postgres@127.0.0.1:53261/postgres",
            "postgres://127.0.0.1/db",
            "postgres://u@host/db?sslmode=disable",
            "sqlite://gaoxin.db",
            "sqlite:///tmp/a:b@c.db",
            "sqlite://data/x.db?mode=rwc",
            "",
        ] {
            assert_eq!(masked_url(url), url);
        }
    }
}
