//! Reactions to other services' events: guild membership (who may use a guild's
//! channel) and actor deletion (leave every joined channel).

use futures_util::future::BoxFuture;
use sea_orm::{DatabaseTransaction, DbErr};
use subgraph_kit::events::consumer::EventHandler;
use subgraph_kit::events::EventEnvelope;
use uuid::Uuid;

use crate::service;

/// Handles `guild.events` and `chaos.actor` events.
pub struct Projection;

impl EventHandler for Projection {
    type Committed = ();

    fn apply<'a>(
        &'a self,
        event: &'a EventEnvelope,
        txn: DatabaseTransaction,
    ) -> BoxFuture<'a, Result<(DatabaseTransaction, ()), DbErr>> {
        Box::pin(async move {
            match event.event_type.as_str() {
                "guild.member_joined" | "guild.member_left" => {
                    service::project_guild_event(&txn, event).await?;
                }
                "actor.deleted" => {
                    if let Some(actor_id) = event.payload["actorId"]
                        .as_str()
                        .and_then(|id| id.parse::<Uuid>().ok())
                    {
                        service::forget_actor(&txn, actor_id).await?;
                    }
                }
                _ => {}
            }
            Ok((txn, ()))
        })
    }

    fn committed(&self, (): ()) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
}
