//! Persistence for gaoxin.
//!
//! One set of SQL (sqlx's `Any` driver, `$n` placeholders, BIGINT / DOUBLE PRECISION / TEXT columns)
//! serves both the embedded default, SQLite (bundled, WAL), and PostgreSQL in production. The
//! backend is chosen by URL: `sqlite://path` or `postgres://…`.
//!
//! Invariant: every read takes a [`Scope`] (zone, one park, one enterprise). There is no unscoped
//! read in the public API, so callers (web, CLI) cannot leak another park's firms by forgetting a filter.
mod appeal_attachments;
mod appeals;
mod as_of;
mod audit;
mod backup;
mod backup_native;
mod carriers;
mod clock;
mod consent;
mod db;
mod ecosystem;
mod finance;
mod finance_registry;
mod import;
mod leads;
mod links;
mod login_throttle;
mod name_key;
mod opt_f64;
mod payouts;
mod rdi;
mod read;
mod reform_adoptions;
mod rule_results;
mod runs;
mod scope;
mod sessions;
mod talents;
mod tech;
pub mod testing;
mod tracks;
mod url;
mod users;

pub use appeal_attachments::{Attached, AttachmentInfo, NewAttachment};
pub use appeals::{AppealChange, AppealFilter, AppealRow, NewAppeal, TransitionRow};
pub use as_of::DATA_UPDATED_AT;
pub use audit::{AuditEntry, AuditEvent, AuditFilter};
pub use backup::{BACKUP_FORMAT, BackupSummary, TableDigest};
pub use carriers::{
    CARRIER_FACT_COLUMNS, Carrier, CarrierFirm, CarrierImport, CarrierLink, CarrierYear, Refused,
};
pub use consent::{AccessEntry, Bank, Consent, key_hash};
pub use db::{Backend, Error, Store, database_url_from_env};
pub use ecosystem::{EcoContract, EcoFirm};
pub use finance::{
    LoanDemand, LoanEdition, LoanResponse, NewDemand, NewResponse, PointsLoan, ResponseStatus,
};
pub use finance_registry::{ApplicationState, Fund, FundInvestment, Scenario, ScenarioApplication};
pub use import::{
    Change, ChangeWhat, FactsPatch, FirmPatch, IdentityField, ImportCounts, ImportTx,
    MAX_LISTED_CHANGES, MoveError, ParkMove, Touch, unix_now,
};
pub use leads::{Lead, LeadChange, LeadEvent, LeadFilter, NewLead, PipelineCounts, firm_key};
pub use links::{ClusterFirmRow, LinkRecord, pair_key};
pub use login_throttle::LoginFailures;
pub use payouts::{FundEntry, FundLine, PayoutFilter, PayoutRow, PayoutStep};
pub use rdi::{Incubation, Institution, InstitutionYear, RDI_FACT_COLUMNS, RdiImport};
pub use read::{
    EnterpriseFilter, EnterpriseRow, PageRequest, ParkCount, Sort, Summary, YearTotals,
};
pub use reform_adoptions::Adoption;
pub use rule_results::RuleResultRow;
pub use runs::{ParkInput, PointsRow, RunKind, RunRecord};
pub use scope::Scope;
pub use sessions::{JobKind, JobRecord, JobState, SessionRecord, token_hash};
pub use talents::{Programme, Talent, TalentFilter, TalentRequest};
pub use tech::{
    CaseEvent, CaseMove, CaseState, NewCase, TechCase, TechContract, TechDemand, TechExpert,
    TechResult,
};
pub use tracks::{TrackElement, TrackYear};
pub use url::masked_url;
pub use users::{Role, UserRecord};
