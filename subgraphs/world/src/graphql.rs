//! The federated schema of the world service: extends `Actor` with `position` and
//! `zone`; owns `Zone`, `Territory` (an entity) and `Structure`; references guild's
//! `Guild`. Internal fields (`castEnvironment`, `damageStructure`, `voidStructureCast`)
//! serve chaos's skill casts and are hidden from the router.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{
    Context, InputObject, MergedObject, Object, Schema, SimpleObject, Subscription, ID,
};
use chrono::{DateTime, TimeZone, Utc};
use futures_util::{Stream, StreamExt};
use subgraph_kit::dataloader::{load_failed, loader, LoadError};
use subgraph_kit::error::ApiError;
use subgraph_kit::peer::require_internal;
use subgraph_kit::sdl::authenticated;
use subgraph_kit::{parse_id, ApiResult, ContextAuthExt, KitError};
use uuid::Uuid;

use entities::world::{structure, territory, world_zone};

use crate::error::WorldError;
use crate::service::{self, CastTarget, NewStructure, Placement, TerritoryChanged, World};
use crate::zones::{self, Weather};

/// The executable world schema.
pub type WorldSchema = Schema<Query, Mutation, Subscription>;

/// Builds the schema; `world` is `None` only for exporting the SDL.
pub fn schema(world: Option<Arc<World>>) -> WorldSchema {
    subgraph_kit::server::federated_schema(Query, Mutation::default(), Subscription, world)
}

fn world<'a>(ctx: &Context<'a>) -> &'a World {
    ctx.data_unchecked::<Arc<World>>()
}

/// Adds fresh loaders to a request's data.
pub fn attach_loaders(data: &mut async_graphql::Data, world: &Arc<World>) {
    data.insert(DataLoader::new(Placements(world.clone()), tokio::spawn));
    data.insert(DataLoader::new(StructuresOf(world.clone()), tokio::spawn));
}

/// Where each actor stands, so N actors' positions are one query.
pub struct Placements(Arc<World>);

impl Loader<Uuid> for Placements {
    type Value = Placement;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Placement>, LoadError> {
        self.0
            .placements(keys)
            .await
            .map_err(|err| Arc::new(KitError::Internal(err.to_string())))
    }
}

/// Each territory's structures, so N territories are one query.
pub struct StructuresOf(Arc<World>);

impl Loader<Uuid> for StructuresOf {
    type Value = Vec<structure::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, LoadError> {
        self.0
            .structures_of(keys)
            .await
            .map_err(|err| Arc::new(KitError::Internal(err.to_string())))
    }
}

