//! Talent workbooks: the import template and the list export (personal columns only on request).
use crate::talent::{Reader, TalentError, export_reason, filter_json, masked_id};
use crate::talent_import::{
    DEGREES, EMPLOYER_KINDS, GENDERS, LEVELS, OPTIONAL, REQUIRED, STATUSES, TEAM_ROLES,
};
use crate::talent_service::ServiceConfig;
use crate::xlsx::list_sheet;
use gaoxin_model::Zone;
use gaoxin_store::{Store, Talent, TalentFilter};
use rust_xlsxwriter::{Workbook, XlsxError};
use serde_json::json;

/// The import template: the columns (required first), one example row, and the instructions with
/// every list of choices.
pub fn template(zone: &Zone, cfg: &ServiceConfig) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let head: Vec<&str> = REQUIRED.iter().chain(OPTIONAL.iter()).copied().collect();
    let ws = list_sheet(&mut wb, "人才", &head, 16.0)?;
    let park = zone.parks.first().map(|p| p.name.as_str()).unwrap_or("");
    let example = [
        "RC2024-0001",
        "张三",
        "男",
        "1985",
        "中国",
        "博士",
        "人工智能",
        "高校",
        "南京大学",
        "2022",
        "在岗",
        park,
        "教授",
        "",
        "智能感知团队",
        "负责人",
        "是",
        "A",
        "",
        "",
        "紫金山英才计划",
        "市级",
        "2022",
        "2022年紫金山英才计划入选名单",
        "",
    ];
    for (c, v) in example.iter().enumerate() {
        ws.write_string(1, c as u16, *v)?;
    }
    let ws = wb.add_worksheet();
    ws.set_name("填写说明")?;
    ws.set_column_width(0, 24)?;
    ws.set_column_width(1, 90)?;
    let levels: Vec<String> = cfg
        .levels
        .iter()
        .map(|l| format!("{}（{}）", l.id, l.name))
        .collect();
    let parks: Vec<&str> = zone.parks.iter().map(|p| p.name.as_str()).collect();
    let notes: Vec<(&str, String)> = vec![
        ("说明", "每行一名人才的一项入选计划；同一人才入选多项计划时写多行，人才编号相同，个人信息各列须一致。导入要么全部写入，要么（有任何错误时）一行也不写入。".into()),
        ("必填列", REQUIRED.join("、")),
        ("性别", GENDERS.join("、")),
        ("最高学历", DEGREES.join("、")),
        ("工作单位类型", format!("{}；为「企业」时须填工作单位统一社会信用代码（平台已有企业），园区可留空（取企业所在园区）", EMPLOYER_KINDS.join("、"))),
        ("状态", format!("{}；为「离开」时须填离开年份", STATUSES.join("、"))),
        ("团队角色", format!("{}（与团队同时填写）", TEAM_ROLES.join("、"))),
        ("顶尖人才（团队）", "是、否：计入“集聚顶尖人才（团队）100个”目标".into()),
        ("英才卡等级", format!("{}、无（等级与服务为本平台设定，未确认）", levels.join("、"))),
        ("计划层级", LEVELS.join("、")),
        ("园区", parks.join("、")),
        ("身份证号码", "可不填。填写时校验号码与出生年份，平台只保留末四位，不保存完整号码。".into()),
        ("个人信息", "人才记录仅所在园区与高新区人才工作部门（高新区管理员）可见；每次查阅、导出均记入审计日志。".into()),
    ];
    for (r, (k, v)) in notes.iter().enumerate() {
        ws.write_string(r as u32, 0, *k)?;
        ws.write_string(r as u32, 1, v)?;
    }
    wb.save_to_buffer()
}

/// The talents as .xlsx; `personal`: with name, gender, birth year, nationality and the masked
/// ID number (the export's reason is checked and recorded by the caller).
pub fn list(talents: &[Talent], personal: bool) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let mut head = vec!["人才编号"];
    if personal {
        head.extend(["姓名", "性别", "出生年份", "国籍", "身份证号码（末四位）"]);
    }
    head.extend([
        "最高学历",
        "领域",
        "职称",
        "工作单位类型",
        "工作单位",
        "工作单位统一社会信用代码",
        "园区",
        "团队",
        "团队角色",
        "顶尖人才（团队）",
        "英才卡等级",
        "引进年份",
        "状态",
        "离开年份",
        "入选计划",
        "来源",
    ]);
    let ws = list_sheet(&mut wb, "人才", &head, 14.0)?;
    for (i, t) in talents.iter().enumerate() {
        let mut row: Vec<String> = vec![t.code.clone()];
        if personal {
            row.extend([
                t.name.clone(),
                t.gender.clone(),
                t.birth_year.to_string(),
                t.nationality.clone(),
                masked_id(t),
            ]);
        }
        let progs: Vec<String> = t
            .programmes
            .iter()
            .map(|p| format!("{}（{}，{}年）", p.programme, p.level, p.year))
            .collect();
        row.extend([
            t.degree.clone(),
            t.field.clone(),
            t.title.clone(),
            t.employer_kind.clone(),
            t.employer_name.clone(),
            t.employer_uscc.clone().unwrap_or_default(),
            t.park.clone(),
            t.team.clone().unwrap_or_default(),
            t.team_role.clone().unwrap_or_default(),
            if t.top_team { "是" } else { "否" }.to_string(),
            t.card_level.clone().unwrap_or_default(),
            t.arrival_year.to_string(),
            t.status.clone(),
            t.left_year.map(|y| y.to_string()).unwrap_or_default(),
            progs.join("；"),
            t.source.clone(),
        ]);
        for (c, v) in row.iter().enumerate() {
            ws.write_string(i as u32 + 1, c as u16, v)?;
        }
    }
    wb.save_to_buffer()
}

/// The talents matching `f` as .xlsx: with personal fields (name, gender, birth year,
/// nationality, ID tail) only with a reason, recorded as `talent.export`.
pub async fn export(
    store: &Store,
    r: &Reader,
    f: &TalentFilter,
    personal: bool,
    reason: &str,
) -> Result<Vec<u8>, TalentError> {
    let reason = export_reason(personal, reason)?;
    let v = store.talents(&r.scope, f).await?;
    let bytes = list(&v, personal).map_err(|e| TalentError::Xlsx(e.to_string()))?;
    crate::audit::record(
        store,
        &r.who,
        "talent.export",
        r.park().as_deref().or(f.park.as_deref()),
        "人才名单",
        json!({"rows": v.len(), "personal": personal, "reason": reason, "filter": filter_json(f)}),
    )
    .await?;
    Ok(bytes)
}
