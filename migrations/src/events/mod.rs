//! Tables every service that emits or consumes domain events needs: the transactional
//! outbox and the record of processed events. Each service's migrator includes
//! [`CreateEventTables`]; [`Migrator`] runs it alone (for the kit's own tests).

use sea_orm_migration::prelude::*;

mod m20261125_000100_create_event_tables;

pub use m20261125_000100_create_event_tables::Migration as CreateEventTables;

/// Runs only the event tables' migration.
pub struct Migrator;

#[sea_orm_migration::async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migration_table_name() -> DynIden {
        Alias::new("seaql_migrations_events").into_iden()
    }

    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateEventTables)]
    }
}
