//! The parts of a condition: its comparisons (with the unit, the sentence and a founding date's
//! exact age), the conditions it names, other rules' verdicts, and the basis lines (recorded
//! facts used, the years an `ever` checked).
use super::*;

/// Basis lines: the recorded-fact markers of [`collect_parts`] grouped per fact and basis
/// (「依据：无「入选南京市独角兽企业榜单」记录（2021、2022、2023年），按条件推断」), other lines
/// kept in order.
pub(super) fn group_basis(basis: Vec<String>) -> Vec<String> {
    let mut groups: Vec<(bool, String, Vec<String>)> = Vec::new();
    let mut out = Vec::new();
    for b in basis {
        let mut it = b.strip_prefix('\u{1}').map(|r| r.split('\u{1}'));
        match it.as_mut().map(|i| (i.next(), i.next(), i.next())) {
            Some((Some(t), Some(name), Some(y))) => {
                let taken = t == "1";
                match groups.iter_mut().find(|g| g.0 == taken && g.1 == name) {
                    Some(g) => g.2.push(y.to_string()),
                    None => groups.push((taken, name.to_string(), vec![y.to_string()])),
                }
            }
            _ => out.push(b),
        }
    }
    let mut lines: Vec<String> = groups
        .into_iter()
        .map(|(taken, name, mut years)| {
            years.sort();
            if taken {
                format!(
                    "依据：有「{name}」记录（{}年），按记录判定",
                    years.join("、")
                )
            } else {
                format!(
                    "依据：无「{name}」记录（{}年），按条件推断",
                    years.join("、")
                )
            }
        })
        .collect();
    lines.extend(out);
    lines
}

#[allow(clippy::too_many_arguments)]
pub(super) fn collect_parts(
    plan: &Plan,
    rule: &RulePlan,
    year: i32,
    root: NodeId,
    n: NodeId,
    buf: &Buffers,
    parts: &mut Vec<Part>,
    subs: &mut Vec<String>,
    basis: &mut Vec<String>,
) {
    if n != root
        && let Some(c) = rule.conditions.iter().find(|c| c.node == n)
    {
        if !subs.contains(&c.zh) {
            subs.push(c.zh.clone());
        }
        return;
    }
    // Another rule's verdict (`ref`) below the condition: one labelled line, not its parts.
    if n != root
        && let Some((_, name, off)) = plan.refs.iter().find(|(r, ..)| *r == n)
    {
        let (v, s) = buf.get(n, 0);
        let verdict = Verdict::of(v, s);
        let what = format!("{name}（{}年）", year - *off as i32);
        if !parts.iter().any(|p| p.what == what) {
            parts.push(Part {
                text: format!("{what}：{}", verdict.zh()),
                what,
                verdict,
                have: quantity(v, s, Unit::Flag),
                op: CmpOp::Eq,
                need: quantity(1.0, OK, Unit::Flag),
            });
        }
        return;
    }
    // `ever(…)`: say which earlier years were checked (list begun, firm founded).
    if plan.evers.contains(&n)
        && let Op::Any(terms) = &plan.ops[n as usize]
    {
        let b = ever_basis(plan, year, terms, buf);
        if !basis.contains(&b) {
            basis.push(b);
        }
        // The parts of each year that counts; the gates that pick the years (year ≥ list
        // begun, year ≥ founded) are said above, not listed once per year.
        for t in terms {
            if let Op::If(g, e, _) = &plan.ops[*t as usize] {
                let (v, s) = buf.get(*g, 0);
                if s == OK && v != 0.0 {
                    collect_parts(plan, rule, year, root, *e, buf, parts, subs, basis);
                }
            }
        }
        return;
    }
    match &plan.ops[n as usize] {
        Op::Cmp(op, a, b) => parts.push(cmp_part(plan, rule, year, n, *op, *a, *b, buf)),
        Op::All(v) | Op::Any(v) => {
            for c in v {
                collect_parts(plan, rule, year, root, *c, buf, parts, subs, basis);
            }
        }
        Op::Not(a) => collect_parts(plan, rule, year, root, *a, buf, parts, subs, basis),
        Op::If(c, a, b) => {
            // Only the branch taken for this firm is explained; `if(present(fact), …)` says
            // which basis was used (a recorded fact, or the criteria).
            let (cv, cs) = buf.get(*c, 0);
            let taken = cs == OK && cv != 0.0;
            if let Op::Present(x) = &plan.ops[*c as usize]
                && let Op::Fact { field, offset } = &plan.ops[*x as usize]
            {
                let name = field_name(*field as usize);
                let y = year - *offset as i32;
                // Grouped by `group_basis` into one line per fact and basis.
                let b = format!("\u{1}{}\u{1}{name}\u{1}{y}", taken as u8);
                if !basis.contains(&b) {
                    basis.push(b);
                }
            }
            if cs == MISS {
                collect_parts(plan, rule, year, root, *a, buf, parts, subs, basis);
                collect_parts(plan, rule, year, root, *b, buf, parts, subs, basis);
            } else if taken {
                collect_parts(plan, rule, year, root, *a, buf, parts, subs, basis);
            } else {
                collect_parts(plan, rule, year, root, *b, buf, parts, subs, basis);
            }
        }
        _ => {}
    }
}

