//! In-process tests of the events service: the schema executed directly against a
//! throwaway database (SQLite, or PostgreSQL when `CHAOS_TEST_POSTGRES_URL` is set), as
//! a signed-in player, with actors owned according to the test and live event
//! definitions projected through the content consumer.

mod app;
mod claims;
mod live;
mod projection;
mod scores;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_graphql::{Request, Response, Variables};
use chrono::{DateTime, Duration, Utc};
use futures_util::future::BoxFuture;
use sea_orm::{DatabaseConnection, EntityTrait};
use serde_json::{json, Value};
use subgraph_kit::auth::{Authentication, Viewer, SCOPE_PLAYER};
use subgraph_kit::events::consumer::{handle_once, EventHandler, Outcome};
use subgraph_kit::events::outbox::entity as outbox_entity;
use subgraph_kit::events::{topics, EventEnvelope};
use subgraph_kit::pubsub::{InProcessPubSub, PubSub};
use subgraph_kit::testing::TestDatabase;
use subgraph_kit::KitError;
use uuid::Uuid;

use crate::actors::ActorOwnership;
use crate::consumer::ContentEvents;
use crate::graphql::{schema, Deps, EventsSchema};

/// Actors and their owners, as the test sets them up.
#[derive(Default)]
pub struct FakeActors(Mutex<HashMap<Uuid, Uuid>>);

impl ActorOwnership for FakeActors {
    fn check_owned<'a>(
        &'a self,
        actor_id: Uuid,
        viewer: &'a Viewer,
    ) -> BoxFuture<'a, Result<(), KitError>> {
        let owner = self
            .0
            .lock()
            .expect("the actor map lock is never poisoned")
            .get(&actor_id)
            .copied();
        Box::pin(async move {
            match owner {
                None => Err(KitError::NotFound("actor")),
                Some(owner) if owner != viewer.user_id => {
                    Err(KitError::Forbidden("the actor belongs to another player"))
                }
                Some(_) => Ok(()),
            }
        })
    }
}

