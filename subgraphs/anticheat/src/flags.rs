//! Flags: recording one (once per dedupe key) with its `anticheat.flagged` event in the
//! same transaction, and listing them for operators.

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::{json, Value};
use subgraph_kit::events::{outbox, topics, EventEnvelope};
use subgraph_kit::pagination::{cursor_time, Cursor, Side};
use uuid::Uuid;

use entities::anticheat::flag;

use crate::error::AnticheatError;

/// Event type of a new flag.
pub const FLAGGED: &str = "anticheat.flagged";

/// What a flag is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum FlagKind {
    /// Moving faster than the actor can.
    SpeedHack,
    /// Casting faster than a skill's cooldown allows.
    CastRate,
    /// Items gained from no known source.
    ItemWithoutSource,
    /// Reported by several players.
    Reported,
}

impl FlagKind {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            FlagKind::SpeedHack => "SPEED_HACK",
            FlagKind::CastRate => "CAST_RATE",
            FlagKind::ItemWithoutSource => "ITEM_WITHOUT_SOURCE",
            FlagKind::Reported => "REPORTED",
        }
    }

    /// The kind of a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        [
            FlagKind::SpeedHack,
            FlagKind::CastRate,
            FlagKind::ItemWithoutSource,
            FlagKind::Reported,
        ]
        .into_iter()
        .find(|kind| kind.code() == code)
    }
}

/// A flag to record.
#[derive(Debug, Clone)]
pub struct NewFlag {
    /// The flagged player.
    pub user_id: Uuid,
    /// The actor involved.
    pub actor_id: Option<Uuid>,
    /// What about.
    pub kind: FlagKind,
    /// What was observed.
    pub detail: Value,
    /// Set for flags raised once per window: a second flag with the key is skipped.
    pub dedupe_key: Option<String>,
}

/// Records `new` and its event in `txn`; `None` when its dedupe key was taken.
pub async fn record(
    txn: &impl ConnectionTrait,
    new: NewFlag,
) -> Result<Option<flag::Model>, sea_orm::DbErr> {
    let model = flag::Model {
        id: Uuid::now_v7(),
        user_id: new.user_id,
        actor_id: new.actor_id,
        kind: new.kind.code().to_string(),
        detail: new.detail,
        dedupe_key: new.dedupe_key,
        created_at: cursor_time(),
    };
    let active: flag::ActiveModel = flag::ActiveModel {
        id: Set(model.id),
        user_id: Set(model.user_id),
        actor_id: Set(model.actor_id),
        kind: Set(model.kind.clone()),
        detail: Set(model.detail.clone()),
        dedupe_key: Set(model.dedupe_key.clone()),
        created_at: Set(model.created_at),
    };
    // ON CONFLICT DO NOTHING: a taken key must not abort the caller's transaction.
    let inserted = flag::Entity::insert(active)
        .on_conflict(
            OnConflict::column(flag::Column::DedupeKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    if inserted == 0 {
        return Ok(None);
    }
    let event = EventEnvelope::new(
        FLAGGED,
        model.user_id,
        json!({
            "flagId": model.id,
            "userId": model.user_id,
            "actorId": model.actor_id,
            "kind": model.kind,
            "detail": model.detail,
            "createdAt": model.created_at,
        }),
    )
    .by(model.user_id);
    outbox::enqueue(txn, topics::ANTICHEAT, &event).await?;
    tracing::info!(user_id = %model.user_id, kind = %model.kind, flag_id = %model.id, "player flagged");
    Ok(Some(model))
}

/// One page of flags, newest first, optionally of one player and/or kind.
pub async fn list(
    db: &DatabaseConnection,
    user_id: Option<Uuid>,
    kind: Option<FlagKind>,
    after: Option<Cursor>,
    limit: u64,
) -> Result<Vec<flag::Model>, AnticheatError> {
    let mut query = flag::Entity::find()
        .order_by_desc(flag::Column::CreatedAt)
        .order_by_desc(flag::Column::Id);
    if let Some(user_id) = user_id {
        query = query.filter(flag::Column::UserId.eq(user_id));
    }
    if let Some(kind) = kind {
        query = query.filter(flag::Column::Kind.eq(kind.code()));
    }
    if let Some(cursor) = after {
        query = query.filter(cursor.condition(
            flag::Column::CreatedAt,
            flag::Column::Id,
            Side::Before,
        )?);
    }
    Ok(query.limit(limit).all(db).await?)
}

/// Records `new` (without a dedupe key) in its own transaction.
pub async fn record_now(
    db: &DatabaseConnection,
    new: NewFlag,
) -> Result<flag::Model, AnticheatError> {
    let txn = subgraph_kit::db::begin_write(db).await?;
    let recorded = record(
        &txn,
        NewFlag {
            dedupe_key: None,
            ..new
        },
    )
    .await?
    .ok_or_else(|| subgraph_kit::KitError::Internal("a flag without a key was skipped".into()))?;
    txn.commit().await?;
    Ok(recorded)
}
