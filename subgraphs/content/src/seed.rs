//! The default catalogue, published as version 1 on a store's first start: the items of
//! the demo flows (potions, the iron sword chain, a reagent, a soulbound relic), the
//! recipes between them, the skills chaos seeds (same ids and numbers as
//! `migrations/src/chaos/*_seed_skills.rs`), three zones and one live event.

use async_graphql::ID;
use chrono::{TimeZone, Utc};

use crate::model::{
    ActorClass, Definition, EquipSlot, EventDefinition, ItemDefinition, ItemEffect, ItemEffectKind,
    ItemType, Rarity, Recipe, RecipeComponent, SkillDefinition, StatModifiers, Weather,
    ZoneDefinition,
};

/// Every definition of the default catalogue, referenced items first.
pub fn catalogue() -> Vec<Definition> {
    let mut all: Vec<Definition> = items().into_iter().map(Definition::Item).collect();
    all.extend(skills().into_iter().map(Definition::Skill));
    all.extend(recipes().into_iter().map(Definition::Recipe));
    all.extend(zones().into_iter().map(Definition::Zone));
    all.push(Definition::Event(event()));
    all
}

struct ItemSpec {
    id: &'static str,
    name: &'static str,
    description: &'static str,
    item_type: ItemType,
    rarity: Rarity,
    max_stack: i32,
    equip_slot: Option<EquipSlot>,
    stat_modifiers: StatModifiers,
    use_effects: Vec<ItemEffect>,
    tradable: bool,
    value: i32,
}

impl ItemSpec {
    fn material(id: &'static str, name: &'static str, description: &'static str) -> Self {
        Self {
            id,
            name,
            description,
            item_type: ItemType::Material,
            rarity: Rarity::Common,
            max_stack: 50,
            equip_slot: None,
            stat_modifiers: StatModifiers::default(),
            use_effects: Vec::new(),
            tradable: true,
            value: 2,
        }
    }

    fn build(self) -> ItemDefinition {
        ItemDefinition {
            id: ID::from(self.id),
            name: self.name.into(),
            description: self.description.into(),
            item_type: self.item_type,
            rarity: self.rarity,
            max_stack: self.max_stack,
            equip_slot: self.equip_slot,
            stat_modifiers: self.stat_modifiers,
            use_effects: self.use_effects,
            tradable: self.tradable,
            value: self.value,
            version: 0,
        }
    }
}

fn restore(kind: ItemEffectKind, amount: i32) -> Vec<ItemEffect> {
    vec![ItemEffect {
        kind,
        amount,
        modifiers: None,
        duration_ms: None,
    }]
}

fn stats(strength: i32, vitality: i32) -> StatModifiers {
    StatModifiers {
        strength,
        vitality,
        ..StatModifiers::default()
    }
}