/// The schema over a fresh database.
pub struct Harness {
    /// The executable schema.
    pub schema: EventsSchema,
    /// Its database.
    pub db: DatabaseConnection,
    /// Its live fan-out.
    pub pubsub: Arc<dyn PubSub>,
    actors: Arc<FakeActors>,
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

/// A live event definition as content publishes it (camelCase), rewarding 3 elixirs
/// and 5 fire crystals.
pub fn definition(id: &str, starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> Value {
    json!({
        "id": id,
        "name": "Ember Festival",
        "description": "Hunt in the Ember Wastes.",
        "zoneId": "ember_wastes",
        "startsAt": starts_at,
        "endsAt": ends_at,
        "maxScorePerSubmission": 1000,
        "rewards": [
            { "itemId": "elixir_of_might", "quantity": 3 },
            { "itemId": "fire_crystal", "quantity": 5 },
        ],
        "version": 1,
    })
}

/// A `content.published` envelope of kind `kind`.
pub fn published(kind: &str, id: &str, version: i32, definition: Value) -> EventEnvelope {
    EventEnvelope::new(
        "content.published",
        format!("{kind}:{id}"),
        json!({ "kind": kind, "id": id, "version": version, "definition": definition }),
    )
}

impl Harness {
    /// A fresh database and schema.
    pub async fn new() -> Self {
        let database = TestDatabase::create("events").await;
        let db = subgraph_kit::db::connect_and_migrate::<migrations::live_events::Migrator>(
            &database.settings,
        )
        .await
        .expect("the test database migrates");
        let actors = Arc::new(FakeActors::default());
        let pubsub: Arc<dyn PubSub> = Arc::new(InProcessPubSub::default());
        let schema = schema(Some(Deps {
            db: db.clone(),
            outbox: Default::default(),
            actors: actors.clone(),
            pubsub: pubsub.clone(),
        }));
        Self {
            schema,
            db,
            pubsub,
            actors,
        }
    }

    /// A new actor owned by `viewer`.
    pub fn actor_of(&self, viewer: &Viewer) -> Uuid {
        let actor_id = Uuid::new_v4();
        self.actors
            .0
            .lock()
            .expect("the actor map lock is never poisoned")
            .insert(actor_id, viewer.user_id);
        actor_id
    }

    /// Delivers `event` to the content consumer, as the bus would.
    pub async fn deliver(&self, event: &EventEnvelope) -> Outcome {
        handle_once(&self.db, "events", event, |txn| {
            ContentEvents.apply(event, txn)
        })
        .await
        .expect("the consumer handles the event")
    }

    /// Publishes version `version` of event `id` running between the two times.
    pub async fn publish(
        &self,
        id: &str,
        version: i32,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
    ) {
        let outcome = self
            .deliver(&published(
                "EVENT",
                id,
                version,
                definition(id, starts_at, ends_at),
            ))
            .await;
        assert_eq!(outcome, Outcome::Applied(()));
    }

    /// A running event `id` (version 1): started an hour ago, ends in an hour.
    pub async fn running(&self, id: &str) {
        let now = Utc::now();
        self.publish(id, 1, now - Duration::hours(1), now + Duration::hours(1))
            .await;
    }

    /// Ends event `id` by publishing `version` with its end in the past.
    pub async fn end(&self, id: &str, version: i32) {
        let now = Utc::now();
        self.publish(
            id,
            version,
            now - Duration::hours(2),
            now - Duration::seconds(1),
        )
        .await;
    }

    /// Runs `query` as `viewer` (anonymous when `None`).
    pub async fn run(&self, viewer: Option<&Viewer>, query: &str, variables: Value) -> Response {
        let mut request = Request::new(query).variables(Variables::from_json(variables));
        if let Some(viewer) = viewer {
            request = request.data(Authentication::Verified(viewer.clone()));
        }
        crate::loaders::attach(&mut request.data, &self.db);
        self.schema.execute(request).await
    }

    /// Runs `query` as `viewer` and returns its data, failing on errors.
    pub async fn data(&self, viewer: &Viewer, query: &str, variables: Value) -> Value {
        data(self.run(Some(viewer), query, variables).await)
    }

    /// Joins `actor` (of `viewer`) to `event`.
    pub async fn join(&self, viewer: &Viewer, event: &str, actor: Uuid) -> Response {
        self.run(
            Some(viewer),
            JOIN,
            json!({ "event": event, "actor": actor }),
        )
        .await
    }

    /// Submits `score` for `actor` in `event` with idempotency key `key`.
    pub async fn submit(
        &self,
        viewer: &Viewer,
        event: &str,
        actor: Uuid,
        score: i64,
        key: &str,
    ) -> Response {
        self.run(
            Some(viewer),
            SUBMIT,
            json!({ "event": event, "actor": actor, "score": score, "key": key }),
        )
        .await
    }

    /// Claims `actor`'s reward in `event` with idempotency key `key`.
    pub async fn claim(&self, viewer: &Viewer, event: &str, actor: Uuid, key: &str) -> Response {
        self.run(
            Some(viewer),
            CLAIM,
            json!({ "event": event, "actor": actor, "key": key }),
        )
        .await
    }

    /// The outbox's events of `event_type`, oldest first.
    pub async fn events(&self, event_type: &str) -> Vec<EventEnvelope> {
        let mut events: Vec<EventEnvelope> = outbox_entity::Entity::find()
            .all(&self.db)
            .await
            .expect("reads the outbox")
            .into_iter()
            .map(|row| {
                assert_eq!(row.topic, topics::LIVE_EVENTS);
                serde_json::from_value(row.envelope).expect("an envelope")
            })
            .filter(|event: &EventEnvelope| event.event_type == event_type)
            .collect();
        events.sort_by_key(|event| event.occurred_at);
        events
    }
}

pub use subgraph_kit::testing::schema_response::{assert_code, data};

/// The `joinLiveEvent` mutation.
pub const JOIN: &str = "mutation($event: ID!, $actor: ID!) {
    joinLiveEvent(eventId: $event, actorId: $actor) { eventId actorId score rank joinedAt }
}";

/// The `submitLiveEventScore` mutation.
pub const SUBMIT: &str = "mutation($event: ID!, $actor: ID!, $score: Int!, $key: String!) {
    submitLiveEventScore(eventId: $event, actorId: $actor, score: $score, idempotencyKey: $key) {
        eventId actorId score total replayed
    }
}";

/// The `claimLiveEventReward` mutation.
pub const CLAIM: &str = "mutation($event: ID!, $actor: ID!, $key: String!) {
    claimLiveEventReward(eventId: $event, actorId: $actor, idempotencyKey: $key) {
        id eventId actorId score alreadyClaimed items { definitionId quantity }
    }
}";
