//! The experience curve: total experience needed for each level, and level-ups.

use serde::{Deserialize, Serialize};

/// The level cap.
pub const MAX_LEVEL: u32 = 60;

/// Total experience an actor must have earned to be at `level` (level 1 needs 0).
/// The curve is quadratic: reaching level L costs 100 × (L − 1) more than reaching L − 1.
pub fn total_experience_for_level(level: u32) -> u64 {
    let level = u64::from(level.clamp(1, MAX_LEVEL));
    50 * (level - 1) * level
}

/// The level an actor with `experience` total experience has reached.
pub fn level_for_experience(experience: u64) -> u32 {
    // The curve is small (60 levels): a linear scan is exact and obviously correct.
    (1..=MAX_LEVEL)
        .take_while(|level| total_experience_for_level(*level) <= experience)
        .last()
        .unwrap_or(1)
}

/// The outcome of granting experience.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelUp {
    /// Total experience after the grant (saturating).
    pub experience: u64,
    /// Level after the grant.
    pub level: u32,
    /// How many levels were gained.
    pub levels_gained: u32,
}

/// Adds `gained` experience to an actor at `experience` and returns the new level.
pub fn apply_experience(experience: u64, gained: u64) -> LevelUp {
    let before = level_for_experience(experience);
    let experience = experience.saturating_add(gained);
    let level = level_for_experience(experience);
    LevelUp {
        experience,
        level,
        levels_gained: level - before,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn curve_starts_at_zero() {
        assert_eq!(total_experience_for_level(1), 0);
        assert_eq!(total_experience_for_level(2), 100);
        assert_eq!(total_experience_for_level(3), 300);
        assert_eq!(level_for_experience(0), 1);
        assert_eq!(level_for_experience(299), 2);
        assert_eq!(level_for_experience(300), 3);
        assert_eq!(level_for_experience(u64::MAX), MAX_LEVEL);
    }

    proptest! {
        #[test]
        fn level_is_monotonic_in_experience(a in 0u64..1_000_000, b in 0u64..1_000_000) {
            let (low, high) = (a.min(b), a.max(b));
            prop_assert!(level_for_experience(low) <= level_for_experience(high));
        }

        #[test]
        fn level_threshold_round_trips(level in 1u32..=MAX_LEVEL) {
            prop_assert_eq!(level_for_experience(total_experience_for_level(level)), level);
            if level > 1 {
                prop_assert_eq!(level_for_experience(total_experience_for_level(level) - 1), level - 1);
            }
        }

        #[test]
        fn grants_never_lower_the_level(start in 0u64..2_000_000, gained in 0u64..2_000_000) {
            let up = apply_experience(start, gained);
            prop_assert!(up.level >= level_for_experience(start));
            prop_assert_eq!(up.levels_gained, up.level - level_for_experience(start));
            prop_assert!(up.level <= MAX_LEVEL);
        }
    }
}
