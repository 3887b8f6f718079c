//! The server-side matcher: every `tick_ms`, each queue (mode and region) with
//! searching tickets times out the old ones and forms matches from the rest
//! ([`plan`]).
//!
//! One queue is one transaction. Every status change is conditional on the ticket
//! still searching, so a ticket can never land in two matches, nor be matched after
//! being cancelled. On PostgreSQL, replicas take turns per queue with a
//! transaction-scoped advisory lock and lock the queue's tickets against concurrent
//! cancels; SQLite serializes writers anyway (`BEGIN IMMEDIATE`). Each match writes its
//! `matchmaking.match_formed` event to the outbox in the same transaction; `matchFound`
//! is published only after the commit.

pub mod plan;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
};
use serde_json::json;
use subgraph_kit::background::BackgroundTask;
use subgraph_kit::db::begin_write;
use subgraph_kit::events::outbox::{self, OutboxSignal};
use subgraph_kit::events::{topics, EventEnvelope};
use subgraph_kit::pubsub::PubSub;
use uuid::Uuid;

use entities::matchmaking::{formed_match, queue_slot, ticket, ticket_member};

use crate::matches::{publish_match_found, MatchTeam, MatchView};
use crate::settings::MatchmakingRules;
use crate::tickets::TicketStatus;
use plan::{plan, Candidate, PlannedMatch};

/// The event type of a formed match.
pub const MATCH_FORMED: &str = "matchmaking.match_formed";

/// Most searching tickets of one queue a round looks at (the oldest first).
const QUEUE_SCAN_LIMIT: u64 = 2_000;

/// What one round did.
#[derive(Debug, Default)]
pub struct RoundOutcome {
    /// The matches formed (committed).
    pub formed: Vec<MatchView>,
    /// The tickets that timed out.
    pub timed_out: Vec<Uuid>,
}

/// Forms matches and publishes them.
#[derive(Clone)]
pub struct Matcher {
    /// The matchmaking database.
    pub db: DatabaseConnection,
    /// Queues, windows and timings.
    pub rules: Arc<MatchmakingRules>,
    /// Live `matchFound` delivery.
    pub pubsub: Arc<dyn PubSub>,
    /// Wakes the outbox relay after matches commit.
    pub outbox: OutboxSignal,
}

impl Matcher {
    /// Runs one round as of `now`, then tells the matched players.
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<RoundOutcome, DbErr> {
        let outcome = run_round(&self.db, &self.rules, now).await?;
        if !outcome.formed.is_empty() {
            self.outbox.committed();
        }
        for formed in &outcome.formed {
            publish_match_found(self.pubsub.as_ref(), formed).await;
        }
        Ok(outcome)
    }

    /// Runs a round every `tick_ms` until stopped.
    pub fn start(self) -> BackgroundTask {
        let pause = Duration::from_millis(self.rules.tick_ms);
        BackgroundTask::spawn("matchmaking matcher", move |stop| async move {
            loop {
                if let Err(err) = self.tick(Utc::now()).await {
                    tracing::warn!(cause = %err, "matchmaking round failed");
                }
                tokio::select! {
                    () = stop.cancelled() => return,
                    () = tokio::time::sleep(pause) => {}
                }
            }
        })
    }
}

/// One round over every queue holding searching tickets, as of `now`.
#[tracing::instrument(skip_all, level = "trace")]
pub async fn run_round(
    db: &DatabaseConnection,
    rules: &MatchmakingRules,
    now: DateTime<Utc>,
) -> Result<RoundOutcome, DbErr> {
    let queues: Vec<(String, String)> = ticket::Entity::find()
        .select_only()
        .column(ticket::Column::Mode)
        .column(ticket::Column::Region)
        .filter(ticket::Column::Status.eq(TicketStatus::Searching.code()))
        .group_by(ticket::Column::Mode)
        .group_by(ticket::Column::Region)
        .into_tuple()
        .all(db)
        .await?;
    let mut outcome = RoundOutcome::default();
    for (mode, region) in queues {
        let queue = run_queue(db, rules, &mode, &region, now).await?;
        outcome.formed.extend(queue.formed);
        outcome.timed_out.extend(queue.timed_out);
    }
    Ok(outcome)
}

