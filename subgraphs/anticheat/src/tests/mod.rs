//! In-process tests of the anticheat service: the schema and the detectors run against
//! a throwaway database (SQLite, or PostgreSQL when `CHAOS_TEST_POSTGRES_URL` is set),
//! with actors and the users service stood in for (and, in `sanctions`, the real users
//! app served on a local port).

mod app;
mod detectors;
mod reports;
mod sanctions;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
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
use subgraph_kit::peer::{InternalCaller, PeerError};
use subgraph_kit::testing::TestDatabase;
use subgraph_kit::KitError;
use uuid::Uuid;

use crate::consumer::GameEvents;
use crate::graphql::{schema, AnticheatSchema, Deps};
use crate::peers::{AccountSanction, Accounts, ActorLookup};
use crate::sanctions::Sanctions;
use crate::settings::RuleSettings;

/// Actors and their owners, as the test sets them up.
#[derive(Default)]
pub struct FakeActors(Mutex<HashMap<Uuid, Uuid>>);

impl ActorLookup for FakeActors {
    fn find(&self, actor_id: Uuid) -> BoxFuture<'_, Result<Option<ActorSummary>, KitError>> {
        let owner = self
            .0
            .lock()
            .expect("the actor map lock is never poisoned")
            .get(&actor_id)
            .copied();
        Box::pin(async move {
            Ok(owner.map(|user_id| ActorSummary {
                id: actor_id,
                user_id,
                name: "someone".into(),
            }))
        })
    }
}

/// A call the fake users service received.
#[derive(Debug, Clone, PartialEq)]
pub enum AccountCall {
    /// `applyAccountSanction`.
    Apply(Uuid, Uuid, AccountSanction, Option<DateTime<Utc>>),
    /// `liftAccountSanction`.
    Lift(Uuid, AccountSanction),
}

/// The users service as the test wants it: up or down, knowing some accounts.
pub struct FakeAccounts {
    /// Whether it answers.
    pub up: AtomicBool,
    /// Accounts it refuses as unknown.
    pub unknown: Mutex<Vec<Uuid>>,
    /// What it was asked, in order.
    pub calls: Mutex<Vec<AccountCall>>,
}

impl Default for FakeAccounts {
    fn default() -> Self {
        Self {
            up: AtomicBool::new(true),
            unknown: Mutex::default(),
            calls: Mutex::default(),
        }
    }
}

impl FakeAccounts {
    fn answer(&self, user_id: Uuid, call: AccountCall) -> Result<(), PeerError> {
        if !self.up.load(Ordering::SeqCst) {
            return Err(PeerError::Unavailable {
                service: "users",
                cause: "down for the test".into(),
            });
        }
        if self
            .unknown
            .lock()
            .expect("not poisoned")
            .contains(&user_id)
        {
            return Err(PeerError::Refused {
                service: "users",
                code: "NOT_FOUND".into(),
                message: "user not found".into(),
            });
        }
        self.calls.lock().expect("not poisoned").push(call);
        Ok(())
    }

    /// The calls so far.
    pub fn calls(&self) -> Vec<AccountCall> {
        self.calls.lock().expect("not poisoned").clone()
    }
}

impl Accounts for FakeAccounts {
    fn apply<'a>(
        &'a self,
        sanction_id: Uuid,
        user_id: Uuid,
        kind: AccountSanction,
        until: Option<DateTime<Utc>>,
        _reason: &'a str,
    ) -> BoxFuture<'a, Result<(), PeerError>> {
        let answer = self.answer(
            user_id,
            AccountCall::Apply(sanction_id, user_id, kind, until),
        );
        Box::pin(async move { answer })
    }

    fn lift(&self, user_id: Uuid, kind: AccountSanction) -> BoxFuture<'_, Result<(), PeerError>> {
        let answer = self.answer(user_id, AccountCall::Lift(user_id, kind));
        Box::pin(async move { answer })
    }
}

