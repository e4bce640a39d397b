//! The store's clock for ordering records written within the same second.

use std::sync::atomic::{AtomicI64, Ordering};

/// Microseconds since the Unix epoch, strictly increasing within this process: of two records
/// stamped one after the other, the later has the larger value even within one microsecond or
/// when the system clock steps back.
pub(crate) fn now_us() -> i64 {
    static LAST: AtomicI64 = AtomicI64::new(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    let prev = LAST
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |last| {
            Some(now.max(last + 1))
        })
        .expect("the update always succeeds");
    now.max(prev + 1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn strictly_increasing() {
        let mut last = 0;
        for _ in 0..10_000 {
            let t = super::now_us();
            assert!(t > last);
            last = t;
        }
    }
}
