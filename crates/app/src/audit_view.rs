//! The audit trail as people read it (issue 13): the page 操作记录 and `gaoxin audit` — filters
//! parsed with Chinese messages, entries shown with Beijing time (`model::present`), the action
//! and role in Chinese, the park by name and the detail as readable lines (`字段：旧 → 新`), and
//! the same list as an .xlsx workbook. Reading is scoped by the store.
use gaoxin_model::{Date, Zone, present};
use gaoxin_store::{AuditEntry, AuditFilter, Scope, Store};
use rust_xlsxwriter::{Workbook, XlsxError};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Entries per page.
pub const PAGE_SIZE: i64 = 50;
/// At most this many entries go into one export (newest first; the workbook says so).
pub const MAX_EXPORT: i64 = 100_000;

/// The dotted actions the platform records and their Chinese names.
pub const ACTIONS: &[(&str, &str)] = &[
    ("import.commit", "导入企业数据"),
    ("park_input.set", "录入园区指标"),
    ("park_input.clear", "清除园区指标"),
    ("user.create", "创建账号"),
    ("user.disable", "停用账号"),
    ("user.reset_password", "重设密码"),
    ("user.password_change", "修改本人密码"),
    ("consent.grant", "授权银行查询"),
    ("consent.revoke", "撤销银行授权"),
    ("bank.add", "登记银行"),
    ("bank.disable", "停用银行"),
    ("rules.run", "梯度培育与政策评估"),
    ("evaluation.run", "园区评价"),
    ("points.run", "创新积分计算"),
    ("appeal.file", "提交诉求"),
    ("appeal.import", "导入诉求"),
    ("appeal.transition", "诉求办理"),
    ("appeal.attach", "诉求附件"),
    ("appeal.escalate", "诉求超期提级"),
    ("appeal.key_add", "登记诉求推送密钥"),
    ("finance.demand", "申报贷款需求"),
    ("finance.withdraw", "撤回贷款需求"),
    ("finance.publish", "发布需求清单"),
    ("finance.response", "银行回应需求"),
    ("finance.points_loan", "创新积分贷结果"),
    ("finance.apply", "申报应用场景"),
    ("finance.application", "场景申报状态"),
    ("finance.scenarios_import", "导入应用场景"),
    ("finance.funds_import", "导入基金"),
    ("finance.investments_import", "导入基金投资"),
    ("finance.demands_import", "导入贷款需求"),
    ("finance.responses_import", "导入银行回应"),
    ("lead.create", "登记线索"),
    ("lead.import", "导入线索"),
    ("lead.change", "线索变更"),
    ("track.save", "赛道要素保存"),
    ("track.delete", "赛道要素删除"),
    ("track.import", "导入赛道要素"),
    ("links.import", "导入集群关联"),
    ("firm.move_park", "企业变更园区"),
    ("backup.create", "备份数据库"),
    ("backup.restore", "恢复数据库"),
    ("payout.compute", "政策兑现·测算"),
    ("payout.recompute", "政策兑现·重新测算"),
    ("payout.flag", "政策兑现·标记不再符合"),
    ("payout.unflag", "政策兑现·取消标记"),
    ("payout.apply", "政策兑现·申报"),
    ("payout.exempt", "政策兑现·免申"),
    ("payout.approve", "政策兑现·核准"),
    ("payout.reduce", "政策兑现·核减"),
    ("payout.reject", "政策兑现·不予核准"),
    ("payout.pay", "政策兑现·拨付"),
    ("payout.confirm_pay", "政策兑现·复核通过"),
    ("payout.return_pay", "政策兑现·复核退回"),
    ("payout.publish", "政策兑现·公示"),
    ("payout.import", "导入拨付记录"),
    ("payout.fund", "专项资金录入"),
    ("payout.demo", "演示台账"),
    ("payout.fund_import", "导入专项资金"),
    ("reform.adopt", "采纳改革方案"),
    ("talent.import", "导入人才"),
    ("talent.read", "查看人才信息"),
    ("talent.list", "查看人才名单"),
    ("talent.export", "导出人才名单"),
    ("talent.subject_access", "人才本人信息查询"),
    ("talent.request", "人才服务诉求"),
    ("rdi.import", "导入新型研发机构"),
    ("rdi.evaluate", "新型研发机构评价"),
    ("case.open", "成果对接·推荐"),
    ("case.move", "成果对接·推进"),
    ("case.decline", "成果对接·放弃"),
    ("case.contract", "技术合同登记"),
    ("tech.import", "导入成果转化数据"),
    ("tech.result.save", "登记或修改科技成果"),
    ("tech.demand.create", "登记技术需求"),
    ("tech.demand.update", "修改技术需求"),
    ("tech.expert.create", "登记专家或技术经纪人"),
    ("tech.expert.update", "修改专家或技术经纪人"),
    ("carrier.import", "导入孵化载体"),
    ("carrier.evaluate", "孵化载体评价"),
];

