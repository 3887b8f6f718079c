//! The users service's logic and persistence. Every command runs in one transaction.

use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sea_orm::sea_query::{CaseStatement, Expr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, ExprTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, SqlErr,
};
use sha2::{Digest, Sha256};
use subgraph_kit::auth::{AccessClaims, Viewer, SCOPE_ADMIN, SCOPE_PLAYER};
use subgraph_kit::db::begin_write;
use subgraph_kit::pagination::{cursor_time, Cursor, Side};
use subgraph_kit::KitError;
use uuid::Uuid;

use entities::users::{ip_login_failure, refresh_token, session, user};

use crate::error::UsersError;
use crate::keys::SigningKeys;
use crate::passwords;
use crate::settings::UsersSettings;

/// Tokens handed out by login and refresh.
#[derive(Debug, Clone)]
pub struct IssuedTokens {
    /// The signed access JWT.
    pub access_token: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// The opaque refresh token (shown once; only its hash is stored).
    pub refresh_token: String,
    /// When the refresh token expires.
    pub refresh_token_expires_at: DateTime<Utc>,
    /// The signed-in user.
    pub user: user::Model,
}

/// Validated registration input.
pub struct Registration {
    /// Display username.
    pub username: String,
    /// Email.
    pub email: String,
    /// Password.
    pub password: String,
}

/// Checks registration input; the first problem is reported as `BAD_USER_INPUT`.
pub fn validate_registration(
    username: &str,
    email: &str,
    password: &str,
) -> Result<Registration, UsersError> {
    let bad = |message: &str| UsersError::Kit(KitError::BadUserInput(message.to_string()));
    let username = username.trim();
    let email = email.trim().to_ascii_lowercase();
    let username_ok = (3..=20).contains(&username.chars().count())
        && username
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !username_ok {
        return Err(bad(
            "username must be 3-20 letters, digits or underscores, starting with a letter",
        ));
    }
    let email_ok = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
        })
        && !email.contains(char::is_whitespace);
    if !email_ok {
        return Err(bad("email is not a valid address"));
    }
    if !(8..=128).contains(&password.chars().count()) {
        return Err(bad("password must be 8-128 characters"));
    }
    Ok(Registration {
        username: username.to_string(),
        email,
        password: password.to_string(),
    })
}

/// Creates an account with the `player` role.
pub async fn register(
    db: &DatabaseConnection,
    input: Registration,
) -> Result<user::Model, UsersError> {
    create_user(db, input, SCOPE_PLAYER).await
}

async fn create_user(
    db: &DatabaseConnection,
    input: Registration,
    roles: &str,
) -> Result<user::Model, UsersError> {
    let username_key = input.username.to_ascii_lowercase();
    let taken = user::Entity::find()
        .filter(
            user::Column::UsernameKey
                .eq(&username_key)
                .or(user::Column::Email.eq(&input.email)),
        )
        .one(db)
        .await?;
    if let Some(existing) = taken {
        return Err(if existing.username_key == username_key {
            UsersError::UsernameTaken
        } else {
            UsersError::EmailTaken
        });
    }
    let password_hash = passwords::hash(input.password).await?;
    let model = user::ActiveModel {
        id: Set(Uuid::now_v7()),
        username: Set(input.username),
        username_key: Set(username_key),
        email: Set(input.email),
        password_hash: Set(password_hash),
        roles: Set(roles.to_string()),
        failed_logins: Set(0),
        locked_until: Set(None),
        created_at: Set(cursor_time()),
        banned_until: Set(None),
        banned_permanently: Set(false),
        ban_reason: Set(None),
        muted_until: Set(None),
        muted_permanently: Set(false),
        tokens_revoked_before: Set(None),
    };
    match model.insert(db).await {
        Ok(created) => Ok(created),
        // Lost a race with a concurrent registration of the same name or email.
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Err(UsersError::UsernameTaken)
        }
        Err(err) => Err(err.into()),
    }
}

/// Creates the configured operator account when it does not exist yet.
pub async fn ensure_bootstrap_admin(
    db: &DatabaseConnection,
    settings: &UsersSettings,
) -> Result<(), UsersError> {
    let Some(admin) = &settings.bootstrap_admin else {
        return Ok(());
    };
    let exists = user::Entity::find()
        .filter(user::Column::UsernameKey.eq(admin.username.to_ascii_lowercase()))
        .one(db)
        .await?;
    if exists.is_none() {
        let input = validate_registration(&admin.username, &admin.email, admin.password.expose())?;
        create_user(db, input, &format!("{SCOPE_PLAYER} {SCOPE_ADMIN}")).await?;
        tracing::info!(username = %admin.username, "bootstrap admin created");
    }
    Ok(())
}