/// The schema and detectors over a fresh database.
pub struct Harness {
    /// The executable schema.
    pub schema: AnticheatSchema,
    /// Its database.
    pub db: DatabaseConnection,
    /// Actor owners.
    pub actors: Arc<FakeActors>,
    /// The users service stand-in.
    pub accounts: Arc<FakeAccounts>,
    /// Sanction commands (for the retry).
    pub sanctions: Arc<Sanctions>,
    /// The detectors.
    pub detectors: GameEvents,
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

/// A signed-in operator.
pub fn admin() -> Viewer {
    Viewer {
        user_id: Uuid::new_v4(),
        username: "admin".into(),
        scopes: vec![SCOPE_PLAYER.into(), SCOPE_ADMIN.into()],
        session_id: Uuid::new_v4(),
    }
}

impl Harness {
    /// With default rules and the fake users service.
    pub async fn new() -> Self {
        let accounts = Arc::new(FakeAccounts::default());
        Self::with_accounts(accounts.clone(), accounts).await
    }

    /// With `accounts` as the users service (`fake` records nothing then).
    pub async fn with_accounts(accounts: Arc<dyn Accounts>, fake: Arc<FakeAccounts>) -> Self {
        let database = TestDatabase::create("anticheat").await;
        let db = subgraph_kit::db::connect_and_migrate::<migrations::anticheat::Migrator>(
            &database.settings,
        )
        .await
        .expect("the test database migrates");
        let actors = Arc::new(FakeActors::default());
        let rules = Arc::new(RuleSettings::default());
        let sanctions = Arc::new(Sanctions {
            db: db.clone(),
            accounts,
            outbox: Default::default(),
        });
        let schema = schema(Some(Deps {
            db: db.clone(),
            outbox: Default::default(),
            actors: actors.clone(),
            sanctions: sanctions.clone(),
            rules: rules.clone(),
        }));
        let detectors = GameEvents {
            rules,
            actors: actors.clone(),
            outbox: Default::default(),
        };
        Self {
            schema,
            db,
            actors,
            accounts: fake,
            sanctions,
            detectors,
        }
    }

    /// A new actor owned by `user_id`.
    pub fn actor_of(&self, user_id: Uuid) -> Uuid {
        let actor_id = Uuid::new_v4();
        self.actors
            .0
            .lock()
            .expect("the actor map lock is never poisoned")
            .insert(actor_id, user_id);
        actor_id
    }

    /// Runs `query` as `viewer` (anonymous when `None`).
    pub async fn run(&self, viewer: Option<&Viewer>, query: &str, variables: Value) -> Response {
        let mut request = Request::new(query).variables(Variables::from_json(variables));
        if let Some(viewer) = viewer {
            request = request.data(Authentication::Verified(viewer.clone()));
        }
        self.schema.execute(request).await
    }

    /// Runs `query` as an internal caller (another service with the token).
    pub async fn run_internal(&self, query: &str, variables: Value) -> Response {
        let request = Request::new(query)
            .variables(Variables::from_json(variables))
            .data(InternalCaller);
        self.schema.execute(request).await
    }

    /// Runs `query` as `viewer` and returns its data, failing on errors.
    pub async fn data(&self, viewer: &Viewer, query: &str, variables: Value) -> Value {
        data(self.run(Some(viewer), query, variables).await)
    }

    /// The outbox's events of `event_type`, oldest first.
    pub async fn events(&self, event_type: &str) -> Vec<EventEnvelope> {
        let mut events: Vec<EventEnvelope> = outbox_entity::Entity::find()
            .all(&self.db)
            .await
            .expect("reads the outbox")
            .into_iter()
            .map(|row| {
                assert_eq!(row.topic, subgraph_kit::events::topics::ANTICHEAT);
                serde_json::from_value(row.envelope).expect("an envelope")
            })
            .filter(|event: &EventEnvelope| event.event_type == event_type)
            .collect();
        events.sort_by_key(|event| event.occurred_at);
        events
    }

    /// Every flag, oldest first.
    pub async fn flags(&self) -> Vec<entities::anticheat::flag::Model> {
        let mut flags = entities::anticheat::flag::Entity::find()
            .all(&self.db)
            .await
            .expect("reads flags");
        flags.sort_by_key(|flag| (flag.created_at, flag.id));
        flags
    }
}

pub use subgraph_kit::testing::schema_response::{assert_code, data};
