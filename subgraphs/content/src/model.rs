//! The five kinds of definitions, as GraphQL types (output and input twins) and as the
//! JSON documents stored and published: one struct each, so the stored JSON, the
//! `content.published` payload and the graph share their camelCase field names and
//! their enum values (`MAIN_HAND`, `HEAL_HP`).

use async_graphql::{Enum, InputObject, SimpleObject, ID};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a definition defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ContentKind {
    /// An item (`ItemDefinition`).
    Item,
    /// A skill (`SkillDefinition`).
    Skill,
    /// A crafting recipe (`Recipe`).
    Recipe,
    /// A zone (`ZoneDefinition`).
    Zone,
    /// A live event (`EventDefinition`).
    Event,
}

impl ContentKind {
    /// Every kind.
    pub const ALL: [ContentKind; 5] = [
        ContentKind::Item,
        ContentKind::Skill,
        ContentKind::Recipe,
        ContentKind::Zone,
        ContentKind::Event,
    ];

    /// The GraphQL (and stored) name, e.g. `ITEM`.
    pub fn code(self) -> &'static str {
        match self {
            ContentKind::Item => "ITEM",
            ContentKind::Skill => "SKILL",
            ContentKind::Recipe => "RECIPE",
            ContentKind::Zone => "ZONE",
            ContentKind::Event => "EVENT",
        }
    }

    /// The key of definition `id` of this kind: `ITEM:health_potion` (document id and
    /// event aggregate id).
    pub fn key(self, id: &str) -> String {
        format!("{}:{id}", self.code())
    }
}

/// Broad category of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ItemType {
    /// Equipped in the main or off hand to fight.
    Weapon,
    /// Equipped for protection.
    Armor,
    /// Used up for an effect.
    Consumable,
    /// Crafting ingredient.
    Material,
    /// Quest item.
    Quest,
    /// Anything else.
    Misc,
}

/// How rare an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Rarity {
    /// Found everywhere.
    Common,
    /// A little special.
    Uncommon,
    /// Hard to find.
    Rare,
    /// Very hard to find.
    Epic,
    /// One of a kind.
    Legendary,
}

/// An equipment slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EquipSlot {
    #[allow(missing_docs)]
    Head,
    #[allow(missing_docs)]
    Chest,
    #[allow(missing_docs)]
    Legs,
    #[allow(missing_docs)]
    Feet,
    #[allow(missing_docs)]
    Hands,
    #[allow(missing_docs)]
    MainHand,
    #[allow(missing_docs)]
    OffHand,
    #[allow(missing_docs)]
    Ring,
    #[allow(missing_docs)]
    Amulet,
}

/// A playable class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
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

/// Weather in a zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
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

/// What using an item does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ItemEffectKind {
    /// Restores `amount` HP.
    HealHp,
    /// Restores `amount` MP.
    RestoreMp,
    /// Adds `modifiers` to the actor's stats for `durationMs`.
    Buff,
}

/// Changes to the five primary attributes.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, SimpleObject, InputObject,
)]
#[graphql(input_name = "StatModifiersInput")]
#[serde(rename_all = "camelCase", default)]
pub struct StatModifiers {
    /// Strength change.
    #[graphql(default)]
    pub strength: i32,
    /// Intelligence change.
    #[graphql(default)]
    pub intelligence: i32,
    /// Dexterity change.
    #[graphql(default)]
    pub dexterity: i32,
    /// Vitality change.
    #[graphql(default)]
    pub vitality: i32,
    /// Wisdom change.
    #[graphql(default)]
    pub wisdom: i32,
}

impl StatModifiers {
    /// Whether every change is zero.
    pub fn is_zero(&self) -> bool {
        *self == StatModifiers::default()
    }
}

/// One effect of using an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject, InputObject)]
#[graphql(input_name = "ItemEffectInput")]
#[serde(rename_all = "camelCase")]
pub struct ItemEffect {
    /// What the effect does.
    pub kind: ItemEffectKind,
    /// HP or MP restored (`HEAL_HP`, `RESTORE_MP`); 0 for `BUFF`.
    #[graphql(default)]
    #[serde(default)]
    pub amount: i32,
    /// Stat changes (`BUFF` only).
    #[serde(default)]
    pub modifiers: Option<StatModifiers>,
    /// How long a `BUFF` lasts, in milliseconds.
    #[serde(default)]
    pub duration_ms: Option<i32>,
}

