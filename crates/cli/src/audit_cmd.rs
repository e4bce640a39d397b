//! `gaoxin audit` (the audit trail: list with filters, as a table or JSON lines) and [`note`], the
//! one call by which a command records the change it made.
use gaoxin_app::audit::{self, Who};
use gaoxin_store::Store;

/// Records that the command line (`cli:<os user>`) did `action` to `subject`; a failure is an
/// error of the command (the change is made, its entry is not: the operator must know).
pub async fn note(
    store: &Store,
    action: &str,
    park: Option<&str>,
    subject: &str,
    detail: serde_json::Value,
) -> Result<(), gaoxin_store::Error> {
    audit::record(store, &Who::cli(), action, park, subject, detail).await
}
