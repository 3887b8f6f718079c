//! Joining a live event, submitting scores and the leaderboard.
//!
//! Scores are validated here, never trusted: the actor must be the player's and have
//! joined, the event must be running, and one submission adds 1 to
//! `maxScorePerSubmission`. A submission is idempotent by the player's key.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use subgraph_kit::auth::Viewer;
use subgraph_kit::db::begin_write;
use subgraph_kit::pagination::cursor_time;
use subgraph_kit::KitError;
use uuid::Uuid;

use entities::live_events::{live_event, participant, submission};

use crate::actors::ActorOwnership;
use crate::definitions::{self, Phase};
use crate::domain_events;
use crate::error::{idempotency_key, is_unique_violation, EventsError};

/// Most leaderboard entries one request may ask for.
pub const MAX_LEADERBOARD: i32 = 100;

/// One place on a leaderboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Standing {
    /// 1 for the best; ties are broken by who reached the score first.
    pub rank: i32,
    /// The actor.
    pub actor_id: Uuid,
    /// Its total score.
    pub score: i64,
}

/// The event `id` or `NOT_FOUND`.
pub(crate) async fn event(
    db: &impl ConnectionTrait,
    id: &str,
) -> Result<live_event::Model, EventsError> {
    definitions::find(db, id)
        .await?
        .ok_or_else(|| KitError::NotFound("live event").into())
}

/// The participation of `actor_id` in `event_id`, if it joined.
pub async fn participation(
    db: &impl ConnectionTrait,
    event_id: &str,
    actor_id: Uuid,
) -> Result<Option<participant::Model>, EventsError> {
    Ok(
        participant::Entity::find_by_id((event_id.to_string(), actor_id))
            .one(db)
            .await?,
    )
}

/// A join: the participation and whether this call created it.
#[derive(Debug, Clone)]
pub struct JoinOutcome {
    /// The participation.
    pub participation: participant::Model,
    /// False when the actor had joined before (nothing changed).
    pub joined_now: bool,
}

