//! The inventory's commands. Each is one write transaction that first locks the
//! containers it touches (PostgreSQL `FOR UPDATE`, in id order so two commands never
//! wait on each other crosswise; SQLite's writer lock serializes anyway), so concurrent
//! commands on the same stacks queue instead of racing: counts never go negative and
//! items are never duplicated or lost. Value-moving commands record their idempotency
//! key and result in the same transaction; a replay answers with the first result.
//! Events go out through the outbox of the same transaction.

use std::collections::{BTreeSet, HashMap};

use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, SqlErr,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;
use subgraph_kit::auth::{Viewer, SCOPE_ADMIN};
use subgraph_kit::db::begin_write;
use subgraph_kit::directory::ActorDirectory;
use subgraph_kit::events::outbox::{self, OutboxSignal};
use subgraph_kit::events::{topics, EventEnvelope};
use subgraph_kit::peer::PeerClient;
use subgraph_kit::KitError;
use uuid::Uuid;

use entities::inventory::{container, guild_storage_entry, item, operation, trade, trade_offer};

use crate::catalog::{self, Component, ItemDef};
use crate::error::InventoryError;
use crate::settings::InventoryRules;

/// Container kind of an actor's bag.
const ACTOR: &str = "ACTOR";
/// Container kind of a guild's storage.
const GUILD: &str = "GUILD";

/// Most items one grant, craft or destroy may move.
const MAX_QUANTITY: i32 = 100_000;

/// Trade states.
pub const TRADE_OPEN: &str = "OPEN";
/// A trade whose items moved.
pub const TRADE_COMPLETED: &str = "COMPLETED";
/// A trade called off.
pub const TRADE_CANCELLED: &str = "CANCELLED";

/// The inventory service: its database and the peers it asks.
pub struct Inventory {
    /// The inventory database.
    pub db: DatabaseConnection,
    /// Actor existence and ownership (chaos).
    pub directory: ActorDirectory,
    /// Internal calls to chaos (effects, equipment).
    pub chaos: PeerClient,
    /// Guild standing lookups; `None` when no guild URL is configured.
    pub guild: Option<PeerClient>,
    /// Tunable rules.
    pub rules: InventoryRules,
    /// Wakes the outbox relay after commits.
    pub outbox: OutboxSignal,
}

/// A skill cast's reagent, consumed or voided.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReagentOutcome {
    /// The cast.
    pub cast_id: Uuid,
    /// The cast was given up before its reagent was taken: nothing was, or will be.
    pub voided: bool,
    /// True when this call replayed an earlier one.
    #[serde(skip)]
    pub replayed: bool,
}

/// What `useItem` did.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UseOutcome {
    /// The use's id (chaos applies its effects once per id).
    pub use_id: Uuid,
    /// The actor.
    pub actor_id: Uuid,
    /// The used stack.
    pub item_id: Uuid,
    /// What it was.
    pub item_definition_id: String,
    /// Left in the stack.
    pub remaining: i32,
    /// True when this call replayed an earlier one.
    #[serde(skip)]
    pub replayed: bool,
}

/// What a grant (admin, or a purchase delivered from payment) did.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantOutcome {
    /// The actor.
    pub actor_id: Uuid,
    /// What was granted.
    pub items: Vec<Component>,
    /// The stacks that received them.
    pub item_ids: Vec<Uuid>,
    /// True when this call replayed an earlier one.
    #[serde(skip)]
    pub replayed: bool,
}

/// What `craftItem` did.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CraftOutcome {
    /// The actor.
    pub actor_id: Uuid,
    /// The recipe.
    pub recipe_id: String,
    /// Consumed.
    pub consumed: Vec<Component>,
    /// Produced.
    pub produced: Vec<Component>,
    /// The stacks that received the products.
    pub item_ids: Vec<Uuid>,
    /// True when this call replayed an earlier one.
    #[serde(skip)]
    pub replayed: bool,
}

/// What `destroyItem` did.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DestroyOutcome {
    /// The actor.
    pub actor_id: Uuid,
    /// The stack.
    pub item_id: Uuid,
    /// How many were destroyed.
    pub destroyed: i32,
    /// Left in the stack.
    pub remaining: i32,
    /// True when this call replayed an earlier one.
    #[serde(skip)]
    pub replayed: bool,
}

/// What a guild storage deposit or withdrawal did.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StorageMove {
    /// The guild.
    pub guild_id: Uuid,
    /// The member's actor.
    pub actor_id: Uuid,
    /// `DEPOSIT` or `WITHDRAW`.
    pub direction: String,
    /// The item.
    pub item_definition_id: String,
    /// How many.
    pub quantity: i32,
    /// The stack that received them.
    pub item_id: Uuid,
    /// True when this call replayed an earlier one.
    #[serde(skip)]
    pub replayed: bool,
}

/// An actor's equipped set as chaos receives it (`setEquipment`,
/// `inventory.equipment_changed`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct EquipmentSet {
    actor_id: Uuid,
    version: i64,
    slots: Vec<serde_json::Value>,
}

/// An actor's guild and whether its role may withdraw from the storage.
#[derive(Debug, Clone, Copy)]
pub struct GuildStanding {
    /// The guild.
    pub guild_id: Uuid,
    /// Whether the role holds `WITHDRAW_STORAGE`.
    pub may_withdraw: bool,
}

fn check_key(key: &str) -> Result<&str, InventoryError> {
    let key = key.trim();
    if key.is_empty() || key.len() > 128 {
        return Err(
            KitError::BadUserInput("idempotency key must be 1-128 characters".into()).into(),
        );
    }
    Ok(key)
}

fn check_quantity(quantity: i32) -> Result<(), InventoryError> {
    if !(1..=MAX_QUANTITY).contains(&quantity) {
        return Err(KitError::BadUserInput(format!("quantity must be 1..={MAX_QUANTITY}")).into());
    }
    Ok(())
}

/// The result recorded under `key`, if any; the same key with another request is
/// `IDEMPOTENCY_KEY_REUSED`.
async fn recorded<T: DeserializeOwned>(
    db: &impl ConnectionTrait,
    key: &str,
    fingerprint: &str,
) -> Result<Option<T>, InventoryError> {
    let Some(row) = operation::Entity::find_by_id(key.to_string())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if row.fingerprint != fingerprint {
        return Err(InventoryError::IdempotencyKeyReused);
    }
    serde_json::from_value(row.result)
        .map(Some)
        .map_err(|err| KitError::Internal(format!("recorded result unreadable: {err}")).into())
}

/// A command's result, recorded under its idempotency key and answered to replays.
trait Outcome: Serialize + DeserializeOwned {
    /// Marks the result as an answer to a replay.
    fn mark_replayed(&mut self);
}

macro_rules! outcome {
    ($($type:ty),*) => {
        $(impl Outcome for $type {
            fn mark_replayed(&mut self) {
                self.replayed = true;
            }
        })*
    };
}

