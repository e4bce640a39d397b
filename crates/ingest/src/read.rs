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
}

/// A stream of `(row number, cells)`; a row's cells live in one buffer (`StringRecord`).
pub type Rows = Box<dyn Iterator<Item = Result<(u64, csv::StringRecord), ReadError>> + Send>;

/// A sheet: its header row and a stream of `(row number, cells)`; row numbers are as a
/// spreadsheet shows them (header = 1, first data row = 2).
pub struct Sheet {
    pub headers: Vec<String>,
    pub rows: Rows,
    /// "xlsx", "UTF-8", "UTF-8 (BOM)" or "GBK".
    pub format: &'static str,
    /// Bytes consumed so far and in all (for progress).
    pub bytes_read: Arc<AtomicU64>,
    pub total_bytes: u64,
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Opens in-memory bytes; the file name is only a hint (content decides the format).
pub fn open_bytes(bytes: Vec<u8>) -> Result<Sheet, ReadError> {
    let total = bytes.len() as u64;
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    if bytes.starts_with(CFB_MAGIC) {
        return Err(ReadError::Encrypted);
    }
    if bytes.starts_with(ZIP_MAGIC) {
        return open_xlsx(bytes);
    }
    let head: Vec<u8> = bytes[..bytes.len().min(SNIFF)].to_vec();
    open_csv(head, Cursor::new(bytes), total)
}

/// Opens a file; CSV is streamed from disk.
pub fn open_path(path: &Path) -> Result<Sheet, ReadError> {
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
    if head.starts_with(ZIP_MAGIC) {
        let mut all = head;
        f.read_to_end(&mut all)
            .map_err(|e| ReadError::Io(e.to_string()))?;
        return open_xlsx(all);
    }
    let rest = Cursor::new(head.clone()).chain(f);
    open_csv(head, rest, total)
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
    let mut records = rdr.into_records_owned();
    let headers = match records.next() {
        None => return Err(ReadError::Empty),
        Some(Err(e)) => return Err(csv_error(1, e)),
        Some(Ok(r)) => r
            .iter()
            .map(|s| s.trim_start_matches('\u{feff}').to_string())
            .collect::<Vec<_>>(),
    };
    // Row numbers count records as a spreadsheet shows them: the header is row 1, the first
    // data record row 2 — whatever the line endings (Excel writes CRLF) and even when a cell
    // holds a line break. Wholly blank lines are skipped by the reader and not counted.
    let mut last = 1u64;
    let rows = records.filter_map(move |r| match r {
        Ok(rec) => {
            last = rec.position().map(|p| p.record() + 1).unwrap_or(last + 1);
            if rec.iter().all(|c| c.trim().is_empty()) {
                return None;
            }
            Some(Ok((last, rec)))
        }
        Err(e) => Some(Err(csv_error(last + 1, e))),
    });
    Ok(Sheet {
        headers,
        rows: Box::new(rows),
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
    let row = e.position().map(|p| p.record() + 1).unwrap_or(row);
    ReadError::Csv { row, message }
}

/// `into_records` that owns its reader (the csv crate's borrows it).
trait IntoRecordsOwned {
    fn into_records_owned(self) -> Box<dyn Iterator<Item = csv::Result<csv::StringRecord>> + Send>;
}

impl<R: Read + Send + 'static> IntoRecordsOwned for csv::Reader<R> {
    fn into_records_owned(self) -> Box<dyn Iterator<Item = csv::Result<csv::StringRecord>> + Send> {
        Box::new(self.into_records())
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

fn open_xlsx(bytes: Vec<u8>) -> Result<Sheet, ReadError> {
    use calamine::Reader;
    let total = bytes.len() as u64;
    let mut wb =
        calamine::Xlsx::new(Cursor::new(bytes)).map_err(|e| ReadError::Corrupt(e.to_string()))?;
    let range = match wb.worksheet_range_at(0) {
        Some(Ok(r)) => r,
        Some(Err(e)) => return Err(ReadError::Corrupt(e.to_string())),
        None => return Err(ReadError::Empty),
    };
    let (r0, _) = range.start().unwrap_or((0, 0));
    let mut it = range.rows();
    let headers: Vec<String> = match it.next() {
        Some(h) => h.iter().map(cell_text).collect(),
        None => return Err(ReadError::Empty),
    };
    let rows: Vec<(u64, csv::StringRecord)> = it
        .enumerate()
        .map(|(i, r)| {
            (
                r0 as u64 + i as u64 + 2,
                r.iter().map(cell_text).collect::<csv::StringRecord>(),
            )
        })
        .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()))
        .collect();
    let counter = Arc::new(AtomicU64::new(total));
    Ok(Sheet {
        headers,
        rows: Box::new(rows.into_iter().map(Ok)),
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
                (3, vec!["南京乙".into(), "2023".into()])
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
