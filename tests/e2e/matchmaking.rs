//! Matchmaking through the router: ten players in two rating bands form matches of a
//! size the mode allows, each within its band with balanced teams; a lone outlier is
//! matched once its rating window has widened; every matched player's `matchFound`
//! subscription fires exactly once.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::helpers::*;

const SET_RATING: &str = "mutation($a: ID!, $r: Int!) { setMatchmakingRating(actorId: $a, mode: \"skirmish\", rating: $r) { rating } }";
const ENQUEUE: &str = "mutation($a: ID!, $k: String!) { enqueueMatchmaking(input: { actorId: $a, mode: \"skirmish\", region: \"eu\", idempotencyKey: $k }) { id status rating } }";
const CANCEL: &str = "mutation($t: ID!) { cancelMatchmakingTicket(ticketId: $t) { status } }";
const MATCH_FOUND: &str = "subscription($a: ID!) { matchFound(actorId: $a) { id mode teams { index actorIds averageRating } } }";

struct Queued {
    character: Character,
    rating: i64,
    ws: subgraph_kit::testing::WsClient,
}

async fn queue(app: &TestApp, admin: &Player, ratings: &[i64]) -> Vec<Queued> {
    let mut queued = Vec::new();
    for rating in ratings {
        let character = app.new_character("Duelist", "WARRIOR").await;
        let set = app
            .client
            .as_user(
                &admin.access_token,
                SET_RATING,
                json!({ "a": character.actor_id, "r": rating }),
            )
            .await;
        assert!(set.errors().is_empty(), "{:?}", set.errors());
        let mut ws = app.ws(&character.player).await;
        ws.subscribe("m", MATCH_FOUND, json!({ "a": character.actor_id }))
            .await;
        queued.push(Queued {
            character,
            rating: *rating,
            ws,
        });
    }
    // Subscriptions are open upstream before anyone is matched.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let enqueued = join_all(queued.iter().map(|q| {
        app.client.as_user(
            &q.character.player.access_token,
            ENQUEUE,
            json!({ "a": q.character.actor_id, "k": "queue" }),
        )
    }))
    .await;
    for (response, q) in enqueued.iter().zip(&queued) {
        assert!(response.errors().is_empty(), "{:?}", response.errors());
        assert_eq!(response.data()["enqueueMatchmaking"]["rating"], q.rating);
    }
    queued
}

