//! Refunds (admins only): a purchase's currency grants are reversed as far as the
//! player's balance allows, and a wallet purchase's price is returned.
//!
//! The player's balance never goes negative: per currency, the clawback is
//! `min(balance + price returned, granted)` and the rest is recorded as the purchase's
//! shortfall (currency the player already spent). Items already delivered are not
//! taken back (inventory owns them; a shortfall-style item clawback would need an
//! inventory command), so refunds of item products only return the price.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use serde_json::json;
use subgraph_kit::auth::{Viewer, SCOPE_ADMIN};
use subgraph_kit::db::begin_write;
use subgraph_kit::KitError;
use uuid::Uuid;

use entities::payment::purchase;

use crate::error::{bad_input, PaymentError};
use crate::events;
use crate::ledger::{Ledger, NewTransaction, Owner, Posting, SystemAccount, TransactionKind};
use crate::money::{amounts_from_json, amounts_json, total, Currency, CurrencyAmount};
use crate::purchases::{reference, COMPLETED, REFUNDED};

/// Validates and trims a refund or grant reason.
pub fn reason(reason: &str) -> Result<String, PaymentError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(bad_input("reason must be 1-200 characters"));
    }
    Ok(reason.to_string())
}

/// What a refund moves, per currency.
#[derive(Debug, Default, PartialEq, Eq)]
struct Reversal {
    /// Price returned to the player.
    returned: Vec<CurrencyAmount>,
    /// Granted currency taken back.
    clawback: Vec<CurrencyAmount>,
    /// Granted currency that could not be taken back.
    shortfall: Vec<CurrencyAmount>,
}

/// Works out a refund from what was paid and granted and the player's balances.
fn reversal(
    paid: &[CurrencyAmount],
    granted: &[CurrencyAmount],
    balance: impl Fn(Currency) -> i64,
) -> Reversal {
    let mut reversal = Reversal::default();
    for currency in Currency::ALL {
        let returned = total(paid, currency);
        let granted = total(granted, currency);
        if returned > 0 {
            reversal.returned.push(CurrencyAmount {
                currency,
                amount: returned,
            });
        }
        if granted == 0 {
            continue;
        }
        let available = balance(currency).saturating_add(returned).max(0);
        let clawback = available.min(granted);
        if clawback > 0 {
            reversal.clawback.push(CurrencyAmount {
                currency,
                amount: clawback,
            });
        }
        if granted > clawback {
            reversal.shortfall.push(CurrencyAmount {
                currency,
                amount: granted - clawback,
            });
        }
    }
    reversal
}

