//! Live updates of an event (`liveEventUpdated`), fanned out through the kit's pubsub
//! on topic `live_event:<event id>`: leaderboard changes after a score commits, and
//! STARTED/ENDED from a ticker that notices phase transitions.
//!
//! The ticker remembers the last announced phase in `live_events.announced_phase` and
//! claims each transition with a conditional update, so a restart or a second replica
//! does not announce it twice. This is best effort: a replica that stops between the
//! update and the publish loses that one announcement (clients also see the computed
//! `status` of `liveEvent`).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use subgraph_kit::background::BackgroundTask;
use subgraph_kit::pubsub::PubSub;

use entities::live_events::live_event;

use crate::definitions::Phase;
use crate::participation::{leaderboard, Standing};

/// How many leaderboard entries every update carries.
pub const UPDATE_LEADERBOARD_SIZE: i32 = 10;

/// How often the ticker looks for phase transitions.
pub const TICK: Duration = Duration::from_secs(1);

/// Why an update was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum, Serialize, Deserialize)]
#[graphql(name = "LiveEventUpdateKind")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UpdateKind {
    /// The event started.
    Started,
    /// The event ended.
    Ended,
    /// A score changed the leaderboard.
    LeaderboardChanged,
}

/// One live update, as published on the pubsub topic (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveUpdate {
    /// The event.
    pub event_id: String,
    /// Why.
    pub kind: UpdateKind,
    /// The top of the leaderboard right after the change.
    pub leaderboard: Vec<Standing>,
}

/// The pubsub topic of `event_id`'s updates.
pub fn topic(event_id: &str) -> String {
    format!("live_event:{event_id}")
}

/// Publishes a `kind` update of `event_id` with the current leaderboard; failures are
/// logged (live updates are best effort, the state is committed).
pub async fn announce(
    db: &DatabaseConnection,
    pubsub: &dyn PubSub,
    event_id: &str,
    kind: UpdateKind,
) {
    let leaderboard = match leaderboard(db, event_id, UPDATE_LEADERBOARD_SIZE).await {
        Ok(leaderboard) => leaderboard,
        Err(err) => {
            tracing::warn!(%event_id, cause = %err, "live update not sent: leaderboard unreadable");
            return;
        }
    };
    let update = LiveUpdate {
        event_id: event_id.to_string(),
        kind,
        leaderboard,
    };
    let message = match serde_json::to_string(&update) {
        Ok(message) => message,
        Err(err) => {
            tracing::error!(%event_id, cause = %err, "live update not encodable");
            return;
        }
    };
    if let Err(err) = pubsub.publish(&topic(event_id), message).await {
        tracing::warn!(%event_id, cause = %err, "live update not published");
    }
}

/// Announces every phase transition not yet announced at `now`; returns how many this
/// call announced.
pub async fn announce_transitions(
    db: &DatabaseConnection,
    pubsub: &dyn PubSub,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let open = live_event::Entity::find()
        .filter(live_event::Column::AnnouncedPhase.ne(Phase::Ended.code()))
        .all(db)
        .await?;
    let mut announced = 0;
    for event in open {
        let phase = Phase::at(&event, now);
        if phase.code() == event.announced_phase {
            continue;
        }
        // Only the replica whose update changes the row announces.
        let claimed = live_event::Entity::update_many()
            .col_expr(
                live_event::Column::AnnouncedPhase,
                Expr::value(phase.code()),
            )
            .filter(live_event::Column::Id.eq(event.id.as_str()))
            .filter(live_event::Column::AnnouncedPhase.eq(event.announced_phase.as_str()))
            .exec(db)
            .await?;
        if claimed.rows_affected != 1 {
            continue;
        }
        let kind = match phase {
            Phase::Running => UpdateKind::Started,
            Phase::Ended => UpdateKind::Ended,
            Phase::Upcoming => continue,
        };
        tracing::info!(event_id = %event.id, phase = phase.code(), "live event phase announced");
        announce(db, pubsub, &event.id, kind).await;
        announced += 1;
    }
    Ok(announced)
}

/// Starts the ticker announcing phase transitions every [`TICK`].
pub fn start_ticker(db: DatabaseConnection, pubsub: Arc<dyn PubSub>) -> BackgroundTask {
    BackgroundTask::spawn("live event ticker", move |stop| async move {
        loop {
            if let Err(err) = announce_transitions(&db, pubsub.as_ref(), Utc::now()).await {
                tracing::warn!(cause = %err, "live event ticker round failed");
            }
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(TICK) => {}
            }
        }
    })
}
