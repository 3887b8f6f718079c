//! Idempotent consumption: a handler's writes and the record that the event was
//! processed commit together, so an event delivered twice is applied once.

use std::future::Future;

use chrono::Utc;
use sea_orm::entity::prelude::*;
use sea_orm::{DatabaseConnection, DatabaseTransaction, Set, SqlErr};

use super::EventEnvelope;

/// The `processed_events` table.
pub mod entity {
    use sea_orm::entity::prelude::*;

    /// An event a consumer group has handled.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "processed_events")]
    pub struct Model {
        /// The consumer group.
        #[sea_orm(primary_key, auto_increment = false)]
        pub consumer_group: String,
        /// The event id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub event_id: Uuid,
        /// When it was handled.
        pub processed_at: DateTimeUtc,
    }

    /// Relations of [`Model`].
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Whether a delivery changed anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// First delivery: the handler ran and its writes are committed.
    Applied,
    /// Seen before by this group: nothing ran.
    Duplicate,
}

/// Runs `handler` for `event` in one transaction with the processed-event record; a
/// duplicate (sequential or concurrent) is detected by the record's primary key.
pub async fn handle_once<F, Fut>(
    db: &DatabaseConnection,
    group: &str,
    event: &EventEnvelope,
    handler: F,
) -> Result<Outcome, DbErr>
where
    F: FnOnce(DatabaseTransaction) -> Fut,
    Fut: Future<Output = Result<DatabaseTransaction, DbErr>>,
{
    let txn = crate::db::begin_write(db).await?;
    if entity::Entity::find_by_id((group.to_string(), event.id))
        .one(&txn)
        .await?
        .is_some()
    {
        txn.rollback().await?;
        return Ok(Outcome::Duplicate);
    }
    let inserted = entity::ActiveModel {
        consumer_group: Set(group.to_string()),
        event_id: Set(event.id),
        processed_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await;
    match inserted {
        Ok(_) => {}
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            txn.rollback().await?;
            return Ok(Outcome::Duplicate);
        }
        Err(err) => return Err(err),
    }
    let txn = handler(txn).await?;
    txn.commit().await?;
    Ok(Outcome::Applied)
}
