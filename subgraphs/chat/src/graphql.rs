//! The federated schema of the chat service: channels, messages with stable cursors,
//! moderation and `messageAdded`. Message senders are `Actor` references that the
//! router completes from chaos (`sender { name level }`).

use std::sync::Arc;

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, Object, Schema, SimpleObject, Subscription, ID};
use chrono::{DateTime, Utc};
use futures_util::stream::{Stream, StreamExt};
use sea_orm::DatabaseConnection;
use subgraph_kit::auth::JwtVerifier;
use subgraph_kit::directory::ActorDirectory;
use subgraph_kit::error::ApiError;
use subgraph_kit::events::outbox::OutboxSignal;
use subgraph_kit::pagination::{Cursor, PageLimits};
use subgraph_kit::pubsub::PubSub;
use subgraph_kit::sdl::authenticated;
use subgraph_kit::{parse_id, ApiResult, ContextAuthExt, KitError};
use uuid::Uuid;

use entities::chat::{message, mute, report};

use crate::channels::{Channel, ChannelKind};
use crate::presence::Presence;
use crate::service::{self, parse_channel, Direction};
use crate::settings::ChatSettings;

/// The executable chat schema.
pub type ChatSchema = Schema<Query, Mutation, Subscription>;

const HISTORY_PAGES: PageLimits = PageLimits {
    default: 50,
    max: 100,
};

/// What resolvers need, stored in the schema's data.
pub struct Deps {
    /// The chat database.
    pub db: DatabaseConnection,
    /// Live fan-out of new messages.
    pub pubsub: Arc<dyn PubSub>,
    /// Wakes the outbox relay after a command commits events.
    pub outbox: OutboxSignal,
    /// Actor lookups in chaos.
    pub directory: ActorDirectory,
    /// Who watches which channel on this replica.
    pub presence: Presence,
    /// Service settings.
    pub settings: Arc<ChatSettings>,
    /// The token verifier; its sanction board (if any) holds account-wide mutes.
    pub verifier: Arc<JwtVerifier>,
}

impl Deps {
    fn env(&self) -> service::Env<'_> {
        service::Env {
            db: &self.db,
            directory: &self.directory,
            presence: &self.presence,
            rules: &self.settings.rules,
        }
    }
}

/// Builds the schema; `deps` is `None` only for exporting the SDL.
pub fn schema(deps: Option<Deps>) -> ChatSchema {
    subgraph_kit::server::federated_schema(Query, Mutation, Subscription, deps)
}

fn deps<'a>(ctx: &Context<'a>) -> &'a Deps {
    ctx.data_unchecked::<Deps>()
}

/// The live topic of one channel's new messages.
fn channel_topic(channel_id: &str) -> String {
    format!("channel:{channel_id}")
}

/// The live topic on which a channel's lost readers are named (account ids).
fn access_topic(channel_id: &str) -> String {
    format!("access:{channel_id}")
}

/// Tells `user_id`'s open `messageAdded` subscriptions to `channel` (on every replica)
/// to check their access again: they end unless another of the player's actors may
/// still read it.
pub async fn revoke_access(pubsub: &dyn PubSub, channel: &Channel, user_id: Uuid) {
    if let Err(err) = pubsub
        .publish(&access_topic(&channel.id()), user_id.to_string())
        .await
    {
        tracing::warn!(channel_id = %channel.id(), %user_id, cause = %err, "access revocation not announced");
    }
}

/// A reference to an actor (resolved by chaos).
#[derive(SimpleObject)]
#[graphql(name = "Actor", unresolvable = "id")]
pub struct ActorRef {
    /// Actor id.
    id: ID,
}

fn actor(id: Uuid) -> ActorRef {
    ActorRef {
        id: ID(id.to_string()),
    }
}

/// `Guild` as chat extends it: the id of its chat channel.
pub struct GuildRef {
    id: Uuid,
}

#[Object(name = "Guild")]
impl GuildRef {
    /// Guild id.
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }
    /// The guild's chat channel (members only).
    async fn chat_channel_id(&self) -> ID {
        ID(Channel::Guild(self.id).id())
    }
}

/// A chat channel.
pub struct ChatChannel(Channel);

#[Object]
impl ChatChannel {
    /// Channel id (`global`, `zone:<zone>`, `party:<uuid>`, `guild:<uuid>`,
    /// `dm:<actor>:<actor>`).
    async fn id(&self) -> ID {
        ID(self.0.id())
    }
    /// Kind.
    async fn kind(&self) -> ChannelKind {
        self.0.kind()
    }
}

/// A message.
pub struct ChatMessage(message::Model);

