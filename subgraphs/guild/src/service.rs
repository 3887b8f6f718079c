//! The guild service's logic and persistence. Every command runs in one write
//! transaction that first locks the guild row (PostgreSQL `FOR UPDATE`; SQLite's
//! immediate transactions serialize writers anyway), so member limits, roles and
//! memberships stay consistent under concurrent commands. Events for other services
//! are written to the outbox in the same transaction.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    SqlErr,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use subgraph_kit::auth::Viewer;
use subgraph_kit::db::begin_write;
use subgraph_kit::directory::{ActorDirectory, ActorSummary};
use subgraph_kit::events::{outbox, EventEnvelope};
use subgraph_kit::pagination::{Cursor, Side};
use subgraph_kit::KitError;
use uuid::Uuid;

use entities::guild::{guild, invitation, join_request, member, role, territory};

use crate::error::GuildError;
use crate::rules::{self, builtin_roles, Permission, Permissions, RoleKind, Standing, MEMBER_RANK};
use crate::settings::GuildRules;
use crate::GUILD_EVENTS_TOPIC;

/// Status of an open invitation or join request.
pub const PENDING: &str = "PENDING";

/// How a guild admits members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum JoinPolicy {
    /// Anyone may join.
    Open,
    /// Join requests need an officer's approval; invitations work as always.
    Closed,
}

impl JoinPolicy {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            JoinPolicy::Open => "OPEN",
            JoinPolicy::Closed => "CLOSED",
        }
    }

    /// Parses [`JoinPolicy::code`]; anything else reads as closed.
    pub fn decode(code: &str) -> Self {
        if code == "OPEN" {
            JoinPolicy::Open
        } else {
            JoinPolicy::Closed
        }
    }
}

/// What happened to a membership, as live subscribers see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, async_graphql::Enum)]
pub enum ChangeKind {
    /// The actor joined.
    Joined,
    /// The actor left.
    Left,
    /// The actor was removed by an officer.
    Kicked,
    /// The actor's role changed.
    RoleChanged,
    /// The guild was disbanded.
    Disbanded,
    /// The actor was deleted by its owner.
    ActorDeleted,
}

impl ChangeKind {
    fn code(self) -> &'static str {
        match self {
            ChangeKind::Joined => "JOINED",
            ChangeKind::Left => "LEFT",
            ChangeKind::Kicked => "KICKED",
            ChangeKind::RoleChanged => "ROLE_CHANGED",
            ChangeKind::Disbanded => "DISBANDED",
            ChangeKind::ActorDeleted => "ACTOR_DELETED",
        }
    }
}

/// One membership change, published to `guildMemberChanged` subscribers after commit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MemberChange {
    /// The guild.
    pub guild_id: Uuid,
    /// The member concerned.
    pub actor_id: Uuid,
    /// What happened.
    pub kind: ChangeKind,
    /// The member's role afterwards (null when no longer a member).
    pub role_id: Option<Uuid>,
    /// The member who caused it, if not the actor itself.
    pub by_actor_id: Option<Uuid>,
    /// When.
    pub at: DateTime<Utc>,
}

/// A command's result and the membership changes to announce once committed.
#[derive(Debug)]
pub struct Committed<T> {
    /// The result.
    pub value: T,
    /// Changes for live subscribers.
    pub changes: Vec<MemberChange>,
}

/// A member and its role.
#[derive(Debug, Clone)]
pub struct Membership {
    /// The membership row.
    pub member: member::Model,
    /// Its role.
    pub role: role::Model,
}

impl Membership {
    fn standing(&self) -> Standing {
        standing(&self.role)
    }
}

fn standing(role: &role::Model) -> Standing {
    Standing {
        kind: RoleKind::decode(&role.kind),
        rank: role.rank,
        permissions: Permissions::decode(&role.permissions),
    }
}

fn bad_input(message: String) -> GuildError {
    KitError::BadUserInput(message).into()
}

