//! The federated schema of the inventory service: extends `Actor` with `inventory` and
//! `guildStorage`; references content's `ItemDefinition`; mutations for grants, use,
//! equipment, crafting, destroying, trades and the guild storage. `actorId` arguments
//! name the signed-in player's acting actor.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, Enum, InputObject, Object, Schema, SimpleObject, ID};
use chrono::{DateTime, Utc};
use subgraph_kit::dataloader::{load_failed, loader, LoadError};
use subgraph_kit::peer::require_internal;
use subgraph_kit::sdl::authenticated;
use subgraph_kit::{parse_id, ApiResult, ContextAuthExt};
use uuid::Uuid;

use entities::inventory::{guild_storage_entry, item, trade, trade_offer};

use crate::catalog::Component;
use crate::service::{self, Inventory};

/// The executable inventory schema.
pub type InventorySchema = Schema<Query, Mutation, async_graphql::EmptySubscription>;

/// Builds the schema; `inventory` is `None` only for exporting the SDL.
pub fn schema(inventory: Option<Arc<Inventory>>) -> InventorySchema {
    subgraph_kit::server::federated_schema(
        Query,
        Mutation,
        async_graphql::EmptySubscription,
        inventory,
    )
}

fn inventory<'a>(ctx: &Context<'a>) -> &'a Inventory {
    ctx.data_unchecked::<Arc<Inventory>>()
}

/// Adds fresh loaders to a request's data.
pub fn attach_loaders(data: &mut async_graphql::Data, inventory: &Arc<Inventory>) {
    data.insert(DataLoader::new(
        ItemsByOwner(inventory.clone()),
        tokio::spawn,
    ));
}

/// Non-empty stacks of each container, so N actors' inventories are one query.
pub struct ItemsByOwner(Arc<Inventory>);

impl Loader<Uuid> for ItemsByOwner {
    type Value = Vec<item::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        self.0.items_of(keys).await.map_err(Arc::new)
    }
}

async fn items_of(ctx: &Context<'_>, owner_id: Uuid) -> ApiResult<Vec<item::Model>> {
    Ok(loader::<ItemsByOwner>(ctx)?
        .load_one(owner_id)
        .await
        .map_err(load_failed)?
        .unwrap_or_default())
}

/// An equipment slot.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum EquipSlot {
    Head,
    Chest,
    Legs,
    Feet,
    Hands,
    MainHand,
    OffHand,
    Ring,
    Amulet,
}

impl EquipSlot {
    const ALL: [EquipSlot; 9] = [
        EquipSlot::Head,
        EquipSlot::Chest,
        EquipSlot::Legs,
        EquipSlot::Feet,
        EquipSlot::Hands,
        EquipSlot::MainHand,
        EquipSlot::OffHand,
        EquipSlot::Ring,
        EquipSlot::Amulet,
    ];

    fn code(self) -> &'static str {
        match self {
            EquipSlot::Head => "HEAD",
            EquipSlot::Chest => "CHEST",
            EquipSlot::Legs => "LEGS",
            EquipSlot::Feet => "FEET",
            EquipSlot::Hands => "HANDS",
            EquipSlot::MainHand => "MAIN_HAND",
            EquipSlot::OffHand => "OFF_HAND",
            EquipSlot::Ring => "RING",
            EquipSlot::Amulet => "AMULET",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|slot| slot.code() == code)
    }
}

/// `Actor` as inventory extends it (owned by chaos).
pub struct ActorRef {
    id: Uuid,
}

fn actor(id: Uuid) -> ActorRef {
    ActorRef { id }
}

#[Object(name = "Actor")]
impl ActorRef {
    /// Actor id.
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }
    /// The actor's bag (its owner and admins only).
    #[graphql(directive = authenticated::apply())]
    async fn inventory(&self, ctx: &Context<'_>) -> ApiResult<ActorInventory> {
        let viewer = ctx.viewer()?;
        let inventory = inventory(ctx);
        inventory.authorize_read(viewer, self.id).await?;
        let items = items_of(ctx, self.id).await?;
        let used = items.iter().filter(|i| i.equipped_slot.is_none()).count();
        Ok(ActorInventory {
            capacity: inventory.rules.bag_capacity,
            used: i32::try_from(used).unwrap_or(i32::MAX),
            items: items.into_iter().map(InventoryItem).collect(),
        })
    }
    /// The storage of the actor's guild (its owner only, while a member).
    #[graphql(directive = authenticated::apply())]
    async fn guild_storage(&self, ctx: &Context<'_>) -> ApiResult<GuildStorage> {
        let viewer = ctx.viewer()?;
        let inventory = inventory(ctx);
        inventory.directory.owned_by(self.id, viewer).await?;
        let standing = inventory.guild_standing(self.id).await?;
        let items = items_of(ctx, standing.guild_id).await?;
        Ok(GuildStorage {
            guild_id: standing.guild_id,
            capacity: inventory.rules.guild_storage_capacity,
            items: items.into_iter().map(InventoryItem).collect(),
        })
    }
}

