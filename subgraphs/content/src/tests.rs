//! Service tests, run on the embedded store (SQLite) always and on MongoDB when
//! `CHAOS_TEST_MONGODB_URL` names a server (as in the test command), plus GraphQL tests
//! through the schema. Every test gets its own database.

use std::sync::Arc;
use std::time::Duration;

use async_graphql::{Request, Variables, ID};
use chrono::{TimeZone, Utc};
use futures_util::StreamExt;
use serde_json::{json, Value};
use subgraph_kit::auth::{Authentication, Viewer};
use subgraph_kit::documents::{outbox, DocumentStore, Query};
use subgraph_kit::error::ErrorCode;
use subgraph_kit::events::{topics, EventBus, EventEnvelope, InProcessBus};
use uuid::Uuid;

use crate::error::ContentError;
use crate::model::*;
use crate::service::{self, AuditAction, AUDIT, DRAFTS, PUBLISHED};

type Store = Arc<dyn DocumentStore>;

subgraph_kit::on_every_document_store!("content";
    players_see_only_published_versions,
    every_change_is_audited_with_before_and_after,
    only_admins_edit_or_read_drafts,
    invalid_definitions_are_refused_with_codes,
    concurrent_edits_of_one_definition_never_lose_an_update,
    publishing_emits_one_event_with_the_agreed_payload,
    seeding_is_idempotent_and_safe_between_replicas,
);

fn viewer(scopes: &[&str]) -> Viewer {
    Viewer {
        user_id: Uuid::new_v4(),
        username: "tester".into(),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        session_id: Uuid::new_v4(),
    }
}

fn admin() -> Viewer {
    viewer(&["player", "admin"])
}

fn player() -> Viewer {
    viewer(&["player"])
}

fn sword(id: &str, name: &str) -> ItemDefinition {
    ItemDefinition {
        id: ID::from(id),
        name: name.into(),
        description: "Sharp.".into(),
        item_type: ItemType::Weapon,
        rarity: Rarity::Rare,
        max_stack: 1,
        equip_slot: Some(EquipSlot::MainHand),
        stat_modifiers: StatModifiers {
            strength: 12,
            ..Default::default()
        },
        use_effects: Vec::new(),
        tradable: true,
        value: 300,
        version: 0,
    }
}

fn potion(id: &str) -> ItemDefinition {
    ItemDefinition {
        item_type: ItemType::Consumable,
        max_stack: 20,
        equip_slot: None,
        stat_modifiers: StatModifiers::default(),
        use_effects: vec![ItemEffect {
            kind: ItemEffectKind::HealHp,
            amount: 80,
            modifiers: None,
            duration_ms: None,
        }],
        ..sword(id, "Big Potion")
    }
}

fn recipe(id: &str, input: &str, output: &str) -> Recipe {
    Recipe {
        id: ID::from(id),
        name: "Recipe".into(),
        inputs: vec![RecipeComponent {
            item_id: input.into(),
            quantity: 2,
        }],
        outputs: vec![RecipeComponent {
            item_id: output.into(),
            quantity: 1,
        }],
        crafting_time_ms: 1_000,
        version: 0,
    }
}

fn code(err: ContentError) -> &'static str {
    err.code()
}

async fn count(store: &dyn DocumentStore, collection: &str) -> usize {
    store
        .find(collection, &Query::all())
        .await
        .expect("finds")
        .len()
}

