//! The federated schema of the payment service: `StoreProduct @key(id)`, the player's
//! wallet and purchases, the purchase commands and the admin economy tools. Resolvers
//! authorize with the viewer and call the command modules.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::connection::{Connection, ConnectionNameType, Edge, EdgeNameType, EmptyFields};
use async_graphql::{Context, EmptySubscription, InputObject, Object, OutputType, Schema, ID};
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use subgraph_kit::auth::SCOPE_ADMIN;
use subgraph_kit::dataloader::{load_failed, loader};
use subgraph_kit::events::outbox::OutboxSignal;
use subgraph_kit::pagination::{forward_page, Cursor, PageLimits};
use subgraph_kit::sdl::authenticated;
use subgraph_kit::{parse_id, ApiResult, ContextAuthExt, KitError};
use uuid::Uuid;

use entities::payment::{ledger_entry, purchase};

use crate::actors::ActorOwnership;
use crate::catalog::{self, Product, ProductKind, StoreProductInput};
use crate::grants::{self, GrantRequest};
use crate::ledger;
use crate::loaders::ProductsById;
use crate::money::{amounts_from_json, items_from_json, Currency, CurrencyAmount, ItemGrant};
use crate::purchases::{self, PurchaseOutcome, PurchaseRequest, Receipt};
use crate::receipts::{ReceiptProvider, StoreProvider};
use crate::refunds;

/// The executable payment schema.
pub type PaymentSchema = Schema<Query, Mutation, EmptySubscription>;

const PAGES: PageLimits = PageLimits {
    default: 20,
    max: 100,
};

/// What resolvers need, stored in the schema's data.
pub struct Deps {
    /// The payment database.
    pub db: DatabaseConnection,
    /// Wakes the outbox relay after a command commits events.
    pub outbox: OutboxSignal,
    /// Actor ownership (chaos), for item deliveries.
    pub actors: Arc<dyn ActorOwnership>,
    /// The configured stores' receipt verifiers.
    pub receipt_providers: Vec<Arc<dyn ReceiptProvider>>,
}

/// Builds the schema; `deps` is `None` only for exporting the SDL.
pub fn schema(deps: Option<Deps>) -> PaymentSchema {
    subgraph_kit::server::federated_schema(Query, Mutation, EmptySubscription, deps)
}

fn deps<'a>(ctx: &Context<'a>) -> &'a Deps {
    ctx.data_unchecked::<Deps>()
}

/// Names `LedgerEntryPage`.
pub struct LedgerEntryPageName;
/// Names `LedgerEntryEdge`.
pub struct LedgerEntryEdgeName;
/// Names `PurchasePage`.
pub struct PurchasePageName;
/// Names `PurchaseEdge`.
pub struct PurchaseEdgeName;

impl ConnectionNameType for LedgerEntryPageName {
    fn type_name<T: OutputType>() -> String {
        "LedgerEntryPage".to_string()
    }
}
impl EdgeNameType for LedgerEntryEdgeName {
    fn type_name<T: OutputType>() -> String {
        "LedgerEntryEdge".to_string()
    }
}
impl ConnectionNameType for PurchasePageName {
    fn type_name<T: OutputType>() -> String {
        "PurchasePage".to_string()
    }
}
impl EdgeNameType for PurchaseEdgeName {
    fn type_name<T: OutputType>() -> String {
        "PurchaseEdge".to_string()
    }
}

/// A page of ledger entries, newest first.
pub type LedgerEntryPage = Connection<
    String,
    LedgerEntry,
    EmptyFields,
    EmptyFields,
    LedgerEntryPageName,
    LedgerEntryEdgeName,
>;
/// A page of purchases, newest first.
pub type PurchasePage =
    Connection<String, Purchase, EmptyFields, EmptyFields, PurchasePageName, PurchaseEdgeName>;

/// The kit's page under this service's type names.
fn renamed<N: OutputType, C: ConnectionNameType, E: EdgeNameType>(
    page: Connection<String, N, EmptyFields, EmptyFields>,
) -> Connection<String, N, EmptyFields, EmptyFields, C, E> {
    let mut out = Connection::new(page.has_previous_page, page.has_next_page);
    out.edges.extend(
        page.edges
            .into_iter()
            .map(|edge| Edge::new(edge.cursor, edge.node)),
    );
    out
}

/// A product of the store.
pub struct StoreProduct(Product);

