//! The chaos backend's logic and persistence: actors and their progression. Game rules
//! come from `actor-core`; this layer loads, applies and stores them in one transaction.

use std::collections::HashMap;

use actor_core::{apply_experience, BaseStats, Class, DerivedStats, ResourcePool, StatModifiers};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, SqlErr,
};
use serde_json::json;
use subgraph_kit::auth::{Viewer, SCOPE_ADMIN};
use subgraph_kit::db::begin_write;
use subgraph_kit::events::{outbox, EventEnvelope};
use subgraph_kit::KitError;
use uuid::Uuid;

use entities::chaos::{
    actor, actor_buff, actor_skill, equipment_slot, equipment_version, experience_grant,
    skill_definition,
};

use crate::error::ChaosError;
use crate::settings::RuleSettings;
use crate::ACTOR_EVENTS_TOPIC;

/// Milliseconds since the epoch, the clock of resource pools and cooldowns.
pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// An actor's stats and resource pools, computed from its row and equipment.
#[derive(Debug, Clone)]
pub struct ActorSheet {
    /// Base stats after equipment.
    pub base: BaseStats,
    /// Derived stats.
    pub derived: DerivedStats,
    /// HP pool.
    pub hp: ResourcePool,
    /// MP pool.
    pub mp: ResourcePool,
    /// Stamina pool.
    pub stamina: ResourcePool,
}

/// What changes an actor's stats besides class and level: equipment and timed buffs.
#[derive(Debug, Clone, Default)]
pub struct Loadout {
    /// Occupied equipment slots.
    pub equipment: Vec<equipment_slot::Model>,
    /// Buffs (those expired at the time asked are ignored).
    pub buffs: Vec<actor_buff::Model>,
}

impl Loadout {
    /// The sum of equipment modifiers and the buffs running at `now`.
    fn modifiers(&self, now: i64) -> StatModifiers {
        let equipment = self.equipment.iter().map(|slot| &slot.modifiers);
        let buffs = self
            .buffs
            .iter()
            .filter(|buff| buff.expires_at_ms > now)
            .map(|buff| &buff.modifiers);
        equipment
            .chain(buffs)
            .filter_map(|json| serde_json::from_value::<StatModifiers>(json.clone()).ok())
            .fold(StatModifiers::default(), |sum, m| sum + m)
    }
}

/// Computes an actor's sheet at `now`. Unknown class codes (corrupt rows) fall back to
/// no stats.
pub fn sheet(actor: &actor::Model, loadout: &Loadout, now: i64) -> ActorSheet {
    let level = u32::try_from(actor.level).unwrap_or(1);
    let modifiers = loadout.modifiers(now);
    let base = Class::from_code(&actor.class)
        .map(|class| class.base_stats_at(level))
        .unwrap_or_default()
        .with_modifiers(&modifiers);
    let derived = base.derive(level);
    let at = actor.resources_updated_at_ms;
    ActorSheet {
        base,
        derived,
        hp: ResourcePool::new(actor.hp, derived.max_hp, derived.hp_regen_per_sec, at),
        mp: ResourcePool::new(actor.mp, derived.max_mp, derived.mp_regen_per_sec, at),
        stamina: ResourcePool::new(
            actor.stamina,
            derived.max_stamina,
            derived.stamina_regen_per_sec,
            at,
        ),
    }
}

/// Checks an actor name: 3-16 characters, letters and digits, starting with a letter.
pub fn validate_name(name: &str) -> Result<String, ChaosError> {
    let name = name.trim();
    let ok = (3..=16).contains(&name.chars().count())
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(name.to_string())
    } else {
        Err(KitError::BadUserInput(
            "actor names are 3-16 letters or digits, starting with a letter".to_string(),
        )
        .into())
    }
}

