//! The federated schema of the chaos backend. Resolvers are thin: they authorize with
//! the viewer, load through DataLoaders and call [`crate::service`].

use std::sync::Arc;

use actor_core::{total_experience_for_level, Class, MAX_LEVEL};
use async_graphql::{
    Context, Enum, InputObject, Json, MergedObject, Object, Schema, SimpleObject, Subscription, ID,
};
use chrono::{DateTime, TimeZone, Utc};
use futures_util::stream::{Stream, StreamExt};
use sea_orm::DatabaseConnection;
use subgraph_kit::dataloader::{load_failed, loader};
use subgraph_kit::error::ApiError;
use subgraph_kit::events::outbox::OutboxSignal;
use subgraph_kit::peer::require_internal;
use subgraph_kit::pubsub::PubSub;
use subgraph_kit::sdl::authenticated;
use subgraph_kit::{parse_id, ApiResult, ContextAuthExt, KitError};
use uuid::Uuid;

use entities::chaos::{actor, actor_skill, skill_definition};

use crate::casting::{self, Target};
use crate::items::{self, EquipmentSet, ItemUse};
use crate::loaders::{ActorsById, ActorsByUser, LoadoutByActor, SkillsByActor};
use crate::service::{self, now_ms, Loadout};
use crate::settings::ChaosSettings;

/// The executable chaos schema.
pub type ChaosSchema = Schema<Query, Mutation, Subscription>;

/// What resolvers need, stored in the schema's data.
pub struct Deps {
    /// The chaos database.
    pub db: DatabaseConnection,
    /// Live fan-out of actor changes.
    pub pubsub: Arc<dyn PubSub>,
    /// Wakes the outbox relay after a command commits events.
    pub outbox: OutboxSignal,
    /// Service settings.
    pub settings: Arc<ChaosSettings>,
    /// The services skill casts ask.
    pub cast_peers: Arc<casting::CastPeers>,
}

/// Builds the schema; `deps` is `None` only for exporting the SDL.
pub fn schema(deps: Option<Deps>) -> ChaosSchema {
    subgraph_kit::server::federated_schema(Query, Mutation::default(), Subscription, deps)
}

fn deps<'a>(ctx: &Context<'a>) -> &'a Deps {
    ctx.data_unchecked::<Deps>()
}

/// A playable class.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "actor_core::Class")]
pub enum ActorClass {
    /// Melee tank.
    Warrior,
    /// Fire and ice caster.
    Mage,
    /// Ranged physical damage.
    Ranger,
    /// Healer.
    Cleric,
}

/// The five primary attributes.
#[derive(SimpleObject)]
pub struct BaseStats {
    strength: u32,
    intelligence: u32,
    dexterity: u32,
    vitality: u32,
    wisdom: u32,
}

impl From<actor_core::BaseStats> for BaseStats {
    fn from(s: actor_core::BaseStats) -> Self {
        BaseStats {
            strength: s.strength,
            intelligence: s.intelligence,
            dexterity: s.dexterity,
            vitality: s.vitality,
            wisdom: s.wisdom,
        }
    }
}

/// Combat numbers derived from base stats and level.
#[derive(SimpleObject)]
pub struct DerivedStats {
    max_hp: u32,
    max_mp: u32,
    max_stamina: u32,
    attack_power: u32,
    spell_power: u32,
    defense: u32,
    /// 0.0..=0.5.
    crit_chance: f64,
}

/// Base and derived stats of an actor (equipment included).
#[derive(SimpleObject)]
pub struct ActorStats {
    base: BaseStats,
    derived: DerivedStats,
}

/// A resource pool as of the moment of the query; regeneration is computed from the
/// last change, so two reads a second apart may differ.
#[derive(SimpleObject)]
pub struct ResourceValue {
    current: u32,
    max: u32,
    regen_per_second: f64,
}

impl ResourceValue {
    fn of(pool: &actor_core::ResourcePool, now: i64) -> Self {
        ResourceValue {
            current: pool.current_at(now),
            max: pool.max(),
            regen_per_second: pool.regen_per_sec(),
        }
    }
}

/// HP, MP and stamina.
#[derive(SimpleObject)]
pub struct Resources {
    hp: ResourceValue,
    mp: ResourceValue,
    stamina: ResourceValue,
}

