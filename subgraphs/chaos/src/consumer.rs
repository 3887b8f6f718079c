//! Reactions to inventory's events: the guaranteed path of item effects and equipment.
//! Inventory also calls chaos synchronously; whichever arrives first applies, the other
//! finds it done (item uses by use id, equipment by version).

use std::sync::Arc;

use futures_util::future::BoxFuture;
use sea_orm::{DatabaseTransaction, DbErr};
use subgraph_kit::events::consumer::EventHandler;
use subgraph_kit::events::outbox::OutboxSignal;
use subgraph_kit::events::EventEnvelope;
use subgraph_kit::pubsub::PubSub;
use subgraph_kit::{ErrorCode, KitError};

use entities::chaos::actor;

use crate::error::ChaosError;
use crate::graphql::announce;
use crate::items::{self, EquipmentSet, ItemUse};

/// Handles `inventory.events`.
pub struct InventoryEvents {
    /// Live fan-out of changed actors.
    pub pubsub: Arc<dyn PubSub>,
    /// Wakes the relay for the events the reaction wrote.
    pub outbox: OutboxSignal,
}

/// An event that can never apply (its actor is gone, or it is malformed) is skipped
/// with a warning instead of blocking the partition; anything else is retried.
fn settle(
    event: &EventEnvelope,
    result: Result<Option<actor::Model>, ChaosError>,
) -> Result<Option<actor::Model>, DbErr> {
    match result {
        Ok(actor) => Ok(actor),
        Err(ChaosError::Kit(KitError::NotFound(_) | KitError::BadUserInput(_))) => {
            tracing::warn!(event_id = %event.id, event_type = %event.event_type, "inventory event cannot apply, skipped");
            Ok(None)
        }
        Err(err) => Err(DbErr::Custom(format!("{}: {err}", err.code()))),
    }
}

impl EventHandler for InventoryEvents {
    type Committed = Option<actor::Model>;

    fn apply<'a>(
        &'a self,
        event: &'a EventEnvelope,
        txn: DatabaseTransaction,
    ) -> BoxFuture<'a, Result<(DatabaseTransaction, Self::Committed), DbErr>> {
        Box::pin(async move {
            let changed = match event.event_type.as_str() {
                "inventory.item_used" => {
                    match serde_json::from_value::<ItemUse>(event.payload.clone()) {
                        Ok(item_use) => {
                            settle(event, items::apply_item_use(&txn, &item_use).await)?
                        }
                        Err(err) => {
                            settle(event, Err(KitError::BadUserInput(err.to_string()).into()))?
                        }
                    }
                }
                "inventory.equipment_changed" => {
                    match serde_json::from_value::<EquipmentSet>(event.payload.clone()) {
                        Ok(set) => settle(event, items::apply_equipment(&txn, &set).await)?,
                        Err(err) => {
                            settle(event, Err(KitError::BadUserInput(err.to_string()).into()))?
                        }
                    }
                }
                _ => None,
            };
            Ok((txn, changed))
        })
    }

    fn committed(&self, changed: Option<actor::Model>) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            if let Some(actor) = changed {
                self.outbox.committed();
                announce(self.pubsub.as_ref(), actor.id, Some(&actor)).await;
            }
        })
    }
}
