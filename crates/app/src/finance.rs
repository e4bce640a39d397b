//! 科技金融 use cases: the loan-demand list (declare, publish, a bank's view and responses), match
//! rate and funded amount per park and bank per edition, and 创新积分贷 outcomes by points band.
//!
//! Inputs are parsed here into the store's types (amounts in 万元 text → exact fen, never through
//! floating point; dates; coded reasons from `data/finance/finance.toml`), with Chinese messages
//! naming the field. The statistics are pure functions of the scoped reads, so a page, an export
//! and `gaoxin loans stats` show the same numbers.
use gaoxin_model::{Date, Money, Unit, Zone};
use gaoxin_store::{LoanDemand, LoanResponse, NewDemand, NewResponse, PointsLoan, ResponseStatus};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// The finance codes and bands (`data/finance/finance.toml`).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct FinanceConfig {
    pub version: String,
    pub source: String,
    /// "UNCONFIRMED: …" when the codes and bands are not from an official source.
    pub status: String,
    #[serde(rename = "reason")]
    pub reasons: Vec<Reason>,
    #[serde(rename = "band")]
    pub bands: Vec<Band>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Reason {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Band {
    pub name: String,
    pub min: f64,
    pub max: Option<f64>,
}

const SHIPPED: &str = include_str!("../../../data/finance/finance.toml");

impl FinanceConfig {
    /// `$GAOXIN_FINANCE`, else `data/finance/finance.toml` in the working directory, else the
    /// copy shipped with the binary.
    pub fn load() -> Result<FinanceConfig, String> {
        let path = std::env::var("GAOXIN_FINANCE")
            .ok()
            .filter(|s| !s.is_empty())
            .map(std::path::PathBuf::from)
            .or_else(|| {
                let p = std::path::PathBuf::from("data/finance/finance.toml");
                p.exists().then_some(p)
            });
        match path {
            Some(p) => {
                let text = std::fs::read_to_string(&p)
                    .map_err(|e| format!("无法读取金融配置 {}：{e}", p.display()))?;
                Self::parse(&text).map_err(|e| format!("{}：{e}", p.display()))
            }
            None => Self::parse(SHIPPED).map_err(|e| format!("(内置) finance.toml：{e}")),
        }
    }

    pub fn parse(text: &str) -> Result<FinanceConfig, String> {
        let c: FinanceConfig =
            toml::from_str(text).map_err(|e| format!("金融配置格式错误：{e}"))?;
        if c.reasons.is_empty() || c.bands.is_empty() {
            return Err("金融配置至少需要一个拒绝原因（reason）和一个积分段（band）".into());
        }
        Ok(c)
    }

    /// Whether the codes and bands are unconfirmed (shown as such).
    pub fn unconfirmed(&self) -> bool {
        self.status.contains("UNCONFIRMED")
    }

    pub fn reason_name(&self, code: &str) -> Option<&str> {
        self.reasons
            .iter()
            .find(|r| r.code == code)
            .map(|r| r.name.as_str())
    }

    /// The band of a points total (`None`: no points when the firm applied).
    pub fn band_of(&self, points: Option<f64>) -> Option<usize> {
        let p = points?;
        self.bands
            .iter()
            .position(|b| p >= b.min && b.max.is_none_or(|m| p < m))
    }
}

/// 万元 text → exact fen (positive).
pub fn parse_wan(field: &str, text: &str) -> Result<i64, String> {
    let m = Money::parse(text.trim(), Unit::WanYuan)
        .map_err(|e| format!("「{field}」应为以万元计的金额（如 500 或 12.5）：{e}"))?;
    if m.fen() <= 0 {
        return Err(format!("「{field}」应大于 0"));
    }
    Ok(m.fen())
}

/// yyyy-mm-dd → yyyymmdd.
pub fn parse_date(field: &str, text: &str) -> Result<i64, String> {
    Date::parse(text.trim())
        .map(Date::to_int)
        .ok_or_else(|| format!("「{field}」应为日期，如 2026-11-30"))
}

/// A declared need, parsed from what a form or a sheet row gives.
pub fn parse_demand(
    amount_wan: &str,
    term_months: &str,
    purpose: &str,
    collateral: &str,
    declared_on: &str,
) -> Result<NewDemand, String> {
    let amount_fen = parse_wan("需求金额（万元）", amount_wan)?;
    let term: i64 = term_months
        .trim()
        .parse()
        .ok()
        .filter(|t| (1..=360).contains(t))
        .ok_or("「期限（月）」应为 1 到 360 之间的整数")?;
    let purpose = purpose.trim();
    if purpose.is_empty() || purpose.chars().count() > 200 {
        return Err("「资金用途」必填，不超过 200 字".into());
    }
    let collateral = collateral.trim();
    if collateral.chars().count() > 100 {
        return Err("「担保方式」不超过 100 字".into());
    }
    Ok(NewDemand {
        amount_fen,
        term_months: term,
        purpose: purpose.to_string(),
        collateral: if collateral.is_empty() {
            "信用".into()
        } else {
            collateral.to_string()
        },
        declared_on: parse_date("申报日期", declared_on)?,
    })
}

/// A bank's response: 已审批 and 已放款 need an amount, 已拒绝 a reason code from the config.
pub fn parse_response(
    cfg: &FinanceConfig,
    status: &str,
    amount_wan: Option<&str>,
    reason: Option<&str>,
    on_date: &str,
    note: &str,
) -> Result<NewResponse, String> {
    let status = ResponseStatus::parse(status)
        .ok_or("「状态」应为 已联系、已审批、已拒绝、已放款（或 contacted / approved / rejected / disbursed）")?;
    let amount = amount_wan.map(str::trim).filter(|s| !s.is_empty());
    let reason = reason.map(str::trim).filter(|s| !s.is_empty());
    let amount_fen = match status {
        ResponseStatus::Approved | ResponseStatus::Disbursed => Some(parse_wan(
            "金额（万元）",
            amount.ok_or(format!("「金额（万元）」：{}需填写金额", status.zh()))?,
        )?),
        _ if amount.is_some() => {
            return Err(format!("「金额（万元）」：{}不填金额", status.zh()));
        }
        _ => None,
    };
    let reason_code = match status {
        ResponseStatus::Rejected => {
            let code = reason.ok_or("「拒绝原因代码」：已拒绝需填写原因代码")?;
            if cfg.reason_name(code).is_none() {
                return Err(format!(
                    "「拒绝原因代码」{code} 不在代码表中（{}）",
                    cfg.reasons
                        .iter()
                        .map(|r| format!("{} {}", r.code, r.name))
                        .collect::<Vec<_>>()
                        .join("；")
                ));
            }
            Some(code.to_string())
        }
        _ if reason.is_some() => {
            return Err(format!("「拒绝原因代码」：{}不填原因", status.zh()));
        }
        _ => None,
    };
    if note.chars().count() > 500 {
        return Err("「备注」不超过 500 字".into());
    }
    Ok(NewResponse {
        status,
        amount_fen,
        reason_code,
        on_date: parse_date("日期", on_date)?,
        note: note.trim().to_string(),
    })
}

/// One row of the match statistics (a park or a bank).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MatchRow {
    pub key: String,
    pub name: String,
    /// Demands listed (a park: its firms' demands; a bank: demands it responded to).
    pub demands: u64,
    pub demanded_fen: i64,
    /// Demands with at least one response.
    pub responded: u64,
    /// Demands approved or disbursed (by any bank for a park; by this bank for a bank).
    pub matched: u64,
    pub approved_fen: i64,
    pub disbursed_fen: i64,
    /// matched / demands, in per mille (exact integer; `None` without demands).
    pub match_permille: Option<i64>,
}

