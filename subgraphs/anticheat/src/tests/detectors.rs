//! The detectors fed crafted envelopes through `handle_once`, as the consumer does.

use serde_json::json;
use subgraph_kit::events::consumer::{handle_once, EventHandler, Outcome};

use super::*;
use crate::consumer::CONSUMER_GROUP;

impl Harness {
    /// Feeds `event` to the detectors once; `Some(flagged)` when applied.
    async fn feed(&self, event: &EventEnvelope) -> Option<bool> {
        let outcome = handle_once(&self.db, CONSUMER_GROUP, event, |txn| {
            self.detectors.apply(event, txn)
        })
        .await
        .expect("the event is handled");
        match outcome {
            Outcome::Applied(flagged) => Some(flagged),
            Outcome::Duplicate => None,
        }
    }
}

fn movement(
    event_type: &str,
    actor: Uuid,
    user: Option<Uuid>,
    at_ms: i64,
    dx: f64,
    elapsed_ms: i64,
) -> EventEnvelope {
    let speed = dx / (elapsed_ms as f64 / 1000.0);
    let event = EventEnvelope::new(
        event_type,
        actor,
        json!({
            "actorId": actor, "zoneId": "ember-plains",
            "from": { "x": 0.0, "y": 0.0 }, "to": { "x": dx, "y": 0.0 },
            "atMs": at_ms, "elapsedMs": elapsed_ms, "speed": speed, "maxSpeed": 10.0,
        }),
    );
    match user {
        Some(user) => event.by(user),
        None => event,
    }
}

fn cast(actor: Uuid, user: Uuid, skill: &str, cast_at_ms: i64) -> EventEnvelope {
    EventEnvelope::new(
        "chaos.skill_cast",
        actor,
        json!({
            "castId": Uuid::new_v4(), "actorId": actor, "skillId": skill,
            "targetKind": "ACTOR", "targetId": Uuid::new_v4(), "damage": 40, "mpCost": 10,
            "cooldownMs": 5_000, "castAtMs": cast_at_ms, "zoneId": "ember-plains", "weather": "CLEAR",
        }),
    )
    .by(user)
}

fn rejected_cast(actor: Uuid, user: Uuid, code: &str, at_ms: i64) -> EventEnvelope {
    EventEnvelope::new(
        "chaos.cast_rejected",
        actor,
        json!({ "actorId": actor, "skillId": "fireball", "code": code, "atMs": at_ms }),
    )
    .by(user)
}

fn items_granted(actor: Uuid, user: Uuid, source: Option<&str>) -> EventEnvelope {
    let mut payload =
        json!({ "actorId": actor, "items": [{ "itemId": "gold_bar", "quantity": 999 }] });
    if let Some(source) = source {
        payload["source"] = json!(source);
    }
    EventEnvelope::new("inventory.items_granted", actor, payload).by(user)
}

#[tokio::test]
async fn a_blatant_speed_hack_flags_once_and_redelivery_changes_nothing() {
    let h = Harness::new().await;
    let (user, actor) = (Uuid::new_v4(), Uuid::new_v4());
    // 40 units in 1 s against a max of 10: four times the allowed speed.
    let first = movement(
        "world.movement_rejected",
        actor,
        Some(user),
        1_000,
        40.0,
        1_000,
    );
    assert_eq!(h.feed(&first).await, Some(true));
    assert_eq!(h.feed(&first).await, None, "redelivered: a duplicate");
    let again = movement(
        "world.movement_rejected",
        actor,
        Some(user),
        3_000,
        40.0,
        1_000,
    );
    assert_eq!(
        h.feed(&again).await,
        Some(false),
        "same window: no second flag"
    );
    let flags = h.flags().await;
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].kind, "SPEED_HACK");
    assert_eq!(flags[0].user_id, user);
    assert_eq!(flags[0].actor_id, Some(actor));
    assert_eq!(flags[0].detail["factor"], json!(4.0));
    let events = h.events("anticheat.flagged").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].aggregate_id, user.to_string());
    assert_eq!(events[0].payload["kind"], "SPEED_HACK");
    assert_eq!(events[0].payload["flagId"], json!(flags[0].id));
    // A new window flags again.
    let later = movement(
        "world.movement_rejected",
        actor,
        Some(user),
        70_000,
        40.0,
        1_000,
    );
    assert_eq!(h.feed(&later).await, Some(true));
    assert_eq!(h.flags().await.len(), 2);
}