/// An item definition: what every instance of the item is.
#[derive(SimpleObject)]
#[graphql(name = "ItemDefinition", unresolvable = "id")]
pub struct ItemDefinitionRef {
    /// Stable id, e.g. `health_potion` (`[a-z0-9_]{2,64}`).
    id: ID,
}

/// An actor's bag.
#[derive(SimpleObject)]
pub struct ActorInventory {
    /// Stacks the bag holds (equipped items do not count).
    capacity: i32,
    /// Stacks in the bag now.
    used: i32,
    /// Every stack, equipped items included, oldest first.
    items: Vec<InventoryItem>,
}

/// A stack of items (or one item: equipment stacks to one).
pub struct InventoryItem(item::Model);

#[Object]
impl InventoryItem {
    /// Instance id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The definition's id.
    async fn definition_id(&self) -> &str {
        &self.0.definition_id
    }
    /// The definition (resolved by content).
    async fn definition(&self) -> ItemDefinitionRef {
        ItemDefinitionRef {
            id: ID(self.0.definition_id.clone()),
        }
    }
    /// How many.
    async fn quantity(&self) -> i32 {
        self.0.quantity
    }
    /// Where it is worn, if equipped.
    async fn equipped_slot(&self) -> Option<EquipSlot> {
        self.0
            .equipped_slot
            .as_deref()
            .and_then(EquipSlot::from_code)
    }
    /// When the stack was created.
    async fn acquired_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A guild's shared storage.
pub struct GuildStorage {
    guild_id: Uuid,
    capacity: i32,
    items: Vec<InventoryItem>,
}

#[Object]
impl GuildStorage {
    /// The guild.
    async fn guild_id(&self) -> ID {
        ID(self.guild_id.to_string())
    }
    /// Stacks the storage holds.
    async fn capacity(&self) -> i32 {
        self.capacity
    }
    /// The stored stacks, oldest first.
    async fn items(&self) -> &[InventoryItem] {
        &self.items
    }
    /// Who put in or took out what, newest first (at most `limit`, default 50, max 200).
    async fn log(
        &self,
        ctx: &Context<'_>,
        limit: Option<i32>,
    ) -> ApiResult<Vec<GuildStorageEntry>> {
        let limit = u64::try_from(limit.unwrap_or(50).clamp(1, 200)).unwrap_or(50);
        Ok(inventory(ctx)
            .guild_storage_log(self.guild_id, limit)
            .await?
            .into_iter()
            .map(GuildStorageEntry)
            .collect())
    }
}

/// One guild storage movement.
pub struct GuildStorageEntry(guild_storage_entry::Model);

#[Object]
impl GuildStorageEntry {
    /// The member's actor.
    async fn actor(&self) -> ActorRef {
        actor(self.0.actor_id)
    }
    /// `DEPOSIT` or `WITHDRAW`.
    async fn direction(&self) -> &str {
        &self.0.direction
    }
    /// The item.
    async fn item_definition_id(&self) -> &str {
        &self.0.definition_id
    }
    /// How many.
    async fn quantity(&self) -> i32 {
        self.0.quantity
    }
    /// When.
    async fn at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// An item definition and a count.
#[derive(SimpleObject)]
pub struct ItemQuantity {
    /// Item definition id.
    item_id: String,
    /// How many.
    quantity: i32,
}

fn quantities(components: &[Component]) -> Vec<ItemQuantity> {
    components
        .iter()
        .map(|c| ItemQuantity {
            item_id: c.item_id.clone(),
            quantity: c.quantity,
        })
        .collect()
}

/// The stacks `ids` still in `owner_id`'s bag, as they are now.
async fn stacks(ctx: &Context<'_>, owner_id: Uuid, ids: &[Uuid]) -> ApiResult<Vec<InventoryItem>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let rows = item::Entity::find()
        .filter(item::Column::Id.is_in(ids.iter().copied()))
        .filter(item::Column::OwnerId.eq(owner_id))
        .all(&inventory(ctx).db)
        .await
        .map_err(subgraph_kit::KitError::from)?;
    Ok(rows.into_iter().map(InventoryItem).collect())
}

/// What `grantItem` did.
pub struct ItemGrant(service::GrantOutcome);

#[Object]
impl ItemGrant {
    /// The actor.
    async fn actor(&self) -> ActorRef {
        actor(self.0.actor_id)
    }
    /// What was granted.
    async fn items(&self) -> Vec<ItemQuantity> {
        quantities(&self.0.items)
    }
    /// The stacks that received the items, as they are now.
    async fn stacks(&self, ctx: &Context<'_>) -> ApiResult<Vec<InventoryItem>> {
        stacks(ctx, self.0.actor_id, &self.0.item_ids).await
    }
    /// True when this call replayed an earlier grant with the same idempotency key.
    async fn replayed(&self) -> bool {
        self.0.replayed
    }
}

/// What `useItem` did.
pub struct ItemUseResult(service::UseOutcome);

#[Object]
impl ItemUseResult {
    /// This use's id.
    async fn use_id(&self) -> ID {
        ID(self.0.use_id.to_string())
    }
    /// The actor, with the effect applied by chaos.
    async fn actor(&self) -> ActorRef {
        actor(self.0.actor_id)
    }
    /// The used item's definition id.
    async fn item_definition_id(&self) -> &str {
        &self.0.item_definition_id
    }
    /// Left in the stack after this use.
    async fn remaining(&self) -> i32 {
        self.0.remaining
    }
    /// True when this call replayed an earlier use with the same idempotency key.
    async fn replayed(&self) -> bool {
        self.0.replayed
    }
}

/// What an equipment change did.
#[derive(SimpleObject)]
pub struct EquipResult {
    /// The actor, with its equipment and stats as chaos now has them.
    actor: ActorRef,
    /// The item equipped (or taken off); null when the slot was empty.
    item: Option<InventoryItem>,
}

/// What `craftItem` did.
pub struct CraftResult(service::CraftOutcome);

#[Object]
impl CraftResult {
    /// The actor.
    async fn actor(&self) -> ActorRef {
        actor(self.0.actor_id)
    }
    /// The recipe.
    async fn recipe_id(&self) -> &str {
        &self.0.recipe_id
    }
    /// Consumed.
    async fn consumed(&self) -> Vec<ItemQuantity> {
        quantities(&self.0.consumed)
    }
    /// Produced.
    async fn produced(&self) -> Vec<ItemQuantity> {
        quantities(&self.0.produced)
    }
    /// The stacks that received the products, as they are now.
    async fn stacks(&self, ctx: &Context<'_>) -> ApiResult<Vec<InventoryItem>> {
        stacks(ctx, self.0.actor_id, &self.0.item_ids).await
    }
    /// True when this call replayed an earlier craft with the same idempotency key.
    async fn replayed(&self) -> bool {
        self.0.replayed
    }
}

/// What `destroyItem` did.
pub struct DestroyResult(service::DestroyOutcome);

#[Object]
impl DestroyResult {
    /// The actor.
    async fn actor(&self) -> ActorRef {
        actor(self.0.actor_id)
    }
    /// The stack.
    async fn item_id(&self) -> ID {
        ID(self.0.item_id.to_string())
    }
    /// How many were destroyed.
    async fn destroyed(&self) -> i32 {
        self.0.destroyed
    }
    /// Left in the stack.
    async fn remaining(&self) -> i32 {
        self.0.remaining
    }
    /// True when this call replayed an earlier one with the same idempotency key.
    async fn replayed(&self) -> bool {
        self.0.replayed
    }
}

/// What a guild storage deposit or withdrawal did.
pub struct GuildStorageMove(service::StorageMove);

#[Object]
impl GuildStorageMove {
    /// The guild.
    async fn guild_id(&self) -> ID {
        ID(self.0.guild_id.to_string())
    }
    /// The member's actor.
    async fn actor(&self) -> ActorRef {
        actor(self.0.actor_id)
    }
    /// `DEPOSIT` or `WITHDRAW`.
    async fn direction(&self) -> &str {
        &self.0.direction
    }
    /// The item.
    async fn item_definition_id(&self) -> &str {
        &self.0.item_definition_id
    }
    /// How many.
    async fn quantity(&self) -> i32 {
        self.0.quantity
    }
    /// The stack that received them (in the storage, or the bag).
    async fn item_id(&self) -> ID {
        ID(self.0.item_id.to_string())
    }
    /// True when this call replayed an earlier one with the same idempotency key.
    async fn replayed(&self) -> bool {
        self.0.replayed
    }
}

/// A two-player trade.
pub struct Trade(trade::Model, Option<Vec<trade_offer::Model>>);

#[Object]
impl Trade {
    /// Trade id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// `OPEN`, `COMPLETED` or `CANCELLED` (an open trade past `expiresAt` can only be
    /// cancelled).
    async fn status(&self) -> &str {
        &self.0.status
    }
    /// Who proposed it.
    async fn initiator(&self) -> ActorRef {
        actor(self.0.initiator_actor_id)
    }
    /// The other side.
    async fn partner(&self) -> ActorRef {
        actor(self.0.partner_actor_id)
    }
    /// Whether the initiator confirmed the current offers.
    async fn initiator_confirmed(&self) -> bool {
        self.0.initiator_confirmed
    }
    /// Whether the partner confirmed the current offers.
    async fn partner_confirmed(&self) -> bool {
        self.0.partner_confirmed
    }
    /// What each side offers.
    async fn offers(&self, ctx: &Context<'_>) -> ApiResult<Vec<TradeOffer>> {
        // Trades are only handed out to their parties (query or mutation checked).
        let offers = match &self.1 {
            Some(offers) => offers.clone(),
            None => service::offers_of(&inventory(ctx).db, self.0.id).await?,
        };
        Ok(offers.into_iter().map(TradeOffer).collect())
    }
    /// Proposed.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// An open trade lapses at this time.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }
    /// Completed or cancelled.
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at
    }
}

/// One item on offer.
pub struct TradeOffer(trade_offer::Model);

#[Object]
impl TradeOffer {
    /// The offering actor.
    async fn actor(&self) -> ActorRef {
        actor(self.0.actor_id)
    }
    /// The offered stack.
    async fn item_id(&self) -> ID {
        ID(self.0.item_id.to_string())
    }
    /// Its definition id.
    async fn item_definition_id(&self) -> &str {
        &self.0.definition_id
    }
    /// How many.
    async fn quantity(&self) -> i32 {
        self.0.quantity
    }
}

/// One stack on offer.
#[derive(InputObject)]
pub struct TradeItemInput {
    /// The stack.
    item_id: ID,
    /// How many of it.
    quantity: i32,
}

/// Queries of the inventory service.
pub struct Query;

#[Object]
impl Query {
    /// A trade the signed-in player takes part in.
    #[graphql(directive = authenticated::apply())]
    async fn trade(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Trade> {
        let viewer = ctx.viewer()?;
        let (found, offers) = inventory(ctx).trade_for(viewer, parse_id(&id)?).await?;
        Ok(Trade(found, Some(offers)))
    }

    /// Resolves `Actor` references to add `inventory` and `guildStorage`.
    #[graphql(entity)]
    async fn find_actor_by_id(&self, id: ID) -> ApiResult<ActorRef> {
        Ok(actor(parse_id(&id)?))
    }
}

/// A skill cast's reagent as inventory took it (internal).
#[derive(SimpleObject)]
pub struct CastReagent {
    /// The cast was given up before its reagent was taken.
    voided: bool,
    /// This call replayed an earlier one.
    replayed: bool,
}

/// Mutations of the inventory service.
pub struct Mutation;

#[Object]
impl Mutation {
    /// Consumes a skill cast's reagent once per cast (internal: chaos).
    #[graphql(inaccessible)]
    async fn consume_cast_reagent(
        &self,
        ctx: &Context<'_>,
        cast_id: ID,
        actor_id: ID,
        user_id: ID,
        definition_id: String,
        quantity: i32,
    ) -> ApiResult<CastReagent> {
        require_internal(ctx)?;
        let outcome = inventory(ctx)
            .consume_reagent(
                parse_id(&cast_id)?,
                parse_id(&actor_id)?,
                parse_id(&user_id)?,
                &definition_id,
                quantity,
            )
            .await?;
        Ok(CastReagent {
            voided: outcome.voided,
            replayed: outcome.replayed,
        })
    }

