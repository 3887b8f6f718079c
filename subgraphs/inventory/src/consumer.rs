//! Reactions to other services' events:
//! - `content.published` (content): item definitions and recipes refresh the
//!   catalogue projection (newer versions win).
//! - `payment.grant_items` (payment) and `live_event.reward_granted` (events): granted
//!   items are delivered once per grant id.
//! - `actor.deleted` (chaos): the actor's bag goes with it and its open trades close.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use sea_orm::{DatabaseTransaction, DbErr};
use serde::Deserialize;
use subgraph_kit::events::consumer::EventHandler;
use subgraph_kit::events::topics::ContentPublished;
use subgraph_kit::events::EventEnvelope;
use subgraph_kit::ErrorCode;
use uuid::Uuid;

use crate::catalog::{self, Component};
use crate::service::Inventory;

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
            if let Some(published) =
                ContentPublished::of_kind(event, &[catalog::ITEM, catalog::RECIPE])
            {
                catalog::project(
                    &txn,
                    &published.kind,
                    &published.id,
                    published.version,
                    published.definition,
                )
                .await?;
                tracing::info!(kind = %published.kind, id = %published.id, version = published.version, "catalogue entry refreshed");
            }
            Ok((txn, ()))
        })
    }

    fn committed(&self, (): ()) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
}

/// Handles item grants other services ask for: `payment.grant_items` (purchases, on
/// `payment.events`) and `live_event.reward_granted` (live event rewards, on
/// `live_events.events`); both carry `grantId`, `actorId` and `items`.
pub struct GrantEvents {
    /// The service (its rules and outbox signal).
    pub inventory: Arc<Inventory>,
    /// The event type that asks for a grant.
    pub event_type: &'static str,
    /// Which grants these are; grant ids are unique per source.
    pub source: &'static str,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GrantItems {
    grant_id: String,
    actor_id: Uuid,
    items: Vec<GrantedItem>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GrantedItem {
    definition_id: String,
    quantity: i32,
}

impl EventHandler for GrantEvents {
    type Committed = bool;

    fn apply<'a>(
        &'a self,
        event: &'a EventEnvelope,
        txn: DatabaseTransaction,
    ) -> BoxFuture<'a, Result<(DatabaseTransaction, bool), DbErr>> {
        Box::pin(async move {
            if event.event_type != self.event_type {
                return Ok((txn, false));
            }
            let grant = match serde_json::from_value::<GrantItems>(event.payload.clone()) {
                Ok(grant) => grant,
                Err(err) => {
                    tracing::error!(event_id = %event.id, event_type = self.event_type, cause = %err, "unreadable item grant skipped");
                    return Ok((txn, false));
                }
            };
            let user_id = event.user_id.unwrap_or_default();
            // A failure (e.g. an item content has not published yet) is retried: a
            // paid-for item is never dropped.
            let delivered = self
                .inventory
                .deliver_grant(
                    &txn,
                    self.source,
                    &grant.grant_id,
                    grant.actor_id,
                    user_id,
                    grant
                        .items
                        .into_iter()
                        .map(|item| Component {
                            item_id: item.definition_id,
                            quantity: item.quantity,
                        })
                        .collect(),
                )
                .await
                .map_err(|err| DbErr::Custom(format!("{}: {err}", err.code())))?;
            if delivered.is_some() {
                tracing::info!(source = self.source, grant_id = %grant.grant_id, actor_id = %grant.actor_id, "granted items delivered");
            }
            Ok((txn, delivered.is_some()))
        })
    }

    fn committed(&self, delivered: bool) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            if delivered {
                self.inventory.outbox.committed();
            }
        })
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
            crate::service::forget_actor(&txn, actor_id)
                .await
                .map_err(|err| DbErr::Custom(format!("{}: {err}", err.code())))?;
            tracing::info!(%actor_id, "deleted actor's bag removed");
            Ok((txn, ()))
        })
    }

    fn committed(&self, (): ()) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
}
