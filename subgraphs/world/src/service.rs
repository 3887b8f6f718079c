//! The world's commands and reads: positions and movement (speed-checked), territories
//! and their structures, and the two steps a skill cast asks of the world (its
//! environment, and a hit on a structure, once per cast id).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Deserialize;
use serde_json::json;
use subgraph_kit::auth::{Viewer, SCOPE_ADMIN};
use subgraph_kit::db::begin_write;
use subgraph_kit::directory::ActorDirectory;
use subgraph_kit::events::outbox::{self, OutboxSignal};
use subgraph_kit::events::{topics, EventEnvelope};
use subgraph_kit::peer::PeerClient;
use subgraph_kit::pubsub::PubSub;
use subgraph_kit::KitError;
use uuid::Uuid;

use entities::world::{actor_position, structure, structure_hit, territory, world_zone};

use crate::error::WorldError;
use crate::settings::WorldRules;
use crate::zones::{self, Weather};

/// Live topic of every territory change; `TERRITORY_TOPIC:<zone id>` carries one zone's.
pub const TERRITORY_TOPIC: &str = "territory";

/// The world service's state.
pub struct World {
    /// The world database.
    pub db: DatabaseConnection,
    /// Actor ownership (asked of chaos).
    pub directory: ActorDirectory,
    /// The guild service (an attacker's guild); `None` treats every attacker as guildless.
    pub guild: Option<PeerClient>,
    /// Tunable rules.
    pub rules: WorldRules,
    /// Wakes the outbox relay after a commit.
    pub outbox: OutboxSignal,
    /// Live fan-out of territory changes.
    pub pubsub: Arc<dyn PubSub>,
}

/// Where an actor stands. Actors that never moved stand at the spawn zone's centre.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    /// The zone.
    pub zone_id: String,
    /// x.
    pub x: f64,
    /// y.
    pub y: f64,
    /// When it arrived (ms since the epoch); `None` at spawn.
    pub moved_at_ms: Option<i64>,
}

impl From<actor_position::Model> for Placement {
    fn from(row: actor_position::Model) -> Self {
        Placement {
            zone_id: row.zone_id,
            x: row.x,
            y: row.y,
            moved_at_ms: Some(row.moved_at_ms),
        }
    }
}

/// What a cast's target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CastTarget {
    /// Another actor.
    Actor(Uuid),
    /// A territory's structure.
    Structure(Uuid),
}

/// The environment of a cast: where the caster stands, the weather there, and the
/// target's distance.
#[derive(Debug, Clone, PartialEq)]
pub struct CastEnvironment {
    /// The caster's zone.
    pub zone_id: String,
    /// The weather there now.
    pub weather: Weather,
    /// Whether the zone forbids combat.
    pub no_combat: bool,
    /// Whether the target is in the caster's zone (otherwise it is out of any range).
    pub same_zone: bool,
    /// Distance to the target in world units (0 when in another zone).
    pub distance: f64,
    /// The structure's defense (structures only).
    pub target_defense: Option<i32>,
    /// Whether the structure is already destroyed (structures only).
    pub target_destroyed: bool,
}

/// A structure hit as recorded (also what a replay returns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The structure.
    pub structure_id: Uuid,
    /// Its territory.
    pub territory_id: Uuid,
    /// Damage dealt.
    pub amount: i32,
    /// Hit points after.
    pub hp_after: i32,
    /// Whether it was destroyed.
    pub destroyed: bool,
    /// Whether the territory changed hands.
    pub transferred: bool,
    /// The territory's holder after the hit.
    pub owner_guild_id: Option<Uuid>,
}

/// A structure to build with a territory.
#[derive(Debug, Clone)]
pub struct NewStructure {
    /// Display name.
    pub name: String,
    /// Hit points.
    pub max_hp: i32,
    /// Damage mitigation.
    pub defense: i32,
    /// x.
    pub x: f64,
    /// y.
    pub y: f64,
}

/// A territory changing hands, as live subscribers see it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TerritoryChanged {
    /// The territory.
    pub territory_id: Uuid,
    /// Its zone.
    pub zone_id: String,
    /// The guild that lost it.
    pub previous_guild_id: Option<Uuid>,
    /// The guild that holds it now.
    pub guild_id: Option<Uuid>,
    /// The cast that took it.
    pub cast_id: Uuid,
    /// When (ms since the epoch).
    pub at_ms: i64,
}

