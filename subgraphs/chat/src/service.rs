//! The chat service's logic and persistence: channel access, sending (length, rate
//! limit, mutes), editing and deleting, history, moderation, and the guild-membership
//! projection fed by guild events.

use std::collections::HashMap;

use chrono::{Duration, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, SqlErr,
};
use serde_json::json;
use subgraph_kit::auth::{Viewer, SCOPE_ADMIN};
use subgraph_kit::db::begin_write;
use subgraph_kit::directory::{ActorDirectory, ActorSummary};
use subgraph_kit::events::{outbox, EventEnvelope};
use subgraph_kit::pagination::{cursor_time, Cursor, Side};
use subgraph_kit::KitError;
use uuid::Uuid;

use entities::chat::{channel, channel_member, guild_member, message, mute, report};

use crate::channels::{self, Channel, ChannelKind, TextError};
use crate::error::ChatError;
use crate::presence::Presence;
use crate::settings::ChatRules;
use crate::CHAT_EVENTS_TOPIC;

/// What the commands that reach beyond the database need.
pub struct Env<'a> {
    /// The chat database.
    pub db: &'a DatabaseConnection,
    /// Actor lookups in chaos.
    pub directory: &'a ActorDirectory,
    /// Who watches which channel on this replica.
    pub presence: &'a Presence,
    /// Chat rules.
    pub rules: &'a ChatRules,
}

/// Most distinct `@mentions` notified per message.
const MAX_MENTIONS: usize = 5;

/// Parses a client's channel id.
pub fn parse_channel(id: &str) -> Result<Channel, ChatError> {
    Channel::parse(id).map_err(|message| KitError::BadUserInput(message).into())
}

async fn ensure_channel(db: &impl ConnectionTrait, channel: &Channel) -> Result<(), ChatError> {
    channel::Entity::insert(channel::ActiveModel {
        id: Set(channel.id()),
        kind: Set(channel.kind().code().to_string()),
        created_at: Set(Utc::now()),
    })
    .on_conflict_do_nothing()
    .exec(db)
    .await?;
    Ok(())
}

async fn add_member(
    db: &impl ConnectionTrait,
    channel: &Channel,
    actor: &ActorSummary,
) -> Result<(), ChatError> {
    channel_member::Entity::insert(channel_member::ActiveModel {
        channel_id: Set(channel.id()),
        actor_id: Set(actor.id),
        user_id: Set(actor.user_id),
        joined_at: Set(Utc::now()),
    })
    .on_conflict_do_nothing()
    .exec(db)
    .await?;
    Ok(())
}

/// The two participants of a direct channel, registered as its members the first time
/// (both actors must exist). Returns them keyed by actor id.
async fn direct_participants(
    db: &DatabaseConnection,
    directory: &ActorDirectory,
    channel: &Channel,
) -> Result<HashMap<Uuid, ActorSummary>, ChatError> {
    let Channel::Direct(a, b) = *channel else {
        return Ok(HashMap::new());
    };
    let actors = directory.find(&[a, b]).await?;
    if actors.len() != 2 {
        return Err(KitError::NotFound("actor").into());
    }
    ensure_channel(db, channel).await?;
    for actor in actors.values() {
        add_member(db, channel, actor).await?;
    }
    Ok(actors)
}

/// Whether the viewer (any of its actors) may read `channel`.
pub async fn may_read(
    db: &DatabaseConnection,
    directory: &ActorDirectory,
    viewer: &Viewer,
    channel: &Channel,
) -> Result<bool, ChatError> {
    match channel {
        Channel::Guild(guild_id) => Ok(guild_member::Entity::find()
            .filter(guild_member::Column::GuildId.eq(*guild_id))
            .filter(guild_member::Column::UserId.eq(viewer.user_id))
            .count(db)
            .await?
            > 0),
        Channel::Direct(a, b) => {
            let participants = direct_participants(db, directory, channel).await?;
            Ok([a, b].iter().any(|id| {
                participants
                    .get(id)
                    .is_some_and(|p| p.user_id == viewer.user_id)
            }))
        }
        _ => Ok(channel_member::Entity::find()
            .filter(channel_member::Column::ChannelId.eq(channel.id()))
            .filter(channel_member::Column::UserId.eq(viewer.user_id))
            .count(db)
            .await?
            > 0),
    }
}

