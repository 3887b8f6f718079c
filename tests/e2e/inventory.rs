//! Inventory through the router: the seed flow "use item" (inventory consumes, chaos
//! heals), equipment changing chaos's derived stats in the same result, idempotent
//! grants, crafting, trades, the guild storage, and the no-dupe/no-loss invariants under
//! 50 concurrent commands on the same stacks.

use futures_util::future::join_all;
use serde_json::{json, Value};
use subgraph_kit::testing::GraphqlResponse;

use crate::helpers::{
    eventually, grant, spawn_app, unique, Character, TestApp, BAG_CAPACITY, GRANT, JOIN_GUILD,
};

const USE: &str = "mutation($a: ID!, $i: ID!, $k: String!) { useItem(actorId: $a, itemInstanceId: $i, idempotencyKey: $k) { useId remaining replayed actor { resources { hp { current max } } } } }";
const SET_HP: &str = "mutation($a: ID!, $hp: Int) { setActorResources(actorId: $a, hp: $hp) { resources { hp { current max } } } }";
const INVENTORY: &str = "query($a: ID!) { actor(id: $a) { inventory { capacity used items { id definitionId quantity equippedSlot } } } }";
const EQUIP: &str = "mutation($a: ID!, $i: ID!) { equipItem(actorId: $a, itemInstanceId: $i) { item { id equippedSlot } actor { stats { derived { attackPower } } equipment { slot itemDefinitionId } } } }";
const UNEQUIP: &str = "mutation($a: ID!, $s: EquipSlot!) { unequipItem(actorId: $a, slot: $s) { item { id equippedSlot } actor { stats { derived { attackPower } } } } }";
const ATTACK: &str = "query($a: ID!) { actor(id: $a) { stats { derived { attackPower } } } }";
const CRAFT: &str = "mutation($a: ID!, $r: String!, $k: String!) { craftItem(actorId: $a, recipeId: $r, idempotencyKey: $k) { replayed consumed { itemId quantity } produced { itemId quantity } } }";
const PROPOSE: &str =
    "mutation($a: ID!, $p: ID!) { proposeTrade(actorId: $a, partnerActorId: $p) { id status } }";
const OFFER: &str = "mutation($t: ID!, $a: ID!, $items: [TradeItemInput!]!) { setTradeOffer(tradeId: $t, actorId: $a, items: $items) { id initiatorConfirmed partnerConfirmed } }";
const CONFIRM: &str = "mutation($t: ID!, $a: ID!) { confirmTrade(tradeId: $t, actorId: $a) { id status initiatorConfirmed partnerConfirmed } }";
const TRADE: &str =
    "query($t: ID!) { trade(id: $t) { status offers { itemDefinitionId quantity actor { id } } } }";

/// The actor's stacks of `item` (non-empty), as (id, quantity).
async fn stacks(app: &TestApp, actor: &Character, item: &str) -> Vec<(String, i64)> {
    let response = app
        .client
        .as_user(
            &actor.player.access_token,
            INVENTORY,
            json!({ "a": actor.actor_id }),
        )
        .await;
    response.data()["actor"]["inventory"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["definitionId"] == item)
        .map(|i| {
            (
                i["id"].as_str().expect("id").to_string(),
                i["quantity"].as_i64().expect("quantity"),
            )
        })
        .collect()
}

async fn total(app: &TestApp, actor: &Character, item: &str) -> i64 {
    stacks(app, actor, item).await.iter().map(|(_, q)| q).sum()
}

async fn offer(app: &TestApp, trade: &Value, who: &Character, items: Value) -> GraphqlResponse {
    app.client
        .as_user(
            &who.player.access_token,
            OFFER,
            json!({ "t": trade, "a": who.actor_id, "items": items }),
        )
        .await
}

async fn confirm(app: &TestApp, trade: &Value, who: &Character) -> GraphqlResponse {
    app.client
        .as_user(
            &who.player.access_token,
            CONFIRM,
            json!({ "t": trade, "a": who.actor_id }),
        )
        .await
}

