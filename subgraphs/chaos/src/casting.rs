//! Server-authoritative skill casting, a saga across chaos, world and inventory.
//!
//! The client names the skill, the target and an idempotency key; everything else is
//! decided here. Checks come first and spend nothing: the skill is learned, off
//! cooldown and affordable; world says the caster's zone allows combat, the target is
//! in range, and what the weather is. The damage is decided then (actor-core's formula,
//! the crit roll drawn from the cast id), so a resumed cast deals the same.
//!
//! Then the steps, each idempotent by cast id:
//! 1. chaos, one transaction: MP spent, cooldown started, the cast recorded `PENDING`;
//! 2. inventory: the skill's reagent consumed (if it has one);
//! 3. the hit: on an actor, in one chaos transaction with the cast's completion; on a
//!    structure, by world (which may hand the territory over), then the completion.
//!
//! A step that fails compensates the ones before it: the reagent is refunded (or its
//! late consumption voided), MP and cooldown are given back, the cast is recorded
//! `COMPENSATED` with the failure's code. When world does not answer a hit, chaos voids
//! the cast there first: if the hit had landed, the cast completes instead. A replay of
//! the key returns the completed cast (no second hit), the same failure, or resumes a
//! cast left `PENDING` by a crash.

use actor_core::{
    compute_damage, DamageInput, Element, Environment, Scaling, SkillDefinition, SkillError,
    Weather,
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QuerySelect, SqlErr,
};
use serde::Deserialize;
use serde_json::json;
use subgraph_kit::db::begin_write;
use subgraph_kit::events::{outbox, topics, EventEnvelope};
use subgraph_kit::peer::{PeerClient, PeerError};
use subgraph_kit::{KitError, Viewer};
use uuid::Uuid;

use entities::chaos::{actor, actor_skill, skill_cast, skill_definition};

use crate::error::ChaosError;
use crate::items::loadout;
use crate::service::{now_ms, sheet};

/// A cast's status: MP spent, hit not yet landed.
pub const PENDING: &str = "PENDING";
/// A cast's status: the hit landed.
pub const COMPLETED: &str = "COMPLETED";
/// A cast's status: a step failed and the earlier ones were undone.
pub const COMPENSATED: &str = "COMPENSATED";

/// What a cast aims at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Another actor.
    Actor(Uuid),
    /// A territory's structure (world).
    Structure(Uuid),
}

impl Target {
    fn kind(self) -> &'static str {
        match self {
            Target::Actor(_) => "ACTOR",
            Target::Structure(_) => "STRUCTURE",
        }
    }

    fn id(self) -> Uuid {
        match self {
            Target::Actor(id) | Target::Structure(id) => id,
        }
    }
}

/// The services a cast asks, and the failure drill.
pub struct CastPeers {
    /// world (environment, structure hits); `None`: every cast is `SERVICE_UNAVAILABLE`.
    pub world: Option<PeerClient>,
    /// inventory (reagents); `None`: skills with reagents are `SERVICE_UNAVAILABLE`.
    pub inventory: Option<PeerClient>,
    /// Failure drill: fail every cast right after its MP is spent (compensated).
    pub fail_after_spend: bool,
}

