//! Reactions to other services' events: guild membership (who may use a guild's
//! channel) and actor deletion (leave every joined channel). Once a change that takes
//! access away is committed, open `messageAdded` subscriptions of the player concerned
//! are told to check again (see [`crate::graphql::revoke_access`]).

use std::sync::Arc;

use futures_util::future::BoxFuture;
use sea_orm::{DatabaseTransaction, DbErr};
use subgraph_kit::events::consumer::EventHandler;
use subgraph_kit::events::EventEnvelope;
use subgraph_kit::pubsub::PubSub;
use uuid::Uuid;

use crate::channels::Channel;
use crate::graphql::revoke_access;
use crate::service;

/// Handles `guild.events` and `chaos.actor` events.
pub struct Projection {
    /// Where access revocations are announced.
    pub pubsub: Arc<dyn PubSub>,
}

fn uuid_field(event: &EventEnvelope, name: &str) -> Option<Uuid> {
    event.payload[name].as_str()?.parse().ok()
}

impl EventHandler for Projection {
    /// (channel, account) pairs that may have lost access.
    type Committed = Vec<(Channel, Uuid)>;

    fn apply<'a>(
        &'a self,
        event: &'a EventEnvelope,
        txn: DatabaseTransaction,
    ) -> BoxFuture<'a, Result<(DatabaseTransaction, Self::Committed), DbErr>> {
        Box::pin(async move {
            let mut revoked = Vec::new();
            match event.event_type.as_str() {
                "guild.member_joined" => service::project_guild_event(&txn, event).await?,
                "guild.member_left" => {
                    service::project_guild_event(&txn, event).await?;
                    if let (Some(guild_id), Some(user_id)) =
                        (uuid_field(event, "guildId"), uuid_field(event, "userId"))
                    {
                        revoked.push((Channel::Guild(guild_id), user_id));
                    }
                }
                "actor.deleted" => {
                    if let Some(actor_id) = uuid_field(event, "actorId") {
                        revoked = service::forget_actor(&txn, actor_id).await?;
                    }
                }
                _ => {}
            }
            Ok((txn, revoked))
        })
    }

    fn committed(&self, revoked: Vec<(Channel, Uuid)>) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            for (channel, user_id) in revoked {
                revoke_access(self.pubsub.as_ref(), &channel, user_id).await;
            }
        })
    }
}
