//! The federated schema of the guild service: `Guild @key(id)`, `Actor.guild` and
//! `Actor.guildRole`, guild commands and `guildMemberChanged`. Resolvers authorize with
//! the viewer and call [`crate::service`].

use std::sync::Arc;

use async_graphql::{Context, Object, Schema, SimpleObject, Subscription, ID};
use chrono::{DateTime, Utc};
use futures_util::stream::{Stream, StreamExt};
use sea_orm::DatabaseConnection;
use subgraph_kit::dataloader::{load_failed, loader};
use subgraph_kit::directory::ActorDirectory;
use subgraph_kit::error::ApiError;
use subgraph_kit::events::outbox::OutboxSignal;
use subgraph_kit::pagination::{forward_page, Cursor, PageLimits};
use subgraph_kit::pubsub::PubSub;
use subgraph_kit::sdl::authenticated;
use subgraph_kit::{parse_id, ApiResult, ContextAuthExt, KitError};
use uuid::Uuid;

use async_graphql::connection::{Connection, EmptyFields};
use entities::guild::{guild, invitation, join_request, role};

use crate::loaders::{GuildsById, MemberCounts, MembershipByActor};
use crate::rules::{Permission, Permissions, RoleKind};
use crate::service::{
    self, ChangeKind, Committed, JoinOutcome, JoinPolicy, MemberChange, NewGuild,
};
use crate::settings::GuildSettings;

/// The executable guild schema.
pub type GuildSchema = Schema<Query, Mutation, Subscription>;

const GUILD_PAGES: PageLimits = PageLimits {
    default: 20,
    max: 100,
};

/// What resolvers need, stored in the schema's data.
pub struct Deps {
    /// The guild database.
    pub db: DatabaseConnection,
    /// Live fan-out of membership changes.
    pub pubsub: Arc<dyn PubSub>,
    /// Wakes the outbox relay after a command commits events.
    pub outbox: OutboxSignal,
    /// Actor lookups in chaos.
    pub directory: ActorDirectory,
    /// Service settings.
    pub settings: Arc<GuildSettings>,
}

/// Builds the schema; `deps` is `None` only for exporting the SDL.
pub fn schema(deps: Option<Deps>) -> GuildSchema {
    subgraph_kit::server::federated_schema(Query, Mutation, Subscription, deps)
}

fn deps<'a>(ctx: &Context<'a>) -> &'a Deps {
    ctx.data_unchecked::<Deps>()
}

/// The live topic of one guild's membership changes.
pub fn guild_topic(guild_id: Uuid) -> String {
    format!("guild:{guild_id}")
}

/// Tells `guildMemberChanged` subscribers (on every replica) what changed. The changes
/// are committed, so a fan-out failure is logged, not returned.
pub async fn announce(pubsub: &dyn PubSub, changes: &[MemberChange]) {
    for change in changes {
        let message = match serde_json::to_string(change) {
            Ok(message) => message,
            Err(err) => {
                tracing::error!(guild_id = %change.guild_id, cause = %err, "member change not serializable");
                continue;
            }
        };
        if let Err(err) = pubsub.publish(&guild_topic(change.guild_id), message).await {
            tracing::warn!(guild_id = %change.guild_id, cause = %err, "member change not announced to live subscribers");
        }
    }
}

/// After a command committed: wake the outbox relay and announce live changes.
async fn finish<T>(ctx: &Context<'_>, committed: Committed<T>) -> T {
    let deps = deps(ctx);
    deps.outbox.committed();
    announce(deps.pubsub.as_ref(), &committed.changes).await;
    committed.value
}

/// `Actor` as this subgraph extends it (owned by chaos).
pub struct ActorRef {
    id: Uuid,
}

impl ActorRef {
    async fn membership(&self, ctx: &Context<'_>) -> ApiResult<Option<service::Membership>> {
        Ok(loader::<MembershipByActor>(ctx)?
            .load_one(self.id)
            .await
            .map_err(load_failed)?)
    }
}

