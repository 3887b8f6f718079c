//! The guard of "one searching ticket per actor and mode": a row exists exactly while
//! the actor's ticket in that mode is searching, and its primary key refuses a second.

use sea_orm::entity::prelude::*;

/// An actor's place in a mode's queue.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "matchmaking_queue_slots")]
pub struct Model {
    /// The queued actor.
    #[sea_orm(primary_key, auto_increment = false)]
    pub actor_id: Uuid,
    /// The mode.
    #[sea_orm(primary_key, auto_increment = false)]
    pub mode: String,
    /// The searching ticket holding the slot.
    pub ticket_id: Uuid,
    /// When it was taken.
    pub created_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
