//! `outbox_events` (written in the same transaction as the state change, drained by the
//! relay) and `processed_events` (one row per consumer group and event, so redelivered
//! events are handled once).

use sea_orm_migration::prelude::*;

/// Creates the event tables.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OutboxEvents {
    Table,
    Id,
    Topic,
    Key,
    Envelope,
    CreatedAt,
    PublishedAt,
}

#[derive(DeriveIden)]
enum ProcessedEvents {
    Table,
    ConsumerGroup,
    EventId,
    ProcessedAt,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OutboxEvents::Table)
                    .col(
                        ColumnDef::new(OutboxEvents::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(OutboxEvents::Topic)
                            .string_len(128)
                            .not_null(),
                    )
                    .col(ColumnDef::new(OutboxEvents::Key).string_len(128).not_null())
                    .col(ColumnDef::new(OutboxEvents::Envelope).json().not_null())
                    .col(
                        ColumnDef::new(OutboxEvents::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OutboxEvents::PublishedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_unpublished")
                    .table(OutboxEvents::Table)
                    .col(OutboxEvents::PublishedAt)
                    .col(OutboxEvents::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProcessedEvents::Table)
                    .col(
                        ColumnDef::new(ProcessedEvents::ConsumerGroup)
                            .string_len(128)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ProcessedEvents::EventId).uuid().not_null())
                    .col(
                        ColumnDef::new(ProcessedEvents::ProcessedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(ProcessedEvents::ConsumerGroup)
                            .col(ProcessedEvents::EventId),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ProcessedEvents::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(OutboxEvents::Table).to_owned())
            .await
    }
}
