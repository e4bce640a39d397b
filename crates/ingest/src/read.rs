//! Reading a sheet of rows from bytes or a file: xlsx (first worksheet) or CSV in UTF-8, UTF-8 with
//! BOM, or GBK/GB18030 (what Chinese Excel writes by default). CSV files are streamed, so a file
//! of millions of rows is never held in memory; xlsx sheets are read whole (Excel caps them at ~1M rows).
use std::fs::File;
use std::io::{BufReader, Cursor, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Why a file cannot be read at all (as opposed to a bad cell).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("无法读取文件：{0}")]
    Io(String),
    #[error(
        "文件设有打开密码（已加密）或为旧版 .xls 格式，无法读取：请在 Excel 中取消密码并另存为 .xlsx 或 .csv 后重新上传"
    )]
    Encrypted,
    #[error("文件已损坏或不是有效的 Excel/CSV 文件：{0}")]
    Corrupt(String),
    #[error("文件为空：第1行应为表头")]
    Empty,
    /// A CSV record that cannot be split (e.g. an unclosed quote), at a 1-based line.
    #[error("第{row}行无法解析（CSV 格式错误）：{message}")]
    Csv { row: u64, message: String },
    /// More data rows than [`Limits::max_rows`] (`GAOXIN_IMPORT_MAX_ROWS`).
    #[error(
        "文件超过行数上限：最多{limit}行数据（第{row}行超出；可用环境变量 GAOXIN_IMPORT_MAX_ROWS 调整），未写入任何数据，请拆分文件后分批导入"
    )]
    TooManyRows { row: u64, limit: u64 },
    /// More cells than [`Limits::max_cells`] (`GAOXIN_IMPORT_MAX_CELLS`).
    #[error(
        "文件超过单元格总数上限：最多{limit}个单元格（第{row}行超出；可用环境变量 GAOXIN_IMPORT_MAX_CELLS 调整），未写入任何数据，请拆分文件后分批导入"
    )]
    TooManyCells { row: u64, limit: u64 },
    /// An xlsx whose parts would inflate beyond the limits (a "zip bomb"): refused before
    /// anything is decompressed.
    #[error("Excel 文件解压后过大，已拒绝（疑似“压缩炸弹”）：{0}")]
    ZipBomb(String),
    /// A limit set in the environment that is not a positive whole number.
    #[error("环境变量 {0} 的值「{1}」无效：应为正整数")]
    BadLimit(&'static str, String),
}

/// The limits of one import (besides the web upload's size limit): rows, cells, and how far an
/// xlsx may inflate. Read from the environment by [`Limits::from_env`]; the same defaults for
/// `gaoxin import` and the web upload (the upload is also capped at 64 MiB of file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Data rows (header excluded); `GAOXIN_IMPORT_MAX_ROWS`, default 2,000,000.
    pub max_rows: u64,
    /// Cells of all data rows; `GAOXIN_IMPORT_MAX_CELLS`, default 100,000,000.
    pub max_cells: u64,
    /// Total declared uncompressed size of an xlsx's parts (bytes);
    /// `GAOXIN_XLSX_MAX_INFLATED_MB` (MiB), default 1024 MiB.
    pub max_inflated: u64,
    /// Largest uncompressed/compressed ratio of one xlsx part of more than 1 MiB; default 200
    /// (spreadsheet XML compresses 5–50×; a bomb of repeated bytes ~1000×).
    pub max_ratio: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_rows: 2_000_000,
            max_cells: 100_000_000,
            max_inflated: 1024 * 1024 * 1024,
            max_ratio: 200,
        }
    }
}

impl Limits {
    /// The defaults, overridden by `GAOXIN_IMPORT_MAX_ROWS`, `GAOXIN_IMPORT_MAX_CELLS` and
    /// `GAOXIN_XLSX_MAX_INFLATED_MB` when set.
    pub fn from_env() -> Result<Limits, ReadError> {
        fn var(name: &'static str) -> Result<Option<u64>, ReadError> {
            match std::env::var(name) {
                Ok(v) if !v.trim().is_empty() => match v.trim().parse::<u64>() {
                    Ok(n) if n > 0 => Ok(Some(n)),
                    _ => Err(ReadError::BadLimit(name, v)),
                },
                _ => Ok(None),
            }
        }
        let mut l = Limits::default();
        if let Some(n) = var("GAOXIN_IMPORT_MAX_ROWS")? {
            l.max_rows = n;
        }
        if let Some(n) = var("GAOXIN_IMPORT_MAX_CELLS")? {
            l.max_cells = n;
        }
        if let Some(n) = var("GAOXIN_XLSX_MAX_INFLATED_MB")? {
            l.max_inflated = n.saturating_mul(1024 * 1024);
        }
        Ok(l)
    }

