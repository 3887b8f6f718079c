//! Account sanctions every service enforces at once: bans, which make the verifier
//! refuse the player's access tokens on every request (see
//! [`crate::auth::JwtVerifier::with_sanctions`]), and global mutes, which chat checks
//! before a message is sent.
//!
//! The users service owns sanctions (its database is the truth) and records them on
//! the [`SanctionBoard`]; every other service only reads the board. Two backends:
//! in-process (one process shares one board, the embedded supergraph), and Redis (one
//! hash per sanctioned user under `<namespace>:sanctions:`), so every replica of every
//! service sees a ban with its next request.
//!
//! A ban also moves the user's `revoked_before` mark forward: access tokens issued
//! before it stay refused after the ban is lifted or expires (they were issued to
//! whoever held the account when it was banned). The mark never moves back.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;
use uuid::Uuid;

use crate::settings::SanctionSettings;

/// The code of every refusal caused by a ban.
pub const ACCOUNT_BANNED: &str = "ACCOUNT_BANNED";

/// How long a Redis board may take to answer before the caller goes on without it.
const REDIS_TIMEOUT: Duration = Duration::from_millis(500);

/// When a ban or mute ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// Never (permanent, until lifted).
    Forever,
    /// At this time (seconds since the epoch).
    At(i64),
}

impl Until {
    /// `None` (permanent) or the end time, as callers usually hold it.
    pub fn from_option(until: Option<i64>) -> Self {
        until.map_or(Until::Forever, Until::At)
    }

    /// Whether it still holds at `now` (seconds since the epoch).
    pub fn active_at(self, now: i64) -> bool {
        match self {
            Until::Forever => true,
            Until::At(end) => end > now,
        }
    }

    /// The end time, `None` when permanent.
    pub fn at(self) -> Option<i64> {
        match self {
            Until::Forever => None,
            Until::At(end) => Some(end),
        }
    }

    fn encode(self) -> String {
        match self {
            Until::Forever => "forever".to_string(),
            Until::At(end) => end.to_string(),
        }
    }

    fn decode(value: &str) -> Option<Self> {
        match value {
            "forever" => Some(Until::Forever),
            other => other.parse().ok().map(Until::At),
        }
    }
}

/// What the board holds about one user (expired entries may still be present).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SanctionState {
    /// The ban, if one was recorded and not lifted.
    pub ban: Option<Until>,
    /// Access tokens issued before this time (seconds) are refused.
    pub revoked_before: Option<i64>,
    /// The global mute, if one was recorded and not lifted.
    pub mute: Option<Until>,
}

impl SanctionState {
    /// Whether a token of this user issued at `iat` is acceptable at `now`.
    pub fn token_allowed(&self, iat: i64, now: i64) -> bool {
        let banned = self.ban.is_some_and(|ban| ban.active_at(now));
        let revoked = self.revoked_before.is_some_and(|before| iat < before);
        !banned && !revoked
    }

    /// The mute in force at `now`.
    pub fn mute_at(&self, now: i64) -> Option<Until> {
        self.mute.filter(|mute| mute.active_at(now))
    }
}

/// Why the board could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SanctionError {
    /// Redis refused or is unreachable.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// Redis did not answer in time.
    #[error("the sanction board did not answer in time")]
    Timeout,
}

/// A change to one user's entry.
#[derive(Debug, Clone, Copy)]
enum Change {
    Ban { not_before: i64, until: Until },
    RevokeBefore(i64),
    Lift,
    Mute(Until),
    Unmute,
}

/// Where the board keeps its entries.
trait Backend: Send + Sync {
    fn state(&self, user_id: Uuid) -> BoxFuture<'_, Result<SanctionState, SanctionError>>;
    fn apply(&self, user_id: Uuid, change: Change) -> BoxFuture<'_, Result<(), SanctionError>>;
}

/// Bans and mutes shared by every service (cheap to clone; clones share the entries).
#[derive(Clone)]
pub struct SanctionBoard {
    backend: Arc<dyn Backend>,
}

impl std::fmt::Debug for SanctionBoard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SanctionBoard")
    }
}

impl SanctionBoard {
    /// A board in this process (the embedded default; share it by cloning).
    pub fn in_process() -> Self {
        Self {
            backend: Arc::new(InProcess::default()),
        }
    }

    /// A board in Redis at `url`, under `<namespace>:sanctions:<user id>`.
    pub async fn redis(url: &str, namespace: &str) -> Result<Self, SanctionError> {
        Ok(Self {
            backend: Arc::new(RedisBackend::connect(url, namespace).await?),
        })
    }