fn items() -> Vec<ItemDefinition> {
    let consumable = |id, name, description, use_effects, value| ItemSpec {
        item_type: ItemType::Consumable,
        max_stack: 20,
        use_effects,
        value,
        ..ItemSpec::material(id, name, description)
    };
    let equipment = |id, name, description, item_type, slot, stat_modifiers, value| ItemSpec {
        item_type,
        max_stack: 1,
        equip_slot: Some(slot),
        stat_modifiers,
        value,
        ..ItemSpec::material(id, name, description)
    };
    vec![
        consumable(
            "health_potion",
            "Health Potion",
            "Restores 50 HP.",
            restore(ItemEffectKind::HealHp, 50),
            10,
        ),
        consumable(
            "mana_potion",
            "Mana Potion",
            "Restores 40 MP.",
            restore(ItemEffectKind::RestoreMp, 40),
            10,
        ),
        ItemSpec {
            rarity: Rarity::Uncommon,
            max_stack: 10,
            ..consumable(
                "elixir_of_might",
                "Elixir of Might",
                "Strength +5 for one minute.",
                vec![ItemEffect {
                    kind: ItemEffectKind::Buff,
                    amount: 0,
                    modifiers: Some(stats(5, 0)),
                    duration_ms: Some(60_000),
                }],
                40,
            )
        },
        equipment(
            "iron_sword",
            "Iron Sword",
            "A plain, dependable blade.",
            ItemType::Weapon,
            EquipSlot::MainHand,
            stats(8, 0),
            120,
        ),
        equipment(
            "wooden_shield",
            "Wooden Shield",
            "Stops arrows, mostly.",
            ItemType::Armor,
            EquipSlot::OffHand,
            stats(0, 4),
            45,
        ),
        equipment(
            "leather_cap",
            "Leather Cap",
            "Better than nothing.",
            ItemType::Armor,
            EquipSlot::Head,
            stats(0, 2),
            25,
        ),
        ItemSpec::material("iron_ore", "Iron Ore", "Smelt it into ingots."),
        ItemSpec {
            value: 8,
            ..ItemSpec::material("iron_ingot", "Iron Ingot", "Forge it into weapons.")
        },
        ItemSpec {
            rarity: Rarity::Uncommon,
            value: 15,
            ..ItemSpec::material(
                "fire_crystal",
                "Fire Crystal",
                "A reagent humming with heat.",
            )
        },
        ItemSpec {
            rarity: Rarity::Rare,
            value: 30,
            ..ItemSpec::material("ember_shard", "Ember Shard", "The reagent Meteor consumes.")
        },
        ItemSpec {
            item_type: ItemType::Quest,
            rarity: Rarity::Epic,
            max_stack: 1,
            tradable: false,
            value: 0,
            ..ItemSpec::material(
                "soulbound_relic",
                "Soulbound Relic",
                "Bound to whoever found it.",
            )
        },
    ]
    .into_iter()
    .map(ItemSpec::build)
    .collect()
}

/// (id, name, class, unlock level, element, scaling, mp, cooldown ms, range, base,
/// ratio, reagent, description), as chaos seeds them.
type SkillRow = (
    &'static str,
    &'static str,
    ActorClass,
    i32,
    &'static str,
    &'static str,
    i32,
    i32,
    f64,
    i32,
    f64,
    Option<&'static str>,
    &'static str,
);

#[rustfmt::skip]
const SKILLS: &[SkillRow] = &[
    ("power_strike", "Power Strike", ActorClass::Warrior, 1, "PHYSICAL", "ATTACK", 10, 4_000, 3.0, 25, 1.0, None, "A heavy blow with the main-hand weapon."),
    ("whirlwind", "Whirlwind", ActorClass::Warrior, 5, "PHYSICAL", "ATTACK", 25, 10_000, 4.0, 35, 1.3, None, "Spin and strike everything around you."),
    ("fireball", "Fireball", ActorClass::Mage, 1, "FIRE", "SPELL", 25, 3_000, 30.0, 40, 1.2, None, "Hurl a ball of fire. Rain weakens it."),
    ("frost_bolt", "Frost Bolt", ActorClass::Mage, 1, "ICE", "SPELL", 20, 2_500, 25.0, 30, 1.0, None, "A shard of ice. Snow strengthens it."),
    ("meteor", "Meteor", ActorClass::Mage, 10, "FIRE", "SPELL", 60, 20_000, 35.0, 120, 2.0, Some("ember_shard"), "Call down a meteor; consumes an ember shard."),
    ("aimed_shot", "Aimed Shot", ActorClass::Ranger, 1, "PHYSICAL", "ATTACK", 15, 3_000, 40.0, 30, 1.1, None, "A careful shot from afar."),
    ("chain_lightning", "Chain Lightning", ActorClass::Ranger, 8, "LIGHTNING", "SPELL", 35, 8_000, 30.0, 45, 1.0, None, "Lightning that storms make fierce."),
    ("smite", "Smite", ActorClass::Cleric, 1, "HOLY", "SPELL", 15, 3_000, 20.0, 28, 1.0, None, "Holy light that weather cannot touch."),
    ("judgement", "Judgement", ActorClass::Cleric, 6, "HOLY", "SPELL", 40, 12_000, 20.0, 70, 1.5, None, "A verdict of radiant force."),
];

