//! The federated schema of the notifications service: the signed-in player's inbox and
//! `notificationReceived`.

use std::sync::Arc;

use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, Json, Object, Schema, SimpleObject, Subscription, ID};
use chrono::{DateTime, Utc};
use futures_util::stream::{Stream, StreamExt};
use sea_orm::DatabaseConnection;
use subgraph_kit::error::ApiError;
use subgraph_kit::pagination::{forward_page, Cursor, PageLimits};
use subgraph_kit::pubsub::PubSub;
use subgraph_kit::sdl::authenticated;
use subgraph_kit::{parse_id, ApiResult, ContextAuthExt};
use uuid::Uuid;

use entities::notifications::notification;

use crate::service;

/// The executable notifications schema.
pub type NotificationsSchema = Schema<Query, Mutation, Subscription>;

const INBOX_PAGES: PageLimits = PageLimits {
    default: 20,
    max: 100,
};

/// What resolvers need, stored in the schema's data.
pub struct Deps {
    /// The notifications database.
    pub db: DatabaseConnection,
    /// Live delivery to the recipient's subscriptions.
    pub pubsub: Arc<dyn PubSub>,
}

/// Builds the schema; `deps` is `None` only for exporting the SDL.
pub fn schema(deps: Option<Deps>) -> NotificationsSchema {
    subgraph_kit::server::federated_schema(Query, Mutation, Subscription, deps)
}

fn deps<'a>(ctx: &Context<'a>) -> &'a Deps {
    ctx.data_unchecked::<Deps>()
}

/// The live topic of one account's new notifications.
pub fn inbox_topic(user_id: Uuid) -> String {
    format!("inbox:{user_id}")
}

/// A reference to an actor (resolved by chaos).
#[derive(SimpleObject)]
#[graphql(name = "Actor", unresolvable = "id")]
pub struct ActorRef {
    /// Actor id.
    id: ID,
}

/// One inbox entry.
pub struct Notification(notification::Model);

#[Object]
impl Notification {
    /// Notification id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// What kind: `GUILD_INVITATION`, `GUILD_KICKED`, `GUILD_DISBANDED`,
    /// `GUILD_JOIN_REQUEST_APPROVED`, `GUILD_JOIN_REQUEST_REJECTED`, `DIRECT_MESSAGE`,
    /// `MENTION`.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// One line for lists.
    async fn subject(&self) -> &str {
        &self.0.subject
    }
    /// Details for the client, e.g. `invitationId` to accept.
    async fn content(&self) -> Json<serde_json::Value> {
        Json(self.0.content.clone())
    }
    /// The actor who caused it; null for the system.
    async fn sender(&self) -> Option<ActorRef> {
        self.0.sender_actor_id.map(|id| ActorRef {
            id: ID(id.to_string()),
        })
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it was read; null while unread.
    async fn read_at(&self) -> Option<DateTime<Utc>> {
        self.0.read_at
    }
}

/// Queries of the notifications service.
pub struct Query;

#[Object]
impl Query {
    /// Your notifications, newest first.
    #[graphql(directive = authenticated::apply())]
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        unread_only: Option<bool>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, Notification, EmptyFields, EmptyFields>> {
        let viewer = ctx.viewer()?;
        let limit = INBOX_PAGES.size(first)?;
        let after = after.as_deref().map(Cursor::decode).transpose()?;
        let rows = service::list(
            &deps(ctx).db,
            viewer,
            unread_only.unwrap_or(false),
            after,
            limit + 1,
        )
        .await?;
        Ok(forward_page(
            rows,
            limit,
            after.is_some(),
            |row| Cursor {
                at_ms: row.created_at.timestamp_millis(),
                id: row.id,
            },
            Notification,
        ))
    }

    /// How many of your notifications are unread.
    #[graphql(directive = authenticated::apply())]
    async fn unread_notification_count(&self, ctx: &Context<'_>) -> ApiResult<u64> {
        let viewer = ctx.viewer()?;
        Ok(service::unread_count(&deps(ctx).db, viewer).await?)
    }
}

/// Mutations of the notifications service.
pub struct Mutation;

#[Object]
impl Mutation {
    /// Marks one of your notifications read.
    #[graphql(directive = authenticated::apply())]
    async fn mark_notification_read(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Notification> {
        let viewer = ctx.viewer()?;
        Ok(Notification(
            service::mark_read(&deps(ctx).db, viewer, parse_id(&id)?).await?,
        ))
    }

    /// Marks all your notifications read; returns how many were unread.
    #[graphql(directive = authenticated::apply())]
    async fn mark_all_notifications_read(&self, ctx: &Context<'_>) -> ApiResult<u64> {
        let viewer = ctx.viewer()?;
        Ok(service::mark_all_read(&deps(ctx).db, viewer).await?)
    }

    /// Deletes one of your notifications.
    #[graphql(directive = authenticated::apply())]
    async fn delete_notification(&self, ctx: &Context<'_>, id: ID) -> ApiResult<bool> {
        let viewer = ctx.viewer()?;
        service::delete(&deps(ctx).db, viewer, parse_id(&id)?).await?;
        Ok(true)
    }
}

/// Subscriptions of the notifications service.
pub struct Subscription;

#[Subscription]
impl Subscription {
    /// Your new notifications, as they arrive.
    #[graphql(directive = authenticated::apply())]
    async fn notification_received(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Notification>, ApiError> {
        let user_id = ctx.viewer()?.user_id;
        Ok(deps(ctx)
            .pubsub
            .subscribe(&inbox_topic(user_id))
            .filter_map(move |message| {
                let decoded = serde_json::from_str::<notification::Model>(&message);
                if let Err(err) = &decoded {
                    tracing::warn!(%user_id, cause = %err, "unreadable live notification skipped");
                }
                std::future::ready(decoded.ok().map(Notification))
            }))
    }
}
