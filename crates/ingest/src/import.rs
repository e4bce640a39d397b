//! The import use case: read → validate every row → write in one transaction, or nothing.
//!
//! Valid rows are written in batches while reading (so memory stays bounded); as soon as one
//! error is found writing stops, validation continues to the end so the report lists every
//! problem, and the transaction is rolled back. A file without errors is committed and the
//! report says how many rows were inserted, updated and left unchanged, and every field it
//! changed (old → new).
//!
//! A file is merged into what is stored: a column the file does not have, or a blank cell,
//! leaves the stored value ([`crate::validate::CLEAR`] clears one on purpose); a firm already
//! stored needs only its code and year. A park administrator's file may touch only firms of
//! their park (and new ones); a zone administrator's file that puts a stored firm in another
//! park moves it, records the move and says so in the report. Values more likely a unit mistake
//! than a fact are warnings: the import writes nothing until they are accepted.
use crate::columns::zh_name;
use crate::read::{Limits, ReadError, Sheet, open_bytes, open_bytes_with, open_path};
use crate::report::{ImportReport, MAX_LISTED_ERRORS};
use crate::validate::{FirmProbe, RowError, RowParser, plausibility_warnings};
use gaoxin_model::{Enterprise, F, ParkId, Zone};
use gaoxin_store::{FactsPatch, ImportTx, ParkMove, Store};
use std::collections::HashMap;
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

/// Who is importing and how.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// A park administrator: only rows of this park, only firms stored in it (or new ones).
    pub only_park: Option<ParkId>,
    /// The warnings (implausible values) have been seen and accepted; without this a file with
    /// warnings writes nothing.
    pub accept_warnings: bool,
    /// Who imports (recorded with a park move): a user name, or `命令行` when empty.
    pub actor: String,
    /// The file's name (recorded with a park move).
    pub file_name: String,
    /// The importer's role key for the audit trail (`zone_admin`, `park_admin`, `cli` …; empty:
    /// `cli`).
    pub role: String,
    /// The background job running the import, if any (named in the audit entry).
    pub job: String,
}

/// A failure that is not about the file's content.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Store(#[from] gaoxin_store::Error),
    #[error("{0}")]
    Io(String),
}

const BATCH: usize = 2_000;

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