/// Each matched player's one `matchFound`, by actor id (players still searching after
/// `patience` are left out); fails if any fires twice.
async fn matches_found(players: &mut [Queued], patience: Duration) -> HashMap<String, Value> {
    let mut found = HashMap::new();
    for q in players.iter_mut() {
        let Some(message) = q.ws.next_message_within(patience).await else {
            continue;
        };
        let matched = message["payload"]["data"]["matchFound"].clone();
        assert!(!matched.is_null(), "{message}");
        found.insert(q.character.actor_id.clone(), matched);
    }
    for q in players.iter_mut() {
        assert!(
            q.ws.next_message_within(Duration::from_millis(300))
                .await
                .is_none(),
            "matchFound fires once"
        );
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rating_bands_form_balanced_matches_and_an_outlier_waits_for_its_window_to_widen() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let low = [990, 1000, 1005, 1010, 1020];
    let high = [1590, 1600, 1605, 1610, 1620];
    let ratings: Vec<i64> = low.iter().chain(high.iter()).copied().collect();
    let mut players = queue(&app, &admin, &ratings).await;
    let found = matches_found(&mut players, Duration::from_secs(8)).await;

    let rating_of: HashMap<&str, i64> = players
        .iter()
        .map(|q| (q.character.actor_id.as_str(), q.rating))
        .collect();
    let matches: HashMap<String, &Value> = found
        .values()
        .map(|m| (m["id"].as_str().expect("in the response").to_string(), m))
        .collect();
    let mut seen = HashSet::new();
    for matched in matches.values() {
        let teams = matched["teams"].as_array().expect("teams");
        assert_eq!(teams.len(), 2);
        let members: Vec<&str> = teams
            .iter()
            .flat_map(|t| {
                t["actorIds"]
                    .as_array()
                    .expect("in the response")
                    .iter()
                    .map(|a| a.as_str().expect("in the response"))
            })
            .collect();
        assert!(
            (4..=6).contains(&members.len()),
            "skirmish holds 4-6 players: {matched}"
        );
        for member in &members {
            assert!(seen.insert(member.to_string()), "nobody is in two matches");
        }
        let member_ratings: Vec<i64> = members.iter().map(|m| rating_of[m]).collect();
        let spread = member_ratings.iter().max().expect("in the response")
            - member_ratings.iter().min().expect("in the response");
        assert!(
            spread <= 100,
            "a match stays within its band: {member_ratings:?}"
        );
        let averages: Vec<f64> = teams
            .iter()
            .map(|t| t["averageRating"].as_f64().expect("in the response"))
            .collect();
        assert!(
            (averages[0] - averages[1]).abs() <= 30.0,
            "balanced teams: {averages:?}"
        );
    }
    // One match per band; a player whose band-mates were matched before it arrived (the
    // matcher ticks while tickets come in) keeps searching: it is cancelled here.
    assert_eq!(matches.len(), 2, "one match per band");
    assert!(seen.len() >= 8, "{} of 10 matched", seen.len());
    for q in players
        .iter()
        .filter(|q| !seen.contains(&q.character.actor_id))
    {
        let tickets = app
            .client
            .as_user(
                &q.character.player.access_token,
                "query($a: ID!) { myMatchmakingTickets(actorId: $a) { id status } }",
                json!({ "a": q.character.actor_id }),
            )
            .await;
        let ticket = tickets.data()["myMatchmakingTickets"][0].clone();
        assert_eq!(ticket["status"], "SEARCHING");
        let cancelled = app
            .client
            .as_user(
                &q.character.player.access_token,
                CANCEL,
                json!({ "t": ticket["id"] }),
            )
            .await;
        assert_eq!(
            cancelled.data()["cancelMatchmakingTicket"]["status"],
            "CANCELLED"
        );
    }

    // An outlier among three low-band players: nobody fits its first window (±100),
    // so nothing forms until it has widened to reach them.
    let mut late = queue(&app, &admin, &[1000, 1010, 1020, 1300]).await;
    let found = matches_found(&mut late, Duration::from_secs(30)).await;
    assert_eq!(found.len(), 4);
    let outlier = &late[3].character.actor_id;
    let matched = &found[outlier];
    let members: usize = matched["teams"]
        .as_array()
        .expect("in the response")
        .iter()
        .map(|t| t["actorIds"].as_array().expect("in the response").len())
        .sum();
    assert_eq!(members, 4);
    for q in &late {
        assert_eq!(found[&q.character.actor_id]["id"], matched["id"]);
    }
    app.supergraph.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_active_ticket_per_mode_and_tickets_are_the_players_own() {
    let app = spawn_app().await;
    let player = app.new_character("Solo", "RANGER").await;
    let other = app.new_character("Other", "RANGER").await;
    let token = &player.player.access_token;
    let first = app
        .client
        .as_user(token, ENQUEUE, json!({ "a": player.actor_id, "k": "a" }))
        .await;
    assert!(first.errors().is_empty(), "{:?}", first.errors());
    let replay = app
        .client
        .as_user(token, ENQUEUE, json!({ "a": player.actor_id, "k": "a" }))
        .await;
    assert_eq!(
        replay.data()["enqueueMatchmaking"]["id"],
        first.data()["enqueueMatchmaking"]["id"]
    );
    app.client
        .as_user(token, ENQUEUE, json!({ "a": player.actor_id, "k": "b" }))
        .await
        .assert_error_code("ALREADY_QUEUED");
    app.client
        .as_user(
            &other.player.access_token,
            ENQUEUE,
            json!({ "a": player.actor_id, "k": "c" }),
        )
        .await
        .assert_error_code("FORBIDDEN");
    app.client
        .as_user(
            token,
            SET_RATING,
            json!({ "a": player.actor_id, "r": 3000 }),
        )
        .await
        .assert_error_code("FORBIDDEN");
    let cancel = app
        .client
        .as_user(
            token,
            CANCEL,
            json!({ "t": first.data()["enqueueMatchmaking"]["id"] }),
        )
        .await;
    assert_eq!(
        cancel.data()["cancelMatchmakingTicket"]["status"],
        "CANCELLED"
    );
    let again = app
        .client
        .as_user(token, ENQUEUE, json!({ "a": player.actor_id, "k": "d" }))
        .await;
    assert!(
        again.errors().is_empty(),
        "a cancelled ticket frees the slot: {:?}",
        again.errors()
    );
    app.supergraph.stop().await.expect("stops");
}
