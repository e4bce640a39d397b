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
    Weak(#[from] PasswordRule),
    #[error("当前密码不正确")]
    WrongCurrentPassword,
    #[error(transparent)]
    Store(#[from] gaoxin_store::Error),
}

// ---------------------------------------------------------------- password policy

/// The shortest password accepted (characters, not bytes).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest password accepted (OWASP ASVS 2.1.2: at least 64 allowed, at most 128).
pub const MAX_PASSWORD_CHARS: usize = 128;

/// The most common passwords (`data/reference/common-passwords.txt`, shipped in the binary).
const COMMON_PASSWORDS: &str = include_str!("../../../data/reference/common-passwords.txt");

fn common_passwords() -> &'static std::collections::HashSet<&'static str> {
    static SET: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    SET.get_or_init(|| {
        COMMON_PASSWORDS
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// A rule of the password policy that a new password breaks; its text (Chinese) names the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRule {
    #[error("密码太短：至少{MIN_PASSWORD_CHARS}个字符（现为{0}个）")]
    TooShort(usize),
    #[error("密码太长：最多{MAX_PASSWORD_CHARS}个字符（现为{0}个）")]
    TooLong(usize),
    #[error("密码不能与用户名相同")]
    SameAsUsername,
    #[error("该密码在最常见密码表中（data/reference/common-passwords.txt），容易被猜中，请换一个")]
    Common,
}

/// The password policy for every password a person sets (`gaoxin user add`, `reset-password`,
/// the password change page): at least [`MIN_PASSWORD_CHARS`] characters and at most
/// [`MAX_PASSWORD_CHARS`], not the username (ignoring case), not one of the most common
/// passwords (ignoring case). Existing passwords keep working; the policy applies when one is set.
pub fn check_new_password(username: &str, password: &str) -> Result<(), PasswordRule> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(PasswordRule::TooShort(n));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(PasswordRule::TooLong(n));
    }
    if password.trim().to_lowercase() == username.trim().to_lowercase() {
        return Err(PasswordRule::SameAsUsername);
    }
    if common_passwords().contains(password.to_lowercase().as_str()) {
        return Err(PasswordRule::Common);
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
    check_new_password(username, password)?;
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
    if let Role::Department(d) = &role {
        let cfg = crate::appeals_data::AppealsConfig::load().map_err(UserError::Invalid)?;
        if cfg.department(d.as_str()).is_none() {
            return Err(UserError::Invalid(format!(
                "部门「{d}」不在交办表中（可选：{}）",
                cfg.departments
                    .iter()
                    .map(|x| x.id.as_str())
                    .collect::<Vec<_>>()
                    .join("、")
            )));
        }
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
        must_change_password: false,
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

/// Disables an account (`gaoxin user disable`) and ends its sessions (a running server notices
/// within its minute's recheck; after a restart they are gone).
pub async fn disable_user(store: &Store, username: &str) -> Result<(), UserError> {
    if store.set_user_disabled(username, true).await? {
        store.delete_sessions_of(username, None).await?;
        Ok(())
    } else {
        Err(UserError::NotFound(username.into()))
    }
}

async fn hash_off_thread(password: &str) -> String {
    let pw = password.to_string();
    tokio::task::spawn_blocking(move || hash_password(&pw))
        .await
        .expect("hashing task")
}

/// An administrator's reset (`gaoxin user reset-password`): sets a new password (the policy
/// applies), lifts a lock-out, ends the user's sessions, and makes the user choose their own
/// password at the next sign-in.
pub async fn reset_password(
    store: &Store,
    username: &str,
    password: &str,
) -> Result<(), UserError> {
    check_new_password(username, password)?;
    let hash = hash_off_thread(password).await;
    if store.set_password(username, &hash, true).await? {
        store.clear_login_failures_of(username).await?;
        // whoever held the old password is signed out
        store.delete_sessions_of(username, None).await?;
        Ok(())
    } else {
        Err(UserError::NotFound(username.into()))
    }
}

/// A signed-in user's own change (the password change page): the current password must verify,
/// the new one must satisfy the policy and differ from the current one. Clears the must-change
/// flag of an administrator's reset.
pub async fn change_password(
    store: &Store,
    username: &str,
    current: &str,
    new: &str,
) -> Result<(), UserError> {
    let rec = store
        .user(username)
        .await?
        .ok_or_else(|| UserError::NotFound(username.into()))?;
    let (cur, hash) = (current.to_string(), rec.password_hash.clone());
    let ok = tokio::task::spawn_blocking(move || verify_password(&cur, &hash))
        .await
        .unwrap_or(false);
    if !ok {
        return Err(UserError::WrongCurrentPassword);
    }
    check_new_password(username, new)?;
    if new == current {
        return Err(UserError::Invalid("新密码不能与当前密码相同".into()));
    }
    let hash = hash_off_thread(new).await;
    if store.set_password(username, &hash, false).await? {
        Ok(())
    } else {
        Err(UserError::NotFound(username.into()))
    }
}

/// The demo accounts, created if missing — only when the data are demo data (`meta.demo` set)
/// and no real (imported, non-synthetic) firm is stored; otherwise nothing is created and the
/// list is empty. Returns (username, password, role) to print.
/// Passwords are fixed, well-known demo strings: never use them on real data.
pub async fn ensure_demo_accounts(
    store: &Store,
    zone: &Zone,
) -> Result<Vec<(String, String, String)>, UserError> {
    if store.meta("demo").await?.is_none() || store.has_real_firms(&Scope::Zone).await? {
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
            DEMO_ADMIN_PASSWORD.into(),
            Role::ZoneAdmin,
            Role::ZoneAdmin.zh().into(),
        ),
        (
            "analyst".into(),
            DEMO_ANALYST_PASSWORD.into(),
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
            DEMO_PARK_PASSWORD.into(),
            Role::ParkAdmin(park.clone()),
            format!("园区管理员（{}）", park_name(&park)),
        ));
    }
    if let Some(park) = &first {
        // the demo firm has data in the latest year (its page shows points, ladder and awards):
        // the park's largest by revenue that year (ties: the lower credit code) — chosen by the
        // data, not by name, so a change of name order (pinyin) does not change the account
        let latest = store
            .years(&Scope::Park(park.clone()))
            .await?
            .last()
            .copied();
        let (rows, _) = store
            .enterprises(
                &Scope::Park(park.clone()),
                &EnterpriseFilter {
                    year: latest,
                    ..EnterpriseFilter::default()
                },
                PageRequest {
                    offset: 0,
                    limit: Some(1),
                    sort: gaoxin_store::Sort::RevenueDesc,
                },
            )
            .await?;
        if let Some(r) = rows.first() {
            let e = &r.enterprise;
            wanted.push((
                "firm".into(),
                DEMO_FIRM_PASSWORD.into(),
                Role::Enterprise(e.uscc.clone()),
                format!("企业用户（{}，{}）", e.name, e.uscc.as_str()),
            ));
        }
    }
    // 部门用户 of the appeals' routing (科技创新局: 政策兑现 appeals)
    if let Ok(d) = gaoxin_model::DeptId::parse(crate::appeals_data::DEMO_DEPARTMENT) {
        wanted.push((
            format!("dept-{d}"),
            DEMO_DEPT_PASSWORD.into(),
            Role::Department(d),
            "部门用户（科技创新局）".into(),
        ));
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

// ---------------------------------------------------------------- published demo passwords

const DEMO_ADMIN_PASSWORD: &str = "demo-admin-2026";
const DEMO_ANALYST_PASSWORD: &str = "demo-analyst-2026";
const DEMO_PARK_PASSWORD: &str = "demo-park-2026";
const DEMO_FIRM_PASSWORD: &str = "demo-firm-2026";
const DEMO_DEPT_PASSWORD: &str = "demo-dept-2026";

/// The demo accounts' passwords, published (printed by `serve`, written in the README): an
/// account holding one of them is open to anyone.
pub const PUBLISHED_PASSWORDS: [&str; 5] = [
    DEMO_ADMIN_PASSWORD,
    DEMO_ANALYST_PASSWORD,
    DEMO_PARK_PASSWORD,
    DEMO_FIRM_PASSWORD,
    DEMO_DEPT_PASSWORD,
];

/// The published password of the demo account named `username` (`admin`, `analyst`,
/// `park-…`, `firm`), if it is a demo account's name.
fn demo_password_of(username: &str) -> Option<&'static str> {
    match username {
        "admin" => Some(DEMO_ADMIN_PASSWORD),
        "analyst" => Some(DEMO_ANALYST_PASSWORD),
        "firm" => Some(DEMO_FIRM_PASSWORD),
        u if u.starts_with("park-") => Some(DEMO_PARK_PASSWORD),
        u if u.starts_with("dept-") => Some(DEMO_DEPT_PASSWORD),
        _ => None,
    }
}

async fn verify_off_thread(password: &'static str, hash: &str) -> bool {
    let hash = hash.to_string();
    tokio::task::spawn_blocking(move || verify_password(password, &hash))
        .await
        .unwrap_or(false)
}

/// Disables (never deletes) the demo accounts — an account with a demo account's name that still
/// has that account's published password — when `production` is set or real (imported,
/// non-synthetic) firms are stored. Returns the names disabled (empty when there is nothing to
/// do). Called by `serve` at start and after every successful import (CLI and web).
pub async fn retire_demo_accounts(
    store: &Store,
    production: bool,
) -> Result<Vec<String>, UserError> {
    if !production && !store.has_real_firms(&Scope::Zone).await? {
        return Ok(vec![]);
    }
    let mut out = Vec::new();
    for u in store.users().await? {
        if u.disabled {
            continue;
        }
        let Some(pw) = demo_password_of(&u.username) else {
            continue;
        };
        if verify_off_thread(pw, &u.password_hash).await {
            store.set_user_disabled(&u.username, true).await?;
            out.push(u.username);
        }
    }
    Ok(out)
}

/// The enabled accounts that can see real data (any data when `production` is set) and still
/// have one of the [`PUBLISHED_PASSWORDS`] (checked against the stored hashes). `serve` refuses
/// to start while this list is not empty.
pub async fn accounts_with_published_passwords(
    store: &Store,
    production: bool,
) -> Result<Vec<String>, UserError> {
    let mut out = Vec::new();
    for u in store.users().await? {
        if u.disabled {
            continue;
        }
        let sees_real = production || store.has_real_firms(&u.role.scope()).await?;
        if !sees_real {
            continue;
        }
        for pw in PUBLISHED_PASSWORDS {
            if verify_off_thread(pw, &u.password_hash).await {
                out.push(u.username.clone());
                break;
            }
        }
    }
    Ok(out)
}

/// The refusal `serve` prints for [`accounts_with_published_passwords`]' list.
pub fn published_password_refusal(usernames: &[String]) -> String {
    let names = usernames
        .iter()
        .map(|u| format!("「{u}」"))
        .collect::<Vec<_>>()
        .join("、");
    let fixes = usernames
        .iter()
        .map(|u| format!("  gaoxin user reset-password {u}"))
        .collect::<Vec<_>>()
        .join("\n");
    format!(
        "拒绝启动：账号{names}仍在使用公开的演示密码（README 与启动信息中印出的密码），却能看到真实数据。\n\
         请为每个账号设置新密码：\n{fixes}\n\
         或停用该账号：gaoxin user disable 用户名"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_are_the_ones_users_read() {
        assert_eq!(
            UserError::Invalid("用户名只能由字母组成".into()).to_string(),
            "用户名只能由字母组成"
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
    }

    #[test]
    fn the_password_policy_names_the_rule_broken() {
        use PasswordRule::*;
        assert_eq!(check_new_password("wang", "tall-river-lamp-9"), Ok(()));
        // twelve characters, not twelve bytes
        assert_eq!(
            check_new_password("wang", "高新区创新治理平台密码好"),
            Ok(())
        );
        assert_eq!(check_new_password("wang", "short-pw-11"), Err(TooShort(11)));
        assert_eq!(check_new_password("wang", "高新区密码"), Err(TooShort(5)));
        assert_eq!(
            check_new_password("wang", &"x".repeat(129)),
            Err(TooLong(129))
        );
        assert_eq!(check_new_password("wang", &"x1".repeat(64)), Ok(()));
        assert_eq!(
            check_new_password("Li.Ming.2026", "li.ming.2026"),
            Err(SameAsUsername)
        );
        // the shipped list, ignoring case: its most common long entries
        for common in [
            "qwerty123456",
            "1q2w3e4r5t6y",
            "QWERTY123456",
            "123qweasdzxc",
            "friend of emily",
        ] {
            assert_eq!(check_new_password("wang", common), Err(Common), "{common}");
        }
        assert!(
            common_passwords().len() > 19_000,
            "{}",
            common_passwords().len()
        );
        assert!(common_passwords().contains("password"));
        assert!(!common_passwords().iter().any(|p| p.starts_with("# ")));
        // the demo accounts' published passwords pass the policy (they are created through it)
        for (user, pw) in [
            ("admin", "demo-admin-2026"),
            ("analyst", "demo-analyst-2026"),
            ("park-jiangbei", "demo-park-2026"),
            ("firm", "demo-firm-2026"),
        ] {
            assert_eq!(check_new_password(user, pw), Ok(()), "{user}");
        }
        assert_eq!(
            TooShort(11).to_string(),
            "密码太短：至少12个字符（现为11个）"
        );
        assert_eq!(
            TooLong(129).to_string(),
            "密码太长：最多128个字符（现为129个）"
        );
        assert_eq!(SameAsUsername.to_string(), "密码不能与用户名相同");
        assert!(Common.to_string().contains("最常见密码"));
        assert_eq!(
            UserError::from(SameAsUsername).to_string(),
            "密码不能与用户名相同"
        );
        assert_eq!(
            UserError::WrongCurrentPassword.to_string(),
            "当前密码不正确"
        );
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