#[Object]
impl ChatMessage {
    /// Message id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The channel.
    async fn channel_id(&self) -> ID {
        ID(self.0.channel_id.clone())
    }
    /// The sending actor.
    async fn sender(&self) -> ActorRef {
        actor(self.0.sender_actor_id)
    }
    /// The text (empty once deleted).
    async fn text(&self) -> &str {
        &self.0.body
    }
    /// When it was sent.
    async fn sent_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it was last edited.
    async fn edited_at(&self) -> Option<DateTime<Utc>> {
        self.0.edited_at
    }
    /// Whether the sender (or a moderator) deleted it.
    async fn deleted(&self) -> bool {
        self.0.deleted_at.is_some()
    }
}

fn cursor_of(message: &message::Model) -> String {
    Cursor {
        at_ms: message.created_at.timestamp_millis(),
        id: message.id,
    }
    .encode()
}

/// A mute.
pub struct ChannelMute(mute::Model);

#[Object]
impl ChannelMute {
    /// The channel.
    async fn channel_id(&self) -> ID {
        ID(self.0.channel_id.clone())
    }
    /// The muted account.
    async fn user_id(&self) -> ID {
        ID(self.0.user_id.to_string())
    }
    /// Until when.
    async fn muted_until(&self) -> DateTime<Utc> {
        self.0.muted_until
    }
    /// Why.
    async fn reason(&self) -> &str {
        &self.0.reason
    }
}

/// A report of a message.
pub struct MessageReport(report::Model);

#[Object]
impl MessageReport {
    /// Report id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The reported message.
    async fn message_id(&self) -> ID {
        ID(self.0.message_id.to_string())
    }
    /// Its channel.
    async fn channel_id(&self) -> ID {
        ID(self.0.channel_id.clone())
    }
    /// Its text when reported.
    async fn text(&self) -> &str {
        &self.0.body
    }
    /// The sender's account.
    async fn sender_user_id(&self) -> ID {
        ID(self.0.sender_user_id.to_string())
    }
    /// The reporter's account.
    async fn reporter_user_id(&self) -> ID {
        ID(self.0.reporter_user_id.to_string())
    }
    /// Why.
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// When.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Queries of the chat service.
pub struct Query;

#[Object]
impl Query {
    /// A channel's history in chronological order. `first`/`after` read forward from the
    /// oldest (or a cursor); `last`/`before` read backward from the newest (or a cursor);
    /// with neither, the newest page. Cursors stay valid as messages arrive.
    #[graphql(directive = authenticated::apply())]
    async fn messages(
        &self,
        ctx: &Context<'_>,
        channel_id: ID,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> ApiResult<Connection<String, ChatMessage, EmptyFields, EmptyFields>> {
        let viewer = ctx.viewer()?;
        let d = deps(ctx);
        let channel = parse_channel(&channel_id)?;
        service::require_read(&d.db, &d.directory, viewer, &channel).await?;
        let forward = first.is_some() || after.is_some();
        if forward && (last.is_some() || before.is_some()) {
            return Err(
                KitError::BadUserInput("use first/after or last/before, not both".into()).into(),
            );
        }
        let (direction, size, cursor) = if forward {
            (Direction::Forward, first, after)
        } else {
            (Direction::Backward, last, before)
        };
        let limit = HISTORY_PAGES.size(size)?;
        let cursor = cursor.as_deref().map(Cursor::decode).transpose()?;
        let (rows, more) = service::history(&d.db, &channel, direction, cursor, limit).await?;
        let (has_previous, has_next) = match direction {
            Direction::Forward => (cursor.is_some(), more),
            Direction::Backward => (more, cursor.is_some()),
        };
        let mut connection = Connection::new(has_previous, has_next);
        connection.edges.extend(
            rows.into_iter()
                .map(|row| Edge::new(cursor_of(&row), ChatMessage(row))),
        );
        Ok(connection)
    }

    /// Channels one of your actors is in (joined ones and its guild's).
    #[graphql(directive = authenticated::apply())]
    async fn my_channels(&self, ctx: &Context<'_>, actor_id: ID) -> ApiResult<Vec<ChatChannel>> {
        let viewer = ctx.viewer()?;
        Ok(
            service::channels_of(&deps(ctx).db, viewer, parse_id(&actor_id)?)
                .await?
                .into_iter()
                .map(ChatChannel)
                .collect(),
        )
    }

    /// The direct channel between two actors.
    async fn direct_channel(&self, actor_id: ID, other_actor_id: ID) -> ApiResult<ChatChannel> {
        let (a, b) = (parse_id(&actor_id)?, parse_id(&other_actor_id)?);
        if a == b {
            return Err(KitError::BadUserInput(
                "a direct channel joins two different actors".into(),
            )
            .into());
        }
        Ok(ChatChannel(Channel::direct(a, b)))
    }

    /// Reported messages, newest first (admins only; `first` defaults to 50).
    #[graphql(requires_scopes = "admin")]
    async fn message_reports(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
    ) -> ApiResult<Vec<MessageReport>> {
        let viewer = ctx.viewer()?;
        let limit = HISTORY_PAGES.size(first)?;
        Ok(service::reports(&deps(ctx).db, viewer, limit)
            .await?
            .into_iter()
            .map(MessageReport)
            .collect())
    }

    /// Resolves `Guild` references to add `chatChannelId`.
    #[graphql(entity)]
    async fn find_guild_by_id(&self, id: ID) -> ApiResult<GuildRef> {
        Ok(GuildRef { id: parse_id(&id)? })
    }
}

/// Mutations of the chat service.
pub struct Mutation;

#[Object]
impl Mutation {
    /// Joins a global, zone or party channel with one of your actors.
    #[graphql(directive = authenticated::apply())]
    async fn join_channel(
        &self,
        ctx: &Context<'_>,
        actor_id: ID,
        channel_id: ID,
    ) -> ApiResult<ChatChannel> {
        let viewer = ctx.viewer()?;
        let d = deps(ctx);
        let channel = parse_channel(&channel_id)?;
        service::join_channel(&d.db, &d.directory, viewer, parse_id(&actor_id)?, &channel).await?;
        Ok(ChatChannel(channel))
    }

