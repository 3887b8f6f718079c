//! The store contract, run on SQLite always and on MongoDB when
//! `CHAOS_TEST_MONGODB_URL` names a server (as in the test command, see
//! `scripts/mongo.sh`). Every test gets its own database.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{json, Value};
use uuid::Uuid;

use super::*;
use crate::events::{EventBus, EventEnvelope, InProcessBus};

crate::on_every_document_store!("documents";
    documents_are_inserted_read_replaced_and_deleted,
    stale_and_duplicate_writes_conflict,
    a_failing_write_leaves_its_whole_batch_unwritten,
    find_filters_sorts_and_pages,
    concurrent_writers_of_one_revision_have_one_winner,
    the_outbox_relays_committed_events_once,
    the_store_answers_pings,
);

async fn get(store: &dyn DocumentStore, id: &str) -> Option<Document> {
    store.get("things", id).await.expect("reads")
}

fn is_conflict(result: Result<(), DocumentError>, id: &str) -> bool {
    matches!(result, Err(DocumentError::Conflict { id: conflicting, .. }) if conflicting == id)
}

async fn documents_are_inserted_read_replaced_and_deleted(store: Arc<dyn DocumentStore>) {
    let store = store.as_ref();
    assert_eq!(get(store, "a").await, None);
    let body =
        json!({ "name": "Sword", "stats": { "strength": 8 }, "tags": ["x", 1, 2.5, true, null] });
    store
        .commit(vec![Write::insert("things", "a", body.clone())])
        .await
        .expect("inserts");
    assert_eq!(
        get(store, "a").await,
        Some(Document {
            id: "a".into(),
            revision: 1,
            body
        })
    );
    store
        .commit(vec![Write::replace(
            "things",
            "a",
            json!({ "name": "Axe" }),
            1,
        )])
        .await
        .expect("replaces");
    let replaced = get(store, "a").await.expect("exists");
    assert_eq!(
        (replaced.revision, replaced.body),
        (2, json!({ "name": "Axe" }))
    );

    // Upserts create at revision 1 and bump existing revisions.
    store
        .commit(vec![
            Write::upsert("things", "b", json!({ "n": 1 })),
            Write::upsert("things", "a", json!({ "name": "Mace" })),
        ])
        .await
        .expect("upserts");
    assert_eq!(get(store, "b").await.expect("created").revision, 1);
    assert_eq!(get(store, "a").await.expect("exists").revision, 3);

    // Collections are separate namespaces.
    assert_eq!(store.get("others", "a").await.expect("reads"), None);

    store
        .commit(vec![Write::delete("things", "a", 3)])
        .await
        .expect("deletes");
    assert_eq!(get(store, "a").await, None);
    store
        .commit(vec![Write {
            collection: "things".into(),
            id: "missing".into(),
            op: WriteOp::Delete {
                expected_revision: None,
            },
        }])
        .await
        .expect("deleting nothing unconditionally is fine");
    assert!(matches!(
        store
            .commit(vec![Write::insert("bad-name", "x", json!({}))])
            .await,
        Err(DocumentError::Invalid(_))
    ));
    assert!(matches!(
        store
            .commit(vec![Write::insert("things", "x", json!([1]))])
            .await,
        Err(DocumentError::Invalid(_))
    ));
}

async fn stale_and_duplicate_writes_conflict(store: Arc<dyn DocumentStore>) {
    let store = store.as_ref();
    store
        .commit(vec![Write::insert("things", "a", json!({ "v": 1 }))])
        .await
        .expect("inserts");
    assert!(is_conflict(
        store
            .commit(vec![Write::insert("things", "a", json!({ "v": 2 }))])
            .await,
        "a"
    ));
    assert!(is_conflict(
        store
            .commit(vec![Write::replace("things", "a", json!({ "v": 2 }), 7)])
            .await,
        "a"
    ));
    assert!(is_conflict(
        store
            .commit(vec![Write::replace("things", "nope", json!({ "v": 2 }), 1)])
            .await,
        "nope"
    ));
    assert!(is_conflict(
        store.commit(vec![Write::delete("things", "a", 2)]).await,
        "a"
    ));
    assert!(is_conflict(
        store.commit(vec![Write::delete("things", "nope", 1)]).await,
        "nope"
    ));
    let unchanged = get(store, "a").await.expect("still there");
    assert_eq!((unchanged.revision, unchanged.body), (1, json!({ "v": 1 })));
}

