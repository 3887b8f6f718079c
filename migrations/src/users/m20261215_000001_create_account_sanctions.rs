//! Account sanctions: ban and global-mute state on the account, the mark before which
//! access tokens are refused, and the sanctions applied (by anticheat's sanction id, so
//! applying one twice changes nothing).

use sea_orm_migration::prelude::*;

use crate::columns::{index, string, string_null, timestamp, timestamp_null, uuid, uuid_pk};

/// Adds sanction state to `users` and creates `account_sanctions`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    BannedUntil,
    BannedPermanently,
    BanReason,
    MutedUntil,
    MutedPermanently,
    TokensRevokedBefore,
}

#[derive(DeriveIden)]
enum AccountSanctions {
    Table,
    SanctionId,
    UserId,
    Kind,
    Until,
    Reason,
    AppliedAt,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds a single column per ALTER TABLE.
        let columns = [
            timestamp_null(Users::BannedUntil),
            ColumnDef::new(Users::BannedPermanently)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
            string_null(Users::BanReason, 500),
            timestamp_null(Users::MutedUntil),
            ColumnDef::new(Users::MutedPermanently)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
            timestamp_null(Users::TokensRevokedBefore),
        ];
        for column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(AccountSanctions::Table)
                    .col(uuid_pk(AccountSanctions::SanctionId))
                    .col(uuid(AccountSanctions::UserId))
                    .col(string(AccountSanctions::Kind, 8))
                    .col(timestamp_null(AccountSanctions::Until))
                    .col(string(AccountSanctions::Reason, 500))
                    .col(timestamp(AccountSanctions::AppliedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_account_sanctions_user",
                AccountSanctions::Table,
                [AccountSanctions::UserId],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AccountSanctions::Table).to_owned())
            .await?;
        for column in [
            Users::TokensRevokedBefore,
            Users::MutedPermanently,
            Users::MutedUntil,
            Users::BanReason,
            Users::BannedPermanently,
            Users::BannedUntil,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