#[Object]
impl StoreProduct {
    /// The SKU (for store products, the store's product id).
    async fn id(&self) -> ID {
        ID(self.0.row.id.clone())
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.row.name
    }
    /// Description.
    async fn description(&self) -> &str {
        &self.0.row.description
    }
    /// How it is paid for: `STORE_RECEIPT` with `purchase`, `WALLET` with `buyProduct`.
    async fn kind(&self) -> ProductKind {
        self.0.kind
    }
    /// The wallet price (`WALLET` products; store prices are the store's).
    async fn price(&self) -> Option<CurrencyAmount> {
        self.0.price
    }
    /// Currency credited to the buyer's wallet.
    async fn currency_grants(&self) -> &[CurrencyAmount] {
        &self.0.currency_grants
    }
    /// Items delivered to the actor named at purchase.
    async fn item_grants(&self) -> &[ItemGrant] {
        &self.0.item_grants
    }
    /// Whether it is on sale.
    async fn active(&self) -> bool {
        self.0.row.active
    }
}

/// A player's wallet: one balance per currency and its ledger history.
pub struct Wallet {
    user_id: Uuid,
    balances: HashMap<Currency, i64>,
}

impl Wallet {
    async fn load(db: &DatabaseConnection, user_id: Uuid) -> ApiResult<Self> {
        Ok(Self {
            user_id,
            balances: ledger::balances(db, user_id).await?,
        })
    }
}

#[Object]
impl Wallet {
    /// The owning account (user id).
    async fn user_id(&self) -> ID {
        ID(self.user_id.to_string())
    }
    /// Gold balance.
    async fn soft(&self) -> i64 {
        self.balances.get(&Currency::Soft).copied().unwrap_or(0)
    }
    /// Gem balance.
    async fn hard(&self) -> i64 {
        self.balances.get(&Currency::Hard).copied().unwrap_or(0)
    }
    /// Every movement of the wallet, newest first.
    async fn entries(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<LedgerEntryPage> {
        let limit = PAGES.size(first)?;
        let after = after.as_deref().map(Cursor::decode).transpose()?;
        let rows = ledger::player_entries(&deps(ctx).db, self.user_id, after, limit + 1).await?;
        Ok(renamed(forward_page(
            rows,
            limit,
            after.is_some(),
            |row| Cursor {
                at_ms: row.created_at.timestamp_millis(),
                id: row.id,
            },
            LedgerEntry,
        )))
    }
}

/// One movement of a wallet balance.
pub struct LedgerEntry(ledger_entry::Model);

#[Object]
impl LedgerEntry {
    /// Entry id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The ledger transaction (its other entries are system accounts').
    async fn transaction_id(&self) -> ID {
        ID(self.0.transaction_id.to_string())
    }
    /// The currency.
    async fn currency(&self) -> ApiResult<Currency> {
        Ok(Currency::decode(&self.0.currency)?)
    }
    /// Signed amount: positive credits, negative debits.
    async fn amount(&self) -> i64 {
        self.0.amount
    }
    /// The balance right after it.
    async fn balance_after(&self) -> i64 {
        self.0.balance_after
    }
    /// Why (`purchase of …`, `refund: …`, or an admin's grant reason).
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// What it belongs to: `purchase:<purchase id>` or `grant:<idempotency key>`.
    async fn reference(&self) -> Option<&str> {
        self.0.reference.as_deref()
    }
    /// When.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Status of a purchase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum PurchaseStatus {
    /// Paid and delivered.
    Completed,
    /// Reversed by an admin.
    Refunded,
}

/// A purchase of a store product.
pub struct Purchase {
    row: purchase::Model,
    replayed: bool,
}

impl From<PurchaseOutcome> for Purchase {
    fn from(outcome: PurchaseOutcome) -> Self {
        Purchase {
            row: outcome.purchase,
            replayed: outcome.replayed,
        }
    }
}

fn stored(row: purchase::Model) -> Purchase {
    Purchase {
        row,
        replayed: false,
    }
}

#[Object]
impl Purchase {
    /// Purchase id.
    async fn id(&self) -> ID {
        ID(self.row.id.to_string())
    }
    /// The product bought.
    async fn product(&self, ctx: &Context<'_>) -> ApiResult<StoreProduct> {
        let product = loader::<ProductsById>(ctx)?
            .load_one(self.row.product_id.clone())
            .await
            .map_err(load_failed)?
            .ok_or_else(|| {
                KitError::Internal(format!("product {} of a purchase", self.row.product_id))
            })?;
        Ok(StoreProduct(product))
    }
    /// The buying account.
    async fn user_id(&self) -> ID {
        ID(self.row.user_id.to_string())
    }
    /// The actor that received the items, if any.
    async fn actor_id(&self) -> Option<ID> {
        self.row.actor_id.map(|id| ID(id.to_string()))
    }
    /// `GOOGLE_PLAY` (store receipt) or `WALLET`.
    async fn provider(&self) -> &str {
        &self.row.provider
    }
    /// The store's order id (store purchases).
    async fn order_id(&self) -> Option<&str> {
        self.row.order_id.as_deref()
    }
    /// In force or refunded.
    async fn status(&self) -> PurchaseStatus {
        if self.row.status == purchases::REFUNDED {
            PurchaseStatus::Refunded
        } else {
            PurchaseStatus::Completed
        }
    }
    /// When it completed.
    async fn created_at(&self) -> DateTime<Utc> {
        self.row.created_at
    }
    /// When it was refunded.
    async fn refunded_at(&self) -> Option<DateTime<Utc>> {
        self.row.refunded_at
    }
    /// Why it was refunded.
    async fn refund_reason(&self) -> Option<&str> {
        self.row.refund_reason.as_deref()
    }
    /// What the wallet paid (wallet purchases).
    async fn paid(&self) -> ApiResult<Vec<CurrencyAmount>> {
        Ok(amounts_from_json(&self.row.paid)?)
    }
    /// The currency credited.
    async fn granted(&self) -> ApiResult<Vec<CurrencyAmount>> {
        Ok(amounts_from_json(&self.row.granted)?)
    }
    /// The items delivered to `actorId` (through inventory, once).
    async fn items(&self) -> ApiResult<Vec<ItemGrant>> {
        Ok(items_from_json(&self.row.items)?)
    }
    /// What a refund took back from the wallet.
    async fn clawback(&self) -> ApiResult<Vec<CurrencyAmount>> {
        Ok(amounts_from_json(&self.row.clawback)?)
    }
    /// What a refund could not take back, the player having spent it.
    async fn shortfall(&self) -> ApiResult<Vec<CurrencyAmount>> {
        Ok(amounts_from_json(&self.row.shortfall)?)
    }
    /// True when this call replayed an earlier one with the same idempotency key (and
    /// moved nothing).
    async fn replayed(&self) -> bool {
        self.replayed
    }
}

/// A store's proof of payment.
#[derive(Debug, Clone, InputObject)]
pub struct ReceiptInput {
    /// The store.
    pub provider: StoreProvider,
    /// The exact purchase data string the store signed (Google Play: the purchase JSON).
    pub purchase_data: String,
    /// The store's signature of `purchaseData`, base64.
    pub signature: String,
}

fn parse_actor(actor_id: Option<ID>) -> ApiResult<Option<Uuid>> {
    Ok(actor_id.as_ref().map(parse_id).transpose()?)
}

/// Queries of the payment service.
pub struct Query;

#[Object]
impl Query {
    /// Products on sale.
    async fn store_products(&self, ctx: &Context<'_>) -> ApiResult<Vec<StoreProduct>> {
        Ok(catalog::active_products(&deps(ctx).db)
            .await?
            .into_iter()
            .map(StoreProduct)
            .collect())
    }