/// The Chinese name of `action` (the action itself when the platform does not name it).
pub fn action_zh(action: &str) -> String {
    ACTIONS
        .iter()
        .find(|(a, _)| *a == action)
        .map(|(_, z)| z.to_string())
        .unwrap_or_else(|| action.to_string())
}

/// The detail's keys in Chinese (a key not listed is shown as it is).
const KEYS: &[(&str, &str)] = &[
    ("file", "文件"),
    ("job", "任务"),
    ("rows", "行数"),
    ("firms_inserted", "新增企业"),
    ("firms_updated", "更新企业"),
    ("firms_unchanged", "未变企业"),
    ("facts_inserted", "新增年度数据"),
    ("facts_updated", "更新年度数据"),
    ("facts_unchanged", "未变年度数据"),
    ("fields_changed", "变更字段数（明细见导入结果）"),
    ("changes_listed", "导入结果列出的变更"),
    ("warnings_accepted", "已确认警告"),
    ("uscc", "企业代码"),
    ("firm", "企业名称"),
    ("category", "类别"),
    ("channel", "渠道"),
    ("title", "标题"),
    ("action", "操作"),
    ("from", "原"),
    ("to", "新"),
    ("note", "说明"),
    ("department", "承办部门"),
    ("bytes", "大小（字节）"),
    ("seq", "序号"),
    ("import", "批量导入"),
    ("track", "赛道"),
    ("event", "来源活动"),
    ("stage", "阶段"),
    ("state", "状态"),
    ("reason", "原因"),
    ("invest_wan", "投资（万元）"),
    ("name", "名称"),
    ("who", "责任主体"),
    ("since", "起始"),
    ("status", "状态"),
    ("elements", "要素"),
    ("appeals", "诉求编号"),
    ("consent", "授权编号"),
    ("bank", "银行"),
    ("expires", "到期"),
    ("demand", "需求编号"),
    ("demands", "列入需求"),
    ("purpose", "用途"),
    ("amount_fen", "金额"),
    ("approved_fen", "审批金额"),
    ("reason_code", "原因代码"),
    ("outcome", "结果"),
    ("points_year", "积分年度"),
    ("scenario", "场景"),
    ("scenarios", "场景数"),
    ("written", "写入条数"),
    ("run", "运行编号"),
    ("input_hash", "输入哈希"),
    ("mc", "模拟次数"),
    ("year", "年度"),
    ("indicator", "指标"),
    ("value", "数值"),
    ("by", "填报人"),
    ("role", "身份"),
    ("park", "园区"),
    ("native", "数据库自身格式"),
    ("filter", "筛选条件"),
    ("field", "领域"),
    ("employer", "用人单位"),
    ("arrival_year", "引进年份"),
    ("q", "关键词"),
    ("fields", "查看内容"),
    ("personal", "含个人信息"),
    ("accesses", "查阅记录数"),
    ("talents", "人才数"),
    ("programmes", "人才计划条目"),
    ("replaced", "替换条目"),
    ("codes", "人才编号"),
    ("appeal", "诉求编号"),
    ("service", "服务"),
    ("limit_days", "时限（工作日）"),
    ("rule", "政策"),
    ("paid_on", "拨付日期"),
    ("fund_source", "资金来源"),
    ("step", "环节"),
    ("institutions", "机构"),
    ("years", "年度"),
    ("synthetic", "演示数据"),
    ("warnings", "退出预警"),
    ("result", "成果编号"),
    ("reg_no", "登记号"),
    ("kind", "类型"),
    ("on", "日期"),
    ("carriers", "载体"),
    ("links", "在孵企业关联"),
    ("import_id", "导入编号"),
    ("reform", "改革方案"),
    ("files", "规则文件"),
    ("effective", "生效日期"),
    ("changes", "修改内容"),
];