    /// Gives a compensated cast's reagent back, or voids its consumption (internal:
    /// chaos). True when items were given back.
    #[graphql(inaccessible)]
    async fn refund_cast_reagent(
        &self,
        ctx: &Context<'_>,
        cast_id: ID,
        actor_id: ID,
        user_id: ID,
        definition_id: String,
        quantity: i32,
    ) -> ApiResult<bool> {
        require_internal(ctx)?;
        Ok(inventory(ctx)
            .refund_reagent(
                parse_id(&cast_id)?,
                parse_id(&actor_id)?,
                parse_id(&user_id)?,
                &definition_id,
                quantity,
            )
            .await?)
    }

    /// Grants items to any actor (admins only). Replaying an `idempotencyKey` returns
    /// the first result and grants nothing more. `BAG_FULL` when they do not fit.
    #[graphql(requires_scopes = "admin")]
    async fn grant_item(
        &self,
        ctx: &Context<'_>,
        actor_id: ID,
        item_id: String,
        quantity: i32,
        idempotency_key: String,
    ) -> ApiResult<ItemGrant> {
        let viewer = ctx.viewer()?;
        let outcome = inventory(ctx)
            .grant_item(
                viewer,
                parse_id(&actor_id)?,
                &item_id,
                quantity,
                &idempotency_key,
            )
            .await?;
        Ok(ItemGrant(outcome))
    }

