//! Admin currency grants (compensation, support, events): currency issued to a player,
//! once per idempotency key.

use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};
use serde_json::json;
use subgraph_kit::auth::{Viewer, SCOPE_ADMIN};
use subgraph_kit::db::begin_write;
use uuid::Uuid;

use entities::payment::currency_grant;

use crate::error::{bad_input, is_unique_violation, PaymentError};
use crate::events;
use crate::ledger::{Ledger, NewTransaction, Owner, Posting, SystemAccount, TransactionKind};
use crate::money::{Currency, MAX_AMOUNT};
use crate::purchases::idempotency_key;
use crate::refunds::reason;

/// A grant as an admin asks for it.
#[derive(Debug, Clone)]
pub struct GrantRequest {
    /// The player.
    pub user_id: Uuid,
    /// The currency.
    pub currency: Currency,
    /// Units (1 to [`MAX_AMOUNT`]).
    pub amount: i64,
    /// Why (shown in the player's ledger).
    pub reason: String,
    /// The admin's idempotency key.
    pub idempotency_key: String,
}

/// A grant, first-time or replayed.
#[derive(Debug, Clone)]
pub struct GrantOutcome {
    /// The stored grant.
    pub grant: currency_grant::Model,
    /// Whether this call replayed an earlier one with the same key.
    pub replayed: bool,
}

async fn replay(
    db: &DatabaseConnection,
    key: &str,
    request: &GrantRequest,
) -> Result<Option<GrantOutcome>, PaymentError> {
    match currency_grant::Entity::find_by_id(key.to_string())
        .one(db)
        .await?
    {
        Some(grant)
            if grant.user_id == request.user_id
                && grant.currency == request.currency.code()
                && grant.amount == request.amount =>
        {
            Ok(Some(GrantOutcome {
                grant,
                replayed: true,
            }))
        }
        Some(_) => Err(PaymentError::IdempotencyKeyReused),
        None => Ok(None),
    }
}

/// Issues currency to a player (admins only). Replaying the key returns the first
/// grant and moves nothing; the same key for another player, currency or amount is
/// `IDEMPOTENCY_KEY_REUSED`.
pub async fn grant_currency(
    db: &DatabaseConnection,
    viewer: &Viewer,
    request: GrantRequest,
) -> Result<GrantOutcome, PaymentError> {
    viewer.require_scope(SCOPE_ADMIN)?;
    if !(1..=MAX_AMOUNT).contains(&request.amount) {
        return Err(bad_input(format!(
            "amount must be between 1 and {MAX_AMOUNT}"
        )));
    }
    let reason_text = reason(&request.reason)?;
    let key = idempotency_key(&request.idempotency_key)?;
    if let Some(earlier) = replay(db, &key, &request).await? {
        return Ok(earlier);
    }
    let txn = begin_write(db).await?;
    let transaction_id = Uuid::now_v7();
    let inserted = currency_grant::ActiveModel {
        idempotency_key: Set(key.clone()),
        user_id: Set(request.user_id),
        currency: Set(request.currency.code().to_string()),
        amount: Set(request.amount),
        reason: Set(reason_text.clone()),
        granted_by: Set(viewer.user_id),
        transaction_id: Set(transaction_id),
        created_at: Set(chrono::Utc::now()),
    }
    .insert(&txn)
    .await;
    let grant = match inserted {
        Ok(grant) => grant,
        Err(err) if is_unique_violation(&err) => {
            txn.rollback().await?;
            return replay(db, &key, &request)
                .await?
                .ok_or(PaymentError::IdempotencyKeyReused);
        }
        Err(err) => return Err(err.into()),
    };
    let player = Owner::Player(request.user_id);
    let issuance = Owner::System(SystemAccount::Issuance);
    let mut ledger = Ledger::open(
        &txn,
        [(player, request.currency), (issuance, request.currency)],
    )
    .await?;
    ledger
        .record(
            &txn,
            NewTransaction {
                id: transaction_id,
                kind: TransactionKind::Grant,
                reason: reason_text.clone(),
                reference: Some(format!("grant:{key}")),
                user_id: Some(request.user_id),
                created_by: Some(viewer.user_id),
            },
            &Posting::transfer(issuance, player, request.currency, request.amount),
        )
        .await?;
    events::emit(
        &txn,
        events::CURRENCY_GRANTED,
        request.user_id,
        viewer.user_id,
        json!({
            "userId": request.user_id,
            "currency": request.currency,
            "amount": request.amount,
            "reason": reason_text,
            "grantedBy": viewer.user_id,
            "idempotencyKey": key,
            "transactionId": transaction_id,
        }),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(
        user_id = %request.user_id,
        currency = request.currency.code(),
        amount = request.amount,
        admin = %viewer.user_id,
        "currency granted"
    );
    Ok(GrantOutcome {
        grant,
        replayed: false,
    })
}