/// An item definition: what every instance of the item is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, SimpleObject, InputObject)]
#[graphql(input_name = "ItemDefinitionInput")]
#[serde(rename_all = "camelCase")]
pub struct ItemDefinition {
    /// Stable id, e.g. `health_potion` (`[a-z0-9_]{2,64}`).
    pub id: ID,
    /// Display name.
    pub name: String,
    /// Flavour text.
    #[graphql(default)]
    pub description: String,
    /// Broad category.
    pub item_type: ItemType,
    /// Rarity.
    pub rarity: Rarity,
    /// Most items per stack (1 for equipment).
    pub max_stack: i32,
    /// Where it is worn (weapons and armor only).
    pub equip_slot: Option<EquipSlot>,
    /// Stat changes while equipped.
    #[graphql(default)]
    #[serde(default)]
    pub stat_modifiers: StatModifiers,
    /// Effects when used; empty for items that cannot be used.
    #[graphql(default)]
    #[serde(default)]
    pub use_effects: Vec<ItemEffect>,
    /// Whether it may be traded or put in guild storage.
    #[graphql(default = true)]
    pub tradable: bool,
    /// Worth in gold.
    #[graphql(default)]
    pub value: i32,
    /// The published version this is (0 in a draft).
    #[graphql(skip_input)]
    #[serde(default, skip_serializing_if = "is_draft")]
    pub version: i32,
}

/// A skill definition: the rules of one castable skill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, SimpleObject, InputObject)]
#[graphql(input_name = "SkillDefinitionInput")]
#[serde(rename_all = "camelCase")]
pub struct SkillDefinition {
    /// Stable id, e.g. `fireball`.
    pub id: ID,
    /// Display name.
    pub name: String,
    /// What it does, for players.
    #[graphql(default)]
    pub description: String,
    /// The class that learns it.
    pub class: ActorClass,
    /// Level at which the class learns it.
    pub unlock_level: i32,
    /// Damage element: `PHYSICAL`, `FIRE`, `ICE`, `LIGHTNING` or `HOLY`.
    pub element: String,
    /// Which power damage scales with: `ATTACK` or `SPELL`.
    pub scaling: String,
    /// Mana paid per cast.
    pub mp_cost: i32,
    /// Time before it can be cast again, in milliseconds.
    pub cooldown_ms: i32,
    /// Maximum distance to the target, in world units.
    pub range: f64,
    /// Flat damage before scaling.
    pub base_damage: i32,
    /// Damage added per point of the scaling power.
    pub power_ratio: f64,
    /// Item consumed per cast (a published item definition), if any.
    pub reagent_item_id: Option<String>,
    /// The published version this is (0 in a draft).
    #[graphql(skip_input)]
    #[serde(default, skip_serializing_if = "is_draft")]
    pub version: i32,
}

/// One ingredient or product of a recipe (or one reward of an event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject, InputObject)]
#[graphql(input_name = "RecipeComponentInput")]
#[serde(rename_all = "camelCase")]
pub struct RecipeComponent {
    /// A published item definition id.
    pub item_id: String,
    /// How many (at least 1).
    pub quantity: i32,
}

/// A crafting recipe: inputs consumed, outputs produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject, InputObject)]
#[graphql(input_name = "RecipeInput")]
#[serde(rename_all = "camelCase")]
pub struct Recipe {
    /// Stable id, e.g. `smelt_iron_ingot`.
    pub id: ID,
    /// Display name.
    pub name: String,
    /// Consumed.
    pub inputs: Vec<RecipeComponent>,
    /// Produced.
    pub outputs: Vec<RecipeComponent>,
    /// How long crafting takes, in milliseconds.
    #[graphql(default)]
    pub crafting_time_ms: i32,
    /// The published version this is (0 in a draft).
    #[graphql(skip_input)]
    #[serde(default, skip_serializing_if = "is_draft")]
    pub version: i32,
}

/// A zone definition: its bounds, rules and weather.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, SimpleObject, InputObject)]
#[graphql(input_name = "ZoneDefinitionInput")]
#[serde(rename_all = "camelCase")]
pub struct ZoneDefinition {
    /// Stable id, e.g. `ember_wastes`.
    pub id: ID,
    /// Display name.
    pub name: String,
    /// Flavour text.
    #[graphql(default)]
    pub description: String,
    /// Lowest recommended level.
    pub min_level: i32,
    /// Highest recommended level.
    pub max_level: i32,
    /// Whether combat is forbidden (towns).
    #[graphql(default)]
    pub no_combat: bool,
    /// The weather the zone cycles through, in order.
    pub weather_cycle: Vec<Weather>,
    /// How long each weather lasts, in seconds.
    pub weather_period_seconds: i32,
    /// Fastest allowed movement, in world units per second.
    pub max_speed: f64,
    /// Extent along x, in world units.
    pub width: f64,
    /// Extent along y, in world units.
    pub height: f64,
    /// The published version this is (0 in a draft).
    #[graphql(skip_input)]
    #[serde(default, skip_serializing_if = "is_draft")]
    pub version: i32,
}

