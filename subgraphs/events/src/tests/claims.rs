//! Reward claims: exactly once per event and actor.

use std::sync::Arc;

use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

use entities::live_events::claim;

use super::*;

/// A player whose actor joined `event` and scored `score` (if positive).
async fn scored(h: &Harness, event: &str, score: i64) -> (Viewer, Uuid) {
    let viewer = player();
    let actor = h.actor_of(&viewer);
    data(h.join(&viewer, event, actor).await);
    if score > 0 {
        data(h.submit(&viewer, event, actor, score, "score").await);
    }
    (viewer, actor)
}

async fn claim_rows(h: &Harness) -> u64 {
    claim::Entity::find().count(&h.db).await.expect("counts")
}

#[tokio::test]
async fn rewards_are_claimed_once_the_event_ended_by_those_who_scored() {
    let h = Harness::new().await;
    h.running("fest").await;
    let (viewer, actor) = scored(&h, "fest", 700).await;
    let (idle, idle_actor) = scored(&h, "fest", 0).await;
    let outsider = player();
    let outsider_actor = h.actor_of(&outsider);
    assert_code(
        &h.claim(&viewer, "fest", actor, "c1").await,
        "EVENT_NOT_ENDED",
    );

    h.end("fest", 2).await;
    assert_code(
        &h.claim(&outsider, "fest", outsider_actor, "c1").await,
        "NOT_JOINED",
    );
    assert_code(
        &h.claim(&idle, "fest", idle_actor, "c1").await,
        "NOT_ELIGIBLE",
    );
    assert_code(&h.claim(&viewer, "missing", actor, "c0").await, "NOT_FOUND");

    let first = data(h.claim(&viewer, "fest", actor, "c1").await)["claimLiveEventReward"].clone();
    assert_eq!(first["alreadyClaimed"], false);
    assert_eq!(first["score"], 700);
    assert_eq!(
        first["items"],
        json!([
            { "definitionId": "elixir_of_might", "quantity": 3 },
            { "definitionId": "fire_crystal", "quantity": 5 },
        ])
    );
    // A replay of the key, and a second claim with a new key: the first claim, flagged.
    for key in ["c1", "c2"] {
        let again =
            data(h.claim(&viewer, "fest", actor, key).await)["claimLiveEventReward"].clone();
        assert_eq!(again["id"], first["id"]);
        assert_eq!(again["alreadyClaimed"], true);
    }
    assert_eq!(claim_rows(&h).await, 1);

    let granted = h.events(crate::domain_events::REWARD_GRANTED).await;
    assert_eq!(granted.len(), 1, "granted exactly once");
    assert_eq!(
        granted[0].payload,
        json!({
            "grantId": first["id"],
            "eventId": "fest",
            "actorId": actor,
            "items": [
                { "definitionId": "elixir_of_might", "quantity": 3 },
                { "definitionId": "fire_crystal", "quantity": 5 },
            ],
        })
    );
    assert_eq!(granted[0].aggregate_id, actor.to_string());
    assert_eq!(granted[0].user_id, Some(viewer.user_id));

    // The participation shows the claim.
    let mine = h
        .data(
            &viewer,
            "query($actor: ID!) { liveEvent(id: \"fest\") { myParticipation(actorId: $actor) { rewardClaim { id alreadyClaimed } } } }",
            json!({ "actor": actor }),
        )
        .await;
    assert_eq!(
        mine["liveEvent"]["myParticipation"]["rewardClaim"]["id"],
        first["id"]
    );
}

#[tokio::test]
async fn a_claim_key_is_not_reused_for_another_event() {
    let h = Harness::new().await;
    h.running("first").await;
    h.running("second").await;
    let viewer = player();
    let actor = h.actor_of(&viewer);
    for event in ["first", "second"] {
        data(h.join(&viewer, event, actor).await);
        data(
            h.submit(&viewer, event, actor, 5, &format!("score-{event}"))
                .await,
        );
        h.end(event, 2).await;
    }
    data(h.claim(&viewer, "first", actor, "same-key").await);
    assert_code(
        &h.claim(&viewer, "second", actor, "same-key").await,
        "IDEMPOTENCY_KEY_REUSED",
    );
    let other = data(h.claim(&viewer, "second", actor, "other-key").await);
    assert_eq!(other["claimLiveEventReward"]["alreadyClaimed"], false);
    assert_eq!(claim_rows(&h).await, 2);
}

#[tokio::test]
async fn ten_concurrent_claims_grant_once() {
    let h = Arc::new(Harness::new().await);
    h.running("fest").await;
    let (viewer, actor) = scored(&h, "fest", 42).await;
    h.end("fest", 2).await;
    let claims = (0..10).map(|i| {
        let (h, viewer) = (h.clone(), viewer.clone());
        async move { h.claim(&viewer, "fest", actor, &format!("claim-{i}")).await }
    });
    let results: Vec<Value> = futures_util::future::join_all(claims)
        .await
        .into_iter()
        .map(|response| data(response)["claimLiveEventReward"].clone())
        .collect();
    let first_id = results[0]["id"].clone();
    assert!(results.iter().all(|result| result["id"] == first_id));
    assert_eq!(
        results
            .iter()
            .filter(|result| result["alreadyClaimed"] == false)
            .count(),
        1,
        "exactly one call granted: {results:?}"
    );
    assert_eq!(claim_rows(&h).await, 1);
    assert_eq!(
        h.events(crate::domain_events::REWARD_GRANTED).await.len(),
        1
    );
}
