//! Player reports: one player reports another's actor; enough distinct reporters in a
//! window raise a `REPORTED` flag (once per window).

use chrono::Duration;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use subgraph_kit::auth::Viewer;
use subgraph_kit::db::begin_write;
use subgraph_kit::pagination::{cursor_time, Cursor, Side};
use subgraph_kit::KitError;
use uuid::Uuid;

use entities::anticheat::report;

use crate::error::{bad_input, idempotency_key, is_unique_violation, AnticheatError};
use crate::flags::{self, FlagKind, NewFlag};
use crate::peers::ActorLookup;
use crate::settings::RuleSettings;

/// Why a player reports another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum ReportReason {
    /// Cheating (speed, bots, exploits).
    Cheating,
    /// Harassing other players.
    Abuse,
    /// Spamming chat or trades.
    Spam,
    /// Anything else (say what in the comment).
    Other,
}

impl ReportReason {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            ReportReason::Cheating => "CHEATING",
            ReportReason::Abuse => "ABUSE",
            ReportReason::Spam => "SPAM",
            ReportReason::Other => "OTHER",
        }
    }

    /// The reason of a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        [
            ReportReason::Cheating,
            ReportReason::Abuse,
            ReportReason::Spam,
            ReportReason::Other,
        ]
        .into_iter()
        .find(|reason| reason.code() == code)
    }
}

/// A report as a player files it.
#[derive(Debug, Clone)]
pub struct ReportRequest {
    /// The reporter's actor (must be the viewer's).
    pub reporter_actor_id: Uuid,
    /// The reported actor.
    pub reported_actor_id: Uuid,
    /// Why.
    pub reason: ReportReason,
    /// Optional words (at most 1000 characters).
    pub comment: Option<String>,
    /// The reporter's idempotency key.
    pub idempotency_key: String,
}

/// Longest comment kept.
const MAX_COMMENT_CHARS: usize = 1000;

/// Files a report once per (reporter, key): a replay returns the first report
/// (`true`), a different report under the same key is `IDEMPOTENCY_KEY_REUSED`.
pub async fn report_player(
    db: &DatabaseConnection,
    actors: &dyn ActorLookup,
    rules: &RuleSettings,
    viewer: &Viewer,
    request: ReportRequest,
) -> Result<(report::Model, bool, bool), AnticheatError> {
    let key = idempotency_key(&request.idempotency_key)?;
    let comment = request
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|comment| !comment.is_empty())
        .map(str::to_string);
    if comment
        .as_ref()
        .is_some_and(|comment| comment.chars().count() > MAX_COMMENT_CHARS)
    {
        return Err(bad_input(format!(
            "comment must be at most {MAX_COMMENT_CHARS} characters"
        )));
    }
    if let Some(earlier) = replay(db, viewer.user_id, &key, &request).await? {
        return Ok((earlier, true, false));
    }
    if request.reporter_actor_id == request.reported_actor_id {
        return Err(AnticheatError::InvalidReport("you cannot report yourself"));
    }
    let reporter = actors
        .find(request.reporter_actor_id)
        .await?
        .ok_or(KitError::NotFound("actor"))?;
    if reporter.user_id != viewer.user_id {
        return Err(KitError::Forbidden("the actor belongs to another player").into());
    }
    let reported = actors
        .find(request.reported_actor_id)
        .await?
        .ok_or(KitError::NotFound("actor"))?;
    if reported.user_id == viewer.user_id {
        return Err(AnticheatError::InvalidReport(
            "you cannot report your own actors",
        ));
    }
    let now = cursor_time();
    let txn = begin_write(db).await?;
    let last_hour = report::Entity::find()
        .filter(report::Column::ReporterUserId.eq(viewer.user_id))
        .filter(report::Column::CreatedAt.gt(now - Duration::hours(1)))
        .count(&txn)
        .await?;
    if last_hour >= rules.reports_per_hour {
        return Err(AnticheatError::RateLimited(rules.reports_per_hour));
    }
    let inserted = report::ActiveModel {
        id: Set(Uuid::now_v7()),
        reporter_user_id: Set(viewer.user_id),
        reporter_actor_id: Set(request.reporter_actor_id),
        reported_user_id: Set(reported.user_id),
        reported_actor_id: Set(request.reported_actor_id),
        reason: Set(request.reason.code().to_string()),
        comment: Set(comment),
        idempotency_key: Set(key.clone()),
        created_at: Set(now),
    }
    .insert(&txn)
    .await;
    let filed = match inserted {
        Ok(filed) => filed,
        Err(err) if is_unique_violation(&err) => {
            txn.rollback().await?;
            return replay(db, viewer.user_id, &key, &request)
                .await?
                .map(|earlier| (earlier, true, false))
                .ok_or(AnticheatError::IdempotencyKeyReused);
        }
        Err(err) => return Err(err.into()),
    };
    let flagged = flag_if_reported_enough(&txn, rules, &filed).await?;
    txn.commit().await?;
    tracing::info!(reporter = %viewer.user_id, reported = %filed.reported_user_id, reason = %filed.reason, "player reported");
    Ok((filed, false, flagged))
}

