//! Buying products: with a store receipt (`purchase`) or with wallet currency
//! (`buyProduct`).
//!
//! Each command is idempotent per player and idempotency key: the purchase row is
//! inserted first, under the unique key `(user_id, idempotency_key)`, so of two
//! concurrent calls with one key exactly one commits and the other answers with the
//! winner's purchase (`replayed`). A store receipt's purchase token is inserted under
//! its own unique key, so a receipt credits once however it is replayed
//! (`RECEIPT_ALREADY_USED`). Currency moves through the [`crate::ledger`]; items leave
//! through the outbox as one `payment.grant_items` event per purchase.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use subgraph_kit::auth::Viewer;
use subgraph_kit::db::begin_write;
use subgraph_kit::pagination::{cursor_time, Cursor, Side};
use subgraph_kit::KitError;
use uuid::Uuid;

use entities::payment::{purchase, store_receipt};

use crate::actors::ActorOwnership;
use crate::catalog::{self, Product, ProductKind};
use crate::error::{bad_input, is_unique_violation, PaymentError};
use crate::events;
use crate::ledger::{Ledger, NewTransaction, Owner, Posting, SystemAccount, TransactionKind};
use crate::money::{amounts_json, items_json, Currency, CurrencyAmount};
use crate::receipts::{ReceiptProvider, StoreProvider, VerifiedPurchase};

/// `Purchase.status` of a purchase in force.
pub const COMPLETED: &str = "COMPLETED";
/// `Purchase.status` of a refunded purchase.
pub const REFUNDED: &str = "REFUNDED";
/// `Purchase.provider` of wallet purchases.
pub const WALLET: &str = "WALLET";

/// A purchase as a command returns it.
#[derive(Debug, Clone)]
pub struct PurchaseOutcome {
    /// The purchase.
    pub purchase: purchase::Model,
    /// Whether this call replayed an earlier one with the same idempotency key.
    pub replayed: bool,
}

/// What the player asks to buy.
#[derive(Debug, Clone)]
pub struct PurchaseRequest {
    /// The product's id.
    pub product_id: String,
    /// The actor that receives the product's items.
    pub actor_id: Option<Uuid>,
    /// The player's idempotency key.
    pub idempotency_key: String,
}

/// A store receipt as the client sends it.
#[derive(Debug, Clone)]
pub struct Receipt {
    /// The store.
    pub provider: StoreProvider,
    /// The exact signed purchase data.
    pub purchase_data: String,
    /// The store's signature (base64).
    pub signature: String,
}

/// The ledger reference of a purchase's transactions.
pub fn reference(purchase_id: Uuid) -> String {
    format!("purchase:{purchase_id}")
}

/// Validates and trims an idempotency key.
pub fn idempotency_key(key: &str) -> Result<String, PaymentError> {
    let key = key.trim();
    if key.is_empty() || key.len() > 128 {
        return Err(bad_input("idempotency key must be 1-128 characters"));
    }
    Ok(key.to_string())
}

