//! Errors of the inventory service, each with a stable code.

use subgraph_kit::error::ErrorCode;
use subgraph_kit::KitError;

/// What can go wrong in the inventory service.
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    /// Shared failures (auth, input, not found, internal).
    #[error(transparent)]
    Kit(#[from] KitError),
    /// No published item definition has this id.
    #[error("unknown item `{0}`")]
    UnknownItem(String),
    /// No published recipe has this id.
    #[error("unknown recipe `{0}`")]
    UnknownRecipe(String),
    /// The stack was used up.
    #[error("the stack is empty")]
    StackEmpty,
    /// Fewer items than the command needs.
    #[error("not enough {0}")]
    InsufficientQuantity(String),
    /// The item has no use effect.
    #[error("`{0}` cannot be used")]
    NotUsable(String),
    /// The item has no equipment slot.
    #[error("`{0}` cannot be equipped")]
    NotEquippable(String),
    /// Equipped items cannot be used, traded, destroyed or stored.
    #[error("unequip the item first")]
    ItemEquipped,
    /// The bag has no free stack for what would come in.
    #[error("the bag is full ({0} stacks)")]
    BagFull(i32),
    /// The guild storage has no free stack.
    #[error("the guild storage is full ({0} stacks)")]
    StorageFull(i32),
    /// The item may not change hands.
    #[error("`{0}` cannot be traded")]
    NotTradable(String),
    /// The trade is completed, cancelled or expired.
    #[error("the trade is no longer open")]
    TradeNotOpen,
    /// An offered item changed (used, moved) since it was offered.
    #[error("an offered item changed; offer again")]
    TradeItemsChanged,
    /// The actor crafted recently; the recipe's crafting time has not passed.
    #[error("still crafting; try again in {0} ms")]
    CraftingBusy(i64),
    /// The acting actor is in no guild.
    #[error("the actor is not in a guild")]
    NotInGuild,
    /// The member's guild role lacks a permission.
    #[error("your guild role lacks the {0} permission")]
    MissingGuildPermission(&'static str),
    /// An idempotency key was reused for a different request.
    #[error("idempotency key was already used for a different request")]
    IdempotencyKeyReused,
    /// The skill cast was given up before its reagent was taken.
    #[error("the cast was given up; its reagent is not taken")]
    ReagentVoided,
}

impl ErrorCode for InventoryError {
    fn code(&self) -> &'static str {
        match self {
            InventoryError::Kit(err) => err.code(),
            InventoryError::UnknownItem(_) => "UNKNOWN_ITEM",
            InventoryError::UnknownRecipe(_) => "UNKNOWN_RECIPE",
            InventoryError::StackEmpty => "STACK_EMPTY",
            InventoryError::InsufficientQuantity(_) => "INSUFFICIENT_QUANTITY",
            InventoryError::NotUsable(_) => "NOT_USABLE",
            InventoryError::NotEquippable(_) => "NOT_EQUIPPABLE",
            InventoryError::ItemEquipped => "ITEM_EQUIPPED",
            InventoryError::BagFull(_) => "BAG_FULL",
            InventoryError::StorageFull(_) => "STORAGE_FULL",
            InventoryError::NotTradable(_) => "NOT_TRADABLE",
            InventoryError::TradeNotOpen => "TRADE_NOT_OPEN",
            InventoryError::TradeItemsChanged => "TRADE_ITEMS_CHANGED",
            InventoryError::CraftingBusy(_) => "CRAFTING_BUSY",
            InventoryError::NotInGuild => "NOT_IN_GUILD",
            InventoryError::MissingGuildPermission(_) => "MISSING_GUILD_PERMISSION",
            InventoryError::IdempotencyKeyReused => "IDEMPOTENCY_KEY_REUSED",
            InventoryError::ReagentVoided => "REAGENT_VOIDED",
        }
    }
}

impl From<sea_orm::DbErr> for InventoryError {
    fn from(err: sea_orm::DbErr) -> Self {
        InventoryError::Kit(KitError::Database(err))
    }
}

impl From<subgraph_kit::peer::PeerError> for InventoryError {
    fn from(err: subgraph_kit::peer::PeerError) -> Self {
        InventoryError::Kit(err.into())
    }
}
