//! Live updates: leaderboard changes and phase announcements.

use std::time::Duration as StdDuration;

use async_graphql::Request;
use chrono::{Duration, Utc};
use futures_util::stream::{BoxStream, StreamExt};
use serde_json::json;

use crate::live::announce_transitions;

use super::*;

const UPDATES: &str = "subscription($id: ID!) {
    liveEventUpdated(eventId: $id) { eventId kind leaderboard { rank actorId score } }
}";

fn subscribe(h: &Harness, event: &str) -> BoxStream<'static, async_graphql::Response> {
    let request = Request::new(UPDATES).variables(Variables::from_json(json!({ "id": event })));
    h.schema.execute_stream(request).boxed()
}

async fn next(stream: &mut BoxStream<'static, async_graphql::Response>) -> Value {
    let response = tokio::time::timeout(StdDuration::from_secs(5), stream.next())
        .await
        .expect("an update arrives in time")
        .expect("the stream is open");
    data(response)["liveEventUpdated"].clone()
}

async fn nothing_more(stream: &mut BoxStream<'static, async_graphql::Response>) {
    assert!(
        tokio::time::timeout(StdDuration::from_millis(200), stream.next())
            .await
            .is_err(),
        "no further update"
    );
}

#[tokio::test]
async fn subscribers_see_leaderboard_changes() {
    let h = Harness::new().await;
    h.running("fest").await;
    let viewer = player();
    let actor = h.actor_of(&viewer);
    data(h.join(&viewer, "fest", actor).await);
    let mut updates = subscribe(&h, "fest");
    let mut other_event = {
        h.running("other").await;
        subscribe(&h, "other")
    };
    // The subscription is registered once the stream is first polled.
    nothing_more(&mut updates).await;
    data(h.submit(&viewer, "fest", actor, 120, "k1").await);
    assert_eq!(
        next(&mut updates).await,
        json!({
            "eventId": "fest",
            "kind": "LEADERBOARD_CHANGED",
            "leaderboard": [{ "rank": 1, "actorId": actor.to_string(), "score": 120 }],
        })
    );
    // A replay changes nothing and announces nothing.
    data(h.submit(&viewer, "fest", actor, 120, "k1").await);
    nothing_more(&mut updates).await;
    nothing_more(&mut other_event).await;
}

#[tokio::test]
async fn an_unknown_event_cannot_be_watched() {
    let h = Harness::new().await;
    let mut updates = subscribe(&h, "nope");
    let response = tokio::time::timeout(StdDuration::from_secs(5), updates.next())
        .await
        .expect("answers in time")
        .expect("one response");
    assert_code(&response, "NOT_FOUND");
}

#[tokio::test]
async fn phase_transitions_are_announced_once() {
    let h = Harness::new().await;
    let now = Utc::now();
    let (starts, ends) = (now + Duration::hours(1), now + Duration::hours(2));
    h.publish("fest", 1, starts, ends).await;
    let mut updates = subscribe(&h, "fest");
    nothing_more(&mut updates).await;
    let pubsub = h.pubsub.as_ref();

    assert_eq!(
        announce_transitions(&h.db, pubsub, now)
            .await
            .expect("ticks"),
        0
    );
    let started = starts + Duration::seconds(1);
    // Two replicas ticking at once: one announcement.
    let (a, b) = tokio::join!(
        announce_transitions(&h.db, pubsub, started),
        announce_transitions(&h.db, pubsub, started)
    );
    assert_eq!(a.expect("ticks") + b.expect("ticks"), 1);
    assert_eq!(next(&mut updates).await["kind"], "STARTED");
    assert_eq!(
        announce_transitions(&h.db, pubsub, started)
            .await
            .expect("ticks"),
        0
    );

    let ended = ends + Duration::seconds(1);
    assert_eq!(
        announce_transitions(&h.db, pubsub, ended)
            .await
            .expect("ticks"),
        1
    );
    assert_eq!(
        next(&mut updates).await,
        json!({ "eventId": "fest", "kind": "ENDED", "leaderboard": [] })
    );
    assert_eq!(
        announce_transitions(&h.db, pubsub, ended)
            .await
            .expect("ticks"),
        0
    );
    nothing_more(&mut updates).await;

    // Content re-opens the event (a newer version ending later): announced again.
    h.publish("fest", 2, starts, ended + Duration::hours(1))
        .await;
    assert_eq!(
        announce_transitions(&h.db, pubsub, ended)
            .await
            .expect("ticks"),
        1
    );
    assert_eq!(next(&mut updates).await["kind"], "STARTED");
}