async fn a_failing_write_leaves_its_whole_batch_unwritten(store: Arc<dyn DocumentStore>) {
    let store = store.as_ref();
    store
        .commit(vec![
            Write::insert("things", "taken", json!({ "v": 1 })),
            Write::insert("things", "kept", json!({ "v": 1 })),
        ])
        .await
        .expect("inserts");
    let failed = store
        .commit(vec![
            Write::insert("things", "new", json!({ "v": 1 })),
            Write::insert("audit", "entry", json!({ "v": 1 })),
            Write::replace("things", "kept", json!({ "v": 2 }), 1),
            Write::insert("things", "taken", json!({ "v": 2 })),
        ])
        .await;
    assert!(is_conflict(failed, "taken"));
    assert_eq!(get(store, "new").await, None);
    assert_eq!(store.get("audit", "entry").await.expect("reads"), None);
    assert_eq!(get(store, "kept").await.expect("kept").revision, 1);

    // A stale revision in the middle also undoes the writes before it.
    let failed = store
        .commit(vec![
            Write::delete("things", "kept", 1),
            Write::replace("things", "taken", json!({ "v": 3 }), 5),
        ])
        .await;
    assert!(is_conflict(failed, "taken"));
    assert!(get(store, "kept").await.is_some());
}

async fn find_filters_sorts_and_pages(store: Arc<dyn DocumentStore>) {
    let store = store.as_ref();
    let rows = [
        ("e1", "ITEM", 30, true),
        ("e2", "SKILL", 10, false),
        ("e3", "ITEM", 20, false),
        ("e4", "ITEM", 20, true),
        ("e5", "ITEM", 50, false),
        ("e6", "ZONE", 40, true),
    ];
    store
        .commit(
            rows.iter()
                .map(|(id, kind, at, flag)| {
                    Write::insert("log", *id, json!({ "kind": kind, "at": at, "flag": flag }))
                })
                .chain([Write::insert("log", "e7", json!({ "kind": "ITEM" }))])
                .collect(),
        )
        .await
        .expect("inserts");
    let ids = |docs: Vec<Document>| docs.into_iter().map(|d| d.id).collect::<Vec<_>>();
    let find = |query: Query| async move { ids(store.find("log", &query).await.expect("finds")) };

    assert_eq!(
        find(Query::all()).await,
        ["e1", "e2", "e3", "e4", "e5", "e6", "e7"]
    );
    assert_eq!(
        find(Query::all().eq("kind", "ITEM").descending("at")).await,
        ["e5", "e1", "e4", "e3", "e7"],
        "ties by id in the sort's direction, missing values last when descending"
    );
    assert_eq!(
        find(Query::all().eq("kind", "ITEM").ascending("at")).await,
        ["e7", "e3", "e4", "e1", "e5"]
    );
    assert_eq!(
        find(Query::all().eq("flag", true)).await,
        ["e1", "e4", "e6"]
    );
    assert_eq!(find(Query::all().eq("at", 20)).await, ["e3", "e4"]);
    assert_eq!(find(Query::all().eq("at", Value::Null)).await, ["e7"]);
    assert_eq!(
        find(Query::all().ids(vec!["e6".into(), "e2".into(), "zz".into()])).await,
        ["e2", "e6"]
    );
    assert!(find(Query::all().ids(Vec::new())).await.is_empty());
    assert_eq!(
        find(Query::all().descending("at").skip(1).limit(2)).await,
        ["e6", "e1"]
    );
    assert!(find(Query::all().limit(0)).await.is_empty());
    assert!(find(Query::all().eq("kind", "EVENT")).await.is_empty());
    assert!(store
        .find("empty", &Query::all())
        .await
        .expect("finds")
        .is_empty());

    // Keyset pages of two walk every document exactly once, in both directions.
    for base in [
        Query::all().descending("at"),
        Query::all().ascending("at"),
        Query::all(),
    ] {
        let mut walked = Vec::new();
        let mut query = base.clone().limit(2);
        loop {
            let page = store.find("log", &query).await.expect("finds");
            let Some(last) = page.last() else { break };
            query = base.clone().limit(2).after(base.position_of(last));
            walked.extend(ids(page));
        }
        assert_eq!(walked, find(base.clone()).await, "keyset walk of {base:?}");
    }

    assert!(matches!(
        store.find("log", &Query::all().eq("bad.field", 1)).await,
        Err(DocumentError::Invalid(_))
    ));
    assert!(matches!(
        store
            .find("log", &Query::all().eq("kind", json!({ "$ne": 1 })))
            .await,
        Err(DocumentError::Invalid(_))
    ));
}

