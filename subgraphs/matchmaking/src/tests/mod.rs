//! In-process tests of the matchmaking service: the service functions, the matcher
//! and the schema, against a throwaway database (SQLite, or PostgreSQL when
//! `CHAOS_TEST_POSTGRES_URL` is set), with actors owned as the test sets up and
//! in-process live fan-out. The matcher is driven with an explicit `now`.

mod app;
mod graphql;
mod matching;
mod queueing;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_graphql::{Request, Response, Variables};
use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use sea_orm::{DatabaseConnection, EntityTrait};
use serde_json::Value;
use subgraph_kit::auth::{Authentication, Viewer, SCOPE_ADMIN, SCOPE_PLAYER};
use subgraph_kit::directory::ActorSummary;
use subgraph_kit::events::outbox::entity as outbox_entity;
use subgraph_kit::events::EventEnvelope;
use subgraph_kit::pubsub::InProcessPubSub;
use subgraph_kit::testing::TestDatabase;
use subgraph_kit::KitError;
use uuid::Uuid;

use entities::matchmaking::ticket;

use crate::actors::ActorLookup;
use crate::error::MatchmakingError;
use crate::graphql::{schema, Deps, MatchmakingSchema};
use crate::matcher::{Matcher, RoundOutcome};
use crate::settings::MatchmakingRules;
use crate::tickets::{EnqueueRequest, Ticket};

/// Actors and their owners, as the test sets them up.
#[derive(Default)]
pub struct FakeActors(Mutex<HashMap<Uuid, Uuid>>);

impl ActorLookup for FakeActors {
    fn find<'a>(
        &'a self,
        ids: &'a [Uuid],
    ) -> BoxFuture<'a, Result<HashMap<Uuid, ActorSummary>, KitError>> {
        let actors = self.0.lock().expect("the actor map lock is never poisoned");
        let found = ids
            .iter()
            .filter_map(|id| {
                actors.get(id).map(|user_id| {
                    (
                        *id,
                        ActorSummary {
                            id: *id,
                            user_id: *user_id,
                            name: format!("actor-{id}"),
                        },
                    )
                })
            })
            .collect();
        Box::pin(async move { Ok(found) })
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

/// The service over a fresh database.
pub struct Harness {
    /// The executable schema.
    pub schema: MatchmakingSchema,
    /// Its database.
    pub db: DatabaseConnection,
    /// The rules in force.
    pub rules: Arc<MatchmakingRules>,
    /// The matcher, driven by the test.
    pub matcher: Matcher,
    actors: Arc<FakeActors>,
}

impl Harness {
    /// With the default rules.
    pub async fn new() -> Self {
        Self::with_rules(MatchmakingRules::default()).await
    }

