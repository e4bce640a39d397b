//! What the 成果转化 pages, the API and the exports show (issue 14), shaped here so the web
//! handlers stay thin: the search page, a result's page (matched demands and firms), a demand's
//! page (matched results and experts), the broker's board and the statistics as .xlsx.
//!
//! The matching indexes of a scope are kept in memory ([`matcher`]) until results, demands,
//! experts, cases or firms change (`Store::tech_version`).
use crate::tech::TechConfig;
use crate::tech_cases::{Board, Stats};
use crate::tech_match::{Against, Answer, Matcher, demand_query, result_query};
use crate::xlsx::list_sheet;
use gaoxin_model::{Money, Unit, Zone};
use gaoxin_search::Filter;
use gaoxin_store::{Scope, Store, TechCase, TechDemand, TechResult};
use rust_xlsxwriter::{Workbook, XlsxError};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

type Cache = Mutex<HashMap<String, (String, Arc<Matcher>)>>;

static CACHE: std::sync::LazyLock<Cache> = std::sync::LazyLock::new(Default::default);

/// The matching indexes of `scope`, built once per data version.
pub async fn matcher(
    store: &Store,
    zone: &Zone,
    scope: &Scope,
    cfg: &TechConfig,
) -> Result<Arc<Matcher>, String> {
    let version = store.tech_version().await.map_err(|e| e.to_string())?;
    let key = scope.cache_key();
    if let Some((v, m)) = CACHE.lock().map_err(|e| e.to_string())?.get(&key)
        && *v == version
    {
        return Ok(m.clone());
    }
    let seg = crate::tech::segmenter()?;
    let m = Arc::new(
        Matcher::build(store, zone, scope, cfg, seg)
            .await
            .map_err(|e| e.to_string())?,
    );
    CACHE
        .lock()
        .map_err(|e| e.to_string())?
        .insert(key, (version, m.clone()));
    Ok(m)
}

/// One match as shown.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HitView {
    pub id: String,
    pub title: String,
    pub subtitle: String,
    pub score: f64,
    /// 语义相似度 (cosine, 3 decimals; absent without the model).
    pub semantic: Option<f64>,
    /// 共同词.
    pub shared: Vec<String>,
    /// 匹配字段.
    pub fields: Vec<String>,
    /// (field, text with 【…】 marks).
    pub marked: Vec<(String, String)>,
    pub query_marked: String,
}

/// An answer as shown, with what the user is told.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AnswerView {
    pub hits: Vec<HitView>,
    pub messages: Vec<String>,
    pub mode: String,
}

pub fn answer_view(a: Answer) -> AnswerView {
    AnswerView {
        hits: a
            .hits
            .into_iter()
            .map(|h| HitView {
                id: h.item.key,
                title: h.item.title,
                subtitle: h.item.subtitle,
                score: (h.score * 1000.0).round() / 1000.0,
                semantic: h.semantic.map(|s| (s * 1000.0).round() / 1000.0),
                shared: h.why.shared,
                fields: h.why.fields,
                marked: h.why.doc_marked,
                query_marked: h.why.query_marked,
            })
            .collect(),
        messages: a.messages,
        mode: a.mode,
    }
}

/// The filters as a page or the API gives them (text; blank = none), parsed with Chinese messages.
#[derive(Debug, Clone, Default, serde::Deserialize, Serialize)]
pub struct FilterInput {
    pub field: Option<String>,
    pub trl_min: Option<String>,
    pub trl_max: Option<String>,
    /// 万元.
    pub budget_max: Option<String>,
    pub park: Option<String>,
    pub date_from: Option<String>,
}

fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl FilterInput {
    pub fn parse(&self, zone: &Zone) -> Result<Filter, String> {
        let trl = |s: &Option<String>, name: &str| -> Result<Option<u8>, String> {
            blank(s)
                .map(|t| match t.parse::<u8>() {
                    Ok(v) if (1..=9).contains(&v) => Ok(v),
                    _ => Err(format!("「{name}」应为 1 到 9 的整数")),
                })
                .transpose()
        };
        let park = blank(&self.park)
            .map(|p| {
                zone.park(p)
                    .map(|x| x.id.to_string())
                    .ok_or_else(|| format!("园区「{p}」不存在"))
            })
            .transpose()?;
        Ok(Filter {
            field: blank(&self.field).map(str::to_string),
            trl_min: trl(&self.trl_min, "最低技术成熟度")?,
            trl_max: trl(&self.trl_max, "最高技术成熟度")?,
            amount_max_fen: blank(&self.budget_max)
                .map(|b| crate::tech::parse_wan_opt("价格或预算上限（万元）", b))
                .transpose()?
                .flatten(),
            park,
            date_from: blank(&self.date_from)
                .map(|d| crate::tech::parse_date_opt("截止日期不早于", d))
                .transpose()?
                .flatten()
                .map(|d| d as i32),
            exclude: Vec::new(),
        })
    }
}

/// A search from the search page or the API; a firm user's own declines apply.
#[allow(clippy::too_many_arguments)]
pub async fn search(
    store: &Store,
    zone: &Zone,
    scope: &Scope,
    cfg: &TechConfig,
    against: Against,
    query: &str,
    filter: &FilterInput,
    top: usize,
) -> Result<Result<AnswerView, String>, String> {
    let f = match filter.parse(zone) {
        Ok(f) => f,
        Err(e) => return Ok(Err(e)),
    };
    let m = matcher(store, zone, scope, cfg).await?;
    let firm = match scope {
        Scope::Enterprise(u) => Some(u.as_str().to_string()),
        _ => None,
    };
    Ok(Ok(answer_view(m.search(
        against,
        query,
        &f,
        top.clamp(1, 100),
        firm.as_deref(),
        None,
    ))))
}

/// A result's page: the result, matched demands and firms.
#[derive(Debug, Clone, Serialize)]
pub struct ResultPage {
    pub result: ResultRow,
    pub demands: AnswerView,
    pub firms: AnswerView,
}

/// A result as shown (money in 万元 text).
#[derive(Debug, Clone, Serialize)]
pub struct ResultRow {
    pub id: String,
    pub name: String,
    pub summary: String,
    pub keywords: Vec<String>,
    pub field: String,
    pub unit: String,
    pub trl: Option<i64>,
    pub ip_status: String,
    pub transfer_mode: String,
    pub price: String,
    pub synthetic: bool,
}

fn wan(fen: Option<i64>) -> String {
    fen.map(|f| Money(f).rounded(Unit::WanYuan, 2))
        .unwrap_or_else(|| "—".into())
}

pub fn result_row(r: &TechResult) -> ResultRow {
    ResultRow {
        id: r.id.clone(),
        name: r.name.clone(),
        summary: r.summary.clone(),
        keywords: r.keywords.clone(),
        field: r.field.clone(),
        unit: r.unit.clone(),
        trl: r.trl,
        ip_status: r.ip_status.clone(),
        transfer_mode: r.transfer_mode.clone(),
        price: wan(r.price_fen),
        synthetic: r.synthetic,
    }
}

pub async fn result_page(
    store: &Store,
    zone: &Zone,
    scope: &Scope,
    cfg: &TechConfig,
    id: &str,
) -> Result<Option<ResultPage>, String> {
    let Some(r) = store
        .tech_result(scope, id)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(None);
    };
    let m = matcher(store, zone, scope, cfg).await?;
    let q = result_query(&r);
    let f = Filter::default();
    Ok(Some(ResultPage {
        demands: answer_view(m.search(Against::Demands, &q, &f, 10, None, None)),
        firms: answer_view(m.search(Against::Firms, &q, &f, 10, None, Some(&r.id))),
        result: result_row(&r),
    }))
}