#[tokio::test]
async fn mild_rejections_flag_only_when_repeated_within_the_window() {
    let h = Harness::new().await;
    let (user, actor) = (Uuid::new_v4(), Uuid::new_v4());
    // 12 units/s against 10: a lag spike looks like this.
    for at in [1_000, 30_000] {
        let event = movement(
            "world.movement_rejected",
            actor,
            Some(user),
            at,
            12.0,
            1_000,
        );
        assert_eq!(h.feed(&event).await, Some(false));
    }
    let third = movement(
        "world.movement_rejected",
        actor,
        Some(user),
        50_000,
        12.0,
        1_000,
    );
    assert_eq!(h.feed(&third).await, Some(true), "third within 60 s");
    let fourth = movement(
        "world.movement_rejected",
        actor,
        Some(user),
        55_000,
        12.0,
        1_000,
    );
    assert_eq!(h.feed(&fourth).await, Some(false));
    // Spread over windows: nothing.
    let other = Uuid::new_v4();
    for at in [0, 61_000, 122_000, 183_000] {
        let event = movement(
            "world.movement_rejected",
            other,
            Some(user),
            at,
            12.0,
            1_000,
        );
        assert_eq!(h.feed(&event).await, Some(false));
    }
    assert_eq!(h.flags().await.len(), 1);
}

#[tokio::test]
async fn accepted_moves_are_checked_too() {
    let h = Harness::new().await;
    let (user, actor) = (Uuid::new_v4(), Uuid::new_v4());
    let normal = movement("world.actor_moved", actor, Some(user), 1_000, 9.0, 1_000);
    assert_eq!(h.feed(&normal).await, Some(false));
    // World let it through, but 30 units in 1 s is three times the maximum.
    let mut fast = movement("world.actor_moved", actor, Some(user), 2_000, 30.0, 1_000);
    fast.payload["speed"] = json!(9.0);
    assert_eq!(h.feed(&fast).await, Some(true));
    assert_eq!(h.flags().await[0].kind, "SPEED_HACK");
}

#[tokio::test]
async fn casting_through_cooldowns_flags_once_per_window() {
    let h = Harness::new().await;
    let (user, actor) = (Uuid::new_v4(), Uuid::new_v4());
    assert_eq!(
        h.feed(&cast(actor, user, "fireball", 10_000)).await,
        Some(false)
    );
    // Another skill is independent.
    assert_eq!(
        h.feed(&cast(actor, user, "frost_nova", 11_000)).await,
        Some(false)
    );
    assert_eq!(
        h.feed(&cast(actor, user, "fireball", 11_500)).await,
        Some(true),
        "1.5 s into a 5 s cooldown"
    );
    assert_eq!(
        h.feed(&cast(actor, user, "fireball", 12_000)).await,
        Some(false),
        "same window"
    );
    let flags = h.flags().await;
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].kind, "CAST_RATE");
    assert_eq!(flags[0].detail["cooldownMs"], 5_000);

    // Rejections: three ON_COOLDOWN within 10 s raise one flag, more raise nothing.
    let (user2, actor2) = (Uuid::new_v4(), Uuid::new_v4());
    let mut flagged = Vec::new();
    for at in [1_000, 2_000, 3_000, 4_000, 5_000] {
        flagged.push(
            h.feed(&rejected_cast(actor2, user2, "ON_COOLDOWN", at))
                .await,
        );
    }
    assert_eq!(
        flagged,
        [
            Some(false),
            Some(false),
            Some(true),
            Some(false),
            Some(false)
        ]
    );
    let ours: Vec<_> = h
        .flags()
        .await
        .into_iter()
        .filter(|f| f.user_id == user2)
        .collect();
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0].detail["rejectionsInWindow"], 3);
}

