//! The schema as clients use it: authorization of every field, the admin rating tool,
//! matches for their players, `matchFound` and the exported SDL.

use std::time::Duration;

use async_graphql::Response;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use serde_json::json;

use super::*;

const ENQUEUE: &str = "mutation($input: EnqueueMatchmakingInput!) {
    enqueueMatchmaking(input: $input) {
        id actorId partyActorIds mode region rating partySize status searchWindow teamIndex
        match { id }
    }
}";

const SET_RATING: &str = "mutation($actor: ID!, $mode: String!, $rating: Int!) {
    setMatchmakingRating(actorId: $actor, mode: $mode, rating: $rating) { actorId mode rating updatedAt }
}";

const MATCH_FOUND: &str = "subscription($actor: ID!) {
    matchFound(actorId: $actor) { id mode region teams { index actorIds players { id } averageRating } }
}";

fn enqueue_input(actor: Uuid, mode: &str) -> Value {
    json!({ "input": {
        "actorId": actor, "mode": mode, "region": "eu",
        "idempotencyKey": Uuid::new_v4().to_string(),
    }})
}

#[tokio::test]
async fn players_queue_only_their_own_actors() {
    let harness = Harness::new().await;
    let viewer = player();
    let actor = harness.actor_of(&viewer);
    let anonymous = harness
        .run(None, ENQUEUE, enqueue_input(actor, "duel"))
        .await;
    assert_code(&anonymous, "UNAUTHENTICATED");
    let strangers = harness
        .run(Some(&player()), ENQUEUE, enqueue_input(actor, "duel"))
        .await;
    assert_code(&strangers, "FORBIDDEN");
    let queued = harness
        .data(&viewer, ENQUEUE, enqueue_input(actor, "duel"))
        .await;
    let ticket = &queued["enqueueMatchmaking"];
    assert_eq!(ticket["actorId"], actor.to_string());
    assert_eq!(ticket["partyActorIds"], json!([actor.to_string()]));
    assert_eq!(ticket["status"], "SEARCHING");
    assert_eq!(ticket["rating"], 1000);
    assert_eq!(ticket["partySize"], 1);
    assert_eq!(ticket["searchWindow"], 100);
    assert_eq!(ticket["match"], Value::Null);
    let again = harness
        .run(Some(&viewer), ENQUEUE, enqueue_input(actor, "duel"))
        .await;
    assert_code(&again, "ALREADY_QUEUED");
    let unknown = harness
        .run(Some(&viewer), ENQUEUE, enqueue_input(actor, "chess"))
        .await;
    assert_code(&unknown, "UNKNOWN_MODE");

    let ticket_id = ticket["id"].as_str().expect("an id").to_string();
    let peek = harness
        .run(
            Some(&player()),
            "query($id: ID!) { matchmakingTicket(id: $id) { id } }",
            json!({ "id": ticket_id }),
        )
        .await;
    assert_code(&peek, "FORBIDDEN");
    let list = harness
        .run(
            Some(&player()),
            "query($actor: ID!) { myMatchmakingTickets(actorId: $actor) { id } }",
            json!({ "actor": actor }),
        )
        .await;
    assert_code(&list, "FORBIDDEN");
    let mine = harness
        .data(
            &viewer,
            "query($actor: ID!) { myMatchmakingTickets(actorId: $actor) { id status } }",
            json!({ "actor": actor }),
        )
        .await;
    assert_eq!(
        mine["myMatchmakingTickets"],
        json!([{ "id": ticket_id, "status": "SEARCHING" }])
    );
    let cancel = "mutation($id: ID!) { cancelMatchmakingTicket(ticketId: $id) { status } }";
    assert_code(
        &harness
            .run(Some(&player()), cancel, json!({ "id": ticket_id }))
            .await,
        "FORBIDDEN",
    );
    let cancelled = harness
        .data(&viewer, cancel, json!({ "id": ticket_id }))
        .await;
    assert_eq!(cancelled["cancelMatchmakingTicket"]["status"], "CANCELLED");
    assert_code(
        &harness
            .run(Some(&viewer), cancel, json!({ "id": ticket_id }))
            .await,
        "TICKET_NOT_ACTIVE",
    );
}

