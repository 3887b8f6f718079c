//! Reactions to other services' events: when chaos deletes an actor, its guild
//! membership ends (a leader's guild passes to the most senior member, or is disbanded
//! when nobody remains) and its pending invitations and requests close; when world
//! hands a territory to another guild, the guilds' territory lists follow.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use sea_orm::{DatabaseTransaction, DbErr};
use subgraph_kit::events::consumer::EventHandler;
use subgraph_kit::events::outbox::OutboxSignal;
use subgraph_kit::events::EventEnvelope;
use subgraph_kit::pubsub::PubSub;
use uuid::Uuid;

use crate::graphql::announce;
use crate::service::{self, MemberChange};

/// Handles `chaos.actor` events.
pub struct ActorEvents {
    /// Live fan-out of the resulting membership changes.
    pub pubsub: Arc<dyn PubSub>,
    /// Wakes the relay for the events the reaction wrote.
    pub outbox: OutboxSignal,
}

impl EventHandler for ActorEvents {
    type Committed = Vec<MemberChange>;

    fn apply<'a>(
        &'a self,
        event: &'a EventEnvelope,
        txn: DatabaseTransaction,
    ) -> BoxFuture<'a, Result<(DatabaseTransaction, Self::Committed), DbErr>> {
        Box::pin(async move {
            if event.event_type != "actor.deleted" {
                return Ok((txn, Vec::new()));
            }
            let Some(actor_id) = event.payload["actorId"]
                .as_str()
                .and_then(|id| id.parse::<Uuid>().ok())
            else {
                tracing::warn!(event_id = %event.id, "actor.deleted without an actor id skipped");
                return Ok((txn, Vec::new()));
            };
            let changes = service::forget_actor(&txn, actor_id)
                .await
                .map_err(|err| DbErr::Custom(err.to_string()))?;
            Ok((txn, changes))
        })
    }

    fn committed(&self, changes: Vec<MemberChange>) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            if !changes.is_empty() {
                self.outbox.committed();
                announce(self.pubsub.as_ref(), &changes).await;
            }
        })
    }
}

/// Handles `world.events`: `world.territory_changed` moves the territory to the new
/// holder's list (or off every list when nobody holds it).
pub struct WorldEvents;

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct TerritoryChanged {
    territory_id: Uuid,
    zone_id: String,
    name: String,
    guild_id: Option<Uuid>,
}

impl EventHandler for WorldEvents {
    type Committed = ();

    fn apply<'a>(
        &'a self,
        event: &'a EventEnvelope,
        txn: DatabaseTransaction,
    ) -> BoxFuture<'a, Result<(DatabaseTransaction, ()), DbErr>> {
        Box::pin(async move {
            if event.event_type != "world.territory_changed" {
                return Ok((txn, ()));
            }
            match serde_json::from_value::<TerritoryChanged>(event.payload.clone()) {
                Ok(changed) => {
                    service::territory_changed(
                        &txn,
                        changed.territory_id,
                        changed.guild_id,
                        &changed.zone_id,
                        &changed.name,
                        event.occurred_at,
                    )
                    .await?;
                    tracing::info!(territory_id = %changed.territory_id, guild_id = ?changed.guild_id, "guild territories updated");
                }
                Err(err) => {
                    tracing::warn!(event_id = %event.id, cause = %err, "unreadable world.territory_changed skipped");
                }
            }
            Ok((txn, ()))
        })
    }

    fn committed(&self, (): ()) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
}
