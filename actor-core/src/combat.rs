//! Damage: a skill's raw damage from the caster's power, mitigated by the target's
//! defense, then modified by the environment (weather, zone).

use serde::{Deserialize, Serialize};

use crate::skills::{Element, Scaling, SkillDefinition};
use crate::stats::DerivedStats;

/// Weather in a zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

impl Weather {
    /// The multiplier this weather applies to `element`.
    pub fn modifier(self, element: Element) -> f64 {
        match (self, element) {
            (Weather::Rain, Element::Fire) => 0.75,
            (Weather::Rain, Element::Lightning) => 1.25,
            (Weather::Storm, Element::Lightning) => 1.5,
            (Weather::Storm, Element::Fire) => 0.9,
            (Weather::Snow, Element::Ice) => 1.2,
            (Weather::Snow, Element::Fire) => 0.9,
            (Weather::Heat, Element::Fire) => 1.2,
            (Weather::Heat, Element::Ice) => 0.8,
            _ => 1.0,
        }
    }
}

/// The environment a cast happens in.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    /// Current weather.
    pub weather: Weather,
    /// Extra multiplier of the zone (1.0 for none).
    pub zone_modifier: f64,
}

impl Default for Environment {
    fn default() -> Self {
        Self {
            weather: Weather::Clear,
            zone_modifier: 1.0,
        }
    }
}

/// Everything a damage roll depends on.
#[derive(Debug, Clone, Copy)]
pub struct DamageInput<'a> {
    /// The skill cast.
    pub skill: &'a SkillDefinition,
    /// The caster's derived stats.
    pub caster: &'a DerivedStats,
    /// The target's defense.
    pub target_defense: u32,
    /// Where the cast happens.
    pub environment: Environment,
    /// A uniform roll in `0.0..1.0` decided by the server; below the caster's crit chance
    /// the hit is critical (×1.5). Passing it in keeps this function deterministic.
    pub crit_roll: f64,
}

/// Damage dealt: raw = base + ratio × power; mitigated by `100 / (100 + defense)`;
/// multiplied by the weather's element modifier and the zone modifier; ×1.5 on a crit.
/// Always at least 1 for a damaging skill.
pub fn compute_damage(input: DamageInput<'_>) -> u32 {
    let power = match input.skill.scaling {
        Scaling::Attack => input.caster.attack_power,
        Scaling::Spell => input.caster.spell_power,
    };
    let raw =
        f64::from(input.skill.base_damage) + input.skill.power_ratio.max(0.0) * f64::from(power);
    let mitigated = raw * 100.0 / (100.0 + f64::from(input.target_defense));
    let zone = if input.environment.zone_modifier.is_finite() {
        input.environment.zone_modifier.max(0.0)
    } else {
        1.0
    };
    let crit = if input.crit_roll < input.caster.crit_chance {
        1.5
    } else {
        1.0
    };
    let damage = mitigated * input.environment.weather.modifier(input.skill.element) * zone * crit;
    if input.skill.base_damage == 0 && input.skill.power_ratio <= 0.0 {
        return 0;
    }
    // Clamped to u32's range before the cast, so it cannot wrap.
    damage.round().clamp(1.0, f64::from(u32::MAX)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::skills::fireball;
    use crate::stats::BaseStats;
    use proptest::prelude::*;

    #[test]
    fn rain_weakens_fire_by_a_quarter() {
        let skill = fireball();
        let caster = BaseStats::new(6, 15, 0, 8, 12).derive(1);
        let clear = compute_damage(DamageInput {
            skill: &skill,
            caster: &caster,
            target_defense: 0,
            environment: Environment::default(),
            crit_roll: 0.99,
        });
        let rain = compute_damage(DamageInput {
            skill: &skill,
            caster: &caster,
            target_defense: 0,
            environment: Environment {
                weather: Weather::Rain,
                zone_modifier: 1.0,
            },
            crit_roll: 0.99,
        });
        // spell power = 15*2 + 12 = 42; raw = 40 + 1.2*42 = 90.4
        assert_eq!(clear, 90);
        assert_eq!(rain, 68);
    }

    proptest! {
        #[test]
        fn damage_is_positive_and_defense_never_helps_the_attacker(
            int in 0u32..200, wis in 0u32..200, def_a in 0u32..500, def_b in 0u32..500, roll in 0.0f64..1.0,
        ) {
            let skill = fireball();
            let caster = BaseStats::new(5, int, 5, 5, wis).derive(10);
            let hit = |defense| compute_damage(DamageInput {
                skill: &skill, caster: &caster, target_defense: defense,
                environment: Environment::default(), crit_roll: roll,
            });
            let (low, high) = (def_a.min(def_b), def_a.max(def_b));
            prop_assert!(hit(high) >= 1);
            prop_assert!(hit(high) <= hit(low));
        }

        #[test]
        fn rain_never_strengthens_fire(int in 0u32..200, roll in 0.0f64..1.0, defense in 0u32..300) {
            let skill = fireball();
            let caster = BaseStats::new(5, int, 5, 5, 5).derive(5);
            let at = |weather| compute_damage(DamageInput {
                skill: &skill, caster: &caster, target_defense: defense,
                environment: Environment { weather, zone_modifier: 1.0 }, crit_roll: roll,
            });
            prop_assert!(at(Weather::Rain) <= at(Weather::Clear));
        }
    }
}
