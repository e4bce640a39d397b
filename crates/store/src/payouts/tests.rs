use super::*;
use gaoxin_model::{DeptId, ParkId, Uscc};

const A: &str = "91320191MA1XXXXXX1";
const B: &str = "91320100MA00000008";

fn award(uscc: &str, park: &str, rule: &str) -> PayoutRow {
    PayoutRow {
        id: 0,
        uscc: uscc.into(),
        firm_name: "测试公司".into(),
        park: park.into(),
        year: 2024,
        rule: rule.into(),
        rule_version: "2025-01".into(),
        run_id: "rules-2024-a".into(),
        computed_fen: 150_000_000,
        channel: "申报".into(),
        state: "测算".into(),
        approved_fen: None,
        paid_fen: None,
        approved_on: None,
        paid_on: None,
        published_on: None,
        flagged: false,
        supply: "研发费用专项审计报告".into(),
        version: 1,
    }
}

fn step(name: &str, from: Option<&str>, to: &str, amount: Option<i64>) -> PayoutStep {
    PayoutStep {
        payout_id: 0,
        seq: 0,
        at: 1_700_000_000,
        on_date: 20250303,
        actor: "admin".into(),
        role: "zone_admin".into(),
        step: name.into(),
        from_state: from.map(str::to_string),
        to_state: to.into(),
        amount_fen: amount,
        reason: String::new(),
        fund_source: String::new(),
        paid_on: None,
        note: String::new(),
    }
}

