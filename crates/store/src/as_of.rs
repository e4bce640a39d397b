//! 「数据截至」: when the data a page shows last changed — the latest of a finished import, a
//! stored run (rules, evaluation, points) and a loaded demo zone (`meta` key `data_updated_at`).
use crate::db::{Error, Store};
use crate::scope::Scope;
use sqlx::Row;
use sqlx::any::AnyRow;

/// The `meta` key a bulk load (the demo zone) sets to its unix time.
pub const DATA_UPDATED_AT: &str = "data_updated_at";

fn opt_i64(r: &AnyRow) -> Option<i64> {
    r.try_get::<Option<i64>, _>(0)
        .ok()
        .flatten()
        .or_else(|| r.try_get::<Option<i32>, _>(0).ok().flatten().map(i64::from))
}

impl Store {
    /// Unix seconds of the latest change to the data: a finished import, a stored run or a
    /// loaded demo zone; `None` when nothing was recorded. The time is the zone's (one import
    /// or run serves every scope), so every scope sees the same date.
    pub async fn data_as_of(&self, _scope: &Scope) -> Result<Option<i64>, Error> {
        let runs = sqlx::query("SELECT MAX(created_at) FROM runs")
            .fetch_one(&self.pool)
            .await?;
        let imports =
            sqlx::query("SELECT MAX(finished) FROM jobs WHERE kind = 'import' AND state = 'done'")
                .fetch_one(&self.pool)
                .await?;
        let loaded = self
            .meta(DATA_UPDATED_AT)
            .await?
            .and_then(|v| v.trim().parse::<i64>().ok());
        Ok([opt_i64(&runs), opt_i64(&imports), loaded]
            .into_iter()
            .flatten()
            .max())
    }
}

#[cfg(test)]
mod tests {
    use crate::Scope;

    #[tokio::test]
    async fn data_as_of_is_the_latest_recorded_change() {
        for store in crate::testing::all().await.unwrap() {
            assert_eq!(store.data_as_of(&Scope::Zone).await.unwrap(), None);
            store
                .set_meta(super::DATA_UPDATED_AT, "1700000000")
                .await
                .unwrap();
            assert_eq!(
                store.data_as_of(&Scope::Zone).await.unwrap(),
                Some(1_700_000_000)
            );
        }
    }
}
