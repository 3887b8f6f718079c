//! Migrations of the users service.

use sea_orm_migration::prelude::*;

mod m20261125_000001_create_users;
mod m20261215_000001_create_account_sanctions;

/// Runs the users service's migrations.
pub struct Migrator;

#[sea_orm_migration::async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migration_table_name() -> DynIden {
        Alias::new("seaql_migrations_users").into_iden()
    }

    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_create_users::Migration),
            Box::new(m20261215_000001_create_account_sanctions::Migration),
        ]
    }
}