fn event(action: &str, park: &str) -> AuditEvent {
    AuditEvent {
        actor: "admin".into(),
        role: "zone_admin".into(),
        action: action.into(),
        park: Some(park.into()),
        subject: String::new(),
        detail: "{}".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awards_steps_scopes_and_versions_on_both_backends() {
    for s in crate::testing::all().await.unwrap() {
        let ids = s
            .create_payouts(&[
                (
                    award(A, "jiangbei", "r1"),
                    vec![step("测算", None, "测算", Some(150_000_000))],
                    vec![event("payout.compute", "jiangbei")],
                ),
                (
                    award(B, "xingang", "r1"),
                    vec![step("测算", None, "测算", Some(150_000_000))],
                    vec![event("payout.compute", "xingang")],
                ),
            ])
            .await
            .unwrap();
        assert_eq!(ids, vec![1, 2]);
        // the same (year, rule, firm) again: refused, nothing written
        assert!(
            s.create_payouts(&[(award(A, "jiangbei", "r1"), vec![], vec![])])
                .await
                .is_err()
        );
        assert_eq!(
            s.payouts(&Scope::Zone, &PayoutFilter::default())
                .await
                .unwrap()
                .len(),
            2
        );
        // scopes: a park its firms', a firm its own, a department nothing
        let park = Scope::Park(ParkId::parse("jiangbei").unwrap());
        let firm = Scope::Enterprise(Uscc::parse(B).unwrap());
        let dept = Scope::Department(DeptId::parse("keji").unwrap());
        assert!(s.payout(&park, 1).await.unwrap().is_some());
        assert!(s.payout(&park, 2).await.unwrap().is_none());
        assert!(s.payout(&firm, 1).await.unwrap().is_none());
        assert!(s.payout(&firm, 2).await.unwrap().is_some());
        assert!(s.payout(&dept, 1).await.unwrap().is_none());
        assert!(s.payout_steps(&park, 2).await.unwrap().is_empty());
        assert_eq!(
            s.payouts(&park, &PayoutFilter::default())
                .await
                .unwrap()
                .len(),
            1
        );
        // a step applies to the version seen, once
        let seen = s.payout(&Scope::Zone, 1).await.unwrap().unwrap();
        let now = PayoutRow {
            state: "申报".into(),
            ..seen.clone()
        };
        let ev = event("payout.apply", "jiangbei");
        assert!(
            s.apply_payout_step(&now, &step("申报", Some("测算"), "申报", None), &ev)
                .await
                .unwrap()
        );
        assert!(
            !s.apply_payout_step(&now, &step("申报", Some("测算"), "申报", None), &ev)
                .await
                .unwrap()
        );
        let after = s.payout(&Scope::Zone, 1).await.unwrap().unwrap();
        assert_eq!((after.state.as_str(), after.version), ("申报", 2));
        let steps = s.payout_steps(&Scope::Zone, 1).await.unwrap();
        assert_eq!(
            steps
                .iter()
                .map(|x| (x.seq, x.step.as_str()))
                .collect::<Vec<_>>(),
            vec![(1, "测算"), (2, "申报")]
        );
        // filters
        let f = PayoutFilter {
            state: Some("申报".into()),
            year: Some(2024),
            ..Default::default()
        };
        assert_eq!(s.payouts(&Scope::Zone, &f).await.unwrap().len(), 1);
        // the audit trail holds the creation and the step, the park set
        let n = s
            .audit_count(
                &park,
                &crate::AuditFilter {
                    action: Some("payout".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(n, 2);
        // fund lines: replaced per year × category × source; firms read none
        let line = FundLine {
            year: 2024,
            category: "企业培育".into(),
            source: "市级".into(),
            amount_fen: 100,
            entered_by: "admin".into(),
            entered_at: 1,
            note: String::new(),
        };
        s.set_payout_fund(&line, &event("payout.fund", ""))
            .await
            .unwrap();
        s.set_payout_fund(
            &FundLine {
                amount_fen: 250,
                ..line.clone()
            },
            &event("payout.fund", ""),
        )
        .await
        .unwrap();
        let funds = s.payout_funds(&Scope::Zone).await.unwrap();
        assert_eq!(funds.len(), 1);
        assert_eq!(funds[0].amount_fen, 250);
        assert!(s.payout_funds(&firm).await.unwrap().is_empty());
    }
}

/// Many callers creating awards at once each get their own ids: the transaction takes the write
/// lock before reading the next id (a read first failed with "database is locked" on SQLite when
/// another writer committed in between, and on PostgreSQL two callers could take the same id).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creations_all_succeed_with_distinct_ids() {
    for s in crate::testing::all().await.unwrap() {
        let mut tasks = Vec::new();
        for k in 0..16 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                let mut ids = Vec::new();
                for round in 0..5 {
                    let mut row = award(A, "jiangbei", &format!("r{k}-{round}"));
                    row.year = 2024;
                    let got = s
                        .create_payouts(&[(
                            row,
                            vec![step("测算", None, "测算", Some(1))],
                            vec![event("payout.compute", "jiangbei")],
                        )])
                        .await
                        .unwrap_or_else(|e| panic!("caller {k}, round {round}: {e}"));
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fund_lines_are_an_append_only_history_on_both_backends() {
    for s in crate::testing::all().await.unwrap() {
        let firm = Scope::Enterprise(Uscc::parse(B).unwrap());
        let line = FundLine {
            year: 2024,
            category: "企业培育".into(),
            source: "市级".into(),
            amount_fen: 100,
            entered_by: "admin".into(),
            entered_at: 1,
            note: String::new(),
        };
        s.set_payout_fund(&line, &event("payout.fund", ""))
            .await
            .unwrap();
        s.set_payout_fund(
            &FundLine {
                amount_fen: 250,
                ..line.clone()
            },
            &event("payout.fund", ""),
        )
        .await
        .unwrap();
        assert_eq!(
            s.payout_funds(&Scope::Zone).await.unwrap()[0].amount_fen,
            250
        );
        // the correction is a new entry superseding the first, both kept
        let h = s.payout_fund_history(&Scope::Zone).await.unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!((h[0].line.amount_fen, h[0].current), (100, false));
        assert_eq!((h[1].line.amount_fen, h[1].current), (250, true));
        assert_eq!(h[1].supersedes, Some(h[0].id));
        assert!(s.payout_fund_history(&firm).await.unwrap().is_empty());
        // an import is all or nothing and names its file; another line is its own
        s.append_payout_funds(
            &[FundLine {
                category: "平台建设".into(),
                amount_fen: 7,
                ..line.clone()
            }],
            "导入:资金.xlsx",
            &[event("payout.fund_import", "")],
        )
        .await
        .unwrap();
        let h = s.payout_fund_history(&Scope::Zone).await.unwrap();
        assert_eq!(h.len(), 3);
        let imported = h.iter().find(|e| e.line.category == "平台建设").unwrap();
        assert_eq!(
            (
                imported.origin.as_str(),
                imported.supersedes,
                imported.current
            ),
            ("导入:资金.xlsx", None, true)
        );
        assert_eq!(s.payout_funds(&Scope::Zone).await.unwrap().len(), 2);
    }
}
