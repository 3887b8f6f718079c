//! In-process tests of the users app (SQLite, or PostgreSQL when
//! `CHAOS_TEST_POSTGRES_URL` is set): sanctions applied through the internal mutations,
//! what a banned or muted account can still do, and whose address a failed login counts
//! against.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::Router;
use serde_json::{json, Value};
use subgraph_kit::peer::INTERNAL_TOKEN_HEADER;
use subgraph_kit::sanctions::{SanctionBoard, Until};
use subgraph_kit::secret::Secret;
use subgraph_kit::testing::TestDatabase;
use tower::ServiceExt;
use uuid::Uuid;

use crate::settings::UsersSettings;
use crate::SigningKeys;

const INTERNAL_TOKEN: &str = "users-test-internal-token";

struct Harness {
    router: Router,
    board: SanctionBoard,
    db: sea_orm::DatabaseConnection,
    keys: Arc<SigningKeys>,
    settings: Arc<UsersSettings>,
}

async fn harness() -> Harness {
    harness_with(|_| {}).await
}

/// [`harness`] with settings changed by `configure` first.
async fn harness_with(configure: impl FnOnce(&mut UsersSettings)) -> Harness {
    let database = TestDatabase::create("users").await;
    let mut settings: UsersSettings = serde_json::from_value(json!({
        "server": { "listen": "127.0.0.1:0" },
        "database": { "url": "sqlite::memory:" },
    }))
    .expect("minimal settings parse");
    settings.database = database.settings;
    settings.peers.internal_token = Some(Secret::new(INTERNAL_TOKEN.to_string()));
    configure(&mut settings);
    let settings = Arc::new(settings);
    let db =
        subgraph_kit::db::connect_and_migrate::<migrations::users::Migrator>(&settings.database)
            .await
            .expect("the test database migrates");
    let keys = Arc::new(SigningKeys::generate().expect("generates a key"));
    let board = SanctionBoard::in_process();
    let router = crate::app_with(db.clone(), keys.clone(), settings.clone(), board.clone())
        .await
        .expect("the app builds");
    Harness {
        router,
        board,
        db,
        keys,
        settings,
    }
}

impl Harness {
    async fn post(&self, query: &str, variables: Value, headers: &[(&str, &str)]) -> Value {
        self.post_from(None, query, variables, headers).await
    }

    /// [`Harness::post`] over a connection from `peer` (as axum's listener records it).
    async fn post_from(
        &self,
        peer: Option<SocketAddr>,
        query: &str,
        variables: Value,
        headers: &[(&str, &str)],
    ) -> Value {
        let mut request = Request::post("/graphql").header("content-type", "application/json");
        if let Some(peer) = peer {
            request = request.extension(ConnectInfo(peer));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = self
            .router
            .clone()
            .oneshot(
                request
                    .body(Body::from(
                        json!({ "query": query, "variables": variables }).to_string(),
                    ))
                    .expect("a request"),
            )
            .await
            .expect("answers");
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .expect("a body");
        serde_json::from_slice(&body).expect("JSON")
    }

    async fn internal(&self, query: &str, variables: Value) -> Value {
        self.post(query, variables, &[(INTERNAL_TOKEN_HEADER, INTERNAL_TOKEN)])
            .await
    }

    /// Registers and signs in a player; returns (user id, access token, refresh token).
    async fn player(&self) -> (Uuid, String, String) {
        let name = format!("p{}", &Uuid::new_v4().simple().to_string()[..10]);
        let registered = self
            .post(
                "mutation($u: String!, $e: String!) { register(username: $u, email: $e, password: \"correct horse\") { id } }",
                json!({ "u": name, "e": format!("{name}@chaos.test") }),
                &[],
            )
            .await;
        let user_id = registered["data"]["register"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("registered: {registered}"))
            .parse()
            .expect("a uuid");
        let tokens = self.login(&name, "correct horse").await;
        let access = tokens["data"]["login"]["accessToken"]
            .as_str()
            .unwrap_or_else(|| panic!("logged in: {tokens}"))
            .to_string();
        let refresh = tokens["data"]["login"]["refreshToken"]
            .as_str()
            .expect("a refresh token")
            .to_string();
        (user_id, access, refresh)
    }

    async fn username(&self, user_id: Uuid) -> String {
        crate::service::users_by_ids(&self.db, &[user_id])
            .await
            .expect("reads")
            .remove(0)
            .username
    }

    /// A login from `peer` whose `X-Forwarded-For` says `forwarded_for`.
    async fn login_from(&self, peer: SocketAddr, forwarded_for: &str, username: &str) -> Value {
        self.post_from(
            Some(peer),
            "mutation($u: String!) { login(username: $u, password: \"a guess\") { accessToken } }",
            json!({ "u": username }),
            &[("x-forwarded-for", forwarded_for)],
        )
        .await
    }

    async fn login(&self, username: &str, password: &str) -> Value {
        self.post(
            "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken refreshToken } }",
            json!({ "u": username, "p": password }),
            &[],
        )
        .await
    }

    async fn refresh(&self, refresh_token: &str) -> Value {
        self.post(
            "mutation($t: String!) { refresh(refreshToken: $t) { accessToken } }",
            json!({ "t": refresh_token }),
            &[],
        )
        .await
    }

    async fn me(&self, access_token: &str) -> Value {
        self.post(
            "{ me { id } }",
            json!({}),
            &[("authorization", &format!("Bearer {access_token}"))],
        )
        .await
    }
}

const APPLY: &str = "mutation($id: ID!, $user: ID!, $kind: AccountSanctionKind!, $until: DateTime, $reason: String!) {
    applyAccountSanction(sanctionId: $id, userId: $user, kind: $kind, until: $until, reason: $reason)
}";

