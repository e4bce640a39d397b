//! Exports of the panel in exactly the columns the import reads, so an export re-imports
//! unchanged; and the import template with its filling instructions.
use crate::columns::{Col, IDENTITY, SOURCE_DETAIL_ZH, SOURCE_ZH, template_columns};
use crate::import::IngestError;
use gaoxin_model::facts::{Kind, format_value};
use gaoxin_model::{Enterprise, F, Facts, ParkId, Provenance, Year, Zone};
use gaoxin_store::{Scope, Store};
use rust_xlsxwriter::{Format, Workbook, Worksheet};
use std::collections::HashMap;
use std::io::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Xlsx,
    /// UTF-8 with a BOM, which Excel opens correctly.
    Csv,
}

impl ExportFormat {
    pub fn parse(s: &str) -> Option<ExportFormat> {
        match s.to_ascii_lowercase().as_str() {
            "xlsx" => Some(ExportFormat::Xlsx),
            "csv" => Some(ExportFormat::Csv),
            _ => None,
        }
    }
}

fn label(p: &Provenance) -> String {
    match p {
        Provenance::Verified(s) => s.clone(),
        Provenance::Declared => "企业申报".into(),
        Provenance::Imputed => "估算".into(),
        Provenance::Missing => String::new(),
    }
}

/// The cells of one row, in template order.
pub fn row_cells(zone: &Zone, e: &Enterprise, f: &Facts) -> Vec<String> {
    let names = |ids: &[String], find: &dyn Fn(&str) -> Option<String>| {
        ids.iter()
            .map(|i| find(i).unwrap_or_else(|| i.clone()))
            .collect::<Vec<_>>()
            .join("、")
    };
    // The most common provenance becomes the row default; the others are listed per field.
    let mut freq: HashMap<String, usize> = HashMap::new();
    for (i, v) in f.values.iter().enumerate() {
        if v.is_some() {
            *freq.entry(label(&f.provenance[i])).or_default() += 1;
        }
    }
    let default = freq
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|x| x.0)
        .unwrap_or_else(|| "企业申报".into());
    let mut detail = Vec::new();
    for (i, v) in f.values.iter().enumerate() {
        if v.is_some() && label(&f.provenance[i]) != default {
            detail.push(format!("{}={}", F::ALL[i].key(), label(&f.provenance[i])));
        }
    }
    template_columns()
        .into_iter()
        .map(|(c, _)| match c {
            Col::Uscc => e.uscc.to_string(),
            Col::Name => e.name.clone(),
            Col::Park => zone
                .park(&e.park)
                .map(|p| p.name.clone())
                .unwrap_or_else(|| e.park.to_string()),
            Col::Year => f.year.to_string(),
            Col::Founded => e.founded.to_string(),
            Col::Industry => e.industry.to_string(),
            Col::Sector => e.sector.zh().into(),
            Col::TechField => e.tech_field.clone().unwrap_or_default(),
            Col::Listing => e.listing.zh().into(),
            Col::Clusters => names(&e.clusters, &|i| zone.cluster(i).map(|c| c.name.clone())),
            Col::Tracks => names(&e.tracks, &|i| zone.track(i).map(|c| c.name.clone())),
            Col::Fact(k) => f
                .get(k)
                .map(|v| format_value(k.def().kind, v))
                .unwrap_or_default(),
            Col::Source => default.clone(),
            Col::SourceDetail => detail.join(";"),
        })
        .collect()
}

fn is_numeric(c: Col) -> bool {
    matches!(c, Col::Year)
        || matches!(c, Col::Fact(f) if matches!(f.def().kind, Kind::Money { .. } | Kind::Usd | Kind::Count))
}

fn write_header(ws: &mut Worksheet) -> Result<(), rust_xlsxwriter::XlsxError> {
    let bold = Format::new().set_bold().set_background_color("#E8F0FE");
    for (i, (_, h)) in template_columns().iter().enumerate() {
        ws.write_string_with_format(0, i as u16, *h, &bold)?;
        ws.set_column_width(i as u16, (h.chars().count() as f64 * 2.2).clamp(10.0, 34.0))?;
    }
    ws.set_freeze_panes(1, 2)?;
    Ok(())
}

