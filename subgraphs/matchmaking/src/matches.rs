//! Formed matches as readers see them, who may read them, and their live delivery.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use subgraph_kit::auth::{Viewer, SCOPE_ADMIN};
use subgraph_kit::pubsub::PubSub;
use subgraph_kit::KitError;
use uuid::Uuid;

use entities::matchmaking::{formed_match, ticket, ticket_member};

use crate::error::MatchmakingError;

/// One team of a match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchTeam {
    /// Position of the team in the match (0-based).
    pub index: i32,
    /// Its players, parties together.
    pub actor_ids: Vec<Uuid>,
    /// The tickets placed on it.
    pub ticket_ids: Vec<Uuid>,
    /// Average rating of its players.
    pub average_rating: f64,
}

/// A formed match; also the live `matchFound` message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchView {
    /// Match id.
    pub id: Uuid,
    /// The mode's name.
    pub mode: String,
    /// The region's name.
    pub region: String,
    /// The teams, by index.
    pub teams: Vec<MatchTeam>,
    /// When it was formed.
    pub created_at: DateTime<Utc>,
}

impl MatchView {
    /// The match stored as `row`.
    pub fn from_row(row: formed_match::Model) -> Result<Self, KitError> {
        let teams = serde_json::from_value(row.teams)
            .map_err(|err| KitError::Internal(format!("unreadable teams of {}: {err}", row.id)))?;
        Ok(Self {
            id: row.id,
            mode: row.mode,
            region: row.region,
            teams,
            created_at: row.created_at,
        })
    }

    /// Every player of the match.
    pub fn actor_ids(&self) -> impl Iterator<Item = Uuid> + '_ {
        self.teams
            .iter()
            .flat_map(|team| team.actor_ids.iter().copied())
    }
}

/// The live topic on which `actor_id` hears of its matches.
pub fn match_found_topic(actor_id: Uuid) -> String {
    format!("match_found:{actor_id}")
}

/// Tells every player of `formed` (once each) that its match was found. Called after
/// the match committed; best effort, like every live update.
pub async fn publish_match_found(pubsub: &dyn PubSub, formed: &MatchView) {
    let message = match serde_json::to_string(formed) {
        Ok(message) => message,
        Err(err) => {
            tracing::error!(match_id = %formed.id, cause = %err, "match not serializable");
            return;
        }
    };
    for actor_id in formed.actor_ids() {
        if let Err(err) = pubsub
            .publish(&match_found_topic(actor_id), message.clone())
            .await
        {
            tracing::warn!(match_id = %formed.id, %actor_id, cause = %err, "match not delivered live");
        }
    }
}

/// How far back a new `matchFound` subscription looks for a match its actor was just
/// placed in: a client that subscribes (or reconnects) moments after the match formed
/// still learns of it.
pub const MATCH_FOUND_CATCH_UP_SECS: i64 = 60;

/// The newest match `actor_id` was placed in since `since`, if any.
pub async fn recent_match_of(
    db: &DatabaseConnection,
    actor_id: Uuid,
    since: DateTime<Utc>,
) -> Result<Option<MatchView>, MatchmakingError> {
    let ticket_ids: Vec<Uuid> = ticket_member::Entity::find()
        .select_only()
        .column(ticket_member::Column::TicketId)
        .filter(ticket_member::Column::ActorId.eq(actor_id))
        .into_tuple()
        .all(db)
        .await?;
    let match_ids: Vec<Uuid> = ticket::Entity::find()
        .select_only()
        .column(ticket::Column::MatchId)
        .filter(ticket::Column::Id.is_in(ticket_ids))
        .filter(ticket::Column::MatchId.is_not_null())
        .into_tuple::<Option<Uuid>>()
        .all(db)
        .await?
        .into_iter()
        .flatten()
        .collect();
    formed_match::Entity::find()
        .filter(formed_match::Column::Id.is_in(match_ids))
        .filter(formed_match::Column::CreatedAt.gte(since))
        .order_by_desc(formed_match::Column::CreatedAt)
        .one(db)
        .await?
        .map(MatchView::from_row)
        .transpose()
        .map_err(Into::into)
}

/// The match `id`, stored.
pub async fn load(
    db: &DatabaseConnection,
    id: Uuid,
) -> Result<Option<MatchView>, MatchmakingError> {
    formed_match::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(MatchView::from_row)
        .transpose()
        .map_err(Into::into)
}

/// The match `id` for a player who owns one of its actors, or an admin.
pub async fn match_for(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> Result<MatchView, MatchmakingError> {
    let found = load(db, id).await?.ok_or(KitError::NotFound("match"))?;
    if viewer.has_scope(SCOPE_ADMIN) {
        return Ok(found);
    }
    let ticket_ids: Vec<Uuid> = ticket::Entity::find()
        .select_only()
        .column(ticket::Column::Id)
        .filter(ticket::Column::MatchId.eq(id))
        .into_tuple()
        .all(db)
        .await?;
    let participant = ticket_member::Entity::find()
        .filter(ticket_member::Column::TicketId.is_in(ticket_ids))
        .filter(ticket_member::Column::UserId.eq(viewer.user_id))
        .one(db)
        .await?
        .is_some();
    if !participant {
        return Err(KitError::Forbidden("only the match's players may see it").into());
    }
    Ok(found)
}