outcome!(
    ReagentOutcome,
    UseOutcome,
    GrantOutcome,
    CraftOutcome,
    DestroyOutcome,
    StorageMove
);

/// The result an earlier call recorded under `key`, marked replayed.
async fn replay<T: Outcome>(
    db: &impl ConnectionTrait,
    key: &str,
    fingerprint: &str,
) -> Result<Option<T>, InventoryError> {
    Ok(recorded::<T>(db, key, fingerprint)
        .await?
        .map(|mut previous| {
            previous.mark_replayed();
            previous
        }))
}

/// A concurrent call recorded `key` first: drops this call's writes and answers with
/// that call's result.
async fn lost_race<T: Outcome>(
    db: &DatabaseConnection,
    txn: DatabaseTransaction,
    key: &str,
    fingerprint: &str,
) -> Result<T, InventoryError> {
    txn.rollback().await?;
    replay(db, key, fingerprint)
        .await?
        .ok_or(InventoryError::IdempotencyKeyReused)
}

/// Records `result` under `key` in `txn`; `false` when a concurrent call recorded the
/// key first (the caller rolls back and answers with that one).
async fn record<T: Serialize>(
    txn: &DatabaseTransaction,
    key: &str,
    kind: &str,
    fingerprint: &str,
    result: &T,
) -> Result<bool, InventoryError> {
    let inserted = operation::ActiveModel {
        key: Set(key.to_string()),
        kind: Set(kind.to_string()),
        fingerprint: Set(fingerprint.to_string()),
        result: Set(json!(result)),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await;
    match inserted {
        Ok(_) => Ok(true),
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Ok(false)
        }
        Err(err) => Err(err.into()),
    }
}