#[Object(name = "Actor")]
impl ActorRef {
    /// Actor id.
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }
    /// The actor's guild, if any.
    async fn guild(&self, ctx: &Context<'_>) -> ApiResult<Option<Guild>> {
        let Some(membership) = self.membership(ctx).await? else {
            return Ok(None);
        };
        Ok(loader::<GuildsById>(ctx)?
            .load_one(membership.member.guild_id)
            .await
            .map_err(load_failed)?
            .map(Guild))
    }
    /// The actor's role in its guild, if any.
    async fn guild_role(&self, ctx: &Context<'_>) -> ApiResult<Option<GuildRole>> {
        Ok(self.membership(ctx).await?.map(|m| GuildRole(m.role)))
    }
}

fn actor(id: Uuid) -> ActorRef {
    ActorRef { id }
}

/// A territory (owned by the world service).
#[derive(SimpleObject)]
#[graphql(name = "Territory", unresolvable = "id")]
pub struct TerritoryRef {
    /// Territory id.
    id: ID,
}

/// A guild.
pub struct Guild(guild::Model);

#[Object]
impl Guild {
    /// Guild id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Display name (unique, case-insensitive).
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Description.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// How the guild admits members.
    async fn join_policy(&self) -> JoinPolicy {
        JoinPolicy::decode(&self.0.join_policy)
    }
    /// Most members allowed.
    async fn member_limit(&self) -> i32 {
        self.0.member_limit
    }
    /// Members now.
    async fn member_count(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        Ok(loader::<MemberCounts>(ctx)?
            .load_one(self.0.id)
            .await
            .map_err(load_failed)?
            .unwrap_or(0))
    }
    /// When it was founded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The territories the guild holds (world owns them; updated when they change
    /// hands), oldest first.
    async fn territories(&self, ctx: &Context<'_>) -> ApiResult<Vec<TerritoryRef>> {
        Ok(service::territories_of(&deps(ctx).db, &[self.0.id])
            .await?
            .remove(&self.0.id)
            .unwrap_or_default()
            .into_iter()
            .map(|held| TerritoryRef {
                id: ID(held.territory_id.to_string()),
            })
            .collect())
    }
    /// The leader.
    async fn leader(&self, ctx: &Context<'_>) -> ApiResult<Option<ActorRef>> {
        let members = service::members_by_seniority(&deps(ctx).db, self.0.id).await?;
        Ok(members
            .into_iter()
            .find(|m| RoleKind::decode(&m.role.kind) == RoleKind::Leader)
            .map(|m| actor(m.member.actor_id)))
    }
    /// Member actors, most senior first.
    async fn members(&self, ctx: &Context<'_>) -> ApiResult<Vec<ActorRef>> {
        let members = service::members_by_seniority(&deps(ctx).db, self.0.id).await?;
        Ok(members
            .into_iter()
            .map(|m| actor(m.member.actor_id))
            .collect())
    }
    /// Members with their roles, most senior first.
    async fn memberships(&self, ctx: &Context<'_>) -> ApiResult<Vec<GuildMember>> {
        let members = service::members_by_seniority(&deps(ctx).db, self.0.id).await?;
        Ok(members
            .into_iter()
            .map(|m| GuildMember {
                actor: actor(m.member.actor_id),
                role: GuildRole(m.role),
                joined_at: m.member.joined_at,
            })
            .collect())
    }
    /// Roles, most senior first.
    async fn roles(&self, ctx: &Context<'_>) -> ApiResult<Vec<GuildRole>> {
        Ok(service::roles_of(&deps(ctx).db, self.0.id)
            .await?
            .into_iter()
            .map(GuildRole)
            .collect())
    }
    /// Open invitations (members with the INVITE permission only).
    #[graphql(directive = authenticated::apply())]
    async fn pending_invitations(&self, ctx: &Context<'_>) -> ApiResult<Vec<GuildInvitation>> {
        let viewer = ctx.viewer()?;
        let db = &deps(ctx).db;
        if !service::viewer_may(db, viewer, self.0.id, Some(Permission::Invite)).await? {
            return Err(KitError::Forbidden("needs the INVITE permission in this guild").into());
        }
        Ok(service::pending_invitations(db, self.0.id)
            .await?
            .into_iter()
            .map(GuildInvitation)
            .collect())
    }
    /// Open join requests (members with the MANAGE_JOIN_REQUESTS permission only).
    #[graphql(directive = authenticated::apply())]
    async fn join_requests(&self, ctx: &Context<'_>) -> ApiResult<Vec<GuildJoinRequest>> {
        let viewer = ctx.viewer()?;
        let db = &deps(ctx).db;
        if !service::viewer_may(db, viewer, self.0.id, Some(Permission::ManageJoinRequests)).await?
        {
            return Err(KitError::Forbidden(
                "needs the MANAGE_JOIN_REQUESTS permission in this guild",
            )
            .into());
        }
        Ok(service::pending_join_requests(db, self.0.id)
            .await?
            .into_iter()
            .map(GuildJoinRequest)
            .collect())
    }
}