    /// Wraps a row stream so that it ends with [`ReadError::TooManyRows`] or
    /// [`ReadError::TooManyCells`] as soon as a limit is passed.
    fn bound(self, rows: Rows) -> Rows {
        let (mut n, mut cells) = (0u64, 0u64);
        let mut done = false;
        Box::new(rows.map_while(move |item| {
            if done {
                return None;
            }
            Some(match item {
                Ok((row, rec)) => {
                    n += 1;
                    cells += rec.len() as u64;
                    if n > self.max_rows {
                        done = true;
                        Err(ReadError::TooManyRows {
                            row,
                            limit: self.max_rows,
                        })
                    } else if cells > self.max_cells {
                        done = true;
                        Err(ReadError::TooManyCells {
                            row,
                            limit: self.max_cells,
                        })
                    } else {
                        Ok((row, rec))
                    }
                }
                Err(e) => Err(e),
            })
        }))
    }
}

fn le16(b: &[u8], at: usize) -> Option<u64> {
    b.get(at..at + 2)
        .map(|x| u16::from_le_bytes([x[0], x[1]]) as u64)
}

fn le32(b: &[u8], at: usize) -> Option<u64> {
    b.get(at..at + 4)
        .map(|x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]) as u64)
}

/// Checks an xlsx (zip) archive's central directory before anything is inflated: the declared
/// uncompressed sizes, in all and per part against its compressed size. A ZIP64 size (a part of
/// 4 GiB or more) is over any limit. An archive whose directory cannot be read is left to the
/// xlsx reader (which reports it as corrupt).
pub fn check_zip(bytes: &[u8], limits: &Limits) -> Result<(), ReadError> {
    const EOCD: &[u8] = b"PK\x05\x06";
    const CDH: &[u8] = b"PK\x01\x02";
    let from = bytes.len().saturating_sub(22 + 65_535);
    let Some(eocd) = bytes[from..]
        .windows(4)
        .rposition(|w| w == EOCD)
        .map(|i| from + i)
    else {
        return Ok(());
    };
    let (Some(count), Some(cd_off)) = (le16(bytes, eocd + 10), le32(bytes, eocd + 16)) else {
        return Ok(());
    };
    let mut at = cd_off as usize;
    let mut total = 0u64;
    let mib = |n: u64| n / (1024 * 1024);
    for _ in 0..count {
        if bytes.get(at..at + 4) != Some(CDH) {
            break;
        }
        let (Some(csize), Some(usize_), Some(nlen), Some(xlen), Some(clen)) = (
            le32(bytes, at + 20),
            le32(bytes, at + 24),
            le16(bytes, at + 28),
            le16(bytes, at + 30),
            le16(bytes, at + 32),
        ) else {
            break;
        };
        let name = bytes
            .get(at + 46..at + 46 + nlen as usize)
            .map(|n| String::from_utf8_lossy(n).to_string())
            .unwrap_or_default();
        if csize == u32::MAX as u64 || usize_ == u32::MAX as u64 {
            return Err(ReadError::ZipBomb(format!(
                "部件「{name}」解压后不小于 4 GiB（上限共 {} MiB）",
                mib(limits.max_inflated)
            )));
        }
        total += usize_;
        if total > limits.max_inflated {
            return Err(ReadError::ZipBomb(format!(
                "各部件解压后共超过 {} MiB（到部件「{name}」已达 {} MiB；可用环境变量 GAOXIN_XLSX_MAX_INFLATED_MB 调整）",
                mib(limits.max_inflated),
                mib(total)
            )));
        }
        if usize_ > 1024 * 1024 && usize_ / csize.max(1) > limits.max_ratio {
            return Err(ReadError::ZipBomb(format!(
                "部件「{name}」压缩比 {}:1 超过上限 {}:1（{} 字节解压为 {} MiB）",
                usize_ / csize.max(1),
                limits.max_ratio,
                csize,
                mib(usize_)
            )));
        }
        at += 46 + nlen as usize + xlen as usize + clen as usize;
    }
    Ok(())
}