/// Fails unless the viewer may read `channel`.
pub async fn require_read(
    db: &DatabaseConnection,
    directory: &ActorDirectory,
    viewer: &Viewer,
    channel: &Channel,
) -> Result<(), ChatError> {
    if may_read(db, directory, viewer, channel).await? {
        Ok(())
    } else {
        Err(ChatError::NotInChannel)
    }
}

/// Joins a global, zone or party channel with one of the viewer's actors.
pub async fn join_channel(
    db: &DatabaseConnection,
    directory: &ActorDirectory,
    viewer: &Viewer,
    actor_id: Uuid,
    channel: &Channel,
) -> Result<(), ChatError> {
    refuse_membership_channels(channel)?;
    let actor = directory.owned_by(actor_id, viewer).await?;
    ensure_channel(db, channel).await?;
    add_member(db, channel, &actor).await
}

/// Leaves a global, zone or party channel.
pub async fn leave_channel(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor_id: Uuid,
    channel: &Channel,
) -> Result<bool, ChatError> {
    refuse_membership_channels(channel)?;
    let removed = channel_member::Entity::delete_many()
        .filter(channel_member::Column::ChannelId.eq(channel.id()))
        .filter(channel_member::Column::ActorId.eq(actor_id))
        .filter(channel_member::Column::UserId.eq(viewer.user_id))
        .exec(db)
        .await?;
    Ok(removed.rows_affected > 0)
}

fn refuse_membership_channels(channel: &Channel) -> Result<(), ChatError> {
    match channel.kind() {
        ChannelKind::Guild => Err(ChatError::NotJoinable("guild")),
        ChannelKind::Direct => Err(ChatError::NotJoinable("direct")),
        _ => Ok(()),
    }
}

/// Whether `actor_id`, owned by the viewer, may write in `channel`.
async fn may_send(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    actor_id: Uuid,
    channel: &Channel,
) -> Result<bool, ChatError> {
    Ok(match channel {
        Channel::Guild(guild_id) => guild_member::Entity::find_by_id(actor_id)
            .one(db)
            .await?
            .is_some_and(|m| m.guild_id == *guild_id && m.user_id == viewer.user_id),
        _ => channel_member::Entity::find_by_id((channel.id(), actor_id))
            .one(db)
            .await?
            .is_some_and(|m| m.user_id == viewer.user_id),
    })
}

/// A message as committed, plus what to announce.
pub struct Sent {
    /// The stored message.
    pub message: message::Model,
    /// Whether events were written (wake the relay).
    pub has_events: bool,
}

/// Fails with `MUTED` while the viewer's account is muted everywhere (anticheat's
/// sanction, read from the verifier's board). When the board cannot be read, the
/// message goes through: an outage must not silence every player.
pub async fn check_not_muted_everywhere(
    board: Option<subgraph_kit::sanctions::SanctionBoard>,
    viewer: &Viewer,
) -> Result<(), ChatError> {
    let Some(board) = board else {
        return Ok(());
    };
    match board.muted_until(viewer.user_id).await {
        Ok(None) => Ok(()),
        Ok(Some(until)) => Err(ChatError::MutedEverywhere(
            until
                .at()
                .and_then(|at| chrono::DateTime::from_timestamp(at, 0)),
        )),
        Err(err) => {
            tracing::warn!(cause = %err, "sanction board unavailable, mute not checked");
            Ok(())
        }
    }
}

