//! The import use case: read → validate every row → write in one transaction, or nothing.
//!
//! Valid rows are written in batches while reading (so memory stays bounded); as soon as one
//! error is found writing stops, validation continues to the end so the report lists every
//! problem, and the transaction is rolled back. A file without errors is committed and the
//! report says how many rows were inserted, updated and left unchanged.
use crate::read::{ReadError, Sheet, open_bytes, open_path};
use crate::report::ImportReport;
use crate::validate::{RowError, RowParser};
use gaoxin_model::{Enterprise, Facts, Zone};
use gaoxin_store::Store;
use std::path::Path;
use std::sync::atomic::Ordering;

/// Progress of a running import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub rows: u64,
    pub bytes: u64,
    pub total_bytes: u64,
    pub errors: u64,
}

/// Who is importing: a park administrator may only import rows of their own park.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub only_park: Option<String>,
}

/// A failure that is not about the file's content.
#[derive(Debug)]
pub enum IngestError {
    Store(gaoxin_store::Error),
    Io(String),
}

impl std::fmt::Display for IngestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IngestError::Store(e) => write!(f, "{e}"),
            IngestError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for IngestError {}

impl From<gaoxin_store::Error> for IngestError {
    fn from(e: gaoxin_store::Error) -> Self {
        IngestError::Store(e)
    }
}

const BATCH: usize = 2_000;
/// How many errors a report keeps in full (all are counted).
pub const MAX_LISTED_ERRORS: usize = 1_000;

/// Imports a file held in memory (an upload).
pub async fn import_bytes(
    store: &Store,
    zone: &Zone,
    bytes: Vec<u8>,
    opts: &ImportOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<ImportReport, IngestError> {
    match open_bytes(bytes) {
        Ok(sheet) => import_sheet(store, zone, sheet, opts, progress).await,
        Err(e) => Ok(unreadable(e, progress)),
    }
}

fn unreadable(e: ReadError, progress: &mut (dyn FnMut(Progress) + Send)) -> ImportReport {
    progress(Progress {
        rows: 0,
        bytes: 0,
        total_bytes: 0,
        errors: 1,
    });
    ImportReport::unreadable(e)
}

/// Imports a file from disk (CSV is streamed).
pub async fn import_path(
    store: &Store,
    zone: &Zone,
    path: &Path,
    opts: &ImportOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<ImportReport, IngestError> {
    match open_path(path) {
        Ok(sheet) => import_sheet(store, zone, sheet, opts, progress).await,
        Err(ReadError::Io(e)) => Err(IngestError::Io(e)),
        Err(e) => Ok(unreadable(e, progress)),
    }
}

async fn import_sheet(
    store: &Store,
    zone: &Zone,
    sheet: Sheet,
    opts: &ImportOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<ImportReport, IngestError> {
    let mut report = ImportReport {
        format: sheet.format.to_string(),
        ..Default::default()
    };
    let (mut parser, ignored) = match RowParser::new(zone, &sheet.headers, opts.only_park.clone()) {
        Ok(p) => p,
        Err(errs) => {
            for e in errs {
                report.push_error(e);
            }
            progress(Progress {
                rows: 0,
                bytes: 0,
                total_bytes: sheet.total_bytes,
                errors: report.error_count,
            });
            return Ok(report);
        }
    };
    report.ignored_columns = ignored;
    let mut tx = store.begin_import().await?;
    let mut firms: Vec<Enterprise> = Vec::with_capacity(BATCH);
    let mut facts: Vec<Facts> = Vec::with_capacity(BATCH);
    let total_bytes = sheet.total_bytes;
    let bytes = sheet.bytes_read.clone();
    for item in sheet.rows {
        match item {
            Ok((row, cells)) => {
                report.rows += 1;
                match parser.parse(row, &cells) {
                    Ok((e, f, new_firm)) => {
                        if report.error_count == 0 {
                            if new_firm {
                                firms.push(e);
                            }
                            facts.push(f);
                        }
                    }
                    Err(errs) => {
                        for e in errs {
                            report.push_error(e);
                        }
                        firms.clear();
                        facts.clear();
                    }
                }
            }
            Err(e) => {
                let row = match &e {
                    ReadError::Csv { row, .. } => *row,
                    _ => 0,
                };
                report.push_error(RowError {
                    row,
                    column: String::new(),
                    message: e.to_string(),
                });
                break;
            }
        }
        if facts.len() >= BATCH {
            tx.write_enterprises(&firms).await?;
            tx.write_facts(&facts).await?;
            firms.clear();
            facts.clear();
        }
        if report.rows.is_multiple_of(BATCH as u64) {
            progress(Progress {
                rows: report.rows,
                bytes: bytes.load(Ordering::Relaxed),
                total_bytes,
                errors: report.error_count,
            });
        }
    }
    if report.rows == 0 && report.error_count == 0 {
        report.push_error(RowError {
            row: 2,
            column: String::new(),
            message: "文件中没有数据行".into(),
        });
    }
    if report.error_count > 0 {
        tx.rollback().await?;
    } else {
        tx.write_enterprises(&firms).await?;
        tx.write_facts(&facts).await?;
        report.counts = Some(tx.commit().await?);
    }
    progress(Progress {
        rows: report.rows,
        bytes: bytes.load(Ordering::Relaxed).max(total_bytes),
        total_bytes,
        errors: report.error_count,
    });
    Ok(report)
}
