//! Built ecosystem pages kept ready (issue 17: the first view under 2 s). A page — the graph a
//! viewer sees under its filters, its measures, view and form — is kept per database, viewer and
//! filters with the data version it was built from (`Store::data_version`) and the bytes it
//! holds (estimated), the least recently used dropped beyond [`PAGES_BUDGET`]
//! ([`crate::byte_cache::ByteCache`], as every page cache of the server).
//!
//! * [`warm`] builds the default page (latest year, no filter) of the zone and of every park; the
//!   server runs it at start and after every import through it, so the first view is served from
//!   memory.
//! * A view whose data version matches is served as kept. One whose version moved on (a run
//!   stored, any audited change, an import by another process) is served the kept page at once
//!   while one rebuild runs in the background — for at most [`STALE_MAX`] after the page was
//!   built; older, it is rebuilt before it is served. Imports through the server drop every page
//!   ([`invalidate_cache`](super::invalidate_cache)) and warm them again.
//! * A page missing from the cache is built once: views of it meanwhile wait for that build
//!   instead of building it beside it.
use super::*;
use crate::byte_cache::ByteCache;
use gaoxin_model::Zone;
use gaoxin_store::{Scope, Store};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

/// Bytes of built pages kept at most (estimated; the 30,000-firm demo zone's page is ~15 MB).
pub const PAGES_BUDGET: usize = 160 << 20;

/// How long after its build a page may still be served while a newer one is built.
pub const STALE_MAX: Duration = Duration::from_secs(600);

/// The kept pages: [`crate::byte_cache::ByteCache`] keyed by database, viewer and filters, with
/// the data version each was built from as its generation.
static PAGES: LazyLock<ByteCache<Arc<PageData>, String>> =
    LazyLock::new(|| ByteCache::new(PAGES_BUDGET));
/// Held while a page missing from the cache is built.
static BUILD: LazyLock<tokio::sync::Mutex<()>> = LazyLock::new(Default::default);
/// Keys being rebuilt in the background.
static REFRESHING: LazyLock<Mutex<std::collections::HashSet<String>>> =
    LazyLock::new(Default::default);

/// Drops every kept page.
pub(crate) fn clear() {
    PAGES.clear();
}

/// The bytes a page holds, estimated from its graphs and measures.
fn approx_bytes(p: &PageData) -> usize {
    let graph = |g: &Graph| {
        g.nodes
            .iter()
            .map(|n| {
                std::mem::size_of::<Node>()
                    + n.id.len()
                    + n.label.len()
                    + n.href.as_ref().map_or(0, String::len)
                    + n.park.as_ref().map_or(0, String::len)
                    + 32
            })
            .sum::<usize>()
            + g.edges.len() * std::mem::size_of::<Edge>()
    };
    graph(&p.built.graph)
        + graph(&p.view.drawn)
        + p.built.measures.nodes.len() * std::mem::size_of::<NodeMeasure>()
        + p.view.drawn_of.len() * std::mem::size_of::<usize>()
        + 16 * 1024
}

enum Found {
    Fresh(Arc<PageData>),
    Stale(Arc<PageData>),
    Missing,
}

fn find(key: &str, version: &str) -> Found {
    match PAGES.get_any(key) {
        None => Found::Missing,
        Some((page, v, _)) if v == version => Found::Fresh(page),
        Some((page, _, made)) if made.elapsed() < STALE_MAX => Found::Stale(page),
        Some(_) => Found::Missing,
    }
}

fn keep(key: String, version: String, page: Arc<PageData>) {
    let bytes = approx_bytes(&page);
    PAGES.insert(key, page, bytes, version);
}

/// Whether `scope`'s default page (latest year, no filter) of `store` is kept.
pub fn warmed(store: &Store, scope: &Scope) -> bool {
    PAGES.contains(&key_of(store, scope, &FilterText::default()))
}

/// Bytes of the pages kept now (estimated) and their number.
pub fn kept() -> (usize, usize) {
    (PAGES.bytes(), PAGES.len())
}

fn key_of(store: &Store, scope: &Scope, f: &FilterText) -> String {
    format!("{}|{}|{f:?}", store.url(), scope.cache_key())
}

async fn build_page(
    store: &Store,
    zone: &Zone,
    scope: &Scope,
    f: &FilterText,
) -> Result<Option<Arc<PageData>>, EvalError> {
    let Some(built) = built(store, zone, scope, f).await? else {
        return Ok(None);
    };
    Ok(Some(Arc::new(PageData {
        view: view(&built),
        form: form(&built),
        built,
    })))
}