const LIFT: &str = "mutation($user: ID!, $kind: AccountSanctionKind!) {
    liftAccountSanction(userId: $user, kind: $kind)
}";

fn code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

#[tokio::test]
async fn a_ban_revokes_sessions_and_refuses_login_refresh_and_tokens() {
    let h = harness().await;
    let (user_id, access, refresh) = h.player().await;
    let (bystander, bystander_access, _) = h.player().await;
    assert!(h.me(&access).await["errors"].is_null());
    let name = h.username(user_id).await;

    let sanction_id = Uuid::new_v4();
    let until = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    let variables = json!({ "id": sanction_id, "user": user_id, "kind": "BAN",
                            "until": until, "reason": "speed hacking" });
    let applied = h.internal(APPLY, variables.clone()).await;
    assert_eq!(applied["data"]["applyAccountSanction"], true, "{applied}");
    let replay = h.internal(APPLY, variables).await;
    assert_eq!(
        replay["data"]["applyAccountSanction"], false,
        "idempotent: {replay}"
    );

    // The board refuses the cached access token on every request.
    let state = h.board.state(user_id).await.expect("reads");
    assert!(matches!(state.ban, Some(Until::At(_))));
    let refused = h.me(&access).await;
    assert!(refused["data"].is_null() || refused["data"]["me"].is_null());
    assert!(code(&refused).is_some(), "refused: {refused}");
    assert!(h.me(&bystander_access).await["errors"].is_null());

    // Login: the right password learns of the ban; a wrong one learns nothing.
    let login = h.login(&name, "correct horse").await;
    assert_eq!(code(&login), Some("ACCOUNT_BANNED"), "{login}");
    let wrong = h.login(&name, "wrong password").await;
    assert_eq!(code(&wrong), Some("INVALID_CREDENTIALS"), "{wrong}");

    // Refresh: refused, and the session is revoked.
    let refreshed = h.refresh(&refresh).await;
    assert_eq!(code(&refreshed), Some("ACCOUNT_BANNED"), "{refreshed}");
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let sessions = entities::users::session::Entity::find()
        .filter(entities::users::session::Column::UserId.eq(user_id))
        .all(&h.db)
        .await
        .expect("reads");
    assert!(!sessions.is_empty());
    assert!(sessions
        .iter()
        .all(|s| s.revoked_reason.as_deref() == Some("BANNED")));
    let bystander_sessions = entities::users::session::Entity::find()
        .filter(entities::users::session::Column::UserId.eq(bystander))
        .all(&h.db)
        .await
        .expect("reads");
    assert!(bystander_sessions.iter().all(|s| s.revoked_at.is_none()));

    // Lifted: login works again, the old refresh token stays dead.
    let lifted = h
        .internal(LIFT, json!({ "user": user_id, "kind": "BAN" }))
        .await;
    assert_eq!(lifted["data"]["liftAccountSanction"], true, "{lifted}");
    assert_eq!(
        code(&h.refresh(&refresh).await),
        Some("INVALID_REFRESH_TOKEN")
    );
    assert!(h.login(&name, "correct horse").await["errors"].is_null());
    assert!(!h
        .board
        .token_allowed(user_id, chrono::Utc::now().timestamp() - 5)
        .await
        .expect("reads"));
}

