//! Every aggregate over one known set of events.

use std::sync::Arc;

use serde_json::json;
use subgraph_kit::documents::DocumentStore;
use subgraph_kit::events::topics;

use super::*;

/// Ingests the fixture (one event twice, one outside the range); returns the actors.
async fn fixture(h: &Harness) -> [Uuid; 3] {
    let users = [Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4()];
    let actors = [Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4()];
    let [u1, u2, u3] = users.map(Some);
    let [a1, a2, a3] = actors;
    let (d1, d2, d3) = (at(11, 10, 10), at(11, 11, 12), at(12, 2, 8));
    let cast = |user, actor: Uuid, skill: &str, damage: i64, when| {
        envelope(
            "chaos.skill_cast",
            user,
            when,
            json!({ "castId": Uuid::new_v4(), "actorId": actor, "skillId": skill, "damage": damage }),
        )
    };
    let twice = cast(u2, a2, "fireball", 200, d2);
    let combat = [
        cast(u1, a1, "fireball", 100, d1),
        cast(u2, a2, "fireball", 50, d1),
        cast(u1, a1, "frost_nova", 30, d1),
        twice.clone(),
        twice,
        cast(u3, a3, "fireball", 999, at(9, 1, 0)),
    ];
    let mut stored = 0;
    for event in &combat {
        stored += usize::from(h.ingest(topics::COMBAT, event).await);
    }
    assert_eq!(stored, 5, "the duplicate delivery is stored once");

    let formed = |mode: &str, teams: Value| {
        envelope(
            "matchmaking.match_formed",
            None,
            d2,
            json!({ "matchId": Uuid::new_v4(), "mode": mode, "region": "EU", "teams": teams }),
        )
    };
    for event in [
        formed("ARENA", json!([[a1, a3], [a2, Uuid::new_v4()]])),
        formed("ARENA", json!([[a1], [a2]])),
        formed("RANKED_1V1", json!([[a1], [a3]])),
    ] {
        assert!(h.ingest(topics::MATCHMAKING, &event).await);
    }

    let score = |user, actor: Uuid, score: i64| {
        envelope(
            "live_event.score_submitted",
            user,
            d3,
            json!({ "eventId": "ember_festival", "actorId": actor, "score": score, "total": score }),
        )
    };
    for event in [score(u3, a3, 500), score(u1, a1, 200), score(u1, a1, 100)] {
        assert!(h.ingest(topics::LIVE_EVENTS, &event).await);
    }

    let inventory = [
        envelope(
            "inventory.items_granted",
            u1,
            d1,
            json!({ "actorId": a1, "items": [{ "itemId": "fire_crystal", "quantity": 5 }, { "itemId": "health_potion", "quantity": 2 }], "source": "k" }),
        ),
        envelope(
            "inventory.item_crafted",
            u1,
            d1,
            json!({ "actorId": a1, "recipeId": "smelt_iron_ingot", "consumed": [{ "itemId": "iron_ore", "quantity": 2 }], "produced": [{ "itemId": "iron_ingot", "quantity": 1 }] }),
        ),
        envelope(
            "inventory.items_destroyed",
            u2,
            d2,
            json!({ "actorId": a2, "itemId": Uuid::new_v4(), "itemDefinitionId": "health_potion", "quantity": 1 }),
        ),
        envelope(
            "inventory.items_destroyed",
            u1,
            d2,
            json!({ "actorId": a1, "itemDefinitionId": "ember_shard", "quantity": 1, "reason": "SKILL_REAGENT", "castId": Uuid::new_v4() }),
        ),
        envelope(
            "inventory.item_used",
            u1,
            d2,
            json!({ "useId": Uuid::new_v4(), "actorId": a1, "itemDefinitionId": "health_potion", "effects": [] }),
        ),
    ];
    for event in &inventory {
        assert!(h.ingest(topics::INVENTORY, event).await);
    }
    let payment = [
        envelope(
            "payment.purchase_completed",
            u2,
            d2,
            json!({ "purchaseId": Uuid::new_v4(), "userId": u2, "productId": "gold_pack", "provider": "WALLET",
                    "paid": [{ "currency": "HARD", "amount": 100 }], "granted": [{ "currency": "SOFT", "amount": 1000 }], "items": [] }),
        ),
        envelope(
            "payment.currency_granted",
            u3,
            d2,
            json!({ "userId": u3, "currency": "SOFT", "amount": 50, "reason": "compensation" }),
        ),
        envelope(
            "payment.purchase_refunded",
            u2,
            d2,
            json!({ "purchaseId": Uuid::new_v4(), "userId": u2, "returned": [{ "currency": "HARD", "amount": 100 }],
                    "clawback": [{ "currency": "SOFT", "amount": 800 }], "shortfall": [{ "currency": "SOFT", "amount": 200 }] }),
        ),
    ];
    for event in &payment {
        assert!(h.ingest(topics::PAYMENT, event).await);
    }
    actors
}