/// Joins the viewer's `actor_id` to the running event `event_id`; joining twice
/// returns the first participation.
pub async fn join(
    db: &DatabaseConnection,
    actors: &dyn ActorOwnership,
    viewer: &Viewer,
    event_id: &str,
    actor_id: Uuid,
) -> Result<JoinOutcome, EventsError> {
    actors.check_owned(actor_id, viewer).await?;
    let txn = begin_write(db).await?;
    let live_event = event(&txn, event_id).await?;
    if let Some(existing) = participation(&txn, event_id, actor_id).await? {
        txn.rollback().await?;
        return Ok(JoinOutcome {
            participation: existing,
            joined_now: false,
        });
    }
    if Phase::at(&live_event, Utc::now()) != Phase::Running {
        return Err(EventsError::EventNotRunning(event_id.to_string()));
    }
    let now = cursor_time();
    let inserted = participant::ActiveModel {
        event_id: Set(event_id.to_string()),
        actor_id: Set(actor_id),
        user_id: Set(viewer.user_id),
        score: Set(0),
        joined_at: Set(now),
        scored_at: Set(now),
    }
    .insert(&txn)
    .await;
    let joined = match inserted {
        Ok(joined) => joined,
        Err(err) if is_unique_violation(&err) => {
            txn.rollback().await?;
            let existing = participation(db, event_id, actor_id)
                .await?
                .ok_or_else(|| KitError::Internal("a concurrent join vanished".into()))?;
            return Ok(JoinOutcome {
                participation: existing,
                joined_now: false,
            });
        }
        Err(err) => return Err(err.into()),
    };
    domain_events::emit(
        &txn,
        domain_events::JOINED,
        actor_id,
        viewer.user_id,
        json!({ "eventId": event_id, "actorId": actor_id }),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(%event_id, %actor_id, "actor joined live event");
    Ok(JoinOutcome {
        participation: joined,
        joined_now: true,
    })
}

/// A score submission as the player sends it.
#[derive(Debug, Clone)]
pub struct SubmitRequest {
    /// The event.
    pub event_id: String,
    /// The scoring actor (the viewer's).
    pub actor_id: Uuid,
    /// Score to add.
    pub score: i32,
    /// The player's idempotency key.
    pub idempotency_key: String,
}

/// A submission, first-time or replayed.
#[derive(Debug, Clone)]
pub struct SubmitOutcome {
    /// The stored submission.
    pub submission: submission::Model,
    /// Whether this call replayed an earlier one with the same key (and added nothing).
    pub replayed: bool,
}

/// The earlier submission with the player's key: the same request replays it, another
/// is `IDEMPOTENCY_KEY_REUSED`.
async fn replay(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    key: &str,
    request: &SubmitRequest,
) -> Result<Option<SubmitOutcome>, EventsError> {
    match submission::Entity::find_by_id((user_id, key.to_string()))
        .one(db)
        .await?
    {
        Some(earlier)
            if earlier.event_id == request.event_id
                && earlier.actor_id == request.actor_id
                && earlier.score == i64::from(request.score) =>
        {
            Ok(Some(SubmitOutcome {
                submission: earlier,
                replayed: true,
            }))
        }
        Some(_) => Err(EventsError::IdempotencyKeyReused),
        None => Ok(None),
    }
}

/// Adds `request.score` to the actor's total, once per idempotency key.
pub async fn submit(
    db: &DatabaseConnection,
    actors: &dyn ActorOwnership,
    viewer: &Viewer,
    request: SubmitRequest,
) -> Result<SubmitOutcome, EventsError> {
    actors.check_owned(request.actor_id, viewer).await?;
    let key = idempotency_key(&request.idempotency_key)?;
    if let Some(earlier) = replay(db, viewer.user_id, &key, &request).await? {
        return Ok(earlier);
    }
    let txn = begin_write(db).await?;
    let live_event = event(&txn, &request.event_id).await?;
    if Phase::at(&live_event, Utc::now()) != Phase::Running {
        return Err(EventsError::EventNotRunning(request.event_id));
    }
    if !(1..=live_event.max_score_per_submission).contains(&request.score) {
        return Err(EventsError::InvalidScore(
            live_event.max_score_per_submission,
        ));
    }
    if participation(&txn, &request.event_id, request.actor_id)
        .await?
        .is_none()
    {
        return Err(EventsError::NotJoined(request.event_id));
    }
    let now = cursor_time();
    let added = i64::from(request.score);
    // One statement, so concurrent submissions of one actor never lose an addition.
    participant::Entity::update_many()
        .col_expr(
            participant::Column::Score,
            Expr::col(participant::Column::Score).add(added),
        )
        .col_expr(participant::Column::ScoredAt, Expr::value(now))
        .filter(participant::Column::EventId.eq(request.event_id.as_str()))
        .filter(participant::Column::ActorId.eq(request.actor_id))
        .exec(&txn)
        .await?;
    let total = participation(&txn, &request.event_id, request.actor_id)
        .await?
        .ok_or_else(|| KitError::Internal("the participation vanished".into()))?
        .score;
    let inserted = submission::ActiveModel {
        user_id: Set(viewer.user_id),
        idempotency_key: Set(key.clone()),
        event_id: Set(request.event_id.clone()),
        actor_id: Set(request.actor_id),
        score: Set(added),
        total_after: Set(total),
        created_at: Set(now),
    }
    .insert(&txn)
    .await;
    let stored = match inserted {
        Ok(stored) => stored,
        Err(err) if is_unique_violation(&err) => {
            txn.rollback().await?;
            return replay(db, viewer.user_id, &key, &request)
                .await?
                .ok_or(EventsError::IdempotencyKeyReused);
        }
        Err(err) => return Err(err.into()),
    };
    domain_events::emit(
        &txn,
        domain_events::SCORE_SUBMITTED,
        request.actor_id,
        viewer.user_id,
        json!({
            "eventId": request.event_id,
            "actorId": request.actor_id,
            "score": added,
            "total": total,
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(SubmitOutcome {
        submission: stored,
        replayed: false,
    })
}

/// The best `first` scoring actors of `event_id` (actors with no score yet are not
/// ranked).
pub async fn leaderboard(
    db: &impl ConnectionTrait,
    event_id: &str,
    first: i32,
) -> Result<Vec<Standing>, EventsError> {
    if !(1..=MAX_LEADERBOARD).contains(&first) {
        return Err(KitError::BadUserInput(format!(
            "first must be between 1 and {MAX_LEADERBOARD}"
        ))
        .into());
    }
    let rows = participant::Entity::find()
        .filter(participant::Column::EventId.eq(event_id))
        .filter(participant::Column::Score.gt(0))
        .order_by_desc(participant::Column::Score)
        .order_by_asc(participant::Column::ScoredAt)
        .order_by_asc(participant::Column::ActorId)
        .limit(u64::try_from(first).unwrap_or(10))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .zip(1..)
        .map(|(row, rank)| Standing {
            rank,
            actor_id: row.actor_id,
            score: row.score,
        })
        .collect())
}

/// The leaderboard rank of `participation` (`None` before it scores).
pub async fn rank(
    db: &impl ConnectionTrait,
    participation: &participant::Model,
) -> Result<Option<i64>, EventsError> {
    if participation.score <= 0 {
        return Ok(None);
    }
    let scored_at: DateTime<Utc> = participation.scored_at;
    let ahead = participant::Entity::find()
        .filter(participant::Column::EventId.eq(participation.event_id.as_str()))
        .filter(
            Condition::any()
                .add(participant::Column::Score.gt(participation.score))
                .add(
                    Condition::all()
                        .add(participant::Column::Score.eq(participation.score))
                        .add(
                            Condition::any()
                                .add(participant::Column::ScoredAt.lt(scored_at))
                                .add(
                                    Condition::all()
                                        .add(participant::Column::ScoredAt.eq(scored_at))
                                        .add(
                                            participant::Column::ActorId.lt(participation.actor_id),
                                        ),
                                ),
                        ),
                ),
        )
        .count(db)
        .await?;
    Ok(Some(i64::try_from(ahead).unwrap_or(i64::MAX) + 1))
}
