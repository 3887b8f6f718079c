//! Seed flow "cast Fireball" through the router: chaos decides the cast (cooldown, MP,
//! damage by actor-core's formula), world supplies the environment (weather, sanctuary,
//! range) and takes structure hits (a fallen territory changes hands, guild hears of
//! it, `territoryChanged` subscribers see it), and failures leave nothing spent.

use actor_core::{
    compute_damage, Class, DamageInput, Element, Environment, Scaling, SkillDefinition, Weather,
};
use serde_json::{json, Value};

use crate::helpers::*;

const RESOURCES: &str = "query($id: ID!) { actor(id: $id) { resources { hp { current max } mp { current max } } skills { skill { id } cooldownEndsAt } } }";
const SET_RESOURCES: &str =
    "mutation($a: ID!, $mp: Int) { setActorResources(actorId: $a, mp: $mp) { id } }";

/// Fireball as the seed defines it (chaos's catalogue).
fn fireball() -> SkillDefinition {
    SkillDefinition {
        id: "fireball".into(),
        name: "Fireball".into(),
        element: Element::Fire,
        mp_cost: 25,
        cooldown_ms: 3_000,
        range: 30.0,
        base_damage: 40,
        scaling: Scaling::Spell,
        power_ratio: 1.2,
        reagent_item: None,
    }
}

/// What actor-core says a level-1 mage's Fireball does to a level-1 warrior.
fn expected_damage(weather: Weather, critical: bool) -> i64 {
    let caster = Class::Mage.base_stats_at(1).derive(1);
    let target = Class::Warrior.base_stats_at(1).derive(1);
    let damage = compute_damage(DamageInput {
        skill: &fireball(),
        caster: &caster,
        target_defense: target.defense,
        environment: Environment {
            weather,
            zone_modifier: 1.0,
        },
        // Below any crit chance, or at the top of the range.
        crit_roll: if critical { 0.0 } else { 0.999_999 },
    });
    i64::from(damage)
}

impl TestApp {
    async fn resources(&self, player: &Player, actor_id: &str) -> Value {
        self.client
            .as_user(&player.access_token, RESOURCES, json!({ "id": actor_id }))
            .await
            .data()["actor"]
            .clone()
    }
}

fn mp(actor: &Value) -> i64 {
    actor["resources"]["mp"]["current"].as_i64().expect("mp")
}

