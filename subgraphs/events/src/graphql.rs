//! The federated schema of the events service: `LiveEvent @key(id)` with its
//! leaderboard, joining, score submission and reward claims, and the
//! `liveEventUpdated` subscription. Resolvers authorize with the viewer and call the
//! command modules.

use std::sync::Arc;

use async_graphql::{Context, Object, Schema, SimpleObject, Subscription, ID};
use chrono::{DateTime, Utc};
use futures_util::stream::{Stream, StreamExt};
use sea_orm::DatabaseConnection;
use subgraph_kit::dataloader::{load_failed, loader};
use subgraph_kit::error::ApiError;
use subgraph_kit::events::outbox::OutboxSignal;
use subgraph_kit::pubsub::PubSub;
use subgraph_kit::sdl::authenticated;
use subgraph_kit::{parse_id, ApiResult, ContextAuthExt, KitError};
use uuid::Uuid;

use entities::live_events::{claim, live_event, participant};

use crate::actors::ActorOwnership;
use crate::claims::{self, ClaimOutcome};
use crate::definitions::{self, rewards_of, Phase, Reward};
use crate::live::{self, LiveUpdate, UpdateKind};
use crate::loaders::LiveEventsById;
use crate::participation::{self, Standing, SubmitOutcome, SubmitRequest};

/// The executable events schema.
pub type EventsSchema = Schema<Query, Mutation, Subscription>;

/// What resolvers need, stored in the schema's data.
pub struct Deps {
    /// The events database.
    pub db: DatabaseConnection,
    /// Wakes the outbox relay after a command commits events.
    pub outbox: OutboxSignal,
    /// Actor ownership (chaos).
    pub actors: Arc<dyn ActorOwnership>,
    /// Live fan-out of `liveEventUpdated`.
    pub pubsub: Arc<dyn PubSub>,
}

/// Builds the schema; `deps` is `None` only for exporting the SDL.
pub fn schema(deps: Option<Deps>) -> EventsSchema {
    subgraph_kit::server::federated_schema(Query, Mutation, Subscription, deps)
}

fn deps<'a>(ctx: &Context<'a>) -> &'a Deps {
    ctx.data_unchecked::<Deps>()
}

fn id_of(id: Uuid) -> ID {
    ID(id.to_string())
}

/// A reference to an actor (resolved by chaos).
#[derive(SimpleObject)]
#[graphql(name = "Actor", unresolvable = "id")]
pub struct ActorRef {
    /// Actor id.
    id: ID,
}

fn actor(id: Uuid) -> ActorRef {
    ActorRef { id: id_of(id) }
}

/// A scheduled live event, as content published it.
pub struct LiveEvent(live_event::Model);

#[Object]
impl LiveEvent {
    /// Stable id, e.g. `ember_festival`.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What happens, for players.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// The zone it takes place in, or none for everywhere.
    async fn zone_id(&self) -> Option<&str> {
        self.0.zone_id.as_deref()
    }
    /// When it starts.
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }
    /// When it ends.
    async fn ends_at(&self) -> DateTime<Utc> {
        self.0.ends_at
    }
    /// Where it is now: players join and score while RUNNING, claim rewards once ENDED.
    async fn status(&self) -> Phase {
        Phase::at(&self.0, Utc::now())
    }
    /// Most score one submission may add.
    async fn max_score_per_submission(&self) -> i32 {
        self.0.max_score_per_submission
    }
    /// Items each participant that scored claims once the event ended.
    async fn rewards(&self) -> Vec<Reward> {
        rewards_of(&self.0)
    }
    /// The content version this is.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The best scoring actors (1 to 100, default 10).
    async fn leaderboard(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 10)] first: i32,
    ) -> ApiResult<Vec<LeaderboardEntry>> {
        Ok(participation::leaderboard(&deps(ctx).db, &self.0.id, first)
            .await?
            .into_iter()
            .map(LeaderboardEntry)
            .collect())
    }
    /// Your actor's participation, or null if it has not joined (your own actors
    /// only).
    #[graphql(directive = authenticated::apply())]
    async fn my_participation(
        &self,
        ctx: &Context<'_>,
        actor_id: ID,
    ) -> ApiResult<Option<Participation>> {
        let viewer = ctx.viewer()?;
        let actor_id = parse_id(&actor_id)?;
        let d = deps(ctx);
        d.actors.check_owned(actor_id, viewer).await?;
        Ok(participation::participation(&d.db, &self.0.id, actor_id)
            .await?
            .map(Participation))
    }
}

/// One place on a live event's leaderboard.
pub struct LeaderboardEntry(Standing);

#[Object]
impl LeaderboardEntry {
    /// 1 for the best; equal scores are ranked by who reached them first.
    async fn rank(&self) -> i32 {
        self.0.rank
    }
    /// The actor.
    async fn actor(&self) -> ActorRef {
        actor(self.0.actor_id)
    }
    /// The actor's id.
    async fn actor_id(&self) -> ID {
        id_of(self.0.actor_id)
    }
    /// Its total score.
    async fn score(&self) -> i64 {
        self.0.score
    }
}

