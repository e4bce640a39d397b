//! Bank access with the firm's consent (创新积分贷).
//!
//! A zone administrator registers a bank ([`Store::add_bank`]); the bank's API key is shown once and
//! only its SHA-256 is kept. A firm grants a named bank consent until an expiry and may revoke it.
//! A bank's request becomes a [`Scope`] only through [`Store::bank_scope`], which checks that a
//! consent for exactly that firm is in force and logs the attempt (allowed or refused) in
//! `consent_access_log`; the firm sees that log. There is no other way for a bank key to reach data.
//!
//! One consent covers both uses a bank has for a firm (decided for issue 16): reading its points
//! (创新积分贷) and seeing its needs on the published loan-demand list and answering them (see
//! `finance`). A firm thus keeps one list of banks, revokes once, and sees every read in one log;
//! the consent form says so.
use crate::db::{Error, Store};
use crate::scope::Scope;
use gaoxin_model::Uscc;
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A registered bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bank {
    pub id: String,
    pub name: String,
    pub created_at: i64,
    pub disabled: bool,
}

/// A firm's consent for one bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub id: String,
    pub uscc: String,
    pub bank_id: String,
    pub bank_name: String,
    pub granted_by: String,
    pub granted_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

impl Consent {
    /// In force at `now`: not revoked and not expired.
    pub fn active(&self, now: i64) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

/// One logged bank read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessEntry {
    pub at: i64,
    pub bank_name: String,
    pub path: String,
    pub allowed: bool,
}