/// A stream of `(row number, cells)`; a row's cells live in one buffer (`StringRecord`).
pub type Rows = Box<dyn Iterator<Item = Result<(u64, csv::StringRecord), ReadError>> + Send>;

/// A sheet: its header row and a stream of `(row number, cells)`; row numbers are as a
/// spreadsheet shows them (with the header in row 1, the first data row is 2). The header is
/// found among the first rows ([`crate::header`]): titles, notes and blank rows above it are
/// skipped, and `notes` says so.
pub struct Sheet {
    pub headers: Vec<String>,
    /// The spreadsheet row of the header (the upper row of a two-row header).
    pub header_row: u64,
    /// 1, or 2 for a two-row header.
    pub header_rows: u64,
    /// For the report, in Chinese: the header row taken, the rows skipped above it, the labels
    /// of a two-row header.
    pub notes: Vec<String>,
    pub rows: Rows,
    /// "xlsx", "UTF-8", "UTF-8 (BOM)" or "GBK".
    pub format: &'static str,
    /// Bytes consumed so far and in all (for progress).
    pub bytes_read: Arc<AtomicU64>,
    pub total_bytes: u64,
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Opens in-memory bytes with the [`Limits`] of the environment; the file name is only a hint
/// (content decides the format).
pub fn open_bytes(bytes: Vec<u8>) -> Result<Sheet, ReadError> {
    open_bytes_with(bytes, &Limits::from_env()?)
}

/// [`open_bytes`] with the given limits.
pub fn open_bytes_with(bytes: Vec<u8>, limits: &Limits) -> Result<Sheet, ReadError> {
    let total = bytes.len() as u64;
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    if bytes.starts_with(CFB_MAGIC) {
        return Err(ReadError::Encrypted);
    }
    let mut sheet = if bytes.starts_with(ZIP_MAGIC) {
        open_xlsx(bytes, limits)?
    } else {
        let head: Vec<u8> = bytes[..bytes.len().min(SNIFF)].to_vec();
        open_csv(head, Cursor::new(bytes), total)?
    };
    sheet.rows = limits.bound(sheet.rows);
    Ok(sheet)
}

/// Opens a file with the [`Limits`] of the environment; CSV is streamed from disk.
pub fn open_path(path: &Path) -> Result<Sheet, ReadError> {
    open_path_with(path, &Limits::from_env()?)
}

/// [`open_path`] with the given limits.
pub fn open_path_with(path: &Path, limits: &Limits) -> Result<Sheet, ReadError> {
    let mut f = File::open(path).map_err(|e| ReadError::Io(format!("{}：{e}", path.display())))?;
    let total = f.metadata().map(|m| m.len()).unwrap_or(0);
    let mut head = vec![0u8; SNIFF];
    let mut n = 0;
    while n < head.len() {
        let k = f
            .read(&mut head[n..])
            .map_err(|e| ReadError::Io(e.to_string()))?;
        if k == 0 {
            break;
        }
        n += k;
    }
    head.truncate(n);
    if head.is_empty() {
        return Err(ReadError::Empty);
    }
    if head.starts_with(CFB_MAGIC) {
        return Err(ReadError::Encrypted);
    }
    let mut sheet = if head.starts_with(ZIP_MAGIC) {
        let mut all = head;
        f.read_to_end(&mut all)
            .map_err(|e| ReadError::Io(e.to_string()))?;
        open_xlsx(all, limits)?
    } else {
        let rest = Cursor::new(head.clone()).chain(f);
        open_csv(head, rest, total)?
    };
    sheet.rows = limits.bound(sheet.rows);
    Ok(sheet)
}

const SNIFF: usize = 64 * 1024;

/// UTF-8 (with or without BOM) if the first 64 KiB are valid UTF-8, else GBK (decoded as GB18030).
fn detect(head: &[u8]) -> &'static str {
    if head.starts_with(b"\xEF\xBB\xBF") {
        return "UTF-8 (BOM)";
    }
    match std::str::from_utf8(head) {
        Ok(_) => "UTF-8",
        // A character cut by the 64 KiB boundary is not evidence against UTF-8.
        Err(e) if e.error_len().is_none() => "UTF-8",
        Err(_) => "GBK",
    }
}

struct Counting<R> {
    inner: R,
    n: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.n.fetch_add(k as u64, Ordering::Relaxed);
        Ok(k)
    }
}

