//! The pure detection rules: speed checks and the counting windows that turn repeated
//! suspicion into one flag per window. No I/O; the consumer feeds them stored state.

use serde::Deserialize;

use crate::settings::RuleSettings;

/// A window of suspicion for one actor and one flag kind: fixed length, opened by the
/// first suspicious event after the previous window closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Game time it opened (ms).
    pub start_ms: i64,
    /// Suspicion counted so far.
    pub count: i32,
    /// Whether it raised its flag.
    pub flagged: bool,
}

impl Window {
    /// Adds `weight` at `at_ms` to `current` (a new window if there is none or it
    /// closed, or the event predates it by more than a window); returns the window
    /// after it and whether this event must raise the window's flag.
    pub fn observe(
        current: Option<Window>,
        at_ms: i64,
        weight: i32,
        threshold: i32,
        length_ms: i64,
    ) -> (Window, bool) {
        let mut window = match current {
            Some(window)
                if at_ms < window.start_ms + length_ms && at_ms > window.start_ms - length_ms =>
            {
                window
            }
            _ => Window {
                start_ms: at_ms,
                count: 0,
                flagged: false,
            },
        };
        window.count = window.count.saturating_add(weight);
        let raise = window.count >= threshold.max(1) && !window.flagged;
        if raise {
            window.flagged = true;
        }
        (window, raise)
    }
}

/// A point on a zone's plane.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct Point {
    /// X.
    pub x: f64,
    /// Y.
    pub y: f64,
}

/// `world.movement_rejected` and `world.actor_moved` payloads.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Movement {
    /// The actor.
    pub actor_id: uuid::Uuid,
    /// Its zone.
    #[serde(default)]
    pub zone_id: serde_json::Value,
    /// Where it was.
    pub from: Point,
    /// Where it went (or tried to).
    pub to: Point,
    /// Game time of the move (ms).
    pub at_ms: i64,
    /// Time since its previous position (ms).
    pub elapsed_ms: i64,
    /// Speed world computed.
    pub speed: f64,
    /// The actor's allowed speed.
    pub max_speed: f64,
}

impl Movement {
    /// The faster of world's figure and distance over time: a hacked client might
    /// report one thing and do another, so both count.
    pub fn observed_speed(&self) -> f64 {
        let distance = (self.to.x - self.from.x).hypot(self.to.y - self.from.y);
        let computed = if self.elapsed_ms > 0 {
            distance / (self.elapsed_ms as f64 / 1000.0)
        } else if distance > 0.0 {
            f64::INFINITY
        } else {
            0.0
        };
        self.speed.max(computed)
    }

    /// How many times the allowed speed the move was (`∞` without a positive maximum).
    pub fn factor(&self) -> f64 {
        if self.max_speed > 0.0 {
            self.observed_speed() / self.max_speed
        } else {
            f64::INFINITY
        }
    }
}

/// How much suspicion a rejected move adds to its `SPEED_HACK` window: one, or the
/// whole threshold when it was blatant.
pub fn rejected_move_weight(movement: &Movement, rules: &RuleSettings) -> i32 {
    if movement.factor() >= rules.speed_factor_to_flag {
        rules.speed_rejections_to_flag.max(1)
    } else {
        1
    }
}

/// How much suspicion an accepted move adds: the whole threshold when faster than the
/// tolerance allows, else none.
pub fn accepted_move_weight(movement: &Movement, rules: &RuleSettings) -> i32 {
    if movement.factor() > rules.moved_speed_tolerance {
        rules.speed_rejections_to_flag.max(1)
    } else {
        0
    }
}

/// Whether a cast at `cast_at_ms` came too soon after one at `last_cast_at_ms` whose
/// cooldown was `cooldown_ms`.
pub fn cast_too_soon(
    last_cast_at_ms: i64,
    cooldown_ms: i64,
    cast_at_ms: i64,
    rules: &RuleSettings,
) -> bool {
    cast_at_ms >= last_cast_at_ms
        && cast_at_ms - last_cast_at_ms < cooldown_ms - rules.cooldown_tolerance_ms
}

