//! A two-player trade: both sides put items on offer, both confirm, then everything
//! moves in one transaction. Changing an offer withdraws both confirmations.

use sea_orm::entity::prelude::*;

/// A trade.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inventory_trades")]
pub struct Model {
    /// Trade id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The actor who proposed it.
    pub initiator_actor_id: Uuid,
    /// The other actor.
    pub partner_actor_id: Uuid,
    /// `OPEN`, `COMPLETED` or `CANCELLED`.
    pub status: String,
    /// Whether the initiator confirmed the current offers.
    pub initiator_confirmed: bool,
    /// Whether the partner confirmed the current offers.
    pub partner_confirmed: bool,
    /// Created.
    pub created_at: DateTimeUtc,
    /// An open trade lapses at this time.
    pub expires_at: DateTimeUtc,
    /// Completed or cancelled.
    pub closed_at: Option<DateTimeUtc>,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