/// [`import_bytes`] with the given limits instead of the environment's.
pub async fn import_bytes_with(
    store: &Store,
    zone: &Zone,
    bytes: Vec<u8>,
    opts: &ImportOptions,
    limits: &Limits,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<ImportReport, IngestError> {
    match open_bytes_with(bytes, limits) {
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

/// What the reading thread hands to the writer: the first rows of firms (always, so stored
/// firms can be checked even after an error), a batch of valid rows (empty once any error has
/// been seen) with their row numbers, the errors found since the last message, and progress.
struct Batch {
    /// Total rows (合计/小计/总计) skipped: row and label.
    totals: Vec<(u64, String)>,
    firms: Vec<FirmProbe>,
    facts: Vec<FactsPatch>,
    fact_rows: Vec<u64>,
    errors: Vec<RowError>,
    rows: u64,
    bytes: u64,
}

impl Batch {
    fn new(rows: u64) -> Batch {
        Batch {
            totals: Vec::new(),
            firms: Vec::new(),
            facts: Vec::with_capacity(BATCH),
            fact_rows: Vec::with_capacity(BATCH),
            errors: vec![],
            rows,
            bytes: 0,
        }
    }
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
    let header_row = sheet.header_row;
    let sheet_header_rows = sheet.header_rows;
    report.notices.extend(sheet.notes.iter().cloned());
    match RowParser::new_at(zone, &headers, opts.only_park.clone(), header_row) {
        Ok((p, ignored)) => {
            report.ignored_columns = ignored;
            report.notices.extend(p.notices().iter().cloned());
        }
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

    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Batch>(4);
    let zone_owned = zone.clone();
    let only_park = opts.only_park.clone();
    let reader = std::thread::spawn(move || {
        let (parser, _) = RowParser::new_at(&zone_owned, &headers, only_park, header_row)
            .expect("headers checked above");
        read_rows(parser, sheet, &sender);
    });

    let mut writer = Writer {
        zone,
        opts,
        actor: if opts.actor.is_empty() {
            "命令行".to_string()
        } else {
            opts.actor.clone()
        },
        warning_count: 0,
        move_notices: Vec::new(),
        first_data_row: header_row + sheet_header_rows,
    };
    let mut tx = store.begin_import().await?;
    let mut written = Ok(());
    let mut totals: Vec<(u64, String)> = Vec::new();
    while let Some(mut b) = receiver.recv().await {
        totals.append(&mut b.totals);
        for e in b.errors {
            report.push_error(e);
        }
        report.rows = b.rows;
        if written.is_ok() {
            written = writer
                .write(&mut tx, &b.firms, &b.facts, &b.fact_rows, &mut report)
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
    if let Some(n) = totals_notice(&totals) {
        report.notices.push(n);
    }
    let report = writer.finish(tx, written, report).await?;
    progress(Progress {
        rows: report.rows,
        bytes: total_bytes,
        total_bytes,
        errors: report.error_count,
    });
    Ok(report)
}

/// How many skipped total rows the report names (all are counted).
const MAX_LISTED_TOTALS: usize = 50;

/// The report's note on the total rows skipped, naming them.
fn totals_notice(totals: &[(u64, String)]) -> Option<String> {
    if totals.is_empty() {
        return None;
    }
    let list: Vec<String> = totals
        .iter()
        .take(MAX_LISTED_TOTALS)
        .map(|(row, label)| format!("第{row}行「{label}」"))
        .collect();
    let more = if totals.len() > MAX_LISTED_TOTALS {
        format!("等共{}行", totals.len())
    } else {
        format!("共{}行", totals.len())
    };
    Some(format!(
        "合计行已跳过（不是企业数据，不导入）：{}，{more}",
        list.join("、")
    ))
}

/// The reading thread: parses every row and sends batches of valid rows (none once an error
/// has been seen), every firm's first row and the errors, with progress.
fn read_rows(mut parser: RowParser, sheet: Sheet, sender: &tokio::sync::mpsc::Sender<Batch>) {
    let bytes = sheet.bytes_read.clone();
    let mut rows = 0u64;
    let mut failed = false;
    let mut batch = Batch::new(0);
    let send = |b: Batch| sender.blocking_send(b).is_ok();
    for item in sheet.rows {
        match item {
            Ok((row, cells)) => {
                let parsed = parser.parse(row, &cells);
                if let Some(label) = parsed.total {
                    batch.totals.push((row, label));
                    continue;
                }
                rows += 1;
                if let Some(f) = parsed.firm {
                    batch.firms.push(f);
                }
                match parsed.facts {
                    Some(f) if !failed => {
                        batch.facts.push(f);
                        batch.fact_rows.push(row);
                    }
                    Some(_) => {}
                    None => {
                        failed = true;
                        batch.facts.clear();
                        batch.fact_rows.clear();
                        batch.errors.extend(parsed.errors);
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
            if !send(std::mem::replace(&mut batch, Batch::new(rows))) {
                return;
            }
        }
    }
    batch.rows = rows;
    batch.bytes = bytes.load(Ordering::Relaxed);
    send(batch);
}

/// The writing side of an import: who imports, the warnings counted, the park moves to report.
struct Writer<'a> {
    zone: &'a Zone,
    opts: &'a ImportOptions,
    /// Recorded with a park move.
    actor: String,
    warning_count: u64,
    /// Said in the report only if the import is written.
    move_notices: Vec<String>,
    /// The spreadsheet row right below the header.
    first_data_row: u64,
}

impl Writer<'_> {
    /// Checks a batch's firms against what is stored and, while the file has no error, writes
    /// the batch, checking each merged firm-year.
    async fn write(
        &mut self,
        tx: &mut ImportTx,
        probes: &[FirmProbe],
        facts: &[FactsPatch],
        fact_rows: &[u64],
        report: &mut ImportReport,
    ) -> Result<(), gaoxin_store::Error> {
        // Firms already stored: whose park they are in decides who may touch them.
        let codes: Vec<&str> = probes.iter().map(|f| f.patch.uscc.as_str()).collect();
        let known = if codes.is_empty() {
            Default::default()
        } else {
            tx.existing_firms(&codes).await?
        };
        let moves = self.check_stored(probes, &known, report);
        if report.error_count > 0 {
            return Ok(());
        }
        let firms: Vec<&gaoxin_store::FirmPatch> = probes.iter().map(|f| &f.patch).collect();
        let mut problems: Vec<RowError> = Vec::new();
        let warning_count = &mut self.warning_count;
        let warnings = &mut report.warnings;
        tx.write_patches(&firms, &known, facts, &mut |i, merged| {
            let row = fact_rows[i];
            for (f, m) in merged.consistency_errors() {
                problems.push(RowError {
                    row,
                    column: zh_name(crate::columns::Col::Fact(f)).into(),
                    message: format!("{m}（与已有数据合并后）"),
                });
            }
            for (f, m) in plausibility_warnings(merged, &facts[i].touch) {
                warn(warnings, warning_count, row, f, m);
            }
        })
        .await?;
        for e in problems {
            report.push_error(e);
        }
        for m in &moves {
            tx.record_park_move(m).await?;
        }
        Ok(())
    }

    /// A park administrator may touch only firms stored in their park; a new firm needs its
    /// required identity; a stored firm given another park moves (returned, and noted).
    fn check_stored(
        &mut self,
        probes: &[FirmProbe],
        known: &HashMap<String, Enterprise>,
        report: &mut ImportReport,
    ) -> Vec<ParkMove> {
        let mut moves = Vec::new();
        for probe in probes {
            let p = &probe.patch;
            match known.get(p.uscc.as_str()) {
                Some(old) => {
                    if let Some(only) = &self.opts.only_park
                        && &old.park != only
                    {
                        report.push_error(RowError {
                            row: probe.row,
                            column: if p.park.is_some() {
                                zh_name(crate::columns::Col::Park).into()
                            } else {
                                zh_name(crate::columns::Col::Uscc).into()
                            },
                            message: format!(
                                "企业{}已登记在其他园区，您只能导入和修改本园区的企业；企业迁入本园区须由全区管理员办理园区变更",
                                p.uscc
                            ),
                        });
                    } else if let Some(to) = &p.park
                        && to != &old.park
                    {
                        let name = |id: &ParkId| {
                            self.zone
                                .park(id)
                                .map(|x| x.name.clone())
                                .unwrap_or(id.to_string())
                        };
                        let actor = &self.actor;
                        self.move_notices.push(format!(
                            "园区变更：第{}行企业{}（{}）从「{}」移至「{}」，已记入园区变更记录（操作人：{actor}）",
                            probe.row,
                            p.uscc,
                            old.name,
                            name(&old.park),
                            name(to)
                        ));
                        moves.push(ParkMove {
                            uscc: p.uscc.clone(),
                            moved_at: gaoxin_store::unix_now(),
                            from_park: old.park.clone(),
                            to_park: to.clone(),
                            actor: actor.clone(),
                            reason: format!("导入文件「{}」第{}行", self.opts.file_name, probe.row),
                        });
                    }
                }
                None => {
                    for c in &probe.blank {
                        report.push_error(RowError {
                            row: probe.row,
                            column: zh_name(*c).into(),
                            message: format!(
                                "不能为空：企业{}尚未登记，新企业须填写企业名称、所属园区、成立日期和行业代码",
                                p.uscc
                            ),
                        });
                    }
                }
            }
        }
        moves
    }

    /// Commits when the file has no error and no unaccepted warning, else rolls back; the
    /// report says which.
    async fn finish(
        mut self,
        tx: ImportTx,
        written: Result<(), gaoxin_store::Error>,
        mut report: ImportReport,
    ) -> Result<ImportReport, IngestError> {
        if report.rows == 0 && report.error_count == 0 {
            report.push_error(RowError {
                row: self.first_data_row,
                column: String::new(),
                message: "文件中没有数据行".into(),
            });
        }
        let warning_count = self.warning_count;
        report.warning_count = warning_count;
        report.errors.sort_by_key(|e| e.row);
        let blocked = warning_count > 0 && !self.opts.accept_warnings;
        if report.error_count > 0 || written.is_err() || blocked {
            report.needs_confirmation = blocked && report.error_count == 0 && written.is_ok();
            tx.rollback().await?;
            written?;
        } else {
            report.warnings_accepted = warning_count > 0;
            report.notices.append(&mut self.move_notices);
            let mut tx = tx;
            tx.audit(&self.audit_event(&report, &tx)).await?;
            let (counts, changes) = tx.commit_with_changes().await?;
            report.counts = Some(counts);
            report.changes = changes
                .iter()
                .map(|c| crate::report::ChangeLine::new(self.zone, c))
                .collect();
        }
        Ok(report)
    }
}

impl Writer<'_> {
    /// The audit entry of a committed import (`import.commit`): who, the file, the job and the
    /// counts; the per-firm changes are the import's change list (its report), not repeated.
    fn audit_event(&self, report: &ImportReport, tx: &ImportTx) -> gaoxin_store::AuditEvent {
        let c = tx.counts();
        let detail = serde_json::json!({
            "file": self.opts.file_name,
            "job": self.opts.job,
            "rows": report.rows,
            "firms_inserted": c.enterprises_inserted,
            "firms_updated": c.enterprises_updated,
            "firms_unchanged": c.enterprises_unchanged,
            "facts_inserted": c.facts_inserted,
            "facts_updated": c.facts_updated,
            "facts_unchanged": c.facts_unchanged,
            "fields_changed": c.fields_changed,
            "changes_listed": tx.changes().len(),
            "warnings_accepted": report.warnings_accepted,
        });
        gaoxin_store::AuditEvent {
            actor: self.actor.clone(),
            role: if self.opts.role.is_empty() {
                "cli".into()
            } else {
                self.opts.role.clone()
            },
            action: "import.commit".into(),
            park: self.opts.only_park.as_ref().map(|p| p.as_str().to_string()),
            subject: if self.opts.job.is_empty() {
                self.opts.file_name.clone()
            } else {
                self.opts.job.clone()
            },
            detail: detail.to_string(),
        }
    }
}

fn warn(list: &mut Vec<RowError>, count: &mut u64, row: u64, f: F, message: String) {
    *count += 1;
    if list.len() < MAX_LISTED_ERRORS {
        list.push(RowError {
            row,
            column: f.def().zh.into(),
            message,
        });
    }
}
