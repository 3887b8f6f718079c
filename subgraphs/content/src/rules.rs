//! What makes a definition valid, without I/O: id format, ranges, slots, effects,
//! dates. References to other definitions (items, zones) are listed here and checked
//! against the store by the service.

use actor_core::{Element, MAX_LEVEL};

use crate::error::ContentError;
use crate::model::{
    Definition, EventDefinition, ItemDefinition, ItemEffect, ItemEffectKind, ItemType, Recipe,
    RecipeComponent, SkillDefinition, ZoneDefinition,
};

/// Longest name, in characters.
const MAX_NAME: usize = 80;
/// Longest description, in characters.
const MAX_DESCRIPTION: usize = 2_000;
/// Largest stack.
const MAX_STACK: i32 = 9_999;
/// Longest buff, in milliseconds (one hour).
const MAX_BUFF_MS: i32 = 3_600_000;
/// Most effects one item may have.
const MAX_EFFECTS: usize = 8;
/// Most components on one side of a recipe (or rewards of an event).
const MAX_COMPONENTS: usize = 16;

fn invalid(message: impl Into<String>) -> ContentError {
    ContentError::InvalidDefinition(message.into())
}

/// Whether `id` is a valid definition id: `^[a-z0-9_]{2,64}$`.
pub fn valid_id(id: &str) -> bool {
    (2..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn check_id(what: &str, id: &str) -> Result<(), ContentError> {
    if valid_id(id) {
        Ok(())
    } else {
        Err(invalid(format!(
            "{what} `{id}` must be 2 to 64 characters of a-z, 0-9 and _"
        )))
    }
}

fn check_texts(name: &str, description: &str) -> Result<(), ContentError> {
    let length = name.chars().count();
    if name.trim().is_empty() || length > MAX_NAME {
        return Err(invalid(format!("name must be 1 to {MAX_NAME} characters")));
    }
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(invalid(format!(
            "description must be at most {MAX_DESCRIPTION} characters"
        )));
    }
    Ok(())
}

fn check_positive_finite(what: &str, value: f64) -> Result<(), ContentError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(invalid(format!("{what} must be a positive number")))
    }
}

/// Checks every rule of `definition` that needs no other definition.
pub fn validate(definition: &Definition) -> Result<(), ContentError> {
    check_id("id", definition.id())?;
    match definition {
        Definition::Item(item) => validate_item(item),
        Definition::Skill(skill) => validate_skill(skill),
        Definition::Recipe(recipe) => validate_recipe(recipe),
        Definition::Zone(zone) => validate_zone(zone),
        Definition::Event(event) => validate_event(event),
    }
}

fn validate_item(item: &ItemDefinition) -> Result<(), ContentError> {
    check_texts(&item.name, &item.description)?;
    if !(1..=MAX_STACK).contains(&item.max_stack) {
        return Err(invalid(format!("maxStack must be 1 to {MAX_STACK}")));
    }
    if item.equip_slot.is_some() {
        if !matches!(item.item_type, ItemType::Weapon | ItemType::Armor) {
            return Err(invalid("only weapons and armor have an equipSlot"));
        }
        if item.max_stack != 1 {
            return Err(invalid("equipment has maxStack 1"));
        }
    }
    if item.value < 0 {
        return Err(invalid("value must not be negative"));
    }
    if item.use_effects.len() > MAX_EFFECTS {
        return Err(invalid(format!("at most {MAX_EFFECTS} useEffects")));
    }
    item.use_effects.iter().try_for_each(validate_effect)
}

fn validate_effect(effect: &ItemEffect) -> Result<(), ContentError> {
    match effect.kind {
        ItemEffectKind::HealHp | ItemEffectKind::RestoreMp => {
            if effect.amount <= 0 {
                return Err(invalid("HEAL_HP and RESTORE_MP need a positive amount"));
            }
            if effect.modifiers.is_some() || effect.duration_ms.is_some() {
                return Err(invalid(
                    "modifiers and durationMs belong to BUFF effects only",
                ));
            }
        }
        ItemEffectKind::Buff => {
            if effect.modifiers.is_none_or(|m| m.is_zero()) {
                return Err(invalid("a BUFF needs non-zero modifiers"));
            }
            if !effect
                .duration_ms
                .is_some_and(|ms| (1..=MAX_BUFF_MS).contains(&ms))
            {
                return Err(invalid(format!(
                    "a BUFF needs durationMs from 1 to {MAX_BUFF_MS}"
                )));
            }
            if effect.amount < 0 {
                return Err(invalid("amount must not be negative"));
            }
        }
    }
    Ok(())
}