/// Sends a message as one of the viewer's actors.
pub async fn send_message(
    env: &Env<'_>,
    viewer: &Viewer,
    actor_id: Uuid,
    channel: &Channel,
    text: &str,
) -> Result<Sent, ChatError> {
    let Env {
        db,
        directory,
        presence,
        rules,
    } = *env;
    let body = clean(text, rules)?;
    let participants = direct_participants(db, directory, channel).await?;
    let mentioned = match channel {
        Channel::Direct(..) => Vec::new(),
        _ => {
            directory
                .find_by_names(&channels::mentions(&body, MAX_MENTIONS))
                .await?
        }
    };
    let sender_name = match participants.get(&actor_id) {
        Some(sender) => Some(sender.name.clone()),
        None if !mentioned.is_empty() => Some(directory.get(actor_id).await?.name),
        None => None,
    };
    let now = cursor_time();
    let txn = begin_write(db).await?;
    if !may_send(&txn, viewer, actor_id, channel).await? {
        return Err(ChatError::NotInChannel);
    }
    if let Some(muted) = mute::Entity::find_by_id((channel.id(), viewer.user_id))
        .one(&txn)
        .await?
        .filter(|m| m.muted_until > now)
    {
        return Err(ChatError::Muted(muted.muted_until));
    }
    let recent = message::Entity::find()
        .filter(message::Column::SenderUserId.eq(viewer.user_id))
        .filter(
            message::Column::CreatedAt.gt(now - Duration::seconds(rules.rate_limit_window_secs)),
        )
        .count(&txn)
        .await?;
    if recent >= rules.rate_limit_messages {
        return Err(ChatError::RateLimited(
            rules.rate_limit_messages,
            rules.rate_limit_window_secs,
        ));
    }
    ensure_channel(&txn, channel).await?;
    let stored = message::ActiveModel {
        id: Set(Uuid::now_v7()),
        channel_id: Set(channel.id()),
        sender_actor_id: Set(actor_id),
        sender_user_id: Set(viewer.user_id),
        body: Set(body.clone()),
        created_at: Set(now),
        edited_at: Set(None),
        deleted_at: Set(None),
    }
    .insert(&txn)
    .await?;
    let mut events = Vec::new();
    if let Some(recipient) = channel
        .other_participant(actor_id)
        .and_then(|id| participants.get(&id))
    {
        events.push(EventEnvelope::new(
            "chat.direct_message_sent",
            channel.id(),
            json!({
                "messageId": stored.id, "channelId": stored.channel_id,
                "senderActorId": actor_id, "senderName": sender_name, "senderUserId": viewer.user_id,
                "recipientActorId": recipient.id, "recipientUserId": recipient.user_id,
                "recipientWatching": presence.is_watching(recipient.user_id, &stored.channel_id),
                "preview": channels::preview(&body),
            }),
        ));
    }
    for target in mentioned.iter().filter(|a| a.user_id != viewer.user_id) {
        // Only those who can read the channel hear about what was said in it.
        if !readable_by(&txn, channel, target.user_id).await? {
            continue;
        }
        events.push(EventEnvelope::new(
            "chat.mentioned",
            channel.id(),
            json!({
                "messageId": stored.id, "channelId": stored.channel_id,
                "senderActorId": actor_id, "senderName": sender_name, "senderUserId": viewer.user_id,
                "mentionedActorId": target.id, "mentionedUserId": target.user_id,
                "mentionedName": target.name, "preview": channels::preview(&body),
            }),
        ));
    }
    for event in &events {
        outbox::enqueue(&txn, CHAT_EVENTS_TOPIC, &event.clone().by(viewer.user_id)).await?;
    }
    txn.commit().await?;
    Ok(Sent {
        message: stored,
        has_events: !events.is_empty(),
    })
}

/// Whether `user_id` can read `channel` (for mentions; direct channels are handled by
/// their own event).
async fn readable_by(
    db: &impl ConnectionTrait,
    channel: &Channel,
    user_id: Uuid,
) -> Result<bool, ChatError> {
    Ok(match channel {
        Channel::Guild(guild_id) => {
            guild_member::Entity::find()
                .filter(guild_member::Column::GuildId.eq(*guild_id))
                .filter(guild_member::Column::UserId.eq(user_id))
                .count(db)
                .await?
                > 0
        }
        _ => {
            channel_member::Entity::find()
                .filter(channel_member::Column::ChannelId.eq(channel.id()))
                .filter(channel_member::Column::UserId.eq(user_id))
                .count(db)
                .await?
                > 0
        }
    })
}

