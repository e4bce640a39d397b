//! The result of an import, as the terminal, the web page and an .xlsx error report show it.
use crate::import::MAX_LISTED_ERRORS;
use crate::read::ReadError;
use crate::validate::RowError;
use gaoxin_store::ImportCounts;
use rust_xlsxwriter::{Format, Workbook};

#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    /// "xlsx", "UTF-8", "UTF-8 (BOM)" or "GBK".
    pub format: String,
    pub rows: u64,
    /// The first [`MAX_LISTED_ERRORS`] errors, in file order.
    pub errors: Vec<RowError>,
    pub error_count: u64,
    /// Columns the importer did not recognise (ignored, not an error).
    pub ignored_columns: Vec<String>,
    /// Set when the import was committed.
    pub counts: Option<ImportCounts>,
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
                "导入成功：共{}行（{}），新增{}行、更新{}行、未变化{}行；新增企业{}家、更新企业{}家。",
                self.rows,
                self.format,
                c.facts_inserted,
                c.facts_updated,
                c.facts_unchanged,
                c.enterprises_inserted,
                c.enterprises_updated
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

    /// The error report as a workbook: 行号 / 列 / 问题.
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
        wb.save_to_buffer().unwrap_or_default()
    }
}
