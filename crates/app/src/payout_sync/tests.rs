use super::*;
use crate::payouts::tests::{UNICORN, firms, store_run, zone_admin};

#[test]
fn run_versions_read_each_rules_version() {
    let v = run_versions("a@2025.1#ff,b@2021.2#00");
    assert_eq!(v.get("a").map(String::as_str), Some("2025.1"));
    assert_eq!(v.get("b").map(String::as_str), Some("2021.2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_creates_recomputes_and_flags_idempotently() {
    for store in gaoxin_store::testing::all().await.unwrap() {
        let year = Year::new(2024).unwrap();
        let who = zone_admin("a1");
        // no run yet: a clear refusal
        let e = sync(&store, &who, year).await.unwrap_err();
        assert!(e.to_string().contains("尚无已保存的规则测算结果"), "{e}");
        let f = firms(&store).await;
        store_run(
            &store,
            "rules-2024-a",
            &f,
            &[
                (0, UNICORN, 150_000_000, false),
                (1, UNICORN, 80_000_000, true),
                (2, UNICORN, 0, false),
            ],
        )
        .await;
        let r = sync(&store, &who, year).await.unwrap();
        assert_eq!((r.created, r.exempt, r.flagged), (2, 1, 0));
        let rows = store
            .payouts(&Scope::Zone, &PayoutFilter::default())
            .await
            .unwrap();
        assert_eq!(rows.len(), 2);
        assert!(
            rows.iter()
                .all(|p| p.rule_version == "2025.1" && p.run_id == "rules-2024-a")
        );
        // the same run again: nothing changes
        let again = sync(&store, &who, year).await.unwrap();
        assert_eq!(
            (
                again.created,
                again.recomputed,
                again.flagged,
                again.unchanged
            ),
            (0, 0, 0, 2)
        );
        // a newer run: firm 0's amount changes, firm 1 no longer qualifies, firm 2 now does
        store_run(
            &store,
            "rules-2024-b",
            &f,
            &[
                (0, UNICORN, 140_000_000, false),
                (1, UNICORN, 0, true),
                (2, UNICORN, 5_000_000, false),
            ],
        )
        .await;
        let r = sync(&store, &who, year).await.unwrap();
        assert_eq!(
            (r.created, r.recomputed, r.flagged, r.unflagged),
            (1, 1, 1, 0)
        );
        let rows = store
            .payouts(&Scope::Zone, &PayoutFilter::default())
            .await
            .unwrap();
        assert_eq!(rows.len(), 3, "nothing is deleted");
        let p0 = rows.iter().find(|p| p.uscc == f[0].0).unwrap();
        assert_eq!(
            (p0.computed_fen, p0.run_id.as_str()),
            (140_000_000, "rules-2024-b")
        );
        let steps = store.payout_steps(&Scope::Zone, p0.id).await.unwrap();
        assert_eq!(steps.last().unwrap().step, "重新测算");
        assert!(
            steps
                .last()
                .unwrap()
                .note
                .contains("1,500,000.00元 → 1,400,000.00元")
        );
        let p1 = rows.iter().find(|p| p.uscc == f[1].0).unwrap();
        assert!(p1.flagged);
        assert_eq!(p1.state, "免申");
        // back in the next run: unflagged
        store_run(
            &store,
            "rules-2024-c",
            &f,
            &[
                (0, UNICORN, 140_000_000, false),
                (1, UNICORN, 80_000_000, true),
                (2, UNICORN, 5_000_000, false),
            ],
        )
        .await;
        let r = sync(&store, &who, year).await.unwrap();
        assert_eq!((r.unflagged, r.flagged, r.unchanged), (1, 0, 2));
    }
}
