//! Queueing: `enqueue` (idempotent per player and key), `cancel`, and reading tickets.
//!
//! A ticket row is inserted first, under the unique key `(user_id, idempotency_key)`,
//! so of two concurrent calls with one key only one inserts and the other replays it.
//! Each member then takes its queue slot `(actor_id, mode)`, whose primary key lets
//! only one searching ticket per actor and mode exist, whatever the concurrency.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use subgraph_kit::auth::Viewer;
use subgraph_kit::db::begin_write;
use subgraph_kit::KitError;
use uuid::Uuid;

use entities::matchmaking::{queue_slot, ticket, ticket_member};

use crate::actors::{owned_by, ActorLookup};
use crate::error::{bad_input, is_unique_violation, MatchmakingError};
use crate::ratings::{known_mode, ratings_of};
use crate::settings::MatchmakingRules;

/// Where a ticket is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
#[graphql(name = "MatchmakingTicketStatus")]
pub enum TicketStatus {
    /// Waiting for a match.
    Searching,
    /// Placed in a match.
    Matched,
    /// Cancelled by its player.
    Cancelled,
    /// Nobody fitting was found in time.
    TimedOut,
}

impl TicketStatus {
    /// The code stored in the `status` column.
    pub fn code(self) -> &'static str {
        match self {
            TicketStatus::Searching => "SEARCHING",
            TicketStatus::Matched => "MATCHED",
            TicketStatus::Cancelled => "CANCELLED",
            TicketStatus::TimedOut => "TIMED_OUT",
        }
    }

    /// The status stored as `code`.
    pub fn decode(code: &str) -> Result<Self, KitError> {
        [
            TicketStatus::Searching,
            TicketStatus::Matched,
            TicketStatus::Cancelled,
            TicketStatus::TimedOut,
        ]
        .into_iter()
        .find(|status| status.code() == code)
        .ok_or_else(|| KitError::Internal(format!("unknown ticket status `{code}`")))
    }
}

/// A ticket with its members (the leader first).
#[derive(Debug, Clone)]
pub struct Ticket {
    /// The ticket row.
    pub row: ticket::Model,
    /// Its party, the leader first.
    pub members: Vec<ticket_member::Model>,
}

impl Ticket {
    /// The allowed rating difference at `now` (frozen once the ticket stops searching).
    pub fn search_window(&self, rules: &MatchmakingRules, now: DateTime<Utc>) -> i32 {
        let until = if self.row.status == TicketStatus::Searching.code() {
            now
        } else {
            self.row.updated_at
        };
        rules.window_after((until - self.row.created_at).num_milliseconds())
    }
}

/// What a player asks for when queueing.
#[derive(Debug, Clone)]
pub struct EnqueueRequest {
    /// The queueing actor (the viewer's own).
    pub actor_id: Uuid,
    /// The mode's name.
    pub mode: String,
    /// The region's name.
    pub region: String,
    /// The other actors queueing with it as one party (the leader may be repeated).
    pub party_actor_ids: Vec<Uuid>,
    /// The player's idempotency key.
    pub idempotency_key: String,
}

/// Validates and trims an idempotency key.
fn idempotency_key(key: &str) -> Result<String, MatchmakingError> {
    let key = key.trim();
    if key.is_empty() || key.len() > 128 {
        return Err(bad_input("idempotency key must be 1-128 characters"));
    }
    Ok(key.to_string())
}

/// The party, the leader first, each actor once.
fn party_of(request: &EnqueueRequest) -> Vec<Uuid> {
    let mut members = vec![request.actor_id];
    for id in &request.party_actor_ids {
        if !members.contains(id) {
            members.push(*id);
        }
    }
    members
}

/// What the request asks for, independent of how the party was listed.
fn fingerprint(request: &EnqueueRequest, members: &[Uuid]) -> String {
    let party: BTreeSet<String> = members.iter().map(Uuid::to_string).collect();
    format!(
        "{}|{}|{}|{}",
        request.actor_id,
        request.mode,
        request.region,
        party.into_iter().collect::<Vec<_>>().join(",")
    )
}

