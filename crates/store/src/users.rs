//! Platform accounts: who may sign in, with which role, and the lock-out counters.
//!
//! The store keeps only password *hashes* (PHC strings made by the web layer with argon2); it never
//! sees a password. A user's [`Role`] decides its [`Scope`] in exactly one place, [`Role::scope`],
//! which every scoped read of the web layer goes through.
use crate::db::{Error, Store};
use crate::scope::Scope;
use gaoxin_model::{DeptId, ParkId, Uscc};
use sqlx::Row;
use sqlx::any::AnyRow;

/// What a user may do and see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// 高新区管理员: the whole zone, may import for every park.
    ZoneAdmin,
    /// 高新区分析员: the whole zone, read-only.
    ZoneAnalyst,
    /// 园区管理员: one park (by park id), may import that park's rows.
    ParkAdmin(ParkId),
    /// 企业用户: one firm, read-only.
    Enterprise(Uscc),
    /// 部门用户: one zone department; sees the appeals routed to it and no firm data.
    Department(DeptId),
    /// 高校/院所用户: one 完成单位 (by its name); adds and edits its own unit's research results
    /// and sees their matches (成果转化); no firm data (the scope of no department).
    University(String),
}

impl Role {
    /// The stored role key: `zone_admin`, `zone_analyst`, `park_admin`, `enterprise`.
    pub fn key(&self) -> &'static str {
        match self {
            Role::ZoneAdmin => "zone_admin",
            Role::ZoneAnalyst => "zone_analyst",
            Role::ParkAdmin(_) => "park_admin",
            Role::Enterprise(_) => "enterprise",
            Role::Department(_) => "department",
            Role::University(_) => "university",
        }
    }

    pub fn zh(&self) -> &'static str {
        match self {
            Role::ZoneAdmin => "高新区管理员",
            Role::ZoneAnalyst => "高新区分析员（只读）",
            Role::ParkAdmin(_) => "园区管理员",
            Role::Enterprise(_) => "企业用户",
            Role::Department(_) => "部门用户",
            Role::University(_) => "高校/院所用户",
        }
    }

    /// Builds a role from its key and its park / credit code (as stored, or as typed on the CLI).
    pub fn from_parts(key: &str, park: Option<&str>, uscc: Option<&str>) -> Result<Role, String> {
        Role::from_parts_dept(key, park, uscc, None)
    }

    /// [`Role::from_parts`] with the department of a `department` user.
    pub fn from_parts_dept(
        key: &str,
        park: Option<&str>,
        uscc: Option<&str>,
        department: Option<&str>,
    ) -> Result<Role, String> {
        Role::from_parts_unit(key, park, uscc, department, None)
    }

    /// [`Role::from_parts_dept`] with the 完成单位 of a `university` user.
    pub fn from_parts_unit(
        key: &str,
        park: Option<&str>,
        uscc: Option<&str>,
        department: Option<&str>,
        unit: Option<&str>,
    ) -> Result<Role, String> {
        fn nonempty(s: Option<&str>) -> Option<&str> {
            s.map(str::trim).filter(|s| !s.is_empty())
        }
        match key {
            "zone_admin" => Ok(Role::ZoneAdmin),
            "zone_analyst" => Ok(Role::ZoneAnalyst),
            "park_admin" => nonempty(park)
                .ok_or_else(|| "园区管理员必须指定园区".to_string())
                .and_then(ParkId::parse)
                .map(Role::ParkAdmin),
            "enterprise" => {
                let code =
                    nonempty(uscc).ok_or_else(|| "企业用户必须指定统一社会信用代码".to_string())?;
                Uscc::parse(code)
                    .map(Role::Enterprise)
                    .map_err(|e| e.to_string())
            }
            "department" => nonempty(department)
                .ok_or_else(|| "部门用户必须指定部门".to_string())
                .and_then(DeptId::parse)
                .map(Role::Department),
            "university" => match nonempty(unit) {
                None => Err("高校/院所用户必须指定完成单位（--unit）".to_string()),
                Some(u) if u.chars().count() > 100 => {
                    Err(format!("完成单位「{u}」过长（最多100个字）"))
                }
                Some(u) => Ok(Role::University(u.to_string())),
            },
            other => Err(format!(
                "未知角色「{other}」（可选：zone_admin、zone_analyst、park_admin、enterprise、department、university）"
            )),
        }
    }

    /// The data this role may read. The single mapping from a signed-in user to a [`Scope`].
    pub fn scope(&self) -> Scope {
        match self {
            Role::ZoneAdmin | Role::ZoneAnalyst => Scope::Zone,
            Role::ParkAdmin(p) => Scope::Park(p.clone()),
            Role::Enterprise(u) => Scope::Enterprise(u.clone()),
            Role::Department(d) => Scope::Department(d.clone()),
            Role::University(_) => Scope::Department(DeptId::nobody()),
        }
    }

    /// Whether the role may import data (zone administrators: all parks; park administrators: their park).
    pub fn may_import(&self) -> bool {
        matches!(self, Role::ZoneAdmin | Role::ParkAdmin(_))
    }

    pub fn park(&self) -> Option<&ParkId> {
        match self {
            Role::ParkAdmin(p) => Some(p),
            _ => None,
        }
    }

    pub fn department(&self) -> Option<&DeptId> {
        match self {
            Role::Department(d) => Some(d),
            _ => None,
        }
    }

    /// A university user's 完成单位.
    pub fn unit(&self) -> Option<&str> {
        match self {
            Role::University(u) => Some(u),
            _ => None,
        }
    }

    pub fn uscc(&self) -> Option<&Uscc> {
        match self {
            Role::Enterprise(u) => Some(u),
            _ => None,
        }
    }
}

