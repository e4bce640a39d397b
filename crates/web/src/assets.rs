//! Static files, embedded in the binary (so `gaoxin serve` runs from any directory): the style
//! sheet, the page script and the vendored ECharts and htmx builds (from npm; see
//! `static/vendor/README.md`). Pages link them as `/static/<file>?v=<content hash>`, so they are
//! served with a one-year immutable cache; the compression layer gzips them.
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::LazyLock;

const FILES: &[(&str, &str, &[u8])] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../static/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/app.js"),
    ),
    (
        "finance.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/finance.js"),
    ),
    (
        "eval.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/eval.js"),
    ),
    (
        "eval.css",
        "text/css; charset=utf-8",
        include_bytes!("../static/eval.css"),
    ),
    (
        "rules.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/rules.js"),
    ),
    (
        "rules.css",
        "text/css; charset=utf-8",
        include_bytes!("../static/rules.css"),
    ),
    (
        "reform.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/reform.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../static/favicon.svg"),
    ),
    (
        "reform.css",
        "text/css; charset=utf-8",
        include_bytes!("../static/reform.css"),
    ),
    (
        "rdi.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/rdi.js"),
    ),
    (
        "talents.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/talents.js"),
    ),
    (
        "clusters.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/clusters.js"),
    ),
    (
        "tracks.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/tracks.js"),
    ),
    (
        "ecosystem.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/ecosystem.js"),
    ),
    (
        "vendor/echarts.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/vendor/echarts.min.js"),
    ),
    (
        "vendor/htmx.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/vendor/htmx.min.js"),
    ),
];

static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut h = 0xcbf29ce484222325u64;
    for (name, _, bytes) in FILES {
        for b in name.as_bytes().iter().chain(bytes.iter()) {
            h ^= *b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    format!("{:012x}", h & 0xffff_ffff_ffff)
});

/// A short hash of all static files, appended to their URLs.
pub fn version() -> &'static str {
    &VERSION
}

/// GET /static/{*path}
pub async fn serve(Path(path): Path<String>) -> Response {
    match FILES.iter().find(|(n, _, _)| *n == path) {
        Some((_, ctype, bytes)) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(ctype)),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=31536000, immutable"),
                ),
                (
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ),
            ],
            *bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}