/// Writes the panel in scope (optionally one park, one year) to `out`. Returns the row count.
pub async fn export(
    store: &Store,
    zone: &Zone,
    scope: &Scope,
    park: Option<&ParkId>,
    year: Option<Year>,
    format: ExportFormat,
    out: &mut (dyn Write + Send),
) -> Result<u64, IngestError> {
    let xerr = |e: rust_xlsxwriter::XlsxError| IngestError::Io(format!("生成 Excel 文件失败：{e}"));
    match format {
        ExportFormat::Csv => {
            out.write_all(b"\xEF\xBB\xBF")
                .map_err(|e| IngestError::Io(e.to_string()))?;
            let mut w = csv::Writer::from_writer(out);
            w.write_record(template_columns().iter().map(|(_, h)| *h))
                .map_err(|e| IngestError::Io(e.to_string()))?;
            let mut failure = None;
            let n = store
                .for_each_row(scope, park, year, |e, f| {
                    w.write_record(row_cells(zone, e, &f)).map_err(|err| {
                        failure = Some(err.to_string());
                        gaoxin_store::Error::Corrupt("export aborted".into())
                    })
                })
                .await;
            if let Some(f) = failure {
                return Err(IngestError::Io(format!("写出失败：{f}")));
            }
            w.flush().map_err(|e| IngestError::Io(e.to_string()))?;
            Ok(n?)
        }
        ExportFormat::Xlsx => {
            let mut wb = Workbook::new();
            let ws = wb.add_worksheet_with_constant_memory().map_err(xerr)?;
            ws.set_name("企业年度数据").map_err(xerr)?;
            write_header(ws).map_err(xerr)?;
            let cols = template_columns();
            let mut r = 0u32;
            let mut failure = None;
            let n = store
                .for_each_row(scope, park, year, |e, f| {
                    r += 1;
                    for (i, text) in row_cells(zone, e, &f).iter().enumerate() {
                        if text.is_empty() {
                            continue;
                        }
                        let res = match text.parse::<f64>() {
                            Ok(v) if is_numeric(cols[i].0) => {
                                ws.write_number(r, i as u16, v).map(|_| ())
                            }
                            _ => ws.write_string(r, i as u16, text).map(|_| ()),
                        };
                        if let Err(err) = res {
                            failure = Some(err.to_string());
                            return Err(gaoxin_store::Error::Corrupt("export aborted".into()));
                        }
                    }
                    Ok(())
                })
                .await;
            if let Some(f) = failure {
                return Err(IngestError::Io(format!("生成 Excel 文件失败：{f}")));
            }
            let n = n?;
            let bytes = wb.save_to_buffer().map_err(xerr)?;
            out.write_all(&bytes)
                .map_err(|e| IngestError::Io(e.to_string()))?;
            Ok(n)
        }
    }
}

/// Export into memory (for downloads).
pub async fn export_bytes(
    store: &Store,
    zone: &Zone,
    scope: &Scope,
    park: Option<&ParkId>,
    year: Option<Year>,
    format: ExportFormat,
) -> Result<Vec<u8>, IngestError> {
    let mut v = Vec::new();
    export(store, zone, scope, park, year, format, &mut v).await?;
    Ok(v)
}

