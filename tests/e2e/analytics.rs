//! Analytics through the router: what a test does (a Fireball cast, a duel formed by
//! matchmaking, items granted and used) shows up in the admin aggregates, fed by the
//! event stream; players are refused.

use serde_json::json;

use crate::helpers::*;

const SKILLS: &str = "{ analyticsSkillUsage { skillId casts totalDamage } }";
const ECONOMY: &str = "{ analyticsEconomy { sources { kind itemOrCurrency amount } sinks { kind itemOrCurrency amount } } }";
const MATCHES: &str = "{ analyticsMatchesPerMode { mode matches players } }";
const ACTIVE: &str = "{ analyticsActivePlayers(granularity: DAY) { period activePlayers } }";
const DUEL: &str = "mutation($a: ID!) { enqueueMatchmaking(input: { actorId: $a, mode: \"duel\", region: \"eu\", idempotencyKey: \"duel\" }) { id } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn casts_matches_and_economy_movements_show_in_the_aggregates() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let mage = app.new_character("Mage", "MAGE").await;
    let warrior = app.new_character("Warrior", "WARRIOR").await;
    let zone = unique("stats_");
    app.publish_zone(&admin, &zone, &["CLEAR"], false).await;
    app.place(&admin, &mage.actor_id, &zone, 100.0, 100.0).await;
    app.place(&admin, &warrior.actor_id, &zone, 110.0, 100.0)
        .await;
    let cast = app
        .cast(&mage, json!({ "actorId": warrior.actor_id }), "stats")
        .await;
    assert!(cast.errors().is_empty(), "{:?}", cast.errors());
    let damage = cast.data()["castSkill"]["damage"].as_i64().expect("damage");
    for character in [&mage, &warrior] {
        let queued = app
            .client
            .as_user(
                &character.player.access_token,
                DUEL,
                json!({ "a": character.actor_id }),
            )
            .await;
        assert!(queued.errors().is_empty(), "{:?}", queued.errors());
    }
    grant(&app, &admin, &warrior, "health_potion", 3).await;

    let token = &admin.access_token;
    eventually("the cast in skill usage", || async {
        let usage = app.client.as_user(token, SKILLS, json!({})).await;
        usage.data()["analyticsSkillUsage"]
            .as_array()?
            .iter()
            .find(|row| {
                row["skillId"] == "fireball" && row["casts"] == 1 && row["totalDamage"] == damage
            })
            .map(|_| ())
    })
    .await;
    eventually("the duel in matches per mode", || async {
        let matches = app.client.as_user(token, MATCHES, json!({})).await;
        matches.data()["analyticsMatchesPerMode"]
            .as_array()?
            .iter()
            .find(|row| row["mode"] == "duel" && row["matches"] == 1 && row["players"] == 2)
            .map(|_| ())
    })
    .await;
    eventually("the grant among economy sources", || async {
        let economy = app.client.as_user(token, ECONOMY, json!({})).await;
        economy.data()["analyticsEconomy"]["sources"]
            .as_array()?
            .iter()
            .find(|row| {
                row["kind"] == "ITEMS_GRANTED"
                    && row["itemOrCurrency"] == "health_potion"
                    && row["amount"] == 3
            })
            .map(|_| ())
    })
    .await;
    let active = app.client.as_user(token, ACTIVE, json!({})).await;
    let today = active.data()["analyticsActivePlayers"]
        .as_array()
        .expect("periods")
        .last()
        .expect("today")["activePlayers"]
        .as_i64()
        .expect("count");
    assert!(today >= 2, "the mage and the warrior were active: {today}");
    // Players see no analytics.
    app.client
        .as_user(&mage.player.access_token, SKILLS, json!({}))
        .await
        .assert_error_code("FORBIDDEN");
    app.supergraph.stop().await.expect("stops");
}
