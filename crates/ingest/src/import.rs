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

/// What the reading thread hands to the writer: a batch of valid rows (empty once any error
/// has been seen), the errors found since the last message, and progress.
struct Batch {
    firms: Vec<Enterprise>,
    facts: Vec<Facts>,
    errors: Vec<RowError>,
    rows: u64,
    bytes: u64,
}

/// Reads and validates on its own thread while the caller writes the previous batch, so
/// parsing and SQLite work overlap; at most a few batches are in flight (bounded memory).
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
    let total_bytes = sheet.total_bytes;
    let headers = sheet.headers.clone();
    let ignored = match RowParser::new(zone, &headers, opts.only_park.clone()) {
        Ok((_, ignored)) => ignored,
        Err(errs) => {
            for e in errs {
                report.push_error(e);
            }
            progress(Progress {
                rows: 0,
                bytes: 0,
                total_bytes,
                errors: report.error_count,
            });
            return Ok(report);
        }
    };
    report.ignored_columns = ignored;

    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Batch>(4);
    let zone_owned = zone.clone();
    let only_park = opts.only_park.clone();
    let reader = std::thread::spawn(move || {
        let (mut parser, _) =
            RowParser::new(&zone_owned, &headers, only_park).expect("headers checked above");
        let bytes = sheet.bytes_read.clone();
        let mut rows = 0u64;
        let mut failed = false;
        let mut batch = Batch {
            firms: Vec::with_capacity(BATCH),
            facts: Vec::with_capacity(BATCH),
            errors: vec![],
            rows: 0,
            bytes: 0,
        };
        let send = |b: Batch| sender.blocking_send(b).is_ok();
        for item in sheet.rows {
            match item {
                Ok((row, cells)) => {
                    rows += 1;
                    match parser.parse(row, &cells) {
                        Ok((e, f, new_firm)) if !failed => {
                            if new_firm {
                                batch.firms.push(e);
                            }
                            batch.facts.push(f);
                        }
                        Ok(_) => {}
                        Err(errs) => {
                            failed = true;
                            batch.firms.clear();
                            batch.facts.clear();
                            batch.errors.extend(errs);
                        }
                    }
                }
                Err(e) => {
                    let row = match &e {
                        ReadError::Csv { row, .. } => *row,
                        _ => 0,
                    };
                    batch.errors.push(RowError {
                        row,
                        column: String::new(),
                        message: e.to_string(),
                    });
                    break;
                }
            }
            if rows.is_multiple_of(BATCH as u64) {
                batch.rows = rows;
                batch.bytes = bytes.load(Ordering::Relaxed);
                let next = Batch {
                    firms: Vec::with_capacity(BATCH),
                    facts: Vec::with_capacity(BATCH),
                    errors: vec![],
                    rows,
                    bytes: 0,
                };
                if !send(std::mem::replace(&mut batch, next)) {
                    return;
                }
            }
        }
        batch.rows = rows;
        batch.bytes = bytes.load(Ordering::Relaxed);
        send(batch);
    });

    let mut tx = store.begin_import().await?;
    let mut written = Ok(());
    while let Some(b) = receiver.recv().await {
        for e in b.errors {
            report.push_error(e);
        }
        report.rows = b.rows;
        if report.error_count == 0 && written.is_ok() {
            written = async {
                tx.write_enterprises(&b.firms).await?;
                tx.write_facts(&b.facts).await
            }
            .await;
        }
        progress(Progress {
            rows: b.rows,
            bytes: b.bytes,
            total_bytes,
            errors: report.error_count,
        });
    }
    reader
        .join()
        .map_err(|_| IngestError::Io("读取文件的线程异常退出".into()))?;
    if report.rows == 0 && report.error_count == 0 {
        report.push_error(RowError {
            row: 2,
            column: String::new(),
            message: "文件中没有数据行".into(),
        });
    }
    if report.error_count > 0 || written.is_err() {
        tx.rollback().await?;
        written?;
    } else {
        report.counts = Some(tx.commit().await?);
    }
    progress(Progress {
        rows: report.rows,
        bytes: total_bytes,
        total_bytes,
        errors: report.error_count,
    });
    Ok(report)
}