async fn players_see_only_published_versions(store: Store) {
    let (store, admin) = (store.as_ref(), admin());
    service::seed(store).await.expect("seeds");
    let draft = service::save_draft(
        store,
        &admin,
        Definition::Item(sword("steel_sword", "Steel Sword")),
    )
    .await
    .expect("saves");
    assert_eq!(draft.published_version, None);
    assert_eq!(draft.updated_by, admin.user_id);
    assert!(draft.definition.get("version").is_none());
    assert_eq!(
        service::published(store, ContentKind::Item, "steel_sword")
            .await
            .expect("reads"),
        None,
        "drafts are invisible to players"
    );
    assert!(!service::published_of_kind(store, ContentKind::Item)
        .await
        .expect("lists")
        .iter()
        .any(|v| v.id == "steel_sword"));

    let first = service::publish(store, &admin, ContentKind::Item, "steel_sword")
        .await
        .expect("publishes");
    assert_eq!((first.version, first.published_by), (1, admin.user_id));
    assert_eq!(first.definition["version"], 1);
    assert_eq!(first.definition["id"], "steel_sword");
    assert!(service::drafts(store, &admin, None)
        .await
        .expect("lists")
        .is_empty());

    // A second edit stays a draft until published; players keep version 1 meanwhile.
    let draft = service::save_draft(
        store,
        &admin,
        Definition::Item(sword("steel_sword", "Fine Steel Sword")),
    )
    .await
    .expect("saves");
    assert_eq!(draft.published_version, Some(1));
    let seen = service::published(store, ContentKind::Item, "steel_sword")
        .await
        .expect("reads")
        .expect("published");
    assert_eq!(
        (seen.version, seen.definition["name"].as_str()),
        (1, Some("Steel Sword"))
    );
    let drafts = service::drafts(store, &admin, Some(ContentKind::Item))
        .await
        .expect("lists");
    assert_eq!(drafts.len(), 1);
    assert!(service::drafts(store, &admin, Some(ContentKind::Zone))
        .await
        .expect("lists")
        .is_empty());

    let second = service::publish(store, &admin, ContentKind::Item, "steel_sword")
        .await
        .expect("publishes");
    assert_eq!(second.version, 2);
    let seen = service::published(store, ContentKind::Item, "steel_sword")
        .await
        .expect("reads")
        .expect("published");
    assert_eq!(
        (seen.version, seen.definition["name"].as_str()),
        (2, Some("Fine Steel Sword"))
    );
    let history = service::versions(store, &admin, ContentKind::Item, "steel_sword")
        .await
        .expect("lists");
    assert_eq!(
        history.iter().map(|v| v.version).collect::<Vec<_>>(),
        [2, 1]
    );
    assert_eq!(history[1].definition["name"], "Steel Sword");

    // Seeded definitions version up the same way.
    let edited = ItemDefinition {
        value: 12,
        ..potion("health_potion")
    };
    service::save_draft(store, &admin, Definition::Item(edited))
        .await
        .expect("saves");
    let v2 = service::publish(store, &admin, ContentKind::Item, "health_potion")
        .await
        .expect("publishes");
    assert_eq!((v2.version, v2.definition["value"].as_i64()), (2, Some(12)));
    assert_eq!(
        service::versions(store, &admin, ContentKind::Item, "health_potion")
            .await
            .expect("lists")
            .len(),
        2
    );
}

async fn every_change_is_audited_with_before_and_after(store: Store) {
    let (store, admin) = (store.as_ref(), admin());
    let id = "audited_blade";
    service::save_draft(store, &admin, Definition::Item(sword(id, "One")))
        .await
        .expect("saves");
    service::save_draft(store, &admin, Definition::Item(sword(id, "Two")))
        .await
        .expect("saves");
    service::publish(store, &admin, ContentKind::Item, id)
        .await
        .expect("publishes");
    service::save_draft(store, &admin, Definition::Item(sword(id, "Three")))
        .await
        .expect("saves");
    service::discard_draft(store, &admin, ContentKind::Item, id)
        .await
        .expect("discards");

    let (log, more) =
        service::audit_log(store, &admin, Some(ContentKind::Item), Some(id), 10, None)
            .await
            .expect("reads");
    assert!(!more);
    let actions: Vec<AuditAction> = log.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [
            AuditAction::DiscardDraft,
            AuditAction::SaveDraft,
            AuditAction::Publish,
            AuditAction::SaveDraft,
            AuditAction::SaveDraft
        ],
        "newest first"
    );
    assert!(log
        .iter()
        .all(|e| e.actor_user_id == admin.user_id && e.definition_id == id));
    let name = |value: &Option<Value>| {
        value
            .as_ref()
            .map(|v| v["name"].as_str().unwrap_or_default().to_string())
    };
    // discard: the draft before, nothing after
    assert_eq!(
        (name(&log[0].before), name(&log[0].after)),
        (Some("Three".into()), None)
    );
    // a save after publishing starts from the published definition
    assert_eq!(
        (name(&log[1].before), name(&log[1].after)),
        (Some("Two".into()), Some("Three".into()))
    );
    // publish: nothing published before, version 1 after
    assert_eq!(
        (name(&log[2].before), name(&log[2].after)),
        (None, Some("Two".into()))
    );
    assert_eq!(
        log[2].after.as_ref().map(|a| a["version"].clone()),
        Some(json!(1))
    );
    // a save over a draft starts from that draft; the first save from nothing
    assert_eq!(
        (name(&log[3].before), name(&log[3].after)),
        (Some("One".into()), Some("Two".into()))
    );
    assert_eq!(
        (name(&log[4].before), name(&log[4].after)),
        (None, Some("One".into()))
    );

    // Cursor pages walk the same log.
    let mut walked = Vec::new();
    let mut after = None;
    loop {
        let (page, more) = service::audit_log(store, &admin, None, Some(id), 2, after)
            .await
            .expect("reads");
        after = page.last().map(|e| e.cursor());
        walked.extend(page.into_iter().map(|e| e.id));
        if !more {
            break;
        }
    }
    assert_eq!(walked, log.iter().map(|e| e.id).collect::<Vec<_>>());
    let (other_kind, _) =
        service::audit_log(store, &admin, Some(ContentKind::Zone), None, 10, None)
            .await
            .expect("reads");
    assert!(other_kind.is_empty());
}

