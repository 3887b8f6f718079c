//! The events payment publishes on [`topics::PAYMENT`], keyed by user id, written to
//! the outbox in the transaction of the change they report.
//!
//! - `payment.grant_items` asks inventory to deliver a purchase's items (payload:
//!   `grantId` = `purchase:<purchase id>`, `actorId`, `items`: [{`definitionId`,
//!   `quantity`}]). Inventory grants once per `grantId`, and each purchase emits it
//!   exactly once (replays of the purchase command commit nothing), so items arrive
//!   exactly once.
//! - `payment.purchase_completed`, `payment.purchase_refunded` and
//!   `payment.currency_granted` report money movements to analytics.

use sea_orm::DatabaseTransaction;
use serde_json::{json, Value};
use subgraph_kit::events::{outbox, topics, EventEnvelope};
use uuid::Uuid;

use entities::payment::purchase;

use crate::error::PaymentError;
use crate::money::{CurrencyAmount, ItemGrant};

/// Event type asking inventory to deliver items.
pub const GRANT_ITEMS: &str = "payment.grant_items";
/// Event type of a completed purchase.
pub const PURCHASE_COMPLETED: &str = "payment.purchase_completed";
/// Event type of a refunded purchase.
pub const PURCHASE_REFUNDED: &str = "payment.purchase_refunded";
/// Event type of an admin currency grant.
pub const CURRENCY_GRANTED: &str = "payment.currency_granted";

/// The `grantId` inventory deduplicates a purchase's delivery by.
pub fn grant_id(purchase_id: Uuid) -> String {
    format!("purchase:{purchase_id}")
}

/// Writes an event about `user_id`, caused by `by`, to the outbox.
pub async fn emit(
    txn: &DatabaseTransaction,
    event_type: &str,
    user_id: Uuid,
    by: Uuid,
    payload: Value,
) -> Result<(), PaymentError> {
    let event = EventEnvelope::new(event_type, user_id, payload).by(by);
    outbox::enqueue(txn, topics::PAYMENT, &event).await?;
    Ok(())
}

/// `payment.grant_items` for a purchase delivering `items` to `actor_id`.
pub fn grant_items_payload(purchase_id: Uuid, actor_id: Uuid, items: &[ItemGrant]) -> Value {
    json!({
        "grantId": grant_id(purchase_id),
        "actorId": actor_id,
        "items": items,
    })
}

/// `payment.purchase_completed` for `purchase`.
pub fn purchase_completed_payload(
    purchase: &purchase::Model,
    paid: &[CurrencyAmount],
    granted: &[CurrencyAmount],
    items: &[ItemGrant],
) -> Value {
    json!({
        "purchaseId": purchase.id,
        "userId": purchase.user_id,
        "productId": purchase.product_id,
        "provider": purchase.provider,
        "orderId": purchase.order_id,
        "actorId": purchase.actor_id,
        "paid": paid,
        "granted": granted,
        "items": items,
    })
}
