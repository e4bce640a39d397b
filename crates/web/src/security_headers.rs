//! The security headers of every response (pages, redirects, errors, the API, exports, static
//! files), set by one middleware, the outermost layer of the router:
//!
//! - `Content-Security-Policy` ([`CSP`]): scripts and styles only from our own static files —
//!   no inline script, no inline style (no `'unsafe-inline'`), no eval; no framing
//!   (`frame-ancestors 'none'`), forms only to this site. Templates keep no `style=` attribute
//!   and no inline `<script>` other than `type="application/json"` data (test
//!   `templates_have_no_inline_script_or_style`); ECharts draws its tooltips in the canvas and
//!   htmx's own indicator `<style>` is switched off (its rules are in `app.css`).
//! - `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin`, `X-Frame-Options: DENY`
//!   (for browsers without `frame-ancestors`).
//! - `Strict-Transport-Security` only when the platform is served over https, which the server
//!   knows from [`crate::Config::secure_cookies`] (`GAOXIN_SECURE_COOKIES=1`): a browser that saw it
//!   over plain http would ignore it, and one that saw it on a test host would refuse http there.
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The Content-Security-Policy of every response.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// HSTS for one year, subdomains included (OWASP ASVS 14.4.5), when served over https.
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Middleware: adds the headers above to the response.
pub async fn add(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if state.config.secure_cookies {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    r
}

#[cfg(test)]
mod tests {
    use super::CSP;

    #[test]
    fn the_policy_allows_nothing_inline() {
        assert!(!CSP.contains("unsafe-inline"), "{CSP}");
        assert!(!CSP.contains("unsafe-eval"), "{CSP}");
        assert!(CSP.contains("frame-ancestors 'none'"));
        assert!(CSP.contains("script-src 'self';"));
        assert!(CSP.contains("style-src 'self';"));
    }

    /// Every template: no `style` attribute, no `<style>` element, no inline event handler, no
    /// inline script (only `type="application/json"` data blocks, which are never executed).
    #[test]
    fn templates_have_no_inline_script_or_style() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut n = 0;
        for e in std::fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let lower = text.to_ascii_lowercase();
            n += 1;
            let name = path.display();
            assert!(!lower.contains("style="), "{name}: a style attribute");
            assert!(!lower.contains("<style"), "{name}: a <style> element");
            assert!(!lower.contains("javascript:"), "{name}: a javascript: URL");
            assert!(!lower.contains("hx-on"), "{name}: an htmx inline handler");
            for (i, _) in lower.match_indices("<script") {
                let tag = &lower[i..i + lower[i..].find('>').unwrap()];
                assert!(
                    tag.contains(" src=") || tag.contains("type=\"application/json\""),
                    "{name}: an inline script: {tag}"
                );
            }
            // inline event handlers: ` onclick=`, ` onload=`, …
            for (i, _) in lower.match_indices(" on") {
                let rest = &lower[i + 3..];
                let word: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase())
                    .collect();
                assert!(
                    word.is_empty() || !rest[word.len()..].starts_with('='),
                    "{name}: an inline handler on{word}="
                );
            }
        }
        assert!(n >= 15, "read {n} templates");
    }
}