fn key_zh(k: &str) -> &str {
    KEYS.iter().find(|(a, _)| *a == k).map_or(k, |(_, z)| z)
}

fn role_zh(role: &str) -> &str {
    match role {
        "zone_admin" => "管委会管理员",
        "zone_analyst" => "管委会分析员",
        "park_admin" => "园区管理员",
        "enterprise" => "企业",
        "department" => "职能部门",
        "bank" => "银行",
        "api" => "外部系统",
        "cli" => "命令行",
        "system" => "系统",
        other => other,
    }
}

/// The filters as typed (a form or flags); empty fields do not narrow.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct AuditQuery {
    #[serde(default)]
    pub actor: String,
    #[serde(default)]
    pub action: String,
    /// A park's id or name.
    #[serde(default)]
    pub park: String,
    #[serde(default)]
    pub subject: String,
    /// From this day on (Beijing), `2026-12-01`.
    #[serde(default)]
    pub since: String,
    /// Up to and including this day (Beijing).
    #[serde(default)]
    pub until: String,
    /// 1-based page.
    #[serde(default)]
    pub page: Option<i64>,
}

/// `q` as the store's filter, or a Chinese message naming the field.
pub fn filter(zone: &Zone, q: &AuditQuery) -> Result<AuditFilter, String> {
    let text = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    let day = |s: &str, name: &str| -> Result<Option<Date>, String> {
        match text(s) {
            None => Ok(None),
            Some(t) => Date::parse(&t)
                .map(Some)
                .ok_or_else(|| format!("「{name}」应为日期，如 2026-12-01（收到「{t}」）")),
        }
    };
    let park = match text(&q.park) {
        None => None,
        Some(p) => Some(
            zone.park(&p)
                .map(|x| x.id.as_str().to_string())
                .ok_or_else(|| format!("「园区」没有名为「{p}」的园区"))?,
        ),
    };
    let since = day(&q.since, "起始日期")?;
    let until = day(&q.until, "截止日期")?;
    if let (Some(a), Some(b)) = (since, until)
        && a > b
    {
        return Err("「起始日期」晚于「截止日期」".into());
    }
    Ok(AuditFilter {
        actor: text(&q.actor),
        action: text(&q.action),
        park,
        subject: text(&q.subject),
        since_us: since.map(|d| (present::end_of_day_shanghai(d) - 86_400) * 1_000_000),
        until_us: until.map(|d| present::end_of_day_shanghai(d) * 1_000_000),
    })
}

/// One entry as shown.
#[derive(Debug, Clone, Serialize)]
pub struct AuditRow {
    /// Beijing time.
    pub when: String,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub action_zh: String,
    /// The park's name; empty for the zone's own records.
    pub park: String,
    pub subject: String,
    /// The detail as readable lines.
    pub detail: Vec<String>,
}

fn row(zone: &Zone, e: &AuditEntry) -> AuditRow {
    let park = e
        .event
        .park
        .as_deref()
        .map(|p| {
            zone.park(p)
                .map(|x| x.name.clone())
                .unwrap_or(p.to_string())
        })
        .unwrap_or_default();
    AuditRow {
        when: present::datetime(e.at_us.div_euclid(1_000_000)),
        actor: e.event.actor.clone(),
        role: role_zh(&e.event.role).to_string(),
        action: e.event.action.clone(),
        action_zh: action_zh(&e.event.action),
        park,
        subject: e.event.subject.clone(),
        detail: readable(&e.event.detail),
    }
}