/// A skill definition.
pub struct Skill(skill_definition::Model);

#[Object]
impl Skill {
    /// Stable id, e.g. `fireball`.
    async fn id(&self) -> &str {
        &self.0.id
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Class that may learn it.
    async fn class(&self) -> Option<ActorClass> {
        Class::from_code(&self.0.class).map(Into::into)
    }
    /// Level needed to learn it.
    async fn unlock_level(&self) -> i32 {
        self.0.unlock_level
    }
    /// Damage element (`FIRE`, `ICE`, …).
    async fn element(&self) -> &str {
        &self.0.element
    }
    /// MP per cast.
    async fn mp_cost(&self) -> i32 {
        self.0.mp_cost
    }
    /// Cooldown in milliseconds.
    async fn cooldown_ms(&self) -> i64 {
        self.0.cooldown_ms
    }
    /// Range in world units.
    async fn range(&self) -> f64 {
        self.0.range
    }
    /// Flat damage.
    async fn base_damage(&self) -> i32 {
        self.0.base_damage
    }
    /// Damage per point of attack or spell power.
    async fn power_ratio(&self) -> f64 {
        self.0.power_ratio
    }
    /// Item consumed per cast, if any.
    async fn reagent_item_id(&self) -> Option<&str> {
        self.0.reagent_item.as_deref()
    }
    /// Player-facing description.
    async fn description(&self) -> &str {
        &self.0.description
    }
}

/// A skill an actor knows.
pub struct LearnedSkill {
    learned: actor_skill::Model,
    definition: skill_definition::Model,
}

#[Object]
impl LearnedSkill {
    /// The skill.
    async fn skill(&self) -> Skill {
        Skill(self.definition.clone())
    }
    /// When it was learned.
    async fn learned_at(&self) -> DateTime<Utc> {
        self.learned.learned_at
    }
    /// When it can be cast again; null when ready now.
    async fn cooldown_ends_at(&self) -> Option<DateTime<Utc>> {
        let ready_at = self.learned.last_cast_at_ms? + self.definition.cooldown_ms;
        (ready_at > now_ms())
            .then(|| DateTime::from_timestamp_millis(ready_at))
            .flatten()
    }
}

/// An equipment slot.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum EquipSlot {
    Head,
    Chest,
    Legs,
    Feet,
    Hands,
    MainHand,
    OffHand,
    Ring,
    Amulet,
}

impl EquipSlot {
    /// Whether `code` names a slot (`MAIN_HAND`, …).
    pub fn is_code(code: &str) -> bool {
        Self::ALL.iter().any(|slot| slot.code() == code)
    }

    const ALL: [EquipSlot; 9] = [
        EquipSlot::Head,
        EquipSlot::Chest,
        EquipSlot::Legs,
        EquipSlot::Feet,
        EquipSlot::Hands,
        EquipSlot::MainHand,
        EquipSlot::OffHand,
        EquipSlot::Ring,
        EquipSlot::Amulet,
    ];

    fn code(self) -> &'static str {
        match self {
            EquipSlot::Head => "HEAD",
            EquipSlot::Chest => "CHEST",
            EquipSlot::Legs => "LEGS",
            EquipSlot::Feet => "FEET",
            EquipSlot::Hands => "HANDS",
            EquipSlot::MainHand => "MAIN_HAND",
            EquipSlot::OffHand => "OFF_HAND",
            EquipSlot::Ring => "RING",
            EquipSlot::Amulet => "AMULET",
        }
    }
}

/// One equipment slot and what occupies it.
#[derive(SimpleObject)]
pub struct EquipmentSlot {
    slot: EquipSlot,
    /// The equipped item instance (inventory), null when empty.
    item_instance_id: Option<ID>,
    /// The item's definition id (content), null when empty.
    item_definition_id: Option<String>,
}

/// A class and its stat curve.
#[derive(SimpleObject)]
pub struct ClassInfo {
    class: ActorClass,
    starting_stats: BaseStats,
    growth_per_level: BaseStats,
}

/// A player character (federated entity owned by this subgraph).
pub struct Actor(actor::Model);

impl Actor {
    async fn loadout(&self, ctx: &Context<'_>) -> ApiResult<Loadout> {
        Ok(loader::<LoadoutByActor>(ctx)?
            .load_one(self.0.id)
            .await
            .map_err(load_failed)?
            .unwrap_or_default())
    }
}

