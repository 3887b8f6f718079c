//! Bans and global mutes on accounts, applied by anticheat through internal mutations.
//!
//! The account row is the truth; the [`SanctionBoard`] is where every service reads it
//! on each request. A ban revokes every session of the account in the transaction that
//! records it, then marks the board (ban + "tokens issued before now are dead"). The
//! board is written after the commit: if that fails the command fails, and the caller's
//! retry (same sanction id) writes the board again without changing the account twice.
//! At start, [`publish_active`] copies what is in force to the board, so a fresh board
//! (a restarted process, an empty Redis) knows every ban.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, Set,
};
use subgraph_kit::db::begin_write;
use subgraph_kit::sanctions::SanctionBoard;
use subgraph_kit::KitError;
use uuid::Uuid;

use entities::users::{account_sanction, session, user};

use crate::error::UsersError;
use crate::service::revoke_sessions;

/// What a sanction does to the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
#[graphql(name = "AccountSanctionKind", inaccessible)]
pub enum SanctionKind {
    /// No login, no refresh, every access token refused.
    Ban,
    /// No chat messages anywhere.
    Mute,
}

impl SanctionKind {
    fn code(self) -> &'static str {
        match self {
            SanctionKind::Ban => "BAN",
            SanctionKind::Mute => "MUTE",
        }
    }
}

/// A sanction as anticheat asks for it.
#[derive(Debug, Clone)]
pub struct SanctionRequest {
    /// Anticheat's id; applying the same id again changes nothing.
    pub sanction_id: Uuid,
    /// The account.
    pub user_id: Uuid,
    /// Ban or mute.
    pub kind: SanctionKind,
    /// When it ends; `None` is permanent.
    pub until: Option<DateTime<Utc>>,
    /// Why (kept on the account for a ban).
    pub reason: String,
}

/// Longest reason kept.
const MAX_REASON_CHARS: usize = 500;

/// Applies `request` once per sanction id: `true` when this call applied it, `false`
/// when it had been applied before (the board is written again either way).
pub async fn apply(
    db: &DatabaseConnection,
    board: &SanctionBoard,
    request: SanctionRequest,
) -> Result<bool, UsersError> {
    let reason = request.reason.trim().to_string();
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        return Err(KitError::BadUserInput(format!(
            "reason must be 1-{MAX_REASON_CHARS} characters"
        ))
        .into());
    }
    let now = Utc::now();
    let txn = begin_write(db).await?;
    if let Some(earlier) = account_sanction::Entity::find_by_id(request.sanction_id)
        .one(&txn)
        .await?
    {
        txn.rollback().await?;
        if earlier.user_id != request.user_id || earlier.kind != request.kind.code() {
            return Err(KitError::BadUserInput(
                "the sanction id was used for another sanction".to_string(),
            )
            .into());
        }
        let account = find_account(db, request.user_id).await?;
        publish(board, &account, now).await?;
        return Ok(false);
    }
    if request.until.is_some_and(|until| until <= now) {
        return Err(KitError::BadUserInput("the sanction would end in the past".into()).into());
    }
    let account = user::Entity::find_by_id(request.user_id)
        .one(&txn)
        .await?
        .ok_or(KitError::NotFound("user"))?;
    account_sanction::ActiveModel {
        sanction_id: Set(request.sanction_id),
        user_id: Set(request.user_id),
        kind: Set(request.kind.code().to_string()),
        until: Set(request.until),
        reason: Set(reason.clone()),
        applied_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let mut update: user::ActiveModel = account.clone().into();
    match request.kind {
        SanctionKind::Ban => {
            let (permanent, until) = combine(
                account.banned_permanently,
                account.banned_until,
                request.until,
                now,
            );
            update.banned_permanently = Set(permanent);
            update.banned_until = Set(until);
            update.ban_reason = Set(Some(reason));
            // Tokens issued in the second of the ban die too (token times are seconds).
            update.tokens_revoked_before = Set(Some(now + Duration::seconds(1)));
        }
        SanctionKind::Mute => {
            let (permanent, until) = combine(
                account.muted_permanently,
                account.muted_until,
                request.until,
                now,
            );
            update.muted_permanently = Set(permanent);
            update.muted_until = Set(until);
        }
    }
    let account = update.update(&txn).await?;
    let revoked = if request.kind == SanctionKind::Ban {
        revoke_sessions(&txn, session::Column::UserId.eq(account.id), "BANNED", now).await?
    } else {
        0
    };
    txn.commit().await?;
    tracing::info!(
        user_id = %account.id,
        sanction_id = %request.sanction_id,
        kind = request.kind.code(),
        revoked_sessions = revoked,
        "sanction applied"
    );
    publish(board, &account, now).await?;
    Ok(true)
}

