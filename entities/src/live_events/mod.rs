//! Tables of the events service (live events): `live_events` (the projection of
//! content's published event definitions), `live_event_participants` (who joined and
//! their running score), `live_event_score_submissions` (one per player and idempotency
//! key) and `live_event_reward_claims` (at most one per event and actor).

pub mod claim;
pub mod live_event;
pub mod participant;
pub mod submission;