const ACTOR_GUILD: &str = "query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Actor { guild { id } } } }";

#[derive(Deserialize)]
struct GuildData {
    #[serde(rename = "_entities")]
    entities: Vec<Option<ActorGuild>>,
}

#[derive(Deserialize)]
struct ActorGuild {
    guild: Option<IdOnly>,
}

#[derive(Deserialize)]
struct IdOnly {
    id: Uuid,
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

fn distance(a: (f64, f64), b: (f64, f64)) -> f64 {
    (a.0 - b.0).hypot(a.1 - b.1)
}

impl World {
    /// A zone by id.
    pub async fn zone(&self, id: &str) -> Result<world_zone::Model, WorldError> {
        world_zone::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or_else(|| WorldError::UnknownZone(id.to_string()))
    }

    /// Every zone, by id.
    pub async fn zones(&self) -> Result<Vec<world_zone::Model>, WorldError> {
        Ok(world_zone::Entity::find()
            .order_by_asc(world_zone::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// Where each of `actor_ids` stands (spawn for those that never moved).
    pub async fn placements(
        &self,
        actor_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Placement>, WorldError> {
        let rows = actor_position::Entity::find()
            .filter(actor_position::Column::ActorId.is_in(actor_ids.iter().copied()))
            .all(&self.db)
            .await?;
        let mut found: HashMap<Uuid, Placement> = rows
            .into_iter()
            .map(|row| (row.actor_id, row.into()))
            .collect();
        if found.len() < actor_ids.len() {
            let spawn = self.spawn().await?;
            for id in actor_ids {
                found.entry(*id).or_insert_with(|| spawn.clone());
            }
        }
        Ok(found)
    }

    async fn spawn(&self) -> Result<Placement, WorldError> {
        let zone = self.zone(&self.rules.spawn_zone).await?;
        let (x, y) = zones::centre(&zone);
        Ok(Placement {
            zone_id: zone.id,
            x,
            y,
            moved_at_ms: None,
        })
    }

    async fn placement(&self, actor_id: Uuid) -> Result<Placement, WorldError> {
        let mut found = self.placements(&[actor_id]).await?;
        Ok(found
            .remove(&actor_id)
            .expect("placements answers every id asked"))
    }

    /// The viewer's actor's position row, locked, created at spawn on first use.
    async fn own_position(
        &self,
        txn: &DatabaseTransaction,
        viewer: &Viewer,
        actor_id: Uuid,
    ) -> Result<actor_position::Model, WorldError> {
        let locked = |txn| {
            actor_position::Entity::find_by_id(actor_id)
                .lock_exclusive()
                .one(txn)
        };
        let row = match locked(txn).await? {
            Some(row) => row,
            None => {
                self.directory.owned_by(actor_id, viewer).await?;
                let spawn = self.spawn().await?;
                self.upsert_position(
                    txn,
                    actor_id,
                    viewer.user_id,
                    &spawn.zone_id,
                    spawn.x,
                    spawn.y,
                    false,
                )
                .await?;
                locked(txn).await?.ok_or(KitError::NotFound("actor"))?
            }
        };
        if row.user_id != viewer.user_id {
            return Err(KitError::Forbidden("the actor belongs to another player").into());
        }
        Ok(row)
    }

    #[allow(clippy::too_many_arguments)]
    async fn upsert_position(
        &self,
        txn: &DatabaseTransaction,
        actor_id: Uuid,
        user_id: Uuid,
        zone_id: &str,
        x: f64,
        y: f64,
        overwrite: bool,
    ) -> Result<(), WorldError> {
        let row = actor_position::ActiveModel {
            actor_id: Set(actor_id),
            user_id: Set(user_id),
            zone_id: Set(zone_id.to_string()),
            x: Set(x),
            y: Set(y),
            moved_at_ms: Set(now_ms()),
        };
        let mut conflict = OnConflict::column(actor_position::Column::ActorId);
        if overwrite {
            conflict.update_columns([
                actor_position::Column::ZoneId,
                actor_position::Column::X,
                actor_position::Column::Y,
                actor_position::Column::MovedAtMs,
            ]);
        } else {
            conflict.do_nothing();
        }
        actor_position::Entity::insert(row)
            .on_conflict(conflict)
            .exec_without_returning(txn)
            .await?;
        Ok(())
    }

    /// Moves the viewer's actor within its zone. A move faster than the zone's max
    /// speed (with the configured slack) is refused, the actor stays put, and the
    /// refusal is published for anti-cheat.
    pub async fn move_actor(
        &self,
        viewer: &Viewer,
        actor_id: Uuid,
        x: f64,
        y: f64,
    ) -> Result<Placement, WorldError> {
        let txn = begin_write(&self.db).await?;
        let row = self.own_position(&txn, viewer, actor_id).await?;
        let zone = self.zone(&row.zone_id).await?;
        if !zones::contains(&zone, x, y) {
            return Err(WorldError::OutOfBounds { x, y });
        }
        let now = now_ms();
        let elapsed_ms = (now - row.moved_at_ms)
            .max(self.rules.min_move_interval_ms)
            .max(1);
        let travelled = distance((row.x, row.y), (x, y));
        let speed = travelled * 1000.0 / elapsed_ms as f64;
        if speed > zone.max_speed * self.rules.speed_tolerance {
            let event = EventEnvelope::new(
                "world.movement_rejected",
                actor_id,
                json!({
                    "actorId": actor_id,
                    "zoneId": zone.id,
                    "from": { "x": row.x, "y": row.y },
                    "to": { "x": x, "y": y },
                    "atMs": now,
                    "elapsedMs": elapsed_ms,
                    "speed": speed,
                    "maxSpeed": zone.max_speed,
                }),
            )
            .by(viewer.user_id);
            outbox::enqueue(&txn, topics::WORLD, &event).await?;
            txn.commit().await?;
            self.outbox.committed();
            tracing::info!(%actor_id, speed, max_speed = zone.max_speed, "move refused: too fast");
            return Err(WorldError::SpeedLimitExceeded {
                speed,
                max_speed: zone.max_speed,
            });
        }
        self.upsert_position(&txn, actor_id, viewer.user_id, &zone.id, x, y, true)
            .await?;
        txn.commit().await?;
        Ok(Placement {
            zone_id: zone.id,
            x,
            y,
            moved_at_ms: Some(now),
        })
    }

    /// Takes the viewer's actor to `zone_id`'s centre (a portal: no speed check).
    pub async fn enter_zone(
        &self,
        viewer: &Viewer,
        actor_id: Uuid,
        zone_id: &str,
    ) -> Result<Placement, WorldError> {
        let zone = self.zone(zone_id).await?;
        let (x, y) = zones::centre(&zone);
        let txn = begin_write(&self.db).await?;
        self.own_position(&txn, viewer, actor_id).await?;
        self.upsert_position(&txn, actor_id, viewer.user_id, &zone.id, x, y, true)
            .await?;
        txn.commit().await?;
        self.placement(actor_id).await
    }

    /// Puts any actor anywhere (game-master tool).
    pub async fn place_actor(
        &self,
        viewer: &Viewer,
        actor_id: Uuid,
        zone_id: &str,
        x: f64,
        y: f64,
    ) -> Result<Placement, WorldError> {
        viewer.require_scope(SCOPE_ADMIN)?;
        let zone = self.zone(zone_id).await?;
        if !zones::contains(&zone, x, y) {
            return Err(WorldError::OutOfBounds { x, y });
        }
        let actor = self.directory.get(actor_id).await?;
        let txn = begin_write(&self.db).await?;
        self.upsert_position(&txn, actor_id, actor.user_id, &zone.id, x, y, true)
            .await?;
        txn.commit().await?;
        self.placement(actor_id).await
    }

    /// Founds a territory with its structures (game-master tool).
    pub async fn create_territory(
        &self,
        viewer: &Viewer,
        zone_id: &str,
        name: &str,
        owner_guild_id: Option<Uuid>,
        structures: Vec<NewStructure>,
    ) -> Result<territory::Model, WorldError> {
        viewer.require_scope(SCOPE_ADMIN)?;
        let zone = self.zone(zone_id).await?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(
                KitError::BadUserInput("a territory name has 1 to 64 characters".into()).into(),
            );
        }
        if structures.is_empty() {
            return Err(
                KitError::BadUserInput("a territory needs at least one structure".into()).into(),
            );
        }
        for built in &structures {
            if built.max_hp <= 0 || built.defense < 0 || built.name.trim().is_empty() {
                return Err(KitError::BadUserInput(
                    "structures need a name, positive hit points and non-negative defense".into(),
                )
                .into());
            }
            if !zones::contains(&zone, built.x, built.y) {
                return Err(WorldError::OutOfBounds {
                    x: built.x,
                    y: built.y,
                });
            }
        }
        let txn = begin_write(&self.db).await?;
        let created = territory::ActiveModel {
            id: Set(Uuid::now_v7()),
            zone_id: Set(zone.id),
            name: Set(name.to_string()),
            owner_guild_id: Set(owner_guild_id),
            changes: Set(0),
            changed_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await?;
        for built in structures {
            structure::ActiveModel {
                id: Set(Uuid::now_v7()),
                territory_id: Set(created.id),
                name: Set(built.name.trim().to_string()),
                max_hp: Set(built.max_hp),
                hp: Set(built.max_hp),
                defense: Set(built.defense),
                x: Set(built.x),
                y: Set(built.y),
            }
            .insert(&txn)
            .await?;
        }
        if let Some(guild_id) = owner_guild_id {
            let event = EventEnvelope::new(
                "world.territory_changed",
                created.id,
                json!({
                    "territoryId": created.id,
                    "zoneId": created.zone_id,
                    "name": created.name,
                    "previousGuildId": null,
                    "guildId": guild_id,
                    "castId": null,
                }),
            )
            .by(viewer.user_id);
            outbox::enqueue(&txn, topics::WORLD, &event).await?;
        }
        txn.commit().await?;
        self.outbox.committed();
        Ok(created)
    }

    /// Territories, optionally of one zone or one guild.
    pub async fn territories(
        &self,
        zone_id: Option<&str>,
        guild_id: Option<Uuid>,
    ) -> Result<Vec<territory::Model>, WorldError> {
        let mut query = territory::Entity::find().order_by_asc(territory::Column::Id);
        if let Some(zone_id) = zone_id {
            query = query.filter(territory::Column::ZoneId.eq(zone_id));
        }
        if let Some(guild_id) = guild_id {
            query = query.filter(territory::Column::OwnerGuildId.eq(guild_id));
        }
        Ok(query.all(&self.db).await?)
    }

    /// Territories by id.
    pub async fn territories_by_ids(
        &self,
        ids: &[Uuid],
    ) -> Result<Vec<territory::Model>, WorldError> {
        Ok(territory::Entity::find()
            .filter(territory::Column::Id.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?)
    }

    /// Structures of each territory, in building order.
    pub async fn structures_of(
        &self,
        territory_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<structure::Model>>, WorldError> {
        let rows = structure::Entity::find()
            .filter(structure::Column::TerritoryId.is_in(territory_ids.iter().copied()))
            .order_by_asc(structure::Column::Id)
            .all(&self.db)
            .await?;
        let mut grouped: HashMap<Uuid, Vec<structure::Model>> = HashMap::new();
        for row in rows {
            grouped.entry(row.territory_id).or_default().push(row);
        }
        Ok(grouped)
    }

    /// Where a cast from `caster_id` at `target` happens: the caster's zone, its
    /// weather now, whether combat is allowed there, and the target's distance.
    pub async fn cast_environment(
        &self,
        caster_id: Uuid,
        target: CastTarget,
    ) -> Result<CastEnvironment, WorldError> {
        let caster = self.placement(caster_id).await?;
        let zone = self.zone(&caster.zone_id).await?;
        let (weather, _) = zones::weather_at(&zone, now_ms());
        let (target_zone, target_at, target_defense, target_destroyed) = match target {
            CastTarget::Actor(id) => {
                let placed = self.placement(id).await?;
                (placed.zone_id, (placed.x, placed.y), None, false)
            }
            CastTarget::Structure(id) => {
                let found = structure::Entity::find_by_id(id)
                    .one(&self.db)
                    .await?
                    .ok_or(KitError::NotFound("structure"))?;
                let held = territory::Entity::find_by_id(found.territory_id)
                    .one(&self.db)
                    .await?
                    .ok_or(KitError::NotFound("territory"))?;
                (
                    held.zone_id,
                    (found.x, found.y),
                    Some(found.defense),
                    found.hp == 0,
                )
            }
        };
        let same_zone = target_zone == zone.id;
        Ok(CastEnvironment {
            distance: if same_zone {
                distance((caster.x, caster.y), target_at)
            } else {
                0.0
            },
            zone_id: zone.id,
            weather,
            no_combat: zone.no_combat,
            same_zone,
            target_defense,
            target_destroyed,
        })
    }

    /// The guild `actor_id` belongs to, asked of the guild service.
    async fn guild_of(&self, actor_id: Uuid) -> Result<Option<Uuid>, WorldError> {
        let Some(guild) = &self.guild else {
            return Ok(None);
        };
        let data: GuildData = guild
            .execute(
                ACTOR_GUILD,
                json!({ "representations": [{ "__typename": "Actor", "id": actor_id }] }),
            )
            .await?;
        Ok(data
            .entities
            .into_iter()
            .next()
            .flatten()
            .and_then(|actor| actor.guild)
            .map(|guild| guild.id))
    }

    /// Lands `cast_id`'s hit of `amount` on a structure, once: a replay returns the
    /// recorded hit, a voided cast is `CAST_VOIDED`. Destroying a territory's last
    /// standing structure hands the territory to the attacker's guild (or to nobody)
    /// and rebuilds its structures for the new holder.
    pub async fn damage_structure(
        &self,
        cast_id: Uuid,
        structure_id: Uuid,
        attacker_actor_id: Uuid,
        attacker_user_id: Uuid,
        amount: i32,
    ) -> Result<Hit, WorldError> {
        if amount < 0 {
            return Err(KitError::BadUserInput("damage cannot be negative".into()).into());
        }
        let attacker_guild = self.guild_of(attacker_actor_id).await?;
        let txn = begin_write(&self.db).await?;
        let target = lock_structure(&txn, structure_id).await?;
        let held = territory::Entity::find_by_id(target.territory_id)
            .lock_exclusive()
            .one(&txn)
            .await?
            .ok_or(KitError::NotFound("territory"))?;
        if let Some(hit) = structure_hit::Entity::find_by_id(cast_id).one(&txn).await? {
            return recorded(hit, &held);
        }
        if target.hp == 0 {
            return Err(WorldError::StructureDestroyed);
        }
        if attacker_guild.is_some() && attacker_guild == held.owner_guild_id {
            return Err(WorldError::FriendlyTarget);
        }
        let hp_after = (target.hp - amount).max(0);
        let mut update: structure::ActiveModel = target.clone().into();
        update.hp = Set(hp_after);
        update.update(&txn).await?;
        let destroyed = hp_after == 0;
        let standing = if destroyed {
            structure::Entity::find()
                .filter(structure::Column::TerritoryId.eq(held.id))
                .filter(structure::Column::Hp.gt(0))
                .count(&txn)
                .await?
        } else {
            1
        };
        let transferred = destroyed && standing == 0;
        let mut owner_guild_id = held.owner_guild_id;
        let now = now_ms();
        let mut change = None;
        if transferred {
            owner_guild_id = attacker_guild;
            let mut moved: territory::ActiveModel = held.clone().into();
            moved.owner_guild_id = Set(attacker_guild);
            moved.changes = Set(held.changes + 1);
            moved.changed_at = Set(Utc::now());
            moved.update(&txn).await?;
            // The new holder finds the defenses rebuilt.
            for rebuilt in structure::Entity::find()
                .filter(structure::Column::TerritoryId.eq(held.id))
                .all(&txn)
                .await?
            {
                let hp = rebuilt.max_hp;
                let mut rebuilt: structure::ActiveModel = rebuilt.into();
                rebuilt.hp = Set(hp);
                rebuilt.update(&txn).await?;
            }
            let changed = TerritoryChanged {
                territory_id: held.id,
                zone_id: held.zone_id.clone(),
                previous_guild_id: held.owner_guild_id,
                guild_id: attacker_guild,
                cast_id,
                at_ms: now,
            };
            let event = EventEnvelope::new(
                "world.territory_changed",
                held.id,
                json!({
                    "territoryId": held.id,
                    "zoneId": held.zone_id,
                    "name": held.name,
                    "previousGuildId": held.owner_guild_id,
                    "guildId": attacker_guild,
                    "castId": cast_id,
                }),
            )
            .by(attacker_user_id);
            outbox::enqueue(&txn, topics::WORLD, &event).await?;
            change = Some(changed);
        }
        structure_hit::ActiveModel {
            cast_id: Set(cast_id),
            structure_id: Set(structure_id),
            attacker_actor_id: Set(attacker_actor_id),
            attacker_guild_id: Set(attacker_guild),
            amount: Set(amount),
            voided: Set(false),
            hp_after: Set(hp_after),
            destroyed: Set(destroyed),
            transferred: Set(transferred),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await?;
        let event = EventEnvelope::new(
            "world.structure_damaged",
            held.id,
            json!({
                "castId": cast_id,
                "structureId": structure_id,
                "territoryId": held.id,
                "actorId": attacker_actor_id,
                "amount": amount,
                "hpAfter": hp_after,
                "destroyed": destroyed,
            }),
        )
        .by(attacker_user_id);
        outbox::enqueue(&txn, topics::WORLD, &event).await?;
        txn.commit().await?;
        self.outbox.committed();
        if let Some(changed) = change {
            tracing::info!(territory_id = %changed.territory_id, guild_id = ?changed.guild_id, "territory changed hands");
            self.announce(&changed).await;
        }
        Ok(Hit {
            structure_id,
            territory_id: held.id,
            amount,
            hp_after,
            destroyed,
            transferred,
            owner_guild_id,
        })
    }

    /// Gives `cast_id` up: if its hit already landed, answers `true` (the caster must
    /// complete the cast, not compensate it); otherwise records the cast as voided so a
    /// late hit changes nothing, and answers `false`.
    pub async fn void_cast(&self, cast_id: Uuid, structure_id: Uuid) -> Result<bool, WorldError> {
        let txn = begin_write(&self.db).await?;
        let target = lock_structure(&txn, structure_id).await?;
        if let Some(hit) = structure_hit::Entity::find_by_id(cast_id).one(&txn).await? {
            return Ok(!hit.voided);
        }
        structure_hit::ActiveModel {
            cast_id: Set(cast_id),
            structure_id: Set(structure_id),
            attacker_actor_id: Set(Uuid::nil()),
            attacker_guild_id: Set(None),
            amount: Set(0),
            voided: Set(true),
            hp_after: Set(target.hp),
            destroyed: Set(false),
            transferred: Set(false),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok(false)
    }

    async fn announce(&self, changed: &TerritoryChanged) {
        let message = match serde_json::to_string(changed) {
            Ok(message) => message,
            Err(err) => {
                tracing::error!(cause = %err, "territory change not encodable");
                return;
            }
        };
        for topic in [
            TERRITORY_TOPIC.to_string(),
            format!("{TERRITORY_TOPIC}:{}", changed.zone_id),
        ] {
            if let Err(err) = self.pubsub.publish(&topic, message.clone()).await {
                tracing::warn!(%topic, cause = %err, "territory change not published live");
            }
        }
    }

    /// Forgets a deleted actor's position.
    pub async fn forget_actor(
        txn: &DatabaseTransaction,
        actor_id: Uuid,
    ) -> Result<(), sea_orm::DbErr> {
        actor_position::Entity::delete_by_id(actor_id)
            .exec(txn)
            .await?;
        Ok(())
    }
}

async fn lock_structure(
    txn: &DatabaseTransaction,
    structure_id: Uuid,
) -> Result<structure::Model, WorldError> {
    Ok(structure::Entity::find_by_id(structure_id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(KitError::NotFound("structure"))?)
}

fn recorded(hit: structure_hit::Model, held: &territory::Model) -> Result<Hit, WorldError> {
    if hit.voided {
        return Err(WorldError::CastVoided);
    }
    Ok(Hit {
        structure_id: hit.structure_id,
        territory_id: held.id,
        amount: hit.amount,
        hp_after: hit.hp_after,
        destroyed: hit.destroyed,
        transferred: hit.transferred,
        owner_guild_id: held.owner_guild_id,
    })
}
