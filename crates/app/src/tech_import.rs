//! Imports of research results, technology demands and experts/brokers (`gaoxin import FILE --kind
//! results|demands|experts`, and the web upload), and their templates (`gaoxin template --kind …`).
//!
//! All-or-nothing, like the panel import: every row is checked and every problem is reported by
//! row and column in Chinese; any error writes nothing. Headers are Chinese (English aliases
//! accepted, spaces and case ignored); unknown columns are named in a notice. A stored item with
//! the same 编号 is replaced (the import is idempotent); two rows with the same 编号 are an error.
use crate::audit::{self, Who};
use crate::tech::{parse_date_opt, parse_trl, parse_wan_opt, parse_yes_no, split_keywords};
use crate::xlsx::list_sheet;
use gaoxin_model::Uscc;
use gaoxin_store::{Scope, Store, TechDemand, TechExpert, TechResult};
use rust_xlsxwriter::{Workbook, XlsxError};
use std::collections::HashMap;

/// What is imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Results,
    Demands,
    Experts,
}

impl Kind {
    /// `results`, `demands`, `experts` (or the Chinese names).
    pub fn parse(s: &str) -> Option<Kind> {
        match s.trim() {
            "results" | "result" | "科技成果" | "成果" => Some(Kind::Results),
            "demands" | "demand" | "技术需求" | "需求" => Some(Kind::Demands),
            "experts" | "expert" | "专家" | "技术经纪人" => Some(Kind::Experts),
            _ => None,
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Kind::Results => "科技成果",
            Kind::Demands => "技术需求",
            Kind::Experts => "专家和技术经纪人",
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            Kind::Results => "results",
            Kind::Demands => "demands",
            Kind::Experts => "experts",
        }
    }
    fn columns(self) -> &'static [Col] {
        match self {
            Kind::Results => RESULT_COLUMNS,
            Kind::Demands => DEMAND_COLUMNS,
            Kind::Experts => EXPERT_COLUMNS,
        }
    }
}

/// A column: its Chinese header, English and other aliases, whether required, what to write.
pub struct Col {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub required: bool,
    pub help: &'static str,
}

const fn col(
    name: &'static str,
    aliases: &'static [&'static str],
    required: bool,
    help: &'static str,
) -> Col {
    Col {
        name,
        aliases,
        required,
        help,
    }
}

pub const RESULT_COLUMNS: &[Col] = &[
    col(
        "编号",
        &["id", "code", "成果编号"],
        true,
        "成果的唯一编号（必填，文件内不可重复）",
    ),
    col("名称", &["name", "title", "成果名称"], true, "必填"),
    col(
        "摘要",
        &["abstract", "summary", "成果简介"],
        true,
        "必填，不可为空",
    ),
    col("关键词", &["keywords"], false, "以 ；;，,、_ 或空格分隔"),
    col(
        "学科领域",
        &["field", "技术领域", "学科/技术领域"],
        false,
        "如 集成电路、生物医药",
    ),
    col(
        "完成单位",
        &["unit", "institution"],
        false,
        "高校或科研院所",
    ),
    col("完成人", &["inventors", "authors"], false, ""),
    col(
        "技术成熟度",
        &["trl", "技术成熟度（trl）"],
        false,
        "1 到 9 的整数",
    ),
    col(
        "知识产权状态",
        &["ip", "ip_status", "专利号"],
        false,
        "专利号及类型",
    ),
    col(
        "转化方式",
        &["transfer_mode", "mode"],
        false,
        "转让、许可、作价入股或合作开发",
    ),
    col(
        "参考价格（万元）",
        &["price", "参考价格", "price_wan"],
        false,
        "万元",
    ),
    col("联系人", &["contact"], false, ""),
];

