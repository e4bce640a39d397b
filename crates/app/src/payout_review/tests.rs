use super::*;
use crate::payout_sync::sync;
use crate::payouts::list;
use crate::payouts::tests::{UNICORN, firms, store_run, zone_admin};
use gaoxin_model::Year;
use gaoxin_store::{AuditFilter, PayoutFilter, UserRecord, testing};

fn step(action: &str, amount: &str) -> StepInput {
    StepInput {
        action: action.into(),
        amount_yuan: amount.into(),
        fund_source: "市级科技专项资金".into(),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_approval_from_the_command_line_must_come_from_another_administrator() {
    let cfg = PayoutConfig::load().unwrap();
    for store in testing::all().await.unwrap() {
        let f = firms(&store).await;
        store_run(&store, "rules-2024-a", &f, &[(0, UNICORN, 10_000, true)]).await;
        let a1 = zone_admin("a1");
        sync(&store, &a1, Year::new(2024).unwrap()).await.unwrap();
        let id = list(&store, &Scope::Zone, &PayoutFilter::default())
            .await
            .unwrap()[0]
            .id;
        let zone = (Capacity::Zone, &Scope::Zone);
        act(&store, &cfg, &a1, zone.0, zone.1, id, &step("核准", ""))
            .await
            .unwrap();
        // not waiting for review yet: refused
        let e = approve_second(&store, &cfg, &zone_admin("a2"), id, "")
            .await
            .unwrap_err();
        assert!(e.to_string().contains("没有待复核"), "{e}");
        // the firm no longer qualifies: a1's payment waits for review
        store_run(&store, "rules-2024-b", &f, &[(0, UNICORN, 0, true)]).await;
        let done = act(&store, &cfg, &a1, zone.0, zone.1, id, &step("拨付", "100"))
            .await
            .unwrap();
        assert_eq!(done.state, "待复核");
        // accounts: a2 a zone administrator, p1 a zone analyst
        for (name, role) in [("a2", Role::ZoneAdmin), ("p1", Role::ZoneAnalyst)] {
            store
                .insert_user(&UserRecord {
                    username: name.into(),
                    password_hash: "x".into(),
                    role,
                    disabled: false,
                    failed_logins: 0,
                    locked_until: 0,
                    created_at: 0,
                    must_change_password: false,
                })
                .await
                .unwrap();
        }
        // the submitter, by account or as the same person on the command line: refused
        for who in [a1.clone(), Who::named("cli:a1", "cli")] {
            let e = approve_second(&store, &cfg, &who, id, "")
                .await
                .unwrap_err();
            assert!(e.to_string().contains("另一名"), "{e}");
        }
        // `--as` must name an enabled zone administrator
        assert!(
            approver(&store, Some("p1"))
                .await
                .unwrap_err()
                .to_string()
                .contains("不是高新区管理员")
        );
        assert!(approver(&store, Some("nobody")).await.is_err());
        assert!(matches!(
            approve_second(&store, &cfg, &zone_admin("a2"), 99_999, "").await,
            Err(PayoutError::NotFound)
        ));
        let a2 = approver(&store, Some("a2")).await.unwrap();
        assert_eq!(a2.actor, "a2");
        let done = approve_second(&store, &cfg, &a2, id, "命令行复核")
            .await
            .unwrap();
        assert_eq!(done.state, "拨付");
        let p = store.payout(&Scope::Zone, id).await.unwrap().unwrap();
        assert_eq!((p.state.as_str(), p.paid_fen), ("拨付", Some(10_000)));
        // recorded by the use case: one audit event by a2, under the award's park
        let events = store
            .audit_entries(
                &Scope::Zone,
                &AuditFilter {
                    action: Some("payout.confirm_pay".into()),
                    ..AuditFilter::default()
                },
                10,
                0,
            )
            .await
            .unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].event.actor, "a2");
        assert_eq!(events[0].event.park.as_deref(), Some(f[0].1.as_str()));
        // and only once
        assert!(approve_second(&store, &cfg, &a2, id, "").await.is_err());
    }
}
