//! Every (state, action, capacity) triple against a table written out by hand.
use super::*;

const WHO: [Who; 5] = [Who::Firm, Who::Handler, Who::Park, Who::Zone, Who::System];

/// (from, action key, to, who may) — every allowed move; everything else is refused.
const ALLOWED: &[(&str, &str, &str, &str)] = &[
    ("受理", "assign", "交办", "park zone"),
    ("交办", "sign", "签收", "handler zone"),
    ("签收", "start", "办理", "handler zone"),
    ("办理", "ask-firm", "待企业补充", "handler zone"),
    ("待企业补充", "supplement", "办理", "firm park zone"),
    ("办理", "reply", "答复", "handler zone"),
    ("答复", "visit-ok", "回访", "firm park zone"),
    ("答复", "visit-reopen", "办理", "firm park zone"),
    ("回访", "close", "办结", "park zone"),
    // 提级 keeps the state, from every open state
    ("受理", "escalate", "受理", "handler park zone system"),
    ("交办", "escalate", "交办", "handler park zone system"),
    ("签收", "escalate", "签收", "handler park zone system"),
    ("办理", "escalate", "办理", "handler park zone system"),
    (
        "待企业补充",
        "escalate",
        "待企业补充",
        "handler park zone system",
    ),
    ("答复", "escalate", "答复", "handler park zone system"),
    ("回访", "escalate", "回访", "handler park zone system"),
];

fn who_name(w: Who) -> &'static str {
    match w {
        Who::Firm => "firm",
        Who::Handler => "handler",
        Who::Park => "park",
        Who::Zone => "zone",
        Who::System => "system",
    }
}

#[test]
fn every_allowed_and_refused_move() {
    let mut allowed_seen = 0;
    for state in STATES {
        for action in ACTIONS {
            let row = ALLOWED
                .iter()
                .find(|r| r.0 == state.zh() && r.1 == action.key());
            for w in WHO {
                let got = next(state, action, &[w], false);
                match row {
                    Some((_, _, to, who)) if who.split(' ').any(|x| x == who_name(w)) => {
                        assert_eq!(
                            got,
                            Ok(State::parse(to).unwrap()),
                            "{state} {action:?} {w:?}"
                        );
                        allowed_seen += 1;
                    }
                    Some(_) => assert_eq!(
                        got,
                        Err(Refusal::NotAllowed { action }),
                        "{state} {action:?} {w:?}"
                    ),
                    None => assert_eq!(
                        got,
                        Err(Refusal::WrongState { action, state }),
                        "{state} {action:?} {w:?}"
                    ),
                }
            }
            // no capacity at all (a read-only analyst): refused whenever the state allows it
            if row.is_some() {
                assert_eq!(
                    next(state, action, &[], false),
                    Err(Refusal::NotAllowed { action })
                );
            }
        }
    }
    let expected: usize = ALLOWED.iter().map(|r| r.3.split(' ').count()).sum();
    assert_eq!(allowed_seen, expected);
}

#[test]
fn escalation_only_once_and_never_when_closed() {
    assert_eq!(
        next(State::Handling, Action::Escalate, &[Who::System], true),
        Err(Refusal::AlreadyEscalated)
    );
    assert!(matches!(
        next(State::Closed, Action::Escalate, &[Who::Zone], false),
        Err(Refusal::WrongState { .. })
    ));
}

#[test]
fn closing_needs_a_visit_record() {
    // 全量回访: 办结 only from 回访, never straight from 答复 or 办理
    for s in [State::Replied, State::Handling, State::Accepted] {
        assert!(next(s, Action::Close, &[Who::Zone], false).is_err(), "{s}");
    }
}

#[test]
fn allowed_lists_the_forms_and_capacities_combine() {
    assert_eq!(
        allowed(State::Replied, &[Who::Firm], false),
        vec![
            Action::Visit { satisfied: true },
            Action::Visit { satisfied: false }
        ]
    );
    // a park administrator handling a park-routed appeal has both capacities
    assert_eq!(
        allowed(State::Assigned, &[Who::Handler, Who::Park], false),
        vec![Action::Sign, Action::Escalate]
    );
    assert_eq!(
        allowed(State::Assigned, &[Who::Handler, Who::Park], true),
        vec![Action::Sign]
    );
    assert!(allowed(State::Closed, &[Who::Zone], false).is_empty());
}

#[test]
fn texts_round_trip() {
    for s in STATES {
        assert_eq!(State::parse(s.zh()), Ok(s));
    }
    for a in ACTIONS {
        assert_eq!(Action::from_key(a.key()), Ok(a));
    }
    assert!(State::parse("完成").unwrap_err().contains("可选"));
    assert!(Action::from_key("delete").is_err());
    assert!(
        Refusal::WrongState {
            action: Action::Close,
            state: State::Replied
        }
        .to_string()
        .contains("答复")
    );
}