#[tokio::test]
async fn normal_play_raises_nothing() {
    let h = Harness::new().await;
    let (user, actor) = (Uuid::new_v4(), Uuid::new_v4());
    let mut events = Vec::new();
    for n in 0..5 {
        events.push(cast(actor, user, "fireball", 10_000 + n * 5_000));
        events.push(movement(
            "world.actor_moved",
            actor,
            Some(user),
            10_000 + n * 1_000,
            8.0,
            1_000,
        ));
    }
    // Two honest misclicks on cooldown, and other refusals.
    events.push(rejected_cast(actor, user, "ON_COOLDOWN", 12_000));
    events.push(rejected_cast(actor, user, "ON_COOLDOWN", 16_000));
    events.push(rejected_cast(actor, user, "NOT_ENOUGH_MANA", 13_000));
    events.push(rejected_cast(actor, user, "NOT_ENOUGH_MANA", 13_100));
    events.push(movement(
        "world.movement_rejected",
        actor,
        Some(user),
        20_000,
        11.0,
        1_000,
    ));
    events.push(items_granted(actor, user, Some("grant:compensation-7")));
    events.push(items_granted(actor, user, Some("payment:purchase:0194")));
    events.push(EventEnvelope::new(
        "world.territory_changed",
        Uuid::new_v4(),
        json!({}),
    ));
    events.push(EventEnvelope::new(
        "world.actor_moved",
        actor,
        json!({ "garbage": true }),
    ));
    for event in &events {
        assert_eq!(h.feed(event).await, Some(false), "{}", event.event_type);
    }
    assert!(h.flags().await.is_empty());
    assert!(h.events("anticheat.flagged").await.is_empty());
}

#[tokio::test]
async fn items_from_nowhere_are_flagged() {
    let h = Harness::new().await;
    let (user, actor) = (Uuid::new_v4(), Uuid::new_v4());
    assert_eq!(h.feed(&items_granted(actor, user, None)).await, Some(true));
    assert_eq!(
        h.feed(&items_granted(actor, user, Some("memory-editor")))
            .await,
        Some(true)
    );
    assert_eq!(
        h.feed(&items_granted(actor, user, Some("grant:ok"))).await,
        Some(false)
    );
    let flags = h.flags().await;
    assert_eq!(flags.len(), 2);
    assert!(flags.iter().all(|flag| flag.kind == "ITEM_WITHOUT_SOURCE"));
    assert_eq!(flags[1].detail["source"], "memory-editor");
}

#[tokio::test]
async fn without_a_user_in_the_envelope_the_actor_owner_is_flagged() {
    let h = Harness::new().await;
    let owner = Uuid::new_v4();
    let actor = h.actor_of(owner);
    let event = movement("world.movement_rejected", actor, None, 1_000, 50.0, 1_000);
    assert_eq!(h.feed(&event).await, Some(true));
    assert_eq!(h.flags().await[0].user_id, owner);
    // An unknown actor's anomaly cannot be attributed: dropped.
    let stray = movement(
        "world.movement_rejected",
        Uuid::new_v4(),
        None,
        1_000,
        50.0,
        1_000,
    );
    assert_eq!(h.feed(&stray).await, Some(false));
    assert_eq!(h.flags().await.len(), 1);
}

#[tokio::test]
async fn services_record_inline_verdicts_with_the_internal_token_only() {
    let h = Harness::new().await;
    let user = Uuid::new_v4();
    let query = "mutation($user: ID!, $detail: JSON) {
        recordVerdict(userId: $user, kind: CAST_RATE, detail: $detail) { id userId kind detail }
    }";
    let variables = json!({ "user": user, "detail": { "check": "server cooldown" } });
    let refused = h.run(Some(&admin()), query, variables.clone()).await;
    assert_code(&refused, "FORBIDDEN");
    let recorded = data(h.run_internal(query, variables).await);
    assert_eq!(recorded["recordVerdict"]["kind"], "CAST_RATE");
    assert_eq!(
        recorded["recordVerdict"]["detail"]["check"],
        "server cooldown"
    );
    assert_eq!(h.events("anticheat.flagged").await.len(), 1);

    // Operators see it in the flag list.
    let listed = h
        .data(
            &admin(),
            "query($user: ID) { anticheatFlags(userId: $user, kind: CAST_RATE) { edges { node { id kind } } } }",
            json!({ "user": user }),
        )
        .await;
    assert_eq!(
        listed["anticheatFlags"]["edges"].as_array().map(Vec::len),
        Some(1)
    );
}
