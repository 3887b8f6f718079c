//! The inbox: storing notifications made from events, paging, read state, deletion.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use subgraph_kit::auth::Viewer;
use subgraph_kit::events::EventEnvelope;
use subgraph_kit::pagination::{cursor_time, Cursor, Side};
use subgraph_kit::KitError;
use uuid::Uuid;

use entities::notifications::notification;

use crate::inbox::notifications_for;

/// Stores the notifications `event` creates (inside the consumer's transaction).
pub async fn record(
    db: &impl ConnectionTrait,
    event: &EventEnvelope,
) -> Result<Vec<notification::Model>, sea_orm::DbErr> {
    let mut stored = Vec::new();
    for new in notifications_for(event) {
        let model = notification::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(new.user_id),
            code: Set(new.code.to_string()),
            subject: Set(new.subject.chars().take(200).collect()),
            content: Set(new.content),
            sender_actor_id: Set(new.sender_actor_id),
            source_event_id: Set(event.id),
            created_at: Set(cursor_time()),
            read_at: Set(None),
        }
        .insert(db)
        .await?;
        stored.push(model);
    }
    Ok(stored)
}

/// The viewer's notifications, newest first, older than `after`.
pub async fn list(
    db: &DatabaseConnection,
    viewer: &Viewer,
    unread_only: bool,
    after: Option<Cursor>,
    limit: u64,
) -> Result<Vec<notification::Model>, KitError> {
    let mut query =
        notification::Entity::find().filter(notification::Column::UserId.eq(viewer.user_id));
    if unread_only {
        query = query.filter(notification::Column::ReadAt.is_null());
    }
    // Newest first: the next page holds older rows.
    if let Some(after) = after {
        query = query.filter(after.condition(
            notification::Column::CreatedAt,
            notification::Column::Id,
            Side::Before,
        )?);
    }
    Ok(query
        .order_by_desc(notification::Column::CreatedAt)
        .order_by_desc(notification::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// How many of the viewer's notifications are unread.
pub async fn unread_count(db: &DatabaseConnection, viewer: &Viewer) -> Result<u64, KitError> {
    Ok(notification::Entity::find()
        .filter(notification::Column::UserId.eq(viewer.user_id))
        .filter(notification::Column::ReadAt.is_null())
        .count(db)
        .await?)
}

async fn own(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> Result<notification::Model, KitError> {
    let found = notification::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(KitError::NotFound("notification"))?;
    if found.user_id != viewer.user_id {
        return Err(KitError::Forbidden(
            "the notification belongs to another player",
        ));
    }
    Ok(found)
}

/// Marks one notification read (again: the first read time is kept).
pub async fn mark_read(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> Result<notification::Model, KitError> {
    let found = own(db, viewer, id).await?;
    if found.read_at.is_some() {
        return Ok(found);
    }
    let mut read: notification::ActiveModel = found.into();
    read.read_at = Set(Some(Utc::now()));
    Ok(read.update(db).await?)
}

/// Marks every unread notification of the viewer read; returns how many.
pub async fn mark_all_read(db: &DatabaseConnection, viewer: &Viewer) -> Result<u64, KitError> {
    let result = notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(Some(Utc::now())))
        .filter(notification::Column::UserId.eq(viewer.user_id))
        .filter(notification::Column::ReadAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Deletes one of the viewer's notifications.
pub async fn delete(db: &DatabaseConnection, viewer: &Viewer, id: Uuid) -> Result<(), KitError> {
    let found = own(db, viewer, id).await?;
    notification::Entity::delete_by_id(found.id)
        .exec(db)
        .await?;
    Ok(())
}
