//! Actors, skills and experience, through the router.

use serde_json::json;

use crate::helpers::*;

const GRANT: &str = "mutation($a: ID!, $n: Int!, $k: String!) { grantExperience(actorId: $a, amount: $n, idempotencyKey: $k) { amount levelBefore levelAfter experienceAfter replayed actor { level experience resources { hp { current max } } } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actor_names_are_unique_and_validated_and_nothing_is_written_on_failure() {
    let app = spawn_app().await;
    let player = app.new_player().await;
    let name = unique("Rex");
    app.create_actor(&player, &name, "WARRIOR").await;

    let other = app.new_player().await;
    app.client
        .as_user(
            &other.access_token,
            CREATE_ACTOR,
            json!({ "n": name.to_lowercase(), "c": "MAGE" }),
        )
        .await
        .assert_error_code("NAME_TAKEN");
    for bad in ["ab", "9lives", "has space", "waytoolongactorname"] {
        app.client
            .as_user(
                &other.access_token,
                CREATE_ACTOR,
                json!({ "n": bad, "c": "MAGE" }),
            )
            .await
            .assert_error_code("BAD_USER_INPUT");
    }
    let mine = app
        .client
        .as_user(&other.access_token, ME_ACTORS, json!({}))
        .await;
    assert_eq!(mine.data()["me"]["actors"], json!([]));

    for i in 1..MAX_ACTORS {
        app.create_actor(&player, &unique(&format!("Alt{i}x")), "RANGER")
            .await;
    }
    app.client
        .as_user(
            &player.access_token,
            CREATE_ACTOR,
            json!({ "n": unique("Extra"), "c": "CLERIC" }),
        )
        .await
        .assert_error_code("ACTOR_LIMIT_REACHED");
    let actors = app
        .client
        .as_user(&player.access_token, ME_ACTORS, json!({}))
        .await;
    assert_eq!(
        actors.data()["me"]["actors"]
            .as_array()
            .expect("actors")
            .len(),
        MAX_ACTORS as usize
    );

    app.client
        .anonymous(CREATE_ACTOR, json!({ "n": unique("Anon"), "c": "MAGE" }))
        .await
        .assert_error_code("UNAUTHENTICATED");
    app.supergraph.stop().await.expect("stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_creates_of_one_name_produce_one_actor() {
    let app = spawn_app().await;
    let name = unique("Twin");
    let players = [
        app.new_player().await,
        app.new_player().await,
        app.new_player().await,
        app.new_player().await,
    ];
    let attempts = players.iter().map(|player| {
        app.client.as_user(
            &player.access_token,
            CREATE_ACTOR,
            json!({ "n": name, "c": "MAGE" }),
        )
    });
    let results = futures_util::future::join_all(attempts).await;
    let created = results.iter().filter(|r| r.errors().is_empty()).count();
    assert_eq!(created, 1, "{results:?}");
    for failed in results.iter().filter(|r| !r.errors().is_empty()) {
        failed.assert_error_code("NAME_TAKEN");
    }
    app.supergraph.stop().await.expect("stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn players_cannot_change_other_players_actors() {
    let app = spawn_app().await;
    let owner = app.new_player().await;
    let intruder = app.new_player().await;
    let actor = app.create_actor(&owner, &unique("Own"), "MAGE").await;

    let learn = "mutation($a: ID!, $s: String!) { learnSkill(actorId: $a, skillId: $s) { id } }";
    app.client
        .as_user(
            &intruder.access_token,
            learn,
            json!({ "a": actor, "s": "fireball" }),
        )
        .await
        .assert_error_code("FORBIDDEN");
    let delete = "mutation($a: ID!) { deleteActor(actorId: $a) }";
    app.client
        .as_user(&intruder.access_token, delete, json!({ "a": actor }))
        .await
        .assert_error_code("FORBIDDEN");
    app.client
        .as_user(
            &intruder.access_token,
            GRANT,
            json!({ "a": actor, "n": 500, "k": "x" }),
        )
        .await
        .assert_error_code("FORBIDDEN");

    let still_there = app
        .client
        .anonymous(
            "query($a: ID!) { actor(id: $a) { level experience } }",
            json!({ "a": actor }),
        )
        .await;
    assert_eq!(
        still_there.data()["actor"],
        json!({ "level": 1, "experience": 0 })
    );

    // The owner may; skills outside the class or level are refused.
    app.client
        .as_user(
            &owner.access_token,
            learn,
            json!({ "a": actor, "s": "meteor" }),
        )
        .await
        .assert_error_code("SKILL_LOCKED");
    app.client
        .as_user(
            &owner.access_token,
            learn,
            json!({ "a": actor, "s": "no_such" }),
        )
        .await
        .assert_error_code("UNKNOWN_SKILL");
    app.client
        .as_user(
            &owner.access_token,
            learn,
            json!({ "a": "not-a-uuid", "s": "fireball" }),
        )
        .await
        .assert_error_code("BAD_USER_INPUT");
    assert_eq!(
        app.client
            .as_user(&owner.access_token, delete, json!({ "a": actor }))
            .await
            .data()["deleteActor"],
        true
    );
    app.supergraph.stop().await.expect("stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_grant_experience_idempotently_and_levels_follow_the_curve() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let player = app.new_player().await;
    let actor = app.create_actor(&player, &unique("Lvl"), "CLERIC").await;

    // 350 total experience: level 3 (levels need 0, 100, 300, 600, …).
    let first = app
        .client
        .as_user(
            &admin.access_token,
            GRANT,
            json!({ "a": actor, "n": 350, "k": "quest-42" }),
        )
        .await;
    let grant = &first.data()["grantExperience"];
    assert_eq!(grant["levelBefore"], 1);
    assert_eq!(grant["levelAfter"], 3);
    assert_eq!(grant["replayed"], false);
    let hp = &grant["actor"]["resources"]["hp"];
    assert_eq!(hp["current"], hp["max"], "level-ups refill HP");

    let replay = app
        .client
        .as_user(
            &admin.access_token,
            GRANT,
            json!({ "a": actor, "n": 350, "k": "quest-42" }),
        )
        .await;
    assert_eq!(replay.data()["grantExperience"]["replayed"], true);
    assert_eq!(replay.data()["grantExperience"]["experienceAfter"], 350);
    assert_eq!(replay.data()["grantExperience"]["actor"]["experience"], 350);

    app.client
        .as_user(
            &admin.access_token,
            GRANT,
            json!({ "a": actor, "n": 999, "k": "quest-42" }),
        )
        .await
        .assert_error_code("IDEMPOTENCY_KEY_REUSED");
    app.client
        .as_user(
            &admin.access_token,
            GRANT,
            json!({ "a": actor, "n": -5, "k": "neg" }),
        )
        .await
        .assert_error_code("BAD_USER_INPUT");
    app.client
        .as_user(
            &player.access_token,
            GRANT,
            json!({ "a": actor, "n": 10, "k": "self" }),
        )
        .await
        .assert_error_code("FORBIDDEN");
    app.client
        .anonymous(GRANT, json!({ "a": actor, "n": 10, "k": "anon" }))
        .await
        .assert_error_code("UNAUTHENTICATED");

    let now = app
        .client
        .anonymous(
            "query($a: ID!) { actor(id: $a) { level experience experienceForNextLevel } }",
            json!({ "a": actor }),
        )
        .await;
    assert_eq!(
        now.data()["actor"],
        json!({ "level": 3, "experience": 350, "experienceForNextLevel": 600 })
    );
    app.supergraph.stop().await.expect("stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalogue_queries_list_classes_and_seeded_skills() {
    let app = spawn_app().await;
    let response = app.client.anonymous("{ classes { class startingStats { strength } } skills(class: MAGE) { id element mpCost cooldownMs range } }", json!({})).await;
    let data = response.data();
    assert_eq!(data["classes"].as_array().expect("classes").len(), 4);
    let fireball = data["skills"]
        .as_array()
        .expect("skills")
        .iter()
        .find(|s| s["id"] == "fireball")
        .expect("fireball is seeded")
        .clone();
    assert_eq!(
        fireball,
        json!({ "id": "fireball", "element": "FIRE", "mpCost": 25, "cooldownMs": 3000, "range": 30.0 })
    );
    app.supergraph.stop().await.expect("stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actor_updates_stream_through_the_router_with_fields_from_other_subgraphs() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let player = app.new_player().await;
    let actor = app.create_actor(&player, &unique("Live"), "WARRIOR").await;
    let ws_url = format!("ws://{}/graphql", app.supergraph.router_addr());

    // Anonymous connections are accepted (public subscriptions may come), but the
    // `@authenticated` field is refused with a coded error. (Hive's WebSocket path does not
    // run error plugins, so the code is Hive's own here.)
    let mut anonymous = subgraph_kit::testing::WsClient::connect(&ws_url, json!({}))
        .await
        .expect("anonymous connections are acknowledged");
    anonymous
        .subscribe(
            "1",
            "subscription($a: ID!) { actorUpdated(actorId: $a) { level } }",
            json!({ "a": actor }),
        )
        .await;
    let answer = anonymous.next_message().await.expect("an answer");
    assert_eq!(answer["type"], "error", "{answer}");
    assert_eq!(
        answer["payload"][0]["extensions"]["code"], "UNAUTHORIZED_OPERATION",
        "{answer}"
    );

    let mut ws = subgraph_kit::testing::WsClient::connect(
        &ws_url,
        json!({ "Authorization": format!("Bearer {}", player.access_token) }),
    )
    .await
    .expect("the router acknowledges a valid token");
    let subscription =
        "subscription($a: ID!) { actorUpdated(actorId: $a) { level experience owner { username } } }";
    ws.subscribe("live", subscription, json!({ "a": actor }))
        .await;
    // Give the router time to open its own subscription to the subgraph.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;

    app.client
        .as_user(
            &admin.access_token,
            GRANT,
            json!({ "a": actor, "n": 150, "k": "live-1" }),
        )
        .await
        .data();
    let event = ws.next_message().await.expect("an update arrives");
    assert_eq!(event["type"], "next", "{event}");
    let updated = &event["payload"]["data"]["actorUpdated"];
    assert_eq!(updated["level"], 2);
    assert_eq!(updated["experience"], 150);
    // `owner` lives in the users subgraph: the router resolved it for this event.
    assert!(
        updated["owner"]["username"]
            .as_str()
            .is_some_and(|name| name.starts_with('p')),
        "{event}"
    );

    // A replay changes nothing and announces nothing; the next real change arrives.
    app.client
        .as_user(
            &admin.access_token,
            GRANT,
            json!({ "a": actor, "n": 150, "k": "live-1" }),
        )
        .await
        .data();
    app.client
        .as_user(
            &admin.access_token,
            GRANT,
            json!({ "a": actor, "n": 200, "k": "live-2" }),
        )
        .await
        .data();
    let next = ws.next_message().await.expect("the second update arrives");
    assert_eq!(
        next["payload"]["data"]["actorUpdated"]["experience"], 350,
        "{next}"
    );
    // Deleting the actor ends the subscription.
    let delete = "mutation($a: ID!) { deleteActor(actorId: $a) }";
    app.client
        .as_user(&player.access_token, delete, json!({ "a": actor }))
        .await
        .data();
    let end = ws.next_message().await.expect("the end arrives");
    assert_eq!(end["type"], "complete", "{end}");
    drop((ws, anonymous));
    app.supergraph.stop().await.expect("stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn experience_grants_publish_one_domain_event_each_through_the_outbox() {
    let app = spawn_app().await;
    let group = format!("e2e-{}", uuid::Uuid::new_v4().simple());
    let mut events = app
        .bus
        .consume(chaos_subgraph::ACTOR_EVENTS_TOPIC, &group)
        .await
        .expect("consumes");
    let admin = app.admin().await;
    let player = app.new_player().await;
    let actor = app.create_actor(&player, &unique("Evt"), "RANGER").await;

    let grant = |amount: i64, key: &'static str| {
        app.client.as_user(
            &admin.access_token,
            GRANT,
            json!({ "a": actor, "n": amount, "k": key }),
        )
    };
    grant(120, "evt-1").await.data();
    grant(120, "evt-1").await.data(); // replay: no second event
                                      // A traced request: the router forwards `traceparent`, the event carries it.
    const TRACE: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    app.client
        .request_with_headers(
            GRANT,
            json!({ "a": actor, "n": 30, "k": "evt-2" }),
            Some(&admin.access_token),
            &[("traceparent", TRACE)],
        )
        .await
        .data();

    // Events of other tests' actors may share the topic; follow this actor's only.
    let mut mine = Vec::new();
    while mine.len() < 3 {
        let delivery = tokio::time::timeout(
            std::time::Duration::from_secs(30),
            futures_util::StreamExt::next(&mut events),
        )
        .await
        .expect("events arrive")
        .expect("the stream is open")
        .expect("the event decodes");
        if delivery.event.aggregate_id == actor {
            mine.push(delivery.event.clone());
        }
        delivery.ack().await.expect("acks");
    }
    assert_eq!(mine[0].event_type, "actor.created");
    assert_eq!(
        mine[0].user_id.map(|id| id.to_string()),
        Some(player.user_id.clone())
    );
    assert_eq!(mine[1].event_type, "actor.experience_granted");
    assert_eq!(mine[1].payload["amount"], 120);
    assert_eq!(mine[1].payload["levelAfter"], 2);
    assert_eq!(
        mine[1].user_id.map(|id| id.to_string()),
        Some(admin.user_id.clone())
    );
    // The replay published nothing: the next event is the second grant.
    assert_eq!(mine[2].payload["idempotencyKey"], "evt-2");
    assert_eq!(mine[2].payload["experienceAfter"], 150);
    assert_eq!(mine[2].traceparent.as_deref(), Some(TRACE));
    assert_eq!(
        mine[1].traceparent, None,
        "untraced requests carry no context"
    );
    app.supergraph.stop().await.expect("stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actor_updates_also_stream_over_server_sent_events() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let player = app.new_player().await;
    let actor = app.create_actor(&player, &unique("Sse"), "MAGE").await;

    let mut stream = reqwest::Client::new()
        .post(app.supergraph.graphql_url())
        .header("accept", "text/event-stream")
        .bearer_auth(&player.access_token)
        .json(&json!({
            "query": "subscription($a: ID!) { actorUpdated(actorId: $a) { level owner { username } } }",
            "variables": { "a": actor },
        }))
        .send()
        .await
        .expect("the router answers");
    assert_eq!(stream.status(), 200);
    assert!(stream.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .starts_with("text/event-stream"));
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;

    app.client
        .as_user(
            &admin.access_token,
            GRANT,
            json!({ "a": actor, "n": 100, "k": "sse-1" }),
        )
        .await
        .data();
    let mut received = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while !received.contains("\"level\":2") {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .expect("an event arrives in time")
            .expect("the stream reads")
            .expect("the stream stays open");
        received.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(received.contains("event: next"), "{received}");
    assert!(received.contains("\"username\""), "{received}");
    drop(stream);
    app.supergraph.stop().await.expect("stops cleanly");
}
