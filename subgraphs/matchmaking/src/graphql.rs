//! The federated schema of the matchmaking service: queueing for matches, the matches
//! formed, the admin rating tool and `matchFound`. Extends `Actor` with its tickets.
//! Resolvers authorize with the viewer and call the service modules.

use std::sync::Arc;

use async_graphql::{Context, InputObject, Object, Schema, SimpleObject, Subscription, ID};
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};
use sea_orm::DatabaseConnection;
use subgraph_kit::error::ApiError;
use subgraph_kit::pubsub::PubSub;
use subgraph_kit::sdl::authenticated;
use subgraph_kit::{parse_id, ApiResult, ContextAuthExt, KitError};
use uuid::Uuid;

use crate::actors::{owned_by, ActorLookup};
use crate::matches::{self, match_found_topic, MatchView};
use crate::ratings::{self, Rating};
use crate::settings::MatchmakingRules;
use crate::tickets::{self, EnqueueRequest, Ticket, TicketStatus};

/// The executable matchmaking schema.
pub type MatchmakingSchema = Schema<Query, Mutation, Subscription>;

/// Tickets listed at most per request.
const MAX_TICKETS: i32 = 100;

/// What resolvers need, stored in the schema's data.
pub struct Deps {
    /// The matchmaking database.
    pub db: DatabaseConnection,
    /// Queues, windows and timings.
    pub rules: Arc<MatchmakingRules>,
    /// Actor existence and ownership (chaos).
    pub actors: Arc<dyn ActorLookup>,
    /// Live `matchFound` delivery.
    pub pubsub: Arc<dyn PubSub>,
}

/// Builds the schema; `deps` is `None` only for exporting the SDL.
pub fn schema(deps: Option<Deps>) -> MatchmakingSchema {
    subgraph_kit::server::federated_schema(Query, Mutation, Subscription, deps)
}

fn deps<'a>(ctx: &Context<'a>) -> &'a Deps {
    ctx.data_unchecked::<Deps>()
}

fn ids(ids: impl IntoIterator<Item = Uuid>) -> Vec<ID> {
    ids.into_iter().map(|id| ID(id.to_string())).collect()
}

/// `Actor` as matchmaking extends it (owned by chaos).
pub struct ActorRef {
    id: Uuid,
}

#[Object(name = "Actor")]
impl ActorRef {
    /// Actor id.
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }
    /// The actor's newest matchmaking tickets, as leader or party member (its owner only).
    #[graphql(directive = authenticated::apply())]
    async fn matchmaking_tickets(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i32,
    ) -> ApiResult<Vec<MatchmakingTicket>> {
        tickets_of_own_actor(ctx, self.id, first).await
    }
}

async fn tickets_of_own_actor(
    ctx: &Context<'_>,
    actor_id: Uuid,
    first: i32,
) -> ApiResult<Vec<MatchmakingTicket>> {
    let viewer = ctx.viewer()?;
    if !(1..=MAX_TICKETS).contains(&first) {
        return Err(KitError::BadUserInput(format!("first must be 1-{MAX_TICKETS}")).into());
    }
    let deps = deps(ctx);
    owned_by(deps.actors.as_ref(), actor_id, viewer).await?;
    let found = tickets::tickets_of_actor(&deps.db, actor_id, first.unsigned_abs().into()).await?;
    Ok(found.into_iter().map(MatchmakingTicket).collect())
}

/// A player's place in a matchmaking queue.
pub struct MatchmakingTicket(Ticket);

#[Object]
impl MatchmakingTicket {
    /// Ticket id.
    async fn id(&self) -> ID {
        ID(self.0.row.id.to_string())
    }
    /// The queueing actor (the party leader).
    async fn actor_id(&self) -> ID {
        ID(self.0.row.actor_id.to_string())
    }
    /// Every actor of the ticket, the leader first; they always play on one team.
    async fn party_actor_ids(&self) -> Vec<ID> {
        ids(self.0.members.iter().map(|member| member.actor_id))
    }
    /// The mode (`duel`, `skirmish`, …).
    async fn mode(&self) -> &str {
        &self.0.row.mode
    }
    /// The region (`eu`, `na`, `asia`, …).
    async fn region(&self) -> &str {
        &self.0.row.region
    }
    /// The ticket's rating: its members' average, from the server's ratings.
    async fn rating(&self) -> i32 {
        self.0.row.rating
    }
    /// Players the ticket brings.
    async fn party_size(&self) -> i32 {
        self.0.row.party_size
    }
    /// Where the ticket is in its life.
    async fn status(&self) -> ApiResult<TicketStatus> {
        Ok(TicketStatus::decode(&self.0.row.status)?)
    }
    /// When it was queued.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.row.created_at
    }
    /// When its status last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.row.updated_at
    }
    /// The rating difference it accepts now; it widens while the ticket waits (frozen
    /// once it stops searching).
    async fn search_window(&self, ctx: &Context<'_>) -> i32 {
        self.0.search_window(&deps(ctx).rules, Utc::now())
    }
    /// The team its members play on, once matched.
    async fn team_index(&self) -> Option<i32> {
        self.0.row.team_index
    }
    /// The match, once matched.
    #[graphql(name = "match")]
    async fn found_match(&self, ctx: &Context<'_>) -> ApiResult<Option<Match>> {
        let Some(match_id) = self.0.row.match_id else {
            return Ok(None);
        };
        Ok(matches::load(&deps(ctx).db, match_id).await?.map(Match))
    }
}

