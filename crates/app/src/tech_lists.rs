//! The 科技成果 and 技术需求 lists as .xlsx (issue 14): every result (a public registry) and the
//! demands in the reader's scope, one row each, money in 万元 through `model::present`; the web
//! download adds the 「说明」 sheet (data time, scope, export time). Synthetic items say so.
use crate::tech_views::{DemandRow, ResultRow};
use crate::xlsx::list_sheet;
use gaoxin_model::Zone;
use rust_xlsxwriter::{Workbook, XlsxError};

fn yes(b: bool) -> &'static str {
    if b { "是" } else { "否" }
}

/// yyyymmdd as yyyy-mm-dd (anything else as it is).
fn date(d: Option<i64>) -> String {
    match d {
        Some(d) if (10_000_000..100_000_000).contains(&d) => {
            format!("{}-{:02}-{:02}", d / 10_000, d / 100 % 100, d % 100)
        }
        Some(d) => d.to_string(),
        None => String::new(),
    }
}

/// The results list.
pub fn results_xlsx(rows: &[ResultRow]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let ws = list_sheet(
        &mut wb,
        "科技成果",
        &[
            "编号",
            "名称",
            "摘要",
            "关键词",
            "学科领域",
            "完成单位",
            "技术成熟度",
            "知识产权状态",
            "转化方式",
            "参考价格（万元）",
            "演示数据",
        ],
        16.0,
    )?;
    for (i, r) in rows.iter().enumerate() {
        let n = i as u32 + 1;
        ws.write_string(n, 0, &r.id)?;
        ws.write_string(n, 1, &r.name)?;
        ws.write_string(n, 2, &r.summary)?;
        ws.write_string(n, 3, r.keywords.join("；"))?;
        ws.write_string(n, 4, &r.field)?;
        ws.write_string(n, 5, &r.unit)?;
        if let Some(t) = r.trl {
            ws.write_number(n, 6, t as f64)?;
        }
        ws.write_string(n, 7, &r.ip_status)?;
        ws.write_string(n, 8, &r.transfer_mode)?;
        ws.write_string(n, 9, &r.price)?;
        ws.write_string(
            n,
            10,
            if r.synthetic {
                "合成演示数据"
            } else {
                ""
            },
        )?;
    }
    wb.save_to_buffer()
}

/// The demands list (parks by name).
pub fn demands_xlsx(zone: &Zone, rows: &[DemandRow]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let ws = list_sheet(
        &mut wb,
        "技术需求",
        &[
            "编号",
            "发布企业",
            "统一社会信用代码",
            "园区",
            "名称",
            "需求描述",
            "技术领域",
            "预算（万元）",
            "截止日期",
            "揭榜挂帅",
            "里程碑",
            "奖励（万元）",
            "演示数据",
        ],
        16.0,
    )?;
    for (i, d) in rows.iter().enumerate() {
        let n = i as u32 + 1;
        let park = zone
            .park(&d.park)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| d.park.clone());
        ws.write_string(n, 0, &d.id)?;
        ws.write_string(n, 1, &d.firm_name)?;
        ws.write_string(n, 2, &d.uscc)?;
        ws.write_string(n, 3, park)?;
        ws.write_string(n, 4, &d.name)?;
        ws.write_string(n, 5, &d.description)?;
        ws.write_string(n, 6, &d.field)?;
        ws.write_string(n, 7, &d.budget)?;
        ws.write_string(n, 8, date(d.deadline))?;
        ws.write_string(n, 9, yes(d.jiebang))?;
        ws.write_string(n, 10, &d.milestones)?;
        ws.write_string(n, 11, &d.award)?;
        ws.write_string(
            n,
            12,
            if d.synthetic {
                "合成演示数据"
            } else {
                ""
            },
        )?;
    }
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(xlsx: Vec<u8>) -> Vec<Vec<String>> {
        use calamine::{Reader, Xlsx};
        let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(xlsx)).unwrap();
        let name = wb.sheet_names()[0].clone();
        let range = wb.worksheet_range(&name).unwrap();
        range
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    }

    #[test]
    fn one_row_per_item_with_chinese_headers() {
        let r = ResultRow {
            id: "CG1".into(),
            name: "碳化硅功率器件".into(),
            summary: "摘要".into(),
            keywords: vec!["碳化硅".into(), "封装".into()],
            field: "集成电路".into(),
            unit: "东南大学".into(),
            trl: Some(7),
            ip_status: String::new(),
            transfer_mode: "许可".into(),
            price: "200.00".into(),
            synthetic: true,
        };
        let c = cells(results_xlsx(&[r]).unwrap());
        assert_eq!(c[0][0], "编号");
        assert_eq!(c[1][0], "CG1");
        assert_eq!(c[1][3], "碳化硅；封装");
        assert_eq!(c[1][6], "7");
        assert_eq!(c[1][10], "合成演示数据");
        let zone = Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap();
        let park = zone.parks[0].id.clone();
        let d = DemandRow {
            id: "D1".into(),
            uscc: "91320100MA1XXXXX0X".into(),
            firm_name: "甲公司".into(),
            park: park.to_string(),
            name: "需求".into(),
            description: "描述".into(),
            field: "集成电路".into(),
            budget: "50.00".into(),
            deadline: Some(20_261_231),
            jiebang: true,
            milestones: String::new(),
            award: "—".into(),
            synthetic: false,
        };
        let c = cells(demands_xlsx(&zone, &[d]).unwrap());
        assert_eq!(c[1][3], zone.parks[0].name);
        assert_eq!((c[1][8].as_str(), c[1][9].as_str()), ("2026-12-31", "是"));
    }
}