/// A member and its role.
#[derive(SimpleObject)]
pub struct GuildMember {
    /// The member actor.
    actor: ActorRef,
    /// Its role.
    role: GuildRole,
    /// When it joined.
    joined_at: DateTime<Utc>,
}

/// A guild role.
pub struct GuildRole(role::Model);

#[Object]
impl GuildRole {
    /// Role id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Leader, officer, member or custom.
    async fn kind(&self) -> RoleKind {
        RoleKind::decode(&self.0.kind)
    }
    /// Seniority: lower is more senior (leader 0, officer 10, member 100).
    async fn rank(&self) -> i32 {
        self.0.rank
    }
    /// What the role allows (the leader holds every permission).
    async fn permissions(&self) -> Vec<Permission> {
        if RoleKind::decode(&self.0.kind) == RoleKind::Leader {
            Permission::ALL.to_vec()
        } else {
            Permissions::decode(&self.0.permissions).to_vec()
        }
    }
}

async fn guild_by_id(ctx: &Context<'_>, id: Uuid) -> ApiResult<Option<Guild>> {
    Ok(loader::<GuildsById>(ctx)?
        .load_one(id)
        .await
        .map_err(load_failed)?
        .map(Guild))
}

/// An invitation into a guild.
pub struct GuildInvitation(invitation::Model);

#[Object]
impl GuildInvitation {
    /// Invitation id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The guild (null once disbanded).
    async fn guild(&self, ctx: &Context<'_>) -> ApiResult<Option<Guild>> {
        guild_by_id(ctx, self.0.guild_id).await
    }
    /// The invited actor.
    async fn invitee(&self) -> ActorRef {
        actor(self.0.invitee_actor_id)
    }
    /// The member who invited.
    async fn inviter(&self) -> ActorRef {
        actor(self.0.inviter_actor_id)
    }
    /// `PENDING`, `ACCEPTED`, `DECLINED`, `EXPIRED` or `CANCELLED`.
    async fn status(&self) -> &str {
        &self.0.status
    }
    /// When it was sent.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it lapses.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }
}

/// A request to join a closed guild.
pub struct GuildJoinRequest(join_request::Model);