/// Refunds a purchase (admins only); a second refund is `ALREADY_REFUNDED`.
pub async fn refund(
    db: &DatabaseConnection,
    viewer: &Viewer,
    purchase_id: Uuid,
    reason_text: &str,
) -> Result<purchase::Model, PaymentError> {
    viewer.require_scope(SCOPE_ADMIN)?;
    let reason_text = reason(reason_text)?;
    let txn = begin_write(db).await?;
    let row = purchase::Entity::find_by_id(purchase_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(KitError::NotFound("purchase"))?;
    if row.status != COMPLETED {
        return Err(PaymentError::AlreadyRefunded);
    }
    let paid = amounts_from_json(&row.paid)?;
    let granted = amounts_from_json(&row.granted)?;
    let player = Owner::Player(row.user_id);
    let store = Owner::System(SystemAccount::Store);
    let issuance = Owner::System(SystemAccount::Issuance);
    let mut keys = Vec::new();
    for amount in &paid {
        keys.extend([(player, amount.currency), (store, amount.currency)]);
    }
    for amount in &granted {
        keys.extend([(player, amount.currency), (issuance, amount.currency)]);
    }
    let mut ledger = Ledger::open(&txn, keys).await?;
    let reversal = reversal(&paid, &granted, |currency| ledger.balance(player, currency));
    let mut postings = Vec::new();
    for returned in &reversal.returned {
        postings.extend(Posting::transfer(
            store,
            player,
            returned.currency,
            returned.amount,
        ));
    }
    for taken in &reversal.clawback {
        postings.extend(Posting::transfer(
            player,
            issuance,
            taken.currency,
            taken.amount,
        ));
    }
    ledger
        .record(
            &txn,
            NewTransaction {
                id: Uuid::now_v7(),
                kind: TransactionKind::Refund,
                reason: format!("refund: {reason_text}"),
                reference: Some(reference(row.id)),
                user_id: Some(row.user_id),
                created_by: Some(viewer.user_id),
            },
            &postings,
        )
        .await?;
    let now = Utc::now();
    let updated = purchase::Entity::update_many()
        .col_expr(purchase::Column::Status, Expr::value(REFUNDED))
        .col_expr(
            purchase::Column::Clawback,
            Expr::value(amounts_json(&reversal.clawback)),
        )
        .col_expr(
            purchase::Column::Shortfall,
            Expr::value(amounts_json(&reversal.shortfall)),
        )
        .col_expr(
            purchase::Column::RefundReason,
            Expr::value(Some(reason_text.clone())),
        )
        .col_expr(
            purchase::Column::RefundedBy,
            Expr::value(Some(viewer.user_id)),
        )
        .col_expr(purchase::Column::RefundedAt, Expr::value(Some(now)))
        .filter(purchase::Column::Id.eq(row.id))
        .filter(purchase::Column::Status.eq(COMPLETED))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(PaymentError::AlreadyRefunded);
    }
    events::emit(
        &txn,
        events::PURCHASE_REFUNDED,
        row.user_id,
        viewer.user_id,
        json!({
            "purchaseId": row.id,
            "userId": row.user_id,
            "productId": row.product_id,
            "provider": row.provider,
            "orderId": row.order_id,
            "reason": reason_text,
            "returned": reversal.returned,
            "clawback": reversal.clawback,
            "shortfall": reversal.shortfall,
        }),
    )
    .await?;
    let refunded = purchase::Entity::find_by_id(row.id)
        .one(&txn)
        .await?
        .ok_or(KitError::NotFound("purchase"))?;
    txn.commit().await?;
    tracing::info!(
        purchase_id = %row.id,
        user_id = %row.user_id,
        admin = %viewer.user_id,
        shortfall = !reversal.shortfall.is_empty(),
        "purchase refunded"
    );
    Ok(refunded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hard(amount: i64) -> CurrencyAmount {
        CurrencyAmount {
            currency: Currency::Hard,
            amount,
        }
    }

    fn soft(amount: i64) -> CurrencyAmount {
        CurrencyAmount {
            currency: Currency::Soft,
            amount,
        }
    }

    #[test]
    fn clawback_is_capped_by_the_balance() {
        let full = reversal(&[], &[hard(100)], |_| 250);
        assert_eq!(full.clawback, vec![hard(100)]);
        assert!(full.shortfall.is_empty());
        let partial = reversal(&[], &[hard(100)], |_| 40);
        assert_eq!(partial.clawback, vec![hard(40)]);
        assert_eq!(partial.shortfall, vec![hard(60)]);
        let none = reversal(&[], &[hard(100)], |_| 0);
        assert!(none.clawback.is_empty());
        assert_eq!(none.shortfall, vec![hard(100)]);
    }

    #[test]
    fn a_wallet_refund_returns_the_price_and_claws_back_the_grant() {
        // gold_pack: paid 10 HARD, granted 1000 SOFT, of which 300 SOFT were spent.
        let refund = reversal(&[hard(10)], &[soft(1000)], |currency| match currency {
            Currency::Soft => 700,
            Currency::Hard => 0,
        });
        assert_eq!(refund.returned, vec![hard(10)]);
        assert_eq!(refund.clawback, vec![soft(700)]);
        assert_eq!(refund.shortfall, vec![soft(300)]);
    }

    #[test]
    fn a_returned_price_counts_towards_a_clawback_in_the_same_currency() {
        let refund = reversal(&[hard(10)], &[hard(50)], |_| 45);
        assert_eq!(refund.clawback, vec![hard(50)]);
        assert!(refund.shortfall.is_empty());
    }
}
