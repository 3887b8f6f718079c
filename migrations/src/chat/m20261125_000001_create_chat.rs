//! Channels, memberships, the guild-membership projection, messages, mutes, reports.

use sea_orm_migration::prelude::*;

use crate::columns::*;

/// Creates the chat service's tables.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ChatChannels {
    Table,
    Id,
    Kind,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ChatChannelMembers {
    Table,
    ChannelId,
    ActorId,
    UserId,
    JoinedAt,
}

#[derive(DeriveIden)]
enum ChatGuildMembers {
    Table,
    ActorId,
    GuildId,
    UserId,
    Since,
}

#[derive(DeriveIden)]
enum ChatMessages {
    Table,
    Id,
    ChannelId,
    SenderActorId,
    SenderUserId,
    Body,
    CreatedAt,
    EditedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum ChatMutes {
    Table,
    ChannelId,
    UserId,
    MutedUntil,
    Reason,
    MutedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ChatReports {
    Table,
    Id,
    MessageId,
    ChannelId,
    Body,
    SenderUserId,
    ReporterUserId,
    Reason,
    CreatedAt,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ChatChannels::Table)
                    .col(string(ChatChannels::Id, 100).primary_key().to_owned())
                    .col(string(ChatChannels::Kind, 8))
                    .col(timestamp(ChatChannels::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ChatChannelMembers::Table)
                    .col(string(ChatChannelMembers::ChannelId, 100))
                    .col(uuid(ChatChannelMembers::ActorId))
                    .col(uuid(ChatChannelMembers::UserId))
                    .col(timestamp(ChatChannelMembers::JoinedAt))
                    .primary_key(
                        Index::create()
                            .col(ChatChannelMembers::ChannelId)
                            .col(ChatChannelMembers::ActorId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_chat_channel_members_user",
                ChatChannelMembers::Table,
                [ChatChannelMembers::UserId],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ChatGuildMembers::Table)
                    .col(uuid_pk(ChatGuildMembers::ActorId))
                    .col(uuid(ChatGuildMembers::GuildId))
                    .col(uuid(ChatGuildMembers::UserId))
                    .col(timestamp(ChatGuildMembers::Since))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_chat_guild_members_guild_user",
                ChatGuildMembers::Table,
                [ChatGuildMembers::GuildId, ChatGuildMembers::UserId],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ChatMessages::Table)
                    .col(uuid_pk(ChatMessages::Id))
                    .col(string(ChatMessages::ChannelId, 100))
                    .col(uuid(ChatMessages::SenderActorId))
                    .col(uuid(ChatMessages::SenderUserId))
                    .col(text(ChatMessages::Body))
                    .col(timestamp(ChatMessages::CreatedAt))
                    .col(timestamp_null(ChatMessages::EditedAt))
                    .col(timestamp_null(ChatMessages::DeletedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_chat_messages_history",
                ChatMessages::Table,
                [
                    ChatMessages::ChannelId,
                    ChatMessages::CreatedAt,
                    ChatMessages::Id,
                ],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "idx_chat_messages_sender_time",
                ChatMessages::Table,
                [ChatMessages::SenderUserId, ChatMessages::CreatedAt],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ChatMutes::Table)
                    .col(string(ChatMutes::ChannelId, 100))
                    .col(uuid(ChatMutes::UserId))
                    .col(timestamp(ChatMutes::MutedUntil))
                    .col(string(ChatMutes::Reason, 280))
                    .col(uuid(ChatMutes::MutedBy))
                    .col(timestamp(ChatMutes::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(ChatMutes::ChannelId)
                            .col(ChatMutes::UserId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ChatReports::Table)
                    .col(uuid_pk(ChatReports::Id))
                    .col(uuid(ChatReports::MessageId))
                    .col(string(ChatReports::ChannelId, 100))
                    .col(text(ChatReports::Body))
                    .col(uuid(ChatReports::SenderUserId))
                    .col(uuid(ChatReports::ReporterUserId))
                    .col(string(ChatReports::Reason, 280))
                    .col(timestamp(ChatReports::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_chat_reports_message_reporter",
                ChatReports::Table,
                [ChatReports::MessageId, ChatReports::ReporterUserId],
                true,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            [
                ChatReports::Table.into_iden(),
                ChatMutes::Table.into_iden(),
                ChatMessages::Table.into_iden(),
                ChatGuildMembers::Table.into_iden(),
                ChatChannelMembers::Table.into_iden(),
                ChatChannels::Table.into_iden(),
            ],
        )
        .await
    }
}