fn clean(text: &str, rules: &ChatRules) -> Result<String, ChatError> {
    channels::clean_text(text, rules.max_message_chars).map_err(|err| match err {
        TextError::Empty => KitError::BadUserInput("a message needs text".into()).into(),
        TextError::TooLong => ChatError::MessageTooLong(rules.max_message_chars),
    })
}

async fn own_message(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    message_id: Uuid,
) -> Result<message::Model, ChatError> {
    let found = message::Entity::find_by_id(message_id)
        .one(db)
        .await?
        .ok_or(KitError::NotFound("message"))?;
    if found.sender_user_id != viewer.user_id && !viewer.has_scope(SCOPE_ADMIN) {
        return Err(KitError::Forbidden("only the sender may change a message").into());
    }
    if found.deleted_at.is_some() {
        return Err(ChatError::MessageDeleted);
    }
    Ok(found)
}

/// Edits one of the viewer's messages.
pub async fn edit_message(
    db: &DatabaseConnection,
    rules: &ChatRules,
    viewer: &Viewer,
    message_id: Uuid,
    text: &str,
) -> Result<message::Model, ChatError> {
    let body = clean(text, rules)?;
    let txn = begin_write(db).await?;
    let found = own_message(&txn, viewer, message_id).await?;
    if found.sender_user_id != viewer.user_id {
        return Err(KitError::Forbidden("only the sender may edit a message").into());
    }
    let mut edited: message::ActiveModel = found.into();
    edited.body = Set(body);
    edited.edited_at = Set(Some(Utc::now()));
    let edited = edited.update(&txn).await?;
    txn.commit().await?;
    Ok(edited)
}

/// Deletes one of the viewer's messages (admins: anyone's); history keeps its place.
pub async fn delete_message(
    db: &DatabaseConnection,
    viewer: &Viewer,
    message_id: Uuid,
) -> Result<message::Model, ChatError> {
    let txn = begin_write(db).await?;
    let found = own_message(&txn, viewer, message_id).await?;
    let mut deleted: message::ActiveModel = found.into();
    deleted.body = Set(String::new());
    deleted.deleted_at = Set(Some(Utc::now()));
    let deleted = deleted.update(&txn).await?;
    txn.commit().await?;
    Ok(deleted)
}

/// Which way a history page reads.
#[derive(Debug, Clone, Copy)]
pub enum Direction {
    /// Older to newer, after a cursor (or from the start).
    Forward,
    /// Newer to older, before a cursor (or from the end).
    Backward,
}

/// A page of history in chronological order, and whether more lies beyond it.
pub async fn history(
    db: &DatabaseConnection,
    channel: &Channel,
    direction: Direction,
    cursor: Option<Cursor>,
    limit: u64,
) -> Result<(Vec<message::Model>, bool), ChatError> {
    let mut query = message::Entity::find().filter(message::Column::ChannelId.eq(channel.id()));
    if let Some(cursor) = cursor {
        let side = match direction {
            Direction::Forward => Side::After,
            Direction::Backward => Side::Before,
        };
        query = query.filter(cursor.condition(
            message::Column::CreatedAt,
            message::Column::Id,
            side,
        )?);
    }
    query = match direction {
        Direction::Forward => query
            .order_by_asc(message::Column::CreatedAt)
            .order_by_asc(message::Column::Id),
        Direction::Backward => query
            .order_by_desc(message::Column::CreatedAt)
            .order_by_desc(message::Column::Id),
    };
    let mut rows = query.limit(limit + 1).all(db).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    if matches!(direction, Direction::Backward) {
        rows.reverse();
    }
    Ok((rows, more))
}

