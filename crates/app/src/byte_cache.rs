//! A cache bounded by the bytes it holds, not by its number of entries (issue 13: memory under
//! sustained load). Each entry is kept with its size (what the caller measures: the bytes of a
//! page, of a workbook, of rows) and the generation of the data it was made from; when an insert
//! would pass the bound, the least recently used entries go first until the cache is at three
//! quarters of it. An entry larger than half the bound is not kept at all (it would empty the
//! cache for one value). Keys made from user input (filters, queries) can therefore never grow
//! the cache past its bound.
//!
//! The generation is whatever names the data an entry was made from: a counter (`u64`, the
//! default) or the store's data version (`String`, the ecosystem pages). Every page and export
//! cache of the server and of the application layer is one of these.
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

struct Entry<V, G> {
    value: V,
    bytes: usize,
    generation: G,
    made: Instant,
    used: u64,
}

struct Inner<V, G> {
    map: HashMap<String, Entry<V, G>>,
    bytes: usize,
    clock: u64,
}

/// A most-recently-used cache of at most `max_bytes` (as measured by its callers).
pub struct ByteCache<V, G = u64> {
    inner: Mutex<Inner<V, G>>,
    max_bytes: usize,
}

/// What a cached entry costs besides its value's own bytes (its key, the map's slot).
const OVERHEAD: usize = 96;

impl<V: Clone, G: Clone + PartialEq> ByteCache<V, G> {
    pub fn new(max_bytes: usize) -> ByteCache<V, G> {
        ByteCache {
            inner: Mutex::new(Inner {
                map: HashMap::new(),
                bytes: 0,
                clock: 0,
            }),
            max_bytes,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<V, G>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The value under `key` made from data of `generation`, with when it was made.
    pub fn get(&self, key: &str, generation: &G) -> Option<(V, Instant)> {
        let mut g = self.lock();
        g.clock += 1;
        let clock = g.clock;
        let e = g.map.get_mut(key)?;
        if e.generation != *generation {
            return None;
        }
        e.used = clock;
        Some((e.value.clone(), e.made))
    }

    /// The value under `key` whatever data it was made from, with that generation and when it
    /// was made (a caller that serves a stale copy while it is recomputed).
    pub fn get_any(&self, key: &str) -> Option<(V, G, Instant)> {
        let mut g = self.lock();
        g.clock += 1;
        let clock = g.clock;
        let e = g.map.get_mut(key)?;
        e.used = clock;
        Some((e.value.clone(), e.generation.clone(), e.made))
    }

    /// Whether anything is kept under `key` (without counting as a use).
    pub fn contains(&self, key: &str) -> bool {
        self.lock().map.contains_key(key)
    }

    /// Keeps `value` (of `bytes`) under `key`, made from data of `generation`; the least recently
    /// used entries make room. Returns whether it was kept.
    pub fn insert(&self, key: String, value: V, bytes: usize, generation: G) -> bool {
        let bytes = bytes + key.len() + OVERHEAD;
        if bytes > self.max_bytes / 2 {
            return false;
        }
        let mut g = self.lock();
        g.clock += 1;
        let used = g.clock;
        if let Some(old) = g.map.remove(&key) {
            g.bytes -= old.bytes;
        }
        if g.bytes + bytes > self.max_bytes {
            let target = (self.max_bytes / 4 * 3).saturating_sub(bytes);
            let mut by_use: Vec<(u64, String)> =
                g.map.iter().map(|(k, e)| (e.used, k.clone())).collect();
            by_use.sort_unstable();
            for (_, k) in by_use {
                if g.bytes <= target {
                    break;
                }
                if let Some(e) = g.map.remove(&k) {
                    g.bytes -= e.bytes;
                }
            }
        }
        g.bytes += bytes;
        g.map.insert(
            key,
            Entry {
                value,
                bytes,
                generation,
                made: Instant::now(),
                used,
            },
        );
        true
    }

    /// Drops every entry.
    pub fn clear(&self) {
        let mut g = self.lock();
        g.map.clear();
        g.bytes = 0;
    }

    /// The bytes held (as measured by the callers, with each entry's overhead).
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    /// The entries held.
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bound in bytes.
    pub fn max_bytes(&self) -> usize {
        self.max_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_under_its_byte_bound_whatever_the_keys() {
        let c: ByteCache<Vec<u8>> = ByteCache::new(100_000);
        // keys from user input: ten thousand distinct filters of 1 KB pages
        for i in 0..10_000 {
            c.insert(format!("q={i}"), vec![0; 1_000], 1_000, 0);
            assert!(c.bytes() <= 100_000, "{} bytes after {i}", c.bytes());
        }
        assert!(c.len() > 10, "still holds the recent pages");
        // the most recent entries are the ones kept
        assert!(c.get("q=9999", &0).is_some());
        assert!(c.get("q=0", &0).is_none());
    }

    #[test]
    fn least_recently_used_goes_first_and_generation_must_match() {
        let c: ByteCache<u32> = ByteCache::new(10 * (100 + OVERHEAD + 3) + 50);
        for i in 0..10 {
            c.insert(format!("k{i}"), i, 100, 7);
        }
        // k0 used again: k1 is now the least recently used
        assert_eq!(c.get("k0", &7).map(|x| x.0), Some(0));
        c.insert("k10".into(), 10, 100, 7);
        assert!(c.get("k0", &7).is_some());
        assert!(c.get("k1", &7).is_none());
        // made from other data: not served
        assert!(c.get("k0", &8).is_none());
        // too large for the cache: refused, nothing evicted
        let n = c.len();
        assert!(!c.insert("big".into(), 0, 10_000, 7));
        assert_eq!(c.len(), n);
        c.clear();
        assert_eq!((c.len(), c.bytes()), (0, 0));
    }
}
