//! Admin tools and read access: grants, other players' wallets, purchases, the
//! catalogue, paging.

use serde_json::json;

use super::*;

const GRANT: &str = "mutation($user: ID!, $amount: Int!, $key: String!) {
    grantCurrency(userId: $user, currency: SOFT, amount: $amount, reason: \"apology\", idempotencyKey: $key) { soft hard }
}";

#[tokio::test]
async fn grants_are_idempotent_and_admin_only() {
    let h = Harness::new().await;
    let admin = admin();
    let target = player();
    let variables = json!({ "user": target.user_id, "amount": 500, "key": "apology-1" });
    let first = h.data(&admin, GRANT, variables.clone()).await;
    assert_eq!(first["grantCurrency"], json!({ "soft": 500, "hard": 0 }));
    let replay = h.data(&admin, GRANT, variables).await;
    assert_eq!(replay["grantCurrency"], json!({ "soft": 500, "hard": 0 }));
    assert_eq!(h.events("payment.currency_granted").await.len(), 1);
    let reused = h
        .run(
            Some(&admin),
            GRANT,
            json!({ "user": target.user_id, "amount": 501, "key": "apology-1" }),
        )
        .await;
    assert_code(&reused, "IDEMPOTENCY_KEY_REUSED");
    for amount in [0, -5, 1_000_000_001] {
        let bad = h
            .run(
                Some(&admin),
                GRANT,
                json!({ "user": target.user_id, "amount": amount, "key": format!("bad-{amount}") }),
            )
            .await;
        assert_code(&bad, "BAD_USER_INPUT");
    }
    let by_player = h
        .run(
            Some(&target),
            GRANT,
            json!({ "user": target.user_id, "amount": 5, "key": "self" }),
        )
        .await;
    assert_code(&by_player, "FORBIDDEN");
    assert_eq!(h.balances(&target).await, (500, 0));
    let granted = &h.events("payment.currency_granted").await[0];
    assert_eq!(granted.payload["currency"], "SOFT");
    assert_eq!(granted.payload["amount"], 500);
    assert_eq!(granted.user_id, Some(admin.user_id));
    h.assert_books_balance().await;
}

#[tokio::test]
async fn wallets_and_purchases_are_private() {
    let h = Harness::new().await;
    let buyer = player();
    let stranger = player();
    let purchase_id = h
        .data(
            &buyer,
            PURCHASE,
            json!({ "product": "gems_100", "receipt": receipt("gems_100"), "key": "k" }),
        )
        .await["purchase"]["id"]
        .clone();
    let query = "query($id: ID!) { purchase(id: $id) { id } }";
    let own = h.data(&buyer, query, json!({ "id": purchase_id })).await;
    assert_eq!(own["purchase"]["id"], purchase_id);
    let theirs = h.data(&stranger, query, json!({ "id": purchase_id })).await;
    assert_eq!(theirs["purchase"], Value::Null);
    let by_admin = h.data(&admin(), query, json!({ "id": purchase_id })).await;
    assert_eq!(by_admin["purchase"]["id"], purchase_id);

    let wallet = "query($user: ID!) { wallet(userId: $user) { userId hard } }";
    let denied = h
        .run(Some(&stranger), wallet, json!({ "user": buyer.user_id }))
        .await;
    assert_code(&denied, "FORBIDDEN");
    let seen = h
        .data(&admin(), wallet, json!({ "user": buyer.user_id }))
        .await;
    assert_eq!(seen["wallet"]["hard"], 100);
    let trial = h
        .run(
            Some(&stranger),
            "{ ledgerTrialBalance { amount } }",
            json!({}),
        )
        .await;
    assert_code(&trial, "FORBIDDEN");
    let anonymous = h.run(None, "{ myWallet { hard } }", json!({})).await;
    assert_code(&anonymous, "UNAUTHENTICATED");
}

#[tokio::test]
async fn ledger_entries_page_newest_first() {
    let h = Harness::new().await;
    let target = player();
    for amount in 1..=5 {
        h.fund(&target, "SOFT", amount).await;
    }
    let page = "query($after: String) { myWallet { entries(first: 2, after: $after) {
        edges { cursor node { amount } } pageInfo { hasNextPage endCursor } } } }";
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let response = h.data(&target, page, json!({ "after": after })).await;
        let entries = &response["myWallet"]["entries"];
        for edge in entries["edges"].as_array().expect("edges") {
            seen.push(edge["node"]["amount"].as_i64().expect("amount"));
        }
        if entries["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = entries["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, vec![5, 4, 3, 2, 1]);
    let bad = h
        .run(Some(&target), page, json!({ "after": "garbage" }))
        .await;
    assert_code(&bad, "BAD_USER_INPUT");
}

