//! The federated schema of the analytics service: admin-only aggregate queries over
//! the ingested event stream (`@requiresScopes(admin)`, checked here too).

use std::sync::Arc;

use async_graphql::connection::{Connection, ConnectionNameType, Edge, EdgeNameType, EmptyFields};
use async_graphql::{
    Context, EmptyMutation, EmptySubscription, Json, Object, OutputType, Schema, ID,
};
use chrono::{DateTime, Utc};
use serde_json::json;
use subgraph_kit::auth::SCOPE_ADMIN;
use subgraph_kit::documents::{DocumentStore, Position, Query as DocumentQuery};
use subgraph_kit::pagination::{forward_page, Cursor, PageLimits};
use subgraph_kit::{ApiResult, ContextAuthExt, KitError};

use crate::aggregates::{
    self, ActivePlayers, Granularity, ModeMatches, SkillUsage, TopPlayer, TopPlayerMetric,
};
use crate::economy::{self, Economy, ECONOMY_EVENTS};
use crate::error::AnalyticsError;
use crate::ingest::{RawEvent, RAW_EVENTS};
use crate::range::{events_in, TimeRange};

/// The executable analytics schema.
pub type AnalyticsSchema = Schema<Query, EmptyMutation, EmptySubscription>;

const PAGES: PageLimits = PageLimits {
    default: 20,
    max: 100,
};

/// Most top players one request may ask for.
const MAX_TOP_PLAYERS: i32 = 100;

/// What resolvers need, stored in the schema's data.
pub struct Deps {
    /// The raw events.
    pub store: Arc<dyn DocumentStore>,
}

/// Builds the schema; `deps` is `None` only for exporting the SDL.
pub fn schema(deps: Option<Deps>) -> AnalyticsSchema {
    subgraph_kit::server::federated_schema(Query, EmptyMutation, EmptySubscription, deps)
}

/// The store, once the viewer is known to be an admin.
fn admin_store<'a>(ctx: &Context<'a>) -> Result<&'a dyn DocumentStore, KitError> {
    ctx.viewer()?.require_scope(SCOPE_ADMIN)?;
    Ok(ctx.data_unchecked::<Deps>().store.as_ref())
}

fn range(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> ApiResult<TimeRange> {
    Ok(TimeRange::resolve(from, to, Utc::now())?)
}

/// Names `AnalyticsEventPage`.
pub struct AnalyticsEventPageName;
/// Names `AnalyticsEventEdge`.
pub struct AnalyticsEventEdgeName;

impl ConnectionNameType for AnalyticsEventPageName {
    fn type_name<T: OutputType>() -> String {
        "AnalyticsEventPage".to_string()
    }
}
impl EdgeNameType for AnalyticsEventEdgeName {
    fn type_name<T: OutputType>() -> String {
        "AnalyticsEventEdge".to_string()
    }
}

/// A page of raw events, newest first.
pub type AnalyticsEventPage = Connection<
    String,
    AnalyticsEvent,
    EmptyFields,
    EmptyFields,
    AnalyticsEventPageName,
    AnalyticsEventEdgeName,
>;

/// One ingested event, as it crossed the bus.
pub struct AnalyticsEvent {
    id: String,
    raw: RawEvent,
}

#[Object]
impl AnalyticsEvent {
    /// The event id.
    async fn id(&self) -> ID {
        ID(self.id.clone())
    }
    /// The topic it came from.
    async fn topic(&self) -> &str {
        &self.raw.topic
    }
    /// What happened, e.g. `chaos.skill_cast`.
    #[graphql(name = "type")]
    async fn event_type(&self) -> &str {
        &self.raw.event_type
    }
    /// The player who caused it, if any.
    async fn user_id(&self) -> Option<ID> {
        self.raw.user_id.map(|id| ID(id.to_string()))
    }
    /// The entity it happened to.
    async fn aggregate_id(&self) -> &str {
        &self.raw.aggregate_id
    }
    /// When it happened.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.raw.occurred_at
    }
    /// The event's data, as published.
    async fn payload(&self) -> Json<serde_json::Value> {
        Json(self.raw.payload.clone())
    }
}

/// Queries of the analytics service, for admins only. Ranges are `[from, to)` in UTC,
/// by default the 30 days before now, at most 366 days.
pub struct Query;

