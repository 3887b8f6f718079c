//! Guilds, roles, members, invitations and join requests.

use sea_orm_migration::prelude::*;

use crate::columns::*;

/// Creates the guild service's tables.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Guilds {
    Table,
    Id,
    Name,
    NameKey,
    Description,
    JoinPolicy,
    MemberLimit,
    FoundedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum GuildRoles {
    Table,
    Id,
    GuildId,
    Name,
    Kind,
    Rank,
    Permissions,
    CreatedAt,
}

#[derive(DeriveIden)]
enum GuildMembers {
    Table,
    ActorId,
    GuildId,
    UserId,
    RoleId,
    JoinedAt,
}

#[derive(DeriveIden)]
enum GuildInvitations {
    Table,
    Id,
    GuildId,
    InviteeActorId,
    InviteeUserId,
    InviterActorId,
    Status,
    PendingKey,
    CreatedAt,
    ExpiresAt,
    DecidedAt,
}

#[derive(DeriveIden)]
enum GuildJoinRequests {
    Table,
    Id,
    GuildId,
    ActorId,
    UserId,
    Message,
    Status,
    PendingKey,
    CreatedAt,
    DecidedAt,
    DecidedBy,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Guilds::Table)
                    .col(uuid_pk(Guilds::Id))
                    .col(string(Guilds::Name, 32))
                    .col(string(Guilds::NameKey, 32).unique_key().to_owned())
                    .col(string(Guilds::Description, 280))
                    .col(string(Guilds::JoinPolicy, 8))
                    .col(integer(Guilds::MemberLimit))
                    .col(uuid(Guilds::FoundedBy))
                    .col(timestamp(Guilds::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(GuildRoles::Table)
                    .col(uuid_pk(GuildRoles::Id))
                    .col(uuid(GuildRoles::GuildId))
                    .col(string(GuildRoles::Name, 24))
                    .col(string(GuildRoles::Kind, 8))
                    .col(integer(GuildRoles::Rank))
                    .col(string(GuildRoles::Permissions, 256))
                    .col(timestamp(GuildRoles::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_guild_roles_guild_name",
                GuildRoles::Table,
                [GuildRoles::GuildId, GuildRoles::Name],
                true,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(GuildMembers::Table)
                    .col(uuid_pk(GuildMembers::ActorId))
                    .col(uuid(GuildMembers::GuildId))
                    .col(uuid(GuildMembers::UserId))
                    .col(uuid(GuildMembers::RoleId))
                    .col(timestamp(GuildMembers::JoinedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_guild_members_guild",
                GuildMembers::Table,
                [GuildMembers::GuildId, GuildMembers::JoinedAt],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "idx_guild_members_user",
                GuildMembers::Table,
                [GuildMembers::UserId],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(GuildInvitations::Table)
                    .col(uuid_pk(GuildInvitations::Id))
                    .col(uuid(GuildInvitations::GuildId))
                    .col(uuid(GuildInvitations::InviteeActorId))
                    .col(uuid(GuildInvitations::InviteeUserId))
                    .col(uuid(GuildInvitations::InviterActorId))
                    .col(string(GuildInvitations::Status, 12))
                    .col(
                        string_null(GuildInvitations::PendingKey, 80)
                            .unique_key()
                            .to_owned(),
                    )
                    .col(timestamp(GuildInvitations::CreatedAt))
                    .col(timestamp(GuildInvitations::ExpiresAt))
                    .col(timestamp_null(GuildInvitations::DecidedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_guild_invitations_invitee",
                GuildInvitations::Table,
                [GuildInvitations::InviteeUserId, GuildInvitations::Status],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "idx_guild_invitations_guild",
                GuildInvitations::Table,
                [GuildInvitations::GuildId, GuildInvitations::Status],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(GuildJoinRequests::Table)
                    .col(uuid_pk(GuildJoinRequests::Id))
                    .col(uuid(GuildJoinRequests::GuildId))
                    .col(uuid(GuildJoinRequests::ActorId))
                    .col(uuid(GuildJoinRequests::UserId))
                    .col(string(GuildJoinRequests::Message, 280))
                    .col(string(GuildJoinRequests::Status, 12))
                    .col(
                        string_null(GuildJoinRequests::PendingKey, 80)
                            .unique_key()
                            .to_owned(),
                    )
                    .col(timestamp(GuildJoinRequests::CreatedAt))
                    .col(timestamp_null(GuildJoinRequests::DecidedAt))
                    .col(uuid_null(GuildJoinRequests::DecidedBy))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_guild_join_requests_guild",
                GuildJoinRequests::Table,
                [GuildJoinRequests::GuildId, GuildJoinRequests::Status],
                false,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            [
                GuildJoinRequests::Table.into_iden(),
                GuildInvitations::Table.into_iden(),
                GuildMembers::Table.into_iden(),
                GuildRoles::Table.into_iden(),
                Guilds::Table.into_iden(),
            ],
        )
        .await
    }
}