fn is_unique_violation(err: &sea_orm::DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// `conflict` when `err` is a unique-constraint violation, else the database error.
fn unique_or(conflict: GuildError) -> impl FnOnce(sea_orm::DbErr) -> GuildError {
    move |err| {
        if is_unique_violation(&err) {
            conflict
        } else {
            err.into()
        }
    }
}

async fn emit(
    txn: &DatabaseTransaction,
    event_type: &str,
    guild_id: Uuid,
    viewer: Option<&Viewer>,
    payload: serde_json::Value,
) -> Result<(), GuildError> {
    let mut event = EventEnvelope::new(event_type, guild_id, payload);
    if let Some(viewer) = viewer {
        event = event.by(viewer.user_id);
    }
    outbox::enqueue(txn, GUILD_EVENTS_TOPIC, &event).await?;
    Ok(())
}

/// Locks and returns the guild row.
async fn lock_guild(txn: &DatabaseTransaction, guild_id: Uuid) -> Result<guild::Model, GuildError> {
    Ok(guild::Entity::find_by_id(guild_id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(KitError::NotFound("guild"))?)
}

async fn membership(
    db: &impl ConnectionTrait,
    actor_id: Uuid,
) -> Result<Option<Membership>, GuildError> {
    let Some(member) = member::Entity::find_by_id(actor_id).one(db).await? else {
        return Ok(None);
    };
    let role = role::Entity::find_by_id(member.role_id)
        .one(db)
        .await?
        .ok_or_else(|| {
            KitError::Internal(format!("role {} of a member is missing", member.role_id))
        })?;
    Ok(Some(Membership { member, role }))
}

/// The viewer's actor acting in its guild: the guild locked, the actor's membership
/// read under the lock.
struct Acting {
    guild: guild::Model,
    me: Membership,
}

impl Acting {
    fn require(&self, permission: Permission) -> Result<(), GuildError> {
        if self.me.standing().can(permission) {
            Ok(())
        } else {
            Err(GuildError::MissingPermission(permission.code()))
        }
    }

    fn require_leader(&self) -> Result<(), GuildError> {
        if self.me.standing().kind == RoleKind::Leader {
            Ok(())
        } else {
            Err(GuildError::MissingPermission("LEADER"))
        }
    }

    /// A member of this guild the acting member outranks.
    async fn junior(
        &self,
        txn: &DatabaseTransaction,
        actor_id: Uuid,
    ) -> Result<Membership, GuildError> {
        let target = membership(txn, actor_id)
            .await?
            .filter(|m| m.member.guild_id == self.guild.id)
            .ok_or(GuildError::NotAMember)?;
        if !self.me.standing().outranks(target.role.rank) {
            return Err(GuildError::Outranked);
        }
        Ok(target)
    }
}

async fn act(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    actor_id: Uuid,
) -> Result<Acting, GuildError> {
    let first = membership(txn, actor_id)
        .await?
        .ok_or(GuildError::NotInGuild)?;
    if first.member.user_id != viewer.user_id {
        return Err(KitError::Forbidden("the actor belongs to another player").into());
    }
    let guild = lock_guild(txn, first.member.guild_id).await?;
    // Re-read under the lock: the actor may have been removed in between.
    let me = membership(txn, actor_id)
        .await?
        .filter(|m| m.member.guild_id == guild.id)
        .ok_or(GuildError::NotInGuild)?;
    Ok(Acting { guild, me })
}

async fn member_count(db: &impl ConnectionTrait, guild_id: Uuid) -> Result<u64, GuildError> {
    Ok(member::Entity::find()
        .filter(member::Column::GuildId.eq(guild_id))
        .count(db)
        .await?)
}

async fn role_of_kind(
    db: &impl ConnectionTrait,
    guild_id: Uuid,
    kind: RoleKind,
) -> Result<role::Model, GuildError> {
    Ok(role::Entity::find()
        .filter(role::Column::GuildId.eq(guild_id))
        .filter(role::Column::Kind.eq(kind.code()))
        .one(db)
        .await?
        .ok_or_else(|| {
            KitError::Internal(format!("guild {guild_id} lacks its {} role", kind.code()))
        })?)
}

/// Adds `actor` to the locked `guild` as a plain member, enforcing the member limit and
/// one guild per actor.
async fn admit(
    txn: &DatabaseTransaction,
    guild: &guild::Model,
    actor_id: Uuid,
    user_id: Uuid,
    via: &str,
    viewer: &Viewer,
) -> Result<MemberChange, GuildError> {
    if member::Entity::find_by_id(actor_id)
        .one(txn)
        .await?
        .is_some()
    {
        return Err(GuildError::AlreadyInGuild);
    }
    if member_count(txn, guild.id).await? >= guild.member_limit as u64 {
        return Err(GuildError::GuildFull(guild.member_limit));
    }
    let role = role_of_kind(txn, guild.id, RoleKind::Member).await?;
    insert_member(txn, guild, actor_id, user_id, &role, via, viewer).await
}

async fn insert_member(
    txn: &DatabaseTransaction,
    guild: &guild::Model,
    actor_id: Uuid,
    user_id: Uuid,
    role: &role::Model,
    via: &str,
    viewer: &Viewer,
) -> Result<MemberChange, GuildError> {
    let now = Utc::now();
    let inserted = member::ActiveModel {
        actor_id: Set(actor_id),
        guild_id: Set(guild.id),
        user_id: Set(user_id),
        role_id: Set(role.id),
        joined_at: Set(now),
    }
    .insert(txn)
    .await;
    match inserted {
        Ok(_) => {}
        // A concurrent command put the actor in another guild.
        Err(err) if is_unique_violation(&err) => return Err(GuildError::AlreadyInGuild),
        Err(err) => return Err(err.into()),
    }
    emit(
        txn,
        "guild.member_joined",
        guild.id,
        Some(viewer),
        json!({
            "guildId": guild.id, "guildName": guild.name, "actorId": actor_id,
            "userId": user_id, "roleId": role.id, "roleName": role.name, "via": via,
        }),
    )
    .await?;
    Ok(MemberChange {
        guild_id: guild.id,
        actor_id,
        kind: ChangeKind::Joined,
        role_id: Some(role.id),
        by_actor_id: None,
        at: now,
    })
}

/// Removes `gone` from `guild`, recording why.
async fn remove_member(
    txn: &DatabaseTransaction,
    guild: &guild::Model,
    gone: &member::Model,
    kind: ChangeKind,
    by_actor_id: Option<Uuid>,
    viewer: Option<&Viewer>,
) -> Result<MemberChange, GuildError> {
    member::Entity::delete_by_id(gone.actor_id)
        .exec(txn)
        .await?;
    emit(
        txn,
        "guild.member_left",
        guild.id,
        viewer,
        json!({
            "guildId": guild.id, "guildName": guild.name, "actorId": gone.actor_id,
            "userId": gone.user_id, "reason": kind.code(), "byActorId": by_actor_id,
        }),
    )
    .await?;
    Ok(MemberChange {
        guild_id: guild.id,
        actor_id: gone.actor_id,
        kind,
        role_id: None,
        by_actor_id,
        at: Utc::now(),
    })
}

async fn change_role(
    txn: &DatabaseTransaction,
    guild: &guild::Model,
    target: &member::Model,
    role: &role::Model,
    by_actor_id: Option<Uuid>,
    viewer: Option<&Viewer>,
) -> Result<MemberChange, GuildError> {
    member::Entity::update_many()
        .col_expr(member::Column::RoleId, Expr::value(role.id))
        .filter(member::Column::ActorId.eq(target.actor_id))
        .exec(txn)
        .await?;
    emit(
        txn,
        "guild.member_role_changed",
        guild.id,
        viewer,
        json!({
            "guildId": guild.id, "actorId": target.actor_id, "userId": target.user_id,
            "roleId": role.id, "roleName": role.name, "roleKind": role.kind, "byActorId": by_actor_id,
        }),
    )
    .await?;
    Ok(MemberChange {
        guild_id: guild.id,
        actor_id: target.actor_id,
        kind: ChangeKind::RoleChanged,
        role_id: Some(role.id),
        by_actor_id,
        at: Utc::now(),
    })
}

/// Closes every pending invitation and join request matching `condition`.
async fn close_pending(
    txn: &DatabaseTransaction,
    condition: Condition,
    actor_condition: Condition,
) -> Result<(), GuildError> {
    let now = Utc::now();
    invitation::Entity::update_many()
        .col_expr(invitation::Column::Status, Expr::value("CANCELLED"))
        .col_expr(
            invitation::Column::PendingKey,
            Expr::value(Option::<String>::None),
        )
        .col_expr(invitation::Column::DecidedAt, Expr::value(Some(now)))
        .filter(invitation::Column::Status.eq(PENDING))
        .filter(condition)
        .exec(txn)
        .await?;
    join_request::Entity::update_many()
        .col_expr(join_request::Column::Status, Expr::value("CANCELLED"))
        .col_expr(
            join_request::Column::PendingKey,
            Expr::value(Option::<String>::None),
        )
        .col_expr(join_request::Column::DecidedAt, Expr::value(Some(now)))
        .filter(join_request::Column::Status.eq(PENDING))
        .filter(actor_condition)
        .exec(txn)
        .await?;
    Ok(())
}

/// Deletes the locked guild with its roles and members, closing what is pending.
async fn dissolve(
    txn: &DatabaseTransaction,
    guild: &guild::Model,
    by_actor_id: Option<Uuid>,
    viewer: Option<&Viewer>,
) -> Result<Vec<MemberChange>, GuildError> {
    let members = member::Entity::find()
        .filter(member::Column::GuildId.eq(guild.id))
        .all(txn)
        .await?;
    let mut changes = Vec::with_capacity(members.len());
    for gone in &members {
        changes.push(
            remove_member(txn, guild, gone, ChangeKind::Disbanded, by_actor_id, viewer).await?,
        );
    }
    close_pending(
        txn,
        Condition::all().add(invitation::Column::GuildId.eq(guild.id)),
        Condition::all().add(join_request::Column::GuildId.eq(guild.id)),
    )
    .await?;
    role::Entity::delete_many()
        .filter(role::Column::GuildId.eq(guild.id))
        .exec(txn)
        .await?;
    guild::Entity::delete_by_id(guild.id).exec(txn).await?;
    emit(
        txn,
        "guild.disbanded",
        guild.id,
        viewer,
        json!({ "guildId": guild.id, "guildName": guild.name, "byActorId": by_actor_id }),
    )
    .await?;
    Ok(changes)
}

/// What a founder chooses.
#[derive(Debug, Clone)]
pub struct NewGuild {
    /// Display name.
    pub name: String,
    /// Description.
    pub description: String,
    /// How it admits members.
    pub policy: JoinPolicy,
}

/// Founds a guild with the viewer's actor as leader.
pub async fn create_guild(
    db: &DatabaseConnection,
    directory: &ActorDirectory,
    guild_rules: &GuildRules,
    viewer: &Viewer,
    actor_id: Uuid,
    new: NewGuild,
) -> Result<Committed<guild::Model>, GuildError> {
    let name = rules::validate_guild_name(&new.name).map_err(bad_input)?;
    let description = rules::validate_note(&new.description).map_err(bad_input)?;
    let policy = new.policy;
    directory.owned_by(actor_id, viewer).await?;
    let txn = begin_write(db).await?;
    if member::Entity::find_by_id(actor_id)
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(GuildError::AlreadyInGuild);
    }
    let now = subgraph_kit::pagination::cursor_time();
    let created = guild::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name.clone()),
        name_key: Set(name.to_lowercase()),
        description: Set(description),
        join_policy: Set(policy.code().to_string()),
        member_limit: Set(guild_rules.member_limit),
        founded_by: Set(actor_id),
        created_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(unique_or(GuildError::NameTaken))?;
    let mut leader_role = None;
    for (role_name, kind, rank, permissions) in builtin_roles() {
        let inserted = role::ActiveModel {
            id: Set(Uuid::now_v7()),
            guild_id: Set(created.id),
            name: Set(role_name.to_string()),
            kind: Set(kind.code().to_string()),
            rank: Set(rank),
            permissions: Set(permissions.encode()),
            created_at: Set(now),
        }
        .insert(&txn)
        .await?;
        if kind == RoleKind::Leader {
            leader_role = Some(inserted);
        }
    }
    let leader_role = leader_role.ok_or_else(|| KitError::Internal("no leader role".into()))?;
    emit(
        &txn,
        "guild.created",
        created.id,
        Some(viewer),
        json!({ "guildId": created.id, "guildName": created.name, "leaderActorId": actor_id }),
    )
    .await?;
    let change = insert_member(
        &txn,
        &created,
        actor_id,
        viewer.user_id,
        &leader_role,
        "FOUNDED",
        viewer,
    )
    .await?;
    txn.commit().await?;
    tracing::info!(guild_id = %created.id, %actor_id, "guild created");
    Ok(Committed {
        value: created,
        changes: vec![change],
    })
}