/// A demand's page: the demand, matched results (without those the firm declined as 领域不符)
/// and experts.
#[derive(Debug, Clone, Serialize)]
pub struct DemandPage {
    pub demand: DemandRow,
    pub results: AnswerView,
    pub experts: AnswerView,
    pub cases: Vec<CaseRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DemandRow {
    pub id: String,
    pub uscc: String,
    pub firm_name: String,
    pub park: String,
    pub name: String,
    pub description: String,
    pub field: String,
    pub budget: String,
    pub deadline: Option<i64>,
    pub jiebang: bool,
    pub milestones: String,
    pub award: String,
    pub synthetic: bool,
}

pub fn demand_row(d: &TechDemand) -> DemandRow {
    DemandRow {
        id: d.id.clone(),
        uscc: d.uscc.clone(),
        firm_name: d.firm_name.clone(),
        park: d.park.clone(),
        name: d.name.clone(),
        description: d.description.clone(),
        field: d.field.clone(),
        budget: wan(d.budget_fen),
        deadline: d.deadline,
        jiebang: d.jiebang,
        milestones: d.milestones.clone(),
        award: wan(d.award_fen),
        synthetic: d.synthetic,
    }
}

pub async fn demand_page(
    store: &Store,
    zone: &Zone,
    scope: &Scope,
    cfg: &TechConfig,
    id: &str,
) -> Result<Option<DemandPage>, String> {
    let Some(d) = store
        .tech_demand(scope, id)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(None);
    };
    let m = matcher(store, zone, scope, cfg).await?;
    let q = demand_query(&d);
    let f = Filter::default();
    let cases = store
        .tech_cases(scope, None)
        .await
        .map_err(|e| e.to_string())?
        .iter()
        .filter(|c| c.demand_id.as_deref() == Some(&d.id))
        .map(|c| case_row(cfg, c, 0))
        .collect();
    Ok(Some(DemandPage {
        results: answer_view(m.search(Against::Results, &q, &f, 10, Some(&d.uscc), None)),
        experts: answer_view(m.search(Against::Experts, &q, &f, 5, None, None)),
        demand: demand_row(&d),
        cases,
    }))
}

/// A case as shown.
#[derive(Debug, Clone, Serialize)]
pub struct CaseRow {
    pub id: String,
    pub state: &'static str,
    pub state_key: &'static str,
    pub result_id: String,
    pub result_name: String,
    pub firm_name: String,
    pub uscc: String,
    pub park: String,
    pub broker: String,
    pub reason: String,
    pub follow_up: Option<i64>,
    pub overdue: bool,
    /// The states it may move to by hand (key, Chinese).
    pub next: Vec<(&'static str, &'static str)>,
    pub signed: bool,
}

pub fn case_row(cfg: &TechConfig, c: &TechCase, today: i64) -> CaseRow {
    CaseRow {
        id: c.id.clone(),
        state: c.state.zh(),
        state_key: c.state.key(),
        result_id: c.result_id.clone(),
        result_name: c.result_name.clone(),
        firm_name: c.firm_name.clone(),
        uscc: c.uscc.clone(),
        park: c.park.clone(),
        broker: c.broker.clone(),
        reason: c
            .decline_reason
            .as_deref()
            .map(|r| cfg.reason_name(r).to_string())
            .unwrap_or_default(),
        follow_up: c.follow_up,
        overdue: c.state.is_open() && c.follow_up.is_some_and(|f| f < today),
        next: gaoxin_store::CaseState::ALL
            .into_iter()
            .filter(|s| c.state.may_become(*s) && *s != gaoxin_store::CaseState::Declined)
            .map(|s| (s.key(), s.zh()))
            .collect(),
        signed: c.state == gaoxin_store::CaseState::Signed,
    }
}