/// Times out and matches the searching tickets of one queue, in one transaction.
async fn run_queue(
    db: &DatabaseConnection,
    rules: &MatchmakingRules,
    mode: &str,
    region: &str,
    now: DateTime<Utc>,
) -> Result<RoundOutcome, DbErr> {
    let txn = begin_write(db).await?;
    let postgres = txn.get_database_backend() == DatabaseBackend::Postgres;
    if postgres && !try_queue_lock(&txn, mode, region).await? {
        // Another replica is matching this queue right now.
        return Ok(RoundOutcome::default());
    }
    let mut searching = ticket::Entity::find()
        .filter(ticket::Column::Status.eq(TicketStatus::Searching.code()))
        .filter(ticket::Column::Mode.eq(mode))
        .filter(ticket::Column::Region.eq(region))
        .order_by_asc(ticket::Column::CreatedAt)
        .order_by_asc(ticket::Column::Id)
        .limit(QUEUE_SCAN_LIMIT);
    if postgres {
        // Concurrent cancels wait for this round, then find their ticket matched.
        searching = searching.lock_exclusive();
    }
    let searching = searching.all(&txn).await?;
    let timeout = chrono::Duration::seconds(
        i64::try_from(rules.ticket_timeout_secs).unwrap_or(i64::MAX / 1000),
    );
    let (expired, live): (Vec<_>, Vec<_>) = searching
        .into_iter()
        .partition(|row| now - row.created_at >= timeout);
    let mut outcome = RoundOutcome {
        timed_out: time_out(&txn, &expired, now).await?,
        formed: Vec::new(),
    };
    let planned = match rules.mode(mode) {
        Some(mode_rules) => {
            let candidates: Vec<Candidate> = live
                .iter()
                .map(|row| Candidate {
                    ticket_id: row.id,
                    rating: row.rating,
                    party_size: u32::try_from(row.party_size).unwrap_or(u32::MAX),
                    created_at: row.created_at,
                })
                .collect();
            plan(&candidates, mode_rules, rules, now)
        }
        // A mode removed from the configuration: its tickets only time out.
        None => Vec::new(),
    };
    if !planned.is_empty() {
        let matched: Vec<Uuid> = planned.iter().flat_map(|p| p.teams.concat()).collect();
        let mut members: HashMap<Uuid, Vec<ticket_member::Model>> = HashMap::new();
        for member in ticket_member::Entity::find()
            .filter(ticket_member::Column::TicketId.is_in(matched))
            .all(&txn)
            .await?
        {
            members.entry(member.ticket_id).or_default().push(member);
        }
        let leaders: HashMap<Uuid, Uuid> = live.iter().map(|row| (row.id, row.actor_id)).collect();
        for planned_match in planned {
            let formed =
                write_match(&txn, mode, region, &planned_match, &members, &leaders, now).await?;
            outcome.formed.push(formed);
        }
    }
    txn.commit().await?;
    for formed in &outcome.formed {
        tracing::info!(match_id = %formed.id, mode, region, players = formed.actor_ids().count(), "match formed");
    }
    if !outcome.timed_out.is_empty() {
        tracing::info!(
            mode,
            region,
            tickets = outcome.timed_out.len(),
            "matchmaking tickets timed out"
        );
    }
    Ok(outcome)
}

/// Takes the queue's advisory lock for this transaction, if free (PostgreSQL).
///
/// Advisory locks belong to the whole database, while the tables belong to a schema:
/// the lock's first key is the schema's, so matchmakers whose tables live in different
/// schemas of one database (tenants, or the tests, which give each run a schema) never
/// take each other's turns.
async fn try_queue_lock(
    txn: &DatabaseTransaction,
    mode: &str,
    region: &str,
) -> Result<bool, DbErr> {
    let row = txn
        .query_one_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT pg_try_advisory_xact_lock(hashtext(current_schema()), $1) AS locked",
            [queue_lock_key(mode, region).into()],
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("the advisory lock query returned no row".into()))?;
    row.try_get::<bool>("", "locked")
}

/// A stable 32-bit key per queue (FNV-1a), the same on every replica and build.
fn queue_lock_key(mode: &str, region: &str) -> i32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in format!("matchmaking:{mode}:{region}").bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    i32::from_ne_bytes(hash.to_ne_bytes())
}