const RANGE: &str = "from: \"2026-11-01T00:00:00Z\", to: \"2026-12-31T00:00:00Z\"";

/// Active players per day and month, skill usage, matches per mode, economy and top
/// players, from the same events.
pub async fn every_aggregate_reads_the_ingested_events(store: Arc<dyn DocumentStore>) {
    let h = Harness::new(store);
    let [a1, a2, a3] = fixture(&h).await.map(|a| a.to_string());

    let daily = h
        .admin_data(
            &format!("{{ analyticsActivePlayers(granularity: DAY, {RANGE}) {{ period activePlayers }} }}"),
            json!({}),
        )
        .await;
    let daily = daily["analyticsActivePlayers"]
        .as_array()
        .expect("a list")
        .clone();
    assert_eq!(daily.len(), 60, "every day of the range is listed");
    let active: Vec<&Value> = daily
        .iter()
        .filter(|period| period["activePlayers"] != 0)
        .collect();
    assert_eq!(
        active,
        [
            &json!({ "period": "2026-11-10", "activePlayers": 2 }),
            &json!({ "period": "2026-11-11", "activePlayers": 3 }),
            &json!({ "period": "2026-12-02", "activePlayers": 2 }),
        ]
    );
    let monthly = h
        .admin_data(
            &format!("{{ analyticsActivePlayers(granularity: MONTH, {RANGE}) {{ period activePlayers }} }}"),
            json!({}),
        )
        .await;
    assert_eq!(
        monthly["analyticsActivePlayers"],
        json!([
            { "period": "2026-11", "activePlayers": 3 },
            { "period": "2026-12", "activePlayers": 2 },
        ])
    );

    let skills = h
        .admin_data(
            &format!("{{ analyticsSkillUsage({RANGE}) {{ skillId casts totalDamage }} }}"),
            json!({}),
        )
        .await;
    assert_eq!(
        skills["analyticsSkillUsage"],
        json!([
            { "skillId": "fireball", "casts": 3, "totalDamage": 350 },
            { "skillId": "frost_nova", "casts": 1, "totalDamage": 30 },
        ])
    );

    let matches = h
        .admin_data(
            &format!("{{ analyticsMatchesPerMode({RANGE}) {{ mode matches players }} }}"),
            json!({}),
        )
        .await;
    assert_eq!(
        matches["analyticsMatchesPerMode"],
        json!([
            { "mode": "ARENA", "matches": 2, "players": 6 },
            { "mode": "RANKED_1V1", "matches": 1, "players": 2 },
        ])
    );

    let economy = h
        .admin_data(
            &format!(
                "{{ analyticsEconomy({RANGE}) {{ sources {{ kind itemOrCurrency amount }} sinks {{ kind itemOrCurrency amount }} }} }}"
            ),
            json!({}),
        )
        .await;
    let flow = |kind: &str, what: &str, amount: i64| json!({ "kind": kind, "itemOrCurrency": what, "amount": amount });
    assert_eq!(
        economy["analyticsEconomy"]["sources"],
        json!([
            flow("CURRENCY_GRANTED", "SOFT", 50),
            flow("CURRENCY_PURCHASED", "SOFT", 1000),
            flow("CURRENCY_REFUNDED", "HARD", 100),
            flow("ITEMS_CRAFTED", "iron_ingot", 1),
            flow("ITEMS_GRANTED", "fire_crystal", 5),
            flow("ITEMS_GRANTED", "health_potion", 2),
        ])
    );
    assert_eq!(
        economy["analyticsEconomy"]["sinks"],
        json!([
            flow("CRAFT_INPUTS", "iron_ore", 2),
            flow("CURRENCY_CLAWED_BACK", "SOFT", 800),
            flow("CURRENCY_SPENT", "HARD", 100),
            flow("ITEMS_DESTROYED", "health_potion", 1),
            flow("ITEMS_USED", "health_potion", 1),
            flow("REAGENTS_CONSUMED", "ember_shard", 1),
        ])
    );

    let top = |metric: &str, first: i32| {
        format!("{{ analyticsTopPlayers(metric: {metric}, first: {first}, {RANGE}) {{ actorId value }} }}")
    };
    let damage = h.admin_data(&top("DAMAGE_DEALT", 10), json!({})).await;
    assert_eq!(
        damage["analyticsTopPlayers"],
        json!([{ "actorId": a2, "value": 250 }, { "actorId": a1, "value": 130 }])
    );
    let casts = h.admin_data(&top("CASTS", 10), json!({})).await;
    let mut tied = [a1.clone(), a2.clone()];
    tied.sort();
    assert_eq!(
        casts["analyticsTopPlayers"],
        json!([{ "actorId": tied[0], "value": 2 }, { "actorId": tied[1], "value": 2 }])
    );
    let scores = h.admin_data(&top("EVENT_SCORE", 1), json!({})).await;
    assert_eq!(
        scores["analyticsTopPlayers"],
        json!([{ "actorId": a3, "value": 500 }])
    );

    // A range covering only the early September cast.
    let september = h
        .admin_data(
            "{ analyticsSkillUsage(from: \"2026-09-01T00:00:00Z\", to: \"2026-09-02T00:00:00Z\") { skillId casts totalDamage } }",
            json!({}),
        )
        .await;
    assert_eq!(
        september["analyticsSkillUsage"],
        json!([{ "skillId": "fireball", "casts": 1, "totalDamage": 999 }])
    );
}

