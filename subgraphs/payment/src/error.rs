//! Errors of the payment service, each with a stable code.

use subgraph_kit::error::ErrorCode;
use subgraph_kit::KitError;

/// What can go wrong in the payment service.
#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    /// Shared failures (auth, input, not found, internal).
    #[error(transparent)]
    Kit(#[from] KitError),
    /// The receipt's signature, content, app or product does not check out.
    #[error("invalid receipt: {0}")]
    InvalidReceipt(String),
    /// The receipt's purchase token was already redeemed.
    #[error("this receipt was already redeemed")]
    ReceiptAlreadyUsed,
    /// No verifier is configured for the receipt's store.
    #[error("{0} purchases are not available")]
    StoreNotConfigured(&'static str),
    /// No product has this id.
    #[error("no store product `{0}`")]
    ProductNotFound(String),
    /// The product is inactive, or not sold this way.
    #[error("store product `{0}` is not for sale {1}")]
    ProductNotForSale(String, &'static str),
    /// The wallet holds less than the price.
    #[error("insufficient {0} balance")]
    InsufficientFunds(&'static str),
    /// The purchase was refunded before.
    #[error("the purchase was already refunded")]
    AlreadyRefunded,
    /// The idempotency key was used before for a different request.
    #[error("idempotency key was already used for a different request")]
    IdempotencyKeyReused,
    /// The product delivers items, so it needs the actor that receives them.
    #[error("store product `{0}` grants items: give the actorId that receives them")]
    ActorRequired(String),
}

impl ErrorCode for PaymentError {
    fn code(&self) -> &'static str {
        match self {
            PaymentError::Kit(err) => err.code(),
            PaymentError::InvalidReceipt(_) => "INVALID_RECEIPT",
            PaymentError::ReceiptAlreadyUsed => "RECEIPT_ALREADY_USED",
            PaymentError::StoreNotConfigured(_) => "STORE_NOT_CONFIGURED",
            PaymentError::ProductNotFound(_) => "PRODUCT_NOT_FOUND",
            PaymentError::ProductNotForSale(..) => "PRODUCT_NOT_FOR_SALE",
            PaymentError::InsufficientFunds(_) => "INSUFFICIENT_FUNDS",
            PaymentError::AlreadyRefunded => "ALREADY_REFUNDED",
            PaymentError::IdempotencyKeyReused => "IDEMPOTENCY_KEY_REUSED",
            PaymentError::ActorRequired(_) => "ACTOR_REQUIRED",
        }
    }
}

impl From<sea_orm::DbErr> for PaymentError {
    fn from(err: sea_orm::DbErr) -> Self {
        PaymentError::Kit(KitError::Database(err))
    }
}

/// `BAD_USER_INPUT` with `message`.
pub(crate) fn bad_input(message: impl Into<String>) -> PaymentError {
    KitError::BadUserInput(message.into()).into()
}

/// Whether `err` is a unique-constraint violation (a concurrent command won a race).
pub(crate) fn is_unique_violation(err: &sea_orm::DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}