/// A live event definition: when it runs, where, and what it rewards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject, InputObject)]
#[graphql(input_name = "EventDefinitionInput")]
#[serde(rename_all = "camelCase")]
pub struct EventDefinition {
    /// Stable id, e.g. `ember_festival`.
    pub id: ID,
    /// Display name.
    pub name: String,
    /// What happens, for players.
    #[graphql(default)]
    pub description: String,
    /// The zone it takes place in (a published zone), or everywhere.
    pub zone_id: Option<String>,
    /// When it starts.
    pub starts_at: DateTime<Utc>,
    /// When it ends (after it starts).
    pub ends_at: DateTime<Utc>,
    /// Most score one submission may add.
    pub max_score_per_submission: i32,
    /// Items granted to participants (published item definitions).
    #[graphql(default)]
    #[serde(default)]
    pub rewards: Vec<RecipeComponent>,
    /// The published version this is (0 in a draft).
    #[graphql(skip_input)]
    #[serde(default, skip_serializing_if = "is_draft")]
    pub version: i32,
}

fn is_draft(version: &i32) -> bool {
    *version == 0
}

/// A definition of any kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Definition {
    /// An item.
    Item(ItemDefinition),
    /// A skill.
    Skill(SkillDefinition),
    /// A recipe.
    Recipe(Recipe),
    /// A zone.
    Zone(ZoneDefinition),
    /// An event.
    Event(EventDefinition),
}

impl Definition {
    /// Its kind.
    pub fn kind(&self) -> ContentKind {
        match self {
            Definition::Item(_) => ContentKind::Item,
            Definition::Skill(_) => ContentKind::Skill,
            Definition::Recipe(_) => ContentKind::Recipe,
            Definition::Zone(_) => ContentKind::Zone,
            Definition::Event(_) => ContentKind::Event,
        }
    }

    /// Its id.
    pub fn id(&self) -> &str {
        match self {
            Definition::Item(d) => &d.id,
            Definition::Skill(d) => &d.id,
            Definition::Recipe(d) => &d.id,
            Definition::Zone(d) => &d.id,
            Definition::Event(d) => &d.id,
        }
    }

    /// The same definition as a draft (version 0) or as published `version`.
    pub fn with_version(mut self, version: i32) -> Self {
        match &mut self {
            Definition::Item(d) => d.version = version,
            Definition::Skill(d) => d.version = version,
            Definition::Recipe(d) => d.version = version,
            Definition::Zone(d) => d.version = version,
            Definition::Event(d) => d.version = version,
        }
        self
    }

    /// The JSON document (camelCase fields, enum values as in the graph).
    pub fn to_json(&self) -> serde_json::Value {
        let encoded = match self {
            Definition::Item(d) => serde_json::to_value(d),
            Definition::Skill(d) => serde_json::to_value(d),
            Definition::Recipe(d) => serde_json::to_value(d),
            Definition::Zone(d) => serde_json::to_value(d),
            Definition::Event(d) => serde_json::to_value(d),
        };
        encoded.expect("definitions hold only strings, numbers, enums and dates")
    }

    /// Reads a stored document of `kind`.
    pub fn from_json(kind: ContentKind, json: serde_json::Value) -> serde_json::Result<Self> {
        Ok(match kind {
            ContentKind::Item => Definition::Item(serde_json::from_value(json)?),
            ContentKind::Skill => Definition::Skill(serde_json::from_value(json)?),
            ContentKind::Recipe => Definition::Recipe(serde_json::from_value(json)?),
            ContentKind::Zone => Definition::Zone(serde_json::from_value(json)?),
            ContentKind::Event => Definition::Event(serde_json::from_value(json)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_json_uses_graphql_names() {
        let item = ItemDefinition {
            id: ID::from("iron_sword"),
            name: "Iron Sword".into(),
            description: String::new(),
            item_type: ItemType::Weapon,
            rarity: Rarity::Common,
            max_stack: 1,
            equip_slot: Some(EquipSlot::MainHand),
            stat_modifiers: StatModifiers {
                strength: 8,
                ..Default::default()
            },
            use_effects: vec![ItemEffect {
                kind: ItemEffectKind::HealHp,
                amount: 5,
                modifiers: None,
                duration_ms: None,
            }],
            tradable: true,
            value: 120,
            version: 0,
        };
        let draft = Definition::Item(item).to_json();
        assert_eq!(draft["equipSlot"], "MAIN_HAND");
        assert_eq!(draft["itemType"], "WEAPON");
        assert_eq!(draft["useEffects"][0]["kind"], "HEAL_HP");
        assert_eq!(draft["statModifiers"]["strength"], 8);
        assert!(draft.get("version").is_none(), "drafts carry no version");
        let published = Definition::from_json(ContentKind::Item, draft)
            .expect("reads back")
            .with_version(3)
            .to_json();
        assert_eq!(published["version"], 3);
        assert_eq!(ContentKind::Item.key("iron_sword"), "ITEM:iron_sword");
    }
}
