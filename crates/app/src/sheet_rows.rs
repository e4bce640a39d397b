//! A small import sheet read whole: its headers and its non-blank rows (cells trimmed) with
//! their row numbers, for the all-or-nothing imports that check every row before writing
//! (R&D institutions, incubation carriers).

/// Numbered rows of a sheet: (row number, cells).
pub(crate) type Rows = Vec<(u64, Vec<String>)>;

/// Reads a sheet whole: headers and non-blank rows with their row numbers; a file without a
/// data row is an error in Chinese.
pub(crate) fn read(bytes: Vec<u8>) -> Result<(Vec<String>, Rows), Vec<String>> {
    let sheet = gaoxin_ingest::read::open_bytes(bytes).map_err(|e| vec![e.to_string()])?;
    let headers = sheet.headers.clone();
    let mut rows = Vec::new();
    for r in sheet.rows {
        let (n, rec) = r.map_err(|e| vec![e.to_string()])?;
        let cells: Vec<String> = rec.iter().map(|c| c.trim().to_string()).collect();
        if cells.iter().all(|c| c.is_empty()) {
            continue;
        }
        rows.push((n, cells));
    }
    if rows.is_empty() {
        return Err(vec!["文件中没有数据行".into()]);
    }
    Ok((headers, rows))
}
