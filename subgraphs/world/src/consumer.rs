//! Reactions to other services' events:
//! - `content.published` (content): zone definitions refresh the zone projection
//!   (newer versions win).
//! - `actor.deleted` (chaos): the actor's position goes with it.

use futures_util::future::BoxFuture;
use sea_orm::{DatabaseTransaction, DbErr};
use serde::Deserialize;
use subgraph_kit::events::consumer::EventHandler;
use subgraph_kit::events::EventEnvelope;
use uuid::Uuid;

use crate::service::World;
use crate::zones;

/// Handles `content.events`.
pub struct ContentEvents;

#[derive(Deserialize)]
struct Published {
    kind: String,
    id: String,
    version: i32,
    definition: serde_json::Value,
}

impl EventHandler for ContentEvents {
    type Committed = ();

    fn apply<'a>(
        &'a self,
        event: &'a EventEnvelope,
        txn: DatabaseTransaction,
    ) -> BoxFuture<'a, Result<(DatabaseTransaction, ()), DbErr>> {
        Box::pin(async move {
            if event.event_type != "content.published" {
                return Ok((txn, ()));
            }
            match serde_json::from_value::<Published>(event.payload.clone()) {
                Ok(published) if published.kind == "ZONE" => {
                    zones::project(&txn, &published.id, published.version, published.definition)
                        .await?;
                    tracing::info!(zone_id = %published.id, version = published.version, "zone refreshed");
                }
                Ok(_) => {}
                Err(err) => {
                    tracing::warn!(event_id = %event.id, cause = %err, "unreadable content.published skipped");
                }
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
