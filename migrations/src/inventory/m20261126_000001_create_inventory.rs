//! Containers, item stacks, the projected catalogue, operations, trades and the guild
//! storage log.

use sea_orm_migration::prelude::*;

use crate::columns::*;

/// Creates the inventory service's tables.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InventoryCatalog {
    Table,
    Kind,
    Id,
    Version,
    Definition,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum InventoryContainers {
    Table,
    OwnerId,
    Kind,
    UserId,
    EquipmentVersion,
    CraftingBusyUntilMs,
}

#[derive(DeriveIden)]
enum InventoryItems {
    Table,
    Id,
    OwnerId,
    DefinitionId,
    Quantity,
    EquippedSlot,
    CreatedAt,
}

#[derive(DeriveIden)]
enum InventoryOperations {
    Table,
    Key,
    Kind,
    Fingerprint,
    Result,
    CreatedAt,
}

#[derive(DeriveIden)]
enum InventoryTrades {
    Table,
    Id,
    InitiatorActorId,
    PartnerActorId,
    Status,
    InitiatorConfirmed,
    PartnerConfirmed,
    CreatedAt,
    ExpiresAt,
    ClosedAt,
}

#[derive(DeriveIden)]
enum InventoryTradeOffers {
    Table,
    Id,
    TradeId,
    ActorId,
    ItemId,
    DefinitionId,
    Quantity,
}

#[derive(DeriveIden)]
enum InventoryGuildStorageLog {
    Table,
    Id,
    GuildId,
    ActorId,
    UserId,
    Direction,
    DefinitionId,
    Quantity,
    CreatedAt,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InventoryCatalog::Table)
                    .col(string(InventoryCatalog::Kind, 16))
                    .col(string(InventoryCatalog::Id, 64))
                    .col(integer(InventoryCatalog::Version))
                    .col(json(InventoryCatalog::Definition))
                    .col(timestamp(InventoryCatalog::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(InventoryCatalog::Kind)
                            .col(InventoryCatalog::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(InventoryContainers::Table)
                    .col(uuid_pk(InventoryContainers::OwnerId))
                    .col(string(InventoryContainers::Kind, 16))
                    .col(uuid_null(InventoryContainers::UserId))
                    .col(big_integer(InventoryContainers::EquipmentVersion))
                    .col(big_integer(InventoryContainers::CraftingBusyUntilMs))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(InventoryItems::Table)
                    .col(uuid_pk(InventoryItems::Id))
                    .col(uuid(InventoryItems::OwnerId))
                    .col(string(InventoryItems::DefinitionId, 64))
                    .col(integer(InventoryItems::Quantity))
                    .col(string_null(InventoryItems::EquippedSlot, 16))
                    .col(timestamp(InventoryItems::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_inventory_items_owner",
                InventoryItems::Table,
                [InventoryItems::OwnerId, InventoryItems::DefinitionId],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(InventoryOperations::Table)
                    .col(
                        ColumnDef::new(InventoryOperations::Key)
                            .string_len(200)
                            .not_null()
                            .primary_key(),
                    )
                    .col(string(InventoryOperations::Kind, 16))
                    .col(string(InventoryOperations::Fingerprint, 400))
                    .col(json(InventoryOperations::Result))
                    .col(timestamp(InventoryOperations::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(InventoryTrades::Table)
                    .col(uuid_pk(InventoryTrades::Id))
                    .col(uuid(InventoryTrades::InitiatorActorId))
                    .col(uuid(InventoryTrades::PartnerActorId))
                    .col(string(InventoryTrades::Status, 16))
                    .col(boolean(InventoryTrades::InitiatorConfirmed))
                    .col(boolean(InventoryTrades::PartnerConfirmed))
                    .col(timestamp(InventoryTrades::CreatedAt))
                    .col(timestamp(InventoryTrades::ExpiresAt))
                    .col(timestamp_null(InventoryTrades::ClosedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(InventoryTradeOffers::Table)
                    .col(uuid_pk(InventoryTradeOffers::Id))
                    .col(uuid(InventoryTradeOffers::TradeId))
                    .col(uuid(InventoryTradeOffers::ActorId))
                    .col(uuid(InventoryTradeOffers::ItemId))
                    .col(string(InventoryTradeOffers::DefinitionId, 64))
                    .col(integer(InventoryTradeOffers::Quantity))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_inventory_trade_offers_trade",
                InventoryTradeOffers::Table,
                [InventoryTradeOffers::TradeId],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(InventoryGuildStorageLog::Table)
                    .col(uuid_pk(InventoryGuildStorageLog::Id))
                    .col(uuid(InventoryGuildStorageLog::GuildId))
                    .col(uuid(InventoryGuildStorageLog::ActorId))
                    .col(uuid(InventoryGuildStorageLog::UserId))
                    .col(string(InventoryGuildStorageLog::Direction, 16))
                    .col(string(InventoryGuildStorageLog::DefinitionId, 64))
                    .col(integer(InventoryGuildStorageLog::Quantity))
                    .col(timestamp(InventoryGuildStorageLog::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_inventory_guild_storage_log_guild",
                InventoryGuildStorageLog::Table,
                [
                    InventoryGuildStorageLog::GuildId,
                    InventoryGuildStorageLog::CreatedAt,
                ],
                false,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            [
                InventoryGuildStorageLog::Table.into_iden(),
                InventoryTradeOffers::Table.into_iden(),
                InventoryTrades::Table.into_iden(),
                InventoryOperations::Table.into_iden(),
                InventoryItems::Table.into_iden(),
                InventoryContainers::Table.into_iden(),
                InventoryCatalog::Table.into_iden(),
            ],
        )
        .await
    }
}
