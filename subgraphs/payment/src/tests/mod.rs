//! In-process tests of the payment service: the schema executed directly against a
//! throwaway database (SQLite, or PostgreSQL when `CHAOS_TEST_POSTGRES_URL` is set),
//! as a signed-in player or admin, with a made-up Google Play key and actors owned
//! according to the test.

mod admin;
mod app;
mod receipt_purchases;
mod refunds;
mod wallet_purchases;

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use async_graphql::{Request, Response, Variables};
use futures_util::future::BoxFuture;
use sea_orm::{DatabaseConnection, EntityTrait};
use serde_json::{json, Value};
use subgraph_kit::auth::{Authentication, Viewer, SCOPE_ADMIN, SCOPE_PLAYER};
use subgraph_kit::events::outbox::entity as outbox_entity;
use subgraph_kit::events::EventEnvelope;
use subgraph_kit::testing::TestDatabase;
use subgraph_kit::KitError;
use uuid::Uuid;

use crate::actors::ActorOwnership;
use crate::graphql::{schema, Deps, PaymentSchema};
use crate::receipts::testing::TestStoreSigner;
use crate::receipts::{GooglePlayVerifier, ReceiptProvider};

/// The package name the test store signs for.
pub const PACKAGE: &str = "com.chaos.test";

/// One store key per test binary (key generation is the slow part).
pub static SIGNER: LazyLock<TestStoreSigner> = LazyLock::new(TestStoreSigner::shared);

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
    pub schema: PaymentSchema,
    /// Its database.
    pub db: DatabaseConnection,
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

/// A signed-in admin.
pub fn admin() -> Viewer {
    Viewer {
        user_id: Uuid::new_v4(),
        username: "admin".into(),
        scopes: vec![SCOPE_PLAYER.into(), SCOPE_ADMIN.into()],
        session_id: Uuid::new_v4(),
    }
}

impl Harness {
    /// With Google Play configured for [`PACKAGE`] and [`SIGNER`].
    pub async fn new() -> Self {
        let verifier = GooglePlayVerifier::new(PACKAGE, &SIGNER.public_key_base64())
            .expect("the test key is valid");
        Self::with_providers(vec![Arc::new(verifier)]).await
    }

    /// With no store configured.
    pub async fn without_store() -> Self {
        Self::with_providers(Vec::new()).await
    }

    async fn with_providers(receipt_providers: Vec<Arc<dyn ReceiptProvider>>) -> Self {
        let database = TestDatabase::create("payment").await;
        let db = subgraph_kit::db::connect_and_migrate::<migrations::payment::Migrator>(
            &database.settings,
        )
        .await
        .expect("the test database migrates");
        let actors = Arc::new(FakeActors::default());
        let schema = schema(Some(Deps {
            db: db.clone(),
            outbox: Default::default(),
            actors: actors.clone(),
            receipt_providers,
        }));
        Self { schema, db, actors }
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

    /// The player's `(soft, hard)` balances.
    pub async fn balances(&self, viewer: &Viewer) -> (i64, i64) {
        let wallet = self
            .data(viewer, "{ myWallet { soft hard } }", json!({}))
            .await;
        (
            wallet["myWallet"]["soft"].as_i64().expect("soft"),
            wallet["myWallet"]["hard"].as_i64().expect("hard"),
        )
    }

    /// Asserts the books balance: every currency sums to zero over all accounts.
    pub async fn assert_books_balance(&self) {
        let trial = self
            .data(
                &admin(),
                "{ ledgerTrialBalance { currency amount } }",
                json!({}),
            )
            .await;
        assert_eq!(
            trial["ledgerTrialBalance"],
            json!([{ "currency": "SOFT", "amount": 0 }, { "currency": "HARD", "amount": 0 }]),
            "the trial balance is zero"
        );
    }

    /// Grants `amount` of `currency` to `viewer` as an admin.
    pub async fn fund(&self, viewer: &Viewer, currency: &str, amount: i64) {
        self.data(
            &admin(),
            "mutation($user: ID!, $currency: Currency!, $amount: Int!, $key: String!) {
                grantCurrency(userId: $user, currency: $currency, amount: $amount,
                              reason: \"test funds\", idempotencyKey: $key) { hard }
            }",
            json!({ "user": viewer.user_id, "currency": currency, "amount": amount,
                    "key": Uuid::new_v4().to_string() }),
        )
        .await;
    }

    /// The outbox's events of `event_type`, oldest first.
    pub async fn events(&self, event_type: &str) -> Vec<EventEnvelope> {
        let mut events: Vec<EventEnvelope> = outbox_entity::Entity::find()
            .all(&self.db)
            .await
            .expect("reads the outbox")
            .into_iter()
            .map(|row| {
                assert_eq!(row.topic, subgraph_kit::events::topics::PAYMENT);
                serde_json::from_value(row.envelope).expect("an envelope")
            })
            .filter(|event: &EventEnvelope| event.event_type == event_type)
            .collect();
        events.sort_by_key(|event| event.occurred_at);
        events
    }
}

pub use subgraph_kit::testing::schema_response::{assert_code, code, data};

/// A signed Google Play receipt for `product_id` with a fresh token.
pub fn receipt(product_id: &str) -> Value {
    let token = format!("token-{}", Uuid::new_v4());
    signed(&TestStoreSigner::purchase_data(
        PACKAGE,
        product_id,
        &format!("GPA.{}", Uuid::new_v4().simple()),
        &token,
    ))
}

/// `purchase_data` signed by [`SIGNER`], as a `ReceiptInput`.
pub fn signed(purchase_data: &str) -> Value {
    json!({
        "provider": "GOOGLE_PLAY",
        "purchaseData": purchase_data,
        "signature": SIGNER.sign(purchase_data),
    })
}

/// The `purchase` mutation, returning the purchase's main fields.
pub const PURCHASE: &str =
    "mutation($product: ID!, $actor: ID, $receipt: ReceiptInput!, $key: String!) {
    purchase(productId: $product, actorId: $actor, receipt: $receipt, idempotencyKey: $key) {
        id userId actorId provider orderId status replayed
        product { id kind }
        clawback { currency amount } shortfall { currency amount }
    }
}";

/// The `buyProduct` mutation, returning the purchase's main fields.
pub const BUY: &str = "mutation($product: ID!, $actor: ID, $key: String!) {
    buyProduct(productId: $product, actorId: $actor, idempotencyKey: $key) {
        id userId actorId provider status replayed
        product { id }
        paid { currency amount }
    }
}";

/// The `refundPurchase` mutation.
pub const REFUND: &str = "mutation($id: ID!) {
    refundPurchase(purchaseId: $id, reason: \"chargeback\") {
        id status refundedAt clawback { currency amount } shortfall { currency amount }
    }
}";
