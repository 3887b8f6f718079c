//! Migrations of the guild service.

use sea_orm_migration::prelude::*;

mod m20261125_000001_create_guilds;
mod m20261127_000002_guild_territories;

/// Runs the guild service's migrations.
pub struct Migrator;

#[sea_orm_migration::async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migration_table_name() -> DynIden {
        Alias::new("seaql_migrations_guild").into_iden()
    }

    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_create_guilds::Migration),
            Box::new(crate::events::CreateEventTables),
            Box::new(m20261127_000002_guild_territories::Migration),
        ]
    }
}