/// A cast as recorded, first-time or replayed.
#[derive(Debug, Clone)]
pub struct CastOutcome {
    /// The record.
    pub cast: skill_cast::Model,
    /// Whether this call replayed an earlier cast with the same key.
    pub replayed: bool,
    /// The actors whose resources this call changed (for live updates).
    pub changed: Vec<actor::Model>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EnvironmentData {
    cast_environment: CastEnvironment,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CastEnvironment {
    zone_id: String,
    weather: String,
    no_combat: bool,
    same_zone: bool,
    distance: f64,
    target_defense: Option<i32>,
    target_destroyed: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HitData {
    damage_structure: StructureHit,
}

#[derive(Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct StructureHit {
    territory_id: String,
    hp_after: i32,
    destroyed: bool,
    transferred: bool,
    owner_guild_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VoidData {
    void_structure_cast: bool,
}

const CAST_ENVIRONMENT: &str = "query($caster: ID!, $actor: ID, $structure: ID) { castEnvironment(casterId: $caster, targetActorId: $actor, targetStructureId: $structure) { zoneId weather noCombat sameZone distance targetDefense targetDestroyed } }";
const DAMAGE_STRUCTURE: &str = "mutation($cast: ID!, $structure: ID!, $actor: ID!, $user: ID!, $amount: Int!) { damageStructure(castId: $cast, structureId: $structure, attackerActorId: $actor, attackerUserId: $user, amount: $amount) { territoryId hpAfter destroyed transferred ownerGuildId } }";
const VOID_STRUCTURE_CAST: &str = "mutation($cast: ID!, $structure: ID!) { voidStructureCast(castId: $cast, structureId: $structure) }";
const CONSUME_REAGENT: &str = "mutation($cast: ID!, $actor: ID!, $user: ID!, $item: String!) { consumeCastReagent(castId: $cast, actorId: $actor, userId: $user, definitionId: $item, quantity: 1) { voided } }";
const REFUND_REAGENT: &str = "mutation($cast: ID!, $actor: ID!, $user: ID!, $item: String!) { refundCastReagent(castId: $cast, actorId: $actor, userId: $user, definitionId: $item, quantity: 1) }";

fn check_key(key: &str) -> Result<&str, ChaosError> {
    let key = key.trim();
    if key.is_empty() || key.len() > 128 {
        return Err(
            KitError::BadUserInput("idempotency key must be 1-128 characters".into()).into(),
        );
    }
    Ok(key)
}

/// actor-core's rules of a stored skill definition.
pub fn rules_of(skill: &skill_definition::Model) -> SkillDefinition {
    SkillDefinition {
        id: skill.id.clone(),
        name: skill.name.clone(),
        element: Element::from_code(&skill.element).unwrap_or(Element::Physical),
        mp_cost: u32::try_from(skill.mp_cost).unwrap_or(0),
        cooldown_ms: u64::try_from(skill.cooldown_ms).unwrap_or(0),
        range: skill.range,
        base_damage: u32::try_from(skill.base_damage).unwrap_or(0),
        scaling: if skill.scaling == "ATTACK" {
            Scaling::Attack
        } else {
            Scaling::Spell
        },
        power_ratio: skill.power_ratio,
        reagent_item: skill.reagent_item.clone(),
    }
}

fn weather(code: &str) -> Weather {
    match code {
        "RAIN" => Weather::Rain,
        "STORM" => Weather::Storm,
        "SNOW" => Weather::Snow,
        "HEAT" => Weather::Heat,
        _ => Weather::Clear,
    }
}

/// The cast's crit roll in `0.0..1.0`, drawn from its (random) id: decided once,
/// the same on every resumption.
fn crit_roll(cast_id: Uuid) -> f64 {
    let bits = (cast_id.as_u128() >> 64) as u64;
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

fn peer<'a>(
    client: &'a Option<PeerClient>,
    service: &'static str,
) -> Result<&'a PeerClient, ChaosError> {
    client
        .as_ref()
        .ok_or(ChaosError::Kit(KitError::Unavailable(service)))
}

/// The error a refused or failed step maps to (and the code a compensated cast keeps).
fn step_failure(err: PeerError) -> ChaosError {
    match err.code() {
        Some("INSUFFICIENT_QUANTITY") | Some("REAGENT_VOIDED") => ChaosError::MissingReagent,
        Some("STRUCTURE_DESTROYED") => ChaosError::TargetDestroyed,
        Some("FRIENDLY_TARGET") => ChaosError::FriendlyTarget,
        Some(_) => ChaosError::CastFailed,
        None => ChaosError::Kit(err.into()),
    }
}

async fn reject(
    db: &DatabaseConnection,
    actor: &actor::Model,
    skill_id: &str,
    err: ChaosError,
) -> ChaosError {
    use subgraph_kit::ErrorCode;
    let event = EventEnvelope::new(
        "chaos.cast_rejected",
        actor.id,
        json!({ "actorId": actor.id, "skillId": skill_id, "code": err.code(), "atMs": now_ms() }),
    )
    .by(actor.user_id);
    if let Err(db_err) = outbox::enqueue(db, topics::COMBAT, &event).await {
        tracing::warn!(actor_id = %actor.id, cause = %db_err, "cast refusal not recorded for anti-cheat");
    }
    subgraph_kit::metrics::SKILL_CASTS
        .with_label_values(&["rejected"])
        .inc();
    err
}

/// Casts `skill_id` from the viewer's `actor_id` at `target`, once per key.
pub async fn cast_skill(
    db: &DatabaseConnection,
    peers: &CastPeers,
    viewer: &Viewer,
    actor_id: Uuid,
    skill_id: &str,
    target: Target,
    key: &str,
) -> Result<CastOutcome, ChaosError> {
    let key = check_key(key)?;
    let caster = actor::Entity::find_by_id(actor_id)
        .one(db)
        .await?
        .ok_or(KitError::NotFound("actor"))?;
    if caster.user_id != viewer.user_id {
        return Err(KitError::Forbidden("the actor belongs to another player").into());
    }
    if let Some(previous) = find(db, actor_id, key).await? {
        return replay(db, peers, previous, skill_id, target).await;
    }
    let skill = skill_definition::Entity::find_by_id(skill_id.to_string())
        .one(db)
        .await?
        .ok_or_else(|| ChaosError::UnknownSkill(skill_id.to_string()))?;
    let learned = actor_skill::Entity::find_by_id((actor_id, skill.id.clone()))
        .one(db)
        .await?
        .ok_or_else(|| ChaosError::SkillNotLearned(skill.id.clone()))?;
    let rules = rules_of(&skill);
    let now = now_ms();
    if let Err(SkillError::OnCooldown { remaining_ms }) =
        rules.check_cooldown(learned.last_cast_at_ms, now)
    {
        return Err(reject(db, &caster, &skill.id, ChaosError::OnCooldown(remaining_ms)).await);
    }
    let caster_sheet = sheet(&caster, &loadout(db, caster.id, now).await?, now);
    if caster_sheet.mp.current_at(now) < rules.mp_cost {
        return Err(reject(
            db,
            &caster,
            &skill.id,
            ChaosError::InsufficientMp(rules.mp_cost),
        )
        .await);
    }
    let actor_defense = match target {
        Target::Actor(id) if id == caster.id => {
            return Err(ChaosError::InvalidTarget("an actor cannot target itself"));
        }
        Target::Actor(id) => {
            let victim = actor::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or(ChaosError::InvalidTarget("the target actor does not exist"))?;
            Some(
                sheet(&victim, &loadout(db, victim.id, now).await?, now)
                    .derived
                    .defense,
            )
        }
        Target::Structure(_) => None,
    };
    let (actor_target, structure_target) = match target {
        Target::Actor(id) => (Some(id), None),
        Target::Structure(id) => (None, Some(id)),
    };
    let env: EnvironmentData = peer(&peers.world, "the world service")?
        .execute(
            CAST_ENVIRONMENT,
            json!({ "caster": caster.id, "actor": actor_target, "structure": structure_target }),
        )
        .await
        .map_err(|err| match err.code() {
            Some("NOT_FOUND") => ChaosError::InvalidTarget("the target structure does not exist"),
            _ => ChaosError::Kit(err.into()),
        })?;
    let env = env.cast_environment;
    if env.no_combat {
        return Err(reject(
            db,
            &caster,
            &skill.id,
            ChaosError::NoCombatZone(env.zone_id),
        )
        .await);
    }
    if !env.same_zone || rules.check_range(env.distance).is_err() {
        return Err(reject(db, &caster, &skill.id, ChaosError::OutOfRange(rules.range)).await);
    }
    if env.target_destroyed {
        return Err(ChaosError::TargetDestroyed);
    }
    let target_defense = actor_defense
        .or_else(|| env.target_defense.and_then(|d| u32::try_from(d).ok()))
        .unwrap_or(0);
    let cast_id = Uuid::new_v4();
    let roll = crit_roll(cast_id);
    let damage = compute_damage(DamageInput {
        skill: &rules,
        caster: &caster_sheet.derived,
        target_defense,
        environment: Environment {
            weather: weather(&env.weather),
            zone_modifier: 1.0,
        },
        crit_roll: roll,
    });

    // Step 1: spend.
    let txn = begin_write(db).await?;
    let locked = lock_actor(&txn, caster.id).await?;
    let learned = actor_skill::Entity::find_by_id((caster.id, skill.id.clone()))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| ChaosError::SkillNotLearned(skill.id.clone()))?;
    let now = now_ms();
    if let Err(SkillError::OnCooldown { remaining_ms }) =
        rules.check_cooldown(learned.last_cast_at_ms, now)
    {
        txn.rollback().await?;
        return Err(reject(db, &caster, &skill.id, ChaosError::OnCooldown(remaining_ms)).await);
    }
    let current = sheet(&locked, &loadout(&txn, locked.id, now).await?, now);
    let Ok(mp) = current.mp.settled(now).spend(rules.mp_cost, now) else {
        txn.rollback().await?;
        return Err(reject(
            db,
            &caster,
            &skill.id,
            ChaosError::InsufficientMp(rules.mp_cost),
        )
        .await);
    };
    let spent = store_pools(&txn, &locked, &current, now, |_| mp.stored().0, None).await?;
    let mut cooldown: actor_skill::ActiveModel = learned.clone().into();
    cooldown.last_cast_at_ms = Set(Some(now));
    cooldown.update(&txn).await?;
    let recorded = skill_cast::ActiveModel {
        id: Set(cast_id),
        actor_id: Set(caster.id),
        user_id: Set(caster.user_id),
        idempotency_key: Set(key.to_string()),
        skill_id: Set(skill.id.clone()),
        target_kind: Set(target.kind().to_string()),
        target_id: Set(target.id()),
        status: Set(PENDING.to_string()),
        mp_cost: Set(skill.mp_cost),
        previous_cast_at_ms: Set(learned.last_cast_at_ms),
        cast_at_ms: Set(now),
        reagent_item: Set(skill.reagent_item.clone()),
        damage: Set(i32::try_from(damage).unwrap_or(i32::MAX)),
        critical: Set(roll < caster_sheet.derived.crit_chance),
        weather: Set(env.weather.clone()),
        zone_id: Set(env.zone_id.clone()),
        target_hp_after: Set(None),
        outcome: Set(json!({})),
        failure_code: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await;
    let cast = match recorded {
        Ok(cast) => cast,
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            // A concurrent call with the same key spent first: answer as its replay.
            txn.rollback().await?;
            let previous = find(db, actor_id, key)
                .await?
                .ok_or(ChaosError::CastInProgress)?;
            return replay(db, peers, previous, skill_id, target).await;
        }
        Err(err) => return Err(err.into()),
    };
    txn.commit().await?;
    tracing::info!(cast_id = %cast.id, actor_id = %caster.id, skill = %skill.id, "cast started: MP spent");
    let mut outcome = resume(db, peers, cast).await?;
    outcome.changed.insert(0, spent);
    Ok(outcome)
}

async fn find(
    db: &impl ConnectionTrait,
    actor_id: Uuid,
    key: &str,
) -> Result<Option<skill_cast::Model>, ChaosError> {
    use sea_orm::{ColumnTrait, QueryFilter};
    Ok(skill_cast::Entity::find()
        .filter(skill_cast::Column::ActorId.eq(actor_id))
        .filter(skill_cast::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?)
}

/// Answers a repeated key: the completed cast, the same failure, or the rest of a cast
/// left pending.
async fn replay(
    db: &DatabaseConnection,
    peers: &CastPeers,
    previous: skill_cast::Model,
    skill_id: &str,
    target: Target,
) -> Result<CastOutcome, ChaosError> {
    if previous.skill_id != skill_id
        || previous.target_kind != target.kind()
        || previous.target_id != target.id()
    {
        return Err(ChaosError::IdempotencyKeyReused);
    }
    match previous.status.as_str() {
        COMPLETED => Ok(CastOutcome {
            cast: previous,
            replayed: true,
            changed: Vec::new(),
        }),
        COMPENSATED => Err(ChaosError::from_failure_code(
            previous.failure_code.as_deref(),
        )),
        _ => {
            let mut outcome = resume(db, peers, previous).await?;
            outcome.replayed = true;
            Ok(outcome)
        }
    }
}

/// Steps 2 and 3 of a cast whose MP is spent, compensating on failure.
async fn resume(
    db: &DatabaseConnection,
    peers: &CastPeers,
    cast: skill_cast::Model,
) -> Result<CastOutcome, ChaosError> {
    if peers.fail_after_spend {
        tracing::warn!(cast_id = %cast.id, "failure drill: cast failed after MP was spent");
        return Err(compensate(db, peers, &cast, ChaosError::CastFailed).await);
    }
    if let Some(item) = &cast.reagent_item {
        let inventory = match peer(&peers.inventory, "the inventory service") {
            Ok(inventory) => inventory,
            Err(err) => return Err(compensate(db, peers, &cast, err).await),
        };
        let consumed = inventory
            .execute::<serde_json::Value>(
                CONSUME_REAGENT,
                json!({ "cast": cast.id, "actor": cast.actor_id, "user": cast.user_id, "item": item }),
            )
            .await;
        if let Err(err) = consumed {
            return Err(compensate(db, peers, &cast, step_failure(err)).await);
        }
    }
    match cast.target_kind.as_str() {
        "ACTOR" => hit_actor(db, cast).await,
        _ => hit_structure(db, peers, cast).await,
    }
}

async fn lock_actor(txn: &DatabaseTransaction, id: Uuid) -> Result<actor::Model, ChaosError> {
    Ok(actor::Entity::find_by_id(id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(KitError::NotFound("actor"))?)
}

async fn lock_cast(txn: &DatabaseTransaction, id: Uuid) -> Result<skill_cast::Model, ChaosError> {
    Ok(skill_cast::Entity::find_by_id(id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(KitError::NotFound("cast"))?)
}

/// Stores an actor's pools settled at `now`, with MP as `mp` computes it and HP
/// optionally replaced.
async fn store_pools(
    txn: &DatabaseTransaction,
    row: &actor::Model,
    current: &crate::service::ActorSheet,
    now: i64,
    mp: impl Fn(f64) -> f64,
    hp: Option<f64>,
) -> Result<actor::Model, ChaosError> {
    let mut update: actor::ActiveModel = row.clone().into();
    update.hp = Set(hp.unwrap_or_else(|| current.hp.settled(now).stored().0));
    update.mp = Set(mp(current.mp.settled(now).stored().0));
    update.stamina = Set(current.stamina.settled(now).stored().0);
    update.resources_updated_at_ms = Set(now);
    Ok(update.update(txn).await?)
}

async fn finish(
    txn: &DatabaseTransaction,
    cast: skill_cast::Model,
    target_hp_after: i32,
    outcome: serde_json::Value,
) -> Result<skill_cast::Model, ChaosError> {
    let mut done: skill_cast::ActiveModel = cast.clone().into();
    done.status = Set(COMPLETED.to_string());
    done.target_hp_after = Set(Some(target_hp_after));
    done.outcome = Set(outcome);
    let done = done.update(txn).await?;
    // Anti-cheat compares casts with the cooldown that applied.
    let cooldown_ms = skill_definition::Entity::find_by_id(done.skill_id.clone())
        .one(txn)
        .await?
        .map_or(0, |skill| skill.cooldown_ms);
    let event = EventEnvelope::new(
        "chaos.skill_cast",
        done.actor_id,
        json!({
            "castId": done.id,
            "actorId": done.actor_id,
            "skillId": done.skill_id,
            "targetKind": done.target_kind,
            "targetId": done.target_id,
            "damage": done.damage,
            "critical": done.critical,
            "mpCost": done.mp_cost,
            "cooldownMs": cooldown_ms,
            "castAtMs": done.cast_at_ms,
            "zoneId": done.zone_id,
            "weather": done.weather,
            "outcome": done.outcome,
        }),
    )
    .by(done.user_id);
    outbox::enqueue(txn, topics::COMBAT, &event).await?;
    Ok(done)
}

/// Step 3 on an actor: the damage and the cast's completion in one transaction.
async fn hit_actor(
    db: &DatabaseConnection,
    cast: skill_cast::Model,
) -> Result<CastOutcome, ChaosError> {
    let txn = begin_write(db).await?;
    let cast = lock_cast(&txn, cast.id).await?;
    if cast.status != PENDING {
        return settled(cast);
    }
    let victim = lock_actor(&txn, cast.target_id).await?;
    let now = now_ms();
    let current = sheet(&victim, &loadout(&txn, victim.id, now).await?, now);
    let hp = current
        .hp
        .settled(now)
        .damage(u32::try_from(cast.damage).unwrap_or(0), now);
    let hp_after = i32::try_from(hp.current_at(now)).unwrap_or(i32::MAX);
    let hit = store_pools(&txn, &victim, &current, now, |mp| mp, Some(hp.stored().0)).await?;
    let done = finish(&txn, cast, hp_after, json!({})).await?;
    txn.commit().await?;
    subgraph_kit::metrics::SKILL_CASTS
        .with_label_values(&["landed"])
        .inc();
    tracing::info!(cast_id = %done.id, target = %victim.id, damage = done.damage, "cast completed");
    Ok(CastOutcome {
        cast: done,
        replayed: false,
        changed: vec![hit],
    })
}

/// Step 3 on a structure: world lands the hit (once per cast id), then the cast
/// completes. When world does not answer, the cast is voided there first.
async fn hit_structure(
    db: &DatabaseConnection,
    peers: &CastPeers,
    cast: skill_cast::Model,
) -> Result<CastOutcome, ChaosError> {
    let world = match peer(&peers.world, "the world service") {
        Ok(world) => world,
        Err(err) => return Err(compensate(db, peers, &cast, err).await),
    };
    let hit_vars = json!({
        "cast": cast.id,
        "structure": cast.target_id,
        "actor": cast.actor_id,
        "user": cast.user_id,
        "amount": cast.damage,
    });
    let hit = match world
        .execute::<HitData>(DAMAGE_STRUCTURE, hit_vars.clone())
        .await
    {
        Ok(hit) => hit,
        Err(err @ PeerError::Refused { .. }) => {
            return Err(compensate(db, peers, &cast, step_failure(err)).await);
        }
        Err(unanswered) => {
            match world
                .execute::<VoidData>(
                    VOID_STRUCTURE_CAST,
                    json!({ "cast": cast.id, "structure": cast.target_id }),
                )
                .await
            {
                // The hit had landed: the replay of it tells what it did.
                Ok(VoidData {
                    void_structure_cast: true,
                }) => world
                    .execute::<HitData>(DAMAGE_STRUCTURE, hit_vars)
                    .await
                    .map_err(|err| ChaosError::Kit(err.into()))?,
                Ok(_) => {
                    return Err(
                        compensate(db, peers, &cast, ChaosError::Kit(unanswered.into())).await,
                    );
                }
                // Nothing is known: the cast stays pending; a replay resumes it.
                Err(err) => return Err(ChaosError::Kit(err.into())),
            }
        }
    };
    let hit = hit.damage_structure;
    let txn = begin_write(db).await?;
    let cast = lock_cast(&txn, cast.id).await?;
    if cast.status != PENDING {
        return settled(cast);
    }
    let done = finish(&txn, cast, hit.hp_after, json!(hit)).await?;
    txn.commit().await?;
    subgraph_kit::metrics::SKILL_CASTS
        .with_label_values(&["landed"])
        .inc();
    tracing::info!(cast_id = %done.id, structure = %done.target_id, destroyed = hit.destroyed, transferred = hit.transferred, "cast completed");
    Ok(CastOutcome {
        cast: done,
        replayed: false,
        changed: Vec::new(),
    })
}

fn settled(cast: skill_cast::Model) -> Result<CastOutcome, ChaosError> {
    match cast.status.as_str() {
        COMPLETED => Ok(CastOutcome {
            cast,
            replayed: true,
            changed: Vec::new(),
        }),
        _ => Err(ChaosError::from_failure_code(cast.failure_code.as_deref())),
    }
}

/// Undoes a pending cast's steps and records why; answers `err` (or, when the reagent
/// cannot be refunded now, `SERVICE_UNAVAILABLE`, leaving the cast pending for a
/// replay to finish).
async fn compensate(
    db: &DatabaseConnection,
    peers: &CastPeers,
    cast: &skill_cast::Model,
    err: ChaosError,
) -> ChaosError {
    match undo(db, peers, cast, &err).await {
        Ok(()) => err,
        Err(undo_err) => {
            tracing::error!(cast_id = %cast.id, cause = %undo_err, "cast not compensated; it stays pending");
            undo_err
        }
    }
}

async fn undo(
    db: &DatabaseConnection,
    peers: &CastPeers,
    cast: &skill_cast::Model,
    err: &ChaosError,
) -> Result<(), ChaosError> {
    use subgraph_kit::ErrorCode;
    if let Some(item) = &cast.reagent_item {
        // Refunds a consumed reagent, or voids a consumption still on its way.
        peer(&peers.inventory, "the inventory service")?
            .execute::<serde_json::Value>(
                REFUND_REAGENT,
                json!({ "cast": cast.id, "actor": cast.actor_id, "user": cast.user_id, "item": item }),
            )
            .await
            .map_err(|err| ChaosError::Kit(err.into()))?;
    }
    let txn = begin_write(db).await?;
    let caster = lock_actor(&txn, cast.actor_id).await?;
    let cast = lock_cast(&txn, cast.id).await?;
    if cast.status != PENDING {
        return Ok(());
    }
    let now = now_ms();
    let current = sheet(&caster, &loadout(&txn, caster.id, now).await?, now);
    let refund = u32::try_from(cast.mp_cost).unwrap_or(0);
    let mp = current.mp.settled(now).restore(refund, now).stored().0;
    store_pools(&txn, &caster, &current, now, |_| mp, None).await?;
    if let Some(learned) = actor_skill::Entity::find_by_id((cast.actor_id, cast.skill_id.clone()))
        .one(&txn)
        .await?
    {
        if learned.last_cast_at_ms == Some(cast.cast_at_ms) {
            let mut cooldown: actor_skill::ActiveModel = learned.into();
            cooldown.last_cast_at_ms = Set(cast.previous_cast_at_ms);
            cooldown.update(&txn).await?;
        }
    }
    let code = err.code();
    let mut failed: skill_cast::ActiveModel = cast.clone().into();
    failed.status = Set(COMPENSATED.to_string());
    failed.failure_code = Set(Some(code.to_string()));
    failed.update(&txn).await?;
    let event = EventEnvelope::new(
        "chaos.cast_compensated",
        cast.actor_id,
        json!({ "castId": cast.id, "actorId": cast.actor_id, "skillId": cast.skill_id, "code": code, "mpRefunded": cast.mp_cost }),
    )
    .by(cast.user_id);
    outbox::enqueue(&txn, topics::COMBAT, &event).await?;
    txn.commit().await?;
    subgraph_kit::metrics::SKILL_CASTS
        .with_label_values(&["compensated"])
        .inc();
    tracing::info!(cast_id = %cast.id, code, "cast compensated: MP and cooldown given back");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crit_rolls_are_fractions_fixed_by_the_cast_id() {
        for _ in 0..1000 {
            let id = Uuid::new_v4();
            let roll = crit_roll(id);
            assert!((0.0..1.0).contains(&roll));
            assert_eq!(roll, crit_roll(id));
        }
        assert_eq!(crit_roll(Uuid::nil()), 0.0);
    }
}