#[tokio::test]
async fn only_admins_set_ratings() {
    let harness = Harness::new().await;
    let viewer = player();
    let actor = harness.actor_of(&viewer);
    let variables = json!({ "actor": actor, "mode": "duel", "rating": 2500 });
    let refused = harness
        .run(Some(&viewer), SET_RATING, variables.clone())
        .await;
    assert_code(&refused, "FORBIDDEN");
    let rating = "query($actor: ID!) { matchmakingRating(actorId: $actor, mode: \"duel\") { rating updatedAt } }";
    let unchanged = harness
        .data(&viewer, rating, json!({ "actor": actor }))
        .await;
    assert_eq!(
        unchanged["matchmakingRating"],
        json!({ "rating": 1000, "updatedAt": null })
    );

    let set = harness.data(&admin(), SET_RATING, variables).await;
    assert_eq!(set["setMatchmakingRating"]["rating"], 2500);
    let out_of_range = harness
        .run(
            Some(&admin()),
            SET_RATING,
            json!({ "actor": actor, "mode": "duel", "rating": -1 }),
        )
        .await;
    assert_code(&out_of_range, "BAD_USER_INPUT");
    let unknown_mode = harness
        .run(
            Some(&admin()),
            SET_RATING,
            json!({ "actor": actor, "mode": "chess", "rating": 1 }),
        )
        .await;
    assert_code(&unknown_mode, "UNKNOWN_MODE");
    let nobody = harness
        .run(
            Some(&admin()),
            SET_RATING,
            json!({ "actor": Uuid::new_v4(), "mode": "duel", "rating": 1 }),
        )
        .await;
    assert_code(&nobody, "NOT_FOUND");

    let queued = harness
        .data(&viewer, ENQUEUE, enqueue_input(actor, "duel"))
        .await;
    assert_eq!(
        queued["enqueueMatchmaking"]["rating"], 2500,
        "the server's rating"
    );
    assert_code(
        &harness
            .run(Some(&player()), rating, json!({ "actor": actor }))
            .await,
        "FORBIDDEN",
    );
}

#[tokio::test]
async fn a_match_is_visible_to_its_players_and_admins() {
    let harness = Harness::new().await;
    let (first, first_actor, first_ticket) = harness.queued("duel", 1000).await;
    let (_, second_actor, _) = harness.queued("duel", 1010).await;
    let outcome = harness.tick(Utc::now()).await;
    let match_id = outcome.formed[0].id.to_string();

    let ticket = harness
        .data(
            &first,
            "query($id: ID!) { matchmakingTicket(id: $id) { status teamIndex match { id mode teams { actorIds } } } }",
            json!({ "id": first_ticket.row.id }),
        )
        .await;
    assert_eq!(ticket["matchmakingTicket"]["status"], "MATCHED");
    assert_eq!(ticket["matchmakingTicket"]["match"]["id"], match_id);
    assert!(ticket["matchmakingTicket"]["teamIndex"].is_number());

    let query = "query($id: ID!) { match(id: $id) { id teams { index actorIds players { id } averageRating } } }";
    let seen = harness.data(&first, query, json!({ "id": match_id })).await;
    let teams = seen["match"]["teams"].as_array().expect("teams");
    assert_eq!(teams.len(), 2);
    let mut players: Vec<String> = teams
        .iter()
        .flat_map(|team| team["players"].as_array().expect("players").clone())
        .map(|player| player["id"].as_str().expect("an id").to_string())
        .collect();
    players.sort();
    let mut expected = vec![first_actor.to_string(), second_actor.to_string()];
    expected.sort();
    assert_eq!(players, expected);
    assert_code(
        &harness
            .run(Some(&player()), query, json!({ "id": match_id }))
            .await,
        "FORBIDDEN",
    );
    harness
        .data(&admin(), query, json!({ "id": match_id }))
        .await;
}

#[tokio::test]
async fn actors_resolve_their_tickets_for_their_owner_only() {
    let harness = Harness::new().await;
    let (viewer, actor, queued) = harness.queued("skirmish", 1000).await;
    let query = "query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Actor { id matchmakingTickets { id mode } } } }";
    let variables = json!({ "reps": [{ "__typename": "Actor", "id": actor }] });
    let mine = harness.data(&viewer, query, variables.clone()).await;
    assert_eq!(
        mine["_entities"][0]["matchmakingTickets"],
        json!([{ "id": queued.row.id.to_string(), "mode": "skirmish" }])
    );
    assert_code(
        &harness.run(Some(&player()), query, variables).await,
        "FORBIDDEN",
    );
}

/// The next message of `stream`, or `None` when nothing arrives within `wait`.
async fn next_within(
    stream: &mut BoxStream<'static, Response>,
    wait: Duration,
) -> Option<Response> {
    tokio::time::timeout(wait, stream.next())
        .await
        .ok()
        .flatten()
}