async fn concurrent_writers_of_one_revision_have_one_winner(store: Arc<dyn DocumentStore>) {
    store
        .commit(vec![Write::insert("things", "hot", json!({ "n": 0 }))])
        .await
        .expect("inserts");
    let writers = (1..=8).map(|n| {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .commit(vec![
                    Write::replace("things", "hot", json!({ "n": n }), 1),
                    Write::insert("audit", format!("edit-{n}"), json!({ "n": n })),
                ])
                .await
        })
    });
    let outcomes = futures_util::future::join_all(writers).await;
    let mut winners = Vec::new();
    for (n, outcome) in (1..=8).zip(outcomes) {
        match outcome.expect("the writer ran") {
            Ok(()) => winners.push(n),
            Err(DocumentError::Conflict { .. }) => {}
            Err(err) => panic!("unexpected failure: {err}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one writer wins revision 1");
    let hot = get(store.as_ref(), "hot").await.expect("exists");
    assert_eq!((hot.revision, hot.body), (2, json!({ "n": winners[0] })));
    let audit = store.find("audit", &Query::all()).await.expect("finds");
    assert_eq!(audit.len(), 1, "losers' other writes were rolled back");

    // Concurrent inserts of one id: one wins.
    let inserters = (1..=6).map(|n| {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .commit(vec![Write::insert("things", "fresh", json!({ "n": n }))])
                .await
        })
    });
    let inserted = futures_util::future::join_all(inserters)
        .await
        .into_iter()
        .filter(|outcome| matches!(outcome, Ok(Ok(()))))
        .count();
    assert_eq!(inserted, 1);
}

async fn the_outbox_relays_committed_events_once(store: Arc<dyn DocumentStore>) {
    let bus = InProcessBus::default();
    let mut consumer = bus.consume("things", "test").await.expect("consumes");
    let first = EventEnvelope::new("thing.made", "a", json!({ "n": 1 }));
    let second = EventEnvelope::new("thing.made", "a", json!({ "n": 2 }));
    // Rolled back with its batch: never published.
    let rolled_back = EventEnvelope::new("thing.made", "a", json!({ "n": 0 }));
    store
        .commit(vec![Write::insert("things", "a", json!({}))])
        .await
        .expect("inserts");
    let failed = store
        .commit(vec![
            outbox::enqueue("things", &rolled_back).expect("encodes"),
            Write::insert("things", "a", json!({})),
        ])
        .await;
    assert!(failed.is_err());
    for event in [&first, &second] {
        store
            .commit(vec![outbox::enqueue("things", event).expect("encodes")])
            .await
            .expect("commits");
    }
    let (relay, signal) = outbox::start_relay(
        store.clone(),
        Arc::new(bus.clone()),
        Duration::from_secs(60),
    );
    signal.committed();
    for expected in [&first, &second] {
        let delivery = tokio::time::timeout(Duration::from_secs(10), consumer.next())
            .await
            .expect("relayed in time")
            .expect("open")
            .expect("decodes");
        assert_eq!(&delivery.event, expected);
        delivery.ack().await.expect("acks");
    }
    relay.stop().await;
    assert_eq!(
        outbox::relay_pending(store.as_ref(), &bus, 10)
            .await
            .expect("relays"),
        0,
        "published events leave the outbox"
    );
    assert!(
        tokio::time::timeout(Duration::from_millis(200), consumer.next())
            .await
            .is_err(),
        "nothing else was published"
    );
}

async fn the_store_answers_pings(store: Arc<dyn DocumentStore>) {
    store.ping().await.expect("pings");
    let ready = StoreReady(store);
    crate::server::ReadyCheck::check(&ready)
        .await
        .expect("ready");
}

#[tokio::test]
async fn urls_choose_the_engine() {
    let settings = |url: &str| DocumentSettings {
        url: Secret::new(url.to_string()),
        database: None,
        max_connections: 2,
    };
    let dir = std::env::temp_dir().join("chaos-tests");
    let sqlite_url = format!(
        "sqlite://{}/documents_{}.db",
        dir.display(),
        Uuid::new_v4().simple()
    );
    connect(&settings(&sqlite_url), "content")
        .await
        .expect("SQLite")
        .ping()
        .await
        .expect("pings");
    assert!(matches!(
        connect(&settings("postgres://localhost/x"), "content").await,
        Err(DocumentError::Invalid(_))
    ));
    let yaml: DocumentSettings =
        serde_json::from_value(json!({ "url": "mongodb://h/db" })).expect("parses");
    assert_eq!((yaml.database, yaml.max_connections), (None, 10));
}
