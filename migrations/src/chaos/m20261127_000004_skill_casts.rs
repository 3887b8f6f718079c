//! Skill casts: the record of each cast's saga, unique per actor and idempotency key.

use sea_orm_migration::prelude::*;

use crate::columns::*;

/// Creates `skill_casts`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SkillCasts {
    Table,
    Id,
    ActorId,
    UserId,
    IdempotencyKey,
    SkillId,
    TargetKind,
    TargetId,
    Status,
    MpCost,
    PreviousCastAtMs,
    CastAtMs,
    ReagentItem,
    Damage,
    Critical,
    Weather,
    ZoneId,
    TargetHpAfter,
    Outcome,
    FailureCode,
    CreatedAt,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SkillCasts::Table)
                    .col(uuid_pk(SkillCasts::Id))
                    .col(uuid(SkillCasts::ActorId))
                    .col(uuid(SkillCasts::UserId))
                    .col(string(SkillCasts::IdempotencyKey, 128))
                    .col(string(SkillCasts::SkillId, 64))
                    .col(string(SkillCasts::TargetKind, 16))
                    .col(uuid(SkillCasts::TargetId))
                    .col(string(SkillCasts::Status, 16))
                    .col(integer(SkillCasts::MpCost))
                    .col(
                        ColumnDef::new(SkillCasts::PreviousCastAtMs)
                            .big_integer()
                            .null(),
                    )
                    .col(big_integer(SkillCasts::CastAtMs))
                    .col(string_null(SkillCasts::ReagentItem, 64))
                    .col(integer(SkillCasts::Damage))
                    .col(boolean(SkillCasts::Critical))
                    .col(string(SkillCasts::Weather, 16))
                    .col(string(SkillCasts::ZoneId, 64))
                    .col(ColumnDef::new(SkillCasts::TargetHpAfter).integer().null())
                    .col(json(SkillCasts::Outcome))
                    .col(string_null(SkillCasts::FailureCode, 64))
                    .col(timestamp(SkillCasts::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_skill_casts_actor_key",
                SkillCasts::Table,
                [SkillCasts::ActorId, SkillCasts::IdempotencyKey],
                true,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, [SkillCasts::Table.into_iden()]).await
    }
}
