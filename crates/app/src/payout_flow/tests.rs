use super::*;

const CAPS: [Capacity; 4] = [
    Capacity::Firm,
    Capacity::Park,
    Capacity::Zone,
    Capacity::System,
];

fn facts(exempt: bool, publicity: bool, reduced: bool) -> Facts {
    Facts {
        exempt_channel: exempt,
        publicity,
        reduced,
    }
}

/// The complete table of allowed moves: (from, action, who, exempt channel, publicity, reduced) → to.
/// `None` for a flag: any value.
fn expected(from: State, a: Action, who: Capacity, f: Facts) -> Option<State> {
    use Action as A;
    use Capacity as C;
    use State as S;
    let zone = who == C::Zone;
    match (from, a) {
        (S::Computed, A::Apply)
            if !f.exempt_channel && matches!(who, C::Firm | C::Park | C::Zone) =>
        {
            Some(S::Applied)
        }
        (S::Computed, A::Exempt) if f.exempt_channel && matches!(who, C::System | C::Zone) => {
            Some(S::Exempt)
        }
        (S::Applied | S::Exempt, A::Approve) if zone => Some(S::Approved),
        (S::Applied | S::Exempt, A::Reduce) if zone => Some(S::Reduced),
        (S::Applied | S::Exempt, A::Reject) if zone => Some(S::Rejected),
        (S::Approved | S::Reduced, A::Pay) if zone => Some(S::Paid),
        (S::PendingReview, A::ConfirmPay) if zone => Some(S::Paid),
        (S::PendingReview, A::ReturnPay) if zone => {
            Some(if f.reduced { S::Reduced } else { S::Approved })
        }
        (S::Paid, A::Publish) if zone && f.publicity => Some(S::Published),
        _ => None,
    }
}

#[test]
fn every_move_is_allowed_or_refused_as_the_table_says() {
    let mut allowed_count = 0;
    let mut refused_count = 0;
    for from in STATES {
        for a in ACTIONS {
            for who in CAPS {
                for bits in 0..8u8 {
                    let f = facts(bits & 1 != 0, bits & 2 != 0, bits & 4 != 0);
                    let got = next(from, a, who, f);
                    match expected(from, a, who, f) {
                        Some(to) => {
                            assert_eq!(got, Ok(to), "{from} {} by {:?} {f:?}", a.zh(), who);
                            allowed_count += 1;
                        }
                        None => {
                            let msg = got.expect_err(&format!(
                                "{from} {} by {:?} {f:?} must be refused",
                                a.zh(),
                                who
                            ));
                            assert!(
                                !msg.is_empty() && !msg.is_ascii(),
                                "a Chinese reason: {msg}"
                            );
                            refused_count += 1;
                        }
                    }
                }
            }
        }
    }
    assert!(
        allowed_count > 40 && refused_count > 1000,
        "{allowed_count} {refused_count}"
    );
}

#[test]
fn refusals_say_why() {
    let f = facts(false, false, false);
    assert_eq!(
        next(State::Applied, Action::Approve, Capacity::Park, f).unwrap_err(),
        "「核准」只能由高新区管理员办理（当前：园区管理员）"
    );
    assert_eq!(
        next(
            State::Computed,
            Action::Apply,
            Capacity::Firm,
            facts(true, false, false)
        )
        .unwrap_err(),
        "该奖励为免申即享，无需申报"
    );
    assert_eq!(
        next(State::Paid, Action::Pay, Capacity::Zone, f).unwrap_err(),
        "该奖励已拨付，不能重复拨付"
    );
    assert_eq!(
        next(State::Paid, Action::Publish, Capacity::Zone, f).unwrap_err(),
        "该政策无需公示"
    );
    assert_eq!(
        next(State::Computed, Action::Approve, Capacity::Zone, f).unwrap_err(),
        "当前状态「测算」不能办理「核准」"
    );
}

#[test]
fn allowed_lists_the_forms_a_page_shows() {
    let f = facts(false, true, false);
    assert_eq!(
        allowed(State::Computed, Capacity::Firm, f),
        vec![Action::Apply]
    );
    assert_eq!(
        allowed(State::Applied, Capacity::Zone, f),
        vec![Action::Approve, Action::Reduce, Action::Reject]
    );
    assert!(allowed(State::Applied, Capacity::Firm, f).is_empty());
    assert_eq!(
        allowed(State::Paid, Capacity::Zone, f),
        vec![Action::Publish]
    );
    assert!(allowed(State::Published, Capacity::Zone, f).is_empty());
    assert!(allowed(State::Rejected, Capacity::Zone, f).is_empty());
}

#[test]
fn states_and_actions_parse_from_their_words() {
    for s in STATES {
        assert_eq!(State::parse(s.zh()), Ok(s));
    }
    for a in ACTIONS {
        assert_eq!(Action::parse(a.zh()), Ok(a));
        assert_eq!(Action::parse(a.key()), Ok(a));
    }
    assert!(State::parse("已完成").unwrap_err().contains("可选"));
}

fn pay(computed: i64, approved: Option<i64>, paid: Option<i64>, eligible: bool) -> PayFacts {
    PayFacts {
        computed_fen: computed,
        approved_fen: approved,
        paid_fen: paid,
        eligible_now: eligible,
    }
}

#[test]
fn payments_over_the_approved_amount_or_twice_are_refused() {
    // exactly the approved amount, to the fen: paid
    assert_eq!(
        check_payment(pay(20000, Some(15000), None, true), 15000),
        PayCheck::Pay
    );
    // one fen more: refused, naming both amounts
    match check_payment(pay(20000, Some(15000), None, true), 15001) {
        PayCheck::Refused(m) => {
            assert!(m.contains("超过核准金额"), "{m}");
            assert!(m.contains("150.01") && m.contains("150.00"), "{m}");
        }
        other => panic!("{other:?}"),
    }
    // no approval recorded: the computed amount is the limit
    assert!(matches!(
        check_payment(pay(100, None, None, true), 101),
        PayCheck::Refused(m) if m.contains("超过测算金额")
    ));
    // a second payment
    assert!(matches!(
        check_payment(pay(100, Some(100), Some(100), true), 1),
        PayCheck::Refused(m) if m.contains("不能重复拨付")
    ));
    assert!(matches!(
        check_payment(pay(100, Some(100), None, true), 0),
        PayCheck::Refused(_)
    ));
    // a firm that no longer qualifies: a second administrator
    assert!(matches!(
        check_payment(pay(100, Some(100), None, false), 100),
        PayCheck::SecondApproval(m) if m.contains("另一名高新区管理员")
    ));
    assert!(may_confirm("a", "a").is_err());
    assert!(may_confirm("a", "b").is_ok());
    // the command line's user is the account of the same name
    assert!(may_confirm("a", "cli:a").is_err());
    assert!(may_confirm("cli:A", "a").is_err());
    assert!(may_confirm("cli:a", "cli:b").is_ok());
}
