//! Migrations of the payment service.

use sea_orm_migration::prelude::*;

mod m20261201_000001_create_payment_tables;
mod m20261201_000002_seed_store_products;

/// Runs the payment service's migrations.
pub struct Migrator;

#[sea_orm_migration::async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migration_table_name() -> DynIden {
        Alias::new("seaql_migrations_payment").into_iden()
    }

    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261201_000001_create_payment_tables::Migration),
            Box::new(m20261201_000002_seed_store_products::Migration),
            Box::new(crate::events::CreateEventTables),
        ]
    }
}
