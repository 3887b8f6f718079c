//! What items do to actors. Inventory owns the items; chaos owns their effect on an
//! actor: restored HP/MP and timed buffs from a used item, stat modifiers from the
//! equipped set. Inventory tells chaos twice: synchronously through internal mutations
//! (so the player's result already shows the change) and through its outbox events
//! (`inventory.item_used`, `inventory.equipment_changed`), so a failed call is made up
//! for. Both paths land here and apply once: item uses by their use id, equipment by
//! its version (an older set never overwrites a newer one).

use std::collections::HashMap;

use actor_core::StatModifiers;
use chrono::Utc;
use sea_orm::QuerySelect;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use subgraph_kit::events::{outbox, EventEnvelope};
use subgraph_kit::KitError;
use uuid::Uuid;

use entities::chaos::{actor, actor_buff, applied_item_use, equipment_slot, equipment_version};

use crate::error::ChaosError;
use crate::service::{now_ms, sheet, Loadout};
use crate::ACTOR_EVENTS_TOPIC;

/// Longest buff accepted (1 hour).
const MAX_BUFF_MS: i64 = 3_600_000;

/// One effect of a used item, as content defines it (`ItemEffect` in the graph).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ItemEffect {
    /// Restores HP (capped at max).
    HealHp {
        /// HP restored.
        amount: u32,
    },
    /// Restores MP (capped at max).
    RestoreMp {
        /// MP restored.
        amount: u32,
    },
    /// Changes stats for a while.
    #[serde(rename_all = "camelCase")]
    Buff {
        /// The stat changes.
        modifiers: StatModifiers,
        /// How long, in milliseconds.
        duration_ms: i64,
    },
}

/// One use of an item by an actor (payload of `inventory.item_used`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemUse {
    /// Inventory's id of this use; effects apply once per use id.
    pub use_id: Uuid,
    /// The actor using the item.
    pub actor_id: Uuid,
    /// The item's definition (content id).
    pub item_definition_id: String,
    /// What it does.
    pub effects: Vec<ItemEffect>,
}

/// One equipped item (part of [`EquipmentSet`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EquippedItem {
    /// Slot code (`MAIN_HAND`, …).
    pub slot: String,
    /// Inventory's item instance.
    pub item_instance_id: Uuid,
    /// Content's definition id.
    pub item_definition_id: String,
    /// The item's stat modifiers.
    pub modifiers: StatModifiers,
}

/// An actor's whole equipped set at one version (payload of
/// `inventory.equipment_changed`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EquipmentSet {
    /// The actor.
    pub actor_id: Uuid,
    /// Inventory's equipment version for this actor; increases with every change.
    pub version: i64,
    /// Everything equipped (empty slots absent).
    pub slots: Vec<EquippedItem>,
}

fn validate_effects(effects: &[ItemEffect]) -> Result<(), ChaosError> {
    for effect in effects {
        if let ItemEffect::Buff { duration_ms, .. } = effect {
            if !(1..=MAX_BUFF_MS).contains(duration_ms) {
                return Err(KitError::BadUserInput(format!(
                    "buff duration must be 1..={MAX_BUFF_MS} ms"
                ))
                .into());
            }
        }
    }
    Ok(())
}

