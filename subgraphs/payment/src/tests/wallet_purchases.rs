//! `buyProduct`: paying with wallet currency, never below zero, items delivered once.

use serde_json::json;

use super::*;

#[tokio::test]
async fn buying_moves_the_price_to_the_store_and_issues_the_grant() {
    let h = Harness::new().await;
    let buyer = player();
    h.fund(&buyer, "HARD", 25).await;
    let purchase = h
        .data(&buyer, BUY, json!({ "product": "gold_pack", "key": "g1" }))
        .await["buyProduct"]
        .clone();
    assert_eq!(purchase["provider"], "WALLET");
    assert_eq!(
        purchase["paid"],
        json!([{ "currency": "HARD", "amount": 10 }])
    );
    assert_eq!(h.balances(&buyer).await, (1000, 15));
    let entries = h
        .data(
            &buyer,
            "{ myWallet { entries(first: 10) { edges { node { currency amount balanceAfter } } } } }",
            json!({}),
        )
        .await;
    let nodes: Vec<Value> = entries["myWallet"]["entries"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| edge["node"].clone())
        .collect();
    assert!(nodes.contains(&json!({ "currency": "HARD", "amount": -10, "balanceAfter": 15 })));
    assert!(nodes.contains(&json!({ "currency": "SOFT", "amount": 1000, "balanceAfter": 1000 })));
    assert!(nodes.contains(&json!({ "currency": "HARD", "amount": 25, "balanceAfter": 25 })));
    h.assert_books_balance().await;
}