/// The match statistics of an edition (or of every demand).
#[derive(Debug, Clone, Default, Serialize)]
pub struct MatchStats {
    pub total: MatchRow,
    pub parks: Vec<MatchRow>,
    pub banks: Vec<MatchRow>,
}

/// The state of each (demand, bank): its latest response (responses come oldest first).
pub fn latest_responses(responses: &[LoanResponse]) -> HashMap<(&str, &str), &LoanResponse> {
    let mut m: HashMap<(&str, &str), &LoanResponse> = HashMap::new();
    for r in responses {
        m.insert((r.demand_id.as_str(), r.bank_id.as_str()), r);
    }
    m
}

fn permille(n: u64, d: u64) -> Option<i64> {
    (d > 0).then(|| ((n as i128 * 1000 + d as i128 / 2) / d as i128) as i64)
}

/// Match rate and funded amount per park and bank. A demand is *matched* when its latest response
/// from some bank is 已审批 or 已放款; approved amounts count 已审批 and 已放款 states, disbursed
/// amounts only 已放款 (exact fen sums).
pub fn match_stats(zone: &Zone, demands: &[LoanDemand], responses: &[LoanResponse]) -> MatchStats {
    let latest = latest_responses(responses);
    let mut by_demand: HashMap<&str, Vec<&LoanResponse>> = HashMap::new();
    for r in latest.values() {
        by_demand.entry(r.demand_id.as_str()).or_default().push(r);
    }
    let matched =
        |s: ResponseStatus| matches!(s, ResponseStatus::Approved | ResponseStatus::Disbursed);
    let mut parks: BTreeMap<String, MatchRow> = BTreeMap::new();
    let mut banks: BTreeMap<String, MatchRow> = BTreeMap::new();
    let mut total = MatchRow {
        key: "zone".into(),
        name: "全区".into(),
        ..MatchRow::default()
    };
    for d in demands {
        let rs = by_demand.get(d.id.as_str()).cloned().unwrap_or_default();
        let park = parks.entry(d.park.clone()).or_insert_with(|| MatchRow {
            key: d.park.clone(),
            name: zone
                .park(&d.park)
                .map(|p| p.name.clone())
                .unwrap_or_else(|| d.park.clone()),
            ..MatchRow::default()
        });
        for row in [&mut *park, &mut total] {
            row.demands += 1;
            row.demanded_fen += d.amount_fen;
            row.responded += u64::from(!rs.is_empty());
            row.matched += u64::from(rs.iter().any(|r| matched(r.status)));
            for r in &rs {
                if matched(r.status) {
                    row.approved_fen += r.amount_fen.unwrap_or(0);
                }
                if r.status == ResponseStatus::Disbursed {
                    row.disbursed_fen += r.amount_fen.unwrap_or(0);
                }
            }
        }
        for r in &rs {
            let b = banks.entry(r.bank_id.clone()).or_insert_with(|| MatchRow {
                key: r.bank_id.clone(),
                name: r.bank_name.clone(),
                ..MatchRow::default()
            });
            b.demands += 1;
            b.demanded_fen += d.amount_fen;
            b.responded += 1;
            if matched(r.status) {
                b.matched += 1;
                b.approved_fen += r.amount_fen.unwrap_or(0);
            }
            if r.status == ResponseStatus::Disbursed {
                b.disbursed_fen += r.amount_fen.unwrap_or(0);
            }
        }
    }
    let fin = |mut r: MatchRow| {
        r.match_permille = permille(r.matched, r.demands);
        r
    };
    let mut parks: Vec<MatchRow> = parks.into_values().map(fin).collect();
    // zone order of parks
    parks.sort_by_key(|r| {
        zone.parks
            .iter()
            .position(|p| p.id == r.key.as_str())
            .unwrap_or(usize::MAX)
    });
    MatchStats {
        total: fin(total),
        parks,
        banks: banks.into_values().map(fin).collect(),
    }
}

