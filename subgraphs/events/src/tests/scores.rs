//! Joining, score submission and leaderboards.

use std::sync::Arc;

use chrono::{Duration, Utc};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

use entities::live_events::submission;

use super::*;

const LEADERBOARD: &str = "query($id: ID!) {
    liveEvent(id: $id) { leaderboard { rank actorId score actor { id } } }
}";

const PARTICIPATION: &str = "query($id: ID!, $actor: ID!) {
    liveEvent(id: $id) { myParticipation(actorId: $actor) { score rank event { id } rewardClaim { id } } }
}";

#[tokio::test]
async fn joining_needs_a_running_event_and_is_a_no_op_the_second_time() {
    let h = Harness::new().await;
    let viewer = player();
    let actor = h.actor_of(&viewer);
    let now = Utc::now();
    h.publish(
        "later",
        1,
        now + Duration::hours(1),
        now + Duration::hours(2),
    )
    .await;
    h.publish(
        "over",
        1,
        now - Duration::hours(2),
        now - Duration::hours(1),
    )
    .await;
    h.running("now").await;
    assert_code(&h.join(&viewer, "later", actor).await, "EVENT_NOT_RUNNING");
    assert_code(&h.join(&viewer, "over", actor).await, "EVENT_NOT_RUNNING");
    assert_code(&h.join(&viewer, "missing", actor).await, "NOT_FOUND");

    let first = data(h.join(&viewer, "now", actor).await);
    assert_eq!(first["joinLiveEvent"]["score"], 0);
    assert_eq!(first["joinLiveEvent"]["rank"], Value::Null);
    let again = data(h.join(&viewer, "now", actor).await);
    assert_eq!(
        again, first,
        "joining again returns the first participation"
    );
    let joined = h.events(crate::domain_events::JOINED).await;
    assert_eq!(joined.len(), 1);
    assert_eq!(
        joined[0].payload,
        json!({ "eventId": "now", "actorId": actor })
    );
    assert_eq!(joined[0].user_id, Some(viewer.user_id));
    assert_eq!(joined[0].aggregate_id, actor.to_string());
}

#[tokio::test]
async fn scores_are_validated_on_the_server() {
    let h = Harness::new().await;
    let viewer = player();
    let actor = h.actor_of(&viewer);
    h.running("fest").await;
    assert_code(
        &h.submit(&viewer, "fest", actor, 10, "k0").await,
        "NOT_JOINED",
    );
    data(h.join(&viewer, "fest", actor).await);
    for bad in [0, -5, 1001] {
        assert_code(
            &h.submit(&viewer, "fest", actor, bad, &format!("bad-{bad}"))
                .await,
            "INVALID_SCORE",
        );
    }
    assert_code(
        &h.submit(&viewer, "fest", actor, 10, " ").await,
        "BAD_USER_INPUT",
    );
    assert_code(
        &h.submit(&viewer, "nope", actor, 10, "k1").await,
        "NOT_FOUND",
    );

    let first = data(h.submit(&viewer, "fest", actor, 1000, "k1").await);
    assert_eq!(
        first["submitLiveEventScore"],
        json!({ "eventId": "fest", "actorId": actor.to_string(), "score": 1000, "total": 1000, "replayed": false })
    );
    let second = data(h.submit(&viewer, "fest", actor, 250, "k2").await);
    assert_eq!(second["submitLiveEventScore"]["total"], 1250);

    // A replay returns the first result and adds nothing.
    let replay = data(h.submit(&viewer, "fest", actor, 1000, "k1").await);
    assert_eq!(replay["submitLiveEventScore"]["total"], 1000);
    assert_eq!(replay["submitLiveEventScore"]["replayed"], true);
    // The same key for another submission is refused.
    assert_code(
        &h.submit(&viewer, "fest", actor, 999, "k1").await,
        "IDEMPOTENCY_KEY_REUSED",
    );
    let participation = h
        .data(
            &viewer,
            PARTICIPATION,
            json!({ "id": "fest", "actor": actor }),
        )
        .await;
    assert_eq!(
        participation["liveEvent"]["myParticipation"],
        json!({ "score": 1250, "rank": 1, "event": { "id": "fest" }, "rewardClaim": null })
    );
    let submitted = h.events(crate::domain_events::SCORE_SUBMITTED).await;
    assert_eq!(submitted.len(), 2);
    assert_eq!(
        submitted[1].payload,
        json!({ "eventId": "fest", "actorId": actor, "score": 250, "total": 1250 })
    );

    // Once over, nothing more is accepted, but replays still answer.
    h.end("fest", 2).await;
    assert_code(
        &h.submit(&viewer, "fest", actor, 10, "k3").await,
        "EVENT_NOT_RUNNING",
    );
    let late_replay = data(h.submit(&viewer, "fest", actor, 250, "k2").await);
    assert_eq!(late_replay["submitLiveEventScore"]["replayed"], true);
}