    /// Uses one item of a stack (a potion, an elixir): the stack shrinks by one and
    /// chaos applies the item's effects to the actor. `STACK_EMPTY` once used up,
    /// `NOT_USABLE` for items without effects, `FORBIDDEN` for someone else's item.
    #[graphql(directive = authenticated::apply())]
    async fn use_item(
        &self,
        ctx: &Context<'_>,
        actor_id: ID,
        item_instance_id: ID,
        idempotency_key: String,
    ) -> ApiResult<ItemUseResult> {
        let viewer = ctx.viewer()?;
        let outcome = inventory(ctx)
            .use_item(
                viewer,
                parse_id(&actor_id)?,
                parse_id(&item_instance_id)?,
                &idempotency_key,
            )
            .await?;
        Ok(ItemUseResult(outcome))
    }

    /// Equips an item in its slot (what was worn there goes back to the bag); the
    /// result's `actor` already shows the new equipment and stats.
    #[graphql(directive = authenticated::apply())]
    async fn equip_item(
        &self,
        ctx: &Context<'_>,
        actor_id: ID,
        item_instance_id: ID,
    ) -> ApiResult<EquipResult> {
        let viewer = ctx.viewer()?;
        let actor_id = parse_id(&actor_id)?;
        let worn = inventory(ctx)
            .equip_item(viewer, actor_id, parse_id(&item_instance_id)?)
            .await?;
        Ok(EquipResult {
            actor: actor(actor_id),
            item: Some(InventoryItem(worn)),
        })
    }

