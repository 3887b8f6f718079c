//! Failed logins per client IP, in a sliding window, for per-IP lockout.

use sea_orm::entity::prelude::*;

/// Failures of one IP.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ip_login_failures")]
pub struct Model {
    /// The client IP, as text.
    #[sea_orm(primary_key, auto_increment = false)]
    pub ip: String,
    /// Failures in the current window.
    pub failures: i32,
    /// Start of the current window.
    pub window_started_at: DateTimeUtc,
    /// Logins from this IP are refused until then.
    pub locked_until: Option<DateTimeUtc>,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
