//! The federated schema of the anticheat service: player reports, the operators' view
//! of flags, reports and sanctions, the sanction commands, and the internal
//! `recordVerdict` other services call. Resolvers are thin: they authorize and call
//! the command modules.

use std::sync::Arc;

use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, EmptySubscription, Json, Object, Schema, ID};
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use subgraph_kit::auth::SCOPE_ADMIN;
use subgraph_kit::events::outbox::OutboxSignal;
use subgraph_kit::pagination::{forward_page, Cursor, PageLimits};
use subgraph_kit::peer::require_internal;
use subgraph_kit::sdl::authenticated;
use subgraph_kit::{parse_id, ApiResult, ContextAuthExt};

use entities::anticheat::{flag, report, sanction};

use crate::flags::{self, FlagKind, NewFlag};
use crate::peers::ActorLookup;
use crate::reports::{self, ReportReason, ReportRequest};
use crate::sanctions::{self, SanctionKind, SanctionRequest, SanctionStatus, Sanctions};
use crate::settings::RuleSettings;

/// The executable anticheat schema.
pub type AnticheatSchema = Schema<Query, Mutation, EmptySubscription>;

const PAGES: PageLimits = PageLimits {
    default: 20,
    max: 100,
};

/// What resolvers need, stored in the schema's data.
pub struct Deps {
    /// The anticheat database.
    pub db: DatabaseConnection,
    /// Wakes the outbox relay after a command commits events.
    pub outbox: OutboxSignal,
    /// Actor lookups (chaos).
    pub actors: Arc<dyn ActorLookup>,
    /// Placing and lifting sanctions (through users).
    pub sanctions: Arc<Sanctions>,
    /// Thresholds.
    pub rules: Arc<RuleSettings>,
}

/// Builds the schema; `deps` is `None` only for exporting the SDL.
pub fn schema(deps: Option<Deps>) -> AnticheatSchema {
    subgraph_kit::server::federated_schema(Query, Mutation, EmptySubscription, deps)
}

fn deps<'a>(ctx: &Context<'a>) -> &'a Deps {
    ctx.data_unchecked::<Deps>()
}

/// An anomaly recorded against a player.
pub struct AnticheatFlag(flag::Model);

/// An anomaly recorded against a player: detected in the event stream, reported by a
/// service's inline verdict, or raised by player reports.
#[Object]
impl AnticheatFlag {
    /// Flag id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The flagged player's account.
    async fn user_id(&self) -> ID {
        ID(self.0.user_id.to_string())
    }

    /// The actor involved, if any.
    async fn actor_id(&self) -> Option<ID> {
        self.0.actor_id.map(|id| ID(id.to_string()))
    }

    /// What about.
    async fn kind(&self) -> Option<FlagKind> {
        FlagKind::from_code(&self.0.kind)
    }

    /// What was observed (JSON: the triggering event, measured values).
    async fn detail(&self) -> Json<serde_json::Value> {
        Json(self.0.detail.clone())
    }

    /// When it was recorded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A player's report of another player.
pub struct PlayerReport {
    row: report::Model,
    replayed: bool,
}

/// A player's report of another player.
#[Object]
impl PlayerReport {
    /// Report id.
    async fn id(&self) -> ID {
        ID(self.row.id.to_string())
    }

    /// The reporter's actor.
    async fn reporter_actor_id(&self) -> ID {
        ID(self.row.reporter_actor_id.to_string())
    }

    /// The reported actor.
    async fn reported_actor_id(&self) -> ID {
        ID(self.row.reported_actor_id.to_string())
    }

    /// The reporting account (operators only; `null` for others).
    async fn reporter_user_id(&self, ctx: &Context<'_>) -> Option<ID> {
        is_admin(ctx).then(|| ID(self.row.reporter_user_id.to_string()))
    }

    /// The reported account (operators only; `null` for others).
    async fn reported_user_id(&self, ctx: &Context<'_>) -> Option<ID> {
        is_admin(ctx).then(|| ID(self.row.reported_user_id.to_string()))
    }

    /// Why.
    async fn reason(&self) -> Option<ReportReason> {
        ReportReason::from_code(&self.row.reason)
    }