fn fireball_cooldown(actor: &Value) -> Value {
    actor["skills"]
        .as_array()
        .expect("skills")
        .iter()
        .find(|learned| learned["skill"]["id"] == "fireball")
        .expect("the mage knows fireball")["cooldownEndsAt"]
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fireball_spends_mana_deals_the_formula_damage_and_respects_cooldown_range_sanctuaries_and_mana(
) {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let mage = app.new_character("Mage", "MAGE").await;
    let warrior = app.new_character("Warrior", "WARRIOR").await;
    let clear = unique("clear_");
    let rainy = unique("rainy_");
    let sanctuary = unique("haven_");
    app.publish_zone(&admin, &clear, &["CLEAR"], false).await;
    app.publish_zone(&admin, &rainy, &["RAIN"], false).await;
    app.publish_zone(&admin, &sanctuary, &["CLEAR"], true).await;
    let at_warrior = json!({ "actorId": warrior.actor_id });

    // Clear skies, 10 units apart.
    app.place(&admin, &mage.actor_id, &clear, 100.0, 100.0)
        .await;
    app.place(&admin, &warrior.actor_id, &clear, 110.0, 100.0)
        .await;
    let before = app.resources(&mage.player, &mage.actor_id).await;
    let cast = app.cast(&mage, at_warrior.clone(), "first").await;
    assert!(cast.errors().is_empty(), "{:?}", cast.errors());
    let first = cast.data()["castSkill"].clone();
    assert_eq!(first["mpSpent"], 25);
    assert_eq!(first["weather"], "CLEAR");
    assert_eq!(first["replayed"], false);
    let critical = first["critical"].as_bool().expect("critical");
    assert_eq!(
        first["damage"].as_i64(),
        Some(expected_damage(Weather::Clear, critical))
    );
    let max_hp = first["targetActor"]["resources"]["hp"]["max"]
        .as_i64()
        .expect("max hp");
    assert_eq!(
        first["targetHpAfter"].as_i64(),
        Some(max_hp - first["damage"].as_i64().expect("in the response"))
    );
    let mp_after = first["caster"]["resources"]["mp"]["current"]
        .as_i64()
        .expect("mp");
    // Full MP before (regeneration cannot add to a full pool), 25 less after.
    assert_eq!(
        mp(&before),
        before["resources"]["mp"]["max"]
            .as_i64()
            .expect("in the response")
    );
    assert_eq!(mp_after, mp(&before) - 25);
    assert!(!fireball_cooldown(&app.resources(&mage.player, &mage.actor_id).await).is_null());

    // The same key again: the first cast, no second hit.
    let replay = app.cast(&mage, at_warrior.clone(), "first").await;
    assert_eq!(replay.data()["castSkill"]["id"], first["id"]);
    assert_eq!(replay.data()["castSkill"]["replayed"], true);
    let warrior_now = app.resources(&warrior.player, &warrior.actor_id).await;
    assert!(
        warrior_now["resources"]["hp"]["current"]
            .as_i64()
            .expect("in the response")
            <= max_hp - first["damage"].as_i64().expect("in the response") + 2
    );
    // Another key at once: on cooldown, nothing spent.
    let again = app.cast(&mage, at_warrior.clone(), "second").await;
    again.assert_error_code("ON_COOLDOWN");
    // Same key, another target: refused.
    app.cast(&mage, json!({ "actorId": mage.actor_id }), "first")
        .await
        .assert_error_code("IDEMPOTENCY_KEY_REUSED");

    // Rain weakens fire exactly as the formula says.
    tokio::time::sleep(std::time::Duration::from_millis(3_100)).await;
    app.place(&admin, &mage.actor_id, &rainy, 100.0, 100.0)
        .await;
    app.place(&admin, &warrior.actor_id, &rainy, 120.0, 100.0)
        .await;
    let rain = app.cast(&mage, at_warrior.clone(), "in-the-rain").await;
    assert!(rain.errors().is_empty(), "{:?}", rain.errors());
    let rain = rain.data()["castSkill"].clone();
    assert_eq!(rain["weather"], "RAIN");
    let critical = rain["critical"].as_bool().expect("in the response");
    assert_eq!(
        rain["damage"].as_i64(),
        Some(expected_damage(Weather::Rain, critical))
    );
    assert!(expected_damage(Weather::Rain, false) < expected_damage(Weather::Clear, false));

    // Out of range (60 units; Fireball reaches 30): refused, nothing spent.
    tokio::time::sleep(std::time::Duration::from_millis(3_100)).await;
    app.place(&admin, &warrior.actor_id, &rainy, 160.0, 100.0)
        .await;
    let before = mp(&app.resources(&mage.player, &mage.actor_id).await);
    app.cast(&mage, at_warrior.clone(), "too-far")
        .await
        .assert_error_code("OUT_OF_RANGE");
    assert!(mp(&app.resources(&mage.player, &mage.actor_id).await) >= before);
    // Another zone is out of range too.
    app.place(&admin, &warrior.actor_id, &clear, 100.0, 100.0)
        .await;
    app.cast(&mage, at_warrior.clone(), "other-zone")
        .await
        .assert_error_code("OUT_OF_RANGE");

    // A sanctuary forbids combat.
    app.place(&admin, &mage.actor_id, &sanctuary, 100.0, 100.0)
        .await;
    app.place(&admin, &warrior.actor_id, &sanctuary, 105.0, 100.0)
        .await;
    app.cast(&mage, at_warrior.clone(), "in-haven")
        .await
        .assert_error_code("NO_COMBAT_ZONE");

    // Not enough MP: refused with nothing spent and no cooldown started.
    app.place(&admin, &mage.actor_id, &clear, 100.0, 100.0)
        .await;
    app.place(&admin, &warrior.actor_id, &clear, 105.0, 100.0)
        .await;
    let set = app
        .client
        .as_user(
            &admin.access_token,
            SET_RESOURCES,
            json!({ "a": mage.actor_id, "mp": 10 }),
        )
        .await;
    assert!(set.errors().is_empty(), "{:?}", set.errors());
    let cooldown_before = fireball_cooldown(&app.resources(&mage.player, &mage.actor_id).await);
    app.cast(&mage, at_warrior.clone(), "broke")
        .await
        .assert_error_code("INSUFFICIENT_MP");
    let after = app.resources(&mage.player, &mage.actor_id).await;
    assert!(
        (10..=12).contains(&mp(&after)),
        "MP stays at 10 (plus regeneration): {}",
        mp(&after)
    );
    assert_eq!(fireball_cooldown(&after), cooldown_before);

    // Someone else's actor cannot cast.
    let response = app
        .client
        .as_user(
            &warrior.player.access_token,
            CAST,
            json!({ "a": mage.actor_id, "s": "fireball", "t": { "actorId": warrior.actor_id }, "k": "steal" }),
        )
        .await;
    response.assert_error_code("FORBIDDEN");
    app.supergraph.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_after_mana_is_spent_is_compensated() {
    let app = spawn_app_with(|config| config.chaos.faults.fail_cast_after_spend = true).await;
    let admin = app.admin().await;
    let mage = app.new_character("Mage", "MAGE").await;
    let warrior = app.new_character("Warrior", "WARRIOR").await;
    let zone = unique("drill_");
    app.publish_zone(&admin, &zone, &["CLEAR"], false).await;
    app.place(&admin, &mage.actor_id, &zone, 100.0, 100.0).await;
    app.place(&admin, &warrior.actor_id, &zone, 110.0, 100.0)
        .await;
    let before = app.resources(&mage.player, &mage.actor_id).await;
    let target = json!({ "actorId": warrior.actor_id });
    app.cast(&mage, target.clone(), "drill")
        .await
        .assert_error_code("CAST_FAILED");
    let after = app.resources(&mage.player, &mage.actor_id).await;
    assert_eq!(mp(&after), mp(&before), "MP given back");
    assert!(fireball_cooldown(&after).is_null(), "cooldown given back");
    let warrior_now = app.resources(&warrior.player, &warrior.actor_id).await;
    assert_eq!(
        warrior_now["resources"]["hp"]["current"], warrior_now["resources"]["hp"]["max"],
        "no damage dealt"
    );
    // A replay answers the same failure and spends nothing either.
    app.cast(&mage, target, "drill")
        .await
        .assert_error_code("CAST_FAILED");
    assert_eq!(
        mp(&app.resources(&mage.player, &mage.actor_id).await),
        mp(&before)
    );
    app.supergraph.stop().await.expect("stops");
}

const CREATE_TERRITORY: &str = "mutation($input: TerritoryInput!) { createTerritory(input: $input) { id name ownerGuild { id } structures { id hp } } }";
const TERRITORY_CHANGED: &str = "subscription($z: ID) { territoryChanged(zoneId: $z) { territory { id name ownerGuild { id } } guild { id } previousGuild { id } } }";
const GUILD_TERRITORIES: &str =
    "query($id: ID!) { guild(id: $id) { id territories { id name zoneId } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn destroying_the_last_structure_hands_the_territory_to_the_casters_guild() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let mage = app.new_character("Mage", "MAGE").await;
    let defender = app.new_character("Keeper", "WARRIOR").await;
    let attackers = app.create_guild(&mage, "OPEN").await;
    let defenders = app.create_guild(&defender, "OPEN").await;
    let zone = unique("march_");
    app.publish_zone(&admin, &zone, &["CLEAR"], false).await;
    let created = app
        .client
        .as_user(
            &admin.access_token,
            CREATE_TERRITORY,
            json!({ "input": { "zoneId": zone, "name": "Ember Keep", "ownerGuildId": defenders,
                "structures": [{ "name": "Gate", "maxHp": 20, "x": 120.0, "y": 100.0 }] } }),
        )
        .await;
    assert!(created.errors().is_empty(), "{:?}", created.errors());
    let territory = created.data()["createTerritory"].clone();
    let territory_id = territory["id"]
        .as_str()
        .expect("in the response")
        .to_string();
    let structure_id = territory["structures"][0]["id"]
        .as_str()
        .expect("in the response")
        .to_string();
    app.place(&admin, &mage.actor_id, &zone, 100.0, 100.0).await;

    let mut ws = app.ws(&mage.player).await;
    ws.subscribe("t", TERRITORY_CHANGED, json!({ "z": zone }))
        .await;
    // The subscription is live once the router has opened it upstream.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;

    let cast = app
        .cast(&mage, json!({ "structureId": structure_id }), "siege")
        .await;
    assert!(cast.errors().is_empty(), "{:?}", cast.errors());
    let cast = cast.data()["castSkill"].clone();
    assert_eq!(cast["structureDestroyed"], true);
    assert_eq!(cast["territoryTransferred"], true);
    assert_eq!(cast["targetHpAfter"], 0);

    let message = ws
        .next_message_within(std::time::Duration::from_secs(10))
        .await
        .expect("a territory change");
    let change = &message["payload"]["data"]["territoryChanged"];
    assert_eq!(change["territory"]["id"], territory_id.as_str());
    assert_eq!(change["guild"]["id"], attackers.as_str());
    assert_eq!(change["previousGuild"]["id"], defenders.as_str());
    assert_eq!(change["territory"]["ownerGuild"]["id"], attackers.as_str());

    // Guild hears of it through world's event.
    let held = eventually("the guild's territories", || async {
        let guild = app
            .client
            .as_user(
                &mage.player.access_token,
                GUILD_TERRITORIES,
                json!({ "id": attackers }),
            )
            .await;
        let territories = guild.data()["guild"]["territories"].clone();
        (territories.as_array().is_some_and(|list| !list.is_empty())).then_some(territories)
    })
    .await;
    assert_eq!(held[0]["id"], territory_id.as_str());
    assert_eq!(held[0]["name"], "Ember Keep");
    let lost = app
        .client
        .as_user(
            &defender.player.access_token,
            GUILD_TERRITORIES,
            json!({ "id": defenders }),
        )
        .await;
    assert_eq!(lost.data()["guild"]["territories"], json!([]));

    // The replay deals no second hit; the structure stands rebuilt for the new holder.
    let replay = app
        .cast(&mage, json!({ "structureId": structure_id }), "siege")
        .await;
    assert_eq!(replay.data()["castSkill"]["replayed"], true);
    // Attacking your own guild's territory is refused, with MP given back.
    tokio::time::sleep(std::time::Duration::from_millis(3_100)).await;
    let before = mp(&app.resources(&mage.player, &mage.actor_id).await);
    app.cast(&mage, json!({ "structureId": structure_id }), "own-gate")
        .await
        .assert_error_code("FRIENDLY_TARGET");
    assert!(mp(&app.resources(&mage.player, &mage.actor_id).await) >= before);
    app.supergraph.stop().await.expect("stops");
}

const MOVE: &str = "mutation($a: ID!, $x: Float!, $y: Float!) { moveActor(actorId: $a, x: $x, y: $y) { zoneId x y } }";
const ENTER: &str =
    "mutation($a: ID!, $z: ID!) { enterZone(actorId: $a, zoneId: $z) { zoneId x y } }";
const POSITION: &str =
    "query($id: ID!) { actor(id: $id) { position { zoneId x y } zone { id maxSpeed weather } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moves_faster_than_the_zone_allows_are_refused_and_the_actor_stays() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let runner = app.new_character("Runner", "RANGER").await;
    let other = app.new_character("Other", "RANGER").await;
    let zone = unique("plain_");
    app.publish_zone(&admin, &zone, &["CLEAR"], false).await;
    let token = &runner.player.access_token;
    let entered = app
        .client
        .as_user(token, ENTER, json!({ "a": runner.actor_id, "z": zone }))
        .await;
    assert_eq!(
        entered.data()["enterZone"],
        json!({ "zoneId": zone, "x": 500.0, "y": 500.0 })
    );

    // 2 units after half a second: well under 10 units/s.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let walked = app
        .client
        .as_user(
            token,
            MOVE,
            json!({ "a": runner.actor_id, "x": 502.0, "y": 500.0 }),
        )
        .await;
    assert!(walked.errors().is_empty(), "{:?}", walked.errors());
    // 400 units at once: a speed hack.
    app.client
        .as_user(
            token,
            MOVE,
            json!({ "a": runner.actor_id, "x": 902.0, "y": 500.0 }),
        )
        .await
        .assert_error_code("SPEED_LIMIT_EXCEEDED");
    // Outside the zone.
    app.client
        .as_user(
            token,
            MOVE,
            json!({ "a": runner.actor_id, "x": 1500.0, "y": 500.0 }),
        )
        .await
        .assert_error_code("OUT_OF_BOUNDS");
    // Another player's actor.
    app.client
        .as_user(
            &other.player.access_token,
            MOVE,
            json!({ "a": runner.actor_id, "x": 503.0, "y": 500.0 }),
        )
        .await
        .assert_error_code("FORBIDDEN");
    let position = app
        .client
        .as_user(token, POSITION, json!({ "id": runner.actor_id }))
        .await;
    assert_eq!(
        position.data()["actor"]["position"],
        json!({ "zoneId": zone, "x": 502.0, "y": 500.0 })
    );
    assert_eq!(position.data()["actor"]["zone"]["maxSpeed"], 10.0);
    assert_eq!(position.data()["actor"]["zone"]["weather"], "CLEAR");
    app.supergraph.stop().await.expect("stops");
}