async fn only_admins_edit_or_read_drafts(store: Store) {
    let (store, player) = (store.as_ref(), player());
    service::seed(store).await.expect("seeds");
    let forbidden = |result: Result<(), ContentError>| {
        assert_eq!(result.map_err(code), Err("FORBIDDEN"));
    };
    forbidden(
        service::save_draft(store, &player, Definition::Item(sword("nope_sword", "N")))
            .await
            .map(drop),
    );
    service::save_draft(store, &admin(), Definition::Item(sword("nope_sword", "N")))
        .await
        .expect("an admin saves");
    forbidden(
        service::publish(store, &player, ContentKind::Item, "nope_sword")
            .await
            .map(drop),
    );
    forbidden(service::discard_draft(store, &player, ContentKind::Item, "nope_sword").await);
    forbidden(service::drafts(store, &player, None).await.map(drop));
    forbidden(
        service::versions(store, &player, ContentKind::Item, "health_potion")
            .await
            .map(drop),
    );
    forbidden(
        service::audit_log(store, &player, None, None, 10, None)
            .await
            .map(drop),
    );
    assert!(service::published(store, ContentKind::Item, "nope_sword")
        .await
        .expect("reads")
        .is_none());
}

async fn invalid_definitions_are_refused_with_codes(store: Store) {
    let (store, admin) = (store.as_ref(), admin());
    service::seed(store).await.expect("seeds");
    let audit_before = count(store, AUDIT).await;
    let refused = |definition: Definition| {
        let admin = admin.clone();
        async move {
            service::save_draft(store, &admin, definition)
                .await
                .map(drop)
                .map_err(code)
                .expect_err("refused")
        }
    };
    let invalid = "INVALID_DEFINITION";
    assert_eq!(
        refused(Definition::Item(sword("Bad-Id", "X"))).await,
        invalid
    );
    assert_eq!(refused(Definition::Item(sword("x", "X"))).await, invalid);
    assert_eq!(
        refused(Definition::Item(sword("ok_id", "  "))).await,
        invalid
    );
    assert_eq!(
        refused(Definition::Item(sword("ok_id", &"n".repeat(81)))).await,
        invalid
    );
    assert_eq!(
        refused(Definition::Item(ItemDefinition {
            max_stack: 0,
            equip_slot: None,
            ..potion("ok_id")
        }))
        .await,
        invalid
    );
    assert_eq!(
        refused(Definition::Item(ItemDefinition {
            max_stack: 10_000,
            ..potion("ok_id")
        }))
        .await,
        invalid
    );
    assert_eq!(
        refused(Definition::Item(ItemDefinition {
            max_stack: 5,
            ..sword("ok_id", "X")
        }))
        .await,
        invalid,
        "equipment stacks to 1"
    );
    assert_eq!(
        refused(Definition::Item(ItemDefinition {
            max_stack: 1,
            equip_slot: Some(EquipSlot::Head),
            ..potion("ok_id")
        }))
        .await,
        invalid,
        "slots for weapons and armor only"
    );
    let effect = |kind, amount, modifiers, duration_ms| ItemDefinition {
        use_effects: vec![ItemEffect {
            kind,
            amount,
            modifiers,
            duration_ms,
        }],
        ..potion("ok_id")
    };
    let might = Some(StatModifiers {
        strength: 5,
        ..Default::default()
    });
    assert_eq!(
        refused(Definition::Item(effect(
            ItemEffectKind::HealHp,
            0,
            None,
            None
        )))
        .await,
        invalid
    );
    assert_eq!(
        refused(Definition::Item(effect(
            ItemEffectKind::Buff,
            0,
            None,
            Some(1_000)
        )))
        .await,
        invalid
    );
    assert_eq!(
        refused(Definition::Item(effect(
            ItemEffectKind::Buff,
            0,
            might,
            None
        )))
        .await,
        invalid
    );
    assert_eq!(
        refused(Definition::Item(effect(
            ItemEffectKind::Buff,
            0,
            might,
            Some(3_600_001)
        )))
        .await,
        invalid
    );
    service::save_draft(
        store,
        &admin,
        Definition::Item(effect(ItemEffectKind::Buff, 0, might, Some(3_600_000))),
    )
    .await
    .expect("a valid buff saves");
    service::discard_draft(store, &admin, ContentKind::Item, "ok_id")
        .await
        .expect("discards");

    // References must be published: a drafted item is not enough.
    service::save_draft(store, &admin, Definition::Item(potion("draft_only")))
        .await
        .expect("saves");
    assert_eq!(
        refused(Definition::Recipe(recipe("r1", "iron_ore", "draft_only"))).await,
        "UNKNOWN_ITEM"
    );
    assert_eq!(
        refused(Definition::Recipe(recipe(
            "r1",
            "nothing_here",
            "iron_ingot"
        )))
        .await,
        "UNKNOWN_ITEM"
    );
    assert_eq!(
        refused(Definition::Recipe(Recipe {
            inputs: vec![],
            ..recipe("r1", "iron_ore", "iron_ingot")
        }))
        .await,
        invalid
    );
    let mut zero = recipe("r1", "iron_ore", "iron_ingot");
    zero.inputs[0].quantity = 0;
    assert_eq!(refused(Definition::Recipe(zero)).await, invalid);
    let seeded_skill = |kind| async move {
        let version = service::published(store, kind, "meteor")
            .await
            .expect("reads")
            .expect("seeded");
        match version.decode().expect("decodes") {
            Definition::Skill(skill) => skill,
            other => panic!("not a skill: {other:?}"),
        }
    };
    let meteor = seeded_skill(ContentKind::Skill).await;
    assert_eq!(meteor.reagent_item_id.as_deref(), Some("ember_shard"));
    assert_eq!(
        refused(Definition::Skill(SkillDefinition {
            reagent_item_id: Some("unobtainium".into()),
            ..meteor.clone()
        }))
        .await,
        "UNKNOWN_ITEM"
    );
    assert_eq!(
        refused(Definition::Skill(SkillDefinition {
            element: "WIND".into(),
            ..meteor.clone()
        }))
        .await,
        invalid
    );
    assert_eq!(
        refused(Definition::Skill(SkillDefinition {
            scaling: "LUCK".into(),
            ..meteor
        }))
        .await,
        invalid
    );
    let event = EventDefinition {
        id: ID::from("late_event"),
        name: "Late".into(),
        description: String::new(),
        zone_id: None,
        starts_at: Utc
            .with_ymd_and_hms(2026, 1, 2, 0, 0, 0)
            .single()
            .expect("date"),
        ends_at: Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("date"),
        max_score_per_submission: 10,
        rewards: Vec::new(),
        version: 0,
    };
    assert_eq!(
        refused(Definition::Event(event.clone())).await,
        invalid,
        "ends before it starts"
    );
    let fixed = EventDefinition {
        ends_at: event.starts_at + chrono::Duration::days(1),
        ..event
    };
    assert_eq!(
        refused(Definition::Event(EventDefinition {
            zone_id: Some("atlantis".into()),
            ..fixed.clone()
        }))
        .await,
        "UNKNOWN_ZONE"
    );
    assert_eq!(
        refused(Definition::Event(EventDefinition {
            rewards: vec![RecipeComponent {
                item_id: "draft_only".into(),
                quantity: 1
            }],
            ..fixed
        }))
        .await,
        "UNKNOWN_ITEM"
    );
    let zone = service::published(store, ContentKind::Zone, "capital")
        .await
        .expect("reads")
        .expect("seeded");
    let Definition::Zone(capital) = zone.decode().expect("decodes") else {
        panic!("not a zone")
    };
    assert_eq!(
        refused(Definition::Zone(ZoneDefinition {
            min_level: 5,
            max_level: 4,
            ..capital.clone()
        }))
        .await,
        invalid
    );
    assert_eq!(
        refused(Definition::Zone(ZoneDefinition {
            weather_cycle: vec![],
            ..capital.clone()
        }))
        .await,
        invalid
    );
    assert_eq!(
        refused(Definition::Zone(ZoneDefinition {
            max_speed: 0.0,
            ..capital
        }))
        .await,
        invalid
    );

    // Publishing or discarding needs a draft; unknown drafts are NO_DRAFT.
    assert_eq!(
        service::publish(store, &admin, ContentKind::Item, "health_potion")
            .await
            .map(drop)
            .map_err(code),
        Err("NO_DRAFT")
    );
    assert_eq!(
        service::discard_draft(store, &admin, ContentKind::Recipe, "r1")
            .await
            .map_err(code),
        Err("NO_DRAFT")
    );

    // Refusals wrote nothing: only the two saves and the discard above are audited.
    assert_eq!(count(store, AUDIT).await, audit_before + 3);
    assert_eq!(count(store, DRAFTS).await, 1, "only draft_only");
}