/// The player's earlier ticket with `key`, if any: the same request replays it, another
/// request is `IDEMPOTENCY_KEY_REUSED`.
async fn replay(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    key: &str,
    fingerprint: &str,
) -> Result<Option<Ticket>, MatchmakingError> {
    let earlier = ticket::Entity::find()
        .filter(ticket::Column::UserId.eq(user_id))
        .filter(ticket::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?;
    match earlier {
        Some(row) if row.request_fingerprint == fingerprint => {
            Ok(with_members(db, vec![row]).await?.pop())
        }
        Some(_) => Err(MatchmakingError::IdempotencyKeyReused),
        None => Ok(None),
    }
}

/// Queues the viewer's actor (with its party) in a mode and region. Replaying an
/// idempotency key returns the first ticket, whatever became of it.
pub async fn enqueue(
    db: &DatabaseConnection,
    actors: &dyn ActorLookup,
    rules: &MatchmakingRules,
    viewer: &Viewer,
    request: EnqueueRequest,
) -> Result<Ticket, MatchmakingError> {
    let mode = known_mode(rules, &request.mode)?;
    if !rules.regions.contains(&request.region) {
        return Err(MatchmakingError::UnknownRegion(request.region));
    }
    let key = idempotency_key(&request.idempotency_key)?;
    let members = party_of(&request);
    if members.len() > mode.max_team_size as usize {
        return Err(MatchmakingError::PartyTooLarge(mode.max_team_size));
    }
    let fingerprint = fingerprint(&request, &members);
    if let Some(earlier) = replay(db, viewer.user_id, &key, &fingerprint).await? {
        return Ok(earlier);
    }
    owned_by(actors, request.actor_id, viewer).await?;
    let found = actors.find(&members).await?;
    let owners = members
        .iter()
        .map(|id| {
            found
                .get(id)
                .map(|actor| (*id, actor.user_id))
                .ok_or(KitError::NotFound("party member actor"))
        })
        .collect::<Result<HashMap<Uuid, Uuid>, KitError>>()?;

    let txn = begin_write(db).await?;
    let ratings = ratings_of(&txn, &members, &request.mode, rules.default_rating).await?;
    let total: i64 = members.iter().map(|id| i64::from(ratings[id])).sum();
    let average = (total as f64 / members.len() as f64).round() as i32;
    let now = Utc::now();
    let ticket_id = Uuid::now_v7();
    let row = ticket::Model {
        id: ticket_id,
        user_id: viewer.user_id,
        actor_id: request.actor_id,
        mode: request.mode.clone(),
        region: request.region.clone(),
        rating: average,
        party_size: members.len() as i32,
        status: TicketStatus::Searching.code().to_string(),
        idempotency_key: key.clone(),
        request_fingerprint: fingerprint.clone(),
        match_id: None,
        team_index: None,
        created_at: now,
        updated_at: now,
    };
    let inserted = ticket::Entity::insert(ticket::ActiveModel::from(row.clone()))
        .exec(&txn)
        .await;
    match inserted {
        Ok(_) => {}
        Err(err) if is_unique_violation(&err) => {
            // A concurrent call with the same key won: replay its ticket.
            txn.rollback().await?;
            return replay(db, viewer.user_id, &key, &fingerprint)
                .await?
                .ok_or(MatchmakingError::IdempotencyKeyReused);
        }
        Err(err) => return Err(err.into()),
    }
    let member_rows: Vec<ticket_member::Model> = members
        .iter()
        .map(|id| ticket_member::Model {
            ticket_id,
            actor_id: *id,
            user_id: owners[id],
            rating: ratings[id],
        })
        .collect();
    ticket_member::Entity::insert_many(
        member_rows
            .iter()
            .cloned()
            .map(ticket_member::ActiveModel::from),
    )
    .exec(&txn)
    .await?;
    let slots = members.iter().map(|id| queue_slot::ActiveModel {
        actor_id: Set(*id),
        mode: Set(request.mode.clone()),
        ticket_id: Set(ticket_id),
        created_at: Set(now),
    });
    match queue_slot::Entity::insert_many(slots).exec(&txn).await {
        Ok(_) => {}
        // Dropping `txn` rolls the ticket back too.
        Err(err) if is_unique_violation(&err) => return Err(MatchmakingError::AlreadyQueued),
        Err(err) => return Err(err.into()),
    }
    txn.commit().await?;
    tracing::info!(%ticket_id, actor_id = %request.actor_id, mode = request.mode, region = request.region, rating = average, "matchmaking ticket queued");
    Ok(Ticket {
        row,
        members: member_rows,
    })
}

/// Cancels the viewer's searching ticket; `TICKET_NOT_ACTIVE` once it left the queue.
pub async fn cancel(
    db: &DatabaseConnection,
    viewer: &Viewer,
    ticket_id: Uuid,
) -> Result<Ticket, MatchmakingError> {
    let txn = begin_write(db).await?;
    let row = ticket::Entity::find_by_id(ticket_id)
        .one(&txn)
        .await?
        .ok_or(KitError::NotFound("matchmaking ticket"))?;
    if row.user_id != viewer.user_id {
        return Err(KitError::Forbidden("the ticket belongs to another player").into());
    }
    let now = Utc::now();
    // Conditional on still searching: a matcher that placed it first wins.
    let updated = ticket::Entity::update_many()
        .col_expr(
            ticket::Column::Status,
            Expr::value(TicketStatus::Cancelled.code()),
        )
        .col_expr(ticket::Column::UpdatedAt, Expr::value(now))
        .filter(ticket::Column::Id.eq(ticket_id))
        .filter(ticket::Column::Status.eq(TicketStatus::Searching.code()))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(MatchmakingError::TicketNotActive);
    }
    queue_slot::Entity::delete_many()
        .filter(queue_slot::Column::TicketId.eq(ticket_id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    tracing::info!(%ticket_id, "matchmaking ticket cancelled");
    let row = ticket::Model {
        status: TicketStatus::Cancelled.code().to_string(),
        updated_at: now,
        ..row
    };
    Ok(with_members(db, vec![row])
        .await?
        .pop()
        .expect("one row in, one ticket out"))
}

/// The viewer's ticket `ticket_id`; someone else's is `FORBIDDEN`.
pub async fn ticket_for(
    db: &DatabaseConnection,
    viewer: &Viewer,
    ticket_id: Uuid,
) -> Result<Ticket, MatchmakingError> {
    let row = ticket::Entity::find_by_id(ticket_id)
        .one(db)
        .await?
        .ok_or(KitError::NotFound("matchmaking ticket"))?;
    if row.user_id != viewer.user_id {
        return Err(KitError::Forbidden("the ticket belongs to another player").into());
    }
    Ok(with_members(db, vec![row])
        .await?
        .pop()
        .expect("one row in, one ticket out"))
}

/// The newest `limit` tickets `actor_id` is a member of (as leader or party member).
pub async fn tickets_of_actor(
    db: &DatabaseConnection,
    actor_id: Uuid,
    limit: u64,
) -> Result<Vec<Ticket>, MatchmakingError> {
    let tickets_with_actor = Query::select()
        .column(ticket_member::Column::TicketId)
        .from(ticket_member::Entity)
        .and_where(ticket_member::Column::ActorId.eq(actor_id))
        .to_owned();
    let rows = ticket::Entity::find()
        .filter(ticket::Column::Id.in_subquery(tickets_with_actor))
        .order_by_desc(ticket::Column::CreatedAt)
        .order_by_desc(ticket::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok(with_members(db, rows).await?)
}

/// `rows` with their members, the leader first, in the order given.
pub async fn with_members(
    db: &impl ConnectionTrait,
    rows: Vec<ticket::Model>,
) -> Result<Vec<Ticket>, sea_orm::DbErr> {
    let mut by_ticket: HashMap<Uuid, Vec<ticket_member::Model>> = HashMap::new();
    if !rows.is_empty() {
        for member in ticket_member::Entity::find()
            .filter(ticket_member::Column::TicketId.is_in(rows.iter().map(|row| row.id)))
            .all(db)
            .await?
        {
            by_ticket.entry(member.ticket_id).or_default().push(member);
        }
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let mut members = by_ticket.remove(&row.id).unwrap_or_default();
            members.sort_by_key(|member| (member.actor_id != row.actor_id, member.actor_id));
            Ticket { row, members }
        })
        .collect())
}
