//! Who may see and do what on the payout ledger (政策兑现, issue 20) — decided here, once, for
//! every front end (the web handlers only pass the signed-in user's role):
//!
//! - reading: the role's scope (`Role::scope`): the zone every award, a park administrator its
//!   park's firms' awards, a firm user its own; a department none. An award out of scope answers
//!   [`PayoutError::NotFound`], the very answer of a missing one;
//! - steps on an award: a zone administrator (核准, 拨付, 复核 …), a park administrator on its
//!   park's awards (申报 for its firms), a firm user on its own (申报); a zone analyst and a
//!   department take none — refused as not found, so a step cannot probe what exists;
//! - managing the ledger (sync from the rules, payment import, special-fund lines): a zone
//!   administrator only; anyone else gets the same not-found;
//! - the measures (应享尽享、应兑尽兑) and their workbook: staff (zone users, park administrators —
//!   each its scope); the zone-wide workbooks for the finance bureau (every park, the
//!   special-fund accounts against the 20% floor) come only from a zone scope.
use crate::audit::Who;
use crate::payout_data::PayoutConfig;
use crate::payout_flow::Capacity;
use crate::payout_report::{self, Measures};
use crate::payout_sync::{self, SyncReport};
use crate::payout_xlsx::{self, ImportResult};
use crate::payouts::{self, PayoutError, PayoutView, StepDone, StepInput};
use gaoxin_model::reference::Park;
use gaoxin_model::{Year, Zone};
use gaoxin_store::{FundLine, PayoutFilter, PayoutRow, Role, Scope, Store};

/// A role's access to the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    role: Role,
}

impl Access {
    pub fn of(role: &Role) -> Access {
        Access { role: role.clone() }
    }

    /// What the role reads.
    pub fn scope(&self) -> Scope {
        self.role.scope()
    }

    /// The capacity in which the role takes steps (`None`: none).
    pub fn capacity(&self) -> Option<Capacity> {
        payouts::capacity(&self.role)
    }

    /// Sync, payment import, special-fund lines: a zone administrator.
    pub fn manages(&self) -> bool {
        self.role == Role::ZoneAdmin
    }

    /// The measures and the ledger's management pages: zone users and park administrators.
    pub fn staff(&self) -> bool {
        matches!(
            self.role,
            Role::ZoneAdmin | Role::ZoneAnalyst | Role::ParkAdmin(_)
        )
    }

    /// The zone-wide workbooks for the finance bureau (every park): zone users.
    pub fn zone_exports(&self) -> bool {
        self.scope() == Scope::Zone
    }

    /// The parks the list's filter offers: every park for the zone, its own for a park
    /// administrator, none for a firm or a department.
    pub fn parks<'a>(&self, zone: &'a Zone) -> Vec<&'a Park> {
        zone.parks
            .iter()
            .filter(|p| match &self.role {
                Role::ZoneAdmin | Role::ZoneAnalyst => true,
                Role::ParkAdmin(own) => *own == p.id,
                Role::Enterprise(_) | Role::Department(_) | Role::University(_) => false,
            })
            .collect()
    }

    fn require(&self, ok: bool) -> Result<(), PayoutError> {
        if ok {
            Ok(())
        } else {
            Err(PayoutError::NotFound)
        }
    }
}

/// The awards the role reads matching `f`.
pub async fn list(
    store: &Store,
    a: &Access,
    f: &PayoutFilter,
) -> Result<Vec<PayoutRow>, PayoutError> {
    payouts::list(store, &a.scope(), f).await
}

/// One award with its history and the steps the role may take.
pub async fn detail(
    store: &Store,
    cfg: &PayoutConfig,
    a: &Access,
    id: i64,
) -> Result<PayoutView, PayoutError> {
    payouts::detail(store, cfg, &a.scope(), a.capacity(), id).await
}

/// A step on award `id` by `who` acting with role access `a`.
pub async fn act(
    store: &Store,
    cfg: &PayoutConfig,
    who: &Who,
    a: &Access,
    id: i64,
    input: &StepInput,
) -> Result<StepDone, PayoutError> {
    let cap = a.capacity().ok_or(PayoutError::NotFound)?;
    payouts::act(store, cfg, who, cap, &a.scope(), id, input).await
}

/// The year's ledger synced with its latest rules run (a zone administrator).
pub async fn sync(
    store: &Store,
    who: &Who,
    a: &Access,
    year: Year,
) -> Result<SyncReport, PayoutError> {
    a.require(a.manages())?;
    payout_sync::sync(store, who, year).await
}

/// A special-fund line entered (a zone administrator).
pub async fn set_fund(
    store: &Store,
    who: &Who,
    a: &Access,
    line: &FundLine,
) -> Result<(), PayoutError> {
    a.require(a.manages())?;
    payouts::set_fund(store, who, line).await
}

/// Payments made outside the platform imported (a zone administrator; all or nothing).
pub async fn import(
    store: &Store,
    cfg: &PayoutConfig,
    who: &Who,
    a: &Access,
    bytes: Vec<u8>,
) -> Result<ImportResult, PayoutError> {
    a.require(a.manages())?;
    if bytes.is_empty() {
        return Err(PayoutError::Refused(
            "请选择要导入的文件（xlsx 或 csv）".into(),
        ));
    }
    payout_xlsx::import(store, cfg, who, bytes).await
}

/// The measures in the role's scope (staff).
pub async fn measures(
    store: &Store,
    cfg: &PayoutConfig,
    a: &Access,
    year: Option<i64>,
    today: i64,
    park_name: &(dyn Fn(&str) -> String + Sync),
) -> Result<Measures, PayoutError> {
    a.require(a.staff())?;
    payout_report::measures(store, cfg, &a.scope(), year, today, park_name).await
}

#[cfg(test)]
mod tests;