async fn concurrent_edits_of_one_definition_never_lose_an_update(store: Store) {
    let admin = admin();
    let s = store.as_ref();
    service::seed(s).await.expect("seeds");
    // Two admins read the same state, then both commit: the second is refused.
    let first = service::plan_save_draft(s, &admin, Definition::Item(sword("contested", "A")))
        .await
        .expect("plans");
    let second = service::plan_save_draft(s, &admin, Definition::Item(sword("contested", "B")))
        .await
        .expect("plans");
    s.commit(first.writes).await.expect("the first commits");
    let lost = s
        .commit(second.writes)
        .await
        .map_err(ContentError::from)
        .map_err(code);
    assert_eq!(lost, Err("CONFLICT"));
    let third = service::plan_save_draft(s, &admin, Definition::Item(sword("contested", "C")))
        .await
        .expect("plans");
    let fourth = service::plan_save_draft(s, &admin, Definition::Item(sword("contested", "D")))
        .await
        .expect("plans");
    s.commit(third.writes)
        .await
        .expect("replacing a draft read fresh commits");
    assert_eq!(
        s.commit(fourth.writes)
            .await
            .map_err(ContentError::from)
            .map_err(code),
        Err("CONFLICT")
    );

    // Two publishes of one draft: one version 1, one conflict.
    let p1 = service::plan_publish(s, &admin, ContentKind::Item, "contested")
        .await
        .expect("plans");
    let p2 = service::plan_publish(s, &admin, ContentKind::Item, "contested")
        .await
        .expect("plans");
    s.commit(p1.writes).await.expect("publishes");
    assert_eq!(
        s.commit(p2.writes)
            .await
            .map_err(ContentError::from)
            .map_err(code),
        Err("CONFLICT")
    );
    assert_eq!(
        service::versions(s, &admin, ContentKind::Item, "contested")
            .await
            .expect("lists")
            .len(),
        1
    );

    // Many concurrent saves: each commits or gets CONFLICT, and every committed one is
    // audited (nothing silently overwritten).
    let audit_before = count(s, AUDIT).await;
    let saves = (0..6).map(|n| {
        let (store, admin) = (store.clone(), admin.clone());
        tokio::spawn(async move {
            service::save_draft(
                store.as_ref(),
                &admin,
                Definition::Item(sword("contested", &format!("Edit {n}"))),
            )
            .await
            .map_err(code)
        })
    });
    let outcomes = futures_util::future::join_all(saves).await;
    let mut saved = 0;
    for outcome in outcomes {
        match outcome.expect("ran") {
            Ok(_) => saved += 1,
            Err(code) => assert_eq!(code, "CONFLICT"),
        }
    }
    assert!(saved >= 1);
    assert_eq!(count(s, AUDIT).await, audit_before + saved);
}

