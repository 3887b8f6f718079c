//! Sanctions operators place on players. The users service applies them to the account
//! (a ban revokes every session and makes every service refuse the player's tokens; a
//! mute silences chat), synchronously, through its internal mutation.
//!
//! Flow of `sanctionPlayer`: the sanction is stored `PENDING` (committed), users applies
//! it under the sanction's id (idempotent there), then it turns `ACTIVE` with its
//! `anticheat.sanction_applied` event in one transaction. When users cannot be reached
//! the command fails with `SANCTION_NOT_APPLIED` and the sanction stays `PENDING`: a
//! replay of the command (same idempotency key) and the background retry
//! ([`retry_pending`]) apply it later under the same id, so it is applied once. A
//! definitive refusal by users (unknown account, bad input) deletes it: nothing stays
//! recorded.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;
use subgraph_kit::auth::{Viewer, SCOPE_ADMIN};
use subgraph_kit::background::BackgroundTask;
use subgraph_kit::db::begin_write;
use subgraph_kit::events::outbox::OutboxSignal;
use subgraph_kit::events::{outbox, topics, EventEnvelope};
use subgraph_kit::pagination::cursor_time;
use subgraph_kit::peer::PeerError;
use subgraph_kit::KitError;
use uuid::Uuid;

use entities::anticheat::sanction;

use crate::error::{bad_input, idempotency_key, is_unique_violation, AnticheatError};
use crate::peers::{AccountSanction, Accounts};

/// Event type of an applied sanction.
pub const SANCTION_APPLIED: &str = "anticheat.sanction_applied";
/// Event type of a lifted sanction.
pub const SANCTION_LIFTED: &str = "anticheat.sanction_lifted";

/// Longest mute or temporary ban (ten years).
const MAX_DURATION_SECS: i64 = 10 * 365 * 24 * 3600;
/// Longest reason kept.
const MAX_REASON_CHARS: usize = 500;

/// What a sanction does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum SanctionKind {
    /// No chat messages anywhere, for `durationSeconds`.
    Mute,
    /// Banned for `durationSeconds`: sessions revoked, tokens refused, no login.
    TemporaryBan,
    /// Banned until lifted.
    PermanentBan,
}

impl SanctionKind {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            SanctionKind::Mute => "MUTE",
            SanctionKind::TemporaryBan => "TEMPORARY_BAN",
            SanctionKind::PermanentBan => "PERMANENT_BAN",
        }
    }

    /// The kind of a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        [
            SanctionKind::Mute,
            SanctionKind::TemporaryBan,
            SanctionKind::PermanentBan,
        ]
        .into_iter()
        .find(|kind| kind.code() == code)
    }

    fn account(self) -> AccountSanction {
        match self {
            SanctionKind::Mute => AccountSanction::Mute,
            SanctionKind::TemporaryBan | SanctionKind::PermanentBan => AccountSanction::Ban,
        }
    }
}

/// Where a sanction stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum SanctionStatus {
    /// Recorded; the users service has not applied it yet (retried in the background).
    Pending,
    /// In force.
    Active,
    /// Its time ran out.
    Expired,
    /// Lifted by an operator.
    Lifted,
}

const PENDING: &str = "PENDING";
const ACTIVE: &str = "ACTIVE";
const LIFTED: &str = "LIFTED";

/// The status of `row` at `now`.
pub fn status(row: &sanction::Model, now: DateTime<Utc>) -> SanctionStatus {
    match row.status.as_str() {
        PENDING => SanctionStatus::Pending,
        LIFTED => SanctionStatus::Lifted,
        _ if row.until.is_some_and(|until| until <= now) => SanctionStatus::Expired,
        _ => SanctionStatus::Active,
    }
}

/// A sanction as an operator asks for it.
#[derive(Debug, Clone)]
pub struct SanctionRequest {
    /// The player.
    pub user_id: Uuid,
    /// What.
    pub kind: SanctionKind,
    /// Why.
    pub reason: String,
    /// How long; required for mutes and temporary bans, refused for permanent bans.
    pub duration_seconds: Option<i64>,
    /// The operator's idempotency key.
    pub idempotency_key: String,
}

/// What the service needs to place and lift sanctions.
pub struct Sanctions {
    /// The anticheat database.
    pub db: DatabaseConnection,
    /// The users service.
    pub accounts: Arc<dyn Accounts>,
    /// Wakes the outbox relay.
    pub outbox: OutboxSignal,
}