fn hp(value: &Value) -> (i64, i64) {
    (
        value["hp"]["current"].as_i64().expect("hp"),
        value["hp"]["max"].as_i64().expect("max hp"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_health_potion_heals_a_hurt_actor_and_leaves_the_stack() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let aria = app.new_character("Aria", "WARRIOR").await;
    let granted = grant(&app, &admin, &aria, "health_potion", 2).await;
    assert_eq!(
        granted["items"],
        json!([{ "itemId": "health_potion", "quantity": 2 }])
    );
    let potion = granted["stacks"][0]["id"]
        .as_str()
        .expect("stack")
        .to_string();

    // Hurt: 10 HP left. A potion heals 50.
    let hurt = app
        .client
        .as_user(
            &admin.access_token,
            SET_HP,
            json!({ "a": aria.actor_id, "hp": 10 }),
        )
        .await;
    let (before, max) = hp(&hurt.data()["setActorResources"]["resources"]);
    assert_eq!(before, 10);
    let used = app
        .client
        .as_user(
            &aria.player.access_token,
            USE,
            json!({ "a": aria.actor_id, "i": potion, "k": "drink-1" }),
        )
        .await;
    let result = &used.data()["useItem"];
    assert_eq!(result["remaining"], 1);
    assert_eq!(result["replayed"], false);
    let (healed, _) = hp(&result["actor"]["resources"]);
    // 10 + 50, plus a few seconds of regeneration at most.
    assert!((60..70).contains(&healed), "hp after the potion: {healed}");

    // A replay consumes nothing and heals nothing more.
    let replay = app
        .client
        .as_user(
            &aria.player.access_token,
            USE,
            json!({ "a": aria.actor_id, "i": potion, "k": "drink-1" }),
        )
        .await;
    assert_eq!(replay.data()["useItem"]["replayed"], true);
    assert_eq!(replay.data()["useItem"]["useId"], result["useId"]);
    assert_eq!(total(&app, &aria, "health_potion").await, 1);

    // Healing is capped at max HP.
    app.client
        .as_user(
            &admin.access_token,
            SET_HP,
            json!({ "a": aria.actor_id, "hp": max - 5 }),
        )
        .await;
    let capped = app
        .client
        .as_user(
            &aria.player.access_token,
            USE,
            json!({ "a": aria.actor_id, "i": potion, "k": "drink-2" }),
        )
        .await;
    assert_eq!(capped.data()["useItem"]["remaining"], 0);
    assert_eq!(
        hp(&capped.data()["useItem"]["actor"]["resources"]),
        (max, max)
    );

    // The stack is empty now: a coded error, and nothing changes.
    app.client
        .as_user(
            &admin.access_token,
            SET_HP,
            json!({ "a": aria.actor_id, "hp": 10 }),
        )
        .await;
    let empty = app
        .client
        .as_user(
            &aria.player.access_token,
            USE,
            json!({ "a": aria.actor_id, "i": potion, "k": "drink-3" }),
        )
        .await;
    empty.assert_error_code("STACK_EMPTY");
    let after = app
        .client
        .as_user(
            &aria.player.access_token,
            "query($a: ID!) { actor(id: $a) { resources { hp { current } } } }",
            json!({ "a": aria.actor_id }),
        )
        .await;
    let current = after.data()["actor"]["resources"]["hp"]["current"]
        .as_i64()
        .expect("hp");
    assert!(current < 20, "the empty stack healed: {current}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_uses_or_sees_another_players_items() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let aria = app.new_character("Aria", "MAGE").await;
    let mallory = app.new_character("Mal", "MAGE").await;
    let granted = grant(&app, &admin, &aria, "health_potion", 1).await;
    let potion = granted["stacks"][0]["id"].clone();

    // Aria's actor as Mallory, and Aria's item with Mallory's actor.
    for actor in [&aria.actor_id, &mallory.actor_id] {
        app.client
            .as_user(
                &mallory.player.access_token,
                USE,
                json!({ "a": actor, "i": potion, "k": unique("k") }),
            )
            .await
            .assert_error_code("FORBIDDEN");
    }
    app.client
        .as_user(
            &mallory.player.access_token,
            INVENTORY,
            json!({ "a": aria.actor_id }),
        )
        .await
        .assert_error_code("FORBIDDEN");
    assert_eq!(total(&app, &aria, "health_potion").await, 1);

    // Items without effects are not usable; an unknown item is not granted.
    let ore = grant(&app, &admin, &aria, "iron_ore", 1).await;
    app.client
        .as_user(
            &aria.player.access_token,
            USE,
            json!({ "a": aria.actor_id, "i": ore["stacks"][0]["id"], "k": unique("k") }),
        )
        .await
        .assert_error_code("NOT_USABLE");
    app.client
        .as_user(
            &admin.access_token,
            GRANT,
            json!({ "a": aria.actor_id, "i": "no_such_item", "q": 1, "k": unique("k") }),
        )
        .await
        .assert_error_code("UNKNOWN_ITEM");
    // Players cannot grant (the router refuses before any subgraph runs).
    app.client
        .as_user(
            &aria.player.access_token,
            GRANT,
            json!({ "a": aria.actor_id, "i": "iron_ore", "q": 99, "k": unique("k") }),
        )
        .await
        .assert_error_code("FORBIDDEN");
    assert_eq!(total(&app, &aria, "iron_ore").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grants_are_idempotent_stack_and_respect_the_bag() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let aria = app.new_character("Aria", "RANGER").await;
    grant(&app, &admin, &aria, "iron_ore", 1).await;
    let key = unique("grant-");
    let grant_ore = |quantity: i64| {
        app.client.as_user(
            &admin.access_token,
            GRANT,
            json!({ "a": aria.actor_id, "i": "iron_ore", "q": quantity, "k": key }),
        )
    };
    let first = grant_ore(60).await;
    assert_eq!(first.data()["grantItem"]["replayed"], false);
    let again = grant_ore(60).await;
    assert_eq!(again.data()["grantItem"]["replayed"], true);
    grant_ore(61)
        .await
        .assert_error_code("IDEMPOTENCY_KEY_REUSED");
    // 61 ore in stacks of at most 50: the partial stack was topped up first.
    let ore = stacks(&app, &aria, "iron_ore").await;
    assert_eq!(ore.iter().map(|(_, q)| q).sum::<i64>(), 61);
    assert_eq!(ore.len(), 2);
    assert!(ore.iter().all(|(_, q)| *q <= 50));

    // Swords do not stack: the bag fills, and a grant that does not fit changes nothing.
    let free = i64::from(BAG_CAPACITY) - 2;
    grant(&app, &admin, &aria, "iron_sword", free).await;
    app.client
        .as_user(
            &admin.access_token,
            GRANT,
            json!({ "a": aria.actor_id, "i": "leather_cap", "q": 1, "k": unique("k") }),
        )
        .await
        .assert_error_code("BAG_FULL");
    assert_eq!(total(&app, &aria, "leather_cap").await, 0);
    assert_eq!(total(&app, &aria, "iron_sword").await, free);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn equipping_a_sword_raises_attack_in_the_same_result() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let aria = app.new_character("Aria", "WARRIOR").await;
    let sword = grant(&app, &admin, &aria, "iron_sword", 1).await["stacks"][0]["id"].clone();
    let attack = |response: &Value| -> i64 {
        response["stats"]["derived"]["attackPower"]
            .as_i64()
            .expect("attack")
    };
    let before = app
        .client
        .as_user(
            &aria.player.access_token,
            ATTACK,
            json!({ "a": aria.actor_id }),
        )
        .await;
    let base = attack(&before.data()["actor"]);

    let equipped = app
        .client
        .as_user(
            &aria.player.access_token,
            EQUIP,
            json!({ "a": aria.actor_id, "i": sword }),
        )
        .await;
    let result = &equipped.data()["equipItem"];
    assert_eq!(result["item"]["equippedSlot"], "MAIN_HAND");
    // +8 strength is +16 attack power (2 per point).
    assert_eq!(attack(&result["actor"]), base + 16);
    let main_hand: Vec<&Value> = result["actor"]["equipment"]
        .as_array()
        .expect("slots")
        .iter()
        .filter(|slot| slot["slot"] == "MAIN_HAND")
        .collect();
    assert_eq!(main_hand[0]["itemDefinitionId"], "iron_sword");

    // Equipment is not a consumable, and a worn sword cannot be destroyed.
    app.client
        .as_user(
            &aria.player.access_token,
            "mutation($a: ID!, $i: ID!) { destroyItem(actorId: $a, itemInstanceId: $i, quantity: 1, idempotencyKey: \"d\") { remaining } }",
            json!({ "a": aria.actor_id, "i": sword }),
        )
        .await
        .assert_error_code("ITEM_EQUIPPED");

    let unequipped = app
        .client
        .as_user(
            &aria.player.access_token,
            UNEQUIP,
            json!({ "a": aria.actor_id, "s": "MAIN_HAND" }),
        )
        .await;
    assert_eq!(
        unequipped.data()["unequipItem"]["item"]["equippedSlot"],
        Value::Null
    );
    assert_eq!(attack(&unequipped.data()["unequipItem"]["actor"]), base);
}

/// Waits until `recipe` has reached inventory: recipes travel in content events of their
/// own, so on Kafka they may arrive after the items [`grant`] waits for. Probes with a
/// character of its own that holds nothing, which is refused for the ingredients once
/// the recipe is known, so the probe changes nothing.
async fn wait_for_recipe(app: &TestApp, recipe: &str) {
    let probe = app.new_character("Probe", "MAGE").await;
    eventually("the recipe to reach inventory", || async {
        let craft = app
            .client
            .as_user(
                &probe.player.access_token,
                CRAFT,
                json!({ "a": probe.actor_id, "r": recipe, "k": unique("probe-") }),
            )
            .await;
        assert!(
            !craft.errors().is_empty(),
            "a craft without ingredients is refused"
        );
        (craft.error_code().as_deref() != Some("UNKNOWN_RECIPE")).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crafting_consumes_and_produces_in_one_step() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let aria = app.new_character("Aria", "WARRIOR").await;
    grant(&app, &admin, &aria, "iron_ore", 5).await;
    wait_for_recipe(&app, "smelt_iron_ingot").await;
    let craft = |recipe: &'static str, key: &'static str| {
        app.client.as_user(
            &aria.player.access_token,
            CRAFT,
            json!({ "a": aria.actor_id, "r": recipe, "k": key }),
        )
    };
    let crafted = craft("smelt_iron_ingot", "c1").await;
    assert_eq!(
        crafted.data()["craftItem"]["produced"],
        json!([{ "itemId": "iron_ingot", "quantity": 1 }])
    );
    assert_eq!(
        craft("smelt_iron_ingot", "c1").await.data()["craftItem"]["replayed"],
        true
    );
    craft("smelt_iron_ingot", "c2").await;
    assert_eq!(total(&app, &aria, "iron_ore").await, 1);
    assert_eq!(total(&app, &aria, "iron_ingot").await, 2);

    // Not enough ore or ingots: nothing changes.
    craft("smelt_iron_ingot", "c3")
        .await
        .assert_error_code("INSUFFICIENT_QUANTITY");
    craft("forge_iron_sword", "c4")
        .await
        .assert_error_code("INSUFFICIENT_QUANTITY");
    craft("no_such_recipe", "c5")
        .await
        .assert_error_code("UNKNOWN_RECIPE");
    assert_eq!(total(&app, &aria, "iron_ore").await, 1);
    assert_eq!(total(&app, &aria, "iron_ingot").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trade_moves_both_sides_only_when_both_confirm_the_same_offers() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let aria = app.new_character("Aria", "WARRIOR").await;
    let bram = app.new_character("Bram", "CLERIC").await;
    let eve = app.new_character("Eve", "CLERIC").await;
    let sword = grant(&app, &admin, &aria, "iron_sword", 1).await["stacks"][0]["id"].clone();
    let relic = grant(&app, &admin, &aria, "soulbound_relic", 1).await["stacks"][0]["id"].clone();
    let potions = grant(&app, &admin, &bram, "health_potion", 10).await["stacks"][0]["id"].clone();

    let proposed = app
        .client
        .as_user(
            &aria.player.access_token,
            PROPOSE,
            json!({ "a": aria.actor_id, "p": bram.actor_id }),
        )
        .await;
    let trade = proposed.data()["proposeTrade"]["id"].clone();
    offer(
        &app,
        &trade,
        &aria,
        json!([{ "itemId": relic, "quantity": 1 }]),
    )
    .await
    .assert_error_code("NOT_TRADABLE");
    offer(
        &app,
        &trade,
        &aria,
        json!([{ "itemId": sword, "quantity": 1 }]),
    )
    .await;
    offer(
        &app,
        &trade,
        &bram,
        json!([{ "itemId": potions, "quantity": 3 }]),
    )
    .await;
    let first = confirm(&app, &trade, &aria).await;
    assert_eq!(first.data()["confirmTrade"]["initiatorConfirmed"], true);
    assert_eq!(first.data()["confirmTrade"]["status"], "OPEN");
    // Bram changes his offer: Aria's confirmation no longer holds.
    let changed = offer(
        &app,
        &trade,
        &bram,
        json!([{ "itemId": potions, "quantity": 5 }]),
    )
    .await;
    assert_eq!(changed.data()["setTradeOffer"]["initiatorConfirmed"], false);
    // Outsiders see nothing.
    app.client
        .as_user(&eve.player.access_token, TRADE, json!({ "t": trade }))
        .await
        .assert_error_code("FORBIDDEN");

    confirm(&app, &trade, &bram).await;
    assert_eq!(total(&app, &aria, "iron_sword").await, 1);
    let done = confirm(&app, &trade, &aria).await;
    assert_eq!(done.data()["confirmTrade"]["status"], "COMPLETED");
    assert_eq!(total(&app, &aria, "iron_sword").await, 0);
    assert_eq!(total(&app, &bram, "iron_sword").await, 1);
    assert_eq!(total(&app, &aria, "health_potion").await, 5);
    assert_eq!(total(&app, &bram, "health_potion").await, 5);
    confirm(&app, &trade, &aria)
        .await
        .assert_error_code("TRADE_NOT_OPEN");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_uses_crafts_and_trades_never_dupe_or_lose_items() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let aria = app.new_character("Aria", "WARRIOR").await;
    let bram = app.new_character("Bram", "CLERIC").await;
    let potion = grant(&app, &admin, &aria, "health_potion", 15).await["stacks"][0]["id"].clone();
    grant(&app, &admin, &aria, "iron_ore", 30).await;
    let bram_ore = grant(&app, &admin, &bram, "iron_ore", 6).await["stacks"][0]["id"].clone();
    const ORE_BEFORE: i64 = 36;
    wait_for_recipe(&app, "smelt_iron_ingot").await;

    // Five trades, each offering 2 of Bram's 6 ore from the same stack.
    let mut trades = Vec::new();
    for _ in 0..5 {
        let proposed = app
            .client
            .as_user(
                &aria.player.access_token,
                PROPOSE,
                json!({ "a": aria.actor_id, "p": bram.actor_id }),
            )
            .await;
        let trade = proposed.data()["proposeTrade"]["id"].clone();
        app.client
            .as_user(
                &bram.player.access_token,
                OFFER,
                json!({ "t": trade, "a": bram.actor_id, "items": [{ "itemId": bram_ore, "quantity": 2 }] }),
            )
            .await;
        trades.push(trade);
    }

    // 20 potion uses (15 potions), 20 smelts (2 ore each), 10 trade confirmations.
    let mut calls = Vec::new();
    for n in 0..20 {
        calls.push(app.client.as_user(
            &aria.player.access_token,
            USE,
            json!({ "a": aria.actor_id, "i": potion, "k": format!("use-{n}") }),
        ));
        calls.push(app.client.as_user(
            &aria.player.access_token,
            CRAFT,
            json!({ "a": aria.actor_id, "r": "smelt_iron_ingot", "k": format!("smelt-{n}") }),
        ));
    }
    for trade in &trades {
        for who in [&aria, &bram] {
            calls.push(app.client.as_user(
                &who.player.access_token,
                CONFIRM,
                json!({ "t": trade, "a": who.actor_id }),
            ));
        }
    }
    assert_eq!(calls.len(), 50);
    let responses = join_all(calls).await;
    let failures: Vec<String> = responses
        .iter()
        .filter_map(|r| r.error_code())
        .filter(|code| {
            ![
                "STACK_EMPTY",
                "INSUFFICIENT_QUANTITY",
                "TRADE_ITEMS_CHANGED",
            ]
            .contains(&code.as_str())
        })
        .collect();
    assert!(failures.is_empty(), "unexpected failures: {failures:?}");
    let uses = responses
        .iter()
        .filter(|r| r.errors().is_empty() && r.data().get("useItem").is_some())
        .count();
    let completed_trades = responses
        .iter()
        .filter(|r| r.errors().is_empty() && r.data()["confirmTrade"]["status"] == "COMPLETED")
        .count();

    // Every potion used once, none twice.
    assert_eq!(uses, 15);
    assert_eq!(total(&app, &aria, "health_potion").await, 0);
    // Ore is conserved: what is left plus what became ingots (2 each) is what was there.
    let aria_ore = total(&app, &aria, "iron_ore").await;
    let bram_ore_left = total(&app, &bram, "iron_ore").await;
    let ingots = total(&app, &aria, "iron_ingot").await;
    assert_eq!(aria_ore + bram_ore_left + 2 * ingots, ORE_BEFORE);
    assert_eq!(
        bram_ore_left,
        6 - 2 * i64::try_from(completed_trades).expect("count")
    );
    assert!(
        completed_trades <= 3,
        "{completed_trades} trades of 2 from 6 ore"
    );
    for (_, quantity) in stacks(&app, &aria, "iron_ore").await {
        assert!(quantity > 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guild_storage_takes_deposits_from_members_and_withdrawals_by_permission() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let leader = app.new_character("Lead", "WARRIOR").await;
    let member = app.new_character("Memb", "MAGE").await;
    let outsider = app.new_character("Out", "MAGE").await;
    let guild = app.create_guild(&leader, "OPEN").await;
    app.client
        .as_user(
            &member.player.access_token,
            JOIN_GUILD,
            json!({ "a": member.actor_id, "g": guild }),
        )
        .await;
    let ore = grant(&app, &admin, &member, "iron_ore", 10).await["stacks"][0]["id"].clone();
    const DEPOSIT: &str = "mutation($a: ID!, $i: ID!, $q: Int!, $k: String!) { depositToGuildStorage(actorId: $a, itemInstanceId: $i, quantity: $q, idempotencyKey: $k) { guildId itemId quantity replayed } }";
    const WITHDRAW: &str = "mutation($a: ID!, $i: ID!, $q: Int!, $k: String!) { withdrawFromGuildStorage(actorId: $a, storageItemId: $i, quantity: $q, idempotencyKey: $k) { itemId quantity replayed } }";
    const STORAGE: &str = "query($a: ID!) { actor(id: $a) { guildStorage { guildId items { id definitionId quantity } log { direction quantity itemDefinitionId actor { id name } } } } }";

    let deposited = app
        .client
        .as_user(
            &member.player.access_token,
            DEPOSIT,
            json!({ "a": member.actor_id, "i": ore, "q": 4, "k": "dep-1" }),
        )
        .await;
    let stored = deposited.data()["depositToGuildStorage"].clone();
    assert_eq!(stored["guildId"], guild);
    let replay = app
        .client
        .as_user(
            &member.player.access_token,
            DEPOSIT,
            json!({ "a": member.actor_id, "i": ore, "q": 4, "k": "dep-1" }),
        )
        .await;
    assert_eq!(replay.data()["depositToGuildStorage"]["replayed"], true);
    assert_eq!(total(&app, &member, "iron_ore").await, 6);

    // A plain member may not withdraw; the leader may.
    app.client
        .as_user(
            &member.player.access_token,
            WITHDRAW,
            json!({ "a": member.actor_id, "i": stored["itemId"], "q": 1, "k": "w-1" }),
        )
        .await
        .assert_error_code("MISSING_GUILD_PERMISSION");
    let withdrawn = app
        .client
        .as_user(
            &leader.player.access_token,
            WITHDRAW,
            json!({ "a": leader.actor_id, "i": stored["itemId"], "q": 3, "k": "w-2" }),
        )
        .await;
    assert_eq!(withdrawn.data()["withdrawFromGuildStorage"]["quantity"], 3);
    assert_eq!(total(&app, &leader, "iron_ore").await, 3);

    // Outsiders have no storage and cannot deposit.
    let outsider_ore =
        grant(&app, &admin, &outsider, "iron_ore", 1).await["stacks"][0]["id"].clone();
    app.client
        .as_user(
            &outsider.player.access_token,
            DEPOSIT,
            json!({ "a": outsider.actor_id, "i": outsider_ore, "q": 1, "k": "dep-x" }),
        )
        .await
        .assert_error_code("NOT_IN_GUILD");

    let view = app
        .client
        .as_user(
            &leader.player.access_token,
            STORAGE,
            json!({ "a": leader.actor_id }),
        )
        .await;
    let storage = &view.data()["actor"]["guildStorage"];
    assert_eq!(storage["items"][0]["quantity"], 1);
    let log = storage["log"].as_array().expect("log");
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["direction"], "WITHDRAW");
    assert_eq!(log[0]["actor"]["name"], leader.name);
    assert_eq!(log[1]["direction"], "DEPOSIT");
    assert_eq!(log[1]["actor"]["name"], member.name);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_elixir_buffs_strength_for_a_while() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let aria = app.new_character("Aria", "WARRIOR").await;
    let elixir = grant(&app, &admin, &aria, "elixir_of_might", 1).await["stacks"][0]["id"].clone();
    const BUFFS: &str = "query($a: ID!) { actor(id: $a) { stats { base { strength } } activeBuffs { itemDefinitionId strength expiresAt } } }";
    let before = app
        .client
        .as_user(
            &aria.player.access_token,
            BUFFS,
            json!({ "a": aria.actor_id }),
        )
        .await;
    let strength = before.data()["actor"]["stats"]["base"]["strength"]
        .as_i64()
        .expect("strength");
    assert_eq!(before.data()["actor"]["activeBuffs"], json!([]));
    app.client
        .as_user(
            &aria.player.access_token,
            USE,
            json!({ "a": aria.actor_id, "i": elixir, "k": "elixir" }),
        )
        .await;
    let after = app
        .client
        .as_user(
            &aria.player.access_token,
            BUFFS,
            json!({ "a": aria.actor_id }),
        )
        .await;
    let actor = &after.data()["actor"];
    assert_eq!(actor["stats"]["base"]["strength"], strength + 5);
    assert_eq!(
        actor["activeBuffs"][0]["itemDefinitionId"],
        "elixir_of_might"
    );
    assert_eq!(actor["activeBuffs"][0]["strength"], 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_actors_bag_and_open_trades_go_with_it() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let aria = app.new_character("Aria", "WARRIOR").await;
    let bram = app.new_character("Bram", "CLERIC").await;
    grant(&app, &admin, &aria, "iron_ore", 5).await;
    let proposed = app
        .client
        .as_user(
            &bram.player.access_token,
            PROPOSE,
            json!({ "a": bram.actor_id, "p": aria.actor_id }),
        )
        .await;
    let trade = proposed.data()["proposeTrade"]["id"].clone();
    app.client
        .as_user(
            &aria.player.access_token,
            "mutation($a: ID!) { deleteActor(actorId: $a) }",
            json!({ "a": aria.actor_id }),
        )
        .await;
    eventually("the open trade to close", || async {
        let view = app
            .client
            .as_user(&bram.player.access_token, TRADE, json!({ "t": trade }))
            .await;
        // Aria is gone from chaos, so only Bram's side is known; the trade is closed.
        (view.data()["trade"]["status"] == "CANCELLED").then_some(())
    })
    .await;
    let grant_again = app
        .client
        .as_user(
            &admin.access_token,
            GRANT,
            json!({ "a": aria.actor_id, "i": "iron_ore", "q": 1, "k": unique("k") }),
        )
        .await;
    grant_again.assert_error_code("NOT_FOUND");
}