#[Object]
impl GuildJoinRequest {
    /// Request id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The guild (null once disbanded).
    async fn guild(&self, ctx: &Context<'_>) -> ApiResult<Option<Guild>> {
        guild_by_id(ctx, self.0.guild_id).await
    }
    /// The actor asking to join.
    async fn actor(&self) -> ActorRef {
        actor(self.0.actor_id)
    }
    /// Its note to the officers.
    async fn message(&self) -> &str {
        &self.0.message
    }
    /// `PENDING`, `APPROVED`, `REJECTED` or `CANCELLED`.
    async fn status(&self) -> &str {
        &self.0.status
    }
    /// When it was made.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// What `joinGuild` did.
#[derive(SimpleObject)]
pub struct JoinGuildResult {
    /// The guild.
    guild: Guild,
    /// True when the actor is now a member (open guild).
    joined: bool,
    /// The join request awaiting approval (closed guild).
    request: Option<GuildJoinRequest>,
}

/// A membership change, live.
pub struct GuildMemberChange(MemberChange);

#[Object]
impl GuildMemberChange {
    /// The guild.
    async fn guild_id(&self) -> ID {
        ID(self.0.guild_id.to_string())
    }
    /// The member concerned.
    async fn actor(&self) -> ActorRef {
        actor(self.0.actor_id)
    }
    /// What happened.
    async fn change(&self) -> ChangeKind {
        self.0.kind
    }
    /// The member's role afterwards (null when no longer a member).
    async fn role(&self, ctx: &Context<'_>) -> ApiResult<Option<GuildRole>> {
        let Some(role_id) = self.0.role_id else {
            return Ok(None);
        };
        let roles = service::roles_of(&deps(ctx).db, self.0.guild_id).await?;
        Ok(roles.into_iter().find(|r| r.id == role_id).map(GuildRole))
    }
    /// The member who caused it, when not the actor itself.
    async fn by(&self) -> Option<ActorRef> {
        self.0.by_actor_id.map(actor)
    }
    /// When.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
}

/// Queries of the guild service.
pub struct Query;

#[Object]
impl Query {
    /// A guild by id.
    async fn guild(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Guild>> {
        guild_by_id(ctx, parse_id(&id)?).await
    }

    /// Guilds, oldest first, optionally those whose name contains `nameContains`.
    async fn guilds(
        &self,
        ctx: &Context<'_>,
        name_contains: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, Guild, EmptyFields, EmptyFields>> {
        let limit = GUILD_PAGES.size(first)?;
        let after = after.as_deref().map(Cursor::decode).transpose()?;
        let rows =
            service::list_guilds(&deps(ctx).db, name_contains.as_deref(), after, limit + 1).await?;
        Ok(forward_page(
            rows,
            limit,
            after.is_some(),
            |row| Cursor {
                at_ms: row.created_at.timestamp_millis(),
                id: row.id,
            },
            Guild,
        ))
    }

    /// Open invitations to the signed-in player's actors, newest first.
    #[graphql(directive = authenticated::apply())]
    async fn my_guild_invitations(&self, ctx: &Context<'_>) -> ApiResult<Vec<GuildInvitation>> {
        let viewer = ctx.viewer()?;
        Ok(service::invitations_for(&deps(ctx).db, viewer)
            .await?
            .into_iter()
            .map(GuildInvitation)
            .collect())
    }

    /// Resolves `Guild` references from other subgraphs.
    #[graphql(entity)]
    async fn find_guild_by_id(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Guild>> {
        guild_by_id(ctx, parse_id(&id)?).await
    }

    /// Resolves `Actor` references to add `guild` and `guildRole`.
    #[graphql(entity)]
    async fn find_actor_by_id(&self, id: ID) -> ApiResult<ActorRef> {
        Ok(actor(parse_id(&id)?))
    }
}

/// Mutations of the guild service. `actorId` is always the signed-in player's actor
/// doing the action; its guild role decides what it may do.
pub struct Mutation;

#[Object]
impl Mutation {
    /// Founds a guild led by `actorId` (which must not be in a guild). The join policy
    /// defaults to `OPEN`.
    #[graphql(directive = authenticated::apply())]
    async fn create_guild(
        &self,
        ctx: &Context<'_>,
        actor_id: ID,
        name: String,
        description: Option<String>,
        join_policy: Option<JoinPolicy>,
    ) -> ApiResult<Guild> {
        let viewer = ctx.viewer()?;
        let d = deps(ctx);
        let committed = service::create_guild(
            &d.db,
            &d.directory,
            &d.settings.rules,
            viewer,
            parse_id(&actor_id)?,
            NewGuild {
                name,
                description: description.unwrap_or_default(),
                policy: join_policy.unwrap_or(JoinPolicy::Open),
            },
        )
        .await?;
        Ok(Guild(finish(ctx, committed).await))
    }

    /// Invites an actor into `actorId`'s guild (INVITE permission). The invitee's player
    /// is notified.
    #[graphql(directive = authenticated::apply())]
    async fn invite_to_guild(
        &self,
        ctx: &Context<'_>,
        actor_id: ID,
        invitee_actor_id: ID,
    ) -> ApiResult<GuildInvitation> {
        let viewer = ctx.viewer()?;
        let d = deps(ctx);
        let committed = service::invite(
            &d.db,
            &d.directory,
            &d.settings.rules,
            viewer,
            parse_id(&actor_id)?,
            parse_id(&invitee_actor_id)?,
        )
        .await?;
        Ok(GuildInvitation(finish(ctx, committed).await))
    }

    /// Accepts an invitation to one of your actors: it joins the guild.
    #[graphql(directive = authenticated::apply())]
    async fn accept_guild_invitation(
        &self,
        ctx: &Context<'_>,
        invitation_id: ID,
    ) -> ApiResult<GuildInvitation> {
        let viewer = ctx.viewer()?;
        let committed =
            service::answer_invitation(&deps(ctx).db, viewer, parse_id(&invitation_id)?, true)
                .await?;
        Ok(GuildInvitation(finish(ctx, committed).await))
    }

    /// Declines an invitation to one of your actors.
    #[graphql(directive = authenticated::apply())]
    async fn decline_guild_invitation(
        &self,
        ctx: &Context<'_>,
        invitation_id: ID,
    ) -> ApiResult<GuildInvitation> {
        let viewer = ctx.viewer()?;
        let committed =
            service::answer_invitation(&deps(ctx).db, viewer, parse_id(&invitation_id)?, false)
                .await?;
        Ok(GuildInvitation(finish(ctx, committed).await))
    }

    /// Joins an open guild, or asks to join a closed one (officers decide).
    #[graphql(directive = authenticated::apply())]
    async fn join_guild(
        &self,
        ctx: &Context<'_>,
        actor_id: ID,
        guild_id: ID,
        message: Option<String>,
    ) -> ApiResult<JoinGuildResult> {
        let viewer = ctx.viewer()?;
        let d = deps(ctx);
        let committed = service::join_guild(
            &d.db,
            &d.directory,
            viewer,
            parse_id(&actor_id)?,
            parse_id(&guild_id)?,
            message.as_deref().unwrap_or_default(),
        )
        .await?;
        Ok(match finish(ctx, committed).await {
            JoinOutcome::Joined(guild) => JoinGuildResult {
                guild: Guild(guild),
                joined: true,
                request: None,
            },
            JoinOutcome::Requested(guild, request) => JoinGuildResult {
                guild: Guild(guild),
                joined: false,
                request: Some(GuildJoinRequest(request)),
            },
        })
    }

    /// Approves a join request to `actorId`'s guild (MANAGE_JOIN_REQUESTS).
    #[graphql(directive = authenticated::apply())]
    async fn approve_guild_join_request(
        &self,
        ctx: &Context<'_>,
        actor_id: ID,
        request_id: ID,
    ) -> ApiResult<GuildJoinRequest> {
        decide(ctx, actor_id, request_id, true).await
    }

    /// Rejects a join request to `actorId`'s guild (MANAGE_JOIN_REQUESTS).
    #[graphql(directive = authenticated::apply())]
    async fn reject_guild_join_request(
        &self,
        ctx: &Context<'_>,
        actor_id: ID,
        request_id: ID,
    ) -> ApiResult<GuildJoinRequest> {
        decide(ctx, actor_id, request_id, false).await
    }

    /// Removes a junior member (KICK). The removed player is notified.
    #[graphql(directive = authenticated::apply())]
    async fn kick_guild_member(
        &self,
        ctx: &Context<'_>,
        actor_id: ID,
        member_actor_id: ID,
    ) -> ApiResult<bool> {
        let viewer = ctx.viewer()?;
        let committed = service::kick(
            &deps(ctx).db,
            viewer,
            parse_id(&actor_id)?,
            parse_id(&member_actor_id)?,
        )
        .await?;
        finish(ctx, committed).await;
        Ok(true)
    }

    /// Leaves the guild. A leader must transfer leadership first, unless alone (then
    /// the guild is disbanded).
    #[graphql(directive = authenticated::apply())]
    async fn leave_guild(&self, ctx: &Context<'_>, actor_id: ID) -> ApiResult<bool> {
        let viewer = ctx.viewer()?;
        let committed = service::leave(&deps(ctx).db, viewer, parse_id(&actor_id)?).await?;
        finish(ctx, committed).await;
        Ok(true)
    }

    /// Makes another member the leader (leader only); you become an officer.
    #[graphql(directive = authenticated::apply())]
    async fn transfer_guild_leadership(
        &self,
        ctx: &Context<'_>,
        actor_id: ID,
        new_leader_actor_id: ID,
    ) -> ApiResult<bool> {
        let viewer = ctx.viewer()?;
        let committed = service::transfer_leadership(
            &deps(ctx).db,
            viewer,
            parse_id(&actor_id)?,
            parse_id(&new_leader_actor_id)?,
        )
        .await?;
        finish(ctx, committed).await;
        Ok(true)
    }

    /// Disbands the guild (leader only). Every member is notified.
    #[graphql(directive = authenticated::apply())]
    async fn disband_guild(&self, ctx: &Context<'_>, actor_id: ID) -> ApiResult<bool> {
        let viewer = ctx.viewer()?;
        let committed = service::disband(&deps(ctx).db, viewer, parse_id(&actor_id)?).await?;
        finish(ctx, committed).await;
        Ok(true)
    }

    /// Creates a custom role ranked below you (MANAGE_ROLES), granting only permissions
    /// you hold.
    #[graphql(directive = authenticated::apply())]
    async fn create_guild_role(
        &self,
        ctx: &Context<'_>,
        actor_id: ID,
        name: String,
        rank: i32,
        permissions: Vec<Permission>,
    ) -> ApiResult<GuildRole> {
        let viewer = ctx.viewer()?;
        let d = deps(ctx);
        let created = service::create_role(
            &d.db,
            &d.settings.rules,
            viewer,
            parse_id(&actor_id)?,
            &name,
            rank,
            permissions.into_iter().collect(),
        )
        .await?;
        Ok(GuildRole(created))
    }

    /// Gives a junior member a role ranked below you (MANAGE_ROLES).
    #[graphql(directive = authenticated::apply())]
    async fn set_guild_member_role(
        &self,
        ctx: &Context<'_>,
        actor_id: ID,
        member_actor_id: ID,
        role_id: ID,
    ) -> ApiResult<bool> {
        let viewer = ctx.viewer()?;
        let committed = service::set_member_role(
            &deps(ctx).db,
            viewer,
            parse_id(&actor_id)?,
            parse_id(&member_actor_id)?,
            parse_id(&role_id)?,
        )
        .await?;
        finish(ctx, committed).await;
        Ok(true)
    }

    /// Changes the description and/or join policy (EDIT_GUILD).
    #[graphql(directive = authenticated::apply())]
    async fn update_guild(
        &self,
        ctx: &Context<'_>,
        actor_id: ID,
        description: Option<String>,
        join_policy: Option<JoinPolicy>,
    ) -> ApiResult<Guild> {
        let viewer = ctx.viewer()?;
        let updated = service::update_guild(
            &deps(ctx).db,
            viewer,
            parse_id(&actor_id)?,
            description.as_deref(),
            join_policy,
        )
        .await?;
        Ok(Guild(updated))
    }
}

async fn decide(
    ctx: &Context<'_>,
    actor_id: ID,
    request_id: ID,
    approve: bool,
) -> ApiResult<GuildJoinRequest> {
    let viewer = ctx.viewer()?;
    let committed = service::decide_join_request(
        &deps(ctx).db,
        viewer,
        parse_id(&actor_id)?,
        parse_id(&request_id)?,
        approve,
    )
    .await?;
    Ok(GuildJoinRequest(finish(ctx, committed).await))
}

/// Subscriptions of the guild service.
pub struct Subscription;

#[Subscription]
impl Subscription {
    /// Every membership change of a guild one of your actors belongs to.
    #[graphql(directive = authenticated::apply())]
    async fn guild_member_changed(
        &self,
        ctx: &Context<'_>,
        guild_id: ID,
    ) -> Result<impl Stream<Item = GuildMemberChange>, ApiError> {
        let viewer = ctx.viewer()?;
        let guild_id = parse_id(&guild_id)?;
        let d = deps(ctx);
        // Subscribe before checking, so a change committed in between is not missed.
        let changes = d.pubsub.subscribe(&guild_topic(guild_id));
        if !service::viewer_may(&d.db, viewer, guild_id, None).await? {
            return Err(KitError::Forbidden("only members may follow a guild").into());
        }
        Ok(changes.filter_map(move |message| {
            let decoded = serde_json::from_str::<MemberChange>(&message);
            if let Err(err) = &decoded {
                tracing::warn!(%guild_id, cause = %err, "unreadable member change skipped");
            }
            std::future::ready(decoded.ok().map(GuildMemberChange))
        }))
    }
}