/// A formed match.
pub struct Match(MatchView);

#[Object]
impl Match {
    /// Match id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The mode.
    async fn mode(&self) -> &str {
        &self.0.mode
    }
    /// The region.
    async fn region(&self) -> &str {
        &self.0.region
    }
    /// The teams, by index.
    async fn teams(&self) -> Vec<MatchTeam> {
        self.0
            .teams
            .iter()
            .map(|team| MatchTeam {
                index: team.index,
                actor_ids: ids(team.actor_ids.iter().copied()),
                players: team.actor_ids.iter().map(|&id| ActorRef { id }).collect(),
                average_rating: team.average_rating,
            })
            .collect()
    }
    /// When it was formed.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// One team of a match.
#[derive(SimpleObject)]
pub struct MatchTeam {
    /// Position of the team in the match (0-based).
    index: i32,
    /// Its players' actor ids, parties together.
    actor_ids: Vec<ID>,
    /// Its players.
    players: Vec<ActorRef>,
    /// Average rating of its players.
    average_rating: f64,
}

/// A mode players may queue for.
#[derive(SimpleObject)]
pub struct MatchmakingMode {
    /// Its name, as `enqueueMatchmaking` takes it.
    name: String,
    /// Teams per match.
    teams: i32,
    /// Fewest players on a team.
    min_team_size: i32,
    /// Most players on a team, also the largest party.
    max_team_size: i32,
}

/// An actor's rating in a mode.
#[derive(SimpleObject)]
pub struct MatchmakingRating {
    /// The actor.
    actor_id: ID,
    /// The mode.
    mode: String,
    /// The rating (the default until a game-master sets one).
    rating: i32,
    /// When a game-master set it; null for the default.
    updated_at: Option<DateTime<Utc>>,
}

impl From<Rating> for MatchmakingRating {
    fn from(rating: Rating) -> Self {
        Self {
            actor_id: ID(rating.actor_id.to_string()),
            mode: rating.mode,
            rating: rating.rating,
            updated_at: rating.updated_at,
        }
    }
}

/// What a player asks for when queueing.
#[derive(InputObject)]
pub struct EnqueueMatchmakingInput {
    /// The queueing actor (yours).
    actor_id: ID,
    /// The mode's name (see `matchmakingModes`).
    mode: String,
    /// The region's name (see `matchmakingRegions`).
    region: String,
    /// Other actors queueing with it as one party, always placed on the same team.
    party_actor_ids: Option<Vec<ID>>,
    /// Replaying a key returns the first ticket.
    idempotency_key: String,
}

/// Queries of the matchmaking service.
pub struct Query;

#[Object]
impl Query {
    /// The modes players may queue for.
    async fn matchmaking_modes(&self, ctx: &Context<'_>) -> Vec<MatchmakingMode> {
        let as_i32 = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
        deps(ctx)
            .rules
            .modes
            .iter()
            .map(|(name, mode)| MatchmakingMode {
                name: name.clone(),
                teams: as_i32(mode.teams),
                min_team_size: as_i32(mode.min_team_size),
                max_team_size: as_i32(mode.max_team_size),
            })
            .collect()
    }

    /// The regions players may queue in.
    async fn matchmaking_regions(&self, ctx: &Context<'_>) -> Vec<String> {
        deps(ctx).rules.regions.clone()
    }

    /// Your actor's newest tickets, as leader or party member.
    #[graphql(directive = authenticated::apply())]
    async fn my_matchmaking_tickets(
        &self,
        ctx: &Context<'_>,
        actor_id: ID,
        #[graphql(default = 20)] first: i32,
    ) -> ApiResult<Vec<MatchmakingTicket>> {
        tickets_of_own_actor(ctx, parse_id(&actor_id)?, first).await
    }

    /// One of your tickets.
    #[graphql(directive = authenticated::apply())]
    async fn matchmaking_ticket(&self, ctx: &Context<'_>, id: ID) -> ApiResult<MatchmakingTicket> {
        let viewer = ctx.viewer()?;
        let found = tickets::ticket_for(&deps(ctx).db, viewer, parse_id(&id)?).await?;
        Ok(MatchmakingTicket(found))
    }

