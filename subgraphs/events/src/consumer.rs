//! Reactions to other services' events: `content.published` of kind `EVENT` refreshes
//! the live event projection (newer versions win; redeliveries are skipped by the
//! kit's `handle_once`).

use futures_util::future::BoxFuture;
use sea_orm::{DatabaseTransaction, DbErr};
use subgraph_kit::events::consumer::EventHandler;
use subgraph_kit::events::topics::ContentPublished;
use subgraph_kit::events::EventEnvelope;

use crate::definitions::{self, Projected};

/// The content kind of live event definitions.
pub const EVENT_KIND: &str = "EVENT";

/// Handles `content.events`.
pub struct ContentEvents;

impl EventHandler for ContentEvents {
    type Committed = ();

    fn apply<'a>(
        &'a self,
        event: &'a EventEnvelope,
        txn: DatabaseTransaction,
    ) -> BoxFuture<'a, Result<(DatabaseTransaction, ()), DbErr>> {
        Box::pin(async move {
            if let Some(published) = ContentPublished::of_kind(event, &[EVENT_KIND]) {
                let projected =
                    definitions::project(&txn, published.version, published.definition).await?;
                if projected == Projected::Stored {
                    tracing::info!(event_id = %published.id, version = published.version, "live event definition refreshed");
                }
            }
            Ok((txn, ()))
        })
    }

    fn committed(&self, (): ()) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
}