    /// The reporter's words.
    async fn comment(&self) -> Option<&str> {
        self.row.comment.as_deref()
    }

    /// When it was filed.
    async fn created_at(&self) -> DateTime<Utc> {
        self.row.created_at
    }

    /// Whether this answer replays an earlier call with the same idempotency key.
    async fn replayed(&self) -> bool {
        self.replayed
    }
}

fn is_admin(ctx: &Context<'_>) -> bool {
    ctx.maybe_viewer()
        .is_some_and(|viewer| viewer.has_scope(SCOPE_ADMIN))
}

/// A sanction on a player.
pub struct Sanction {
    row: sanction::Model,
    replayed: bool,
}

/// A sanction an operator placed on a player.
#[Object]
impl Sanction {
    /// Sanction id.
    async fn id(&self) -> ID {
        ID(self.row.id.to_string())
    }

    /// The sanctioned account.
    async fn user_id(&self) -> ID {
        ID(self.row.user_id.to_string())
    }

    /// What it does.
    async fn kind(&self) -> Option<SanctionKind> {
        SanctionKind::from_code(&self.row.kind)
    }

    /// Why.
    async fn reason(&self) -> &str {
        &self.row.reason
    }

    /// How long it lasts (mutes and temporary bans).
    async fn duration_seconds(&self) -> Option<i64> {
        self.row.duration_seconds
    }

    /// When it ends; `null` for a permanent ban.
    async fn until(&self) -> Option<DateTime<Utc>> {
        self.row.until
    }

    /// Where it stands now.
    async fn status(&self) -> SanctionStatus {
        sanctions::status(&self.row, Utc::now())
    }

    /// The operator who placed it.
    async fn issued_by(&self) -> ID {
        ID(self.row.issued_by.to_string())
    }

    /// When it was placed.
    async fn created_at(&self) -> DateTime<Utc> {
        self.row.created_at
    }

    /// When it was lifted.
    async fn lifted_at(&self) -> Option<DateTime<Utc>> {
        self.row.lifted_at
    }

    /// Whether this answer replays an earlier call with the same idempotency key.
    async fn replayed(&self) -> bool {
        self.replayed
    }
}

/// Queries of the anticheat service (operators only).
pub struct Query;

#[Object]
impl Query {
    /// Flags, newest first, optionally of one player and/or kind (operators only).
    #[graphql(requires_scopes = "admin")]
    async fn anticheat_flags(
        &self,
        ctx: &Context<'_>,
        user_id: Option<ID>,
        kind: Option<FlagKind>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, AnticheatFlag, EmptyFields, EmptyFields>> {
        ctx.viewer()?.require_scope(SCOPE_ADMIN)?;
        let user_id = user_id.as_ref().map(parse_id).transpose()?;
        let limit = PAGES.size(first)?;
        let after = after.as_deref().map(Cursor::decode).transpose()?;
        let rows = flags::list(&deps(ctx).db, user_id, kind, after, limit + 1).await?;
        Ok(forward_page(
            rows,
            limit,
            after.is_some(),
            |row| Cursor {
                at_ms: row.created_at.timestamp_millis(),
                id: row.id,
            },
            AnticheatFlag,
        ))
    }

    /// Player reports, newest first, optionally about one player (operators only).
    #[graphql(requires_scopes = "admin")]
    async fn player_reports(
        &self,
        ctx: &Context<'_>,
        reported_user_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, PlayerReport, EmptyFields, EmptyFields>> {
        ctx.viewer()?.require_scope(SCOPE_ADMIN)?;
        let reported_user_id = reported_user_id.as_ref().map(parse_id).transpose()?;
        let limit = PAGES.size(first)?;
        let after = after.as_deref().map(Cursor::decode).transpose()?;
        let rows = reports::list(&deps(ctx).db, reported_user_id, after, limit + 1).await?;
        Ok(forward_page(
            rows,
            limit,
            after.is_some(),
            |row| Cursor {
                at_ms: row.created_at.timestamp_millis(),
                id: row.id,
            },
            |row| PlayerReport {
                row,
                replayed: false,
            },
        ))
    }

    /// A player's sanctions, newest first (operators only).
    #[graphql(requires_scopes = "admin")]
    async fn sanctions(&self, ctx: &Context<'_>, user_id: ID) -> ApiResult<Vec<Sanction>> {
        let viewer = ctx.viewer()?;
        let rows = deps(ctx)
            .sanctions
            .of_player(viewer, parse_id(&user_id)?)
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| Sanction {
                row,
                replayed: false,
            })
            .collect())
    }
}

/// Mutations of the anticheat service.
pub struct Mutation;

#[Object]
impl Mutation {
    /// Reports another player's actor as one of yours (`FORBIDDEN` for someone else's
    /// actor, `INVALID_REPORT` for your own actors, `RATE_LIMITED` beyond the hourly
    /// allowance). Idempotent per `idempotencyKey`.
    #[graphql(directive = authenticated::apply())]
    async fn report_player(
        &self,
        ctx: &Context<'_>,
        reporter_actor_id: ID,
        reported_actor_id: ID,
        reason: ReportReason,
        comment: Option<String>,
        idempotency_key: String,
    ) -> ApiResult<PlayerReport> {
        let viewer = ctx.viewer()?;
        let d = deps(ctx);
        let request = ReportRequest {
            reporter_actor_id: parse_id(&reporter_actor_id)?,
            reported_actor_id: parse_id(&reported_actor_id)?,
            reason,
            comment,
            idempotency_key,
        };
        let (row, replayed, flagged) =
            reports::report_player(&d.db, d.actors.as_ref(), &d.rules, viewer, request).await?;
        if flagged {
            d.outbox.committed();
        }
        Ok(PlayerReport { row, replayed })
    }

