//! The part of content's catalogue inventory enforces: item definitions (stacking,
//! slots, effects, tradability) and recipes, projected from `content.published` events
//! into `inventory_catalog`. Inventory never reads content's store.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};

use entities::inventory::catalog_entry;

use crate::error::InventoryError;

/// Catalogue kind of item definitions.
pub const ITEM: &str = "ITEM";
/// Catalogue kind of recipes.
pub const RECIPE: &str = "RECIPE";

/// An item definition, as far as inventory cares.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemDef {
    /// Definition id.
    pub id: String,
    /// How many fit in one stack.
    pub max_stack: i32,
    /// Slot code when equippable.
    #[serde(default)]
    pub equip_slot: Option<String>,
    /// Stat changes while equipped (passed to chaos as is).
    #[serde(default)]
    pub stat_modifiers: serde_json::Value,
    /// Effects on use (passed to chaos as is); empty: not usable.
    #[serde(default)]
    pub use_effects: Vec<serde_json::Value>,
    /// Whether it may change hands (trades, guild storage).
    pub tradable: bool,
}

/// One ingredient or product of a recipe.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Component {
    /// Item definition id.
    pub item_id: String,
    /// How many.
    pub quantity: i32,
}

/// A recipe.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecipeDef {
    /// Recipe id.
    pub id: String,
    /// Consumed.
    pub inputs: Vec<Component>,
    /// Produced.
    pub outputs: Vec<Component>,
    /// How long the actor is busy crafting, in milliseconds.
    pub crafting_time_ms: i64,
}

/// Stores a published definition unless a newer version is already stored.
pub async fn project(
    db: &impl ConnectionTrait,
    kind: &str,
    id: &str,
    version: i32,
    definition: serde_json::Value,
) -> Result<(), DbErr> {
    let stored = catalog_entry::Entity::find_by_id((kind.to_string(), id.to_string()))
        .one(db)
        .await?;
    if stored.as_ref().is_some_and(|row| row.version >= version) {
        return Ok(());
    }
    catalog_entry::Entity::insert(catalog_entry::ActiveModel {
        kind: Set(kind.to_string()),
        id: Set(id.to_string()),
        version: Set(version),
        definition: Set(definition),
        updated_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::columns([catalog_entry::Column::Kind, catalog_entry::Column::Id])
            .update_columns([
                catalog_entry::Column::Version,
                catalog_entry::Column::Definition,
                catalog_entry::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

fn decode<T: for<'de> Deserialize<'de>>(row: catalog_entry::Model) -> Result<T, InventoryError> {
    serde_json::from_value(row.definition).map_err(|err| {
        subgraph_kit::KitError::Internal(format!("catalogue entry unreadable: {err}")).into()
    })
}

/// The published item `id`, or `UNKNOWN_ITEM`.
pub async fn item(db: &impl ConnectionTrait, id: &str) -> Result<ItemDef, InventoryError> {
    let row = catalog_entry::Entity::find_by_id((ITEM.to_string(), id.to_string()))
        .one(db)
        .await?
        .ok_or_else(|| InventoryError::UnknownItem(id.to_string()))?;
    decode(row)
}

/// The published items among `ids`, by id.
pub async fn items(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = String>,
) -> Result<HashMap<String, ItemDef>, InventoryError> {
    let rows = catalog_entry::Entity::find()
        .filter(catalog_entry::Column::Kind.eq(ITEM))
        .filter(catalog_entry::Column::Id.is_in(ids))
        .all(db)
        .await?;
    rows.into_iter()
        .map(|row| decode::<ItemDef>(row).map(|def| (def.id.clone(), def)))
        .collect()
}

/// The published recipe `id`, or `UNKNOWN_RECIPE`.
pub async fn recipe(db: &impl ConnectionTrait, id: &str) -> Result<RecipeDef, InventoryError> {
    let row = catalog_entry::Entity::find_by_id((RECIPE.to_string(), id.to_string()))
        .one(db)
        .await?
        .ok_or_else(|| InventoryError::UnknownRecipe(id.to_string()))?;
    decode(row)
}