/// Creates an actor for the viewer, at full resources and with its class's starting skills.
pub async fn create_actor(
    db: &DatabaseConnection,
    rules: &RuleSettings,
    viewer: &Viewer,
    name: &str,
    class: Class,
) -> Result<actor::Model, ChaosError> {
    let name = validate_name(name)?;
    let name_key = name.to_ascii_lowercase();
    if actor::Entity::find()
        .filter(actor::Column::NameKey.eq(&name_key))
        .one(db)
        .await?
        .is_some()
    {
        return Err(ChaosError::NameTaken);
    }
    let txn = begin_write(db).await?;
    let used: Vec<i32> = actor::Entity::find()
        .filter(actor::Column::UserId.eq(viewer.user_id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|a| a.slot)
        .collect();
    // The (user, slot) unique index bounds the count even under concurrent creates.
    let slot = (1..=rules.max_actors_per_user)
        .find(|slot| !used.contains(slot))
        .ok_or(ChaosError::ActorLimitReached(rules.max_actors_per_user))?;
    let now = now_ms();
    let derived = class.base_stats_at(1).derive(1);
    let model = actor::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(viewer.user_id),
        slot: Set(slot),
        name: Set(name),
        name_key: Set(name_key),
        class: Set(class.code().to_string()),
        level: Set(1),
        experience: Set(0),
        hp: Set(f64::from(derived.max_hp)),
        mp: Set(f64::from(derived.max_mp)),
        stamina: Set(f64::from(derived.max_stamina)),
        resources_updated_at_ms: Set(now),
        created_at: Set(Utc::now()),
    };
    let created = match model.insert(&txn).await {
        Ok(created) => created,
        Err(err) => {
            return Err(match err.sql_err() {
                Some(SqlErr::UniqueConstraintViolation(message)) if message.contains("slot") => {
                    ChaosError::ActorLimitReached(rules.max_actors_per_user)
                }
                Some(SqlErr::UniqueConstraintViolation(_)) => ChaosError::NameTaken,
                _ => err.into(),
            })
        }
    };
    let starters = skill_definition::Entity::find()
        .filter(skill_definition::Column::Class.eq(class.code()))
        .filter(skill_definition::Column::UnlockLevel.lte(1))
        .all(&txn)
        .await?;
    for skill in starters {
        learn(&txn, created.id, &skill.id).await?;
    }
    let event = EventEnvelope::new(
        "actor.created",
        created.id,
        json!({ "actorId": created.id, "userId": viewer.user_id, "name": created.name, "class": created.class }),
    )
    .by(viewer.user_id);
    outbox::enqueue(&txn, ACTOR_EVENTS_TOPIC, &event).await?;
    txn.commit().await?;
    tracing::info!(actor_id = %created.id, user_id = %viewer.user_id, class = class.code(), "actor created");
    Ok(created)
}

