//! Reactions to other services' events:
//! - `content.published` (content): zone definitions refresh the zone projection
//!   (newer versions win).
//! - `actor.deleted` (chaos): the actor's position goes with it.

use futures_util::future::BoxFuture;
use sea_orm::{DatabaseTransaction, DbErr};
use subgraph_kit::events::consumer::EventHandler;
use subgraph_kit::events::topics::ContentPublished;
use subgraph_kit::events::EventEnvelope;
use uuid::Uuid;

use crate::service::World;
use crate::zones;

/// Handles `content.events`.
pub struct ContentEvents;

impl EventHandler for ContentEvents {
    type Committed = ();

    fn apply<'a>(
        &'a self,
        event: &'a EventEnvelope,
        txn: DatabaseTransaction,
    ) -> BoxFuture<'a, Result<(DatabaseTransaction, ()), DbErr>> {
        Box::pin(async move {
            if let Some(published) = ContentPublished::of_kind(event, &["ZONE"]) {
                zones::project(&txn, &published.id, published.version, published.definition)
                    .await?;
                tracing::info!(zone_id = %published.id, version = published.version, "zone refreshed");
            }
            Ok((txn, ()))
        })
    }

    fn committed(&self, (): ()) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
}

/// Handles `chaos.actor`.
pub struct ActorEvents;

impl EventHandler for ActorEvents {
    type Committed = ();

    fn apply<'a>(
        &'a self,
        event: &'a EventEnvelope,
        txn: DatabaseTransaction,
    ) -> BoxFuture<'a, Result<(DatabaseTransaction, ()), DbErr>> {
        Box::pin(async move {
            if event.event_type != "actor.deleted" {
                return Ok((txn, ()));
            }
            let Some(actor_id) = event.payload["actorId"]
                .as_str()
                .and_then(|id| id.parse::<Uuid>().ok())
            else {
                tracing::warn!(event_id = %event.id, "actor.deleted without an actor id skipped");
                return Ok((txn, ()));
            };
            World::forget_actor(&txn, actor_id).await?;
            Ok((txn, ()))
        })
    }

    fn committed(&self, (): ()) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
}
