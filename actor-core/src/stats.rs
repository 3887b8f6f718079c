//! Base stats, equipment modifiers and the derived stats the rest of the game uses.

use std::ops::Add;

use serde::{Deserialize, Serialize};

/// The five primary attributes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaseStats {
    /// Physical power and some defense.
    pub strength: u32,
    /// Spell power and mana pool.
    pub intelligence: u32,
    /// Physical power for ranged attacks and critical chance.
    pub dexterity: u32,
    /// Health pool, health regeneration and defense.
    pub vitality: u32,
    /// Mana regeneration, mana pool and healing.
    pub wisdom: u32,
}

impl BaseStats {
    /// Builds stats in the order strength, intelligence, dexterity, vitality, wisdom.
    pub const fn new(
        strength: u32,
        intelligence: u32,
        dexterity: u32,
        vitality: u32,
        wisdom: u32,
    ) -> Self {
        Self {
            strength,
            intelligence,
            dexterity,
            vitality,
            wisdom,
        }
    }

    /// Every attribute multiplied by `factor` (saturating).
    pub fn scaled(self, factor: u32) -> Self {
        Self {
            strength: self.strength.saturating_mul(factor),
            intelligence: self.intelligence.saturating_mul(factor),
            dexterity: self.dexterity.saturating_mul(factor),
            vitality: self.vitality.saturating_mul(factor),
            wisdom: self.wisdom.saturating_mul(factor),
        }
    }

    /// Applies equipment or buff modifiers; an attribute never drops below 0.
    pub fn with_modifiers(self, modifiers: &StatModifiers) -> Self {
        let apply = |base: u32, delta: i32| base.saturating_add_signed(delta);
        Self {
            strength: apply(self.strength, modifiers.strength),
            intelligence: apply(self.intelligence, modifiers.intelligence),
            dexterity: apply(self.dexterity, modifiers.dexterity),
            vitality: apply(self.vitality, modifiers.vitality),
            wisdom: apply(self.wisdom, modifiers.wisdom),
        }
    }

    /// Stats derived from these attributes at `level`.
    pub fn derive(&self, level: u32) -> DerivedStats {
        let level = level.max(1);
        DerivedStats {
            max_hp: 50 + self.vitality * 10 + level * 5,
            max_mp: 20 + self.intelligence * 5 + self.wisdom * 3,
            max_stamina: 100 + self.vitality * 2 + self.dexterity,
            attack_power: self.strength * 2 + self.dexterity,
            spell_power: self.intelligence * 2 + self.wisdom,
            defense: self.vitality + self.strength / 2,
            crit_chance: (f64::from(self.dexterity) * 0.005).min(0.5),
            hp_regen_per_sec: 0.5 + f64::from(self.vitality) * 0.1,
            mp_regen_per_sec: 0.5 + f64::from(self.wisdom) * 0.2,
            stamina_regen_per_sec: 5.0,
        }
    }
}

impl Add for BaseStats {
    type Output = BaseStats;

    fn add(self, other: BaseStats) -> BaseStats {
        BaseStats {
            strength: self.strength.saturating_add(other.strength),
            intelligence: self.intelligence.saturating_add(other.intelligence),
            dexterity: self.dexterity.saturating_add(other.dexterity),
            vitality: self.vitality.saturating_add(other.vitality),
            wisdom: self.wisdom.saturating_add(other.wisdom),
        }
    }
}

/// Signed changes to base stats from equipment and buffs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatModifiers {
    /// Change to strength.
    pub strength: i32,
    /// Change to intelligence.
    pub intelligence: i32,
    /// Change to dexterity.
    pub dexterity: i32,
    /// Change to vitality.
    pub vitality: i32,
    /// Change to wisdom.
    pub wisdom: i32,
}

impl Add for StatModifiers {
    type Output = StatModifiers;

    fn add(self, other: StatModifiers) -> StatModifiers {
        StatModifiers {
            strength: self.strength.saturating_add(other.strength),
            intelligence: self.intelligence.saturating_add(other.intelligence),
            dexterity: self.dexterity.saturating_add(other.dexterity),
            vitality: self.vitality.saturating_add(other.vitality),
            wisdom: self.wisdom.saturating_add(other.wisdom),
        }
    }
}

/// Combat-facing numbers computed from base stats and level.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DerivedStats {
    /// Maximum hit points.
    pub max_hp: u32,
    /// Maximum mana.
    pub max_mp: u32,
    /// Maximum stamina.
    pub max_stamina: u32,
    /// Physical damage scaling.
    pub attack_power: u32,
    /// Magical damage scaling.
    pub spell_power: u32,
    /// Damage mitigation.
    pub defense: u32,
    /// Chance of a critical hit, 0.0..=0.5.
    pub crit_chance: f64,
    /// HP regained per second.
    pub hp_regen_per_sec: f64,
    /// MP regained per second.
    pub mp_regen_per_sec: f64,
    /// Stamina regained per second.
    pub stamina_regen_per_sec: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modifiers_never_underflow() {
        let base = BaseStats::new(1, 1, 1, 1, 1);
        let nerf = StatModifiers {
            strength: -10,
            ..Default::default()
        };
        assert_eq!(base.with_modifiers(&nerf).strength, 0);
    }

    #[test]
    fn derived_stats_follow_attributes() {
        let derived = BaseStats::new(10, 10, 10, 10, 10).derive(1);
        assert_eq!(derived.max_hp, 155);
        assert_eq!(derived.max_mp, 100);
        assert_eq!(derived.defense, 15);
    }
}