async fn learn(
    db: &impl ConnectionTrait,
    actor_id: Uuid,
    skill_id: &str,
) -> Result<(), ChaosError> {
    actor_skill::ActiveModel {
        actor_id: Set(actor_id),
        skill_id: Set(skill_id.to_string()),
        learned_at: Set(Utc::now()),
        last_cast_at_ms: Set(None),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Loads an actor the viewer owns: `NOT_FOUND` if missing, `FORBIDDEN` if someone else's.
async fn owned_actor(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    actor_id: Uuid,
) -> Result<actor::Model, ChaosError> {
    let found = actor::Entity::find_by_id(actor_id)
        .one(db)
        .await?
        .ok_or(KitError::NotFound("actor"))?;
    if found.user_id != viewer.user_id {
        return Err(KitError::Forbidden("only the owner may change this actor").into());
    }
    Ok(found)
}

/// Teaches the viewer's actor a skill its class and level allow. Learning a known skill
/// again is a no-op.
pub async fn learn_skill(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor_id: Uuid,
    skill_id: &str,
) -> Result<actor::Model, ChaosError> {
    let txn = begin_write(db).await?;
    let actor = owned_actor(&txn, viewer, actor_id).await?;
    let skill = skill_definition::Entity::find_by_id(skill_id.to_string())
        .one(&txn)
        .await?
        .ok_or_else(|| ChaosError::UnknownSkill(skill_id.to_string()))?;
    if skill.class != actor.class || skill.unlock_level > actor.level {
        return Err(ChaosError::SkillLocked(skill.id));
    }
    let known = actor_skill::Entity::find_by_id((actor.id, skill.id.clone()))
        .one(&txn)
        .await?;
    if known.is_none() {
        learn(&txn, actor.id, &skill.id).await?;
    }
    txn.commit().await?;
    Ok(actor)
}

/// Deletes the viewer's actor.
pub async fn delete_actor(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor_id: Uuid,
) -> Result<(), ChaosError> {
    let txn = begin_write(db).await?;
    let actor = owned_actor(&txn, viewer, actor_id).await?;
    actor_skill::Entity::delete_many()
        .filter(actor_skill::Column::ActorId.eq(actor.id))
        .exec(&txn)
        .await?;
    equipment_slot::Entity::delete_many()
        .filter(equipment_slot::Column::ActorId.eq(actor.id))
        .exec(&txn)
        .await?;
    actor_buff::Entity::delete_many()
        .filter(actor_buff::Column::ActorId.eq(actor.id))
        .exec(&txn)
        .await?;
    equipment_version::Entity::delete_by_id(actor.id)
        .exec(&txn)
        .await?;
    actor::Entity::delete_by_id(actor.id).exec(&txn).await?;
    let event = EventEnvelope::new(
        "actor.deleted",
        actor.id,
        json!({ "actorId": actor.id, "userId": viewer.user_id, "name": actor.name }),
    )
    .by(viewer.user_id);
    outbox::enqueue(&txn, ACTOR_EVENTS_TOPIC, &event).await?;
    txn.commit().await?;
    tracing::info!(actor_id = %actor.id, user_id = %viewer.user_id, "actor deleted");
    Ok(())
}

/// Sets an actor's HP, MP or stamina (admins: game-master tool, e.g. to restore a
/// player after a bug, or to stage a fight); values are clamped to 0..=max.
pub async fn set_resources(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor_id: Uuid,
    hp: Option<i32>,
    mp: Option<i32>,
    stamina: Option<i32>,
) -> Result<actor::Model, ChaosError> {
    viewer.require_scope(SCOPE_ADMIN)?;
    let txn = begin_write(db).await?;
    let actor = actor::Entity::find_by_id(actor_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(KitError::NotFound("actor"))?;
    let now = now_ms();
    let loadout = crate::items::loadout(&txn, actor.id, now).await?;
    let current = sheet(&actor, &loadout, now);
    let value = |asked: Option<i32>, pool: &ResourcePool| match asked {
        Some(asked) => f64::from(asked.clamp(0, i32::try_from(pool.max()).unwrap_or(i32::MAX))),
        None => pool.settled(now).stored().0,
    };
    let mut update: actor::ActiveModel = actor.clone().into();
    update.hp = Set(value(hp, &current.hp));
    update.mp = Set(value(mp, &current.mp));
    update.stamina = Set(value(stamina, &current.stamina));
    update.resources_updated_at_ms = Set(now);
    let updated = update.update(&txn).await?;
    txn.commit().await?;
    tracing::info!(actor_id = %actor.id, set_by = %viewer.user_id, ?hp, ?mp, ?stamina, "resources set");
    Ok(updated)
}

/// The result of an experience grant, first-time or replayed.
#[derive(Debug, Clone)]
pub struct GrantOutcome {
    /// The stored grant.
    pub grant: experience_grant::Model,
    /// Whether this call replayed an earlier grant with the same key.
    pub replayed: bool,
    /// The actor as this grant left it (first-time grants only).
    pub updated_actor: Option<actor::Model>,
}

/// Grants experience (admins only), applying level-ups. Level-ups refill HP and MP.
/// Replaying an idempotency key returns the first grant and changes nothing.
pub async fn grant_experience(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor_id: Uuid,
    amount: i64,
    idempotency_key: &str,
) -> Result<GrantOutcome, ChaosError> {
    viewer.require_scope(SCOPE_ADMIN)?;
    if !(1..=1_000_000_000).contains(&amount) {
        return Err(
            KitError::BadUserInput("amount must be between 1 and 1000000000".to_string()).into(),
        );
    }
    let key = idempotency_key.trim();
    if key.is_empty() || key.len() > 128 {
        return Err(
            KitError::BadUserInput("idempotency key must be 1-128 characters".to_string()).into(),
        );
    }
    if let Some(previous) = replay(db, key, actor_id, amount).await? {
        return Ok(previous);
    }
    let txn = begin_write(db).await?;
    let actor = actor::Entity::find_by_id(actor_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(KitError::NotFound("actor"))?;
    let now = now_ms();
    let loadout = crate::items::loadout(&txn, actor.id, now).await?;
    let before = sheet(&actor, &loadout, now);
    let outcome = apply_experience(
        u64::try_from(actor.experience).unwrap_or(0),
        amount.unsigned_abs(),
    );
    let mut leveled = actor.clone();
    leveled.level = i32::try_from(outcome.level).unwrap_or(i32::MAX);
    leveled.experience = i64::try_from(outcome.experience).unwrap_or(i64::MAX);
    let after = sheet(&leveled, &loadout, now);
    let (hp, mp, stamina) = if outcome.levels_gained > 0 {
        (
            ResourcePool::full(after.hp.max(), 0.0, now),
            ResourcePool::full(after.mp.max(), 0.0, now),
            before.stamina.settled(now),
        )
    } else {
        (
            before.hp.settled(now),
            before.mp.settled(now),
            before.stamina.settled(now),
        )
    };
    let mut update: actor::ActiveModel = actor.clone().into();
    update.level = Set(leveled.level);
    update.experience = Set(leveled.experience);
    update.hp = Set(hp.stored().0);
    update.mp = Set(mp.stored().0);
    update.stamina = Set(stamina.stored().0);
    update.resources_updated_at_ms = Set(now);
    let updated_actor = update.update(&txn).await?;
    let grant = experience_grant::ActiveModel {
        idempotency_key: Set(key.to_string()),
        actor_id: Set(actor.id),
        amount: Set(amount),
        level_before: Set(actor.level),
        level_after: Set(leveled.level),
        experience_after: Set(leveled.experience),
        granted_by: Set(viewer.user_id),
        granted_at: Set(Utc::now()),
    };
    match grant.insert(&txn).await {
        Ok(grant) => {
            let event = EventEnvelope::new(
                "actor.experience_granted",
                actor.id,
                json!({
                    "actorId": actor.id,
                    "amount": amount,
                    "levelBefore": grant.level_before,
                    "levelAfter": grant.level_after,
                    "experienceAfter": grant.experience_after,
                    "idempotencyKey": grant.idempotency_key,
                }),
            )
            .by(viewer.user_id);
            outbox::enqueue(&txn, ACTOR_EVENTS_TOPIC, &event).await?;
            txn.commit().await?;
            tracing::info!(actor_id = %actor.id, amount, level = leveled.level, granted_by = %viewer.user_id, "experience granted");
            Ok(GrantOutcome {
                grant,
                replayed: false,
                updated_actor: Some(updated_actor),
            })
        }
        // A concurrent call with the same key won; drop ours and answer with theirs.
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            txn.rollback().await?;
            replay(db, key, actor_id, amount)
                .await?
                .ok_or(ChaosError::IdempotencyKeyReused)
        }
        Err(err) => Err(err.into()),
    }
}

async fn replay(
    db: &DatabaseConnection,
    key: &str,
    actor_id: Uuid,
    amount: i64,
) -> Result<Option<GrantOutcome>, ChaosError> {
    match experience_grant::Entity::find_by_id(key.to_string())
        .one(db)
        .await?
    {
        Some(grant) if grant.actor_id == actor_id && grant.amount == amount => {
            Ok(Some(GrantOutcome {
                grant,
                replayed: true,
                updated_actor: None,
            }))
        }
        Some(_) => Err(ChaosError::IdempotencyKeyReused),
        None => Ok(None),
    }
}

/// Actors by id.
pub async fn actors_by_ids(
    db: &DatabaseConnection,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, actor::Model>, KitError> {
    let rows = actor::Entity::find()
        .filter(actor::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|row| (row.id, row)).collect())
}

/// The actor named `name` (case-insensitive, as names are unique).
pub async fn actor_by_name(
    db: &DatabaseConnection,
    name: &str,
) -> Result<Option<actor::Model>, KitError> {
    Ok(actor::Entity::find()
        .filter(actor::Column::NameKey.eq(name.trim().to_ascii_lowercase()))
        .one(db)
        .await?)
}

/// Actors of each user, in slot order.
pub async fn actors_by_user_ids(
    db: &DatabaseConnection,
    user_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<actor::Model>>, KitError> {
    let rows = actor::Entity::find()
        .filter(actor::Column::UserId.is_in(user_ids.iter().copied()))
        .order_by_asc(actor::Column::Slot)
        .all(db)
        .await?;
    Ok(group_by(user_ids, rows, |row| row.user_id))
}

/// Groups `rows` under `keys` (every key present, possibly with no rows), keeping the
/// rows' order: what a batch loader answers for one-to-many relations.
fn group_by<T>(keys: &[Uuid], rows: Vec<T>, key_of: impl Fn(&T) -> Uuid) -> HashMap<Uuid, Vec<T>> {
    let mut grouped: HashMap<Uuid, Vec<T>> = keys.iter().map(|id| (*id, Vec::new())).collect();
    for row in rows {
        grouped.entry(key_of(&row)).or_default().push(row);
    }
    grouped
}

/// Learned skills (with their definitions) of each actor.
pub async fn skills_by_actor_ids(
    db: &DatabaseConnection,
    actor_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<(actor_skill::Model, skill_definition::Model)>>, KitError> {
    let rows = actor_skill::Entity::find()
        .filter(actor_skill::Column::ActorId.is_in(actor_ids.iter().copied()))
        .order_by_asc(actor_skill::Column::LearnedAt)
        .order_by_asc(actor_skill::Column::SkillId)
        .all(db)
        .await?;
    // Only the definitions these actors know, not the whole catalogue.
    let learned_ids: std::collections::HashSet<&str> =
        rows.iter().map(|row| row.skill_id.as_str()).collect();
    let definitions: HashMap<String, skill_definition::Model> = skill_definition::Entity::find()
        .filter(skill_definition::Column::Id.is_in(learned_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|skill| (skill.id.clone(), skill))
        .collect();
    let learned = rows
        .into_iter()
        .filter_map(|row| {
            definitions
                .get(&row.skill_id)
                .cloned()
                .map(|definition| (row, definition))
        })
        .collect();
    Ok(group_by(actor_ids, learned, |(row, _)| row.actor_id))
}

/// The skill catalogue, optionally for one class.
pub async fn skill_catalogue(
    db: &DatabaseConnection,
    class: Option<Class>,
) -> Result<Vec<skill_definition::Model>, KitError> {
    let mut query = skill_definition::Entity::find()
        .order_by_asc(skill_definition::Column::Class)
        .order_by_asc(skill_definition::Column::UnlockLevel)
        .order_by_asc(skill_definition::Column::Id);
    if let Some(class) = class {
        query = query.filter(skill_definition::Column::Class.eq(class.code()));
    }
    Ok(query.all(db).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_validated() {
        assert_eq!(validate_name(" Aria ").ok().as_deref(), Some("Aria"));
        for bad in ["Al", "1Aria", "Aria Star", "Ariaaaaaaaaaaaaaa", "Ari@"] {
            assert!(validate_name(bad).is_err(), "{bad}");
        }
    }
}