/// A new sanction never shortens one in force: permanent wins, else the later end.
fn combine(
    permanent: bool,
    current: Option<DateTime<Utc>>,
    requested: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> (bool, Option<DateTime<Utc>>) {
    match requested {
        None => (true, None),
        Some(_) if permanent => (true, None),
        Some(requested) => {
            let until = current
                .filter(|current| *current > now && *current > requested)
                .unwrap_or(requested);
            (false, Some(until))
        }
    }
}

/// Lifts the account's ban (or mute); `true` if one was in force.
pub async fn lift(
    db: &DatabaseConnection,
    board: &SanctionBoard,
    user_id: Uuid,
    kind: SanctionKind,
) -> Result<bool, UsersError> {
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let account = user::Entity::find_by_id(user_id)
        .one(&txn)
        .await?
        .ok_or(KitError::NotFound("user"))?;
    let (was_active, permanent, until) = match kind {
        SanctionKind::Ban => (
            crate::service::active_ban(&account, now).is_some(),
            user::Column::BannedPermanently,
            user::Column::BannedUntil,
        ),
        SanctionKind::Mute => (
            account.muted_permanently || account.muted_until.is_some_and(|until| until > now),
            user::Column::MutedPermanently,
            user::Column::MutedUntil,
        ),
    };
    user::Entity::update_many()
        .col_expr(permanent, Expr::value(false))
        .col_expr(until, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(user::Column::Id.eq(user_id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    match kind {
        SanctionKind::Ban => board.lift(user_id).await,
        SanctionKind::Mute => board.unmute(user_id).await,
    }
    .map_err(board_unavailable)?;
    tracing::info!(%user_id, kind = kind.code(), was_active, "sanction lifted");
    Ok(was_active)
}

/// Copies every ban, mute and recent token revocation in force to `board`; tokens
/// live at most `access_token_ttl_secs`, so older revocations no longer matter.
pub async fn publish_active(
    db: &DatabaseConnection,
    board: &SanctionBoard,
    access_token_ttl_secs: i64,
) -> Result<usize, UsersError> {
    let now = Utc::now();
    let accounts = user::Entity::find()
        .filter(
            Condition::any()
                .add(user::Column::BannedPermanently.eq(true))
                .add(user::Column::BannedUntil.gt(now))
                .add(user::Column::MutedPermanently.eq(true))
                .add(user::Column::MutedUntil.gt(now))
                .add(
                    user::Column::TokensRevokedBefore
                        .gt(now - Duration::seconds(access_token_ttl_secs + 60)),
                ),
        )
        .all(db)
        .await?;
    for account in &accounts {
        publish(board, account, now).await?;
    }
    Ok(accounts.len())
}

/// Writes `account`'s sanctions to the board.
async fn publish(
    board: &SanctionBoard,
    account: &user::Model,
    now: DateTime<Utc>,
) -> Result<(), UsersError> {
    let secs = |at: DateTime<Utc>| at.timestamp();
    let revoked_before = account.tokens_revoked_before.map(secs).unwrap_or(0);
    match crate::service::active_ban(account, now) {
        Some(until) => board
            .ban(account.id, revoked_before, until.map(secs))
            .await
            .map_err(board_unavailable)?,
        None => {
            board.lift(account.id).await.map_err(board_unavailable)?;
            if revoked_before > 0 {
                board
                    .revoke_tokens_before(account.id, revoked_before)
                    .await
                    .map_err(board_unavailable)?;
            }
        }
    }
    if account.muted_permanently {
        board.mute(account.id, None).await
    } else {
        match account.muted_until.filter(|until| *until > now) {
            Some(until) => board.mute(account.id, Some(secs(until))).await,
            None => board.unmute(account.id).await,
        }
    }
    .map_err(board_unavailable)
}

fn board_unavailable(err: subgraph_kit::sanctions::SanctionError) -> UsersError {
    tracing::warn!(cause = %err, "sanction board write failed");
    KitError::Unavailable("the sanction board").into()
}

async fn find_account(db: &DatabaseConnection, user_id: Uuid) -> Result<user::Model, UsersError> {
    Ok(user::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or(KitError::NotFound("user"))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sanction_never_shortens_one_in_force() {
        let now = Utc::now();
        let soon = now + Duration::minutes(5);
        let later = now + Duration::hours(5);
        assert_eq!(combine(false, None, Some(soon), now), (false, Some(soon)));
        assert_eq!(
            combine(false, Some(later), Some(soon), now),
            (false, Some(later))
        );
        assert_eq!(
            combine(false, Some(soon), Some(later), now),
            (false, Some(later))
        );
        assert_eq!(combine(true, None, Some(soon), now), (true, None));
        assert_eq!(combine(false, Some(soon), None, now), (true, None));
        let expired = now - Duration::minutes(1);
        assert_eq!(
            combine(false, Some(expired), Some(soon), now),
            (false, Some(soon))
        );
    }
}
