//! Migrations of the world service.

use sea_orm_migration::prelude::*;

mod m20261126_000001_create_world_tables;

/// Runs the world service's migrations.
pub struct Migrator;

#[sea_orm_migration::async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migration_table_name() -> DynIden {
        Alias::new("seaql_migrations_world").into_iden()
    }

    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_create_world_tables::Migration),
            Box::new(crate::events::CreateEventTables),
        ]
    }
}
