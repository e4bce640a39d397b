//! The loan-demand list and 创新积分贷 as the platform runs them: one call per page, export, API
//! request or command (web and cli parse, call here, render).
use crate::audit;
use crate::finance::{self, BandRow, FinanceConfig, MatchStats};
use crate::xlsx::list_sheet;
use gaoxin_model::{Money, Unit, Uscc, Zone};
use gaoxin_store::{Bank, LoanDemand, LoanEdition, LoanResponse, PointsLoan, Scope, Store};
use rust_xlsxwriter::{Workbook, XlsxError};

/// What a finance use case can answer besides success.
#[derive(Debug, thiserror::Error)]
pub enum FinanceError {
    /// Bad input: the message names the field (shown as it is).
    #[error("{0}")]
    Invalid(String),
    /// Not found or not in scope (the same answer for both).
    #[error("未找到")]
    NotFound,
    #[error(transparent)]
    Store(#[from] gaoxin_store::Error),
    #[error("导出失败：{0}")]
    Xlsx(String),
}

impl From<XlsxError> for FinanceError {
    fn from(e: XlsxError) -> Self {
        FinanceError::Xlsx(e.to_string())
    }
}

pub fn now() -> i64 {
    gaoxin_store::unix_now()
}

/// Today's date (Beijing time) as yyyy-mm-dd.
pub fn today() -> String {
    gaoxin_model::Date::from_days_since_epoch((now() + 8 * 3600).div_euclid(86_400)).to_string()
}

/// The form of a declared need, as text.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct DemandForm {
    pub amount_wan: String,
    pub term_months: String,
    pub purpose: String,
    #[serde(default)]
    pub collateral: String,
    #[serde(default)]
    pub declared_on: String,
}

/// Declares a need of `uscc` for a user whose scope holds the firm (the firm itself, its park's
/// administrator, a zone administrator); the date defaults to today.
pub async fn declare(
    store: &Store,
    scope: &Scope,
    uscc: &Uscc,
    f: &DemandForm,
    who: &audit::Who,
) -> Result<LoanDemand, FinanceError> {
    let date = if f.declared_on.trim().is_empty() {
        today()
    } else {
        f.declared_on.clone()
    };
    let d = finance::parse_demand(
        &f.amount_wan,
        &f.term_months,
        &f.purpose,
        &f.collateral,
        &date,
    )
    .map_err(FinanceError::Invalid)?;
    let d = store
        .declare_demand(scope, uscc, &d, &who.actor, now())
        .await?
        .ok_or(FinanceError::NotFound)?;
    let detail =
        serde_json::json!({"uscc": d.uscc, "amount_fen": d.amount_fen, "purpose": d.purpose});
    audit::note(
        store,
        who,
        "finance.demand",
        Some(&d.park),
        uscc.as_str(),
        detail,
    )
    .await;
    Ok(d)
}

/// Withdraws the firm's own demand `demand` (with its audit entry); `false`: no such demand of
/// this firm.
pub async fn withdraw(
    store: &Store,
    uscc: &Uscc,
    demand: &str,
    who: &audit::Who,
) -> Result<bool, FinanceError> {
    let scope = Scope::Enterprise(uscc.clone());
    if !store.withdraw_demand(&scope, demand, now()).await? {
        return Ok(false);
    }
    let detail = serde_json::json!({"demand": demand});
    audit::note_firm(store, who, "finance.withdraw", uscc, detail).await;
    Ok(true)
}

/// Publishes an edition of the list (zone administrators), with its audit entry; `by` is the
/// publisher's name as the edition shows it.
pub async fn publish(
    store: &Store,
    scope: &Scope,
    title: &str,
    date: &str,
    by: &str,
    who: &audit::Who,
) -> Result<(LoanEdition, u64), FinanceError> {
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 100 {
        return Err(FinanceError::Invalid(
            "「期次名称」必填，不超过 100 字".into(),
        ));
    }
    let date = if date.trim().is_empty() {
        today()
    } else {
        date.to_string()
    };
    let on = finance::parse_date("发布日期", &date).map_err(FinanceError::Invalid)?;
    let (ed, n) = store
        .publish_edition(scope, title, on, by, now())
        .await?
        .ok_or(FinanceError::NotFound)?;
    let detail = serde_json::json!({"title": ed.title, "demands": n});
    audit::note(store, who, "finance.publish", None, &ed.id, detail).await;
    Ok((ed, n))
}

/// The loan-demand list as a user in `scope` sees it.
#[derive(Debug, Clone)]
pub struct LoansView {
    pub editions: Vec<LoanEdition>,
    /// The edition shown (`None`: every demand, published or not).
    pub edition: Option<LoanEdition>,
    pub demands: Vec<LoanDemand>,
    pub responses: Vec<LoanResponse>,
    pub stats: MatchStats,
}