/// Signs in with username (or email) and password.
pub async fn login(
    db: &DatabaseConnection,
    keys: &SigningKeys,
    settings: &UsersSettings,
    login: &str,
    password: &str,
    client_ip: Option<String>,
) -> Result<IssuedTokens, UsersError> {
    let now = Utc::now();
    let ip = client_ip.unwrap_or_else(|| "unknown".to_string());
    if let Some(record) = ip_login_failure::Entity::find_by_id(ip.clone())
        .one(db)
        .await?
    {
        if record.locked_until.is_some_and(|until| until > now) {
            return Err(UsersError::TooManyLoginAttempts);
        }
    }
    let key = login.trim().to_ascii_lowercase();
    let account = user::Entity::find()
        .filter(
            user::Column::UsernameKey
                .eq(&key)
                .or(user::Column::Email.eq(&key)),
        )
        .one(db)
        .await?;
    let Some(account) = account else {
        passwords::verify(password.to_string(), passwords::DECOY_HASH.to_string()).await?;
        record_ip_failure(db, settings, &ip, now).await?;
        return Err(UsersError::InvalidCredentials);
    };
    // Take one of the account's attempts before the slow hash: concurrent guesses each
    // need one, so no more than `max_account_failures` are ever checked at once, and
    // the rest are refused here without hashing.
    if !reserve_attempt(db, settings, &account, now).await? {
        return Err(UsersError::AccountLocked);
    }
    if !passwords::verify(password.to_string(), account.password_hash.clone()).await? {
        record_account_failure(db, settings, &account, now).await?;
        record_ip_failure(db, settings, &ip, now).await?;
        tracing::info!(user_id = %account.id, "login failed");
        return Err(UsersError::InvalidCredentials);
    }
    // Only the right password learns of a ban, so a ban reveals nothing a lockout hides.
    if let Some(until) = active_ban(&account, now) {
        tracing::info!(user_id = %account.id, "login refused: account banned");
        return Err(UsersError::AccountBanned(until));
    }
    let txn = begin_write(db).await?;
    user::Entity::update_many()
        .col_expr(user::Column::FailedLogins, Expr::value(0))
        .col_expr(
            user::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(user::Column::Id.eq(account.id))
        .exec(&txn)
        .await?;
    let session_id = Uuid::now_v7();
    session::ActiveModel {
        id: Set(session_id),
        user_id: Set(account.id),
        created_at: Set(now),
        revoked_at: Set(None),
        revoked_reason: Set(None),
    }
    .insert(&txn)
    .await?;
    let tokens = issue_tokens(&txn, keys, settings, account, session_id, now).await?;
    txn.commit().await?;
    tracing::info!(user_id = %tokens.user.id, session_id = %session_id, "login succeeded");
    Ok(tokens)
}

/// Counts one attempt against the account, in one conditional update: `false` when it
/// is locked, or when `max_account_failures` attempts are already counted (failed, or
/// still being checked). A successful login sets the count back to zero.
async fn reserve_attempt(
    db: &DatabaseConnection,
    settings: &UsersSettings,
    account: &user::Model,
    now: DateTime<Utc>,
) -> Result<bool, UsersError> {
    let reserved = user::Entity::update_many()
        .col_expr(
            user::Column::FailedLogins,
            Expr::col(user::Column::FailedLogins).add(1),
        )
        .filter(user::Column::Id.eq(account.id))
        .filter(user::Column::FailedLogins.lt(settings.lockout.max_account_failures))
        .filter(
            user::Column::LockedUntil
                .is_null()
                .or(user::Column::LockedUntil.lte(now)),
        )
        .exec(db)
        .await?;
    if reserved.rows_affected == 1 {
        return Ok(true);
    }
    // All attempts are taken but the account is not locked (guesses still being
    // checked, or a process that stopped mid-check left its count): lock it now, so the
    // count cannot stay spent forever and the lock expires as any other.
    lock_if_attempts_spent(db, settings, account, now).await?;
    Ok(false)
}

/// A checked attempt failed (it was counted by [`reserve_attempt`]): locks the account
/// once `max_account_failures` are counted.
async fn record_account_failure(
    db: &DatabaseConnection,
    settings: &UsersSettings,
    account: &user::Model,
    now: DateTime<Utc>,
) -> Result<(), UsersError> {
    lock_if_attempts_spent(db, settings, account, now).await
}

/// Locks `account` (and starts its count again) when `max_account_failures` attempts
/// are counted and it is not locked already; one conditional update.
async fn lock_if_attempts_spent(
    db: &DatabaseConnection,
    settings: &UsersSettings,
    account: &user::Model,
    now: DateTime<Utc>,
) -> Result<(), UsersError> {
    let until = now + Duration::seconds(settings.lockout.account_lock_secs);
    let locked = user::Entity::update_many()
        .col_expr(user::Column::FailedLogins, Expr::value(0))
        .col_expr(user::Column::LockedUntil, Expr::value(Some(until)))
        .filter(user::Column::Id.eq(account.id))
        .filter(user::Column::FailedLogins.gte(settings.lockout.max_account_failures))
        .filter(
            user::Column::LockedUntil
                .is_null()
                .or(user::Column::LockedUntil.lte(now)),
        )
        .exec(db)
        .await?;
    if locked.rows_affected > 0 {
        tracing::warn!(user_id = %account.id, "account locked after repeated failed logins");
    }
    Ok(())
}

async fn record_ip_failure(
    db: &DatabaseConnection,
    settings: &UsersSettings,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<(), UsersError> {
    let lockout = &settings.lockout;
    let window_cutoff = now - Duration::seconds(lockout.ip_window_secs);
    ip_login_failure::Entity::insert(ip_login_failure::ActiveModel {
        ip: Set(ip.to_string()),
        failures: Set(0),
        window_started_at: Set(now),
        locked_until: Set(None),
    })
    .on_conflict_do_nothing_on([ip_login_failure::Column::Ip])
    .exec(db)
    .await?;
    let in_window = Expr::col(ip_login_failure::Column::WindowStartedAt).gt(window_cutoff);
    ip_login_failure::Entity::update_many()
        .col_expr(
            ip_login_failure::Column::Failures,
            CaseStatement::new()
                .case(
                    in_window.clone(),
                    Expr::col(ip_login_failure::Column::Failures).add(1),
                )
                .finally(Expr::val(1))
                .into(),
        )
        .col_expr(
            ip_login_failure::Column::WindowStartedAt,
            CaseStatement::new()
                .case(
                    in_window,
                    Expr::col(ip_login_failure::Column::WindowStartedAt),
                )
                .finally(Expr::val(now))
                .into(),
        )
        .filter(ip_login_failure::Column::Ip.eq(ip))
        .exec(db)
        .await?;
    let locked = ip_login_failure::Entity::update_many()
        .col_expr(ip_login_failure::Column::Failures, Expr::value(0))
        .col_expr(
            ip_login_failure::Column::LockedUntil,
            Expr::value(Some(now + Duration::seconds(lockout.ip_lock_secs))),
        )
        .filter(ip_login_failure::Column::Ip.eq(ip))
        .filter(ip_login_failure::Column::Failures.gte(lockout.max_ip_failures))
        .exec(db)
        .await?;
    if locked.rows_affected > 0 {
        tracing::warn!(ip, "client address locked after repeated failed logins");
    }
    Ok(())
}

/// Exchanges a refresh token for a new pair. A token used twice revokes its family.
pub async fn refresh(
    db: &DatabaseConnection,
    keys: &SigningKeys,
    settings: &UsersSettings,
    presented: &str,
) -> Result<IssuedTokens, UsersError> {
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let token = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash_refresh_token(presented)))
        .one(&txn)
        .await?
        .ok_or(UsersError::InvalidRefreshToken)?;
    let family = session::Entity::find_by_id(token.session_id)
        .one(&txn)
        .await?
        .ok_or(UsersError::InvalidRefreshToken)?;
    let account = user::Entity::find_by_id(family.user_id)
        .one(&txn)
        .await?
        .ok_or(UsersError::InvalidRefreshToken)?;
    if let Some(until) = active_ban(&account, now) {
        // The ban revoked every session; any that survived (opened in a race with the
        // ban) ends now.
        revoke_sessions(&txn, session::Column::UserId.eq(account.id), "BANNED", now).await?;
        txn.commit().await?;
        tracing::warn!(user_id = %account.id, "refresh refused: account banned");
        return Err(UsersError::AccountBanned(until));
    }
    if family.revoked_at.is_some() {
        return Err(UsersError::InvalidRefreshToken);
    }
    // Claim the token: only one caller can flip `rotated_at` from NULL.
    let claimed = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RotatedAt, Expr::value(Some(now)))
        .filter(refresh_token::Column::Id.eq(token.id))
        .filter(refresh_token::Column::RotatedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected == 0 {
        revoke_sessions(
            &txn,
            session::Column::Id.eq(family.id),
            "REFRESH_TOKEN_REUSE",
            now,
        )
        .await?;
        txn.commit().await?;
        tracing::warn!(user_id = %family.user_id, session_id = %family.id, "refresh token reuse detected, session revoked");
        return Err(UsersError::RefreshTokenReused);
    }
    if token.expires_at <= now {
        return Err(UsersError::InvalidRefreshToken);
    }
    let account = user::Entity::find_by_id(family.user_id)
        .one(&txn)
        .await?
        .ok_or(UsersError::InvalidRefreshToken)?;
    let tokens = issue_tokens(&txn, keys, settings, account, family.id, now).await?;
    txn.commit().await?;
    Ok(tokens)
}