    /// The board `settings` configure: Redis with a URL, else in-process.
    pub async fn from_settings(settings: &SanctionSettings) -> Result<Self, SanctionError> {
        match &settings.redis_url {
            Some(url) => Self::redis(url.expose(), &settings.namespace).await,
            None => Ok(Self::in_process()),
        }
    }

    /// Bans `user_id` until `until` (`None`: permanently) and refuses every token
    /// issued before `not_before` (seconds) from now on, even after the ban ends.
    pub async fn ban(
        &self,
        user_id: Uuid,
        not_before: i64,
        until: Option<i64>,
    ) -> Result<(), SanctionError> {
        let until = Until::from_option(until);
        self.backend
            .apply(user_id, Change::Ban { not_before, until })
            .await
    }

    /// Refuses every token of `user_id` issued before `not_before` (seconds), without a
    /// ban (republishing a ban that has ended, whose tokens may still be alive).
    pub async fn revoke_tokens_before(
        &self,
        user_id: Uuid,
        not_before: i64,
    ) -> Result<(), SanctionError> {
        self.backend
            .apply(user_id, Change::RevokeBefore(not_before))
            .await
    }

    /// Ends `user_id`'s ban; tokens issued before it stay refused.
    pub async fn lift(&self, user_id: Uuid) -> Result<(), SanctionError> {
        self.backend.apply(user_id, Change::Lift).await
    }

    /// Mutes `user_id` everywhere until `until` (`None`: permanently).
    pub async fn mute(&self, user_id: Uuid, until: Option<i64>) -> Result<(), SanctionError> {
        self.backend
            .apply(user_id, Change::Mute(Until::from_option(until)))
            .await
    }

    /// Ends `user_id`'s mute.
    pub async fn unmute(&self, user_id: Uuid) -> Result<(), SanctionError> {
        self.backend.apply(user_id, Change::Unmute).await
    }

    /// Everything recorded about `user_id`.
    pub async fn state(&self, user_id: Uuid) -> Result<SanctionState, SanctionError> {
        self.backend.state(user_id).await
    }

    /// Whether a token of `user_id` issued at `iat` (seconds) is acceptable now: not
    /// while a ban is active, and never when issued before the last ban.
    pub async fn token_allowed(&self, user_id: Uuid, iat: i64) -> Result<bool, SanctionError> {
        let now = chrono::Utc::now().timestamp();
        Ok(self.state(user_id).await?.token_allowed(iat, now))
    }

    /// The mute in force for `user_id`, if any.
    pub async fn muted_until(&self, user_id: Uuid) -> Result<Option<Until>, SanctionError> {
        let now = chrono::Utc::now().timestamp();
        Ok(self.state(user_id).await?.mute_at(now))
    }
}

/// Entries in a map of this process.
#[derive(Default)]
struct InProcess {
    entries: Mutex<HashMap<Uuid, SanctionState>>,
}

impl Backend for InProcess {
    fn state(&self, user_id: Uuid) -> BoxFuture<'_, Result<SanctionState, SanctionError>> {
        let state = self
            .entries
            .lock()
            .expect("the sanction map lock is never held across a panic")
            .get(&user_id)
            .copied()
            .unwrap_or_default();
        Box::pin(async move { Ok(state) })
    }

    fn apply(&self, user_id: Uuid, change: Change) -> BoxFuture<'_, Result<(), SanctionError>> {
        {
            let mut entries = self
                .entries
                .lock()
                .expect("the sanction map lock is never held across a panic");
            let entry = entries.entry(user_id).or_default();
            match change {
                Change::Ban { not_before, until } => {
                    entry.ban = Some(until);
                    entry.revoked_before = Some(entry.revoked_before.unwrap_or(0).max(not_before));
                }
                Change::RevokeBefore(not_before) => {
                    entry.revoked_before = Some(entry.revoked_before.unwrap_or(0).max(not_before));
                }
                Change::Lift => entry.ban = None,
                Change::Mute(until) => entry.mute = Some(until),
                Change::Unmute => entry.mute = None,
            }
        }
        Box::pin(async { Ok(()) })
    }
}

