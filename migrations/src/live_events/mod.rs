//! Migrations of the events service (live events). Its module is `live_events`
//! because `crate::events` holds the shared outbox and processed-event tables.

use sea_orm_migration::prelude::*;

mod m20261126_000001_create_live_event_tables;

/// Runs the live_events service's migrations.
pub struct Migrator;

#[sea_orm_migration::async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migration_table_name() -> DynIden {
        Alias::new("seaql_migrations_live_events").into_iden()
    }

    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_create_live_event_tables::Migration),
            Box::new(crate::events::CreateEventTables),
        ]
    }
}
