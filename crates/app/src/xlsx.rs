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

/// The name of the sheet that says what a workbook holds.
pub const NOTE_SHEET: &str = "说明";

/// What every exported workbook says about itself (its 「说明」 sheet): the data's time and the
/// scope it was read in, the time of the export, all in Beijing time.
pub fn export_note(as_of: Option<i64>, scope: &str, exported_at: i64) -> Vec<(String, String)> {
    vec![
        (
            "数据截至".into(),
            match as_of {
                Some(t) => format!(
                    "{}（北京时间，最近一次导入或计算）",
                    gaoxin_model::present::datetime(t)
                ),
                None => "尚无导入或计算记录".into(),
            },
        ),
        ("数据范围".into(), scope.to_string()),
        (
            "导出时间".into(),
            format!(
                "{}（北京时间）",
                gaoxin_model::present::datetime(exported_at)
            ),
        ),
    ]
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A finished .xlsx with one more sheet, 「说明」, at the end: one row per (label, text). The
/// workbook's own sheets are unchanged (a re-importable export stays re-importable: imports read
/// the first sheet). A workbook that already has a 「说明」 sheet is returned as it is.
pub fn with_note_sheet(xlsx: &[u8], rows: &[(String, String)]) -> Result<Vec<u8>, String> {
    use std::io::{Cursor, Read, Write};
    let bad = |e: &dyn std::fmt::Display| format!("工作簿无法补充说明页：{e}");
    let mut zin = zip::ZipArchive::new(Cursor::new(xlsx)).map_err(|e| bad(&e))?;
    // only the parts that change are read (and written again); every other part — the data
    // sheets, megabytes for the large lists — is copied as it is, still compressed
    let mut names: Vec<String> = Vec::with_capacity(zin.len());
    for i in 0..zin.len() {
        let f = zin.by_index_raw(i).map_err(|e| bad(&e))?;
        names.push(f.name().map_err(|e| bad(&e))?.to_string());
    }
    let mut text = |name: &str| -> Result<String, String> {
        let mut f = zin
            .by_name(name)
            .map_err(|_| bad(&format!("缺少 {name}")))?;
        let mut b = Vec::with_capacity(f.size() as usize);
        f.read_to_end(&mut b).map_err(|e| bad(&e))?;
        Ok(String::from_utf8_lossy(&b).into_owned())
    };
    let mut workbook = text("xl/workbook.xml")?;
    if workbook.contains(&format!("name=\"{NOTE_SHEET}\"")) {
        return Ok(xlsx.to_vec());
    }
    let mut rels = text("xl/_rels/workbook.xml.rels")?;
    let mut types = text("[Content_Types].xml")?;
    let n = names
        .iter()
        .filter(|p| p.starts_with("xl/worksheets/sheet") && p.ends_with(".xml"))
        .count()
        + 1;
    let sheet_path = format!("xl/worksheets/sheet{n}.xml");
    let max_id = workbook
        .match_indices("sheetId=\"")
        .filter_map(|(i, m)| {
            let v = &workbook[i + m.len()..];
            v[..v.find('"')?].parse::<u32>().ok()
        })
        .max()
        .unwrap_or(0);
    let rid = "rIdGxNote";
    workbook = workbook.replacen(
        "</sheets>",
        &format!(
            "<sheet name=\"{NOTE_SHEET}\" sheetId=\"{}\" r:id=\"{rid}\"/></sheets>",
            max_id + 1
        ),
        1,
    );
    rels = rels.replacen(
        "</Relationships>",
        &format!(
            "<Relationship Id=\"{rid}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet{n}.xml\"/></Relationships>"
        ),
        1,
    );
    types = types.replacen(
        "</Types>",
        &format!(
            "<Override PartName=\"/{sheet_path}\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/></Types>"
        ),
        1,
    );
    let mut sheet = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><cols><col min=\"1\" max=\"1\" width=\"14\" customWidth=\"1\"/><col min=\"2\" max=\"2\" width=\"60\" customWidth=\"1\"/></cols><sheetData>",
    );
    for (i, (k, v)) in rows.iter().enumerate() {
        let r = i + 1;
        sheet.push_str(&format!(
            "<row r=\"{r}\"><c r=\"A{r}\" t=\"inlineStr\"><is><t>{}</t></is></c><c r=\"B{r}\" t=\"inlineStr\"><is><t>{}</t></is></c></row>",
            xml_escape(k),
            xml_escape(v)
        ));
    }
    sheet.push_str("</sheetData></worksheet>");
    // docProps/app.xml lists the sheets' names: keep it in step when it has the usual form.
    let app = text("docProps/app.xml").ok().map(|a| {
        let a = bump_number_after(
            &a,
            "<vt:lpstr>Worksheets</vt:lpstr></vt:variant><vt:variant><vt:i4>",
        );
        let a = bump_number_after(&a, "<TitlesOfParts><vt:vector size=\"");
        a.replacen(
            "</vt:vector></TitlesOfParts>",
            &format!("<vt:lpstr>{NOTE_SHEET}</vt:lpstr></vt:vector></TitlesOfParts>"),
            1,
        )
    });
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(xlsx.len() + 2048)));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (i, name) in names.iter().enumerate() {
        let replaced: Option<&str> = match name.as_str() {
            "xl/workbook.xml" => Some(&workbook),
            "xl/_rels/workbook.xml.rels" => Some(&rels),
            "[Content_Types].xml" => Some(&types),
            "docProps/app.xml" => app.as_deref(),
            _ => None,
        };
        match replaced {
            Some(t) => {
                out.start_file(name.as_str(), opts).map_err(|e| bad(&e))?;
                out.write_all(t.as_bytes()).map_err(|e| bad(&e))?;
            }
            None => {
                let f = zin.by_index_raw(i).map_err(|e| bad(&e))?;
                out.raw_copy_file(f).map_err(|e| bad(&e))?;
            }
        }
    }
    out.start_file(sheet_path.as_str(), opts)
        .map_err(|e| bad(&e))?;
    out.write_all(sheet.as_bytes()).map_err(|e| bad(&e))?;
    Ok(out.finish().map_err(|e| bad(&e))?.into_inner())
}

