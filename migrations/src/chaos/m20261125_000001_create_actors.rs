//! Actors, learned skills, equipment, the skill catalogue and experience grants.

use sea_orm_migration::prelude::*;

/// Creates the chaos backend's tables.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Actors {
    Table,
    Id,
    UserId,
    Slot,
    Name,
    NameKey,
    Class,
    Level,
    Experience,
    Hp,
    Mp,
    Stamina,
    ResourcesUpdatedAtMs,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ActorSkills {
    Table,
    ActorId,
    SkillId,
    LearnedAt,
    LastCastAtMs,
}

#[derive(DeriveIden)]
enum EquipmentSlots {
    Table,
    ActorId,
    Slot,
    ItemInstanceId,
    ItemDefinitionId,
    Modifiers,
}

#[derive(DeriveIden)]
enum SkillDefinitions {
    Table,
    Id,
    Name,
    Class,
    UnlockLevel,
    Element,
    Scaling,
    MpCost,
    CooldownMs,
    Range,
    BaseDamage,
    PowerRatio,
    ReagentItem,
    Description,
}

#[derive(DeriveIden)]
enum ExperienceGrants {
    Table,
    IdempotencyKey,
    ActorId,
    Amount,
    LevelBefore,
    LevelAfter,
    ExperienceAfter,
    GrantedBy,
    GrantedAt,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Actors::Table)
                    .col(ColumnDef::new(Actors::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Actors::UserId).uuid().not_null())
                    .col(ColumnDef::new(Actors::Slot).integer().not_null())
                    .col(ColumnDef::new(Actors::Name).string_len(32).not_null())
                    .col(ColumnDef::new(Actors::NameKey).string_len(32).not_null().unique_key())
                    .col(ColumnDef::new(Actors::Class).string_len(16).not_null())
                    .col(ColumnDef::new(Actors::Level).integer().not_null())
                    .col(ColumnDef::new(Actors::Experience).big_integer().not_null())
                    .col(ColumnDef::new(Actors::Hp).double().not_null())
                    .col(ColumnDef::new(Actors::Mp).double().not_null())
                    .col(ColumnDef::new(Actors::Stamina).double().not_null())
                    .col(ColumnDef::new(Actors::ResourcesUpdatedAtMs).big_integer().not_null())
                    .col(ColumnDef::new(Actors::CreatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_actors_user_slot")
                    .table(Actors::Table)
                    .col(Actors::UserId)
                    .col(Actors::Slot)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SkillDefinitions::Table)
                    .col(ColumnDef::new(SkillDefinitions::Id).string_len(64).not_null().primary_key())
                    .col(ColumnDef::new(SkillDefinitions::Name).string().not_null())
                    .col(ColumnDef::new(SkillDefinitions::Class).string_len(16).not_null())
                    .col(ColumnDef::new(SkillDefinitions::UnlockLevel).integer().not_null())
                    .col(ColumnDef::new(SkillDefinitions::Element).string_len(16).not_null())
                    .col(ColumnDef::new(SkillDefinitions::Scaling).string_len(16).not_null())
                    .col(ColumnDef::new(SkillDefinitions::MpCost).integer().not_null())
                    .col(ColumnDef::new(SkillDefinitions::CooldownMs).big_integer().not_null())
                    .col(ColumnDef::new(SkillDefinitions::Range).double().not_null())
                    .col(ColumnDef::new(SkillDefinitions::BaseDamage).integer().not_null())
                    .col(ColumnDef::new(SkillDefinitions::PowerRatio).double().not_null())
                    .col(ColumnDef::new(SkillDefinitions::ReagentItem).string_len(64).null())
                    .col(ColumnDef::new(SkillDefinitions::Description).text().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ActorSkills::Table)
                    .col(ColumnDef::new(ActorSkills::ActorId).uuid().not_null())
                    .col(ColumnDef::new(ActorSkills::SkillId).string_len(64).not_null())
                    .col(ColumnDef::new(ActorSkills::LearnedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(ActorSkills::LastCastAtMs).big_integer().null())
                    .primary_key(Index::create().col(ActorSkills::ActorId).col(ActorSkills::SkillId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ActorSkills::Table, ActorSkills::ActorId)
                            .to(Actors::Table, Actors::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ActorSkills::Table, ActorSkills::SkillId)
                            .to(SkillDefinitions::Table, SkillDefinitions::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EquipmentSlots::Table)
                    .col(ColumnDef::new(EquipmentSlots::ActorId).uuid().not_null())
                    .col(ColumnDef::new(EquipmentSlots::Slot).string_len(16).not_null())
                    .col(ColumnDef::new(EquipmentSlots::ItemInstanceId).uuid().not_null())
                    .col(ColumnDef::new(EquipmentSlots::ItemDefinitionId).string_len(64).not_null())
                    .col(ColumnDef::new(EquipmentSlots::Modifiers).json().not_null())
                    .primary_key(Index::create().col(EquipmentSlots::ActorId).col(EquipmentSlots::Slot))
                    .foreign_key(
                        ForeignKey::create()
                            .from(EquipmentSlots::Table, EquipmentSlots::ActorId)
                            .to(Actors::Table, Actors::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ExperienceGrants::Table)
                    .col(ColumnDef::new(ExperienceGrants::IdempotencyKey).string_len(128).not_null().primary_key())
                    .col(ColumnDef::new(ExperienceGrants::ActorId).uuid().not_null())
                    .col(ColumnDef::new(ExperienceGrants::Amount).big_integer().not_null())
                    .col(ColumnDef::new(ExperienceGrants::LevelBefore).integer().not_null())
                    .col(ColumnDef::new(ExperienceGrants::LevelAfter).integer().not_null())
                    .col(ColumnDef::new(ExperienceGrants::ExperienceAfter).big_integer().not_null())
                    .col(ColumnDef::new(ExperienceGrants::GrantedBy).uuid().not_null())
                    .col(ColumnDef::new(ExperienceGrants::GrantedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ExperienceGrants::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(EquipmentSlots::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ActorSkills::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(SkillDefinitions::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Actors::Table).to_owned()).await
    }
}