pub const DEMAND_COLUMNS: &[Col] = &[
    col(
        "编号",
        &["id", "code", "需求编号"],
        true,
        "需求的唯一编号（必填，文件内不可重复）",
    ),
    col(
        "统一社会信用代码",
        &["uscc", "发布企业", "credit_code"],
        true,
        "发布企业，须为已登记的园区企业",
    ),
    col("名称", &["name", "title", "需求名称"], true, "必填"),
    col("需求描述", &["description", "描述"], true, "必填，不可为空"),
    col("技术领域", &["field", "学科领域"], false, ""),
    col(
        "预算（万元）",
        &["budget", "预算", "budget_wan"],
        false,
        "万元",
    ),
    col("截止日期", &["deadline"], false, "如 2026-12-31"),
    col("揭榜挂帅", &["jiebang", "open_call"], false, "是 或 否"),
    col("里程碑", &["milestones"], false, "揭榜挂帅的阶段目标"),
    col(
        "奖励（万元）",
        &["award", "奖励", "award_wan"],
        false,
        "揭榜挂帅的奖励，万元",
    ),
];

pub const EXPERT_COLUMNS: &[Col] = &[
    col(
        "编号",
        &["id", "code"],
        true,
        "唯一编号（必填，文件内不可重复）",
    ),
    col(
        "类型",
        &["kind", "type"],
        false,
        "专家 或 技术经纪人（空为专家）",
    ),
    col("姓名", &["name"], true, "必填"),
    col("单位", &["unit", "organisation", "organization"], false, ""),
    col("领域", &["fields", "field", "技术领域"], false, ""),
    col("关键词", &["keywords"], false, "以 ；;，,、_ 或空格分隔"),
    col("联系方式", &["contact"], false, ""),
];

/// What an import did: rows written, or every problem (nothing written); notices either way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TechImport {
    pub written: usize,
    pub errors: Vec<String>,
    pub notices: Vec<String>,
}

impl TechImport {
    pub fn ok(&self) -> bool {
        self.errors.is_empty()
    }
}