/// `s` with the integer right after the first `marker` one larger (unchanged without one).
fn bump_number_after(s: &str, marker: &str) -> String {
    let Some(p) = s.find(marker) else {
        return s.to_string();
    };
    let start = p + marker.len();
    let end = s[start..]
        .find(|c: char| !c.is_ascii_digit())
        .map_or(s.len(), |e| start + e);
    match s[start..end].parse::<u32>() {
        Ok(v) => format!("{}{}{}", &s[..start], v + 1, &s[end..]),
        Err(_) => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Reader, Xlsx};

    #[test]
    fn a_note_sheet_is_added_and_the_data_sheets_are_unchanged() {
        let mut wb = Workbook::new();
        let ws = list_sheet(&mut wb, "企业名录", &["统一社会信用代码", "企业名称"], 20.0).unwrap();
        ws.write_string(1, 0, "91320100MA0000001X").unwrap();
        ws.write_string(1, 1, "南京<甲>&科技").unwrap();
        let two = wb.add_worksheet();
        two.set_name("第二页").unwrap();
        two.write_number(0, 0, 3.5).unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let note = export_note(Some(1_733_500_800), "江北新区", 1_733_504_400);
        let out = with_note_sheet(&bytes, &note).unwrap();
        let mut x: Xlsx<_> = Xlsx::new(std::io::Cursor::new(out.clone())).unwrap();
        assert_eq!(x.sheet_names(), ["企业名录", "第二页", NOTE_SHEET]);
        let first = x.worksheet_range("企业名录").unwrap();
        assert_eq!(first.get((1, 1)).unwrap().to_string(), "南京<甲>&科技");
        let n = x.worksheet_range(NOTE_SHEET).unwrap();
        let cells: Vec<String> = n
            .rows()
            .flat_map(|r| r.iter().map(|c| c.to_string()))
            .collect();
        assert_eq!(cells[0], "数据截至");
        assert_eq!(
            cells[1],
            "2024年12月7日 00:00（北京时间，最近一次导入或计算）"
        );
        assert_eq!(
            cells[2..4],
            ["数据范围".to_string(), "江北新区".to_string()]
        );
        assert_eq!(cells[4], "导出时间");
        // docProps lists three sheets; a second call adds nothing.
        let app = {
            let mut z = zip::ZipArchive::new(std::io::Cursor::new(&out)).unwrap();
            let mut s = String::new();
            std::io::Read::read_to_string(&mut z.by_name("docProps/app.xml").unwrap(), &mut s)
                .unwrap();
            s
        };
        assert!(
            app.contains("<vt:i4>3</vt:i4>") && app.contains("<vt:lpstr>说明</vt:lpstr>"),
            "{app}"
        );
        assert_eq!(with_note_sheet(&out, &note).unwrap(), out);
        assert!(with_note_sheet(b"not a zip", &note).is_err());
    }

    /// The data sheets are copied as they are, still compressed: adding the note to a cached
    /// multi-megabyte workbook must not inflate and deflate it again on every download (the
    /// second 梯度培育 export took 240 ms instead of 1–2 ms).
    #[test]
    fn the_data_sheets_are_copied_without_recompressing() {
        let mut wb = Workbook::new();
        let ws = list_sheet(&mut wb, "名单", &["序号"], 10.0).unwrap();
        for r in 1..2_000u32 {
            ws.write_number(r, 0, r as f64).unwrap();
        }
        let deflated = wb.save_to_buffer().unwrap();
        // the same workbook with its parts stored (method 0): a recompression shows
        let mut zin = zip::ZipArchive::new(std::io::Cursor::new(&deflated)).unwrap();
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for i in 0..zin.len() {
            let mut f = zin.by_index(i).unwrap();
            let name = f.name().unwrap().to_string();
            let mut b = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut b).unwrap();
            w.start_file(name, stored).unwrap();
            std::io::Write::write_all(&mut w, &b).unwrap();
        }
        let input = w.finish().unwrap().into_inner();
        let note = export_note(None, "高新区", 1_733_504_400);
        let out = with_note_sheet(&input, &note).unwrap();
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(&out)).unwrap();
        let sheet = z.by_name("xl/worksheets/sheet1.xml").unwrap();
        assert_eq!(sheet.compression(), zip::CompressionMethod::Stored);
        drop(sheet);
        let mut x: Xlsx<_> = Xlsx::new(std::io::Cursor::new(out)).unwrap();
        assert_eq!(x.sheet_names(), ["名单", NOTE_SHEET]);
        let r = x.worksheet_range("名单").unwrap();
        assert_eq!(r.get((1999, 0)).unwrap().to_string(), "1999");
    }
}
