//! Migrations of the anticheat service.

use sea_orm_migration::prelude::*;

mod m20261215_000001_create_anticheat_tables;

/// Runs the anticheat service's migrations.
pub struct Migrator;

#[sea_orm_migration::async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migration_table_name() -> DynIden {
        Alias::new("seaql_migrations_anticheat").into_iden()
    }

    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261215_000001_create_anticheat_tables::Migration),
            Box::new(crate::events::CreateEventTables),
        ]
    }
}