/// One points band of the 创新积分贷 outcome table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BandRow {
    pub band: String,
    pub applications: u64,
    /// Decided (approved or rejected).
    pub decided: u64,
    pub approved: u64,
    pub approved_fen: i64,
    /// approved / decided, per mille.
    pub approval_permille: Option<i64>,
}

/// Points band → applications, approval rate and approved amount; the last row is "无积分记录"
/// (applications of firms with no stored points when they applied), shown only when non-empty.
pub fn band_stats(cfg: &FinanceConfig, loans: &[PointsLoan]) -> Vec<BandRow> {
    let mut rows: Vec<BandRow> = cfg
        .bands
        .iter()
        .map(|b| BandRow {
            band: b.name.clone(),
            ..BandRow::default()
        })
        .collect();
    let mut none = BandRow {
        band: "无积分记录".into(),
        ..BandRow::default()
    };
    for l in loans {
        let row = match cfg.band_of(l.points_total) {
            Some(i) => &mut rows[i],
            None => &mut none,
        };
        row.applications += 1;
        match l.outcome.as_str() {
            "approved" => {
                row.decided += 1;
                row.approved += 1;
                row.approved_fen += l.approved_fen.unwrap_or(0);
            }
            "rejected" => row.decided += 1,
            _ => {}
        }
    }
    if none.applications > 0 {
        rows.push(none);
    }
    for r in &mut rows {
        r.approval_permille = permille(r.approved, r.decided);
    }
    rows
}