    /// Takes off what is worn in `slot` (back to the bag, which needs room).
    #[graphql(directive = authenticated::apply())]
    async fn unequip_item(
        &self,
        ctx: &Context<'_>,
        actor_id: ID,
        slot: EquipSlot,
    ) -> ApiResult<EquipResult> {
        let viewer = ctx.viewer()?;
        let actor_id = parse_id(&actor_id)?;
        let freed = inventory(ctx)
            .unequip_slot(viewer, actor_id, slot.code())
            .await?;
        Ok(EquipResult {
            actor: actor(actor_id),
            item: freed.map(InventoryItem),
        })
    }

    /// Destroys part or all of a stack. Replaying an `idempotencyKey` returns the first
    /// result and destroys nothing more.
    #[graphql(directive = authenticated::apply())]
    async fn destroy_item(
        &self,
        ctx: &Context<'_>,
        actor_id: ID,
        item_instance_id: ID,
        quantity: i32,
        idempotency_key: String,
    ) -> ApiResult<DestroyResult> {
        let viewer = ctx.viewer()?;
        let outcome = inventory(ctx)
            .destroy_item(
                viewer,
                parse_id(&actor_id)?,
                parse_id(&item_instance_id)?,
                quantity,
                &idempotency_key,
            )
            .await?;
        Ok(DestroyResult(outcome))
    }

