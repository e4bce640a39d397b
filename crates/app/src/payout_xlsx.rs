//! The ledger as spreadsheets: the list and the measures exported to .xlsx (for the finance
//! bureau), and payment records imported from .xlsx / .csv for awards paid outside the platform —
//! all or nothing, every error naming its row and column in Chinese — with its template.
use crate::audit::{Who, event};
use crate::payout_data::PayoutConfig;
use crate::payout_flow::{self, PayCheck, PayFacts, State};
use crate::payout_report::Measures;
use crate::payouts::{PayoutError, eligible_now, new_step};
use crate::xlsx::list_sheet;
use gaoxin_model::{Date, Money, Unit, present};
use gaoxin_store::{PayoutFilter, PayoutRow, PayoutStep, Scope, Store};
use rust_xlsxwriter::{Workbook, XlsxError};
use std::collections::HashMap;

fn date_text(v: Option<i64>) -> String {
    v.and_then(Date::from_int)
        .map(|d| d.to_string())
        .unwrap_or_default()
}

fn yuan_text(v: Option<i64>) -> String {
    v.map(|f| Money(f).to_decimal(Unit::Yuan))
        .unwrap_or_default()
}

/// The list as an .xlsx workbook (one row per award; amounts in 元 to the fen).
pub fn export(
    rows: &[PayoutRow],
    policy: &dyn Fn(&str) -> String,
    park_name: &dyn Fn(&str) -> String,
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let head = [
        "兑现编号",
        "企业名称",
        "统一社会信用代码",
        "园区",
        "年度",
        "政策",
        "政策文件版本",
        "兑现方式",
        "状态",
        "测算金额（元）",
        "核准金额（元）",
        "拨付金额（元）",
        "核准日期",
        "拨付日期",
        "公示日期",
        "最新测算中不再符合",
        "需企业提供",
    ];
    let ws = list_sheet(&mut wb, "兑现台账", &head, 16.0)?;
    for (k, p) in rows.iter().enumerate() {
        let r = k as u32 + 1;
        let cells = [
            p.id.to_string(),
            p.firm_name.clone(),
            p.uscc.clone(),
            park_name(&p.park),
            p.year.to_string(),
            policy(&p.rule),
            p.rule_version.clone(),
            p.channel.clone(),
            p.state.clone(),
            yuan_text(Some(p.computed_fen)),
            yuan_text(p.approved_fen),
            yuan_text(p.paid_fen),
            date_text(p.approved_on),
            date_text(p.paid_on),
            date_text(p.published_on),
            if p.flagged { "是" } else { "" }.into(),
            p.supply.replace('\n', "；"),
        ];
        for (c, v) in cells.iter().enumerate() {
            ws.write_string(r, c as u16, v)?;
        }
    }
    wb.save_to_buffer()
}

