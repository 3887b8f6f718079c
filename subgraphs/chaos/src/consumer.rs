//! Reactions to other services' events:
//! - inventory's (`inventory.item_used`, `inventory.equipment_changed`): the guaranteed
//!   path of item effects and equipment. Inventory also calls chaos synchronously;
//!   whichever arrives first applies, the other finds it done (item uses by use id,
//!   equipment by version).
//! - content's (`content.published` of a `SKILL`): the skill catalogue chaos enforces
//!   follows what admins publish.

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

/// Handles `content.events`: published skills replace chaos's catalogue entries.
pub struct ContentEvents;

/// A published skill as content sends it (camelCase, as in the graph).
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct PublishedSkill {
    id: String,
    name: String,
    #[serde(default)]
    description: String,
    class: String,
    unlock_level: i32,
    element: String,
    scaling: String,
    mp_cost: i32,
    cooldown_ms: i64,
    range: f64,
    base_damage: i32,
    power_ratio: f64,
    #[serde(default)]
    reagent_item_id: Option<String>,
}

async fn project_skill(txn: &DatabaseTransaction, skill: PublishedSkill) -> Result<(), DbErr> {
    use entities::chaos::skill_definition;
    use sea_orm::sea_query::OnConflict;
    use sea_orm::{EntityTrait, Set};
    skill_definition::Entity::insert(skill_definition::ActiveModel {
        id: Set(skill.id),
        name: Set(skill.name),
        class: Set(skill.class),
        unlock_level: Set(skill.unlock_level),
        element: Set(skill.element),
        scaling: Set(skill.scaling),
        mp_cost: Set(skill.mp_cost),
        cooldown_ms: Set(skill.cooldown_ms),
        range: Set(skill.range),
        base_damage: Set(skill.base_damage),
        power_ratio: Set(skill.power_ratio),
        reagent_item: Set(skill.reagent_item_id),
        description: Set(skill.description),
    })
    .on_conflict(
        OnConflict::column(skill_definition::Column::Id)
            .update_columns([
                skill_definition::Column::Name,
                skill_definition::Column::Class,
                skill_definition::Column::UnlockLevel,
                skill_definition::Column::Element,
                skill_definition::Column::Scaling,
                skill_definition::Column::MpCost,
                skill_definition::Column::CooldownMs,
                skill_definition::Column::Range,
                skill_definition::Column::BaseDamage,
                skill_definition::Column::PowerRatio,
                skill_definition::Column::ReagentItem,
                skill_definition::Column::Description,
            ])
            .to_owned(),
    )
    .exec(txn)
    .await?;
    Ok(())
}

impl EventHandler for ContentEvents {
    type Committed = ();

    fn apply<'a>(
        &'a self,
        event: &'a EventEnvelope,
        txn: DatabaseTransaction,
    ) -> BoxFuture<'a, Result<(DatabaseTransaction, ()), DbErr>> {
        Box::pin(async move {
            if event.event_type != "content.published" || event.payload["kind"] != "SKILL" {
                return Ok((txn, ()));
            }
            match serde_json::from_value::<PublishedSkill>(event.payload["definition"].clone()) {
                Ok(skill) => {
                    let id = skill.id.clone();
                    project_skill(&txn, skill).await?;
                    tracing::info!(skill = %id, "skill catalogue entry refreshed");
                }
                Err(err) => {
                    tracing::warn!(event_id = %event.id, cause = %err, "unreadable published skill skipped");
                }
            }
            Ok((txn, ()))
        })
    }

    fn committed(&self, (): ()) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
}
