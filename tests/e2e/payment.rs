//! Payment through the router: Google Play-style signed receipts (verified offline with
//! the store's public key), the receipt replay guard, idempotent purchases, wallet
//! purchases whose items inventory delivers exactly once, and refunds that claw back
//! while the double-entry ledger keeps balancing to zero.

use serde_json::{json, Value};
use subgraph_kit::testing::GraphqlResponse;

use crate::helpers::{
    eventually, spawn_app, unique, Character, Player, TestApp, STORE, STORE_PACKAGE,
};

const PURCHASE: &str = "mutation($p: ID!, $a: ID, $d: String!, $s: String!, $k: String!) { purchase(productId: $p, actorId: $a, receipt: { provider: GOOGLE_PLAY, purchaseData: $d, signature: $s }, idempotencyKey: $k) { id status orderId replayed product { id } } }";
const BUY: &str = "mutation($p: ID!, $a: ID, $k: String!) { buyProduct(productId: $p, actorId: $a, idempotencyKey: $k) { id status replayed } }";
const WALLET: &str =
    "{ myWallet { soft hard entries(first: 20) { edges { node { currency amount reason } } } } }";
const REFUND: &str = "mutation($p: ID!) { refundPurchase(purchaseId: $p, reason: \"chargeback\") { status clawback { currency amount } shortfall { currency amount } } }";
const TRIAL_BALANCE: &str = "{ ledgerTrialBalance { currency amount } }";
const BAG: &str =
    "query($a: ID!) { actor(id: $a) { inventory { items { definitionId quantity } } } }";

/// A receipt for `product` as the store would hand it to the game client.
fn receipt(product: &str) -> (String, String) {
    let data = payment_subgraph::receipts::testing::TestStoreSigner::purchase_data(
        STORE_PACKAGE,
        product,
        &unique("GPA."),
        &unique("token-"),
    );
    let signature = STORE.sign(&data);
    (data, signature)
}

async fn purchase(
    app: &TestApp,
    player: &Player,
    product: &str,
    data: &str,
    signature: &str,
    key: &str,
) -> GraphqlResponse {
    app.client
        .as_user(
            &player.access_token,
            PURCHASE,
            json!({ "p": product, "d": data, "s": signature, "k": key }),
        )
        .await
}

async fn hard(app: &TestApp, player: &Player) -> i64 {
    let wallet = app
        .client
        .as_user(&player.access_token, WALLET, json!({}))
        .await;
    wallet.data()["myWallet"]["hard"].as_i64().expect("hard")
}

