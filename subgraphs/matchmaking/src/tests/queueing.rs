//! Queueing and leaving the queue: ratings come from the server, one searching ticket
//! per actor and mode (also under concurrency), idempotent replays, cancels.

use std::collections::HashSet;
use std::sync::Arc;

use super::*;
use crate::tickets::TicketStatus;

#[tokio::test]
async fn a_ticket_takes_the_server_rating_and_searches() {
    let harness = Harness::new().await;
    let viewer = player();
    let actor = harness.actor_of(&viewer);
    let unrated = harness
        .enqueue(&viewer, actor, "duel", &[])
        .await
        .expect("queues");
    assert_eq!(unrated.row.rating, 1000, "the default rating");
    assert_eq!(unrated.row.status, TicketStatus::Searching.code());
    assert_eq!(unrated.row.party_size, 1);
    assert_eq!(unrated.row.user_id, viewer.user_id);
    assert_eq!(
        unrated.search_window(&harness.rules, unrated.row.created_at),
        100
    );

    let (_, _, rated) = harness.queued("skirmish", 1480).await;
    assert_eq!(rated.row.rating, 1480);
}

#[tokio::test]
async fn a_second_active_ticket_in_a_mode_is_already_queued() {
    let harness = Harness::new().await;
    let viewer = player();
    let actor = harness.actor_of(&viewer);
    harness
        .enqueue(&viewer, actor, "duel", &[])
        .await
        .expect("queues");
    assert_err(
        harness.enqueue(&viewer, actor, "duel", &[]).await,
        "ALREADY_QUEUED",
    );
    // Another mode is another queue.
    harness
        .enqueue(&viewer, actor, "skirmish", &[])
        .await
        .expect("queues for another mode");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_enqueues_of_one_actor_leave_exactly_one_ticket() {
    let harness = Arc::new(Harness::new().await);
    let viewer = player();
    let actor = harness.actor_of(&viewer);
    let attempts: Vec<_> = (0..10)
        .map(|_| {
            let harness = harness.clone();
            let viewer = viewer.clone();
            tokio::spawn(async move { harness.enqueue(&viewer, actor, "skirmish", &[]).await })
        })
        .collect();
    let mut queued = 0;
    for attempt in attempts {
        match attempt.await.expect("the task completes") {
            Ok(_) => queued += 1,
            Err(err) => assert_eq!(
                subgraph_kit::ErrorCode::code(&err),
                "ALREADY_QUEUED",
                "{err}"
            ),
        }
    }
    assert_eq!(queued, 1);
    let stored = ticket::Entity::find()
        .all(&harness.db)
        .await
        .expect("reads tickets");
    assert_eq!(stored.len(), 1, "the losers left nothing behind");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_replays_of_one_key_return_one_ticket() {
    let harness = Arc::new(Harness::new().await);
    let viewer = player();
    let actor = harness.actor_of(&viewer);
    let attempts: Vec<_> = (0..10)
        .map(|_| {
            let harness = harness.clone();
            let viewer = viewer.clone();
            tokio::spawn(async move {
                harness
                    .enqueue_with_key(&viewer, actor, "duel", &[], "same-key")
                    .await
            })
        })
        .collect();
    let mut ids = HashSet::new();
    for attempt in attempts {
        let queued = attempt
            .await
            .expect("the task completes")
            .expect("every replay succeeds");
        ids.insert(queued.row.id);
    }
    assert_eq!(ids.len(), 1);
}

#[tokio::test]
async fn replaying_a_key_returns_the_first_ticket_and_reuse_is_refused() {
    let harness = Harness::new().await;
    let viewer = player();
    let actor = harness.actor_of(&viewer);
    let first = harness
        .enqueue_with_key(&viewer, actor, "duel", &[], "k1")
        .await
        .expect("queues");
    let replayed = harness
        .enqueue_with_key(&viewer, actor, "duel", &[], "k1")
        .await
        .expect("replays");
    assert_eq!(replayed.row.id, first.row.id);
    // Even after the ticket left the queue, the key replays it.
    crate::tickets::cancel(&harness.db, &viewer, first.row.id)
        .await
        .expect("cancels");
    let after_cancel = harness
        .enqueue_with_key(&viewer, actor, "duel", &[], "k1")
        .await
        .expect("replays");
    assert_eq!(after_cancel.row.id, first.row.id);
    assert_eq!(after_cancel.row.status, TicketStatus::Cancelled.code());
    assert_err(
        harness
            .enqueue_with_key(&viewer, actor, "skirmish", &[], "k1")
            .await,
        "IDEMPOTENCY_KEY_REUSED",
    );
}

#[tokio::test]
async fn unknown_modes_regions_and_actors_are_refused() {
    let harness = Harness::new().await;
    let viewer = player();
    let actor = harness.actor_of(&viewer);
    assert_err(
        harness.enqueue(&viewer, actor, "battle-royale", &[]).await,
        "UNKNOWN_MODE",
    );
    let on_mars = crate::tickets::enqueue(
        &harness.db,
        harness.actors.as_ref(),
        &harness.rules,
        &viewer,
        EnqueueRequest {
            actor_id: actor,
            mode: "duel".into(),
            region: "mars".into(),
            party_actor_ids: Vec::new(),
            idempotency_key: "k".into(),
        },
    )
    .await;
    assert_err(on_mars, "UNKNOWN_REGION");
    assert_err(
        harness.enqueue(&viewer, Uuid::new_v4(), "duel", &[]).await,
        "NOT_FOUND",
    );
    let stranger = player();
    let strangers_actor = harness.actor_of(&stranger);
    assert_err(
        harness.enqueue(&viewer, strangers_actor, "duel", &[]).await,
        "FORBIDDEN",
    );
    assert_err(
        harness
            .enqueue_with_key(&viewer, actor, "duel", &[], " ")
            .await,
        "BAD_USER_INPUT",
    );
}

#[tokio::test]
async fn a_party_queues_as_one_ticket_with_its_average_rating() {
    let harness = Harness::new().await;
    let leader = player();
    let leader_actor = harness.actor_of(&leader);
    let friend = player();
    let friend_actor = harness.actor_of(&friend);
    harness.rate(leader_actor, "skirmish", 1200).await;
    harness.rate(friend_actor, "skirmish", 1001).await;
    let queued = harness
        .enqueue(
            &leader,
            leader_actor,
            "skirmish",
            &[friend_actor, leader_actor],
        )
        .await
        .expect("queues");
    assert_eq!(queued.row.party_size, 2, "the leader counts once");
    assert_eq!(queued.row.rating, 1101, "(1200 + 1001) / 2, rounded");
    assert_eq!(
        queued
            .members
            .iter()
            .map(|m| m.actor_id)
            .collect::<Vec<_>>(),
        vec![leader_actor, friend_actor]
    );
    // The friend's actor is queued too.
    assert_err(
        harness
            .enqueue(&friend, friend_actor, "skirmish", &[])
            .await,
        "ALREADY_QUEUED",
    );
    // Parties never exceed a team; duel teams hold one.
    assert_err(
        harness
            .enqueue(&leader, leader_actor, "duel", &[friend_actor])
            .await,
        "PARTY_TOO_LARGE",
    );
    assert_err(
        harness
            .enqueue(&leader, leader_actor, "duel", &[Uuid::new_v4()])
            .await,
        "PARTY_TOO_LARGE",
    );
    let other = player();
    let other_actor = harness.actor_of(&other);
    assert_err(
        harness
            .enqueue(&other, other_actor, "skirmish", &[Uuid::new_v4()])
            .await,
        "NOT_FOUND",
    );
}

#[tokio::test]
async fn cancelling_frees_the_queue_slot_once() {
    let harness = Harness::new().await;
    let viewer = player();
    let actor = harness.actor_of(&viewer);
    let queued = harness
        .enqueue(&viewer, actor, "duel", &[])
        .await
        .expect("queues");
    assert_err(
        crate::tickets::cancel(&harness.db, &player(), queued.row.id).await,
        "FORBIDDEN",
    );
    let cancelled = crate::tickets::cancel(&harness.db, &viewer, queued.row.id)
        .await
        .expect("cancels");
    assert_eq!(cancelled.row.status, TicketStatus::Cancelled.code());
    assert_err(
        crate::tickets::cancel(&harness.db, &viewer, queued.row.id).await,
        "TICKET_NOT_ACTIVE",
    );
    assert_err(
        crate::tickets::cancel(&harness.db, &viewer, Uuid::new_v4()).await,
        "NOT_FOUND",
    );
    harness
        .enqueue(&viewer, actor, "duel", &[])
        .await
        .expect("queues again after cancelling");
}