    /// With `rules`.
    pub async fn with_rules(rules: MatchmakingRules) -> Self {
        rules.validate().expect("the test rules are valid");
        let database = TestDatabase::create("matchmaking").await;
        let db = subgraph_kit::db::connect_and_migrate::<migrations::matchmaking::Migrator>(
            &database.settings,
        )
        .await
        .expect("the test database migrates");
        let rules = Arc::new(rules);
        let actors = Arc::new(FakeActors::default());
        let pubsub = Arc::new(InProcessPubSub::default());
        let schema = schema(Some(Deps {
            db: db.clone(),
            rules: rules.clone(),
            actors: actors.clone(),
            pubsub: pubsub.clone(),
        }));
        let matcher = Matcher {
            db: db.clone(),
            rules: rules.clone(),
            pubsub,
            outbox: Default::default(),
        };
        Self {
            schema,
            db,
            rules,
            matcher,
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

    /// Runs `query` as `viewer` (anonymous when `None`).
    pub async fn run(&self, viewer: Option<&Viewer>, query: &str, variables: Value) -> Response {
        self.schema.execute(request(viewer, query, variables)).await
    }

    /// Runs `query` as `viewer` and returns its data, failing on errors.
    pub async fn data(&self, viewer: &Viewer, query: &str, variables: Value) -> Value {
        data(self.run(Some(viewer), query, variables).await)
    }

    /// Queues `actor_id` of `viewer` through the service.
    pub async fn enqueue(
        &self,
        viewer: &Viewer,
        actor_id: Uuid,
        mode: &str,
        party: &[Uuid],
    ) -> Result<Ticket, MatchmakingError> {
        self.enqueue_with_key(viewer, actor_id, mode, party, &Uuid::new_v4().to_string())
            .await
    }

    /// Queues `actor_id` of `viewer` in `eu` with idempotency key `key`.
    pub async fn enqueue_with_key(
        &self,
        viewer: &Viewer,
        actor_id: Uuid,
        mode: &str,
        party: &[Uuid],
        key: &str,
    ) -> Result<Ticket, MatchmakingError> {
        crate::tickets::enqueue(
            &self.db,
            self.actors.as_ref(),
            &self.rules,
            viewer,
            EnqueueRequest {
                actor_id,
                mode: mode.to_string(),
                region: "eu".to_string(),
                party_actor_ids: party.to_vec(),
                idempotency_key: key.to_string(),
            },
        )
        .await
    }

    /// Sets `actor_id`'s rating in `mode` as an admin.
    pub async fn rate(&self, actor_id: Uuid, mode: &str, rating: i32) {
        crate::ratings::set_rating(
            &self.db,
            self.actors.as_ref(),
            &self.rules,
            &admin(),
            actor_id,
            mode,
            rating,
        )
        .await
        .expect("an admin sets ratings");
    }

    /// A new player with one actor rated `rating` in `mode`, queued alone in `eu`.
    pub async fn queued(&self, mode: &str, rating: i32) -> (Viewer, Uuid, Ticket) {
        let viewer = player();
        let actor_id = self.actor_of(&viewer);
        self.rate(actor_id, mode, rating).await;
        let queued = self
            .enqueue(&viewer, actor_id, mode, &[])
            .await
            .expect("queues");
        (viewer, actor_id, queued)
    }

    /// One matcher round as of `now`.
    pub async fn tick(&self, now: DateTime<Utc>) -> RoundOutcome {
        self.matcher.tick(now).await.expect("the round succeeds")
    }

    /// The stored ticket `id`.
    pub async fn ticket(&self, id: Uuid) -> ticket::Model {
        ticket::Entity::find_by_id(id)
            .one(&self.db)
            .await
            .expect("reads the ticket")
            .expect("the ticket exists")
    }

    /// The outbox's events, oldest first.
    pub async fn events(&self) -> Vec<EventEnvelope> {
        let mut events: Vec<EventEnvelope> = outbox_entity::Entity::find()
            .all(&self.db)
            .await
            .expect("reads the outbox")
            .into_iter()
            .map(|row| {
                assert_eq!(row.topic, subgraph_kit::events::topics::MATCHMAKING);
                serde_json::from_value(row.envelope).expect("an envelope")
            })
            .collect();
        events.sort_by_key(|event| event.occurred_at);
        events
    }
}

/// A GraphQL request as `viewer` (anonymous when `None`).
pub fn request(viewer: Option<&Viewer>, query: &str, variables: Value) -> Request {
    let request = Request::new(query).variables(Variables::from_json(variables));
    match viewer {
        Some(viewer) => request.data(Authentication::Verified(viewer.clone())),
        None => request,
    }
}

pub use subgraph_kit::testing::schema_response::{assert_code, data};

/// Asserts `result` failed with `expected`.
pub fn assert_err<T: std::fmt::Debug>(result: Result<T, MatchmakingError>, expected: &str) {
    use subgraph_kit::ErrorCode;
    match result {
        Ok(value) => panic!("expected {expected}, got {value:?}"),
        Err(err) => assert_eq!(err.code(), expected, "{err}"),
    }
}