#[tokio::test]
async fn a_permanent_ban_and_mutes_reach_the_board_and_survive_a_restart() {
    let h = harness().await;
    let (banned, _, _) = h.player().await;
    let (muted, _, _) = h.player().await;
    let ban = h
        .internal(
            APPLY,
            json!({ "id": Uuid::new_v4(), "user": banned, "kind": "BAN", "until": null, "reason": "botting" }),
        )
        .await;
    assert_eq!(ban["data"]["applyAccountSanction"], true, "{ban}");
    let mute_until = chrono::Utc::now() + chrono::Duration::minutes(30);
    let mute = h
        .internal(
            APPLY,
            json!({ "id": Uuid::new_v4(), "user": muted, "kind": "MUTE",
                    "until": mute_until.to_rfc3339(), "reason": "spam" }),
        )
        .await;
    assert_eq!(mute["data"]["applyAccountSanction"], true, "{mute}");
    assert_eq!(
        h.board.muted_until(muted).await.expect("reads"),
        Some(Until::At(mute_until.timestamp()))
    );
    let name = h.username(banned).await;
    assert_eq!(
        code(&h.login(&name, "correct horse").await),
        Some("ACCOUNT_BANNED")
    );

    // A restart with an empty board republishes what is in force.
    let fresh = SanctionBoard::in_process();
    let _restarted = crate::app_with(
        h.db.clone(),
        h.keys.clone(),
        h.settings.clone(),
        fresh.clone(),
    )
    .await
    .expect("the app builds");
    assert_eq!(
        fresh.state(banned).await.expect("reads").ban,
        Some(Until::Forever)
    );
    assert!(fresh.muted_until(muted).await.expect("reads").is_some());
    assert!(fresh
        .token_allowed(muted, chrono::Utc::now().timestamp())
        .await
        .expect("reads"));

    let unmuted = h
        .internal(LIFT, json!({ "user": muted, "kind": "MUTE" }))
        .await;
    assert_eq!(unmuted["data"]["liftAccountSanction"], true, "{unmuted}");
    assert_eq!(h.board.muted_until(muted).await.expect("reads"), None);
    let again = h
        .internal(LIFT, json!({ "user": muted, "kind": "MUTE" }))
        .await;
    assert_eq!(again["data"]["liftAccountSanction"], false);
}