async fn publishing_emits_one_event_with_the_agreed_payload(store: Store) {
    let (s, admin) = (store.as_ref(), admin());
    let bus = InProcessBus::default();
    let mut events = bus
        .consume(topics::CONTENT, "test")
        .await
        .expect("consumes");
    let item = ItemDefinition {
        use_effects: vec![ItemEffect {
            kind: ItemEffectKind::HealHp,
            amount: 5,
            modifiers: None,
            duration_ms: None,
        }],
        ..sword("event_blade", "Event Blade")
    };
    service::save_draft(s, &admin, Definition::Item(item))
        .await
        .expect("saves");
    assert_eq!(
        outbox::relay_pending(s, &bus, 10).await.expect("relays"),
        0,
        "saving a draft announces nothing"
    );
    service::publish(s, &admin, ContentKind::Item, "event_blade")
        .await
        .expect("publishes");
    let (relay, signal) = outbox::start_relay(
        store.clone(),
        Arc::new(bus.clone()),
        Duration::from_secs(60),
    );
    signal.committed();
    let delivery = tokio::time::timeout(Duration::from_secs(10), events.next())
        .await
        .expect("published in time")
        .expect("open")
        .expect("decodes");
    relay.stop().await;
    let event: &EventEnvelope = &delivery.event;
    assert_eq!(event.event_type, "content.published");
    assert_eq!(event.aggregate_id, "ITEM:event_blade");
    assert_eq!(event.user_id, Some(admin.user_id));
    assert_eq!(
        event.payload,
        json!({
            "kind": "ITEM",
            "id": "event_blade",
            "version": 1,
            "definition": {
                "id": "event_blade",
                "name": "Event Blade",
                "description": "Sharp.",
                "itemType": "WEAPON",
                "rarity": "RARE",
                "maxStack": 1,
                "equipSlot": "MAIN_HAND",
                "statModifiers": { "strength": 12, "intelligence": 0, "dexterity": 0, "vitality": 0, "wisdom": 0 },
                "useEffects": [{ "kind": "HEAL_HP", "amount": 5, "modifiers": null, "durationMs": null }],
                "tradable": true,
                "value": 300,
                "version": 1
            }
        })
    );
    delivery.ack().await.expect("acks");
    assert!(
        tokio::time::timeout(Duration::from_millis(300), events.next())
            .await
            .is_err(),
        "exactly one event"
    );
    assert_eq!(outbox::relay_pending(s, &bus, 10).await.expect("relays"), 0);
}

