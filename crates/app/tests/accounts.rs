//! Accounts on both backends: the password policy applies to every password a person sets, an
//! administrator's reset forces a change at the next sign-in, and the user's own change needs the
//! current password and clears that flag.
use gaoxin_app::accounts::{self, PasswordRule, UserError};
use gaoxin_model::Zone;
use gaoxin_store::{Role, testing};

fn zone() -> Zone {
    Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_reset_and_own_change() {
    accounts::use_fast_hashing_for_tests();
    let zone = zone();
    for store in testing::all().await.unwrap() {
        // add: the policy, with the rule named
        for (pw, rule) in [
            ("short-pw", PasswordRule::TooShort(8)),
            ("wang.analyst", PasswordRule::SameAsUsername),
            ("qwerty123456", PasswordRule::Common),
        ] {
            match accounts::add_user(&store, &zone, "wang.analyst", pw, Role::ZoneAnalyst).await {
                Err(UserError::Weak(r)) => assert_eq!(r, rule, "{pw}"),
                other => panic!("{pw}: {other:?}"),
            }
        }
        assert!(
            store.user("wang.analyst").await.unwrap().is_none(),
            "nothing stored"
        );
        accounts::add_user(
            &store,
            &zone,
            "wang.analyst",
            "tall-river-lamp-9",
            Role::ZoneAnalyst,
        )
        .await
        .unwrap();
        assert!(
            !store
                .user("wang.analyst")
                .await
                .unwrap()
                .unwrap()
                .must_change_password
        );

        // an administrator's reset: the policy, then the flag
        assert!(matches!(
            accounts::reset_password(&store, "wang.analyst", "12345678").await,
            Err(UserError::Weak(PasswordRule::TooShort(8)))
        ));
        accounts::reset_password(&store, "wang.analyst", "given-by-admin-1")
            .await
            .unwrap();
        let u = store.user("wang.analyst").await.unwrap().unwrap();
        assert!(u.must_change_password);
        assert!(accounts::verify_password(
            "given-by-admin-1",
            &u.password_hash
        ));

        // the user's own change: the current password first, then the policy
        assert!(matches!(
            accounts::change_password(&store, "wang.analyst", "wrong-one", "my-own-secret-77")
                .await,
            Err(UserError::WrongCurrentPassword)
        ));
        assert!(matches!(
            accounts::change_password(&store, "wang.analyst", "given-by-admin-1", "password").await,
            Err(UserError::Weak(PasswordRule::TooShort(8)))
        ));
        match accounts::change_password(
            &store,
            "wang.analyst",
            "given-by-admin-1",
            "given-by-admin-1",
        )
        .await
        {
            Err(UserError::Invalid(m)) => assert_eq!(m, "新密码不能与当前密码相同"),
            other => panic!("{other:?}"),
        }
        let u = store.user("wang.analyst").await.unwrap().unwrap();
        assert!(u.must_change_password, "refused changes change nothing");
        assert!(accounts::verify_password(
            "given-by-admin-1",
            &u.password_hash
        ));
        accounts::change_password(
            &store,
            "wang.analyst",
            "given-by-admin-1",
            "my-own-secret-77",
        )
        .await
        .unwrap();
        let u = store.user("wang.analyst").await.unwrap().unwrap();
        assert!(!u.must_change_password);
        assert!(accounts::verify_password(
            "my-own-secret-77",
            &u.password_hash
        ));
        assert!(matches!(
            accounts::change_password(&store, "nobody", "a", "my-own-secret-77").await,
            Err(UserError::NotFound(_))
        ));
        store.close().await;
    }
}

/// An administrator's reset or disabling ends the user's sessions (stored sessions, so also
/// after a restart); another user's session is untouched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_and_disable_end_the_users_sessions() {
    accounts::use_fast_hashing_for_tests();
    let zone = zone();
    for store in testing::all().await.unwrap() {
        for name in ["li.analyst", "zhao.analyst"] {
            accounts::add_user(&store, &zone, name, "tall-river-lamp-9", Role::ZoneAnalyst)
                .await
                .unwrap();
        }
        let session = |name: &str| gaoxin_store::SessionRecord {
            username: Some(name.into()),
            csrf: "c".into(),
            must_change_password: false,
            created: 1,
            last_seen: 1,
            idle_expires: i64::MAX / 2,
            absolute_expires: i64::MAX / 2,
        };
        store
            .insert_session("tok-li", &session("li.analyst"))
            .await
            .unwrap();
        store
            .insert_session("tok-zhao", &session("zhao.analyst"))
            .await
            .unwrap();
        accounts::reset_password(&store, "li.analyst", "quiet-harbor-kite-4")
            .await
            .unwrap();
        assert!(store.session("tok-li", 2).await.unwrap().is_none());
        assert!(store.session("tok-zhao", 2).await.unwrap().is_some());
        accounts::disable_user(&store, "zhao.analyst")
            .await
            .unwrap();
        assert!(store.session("tok-zhao", 2).await.unwrap().is_none());
    }
}
