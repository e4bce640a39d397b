//! xlsx (or CSV) imports of the finance registries: loan demands, banks' responses and scenarios.
//!
//! Each is all-or-nothing: every row is checked first and any error (named by row and column, in
//! Chinese) writes nothing; then everything is written in one transaction.
use crate::finance::{self, FinanceConfig};
use crate::finance_loans::{FinanceError, now};
use gaoxin_model::{Uscc, Zone};
use gaoxin_store::{NewDemand, Scenario, Scope, Store};

/// The result of an import: rows written, or every problem found (nothing written).
pub type ImportResult = Result<usize, Vec<String>>;

/// A sheet read whole: its headers and rows `(row number, cells)`.
struct Rows {
    headers: Vec<String>,
    rows: Vec<(u64, Vec<String>)>,
}

fn read(bytes: Vec<u8>) -> Result<Rows, Vec<String>> {
    let sheet = gaoxin_ingest::read::open_bytes(bytes).map_err(|e| vec![e.to_string()])?;
    let headers: Vec<String> = sheet
        .headers
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    let mut rows = Vec::new();
    for r in sheet.rows {
        let (n, rec) = r.map_err(|e| vec![e.to_string()])?;
        let cells: Vec<String> = rec.iter().map(|c| c.trim().to_string()).collect();
        if cells.iter().all(|c| c.is_empty()) {
            continue;
        }
        rows.push((n, cells));
    }
    if rows.is_empty() {
        return Err(vec!["文件中没有数据行".into()]);
    }
    Ok(Rows { headers, rows })
}