/// Invites `invitee_actor_id` into the acting actor's guild.
pub async fn invite(
    db: &DatabaseConnection,
    directory: &ActorDirectory,
    guild_rules: &GuildRules,
    viewer: &Viewer,
    actor_id: Uuid,
    invitee_actor_id: Uuid,
) -> Result<Committed<invitation::Model>, GuildError> {
    let actors = directory.find(&[actor_id, invitee_actor_id]).await?;
    let invitee = actors
        .get(&invitee_actor_id)
        .ok_or(KitError::NotFound("actor"))?;
    let inviter_name = actors.get(&actor_id).map(|a: &ActorSummary| a.name.clone());
    let txn = begin_write(db).await?;
    let acting = act(&txn, viewer, actor_id).await?;
    acting.require(Permission::Invite)?;
    if member::Entity::find_by_id(invitee_actor_id)
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(GuildError::AlreadyInGuild);
    }
    if member_count(&txn, acting.guild.id).await? >= acting.guild.member_limit as u64 {
        return Err(GuildError::GuildFull(acting.guild.member_limit));
    }
    let pending_key = format!("{}:{}", acting.guild.id, invitee_actor_id);
    let now = Utc::now();
    // A lapsed invitation no longer blocks a new one.
    invitation::Entity::update_many()
        .col_expr(invitation::Column::Status, Expr::value("EXPIRED"))
        .col_expr(
            invitation::Column::PendingKey,
            Expr::value(Option::<String>::None),
        )
        .filter(invitation::Column::PendingKey.eq(pending_key.clone()))
        .filter(invitation::Column::ExpiresAt.lte(now))
        .exec(&txn)
        .await?;
    let created = invitation::ActiveModel {
        id: Set(Uuid::now_v7()),
        guild_id: Set(acting.guild.id),
        invitee_actor_id: Set(invitee_actor_id),
        invitee_user_id: Set(invitee.user_id),
        inviter_actor_id: Set(actor_id),
        status: Set(PENDING.to_string()),
        pending_key: Set(Some(pending_key)),
        created_at: Set(now),
        expires_at: Set(now + Duration::hours(guild_rules.invitation_ttl_hours)),
        decided_at: Set(None),
    }
    .insert(&txn)
    .await
    .map_err(unique_or(GuildError::InvitationPending))?;
    emit(
        &txn,
        "guild.invitation_created",
        acting.guild.id,
        Some(viewer),
        json!({
            "invitationId": created.id, "guildId": acting.guild.id, "guildName": acting.guild.name,
            "inviterActorId": actor_id, "inviterName": inviter_name,
            "inviteeActorId": invitee_actor_id, "inviteeUserId": invitee.user_id,
            "inviteeName": invitee.name, "expiresAt": created.expires_at,
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(Committed {
        value: created,
        changes: Vec::new(),
    })
}

/// Accepts (joining the guild) or declines an invitation to one of the viewer's actors.
pub async fn answer_invitation(
    db: &DatabaseConnection,
    viewer: &Viewer,
    invitation_id: Uuid,
    accept: bool,
) -> Result<Committed<invitation::Model>, GuildError> {
    let txn = begin_write(db).await?;
    let unlocked = invitation::Entity::find_by_id(invitation_id)
        .one(&txn)
        .await?
        .ok_or(KitError::NotFound("invitation"))?;
    if unlocked.invitee_user_id != viewer.user_id {
        return Err(KitError::Forbidden("the invitation is for another player").into());
    }
    // Invitations change state under their guild's lock (a disbanded guild has closed
    // them all), so concurrent answers and disbands are serialized; read it again under
    // the lock.
    let guild = lock_guild(&txn, unlocked.guild_id)
        .await
        .map_err(|err| match err {
            GuildError::Kit(KitError::NotFound(_)) => GuildError::InvitationNotPending,
            other => other,
        })?;
    let found = invitation::Entity::find_by_id(invitation_id)
        .one(&txn)
        .await?
        .ok_or(KitError::NotFound("invitation"))?;
    if found.status != PENDING {
        return Err(GuildError::InvitationNotPending);
    }
    if found.expires_at <= Utc::now() {
        return Err(GuildError::InvitationExpired);
    }
    let mut changes = Vec::new();
    if accept {
        changes.push(
            admit(
                &txn,
                &guild,
                found.invitee_actor_id,
                found.invitee_user_id,
                "INVITATION",
                viewer,
            )
            .await?,
        );
    } else {
        emit(
            &txn,
            "guild.invitation_declined",
            found.guild_id,
            Some(viewer),
            json!({ "invitationId": found.id, "guildId": found.guild_id, "inviteeActorId": found.invitee_actor_id, "inviterActorId": found.inviter_actor_id }),
        )
        .await?;
    }
    let mut answered: invitation::ActiveModel = found.into();
    answered.status = Set(if accept { "ACCEPTED" } else { "DECLINED" }.to_string());
    answered.pending_key = Set(None);
    answered.decided_at = Set(Some(Utc::now()));
    let answered = answered.update(&txn).await?;
    txn.commit().await?;
    Ok(Committed {
        value: answered,
        changes,
    })
}

/// What `joinGuild` did.
#[derive(Debug)]
pub enum JoinOutcome {
    /// The guild is open: the actor is a member now.
    Joined(guild::Model),
    /// The guild is closed: a join request awaits an officer.
    Requested(guild::Model, join_request::Model),
}

/// Joins an open guild, or asks to join a closed one.
pub async fn join_guild(
    db: &DatabaseConnection,
    directory: &ActorDirectory,
    viewer: &Viewer,
    actor_id: Uuid,
    guild_id: Uuid,
    message: &str,
) -> Result<Committed<JoinOutcome>, GuildError> {
    let message = rules::validate_note(message).map_err(bad_input)?;
    let actor = directory.owned_by(actor_id, viewer).await?;
    let txn = begin_write(db).await?;
    let guild = lock_guild(&txn, guild_id).await?;
    if JoinPolicy::decode(&guild.join_policy) == JoinPolicy::Open {
        let change = admit(&txn, &guild, actor_id, viewer.user_id, "OPEN_GUILD", viewer).await?;
        txn.commit().await?;
        return Ok(Committed {
            value: JoinOutcome::Joined(guild),
            changes: vec![change],
        });
    }
    if member::Entity::find_by_id(actor_id)
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(GuildError::AlreadyInGuild);
    }
    let request = join_request::ActiveModel {
        id: Set(Uuid::now_v7()),
        guild_id: Set(guild.id),
        actor_id: Set(actor_id),
        user_id: Set(viewer.user_id),
        message: Set(message),
        status: Set(PENDING.to_string()),
        pending_key: Set(Some(format!("{}:{}", guild.id, actor_id))),
        created_at: Set(Utc::now()),
        decided_at: Set(None),
        decided_by: Set(None),
    }
    .insert(&txn)
    .await
    .map_err(unique_or(GuildError::JoinRequestPending))?;
    emit(
        &txn,
        "guild.join_requested",
        guild.id,
        Some(viewer),
        json!({ "requestId": request.id, "guildId": guild.id, "guildName": guild.name, "actorId": actor_id, "actorName": actor.name, "userId": viewer.user_id }),
    )
    .await?;
    txn.commit().await?;
    Ok(Committed {
        value: JoinOutcome::Requested(guild, request),
        changes: Vec::new(),
    })
}

/// Approves (admitting the actor) or rejects a join request to the acting actor's guild.
pub async fn decide_join_request(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor_id: Uuid,
    request_id: Uuid,
    approve: bool,
) -> Result<Committed<join_request::Model>, GuildError> {
    let txn = begin_write(db).await?;
    let acting = act(&txn, viewer, actor_id).await?;
    acting.require(Permission::ManageJoinRequests)?;
    let request = join_request::Entity::find_by_id(request_id)
        .one(&txn)
        .await?
        .filter(|r| r.guild_id == acting.guild.id)
        .ok_or(KitError::NotFound("join request"))?;
    if request.status != PENDING {
        return Err(GuildError::JoinRequestNotPending);
    }
    let mut changes = Vec::new();
    if approve {
        changes.push(
            admit(
                &txn,
                &acting.guild,
                request.actor_id,
                request.user_id,
                "JOIN_REQUEST",
                viewer,
            )
            .await?,
        );
    }
    emit(
        &txn,
        "guild.join_request_decided",
        acting.guild.id,
        Some(viewer),
        json!({
            "requestId": request.id, "guildId": acting.guild.id, "guildName": acting.guild.name,
            "actorId": request.actor_id, "userId": request.user_id, "approved": approve, "byActorId": actor_id,
        }),
    )
    .await?;
    let mut decided: join_request::ActiveModel = request.into();
    decided.status = Set(if approve { "APPROVED" } else { "REJECTED" }.to_string());
    decided.pending_key = Set(None);
    decided.decided_at = Set(Some(Utc::now()));
    decided.decided_by = Set(Some(actor_id));
    let decided = decided.update(&txn).await?;
    txn.commit().await?;
    Ok(Committed {
        value: decided,
        changes,
    })
}

/// Removes a junior member from the acting actor's guild.
pub async fn kick(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor_id: Uuid,
    member_actor_id: Uuid,
) -> Result<Committed<()>, GuildError> {
    let txn = begin_write(db).await?;
    let acting = act(&txn, viewer, actor_id).await?;
    acting.require(Permission::Kick)?;
    let target = acting.junior(&txn, member_actor_id).await?;
    let change = remove_member(
        &txn,
        &acting.guild,
        &target.member,
        ChangeKind::Kicked,
        Some(actor_id),
        Some(viewer),
    )
    .await?;
    txn.commit().await?;
    Ok(Committed {
        value: (),
        changes: vec![change],
    })
}

/// The acting actor leaves its guild. A leader with members must transfer leadership
/// first; a leader alone disbands the guild by leaving.
pub async fn leave(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor_id: Uuid,
) -> Result<Committed<()>, GuildError> {
    let txn = begin_write(db).await?;
    let acting = act(&txn, viewer, actor_id).await?;
    let changes = if acting.me.standing().kind == RoleKind::Leader {
        if member_count(&txn, acting.guild.id).await? > 1 {
            return Err(GuildError::LeaderMustTransfer);
        }
        dissolve(&txn, &acting.guild, Some(actor_id), Some(viewer)).await?
    } else {
        vec![
            remove_member(
                &txn,
                &acting.guild,
                &acting.me.member,
                ChangeKind::Left,
                None,
                Some(viewer),
            )
            .await?,
        ]
    };
    txn.commit().await?;
    Ok(Committed { value: (), changes })
}

/// Makes another member the leader; the old leader becomes an officer.
pub async fn transfer_leadership(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor_id: Uuid,
    new_leader_actor_id: Uuid,
) -> Result<Committed<()>, GuildError> {
    let txn = begin_write(db).await?;
    let acting = act(&txn, viewer, actor_id).await?;
    acting.require_leader()?;
    let target = acting.junior(&txn, new_leader_actor_id).await?;
    let officer = role_of_kind(&txn, acting.guild.id, RoleKind::Officer).await?;
    let changes = vec![
        change_role(
            &txn,
            &acting.guild,
            &target.member,
            &acting.me.role,
            Some(actor_id),
            Some(viewer),
        )
        .await?,
        change_role(
            &txn,
            &acting.guild,
            &acting.me.member,
            &officer,
            Some(actor_id),
            Some(viewer),
        )
        .await?,
    ];
    txn.commit().await?;
    Ok(Committed { value: (), changes })
}

/// Disbands the acting actor's guild (leader only).
pub async fn disband(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor_id: Uuid,
) -> Result<Committed<()>, GuildError> {
    let txn = begin_write(db).await?;
    let acting = act(&txn, viewer, actor_id).await?;
    acting.require_leader()?;
    let changes = dissolve(&txn, &acting.guild, Some(actor_id), Some(viewer)).await?;
    txn.commit().await?;
    tracing::info!(guild_id = %acting.guild.id, %actor_id, "guild disbanded");
    Ok(Committed { value: (), changes })
}

/// Creates a custom role, junior to the acting member, with no permission the acting
/// member lacks.
pub async fn create_role(
    db: &DatabaseConnection,
    guild_rules: &GuildRules,
    viewer: &Viewer,
    actor_id: Uuid,
    name: &str,
    rank: i32,
    permissions: Permissions,
) -> Result<role::Model, GuildError> {
    let name = rules::validate_role_name(name).map_err(bad_input)?;
    let txn = begin_write(db).await?;
    let acting = act(&txn, viewer, actor_id).await?;
    acting.require(Permission::ManageRoles)?;
    let mine = acting.me.standing();
    if rank >= MEMBER_RANK || !mine.outranks(rank) {
        return Err(bad_input(format!(
            "custom roles rank between {} and {} (exclusive)",
            mine.rank, MEMBER_RANK
        )));
    }
    if !permissions.is_subset(&mine.effective()) {
        return Err(KitError::Forbidden("a role cannot grant permissions you lack").into());
    }
    let custom = role::Entity::find()
        .filter(role::Column::GuildId.eq(acting.guild.id))
        .filter(role::Column::Kind.eq(RoleKind::Custom.code()))
        .count(&txn)
        .await?;
    if custom >= guild_rules.max_custom_roles {
        return Err(GuildError::RoleLimitReached(guild_rules.max_custom_roles));
    }
    let created = role::ActiveModel {
        id: Set(Uuid::now_v7()),
        guild_id: Set(acting.guild.id),
        name: Set(name),
        kind: Set(RoleKind::Custom.code().to_string()),
        rank: Set(rank),
        permissions: Set(permissions.encode()),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await
    .map_err(unique_or(GuildError::RoleNameTaken))?;
    txn.commit().await?;
    Ok(created)
}

/// Gives a junior member a role junior to the acting member (never the leader's).
pub async fn set_member_role(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor_id: Uuid,
    member_actor_id: Uuid,
    role_id: Uuid,
) -> Result<Committed<()>, GuildError> {
    let txn = begin_write(db).await?;
    let acting = act(&txn, viewer, actor_id).await?;
    acting.require(Permission::ManageRoles)?;
    let target = acting.junior(&txn, member_actor_id).await?;
    let new_role = role::Entity::find_by_id(role_id)
        .one(&txn)
        .await?
        .filter(|r| r.guild_id == acting.guild.id)
        .ok_or(KitError::NotFound("role"))?;
    if !acting.me.standing().outranks(new_role.rank) {
        return Err(GuildError::Outranked);
    }
    let change = change_role(
        &txn,
        &acting.guild,
        &target.member,
        &new_role,
        Some(actor_id),
        Some(viewer),
    )
    .await?;
    txn.commit().await?;
    Ok(Committed {
        value: (),
        changes: vec![change],
    })
}

/// Changes the description and/or join policy.
pub async fn update_guild(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor_id: Uuid,
    description: Option<&str>,
    policy: Option<JoinPolicy>,
) -> Result<guild::Model, GuildError> {
    let description = description
        .map(rules::validate_note)
        .transpose()
        .map_err(bad_input)?;
    let txn = begin_write(db).await?;
    let acting = act(&txn, viewer, actor_id).await?;
    acting.require(Permission::EditGuild)?;
    let mut updated: guild::ActiveModel = acting.guild.into();
    if let Some(description) = description {
        updated.description = Set(description);
    }
    if let Some(policy) = policy {
        updated.join_policy = Set(policy.code().to_string());
    }
    let updated = updated.update(&txn).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Reacts to an actor's deletion: its membership ends (a leader's guild passes to the
/// most senior remaining member, or is disbanded when none remain) and what it had
/// pending is closed. Runs inside the consumer's transaction.
pub async fn forget_actor(
    txn: &DatabaseTransaction,
    actor_id: Uuid,
) -> Result<Vec<MemberChange>, GuildError> {
    close_pending(
        txn,
        Condition::all().add(invitation::Column::InviteeActorId.eq(actor_id)),
        Condition::all().add(join_request::Column::ActorId.eq(actor_id)),
    )
    .await?;
    let Some(first) = membership(txn, actor_id).await? else {
        return Ok(Vec::new());
    };
    let guild = lock_guild(txn, first.member.guild_id).await?;
    let Some(gone) = membership(txn, actor_id).await? else {
        return Ok(Vec::new());
    };
    if gone.standing().kind != RoleKind::Leader {
        return Ok(vec![
            remove_member(
                txn,
                &guild,
                &gone.member,
                ChangeKind::ActorDeleted,
                None,
                None,
            )
            .await?,
        ]);
    }
    let successor = members_by_seniority(txn, guild.id)
        .await?
        .into_iter()
        .find(|m| m.member.actor_id != actor_id);
    match successor {
        None => dissolve(txn, &guild, None, None).await,
        Some(successor) => {
            let promoted =
                change_role(txn, &guild, &successor.member, &gone.role, None, None).await?;
            let removed = remove_member(
                txn,
                &guild,
                &gone.member,
                ChangeKind::ActorDeleted,
                None,
                None,
            )
            .await?;
            Ok(vec![promoted, removed])
        }
    }
}

/// Members of a guild, most senior first (rank, then joining time).
pub async fn members_by_seniority(
    db: &impl ConnectionTrait,
    guild_id: Uuid,
) -> Result<Vec<Membership>, GuildError> {
    let members = member::Entity::find()
        .filter(member::Column::GuildId.eq(guild_id))
        .all(db)
        .await?;
    let roles: HashMap<Uuid, role::Model> = role::Entity::find()
        .filter(role::Column::GuildId.eq(guild_id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let mut listed: Vec<Membership> = members
        .into_iter()
        .filter_map(|member| {
            let role = roles.get(&member.role_id)?.clone();
            Some(Membership { member, role })
        })
        .collect();
    listed.sort_by(|a, b| {
        (a.role.rank, a.member.joined_at, a.member.actor_id).cmp(&(
            b.role.rank,
            b.member.joined_at,
            b.member.actor_id,
        ))
    });
    Ok(listed)
}

/// Memberships (with roles) of the given actors.
pub async fn memberships_by_actor_ids(
    db: &DatabaseConnection,
    actor_ids: &[Uuid],
) -> Result<HashMap<Uuid, Membership>, KitError> {
    let members = member::Entity::find()
        .filter(member::Column::ActorId.is_in(actor_ids.iter().copied()))
        .all(db)
        .await?;
    let role_ids: Vec<Uuid> = members.iter().map(|m| m.role_id).collect();
    let roles: HashMap<Uuid, role::Model> = role::Entity::find()
        .filter(role::Column::Id.is_in(role_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    Ok(members
        .into_iter()
        .filter_map(|member| {
            let role = roles.get(&member.role_id)?.clone();
            Some((member.actor_id, Membership { member, role }))
        })
        .collect())
}

/// Guilds by id.
pub async fn guilds_by_ids(
    db: &DatabaseConnection,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, guild::Model>, KitError> {
    Ok(guild::Entity::find()
        .filter(guild::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|g| (g.id, g))
        .collect())
}

/// Member counts of guilds.
pub async fn member_counts(
    db: &DatabaseConnection,
    guild_ids: &[Uuid],
) -> Result<HashMap<Uuid, i64>, KitError> {
    let rows: Vec<(Uuid, i64)> = member::Entity::find()
        .select_only()
        .column(member::Column::GuildId)
        .column_as(member::Column::ActorId.count(), "members")
        .filter(member::Column::GuildId.is_in(guild_ids.iter().copied()))
        .group_by(member::Column::GuildId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Roles of a guild, most senior first.
pub async fn roles_of(
    db: &DatabaseConnection,
    guild_id: Uuid,
) -> Result<Vec<role::Model>, KitError> {
    Ok(role::Entity::find()
        .filter(role::Column::GuildId.eq(guild_id))
        .order_by_asc(role::Column::Rank)
        .order_by_asc(role::Column::Name)
        .all(db)
        .await?)
}

/// Guilds whose name contains `search` (case-insensitive), oldest first, after `after`.
pub async fn list_guilds(
    db: &DatabaseConnection,
    search: Option<&str>,
    after: Option<Cursor>,
    limit: u64,
) -> Result<Vec<guild::Model>, KitError> {
    let mut query = guild::Entity::find();
    if let Some(search) = search.map(str::trim).filter(|s| !s.is_empty()) {
        query = query.filter(guild::Column::NameKey.contains(search.to_lowercase()));
    }
    if let Some(after) = after {
        query = query.filter(after.condition(
            guild::Column::CreatedAt,
            guild::Column::Id,
            Side::After,
        )?);
    }
    Ok(query
        .order_by_asc(guild::Column::CreatedAt)
        .order_by_asc(guild::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// Pending invitations of the viewer's actors, newest first.
pub async fn invitations_for(
    db: &DatabaseConnection,
    viewer: &Viewer,
) -> Result<Vec<invitation::Model>, KitError> {
    Ok(invitation::Entity::find()
        .filter(invitation::Column::InviteeUserId.eq(viewer.user_id))
        .filter(invitation::Column::Status.eq(PENDING))
        .filter(invitation::Column::ExpiresAt.gt(Utc::now()))
        .order_by_desc(invitation::Column::CreatedAt)
        .all(db)
        .await?)
}

/// Whether one of the viewer's actors in `guild_id` holds `permission` (or, with
/// `None`, is a member at all).
pub async fn viewer_may(
    db: &DatabaseConnection,
    viewer: &Viewer,
    guild_id: Uuid,
    permission: Option<Permission>,
) -> Result<bool, KitError> {
    let members = member::Entity::find()
        .filter(member::Column::GuildId.eq(guild_id))
        .filter(member::Column::UserId.eq(viewer.user_id))
        .all(db)
        .await?;
    let Some(permission) = permission else {
        return Ok(!members.is_empty());
    };
    let role_ids: Vec<Uuid> = members.iter().map(|m| m.role_id).collect();
    let roles = role::Entity::find()
        .filter(role::Column::Id.is_in(role_ids))
        .all(db)
        .await?;
    Ok(roles.iter().any(|r| standing(r).can(permission)))
}

/// Pending invitations of a guild, newest first.
pub async fn pending_invitations(
    db: &DatabaseConnection,
    guild_id: Uuid,
) -> Result<Vec<invitation::Model>, KitError> {
    Ok(invitation::Entity::find()
        .filter(invitation::Column::GuildId.eq(guild_id))
        .filter(invitation::Column::Status.eq(PENDING))
        .order_by_desc(invitation::Column::CreatedAt)
        .all(db)
        .await?)
}

/// Pending join requests of a guild, oldest first.
pub async fn pending_join_requests(
    db: &DatabaseConnection,
    guild_id: Uuid,
) -> Result<Vec<join_request::Model>, KitError> {
    Ok(join_request::Entity::find()
        .filter(join_request::Column::GuildId.eq(guild_id))
        .filter(join_request::Column::Status.eq(PENDING))
        .order_by_asc(join_request::Column::CreatedAt)
        .all(db)
        .await?)
}

/// Moves a territory to `guild_id`'s list (off every list when nobody holds it), as
/// world announced; an older announcement never overwrites a newer one.
pub async fn territory_changed(
    txn: &DatabaseTransaction,
    territory_id: Uuid,
    guild_id: Option<Uuid>,
    zone_id: &str,
    name: &str,
    at: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    let held = territory::Entity::find_by_id(territory_id).one(txn).await?;
    if held.as_ref().is_some_and(|row| row.acquired_at > at) {
        return Ok(());
    }
    territory::Entity::delete_by_id(territory_id)
        .exec(txn)
        .await?;
    if let Some(guild_id) = guild_id {
        territory::ActiveModel {
            territory_id: Set(territory_id),
            guild_id: Set(guild_id),
            zone_id: Set(zone_id.to_string()),
            name: Set(name.to_string()),
            acquired_at: Set(at),
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// The territories each guild holds, oldest first.
pub async fn territories_of(
    db: &impl ConnectionTrait,
    guild_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<territory::Model>>, KitError> {
    let rows = territory::Entity::find()
        .filter(territory::Column::GuildId.is_in(guild_ids.iter().copied()))
        .order_by_asc(territory::Column::AcquiredAt)
        .all(db)
        .await?;
    let mut grouped: HashMap<Uuid, Vec<territory::Model>> = HashMap::new();
    for row in rows {
        grouped.entry(row.guild_id).or_default().push(row);
    }
    Ok(grouped)
}