impl Sanctions {
    /// Places a sanction (operators only), once per idempotency key: a replay returns
    /// the first sanction (`true`), finishing it if it was still pending.
    pub async fn sanction_player(
        &self,
        viewer: &Viewer,
        request: SanctionRequest,
    ) -> Result<(sanction::Model, bool), AnticheatError> {
        viewer.require_scope(SCOPE_ADMIN)?;
        let key = idempotency_key(&request.idempotency_key)?;
        let reason = request.reason.trim().to_string();
        if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
            return Err(bad_input(format!(
                "reason must be 1-{MAX_REASON_CHARS} characters"
            )));
        }
        match (request.kind, request.duration_seconds) {
            (SanctionKind::PermanentBan, Some(_)) => {
                return Err(AnticheatError::InvalidSanction(
                    "a permanent ban takes no durationSeconds",
                ))
            }
            (SanctionKind::Mute | SanctionKind::TemporaryBan, None) => {
                return Err(AnticheatError::InvalidSanction(
                    "mutes and temporary bans need durationSeconds",
                ))
            }
            (_, Some(secs)) if !(1..=MAX_DURATION_SECS).contains(&secs) => {
                return Err(AnticheatError::InvalidSanction(
                    "durationSeconds must be between 1 and ten years",
                ))
            }
            _ => {}
        }
        if let Some(earlier) = self.replay(&key, &request).await? {
            return self.finish_replay(earlier).await;
        }
        let now = cursor_time();
        let inserted = sanction::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(request.user_id),
            kind: Set(request.kind.code().to_string()),
            reason: Set(reason),
            duration_seconds: Set(request.duration_seconds),
            until: Set(request
                .duration_seconds
                .map(|secs| now + Duration::seconds(secs))),
            status: Set(PENDING.to_string()),
            idempotency_key: Set(key.clone()),
            issued_by: Set(viewer.user_id),
            created_at: Set(now),
            lifted_at: Set(None),
            lifted_by: Set(None),
        }
        .insert(&self.db)
        .await;
        let pending = match inserted {
            Ok(pending) => pending,
            Err(err) if is_unique_violation(&err) => {
                let earlier = self
                    .replay(&key, &request)
                    .await?
                    .ok_or(AnticheatError::IdempotencyKeyReused)?;
                return self.finish_replay(earlier).await;
            }
            Err(err) => return Err(err.into()),
        };
        Ok((self.apply(pending).await?, false))
    }

    async fn replay(
        &self,
        key: &str,
        request: &SanctionRequest,
    ) -> Result<Option<sanction::Model>, AnticheatError> {
        let earlier = sanction::Entity::find()
            .filter(sanction::Column::IdempotencyKey.eq(key))
            .one(&self.db)
            .await?;
        match earlier {
            Some(earlier)
                if earlier.user_id == request.user_id
                    && earlier.kind == request.kind.code()
                    && earlier.duration_seconds == request.duration_seconds =>
            {
                Ok(Some(earlier))
            }
            Some(_) => Err(AnticheatError::IdempotencyKeyReused),
            None => Ok(None),
        }
    }

    async fn finish_replay(
        &self,
        earlier: sanction::Model,
    ) -> Result<(sanction::Model, bool), AnticheatError> {
        if earlier.status == PENDING {
            return Ok((self.apply(earlier).await?, true));
        }
        Ok((earlier, true))
    }

    /// Has users apply a pending sanction, then marks it active with its event.
    async fn apply(&self, pending: sanction::Model) -> Result<sanction::Model, AnticheatError> {
        let kind = SanctionKind::from_code(&pending.kind)
            .ok_or_else(|| KitError::Internal(format!("unknown sanction kind {}", pending.kind)))?;
        let applied = self
            .accounts
            .apply(
                pending.id,
                pending.user_id,
                kind.account(),
                pending.until,
                &pending.reason,
            )
            .await;
        if let Err(err) = applied {
            return Err(self.not_applied(&pending, err).await);
        }
        let txn = begin_write(&self.db).await?;
        let activated = sanction::Entity::update_many()
            .col_expr(sanction::Column::Status, Expr::value(ACTIVE))
            .filter(sanction::Column::Id.eq(pending.id))
            .filter(sanction::Column::Status.eq(PENDING))
            .exec(&txn)
            .await?;
        if activated.rows_affected == 1 {
            let event = EventEnvelope::new(
                SANCTION_APPLIED,
                pending.user_id,
                json!({
                    "sanctionId": pending.id,
                    "userId": pending.user_id,
                    "kind": pending.kind,
                    "until": pending.until,
                    "reason": pending.reason,
                    "issuedBy": pending.issued_by,
                }),
            )
            .by(pending.issued_by);
            outbox::enqueue(&txn, topics::ANTICHEAT, &event).await?;
        }
        txn.commit().await?;
        if activated.rows_affected == 1 {
            self.outbox.committed();
            tracing::info!(sanction_id = %pending.id, user_id = %pending.user_id, kind = %pending.kind, "sanction applied");
        }
        Ok(sanction::Entity::find_by_id(pending.id)
            .one(&self.db)
            .await?
            .ok_or(KitError::NotFound("sanction"))?)
    }

    /// Maps a failed users call: unavailable keeps the sanction pending; a refusal
    /// deletes it.
    async fn not_applied(&self, pending: &sanction::Model, err: PeerError) -> AnticheatError {
        match err {
            PeerError::Unavailable { cause, .. } => {
                tracing::warn!(sanction_id = %pending.id, %cause, "users unavailable, sanction pending");
                AnticheatError::SanctionNotApplied
            }
            PeerError::Refused { code, message, .. } => {
                tracing::warn!(sanction_id = %pending.id, %code, %message, "users refused the sanction");
                if let Err(err) = sanction::Entity::delete_by_id(pending.id)
                    .filter(sanction::Column::Status.eq(PENDING))
                    .exec(&self.db)
                    .await
                {
                    return err.into();
                }
                match code.as_str() {
                    "NOT_FOUND" => KitError::NotFound("user").into(),
                    "BAD_USER_INPUT" => bad_input(message),
                    _ => AnticheatError::SanctionNotApplied,
                }
            }
        }
    }

    /// Lifts a sanction (operators only): users lifts the account's whole ban (or
    /// mute), so every active sanction of that class on the player is lifted with it.
    /// Lifting a lifted sanction returns it unchanged.
    pub async fn lift_sanction(
        &self,
        viewer: &Viewer,
        sanction_id: Uuid,
    ) -> Result<sanction::Model, AnticheatError> {
        viewer.require_scope(SCOPE_ADMIN)?;
        let found = sanction::Entity::find_by_id(sanction_id)
            .one(&self.db)
            .await?
            .ok_or(KitError::NotFound("sanction"))?;
        if found.status == LIFTED {
            return Ok(found);
        }
        let kind = SanctionKind::from_code(&found.kind)
            .ok_or_else(|| KitError::Internal(format!("unknown sanction kind {}", found.kind)))?;
        if let Err(err) = self.accounts.lift(found.user_id, kind.account()).await {
            tracing::warn!(%sanction_id, cause = %err, "users did not lift the sanction");
            return Err(AnticheatError::SanctionNotApplied);
        }
        let same_class: Vec<&str> = match kind.account() {
            AccountSanction::Mute => vec![SanctionKind::Mute.code()],
            AccountSanction::Ban => vec![
                SanctionKind::TemporaryBan.code(),
                SanctionKind::PermanentBan.code(),
            ],
        };
        let now = Utc::now();
        let txn = begin_write(&self.db).await?;
        let lifted = sanction::Entity::find()
            .filter(sanction::Column::UserId.eq(found.user_id))
            .filter(sanction::Column::Kind.is_in(same_class))
            .filter(sanction::Column::Status.ne(LIFTED))
            .all(&txn)
            .await?;
        let lifted_ids: Vec<Uuid> = lifted.iter().map(|row| row.id).collect();
        sanction::Entity::update_many()
            .col_expr(sanction::Column::Status, Expr::value(LIFTED))
            .col_expr(sanction::Column::LiftedAt, Expr::value(Some(now)))
            .col_expr(
                sanction::Column::LiftedBy,
                Expr::value(Some(viewer.user_id)),
            )
            .filter(sanction::Column::Id.is_in(lifted_ids.clone()))
            .exec(&txn)
            .await?;
        if !lifted_ids.is_empty() {
            let event = EventEnvelope::new(
                SANCTION_LIFTED,
                found.user_id,
                json!({
                    "sanctionId": found.id,
                    "userId": found.user_id,
                    "kind": found.kind,
                    "liftedSanctionIds": lifted_ids,
                    "liftedBy": viewer.user_id,
                }),
            )
            .by(viewer.user_id);
            outbox::enqueue(&txn, topics::ANTICHEAT, &event).await?;
        }
        txn.commit().await?;
        self.outbox.committed();
        tracing::info!(%sanction_id, user_id = %found.user_id, lifted = lifted_ids.len(), "sanction lifted");
        Ok(sanction::Entity::find_by_id(sanction_id)
            .one(&self.db)
            .await?
            .ok_or(KitError::NotFound("sanction"))?)
    }

    /// The sanctions of a player, newest first (operators only).
    pub async fn of_player(
        &self,
        viewer: &Viewer,
        user_id: Uuid,
    ) -> Result<Vec<sanction::Model>, AnticheatError> {
        viewer.require_scope(SCOPE_ADMIN)?;
        Ok(sanction::Entity::find()
            .filter(sanction::Column::UserId.eq(user_id))
            .order_by_desc(sanction::Column::CreatedAt)
            .order_by_desc(sanction::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// Applies the sanctions left pending (users was unreachable); returns how many
    /// are now active.
    pub async fn retry_pending(&self) -> Result<usize, AnticheatError> {
        let pending = sanction::Entity::find()
            .filter(sanction::Column::Status.eq(PENDING))
            .filter(sanction::Column::CreatedAt.lt(Utc::now() - Duration::seconds(5)))
            .order_by_asc(sanction::Column::CreatedAt)
            .all(&self.db)
            .await?;
        let mut applied = 0;
        for row in pending {
            match self.apply(row).await {
                Ok(_) => applied += 1,
                Err(AnticheatError::SanctionNotApplied) => break,
                Err(err) => tracing::warn!(cause = %err, "pending sanction retry failed"),
            }
        }
        Ok(applied)
    }
}

/// Retries pending sanctions every `every` until stopped.
pub fn start_retry(sanctions: Arc<Sanctions>, every: StdDuration) -> BackgroundTask {
    BackgroundTask::spawn("pending sanction retry", move |stop| async move {
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(every) => {}
            }
            if let Err(err) = sanctions.retry_pending().await {
                tracing::warn!(cause = %err, "pending sanction retry round failed");
            }
        }
    })
}
