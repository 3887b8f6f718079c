//! Migrations of the inventory service.

use sea_orm_migration::prelude::*;

mod m20261126_000001_create_inventory;

/// Runs the inventory service's migrations.
pub struct Migrator;

#[sea_orm_migration::async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migration_table_name() -> DynIden {
        Alias::new("seaql_migrations_inventory").into_iden()
    }

    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_create_inventory::Migration),
            Box::new(crate::events::CreateEventTables),
        ]
    }
}
