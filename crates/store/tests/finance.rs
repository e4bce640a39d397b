//! 科技金融 in the store, on both backends: a bank sees on a published loan-demand list only the
//! firms that consented to it (every firm shown logged), cannot respond for a firm that did not
//! consent, amounts stay exact to the fen, and staff reads are scoped (a park its own firms).
use gaoxin_demo::DemoConfig;
use gaoxin_model::{Enterprise, Zone};
use gaoxin_store::{NewDemand, NewResponse, ResponseStatus, Scope, Store, testing};

fn zone() -> Zone {
    Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap()
}

async fn firms(store: &Store) -> Vec<Enterprise> {
    let demo = gaoxin_demo::generate(
        &zone(),
        &DemoConfig {
            enterprises: 120,
            first_year: 2023,
            last_year: 2024,
            seed: 11,
        },
    );
    let mut tx = store.begin_import().await.unwrap();
    tx.write_enterprises(&demo.enterprises).await.unwrap();
    tx.write_facts(&demo.facts).await.unwrap();
    tx.commit().await.unwrap();
    demo.enterprises
}

fn need(fen: i64) -> NewDemand {
    NewDemand {
        amount_fen: fen,
        term_months: 24,
        purpose: "研发投入".into(),
        collateral: "知识产权质押".into(),
        declared_on: 20261101,
    }
}

const NOW: i64 = 1_790_000_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bank_sees_and_answers_only_consenting_firms() {
    for store in testing::all().await.unwrap() {
        let all = firms(&store).await;
        let a = &all[0];
        let b = all.iter().find(|e| e.park != a.park).unwrap();
        let c = all
            .iter()
            .find(|e| e.uscc != a.uscc && e.uscc != b.uscc)
            .unwrap();
        let (bank1, _) = store.add_bank("银行甲", NOW).await.unwrap().unwrap();
        let (bank2, _) = store.add_bank("银行乙", NOW).await.unwrap().unwrap();
        // a declares for itself; staff declare for b (zone) and c (c's park admin)
        let da = store
            .declare_demand(
                &Scope::Enterprise(a.uscc.clone()),
                &a.uscc,
                &need(12_345_678_901),
                "firm",
                NOW,
            )
            .await
            .unwrap()
            .unwrap();
        let db = store
            .declare_demand(&Scope::Zone, &b.uscc, &need(1), "admin", NOW)
            .await
            .unwrap()
            .unwrap();
        store
            .declare_demand(
                &Scope::Park(c.park.clone()),
                &c.uscc,
                &need(99),
                "park",
                NOW,
            )
            .await
            .unwrap()
            .unwrap();
        // a firm cannot declare for another; a park admin not for another park's firm
        assert!(
            store
                .declare_demand(
                    &Scope::Enterprise(a.uscc.clone()),
                    &b.uscc,
                    &need(5),
                    "firm",
                    NOW
                )
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .declare_demand(&Scope::Park(a.park.clone()), &b.uscc, &need(5), "park", NOW)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(da.amount_fen, 12_345_678_901, "exact fen");

        // only the zone publishes
        assert!(
            store
                .publish_edition(&Scope::Park(a.park.clone()), "x", 20261110, "p", NOW)
                .await
                .unwrap()
                .is_none()
        );
        let (ed, n) = store
            .publish_edition(&Scope::Zone, "2026年第1期", 20261110, "admin", NOW)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(n, 3);

        // a consents to bank1 only; b consents to bank2
        for (f, bank) in [(a, &bank1), (b, &bank2)] {
            store
                .grant_consent(
                    &Scope::Enterprise(f.uscc.clone()),
                    &f.uscc,
                    &bank.id,
                    NOW + 86_400,
                    "firm",
                    NOW,
                )
                .await
                .unwrap()
                .unwrap();
        }
        let seen1 = store
            .bank_edition(&bank1, &ed.id, "/api/v1/bank/loan-demands", NOW + 10)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            seen1.iter().map(|d| d.uscc.as_str()).collect::<Vec<_>>(),
            vec![a.uscc.as_str()]
        );
        assert_eq!(seen1[0].amount_fen, 12_345_678_901);
        let seen2 = store
            .bank_edition(&bank2, &ed.id, "/api/v1/bank/loan-demands", NOW + 10)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            seen2.iter().map(|d| d.uscc.as_str()).collect::<Vec<_>>(),
            vec![b.uscc.as_str()]
        );
        // the read is logged for the firm shown
        let log = store
            .access_log(&Scope::Enterprise(a.uscc.clone()), &a.uscc, 10)
            .await
            .unwrap();
        assert!(log.iter().any(|l| l.bank_name == "银行甲"
            && l.allowed
            && l.path == "/api/v1/bank/loan-demands"));
        // an unknown edition: None
        assert!(
            store
                .bank_edition(&bank1, "ed-nope", "/x", NOW)
                .await
                .unwrap()
                .is_none()
        );

        // bank1 answers a, not b (no consent) — refused and logged as refused
        let approve = NewResponse {
            status: ResponseStatus::Approved,
            amount_fen: Some(10_000_000_001),
            reason_code: None,
            on_date: 20261120,
            note: String::new(),
        };
        assert!(
            store
                .bank_respond(&bank1, &db.id, &approve, "/r", NOW + 20)
                .await
                .unwrap()
                .is_none()
        );
        let b_log = store
            .access_log(&Scope::Enterprise(b.uscc.clone()), &b.uscc, 10)
            .await
            .unwrap();
        assert!(b_log.iter().any(|l| l.bank_name == "银行甲" && !l.allowed));
        let r = store
            .bank_respond(&bank1, &da.id, &approve, "/r", NOW + 20)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(r.amount_fen, Some(10_000_000_001));
        // after revocation bank1 neither sees nor answers a
        let consent = store
            .consents(&Scope::Enterprise(a.uscc.clone()), &a.uscc)
            .await
            .unwrap()
            .remove(0);
        assert!(
            store
                .revoke_consent(
                    &Scope::Enterprise(a.uscc.clone()),
                    &a.uscc,
                    &consent.id,
                    NOW + 30
                )
                .await
                .unwrap()
        );
        assert!(
            store
                .bank_edition(&bank1, &ed.id, "/x", NOW + 40)
                .await
                .unwrap()
                .unwrap()
                .is_empty()
        );
        assert!(
            store
                .bank_respond(&bank1, &da.id, &approve, "/r", NOW + 40)
                .await
                .unwrap()
                .is_none()
        );

        // staff reads are scoped: a's park sees a (and c if same park), never b
        let park_a = store
            .demands(&Scope::Park(a.park.clone()), Some(&ed.id))
            .await
            .unwrap();
        assert!(park_a.iter().all(|d| d.park == a.park.as_str()));
        assert!(park_a.iter().any(|d| d.id == da.id));
        let resp = store
            .loan_responses(&Scope::Park(b.park.clone()), None)
            .await
            .unwrap();
        assert!(resp.is_empty(), "b's park sees no response to a");
        let own = store
            .demands(&Scope::Enterprise(b.uscc.clone()), None)
            .await
            .unwrap();
        assert_eq!(own.len(), 1);
        assert_eq!(own[0].amount_fen, 1);
        assert_eq!(store.demands(&Scope::Zone, None).await.unwrap().len(), 3);
        // a firm withdraws its own demand, not another's
        assert!(
            !store
                .withdraw_demand(&Scope::Enterprise(a.uscc.clone()), &db.id, NOW)
                .await
                .unwrap()
        );
        assert!(
            store
                .withdraw_demand(&Scope::Enterprise(b.uscc.clone()), &db.id, NOW)
                .await
                .unwrap()
        );
    }
}
