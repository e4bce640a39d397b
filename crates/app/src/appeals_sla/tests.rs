use super::*;
use crate::appeals::tests::stores_with_firms;
use crate::appeals::{Actor, Filing, Move, act, file};
use crate::appeals_data::{china_date, tests::shipped};
use crate::appeals_flow::Action;

fn row(state: &str, start: i64, limit: i64, pauses: &str) -> AppealRow {
    AppealRow {
        id: 1,
        uscc: String::new(),
        firm_name: String::new(),
        park: "jiangbei".into(),
        category: "审批".into(),
        suggested_category: None,
        title: String::new(),
        description: String::new(),
        contact: String::new(),
        channel: "企业".into(),
        rule_file: None,
        department: None,
        state: state.into(),
        escalated: false,
        reopened: 0,
        filed_at: 0,
        filed_on: start,
        filed_by: String::new(),
        limit_days: limit,
        clock_start: start,
        pauses: pauses.into(),
        replied_on: None,
        closed_on: None,
        satisfied: None,
        resolved: None,
    }
}

fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

#[test]
fn levels_across_the_spring_festival() {
    // accepted Fri 2026-02-13, 3 working days (calendar.md's worked example): due Wed 02-25;
    // warnings at ≤ 2 left, escalation 2 working days past the limit
    let cfg = shipped();
    let r = row("办理", 20260213, 3, "");
    let at = |s: &str| sla(&cfg, &r, d(s));
    assert_eq!(at("2026-02-13").due, Some(d("2026-02-25")));
    assert_eq!(at("2026-02-13").level, Level::Normal);
    assert_eq!(at("2026-02-14").level, Level::Warning); // make-up Saturday: 1 used, 2 left
    assert_eq!(at("2026-02-20").level, Level::Warning); // holiday: still 1 used
    assert_eq!(at("2026-02-25").left, 0);
    assert_eq!(at("2026-02-25").level, Level::Warning);
    assert_eq!(at("2026-02-26").level, Level::Overdue);
    assert_eq!(at("2026-02-26").left, -1);
    assert_eq!(at("2026-02-27").level, Level::Escalate);
    assert_eq!(at("2026-02-28").left, -3); // make-up Saturday counts
    // replied: no reply limit; waiting for the firm: paused
    assert_eq!(
        sla(&cfg, &row("答复", 20260213, 3, ""), d("2026-03-30")).level,
        Level::Done
    );
    let p = row("待企业补充", 20260213, 3, "20260214-");
    assert_eq!(sla(&cfg, &p, d("2026-03-30")).level, Level::Paused);
    assert_eq!(sla(&cfg, &p, d("2026-03-30")).used, 1);
    // a year without a calendar file: not a guess
    let late = sla(&cfg, &row("办理", 20261225, 10, ""), d("2027-01-05"));
    assert_eq!(late.level, Level::Unknown);
    assert!(late.error.unwrap().contains("2027"));
}

#[test]
fn pauses_round_trip() {
    let s = "20250305-20250310;20250312-";
    assert_eq!(pauses_text(&parse_pauses(s)), s);
    assert!(parse_pauses("").is_empty());
    assert_eq!(parse_pauses("garbage;20250101-").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweep_lists_and_escalates_once() {
    let cfg = shipped();
    for (store, firms) in stores_with_firms().await {
        let e = &firms[0];
        let firm = Actor::user("firm", &gaoxin_store::Role::Enterprise(e.uscc.clone()));
        let admin = Actor::user("admin", &gaoxin_store::Role::ZoneAdmin);
        let mon = 1_740_967_200; // 2025-03-03
        let f = Filing {
            uscc: e.uscc.as_str().into(),
            category: "审批".into(), // 5 working days
            description: "施工许可证迟迟未批".into(),
            contact: "李 139".into(),
            channel: "企业".into(),
            ..Default::default()
        };
        let a = file(&store, &cfg, &firm, &f, mon).await.unwrap();
        let b = file(&store, &cfg, &firm, &f, mon + 4 * 86_400)
            .await
            .unwrap();
        let c = file(&store, &cfg, &firm, &f, mon).await.unwrap();
        // c is answered in time: off the lists
        for x in [Action::Assign, Action::Sign, Action::Start] {
            act(
                &store,
                &cfg,
                &admin,
                c,
                &Move {
                    action: x,
                    note: String::new(),
                    department: String::new(),
                    resolved: false,
                },
                mon,
            )
            .await
            .unwrap();
        }
        act(
            &store,
            &cfg,
            &admin,
            c,
            &Move {
                action: Action::Reply,
                note: "已办".into(),
                department: String::new(),
                resolved: false,
            },
            mon,
        )
        .await
        .unwrap();
        // Thu 03-13: a is 8 working days old (limit 5, escalate at 2 past) ; b (filed 03-07) 4
        let today = d("2025-03-13");
        let r = sweep(&store, &cfg, &Scope::Zone, today, false, mon)
            .await
            .unwrap();
        assert_eq!(r.checked, 3);
        assert_eq!(
            r.overdue.iter().map(|i| i.row.id).collect::<Vec<_>>(),
            vec![a]
        );
        assert_eq!(
            r.warnings.iter().map(|i| i.row.id).collect::<Vec<_>>(),
            vec![b]
        );
        assert!(r.escalated.is_empty());
        let r = sweep(&store, &cfg, &Scope::Zone, today, true, mon)
            .await
            .unwrap();
        assert_eq!(r.escalated, vec![a]);
        let again = sweep(&store, &cfg, &Scope::Zone, today, true, mon)
            .await
            .unwrap();
        assert!(again.escalated.is_empty(), "escalated once");
        let h = store.appeal_transitions(&Scope::Zone, a).await.unwrap();
        assert_eq!(h.last().unwrap().action, "提级");
        assert_eq!(h.last().unwrap().actor, "系统");
        // one audit entry for the sweep's escalation in the appeal's park, by the system
        let f = gaoxin_store::AuditFilter {
            action: Some("appeal.escalate".into()),
            ..Default::default()
        };
        let es = store.audit_entries(&Scope::Zone, &f, 10, 0).await.unwrap();
        assert_eq!(es.len(), 1, "{es:?}");
        assert_eq!(es[0].event.actor, "system");
        assert_eq!(es[0].event.park.as_deref(), Some(e.park.as_str()));
        assert!(es[0].event.detail.contains(&a.to_string()), "{:?}", es[0]);
        // scoped: the firm's park sees its own, another park nothing
        let other = firms
            .iter()
            .find(|x| x.park != e.park)
            .unwrap()
            .park
            .clone();
        let r = sweep(&store, &cfg, &Scope::Park(other), today, false, mon)
            .await
            .unwrap();
        assert_eq!(r.checked, 0);
        assert_eq!(china_date(mon).to_string(), "2025-03-03");
    }
}
