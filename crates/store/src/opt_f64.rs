//! An optional `f64` bound through sqlx's `Any` driver so that a NULL keeps PostgreSQL's
//! `float8` type.
//!
//! sqlx 0.9 turns a NULL of type `Double` into a `float4` NULL for PostgreSQL (and a `Real` NULL
//! into `float8`: the two are swapped in sqlx-core's `any/arguments.rs`). A connection caches
//! each statement with the parameter types of its first execution, so after a NULL was bound, a
//! later non-NULL `f64` in the same statement was sent as 8 bytes for a 4-byte parameter and
//! refused ("incorrect binary data format in bind parameter"): `gaoxin demo` failed on
//! PostgreSQL at its first 创新积分贷 with points after one without. Bind [`OptF64`] instead of
//! `Option<f64>`.
use sqlx::Database;
use sqlx::any::{Any, AnyTypeInfo};
use sqlx::encode::{Encode, IsNull};
use sqlx::error::BoxDynError;
use sqlx::types::Type;

/// `Option<f64>` for a bind: a NULL is a `float8` NULL on PostgreSQL (see the module docs).
pub(crate) struct OptF64(pub Option<f64>);

impl Type<Any> for OptF64 {
    fn type_info() -> AnyTypeInfo {
        <f64 as Type<Any>>::type_info()
    }
}

impl<'q> Encode<'q, Any> for OptF64 {
    fn encode_by_ref(
        &self,
        buf: &mut <Any as Database>::ArgumentBuffer,
    ) -> Result<IsNull, BoxDynError> {
        match self.0 {
            Some(v) => <f64 as Encode<'q, Any>>::encode_by_ref(&v, buf),
            // an `f32` NULL is what sqlx sends as a float8 NULL (swapped, see above)
            None => <Option<f32> as Encode<'q, Any>>::encode_by_ref(&None, buf),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::OptF64;
    use crate::testing;
    use sqlx::Row;

    /// One connection, one statement: NULL first, then values (the statement cached with the
    /// types of its first execution). With a plain `Option<f64>` the second insert failed on
    /// PostgreSQL.
    #[tokio::test]
    async fn a_null_then_a_value_in_the_same_statement_on_either_backend() {
        for store in testing::all().await.unwrap() {
            let mut c = store.pool.acquire().await.unwrap();
            sqlx::query("CREATE TABLE opt_f64_t (k BIGINT, x DOUBLE PRECISION)")
                .execute(&mut *c)
                .await
                .unwrap();
            let values = [None, Some(1.5), None, Some(-0.1 + 0.2), Some(f64::MAX)];
            for (k, v) in values.iter().enumerate() {
                sqlx::query("INSERT INTO opt_f64_t (k, x) VALUES ($1, $2)")
                    .bind(k as i64)
                    .bind(OptF64(*v))
                    .execute(&mut *c)
                    .await
                    .unwrap();
            }
            let rows = sqlx::query("SELECT x FROM opt_f64_t ORDER BY k")
                .fetch_all(&mut *c)
                .await
                .unwrap();
            let back: Vec<Option<f64>> = rows
                .iter()
                .map(|r| r.try_get::<Option<f64>, _>(0).unwrap())
                .collect();
            assert_eq!(back, values, "exact, NULLs kept");
        }
    }
}
