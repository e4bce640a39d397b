//! Domain types of gaoxin, with no IO.
//!
//! Values that cross a boundary are parsed into types that cannot hold an invalid value:
//! [`Uscc`] (统一社会信用代码 with its GB 32100 check character), [`Money`] (exact fen),
//! [`Date`] / [`Year`], [`IndustryCode`], [`ParkId`]. An enterprise-year row is [`Facts`]: the fact list is
//! the single table [`FIELDS`], and every value carries its [`Provenance`].
pub mod date;
pub mod dept;
pub mod enterprise;
pub mod facts;
pub mod industry;
pub mod money;
pub mod name_order;
pub mod park;
pub mod present;
pub mod provenance;
pub mod reference;
pub mod rng;
pub mod uscc;
pub mod workday;

pub use date::{Date, Year};
pub use dept::DeptId;
pub use enterprise::{Enterprise, HIGH_TECH_FIELDS, Listing};
pub use facts::{F, FIELDS, Facts, FieldDef, Kind, N_FIELDS};
pub use industry::{IndustryCode, Sector};
pub use money::{Money, Unit};
pub use park::ParkId;
pub use provenance::Provenance;
pub use reference::Zone;
pub use uscc::{Uscc, UsccError};
pub use workday::{Calendar, Pause, WorkdayError};
