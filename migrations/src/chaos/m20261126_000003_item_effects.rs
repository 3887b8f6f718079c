//! What items do to actors: timed buffs, applied item uses (idempotency), and the
//! version of each actor's equipment as inventory last sent it.

use sea_orm_migration::prelude::*;

use crate::columns::*;

/// Creates the buff, applied-use and equipment-version tables.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ActorBuffs {
    Table,
    Id,
    ActorId,
    ItemDefinitionId,
    Modifiers,
    ExpiresAtMs,
}

#[derive(DeriveIden)]
enum AppliedItemUses {
    Table,
    UseId,
    ActorId,
    AppliedAt,
}

#[derive(DeriveIden)]
enum EquipmentVersions {
    Table,
    ActorId,
    Version,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ActorBuffs::Table)
                    .col(uuid_pk(ActorBuffs::Id))
                    .col(uuid(ActorBuffs::ActorId))
                    .col(string(ActorBuffs::ItemDefinitionId, 64))
                    .col(json(ActorBuffs::Modifiers))
                    .col(big_integer(ActorBuffs::ExpiresAtMs))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_actor_buffs_actor",
                ActorBuffs::Table,
                [ActorBuffs::ActorId],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AppliedItemUses::Table)
                    .col(
                        ColumnDef::new(AppliedItemUses::UseId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(uuid(AppliedItemUses::ActorId))
                    .col(timestamp(AppliedItemUses::AppliedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EquipmentVersions::Table)
                    .col(uuid_pk(EquipmentVersions::ActorId))
                    .col(big_integer(EquipmentVersions::Version))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            [
                EquipmentVersions::Table.into_iden(),
                AppliedItemUses::Table.into_iden(),
                ActorBuffs::Table.into_iden(),
            ],
        )
        .await
    }
}
