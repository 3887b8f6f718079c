//! Live events through the router: an event content schedules is joined, scored
//! (validated server-side) and ranked; its reward is claimed exactly once, however
//! often and however concurrently it is claimed, and inventory delivers it once.

use chrono::{Duration as ChronoDuration, Utc};
use futures_util::future::join_all;
use serde_json::json;

use crate::helpers::*;

const SAVE_EVENT: &str =
    "mutation($input: EventDefinitionInput!) { saveEventDraft(input: $input) { id } }";
const PUBLISH_EVENT: &str =
    "mutation($id: ID!) { publishContent(kind: EVENT, id: $id) { version } }";
const EVENT: &str =
    "query($id: ID!) { liveEvent(id: $id) { id status leaderboard { rank actorId score } } }";
const JOIN: &str =
    "mutation($e: ID!, $a: ID!) { joinLiveEvent(eventId: $e, actorId: $a) { score } }";
const SCORE: &str = "mutation($e: ID!, $a: ID!, $s: Int!, $k: String!) { submitLiveEventScore(eventId: $e, actorId: $a, score: $s, idempotencyKey: $k) { total replayed } }";
const CLAIM: &str = "mutation($e: ID!, $a: ID!, $k: String!) { claimLiveEventReward(eventId: $e, actorId: $a, idempotencyKey: $k) { id alreadyClaimed } }";
const BAG: &str =
    "query($id: ID!) { actor(id: $id) { inventory { items { definitionId quantity } } } }";

/// Saves and publishes the event `id` (a new version each time) running until `ends_at`.
async fn schedule(
    app: &TestApp,
    admin: &Player,
    id: &str,
    max_score: i64,
    quantity: i64,
    ends_at: chrono::DateTime<Utc>,
) {
    let input = json!({
        "id": id, "name": id, "startsAt": (Utc::now() - ChronoDuration::minutes(1)).to_rfc3339(),
        "endsAt": ends_at.to_rfc3339(), "maxScorePerSubmission": max_score,
        "rewards": [{ "itemId": "health_potion", "quantity": quantity }],
    });
    let saved = app
        .client
        .as_user(&admin.access_token, SAVE_EVENT, json!({ "input": input }))
        .await;
    assert!(saved.errors().is_empty(), "{:?}", saved.errors());
    let published = app
        .client
        .as_user(&admin.access_token, PUBLISH_EVENT, json!({ "id": id }))
        .await;
    assert!(published.errors().is_empty(), "{:?}", published.errors());
}

/// Waits until the events service reports `id` as `status`.
async fn wait_for_status(app: &TestApp, id: &str, status: &str) {
    eventually(&format!("the event to be {status}"), || async {
        let event = app.client.anonymous(EVENT, json!({ "id": id })).await;
        (event.data()["liveEvent"]["status"] == status).then_some(())
    })
    .await;
}

