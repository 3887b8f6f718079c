//! Migrations of the world service.

use sea_orm_migration::prelude::*;

/// Runs the world service's migrations.
pub struct Migrator;

#[sea_orm_migration::async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migration_table_name() -> DynIden {
        Alias::new("seaql_migrations_world").into_iden()
    }

    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(crate::events::CreateEventTables)]
    }
}