/// Moves `revoked_before` forward only, then records the ban (when given), atomically.
const BAN_SCRIPT: &str =
    "local before = tonumber(redis.call('HGET', KEYS[1], 'revoked_before') or '0') \
if tonumber(ARGV[1]) > before then redis.call('HSET', KEYS[1], 'revoked_before', ARGV[1]) end \
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'ban', ARGV[2]) end \
return 1";

/// Entries as Redis hashes; one connection per process, reopened after it breaks.
struct RedisBackend {
    client: redis::Client,
    connection: tokio::sync::RwLock<Option<redis::aio::MultiplexedConnection>>,
    namespace: String,
}

impl RedisBackend {
    async fn connect(url: &str, namespace: &str) -> Result<Self, SanctionError> {
        let client = redis::Client::open(url)?;
        let connection = within_timeout(client.get_multiplexed_async_connection()).await?;
        Ok(Self {
            client,
            connection: tokio::sync::RwLock::new(Some(connection)),
            namespace: namespace.to_string(),
        })
    }

    fn key(&self, user_id: Uuid) -> String {
        format!("{}:sanctions:{user_id}", self.namespace)
    }

    async fn connection(&self) -> Result<redis::aio::MultiplexedConnection, SanctionError> {
        if let Some(connection) = self.connection.read().await.as_ref() {
            return Ok(connection.clone());
        }
        let mut slot = self.connection.write().await;
        if let Some(connection) = slot.as_ref() {
            return Ok(connection.clone());
        }
        let connection = within_timeout(self.client.get_multiplexed_async_connection()).await?;
        *slot = Some(connection.clone());
        Ok(connection)
    }

    /// Runs `command`; a broken connection is dropped so the next call reconnects.
    async fn query<T: redis::FromRedisValue>(
        &self,
        command: &redis::Cmd,
    ) -> Result<T, SanctionError> {
        let mut connection = self.connection().await?;
        let result = within_timeout(command.query_async::<T>(&mut connection)).await;
        if let Err(SanctionError::Redis(err)) = &result {
            if err.is_io_error() || err.is_connection_dropped() || err.is_unrecoverable_error() {
                *self.connection.write().await = None;
            }
        }
        if let Err(SanctionError::Timeout) = &result {
            *self.connection.write().await = None;
        }
        result
    }
}

async fn within_timeout<T>(
    work: impl std::future::Future<Output = Result<T, redis::RedisError>>,
) -> Result<T, SanctionError> {
    match tokio::time::timeout(REDIS_TIMEOUT, work).await {
        Ok(result) => Ok(result?),
        Err(_) => Err(SanctionError::Timeout),
    }
}

