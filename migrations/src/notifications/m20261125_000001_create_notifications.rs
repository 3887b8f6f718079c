//! The inbox.

use sea_orm_migration::prelude::*;

use crate::columns::*;

/// Creates the notifications table.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    UserId,
    Code,
    Subject,
    Content,
    SenderActorId,
    SourceEventId,
    CreatedAt,
    ReadAt,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .col(uuid_pk(Notifications::Id))
                    .col(uuid(Notifications::UserId))
                    .col(string(Notifications::Code, 40))
                    .col(string(Notifications::Subject, 200))
                    .col(json(Notifications::Content))
                    .col(uuid_null(Notifications::SenderActorId))
                    .col(uuid(Notifications::SourceEventId))
                    .col(timestamp(Notifications::CreatedAt))
                    .col(timestamp_null(Notifications::ReadAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_notifications_inbox",
                Notifications::Table,
                [
                    Notifications::UserId,
                    Notifications::CreatedAt,
                    Notifications::Id,
                ],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "idx_notifications_unread",
                Notifications::Table,
                [Notifications::UserId, Notifications::ReadAt],
                false,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Notifications::Table).to_owned())
            .await
    }
}
