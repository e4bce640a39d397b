//! The store's contract, run against SQLite and PostgreSQL alike.
use gaoxin_model::{
    Date, Enterprise, F, Facts, IndustryCode, Listing, Provenance, Sector, Uscc, Year,
};
use gaoxin_store::{EnterpriseFilter, PageRequest, Scope, Sort, Store, testing};

fn code(i: u32) -> Uscc {
    Uscc::from_body(&format!("91320100MA{:07}", i)).unwrap()
}

fn firm(i: u32, name: &str, park: &str) -> Enterprise {
    Enterprise {
        uscc: code(i),
        name: name.into(),
        park: gaoxin_model::ParkId::parse(park).unwrap(),
        founded: Date::new(2015, 6, 1).unwrap(),
        industry: IndustryCode::parse("C3911").unwrap(),
        sector: Sector::Manufacturing,
        tech_field: Some("电子信息".into()),
        listing: if i.is_multiple_of(2) {
            Listing::Neeq
        } else {
            Listing::Unlisted
        },
        clusters: vec!["c05".into()],
        tracks: if i.is_multiple_of(3) {
            vec!["t01".into(), "t04".into()]
        } else {
            vec![]
        },
        synthetic: false,
    }
}

fn facts(i: u32, year: i32, revenue_wan: i64) -> Facts {
    let mut f = Facts::new(code(i), Year::new(year).unwrap());
    f.set(
        F::Revenue,
        Some(revenue_wan * 1_000_000),
        Provenance::Verified("税务".into()),
    );
    f.set(
        F::RdExpense,
        Some(revenue_wan * 50_000),
        Provenance::Declared,
    );
    f.set(F::Employees, Some(100 + i as i64), Provenance::Declared);
    f.set(F::NetProfit, Some(-123_456), Provenance::Imputed);
    f
}

async fn load(store: &Store) {
    let es = vec![
        firm(1, "南京甲科技有限公司", "jiangbei"),
        firm(2, "南京乙100%_智能有限公司", "jiangbei"),
        firm(3, "南京丙's \"引号\" 公司", "xuanwu"),
        firm(4, "<script>alert(1)</script>科技", "xuanwu"),
    ];
    let fs: Vec<Facts> = (1..=4)
        .flat_map(|i| (2022..=2024).map(move |y| facts(i, y, 1000 * i as i64 + y as i64 - 2022)))
        .collect();
    let mut tx = store.begin_import().await.unwrap();
    tx.write_enterprises(&es).await.unwrap();
    tx.write_facts(&fs).await.unwrap();
    let c = tx.commit().await.unwrap();
    assert_eq!(
        (
            c.enterprises_inserted,
            c.facts_inserted,
            c.facts_updated,
            c.facts_unchanged
        ),
        (4, 12, 0, 0)
    );
}

#[tokio::test]
async fn round_trip_is_exact_on_both_backends() {
    for store in testing::all().await.unwrap() {
        load(&store).await;
        let got = store.facts_of(&Scope::Zone, &code(2)).await.unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0], facts(2, 2022, 2000));
        assert_eq!(
            got[0].prov(F::Revenue),
            &Provenance::Verified("税务".into())
        );
        assert_eq!(got[0].prov(F::TaxPaid), &Provenance::Missing);
        assert_eq!(got[0].get(F::TaxPaid), None, "missing is not zero");
        let e = store
            .enterprise(&Scope::Zone, &code(3))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(e, firm(3, "南京丙's \"引号\" 公司", "xuanwu"));
    }
}

#[tokio::test]
async fn reimport_is_idempotent_and_updates_are_counted() {
    for store in testing::all().await.unwrap() {
        load(&store).await;
        let mut tx = store.begin_import().await.unwrap();
        tx.write_enterprises(&[
            firm(1, "南京甲科技有限公司", "jiangbei"),
            firm(2, "改名后", "jiangbei"),
        ])
        .await
        .unwrap();
        tx.write_facts(&[
            facts(1, 2022, 1000),
            facts(1, 2023, 7777),
            facts(9, 2024, 1),
        ])
        .await
        .unwrap_err();
        // A failed statement aborts the PostgreSQL transaction: start again.
        tx.rollback().await.unwrap();
        let mut tx = store.begin_import().await.unwrap();
        tx.write_enterprises(&[
            firm(1, "南京甲科技有限公司", "jiangbei"),
            firm(2, "改名后", "jiangbei"),
        ])
        .await
        .unwrap();
        tx.write_facts(&[facts(1, 2022, 1000), facts(1, 2023, 7777)])
            .await
            .unwrap();
        let c = tx.commit().await.unwrap();
        assert_eq!((c.enterprises_unchanged, c.enterprises_updated), (1, 1));
        assert_eq!(
            (c.facts_unchanged, c.facts_updated, c.facts_inserted),
            (1, 1, 0)
        );
        let got = store.facts_of(&Scope::Zone, &code(1)).await.unwrap();
        assert_eq!(got[1].get(F::Revenue), Some(7777 * 1_000_000));
    }
}

