//! Cluster diagnosis end to end on both backends: the demo zone with its synthetic links, the
//! overview and pages narrowed by scope, and the link import (all-or-nothing, Chinese messages).
use gaoxin_app::{cluster_links, clusters};
use gaoxin_demo::DemoConfig;
use gaoxin_model::{ParkId, Zone};
use gaoxin_store::{Scope, Store, testing};

fn zone() -> Zone {
    Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap()
}

async fn load(store: &Store) -> gaoxin_demo::DemoZone {
    let demo = gaoxin_demo::generate(
        &zone(),
        &DemoConfig {
            enterprises: 2500,
            first_year: 2023,
            last_year: 2024,
            seed: 11,
        },
    );
    let mut tx = store.begin_import().await.unwrap();
    tx.write_enterprises(&demo.enterprises).await.unwrap();
    tx.write_facts(&demo.facts).await.unwrap();
    tx.commit().await.unwrap();
    cluster_links::store_demo_links(store, &demo, 11)
        .await
        .unwrap();
    demo
}

fn park(id: &str) -> Scope {
    Scope::Park(ParkId::parse(id).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overview_and_pages_are_narrowed_to_the_park() {
    let z = zone();
    for store in testing::all().await.unwrap() {
        load(&store).await;
        let o = clusters::overview(&store, &z, &Scope::Zone, None, None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(o.year, 2024);
        assert_eq!(o.rows.len(), 15);
        assert!(o.links > 0 && o.synthetic_links);
        assert!(o.rows.iter().all(|r| r.own));
        // the demo makes some clusters dense and some 群而不集
        assert!(
            o.rows.iter().any(|r| r.m.loose),
            "{:?}",
            o.rows
                .iter()
                .map(|r| (&r.id, r.m.firms, r.m.linkage_index))
                .collect::<Vec<_>>()
        );
        assert!(
            o.rows
                .iter()
                .any(|r| r.m.in_force && r.m.firms > 0 && !r.m.loose)
        );
        assert!(o.rows.iter().any(|r| r.m.employees_growth.is_some()));
        // a park sees every cluster's aggregates, but names only in its own clusters
        let p = clusters::overview(&store, &z, &park("jiangbei"), None, None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(p.rows.len(), 15);
        for (a, b) in o.rows.iter().zip(&p.rows) {
            assert_eq!(a.m, b.m, "the same aggregates");
            let own = b.parks.iter().any(|(id, _)| id == "jiangbei");
            assert_eq!(b.own, own, "{}", b.id);
            if !own {
                assert!(b.leading_pairs.is_empty());
            }
        }
        // cluster pages: another park's cluster answers like a missing one
        assert!(
            clusters::detail(&store, &z, &park("jiangbei"), "c02", None)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            clusters::detail(&store, &z, &Scope::Zone, "c99", None)
                .await
                .unwrap()
                .is_none()
        );
        let d = clusters::detail(&store, &z, &park("jiangning-national"), "c02", None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(d.series.len(), 2);
        assert_eq!(d.members.len() as u64, d.row.m.firms);
        assert!(!d.graph.nodes.is_empty());
        let home = ParkId::parse("jiangning-national").unwrap();
        let own_firms: std::collections::HashSet<String> = store
            .panel(&Scope::Park(home), None)
            .await
            .unwrap()
            .0
            .into_iter()
            .map(|e| e.uscc.as_str().to_string())
            .collect();
        assert!(d.members.iter().all(|m| own_firms.contains(&m.uscc)));
        // a park's clusters page: its own only
        let jb = ParkId::parse("jiangbei").unwrap();
        assert!(
            clusters::park_view(&store, &z, &park("xuanwu"), &jb, None)
                .await
                .unwrap()
                .is_none()
        );
        let v = clusters::park_view(&store, &z, &park("jiangbei"), &jb, None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(v.cells.len(), 15);
        assert_eq!(
            v.hosted.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            vec!["c01", "c05"]
        );
        // enterprises see nothing
        let e = demo_firm(&store).await;
        assert!(
            clusters::overview(&store, &z, &e, None, None)
                .await
                .unwrap()
                .is_none()
        );
    }
}

async fn demo_firm(store: &Store) -> Scope {
    let (es, _) = store.panel(&Scope::Zone, None).await.unwrap();
    Scope::Enterprise(es[0].uscc.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_import_is_all_or_nothing_with_row_and_column_messages() {
    for store in testing::all().await.unwrap() {
        let demo = load(&store).await;
        let before = store.links(&Scope::Zone, None).await.unwrap().len();
        let z = zone();
        let seen = |o: Option<clusters::Overview>| o.unwrap().links;
        let links_2024 = seen(
            clusters::overview(&store, &z, &Scope::Zone, None, None)
                .await
                .unwrap(),
        );
        let jb: Vec<&str> = demo
            .enterprises
            .iter()
            .filter(|e| e.park.as_str() == "jiangbei")
            .map(|e| e.uscc.as_str())
            .take(3)
            .collect();
        let other = demo
            .enterprises
            .iter()
            .find(|e| e.park.as_str() != "jiangbei")
            .unwrap()
            .uscc
            .as_str();
        let (a, b, c) = (jb[0], jb[1], jb[2]);
        let bad = format!(
            "年度,主体一,主体二,关联类型,来源,依据\n\
             2024,{a},{b},技术合同,技术合同登记,合同1\n\
             2024,{b},{a},技术合同,技术合同登记,合同1\n\
             2024,{a},{a},本地供应/客户,企业填报,\n\
             2024,{a},南京大学,合资,企业填报,\n\
             2024,91320000MA1XXXXX0X,{c},联合申请专利,专利数据库,\n\
             2024,{a},{other},联合申请专利,专利数据库,\n"
        );
        let r = import_as(&store, &park("jiangbei"), bad.into_bytes(), "p", 1)
            .await
            .unwrap();
        assert_eq!(r.written, 0);
        let msgs: Vec<String> = r.errors.iter().map(|e| e.to_string()).collect();
        let has = |s: &str| msgs.iter().any(|m| m.contains(s));
        assert!(has("第3行「关联类型」：与第2行重复"), "{msgs:?}");
        assert!(has("第4行「主体二」：主体二与主体一相同"), "{msgs:?}");
        assert!(has("第5行「关联类型」：未知的关联类型「合资」"), "{msgs:?}");
        assert!(
            has("第6行「主体一」：统一社会信用代码「91320000MA1XXXXX0X」无效"),
            "{msgs:?}"
        );
        assert!(
            has(&format!("第7行「主体二」：企业 {other} 不是本园区的企业")),
            "{msgs:?}"
        );
        assert_eq!(store.links(&Scope::Zone, None).await.unwrap().len(), before);
        // the good rows alone are written; the same file again is a duplicate of stored links
        let good = format!(
            "year,from,to,kind,source,evidence\n2024,{a},{b},tech_contract,技术合同登记,合同1\n2023,{c},东南大学,共建研发平台,联合实验室名录,\n"
        );
        let r = import_as(&store, &park("jiangbei"), good.clone().into_bytes(), "p", 1)
            .await
            .unwrap();
        assert_eq!((r.written, r.errors.len()), (2, 0), "{:?}", r.errors);
        // the computed year kept for the pages is dropped by the import
        let after = seen(
            clusters::overview(&store, &z, &Scope::Zone, None, None)
                .await
                .unwrap(),
        );
        assert_eq!(after, links_2024 + 1);
        let r = import_as(&store, &Scope::Zone, good.into_bytes(), "z", 2)
            .await
            .unwrap();
        assert_eq!(r.written, 0);
        assert!(
            r.errors.iter().all(|e| e.message.contains("已存在")),
            "{:?}",
            r.errors
        );
        // export in the import's columns, scoped
        let csv = String::from_utf8(
            cluster_links::export_csv(&store, &park("jiangbei"), Some(2023))
                .await
                .unwrap(),
        )
        .unwrap();
        assert!(
            csv.contains("东南大学") && csv.contains("共建研发平台"),
            "{csv}"
        );
        let x = cluster_links::export_xlsx(&store, &Scope::Zone, None)
            .await
            .unwrap();
        assert!(x.starts_with(b"PK"));
        // export → import into an empty table is the identity (xlsx)
        let copy = testing::sqlite().await.unwrap();
        let mut tx = copy.begin_import().await.unwrap();
        tx.write_enterprises(&demo.enterprises).await.unwrap();
        tx.commit().await.unwrap();
        let r = import_as(&copy, &Scope::Zone, x, "z", 3).await.unwrap();
        assert!(
            r.errors.is_empty(),
            "{:?}",
            r.errors.iter().take(3).collect::<Vec<_>>()
        );
        let strip = |v: Vec<gaoxin_store::LinkRecord>| -> Vec<gaoxin_store::LinkRecord> {
            v.into_iter()
                .map(|l| gaoxin_store::LinkRecord {
                    synthetic: false,
                    ..l
                })
                .collect()
        };
        assert_eq!(
            strip(copy.links(&Scope::Zone, None).await.unwrap()),
            strip(store.links(&Scope::Zone, None).await.unwrap())
        );
        // a file without the needed columns
        let r = import_as(&store, &Scope::Zone, b"a,b\n1,2\n".to_vec(), "z", 3)
            .await
            .unwrap();
        assert!(r.errors[0].message.contains("表头缺少列"), "{:?}", r.errors);
    }
}

/// The import as `by` (a zone or park user) with its audit entry.
async fn import_as(
    store: &gaoxin_store::Store,
    scope: &Scope,
    bytes: Vec<u8>,
    by: &str,
    now: i64,
) -> Result<cluster_links::LinkImport, gaoxin_app::EvalError> {
    let who = gaoxin_app::audit::Who::system();
    let source = cluster_links::LinkSource {
        bytes: &bytes,
        file: None,
        by,
    };
    cluster_links::import(store, scope, &who, &source, now).await
}
