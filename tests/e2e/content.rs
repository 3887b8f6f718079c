//! Content through the router: admins draft and publish definitions (players only ever
//! see published versions), every admin command lands in the audit log, players are
//! refused at the router, and a published item reaches inventory through
//! `content.published`. Runs on the embedded document store, and on the MongoDB-protocol
//! server when the test command starts one.

use serde_json::json;

use crate::helpers::{eventually, spawn_app, unique};

const SAVE_ITEM: &str = "mutation($input: ItemDefinitionInput!) { saveItemDraft(input: $input) { kind id publishedVersion definition } }";
const PUBLISH: &str =
    "mutation($id: ID!) { publishContent(kind: ITEM, id: $id) { kind id version definition } }";
const ITEM: &str = "query($id: ID!) { itemDefinition(id: $id) { id name rarity maxStack useEffects { kind amount } version } }";
const AUDIT: &str = "query($id: ID!) { contentAuditLog(kind: ITEM, definitionId: $id, first: 10) { entries { action actorUserId before after } } }";

fn elixir(id: &str, name: &str) -> serde_json::Value {
    json!({
        "id": id,
        "name": name,
        "description": "Restores a little HP.",
        "itemType": "CONSUMABLE",
        "rarity": "UNCOMMON",
        "maxStack": 10,
        "equipSlot": null,
        "statModifiers": { "strength": 0, "intelligence": 0, "dexterity": 0, "vitality": 0, "wisdom": 0 },
        "useEffects": [{ "kind": "HEAL_HP", "amount": 25 }],
        "tradable": true,
        "value": 15
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_draft_and_publish_items_players_see_only_published_versions() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let player = app.new_player().await;
    let id = format!("elixir_{}", &unique("")[..6]);

    // Players are refused at the router, before content runs.
    app.client
        .as_user(
            &player.access_token,
            SAVE_ITEM,
            json!({ "input": elixir(&id, "Elixir") }),
        )
        .await
        .assert_error_code("FORBIDDEN");
    app.client
        .as_user(&player.access_token, PUBLISH, json!({ "id": id }))
        .await
        .assert_error_code("FORBIDDEN");

    let draft = app
        .client
        .as_user(
            &admin.access_token,
            SAVE_ITEM,
            json!({ "input": elixir(&id, "Elixir") }),
        )
        .await;
    assert_eq!(
        draft.data()["saveItemDraft"]["publishedVersion"],
        serde_json::Value::Null
    );
    // A draft is invisible to players.
    let unseen = app
        .client
        .as_user(&player.access_token, ITEM, json!({ "id": id }))
        .await;
    assert_eq!(unseen.data()["itemDefinition"], serde_json::Value::Null);

    let published = app
        .client
        .as_user(&admin.access_token, PUBLISH, json!({ "id": id }))
        .await;
    assert_eq!(published.data()["publishContent"]["version"], 1);
    let seen = app
        .client
        .as_user(&player.access_token, ITEM, json!({ "id": id }))
        .await;
    let item = &seen.data()["itemDefinition"];
    assert_eq!(item["name"], "Elixir");
    assert_eq!(item["version"], 1);
    assert_eq!(
        item["useEffects"],
        json!([{ "kind": "HEAL_HP", "amount": 25 }])
    );

    // A new draft changes nothing for players until it is published.
    app.client
        .as_user(
            &admin.access_token,
            SAVE_ITEM,
            json!({ "input": elixir(&id, "Greater Elixir") }),
        )
        .await;
    let still = app
        .client
        .as_user(&player.access_token, ITEM, json!({ "id": id }))
        .await;
    assert_eq!(still.data()["itemDefinition"]["name"], "Elixir");

    // The audit log: who did what, with before and after.
    let audit = app
        .client
        .as_user(&admin.access_token, AUDIT, json!({ "id": id }))
        .await;
    let entries = audit.data()["contentAuditLog"]["entries"]
        .as_array()
        .expect("entries")
        .clone();
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().expect("action"))
        .collect();
    // Newest first.
    assert_eq!(actions, ["SAVE_DRAFT", "PUBLISH", "SAVE_DRAFT"]);
    let admin_id = app
        .client
        .as_user(&admin.access_token, "{ me { id } }", json!({}))
        .await
        .data()["me"]["id"]
        .clone();
    assert!(entries.iter().all(|e| e["actorUserId"] == admin_id));
    assert_eq!(entries[2]["before"], serde_json::Value::Null);
    assert!(entries[0]["after"].to_string().contains("Greater Elixir"));
    // Players cannot read the audit log.
    app.client
        .as_user(&player.access_token, AUDIT, json!({ "id": id }))
        .await
        .assert_error_code("FORBIDDEN");

    // The published item reaches inventory (content.published) and can be granted.
    let actor = app.new_character("Taster", "CLERIC").await;
    let granted = eventually("the new item to reach inventory", || async {
        let response = app
            .client
            .as_user(
                &admin.access_token,
                "mutation($a: ID!, $i: String!) { grantItem(actorId: $a, itemId: $i, quantity: 2, idempotencyKey: \"taste\") { stacks { quantity definition { name } } } }",
                json!({ "a": actor.actor_id, "i": id }),
            )
            .await;
        (response.error_code().as_deref() != Some("UNKNOWN_ITEM")).then_some(response)
    })
    .await;
    // The stack's definition is resolved by content, through the router.
    assert_eq!(
        granted.data()["grantItem"]["stacks"][0]["definition"]["name"],
        "Elixir"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_published_skill_change_reaches_the_chaos_backend() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    const FIELDS: &str = "id name description class unlockLevel element scaling mpCost cooldownMs range baseDamage powerRatio reagentItemId";
    let current = app
        .client
        .anonymous(
            &format!("{{ skillDefinition(id: \"fireball\") {{ {FIELDS} }} }}"),
            json!({}),
        )
        .await;
    let mut input = current.data()["skillDefinition"].clone();
    let cost = input["mpCost"].as_i64().expect("mp cost") + 7;
    input["mpCost"] = json!(cost);
    app.client
        .as_user(
            &admin.access_token,
            "mutation($input: SkillDefinitionInput!) { saveSkillDraft(input: $input) { id } }",
            json!({ "input": input }),
        )
        .await;
    app.client
        .as_user(
            &admin.access_token,
            "mutation { publishContent(kind: SKILL, id: \"fireball\") { version } }",
            json!({}),
        )
        .await;
    // Chaos enforces the catalogue it hears about through content.published.
    eventually("chaos to learn the new cost", || async {
        let skills = app
            .client
            .anonymous("{ skills(class: MAGE) { id mpCost } }", json!({}))
            .await;
        skills.data()["skills"]
            .as_array()
            .expect("skills")
            .iter()
            .any(|skill| skill["id"] == "fireball" && skill["mpCost"] == cost)
            .then_some(())
    })
    .await;
}