#[tokio::test]
async fn internal_mutations_need_the_internal_token() {
    let h = harness().await;
    let (user_id, access, _) = h.player().await;
    let variables = json!({ "id": Uuid::new_v4(), "user": user_id, "kind": "BAN",
                            "until": null, "reason": "x" });
    let anonymous = h.post(APPLY, variables.clone(), &[]).await;
    assert_eq!(code(&anonymous), Some("FORBIDDEN"), "{anonymous}");
    let as_player = h
        .post(
            APPLY,
            variables.clone(),
            &[("authorization", &format!("Bearer {access}"))],
        )
        .await;
    assert_eq!(code(&as_player), Some("FORBIDDEN"), "{as_player}");
    let wrong_token = h
        .post(
            APPLY,
            variables.clone(),
            &[(INTERNAL_TOKEN_HEADER, "guessed")],
        )
        .await;
    assert_eq!(code(&wrong_token), Some("UNAUTHENTICATED"), "{wrong_token}");
    let lift = h
        .post(LIFT, json!({ "user": user_id, "kind": "BAN" }), &[])
        .await;
    assert_eq!(code(&lift), Some("FORBIDDEN"));
    assert!(h.me(&access).await["errors"].is_null(), "nothing applied");

    // Input checks.
    let unknown = h
        .internal(
            APPLY,
            json!({ "id": Uuid::new_v4(), "user": Uuid::new_v4(), "kind": "BAN", "until": null, "reason": "x" }),
        )
        .await;
    assert_eq!(code(&unknown), Some("NOT_FOUND"), "{unknown}");
    let past = h
        .internal(
            APPLY,
            json!({ "id": Uuid::new_v4(), "user": user_id, "kind": "MUTE",
                    "until": (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339(),
                    "reason": "x" }),
        )
        .await;
    assert_eq!(code(&past), Some("BAD_USER_INPUT"), "{past}");
    let reused_id = Uuid::new_v4();
    h.internal(
        APPLY,
        json!({ "id": reused_id, "user": user_id, "kind": "MUTE", "until": null, "reason": "x" }),
    )
    .await;
    let reused = h
        .internal(
            APPLY,
            json!({ "id": reused_id, "user": user_id, "kind": "BAN", "until": null, "reason": "x" }),
        )
        .await;
    assert_eq!(code(&reused), Some("BAD_USER_INPUT"), "{reused}");
}

#[test]
fn existing_settings_without_sanction_fields_still_parse() {
    let settings: UsersSettings = serde_json::from_value(json!({
        "server": { "listen": "127.0.0.1:0" },
        "database": { "url": "sqlite::memory:" },
        "tokens": { "issuer": "chaos-users" },
    }))
    .expect("parses");
    assert!(settings.peers.internal_token.is_none());
    assert!(settings.sanctions.redis_url.is_none());
    assert_eq!(settings.sanctions.namespace, "chaos");
}

/// An insider on the cluster network calls users directly, claiming a fresh address in
/// `X-Forwarded-For` on every try: no proxy is trusted, so the claims are ignored and
/// the caller's own address is locked out; another caller is not.
#[tokio::test]
async fn claimed_forwarded_addresses_do_not_escape_the_address_lockout() {
    let harness = harness_with(|settings| settings.lockout.max_ip_failures = 3).await;
    let attacker = SocketAddr::from(([192, 0, 2, 10], 50_000));
    for i in 0..3 {
        let answer = harness
            .login_from(attacker, &format!("198.51.100.{i}"), "ghost")
            .await;
        assert_eq!(code(&answer), Some("INVALID_CREDENTIALS"), "{answer}");
    }
    let answer = harness.login_from(attacker, "198.51.100.99", "ghost").await;
    assert_eq!(code(&answer), Some("TOO_MANY_LOGIN_ATTEMPTS"), "{answer}");
    let bystander = SocketAddr::from(([192, 0, 2, 11], 50_000));
    let answer = harness
        .login_from(bystander, "198.51.100.99", "ghost")
        .await;
    assert_eq!(code(&answer), Some("INVALID_CREDENTIALS"), "{answer}");
}

/// Behind a trusted router, the address the router forwards is the client: two players
/// behind one router lock out separately.
#[tokio::test]
async fn a_trusted_router_names_the_client() {
    let harness = harness_with(|settings| {
        settings.lockout.max_ip_failures = 3;
        settings.server.trusted_proxies = "10.0.0.0/8".parse().expect("a network");
    })
    .await;
    let router = SocketAddr::from(([10, 0, 0, 5], 40_000));
    for _ in 0..3 {
        let answer = harness.login_from(router, "203.0.113.7", "ghost").await;
        assert_eq!(code(&answer), Some("INVALID_CREDENTIALS"), "{answer}");
    }
    let answer = harness.login_from(router, "203.0.113.7", "ghost").await;
    assert_eq!(code(&answer), Some("TOO_MANY_LOGIN_ATTEMPTS"), "{answer}");
    let answer = harness.login_from(router, "203.0.113.8", "ghost").await;
    assert_eq!(code(&answer), Some("INVALID_CREDENTIALS"), "{answer}");
}

/// The race: 39 wrong passwords and the right one at once. Attempts are counted before
/// the slow hash, so at most `max_account_failures` are checked; the rest are refused
/// as locked without hashing, and the account ends locked unless the right one was
/// among those checked.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_guesses_check_at_most_the_allowed_number_of_passwords() {
    let harness = harness_with(|settings| settings.lockout.max_ip_failures = 1_000).await;
    let (user_id, _, _) = harness.player().await;
    let name = harness.username(user_id).await;
    let max = harness.settings.lockout.max_account_failures;
    let attempts = (0..40).map(|i| {
        let password = if i == 20 {
            "correct horse"
        } else {
            "wrong horse"
        };
        harness.login(&name, password)
    });
    let answers = futures_util::future::join_all(attempts).await;
    let count = |wanted: &str| answers.iter().filter(|a| code(a) == Some(wanted)).count();
    let signed_in = answers
        .iter()
        .filter(|a| a["data"]["login"]["accessToken"].is_string())
        .count();
    let checked = count("INVALID_CREDENTIALS") + signed_in;
    assert!(
        checked <= usize::try_from(max).expect("small"),
        "{checked} passwords checked: {answers:?}"
    );
    assert_eq!(
        count("ACCOUNT_LOCKED") + checked,
        answers.len(),
        "{answers:?}"
    );
    if signed_in == 0 {
        let after = harness.login(&name, "correct horse").await;
        assert_eq!(code(&after), Some("ACCOUNT_LOCKED"), "{after}");
    }
}