async fn replay(
    db: &DatabaseConnection,
    reporter: Uuid,
    key: &str,
    request: &ReportRequest,
) -> Result<Option<report::Model>, AnticheatError> {
    let earlier = report::Entity::find()
        .filter(report::Column::ReporterUserId.eq(reporter))
        .filter(report::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?;
    match earlier {
        Some(earlier)
            if earlier.reported_actor_id == request.reported_actor_id
                && earlier.reporter_actor_id == request.reporter_actor_id
                && earlier.reason == request.reason.code() =>
        {
            Ok(Some(earlier))
        }
        Some(_) => Err(AnticheatError::IdempotencyKeyReused),
        None => Ok(None),
    }
}

/// Raises `REPORTED` when `rules.reports_to_flag` distinct players reported the
/// reported player within the window; once per window (the window's index names the
/// flag).
async fn flag_if_reported_enough(
    txn: &sea_orm::DatabaseTransaction,
    rules: &RuleSettings,
    filed: &report::Model,
) -> Result<bool, AnticheatError> {
    let window = Duration::hours(rules.report_window_hours.max(1));
    let reporters: Vec<Uuid> = report::Entity::find()
        .select_only()
        .column(report::Column::ReporterUserId)
        .distinct()
        .filter(report::Column::ReportedUserId.eq(filed.reported_user_id))
        .filter(report::Column::CreatedAt.gt(filed.created_at - window))
        .into_tuple()
        .all(txn)
        .await?;
    if (reporters.len() as i64) < rules.reports_to_flag {
        return Ok(false);
    }
    let window_index = filed.created_at.timestamp() / window.num_seconds();
    let flag = flags::record(
        txn,
        NewFlag {
            user_id: filed.reported_user_id,
            actor_id: Some(filed.reported_actor_id),
            kind: FlagKind::Reported,
            detail: json!({
                "distinctReporters": reporters.len(),
                "windowHours": rules.report_window_hours,
                "lastReportId": filed.id,
                "lastReason": filed.reason,
            }),
            dedupe_key: Some(format!(
                "REPORTED:{}:{window_index}",
                filed.reported_user_id
            )),
        },
    )
    .await?;
    Ok(flag.is_some())
}

/// One page of reports, newest first, optionally about one player.
pub async fn list(
    db: &DatabaseConnection,
    reported_user_id: Option<Uuid>,
    after: Option<Cursor>,
    limit: u64,
) -> Result<Vec<report::Model>, AnticheatError> {
    let mut query = report::Entity::find()
        .order_by_desc(report::Column::CreatedAt)
        .order_by_desc(report::Column::Id);
    if let Some(user_id) = reported_user_id {
        query = query.filter(report::Column::ReportedUserId.eq(user_id));
    }
    if let Some(cursor) = after {
        query = query.filter(cursor.condition(
            report::Column::CreatedAt,
            report::Column::Id,
            Side::Before,
        )?);
    }
    Ok(query.limit(limit).all(db).await?)
}