/// Ends the session of `presented`. `true` if this call revoked it, `false` if it
/// already was.
pub async fn logout(db: &DatabaseConnection, presented: &str) -> Result<bool, UsersError> {
    let token = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash_refresh_token(presented)))
        .one(db)
        .await?
        .ok_or(UsersError::InvalidRefreshToken)?;
    let revoked = revoke_sessions(
        db,
        session::Column::Id.eq(token.session_id),
        "LOGOUT",
        Utc::now(),
    )
    .await?;
    Ok(revoked > 0)
}

/// Ends every session of the viewer; returns how many were active.
pub async fn logout_all(db: &DatabaseConnection, viewer: &Viewer) -> Result<u64, UsersError> {
    revoke_sessions(
        db,
        session::Column::UserId.eq(viewer.user_id),
        "LOGOUT_ALL",
        Utc::now(),
    )
    .await
}

/// The ban in force on `account` at `now`: `Some(None)` when permanent, `Some(end)`
/// when temporary, `None` when not banned.
#[allow(clippy::option_option)]
pub fn active_ban(account: &user::Model, now: DateTime<Utc>) -> Option<Option<DateTime<Utc>>> {
    if account.banned_permanently {
        return Some(None);
    }
    account.banned_until.filter(|until| *until > now).map(Some)
}