impl Backend for RedisBackend {
    fn state(&self, user_id: Uuid) -> BoxFuture<'_, Result<SanctionState, SanctionError>> {
        Box::pin(async move {
            let fields: HashMap<String, String> = self
                .query(redis::cmd("HGETALL").arg(self.key(user_id)))
                .await?;
            Ok(SanctionState {
                ban: fields.get("ban").and_then(|v| Until::decode(v)),
                revoked_before: fields.get("revoked_before").and_then(|v| v.parse().ok()),
                mute: fields.get("mute").and_then(|v| Until::decode(v)),
            })
        })
    }

    fn apply(&self, user_id: Uuid, change: Change) -> BoxFuture<'_, Result<(), SanctionError>> {
        Box::pin(async move {
            let key = self.key(user_id);
            let mut command = match change {
                Change::Ban { not_before, until } => {
                    let mut command = redis::cmd("EVAL");
                    command
                        .arg(BAN_SCRIPT)
                        .arg(1)
                        .arg(&key)
                        .arg(not_before)
                        .arg(until.encode());
                    command
                }
                Change::RevokeBefore(not_before) => {
                    let mut command = redis::cmd("EVAL");
                    command
                        .arg(BAN_SCRIPT)
                        .arg(1)
                        .arg(&key)
                        .arg(not_before)
                        .arg("");
                    command
                }
                Change::Lift => redis::cmd("HDEL"),
                Change::Mute(until) => {
                    let mut command = redis::cmd("HSET");
                    command.arg(&key).arg("mute").arg(until.encode());
                    command
                }
                Change::Unmute => redis::cmd("HDEL"),
            };
            match change {
                Change::Lift => {
                    command.arg(&key).arg("ban");
                }
                Change::Unmute => {
                    command.arg(&key).arg("mute");
                }
                Change::Ban { .. } | Change::RevokeBefore(_) | Change::Mute(_) => {}
            }
            self.query::<redis::Value>(&command).await?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn exercise(board: &SanctionBoard) {
        let now = chrono::Utc::now().timestamp();
        let user = Uuid::new_v4();
        let bystander = Uuid::new_v4();
        assert!(board.token_allowed(user, now).await.expect("reads"));
        assert_eq!(board.muted_until(user).await.expect("reads"), None);

        // A temporary ban refuses every token while it lasts.
        board.ban(user, now, Some(now + 600)).await.expect("bans");
        assert!(!board.token_allowed(user, now - 10).await.expect("reads"));
        assert!(!board.token_allowed(user, now + 5).await.expect("reads"));
        assert!(board.token_allowed(bystander, now).await.expect("reads"));

        // Lifted: tokens from before the ban stay dead, new ones pass.
        board.lift(user).await.expect("lifts");
        assert!(!board.token_allowed(user, now - 10).await.expect("reads"));
        assert!(board.token_allowed(user, now + 5).await.expect("reads"));

        // An expired ban no longer refuses new tokens; the mark never moves back.
        board
            .ban(user, now - 100, Some(now - 1))
            .await
            .expect("bans");
        assert!(board.token_allowed(user, now + 5).await.expect("reads"));
        assert!(!board.token_allowed(user, now - 10).await.expect("reads"));
        assert_eq!(
            board.state(user).await.expect("reads").revoked_before,
            Some(now)
        );

        // A permanent ban.
        board.ban(user, now, None).await.expect("bans");
        assert!(!board.token_allowed(user, now + 5).await.expect("reads"));
        assert_eq!(
            board.state(user).await.expect("reads").ban,
            Some(Until::Forever)
        );

        // Mutes.
        board.mute(user, Some(now + 60)).await.expect("mutes");
        assert_eq!(
            board.muted_until(user).await.expect("reads"),
            Some(Until::At(now + 60))
        );
        board.mute(user, None).await.expect("mutes");
        assert_eq!(
            board.muted_until(user).await.expect("reads"),
            Some(Until::Forever)
        );
        board.unmute(user).await.expect("unmutes");
        assert_eq!(board.muted_until(user).await.expect("reads"), None);
        board.mute(user, Some(now - 1)).await.expect("mutes");
        assert_eq!(
            board.muted_until(user).await.expect("reads"),
            None,
            "expired"
        );

        // Revoking without a ban.
        let revoked = Uuid::new_v4();
        board
            .revoke_tokens_before(revoked, now)
            .await
            .expect("revokes");
        assert!(!board.token_allowed(revoked, now - 1).await.expect("reads"));
        assert!(board.token_allowed(revoked, now).await.expect("reads"));
        assert_eq!(board.state(revoked).await.expect("reads").ban, None);
    }

    #[tokio::test]
    async fn in_process_board_bans_revokes_and_mutes() {
        let board = SanctionBoard::in_process();
        exercise(&board).await;
        // Clones share the entries.
        let user = Uuid::new_v4();
        board.clone().ban(user, 0, None).await.expect("bans");
        assert!(!board.token_allowed(user, 1).await.expect("reads"));
    }

    /// Two boards on one Redis are two replicas: a ban recorded by one is seen by the
    /// other at once. Runs when `CHAOS_TEST_REDIS_URL` names a server.
    #[tokio::test]
    async fn redis_board_is_shared_by_replicas() {
        let Ok(url) = std::env::var("CHAOS_TEST_REDIS_URL") else {
            eprintln!("CHAOS_TEST_REDIS_URL not set: the Redis board runs in the Redis pass");
            return;
        };
        let namespace = format!("test-{}", Uuid::new_v4().simple());
        let replica_a = SanctionBoard::redis(&url, &namespace)
            .await
            .expect("connects");
        let replica_b = SanctionBoard::redis(&url, &namespace)
            .await
            .expect("connects");
        exercise(&replica_a).await;
        let user = Uuid::new_v4();
        let now = chrono::Utc::now().timestamp();
        replica_a.ban(user, now, None).await.expect("bans");
        assert!(!replica_b.token_allowed(user, now).await.expect("reads"));
        let stranger = SanctionBoard::redis(&url, "someone-else")
            .await
            .expect("connects");
        assert!(stranger.token_allowed(user, now).await.expect("reads"));
    }

    #[test]
    fn until_round_trips() {
        for until in [Until::Forever, Until::At(1_700_000_000)] {
            assert_eq!(Until::decode(&until.encode()), Some(until));
        }
        assert_eq!(Until::decode("nonsense"), None);
    }
}
