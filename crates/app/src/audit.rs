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
    /// Without `$USER` or `$LOGNAME` (cron, a service, a container) the user is looked up by the
    /// process's user id (`/proc/self/status`, `/etc/passwd`), else named `uid<N>`; `unknown` only
    /// when neither is readable.
    pub fn cli() -> Who {
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .ok()
            .filter(|u| !u.trim().is_empty())
            .or_else(os_user)
            .unwrap_or_else(|| "unknown".into());
        Who {
            actor: format!("cli:{user}"),
            role: "cli".into(),
        }
    }
}

/// The name of the user running this process, by its real user id.
fn os_user() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid = uid_from_status(&status)?;
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    Some(user_from_passwd(&passwd, uid).unwrap_or_else(|| format!("uid{uid}")))
}

/// The real user id on the `Uid:` line of `/proc/self/status`.
fn uid_from_status(status: &str) -> Option<u32> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The name of user `uid` in `/etc/passwd` (`name:x:uid:…`).
fn user_from_passwd(passwd: &str, uid: u32) -> Option<String> {
    passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        let id: u32 = f.nth(1)?.parse().ok()?;
        (id == uid && !name.is_empty()).then(|| name.to_string())
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_os_user_is_found_by_uid_when_the_environment_names_none() {
        let status = "Name:\tgaoxin\nUid:\t1001\t1001\t1001\t1001\nGid:\t1001\n";
        assert_eq!(uid_from_status(status), Some(1001));
        let passwd = "root:x:0:0:root:/root:/bin/bash\nops:x:1001:1001::/home/ops:/bin/sh\n";
        assert_eq!(user_from_passwd(passwd, 1001).as_deref(), Some("ops"));
        assert_eq!(user_from_passwd(passwd, 0).as_deref(), Some("root"));
        assert_eq!(user_from_passwd(passwd, 7), None);
        assert_eq!(uid_from_status("Name: x\n"), None);
        // on this machine the process's own user is found
        assert!(os_user().is_some_and(|u| !u.is_empty()));
    }
}
