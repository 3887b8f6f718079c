//! Flags, player reports, sanctions and the detection state of the event consumers.

use sea_orm_migration::prelude::*;

use crate::columns::*;

/// Creates the anticheat service's tables.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AnticheatFlags {
    Table,
    Id,
    UserId,
    ActorId,
    Kind,
    Detail,
    DedupeKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AnticheatReports {
    Table,
    Id,
    ReporterUserId,
    ReporterActorId,
    ReportedUserId,
    ReportedActorId,
    Reason,
    Comment,
    IdempotencyKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AnticheatSanctions {
    Table,
    Id,
    UserId,
    Kind,
    Reason,
    DurationSeconds,
    Until,
    Status,
    IdempotencyKey,
    IssuedBy,
    CreatedAt,
    LiftedAt,
    LiftedBy,
}

#[derive(DeriveIden)]
enum AnticheatWindows {
    Table,
    ActorId,
    Kind,
    WindowStartMs,
    Count,
    Flagged,
}

#[derive(DeriveIden)]
enum AnticheatCastStates {
    Table,
    ActorId,
    SkillId,
    LastCastAtMs,
    CooldownMs,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AnticheatFlags::Table)
                    .col(uuid_pk(AnticheatFlags::Id))
                    .col(uuid(AnticheatFlags::UserId))
                    .col(uuid_null(AnticheatFlags::ActorId))
                    .col(string(AnticheatFlags::Kind, 32))
                    .col(json(AnticheatFlags::Detail))
                    .col(string_null(AnticheatFlags::DedupeKey, 160))
                    .col(timestamp(AnticheatFlags::CreatedAt))
                    .to_owned(),
            )
            .await?;
        for statement in [
            index(
                "idx_anticheat_flags_dedupe",
                AnticheatFlags::Table,
                [AnticheatFlags::DedupeKey],
                true,
            ),
            index(
                "idx_anticheat_flags_user",
                AnticheatFlags::Table,
                [AnticheatFlags::UserId, AnticheatFlags::CreatedAt],
                false,
            ),
            index(
                "idx_anticheat_flags_created",
                AnticheatFlags::Table,
                [AnticheatFlags::CreatedAt],
                false,
            ),
        ] {
            manager.create_index(statement).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(AnticheatReports::Table)
                    .col(uuid_pk(AnticheatReports::Id))
                    .col(uuid(AnticheatReports::ReporterUserId))
                    .col(uuid(AnticheatReports::ReporterActorId))
                    .col(uuid(AnticheatReports::ReportedUserId))
                    .col(uuid(AnticheatReports::ReportedActorId))
                    .col(string(AnticheatReports::Reason, 16))
                    .col(string_null(AnticheatReports::Comment, 1000))
                    .col(string(AnticheatReports::IdempotencyKey, 100))
                    .col(timestamp(AnticheatReports::CreatedAt))
                    .to_owned(),
            )
            .await?;
        for statement in [
            index(
                "idx_anticheat_reports_key",
                AnticheatReports::Table,
                [
                    AnticheatReports::ReporterUserId,
                    AnticheatReports::IdempotencyKey,
                ],
                true,
            ),
            index(
                "idx_anticheat_reports_reporter",
                AnticheatReports::Table,
                [
                    AnticheatReports::ReporterUserId,
                    AnticheatReports::CreatedAt,
                ],
                false,
            ),
            index(
                "idx_anticheat_reports_reported",
                AnticheatReports::Table,
                [
                    AnticheatReports::ReportedUserId,
                    AnticheatReports::CreatedAt,
                ],
                false,
            ),
        ] {
            manager.create_index(statement).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(AnticheatSanctions::Table)
                    .col(uuid_pk(AnticheatSanctions::Id))
                    .col(uuid(AnticheatSanctions::UserId))
                    .col(string(AnticheatSanctions::Kind, 16))
                    .col(string(AnticheatSanctions::Reason, 500))
                    .col(
                        ColumnDef::new(AnticheatSanctions::DurationSeconds)
                            .big_integer()
                            .null(),
                    )
                    .col(timestamp_null(AnticheatSanctions::Until))
                    .col(string(AnticheatSanctions::Status, 16))
                    .col(string(AnticheatSanctions::IdempotencyKey, 100))
                    .col(uuid(AnticheatSanctions::IssuedBy))
                    .col(timestamp(AnticheatSanctions::CreatedAt))
                    .col(timestamp_null(AnticheatSanctions::LiftedAt))
                    .col(uuid_null(AnticheatSanctions::LiftedBy))
                    .to_owned(),
            )
            .await?;
        for statement in [
            index(
                "idx_anticheat_sanctions_key",
                AnticheatSanctions::Table,
                [AnticheatSanctions::IdempotencyKey],
                true,
            ),
            index(
                "idx_anticheat_sanctions_user",
                AnticheatSanctions::Table,
                [AnticheatSanctions::UserId, AnticheatSanctions::CreatedAt],
                false,
            ),
        ] {
            manager.create_index(statement).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(AnticheatWindows::Table)
                    .col(uuid(AnticheatWindows::ActorId))
                    .col(string(AnticheatWindows::Kind, 32))
                    .col(big_integer(AnticheatWindows::WindowStartMs))
                    .col(integer(AnticheatWindows::Count))
                    .col(boolean(AnticheatWindows::Flagged))
                    .primary_key(
                        Index::create()
                            .col(AnticheatWindows::ActorId)
                            .col(AnticheatWindows::Kind),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AnticheatCastStates::Table)
                    .col(uuid(AnticheatCastStates::ActorId))
                    .col(string(AnticheatCastStates::SkillId, 64))
                    .col(big_integer(AnticheatCastStates::LastCastAtMs))
                    .col(big_integer(AnticheatCastStates::CooldownMs))
                    .primary_key(
                        Index::create()
                            .col(AnticheatCastStates::ActorId)
                            .col(AnticheatCastStates::SkillId),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            [
                AnticheatCastStates::Table.into_iden(),
                AnticheatWindows::Table.into_iden(),
                AnticheatSanctions::Table.into_iden(),
                AnticheatReports::Table.into_iden(),
                AnticheatFlags::Table.into_iden(),
            ],
        )
        .await
    }
}
