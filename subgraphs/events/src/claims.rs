//! Claiming a live event's reward, exactly once per event and actor.
//!
//! Rule: content's event rewards carry no score threshold, so a reward is claimable
//! once the event has ENDED, by every actor that joined and scored more than zero
//! (`NOT_JOINED`, `NOT_ELIGIBLE` otherwise; `EVENT_NOT_ENDED` before the end).
//!
//! Exactly once: the claim row (unique per event and actor) and its
//! `live_event.reward_granted` outbox event commit in one transaction. A later claim
//! for the same event and actor — sequential or concurrent, with any idempotency key —
//! grants nothing and returns the first claim with `alreadyClaimed: true`. Reusing a
//! key for another event or actor is `IDEMPOTENCY_KEY_REUSED`.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use serde_json::json;
use subgraph_kit::auth::Viewer;
use subgraph_kit::db::begin_write;
use subgraph_kit::KitError;
use uuid::Uuid;

use entities::live_events::claim;

use crate::actors::ActorOwnership;
use crate::definitions::{rewards_of, Phase, Reward};
use crate::domain_events;
use crate::error::{idempotency_key, is_unique_violation, EventsError};
use crate::participation::{event, participation};

/// A claim, created by this call or found.
#[derive(Debug, Clone)]
pub struct ClaimOutcome {
    /// The (first) claim.
    pub claim: claim::Model,
    /// True when the reward had been claimed before this call (which granted nothing).
    pub already_claimed: bool,
}

/// The claim of `actor_id` in `event_id`, if any.
pub async fn claim_of(
    db: &impl ConnectionTrait,
    event_id: &str,
    actor_id: Uuid,
) -> Result<Option<claim::Model>, EventsError> {
    Ok(claim::Entity::find()
        .filter(claim::Column::EventId.eq(event_id))
        .filter(claim::Column::ActorId.eq(actor_id))
        .one(db)
        .await?)
}

/// The items of `claim`.
pub fn items_of(claim: &claim::Model) -> Vec<Reward> {
    serde_json::from_value(claim.items.clone()).unwrap_or_else(|err| {
        tracing::error!(claim_id = %claim.id, cause = %err, "unreadable stored claim items");
        Vec::new()
    })
}

/// An earlier claim this call must return: the one for this event and actor, or an
/// error when the player's key names a claim for something else.
async fn earlier(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    key: &str,
    event_id: &str,
    actor_id: Uuid,
) -> Result<Option<ClaimOutcome>, EventsError> {
    if let Some(existing) = claim_of(db, event_id, actor_id).await? {
        return Ok(Some(ClaimOutcome {
            claim: existing,
            already_claimed: true,
        }));
    }
    let same_key = claim::Entity::find()
        .filter(claim::Column::UserId.eq(user_id))
        .filter(claim::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?;
    match same_key {
        Some(_) => Err(EventsError::IdempotencyKeyReused),
        None => Ok(None),
    }
}

/// Claims the reward of the viewer's `actor_id` in the ended event `event_id`.
pub async fn claim(
    db: &DatabaseConnection,
    actors: &dyn ActorOwnership,
    viewer: &Viewer,
    event_id: &str,
    actor_id: Uuid,
    key: &str,
) -> Result<ClaimOutcome, EventsError> {
    actors.check_owned(actor_id, viewer).await?;
    let key = idempotency_key(key)?;
    if let Some(found) = earlier(db, viewer.user_id, &key, event_id, actor_id).await? {
        return Ok(found);
    }
    let txn = begin_write(db).await?;
    let live_event = event(&txn, event_id).await?;
    if Phase::at(&live_event, Utc::now()) != Phase::Ended {
        return Err(EventsError::EventNotEnded(event_id.to_string()));
    }
    let joined = participation(&txn, event_id, actor_id)
        .await?
        .ok_or_else(|| EventsError::NotJoined(event_id.to_string()))?;
    if joined.score <= 0 {
        return Err(EventsError::NotEligible(event_id.to_string()));
    }
    // Under SQLite's write lock a concurrent claim has committed by now; PostgreSQL
    // relies on the unique keys below.
    if let Some(found) = earlier(&txn, viewer.user_id, &key, event_id, actor_id).await? {
        txn.rollback().await?;
        return Ok(found);
    }
    let items = rewards_of(&live_event);
    let claim_id = Uuid::now_v7();
    let inserted = claim::ActiveModel {
        id: Set(claim_id),
        event_id: Set(event_id.to_string()),
        actor_id: Set(actor_id),
        user_id: Set(viewer.user_id),
        idempotency_key: Set(key.clone()),
        score: Set(joined.score),
        items: Set(serde_json::to_value(&items)
            .map_err(|err| KitError::Internal(format!("reward items: {err}")))?),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await;
    let stored = match inserted {
        Ok(stored) => stored,
        Err(err) if is_unique_violation(&err) => {
            txn.rollback().await?;
            return earlier(db, viewer.user_id, &key, event_id, actor_id)
                .await?
                .ok_or_else(|| KitError::Internal("a concurrent claim vanished".into()).into());
        }
        Err(err) => return Err(err.into()),
    };
    if items.is_empty() {
        tracing::info!(%event_id, %actor_id, "live event reward claimed with no items to grant");
    } else {
        domain_events::emit(
            &txn,
            domain_events::REWARD_GRANTED,
            actor_id,
            viewer.user_id,
            json!({
                "grantId": claim_id.to_string(),
                "eventId": event_id,
                "actorId": actor_id,
                "items": items,
            }),
        )
        .await?;
    }
    txn.commit().await?;
    tracing::info!(%event_id, %actor_id, %claim_id, "live event reward claimed");
    Ok(ClaimOutcome {
        claim: stored,
        already_claimed: false,
    })
}
