//! The 「数据截至」 time every page shows: the store's [`gaoxin_store::Store::data_as_of`], read
//! at most every ten seconds (a page view costs no query otherwise).
use gaoxin_store::{Scope, Store};
use std::sync::atomic::{AtomicI64, Ordering};

const NONE: i64 = i64::MIN;
const REFRESH_SECS: i64 = 10;

#[derive(Debug)]
pub struct AsOf {
    value: AtomicI64,
    checked: AtomicI64,
}

impl Default for AsOf {
    fn default() -> Self {
        AsOf {
            value: AtomicI64::new(NONE),
            checked: AtomicI64::new(NONE),
        }
    }
}

impl AsOf {
    /// The data's time (unix seconds), refreshed from the store when older than ten seconds;
    /// `None` when nothing was recorded (or the store could not be read: the page still shows).
    pub async fn get(&self, store: &Store) -> Option<i64> {
        let now = gaoxin_store::unix_now();
        let checked = self.checked.load(Ordering::Relaxed);
        if checked == NONE || now - checked >= REFRESH_SECS {
            self.checked.store(now, Ordering::Relaxed);
            match store.data_as_of(&Scope::Zone).await {
                Ok(v) => self.value.store(v.unwrap_or(NONE), Ordering::Relaxed),
                Err(e) => tracing::warn!("reading the data's time: {e}"),
            }
        }
        Some(self.value.load(Ordering::Relaxed)).filter(|v| *v != NONE)
    }

    /// Forget the cached time (after an import or a run), so the next page reads it again.
    pub fn invalidate(&self) {
        self.checked.store(NONE, Ordering::Relaxed);
    }
}