fn norm(h: &str) -> String {
    h.trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '(' => '（',
            ')' => '）',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// A sheet's rows as maps from column name to cell.
struct Table {
    rows: Vec<(u64, HashMap<&'static str, String>)>,
}

fn read_table(kind: Kind, bytes: Vec<u8>, out: &mut TechImport) -> Option<Table> {
    let sheet = match gaoxin_ingest::read::open_bytes(bytes) {
        Ok(s) => s,
        Err(e) => {
            out.errors.push(e.to_string());
            return None;
        }
    };
    let cols = kind.columns();
    let mut at: Vec<(usize, &'static str)> = Vec::new();
    for (i, h) in sheet.headers.iter().enumerate() {
        let n = norm(h);
        if n.is_empty() {
            continue;
        }
        match cols
            .iter()
            .find(|c| norm(c.name) == n || c.aliases.iter().any(|a| norm(a) == n))
        {
            Some(c) if at.iter().any(|x| x.1 == c.name) => out.errors.push(format!(
                "第{}列「{h}」：与前面的列重复（都是「{}」）",
                i + 1,
                c.name
            )),
            Some(c) => at.push((i, c.name)),
            None => out
                .notices
                .push(format!("未识别的列「{}」已忽略", h.trim())),
        }
    }
    for c in cols.iter().filter(|c| c.required) {
        if !at.iter().any(|x| x.1 == c.name) {
            out.errors.push(format!("缺少必填列「{}」", c.name));
        }
    }
    if !out.errors.is_empty() {
        return None;
    }
    let mut rows = Vec::new();
    for r in sheet.rows {
        let (n, rec) = match r {
            Ok(x) => x,
            Err(e) => {
                out.errors.push(e.to_string());
                return None;
            }
        };
        let mut m = HashMap::new();
        for (i, name) in &at {
            m.insert(
                *name,
                rec.get(*i)
                    .map(|c| c.trim().to_string())
                    .unwrap_or_default(),
            );
        }
        if m.values().all(|v| v.is_empty()) {
            continue;
        }
        rows.push((n, m));
    }
    if rows.is_empty() {
        out.errors.push("文件中没有数据行".into());
        return None;
    }
    Some(Table { rows })
}

fn get<'a>(m: &'a HashMap<&'static str, String>, k: &str) -> &'a str {
    m.get(k).map(String::as_str).unwrap_or("")
}

/// Checks required cells and duplicate 编号; pushes "第N行「列」：…" errors.
fn check_common(kind: Kind, t: &Table, errors: &mut Vec<String>) {
    let mut seen: HashMap<&str, u64> = HashMap::new();
    for (n, m) in &t.rows {
        for c in kind.columns().iter().filter(|c| c.required) {
            if get(m, c.name).is_empty() {
                errors.push(format!("第{n}行「{}」：不能为空", c.name));
            }
        }
        let id = get(m, "编号");
        if !id.is_empty() {
            if let Some(first) = seen.get(id) {
                errors.push(format!("第{n}行「编号」：{id} 与第{first}行重复"));
            } else {
                seen.insert(id, *n);
            }
        }
    }
}

fn push<T>(errors: &mut Vec<String>, n: u64, r: Result<T, String>) -> Option<T> {
    r.map_err(|e| errors.push(format!("第{n}行{e}"))).ok()
}

fn parse_results(t: &Table, owner: &str, errors: &mut Vec<String>) -> Vec<TechResult> {
    let mut out = Vec::new();
    for (n, m) in &t.rows {
        let trl = push(errors, *n, parse_trl(get(m, "技术成熟度")));
        let price = push(
            errors,
            *n,
            parse_wan_opt("参考价格（万元）", get(m, "参考价格（万元）")),
        );
        out.push(TechResult {
            id: get(m, "编号").into(),
            name: get(m, "名称").into(),
            summary: get(m, "摘要").into(),
            keywords: split_keywords(get(m, "关键词")),
            field: get(m, "学科领域").into(),
            unit: get(m, "完成单位").into(),
            inventors: get(m, "完成人").into(),
            trl: trl.flatten(),
            ip_status: get(m, "知识产权状态").into(),
            transfer_mode: get(m, "转化方式").into(),
            price_fen: price.flatten(),
            contact: get(m, "联系人").into(),
            owner: owner.into(),
            synthetic: false,
        });
    }
    out
}

async fn parse_demands(
    store: &Store,
    scope: &Scope,
    t: &Table,
    errors: &mut Vec<String>,
) -> Result<Vec<TechDemand>, gaoxin_store::Error> {
    let mut out = Vec::new();
    for (n, m) in &t.rows {
        let code = get(m, "统一社会信用代码");
        match Uscc::parse(code) {
            Ok(u) if store.enterprise(scope, &u).await?.is_none() => errors.push(format!(
                "第{n}行「统一社会信用代码」：{code} 不是您权限范围内已登记的企业"
            )),
            Ok(_) => {}
            Err(e) if !code.is_empty() => {
                errors.push(format!("第{n}行「统一社会信用代码」：{code} {e}"))
            }
            Err(_) => {}
        }
        let budget = push(
            errors,
            *n,
            parse_wan_opt("预算（万元）", get(m, "预算（万元）")),
        );
        let award = push(
            errors,
            *n,
            parse_wan_opt("奖励（万元）", get(m, "奖励（万元）")),
        );
        let deadline = push(errors, *n, parse_date_opt("截止日期", get(m, "截止日期")));
        let jiebang = push(errors, *n, parse_yes_no("揭榜挂帅", get(m, "揭榜挂帅")));
        out.push(TechDemand {
            id: get(m, "编号").into(),
            uscc: code.into(),
            name: get(m, "名称").into(),
            description: get(m, "需求描述").into(),
            field: get(m, "技术领域").into(),
            budget_fen: budget.flatten(),
            deadline: deadline.flatten(),
            jiebang: jiebang.unwrap_or(false),
            milestones: get(m, "里程碑").into(),
            award_fen: award.flatten(),
            ..TechDemand::default()
        });
    }
    Ok(out)
}

fn parse_experts(t: &Table, errors: &mut Vec<String>) -> Vec<TechExpert> {
    let mut out = Vec::new();
    for (n, m) in &t.rows {
        let kind = match get(m, "类型") {
            "" | "专家" | "expert" => "expert",
            "技术经纪人" | "经纪人" | "broker" => "broker",
            k => {
                errors.push(format!(
                    "第{n}行「类型」：应为 专家 或 技术经纪人，而不是「{k}」"
                ));
                "expert"
            }
        };
        out.push(TechExpert {
            id: get(m, "编号").into(),
            kind: kind.into(),
            name: get(m, "姓名").into(),
            unit: get(m, "单位").into(),
            fields: get(m, "领域").into(),
            keywords: split_keywords(get(m, "关键词")),
            contact: get(m, "联系方式").into(),
            synthetic: false,
        });
    }
    out
}

/// Imports `bytes` (.xlsx or .csv) of `kind`: demands only of firms in `scope`; results owned by
/// `owner` ('' for staff). One audit event `tech.import` when written.
pub async fn import(
    store: &Store,
    scope: &Scope,
    kind: Kind,
    bytes: Vec<u8>,
    owner: &str,
    who: &Who,
) -> Result<TechImport, gaoxin_store::Error> {
    let mut out = TechImport::default();
    let Some(t) = read_table(kind, bytes, &mut out) else {
        return Ok(out);
    };
    let mut errors = Vec::new();
    check_common(kind, &t, &mut errors);
    let now = gaoxin_store::unix_now();
    let n = t.rows.len();
    match kind {
        Kind::Results => {
            let rows = parse_results(&t, owner, &mut errors);
            if errors.is_empty() {
                store.upsert_tech_results(&rows, now).await?;
            }
        }
        Kind::Demands => {
            let rows = parse_demands(store, scope, &t, &mut errors).await?;
            if errors.is_empty()
                && let Err(i) = store.upsert_tech_demands(scope, &rows, now).await?
            {
                errors.push(format!(
                    "第{}行「编号」：{} 已由您权限范围以外的企业发布，未写入任何数据",
                    t.rows[i].0, rows[i].id
                ));
            }
        }
        Kind::Experts => {
            let rows = parse_experts(&t, &mut errors);
            if errors.is_empty() {
                store.upsert_tech_experts(&rows, now).await?;
            }
        }
    }
    if !errors.is_empty() {
        out.errors = errors;
        return Ok(out);
    }
    out.written = n;
    let park = match scope {
        Scope::Park(p) => Some(p.to_string()),
        _ => None,
    };
    audit::record(
        store,
        who,
        "tech.import",
        park.as_deref(),
        kind.key(),
        serde_json::json!({"kind": kind.zh(), "rows": n}),
    )
    .await?;
    Ok(out)
}

/// The import template of `kind`: the columns (required ones marked) and a sheet of instructions.
pub fn template_xlsx(kind: Kind) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let head: Vec<&str> = kind.columns().iter().map(|c| c.name).collect();
    let _ = list_sheet(&mut wb, kind.zh(), &head, 18.0)?;
    let ws = list_sheet(
        &mut wb,
        "填写说明",
        &["列", "必填", "说明", "英文列名"],
        30.0,
    )?;
    for (i, c) in kind.columns().iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, c.name)?;
        ws.write_string(r, 1, if c.required { "是" } else { "否" })?;
        ws.write_string(r, 2, c.help)?;
        ws.write_string(r, 3, c.aliases.first().copied().unwrap_or(""))?;
    }
    let r = kind.columns().len() as u32 + 2;
    ws.write_string(
        r,
        0,
        "整个文件检查无误才写入；任何一处错误（注明行号和列名）都不写入任何数据。编号相同的已登记条目将被更新。",
    )?;
    wb.save_to_buffer()
}