/// Column positions of `wanted` (required ones must be present).
fn columns(
    headers: &[String],
    required: &[&'static str],
    optional: &[&'static str],
) -> Result<Vec<Option<usize>>, Vec<String>> {
    let mut out = Vec::new();
    let mut missing = Vec::new();
    for (k, name) in required.iter().chain(optional).enumerate() {
        let i = headers.iter().position(|h| h == name);
        if i.is_none() && k < required.len() {
            missing.push(format!("缺少列「{name}」"));
        }
        out.push(i);
    }
    if missing.is_empty() {
        Ok(out)
    } else {
        Err(missing)
    }
}

fn cell(row: &[String], col: Option<usize>) -> &str {
    col.and_then(|i| row.get(i))
        .map(String::as_str)
        .unwrap_or("")
}

/// Column headers of the loan-demand import.
pub const DEMAND_COLUMNS: [&str; 6] = [
    "统一社会信用代码",
    "需求金额（万元）",
    "期限（月）",
    "资金用途",
    "担保方式",
    "申报日期",
];

/// Imports loan demands (staff: each firm must be in `scope`).
pub async fn import_demands(
    store: &Store,
    scope: &Scope,
    bytes: Vec<u8>,
    by: &str,
) -> Result<ImportResult, FinanceError> {
    let rows = match read(bytes) {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    let cols = match columns(&rows.headers, &DEMAND_COLUMNS[..4], &DEMAND_COLUMNS[4..]) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let mut errors = Vec::new();
    let mut parsed: Vec<(Uscc, NewDemand)> = Vec::new();
    for (n, r) in &rows.rows {
        let code = cell(r, cols[0]);
        let uscc = match Uscc::parse(code) {
            Ok(u) => u,
            Err(e) => {
                errors.push(format!("第{n}行「统一社会信用代码」：{e}"));
                continue;
            }
        };
        let date = match cell(r, cols[5]) {
            "" => crate::finance_loans::today(),
            d => d.to_string(),
        };
        match finance::parse_demand(
            cell(r, cols[1]),
            cell(r, cols[2]),
            cell(r, cols[3]),
            cell(r, cols[4]),
            &date,
        ) {
            Ok(d) => {
                if store.enterprise(scope, &uscc).await?.is_none() {
                    errors.push(format!(
                        "第{n}行「统一社会信用代码」：{code} 不是您权限范围内已登记的企业"
                    ));
                } else {
                    parsed.push((uscc, d));
                }
            }
            Err(e) => errors.push(format!("第{n}行{e}")),
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    match store.declare_demands(scope, &parsed, by, now()).await? {
        Ok(ids) => Ok(Ok(ids.len())),
        Err(i) => Ok(Err(vec![format!(
            "第{}行：企业不在权限范围内，未写入任何数据",
            rows.rows[i].0
        )])),
    }
}

/// Column headers of the bank-response import.
pub const RESPONSE_COLUMNS: [&str; 7] = [
    "需求编号",
    "银行",
    "状态",
    "金额（万元）",
    "拒绝原因代码",
    "日期",
    "备注",
];

/// Imports banks' responses (the zone records them for the banks named): each demand must be
/// listed and its firm must have consented to that bank.
pub async fn import_responses(
    store: &Store,
    cfg: &FinanceConfig,
    bytes: Vec<u8>,
) -> Result<ImportResult, FinanceError> {
    let rows = match read(bytes) {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    let cols = match columns(
        &rows.headers,
        &RESPONSE_COLUMNS[..3],
        &RESPONSE_COLUMNS[3..],
    ) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let banks = store.banks().await?;
    let mut errors = Vec::new();
    let mut parsed = Vec::new();
    for (n, r) in &rows.rows {
        let Some(bank) = banks
            .iter()
            .find(|b| b.name == cell(r, cols[1]) && !b.disabled)
        else {
            errors.push(format!(
                "第{n}行「银行」：{} 不是已登记且启用的银行",
                cell(r, cols[1])
            ));
            continue;
        };
        let date = match cell(r, cols[5]) {
            "" => crate::finance_loans::today(),
            d => d.to_string(),
        };
        match finance::parse_response(
            cfg,
            cell(r, cols[2]),
            Some(cell(r, cols[3])),
            Some(cell(r, cols[4])),
            &date,
            cell(r, cols[6]),
        ) {
            Ok(x) => parsed.push((bank.clone(), cell(r, cols[0]).to_string(), x)),
            Err(e) => errors.push(format!("第{n}行{e}")),
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    match store
        .import_responses(&parsed, "gaoxin loans import --responses", now())
        .await?
    {
        Ok(k) => Ok(Ok(k)),
        Err(i) => Ok(Err(vec![format!(
            "第{}行「需求编号」：{} 不在已发布的清单中，或该企业未授权该银行；未写入任何数据",
            rows.rows[i].0, parsed[i].1
        )])),
    }
}

/// Column headers of the scenario import.
pub const SCENARIO_COLUMNS: [&str; 9] = [
    "场景编号",
    "场景名称",
    "提供方",
    "提供方类型",
    "园区",
    "赛道",
    "预算（万元）",
    "截止日期",
    "状态",
];

/// Parses one scenario row (cells in [`SCENARIO_COLUMNS`] order).
pub fn parse_scenario(zone: &Zone, c: &[&str], now: i64) -> Result<Scenario, String> {
    let id = c[0].trim();
    if id.is_empty() || id.chars().count() > 40 || id.contains(char::is_whitespace) {
        return Err("「场景编号」必填，不含空格，不超过 40 字".into());
    }
    let title = c[1].trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err("「场景名称」必填，不超过 200 字".into());
    }
    let by = c[2].trim();
    if by.is_empty() {
        return Err("「提供方」必填".into());
    }
    let kind = match c[3].trim() {
        "政府部门" | "gov" | "" => "gov",
        "企业" | "firm" => "firm",
        other => {
            return Err(format!(
                "「提供方类型」应为 政府部门 或 企业，而不是 {other}"
            ));
        }
    };
    let park = zone
        .park(c[4].trim())
        .ok_or_else(|| format!("「园区」{} 不是本区园区", c[4].trim()))?;
    let track = zone
        .track(c[5].trim())
        .ok_or_else(|| format!("「赛道」{} 不是本区赛道", c[5].trim()))?;
    let budget = match c[6].trim() {
        "" => None,
        b => Some(finance::parse_wan("预算（万元）", b)?),
    };
    let deadline = match c[7].trim() {
        "" => None,
        d => Some(finance::parse_date("截止日期", d)?),
    };
    let status = match c[8].trim() {
        "" | "征集中" | "open" => "open",
        "已截止" | "closed" => "closed",
        other => return Err(format!("「状态」应为 征集中 或 已截止，而不是 {other}")),
    };
    Ok(Scenario {
        id: id.to_string(),
        title: title.to_string(),
        offered_by: by.to_string(),
        offerer_kind: kind.into(),
        park: park.id.to_string(),
        budget_fen: budget,
        track: track.id.clone(),
        deadline,
        status: status.into(),
        synthetic: false,
        created_at: now,
    })
}

/// Imports scenarios (zone administrators): new codes are added, known codes replaced; stored
/// with the `finance.scenarios_import` audit entry of `who` in one transaction.
pub async fn import_scenarios(
    store: &Store,
    zone: &Zone,
    who: &crate::audit::Who,
    bytes: Vec<u8>,
) -> Result<ImportResult, FinanceError> {
    let rows = match read(bytes) {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    let cols = match columns(
        &rows.headers,
        &SCENARIO_COLUMNS[..6],
        &SCENARIO_COLUMNS[6..],
    ) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let mut errors = Vec::new();
    let mut parsed: Vec<Scenario> = Vec::new();
    let t = now();
    for (n, r) in &rows.rows {
        let cells: Vec<&str> = cols.iter().map(|c| cell(r, *c)).collect();
        match parse_scenario(zone, &cells, t) {
            Ok(s) if parsed.iter().any(|p| p.id == s.id) => {
                errors.push(format!("第{n}行「场景编号」：{} 在文件中重复", s.id))
            }
            Ok(s) => parsed.push(s),
            Err(e) => errors.push(format!("第{n}行{e}")),
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let event = crate::audit::event(
        who,
        "finance.scenarios_import",
        None,
        "scenarios",
        serde_json::json!({"scenarios": parsed.len()}),
    );
    store
        .upsert_scenarios_recorded(&parsed, Some(&event))
        .await?;
    Ok(Ok(parsed.len()))
}

/// Column headers of the fund import.
pub const FUND_COLUMNS: [&str; 6] = [
    "基金名称",
    "类别",
    "管理人",
    "规模（万元）",
    "赛道",
    "设立年份",
];

/// Imports funds (zone administrators): new names added, known names replaced. 类别: 母基金,
/// 赛道基金 (a track required) or 其他.
pub async fn import_funds(
    store: &Store,
    zone: &Zone,
    bytes: Vec<u8>,
) -> Result<ImportResult, FinanceError> {
    let rows = match read(bytes) {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    let cols = match columns(&rows.headers, &FUND_COLUMNS, &[]) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let mut errors = Vec::new();
    let mut parsed: Vec<gaoxin_store::Fund> = Vec::new();
    for (n, r) in &rows.rows {
        let c: Vec<&str> = cols.iter().map(|k| cell(r, *k)).collect();
        let row = (|| -> Result<gaoxin_store::Fund, String> {
            if c[0].is_empty() || c[0].chars().count() > 100 {
                return Err("「基金名称」必填，不超过 100 字".into());
            }
            let kind = match c[1] {
                "母基金" | "parent" => "parent",
                "赛道基金" | "track" => "track",
                "其他" | "other" | "" => "other",
                o => return Err(format!("「类别」应为 母基金、赛道基金 或 其他，而不是 {o}")),
            };
            if c[2].is_empty() {
                return Err("「管理人」必填".into());
            }
            let size = finance::parse_wan("规模（万元）", c[3])?;
            let track = match (kind, c[4]) {
                ("track", "") => return Err("「赛道」：赛道基金需填写赛道".into()),
                (_, "") => String::new(),
                (_, t) => zone
                    .track(t)
                    .map(|t| t.id.clone())
                    .ok_or_else(|| format!("「赛道」{t} 不是本区赛道"))?,
            };
            let vintage: i64 = c[5]
                .parse()
                .ok()
                .filter(|y| (1990..=2100).contains(y))
                .ok_or("「设立年份」应为四位年份")?;
            Ok(gaoxin_store::Fund {
                id: String::new(),
                name: c[0].to_string(),
                manager: c[2].to_string(),
                size_fen: size,
                kind: kind.into(),
                track,
                vintage,
                synthetic: false,
            })
        })();
        match row {
            Ok(f) if parsed.iter().any(|p| p.name == f.name) => {
                errors.push(format!("第{n}行「基金名称」：{} 在文件中重复", f.name))
            }
            Ok(f) => parsed.push(f),
            Err(e) => errors.push(format!("第{n}行{e}")),
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    store.upsert_funds(&parsed).await?;
    crate::ecosystem::invalidate_cache();
    Ok(Ok(parsed.len()))
}

/// Column headers of the investment import.
pub const INVESTMENT_COLUMNS: [&str; 7] = [
    "基金名称",
    "统一社会信用代码",
    "轮次",
    "金额（万元）",
    "日期",
    "拨投结合拨款（万元）",
    "备注",
];

/// Imports investments of registered funds in firms in `scope`; a 拨投结合 deal gives its grant.
pub async fn import_investments(
    store: &Store,
    scope: &Scope,
    bytes: Vec<u8>,
) -> Result<ImportResult, FinanceError> {
    let rows = match read(bytes) {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    let cols = match columns(
        &rows.headers,
        &INVESTMENT_COLUMNS[..5],
        &INVESTMENT_COLUMNS[5..],
    ) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let funds = store.funds().await?;
    let mut errors = Vec::new();
    let mut parsed = Vec::new();
    for (n, r) in &rows.rows {
        let c: Vec<&str> = cols.iter().map(|k| cell(r, *k)).collect();
        let Some(fund) = funds.iter().find(|f| f.name == c[0]) else {
            errors.push(format!("第{n}行「基金名称」：{} 不是已登记的基金", c[0]));
            continue;
        };
        let uscc = match Uscc::parse(c[1]) {
            Ok(u) => u,
            Err(e) => {
                errors.push(format!("第{n}行「统一社会信用代码」：{e}"));
                continue;
            }
        };
        if store.enterprise(scope, &uscc).await?.is_none() {
            errors.push(format!(
                "第{n}行「统一社会信用代码」：{} 不是您权限范围内已登记的企业",
                c[1]
            ));
            continue;
        }
        let row = (|| -> Result<gaoxin_store::FundInvestment, String> {
            if c[2].is_empty() || c[2].chars().count() > 40 {
                return Err("「轮次」必填，不超过 40 字".into());
            }
            Ok(gaoxin_store::FundInvestment {
                id: String::new(),
                fund_id: fund.id.clone(),
                fund_name: String::new(),
                uscc: uscc.as_str().to_string(),
                firm_name: String::new(),
                park: String::new(),
                round: c[2].to_string(),
                amount_fen: finance::parse_wan("金额（万元）", c[3])?,
                invested_on: finance::parse_date("日期", c[4])?,
                grant_fen: match c[5] {
                    "" => None,
                    g => Some(finance::parse_wan("拨投结合拨款（万元）", g)?),
                },
                note: c[6].to_string(),
            })
        })();
        match row {
            Ok(i) => parsed.push(i),
            Err(e) => errors.push(format!("第{n}行{e}")),
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    if !store.add_investments(scope, &parsed).await? {
        return Ok(Err(vec![
            "企业或基金已变化，未写入任何数据；请重新导入".into(),
        ]));
    }
    crate::ecosystem::invalidate_cache();
    Ok(Ok(parsed.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone() -> Zone {
        Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap()
    }

    #[test]
    fn scenario_rows_name_the_column_in_error() {
        let z = zone();
        let ok = parse_scenario(
            &z,
            &[
                "CJ-1",
                "无人机巡检",
                "江北新区管委会",
                "政府部门",
                &z.parks[0].name,
                "低空经济",
                "150.5",
                "2026-12-31",
                "",
            ],
            1,
        )
        .unwrap();
        assert_eq!(ok.budget_fen, Some(150_500_000));
        assert_eq!(ok.track, "t05");
        assert_eq!(ok.status, "open");
        let e = parse_scenario(
            &z,
            &["CJ-1", "x", "y", "", "火星园", "低空经济", "", "", ""],
            1,
        )
        .unwrap_err();
        assert!(e.contains("「园区」火星园"), "{e}");
        let e = parse_scenario(
            &z,
            &[
                "CJ-1",
                "x",
                "y",
                "",
                &z.parks[0].name,
                "低空经济",
                "十万",
                "",
                "",
            ],
            1,
        )
        .unwrap_err();
        assert!(e.contains("预算"), "{e}");
        let e = parse_scenario(
            &z,
            &[
                "CJ 1",
                "x",
                "y",
                "",
                &z.parks[0].name,
                "低空经济",
                "",
                "",
                "",
            ],
            1,
        )
        .unwrap_err();
        assert!(e.contains("场景编号"), "{e}");
    }
}
