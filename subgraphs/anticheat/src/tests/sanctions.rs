//! Sanctions: operators only, input rules, idempotency, users unreachable (pending,
//! retried), lifting; and once against the real users app on a local port.

use std::sync::atomic::Ordering;

use serde_json::json;
use subgraph_kit::sanctions::{SanctionBoard, Until};
use subgraph_kit::secret::Secret;
use subgraph_kit::testing::GraphqlClient;

use super::*;
use crate::peers::UsersService;

const SANCTION: &str = "mutation($user: ID!, $kind: SanctionKind!, $duration: Int, $key: String!) {
    sanctionPlayer(userId: $user, kind: $kind, reason: \"speed hacking\", durationSeconds: $duration,
                   idempotencyKey: $key) {
        id userId kind durationSeconds until status replayed
    }
}";

const LIFT: &str = "mutation($id: ID!) { liftSanction(sanctionId: $id) { id status liftedAt } }";

fn vars(user: Uuid, kind: &str, duration: Option<i64>, key: &str) -> Value {
    json!({ "user": user, "kind": kind, "duration": duration, "key": key })
}

#[tokio::test]
async fn players_cannot_sanction_lift_or_look() {
    let h = Harness::new().await;
    let me = player();
    let target = Uuid::new_v4();
    let sanction = h
        .run(Some(&me), SANCTION, vars(target, "MUTE", Some(60), "k"))
        .await;
    assert_code(&sanction, "FORBIDDEN");
    let lift = h
        .run(Some(&me), LIFT, json!({ "id": Uuid::new_v4() }))
        .await;
    assert_code(&lift, "FORBIDDEN");
    for query in [
        "{ anticheatFlags { edges { node { id } } } }",
        "{ playerReports { edges { node { id } } } }",
    ] {
        assert_code(&h.run(Some(&me), query, json!({})).await, "FORBIDDEN");
    }
    let listed = h
        .run(
            Some(&me),
            "query($u: ID!) { sanctions(userId: $u) { id } }",
            json!({ "u": target }),
        )
        .await;
    assert_code(&listed, "FORBIDDEN");
    assert_code(
        &h.run(None, SANCTION, vars(target, "MUTE", Some(60), "k"))
            .await,
        "UNAUTHENTICATED",
    );
    assert!(h.accounts.calls().is_empty());
}

#[tokio::test]
async fn durations_must_fit_the_kind() {
    let h = Harness::new().await;
    let admin = admin();
    let target = Uuid::new_v4();
    for (kind, duration) in [
        ("MUTE", None),
        ("TEMPORARY_BAN", None),
        ("PERMANENT_BAN", Some(60)),
        ("TEMPORARY_BAN", Some(0)),
        ("MUTE", Some(-5)),
    ] {
        let refused = h
            .run(
                Some(&admin),
                SANCTION,
                vars(target, kind, duration, &format!("{kind}{duration:?}")),
            )
            .await;
        assert_code(&refused, "INVALID_SANCTION");
    }
    assert!(h.accounts.calls().is_empty());
}

