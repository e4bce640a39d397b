use super::*;
use gaoxin_demo::{DemoConfig, generate};
use gaoxin_model::{ParkId, Uscc};
use gaoxin_store::{PayoutStep, testing};

/// Two awards of demo firms in two different parks: ((uscc, park, id) × 2).
async fn two_parks(store: &Store) -> [(String, String, i64); 2] {
    let zone = Zone::parse(include_str!("../../../../data/reference/zone.toml")).unwrap();
    let demo = generate(
        &zone,
        &DemoConfig {
            enterprises: 30,
            first_year: 2023,
            last_year: 2024,
            seed: 3,
        },
    );
    let mut tx = store.begin_import().await.unwrap();
    tx.write_enterprises(&demo.enterprises).await.unwrap();
    tx.write_facts(&demo.facts).await.unwrap();
    tx.commit().await.unwrap();
    let a = &demo.enterprises[0];
    let b = demo
        .enterprises
        .iter()
        .find(|e| e.park != a.park)
        .expect("demo firms in two parks");
    let award = |e: &gaoxin_model::Enterprise| {
        let p = PayoutRow {
            id: 0,
            uscc: e.uscc.as_str().to_string(),
            firm_name: e.name.clone(),
            park: e.park.to_string(),
            year: 2024,
            rule: "nanjing_first_unicorn_award_2025".into(),
            rule_version: "2025.2".into(),
            run_id: "rules-2024-x".into(),
            computed_fen: 1_000_000,
            channel: "申报".into(),
            state: "测算".into(),
            approved_fen: None,
            paid_fen: None,
            approved_on: None,
            paid_on: None,
            published_on: None,
            flagged: false,
            supply: String::new(),
            version: 1,
        };
        let s = PayoutStep {
            payout_id: 0,
            seq: 0,
            at: 1_700_000_000,
            on_date: 20250303,
            actor: "system".into(),
            role: "system".into(),
            step: "测算".into(),
            from_state: None,
            to_state: "测算".into(),
            amount_fen: Some(1_000_000),
            reason: String::new(),
            fund_source: String::new(),
            paid_on: None,
            note: String::new(),
        };
        (p, vec![s], vec![])
    };
    let ids = store.create_payouts(&[award(a), award(b)]).await.unwrap();
    [
        (a.uscc.as_str().to_string(), a.park.to_string(), ids[0]),
        (b.uscc.as_str().to_string(), b.park.to_string(), ids[1]),
    ]
}

fn apply() -> StepInput {
    StepInput {
        action: "申报".into(),
        ..Default::default()
    }
}

/// Hostile reads and steps per role: what a role may not reach answers exactly as a missing award.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_reaches_only_its_awards_and_the_rest_answers_as_missing() {
    let cfg = PayoutConfig::load().unwrap();
    for store in testing::all().await.unwrap() {
        let [(a_firm, a_park, a_id), (b_firm, _b_park, b_id)] = two_parks(&store).await;
        let park_a = Role::ParkAdmin(ParkId::parse(&a_park).unwrap());
        let firm_a = Role::Enterprise(Uscc::parse(&a_firm).unwrap());
        let firm_b = Role::Enterprise(Uscc::parse(&b_firm).unwrap());
        let dept = Role::Department(gaoxin_model::DeptId::parse("keji").unwrap());
        let missing = 9_999_999;
        // (role, awards it reads)
        let cases: Vec<(Role, Vec<i64>)> = vec![
            (Role::ZoneAdmin, vec![a_id, b_id]),
            (Role::ZoneAnalyst, vec![a_id, b_id]),
            (park_a.clone(), vec![a_id]),
            (firm_a.clone(), vec![a_id]),
            (firm_b.clone(), vec![b_id]),
            (dept.clone(), vec![]),
        ];
        for (role, sees) in &cases {
            let a = Access::of(role);
            let who = Who::user("u", role);
            let listed: Vec<i64> = list(&store, &a, &PayoutFilter::default())
                .await
                .unwrap()
                .iter()
                .map(|p| p.id)
                .collect();
            assert_eq!(&listed, sees, "{role:?}");
            let none = detail(&store, &cfg, &a, missing)
                .await
                .unwrap_err()
                .to_string();
            for id in [a_id, b_id] {
                let d = detail(&store, &cfg, &a, id).await;
                if sees.contains(&id) {
                    assert!(d.is_ok(), "{role:?} reads {id}");
                } else {
                    // the same answer as a missing award
                    assert!(matches!(d, Err(PayoutError::NotFound)), "{role:?} {id}");
                    let e = act(&store, &cfg, &who, &a, id, &apply()).await.unwrap_err();
                    assert!(
                        matches!(e, PayoutError::NotFound),
                        "{role:?} acts on {id}: {e}"
                    );
                    assert_eq!(e.to_string(), none);
                }
            }
            // managing the ledger: a zone administrator only; the others as missing
            if *role != Role::ZoneAdmin {
                let e = sync(&store, &who, &a, Year::new(2024).unwrap())
                    .await
                    .unwrap_err();
                assert!(matches!(e, PayoutError::NotFound), "{role:?} syncs");
                let e = import(&store, &cfg, &who, &a, b"x".to_vec())
                    .await
                    .unwrap_err();
                assert!(matches!(e, PayoutError::NotFound), "{role:?} imports");
            }
            let m = measures(&store, &cfg, &a, None, 20250601, &|p| p.to_string()).await;
            assert_eq!(m.is_ok(), a.staff(), "{role:?} measures");
            assert_eq!(
                a.zone_exports(),
                matches!(role, Role::ZoneAdmin | Role::ZoneAnalyst)
            );
        }
        // a zone analyst reads both but takes no step (as if the award were missing)
        let analyst = Access::of(&Role::ZoneAnalyst);
        let e = act(
            &store,
            &cfg,
            &Who::user("an", &Role::ZoneAnalyst),
            &analyst,
            a_id,
            &apply(),
        )
        .await
        .unwrap_err();
        assert!(matches!(e, PayoutError::NotFound));
        // the park administrator files its firm's application; the firm its own
        let done = act(
            &store,
            &cfg,
            &Who::user("pa", &park_a),
            &Access::of(&park_a),
            a_id,
            &apply(),
        )
        .await
        .unwrap();
        assert_eq!(done.state, "申报");
        // the park filter offers only the park's own
        let zone = Zone::parse(include_str!("../../../../data/reference/zone.toml")).unwrap();
        let parks = Access::of(&park_a).parks(&zone);
        assert_eq!(parks.len(), 1);
        assert_eq!(parks[0].id.to_string(), a_park);
        assert!(Access::of(&firm_a).parks(&zone).is_empty());
        assert_eq!(
            Access::of(&Role::ZoneAnalyst).parks(&zone).len(),
            zone.parks.len()
        );
    }
}