/// Mutes the owner of `actor_id` in `channel` for `minutes` (moderators).
pub async fn mute(
    env: &Env<'_>,
    viewer: &Viewer,
    channel: &Channel,
    actor_id: Uuid,
    minutes: i64,
    reason: &str,
) -> Result<mute::Model, ChatError> {
    let Env {
        db,
        directory,
        rules,
        ..
    } = *env;
    viewer.require_scope(SCOPE_ADMIN)?;
    if !(1..=rules.max_mute_minutes).contains(&minutes) {
        return Err(KitError::BadUserInput(format!(
            "mutes last 1 to {} minutes",
            rules.max_mute_minutes
        ))
        .into());
    }
    let reason: String = reason.trim().chars().take(280).collect();
    let target = directory.get(actor_id).await?;
    let now = Utc::now();
    let row = mute::ActiveModel {
        channel_id: Set(channel.id()),
        user_id: Set(target.user_id),
        muted_until: Set(now + Duration::minutes(minutes)),
        reason: Set(reason),
        muted_by: Set(viewer.user_id),
        created_at: Set(now),
    };
    mute::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([mute::Column::ChannelId, mute::Column::UserId])
                .update_columns([
                    mute::Column::MutedUntil,
                    mute::Column::Reason,
                    mute::Column::MutedBy,
                    mute::Column::CreatedAt,
                ])
                .to_owned(),
        )
        .exec(db)
        .await?;
    tracing::info!(channel_id = %channel.id(), muted_user_id = %target.user_id, minutes, moderator = %viewer.user_id, "player muted");
    Ok(mute::Entity::find_by_id((channel.id(), target.user_id))
        .one(db)
        .await?
        .ok_or_else(|| KitError::Internal("mute vanished after upsert".into()))?)
}

/// Lifts a mute (moderators); returns whether there was one.
pub async fn unmute(
    db: &DatabaseConnection,
    directory: &ActorDirectory,
    viewer: &Viewer,
    channel: &Channel,
    actor_id: Uuid,
) -> Result<bool, ChatError> {
    viewer.require_scope(SCOPE_ADMIN)?;
    let target = directory.get(actor_id).await?;
    let removed = mute::Entity::delete_by_id((channel.id(), target.user_id))
        .exec(db)
        .await?;
    Ok(removed.rows_affected > 0)
}

/// Reports a message the viewer can see, once per message.
pub async fn report(
    db: &DatabaseConnection,
    directory: &ActorDirectory,
    viewer: &Viewer,
    message_id: Uuid,
    reason: &str,
) -> Result<report::Model, ChatError> {
    let reason: String = reason.trim().chars().take(280).collect();
    if reason.is_empty() {
        return Err(KitError::BadUserInput("a report needs a reason".into()).into());
    }
    let found = message::Entity::find_by_id(message_id)
        .one(db)
        .await?
        .ok_or(KitError::NotFound("message"))?;
    let channel = parse_channel(&found.channel_id)?;
    if !may_read(db, directory, viewer, &channel).await? {
        return Err(KitError::NotFound("message").into());
    }
    let inserted = report::ActiveModel {
        id: Set(Uuid::now_v7()),
        message_id: Set(found.id),
        channel_id: Set(found.channel_id.clone()),
        body: Set(found.body.clone()),
        sender_user_id: Set(found.sender_user_id),
        reporter_user_id: Set(viewer.user_id),
        reason: Set(reason),
        created_at: Set(cursor_time()),
    }
    .insert(db)
    .await;
    match inserted {
        Ok(report) => Ok(report),
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Err(ChatError::AlreadyReported)
        }
        Err(err) => Err(err.into()),
    }
}

/// Reports, newest first (moderators).
pub async fn reports(
    db: &DatabaseConnection,
    viewer: &Viewer,
    limit: u64,
) -> Result<Vec<report::Model>, ChatError> {
    viewer.require_scope(SCOPE_ADMIN)?;
    Ok(report::Entity::find()
        .order_by_desc(report::Column::CreatedAt)
        .limit(limit)
        .all(db)
        .await?)
}

/// Channels one of the viewer's actors is in: joined ones and its guild's.
pub async fn channels_of(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor_id: Uuid,
) -> Result<Vec<Channel>, ChatError> {
    let mut found: Vec<Channel> = channel_member::Entity::find()
        .filter(channel_member::Column::ActorId.eq(actor_id))
        .filter(channel_member::Column::UserId.eq(viewer.user_id))
        .order_by_asc(channel_member::Column::JoinedAt)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|m| Channel::parse(&m.channel_id).ok())
        .collect();
    if let Some(guild) = guild_member::Entity::find_by_id(actor_id)
        .one(db)
        .await?
        .filter(|m| m.user_id == viewer.user_id)
    {
        found.push(Channel::Guild(guild.guild_id));
    }
    Ok(found)
}

