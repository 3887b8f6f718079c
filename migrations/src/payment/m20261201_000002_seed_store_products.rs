//! Seeds the launch catalogue: two gem packs sold through the stores, and three wallet
//! products (potions, gold, a starter sword).

use sea_orm_migration::prelude::*;

/// Inserts the launch products.
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

/// What a seeded product grants.
enum Grant {
    Currency(&'static str, i64),
    Item(&'static str, i64),
}

/// (id, name, description, kind, price (currency, amount), grants)
type ProductRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<(&'static str, i64)>,
    &'static [Grant],
);

const PRODUCTS: &[ProductRow] = &[
    (
        "gems_100",
        "100 Gems",
        "A pouch of 100 gems.",
        "STORE_RECEIPT",
        None,
        &[Grant::Currency("HARD", 100)],
    ),
    (
        "gems_550",
        "550 Gems",
        "A chest of 550 gems: 10% more gems for your money.",
        "STORE_RECEIPT",
        None,
        &[Grant::Currency("HARD", 550)],
    ),
    (
        "potion_bundle",
        "Potion Bundle",
        "Five health potions.",
        "WALLET",
        Some(("HARD", 30)),
        &[Grant::Item("health_potion", 5)],
    ),
    (
        "gold_pack",
        "Gold Pack",
        "A thousand gold coins.",
        "WALLET",
        Some(("HARD", 10)),
        &[Grant::Currency("SOFT", 1000)],
    ),
    (
        "starter_sword",
        "Starter Sword",
        "An iron sword to begin your journey.",
        "WALLET",
        Some(("SOFT", 250)),
        &[Grant::Item("iron_sword", 1)],
    ),
];

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut products = Query::insert();
        products.into_table(StoreProducts::Table).columns([
            StoreProducts::Id,
            StoreProducts::Name,
            StoreProducts::Description,
            StoreProducts::Kind,
            StoreProducts::PriceCurrency,
            StoreProducts::PriceAmount,
            StoreProducts::Active,
            StoreProducts::CreatedAt,
            StoreProducts::UpdatedAt,
        ]);
        let mut grants = Query::insert();
        grants.into_table(StoreProductGrants::Table).columns([
            StoreProductGrants::ProductId,
            StoreProductGrants::Position,
            StoreProductGrants::Currency,
            StoreProductGrants::ItemDefinitionId,
            StoreProductGrants::Quantity,
        ]);
        for &(id, name, description, kind, price, product_grants) in PRODUCTS {
            products.values_panic([
                id.into(),
                name.into(),
                description.into(),
                kind.into(),
                price.map(|(currency, _)| currency.to_string()).into(),
                price.map(|(_, amount)| amount).into(),
                true.into(),
                Expr::current_timestamp(),
                Expr::current_timestamp(),
            ]);
            for (position, grant) in (0i32..).zip(product_grants) {
                let (currency, item, quantity) = match grant {
                    Grant::Currency(currency, amount) => (Some(*currency), None, *amount),
                    Grant::Item(item, quantity) => (None, Some(*item), *quantity),
                };
                grants.values_panic([
                    id.into(),
                    position.into(),
                    currency.map(str::to_string).into(),
                    item.map(str::to_string).into(),
                    quantity.into(),
                ]);
            }
        }
        manager.exec_stmt(products).await?;
        manager.exec_stmt(grants).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let ids: Vec<&str> = PRODUCTS.iter().map(|row| row.0).collect();
        manager
            .exec_stmt(
                Query::delete()
                    .from_table(StoreProductGrants::Table)
                    .and_where(Expr::col(StoreProductGrants::ProductId).is_in(ids.clone()))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::delete()
                    .from_table(StoreProducts::Table)
                    .and_where(Expr::col(StoreProducts::Id).is_in(ids))
                    .to_owned(),
            )
            .await
    }
}