#[Object]
impl Actor {
    /// Actor id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Display name (unique, case-insensitive).
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Class.
    async fn class(&self) -> Option<ActorClass> {
        Class::from_code(&self.0.class).map(Into::into)
    }
    /// Level, 1..=60.
    async fn level(&self) -> i32 {
        self.0.level
    }
    /// Total experience.
    async fn experience(&self) -> i64 {
        self.0.experience
    }
    /// Total experience needed for the next level; null at the cap.
    async fn experience_for_next_level(&self) -> Option<i64> {
        let level = u32::try_from(self.0.level).ok()?;
        (level < MAX_LEVEL)
            .then(|| i64::try_from(total_experience_for_level(level + 1)).ok())
            .flatten()
    }
    /// The owning account (resolved by the users subgraph).
    async fn owner(&self) -> UserRef {
        UserRef { id: self.0.user_id }
    }
    /// Stats with equipment applied.
    async fn stats(&self, ctx: &Context<'_>) -> ApiResult<ActorStats> {
        let sheet = service::sheet(&self.0, &self.loadout(ctx).await?, now_ms());
        let d = sheet.derived;
        Ok(ActorStats {
            base: sheet.base.into(),
            derived: DerivedStats {
                max_hp: d.max_hp,
                max_mp: d.max_mp,
                max_stamina: d.max_stamina,
                attack_power: d.attack_power,
                spell_power: d.spell_power,
                defense: d.defense,
                crit_chance: d.crit_chance,
            },
        })
    }
    /// HP, MP and stamina now.
    async fn resources(&self, ctx: &Context<'_>) -> ApiResult<Resources> {
        let now = now_ms();
        let sheet = service::sheet(&self.0, &self.loadout(ctx).await?, now);
        Ok(Resources {
            hp: ResourceValue::of(&sheet.hp, now),
            mp: ResourceValue::of(&sheet.mp, now),
            stamina: ResourceValue::of(&sheet.stamina, now),
        })
    }
    /// Learned skills.
    async fn skills(&self, ctx: &Context<'_>) -> ApiResult<Vec<LearnedSkill>> {
        let rows = loader::<SkillsByActor>(ctx)?
            .load_one(self.0.id)
            .await
            .map_err(load_failed)?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .map(|(learned, definition)| LearnedSkill {
                learned,
                definition,
            })
            .collect())
    }
    /// Every equipment slot, empty ones included.
    async fn equipment(&self, ctx: &Context<'_>) -> ApiResult<Vec<EquipmentSlot>> {
        let rows = self.loadout(ctx).await?.equipment;
        Ok(EquipSlot::ALL
            .into_iter()
            .map(|slot| {
                let row = rows.iter().find(|row| row.slot == slot.code());
                EquipmentSlot {
                    slot,
                    item_instance_id: row.map(|row| ID(row.item_instance_id.to_string())),
                    item_definition_id: row.map(|row| row.item_definition_id.clone()),
                }
            })
            .collect())
    }
    /// Timed buffs running now (from used items), soonest to end first.
    async fn active_buffs(&self, ctx: &Context<'_>) -> ApiResult<Vec<ActiveBuff>> {
        let now = now_ms();
        let mut buffs: Vec<ActiveBuff> = self
            .loadout(ctx)
            .await?
            .buffs
            .into_iter()
            .filter(|buff| buff.expires_at_ms > now)
            .map(|buff| {
                let modifiers: actor_core::StatModifiers =
                    serde_json::from_value(buff.modifiers).unwrap_or_default();
                ActiveBuff {
                    item_definition_id: buff.item_definition_id,
                    expires_at: DateTime::from_timestamp_millis(buff.expires_at_ms)
                        .unwrap_or_default(),
                    strength: modifiers.strength,
                    intelligence: modifiers.intelligence,
                    dexterity: modifiers.dexterity,
                    vitality: modifiers.vitality,
                    wisdom: modifiers.wisdom,
                }
            })
            .collect();
        buffs.sort_by_key(|buff| buff.expires_at);
        Ok(buffs)
    }
    /// Creation time.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A timed buff from a used item, with the stat changes it makes.