    /// A match you play in (any match, for admins).
    #[graphql(name = "match", directive = authenticated::apply())]
    async fn found_match(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Match> {
        let viewer = ctx.viewer()?;
        Ok(Match(
            matches::match_for(&deps(ctx).db, viewer, parse_id(&id)?).await?,
        ))
    }

    /// Your actor's rating in a mode (any actor's, for admins).
    #[graphql(directive = authenticated::apply())]
    async fn matchmaking_rating(
        &self,
        ctx: &Context<'_>,
        actor_id: ID,
        mode: String,
    ) -> ApiResult<MatchmakingRating> {
        let viewer = ctx.viewer()?;
        let deps = deps(ctx);
        let actor_id = parse_id(&actor_id)?;
        if !viewer.has_scope(subgraph_kit::auth::SCOPE_ADMIN) {
            owned_by(deps.actors.as_ref(), actor_id, viewer).await?;
        }
        Ok(ratings::rating_of(&deps.db, &deps.rules, actor_id, &mode)
            .await?
            .into())
    }

    /// Resolves `Actor` references to add `matchmakingTickets`.
    #[graphql(entity)]
    async fn find_actor_by_id(&self, id: ID) -> ApiResult<ActorRef> {
        Ok(ActorRef { id: parse_id(&id)? })
    }
}

/// Mutations of the matchmaking service.
pub struct Mutation;

#[Object]
impl Mutation {
    /// Queues your actor (with its party) for a match. `UNKNOWN_MODE`, `UNKNOWN_REGION`,
    /// `PARTY_TOO_LARGE`, `ALREADY_QUEUED` (an actor of the party already searches in
    /// the mode), `FORBIDDEN` for someone else's actor; replaying an `idempotencyKey`
    /// returns the first ticket (`IDEMPOTENCY_KEY_REUSED` for a different request).
    #[graphql(directive = authenticated::apply())]
    async fn enqueue_matchmaking(
        &self,
        ctx: &Context<'_>,
        input: EnqueueMatchmakingInput,
    ) -> ApiResult<MatchmakingTicket> {
        let viewer = ctx.viewer()?;
        let deps = deps(ctx);
        let party_actor_ids = input
            .party_actor_ids
            .unwrap_or_default()
            .iter()
            .map(parse_id)
            .collect::<Result<Vec<_>, _>>()?;
        let request = EnqueueRequest {
            actor_id: parse_id(&input.actor_id)?,
            mode: input.mode,
            region: input.region,
            party_actor_ids,
            idempotency_key: input.idempotency_key,
        };
        let queued =
            tickets::enqueue(&deps.db, deps.actors.as_ref(), &deps.rules, viewer, request).await?;
        Ok(MatchmakingTicket(queued))
    }

    /// Leaves the queue. `TICKET_NOT_ACTIVE` once matched, cancelled or timed out.
    #[graphql(directive = authenticated::apply())]
    async fn cancel_matchmaking_ticket(
        &self,
        ctx: &Context<'_>,
        ticket_id: ID,
    ) -> ApiResult<MatchmakingTicket> {
        let viewer = ctx.viewer()?;
        let cancelled = tickets::cancel(&deps(ctx).db, viewer, parse_id(&ticket_id)?).await?;
        Ok(MatchmakingTicket(cancelled))
    }

    /// Sets an actor's rating in a mode (admins only). Queued tickets keep theirs.
    #[graphql(requires_scopes = "admin")]
    async fn set_matchmaking_rating(
        &self,
        ctx: &Context<'_>,
        actor_id: ID,
        mode: String,
        rating: i32,
    ) -> ApiResult<MatchmakingRating> {
        let viewer = ctx.viewer()?;
        let deps = deps(ctx);
        let set = ratings::set_rating(
            &deps.db,
            deps.actors.as_ref(),
            &deps.rules,
            viewer,
            parse_id(&actor_id)?,
            &mode,
            rating,
        )
        .await?;
        Ok(set.into())
    }
}

/// Subscriptions of the matchmaking service.
pub struct Subscription;

#[Subscription]
impl Subscription {
    /// Each match your actor is placed in, once, as it forms. A match formed in the
    /// minute before you subscribed comes first, so subscribing (or reconnecting) just
    /// after being matched loses nothing.
    #[graphql(directive = authenticated::apply())]
    async fn match_found(
        &self,
        ctx: &Context<'_>,
        actor_id: ID,
    ) -> Result<impl Stream<Item = Match>, ApiError> {
        let viewer = ctx.viewer()?;
        let deps = deps(ctx);
        let actor_id = parse_id(&actor_id)?;
        owned_by(deps.actors.as_ref(), actor_id, viewer).await?;
        // Listen first, then look back: a match forming in between is in both, and the
        // live copy of the one already sent is skipped.
        let live = deps.pubsub.subscribe(&match_found_topic(actor_id));
        let since = Utc::now() - chrono::Duration::seconds(matches::MATCH_FOUND_CATCH_UP_SECS);
        let recent = matches::recent_match_of(&deps.db, actor_id, since).await?;
        let already_sent = recent.as_ref().map(|found| found.id);
        let live = live.filter_map(move |message| {
            let decoded = serde_json::from_str::<MatchView>(&message);
            if let Err(err) = &decoded {
                tracing::warn!(%actor_id, cause = %err, "unreadable live match skipped");
            }
            std::future::ready(
                decoded
                    .ok()
                    .filter(|found| Some(found.id) != already_sent)
                    .map(Match),
            )
        });
        Ok(futures_util::stream::iter(recent.map(Match)).chain(live))
    }
}