/// Whether an item grant's `source` names a known origin.
pub fn known_item_source(source: Option<&str>, rules: &RuleSettings) -> bool {
    source.is_some_and(|source| {
        rules
            .item_sources
            .iter()
            .any(|prefix| source.len() > prefix.len() && source.starts_with(prefix.as_str()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn movement(from: (f64, f64), to: (f64, f64), elapsed_ms: i64, speed: f64) -> Movement {
        Movement {
            actor_id: uuid::Uuid::nil(),
            zone_id: serde_json::Value::Null,
            from: Point {
                x: from.0,
                y: from.1,
            },
            to: Point { x: to.0, y: to.1 },
            at_ms: 0,
            elapsed_ms,
            speed,
            max_speed: 10.0,
        }
    }

    #[test]
    fn a_window_raises_its_flag_once() {
        let (window, raised) = Window::observe(None, 1_000, 1, 3, 10_000);
        assert!(!raised);
        let (window, raised) = Window::observe(Some(window), 2_000, 1, 3, 10_000);
        assert!(!raised);
        let (window, raised) = Window::observe(Some(window), 3_000, 1, 3, 10_000);
        assert!(raised, "third in the window");
        let (window, raised) = Window::observe(Some(window), 4_000, 1, 3, 10_000);
        assert!(!raised, "one flag per window");
        let (window, raised) = Window::observe(Some(window), 12_000, 3, 3, 10_000);
        assert!(raised, "a new window");
        assert_eq!(window.start_ms, 12_000);
        // Spread out: never three in one window.
        let mut current = None;
        for at in [0, 11_000, 22_000, 33_000] {
            let (window, raised) = Window::observe(current, at, 1, 3, 10_000);
            assert!(!raised);
            current = Some(window);
        }
    }

    #[test]
    fn speed_is_the_worse_of_reported_and_computed() {
        let rules = RuleSettings::default();
        let honest = movement((0.0, 0.0), (3.0, 4.0), 1_000, 5.0);
        assert!((honest.observed_speed() - 5.0).abs() < 1e-9);
        assert_eq!(accepted_move_weight(&honest, &rules), 0);
        // Reports 5 but covered 50 units in a second.
        let lying = movement((0.0, 0.0), (30.0, 40.0), 1_000, 5.0);
        assert_eq!(lying.factor(), 5.0);
        assert_eq!(accepted_move_weight(&lying, &rules), 3);
        assert_eq!(rejected_move_weight(&lying, &rules), 3);
        let slightly = movement((0.0, 0.0), (11.0, 0.0), 1_000, 11.0);
        assert_eq!(rejected_move_weight(&slightly, &rules), 1);
        let teleport = movement((0.0, 0.0), (1.0, 0.0), 0, 0.0);
        assert!(teleport.factor().is_infinite());
    }

    #[test]
    fn casts_inside_the_cooldown_are_too_soon() {
        let rules = RuleSettings::default();
        assert!(cast_too_soon(1_000, 5_000, 2_000, &rules));
        assert!(!cast_too_soon(1_000, 5_000, 5_950, &rules), "jitter");
        assert!(!cast_too_soon(1_000, 5_000, 6_000, &rules));
        assert!(!cast_too_soon(6_000, 5_000, 1_000, &rules), "out of order");
    }

    #[test]
    fn item_sources_must_be_known() {
        let rules = RuleSettings::default();
        assert!(known_item_source(Some("grant:admin-1"), &rules));
        assert!(known_item_source(Some("payment:purchase:42"), &rules));
        assert!(!known_item_source(Some("grant:"), &rules));
        assert!(!known_item_source(Some("cheat-engine"), &rules));
        assert!(!known_item_source(None, &rules));
    }
}
