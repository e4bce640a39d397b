use super::*;
use crate::appeals_data::tests::shipped;

fn row(id: i64, uscc: &str, cat: &str, filed: i64, state: &str) -> AppealRow {
    AppealRow {
        id,
        uscc: uscc.into(),
        firm_name: String::new(),
        park: "jiangbei".into(),
        category: cat.into(),
        suggested_category: None,
        title: String::new(),
        description: String::new(),
        contact: String::new(),
        channel: "企业".into(),
        rule_file: None,
        department: Some("keji".into()),
        state: state.into(),
        escalated: false,
        reopened: 0,
        filed_at: 0,
        filed_on: filed,
        filed_by: String::new(),
        limit_days: 10,
        clock_start: filed,
        pauses: String::new(),
        replied_on: None,
        closed_on: None,
        satisfied: None,
        resolved: None,
    }
}

fn t(id: i64, seq: i64, on: i64, action: &str, satisfied: Option<bool>) -> TransitionRow {
    TransitionRow {
        appeal_id: id,
        seq,
        at: 0,
        on_date: on,
        actor: "x".into(),
        role: "x".into(),
        action: action.into(),
        from_state: None,
        to_state: String::new(),
        note: String::new(),
        department: None,
        satisfied,
        resolved: satisfied,
    }
}

#[test]
fn rates_medians_and_repeats() {
    let cfg = shipped();
    // 1: replied after 3 working days with a 2-day wait for the firm in between (→ 3), closed
    //    satisfied after a 重办; 2: closed satisfied but not solved; 3: open, a repeat of 1
    let mut a = row(1, "F1", "融资", 20250303, "办结");
    a.reopened = 1;
    a.replied_on = Some(20250310);
    a.satisfied = Some(true);
    a.resolved = Some(true);
    let mut b = row(2, "F2", "融资", 20250304, "办结");
    b.replied_on = Some(20250305);
    b.satisfied = Some(true);
    b.resolved = Some(false);
    let c = row(3, "F1", "融资", 20250401, "办理");
    let h = vec![
        t(1, 1, 20250303, "受理", None),
        t(1, 2, 20250304, "待企业补充", None),
        t(1, 3, 20250306, "企业补充", None),
        t(1, 4, 20250307, "答复", None),
        t(1, 5, 20250310, "重办", Some(false)),
        t(1, 6, 20250312, "答复", None),
        t(1, 7, 20250313, "回访", Some(true)),
        t(1, 8, 20250314, "办结", None),
        t(2, 1, 20250304, "受理", None),
        t(2, 2, 20250305, "答复", None),
        t(2, 3, 20250306, "回访", Some(true)),
        t(2, 4, 20250307, "办结", None),
    ];
    let m = measures(
        &cfg,
        &[a, b, c],
        &h,
        Dimension::Category,
        Period::All,
        &|p| p.to_string(),
    );
    assert_eq!(m.len(), 1);
    let m = &m[0];
    assert_eq!((m.filed, m.closed, m.resolved), (3, 2, 1));
    assert_eq!(m.resolution_rate(), Some(0.5));
    assert_eq!((m.visits, m.satisfied_visits), (3, 2));
    assert_eq!(pct(m.satisfaction_rate()), "66.7%");
    assert_eq!(m.reopen_rate(), Some(0.5));
    assert_eq!(m.repeats, 1);
    // reply days: 1 → 03-03..03-07 = 4 working days minus 03-05, 03-06 paused = 2; 2 → 1
    assert_eq!(m.median_reply_days, Some(1.5));
    // resolve days: 1 → 03-03..03-14 = 9 minus 2 paused = 7; 2 → 03-04..03-07 = 3
    assert_eq!(m.median_resolve_days, Some(5.0));
    // by month: March and April apart
    let by = measures(
        &cfg,
        &[
            row(1, "F", "融资", 20250303, "办理"),
            row(2, "F", "人才", 20250401, "办理"),
        ],
        &[],
        Dimension::Department,
        Period::Month,
        &|p| p.to_string(),
    );
    assert_eq!(
        by.iter().map(|r| r.period.as_str()).collect::<Vec<_>>(),
        ["2025-03", "2025-04"]
    );
    assert_eq!(by[0].name, "科技创新局");
    assert_eq!(by[0].resolution_rate(), None);
    assert_eq!(pct(None), "—");
    assert!(Dimension::parse("x").is_err());
    assert_eq!(Period::parse("year"), Ok(Period::Year));
}