/// [`built`] with its view and form, through the cache (see the module docs); `Ok(None)` when
/// the scope does not see the graph or the store holds no year (never kept).
pub async fn page(
    store: &Store,
    zone: &Zone,
    scope: &Scope,
    f: &FilterText,
) -> Result<Option<Arc<PageData>>, EvalError> {
    let key = key_of(store, scope, f);
    let version = store.data_version().await?;
    match find(&key, &version) {
        Found::Fresh(p) => return Ok(Some(p)),
        Found::Stale(p) => {
            refresh(store, zone, scope, f, key);
            return Ok(Some(p));
        }
        Found::Missing => {}
    }
    let _one = BUILD.lock().await;
    let version = store.data_version().await?;
    if let Found::Fresh(p) = find(&key, &version) {
        return Ok(Some(p));
    }
    let p = build_page(store, zone, scope, f).await?;
    if let Some(p) = &p {
        keep(key, version, p.clone());
    }
    Ok(p)
}

/// Rebuilds the page under `key` in the background (once at a time per key).
fn refresh(store: &Store, zone: &Zone, scope: &Scope, f: &FilterText, key: String) {
    if !REFRESHING
        .lock()
        .expect("ecosystem refreshing")
        .insert(key.clone())
    {
        return;
    }
    let (store, zone, scope, f) = (store.clone(), zone.clone(), scope.clone(), f.clone());
    tokio::spawn(async move {
        let r = async {
            let _one = BUILD.lock().await;
            let version = store.data_version().await?;
            if let Some(p) = build_page(&store, &zone, &scope, &f).await? {
                keep(key.clone(), version, p);
            }
            Ok::<_, EvalError>(())
        }
        .await;
        REFRESHING
            .lock()
            .expect("ecosystem refreshing")
            .remove(&key);
        if let Err(e) = r {
            tracing::warn!(error = %e, "rebuilding an ecosystem page failed");
        }
    });
}

/// Builds and keeps the default page (latest year, no filter) of the zone and of every park;
/// returns how many were built.
pub async fn warm(store: &Store, zone: &Zone) -> Result<usize, EvalError> {
    let mut scopes = vec![Scope::Zone];
    scopes.extend(zone.parks.iter().map(|p| Scope::Park(p.id.clone())));
    let mut n = 0;
    for s in &scopes {
        if page(store, zone, s, &FilterText::default())
            .await?
            .is_some()
        {
            n += 1;
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default pages are built ahead; a view after a change of the data version is served the
    /// kept page at once and rebuilt behind it; an import's invalidation drops them.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn warmed_pages_are_served_and_rebuilt_behind_a_change() {
        for store in gaoxin_store::testing::all().await.unwrap() {
            let zone = crate::ecosystem::tests::demo_store(&store).await;
            let n = warm(&store, &zone).await.unwrap();
            assert_eq!(n, 1 + zone.parks.len());
            let key = key_of(&store, &Scope::Zone, &FilterText::default());
            let v0 = store.data_version().await.unwrap();
            let Found::Fresh(first) = find(&key, &v0) else {
                panic!("the zone's default page is kept");
            };
            let again = page(&store, &zone, &Scope::Zone, &FilterText::default())
                .await
                .unwrap()
                .unwrap();
            assert!(Arc::ptr_eq(&first, &again), "served from memory");
            // a recorded change: the kept page at once, a new one built behind it
            crate::audit::record(
                &store,
                &crate::audit::Who::cli(),
                "import.commit",
                None,
                "test",
                serde_json::json!({}),
            )
            .await
            .unwrap();
            let stale = page(&store, &zone, &Scope::Zone, &FilterText::default())
                .await
                .unwrap()
                .unwrap();
            assert!(Arc::ptr_eq(&first, &stale), "the kept page, at once");
            let v1 = store.data_version().await.unwrap();
            assert_ne!(v0, v1);
            let mut rebuilt = false;
            for _ in 0..600 {
                if let Found::Fresh(p) = find(&key, &v1) {
                    assert!(!Arc::ptr_eq(&first, &p));
                    rebuilt = true;
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            assert!(rebuilt, "rebuilt in the background");
            let (bytes, pages) = kept();
            assert!(
                bytes > 0 && bytes <= PAGES_BUDGET && pages >= n,
                "{bytes} {pages}"
            );
            crate::ecosystem::invalidate_cache();
            assert!(matches!(find(&key, &v1), Found::Missing));
        }
    }

    #[test]
    fn the_cache_is_bounded_by_bytes() {
        let p = Arc::new(crate::ecosystem::search_mod::tests::page(Viewer::Zone, 100));
        let b = approx_bytes(&p);
        assert!(b > 16 * 1024);
        // room for three pages and a half: the least recently used go first
        let c: ByteCache<Arc<PageData>, String> = ByteCache::new(3 * b + b / 2 + 1024);
        for i in 0..6u64 {
            c.insert(format!("k{i}"), p.clone(), b, "v".into());
            // k1 is used again after each insert
            let _ = c.get("k1", &"v".to_string());
        }
        assert!(
            c.contains("k1") && c.contains("k5"),
            "the recent and the reused kept"
        );
        assert!(
            !c.contains("k0") && !c.contains("k2"),
            "the least recently used dropped"
        );
        assert!(c.bytes() <= c.max_bytes());
    }
}
