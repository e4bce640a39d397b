use super::*;
use crate::payout_data::load_calendar;

fn row(id: i64, park: &str, state: &str, computed: i64) -> PayoutRow {
    PayoutRow {
        id,
        uscc: format!("U{id}"),
        firm_name: format!("企业{id}"),
        park: park.into(),
        year: 2025,
        rule: "r1".into(),
        rule_version: "1".into(),
        run_id: "run".into(),
        computed_fen: computed,
        channel: "申报".into(),
        state: state.into(),
        approved_fen: None,
        paid_fen: None,
        approved_on: None,
        paid_on: None,
        published_on: None,
        flagged: false,
        supply: "审计报告\n知识产权证明".into(),
        version: 1,
    }
}

fn paid(id: i64, park: &str, approved_on: i64, paid_on: i64, amount: i64) -> PayoutRow {
    PayoutRow {
        approved_fen: Some(amount),
        paid_fen: Some(amount),
        approved_on: Some(approved_on),
        paid_on: Some(paid_on),
        ..row(id, park, "拨付", amount)
    }
}

#[test]
fn entitled_vs_paid_by_park_with_a_total() {
    let mut flagged = row(4, "b", "测算", 999);
    flagged.flagged = true;
    let rows = vec![
        paid(1, "a", 20250303, 20250310, 100),
        row(2, "a", "测算", 50),
        paid(3, "b", 20250303, 20250304, 70),
        flagged,
    ];
    let g = groups(&rows, Dimension::Park, &|k| format!("园区{k}"));
    assert_eq!(g.len(), 3);
    assert_eq!(
        (
            g[0].name.as_str(),
            g[0].entitled,
            g[0].entitled_fen,
            g[0].paid,
            g[0].paid_fen,
            g[0].unpaid
        ),
        ("园区a", 2, 150, 1, 100, 1)
    );
    // the flagged firm is not entitled
    assert_eq!((g[1].entitled, g[1].paid), (1, 1));
    assert_eq!(
        (g[2].name.as_str(), g[2].entitled, g[2].paid_fen),
        ("合计", 3, 170)
    );
    assert_eq!(g[2].paid_rate(), Some(2.0 / 3.0));
}

#[test]
fn never_paid_says_where_each_stalls_and_what_to_supply() {
    let mut rejected = row(3, "a", "不予核准", 10);
    rejected.year = 2024;
    let mut exempt = row(2, "a", "免申", 10);
    exempt.channel = "免申".into();
    let rows = vec![
        row(1, "a", "测算", 10),
        exempt,
        rejected,
        paid(4, "a", 20250303, 20250304, 5),
    ];
    let reasons = HashMap::from([(3, "材料不实".to_string())]);
    let s = never_paid(&rows, &reasons);
    assert_eq!(s.iter().map(|x| x.id).collect::<Vec<_>>(), vec![2, 1, 3]);
    let first = s.iter().find(|x| x.id == 1).unwrap();
    assert_eq!(first.waits_on, "待企业申报");
    assert_eq!(first.supply, vec!["审计报告", "知识产权证明"]);
    let ex = s.iter().find(|x| x.id == 2).unwrap();
    assert_eq!(ex.waits_on, "待高新区审核");
    assert!(ex.supply.is_empty());
    assert_eq!(s.iter().find(|x| x.id == 3).unwrap().reason, "材料不实");
}

#[test]
fn days_from_approval_to_payment_are_working_days() {
    let cal = load_calendar().unwrap();
    // 2025-09-30 (Tue) → 2025-10-09 (Thu): the National Day holiday 10-01..10-08 is not counted,
    // and 10-11 (Sat) is a 调休 working day after it; 10-09 is the first working day after
    let rows = vec![
        paid(1, "a", 20250930, 20251009, 1),
        paid(2, "a", 20250303, 20250307, 1), // Mon → Fri: 4
        paid(3, "a", 20250303, 20250304, 1), // 1
        PayoutRow {
            approved_on: None,
            ..paid(4, "a", 0, 20250304, 1)
        },
    ];
    let (_, d) = approved_unpaid(&rows, &cal, 20251201);
    assert_eq!(d.paid, 4);
    assert_eq!(d.uncounted, 1);
    assert_eq!(d.max, Some(4));
    // (1, 1, 4): the 9-30 → 10-09 payment took one working day
    assert_eq!(d.median, Some(1.0));
    let mut waiting = row(5, "a", "核准", 30);
    waiting.approved_fen = Some(30);
    waiting.approved_on = Some(20251124);
    let (w, _) = approved_unpaid(&[waiting], &cal, 20251201);
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].working_days, Some(5));
}

#[test]
fn the_fund_share_is_read_against_the_floor_exactly() {
    let cfg = PayoutConfig::load().unwrap();
    let line = |cat: &str, src: &str, fen: i64| FundLine {
        year: 2025,
        category: cat.into(),
        source: src.into(),
        amount_fen: fen,
        entered_by: "a".into(),
        entered_at: 0,
        note: String::new(),
    };
    let mut lines = vec![
        line("企业培育", "市级", 1_500),
        line("集群", "市级", 499),
        line("集群", "区级", 10_000),
        line(CITY_TOTAL, "市级", 10_000),
    ];
    let y = fund_years(&cfg, &lines);
    assert_eq!(y.len(), 1);
    assert_eq!(y[0].categories[0], ("企业培育".to_string(), 1_500));
    assert_eq!(y[0].categories[3], ("集群".to_string(), 10_499));
    assert_eq!((y[0].city_sourced_fen, y[0].total_fen), (1_999, 11_999));
    // 19.99% < 20%: one fen short
    assert_eq!(y[0].status, "未达成");
    lines[1].amount_fen = 500;
    assert_eq!(fund_years(&cfg, &lines)[0].status, "已达成");
    lines.pop();
    assert_eq!(fund_years(&cfg, &lines)[0].status, "需要数据");
}