/// The measures as an .xlsx workbook (a sheet per table).
pub fn export_measures(m: &Measures) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let head = [
        "名称",
        "应享（笔）",
        "应享金额（元）",
        "已核准（笔）",
        "核准金额（元）",
        "已拨付（笔）",
        "拨付金额（元）",
        "未拨付（笔）",
        "拨付率",
    ];
    for (name, groups) in [
        ("按政策", &m.by_policy),
        ("按园区", &m.by_park),
        ("按年度", &m.by_year),
    ] {
        let ws = list_sheet(&mut wb, name, &head, 16.0)?;
        for (k, g) in groups.iter().enumerate() {
            let r = k as u32 + 1;
            let cells = [
                g.name.clone(),
                g.entitled.to_string(),
                yuan_text(Some(g.entitled_fen)),
                g.approved.to_string(),
                yuan_text(Some(g.approved_fen)),
                g.paid.to_string(),
                yuan_text(Some(g.paid_fen)),
                g.unpaid.to_string(),
                g.paid_rate().map(present::pct).unwrap_or_default(),
            ];
            for (c, v) in cells.iter().enumerate() {
                ws.write_string(r, c as u16, v)?;
            }
        }
    }
    let head = [
        "兑现编号",
        "企业名称",
        "统一社会信用代码",
        "园区",
        "年度",
        "政策",
        "测算金额（元）",
        "状态",
        "卡在何处",
        "需企业提供",
        "不予核准理由",
    ];
    let ws = list_sheet(&mut wb, "应享未享", &head, 16.0)?;
    for (k, s) in m.never_paid.iter().enumerate() {
        let cells = [
            s.id.to_string(),
            s.firm_name.clone(),
            s.uscc.clone(),
            s.park.clone(),
            s.year.to_string(),
            s.rule.clone(),
            yuan_text(Some(s.computed_fen)),
            s.state.clone(),
            s.waits_on.clone(),
            s.supply.join("；"),
            s.reason.clone(),
        ];
        for (c, v) in cells.iter().enumerate() {
            ws.write_string(k as u32 + 1, c as u16, v)?;
        }
    }
    let head = [
        "兑现编号",
        "企业名称",
        "统一社会信用代码",
        "园区",
        "政策",
        "核准金额（元）",
        "核准日期",
        "状态",
        "已等待（工作日）",
    ];
    let ws = list_sheet(&mut wb, "应兑未兑", &head, 16.0)?;
    for (k, u) in m.unpaid.iter().enumerate() {
        let cells = [
            u.id.to_string(),
            u.firm_name.clone(),
            u.uscc.clone(),
            u.park.clone(),
            u.rule.clone(),
            yuan_text(Some(u.approved_fen)),
            date_text(Some(u.approved_on)),
            u.state.clone(),
            u.working_days
                .map(|d| d.to_string())
                .unwrap_or_else(|| "无法计算".into()),
        ];
        for (c, v) in cells.iter().enumerate() {
            ws.write_string(k as u32 + 1, c as u16, v)?;
        }
    }
    let mut head: Vec<String> = vec!["年度".into()];
    let cats: Vec<String> = m
        .funds
        .first()
        .map(|f| f.categories.iter().map(|c| c.0.clone()).collect())
        .unwrap_or_default();
    head.extend(cats.iter().map(|c| format!("{c}（元）")));
    head.extend(
        [
            "合计（元）",
            "其中市级（元）",
            "全市科技专项资金（元）",
            "占比",
            "对照下限",
        ]
        .map(String::from),
    );
    let head_refs: Vec<&str> = head.iter().map(String::as_str).collect();
    let ws = list_sheet(&mut wb, "专项资金", &head_refs, 16.0)?;
    for (k, f) in m.funds.iter().enumerate() {
        let mut cells = vec![f.year.to_string()];
        cells.extend(f.categories.iter().map(|c| yuan_text(Some(c.1))));
        cells.push(yuan_text(Some(f.total_fen)));
        cells.push(yuan_text(Some(f.city_sourced_fen)));
        cells.push(yuan_text(f.city_total_fen));
        cells.push(f.share.map(present::pct).unwrap_or_default());
        cells.push(format!("{}（下限 {}%）", f.status, m.floor_percent));
        for (c, v) in cells.iter().enumerate() {
            ws.write_string(k as u32 + 1, c as u16, v)?;
        }
    }
    wb.save_to_buffer()
}

/// The payment import's columns: (header, required).
pub const IMPORT_COLUMNS: [(&str, bool); 7] = [
    ("统一社会信用代码", true),
    ("政策", true),
    ("年度", true),
    ("拨付金额（元）", true),
    ("拨付日期", true),
    ("资金来源", true),
    ("备注", false),
];

/// The payment import's template: the headers, one example row and the instructions.
pub fn template(cfg: &PayoutConfig, policies: &[(String, String)]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let head: Vec<&str> = IMPORT_COLUMNS.iter().map(|c| c.0).collect();
    let ws = list_sheet(&mut wb, "拨付记录", &head, 20.0)?;
    let example = [
        "91320191MA1XXXXXX1",
        policies
            .first()
            .map_or("首次入选独角兽企业奖励", |p| p.1.as_str()),
        "2024",
        "1500000.00",
        "2025-03-31",
        cfg.fund_sources.first().map_or("其他", String::as_str),
        "（示例行，导入前请删除）",
    ];
    for (c, v) in example.iter().enumerate() {
        ws.write_string(1, c as u16, *v)?;
    }
    let ws = list_sheet(&mut wb, "填写说明", &["项目", "说明"], 40.0)?;
    let mut notes = vec![
        ("用途".to_string(), "在平台外已拨付的奖励，按行导入拨付记录；全部行无误才写入，任何一行有误则不写入任何记录并逐行列出错误。".to_string()),
        ("统一社会信用代码".into(), "18位，须为兑现台账中已有该政策、该年度奖励的企业。".into()),
        ("政策".into(), "政策名称或规则编号，见下方可选政策。".into()),
        ("年度".into(), "测算年度，如 2024。".into()),
        ("拨付金额（元）".into(), "以元计，最多两位小数；不得超过核准金额（未核准的按测算金额）。".into()),
        ("拨付日期".into(), "如 2025-03-31，不晚于今天。".into()),
        ("资金来源".into(), format!("可选：{}", cfg.fund_sources.join("、"))),
        ("不予导入".into(), "已拨付的奖励（不能重复拨付）、不予核准的奖励、已有待复核拨付的奖励。".into()),
        ("待复核".into(), "企业在最新测算中已不符合条件的奖励：导入后为「待复核」，须由另一名高新区管理员在页面上复核通过后才记为拨付。".into()),
    ];
    for (id, name) in policies {
        notes.push(("可选政策".into(), format!("{name}（{id}）")));
    }
    for (k, (a, b)) in notes.iter().enumerate() {
        ws.write_string(k as u32 + 1, 0, a)?;
        ws.write_string(k as u32 + 1, 1, b)?;
    }
    wb.save_to_buffer()
}