/// A detail (JSON text) as lines: `key：value`, a `{from, to}` pair as `key：old → new`, a
/// list joined; text that is not JSON as it is.
pub fn readable(detail: &str) -> Vec<String> {
    let Ok(v) = serde_json::from_str::<Value>(detail) else {
        return vec![detail.to_string()];
    };
    match v {
        Value::Object(m) => m
            .iter()
            .filter(|(_, v)| !v.is_null() && *v != &Value::String(String::new()))
            .map(|(k, v)| match v {
                Value::Number(n) if k.ends_with("_fen") => match n.as_i64() {
                    Some(f) => format!("{}：{}", key_zh(k), present::money(f)),
                    None => format!("{}：{n}", key_zh(k)),
                },
                // a policy by its name, not its rule file's id
                Value::String(id) if k == "rule" => format!("{}：{}", key_zh(k), policy_name(id)),
                _ => format!("{}：{}", key_zh(k), scalar(v)),
            })
            .collect(),
        Value::Null => vec![],
        other => vec![scalar(&other)],
    }
}

/// A policy's name by its rule id (the rule files', read once); an unknown id as it is.
fn policy_name(id: &str) -> String {
    static NAMES: std::sync::OnceLock<std::collections::HashMap<String, String>> =
        std::sync::OnceLock::new();
    NAMES
        .get_or_init(crate::payouts::policy_names)
        .get(id)
        .cloned()
        .unwrap_or_else(|| id.to_string())
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => if *b { "是" } else { "否" }.into(),
        Value::Null => "（空）".into(),
        Value::Array(a) => a.iter().map(scalar).collect::<Vec<_>>().join("、"),
        Value::Object(m) if m.contains_key("from") && m.contains_key("to") => {
            format!("{} → {}", scalar(&m["from"]), scalar(&m["to"]))
        }
        // a nested record (e.g. a list's filter): its set fields as `key=value`, in Chinese
        Value::Object(m) => {
            let set: Vec<String> = m
                .iter()
                .filter(|(_, v)| !v.is_null() && *v != &Value::String(String::new()))
                .map(|(k, v)| format!("{}={}", key_zh(k), scalar(v)))
                .collect();
            if set.is_empty() {
                "（无）".into()
            } else {
                set.join("，")
            }
        }
        other => other.to_string(),
    }
}

/// One page of the trail.
#[derive(Debug, Clone, Serialize)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
}

/// The page `q.page` of the entries `scope` may read that match `q`.
pub async fn page(
    store: &Store,
    zone: &Zone,
    scope: &Scope,
    q: &AuditQuery,
) -> Result<Result<AuditPage, String>, gaoxin_store::Error> {
    let f = match filter(zone, q) {
        Ok(f) => f,
        Err(e) => return Ok(Err(e)),
    };
    let total = store.audit_count(scope, &f).await?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let page = q.page.unwrap_or(1).clamp(1, pages);
    let entries = store
        .audit_entries(scope, &f, PAGE_SIZE, (page - 1) * PAGE_SIZE)
        .await?;
    Ok(Ok(AuditPage {
        rows: entries.iter().map(|e| row(zone, e)).collect(),
        total,
        page,
        pages,
    }))
}

/// Every entry (up to [`MAX_EXPORT`]) `scope` may read that match `f`, newest first.
pub async fn entries(
    store: &Store,
    scope: &Scope,
    f: &AuditFilter,
) -> Result<Vec<AuditEntry>, gaoxin_store::Error> {
    store.audit_entries(scope, f, MAX_EXPORT, 0).await
}

/// The entries as shown, for a command's table.
pub fn rows(zone: &Zone, es: &[AuditEntry]) -> Vec<AuditRow> {
    es.iter().map(|e| row(zone, e)).collect()
}

/// The entries `scope` may read that match `q` as an .xlsx workbook (`Err(message)`: a filter
/// that does not parse).
pub async fn workbook(
    store: &Store,
    zone: &Zone,
    scope: &Scope,
    q: &AuditQuery,
) -> Result<Result<Vec<u8>, String>, crate::error::EvalError> {
    let f = match filter(zone, q) {
        Ok(f) => f,
        Err(e) => return Ok(Err(e)),
    };
    let es = entries(store, scope, &f).await?;
    let bytes = sheet(&rows(zone, &es))
        .map_err(|e| crate::error::EvalError::Engine(format!("生成 Excel 失败：{e}")))?;
    Ok(Ok(bytes))
}

