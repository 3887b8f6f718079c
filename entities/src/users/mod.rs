//! Tables of the users service: accounts, sessions (refresh-token families), refresh
//! tokens, per-IP login failures and the sanctions applied to accounts.

pub mod account_sanction;
pub mod ip_login_failure;
pub mod refresh_token;
pub mod session;
pub mod user;