/// The earlier purchase with the player's key, if any: the same product replays it,
/// another product is `IDEMPOTENCY_KEY_REUSED`.
async fn replay(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    key: &str,
    product_id: &str,
) -> Result<Option<PurchaseOutcome>, PaymentError> {
    let earlier = purchase::Entity::find()
        .filter(purchase::Column::UserId.eq(user_id))
        .filter(purchase::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?;
    match earlier {
        Some(purchase) if purchase.product_id == product_id => Ok(Some(PurchaseOutcome {
            purchase,
            replayed: true,
        })),
        Some(_) => Err(PaymentError::IdempotencyKeyReused),
        None => Ok(None),
    }
}

/// After a unique violation on the purchase row: the concurrent winner's purchase.
async fn lost_race(
    db: &DatabaseConnection,
    txn: DatabaseTransaction,
    user_id: Uuid,
    key: &str,
    product_id: &str,
) -> Result<PurchaseOutcome, PaymentError> {
    txn.rollback().await?;
    replay(db, user_id, key, product_id)
        .await?
        .ok_or(PaymentError::IdempotencyKeyReused)
}

/// The actor receiving `product`'s items: required when it grants items, and always
/// the buyer's own.
async fn recipient(
    actors: &dyn ActorOwnership,
    viewer: &Viewer,
    product: &Product,
    actor_id: Option<Uuid>,
) -> Result<Option<Uuid>, PaymentError> {
    match actor_id {
        None if !product.item_grants.is_empty() => {
            Err(PaymentError::ActorRequired(product.row.id.clone()))
        }
        None => Ok(None),
        Some(actor_id) => {
            actors.check_owned(actor_id, viewer).await?;
            Ok(Some(actor_id))
        }
    }
}

/// Buys a store-receipt product with a verified receipt: the product's currency is
/// issued to the player and its items delivered.
pub async fn purchase_with_receipt(
    db: &DatabaseConnection,
    providers: &[std::sync::Arc<dyn ReceiptProvider>],
    actors: &dyn ActorOwnership,
    viewer: &Viewer,
    request: PurchaseRequest,
    receipt: Receipt,
) -> Result<PurchaseOutcome, PaymentError> {
    let key = idempotency_key(&request.idempotency_key)?;
    if let Some(earlier) = replay(db, viewer.user_id, &key, &request.product_id).await? {
        return Ok(earlier);
    }
    let product =
        catalog::product_for_sale(db, &request.product_id, ProductKind::StoreReceipt).await?;
    let verifier = providers
        .iter()
        .find(|p| p.provider() == receipt.provider)
        .ok_or(PaymentError::StoreNotConfigured(
            receipt.provider.display_name(),
        ))?;
    let verified = verifier
        .verify(&receipt.purchase_data, &receipt.signature)
        .map_err(|err| PaymentError::InvalidReceipt(err.to_string()))?;
    if verified.product_id != product.row.id {
        return Err(PaymentError::InvalidReceipt(format!(
            "the receipt is for product `{}`",
            verified.product_id
        )));
    }
    let actor_id = recipient(actors, viewer, &product, request.actor_id).await?;
    let txn = begin_write(db).await?;
    let row = match insert_purchase(
        &txn,
        viewer,
        &key,
        &product,
        actor_id,
        receipt.provider.code(),
        Some(verified.order_id.clone()),
        &[],
    )
    .await
    {
        Ok(row) => row,
        Err(err) if is_unique_violation(&err) => {
            return lost_race(db, txn, viewer.user_id, &key, &product.row.id).await
        }
        Err(err) => return Err(err.into()),
    };
    redeem_receipt(&txn, viewer, receipt.provider, &verified, row.id).await?;
    let mut postings = Vec::new();
    let mut ledger_keys = Vec::new();
    grant_postings(viewer.user_id, &product, &mut postings, &mut ledger_keys);
    let mut ledger = Ledger::open(&txn, ledger_keys).await?;
    ledger
        .record(&txn, purchase_transaction(&row, &product), &postings)
        .await?;
    complete(txn, row, &[], &product).await
}

/// Buys a wallet product with wallet currency: the price moves from the player to the
/// store (`INSUFFICIENT_FUNDS` if the wallet holds less), then the product's currency is
/// issued and its items delivered.
pub async fn buy_with_wallet(
    db: &DatabaseConnection,
    actors: &dyn ActorOwnership,
    viewer: &Viewer,
    request: PurchaseRequest,
) -> Result<PurchaseOutcome, PaymentError> {
    let key = idempotency_key(&request.idempotency_key)?;
    if let Some(earlier) = replay(db, viewer.user_id, &key, &request.product_id).await? {
        return Ok(earlier);
    }
    let product = catalog::product_for_sale(db, &request.product_id, ProductKind::Wallet).await?;
    let price = product.price.ok_or_else(|| {
        KitError::Internal(format!("wallet product {} has no price", product.row.id))
    })?;
    let actor_id = recipient(actors, viewer, &product, request.actor_id).await?;
    let txn = begin_write(db).await?;
    let row = match insert_purchase(
        &txn,
        viewer,
        &key,
        &product,
        actor_id,
        WALLET,
        None,
        &[price],
    )
    .await
    {
        Ok(row) => row,
        Err(err) if is_unique_violation(&err) => {
            return lost_race(db, txn, viewer.user_id, &key, &product.row.id).await
        }
        Err(err) => return Err(err.into()),
    };
    let player = Owner::Player(viewer.user_id);
    let store = Owner::System(SystemAccount::Store);
    let mut postings = Posting::transfer(player, store, price.currency, price.amount).to_vec();
    let mut ledger_keys = vec![(player, price.currency), (store, price.currency)];
    grant_postings(viewer.user_id, &product, &mut postings, &mut ledger_keys);
    let mut ledger = Ledger::open(&txn, ledger_keys).await?;
    // Dropping `txn` on INSUFFICIENT_FUNDS rolls the purchase row back too, so the same
    // key can be used again once the wallet is topped up.
    ledger
        .record(&txn, purchase_transaction(&row, &product), &postings)
        .await?;
    complete(txn, row, &[price], &product).await
}

/// The postings issuing `product`'s currency to the player.
fn grant_postings(
    user_id: Uuid,
    product: &Product,
    postings: &mut Vec<Posting>,
    ledger_keys: &mut Vec<(Owner, Currency)>,
) {
    let player = Owner::Player(user_id);
    let issuance = Owner::System(SystemAccount::Issuance);
    for grant in &product.currency_grants {
        postings.extend(Posting::transfer(
            issuance,
            player,
            grant.currency,
            grant.amount,
        ));
        ledger_keys.push((issuance, grant.currency));
        ledger_keys.push((player, grant.currency));
    }
}

fn purchase_transaction(row: &purchase::Model, product: &Product) -> NewTransaction {
    NewTransaction {
        id: Uuid::now_v7(),
        kind: TransactionKind::Purchase,
        reason: format!("purchase of {}", product.row.name),
        reference: Some(reference(row.id)),
        user_id: Some(row.user_id),
        created_by: Some(row.user_id),
    }
}

#[allow(clippy::too_many_arguments)]
async fn insert_purchase(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    key: &str,
    product: &Product,
    actor_id: Option<Uuid>,
    provider: &str,
    order_id: Option<String>,
    paid: &[CurrencyAmount],
) -> Result<purchase::Model, sea_orm::DbErr> {
    purchase::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(viewer.user_id),
        idempotency_key: Set(key.to_string()),
        product_id: Set(product.row.id.clone()),
        actor_id: Set(actor_id),
        provider: Set(provider.to_string()),
        order_id: Set(order_id),
        status: Set(COMPLETED.to_string()),
        paid: Set(amounts_json(paid)),
        granted: Set(amounts_json(&product.currency_grants)),
        items: Set(items_json(&product.item_grants)),
        clawback: Set(amounts_json(&[])),
        shortfall: Set(amounts_json(&[])),
        refund_reason: Set(None),
        refunded_by: Set(None),
        created_at: Set(cursor_time()),
        refunded_at: Set(None),
    }
    .insert(txn)
    .await
}

