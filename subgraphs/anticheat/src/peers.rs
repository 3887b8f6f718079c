//! The other services anticheat asks: chaos for actors and their owners, users to apply
//! sanctions to accounts. Both are traits so tests can stand in for them.

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use serde_json::json;
use subgraph_kit::directory::{ActorDirectory, ActorSummary};
use subgraph_kit::peer::{PeerClient, PeerError};
use subgraph_kit::KitError;
use uuid::Uuid;

/// Actor lookups (chaos).
pub trait ActorLookup: Send + Sync {
    /// The actor `actor_id`, or `None` when it does not exist.
    fn find(&self, actor_id: Uuid) -> BoxFuture<'_, Result<Option<ActorSummary>, KitError>>;
}

impl ActorLookup for ActorDirectory {
    fn find(&self, actor_id: Uuid) -> BoxFuture<'_, Result<Option<ActorSummary>, KitError>> {
        Box::pin(async move {
            Ok(ActorDirectory::find(self, &[actor_id])
                .await?
                .remove(&actor_id))
        })
    }
}

/// What a sanction does to the account, in the users service's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountSanction {
    /// `BAN`.
    Ban,
    /// `MUTE`.
    Mute,
}

impl AccountSanction {
    fn code(self) -> &'static str {
        match self {
            AccountSanction::Ban => "BAN",
            AccountSanction::Mute => "MUTE",
        }
    }
}

/// Applying and lifting sanctions on accounts (users).
pub trait Accounts: Send + Sync {
    /// Applies sanction `sanction_id` (idempotent by it).
    fn apply<'a>(
        &'a self,
        sanction_id: Uuid,
        user_id: Uuid,
        kind: AccountSanction,
        until: Option<DateTime<Utc>>,
        reason: &'a str,
    ) -> BoxFuture<'a, Result<(), PeerError>>;

    /// Lifts the account's ban or mute.
    fn lift(&self, user_id: Uuid, kind: AccountSanction) -> BoxFuture<'_, Result<(), PeerError>>;
}

const APPLY: &str = "mutation($id: ID!, $user: ID!, $kind: AccountSanctionKind!, $until: DateTime, $reason: String!) {
    applyAccountSanction(sanctionId: $id, userId: $user, kind: $kind, until: $until, reason: $reason)
}";

const LIFT: &str = "mutation($user: ID!, $kind: AccountSanctionKind!) {
    liftAccountSanction(userId: $user, kind: $kind)
}";

/// The users subgraph's internal mutations, called with the internal token.
pub struct UsersService {
    client: Option<PeerClient>,
}

impl UsersService {
    /// Users at `url` (its `/graphql`); without one, every call is unavailable.
    pub fn new(
        url: Option<String>,
        internal_token: Option<subgraph_kit::secret::Secret<String>>,
    ) -> Self {
        if url.is_none() {
            tracing::warn!("peers.users_url is not set: sanctions stay pending");
        }
        Self {
            client: url.map(|url| PeerClient::new("users", url, internal_token)),
        }
    }

    fn client(&self) -> Result<&PeerClient, PeerError> {
        self.client.as_ref().ok_or_else(|| PeerError::Unavailable {
            service: "users",
            cause: "peers.users_url is not configured".to_string(),
        })
    }
}

impl Accounts for UsersService {
    fn apply<'a>(
        &'a self,
        sanction_id: Uuid,
        user_id: Uuid,
        kind: AccountSanction,
        until: Option<DateTime<Utc>>,
        reason: &'a str,
    ) -> BoxFuture<'a, Result<(), PeerError>> {
        Box::pin(async move {
            let variables = json!({
                "id": sanction_id, "user": user_id, "kind": kind.code(),
                "until": until, "reason": reason,
            });
            self.client()?
                .execute::<serde_json::Value>(APPLY, variables)
                .await?;
            Ok(())
        })
    }

    fn lift(&self, user_id: Uuid, kind: AccountSanction) -> BoxFuture<'_, Result<(), PeerError>> {
        Box::pin(async move {
            let variables = json!({ "user": user_id, "kind": kind.code() });
            self.client()?
                .execute::<serde_json::Value>(LIFT, variables)
                .await?;
            Ok(())
        })
    }
}
