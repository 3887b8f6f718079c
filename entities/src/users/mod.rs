//! Tables of the users service: accounts, sessions (refresh-token families), refresh
//! tokens and per-IP login failures.

pub mod ip_login_failure;
pub mod refresh_token;
pub mod session;
pub mod user;