/// An actor's participation in a live event.
pub struct Participation(participant::Model);

#[Object(name = "LiveEventParticipation")]
impl Participation {
    /// The event.
    async fn event(&self, ctx: &Context<'_>) -> ApiResult<LiveEvent> {
        let event = loader::<LiveEventsById>(ctx)?
            .load_one(self.0.event_id.clone())
            .await
            .map_err(load_failed)?
            .ok_or_else(|| {
                KitError::Internal(format!("event {} of a participation", self.0.event_id))
            })?;
        Ok(LiveEvent(event))
    }
    /// The event's id.
    async fn event_id(&self) -> ID {
        ID(self.0.event_id.clone())
    }
    /// The actor.
    async fn actor(&self) -> ActorRef {
        actor(self.0.actor_id)
    }
    /// The actor's id.
    async fn actor_id(&self) -> ID {
        id_of(self.0.actor_id)
    }
    /// Its total score.
    async fn score(&self) -> i64 {
        self.0.score
    }
    /// Its leaderboard rank, null before it scores.
    async fn rank(&self, ctx: &Context<'_>) -> ApiResult<Option<i64>> {
        Ok(participation::rank(&deps(ctx).db, &self.0).await?)
    }
    /// When it joined.
    async fn joined_at(&self) -> DateTime<Utc> {
        self.0.joined_at
    }
    /// Its reward claim, if claimed.
    async fn reward_claim(&self, ctx: &Context<'_>) -> ApiResult<Option<RewardClaim>> {
        Ok(
            claims::claim_of(&deps(ctx).db, &self.0.event_id, self.0.actor_id)
                .await?
                .map(|row| RewardClaim {
                    row,
                    already_claimed: true,
                }),
        )
    }
}

/// An accepted score submission.
pub struct ScoreSubmission(SubmitOutcome);

#[Object(name = "LiveEventScoreSubmission")]
impl ScoreSubmission {
    /// The event.
    async fn event_id(&self) -> ID {
        ID(self.0.submission.event_id.clone())
    }
    /// The scoring actor.
    async fn actor_id(&self) -> ID {
        id_of(self.0.submission.actor_id)
    }
    /// Score added.
    async fn score(&self) -> i64 {
        self.0.submission.score
    }
    /// The actor's total right after this submission.
    async fn total(&self) -> i64 {
        self.0.submission.total_after
    }
    /// When it was accepted.
    async fn submitted_at(&self) -> DateTime<Utc> {
        self.0.submission.created_at
    }
    /// True when this call replayed an earlier one with the same idempotency key (and
    /// added nothing).
    async fn replayed(&self) -> bool {
        self.0.replayed
    }
}

/// A claimed reward.
pub struct RewardClaim {
    row: claim::Model,
    already_claimed: bool,
}

impl From<ClaimOutcome> for RewardClaim {
    fn from(outcome: ClaimOutcome) -> Self {
        RewardClaim {
            row: outcome.claim,
            already_claimed: outcome.already_claimed,
        }
    }
}

#[Object(name = "LiveEventRewardClaim")]
impl RewardClaim {
    /// Claim id (the grant inventory delivers once).
    async fn id(&self) -> ID {
        id_of(self.row.id)
    }
    /// The event.
    async fn event_id(&self) -> ID {
        ID(self.row.event_id.clone())
    }
    /// The rewarded actor.
    async fn actor_id(&self) -> ID {
        id_of(self.row.actor_id)
    }
    /// The actor's final score.
    async fn score(&self) -> i64 {
        self.row.score
    }
    /// The items granted (delivered by inventory).
    async fn items(&self) -> Vec<Reward> {
        claims::items_of(&self.row)
    }
    /// When it was claimed.
    async fn claimed_at(&self) -> DateTime<Utc> {
        self.row.created_at
    }
    /// True when the reward had been claimed before this call, which granted nothing.
    async fn already_claimed(&self) -> bool {
        self.already_claimed
    }
}

/// A live change of an event.
pub struct LiveEventUpdate(LiveUpdate);

#[Object]
impl LiveEventUpdate {
    /// The event.
    async fn event_id(&self) -> ID {
        ID(self.0.event_id.clone())
    }
    /// What happened.
    async fn kind(&self) -> UpdateKind {
        self.0.kind
    }
    /// The top 10 right after it.
    async fn leaderboard(&self) -> Vec<LeaderboardEntry> {
        self.0
            .leaderboard
            .iter()
            .cloned()
            .map(LeaderboardEntry)
            .collect()
    }
}

