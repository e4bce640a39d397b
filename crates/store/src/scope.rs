//! What a caller may read. Built by the web layer from the signed-in user, by the CLI from its flags.
use gaoxin_model::{DeptId, ParkId, Uscc};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The whole zone (zone administrators and analysts, the CLI).
    Zone,
    /// One park's firms (park administrators), by park id.
    Park(ParkId),
    /// One firm (an enterprise user, or a bank holding that firm's consent).
    Enterprise(Uscc),
    /// A zone department (部门用户): no firm data, only the appeals routed to it (`appeals`).
    Department(DeptId),
}

impl Scope {
    /// SQL condition on the `enterprises` table aliased `e`, with its one bound value (if any),
    /// using placeholder number `n`.
    pub(crate) fn condition(&self, n: usize) -> (String, Option<String>) {
        match self {
            Scope::Zone => ("1 = 1".into(), None),
            Scope::Park(p) => (format!("e.park = ${n}"), Some(p.to_string())),
            Scope::Enterprise(u) => (format!("e.uscc = ${n}"), Some(u.as_str().to_string())),
            Scope::Department(_) => ("1 = 0".into(), None),
        }
    }

    /// The text naming this scope in cache keys (`zone`, `park:ID`, `firm:USCC`, `dept:ID`).
    pub fn cache_key(&self) -> String {
        match self {
            Scope::Zone => "zone".to_string(),
            Scope::Park(p) => format!("park:{p}"),
            Scope::Enterprise(u) => format!("firm:{}", u.as_str()),
            Scope::Department(d) => format!("dept:{d}"),
        }
    }

    /// Whether a firm in `park` with code `uscc` is visible in this scope.
    pub fn allows(&self, park: &ParkId, uscc: &Uscc) -> bool {
        match self {
            Scope::Zone => true,
            Scope::Park(p) => p == park,
            Scope::Enterprise(u) => u == uscc,
            Scope::Department(_) => false,
        }
    }
}
