//! Tests of the analytics service, each run on every document store engine (SQLite
//! always, MongoDB when `CHAOS_TEST_MONGODB_URL` is set): events ingested as the
//! consumers store them (duplicates included), then read through the schema as an
//! admin or a player.

mod aggregates;
mod app;
mod ingestion;

use std::sync::Arc;

use async_graphql::{Request, Response, Variables};
use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;
use subgraph_kit::auth::{Authentication, Viewer, SCOPE_ADMIN, SCOPE_PLAYER};
use subgraph_kit::documents::DocumentStore;
use subgraph_kit::events::EventEnvelope;
use uuid::Uuid;

use crate::graphql::{schema, AnalyticsSchema, Deps};

/// The schema over a store.
pub struct Harness {
    /// The executable schema.
    pub schema: AnalyticsSchema,
    /// Its raw events.
    pub store: Arc<dyn DocumentStore>,
}

impl Harness {
    /// The schema over `store`.
    pub fn new(store: Arc<dyn DocumentStore>) -> Self {
        Self {
            schema: schema(Some(Deps {
                store: store.clone(),
            })),
            store,
        }
    }

    /// Stores `event` from `topic` as the consumer does; returns whether it was new.
    pub async fn ingest(&self, topic: &str, event: &EventEnvelope) -> bool {
        crate::ingest::store(self.store.as_ref(), topic, event)
            .await
            .expect("stores the event")
    }

    /// Runs `query` as `viewer` (anonymous when `None`).
    pub async fn run(&self, viewer: Option<&Viewer>, query: &str, variables: Value) -> Response {
        let mut request = Request::new(query).variables(Variables::from_json(variables));
        if let Some(viewer) = viewer {
            request = request.data(Authentication::Verified(viewer.clone()));
        }
        self.schema.execute(request).await
    }

    /// Runs `query` as an admin and returns its data, failing on errors.
    pub async fn admin_data(&self, query: &str, variables: Value) -> Value {
        let response = self.run(Some(&admin()), query, variables).await;
        assert!(
            response.errors.is_empty(),
            "unexpected errors: {:?}",
            response.errors
        );
        response.data.into_json().expect("data is JSON")
    }
}

/// A signed-in player.
pub fn player() -> Viewer {
    Viewer {
        user_id: Uuid::new_v4(),
        username: "player".into(),
        scopes: vec![SCOPE_PLAYER.into()],
        session_id: Uuid::new_v4(),
    }
}

/// A signed-in admin.
pub fn admin() -> Viewer {
    Viewer {
        user_id: Uuid::new_v4(),
        username: "admin".into(),
        scopes: vec![SCOPE_PLAYER.into(), SCOPE_ADMIN.into()],
        session_id: Uuid::new_v4(),
    }
}

/// An event of `event_type` caused by `user_id`, at `at`.
pub fn envelope(
    event_type: &str,
    user_id: Option<Uuid>,
    at: DateTime<Utc>,
    payload: Value,
) -> EventEnvelope {
    let mut event = EventEnvelope::new(event_type, "aggregate", payload);
    event.user_id = user_id;
    event.occurred_at = at;
    event
}

/// `2026-<month>-<day>T<hour>:00:00Z`.
pub fn at(month: u32, day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, hour, 0, 0)
        .single()
        .expect("a valid time")
}

pub use subgraph_kit::testing::schema_response::assert_code;