#[tokio::test]
async fn a_sanction_is_applied_once_and_lifted() {
    let h = Harness::new().await;
    let admin = admin();
    let target = Uuid::new_v4();
    let placed = h
        .data(
            &admin,
            SANCTION,
            vars(target, "TEMPORARY_BAN", Some(3600), "ban-1"),
        )
        .await;
    let sanction = &placed["sanctionPlayer"];
    assert_eq!(sanction["status"], "ACTIVE");
    assert_eq!(sanction["replayed"], false);
    assert_eq!(sanction["kind"], "TEMPORARY_BAN");
    assert!(sanction["until"].is_string());
    let id: Uuid = sanction["id"]
        .as_str()
        .expect("an id")
        .parse()
        .expect("a uuid");
    let replay = h
        .data(
            &admin,
            SANCTION,
            vars(target, "TEMPORARY_BAN", Some(3600), "ban-1"),
        )
        .await;
    assert_eq!(replay["sanctionPlayer"]["replayed"], true);
    assert_eq!(replay["sanctionPlayer"]["id"], sanction["id"]);
    let reused = h
        .run(
            Some(&admin),
            SANCTION,
            vars(target, "MUTE", Some(60), "ban-1"),
        )
        .await;
    assert_code(&reused, "IDEMPOTENCY_KEY_REUSED");
    let calls = h.accounts.calls();
    assert_eq!(calls.len(), 1, "users is asked once: {calls:?}");
    assert!(
        matches!(calls[0], AccountCall::Apply(sid, uid, AccountSanction::Ban, Some(_)) if sid == id && uid == target)
    );
    let applied = h.events("anticheat.sanction_applied").await;
    assert_eq!(applied.len(), 1);
    assert_eq!(applied[0].aggregate_id, target.to_string());
    assert_eq!(applied[0].payload["sanctionId"], json!(id));
    assert_eq!(applied[0].payload["kind"], "TEMPORARY_BAN");
    assert_eq!(applied[0].payload["reason"], "speed hacking");
    assert!(applied[0].payload["until"].is_string());

    let permanent = h
        .data(
            &admin,
            SANCTION,
            vars(target, "PERMANENT_BAN", None, "ban-2"),
        )
        .await;
    assert_eq!(permanent["sanctionPlayer"]["until"], Value::Null);
    let lifted = h.data(&admin, LIFT, json!({ "id": id })).await;
    assert_eq!(lifted["liftSanction"]["status"], "LIFTED");
    assert!(lifted["liftSanction"]["liftedAt"].is_string());
    let listed = h
        .data(
            &admin,
            "query($u: ID!) { sanctions(userId: $u) { id status } }",
            json!({ "u": target }),
        )
        .await;
    let statuses: Vec<&str> = listed["sanctions"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|s| s["status"].as_str().expect("a status"))
        .collect();
    assert_eq!(statuses, ["LIFTED", "LIFTED"], "the whole ban is lifted");
    assert_eq!(h.events("anticheat.sanction_lifted").await.len(), 1);
    assert_eq!(
        h.accounts.calls().last(),
        Some(&AccountCall::Lift(target, AccountSanction::Ban))
    );
    let again = h.data(&admin, LIFT, json!({ "id": id })).await;
    assert_eq!(again["liftSanction"]["status"], "LIFTED");
}

#[tokio::test]
async fn an_unreachable_users_service_leaves_the_sanction_pending_until_retried() {
    let h = Harness::new().await;
    let admin = admin();
    let target = Uuid::new_v4();
    h.accounts.up.store(false, Ordering::SeqCst);
    let failed = h
        .run(
            Some(&admin),
            SANCTION,
            vars(target, "MUTE", Some(600), "mute-1"),
        )
        .await;
    assert_code(&failed, "SANCTION_NOT_APPLIED");
    let listed = h
        .data(
            &admin,
            "query($u: ID!) { sanctions(userId: $u) { id status } }",
            json!({ "u": target }),
        )
        .await;
    assert_eq!(listed["sanctions"][0]["status"], "PENDING");
    assert!(h.events("anticheat.sanction_applied").await.is_empty());
    let lift = h
        .run(
            Some(&admin),
            LIFT,
            json!({ "id": listed["sanctions"][0]["id"] }),
        )
        .await;
    assert_code(&lift, "SANCTION_NOT_APPLIED");

    // Users is back: a replay of the command finishes it under the same id.
    h.accounts.up.store(true, Ordering::SeqCst);
    let replay = h
        .data(&admin, SANCTION, vars(target, "MUTE", Some(600), "mute-1"))
        .await;
    assert_eq!(replay["sanctionPlayer"]["status"], "ACTIVE");
    assert_eq!(replay["sanctionPlayer"]["id"], listed["sanctions"][0]["id"]);
    assert_eq!(h.events("anticheat.sanction_applied").await.len(), 1);

    // Or the background retry does.
    h.accounts.up.store(false, Ordering::SeqCst);
    let other = Uuid::new_v4();
    let failed = h
        .run(
            Some(&admin),
            SANCTION,
            vars(other, "TEMPORARY_BAN", Some(60), "ban-x"),
        )
        .await;
    assert_code(&failed, "SANCTION_NOT_APPLIED");
    h.accounts.up.store(true, Ordering::SeqCst);
    use sea_orm::{ColumnTrait, QueryFilter};
    entities::anticheat::sanction::Entity::update_many()
        .col_expr(
            entities::anticheat::sanction::Column::CreatedAt,
            sea_orm::sea_query::Expr::value(Utc::now() - chrono::Duration::minutes(1)),
        )
        .filter(entities::anticheat::sanction::Column::UserId.eq(other))
        .exec(&h.db)
        .await
        .expect("ages the pending sanction");
    assert_eq!(h.sanctions.retry_pending().await.expect("retries"), 1);
    assert_eq!(h.events("anticheat.sanction_applied").await.len(), 2);

    // A refusal (unknown account) records nothing.
    let ghost = Uuid::new_v4();
    h.accounts.unknown.lock().expect("not poisoned").push(ghost);
    let refused = h
        .run(
            Some(&admin),
            SANCTION,
            vars(ghost, "PERMANENT_BAN", None, "ghost"),
        )
        .await;
    assert_code(&refused, "NOT_FOUND");
    let none = h
        .data(
            &admin,
            "query($u: ID!) { sanctions(userId: $u) { id } }",
            json!({ "u": ghost }),
        )
        .await;
    assert_eq!(none["sanctions"], json!([]));
}