/// A 创新积分贷 outcome as a bank reports it.
pub fn parse_outcome(
    cfg: &FinanceConfig,
    outcome: &str,
    amount_wan: Option<&str>,
    reason: Option<&str>,
) -> Result<(String, Option<i64>, Option<String>), String> {
    let o = match outcome.trim() {
        "pending" | "审批中" => "pending",
        "approved" | "已获批" | "已审批" => "approved",
        "rejected" | "已拒绝" => "rejected",
        _ => {
            return Err(
                "「结果」应为 审批中、已获批、已拒绝（或 pending / approved / rejected）".into(),
            );
        }
    };
    let amount = amount_wan.map(str::trim).filter(|s| !s.is_empty());
    let reason = reason.map(str::trim).filter(|s| !s.is_empty());
    let fen = match (o, amount) {
        ("approved", Some(a)) => Some(parse_wan("获批金额（万元）", a)?),
        ("approved", None) => return Err("「获批金额（万元）」：已获批需填写金额".into()),
        (_, Some(_)) => return Err("「获批金额（万元）」：仅已获批填写金额".into()),
        _ => None,
    };
    let code = match (o, reason) {
        ("rejected", Some(c)) if cfg.reason_name(c).is_some() => Some(c.to_string()),
        ("rejected", Some(c)) => return Err(format!("「拒绝原因代码」{c} 不在代码表中")),
        ("rejected", None) => return Err("「拒绝原因代码」：已拒绝需填写原因代码".into()),
        (_, Some(_)) => return Err("「拒绝原因代码」：仅已拒绝填写原因".into()),
        _ => None,
    };
    Ok((o.to_string(), fen, code))
}