#[tokio::test]
async fn rollback_writes_nothing() {
    for store in testing::all().await.unwrap() {
        let mut tx = store.begin_import().await.unwrap();
        tx.write_enterprises(&[firm(1, "甲", "jiangbei")])
            .await
            .unwrap();
        tx.write_facts(&[facts(1, 2022, 5)]).await.unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(store.summary(&Scope::Zone).await.unwrap().firms, 0);
        assert!(
            store
                .facts_of(&Scope::Zone, &code(1))
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn reads_are_scoped() {
    for store in testing::all().await.unwrap() {
        load(&store).await;
        let park = Scope::Park(gaoxin_model::ParkId::parse("jiangbei").unwrap());
        let (rows, total) = store
            .enterprises(&park, &EnterpriseFilter::default(), PageRequest::default())
            .await
            .unwrap();
        assert_eq!(total, 2);
        assert!(rows.iter().all(|r| r.enterprise.park == "jiangbei"));
        // Another park's firm is invisible, by identity and by facts.
        assert_eq!(store.enterprise(&park, &code(3)).await.unwrap(), None);
        assert!(store.facts_of(&park, &code(3)).await.unwrap().is_empty());
        // A park filter cannot widen a park scope.
        let f = EnterpriseFilter {
            park: Some(gaoxin_model::ParkId::parse("xuanwu").unwrap()),
            ..Default::default()
        };
        assert_eq!(
            store
                .enterprises(&park, &f, PageRequest::default())
                .await
                .unwrap()
                .1,
            0
        );
        let me = Scope::Enterprise(code(4));
        assert_eq!(
            store
                .enterprises(&me, &EnterpriseFilter::default(), PageRequest::default())
                .await
                .unwrap()
                .1,
            1
        );
        assert_eq!(store.summary(&me).await.unwrap().firms, 1);
        assert_eq!(
            store
                .summary(&park)
                .await
                .unwrap()
                .years
                .iter()
                .map(|y| y.firms)
                .sum::<i64>(),
            6
        );
        let mut n = 0;
        store
            .for_each_row(
                &park,
                None,
                Some(gaoxin_model::Year::new(2023).unwrap()),
                |e, f| {
                    assert_eq!(e.park, "jiangbei");
                    assert_eq!(f.year.get(), 2023);
                    n += 1;
                    Ok(())
                },
            )
            .await
            .unwrap();
        assert_eq!(n, 2);
        assert_eq!(
            store.years(&me).await.unwrap(),
            vec![
                gaoxin_model::Year::new(2022).unwrap(),
                gaoxin_model::Year::new(2023).unwrap(),
                gaoxin_model::Year::new(2024).unwrap()
            ]
        );
    }
}

#[tokio::test]
async fn search_treats_special_characters_literally() {
    for store in testing::all().await.unwrap() {
        load(&store).await;
        let count = |q: &str| {
            let store = store.clone();
            let q = q.to_string();
            async move {
                store
                    .enterprises(
                        &Scope::Zone,
                        &EnterpriseFilter {
                            q,
                            ..Default::default()
                        },
                        PageRequest::default(),
                    )
                    .await
                    .unwrap()
                    .1
            }
        };
        assert_eq!(count("100%_").await, 1);
        assert_eq!(count("%").await, 1);
        assert_eq!(count("_").await, 1);
        assert_eq!(count("'s \"引号\"").await, 1);
        assert_eq!(count("' OR 1=1 --").await, 0);
        assert_eq!(count("<script>").await, 1);
        assert_eq!(count("南京").await, 3);
        assert_eq!(
            count(&code(2).as_str()[10..].to_lowercase()).await,
            1,
            "code search is case-insensitive"
        );
    }
}

#[tokio::test]
async fn filters_sorting_and_pages() {
    for store in testing::all().await.unwrap() {
        load(&store).await;
        let all = |f: EnterpriseFilter, sort: Sort| {
            let store = store.clone();
            async move {
                store
                    .enterprises(
                        &Scope::Zone,
                        &f,
                        PageRequest {
                            offset: 0,
                            limit: None,
                            sort,
                        },
                    )
                    .await
                    .unwrap()
                    .0
            }
        };
        let by_rev = all(EnterpriseFilter::default(), Sort::RevenueDesc).await;
        assert_eq!(
            by_rev
                .iter()
                .map(|r| r.enterprise.uscc.clone())
                .collect::<Vec<_>>(),
            vec![code(4), code(3), code(2), code(1)]
        );
        assert_eq!(by_rev[0].year, Some(gaoxin_model::Year::new(2024).unwrap()));
        let y = all(
            EnterpriseFilter {
                year: Some(gaoxin_model::Year::new(2022).unwrap()),
                ..Default::default()
            },
            Sort::Name,
        )
        .await;
        assert!(
            y.iter()
                .all(|r| r.year == Some(gaoxin_model::Year::new(2022).unwrap()))
        );
        assert_eq!(
            all(
                EnterpriseFilter {
                    track: Some("t04".into()),
                    ..Default::default()
                },
                Sort::Name
            )
            .await
            .len(),
            1
        );
        assert_eq!(
            all(
                EnterpriseFilter {
                    cluster: Some("c0".into()),
                    ..Default::default()
                },
                Sort::Name
            )
            .await
            .len(),
            0,
            "tags match whole ids"
        );
        assert_eq!(
            all(
                EnterpriseFilter {
                    listing: Some(Listing::Neeq),
                    ..Default::default()
                },
                Sort::Name
            )
            .await
            .len(),
            2
        );
        assert_eq!(
            all(
                EnterpriseFilter {
                    industry: Some("c39".into()),
                    ..Default::default()
                },
                Sort::Name
            )
            .await
            .len(),
            4
        );
        let (page, total) = store
            .enterprises(
                &Scope::Zone,
                &EnterpriseFilter::default(),
                PageRequest {
                    offset: 2,
                    limit: Some(1),
                    sort: Sort::Name,
                },
            )
            .await
            .unwrap();
        assert_eq!((page.len(), total), (1, 4));
        let s = store.summary(&Scope::Zone).await.unwrap();
        assert_eq!(s.parks.len(), 2);
        assert_eq!(s.tracks.iter().find(|t| t.id == "t01").unwrap().firms, 1);
        let y24 = s
            .years
            .iter()
            .find(|y| y.year == gaoxin_model::Year::new(2024).unwrap())
            .unwrap();
        assert_eq!(y24.revenue, (1002 + 2002 + 3002 + 4002) * 1_000_000);
    }
}

#[tokio::test]
async fn meta_and_bad_urls() {
    let s = testing::sqlite().await.unwrap();
    s.set_meta("demo", "seed=1").await.unwrap();
    s.set_meta("demo", "seed=2").await.unwrap();
    assert_eq!(s.meta("demo").await.unwrap().as_deref(), Some("seed=2"));
    let e = Store::open("mysql://x").await.err().unwrap();
    assert!(e.to_string().contains("数据库地址无效"));
}

#[tokio::test]
async fn concurrent_imports_wait_for_each_other() {
    for store in testing::all().await.unwrap() {
        let a = {
            let s = store.clone();
            tokio::spawn(async move {
                let mut tx = s.begin_import().await.unwrap();
                tx.write_enterprises(&[firm(1, "甲", "jiangbei")])
                    .await
                    .unwrap();
                tx.write_facts(&[facts(1, 2022, 5)]).await.unwrap();
                tx.commit().await.unwrap()
            })
        };
        let b = {
            let s = store.clone();
            tokio::spawn(async move {
                let mut tx = s.begin_import().await.unwrap();
                tx.write_enterprises(&[firm(2, "乙", "xuanwu")])
                    .await
                    .unwrap();
                tx.write_facts(&[facts(2, 2022, 6)]).await.unwrap();
                tx.commit().await.unwrap()
            })
        };
        a.await.unwrap();
        b.await.unwrap();
        assert_eq!(store.summary(&Scope::Zone).await.unwrap().firms, 2);
    }
}

#[tokio::test]
async fn the_list_follows_each_firms_latest_year_after_imports() {
    for store in testing::all().await.unwrap() {
        load(&store).await;
        let mut tx = store.begin_import().await.unwrap();
        tx.write_facts(&[facts(1, 2025, 99_999)]).await.unwrap();
        tx.commit().await.unwrap();
        let page = PageRequest {
            offset: 0,
            limit: Some(2),
            sort: Sort::RevenueDesc,
        };
        let (rows, total) = store
            .enterprises(&Scope::Zone, &EnterpriseFilter::default(), page)
            .await
            .unwrap();
        assert_eq!(total, 4);
        assert_eq!(rows[0].enterprise.uscc, code(1));
        assert_eq!(
            (rows[0].year, rows[0].revenue),
            (
                Some(gaoxin_model::Year::new(2025).unwrap()),
                Some(99_999 * 1_000_000)
            )
        );
        assert_eq!(rows[1].year, Some(gaoxin_model::Year::new(2024).unwrap()));
    }
}
