//! The signed-in user of a request, as pages and handlers see it. Its extractor (sessions,
//! 401 / redirect to the sign-in page) is in `auth`; this module depends on nothing in the crate,
//! so rendering can name the user without depending on authentication.
use gaoxin_store::{Role, Scope};

/// The signed-in user of a request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub username: String,
    pub role: Role,
    pub csrf: String,
    /// When the data last changed (unix seconds): 「数据截至」 on every page.
    pub as_of: Option<i64>,
}

impl CurrentUser {
    /// What this user may read: the one place where a user becomes a store scope.
    pub fn scope(&self) -> Scope {
        self.role.scope()
    }

    /// Who this user is in the audit trail.
    pub fn who(&self) -> gaoxin_app::audit::Who {
        gaoxin_app::audit::Who::user(&self.username, &self.role)
    }
}
