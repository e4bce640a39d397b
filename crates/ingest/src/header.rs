//! Finding the header row of a sheet made by hand: government sheets start with a title (often
//! merged across the columns, 「南京高新区2024年度企业数据统计表」), a blank row or a note
//! (「单位：万元」), and some have a two-row header (「研发费用」 merged over 「金额（万元）」
//! and 「占比」).
//!
//! What is supported:
//! - The header is the row, among the first [`HEADER_SEARCH_ROWS`] non-blank rows, that names
//!   the most known columns (template headers or their English keys, see
//!   [`crate::columns::match_header`]); on a tie the upper row. Rows above it (titles, notes,
//!   blank rows) are skipped and the report says which. When no row names a known column, the
//!   first non-blank row is the header (and the import says which columns are missing).
//! - A two-row header: a row and the row right below it are read together; each column's label
//!   is combined by
//!   [`crate::columns::combine_header`]. In an xlsx, merged cells of these rows are filled first
//!   (a label merged across columns or down both rows applies to every cell it covers); in a CSV
//!   (which has no merges) a blank upper cell takes the label to its left.
//!   A pair is taken when it names more columns than either row alone, or as many as the upper
//!   row while a lower cell reads with the label above it (a unit, 「金额」). Labels are not
//!   guessed: 「研发投入」 over 「金额」 is not 研发费用 — such a column is reported as not
//!   recognised, to be renamed.
//! - Merged cells below the header (data rows) are not filled: a blank cell there is blank.
//! - Row numbers are the spreadsheet's own throughout: the first data row after a header in row
//!   3 is row 4.
use crate::columns::{combine_header, header_score};

/// A stream of `(row number, cells)` with the reader's error type `E` (this module does not
/// depend on the reader).
pub type RowsOf<E> = Box<dyn Iterator<Item = Result<(u64, csv::StringRecord), E>> + Send>;

/// How many non-blank rows from the top are searched for the header row.
pub const HEADER_SEARCH_ROWS: usize = 20;

/// A merged range of cells: spreadsheet rows (1-based, inclusive) and sheet columns (0-based,
/// inclusive, counted from the first column the reader returns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Merge {
    pub rows: (u64, u64),
    pub cols: (usize, usize),
}

/// Where the header was found and what remains to read.
pub struct Located<E> {
    pub headers: Vec<String>,
    /// The spreadsheet row of the header (the upper row of a two-row header).
    pub header_row: u64,
    /// 1, or 2 for a two-row header.
    pub header_rows: u64,
    /// What the report should say: the header row taken, the rows skipped above it, labels
    /// combined from two rows.
    pub notes: Vec<String>,
    /// The data rows after the header.
    pub rows: RowsOf<E>,
}

type Buffered = Vec<(u64, Vec<String>)>;

/// Reads up to [`HEADER_SEARCH_ROWS`] rows of `rows` (non-blank rows with their spreadsheet row
/// numbers), finds the header among them and returns it with the rest of the stream. `Err(None)`:
/// the sheet has no non-blank row; `Err(Some(e))`: reading failed before any row.
pub fn locate<E: Send + 'static>(
    mut rows: RowsOf<E>,
    merges: &[Merge],
    fill_left: bool,
) -> Result<Located<E>, Option<E>> {
    let mut buf: Buffered = Vec::with_capacity(HEADER_SEARCH_ROWS);
    let mut pending: Option<E> = None;
    for item in rows.by_ref() {
        match item {
            Ok((n, rec)) => buf.push((n, rec.iter().map(str::to_string).collect())),
            Err(e) => {
                pending = Some(e);
                break;
            }
        }
        if buf.len() == HEADER_SEARCH_ROWS {
            break;
        }
    }
    if buf.is_empty() {
        return Err(pending);
    }
    let filled = fill_merges(&buf, merges);
    let (at, two, found) = choose(&filled, fill_left);
    let header_row = buf[at].0;
    let (headers, combined) = if two {
        combine_rows(&filled[at].1, &filled[at + 1].1, fill_left)
    } else {
        (filled[at].1.clone(), vec![])
    };
    let headers = headers
        .into_iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    let header_rows = if two { 2 } else { 1 };
    let mut notes = notes(&buf, at, header_row, header_rows, &combined);
    if !found {
        notes.push(format!(
            "表头：前{HEADER_SEARCH_ROWS}行中没有一行含模板的列名（如「统一社会信用代码」「年度」），按第{header_row}行读取表头"
        ));
    }
    let rest: Vec<Result<(u64, csv::StringRecord), E>> = buf
        .into_iter()
        .skip(at + header_rows as usize)
        .map(|(n, cells)| Ok((n, csv::StringRecord::from(cells))))
        .chain(pending.map(Err))
        .collect();
    Ok(Located {
        headers,
        header_row,
        header_rows,
        notes,
        rows: Box::new(rest.into_iter().chain(rows)),
    })
}

