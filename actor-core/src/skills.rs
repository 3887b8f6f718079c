//! Skill definitions and cooldowns. The catalogue of skills players can learn lives in
//! the content service; these are the rules every definition obeys.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A damage element; weather and zones modify elements differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Element {
    /// Swords, arrows.
    Physical,
    /// Fireball and friends: weakened by rain.
    Fire,
    /// Frost: strengthened by snow.
    Ice,
    /// Lightning: strengthened by storms and rain.
    Lightning,
    /// Holy: unaffected by weather.
    Holy,
}

impl Element {
    /// Stable identifier used in the API and the database.
    pub fn code(self) -> &'static str {
        match self {
            Element::Physical => "PHYSICAL",
            Element::Fire => "FIRE",
            Element::Ice => "ICE",
            Element::Lightning => "LIGHTNING",
            Element::Holy => "HOLY",
        }
    }

    /// Parses [`Element::code`].
    pub fn from_code(code: &str) -> Option<Element> {
        [
            Element::Physical,
            Element::Fire,
            Element::Ice,
            Element::Lightning,
            Element::Holy,
        ]
        .into_iter()
        .find(|element| element.code() == code)
    }
}

/// Which power a skill scales with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scaling {
    /// Scales with attack power.
    Attack,
    /// Scales with spell power.
    Spell,
}

/// The rules of one skill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillDefinition {
    /// Stable identifier, e.g. `fireball`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Damage element.
    pub element: Element,
    /// Mana paid per cast.
    pub mp_cost: u32,
    /// Time before the skill can be cast again, in milliseconds.
    pub cooldown_ms: u64,
    /// Maximum distance to the target, in world units.
    pub range: f64,
    /// Flat damage before scaling.
    pub base_damage: u32,
    /// Which power the damage scales with.
    pub scaling: Scaling,
    /// Damage added per point of the scaling power.
    pub power_ratio: f64,
    /// Item consumed per cast, if any (a content item id).
    pub reagent_item: Option<String>,
}

/// Why a cast is refused by the skill's own rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum SkillError {
    /// Cast again before the cooldown ended.
    #[error("skill is on cooldown for {remaining_ms} ms")]
    OnCooldown {
        /// Time left.
        remaining_ms: u64,
    },
    /// The target is farther than the skill's range.
    #[error("target is out of range")]
    OutOfRange,
}

impl SkillDefinition {
    /// When a skill last cast at `last_cast_ms` is ready again.
    pub fn ready_at(&self, last_cast_ms: i64) -> i64 {
        last_cast_ms.saturating_add(i64::try_from(self.cooldown_ms).unwrap_or(i64::MAX))
    }

    /// Refuses a cast at `now_ms` while the cooldown from `last_cast_ms` runs.
    pub fn check_cooldown(&self, last_cast_ms: Option<i64>, now_ms: i64) -> Result<(), SkillError> {
        match last_cast_ms {
            Some(last) if now_ms < self.ready_at(last) => Err(SkillError::OnCooldown {
                remaining_ms: u64::try_from(self.ready_at(last) - now_ms).unwrap_or(0),
            }),
            _ => Ok(()),
        }
    }

    /// Refuses a target farther than the range.
    pub fn check_range(&self, distance: f64) -> Result<(), SkillError> {
        if distance.is_finite() && distance <= self.range {
            Ok(())
        } else {
            Err(SkillError::OutOfRange)
        }
    }
}

/// The demo Fireball, shared by this crate's tests.
#[cfg(test)]
pub(crate) fn fireball() -> SkillDefinition {
    SkillDefinition {
        id: "fireball".into(),
        name: "Fireball".into(),
        element: Element::Fire,
        mp_cost: 25,
        cooldown_ms: 3_000,
        range: 30.0,
        base_damage: 40,
        scaling: Scaling::Spell,
        power_ratio: 1.2,
        reagent_item: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cooldown_blocks_until_ready() {
        let skill = fireball();
        assert_eq!(skill.check_cooldown(None, 0), Ok(()));
        assert_eq!(
            skill.check_cooldown(Some(1_000), 2_000),
            Err(SkillError::OnCooldown {
                remaining_ms: 2_000
            })
        );
        assert_eq!(skill.check_cooldown(Some(1_000), 4_000), Ok(()));
    }

    #[test]
    fn range_is_inclusive_and_rejects_nan() {
        let skill = fireball();
        assert_eq!(skill.check_range(30.0), Ok(()));
        assert_eq!(skill.check_range(30.1), Err(SkillError::OutOfRange));
        assert_eq!(skill.check_range(f64::NAN), Err(SkillError::OutOfRange));
    }
}