#[tokio::test]
async fn concurrent_submissions_all_count_once() {
    let h = Arc::new(Harness::new().await);
    let viewer = player();
    let actor = h.actor_of(&viewer);
    h.running("fest").await;
    data(h.join(&viewer, "fest", actor).await);
    // Ten distinct submissions, each sent twice at once.
    let sends = (0..20).map(|i| {
        let (h, viewer) = (h.clone(), viewer.clone());
        async move {
            let n = i % 10;
            h.submit(&viewer, "fest", actor, 10 + n, &format!("key-{n}"))
                .await
        }
    });
    for response in futures_util::future::join_all(sends).await {
        data(response);
    }
    let stored = submission::Entity::find()
        .count(&h.db)
        .await
        .expect("counts");
    assert_eq!(stored, 10);
    let participation = h
        .data(
            &viewer,
            PARTICIPATION,
            json!({ "id": "fest", "actor": actor }),
        )
        .await;
    assert_eq!(
        participation["liveEvent"]["myParticipation"]["score"],
        (10..20).sum::<i64>()
    );
}

#[tokio::test]
async fn the_leaderboard_ranks_by_score_then_by_who_got_there_first() {
    let h = Harness::new().await;
    h.running("fest").await;
    let mut actors = Vec::new();
    for score in [300, 500, 300, 0] {
        let viewer = player();
        let actor = h.actor_of(&viewer);
        data(h.join(&viewer, "fest", actor).await);
        if score > 0 {
            data(h.submit(&viewer, "fest", actor, score, "only").await);
        }
        actors.push((viewer, actor));
        // Distinct millisecond timestamps for the tie-break.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let board = h
        .data(&actors[0].0, LEADERBOARD, json!({ "id": "fest" }))
        .await;
    let expected: Vec<Value> = [(1, 1, 500), (2, 0, 300), (3, 2, 300)]
        .into_iter()
        .map(|(rank, index, score)| {
            let id = actors[index].1.to_string();
            json!({ "rank": rank, "actorId": id, "score": score, "actor": { "id": id } })
        })
        .collect();
    assert_eq!(board["liveEvent"]["leaderboard"], json!(expected));
    let top = h
        .data(
            &actors[0].0,
            "query { liveEvent(id: \"fest\") { leaderboard(first: 1) { actorId } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        top["liveEvent"]["leaderboard"],
        json!([{ "actorId": actors[1].1.to_string() }])
    );
    assert_code(
        &h.run(
            None,
            "query { liveEvent(id: \"fest\") { leaderboard(first: 0) { rank } } }",
            json!({}),
        )
        .await,
        "BAD_USER_INPUT",
    );
    for (index, rank) in [(0, json!(2)), (2, json!(3)), (3, Value::Null)] {
        let (viewer, actor) = &actors[index];
        let mine = h
            .data(
                viewer,
                PARTICIPATION,
                json!({ "id": "fest", "actor": actor }),
            )
            .await;
        assert_eq!(mine["liveEvent"]["myParticipation"]["rank"], rank);
    }
}

#[tokio::test]
async fn nobody_acts_for_someone_elses_actor() {
    let h = Harness::new().await;
    let (owner, intruder) = (player(), player());
    let actor = h.actor_of(&owner);
    h.running("fest").await;
    data(h.join(&owner, "fest", actor).await);
    data(h.submit(&owner, "fest", actor, 10, "k").await);
    assert_code(&h.join(&intruder, "fest", actor).await, "FORBIDDEN");
    assert_code(
        &h.submit(&intruder, "fest", actor, 10, "k").await,
        "FORBIDDEN",
    );
    assert_code(&h.claim(&intruder, "fest", actor, "k").await, "FORBIDDEN");
    assert_code(
        &h.run(
            Some(&intruder),
            PARTICIPATION,
            json!({ "id": "fest", "actor": actor }),
        )
        .await,
        "FORBIDDEN",
    );
    assert_code(
        &h.run(None, JOIN, json!({ "event": "fest", "actor": actor }))
            .await,
        "UNAUTHENTICATED",
    );
    assert_code(&h.join(&owner, "fest", Uuid::new_v4()).await, "NOT_FOUND");
    // Nothing the intruder sent changed the score.
    let mine = h
        .data(
            &owner,
            PARTICIPATION,
            json!({ "id": "fest", "actor": actor }),
        )
        .await;
    assert_eq!(mine["liveEvent"]["myParticipation"]["score"], 10);
}
