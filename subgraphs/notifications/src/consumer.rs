//! Turns guild and chat events into inbox entries (once per event, however often it is
//! delivered) and pushes each new entry to the recipient's live subscriptions.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use sea_orm::{DatabaseTransaction, DbErr};
use subgraph_kit::events::consumer::EventHandler;
use subgraph_kit::events::EventEnvelope;
use subgraph_kit::pubsub::PubSub;

use entities::notifications::notification;

use crate::graphql::inbox_topic;
use crate::service;

/// Writes notifications for the events of the source topics.
pub struct InboxWriter {
    /// Live delivery.
    pub pubsub: Arc<dyn PubSub>,
}

impl EventHandler for InboxWriter {
    type Committed = Vec<notification::Model>;

    fn apply<'a>(
        &'a self,
        event: &'a EventEnvelope,
        txn: DatabaseTransaction,
    ) -> BoxFuture<'a, Result<(DatabaseTransaction, Self::Committed), DbErr>> {
        Box::pin(async move {
            let stored = service::record(&txn, event).await?;
            Ok((txn, stored))
        })
    }

    fn committed(&self, stored: Vec<notification::Model>) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            for notification in stored {
                let message = match serde_json::to_string(&notification) {
                    Ok(message) => message,
                    Err(err) => {
                        tracing::error!(notification_id = %notification.id, cause = %err, "notification not serializable");
                        continue;
                    }
                };
                if let Err(err) = self
                    .pubsub
                    .publish(&inbox_topic(notification.user_id), message)
                    .await
                {
                    tracing::warn!(notification_id = %notification.id, cause = %err, "notification not delivered live");
                }
            }
        })
    }
}