/// Revokes the unrevoked sessions matching `which`; returns how many.
pub async fn revoke_sessions(
    db: &impl ConnectionTrait,
    which: sea_orm::sea_query::Expr,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<u64, UsersError> {
    let result = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(Some(now)))
        .col_expr(
            session::Column::RevokedReason,
            Expr::value(Some(reason.to_string())),
        )
        .filter(which)
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

async fn issue_tokens(
    db: &impl ConnectionTrait,
    keys: &SigningKeys,
    settings: &UsersSettings,
    account: user::Model,
    session_id: Uuid,
    now: DateTime<Utc>,
) -> Result<IssuedTokens, UsersError> {
    let tokens = &settings.tokens;
    let claims = AccessClaims {
        sub: account.id,
        username: account.username.clone(),
        scope: account.roles.clone(),
        sid: session_id,
        iss: tokens.issuer.clone(),
        aud: tokens.audience.clone(),
        iat: now.timestamp(),
        exp: now.timestamp() + tokens.access_token_ttl_secs,
        jti: Uuid::new_v4(),
    };
    let access_token = keys
        .sign(&claims)
        .map_err(|err| KitError::Internal(err.to_string()))?;
    let mut secret = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let refresh_token = hex(&secret);
    let refresh_token_expires_at = now + Duration::seconds(tokens.refresh_token_ttl_secs);
    refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        session_id: Set(session_id),
        token_hash: Set(hash_refresh_token(&refresh_token)),
        issued_at: Set(now),
        expires_at: Set(refresh_token_expires_at),
        rotated_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(IssuedTokens {
        access_token,
        expires_in: tokens.access_token_ttl_secs,
        refresh_token,
        refresh_token_expires_at,
        user: account,
    })
}

fn hash_refresh_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Users by id, in one query (entity batches).
pub async fn users_by_ids(
    db: &DatabaseConnection,
    ids: &[Uuid],
) -> Result<Vec<user::Model>, UsersError> {
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?)
}

/// One page of users ordered by registration, after `after`.
pub async fn list_users(
    db: &DatabaseConnection,
    after: Option<Cursor>,
    limit: u64,
) -> Result<Vec<user::Model>, UsersError> {
    let mut query = user::Entity::find()
        .order_by_asc(user::Column::CreatedAt)
        .order_by_asc(user::Column::Id);
    if let Some(cursor) = after {
        query = query.filter(cursor.condition(
            user::Column::CreatedAt,
            user::Column::Id,
            Side::After,
        )?);
    }
    Ok(query.limit(limit).all(db).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_input_is_validated() {
        assert!(validate_registration("ann_1", "Ann@Example.com", "longenough").is_ok());
        assert_eq!(
            validate_registration("ann_1", " Ann@Example.com ", "longenough")
                .map(|r| r.email)
                .ok()
                .as_deref(),
            Some("ann@example.com")
        );
        for (username, email, password) in [
            ("an", "a@b.co", "longenough"),
            ("1ann", "a@b.co", "longenough"),
            ("ann!", "a@b.co", "longenough"),
            ("ann", "not-an-email", "longenough"),
            ("ann", "a@b", "longenough"),
            ("ann", "a@b.co", "short"),
        ] {
            let err = validate_registration(username, email, password)
                .err()
                .map(|e| subgraph_kit::ErrorCode::code(&e));
            assert_eq!(err, Some("BAD_USER_INPUT"), "{username} {email} {password}");
        }
    }
}