async fn seeding_is_idempotent_and_safe_between_replicas(store: Store) {
    let replicas = (0..3).map(|_| {
        let store = store.clone();
        tokio::spawn(async move { service::seed(store.as_ref()).await })
    });
    let seeded = futures_util::future::join_all(replicas)
        .await
        .into_iter()
        .map(|outcome| outcome.expect("ran").expect("seeds or finds it seeded"))
        .filter(|seeded| *seeded)
        .count();
    assert_eq!(seeded, 1, "exactly one replica seeds");
    let s = store.as_ref();
    assert!(
        !service::seed(s).await.expect("checks"),
        "a restart seeds nothing"
    );
    let catalogue = crate::seed::catalogue().len();
    assert_eq!(count(s, PUBLISHED).await, catalogue);
    let (log, _) = service::audit_log(s, &admin(), None, None, 200, None)
        .await
        .expect("reads");
    assert_eq!(log.len(), catalogue);
    assert!(log
        .iter()
        .all(|e| e.action == AuditAction::Seed && e.actor_user_id.is_nil() && e.before.is_none()));
    let items = service::published_of_kind(s, ContentKind::Item)
        .await
        .expect("lists");
    let ids: Vec<&str> = items.iter().map(|v| v.id.as_str()).collect();
    for expected in [
        "health_potion",
        "mana_potion",
        "elixir_of_might",
        "iron_sword",
        "wooden_shield",
        "leather_cap",
        "iron_ore",
        "iron_ingot",
        "fire_crystal",
        "soulbound_relic",
    ] {
        assert!(ids.contains(&expected), "{expected} seeded");
    }
    let potion = service::published(s, ContentKind::Item, "health_potion")
        .await
        .expect("reads")
        .expect("seeded");
    assert_eq!(potion.version, 1);
    assert_eq!(
        potion.definition["useEffects"][0],
        json!({ "kind": "HEAL_HP", "amount": 50, "modifiers": null, "durationMs": null })
    );
    assert_eq!(potion.definition["maxStack"], 20);
    let fireball = service::published(s, ContentKind::Skill, "fireball")
        .await
        .expect("reads")
        .expect("seeded");
    assert_eq!(fireball.definition["mpCost"], 25);
    assert_eq!(fireball.definition["reagentItemId"], Value::Null);
    assert_eq!(
        service::published_of_kind(s, ContentKind::Zone)
            .await
            .expect("lists")
            .len(),
        3
    );

    let bus = InProcessBus::default();
    assert_eq!(
        outbox::relay_pending(s, &bus, 1_000).await.expect("relays"),
        catalogue,
        "one event per seeded definition"
    );
}

// --- GraphQL through the schema -------------------------------------------------------

struct Graph {
    schema: crate::ContentSchema,
    store: Store,
}

impl Graph {
    async fn new() -> Self {
        let store = subgraph_kit::testing::sqlite_document_store("content").await;
        service::seed(store.as_ref()).await.expect("seeds");
        let schema = crate::schema(Some(crate::Deps {
            store: store.clone(),
            outbox: outbox::OutboxSignal::default(),
        }));
        Self { schema, store }
    }

    async fn execute(&self, viewer: Option<&Viewer>, query: &str, variables: Value) -> Value {
        let authentication = match viewer {
            Some(viewer) => Authentication::Verified(viewer.clone()),
            None => Authentication::Anonymous,
        };
        let mut request = Request::new(query)
            .variables(Variables::from_json(variables))
            .data(authentication);
        crate::loaders::attach(&mut request.data, &self.store);
        let response = self.schema.execute(request).await;
        serde_json::to_value(&response).expect("serializes")
    }
}

fn error_code(response: &Value) -> Option<&str> {
    response["errors"][0]["extensions"]["code"].as_str()
}

const SAVE_ITEM: &str = r#"mutation($input: ItemDefinitionInput!) {
    saveItemDraft(input: $input) { kind id publishedVersion updatedBy definition }
}"#;