    /// Leaves a global, zone or party channel; false when the actor was not in it.
    #[graphql(directive = authenticated::apply())]
    async fn leave_channel(
        &self,
        ctx: &Context<'_>,
        actor_id: ID,
        channel_id: ID,
    ) -> ApiResult<bool> {
        let viewer = ctx.viewer()?;
        let d = deps(ctx);
        let channel = parse_channel(&channel_id)?;
        let left = service::leave_channel(&d.db, viewer, parse_id(&actor_id)?, &channel).await?;
        if left {
            revoke_access(d.pubsub.as_ref(), &channel, viewer.user_id).await;
        }
        Ok(left)
    }

    /// Sends a message as one of your actors. Limits: length, a per-player rate, mutes.
    /// A direct message reaches an offline recipient as a notification; `@Name`
    /// mentions notify those who can read the channel.
    #[graphql(directive = authenticated::apply())]
    async fn send_message(
        &self,
        ctx: &Context<'_>,
        channel_id: ID,
        actor_id: ID,
        text: String,
    ) -> ApiResult<ChatMessage> {
        let viewer = ctx.viewer()?;
        let d = deps(ctx);
        let channel = parse_channel(&channel_id)?;
        service::check_not_muted_everywhere(d.verifier.sanctions(), viewer).await?;
        let sent =
            service::send_message(&d.env(), viewer, parse_id(&actor_id)?, &channel, &text).await?;
        subgraph_kit::metrics::CHAT_MESSAGES.inc();
        if sent.has_events {
            d.outbox.committed();
        }
        announce(d.pubsub.as_ref(), &sent.message).await;
        Ok(ChatMessage(sent.message))
    }

    /// Edits one of your messages.
    #[graphql(directive = authenticated::apply())]
    async fn edit_message(
        &self,
        ctx: &Context<'_>,
        message_id: ID,
        text: String,
    ) -> ApiResult<ChatMessage> {
        let viewer = ctx.viewer()?;
        let d = deps(ctx);
        Ok(ChatMessage(
            service::edit_message(
                &d.db,
                &d.settings.rules,
                viewer,
                parse_id(&message_id)?,
                &text,
            )
            .await?,
        ))
    }

    /// Deletes one of your messages (moderators: any message).
    #[graphql(directive = authenticated::apply())]
    async fn delete_message(&self, ctx: &Context<'_>, message_id: ID) -> ApiResult<ChatMessage> {
        let viewer = ctx.viewer()?;
        Ok(ChatMessage(
            service::delete_message(&deps(ctx).db, viewer, parse_id(&message_id)?).await?,
        ))
    }

    /// Mutes an actor's player in a channel for `minutes` (admins only).
    #[graphql(requires_scopes = "admin")]
    async fn mute_in_channel(
        &self,
        ctx: &Context<'_>,
        channel_id: ID,
        actor_id: ID,
        minutes: i64,
        reason: Option<String>,
    ) -> ApiResult<ChannelMute> {
        let viewer = ctx.viewer()?;
        let d = deps(ctx);
        let channel = parse_channel(&channel_id)?;
        Ok(ChannelMute(
            service::mute(
                &d.env(),
                viewer,
                &channel,
                parse_id(&actor_id)?,
                minutes,
                reason.as_deref().unwrap_or_default(),
            )
            .await?,
        ))
    }

