//! `refundPurchase`: clawbacks capped by the balance, shortfalls, balanced books.

use serde_json::json;

use super::*;

async fn buy_gems(h: &Harness, buyer: &Viewer, product: &str) -> String {
    h.data(
        buyer,
        PURCHASE,
        json!({ "product": product, "receipt": receipt(product), "key": uuid::Uuid::new_v4().to_string() }),
    )
    .await["purchase"]["id"]
        .as_str()
        .expect("id")
        .to_string()
}

#[tokio::test]
async fn a_refund_claws_back_the_gems_and_keeps_the_books_balanced() {
    let h = Harness::new().await;
    let buyer = player();
    let purchase_id = buy_gems(&h, &buyer, "gems_100").await;
    let refunded =
        h.data(&admin(), REFUND, json!({ "id": purchase_id })).await["refundPurchase"].clone();
    assert_eq!(refunded["status"], "REFUNDED");
    assert!(refunded["refundedAt"].is_string());
    assert_eq!(
        refunded["clawback"],
        json!([{ "currency": "HARD", "amount": 100 }])
    );
    assert_eq!(refunded["shortfall"], json!([]));
    assert_eq!(h.balances(&buyer).await, (0, 0));
    h.assert_books_balance().await;

    let again = h
        .run(Some(&admin()), REFUND, json!({ "id": purchase_id }))
        .await;
    assert_code(&again, "ALREADY_REFUNDED");
    let refunded_events = h.events("payment.purchase_refunded").await;
    assert_eq!(refunded_events.len(), 1);
    assert_eq!(
        refunded_events[0].payload["clawback"],
        json!([{ "currency": "HARD", "amount": 100 }])
    );
    let latest = h
        .data(
            &buyer,
            "{ myWallet { entries(first: 1) { edges { node { amount balanceAfter reason } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        latest["myWallet"]["entries"]["edges"][0]["node"],
        json!({ "amount": -100, "balanceAfter": 0, "reason": "refund: chargeback" })
    );
}

#[tokio::test]
async fn a_refund_after_spending_records_the_shortfall() {
    let h = Harness::new().await;
    let buyer = player();
    let purchase_id = buy_gems(&h, &buyer, "gems_100").await;
    for i in 0..7 {
        h.data(
            &buyer,
            BUY,
            json!({ "product": "gold_pack", "key": format!("spend-{i}") }),
        )
        .await;
    }
    assert_eq!(h.balances(&buyer).await, (7000, 30));
    let refunded =
        h.data(&admin(), REFUND, json!({ "id": purchase_id })).await["refundPurchase"].clone();
    assert_eq!(
        refunded["clawback"],
        json!([{ "currency": "HARD", "amount": 30 }])
    );
    assert_eq!(
        refunded["shortfall"],
        json!([{ "currency": "HARD", "amount": 70 }])
    );
    assert_eq!(h.balances(&buyer).await, (7000, 0));
    h.assert_books_balance().await;
    let seen = h
        .data(
            &buyer,
            "query($id: ID!) { purchase(id: $id) { status shortfall { currency amount } } }",
            json!({ "id": purchase_id }),
        )
        .await;
    assert_eq!(seen["purchase"]["status"], "REFUNDED");
    assert_eq!(
        seen["purchase"]["shortfall"],
        json!([{ "currency": "HARD", "amount": 70 }])
    );
}

#[tokio::test]
async fn a_wallet_refund_returns_the_price_and_claws_back_what_is_left() {
    let h = Harness::new().await;
    let buyer = player();
    let actor = h.actor_of(&buyer);
    h.fund(&buyer, "HARD", 10).await;
    let purchase_id = h
        .data(
            &buyer,
            BUY,
            json!({ "product": "gold_pack", "key": "gold" }),
        )
        .await["buyProduct"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    h.fund(&buyer, "SOFT", 50).await;
    // 1050 gold, of which a 250-gold sword is bought: 800 left.
    h.data(
        &buyer,
        BUY,
        json!({ "product": "starter_sword", "actor": actor, "key": "sword" }),
    )
    .await;
    assert_eq!(h.balances(&buyer).await, (800, 0));
    let refunded =
        h.data(&admin(), REFUND, json!({ "id": purchase_id })).await["refundPurchase"].clone();
    assert_eq!(
        refunded["clawback"],
        json!([{ "currency": "SOFT", "amount": 800 }])
    );
    assert_eq!(
        refunded["shortfall"],
        json!([{ "currency": "SOFT", "amount": 200 }])
    );
    assert_eq!(h.balances(&buyer).await, (0, 10));
    h.assert_books_balance().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_refunds_refund_once() {
    let h = Arc::new(Harness::new().await);
    let buyer = player();
    let purchase_id = buy_gems(&h, &buyer, "gems_550").await;
    let calls = (0..8).map(|_| {
        let h = h.clone();
        let id = purchase_id.clone();
        tokio::spawn(async move { h.run(Some(&admin()), REFUND, json!({ "id": id })).await })
    });
    let mut refunded = 0;
    for response in futures_util::future::join_all(calls).await {
        let response = response.expect("the call completes");
        match code(&response).as_deref() {
            None => refunded += 1,
            Some(code) => assert_eq!(code, "ALREADY_REFUNDED"),
        }
    }
    assert_eq!(refunded, 1);
    assert_eq!(h.balances(&buyer).await, (0, 0));
    h.assert_books_balance().await;
}

#[tokio::test]
async fn only_admins_refund() {
    let h = Harness::new().await;
    let buyer = player();
    let purchase_id = buy_gems(&h, &buyer, "gems_100").await;
    let response = h
        .run(Some(&buyer), REFUND, json!({ "id": purchase_id }))
        .await;
    assert_code(&response, "FORBIDDEN");
    let missing = h
        .run(
            Some(&admin()),
            REFUND,
            json!({ "id": uuid::Uuid::new_v4() }),
        )
        .await;
    assert_code(&missing, "NOT_FOUND");
    assert_eq!(h.balances(&buyer).await, (0, 100));
}
