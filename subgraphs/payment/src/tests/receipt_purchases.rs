//! `purchase` with Google Play receipts: crediting, verification, the replay guard and
//! idempotency.

use serde_json::json;

use super::*;

#[tokio::test]
async fn a_valid_receipt_credits_gems_and_emits_events() {
    let h = Harness::new().await;
    let buyer = player();
    let purchase = h
        .data(
            &buyer,
            PURCHASE,
            json!({ "product": "gems_100", "receipt": receipt("gems_100"), "key": "k1" }),
        )
        .await["purchase"]
        .clone();
    assert_eq!(purchase["status"], "COMPLETED");
    assert_eq!(purchase["provider"], "GOOGLE_PLAY");
    assert_eq!(purchase["replayed"], false);
    assert_eq!(purchase["userId"], buyer.user_id.to_string());
    assert_eq!(
        purchase["product"],
        json!({ "id": "gems_100", "kind": "STORE_RECEIPT" })
    );
    assert!(purchase["orderId"]
        .as_str()
        .expect("order id")
        .starts_with("GPA."));
    assert_eq!(h.balances(&buyer).await, (0, 100));

    let wallet = h
        .data(
            &buyer,
            "{ myWallet { entries { edges { node { currency amount balanceAfter reason reference } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        wallet["myWallet"]["entries"]["edges"][0]["node"],
        json!({
            "currency": "HARD", "amount": 100, "balanceAfter": 100,
            "reason": "purchase of 100 Gems",
            "reference": format!("purchase:{}", purchase["id"].as_str().expect("id")),
        })
    );
    h.assert_books_balance().await;

    let completed = h.events("payment.purchase_completed").await;
    assert_eq!(completed.len(), 1);
    assert_eq!(completed[0].aggregate_id, buyer.user_id.to_string());
    assert_eq!(completed[0].user_id, Some(buyer.user_id));
    assert_eq!(completed[0].payload["productId"], "gems_100");
    assert_eq!(
        completed[0].payload["granted"],
        json!([{ "currency": "HARD", "amount": 100 }])
    );
    assert!(
        h.events("payment.grant_items").await.is_empty(),
        "gems grant no items"
    );

    let mine = h
        .data(
            &buyer,
            "{ myPurchases { edges { node { id product { name } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        mine["myPurchases"]["edges"][0]["node"]["id"],
        purchase["id"]
    );
    assert_eq!(
        mine["myPurchases"]["edges"][0]["node"]["product"]["name"],
        "100 Gems"
    );
}

#[tokio::test]
async fn forged_or_mismatched_receipts_are_invalid() {
    let h = Harness::new().await;
    let buyer = player();
    let data = TestStoreSigner::purchase_data(PACKAGE, "gems_100", "GPA.1", "tok-forged");
    let mut bad_signature = signed(&data);
    bad_signature["signature"] = json!(TestStoreSigner::generate().sign(&data));
    let mut tampered = signed(&data);
    tampered["purchaseData"] = json!(data.replace("tok-forged", "tok-other"));
    let mut not_base64 = signed(&data);
    not_base64["signature"] = json!("%%%");
    let other_app = signed(&TestStoreSigner::purchase_data(
        "com.other.game",
        "gems_100",
        "GPA.2",
        "tok-2",
    ));
    let other_product = receipt("gems_550");
    let not_json = signed("not json");
    for (i, bad) in [
        bad_signature,
        tampered,
        not_base64,
        other_app,
        other_product,
        not_json,
    ]
    .into_iter()
    .enumerate()
    {
        let response = h
            .run(
                Some(&buyer),
                PURCHASE,
                json!({ "product": "gems_100", "receipt": bad, "key": format!("bad-{i}") }),
            )
            .await;
        assert_code(&response, "INVALID_RECEIPT");
    }
    assert_eq!(h.balances(&buyer).await, (0, 0));
    assert!(h.events("payment.purchase_completed").await.is_empty());
}

#[tokio::test]
async fn without_a_configured_store_receipts_are_refused() {
    let h = Harness::without_store().await;
    let response = h
        .run(
            Some(&player()),
            PURCHASE,
            json!({ "product": "gems_100", "receipt": receipt("gems_100"), "key": "k" }),
        )
        .await;
    assert_code(&response, "STORE_NOT_CONFIGURED");
}

#[tokio::test]
async fn a_receipt_redeems_once() {
    let h = Harness::new().await;
    let buyer = player();
    let receipt = receipt("gems_100");
    h.data(
        &buyer,
        PURCHASE,
        json!({ "product": "gems_100", "receipt": receipt, "key": "first" }),
    )
    .await;
    let again = h
        .run(
            Some(&buyer),
            PURCHASE,
            json!({ "product": "gems_100", "receipt": receipt, "key": "second" }),
        )
        .await;
    assert_code(&again, "RECEIPT_ALREADY_USED");
    let someone_else = h
        .run(
            Some(&player()),
            PURCHASE,
            json!({ "product": "gems_100", "receipt": receipt, "key": "first" }),
        )
        .await;
    assert_code(&someone_else, "RECEIPT_ALREADY_USED");
    assert_eq!(h.balances(&buyer).await, (0, 100));
    h.assert_books_balance().await;
}

