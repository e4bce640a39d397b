//! The result of an import, as the terminal, the web page and an .xlsx report show it: errors,
//! warnings to confirm, notes (units assumed, park moves) and every changed field (old → new).
use crate::read::ReadError;
use crate::validate::RowError;
use gaoxin_model::Zone;
use gaoxin_model::facts::format_value;
use gaoxin_store::{Change, ChangeWhat, IdentityField, ImportCounts};
use rust_xlsxwriter::{Format, Workbook};

/// How many errors a report keeps in full (all are counted).
pub const MAX_LISTED_ERRORS: usize = 1_000;

/// One changed field of a stored firm or firm-year, in words.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeLine {
    pub uscc: String,
    /// Empty for a firm's identity.
    pub year: String,
    pub field: String,
    pub old: String,
    pub new: String,
}

impl ChangeLine {
    pub fn new(zone: &Zone, c: &Change) -> ChangeLine {
        let blank = |s: String| {
            if s.is_empty() {
                "（空）".to_string()
            } else {
                s
            }
        };
        let names = |ids: &str, find: &dyn Fn(&str) -> Option<String>| {
            ids.split('、')
                .filter(|x| !x.is_empty())
                .map(|i| find(i).unwrap_or_else(|| i.to_string()))
                .collect::<Vec<_>>()
                .join("、")
        };
        let (field, old, new) = match &c.what {
            ChangeWhat::Identity { field, old, new } => {
                let label = match field {
                    IdentityField::Name => "企业名称",
                    IdentityField::Park => "所属园区",
                    IdentityField::Founded => "成立日期",
                    IdentityField::Industry => "行业代码",
                    IdentityField::Sector => "行业类型",
                    IdentityField::TechField => "技术领域",
                    IdentityField::Listing => "上市状态",
                    IdentityField::Clusters => "所属集群",
                    IdentityField::Tracks => "所属赛道",
                };
                let conv = |s: &str| match field {
                    IdentityField::Park => zone.park(s).map(|p| p.name.clone()).unwrap_or(s.into()),
                    IdentityField::Clusters => {
                        names(s, &|i| zone.cluster(i).map(|x| x.name.clone()))
                    }
                    IdentityField::Tracks => names(s, &|i| zone.track(i).map(|x| x.name.clone())),
                    _ => s.to_string(),
                };
                (label.to_string(), conv(old), conv(new))
            }
            ChangeWhat::Fact { field, old, new } => {
                let k = field.def().kind;
                let show = |v: &Option<i64>| v.map(|x| format_value(k, x)).unwrap_or_default();
                (field.def().zh.to_string(), show(old), show(new))
            }
            ChangeWhat::Source { field, old, new } => {
                (format!("{}的数据来源", field.def().zh), old.zh(), new.zh())
            }
        };
        ChangeLine {
            uscc: c.uscc.to_string(),
            year: c.year.map(|y| y.to_string()).unwrap_or_default(),
            field,
            old: blank(old),
            new: blank(new),
        }
    }
}

impl std::fmt::Display for ChangeLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.year.is_empty() {
            write!(
                f,
                "{} {}：{} → {}",
                self.uscc, self.field, self.old, self.new
            )
        } else {
            write!(
                f,
                "{} {}年 {}：{} → {}",
                self.uscc, self.year, self.field, self.old, self.new
            )
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    /// "xlsx", "UTF-8", "UTF-8 (BOM)" or "GBK".
    pub format: String,
    pub rows: u64,
    /// The first [`MAX_LISTED_ERRORS`] errors, in file order.
    pub errors: Vec<RowError>,
    pub error_count: u64,
    /// Values more likely a unit mistake than a fact (the first [`MAX_LISTED_ERRORS`]).
    pub warnings: Vec<RowError>,
    pub warning_count: u64,
    /// The file had warnings and they were not accepted: nothing was written.
    pub needs_confirmation: bool,
    /// The file had warnings, they were accepted and the import was written.
    pub warnings_accepted: bool,
    /// What the user should know that is neither an error nor a warning: units assumed from the
    /// template, firms moved to another park.
    pub notices: Vec<String>,
    /// Columns the importer did not recognise (ignored, not an error).
    pub ignored_columns: Vec<String>,
    /// Set when the import was committed.
    pub counts: Option<ImportCounts>,
    /// Changed fields of stored rows (the first [`gaoxin_store::MAX_LISTED_CHANGES`]; all are
    /// counted in `counts.fields_changed`).
    pub changes: Vec<ChangeLine>,
}

impl ImportReport {
    pub fn ok(&self) -> bool {
        self.error_count == 0 && self.counts.is_some()
    }

    pub(crate) fn unreadable(e: ReadError) -> ImportReport {
        let mut r = ImportReport::default();
        r.push_error(RowError {
            row: 0,
            column: String::new(),
            message: e.to_string(),
        });
        r
    }

