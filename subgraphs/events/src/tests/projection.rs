//! Event definitions projected from content: versions, redeliveries, status.

use chrono::{Duration, Utc};
use serde_json::json;
use subgraph_kit::events::consumer::Outcome;

use super::*;

const EVENT: &str = "query($id: ID!) {
    liveEvent(id: $id) {
        id name description zoneId status maxScorePerSubmission version
        rewards { definitionId quantity }
    }
}";

#[tokio::test]
async fn published_definitions_are_projected_and_newer_versions_win() {
    let h = Harness::new().await;
    let viewer = player();
    let now = Utc::now();
    let first = published(
        "EVENT",
        "ember_festival",
        1,
        definition(
            "ember_festival",
            now - Duration::hours(1),
            now + Duration::hours(1),
        ),
    );
    assert_eq!(h.deliver(&first).await, Outcome::Applied(()));
    // A redelivery of the same envelope is skipped.
    assert_eq!(h.deliver(&first).await, Outcome::Duplicate);

    let event = h
        .data(&viewer, EVENT, json!({ "id": "ember_festival" }))
        .await;
    assert_eq!(
        event["liveEvent"],
        json!({
            "id": "ember_festival",
            "name": "Ember Festival",
            "description": "Hunt in the Ember Wastes.",
            "zoneId": "ember_wastes",
            "status": "RUNNING",
            "maxScorePerSubmission": 1000,
            "version": 1,
            "rewards": [
                { "definitionId": "elixir_of_might", "quantity": 3 },
                { "definitionId": "fire_crystal", "quantity": 5 },
            ],
        })
    );

    // Version 3 then a late version 2: 3 stays.
    let mut third = definition(
        "ember_festival",
        now - Duration::hours(1),
        now + Duration::hours(2),
    );
    third["name"] = json!("Ember Festival III");
    h.deliver(&published("EVENT", "ember_festival", 3, third))
        .await;
    let mut second = definition(
        "ember_festival",
        now - Duration::hours(1),
        now + Duration::hours(2),
    );
    second["name"] = json!("Ember Festival II");
    h.deliver(&published("EVENT", "ember_festival", 2, second))
        .await;
    let event = h
        .data(&viewer, EVENT, json!({ "id": "ember_festival" }))
        .await;
    assert_eq!(event["liveEvent"]["name"], "Ember Festival III");
    assert_eq!(event["liveEvent"]["version"], 3);
}

#[tokio::test]
async fn other_kinds_and_unreadable_definitions_are_skipped() {
    let h = Harness::new().await;
    let viewer = player();
    let now = Utc::now();
    let item = published("ITEM", "fire_crystal", 1, json!({ "id": "fire_crystal" }));
    assert_eq!(h.deliver(&item).await, Outcome::Applied(()));
    let broken = published("EVENT", "broken", 1, json!({ "id": "broken" }));
    assert_eq!(h.deliver(&broken).await, Outcome::Applied(()));
    // Ends before it starts.
    let inconsistent = published(
        "EVENT",
        "backwards",
        1,
        definition("backwards", now, now - Duration::hours(1)),
    );
    assert_eq!(h.deliver(&inconsistent).await, Outcome::Applied(()));
    let events = h.data(&viewer, "{ liveEvents { id } }", json!({})).await;
    assert_eq!(events["liveEvents"], json!([]));
}

#[tokio::test]
async fn events_are_listed_by_status() {
    let h = Harness::new().await;
    let viewer = player();
    let now = Utc::now();
    h.publish("past", 1, now - Duration::days(3), now - Duration::days(2))
        .await;
    h.running("current").await;
    h.publish(
        "future",
        1,
        now + Duration::days(2),
        now + Duration::days(3),
    )
    .await;
    let all = h
        .data(&viewer, "{ liveEvents { id status } }", json!({}))
        .await;
    assert_eq!(
        all["liveEvents"],
        json!([
            { "id": "past", "status": "ENDED" },
            { "id": "current", "status": "RUNNING" },
            { "id": "future", "status": "UPCOMING" },
        ])
    );
    for (status, id) in [
        ("UPCOMING", "future"),
        ("RUNNING", "current"),
        ("ENDED", "past"),
    ] {
        let filtered = h
            .data(
                &viewer,
                "query($status: LiveEventStatus) { liveEvents(status: $status) { id } }",
                json!({ "status": status }),
            )
            .await;
        assert_eq!(filtered["liveEvents"], json!([{ "id": id }]), "{status}");
    }
    // Unknown ids are null, and anonymous readers see events too.
    let missing = h.run(None, EVENT, json!({ "id": "nope" })).await;
    assert_eq!(data(missing)["liveEvent"], Value::Null);
}

#[tokio::test]
async fn live_events_resolve_as_entities() {
    let h = Harness::new().await;
    h.running("ember_festival").await;
    let response = h
        .run(
            None,
            "query($reps: [_Any!]!) { _entities(representations: $reps) { ... on LiveEvent { id name } } }",
            json!({ "reps": [
                { "__typename": "LiveEvent", "id": "ember_festival" },
                { "__typename": "LiveEvent", "id": "unknown" },
            ] }),
        )
        .await;
    assert_eq!(
        data(response)["_entities"],
        json!([{ "id": "ember_festival", "name": "Ember Festival" }, null])
    );
}

#[test]
fn the_sdl_declares_the_contract() {
    let sdl = subgraph_kit::sdl::federated_sdl(&crate::schema(None));
    for expected in [
        "type LiveEvent @key(fields: \"id\")",
        "type Actor @key(fields: \"id\", resolvable: false)",
        "liveEvents(status: LiveEventStatus): [LiveEvent!]!",
        "liveEvent(id: ID!): LiveEvent",
        "leaderboard(first: Int! = 10): [LeaderboardEntry!]!",
        "myParticipation(actorId: ID!): LiveEventParticipation @authenticated",
        "joinLiveEvent(eventId: ID!, actorId: ID!): LiveEventParticipation! @authenticated",
        "submitLiveEventScore(eventId: ID!, actorId: ID!, score: Int!, idempotencyKey: String!): LiveEventScoreSubmission! @authenticated",
        "claimLiveEventReward(eventId: ID!, actorId: ID!, idempotencyKey: String!): LiveEventRewardClaim! @authenticated",
        "liveEventUpdated(eventId: ID!): LiveEventUpdate!",
        "enum LiveEventUpdateKind",
        "LEADERBOARD_CHANGED",
    ] {
        assert!(sdl.contains(expected), "missing `{expected}` in:\n{sdl}");
    }
}