/// The board as shown: columns by state and the overdue list.
#[derive(Debug, Clone, Serialize)]
pub struct BoardView {
    pub columns: Vec<(&'static str, Vec<CaseRow>)>,
    pub overdue: Vec<CaseRow>,
}

pub fn board_view(cfg: &TechConfig, b: &Board, today: i64) -> BoardView {
    BoardView {
        columns: b
            .columns
            .iter()
            .map(|(s, cs)| (s.zh(), cs.iter().map(|c| case_row(cfg, c, today)).collect()))
            .collect(),
        overdue: b.overdue.iter().map(|c| case_row(cfg, c, today)).collect(),
    }
}

/// Cases and statistics as .xlsx: 对接案例, 按状态, 合同按园区, 合同按领域, 放弃原因.
pub fn cases_xlsx(zone: &Zone, board: &BoardView, s: &Stats) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let head = [
        "编号",
        "状态",
        "成果编号",
        "成果",
        "企业",
        "园区",
        "经纪人",
        "放弃原因",
        "下次跟进",
        "逾期",
    ];
    let ws = list_sheet(&mut wb, "对接案例", &head, 16.0)?;
    let mut r = 1u32;
    let park_name = |p: &str| {
        zone.park(p)
            .map(|x| x.name.clone())
            .unwrap_or(p.to_string())
    };
    for (_, cs) in &board.columns {
        for c in cs {
            let cells = [
                c.id.clone(),
                c.state.to_string(),
                c.result_id.clone(),
                c.result_name.clone(),
                c.firm_name.clone(),
                park_name(&c.park),
                c.broker.clone(),
                c.reason.clone(),
                c.follow_up.map(|f| f.to_string()).unwrap_or_default(),
                if c.overdue {
                    "逾期".into()
                } else {
                    String::new()
                },
            ];
            for (k, v) in cells.iter().enumerate() {
                ws.write_string(r, k as u16, v)?;
            }
            r += 1;
        }
    }
    let ws = list_sheet(&mut wb, "按状态", &["状态", "案例数"], 16.0)?;
    for (i, (st, n)) in s.per_state.iter().enumerate() {
        ws.write_string(i as u32 + 1, 0, st)?;
        ws.write_number(i as u32 + 1, 1, *n as f64)?;
    }
    for (name, rows, is_park) in [
        ("合同按园区", &s.by_park, true),
        ("合同按领域", &s.by_field, false),
    ] {
        let ws = list_sheet(&mut wb, name, &["名称", "合同数", "成交额（万元）"], 18.0)?;
        for (i, (k, n, f)) in rows.iter().enumerate() {
            let label = if is_park { park_name(k) } else { k.clone() };
            ws.write_string(i as u32 + 1, 0, &label)?;
            ws.write_number(i as u32 + 1, 1, *n as f64)?;
            ws.write_string(i as u32 + 1, 2, Money(*f).rounded(Unit::WanYuan, 2))?;
        }
    }
    let ws = list_sheet(&mut wb, "放弃原因", &["领域", "原因", "次数"], 18.0)?;
    for (i, (f, reason, n)) in s.declines_by_field.iter().enumerate() {
        ws.write_string(i as u32 + 1, 0, f)?;
        ws.write_string(i as u32 + 1, 1, reason)?;
        ws.write_number(i as u32 + 1, 2, *n as f64)?;
    }
    wb.save_to_buffer()
}

/// The search's hits as .xlsx.
pub fn hits_xlsx(a: &AnswerView) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let ws = list_sheet(
        &mut wb,
        "匹配结果",
        &[
            "编号",
            "名称",
            "说明",
            "得分",
            "共同词",
            "匹配字段",
            "语义相似度",
        ],
        18.0,
    )?;
    for (i, h) in a.hits.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, &h.id)?;
        ws.write_string(r, 1, &h.title)?;
        ws.write_string(r, 2, &h.subtitle)?;
        ws.write_number(r, 3, h.score)?;
        ws.write_string(r, 4, h.shared.join("、"))?;
        ws.write_string(r, 5, h.fields.join("、"))?;
        if let Some(s) = h.semantic {
            ws.write_number(r, 6, s)?;
        }
    }
    wb.save_to_buffer()
}