async fn potions(app: &TestApp, character: &Character) -> i64 {
    let bag = app
        .client
        .as_user(
            &character.player.access_token,
            BAG,
            json!({ "id": character.actor_id }),
        )
        .await;
    bag.data()["actor"]["inventory"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|item| item["definitionId"] == "health_potion")
        .map(|item| item["quantity"].as_i64().unwrap_or(0))
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_reward_claimed_twice_and_concurrently_is_granted_once() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let hunter = app.new_character("Hunter", "RANGER").await;
    let rival = app.new_character("Rival", "RANGER").await;
    let id = unique("hunt_");
    schedule(
        &app,
        &admin,
        &id,
        100,
        2,
        Utc::now() + ChronoDuration::minutes(10),
    )
    .await;
    wait_for_status(&app, &id, "RUNNING").await;

    for (character, score) in [(&hunter, 80), (&rival, 30)] {
        let token = &character.player.access_token;
        let joined = app
            .client
            .as_user(token, JOIN, json!({ "e": id, "a": character.actor_id }))
            .await;
        assert!(joined.errors().is_empty(), "{:?}", joined.errors());
        let scored = app
            .client
            .as_user(
                token,
                SCORE,
                json!({ "e": id, "a": character.actor_id, "s": score, "k": "s1" }),
            )
            .await;
        assert_eq!(scored.data()["submitLiveEventScore"]["total"], score);
    }
    let token = &hunter.player.access_token;
    // Validated server-side: over the per-submission maximum, or for someone else.
    app.client
        .as_user(
            token,
            SCORE,
            json!({ "e": id, "a": hunter.actor_id, "s": 101, "k": "s2" }),
        )
        .await
        .assert_error_code("INVALID_SCORE");
    app.client
        .as_user(
            token,
            SCORE,
            json!({ "e": id, "a": rival.actor_id, "s": 10, "k": "s3" }),
        )
        .await
        .assert_error_code("FORBIDDEN");
    // A replayed submission adds nothing.
    let replay = app
        .client
        .as_user(
            token,
            SCORE,
            json!({ "e": id, "a": hunter.actor_id, "s": 80, "k": "s1" }),
        )
        .await;
    assert_eq!(replay.data()["submitLiveEventScore"]["replayed"], true);
    let board = app.client.anonymous(EVENT, json!({ "id": id })).await;
    let leaderboard = board.data()["liveEvent"]["leaderboard"].clone();
    assert_eq!(leaderboard[0]["actorId"], hunter.actor_id.as_str());
    assert_eq!(leaderboard[0]["score"], 80);
    assert_eq!(leaderboard[1]["actorId"], rival.actor_id.as_str());
    // Not before the event ends.
    app.client
        .as_user(
            token,
            CLAIM,
            json!({ "e": id, "a": hunter.actor_id, "k": "early" }),
        )
        .await
        .assert_error_code("EVENT_NOT_ENDED");

    // Ended early by a new version (on Kafka a definition may take seconds to arrive,
    // so the event was scheduled for long enough to join and score first).
    schedule(
        &app,
        &admin,
        &id,
        100,
        2,
        Utc::now() + ChronoDuration::seconds(1),
    )
    .await;
    wait_for_status(&app, &id, "ENDED").await;
    let first = app
        .client
        .as_user(
            token,
            CLAIM,
            json!({ "e": id, "a": hunter.actor_id, "k": "claim-1" }),
        )
        .await;
    assert!(first.errors().is_empty(), "{:?}", first.errors());
    let claim_id = first.data()["claimLiveEventReward"]["id"].clone();
    assert_eq!(
        first.data()["claimLiveEventReward"]["alreadyClaimed"],
        false
    );
    // Again, sequentially and then ten at once, with fresh keys: the same claim.
    let again = app
        .client
        .as_user(
            token,
            CLAIM,
            json!({ "e": id, "a": hunter.actor_id, "k": "claim-2" }),
        )
        .await;
    assert_eq!(again.data()["claimLiveEventReward"]["id"], claim_id);
    assert_eq!(again.data()["claimLiveEventReward"]["alreadyClaimed"], true);
    let burst = join_all((0..10).map(|n| {
        app.client.as_user(
            token,
            CLAIM,
            json!({ "e": id, "a": hunter.actor_id, "k": format!("burst-{n}") }),
        )
    }))
    .await;
    for response in burst {
        assert!(response.errors().is_empty(), "{:?}", response.errors());
        assert_eq!(response.data()["claimLiveEventReward"]["id"], claim_id);
    }
    // Inventory delivers the reward once.
    eventually("the reward in the bag", || async {
        (potions(&app, &hunter).await == 2).then_some(())
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert_eq!(potions(&app, &hunter).await, 2, "granted once");
    app.supergraph.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_claims_are_granted_once() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let hunter = app.new_character("Hunter", "RANGER").await;
    let id = unique("sprint_");
    schedule(
        &app,
        &admin,
        &id,
        10,
        3,
        Utc::now() + ChronoDuration::minutes(10),
    )
    .await;
    wait_for_status(&app, &id, "RUNNING").await;
    let token = &hunter.player.access_token;
    app.client
        .as_user(token, JOIN, json!({ "e": id, "a": hunter.actor_id }))
        .await;
    app.client
        .as_user(
            token,
            SCORE,
            json!({ "e": id, "a": hunter.actor_id, "s": 5, "k": "s" }),
        )
        .await;
    schedule(
        &app,
        &admin,
        &id,
        10,
        3,
        Utc::now() + ChronoDuration::seconds(1),
    )
    .await;
    wait_for_status(&app, &id, "ENDED").await;
    let burst = join_all((0..10).map(|n| {
        app.client.as_user(
            token,
            CLAIM,
            json!({ "e": id, "a": hunter.actor_id, "k": format!("first-{n}") }),
        )
    }))
    .await;
    let ids: std::collections::HashSet<String> = burst
        .iter()
        .map(|response| {
            assert!(response.errors().is_empty(), "{:?}", response.errors());
            response.data()["claimLiveEventReward"]["id"]
                .as_str()
                .expect("in the response")
                .to_string()
        })
        .collect();
    assert_eq!(ids.len(), 1, "one claim");
    let fresh = burst
        .iter()
        .filter(|r| r.data()["claimLiveEventReward"]["alreadyClaimed"] == false)
        .count();
    assert_eq!(fresh, 1, "exactly one call made the claim");
    eventually("the reward in the bag", || async {
        (potions(&app, &hunter).await == 3).then_some(())
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert_eq!(potions(&app, &hunter).await, 3, "granted once");
    app.supergraph.stop().await.expect("stops");
}