#[tokio::test]
async fn replaying_a_key_returns_the_first_purchase_and_moves_nothing() {
    let h = Harness::new().await;
    let buyer = player();
    let receipt = receipt("gems_550");
    let variables = json!({ "product": "gems_550", "receipt": receipt, "key": "once" });
    let first = h.data(&buyer, PURCHASE, variables.clone()).await["purchase"].clone();
    let replay = h.data(&buyer, PURCHASE, variables).await["purchase"].clone();
    assert_eq!(replay["id"], first["id"]);
    assert_eq!(replay["replayed"], true);
    assert_eq!(h.balances(&buyer).await, (0, 550));
    assert_eq!(h.events("payment.purchase_completed").await.len(), 1);

    let reused = h
        .run(
            Some(&buyer),
            PURCHASE,
            json!({ "product": "gems_100", "receipt": super::receipt("gems_100"), "key": "once" }),
        )
        .await;
    assert_code(&reused, "IDEMPOTENCY_KEY_REUSED");
    // Keys are per player: another player's "once" is theirs.
    let other = player();
    h.data(
        &other,
        PURCHASE,
        json!({ "product": "gems_100", "receipt": super::receipt("gems_100"), "key": "once" }),
    )
    .await;
    assert_eq!(h.balances(&other).await, (0, 100));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_redemptions_of_one_receipt_credit_once() {
    let h = Arc::new(Harness::new().await);
    let buyer = player();
    let receipt = receipt("gems_100");
    // Ten calls with distinct keys and ten with one shared key, all at once.
    let calls = (0..20).map(|i| {
        let h = h.clone();
        let buyer = buyer.clone();
        let key = if i % 2 == 0 {
            format!("distinct-{i}")
        } else {
            "shared".to_string()
        };
        let variables = json!({ "product": "gems_100", "receipt": receipt, "key": key });
        tokio::spawn(async move { h.run(Some(&buyer), PURCHASE, variables).await })
    });
    let responses = futures_util::future::join_all(calls).await;
    let mut ids = std::collections::HashSet::new();
    for response in responses {
        let response = response.expect("the call completes");
        match code(&response) {
            None => {
                let purchase = data(response)["purchase"].clone();
                ids.insert(purchase["id"].as_str().expect("id").to_string());
            }
            Some(code) => assert_eq!(code, "RECEIPT_ALREADY_USED", "{:?}", response.errors),
        }
    }
    assert_eq!(ids.len(), 1, "every success is the one purchase");
    assert_eq!(h.balances(&buyer).await, (0, 100));
    assert_eq!(h.events("payment.purchase_completed").await.len(), 1);
    h.assert_books_balance().await;
}

#[tokio::test]
async fn receipt_items_need_an_actor_and_arrive_once() {
    let h = Harness::new().await;
    let admin = admin();
    h.data(
        &admin,
        "mutation($input: StoreProductInput!) { upsertStoreProduct(input: $input) { id } }",
        json!({ "input": {
            "id": "starter_pack", "name": "Starter Pack", "kind": "STORE_RECEIPT",
            "currencyGrants": [{ "currency": "HARD", "amount": 50 }],
            "itemGrants": [{ "itemDefinitionId": "iron_sword", "quantity": 1 }],
        } }),
    )
    .await;
    let buyer = player();
    let without_actor = h
        .run(
            Some(&buyer),
            PURCHASE,
            json!({ "product": "starter_pack", "receipt": receipt("starter_pack"), "key": "a" }),
        )
        .await;
    assert_code(&without_actor, "ACTOR_REQUIRED");
    let actor = h.actor_of(&buyer);
    let variables = json!({
        "product": "starter_pack", "actor": actor,
        "receipt": receipt("starter_pack"), "key": "b",
    });
    let purchase = h.data(&buyer, PURCHASE, variables.clone()).await["purchase"].clone();
    assert_eq!(purchase["actorId"], actor.to_string());
    h.data(&buyer, PURCHASE, variables).await;
    let grants = h.events("payment.grant_items").await;
    assert_eq!(grants.len(), 1, "one delivery however often it is replayed");
    assert_eq!(
        grants[0].payload,
        json!({
            "grantId": format!("purchase:{}", purchase["id"].as_str().expect("id")),
            "actorId": actor,
            "items": [{ "definitionId": "iron_sword", "quantity": 1 }],
        })
    );
    assert_eq!(h.balances(&buyer).await, (0, 50));
}

#[tokio::test]
async fn receipts_buy_only_store_products() {
    let h = Harness::new().await;
    let buyer = player();
    let actor = h.actor_of(&buyer);
    let wallet_product = h
        .run(
            Some(&buyer),
            PURCHASE,
            json!({ "product": "potion_bundle", "actor": actor,
                    "receipt": receipt("potion_bundle"), "key": "w" }),
        )
        .await;
    assert_code(&wallet_product, "PRODUCT_NOT_FOR_SALE");
    let unknown = h
        .run(
            Some(&buyer),
            PURCHASE,
            json!({ "product": "gems_9000", "receipt": receipt("gems_9000"), "key": "u" }),
        )
        .await;
    assert_code(&unknown, "PRODUCT_NOT_FOUND");
    let anonymous = h
        .run(
            None,
            PURCHASE,
            json!({ "product": "gems_100", "receipt": receipt("gems_100"), "key": "x" }),
        )
        .await;
    assert_code(&anonymous, "UNAUTHENTICATED");
    let blank_key = h
        .run(
            Some(&buyer),
            PURCHASE,
            json!({ "product": "gems_100", "receipt": receipt("gems_100"), "key": "  " }),
        )
        .await;
    assert_code(&blank_key, "BAD_USER_INPUT");
}
