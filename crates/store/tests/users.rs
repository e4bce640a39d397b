//! Accounts on both backends: insert, read, disable, reset, lock-out counting.
use gaoxin_model::Uscc;
use gaoxin_store::{Role, Scope, UserRecord, testing};

fn rec(name: &str, role: Role) -> UserRecord {
    UserRecord {
        username: name.into(),
        password_hash: "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA".into(),
        role,
        disabled: false,
        failed_logins: 0,
        locked_until: 0,
        created_at: 1_700_000_000,
        must_change_password: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_round_trip_and_lock_out() {
    for store in testing::all().await.unwrap() {
        let firm = Uscc::parse("91440300708461136T").unwrap();
        assert!(
            store
                .insert_user(&rec("admin", Role::ZoneAdmin))
                .await
                .unwrap()
        );
        assert!(
            !store
                .insert_user(&rec("admin", Role::ZoneAnalyst))
                .await
                .unwrap(),
            "taken"
        );
        assert!(
            store
                .insert_user(&rec(
                    "jb",
                    Role::ParkAdmin(gaoxin_model::ParkId::parse("jiangbei").unwrap())
                ))
                .await
                .unwrap()
        );
        assert!(
            store
                .insert_user(&rec("firm", Role::Enterprise(firm.clone())))
                .await
                .unwrap()
        );

        let all = store.users().await.unwrap();
        assert_eq!(
            all.iter().map(|u| u.username.as_str()).collect::<Vec<_>>(),
            ["admin", "firm", "jb"]
        );
        let jb = store.user("jb").await.unwrap().unwrap();
        assert_eq!(
            jb.role,
            Role::ParkAdmin(gaoxin_model::ParkId::parse("jiangbei").unwrap())
        );
        assert_eq!(
            jb.role.scope(),
            Scope::Park(gaoxin_model::ParkId::parse("jiangbei").unwrap())
        );
        assert_eq!(
            store.user("firm").await.unwrap().unwrap().role.scope(),
            Scope::Enterprise(firm)
        );
        assert_eq!(
            store.user("admin").await.unwrap().unwrap().role.scope(),
            Scope::Zone
        );
        assert!(store.user("nobody").await.unwrap().is_none());

        // Four failures count up; the fifth locks and restarts the count.
        for i in 1..=4 {
            store.record_login_failure("jb", 5, 999).await.unwrap();
            let u = store.user("jb").await.unwrap().unwrap();
            assert_eq!((u.failed_logins, u.locked_until), (i, 0));
        }
        store.record_login_failure("jb", 5, 999).await.unwrap();
        let u = store.user("jb").await.unwrap().unwrap();
        assert_eq!((u.failed_logins, u.locked_until), (0, 999));
        store.record_login_success("jb").await.unwrap();
        assert_eq!(store.user("jb").await.unwrap().unwrap().locked_until, 0);

        assert!(store.set_user_disabled("jb", true).await.unwrap());
        assert!(store.user("jb").await.unwrap().unwrap().disabled);
        assert!(!store.set_user_disabled("nobody", true).await.unwrap());
        store.record_login_failure("admin", 5, 1).await.unwrap();
        assert!(store.set_password_hash("admin", "new").await.unwrap());
        let a = store.user("admin").await.unwrap().unwrap();
        assert_eq!((a.password_hash.as_str(), a.failed_logins), ("new", 0));
        assert!(!a.must_change_password);
        // an administrator's reset: the flag is stored, and the user's own change clears it
        store.record_login_failure("admin", 5, 1).await.unwrap();
        assert!(store.set_password("admin", "reset", true).await.unwrap());
        let a = store.user("admin").await.unwrap().unwrap();
        assert_eq!(a.password_hash, "reset");
        assert!(a.must_change_password);
        assert_eq!(a.failed_logins, 0);
        assert!(
            store
                .users()
                .await
                .unwrap()
                .iter()
                .any(|u| u.username == "admin" && u.must_change_password)
        );
        assert!(store.set_password("admin", "own", false).await.unwrap());
        assert!(
            !store
                .user("admin")
                .await
                .unwrap()
                .unwrap()
                .must_change_password
        );
        assert!(!store.set_password("nobody", "x", true).await.unwrap());
        let mut flagged = rec("flagged", Role::ZoneAnalyst);
        flagged.must_change_password = true;
        assert!(store.insert_user(&flagged).await.unwrap());
        assert!(
            store
                .user("flagged")
                .await
                .unwrap()
                .unwrap()
                .must_change_password
        );
    }
}

#[test]
fn roles_parse_from_parts() {
    assert_eq!(
        Role::from_parts("zone_admin", None, None),
        Ok(Role::ZoneAdmin)
    );
    assert!(
        Role::from_parts("park_admin", None, None)
            .unwrap_err()
            .contains("园区")
    );
    assert_eq!(
        Role::from_parts("park_admin", Some(" jiangbei "), None)
            .unwrap()
            .park()
            .map(|p| p.as_str()),
        Some("jiangbei")
    );
    // A park id not of the zone file's form is refused with the reason, not stored.
    assert!(
        Role::from_parts("park_admin", Some("Jiang Bei"), None)
            .unwrap_err()
            .contains("园区编号「Jiang Bei」格式无效")
    );
    assert!(Role::from_parts("enterprise", None, Some("123")).is_err());
    assert!(
        Role::from_parts("root", None, None)
            .unwrap_err()
            .contains("未知角色")
    );
    assert!(
        Role::ParkAdmin(gaoxin_model::ParkId::parse("x").unwrap()).may_import()
            && !Role::ZoneAnalyst.may_import()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_failures_count_by_address_and_name_and_are_forgotten() {
    use gaoxin_store::LoginFailures;
    for store in testing::all().await.unwrap() {
        let none = LoginFailures::default();
        assert_eq!(
            store.login_failures("10.0.0.1", "a", 0).await.unwrap(),
            none
        );
        // 10.0.0.1: "a" at 100 and 200, "b" at 150; 10.0.0.2: "a" at 300.
        for (addr, name, at) in [
            ("10.0.0.1", "a", 100),
            ("10.0.0.1", "b", 150),
            ("10.0.0.1", "a", 200),
            ("10.0.0.2", "a", 300),
        ] {
            store
                .record_login_attempt(addr, name, &format!("{addr}-{name}-{at}"), at, 0)
                .await
                .unwrap();
        }
        let f = store.login_failures("10.0.0.1", "a", 0).await.unwrap();
        assert_eq!(
            f,
            LoginFailures {
                pair: 2,
                address: 3,
                pair_oldest: Some(100),
                address_oldest: Some(100),
            }
        );
        // only failures at or after `since` count
        let f = store.login_failures("10.0.0.1", "a", 150).await.unwrap();
        assert_eq!(
            (f.pair, f.address, f.pair_oldest, f.address_oldest),
            (1, 2, Some(200), Some(150))
        );
        // a name without failures from this address
        let f = store.login_failures("10.0.0.1", "c", 0).await.unwrap();
        assert_eq!((f.pair, f.address, f.pair_oldest), (0, 3, None));
        // one attempt can be forgotten by its id
        store
            .record_login_attempt("10.0.0.1", "b", "extra", 160, 0)
            .await
            .unwrap();
        let f = store.login_failures("10.0.0.1", "a", 0).await.unwrap();
        assert_eq!((f.pair, f.address), (2, 4));
        store.forget_login_attempt("extra").await.unwrap();
        let f = store.login_failures("10.0.0.1", "a", 0).await.unwrap();
        assert_eq!((f.pair, f.address), (2, 3));
        // success at one address forgets that pair only
        store.clear_address_failures("10.0.0.1", "a").await.unwrap();
        assert_eq!(
            store
                .login_failures("10.0.0.1", "a", 0)
                .await
                .unwrap()
                .address,
            1
        );
        assert_eq!(
            store.login_failures("10.0.0.2", "a", 0).await.unwrap().pair,
            1
        );
        // a password reset forgets the name everywhere
        store.clear_login_failures_of("a").await.unwrap();
        assert_eq!(
            store.login_failures("10.0.0.2", "a", 0).await.unwrap(),
            none
        );
        // recording forgets what is older than the window
        store
            .record_login_attempt("10.0.0.3", "b", "t3", 1000, 500)
            .await
            .unwrap();
        assert_eq!(
            store.login_failures("10.0.0.1", "b", 0).await.unwrap().pair,
            0
        );
        // names are kept to 128 bytes (cut on a character boundary), and still match
        let long = "名".repeat(100);
        store
            .record_login_attempt("10.0.0.4", &long, "t4", 1000, 0)
            .await
            .unwrap();
        assert_eq!(
            store
                .login_failures("10.0.0.4", &long, 0)
                .await
                .unwrap()
                .pair,
            1
        );
    }
}
