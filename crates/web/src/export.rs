//! Downloads of what a page shows: a table as CSV (UTF-8 with BOM, so Excel opens Chinese
//! correctly) or as xlsx.
use crate::AppState;
use crate::CurrentUser;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::Workbook;

/// One cell: text or number.
#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    Num(f64),
    /// An exact decimal number (money): CSV gets the text as it is; .xlsx a number cell (a
    /// spreadsheet keeps numbers as doubles — the cell is the nearest one to the text).
    Fixed(String),
    Empty,
}

impl Cell {
    /// Fen as exact 万元 (up to six decimals: every fen shown), empty when missing.
    pub fn wan(fen: Option<i64>) -> Cell {
        fen.map(|f| Cell::Fixed(gaoxin_model::Money(f).to_decimal(gaoxin_model::Unit::WanYuan)))
            .unwrap_or(Cell::Empty)
    }
    /// Fen as 亿元 with two decimals, rounded half away from zero on the integer fen.
    pub fn yi2(fen: i64) -> Cell {
        Cell::Fixed(gaoxin_model::Money(fen).rounded(gaoxin_model::Unit::YiYuan, 2))
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.into())
    }
}
impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}
impl From<f64> for Cell {
    fn from(x: f64) -> Cell {
        Cell::Num(x)
    }
}
impl From<i64> for Cell {
    fn from(x: i64) -> Cell {
        Cell::Num(x as f64)
    }
}
impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(x: Option<T>) -> Cell {
        x.map(Into::into).unwrap_or(Cell::Empty)
    }
}

/// A titled table.
#[derive(Debug, Clone)]
pub struct Table {
    /// File name without extension (Chinese allowed).
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn parse(s: Option<&str>) -> Format {
        match s {
            Some("xlsx") => Format::Xlsx,
            _ => Format::Csv,
        }
    }
}

/// A text cell as written to CSV: cells that a spreadsheet would read as a formula are prefixed
/// with an apostrophe (quoting is the csv crate's).
fn csv_text(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@']) && s.parse::<f64>().is_err() {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

impl Table {
    /// UTF-8 with a byte-order mark (so Excel reads the Chinese), CRLF line ends.
    pub fn csv(&self) -> Vec<u8> {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer("\u{feff}".as_bytes().to_vec());
        let written = w
            .write_record(self.headers.iter().map(|h| csv_text(h).into_owned()))
            .and_then(|_| {
                self.rows.iter().try_for_each(|r| {
                    w.write_record(r.iter().map(|c| match c {
                        Cell::Text(s) => csv_text(s).into_owned(),
                        Cell::Num(x) => format_num(*x),
                        Cell::Fixed(s) => s.clone(),
                        Cell::Empty => String::new(),
                    }))
                })
            });
        // Writing into memory cannot fail.
        written.expect("CSV into memory");
        w.into_inner().expect("CSV into memory")
    }

    pub fn xlsx(&self) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in self.headers.iter().enumerate() {
            ws.write_string(0, c as u16, h)?;
        }
        for (r, row) in self.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32 + 1, c as u16);
                match cell {
                    Cell::Text(s) => {
                        ws.write_string(r, c, s)?;
                    }
                    Cell::Num(x) => {
                        ws.write_number(r, c, *x)?;
                    }
                    Cell::Fixed(s) => match s.parse::<f64>() {
                        Ok(x) => {
                            ws.write_number(r, c, x)?;
                        }
                        Err(_) => {
                            ws.write_string(r, c, s)?;
                        }
                    },
                    Cell::Empty => {}
                }
            }
        }
        wb.save_to_buffer()
    }

    /// The download response in `format`; an .xlsx carries the 「说明」 sheet (数据截至, the
    /// reader's scope).
    pub fn respond_for(&self, format: Format, state: &AppState, user: &CurrentUser) -> Response {
        match format {
            Format::Csv => self.respond(format),
            Format::Xlsx => match self.xlsx() {
                Ok(b) => xlsx_download(state, user, b, &format!("{}.xlsx", self.name)),
                Err(e) => crate::error::PageError::internal(e).into_response(),
            },
        }
    }

    /// The download response in `format`.
    pub fn respond(&self, format: Format) -> Response {
        let (bytes, ctype, ext) = match format {
            Format::Csv => (self.csv(), "text/csv; charset=utf-8", "csv"),
            Format::Xlsx => match self.xlsx() {
                Ok(b) => (
                    b,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "xlsx",
                ),
                Err(e) => return crate::error::PageError::internal(e).into_response(),
            },
        };
        download(bytes, ctype, &format!("{}.{ext}", self.name))
    }
}

