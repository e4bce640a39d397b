//! A firm's consents to banks (创新积分贷): granting and revoking them, what the firm sees of
//! them, and a bank's read of a consenting firm's points. Each change is in the audit trail.
use crate::audit::{Who, note_firm};
use crate::error::EvalError;
use gaoxin_index::report::FirmPoints;
use gaoxin_model::{Date, Uscc, Year};
use gaoxin_store::{AccessEntry, Bank, Consent, Scope, Store};

/// Grants `bank_id` a consent to read the firm's points until the end of `expires` (Beijing
/// time); `None` when the bank is unknown or disabled, the date is not after today, or the
/// scope is not the firm itself.
pub async fn grant(
    store: &Store,
    who: &Who,
    scope: &Scope,
    uscc: &Uscc,
    bank_id: &str,
    expires: Date,
    now: i64,
) -> Result<Option<Consent>, gaoxin_store::Error> {
    let expires_at = gaoxin_model::present::end_of_day_shanghai(expires);
    let granted = store
        .grant_consent(scope, uscc, bank_id, expires_at, &who.actor, now)
        .await?;
    if let Some(c) = &granted {
        let detail = serde_json::json!({
            "consent": c.id, "bank": c.bank_name, "expires": expires.to_string(),
        });
        note_firm(store, who, "consent.grant", uscc, detail).await;
    }
    Ok(granted)
}

/// Revokes the firm's consent `consent_id`; false when there is no such consent in force for
/// the firm (or the scope is not the firm itself).
pub async fn revoke(
    store: &Store,
    who: &Who,
    scope: &Scope,
    uscc: &Uscc,
    consent_id: &str,
    now: i64,
) -> Result<bool, gaoxin_store::Error> {
    let done = store.revoke_consent(scope, uscc, consent_id, now).await?;
    if done {
        let detail = serde_json::json!({ "consent": consent_id });
        note_firm(store, who, "consent.revoke", uscc, detail).await;
    }
    Ok(done)
}

/// What a firm sees of its consents: each consent, the latest bank reads, and the banks it can
/// grant to (enabled ones). Empty for anybody but the firm itself.
pub struct FirmConsents {
    pub consents: Vec<Consent>,
    pub log: Vec<AccessEntry>,
    pub banks: Vec<Bank>,
}

/// The firm's consents, its last `log_limit` bank reads and the banks it may choose.
pub async fn firm_consents(
    store: &Store,
    scope: &Scope,
    uscc: &Uscc,
    log_limit: u32,
) -> Result<FirmConsents, gaoxin_store::Error> {
    let own = matches!(scope, Scope::Enterprise(u) if u == uscc);
    if !own {
        return Ok(FirmConsents {
            consents: vec![],
            log: vec![],
            banks: vec![],
        });
    }
    Ok(FirmConsents {
        consents: store.consents(scope, uscc).await?,
        log: store.access_log(scope, uscc, log_limit).await?,
        banks: store
            .banks()
            .await?
            .into_iter()
            .filter(|b| !b.disabled)
            .collect(),
    })
}

/// A bank's read of a firm's points (every stored year): `None` unless the firm has a consent
/// in force for this bank and exists; every attempt is logged for the firm (`path` names it).
pub async fn bank_points(
    store: &Store,
    bank: &Bank,
    uscc: &Uscc,
    path: &str,
    now: i64,
) -> Result<Option<Vec<(Year, FirmPoints)>>, EvalError> {
    let Some(scope) = store.bank_scope(bank, uscc, path, now).await? else {
        return Ok(None);
    };
    if store.enterprise(&scope, uscc).await?.is_none() {
        return Ok(None);
    }
    Ok(Some(
        crate::indicators::firm_points(store, &scope, uscc).await?,
    ))
}
