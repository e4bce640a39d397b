//! Appeals as spreadsheets: the list exported to .xlsx, and appeals imported from .xlsx / .csv
//! (staff filing many at once: all or nothing, every error naming its row and column).
use crate::appeals::{Actor, AppealError, Filing, ListItem, prepare};
use crate::appeals_data::AppealsConfig;
use crate::xlsx::list_sheet;
use gaoxin_model::Date;
use gaoxin_store::Store;
use rust_xlsxwriter::{Workbook, XlsxError};

/// The import's columns: (header, required).
pub const IMPORT_COLUMNS: [(&str, bool); 7] = [
    ("统一社会信用代码", true),
    ("诉求类别", false),
    ("标题", false),
    ("诉求内容", true),
    ("联系人及电话", true),
    ("渠道", false),
    ("相关政策", false),
];

fn date_text(v: Option<i64>) -> String {
    v.and_then(Date::from_int)
        .map(|d| d.to_string())
        .unwrap_or_default()
}

fn yes_no(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "是",
        Some(false) => "否",
        None => "",
    }
}

/// The list as an .xlsx workbook (one row per appeal).
pub fn export(
    items: &[ListItem],
    park_name: &dyn Fn(&str) -> String,
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let head = [
        "编号",
        "企业名称",
        "统一社会信用代码",
        "园区",
        "诉求类别",
        "标题",
        "诉求内容",
        "联系人及电话",
        "渠道",
        "承办",
        "状态",
        "已提级",
        "重办次数",
        "受理日期",
        "答复期限",
        "时限状态",
        "剩余工作日",
        "首次答复",
        "办结日期",
        "满意",
        "已解决",
        "相关政策",
    ];
    let ws = list_sheet(&mut wb, "诉求", &head, 14.0)?;
    for (i, it) in items.iter().enumerate() {
        let r = &it.row;
        let row = (i + 1) as u32;
        let texts = [
            r.id.to_string(),
            r.firm_name.clone(),
            r.uscc.clone(),
            park_name(&r.park),
            r.category.clone(),
            r.title.clone(),
            r.description.clone(),
            r.contact.clone(),
            r.channel.clone(),
            it.department_name.clone(),
            r.state.clone(),
            if r.escalated {
                "是".into()
            } else {
                String::new()
            },
            r.reopened.to_string(),
            date_text(Some(r.filed_on)),
            it.sla.due.map(|d| d.to_string()).unwrap_or_default(),
            it.sla.level.zh().into(),
            if it.sla.due.is_some() {
                it.sla.left.to_string()
            } else {
                String::new()
            },
            date_text(r.replied_on),
            date_text(r.closed_on),
            yes_no(r.satisfied).into(),
            yes_no(r.resolved).into(),
            r.rule_file.clone().unwrap_or_default(),
        ];
        for (c, t) in texts.iter().enumerate() {
            ws.write_string(row, c as u16, t)?;
        }
    }
    wb.save_to_buffer()
}

/// What an import did: the ids filed, or every error (row and column named) and nothing written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportOutcome {
    Filed(Vec<i64>),
    Refused(Vec<String>),
}

/// Imports appeals from an .xlsx or .csv file's bytes: every row is checked first; any error →
/// nothing written. A blank 渠道 is 导入.
pub async fn import(
    store: &Store,
    cfg: &AppealsConfig,
    actor: &Actor,
    bytes: Vec<u8>,
    now: i64,
) -> Result<ImportOutcome, AppealError> {
    let sheet = match gaoxin_ingest::read::open_bytes(bytes) {
        Ok(s) => s,
        Err(e) => return Ok(ImportOutcome::Refused(vec![e.to_string()])),
    };
    let mut errors = Vec::new();
    let mut at = [None; IMPORT_COLUMNS.len()];
    for (k, (name, required)) in IMPORT_COLUMNS.iter().enumerate() {
        at[k] = sheet.headers.iter().position(|h| h.trim() == *name);
        if *required && at[k].is_none() {
            errors.push(format!("第1行（表头）：缺少列「{name}」"));
        }
    }
    for (i, h) in sheet.headers.iter().enumerate() {
        if !h.trim().is_empty() && !IMPORT_COLUMNS.iter().any(|(n, _)| *n == h.trim()) {
            errors.push(format!(
                "第1行（表头）第{}列：未知列「{}」（可用列：{}）",
                i + 1,
                h.trim(),
                IMPORT_COLUMNS.map(|c| c.0).join("、")
            ));
        }
    }
    if !errors.is_empty() {
        return Ok(ImportOutcome::Refused(errors));
    }
    let mut ready = Vec::new();
    for item in sheet.rows {
        let (n, rec) = match item {
            Ok(x) => x,
            Err(e) => {
                errors.push(e.to_string());
                break;
            }
        };
        let cell = |k: usize| at[k].and_then(|i| rec.get(i)).unwrap_or("").to_string();
        if (0..IMPORT_COLUMNS.len()).all(|k| cell(k).trim().is_empty()) {
            continue;
        }
        let channel = cell(5);
        let f = Filing {
            uscc: cell(0),
            category: cell(1),
            title: cell(2),
            description: cell(3),
            contact: cell(4),
            channel: if channel.trim().is_empty() {
                "导入".into()
            } else {
                channel
            },
            rule: cell(6),
        };
        match prepare(store, cfg, actor, &f, now).await {
            Ok(a) => ready.push(a),
            Err(AppealError::Invalid(m)) | Err(AppealError::Refused(m)) => {
                errors.push(format!("第{n}行：{m}"))
            }
            Err(e) => return Err(e),
        }
        if errors.len() >= 200 {
            errors.push("错误过多，仅列出前200条".into());
            break;
        }
    }
    if !errors.is_empty() {
        return Ok(ImportOutcome::Refused(errors));
    }
    if ready.is_empty() {
        return Ok(ImportOutcome::Refused(vec![
            "文件中没有诉求（表头之后没有数据行）".into(),
        ]));
    }
    let ids = store.file_appeals(&ready).await?;
    for (a, id) in ready.iter().zip(&ids) {
        let detail = serde_json::json!({"uscc": a.uscc, "category": a.category, "channel": a.channel, "import": true});
        crate::audit::record(
            store,
            &actor.who(),
            "appeal.import",
            Some(&a.park),
            &id.to_string(),
            detail,
        )
        .await?;
    }
    Ok(ImportOutcome::Filed(ids))
}

/// The import template: the header row and one example row.
pub fn template() -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let head = IMPORT_COLUMNS.map(|c| c.0);
    let ws = list_sheet(&mut wb, "诉求导入", &head, 18.0)?;
    let example = [
        "91320191MA1XXXXXXX",
        "融资",
        "流动资金贷款",
        "企业流动资金紧张，希望对接银行授信",
        "王经理 025-00000000",
        "电话",
        "",
    ];
    for (c, t) in example.iter().enumerate() {
        ws.write_string(1, c as u16, *t)?;
    }
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests;
