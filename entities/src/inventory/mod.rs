//! Tables of the inventory service: containers (an actor's bag or a guild's storage)
//! holding item stacks, the catalogue projected from content, idempotent operations,
//! trades, and the guild storage log.

pub mod catalog_entry;
pub mod container;
pub mod guild_storage_entry;
pub mod item;
pub mod operation;
pub mod trade;
pub mod trade_offer;