/// The real users app on a local port: the internal mutation contract, end to end.
#[tokio::test]
async fn the_users_service_bans_the_account_for_real() {
    const TOKEN: &str = "anticheat-test-internal";
    let mut settings: users_subgraph::UsersSettings = serde_json::from_value(json!({
        "server": { "listen": "127.0.0.1:0" },
        "database": { "url": "sqlite::memory:" },
    }))
    .expect("minimal users settings parse");
    settings.database = TestDatabase::create("users").await.settings;
    settings.peers.internal_token = Some(Secret::new(TOKEN.to_string()));
    let board = SanctionBoard::in_process();
    let keys = Arc::new(users_subgraph::SigningKeys::generate().expect("a key"));
    let users = users_subgraph::app_with_sanctions(settings, keys, board.clone())
        .await
        .expect("users starts");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let url = format!(
        "http://{}/graphql",
        listener.local_addr().expect("an address")
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(subgraph_kit::server::serve(listener, users, async {
        let _ = stopped.await;
    }));
    let client = GraphqlClient::new(url.clone());
    let registered = client
        .request(
            "mutation { register(username: \"cheater\", email: \"cheater@chaos.test\", password: \"correct horse\") { id } }",
            json!({}),
            None,
        )
        .await;
    let user_id: Uuid = registered.data()["register"]["id"]
        .as_str()
        .expect("an id")
        .parse()
        .expect("a uuid");

    let accounts = Arc::new(UsersService::new(
        Some(url.clone()),
        Some(Secret::new(TOKEN.to_string())),
    ));
    let h = Harness::with_accounts(accounts, Arc::default()).await;
    let admin = admin();
    let placed = h
        .data(
            &admin,
            SANCTION,
            vars(user_id, "TEMPORARY_BAN", Some(3600), "real"),
        )
        .await;
    assert_eq!(placed["sanctionPlayer"]["status"], "ACTIVE");
    assert!(matches!(
        board.state(user_id).await.expect("reads").ban,
        Some(Until::At(_))
    ));
    let login =
        "mutation { login(username: \"cheater\", password: \"correct horse\") { accessToken } }";
    client
        .request(login, json!({}), None)
        .await
        .assert_error_code("ACCOUNT_BANNED");
    let id = placed["sanctionPlayer"]["id"].clone();
    let lifted = h.data(&admin, LIFT, json!({ "id": id })).await;
    assert_eq!(lifted["liftSanction"]["status"], "LIFTED");
    assert_eq!(board.state(user_id).await.expect("reads").ban, None);
    assert!(client
        .request(login, json!({}), None)
        .await
        .errors()
        .is_empty());

    // A wrong internal token is refused by users: the sanction stays pending.
    let wrong = Harness::with_accounts(
        Arc::new(UsersService::new(
            Some(url),
            Some(Secret::new("guessed".to_string())),
        )),
        Arc::default(),
    )
    .await;
    let refused = wrong
        .run(
            Some(&admin),
            SANCTION,
            vars(user_id, "MUTE", Some(60), "wrong"),
        )
        .await;
    assert_code(&refused, "SANCTION_NOT_APPLIED");
    let _ = stop.send(());
    server.await.expect("joins").expect("serves");
}