/// `matchFound` for `actor` as `viewer`, subscribed by the time it returns.
async fn subscribe(
    harness: &Harness,
    viewer: &Viewer,
    actor: Uuid,
) -> BoxStream<'static, Response> {
    let mut stream = harness
        .schema
        .execute_stream(request(
            Some(viewer),
            MATCH_FOUND,
            json!({ "actor": actor }),
        ))
        .boxed();
    // Polling runs the resolver, which subscribes; nothing is published yet.
    assert!(next_within(&mut stream, Duration::from_millis(100))
        .await
        .is_none());
    stream
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn match_found_reaches_each_matched_player_once() {
    let harness = Harness::new().await;
    let (first, first_actor, _) = harness.queued("duel", 1000).await;
    let (second, second_actor, _) = harness.queued("duel", 1020).await;
    let (waiting, waiting_actor, _) = harness.queued("skirmish", 1000).await;

    let refused = harness
        .schema
        .execute_stream(request(
            Some(&first),
            MATCH_FOUND,
            json!({ "actor": second_actor }),
        ))
        .boxed()
        .next()
        .await
        .expect("one error response");
    assert_code(&refused, "FORBIDDEN");

    let mut first_stream = subscribe(&harness, &first, first_actor).await;
    let mut second_stream = subscribe(&harness, &second, second_actor).await;
    let mut waiting_stream = subscribe(&harness, &waiting, waiting_actor).await;

    let outcome = harness.tick(Utc::now()).await;
    assert_eq!(outcome.formed.len(), 1);
    let match_id = outcome.formed[0].id.to_string();
    for (stream, actor) in [
        (&mut first_stream, first_actor),
        (&mut second_stream, second_actor),
    ] {
        let message = data(
            next_within(stream, Duration::from_secs(5))
                .await
                .expect("matchFound arrives"),
        );
        let found = &message["matchFound"];
        assert_eq!(found["id"], match_id);
        assert_eq!(found["mode"], "duel");
        let actors: Vec<&str> = found["teams"]
            .as_array()
            .expect("teams")
            .iter()
            .flat_map(|team| team["actorIds"].as_array().expect("ids").iter())
            .map(|id| id.as_str().expect("an id"))
            .collect();
        assert!(actors.contains(&actor.to_string().as_str()));
    }
    // Later rounds do not repeat it; the unmatched player hears nothing.
    harness.tick(Utc::now()).await;
    for stream in [&mut first_stream, &mut second_stream, &mut waiting_stream] {
        assert!(next_within(stream, Duration::from_millis(300))
            .await
            .is_none());
    }
}

/// A player who subscribes (or reconnects) just after being matched still gets the match,
/// once; a match older than the catch-up window is not replayed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_subscriber_gets_the_match_that_formed_just_before() {
    let harness = Harness::new().await;
    let (first, first_actor, _) = harness.queued("duel", 1000).await;
    let (_, _, _) = harness.queued("duel", 1020).await;
    let outcome = harness.tick(Utc::now()).await;
    assert_eq!(outcome.formed.len(), 1);

    let mut late = harness
        .schema
        .execute_stream(request(
            Some(&first),
            MATCH_FOUND,
            json!({ "actor": first_actor }),
        ))
        .boxed();
    let message = data(
        next_within(&mut late, Duration::from_secs(5))
            .await
            .expect("the recent match comes first"),
    );
    assert_eq!(
        message["matchFound"]["id"],
        outcome.formed[0].id.to_string()
    );
    // The live copy of the same match is not sent again.
    crate::matches::publish_match_found(harness.matcher.pubsub.as_ref(), &outcome.formed[0]).await;
    assert!(next_within(&mut late, Duration::from_millis(300))
        .await
        .is_none());

    // Once the window has passed, a new subscription starts empty.
    let old = Utc::now() - chrono::Duration::seconds(crate::matches::MATCH_FOUND_CATCH_UP_SECS + 1);
    entities::matchmaking::formed_match::Entity::update_many()
        .col_expr(
            entities::matchmaking::formed_match::Column::CreatedAt,
            sea_orm::sea_query::Expr::value(old),
        )
        .exec(&harness.db)
        .await
        .expect("ages the match");
    let mut later = subscribe(&harness, &first, first_actor).await;
    assert!(next_within(&mut later, Duration::from_millis(300))
        .await
        .is_none());
}

#[test]
fn the_sdl_extends_actor_and_exports_the_subscription() {
    let sdl = subgraph_kit::sdl::federated_sdl(&crate::schema(None));
    for expected in [
        "type Actor @key(fields: \"id\")",
        "matchmakingTickets(first: Int! = 20): [MatchmakingTicket!]! @authenticated",
        "enqueueMatchmaking(input: EnqueueMatchmakingInput!): MatchmakingTicket! @authenticated",
        "setMatchmakingRating(actorId: ID!, mode: String!, rating: Int!): MatchmakingRating! @requiresScopes(scopes: [[\"admin\"]])",
        "matchFound(actorId: ID!): Match! @authenticated",
        "enum MatchmakingTicketStatus",
        "TIMED_OUT",
    ] {
        assert!(sdl.contains(expected), "missing `{expected}` in:\n{sdl}");
    }
}
