//! The published demo accounts on both backends: they work on demo data; once a real
//! (non-synthetic) firm is stored, or in production, they are disabled (not deleted) and not
//! re-created; an enabled account that sees real data with a published password is reported
//! (and `serve` refuses to start).
use gaoxin_app::accounts::{self, PUBLISHED_PASSWORDS};
use gaoxin_demo::{DemoConfig, generate};
use gaoxin_model::Zone;
use gaoxin_store::{Role, Store, testing};

fn zone() -> Zone {
    Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap()
}

async fn enabled(store: &Store, user: &str) -> bool {
    !store.user(user).await.unwrap().unwrap().disabled
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_accounts_retire_once_real_data_arrive() {
    accounts::use_fast_hashing_for_tests();
    let zone = zone();
    for store in testing::all().await.unwrap() {
        let mut demo = generate(
            &zone,
            &DemoConfig {
                enterprises: 40,
                first_year: 2023,
                last_year: 2024,
                seed: 3,
            },
        );
        let mut real = demo.enterprises.pop().unwrap();
        let mut tx = store.begin_import().await.unwrap();
        tx.write_enterprises(&demo.enterprises).await.unwrap();
        tx.commit().await.unwrap();
        store.set_meta("demo", "test").await.unwrap();

        // demo data: the accounts are made, work, and nothing is retired or reported
        let made = accounts::ensure_demo_accounts(&store, &zone).await.unwrap();
        assert!(made.iter().any(|(u, _, _)| u == "admin"), "{made:?}");
        assert!(
            accounts::retire_demo_accounts(&store, false)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(enabled(&store, "admin").await);
        assert!(
            accounts::accounts_with_published_passwords(&store, false)
                .await
                .unwrap()
                .is_empty()
        );
        // an account of the operator's that happens to use a published password, confined
        // to one park: reported only once that park holds real data
        let park = real.park.clone();
        let other = zone.parks.iter().find(|p| p.id != park).unwrap().id.clone();
        for (name, p) in [("wang", &park), ("li", &other)] {
            let rec = gaoxin_store::UserRecord {
                username: name.into(),
                password_hash: accounts::hash_password(PUBLISHED_PASSWORDS[0]),
                role: Role::ParkAdmin(p.clone()),
                disabled: false,
                failed_logins: 0,
                locked_until: 0,
                created_at: 0,
                must_change_password: false,
            };
            assert!(store.insert_user(&rec).await.unwrap());
        }
        assert_eq!(
            accounts::accounts_with_published_passwords(&store, true)
                .await
                .unwrap()
                .len(),
            made.len() + 2,
            "production: every enabled account with a published password"
        );

        // one real firm imported
        real.synthetic = false;
        let mut tx = store.begin_import().await.unwrap();
        tx.write_enterprises(&[real]).await.unwrap();
        tx.commit().await.unwrap();
        let retired = accounts::retire_demo_accounts(&store, false).await.unwrap();
        let mut want: Vec<String> = made.iter().map(|(u, _, _)| u.clone()).collect();
        want.sort();
        let mut got = retired.clone();
        got.sort();
        assert_eq!(got, want, "every demo account disabled");
        for u in &want {
            let rec = store.user(u).await.unwrap().expect("disabled, not deleted");
            assert!(rec.disabled, "{u}");
        }
        // not re-created, not re-listed
        assert!(
            accounts::ensure_demo_accounts(&store, &zone)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            accounts::retire_demo_accounts(&store, false)
                .await
                .unwrap()
                .is_empty()
        );
        // wang (the real firm's park) is reported, li (a demo-only park) is not
        let bad = accounts::accounts_with_published_passwords(&store, false)
            .await
            .unwrap();
        assert_eq!(bad, vec!["wang".to_string()]);
        let msg = accounts::published_password_refusal(&bad);
        assert!(msg.contains("「wang」"), "{msg}");
        assert!(msg.contains("gaoxin user reset-password wang"), "{msg}");
        // fixed: a new password clears the report
        accounts::reset_password(&store, "wang", "tall-river-lamp-9")
            .await
            .unwrap();
        assert!(
            accounts::accounts_with_published_passwords(&store, false)
                .await
                .unwrap()
                .is_empty()
        );
    }
}