/// Loads and locks the actor (PostgreSQL `FOR UPDATE`): the synchronous call and the
/// event of one change, or two changes, then apply one after the other.
async fn load_actor(txn: &DatabaseTransaction, actor_id: Uuid) -> Result<actor::Model, ChaosError> {
    Ok(actor::Entity::find_by_id(actor_id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(KitError::NotFound("actor"))?)
}

/// An actor's equipment and buffs still running at `now`.
pub async fn loadout(
    db: &impl ConnectionTrait,
    actor_id: Uuid,
    now: i64,
) -> Result<Loadout, KitError> {
    Ok(loadouts(db, &[actor_id], now)
        .await?
        .remove(&actor_id)
        .unwrap_or_default())
}

/// Equipment and running buffs of each actor.
pub async fn loadouts(
    db: &impl ConnectionTrait,
    actor_ids: &[Uuid],
    now: i64,
) -> Result<HashMap<Uuid, Loadout>, KitError> {
    let mut loadouts: HashMap<Uuid, Loadout> = actor_ids
        .iter()
        .map(|id| (*id, Loadout::default()))
        .collect();
    let equipment = equipment_slot::Entity::find()
        .filter(equipment_slot::Column::ActorId.is_in(actor_ids.iter().copied()))
        .all(db)
        .await?;
    for row in equipment {
        loadouts
            .entry(row.actor_id)
            .or_default()
            .equipment
            .push(row);
    }
    let buffs = actor_buff::Entity::find()
        .filter(actor_buff::Column::ActorId.is_in(actor_ids.iter().copied()))
        .filter(actor_buff::Column::ExpiresAtMs.gt(now))
        .all(db)
        .await?;
    for row in buffs {
        loadouts.entry(row.actor_id).or_default().buffs.push(row);
    }
    Ok(loadouts)
}

/// Applies `item_use` once: `Some(actor)` as it left the actor, `None` when this use
/// was applied before (by the other path, or a replay).
pub async fn apply_item_use(
    txn: &DatabaseTransaction,
    item_use: &ItemUse,
) -> Result<Option<actor::Model>, ChaosError> {
    validate_effects(&item_use.effects)?;
    // The actor's row lock first, then the check: the player's call and the outbox
    // event race for the same use, and a check made before waiting for the lock would
    // miss the other path's commit (its insert then fails on the use id).
    let actor = load_actor(txn, item_use.actor_id).await?;
    if applied_item_use::Entity::find_by_id(item_use.use_id)
        .one(txn)
        .await?
        .is_some()
    {
        return Ok(None);
    }
    let now = now_ms();
    let previous = loadout(txn, actor.id, now).await?;
    let mut current = previous.clone();
    let mut hp_restored = 0;
    let mut mp_restored = 0;
    for effect in &item_use.effects {
        match effect {
            ItemEffect::HealHp { amount } => hp_restored += amount,
            ItemEffect::RestoreMp { amount } => mp_restored += amount,
            ItemEffect::Buff {
                modifiers,
                duration_ms,
            } => {
                let buff = actor_buff::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    actor_id: Set(actor.id),
                    item_definition_id: Set(item_use.item_definition_id.clone()),
                    modifiers: Set(json!(modifiers)),
                    expires_at_ms: Set(now + duration_ms),
                }
                .insert(txn)
                .await?;
                current.buffs.push(buff);
            }
        }
    }
    // Pools are settled at the old stats, then rescaled to the new maxima (a vitality
    // buff raises max HP), then restored.
    let before = sheet(&actor, &previous, now);
    let after = sheet(&actor, &current, now);
    let hp = before
        .hp
        .settled(now)
        .rescaled(after.hp.max(), after.hp.regen_per_sec(), now)
        .restore(hp_restored, now);
    let mp = before
        .mp
        .settled(now)
        .rescaled(after.mp.max(), after.mp.regen_per_sec(), now)
        .restore(mp_restored, now);
    let stamina = before.stamina.settled(now).rescaled(
        after.stamina.max(),
        after.stamina.regen_per_sec(),
        now,
    );
    let mut update: actor::ActiveModel = actor.clone().into();
    update.hp = Set(hp.stored().0);
    update.mp = Set(mp.stored().0);
    update.stamina = Set(stamina.stored().0);
    update.resources_updated_at_ms = Set(now);
    let updated = update.update(txn).await?;
    applied_item_use::ActiveModel {
        use_id: Set(item_use.use_id),
        actor_id: Set(actor.id),
        applied_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    actor_buff::Entity::delete_many()
        .filter(actor_buff::Column::ActorId.eq(actor.id))
        .filter(actor_buff::Column::ExpiresAtMs.lte(now))
        .exec(txn)
        .await?;
    let event = EventEnvelope::new(
        "actor.item_effects_applied",
        actor.id,
        json!({
            "actorId": actor.id,
            "useId": item_use.use_id,
            "itemDefinitionId": item_use.item_definition_id,
            "hpRestored": hp_restored,
            "mpRestored": mp_restored,
        }),
    )
    .by(actor.user_id);
    outbox::enqueue(txn, ACTOR_EVENTS_TOPIC, &event).await?;
    tracing::info!(actor_id = %actor.id, use_id = %item_use.use_id, item = %item_use.item_definition_id, "item effects applied");
    Ok(Some(updated))
}

/// Replaces the actor's equipment with `set` unless a set of the same or a newer
/// version was applied: `Some(actor)` when applied, `None` when stale.
pub async fn apply_equipment(
    txn: &DatabaseTransaction,
    set: &EquipmentSet,
) -> Result<Option<actor::Model>, ChaosError> {
    for item in &set.slots {
        if !crate::graphql::EquipSlot::is_code(&item.slot) {
            return Err(KitError::BadUserInput(format!("unknown slot `{}`", item.slot)).into());
        }
    }
    let actor = load_actor(txn, set.actor_id).await?;
    let stored = equipment_version::Entity::find_by_id(actor.id)
        .one(txn)
        .await?;
    if stored.as_ref().is_some_and(|v| v.version >= set.version) {
        return Ok(None);
    }
    let now = now_ms();
    let before_loadout = loadout(txn, actor.id, now).await?;
    let before = sheet(&actor, &before_loadout, now);
    equipment_slot::Entity::delete_many()
        .filter(equipment_slot::Column::ActorId.eq(actor.id))
        .exec(txn)
        .await?;
    let mut equipment = Vec::with_capacity(set.slots.len());
    for item in &set.slots {
        equipment.push(
            equipment_slot::ActiveModel {
                actor_id: Set(actor.id),
                slot: Set(item.slot.clone()),
                item_instance_id: Set(item.item_instance_id),
                item_definition_id: Set(item.item_definition_id.clone()),
                modifiers: Set(json!(item.modifiers)),
            }
            .insert(txn)
            .await?,
        );
    }
    let after = sheet(
        &actor,
        &Loadout {
            equipment,
            buffs: before_loadout.buffs,
        },
        now,
    );
    // Current values carry over, clamped to the new maxima.
    let mut update: actor::ActiveModel = actor.clone().into();
    update.hp = Set(before
        .hp
        .settled(now)
        .rescaled(after.hp.max(), after.hp.regen_per_sec(), now)
        .stored()
        .0);
    update.mp = Set(before
        .mp
        .settled(now)
        .rescaled(after.mp.max(), after.mp.regen_per_sec(), now)
        .stored()
        .0);
    update.stamina = Set(before
        .stamina
        .settled(now)
        .rescaled(after.stamina.max(), after.stamina.regen_per_sec(), now)
        .stored()
        .0);
    update.resources_updated_at_ms = Set(now);
    let updated = update.update(txn).await?;
    let version = equipment_version::ActiveModel {
        actor_id: Set(actor.id),
        version: Set(set.version),
    };
    if stored.is_some() {
        version.update(txn).await?;
    } else {
        version.insert(txn).await?;
    }
    tracing::info!(actor_id = %actor.id, version = set.version, items = set.slots.len(), "equipment applied");
    Ok(Some(updated))
}

/// Applies `item_use` in its own transaction: the actor as it is now, and whether this
/// call applied the effects (false: applied before).
pub async fn use_item(
    db: &sea_orm::DatabaseConnection,
    item_use: &ItemUse,
) -> Result<(actor::Model, bool), ChaosError> {
    let txn = subgraph_kit::db::begin_write(db).await?;
    let applied = apply_item_use(&txn, item_use).await?;
    let actor = match &applied {
        Some(actor) => actor.clone(),
        None => load_actor(&txn, item_use.actor_id).await?,
    };
    txn.commit().await?;
    Ok((actor, applied.is_some()))
}

/// Applies `set` in its own transaction: the actor as it is now, and whether this call
/// changed the equipment (false: the same or a newer version was applied before).
pub async fn equip(
    db: &sea_orm::DatabaseConnection,
    set: &EquipmentSet,
) -> Result<(actor::Model, bool), ChaosError> {
    let txn = subgraph_kit::db::begin_write(db).await?;
    let applied = apply_equipment(&txn, set).await?;
    let actor = match &applied {
        Some(actor) => actor.clone(),
        None => load_actor(&txn, set.actor_id).await?,
    };
    txn.commit().await?;
    Ok((actor, applied.is_some()))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use subgraph_kit::auth::Viewer;
    use subgraph_kit::testing::TestDatabase;

    use super::*;
    use crate::settings::RuleSettings;

    /// The player's call and the outbox event apply the same use at the same moment
    /// (on PostgreSQL in the engine pass): the later one waits for the actor's lock,
    /// then sees the use applied.
    #[tokio::test]
    async fn a_use_applied_while_another_path_waits_applies_once() {
        let database = TestDatabase::create("chaos").await;
        let db = subgraph_kit::db::connect_and_migrate::<migrations::chaos::Migrator>(
            &database.settings,
        )
        .await
        .expect("migrates");
        let viewer = Viewer {
            user_id: Uuid::new_v4(),
            username: "healer".into(),
            scopes: vec![],
            session_id: Uuid::new_v4(),
        };
        let actor = crate::service::create_actor(
            &db,
            &RuleSettings::default(),
            &viewer,
            "Healer",
            actor_core::Class::Mage,
        )
        .await
        .expect("creates the actor");
        let item_use = ItemUse {
            use_id: Uuid::new_v4(),
            actor_id: actor.id,
            item_definition_id: "health_potion".into(),
            effects: vec![ItemEffect::HealHp { amount: 50 }],
        };

        let first = subgraph_kit::db::begin_write(&db).await.expect("begins");
        assert!(apply_item_use(&first, &item_use)
            .await
            .expect("applies")
            .is_some());
        let second = tokio::spawn({
            let (db, item_use) = (db.clone(), item_use.clone());
            async move { use_item(&db, &item_use).await }
        });
        // Let the second path reach the actor's lock before the first commits.
        tokio::time::sleep(Duration::from_millis(300)).await;
        first.commit().await.expect("commits");
        let (_, applied) = second
            .await
            .expect("the task finishes")
            .expect("the second path succeeds");
        assert!(!applied, "the use applies once");
        let uses = applied_item_use::Entity::find()
            .filter(applied_item_use::Column::ActorId.eq(actor.id))
            .all(&db)
            .await
            .expect("reads");
        assert_eq!(uses.len(), 1);
    }
}
