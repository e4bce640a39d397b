//! A stopped server must not leave a large SQLite write-ahead log: `Store::checkpoint` folds it
//! into the database and truncates it; `Store::close` does the same and removes it. PostgreSQL:
//! both are harmless no-ops.
use gaoxin_store::{Backend, Store, testing};
use std::path::PathBuf;

fn wal_of(store: &Store) -> PathBuf {
    let path = store.url().trim_start_matches("sqlite://");
    PathBuf::from(format!("{path}-wal"))
}

fn wal_len(store: &Store) -> u64 {
    std::fs::metadata(wal_of(store))
        .map(|m| m.len())
        .unwrap_or(0)
}

async fn write_a_lot(store: &Store, fill: &str) {
    for i in 0..300 {
        store
            .set_meta(&format!("k{i}"), &fill.repeat(4000))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn checkpoint_truncates_the_wal_and_close_removes_it() {
    for store in testing::all().await.unwrap() {
        write_a_lot(&store, "x").await;
        if store.backend() == Backend::Postgres {
            store.checkpoint().await.unwrap();
            store.close().await;
            continue;
        }
        let before = wal_len(&store);
        assert!(before > 1_000_000, "the writes are in the WAL: {before}");
        store.checkpoint().await.unwrap();
        assert_eq!(wal_len(&store), 0, "truncated while open");
        // the data are in the database file
        assert_eq!(store.meta("k299").await.unwrap().unwrap().len(), 4000);

        write_a_lot(&store, "y").await;
        assert!(wal_len(&store) > 0);
        let reopened_url = store.url().to_string();
        store.close().await;
        assert_eq!(wal_len(&store), 0, "close leaves no log behind");
        let again = Store::open(&reopened_url).await.unwrap();
        assert_eq!(again.meta("k0").await.unwrap().unwrap().len(), 4000);
        again.close().await;
    }
}