fn sheet(rows: &[AuditRow]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let head = [
        "时间（北京时间）",
        "操作人",
        "身份",
        "操作",
        "操作代码",
        "园区",
        "对象",
        "内容",
    ];
    let ws = crate::xlsx::list_sheet(&mut wb, "操作记录", &head, 18.0)?;
    ws.set_column_width(7, 60.0)?;
    for (i, r) in rows.iter().enumerate() {
        let n = i as u32 + 1;
        let cells = [
            &r.when,
            &r.actor,
            &r.role,
            &r.action_zh,
            &r.action,
            &r.park,
            &r.subject,
            &r.detail.join("\n"),
        ];
        for (c, v) in cells.iter().enumerate() {
            ws.write_string(n, c as u16, v.as_str())?;
        }
    }
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone() -> Zone {
        Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap()
    }

    #[test]
    fn filters_parse_with_chinese_messages() {
        let z = zone();
        let q = AuditQuery {
            since: "2026-12-01".into(),
            until: "2026-12-01".into(),
            park: "江北新区".into(),
            ..AuditQuery::default()
        };
        let f = filter(&z, &q).unwrap();
        assert_eq!(f.park.as_deref(), Some("jiangbei"));
        // one Beijing day: 2026-11-30 16:00 UTC .. 2026-12-01 16:00 UTC
        assert_eq!(f.until_us.unwrap() - f.since_us.unwrap(), 86_400_000_000);
        assert_eq!(f.since_us.unwrap() / 1_000_000 % 86_400, 16 * 3600);
        let bad = AuditQuery {
            since: "12/01".into(),
            ..AuditQuery::default()
        };
        assert!(filter(&z, &bad).unwrap_err().contains("起始日期"));
        let bad = AuditQuery {
            park: "火星园".into(),
            ..AuditQuery::default()
        };
        assert!(filter(&z, &bad).unwrap_err().contains("火星园"));
    }

    #[test]
    fn details_read_as_lines() {
        let d = r#"{"stage":{"from":1,"to":2},"note":"","list":["a","b"],"n":3}"#;
        let lines = readable(d);
        assert!(lines.contains(&"阶段：1 → 2".to_string()), "{lines:?}");
        assert!(lines.contains(&"list：a、b".to_string()));
        assert!(lines.contains(&"n：3".to_string()));
        let money = readable(r#"{"amount_fen":1234500}"#);
        assert_eq!(money, vec![format!("金额：{}", present::money(1_234_500))]);
        assert!(!lines.iter().any(|l| l.starts_with("note")));
        assert_eq!(readable("not json"), vec!["not json".to_string()]);
        // a policy reads as its name, never as its rule file's id
        let names = crate::payouts::policy_names();
        let (id, name) = names.iter().next().expect("the shipped rule files");
        assert_eq!(
            readable(&format!(r#"{{"rule":"{id}"}}"#)),
            vec![format!("政策：{name}")]
        );
        // a nested filter reads as its set fields in Chinese, never as JSON
        let f = readable(r#"{"rows":3,"filter":{"park":"jiangbei","arrival_year":null,"q":""}}"#);
        assert!(f.contains(&"筛选条件：园区=jiangbei".to_string()), "{f:?}");
        assert_eq!(
            readable(r#"{"filter":{"park":null}}"#),
            vec!["筛选条件：（无）".to_string()]
        );
    }

    #[test]
    fn every_action_has_a_chinese_name() {
        assert_eq!(action_zh("import.commit"), "导入企业数据");
        assert_eq!(action_zh("x.y"), "x.y");
        // every action the platform records has a Chinese name
        for a in [
            "payout.approve",
            "payout.pay",
            "payout.compute",
            "talent.list",
            "talent.read",
            "rdi.import",
            "case.move",
            "case.contract",
            "carrier.import",
            "carrier.evaluate",
            "tech.demand.create",
            "tech.demand.update",
            "tech.expert.create",
            "tech.expert.update",
        ] {
            assert_ne!(action_zh(a), a, "{a}");
        }
        let mut seen = std::collections::HashSet::new();
        assert!(ACTIONS.iter().all(|(a, _)| seen.insert(*a)));
    }
}