fn balanced(trial: &Value) -> bool {
    trial["ledgerTrialBalance"]
        .as_array()
        .expect("per currency")
        .iter()
        .all(|line| line["amount"] == 0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_receipt_is_redeemed_once() {
    let app = spawn_app().await;
    let player = app.new_player().await;
    let (data, signature) = receipt("gems_100");

    let first = purchase(&app, &player, "gems_100", &data, &signature, "buy-1").await;
    assert_eq!(first.data()["purchase"]["status"], "COMPLETED");
    assert_eq!(first.data()["purchase"]["replayed"], false);
    assert_eq!(hard(&app, &player).await, 100);

    // The same key again: the first purchase, nothing more credited.
    let replay = purchase(&app, &player, "gems_100", &data, &signature, "buy-1").await;
    assert_eq!(replay.data()["purchase"]["replayed"], true);
    assert_eq!(
        replay.data()["purchase"]["id"],
        first.data()["purchase"]["id"]
    );
    // The same receipt under a new key (or by another player): refused.
    purchase(&app, &player, "gems_100", &data, &signature, "buy-2")
        .await
        .assert_error_code("RECEIPT_ALREADY_USED");
    let thief = app.new_player().await;
    purchase(&app, &thief, "gems_100", &data, &signature, "buy-3")
        .await
        .assert_error_code("RECEIPT_ALREADY_USED");
    assert_eq!(hard(&app, &player).await, 100);
    assert_eq!(hard(&app, &thief).await, 0);

    // A forged signature, tampered data, or a receipt for another product.
    let (other, other_signature) = receipt("gems_100");
    purchase(&app, &player, "gems_100", &other, &signature, "bad-1")
        .await
        .assert_error_code("INVALID_RECEIPT");
    let tampered = other.replace("gems_100", "gems_550");
    purchase(
        &app,
        &player,
        "gems_550",
        &tampered,
        &other_signature,
        "bad-2",
    )
    .await
    .assert_error_code("INVALID_RECEIPT");
    purchase(&app, &player, "gems_550", &other, &other_signature, "bad-3")
        .await
        .assert_error_code("INVALID_RECEIPT");
    purchase(
        &app,
        &player,
        "gems_100",
        "not json",
        "bm90IGEgc2lnbmF0dXJl",
        "bad-4",
    )
    .await
    .assert_error_code("INVALID_RECEIPT");
    assert_eq!(hard(&app, &player).await, 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wallet_purchase_delivers_its_items_exactly_once() {
    let app = spawn_app().await;
    let buyer: Character = app.new_character("Buyer", "CLERIC").await;
    let (data, signature) = receipt("gems_100");
    purchase(
        &app,
        &buyer.player,
        "gems_100",
        &data,
        &signature,
        &unique("k"),
    )
    .await;

    let buy = || {
        app.client.as_user(
            &buyer.player.access_token,
            BUY,
            json!({ "p": "potion_bundle", "a": buyer.actor_id, "k": "bundle-1" }),
        )
    };
    let bought = buy().await;
    assert_eq!(bought.data()["buyProduct"]["status"], "COMPLETED");
    assert_eq!(buy().await.data()["buyProduct"]["replayed"], true);
    assert_eq!(hard(&app, &buyer.player).await, 70);

    // Inventory delivers the bundle from payment's event, once.
    let potions = || async {
        let bag = app
            .client
            .as_user(
                &buyer.player.access_token,
                BAG,
                json!({ "a": buyer.actor_id }),
            )
            .await;
        bag.data()["actor"]["inventory"]["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|item| item["definitionId"] == "health_potion")
            .map(|item| item["quantity"].as_i64().expect("quantity"))
            .sum::<i64>()
    };
    eventually("the bundle to arrive", || async {
        (potions().await >= 5).then_some(())
    })
    .await;
    // Another wallet purchase goes through the same partition after the first: once it
    // has arrived, a second delivery of the first would have too.
    app.client
        .as_user(
            &buyer.player.access_token,
            BUY,
            json!({ "p": "gold_pack", "a": buyer.actor_id, "k": "gold-1" }),
        )
        .await;
    assert_eq!(potions().await, 5);

    // Not enough currency: refused, nothing moves.
    for n in 0..3 {
        let response = app
            .client
            .as_user(
                &buyer.player.access_token,
                BUY,
                json!({ "p": "potion_bundle", "a": buyer.actor_id, "k": format!("more-{n}") }),
            )
            .await;
        if n == 2 {
            response.assert_error_code("INSUFFICIENT_FUNDS");
        }
    }
    assert_eq!(hard(&app, &buyer.player).await, 0);
    // Items need an actor of the buyer's.
    let stranger = app.new_character("Strange", "MAGE").await;
    app.client
        .as_user(
            &buyer.player.access_token,
            BUY,
            json!({ "p": "starter_sword", "a": stranger.actor_id, "k": "sword-1" }),
        )
        .await
        .assert_error_code("FORBIDDEN");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_claws_back_and_the_ledger_still_balances() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let player = app.new_player().await;
    let (data, signature) = receipt("gems_550");
    let bought = purchase(&app, &player, "gems_550", &data, &signature, "gems").await;
    let purchase_id = bought.data()["purchase"]["id"].clone();
    assert_eq!(hard(&app, &player).await, 550);
    let trial = app
        .client
        .as_user(&admin.access_token, TRIAL_BALANCE, json!({}))
        .await;
    assert!(balanced(trial.data()), "{:?}", trial.data());

    // Players cannot refund (the router refuses).
    app.client
        .as_user(&player.access_token, REFUND, json!({ "p": purchase_id }))
        .await
        .assert_error_code("FORBIDDEN");

    let refunded = app
        .client
        .as_user(&admin.access_token, REFUND, json!({ "p": purchase_id }))
        .await;
    let refund = &refunded.data()["refundPurchase"];
    assert_eq!(refund["status"], "REFUNDED");
    assert_eq!(
        refund["clawback"],
        json!([{ "currency": "HARD", "amount": 550 }])
    );
    assert_eq!(hard(&app, &player).await, 0);
    app.client
        .as_user(&admin.access_token, REFUND, json!({ "p": purchase_id }))
        .await
        .assert_error_code("ALREADY_REFUNDED");
    let trial = app
        .client
        .as_user(&admin.access_token, TRIAL_BALANCE, json!({}))
        .await;
    assert!(balanced(trial.data()), "{:?}", trial.data());
    let wallet = app
        .client
        .as_user(&player.access_token, WALLET, json!({}))
        .await;
    let amounts: Vec<i64> = wallet.data()["myWallet"]["entries"]["edges"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|edge| edge["node"]["amount"].as_i64().expect("amount"))
        .collect();
    assert_eq!(
        amounts,
        vec![-550, 550],
        "newest first: the clawback, then the credit"
    );
}