/// One account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub username: String,
    /// PHC string (argon2id), made by the caller.
    pub password_hash: String,
    pub role: Role,
    pub disabled: bool,
    /// Consecutive failed sign-ins since the last success or lock.
    pub failed_logins: i64,
    /// Unix seconds until which sign-in is refused (0: not locked).
    pub locked_until: i64,
    /// Unix seconds.
    pub created_at: i64,
    /// Set by an administrator's password reset: the user must choose a new password at the next
    /// sign-in before anything else.
    pub must_change_password: bool,
}

const COLS: &str = "username, password_hash, role, park, uscc, disabled, failed_logins, locked_until, created_at, must_change_password, department, unit";

fn get_i64(r: &AnyRow, i: usize) -> Result<i64, sqlx::Error> {
    r.try_get::<i64, _>(i)
        .or_else(|_| r.try_get::<i32, _>(i).map(i64::from))
}

fn decode(r: &AnyRow) -> Result<UserRecord, Error> {
    let username: String = r.try_get(0)?;
    let park: Option<String> = r.try_get(3)?;
    let uscc: Option<String> = r.try_get(4)?;
    let department: Option<String> = r.try_get(10)?;
    let unit: Option<String> = r.try_get(11)?;
    let role = Role::from_parts_unit(
        &r.try_get::<String, _>(2)?,
        park.as_deref(),
        uscc.as_deref(),
        department.as_deref(),
        unit.as_deref(),
    )
    .map_err(|e| Error::Corrupt(format!("用户 {username}: {e}")))?;
    Ok(UserRecord {
        password_hash: r.try_get(1)?,
        role,
        disabled: get_i64(r, 5)? != 0,
        failed_logins: get_i64(r, 6)?,
        locked_until: get_i64(r, 7)?,
        created_at: get_i64(r, 8)?,
        must_change_password: get_i64(r, 9)? != 0,
        username,
    })
}

impl Store {
    /// Adds an account; returns false (and changes nothing) when the username is taken.
    pub async fn insert_user(&self, u: &UserRecord) -> Result<bool, Error> {
        let done = sqlx::query(
            "INSERT INTO users (username, password_hash, role, park, uscc, disabled, failed_logins, locked_until, created_at, must_change_password, department, unit) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (username) DO NOTHING",
        )
        .bind(u.username.clone())
        .bind(u.password_hash.clone())
        .bind(u.role.key())
        .bind(u.role.park().map(ParkId::to_string))
        .bind(u.role.uscc().map(|c| c.as_str().to_string()))
        .bind(u.disabled as i64)
        .bind(u.failed_logins)
        .bind(u.locked_until)
        .bind(u.created_at)
        .bind(u.must_change_password as i64)
        .bind(u.role.department().map(DeptId::to_string))
        .bind(u.role.unit().map(str::to_string))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn user(&self, username: &str) -> Result<Option<UserRecord>, Error> {
        let sql = format!("SELECT {COLS} FROM users WHERE username = $1");
        match sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(username.to_string())
            .fetch_optional(&self.pool)
            .await?
        {
            Some(r) => Ok(Some(decode(&r)?)),
            None => Ok(None),
        }
    }

    /// Every account, by username.
    pub async fn users(&self) -> Result<Vec<UserRecord>, Error> {
        let sql = format!("SELECT {COLS} FROM users ORDER BY username");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(decode)
            .collect()
    }

    /// Disables or re-enables an account; false when there is no such user.
    pub async fn set_user_disabled(&self, username: &str, disabled: bool) -> Result<bool, Error> {
        let done = sqlx::query("UPDATE users SET disabled = $1 WHERE username = $2")
            .bind(disabled as i64)
            .bind(username.to_string())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Replaces the password hash and clears the lock-out (and the must-change flag); false when
    /// there is no such user.
    pub async fn set_password_hash(&self, username: &str, hash: &str) -> Result<bool, Error> {
        self.set_password(username, hash, false).await
    }

    /// Replaces the password hash, clears the lock-out and sets whether the user must change the
    /// password at the next sign-in (an administrator's reset: true; the user's own change:
    /// false); false when there is no such user.
    pub async fn set_password(
        &self,
        username: &str,
        hash: &str,
        must_change: bool,
    ) -> Result<bool, Error> {
        let done = sqlx::query(
            "UPDATE users SET password_hash = $1, failed_logins = 0, locked_until = 0, must_change_password = $2 WHERE username = $3",
        )
        .bind(hash.to_string())
        .bind(must_change as i64)
        .bind(username.to_string())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Counts a failed sign-in; the `max_failures`-th consecutive failure locks the account until
    /// `lock_until` (and restarts the count). Atomic: one UPDATE.
    pub async fn record_login_failure(
        &self,
        username: &str,
        max_failures: i64,
        lock_until: i64,
    ) -> Result<(), Error> {
        sqlx::query(
            "UPDATE users SET \
             locked_until = CASE WHEN failed_logins + 1 >= $1 THEN $2 ELSE locked_until END, \
             failed_logins = CASE WHEN failed_logins + 1 >= $1 THEN 0 ELSE failed_logins + 1 END \
             WHERE username = $3",
        )
        .bind(max_failures)
        .bind(lock_until)
        .bind(username.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Clears the failure count after a successful sign-in.
    pub async fn record_login_success(&self, username: &str) -> Result<(), Error> {
        sqlx::query("UPDATE users SET failed_logins = 0, locked_until = 0 WHERE username = $1")
            .bind(username.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
