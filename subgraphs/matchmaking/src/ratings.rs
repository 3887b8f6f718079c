//! Server-side ratings, one per actor and mode. Clients never send a rating: tickets
//! take their members' ratings from here (the configured default when unrated), and
//! only admins set them.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use subgraph_kit::auth::{Viewer, SCOPE_ADMIN};
use uuid::Uuid;

use entities::matchmaking::rating;

use crate::actors::ActorLookup;
use crate::error::{bad_input, MatchmakingError};
use crate::settings::MatchmakingRules;

/// The range a rating may take.
pub const RATING_RANGE: std::ops::RangeInclusive<i32> = 0..=10_000;

/// An actor's rating in a mode, as clients see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    /// The actor.
    pub actor_id: Uuid,
    /// The mode.
    pub mode: String,
    /// The rating.
    pub rating: i32,
    /// When an admin set it; `None` for the default.
    pub updated_at: Option<chrono::DateTime<Utc>>,
}

/// The ratings of `actor_ids` in `mode`, the default for unrated actors.
pub async fn ratings_of(
    conn: &impl ConnectionTrait,
    actor_ids: &[Uuid],
    mode: &str,
    default_rating: i32,
) -> Result<HashMap<Uuid, i32>, MatchmakingError> {
    let stored: HashMap<Uuid, i32> = rating::Entity::find()
        .filter(rating::Column::Mode.eq(mode))
        .filter(rating::Column::ActorId.is_in(actor_ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|row| (row.actor_id, row.rating))
        .collect();
    Ok(actor_ids
        .iter()
        .map(|id| (*id, stored.get(id).copied().unwrap_or(default_rating)))
        .collect())
}

/// The rating of `actor_id` in `mode`.
pub async fn rating_of(
    db: &DatabaseConnection,
    rules: &MatchmakingRules,
    actor_id: Uuid,
    mode: &str,
) -> Result<Rating, MatchmakingError> {
    known_mode(rules, mode)?;
    let row = rating::Entity::find_by_id((actor_id, mode.to_string()))
        .one(db)
        .await?;
    Ok(match row {
        Some(row) => Rating {
            actor_id,
            mode: row.mode,
            rating: row.rating,
            updated_at: Some(row.updated_at),
        },
        None => Rating {
            actor_id,
            mode: mode.to_string(),
            rating: rules.default_rating,
            updated_at: None,
        },
    })
}

/// Sets the rating of `actor_id` in `mode` (admins only). Tickets already queued keep
/// the rating they were queued with.
pub async fn set_rating(
    db: &DatabaseConnection,
    actors: &dyn ActorLookup,
    rules: &MatchmakingRules,
    viewer: &Viewer,
    actor_id: Uuid,
    mode: &str,
    value: i32,
) -> Result<Rating, MatchmakingError> {
    viewer.require_scope(SCOPE_ADMIN)?;
    known_mode(rules, mode)?;
    if !RATING_RANGE.contains(&value) {
        return Err(bad_input(format!(
            "a rating lies in {}..={}",
            RATING_RANGE.start(),
            RATING_RANGE.end()
        )));
    }
    if !actors.find(&[actor_id]).await?.contains_key(&actor_id) {
        return Err(subgraph_kit::KitError::NotFound("actor").into());
    }
    let now = Utc::now();
    rating::Entity::insert(rating::ActiveModel {
        actor_id: Set(actor_id),
        mode: Set(mode.to_string()),
        rating: Set(value),
        updated_by: Set(viewer.user_id),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([rating::Column::ActorId, rating::Column::Mode])
            .update_columns([
                rating::Column::Rating,
                rating::Column::UpdatedBy,
                rating::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec(db)
    .await?;
    tracing::info!(%actor_id, mode, rating = value, admin = %viewer.user_id, "matchmaking rating set");
    Ok(Rating {
        actor_id,
        mode: mode.to_string(),
        rating: value,
        updated_at: Some(now),
    })
}

/// `UNKNOWN_MODE` unless `mode` is configured.
pub fn known_mode<'a>(
    rules: &'a MatchmakingRules,
    mode: &str,
) -> Result<&'a crate::settings::ModeRules, MatchmakingError> {
    rules
        .mode(mode)
        .ok_or_else(|| MatchmakingError::UnknownMode(mode.to_string()))
}