/// Creates the container when missing and locks it.
async fn lock_container(
    txn: &DatabaseTransaction,
    owner_id: Uuid,
    kind: &str,
    user_id: Option<Uuid>,
) -> Result<container::Model, InventoryError> {
    container::Entity::insert(container::ActiveModel {
        owner_id: Set(owner_id),
        kind: Set(kind.to_string()),
        user_id: Set(user_id),
        equipment_version: Set(0),
        crafting_busy_until_ms: Set(0),
    })
    .on_conflict_do_nothing_on([container::Column::OwnerId])
    .exec(txn)
    .await?;
    Ok(container::Entity::find_by_id(owner_id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(KitError::Internal("container vanished".into()))?)
}

/// Locks two containers in id order.
async fn lock_pair(
    txn: &DatabaseTransaction,
    a: (Uuid, &str, Option<Uuid>),
    b: (Uuid, &str, Option<Uuid>),
) -> Result<(container::Model, container::Model), InventoryError> {
    if a.0 <= b.0 {
        let first = lock_container(txn, a.0, a.1, a.2).await?;
        let second = lock_container(txn, b.0, b.1, b.2).await?;
        Ok((first, second))
    } else {
        let second = lock_container(txn, b.0, b.1, b.2).await?;
        let first = lock_container(txn, a.0, a.1, a.2).await?;
        Ok((first, second))
    }
}

/// Stacks in use (non-empty, not equipped) in a container.
async fn stacks_used(txn: &DatabaseTransaction, owner_id: Uuid) -> Result<i32, InventoryError> {
    let used = item::Entity::find()
        .filter(item::Column::OwnerId.eq(owner_id))
        .filter(item::Column::Quantity.gt(0))
        .filter(item::Column::EquippedSlot.is_null())
        .count(txn)
        .await?;
    Ok(i32::try_from(used).unwrap_or(i32::MAX))
}

/// Where added items go and what a full container answers.
#[derive(Clone, Copy)]
struct Destination {
    owner_id: Uuid,
    /// Stack limit; `None` never refuses (purchases are delivered whatever the bag).
    capacity: Option<i32>,
    storage: bool,
}

impl Destination {
    fn full(&self) -> InventoryError {
        let capacity = self.capacity.unwrap_or(i32::MAX);
        if self.storage {
            InventoryError::StorageFull(capacity)
        } else {
            InventoryError::BagFull(capacity)
        }
    }
}

/// Adds `quantity` of `def` to a locked container: tops up its partial stacks, then
/// opens new ones. Returns the stacks that received items.
async fn add_items(
    txn: &DatabaseTransaction,
    to: Destination,
    def: &ItemDef,
    quantity: i32,
) -> Result<Vec<Uuid>, InventoryError> {
    let max_stack = def.max_stack.max(1);
    let mut remaining = quantity;
    let mut touched = Vec::new();
    let partial = item::Entity::find()
        .filter(item::Column::OwnerId.eq(to.owner_id))
        .filter(item::Column::DefinitionId.eq(&def.id))
        .filter(item::Column::EquippedSlot.is_null())
        .filter(item::Column::Quantity.gt(0))
        .filter(item::Column::Quantity.lt(max_stack))
        .order_by_asc(item::Column::CreatedAt)
        .order_by_asc(item::Column::Id)
        .all(txn)
        .await?;
    for stack in partial {
        if remaining == 0 {
            break;
        }
        let take = (max_stack - stack.quantity).min(remaining);
        let id = stack.id;
        let quantity = stack.quantity + take;
        let mut update: item::ActiveModel = stack.into();
        update.quantity = Set(quantity);
        update.update(txn).await?;
        remaining -= take;
        touched.push(id);
    }
    let mut used = if remaining > 0 && to.capacity.is_some() {
        stacks_used(txn, to.owner_id).await?
    } else {
        0
    };
    while remaining > 0 {
        if to.capacity.is_some_and(|capacity| used >= capacity) {
            return Err(to.full());
        }
        let take = max_stack.min(remaining);
        let created = item::ActiveModel {
            id: Set(Uuid::now_v7()),
            owner_id: Set(to.owner_id),
            definition_id: Set(def.id.clone()),
            quantity: Set(take),
            equipped_slot: Set(None),
            created_at: Set(Utc::now()),
        }
        .insert(txn)
        .await?;
        touched.push(created.id);
        remaining -= take;
        used += 1;
    }
    Ok(touched)
}

/// Takes `quantity` of `definition_id` from a locked container's unequipped stacks,
/// smallest stacks first.
async fn take_items(
    txn: &DatabaseTransaction,
    owner_id: Uuid,
    definition_id: &str,
    quantity: i32,
) -> Result<(), InventoryError> {
    let stacks = item::Entity::find()
        .filter(item::Column::OwnerId.eq(owner_id))
        .filter(item::Column::DefinitionId.eq(definition_id))
        .filter(item::Column::EquippedSlot.is_null())
        .filter(item::Column::Quantity.gt(0))
        .order_by_asc(item::Column::Quantity)
        .order_by_asc(item::Column::Id)
        .all(txn)
        .await?;
    let held: i32 = stacks.iter().map(|stack| stack.quantity).sum();
    if held < quantity {
        return Err(InventoryError::InsufficientQuantity(
            definition_id.to_string(),
        ));
    }
    let mut remaining = quantity;
    for stack in stacks {
        if remaining == 0 {
            break;
        }
        let take = stack.quantity.min(remaining);
        let left = stack.quantity - take;
        let mut update: item::ActiveModel = stack.into();
        update.quantity = Set(left);
        update.update(txn).await?;
        remaining -= take;
    }
    Ok(())
}

/// Sets a locked stack's quantity.
async fn set_quantity(
    txn: &DatabaseTransaction,
    stack: item::Model,
    quantity: i32,
) -> Result<(), InventoryError> {
    let mut update: item::ActiveModel = stack.into();
    update.quantity = Set(quantity);
    update.update(txn).await?;
    Ok(())
}

/// Moves `quantity` of a stack to another locked container: a whole stack changes hands
/// as it is (keeping its id), part of one merges into the destination's stacks.
async fn move_items(
    txn: &DatabaseTransaction,
    stack: item::Model,
    quantity: i32,
    def: &ItemDef,
    to: Destination,
) -> Result<Uuid, InventoryError> {
    if quantity > stack.quantity {
        return Err(InventoryError::InsufficientQuantity(stack.definition_id));
    }
    if quantity == stack.quantity {
        if let Some(capacity) = to.capacity {
            if stacks_used(txn, to.owner_id).await? >= capacity {
                return Err(to.full());
            }
        }
        let id = stack.id;
        let mut update: item::ActiveModel = stack.into();
        update.owner_id = Set(to.owner_id);
        update.update(txn).await?;
        return Ok(id);
    }
    let left = stack.quantity - quantity;
    set_quantity(txn, stack, left).await?;
    let touched = add_items(txn, to, def, quantity).await?;
    Ok(touched.last().copied().unwrap_or_default())
}

/// A stack of the locked container `owner_id`: `NOT_FOUND` when missing, `FORBIDDEN`
/// when it is someone else's.
async fn owned_stack(
    txn: &DatabaseTransaction,
    owner_id: Uuid,
    item_id: Uuid,
) -> Result<item::Model, InventoryError> {
    let stack = item::Entity::find_by_id(item_id)
        .one(txn)
        .await?
        .ok_or(KitError::NotFound("item"))?;
    if stack.owner_id != owner_id {
        return Err(KitError::Forbidden("the item belongs to someone else").into());
    }
    Ok(stack)
}

async fn enqueue(
    txn: &DatabaseTransaction,
    event_type: &str,
    actor_id: Uuid,
    user_id: Uuid,
    payload: serde_json::Value,
) -> Result<(), InventoryError> {
    let event = EventEnvelope::new(event_type, actor_id, payload).by(user_id);
    outbox::enqueue(txn, topics::INVENTORY, &event).await?;
    Ok(())
}

/// The equipped set of a locked actor container, at the next version.
async fn next_equipment(
    txn: &DatabaseTransaction,
    bag: container::Model,
) -> Result<EquipmentSet, InventoryError> {
    let worn = item::Entity::find()
        .filter(item::Column::OwnerId.eq(bag.owner_id))
        .filter(item::Column::EquippedSlot.is_not_null())
        .all(txn)
        .await?;
    let defs = catalog::items(txn, worn.iter().map(|w| w.definition_id.clone())).await?;
    let slots = worn
        .iter()
        .map(|w| {
            let modifiers = defs
                .get(&w.definition_id)
                .map(|def| def.stat_modifiers.clone())
                .filter(|m| m.is_object())
                .unwrap_or_else(|| json!({}));
            json!({
                "slot": w.equipped_slot,
                "itemInstanceId": w.id,
                "itemDefinitionId": w.definition_id,
                "modifiers": modifiers,
            })
        })
        .collect();
    let version = bag.equipment_version + 1;
    let actor_id = bag.owner_id;
    let mut update: container::ActiveModel = bag.into();
    update.equipment_version = Set(version);
    update.update(txn).await?;
    Ok(EquipmentSet {
        actor_id,
        version,
        slots,
    })
}

const APPLY_ITEM_USE: &str = "mutation($itemUse: JSON!) { applyItemUse(itemUse: $itemUse) { id } }";
const SET_EQUIPMENT: &str =
    "mutation($equipment: JSON!) { setEquipment(equipment: $equipment) { id } }";
const GUILD_STANDING: &str = "query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Actor { guild { id } guildRole { permissions } } } }";

#[derive(Deserialize)]
struct StandingData {
    #[serde(rename = "_entities")]
    entities: Vec<Option<StandingEntity>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StandingEntity {
    guild: Option<IdOnly>,
    guild_role: Option<RoleData>,
}

#[derive(Deserialize)]
struct IdOnly {
    id: Uuid,
}

#[derive(Deserialize)]
struct RoleData {
    permissions: Vec<String>,
}

impl Inventory {
    fn bag(&self, actor_id: Uuid) -> Destination {
        Destination {
            owner_id: actor_id,
            capacity: Some(self.rules.bag_capacity),
            storage: false,
        }
    }

    /// Tells chaos now; when that fails the committed outbox event tells it later.
    async fn tell_chaos(&self, query: &str, variables: serde_json::Value, actor_id: Uuid) {
        if let Err(err) = self
            .chaos
            .execute::<serde_json::Value>(query, variables)
            .await
        {
            tracing::warn!(%actor_id, cause = %err, "chaos not told synchronously; the event will deliver it");
        }
    }

    /// Whether `viewer` may see `actor_id`'s items: its owner or an admin.
    pub async fn authorize_read(
        &self,
        viewer: &Viewer,
        actor_id: Uuid,
    ) -> Result<(), InventoryError> {
        if viewer.has_scope(SCOPE_ADMIN) {
            return Ok(());
        }
        let known = container::Entity::find_by_id(actor_id)
            .one(&self.db)
            .await?
            .and_then(|bag| bag.user_id);
        match known {
            Some(user_id) if user_id == viewer.user_id => Ok(()),
            Some(_) => Err(KitError::Forbidden("the inventory belongs to another player").into()),
            None => {
                self.directory.owned_by(actor_id, viewer).await?;
                Ok(())
            }
        }
    }

    /// Non-empty stacks of each container, oldest first.
    pub async fn items_of(
        &self,
        owner_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<item::Model>>, KitError> {
        let rows = item::Entity::find()
            .filter(item::Column::OwnerId.is_in(owner_ids.iter().copied()))
            .filter(item::Column::Quantity.gt(0))
            .order_by_asc(item::Column::CreatedAt)
            .order_by_asc(item::Column::Id)
            .all(&self.db)
            .await?;
        let mut grouped: HashMap<Uuid, Vec<item::Model>> =
            owner_ids.iter().map(|id| (*id, Vec::new())).collect();
        for row in rows {
            grouped.entry(row.owner_id).or_default().push(row);
        }
        Ok(grouped)
    }

    /// Grants items to an actor (admins), once per idempotency key.
    pub async fn grant_item(
        &self,
        viewer: &Viewer,
        actor_id: Uuid,
        definition_id: &str,
        quantity: i32,
        key: &str,
    ) -> Result<GrantOutcome, InventoryError> {
        viewer.require_scope(SCOPE_ADMIN)?;
        check_quantity(quantity)?;
        let key = format!("grant:{}", check_key(key)?);
        let fingerprint = format!("{actor_id}:{definition_id}:{quantity}");
        if let Some(previous) = replay::<GrantOutcome>(&self.db, &key, &fingerprint).await? {
            return Ok(previous);
        }
        let actor = self.directory.get(actor_id).await?;
        let items = vec![Component {
            item_id: definition_id.to_string(),
            quantity,
        }];
        let outcome = self
            .grant(
                &key,
                &fingerprint,
                actor.id,
                actor.user_id,
                items,
                true,
                viewer.user_id,
            )
            .await?;
        Ok(outcome)
    }

    /// Delivers granted items (a purchase's `payment.grant_items`, a live event's
    /// `live_event.reward_granted`), once per `source` and grant id, whatever the bag
    /// holds: a paid-for or earned item is never refused.
    pub async fn deliver_grant(
        &self,
        txn: &DatabaseTransaction,
        source: &str,
        grant_id: &str,
        actor_id: Uuid,
        user_id: Uuid,
        items: Vec<Component>,
    ) -> Result<Option<GrantOutcome>, InventoryError> {
        let key = format!("{source}:{grant_id}");
        let fingerprint = format!("{actor_id}");
        if recorded::<GrantOutcome>(txn, &key, &fingerprint)
            .await?
            .is_some()
        {
            return Ok(None);
        }
        self.grant_in(txn, &key, &fingerprint, actor_id, user_id, items, false)
            .await
            .map(Some)
    }

    #[allow(clippy::too_many_arguments)]
    async fn grant(
        &self,
        key: &str,
        fingerprint: &str,
        actor_id: Uuid,
        user_id: Uuid,
        items: Vec<Component>,
        limited: bool,
        by: Uuid,
    ) -> Result<GrantOutcome, InventoryError> {
        let txn = begin_write(&self.db).await?;
        let outcome = self
            .grant_in(&txn, key, fingerprint, actor_id, user_id, items, limited)
            .await;
        match outcome {
            Ok(outcome) => {
                txn.commit().await?;
                self.outbox.committed();
                tracing::info!(%actor_id, granted_by = %by, key, "items granted");
                Ok(outcome)
            }
            Err(InventoryError::IdempotencyKeyReused) => {
                lost_race::<GrantOutcome>(&self.db, txn, key, fingerprint).await
            }
            Err(err) => Err(err),
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn grant_in(
        &self,
        txn: &DatabaseTransaction,
        key: &str,
        fingerprint: &str,
        actor_id: Uuid,
        user_id: Uuid,
        items: Vec<Component>,
        limited: bool,
    ) -> Result<GrantOutcome, InventoryError> {
        lock_container(txn, actor_id, ACTOR, Some(user_id)).await?;
        let to = Destination {
            capacity: limited.then_some(self.rules.bag_capacity),
            ..self.bag(actor_id)
        };
        let mut item_ids = Vec::new();
        for component in &items {
            let def = catalog::item(txn, &component.item_id).await?;
            item_ids.extend(add_items(txn, to, &def, component.quantity).await?);
        }
        let outcome = GrantOutcome {
            actor_id,
            items,
            item_ids,
            replayed: false,
        };
        // A concurrent grant with the same key recorded it first: ours rolls back.
        if !record(txn, key, "GRANT", fingerprint, &outcome).await? {
            return Err(InventoryError::IdempotencyKeyReused);
        }
        enqueue(
            txn,
            "inventory.items_granted",
            actor_id,
            user_id,
            json!({ "actorId": actor_id, "items": outcome.items, "source": key }),
        )
        .await?;
        Ok(outcome)
    }

    /// Uses one item of a stack: inventory consumes it, chaos applies its effects.
    pub async fn use_item(
        &self,
        viewer: &Viewer,
        actor_id: Uuid,
        item_id: Uuid,
        key: &str,
    ) -> Result<UseOutcome, InventoryError> {
        let key = format!("use:{actor_id}:{}", check_key(key)?);
        let fingerprint = item_id.to_string();
        let actor = self.directory.owned_by(actor_id, viewer).await?;
        if let Some(previous) = replay::<UseOutcome>(&self.db, &key, &fingerprint).await? {
            return Ok(previous);
        }
        let txn = begin_write(&self.db).await?;
        lock_container(&txn, actor.id, ACTOR, Some(actor.user_id)).await?;
        let stack = owned_stack(&txn, actor.id, item_id).await?;
        let def = catalog::item(&txn, &stack.definition_id).await?;
        if def.use_effects.is_empty() {
            return Err(InventoryError::NotUsable(def.id));
        }
        if stack.equipped_slot.is_some() {
            return Err(InventoryError::ItemEquipped);
        }
        if stack.quantity == 0 {
            return Err(InventoryError::StackEmpty);
        }
        let remaining = stack.quantity - 1;
        set_quantity(&txn, stack, remaining).await?;
        let outcome = UseOutcome {
            use_id: Uuid::now_v7(),
            actor_id: actor.id,
            item_id,
            item_definition_id: def.id.clone(),
            remaining,
            replayed: false,
        };
        if !record(&txn, &key, "USE", &fingerprint, &outcome).await? {
            return lost_race::<UseOutcome>(&self.db, txn, &key, &fingerprint).await;
        }
        let item_use = json!({
            "useId": outcome.use_id,
            "actorId": actor.id,
            "itemDefinitionId": def.id,
            "effects": def.use_effects,
        });
        enqueue(
            &txn,
            "inventory.item_used",
            actor.id,
            actor.user_id,
            item_use.clone(),
        )
        .await?;
        txn.commit().await?;
        self.outbox.committed();
        tracing::info!(actor_id = %actor.id, %item_id, item = %outcome.item_definition_id, remaining, "item used");
        self.tell_chaos(APPLY_ITEM_USE, json!({ "itemUse": item_use }), actor.id)
            .await;
        Ok(outcome)
    }

    /// Equips an item in its slot (what was there goes back to the bag); chaos updates
    /// the actor's equipment and stats before this returns (or shortly after, from the
    /// event, if it could not be reached).
    pub async fn equip_item(
        &self,
        viewer: &Viewer,
        actor_id: Uuid,
        item_id: Uuid,
    ) -> Result<item::Model, InventoryError> {
        let actor = self.directory.owned_by(actor_id, viewer).await?;
        let txn = begin_write(&self.db).await?;
        let bag = lock_container(&txn, actor.id, ACTOR, Some(actor.user_id)).await?;
        let stack = owned_stack(&txn, actor.id, item_id).await?;
        if stack.quantity == 0 {
            return Err(InventoryError::StackEmpty);
        }
        let def = catalog::item(&txn, &stack.definition_id).await?;
        let Some(slot) = def.equip_slot.clone() else {
            return Err(InventoryError::NotEquippable(def.id));
        };
        if stack.equipped_slot.as_deref() == Some(slot.as_str()) {
            txn.rollback().await?;
            return Ok(stack);
        }
        // One of a stack is worn; the rest stays in the bag, where what was worn in
        // the slot also goes back: that needs a free stack.
        let occupied = item::Entity::find()
            .filter(item::Column::OwnerId.eq(actor.id))
            .filter(item::Column::EquippedSlot.eq(slot.as_str()))
            .count(&txn)
            .await?
            > 0;
        if stack.quantity > 1
            && occupied
            && stacks_used(&txn, actor.id).await? >= self.rules.bag_capacity
        {
            return Err(InventoryError::BagFull(self.rules.bag_capacity));
        }
        let worn = if stack.quantity > 1 {
            let rest = stack.quantity - 1;
            let single = item::ActiveModel {
                id: Set(Uuid::now_v7()),
                owner_id: Set(actor.id),
                definition_id: Set(def.id.clone()),
                quantity: Set(1),
                equipped_slot: Set(None),
                created_at: Set(Utc::now()),
            }
            .insert(&txn)
            .await?;
            set_quantity(&txn, stack, rest).await?;
            single
        } else {
            stack
        };
        item::Entity::update_many()
            .col_expr(
                item::Column::EquippedSlot,
                sea_orm::sea_query::Expr::value(Option::<String>::None),
            )
            .filter(item::Column::OwnerId.eq(actor.id))
            .filter(item::Column::EquippedSlot.eq(slot.as_str()))
            .exec(&txn)
            .await?;
        let mut update: item::ActiveModel = worn.into();
        update.equipped_slot = Set(Some(slot.clone()));
        let worn = update.update(&txn).await?;
        let set = next_equipment(&txn, bag).await?;
        enqueue(
            &txn,
            "inventory.equipment_changed",
            actor.id,
            actor.user_id,
            json!(set),
        )
        .await?;
        txn.commit().await?;
        self.outbox.committed();
        tracing::info!(actor_id = %actor.id, item_id = %worn.id, slot, "item equipped");
        self.tell_chaos(SET_EQUIPMENT, json!({ "equipment": set }), actor.id)
            .await;
        Ok(worn)
    }

    /// Takes off what is worn in `slot` (it goes back to the bag, which needs room).
    pub async fn unequip_slot(
        &self,
        viewer: &Viewer,
        actor_id: Uuid,
        slot: &str,
    ) -> Result<Option<item::Model>, InventoryError> {
        let actor = self.directory.owned_by(actor_id, viewer).await?;
        let txn = begin_write(&self.db).await?;
        let bag = lock_container(&txn, actor.id, ACTOR, Some(actor.user_id)).await?;
        let Some(worn) = item::Entity::find()
            .filter(item::Column::OwnerId.eq(actor.id))
            .filter(item::Column::EquippedSlot.eq(slot))
            .one(&txn)
            .await?
        else {
            txn.rollback().await?;
            return Ok(None);
        };
        if stacks_used(&txn, actor.id).await? >= self.rules.bag_capacity {
            return Err(InventoryError::BagFull(self.rules.bag_capacity));
        }
        let mut update: item::ActiveModel = worn.into();
        update.equipped_slot = Set(None);
        let freed = update.update(&txn).await?;
        let set = next_equipment(&txn, bag).await?;
        enqueue(
            &txn,
            "inventory.equipment_changed",
            actor.id,
            actor.user_id,
            json!(set),
        )
        .await?;
        txn.commit().await?;
        self.outbox.committed();
        tracing::info!(actor_id = %actor.id, item_id = %freed.id, slot, "item unequipped");
        self.tell_chaos(SET_EQUIPMENT, json!({ "equipment": set }), actor.id)
            .await;
        Ok(Some(freed))
    }

    /// Destroys `quantity` of a stack, once per idempotency key.
    pub async fn destroy_item(
        &self,
        viewer: &Viewer,
        actor_id: Uuid,
        item_id: Uuid,
        quantity: i32,
        key: &str,
    ) -> Result<DestroyOutcome, InventoryError> {
        check_quantity(quantity)?;
        let key = format!("destroy:{actor_id}:{}", check_key(key)?);
        let fingerprint = format!("{item_id}:{quantity}");
        let actor = self.directory.owned_by(actor_id, viewer).await?;
        if let Some(previous) = replay::<DestroyOutcome>(&self.db, &key, &fingerprint).await? {
            return Ok(previous);
        }
        let txn = begin_write(&self.db).await?;
        lock_container(&txn, actor.id, ACTOR, Some(actor.user_id)).await?;
        let stack = owned_stack(&txn, actor.id, item_id).await?;
        if stack.equipped_slot.is_some() {
            return Err(InventoryError::ItemEquipped);
        }
        if stack.quantity == 0 {
            return Err(InventoryError::StackEmpty);
        }
        if stack.quantity < quantity {
            return Err(InventoryError::InsufficientQuantity(stack.definition_id));
        }
        let definition_id = stack.definition_id.clone();
        let remaining = stack.quantity - quantity;
        set_quantity(&txn, stack, remaining).await?;
        let outcome = DestroyOutcome {
            actor_id: actor.id,
            item_id,
            destroyed: quantity,
            remaining,
            replayed: false,
        };
        if !record(&txn, &key, "DESTROY", &fingerprint, &outcome).await? {
            return lost_race::<DestroyOutcome>(&self.db, txn, &key, &fingerprint).await;
        }
        enqueue(
            &txn,
            "inventory.items_destroyed",
            actor.id,
            actor.user_id,
            json!({ "actorId": actor.id, "itemId": item_id, "itemDefinitionId": definition_id, "quantity": quantity }),
        )
        .await?;
        txn.commit().await?;
        self.outbox.committed();
        Ok(outcome)
    }

    /// Crafts a recipe once: inputs consumed and outputs produced in one transaction.
    pub async fn craft(
        &self,
        viewer: &Viewer,
        actor_id: Uuid,
        recipe_id: &str,
        key: &str,
    ) -> Result<CraftOutcome, InventoryError> {
        let key = format!("craft:{actor_id}:{}", check_key(key)?);
        let fingerprint = recipe_id.to_string();
        let actor = self.directory.owned_by(actor_id, viewer).await?;
        if let Some(previous) = replay::<CraftOutcome>(&self.db, &key, &fingerprint).await? {
            return Ok(previous);
        }
        let txn = begin_write(&self.db).await?;
        let bag = lock_container(&txn, actor.id, ACTOR, Some(actor.user_id)).await?;
        let recipe = catalog::recipe(&txn, recipe_id).await?;
        let now = Utc::now().timestamp_millis();
        if bag.crafting_busy_until_ms > now {
            return Err(InventoryError::CraftingBusy(
                bag.crafting_busy_until_ms - now,
            ));
        }
        for input in &recipe.inputs {
            take_items(&txn, actor.id, &input.item_id, input.quantity).await?;
        }
        let mut item_ids = Vec::new();
        for output in &recipe.outputs {
            let def = catalog::item(&txn, &output.item_id).await?;
            item_ids.extend(add_items(&txn, self.bag(actor.id), &def, output.quantity).await?);
        }
        let mut update: container::ActiveModel = bag.into();
        update.crafting_busy_until_ms = Set(now + recipe.crafting_time_ms.max(0));
        update.update(&txn).await?;
        let outcome = CraftOutcome {
            actor_id: actor.id,
            recipe_id: recipe.id.clone(),
            consumed: recipe.inputs.clone(),
            produced: recipe.outputs.clone(),
            item_ids,
            replayed: false,
        };
        if !record(&txn, &key, "CRAFT", &fingerprint, &outcome).await? {
            return lost_race::<CraftOutcome>(&self.db, txn, &key, &fingerprint).await;
        }
        enqueue(
            &txn,
            "inventory.item_crafted",
            actor.id,
            actor.user_id,
            json!({ "actorId": actor.id, "recipeId": recipe.id, "consumed": outcome.consumed, "produced": outcome.produced }),
        )
        .await?;
        txn.commit().await?;
        self.outbox.committed();
        tracing::info!(actor_id = %actor.id, recipe = %outcome.recipe_id, "item crafted");
        Ok(outcome)
    }

    /// Consumes a skill cast's reagent from the caster's bag, once per cast id
    /// (internal: chaos). A cast chaos gave up first is `REAGENT_VOIDED`.
    pub async fn consume_reagent(
        &self,
        cast_id: Uuid,
        actor_id: Uuid,
        user_id: Uuid,
        definition_id: &str,
        quantity: i32,
    ) -> Result<ReagentOutcome, InventoryError> {
        check_quantity(quantity)?;
        let key = format!("reagent:{cast_id}");
        let fingerprint = format!("{actor_id}:{definition_id}:{quantity}");
        let answer = |outcome: ReagentOutcome| {
            if outcome.voided {
                Err(InventoryError::ReagentVoided)
            } else {
                Ok(outcome)
            }
        };
        if let Some(previous) = replay::<ReagentOutcome>(&self.db, &key, &fingerprint).await? {
            return answer(previous);
        }
        let txn = begin_write(&self.db).await?;
        lock_container(&txn, actor_id, ACTOR, Some(user_id)).await?;
        take_items(&txn, actor_id, definition_id, quantity).await?;
        let outcome = ReagentOutcome {
            cast_id,
            voided: false,
            replayed: false,
        };
        if !record(&txn, &key, "REAGENT", &fingerprint, &outcome).await? {
            return answer(lost_race::<ReagentOutcome>(&self.db, txn, &key, &fingerprint).await?);
        }
        enqueue(
            &txn,
            "inventory.items_destroyed",
            actor_id,
            user_id,
            json!({ "actorId": actor_id, "itemDefinitionId": definition_id, "quantity": quantity, "reason": "SKILL_REAGENT", "castId": cast_id }),
        )
        .await?;
        txn.commit().await?;
        self.outbox.committed();
        Ok(outcome)
    }

    /// Gives a compensated cast's reagent back, once (internal: chaos). If the reagent
    /// was never consumed, the cast's consumption is voided instead, so a late one
    /// takes nothing. Answers whether items were given back.
    pub async fn refund_reagent(
        &self,
        cast_id: Uuid,
        actor_id: Uuid,
        user_id: Uuid,
        definition_id: &str,
        quantity: i32,
    ) -> Result<bool, InventoryError> {
        check_quantity(quantity)?;
        let key = format!("reagent:{cast_id}");
        let refund_key = format!("reagent-refund:{cast_id}");
        let fingerprint = format!("{actor_id}:{definition_id}:{quantity}");
        let txn = begin_write(&self.db).await?;
        lock_container(&txn, actor_id, ACTOR, Some(user_id)).await?;
        let consumed = recorded::<ReagentOutcome>(&txn, &key, &fingerprint).await?;
        let refunded = match consumed {
            Some(outcome) if outcome.voided => false,
            Some(_) => {
                let voided = ReagentOutcome {
                    cast_id,
                    voided: true,
                    replayed: false,
                };
                if !record(&txn, &refund_key, "REAGENT_REFUND", &fingerprint, &voided).await? {
                    // Refunded before.
                    txn.rollback().await?;
                    return Ok(true);
                }
                let def = catalog::item(&txn, definition_id).await?;
                let unlimited = Destination {
                    owner_id: actor_id,
                    capacity: None,
                    storage: false,
                };
                add_items(&txn, unlimited, &def, quantity).await?;
                enqueue(
                    &txn,
                    "inventory.items_granted",
                    actor_id,
                    user_id,
                    json!({ "actorId": actor_id, "items": [{ "itemId": definition_id, "quantity": quantity }], "source": format!("reagent-refund:{cast_id}") }),
                )
                .await?;
                true
            }
            None => {
                let voided = ReagentOutcome {
                    cast_id,
                    voided: true,
                    replayed: false,
                };
                if !record(&txn, &key, "REAGENT", &fingerprint, &voided).await? {
                    txn.rollback().await?;
                    return Err(
                        KitError::Internal("reagent consumption raced its refund".into()).into(),
                    );
                }
                false
            }
        };
        txn.commit().await?;
        self.outbox.committed();
        Ok(refunded)
    }

    /// A trade the viewer takes part in.
    pub async fn trade_for(
        &self,
        viewer: &Viewer,
        trade_id: Uuid,
    ) -> Result<(trade::Model, Vec<trade_offer::Model>), InventoryError> {
        let found = trade::Entity::find_by_id(trade_id)
            .one(&self.db)
            .await?
            .ok_or(KitError::NotFound("trade"))?;
        self.party_of(viewer, &found).await?;
        let offers = offers_of(&self.db, trade_id).await?;
        Ok((found, offers))
    }

    /// The side of `trade` the viewer's actor is on (its actor id), or `FORBIDDEN`.
    async fn party_of(
        &self,
        viewer: &Viewer,
        found: &trade::Model,
    ) -> Result<Uuid, InventoryError> {
        let parties = self
            .directory
            .find(&[found.initiator_actor_id, found.partner_actor_id])
            .await?;
        parties
            .values()
            .find(|actor| actor.user_id == viewer.user_id)
            .map(|actor| actor.id)
            .ok_or_else(|| KitError::Forbidden("not a party to this trade").into())
    }

    /// Opens a trade between the viewer's actor and another actor.
    pub async fn propose_trade(
        &self,
        viewer: &Viewer,
        actor_id: Uuid,
        partner_actor_id: Uuid,
    ) -> Result<trade::Model, InventoryError> {
        if actor_id == partner_actor_id {
            return Err(KitError::BadUserInput("an actor cannot trade with itself".into()).into());
        }
        self.directory.owned_by(actor_id, viewer).await?;
        self.directory.get(partner_actor_id).await?;
        let now = Utc::now();
        let created = trade::ActiveModel {
            id: Set(Uuid::now_v7()),
            initiator_actor_id: Set(actor_id),
            partner_actor_id: Set(partner_actor_id),
            status: Set(TRADE_OPEN.to_string()),
            initiator_confirmed: Set(false),
            partner_confirmed: Set(false),
            created_at: Set(now),
            expires_at: Set(now + Duration::minutes(self.rules.trade_ttl_minutes)),
            closed_at: Set(None),
        }
        .insert(&self.db)
        .await?;
        tracing::info!(trade_id = %created.id, %actor_id, %partner_actor_id, "trade proposed");
        Ok(created)
    }

    /// Locks an open trade the viewer's `actor_id` takes part in.
    async fn lock_open_trade(
        &self,
        txn: &DatabaseTransaction,
        trade_id: Uuid,
        actor_id: Uuid,
    ) -> Result<trade::Model, InventoryError> {
        let found = trade::Entity::find_by_id(trade_id)
            .lock_exclusive()
            .one(txn)
            .await?
            .ok_or(KitError::NotFound("trade"))?;
        if found.initiator_actor_id != actor_id && found.partner_actor_id != actor_id {
            return Err(KitError::Forbidden("not a party to this trade").into());
        }
        if found.status != TRADE_OPEN || found.expires_at <= Utc::now() {
            return Err(InventoryError::TradeNotOpen);
        }
        Ok(found)
    }

    /// Replaces the viewer's side of an open trade; both confirmations are withdrawn.
    pub async fn set_trade_offer(
        &self,
        viewer: &Viewer,
        trade_id: Uuid,
        actor_id: Uuid,
        offered: Vec<(Uuid, i32)>,
    ) -> Result<trade::Model, InventoryError> {
        if offered.len() > self.rules.max_trade_items {
            return Err(KitError::BadUserInput(format!(
                "at most {} items per side",
                self.rules.max_trade_items
            ))
            .into());
        }
        let distinct: BTreeSet<Uuid> = offered.iter().map(|(id, _)| *id).collect();
        if distinct.len() != offered.len() {
            return Err(KitError::BadUserInput("each item may be offered once".into()).into());
        }
        for (_, quantity) in &offered {
            check_quantity(*quantity)?;
        }
        self.directory.owned_by(actor_id, viewer).await?;
        let txn = begin_write(&self.db).await?;
        let found = self.lock_open_trade(&txn, trade_id, actor_id).await?;
        let mut offers = Vec::with_capacity(offered.len());
        for (item_id, quantity) in offered {
            let stack = owned_stack(&txn, actor_id, item_id).await?;
            check_tradable(&txn, &stack, quantity).await?;
            offers.push(trade_offer::ActiveModel {
                id: Set(Uuid::now_v7()),
                trade_id: Set(trade_id),
                actor_id: Set(actor_id),
                item_id: Set(item_id),
                definition_id: Set(stack.definition_id),
                quantity: Set(quantity),
            });
        }
        trade_offer::Entity::delete_many()
            .filter(trade_offer::Column::TradeId.eq(trade_id))
            .filter(trade_offer::Column::ActorId.eq(actor_id))
            .exec(&txn)
            .await?;
        for offer in offers {
            offer.insert(&txn).await?;
        }
        let mut update: trade::ActiveModel = found.into();
        update.initiator_confirmed = Set(false);
        update.partner_confirmed = Set(false);
        let updated = update.update(&txn).await?;
        txn.commit().await?;
        Ok(updated)
    }

    /// Confirms the viewer's side; when both sides have confirmed, every offered item
    /// moves in this one transaction (or nothing does).
    pub async fn confirm_trade(
        &self,
        viewer: &Viewer,
        trade_id: Uuid,
        actor_id: Uuid,
    ) -> Result<trade::Model, InventoryError> {
        let me = self.directory.owned_by(actor_id, viewer).await?;
        let txn = begin_write(&self.db).await?;
        let found = self.lock_open_trade(&txn, trade_id, actor_id).await?;
        let initiator = found.initiator_actor_id;
        let partner = found.partner_actor_id;
        let (initiator_confirmed, partner_confirmed) = if actor_id == initiator {
            (true, found.partner_confirmed)
        } else {
            (found.initiator_confirmed, true)
        };
        let mut update: trade::ActiveModel = found.into();
        update.initiator_confirmed = Set(initiator_confirmed);
        update.partner_confirmed = Set(partner_confirmed);
        if !(initiator_confirmed && partner_confirmed) {
            let updated = update.update(&txn).await?;
            txn.commit().await?;
            return Ok(updated);
        }
        // Both confirmed: lock both bags (id order) and move everything.
        lock_pair(&txn, (initiator, ACTOR, None), (partner, ACTOR, None)).await?;
        let offers = offers_of(&txn, trade_id).await?;
        for offer in &offers {
            let to = if offer.actor_id == initiator {
                partner
            } else {
                initiator
            };
            let stack = item::Entity::find_by_id(offer.item_id)
                .one(&txn)
                .await?
                .filter(|stack| {
                    stack.owner_id == offer.actor_id
                        && stack.equipped_slot.is_none()
                        && stack.quantity >= offer.quantity
                })
                .ok_or(InventoryError::TradeItemsChanged)?;
            let def = catalog::item(&txn, &stack.definition_id).await?;
            move_items(&txn, stack, offer.quantity, &def, self.bag(to)).await?;
        }
        update.status = Set(TRADE_COMPLETED.to_string());
        update.closed_at = Set(Some(Utc::now()));
        let updated = update.update(&txn).await?;
        let given = |side: Uuid| -> Vec<Component> {
            offers
                .iter()
                .filter(|offer| offer.actor_id == side)
                .map(|offer| Component {
                    item_id: offer.definition_id.clone(),
                    quantity: offer.quantity,
                })
                .collect()
        };
        enqueue(
            &txn,
            "inventory.trade_completed",
            initiator,
            me.user_id,
            json!({
                "tradeId": trade_id,
                "initiatorActorId": initiator,
                "partnerActorId": partner,
                "initiatorGave": given(initiator),
                "partnerGave": given(partner),
            }),
        )
        .await?;
        txn.commit().await?;
        self.outbox.committed();
        tracing::info!(%trade_id, %initiator, %partner, items = offers.len(), "trade completed");
        Ok(updated)
    }

    /// Calls off an open trade.
    pub async fn cancel_trade(
        &self,
        viewer: &Viewer,
        trade_id: Uuid,
        actor_id: Uuid,
    ) -> Result<trade::Model, InventoryError> {
        self.directory.owned_by(actor_id, viewer).await?;
        let txn = begin_write(&self.db).await?;
        let found = self.lock_open_trade(&txn, trade_id, actor_id).await?;
        let mut update: trade::ActiveModel = found.into();
        update.status = Set(TRADE_CANCELLED.to_string());
        update.closed_at = Set(Some(Utc::now()));
        let updated = update.update(&txn).await?;
        txn.commit().await?;
        Ok(updated)
    }

    /// The actor's guild and storage permission, asked of the guild service.
    pub async fn guild_standing(&self, actor_id: Uuid) -> Result<GuildStanding, InventoryError> {
        let guild = self
            .guild
            .as_ref()
            .ok_or(KitError::Unavailable("the guild service"))?;
        let data: StandingData = guild
            .execute(
                GUILD_STANDING,
                json!({ "representations": [{ "__typename": "Actor", "id": actor_id }] }),
            )
            .await?;
        let standing = data
            .entities
            .into_iter()
            .next()
            .flatten()
            .ok_or(InventoryError::NotInGuild)?;
        let guild_id = standing.guild.ok_or(InventoryError::NotInGuild)?.id;
        let may_withdraw = standing
            .guild_role
            .is_some_and(|role| role.permissions.iter().any(|p| p == "WITHDRAW_STORAGE"));
        Ok(GuildStanding {
            guild_id,
            may_withdraw,
        })
    }

    /// Moves items between the actor's bag and its guild's storage (deposit: any
    /// member; withdraw: `WITHDRAW_STORAGE`), logged, once per idempotency key.
    #[allow(clippy::too_many_arguments)]
    pub async fn move_guild_storage(
        &self,
        viewer: &Viewer,
        actor_id: Uuid,
        item_id: Uuid,
        quantity: i32,
        deposit: bool,
        key: &str,
    ) -> Result<StorageMove, InventoryError> {
        check_quantity(quantity)?;
        let direction = if deposit { "DEPOSIT" } else { "WITHDRAW" };
        let key = format!("storage:{actor_id}:{}", check_key(key)?);
        let fingerprint = format!("{direction}:{item_id}:{quantity}");
        let actor = self.directory.owned_by(actor_id, viewer).await?;
        if let Some(previous) = replay::<StorageMove>(&self.db, &key, &fingerprint).await? {
            return Ok(previous);
        }
        let standing = self.guild_standing(actor.id).await?;
        if !deposit && !standing.may_withdraw {
            return Err(InventoryError::MissingGuildPermission("WITHDRAW_STORAGE"));
        }
        let storage = Destination {
            owner_id: standing.guild_id,
            capacity: Some(self.rules.guild_storage_capacity),
            storage: true,
        };
        let txn = begin_write(&self.db).await?;
        lock_pair(
            &txn,
            (actor.id, ACTOR, Some(actor.user_id)),
            (standing.guild_id, GUILD, None),
        )
        .await?;
        let (from, to) = if deposit {
            (actor.id, storage)
        } else {
            (standing.guild_id, self.bag(actor.id))
        };
        let stack = owned_stack(&txn, from, item_id).await?;
        if stack.equipped_slot.is_some() {
            return Err(InventoryError::ItemEquipped);
        }
        if stack.quantity == 0 {
            return Err(InventoryError::StackEmpty);
        }
        let def = check_tradable(&txn, &stack, quantity).await?;
        let received = move_items(&txn, stack, quantity, &def, to).await?;
        guild_storage_entry::ActiveModel {
            id: Set(Uuid::now_v7()),
            guild_id: Set(standing.guild_id),
            actor_id: Set(actor.id),
            user_id: Set(actor.user_id),
            direction: Set(direction.to_string()),
            definition_id: Set(def.id.clone()),
            quantity: Set(quantity),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await?;
        let outcome = StorageMove {
            guild_id: standing.guild_id,
            actor_id: actor.id,
            direction: direction.to_string(),
            item_definition_id: def.id.clone(),
            quantity,
            item_id: received,
            replayed: false,
        };
        if !record(&txn, &key, "STORAGE", &fingerprint, &outcome).await? {
            return lost_race::<StorageMove>(&self.db, txn, &key, &fingerprint).await;
        }
        enqueue(
            &txn,
            "inventory.guild_storage_moved",
            actor.id,
            actor.user_id,
            json!(outcome),
        )
        .await?;
        txn.commit().await?;
        self.outbox.committed();
        tracing::info!(actor_id = %actor.id, guild_id = %standing.guild_id, direction, item = %def.id, quantity, "guild storage moved");
        Ok(outcome)
    }

    /// The storage log of a guild, newest first.
    pub async fn guild_storage_log(
        &self,
        guild_id: Uuid,
        limit: u64,
    ) -> Result<Vec<guild_storage_entry::Model>, InventoryError> {
        Ok(guild_storage_entry::Entity::find()
            .filter(guild_storage_entry::Column::GuildId.eq(guild_id))
            .order_by_desc(guild_storage_entry::Column::CreatedAt)
            .order_by_desc(guild_storage_entry::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?)
    }
}

/// Removes a deleted actor's bag (its items and container) and cancels its open trades.
pub async fn forget_actor(txn: &DatabaseTransaction, actor_id: Uuid) -> Result<(), InventoryError> {
    // Locked first, as every command does, so a grant racing the deletion waits.
    lock_container(txn, actor_id, ACTOR, None).await?;
    item::Entity::delete_many()
        .filter(item::Column::OwnerId.eq(actor_id))
        .exec(txn)
        .await?;
    container::Entity::delete_by_id(actor_id).exec(txn).await?;
    trade::Entity::update_many()
        .col_expr(
            trade::Column::Status,
            sea_orm::sea_query::Expr::value(TRADE_CANCELLED),
        )
        .col_expr(
            trade::Column::ClosedAt,
            sea_orm::sea_query::Expr::value(Some(Utc::now())),
        )
        .filter(trade::Column::Status.eq(TRADE_OPEN))
        .filter(
            sea_orm::Condition::any()
                .add(trade::Column::InitiatorActorId.eq(actor_id))
                .add(trade::Column::PartnerActorId.eq(actor_id)),
        )
        .exec(txn)
        .await?;
    Ok(())
}

/// The definition of an item about to change hands, if it may.
async fn check_tradable(
    txn: &DatabaseTransaction,
    stack: &item::Model,
    quantity: i32,
) -> Result<ItemDef, InventoryError> {
    if stack.equipped_slot.is_some() {
        return Err(InventoryError::ItemEquipped);
    }
    if stack.quantity < quantity {
        return Err(InventoryError::InsufficientQuantity(
            stack.definition_id.clone(),
        ));
    }
    let def = catalog::item(txn, &stack.definition_id).await?;
    if !def.tradable {
        return Err(InventoryError::NotTradable(def.id));
    }
    Ok(def)
}

/// The offers of a trade, in offer order.
pub async fn offers_of(
    db: &impl ConnectionTrait,
    trade_id: Uuid,
) -> Result<Vec<trade_offer::Model>, InventoryError> {
    Ok(trade_offer::Entity::find()
        .filter(trade_offer::Column::TradeId.eq(trade_id))
        .order_by_asc(trade_offer::Column::Id)
        .all(db)
        .await?)
}