/// The earlier years an `ever(…)` (children `terms`) checked: from the list's first year and the
/// firm's founding.
fn ever_basis(plan: &Plan, year: i32, terms: &[NodeId], buf: &Buffers) -> String {
    let off = terms
        .first()
        .and_then(|t| match &plan.ops[*t as usize] {
            Op::If(g, ..) => match &plan.ops[*g as usize] {
                Op::All(v) => v.first().and_then(|c| match &plan.ops[*c as usize] {
                    Op::Cmp(_, y, _) => match plan.ops[*y as usize] {
                        Op::Attr(crate::plan::Attr::Year, o) => Some(o as i32 - 1),
                        _ => None,
                    },
                    _ => None,
                }),
                _ => None,
            },
            _ => None,
        })
        .unwrap_or(0);
    let years: Vec<String> = terms
        .iter()
        .enumerate()
        .filter(|(_, t)| match &plan.ops[**t as usize] {
            Op::If(g, ..) => {
                let (v, s) = buf.get(*g, 0);
                s == OK && v != 0.0
            }
            _ => false,
        })
        .map(|(k, _)| (year - off - k as i32 - 1).to_string())
        .rev()
        .collect();
    if years.is_empty() {
        format!(
            "{}年以前没有可检查的年度（榜单发布以来、企业成立以来的年度）",
            year - off
        )
    } else {
        format!("{}年以前已检查：{}", year - off, years.join("、"))
    }
}

/// The part of a comparison node `n` (`a op b`): what is compared, have and need in the
/// comparison's unit, and the sentence.
#[allow(clippy::too_many_arguments)]
fn cmp_part(
    plan: &Plan,
    rule: &RulePlan,
    year: i32,
    n: NodeId,
    op: CmpOp,
    a: NodeId,
    b: NodeId,
    buf: &Buffers,
) -> Part {
    let (av, as_) = buf.get(a, 0);
    let (bv, bs) = buf.get(b, 0);
    let (v, s) = buf.get(n, 0);
    let ua = plan.units[a as usize];
    let ub = plan.units[b as usize];
    let unit = if ua == Unit::Plain { ub } else { ua };
    let mut have = quantity(av, as_, unit);
    let mut need = quantity(bv, bs, unit);
    if as_ == OK && bs == OK {
        // Enough digits that a have which differs from the need never looks equal to it.
        (have.text, need.text) = fmt::distinct(av, bv, unit);
    }
    let verdict = Verdict::of(v, s);
    let what = match &plan.ops[a as usize] {
        Op::Fact { field, offset } => format!(
            "{}（{}年）",
            field_name(*field as usize),
            year - *offset as i32
        ),
        Op::Attr(at, _) => at.zh().to_string(),
        _ => rule
            .items
            .iter()
            .find(|i| i.node == a)
            .map(|i| i.zh.clone())
            .unwrap_or_default(),
    };
    // Dates are earlier / later, not lower / higher.
    let op_zh = if unit == Unit::Date {
        match op {
            CmpOp::Lt => "早于",
            CmpOp::Le => "不晚于",
            CmpOp::Gt => "晚于",
            CmpOp::Ge => "不早于",
            o => o.zh(),
        }
    } else {
        op.zh()
    };
    let mut text = if what.is_empty() {
        format!("需{op_zh}{}，实际{}", need.text, have.text)
    } else {
        format!("{what}：需{op_zh}{}，实际{}", need.text, have.text)
    };
    // A founding date against a bound: the reference date and the exact age.
    if matches!(
        plan.ops[a as usize],
        Op::Attr(crate::plan::Attr::Founded, _)
    ) && as_ == OK
        && let Some(f) = gaoxin_model::Date::from_int(av as i64)
    {
        text.push_str(&format!(
            "（至评价基准日{}{}）",
            plan.as_of,
            exact_age(f, plan.as_of)
        ));
    }
    Part {
        what,
        verdict,
        have,
        op,
        need,
        text,
    }
}