#[tokio::test]
async fn the_catalogue_is_seeded_and_admins_change_it() {
    let h = Harness::new().await;
    let catalogue = h
        .run(
            None,
            "{ storeProducts { id kind price { currency amount } currencyGrants { currency amount }
               itemGrants { itemDefinitionId quantity } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data(catalogue)["storeProducts"],
        json!([
            { "id": "gems_100", "kind": "STORE_RECEIPT", "price": null,
              "currencyGrants": [{ "currency": "HARD", "amount": 100 }], "itemGrants": [] },
            { "id": "gems_550", "kind": "STORE_RECEIPT", "price": null,
              "currencyGrants": [{ "currency": "HARD", "amount": 550 }], "itemGrants": [] },
            { "id": "gold_pack", "kind": "WALLET", "price": { "currency": "HARD", "amount": 10 },
              "currencyGrants": [{ "currency": "SOFT", "amount": 1000 }], "itemGrants": [] },
            { "id": "potion_bundle", "kind": "WALLET", "price": { "currency": "HARD", "amount": 30 },
              "currencyGrants": [], "itemGrants": [{ "itemDefinitionId": "health_potion", "quantity": 5 }] },
            { "id": "starter_sword", "kind": "WALLET", "price": { "currency": "SOFT", "amount": 250 },
              "currencyGrants": [], "itemGrants": [{ "itemDefinitionId": "iron_sword", "quantity": 1 }] },
        ])
    );
    let upsert = "mutation($input: StoreProductInput!) { upsertStoreProduct(input: $input) {
        id name price { amount } currencyGrants { amount } } }";
    let price_change = json!({ "input": {
        "id": "gold_pack", "name": "Big Gold Pack", "kind": "WALLET",
        "price": { "currency": "HARD", "amount": 12 },
        "currencyGrants": [{ "currency": "SOFT", "amount": 1500 }],
    } });
    let by_player = h.run(Some(&player()), upsert, price_change.clone()).await;
    assert_code(&by_player, "FORBIDDEN");
    let changed = h.data(&admin(), upsert, price_change).await;
    assert_eq!(
        changed["upsertStoreProduct"],
        json!({ "id": "gold_pack", "name": "Big Gold Pack", "price": { "amount": 12 },
                "currencyGrants": [{ "amount": 1500 }] })
    );
    for bad in [
        json!({ "id": "Bad Id", "name": "x", "kind": "WALLET", "price": { "currency": "HARD", "amount": 1 },
                "currencyGrants": [{ "currency": "SOFT", "amount": 1 }] }),
        json!({ "id": "free", "name": "Free", "kind": "WALLET",
                "currencyGrants": [{ "currency": "SOFT", "amount": 1 }] }),
        json!({ "id": "neg", "name": "Neg", "kind": "WALLET", "price": { "currency": "HARD", "amount": 1 },
                "currencyGrants": [{ "currency": "SOFT", "amount": -1 }] }),
        json!({ "id": "empty", "name": "Empty", "kind": "STORE_RECEIPT" }),
        json!({ "id": "priced", "name": "Priced", "kind": "STORE_RECEIPT",
                "price": { "currency": "HARD", "amount": 1 },
                "currencyGrants": [{ "currency": "HARD", "amount": 1 }] }),
    ] {
        let response = h.run(Some(&admin()), upsert, json!({ "input": bad })).await;
        assert_code(&response, "BAD_USER_INPUT");
    }
    let entity = h
        .run(
            None,
            "{ _entities(representations: [{ __typename: \"StoreProduct\", id: \"gems_100\" }]) {
                ... on StoreProduct { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(data(entity)["_entities"], json!([{ "name": "100 Gems" }]));
}

#[test]
fn the_sdl_keeps_the_contract_names() {
    let sdl = subgraph_kit::sdl::federated_sdl(&crate::schema(None));
    for expected in [
        "type StoreProduct @key(fields: \"id\")",
        "myWallet: Wallet! @authenticated",
        "type LedgerEntryPage",
        "type PurchasePage",
        "myPurchases(first: Int, after: String): PurchasePage! @authenticated",
        "ledgerTrialBalance: [CurrencyAmount!]! @requiresScopes(scopes: [[\"admin\"]])",
        "purchase(productId: ID!, actorId: ID, receipt: ReceiptInput!, idempotencyKey: String!): Purchase! @authenticated",
        "buyProduct(productId: ID!, actorId: ID, idempotencyKey: String!): Purchase! @authenticated",
        "refundPurchase(purchaseId: ID!, reason: String!): Purchase! @requiresScopes(scopes: [[\"admin\"]])",
        "enum StoreProvider",
        "type ProductItemGrant {",
        "itemGrants: [ProductItemGrant!]!",
        "GOOGLE_PLAY",
    ] {
        assert!(sdl.contains(expected), "missing `{expected}` in:\n{sdl}");
    }
}