fn skills() -> Vec<SkillDefinition> {
    SKILLS
        .iter()
        .map(
            |&(
                id,
                name,
                class,
                unlock_level,
                element,
                scaling,
                mp_cost,
                cooldown_ms,
                range,
                base_damage,
                power_ratio,
                reagent,
                description,
            )| {
                SkillDefinition {
                    id: ID::from(id),
                    name: name.into(),
                    description: description.into(),
                    class,
                    unlock_level,
                    element: element.into(),
                    scaling: scaling.into(),
                    mp_cost,
                    cooldown_ms,
                    range,
                    base_damage,
                    power_ratio,
                    reagent_item_id: reagent.map(str::to_string),
                    version: 0,
                }
            },
        )
        .collect()
}

fn component(item_id: &str, quantity: i32) -> RecipeComponent {
    RecipeComponent {
        item_id: item_id.into(),
        quantity,
    }
}

fn recipes() -> Vec<Recipe> {
    let recipe = |id: &str, name: &str, inputs, outputs| Recipe {
        id: ID::from(id),
        name: name.into(),
        inputs,
        outputs,
        crafting_time_ms: 0,
        version: 0,
    };
    vec![
        recipe(
            "smelt_iron_ingot",
            "Smelt Iron Ingot",
            vec![component("iron_ore", 2)],
            vec![component("iron_ingot", 1)],
        ),
        recipe(
            "forge_iron_sword",
            "Forge Iron Sword",
            vec![component("iron_ingot", 3)],
            vec![component("iron_sword", 1)],
        ),
    ]
}

fn zones() -> Vec<ZoneDefinition> {
    let zone = |id: &str, name: &str, description: &str, levels: (i32, i32)| ZoneDefinition {
        id: ID::from(id),
        name: name.into(),
        description: description.into(),
        min_level: levels.0,
        max_level: levels.1,
        no_combat: false,
        weather_cycle: vec![Weather::Clear],
        weather_period_seconds: 600,
        max_speed: 12.0,
        width: 1_000.0,
        height: 1_000.0,
        version: 0,
    };
    vec![
        ZoneDefinition {
            no_combat: true,
            width: 500.0,
            height: 500.0,
            ..zone(
                "capital",
                "The Capital",
                "Safe streets, traders and the guild halls.",
                (1, 60),
            )
        },
        ZoneDefinition {
            weather_cycle: vec![Weather::Clear, Weather::Rain, Weather::Heat],
            weather_period_seconds: 300,
            width: 2_000.0,
            height: 2_000.0,
            ..zone(
                "ember_wastes",
                "Ember Wastes",
                "Scorched plains where fire burns hotter, until the rain comes.",
                (10, 30),
            )
        },
        ZoneDefinition {
            weather_cycle: vec![Weather::Clear, Weather::Rain],
            ..zone(
                "starter_meadow",
                "Starter Meadow",
                "Gentle hills for new adventurers.",
                (1, 10),
            )
        },
    ]
}

fn event() -> EventDefinition {
    EventDefinition {
        id: ID::from("ember_festival"),
        name: "Ember Festival".into(),
        description: "Hunt in the Ember Wastes for a week; the best hunters earn relics.".into(),
        zone_id: Some("ember_wastes".into()),
        starts_at: Utc
            .with_ymd_and_hms(2026, 7, 1, 0, 0, 0)
            .single()
            .expect("a valid date"),
        ends_at: Utc
            .with_ymd_and_hms(2026, 7, 8, 0, 0, 0)
            .single()
            .expect("a valid date"),
        max_score_per_submission: 1_000,
        rewards: vec![
            component("elixir_of_might", 3),
            component("fire_crystal", 5),
        ],
        version: 0,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::model::ContentKind;
    use crate::rules;

    #[test]
    fn the_catalogue_is_valid_and_refers_only_to_itself() {
        let all = catalogue();
        let mut keys = HashSet::new();
        for definition in &all {
            rules::validate(definition)
                .unwrap_or_else(|err| panic!("{} is invalid: {err}", definition.id()));
            assert!(
                keys.insert(definition.kind().key(definition.id())),
                "duplicate {}",
                definition.id()
            );
        }
        for definition in &all {
            for item in rules::referenced_items(definition) {
                assert!(
                    keys.contains(&ContentKind::Item.key(item)),
                    "{item} missing"
                );
            }
            for zone in rules::referenced_zones(definition) {
                assert!(
                    keys.contains(&ContentKind::Zone.key(zone)),
                    "{zone} missing"
                );
            }
        }
        assert_eq!(SKILLS.len(), 9);
    }
}
