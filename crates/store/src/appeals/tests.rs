use super::*;
use gaoxin_model::{DeptId, ParkId, Uscc};

fn new(uscc: &str, park: &str, dept: Option<&str>) -> NewAppeal {
    NewAppeal {
        uscc: uscc.into(),
        firm_name: "测试公司".into(),
        park: park.into(),
        category: "融资".into(),
        suggested_category: Some("融资".into()),
        title: "贷款".into(),
        description: "需要贷款".into(),
        contact: "张三 13800000000".into(),
        channel: "企业".into(),
        rule_file: None,
        department: dept.map(str::to_string),
        filed_at: 1_700_000_000,
        filed_on: 20250303,
        filed_by: "firm".into(),
        filed_role: "enterprise".into(),
        limit_days: 5,
        state: "受理".into(),
        note: String::new(),
    }
}

const A: &str = "91320191MA1XXXXXX1";

fn t(id: i64, from: &str, to: &str, action: &str) -> TransitionRow {
    TransitionRow {
        appeal_id: id,
        seq: 0,
        at: 1_700_000_100,
        on_date: 20250304,
        actor: "admin".into(),
        role: "zone_admin".into(),
        action: action.into(),
        from_state: Some(from.into()),
        to_state: to.into(),
        note: "说明".into(),
        department: Some("keji".into()),
        satisfied: None,
        resolved: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filing_scopes_and_transitions_on_both_backends() {
    let a = Uscc::parse(A)
        .map(|u| u.as_str().to_string())
        .unwrap_or(A.into());
    for s in crate::testing::all().await.unwrap() {
        let ids = s
            .file_appeals(&[
                new(&a, "jiangbei", Some("keji")),
                new("91320100MA0000000X", "xingang", None),
            ])
            .await
            .unwrap();
        assert_eq!(ids, vec![1, 2]);
        let zone = Scope::Zone;
        let jb = Scope::Park(ParkId::parse("jiangbei").unwrap());
        let keji = Scope::Department(DeptId::parse("keji").unwrap());
        let other = Scope::Department(DeptId::parse("caizheng").unwrap());
        assert!(s.appeal(&zone, 2).await.unwrap().is_some());
        assert!(s.appeal(&jb, 1).await.unwrap().is_some());
        assert!(s.appeal(&jb, 2).await.unwrap().is_none());
        assert!(s.appeal(&keji, 1).await.unwrap().is_some());
        assert!(s.appeal(&keji, 2).await.unwrap().is_none());
        assert!(s.appeal(&other, 1).await.unwrap().is_none());
        assert!(s.appeal_transitions(&other, 1).await.unwrap().is_empty());
        assert_eq!(
            s.appeals(&zone, &AppealFilter::default())
                .await
                .unwrap()
                .len(),
            2
        );
        let f = AppealFilter {
            park: Some("xingang".into()),
            ..Default::default()
        };
        assert_eq!(s.appeals(&zone, &f).await.unwrap()[0].id, 2);
        assert!(s.appeals(&jb, &f).await.unwrap().is_empty());

        // a transition applies once: a second one from the same state is refused, nothing written
        let change = AppealChange {
            department: Some(Some("keji".into())),
            ..Default::default()
        };
        assert!(
            s.apply_appeal_transition(&t(1, "受理", "交办", "交办"), false, &change)
                .await
                .unwrap()
        );
        assert!(
            !s.apply_appeal_transition(&t(1, "受理", "交办", "交办"), false, &change)
                .await
                .unwrap()
        );
        // escalation guarded by the flag
        let esc = AppealChange {
            escalated: Some(true),
            ..Default::default()
        };
        assert!(
            s.apply_appeal_transition(&t(1, "交办", "交办", "提级"), false, &esc)
                .await
                .unwrap()
        );
        assert!(
            !s.apply_appeal_transition(&t(1, "交办", "交办", "提级"), false, &esc)
                .await
                .unwrap()
        );
        let visit = AppealChange {
            reopen: true,
            satisfied: Some(false),
            resolved: Some(false),
            clock_start: Some(20250310),
            pauses: Some(String::new()),
            replied_on: Some(20250307),
            ..Default::default()
        };
        assert!(
            s.apply_appeal_transition(&t(1, "交办", "办理", "重办"), true, &visit)
                .await
                .unwrap()
        );
        let row = s.appeal(&zone, 1).await.unwrap().unwrap();
        assert_eq!(row.state, "办理");
        assert!(row.escalated);
        assert_eq!(row.reopened, 1);
        assert_eq!(row.satisfied, Some(false));
        assert_eq!(row.clock_start, 20250310);
        assert_eq!(row.replied_on, Some(20250307));
        assert_eq!(row.department.as_deref(), Some("keji"));
        let h = s.appeal_transitions(&keji, 1).await.unwrap();
        assert_eq!(
            h.iter().map(|x| x.seq).collect::<Vec<_>>(),
            vec![1, 2, 3, 4]
        );
        assert_eq!(h[0].action, "受理");
        assert_eq!(h[0].from_state, None);
        assert_eq!(h[3].action, "重办");
        assert_eq!(s.appeal_history(&zone).await.unwrap().len(), 5);
        assert_eq!(s.appeal_history(&jb).await.unwrap().len(), 4);

        // the sweep's batch escalation: only appeals still as seen and not yet escalated
        let e2 = TransitionRow {
            note: "超期".into(),
            ..t(2, "受理", "受理", "提级")
        };
        let stale = TransitionRow {
            note: "超期".into(),
            ..t(1, "受理", "受理", "提级")
        };
        assert_eq!(
            s.escalate_appeals(&[stale, e2.clone()]).await.unwrap(),
            vec![2]
        );
        assert!(s.escalate_appeals(&[e2]).await.unwrap().is_empty());
        let h2 = s.appeal_transitions(&zone, 2).await.unwrap();
        assert_eq!((h2.len(), h2[1].seq, h2[1].action.as_str()), (2, 2, "提级"));
        assert!(s.appeal(&zone, 2).await.unwrap().unwrap().escalated);
        // API keys: shown once, matched by hash, names unique
        let k = s.add_appeal_key("12345热线", 1).await.unwrap().unwrap();
        assert!(s.add_appeal_key("12345热线", 2).await.unwrap().is_none());
        assert_eq!(
            s.appeal_key_name(&k).await.unwrap().as_deref(),
            Some("12345热线")
        );
        assert_eq!(s.appeal_key_name("gxa_wrong").await.unwrap(), None);
    }
}

/// Firms filing at the same moment each get their own appeal: the filing takes the write lock
/// before it reads the next id (a read first failed with "database is locked" on SQLite when
/// another writer committed in between; on PostgreSQL two filings could take the same id).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_filings_all_succeed_with_distinct_ids() {
    for s in crate::testing::all().await.unwrap() {
        let mut tasks = Vec::new();
        for k in 0..16 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                let mut ids = Vec::new();
                for round in 0..5 {
                    let got = s
                        .file_appeals(&[new("91320100MA0000000X", "xingang", None)])
                        .await
                        .unwrap_or_else(|e| panic!("filer {k}, round {round}: {e}"));
                    ids.extend(got);
                }
                ids
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        all.sort_unstable();
        assert_eq!(all, (1..=80).collect::<Vec<i64>>());
    }
}