pub(crate) fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    getrandom::fill(&mut b).expect("the operating system's random source");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// SHA-256 (hex) of an API key. Keys are 256-bit random, so a fast hash suffices.
pub fn key_hash(key: &str) -> String {
    Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn get_i64(r: &AnyRow, i: usize) -> Result<i64, sqlx::Error> {
    r.try_get::<i64, _>(i)
        .or_else(|_| r.try_get::<i32, _>(i).map(i64::from))
}

fn get_opt_i64(r: &AnyRow, i: usize) -> Result<Option<i64>, sqlx::Error> {
    r.try_get::<Option<i64>, _>(i)
        .or_else(|_| r.try_get::<Option<i32>, _>(i).map(|v| v.map(i64::from)))
}

fn decode_bank(r: &AnyRow) -> Result<Bank, Error> {
    Ok(Bank {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        created_at: get_i64(r, 2)?,
        disabled: get_i64(r, 3)? != 0,
    })
}

const CONSENT_COLS: &str =
    "c.id, c.uscc, c.bank_id, b.name, c.granted_by, c.granted_at, c.expires_at, c.revoked_at";

fn decode_consent(r: &AnyRow) -> Result<Consent, Error> {
    Ok(Consent {
        id: r.try_get(0)?,
        uscc: r.try_get(1)?,
        bank_id: r.try_get(2)?,
        bank_name: r.try_get(3)?,
        granted_by: r.try_get(4)?,
        granted_at: get_i64(r, 5)?,
        expires_at: get_i64(r, 6)?,
        revoked_at: get_opt_i64(r, 7)?,
    })
}

/// May `scope` manage the consents of `uscc`? Only the firm itself.
fn own_firm(scope: &Scope, uscc: &Uscc) -> bool {
    matches!(scope, Scope::Enterprise(u) if u == uscc)
}

impl Store {
    /// Registers a bank; returns it with its API key (shown once), or `None` when the name is taken.
    pub async fn add_bank(&self, name: &str, now: i64) -> Result<Option<(Bank, String)>, Error> {
        let name = name.trim();
        if name.is_empty() {
            return Ok(None);
        }
        let bank = Bank {
            id: format!("bank-{}", random_hex(8)),
            name: name.to_string(),
            created_at: now,
            disabled: false,
        };
        let key = format!("gxb_{}", random_hex(32));
        let done = sqlx::query(
            "INSERT INTO banks (id, name, key_hash, created_at, disabled) VALUES ($1, $2, $3, $4, 0) ON CONFLICT (name) DO NOTHING",
        )
        .bind(bank.id.clone())
        .bind(bank.name.clone())
        .bind(key_hash(&key))
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok((done.rows_affected() == 1).then_some((bank, key)))
    }

    /// Every registered bank, by the pinyin of its name.
    pub async fn banks(&self) -> Result<Vec<Bank>, Error> {
        let mut banks =
            sqlx::query("SELECT id, name, created_at, disabled FROM banks ORDER BY name")
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(decode_bank)
                .collect::<Result<Vec<_>, Error>>()?;
        gaoxin_model::name_order::sort_by_name(&mut banks, |b| &b.name);
        Ok(banks)
    }

    /// Disables or re-enables a bank (a disabled bank's key reads nothing); false if unknown.
    pub async fn set_bank_disabled(&self, name: &str, disabled: bool) -> Result<bool, Error> {
        let done = sqlx::query("UPDATE banks SET disabled = $1 WHERE name = $2")
            .bind(disabled as i64)
            .bind(name.to_string())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The enabled bank holding API key `key`.
    pub async fn bank_by_key(&self, key: &str) -> Result<Option<Bank>, Error> {
        match sqlx::query(
            "SELECT id, name, created_at, disabled FROM banks WHERE key_hash = $1 AND disabled = 0",
        )
        .bind(key_hash(key))
        .fetch_optional(&self.pool)
        .await?
        {
            Some(r) => Ok(Some(decode_bank(&r)?)),
            None => Ok(None),
        }
    }

    /// The firm grants `bank_id` consent until `expires_at`. `None` when the scope is not that
    /// firm, the bank is unknown or disabled, or the expiry is not in the future.
    pub async fn grant_consent(
        &self,
        scope: &Scope,
        uscc: &Uscc,
        bank_id: &str,
        expires_at: i64,
        granted_by: &str,
        now: i64,
    ) -> Result<Option<Consent>, Error> {
        if !own_firm(scope, uscc) || expires_at <= now {
            return Ok(None);
        }
        let Some(bank) = self
            .banks()
            .await?
            .into_iter()
            .find(|b| b.id == bank_id && !b.disabled)
        else {
            return Ok(None);
        };
        let c = Consent {
            id: format!("consent-{}", random_hex(8)),
            uscc: uscc.as_str().to_string(),
            bank_id: bank.id,
            bank_name: bank.name,
            granted_by: granted_by.to_string(),
            granted_at: now,
            expires_at,
            revoked_at: None,
        };
        sqlx::query(
            "INSERT INTO consents (id, uscc, bank_id, granted_by, granted_at, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, NULL)",
        )
        .bind(c.id.clone())
        .bind(c.uscc.clone())
        .bind(c.bank_id.clone())
        .bind(c.granted_by.clone())
        .bind(c.granted_at)
        .bind(c.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(Some(c))
    }

    /// The firm revokes one of its consents; false when not its own or already revoked.
    pub async fn revoke_consent(
        &self,
        scope: &Scope,
        uscc: &Uscc,
        consent_id: &str,
        now: i64,
    ) -> Result<bool, Error> {
        if !own_firm(scope, uscc) {
            return Ok(false);
        }
        let done = sqlx::query(
            "UPDATE consents SET revoked_at = $1 WHERE id = $2 AND uscc = $3 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(consent_id.to_string())
        .bind(uscc.as_str().to_string())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A firm's consents, newest first (the firm itself only).
    pub async fn consents(&self, scope: &Scope, uscc: &Uscc) -> Result<Vec<Consent>, Error> {
        if !own_firm(scope, uscc) {
            return Ok(vec![]);
        }
        let sql = format!(
            "SELECT {CONSENT_COLS} FROM consents c JOIN banks b ON b.id = c.bank_id WHERE c.uscc = $1 ORDER BY c.granted_at DESC, c.id"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(uscc.as_str().to_string())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(decode_consent)
            .collect()
    }

    /// The scope a bank may read for `uscc` at `now`: that one firm when a consent is in force,
    /// else `None`. Every call is logged with `path` and the outcome.
    pub async fn bank_scope(
        &self,
        bank: &Bank,
        uscc: &Uscc,
        path: &str,
        now: i64,
    ) -> Result<Option<Scope>, Error> {
        let allowed = !bank.disabled
            && sqlx::query(
                "SELECT COUNT(*) FROM consents WHERE uscc = $1 AND bank_id = $2 AND revoked_at IS NULL AND expires_at > $3",
            )
            .bind(uscc.as_str().to_string())
            .bind(bank.id.clone())
            .bind(now)
            .fetch_one(&self.pool)
            .await
            .and_then(|r| get_i64(&r, 0))?
                > 0;
        sqlx::query(
            "INSERT INTO consent_access_log (id, uscc, bank_id, at, path, allowed) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(format!("log-{}", random_hex(8)))
        .bind(uscc.as_str().to_string())
        .bind(bank.id.clone())
        .bind(now)
        .bind(path.to_string())
        .bind(allowed as i64)
        .execute(&self.pool)
        .await?;
        Ok(allowed.then(|| Scope::Enterprise(uscc.clone())))
    }

    /// Bank reads of a firm's data, newest first (the firm itself only).
    pub async fn access_log(
        &self,
        scope: &Scope,
        uscc: &Uscc,
        limit: u32,
    ) -> Result<Vec<AccessEntry>, Error> {
        if !own_firm(scope, uscc) {
            return Ok(vec![]);
        }
        let sql = format!(
            "SELECT l.at, b.name, l.path, l.allowed FROM consent_access_log l JOIN banks b ON b.id = l.bank_id \
             WHERE l.uscc = $1 ORDER BY l.at DESC, l.id LIMIT {limit}"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(uscc.as_str().to_string())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(AccessEntry {
                    at: get_i64(r, 0)?,
                    bank_name: r.try_get(1)?,
                    path: r.try_get(2)?,
                    allowed: get_i64(r, 3)? != 0,
                })
            })
            .collect()
    }
}