fn format_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        format!("{x}")
    }
}

/// The reader's scope in words (an export's 「数据范围」).
pub fn scope_label(state: &AppState, user: &CurrentUser) -> String {
    use gaoxin_store::Role;
    match &user.role {
        Role::ZoneAdmin | Role::ZoneAnalyst => "全区（十五个园区）".into(),
        Role::ParkAdmin(p) => state
            .zone
            .park(p.as_str())
            .map(|x| x.name.clone())
            .unwrap_or_else(|| "本园区".into()),
        Role::Enterprise(u) => format!("本企业（统一社会信用代码 {}）", u.as_str()),
        Role::Department(_) => "本部门".into(),
        Role::University(u) => format!("本单位（{u}）"),
    }
}

/// An exported workbook as a download, with its 「说明」 sheet: 数据截至, the reader's scope and
/// the export's time (`gaoxin_app::xlsx::with_note_sheet`). Should the sheet not be addable, the
/// workbook is sent as it was (and the failure logged): never a 500 for a note.
pub fn xlsx_download(
    state: &AppState,
    user: &CurrentUser,
    bytes: Vec<u8>,
    file_name: &str,
) -> Response {
    let note = gaoxin_app::xlsx::export_note(
        user.as_of,
        &scope_label(state, user),
        gaoxin_store::unix_now(),
    );
    let bytes = match gaoxin_app::xlsx::with_note_sheet(&bytes, &note) {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!("{file_name}: {e}");
            bytes
        }
    };
    download(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        file_name,
    )
}

/// A file download with a UTF-8 file name (RFC 6266 / 5987).
pub fn download(bytes: Vec<u8>, ctype: &'static str, file_name: &str) -> Response {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disp = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        crate::auth::urlencode(file_name)
    );
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(ctype)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disp).unwrap_or(HeaderValue::from_static("attachment")),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let t = Table {
            name: "t".into(),
            headers: vec!["名称".into(), "值".into()],
            rows: vec![
                vec!["a,\"b\"".into(), 1.5.into()],
                vec!["=cmd()".into(), Cell::Empty],
            ],
        };
        let s = String::from_utf8(t.csv()).unwrap();
        assert_eq!(s, "\u{feff}名称,值\r\n\"a,\"\"b\"\"\",1.5\r\n'=cmd(),\r\n");
        assert!(t.xlsx().unwrap().starts_with(b"PK"));
    }

    /// Money in exports is the exact decimal of the fen, not `fen as f64 / 1e6` (which loses the
    /// last fen of large amounts and prints binary noise).
    #[test]
    fn money_cells_are_exact() {
        let big = i64::MAX / 100;
        let t = Table {
            name: "t".into(),
            headers: vec!["万元".into(), "亿元".into()],
            rows: vec![
                vec![Cell::wan(Some(1_234_567_895)), Cell::yi2(1_005_000_000)],
                vec![Cell::wan(Some(big)), Cell::yi2(-1_250_000_000)],
                vec![Cell::wan(Some(-5)), Cell::yi2(5)],
                vec![Cell::wan(None), Cell::yi2(0)],
            ],
        };
        let s = String::from_utf8(t.csv()).unwrap();
        assert_eq!(
            s,
            "\u{feff}万元,亿元\r\n1234.567895,0.10\r\n92233720368.547758,-0.13\r\n-0.000005,0.00\r\n,0.00\r\n"
        );
        assert_ne!(format!("{}", big as f64 / 1e6), "92233720368.547758");
        assert!(t.xlsx().unwrap().starts_with(b"PK"));
    }
}
