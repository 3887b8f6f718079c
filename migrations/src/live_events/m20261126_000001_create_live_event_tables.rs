//! The live events projection (from content), participations, score submissions and
//! reward claims. The unique keys carry the rules under concurrency: one participation
//! per event and actor, one submission per player and idempotency key, one reward claim
//! per event and actor (and per player and idempotency key).

use sea_orm_migration::prelude::*;

use crate::columns::*;

/// Creates the events service's tables.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LiveEvents {
    Table,
    Id,
    Name,
    Description,
    ZoneId,
    StartsAt,
    EndsAt,
    MaxScorePerSubmission,
    Rewards,
    Version,
    AnnouncedPhase,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum LiveEventParticipants {
    Table,
    EventId,
    ActorId,
    UserId,
    Score,
    JoinedAt,
    ScoredAt,
}

#[derive(DeriveIden)]
enum LiveEventScoreSubmissions {
    Table,
    UserId,
    IdempotencyKey,
    EventId,
    ActorId,
    Score,
    TotalAfter,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LiveEventRewardClaims {
    Table,
    Id,
    EventId,
    ActorId,
    UserId,
    IdempotencyKey,
    Score,
    Items,
    CreatedAt,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LiveEvents::Table)
                    .col(string(LiveEvents::Id, 64).primary_key().to_owned())
                    .col(string(LiveEvents::Name, 128))
                    .col(text(LiveEvents::Description))
                    .col(string_null(LiveEvents::ZoneId, 64))
                    .col(timestamp(LiveEvents::StartsAt))
                    .col(timestamp(LiveEvents::EndsAt))
                    .col(integer(LiveEvents::MaxScorePerSubmission))
                    .col(json(LiveEvents::Rewards))
                    .col(integer(LiveEvents::Version))
                    .col(string(LiveEvents::AnnouncedPhase, 16))
                    .col(timestamp(LiveEvents::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LiveEventParticipants::Table)
                    .col(string(LiveEventParticipants::EventId, 64))
                    .col(uuid(LiveEventParticipants::ActorId))
                    .col(uuid(LiveEventParticipants::UserId))
                    .col(big_integer(LiveEventParticipants::Score))
                    .col(timestamp(LiveEventParticipants::JoinedAt))
                    .col(timestamp(LiveEventParticipants::ScoredAt))
                    .primary_key(
                        Index::create()
                            .col(LiveEventParticipants::EventId)
                            .col(LiveEventParticipants::ActorId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_live_event_participants_leaderboard",
                LiveEventParticipants::Table,
                [
                    LiveEventParticipants::EventId,
                    LiveEventParticipants::Score,
                    LiveEventParticipants::ScoredAt,
                ],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LiveEventScoreSubmissions::Table)
                    .col(uuid(LiveEventScoreSubmissions::UserId))
                    .col(string(LiveEventScoreSubmissions::IdempotencyKey, 128))
                    .col(string(LiveEventScoreSubmissions::EventId, 64))
                    .col(uuid(LiveEventScoreSubmissions::ActorId))
                    .col(big_integer(LiveEventScoreSubmissions::Score))
                    .col(big_integer(LiveEventScoreSubmissions::TotalAfter))
                    .col(timestamp(LiveEventScoreSubmissions::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(LiveEventScoreSubmissions::UserId)
                            .col(LiveEventScoreSubmissions::IdempotencyKey),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LiveEventRewardClaims::Table)
                    .col(uuid_pk(LiveEventRewardClaims::Id))
                    .col(string(LiveEventRewardClaims::EventId, 64))
                    .col(uuid(LiveEventRewardClaims::ActorId))
                    .col(uuid(LiveEventRewardClaims::UserId))
                    .col(string(LiveEventRewardClaims::IdempotencyKey, 128))
                    .col(big_integer(LiveEventRewardClaims::Score))
                    .col(json(LiveEventRewardClaims::Items))
                    .col(timestamp(LiveEventRewardClaims::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "uq_live_event_reward_claims_event_actor",
                LiveEventRewardClaims::Table,
                [
                    LiveEventRewardClaims::EventId,
                    LiveEventRewardClaims::ActorId,
                ],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "uq_live_event_reward_claims_user_key",
                LiveEventRewardClaims::Table,
                [
                    LiveEventRewardClaims::UserId,
                    LiveEventRewardClaims::IdempotencyKey,
                ],
                true,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            [
                LiveEventRewardClaims::Table.into_iden(),
                LiveEventScoreSubmissions::Table.into_iden(),
                LiveEventParticipants::Table.into_iden(),
                LiveEvents::Table.into_iden(),
            ],
        )
        .await
    }
}