/// The list in scope: one edition's demands (`edition` = its id) or all demands (`None`).
pub async fn loans_view(
    store: &Store,
    zone: &Zone,
    scope: &Scope,
    edition: Option<&str>,
) -> Result<LoansView, FinanceError> {
    let editions = store.editions().await?;
    let edition = match edition.filter(|e| !e.is_empty()) {
        Some(id) => Some(
            editions
                .iter()
                .find(|e| e.id == id)
                .cloned()
                .ok_or(FinanceError::NotFound)?,
        ),
        None => None,
    };
    let ed = edition.as_ref().map(|e| e.id.as_str());
    let demands = store.demands(scope, ed).await?;
    let responses = store.loan_responses(scope, ed).await?;
    let stats = finance::match_stats(zone, &demands, &responses);
    Ok(LoansView {
        editions,
        edition,
        demands,
        responses,
        stats,
    })
}

/// What a bank sees: the edition (`None` = the latest) and the consenting firms' demands on it.
pub async fn bank_list(
    store: &Store,
    bank: &Bank,
    edition: Option<&str>,
    path: &str,
) -> Result<(LoanEdition, Vec<LoanDemand>), FinanceError> {
    let editions = store.editions().await?;
    let ed = match edition.filter(|e| !e.is_empty()) {
        Some(id) => editions.into_iter().find(|e| e.id == id),
        None => editions.into_iter().next(),
    }
    .ok_or(FinanceError::NotFound)?;
    let demands = store
        .bank_edition(bank, &ed.id, path, now())
        .await?
        .ok_or(FinanceError::NotFound)?;
    Ok((ed, demands))
}

/// A bank's response (the fields as text).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ResponseForm {
    pub status: String,
    #[serde(default)]
    pub amount_wan: Option<String>,
    #[serde(default)]
    pub reason_code: Option<String>,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// Records `bank`'s response to a demand: only a listed demand of a consenting firm; with its
/// audit entry (`finance.response`).
pub async fn bank_respond(
    store: &Store,
    cfg: &FinanceConfig,
    bank: &Bank,
    demand_id: &str,
    f: &ResponseForm,
    path: &str,
) -> Result<LoanResponse, FinanceError> {
    let date = f
        .date
        .clone()
        .filter(|d| !d.trim().is_empty())
        .unwrap_or_else(today);
    let r = finance::parse_response(
        cfg,
        &f.status,
        f.amount_wan.as_deref(),
        f.reason_code.as_deref(),
        &date,
        f.note.as_deref().unwrap_or(""),
    )
    .map_err(FinanceError::Invalid)?;
    let r = store
        .bank_respond(bank, demand_id, &r, path, now())
        .await?
        .ok_or(FinanceError::NotFound)?;
    // the audit entry, under the demand's park (the bank reached it, so it exists)
    let park = store
        .demand(&Scope::Zone, &r.demand_id)
        .await?
        .map(|d| d.park);
    let detail = serde_json::json!({"demand": r.demand_id, "status": r.status.key(), "amount_fen": r.amount_fen, "reason_code": r.reason_code});
    audit::note(
        store,
        &bank_who(bank),
        "finance.response",
        park.as_deref(),
        &r.id,
        detail,
    )
    .await;
    Ok(r)
}

/// A bank as the audit trail names it.
fn bank_who(bank: &Bank) -> audit::Who {
    audit::Who::named(&bank.name, "bank")
}

/// A bank's 创新积分贷 outcome (the fields as text).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct OutcomeForm {
    pub outcome: String,
    #[serde(default)]
    pub applied_on: Option<String>,
    #[serde(default)]
    pub amount_wan: Option<String>,
    #[serde(default)]
    pub reason_code: Option<String>,
}

/// Records `bank`'s 创新积分贷 outcome for a consenting firm, with its points when it applied,
/// and its audit entry (`finance.points_loan`).
pub async fn bank_points_loan(
    store: &Store,
    cfg: &FinanceConfig,
    bank: &Bank,
    uscc: &Uscc,
    f: &OutcomeForm,
    path: &str,
) -> Result<PointsLoan, FinanceError> {
    let (o, fen, code) = finance::parse_outcome(
        cfg,
        &f.outcome,
        f.amount_wan.as_deref(),
        f.reason_code.as_deref(),
    )
    .map_err(FinanceError::Invalid)?;
    let applied = f
        .applied_on
        .clone()
        .filter(|d| !d.trim().is_empty())
        .unwrap_or_else(today);
    let applied = finance::parse_date("申请日期", &applied).map_err(FinanceError::Invalid)?;
    let p = store
        .record_points_loan(bank, uscc, applied, &o, fen, code.as_deref(), path, now())
        .await?
        .ok_or(FinanceError::NotFound)?;
    let detail = serde_json::json!({"outcome": p.outcome, "approved_fen": p.approved_fen, "points_year": p.points_year});
    audit::note(
        store,
        &bank_who(bank),
        "finance.points_loan",
        Some(&p.park),
        uscc.as_str(),
        detail,
    )
    .await;
    Ok(p)
}

/// 创新积分贷 outcomes in scope and the points-band table.
pub async fn points_view(
    store: &Store,
    cfg: &FinanceConfig,
    scope: &Scope,
) -> Result<(Vec<PointsLoan>, Vec<BandRow>), FinanceError> {
    let loans = store.points_loans(scope).await?;
    let bands = finance::band_stats(cfg, &loans);
    Ok((loans, bands))
}

