//! The events this service publishes on [`topics::LIVE_EVENTS`], keyed by actor id,
//! written to the outbox in the transaction of the change they report:
//!
//! - `live_event.joined` (payload: `eventId`, `actorId`).
//! - `live_event.score_submitted` (payload: `eventId`, `actorId`, `score` (added),
//!   `total` (the actor's total after it)).
//! - `live_event.reward_granted` (payload: `grantId` (= the claim id), `eventId`,
//!   `actorId`, `items`: [{`definitionId`, `quantity`}]) asks inventory to deliver the
//!   reward; each claim emits it exactly once and inventory delivers once per `grantId`.
//!
//! Every envelope's `user_id` is the actor's owner.

use sea_orm::DatabaseTransaction;
use serde_json::Value;
use subgraph_kit::events::{outbox, topics, EventEnvelope};
use uuid::Uuid;

use crate::error::EventsError;

/// An actor joined a live event.
pub const JOINED: &str = "live_event.joined";
/// An actor's score submission was accepted.
pub const SCORE_SUBMITTED: &str = "live_event.score_submitted";
/// A reward was claimed: inventory delivers its items.
pub const REWARD_GRANTED: &str = "live_event.reward_granted";

/// Writes an event about `actor_id`, caused by its owner `user_id`, to the outbox.
pub async fn emit(
    txn: &DatabaseTransaction,
    event_type: &str,
    actor_id: Uuid,
    user_id: Uuid,
    payload: Value,
) -> Result<(), EventsError> {
    let event = EventEnvelope::new(event_type, actor_id, payload).by(user_id);
    outbox::enqueue(txn, topics::LIVE_EVENTS, &event).await?;
    Ok(())
}