/// The import template: an empty data sheet with the Chinese headers, the filling instructions,
/// and the lists of parks, clusters and tracks.
pub fn template_xlsx(zone: &Zone) -> Vec<u8> {
    let build = || -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let mut wb = Workbook::new();
        let bold = Format::new().set_bold();
        let ws = wb.add_worksheet();
        ws.set_name("企业年度数据")?;
        write_header(ws)?;
        let help = wb.add_worksheet();
        help.set_name("填写说明")?;
        for (i, h) in ["列名", "是否必填", "说明", "可选值或格式"]
            .iter()
            .enumerate()
        {
            help.write_string_with_format(0, i as u16, *h, &bold)?;
        }
        help.set_column_width(0, 30)?;
        help.set_column_width(2, 60)?;
        help.set_column_width(3, 50)?;
        let mut r = 1;
        for (c, zh, _, req, text) in IDENTITY {
            help.write_string(r, 0, *zh)?;
            help.write_string(
                r,
                1,
                match (c, req) {
                    (Col::Uscc | Col::Year, _) => "必填",
                    (_, true) => "新企业必填",
                    _ => "选填",
                },
            )?;
            help.write_string(r, 2, *text)?;
            r += 1;
        }
        for f in F::ALL {
            let d = f.def();
            help.write_string(r, 0, d.zh)?;
            help.write_string(r, 1, "选填（空白不视为0，也不覆盖已有数据）")?;
            help.write_string(r, 2, d.help)?;
            let fmt = match d.kind {
                Kind::Money { signed: true } => "数字，单位万元（最多6位小数），可为负数；表头写明“（元）”或“（亿元）”时按该单位读取".to_string(),
                Kind::Money { .. } => "数字，单位万元（最多6位小数），不能为负；表头写明“（元）”或“（亿元）”时按该单位读取".to_string(),
                Kind::Usd => "数字，单位万美元；表头写明“（美元）”或“（亿美元）”时按该单位读取".to_string(),
                Kind::Count => "非负整数".to_string(),
                Kind::Level(names) => names.join("/"),
                Kind::Flag => "是/否".to_string(),
                Kind::Date => "日期，如2023-11-20".to_string(),
            };
            help.write_string(r, 3, &fmt)?;
            r += 1;
        }
        help.write_string(r, 0, SOURCE_ZH)?;
        help.write_string(r, 1, "选填")?;
        help.write_string(r, 2, "本行数据的来源：企业申报（默认）、估算，或核验来源名称（如 税务、火炬统计、知识产权局、认定机构）")?;
        r += 1;
        help.write_string(r, 0, SOURCE_DETAIL_ZH)?;
        help.write_string(r, 1, "选填")?;
        help.write_string(
            r,
            2,
            "个别字段来源与本行不同时填写，如：研发费用=税务;出口总额=企业申报",
        )?;
        // How a file is merged into what is stored.
        r += 2;
        let rules = [
            (
                "部分导入",
                "已登记的企业只需“统一社会信用代码”和“年度”两列，其余列可只保留要更新的；文件中没有的列保留原有数据。新企业须填写企业名称、所属园区、成立日期和行业代码。",
            ),
            (
                "空白单元格",
                "空白单元格不修改已有数据（不视为0，也不清除）。",
            ),
            (
                "清除数据",
                "要清除已有的某个数值或选填信息（技术领域、上市状态、所属集群、所属赛道），在单元格中填写“清空”。企业名称、所属园区、成立日期、行业代码不能清空。",
            ),
            (
                "单位",
                "金额列按表头括号中的单位读取：元、万元、亿元（估值：美元、万美元、亿美元）；表头不写单位时按本模板的单位读取，并在导入结果中提示。单位与字段不符（如金额列写“人”或“%”）时整份文件不导入。",
            ),
            (
                "自制表格",
                "表头可以不在第1行：前20行中与模板列名最吻合的一行作为表头，其上的标题行、说明和空行跳过；两行表头（如“研发费用”合并单元格下分“金额（万元）”“占比”）和合并单元格可以读取。全角数字和字母（如“１２３４．５６”）按半角读取，千位分隔符“,”“，”只在每三位一个时读取。合计、小计、总计行自动跳过；导入结果说明取哪一行作表头、跳过了哪些行。",
            ),
            (
                "需要确认的警告",
                "单个金额超过1000亿元、估值超过1000亿美元、人均营业收入超过1亿元时，多半是单位填错：导入暂不写入并列出警告；核对无误后，在网页上勾选“已核对警告，确认导入”后重新上传，或在命令行加 --accept-warnings。",
            ),
            (
                "园区",
                "园区管理员只能导入本园区已登记企业和新企业的数据。企业迁入其他园区须由全区管理员办理，变更记入园区变更记录。",
            ),
            (
                "导入结果",
                "列出新增、更新、未变化的行数，以及每家企业每个字段的变更（原值 → 新值）；同一文件重复导入不会改变任何数据。",
            ),
        ];
        for (k, v) in rules {
            help.write_string_with_format(r, 0, k, &bold)?;
            help.write_string(r, 2, v)?;
            r += 1;
        }
        let lists = wb.add_worksheet();
        lists.set_name("园区集群赛道")?;
        for (i, h) in [
            "园区",
            "创新型产业集群",
            "集群级别",
            "集群所在园区",
            "新赛道",
        ]
        .iter()
        .enumerate()
        {
            lists.write_string_with_format(0, i as u16, *h, &bold)?;
            lists.set_column_width(i as u16, 24)?;
        }
        for (i, p) in zone.parks.iter().enumerate() {
            lists.write_string(i as u32 + 1, 0, &p.name)?;
        }
        for (i, c) in zone.clusters.iter().enumerate() {
            lists.write_string(i as u32 + 1, 1, &c.name)?;
            lists.write_string(i as u32 + 1, 2, c.level.zh())?;
            lists.write_string(
                i as u32 + 1,
                3,
                zone.park(&c.park).map(|p| p.name.as_str()).unwrap_or(""),
            )?;
        }
        for (i, t) in zone.tracks.iter().enumerate() {
            lists.write_string(i as u32 + 1, 4, &t.name)?;
        }
        wb.save_to_buffer()
    };
    build().expect("the template is built from static, valid data")
}

/// The CSV header line of the template (for documentation and tests).
pub fn template_csv_header() -> String {
    template_columns()
        .iter()
        .map(|(_, h)| *h)
        .collect::<Vec<_>>()
        .join(",")
}