async fn live_event_by_id(ctx: &Context<'_>, id: ID) -> ApiResult<Option<LiveEvent>> {
    Ok(loader::<LiveEventsById>(ctx)?
        .load_one(id.to_string())
        .await
        .map_err(load_failed)?
        .map(LiveEvent))
}

/// Queries of the events service.
pub struct Query;

#[Object]
impl Query {
    /// Live events, earliest start first, optionally only those with `status`.
    async fn live_events(
        &self,
        ctx: &Context<'_>,
        status: Option<Phase>,
    ) -> ApiResult<Vec<LiveEvent>> {
        Ok(definitions::list(&deps(ctx).db, status, Utc::now())
            .await
            .map_err(KitError::Database)?
            .into_iter()
            .map(LiveEvent)
            .collect())
    }

    /// A live event by id.
    async fn live_event(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<LiveEvent>> {
        live_event_by_id(ctx, id).await
    }

    /// Resolves `LiveEvent` references from other subgraphs.
    #[graphql(entity)]
    async fn find_live_event_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> ApiResult<Option<LiveEvent>> {
        live_event_by_id(ctx, id).await
    }
}

/// Mutations of the events service, each for one of the viewer's own actors
/// (`FORBIDDEN` otherwise).
pub struct Mutation;

#[Object]
impl Mutation {
    /// Joins a running event (`EVENT_NOT_RUNNING` otherwise); joining again returns
    /// the participation unchanged.
    #[graphql(directive = authenticated::apply())]
    async fn join_live_event(
        &self,
        ctx: &Context<'_>,
        event_id: ID,
        actor_id: ID,
    ) -> ApiResult<Participation> {
        let viewer = ctx.viewer()?;
        let d = deps(ctx);
        let outcome = participation::join(
            &d.db,
            d.actors.as_ref(),
            viewer,
            event_id.as_str(),
            parse_id(&actor_id)?,
        )
        .await?;
        if outcome.joined_now {
            d.outbox.committed();
        }
        Ok(Participation(outcome.participation))
    }

    /// Adds `score` (1 to the event's `maxScorePerSubmission`) to a joined actor's
    /// total while the event runs. A replay of the idempotency key returns the first
    /// result and adds nothing; the key reused for another submission is
    /// `IDEMPOTENCY_KEY_REUSED`.
    #[graphql(directive = authenticated::apply())]
    async fn submit_live_event_score(
        &self,
        ctx: &Context<'_>,
        event_id: ID,
        actor_id: ID,
        score: i32,
        idempotency_key: String,
    ) -> ApiResult<ScoreSubmission> {
        let viewer = ctx.viewer()?;
        let d = deps(ctx);
        let outcome = participation::submit(
            &d.db,
            d.actors.as_ref(),
            viewer,
            SubmitRequest {
                event_id: event_id.to_string(),
                actor_id: parse_id(&actor_id)?,
                score,
                idempotency_key,
            },
        )
        .await?;
        if !outcome.replayed {
            d.outbox.committed();
            live::announce(
                &d.db,
                d.pubsub.as_ref(),
                &outcome.submission.event_id,
                UpdateKind::LeaderboardChanged,
            )
            .await;
        }
        Ok(ScoreSubmission(outcome))
    }

    /// Claims the reward of an actor that scored in an ended event, exactly once: any
    /// later claim for the same event and actor returns the first claim with
    /// `alreadyClaimed: true` and grants nothing.
    #[graphql(directive = authenticated::apply())]
    async fn claim_live_event_reward(
        &self,
        ctx: &Context<'_>,
        event_id: ID,
        actor_id: ID,
        idempotency_key: String,
    ) -> ApiResult<RewardClaim> {
        let viewer = ctx.viewer()?;
        let d = deps(ctx);
        let outcome = claims::claim(
            &d.db,
            d.actors.as_ref(),
            viewer,
            event_id.as_str(),
            parse_id(&actor_id)?,
            &idempotency_key,
        )
        .await?;
        if !outcome.already_claimed {
            d.outbox.committed();
        }
        Ok(RewardClaim::from(outcome))
    }
}

/// Subscriptions of the events service.
pub struct Subscription;

#[Subscription]
impl Subscription {
    /// The event's live changes: STARTED, ENDED and LEADERBOARD_CHANGED, each with the
    /// top 10.
    async fn live_event_updated(
        &self,
        ctx: &Context<'_>,
        event_id: ID,
    ) -> Result<impl Stream<Item = LiveEventUpdate>, ApiError> {
        let d = deps(ctx);
        let event_id = event_id.to_string();
        participation::event(&d.db, &event_id).await?;
        Ok(d.pubsub
            .subscribe(&live::topic(&event_id))
            .filter_map(move |message| {
                let decoded = serde_json::from_str::<LiveUpdate>(&message);
                if let Err(err) = &decoded {
                    tracing::warn!(%event_id, cause = %err, "unreadable live event update skipped");
                }
                std::future::ready(decoded.ok().map(LiveEventUpdate))
            }))
    }
}
