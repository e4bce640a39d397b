//! Getting data into and out of gaoxin.
//!
//! - [`read`]: sheets from xlsx or CSV (UTF-8, UTF-8 with BOM, GBK), CSV streamed.
//! - [`header`]: the header row found below titles and blank rows; merged and two-row headers.
//! - [`columns`]: the template's columns (Chinese or English headers).
//! - [`validate`]: a row → an enterprise and its facts, or errors naming row, column and problem in Chinese.
//! - [`import`]: the all-or-nothing, idempotent import into the store, with progress.
//! - [`export`]: the panel in the same columns (re-imports unchanged), and the template.
pub mod columns;
pub mod export;
pub mod header;
pub mod import;
pub mod read;
mod report;
#[doc(hidden)]
pub mod testing;
pub mod validate;

pub use export::{ExportFormat, export, export_bytes, template_csv_header, template_xlsx};
pub use import::{
    ImportOptions, IngestError, Progress, import_bytes, import_bytes_with, import_path,
};
pub use report::{ChangeLine, ImportReport};
pub use validate::{CLEAR, RowError};
