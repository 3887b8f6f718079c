//! Ratings, tickets (with their party members), queue slots and formed matches.
//!
//! The keys carry the queue rules under concurrency: one ticket per player and
//! idempotency key (`matchmaking_tickets`), and one queue slot per actor and mode
//! (`matchmaking_queue_slots`, whose rows exist only while their ticket is searching),
//! so two concurrent enqueues of one actor cannot both succeed on either engine.

use sea_orm_migration::prelude::*;

use crate::columns::*;

/// Creates the matchmaking service's tables.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MatchmakingRatings {
    Table,
    ActorId,
    Mode,
    Rating,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MatchmakingTickets {
    Table,
    Id,
    UserId,
    ActorId,
    Mode,
    Region,
    Rating,
    PartySize,
    Status,
    IdempotencyKey,
    RequestFingerprint,
    MatchId,
    TeamIndex,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MatchmakingTicketMembers {
    Table,
    TicketId,
    ActorId,
    UserId,
    Rating,
}

#[derive(DeriveIden)]
enum MatchmakingQueueSlots {
    Table,
    ActorId,
    Mode,
    TicketId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MatchmakingMatches {
    Table,
    Id,
    Mode,
    Region,
    Teams,
    CreatedAt,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MatchmakingRatings::Table)
                    .col(uuid(MatchmakingRatings::ActorId))
                    .col(string(MatchmakingRatings::Mode, 32))
                    .col(integer(MatchmakingRatings::Rating))
                    .col(uuid(MatchmakingRatings::UpdatedBy))
                    .col(timestamp(MatchmakingRatings::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(MatchmakingRatings::ActorId)
                            .col(MatchmakingRatings::Mode),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MatchmakingTickets::Table)
                    .col(uuid_pk(MatchmakingTickets::Id))
                    .col(uuid(MatchmakingTickets::UserId))
                    .col(uuid(MatchmakingTickets::ActorId))
                    .col(string(MatchmakingTickets::Mode, 32))
                    .col(string(MatchmakingTickets::Region, 32))
                    .col(integer(MatchmakingTickets::Rating))
                    .col(integer(MatchmakingTickets::PartySize))
                    .col(string(MatchmakingTickets::Status, 16))
                    .col(string(MatchmakingTickets::IdempotencyKey, 128))
                    .col(string(MatchmakingTickets::RequestFingerprint, 512))
                    .col(uuid_null(MatchmakingTickets::MatchId))
                    .col(
                        ColumnDef::new(MatchmakingTickets::TeamIndex)
                            .integer()
                            .null(),
                    )
                    .col(timestamp(MatchmakingTickets::CreatedAt))
                    .col(timestamp(MatchmakingTickets::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_matchmaking_tickets_user_key",
                MatchmakingTickets::Table,
                [
                    MatchmakingTickets::UserId,
                    MatchmakingTickets::IdempotencyKey,
                ],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_matchmaking_tickets_queue",
                MatchmakingTickets::Table,
                [
                    MatchmakingTickets::Status,
                    MatchmakingTickets::Mode,
                    MatchmakingTickets::Region,
                    MatchmakingTickets::CreatedAt,
                ],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_matchmaking_tickets_match",
                MatchmakingTickets::Table,
                [MatchmakingTickets::MatchId],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MatchmakingTicketMembers::Table)
                    .col(uuid(MatchmakingTicketMembers::TicketId))
                    .col(uuid(MatchmakingTicketMembers::ActorId))
                    .col(uuid(MatchmakingTicketMembers::UserId))
                    .col(integer(MatchmakingTicketMembers::Rating))
                    .primary_key(
                        Index::create()
                            .col(MatchmakingTicketMembers::TicketId)
                            .col(MatchmakingTicketMembers::ActorId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_matchmaking_ticket_members_actor",
                MatchmakingTicketMembers::Table,
                [MatchmakingTicketMembers::ActorId],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MatchmakingQueueSlots::Table)
                    .col(uuid(MatchmakingQueueSlots::ActorId))
                    .col(string(MatchmakingQueueSlots::Mode, 32))
                    .col(uuid(MatchmakingQueueSlots::TicketId))
                    .col(timestamp(MatchmakingQueueSlots::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(MatchmakingQueueSlots::ActorId)
                            .col(MatchmakingQueueSlots::Mode),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_matchmaking_queue_slots_ticket",
                MatchmakingQueueSlots::Table,
                [MatchmakingQueueSlots::TicketId],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MatchmakingMatches::Table)
                    .col(uuid_pk(MatchmakingMatches::Id))
                    .col(string(MatchmakingMatches::Mode, 32))
                    .col(string(MatchmakingMatches::Region, 32))
                    .col(json(MatchmakingMatches::Teams))
                    .col(timestamp(MatchmakingMatches::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            [
                MatchmakingMatches::Table.into_iden(),
                MatchmakingQueueSlots::Table.into_iden(),
                MatchmakingTicketMembers::Table.into_iden(),
                MatchmakingTickets::Table.into_iden(),
                MatchmakingRatings::Table.into_iden(),
            ],
        )
        .await
    }
}
