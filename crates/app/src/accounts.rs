//! Accounts and password hashing: what `gaoxin user …` and the sign-in page share. Passwords are
//! stored as argon2id PHC strings (`argon2` 0.6 makes the salt itself); an account's name and
//! password are checked here (policy), so every front end refuses the same inputs with the same
//! Chinese message.
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Argon2, Params};
use gaoxin_model::Zone;
use gaoxin_store::{EnterpriseFilter, PageRequest, Role, Scope, Store, UserRecord};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

// ---------------------------------------------------------------- passwords

static FAST_HASHING: AtomicBool = AtomicBool::new(false);

/// Makes new password hashes cheap (argon2id m=64 KiB, t=1). For test suites only, which create
/// many accounts in unoptimised builds; never call it in a server.
#[doc(hidden)]
pub fn use_fast_hashing_for_tests() {
    FAST_HASHING.store(true, Ordering::Relaxed);
}

fn hasher() -> Argon2<'static> {
    if FAST_HASHING.load(Ordering::Relaxed) {
        Argon2::from(Params::new(64, 1, 1, None).expect("valid argon2 parameters"))
    } else {
        Argon2::default()
    }
}

/// An argon2id PHC string for `password` (fresh random salt).
pub fn hash_password(password: &str) -> String {
    hasher()
        .hash_password(password.as_bytes())
        .expect("argon2 hashing with valid parameters")
        .to_string()
}

/// Whether `password` matches the PHC string `hash` (parameters are read from the hash).
pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

// ---------------------------------------------------------------- accounts (CLI)

/// Why an account operation failed.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("{0}")]
    Invalid(String),
    #[error("用户名「{0}」已存在")]
    Exists(String),
    #[error("没有用户「{0}」")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] gaoxin_store::Error),
}

fn check_password_policy(password: &str) -> Result<(), UserError> {
    if password.chars().count() < 8 {
        return Err(UserError::Invalid("密码至少8个字符".into()));
    }
    Ok(())
}

fn check_username(username: &str) -> Result<(), UserError> {
    let ok = !username.is_empty()
        && username.len() <= 64
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'));
    if ok {
        Ok(())
    } else {
        Err(UserError::Invalid(
            "用户名只能由字母、数字和 - _ . @ 组成，最长64个字符".into(),
        ))
    }
}

/// Creates an account (`gaoxin user add`). A park administrator's park must exist in `zone`.
pub async fn add_user(
    store: &Store,
    zone: &Zone,
    username: &str,
    password: &str,
    role: Role,
) -> Result<(), UserError> {
    check_username(username)?;
    check_password_policy(password)?;
    if let Role::ParkAdmin(p) = &role
        && zone.park(p).is_none_or(|x| x.id != *p)
    {
        return Err(UserError::Invalid(format!(
            "园区编号「{p}」不存在（可选：{}）",
            zone.parks
                .iter()
                .map(|p| p.id.as_str())
                .collect::<Vec<_>>()
                .join("、")
        )));
    }
    let pw = password.to_string();
    let hash = tokio::task::spawn_blocking(move || hash_password(&pw))
        .await
        .expect("hashing task");
    let rec = UserRecord {
        username: username.to_string(),
        password_hash: hash,
        role,
        disabled: false,
        failed_logins: 0,
        locked_until: 0,
        created_at: now_unix(),
    };
    if store.insert_user(&rec).await? {
        Ok(())
    } else {
        Err(UserError::Exists(username.into()))
    }
}

/// Every account (`gaoxin user list`), without hashes' secrets being of any use to the caller.
pub async fn list_users(store: &Store) -> Result<Vec<UserRecord>, UserError> {
    Ok(store.users().await?)
}

/// Disables an account (`gaoxin user disable`); its sessions end within a minute.
pub async fn disable_user(store: &Store, username: &str) -> Result<(), UserError> {
    if store.set_user_disabled(username, true).await? {
        Ok(())
    } else {
        Err(UserError::NotFound(username.into()))
    }
}

/// Sets a new password and lifts a lock-out (`gaoxin user reset-password`).
pub async fn reset_password(
    store: &Store,
    username: &str,
    password: &str,
) -> Result<(), UserError> {
    check_password_policy(password)?;
    let pw = password.to_string();
    let hash = tokio::task::spawn_blocking(move || hash_password(&pw))
        .await
        .expect("hashing task");
    if store.set_password_hash(username, &hash).await? {
        store.clear_login_failures_of(username).await?;
        Ok(())
    } else {
        Err(UserError::NotFound(username.into()))
    }
}

