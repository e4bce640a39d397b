//! Park inputs, runs, points and bank consent on both backends, with their scope rules.
use gaoxin_model::{Date, Enterprise, IndustryCode, Listing, Sector, Uscc};
use gaoxin_store::{ParkInput, PointsRow, RunKind, RunRecord, Scope, Store, testing};

fn firm(code: &str, park: &str) -> Enterprise {
    Enterprise {
        uscc: Uscc::parse(code).unwrap(),
        name: format!("测试企业{park}"),
        park: gaoxin_model::ParkId::parse(park).unwrap(),
        founded: Date::new(2015, 1, 1).unwrap(),
        industry: IndustryCode::parse("C3911").unwrap(),
        sector: Sector::Manufacturing,
        tech_field: None,
        listing: Listing::Unlisted,
        clusters: vec![],
        tracks: vec![],
        synthetic: true,
    }
}

async fn two_firms(store: &Store) -> (Uscc, Uscc) {
    let a = firm("91440300708461136T", "jiangbei");
    let b = Enterprise {
        uscc: Uscc::from_body("91320191MA1XXXXX0").unwrap(),
        ..firm("91440300708461136T", "xingang")
    };
    let mut tx = store.begin_import().await.unwrap();
    tx.write_enterprises(&[a.clone(), b.clone()]).await.unwrap();
    tx.commit().await.unwrap();
    (a.uscc, b.uscc)
}

fn input(park: &str, code: &str, v: f64) -> ParkInput {
    ParkInput {
        park: park.into(),
        year: gaoxin_model::Year::new(2024).unwrap(),
        indicator: code.into(),
        value: v,
        entered_by: "analyst".into(),
        entered_at: 1_700_000_000,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn park_inputs_runs_and_points_are_scoped() {
    for store in testing::all().await.unwrap() {
        let (a, b) = two_firms(&store).await;
        let zone = Scope::Zone;
        let jb = Scope::Park(gaoxin_model::ParkId::parse("jiangbei").unwrap());
        assert!(
            store
                .set_park_input(&zone, &input("xingang", "3.1", 0.4))
                .await
                .unwrap()
        );
        assert!(
            store
                .set_park_input(&jb, &input("jiangbei", "3.1", 0.2))
                .await
                .unwrap()
        );
        assert!(
            !store
                .set_park_input(&jb, &input("xingang", "3.1", 9.0))
                .await
                .unwrap(),
            "a park administrator cannot write another park's inputs"
        );
        assert!(
            !store
                .set_park_input(
                    &Scope::Enterprise(a.clone()),
                    &input("jiangbei", "1.7", 1.0)
                )
                .await
                .unwrap()
        );
        assert!(
            !store
                .set_park_input(&zone, &input("jiangbei", "1.7", f64::NAN))
                .await
                .unwrap()
        );
        // replace
        assert!(
            store
                .set_park_input(&zone, &input("xingang", "3.1", 0.5))
                .await
                .unwrap()
        );
        let all = store
            .park_inputs(&zone, gaoxin_model::Year::new(2024).unwrap())
            .await
            .unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[1].value, 0.5);
        let mine = store
            .park_inputs(&jb, gaoxin_model::Year::new(2024).unwrap())
            .await
            .unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].park, "jiangbei");
        assert!(
            store
                .park_inputs(
                    &Scope::Enterprise(a.clone()),
                    gaoxin_model::Year::new(2024).unwrap()
                )
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            store
                .park_inputs(&zone, gaoxin_model::Year::new(2023).unwrap())
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            !store
                .delete_park_input(
                    &jb,
                    "xingang",
                    gaoxin_model::Year::new(2024).unwrap(),
                    "3.1"
                )
                .await
                .unwrap()
        );
        assert!(
            store
                .delete_park_input(
                    &zone,
                    "xingang",
                    gaoxin_model::Year::new(2024).unwrap(),
                    "3.1"
                )
                .await
                .unwrap()
        );
        assert_eq!(
            store
                .park_inputs(&zone, gaoxin_model::Year::new(2024).unwrap())
                .await
                .unwrap()
                .len(),
            1
        );

        for (id, t) in [("r1", 10), ("r2", 20)] {
            store
                .insert_run(&RunRecord {
                    id: id.into(),
                    kind: RunKind::ParkEvaluation,
                    created_at: t,
                    year: gaoxin_model::Year::new(2024).ok(),
                    input_hash: format!("h{id}"),
                    versions: "park-evaluation=2021.1".into(),
                    summary: format!("{{\"run\":\"{id}\"}}"),
                })
                .await
                .unwrap();
        }
        let r = store
            .latest_run(
                &jb,
                RunKind::ParkEvaluation,
                gaoxin_model::Year::new(2024).unwrap(),
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!((r.id.as_str(), r.year.map(|y| y.get())), ("r2", Some(2024)));
        assert!(r.summary.contains("r2"));
        assert!(
            store
                .latest_run(
                    &zone,
                    RunKind::ParkEvaluation,
                    gaoxin_model::Year::new(2023).unwrap()
                )
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .latest_run(
                    &Scope::Enterprise(a.clone()),
                    RunKind::ParkEvaluation,
                    gaoxin_model::Year::new(2024).unwrap()
                )
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            store
                .run_list(&zone, RunKind::ParkEvaluation)
                .await
                .unwrap()
                .len(),
            2
        );

        let p = |u: &Uscc, y: i32, t: f64| PointsRow {
            uscc: u.as_str().into(),
            year: gaoxin_model::Year::new(y).unwrap(),
            run_id: "p1".into(),
            stage: "growth".into(),
            total: t,
            detail: "{}".into(),
        };
        store
            .replace_points(
                gaoxin_model::Year::new(2023).unwrap(),
                &[p(&a, 2023, 10.0), p(&b, 2023, 5.0)],
            )
            .await
            .unwrap();
        store
            .replace_points(
                gaoxin_model::Year::new(2024).unwrap(),
                &[p(&a, 2024, 30.0), p(&b, 2024, 7.5)],
            )
            .await
            .unwrap();
        store
            .replace_points(
                gaoxin_model::Year::new(2024).unwrap(),
                &[p(&a, 2024, 31.0), p(&b, 2024, 7.5)],
            )
            .await
            .unwrap();
        let hist = store
            .points_of(&Scope::Enterprise(a.clone()), &a)
            .await
            .unwrap();
        assert_eq!(
            hist.iter()
                .map(|r| (r.year.get(), r.total))
                .collect::<Vec<_>>(),
            [(2023, 10.0), (2024, 31.0)]
        );
        assert!(
            store
                .points_of(&Scope::Enterprise(a.clone()), &b)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            store.points_of(&jb, &b).await.unwrap().is_empty(),
            "b is in xingang"
        );
        assert_eq!(store.points_of(&zone, &b).await.unwrap().len(), 2);
    }
}