fn wan(fen: i64) -> String {
    Money(fen).to_decimal(Unit::WanYuan)
}

fn date_text(d: i64) -> String {
    gaoxin_model::Date::from_int(d)
        .map(|d| d.to_string())
        .unwrap_or_default()
}

fn permille_text(p: Option<i64>) -> String {
    p.map(|p| format!("{}.{}%", p / 10, p % 10))
        .unwrap_or_else(|| "—".into())
}

/// The loan-demand list as .xlsx: demands (with each bank's latest response), responses, match
/// statistics by park and by bank, and 创新积分贷 by points band.
pub fn loans_workbook(
    zone: &Zone,
    cfg: &FinanceConfig,
    v: &LoansView,
    bands: &[BandRow],
) -> Result<Vec<u8>, FinanceError> {
    let mut wb = Workbook::new();
    let ws = list_sheet(
        &mut wb,
        "贷款需求清单",
        &[
            "需求编号",
            "统一社会信用代码",
            "企业名称",
            "园区",
            "需求金额（万元）",
            "期限（月）",
            "资金用途",
            "担保方式",
            "申报日期",
            "状态",
            "银行回应",
        ],
        16.0,
    )?;
    let latest = finance::latest_responses(&v.responses);
    for (i, d) in v.demands.iter().enumerate() {
        let r = i as u32 + 1;
        let mut answers: Vec<String> = latest
            .values()
            .filter(|x| x.demand_id == d.id)
            .map(|x| format!("{}：{}", x.bank_name, x.status.zh()))
            .collect();
        answers.sort();
        let park = zone
            .park(&d.park)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| d.park.clone());
        ws.write_string(r, 0, &d.id)?;
        ws.write_string(r, 1, &d.uscc)?;
        ws.write_string(r, 2, &d.firm_name)?;
        ws.write_string(r, 3, &park)?;
        ws.write_string(r, 4, wan(d.amount_fen))?;
        ws.write_number(r, 5, d.term_months as f64)?;
        ws.write_string(r, 6, &d.purpose)?;
        ws.write_string(r, 7, &d.collateral)?;
        ws.write_string(r, 8, date_text(d.declared_on))?;
        ws.write_string(
            r,
            9,
            if d.withdrawn_at.is_some() {
                "已撤回"
            } else {
                "有效"
            },
        )?;
        ws.write_string(r, 10, answers.join("；"))?;
    }
    let ws = list_sheet(
        &mut wb,
        "银行回应",
        &[
            "需求编号",
            "银行",
            "状态",
            "金额（万元）",
            "拒绝原因",
            "日期",
            "备注",
        ],
        16.0,
    )?;
    for (i, x) in v.responses.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, &x.demand_id)?;
        ws.write_string(r, 1, &x.bank_name)?;
        ws.write_string(r, 2, x.status.zh())?;
        ws.write_string(r, 3, x.amount_fen.map(wan).unwrap_or_default())?;
        let reason = x
            .reason_code
            .as_deref()
            .map(|c| format!("{c} {}", cfg.reason_name(c).unwrap_or("")))
            .unwrap_or_default();
        ws.write_string(r, 4, reason)?;
        ws.write_string(r, 5, date_text(x.on_date))?;
        ws.write_string(r, 6, &x.note)?;
    }
    let head = [
        "名称",
        "需求数",
        "需求金额（万元）",
        "已回应",
        "已匹配",
        "匹配率",
        "审批金额（万元）",
        "放款金额（万元）",
    ];
    for (name, rows) in [
        ("按园区统计", &v.stats.parks),
        ("按银行统计", &v.stats.banks),
    ] {
        let ws = list_sheet(&mut wb, name, &head, 16.0)?;
        for (i, m) in rows
            .iter()
            .chain(std::iter::once(&v.stats.total))
            .enumerate()
        {
            let r = i as u32 + 1;
            ws.write_string(r, 0, &m.name)?;
            ws.write_number(r, 1, m.demands as f64)?;
            ws.write_string(r, 2, wan(m.demanded_fen))?;
            ws.write_number(r, 3, m.responded as f64)?;
            ws.write_number(r, 4, m.matched as f64)?;
            ws.write_string(r, 5, permille_text(m.match_permille))?;
            ws.write_string(r, 6, wan(m.approved_fen))?;
            ws.write_string(r, 7, wan(m.disbursed_fen))?;
        }
    }
    let ws = list_sheet(
        &mut wb,
        "创新积分贷",
        &[
            "积分段",
            "申请数",
            "已决定",
            "获批",
            "获批率",
            "获批金额（万元）",
        ],
        16.0,
    )?;
    for (i, b) in bands.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, &b.band)?;
        ws.write_number(r, 1, b.applications as f64)?;
        ws.write_number(r, 2, b.decided as f64)?;
        ws.write_number(r, 3, b.approved as f64)?;
        ws.write_string(r, 4, permille_text(b.approval_permille))?;
        ws.write_string(r, 5, wan(b.approved_fen))?;
    }
    Ok(wb.save_to_buffer()?)
}