/// Applies a guild membership event to the projection: a join (re)places the actor's
/// row unless a newer event already did; a departure removes it if it still names that
/// guild.
pub async fn project_guild_event(
    db: &impl ConnectionTrait,
    event: &EventEnvelope,
) -> Result<(), sea_orm::DbErr> {
    let field = |name: &str| {
        event.payload[name]
            .as_str()
            .and_then(|value| value.parse::<Uuid>().ok())
    };
    let (Some(actor_id), Some(guild_id)) = (field("actorId"), field("guildId")) else {
        return Ok(());
    };
    match event.event_type.as_str() {
        "guild.member_joined" => {
            let Some(user_id) = field("userId") else {
                return Ok(());
            };
            let newer = guild_member::Entity::find_by_id(actor_id)
                .one(db)
                .await?
                .is_none_or(|row| row.since <= event.occurred_at);
            if newer {
                guild_member::Entity::insert(guild_member::ActiveModel {
                    actor_id: Set(actor_id),
                    guild_id: Set(guild_id),
                    user_id: Set(user_id),
                    since: Set(event.occurred_at),
                })
                .on_conflict(
                    OnConflict::column(guild_member::Column::ActorId)
                        .update_columns([
                            guild_member::Column::GuildId,
                            guild_member::Column::UserId,
                            guild_member::Column::Since,
                        ])
                        .to_owned(),
                )
                .exec(db)
                .await?;
            }
        }
        "guild.member_left" => {
            guild_member::Entity::delete_many()
                .filter(guild_member::Column::ActorId.eq(actor_id))
                .filter(guild_member::Column::GuildId.eq(guild_id))
                .filter(guild_member::Column::Since.lte(event.occurred_at))
                .exec(db)
                .await?;
        }
        _ => {}
    }
    Ok(())
}

/// Removes a deleted actor from the channels it joined (its guild membership ends
/// through the guild's own `guild.member_left`); returns the (channel, account) pairs
/// it was in.
pub async fn forget_actor(
    db: &impl ConnectionTrait,
    actor_id: Uuid,
) -> Result<Vec<(Channel, Uuid)>, sea_orm::DbErr> {
    let joined = channel_member::Entity::find()
        .filter(channel_member::Column::ActorId.eq(actor_id))
        .all(db)
        .await?;
    channel_member::Entity::delete_many()
        .filter(channel_member::Column::ActorId.eq(actor_id))
        .exec(db)
        .await?;
    Ok(joined
        .into_iter()
        .filter_map(|m| Some((Channel::parse(&m.channel_id).ok()?, m.user_id)))
        .collect())
}

#[cfg(test)]
mod tests {
    use subgraph_kit::sanctions::SanctionBoard;
    use uuid::Uuid;

    use super::*;
    use crate::ChatError;

    #[tokio::test]
    async fn an_account_muted_everywhere_cannot_send() {
        let viewer = Viewer {
            user_id: Uuid::new_v4(),
            username: "loud".into(),
            scopes: vec!["player".into()],
            session_id: Uuid::new_v4(),
        };
        let board = SanctionBoard::in_process();
        assert!(check_not_muted_everywhere(None, &viewer).await.is_ok());
        assert!(check_not_muted_everywhere(Some(board.clone()), &viewer)
            .await
            .is_ok());
        let until = Utc::now().timestamp() + 600;
        board
            .mute(viewer.user_id, Some(until))
            .await
            .expect("mutes");
        let refused = check_not_muted_everywhere(Some(board.clone()), &viewer).await;
        assert!(matches!(refused, Err(ChatError::MutedEverywhere(Some(_)))));
        assert_eq!(
            refused.err().map(|err| subgraph_kit::ErrorCode::code(&err)),
            Some("MUTED")
        );
        board.unmute(viewer.user_id).await.expect("unmutes");
        assert!(check_not_muted_everywhere(Some(board), &viewer)
            .await
            .is_ok());
    }
}