/// Marks `expired` tickets timed out and frees their slots; returns those changed.
async fn time_out(
    txn: &DatabaseTransaction,
    expired: &[ticket::Model],
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, DbErr> {
    let mut timed_out = Vec::new();
    for row in expired {
        let updated = ticket::Entity::update_many()
            .col_expr(
                ticket::Column::Status,
                Expr::value(TicketStatus::TimedOut.code()),
            )
            .col_expr(ticket::Column::UpdatedAt, Expr::value(now))
            .filter(ticket::Column::Id.eq(row.id))
            .filter(ticket::Column::Status.eq(TicketStatus::Searching.code()))
            .exec(txn)
            .await?;
        if updated.rows_affected == 1 {
            timed_out.push(row.id);
        }
    }
    if !timed_out.is_empty() {
        queue_slot::Entity::delete_many()
            .filter(queue_slot::Column::TicketId.is_in(timed_out.iter().copied()))
            .exec(txn)
            .await?;
    }
    Ok(timed_out)
}

/// Writes one match: its tickets matched (each still searching, or the round fails
/// and rolls back), their slots freed, the match row and its outbox event.
async fn write_match(
    txn: &DatabaseTransaction,
    mode: &str,
    region: &str,
    planned: &PlannedMatch,
    members: &HashMap<Uuid, Vec<ticket_member::Model>>,
    leaders: &HashMap<Uuid, Uuid>,
    now: DateTime<Utc>,
) -> Result<MatchView, DbErr> {
    let match_id = Uuid::now_v7();
    let mut teams = Vec::with_capacity(planned.teams.len());
    let mut ratings = serde_json::Map::new();
    for (index, ticket_ids) in planned.teams.iter().enumerate() {
        let index = i32::try_from(index).expect("a mode has few teams");
        let mut actor_ids = Vec::new();
        let mut total = 0i64;
        for ticket_id in ticket_ids {
            let updated = ticket::Entity::update_many()
                .col_expr(
                    ticket::Column::Status,
                    Expr::value(TicketStatus::Matched.code()),
                )
                .col_expr(ticket::Column::MatchId, Expr::value(Some(match_id)))
                .col_expr(ticket::Column::TeamIndex, Expr::value(Some(index)))
                .col_expr(ticket::Column::UpdatedAt, Expr::value(now))
                .filter(ticket::Column::Id.eq(*ticket_id))
                .filter(ticket::Column::Status.eq(TicketStatus::Searching.code()))
                .exec(txn)
                .await?;
            if updated.rows_affected != 1 {
                return Err(DbErr::Custom(format!(
                    "ticket {ticket_id} left the queue during the round"
                )));
            }
            let mut party = members.get(ticket_id).cloned().unwrap_or_default();
            let leader = leaders.get(ticket_id).copied();
            party.sort_by_key(|m| (Some(m.actor_id) != leader, m.actor_id));
            for member in party {
                actor_ids.push(member.actor_id);
                total += i64::from(member.rating);
                ratings.insert(member.actor_id.to_string(), json!(member.rating));
            }
        }
        let average_rating = if actor_ids.is_empty() {
            0.0
        } else {
            total as f64 / actor_ids.len() as f64
        };
        teams.push(MatchTeam {
            index,
            actor_ids,
            ticket_ids: ticket_ids.clone(),
            average_rating,
        });
    }
    queue_slot::Entity::delete_many()
        .filter(queue_slot::Column::TicketId.is_in(planned.teams.concat()))
        .exec(txn)
        .await?;
    let formed = MatchView {
        id: match_id,
        mode: mode.to_string(),
        region: region.to_string(),
        teams,
        created_at: now,
    };
    let teams_json =
        serde_json::to_value(&formed.teams).map_err(|err| DbErr::Custom(err.to_string()))?;
    formed_match::Entity::insert(formed_match::ActiveModel::from(formed_match::Model {
        id: match_id,
        mode: formed.mode.clone(),
        region: formed.region.clone(),
        teams: teams_json,
        created_at: now,
    }))
    .exec(txn)
    .await?;
    let payload = json!({
        "matchId": match_id,
        "mode": formed.mode,
        "region": formed.region,
        "teams": formed.teams.iter().map(|team| &team.actor_ids).collect::<Vec<_>>(),
        "ratings": ratings,
    });
    outbox::enqueue(
        txn,
        topics::MATCHMAKING,
        &EventEnvelope::new(MATCH_FORMED, match_id, payload),
    )
    .await?;
    Ok(formed)
}
