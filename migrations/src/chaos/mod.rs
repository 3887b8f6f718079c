//! Migrations of the chaos backend.

use sea_orm_migration::prelude::*;

mod m20261125_000001_create_actors;
mod m20261125_000002_seed_skills;
mod m20261126_000003_item_effects;
mod m20261127_000004_skill_casts;

/// Runs the chaos backend's migrations.
pub struct Migrator;

#[sea_orm_migration::async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migration_table_name() -> DynIden {
        Alias::new("seaql_migrations_chaos").into_iden()
    }

    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_create_actors::Migration),
            Box::new(m20261125_000002_seed_skills::Migration),
            Box::new(crate::events::CreateEventTables),
            Box::new(m20261126_000003_item_effects::Migration),
            Box::new(m20261127_000004_skill_casts::Migration),
        ]
    }
}
