//! Raw events: stored once per event id, paged newest first, fed by the bus.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;
use serde_json::json;
use subgraph_kit::documents::{DocumentStore, Query};
use subgraph_kit::events::{EventBus, InProcessBus};

use crate::ingest::{start_all, RawEvent, ALL_TOPICS, RAW_EVENTS};

use super::*;

/// A redelivered event is stored once, with its envelope's facts.
pub async fn each_event_is_stored_once(store: Arc<dyn DocumentStore>) {
    let h = Harness::new(store.clone());
    let user = Uuid::new_v4();
    let event = envelope(
        "guild.member_joined",
        Some(user),
        at(11, 25, 23),
        json!({ "guildId": "g1" }),
    );
    assert!(h.ingest("guild.events", &event).await);
    assert!(
        !h.ingest("guild.events", &event).await,
        "a redelivery is a no-op"
    );
    let stored = store.find(RAW_EVENTS, &Query::all()).await.expect("reads");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].id, event.id.to_string());
    let raw: RawEvent = serde_json::from_value(stored[0].body.clone()).expect("a raw event");
    assert_eq!(
        raw,
        RawEvent {
            topic: "guild.events".into(),
            event_type: "guild.member_joined".into(),
            user_id: Some(user),
            aggregate_id: "aggregate".into(),
            occurred_at: at(11, 25, 23),
            occurred_at_ms: at(11, 25, 23).timestamp_millis(),
            day: "2026-11-25".into(),
            month: "2026-11".into(),
            payload: json!({ "guildId": "g1" }),
        }
    );
}

/// `analyticsEvents` pages newest first, optionally by type.
pub async fn raw_events_are_paged_newest_first(store: Arc<dyn DocumentStore>) {
    let h = Harness::new(store);
    let now = Utc::now();
    let mut casts = Vec::new();
    for minutes in 0..5 {
        let event = envelope(
            "chaos.skill_cast",
            Some(Uuid::new_v4()),
            now - Duration::minutes(minutes),
            json!({ "n": minutes }),
        );
        assert!(h.ingest("chaos.combat", &event).await);
        casts.push(event.id.to_string());
    }
    let other = envelope("world.actor_moved", None, now, json!({}));
    assert!(h.ingest("world.events", &other).await);

    const PAGE: &str = "query($after: String) {
        analyticsEvents(type: \"chaos.skill_cast\", first: 2, after: $after) {
            pageInfo { hasNextPage endCursor }
            edges { node { id topic type userId payload } }
        }
    }";
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = h.admin_data(PAGE, json!({ "after": after })).await["analyticsEvents"].clone();
        for edge in page["edges"].as_array().expect("edges") {
            assert_eq!(edge["node"]["type"], "chaos.skill_cast");
            assert_eq!(edge["node"]["topic"], "chaos.combat");
            seen.push(edge["node"]["id"].as_str().expect("an id").to_string());
        }
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, casts, "newest first, each once");

    let all = h
        .admin_data("{ analyticsEvents { edges { node { id } } } }", json!({}))
        .await;
    assert_eq!(
        all["analyticsEvents"]["edges"]
            .as_array()
            .expect("edges")
            .len(),
        6
    );
}

/// The consumers store what every topic carries, once.
pub async fn every_topic_is_ingested(store: Arc<dyn DocumentStore>) {
    let bus = Arc::new(InProcessBus::default());
    let consumers = start_all(bus.clone(), store.clone());
    let mut expected = Vec::new();
    for topic in ALL_TOPICS {
        let event = envelope("test.happened", None, Utc::now(), json!({ "topic": topic }));
        bus.publish(topic, &event).await.expect("publishes");
        // Delivered twice, as after a relay crash.
        bus.publish(topic, &event).await.expect("publishes");
        expected.push(event.id.to_string());
    }
    let mut stored = Vec::new();
    for _ in 0..200 {
        stored = store.find(RAW_EVENTS, &Query::all()).await.expect("reads");
        if stored.len() >= expected.len() {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    subgraph_kit::background::stop_all(consumers).await;
    let mut ids: Vec<String> = stored.into_iter().map(|document| document.id).collect();
    ids.sort();
    expected.sort();
    assert_eq!(ids, expected);
}

subgraph_kit::on_every_document_store!("analytics";
    each_event_is_stored_once,
    raw_events_are_paged_newest_first,
    every_topic_is_ingested,
);