/// Where each import column is (a required one missing: the errors).
fn columns(headers: &[String]) -> Result<Vec<Option<usize>>, Vec<String>> {
    let headers: Vec<&str> = headers
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}'))
        .collect();
    let col: Vec<Option<usize>> = IMPORT_COLUMNS
        .iter()
        .map(|(name, _)| headers.iter().position(|h| h == name))
        .collect();
    let missing: Vec<String> = IMPORT_COLUMNS
        .iter()
        .zip(&col)
        .filter(|((_, required), i)| *required && i.is_none())
        .map(|((name, _), _)| format!("缺少列「{name}」"))
        .collect();
    if missing.is_empty() {
        Ok(col)
    } else {
        Err(missing)
    }
}

/// One payment row as read.
struct Parsed {
    uscc: String,
    rule: String,
    policy: String,
    year: i64,
    amount: i64,
    paid_on: i64,
    fund: String,
}

/// Reads one row's cells (`cell(k)`: the k-th import column), or the column and problem.
fn parse_row(
    cell: &dyn Fn(usize) -> String,
    names: &HashMap<String, String>,
    by_name: &HashMap<&str, &str>,
    cfg: &PayoutConfig,
    today: i64,
) -> Result<Parsed, (&'static str, String)> {
    let uscc = gaoxin_model::Uscc::parse(&cell(0))
        .map_err(|e| ("统一社会信用代码", e.to_string()))?
        .as_str()
        .to_string();
    let policy = cell(1);
    let rule = names
        .get(&policy)
        .map(|_| policy.clone())
        .or_else(|| by_name.get(policy.as_str()).map(|s| s.to_string()))
        .ok_or_else(|| ("政策", format!("未知政策「{policy}」")))?;
    let year = cell(2)
        .parse::<i64>()
        .map_err(|_| ("年度", format!("「{}」不是年份", cell(2))))?;
    let amount = match Money::parse(&cell(3), Unit::Yuan) {
        Ok(m) if m.fen() > 0 => m.fen(),
        Ok(_) => return Err(("拨付金额（元）", "应大于0".into())),
        Err(e) => return Err(("拨付金额（元）", e.to_string())),
    };
    let paid_on = match Date::parse(&cell(4)) {
        Some(d) if d.to_int() <= today => d.to_int(),
        Some(_) => return Err(("拨付日期", "不能晚于今天".into())),
        None => {
            return Err((
                "拨付日期",
                format!("「{}」不是日期，应如 2025-03-31", cell(4)),
            ));
        }
    };
    let fund = cfg
        .parse_fund_source(&cell(5))
        .map_err(|e| ("资金来源", e))?;
    Ok(Parsed {
        uscc,
        rule,
        policy,
        year,
        amount,
        paid_on,
        fund,
    })
}

/// An imported payment to a firm no longer eligible: the step 拨付待复核 (as on the page), the
/// award waiting (待复核) with nothing paid yet.
fn pending_review(step: &mut PayoutStep, next: &mut PayoutRow, p: &PayoutRow, why: String) {
    step.step = "拨付待复核".into();
    step.to_state = State::PendingReview.zh().into();
    step.reason = why;
    step.note = if step.note.is_empty() {
        "导入拨付记录".into()
    } else {
        format!("导入拨付记录：{}", step.note)
    };
    next.state = State::PendingReview.zh().into();
    next.paid_fen = p.paid_fen;
    next.paid_on = p.paid_on;
}

/// An import's result: the awards paid, or every problem found (nothing written).
pub type ImportResult = Result<usize, Vec<String>>;