/// The buffered rows with every merged range filled with its top-left cell's text.
fn fill_merges(buf: &Buffered, merges: &[Merge]) -> Buffered {
    let mut out = buf.clone();
    for m in merges {
        let Some(value) = buf
            .iter()
            .find(|(n, _)| *n == m.rows.0)
            .and_then(|(_, cells)| cells.get(m.cols.0))
            .filter(|v| !v.trim().is_empty())
            .cloned()
        else {
            continue;
        };
        for (n, cells) in out.iter_mut() {
            if *n < m.rows.0 || *n > m.rows.1 {
                continue;
            }
            if cells.len() <= m.cols.1 {
                cells.resize(m.cols.1 + 1, String::new());
            }
            for c in &mut cells[m.cols.0..=m.cols.1] {
                if c.trim().is_empty() {
                    *c = value.clone();
                }
            }
        }
    }
    out
}

/// The header's index in `buf`, whether it is a two-row header and whether any row named a
/// known column at all: the row (or pair of
/// adjacent rows) that reads best as a header ([`header_score`]), the upper on ties. A pair is
/// taken over its rows alone when it scores more than the lower row and more than the upper
/// row — or as much as the upper row when some lower cell was read with the label above it (a
/// unit or 「金额」 under a label: a data row never combines so).
fn choose(buf: &Buffered, fill_left: bool) -> (usize, bool, bool) {
    let score = |cells: &[String]| header_score(cells.iter().map(String::as_str));
    let singles: Vec<usize> = buf.iter().map(|(_, c)| score(c)).collect();
    let mut best = (0usize, 0usize, false);
    for i in 0..buf.len() {
        let mut here = (singles[i], false);
        if i + 1 < buf.len() && buf[i + 1].0 == buf[i].0 + 1 {
            let (labels, combined) = combine_rows(&buf[i].1, &buf[i + 1].1, fill_left);
            let s = score(&labels);
            let over_upper = s > singles[i] || (s == singles[i] && !combined.is_empty());
            if s > 0 && over_upper && s > singles[i + 1] {
                here = (s, true);
            }
        }
        if here.0 > best.0 {
            best = (here.0, i, here.1);
        }
    }
    (best.1, best.2, best.0 > 0)
}

/// One label per column from a two-row header, and the columns whose label came from both
/// rows (upper, lower, taken) for the report. A column that matches nothing keeps both parts.
fn combine_rows(
    upper: &[String],
    lower: &[String],
    fill_left: bool,
) -> (Vec<String>, Vec<(String, String, String)>) {
    let n = upper.len().max(lower.len());
    let mut labels = Vec::with_capacity(n);
    let mut combined = Vec::new();
    let mut left = String::new();
    for i in 0..n {
        let mut p = upper.get(i).map(|s| s.trim()).unwrap_or("").to_string();
        let c = lower.get(i).map(|s| s.trim()).unwrap_or("");
        if p.is_empty() && fill_left && !c.is_empty() {
            p = left.clone();
        } else if !p.is_empty() {
            left = p.clone();
        }
        let label = match combine_header(&p, c) {
            Some(l) => {
                if !p.is_empty() && !c.is_empty() && p != c && l != c {
                    combined.push((p.clone(), c.to_string(), l.clone()));
                }
                l
            }
            None if p.is_empty() || p == c => c.to_string(),
            None if c.is_empty() => p.clone(),
            None => format!("{p}-{c}"),
        };
        labels.push(label);
    }
    (labels, combined)
}

