//! The broker's 对接 cases (issue 14): 推荐 → 意向 → 洽谈 → 签约 → 技术合同登记 → 回访, each move
//! with who, when and a note; a decline at any state before the contract with a coded reason
//! (`data/tech/tech.toml`); a 技术合同 record (登记号, 金额, 类型) moves a signed case to 技术合同登记.
//! Every change records one audit event (`case.open`, `case.move`, `case.decline`,
//! `case.contract`) with the firm's park. Statistics are pure functions of scoped reads.
use crate::audit::{self, Who};
use crate::tech::{TechConfig, add_days, parse_date_opt, today};
use gaoxin_model::{Money, Unit, Uscc};
use gaoxin_store::{CaseMove, CaseState, NewCase, Scope, Store, TechCase, TechContract};
use std::collections::BTreeMap;

/// Why a case change was refused (Chinese, for the user) or a store failure.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("{0}")]
    Invalid(String),
    /// Missing or out of scope (the caller's 404).
    #[error("未找到该对接案例")]
    NotFound,
    #[error(transparent)]
    Store(#[from] gaoxin_store::Error),
}

fn invalid<T>(m: impl Into<String>) -> Result<T, CaseError> {
    Err(CaseError::Invalid(m.into()))
}

/// Opens a case (推荐) for `uscc` and the result `result_id` (optionally one of the firm's demands).
#[allow(clippy::too_many_arguments)]
pub async fn open(
    store: &Store,
    cfg: &TechConfig,
    scope: &Scope,
    who: &Who,
    result_id: &str,
    uscc: &str,
    demand_id: Option<&str>,
    note: &str,
) -> Result<TechCase, CaseError> {
    let Ok(u) = Uscc::parse(uscc.trim()) else {
        return invalid(format!("统一社会信用代码「{}」无效", uscc.trim()));
    };
    let c = NewCase {
        result_id: result_id.trim().to_string(),
        demand_id: demand_id
            .map(|d| d.trim().to_string())
            .filter(|d| !d.is_empty()),
        uscc: u,
        broker: who.actor.clone(),
        follow_up: Some(add_days(today(), cfg.follow_up_days)),
        note: note.trim().to_string(),
    };
    let now = gaoxin_store::unix_now();
    let Some(case) = store.open_case(scope, &c, &who.actor, now).await? else {
        return invalid("企业不在您的权限范围内，或成果、需求不存在（需求须为该企业发布）");
    };
    audit::record(
        store,
        who,
        "case.open",
        Some(&case.park),
        &case.id,
        serde_json::json!({"result": case.result_id, "firm": case.uscc, "demand": case.demand_id}),
    )
    .await?;
    Ok(case)
}

/// Moves a case to `to` (key or Chinese word); a decline needs a reason code or name.
#[allow(clippy::too_many_arguments)]
pub async fn move_case(
    store: &Store,
    cfg: &TechConfig,
    scope: &Scope,
    who: &Who,
    id: &str,
    to: &str,
    reason: Option<&str>,
    note: &str,
) -> Result<TechCase, CaseError> {
    let Some(case) = store.tech_case(scope, id).await? else {
        return Err(CaseError::NotFound);
    };
    let Some(to) = CaseState::parse(to) else {
        return invalid(format!(
            "状态「{to}」不存在（可选：意向、洽谈、签约、回访、已放弃）"
        ));
    };
    if to == CaseState::Registered {
        return invalid(
            "登记技术合同请填写登记号、金额和类型（合同登记后案例自动进入「技术合同登记」）",
        );
    }
    if !case.state.may_become(to) {
        return invalid(format!(
            "案例处于「{}」，不能改为「{}」",
            case.state.zh(),
            to.zh()
        ));
    }
    let reason = match (to, reason.map(str::trim).filter(|r| !r.is_empty())) {
        (CaseState::Declined, None) => {
            return invalid(
                "放弃须选择原因（技术不成熟、价格不合适、领域不符、已有方案、知识产权不清、企业无预算、无回应、其他）",
            );
        }
        (CaseState::Declined, Some(r)) => match cfg.reason(r) {
            Some(c) => Some(c.code.clone()),
            None => return invalid(format!("放弃原因「{r}」不存在")),
        },
        _ => None,
    };
    let m = CaseMove {
        to,
        reason: reason.clone(),
        note: note.trim().to_string(),
        follow_up: Some(add_days(today(), cfg.follow_up_days)),
    };
    let moved = store
        .move_case(scope, id, &m, &who.actor, gaoxin_store::unix_now())
        .await?
        .ok_or(CaseError::NotFound)?;
    let action = if to == CaseState::Declined {
        "case.decline"
    } else {
        "case.move"
    };
    audit::record(
        store,
        who,
        action,
        Some(&moved.park),
        &moved.id,
        serde_json::json!({"from": case.state.key(), "to": to.key(), "reason": reason, "note": m.note}),
    )
    .await?;
    Ok(moved)
}

