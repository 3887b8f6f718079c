//! A claimed live event reward: at most one per event and actor (unique key), written
//! with its `live_event.reward_granted` outbox event.

use sea_orm::entity::prelude::*;

/// A reward claim.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "live_event_reward_claims")]
pub struct Model {
    /// Claim id; the `grantId` inventory delivers once.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The event.
    pub event_id: String,
    /// The rewarded actor.
    pub actor_id: Uuid,
    /// Its owning account.
    pub user_id: Uuid,
    /// The idempotency key of the claiming call.
    pub idempotency_key: String,
    /// The actor's final score.
    pub score: i64,
    /// Items granted: `[{definitionId, quantity}]`.
    pub items: Json,
    /// When.
    pub created_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
