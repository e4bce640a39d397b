use super::*;
use crate::payout_sync::sync;
use gaoxin_demo::{DemoConfig, generate};
use gaoxin_model::{Year, Zone};
use gaoxin_store::{RuleResultRow, RunRecord, testing};

pub(crate) const UNICORN: &str = "nanjing_first_unicorn_award_2025";

/// 20 demo firms; the first three (codes, parks) are the ones the crafted runs pay.
pub(crate) async fn firms(store: &Store) -> Vec<(String, String)> {
    let zone = Zone::parse(include_str!("../../../../data/reference/zone.toml")).unwrap();
    let demo = generate(
        &zone,
        &DemoConfig {
            enterprises: 20,
            first_year: 2023,
            last_year: 2024,
            seed: 3,
        },
    );
    let mut tx = store.begin_import().await.unwrap();
    tx.write_enterprises(&demo.enterprises).await.unwrap();
    tx.write_facts(&demo.facts).await.unwrap();
    tx.commit().await.unwrap();
    demo.enterprises
        .iter()
        .take(3)
        .map(|e| (e.uscc.as_str().to_string(), e.park.to_string()))
        .collect()
}

/// Stores a rules run of 2024 paying `awards` (firm, rule, fen, verified); a firm with fen 0 fails.
pub(crate) async fn store_run(
    store: &Store,
    id: &str,
    firms: &[(String, String)],
    awards: &[(usize, &str, i64, bool)],
) {
    let rows: Vec<RuleResultRow> = awards
        .iter()
        .map(|(k, rule, fen, verified)| RuleResultRow {
            uscc: firms[*k].0.clone(),
            name: String::new(),
            park: firms[*k].1.clone(),
            rule: rule.to_string(),
            verdict: if *fen > 0 { "pass" } else { "fail" }.into(),
            level: 0,
            amount_fen: (*fen > 0).then_some(*fen),
            distance: None,
            verified: *verified,
            assumption_dependent: false,
            supply: if *verified {
                ""
            } else {
                "上一年度研发费用专项审计报告"
            }
            .into(),
            record: String::new(),
            level_basis: String::new(),
        })
        .collect();
    let run = RunRecord {
        id: id.into(),
        kind: RunKind::Rules,
        created_at: 1_700_000_000,
        year: Some(Year::new(2024).unwrap()),
        input_hash: "h".into(),
        versions: format!("{UNICORN}@2025.1#abc,nanjing_incentive_2021@2021.2#def"),
        summary: "{}".into(),
    };
    store.insert_rules_run(&run, &rows).await.unwrap();
}

pub(crate) fn zone_admin(name: &str) -> Who {
    Who::user(name, &Role::ZoneAdmin)
}