/// Records the 技术合同 of a signed case: 登记号, 金额 (万元 text), 类型 (code or name), 登记日期.
#[allow(clippy::too_many_arguments)]
pub async fn register_contract(
    store: &Store,
    cfg: &TechConfig,
    scope: &Scope,
    who: &Who,
    case_id: &str,
    reg_no: &str,
    amount_wan: &str,
    kind: &str,
    date: &str,
) -> Result<TechCase, CaseError> {
    let reg_no = reg_no.trim();
    if reg_no.is_empty() {
        return invalid("「登记号」不能为空");
    }
    let amount = match Money::parse(amount_wan.trim(), Unit::WanYuan) {
        Ok(m) if m.fen() > 0 => m.fen(),
        _ => {
            return invalid(format!(
                "「金额（万元）」应为大于 0 的金额，而不是「{}」",
                amount_wan.trim()
            ));
        }
    };
    let Some(kind) = cfg.contract_kind(kind) else {
        let names: Vec<&str> = cfg.contract_kinds.iter().map(|k| k.name.as_str()).collect();
        return invalid(format!("「类型」应为 {} 之一", names.join("、")));
    };
    let on = match parse_date_opt("登记日期", date) {
        Ok(d) => d.unwrap_or_else(today),
        Err(e) => return invalid(e),
    };
    let k = TechContract {
        reg_no: reg_no.to_string(),
        case_id: case_id.to_string(),
        uscc: String::new(),
        park: String::new(),
        field: String::new(),
        amount_fen: amount,
        kind: kind.name.clone(),
        registered_on: on,
    };
    let case = match store
        .register_contract(scope, &k, &who.actor, gaoxin_store::unix_now())
        .await?
    {
        None => return Err(CaseError::NotFound),
        Some(Err(m)) => return invalid(m),
        Some(Ok(c)) => c,
    };
    audit::record(
        store,
        who,
        "case.contract",
        Some(&case.park),
        &case.id,
        serde_json::json!({"reg_no": reg_no, "amount_fen": amount, "kind": kind.name, "on": on}),
    )
    .await?;
    Ok(case)
}

/// The broker's board: cases per state, and the open ones whose follow-up is past.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Board {
    pub columns: Vec<(CaseState, Vec<TechCase>)>,
    pub overdue: Vec<TechCase>,
}

pub async fn board(store: &Store, scope: &Scope, on: i64) -> Result<Board, gaoxin_store::Error> {
    let cases = store.tech_cases(scope, None).await?;
    let overdue = cases
        .iter()
        .filter(|c| c.state.is_open() && c.follow_up.is_some_and(|f| f < on))
        .cloned()
        .collect();
    let columns = CaseState::ALL
        .into_iter()
        .map(|s| (s, cases.iter().filter(|c| c.state == s).cloned().collect()))
        .collect();
    Ok(Board { columns, overdue })
}

/// The statistics of cases and contracts in scope.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Stats {
    /// Cases per state (every state, in order).
    pub per_state: Vec<(String, usize)>,
    pub cases: usize,
    /// Cases that reached a contract.
    pub contracted: usize,
    /// Contracts: (park, count, fen) and (field, count, fen), largest amount first.
    pub by_park: Vec<(String, usize, i64)>,
    pub by_field: Vec<(String, usize, i64)>,
    pub contract_fen: i64,
    /// Decline reasons (name, count), most frequent first; and per field (field, reason, count).
    pub declines: Vec<(String, usize)>,
    pub declines_by_field: Vec<(String, String, usize)>,
}

impl Stats {
    /// Contracted ÷ cases, in per cent (`None` without cases).
    pub fn conversion_pct(&self) -> Option<f64> {
        (self.cases > 0).then(|| 100.0 * self.contracted as f64 / self.cases as f64)
    }
}

fn ranked(m: BTreeMap<String, (usize, i64)>) -> Vec<(String, usize, i64)> {
    let mut v: Vec<(String, usize, i64)> = m.into_iter().map(|(k, (n, f))| (k, n, f)).collect();
    v.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    v
}

pub async fn stats(
    store: &Store,
    cfg: &TechConfig,
    scope: &Scope,
) -> Result<Stats, gaoxin_store::Error> {
    let cases = store.tech_cases(scope, None).await?;
    let contracts = store.tech_contracts(scope).await?;
    let mut s = Stats {
        cases: cases.len(),
        per_state: CaseState::ALL
            .into_iter()
            .map(|st| {
                (
                    st.zh().to_string(),
                    cases.iter().filter(|c| c.state == st).count(),
                )
            })
            .collect(),
        contracted: cases
            .iter()
            .filter(|c| matches!(c.state, CaseState::Registered | CaseState::Revisited))
            .count(),
        contract_fen: contracts.iter().map(|k| k.amount_fen).sum(),
        ..Stats::default()
    };
    let (mut park, mut field) = (BTreeMap::new(), BTreeMap::new());
    for k in &contracts {
        let p = park.entry(k.park.clone()).or_insert((0, 0));
        p.0 += 1;
        p.1 += k.amount_fen;
        let f = field.entry(k.field.clone()).or_insert((0, 0));
        f.0 += 1;
        f.1 += k.amount_fen;
    }
    s.by_park = ranked(park);
    s.by_field = ranked(field);
    let (mut reasons, mut by_field) = (BTreeMap::new(), BTreeMap::new());
    for c in cases.iter().filter(|c| c.state == CaseState::Declined) {
        let r = cfg
            .reason_name(c.decline_reason.as_deref().unwrap_or(""))
            .to_string();
        *reasons.entry(r.clone()).or_insert(0usize) += 1;
        *by_field
            .entry((c.result_field.clone(), r))
            .or_insert(0usize) += 1;
    }
    s.declines = reasons.into_iter().collect();
    s.declines.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    s.declines_by_field = by_field.into_iter().map(|((f, r), n)| (f, r, n)).collect();
    Ok(s)
}

/// Adds the registered contracts in scope to the target measures, per contract year and park, for
/// the firm-years without a declared 技术合同成交额 (`declared`: (credit code, year) pairs).
pub async fn add_registered_contracts(
    store: &Store,
    scope: &Scope,
    m: &mut gaoxin_index::panel::Measures,
    declared: &std::collections::HashSet<(String, i32)>,
) -> Result<(), gaoxin_store::Error> {
    for k in store.tech_contracts(scope).await? {
        let year = (k.registered_on / 10_000) as i32;
        if !declared.contains(&(k.uscc.clone(), year)) {
            m.add_registered_contracts(year, &k.park, k.amount_fen);
        }
    }
    Ok(())
}
