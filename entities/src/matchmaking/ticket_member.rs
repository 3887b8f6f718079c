//! One actor of a ticket's party (the leader included).

use sea_orm::entity::prelude::*;

/// A party member.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "matchmaking_ticket_members")]
pub struct Model {
    /// The ticket.
    #[sea_orm(primary_key, auto_increment = false)]
    pub ticket_id: Uuid,
    /// The member actor.
    #[sea_orm(primary_key, auto_increment = false)]
    pub actor_id: Uuid,
    /// The actor's owner (who may see the match and hear `matchFound`).
    pub user_id: Uuid,
    /// The actor's rating in the ticket's mode at enqueue time.
    pub rating: i32,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
