//! Playable classes. A class fixes an actor's starting stats and how they grow per level.

use serde::{Deserialize, Serialize};

use crate::stats::BaseStats;

/// A playable class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Class {
    /// Melee tank: strength and vitality.
    Warrior,
    /// Caster: intelligence and wisdom, fire and ice spells.
    Mage,
    /// Ranged physical damage: dexterity.
    Ranger,
    /// Healer: wisdom and vitality.
    Cleric,
}

impl Class {
    /// Every class, in display order.
    pub const ALL: [Class; 4] = [Class::Warrior, Class::Mage, Class::Ranger, Class::Cleric];

    /// Stats at level 1.
    pub fn starting_stats(self) -> BaseStats {
        match self {
            Class::Warrior => BaseStats::new(14, 6, 9, 13, 6),
            Class::Mage => BaseStats::new(6, 15, 8, 8, 12),
            Class::Ranger => BaseStats::new(9, 7, 15, 10, 7),
            Class::Cleric => BaseStats::new(8, 10, 7, 11, 14),
        }
    }

    /// Stats gained on every level past the first.
    pub fn growth_per_level(self) -> BaseStats {
        match self {
            Class::Warrior => BaseStats::new(3, 1, 1, 3, 1),
            Class::Mage => BaseStats::new(1, 3, 1, 1, 3),
            Class::Ranger => BaseStats::new(1, 1, 3, 2, 1),
            Class::Cleric => BaseStats::new(1, 2, 1, 2, 3),
        }
    }

    /// Base stats at `level` (levels below 1 count as 1).
    pub fn base_stats_at(self, level: u32) -> BaseStats {
        let gained = level.max(1) - 1;
        self.starting_stats() + self.growth_per_level().scaled(gained)
    }

    /// Stable identifier used in the API and the database.
    pub fn code(self) -> &'static str {
        match self {
            Class::Warrior => "WARRIOR",
            Class::Mage => "MAGE",
            Class::Ranger => "RANGER",
            Class::Cleric => "CLERIC",
        }
    }

    /// Parses [`Class::code`].
    pub fn from_code(code: &str) -> Option<Class> {
        Class::ALL.into_iter().find(|class| class.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for class in Class::ALL {
            assert_eq!(Class::from_code(class.code()), Some(class));
        }
        assert_eq!(Class::from_code("BARD"), None);
    }

    #[test]
    fn stats_grow_with_level() {
        let l1 = Class::Mage.base_stats_at(1);
        let l10 = Class::Mage.base_stats_at(10);
        assert_eq!(l1, Class::Mage.starting_stats());
        assert_eq!(l10.intelligence, l1.intelligence + 27);
    }
}
