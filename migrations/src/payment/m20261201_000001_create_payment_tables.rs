//! The store catalogue, the wallet ledger, purchases, redeemed receipts and currency
//! grants. The unique keys carry the money rules under concurrency: one account per
//! owner and currency, one purchase per user and idempotency key, one redemption per
//! store purchase token, one grant per idempotency key.

use sea_orm_migration::prelude::*;

use crate::columns::*;

/// Creates the payment service's tables.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StoreProducts {
    Table,
    Id,
    Name,
    Description,
    Kind,
    PriceCurrency,
    PriceAmount,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum StoreProductGrants {
    Table,
    ProductId,
    Position,
    Currency,
    ItemDefinitionId,
    Quantity,
}

#[derive(DeriveIden)]
enum LedgerAccounts {
    Table,
    Id,
    OwnerKind,
    OwnerKey,
    Currency,
    Balance,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum LedgerTransactions {
    Table,
    Id,
    Kind,
    Reason,
    Reference,
    UserId,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LedgerEntries {
    Table,
    Id,
    TransactionId,
    AccountId,
    Currency,
    Amount,
    BalanceAfter,
    Reason,
    Reference,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Purchases {
    Table,
    Id,
    UserId,
    IdempotencyKey,
    ProductId,
    ActorId,
    Provider,
    OrderId,
    Status,
    Paid,
    Granted,
    Items,
    Clawback,
    Shortfall,
    RefundReason,
    RefundedBy,
    CreatedAt,
    RefundedAt,
}

#[derive(DeriveIden)]
enum StoreReceipts {
    Table,
    Provider,
    PurchaseToken,
    OrderId,
    PurchaseId,
    UserId,
    PurchasedAt,
    RedeemedAt,
}

#[derive(DeriveIden)]
enum CurrencyGrants {
    Table,
    IdempotencyKey,
    UserId,
    Currency,
    Amount,
    Reason,
    GrantedBy,
    TransactionId,
    CreatedAt,
}

fn big_integer(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().to_owned()
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StoreProducts::Table)
                    .col(string(StoreProducts::Id, 64).primary_key().to_owned())
                    .col(string(StoreProducts::Name, 64))
                    .col(string(StoreProducts::Description, 500))
                    .col(string(StoreProducts::Kind, 16))
                    .col(string_null(StoreProducts::PriceCurrency, 8))
                    .col(
                        ColumnDef::new(StoreProducts::PriceAmount)
                            .big_integer()
                            .null(),
                    )
                    .col(ColumnDef::new(StoreProducts::Active).boolean().not_null())
                    .col(timestamp(StoreProducts::CreatedAt))
                    .col(timestamp(StoreProducts::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StoreProductGrants::Table)
                    .col(string(StoreProductGrants::ProductId, 64))
                    .col(integer(StoreProductGrants::Position))
                    .col(string_null(StoreProductGrants::Currency, 8))
                    .col(string_null(StoreProductGrants::ItemDefinitionId, 64))
                    .col(big_integer(StoreProductGrants::Quantity))
                    .primary_key(
                        Index::create()
                            .col(StoreProductGrants::ProductId)
                            .col(StoreProductGrants::Position),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LedgerAccounts::Table)
                    .col(uuid_pk(LedgerAccounts::Id))
                    .col(string(LedgerAccounts::OwnerKind, 8))
                    .col(string(LedgerAccounts::OwnerKey, 64))
                    .col(string(LedgerAccounts::Currency, 8))
                    .col(big_integer(LedgerAccounts::Balance))
                    .col(timestamp(LedgerAccounts::CreatedAt))
                    .col(timestamp(LedgerAccounts::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_ledger_accounts_owner_currency",
                LedgerAccounts::Table,
                [
                    LedgerAccounts::OwnerKind,
                    LedgerAccounts::OwnerKey,
                    LedgerAccounts::Currency,
                ],
                true,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LedgerTransactions::Table)
                    .col(uuid_pk(LedgerTransactions::Id))
                    .col(string(LedgerTransactions::Kind, 16))
                    .col(string(LedgerTransactions::Reason, 300))
                    .col(string_null(LedgerTransactions::Reference, 200))
                    .col(uuid_null(LedgerTransactions::UserId))
                    .col(uuid_null(LedgerTransactions::CreatedBy))
                    .col(timestamp(LedgerTransactions::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LedgerEntries::Table)
                    .col(uuid_pk(LedgerEntries::Id))
                    .col(uuid(LedgerEntries::TransactionId))
                    .col(uuid(LedgerEntries::AccountId))
                    .col(string(LedgerEntries::Currency, 8))
                    .col(big_integer(LedgerEntries::Amount))
                    .col(big_integer(LedgerEntries::BalanceAfter))
                    .col(string(LedgerEntries::Reason, 300))
                    .col(string_null(LedgerEntries::Reference, 200))
                    .col(timestamp(LedgerEntries::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_ledger_entries_account_time",
                LedgerEntries::Table,
                [
                    LedgerEntries::AccountId,
                    LedgerEntries::CreatedAt,
                    LedgerEntries::Id,
                ],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "idx_ledger_entries_transaction",
                LedgerEntries::Table,
                [LedgerEntries::TransactionId],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Purchases::Table)
                    .col(uuid_pk(Purchases::Id))
                    .col(uuid(Purchases::UserId))
                    .col(string(Purchases::IdempotencyKey, 128))
                    .col(string(Purchases::ProductId, 64))
                    .col(uuid_null(Purchases::ActorId))
                    .col(string(Purchases::Provider, 16))
                    .col(string_null(Purchases::OrderId, 128))
                    .col(string(Purchases::Status, 16))
                    .col(json(Purchases::Paid))
                    .col(json(Purchases::Granted))
                    .col(json(Purchases::Items))
                    .col(json(Purchases::Clawback))
                    .col(json(Purchases::Shortfall))
                    .col(string_null(Purchases::RefundReason, 300))
                    .col(uuid_null(Purchases::RefundedBy))
                    .col(timestamp(Purchases::CreatedAt))
                    .col(timestamp_null(Purchases::RefundedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_purchases_user_idempotency_key",
                Purchases::Table,
                [Purchases::UserId, Purchases::IdempotencyKey],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "idx_purchases_user_time",
                Purchases::Table,
                [Purchases::UserId, Purchases::CreatedAt, Purchases::Id],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StoreReceipts::Table)
                    .col(string(StoreReceipts::Provider, 16))
                    .col(string(StoreReceipts::PurchaseToken, 1024))
                    .col(string(StoreReceipts::OrderId, 128))
                    .col(uuid(StoreReceipts::PurchaseId))
                    .col(uuid(StoreReceipts::UserId))
                    .col(timestamp(StoreReceipts::PurchasedAt))
                    .col(timestamp(StoreReceipts::RedeemedAt))
                    .primary_key(
                        Index::create()
                            .col(StoreReceipts::Provider)
                            .col(StoreReceipts::PurchaseToken),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CurrencyGrants::Table)
                    .col(
                        string(CurrencyGrants::IdempotencyKey, 128)
                            .primary_key()
                            .to_owned(),
                    )
                    .col(uuid(CurrencyGrants::UserId))
                    .col(string(CurrencyGrants::Currency, 8))
                    .col(big_integer(CurrencyGrants::Amount))
                    .col(string(CurrencyGrants::Reason, 300))
                    .col(uuid(CurrencyGrants::GrantedBy))
                    .col(uuid(CurrencyGrants::TransactionId))
                    .col(timestamp(CurrencyGrants::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            [
                CurrencyGrants::Table.into_iden(),
                StoreReceipts::Table.into_iden(),
                Purchases::Table.into_iden(),
                LedgerEntries::Table.into_iden(),
                LedgerTransactions::Table.into_iden(),
                LedgerAccounts::Table.into_iden(),
                StoreProductGrants::Table.into_iden(),
                StoreProducts::Table.into_iden(),
            ],
        )
        .await
    }
}
