//! `guild_territories`: the territories each guild holds, projected from world.

use sea_orm_migration::prelude::*;

use crate::columns::*;

/// Creates `guild_territories`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum GuildTerritories {
    Table,
    TerritoryId,
    GuildId,
    ZoneId,
    Name,
    AcquiredAt,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(GuildTerritories::Table)
                    .col(uuid_pk(GuildTerritories::TerritoryId))
                    .col(uuid(GuildTerritories::GuildId))
                    .col(string(GuildTerritories::ZoneId, 64))
                    .col(string(GuildTerritories::Name, 64))
                    .col(timestamp(GuildTerritories::AcquiredAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_guild_territories_guild",
                GuildTerritories::Table,
                [GuildTerritories::GuildId],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, [GuildTerritories::Table.into_iden()]).await
    }
}
