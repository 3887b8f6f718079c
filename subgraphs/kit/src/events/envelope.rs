//! The event envelope every service publishes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A domain event with its metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventEnvelope {
    /// Unique id; consumers deduplicate on it.
    pub id: Uuid,
    /// What happened, e.g. `actor.experience_granted`.
    pub event_type: String,
    /// The entity it happened to; the partition key, so its events stay ordered.
    pub aggregate_id: String,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// The user who caused it, if any.
    pub user_id: Option<Uuid>,
    /// W3C `traceparent` of the request that caused it, if traced.
    pub traceparent: Option<String>,
    /// Version of the payload's shape for `event_type`.
    pub schema_version: u32,
    /// The event's data.
    pub payload: serde_json::Value,
}

impl EventEnvelope {
    /// A new event of `event_type` about `aggregate_id`, happening now (version 1), in
    /// the current trace (see [`crate::trace`]).
    pub fn new(event_type: &str, aggregate_id: impl ToString, payload: serde_json::Value) -> Self {
        Self {
            id: Uuid::now_v7(),
            event_type: event_type.to_string(),
            aggregate_id: aggregate_id.to_string(),
            occurred_at: Utc::now(),
            user_id: None,
            traceparent: crate::trace::current(),
            schema_version: 1,
            payload,
        }
    }

    /// The same event, caused by `user_id`.
    pub fn by(mut self, user_id: Uuid) -> Self {
        self.user_id = Some(user_id);
        self
    }
}