/// The default range is the last 30 days.
pub async fn ranges_default_to_the_last_30_days(store: Arc<dyn DocumentStore>) {
    let h = Harness::new(store);
    let now = Utc::now();
    let recent = envelope(
        "chaos.skill_cast",
        Some(Uuid::new_v4()),
        now - chrono::Duration::hours(1),
        json!({ "actorId": Uuid::new_v4(), "skillId": "fireball", "damage": 10 }),
    );
    let old = envelope(
        "chaos.skill_cast",
        Some(Uuid::new_v4()),
        now - chrono::Duration::days(40),
        json!({ "actorId": Uuid::new_v4(), "skillId": "fireball", "damage": 10 }),
    );
    for event in [&recent, &old] {
        assert!(h.ingest(topics::COMBAT, event).await);
    }
    let usage = h
        .admin_data("{ analyticsSkillUsage { skillId casts } }", json!({}))
        .await;
    assert_eq!(
        usage["analyticsSkillUsage"],
        json!([{ "skillId": "fireball", "casts": 1 }])
    );
    let active = h
        .admin_data(
            "{ analyticsActivePlayers(granularity: DAY) { activePlayers } }",
            json!({}),
        )
        .await;
    let total: i64 = active["analyticsActivePlayers"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|period| period["activePlayers"].as_i64().expect("a count"))
        .sum();
    assert_eq!(total, 1);
}

/// Players and anonymous callers read nothing; bad input is refused.
pub async fn only_admins_read_analytics(store: Arc<dyn DocumentStore>) {
    let h = Harness::new(store);
    let queries = [
        "{ analyticsActivePlayers(granularity: DAY) { period } }",
        "{ analyticsSkillUsage { skillId } }",
        "{ analyticsEconomy { sources { kind } } }",
        "{ analyticsMatchesPerMode { mode } }",
        "{ analyticsTopPlayers(metric: CASTS) { actorId } }",
        "{ analyticsEvents { edges { node { id } } } }",
    ];
    for query in queries {
        assert_code(&h.run(Some(&player()), query, json!({})).await, "FORBIDDEN");
        assert_code(&h.run(None, query, json!({})).await, "UNAUTHENTICATED");
    }
    for query in [
        "{ analyticsSkillUsage(from: \"2026-11-02T00:00:00Z\", to: \"2026-11-01T00:00:00Z\") { skillId } }",
        "{ analyticsSkillUsage(from: \"2024-01-01T00:00:00Z\", to: \"2026-01-01T00:00:00Z\") { skillId } }",
        "{ analyticsTopPlayers(metric: CASTS, first: 0) { actorId } }",
        "{ analyticsEvents(first: 500) { edges { node { id } } } }",
    ] {
        assert_code(
            &h.run(Some(&admin()), query, json!({})).await,
            "BAD_USER_INPUT",
        );
    }
}

subgraph_kit::on_every_document_store!("analytics";
    every_aggregate_reads_the_ingested_events,
    ranges_default_to_the_last_30_days,
    only_admins_read_analytics,
);