/// One result entered on the form (text fields as typed; shown again as typed when refused).
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct ResultInput {
    pub id: String,
    pub name: String,
    pub summary: String,
    #[serde(default)]
    pub keywords: String,
    #[serde(default)]
    pub field: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub trl: String,
    #[serde(default)]
    pub price: String,
    /// 完成人, 知识产权状态, 转化方式, 联系人: `None` (not on the form) keeps the stored value.
    #[serde(default)]
    pub inventors: Option<String>,
    #[serde(default)]
    pub ip_status: Option<String>,
    #[serde(default)]
    pub transfer_mode: Option<String>,
    #[serde(default)]
    pub contact: Option<String>,
}

/// Adds or edits one result from the form: a stored result is edited only by its owner (the
/// account that entered it) or a zone administrator; a new one belongs to `who`. Every problem is
/// returned (nothing written). One audit event `tech.result.save`.
pub async fn save_result(
    store: &Store,
    who: &Who,
    zone_admin: bool,
    i: &ResultInput,
) -> Result<Result<TechResult, Vec<String>>, gaoxin_store::Error> {
    save_result_of(store, who, zone_admin, None, i).await
}

/// [`save_result`] as a signed-in `role`: a university user (高校/院所) adds results of its own
/// 完成单位 (whatever the form says) and edits every stored result of that unit.
pub async fn save_result_as(
    store: &Store,
    role: &gaoxin_store::Role,
    who: &Who,
    i: &ResultInput,
) -> Result<Result<TechResult, Vec<String>>, gaoxin_store::Error> {
    let zone_admin = matches!(role, gaoxin_store::Role::ZoneAdmin);
    save_result_of(store, who, zone_admin, role.unit(), i).await
}

