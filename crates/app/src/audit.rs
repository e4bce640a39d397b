//! The audit trail as the use cases record it (issue 13): one [`gaoxin_store::AuditEvent`] per
//! change, with who made it ([`Who`]). Reading it is scoped by the store (see
//! `gaoxin_store::AuditFilter`).
use gaoxin_store::{AuditEvent, Role, Store};

/// Who acts: a signed-in user, the server's background work, or the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Who {
    pub actor: String,
    pub role: String,
}

impl Who {
    /// A signed-in user.
    pub fn user(name: &str, role: &Role) -> Who {
        Who {
            actor: name.to_string(),
            role: role.key().to_string(),
        }
    }

    /// An actor named by the use case itself (an API key's holder, a role key already known).
    pub fn named(actor: &str, role: &str) -> Who {
        Who {
            actor: actor.to_string(),
            role: role.to_string(),
        }
    }

    /// The server's own background work (warm-up, time-limit sweeps …).
    pub fn system() -> Who {
        Who {
            actor: "system".into(),
            role: "system".into(),
        }
    }

    /// The command line, named by the operating-system user running it.
    pub fn cli() -> Who {
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .unwrap_or_else(|_| "unknown".into());
        Who {
            actor: format!("cli:{user}"),
            role: "cli".into(),
        }
    }
}

/// Records that `who` did `action` to `subject` (a record of `park`, or the zone's own when
/// `None`), with `detail` (what changed, or a summary).
pub async fn record(
    store: &Store,
    who: &Who,
    action: &str,
    park: Option<&str>,
    subject: &str,
    detail: serde_json::Value,
) -> Result<(), gaoxin_store::Error> {
    store
        .audit(&event(who, action, park, subject, detail))
        .await
}

/// The event [`record`] appends.
pub fn event(
    who: &Who,
    action: &str,
    park: Option<&str>,
    subject: &str,
    detail: serde_json::Value,
) -> AuditEvent {
    AuditEvent {
        actor: who.actor.clone(),
        role: who.role.clone(),
        action: action.to_string(),
        park: park.map(str::to_string),
        subject: subject.to_string(),
        detail: detail.to_string(),
    }
}

/// [`record`] for a change to one firm's record: the entry's park is the firm's park (looked up;
/// none when the firm is not in the panel) and its subject the credit code, so the firm reads it.
pub async fn record_firm(
    store: &Store,
    who: &Who,
    action: &str,
    uscc: &gaoxin_model::Uscc,
    detail: serde_json::Value,
) -> Result<(), gaoxin_store::Error> {
    let park = store
        .enterprise(&gaoxin_store::Scope::Zone, uscc)
        .await?
        .map(|e| e.park.as_str().to_string());
    record(store, who, action, park.as_deref(), uscc.as_str(), detail).await
}

/// [`record`] after a change already committed by a front end (a page, an API call): a failure
/// to append is logged, not turned into an error for a change that was made.
pub async fn note(
    store: &Store,
    who: &Who,
    action: &str,
    park: Option<&str>,
    subject: &str,
    detail: serde_json::Value,
) {
    if let Err(e) = record(store, who, action, park, subject, detail).await {
        tracing::error!(
            action,
            subject,
            "the audit trail could not record a change: {e}"
        );
    }
}

/// [`record_firm`] with [`note`]'s handling of a failure.
pub async fn note_firm(
    store: &Store,
    who: &Who,
    action: &str,
    uscc: &gaoxin_model::Uscc,
    detail: serde_json::Value,
) {
    if let Err(e) = record_firm(store, who, action, uscc, detail).await {
        tracing::error!(
            action,
            uscc = uscc.as_str(),
            "the audit trail could not record a change: {e}"
        );
    }
}