fn open_csv<R: Read + Send + 'static>(
    head: Vec<u8>,
    reader: R,
    total: u64,
) -> Result<Sheet, ReadError> {
    let format = detect(&head);
    let counter = Arc::new(AtomicU64::new(0));
    let counted = Counting {
        inner: reader,
        n: counter.clone(),
    };
    let decoded: Box<dyn Read + Send> = if format == "GBK" {
        Box::new(
            encoding_rs_io::DecodeReaderBytesBuilder::new()
                .encoding(Some(encoding_rs::GB18030))
                .build(BufReader::with_capacity(1 << 16, counted)),
        )
    } else {
        // Strips a UTF-8 BOM and passes UTF-8 through unchanged.
        Box::new(
            encoding_rs_io::DecodeReaderBytesBuilder::new()
                .build(BufReader::with_capacity(1 << 16, counted)),
        )
    };
    let rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(decoded);
    let rows = Records {
        rdr,
        line: 1,
        row: 0,
        done: false,
    }
    .filter(|r| !matches!(r, Ok((_, rec)) if rec.iter().all(|c| c.trim().is_empty())));
    let found = crate::header::locate(Box::new(rows), &[], true)
        .map_err(|e| e.unwrap_or(ReadError::Empty))?;
    Ok(Sheet {
        headers: found.headers,
        header_row: found.header_row,
        header_rows: found.header_rows,
        notes: found.notes,
        rows: found.rows,
        format,
        bytes_read: counter,
        total_bytes: total,
    })
}

fn csv_error(row: u64, e: csv::Error) -> ReadError {
    let message = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => {
            "含有无法识别的字符（文件编码不一致：请整体另存为 UTF-8 或 GBK）".to_string()
        }
        _ => e.to_string(),
    };
    ReadError::Csv { row, message }
}

/// CSV records with the row numbers a spreadsheet shows, whatever the line endings (Excel
/// writes CRLF): a blank line is a row, a line break inside a quoted cell is not a new row.
/// The csv reader skips blank lines but counts every `\n` it consumes; a record's share of
/// them, less its own terminator and the breaks inside its cells, is the blank lines before it.
/// (A record is ended by `\r` in a CRLF file, and its `\n` is counted with the next one; the
/// share comes out the same except for blank lines at the very top of a CRLF file, which are
/// not counted.)
struct Records<R> {
    rdr: csv::Reader<R>,
    /// The reader's line count after the previous record.
    line: u64,
    /// The previous record's row.
    row: u64,
    done: bool,
}

impl<R: Read> Iterator for Records<R> {
    type Item = Result<(u64, csv::StringRecord), ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut rec = csv::StringRecord::new();
        match self.rdr.read_record(&mut rec) {
            Ok(true) => {
                let line = self.rdr.position().line();
                let consumed = line.saturating_sub(self.line);
                self.line = line;
                let text = rec.as_slice();
                let inner = if text.contains('\n') {
                    text.bytes().filter(|b| *b == b'\n').count() as u64
                } else {
                    0
                };
                self.row += 1 + consumed.saturating_sub(inner + 1);
                Some(Ok((self.row, rec)))
            }
            Ok(false) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(csv_error(self.row + 1, e)))
            }
        }
    }
}

fn cell_text(d: &calamine::Data) -> String {
    use calamine::Data;
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", *f as i64)
            } else {
                // Shortest text that reads back as the same double: a value typed as 12.345678 stays so.
                format!("{f}")
            }
        }
        Data::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        Data::DateTime(dt) => gaoxin_model::Date::from_excel_serial(dt.as_f64())
            .map(|d| d.to_string())
            .unwrap_or_else(|| dt.as_f64().to_string()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#错误:{e:?}"),
    }
}