fn validate_skill(skill: &SkillDefinition) -> Result<(), ContentError> {
    check_texts(&skill.name, &skill.description)?;
    let max_level = i32::try_from(MAX_LEVEL).unwrap_or(i32::MAX);
    if !(1..=max_level).contains(&skill.unlock_level) {
        return Err(invalid(format!("unlockLevel must be 1 to {max_level}")));
    }
    if Element::from_code(&skill.element).is_none() {
        return Err(invalid(
            "element must be PHYSICAL, FIRE, ICE, LIGHTNING or HOLY",
        ));
    }
    if !matches!(skill.scaling.as_str(), "ATTACK" | "SPELL") {
        return Err(invalid("scaling must be ATTACK or SPELL"));
    }
    if skill.mp_cost < 0 || skill.cooldown_ms < 0 || skill.base_damage < 0 {
        return Err(invalid(
            "mpCost, cooldownMs and baseDamage must not be negative",
        ));
    }
    check_positive_finite("range", skill.range)?;
    if !(skill.power_ratio.is_finite() && skill.power_ratio >= 0.0) {
        return Err(invalid("powerRatio must not be negative"));
    }
    if let Some(reagent) = &skill.reagent_item_id {
        check_id("reagentItemId", reagent)?;
    }
    Ok(())
}

fn validate_components(what: &str, components: &[RecipeComponent]) -> Result<(), ContentError> {
    if components.len() > MAX_COMPONENTS {
        return Err(invalid(format!("at most {MAX_COMPONENTS} {what}")));
    }
    for component in components {
        check_id("itemId", &component.item_id)?;
        if !(1..=MAX_STACK).contains(&component.quantity) {
            return Err(invalid(format!(
                "{what} quantities must be 1 to {MAX_STACK}"
            )));
        }
    }
    Ok(())
}

fn validate_recipe(recipe: &Recipe) -> Result<(), ContentError> {
    check_texts(&recipe.name, "")?;
    if recipe.inputs.is_empty() || recipe.outputs.is_empty() {
        return Err(invalid("a recipe needs inputs and outputs"));
    }
    validate_components("inputs", &recipe.inputs)?;
    validate_components("outputs", &recipe.outputs)?;
    if recipe.crafting_time_ms < 0 {
        return Err(invalid("craftingTimeMs must not be negative"));
    }
    Ok(())
}

fn validate_zone(zone: &ZoneDefinition) -> Result<(), ContentError> {
    check_texts(&zone.name, &zone.description)?;
    if zone.min_level < 1 || zone.max_level < zone.min_level {
        return Err(invalid("levels must satisfy 1 <= minLevel <= maxLevel"));
    }
    if zone.weather_cycle.is_empty() {
        return Err(invalid("weatherCycle needs at least one weather"));
    }
    if zone.weather_period_seconds < 1 {
        return Err(invalid("weatherPeriodSeconds must be positive"));
    }
    check_positive_finite("maxSpeed", zone.max_speed)?;
    check_positive_finite("width", zone.width)?;
    check_positive_finite("height", zone.height)
}

fn validate_event(event: &EventDefinition) -> Result<(), ContentError> {
    check_texts(&event.name, &event.description)?;
    if let Some(zone) = &event.zone_id {
        check_id("zoneId", zone)?;
    }
    if event.ends_at <= event.starts_at {
        return Err(invalid("endsAt must be after startsAt"));
    }
    if event.max_score_per_submission < 1 {
        return Err(invalid("maxScorePerSubmission must be positive"));
    }
    validate_components("rewards", &event.rewards)
}

/// The item definitions `definition` refers to (each must be published).
pub fn referenced_items(definition: &Definition) -> Vec<&str> {
    let mut items: Vec<&str> = match definition {
        Definition::Skill(skill) => skill.reagent_item_id.as_deref().into_iter().collect(),
        Definition::Recipe(recipe) => recipe
            .inputs
            .iter()
            .chain(&recipe.outputs)
            .map(|c| c.item_id.as_str())
            .collect(),
        Definition::Event(event) => event.rewards.iter().map(|c| c.item_id.as_str()).collect(),
        Definition::Item(_) | Definition::Zone(_) => Vec::new(),
    };
    items.sort_unstable();
    items.dedup();
    items
}

/// The zone definitions `definition` refers to (each must be published).
pub fn referenced_zones(definition: &Definition) -> Vec<&str> {
    match definition {
        Definition::Event(event) => event.zone_id.as_deref().into_iter().collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_short_lowercase_words() {
        assert!(valid_id("health_potion"));
        assert!(valid_id("a1"));
        assert!(!valid_id("a"));
        assert!(!valid_id("Health"));
        assert!(!valid_id("has-dash"));
        assert!(!valid_id(&"x".repeat(65)));
    }
}
