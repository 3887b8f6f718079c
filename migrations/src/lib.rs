//! Database migrations, grouped per service. Each service runs only its own migrator,
//! which records its progress in its own table (`seaql_migrations_<service>`), so
//! services can share one database server, or even one database, without colliding.

pub mod anticheat;
pub mod chaos;
pub mod chat;
mod columns;
pub mod events;
pub mod guild;
pub mod inventory;
pub mod live_events;
pub mod matchmaking;
pub mod notifications;
pub mod payment;
pub mod users;
pub mod world;

pub use sea_orm_migration::MigratorTrait;