    /// The signed-in player's wallet.
    #[graphql(directive = authenticated::apply())]
    async fn my_wallet(&self, ctx: &Context<'_>) -> ApiResult<Wallet> {
        let viewer = ctx.viewer()?;
        Wallet::load(&deps(ctx).db, viewer.user_id).await
    }

    /// The signed-in player's purchases, newest first.
    #[graphql(directive = authenticated::apply())]
    async fn my_purchases(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<PurchasePage> {
        let viewer = ctx.viewer()?;
        let limit = PAGES.size(first)?;
        let after = after.as_deref().map(Cursor::decode).transpose()?;
        let rows = purchases::purchases_of(&deps(ctx).db, viewer.user_id, after, limit + 1).await?;
        Ok(renamed(forward_page(
            rows,
            limit,
            after.is_some(),
            |row| Cursor {
                at_ms: row.created_at.timestamp_millis(),
                id: row.id,
            },
            stored,
        )))
    }

    /// A purchase: the buyer's own, or any for admins.
    #[graphql(directive = authenticated::apply())]
    async fn purchase(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Purchase>> {
        let viewer = ctx.viewer()?;
        let found = purchases::purchase_by_id(&deps(ctx).db, parse_id(&id)?).await?;
        Ok(found
            .filter(|row| row.user_id == viewer.user_id || viewer.has_scope(SCOPE_ADMIN))
            .map(stored))
    }

    /// Any player's wallet (admins only).
    #[graphql(requires_scopes = "admin")]
    async fn wallet(&self, ctx: &Context<'_>, user_id: ID) -> ApiResult<Wallet> {
        ctx.viewer()?.require_scope(SCOPE_ADMIN)?;
        Wallet::load(&deps(ctx).db, parse_id(&user_id)?).await
    }

    /// The sum of every ledger account's balance per currency, system accounts
    /// included: zero in every currency while the books balance (admins only).
    #[graphql(requires_scopes = "admin")]
    async fn ledger_trial_balance(&self, ctx: &Context<'_>) -> ApiResult<Vec<CurrencyAmount>> {
        ctx.viewer()?.require_scope(SCOPE_ADMIN)?;
        Ok(ledger::trial_balance(&deps(ctx).db).await?)
    }

    /// Resolves `StoreProduct` references from other subgraphs.
    #[graphql(entity)]
    async fn find_store_product_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> ApiResult<Option<StoreProduct>> {
        Ok(loader::<ProductsById>(ctx)?
            .load_one(id.to_string())
            .await
            .map_err(load_failed)?
            .map(StoreProduct))
    }
}

/// Mutations of the payment service. Every purchase and grant takes an idempotency
/// key: a replay returns the first result (`replayed: true`) and moves nothing.
pub struct Mutation;

#[Object]
impl Mutation {
    /// Redeems a store receipt for a `STORE_RECEIPT` product: its currency is credited
    /// to your wallet and its items delivered to `actorId` (required when it grants
    /// items). Each receipt redeems once.
    #[graphql(directive = authenticated::apply())]
    async fn purchase(
        &self,
        ctx: &Context<'_>,
        product_id: ID,
        actor_id: Option<ID>,
        receipt: ReceiptInput,
        idempotency_key: String,
    ) -> ApiResult<Purchase> {
        let viewer = ctx.viewer()?;
        let d = deps(ctx);
        let outcome = purchases::purchase_with_receipt(
            &d.db,
            &d.receipt_providers,
            d.actors.as_ref(),
            viewer,
            PurchaseRequest {
                product_id: product_id.to_string(),
                actor_id: parse_actor(actor_id)?,
                idempotency_key,
            },
            Receipt {
                provider: receipt.provider,
                purchase_data: receipt.purchase_data,
                signature: receipt.signature,
            },
        )
        .await?;
        Ok(finish(ctx, outcome, "receipt"))
    }

    /// Buys a `WALLET` product with wallet currency: its items go to `actorId`
    /// (required when it grants items), its currency to your wallet.
    #[graphql(directive = authenticated::apply())]
    async fn buy_product(
        &self,
        ctx: &Context<'_>,
        product_id: ID,
        actor_id: Option<ID>,
        idempotency_key: String,
    ) -> ApiResult<Purchase> {
        let viewer = ctx.viewer()?;
        let d = deps(ctx);
        let outcome = purchases::buy_with_wallet(
            &d.db,
            d.actors.as_ref(),
            viewer,
            PurchaseRequest {
                product_id: product_id.to_string(),
                actor_id: parse_actor(actor_id)?,
                idempotency_key,
            },
        )
        .await?;
        Ok(finish(ctx, outcome, "wallet"))
    }

    /// Refunds a purchase (admins only): the price of a wallet purchase is returned,
    /// granted currency taken back as far as the balance allows (the rest is the
    /// purchase's `shortfall`). Delivered items are not taken back.
    #[graphql(requires_scopes = "admin")]
    async fn refund_purchase(
        &self,
        ctx: &Context<'_>,
        purchase_id: ID,
        reason: String,
    ) -> ApiResult<Purchase> {
        let viewer = ctx.viewer()?;
        let d = deps(ctx);
        let refunded = refunds::refund(&d.db, viewer, parse_id(&purchase_id)?, &reason).await?;
        d.outbox.committed();
        Ok(stored(refunded))
    }

    /// Issues currency to a player's wallet (admins only); returns the wallet.
    #[graphql(requires_scopes = "admin")]
    async fn grant_currency(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        currency: Currency,
        amount: i64,
        reason: String,
        idempotency_key: String,
    ) -> ApiResult<Wallet> {
        let viewer = ctx.viewer()?;
        let d = deps(ctx);
        let outcome = grants::grant_currency(
            &d.db,
            viewer,
            GrantRequest {
                user_id: parse_id(&user_id)?,
                currency,
                amount,
                reason,
                idempotency_key,
            },
        )
        .await?;
        if !outcome.replayed {
            d.outbox.committed();
        }
        Wallet::load(&d.db, outcome.grant.user_id).await
    }

    /// Adds or changes a store product (admins only). Purchases keep what they cost
    /// and granted when it changes.
    #[graphql(requires_scopes = "admin")]
    async fn upsert_store_product(
        &self,
        ctx: &Context<'_>,
        input: StoreProductInput,
    ) -> ApiResult<StoreProduct> {
        let viewer = ctx.viewer()?;
        Ok(StoreProduct(
            catalog::upsert_product(&deps(ctx).db, viewer, input).await?,
        ))
    }
}

/// After a purchase command: wake the outbox relay unless it was a replay.
fn finish(ctx: &Context<'_>, outcome: PurchaseOutcome, kind: &str) -> Purchase {
    if !outcome.replayed {
        deps(ctx).outbox.committed();
        subgraph_kit::metrics::PURCHASES
            .with_label_values(&[kind])
            .inc();
    }
    Purchase::from(outcome)
}