/// The demo accounts, created if missing — only when the data are demo data (`meta.demo` set);
/// otherwise nothing is created and the list is empty. Returns (username, password, role) to print.
/// Passwords are fixed, well-known demo strings: never use them on real data.
pub async fn ensure_demo_accounts(
    store: &Store,
    zone: &Zone,
) -> Result<Vec<(String, String, String)>, UserError> {
    if store.meta("demo").await?.is_none() {
        return Ok(vec![]);
    }
    let park_name = |id: &gaoxin_model::ParkId| {
        zone.park(id)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| id.to_string())
    };
    let mut wanted: Vec<(String, String, Role, String)> = vec![
        (
            "admin".into(),
            "demo-admin-2026".into(),
            Role::ZoneAdmin,
            Role::ZoneAdmin.zh().into(),
        ),
        (
            "analyst".into(),
            "demo-analyst-2026".into(),
            Role::ZoneAnalyst,
            Role::ZoneAnalyst.zh().into(),
        ),
    ];
    let first = zone
        .park("jiangbei")
        .or(zone.parks.first())
        .map(|p| p.id.clone());
    let second = zone
        .parks
        .iter()
        .find(|p| Some(&p.id) != first.as_ref())
        .map(|p| p.id.clone());
    for park in [first.clone(), second].into_iter().flatten() {
        wanted.push((
            format!("park-{park}"),
            "demo-park-2026".into(),
            Role::ParkAdmin(park.clone()),
            format!("园区管理员（{}）", park_name(&park)),
        ));
    }
    if let Some(park) = &first {
        let (rows, _) = store
            .enterprises(
                &Scope::Park(park.clone()),
                &EnterpriseFilter::default(),
                PageRequest {
                    offset: 0,
                    limit: Some(1),
                    sort: gaoxin_store::Sort::Name,
                },
            )
            .await?;
        if let Some(r) = rows.first() {
            let e = &r.enterprise;
            wanted.push((
                "firm".into(),
                "demo-firm-2026".into(),
                Role::Enterprise(e.uscc.clone()),
                format!("企业用户（{}，{}）", e.name, e.uscc.as_str()),
            ));
        }
    }
    let mut out = Vec::new();
    for (username, password, role, zh) in wanted {
        match store.user(&username).await? {
            Some(_) => {}
            None => match add_user(store, zone, &username, &password, role).await {
                Ok(()) | Err(UserError::Exists(_)) => {}
                Err(e) => return Err(e),
            },
        }
        out.push((username, password, zh));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_are_the_ones_users_read() {
        assert_eq!(
            UserError::Invalid("密码至少8个字符".into()).to_string(),
            "密码至少8个字符"
        );
        assert_eq!(
            UserError::Exists("wang".into()).to_string(),
            "用户名「wang」已存在"
        );
        assert_eq!(
            UserError::NotFound("li".into()).to_string(),
            "没有用户「li」"
        );
        let store = gaoxin_store::Error::Corrupt("x".into());
        assert_eq!(
            UserError::from(store).to_string(),
            "数据库中的数据无法解析：x"
        );
    }

    #[test]
    fn usernames_and_passwords_are_checked_with_chinese_messages() {
        for ok in ["admin", "park-jiangbei", "a.b_c@d", &"x".repeat(64)] {
            assert!(check_username(ok).is_ok(), "{ok}");
        }
        for bad in ["", "有中文", "a b", "a/b", &"x".repeat(65)] {
            match check_username(bad) {
                Err(UserError::Invalid(m)) => assert!(m.contains("用户名"), "{m}"),
                other => panic!("{bad:?}: {other:?}"),
            }
        }
        assert!(check_password_policy("12345678").is_ok());
        // eight characters, not eight bytes
        assert!(check_password_policy("密码密码密码密码").is_ok());
        match check_password_policy("1234567") {
            Err(UserError::Invalid(m)) => assert_eq!(m, "密码至少8个字符"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_hash_verifies_its_password_only() {
        use_fast_hashing_for_tests();
        let h = hash_password("correct horse");
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("correct horse ", &h));
        assert!(!verify_password("correct horse", "not a hash"));
        // a fresh salt each time
        assert_ne!(h, hash_password("correct horse"));
    }
}