    /// Crafts a recipe once: its inputs are consumed and its outputs produced in one
    /// step (`INSUFFICIENT_QUANTITY`, `BAG_FULL`: nothing changes). The actor is busy
    /// for the recipe's crafting time (`CRAFTING_BUSY`).
    #[graphql(directive = authenticated::apply())]
    async fn craft_item(
        &self,
        ctx: &Context<'_>,
        actor_id: ID,
        recipe_id: String,
        idempotency_key: String,
    ) -> ApiResult<CraftResult> {
        let viewer = ctx.viewer()?;
        let outcome = inventory(ctx)
            .craft(viewer, parse_id(&actor_id)?, &recipe_id, &idempotency_key)
            .await?;
        Ok(CraftResult(outcome))
    }

    /// Proposes a trade between your actor and another actor.
    #[graphql(directive = authenticated::apply())]
    async fn propose_trade(
        &self,
        ctx: &Context<'_>,
        actor_id: ID,
        partner_actor_id: ID,
    ) -> ApiResult<Trade> {
        let viewer = ctx.viewer()?;
        let created = inventory(ctx)
            .propose_trade(viewer, parse_id(&actor_id)?, parse_id(&partner_actor_id)?)
            .await?;
        Ok(Trade(created, Some(Vec::new())))
    }

    /// Replaces your side's offer; both confirmations are withdrawn.
    #[graphql(directive = authenticated::apply())]
    async fn set_trade_offer(
        &self,
        ctx: &Context<'_>,
        trade_id: ID,
        actor_id: ID,
        items: Vec<TradeItemInput>,
    ) -> ApiResult<Trade> {
        let viewer = ctx.viewer()?;
        let offered = items
            .iter()
            .map(|item| Ok((parse_id(&item.item_id)?, item.quantity)))
            .collect::<Result<Vec<_>, subgraph_kit::KitError>>()?;
        let updated = inventory(ctx)
            .set_trade_offer(viewer, parse_id(&trade_id)?, parse_id(&actor_id)?, offered)
            .await?;
        Ok(Trade(updated, None))
    }

    /// Confirms the current offers; when both sides have, every item moves at once.
    #[graphql(directive = authenticated::apply())]
    async fn confirm_trade(
        &self,
        ctx: &Context<'_>,
        trade_id: ID,
        actor_id: ID,
    ) -> ApiResult<Trade> {
        let viewer = ctx.viewer()?;
        let updated = inventory(ctx)
            .confirm_trade(viewer, parse_id(&trade_id)?, parse_id(&actor_id)?)
            .await?;
        Ok(Trade(updated, None))
    }

    /// Calls off an open trade.
    #[graphql(directive = authenticated::apply())]
    async fn cancel_trade(
        &self,
        ctx: &Context<'_>,
        trade_id: ID,
        actor_id: ID,
    ) -> ApiResult<Trade> {
        let viewer = ctx.viewer()?;
        let updated = inventory(ctx)
            .cancel_trade(viewer, parse_id(&trade_id)?, parse_id(&actor_id)?)
            .await?;
        Ok(Trade(updated, None))
    }

    /// Puts items from your bag into your guild's storage (any member).
    #[graphql(directive = authenticated::apply())]
    async fn deposit_to_guild_storage(
        &self,
        ctx: &Context<'_>,
        actor_id: ID,
        item_instance_id: ID,
        quantity: i32,
        idempotency_key: String,
    ) -> ApiResult<GuildStorageMove> {
        let viewer = ctx.viewer()?;
        let outcome = inventory(ctx)
            .move_guild_storage(
                viewer,
                parse_id(&actor_id)?,
                parse_id(&item_instance_id)?,
                quantity,
                true,
                &idempotency_key,
            )
            .await?;
        Ok(GuildStorageMove(outcome))
    }

    /// Takes items from your guild's storage into your bag (`WITHDRAW_STORAGE`
    /// permission).
    #[graphql(directive = authenticated::apply())]
    async fn withdraw_from_guild_storage(
        &self,
        ctx: &Context<'_>,
        actor_id: ID,
        storage_item_id: ID,
        quantity: i32,
        idempotency_key: String,
    ) -> ApiResult<GuildStorageMove> {
        let viewer = ctx.viewer()?;
        let outcome = inventory(ctx)
            .move_guild_storage(
                viewer,
                parse_id(&actor_id)?,
                parse_id(&storage_item_id)?,
                quantity,
                false,
                &idempotency_key,
            )
            .await?;
        Ok(GuildStorageMove(outcome))
    }
}