/// Imports payment records (see [`IMPORT_COLUMNS`]) as `who` (a zone administrator): every row
/// checked first, then every payment written in one transaction with its step (导入拨付) and audit
/// event (`payout.import`).
pub async fn import(
    store: &Store,
    cfg: &PayoutConfig,
    who: &Who,
    bytes: Vec<u8>,
) -> Result<ImportResult, PayoutError> {
    let sheet = match gaoxin_ingest::read::open_bytes(bytes) {
        Ok(s) => s,
        Err(e) => return Ok(Err(vec![e.to_string()])),
    };
    let col = match columns(&sheet.headers) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let mut errors = Vec::new();
    let names = crate::payouts::policy_names();
    let by_name: HashMap<&str, &str> = names
        .iter()
        .map(|(id, n)| (n.as_str(), id.as_str()))
        .collect();
    let ledger: HashMap<(i64, String, String), PayoutRow> = store
        .payouts(&Scope::Zone, &PayoutFilter::default())
        .await?
        .into_iter()
        .map(|p| ((p.year, p.rule.clone(), p.uscc.clone()), p))
        .collect();
    let now = gaoxin_store::unix_now();
    let today = crate::appeals_data::china_date(now).to_int();
    let mut seen: HashMap<i64, u64> = HashMap::new();
    let mut writes = Vec::new();
    let mut rows = 0;
    for r in sheet.rows {
        let (n, rec) = match r {
            Ok(x) => x,
            Err(e) => return Ok(Err(vec![e.to_string()])),
        };
        let cell = |k: usize| {
            col[k]
                .and_then(|i| rec.get(i))
                .map(|c| c.trim().to_string())
                .unwrap_or_default()
        };
        if (0..IMPORT_COLUMNS.len()).all(|k| cell(k).is_empty()) {
            continue;
        }
        rows += 1;
        let mut err =
            |column: &str, msg: String| errors.push(format!("第{n}行「{column}」：{msg}"));
        let Parsed {
            uscc,
            rule,
            policy,
            year,
            amount,
            paid_on,
            fund,
        } = match parse_row(&cell, &names, &by_name, cfg, today) {
            Ok(x) => x,
            Err((column, msg)) => {
                err(column, msg);
                continue;
            }
        };
        let Some(p) = ledger.get(&(year, rule.clone(), uscc.clone())) else {
            err(
                "统一社会信用代码",
                format!("兑现台账中没有该企业 {year} 年「{policy}」的奖励（请先同步测算）"),
            );
            continue;
        };
        if let Some(first) = seen.insert(p.id, n) {
            err(
                "统一社会信用代码",
                format!("与第{first}行是同一笔奖励，不能重复拨付"),
            );
            continue;
        }
        if p.approved_on.is_some_and(|a| paid_on < a) {
            err("拨付日期", "不能早于核准日期".into());
            continue;
        }
        let state = State::parse(&p.state).map_err(PayoutError::Refused)?;
        if state == State::Rejected {
            err("政策", "该奖励已不予核准，不能导入拨付".into());
            continue;
        }
        if state == State::PendingReview {
            err("政策", "该奖励有待复核的拨付，不能重复拨付".into());
            continue;
        }
        let facts = PayFacts {
            computed_fen: p.computed_fen,
            approved_fen: p.approved_fen,
            paid_fen: p.paid_fen,
            eligible_now: eligible_now(store, p).await?,
        };
        let mut step = new_step(who, now, today, "导入拨付", Some(state), State::Paid);
        step.amount_fen = Some(amount);
        step.paid_on = Some(paid_on);
        step.fund_source = fund.clone();
        step.note = cell(6);
        let mut next = PayoutRow {
            state: State::Paid.zh().into(),
            paid_fen: Some(amount),
            paid_on: Some(paid_on),
            ..p.clone()
        };
        match payout_flow::check_payment(facts, amount) {
            PayCheck::Refused(why) => {
                err("拨付金额（元）", why);
                continue;
            }
            // a firm no longer eligible: the payment waits for a second zone administrator
            // (待复核), as one entered on the page does; 复核通过 by another administrator pays it
            PayCheck::SecondApproval(why) => pending_review(&mut step, &mut next, p, why),
            PayCheck::Pay => {}
        }
        let ev = event(
            who,
            "payout.import",
            Some(&p.park),
            &format!("payout:{}", p.id),
            serde_json::json!({"from": p.state, "to": next.state, "amount_fen": amount, "paid_on": paid_on, "fund_source": fund}),
        );
        writes.push((next, step, ev));
    }
    if rows == 0 {
        errors.push("文件中没有数据行".into());
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    if !store.apply_payout_steps(&writes).await? {
        return Err(PayoutError::Conflict);
    }
    Ok(Ok(writes.len()))
}

#[cfg(test)]
mod tests;
