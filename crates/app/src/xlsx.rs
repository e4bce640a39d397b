//! What the app's .xlsx workbooks share: a list sheet with a bold, frozen header row.
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

/// A new sheet `name` whose first row is `head` (bold, frozen), every column `width` wide.
pub(crate) fn list_sheet<'a>(
    wb: &'a mut Workbook,
    name: &str,
    head: &[&str],
    width: f64,
) -> Result<&'a mut Worksheet, XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name(name)?;
    let bold = Format::new().set_bold();
    for (c, h) in head.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
        ws.set_column_width(c as u16, width)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(ws)
}
