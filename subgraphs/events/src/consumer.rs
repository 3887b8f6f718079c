//! Reactions to other services' events: `content.published` of kind `EVENT` refreshes
//! the live event projection (newer versions win; redeliveries are skipped by the
//! kit's `handle_once`).

use futures_util::future::BoxFuture;
use sea_orm::{DatabaseTransaction, DbErr};
use serde::Deserialize;
use subgraph_kit::events::consumer::EventHandler;
use subgraph_kit::events::EventEnvelope;

use crate::definitions::{self, Projected};

/// The event type content publishes definitions with.
pub const CONTENT_PUBLISHED: &str = "content.published";

/// The content kind of live event definitions.
pub const EVENT_KIND: &str = "EVENT";

/// Handles `content.events`.
pub struct ContentEvents;

#[derive(Deserialize)]
struct Published {
    kind: String,
    id: String,
    version: i32,
    definition: serde_json::Value,
}

impl EventHandler for ContentEvents {
    type Committed = ();

    fn apply<'a>(
        &'a self,
        event: &'a EventEnvelope,
        txn: DatabaseTransaction,
    ) -> BoxFuture<'a, Result<(DatabaseTransaction, ()), DbErr>> {
        Box::pin(async move {
            if event.event_type != CONTENT_PUBLISHED {
                return Ok((txn, ()));
            }
            match serde_json::from_value::<Published>(event.payload.clone()) {
                Ok(published) if published.kind == EVENT_KIND => {
                    let projected =
                        definitions::project(&txn, published.version, published.definition).await?;
                    if projected == Projected::Stored {
                        tracing::info!(event_id = %published.id, version = published.version, "live event definition refreshed");
                    }
                }
                Ok(_) => {}
                Err(err) => {
                    tracing::warn!(event_id = %event.id, cause = %err, "unreadable content.published skipped");
                }
            }
            Ok((txn, ()))
        })
    }

    fn committed(&self, (): ()) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
}