/// Records the receipt's purchase token; a token redeemed before is
/// `RECEIPT_ALREADY_USED` (the caller's transaction is then dropped).
async fn redeem_receipt(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    provider: StoreProvider,
    verified: &VerifiedPurchase,
    purchase_id: Uuid,
) -> Result<(), PaymentError> {
    let inserted = store_receipt::ActiveModel {
        provider: Set(provider.code().to_string()),
        purchase_token: Set(verified.purchase_token.clone()),
        order_id: Set(verified.order_id.clone()),
        purchase_id: Set(purchase_id),
        user_id: Set(viewer.user_id),
        purchased_at: Set(verified.purchase_time),
        redeemed_at: Set(chrono::Utc::now()),
    }
    .insert(txn)
    .await;
    match inserted {
        Ok(_) => Ok(()),
        Err(err) if is_unique_violation(&err) => Err(PaymentError::ReceiptAlreadyUsed),
        Err(err) => Err(err.into()),
    }
}

/// Writes the purchase's events and commits.
async fn complete(
    txn: DatabaseTransaction,
    row: purchase::Model,
    paid: &[CurrencyAmount],
    product: &Product,
) -> Result<PurchaseOutcome, PaymentError> {
    if let (Some(actor_id), false) = (row.actor_id, product.item_grants.is_empty()) {
        events::emit(
            &txn,
            events::GRANT_ITEMS,
            row.user_id,
            row.user_id,
            events::grant_items_payload(row.id, actor_id, &product.item_grants),
        )
        .await?;
    }
    events::emit(
        &txn,
        events::PURCHASE_COMPLETED,
        row.user_id,
        row.user_id,
        events::purchase_completed_payload(
            &row,
            paid,
            &product.currency_grants,
            &product.item_grants,
        ),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(
        purchase_id = %row.id,
        user_id = %row.user_id,
        product_id = %row.product_id,
        provider = %row.provider,
        "purchase completed"
    );
    Ok(PurchaseOutcome {
        purchase: row,
        replayed: false,
    })
}

/// A purchase by id.
pub async fn purchase_by_id(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<purchase::Model>, PaymentError> {
    Ok(purchase::Entity::find_by_id(id).one(db).await?)
}

/// Up to `limit` of a player's purchases older than `before`, newest first.
pub async fn purchases_of(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    before: Option<Cursor>,
    limit: u64,
) -> Result<Vec<purchase::Model>, PaymentError> {
    let mut query = purchase::Entity::find()
        .filter(purchase::Column::UserId.eq(user_id))
        .order_by_desc(purchase::Column::CreatedAt)
        .order_by_desc(purchase::Column::Id)
        .limit(limit);
    if let Some(cursor) = before {
        query = query.filter(cursor.condition(
            purchase::Column::CreatedAt,
            purchase::Column::Id,
            Side::Before,
        )?);
    }
    Ok(query.all(db).await?)
}