fn at(ms: i64) -> Option<DateTime<Utc>> {
    Utc.timestamp_millis_opt(ms).single()
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// `Actor` as world extends it (owned by chaos).
pub struct ActorRef {
    id: Uuid,
}

#[Object(name = "Actor")]
impl ActorRef {
    /// Actor id.
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    /// Where the actor stands (the spawn zone's centre until it first moves).
    async fn position(&self, ctx: &Context<'_>) -> ApiResult<Position> {
        Ok(Position(placement(ctx, self.id).await?))
    }

    /// The zone the actor is in.
    async fn zone(&self, ctx: &Context<'_>) -> ApiResult<Zone> {
        let placed = placement(ctx, self.id).await?;
        Ok(Zone(world(ctx).zone(&placed.zone_id).await?))
    }
}

async fn placement(ctx: &Context<'_>, actor_id: Uuid) -> ApiResult<Placement> {
    Ok(loader::<Placements>(ctx)?
        .load_one(actor_id)
        .await
        .map_err(load_failed)?
        .ok_or(KitError::NotFound("position"))?)
}

/// A place in a zone.
pub struct Position(Placement);

#[Object]
impl Position {
    /// The zone's id.
    async fn zone_id(&self) -> ID {
        ID(self.0.zone_id.clone())
    }
    /// x in world units (0 ≤ x ≤ the zone's width).
    async fn x(&self) -> f64 {
        self.0.x
    }
    /// y in world units (0 ≤ y ≤ the zone's height).
    async fn y(&self) -> f64 {
        self.0.y
    }
    /// When the actor arrived here; null at spawn.
    async fn moved_at(&self) -> Option<DateTime<Utc>> {
        self.0.moved_at_ms.and_then(at)
    }
}

/// A zone of the world and its environment now.
pub struct Zone(world_zone::Model);

#[Object]
impl Zone {
    /// Zone id (content's).
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Whether combat is forbidden here (a sanctuary).
    async fn no_combat(&self) -> bool {
        self.0.no_combat
    }
    /// Fastest allowed movement, in units per second.
    async fn max_speed(&self) -> f64 {
        self.0.max_speed
    }
    /// Extent along x.
    async fn width(&self) -> f64 {
        self.0.width
    }
    /// Extent along y.
    async fn height(&self) -> f64 {
        self.0.height
    }
    /// The weather now.
    async fn weather(&self) -> Weather {
        zones::weather_at(&self.0, now_ms()).0
    }
    /// When the weather next changes; null if it never does.
    async fn next_weather_change_at(&self) -> Option<DateTime<Utc>> {
        zones::weather_at(&self.0, now_ms()).1.and_then(at)
    }
    /// The territories in this zone.
    async fn territories(&self, ctx: &Context<'_>) -> ApiResult<Vec<Territory>> {
        Ok(world(ctx)
            .territories(Some(&self.0.id), None)
            .await?
            .into_iter()
            .map(Territory)
            .collect())
    }
}

/// A guild (owned by the guild service).
#[derive(SimpleObject)]
#[graphql(name = "Guild", unresolvable = "id")]
pub struct GuildRef {
    /// Guild id.
    id: ID,
}

fn guild(id: Option<Uuid>) -> Option<GuildRef> {
    id.map(|id| GuildRef {
        id: ID(id.to_string()),
    })
}

/// A territory: held by a guild until its structures fall.
pub struct Territory(territory::Model);

#[Object]
impl Territory {
    /// Territory id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The zone's id.
    async fn zone_id(&self) -> ID {
        ID(self.0.zone_id.clone())
    }
    /// The holding guild; null when nobody holds it.
    async fn owner_guild(&self) -> Option<GuildRef> {
        guild(self.0.owner_guild_id)
    }
    /// How many times it changed hands.
    async fn changes(&self) -> i32 {
        self.0.changes
    }
    /// When it last changed hands (or was founded).
    async fn changed_at(&self) -> DateTime<Utc> {
        self.0.changed_at
    }
    /// Its structures; destroying the last one standing takes the territory.
    async fn structures(&self, ctx: &Context<'_>) -> ApiResult<Vec<Structure>> {
        Ok(loader::<StructuresOf>(ctx)?
            .load_one(self.0.id)
            .await
            .map_err(load_failed)?
            .unwrap_or_default()
            .into_iter()
            .map(Structure)
            .collect())
    }
}

/// A destructible structure.
pub struct Structure(structure::Model);

#[Object]
impl Structure {
    /// Structure id (a cast's `target.structureId`).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Hit points now.
    async fn hp(&self) -> i32 {
        self.0.hp
    }
    /// Hit points when whole.
    async fn max_hp(&self) -> i32 {
        self.0.max_hp
    }
    /// Damage mitigation.
    async fn defense(&self) -> i32 {
        self.0.defense
    }
    /// x in world units.
    async fn x(&self) -> f64 {
        self.0.x
    }
    /// y in world units.
    async fn y(&self) -> f64 {
        self.0.y
    }
    /// Whether it is destroyed.
    async fn destroyed(&self) -> bool {
        self.0.hp == 0
    }
}

/// The environment of a cast (internal: chaos asks it).
#[derive(SimpleObject)]
pub struct CastEnvironment {
    /// The caster's zone.
    zone_id: ID,
    /// The weather there now.
    weather: Weather,
    /// Whether the zone forbids combat.
    no_combat: bool,
    /// Whether the target is in the caster's zone.
    same_zone: bool,
    /// Distance to the target (0 when in another zone).
    distance: f64,
    /// A structure target's defense.
    target_defense: Option<i32>,
    /// Whether a structure target is already destroyed.
    target_destroyed: bool,
}

impl From<service::CastEnvironment> for CastEnvironment {
    fn from(env: service::CastEnvironment) -> Self {
        CastEnvironment {
            zone_id: ID(env.zone_id),
            weather: env.weather,
            no_combat: env.no_combat,
            same_zone: env.same_zone,
            distance: env.distance,
            target_defense: env.target_defense,
            target_destroyed: env.target_destroyed,
        }
    }
}

/// A cast's hit on a structure (internal: chaos asks for it).
#[derive(SimpleObject)]
pub struct StructureHit {
    /// The structure.
    structure_id: ID,
    /// Its territory.
    territory_id: ID,
    /// Damage dealt.
    amount: i32,
    /// Hit points after.
    hp_after: i32,
    /// Whether it was destroyed.
    destroyed: bool,
    /// Whether the territory changed hands.
    transferred: bool,
    /// The territory's holder after the hit.
    owner_guild_id: Option<ID>,
}

impl From<service::Hit> for StructureHit {
    fn from(hit: service::Hit) -> Self {
        StructureHit {
            structure_id: ID(hit.structure_id.to_string()),
            territory_id: ID(hit.territory_id.to_string()),
            amount: hit.amount,
            hp_after: hit.hp_after,
            destroyed: hit.destroyed,
            transferred: hit.transferred,
            owner_guild_id: hit.owner_guild_id.map(|id| ID(id.to_string())),
        }
    }
}

/// A structure to build with a new territory.
#[derive(InputObject)]
pub struct StructureInput {
    /// Display name.
    name: String,
    /// Hit points.
    max_hp: i32,
    /// Damage mitigation.
    #[graphql(default)]
    defense: i32,
    /// x in world units.
    x: f64,
    /// y in world units.
    y: f64,
}

/// A new territory.
#[derive(InputObject)]
pub struct TerritoryInput {
    /// The zone.
    zone_id: ID,
    /// Display name.
    name: String,
    /// The guild holding it from the start, if any.
    owner_guild_id: Option<ID>,
    /// Its structures (at least one).
    structures: Vec<StructureInput>,
}

/// Read-side of the world.
pub struct Query;

#[Object]
impl Query {
    /// Every zone.
    async fn zones(&self, ctx: &Context<'_>) -> ApiResult<Vec<Zone>> {
        Ok(world(ctx).zones().await?.into_iter().map(Zone).collect())
    }

    /// A zone by id.
    async fn zone(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Zone>> {
        match world(ctx).zone(&id).await {
            Ok(zone) => Ok(Some(Zone(zone))),
            Err(WorldError::UnknownZone(_)) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    /// Territories, optionally of one zone or held by one guild.
    async fn territories(
        &self,
        ctx: &Context<'_>,
        zone_id: Option<ID>,
        guild_id: Option<ID>,
    ) -> ApiResult<Vec<Territory>> {
        let guild_id = guild_id.as_ref().map(parse_id).transpose()?;
        Ok(world(ctx)
            .territories(zone_id.as_ref().map(|zone| zone.as_str()), guild_id)
            .await?
            .into_iter()
            .map(Territory)
            .collect())
    }

    /// The environment of a cast from `casterId` at one target (internal: chaos).
    #[graphql(inaccessible)]
    async fn cast_environment(
        &self,
        ctx: &Context<'_>,
        caster_id: ID,
        target_actor_id: Option<ID>,
        target_structure_id: Option<ID>,
    ) -> ApiResult<CastEnvironment> {
        require_internal(ctx)?;
        let target = cast_target(target_actor_id.as_ref(), target_structure_id.as_ref())?;
        Ok(world(ctx)
            .cast_environment(parse_id(&caster_id)?, target)
            .await?
            .into())
    }

    /// Resolves `Actor` references to add `position` and `zone`.
    #[graphql(entity)]
    async fn find_actor_by_id(&self, id: ID) -> ApiResult<ActorRef> {
        Ok(ActorRef { id: parse_id(&id)? })
    }

    /// Resolves `Territory` references.
    #[graphql(entity)]
    async fn find_territory_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> ApiResult<Option<Territory>> {
        let id = parse_id(&id)?;
        Ok(world(ctx)
            .territories_by_ids(&[id])
            .await?
            .into_iter()
            .next()
            .map(Territory))
    }
}

fn cast_target(actor: Option<&ID>, structure: Option<&ID>) -> Result<CastTarget, KitError> {
    match (actor, structure) {
        (Some(actor), None) => Ok(CastTarget::Actor(parse_id(actor)?)),
        (None, Some(structure)) => Ok(CastTarget::Structure(parse_id(structure)?)),
        _ => Err(KitError::BadUserInput(
            "name exactly one target: an actor or a structure".into(),
        )),
    }
}

/// Every mutation of the world service.
#[derive(MergedObject, Default)]
pub struct Mutation(PlayerMutation, AdminMutation, InternalMutation);

/// What players do.
#[derive(Default)]
pub struct PlayerMutation;

#[Object]
impl PlayerMutation {
    /// Moves the signed-in player's actor within its zone. Faster than the zone's max
    /// speed → `SPEED_LIMIT_EXCEEDED` (the actor stays; anti-cheat hears of it);
    /// outside the zone → `OUT_OF_BOUNDS`.
    #[graphql(directive = authenticated::apply())]
    async fn move_actor(
        &self,
        ctx: &Context<'_>,
        actor_id: ID,
        x: f64,
        y: f64,
    ) -> ApiResult<Position> {
        let viewer = ctx.viewer()?;
        Ok(Position(
            world(ctx)
                .move_actor(viewer, parse_id(&actor_id)?, x, y)
                .await?,
        ))
    }

    /// Takes the signed-in player's actor to a zone's centre.
    #[graphql(directive = authenticated::apply())]
    async fn enter_zone(
        &self,
        ctx: &Context<'_>,
        actor_id: ID,
        zone_id: ID,
    ) -> ApiResult<Position> {
        let viewer = ctx.viewer()?;
        Ok(Position(
            world(ctx)
                .enter_zone(viewer, parse_id(&actor_id)?, &zone_id)
                .await?,
        ))
    }
}

/// Game-master tools.
#[derive(Default)]
pub struct AdminMutation;

#[Object]
impl AdminMutation {
    /// Puts any actor anywhere.
    #[graphql(requires_scopes = "admin")]
    async fn place_actor(
        &self,
        ctx: &Context<'_>,
        actor_id: ID,
        zone_id: ID,
        x: f64,
        y: f64,
    ) -> ApiResult<Position> {
        let viewer = ctx.viewer()?;
        Ok(Position(
            world(ctx)
                .place_actor(viewer, parse_id(&actor_id)?, &zone_id, x, y)
                .await?,
        ))
    }

    /// Founds a territory with its structures.
    #[graphql(requires_scopes = "admin")]
    async fn create_territory(
        &self,
        ctx: &Context<'_>,
        input: TerritoryInput,
    ) -> ApiResult<Territory> {
        let viewer = ctx.viewer()?;
        let owner = input.owner_guild_id.as_ref().map(parse_id).transpose()?;
        let structures = input
            .structures
            .into_iter()
            .map(|s| NewStructure {
                name: s.name,
                max_hp: s.max_hp,
                defense: s.defense,
                x: s.x,
                y: s.y,
            })
            .collect();
        Ok(Territory(
            world(ctx)
                .create_territory(viewer, &input.zone_id, &input.name, owner, structures)
                .await?,
        ))
    }
}

/// Calls from chaos during a skill cast.
#[derive(Default)]
pub struct InternalMutation;

#[Object]
impl InternalMutation {
    /// Lands a cast's hit on a structure, once per `castId`.
    #[graphql(inaccessible)]
    async fn damage_structure(
        &self,
        ctx: &Context<'_>,
        cast_id: ID,
        structure_id: ID,
        attacker_actor_id: ID,
        attacker_user_id: ID,
        amount: i32,
    ) -> ApiResult<StructureHit> {
        require_internal(ctx)?;
        Ok(world(ctx)
            .damage_structure(
                parse_id(&cast_id)?,
                parse_id(&structure_id)?,
                parse_id(&attacker_actor_id)?,
                parse_id(&attacker_user_id)?,
                amount,
            )
            .await?
            .into())
    }

    /// Gives a cast up; `true` if its hit had already landed.
    #[graphql(inaccessible)]
    async fn void_structure_cast(
        &self,
        ctx: &Context<'_>,
        cast_id: ID,
        structure_id: ID,
    ) -> ApiResult<bool> {
        require_internal(ctx)?;
        Ok(world(ctx)
            .void_cast(parse_id(&cast_id)?, parse_id(&structure_id)?)
            .await?)
    }
}

/// A territory changing hands.
pub struct TerritoryChange(TerritoryChanged);

#[Object]
impl TerritoryChange {
    /// The territory, as it is now.
    async fn territory(&self, ctx: &Context<'_>) -> ApiResult<Option<Territory>> {
        Ok(world(ctx)
            .territories_by_ids(&[self.0.territory_id])
            .await?
            .into_iter()
            .next()
            .map(Territory))
    }
    /// The guild that lost it.
    async fn previous_guild(&self) -> Option<GuildRef> {
        guild(self.0.previous_guild_id)
    }
    /// The guild holding it now (null: nobody).
    async fn guild(&self) -> Option<GuildRef> {
        guild(self.0.guild_id)
    }
    /// The cast that took it.
    async fn cast_id(&self) -> ID {
        ID(self.0.cast_id.to_string())
    }
    /// When.
    async fn changed_at(&self) -> Option<DateTime<Utc>> {
        at(self.0.at_ms)
    }
}

/// Live world updates.
pub struct Subscription;

#[Subscription]
impl Subscription {
    /// Every territory changing hands, optionally in one zone.
    #[graphql(directive = authenticated::apply())]
    async fn territory_changed(
        &self,
        ctx: &Context<'_>,
        zone_id: Option<ID>,
    ) -> Result<impl Stream<Item = TerritoryChange>, ApiError> {
        ctx.viewer()?;
        let topic = match &zone_id {
            Some(zone) => format!("{}:{}", service::TERRITORY_TOPIC, zone.as_str()),
            None => service::TERRITORY_TOPIC.to_string(),
        };
        Ok(world(ctx).pubsub.subscribe(&topic).filter_map(|message| {
            let decoded = serde_json::from_str::<TerritoryChanged>(&message);
            if let Err(err) = &decoded {
                tracing::warn!(cause = %err, "unreadable territory change skipped");
            }
            std::future::ready(decoded.ok().map(TerritoryChange))
        }))
    }
}
