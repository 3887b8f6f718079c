//! Migrations of the matchmaking service.

use sea_orm_migration::prelude::*;

mod m20261210_000001_create_matchmaking_tables;

/// Runs the matchmaking service's migrations.
pub struct Migrator;

#[sea_orm_migration::async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migration_table_name() -> DynIden {
        Alias::new("seaql_migrations_matchmaking").into_iden()
    }

    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261210_000001_create_matchmaking_tables::Migration),
            Box::new(crate::events::CreateEventTables),
        ]
    }
}
