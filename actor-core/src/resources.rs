//! HP, MP and stamina pools. A pool stores its value at a moment and its regeneration
//! rate; its value at any later moment is computed from the elapsed time, so no ticking
//! loop is needed and a pool read a week later is simply full.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Why a pool refused a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum ResourceError {
    /// The pool holds less than the cost.
    #[error("not enough resource: need {needed}, have {available}")]
    Insufficient {
        /// What the action costs.
        needed: u32,
        /// What the pool holds now (whole points).
        available: u32,
    },
}

/// A regenerating resource pool. Invariant: `0 <= current <= max`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ResourcePool {
    current: f64,
    max: u32,
    regen_per_sec: f64,
    updated_at_ms: i64,
}

impl ResourcePool {
    /// A pool holding `current` (clamped to `0..=max`) at `updated_at_ms`.
    pub fn new(current: f64, max: u32, regen_per_sec: f64, updated_at_ms: i64) -> Self {
        let current = if current.is_finite() {
            current.clamp(0.0, f64::from(max))
        } else {
            0.0
        };
        let regen_per_sec = if regen_per_sec.is_finite() {
            regen_per_sec.max(0.0)
        } else {
            0.0
        };
        Self {
            current,
            max,
            regen_per_sec,
            updated_at_ms,
        }
    }

    /// A full pool at `now_ms`.
    pub fn full(max: u32, regen_per_sec: f64, now_ms: i64) -> Self {
        Self::new(f64::from(max), max, regen_per_sec, now_ms)
    }

    /// The maximum.
    pub fn max(&self) -> u32 {
        self.max
    }

    /// Regeneration per second.
    pub fn regen_per_sec(&self) -> f64 {
        self.regen_per_sec
    }

    /// The exact (fractional) value at `now_ms`; time before the last update counts as none.
    pub fn value_at(&self, now_ms: i64) -> f64 {
        let elapsed_ms = now_ms.saturating_sub(self.updated_at_ms).max(0);
        let regained = self.regen_per_sec * (elapsed_ms as f64) / 1000.0;
        (self.current + regained).min(f64::from(self.max))
    }

    /// Whole points at `now_ms` (what players see).
    pub fn current_at(&self, now_ms: i64) -> u32 {
        // value_at is within 0..=max, so the cast cannot truncate.
        self.value_at(now_ms).floor() as u32
    }

    /// The pool advanced to `now_ms`: regeneration folded into the stored value.
    pub fn settled(&self, now_ms: i64) -> Self {
        Self::new(
            self.value_at(now_ms),
            self.max,
            self.regen_per_sec,
            now_ms.max(self.updated_at_ms),
        )
    }

    /// Pays `cost` at `now_ms`, or refuses without changing anything.
    pub fn spend(&self, cost: u32, now_ms: i64) -> Result<Self, ResourceError> {
        let settled = self.settled(now_ms);
        let available = settled.current_at(now_ms);
        if available < cost {
            return Err(ResourceError::Insufficient {
                needed: cost,
                available,
            });
        }
        Ok(Self {
            current: settled.current - f64::from(cost),
            ..settled
        })
    }

    /// Loses `amount` at `now_ms`, never below 0.
    pub fn damage(&self, amount: u32, now_ms: i64) -> Self {
        let settled = self.settled(now_ms);
        Self {
            current: (settled.current - f64::from(amount)).max(0.0),
            ..settled
        }
    }

    /// Gains `amount` at `now_ms`, never above the maximum.
    pub fn restore(&self, amount: u32, now_ms: i64) -> Self {
        let settled = self.settled(now_ms);
        Self::new(
            settled.current + f64::from(amount),
            self.max,
            self.regen_per_sec,
            settled.updated_at_ms,
        )
    }

    /// The same fill at a new maximum and rate (level-up, equipment); the value is clamped.
    pub fn rescaled(&self, max: u32, regen_per_sec: f64, now_ms: i64) -> Self {
        let settled = self.settled(now_ms);
        Self::new(settled.current, max, regen_per_sec, settled.updated_at_ms)
    }

    /// The stored value and its timestamp, for persistence.
    pub fn stored(&self) -> (f64, i64) {
        (self.current, self.updated_at_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn regenerates_from_timestamps() {
        let pool = ResourcePool::new(10.0, 100, 2.0, 0);
        assert_eq!(pool.current_at(0), 10);
        assert_eq!(pool.current_at(5_000), 20);
        assert_eq!(pool.current_at(1_000_000), 100);
        // A clock that goes backwards regains nothing.
        assert_eq!(pool.current_at(-5_000), 10);
    }

    #[test]
    fn spending_more_than_available_changes_nothing() {
        let pool = ResourcePool::new(10.0, 100, 0.0, 0);
        assert_eq!(
            pool.spend(11, 0),
            Err(ResourceError::Insufficient {
                needed: 11,
                available: 10
            })
        );
        assert_eq!(pool.spend(10, 0).map(|p| p.current_at(0)), Ok(0));
    }

    #[derive(Debug, Clone)]
    enum Op {
        Damage(u32),
        Restore(u32),
        Spend(u32),
        Wait(i64),
        Rescale(u32),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0u32..500).prop_map(Op::Damage),
            (0u32..500).prop_map(Op::Restore),
            (0u32..500).prop_map(Op::Spend),
            (0i64..100_000).prop_map(Op::Wait),
            (1u32..1_000).prop_map(Op::Rescale),
        ]
    }

    proptest! {
        #[test]
        fn value_stays_within_zero_and_max(
            max in 1u32..1_000,
            regen in 0.0f64..50.0,
            ops in proptest::collection::vec(op(), 0..60),
        ) {
            let mut now = 0i64;
            let mut pool = ResourcePool::full(max, regen, now);
            for op in ops {
                pool = match op {
                    Op::Damage(n) => pool.damage(n, now),
                    Op::Restore(n) => pool.restore(n, now),
                    Op::Spend(n) => pool.spend(n, now).unwrap_or(pool),
                    Op::Wait(ms) => { now += ms; pool }
                    Op::Rescale(m) => pool.rescaled(m, regen, now),
                };
                let value = pool.value_at(now);
                prop_assert!(value >= 0.0, "below zero: {value}");
                prop_assert!(value <= f64::from(pool.max()), "above max: {value}");
                prop_assert!(pool.current_at(now) <= pool.max());
            }
        }

        #[test]
        fn regeneration_never_decreases_with_time(
            start in 0.0f64..100.0, regen in 0.0f64..10.0, a in 0i64..100_000, b in 0i64..100_000,
        ) {
            let pool = ResourcePool::new(start, 100, regen, 0);
            let (early, late) = (a.min(b), a.max(b));
            prop_assert!(pool.value_at(early) <= pool.value_at(late));
        }
    }
}