const BAG: &str =
    "query($id: ID!) { actor(id: $id) { inventory { items { definitionId quantity } } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reagent_is_consumed_with_the_cast_and_its_absence_gives_the_mana_back() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    // Admins make Fireball consume a fire crystal.
    app.require_reagent(&admin, "fireball", "fire_crystal")
        .await;

    let mage = app.new_character("Mage", "MAGE").await;
    let warrior = app.new_character("Warrior", "WARRIOR").await;
    let zone = unique("forge_");
    app.publish_zone(&admin, &zone, &["CLEAR"], false).await;
    app.place(&admin, &mage.actor_id, &zone, 100.0, 100.0).await;
    app.place(&admin, &warrior.actor_id, &zone, 110.0, 100.0)
        .await;
    let target = json!({ "actorId": warrior.actor_id });

    // No crystal: MP was spent, inventory refused, everything is given back.
    let before = app.resources(&mage.player, &mage.actor_id).await;
    app.cast(&mage, target.clone(), "no-crystal")
        .await
        .assert_error_code("MISSING_REAGENT");
    let after = app.resources(&mage.player, &mage.actor_id).await;
    assert_eq!(mp(&after), mp(&before));
    assert!(fireball_cooldown(&after).is_null());

    // With one crystal: the cast lands and the crystal is gone.
    grant(&app, &admin, &mage, "fire_crystal", 1).await;
    let cast = app.cast(&mage, target.clone(), "with-crystal").await;
    assert!(cast.errors().is_empty(), "{:?}", cast.errors());
    assert_eq!(cast.data()["castSkill"]["mpSpent"], 25);
    let bag = app
        .client
        .as_user(
            &mage.player.access_token,
            BAG,
            json!({ "id": mage.actor_id }),
        )
        .await;
    let crystals: i64 = bag.data()["actor"]["inventory"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|item| item["definitionId"] == "fire_crystal")
        .map(|item| item["quantity"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(crystals, 0);
    // Its replay consumes nothing more and deals no second hit.
    let replay = app.cast(&mage, target, "with-crystal").await;
    assert_eq!(replay.data()["castSkill"]["replayed"], true);
    app.supergraph.stop().await.expect("stops");
}