#[derive(SimpleObject)]
pub struct ActiveBuff {
    /// The item that gave it (content id).
    item_definition_id: String,
    /// When it ends.
    expires_at: DateTime<Utc>,
    /// Change to strength.
    strength: i32,
    /// Change to intelligence.
    intelligence: i32,
    /// Change to dexterity.
    dexterity: i32,
    /// Change to vitality.
    vitality: i32,
    /// Change to wisdom.
    wisdom: i32,
}

/// `User` as this subgraph extends it: an account's actors.
pub struct UserRef {
    id: Uuid,
}

#[Object(name = "User")]
impl UserRef {
    /// Account id.
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }
    /// The account's actors, in slot order.
    async fn actors(&self, ctx: &Context<'_>) -> ApiResult<Vec<Actor>> {
        let rows = loader::<ActorsByUser>(ctx)?
            .load_one(self.id)
            .await
            .map_err(load_failed)?
            .unwrap_or_default();
        Ok(rows.into_iter().map(Actor).collect())
    }
}

/// The result of `grantExperience`.
pub struct ExperienceGrant(service::GrantOutcome);

#[Object]
impl ExperienceGrant {
    /// The actor after the grant.
    async fn actor(&self, ctx: &Context<'_>) -> ApiResult<Option<Actor>> {
        Ok(loader::<ActorsById>(ctx)?
            .load_one(self.0.grant.actor_id)
            .await
            .map_err(load_failed)?
            .map(Actor))
    }
    /// Experience granted.
    async fn amount(&self) -> i64 {
        self.0.grant.amount
    }
    /// Level before the grant.
    async fn level_before(&self) -> i32 {
        self.0.grant.level_before
    }
    /// Level after the grant.
    async fn level_after(&self) -> i32 {
        self.0.grant.level_after
    }
    /// Total experience after the grant.
    async fn experience_after(&self) -> i64 {
        self.0.grant.experience_after
    }
    /// True when this call replayed an earlier grant with the same idempotency key.
    async fn replayed(&self) -> bool {
        self.0.replayed
    }
}

/// Queries of the chaos backend.
pub struct Query;