    /// Sanctions a player (operators only): `durationSeconds` is required for `MUTE`
    /// and `TEMPORARY_BAN` and refused for `PERMANENT_BAN` (`INVALID_SANCTION`). The
    /// users service applies it at once (a ban ends every session of the player);
    /// when it cannot, the sanction stays `PENDING`, is retried in the background, and
    /// this fails with `SANCTION_NOT_APPLIED`. Idempotent per `idempotencyKey`.
    #[graphql(requires_scopes = "admin")]
    async fn sanction_player(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        kind: SanctionKind,
        reason: String,
        duration_seconds: Option<i64>,
        idempotency_key: String,
    ) -> ApiResult<Sanction> {
        let viewer = ctx.viewer()?;
        let request = SanctionRequest {
            user_id: parse_id(&user_id)?,
            kind,
            reason,
            duration_seconds,
            idempotency_key,
        };
        let (row, replayed) = deps(ctx).sanctions.sanction_player(viewer, request).await?;
        Ok(Sanction { row, replayed })
    }

    /// Lifts a sanction (operators only), with every other ban (or mute) in force on
    /// the player: the account is unbanned (or unmuted). Access tokens issued before a
    /// ban stay refused.
    #[graphql(requires_scopes = "admin")]
    async fn lift_sanction(&self, ctx: &Context<'_>, sanction_id: ID) -> ApiResult<Sanction> {
        let viewer = ctx.viewer()?;
        let row = deps(ctx)
            .sanctions
            .lift_sanction(viewer, parse_id(&sanction_id)?)
            .await?;
        Ok(Sanction {
            row,
            replayed: false,
        })
    }

    /// Internal (other services, with the internal token): records an inline verdict,
    /// e.g. a check a service made while handling a command.
    #[graphql(inaccessible)]
    async fn record_verdict(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        actor_id: Option<ID>,
        kind: FlagKind,
        detail: Option<Json<serde_json::Value>>,
    ) -> ApiResult<AnticheatFlag> {
        require_internal(ctx)?;
        let d = deps(ctx);
        let new = NewFlag {
            user_id: parse_id(&user_id)?,
            actor_id: actor_id.as_ref().map(parse_id).transpose()?,
            kind,
            detail: detail.map_or(serde_json::Value::Null, |detail| detail.0),
            dedupe_key: None,
        };
        let row = flags::record_now(&d.db, new).await?;
        d.outbox.committed();
        Ok(AnticheatFlag(row))
    }
}