    pub(crate) fn push_error(&mut self, e: RowError) {
        self.error_count += 1;
        if self.errors.len() < MAX_LISTED_ERRORS {
            self.errors.push(e);
        }
    }

    /// A plain-Chinese summary line.
    pub fn summary_zh(&self) -> String {
        match &self.counts {
            Some(c) => format!(
                "导入成功：共{}行（{}），新增{}行、更新{}行、未变化{}行；新增企业{}家、更新企业{}家；变更字段{}处{}。",
                self.rows,
                self.format,
                c.facts_inserted,
                c.facts_updated,
                c.facts_unchanged,
                c.enterprises_inserted,
                c.enterprises_updated,
                c.fields_changed,
                if self.warnings_accepted {
                    format!("（已确认{}处警告）", self.warning_count)
                } else {
                    String::new()
                }
            ),
            None if self.needs_confirmation => format!(
                "需要确认：发现{}处可能的单位或数值错误（见警告），未写入任何数据。请核对；确属无误时，在网页上勾选“已核对警告，确认导入”后重新上传，或在命令行加 --accept-warnings。",
                self.warning_count
            ),
            None => format!(
                "导入失败：发现{}处错误{}，未写入任何数据。请修改后重新导入。",
                self.error_count,
                if self.error_count as usize > self.errors.len() {
                    format!("（以下列出前{}处）", self.errors.len())
                } else {
                    String::new()
                }
            ),
        }
    }

    /// The report as a workbook: 错误报告 (行号 / 列 / 问题), 警告, 变更明细 (old → new), 说明.
    pub fn to_xlsx(&self) -> Vec<u8> {
        let mut wb = Workbook::new();
        let bold = Format::new().set_bold();
        let ws = wb.add_worksheet();
        let _ = ws.set_name("错误报告");
        let _ = ws.write_string_with_format(0, 0, "行号", &bold);
        let _ = ws.write_string_with_format(0, 1, "列", &bold);
        let _ = ws.write_string_with_format(0, 2, "问题", &bold);
        let _ = ws.set_column_width(1, 28);
        let _ = ws.set_column_width(2, 80);
        for (i, e) in self.errors.iter().enumerate() {
            let r = i as u32 + 1;
            if e.row > 0 {
                let _ = ws.write_number(r, 0, e.row as f64);
            }
            let _ = ws.write_string(r, 1, &e.column);
            let _ = ws.write_string(r, 2, &e.message);
        }
        let r = self.errors.len() as u32 + 2;
        let _ = ws.write_string(r, 2, self.summary_zh());

        let ws = wb.add_worksheet();
        let _ = ws.set_name("警告");
        for (i, h) in ["行号", "列", "警告"].iter().enumerate() {
            let _ = ws.write_string_with_format(0, i as u16, *h, &bold);
        }
        let _ = ws.set_column_width(1, 28);
        let _ = ws.set_column_width(2, 80);
        for (i, e) in self.warnings.iter().enumerate() {
            let r = i as u32 + 1;
            let _ = ws.write_number(r, 0, e.row as f64);
            let _ = ws.write_string(r, 1, &e.column);
            let _ = ws.write_string(r, 2, &e.message);
        }

        let ws = wb.add_worksheet();
        let _ = ws.set_name("变更明细");
        for (i, h) in ["统一社会信用代码", "年度", "字段", "原值", "新值"]
            .iter()
            .enumerate()
        {
            let _ = ws.write_string_with_format(0, i as u16, *h, &bold);
            let _ = ws.set_column_width(i as u16, 24);
        }
        for (i, c) in self.changes.iter().enumerate() {
            let r = i as u32 + 1;
            let _ = ws.write_string(r, 0, &c.uscc);
            let _ = ws.write_string(r, 1, &c.year);
            let _ = ws.write_string(r, 2, &c.field);
            let _ = ws.write_string(r, 3, &c.old);
            let _ = ws.write_string(r, 4, &c.new);
        }
        if let Some(c) = &self.counts
            && c.fields_changed as usize > self.changes.len()
        {
            let _ = ws.write_string(
                self.changes.len() as u32 + 2,
                0,
                format!(
                    "共变更{}处，此处列出前{}处",
                    c.fields_changed,
                    self.changes.len()
                ),
            );
        }

        let ws = wb.add_worksheet();
        let _ = ws.set_name("说明");
        let _ = ws.set_column_width(0, 120);
        let ignored = self
            .ignored_columns
            .iter()
            .map(|c| format!("未识别的列「{c}」已忽略"));
        for (r, n) in self.notices.iter().cloned().chain(ignored).enumerate() {
            let _ = ws.write_string(r as u32, 0, n);
        }
        wb.save_to_buffer().unwrap_or_default()
    }
}