fn open_xlsx(bytes: Vec<u8>, limits: &Limits) -> Result<Sheet, ReadError> {
    use calamine::Reader;
    check_zip(&bytes, limits)?;
    let total = bytes.len() as u64;
    let mut wb =
        calamine::Xlsx::new(Cursor::new(bytes)).map_err(|e| ReadError::Corrupt(e.to_string()))?;
    let range = match wb.worksheet_range_at(0) {
        Some(Ok(r)) => r,
        Some(Err(e)) => return Err(ReadError::Corrupt(e.to_string())),
        None => return Err(ReadError::Empty),
    };
    let (r0, c0) = range.start().unwrap_or((0, 0));
    let rows: Vec<(u64, csv::StringRecord)> = range
        .rows()
        .enumerate()
        .map(|(i, r)| {
            (
                r0 as u64 + i as u64 + 1,
                r.iter().map(cell_text).collect::<csv::StringRecord>(),
            )
        })
        .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()))
        .collect();
    // Merged cells (for a merged title or a two-row header). Reading them parses the sheet a
    // second time, so only when the first row is not already a complete header (a known column
    // and no blank cell before its last label — as the template and exports write it). A sheet
    // whose merges cannot be read has none.
    let complete = rows.first().is_some_and(|(_, r)| {
        let cells: Vec<&str> = r.iter().map(str::trim).collect();
        let last = cells.iter().rposition(|c| !c.is_empty()).unwrap_or(0);
        crate::columns::header_score(cells.iter().copied()) > 0
            && cells[..=last].iter().all(|c| !c.is_empty())
    });
    let merges: Vec<crate::header::Merge> = if complete {
        Vec::new()
    } else {
        wb.merge_cells_by_sheet_id(0)
            .unwrap_or_default()
            .iter()
            .filter(|d| d.end.1 >= c0)
            .map(|d| crate::header::Merge {
                rows: (d.start.0 as u64 + 1, d.end.0 as u64 + 1),
                cols: (
                    d.start.1.saturating_sub(c0) as usize,
                    (d.end.1 - c0) as usize,
                ),
            })
            .collect()
    };
    let found = crate::header::locate(Box::new(rows.into_iter().map(Ok)), &merges, false)
        .map_err(|e| e.unwrap_or(ReadError::Empty))?;
    let counter = Arc::new(AtomicU64::new(total));
    Ok(Sheet {
        headers: found.headers,
        header_row: found.header_row,
        header_rows: found.header_rows,
        notes: found.notes,
        rows: found.rows,
        format: "xlsx",
        bytes_read: counter,
        total_bytes: total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_are_the_ones_users_read() {
        assert_eq!(
            ReadError::Io("权限不足".into()).to_string(),
            "无法读取文件：权限不足"
        );
        assert!(
            ReadError::Encrypted
                .to_string()
                .starts_with("文件设有打开密码（已加密）")
        );
        assert_eq!(
            ReadError::Corrupt("zip".into()).to_string(),
            "文件已损坏或不是有效的 Excel/CSV 文件：zip"
        );
        assert_eq!(ReadError::Empty.to_string(), "文件为空：第1行应为表头");
        assert_eq!(
            ReadError::Csv {
                row: 7,
                message: "引号未闭合".into()
            }
            .to_string(),
            "第7行无法解析（CSV 格式错误）：引号未闭合"
        );
    }

    fn all_rows(s: Sheet) -> Vec<(u64, Vec<String>)> {
        s.rows
            .map(|r| r.unwrap())
            .map(|(n, r)| (n, r.iter().map(str::to_string).collect()))
            .collect()
    }

    #[test]
    fn utf8_bom_and_gbk_read_the_same() {
        let text = "企业名称,年度\n南京甲科技有限公司,2024\n\n南京乙,2023\n";
        let plain = open_bytes(text.as_bytes().to_vec()).unwrap();
        assert_eq!(plain.format, "UTF-8");
        assert_eq!(plain.headers, vec!["企业名称", "年度"]);
        let want = all_rows(plain);
        assert_eq!(
            want,
            vec![
                (2, vec!["南京甲科技有限公司".to_string(), "2024".into()]),
                // line 3 is blank: a spreadsheet shows 乙 on row 4, and so do messages
                (4, vec!["南京乙".into(), "2023".into()])
            ]
        );

        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(text.as_bytes());
        let s = open_bytes(bom).unwrap();
        assert_eq!(
            (s.format, s.headers.clone()),
            ("UTF-8 (BOM)", vec!["企业名称".to_string(), "年度".into()])
        );
        assert_eq!(all_rows(s), want);

        let (gbk, _, bad) = encoding_rs::GBK.encode(text);
        assert!(!bad);
        let s = open_bytes(gbk.to_vec()).unwrap();
        assert_eq!(s.format, "GBK");
        assert_eq!(s.headers, vec!["企业名称", "年度"]);
        assert_eq!(all_rows(s), want);
    }

    #[test]
    fn encrypted_and_corrupt_files_are_named() {
        let mut cfb = CFB_MAGIC.to_vec();
        cfb.extend_from_slice(&[0; 100]);
        assert_eq!(open_bytes(cfb).err(), Some(ReadError::Encrypted));
        let mut zip = ZIP_MAGIC.to_vec();
        zip.extend_from_slice(b"garbage");
        assert!(matches!(open_bytes(zip).err(), Some(ReadError::Corrupt(_))));
        assert_eq!(open_bytes(vec![]).err(), Some(ReadError::Empty));
    }

    #[test]
    fn a_zip_bomb_xlsx_is_refused_before_inflating() {
        let bomb = crate::testing::zip_bomb_xlsx(300);
        assert!(bomb.len() < 1_000_000, "{} bytes", bomb.len());
        let t = std::time::Instant::now();
        let e = open_bytes_with(bomb.clone(), &Limits::default()).err();
        assert!(t.elapsed().as_secs_f64() < 1.0, "{:?}", t.elapsed());
        match e {
            Some(ReadError::ZipBomb(m)) => {
                assert!(m.contains("sheet1.xml") && m.contains("压缩比"), "{m}");
            }
            other => panic!("{other:?}"),
        }
        // the bomb is real: a small one inflates to its declared size (zip crate, CRC checked)
        let small = crate::testing::zip_bomb_xlsx(4);
        let mut z = zip::ZipArchive::new(Cursor::new(small)).unwrap();
        let mut part = z.by_name("xl/worksheets/sheet1.xml").unwrap();
        let mut n = 0u64;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let k = part.read(&mut buf).unwrap();
            if k == 0 {
                break;
            }
            assert!(buf[..k].iter().all(|&b| b == b' '));
            n += k as u64;
        }
        assert_eq!(n, 4 << 20);
        // the total: a lower limit names the variable that raises it
        let small = Limits {
            max_inflated: 100 << 20,
            ..Limits::default()
        };
        let m = open_bytes_with(bomb, &small).err().unwrap().to_string();
        assert!(
            m.starts_with("Excel 文件解压后过大，已拒绝")
                && m.contains("GAOXIN_XLSX_MAX_INFLATED_MB"),
            "{m}"
        );
        // an ordinary xlsx passes the check
        let ok = crate::template_xlsx(
            &gaoxin_model::Zone::parse(include_str!("../../../data/reference/zone.toml")).unwrap(),
        );
        assert_eq!(check_zip(&ok, &Limits::default()), Ok(()));
    }

    #[test]
    fn rows_and_cells_beyond_the_limits_end_the_stream_with_the_limit_named() {
        let text = "a,b,c\n1,2,3\n4,5,6\n7,8,9\n";
        let rows = |l: Limits| {
            open_bytes_with(text.as_bytes().to_vec(), &l)
                .unwrap()
                .rows
                .collect::<Vec<_>>()
        };
        let all = rows(Limits::default());
        assert_eq!(all.len(), 3);
        assert!(all.iter().all(|r| r.is_ok()));
        let r = rows(Limits {
            max_rows: 2,
            ..Limits::default()
        });
        assert_eq!(r.len(), 3);
        assert_eq!(
            r[2].as_ref().err(),
            Some(&ReadError::TooManyRows { row: 4, limit: 2 })
        );
        assert!(
            r[2].as_ref()
                .err()
                .unwrap()
                .to_string()
                .starts_with("文件超过行数上限：最多2行数据（第4行超出"),
        );
        let r = rows(Limits {
            max_cells: 5,
            ..Limits::default()
        });
        assert_eq!(r.len(), 2);
        assert_eq!(
            r[1].as_ref().err(),
            Some(&ReadError::TooManyCells { row: 3, limit: 5 })
        );
    }

    #[test]
    fn crlf_files_number_rows_like_excel() {
        let s = open_bytes(b"\xEF\xBB\xBFa,b\r\n1,2\r\n3,4\r\n".to_vec()).unwrap();
        assert_eq!(
            all_rows(s),
            vec![
                (2, vec!["1".to_string(), "2".into()]),
                (3, vec!["3".into(), "4".into()])
            ]
        );
    }

    #[test]
    fn quoted_fields_may_hold_commas_and_newlines() {
        let s = open_bytes("a,b\n\"x,\ny\",2\n3,4\n".as_bytes().to_vec()).unwrap();
        assert_eq!(
            all_rows(s),
            vec![
                (2, vec!["x,\ny".to_string(), "2".into()]),
                (3, vec!["3".into(), "4".into()])
            ]
        );
    }
}
