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
