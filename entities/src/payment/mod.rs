//! Tables of the payment service: the store catalogue (`store_products` and their
//! `store_product_grants`), the double-entry wallet ledger (`ledger_accounts`,
//! `ledger_transactions`, `ledger_entries`), purchases with their redeemed store
//! receipts (`purchases`, `store_receipts`) and admin currency grants
//! (`currency_grants`).
//!
//! Amounts are whole units of a currency (`SOFT`, `HARD`) in 64-bit integers; currency,
//! kind and status columns hold the SCREAMING_SNAKE codes of the GraphQL enums.

pub mod account;
pub mod currency_grant;
pub mod ledger_entry;
pub mod ledger_transaction;
pub mod purchase;
pub mod store_product;
pub mod store_product_grant;
pub mod store_receipt;
