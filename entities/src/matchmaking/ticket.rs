//! A matchmaking ticket: one actor (with its party) waiting for a match.

use sea_orm::entity::prelude::*;

/// A ticket. Its rating is the average of its members' ratings at enqueue time.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "matchmaking_tickets")]
pub struct Model {
    /// Ticket id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The player who queued (owner of `actor_id`).
    pub user_id: Uuid,
    /// The queueing actor (the party leader).
    pub actor_id: Uuid,
    /// The mode's name.
    pub mode: String,
    /// The region's name.
    pub region: String,
    /// Average rating of the members.
    pub rating: i32,
    /// Members, the leader included.
    pub party_size: i32,
    /// `SEARCHING`, `MATCHED`, `CANCELLED` or `TIMED_OUT`.
    pub status: String,
    /// The player's idempotency key; unique per player.
    pub idempotency_key: String,
    /// What was asked (actor, mode, region, party), to tell a replay from key reuse.
    pub request_fingerprint: String,
    /// The match, once matched.
    pub match_id: Option<Uuid>,
    /// The team the ticket's members play on, once matched.
    pub team_index: Option<i32>,
    /// When it was queued.
    pub created_at: DateTimeUtc,
    /// When its status last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