fn input(action: &str, amount: &str) -> StepInput {
    StepInput {
        action: action.into(),
        amount_yuan: amount.into(),
        fund_source: "市级科技专项资金".into(),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_award_goes_from_computed_to_paid_and_payments_are_checked() {
    let cfg = PayoutConfig::load().unwrap();
    for store in testing::all().await.unwrap() {
        let f = firms(&store).await;
        store_run(
            &store,
            "rules-2024-a",
            &f,
            &[
                (0, UNICORN, 150_000_000, false),
                (1, UNICORN, 80_000_000, true),
            ],
        )
        .await;
        let year = Year::new(2024).unwrap();
        sync(&store, &zone_admin("a1"), year).await.unwrap();
        let all = list(&store, &Scope::Zone, &PayoutFilter::default())
            .await
            .unwrap();
        let first = all.iter().find(|p| p.uscc == f[0].0).unwrap().clone();
        assert_eq!(
            (first.state.as_str(), first.channel.as_str()),
            ("测算", "申报")
        );
        let firm_scope = Scope::Enterprise(Uscc::parse(&f[0].0).unwrap());
        // the firm sees what to supply, and applies
        let v = detail(&store, &cfg, &firm_scope, Some(Capacity::Firm), first.id)
            .await
            .unwrap();
        assert_eq!(v.actions, vec![Action::Apply]);
        assert_eq!(v.supply, vec!["上一年度研发费用专项审计报告".to_string()]);
        let firm = Who::user("firm", &Role::Enterprise(Uscc::parse(&f[0].0).unwrap()));
        act(
            &store,
            &cfg,
            &firm,
            Capacity::Firm,
            &firm_scope,
            first.id,
            &input("申报", ""),
        )
        .await
        .unwrap();
        // another firm cannot see it: the same answer as a missing one
        let other = Scope::Enterprise(Uscc::parse(&f[1].0).unwrap());
        assert!(matches!(
            act(
                &store,
                &cfg,
                &firm,
                Capacity::Firm,
                &other,
                first.id,
                &input("申报", "")
            )
            .await,
            Err(PayoutError::NotFound)
        ));
        // the firm cannot approve its own award
        let e = act(
            &store,
            &cfg,
            &firm,
            Capacity::Firm,
            &firm_scope,
            first.id,
            &input("核准", ""),
        )
        .await
        .unwrap_err();
        assert!(e.to_string().contains("只能由高新区管理员办理"), "{e}");
        let zone = zone_admin("a1");
        // 核减 needs a reason and a smaller amount
        assert!(
            act(
                &store,
                &cfg,
                &zone,
                Capacity::Zone,
                &Scope::Zone,
                first.id,
                &input("核减", "1000000")
            )
            .await
            .unwrap_err()
            .to_string()
            .contains("须填写理由")
        );
        let mut reduce = input("核减", "1200000");
        reduce.reason = "研发费用核减".into();
        act(
            &store,
            &cfg,
            &zone,
            Capacity::Zone,
            &Scope::Zone,
            first.id,
            &reduce,
        )
        .await
        .unwrap();
        // over the approved amount by one fen: refused, nothing written
        let e = act(
            &store,
            &cfg,
            &zone,
            Capacity::Zone,
            &Scope::Zone,
            first.id,
            &input("拨付", "1200000.01"),
        )
        .await
        .unwrap_err();
        assert!(e.to_string().contains("超过核准金额"), "{e}");
        let p = store.payout(&Scope::Zone, first.id).await.unwrap().unwrap();
        assert_eq!((p.state.as_str(), p.paid_fen), ("核减", None));
        // a payment dated before the approval: refused
        let mut early = input("拨付", "1200000");
        early.date = "2020-01-02".into();
        let e = act(
            &store,
            &cfg,
            &zone,
            Capacity::Zone,
            &Scope::Zone,
            first.id,
            &early,
        )
        .await
        .unwrap_err();
        assert!(e.to_string().contains("不能早于核准日期"), "{e}");
        // exactly the approved amount: paid
        act(
            &store,
            &cfg,
            &zone,
            Capacity::Zone,
            &Scope::Zone,
            first.id,
            &input("拨付", "1200000"),
        )
        .await
        .unwrap();
        let p = store.payout(&Scope::Zone, first.id).await.unwrap().unwrap();
        assert_eq!((p.state.as_str(), p.paid_fen), ("拨付", Some(120_000_000)));
        after_payment(&store, &cfg, &f, &all, first.id).await;
    }
}

/// The rest of the walk: a second payment refused, 公示, the history and its audit events, a
/// stale version refused.
async fn after_payment(
    store: &Store,
    cfg: &PayoutConfig,
    f: &[(String, String)],
    all: &[PayoutRow],
    first_id: i64,
) {
    let zone = zone_admin("a1");
    // a second payment: refused
    let e = act(
        store,
        cfg,
        &zone,
        Capacity::Zone,
        &Scope::Zone,
        first_id,
        &input("拨付", "1"),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("不能重复拨付"), "{e}");
    // 公示 (the policy requires it)
    act(
        store,
        cfg,
        &zone,
        Capacity::Zone,
        &Scope::Zone,
        first_id,
        &input("公示", ""),
    )
    .await
    .unwrap();
    let steps = store.payout_steps(&Scope::Zone, first_id).await.unwrap();
    assert_eq!(
        steps.iter().map(|s| s.step.as_str()).collect::<Vec<_>>(),
        ["测算", "申报", "核减", "拨付", "公示"]
    );
    assert_eq!(steps[2].reason, "研发费用核减");
    // every step is in the audit trail with the park set
    let park = Scope::Park(gaoxin_model::ParkId::parse(&f[0].1).unwrap());
    let n = store
        .audit_count(
            &park,
            &gaoxin_store::AuditFilter {
                action: Some("payout".into()),
                subject: Some(format!("payout:{}", first_id)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(n, 5);
    // a stale version is refused
    let second = all.iter().find(|p| p.uscc == f[1].0).unwrap();
    assert_eq!(second.state, "免申");
    let mut stale = input("核准", "");
    stale.version = second.version + 7;
    assert!(matches!(
        act(
            store,
            cfg,
            &zone,
            Capacity::Zone,
            &Scope::Zone,
            second.id,
            &stale
        )
        .await,
        Err(PayoutError::Conflict)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paying_a_firm_no_longer_eligible_needs_another_administrator() {
    let cfg = PayoutConfig::load().unwrap();
    for store in testing::all().await.unwrap() {
        let f = firms(&store).await;
        store_run(&store, "rules-2024-a", &f, &[(0, UNICORN, 10_000, true)]).await;
        let year = Year::new(2024).unwrap();
        let a1 = zone_admin("a1");
        let a2 = zone_admin("a2");
        sync(&store, &a1, year).await.unwrap();
        let id = list(&store, &Scope::Zone, &PayoutFilter::default())
            .await
            .unwrap()[0]
            .id;
        act(
            &store,
            &cfg,
            &a1,
            Capacity::Zone,
            &Scope::Zone,
            id,
            &input("核准", ""),
        )
        .await
        .unwrap();
        // a newer run in which the firm no longer qualifies
        store_run(&store, "rules-2024-b", &f, &[(0, UNICORN, 0, true)]).await;
        let done = act(
            &store,
            &cfg,
            &a1,
            Capacity::Zone,
            &Scope::Zone,
            id,
            &input("拨付", "100"),
        )
        .await
        .unwrap();
        assert_eq!(done.state, "待复核");
        assert!(done.message.contains("另一名高新区管理员"));
        // not by the one who asked
        let e = act(
            &store,
            &cfg,
            &a1,
            Capacity::Zone,
            &Scope::Zone,
            id,
            &input("复核通过", ""),
        )
        .await
        .unwrap_err();
        assert!(e.to_string().contains("另一名"), "{e}");
        act(
            &store,
            &cfg,
            &a2,
            Capacity::Zone,
            &Scope::Zone,
            id,
            &input("复核通过", ""),
        )
        .await
        .unwrap();
        let p = store.payout(&Scope::Zone, id).await.unwrap().unwrap();
        assert_eq!((p.state.as_str(), p.paid_fen), ("拨付", Some(10_000)));
    }
}