#[Object]
impl Query {
    /// An actor by id.
    async fn actor(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Actor>> {
        let id = parse_id(&id)?;
        Ok(loader::<ActorsById>(ctx)?
            .load_one(id)
            .await
            .map_err(load_failed)?
            .map(Actor))
    }

    /// An actor by name (case-insensitive).
    async fn actor_by_name(&self, ctx: &Context<'_>, name: String) -> ApiResult<Option<Actor>> {
        Ok(service::actor_by_name(&deps(ctx).db, &name)
            .await?
            .map(Actor))
    }

    /// Every playable class and its stat curve.
    async fn classes(&self) -> Vec<ClassInfo> {
        Class::ALL
            .into_iter()
            .map(|class| ClassInfo {
                class: class.into(),
                starting_stats: class.starting_stats().into(),
                growth_per_level: class.growth_per_level().into(),
            })
            .collect()
    }

    /// The skill catalogue, optionally for one class.
    async fn skills(&self, ctx: &Context<'_>, class: Option<ActorClass>) -> ApiResult<Vec<Skill>> {
        let rows = service::skill_catalogue(&deps(ctx).db, class.map(Into::into)).await?;
        Ok(rows.into_iter().map(Skill).collect())
    }

    /// Resolves `Actor` references from other subgraphs.
    #[graphql(entity)]
    async fn find_actor_by_id(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Actor>> {
        let id = parse_id(&id)?;
        Ok(loader::<ActorsById>(ctx)?
            .load_one(id)
            .await
            .map_err(load_failed)?
            .map(Actor))
    }

    /// Resolves `User` references to add `actors`.
    #[graphql(entity)]
    async fn find_user_by_id(&self, id: ID) -> ApiResult<UserRef> {
        Ok(UserRef { id: parse_id(&id)? })
    }
}

/// Mutations of the chaos backend: the players' and admins', and the internal ones.
#[derive(MergedObject, Default)]
pub struct Mutation(PlayerMutation, AdminMutation, InternalMutation);

/// Mutations players and admins call through the router.
#[derive(Default)]
pub struct PlayerMutation;

#[Object]
impl PlayerMutation {
    /// Creates an actor for the signed-in account. Names are unique (case-insensitive).
    #[graphql(directive = authenticated::apply())]
    async fn create_actor(
        &self,
        ctx: &Context<'_>,
        name: String,
        class: ActorClass,
    ) -> ApiResult<Actor> {
        let viewer = ctx.viewer()?;
        let deps = deps(ctx);
        let actor =
            service::create_actor(&deps.db, &deps.settings.rules, viewer, &name, class.into())
                .await?;
        deps.outbox.committed();
        Ok(Actor(actor))
    }

    /// Teaches one of your actors a skill its class and level allow.
    #[graphql(directive = authenticated::apply())]
    async fn learn_skill(
        &self,
        ctx: &Context<'_>,
        actor_id: ID,
        skill_id: String,
    ) -> ApiResult<Actor> {
        let viewer = ctx.viewer()?;
        let actor =
            service::learn_skill(&deps(ctx).db, viewer, parse_id(&actor_id)?, &skill_id).await?;
        announce_actor_change(ctx, actor.id, Some(&actor)).await;
        Ok(Actor(actor))
    }

    /// Casts a skill from one of your actors. The server decides everything else: the
    /// cooldown (`ON_COOLDOWN`), MP (`INSUFFICIENT_MP`), the zone (`NO_COMBAT_ZONE`),
    /// range (`OUT_OF_RANGE`), reagent (`MISSING_REAGENT`), weather and damage. A step
    /// failing after MP was spent gives everything back (`CAST_FAILED` and the like).
    /// Replaying an `idempotencyKey` returns the first cast and deals no second hit.
    #[graphql(directive = authenticated::apply())]
    async fn cast_skill(
        &self,
        ctx: &Context<'_>,
        actor_id: ID,
        skill_id: String,
        target: CastTargetInput,
        idempotency_key: String,
    ) -> ApiResult<SkillCast> {
        let viewer = ctx.viewer()?;
        let target = match (&target.actor_id, &target.structure_id) {
            (Some(actor), None) => Target::Actor(parse_id(actor)?),
            (None, Some(structure)) => Target::Structure(parse_id(structure)?),
            _ => {
                return Err(KitError::BadUserInput(
                    "name exactly one target: actorId or structureId".into(),
                )
                .into())
            }
        };
        let deps = deps(ctx);
        let result = casting::cast_skill(
            &deps.db,
            &deps.cast_peers,
            viewer,
            parse_id(&actor_id)?,
            &skill_id,
            target,
            &idempotency_key,
        )
        .await;
        // Refusals and compensations record events too.
        deps.outbox.committed();
        let outcome = result?;
        for actor in &outcome.changed {
            announce_actor_change(ctx, actor.id, Some(actor)).await;
        }
        Ok(SkillCast(outcome))
    }

    /// Deletes one of your actors.
    #[graphql(directive = authenticated::apply())]
    async fn delete_actor(&self, ctx: &Context<'_>, actor_id: ID) -> ApiResult<bool> {
        let viewer = ctx.viewer()?;
        let actor_id = parse_id(&actor_id)?;
        service::delete_actor(&deps(ctx).db, viewer, actor_id).await?;
        deps(ctx).outbox.committed();
        announce_actor_change(ctx, actor_id, None).await;
        Ok(true)
    }

    /// Grants experience to any actor (admins only), applying level-ups. Replaying an
    /// `idempotencyKey` returns the first result and grants nothing more.
    #[graphql(requires_scopes = "admin")]
    async fn grant_experience(
        &self,
        ctx: &Context<'_>,
        actor_id: ID,
        amount: i64,
        idempotency_key: String,
    ) -> ApiResult<ExperienceGrant> {
        let viewer = ctx.viewer()?;
        let outcome = service::grant_experience(
            &deps(ctx).db,
            viewer,
            parse_id(&actor_id)?,
            amount,
            &idempotency_key,
        )
        .await?;
        if let Some(actor) = &outcome.updated_actor {
            deps(ctx).outbox.committed();
            announce_actor_change(ctx, actor.id, Some(actor)).await;
        }
        Ok(ExperienceGrant(outcome))
    }
}

/// Internal mutations: called by inventory only (the internal token), hidden from the
/// router's API with `@inaccessible`.
#[derive(Default)]
pub struct InternalMutation;

#[Object]
impl InternalMutation {
    /// Applies the effects of one item use (`ItemUse` JSON: useId, actorId,
    /// itemDefinitionId, effects); once per use id. Returns the actor as it is now.
    #[graphql(inaccessible)]
    async fn apply_item_use(&self, ctx: &Context<'_>, item_use: Json<ItemUse>) -> ApiResult<Actor> {
        require_internal(ctx)?;
        let (actor, applied) = items::use_item(&deps(ctx).db, &item_use).await?;
        if applied {
            deps(ctx).outbox.committed();
            announce_actor_change(ctx, actor.id, Some(&actor)).await;
        }
        Ok(Actor(actor))
    }

    /// Sets an actor's whole equipment (`EquipmentSet` JSON: actorId, version, slots);
    /// an older version than the stored one is ignored. Returns the actor as it is now.
    #[graphql(inaccessible)]
    async fn set_equipment(
        &self,
        ctx: &Context<'_>,
        equipment: Json<EquipmentSet>,
    ) -> ApiResult<Actor> {
        require_internal(ctx)?;
        let (actor, applied) = items::equip(&deps(ctx).db, &equipment).await?;
        if applied {
            announce_actor_change(ctx, actor.id, Some(&actor)).await;
        }
        Ok(Actor(actor))
    }
}

/// Admin tools of the chaos backend.
#[derive(Default)]
pub struct AdminMutation;

#[Object]
impl AdminMutation {
    /// Sets any actor's HP, MP and/or stamina (admins only; a game-master tool),
    /// clamped to 0..=max. Omitted pools keep their value.
    #[graphql(requires_scopes = "admin")]
    async fn set_actor_resources(
        &self,
        ctx: &Context<'_>,
        actor_id: ID,
        hp: Option<i32>,
        mp: Option<i32>,
        stamina: Option<i32>,
    ) -> ApiResult<Actor> {
        let viewer = ctx.viewer()?;
        let actor =
            service::set_resources(&deps(ctx).db, viewer, parse_id(&actor_id)?, hp, mp, stamina)
                .await?;
        announce_actor_change(ctx, actor.id, Some(&actor)).await;
        Ok(Actor(actor))
    }
}

/// The live topic of one actor's changes.
fn actor_topic(actor_id: Uuid) -> String {
    format!("actor:{actor_id}")
}

/// Tells `actorUpdated` subscribers (on every replica) that an actor changed, carrying
/// the committed row (`None`: deleted) so no subscriber has to load it again. The change
/// is already committed, so a fan-out failure is logged, not returned.
async fn announce_actor_change(ctx: &Context<'_>, actor_id: Uuid, actor: Option<&actor::Model>) {
    announce(deps(ctx).pubsub.as_ref(), actor_id, actor).await;
}

/// [`announce_actor_change`] outside a request (the inventory event consumer).
pub async fn announce(pubsub: &dyn PubSub, actor_id: Uuid, actor: Option<&actor::Model>) {
    let message = match serde_json::to_string(&actor) {
        Ok(message) => message,
        Err(err) => {
            tracing::error!(%actor_id, cause = %err, "actor change not serializable");
            return;
        }
    };
    if let Err(err) = pubsub.publish(&actor_topic(actor_id), message).await {
        tracing::warn!(%actor_id, cause = %err, "actor change not announced to live subscribers");
    }
}

/// Subscriptions of the chaos backend.
pub struct Subscription;

#[Subscription]
impl Subscription {
    /// The actor, every time its experience, level or skills change. Ends when the actor
    /// is deleted.
    #[graphql(directive = authenticated::apply())]
    async fn actor_updated(
        &self,
        ctx: &Context<'_>,
        actor_id: ID,
    ) -> Result<impl Stream<Item = ApiResult<Actor>>, ApiError> {
        ctx.viewer()?;
        let actor_id = parse_id(&actor_id)?;
        // Subscribe before checking, so a change committed in between is not missed.
        let changes = deps(ctx).pubsub.subscribe(&actor_topic(actor_id));
        if service::actors_by_ids(&deps(ctx).db, &[actor_id])
            .await?
            .is_empty()
        {
            return Err(KitError::NotFound("actor").into());
        }
        Ok(changes
            // Each message carries the committed row; `null` means deleted, which ends
            // the stream. An unreadable message is skipped (and logged).
            .filter_map(move |message| {
                let decoded = serde_json::from_str::<Option<actor::Model>>(&message);
                if let Err(err) = &decoded {
                    tracing::warn!(%actor_id, cause = %err, "unreadable live actor update skipped");
                }
                std::future::ready(decoded.ok())
            })
            .take_while(|actor| std::future::ready(actor.is_some()))
            .filter_map(|actor| std::future::ready(actor.map(|actor| Ok(Actor(actor))))))
    }
}

/// What a cast aims at: exactly one of an actor or a structure (world's).
#[derive(InputObject)]
pub struct CastTargetInput {
    /// Another actor.
    actor_id: Option<ID>,
    /// A territory's structure.
    structure_id: Option<ID>,
}

/// Weather in a zone (world decides it; chaos's damage reacts to it).
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum Weather {
    /// No modifiers.
    Clear,
    /// Fire −25 %, lightning +25 %.
    Rain,
    /// Lightning +50 %, fire −10 %.
    Storm,
    /// Ice +20 %, fire −10 %.
    Snow,
    /// Fire +20 %, ice −20 %.
    Heat,
}

/// A skill cast as the server decided it.
pub struct SkillCast(casting::CastOutcome);

#[Object]
impl SkillCast {
    /// Cast id.
    async fn id(&self) -> ID {
        ID(self.0.cast.id.to_string())
    }
    /// The skill.
    async fn skill_id(&self) -> &str {
        &self.0.cast.skill_id
    }
    /// The caster, as it is now.
    async fn caster(&self, ctx: &Context<'_>) -> ApiResult<Option<Actor>> {
        actor_now(ctx, self.0.cast.actor_id).await
    }
    /// The target actor, as it is now (actor targets).
    async fn target_actor(&self, ctx: &Context<'_>) -> ApiResult<Option<Actor>> {
        if self.0.cast.target_kind != "ACTOR" {
            return Ok(None);
        }
        actor_now(ctx, self.0.cast.target_id).await
    }
    /// The target structure's id (structure targets).
    async fn target_structure_id(&self) -> Option<ID> {
        (self.0.cast.target_kind == "STRUCTURE").then(|| ID(self.0.cast.target_id.to_string()))
    }
    /// Damage dealt.
    async fn damage(&self) -> i32 {
        self.0.cast.damage
    }
    /// Whether the hit was critical (×1.5).
    async fn critical(&self) -> bool {
        self.0.cast.critical
    }
    /// MP spent.
    async fn mp_spent(&self) -> i32 {
        self.0.cast.mp_cost
    }
    /// The weather the cast happened in.
    async fn weather(&self) -> Weather {
        match self.0.cast.weather.as_str() {
            "RAIN" => Weather::Rain,
            "STORM" => Weather::Storm,
            "SNOW" => Weather::Snow,
            "HEAT" => Weather::Heat,
            _ => Weather::Clear,
        }
    }
    /// The zone it happened in.
    async fn zone_id(&self) -> ID {
        ID(self.0.cast.zone_id.clone())
    }
    /// The target's HP (or the structure's hit points) right after the hit.
    async fn target_hp_after(&self) -> Option<i32> {
        self.0.cast.target_hp_after
    }
    /// Whether the hit destroyed the structure.
    async fn structure_destroyed(&self) -> bool {
        self.0.cast.outcome["destroyed"].as_bool().unwrap_or(false)
    }
    /// Whether the structure's territory changed hands (to the caster's guild).
    async fn territory_transferred(&self) -> bool {
        self.0.cast.outcome["transferred"]
            .as_bool()
            .unwrap_or(false)
    }
    /// When it was cast.
    async fn cast_at(&self) -> Option<DateTime<Utc>> {
        Utc.timestamp_millis_opt(self.0.cast.cast_at_ms).single()
    }
    /// Whether this answer replays an earlier call with the same key.
    async fn replayed(&self) -> bool {
        self.0.replayed
    }
}

async fn actor_now(ctx: &Context<'_>, id: uuid::Uuid) -> ApiResult<Option<Actor>> {
    Ok(service::actors_by_ids(&deps(ctx).db, &[id])
        .await?
        .remove(&id)
        .map(Actor))
}