/// A rules run's summary is made of rows per park: a park scope reads only its own park's rows
/// (the store decides, no caller narrows); the zone reads all; other kinds are not narrowed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_park_reads_only_its_rows_of_a_rules_run() {
    for store in testing::all().await.unwrap() {
        let summary = r#"{"funnel_years":[2024],"funnel":[{"year":2024,"park":"jiangbei","counts":[1]},{"year":2024,"park":"xingang","counts":[2]}],"budgets":[{"rule":"a","park":"xingang","firms":1}]}"#;
        for kind in [RunKind::Rules, RunKind::ParkEvaluation] {
            store
                .insert_run(&RunRecord {
                    id: format!("{}-2024", kind.as_str()),
                    kind,
                    created_at: 1,
                    year: gaoxin_model::Year::new(2024).ok(),
                    input_hash: String::new(),
                    versions: String::new(),
                    summary: summary.into(),
                })
                .await
                .unwrap();
        }
        let read = |scope: Scope, kind: RunKind| {
            let store = store.clone();
            async move {
                let r = store
                    .latest_run(&scope, kind, gaoxin_model::Year::new(2024).unwrap())
                    .await
                    .unwrap()
                    .unwrap();
                serde_json::from_str::<serde_json::Value>(&r.summary).unwrap()
            }
        };
        let jb = read(Scope::Park("jiangbei".parse().unwrap()), RunKind::Rules).await;
        assert_eq!(jb["funnel"].as_array().unwrap().len(), 1);
        assert_eq!(jb["funnel"][0]["park"], "jiangbei");
        assert_eq!(jb["budgets"], serde_json::json!([]));
        assert_eq!(jb["funnel_years"], serde_json::json!([2024]));
        let zone = read(Scope::Zone, RunKind::Rules).await;
        assert_eq!(zone["funnel"].as_array().unwrap().len(), 2);
        assert_eq!(zone["budgets"].as_array().unwrap().len(), 1);
        let pe = read(
            Scope::Park("jiangbei".parse().unwrap()),
            RunKind::ParkEvaluation,
        )
        .await;
        assert_eq!(pe["funnel"].as_array().unwrap().len(), 2);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bank_reads_only_with_consent_and_every_read_is_logged() {
    for store in testing::all().await.unwrap() {
        let (a, b) = two_firms(&store).await;
        let now = 1_800_000_000;
        let (bank, key) = store
            .add_bank("南京银行南京分行", now)
            .await
            .unwrap()
            .unwrap();
        assert!(key.starts_with("gxb_") && key.len() > 60);
        assert!(
            store
                .add_bank("南京银行南京分行", now)
                .await
                .unwrap()
                .is_none(),
            "name taken"
        );
        let (other, other_key) = store
            .add_bank("招商银行南京分行", now)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(store.bank_by_key(&key).await.unwrap().unwrap(), bank);
        assert!(store.bank_by_key("gxb_wrong").await.unwrap().is_none());

        let sa = Scope::Enterprise(a.clone());
        // nothing before consent
        assert!(
            store
                .bank_scope(&bank, &a, "/points", now)
                .await
                .unwrap()
                .is_none()
        );
        // only the firm itself may grant
        assert!(
            store
                .grant_consent(&Scope::Zone, &a, &bank.id, now + 100, "admin", now)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .grant_consent(
                    &Scope::Enterprise(b.clone()),
                    &a,
                    &bank.id,
                    now + 100,
                    "x",
                    now
                )
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .grant_consent(&sa, &a, &bank.id, now - 1, "firm", now)
                .await
                .unwrap()
                .is_none(),
            "expiry in the past"
        );
        let c = store
            .grant_consent(&sa, &a, &bank.id, now + 100, "firm", now)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(c.bank_name, "南京银行南京分行");
        assert_eq!(
            store
                .bank_scope(&bank, &a, "/points", now + 1)
                .await
                .unwrap(),
            Some(Scope::Enterprise(a.clone()))
        );
        // another firm, another bank, after expiry: nothing
        assert!(
            store
                .bank_scope(&bank, &b, "/points", now + 1)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .bank_scope(&other, &a, "/points", now + 1)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .bank_scope(&bank, &a, "/points", now + 100)
                .await
                .unwrap()
                .is_none()
        );
        // revoke
        assert!(
            !store
                .revoke_consent(&Scope::Zone, &a, &c.id, now + 2)
                .await
                .unwrap()
        );
        assert!(store.revoke_consent(&sa, &a, &c.id, now + 2).await.unwrap());
        let c2 = store
            .grant_consent(&sa, &a, &bank.id, now + 1000, "firm", now + 2)
            .await
            .unwrap()
            .unwrap();
        assert!(
            store
                .bank_scope(&bank, &a, "/points", now + 3)
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            store
                .revoke_consent(&sa, &a, &c2.id, now + 4)
                .await
                .unwrap()
        );
        assert!(
            !store
                .revoke_consent(&sa, &a, &c2.id, now + 4)
                .await
                .unwrap(),
            "already revoked"
        );
        assert!(
            store
                .bank_scope(&bank, &a, "/points", now + 5)
                .await
                .unwrap()
                .is_none()
        );
        // disabled bank reads nothing
        let c3 = store
            .grant_consent(&sa, &a, &other.id, now + 1000, "firm", now + 6)
            .await
            .unwrap()
            .unwrap();
        assert!(c3.active(now + 7));
        assert!(
            store
                .set_bank_disabled("招商银行南京分行", true)
                .await
                .unwrap()
        );
        assert!(store.bank_by_key(&other_key).await.unwrap().is_none());

        let consents = store.consents(&sa, &a).await.unwrap();
        assert_eq!(consents.len(), 3);
        assert!(store.consents(&Scope::Zone, &a).await.unwrap().is_empty());
        let log = store.access_log(&sa, &a, 100).await.unwrap();
        assert_eq!(log.len(), 6, "every attempt on firm a is logged: {log:?}");
        assert_eq!(log.iter().filter(|e| e.allowed).count(), 2);
        assert!(
            store
                .access_log(&Scope::Enterprise(b.clone()), &a, 100)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store
                .access_log(&Scope::Enterprise(b.clone()), &b, 100)
                .await
                .unwrap()
                .len(),
            1
        );
    }
}

/// Of two runs of one kind and year stored within the same second (created_at is in whole
/// seconds), the one stored later is the latest, whatever their ids: a re-evaluation right after
/// an import is what the pages show, never the evaluation of the data before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_run_stored_last_is_the_latest_within_one_second() {
    for store in testing::all().await.unwrap() {
        let y = gaoxin_model::Year::new(2024).unwrap();
        // ids in descending order: ordering by id would pick the first
        for id in [
            "park-evaluation-2024-1700000000-ffffff",
            "park-evaluation-2024-1700000000-000000",
        ] {
            store
                .insert_run(&RunRecord {
                    id: id.into(),
                    kind: RunKind::ParkEvaluation,
                    created_at: 1_700_000_000,
                    year: Some(y),
                    input_hash: "h".into(),
                    versions: "park-evaluation=2021.1".into(),
                    summary: "{}".into(),
                })
                .await
                .unwrap();
        }
        let r = store
            .latest_run(&Scope::Zone, RunKind::ParkEvaluation, y)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            r.id,
            "park-evaluation-2024-1700000000-000000",
            "{}",
            store.url()
        );
        let list = store
            .run_list(&Scope::Zone, RunKind::ParkEvaluation)
            .await
            .unwrap();
        assert_eq!(list[0].id, r.id, "the list is newest first too");
    }
}