#[tokio::test]
async fn admins_draft_and_publish_through_the_graph() {
    let graph = Graph::new().await;
    let admin = admin();
    let input = json!({
        "id": "graph_blade", "name": "Graph Blade", "itemType": "WEAPON", "rarity": "EPIC",
        "maxStack": 1, "equipSlot": "MAIN_HAND", "statModifiers": { "strength": 9 }
    });
    let saved = graph
        .execute(Some(&admin), SAVE_ITEM, json!({ "input": input }))
        .await;
    assert!(saved["errors"].is_null(), "{saved}");
    let draft = &saved["data"]["saveItemDraft"];
    assert_eq!(draft["kind"], "ITEM");
    assert_eq!(draft["updatedBy"], admin.user_id.to_string());
    assert_eq!(
        draft["definition"]["tradable"], true,
        "input defaults apply"
    );
    assert_eq!(draft["definition"]["statModifiers"]["wisdom"], 0);

    let read = r#"query { itemDefinition(id: "graph_blade") { id name version equipSlot } }"#;
    let before = graph.execute(None, read, json!({})).await;
    assert_eq!(
        before["data"]["itemDefinition"],
        Value::Null,
        "drafts are invisible"
    );

    let published = graph
        .execute(
            Some(&admin),
            r#"mutation { publishContent(kind: ITEM, id: "graph_blade") { kind id version publishedBy definition } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        published["data"]["publishContent"]["version"], 1,
        "{published}"
    );
    assert_eq!(
        published["data"]["publishContent"]["definition"]["equipSlot"],
        "MAIN_HAND"
    );

    let after = graph.execute(None, read, json!({})).await;
    assert_eq!(
        after["data"]["itemDefinition"],
        json!({ "id": "graph_blade", "name": "Graph Blade", "version": 1, "equipSlot": "MAIN_HAND" })
    );
    let all = graph
        .execute(None, "{ itemDefinitions { id } skillDefinitions { id } recipes { id inputs { itemId quantity } } zoneDefinitions { id weatherCycle } eventDefinitions { id startsAt rewards { itemId } } }", json!({}))
        .await;
    assert!(all["errors"].is_null(), "{all}");
    assert_eq!(
        all["data"]["skillDefinitions"].as_array().map(Vec::len),
        Some(9)
    );
    assert_eq!(all["data"]["recipes"][0]["id"], "forge_iron_sword");

    // Entities: published versions, batched.
    let entities = graph
        .execute(
            None,
            r#"query($r: [_Any!]!) { _entities(representations: $r) {
                ... on ItemDefinition { id maxStack }
                ... on SkillDefinition { id mpCost reagentItemId }
                ... on ZoneDefinition { id noCombat }
            } }"#,
            json!({ "r": [
                { "__typename": "ItemDefinition", "id": "health_potion" },
                { "__typename": "SkillDefinition", "id": "meteor" },
                { "__typename": "ZoneDefinition", "id": "capital" },
                { "__typename": "ItemDefinition", "id": "missing_item" }
            ] }),
        )
        .await;
    assert_eq!(
        entities["data"]["_entities"],
        json!([
            { "id": "health_potion", "maxStack": 20 },
            { "id": "meteor", "mpCost": 60, "reagentItemId": "ember_shard" },
            { "id": "capital", "noCombat": true },
            null
        ]),
        "{entities}"
    );

    let history = graph
        .execute(
            Some(&admin),
            r#"{ contentVersions(kind: ITEM, id: "graph_blade") { version }
                 contentDrafts { id }
                 contentAuditLog(kind: ITEM, definitionId: "graph_blade", first: 1) {
                   entries { action actorUserId before after } pageInfo { hasNextPage endCursor } } }"#,
            json!({}),
        )
        .await;
    assert!(history["errors"].is_null(), "{history}");
    assert_eq!(
        history["data"]["contentVersions"],
        json!([{ "version": 1 }])
    );
    assert_eq!(history["data"]["contentDrafts"], json!([]));
    let page = &history["data"]["contentAuditLog"];
    assert_eq!(page["entries"][0]["action"], "PUBLISH");
    assert_eq!(page["entries"][0]["before"], Value::Null);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let cursor = page["pageInfo"]["endCursor"].as_str().expect("a cursor");
    let next = graph
        .execute(
            Some(&admin),
            r#"query($after: String) { contentAuditLog(definitionId: "graph_blade", after: $after) {
                entries { action } pageInfo { hasNextPage } } }"#,
            json!({ "after": cursor }),
        )
        .await;
    assert_eq!(
        next["data"]["contentAuditLog"],
        json!({ "entries": [{ "action": "SAVE_DRAFT" }], "pageInfo": { "hasNextPage": false } })
    );
}

