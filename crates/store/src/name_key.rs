//! The pinyin sort key of firms' names (`enterprises.name_key`, migration 0025): written with the
//! name by the import's upsert; [`fill_missing`] computes it for rows stored without one (before
//! the migration, or restored from an older backup) when the store opens.
use crate::db::{Backend, Error, Store};
use gaoxin_model::name_order::sort_key;
use sqlx::{AssertSqlSafe, Row};

/// Rows updated per statement.
const BATCH: usize = 500;

impl Store {
    /// Computes `name_key` for every firm that has none; returns how many were filled.
    pub(crate) async fn fill_missing_name_keys(&self) -> Result<u64, Error> {
        let rows = sqlx::query("SELECT uscc, name FROM enterprises WHERE name_key = ''")
            .fetch_all(&self.pool)
            .await?;
        let mut todo = Vec::with_capacity(rows.len());
        for r in &rows {
            let uscc: String = r.try_get(0)?;
            let name: String = r.try_get(1)?;
            let key = sort_key(&name);
            if !key.is_empty() {
                todo.push((uscc, key));
            }
        }
        let mut tx = self.pool.begin().await?;
        for chunk in todo.chunks(BATCH) {
            // UPDATE … FROM (VALUES …) differs between the backends: a CASE over the codes is the
            // same SQL for both.
            let p = |i: usize| match self.backend() {
                Backend::Sqlite => "?".to_string(),
                Backend::Postgres => format!("${i}"),
            };
            let mut n = 0;
            let mut next = || {
                n += 1;
                p(n)
            };
            let mut sql = String::from("UPDATE enterprises SET name_key = CASE uscc");
            for _ in chunk {
                let (a, b) = (next(), next());
                sql.push_str(&format!(" WHEN {a} THEN {b}"));
            }
            sql.push_str(" ELSE name_key END WHERE uscc IN (");
            let list: Vec<String> = chunk.iter().map(|_| next()).collect();
            sql.push_str(&list.join(","));
            sql.push(')');
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (uscc, key) in chunk {
                q = q.bind(uscc.clone()).bind(key.clone());
            }
            for (uscc, _) in chunk {
                q = q.bind(uscc.clone());
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(todo.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use crate::{EnterpriseFilter, PageRequest, Scope, Sort, Store, testing};
    use gaoxin_model::{Date, Enterprise, IndustryCode, Listing, ParkId, Sector, Uscc};

    fn firm(i: u32, name: &str) -> Enterprise {
        Enterprise {
            uscc: Uscc::from_body(&format!("91320100MA{i:07}")).unwrap(),
            name: name.into(),
            park: ParkId::parse("jiangbei").unwrap(),
            founded: Date::new(2015, 6, 1).unwrap(),
            industry: IndustryCode::parse("C3911").unwrap(),
            sector: Sector::Manufacturing,
            tech_field: None,
            listing: Listing::Unlisted,
            clusters: vec![],
            tracks: vec![],
            synthetic: false,
        }
    }

    async fn names_by_name(store: &Store) -> Vec<String> {
        let page = PageRequest {
            offset: 0,
            limit: None,
            sort: Sort::Name,
        };
        let (rows, _) = store
            .enterprises(&Scope::Zone, &EnterpriseFilter::default(), page)
            .await
            .unwrap();
        rows.into_iter().map(|r| r.enterprise.name).collect()
    }

    const PINYIN_ORDER: [&str; 4] = [
        "3D打印科技有限公司",
        "安徽电子有限公司",
        "北斗星通有限公司",
        "中兴科技有限公司",
    ];

    #[tokio::test]
    async fn the_list_sorts_names_by_pinyin_on_both_backends_and_fills_old_rows() {
        for store in testing::all().await.unwrap() {
            // Imported in code-point order (中 < 北 < 安), and with codes in that order too.
            let es = [
                firm(1, PINYIN_ORDER[3]),
                firm(2, PINYIN_ORDER[2]),
                firm(3, PINYIN_ORDER[1]),
                firm(4, PINYIN_ORDER[0]),
            ];
            let mut tx = store.begin_import().await.unwrap();
            tx.write_enterprises(&es).await.unwrap();
            tx.commit().await.unwrap();
            assert_eq!(
                names_by_name(&store).await,
                PINYIN_ORDER,
                "{:?}",
                store.backend()
            );

            // Rows stored before migration 0025 have no key: filled when the store opens.
            sqlx::query("UPDATE enterprises SET name_key = ''")
                .execute(&store.pool)
                .await
                .unwrap();
            assert_eq!(store.fill_missing_name_keys().await.unwrap(), 4);
            assert_eq!(store.fill_missing_name_keys().await.unwrap(), 0);
            assert_eq!(
                names_by_name(&store).await,
                PINYIN_ORDER,
                "{:?}",
                store.backend()
            );

            // A renamed firm moves.
            let mut tx = store.begin_import().await.unwrap();
            tx.write_enterprises(&[firm(1, "阿里科技有限公司")])
                .await
                .unwrap();
            tx.commit().await.unwrap();
            assert_eq!(names_by_name(&store).await[1], "阿里科技有限公司");
        }
    }

    #[tokio::test]
    async fn opening_the_store_fills_missing_keys() {
        let store = testing::sqlite().await.unwrap();
        let mut tx = store.begin_import().await.unwrap();
        tx.write_enterprises(&[firm(1, PINYIN_ORDER[3]), firm(2, PINYIN_ORDER[1])])
            .await
            .unwrap();
        tx.commit().await.unwrap();
        sqlx::query("UPDATE enterprises SET name_key = ''")
            .execute(&store.pool)
            .await
            .unwrap();
        let url = store.url().to_string();
        store.pool.close().await;
        let store = Store::open(&url).await.unwrap();
        assert_eq!(
            names_by_name(&store).await,
            [PINYIN_ORDER[1], PINYIN_ORDER[3]]
        );
    }

    #[tokio::test]
    async fn banks_and_funds_by_pinyin() {
        for store in testing::all().await.unwrap() {
            for name in ["中国银行", "北京银行", "南京银行"] {
                store.add_bank(name, 0).await.unwrap();
            }
            let banks: Vec<String> = store
                .banks()
                .await
                .unwrap()
                .into_iter()
                .map(|b| b.name)
                .collect();
            assert_eq!(banks, ["北京银行", "南京银行", "中国银行"]);
            let fund = |id: &str, name: &str, kind: &str| crate::Fund {
                id: id.into(),
                name: name.into(),
                manager: "管理人".into(),
                size_fen: 1,
                kind: kind.into(),
                track: String::new(),
                vintage: 2024,
                synthetic: true,
            };
            store
                .upsert_funds(&[
                    fund("f1", "中科基金", "other"),
                    fund("f2", "北斗基金", "other"),
                    fund("f3", "紫金母基金", "parent"),
                ])
                .await
                .unwrap();
            let funds: Vec<String> = store
                .funds()
                .await
                .unwrap()
                .into_iter()
                .map(|f| f.name)
                .collect();
            assert_eq!(funds, ["北斗基金", "中科基金", "紫金母基金"]);
        }
    }
}