    /// Lifts a mute (admins only); false when there was none.
    #[graphql(requires_scopes = "admin")]
    async fn unmute_in_channel(
        &self,
        ctx: &Context<'_>,
        channel_id: ID,
        actor_id: ID,
    ) -> ApiResult<bool> {
        let viewer = ctx.viewer()?;
        let d = deps(ctx);
        let channel = parse_channel(&channel_id)?;
        Ok(service::unmute(&d.db, &d.directory, viewer, &channel, parse_id(&actor_id)?).await?)
    }

    /// Reports a message you can see to the moderators (once per message).
    #[graphql(directive = authenticated::apply())]
    async fn report_message(
        &self,
        ctx: &Context<'_>,
        message_id: ID,
        reason: String,
    ) -> ApiResult<MessageReport> {
        let viewer = ctx.viewer()?;
        let d = deps(ctx);
        Ok(MessageReport(
            service::report(&d.db, &d.directory, viewer, parse_id(&message_id)?, &reason).await?,
        ))
    }
}

/// Sends a committed message to the channel's live subscribers (on every replica);
/// a failure is logged, the message is stored either way.
async fn announce(pubsub: &dyn PubSub, message: &message::Model) {
    let payload = match serde_json::to_string(message) {
        Ok(payload) => payload,
        Err(err) => {
            tracing::error!(message_id = %message.id, cause = %err, "message not serializable");
            return;
        }
    };
    if let Err(err) = pubsub
        .publish(&channel_topic(&message.channel_id), payload)
        .await
    {
        tracing::warn!(message_id = %message.id, cause = %err, "message not announced to live subscribers");
    }
}

/// What a `messageAdded` stream hears.
enum Live {
    /// A committed message (JSON).
    Message(String),
    /// The player may have lost access.
    AccessChanged,
}

/// What a `messageAdded` stream does next.
enum Step {
    /// Send this message.
    Deliver(Box<ChatMessage>),
    /// Nothing to send.
    Skip,
    /// Access is gone: end the subscription.
    End,
}

/// Subscriptions of the chat service.
pub struct Subscription;

#[Subscription]
impl Subscription {
    /// New messages of a channel you can read. Ends when you can no longer read it
    /// (left the guild or the channel).
    #[graphql(directive = authenticated::apply())]
    async fn message_added(
        &self,
        ctx: &Context<'_>,
        channel_id: ID,
    ) -> Result<impl Stream<Item = ChatMessage>, ApiError> {
        let viewer = ctx.viewer()?.clone();
        let d = deps(ctx);
        let channel = parse_channel(&channel_id)?;
        let channel_id = channel.id();
        // Subscribe before checking, so a message sent (or access lost) in between is
        // not missed.
        let messages = d
            .pubsub
            .subscribe(&channel_topic(&channel_id))
            .map(Live::Message);
        let user = viewer.user_id.to_string();
        let revocations = d
            .pubsub
            .subscribe(&access_topic(&channel_id))
            .filter(move |revoked| std::future::ready(*revoked == user))
            .map(|_| Live::AccessChanged);
        service::require_read(&d.db, &d.directory, &viewer, &channel).await?;
        let watching = d.presence.watch(viewer.user_id, &channel_id);
        let (db, directory) = (d.db.clone(), d.directory.clone());
        Ok(futures_util::stream::select(messages, revocations)
            .then(move |live| {
                let (db, directory, viewer, channel) =
                    (db.clone(), directory.clone(), viewer.clone(), channel.clone());
                async move {
                    match live {
                        Live::Message(payload) => {
                            match serde_json::from_str::<message::Model>(&payload) {
                                Ok(message) => Step::Deliver(Box::new(ChatMessage(message))),
                                Err(err) => {
                                    tracing::warn!(channel_id = %channel.id(), cause = %err, "unreadable live message skipped");
                                    Step::Skip
                                }
                            }
                        }
                        // Fail closed: if access cannot be confirmed, the stream ends.
                        Live::AccessChanged => {
                            match service::may_read(&db, &directory, &viewer, &channel).await {
                                Ok(true) => Step::Skip,
                                _ => Step::End,
                            }
                        }
                    }
                }
            })
            .take_while(|step| std::future::ready(!matches!(step, Step::End)))
            .filter_map(move |step| {
                // Held by the stream: the player counts as watching until it ends.
                let _watching = &watching;
                std::future::ready(match step {
                    Step::Deliver(message) => Some(*message),
                    Step::Skip | Step::End => None,
                })
            }))
    }
}
