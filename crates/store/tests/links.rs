//! Links (migration 0015) on both backends: scoped reads (a park sees links whose firm ends are
//! all its own), the duplicate check, and all-or-nothing writes.
use gaoxin_demo::DemoConfig;
use gaoxin_model::Zone;
use gaoxin_store::{LinkRecord, Scope, testing};

fn link(a: &str, af: bool, b: &str, bf: bool, kind: &str, year: i32) -> LinkRecord {
    LinkRecord {
        from: a.into(),
        from_firm: af,
        to: b.into(),
        to_firm: bf,
        kind: kind.into(),
        year,
        source: "测试".into(),
        evidence: "合同编号1".into(),
        synthetic: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_are_scoped_checked_for_duplicates_and_written_all_or_nothing() {
    let zone = Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap();
    let demo = gaoxin_demo::generate(
        &zone,
        &DemoConfig {
            enterprises: 200,
            first_year: 2023,
            last_year: 2024,
            seed: 3,
        },
    );
    let a = &demo.enterprises[0];
    let same = demo
        .enterprises
        .iter()
        .find(|e| e.park == a.park && e.uscc != a.uscc)
        .unwrap();
    let other = demo.enterprises.iter().find(|e| e.park != a.park).unwrap();
    let (ua, us, uo) = (a.uscc.as_str(), same.uscc.as_str(), other.uscc.as_str());
    for store in testing::all().await.unwrap() {
        let mut tx = store.begin_import().await.unwrap();
        tx.write_enterprises(&demo.enterprises).await.unwrap();
        tx.commit().await.unwrap();
        let links = vec![
            link(ua, true, us, true, "supply", 2024),
            link(ua, true, uo, true, "tech_contract", 2024),
            link(ua, true, "南京大学", false, "co_patent", 2024),
        ];
        assert_eq!(store.insert_links(&links, "admin", 1).await.unwrap(), 3);
        let zone_all = store.links(&Scope::Zone, None).await.unwrap();
        assert_eq!(zone_all.len(), 3);
        let park = store
            .links(&Scope::Park(a.park.clone()), Some(2024))
            .await
            .unwrap();
        assert_eq!(park.len(), 2, "{park:?}");
        assert!(park.iter().all(|l| l.to != uo && l.from != uo));
        let other_park = store
            .links(&Scope::Park(other.park.clone()), None)
            .await
            .unwrap();
        assert!(other_park.is_empty(), "{other_park:?}");
        assert!(
            store
                .links(&Scope::Zone, Some(2023))
                .await
                .unwrap()
                .is_empty()
        );
        // the reverse direction of a stored pair is the same link
        let key = (
            link(us, true, ua, true, "supply", 2024).pair_key(),
            "supply".to_string(),
            2024,
        );
        let fresh = (
            link(us, true, ua, true, "supply", 2023).pair_key(),
            "supply".to_string(),
            2023,
        );
        let found = store
            .existing_link_keys(&[key.clone(), fresh])
            .await
            .unwrap();
        assert_eq!(found.into_iter().collect::<Vec<_>>(), vec![key]);
        // a batch with one duplicate writes nothing
        let batch = vec![
            link(us, true, "东南大学", false, "shared_platform", 2024),
            link(us, true, ua, true, "supply", 2024),
        ];
        assert!(store.insert_links(&batch, "admin", 2).await.is_err());
        assert_eq!(store.links(&Scope::Zone, None).await.unwrap().len(), 3);
        // known firms in scope
        let codes = vec![
            ua.to_string(),
            uo.to_string(),
            "91320000000000000X".to_string(),
        ];
        let k = store
            .known_firms(&Scope::Park(a.park.clone()), &codes)
            .await
            .unwrap();
        assert_eq!(k.into_iter().collect::<Vec<_>>(), vec![ua.to_string()]);
        assert_eq!(
            store.known_firms(&Scope::Zone, &codes).await.unwrap().len(),
            2
        );
        // demo links replace only synthetic ones; clearing the panel removes every link
        let mut s = link(ua, true, us, true, "co_patent", 2023);
        s.synthetic = true;
        store.replace_synthetic_links(&[s.clone()]).await.unwrap();
        store.replace_synthetic_links(&[s]).await.unwrap();
        assert_eq!(store.links(&Scope::Zone, None).await.unwrap().len(), 4);
        store.clear_panel().await.unwrap();
        assert!(store.links(&Scope::Zone, None).await.unwrap().is_empty());
    }
}