async fn save_result_of(
    store: &Store,
    who: &Who,
    zone_admin: bool,
    unit: Option<&str>,
    i: &ResultInput,
) -> Result<Result<TechResult, Vec<String>>, gaoxin_store::Error> {
    let mut errors = Vec::new();
    for (name, v) in [("编号", &i.id), ("名称", &i.name), ("摘要", &i.summary)] {
        if v.trim().is_empty() {
            errors.push(format!("「{name}」不能为空"));
        }
    }
    let trl = parse_trl(&i.trl).map_err(|e| errors.push(e)).ok().flatten();
    let price = parse_wan_opt("参考价格（万元）", &i.price)
        .map_err(|e| errors.push(e))
        .ok()
        .flatten();
    let stored = store.tech_result(&Scope::Zone, i.id.trim()).await?;
    if let Some(s) = &stored
        && !zone_admin
        && s.owner != who.actor
        && unit.is_none_or(|u| s.unit != u)
    {
        errors.push(format!(
            "成果 {} 由其他账号登记，您只能修改自己登记的成果",
            s.id
        ));
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let kept = |new: &Option<String>, old: Option<&String>| match new {
        Some(v) => v.trim().to_string(),
        None => old.cloned().unwrap_or_default(),
    };
    let r = TechResult {
        id: i.id.trim().to_string(),
        name: i.name.trim().to_string(),
        summary: i.summary.trim().to_string(),
        keywords: split_keywords(&i.keywords),
        field: i.field.trim().to_string(),
        unit: unit.unwrap_or(i.unit.trim()).to_string(),
        inventors: kept(&i.inventors, stored.as_ref().map(|s| &s.inventors)),
        trl,
        ip_status: kept(&i.ip_status, stored.as_ref().map(|s| &s.ip_status)),
        transfer_mode: kept(&i.transfer_mode, stored.as_ref().map(|s| &s.transfer_mode)),
        price_fen: price,
        contact: kept(&i.contact, stored.as_ref().map(|s| &s.contact)),
        synthetic: stored.as_ref().is_some_and(|s| s.synthetic),
        owner: stored.map(|s| s.owner).unwrap_or_else(|| who.actor.clone()),
    };
    store
        .upsert_tech_results(std::slice::from_ref(&r), gaoxin_store::unix_now())
        .await?;
    audit::record(
        store,
        who,
        "tech.result.save",
        None,
        &r.id,
        serde_json::json!({"name": r.name}),
    )
    .await?;
    Ok(Ok(r))
}
