//! Anti-cheat through the router: a scripted speed hack and a cast-rate hack are
//! flagged from the event stream; an admin bans the player, whose next request, refresh
//! and login then fail with `ACCOUNT_BANNED`; players cannot sanction anyone.

use serde_json::{json, Value};

use crate::helpers::*;

const SAVE_ZONE: &str =
    "mutation($input: ZoneDefinitionInput!) { saveZoneDraft(input: $input) { id } }";
const PUBLISH_ZONE: &str = "mutation($id: ID!) { publishContent(kind: ZONE, id: $id) { version } }";
const ZONE: &str = "query($id: ID!) { zone(id: $id) { id } }";
const PLACE: &str = "mutation($a: ID!, $z: ID!, $x: Float!, $y: Float!) { placeActor(actorId: $a, zoneId: $z, x: $x, y: $y) { zoneId } }";
const MOVE: &str =
    "mutation($a: ID!, $x: Float!, $y: Float!) { moveActor(actorId: $a, x: $x, y: $y) { x } }";
const CAST: &str = "mutation($a: ID!, $t: ID!, $k: String!) { castSkill(actorId: $a, skillId: \"fireball\", target: { actorId: $t }, idempotencyKey: $k) { id } }";
const FLAGS: &str = "query($u: ID!) { anticheatFlags(userId: $u, first: 20) { edges { node { kind userId actorId } } } }";
const SANCTION: &str = "mutation($u: ID!, $k: String!) { sanctionPlayer(userId: $u, kind: PERMANENT_BAN, reason: \"speed and cast hacks\", idempotencyKey: $k) { id status kind replayed } }";
const ME: &str = "{ me { id } }";

async fn flag_kinds(app: &TestApp, admin: &Player, user_id: &str) -> Vec<String> {
    let flags = app
        .client
        .as_user(&admin.access_token, FLAGS, json!({ "u": user_id }))
        .await;
    assert!(flags.errors().is_empty(), "{:?}", flags.errors());
    flags.data()["anticheatFlags"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| {
            edge["node"]["kind"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn speed_and_cast_rate_hacks_are_flagged_and_a_ban_ends_every_session() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let cheater = app.new_character("Cheat", "MAGE").await;
    let victim = app.new_character("Victim", "WARRIOR").await;
    let zone = unique("arena_");
    let input = json!({
        "id": zone, "name": zone, "minLevel": 1, "maxLevel": 60, "weatherCycle": ["CLEAR"],
        "weatherPeriodSeconds": 600, "maxSpeed": 10.0, "width": 1000.0, "height": 1000.0,
    });
    app.client
        .as_user(&admin.access_token, SAVE_ZONE, json!({ "input": input }))
        .await;
    app.client
        .as_user(&admin.access_token, PUBLISH_ZONE, json!({ "id": zone }))
        .await;
    eventually("world to know the zone", || async {
        let found = app.client.anonymous(ZONE, json!({ "id": zone })).await;
        found.data()["zone"]["id"].as_str().map(|_| ())
    })
    .await;
    for (actor, x) in [(&cheater.actor_id, 100.0), (&victim.actor_id, 110.0)] {
        let placed = app
            .client
            .as_user(
                &admin.access_token,
                PLACE,
                json!({ "a": actor, "z": zone, "x": x, "y": 100.0 }),
            )
            .await;
        assert!(placed.errors().is_empty(), "{:?}", placed.errors());
    }
    let token = cheater.player.access_token.clone();

    // A scripted speed hack: 500 units in an instant, again and again.
    for _ in 0..3 {
        app.client
            .as_user(
                &token,
                MOVE,
                json!({ "a": cheater.actor_id, "x": 600.0, "y": 100.0 }),
            )
            .await
            .assert_error_code("SPEED_LIMIT_EXCEEDED");
    }
    // A cast-rate hack: one cast, then casts as fast as the client can send them.
    let first = app
        .client
        .as_user(
            &token,
            CAST,
            json!({ "a": cheater.actor_id, "t": victim.actor_id, "k": "c0" }),
        )
        .await;
    assert!(first.errors().is_empty(), "{:?}", first.errors());
    for n in 1..=4 {
        app.client
            .as_user(
                &token,
                CAST,
                json!({ "a": cheater.actor_id, "t": victim.actor_id, "k": format!("c{n}") }),
            )
            .await
            .assert_error_code("ON_COOLDOWN");
    }
    let kinds = eventually("both hacks flagged", || async {
        let kinds = flag_kinds(&app, &admin, &cheater.player.user_id).await;
        (kinds.iter().any(|k| k == "SPEED_HACK") && kinds.iter().any(|k| k == "CAST_RATE"))
            .then_some(kinds)
    })
    .await;
    assert_eq!(
        kinds.iter().filter(|k| *k == "CAST_RATE").count(),
        1,
        "one flag per window: {kinds:?}"
    );
    // The honest player is not flagged.
    assert!(flag_kinds(&app, &admin, &victim.player.user_id)
        .await
        .is_empty());
    // Players see no flags and sanction nobody.
    app.client
        .as_user(
            &victim.player.access_token,
            FLAGS,
            json!({ "u": cheater.player.user_id }),
        )
        .await
        .assert_error_code("FORBIDDEN");
    app.client
        .as_user(
            &victim.player.access_token,
            SANCTION,
            json!({ "u": cheater.player.user_id, "k": "vigilante" }),
        )
        .await
        .assert_error_code("FORBIDDEN");

    // Still signed in before the ban.
    let me = app.client.as_user(&token, ME, json!({})).await;
    assert_eq!(me.data()["me"]["id"], cheater.player.user_id.as_str());
    let banned = app
        .client
        .as_user(
            &admin.access_token,
            SANCTION,
            json!({ "u": cheater.player.user_id, "k": "ban-1" }),
        )
        .await;
    assert!(banned.errors().is_empty(), "{:?}", banned.errors());
    let sanction: Value = banned.data()["sanctionPlayer"].clone();
    assert_eq!(sanction["status"], "ACTIVE");
    assert_eq!(sanction["replayed"], false);
    let replay = app
        .client
        .as_user(
            &admin.access_token,
            SANCTION,
            json!({ "u": cheater.player.user_id, "k": "ban-1" }),
        )
        .await;
    assert_eq!(replay.data()["sanctionPlayer"]["id"], sanction["id"]);
    assert_eq!(replay.data()["sanctionPlayer"]["replayed"], true);

    // The very next request fails, in every service, and so do refresh and login.
    app.client
        .as_user(&token, ME, json!({}))
        .await
        .assert_error_code("ACCOUNT_BANNED");
    app.client
        .as_user(
            &token,
            MOVE,
            json!({ "a": cheater.actor_id, "x": 101.0, "y": 100.0 }),
        )
        .await
        .assert_error_code("ACCOUNT_BANNED");
    app.client
        .anonymous(REFRESH, json!({ "r": cheater.player.refresh_token }))
        .await
        .assert_error_code("ACCOUNT_BANNED");
    let username = app
        .client
        .as_user(&victim.player.access_token, ME, json!({}))
        .await;
    assert!(username.errors().is_empty(), "other players are unaffected");
    app.supergraph.stop().await.expect("stops");
}