/// The report's notes: which row is the header and what was skipped above it.
fn notes(
    buf: &Buffered,
    at: usize,
    header_row: u64,
    header_rows: u64,
    combined: &[(String, String, String)],
) -> Vec<String> {
    let mut out = Vec::new();
    if header_row == 1 && header_rows == 1 {
        return out;
    }
    let rows = if header_rows == 2 {
        format!("第{}—{}行（两行表头）", header_row, header_row + 1)
    } else {
        format!("第{header_row}行")
    };
    let mut skipped: Vec<String> = Vec::new();
    let mut next = 1u64;
    let blank = |from: u64, to: u64| {
        if from == to {
            format!("第{from}行（空行）")
        } else {
            format!("第{from}—{to}行（空行）")
        }
    };
    for (n, cells) in &buf[..at] {
        if *n > next {
            skipped.push(blank(next, n - 1));
        }
        let text: String = cells
            .iter()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let short: String = text.chars().take(40).collect();
        let more = if text.chars().count() > 40 { "…" } else { "" };
        skipped.push(format!("第{n}行「{short}{more}」"));
        next = n + 1;
    }
    if header_row > next {
        skipped.push(blank(next, header_row - 1));
    }
    let mut note = format!(
        "表头：取{rows}作为表头（在前{HEADER_SEARCH_ROWS}行中与模板列名最吻合的一行），数据从第{}行开始",
        header_row + header_rows
    );
    if !skipped.is_empty() {
        note.push_str(&format!(
            "；表头以上的{}已跳过，不作为数据导入",
            skipped.join("、")
        ));
    }
    out.push(note);
    if !combined.is_empty() {
        let list: Vec<String> = combined
            .iter()
            .map(|(p, c, l)| format!("「{p}」＋「{c}」→「{l}」"))
            .collect();
        out.push(format!(
            "两行表头（含合并单元格）已合并读取：{}",
            list.join("、")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::read::{Sheet, open_bytes};
    use rust_xlsxwriter::{Format, Workbook};

    fn rows(s: Sheet) -> Vec<(u64, Vec<String>)> {
        s.rows
            .map(|r| r.unwrap())
            .map(|(n, r)| (n, r.iter().map(str::to_string).collect()))
            .collect()
    }

    const TITLED: &str = "南京高新区2024年度企业数据统计表,,,\n\n填报单位：江北新区管理办公室,,,单位：万元\n统一社会信用代码,企业名称,年度,营业收入（万元）\n91320100MA0000001X,南京甲科技有限公司,2024,100\n\n91320100MA0000002X,南京乙科技有限公司,2024,200\n";

    fn check_titled(s: Sheet) {
        assert_eq!(s.header_row, 4);
        assert_eq!(s.header_rows, 1);
        assert_eq!(
            s.headers,
            vec!["统一社会信用代码", "企业名称", "年度", "营业收入（万元）"]
        );
        assert_eq!(s.notes.len(), 1, "{:?}", s.notes);
        let n = &s.notes[0];
        for part in [
            "取第4行作为表头",
            "数据从第5行开始",
            "第1行「南京高新区2024年度企业数据统计表」",
            "第2行（空行）",
            "第3行「填报单位：江北新区管理办公室 单位：万元」",
            "已跳过",
        ] {
            assert!(n.contains(part), "{part} not in {n}");
        }
        let r = rows(s);
        assert_eq!(r.len(), 2);
        assert_eq!((r[0].0, r[0].1[1].as_str()), (5, "南京甲科技有限公司"));
        // the blank line 6 is a row of the spreadsheet: 乙 is on row 7
        assert_eq!((r[1].0, r[1].1[1].as_str()), (7, "南京乙科技有限公司"));
    }

    #[test]
    fn a_title_blank_row_and_note_above_the_header_are_skipped_in_utf8_and_gbk() {
        check_titled(open_bytes(TITLED.as_bytes().to_vec()).unwrap());
        let (gbk, _, bad) = encoding_rs::GBK.encode(TITLED);
        assert!(!bad);
        let s = open_bytes(gbk.to_vec()).unwrap();
        assert_eq!(s.format, "GBK");
        check_titled(s);
        let crlf = TITLED.replace('\n', "\r\n");
        check_titled(open_bytes(crlf.into_bytes()).unwrap());
    }

    #[test]
    fn a_header_in_the_first_row_is_taken_without_a_note() {
        let s = open_bytes("统一社会信用代码,年度\nx,2024\n".as_bytes().to_vec()).unwrap();
        assert_eq!((s.header_row, s.notes.len()), (1, 0));
        assert_eq!(rows(s), vec![(2, vec!["x".to_string(), "2024".into()])]);
        // no row names a known column: the first row stays the header (the import then says
        // which columns are missing)
        let s = open_bytes("甲,乙\n1,2\n".as_bytes().to_vec()).unwrap();
        assert_eq!((s.header_row, s.headers[0].as_str()), (1, "甲"));
        assert!(
            s.notes[0].starts_with("表头：前20行中没有一行含模板的列名"),
            "{:?}",
            s.notes
        );
    }

    #[test]
    fn the_header_is_searched_only_in_the_first_rows() {
        let mut text = String::new();
        for i in 0..super::HEADER_SEARCH_ROWS {
            text.push_str(&format!("说明{i}\n"));
        }
        text.push_str("统一社会信用代码,年度\n");
        let s = open_bytes(text.into_bytes()).unwrap();
        assert_eq!(s.header_row, 1);
    }

    #[test]
    fn a_line_break_inside_a_quoted_cell_is_not_a_new_row() {
        let s = open_bytes(
            "标题\n统一社会信用代码,企业名称\n\"a\nb\",x\n\nc,y\n"
                .as_bytes()
                .to_vec(),
        )
        .unwrap();
        assert_eq!(s.header_row, 2);
        let r = rows(s);
        assert_eq!(r.iter().map(|x| x.0).collect::<Vec<_>>(), vec![3, 5]);
    }

    /// An xlsx made as a person makes one: a title merged across the columns, a blank row, the
    /// header in row 3.
    fn titled_xlsx() -> Vec<u8> {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        let title = Format::new().set_bold();
        ws.merge_range(0, 0, 0, 3, "南京高新区2024年度企业数据统计表", &title)
            .unwrap();
        for (c, h) in ["统一社会信用代码", "企业名称", "年度", "营业收入（万元）"]
            .iter()
            .enumerate()
        {
            ws.write_string(2, c as u16, *h).unwrap();
        }
        ws.write_string(3, 0, "91320100MA0000001X").unwrap();
        ws.write_string(3, 1, "南京甲科技有限公司").unwrap();
        ws.write_number(3, 2, 2024).unwrap();
        ws.write_number(3, 3, 100.5).unwrap();
        wb.save_to_buffer().unwrap()
    }

    #[test]
    fn an_xlsx_with_a_merged_title_row_reads_its_header_in_row_3() {
        let s = open_bytes(titled_xlsx()).unwrap();
        assert_eq!(s.header_row, 3);
        assert_eq!(s.headers[0], "统一社会信用代码");
        let n = &s.notes[0];
        assert!(
            n.contains("取第3行作为表头")
                && n.contains("第1行「南京高新区2024年度企业数据统计表」")
                && n.contains("第2行（空行）"),
            "{n}"
        );
        let r = rows(s);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].0, 4);
        assert_eq!(r[0].1[3], "100.5");
    }
}