pub fn outcome_zh(o: &str) -> &'static str {
    match o {
        "approved" => "已获批",
        "rejected" => "已拒绝",
        _ => "审批中",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> FinanceConfig {
        FinanceConfig::parse(SHIPPED).unwrap()
    }

    #[test]
    fn amounts_are_exact_fen_and_bad_input_is_named() {
        let d = parse_demand("1234.56", "36", "研发", "", "2026-11-30").unwrap();
        assert_eq!(d.amount_fen, 1_234_560_000);
        assert_eq!(d.collateral, "信用");
        assert_eq!(d.declared_on, 20261130);
        assert_eq!(parse_wan("x", "0.000001").unwrap(), 1);
        assert!(
            parse_demand("abc", "36", "研发", "", "2026-11-30")
                .unwrap_err()
                .contains("需求金额")
        );
        assert!(
            parse_demand("-5", "36", "研发", "", "2026-11-30")
                .unwrap_err()
                .contains("大于 0")
        );
        assert!(
            parse_demand("5", "0", "研发", "", "2026-11-30")
                .unwrap_err()
                .contains("期限")
        );
        assert!(
            parse_demand("5", "12", " ", "", "2026-11-30")
                .unwrap_err()
                .contains("资金用途")
        );
        assert!(
            parse_demand("5", "12", "a", "", "2026-13-30")
                .unwrap_err()
                .contains("申报日期")
        );
    }

    #[test]
    fn responses_need_what_their_status_needs() {
        let c = cfg();
        let r = parse_response(&c, "已审批", Some("300.01"), None, "2026-12-01", "").unwrap();
        assert_eq!(r.amount_fen, Some(300_010_000));
        assert!(parse_response(&c, "approved", None, None, "2026-12-01", "").is_err());
        assert!(
            parse_response(&c, "已拒绝", None, None, "2026-12-01", "")
                .unwrap_err()
                .contains("原因")
        );
        assert!(
            parse_response(&c, "已拒绝", None, Some("R77"), "2026-12-01", "")
                .unwrap_err()
                .contains("R77")
        );
        let r = parse_response(&c, "rejected", None, Some("R02"), "2026-12-01", "").unwrap();
        assert_eq!(r.reason_code.as_deref(), Some("R02"));
        assert!(parse_response(&c, "已联系", Some("5"), None, "2026-12-01", "").is_err());
        assert!(
            parse_response(&c, "maybe", None, None, "2026-12-01", "")
                .unwrap_err()
                .contains("状态")
        );
    }

    fn demand(id: &str, park: &str, fen: i64) -> LoanDemand {
        LoanDemand {
            id: id.into(),
            uscc: format!("U{id}"),
            firm_name: id.into(),
            park: park.into(),
            amount_fen: fen,
            term_months: 12,
            purpose: String::new(),
            collateral: String::new(),
            declared_on: 20261101,
            declared_by: String::new(),
            created_at: 0,
            withdrawn_at: None,
        }
    }

    fn resp(d: &str, bank: &str, s: ResponseStatus, fen: Option<i64>, t: i64) -> LoanResponse {
        LoanResponse {
            id: format!("{d}{bank}{t}"),
            demand_id: d.into(),
            bank_id: bank.into(),
            bank_name: bank.into(),
            status: s,
            amount_fen: fen,
            reason_code: None,
            on_date: 20261201,
            note: String::new(),
            recorded_at: t,
        }
    }

    #[test]
    fn match_rate_and_funded_amount_per_park_and_bank() {
        let zone = Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap();
        let p1 = zone.parks[0].id.to_string();
        let p2 = zone.parks[1].id.to_string();
        let ds = vec![
            demand("a", &p1, 100),
            demand("b", &p1, 200),
            demand("c", &p2, 301),
        ];
        use ResponseStatus::*;
        let rs = vec![
            resp("a", "k1", Contacted, None, 1),
            resp("a", "k1", Approved, Some(90), 2),
            resp("a", "k1", Disbursed, Some(80), 3),
            resp("b", "k2", Rejected, None, 4),
            resp("c", "k2", Approved, Some(301), 5),
        ];
        let s = match_stats(&zone, &ds, &rs);
        assert_eq!(s.total.demands, 3);
        assert_eq!(s.total.demanded_fen, 601);
        assert_eq!(s.total.matched, 2);
        assert_eq!(
            s.total.approved_fen,
            80 + 301,
            "latest state per demand and bank"
        );
        assert_eq!(s.total.disbursed_fen, 80);
        assert_eq!(s.total.match_permille, Some(667));
        assert_eq!(s.parks[0].key, p1);
        assert_eq!((s.parks[0].matched, s.parks[0].demands), (1, 2));
        assert_eq!(s.parks[0].match_permille, Some(500));
        let k2 = s.banks.iter().find(|b| b.key == "k2").unwrap();
        assert_eq!((k2.demands, k2.matched, k2.approved_fen), (2, 1, 301));
    }

    #[test]
    fn points_bands_count_applications_and_approvals() {
        let c = cfg();
        let l = |p: Option<f64>, o: &str, fen: Option<i64>| PointsLoan {
            id: String::new(),
            uscc: String::new(),
            park: String::new(),
            bank_id: String::new(),
            bank_name: String::new(),
            applied_on: 0,
            points_year: None,
            points_total: p,
            outcome: o.into(),
            approved_fen: fen,
            reason_code: None,
            recorded_at: 0,
        };
        let rows = band_stats(
            &c,
            &[
                l(Some(85.0), "approved", Some(7)),
                l(Some(30.0), "rejected", None),
                l(Some(9.99), "pending", None),
                l(None, "approved", Some(1)),
            ],
        );
        let top = rows.iter().find(|r| r.band == "30分及以上").unwrap();
        assert_eq!(
            (
                top.applications,
                top.decided,
                top.approved,
                top.approved_fen
            ),
            (2, 2, 1, 7)
        );
        assert_eq!(top.approval_permille, Some(500));
        assert_eq!(rows[0].applications, 1);
        assert_eq!(rows[0].approval_permille, None);
        assert_eq!(rows.last().unwrap().band, "无积分记录");
        assert!(c.unconfirmed());
    }
}