#[tokio::test]
async fn the_graph_refuses_non_admins_and_bad_input_with_codes() {
    let graph = Graph::new().await;
    let input = json!({ "id": "x_blade", "name": "X", "itemType": "WEAPON", "rarity": "COMMON", "maxStack": 1, "equipSlot": "HEAD" });
    let as_player = graph
        .execute(Some(&player()), SAVE_ITEM, json!({ "input": input }))
        .await;
    assert_eq!(error_code(&as_player), Some("FORBIDDEN"), "{as_player}");
    let anonymous = graph
        .execute(None, "{ contentDrafts { id } }", json!({}))
        .await;
    assert_eq!(error_code(&anonymous), Some("UNAUTHENTICATED"));
    let as_player = graph
        .execute(
            Some(&player()),
            r#"mutation { publishContent(kind: ITEM, id: "x_blade") { version } }"#,
            json!({}),
        )
        .await;
    assert_eq!(error_code(&as_player), Some("FORBIDDEN"));

    let admin = admin();
    let bad = json!({ "id": "x_blade", "name": "X", "itemType": "CONSUMABLE", "rarity": "COMMON", "maxStack": 1, "equipSlot": "HEAD" });
    let refused = graph
        .execute(Some(&admin), SAVE_ITEM, json!({ "input": bad }))
        .await;
    assert_eq!(
        error_code(&refused),
        Some("INVALID_DEFINITION"),
        "{refused}"
    );
    let no_draft = graph
        .execute(
            Some(&admin),
            r#"mutation { discardDraft(kind: SKILL, id: "fireball") }"#,
            json!({}),
        )
        .await;
    assert_eq!(error_code(&no_draft), Some("NO_DRAFT"));
    let unknown = graph
        .execute(
            Some(&admin),
            r#"mutation { saveRecipeDraft(input: { id: "bad_recipe", name: "Bad", inputs: [{ itemId: "nope", quantity: 1 }], outputs: [{ itemId: "iron_ore", quantity: 1 }] }) { id } }"#,
            json!({}),
        )
        .await;
    assert_eq!(error_code(&unknown), Some("UNKNOWN_ITEM"));
}

#[test]
fn the_sdl_declares_the_contract_types() {
    let sdl = subgraph_kit::sdl::federated_sdl(&crate::schema(None));
    for expected in [
        "type ItemDefinition @key(fields: \"id\")",
        "type SkillDefinition @key(fields: \"id\")",
        "type Recipe @key(fields: \"id\")",
        "type ZoneDefinition @key(fields: \"id\")",
        "type EventDefinition @key(fields: \"id\")",
        "input ItemDefinitionInput",
        "input StatModifiersInput",
        "enum EquipSlot",
        "saveItemDraft(input: ItemDefinitionInput!): ContentDraft! @requiresScopes(scopes: [[\"admin\"]])",
        "publishContent(kind: ContentKind!, id: ID!): ContentVersion! @requiresScopes(scopes: [[\"admin\"]])",
        "type PageInfo @shareable",
    ] {
        assert!(sdl.contains(expected), "missing `{expected}` in:\n{sdl}");
    }
    let input = sdl
        .split("input ItemDefinitionInput {")
        .nth(1)
        .and_then(|rest| rest.split('}').next())
        .expect("the input type");
    assert!(!input.contains("version"), "inputs carry no version");
}

/// The `enum <name>` block of `sdl`, with the description above it.
fn enum_block<'a>(sdl: &'a str, name: &str) -> &'a str {
    let start = sdl
        .find(&format!("enum {name} {{"))
        .unwrap_or_else(|| panic!("enum {name} missing"));
    let described = sdl[..start]
        .trim_end()
        .strip_suffix("\"\"\"")
        .and_then(|head| head.rfind("\"\"\""))
        .unwrap_or(start);
    let end = start + sdl[start..].find('}').expect("the enum closes");
    &sdl[described..=end]
}

#[test]
fn enums_shared_with_chaos_are_identical() {
    // Composition merges same-named enums; they must not drift apart.
    let chaos = std::fs::read_to_string(
        subgraph_kit::testing::manifest_dir().join("../../schema/subgraphs/chaos.graphql"),
    )
    .expect("the committed chaos SDL");
    let content = subgraph_kit::sdl::federated_sdl(&crate::schema(None));
    for name in ["EquipSlot", "ActorClass"] {
        assert_eq!(
            enum_block(&content, name),
            enum_block(&chaos, name),
            "enum {name}"
        );
    }
}