#[Object]
impl Query {
    /// Distinct players with any event, per day or month of the range.
    #[graphql(requires_scopes = "admin")]
    async fn analytics_active_players(
        &self,
        ctx: &Context<'_>,
        granularity: Granularity,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> ApiResult<Vec<ActivePlayers>> {
        let store = admin_store(ctx)?;
        let range = range(from, to)?;
        let events = events_in(store, &range, None).await?;
        Ok(aggregates::active_players(&events, &range, granularity))
    }

    /// Casts and damage per skill, most cast first.
    #[graphql(requires_scopes = "admin")]
    async fn analytics_skill_usage(
        &self,
        ctx: &Context<'_>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> ApiResult<Vec<SkillUsage>> {
        let store = admin_store(ctx)?;
        let casts = events_in(store, &range(from, to)?, Some(aggregates::SKILL_CAST)).await?;
        Ok(aggregates::skill_usage(&casts))
    }

    /// Items and currency entering (sources) and leaving (sinks) players' hands.
    #[graphql(requires_scopes = "admin")]
    async fn analytics_economy(
        &self,
        ctx: &Context<'_>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> ApiResult<Economy> {
        let store = admin_store(ctx)?;
        let range = range(from, to)?;
        let mut events = Vec::new();
        for event_type in ECONOMY_EVENTS {
            events.extend(events_in(store, &range, Some(event_type)).await?);
        }
        Ok(economy::economy(&events))
    }

    /// Matches formed and players seated per mode.
    #[graphql(requires_scopes = "admin")]
    async fn analytics_matches_per_mode(
        &self,
        ctx: &Context<'_>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> ApiResult<Vec<ModeMatches>> {
        let store = admin_store(ctx)?;
        let formed = events_in(store, &range(from, to)?, Some(aggregates::MATCH_FORMED)).await?;
        Ok(aggregates::matches_per_mode(&formed))
    }

    /// The actors with the highest `metric` (1 to 100, default 10).
    #[graphql(requires_scopes = "admin")]
    async fn analytics_top_players(
        &self,
        ctx: &Context<'_>,
        metric: TopPlayerMetric,
        #[graphql(default = 10)] first: i32,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> ApiResult<Vec<TopPlayer>> {
        let store = admin_store(ctx)?;
        if !(1..=MAX_TOP_PLAYERS).contains(&first) {
            return Err(KitError::BadUserInput(format!(
                "first must be between 1 and {MAX_TOP_PLAYERS}"
            ))
            .into());
        }
        let events = events_in(store, &range(from, to)?, Some(metric.event_type())).await?;
        Ok(aggregates::top_players(
            &events,
            metric,
            usize::try_from(first).unwrap_or(10),
        ))
    }

    /// Raw ingested events, newest first, optionally of one `type`.
    #[graphql(requires_scopes = "admin")]
    async fn analytics_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "type")] event_type: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<AnalyticsEventPage> {
        let store = admin_store(ctx)?;
        let limit = PAGES.size(first)?;
        let after = after.as_deref().map(Cursor::decode).transpose()?;
        let mut query = DocumentQuery::all()
            .descending("occurredAtMs")
            .limit(limit + 1);
        if let Some(event_type) = &event_type {
            query = query.eq("type", event_type.as_str());
        }
        if let Some(after) = after {
            query = query.after(Position {
                value: json!(after.at_ms),
                id: after.id.to_string(),
            });
        }
        let mut events = Vec::new();
        for document in store
            .find(RAW_EVENTS, &query)
            .await
            .map_err(AnalyticsError::from)?
        {
            let raw: RawEvent = serde_json::from_value(document.body)
                .map_err(|err| KitError::Internal(format!("raw event {}: {err}", document.id)))?;
            events.push(AnalyticsEvent {
                id: document.id,
                raw,
            });
        }
        let page = forward_page(
            events,
            limit,
            after.is_some(),
            |event| Cursor {
                at_ms: event.raw.occurred_at_ms,
                id: event.id.parse().unwrap_or_default(),
            },
            |event| event,
        );
        let mut out = AnalyticsEventPage::new(page.has_previous_page, page.has_next_page);
        out.edges.extend(
            page.edges
                .into_iter()
                .map(|edge| Edge::new(edge.cursor, edge.node)),
        );
        Ok(out)
    }
}