#[tokio::test]
async fn a_wallet_without_funds_buys_nothing() {
    let h = Harness::new().await;
    let buyer = player();
    h.fund(&buyer, "HARD", 5).await;
    let response = h
        .run(
            Some(&buyer),
            BUY,
            json!({ "product": "gold_pack", "key": "poor" }),
        )
        .await;
    assert_code(&response, "INSUFFICIENT_FUNDS");
    assert_eq!(h.balances(&buyer).await, (0, 5));
    // Nothing was written, so the same key works once the wallet is topped up.
    h.fund(&buyer, "HARD", 5).await;
    let retried = h
        .data(
            &buyer,
            BUY,
            json!({ "product": "gold_pack", "key": "poor" }),
        )
        .await;
    assert_eq!(retried["buyProduct"]["replayed"], false);
    assert_eq!(h.balances(&buyer).await, (1000, 0));
    let mine = h
        .data(
            &buyer,
            "{ myPurchases { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        mine["myPurchases"]["edges"].as_array().map(Vec::len),
        Some(1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_purchases_never_overdraw() {
    let h = Arc::new(Harness::new().await);
    let buyer = player();
    // 95 gems buy nine 10-gem gold packs.
    h.fund(&buyer, "HARD", 95).await;
    let calls = (0..50).map(|i| {
        let h = h.clone();
        let buyer = buyer.clone();
        tokio::spawn(async move {
            h.run(
                Some(&buyer),
                BUY,
                json!({ "product": "gold_pack", "key": format!("rush-{i}") }),
            )
            .await
        })
    });
    let mut succeeded = 0;
    let mut refused = 0;
    for response in futures_util::future::join_all(calls).await {
        let response = response.expect("the call completes");
        match code(&response).as_deref() {
            None => succeeded += 1,
            Some("INSUFFICIENT_FUNDS") => refused += 1,
            Some(other) => panic!("unexpected {other}: {:?}", response.errors),
        }
    }
    assert_eq!((succeeded, refused), (9, 41));
    assert_eq!(h.balances(&buyer).await, (9000, 5));
    assert_eq!(h.events("payment.purchase_completed").await.len(), 9);
    h.assert_books_balance().await;
    let entries = h
        .data(
            &buyer,
            "{ myWallet { entries(first: 100) { edges { node { currency balanceAfter } } } } }",
            json!({}),
        )
        .await;
    for edge in entries["myWallet"]["entries"]["edges"]
        .as_array()
        .expect("edges")
    {
        assert!(edge["node"]["balanceAfter"].as_i64().expect("balance") >= 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn item_deliveries_are_emitted_once_per_purchase_even_under_replays() {
    let h = Arc::new(Harness::new().await);
    let buyer = player();
    let actor = h.actor_of(&buyer);
    h.fund(&buyer, "HARD", 60).await;
    let mut purchase_ids = std::collections::HashSet::new();
    for key in ["potions-1", "potions-2"] {
        // Each key sent five times at once, then twice more.
        let calls = (0..5).map(|_| {
            let h = h.clone();
            let buyer = buyer.clone();
            let variables = json!({ "product": "potion_bundle", "actor": actor, "key": key });
            tokio::spawn(async move { h.run(Some(&buyer), BUY, variables).await })
        });
        for response in futures_util::future::join_all(calls).await {
            let purchase = data(response.expect("the call completes"))["buyProduct"].clone();
            purchase_ids.insert(purchase["id"].as_str().expect("id").to_string());
        }
        for _ in 0..2 {
            let replay = h
                .data(
                    &buyer,
                    BUY,
                    json!({ "product": "potion_bundle", "actor": actor, "key": key }),
                )
                .await;
            assert_eq!(replay["buyProduct"]["replayed"], true);
        }
    }
    assert_eq!(purchase_ids.len(), 2);
    assert_eq!(h.balances(&buyer).await, (0, 0));
    let grants = h.events("payment.grant_items").await;
    assert_eq!(grants.len(), 2, "one grant_items per purchase");
    let mut grant_ids: Vec<String> = grants
        .iter()
        .map(|event| {
            event.payload["grantId"]
                .as_str()
                .expect("grantId")
                .to_string()
        })
        .collect();
    grant_ids.sort();
    let mut expected: Vec<String> = purchase_ids
        .iter()
        .map(|id| format!("purchase:{id}"))
        .collect();
    expected.sort();
    assert_eq!(grant_ids, expected);
    for grant in &grants {
        assert_eq!(grant.event_type, "payment.grant_items");
        assert_eq!(grant.aggregate_id, buyer.user_id.to_string());
        assert_eq!(grant.payload["actorId"], actor.to_string());
        assert_eq!(
            grant.payload["items"],
            json!([{ "definitionId": "health_potion", "quantity": 5 }])
        );
    }
}

#[tokio::test]
async fn items_go_only_to_the_buyers_own_actor() {
    let h = Harness::new().await;
    let buyer = player();
    h.fund(&buyer, "HARD", 100).await;
    let no_actor = h
        .run(
            Some(&buyer),
            BUY,
            json!({ "product": "potion_bundle", "key": "a" }),
        )
        .await;
    assert_code(&no_actor, "ACTOR_REQUIRED");
    let someone_elses = h.actor_of(&player());
    let foreign = h
        .run(
            Some(&buyer),
            BUY,
            json!({ "product": "potion_bundle", "actor": someone_elses, "key": "b" }),
        )
        .await;
    assert_code(&foreign, "FORBIDDEN");
    let missing = h
        .run(
            Some(&buyer),
            BUY,
            json!({ "product": "potion_bundle", "actor": uuid::Uuid::new_v4(), "key": "c" }),
        )
        .await;
    assert_code(&missing, "NOT_FOUND");
    assert_eq!(h.balances(&buyer).await, (0, 100));
}

#[tokio::test]
async fn only_active_wallet_products_are_for_sale() {
    let h = Harness::new().await;
    let buyer = player();
    h.fund(&buyer, "HARD", 100).await;
    let store_product = h
        .run(
            Some(&buyer),
            BUY,
            json!({ "product": "gems_100", "key": "a" }),
        )
        .await;
    assert_code(&store_product, "PRODUCT_NOT_FOR_SALE");
    h.data(
        &admin(),
        "mutation($input: StoreProductInput!) { upsertStoreProduct(input: $input) { active } }",
        json!({ "input": {
            "id": "gold_pack", "name": "Gold Pack", "kind": "WALLET",
            "price": { "currency": "HARD", "amount": 10 },
            "currencyGrants": [{ "currency": "SOFT", "amount": 1000 }],
            "active": false,
        } }),
    )
    .await;
    let inactive = h
        .run(
            Some(&buyer),
            BUY,
            json!({ "product": "gold_pack", "key": "b" }),
        )
        .await;
    assert_code(&inactive, "PRODUCT_NOT_FOR_SALE");
    let unknown = h
        .run(Some(&buyer), BUY, json!({ "product": "nope", "key": "c" }))
        .await;
    assert_code(&unknown, "PRODUCT_NOT_FOUND");
    let listed = h.data(&buyer, "{ storeProducts { id } }", json!({})).await;
    assert_eq!(
        listed["storeProducts"],
        json!([{ "id": "gems_100" }, { "id": "gems_550" }, { "id": "potion_bundle" }, { "id": "starter_sword" }])
    );
    assert_eq!(h.balances(&buyer).await, (0, 100));
}
