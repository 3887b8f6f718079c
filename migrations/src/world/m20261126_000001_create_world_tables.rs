//! Zones, positions, territories, structures and structure hits. The primary key of
//! `structure_hits` (the cast id) makes a hit land once, and makes voiding a cast and
//! landing it exclusive.

use sea_orm_migration::prelude::*;

use crate::columns::*;

/// Creates the world service's tables.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WorldZones {
    Table,
    Id,
    Name,
    NoCombat,
    WeatherCycle,
    WeatherPeriodSeconds,
    MaxSpeed,
    Width,
    Height,
    Version,
}

#[derive(DeriveIden)]
enum ActorPositions {
    Table,
    ActorId,
    UserId,
    ZoneId,
    X,
    Y,
    MovedAtMs,
}

#[derive(DeriveIden)]
enum Territories {
    Table,
    Id,
    ZoneId,
    Name,
    OwnerGuildId,
    Changes,
    ChangedAt,
}

#[derive(DeriveIden)]
enum Structures {
    Table,
    Id,
    TerritoryId,
    Name,
    MaxHp,
    Hp,
    Defense,
    X,
    Y,
}

#[derive(DeriveIden)]
enum StructureHits {
    Table,
    CastId,
    StructureId,
    AttackerActorId,
    AttackerGuildId,
    Amount,
    Voided,
    HpAfter,
    Destroyed,
    Transferred,
    CreatedAt,
}

fn double(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).double().not_null().to_owned()
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WorldZones::Table)
                    .col(string(WorldZones::Id, 64).primary_key().to_owned())
                    .col(string(WorldZones::Name, 64))
                    .col(boolean(WorldZones::NoCombat))
                    .col(json(WorldZones::WeatherCycle))
                    .col(integer(WorldZones::WeatherPeriodSeconds))
                    .col(double(WorldZones::MaxSpeed))
                    .col(double(WorldZones::Width))
                    .col(double(WorldZones::Height))
                    .col(integer(WorldZones::Version))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ActorPositions::Table)
                    .col(uuid_pk(ActorPositions::ActorId))
                    .col(uuid(ActorPositions::UserId))
                    .col(string(ActorPositions::ZoneId, 64))
                    .col(double(ActorPositions::X))
                    .col(double(ActorPositions::Y))
                    .col(big_integer(ActorPositions::MovedAtMs))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_actor_positions_zone",
                ActorPositions::Table,
                [ActorPositions::ZoneId],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Territories::Table)
                    .col(uuid_pk(Territories::Id))
                    .col(string(Territories::ZoneId, 64))
                    .col(string(Territories::Name, 64))
                    .col(uuid_null(Territories::OwnerGuildId))
                    .col(integer(Territories::Changes))
                    .col(timestamp(Territories::ChangedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_territories_zone",
                Territories::Table,
                [Territories::ZoneId],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Structures::Table)
                    .col(uuid_pk(Structures::Id))
                    .col(uuid(Structures::TerritoryId))
                    .col(string(Structures::Name, 64))
                    .col(integer(Structures::MaxHp))
                    .col(integer(Structures::Hp))
                    .col(integer(Structures::Defense))
                    .col(double(Structures::X))
                    .col(double(Structures::Y))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_structures_territory",
                Structures::Table,
                [Structures::TerritoryId],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StructureHits::Table)
                    .col(uuid_pk(StructureHits::CastId))
                    .col(uuid(StructureHits::StructureId))
                    .col(uuid(StructureHits::AttackerActorId))
                    .col(uuid_null(StructureHits::AttackerGuildId))
                    .col(integer(StructureHits::Amount))
                    .col(boolean(StructureHits::Voided))
                    .col(integer(StructureHits::HpAfter))
                    .col(boolean(StructureHits::Destroyed))
                    .col(boolean(StructureHits::Transferred))
                    .col(timestamp(StructureHits::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            [
                StructureHits::Table.into_iden(),
                Structures::Table.into_iden(),
                Territories::Table.into_iden(),
                ActorPositions::Table.into_iden(),
                WorldZones::Table.into_iden(),
            ],
        )
        .await
    }
}
